/* netfence: `netfence log [-f] [--json] [--since DURATION] [ID]`, a container's network events
 * (SPEC section 11) as the resolver collected them: one request on its control socket
 * (`events` or `follow`, netfence-resolver(8)), its JSON lines printed as they are or as text. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>
#include <unistd.h>

#include "caps.h"
#include "cleanup.h"
#include "cmd.h"
#include "event.h"
#include "hostconf.h"
#include "rclient.h"
#include "util.h"

#define SINCE_MAX_S (366ull * 86400)

static int usage(void)
{
	fprintf(stderr, "usage: netfence log [-f] [--json] [--since DURATION] [ID]\n"
			"  DURATION: a number with s, m, h or d (30s, 10m, 2h, 1d)\n");
	return NF_EXIT_INPUT;
}

/* "30s", "10m", "2h", "1d" -> milliseconds; -EINVAL otherwise. */
static int parse_duration(const char *s, uint64_t *ret)
{
	char *end;
	unsigned long long v;
	uint64_t unit;

	if (*s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end[0] == 0 || end[1] != 0)
		return -EINVAL;
	switch (*end) {
	case 's':
		unit = 1;
		break;
	case 'm':
		unit = 60;
		break;
	case 'h':
		unit = 3600;
		break;
	case 'd':
		unit = 86400;
		break;
	default:
		return -EINVAL;
	}
	if (v == 0 || v > SINCE_MAX_S / unit)
		return -EINVAL;
	*ret = v * unit * 1000;
	return 0;
}

struct printer {
	bool json, follow;
};

static int print_line(const char *line, size_t n, void *arg)
{
	const struct printer *pr = arg;
	struct nf_event e;
	struct nf_error err = { 0 };
	char text[NF_EVENT_LINE], t[40];

	if (pr->json) {
		printf("%.*s\n", (int)n, line);
	} else if (nf_event_parse(line, n, &e, &err) < 0 ||
		   nf_event_text(&e, text, sizeof(text)) < 0) {
		fprintf(stderr, "netfence: log: an event the resolver sent is unreadable: %s\n",
			err.msg[0] ? err.msg : "too long");
		return -EBADMSG;
	} else {
		nf_event_time(e.ms, false, t, sizeof(t));
		printf("%s %s\n", t, text);
	}
	if (pr->follow)
		fflush(stdout);
	return 0;
}

int cmd_log(int argc, char **argv)
{
	_cleanup_(hostconf_freep) struct hostconf *hc = NULL;
	_cleanup_close_ int fd = -1;
	struct nf_error err = { 0 };
	struct sockaddr_un sa;
	struct printer pr = { false, false };
	const char *id = NULL;
	uint64_t since = 0;
	char req[1200];
	int r;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-f") == 0 || strcmp(argv[i], "--follow") == 0) {
			pr.follow = true;
		} else if (strcmp(argv[i], "--json") == 0) {
			pr.json = true;
		} else if (strcmp(argv[i], "--since") == 0 && i + 1 < argc) {
			if (parse_duration(argv[++i], &since) < 0) {
				fprintf(stderr,
					"netfence: log: --since \"%s\": not a duration (30s, 10m, "
					"2h, 1d)\n",
					argv[i]);
				return NF_EXIT_INPUT;
			}
		} else if (argv[i][0] != '-' && !id && strlen(argv[i]) <= 1024 &&
			   !strpbrk(argv[i], " \n")) {
			id = argv[i];
		} else {
			return usage();
		}
	}
	if (hostconf_load_flags(NULL, NULL, NF_HOSTCONF_NO_PROFILES, &hc, &err) < 0)
		return cmd_fail("log", &err);
	if (resolver_sockaddr(hc->state_dir, &sa) < 0) {
		fprintf(stderr, "netfence: log: %s: state_dir too long for a socket\n",
			hc->state_dir);
		return NF_EXIT_SYSTEM;
	}
	fd = resolver_connect(hc->state_dir);
	if (fd < 0) {
		if (fd == -ENOENT || fd == -ECONNREFUSED)
			fprintf(stderr,
				"netfence: log: the resolver is not running (%s): events are "
				"collected by netfence-resolver(8)\n",
				sa.sun_path);
		else
			fprintf(stderr, "netfence: log: %s: %s\n", sa.sun_path, strerror(-fd));
		return NF_EXIT_SYSTEM;
	}
	/* connected: nothing left that needs a privilege */
	if (caps_drop_to(NULL, 0, &err) < 0)
		return cmd_fail("log", &err);
	if (since)
		since = nf_event_now_ms() > since ? nf_event_now_ms() - since : 0;
	snprintf(req, sizeof(req), "%s %llu%s%s\n", pr.follow ? "follow" : "events",
		 (unsigned long long)since, id ? " " : "", id ? id : "");
	r = resolver_stream(fd, req, 0, print_line, &pr, &err);
	if (r == -ESRCH && id) {
		fprintf(stderr,
			"netfence: %s: no events: the resolver does not serve this container "
			"(unknown id, or its set-up could not register it)\n",
			id);
		return NF_EXIT_INPUT;
	}
	if (r == -ECONNRESET)
		fprintf(stderr, "netfence: log: the resolver closed the connection%s\n",
			pr.follow ? " (stopped, or this reader fell too far behind)" : "");
	else if (r < 0 && r != -EBADMSG)
		fprintf(stderr, "netfence: log: %s\n", err.msg);
	return r < 0 ? NF_EXIT_SYSTEM : 0;
}
