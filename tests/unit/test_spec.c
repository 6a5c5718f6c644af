/* netfence: unit tests for the OCI state and config.json parser (runtime-spec/spec.c).
 * Checks the size caps, strict types of the members netfence reads, the id rules, the network
 * namespace entry, annotations, and that config.json is never read through a symlink. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* F_SETPIPE_SZ */
#endif
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "spec.h"

static int state(const char *s, struct spec_state **ret, struct nf_error *err)
{
	memset(err, 0, sizeof(*err));
	*ret = NULL;
	return spec_state_parse(s, strlen(s), ret, err);
}

static void test_state_ok(void **st)
{
	struct nf_error err;
	struct spec_state *s;

	assert_int_equal(state("{\"ociVersion\": \"1.0.2\", \"id\": \"abc\", \"status\": "
			       "\"creating\", \"pid\": 42, \"bundle\": \"/b\", \"annotations\": "
			       "{\"io.netfence.policy\": \"restricted\"}, \"extra\": [1]}",
			       &s, &err),
			 0);
	assert_string_equal(s->id, "abc");
	assert_string_equal(s->oci_version, "1.0.2");
	assert_string_equal(s->status, "creating");
	assert_int_equal(s->pid, 42);
	assert_string_equal(s->bundle, "/b");
	assert_int_equal(s->n_annotations, 1);
	assert_string_equal(spec_annotation(s->annotations, s->n_annotations, "io.netfence.policy"),
			    "restricted");
	assert_null(spec_annotation(s->annotations, s->n_annotations, "x"));
	spec_state_free(s);

	/* crun poststop: pid 0; podman: no pid, no bundle */
	assert_int_equal(state("{\"id\": \"c\", \"pid\": 0}", &s, &err), 0);
	assert_int_equal(s->pid, 0);
	assert_null(s->bundle);
	spec_state_free(s);
	assert_int_equal(state("{\"id\": \"c\"}", &s, &err), 0);
	assert_int_equal(s->pid, 0);
	assert_int_equal(s->n_annotations, 0);
	spec_state_free(s);
}

static void test_state_bad(void **st)
{
	static const struct {
		const char *in, *why;
	} bad[] = {
		{ "{}", "\"id\" is missing" },
		{ "{\"id\": \"\"}", "\"id\" is missing or empty" },
		{ "{\"id\": \"a/b\"}", "\"id\" contains '/'" },
		{ "{\"id\": \"..\"}", "not a valid name" },
		{ "{\"id\": \"a\\nnetfence: b\"}", "\"id\" contains a control character" },
		{ "{\"id\": 5}", "\"id\" must be a string" },
		{ "{\"id\": \"a\", \"pid\": -1}", "\"pid\" must be a non-negative integer" },
		{ "{\"id\": \"a\", \"pid\": \"1\"}", "\"pid\"" },
		{ "{\"id\": \"a\", \"pid\": 1.5}", "\"pid\"" },
		{ "{\"id\": \"a\", \"pid\": 99999999999}", "\"pid\"" },
		{ "{\"id\": \"a\", \"bundle\": \"rel/dir\"}",
		  "\"bundle\" is not an absolute path" },
		{ "{\"id\": \"a\", \"bundle\": 1}", "\"bundle\" must be a string" },
		{ "{\"id\": \"a\", \"annotations\": []}", "\"annotations\" must be an object" },
		{ "{\"id\": \"a\", \"annotations\": {\"k\": 1}}",
		  "annotation \"k\" must be a string" },
		{ "{\"id\": \"a\", \"id\": \"b\"}", "duplicate key \"id\"" },
		{ "{\"id\": \"a\", \"annotations\": {\"k\": \"1\", \"k\": \"2\"}}",
		  "duplicate key \"k\"" },
		{ "[]", "not a JSON object" },
		{ "{\"id\": \"a\"", "invalid JSON" },
	};
	struct nf_error err;
	struct spec_state *s;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (state(bad[i].in, &s, &err) != -EINVAL)
			fail_msg("accepted %s", bad[i].in);
		assert_null(s);
		if (!strstr(err.msg, bad[i].why) || strncmp(err.msg, "state: ", 7) != 0)
			fail_msg("%s: message \"%s\" lacks \"%s\"", bad[i].in, err.msg, bad[i].why);
	}
}

