/* netfence: tests of selinux/label.c. The derivation uses libselinux's context functions, which
 * need no policy; label_resolve is tested on the paths that do not ask a loaded policy (SELinux
 * is not active on the test machines). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "hostconf.h"
#include "label.h"

static void expect_ctx(const char *label, const char *type, const char *want)
{
	struct nf_error err = { 0 };
	char *ctx = NULL;

	assert_int_equal(label_packet_context(label, type, &ctx, &err), 0);
	assert_non_null(ctx);
	assert_string_equal(ctx, want);
	free(ctx);
}

static void expect_bad(const char *label, const char *type, const char *msg)
{
	struct nf_error err = { 0 };
	char *ctx = (char *)"untouched";

	assert_int_equal(label_packet_context(label, type, &ctx, &err), -EINVAL);
	assert_string_equal(ctx, "untouched");
	assert_int_equal(err.kind, NF_EXIT_INPUT);
	if (!strstr(err.msg, msg))
		fail_msg("message \"%s\" lacks \"%s\"", err.msg, msg);
}

static void test_derive(void **state)
{
	/* user, role and level kept; only the type changes */
	expect_ctx("system_u:system_r:container_t:s0", "netfence_packet_t",
		   "system_u:system_r:netfence_packet_t:s0");
	expect_ctx("system_u:system_r:container_t:s0:c1,c2", "netfence_packet_t",
		   "system_u:system_r:netfence_packet_t:s0:c1,c2");
	expect_ctx("staff_u:staff_r:container_t:s0-s0:c0.c1023", "my_packet_t",
		   "staff_u:staff_r:my_packet_t:s0-s0:c0.c1023");
	/* no level (a policy without MLS) */
	expect_ctx("user_u:object_r:container_t", "netfence_packet_t",
		   "user_u:object_r:netfence_packet_t");
}

static void test_derive_malformed(void **state)
{
	static const char *bad[] = {
		"",
		"container_t",
		"system_u:system_r",
		"system_u::container_t:s0",
		":system_r:container_t:s0",
		"system_u:system_r:container_t:",
		"system_u:system_r:container_t:s0 ",
		"system_u:system_r:container_t:s0\n",
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		expect_bad(bad[i], "netfence_packet_t", "process.selinuxLabel: \"");
	expect_bad("system_u:system_r:container_t:s0", "bad:type", "selinux_packet_type");
	expect_bad("system_u:system_r:container_t:s0", "", "selinux_packet_type");
}

static void test_resolve_disabled(void **state)
{
	struct nf_error err = { 0 };
	char *ctx = (char *)"untouched";

	/* auto on a host without SELinux: no labels, whatever the process label */
	assert_int_equal(label_resolve(NF_SELINUX_AUTO, NULL, "system_u:system_r:container_t:s0",
				       "netfence_packet_t", false, &ctx, &err),
			 0);
	assert_null(ctx);
	ctx = (char *)"untouched";
	assert_int_equal(label_resolve(NF_SELINUX_OFF, NULL, "system_u:system_r:container_t:s0",
				       "netfence_packet_t", true, &ctx, &err),
			 0);
	assert_null(ctx);
	/* auto without a process label: nothing to derive from */
	ctx = (char *)"untouched";
	assert_int_equal(
		label_resolve(NF_SELINUX_AUTO, NULL, NULL, "netfence_packet_t", true, &ctx, &err),
		0);
	assert_null(ctx);

	/* an explicit context on a host without SELinux: refused, fail closed */
	ctx = (char *)"untouched";
	assert_int_equal(label_resolve(NF_SELINUX_CONTEXT, "system_u:system_r:netfence_packet_t:s0",
				       NULL, "netfence_packet_t", false, &ctx, &err),
			 -EINVAL);
	assert_string_equal(ctx, "untouched");
	assert_int_equal(err.kind, NF_EXIT_INPUT);
	assert_string_equal(err.msg, "io.netfence.selinux: SELinux is not enabled on this host; "
				     "an explicit context cannot be honoured");
}

static void test_context_shape(void **state)
{
	assert_true(label_context_ok("system_u:object_r:netfence_packet_t:s0"));
	assert_true(label_context_ok("system_u:object_r:netfence_packet_t:s0-s0:c0.c1023"));
	assert_false(label_context_ok("system_u:object_r"));
	assert_false(label_context_ok("a:b:c::"));
	assert_true(label_type_ok("netfence_packet_t"));
	assert_false(label_type_ok("netfence packet_t"));
	assert_false(label_type_ok("a:b"));
}

static void test_hostconf_packet_type(void **state)
{
	static const char *bad[] = {
		"{\"selinux_packet_type\": \"\"}",
		"{\"selinux_packet_type\": \"a:b\"}",
		"{\"selinux_packet_type\": 1}",
		"{\"selinux_packet_type\": null}",
	};
	struct nf_error err = { 0 };
	struct hostconf *hc = NULL;
	const char *ok = "{\"selinux_packet_type\": \"my_packet_t\", \"dns\": []}";

	assert_int_equal(hostconf_parse("{\"dns\": []}", 11, NULL, &hc, &err), 0);
	assert_string_equal(hc->selinux_packet_type, "netfence_packet_t");
	hostconf_free(hc);
	assert_int_equal(hostconf_parse(ok, strlen(ok), NULL, &hc, &err), 0);
	assert_string_equal(hc->selinux_packet_type, "my_packet_t");
	hostconf_free(hc);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(&err, 0, sizeof(err));
		assert_int_equal(hostconf_parse(bad[i], strlen(bad[i]), NULL, &hc, &err), -EINVAL);
		if (!strstr(err.msg, "\"selinux_packet_type\" must be an SELinux type name"))
			fail_msg("%s: %s", bad[i], err.msg);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_derive),
		cmocka_unit_test(test_derive_malformed),
		cmocka_unit_test(test_resolve_disabled),
		cmocka_unit_test(test_context_shape),
		cmocka_unit_test(test_hostconf_packet_type),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
