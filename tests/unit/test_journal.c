/* netfence: unit tests of the journal's host-side name reservations and state lock
 * (lib/state/journal.c), the owner fields it records, and nf_id_hex (lib/base/util.c). Each test gets
 * its own temporary state directory. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "journal.h"
#include "names.h"
#include "util.h"

struct fixture {
	char dir[64];
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	snprintf(f->dir, sizeof(f->dir), "/tmp/nf-journal-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	pid_t pid;

	/* rm -r of our own mkdtemp directory: a test helper, never library code. */
	pid = fork();
	if (pid == 0) {
		execlp("rm", "rm", "-rf", "--", f->dir, (char *)NULL);
		_exit(127);
	}
	if (pid > 0)
		waitpid(pid, NULL, 0);
	free(f);
	return 0;
}

/* The pair tests/collide/collide.c found for prefix "nf1234-c": same old suffix. */
#define COLLIDE_A "nf1234-cecf25e69ce34"
#define COLLIDE_B "nf1234-ceb3fc88c6155"

static void test_id_hex(void **state)
{
	char a[13], b[13];

	(void)state;
	nf_id_hex(COLLIDE_A, a);
	nf_id_hex(COLLIDE_B, b);
	assert_string_equal(a, "15e18538b403");
	assert_string_equal(a, b); /* why names are reserved, not derived */
	nf_id_hex("other", b);
	assert_int_equal(strlen(b), 12);
	assert_string_not_equal(a, b);
}

/* A journal recording hex for id, as set-up writes it. */
static void write_owner(const char *dir, const char *id, const char *hex)
{
	struct journal j = { .id = (char *)id, .complete = true, .pid = 1 };

	memcpy(j.hex, hex, 13);
	assert_int_equal(journal_write(dir, &j, NULL), 0);
}

static void test_names_distinct(void **state)
{
	struct fixture *f = *state;
	char ha[13], hb[13], want[13], path[256];

	nf_id_hex(COLLIDE_A, want);
	assert_int_equal(journal_name_reserve(f->dir, COLLIDE_A, ha, NULL), 0);
	assert_string_equal(ha, want); /* the first candidate derives from the id */
	write_owner(f->dir, COLLIDE_A, ha);
	assert_int_equal(journal_name_reserve(f->dir, COLLIDE_B, hb, NULL), 0);
	assert_string_not_equal(ha, hb);
	assert_int_equal(strspn(hb, "0123456789abcdef"), 12);
	write_owner(f->dir, COLLIDE_B, hb);

	/* releasing is only for the holder */
	assert_int_equal(journal_name_release(f->dir, ha, COLLIDE_B, NULL), 0);
	snprintf(path, sizeof(path), "%s/names/%s", f->dir, ha);
	assert_int_equal(access(path, F_OK), 0);
	assert_int_equal(journal_name_release(f->dir, ha, COLLIDE_A, NULL), 0);
	assert_int_not_equal(access(path, F_OK), 0);
}

static void test_names_stale(void **state)
{
	struct fixture *f = *state;
	char ha[13], hb[13], path[256];
	unsigned removed = 9;

	/* A reserved, then killed before its journal: the name is stale, B may take it */
	assert_int_equal(journal_name_reserve(f->dir, COLLIDE_A, ha, NULL), 0);
	assert_int_equal(journal_name_reserve(f->dir, COLLIDE_B, hb, NULL), 0);
	assert_string_equal(ha, hb);
	write_owner(f->dir, COLLIDE_B, hb);
	/* gc keeps live reservations, drops the rest */
	snprintf(path, sizeof(path), "%s/names/0123456789ab", f->dir);
	{
		int fd = open(path, O_WRONLY | O_CREAT, 0600);

		assert_true(fd >= 0);
		assert_int_equal(write(fd, "ghost", 5), 5);
		close(fd);
	}
	assert_int_equal(journal_name_sweep(f->dir, &removed, NULL), 0);
	assert_int_equal(removed, 1);
	assert_int_not_equal(access(path, F_OK), 0);
	snprintf(path, sizeof(path), "%s/names/%s", f->dir, hb);
	assert_int_equal(access(path, F_OK), 0);
}

