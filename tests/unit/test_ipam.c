/* netfence: unit tests of the address leases (lib/state/ipam.c): order, distinctness, release by the
 * holder only, exhaustion, IPv6 pools, and allocation racing from several processes. Each test
 * gets its own temporary state directory. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "ipam.h"

struct fixture {
	char dir[64];
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	snprintf(f->dir, sizeof(f->dir), "/tmp/nf-ipam-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	char cmd[128];
	pid_t pid;

	/* rm -r of our own mkdtemp directory: a test helper, never library code. */
	snprintf(cmd, sizeof(cmd), "%s", f->dir);
	pid = fork();
	if (pid == 0) {
		execlp("rm", "rm", "-rf", "--", cmd, (char *)NULL);
		_exit(127);
	}
	if (pid > 0)
		waitpid(pid, NULL, 0);
	free(f);
	return 0;
}

static struct nf_prefix pfx(const char *addr, int len)
{
	struct nf_prefix p = { .len = (uint8_t)len };

	p.addr.family = strchr(addr, ':') ? AF_INET6 : AF_INET;
	assert_int_equal(inet_pton(p.addr.family, addr, p.addr.a), 1);
	return p;
}

static struct nf_addr addr(const char *s)
{
	struct nf_addr a = { .family = strchr(s, ':') ? AF_INET6 : AF_INET };

	assert_int_equal(inet_pton(a.family, s, a.a), 1);
	return a;
}

static const char *str(const struct nf_addr *a, char *buf)
{
	return inet_ntop(a->family, a->a, buf, INET6_ADDRSTRLEN);
}

static void assert_addr(const struct nf_addr *a, const char *want)
{
	char buf[INET6_ADDRSTRLEN];

	assert_string_equal(str(a, buf), want);
}

static void read_lease(const char *dir, const char *name, char *buf, size_t size)
{
	char path[256];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/leases/%s", dir, name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	n = read(fd, buf, size - 1);
	assert_true(n >= 0);
	buf[n] = '\0';
	close(fd);
}

static bool lease_exists(const char *dir, const char *name)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/leases/%s", dir, name);
	return access(path, F_OK) == 0;
}

static int count_cb(const struct nf_addr *a, const char *id, void *arg)
{
	(*(int *)arg)++;
	return 0;
}

static int count_leases(const char *dir)
{
	struct nf_error err = { 0 };
	int n = 0;

	assert_int_equal(ipam_foreach(dir, count_cb, &n, &err), 0);
	return n;
}

static void test_order_and_distinct(void **state)
{
	struct fixture *f = *state;
	struct nf_prefix pool = pfx("10.213.0.0", 16);
	struct nf_error err = { 0 };
	struct nf_addr h, c;
	char want[32], buf[64];

	for (int i = 0; i < 5; i++) {
		char id[16];

		snprintf(id, sizeof(id), "c%d", i);
		assert_int_equal(ipam_alloc(f->dir, &pool, id, &h, &c, &err), 0);
		snprintf(want, sizeof(want), "10.213.0.%d", 2 * i);
		assert_addr(&h, want);
		snprintf(want, sizeof(want), "10.213.0.%d", 2 * i + 1);
		assert_addr(&c, want);
		snprintf(want, sizeof(want), "10.213.0.%d", 2 * i);
		read_lease(f->dir, want, buf, sizeof(buf));
		assert_string_equal(buf, id);
	}
	assert_int_equal(count_leases(f->dir), 5);
}

static void test_release_and_reuse(void **state)
{
	struct fixture *f = *state;
	struct nf_prefix pool = pfx("192.0.2.0", 29); /* 4 pairs */
	struct nf_error err = { 0 };
	struct nf_addr h[4], c, a;

	for (int i = 0; i < 4; i++) {
		char id[16];

		snprintf(id, sizeof(id), "c%d", i);
		assert_int_equal(ipam_alloc(f->dir, &pool, id, &h[i], &c, &err), 0);
	}
	/* Release by its holder: gone. */
	assert_int_equal(ipam_release(f->dir, &h[1], "c1", &err), 1);
	assert_false(lease_exists(f->dir, "192.0.2.2"));
	/* Released twice, or never leased: nothing to do. */
	assert_int_equal(ipam_release(f->dir, &h[1], "c1", &err), 0);
	a = addr("198.51.100.4");
	assert_int_equal(ipam_release(f->dir, &a, "c1", &err), 0);
	/* The freed pair is found after wrapping around. */
	assert_int_equal(ipam_alloc(f->dir, &pool, "new", &a, &c, &err), 0);
	assert_addr(&a, "192.0.2.2");
	assert_addr(&c, "192.0.2.3");
}

