/* netfence: unit tests for the union and difference of a learned address's boxes
 * (resolver/rbox.c). The kernel refuses overlapping interval elements, so results must come out
 * disjoint, and the difference empty when nothing new is added. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <cmocka.h>

#include "rbox.h"

static struct nf_box box(uint8_t plo, uint8_t phi, uint16_t lo, uint16_t hi)
{
	struct nf_box b = { .proto_lo = plo, .proto_hi = phi, .port_lo = lo, .port_hi = hi };

	b.lo[0] = b.hi[0] = 198;
	b.lo[3] = b.hi[3] = 7;
	return b;
}

static struct nf_boxset set(size_t n, const struct nf_box *v)
{
	struct nf_boxset s = { .family = AF_INET };

	for (size_t i = 0; i < n; i++)
		assert_int_equal(rbox_add(&s, &v[i]), 0);
	return s;
}

static bool in(const struct nf_boxset *s, unsigned p, unsigned port)
{
	size_t k = 0;

	for (size_t i = 0; i < s->n; i++)
		k += p >= s->v[i].proto_lo && p <= s->v[i].proto_hi && port >= s->v[i].port_lo &&
		     port <= s->v[i].port_hi;
	assert_true(k <= 1); /* disjoint */
	return k == 1;
}

static void test_union_disjoint(void **state)
{
	struct nf_box a1[] = { box(6, 6, 443, 443), box(17, 17, 53, 53) };
	struct nf_box b1[] = { box(6, 6, 400, 500), box(0, 255, 8080, 8080) };
	struct nf_boxset a = set(2, a1), b = set(2, b1), u;
	unsigned probes[][3] = { { 6, 443, 1 },	   { 6, 400, 1 },  { 6, 500, 1 },  { 6, 501, 0 },
				 { 17, 53, 1 },	   { 17, 443, 0 }, { 1, 8080, 1 }, { 6, 8080, 1 },
				 { 255, 8080, 1 }, { 6, 8081, 0 }, { 0, 0, 0 } };

	assert_int_equal(rbox_union(&a, &b, &u), 0);
	for (size_t i = 0; i < sizeof(probes) / sizeof(probes[0]); i++)
		if (in(&u, probes[i][0], probes[i][1]) != (bool)probes[i][2])
			fail_msg("proto %u port %u", probes[i][0], probes[i][1]);
	for (size_t i = 0; i < u.n; i++) /* the address is kept */
		assert_memory_equal(u.v[i].lo, a1[0].lo, 16);
	nf_boxset_clear(&a);
	nf_boxset_clear(&b);
	nf_boxset_clear(&u);
}

static void test_union_same(void **state)
{
	struct nf_box a1[] = { box(6, 6, 443, 443) }, all[] = { box(0, 255, 0, 65535) };
	struct nf_boxset a = set(1, a1), b = set(1, a1), c = set(1, all), u, u2;

	assert_int_equal(rbox_union(&a, &b, &u), 0);
	assert_true(rbox_equal(&u, &a));
	/* everything swallows the rest: one box */
	assert_int_equal(rbox_union(&a, &c, &u2), 0);
	assert_int_equal(u2.n, 1);
	assert_true(rbox_equal(&u2, &c));
	assert_false(rbox_equal(&u2, &a));
	nf_boxset_clear(&a);
	nf_boxset_clear(&b);
	nf_boxset_clear(&c);
	nf_boxset_clear(&u);
	nf_boxset_clear(&u2);
}

static void test_union_rows_merge(void **state)
{
	/* tcp and udp 443 from "any:443" against tcp 443 alone: rows 6 and 17 stay apart (not
	 * adjacent), the ports merge */
	struct nf_box a1[] = { box(6, 6, 443, 443), box(17, 17, 443, 443) };
	struct nf_box b1[] = { box(6, 6, 444, 444), box(7, 7, 443, 444) };
	struct nf_boxset a = set(2, a1), b = set(2, b1), u;

	assert_int_equal(rbox_union(&a, &b, &u), 0);
	/* 6-7 x 443-444 (one row), 17 x 443 */
	assert_int_equal(u.n, 2);
	assert_int_equal(u.v[0].proto_lo, 6);
	assert_int_equal(u.v[0].proto_hi, 7);
	assert_int_equal(u.v[0].port_lo, 443);
	assert_int_equal(u.v[0].port_hi, 444);
	assert_int_equal(u.v[1].proto_lo, 17);
	nf_boxset_clear(&a);
	nf_boxset_clear(&b);
	nf_boxset_clear(&u);
}

static void test_union_empty(void **state)
{
	struct nf_box a1[] = { box(6, 6, 1, 65535) };
	struct nf_boxset a = set(1, a1), e = { .family = AF_INET }, u;

	assert_int_equal(rbox_union(&e, &a, &u), 0);
	assert_true(rbox_equal(&u, &a));
	nf_boxset_clear(&a);
	nf_boxset_clear(&u);
}

static void test_diff(void **state)
{
	/* old: tcp 443; new: tcp 400-500 and udp 53 -> tcp 400-442, 444-500, udp 53 */
	struct nf_box a1[] = { box(6, 6, 443, 443) };
	struct nf_box b1[] = { box(6, 6, 400, 500), box(17, 17, 53, 53) };
	struct nf_boxset a = set(1, a1), b = set(2, b1), d, e;

	assert_int_equal(rbox_diff(&a, &b, &d), 0);
	assert_false(in(&d, 6, 443));
	assert_true(in(&d, 6, 442) && in(&d, 6, 444) && in(&d, 6, 400) && in(&d, 6, 500));
	assert_true(in(&d, 17, 53));
	assert_false(in(&d, 6, 501) || in(&d, 17, 54));
	/* nothing new: nothing to add */
	assert_int_equal(rbox_diff(&b, &a, &e), 0);
	assert_int_equal(e.n, 0);
	nf_boxset_clear(&a);
	nf_boxset_clear(&b);
	nf_boxset_clear(&d);
	nf_boxset_clear(&e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_union_disjoint),
		cmocka_unit_test(test_union_same),
		cmocka_unit_test(test_union_rows_merge),
		cmocka_unit_test(test_union_empty),
		cmocka_unit_test(test_diff),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