/* A state directory from before reservations: the first one reserves every recorded name. */
static void test_names_seeded(void **state)
{
	struct fixture *f = *state;
	char ha[13], hb[13];

	nf_id_hex(COLLIDE_A, ha);
	write_owner(f->dir, COLLIDE_A, ha); /* no names/ directory yet */
	assert_int_equal(journal_name_reserve(f->dir, COLLIDE_B, hb, NULL), 0);
	assert_string_not_equal(ha, hb);
}

static void test_owner_fields(void **state)
{
	struct fixture *f = *state;
	struct journal j = { .id = "own", .complete = true, .pid = 42, .pid_start = 7 };
	struct journal_member buf;
	const struct journal_member *self;
	struct journal *r = NULL;

	memcpy(j.hex, "00000000abcd", 13);
	j.bundle = "/b/own";
	assert_int_equal(journal_member_add(&j, "own", 42, 7), 0);
	assert_int_equal(journal_member_add(&j, "other", 43, 8), 0);
	assert_int_equal(journal_write(f->dir, &j, NULL), 0);
	assert_int_equal(journal_read(f->dir, "own", &r, NULL), 0);
	assert_string_equal(r->bundle, "/b/own");
	assert_string_equal(r->hex, "00000000abcd");
	self = journal_self(r, &buf);
	assert_non_null(self);
	assert_string_equal(self->id, "own");
	assert_int_equal(self->pid, 42);
	journal_member_remove(r, "own");
	assert_null(journal_self(r, &buf));
	journal_free(r);
	for (size_t i = 0; i < j.n_members; i++)
		free(j.members[i].id);
	free(j.members);
}

/* The state file carries its format version; an older file (no version) still reads, a newer
 * one is refused by name rather than misread. */
static void put(const char *dir, const char *id, const char *text)
{
	char path[256];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s.json", dir, id);
	fp = fopen(path, "w");
	assert_non_null(fp);
	fputs(text, fp);
	fclose(fp);
}

static void test_version(void **state)
{
	struct fixture *f = *state;
	struct journal j = { .id = "ver", .complete = true, .pid = 1 };
	struct nf_error e = { 0 };
	struct journal *r = NULL;
	char path[256], buf[4096];
	FILE *fp;
	size_t n;

	memcpy(j.hex, "0000000000aa", 13);
	assert_int_equal(journal_write(f->dir, &j, NULL), 0);
	snprintf(path, sizeof(path), "%s/ver.json", f->dir);
	fp = fopen(path, "r");
	assert_non_null(fp);
	n = fread(buf, 1, sizeof(buf) - 1, fp);
	fclose(fp);
	buf[n] = 0;
	assert_non_null(strstr(buf, "\"version\":2,"));
	assert_int_equal(journal_read(f->dir, "ver", &r, NULL), 0);
	assert_false(r->host_known);
	journal_free(r);

	/* format 1: no host elements recorded (the older host layout) */
	put(f->dir, "v1",
	    "{\"version\":1,\"id\":\"v1\",\"hex\":\"0000000000dd\",\"complete\":true,"
	    "\"mode\":\"wire\",\"ifname\":\"nf0000000000dd\",\"netns_dev\":1,\"netns_ino\":2,"
	    "\"pid\":3,\"pid_start\":4,\"steps\":8,\"created\":5}");
	r = NULL;
	assert_int_equal(journal_read(f->dir, "v1", &r, NULL), 0);
	assert_false(r->host_known);
	assert_int_equal(r->steps, 8);
	journal_free(r);

	put(f->dir, "old",
	    "{\"id\":\"old\",\"hex\":\"0000000000bb\",\"complete\":true,"
	    "\"mode\":\"none\",\"netns_dev\":1,\"netns_ino\":2,\"pid\":3,"
	    "\"pid_start\":4,\"steps\":0,\"created\":5}");
	r = NULL;
	assert_int_equal(journal_read(f->dir, "old", &r, NULL), 0);
	assert_string_equal(r->hex, "0000000000bb");
	journal_free(r);

	put(f->dir, "new", "{\"version\":3,\"id\":\"new\",\"hex\":\"0000000000cc\"}");
	r = NULL;
	assert_true(journal_read(f->dir, "new", &r, &e) < 0);
	assert_null(r);
	assert_non_null(strstr(e.msg, "format version newer"));
}