static void test_no_immediate_reuse(void **state)
{
	struct fixture *f = *state;
	struct nf_prefix pool = pfx("10.213.0.0", 16);
	struct nf_error err = { 0 };
	struct nf_addr h, c;

	assert_int_equal(ipam_alloc(f->dir, &pool, "a", &h, &c, &err), 0);
	assert_addr(&h, "10.213.0.0");
	assert_int_equal(ipam_release(f->dir, &h, "a", &err), 1);
	assert_int_equal(ipam_alloc(f->dir, &pool, "b", &h, &c, &err), 0);
	assert_addr(&h, "10.213.0.2");
}

static void test_release_other_id_refused(void **state)
{
	struct fixture *f = *state;
	struct nf_prefix pool = pfx("10.213.0.0", 16);
	struct nf_error err = { 0 };
	struct nf_addr h, c;
	char buf[64];

	assert_int_equal(ipam_alloc(f->dir, &pool, "owner", &h, &c, &err), 0);
	assert_int_equal(ipam_release(f->dir, &h, "intruder", &err), 0);
	assert_true(lease_exists(f->dir, "10.213.0.0"));
	read_lease(f->dir, "10.213.0.0", buf, sizeof(buf));
	assert_string_equal(buf, "owner");
	/* A prefix of the id is another id. */
	assert_int_equal(ipam_release(f->dir, &h, "own", &err), 0);
	assert_true(lease_exists(f->dir, "10.213.0.0"));
	assert_int_equal(ipam_release(f->dir, &h, "owner", &err), 1);
}

static void test_exhaustion(void **state)
{
	struct fixture *f = *state;
	struct nf_prefix pool = pfx("192.0.2.8", 29);
	struct nf_error err = { 0 };
	struct nf_addr h, c;
	char want[32];

	for (int i = 0; i < 4; i++) {
		assert_int_equal(ipam_alloc(f->dir, &pool, "x", &h, &c, &err), 0);
		snprintf(want, sizeof(want), "192.0.2.%d", 8 + 2 * i);
		assert_addr(&h, want);
	}
	assert_int_equal(ipam_alloc(f->dir, &pool, "y", &h, &c, &err), -ENOSPC);
	assert_int_equal(err.kind, 2);
	assert_string_equal(err.msg, "address pool 192.0.2.8/29 is full (4 leases)");
	assert_int_equal(count_leases(f->dir), 4);

	/* A /31 is one pair (RFC 3021: both addresses usable); a /32 holds none. */
	struct nf_prefix one = pfx("198.51.100.6", 31), none = pfx("198.51.100.9", 32);
	assert_int_equal(ipam_alloc(f->dir, &one, "z", &h, &c, &err), 0);
	assert_addr(&h, "198.51.100.6");
	assert_addr(&c, "198.51.100.7");
	assert_int_equal(ipam_alloc(f->dir, &one, "z2", &h, &c, &err), -ENOSPC);
	assert_int_equal(ipam_alloc(f->dir, &none, "z3", &h, &c, &err), -EINVAL);
}

static void test_default_pool_message(void **state)
{
	struct fixture *f = *state;
	struct nf_prefix pool = pfx("10.213.0.0", 16);
	struct nf_error err = { 0 };
	struct nf_addr h, c;
	char path[128];
	int fd;

	/* Fill the default pool quickly: pre-create every lease file but one. */
	assert_int_equal(ipam_alloc(f->dir, &pool, "first", &h, &c, &err), 0);
	for (int i = 1; i < 32768; i++) {
		snprintf(path, sizeof(path), "%s/leases/10.213.%d.%d", f->dir, (2 * i) / 256,
			 (2 * i) % 256);
		fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		assert_true(fd >= 0);
		assert_int_equal(write(fd, "x", 1), 1);
		close(fd);
	}
	assert_int_equal(ipam_alloc(f->dir, &pool, "late", &h, &c, &err), -ENOSPC);
	assert_string_equal(err.msg, "address pool 10.213.0.0/16 is full (32768 leases)");
}

