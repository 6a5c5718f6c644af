/* netfence: unit tests for the rule grammar (lib/policy/rules.c, SPEC section 3).
 * Every good form is parsed and rendered back; every bad form must be refused with a message
 * that names the key, quotes the token and says why. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <cmocka.h>

#include "rules.h"

struct good {
	const char *in;
	const char *canon; /* rule_str */
	int family;
	enum nf_proto proto;
	bool has_ports;
	unsigned lo, hi;
};

static const struct good goods[] = {
	{ "203.0.113.9", "203.0.113.9", AF_INET, NF_PROTO_ANY, false, 0, 0 },
	{ "pypi.org:443", "pypi.org:443", 0, NF_PROTO_TCP, true, 443, 443 },
	{ "10.0.0.0/8:5432", "10.0.0.0/8:5432", AF_INET, NF_PROTO_TCP, true, 5432, 5432 },
	{ "[2001:db8::/32]:443", "[2001:db8::/32]:443", AF_INET6, NF_PROTO_TCP, true, 443, 443 },
	{ "198.51.100.7:53/udp", "198.51.100.7:53/udp", AF_INET, NF_PROTO_UDP, true, 53, 53 },
	{ "203.0.113.9/udp", "203.0.113.9/udp", AF_INET, NF_PROTO_UDP, false, 0, 0 },
	{ "10.0.0.0/8/udp", "10.0.0.0/8/udp", AF_INET, NF_PROTO_UDP, false, 0, 0 },
	{ "10.0.0.0/8:53/udp", "10.0.0.0/8:53/udp", AF_INET, NF_PROTO_UDP, true, 53, 53 },
	{ "10.0.0.0/8:53/UDP", "10.0.0.0/8:53/udp", AF_INET, NF_PROTO_UDP, true, 53, 53 },
	{ "0.0.0.0/0", "0.0.0.0/0", AF_INET, NF_PROTO_ANY, false, 0, 0 },
	{ "10.1.2.3/32", "10.1.2.3", AF_INET, NF_PROTO_ANY, false, 0, 0 },
	{ "10.0.0.1:1-65535", "10.0.0.1:1-65535", AF_INET, NF_PROTO_TCP, true, 1, 65535 },
	{ "10.0.0.1:8000-8000", "10.0.0.1:8000", AF_INET, NF_PROTO_TCP, true, 8000, 8000 },
	{ "10.0.0.1:80/any", "10.0.0.1:80/any", AF_INET, NF_PROTO_ANY, true, 80, 80 },
	{ "10.0.0.1:80/tcp", "10.0.0.1:80", AF_INET, NF_PROTO_TCP, true, 80, 80 },
	{ "10.0.0.1/tcp", "10.0.0.1/tcp", AF_INET, NF_PROTO_TCP, false, 0, 0 },
	{ "10.0.0.1/icmp", "10.0.0.1/icmp", AF_INET, NF_PROTO_ICMP, false, 0, 0 },
	{ "[2001:db8::1]", "[2001:db8::1]", AF_INET6, NF_PROTO_ANY, false, 0, 0 },
	{ "[2001:db8::1]/icmp", "[2001:db8::1]/icmp", AF_INET6, NF_PROTO_ICMP, false, 0, 0 },
	{ "[::/0]", "[::/0]", AF_INET6, NF_PROTO_ANY, false, 0, 0 },
	{ "[2001:DB8::/32]:1000-2000/udp", "[2001:db8::/32]:1000-2000/udp", AF_INET6, NF_PROTO_UDP,
	  true, 1000, 2000 },
	{ "Example.COM.", "example.com", 0, NF_PROTO_ANY, false, 0, 0 },
	{ "*.example.com:443", "*.example.com:443", 0, NF_PROTO_TCP, true, 443, 443 },
	{ "xn--bcher-kva.example", "xn--bcher-kva.example", 0, NF_PROTO_ANY, false, 0, 0 },
	{ "a-b.c0", "a-b.c0", 0, NF_PROTO_ANY, false, 0, 0 },
	{ "localhost", "localhost", 0, NF_PROTO_ANY, false, 0, 0 },
	{ "1.2.3.4a", "1.2.3.4a", 0, NF_PROTO_ANY, false, 0, 0 },
};