/* The host table's elements: boxes recorded before the batch, read back exactly. */
static void test_host_boxes(void **state)
{
	struct fixture *f = *state;
	struct nf_box b4 = { .lo = { 192, 0, 2, 0 },
			     .hi = { 192, 0, 2, 255 },
			     .proto_lo = 6,
			     .proto_hi = 6,
			     .port_lo = 443,
			     .port_hi = 8443 };
	struct nf_box b6 = { .lo = { 0x20, 0x01, 0x0d, 0xb8 },
			     .proto_lo = 0,
			     .proto_hi = 255,
			     .port_lo = 0,
			     .port_hi = 65535 };
	struct journal j = { .id = "hb", .wire = true, .pid = 1 };
	struct journal *r = NULL;

	memset(b6.hi, 0xff, 16);
	memcpy(b6.hi, b6.lo, 4);
	memcpy(j.hex, "0000000000ee", 13);
	j.host[1] = (struct nf_boxset){ .family = AF_INET6, .v = &b6, .n = 1 };
	j.host[3] = (struct nf_boxset){ .family = AF_INET, .v = &b4, .n = 1 };
	j.host[4] = (struct nf_boxset){ .family = AF_INET, .v = &b4, .n = 1 };
	j.host_known = true;
	assert_int_equal(journal_write(f->dir, &j, NULL), 0);
	assert_int_equal(journal_read(f->dir, "hb", &r, NULL), 0);
	assert_true(r->host_known);
	assert_int_equal(r->host[0].n, 0);
	assert_int_equal(r->host[1].n, 1);
	assert_int_equal(r->host[1].family, AF_INET6);
	assert_memory_equal(&r->host[1].v[0], &b6, sizeof(b6));
	assert_int_equal(r->host[3].n, 1);
	assert_memory_equal(&r->host[3].v[0], &b4, sizeof(b4));
	assert_int_equal(r->host[4].n, 1);
	journal_free(r);

	put(f->dir, "bad",
	    "{\"version\":2,\"id\":\"bad\",\"hex\":\"0000000000ff\","
	    "\"host\":{\"eg4\":[\"zz\"]}}");
	r = NULL;
	assert_true(journal_read(f->dir, "bad", &r, NULL) < 0);
}

/* The "dns" object of a live-DNS fence: written by the set-up, read back exactly, absent
 * means static mode, a malformed one is an error naming the file. */
