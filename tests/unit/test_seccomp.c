/* netfence: unit tests for the seccomp socket filter (lib/kernel/seccomp.c) and its merge into
 * config.json (runtime-spec/spec_write.c, hook/wrapper.c). The filter is loaded into forked
 * children, so the kernel itself says what is denied and with which errno; the merge keeps the
 * rules already there, drops the network capabilities, and is idempotent. */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "json.h"
#include "seccomp.h"
#include "seccomp_merge.h"
#include "spec.h"
#include "spec_write.h"
#include "util.h"
#include "wrapper.h"

#define HC "{\"dns\": [\"192.0.2.53\"]}"

static struct hostconf *hc_new(const char *json)
{
	struct nf_error err = { 0 };
	struct hostconf *hc = NULL;

	if (hostconf_parse(json, strlen(json), NULL, &hc, &err) < 0)
		fail_msg("host configuration: %s", err.msg);
	return hc;
}

static struct spec_config *config_of(const char *json)
{
	struct nf_error err = { 0 };
	struct spec_config *c = NULL;

	if (spec_config_parse(json, strlen(json), NULL, &c, &err) < 0)
		fail_msg("config: %s: %s", err.msg, json);
	return c;
}

static char *profile(enum nf_seccomp level, const struct nf_seccomp_archmap *map, size_t n_map)
{
	struct nf_error err = { 0 };
	char *out = NULL;
	size_t len;

	if (nf_seccomp_profile(level, map, n_map, &out, &len, &err) < 0)
		fail_msg("profile: %s", err.msg);
	assert_int_equal(strlen(out), len);
	return out;
}

/* {"linux": {"seccomp": <sc>}} plus what else */
static char *config_with(const char *sc, const char *extra)
{
	char *s;

	assert_true(asprintf(&s, "{%s\"linux\": {\"seccomp\": %s}}", extra ? extra : "", sc) > 0);
	return s;
}

/* ---- the JSON ---- */

static void test_profile_json(void **state)
{
	static const enum nf_seccomp levels[] = { NF_SECCOMP_INET, NF_SECCOMP_UNIX };
	static const char *const sub[] = { "SCMP_ARCH_X86", NULL };
	static const struct nf_seccomp_archmap map[] = { { "SCMP_ARCH_X86_64", sub } };

	for (size_t l = 0; l < 2; l++) {
		char *p = profile(levels[l], NULL, 0), *cfg = config_with(p, NULL), *again;
		struct spec_config *c = config_of(cfg);
		struct spec_doc *d = NULL;
		struct nf_error err = { 0 };
		size_t len;
		yajl_val v = NULL;

		/* strict JSON, and the hook's own check accepts it */
		assert_int_equal(json_parse_strict(p, strlen(p), "profile", &v, &err), 0);
		assert_true(YAJL_IS_STRING(json_get(v, "defaultAction")));
		assert_string_equal(json_get(v, "defaultAction")->u.string, "SCMP_ACT_ALLOW");
		assert_true(YAJL_IS_ARRAY(json_get(v, "architectures")));
		yajl_tree_free(v);
		assert_non_null(c->seccomp);
		assert_int_equal(nf_seccomp_check(levels[l], c, &err), 0);
		/* round trip: parsed and written back, the same document */
		assert_int_equal(spec_doc_parse(cfg, strlen(cfg), NULL, &d, &err), 0);
		assert_int_equal(spec_doc_serialize(d, &again, &len, &err), 0);
		spec_doc_free(d);
		d = NULL;
		assert_int_equal(spec_doc_parse(again, len, NULL, &d, &err), 0);
		{
			char *third;
			size_t len3;

			assert_int_equal(spec_doc_serialize(d, &third, &len3, &err), 0);
			assert_string_equal(again, third);
			free(third);
		}
		spec_doc_free(d);
		free(again);
		spec_config_free(c);
		free(cfg);
		free(p);
	}
	/* docker/podman: archMap instead of architectures */
	{
		char *p = profile(NF_SECCOMP_INET, map, 1);
		yajl_val v = NULL;
		struct nf_error err = { 0 };
		yajl_val am;

		assert_int_equal(json_parse_strict(p, strlen(p), "profile", &v, &err), 0);
		assert_null(json_get(v, "architectures"));
		am = json_get(v, "archMap");
		assert_true(YAJL_IS_ARRAY(am));
		assert_string_equal(json_get(am->u.array.values[0], "architecture")->u.string,
				    "SCMP_ARCH_X86_64");
		yajl_tree_free(v);
		free(p);
	}
}