static void test_state_limits(void **st)
{
	struct nf_error err;
	struct spec_state *s;
	size_t n = SPEC_STATE_MAX + 1;
	char *buf = malloc(n + 1), id[1100];
	int fds[2];

	/* id of 1024 bytes ok, 1025 refused */
	memset(id, 'x', 1025);
	id[1024] = '\0';
	snprintf(buf, n, "{\"id\": \"%s\"}", id);
	assert_int_equal(state(buf, &s, &err), 0);
	spec_state_free(s);
	id[1024] = 'x';
	id[1025] = '\0';
	snprintf(buf, n, "{\"id\": \"%s\"}", id);
	assert_int_equal(state(buf, &s, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "longer than 1024"));

	/* a state over 64 KiB is refused, whether parsed or read */
	memset(buf, ' ', n);
	memcpy(buf, "{\"id\": \"a\"}", 11);
	buf[n] = '\0';
	assert_int_equal(state(buf, &s, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "larger than the limit of 65536 bytes"));
	assert_int_equal(spec_state_parse(buf, n - 1, &s, &err), 0); /* exactly 64 KiB */
	spec_state_free(s);

	assert_int_equal(pipe(fds), 0);
	fcntl(fds[1], F_SETPIPE_SZ, 1024 * 1024);
	assert_int_equal(write(fds[1], buf, n), (ssize_t)n);
	close(fds[1]);
	assert_int_equal(spec_state_read(fds[0], &s, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "larger than the limit"));
	close(fds[0]);
	free(buf);
}

static int config(const char *s, const char *bundle, struct spec_config **ret, struct nf_error *err)
{
	memset(err, 0, sizeof(*err));
	*ret = NULL;
	return spec_config_parse(s, strlen(s), bundle, ret, err);
}

static void test_config_ok(void **st)
{
	struct nf_error err;
	struct spec_config *c;

	assert_int_equal(
		config("{\"ociVersion\": \"1.0.2\", \"root\": {\"path\": \"rootfs\"}, \"process\": "
		       "{\"selinuxLabel\": \"system_u:system_r:container_t:s0\"}, \"linux\": "
		       "{\"namespaces\": [{\"type\": \"pid\"}, {\"type\": \"network\", \"path\": "
		       "\"/var/run/netns/x\"}], \"seccomp\": {\"defaultAction\": "
		       "\"SCMP_ACT_ALLOW\"}}, \"annotations\": {\"a\": \"1\", \"b\": \"\"}}",
		       "/run/b", &c, &err),
		0);
	assert_string_equal(c->root_path, "/run/b/rootfs");
	assert_true(c->has_netns);
	assert_string_equal(c->netns_path, "/var/run/netns/x");
	assert_string_equal(c->selinux_label, "system_u:system_r:container_t:s0");
	assert_true(c->has_seccomp);
	assert_int_equal(c->n_annotations, 2);
	assert_string_equal(spec_annotation(c->annotations, c->n_annotations, "b"), "");
	spec_config_free(c);

	/* a new network namespace: entry without path; absolute root kept */
	assert_int_equal(config("{\"root\": {\"path\": \"/abs/root\"}, \"linux\": {\"namespaces\": "
				"[{\"type\": \"network\"}]}}",
				"/b", &c, &err),
			 0);
	assert_string_equal(c->root_path, "/abs/root");
	assert_true(c->has_netns);
	assert_null(c->netns_path);
	assert_false(c->has_seccomp);
	assert_null(c->selinux_label);
	spec_config_free(c);

	/* no network entry: the host's namespace */
	assert_int_equal(
		config("{\"linux\": {\"namespaces\": [{\"type\": \"mount\"}]}}", NULL, &c, &err),
		0);
	assert_false(c->has_netns);
	assert_null(c->root_path);
	spec_config_free(c);
}