static void test_dns(void **state)
{
	struct fixture *f = *state;
	struct nf_addr up[2];
	char *rules[] = { "pypi.org:443", "*.openai.com:443", "example.net" };
	char *names[] = { "*", "*.extra.example", "exact.example" };
	struct journal_dns d = { .upstreams = up,
				 .n_upstreams = 2,
				 .rules = rules,
				 .n_rules = 3,
				 .names = names,
				 .n_names = 3,
				 .nxdomain = true,
				 .min_ttl = 0,
				 .max_ttl = 604800,
				 .max_names = 7,
				 .max_qps = 9 };
	struct journal j = { .id = "dn", .complete = true, .pid = 1, .dns = &d };
	struct nf_error e = { 0 };
	struct journal *r = NULL;
	char buf[64];
	static const struct {
		const char *dns, *what;
	} bad[] = {
		{ "[]", "not an object" },
		{ "{}", "empty" },
		{ "{\"upstreams\":[\"1.2.3\"],\"rules\":[],\"names\":[],\"refuse\":\"refused\","
		  "\"min_ttl\":1,\"max_ttl\":2,\"max_names\":3,\"max_qps\":4}",
		  "bad upstream" },
		{ "{\"upstreams\":[],\"rules\":[\"10.0.0.1:443\"],\"names\":[],\"refuse\":"
		  "\"refused\",\"min_ttl\":1,\"max_ttl\":2,\"max_names\":3,\"max_qps\":4}",
		  "an address rule" },
		{ "{\"upstreams\":[],\"rules\":[\"a b\"],\"names\":[],\"refuse\":"
		  "\"refused\",\"min_ttl\":1,\"max_ttl\":2,\"max_names\":3,\"max_qps\":4}",
		  "a bad rule" },
		{ "{\"upstreams\":[],\"rules\":[],\"names\":[\"UPPER.example\"],\"refuse\":"
		  "\"refused\",\"min_ttl\":1,\"max_ttl\":2,\"max_names\":3,\"max_qps\":4}",
		  "a name not in the stored form" },
		{ "{\"upstreams\":[],\"rules\":[],\"names\":[1],\"refuse\":"
		  "\"refused\",\"min_ttl\":1,\"max_ttl\":2,\"max_names\":3,\"max_qps\":4}",
		  "a name not a string" },
		{ "{\"upstreams\":[],\"rules\":[],\"names\":[],\"refuse\":\"drop\","
		  "\"min_ttl\":1,\"max_ttl\":2,\"max_names\":3,\"max_qps\":4}",
		  "bad refuse" },
		{ "{\"upstreams\":[],\"rules\":[],\"names\":[],\"refuse\":\"refused\","
		  "\"min_ttl\":3,\"max_ttl\":2,\"max_names\":3,\"max_qps\":4}",
		  "min_ttl above max_ttl" },
		{ "{\"upstreams\":[],\"rules\":[],\"names\":[],\"refuse\":\"refused\","
		  "\"min_ttl\":1,\"max_ttl\":2,\"max_names\":0,\"max_qps\":4}",
		  "max_names 0" },
		{ "{\"upstreams\":[],\"rules\":[],\"names\":[],\"refuse\":\"refused\","
		  "\"min_ttl\":1,\"max_ttl\":2,\"max_names\":3}",
		  "no max_qps" },
	};

	assert_int_equal(nf_addr_parse("203.0.113.53", &up[0]), 0);
	assert_int_equal(nf_addr_parse("2001:db8::53", &up[1]), 0);
	memcpy(j.hex, "0000000000d1", 13);
	assert_int_equal(journal_write(f->dir, &j, NULL), 0);
	assert_int_equal(journal_read(f->dir, "dn", &r, NULL), 0);
	assert_non_null(r->dns);
	assert_int_equal(r->dns->n_upstreams, 2);
	assert_string_equal(nf_addr_str(&r->dns->upstreams[0], buf, sizeof(buf)), "203.0.113.53");
	assert_string_equal(nf_addr_str(&r->dns->upstreams[1], buf, sizeof(buf)), "2001:db8::53");
	assert_int_equal(r->dns->n_rules, 3);
	for (size_t i = 0; i < 3; i++) {
		assert_string_equal(r->dns->rules[i], rules[i]);
		assert_string_equal(r->dns->names[i], names[i]);
	}
	assert_int_equal(r->dns->n_names, 3);
	assert_true(r->dns->nxdomain);
	assert_int_equal(r->dns->min_ttl, 0);
	assert_int_equal(r->dns->max_ttl, 604800);
	assert_int_equal(r->dns->max_names, 7);
	assert_int_equal(r->dns->max_qps, 9);
	journal_free(r);

	/* refused, and empty lists */
	d = (struct journal_dns){ .min_ttl = 60, .max_ttl = 86400, .max_names = 1, .max_qps = 1 };
	assert_int_equal(journal_write(f->dir, &j, NULL), 0);
	r = NULL;
	assert_int_equal(journal_read(f->dir, "dn", &r, NULL), 0);
	assert_non_null(r->dns);
	assert_false(r->dns->nxdomain);
	assert_int_equal(r->dns->n_upstreams + r->dns->n_rules + r->dns->n_names, 0);
	assert_int_equal(r->dns->min_ttl, 60);
	journal_free(r);

	/* static mode: no object, and the format stays 2 */
	j.dns = NULL;
	assert_int_equal(journal_write(f->dir, &j, NULL), 0);
	r = NULL;
	assert_int_equal(journal_read(f->dir, "dn", &r, NULL), 0);
	assert_null(r->dns);
	journal_free(r);
	put(f->dir, "dz",
	    "{\"version\":2,\"id\":\"dz\",\"hex\":\"0000000000d2\",\"netns_dev\":1,"
	    "\"netns_ino\":2,\"pid\":3,\"pid_start\":4,\"steps\":0,\"created\":5,\"dns\":null}");
	r = NULL;
	assert_int_equal(journal_read(f->dir, "dz", &r, NULL), 0);
	assert_null(r->dns);
	journal_free(r);

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char text[1024];

		snprintf(text, sizeof(text),
			 "{\"version\":2,\"id\":\"dx\",\"hex\":\"0000000000d3\",\"netns_dev\":1,"
			 "\"netns_ino\":2,\"pid\":3,\"pid_start\":4,\"steps\":0,\"created\":5,"
			 "\"dns\":%s}",
			 bad[i].dns);
		put(f->dir, "dx", text);
		r = NULL;
		memset(&e, 0, sizeof(e));
		if (journal_read(f->dir, "dx", &r, &e) != -EINVAL)
			fail_msg("read a dns object with %s", bad[i].what);
		assert_null(r);
		if (!strstr(e.msg, "/dx.json: \"dns\" is malformed"))
			fail_msg("%s: message \"%s\"", bad[i].what, e.msg);
	}
}

