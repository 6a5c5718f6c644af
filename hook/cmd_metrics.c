/* netfence: `netfence metrics`: every fenced container's counters, and its DNS counters when
 * the resolver serves it, in the Prometheus text format (SPEC section 11; metrics.h). The
 * resolver serves the same text on metrics_listen. */
#include <stdio.h>
#include <string.h>

#include "caps.h"
#include "cmd.h"
#include "hostconf.h"
#include "metrics.h"
#include "util.h"

/* metrics only reads, as status does: its own state files, counters, the resolver's socket */
static const int metrics_caps[] = {
	/* nfnetlink refuses every message without it, reading the counters included */
	CAP_NET_ADMIN,
	/* setns(2) into each container's namespace for the counters of its inner table */
	CAP_SYS_ADMIN,
	/* opening /proc/<pid>/ns/net of a container no namespace handle names (as set-up does) */
	CAP_SYS_PTRACE,
};

int cmd_metrics(int argc, char **argv)
{
	_cleanup_(hostconf_freep) struct hostconf *hc = NULL;
	struct metrics_dns *dns = NULL;
	struct nf_error err = { 0 };
	size_t n_dns = 0, failed = 0;
	int r, status = 0;

	if (argc > 1) {
		fprintf(stderr, "usage: netfence metrics\n");
		return NF_EXIT_INPUT;
	}
	r = hostconf_load_flags(NULL, NULL, NF_HOSTCONF_NO_PROFILES, &hc, &err);
	if (r >= 0)
		r = caps_drop_to(metrics_caps, ARRAY_SIZE(metrics_caps), &err);
	if (r < 0)
		return cmd_fail("metrics", &err);
	/* without the resolver's counters the kernel's are still worth printing */
	if (metrics_dns_fetch(hc->state_dir, &dns, &n_dns, &err) < 0) {
		fprintf(stderr, "netfence: metrics: %s (no DNS series)\n", err.msg);
		status = NF_EXIT_SYSTEM;
	}
	r = metrics_write(stdout, hc->state_dir, dns, n_dns, &failed, &err);
	metrics_dns_free(dns, n_dns);
	if (r < 0)
		return cmd_fail("metrics", &err);
	if (failed) {
		fprintf(stderr,
			"netfence: metrics: the counters of %zu containers could not be read\n",
			failed);
		status = NF_EXIT_SYSTEM;
	}
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "netfence: metrics: writing: %m\n");
		return NF_EXIT_SYSTEM;
	}
	return status;
}
