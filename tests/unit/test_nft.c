/* netfence: tests of nft.c against the real kernel. The test moves itself into a scratch
 * network namespace first (root required; skipped otherwise), so the machine's own ruleset is
 * never touched; a second scratch namespace plays the container. The nft CLI reads back what
 * was made (tests only: the hook never runs it). */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <libmnl/libmnl.h>
#include <libnftnl/expr.h>
#include <libnftnl/object.h>
#include <libnftnl/chain.h>
#include <libnftnl/rule.h>
#include <libnftnl/set.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>

#include "nft.h"
#include "nft_learn.h"
#include "plan.h"
#include "util.h"

static int host_fd = -1, ctr_fd = -1; /* both scratch namespaces */

#define HEX_A "0a0a0a0a0a0a"
#define HEX_B "0b0b0b0b0b0b"

static struct nf_rule mk(const char *addr, int len, enum nf_proto proto, unsigned plo, unsigned phi)
{
	struct nf_rule r;

	memset(&r, 0, sizeof(r));
	r.family = strchr(addr, ':') ? AF_INET6 : AF_INET;
	r.prefix.addr.family = r.family;
	assert_int_equal(inet_pton(r.family, addr, r.prefix.addr.a), 1);
	r.prefix.len = (uint8_t)len;
	r.proto = proto;
	if (plo) {
		r.has_ports = true;
		r.port_lo = (uint16_t)plo;
		r.port_hi = (uint16_t)phi;
	}
	return r;
}

static void set_addr(struct nf_addr *a, const char *s)
{
	memset(a, 0, sizeof(*a));
	a->family = strchr(s, ':') ? AF_INET6 : AF_INET;
	assert_int_equal(inet_pton(a->family, s, a->a), 1);
}

static void fence_init(struct nft_fence *f, const char *hex, enum nf_base base, bool ipv6,
		       const struct nf_rule *eg, size_t n_eg, const struct nf_rule *in, size_t n_in)
{
	struct nf_error err = { 0 };
	struct nf_addr dns;

	memset(f, 0, sizeof(*f));
	snprintf(f->hex, sizeof(f->hex), "%s", hex);
	snprintf(f->ifname, sizeof(f->ifname), "nf%s", hex);
	f->base = base;
	f->ipv6 = ipv6;
	f->nat = true;
	set_addr(&f->addr4, hex[1] == 'a' ? "10.88.0.10" : "10.88.0.11");
	set_addr(&f->gw4, "10.88.0.1");
	if (ipv6) {
		set_addr(&f->addr6, "fd00:88::11");
		set_addr(&f->gw6, "fd00:88::1");
		set_addr(&f->ll6, "fe80::2");
	}
	set_addr(&dns, "198.51.100.53");
	assert_int_equal(plan_compile(eg, n_eg, &dns, 1, AF_INET, &f->eg4, &err), 0);
	assert_int_equal(plan_compile(eg, n_eg, NULL, 0, AF_INET6, &f->eg6, &err), 0);
	assert_int_equal(plan_compile(in, n_in, NULL, 0, AF_INET, &f->in4, &err), 0);
	assert_int_equal(plan_compile(in, n_in, NULL, 0, AF_INET6, &f->in6, &err), 0);
	if (base == NF_BASE_INTERNET) {
		assert_int_equal(plan_internet_deny(AF_INET, NULL, 0, &f->deny4, &err), 0);
		assert_int_equal(plan_internet_deny(AF_INET6, NULL, 0, &f->deny6, &err), 0);
	}
}

static void fence_clear(struct nft_fence *f)
{
	nf_boxset_clear(&f->eg4);
	nf_boxset_clear(&f->eg6);
	nf_boxset_clear(&f->in4);
	nf_boxset_clear(&f->in6);
	nf_boxset_clear(&f->deny4);
	nf_boxset_clear(&f->deny6);
}

/* `nft <args> list ruleset` of the host namespace (netns_fd < 0) or of netns_fd. */
static char *nft_list(int netns_fd, const char *args)
{
	char cmd[160], *out = NULL;
	size_t len = 0;
	FILE *p, *m = open_memstream(&out, &len);
	char buf[4096];
	size_t n;

	assert_non_null(m);
	if (netns_fd >= 0)
		snprintf(cmd, sizeof(cmd), "nsenter --net=/proc/self/fd/%d nft %s list ruleset",
			 netns_fd, args);
	else
		snprintf(cmd, sizeof(cmd), "nft %s list ruleset", args);
	p = popen(cmd, "r");
	assert_non_null(p);
	while ((n = fread(buf, 1, sizeof(buf), p)) > 0)
		fwrite(buf, 1, n, m);
	assert_int_equal(pclose(p), 0);
	fclose(m);
	return out;
}

static char *ruleset(int netns_fd)
{
	return nft_list(netns_fd, "");
}

static void assert_contains(const char *hay, const char *needle)
{
	if (!strstr(hay, needle))
		fail_msg("\"%s\" not in ruleset:\n%s", needle, hay);
}

static void assert_lacks(const char *hay, const char *needle)
{
	if (strstr(hay, needle))
		fail_msg("\"%s\" still in ruleset:\n%s", needle, hay);
}

static void assert_list(const char *const *want, size_t n_want)
{
	struct nf_error err = { 0 };
	char **v = NULL;
	size_t n = 0;

	assert_int_equal(nft_host_list(&v, &n, &err), 0);
	assert_int_equal(n, n_want);
	for (size_t i = 0; i < n_want; i++) {
		bool found = false;

		for (size_t j = 0; j < n; j++)
			found |= strcmp(v[j], want[i]) == 0;
		assert_true(found);
	}
	for (size_t j = 0; j < n; j++)
		free(v[j]);
	free(v);
}