/* ---- the filter in the kernel ---- */

static const uint64_t fams[] = { 0, 1, 2, 3, 4, 5, 9, 10, 15, 16, 17, 18, 38, 40, 44, 45, 46 };
static const uint64_t protos[] = { 0, 1, 6, 12, 17, 58, 255, 768 };

/* In the child: every denial the level's table predicts is the kernel's answer, with its
 * errno. Returns the number of mismatches (printed). */
static int check_denials(enum nf_seccomp level)
{
	int bad = 0;

	for (size_t f = 0; f < ARRAY_SIZE(fams); f++)
		for (uint64_t t = 0; t < 16; t++)
			for (size_t p = 0; p < ARRAY_SIZE(protos); p++) {
				const uint64_t a[3] = { fams[f], t | SOCK_CLOEXEC, protos[p] };
				int want, fd;

				if (!nf_seccomp_level_denies(level, "socket", a, &want))
					continue;
				errno = 0;
				fd = socket((int)a[0], (int)a[1], (int)a[2]);
				if (fd >= 0 || errno != want) {
					fprintf(stderr, "socket(%d, %d, %d): %d %s, want %s\n",
						(int)a[0], (int)t, (int)a[2], fd, strerror(errno),
						strerror(want));
					bad++;
				}
				if (fd >= 0)
					close(fd);
			}
	return bad;
}

static int try_socket(int f, int t, int p)
{
	int fd = socket(f, t, p);

	if (fd < 0)
		return -errno;
	close(fd);
	return 0;
}

#define EXPECT(cond)                                                                               \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "line %d: %s (errno %s)\n", __LINE__, #cond,               \
				strerror(errno));                                                  \
			bad++;                                                                     \
		}                                                                                  \
	} while (0)

#if defined(__x86_64__)
/* An i386 system call from this 64-bit process (int $0x80 uses the i386 table, and seccomp
 * sees AUDIT_ARCH_I386). */
static long i386_syscall(long nr, long a, long b, long c)
{
	long ret;

	__asm__ volatile("int $0x80" : "=a"(ret) : "a"(nr), "b"(a), "c"(b), "d"(c) : "memory");
	return ret;
}
#endif

