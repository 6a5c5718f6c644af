/* netfence: unit tests for the runtime wrapper (hook/wrapper.c, runtime-spec/spec_write.c).
 * The bundle is found as runc and crun find it, hooks are added once and never twice, every
 * other value survives the rewrite, a bad config.json is left untouched, and the wrapper never
 * picks itself as the real runtime. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* asprintf */
#endif
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
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

#include "json.h"
#include "spec_write.h"
#include "wrapper.h"

/* ---- argv parsing ---- */

static int parse_v(enum wrapper_runtime rt, struct wrapper_args *a, struct nf_error *err,
		   const char *first, ...)
{
	char *argv[64];
	int argc = 0;
	va_list ap;

	argv[argc++] = "netfence-runtime";
	va_start(ap, first);
	for (const char *s = first; s; s = va_arg(ap, const char *))
		argv[argc++] = (char *)s;
	va_end(ap);
	argv[argc] = NULL;
	memset(err, 0, sizeof(*err));
	memset(a, 0xa5, sizeof(*a));
	return wrapper_parse_args(argc, argv, rt, a, err);
}

#define RUNC(a, err, ...) parse_v(WRAPPER_RUNC, a, err, __VA_ARGS__, NULL)
#define CRUN(a, err, ...) parse_v(WRAPPER_CRUN, a, err, __VA_ARGS__, NULL)
#define OTHER(a, err, ...) parse_v(WRAPPER_OTHER, a, err, __VA_ARGS__, NULL)

static void expect_bundle(const char *want, int r, const struct wrapper_args *a)
{
	assert_int_equal(r, 0);
	assert_true(a->edits);
	if (!want)
		assert_null(a->bundle);
	else
		assert_string_equal(a->bundle, want);
}

/* Refused, the message naming needle. */
static void expect_refused(const char *needle, int r, const struct nf_error *err)
{
	assert_int_equal(r, -EINVAL);
	if (!strstr(err->msg, needle))
		fail_msg("message \"%s\" does not name \"%s\"", err->msg, needle);
}

static void test_runtime_kind(void **state)
{
	assert_int_equal(wrapper_runtime_kind("/usr/sbin/runc"), WRAPPER_RUNC);
	assert_int_equal(wrapper_runtime_kind("runc"), WRAPPER_RUNC);
	assert_int_equal(wrapper_runtime_kind("/usr/bin/crun"), WRAPPER_CRUN);
	assert_int_equal(wrapper_runtime_kind("/usr/bin/runsc"), WRAPPER_OTHER);
	assert_int_equal(wrapper_runtime_kind("/opt/crun/bin/runc.amd64"), WRAPPER_OTHER);
}

/* The forms runc 1.1.5 was seen to read (runc --root R run ARGS with a missing bundle prints
 * "chdir BUNDLE") and to refuse ("Incorrect Usage"). */
static void test_runc_forms(void **state)
{
	struct wrapper_args a;
	struct nf_error err;

	expect_bundle("/b", RUNC(&a, &err, "create", "-b", "/b", "id"), &a);
	expect_bundle("/b", RUNC(&a, &err, "create", "--bundle", "/b", "id"), &a);
	expect_bundle("/b", RUNC(&a, &err, "create", "--bundle=/b", "id"), &a);
	expect_bundle("/b", RUNC(&a, &err, "create", "-b=/b", "id"), &a);
	expect_bundle("/b", RUNC(&a, &err, "run", "-bundle", "/b", "id"), &a);
	expect_bundle("/b", RUNC(&a, &err, "run", "-bundle=/b", "id"), &a);
	expect_bundle("/b", RUNC(&a, &err, "run", "--b", "/b", "id"), &a);
	/* flags after the id are moved before it (urfave/cli); the last one wins */
	expect_bundle("/b", RUNC(&a, &err, "run", "id", "--bundle", "/b"), &a);
	expect_bundle("/q7", RUNC(&a, &err, "run", "-b", "/q7", "id", "-d"), &a);
	expect_bundle("/c", RUNC(&a, &err, "run", "-b", "/b", "id", "-b", "/c"), &a);
	expect_bundle("/q4", RUNC(&a, &err, "run", "-b", "/q3", "-b=/q4", "id"), &a);
	/* a value that looks like an option is still the value */
	expect_bundle("-x", RUNC(&a, &err, "run", "-b", "-x", "id"), &a);
	expect_bundle("-d", RUNC(&a, &err, "run", "-b", "-d", "id"), &a);
	expect_bundle("-", RUNC(&a, &err, "run", "-b", "-", "id"), &a);
	/* booleans with values, single-dash long names, "--" before the id */
	expect_bundle("/b", RUNC(&a, &err, "run", "--detach=true", "-b", "/b", "id"), &a);
	expect_bundle("/b", RUNC(&a, &err, "run", "-d=1", "-b", "/b", "id"), &a);
	expect_bundle("/b", RUNC(&a, &err, "run", "-h=false", "-b", "/b", "id"), &a);
	expect_bundle("/b", RUNC(&a, &err, "run", "-pid-file", "x", "-b", "/b", "id"), &a);
	expect_bundle("/b", RUNC(&a, &err, "run", "-b", "/b", "--", "id"), &a);
	expect_bundle("/b",
		      RUNC(&a, &err, "run", "--pid-file", "/p", "--console-socket=/s",
			   "--preserve-fds", "3", "-d", "--keep", "--no-pivot", "--no-new-keyring",
			   "--no-subreaper", "-b", "/b", "id"),
		      &a);
	expect_bundle(NULL, RUNC(&a, &err, "create", "id"), &a);

	/* what runc refuses, refused before it runs */
	expect_refused("-bX", RUNC(&a, &err, "run", "-bX", "id"), &err);
	expect_refused("-db", RUNC(&a, &err, "run", "-db", "/b", "id"), &err);
	expect_refused("--bun", RUNC(&a, &err, "run", "--bun", "/b", "id"), &err);
	expect_refused("---b", RUNC(&a, &err, "run", "---b", "/b", "id"), &err);
	expect_refused("-d=yes", RUNC(&a, &err, "run", "-d=yes", "-b", "/b", "id"), &err);
	expect_refused("-b", RUNC(&a, &err, "run", "-b"), &err);
	expect_refused("-f", RUNC(&a, &err, "run", "-f", "o.json", "id"), &err);
	/* not exactly one id: -d takes "id" along, then parsing stops (Incorrect Usage) */
	expect_refused("exactly one", RUNC(&a, &err, "run", "-d", "id", "-b", "/b"), &err);
	expect_refused("exactly one", RUNC(&a, &err, "run", "--detach", "/r", "id"), &err);
	expect_refused("exactly one", RUNC(&a, &err, "run", "-b", "/b", "id", "extra"), &err);
	expect_refused("exactly one", RUNC(&a, &err, "run", "id", "--", "-b", "/b"), &err);
	expect_refused("exactly one", RUNC(&a, &err, "run", "--console-socket", "-b", "/b", "id"),
		       &err);
	expect_refused("exactly one", RUNC(&a, &err, "run", "-b", "/b"), &err);
	expect_refused("empty bundle", RUNC(&a, &err, "run", "-b", "", "id"), &err);
	/* create has no --detach */
	expect_refused("-d", RUNC(&a, &err, "create", "-d", "-b", "/b", "id"), &err);
}