static void test_ipv6(void **state)
{
	struct fixture *f = *state;
	struct nf_prefix pool = pfx("fd6e:6663::", 125); /* 4 pairs */
	struct nf_error err = { 0 };
	struct nf_addr h, c;
	char buf[64];

	assert_int_equal(ipam_alloc(f->dir, &pool, "a", &h, &c, &err), 0);
	assert_addr(&h, "fd6e:6663::");
	assert_addr(&c, "fd6e:6663::1");
	assert_int_equal(ipam_alloc(f->dir, &pool, "b", &h, &c, &err), 0);
	assert_addr(&h, "fd6e:6663::2");
	assert_addr(&c, "fd6e:6663::3");
	read_lease(f->dir, "fd6e:6663::2", buf, sizeof(buf));
	assert_string_equal(buf, "b");
	assert_int_equal(ipam_alloc(f->dir, &pool, "c", &h, &c, &err), 0);
	assert_int_equal(ipam_alloc(f->dir, &pool, "d", &h, &c, &err), 0);
	assert_addr(&c, "fd6e:6663::7");
	assert_int_equal(ipam_alloc(f->dir, &pool, "e", &h, &c, &err), -ENOSPC);
	assert_string_equal(err.msg, "address pool fd6e:6663::/125 is full (4 leases)");
	assert_int_equal(ipam_release(f->dir, &h, "d", &err), 1);

	/* The default /64 pool: carries across byte boundaries. */
	struct nf_prefix big = pfx("fd6e:6663::", 64);
	assert_int_equal(ipam_alloc(f->dir, &big, "big", &h, &c, &err), 0);
	assert_addr(&h, "fd6e:6663::6"); /* the first free pair of the big pool */
}

struct seen {
	struct nf_addr host[64];
	char id[64][32];
	int n;
};

static int collect_cb(const struct nf_addr *a, const char *id, void *arg)
{
	struct seen *s = arg;

	if (s->n >= 64)
		return -E2BIG;
	s->host[s->n] = *a;
	snprintf(s->id[s->n], sizeof(s->id[0]), "%s", id);
	s->n++;
	return 0;
}

static void test_concurrent(void **state)
{
	struct fixture *f = *state;
	struct nf_prefix pool = pfx("10.213.7.0", 24);
	struct nf_error err = { 0 };
	struct nf_addr got[64];
	struct seen seen = { 0 };
	int pipefd[2], n = 0;
	pid_t pids[8];

	assert_int_equal(pipe2(pipefd, O_CLOEXEC), 0);
	for (int i = 0; i < 8; i++) {
		pids[i] = fork();
		assert_true(pids[i] >= 0);
		if (pids[i] > 0)
			continue;
		close(pipefd[0]);
		for (int j = 0; j < 8; j++) {
			struct nf_error e = { 0 };
			struct nf_addr h, c;
			char id[32];

			snprintf(id, sizeof(id), "child%d-%d", i, j);
			if (ipam_alloc(f->dir, &pool, id, &h, &c, &e) < 0)
				_exit(1);
			if (write(pipefd[1], &h, sizeof(h)) != sizeof(h))
				_exit(2);
		}
		_exit(0);
	}
	close(pipefd[1]);
	for (int i = 0; i < 8; i++) {
		int status;

		assert_int_equal(waitpid(pids[i], &status, 0), pids[i]);
		assert_true(WIFEXITED(status));
		assert_int_equal(WEXITSTATUS(status), 0);
	}
	while (n < 64 && read(pipefd[0], &got[n], sizeof(got[0])) == sizeof(got[0]))
		n++;
	close(pipefd[0]);
	assert_int_equal(n, 64);
	for (int i = 0; i < 64; i++)
		for (int j = i + 1; j < 64; j++)
			assert_memory_not_equal(&got[i], &got[j], sizeof(got[i]));

	assert_int_equal(ipam_foreach(f->dir, collect_cb, &seen, &err), 0);
	assert_int_equal(seen.n, 64);
	for (int i = 0; i < 64; i++)
		for (int j = i + 1; j < 64; j++)
			assert_string_not_equal(seen.id[i], seen.id[j]);
	/* Every reported address is leased to exactly one id, inside the /24, even host end. */
	for (int i = 0; i < 64; i++) {
		assert_int_equal(seen.host[i].a[2], 7);
		assert_int_equal(seen.host[i].a[3] % 2, 0);
	}
}

static void test_foreach_empty(void **state)
{
	struct fixture *f = *state;
	struct nf_error err = { 0 };
	char missing[128];
	int n = 0;

	snprintf(missing, sizeof(missing), "%s/nothing-here", f->dir);
	assert_int_equal(ipam_foreach(missing, count_cb, &n, &err), 0);
	assert_int_equal(n, 0);
	struct nf_addr a = addr("10.213.0.0");
	assert_int_equal(ipam_release(missing, &a, "x", &err), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_order_and_distinct, setup, teardown),
		cmocka_unit_test_setup_teardown(test_release_and_reuse, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_immediate_reuse, setup, teardown),
		cmocka_unit_test_setup_teardown(test_release_other_id_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_exhaustion, setup, teardown),
		cmocka_unit_test_setup_teardown(test_default_pool_message, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ipv6, setup, teardown),
		cmocka_unit_test_setup_teardown(test_concurrent, setup, teardown),
		cmocka_unit_test_setup_teardown(test_foreach_empty, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
