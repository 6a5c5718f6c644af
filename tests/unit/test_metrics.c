/* netfence: unit tests for the metrics text (lib/fence/metrics.c): label values escaped as the
 * Prometheus text format wants them, the families with their HELP and TYPE lines, the series
 * present only when their source is, and the resolver's `stats` lines parsed strictly. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "metrics.h"

/* metrics_label(s) as a string */
static char *label(const char *s)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	metrics_label(f, s);
	fclose(f);
	return buf;
}

static void expect_label(const char *in, const char *want)
{
	char *got = label(in);

	if (strcmp(got, want) != 0)
		fail_msg("label \"%s\": got \"%s\", want \"%s\"", in, got, want);
	free(got);
}

static void test_label(void **state)
{
	expect_label("c1", "c1");
	expect_label("", "");
	expect_label("a\"b", "a\\\"b");
	expect_label("a\\b", "a\\\\b");
	expect_label("a\nb", "a\\nb");
	expect_label("\\\"\n", "\\\\\\\"\\n");
	/* UTF-8 kept; anything else replaced by U+FFFD */
	expect_label("caf\xc3\xa9", "caf\xc3\xa9");
	expect_label("\xe2\x82\xac\xf0\x9f\x98\x80", "\xe2\x82\xac\xf0\x9f\x98\x80");
	expect_label("a\xff"
		     "b",
		     "a\xef\xbf\xbd"
		     "b");
	expect_label("\xc0\xaf", "\xef\xbf\xbd\xef\xbf\xbd");		      /* overlong '/' */
	expect_label("\xed\xa0\x80", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"); /* a surrogate */
	expect_label("\xc3", "\xef\xbf\xbd");				      /* cut short */
	expect_label("\xf4\x90\x80\x80", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
}

static char *format(const struct metrics_row *rows, size_t n)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	metrics_format(f, rows, n);
	fclose(f);
	return buf;
}

static void test_format_sums(void **state)
{
	struct metrics_ctr c = {
		.acc_pkts = { 10 }, .acc_bytes = { 1000 }, .blk_pkts = { 2 }, .blk_bytes = { 120 }
	};
	struct metrics_row rows[] = { { "c\"1", &c, NULL } };
	char *out = format(rows, 1);

	assert_string_equal(
		out, "# HELP netfence_accepted_packets_total Packets netfence let through.\n"
		     "# TYPE netfence_accepted_packets_total counter\n"
		     "netfence_accepted_packets_total{container=\"c\\\"1\",direction=\"all\"} 10\n"
		     "# HELP netfence_accepted_bytes_total Bytes netfence let through.\n"
		     "# TYPE netfence_accepted_bytes_total counter\n"
		     "netfence_accepted_bytes_total{container=\"c\\\"1\",direction=\"all\"} 1000\n"
		     "# HELP netfence_blocked_packets_total Packets netfence dropped or rejected.\n"
		     "# TYPE netfence_blocked_packets_total counter\n"
		     "netfence_blocked_packets_total{container=\"c\\\"1\",direction=\"all\"} 2\n"
		     "# HELP netfence_blocked_bytes_total Bytes netfence dropped or rejected.\n"
		     "# TYPE netfence_blocked_bytes_total counter\n"
		     "netfence_blocked_bytes_total{container=\"c\\\"1\",direction=\"all\"} 120\n");
	free(out);
}

static size_t count(const char *s, const char *needle)
{
	size_t n = 0;

	for (const char *p = s; (p = strstr(p, needle)); p++)
		n++;
	return n;
}

static void test_format_all(void **state)
{
	struct metrics_ctr a = { .acc_pkts = { 1, 2, 3 },
				 .acc_bytes = { 4, 5, 6 },
				 .blk_pkts = { 7, 8, 9 },
				 .blk_bytes = { 10, 11, 12 },
				 .by_direction = true,
				 .has_rate = true,
				 .rate_refused = 90,
				 .has_quota = true,
				 .quota_used = 1000,
				 .quota_allowed = 1048576 },
			   b = { .by_direction = true, .acc_pkts = { UINT64_MAX } };
	struct metrics_dns d = { .id = "a", .allowed = 5, .refused = 3, .names = 4, .learned = 2 };
	struct metrics_row rows[] = { { "a", &a, &d }, { "b", &b, NULL }, { "c", NULL, NULL } };
	char *out = format(rows, 3);

	/* every direction of each family, container by container */
	assert_non_null(strstr(out, "netfence_accepted_packets_total{container=\"a\",direction=\""
				    "egress\"} 1\n"
				    "netfence_accepted_packets_total{container=\"a\",direction=\""
				    "ingress\"} 2\n"
				    "netfence_accepted_packets_total{container=\"a\",direction=\""
				    "host\"} 3\n"
				    "netfence_accepted_packets_total{container=\"b\",direction=\""
				    "egress\"} 18446744073709551615\n"));
	assert_non_null(strstr(out, "netfence_blocked_bytes_total{container=\"a\",direction=\""
				    "host\"} 12\n"));
	/* rate and quota only where set */
	assert_non_null(strstr(out, "# TYPE netfence_rate_refused_total counter\n"
				    "netfence_rate_refused_total{container=\"a\"} 90\n# HELP"));
	assert_non_null(strstr(out, "# TYPE netfence_quota_used_bytes gauge\n"
				    "netfence_quota_used_bytes{container=\"a\"} 1000\n# HELP"));
	assert_non_null(strstr(out, "# TYPE netfence_quota_allowed_bytes gauge\n"
				    "netfence_quota_allowed_bytes{container=\"a\"} 1048576\n"));
	/* DNS only for the fence the resolver serves */
	assert_non_null(strstr(out,
			       "# TYPE netfence_dns_queries_total counter\n"
			       "netfence_dns_queries_total{container=\"a\",verdict=\"allowed\"} 5\n"
			       "netfence_dns_queries_total{container=\"a\",verdict=\"refused\"} 3\n"
			       "# HELP netfence_dns_names_total "));
	assert_non_null(strstr(out, "netfence_dns_names_total{container=\"a\"} 4\n"));
	assert_non_null(strstr(out, "# TYPE netfence_dns_learned_addresses gauge\n"
				    "netfence_dns_learned_addresses{container=\"a\"} 2\n"));
	assert_null(strstr(out, "container=\"c\""));
	assert_null(strstr(out, "rate_refused_total{container=\"b\""));
	assert_null(strstr(out, "direction=\"all\""));
	/* each family's HELP and TYPE once */
	assert_int_equal(count(out, "# TYPE netfence_accepted_packets_total counter\n"), 1);
	assert_int_equal(count(out, "# HELP netfence_dns_queries_total "), 1);
	assert_int_equal(count(out, "# TYPE "), 10);
	assert_int_equal(count(out, "# HELP "), 10);
	free(out);

	/* nothing to report: nothing written */
	out = format(rows + 2, 1);
	assert_string_equal(out, "");
	free(out);
}

static void test_dns_parse(void **state)
{
	static const char *const bad[] = {
		"",
		"end",
		"[]",
		"{\"container\": \"a\", \"dns_allowed\": 1, \"dns_refused\": 2}",
		"{\"container\": 1, \"dns_allowed\": 1, \"dns_refused\": 2, \"learned\": 3}",
		"{\"container\": \"a\", \"dns_allowed\": -1, \"dns_refused\": 2, \"learned\": 3}",
		"{\"container\": \"a\", \"dns_allowed\": 1.5, \"dns_refused\": 2, \"learned\": 3}",
		"{\"container\": \"a\", \"dns_allowed\": 1, \"dns_refused\": 2, \"learned\": 3, "
		"\"names\": \"x\"}",
		"{\"container\": \"a\", \"container\": \"b\", \"dns_allowed\": 1, \"dns_refused\": "
		"2, \"learned\": 3}",
	};
	struct metrics_dns d;

	assert_int_equal(metrics_dns_parse("{\"container\": \"c\\\"1\", \"dns_allowed\": "
					   "18446744073709551615, \"dns_refused\": 2, \"learned\": "
					   "3, \"names\": 4}",
					   &d),
			 0);
	assert_string_equal(d.id, "c\"1");
	assert_true(d.allowed == UINT64_MAX);
	assert_int_equal(d.refused, 2);
	assert_int_equal(d.learned, 3);
	assert_int_equal(d.names, 4);
	free(d.id);
	assert_int_equal(metrics_dns_parse("{\"container\": \"a\", \"dns_allowed\": 0, "
					   "\"dns_refused\": 0, \"learned\": 0}",
					   &d),
			 0);
	assert_int_equal(d.names, 0);
	free(d.id);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (metrics_dns_parse(bad[i], &d) != -EINVAL)
			fail_msg("accepted %s", bad[i]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_label),
		cmocka_unit_test(test_format_sums),
		cmocka_unit_test(test_format_all),
		cmocka_unit_test(test_dns_parse),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