/* The forms crun 1.8.1 was seen to read and to refuse. */
static void test_crun_forms(void **state)
{
	struct wrapper_args a;
	struct nf_error err;

	expect_bundle("/b", CRUN(&a, &err, "create", "-b", "/b", "id"), &a);
	expect_bundle("/b", CRUN(&a, &err, "create", "--bundle", "/b", "id"), &a);
	expect_bundle("/b", CRUN(&a, &err, "create", "--bundle=/b", "id"), &a);
	expect_bundle("/b", CRUN(&a, &err, "run", "-b/b", "id"), &a);
	/* -b=/b is the bundle "=/b" to argp */
	expect_bundle("=/b", CRUN(&a, &err, "run", "-b=/b", "id"), &a);
	/* abbreviations and clusters */
	expect_bundle("/b", CRUN(&a, &err, "run", "--bun", "/b", "id"), &a);
	expect_bundle("/b", CRUN(&a, &err, "run", "--b=/b", "id"), &a);
	expect_bundle("/b", CRUN(&a, &err, "run", "-db", "/b", "id"), &a);
	expect_bundle("/b", CRUN(&a, &err, "run", "-db/b", "id"), &a);
	expect_bundle("/b", CRUN(&a, &err, "run", "--no-p", "-b", "/b", "id"), &a);
	expect_bundle("/b", CRUN(&a, &err, "run", "--program-name", "x", "-b", "/b", "id"), &a);
	expect_bundle("/b", CRUN(&a, &err, "run", "--HANG=0", "-b", "/b", "id"), &a);
	expect_bundle("-x", CRUN(&a, &err, "run", "-b", "-x", "id"), &a);
	expect_bundle("/b", CRUN(&a, &err, "run", "-b", "/b", "--", "id"), &a);
	expect_bundle("/b", CRUN(&a, &err, "run", "-f", "o.json", "-b", "/b", "id"), &a);
	assert_string_equal(a.config, "o.json");
	expect_bundle("/b", CRUN(&a, &err, "run", "--conf=o.json", "--bundle=/b", "id"), &a);
	assert_string_equal(a.config, "o.json");
	expect_bundle("/b", CRUN(&a, &err, "run", "-dfo.json", "-b", "/b", "id"), &a);
	assert_string_equal(a.config, "o.json");
	expect_bundle(NULL, CRUN(&a, &err, "create", "id"), &a);

	/* a long option with one dash: argp reads -bundle as -b undle; refused */
	expect_refused("-bundle", CRUN(&a, &err, "run", "-bundle", "/b", "id"), &err);
	expect_refused("-bundle", CRUN(&a, &err, "run", "-bundle", "id"), &err);
	expect_refused("-bun", CRUN(&a, &err, "run", "-bun", "id"), &err);
	expect_refused("-config", CRUN(&a, &err, "run", "-config=o.json", "id"), &err);
	/* options after the id are arguments to crun: two arguments */
	expect_refused("exactly one", CRUN(&a, &err, "run", "id", "-b", "/b"), &err);
	expect_refused("exactly one", CRUN(&a, &err, "run", "--pid", "-b", "/b", "id"), &err);
	expect_refused("exactly one", CRUN(&a, &err, "run", "--", "-b", "/b"), &err);
	/* ambiguous, unknown, misused */
	expect_refused("--no", CRUN(&a, &err, "run", "--no", "-b", "/b", "id"), &err);
	expect_refused("--p=x", CRUN(&a, &err, "run", "--p=x", "-b", "/b", "id"), &err);
	expect_refused("--keep", CRUN(&a, &err, "run", "--keep", "-b", "/b", "id"), &err);
	expect_refused("--version", CRUN(&a, &err, "run", "--version", "id"), &err);
	expect_refused("-V", CRUN(&a, &err, "run", "-V", "id"), &err);
	expect_refused("--detach=1", CRUN(&a, &err, "run", "--detach=1", "id"), &err);
	expect_refused("-d", CRUN(&a, &err, "create", "-d", "id"), &err);
	expect_refused("2 arguments from \"id\"", CRUN(&a, &err, "run", "id", "-b"), &err);
	expect_refused("--bundle", CRUN(&a, &err, "run", "--bundle"), &err);
}