static int child_inet(void)
{
	unsigned char params[120] = { 0 };
	int sv[2], bad = check_denials(NF_SECCOMP_INET);

	EXPECT(try_socket(AF_PACKET, SOCK_RAW, 0x300) == -EAFNOSUPPORT);
	EXPECT(try_socket(AF_INET, SOCK_RAW, 1) == -EPERM);
	EXPECT(try_socket(AF_INET6, SOCK_RAW | SOCK_NONBLOCK, 58) == -EPERM);
	EXPECT(try_socket(AF_INET, SOCK_PACKET, 0x300) == -EPERM);
	EXPECT(try_socket(AF_NETLINK, SOCK_RAW, 12 /* NETLINK_NETFILTER */) == -EPERM);
	EXPECT(try_socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, 12) == -EPERM);
	EXPECT(try_socket(AF_NETLINK, SOCK_RAW, 4 /* NETLINK_SOCK_DIAG */) == -EPERM);
	EXPECT(try_socket(40 /* AF_VSOCK */, SOCK_STREAM, 0) == -EAFNOSUPPORT);
	EXPECT(syscall(SYS_io_uring_setup, 1, params) < 0 && errno == EPERM);
	EXPECT(socketpair(AF_INET, SOCK_STREAM, 0, sv) < 0 && errno == EAFNOSUPPORT);

	EXPECT(try_socket(AF_INET, SOCK_STREAM, 0) == 0);
	EXPECT(try_socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0) == 0);
	EXPECT(try_socket(AF_INET, SOCK_DGRAM, 0) == 0);
	EXPECT(try_socket(AF_INET6, SOCK_STREAM, 0) == 0);
	/* ping sockets: creation is the kernel's call (ping_group_range), never the filter's */
	{
		int r = try_socket(AF_INET, SOCK_DGRAM, 1);

		EXPECT(r == 0 || r == -EACCES);
	}
	EXPECT(try_socket(AF_NETLINK, SOCK_RAW, 0) == 0);
	EXPECT(try_socket(AF_NETLINK, SOCK_DGRAM, 0) == 0);
	EXPECT(try_socket(AF_UNIX, SOCK_STREAM, 0) == 0);
	EXPECT(try_socket(AF_UNIX, SOCK_DGRAM, 0) == 0);
	EXPECT(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
#if defined(__x86_64__)
	/* i386: socketcall(SYS_SOCKET) and (SYS_SOCKETPAIR) refused before their arguments are
	 * read; another operation reaches the kernel (EBADF/EFAULT from a bad pointer) */
	EXPECT(i386_syscall(102, 1, 0, 0) == -EAFNOSUPPORT);
	EXPECT(i386_syscall(102, 8, 0, 0) == -EAFNOSUPPORT);
	EXPECT(i386_syscall(102, 3, 0, 0) != -EAFNOSUPPORT);
	/* i386 direct socket(2) (359) is filtered by its arguments */
	EXPECT(i386_syscall(359, AF_PACKET, SOCK_RAW, 0) == -EAFNOSUPPORT);
	EXPECT(i386_syscall(359, AF_INET, SOCK_RAW, 1) == -EPERM);
	{
		long fd = i386_syscall(359, AF_INET, SOCK_STREAM, 0);

		EXPECT(fd >= 0);
		if (fd >= 0)
			close((int)fd);
	}
#endif
	return bad;
}

static int child_unix(void)
{
	int sv[2], bad = check_denials(NF_SECCOMP_UNIX);

	EXPECT(try_socket(AF_INET, SOCK_STREAM, 0) == -EAFNOSUPPORT);
	EXPECT(try_socket(AF_NETLINK, SOCK_RAW, 0) == -EAFNOSUPPORT);
	EXPECT(try_socket(AF_UNIX, SOCK_STREAM, 0) == 0);
	EXPECT(socketpair(AF_UNIX, SOCK_DGRAM, 0, sv) == 0);
	return bad;
}

static void run_in_child(enum nf_seccomp level, int (*fn)(void))
{
	struct nf_error err = { 0 };
	scmp_filter_ctx ctx = NULL;
	int status;
	pid_t pid;

	assert_int_equal(nf_seccomp_filter_new(level, nf_seccomp_host_arches(), &ctx, &err), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		if (seccomp_load(ctx) < 0)
			_exit(100);
		_exit(fn() == 0 ? 0 : 1);
	}
	seccomp_release(ctx);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

static void test_filter_inet(void **state)
{
	run_in_child(NF_SECCOMP_INET, child_inet);
}

static void test_filter_unix(void **state)
{
	run_in_child(NF_SECCOMP_UNIX, child_unix);
}

/* The merged default-deny form (deny rules, then allow rules) under a default action of
 * ENOSYS, as runc builds it: the allow rules let exactly the level's sockets through. */
static int add_rules(scmp_filter_ctx ctx, const struct spec_sc_rule *r, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct scmp_arg_cmp c[3];
		int rc;

		for (size_t j = 0; j < r[i].n_args; j++)
			c[j] = (struct scmp_arg_cmp){ r[i].args[j].index,
						      (enum scmp_compare)r[i].args[j].op,
						      r[i].args[j].value, r[i].args[j].value_two };
		rc = seccomp_rule_add_array(
			ctx,
			r[i].errno_ret ? SCMP_ACT_ERRNO((uint32_t)r[i].errno_ret) : SCMP_ACT_ALLOW,
			seccomp_syscall_resolve_name(r[i].name), (unsigned)r[i].n_args, c);
		if (rc < 0) {
			fprintf(stderr, "rule %zu (%s): %s\n", i, r[i].name, strerror(-rc));
			return rc;
		}
	}
	return 0;
}

