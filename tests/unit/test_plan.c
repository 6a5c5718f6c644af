/* netfence: unit tests of the policy compiler (plan.c): merging, coalescing, the top of the
 * address space, and a brute-force check that the boxes are disjoint and cover exactly the
 * rules on random small inputs. */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "plan.h"
#include "util.h"

static struct nf_rule mk(const char *cidr, enum nf_proto proto, unsigned plo, unsigned phi)
{
	struct nf_rule r;
	char buf[64];
	char *slash;

	memset(&r, 0, sizeof(r));
	snprintf(buf, sizeof(buf), "%s", cidr);
	slash = strchr(buf, '/');
	if (slash)
		*slash = 0;
	r.family = strchr(buf, ':') ? AF_INET6 : AF_INET;
	r.prefix.addr.family = r.family;
	assert_int_equal(inet_pton(r.family, buf, r.prefix.addr.a), 1);
	r.prefix.len = (uint8_t)(slash ? atoi(slash + 1) : (r.family == AF_INET6 ? 128 : 32));
	r.proto = proto;
	if (plo) {
		r.has_ports = true;
		r.port_lo = (uint16_t)plo;
		r.port_hi = (uint16_t)phi;
	}
	return r;
}

static void box_is(const struct nf_box *b, int family, const char *lo, const char *hi,
		   unsigned proto_lo, unsigned proto_hi, unsigned port_lo, unsigned port_hi)
{
	uint8_t a[16] = { 0 }, z[16] = { 0 };

	assert_int_equal(inet_pton(family, lo, a), 1);
	assert_memory_equal(b->lo, a, 16);
	memcpy(a, z, 16);
	assert_int_equal(inet_pton(family, hi, a), 1);
	assert_memory_equal(b->hi, a, 16);
	assert_int_equal(b->proto_lo, proto_lo);
	assert_int_equal(b->proto_hi, proto_hi);
	assert_int_equal(b->port_lo, port_lo);
	assert_int_equal(b->port_hi, port_hi);
}

static struct nf_boxset compile(const struct nf_rule *r, size_t n, int family)
{
	struct nf_boxset s = { 0 };
	struct nf_error err = { 0 };

	assert_int_equal(plan_compile(r, n, NULL, 0, family, &s, &err), 0);
	return s;
}

static void test_duplicates(void **state)
{
	struct nf_rule r[] = { mk("192.0.2.1", NF_PROTO_TCP, 443, 443),
			       mk("192.0.2.1", NF_PROTO_TCP, 443, 443) };
	struct nf_boxset s = compile(r, 2, AF_INET);

	assert_int_equal(s.n, 1);
	box_is(&s.v[0], AF_INET, "192.0.2.1", "192.0.2.1", 6, 6, 443, 443);
	nf_boxset_clear(&s);
}

static void test_nested_cidrs(void **state)
{
	struct nf_rule r[] = { mk("10.1.0.0/16", NF_PROTO_TCP, 443, 443),
			       mk("10.0.0.0/8", NF_PROTO_ANY, 0, 0) };
	struct nf_boxset s = compile(r, 2, AF_INET);

	assert_int_equal(s.n, 1);
	box_is(&s.v[0], AF_INET, "10.0.0.0", "10.255.255.255", 0, 255, 0, 65535);
	nf_boxset_clear(&s);
}

static void test_nested_split(void **state)
{
	/* tcp:443 on /8, udp on a /24 inside: three address pieces for tcp, one for udp. */
	struct nf_rule r[] = { mk("10.0.0.0/8", NF_PROTO_TCP, 443, 443),
			       mk("10.1.2.0/24", NF_PROTO_TCP, 80, 80) };
	struct nf_boxset s = compile(r, 2, AF_INET);

	assert_int_equal(s.n, 4);
	box_is(&s.v[0], AF_INET, "10.0.0.0", "10.1.1.255", 6, 6, 443, 443);
	box_is(&s.v[1], AF_INET, "10.1.2.0", "10.1.2.255", 6, 6, 80, 80);
	box_is(&s.v[2], AF_INET, "10.1.2.0", "10.1.2.255", 6, 6, 443, 443);
	box_is(&s.v[3], AF_INET, "10.1.3.0", "10.255.255.255", 6, 6, 443, 443);
	nf_boxset_clear(&s);
}