static void test_global_options(void **state)
{
	struct wrapper_args a;
	struct nf_error err;
	int r;

	/* runc, as containerd and podman call it */
	r = RUNC(&a, &err, "--root", "/run/x", "--log", "/l", "--log-format", "json", "--debug",
		 "--systemd-cgroup", "--criu", "c", "--rootless", "auto", "create", "--bundle",
		 "/b", "id");
	expect_bundle("/b", r, &a);
	assert_int_equal(a.cmd, 13);
	r = RUNC(&a, &err, "-root", "/r", "-log-format=json", "create", "-b", "/b", "id");
	expect_bundle("/b", r, &a);
	r = RUNC(&a, &err, "--root", "/r", "--", "run", "-b", "/b", "id");
	expect_bundle("/b", r, &a);
	assert_int_equal(a.cmd, 4);
	/* crun */
	r = CRUN(&a, &err, "--cgroup-manager=disabled", "--root=/r", "--rootless=false", "--log",
		 "/l", "--log-format", "json", "run", "-b", "/b", "id");
	expect_bundle("/b", r, &a);
	r = CRUN(&a, &err, "--ro", "/r", "--log-f", "text", "--deb", "--c", "disabled", "run", "-b",
		 "/b", "id");
	expect_bundle("/b", r, &a);
	assert_int_equal(a.cmd, 8);
	r = CRUN(&a, &err, "--root", "/r", "--", "run", "-b", "/b", "id");
	expect_bundle("/b", r, &a);
	/* a global option's value named like a command is not the command */
	r = RUNC(&a, &err, "--root", "create", "state", "id");
	assert_int_equal(r, 0);
	assert_false(a.edits);
	assert_int_equal(a.cmd, 3);
	r = CRUN(&a, &err, "--log", "run", "--root", "run", "run", "-b", "/b", "id");
	expect_bundle("/b", r, &a);
	assert_int_equal(a.cmd, 5);
	/* where create or run could follow, an option the runtime would not read is refused */
	expect_refused("--frobnicate", RUNC(&a, &err, "--frobnicate", "x", "create", "id"), &err);
	expect_refused("--lo", CRUN(&a, &err, "--lo", "x", "run", "-b", "/b", "id"), &err);
	expect_refused("-root", CRUN(&a, &err, "-root", "/r", "run", "-b", "/b", "id"), &err);
	expect_refused("--log-level", CRUN(&a, &err, "--log-level", "x", "run", "id"), &err);
	expect_refused("--ro", RUNC(&a, &err, "--ro", "/r", "run", "-b", "/b", "id"), &err);
	/* ... and where none can, the runtime's own error serves */
	r = RUNC(&a, &err, "--frobnicate", "x", "state", "id");
	assert_int_equal(r, 0);
	assert_false(a.edits);
	/* help and version run nothing */
	assert_int_equal(RUNC(&a, &err, "-v", "run", "-bX", "id"), 0);
	assert_false(a.edits);
	assert_int_equal(CRUN(&a, &err, "--version", "run", "-bundle", "id"), 0);
	assert_false(a.edits);
	assert_int_equal(CRUN(&a, &err, "run", "--help", "-bundle", "id"), 0);
	assert_false(a.edits);
	assert_int_equal(RUNC(&a, &err, "run", "--help", "-b", "/b", "id"), 0);
	assert_false(a.edits);
}

/* exec: the container id, the process file and a --cap naming one of the two capabilities. */
static void test_exec(void **state)
{
	struct nf_error err = { 0 };
	struct wrapper_args a;

	(void)state;
	assert_int_equal(RUNC(&a, &err, "--root", "/r", "exec", "--process", "/p.json", "--detach",
			      "--pid-file", "/x", "id"),
			 0);
	assert_true(a.exec);
	assert_false(a.edits);
	assert_string_equal(a.id, "id");
	assert_string_equal(a.process, "/p.json");
	assert_null(a.net_cap);
	/* runc reads exec's options before the id only: "-c" after it is the command's */
	assert_int_equal(RUNC(&a, &err, "exec", "-t", "id", "sh", "-c", "CAP_NET_ADMIN"), 0);
	assert_string_equal(a.id, "id");
	assert_null(a.net_cap);
	assert_null(a.process);
	assert_int_equal(RUNC(&a, &err, "exec", "-c", "CAP_CHOWN", "--cap=net_raw", "id", "sh"), 0);
	assert_string_equal(a.net_cap, "net_raw");
	assert_int_equal(RUNC(&a, &err, "exec", "-p=/q", "-c", "cap_net_admin", "id"), 0);
	assert_string_equal(a.process, "/q");
	assert_string_equal(a.net_cap, "cap_net_admin");
	/* crun: clusters, an optional -t value, prefixes */
	assert_int_equal(CRUN(&a, &err, "exec", "-dt", "-p", "/p.json", "id"), 0);
	assert_string_equal(a.id, "id");
	assert_string_equal(a.process, "/p.json");
	assert_int_equal(CRUN(&a, &err, "exec", "-t", "id", "sh", "-c", "NET_ADMIN"), 0);
	assert_string_equal(a.id, "id");
	assert_null(a.net_cap);
	assert_int_equal(CRUN(&a, &err, "exec", "--process=/q", "-cNET_ADMIN", "id"), 0);
	assert_string_equal(a.process, "/q");
	assert_string_equal(a.net_cap, "NET_ADMIN");
	/* another runtime: both read it alike */
	assert_int_equal(OTHER(&a, &err, "exec", "--process", "/p.json", "id"), 0);
	assert_string_equal(a.process, "/p.json");
	assert_string_equal(a.id, "id");
	/* an option neither reads: refused (the process file or a --cap could be missed) */
	expect_refused("--frobnicate", RUNC(&a, &err, "exec", "--frobnicate", "id"), &err);
	expect_refused("--proc", CRUN(&a, &err, "exec", "--proc=/q", "id"), &err);
}

/* Another runtime: read only where runc and crun agree. */
static void test_other_runtime(void **state)
{
	struct wrapper_args a;
	struct nf_error err;

	expect_bundle("/b", OTHER(&a, &err, "--root", "/r", "run", "--bundle", "/b", "id"), &a);
	expect_bundle("/b", OTHER(&a, &err, "create", "-b", "/b", "id"), &a);
	expect_refused("differently", OTHER(&a, &err, "run", "-b=/b", "id"), &err);
	expect_refused("-bundle", OTHER(&a, &err, "run", "-bundle", "/b", "id"), &err);
	expect_refused("-b/b", OTHER(&a, &err, "run", "-b/b", "id"), &err);
	assert_int_equal(OTHER(&a, &err, "--ro", "/r", "state", "id"), 0);
	assert_false(a.edits);
}

