/* netfence: unit tests of lib/kernel/caps.c. Each test drops capabilities in a forked child (a drop
 * cannot be undone) and checks the child's /proc/self/status and what the kernel still lets it
 * do; the child's exit status carries the result. Needs root. */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/capability.h>
#include <pthread.h>
#include <sched.h>
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

#include "caps.h"

/* The value of one "Key:" line of /proc/self/status, in hex (Cap*) or decimal (NoNewPrivs). */
static unsigned long long status_field(const char *key)
{
	char line[256];
	unsigned long long v = ~0ULL;
	size_t klen = strlen(key);
	FILE *f = fopen("/proc/self/status", "re");

	if (!f)
		return v;
	while (fgets(line, sizeof(line), f))
		if (strncmp(line, key, klen) == 0 && line[klen] == ':') {
			v = strtoull(line + klen + 1, NULL, strncmp(key, "Cap", 3) == 0 ? 16 : 10);
			break;
		}
	fclose(f);
	return v;
}

#define CHILD_CHECK(cond)                                                                          \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "child: %s:%d: %s\n", __FILE__, __LINE__, #cond);          \
			_exit(1);                                                                  \
		}                                                                                  \
	} while (0)

static void run_child(void (*fn)(void))
{
	int status = 0;
	pid_t pid;

	if (geteuid() != 0)
		skip();
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		fn();
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

static void child_keeps_only_listed(void)
{
	static const int keep[] = { CAP_NET_ADMIN, CAP_SYS_PTRACE };
	struct nf_error err = { 0 };
	int fd;

	CHILD_CHECK(caps_drop_to(keep, 2, &err) == 0);
	CHILD_CHECK(status_field("CapEff") == (1ULL << CAP_NET_ADMIN | 1ULL << CAP_SYS_PTRACE));
	CHILD_CHECK(status_field("CapPrm") == (1ULL << CAP_NET_ADMIN | 1ULL << CAP_SYS_PTRACE));
	CHILD_CHECK(status_field("CapInh") == 0);
	CHILD_CHECK(status_field("CapBnd") == 0);
	CHILD_CHECK(status_field("CapAmb") == 0);
	CHILD_CHECK(status_field("NoNewPrivs") == 1);
	CHILD_CHECK(prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) == 1);
	/* what went is really gone: a new mount namespace takes CAP_SYS_ADMIN */
	CHILD_CHECK(unshare(CLONE_NEWNS) < 0 && errno == EPERM);
	/* and cannot come back */
	CHILD_CHECK(prctl(PR_CAPBSET_READ, CAP_SYS_ADMIN, 0, 0, 0) == 0);
	/* what stayed works: a netlink socket is still there to use */
	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, 0);
	CHILD_CHECK(fd >= 0);
	close(fd);
}

static void test_keeps_only_listed(void **state)
{
	run_child(child_keeps_only_listed);
}

static void child_keeps_nothing(void)
{
	struct nf_error err = { 0 };

	CHILD_CHECK(caps_drop_to(NULL, 0, &err) == 0);
	CHILD_CHECK(status_field("CapEff") == 0);
	CHILD_CHECK(status_field("CapPrm") == 0);
	CHILD_CHECK(status_field("CapBnd") == 0);
	CHILD_CHECK(status_field("NoNewPrivs") == 1);
}

static void test_keeps_nothing(void **state)
{
	run_child(child_keeps_nothing);
}

/* An ambient capability raised before the drop does not survive it. */
static void child_clears_ambient(void)
{
	static const int keep[] = { CAP_NET_ADMIN };
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[2];
	struct nf_error err = { 0 };

	CHILD_CHECK(syscall(SYS_capget, &h, d) == 0);
	d[0].inheritable |= 1U << CAP_NET_RAW;
	CHILD_CHECK(syscall(SYS_capset, &h, d) == 0);
	CHILD_CHECK(prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, CAP_NET_RAW, 0, 0) == 0);
	CHILD_CHECK(status_field("CapAmb") == 1ULL << CAP_NET_RAW);
	CHILD_CHECK(caps_drop_to(keep, 1, &err) == 0);
	CHILD_CHECK(status_field("CapAmb") == 0);
	CHILD_CHECK(status_field("CapInh") == 0);
	CHILD_CHECK(status_field("CapEff") == 1ULL << CAP_NET_ADMIN);
}

static void test_clears_ambient(void **state)
{
	run_child(child_clears_ambient);
}

/* Without capabilities (an unprivileged validate) the drop still succeeds: nothing to keep,
 * the bounding set out of reach, no_new_privs set. */
static void child_unprivileged(void)
{
	static const int keep[] = { CAP_NET_ADMIN };
	struct nf_error err = { 0 };

	CHILD_CHECK(setresuid(65534, 65534, 65534) == 0);
	CHILD_CHECK(status_field("CapPrm") == 0);
	CHILD_CHECK(caps_drop_to(keep, 1, &err) == 0);
	CHILD_CHECK(status_field("CapEff") == 0);
	CHILD_CHECK(status_field("NoNewPrivs") == 1);
}

static void test_unprivileged(void **state)
{
	run_child(child_unprivileged);
}

static void *idle(void *arg)
{
	pause();
	return arg;
}

/* Capabilities belong to a thread: with a second thread alive the drop is refused. */
static void child_refuses_threads(void)
{
	static const int keep[] = { CAP_NET_ADMIN };
	struct nf_error err = { 0 };
	pthread_t t;

	CHILD_CHECK(pthread_create(&t, NULL, idle, NULL) == 0);
	CHILD_CHECK(caps_drop_to(keep, 1, &err) == -EBUSY);
	CHILD_CHECK(strstr(err.msg, "threads") != NULL);
	CHILD_CHECK(status_field("CapBnd") != 0);
}

static void test_refuses_threads(void **state)
{
	run_child(child_refuses_threads);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_keeps_only_listed), cmocka_unit_test(test_keeps_nothing),
		cmocka_unit_test(test_clears_ambient),	  cmocka_unit_test(test_unprivileged),
		cmocka_unit_test(test_refuses_threads),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