static void test_host_two_fences(void **state)
{
	struct nf_rule eg[] = { mk("192.0.2.0", 24, NF_PROTO_TCP, 443, 443),
				mk("198.51.100.7", 32, NF_PROTO_ANY, 0, 0),
				mk("10.1.0.0", 16, NF_PROTO_UDP, 5000, 5100) };
	struct nf_rule in[] = { mk("203.0.113.0", 24, NF_PROTO_TCP, 8080, 8080) };
	struct nf_rule eg6[] = { mk("2001:db8::", 32, NF_PROTO_ICMP, 0, 0) };
	static const char *const both[] = { HEX_A, HEX_B }, *const only_b[] = { HEX_B };
	struct nft_fence a, b;
	struct nft_counters c;
	struct nf_error err = { 0 };
	char *rs;

	fence_init(&a, HEX_A, NF_BASE_RESTRICTED, false, eg, ARRAY_SIZE(eg), in, ARRAY_SIZE(in));
	fence_init(&b, HEX_B, NF_BASE_INTERNET, true, eg6, ARRAY_SIZE(eg6), NULL, 0);
	assert_true(nft_host_apply(&a, &err) >= 0);
	assert_true(nft_host_apply(&b, &err) >= 0);

	rs = ruleset(-1);
	/* shared chains; the containers are elements and counter objects */
	assert_contains(rs, "set ifaces {");
	assert_contains(rs, "\"nf" HEX_A "\" : \"ae_" HEX_A "\"");
	assert_contains(rs, "\"nf" HEX_B "\" : \"be_" HEX_B "\"");
	assert_contains(rs, "counter ae_" HEX_A " {");
	assert_contains(rs, "iifname \"nf*\" jump egress");
	assert_contains(rs, "oifname \"nf*\" jump ingress");
	assert_contains(rs, "iifname \"nf*\" jump host_in");
	assert_lacks(rs, "chain eg_");
	assert_lacks(rs, "jump eg_");
	assert_contains(rs, "elements = { 10.88.0.10, 10.88.0.11 }");
	assert_contains(rs, "elements = { fd00:88::11 }");
	assert_contains(rs, "\"nf" HEX_A "\" . 192.0.2.0/24 . tcp . 443");
	assert_contains(rs, "\"nf" HEX_B "\" . 198.51.100.53 . udp . 53");
	assert_contains(rs, "\"nf" HEX_A "\" . 203.0.113.0/24 . tcp . 8080");
	assert_contains(rs, "\"nf" HEX_B "\" . 2001:db8::/32 . ipv6-icmp . 0-65535");
	assert_contains(rs, "\"nf" HEX_B "\" . 169.254.0.0/16 . 0-255");
	assert_lacks(rs, "\"nf" HEX_A "\" . 169.254.0.0/16");
	assert_contains(rs, "\"nf" HEX_A "\" . 10.88.0.10");
	assert_contains(rs, "\"nf" HEX_B "\" . fd00:88::11");
	assert_contains(rs, "\"nf" HEX_B "\" . fe80::2");
	assert_lacks(rs, "\"nf" HEX_A "\" . fe80::2");
	assert_contains(rs, "iifname . ip saddr != @own4 goto blk_e_drop");
	assert_contains(rs, "iifname . ip6 saddr != @own6 goto blk_e_drop");
	assert_contains(rs, "ct state related iifname . ct original ip saddr @own4 counter name "
			    "iifname map @ae return");
	assert_contains(rs, "iifname . ip daddr . meta l4proto @deny4_");
	assert_contains(rs, "jhash iifname mod 256 seed 0x6e66 vmap @egress_shards");
	assert_contains(rs, "jhash oifname mod 256 seed 0x6e66 vmap @ingress_shards");
	assert_contains(rs, "jhash iifname mod 256 seed 0x6e66 vmap @host_in_shards");
	assert_contains(rs, "iifname != @inet_ifaces goto blk_e_icmpx");
	assert_contains(rs, "oifname . ip saddr . meta l4proto . th dport @in4_");
	/* neighbour discovery from the container: NS/NA from its own addresses, nothing else */
	assert_contains(rs, "ip6 hoplimit 255 icmpv6 type 135-136 iifname . ip6 saddr @nd6 counter "
			    "name iifname map @ah return");
	assert_contains(rs, "icmpv6 type 133-137 goto blk_h_drop");
	assert_lacks(rs, "ip6 hoplimit 255 icmpv6 type 133-137");
	assert_contains(rs, "oifname @ifaces6 icmpv6 type 135-136 counter name oifname map @ai "
			    "return");
	assert_contains(rs, "iifname != @ifaces counter packets 0 bytes 0 drop");
	assert_contains(rs, "oifname != @ifaces counter packets 0 bytes 0 drop");
	assert_contains(rs, "ip saddr @nat4 masquerade");
	free(rs);

	assert_list(both, 2);
	memset(&c, 0xff, sizeof(c));
	assert_int_equal(nft_host_counters(HEX_A, &c, &err), 0);
	assert_int_equal(nft_sum(c.acc_pkts) + nft_sum(c.blk_pkts), 0);

	/* Removing one leaves the other whole; a second remove has nothing to do. */
	assert_int_equal(nft_host_remove(&a, &err), 0);
	rs = ruleset(-1);
	assert_lacks(rs, HEX_A);
	assert_lacks(rs, "10.88.0.10");
	assert_contains(rs, "\"nf" HEX_B "\" : \"ae_" HEX_B "\"");
	assert_contains(rs, "\"nf" HEX_B "\" . 10.88.0.11");
	assert_contains(rs, "\"nf" HEX_B "\" . 2001:db8::/32");
	free(rs);
	assert_list(only_b, 1);
	assert_int_equal(nft_host_remove(&a, &err), 0);
	/* counters of chains that are gone read as zero */
	memset(&c, 0xff, sizeof(c));
	assert_int_equal(nft_host_counters(HEX_A, &c, &err), 0);
	assert_int_equal(nft_sum(c.acc_pkts) + nft_sum(c.blk_pkts) + nft_sum(c.acc_bytes) +
				 nft_sum(c.blk_bytes),
			 0);

	/* The remaining fence applies again after its removal. */
	assert_int_equal(nft_host_remove(&b, &err), 0);
	assert_list(NULL, 0);
	rs = ruleset(-1);
	assert_lacks(rs, HEX_B);
	assert_lacks(rs, "fd00:88::11");
	assert_contains(rs, "chain forward {");
	free(rs);
	assert_true(nft_host_apply(&b, &err) >= 0);
	assert_int_equal(nft_host_remove(&b, &err), 0);
	fence_clear(&a);
	fence_clear(&b);
}

static void test_host_10k_rules(void **state)
{
	size_t n = 10000;
	struct nf_rule *r = calloc(n, sizeof(*r));
	struct nft_fence f;
	struct nf_error err = { 0 };
	char *rs;

	assert_non_null(r);
	for (size_t i = 0; i < n; i++) {
		uint32_t a = htonl(0x0b000000u | (uint32_t)(i * 977u % 0xffffffu) << 8 >> 8);

		r[i].family = AF_INET;
		r[i].prefix.addr.family = AF_INET;
		r[i].prefix.len = 32;
		memcpy(r[i].prefix.addr.a, &a, 4);
		r[i].proto = NF_PROTO_TCP;
		r[i].has_ports = true;
		r[i].port_lo = r[i].port_hi = (uint16_t)(1 + i % 7);
	}
	fence_init(&f, HEX_A, NF_BASE_RESTRICTED, true, r, n, r, n);
	assert_true(f.eg4.n > 9000);
	if (nft_host_apply(&f, &err) < 0)
		fail_msg("%s", err.msg);
	rs = ruleset(-1);
	assert_contains(rs, "11.0.3.209 . tcp . 2"); /* i = 1 */
	free(rs);
	assert_int_equal(nft_host_remove(&f, &err), 0);
	rs = ruleset(-1);
	assert_lacks(rs, HEX_A);
	free(rs);
	fence_clear(&f);
	free(r);
}

/* A table of the per-container layout: replaced when empty, refused while it holds
 * containers, whose objects a removal by interface name (gc, a format-1 state) takes away. */
static void test_host_older_layout(void **state)
{
	struct nf_rule eg[] = { mk("192.0.2.0", 24, NF_PROTO_TCP, 443, 443) };
	static const char *const old_empty =
		"nft delete table inet netfence; nft add table inet netfence && "
		"nft add map inet netfence fwd_out '{ type ifname : verdict; }' && "
		"nft add chain inet netfence forward '{ type filter hook forward priority 0; }'";
	static const char *const old_one =
		"nft add chain inet netfence eg_" HEX_B " && "
		"nft add set inet netfence eg4_" HEX_B " '{ type ipv4_addr; }' && "
		"nft add element inet netfence fwd_out '{ \"nf" HEX_B "\" : jump eg_" HEX_B " }'";
	struct nft_fence a, old = { .by_ifname = true };
	struct nf_error err = { 0 };
	char *rs;

	fence_init(&a, HEX_A, NF_BASE_RESTRICTED, false, eg, ARRAY_SIZE(eg), NULL, 0);
	assert_int_equal(system(old_empty), 0);
	assert_int_equal(system(old_one), 0);
	assert_true(nft_host_apply(&a, &err) < 0);
	print_message("error: %s\n", err.msg);
	assert_non_null(strstr(err.msg, "older netfence"));
	assert_non_null(strstr(err.msg, "netfence gc"));

	snprintf(old.hex, sizeof(old.hex), "%s", HEX_B);
	snprintf(old.ifname, sizeof(old.ifname), "nf%s", HEX_B);
	assert_int_equal(nft_host_remove(&old, &err), 0);
	rs = ruleset(-1);
	assert_lacks(rs, HEX_B);
	assert_contains(rs, "map fwd_out");
	free(rs);

	/* empty now: replaced */
	assert_int_equal(nft_host_apply(&a, &err), 1);
	rs = ruleset(-1);
	assert_lacks(rs, "fwd_out");
	assert_contains(rs, "\"nf" HEX_A "\" . 192.0.2.0/24 . tcp . 443");
	free(rs);

	/* by interface name in the shared layout too (gc) */
	memset(&old, 0, sizeof(old));
	old.by_ifname = true;
	snprintf(old.hex, sizeof(old.hex), "%s", HEX_A);
	snprintf(old.ifname, sizeof(old.ifname), "nf%s", HEX_A);
	assert_int_equal(nft_host_remove(&old, &err), 0);
	rs = ruleset(-1);
	assert_lacks(rs, HEX_A);
	assert_contains(rs, "10.88.0.10"); /* NAT: by address, which gc does not know */
	free(rs);
	assert_int_equal(nft_host_remove(&a, &err), 0);
	rs = ruleset(-1);
	assert_lacks(rs, "10.88.0.10");
	free(rs);
	fence_clear(&a);
}

static void test_host_error_names_object(void **state)
{
	struct nf_rule eg[] = { mk("192.0.2.0", 24, NF_PROTO_TCP, 443, 443) };
	struct nft_fence f;
	struct nf_box *v;
	struct nf_error err = { 0 };
	char *rs;

	fence_init(&f, HEX_A, NF_BASE_RESTRICTED, false, eg, ARRAY_SIZE(eg), NULL, 0);
	/* Overlap by hand: a copy of the first box, widened. The kernel refuses it. */
	v = realloc(f.eg4.v, (f.eg4.n + 1) * sizeof(*v));
	assert_non_null(v);
	f.eg4.v = v;
	v[f.eg4.n] = v[0];
	v[f.eg4.n].port_hi = 0xffff;
	f.eg4.n++;
	assert_true(nft_host_apply(&f, &err) < 0);
	assert_int_equal(err.kind, NF_EXIT_SYSTEM);
	print_message("error: %s\n", err.msg);
	if (!strstr(err.msg, "of set eg4") || !strstr(err.msg, "element 192.0.2.0-"))
		fail_msg("error does not name the set: %s", err.msg);
	/* all or nothing */
	rs = ruleset(-1);
	assert_lacks(rs, HEX_A);
	free(rs);

	memset(&err, 0, sizeof(err));
	snprintf(f.hex, sizeof(f.hex), "../x");
	assert_true(nft_host_apply(&f, &err) < 0);
	assert_non_null(strstr(err.msg, "../x"));
	fence_clear(&f);
}