static void test_commands(void **state)
{
	/* (exec is read: test_exec) */
	static const char *const pass[] = { "state",  "kill",	"delete",    "start", "list",
					    "ps",     "spec",	"features",  "pause", "resume",
					    "update", "events", "checkpoint" };
	struct wrapper_args a;
	struct nf_error err;
	int r;

	for (size_t i = 0; i < sizeof(pass) / sizeof(pass[0]); i++) {
		/* options the wrapper does not know are fine after these commands */
		r = RUNC(&a, &err, "--root", "/r", pass[i], "--weird", "-b", "/b", "id");
		assert_int_equal(r, 0);
		assert_false(a.edits);
		assert_int_equal(a.cmd, 3);
		assert_null(a.bundle);
		r = CRUN(&a, &err, "--root", "/r", pass[i], "--weird", "-bundle", "id");
		assert_int_equal(r, 0);
		assert_false(a.edits);
		assert_int_equal(a.cmd, 3);
	}
	r = RUNC(&a, &err, "--version");
	assert_int_equal(r, 0);
	assert_int_equal(a.cmd, -1);
	assert_false(a.edits);
	r = CRUN(&a, &err, "-v");
	assert_int_equal(r, 0);
	assert_int_equal(a.cmd, -1);
	r = RUNC(&a, &err, "--root", "/r");
	assert_int_equal(r, 0);
	assert_int_equal(a.cmd, -1);
	/* commands are matched whole */
	r = CRUN(&a, &err, "RUN", "-b", "/b", "id");
	assert_int_equal(r, 0);
	assert_false(a.edits);
}

/* Capability names as runc (exact) and crun (libcap's cap_from_name) take them. */
static void test_cap_names(void **state)
{
	static const char *const admin[] = { "CAP_NET_ADMIN", "cap_net_admin", "Cap_Net_Admin",
					     "NET_ADMIN",     "net_admin",     "12",
					     "0xc",	      "014",	       "cap_net_admin,x",
					     "12abc",	      "CAP_NET_ADMIN=" };
	static const char *const other[] = { "cap_net_adminx",
					     " cap_net_admin",
					     "+12",
					     "64",
					     "99999999999999999999",
					     "",
					     "cap_",
					     "ALL",
					     "CAP_NET_ADMI" };

	for (size_t i = 0; i < sizeof(admin) / sizeof(admin[0]); i++)
		if (spec_cap_number(admin[i]) != 12)
			fail_msg("\"%s\" is not read as CAP_NET_ADMIN", admin[i]);
	for (size_t i = 0; i < sizeof(other) / sizeof(other[0]); i++)
		if (spec_cap_number(other[i]) == 12)
			fail_msg("\"%s\" is read as CAP_NET_ADMIN", other[i]);
	assert_int_equal(spec_cap_number("Cap_Net_Raw"), 13);
	assert_int_equal(spec_cap_number("0xd"), 13);
	assert_int_equal(spec_cap_number("cap_chown"), 0);
	assert_int_equal(spec_cap_number("CAP_CHECKPOINT_RESTORE"), 40);
	assert_int_equal(spec_cap_number("cap_sys_admin"), 21);
}

static void test_config_path(void **state)
{
	struct wrapper_args a = { .cmd = 1, .edits = true };
	struct nf_error err = { 0 };
	char cwd[PATH_MAX], want[PATH_MAX + 64];
	char *p = NULL;

	assert_non_null(getcwd(cwd, sizeof(cwd)));
	a.bundle = "/b";
	assert_int_equal(wrapper_config_path(&a, &p, &err), 0);
	assert_string_equal(p, "/b/config.json");
	free(p);
	a.bundle = "rel";
	assert_int_equal(wrapper_config_path(&a, &p, &err), 0);
	snprintf(want, sizeof(want), "%s/rel/config.json", cwd);
	assert_string_equal(p, want);
	free(p);
	a.bundle = NULL;
	assert_int_equal(wrapper_config_path(&a, &p, &err), 0);
	snprintf(want, sizeof(want), "%s/config.json", cwd);
	assert_string_equal(p, want);
	free(p);
	a.bundle = "/b";
	a.config = "config.json";
	assert_int_equal(wrapper_config_path(&a, &p, &err), 0);
	assert_string_equal(p, "/b/config.json");
	free(p);
	/* crun: another name is relative to the current directory, not the bundle */
	a.config = "o.json";
	assert_int_equal(wrapper_config_path(&a, &p, &err), 0);
	snprintf(want, sizeof(want), "%s/o.json", cwd);
	assert_string_equal(p, want);
	free(p);
	a.config = "/abs/o.json";
	assert_int_equal(wrapper_config_path(&a, &p, &err), 0);
	assert_string_equal(p, "/abs/o.json");
	free(p);
}

static void test_policy_applies(void **state)
{
	struct spec_kv none[] = { { "org.example", "x" } };
	struct spec_kv nf[] = { { "org.example", "x" }, { "io.netfence.egress", "" } };
	struct spec_kv sandbox[] = { { "io.netfence.policy", "restricted" },
				     { "io.kubernetes.cri.container-type", "sandbox" } };
	struct spec_kv crio[] = { { "io.netfence.policy", "restricted" },
				  { "io.kubernetes.cri-o.ContainerType", "sandbox" } };
	struct spec_kv app[] = { { "io.netfence.policy", "restricted" },
				 { "io.kubernetes.cri.container-type", "container" } };
	struct spec_kv near[] = { { "io.netfence", "restricted" }, { "io.netfencex.a", "b" } };

	for (int k = 0; k < 2; k++) {
		assert_false(wrapper_policy_applies(NULL, 0, false, k));
		assert_true(wrapper_policy_applies(NULL, 0, true, k));
		assert_false(wrapper_policy_applies(none, 1, false, k));
		assert_true(wrapper_policy_applies(none, 1, true, k));
		assert_true(wrapper_policy_applies(nf, 2, false, k));
		assert_true(wrapper_policy_applies(app, 2, false, k));
		assert_false(wrapper_policy_applies(near, 2, false, k));
	}
	/* a sandbox is skipped only on a Kubernetes host: elsewhere its author claims it */
	assert_false(wrapper_policy_applies(sandbox, 2, false, true));
	assert_false(wrapper_policy_applies(sandbox, 2, true, true));
	assert_false(wrapper_policy_applies(crio, 2, false, true));
	assert_true(wrapper_policy_applies(sandbox, 2, false, false));
	assert_true(wrapper_policy_applies(sandbox, 2, true, false));
	assert_true(wrapper_policy_applies(crio, 2, false, false));
}