static int child_deny_default(void)
{
	int bad = 0;

	EXPECT(try_socket(AF_INET, SOCK_STREAM, 0) == 0);
	EXPECT(try_socket(AF_INET6, SOCK_DGRAM, 0) == 0);
	EXPECT(try_socket(AF_UNIX, SOCK_STREAM, 0) == 0);
	EXPECT(try_socket(AF_NETLINK, SOCK_RAW, 0) == 0);
	EXPECT(try_socket(AF_PACKET, SOCK_RAW, 0x300) == -EAFNOSUPPORT);
	EXPECT(try_socket(AF_INET, SOCK_RAW, 1) == -EPERM);
	EXPECT(try_socket(AF_NETLINK, SOCK_RAW, 12) == -EPERM);
#if defined(__x86_64__)
	EXPECT(i386_syscall(102, 1, 0, 0) == -EAFNOSUPPORT);
	EXPECT(i386_syscall(102, 3, 0, 0) != -EAFNOSUPPORT &&
	       i386_syscall(102, 3, 0, 0) != -ENOSYS);
#endif
	return bad;
}

static void test_filter_deny_default(void **state)
{
	/* what libc and the sanitizers need in the child */
	static const char *const keep[] = { "exit_group",
					    "exit",
					    "write",
					    "read",
					    "close",
					    "brk",
					    "mmap",
					    "munmap",
					    "mremap",
					    "mprotect",
					    "madvise",
					    "newfstatat",
					    "fstat",
					    "openat",
					    "readlink",
					    "pread64",
					    "ioctl",
					    "rt_sigprocmask",
					    "rt_sigreturn",
					    "rt_sigaction",
					    "sigaltstack",
					    "futex",
					    "getpid",
					    "gettid",
					    "tgkill",
					    "lseek",
					    "prctl",
					    "getrandom",
					    "sched_yield",
					    "nanosleep",
					    "clock_nanosleep",
					    "clock_gettime",
					    "prlimit64",
					    "getrlimit",
					    "uname",
					    "sched_getaffinity",
					    "getppid",
					    NULL };
	const struct spec_sc_rule *deny, *allow;
	size_t n_deny, n_allow;
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ERRNO(ENOSYS));
	int status;
	pid_t pid;

	assert_non_null(ctx);
	for (size_t i = 0; nf_seccomp_host_arches()[i]; i++) {
		char name[32];
		size_t k;

		/* "SCMP_ARCH_X86_64" -> "x86_64" */
		for (k = 0; nf_seccomp_host_arches()[i][10 + k] && k < sizeof(name) - 1; k++)
			name[k] = (char)tolower(nf_seccomp_host_arches()[i][10 + k]);
		name[k] = '\0';
		assert_int_not_equal(seccomp_arch_resolve_name(name), 0);
		seccomp_arch_add(ctx, seccomp_arch_resolve_name(name));
	}
	assert_int_equal(nf_seccomp_rules(NF_SECCOMP_INET, &deny, &n_deny, &allow, &n_allow), 0);
	assert_int_equal(add_rules(ctx, deny, n_deny), 0);
	assert_int_equal(add_rules(ctx, allow, n_allow), 0);
	for (size_t i = 0; keep[i]; i++)
		assert_int_equal(seccomp_rule_add(ctx, SCMP_ACT_ALLOW,
						  seccomp_syscall_resolve_name(keep[i]), 0),
				 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		if (seccomp_load(ctx) < 0)
			_exit(100);
		_exit(child_deny_default() == 0 ? 0 : 1);
	}
	seccomp_release(ctx);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	if (!WIFEXITED(status))
		fail_msg("child killed by signal %d", WTERMSIG(status));
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

