/* netfence: unit tests for DNS names (lib/policy/dnsname.c): the hostname check of SPEC
 * section 3, the lower-case form of query names, and matching against "*", "*.suffix" and
 * exact names. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "dnsname.h"

struct match {
	const char *pattern, *name;
	bool want;
};

static const struct match matches[] = {
	{ "*", "example.com", true },
	{ "*", "", true },
	{ "*", "a\\.b.example.com", true },
	{ "*.", "example.com", true }, /* "*" with its trailing dot */
	{ "*.example.com", "www.example.com", true },
	{ "*.example.com", "a.b.c.example.com", true },
	{ "*.example.com", "WWW.Example.COM.", true },
	{ "*.Example.com.", "www.example.com", true },
	{ "*.example.com", "example.com", false },
	{ "*.example.com", "example.com.", false },
	{ "*.example.com", "badexample.com", false },
	{ "*.example.com", "www.example.com.evil", false },
	{ "*.example.com", "www.example.co", false },
	{ "*.example.com", ".example.com", false },
	{ "*.example.com", "", false },
	/* an escaped dot: one label "a.example" under com, not below example.com */
	{ "*.example.com", "x\\.example.com", false },
	{ "*.com", "x\\.example.com", false },
	{ "example.com", "example.com", true },
	{ "example.com", "EXAMPLE.com.", true },
	{ "example.com.", "example.com", true },
	{ "example.com", "www.example.com", false },
	{ "example.com", "example.co", false },
	{ "example.com", "example.comm", false },
	{ "", "", false },
	{ "", "example.com", false },
	{ "*.", "", true },
	{ "*x", "*x", true },
};

static void test_match(void **state)
{
	for (size_t i = 0; i < sizeof(matches) / sizeof(matches[0]); i++) {
		const struct match *m = &matches[i];

		if (dnsname_match(m->pattern, m->name) != m->want)
			fail_msg("dnsname_match(\"%s\", \"%s\") should be %d", m->pattern, m->name,
				 m->want);
	}
}

static void test_norm_good(void **state)
{
	static const char *const in[][2] = {
		{ "Example.COM.", "example.com" },
		{ "localhost", "localhost" },
		{ "a-b.c0", "a-b.c0" },
		{ "xn--bcher-kva.example", "xn--bcher-kva.example" },
		{ "1.2.3.4a", "1.2.3.4a" },
	};
	char out[254];

	for (size_t i = 0; i < sizeof(in) / sizeof(in[0]); i++) {
		assert_int_equal(dnsname_norm(in[i][0], out, sizeof(out)), 0);
		assert_string_equal(out, in[i][1]);
	}
}

static void test_norm_bad(void **state)
{
	static const char *const bad[] = {
		"",    ".",    "a..b", ".a",	  "-a.b",	 "a-.b", "a.b-", "a_b.example",
		"a b", "ä.de", "a.*",  "*.a.com", "a.b\\.c.com", "a..",	 "a/b",	 "a:b",
	};
	char out[254];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(out, 'x', sizeof(out));
		if (dnsname_norm(bad[i], out, sizeof(out)) != -EINVAL)
			fail_msg("dnsname_norm accepted \"%s\"", bad[i]);
	}
}

static void test_norm_lengths(void **state)
{
	char name[300], out[300];
	const char *why;

	/* label of 63 ok, 64 not */
	memset(name, 'a', 63);
	strcpy(name + 63, ".com");
	assert_int_equal(dnsname_norm(name, out, sizeof(out)), 0);
	memset(name, 'a', 64);
	strcpy(name + 64, ".com");
	assert_int_equal(dnsname_norm(name, out, sizeof(out)), -EINVAL);
	why = dnsname_check(name, strlen(name), out);
	assert_non_null(why);
	assert_string_equal(why, "hostname label longer than 63 characters");

	/* 253 characters ok (plus one dot), 254 not */
	for (size_t i = 0; i < 253; i++)
		name[i] = i % 2 ? '.' : 'a';
	name[253] = '\0';
	assert_int_equal(dnsname_norm(name, out, sizeof(out)), 0);
	assert_int_equal(strlen(out), 253);
	name[253] = '.';
	name[254] = '\0';
	assert_int_equal(dnsname_norm(name, out, sizeof(out)), 0);
	name[253] = 'b';
	name[254] = '\0';
	assert_int_equal(dnsname_norm(name, out, sizeof(out)), -EINVAL);

	/* a valid name that does not fit the caller's buffer */
	assert_int_equal(dnsname_norm("example.com", out, 11), -EINVAL);
	assert_int_equal(dnsname_norm("example.com", out, 12), 0);
	assert_string_equal(out, "example.com");
}

static void test_lower(void **state)
{
	char out[256];

	assert_int_equal(dnsname_lower("_DMARC.Example.COM.", out, sizeof(out)), 0);
	assert_string_equal(out, "_dmarc.example.com");
	assert_int_equal(dnsname_lower("_sip._tcp.example.com", out, sizeof(out)), 0);
	assert_string_equal(out, "_sip._tcp.example.com");
	assert_int_equal(dnsname_lower(".", out, sizeof(out)), 0);
	assert_string_equal(out, "");
	assert_int_equal(dnsname_lower("A\\032B.example.", out, sizeof(out)), 0);
	assert_string_equal(out, "a\\032b.example");
	assert_int_equal(dnsname_lower("abcd.", out, 5), 0);
	assert_string_equal(out, "abcd");
	assert_int_equal(dnsname_lower("abcde", out, 5), -ENAMETOOLONG);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_match),	 cmocka_unit_test(test_norm_good),
		cmocka_unit_test(test_norm_bad), cmocka_unit_test(test_norm_lengths),
		cmocka_unit_test(test_lower),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