static void test_good(void **state)
{
	for (size_t i = 0; i < sizeof(goods) / sizeof(goods[0]); i++) {
		struct nf_error err = { 0 };
		struct nf_rule r;
		char buf[300];

		if (rule_parse("io.netfence.egress", goods[i].in, &r, &err) != 0)
			fail_msg("%s: %s", goods[i].in, err.msg);
		assert_string_equal(rule_str(&r, buf, sizeof(buf)), goods[i].canon);
		assert_int_equal(r.family, goods[i].family);
		assert_int_equal(r.proto, goods[i].proto);
		assert_int_equal(r.has_ports, goods[i].has_ports);
		if (r.has_ports) {
			assert_int_equal(r.port_lo, goods[i].lo);
			assert_int_equal(r.port_hi, goods[i].hi);
		}
		assert_int_equal(r.host != NULL, r.family == 0);
		assert_int_equal(err.kind, 0);
		rule_clear(&r);
		assert_null(r.host);
	}
}

static void test_fields(void **state)
{
	struct nf_error err = { 0 };
	struct nf_rule r;

	assert_int_equal(rule_parse("k", "*.Example.com.", &r, &err), 0);
	assert_true(r.wildcard);
	assert_string_equal(r.host, "example.com");
	rule_clear(&r);
	assert_int_equal(rule_parse("k", "10.0.0.0/8", &r, &err), 0);
	assert_int_equal(r.prefix.len, 8);
	assert_int_equal(r.prefix.addr.a[0], 10);
	assert_null(r.host);
	assert_false(r.wildcard);
	rule_clear(NULL);
}

struct bad {
	const char *in;
	const char *why; /* substring of the message */
};

static const struct bad bads[] = {
	/* IPv4 */
	{ "10.0.0.1/8", "host bits set" },
	{ "10.0.0.256", "invalid IPv4 address" },
	{ "10.0.0", "invalid IPv4 address" },
	{ "10.0.0.1.2", "invalid IPv4 address" },
	{ "1.2.3.4.", "invalid IPv4 address" },
	{ "010.0.0.1", "invalid IPv4 address" },
	{ "12345", "invalid IPv4 address" },
	{ "...", "invalid IPv4 address" },
	{ "10.0.0.0/33", "prefix length" },
	{ "10.0.0.0/08", "prefix length" },
	{ "10.0.0.0/+8", "protocol" },
	{ "10.0.0.0/", "empty protocol" },
	{ "10.0.0.0/8/16", "prefix length" },
	/* IPv6 */
	{ "2001:db8::1", "brackets" },
	{ "::1", "brackets" },
	{ "2001:db8::1:443", "brackets" },
	{ "[2001:db8::1%eth0]", "zone" },
	{ "[fe80::1%1]:22", "zone" },
	{ "[::ffff:10.0.0.1]", "IPv4-mapped" },
	{ "[::ffff:0:0/96]", "IPv4-mapped" },
	{ "[2001:db8::1/32]", "host bits set" },
	{ "[2001:db8::/129]", "prefix length" },
	{ "[2001:db8::/-1]", "prefix length" },
	{ "[2001:db8::/+32]", "prefix length" },
	{ "[2001:db8::/]", "prefix length" },
	{ "[2001:db8::/032]", "prefix length" },
	{ "[2001:db8::1", "missing" },
	{ "[2001:zz8::1]", "invalid IPv6 address" },
	{ "[10.0.0.1]", "invalid IPv6 address" },
	{ "[]", "empty target" },
	{ "[2001:db8::]/32", "inside the brackets" },
	{ "[2001:db8::1]x", "unexpected" },
	/* ports */
	{ "10.0.0.1:0", "port 0" },
	{ "10.0.0.1:65536", "invalid port" },
	{ "10.0.0.1:99999", "invalid port" },
	{ "10.0.0.1:100000", "invalid port" },
	{ "10.0.0.1:443-80", "reversed" },
	{ "10.0.0.1:0-80", "port 0" },
	{ "10.0.0.1:1-65536", "invalid port range" },
	{ "10.0.0.1:", "empty port" },
	{ "10.0.0.1:/udp", "empty port" },
	{ "10.0.0.1:80-", "invalid port range" },
	{ "10.0.0.1:-80", "invalid port range" },
	{ "10.0.0.1:+80", "invalid port" },
	{ "10.0.0.1:http", "invalid port" },
	{ "10.0.0.1:8 0", "invalid port" },
	{ "10.0.0.1:80:81", "brackets" },
	/* protocols */
	{ "10.0.0.1:53/icmp", "icmp takes no ports" },
	{ "10.0.0.1/sctp", "unknown protocol" },
	{ "10.0.0.1:80/tcp6", "unknown protocol" },
	{ "10.0.0.1:80/udp/tcp", "unknown protocol" },
	{ "10.0.0.1/udp:53", "unknown protocol" },
	/* hostnames */
	{ "a..b", "empty label" },
	{ ".example.com", "empty label" },
	{ "example.com..", "empty label" },
	{ "-a.com", "starts with a hyphen" },
	{ "a-.com", "ends with a hyphen" },
	{ "a.com-", "ends with a hyphen" },
	{ "b\xc3\xbc"
	  "cher.example",
	  "A-label (xn--)" },
	{ "caf\xe9.com", "A-label (xn--)" },
	{ "a;rm", "invalid character" },
	{ "a|b", "invalid character" },
	{ "a&b", "invalid character" },
	{ "$(id)", "invalid character" },
	{ "`id`", "invalid character" },
	{ "a>b", "invalid character" },
	{ "a b", "invalid character" },
	{ "a\tb", "invalid character" },
	{ "a_b.com", "invalid character" },
	{ "a\"b", "invalid character" },
	{ "a'b", "invalid character" },
	{ "a\\b", "invalid character" },
	{ "*", "invalid character" },
	{ "*.", "empty hostname" },
	{ "*.*.example.com", "invalid character" },
	{ "a.*.com", "invalid character" },
	{ "example.com/8", "no prefix length" },
	{ "example.com:", "empty port" },
	{ ":80", "empty target" },
	{ "/udp", "empty target" },
};