/* ---- the merge ---- */

#define CAPS                                                                                       \
	"\"process\": {\"capabilities\": {\"bounding\": [\"CAP_NET_ADMIN\", \"CAP_KILL\", "        \
	"\"CAP_NET_RAW\"], \"effective\": [\"CAP_NET_RAW\"], \"permitted\": [\"CAP_KILL\", "       \
	"\"CAP_NET_ADMIN\"]}}, "
#define ANN(level) "\"annotations\": {\"io.netfence.policy\": \"restricted\"" level "}, "

/* Run the security edit on json; returns the result (the input when nothing changed). */
static char *secure(const char *json, const char *hcjson, bool *ret_changed)
{
	struct hostconf *hc = hc_new(hcjson ? hcjson : HC);
	struct spec_doc *d = NULL;
	struct nf_error err = { 0 };
	char *out;
	size_t len;
	bool changed;

	if (spec_doc_parse(json, strlen(json), NULL, &d, &err) < 0)
		fail_msg("parse: %s", err.msg);
	if (wrapper_secure_doc(d, hc, &changed, &err) < 0)
		fail_msg("secure: %s", err.msg);
	assert_int_equal(spec_doc_serialize(d, &out, &len, &err), 0);
	spec_doc_free(d);
	hostconf_free(hc);
	if (ret_changed)
		*ret_changed = changed;
	return out;
}

static bool denies(const struct spec_config *c, const char *sys, uint64_t a0, uint64_t a1,
		   uint64_t a2)
{
	const uint64_t a[3] = { a0, a1, a2 };

	return spec_seccomp_denies(c, sys, a);
}

static void test_merge_no_profile(void **state)
{
	const char *in = "{" CAPS ANN("") "\"linux\": {\"namespaces\": [{\"type\": \"network\"}]}}";
	char *out, *again;
	struct spec_config *c;
	struct nf_error err = { 0 };
	bool changed;

	out = secure(in, NULL, &changed);
	assert_true(changed);
	c = config_of(out);
	assert_non_null(c->seccomp);
	assert_true(spec_seccomp_has_arch(c, nf_seccomp_host_arches()[0]));
	assert_false(c->cap_net_admin);
	assert_false(c->cap_net_raw);
	assert_non_null(strstr(out, "\"CAP_KILL\""));
	assert_int_equal(nf_seccomp_check(NF_SECCOMP_INET, c, &err), 0);
	assert_true(c->seccomp_denies_nfnetlink);
	assert_true(c->has_netns);
	spec_config_free(c);
	/* idempotent */
	again = secure(out, NULL, &changed);
	assert_false(changed);
	assert_string_equal(again, out);
	free(again);
	free(out);
}