static void test_ns_apply_remove(void **state)
{
	struct nf_rule eg[] = { mk("192.0.2.0", 24, NF_PROTO_TCP, 443, 443) };
	struct nf_rule in[] = { mk("203.0.113.0", 24, NF_PROTO_TCP, 8080, 8080) };
	struct nft_fence f;
	struct nft_counters c;
	struct nf_error err = { 0 };
	char *rs;

	fence_init(&f, HEX_A, NF_BASE_RESTRICTED, false, eg, ARRAY_SIZE(eg), in, ARRAY_SIZE(in));
	assert_int_equal(nft_ns_apply(ctr_fd, &f, &err), 0);
	rs = ruleset(ctr_fd);
	assert_contains(
		rs, "chain output {\n\t\ttype filter hook output priority filter; policy drop;");
	assert_contains(rs, "oifname \"lo\" accept");
	assert_contains(rs, "ip daddr . meta l4proto . th dport @eg4 counter");
	assert_contains(rs, "meta nfproto ipv6 meta l4proto tcp goto blk_e_rst");
	assert_contains(rs, "192.0.2.0/24 . tcp . 443");
	assert_contains(rs, "203.0.113.0/24 . tcp . 8080");
	free(rs);
	/* the host namespace saw none of it */
	rs = ruleset(-1);
	assert_lacks(rs, "192.0.2.0/24 . tcp . 443");
	free(rs);
	assert_int_equal(nft_ns_counters(ctr_fd, &c, &err), 0);

	/* Applying again replaces the table: internet now, IPv6 on. */
	fence_clear(&f);
	fence_init(&f, HEX_A, NF_BASE_INTERNET, true, NULL, 0, NULL, 0);
	assert_int_equal(nft_ns_apply(ctr_fd, &f, &err), 0);
	rs = ruleset(ctr_fd);
	assert_lacks(rs, "192.0.2.0/24 . tcp . 443");
	assert_contains(rs, "icmpv6 type 133-137 counter");
	assert_contains(rs, "ip daddr . meta l4proto @deny4 goto blk_e_icmpx");
	free(rs);

	assert_int_equal(nft_ns_remove(ctr_fd, &err), 0);
	rs = ruleset(ctr_fd);
	assert_lacks(rs, "netfence");
	free(rs);
	assert_int_equal(nft_ns_remove(ctr_fd, &err), 0);
	fence_clear(&f);
}

