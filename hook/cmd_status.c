/* netfence: `netfence status [--json] [ID]`: the containers whose set-up completed, with their
 * mode, addresses, policy and the packet/byte counters of accepted and blocked traffic. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <yajl/yajl_gen.h>

#include "json.h"
#include "caps.h"
#include "cmd.h"
#include "hostconf.h"
#include "journal.h"
#include "nft.h"
#include "util.h"

/* Accepted traffic is what passed the host-side copy (wire mode), so nothing is counted twice;
 * blocked traffic is what either copy refused: most is refused inside the container's
 * namespace before the host ever sees it. */
static int counters_of(const struct journal *j, struct nft_counters *c, struct nf_error *err)
{
	struct nft_counters inner = { 0 };
	int nsfd, r = 0;

	memset(c, 0, sizeof(*c));
	if (j->wire) {
		r = nft_host_counters(j->hex, c, err);
		if (r < 0)
			return r;
	}
	nsfd = journal_open_ns(j);
	if (nsfd < 0)
		return 0;
	r = nft_ns_counters(nsfd, &inner, err);
	close(nsfd);
	if (r < 0)
		return r;
	if (!j->wire) {
		c->accepted_pkts = inner.accepted_pkts;
		c->accepted_bytes = inner.accepted_bytes;
	}
	c->blocked_pkts += inner.blocked_pkts;
	c->blocked_bytes += inner.blocked_bytes;
	return 0;
}

static void gen_s(yajl_gen g, const char *s)
{
	if (s)
		yajl_gen_string(g, (const unsigned char *)s, strlen(s));
	else
		yajl_gen_null(g);
}

static void gen_kv(yajl_gen g, const char *k, const char *v)
{
	gen_s(g, k);
	gen_s(g, v);
}

static void gen_ku(yajl_gen g, const char *k, uint64_t v)
{
	gen_s(g, k);
	yajl_gen_integer(g, (long long)v);
}

static void print_json(yajl_gen g, const struct journal *j, const struct nft_counters *c)
{
	char a[64];

	yajl_gen_map_open(g);
	gen_kv(g, "id", j->id);
	gen_kv(g, "mode", j->wire ? "wire" : j->overlay ? "overlay" : "none");
	gen_kv(g, "policy", j->policy);
	gen_kv(g, "base", nf_base_name(j->base));
	gen_s(g, "ipv6");
	yajl_gen_bool(g, j->ipv6);
	gen_kv(g, "interface", j->ifname[0] ? j->ifname : NULL);
	gen_s(g, "addresses");
	yajl_gen_array_open(g);
	if (j->addr4.family)
		gen_s(g, nf_addr_str(&j->addr4, a, sizeof(a)));
	if (j->addr6.family)
		gen_s(g, nf_addr_str(&j->addr6, a, sizeof(a)));
	yajl_gen_array_close(g);
	gen_kv(g, "gateway4", j->gw4.family ? nf_addr_str(&j->gw4, a, sizeof(a)) : NULL);
	gen_kv(g, "gateway6", j->gw6.family ? nf_addr_str(&j->gw6, a, sizeof(a)) : NULL);
	gen_s(g, "members");
	yajl_gen_array_open(g);
	for (size_t i = 0; i < j->n_members; i++)
		gen_s(g, j->members[i].id);
	yajl_gen_array_close(g);
	gen_s(g, "counters");
	yajl_gen_map_open(g);
	gen_ku(g, "accepted_packets", c->accepted_pkts);
	gen_ku(g, "accepted_bytes", c->accepted_bytes);
	gen_ku(g, "blocked_packets", c->blocked_pkts);
	gen_ku(g, "blocked_bytes", c->blocked_bytes);
	yajl_gen_map_close(g);
	yajl_gen_map_close(g);
}

