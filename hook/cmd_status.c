/* netfence: `netfence status [--json] [ID]`: the containers whose set-up completed, with their
 * mode, addresses, policy, the packet/byte counters of accepted and blocked traffic, the
 * addresses its DNS answers opened (learned sets) with the time each has left, and the newest
 * blocked packet the resolver saw (its `last` request). */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <yajl/yajl_gen.h>

#include "json.h"
#include "caps.h"
#include "cmd.h"
#include "event.h"
#include "hostconf.h"
#include "journal.h"
#include "nft.h"
#include "nft_learn.h"
#include "rclient.h"
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
	for (int d = 0; d < NF_DIR_N; d++) {
		if (!j->wire) {
			c->acc_pkts[d] = inner.acc_pkts[d];
			c->acc_bytes[d] = inner.acc_bytes[d];
		}
		c->blk_pkts[d] += inner.blk_pkts[d];
		c->blk_bytes[d] += inner.blk_bytes[d];
	}
	if (!j->wire) { /* overlay mode: the limits live in the namespace's table */
		c->rate_refused = inner.rate_refused;
		c->quota_used = inner.quota_used;
		c->quota_allowed = inner.quota_allowed;
	}
	return 0;
}

/* The learned elements of a container's namespace (nft_learn_list). */
struct learned {
	struct learned_elem {
		char addr[INET6_ADDRSTRLEN];
		char proto[8];
		char ports[16];
		uint64_t expires_s; /* rounded up: 0 only once expired */
	} * v;
	size_t n, cap;
	bool gone; /* the namespace is gone: nothing can be learned */
};

static int learned_cb(const struct nf_box *b, int family, uint64_t expires_ms, void *arg)
{
	struct learned *l = arg;
	struct learned_elem *e;

	if (l->n == l->cap) {
		size_t ncap = l->cap ? l->cap * 2 : 16;
		struct learned_elem *nv = realloc(l->v, ncap * sizeof(*nv));

		if (!nv)
			return -ENOMEM;
		l->v = nv;
		l->cap = ncap;
	}
	e = &l->v[l->n++];
	inet_ntop(family, b->lo, e->addr, sizeof(e->addr));
	if (b->proto_lo != b->proto_hi)
		snprintf(e->proto, sizeof(e->proto), "any");
	else if (b->proto_lo == 6 || b->proto_lo == 17)
		snprintf(e->proto, sizeof(e->proto), "%s", b->proto_lo == 6 ? "tcp" : "udp");
	else
		snprintf(e->proto, sizeof(e->proto), "%u", b->proto_lo);
	if (b->port_lo == b->port_hi)
		snprintf(e->ports, sizeof(e->ports), "%u", b->port_lo);
	else
		snprintf(e->ports, sizeof(e->ports), "%u-%u", b->port_lo, b->port_hi);
	e->expires_s = (expires_ms + 999) / 1000;
	return 0;
}

static int learned_of(const struct journal *j, struct learned *l, struct nf_error *err)
{
	int nsfd, r;

	nsfd = journal_open_ns(j);
	if (nsfd < 0) {
		l->gone = true;
		return 0;
	}
	r = nft_learn_list(nsfd, learned_cb, l, err);
	close(nsfd);
	if (r == -ENOMEM && !err->msg[0])
		nf_sys_err(err, r, "learned addresses");
	return r;
}

/* The newest blocked packet of each container, as the resolver's `last` reply says. */
struct last_blocked {
	struct nf_event *v;
	size_t n, cap;
};

static int last_cb(const char *line, size_t n, void *arg)
{
	struct last_blocked *lb = arg;
	struct nf_error err = { 0 };

	if (lb->n == lb->cap) {
		size_t ncap = lb->cap ? lb->cap * 2 : 16;
		struct nf_event *nv = realloc(lb->v, ncap * sizeof(*nv));

		if (!nv)
			return -ENOMEM;
		lb->v = nv;
		lb->cap = ncap;
	}
	if (nf_event_parse(line, n, &lb->v[lb->n], &err) == 0)
		lb->n++;
	return 0;
}