static void test_ports(void **state)
{
	struct nf_rule r[] = {
		mk("192.0.2.1", NF_PROTO_TCP, 80, 80),
		mk("192.0.2.1", NF_PROTO_TCP, 443, 443),
		mk("192.0.2.2", NF_PROTO_TCP, 80, 90),
		mk("192.0.2.2", NF_PROTO_TCP, 85, 100),
		mk("192.0.2.3", NF_PROTO_UDP, 1000, 1999),
		mk("192.0.2.3", NF_PROTO_UDP, 2000, 3000),
	};
	struct nf_boxset s = compile(r, ARRAY_SIZE(r), AF_INET);

	assert_int_equal(s.n, 4);
	box_is(&s.v[0], AF_INET, "192.0.2.1", "192.0.2.1", 6, 6, 80, 80);
	box_is(&s.v[1], AF_INET, "192.0.2.1", "192.0.2.1", 6, 6, 443, 443);
	box_is(&s.v[2], AF_INET, "192.0.2.2", "192.0.2.2", 6, 6, 80, 100);
	box_is(&s.v[3], AF_INET, "192.0.2.3", "192.0.2.3", 17, 17, 1000, 3000);
	nf_boxset_clear(&s);
}

static void test_any_vs_tcp(void **state)
{
	struct nf_rule r[] = { mk("192.0.2.1", NF_PROTO_TCP, 443, 443),
			       mk("192.0.2.1", NF_PROTO_ANY, 0, 0),
			       mk("192.0.2.9", NF_PROTO_ANY, 53, 53),
			       mk("192.0.2.9", NF_PROTO_TCP, 0, 0) };
	struct nf_boxset s = compile(r, 4, AF_INET);

	assert_int_equal(s.n, 3);
	box_is(&s.v[0], AF_INET, "192.0.2.1", "192.0.2.1", 0, 255, 0, 65535);
	box_is(&s.v[1], AF_INET, "192.0.2.9", "192.0.2.9", 6, 6, 0, 65535);
	box_is(&s.v[2], AF_INET, "192.0.2.9", "192.0.2.9", 17, 17, 53, 53);
	nf_boxset_clear(&s);
}

static void test_adjacent(void **state)
{
	struct nf_rule r[] = { mk("10.0.0.128/25", NF_PROTO_TCP, 22, 22),
			       mk("10.0.0.0/25", NF_PROTO_TCP, 22, 22),
			       mk("10.0.1.0/24", NF_PROTO_TCP, 22, 22),
			       mk("10.0.3.0/24", NF_PROTO_TCP, 22, 22) };
	struct nf_boxset s = compile(r, 4, AF_INET);

	assert_int_equal(s.n, 2);
	box_is(&s.v[0], AF_INET, "10.0.0.0", "10.0.1.255", 6, 6, 22, 22);
	box_is(&s.v[1], AF_INET, "10.0.3.0", "10.0.3.255", 6, 6, 22, 22);
	nf_boxset_clear(&s);
}

static void test_icmp(void **state)
{
	struct nf_rule r[] = { mk("192.0.2.0/24", NF_PROTO_ICMP, 0, 0),
			       mk("2001:db8::/32", NF_PROTO_ICMP, 0, 0) };
	struct nf_boxset s4 = compile(r, 2, AF_INET), s6 = compile(r, 2, AF_INET6);

	assert_int_equal(s4.n, 1);
	box_is(&s4.v[0], AF_INET, "192.0.2.0", "192.0.2.255", 1, 1, 0, 65535);
	assert_int_equal(s6.n, 1);
	box_is(&s6.v[0], AF_INET6, "2001:db8::", "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff", 58, 58,
	       0, 65535);
	nf_boxset_clear(&s4);
	nf_boxset_clear(&s6);
}