static void test_bad(void **state)
{
	for (size_t i = 0; i < sizeof(bads) / sizeof(bads[0]); i++) {
		struct nf_error err = { 0 };
		struct nf_rule r;
		char want[300];
		int rc = rule_parse("io.netfence.egress", bads[i].in, &r, &err);

		if (rc != -EINVAL)
			fail_msg("accepted bad rule \"%s\" (rc %d)", bads[i].in, rc);
		assert_int_equal(err.kind, NF_EXIT_INPUT);
		assert_non_null(strstr(err.msg, "io.netfence.egress: invalid rule \""));
		if (!strstr(err.msg, bads[i].why))
			fail_msg("\"%s\": message \"%s\" lacks \"%s\"", bads[i].in, err.msg,
				 bads[i].why);
		/* printable tokens appear verbatim, quoted */
		if (!strpbrk(bads[i].in, "\"\\\t") && (unsigned char)bads[i].in[0] < 0x80 &&
		    !strchr(bads[i].in, '\xc3') && !strchr(bads[i].in, '\xe9')) {
			snprintf(want, sizeof(want), "\"%s\"", bads[i].in);
			if (!strstr(err.msg, want))
				fail_msg("message \"%s\" does not quote %s", err.msg, want);
		}
	}
}

static void test_exact_message(void **state)
{
	struct nf_error err = { 0 };
	struct nf_rule r;

	assert_int_equal(rule_parse("io.netfence.egress", "10.0.0.1/8", &r, &err), -EINVAL);
	assert_string_equal(err.msg,
			    "io.netfence.egress: invalid rule \"10.0.0.1/8\": host bits set");
	/* unprintable bytes are escaped in the message, never copied raw */
	assert_int_equal(rule_parse("k", "a\nb", &r, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "a\\x0ab"));
	assert_null(strchr(err.msg, '\n'));
}

static void test_hostname_lengths(void **state)
{
	struct nf_error err = { 0 };
	struct nf_rule r;
	char name[400];

	/* label of 63 ok, 64 refused */
	memset(name, 'a', 63);
	strcpy(name + 63, ".com");
	assert_int_equal(rule_parse("k", name, &r, &err), 0);
	rule_clear(&r);
	memset(name, 'a', 64);
	strcpy(name + 64, ".com");
	assert_int_equal(rule_parse("k", name, &r, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "longer than 63"));

	/* 253 ok (4 labels of 63 + 1 char), 254 refused, trailing dot not counted */
	name[0] = '\0';
	for (int i = 0; i < 4; i++) {
		memset(name + strlen(name), 'b', 63);
		name[i * 64 + 63] = '\0';
		strcat(name, ".");
	}
	strcat(name, "c");
	assert_int_equal(strlen(name), 257);
	name[253 - 1] = '\0'; /* cut to 252 chars */
	strcat(name, "d");    /* 253 */
	assert_int_equal(strlen(name), 253);
	assert_int_equal(rule_parse("k", name, &r, &err), 0);
	assert_int_equal(strlen(r.host), 253);
	rule_clear(&r);
	strcat(name, ".");
	assert_int_equal(rule_parse("k", name, &r, &err), 0);
	assert_int_equal(strlen(r.host), 253);
	rule_clear(&r);
	name[253] = 'e';
	name[254] = '\0';
	assert_int_equal(rule_parse("k", name, &r, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "longer than 253"));
}