/* Run `ip ARGS...` inside netns_fd (test set-up only). */
static void ip_in(int netns_fd, const char *const *args)
{
	pid_t pid = fork();
	int status;

	assert_true(pid >= 0);
	if (pid == 0) {
		if (setns(netns_fd, CLONE_NEWNET) < 0)
			_exit(127);
		execvp("ip", (char *const *)args);
		_exit(127);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

/* ---- learned sets (nft_learn.c) ---- */

struct seen {
	char s[8][96];
	uint64_t exp[8];
	size_t n;
};

static int seen_cb(const struct nf_box *b, int family, uint64_t expires_ms, void *arg)
{
	struct seen *w = arg;
	char a[64];

	if (w->n == 8)
		return -E2BIG;
	inet_ntop(family, b->lo, a, sizeof(a));
	snprintf(w->s[w->n], sizeof(w->s[0]), "%s %u %u-%u", a, b->proto_lo, b->port_lo,
		 b->port_hi);
	w->exp[w->n++] = expires_ms;
	return 0;
}

static void one_box(struct nf_boxset *bs, struct nf_box *x, const char *addr, unsigned port)
{
	memset(x, 0, sizeof(*x));
	bs->family = strchr(addr, ':') ? AF_INET6 : AF_INET;
	assert_int_equal(inet_pton(bs->family, addr, x->lo), 1);
	memcpy(x->hi, x->lo, 16);
	x->proto_lo = x->proto_hi = 6;
	x->port_lo = x->port_hi = (uint16_t)port;
	bs->v = x;
	bs->n = 1;
}

static void test_ns_overlay_netdev(void **state)
{
	static const char *const veth[] = { "ip",   "link", "add",  "veth-a", "type",
					    "veth", "peer", "name", "veth-b", NULL };
	static const char *const del[] = { "ip", "link", "del", "veth-a", NULL };
	struct nf_rule eg[] = { mk("192.0.2.0", 24, NF_PROTO_TCP, 443, 443),
				mk("2001:db8::", 32, NF_PROTO_UDP, 53, 53) };
	char devs[1][16] = { "veth-a" }, bad[1][16] = { "nope0" };
	struct nft_fence f;
	struct nft_counters c;
	struct nf_error err = { 0 };
	char *rs;

	ip_in(ctr_fd, veth);
	fence_init(&f, HEX_A, NF_BASE_RESTRICTED, false, eg, ARRAY_SIZE(eg), NULL, 0);
	f.devs = devs;
	f.n_devs = 1;
	assert_int_equal(nft_ns_apply(ctr_fd, &f, &err), 0);
	rs = ruleset(ctr_fd);
	assert_contains(rs, "table inet netfence {");
	assert_contains(rs, "table netdev netfence {");
	assert_contains(rs, "chain egress_veth-a {\n\t\ttype filter hook egress device "
			    "\"veth-a\" priority filter; policy accept;");
	/* the netdev table holds its own copies of the egress sets, no ingress sets */
	assert_contains(strstr(rs, "table netdev netfence"), "set eg4 {");
	/* deny sets only for the internet base */
	assert_lacks(strstr(rs, "table netdev netfence"), "set deny6 {");
	assert_contains(strstr(rs, "table netdev netfence"), "192.0.2.0/24 . tcp . 443");
	assert_lacks(strstr(rs, "table netdev netfence"), "set in4 {");
	assert_contains(rs, "meta rtclassid >= \"cosmos\" accept");
	/* nft prints `ether type` as the raw link-layer field in the netdev family */
	assert_contains(rs, "@ll,96,16 0x806 accept");
	assert_contains(rs, "@ll,96,16 0x86dd meta protocol ip6 goto blk_e_drop");
	assert_contains(rs, "@ll,96,16 0x800 ip daddr . meta l4proto . th dport @eg4 counter "
			    "packets 0 bytes 0 accept");
	assert_contains(rs, "@ll,96,16 0x86dd ip6 daddr . meta l4proto . th dport @eg6 counter");
	assert_contains(rs, "\t\tgoto blk_e_drop\n\t}");
	/* its drops log like the inet table's blocks, under its own limit */
	assert_contains(strstr(rs, "table netdev netfence"), "limit logl {");
	assert_contains(strstr(rs, "table netdev netfence"),
			"chain blk_e_drop {\n\t\tlimit name \"logl\" log prefix \"nf e " HEX_A
			"\" group 28262\n\t\tcounter packets 0 bytes 0 drop\n\t}");
	assert_lacks(strstr(rs, "table netdev netfence"), "reject"); /* no socket to tell */
	free(rs);
	rs = nft_list(ctr_fd, "-j");
	assert_contains(rs, "\"family\": \"netdev\", \"table\": \"netfence\", \"name\": "
			    "\"egress_veth-a\"");
	assert_contains(rs, "\"hook\": \"egress\"");
	free(rs);
	memset(&c, 0xff, sizeof(c));
	assert_int_equal(nft_ns_counters(ctr_fd, &c, &err), 0);
	assert_int_equal(nft_sum(c.blk_pkts), 0);

	/* learned sets in both tables, looked up after eg4/eg6; overlay mode: no host side */
	{
		struct nft_learn *l = NULL;
		struct nf_boxset bs;
		struct nf_box x;
		const char *nd;

		assert_int_equal(nft_learn_open(ctr_fd, "", true, &l, &err), 0);
		one_box(&bs, &x, "198.51.100.30", 443);
		assert_int_equal(nft_learn_update(l, NULL, &bs, 60000, &err), 0);
		nft_learn_close(l);
		rs = ruleset(ctr_fd);
		nd = strstr(rs, "table netdev netfence");
		assert_non_null(nd);
		assert_contains(nd, "set dyn4 {");
		assert_contains(nd, "198.51.100.30 . tcp . 443 timeout 1m expires");
		assert_contains(nd,
				"@ll,96,16 0x800 ip daddr . meta l4proto . th dport @dyn4 counter");
		assert_true(strstr(rs, "198.51.100.30 . tcp . 443 timeout 1m") < nd);
		free(rs);
		rs = ruleset(-1);
		assert_lacks(rs, "198.51.100.30");
		free(rs);
	}

	/* internet: DNS only to resolvers, the deny list, then the rest of IP; IPv6 on */
	fence_clear(&f);
	fence_init(&f, HEX_A, NF_BASE_INTERNET, true, eg, ARRAY_SIZE(eg), NULL, 0);
	f.devs = devs;
	f.n_devs = 1;
	assert_int_equal(nft_ns_apply(ctr_fd, &f, &err), 0);
	rs = ruleset(ctr_fd);
	assert_contains(strstr(rs, "table netdev netfence"), "\n\t\tudp dport 53 goto blk_e_drop");
	assert_contains(rs, "ip daddr . meta l4proto @deny4 goto blk_e_drop");
	assert_contains(rs, "ip daddr . meta l4proto != @deny4 counter packets 0 bytes 0 accept");
	assert_contains(rs, "ip6 daddr . meta l4proto != @deny6 counter packets 0 bytes 0 accept");
	assert_contains(strstr(rs, "table netdev netfence"), "169.254.0.0/16 . 0-255");
	assert_lacks(rs, "0x86dd meta protocol ip6 goto blk_e_drop");
	free(rs);

	/* Without devices the netdev table goes. */
	f.n_devs = 0;
	assert_int_equal(nft_ns_apply(ctr_fd, &f, &err), 0);
	rs = ruleset(ctr_fd);
	assert_contains(rs, "table inet netfence {");
	assert_lacks(rs, "netdev");
	free(rs);
	/* A device that is not there (yet): kernels >= 6.16 keep the chain and hook it when a
	 * device of that name appears (older ones refuse it with ENOENT, naming the chain). */
	f.devs = bad;
	f.n_devs = 1;
	if (nft_ns_apply(ctr_fd, &f, &err) < 0) {
		if (!strstr(err.msg, "chain egress_nope0"))
			fail_msg("error does not name the chain: %s", err.msg);
	} else {
		rs = ruleset(ctr_fd);
		assert_contains(rs, "hook egress device \"nope0\"");
		free(rs);
	}

	/* remove takes both tables; a second remove has nothing to do */
	f.devs = devs;
	assert_int_equal(nft_ns_apply(ctr_fd, &f, &err), 0);
	assert_int_equal(nft_ns_remove(ctr_fd, &err), 0);
	rs = ruleset(ctr_fd);
	assert_lacks(rs, "netfence");
	free(rs);
	assert_int_equal(nft_ns_remove(ctr_fd, &err), 0);
	memset(&c, 0xff, sizeof(c));
	assert_int_equal(nft_ns_counters(ctr_fd, &c, &err), 0);
	assert_int_equal(nft_sum(c.acc_pkts) + nft_sum(c.blk_pkts), 0);
	ip_in(ctr_fd, del);
	fence_clear(&f);
}

/* The host's addresses: shared sets in the host table, a copy in overlay namespaces; a sync
 * replaces them whole, and leaves namespaces without them alone. */
static void test_hostnet_sync(void **state)
{
	static const char *const veth[] = { "ip",   "link", "add",  "veth-h", "type",
					    "veth", "peer", "name", "veth-i", NULL };
	static const char *const del[] = { "ip", "link", "del", "veth-h", NULL };
	struct nf_prefix p[] = { mk("198.51.100.0", 24, NF_PROTO_ANY, 0, 0).prefix,
				 mk("198.51.100.1", 32, NF_PROTO_ANY, 0, 0).prefix,
				 mk("2001:db8:1::", 64, NF_PROTO_ANY, 0, 0).prefix };
	struct nf_prefix q[] = { mk("203.0.113.7", 32, NF_PROTO_ANY, 0, 0).prefix };
	struct nf_boxset q4 = { 0 }, q6 = { 0 };
	char devs[1][16] = { "veth-h" };
	struct nf_error err = { 0 };
	struct nft_fence f;
	char *rs;

	fence_init(&f, HEX_A, NF_BASE_INTERNET, true, NULL, 0, NULL, 0);
	assert_int_equal(plan_host_deny(AF_INET, p, 3, &f.hostnet4, &err), 0);
	assert_int_equal(plan_host_deny(AF_INET6, p, 3, &f.hostnet6, &err), 0);
	assert_int_equal(plan_host_deny(AF_INET, q, 1, &q4, &err), 0);
	assert_int_equal(plan_host_deny(AF_INET6, q, 1, &q6, &err), 0);
	assert_int_equal(q6.n, 0);

	assert_true(nft_host_apply(&f, &err) >= 0);
	rs = ruleset(-1);
	assert_contains(rs, "set hostnet4 {");
	assert_contains(rs, "ip daddr . meta l4proto @hostnet4 meta l4proto tcp goto blk_e_rst");
	assert_contains(rs, "ip6 daddr . meta l4proto @hostnet6 goto blk_e_icmpx");
	free(rs);
	assert_int_equal(nft_hostnet_sync(-1, &f.hostnet4, &f.hostnet6, &err), 0);
	rs = ruleset(-1);
	assert_contains(rs, "198.51.100.0/24 . 0-255");
	assert_contains(rs, "2001:db8:1::/64 . 0-255");
	free(rs);
	assert_int_equal(nft_hostnet_sync(-1, &q4, &q6, &err), 0);
	rs = ruleset(-1);
	assert_lacks(rs, "198.51.100.0/24 . 0-255");
	assert_lacks(rs, "2001:db8:1::/64");
	assert_contains(rs, "203.0.113.7 . 0-255");
	free(rs);
	/* a set-up leaves them to the watcher */
	assert_int_equal(nft_host_remove(&f, &err), 0);
	assert_int_equal(nft_host_apply(&f, &err), 0); /* the table was there */
	rs = ruleset(-1);
	assert_contains(rs, "203.0.113.7 . 0-255");
	free(rs);
	assert_int_equal(nft_host_remove(&f, &err), 0);

	/* wire mode: the container's table does without them; a sync there changes nothing */
	assert_int_equal(nft_ns_apply(ctr_fd, &f, &err), 0);
	rs = ruleset(ctr_fd);
	assert_lacks(rs, "hostnet");
	free(rs);
	assert_int_equal(nft_hostnet_sync(ctr_fd, &q4, &q6, &err), 0);
	rs = ruleset(ctr_fd);
	assert_lacks(rs, "hostnet");
	free(rs);

	/* overlay mode: both tables hold a copy, and both follow */
	ip_in(ctr_fd, veth);
	f.devs = devs;
	f.n_devs = 1;
	assert_int_equal(nft_ns_apply(ctr_fd, &f, &err), 0);
	rs = ruleset(ctr_fd);
	assert_contains(rs, "ip daddr . meta l4proto @hostnet4 goto blk_e_icmpx");
	assert_contains(strstr(rs, "table netdev netfence"), "198.51.100.0/24 . 0-255");
	assert_contains(rs, "ip daddr . meta l4proto @hostnet4 goto blk_e_drop");
	free(rs);
	assert_int_equal(nft_hostnet_sync(ctr_fd, &q4, &q6, &err), 0);
	rs = ruleset(ctr_fd);
	assert_lacks(rs, "198.51.100.0/24");
	assert_contains(strstr(rs, "table netdev netfence"), "203.0.113.7 . 0-255");
	assert_contains(strstr(rs, "table inet netfence"), "203.0.113.7 . 0-255");
	free(rs);
	assert_int_equal(nft_ns_remove(ctr_fd, &err), 0);
	ip_in(ctr_fd, del);
	nf_boxset_clear(&q4);
	nf_boxset_clear(&q6);
	nf_boxset_clear(&f.hostnet4);
	nf_boxset_clear(&f.hostnet6);
	fence_clear(&f);
}

static void test_foreign_forward_drop(void **state)
{
	struct nf_error err = { 0 };
	char **v = NULL;
	size_t n = 7;

	assert_int_equal(nft_foreign_forward_drop(&v, &n, &err), 0);
	assert_int_equal(n, 0);
	free(v);
	assert_int_equal(
		system("nft add table ip filt && nft add chain ip filt FORWARD '{ type "
		       "filter hook forward priority 0; policy drop; }' && nft add chain "
		       "ip filt INPUT '{ type filter hook input priority 0; policy drop; }'"),
		0);
	assert_int_equal(nft_foreign_forward_drop(&v, &n, &err), 0);
	assert_int_equal(n, 1);
	assert_string_equal(v[0], "ip filt FORWARD");
	free(v[0]);
	free(v);
	assert_int_equal(system("nft delete table ip filt"), 0);
}

/* Issue 12: counters by direction, the log chains, io.netfence.rate and io.netfence.quota
 * (host table in wire mode, the namespace's table in overlay mode); nothing left after. */
static void test_limits(void **state)
{
	struct nf_rule eg[] = { mk("192.0.2.0", 24, NF_PROTO_TCP, 443, 443) };
	static const char *const only_a[] = { HEX_A };
	struct nft_fence f, g;
	struct nft_counters c;
	struct nf_error err = { 0 };
	char *rs;

	fence_init(&f, HEX_A, NF_BASE_RESTRICTED, false, eg, ARRAY_SIZE(eg), NULL, 0);
	f.rate = 10;
	f.rate_unit = 1;
	f.quota = 1000000;
	assert_true(nft_host_apply(&f, &err) >= 0);
	rs = ruleset(-1);
	assert_contains(rs, "counter ae_" HEX_A " {");
	assert_contains(rs, "counter bh_" HEX_A " {");
	assert_contains(rs, "counter rr_" HEX_A " {");
	assert_contains(rs, "limit logl_" HEX_A " {\n\t\trate 20/second burst 20 packets");
	assert_contains(rs, "limit rl_" HEX_A " {\n\t\trate over 10/second burst 10 packets");
	assert_contains(rs, "quota qo_" HEX_A " {\n\t\tover 1000000 bytes");
	assert_contains(rs, "\"nf" HEX_A "\" : \"qo_" HEX_A "\"");
	/* every blocked packet goes through a log rule that changes no verdict */
	assert_contains(rs,
			"chain blk_e_rst {\n\t\tlimit name iifname map @logl log prefix \"nf "
			"e\" group 28262\n\t\tcounter name iifname map @be reject with tcp reset");
	assert_contains(rs, "chain blk_i_drop {\n\t\tlimit name oifname map @logl log prefix \"nf "
			    "i\" group 28262\n\t\tcounter name oifname map @bi drop");
	assert_contains(rs, "chain blk_h_icmpx {\n\t\tlimit name iifname map @logl log prefix \"nf "
			    "h\" group 28262");
	assert_contains(rs, "log prefix \"nf r\" group 28262");
	assert_contains(rs, "log prefix \"nf q\" group 28262");
	assert_contains(rs, "quota name iifname map @qo goto quota_over");
	assert_contains(rs, "ct state new limit name iifname map @rl goto rate_over");
	assert_contains(
		rs, "tcp flags syn / syn,ack counter name iifname map @be reject with tcp reset");
	/* no log rule on a path that accepts */
	assert_lacks(rs, "map @ae log");
	free(rs);
	memset(&c, 0xff, sizeof(c));
	assert_int_equal(nft_host_counters(HEX_A, &c, &err), 0);
	assert_int_equal(c.quota_allowed, 1000000);
	assert_int_equal(c.quota_used + c.rate_refused + nft_sum(c.acc_pkts), 0);
	assert_list(only_a, 1);
	assert_int_equal(nft_host_remove(&f, &err), 0);
	rs = ruleset(-1);
	assert_lacks(rs, HEX_A);
	free(rs);
	assert_list(NULL, 0);
	/* gc's way (by interface name) finds the objects too */
	assert_true(nft_host_apply(&f, &err) >= 0);
	f.by_ifname = true;
	assert_int_equal(nft_host_remove(&f, &err), 0);
	rs = ruleset(-1);
	assert_lacks(rs, HEX_A);
	free(rs);

	/* overlay mode: the namespace's table holds them, the log prefix names the container */
	fence_init(&g, HEX_B, NF_BASE_RESTRICTED, false, eg, ARRAY_SIZE(eg), NULL, 0);
	g.ifname[0] = '\0';
	g.rate = 600;
	g.rate_unit = 60;
	g.quota = 2147483648ull;
	assert_int_equal(nft_ns_apply(ctr_fd, &g, &err), 0);
	rs = ruleset(ctr_fd);
	assert_contains(rs, "limit rl {\n\t\trate over 600/minute burst 600 packets");
	assert_contains(rs, "quota qo {\n\t\tover 2048 mbytes");
	assert_contains(rs, "quota name \"qo\" goto quota_over");
	assert_contains(rs, "ct state new limit name \"rl\" goto rate_over");
	assert_contains(rs, "log prefix \"nf r " HEX_B "\" group 28262");
	assert_contains(rs, "log prefix \"nf e " HEX_B "\" group 28262");
	assert_contains(rs, "log prefix \"nf i " HEX_B "\" group 28262");
	free(rs);
	memset(&c, 0xff, sizeof(c));
	assert_int_equal(nft_ns_counters(ctr_fd, &c, &err), 0);
	assert_int_equal(c.quota_allowed, 2147483648ull);
	assert_int_equal(c.rate_refused, 0);
	assert_int_equal(nft_ns_remove(ctr_fd, &err), 0);
	fence_clear(&f);
	fence_clear(&g);
}

static int setup(void **state)
{
	if (geteuid() != 0 || unshare(CLONE_NEWNET) < 0)
		return -1;
	host_fd = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (host_fd < 0 || unshare(CLONE_NEWNET) < 0)
		return -1;
	ctr_fd = open("/proc/thread-self/ns/net", O_RDONLY); /* inherited by nsenter */
	if (ctr_fd < 0 || setns(host_fd, CLONE_NEWNET) < 0)
		return -1;
	return 0;
}

static int teardown(void **state)
{
	if (ctr_fd >= 0)
		close(ctr_fd);
	if (host_fd >= 0)
		close(host_fd);
	return 0;
}

/* ---- the container batch as encoded, without a kernel (SELinux secmark labels) ---- */

struct batch_seen {
	int n_obj; /* secmark objects named netfence_ctx with the context */
	char obj_ctx[256];
	int objref[2];	/* per chain (0 output, 1 input): meta secmark set "netfence_ctx" */
	int save[2];	/* ct secmark set meta secmark */
	int restore[2]; /* meta secmark set ct secmark */
	bool first_is_objref[2];
	int n_rules[2];
};

struct rule_scan {
	bool objref, ct_set_secmark, meta_set_secmark, meta_get_secmark, ct_get_secmark;
};

static int scan_expr(struct nftnl_expr *e, void *data)
{
	struct rule_scan *rs = data;
	const char *name = nftnl_expr_get_str(e, NFTNL_EXPR_NAME);

	if (strcmp(name, "objref") == 0 &&
	    nftnl_expr_get_u32(e, NFTNL_EXPR_OBJREF_IMM_TYPE) == NFT_OBJECT_SECMARK &&
	    /* the name attribute has no NUL either (see raw_secmark_ctx): compare its length */
	    strncmp(nftnl_expr_get_str(e, NFTNL_EXPR_OBJREF_IMM_NAME), NFT_SECMARK_NAME,
		    strlen(NFT_SECMARK_NAME)) == 0)
		rs->objref = true;
	if (strcmp(name, "ct") == 0 && nftnl_expr_get_u32(e, NFTNL_EXPR_CT_KEY) == NFT_CT_SECMARK) {
		if (nftnl_expr_is_set(e, NFTNL_EXPR_CT_SREG))
			rs->ct_set_secmark = true;
		else
			rs->ct_get_secmark = true;
	}
	if (strcmp(name, "meta") == 0 &&
	    nftnl_expr_get_u32(e, NFTNL_EXPR_META_KEY) == NFT_META_SECMARK) {
		if (nftnl_expr_is_set(e, NFTNL_EXPR_META_SREG))
			rs->meta_set_secmark = true;
		else
			rs->meta_get_secmark = true;
	}
	return 0;
}

/* The context exactly as encoded. Not nftnl_obj_get_str: the attribute carries no NUL (the
 * kernel copies it by length) and libnftnl 1.2.4's parser reads past it. */
static void raw_secmark_ctx(const struct nlmsghdr *nlh, char *out, size_t size)
{
	const struct nlattr *a, *in;

	out[0] = '\0';
	mnl_attr_for_each(a, nlh, sizeof(struct nfgenmsg))
	{
		if (mnl_attr_get_type(a) != NFTA_OBJ_DATA)
			continue;
		mnl_attr_for_each_nested(in, a)
		{
			size_t n = mnl_attr_get_payload_len(in);

			if (mnl_attr_get_type(in) != NFTA_SECMARK_CTX || n >= size)
				continue;
			memcpy(out, mnl_attr_get_payload(in), n);
			out[n] = '\0';
		}
	}
}

static void scan_batch(const struct nft_fence *f, struct batch_seen *seen)
{
	struct nf_error err = { 0 };
	const struct nlmsghdr *nlh;
	char *buf = NULL;
	size_t len = 0;
	int left;

	memset(seen, 0, sizeof(*seen));
	assert_int_equal(nft_ns_batch_dump(f, &buf, &len, &err), 0);
	assert_true(len > 0);
	left = (int)len;
	for (nlh = (const struct nlmsghdr *)buf; mnl_nlmsg_ok(nlh, left);
	     nlh = mnl_nlmsg_next(nlh, &left)) {
		uint16_t type = NFNL_MSG_TYPE(nlh->nlmsg_type);

		if (NFNL_SUBSYS_ID(nlh->nlmsg_type) != NFNL_SUBSYS_NFTABLES)
			continue;
		if (type == NFT_MSG_NEWOBJ) {
			struct nftnl_obj *o = nftnl_obj_alloc();

			assert_non_null(o);
			assert_int_equal(nftnl_obj_nlmsg_parse(nlh, o), 0);
			if (nftnl_obj_get_u32(o, NFTNL_OBJ_TYPE) == NFT_OBJECT_LIMIT) {
				/* the namespace's log limit (issue 12) */
				nftnl_obj_free(o);
				continue;
			}
			assert_int_equal(nftnl_obj_get_u32(o, NFTNL_OBJ_TYPE), NFT_OBJECT_SECMARK);
			assert_string_equal(nftnl_obj_get_str(o, NFTNL_OBJ_TABLE), NF_TABLE);
			assert_string_equal(nftnl_obj_get_str(o, NFTNL_OBJ_NAME), NFT_SECMARK_NAME);
			raw_secmark_ctx(nlh, seen->obj_ctx, sizeof(seen->obj_ctx));
			seen->n_obj++;
			nftnl_obj_free(o);
		} else if (type == NFT_MSG_NEWRULE) {
			struct nftnl_rule *r = nftnl_rule_alloc();
			struct rule_scan rs = { 0 };
			const char *chain;
			int c;

			assert_non_null(r);
			assert_int_equal(nftnl_rule_nlmsg_parse(nlh, r), 0);
			chain = nftnl_rule_get_str(r, NFTNL_RULE_CHAIN);
			c = strcmp(chain, "output") == 0 ? 0 : strcmp(chain, "input") == 0 ? 1 : -1;
			nftnl_expr_foreach(r, scan_expr, &rs);
			if (c >= 0) {
				if (seen->n_rules[c]++ == 0)
					seen->first_is_objref[c] = rs.objref;
				seen->objref[c] += rs.objref;
				seen->save[c] += rs.meta_get_secmark && rs.ct_set_secmark;
				seen->restore[c] += rs.ct_get_secmark && rs.meta_set_secmark;
			}
			nftnl_rule_free(r);
		}
	}
	free(buf);
}

static void test_ns_batch_secmark(void **state)
{
	struct nf_rule eg[] = { mk("192.0.2.0", 24, NF_PROTO_TCP, 443, 443) };
	struct batch_seen seen;
	struct nft_fence f;

	fence_init(&f, HEX_A, NF_BASE_RESTRICTED, false, eg, ARRAY_SIZE(eg), NULL, 0);
	/* no context: no secmark object, no rule touches a secmark */
	scan_batch(&f, &seen);
	assert_int_equal(seen.n_obj, 0);
	for (int c = 0; c < 2; c++) {
		assert_true(seen.n_rules[c] > 0);
		assert_int_equal(seen.objref[c] + seen.save[c] + seen.restore[c], 0);
	}

	f.secctx = "system_u:object_r:netfence_packet_t:s0:c1,c2";
	scan_batch(&f, &seen);
	assert_int_equal(seen.n_obj, 1);
	assert_string_equal(seen.obj_ctx, "system_u:object_r:netfence_packet_t:s0:c1,c2");
	for (int c = 0; c < 2; c++) {
		/* labelled first, whatever the verdict of the rules after */
		assert_true(seen.first_is_objref[c]);
		assert_int_equal(seen.objref[c], 1);
		assert_int_equal(seen.save[c], 1);
		assert_int_equal(seen.restore[c], 1);
	}
	fence_clear(&f);
}

/* Elements go to the host shard and the namespace, with their timeout; adding one again
 * refreshes its expiry; a delete of an element that expired meanwhile is skipped; the host
 * side's tear-down removes the container's learned elements (the resolver may be down). */
static void test_learn(void **state)
{
	struct nf_rule eg[] = { mk("192.0.2.0", 24, NF_PROTO_TCP, 443, 443) };
	struct nft_fence f, g;
	struct nft_learn *l = NULL;
	struct nf_error err = { 0 };
	struct nf_boxset a, b6, c;
	struct nf_box xa, x6, xc;
	struct seen w = { 0 };
	char *rs;

	fence_init(&f, HEX_A, NF_BASE_RESTRICTED, true, eg, ARRAY_SIZE(eg), NULL, 0);
	fence_init(&g, HEX_B, NF_BASE_RESTRICTED, false, eg, ARRAY_SIZE(eg), NULL, 0);
	assert_true(nft_host_apply(&f, &err) >= 0);
	assert_true(nft_host_apply(&g, &err) >= 0);
	assert_int_equal(nft_ns_apply(ctr_fd, &f, &err), 0);
	rs = ruleset(ctr_fd);
	assert_contains(rs, "set dyn4 {");
	assert_contains(rs, "flags interval,timeout");
	assert_contains(rs, "ip daddr . meta l4proto . th dport @dyn4 counter");
	assert_contains(rs, "ip6 daddr . meta l4proto . th dport @dyn6 counter");
	free(rs);

	assert_int_equal(nft_learn_open(ctr_fd, "nf" HEX_A, false, &l, &err), 0);
	one_box(&a, &xa, "198.51.100.20", 443);
	one_box(&b6, &x6, "2001:db8::20", 443);
	assert_int_equal(nft_learn_update(l, NULL, &a, 60000, &err), 0);
	assert_int_equal(nft_learn_update(l, NULL, &b6, 60000, &err), 0);
	rs = ruleset(-1);
	assert_contains(rs, "\"nf" HEX_A "\" . 198.51.100.20 . tcp . 443 timeout 1m expires");
	assert_contains(rs, "\"nf" HEX_A "\" . 2001:db8::20 . tcp . 443 timeout 1m expires");
	assert_contains(rs, "iifname . ip daddr . meta l4proto . th dport @dyn4_");
	free(rs);
	rs = ruleset(ctr_fd);
	assert_contains(rs, "198.51.100.20 . tcp . 443 timeout 1m expires");
	free(rs);
	assert_int_equal(nft_learn_dump(l, seen_cb, &w, &err), 0);
	assert_int_equal(w.n, 2);
	assert_string_equal(w.s[0], "198.51.100.20 6 443-443");
	assert_string_equal(w.s[1], "2001:db8::20 6 443-443");
	assert_true(w.exp[0] > 50000 && w.exp[0] <= 60000);

	/* added again with a longer timeout: the expiry moves */
	assert_int_equal(nft_learn_update(l, NULL, &a, 600000, &err), 0);
	memset(&w, 0, sizeof(w));
	assert_int_equal(nft_learn_list(ctr_fd, seen_cb, &w, &err), 0);
	assert_int_equal(w.n, 2);
	assert_true(w.exp[0] > 590000);

	/* replaced (delete and add in one batch), and a delete of an expired element skipped */
	one_box(&c, &xc, "198.51.100.21", 443);
	assert_int_equal(nft_learn_update(l, NULL, &c, 1, &err), 0);
	usleep(100 * 1000);
	assert_int_equal(nft_learn_update(l, &c, &a, 60000, &err), 0);
	xc.port_lo = xc.port_hi = 80;
	assert_int_equal(nft_learn_update(l, &a, &c, 60000, &err), 0);
	memset(&w, 0, sizeof(w));
	assert_int_equal(nft_learn_dump(l, seen_cb, &w, &err), 0);
	assert_int_equal(w.n, 2);
	assert_string_equal(w.s[0], "198.51.100.21 6 80-80");
	/* a bad request names the element */
	assert_true(nft_learn_update(l, NULL, &c, 0, &err) < 0);
	assert_true(nft_learn_update(l, &c, &b6, 1000, &err) < 0);
	assert_non_null(strstr(err.msg, "two families"));
	nft_learn_close(l);

	/* the other container's learned element stays; A's all go with A */
	assert_int_equal(nft_learn_open(ctr_fd, "nf" HEX_B, false, &l, &err), 0);
	assert_int_equal(nft_learn_update(l, NULL, &a, 60000, &err), 0);
	nft_learn_close(l);
	assert_int_equal(nft_host_remove(&f, &err), 0);
	rs = ruleset(-1);
	assert_lacks(rs, "\"nf" HEX_A "\" . 198.51.100");
	assert_lacks(rs, "\"nf" HEX_A "\" . 2001:db8::20");
	assert_contains(rs, "\"nf" HEX_B "\" . 198.51.100.20 . tcp . 443 timeout");
	free(rs);
	/* gc finds them by name too */
	g.by_ifname = true;
	assert_int_equal(nft_host_remove(&g, &err), 0);
	rs = ruleset(-1);
	assert_lacks(rs, "198.51.100.20");
	free(rs);
	assert_int_equal(nft_ns_remove(ctr_fd, &err), 0);
	memset(&w, 0, sizeof(w));
	assert_int_equal(nft_learn_list(ctr_fd, seen_cb, &w, &err), 0);
	assert_int_equal(w.n, 0);
	fence_clear(&f);
	fence_clear(&g);
}

/* A socket of type in netns_fd's namespace bound to addr:53 (as the resolver makes them). */
static int sock_in(int netns_fd, int family, int type, const char *addr)
{
	struct sockaddr_storage ss = { 0 };
	int back = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC), fd, one = 1;
	socklen_t len;

	assert_true(back >= 0);
	assert_int_equal(setns(netns_fd, CLONE_NEWNET), 0);
	fd = socket(family, type | SOCK_CLOEXEC, 0);
	assert_int_equal(setns(back, CLONE_NEWNET), 0);
	close(back);
	assert_true(fd >= 0);
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (family == AF_INET) {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;

		s4->sin_family = AF_INET;
		s4->sin_port = htons(NF_RESOLVER_PORT);
		inet_pton(AF_INET, addr, &s4->sin_addr);
		len = sizeof(*s4);
	} else {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;

		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(NF_RESOLVER_PORT);
		inet_pton(AF_INET6, addr, &s6->sin6_addr);
		len = sizeof(*s6);
	}
	assert_int_equal(bind(fd, (struct sockaddr *)&ss, len), 0);
	if (type == SOCK_STREAM)
		assert_int_equal(listen(fd, 4), 0);
	return fd;
}

/* In a child inside netns_fd: a UDP query and a TCP connection to resolver:53, each answered
 * ("ok" back). Exit status 0 when both answers came. */
static pid_t client_in(int netns_fd, int family, const char *resolver)
{
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0) {
		struct sockaddr_storage ss = { 0 };
		struct timeval tv = { 2, 0 };
		socklen_t len;
		char buf[16];
		int u, t;

		if (setns(netns_fd, CLONE_NEWNET) < 0)
			_exit(10);
		if (family == AF_INET) {
			struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;

			s4->sin_family = AF_INET;
			s4->sin_port = htons(53);
			inet_pton(AF_INET, resolver, &s4->sin_addr);
			len = sizeof(*s4);
		} else {
			struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;

			s6->sin6_family = AF_INET6;
			s6->sin6_port = htons(53);
			inet_pton(AF_INET6, resolver, &s6->sin6_addr);
			len = sizeof(*s6);
		}
		u = socket(family, SOCK_DGRAM, 0);
		setsockopt(u, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		if (sendto(u, "q", 1, 0, (struct sockaddr *)&ss, len) != 1)
			_exit(11);
		/* a connected reply: the answer's source is translated back to the resolver */
		if (connect(u, (struct sockaddr *)&ss, len) < 0 ||
		    recv(u, buf, sizeof(buf), 0) != 2)
			_exit(12);
		t = socket(family, SOCK_STREAM, 0);
		setsockopt(t, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		setsockopt(t, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
		if (connect(t, (struct sockaddr *)&ss, len) < 0)
			_exit(13);
		if (recv(t, buf, sizeof(buf), 0) != 2)
			_exit(14);
		_exit(0);
	}
	return pid;
}

static void serve_one(int u, int t)
{
	struct sockaddr_storage from;
	socklen_t flen = sizeof(from);
	struct timeval tv = { 3, 0 };
	char buf[16];
	int c;

	setsockopt(u, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	assert_int_equal(recvfrom(u, buf, sizeof(buf), 0, (struct sockaddr *)&from, &flen), 1);
	assert_int_equal(sendto(u, "ok", 2, 0, (struct sockaddr *)&from, flen), 2);
	setsockopt(t, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	c = accept(t, NULL, NULL);
	assert_true(c >= 0);
	assert_int_equal(send(c, "ok", 2, 0), 2);
	close(c);
}

/* DNS to the allowed resolvers reaches sockets on 127.83.0.53:53 / [::1]:53 in the namespace,
 * UDP and TCP, through the default-deny output chain; DNS to another address does not. */
static void test_ns_dns_redirect(void **state)
{
	static const char *const up[] = { "ip", "link", "set", "lo", "up", NULL };
	static const char *const veth[] = { "ip",   "link", "add",  "d0", "type",
					    "veth", "peer", "name", "d1", NULL };
	static const char *const d_up[] = { "ip", "link", "set", "d0", "up", NULL };
	static const char *const d1_up[] = { "ip", "link", "set", "d1", "up", NULL };
	static const char *const a4[] = { "ip", "addr", "add", "10.88.0.10/24", "dev", "d0", NULL };
	static const char *const a6[] = { "ip",	 "addr", "add",	  "fd00:88::11/64",
					  "dev", "d0",	 "nodad", NULL };
	static const char *const r4[] = { "ip", "route", "add", "default", "dev", "d0", NULL };
	static const char *const r6[] = {
		"ip", "-6", "route", "add", "default", "dev", "d0", NULL
	};
	struct nf_addr res[2];
	struct nft_fence f;
	struct nf_error err = { 0 };
	int status, u, t;
	pid_t pid;
	char *rs;

	ip_in(ctr_fd, up);
	ip_in(ctr_fd, veth);
	ip_in(ctr_fd, a4);
	ip_in(ctr_fd, a6);
	ip_in(ctr_fd, d_up);
	ip_in(ctr_fd, d1_up);
	ip_in(ctr_fd, r4);
	ip_in(ctr_fd, r6);
	fence_init(&f, HEX_A, NF_BASE_RESTRICTED, true, NULL, 0, NULL, 0);
	set_addr(&res[0], "198.51.100.53");
	set_addr(&res[1], "2001:db8::53");
	f.dns_redirect = res;
	f.n_dns_redirect = 2;
	assert_int_equal(nft_ns_apply(ctr_fd, &f, &err), 0);
	rs = ruleset(ctr_fd);
	assert_contains(rs, "type nat hook output priority -100; policy accept;");
	assert_contains(rs, "ip daddr 198.51.100.53 udp dport 53 counter packets 0 bytes 0 dnat ip "
			    "to 127.83.0.53:53");
	assert_contains(rs, "ip daddr 198.51.100.53 tcp dport 53 counter packets 0 bytes 0 dnat ip "
			    "to 127.83.0.53:53");
	assert_contains(rs,
			"ip6 daddr 2001:db8::53 tcp dport 53 counter packets 0 bytes 0 dnat ip6 "
			"to [::1]:53");
	free(rs);

	for (int v6 = 0; v6 < 2; v6++) {
		u = sock_in(ctr_fd, v6 ? AF_INET6 : AF_INET, SOCK_DGRAM,
			    v6 ? NF_RESOLVER_ADDR6 : NF_RESOLVER_ADDR4);
		t = sock_in(ctr_fd, v6 ? AF_INET6 : AF_INET, SOCK_STREAM,
			    v6 ? NF_RESOLVER_ADDR6 : NF_RESOLVER_ADDR4);
		pid = client_in(ctr_fd, v6 ? AF_INET6 : AF_INET,
				v6 ? "2001:db8::53" : "198.51.100.53");
		serve_one(u, t);
		assert_int_equal(waitpid(pid, &status, 0), pid);
		assert_true(WIFEXITED(status));
		assert_int_equal(WEXITSTATUS(status), 0);
		/* another address's port 53: no redirect, refused by the output chain */
		pid = client_in(ctr_fd, v6 ? AF_INET6 : AF_INET,
				v6 ? "2001:db8::54" : "198.51.100.54");
		assert_int_equal(waitpid(pid, &status, 0), pid);
		assert_true(WIFEXITED(status));
		assert_int_not_equal(WEXITSTATUS(status), 0);
		{
			/* nothing reached the resolver's sockets */
			struct pollfd pf[2] = { { u, POLLIN, 0 }, { t, POLLIN, 0 } };

			assert_int_equal(poll(pf, 2, 0), 0);
		}
		close(u);
		close(t);
	}
	assert_int_equal(nft_ns_remove(ctr_fd, &err), 0);
	fence_clear(&f);
}

/* What a batch holds for live DNS: the dyn sets (interval, timeout), the nat chain and its
 * rules, and the output chain's accept of the redirected packets right after loopback's. */
struct dns_seen {
	int dyn_timeout_sets, redirect_chain, nat_rules, nat_exprs, dnat_accepts;
	int output_lo_at, output_dnat_at, output_rules;
};

static int count_nat(struct nftnl_expr *e, void *data)
{
	int *n = data;

	if (strcmp(nftnl_expr_get_str(e, NFTNL_EXPR_NAME), "nat") == 0 &&
	    nftnl_expr_get_u32(e, NFTNL_EXPR_NAT_TYPE) == NFT_NAT_DNAT)
		++*n;
	return 0;
}

static int count_ct_status(struct nftnl_expr *e, void *data)
{
	int *n = data;

	if (strcmp(nftnl_expr_get_str(e, NFTNL_EXPR_NAME), "ct") == 0 &&
	    nftnl_expr_get_u32(e, NFTNL_EXPR_CT_KEY) == NFT_CT_STATUS)
		++*n;
	return 0;
}

static int count_oif(struct nftnl_expr *e, void *data)
{
	int *n = data;

	if (strcmp(nftnl_expr_get_str(e, NFTNL_EXPR_NAME), "meta") == 0 &&
	    nftnl_expr_get_u32(e, NFTNL_EXPR_META_KEY) == NFT_META_OIFNAME)
		++*n;
	return 0;
}

static void scan_dns(const struct nft_fence *f, struct dns_seen *seen)
{
	struct nf_error err = { 0 };
	const struct nlmsghdr *nlh;
	char *buf = NULL;
	size_t len = 0;
	int left;

	memset(seen, 0, sizeof(*seen));
	seen->output_lo_at = seen->output_dnat_at = -1;
	assert_int_equal(nft_ns_batch_dump(f, &buf, &len, &err), 0);
	left = (int)len;
	for (nlh = (const struct nlmsghdr *)buf; mnl_nlmsg_ok(nlh, left);
	     nlh = mnl_nlmsg_next(nlh, &left)) {
		uint16_t type = NFNL_MSG_TYPE(nlh->nlmsg_type);

		if (NFNL_SUBSYS_ID(nlh->nlmsg_type) != NFNL_SUBSYS_NFTABLES)
			continue;
		if (type == NFT_MSG_NEWSET) {
			struct nftnl_set *st = nftnl_set_alloc();

			assert_int_equal(nftnl_set_nlmsg_parse(nlh, st), 0);
			if (strncmp(nftnl_set_get_str(st, NFTNL_SET_NAME), "dyn", 3) == 0 &&
			    (nftnl_set_get_u32(st, NFTNL_SET_FLAGS) &
			     (NFT_SET_TIMEOUT | NFT_SET_INTERVAL)) ==
				    (NFT_SET_TIMEOUT | NFT_SET_INTERVAL))
				seen->dyn_timeout_sets++;
			nftnl_set_free(st);
		} else if (type == NFT_MSG_NEWCHAIN) {
			struct nftnl_chain *c = nftnl_chain_alloc();

			assert_int_equal(nftnl_chain_nlmsg_parse(nlh, c), 0);
			if (strcmp(nftnl_chain_get_str(c, NFTNL_CHAIN_NAME), "dns_redirect") == 0) {
				assert_int_equal(nftnl_chain_get_u32(c, NFTNL_CHAIN_HOOKNUM),
						 NF_INET_LOCAL_OUT);
				assert_int_equal(nftnl_chain_get_s32(c, NFTNL_CHAIN_PRIO), -100);
				assert_string_equal(nftnl_chain_get_str(c, NFTNL_CHAIN_TYPE),
						    "nat");
				seen->redirect_chain++;
			}
			nftnl_chain_free(c);
		} else if (type == NFT_MSG_NEWRULE) {
			struct nftnl_rule *r = nftnl_rule_alloc();
			const char *chain;
			int nat = 0, cts = 0, oif = 0;

			assert_int_equal(nftnl_rule_nlmsg_parse(nlh, r), 0);
			chain = nftnl_rule_get_str(r, NFTNL_RULE_CHAIN);
			nftnl_expr_foreach(r, count_nat, &nat);
			nftnl_expr_foreach(r, count_ct_status, &cts);
			nftnl_expr_foreach(r, count_oif, &oif);
			seen->nat_exprs += nat;
			if (strcmp(chain, "dns_redirect") == 0)
				seen->nat_rules++;
			if (strcmp(chain, "output") == 0) {
				if (oif && seen->output_lo_at < 0)
					seen->output_lo_at = seen->output_rules;
				if (cts) {
					seen->dnat_accepts++;
					if (seen->output_dnat_at < 0)
						seen->output_dnat_at = seen->output_rules;
				}
				seen->output_rules++;
			}
			nftnl_rule_free(r);
		}
	}
	free(buf);
}

static void test_ns_batch_dns(void **state)
{
	struct nf_addr res[3];
	struct dns_seen seen;
	struct nft_fence f;

	fence_init(&f, HEX_A, NF_BASE_RESTRICTED, true, NULL, 0, NULL, 0);
	/* static mode: the (empty) dyn sets, no redirect */
	scan_dns(&f, &seen);
	assert_int_equal(seen.dyn_timeout_sets, 2);
	assert_int_equal(seen.redirect_chain + seen.nat_rules + seen.nat_exprs, 0);
	assert_int_equal(seen.dnat_accepts, 0);

	set_addr(&res[0], "198.51.100.53");
	set_addr(&res[1], "203.0.113.53");
	set_addr(&res[2], "2001:db8::53");
	f.dns_redirect = res;
	f.n_dns_redirect = 3;
	scan_dns(&f, &seen);
	assert_int_equal(seen.redirect_chain, 1);
	assert_int_equal(seen.nat_rules, 6); /* per resolver, UDP and TCP */
	assert_int_equal(seen.nat_exprs, 6);
	assert_int_equal(seen.dnat_accepts, 2);
	assert_int_equal(seen.output_dnat_at, seen.output_lo_at + 1);
	/* IPv6 off: the IPv6 resolver is not redirected (IPv6 is refused) */
	f.ipv6 = false;
	scan_dns(&f, &seen);
	assert_int_equal(seen.nat_rules, 4);
	assert_int_equal(seen.dnat_accepts, 1);
	f.ipv6 = true;

	/* overlay mode: the netdev table has its own dyn sets */
	{
		char devs[1][16] = { "eth0" };

		f.devs = devs;
		f.n_devs = 1;
		scan_dns(&f, &seen);
		assert_int_equal(seen.dyn_timeout_sets, 4);
		f.devs = NULL;
		f.n_devs = 0;
	}
	fence_clear(&f);
}

/* Without root the kernel tests cannot run: each is reported skipped by cmocka (and counted by
 * tests/run-unit.sh), never passed by returning early. */
static void skip_test(void **state)
{
	skip();
}

static int run_skipped(const struct CMUnitTest *t, size_t n)
{
	struct CMUnitTest *s = calloc(n, sizeof(*s));
	int r;

	if (!s)
		return 1;
	for (size_t i = 0; i < n; i++)
		s[i] = (struct CMUnitTest){ .name = t[i].name, .test_func = skip_test };
	r = _cmocka_run_group_tests("tests", s, n, NULL, NULL);
	free(s);
	return r;
}

int main(void)
{
	const struct CMUnitTest batch_tests[] = {
		cmocka_unit_test(test_ns_batch_secmark),
		cmocka_unit_test(test_ns_batch_dns),
	};
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_host_two_fences),
		cmocka_unit_test(test_host_10k_rules),
		cmocka_unit_test(test_host_older_layout),
		cmocka_unit_test(test_host_error_names_object),
		cmocka_unit_test(test_ns_apply_remove),
		cmocka_unit_test(test_ns_overlay_netdev),
		cmocka_unit_test(test_hostnet_sync),
		cmocka_unit_test(test_foreign_forward_drop),
		cmocka_unit_test(test_learn),
		cmocka_unit_test(test_ns_dns_redirect),
		cmocka_unit_test(test_limits),
	};

	int r;

	/* encoding only: no kernel, no root */
	r = cmocka_run_group_tests_name("batch", batch_tests, NULL, NULL);
	if (r != 0)
		return r;
	if (geteuid() != 0) {
		fprintf(stderr, "test_nft: kernel tests need root (a scratch network namespace): "
				"reported skipped\n");
		return run_skipped(tests, sizeof(tests) / sizeof(tests[0]));
	}
	return cmocka_run_group_tests(tests, setup, teardown);
}