static void test_dns(void **state)
{
	struct nf_rule r[] = { mk("192.0.2.7", NF_PROTO_TCP, 443, 443) };
	struct nf_addr dns[3] = { { AF_INET, { 0 } }, { AF_INET6, { 0 } }, { AF_INET, { 0 } } };
	struct nf_boxset s = { 0 };
	struct nf_error err = { 0 };

	inet_pton(AF_INET, "192.0.2.53", dns[0].a);
	inet_pton(AF_INET6, "2001:db8::53", dns[1].a);
	inet_pton(AF_INET, "192.0.2.7", dns[2].a);
	assert_int_equal(plan_compile(r, 1, dns, 3, AF_INET, &s, &err), 0);
	assert_int_equal(s.n, 5);
	box_is(&s.v[0], AF_INET, "192.0.2.7", "192.0.2.7", 6, 6, 53, 53);
	box_is(&s.v[1], AF_INET, "192.0.2.7", "192.0.2.7", 6, 6, 443, 443);
	box_is(&s.v[2], AF_INET, "192.0.2.7", "192.0.2.7", 17, 17, 53, 53);
	box_is(&s.v[3], AF_INET, "192.0.2.53", "192.0.2.53", 6, 6, 53, 53);
	box_is(&s.v[4], AF_INET, "192.0.2.53", "192.0.2.53", 17, 17, 53, 53);
	nf_boxset_clear(&s);
	assert_int_equal(plan_compile(NULL, 0, dns, 3, AF_INET6, &s, &err), 0);
	assert_int_equal(s.n, 2);
	box_is(&s.v[0], AF_INET6, "2001:db8::53", "2001:db8::53", 6, 6, 53, 53);
	box_is(&s.v[1], AF_INET6, "2001:db8::53", "2001:db8::53", 17, 17, 53, 53);
	nf_boxset_clear(&s);
}

static void test_ipv6_and_family_filter(void **state)
{
	struct nf_rule r[] = { mk("2001:db8::/64", NF_PROTO_TCP, 443, 443),
			       mk("2001:db8:0:1::/64", NF_PROTO_TCP, 443, 443),
			       mk("192.0.2.0/24", NF_PROTO_ANY, 0, 0) };
	struct nf_boxset s = compile(r, 3, AF_INET6);

	assert_int_equal(s.n, 1);
	box_is(&s.v[0], AF_INET6, "2001:db8::", "2001:db8:0:1:ffff:ffff:ffff:ffff", 6, 6, 443, 443);
	nf_boxset_clear(&s);
}

static void test_top_of_space(void **state)
{
	struct nf_rule r4[] = { mk("255.255.255.255", NF_PROTO_TCP, 80, 80),
				mk("255.255.255.0/24", NF_PROTO_TCP, 443, 443),
				mk("0.0.0.0/0", NF_PROTO_UDP, 0, 0) };
	struct nf_rule r6[] = { mk("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", NF_PROTO_ANY, 0, 0),
				mk("::/0", NF_PROTO_ANY, 0, 0) };
	struct nf_rule r6b[] = { mk("ff00::/8", NF_PROTO_TCP, 1, 65535),
				 mk("ffff::/16", NF_PROTO_TCP, 0, 0) };
	struct nf_boxset s = compile(r4, 3, AF_INET);

	assert_int_equal(s.n, 4);
	box_is(&s.v[0], AF_INET, "0.0.0.0", "255.255.255.255", 17, 17, 0, 65535);
	box_is(&s.v[1], AF_INET, "255.255.255.0", "255.255.255.254", 6, 6, 443, 443);
	box_is(&s.v[2], AF_INET, "255.255.255.255", "255.255.255.255", 6, 6, 80, 80);
	box_is(&s.v[3], AF_INET, "255.255.255.255", "255.255.255.255", 6, 6, 443, 443);
	nf_boxset_clear(&s);

	s = compile(r6, 2, AF_INET6);
	assert_int_equal(s.n, 1);
	box_is(&s.v[0], AF_INET6, "::", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 0, 255, 0,
	       65535);
	nf_boxset_clear(&s);

	s = compile(r6b, 2, AF_INET6);
	assert_int_equal(s.n, 2);
	box_is(&s.v[0], AF_INET6, "ff00::", "fffe:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 6, 6, 1,
	       65535);
	box_is(&s.v[1], AF_INET6, "ffff::", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 6, 6, 0,
	       65535);
	nf_boxset_clear(&s);
}