/* NULL when none, or the resolver does not run or does not know the container */
static const struct nf_event *last_of(const struct last_blocked *lb, const char *id)
{
	for (size_t i = lb->n; i-- > 0;)
		if (strcmp(lb->v[i].container, id) == 0)
			return &lb->v[i];
	return NULL;
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

/* time, direction, protocol, source, destination, port, name (null when unknown) */
static void gen_last(yajl_gen g, const struct nf_event *e)
{
	char s[64];

	gen_s(g, "last_blocked");
	if (!e) {
		yajl_gen_null(g);
		return;
	}
	yajl_gen_map_open(g);
	nf_event_time(e->ms, true, s, sizeof(s));
	gen_kv(g, "time", s);
	gen_kv(g, "direction", nf_event_dir_name(e));
	gen_s(g, "protocol");
	if (e->proto >= 0 && !nf_event_proto_name(e->proto))
		yajl_gen_integer(g, e->proto);
	else
		gen_s(g, e->proto >= 0 ? nf_event_proto_name(e->proto) : NULL);
	gen_kv(g, "source", e->src.family ? nf_addr_str(&e->src, s, sizeof(s)) : NULL);
	gen_kv(g, "destination", e->dst.family ? nf_addr_str(&e->dst, s, sizeof(s)) : NULL);
	gen_s(g, "port");
	if (e->port >= 0)
		yajl_gen_integer(g, e->port);
	else
		yajl_gen_null(g);
	gen_kv(g, "name", e->name[0] ? e->name : NULL);
	yajl_gen_map_close(g);
}

static void print_json(yajl_gen g, const struct journal *j, const struct nft_counters *c,
		       const struct learned *l, const struct nf_event *last)
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
	gen_ku(g, "accepted_packets", nft_sum(c->acc_pkts));
	gen_ku(g, "accepted_bytes", nft_sum(c->acc_bytes));
	gen_ku(g, "blocked_packets", nft_sum(c->blk_pkts));
	gen_ku(g, "blocked_bytes", nft_sum(c->blk_bytes));
	yajl_gen_map_close(g);
	/* io.netfence.rate and io.netfence.quota (SPEC section 11): null when not set */
	gen_s(g, "limits");
	yajl_gen_map_open(g);
	gen_s(g, "rate_refused");
	yajl_gen_integer(g, (long long)c->rate_refused);
	gen_s(g, "quota_used");
	if (c->quota_allowed)
		yajl_gen_integer(g, (long long)c->quota_used);
	else
		yajl_gen_null(g);
	gen_s(g, "quota_allowed");
	if (c->quota_allowed)
		yajl_gen_integer(g, (long long)c->quota_allowed);
	else
		yajl_gen_null(g);
	yajl_gen_map_close(g);
	/* addresses its DNS answers opened, each for its protocol and ports, with the seconds
	 * left before new connections to it are refused */
	gen_s(g, "learned");
	yajl_gen_array_open(g);
	for (size_t i = 0; i < l->n; i++) {
		yajl_gen_map_open(g);
		gen_kv(g, "address", l->v[i].addr);
		gen_kv(g, "protocol", l->v[i].proto);
		gen_kv(g, "ports", l->v[i].ports);
		gen_ku(g, "expires_in", l->v[i].expires_s);
		yajl_gen_map_close(g);
	}
	yajl_gen_array_close(g);
	gen_last(g, last);
	yajl_gen_map_close(g);
}

/* status ID: "  last blocked: <time> egress tcp 10.213.0.2 -> 203.0.113.5:22 (name)" */
static void print_last(const struct nf_event *e, bool resolver)
{
	char text[NF_EVENT_LINE], t[40];
	size_t skip = strlen(e ? e->container : "") + strlen(" blocked");

	if (!e) {
		printf("  last blocked: %s\n",
		       resolver ? "none" : "unknown (the resolver is not running)");
		return;
	}
	if (nf_event_text(e, text, sizeof(text)) < 0 || strlen(text) < skip)
		return;
	nf_event_time(e->ms, false, t, sizeof(t));
	printf("  last blocked: %s%s\n", t, text + skip);
}

/* status ID: the learned addresses under the container's row */
static void print_learned(const struct learned *l)
{
	if (l->n == 0)
		printf("  learned: none%s\n", l->gone ? " (its network namespace is gone)" : "");
	for (size_t i = 0; i < l->n; i++)
		printf("  learned: %s %s/%s expires in %" PRIu64 " s\n", l->v[i].addr,
		       l->v[i].proto, l->v[i].ports, l->v[i].expires_s);
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
	       addrs, j->policy ? j->policy : "-", nft_sum(c->acc_pkts), nft_sum(c->acc_bytes),
	       nft_sum(c->blk_pkts), nft_sum(c->blk_bytes));
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
	struct last_blocked lb = { 0 };
	const char *want = NULL;
	char **ids = NULL, req[1100];
	size_t n = 0;
	bool json = false, found = false, resolver = false;
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
	/* the newest blocked packets: one request, for the rows that show them */
	if (json || want) {
		struct nf_error e2 = { 0 };

		snprintf(req, sizeof(req), "last%s%.1024s\n", want ? " " : "", want ? want : "");
		r = resolver_query(hc->state_dir, req, 1000, last_cb, &lb, &e2);
		resolver = r >= 0 || r == -ESRCH;
		if (r < 0 && r != -ESRCH && r != -ENOENT && r != -ECONNREFUSED) {
			fprintf(stderr, "netfence: status: the last blocked packets: %s\n", e2.msg);
			status = NF_EXIT_SYSTEM;
		}
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
		struct learned l;

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
		memset(&l, 0, sizeof(l));
		if ((json || want) && learned_of(j, &l, &err) < 0) {
			fprintf(stderr, "netfence: %s: learned addresses: %s\n", j->id, err.msg);
			status = NF_EXIT_SYSTEM;
		}
		if (json) {
			print_json(g, j, &c, &l, last_of(&lb, j->id));
		} else {
			print_row(j, &c);
			if (c.quota_allowed)
				printf("  quota: %" PRIu64 " of %" PRIu64 " bytes used\n",
				       c.quota_used, c.quota_allowed);
			if (c.rate_refused)
				printf("  rate: %" PRIu64 " new connections refused\n",
				       c.rate_refused);
			if (want) {
				print_learned(&l);
				print_last(last_of(&lb, j->id), resolver);
			}
		}
		free(l.v);
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
	free(lb.v);
	hostconf_free(hc);
	if (want && !found) {
		fprintf(stderr, "netfence: status: no fenced container \"%s\"\n", want);
		return NF_EXIT_INPUT;
	}
	return status;
}