/* ---- config.json editing ---- */

struct fixture {
	char dir[64];
	char cfg[128];
	char hostconf[128];
	char nf[128]; /* an executable standing in for the netfence binary */
};

static int fx_setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	int fd;

	if (!f)
		return -1;
	strcpy(f->dir, "/tmp/nf-wrapper-test.XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	snprintf(f->cfg, sizeof(f->cfg), "%s/config.json", f->dir);
	snprintf(f->hostconf, sizeof(f->hostconf), "%s/netfence.json", f->dir);
	snprintf(f->nf, sizeof(f->nf), "%s/netfence", f->dir);
	fd = open(f->nf, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0755);
	if (fd < 0)
		return -1;
	close(fd);
	*state = f;
	return 0;
}

static int rm_entry(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	return remove(path) < 0 ? -1 : 0;
}

static int fx_teardown(void **state)
{
	struct fixture *f = *state;

	nftw(f->dir, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
	free(f);
	return 0;
}

static void write_file(const char *path, const char *s, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, s, strlen(s)), (ssize_t)strlen(s));
	assert_int_equal(fchmod(fd, mode), 0);
	close(fd);
}

static char *read_text(const char *path)
{
	FILE *fp = fopen(path, "re");
	char *buf = calloc(1, 1 << 16);
	size_t n;

	assert_non_null(fp);
	assert_non_null(buf);
	n = fread(buf, 1, (1 << 16) - 1, fp);
	buf[n] = '\0';
	fclose(fp);
	return buf;
}

static int count_files(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	assert_non_null(d);
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			n++;
	closedir(d);
	return n;
}

static int add_hooks(struct fixture *f, bool *changed, struct nf_error *err)
{
	const struct wrapper_hook_opts o = { .env_bin = f->nf,
					     .self_exe = "/proc/self/exe",
					     .netfence_config = f->hostconf };

	memset(err, 0, sizeof(*err));
	*changed = false;
	return wrapper_add_hooks(f->cfg, &o, changed, err);
}

static int count_sub(const char *s, const char *needle)
{
	int n = 0;

	for (const char *p = s; (p = strstr(p, needle)); p += strlen(needle))
		n++;
	return n;
}

static const char *const annotated =
	"{\"ociVersion\": \"1.0.2\",\n"
	" \"big\": 123456789012345678901234567890, \"neg\": -0.0, \"f\": 1.50e3,\n"
	" \"i\": 9007199254740993, \"s\": \"caf\\u00e9 \\\"q\\\" \\\\ /\\n\\t\",\n"
	" \"t\": true, \"n\": null, \"e\": {}, \"a\": [[], [1, {\"x\": false}]],\n"
	" \"annotations\": {\"io.netfence.policy\": \"restricted\", \"z\": \"\"},\n"
	" \"hooks\": {\"prestart\": [{\"path\": \"/bin/true\"}]},\n"
	" \"linux\": {\"uidMappings\": [{\"containerID\": 0, \"size\": 4294967295}]}}\n";