static void test_config_bad(void **st)
{
	static const struct {
		const char *in, *why;
	} bad[] = {
		{ "{\"root\": {\"path\": 1}}", "\"path\" must be a string" },
		{ "{\"root\": []}", "\"root\" must be an object" },
		{ "{\"linux\": {\"namespaces\": {}}}", "\"linux.namespaces\" must be an array" },
		{ "{\"linux\": {\"namespaces\": [\"network\"]}}", "entries must be objects" },
		{ "{\"linux\": {\"namespaces\": [{\"path\": \"/x\"}]}}", "without a \"type\"" },
		{ "{\"linux\": {\"namespaces\": [{\"type\": \"network\", \"path\": 3}]}}",
		  "\"path\" must be a string" },
		{ "{\"linux\": {\"namespaces\": [{\"type\": \"network\", \"path\": \"rel\"}]}}",
		  "not absolute" },
		{ "{\"linux\": {\"namespaces\": [{\"type\": \"network\"}, {\"type\": \"network\", "
		  "\"path\": \"/x\"}]}}",
		  "two \"network\" entries" },
		{ "{\"linux\": {\"namespaces\": [{\"type\": \"network\", \"path\": \"/a\", "
		  "\"path\": "
		  "\"/b\"}]}}",
		  "duplicate key \"path\"" },
		{ "{\"linux\": {\"seccomp\": true}}", "\"linux.seccomp\" must be an object" },
		{ "{\"process\": {\"selinuxLabel\": []}}", "\"selinuxLabel\" must be a string" },
		{ "{\"annotations\": {\"io.netfence.policy\": true}}",
		  "annotation \"io.netfence.policy\" must be a string" },
		{ "{\"annotations\": {\"io.netfence.policy\": \"none\", \"io.netfence.policy\": "
		  "\"internet\"}}",
		  "duplicate key \"io.netfence.policy\"" },
		{ "{\"linux\": 1}", "\"linux\" must be an object" },
		/* read as runc reads it (keys ignoring case) or refused */
		{ "{\"linux\": {\"seccomp\": {\"defaultAction\": \"SCMP_ACT_ERRNO\"}, \"Seccomp\": "
		  "{\"defaultAction\": \"SCMP_ACT_ALLOW\"}}}",
		  "duplicate key \"Seccomp\" and \"seccomp\"" },
		{ "{\"Linux\": {\"namespaces\": [{\"type\": \"network\", \"path\": \"/x\"}]}}",
		  "key \"Linux\" must be spelled \"linux\"" },
		{ "{\"linux\": {\"Seccomp\": {}}}", "key \"Seccomp\" must be spelled \"seccomp\"" },
		{ "{\"process\": {\"capabilities\": {\"Bounding\": [\"CAP_NET_ADMIN\"]}}}",
		  "key \"Bounding\" must be spelled \"bounding\"" },
		{ "{\"annotations\": {}, \"Annotations\": {\"io.netfence.policy\": \"none\"}}",
		  "duplicate key \"Annotations\" and \"annotations\"" },
		{ "1", "not a JSON object" },
	};
	struct nf_error err;
	struct spec_config *c;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (config(bad[i].in, "/b", &c, &err) != -EINVAL)
			fail_msg("accepted %s", bad[i].in);
		assert_null(c);
		if (!strstr(err.msg, bad[i].why) || strncmp(err.msg, "config.json: ", 13) != 0)
			fail_msg("%s: message \"%s\" lacks \"%s\"", bad[i].in, err.msg, bad[i].why);
	}
}

static void test_config_files(void **st)
{
	char dir[] = "/tmp/nf-spec-XXXXXX", path[256], link[256], other[] = "/tmp/nf-spec-o-XXXXXX";
	struct nf_error err = { 0 };
	struct spec_config *c = NULL;
	FILE *f;
	char *big;

	assert_non_null(mkdtemp(dir));
	assert_non_null(mkdtemp(other));
	snprintf(path, sizeof(path), "%s/config.json", dir);
	f = fopen(path, "w");
	fputs("{\"root\": {\"path\": \"rootfs\"}}", f);
	fclose(f);
	assert_int_equal(spec_config_load(dir, NULL, &c, &err), 0);
	snprintf(link, sizeof(link), "%s/rootfs", dir);
	assert_string_equal(c->root_path, link);
	spec_config_free(c);
	assert_int_equal(spec_config_load_path(path, &c, &err), 0);
	assert_string_equal(c->root_path, link);
	spec_config_free(c);

	/* relative bundle refused; a symlinked config.json is never followed */
	assert_int_equal(spec_config_load("relative", NULL, &c, &err), -EINVAL);
	snprintf(link, sizeof(link), "%s/config.json", other);
	assert_int_equal(symlink(path, link), 0);
	assert_int_equal(spec_config_load(other, NULL, &c, &err), -ELOOP);
	assert_int_equal(err.kind, NF_EXIT_SYSTEM);
	assert_non_null(strstr(err.msg, "config.json"));
	unlink(link);
	assert_true(spec_config_load(other, NULL, &c, &err) == -ENOENT);

	/* over 4 MiB refused */
	big = malloc(SPEC_CONFIG_MAX + 2);
	memset(big, ' ', SPEC_CONFIG_MAX + 1);
	big[0] = '{';
	big[SPEC_CONFIG_MAX] = '}';
	big[SPEC_CONFIG_MAX + 1] = '\0';
	f = fopen(path, "w");
	fputs(big, f);
	fclose(f);
	assert_int_equal(spec_config_load(dir, NULL, &c, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "larger than the limit of 4194304 bytes"));
	assert_int_equal(spec_config_parse(big, SPEC_CONFIG_MAX + 1, "/b", &c, &err), -EINVAL);
	assert_int_equal(spec_config_parse(big + 1, SPEC_CONFIG_MAX - 1, "/b", &c, &err), -EINVAL);
	big[SPEC_CONFIG_MAX - 1] = '}';
	assert_int_equal(spec_config_parse(big, SPEC_CONFIG_MAX, "/b", &c, &err), 0);
	spec_config_free(c);
	free(big);
	unlink(path);
	rmdir(dir);
	rmdir(other);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_state_ok),     cmocka_unit_test(test_state_bad),
		cmocka_unit_test(test_state_limits), cmocka_unit_test(test_config_ok),
		cmocka_unit_test(test_config_bad),   cmocka_unit_test(test_config_files),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