static void test_internet_deny(void **state)
{
	struct nf_prefix extra[3];
	struct nf_boxset s = { 0 };
	struct nf_error err = { 0 };

	assert_int_equal(plan_internet_deny(AF_INET, NULL, 0, &s, &err), 0);
	assert_int_equal(s.n, 10);
	box_is(&s.v[0], AF_INET, "0.0.0.0", "0.255.255.255", 0, 255, 0, 65535);
	box_is(&s.v[9], AF_INET, "224.0.0.0", "255.255.255.255", 0, 255, 0, 65535);
	nf_boxset_clear(&s);

	/* A host prefix inside 10/8, one touching it, one of the other family. */
	extra[0] = mk("10.1.0.0/16", NF_PROTO_ANY, 0, 0).prefix;
	extra[1] = mk("11.0.0.0/8", NF_PROTO_ANY, 0, 0).prefix;
	extra[2] = mk("2001:db8::/64", NF_PROTO_ANY, 0, 0).prefix;
	assert_int_equal(plan_internet_deny(AF_INET, extra, 3, &s, &err), 0);
	assert_int_equal(s.n, 10);
	box_is(&s.v[1], AF_INET, "10.0.0.0", "11.255.255.255", 0, 255, 0, 65535);
	nf_boxset_clear(&s);

	assert_int_equal(plan_internet_deny(AF_INET6, extra, 3, &s, &err), 0);
	assert_int_equal(s.n, 9);
	box_is(&s.v[0], AF_INET6, "::", "::1", 0, 255, 0, 65535);
	box_is(&s.v[5], AF_INET6, "2001:db8::", "2001:db8::ffff:ffff:ffff:ffff", 0, 255, 0, 65535);
	box_is(&s.v[8], AF_INET6, "fe80::", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 0, 255, 0,
	       65535);
	nf_boxset_clear(&s);
}

/* The host's own addresses and networks: merged, of one family, no built-in list. */
static void test_host_deny(void **state)
{
	struct nf_prefix host[3];
	struct nf_boxset s = { 0 };
	struct nf_error err = { 0 };

	host[0] = mk("192.0.2.1/32", NF_PROTO_ANY, 0, 0).prefix;
	host[1] = mk("192.0.2.0/30", NF_PROTO_ANY, 0, 0).prefix;
	host[2] = mk("2001:db8::/64", NF_PROTO_ANY, 0, 0).prefix;
	assert_int_equal(plan_host_deny(AF_INET, host, 3, &s, &err), 0);
	assert_int_equal(s.n, 1);
	box_is(&s.v[0], AF_INET, "192.0.2.0", "192.0.2.3", 0, 255, 0, 65535);
	nf_boxset_clear(&s);
	assert_int_equal(plan_host_deny(AF_INET6, host, 3, &s, &err), 0);
	assert_int_equal(s.n, 1);
	box_is(&s.v[0], AF_INET6, "2001:db8::", "2001:db8::ffff:ffff:ffff:ffff", 0, 255, 0, 65535);
	nf_boxset_clear(&s);
	assert_int_equal(plan_host_deny(AF_INET, NULL, 0, &s, &err), 0);
	assert_int_equal(s.n, 0);
}

/* ---- brute force on a small universe: 16 addresses, all protocols, ports 0..24 ---- */

static uint32_t rnd_state = 12345;

static uint32_t rnd(void)
{
	rnd_state = rnd_state * 1103515245u + 12345u;
	return rnd_state >> 8;
}

static bool rule_covers(const struct nf_rule *r, uint32_t a, unsigned proto, unsigned port)
{
	uint32_t net, mask = r->prefix.len ? ~0u << (32 - r->prefix.len) : 0;
	unsigned plo = r->has_ports ? r->port_lo : 0, phi = r->has_ports ? r->port_hi : 65535;

	memcpy(&net, r->prefix.addr.a, 4);
	if ((a & mask) != ntohl(net))
		return false;
	switch (r->proto) {
	case NF_PROTO_ANY:
		if (!r->has_ports)
			return true;
		return (proto == 6 || proto == 17) && port >= plo && port <= phi;
	case NF_PROTO_TCP:
		return proto == 6 && port >= plo && port <= phi;
	case NF_PROTO_UDP:
		return proto == 17 && port >= plo && port <= phi;
	case NF_PROTO_ICMP:
		return proto == 1;
	}
	return false;
}

static bool box_covers(const struct nf_box *b, uint32_t a, unsigned proto, unsigned port)
{
	uint32_t lo, hi;

	memcpy(&lo, b->lo, 4);
	memcpy(&hi, b->hi, 4);
	return a >= ntohl(lo) && a <= ntohl(hi) && proto >= b->proto_lo && proto <= b->proto_hi &&
	       port >= b->port_lo && port <= b->port_hi;
}