static void test_add_hooks_once(void **state)
{
	struct fixture *f = *state;
	struct nf_error err;
	struct stat st;
	bool changed;
	char *before, *after, *again;
	yajl_val v = NULL, h;

	write_file(f->hostconf, "{\"dns\": [\"192.0.2.53\"]}", 0644);
	write_file(f->cfg, annotated, 0640);
	before = read_text(f->cfg);
	assert_int_equal(add_hooks(f, &changed, &err), 0);
	assert_true(changed);
	after = read_text(f->cfg);

	/* the numbers keep their text, strings their value */
	assert_non_null(strstr(after, "\"big\":123456789012345678901234567890,"));
	assert_non_null(strstr(after, "\"neg\":-0.0,"));
	assert_non_null(strstr(after, "\"f\":1.50e3,"));
	assert_non_null(strstr(after, "\"i\":9007199254740993,"));
	assert_non_null(strstr(after, "\"size\":4294967295}"));
	assert_non_null(strstr(after, "\"a\":[[],[1,{\"x\":false}]]"));
	assert_non_null(strstr(after, "\"e\":{}"));
	assert_int_equal(json_parse_strict(after, strlen(after), "out", &v, &err), 0);
	assert_string_equal(json_get(v, "s")->u.string, "caf\xc3\xa9 \"q\" \\ /\n\t");
	assert_true(YAJL_IS_TRUE(json_get(v, "t")));
	assert_true(YAJL_IS_NULL(json_get(v, "n")));
	/* key order kept: ociVersion first, linux last */
	assert_string_equal(v->u.object.keys[0], "ociVersion");
	assert_string_equal(v->u.object.keys[v->u.object.len - 1], "linux");

	/* the existing prestart hook stays; one createRuntime and one poststop entry added */
	h = json_get(v, "hooks");
	assert_int_equal(json_get(h, "prestart")->u.array.len, 1);
	assert_int_equal(json_get(h, "createRuntime")->u.array.len, 1);
	assert_int_equal(json_get(h, "poststop")->u.array.len, 1);
	{
		yajl_val e = json_get(h, "createRuntime")->u.array.values[0];
		yajl_val args = json_get(e, "args"), env = json_get(e, "env");
		char want[256];

		assert_string_equal(json_get(e, "path")->u.string, f->nf);
		assert_int_equal(args->u.array.len, 3);
		assert_string_equal(args->u.array.values[0]->u.string, "netfence");
		assert_string_equal(args->u.array.values[1]->u.string, "hook");
		assert_string_equal(args->u.array.values[2]->u.string, "createRuntime");
		assert_int_equal(env->u.array.len, 2);
		assert_memory_equal(env->u.array.values[0]->u.string, "PATH=/", 6);
		snprintf(want, sizeof(want), "NETFENCE_CONFIG=%s", f->hostconf);
		assert_string_equal(env->u.array.values[1]->u.string, want);
		/* a hung hook must not hang the runtime */
		assert_true(YAJL_IS_INTEGER(json_get(e, "timeout")));
		assert_int_equal(YAJL_GET_INTEGER(json_get(e, "timeout")), 30);
		assert_true(YAJL_IS_INTEGER(
			json_get(json_get(h, "poststop")->u.array.values[0], "timeout")));
	}
	yajl_tree_free(v);

	/* the file's mode survives, no temporary file is left */
	assert_int_equal(stat(f->cfg, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0640);
	assert_int_equal(count_files(f->dir), 3);

	/* a second create: nothing added, the file not rewritten */
	assert_int_equal(add_hooks(f, &changed, &err), 0);
	assert_false(changed);
	again = read_text(f->cfg);
	assert_string_equal(after, again);
	assert_int_equal(count_sub(again, "\"createRuntime\""), 2); /* key + args entry */
	assert_int_equal(count_sub(again, "\"poststop\""), 2);

	/* the rewritten file round-trips to itself */
	write_file(f->cfg, after, 0640);
	assert_int_equal(add_hooks(f, &changed, &err), 0);
	assert_false(changed);
	assert_string_not_equal(before, after);
	free(before);
	free(after);
	free(again);
}

/* crun -f other.json: the hooks are told which file the runtime read (NETFENCE_OCI_CONFIG) */
static void test_other_config_named(void **state)
{
	struct fixture *f = *state;
	const struct wrapper_hook_opts o = { .env_bin = f->nf,
					     .self_exe = "/proc/self/exe",
					     .other_config = true };
	struct nf_error err = { 0 };
	bool changed = false;
	yajl_val v = NULL;
	char *after, want[512];

	write_file(f->cfg,
		   "{\"annotations\": {\"io.netfence.policy\": \"none\", \"io.netfence.seccomp\": "
		   "\"off\"}}",
		   0644);
	assert_int_equal(wrapper_add_hooks(f->cfg, &o, &changed, &err), 0);
	assert_true(changed);
	after = read_text(f->cfg);
	assert_int_equal(json_parse_strict(after, strlen(after), "out", &v, &err), 0);
	for (int s = 0; s < 2; s++) {
		yajl_val e = json_get(json_get(v, "hooks"), s ? "poststop" : "createRuntime");
		yajl_val env = json_get(e->u.array.values[0], "env");

		/* no NETFENCE_CONFIG given: PATH and the file */
		assert_int_equal(env->u.array.len, 2);
		snprintf(want, sizeof(want), "NETFENCE_OCI_CONFIG=%s", f->cfg);
		assert_string_equal(env->u.array.values[1]->u.string, want);
	}
	yajl_tree_free(v);
	free(after);
}

static void test_existing_hook_kept(void **state)
{
	struct fixture *f = *state;
	struct nf_error err;
	bool changed;
	char *after, doc[512], want[256];

	write_file(f->hostconf, "{\"dns\": [\"192.0.2.53\"]}", 0644);
	/* a netfence hook under another path at createRuntime, the binary itself at poststop
	 * (seccomp off: the security edit has nothing to do either) */
	snprintf(doc, sizeof(doc),
		 "{\"annotations\": {\"io.netfence.policy\": \"none\", \"io.netfence.seccomp\": "
		 "\"off\"}, \"hooks\": {"
		 "\"createRuntime\": [{\"path\": \"/usr/bin/netfence\", \"args\": [\"netfence\", "
		 "\"hook\", \"createRuntime\"]}],"
		 "\"poststop\": [{\"path\": \"%s\"}]}}",
		 f->nf);
	write_file(f->cfg, doc, 0644);
	assert_int_equal(add_hooks(f, &changed, &err), 0);
	assert_false(changed);

	/* only the missing stage is added; "hooks": null is treated as absent */
	write_file(f->cfg,
		   "{\"annotations\": {\"io.netfence.policy\": \"none\"}, \"hooks\": {"
		   "\"createRuntime\": [{\"path\": \"/x\", \"args\": [\"nf\", \"hook\", "
		   "\"createRuntime\"]}], \"poststop\": null}}",
		   0644);
	assert_int_equal(add_hooks(f, &changed, &err), 0);
	assert_true(changed);
	after = read_text(f->cfg);
	snprintf(want, sizeof(want), "\"poststop\":[{\"path\":\"%s\"", f->nf);
	assert_non_null(strstr(after, want));
	snprintf(want, sizeof(want), "\"path\":\"%s\"", f->nf);
	assert_int_equal(count_sub(after, want), 1);
	free(after);

	write_file(f->cfg, "{\"annotations\": {\"io.netfence.policy\": \"none\"}, \"hooks\": null}",
		   0644);
	assert_int_equal(add_hooks(f, &changed, &err), 0);
	assert_true(changed);
	after = read_text(f->cfg);
	assert_int_equal(count_sub(after, want), 2);
	free(after);
}

static void test_not_applied(void **state)
{
	struct fixture *f = *state;
	struct nf_error err;
	bool changed;
	char *after;
	static const char *const docs[] = {
		"{\"ociVersion\": \"1.0.2\",  \"big\": 1e999}\n",
		"{\"annotations\": {\"org.example\": \"io.netfence.policy\"}}",
		"{\"annotations\": {\"io.netfence.policy\": \"restricted\", "
		"\"io.kubernetes.cri.container-type\": \"sandbox\"}}",
	};

	write_file(f->hostconf, "{\"dns\": [\"192.0.2.53\"], \"kubernetes\": true}", 0644);
	for (size_t i = 0; i < sizeof(docs) / sizeof(docs[0]); i++) {
		write_file(f->cfg, docs[i], 0644);
		assert_int_equal(add_hooks(f, &changed, &err), 0);
		assert_false(changed);
		after = read_text(f->cfg);
		assert_string_equal(after, docs[i]); /* byte-identical */
		free(after);
	}

	/* the netfence binary is looked for only when a policy applies */
	{
		const struct wrapper_hook_opts o = { .env_bin = "/nonexistent/netfence",
						     .self_exe = "/proc/self/exe",
						     .netfence_config = f->hostconf };

		write_file(f->cfg, docs[1], 0644);
		assert_int_equal(wrapper_add_hooks(f->cfg, &o, &changed, &err), 0);
		assert_false(changed);
		write_file(f->cfg, "{\"annotations\": {\"io.netfence.policy\": \"none\"}}", 0644);
		assert_int_equal(wrapper_add_hooks(f->cfg, &o, &changed, &err), -EINVAL);
		assert_non_null(strstr(err.msg, "NETFENCE_BIN"));
		after = read_text(f->cfg);
		assert_string_equal(after, "{\"annotations\": {\"io.netfence.policy\": \"none\"}}");
		free(after);
	}

	/* the host's default_policy makes an unannotated container fenced, not a sandbox */
	write_file(f->hostconf,
		   "{\"dns\": [\"192.0.2.53\"], \"default_policy\": \"restricted\", "
		   "\"kubernetes\": true}",
		   0644);
	write_file(f->cfg, docs[0], 0644);
	assert_int_equal(add_hooks(f, &changed, &err), 0);
	assert_true(changed);
	after = read_text(f->cfg);
	assert_non_null(strstr(after, "\"big\":1e999"));
	free(after);
	write_file(f->cfg, docs[2], 0644);
	assert_int_equal(add_hooks(f, &changed, &err), 0);
	assert_false(changed);
	/* without "kubernetes": true the sandbox annotation escapes nothing */
	write_file(f->hostconf, "{\"dns\": [\"192.0.2.53\"], \"default_policy\": \"restricted\"}",
		   0644);
	assert_int_equal(add_hooks(f, &changed, &err), 0);
	assert_true(changed);

	/* a broken host configuration is an error when it decides */
	write_file(f->hostconf, "{\"default_policy\": 7}", 0644);
	write_file(f->cfg, docs[0], 0644);
	assert_true(add_hooks(f, &changed, &err) < 0);
	after = read_text(f->cfg);
	assert_string_equal(after, docs[0]);
	free(after);
}

static void test_malformed(void **state)
{
	struct fixture *f = *state;
	struct nf_error err;
	bool changed;
	char *after;
	static const struct {
		const char *doc, *why;
	} bad[] = {
		{ "{\"annotations\": {\"io.netfence.policy\": \"restricted\", "
		  "\"io.netfence.policy\": \"none\"}}",
		  "duplicate key \"io.netfence.policy\"" },
		{ "{\"annotations\": {\"io.netfence.policy\": \"none\"}", "invalid JSON" },
		{ "{\"annotations\": {\"io.netfence.policy\": \"none\"}} x", "invalid JSON" },
		{ "", "invalid JSON" },
		{ "[]", "not a JSON object" },
		{ "{\"annotations\": []}", "\"annotations\" is not an object" },
		{ "{\"annotations\": {\"io.netfence.policy\": 1}}", "must be strings" },
		{ "{\"annotations\": {\"io.netfence.policy\": \"none\"}, \"hooks\": []}",
		  "\"hooks\" is not an object" },
		{ "{\"annotations\": {\"io.netfence.policy\": \"none\"}, \"hooks\": "
		  "{\"poststop\": {}}}",
		  "not an array" },
		{ "{\"annotations\": {\"io.netfence.policy\": \"none\"}, \"hooks\": "
		  "{\"poststop\": [1]}}",
		  "not an object" },
	};
	char prefix[160];

	write_file(f->hostconf, "{\"dns\": [\"192.0.2.53\"]}", 0644);
	snprintf(prefix, sizeof(prefix), "%s: ", f->cfg);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		write_file(f->cfg, bad[i].doc, 0644);
		assert_int_equal(add_hooks(f, &changed, &err), -EINVAL);
		if (strncmp(err.msg, prefix, strlen(prefix)) != 0 || !strstr(err.msg, bad[i].why))
			fail_msg("%zu: message \"%s\"", i, err.msg);
		assert_null(strchr(err.msg, '\n'));
		after = read_text(f->cfg);
		assert_string_equal(after, bad[i].doc);
		free(after);
		assert_int_equal(count_files(f->dir), 3);
	}

	/* deep nesting */
	{
		char deep[300] = "{\"a\":";
		size_t n = strlen(deep);

		for (int i = 0; i < 70; i++)
			deep[n++] = '[';
		for (int i = 0; i < 70; i++)
			deep[n++] = ']';
		deep[n++] = '}';
		deep[n] = '\0';
		write_file(f->cfg, deep, 0644);
		assert_int_equal(add_hooks(f, &changed, &err), -EINVAL);
		assert_non_null(strstr(err.msg, "deeper"));
	}

	/* a symlinked config.json is not followed */
	{
		char target[160];

		snprintf(target, sizeof(target), "%s/real.json", f->dir);
		write_file(target, "{\"annotations\": {\"io.netfence.policy\": \"none\"}}", 0644);
		unlink(f->cfg);
		assert_int_equal(symlink(target, f->cfg), 0);
		assert_true(add_hooks(f, &changed, &err) < 0);
		assert_non_null(strstr(err.msg, f->cfg));
		after = read_text(target);
		assert_string_equal(after, "{\"annotations\": {\"io.netfence.policy\": \"none\"}}");
		free(after);
		unlink(target);
	}

	/* missing */
	unlink(f->cfg);
	assert_true(add_hooks(f, &changed, &err) < 0);
	assert_non_null(strstr(err.msg, "No such file"));
}