static void test_merge_keeps_rules(void **state)
{
	const char *in = "{" CAPS ANN(
		"") "\"linux\": {\"seccomp\": {\"defaultAction\": "
		    "\"SCMP_ACT_ALLOW\", \"architectures\": [\"SCMP_ARCH_X86_64\"], "
		    "\"syscalls\": [{\"names\": [\"mkdir\"], \"action\": \"SCMP_ACT_ERRNO\", "
		    "\"errnoRet\": 1}, {\"names\": [\"socket\", \"getpid\"], \"action\": "
		    "\"SCMP_ACT_ALLOW\"}, {\"names\": [\"socket\"], \"action\": "
		    "\"SCMP_ACT_KILL\", \"args\": [{\"index\": 0, \"value\": 99, \"op\": "
		    "\"SCMP_CMP_EQ\"}]}]}}}";
	char *out, *again;
	struct spec_config *c;
	struct nf_error err = { 0 };
	bool changed;

	out = secure(in, NULL, &changed);
	assert_true(changed);
	/* the old rules first, socket gone from the allowing one, the refusing ones intact */
	assert_non_null(strstr(out,
			       "\"syscalls\":[{\"names\":[\"mkdir\"],\"action\":"
			       "\"SCMP_ACT_ERRNO\",\"errnoRet\":1},{\"names\":[\"getpid\"],"
			       "\"action\":\"SCMP_ACT_ALLOW\"},{\"names\":[\"socket\"],\"action\":"
			       "\"SCMP_ACT_KILL\""));
	assert_non_null(strstr(out, "\"architectures\":[\"SCMP_ARCH_X86_64\"]"));
	c = config_of(out);
	assert_true(denies(c, "mkdir", 0, 0, 0));
	assert_false(denies(c, "getpid", 0, 0, 0));
	assert_true(denies(c, "socket", 17, 3, 0));
	assert_true(denies(c, "socket", 99, 1, 0));
	assert_false(denies(c, "socket", 2, 1, 0));
	assert_int_equal(nf_seccomp_check(NF_SECCOMP_INET, c, &err), 0);
	spec_config_free(c);
	again = secure(out, NULL, &changed);
	assert_false(changed);
	assert_string_equal(again, out);
	free(again);
	free(out);
}

static void test_merge_deny_default(void **state)
{
	/* a docker-style allow list: default deny, socket and socketcall allowed outright */
	const char *in = "{" ANN(
		"") "\"linux\": {\"seccomp\": {\"defaultAction\": "
		    "\"SCMP_ACT_ERRNO\", \"defaultErrnoRet\": 38, \"architectures\": "
		    "[\"SCMP_ARCH_X86_64\", \"SCMP_ARCH_X86\"], \"syscalls\": [{\"names\": "
		    "[\"read\", \"socket\", \"socketcall\", \"socketpair\", \"io_uring_setup\"], "
		    "\"action\": \"SCMP_ACT_ALLOW\"}]}}}";
	char *out, *again;
	struct spec_config *c;
	struct nf_error err = { 0 };
	bool changed;

	/* before: the hook's check refuses it (socket allowed outright) */
	c = config_of(in);
	assert_int_equal(nf_seccomp_check(NF_SECCOMP_INET, c, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "io.netfence.seccomp: \"inet\": linux.seccomp does not "
					"deny socket(0, 0, 0)"));
	spec_config_free(c);

	out = secure(in, NULL, &changed);
	assert_true(changed);
	c = config_of(out);
	assert_false(denies(c, "read", 0, 0, 0));
	assert_true(denies(c, "write", 0, 0, 0));
	assert_false(denies(c, "socket", 2, 1, 0));
	assert_false(denies(c, "socket", 10, 2 | SOCK_CLOEXEC, 58));
	assert_false(denies(c, "socket", 1, 1, 0));
	assert_false(denies(c, "socket", 16, 3, 0));
	assert_true(denies(c, "socket", 16, 3, 12));
	assert_true(denies(c, "socket", 17, 3, 0));
	assert_false(denies(c, "socketpair", 1, 1, 0));
	assert_true(denies(c, "socketpair", 2, 1, 0));
	assert_true(denies(c, "io_uring_setup", 0, 0, 0));
	assert_true(denies(c, "socketcall", 1, 0, 0));
	assert_true(denies(c, "socketcall", 8, 0, 0));
	assert_false(denies(c, "socketcall", 3, 0, 0));
	assert_int_equal(nf_seccomp_check(NF_SECCOMP_INET, c, &err), 0);
	spec_config_free(c);
	again = secure(out, NULL, &changed);
	assert_false(changed);
	free(again);
	free(out);
}

