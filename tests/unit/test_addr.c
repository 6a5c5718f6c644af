/* netfence: unit tests for addresses and prefixes (lib/base/addr.c).
 * Parsing is strict (no zone ids, no shorthand IPv4), prefixes refuse host bits when strict,
 * and the arithmetic helpers stay within the family's width. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <arpa/inet.h>
#include <cmocka.h>

#include "addr.h"

static void test_addr_parse(void **state)
{
	struct nf_addr a;
	char buf[64];

	assert_int_equal(nf_addr_parse("10.1.2.3", &a), 0);
	assert_int_equal(a.family, AF_INET);
	assert_string_equal(nf_addr_str(&a, buf, sizeof(buf)), "10.1.2.3");
	assert_int_equal(nf_addr_parse("2001:DB8::1", &a), 0);
	assert_int_equal(a.family, AF_INET6);
	assert_string_equal(nf_addr_str(&a, buf, sizeof(buf)), "2001:db8::1");

	const char *bad[] = { "",	    "10.1.2",	 "10.1.2.3.4",	 "010.1.2.3",
			      "10.1.2.256", "1.2.3.4/8", "fe80::1%eth0", "[::1]",
			      " 1.2.3.4",   "0x1.2.3.4", "2001:db8:::1", "example.com" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (nf_addr_parse(bad[i], &a) != -EINVAL)
			fail_msg("accepted \"%s\"", bad[i]);
}

static void test_prefix_parse(void **state)
{
	struct nf_prefix p;
	char buf[80];

	assert_int_equal(nf_prefix_parse("10.213.0.0/16", true, &p), 0);
	assert_int_equal(p.len, 16);
	assert_string_equal(nf_prefix_str(&p, buf, sizeof(buf)), "10.213.0.0/16");
	assert_int_equal(nf_prefix_parse("10.1.2.3", true, &p), 0);
	assert_int_equal(p.len, 32);
	assert_int_equal(nf_prefix_parse("fd6e:6663::/64", true, &p), 0);
	assert_int_equal(p.len, 64);
	assert_int_equal(nf_prefix_parse("::/0", true, &p), 0);
	assert_int_equal(p.len, 0);

	/* host bits: refused when strict, masked otherwise */
	assert_int_equal(nf_prefix_parse("10.0.0.1/8", true, &p), -EINVAL);
	assert_int_equal(nf_prefix_parse("10.0.0.1/8", false, &p), 0);
	assert_string_equal(nf_prefix_str(&p, buf, sizeof(buf)), "10.0.0.0/8");
	assert_int_equal(nf_prefix_parse("2001:db8::1/32", true, &p), -EINVAL);
	assert_int_equal(nf_prefix_parse("2001:db8::1/32", false, &p), 0);
	assert_string_equal(nf_prefix_str(&p, buf, sizeof(buf)), "2001:db8::/32");

	const char *bad[] = { "10.0.0.0/33",   "10.0.0.0/",  "10.0.0.0/+8", "10.0.0.0/08",
			      "10.0.0.0/8x",   "/8",	     "::/129",	    "::/-1",
			      "10.0.0.0/1000", "fe80::%1/64" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (nf_prefix_parse(bad[i], false, &p) != -EINVAL)
			fail_msg("accepted \"%s\"", bad[i]);
}

static void test_add(void **state)
{
	struct nf_addr a;
	char buf[64];

	nf_addr_parse("10.0.0.255", &a);
	nf_addr_add(&a, 1);
	assert_string_equal(nf_addr_str(&a, buf, sizeof(buf)), "10.0.1.0");
	nf_addr_add(&a, 65536);
	assert_string_equal(nf_addr_str(&a, buf, sizeof(buf)), "10.1.1.0");
	nf_addr_parse("255.255.255.255", &a);
	nf_addr_add(&a, 1); /* wraps within 4 bytes, never touches a[4..] */
	assert_string_equal(nf_addr_str(&a, buf, sizeof(buf)), "0.0.0.0");
	assert_int_equal(a.a[4], 0);
	nf_addr_parse("fd00::ffff:ffff", &a);
	nf_addr_add(&a, 1);
	assert_string_equal(nf_addr_str(&a, buf, sizeof(buf)), "fd00::1:0:0");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_addr_parse),
		cmocka_unit_test(test_prefix_parse),
		cmocka_unit_test(test_add),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