static void test_size_cap(void **state)
{
	struct fixture *f = *state;
	struct nf_error err;
	bool changed;
	size_t n = SPEC_CONFIG_MAX + 10;
	char *big = malloc(n + 1);
	int fd;

	assert_non_null(big);
	memset(big, ' ', n);
	memcpy(big, "{\"annotations\": {\"io.netfence.policy\": \"none\"}}", 47);
	big[n] = '\0';
	fd = open(f->cfg, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, big, n), (ssize_t)n);
	close(fd);
	assert_int_equal(add_hooks(f, &changed, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "limit"));
	free(big);
}

/* ---- choosing the real runtime and the hook binary ---- */

static void make_exec(const char *path)
{
	write_file(path, "#!/bin/sh\nexit 0\n", 0755);
}

static void test_find_runtime(void **state)
{
	struct fixture *f = *state;
	struct nf_error err = { 0 };
	char self[PATH_MAX], d1[128], d2[128], p[256], path_env[300];
	char *rt = NULL;
	ssize_t len;

	/* d1 holds "runc" and "crun" symlinks to this program: the wrapper installed as runc */
	len = readlink("/proc/self/exe", self, sizeof(self) - 1);
	assert_true(len > 0);
	self[len] = '\0';
	snprintf(d1, sizeof(d1), "%s/d1", f->dir);
	snprintf(d2, sizeof(d2), "%s/d2", f->dir);
	assert_int_equal(mkdir(d1, 0755), 0);
	assert_int_equal(mkdir(d2, 0755), 0);
	snprintf(p, sizeof(p), "%s/runc", d1);
	assert_int_equal(symlink(self, p), 0);
	snprintf(p, sizeof(p), "%s/crun", d1);
	assert_int_equal(symlink(self, p), 0);

	/* only ourselves: refused */
	assert_int_equal(wrapper_find_runtime(NULL, d1, "/proc/self/exe", &rt, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "itself"));
	memset(&err, 0, sizeof(err));
	snprintf(p, sizeof(p), "%s/runc", d1);
	assert_int_equal(wrapper_find_runtime(p, d1, "/proc/self/exe", &rt, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "itself"));
	assert_int_equal(wrapper_find_runtime("runc", d1, "/proc/self/exe", &rt, &err), -EINVAL);
	assert_int_equal(wrapper_find_runtime(self, d1, "/proc/self/exe", &rt, &err), -EINVAL);

	/* a real crun later in PATH: the self candidates are skipped */
	snprintf(p, sizeof(p), "%s/crun", d2);
	make_exec(p);
	snprintf(path_env, sizeof(path_env), "%s::relative:%s", d1, d2);
	assert_int_equal(wrapper_find_runtime(NULL, path_env, "/proc/self/exe", &rt, &err), 0);
	assert_string_equal(rt, p);
	free(rt);
	rt = NULL;
	assert_int_equal(wrapper_find_runtime("crun", path_env, "/proc/self/exe", &rt, &err), 0);
	assert_string_equal(rt, p);
	free(rt);
	rt = NULL;
	/* runc is preferred over crun */
	snprintf(p, sizeof(p), "%s/runc", d2);
	make_exec(p);
	assert_int_equal(wrapper_find_runtime(NULL, path_env, "/proc/self/exe", &rt, &err), 0);
	assert_string_equal(rt, p);
	free(rt);
	rt = NULL;
	/* NETFENCE_RUNTIME wins, as a path or a name */
	assert_int_equal(wrapper_find_runtime(p, d1, "/proc/self/exe", &rt, &err), 0);
	assert_string_equal(rt, p);
	free(rt);
	rt = NULL;

	/* errors */
	assert_int_equal(wrapper_find_runtime("nope", d2, "/proc/self/exe", &rt, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "not found"));
	assert_int_equal(wrapper_find_runtime("rel/runc", d2, "/proc/self/exe", &rt, &err),
			 -EINVAL);
	assert_int_equal(wrapper_find_runtime("/nonexistent/runc", d2, "/proc/self/exe", &rt, &err),
			 -EINVAL);
	assert_int_equal(wrapper_find_runtime(NULL, f->dir, "/proc/self/exe", &rt, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "neither"));
	assert_null(rt);
}