static void test_merge_conditional_allows(void **state)
{
	/* podman's default profile: socket allowed under conditions, NETLINK_AUDIT refused */
	const char *in = "{" ANN(
		"") "\"linux\": {\"seccomp\": {\"defaultAction\": \"SCMP_ACT_ERRNO\", "
		    "\"defaultErrnoRet\": 38, \"architectures\": [\"SCMP_ARCH_X86_64\", "
		    "\"SCMP_ARCH_X86\"], \"syscalls\": [{\"names\": [\"read\", \"socketcall\", "
		    "\"socketpair\"], \"action\": \"SCMP_ACT_ALLOW\"}, {\"names\": [\"socket\"], "
		    "\"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 22, \"args\": [{\"index\": 0, "
		    "\"value\": 16, \"op\": \"SCMP_CMP_EQ\"}, {\"index\": 2, \"value\": 9, \"op\": "
		    "\"SCMP_CMP_EQ\"}]}, {\"names\": [\"socket\"], \"action\": \"SCMP_ACT_ALLOW\", "
		    "\"args\": [{\"index\": 2, \"value\": 9, \"op\": \"SCMP_CMP_NE\"}]}, "
		    "{\"names\": "
		    "[\"socket\"], \"action\": \"SCMP_ACT_ALLOW\", \"args\": [{\"index\": 0, "
		    "\"value\": 16, \"op\": \"SCMP_CMP_NE\"}]}, {\"names\": [\"io_uring_setup\"], "
		    "\"action\": \"SCMP_ACT_ALLOW\", \"args\": [{\"index\": 0, \"value\": 1, "
		    "\"op\": "
		    "\"SCMP_CMP_BOGUS\"}]}]}}}";
	char *out, *again;
	struct spec_config *c;
	struct nf_error err = { 0 };
	bool changed;

	out = secure(in, NULL, &changed);
	assert_true(changed);
	c = config_of(out);
	assert_false(denies(c, "read", 0, 0, 0));
	assert_false(denies(c, "socket", 2, 1, 0));
	assert_false(denies(c, "socket", 2, 2, 1));
	assert_false(denies(c, "socket", 10, 2, 58));
	assert_false(denies(c, "socket", 1, 1, 0));
	assert_false(denies(c, "socket", 16, 3, 0));
	assert_true(denies(c, "socket", 16, 3, 9));
	assert_true(denies(c, "socket", 16, 3, 12));
	assert_true(denies(c, "socket", 17, 3, 0));
	assert_false(denies(c, "socketpair", 1, 1, 0));
	assert_true(denies(c, "socketpair", 2, 1, 0));
	assert_true(denies(c, "socketcall", 1, 0, 0));
	assert_false(denies(c, "socketcall", 3, 0, 0));
	assert_true(denies(c, "io_uring_setup", 0, 0, 0));
	assert_int_equal(nf_seccomp_check(NF_SECCOMP_INET, c, &err), 0);
	/* the kept refusal stays ahead of netfence's rules */
	assert_true(strstr(out, "\"errnoRet\":22") < strstr(out, "\"errnoRet\":97"));
	spec_config_free(c);
	again = secure(out, NULL, &changed);
	assert_false(changed);
	free(again);
	free(out);
}