static void test_lock_timeout(void **state)
{
	struct fixture *f = *state;
	struct nf_error err = { 0 };
	char path[256], want[64];
	int p[2], fd, lk;
	pid_t child;
	char c;
	time_t t0;

	/* a child holds the lock */
	assert_int_equal(pipe(p), 0);
	child = fork();
	assert_true(child >= 0);
	if (child == 0) {
		int l = journal_lock(f->dir, NULL);

		(void)!write(p[1], "x", 1);
		pause();
		_exit(l < 0);
	}
	assert_int_equal(read(p[0], &c, 1), 1);
	t0 = time(NULL);
	fd = journal_lock_timeout(f->dir, 1, &err);
	assert_true(fd < 0);
	assert_true(time(NULL) - t0 <= 3);
	snprintf(want, sizeof(want), "held by pid %d", (int)child);
	assert_non_null(strstr(err.msg, want));
	assert_non_null(strstr(err.msg, "lock_timeout"));

	/* freed: taken at once, and noted as ours */
	kill(child, SIGKILL);
	waitpid(child, NULL, 0);
	lk = journal_lock_timeout(f->dir, 1, &err);
	assert_true(lk >= 0);
	snprintf(path, sizeof(path), "%s/.lock", f->dir);
	fd = open(path, O_RDONLY);
	assert_true(fd >= 0);
	memset(want, 0, sizeof(want));
	assert_true(read(fd, want, sizeof(want) - 1) > 0);
	assert_int_equal(atoi(want), (int)getpid());
	close(fd);
	close(lk);
	close(p[0]);
	close(p[1]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_id_hex),
		cmocka_unit_test_setup_teardown(test_names_distinct, setup, teardown),
		cmocka_unit_test_setup_teardown(test_names_stale, setup, teardown),
		cmocka_unit_test_setup_teardown(test_names_seeded, setup, teardown),
		cmocka_unit_test_setup_teardown(test_owner_fields, setup, teardown),
		cmocka_unit_test_setup_teardown(test_version, setup, teardown),
		cmocka_unit_test_setup_teardown(test_host_boxes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dns, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lock_timeout, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