static void print_row(const struct journal *j, const struct nft_counters *c)
{
	char a4[64] = "-", a6[64] = "", addrs[140];

	if (j->addr4.family)
		nf_addr_str(&j->addr4, a4, sizeof(a4));
	if (j->addr6.family)
		nf_addr_str(&j->addr6, a6, sizeof(a6));
	snprintf(addrs, sizeof(addrs), "%s%s%s", a4, a6[0] ? "," : "", a6);
	printf("%-20.64s %-5s %-28s %-16s %10" PRIu64 "/%-12" PRIu64 " %10" PRIu64 "/%-12" PRIu64
	       "\n",
	       j->id,
	       j->wire	    ? "wire"
	       : j->overlay ? "overlay"
			    : "none",
	       addrs, j->policy ? j->policy : "-", c->accepted_pkts, c->accepted_bytes,
	       c->blocked_pkts, c->blocked_bytes);
}

/* status only reads: its own state files (root's) and counters */
static const int status_caps[] = {
	/* nfnetlink refuses every message without it, reading the counters included */
	CAP_NET_ADMIN,
	/* setns(2) into each container's namespace for the counters of its inner table */
	CAP_SYS_ADMIN,
	/* opening /proc/<pid>/ns/net of a container no namespace handle names (as set-up does) */
	CAP_SYS_PTRACE,
};

int cmd_status(int argc, char **argv)
{
	_cleanup_(yajl_gen_freep) yajl_gen g = NULL;
	struct nf_error err = { 0 };
	struct hostconf *hc = NULL;
	const char *want = NULL;
	char **ids = NULL;
	size_t n = 0;
	bool json = false, found = false;
	int r, status = 0;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0) {
			json = true;
		} else if (argv[i][0] != '-' && !want) {
			want = argv[i];
		} else {
			fprintf(stderr, "usage: netfence status [--json] [ID]\n");
			return NF_EXIT_INPUT;
		}
	}
	r = hostconf_load_flags(NULL, NULL, NF_HOSTCONF_NO_PROFILES, &hc, &err);
	if (r >= 0)
		r = caps_drop_to(status_caps, ARRAY_SIZE(status_caps), &err);
	if (r >= 0)
		r = journal_list(hc->state_dir, &ids, &n, &err);
	if (r < 0) {
		hostconf_free(hc);
		return cmd_fail("status", &err);
	}
	if (json) {
		g = yajl_gen_alloc(NULL);
		if (!g)
			return NF_EXIT_SYSTEM;
		yajl_gen_config(g, yajl_gen_beautify, 1);
		yajl_gen_array_open(g);
	} else {
		printf("%-20s %-5s %-28s %-16s %23s %23s\n", "ID", "MODE", "ADDRESSES", "POLICY",
		       "ACCEPTED pkts/bytes", "BLOCKED pkts/bytes");
	}
	for (size_t i = 0; i < n; i++) {
		struct nft_counters c;
		struct journal *j = NULL;

		if (want && strcmp(ids[i], want) != 0)
			continue;
		if (journal_read(hc->state_dir, ids[i], &j, &err) < 0)
			continue;
		/* members are listed with the fence they joined */
		if (!j->complete || j->member_of) {
			journal_free(j);
			continue;
		}
		found = true;
		if (counters_of(j, &c, &err) < 0) {
			fprintf(stderr, "netfence: %s: counters: %s\n", j->id, err.msg);
			status = NF_EXIT_SYSTEM;
		}
		if (json)
			print_json(g, j, &c);
		else
			print_row(j, &c);
		journal_free(j);
	}
	if (json) {
		const unsigned char *buf;
		size_t len;

		yajl_gen_array_close(g);
		yajl_gen_get_buf(g, &buf, &len);
		fwrite(buf, 1, len, stdout);
	}
	nf_strv_free(ids, n);
	hostconf_free(hc);
	if (want && !found) {
		fprintf(stderr, "netfence: status: no fenced container \"%s\"\n", want);
		return NF_EXIT_INPUT;
	}
	return status;
}