static void test_list(void **state)
{
	struct nf_error err = { 0 };
	struct nf_rule *v = NULL;
	size_t n = 0;
	char buf[300];

	assert_int_equal(rules_parse_list("io.netfence.egress", "", 10, &v, &n, &err), 0);
	assert_int_equal(rules_parse_list("io.netfence.egress", "  \t ", 10, &v, &n, &err), 0);
	assert_int_equal(n, 0);
	assert_int_equal(rules_parse_list("io.netfence.egress", " 10.0.0.1 ,pypi.org:443\t, [::1]",
					  10, &v, &n, &err),
			 3);
	assert_int_equal(n, 3);
	assert_string_equal(rule_str(&v[0], buf, sizeof(buf)), "10.0.0.1");
	assert_string_equal(rule_str(&v[1], buf, sizeof(buf)), "pypi.org:443");
	assert_string_equal(rule_str(&v[2], buf, sizeof(buf)), "[::1]");
	/* appends */
	assert_int_equal(rules_parse_list("k", "1.1.1.1", 10, &v, &n, &err), 1);
	assert_int_equal(n, 4);
	assert_string_equal(rule_str(&v[3], buf, sizeof(buf)), "1.1.1.1");

	/* empty tokens; the list is untouched on failure */
	assert_int_equal(
		rules_parse_list("io.netfence.ingress", "1.1.1.1,,2.2.2.2", 10, &v, &n, &err),
		-EINVAL);
	assert_non_null(strstr(err.msg, "io.netfence.ingress: empty rule"));
	assert_int_equal(rules_parse_list("io.netfence.ingress", "1.1.1.1,", 10, &v, &n, &err),
			 -EINVAL);
	assert_non_null(strstr(err.msg, "empty rule"));
	assert_int_equal(rules_parse_list("io.netfence.ingress", ",1.1.1.1", 10, &v, &n, &err),
			 -EINVAL);
	assert_int_equal(
		rules_parse_list("io.netfence.ingress", "1.1.1.1, ,2.2.2.2", 10, &v, &n, &err),
		-EINVAL);
	assert_int_equal(
		rules_parse_list("io.netfence.ingress", "1.1.1.1,10.0.0.1/8", 10, &v, &n, &err),
		-EINVAL);
	assert_string_equal(err.msg,
			    "io.netfence.ingress: invalid rule \"10.0.0.1/8\": host bits set");
	assert_int_equal(n, 4);
	/* a refusal after a hostname rule frees that rule's name (checked under ASan) */
	assert_int_equal(rules_parse_list("k", "pypi.org:443,10.0.0.1/8", 10, &v, &n, &err),
			 -EINVAL);
	assert_int_equal(n, 4);
	rules_free(v, n);
}

static void test_limits(void **state)
{
	struct nf_error err = { 0 };
	struct nf_rule *v = NULL;
	size_t n = 0, len;
	char *big = malloc(NF_ANNOTATION_MAX + 100);

	/* 4096 rules ok, 4097 refused naming the limit */
	big[0] = '\0';
	len = 0;
	for (int i = 0; i < 4096; i++)
		len += (size_t)sprintf(big + len, "%s1.1.%d.%d", i ? "," : "", i / 256, i % 256);
	assert_int_equal(
		rules_parse_list("io.netfence.egress", big, NF_RULES_MAX_ANNOTATION, &v, &n, &err),
		4096);
	rules_free(v, n);
	v = NULL;
	n = 0;
	strcpy(big + len, ",1.1.1.1");
	assert_int_equal(
		rules_parse_list("io.netfence.egress", big, NF_RULES_MAX_ANNOTATION, &v, &n, &err),
		-EINVAL);
	assert_non_null(strstr(err.msg, "io.netfence.egress: more than the limit of 4096 rules"));
	assert_int_equal(n, 0);

	/* value over 64 KiB */
	memset(big, ' ', NF_ANNOTATION_MAX + 1);
	big[NF_ANNOTATION_MAX + 1] = '\0';
	assert_int_equal(
		rules_parse_list("io.netfence.egress", big, NF_RULES_MAX_ANNOTATION, &v, &n, &err),
		-EINVAL);
	assert_non_null(
		strstr(err.msg, "io.netfence.egress: value larger than the limit of 65536"));
	/* exactly 64 KiB of whitespace is an empty value */
	big[NF_ANNOTATION_MAX] = '\0';
	assert_int_equal(
		rules_parse_list("io.netfence.egress", big, NF_RULES_MAX_ANNOTATION, &v, &n, &err),
		0);

	/* a long token is refused, not truncated into something valid */
	memset(big, 'a', 600);
	big[600] = '\0';
	assert_int_equal(rules_parse_list("k", big, 10, &v, &n, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "longer than 512"));
	free(big);
	rules_free(v, n);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good),
		cmocka_unit_test(test_fields),
		cmocka_unit_test(test_bad),
		cmocka_unit_test(test_exact_message),
		cmocka_unit_test(test_hostname_lengths),
		cmocka_unit_test(test_list),
		cmocka_unit_test(test_limits),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