static void random_case(uint32_t base)
{
	static const unsigned ports[] = { 0, 1, 2, 3, 5, 8, 9, 10, 11, 15, 19, 20, 21, 65535 };
	struct nf_rule r[12];
	size_t n = 1 + rnd() % 12;
	struct nf_boxset s;

	for (size_t i = 0; i < n; i++) {
		unsigned len = 28 + rnd() % 5;
		uint32_t a = htonl((base + (rnd() % 16)) & (~0u << (32 - len)));
		unsigned lo = 1 + rnd() % 20, hi = lo + rnd() % 5;

		memset(&r[i], 0, sizeof(r[i]));
		r[i].family = AF_INET;
		r[i].prefix.addr.family = AF_INET;
		memcpy(r[i].prefix.addr.a, &a, 4);
		r[i].prefix.len = (uint8_t)len;
		r[i].proto = (enum nf_proto)(rnd() % 4);
		if (r[i].proto != NF_PROTO_ICMP && rnd() % 3) {
			r[i].has_ports = true;
			r[i].port_lo = (uint16_t)lo;
			r[i].port_hi = (uint16_t)hi;
		}
	}
	s = compile(r, n, AF_INET);
	for (size_t i = 0; i < s.n; i++) {
		assert_true(memcmp(s.v[i].lo, s.v[i].hi, 4) <= 0);
		for (size_t j = i + 1; j < s.n; j++) {
			const struct nf_box *x = &s.v[i], *y = &s.v[j];
			bool addr = memcmp(x->lo, y->hi, 4) <= 0 && memcmp(y->lo, x->hi, 4) <= 0;
			bool proto = x->proto_lo <= y->proto_hi && y->proto_lo <= x->proto_hi;
			bool port = x->port_lo <= y->port_hi && y->port_lo <= x->port_hi;

			assert_false(addr && proto && port);
			assert_true(memcmp(x->lo, y->lo, 4) <= 0); /* sorted by address */
		}
	}
	for (uint32_t a = base - 1; a != base + 17; a++)
		for (unsigned proto = 0; proto < 256; proto++)
			for (size_t p = 0; p < ARRAY_SIZE(ports); p++) {
				bool want = false;
				unsigned got = 0;

				for (size_t i = 0; i < n && !want; i++)
					want = rule_covers(&r[i], a, proto, ports[p]);
				for (size_t i = 0; i < s.n; i++)
					got += box_covers(&s.v[i], a, proto, ports[p]);
				assert_int_equal(got, want ? 1 : 0);
			}
	nf_boxset_clear(&s);
}

static void test_random_property(void **state)
{
	for (int i = 0; i < 150; i++)
		random_case(0x0a000010u);
	/* the top of the space: the universe ends at 255.255.255.255 (a wraps to 0, skipped) */
	for (int i = 0; i < 50; i++)
		random_case(0xfffffff0u);
}

static void test_100k_rules(void **state)
{
	size_t n = 100000;
	struct nf_rule *r = calloc(n, sizeof(*r));
	struct nf_boxset s;

	assert_non_null(r);
	for (size_t i = 0; i < n; i++) {
		uint32_t a = htonl(0x0b000000u | (rnd() & 0xffffff));
		unsigned port = 1 + rnd() % 1000;

		r[i].family = AF_INET;
		r[i].prefix.addr.family = AF_INET;
		r[i].prefix.len = 32;
		memcpy(r[i].prefix.addr.a, &a, 4);
		r[i].proto = (enum nf_proto)(rnd() % 3);
		r[i].has_ports = rnd() % 2;
		r[i].port_lo = (uint16_t)port;
		r[i].port_hi = (uint16_t)(port + rnd() % 10);
	}
	s = compile(r, n, AF_INET);
	assert_true(s.n > 50000);
	nf_boxset_clear(&s);
	free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_duplicates),
		cmocka_unit_test(test_nested_cidrs),
		cmocka_unit_test(test_nested_split),
		cmocka_unit_test(test_ports),
		cmocka_unit_test(test_any_vs_tcp),
		cmocka_unit_test(test_adjacent),
		cmocka_unit_test(test_icmp),
		cmocka_unit_test(test_dns),
		cmocka_unit_test(test_ipv6_and_family_filter),
		cmocka_unit_test(test_top_of_space),
		cmocka_unit_test(test_internet_deny),
		cmocka_unit_test(test_host_deny),
		cmocka_unit_test(test_random_property),
		cmocka_unit_test(test_100k_rules),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