static void test_merge_levels_and_allow(void **state)
{
	char *out;
	struct spec_config *c;
	struct nf_error err = { 0 };
	bool changed;

	/* unix */
	out = secure("{" CAPS ANN(", \"io.netfence.seccomp\": \"unix\"") "\"linux\": {}}", NULL,
		     &changed);
	c = config_of(out);
	assert_true(denies(c, "socket", 2, 1, 0));
	assert_false(denies(c, "socket", 1, 1, 0));
	assert_int_equal(nf_seccomp_check(NF_SECCOMP_UNIX, c, &err), 0);
	spec_config_free(c);
	free(out);

	/* off: no filter, the capabilities still go */
	out = secure("{" CAPS ANN(", \"io.netfence.seccomp\": \"off\"") "\"linux\": {}}", NULL,
		     &changed);
	assert_true(changed);
	c = config_of(out);
	assert_null(c->seccomp);
	assert_false(c->cap_net_admin);
	spec_config_free(c);
	free(out);

	/* allow.net_admin keeps them */
	out = secure("{" CAPS ANN("") "\"linux\": {}}",
		     "{\"dns\": [\"192.0.2.53\"], \"allow\": {\"net_admin\": true}}", &changed);
	c = config_of(out);
	assert_non_null(c->seccomp);
	assert_true(c->cap_net_admin);
	assert_true(c->cap_net_raw);
	spec_config_free(c);
	free(out);

	/* not netfence's container: untouched */
	out = secure("{" CAPS "\"linux\": {}}", NULL, &changed);
	assert_false(changed);
	c = config_of(out);
	assert_null(c->seccomp);
	assert_true(c->cap_net_admin);
	spec_config_free(c);
	free(out);
}

/* ---- the hook's check ---- */

static void test_check(void **state)
{
	struct nf_error err = { 0 };
	struct spec_config *c = config_of("{\"linux\": {}}");

	assert_int_equal(nf_seccomp_check(NF_SECCOMP_INET, c, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "io.netfence.seccomp: \"inet\": config.json has no "
					"linux.seccomp"));
	spec_config_free(c);

	/* everything but AF_VSOCK */
	c = config_of("{\"linux\": {\"seccomp\": {\"defaultAction\": \"SCMP_ACT_ALLOW\", "
		      "\"syscalls\": [{\"names\": [\"socket\"], \"action\": \"SCMP_ACT_ERRNO\", "
		      "\"args\": [{\"index\": 0, \"value\": 40, \"op\": \"SCMP_CMP_LT\"}]}, "
		      "{\"names\": [\"socket\"], \"action\": \"SCMP_ACT_ERRNO\", \"args\": "
		      "[{\"index\": 0, \"value\": 40, \"op\": \"SCMP_CMP_GT\"}]}, {\"names\": "
		      "[\"socketpair\", \"io_uring_setup\"], \"action\": \"SCMP_ACT_KILL\"}]}}}");
	assert_int_equal(nf_seccomp_check(NF_SECCOMP_UNIX, c, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "does not deny socket(40, 0, 0)"));
	spec_config_free(c);

	/* a denial after an unconditional allow counts for nothing (libseccomp drops it) */
	c = config_of("{\"linux\": {\"seccomp\": {\"defaultAction\": \"SCMP_ACT_ERRNO\", "
		      "\"syscalls\": [{\"names\": [\"socket\"], \"action\": \"SCMP_ACT_ALLOW\"}, "
		      "{\"names\": [\"socket\"], \"action\": \"SCMP_ACT_ERRNO\", \"args\": "
		      "[{\"index\": 0, \"value\": 1, \"op\": \"SCMP_CMP_NE\"}]}]}}}");
	assert_false(denies(c, "socket", 17, 3, 0));
	assert_int_equal(nf_seccomp_check(NF_SECCOMP_UNIX, c, &err), -EINVAL);
	spec_config_free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_profile_json),
		cmocka_unit_test(test_filter_inet),
		cmocka_unit_test(test_filter_unix),
		cmocka_unit_test(test_filter_deny_default),
		cmocka_unit_test(test_merge_no_profile),
		cmocka_unit_test(test_merge_keeps_rules),
		cmocka_unit_test(test_merge_deny_default),
		cmocka_unit_test(test_merge_conditional_allows),
		cmocka_unit_test(test_merge_levels_and_allow),
		cmocka_unit_test(test_check),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