static void test_netfence_bin(void **state)
{
	struct fixture *f = *state;
	struct nf_error err = { 0 };
	char bin[128], nf[160], link[160], fake[160];
	char *p = NULL;

	snprintf(bin, sizeof(bin), "%s/bin", f->dir);
	assert_int_equal(mkdir(bin, 0755), 0);
	snprintf(nf, sizeof(nf), "%s/netfence", bin);
	make_exec(nf);
	/* self_exe is read with readlink, as /proc/self/exe is */
	snprintf(link, sizeof(link), "%s/self", f->dir);
	snprintf(fake, sizeof(fake), "%s/netfence-runtime", bin);
	assert_int_equal(symlink(fake, link), 0);

	assert_int_equal(wrapper_netfence_bin(NULL, link, &p, &err), 0);
	assert_string_equal(p, nf);
	free(p);
	p = NULL;
	assert_int_equal(wrapper_netfence_bin(nf, "/proc/self/exe", &p, &err), 0);
	assert_string_equal(p, nf);
	free(p);
	p = NULL;
	assert_int_equal(wrapper_netfence_bin("netfence", link, &p, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "NETFENCE_BIN"));
	assert_int_equal(wrapper_netfence_bin("/nonexistent/netfence", link, &p, &err), -EINVAL);
	assert_null(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_runtime_kind),
		cmocka_unit_test(test_runc_forms),
		cmocka_unit_test(test_crun_forms),
		cmocka_unit_test(test_global_options),
		cmocka_unit_test(test_other_runtime),
		cmocka_unit_test(test_exec),
		cmocka_unit_test(test_commands),
		cmocka_unit_test(test_cap_names),
		cmocka_unit_test(test_config_path),
		cmocka_unit_test(test_policy_applies),
		cmocka_unit_test_setup_teardown(test_add_hooks_once, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_other_config_named, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_existing_hook_kept, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_not_applied, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_malformed, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_size_cap, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_find_runtime, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_netfence_bin, fx_setup, fx_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
