/* netfence: kernel tests of lib/kernel/link.c, lib/kernel/netns.c and lib/kernel/conntrack.c. The test process
 * first moves into a scratch network namespace of its own (the "host"), and makes a fresh one
 * per test as the "container"; the machine's real network is never touched. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "conntrack.h"
#include "link.h"
#include "netns.h"
#include "util.h"

#define HOST_IF "nf00000000a001"
#define HOST_IF2 "nf00000000a002"

static int host_fd = -1; /* the scratch "host" namespace */

struct fixture {
	int ct;	 /* the "container" namespace */
	int ct2; /* a second one, for tests that need it */
};

/* A new, empty network namespace; the caller stays where it was. */
static int new_netns(void)
{
	int fd;

	assert_int_equal(unshare(CLONE_NEWNET), 0);
	fd = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(setns(host_fd, CLONE_NEWNET), 0);
	return fd;
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	f->ct = new_netns();
	f->ct2 = new_netns();
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	struct nf_error err = { 0 };

	link_delete(HOST_IF, &err);
	link_delete(HOST_IF2, &err);
	link_delete("up0", &err);
	link_delete("nfsbogus", &err);
	close(f->ct);
	close(f->ct2);
	free(f);
	return 0;
}

static struct nf_addr A(const char *s) {
	struct nf_addr a = { .family = strchr(s, ':') ? AF_INET6 : AF_INET };

	assert_int_equal(inet_pton(a.family, s, a.a), 1);
	return a;
}

/* Run a program (test set-up only: the library never does this). */
static int
run(const char *const argv[])
{
	int status;
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY | O_CLOEXEC);

		if (null >= 0)
			dup2(null, STDOUT_FILENO);
		execvp(argv[0], (char *const *)argv);
		_exit(127);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static void enter(int fd, int *back)
{
	struct nf_error err = { 0 };

	assert_int_equal(netns_enter(fd, back, &err), 0);
}

static int prefixlen_of(const struct sockaddr *mask)
{
	const uint8_t *p;
	int len = 0, n;

	if (mask->sa_family == AF_INET) {
		p = (const uint8_t *)&((const struct sockaddr_in *)mask)->sin_addr;
		n = 4;
	} else {
		p = (const uint8_t *)&((const struct sockaddr_in6 *)mask)->sin6_addr;
		n = 16;
	}
	for (int i = 0; i < n; i++)
		len += __builtin_popcount(p[i]);
	return len;
}

/* Does ifname in netns fd (-1: here) carry text/plen? With text NULL: any address of family. */
static bool has_addr(int fd, const char *ifname, int family, const char *text, int plen)
{
	struct ifaddrs *ifa = NULL;
	int back = -1;
	bool found = false;

	if (fd >= 0)
		enter(fd, &back);
	assert_int_equal(getifaddrs(&ifa), 0);
	netns_return(&back);
	for (struct ifaddrs *i = ifa; i; i = i->ifa_next) {
		char buf[INET6_ADDRSTRLEN];
		const void *a;

		if (!i->ifa_addr || i->ifa_addr->sa_family != family || strcmp(i->ifa_name, ifname))
			continue;
		if (!text) {
			found = true;
			break;
		}
		a = family == AF_INET
			    ? (const void *)&((struct sockaddr_in *)i->ifa_addr)->sin_addr
			    : (const void *)&((struct sockaddr_in6 *)i->ifa_addr)->sin6_addr;
		inet_ntop(family, a, buf, sizeof(buf));
		if (strcmp(buf, text) == 0 && prefixlen_of(i->ifa_netmask) == plen)
			found = true;
	}
	freeifaddrs(ifa);
	return found;
}

/* How many IPv6 link-local addresses ifname has in fd (-1: here). */
static int n_link_local(int fd, const char *ifname)
{
	struct ifaddrs *ifa = NULL;
	int back = -1, n = 0;

	if (fd >= 0)
		enter(fd, &back);
	assert_int_equal(getifaddrs(&ifa), 0);
	netns_return(&back);
	for (struct ifaddrs *i = ifa; i; i = i->ifa_next) {
		const uint8_t *a;

		if (!i->ifa_addr || i->ifa_addr->sa_family != AF_INET6 ||
		    strcmp(i->ifa_name, ifname))
			continue;
		a = ((struct sockaddr_in6 *)i->ifa_addr)->sin6_addr.s6_addr;
		n += a[0] == 0xfe && (a[1] & 0xc0) == 0x80;
	}
	freeifaddrs(ifa);
	return n;
}

static bool is_up(int fd, const char *ifname)
{
	struct ifaddrs *ifa = NULL;
	int back = -1;
	bool up = false;

	enter(fd, &back);
	assert_int_equal(getifaddrs(&ifa), 0);
	netns_return(&back);
	for (struct ifaddrs *i = ifa; i; i = i->ifa_next)
		if (strcmp(i->ifa_name, ifname) == 0 && (i->ifa_flags & IFF_UP))
			up = true;
	freeifaddrs(ifa);
	return up;
}

/* Read a file of the namespace fd (/proc/net follows the reader's namespace). */
static char *slurp_in(int fd, const char *path)
{
	struct nf_error err = { 0 };
	char *buf = NULL;
	int back = -1, f;

	if (fd >= 0)
		enter(fd, &back);
	f = open(path, O_RDONLY | O_CLOEXEC);
	netns_return(&back);
	assert_true(f >= 0);
	assert_int_equal(nf_read_all(f, 1 << 22, path, &buf, NULL, &err), 0);
	close(f);
	return buf;
}

static bool has_default4(int fd, const char *ifname, const char *gw)
{
	_cleanup_free_ char *t = slurp_in(fd, "/proc/net/route");
	struct nf_addr g = A(gw);
	char want[64];
	uint32_t gv;

	memcpy(&gv, g.a, 4);
	/* Iface Destination Gateway ...: the kernel prints the raw (network order) u32 as %08X. */
	snprintf(want, sizeof(want), "%s\t00000000\t%08X\t", ifname, gv);
	return strstr(t, want) != NULL;
}

static bool has_default6(int fd, const char *ifname, const char *gw)
{
	_cleanup_free_ char *t = slurp_in(fd, "/proc/net/ipv6_route");
	struct nf_addr g = A(gw);
	char hex[33];

	for (int i = 0; i < 16; i++)
		snprintf(hex + 2 * i, 3, "%02x", g.a[i]);
	/* dst/plen src/plen nexthop metric refcnt use flags iface: match the start, then iface. */
	for (char *line = strtok(t, "\n"); line; line = strtok(NULL, "\n")) {
		if (strncmp(line,
			    "00000000000000000000000000000000 00 "
			    "00000000000000000000000000000000 00 ",
			    72) == 0 &&
		    strncmp(line + 72, hex, 32) == 0 && strstr(line, ifname))
			return true;
	}
	return false;
}

static int sysctl_in(int fd, const char *path)
{
	struct nf_error err = { 0 };
	int back = -1, v = -1;

	enter(fd, &back);
	assert_int_equal(sysctl_read_int(path, &v, &err), 0);
	netns_return(&back);
	return v;
}

/* A UDP datagram from the container (bound to its own address) reaches the host end. */
static void assert_udp_path(int ct, int family, const char *from, const char *to)
{
	struct nf_error err = { 0 };
	struct sockaddr_storage src = { 0 }, dst = { 0 };
	socklen_t slen =
		family == AF_INET ? sizeof(struct sockaddr_in) : sizeof(struct sockaddr_in6);
	struct nf_addr f = A(from), t = A(to);
	char buf[8];
	int rx, tx;

	if (family == AF_INET) {
		struct sockaddr_in *s = (void *)&src, *d = (void *)&dst;

		s->sin_family = d->sin_family = AF_INET;
		memcpy(&s->sin_addr, f.a, 4);
		memcpy(&d->sin_addr, t.a, 4);
		d->sin_port = htons(5555);
	} else {
		struct sockaddr_in6 *s = (void *)&src, *d = (void *)&dst;

		s->sin6_family = d->sin6_family = AF_INET6;
		memcpy(&s->sin6_addr, f.a, 16);
		memcpy(&d->sin6_addr, t.a, 16);
		d->sin6_port = htons(5555);
	}
	rx = socket(family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	assert_true(rx >= 0);
	assert_int_equal(bind(rx, (struct sockaddr *)&dst, slen), 0);
	/* Binding the container's address proves the socket was opened in its namespace. */
	tx = netns_socket(ct, family, SOCK_DGRAM, 0, &err);
	assert_true(tx >= 0);
	assert_int_equal(bind(tx, (struct sockaddr *)&src, slen), 0);
	assert_int_equal(sendto(tx, "ping", 4, 0, (struct sockaddr *)&dst, slen), 4);
	struct pollfd p = { .fd = rx, .events = POLLIN };
	assert_int_equal(poll(&p, 1, 3000), 1);
	assert_int_equal(recv(rx, buf, sizeof(buf), 0), 4);
	close(rx);
	close(tx);
}

static void wire(int ct, const char *ifname, bool ipv6)
{
	struct nf_error err = { 0 };
	struct nf_addr gw4 = A("10.213.0.0"), a4 = A("10.213.0.1");
	struct nf_addr gw6 = A("fd6e:6663::"), a6 = A("fd6e:6663::1");
	int r;

	r = link_veth_create(ct, ifname, &err);
	if (r < 0)
		fail_msg("link_veth_create: %s", err.msg);
	r = link_host_configure(ifname, &gw4, &gw6, ipv6, &err);
	if (r < 0)
		fail_msg("link_host_configure: %s", err.msg);
	r = link_ns_configure(ct, &a4, &gw4, &a6, &gw6, ipv6, &err);
	if (r < 0)
		fail_msg("link_ns_configure: %s", err.msg);
}

static void test_netns(void **state)
{
	struct fixture *f = *state;
	struct nf_error err = { 0 };
	struct netns_id id, self, ct;
	int fd;

	fd = netns_open_self(&self, &err);
	assert_true(fd >= 0);
	assert_int_equal(netns_id_of_fd(host_fd, &id), 0);
	assert_memory_equal(&id, &self, sizeof(id));
	close(fd);
	assert_int_equal(netns_id_of_fd(f->ct, &ct), 0);
	assert_memory_not_equal(&ct, &self, sizeof(ct));

	assert_true(netns_open("/proc/self/ns/uts", NULL, &err) < 0);
	assert_non_null(strstr(err.msg, "not a network namespace"));
	assert_true(netns_open("/etc/hostname", NULL, &err) < 0);
	assert_int_equal(netns_open("/nonexistent/ns", NULL, &err), -ENOENT);

	/* Entering and coming back leaves us where we were. */
	int back = -1;
	enter(f->ct, &back);
	assert_int_equal(netns_id_of_fd(back, &id), 0);
	assert_memory_equal(&id, &self, sizeof(id));
	netns_return(&back);
	assert_int_equal(back, -1);
	fd = netns_open_self(&id, &err);
	assert_true(fd >= 0);
	close(fd);
	assert_memory_equal(&id, &self, sizeof(id));
}

/* The names link_ns_devices lists (the production test for "wired by someone else"); n. */
static size_t devices(int ns, char (**v)[16])
{
	struct nf_error err = { 0 };
	size_t n = 0;

	*v = NULL;
	assert_true(link_ns_devices(ns, v, &n, &err) >= 0);
	return n;
}

static bool listed(char (*v)[16], size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(v[i], name) == 0)
			return true;
	return false;
}

static void test_fresh_not_wired(void **state)
{
	struct fixture *f = *state;
	struct nf_error err = { 0 };
	char(*v)[16] = NULL;
	int back = -1, r;
	bool have_tunnels;

	assert_int_equal(devices(f->ct, &v), 0);
	free(v);
	/* The fallback tunnels, where the kernel has them, do not count. (Never load a tunnel
	 * module to get them: that would add tunl0 to the real host too.) */
	enter(f->ct, &back);
	have_tunnels = if_nametoindex("tunl0") != 0 || if_nametoindex("sit0") != 0;
	netns_return(&back);
	if (have_tunnels)
		print_message("fallback tunnel devices present: checked they are ignored\n");
	else
		print_message("no tunnel modules here: fallback devices not exercised\n");

	/* A veth merely named like a fallback device makes it wired. */
	enter(f->ct2, &back);
	r = link_veth_create(f->ct2, "tunl0", &err);
	netns_return(&back);
	assert_int_equal(r, 0);
	assert_int_equal(devices(f->ct2, &v), 2);
	assert_true(listed(v, 2, "tunl0") && listed(v, 2, "eth0"));
	free(v);

	/* And a namespace given our veth is wired, by its end only. */
	assert_int_equal(link_veth_create(f->ct, HOST_IF, &err), 0);
	assert_int_equal(devices(f->ct, &v), 1);
	assert_string_equal(v[0], "eth0");
	free(v);
}

static void test_ipv4(void **state)
{
	struct fixture *f = *state;
	struct nf_error err = { 0 };
	int v = -1;

	wire(f->ct, HOST_IF, false);
	assert_true(if_nametoindex(HOST_IF) != 0);
	assert_true(if_nametoindex("eth0") == 0); /* the peer never lands on the host */
	assert_true(has_addr(-1, HOST_IF, AF_INET, "10.213.0.0", 31));
	assert_false(has_addr(-1, HOST_IF, AF_INET6, NULL, 0));
	assert_int_equal(sysctl_read_int("net/ipv6/conf/" HOST_IF "/disable_ipv6", &v, &err), 0);
	assert_int_equal(v, 1);
	/* ARP answered only for the host end's own address, to the container's; no redirects */
	assert_int_equal(sysctl_read_int("net/ipv4/conf/" HOST_IF "/arp_ignore", &v, &err), 0);
	assert_int_equal(v, 2);
	assert_int_equal(sysctl_read_int("net/ipv4/conf/" HOST_IF "/arp_announce", &v, &err), 0);
	assert_int_equal(v, 2);
	assert_int_equal(sysctl_read_int("net/ipv4/conf/" HOST_IF "/accept_redirects", &v, &err),
			 0);
	assert_int_equal(v, 0);

	assert_true(has_addr(f->ct, "eth0", AF_INET, "10.213.0.1", 31));
	assert_true(has_addr(f->ct, "lo", AF_INET, "127.0.0.1", 8));
	assert_false(has_addr(f->ct, "eth0", AF_INET6, NULL, 0));
	assert_true(is_up(f->ct, "eth0"));
	assert_true(is_up(f->ct, "lo"));
	assert_true(has_default4(f->ct, "eth0", "10.213.0.0"));
	assert_false(has_default6(f->ct, "eth0", "fd6e:6663::"));
	assert_int_equal(sysctl_in(f->ct, "net/ipv6/conf/eth0/disable_ipv6"), 1);
	assert_udp_path(f->ct, AF_INET, "10.213.0.1", "10.213.0.0");

	/* Set-up is repeatable (prestart and createRuntime both registered). */
	struct nf_addr gw4 = A("10.213.0.0"), a4 = A("10.213.0.1");
	assert_int_equal(link_host_configure(HOST_IF, &gw4, NULL, false, &err), 0);
	assert_int_equal(link_ns_configure(f->ct, &a4, &gw4, NULL, NULL, false, &err), 0);
}

static void test_ipv6_on(void **state)
{
	struct fixture *f = *state;

	wire(f->ct, HOST_IF, true);
	assert_true(has_addr(-1, HOST_IF, AF_INET6, "fd6e:6663::", 127));
	assert_true(has_addr(f->ct, "eth0", AF_INET, "10.213.0.1", 31));
	assert_true(has_addr(f->ct, "eth0", AF_INET6, "fd6e:6663::1", 127));
	assert_int_equal(sysctl_in(f->ct, "net/ipv6/conf/eth0/disable_ipv6"), 0);
	assert_true(has_default4(f->ct, "eth0", "10.213.0.0"));
	assert_true(has_default6(f->ct, "eth0", "fd6e:6663::"));
	assert_udp_path(f->ct, AF_INET6, "fd6e:6663::1", "fd6e:6663::");

	/* One fixed link-local address on each end, none of the kernel's making */
	assert_true(has_addr(-1, HOST_IF, AF_INET6, "fe80::1", 64));
	assert_true(has_addr(f->ct, "eth0", AF_INET6, "fe80::2", 64));
	assert_int_equal(n_link_local(-1, HOST_IF), 1);
	assert_int_equal(n_link_local(f->ct, "eth0"), 1);
	assert_int_equal(sysctl_in(f->ct, "net/ipv6/conf/eth0/addr_gen_mode"), 1);
	/* The host end takes no RAs, redirects or autoconfiguration from the container */
	static const char *const off[] = { "accept_ra", "accept_redirects", "autoconf" };
	struct nf_error err = { 0 };
	char path[128];
	int v = -1;

	for (size_t i = 0; i < ARRAY_SIZE(off); i++) {
		snprintf(path, sizeof(path), "net/ipv6/conf/" HOST_IF "/%s", off[i]);
		assert_int_equal(sysctl_read_int(path, &v, &err), 0);
		assert_int_equal(v, 0);
	}
	assert_int_equal(sysctl_read_int("net/ipv6/conf/" HOST_IF "/addr_gen_mode", &v, &err), 0);
	assert_int_equal(v, 1);
	assert_int_equal(sysctl_read_int("net/ipv4/conf/" HOST_IF "/arp_ignore", &v, &err), 0);
	assert_int_equal(v, 2);
}

static void test_lo_only(void **state)
{
	struct fixture *f = *state;
	struct nf_error err = { 0 };

	assert_int_equal(link_ns_configure(f->ct, NULL, NULL, NULL, NULL, false, &err), 0);
	char(*v)[16] = NULL;

	assert_true(is_up(f->ct, "lo"));
	assert_int_equal(devices(f->ct, &v), 0);
	free(v);
}

static void test_exists_errors(void **state)
{
	struct fixture *f = *state;
	struct nf_error err = { 0 };

	assert_int_equal(link_veth_create(f->ct, HOST_IF, &err), 0);
	assert_int_equal(link_veth_create(f->ct2, HOST_IF, &err), -EEXIST);
	assert_non_null(strstr(err.msg, HOST_IF " already exists"));
	/* The container already has an eth0. */
	assert_int_equal(link_veth_create(f->ct, HOST_IF2, &err), -EEXIST);
	assert_non_null(strstr(err.msg, "eth0"));
	assert_true(if_nametoindex(HOST_IF2) == 0);
	/* Names the kernel would refuse are refused up front. */
	assert_int_equal(link_veth_create(f->ct2, "a-name-far-too-long", &err), -EINVAL);
	assert_int_equal(link_veth_create(f->ct2, "", &err), -EINVAL);
	/* Configuring a link that is not there says which. */
	struct nf_addr gw4 = A("10.213.0.0");
	assert_true(link_host_configure("nf0000000000ff", &gw4, NULL, false, &err) < 0);
	assert_non_null(strstr(err.msg, "nf0000000000ff"));
}

static void test_delete(void **state)
{
	struct fixture *f = *state;
	struct nf_error err = { 0 };

	wire(f->ct, HOST_IF, false);
	char(*v)[16] = NULL;

	assert_int_equal(link_delete(HOST_IF, &err), 0);
	assert_true(if_nametoindex(HOST_IF) == 0);
	assert_int_equal(devices(f->ct, &v), 0); /* the peer went with it */
	free(v);
	assert_int_equal(link_delete(HOST_IF, &err), 0);
	assert_int_equal(link_delete("never-existed", &err), 0);
}

static void test_list_nf(void **state)
{
	struct fixture *f = *state;
	struct nf_error err = { 0 };
	char **names = NULL;
	size_t n = 0;
	bool a = false, b = false;

	assert_int_equal(link_veth_create(f->ct, HOST_IF, &err), 0);
	assert_int_equal(link_veth_create(f->ct2, "nfsbogus", &err), 0);
	assert_int_equal(link_list_nf(&names, &n, &err), 0);
	for (size_t i = 0; i < n; i++) {
		a |= strcmp(names[i], HOST_IF) == 0;
		b |= strcmp(names[i], "nfsbogus") == 0;
		free(names[i]);
	}
	free(names);
	assert_int_equal(n, 1);
	assert_true(a);
	assert_false(b);
}

static void test_host_prefixes(void **state)
{
	struct fixture *f = *state;
	struct nf_error err = { 0 };
	struct nf_addr gw = A("192.0.2.10"), gw6 = A("2001:db8::a");
	struct nf_prefix *p = NULL;
	size_t n = 0;
	const char *want[] = { "192.0.2.10/31",	  "192.0.2.10/32",    "198.51.100.0/24",
			       "198.51.100.7/32", "2001:db8::a/127",  "2001:db8::a/128",
			       "2001:db8:5::/64", "2001:db8:5::7/128" };
	bool seen[ARRAY_SIZE(want)] = { 0 };

	wire(f->ct, HOST_IF, true); /* nf*: left out */
	assert_int_equal(link_veth_create(f->ct2, "up0", &err), 0);
	assert_int_equal(link_host_configure("up0", &gw, &gw6, true, &err), 0);
	assert_int_equal(run((const char *const[]){ "ip", "addr", "add", "198.51.100.7/24", "dev",
						    "up0", NULL }),
			 0);
	assert_int_equal(run((const char *const[]){ "ip", "addr", "add", "2001:db8:5::7/64", "dev",
						    "up0", "nodad", NULL }),
			 0);
	/* The same network twice: reported once. */
	assert_int_equal(run((const char *const[]){ "ip", "addr", "add", "198.51.100.8/24", "dev",
						    "up0", NULL }),
			 0);

	assert_int_equal(link_host_prefixes(&p, &n, &err), 0);
	for (size_t i = 0; i < n; i++) {
		char buf[INET6_ADDRSTRLEN], s[80];
		bool known = false;

		inet_ntop(p[i].addr.family, p[i].addr.a, buf, sizeof(buf));
		snprintf(s, sizeof(s), "%s/%u", buf, p[i].len);
		for (size_t j = 0; j < ARRAY_SIZE(want); j++)
			if (strcmp(s, want[j]) == 0) {
				assert_false(seen[j]);
				seen[j] = known = true;
			}
		if (!known && strcmp(s, "198.51.100.8/32") != 0)
			fail_msg("unexpected prefix %s", s);
	}
	for (size_t j = 0; j < ARRAY_SIZE(want); j++)
		if (!seen[j])
			fail_msg("missing prefix %s", want[j]);
	assert_int_equal(n, ARRAY_SIZE(want) + 1);
	free(p);
}

static void test_sysctl(void **state)
{
	struct nf_error err = { 0 };
	int v = -1;

	assert_int_equal(sysctl_write_int("net/ipv4/ip_forward", 1, &err), 0);
	assert_int_equal(sysctl_read_int("net/ipv4/ip_forward", &v, &err), 0);
	assert_int_equal(v, 1);
	assert_int_equal(sysctl_write_int("net/ipv4/ip_forward", 0, &err), 0);
	assert_int_equal(sysctl_read_int("net/ipv4/ip_forward", &v, &err), 0);
	assert_int_equal(v, 0);
	assert_int_equal(sysctl_read_int("../etc/passwd", &v, &err), -EINVAL);
	assert_int_equal(sysctl_read_int("/etc/passwd", &v, &err), -EINVAL);
	assert_int_equal(sysctl_read_int("net/ipv4/nonexistent", &v, &err), -ENOENT);
	assert_non_null(strstr(err.msg, "net/ipv4/nonexistent"));
}

static bool conntrack_has(const char *needle)
{
	_cleanup_free_ char *t = slurp_in(-1, "/proc/net/nf_conntrack");

	return strstr(t, needle) != NULL;
}

static void udp_send(int family, const char *to, int port)
{
	struct sockaddr_storage d = { 0 };
	struct nf_addr a = A(to);
	socklen_t len;
	int s = socket(family, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	assert_true(s >= 0);
	if (family == AF_INET) {
		struct sockaddr_in *d4 = (void *)&d;

		d4->sin_family = AF_INET;
		d4->sin_port = htons((uint16_t)port);
		memcpy(&d4->sin_addr, a.a, 4);
		len = sizeof(*d4);
	} else {
		struct sockaddr_in6 *d6 = (void *)&d;

		d6->sin6_family = AF_INET6;
		d6->sin6_port = htons((uint16_t)port);
		memcpy(&d6->sin6_addr, a.a, 16);
		len = sizeof(*d6);
	}
	assert_int_equal(sendto(s, "x", 1, 0, (struct sockaddr *)&d, len), 1);
	close(s);
}

static void test_conntrack(void **state)
{
	struct fixture *f = *state;
	struct nf_error err = { 0 };
	struct nf_addr c4 = A("10.213.0.1"), c6 = A("fd6e:6663::1"), none = A("192.0.2.99");
	int r;

	if (access("/proc/net/nf_conntrack", R_OK) < 0)
		skip();
	wire(f->ct, HOST_IF, true);
	/* A ct expression makes the namespace's conntrack track (nft CLI: test set-up only). */
	r = run((const char *const[]){ "nft",
				       "add table inet nfct_test; "
				       "add chain inet nfct_test out "
				       "{ type filter hook output priority 0; }; "
				       "add rule inet nfct_test out ct state new counter",
				       NULL });
	if (r != 0)
		skip();
	udp_send(AF_INET, "10.213.0.1", 7777);
	udp_send(AF_INET, "10.213.0.1", 7778);
	udp_send(AF_INET6, "fd6e:6663::1", 7777);
	udp_send(AF_INET, "127.0.0.1", 7779); /* someone else's flow: must survive */
	assert_true(conntrack_has("dst=10.213.0.1 "));
	assert_true(conntrack_has("dst=fd6e:6663:0000:0000:0000:0000:0000:0001 "));
	assert_true(conntrack_has("dport=7779"));

	r = conntrack_flush_addr(&c4, &err);
	if (r < 0)
		fail_msg("conntrack_flush_addr: %s", err.msg);
	assert_int_equal(r, 2);
	assert_false(conntrack_has("=10.213.0.1 "));
	assert_true(conntrack_has("dst=fd6e:6663:0000:0000:0000:0000:0000:0001 "));
	assert_true(conntrack_has("dport=7779"));

	assert_int_equal(conntrack_flush_addr(&c6, &err), 1);
	assert_false(conntrack_has("fd6e:6663:0000:0000:0000:0000:0000:0001 "));
	assert_true(conntrack_has("dport=7779"));
	assert_int_equal(conntrack_flush_addr(&none, &err), 0);

	/* Flows the container started (it is the original source) go too. */
	int s = netns_socket(f->ct, AF_INET, SOCK_DGRAM, 0, &err);
	struct sockaddr_in d = { .sin_family = AF_INET, .sin_port = htons(9) };
	memcpy(&d.sin_addr, A("10.213.0.0").a, 4);
	assert_true(s >= 0);
	r = run((const char *const[]){ "nft",
				       "add chain inet nfct_test in "
				       "{ type filter hook input priority 0; }; "
				       "add rule inet nfct_test in ct state new counter",
				       NULL });
	assert_int_equal(r, 0);
	assert_int_equal(sendto(s, "x", 1, 0, (struct sockaddr *)&d, sizeof(d)), 1);
	close(s);
	/* Delivery over the veth is asynchronous: wait (bounded) for the entry. */
	for (uint64_t t0 = nf_now_ms();
	     !conntrack_has("src=10.213.0.1 ") && nf_now_ms() - t0 < 2000;)
		usleep(1000);
	assert_true(conntrack_has("src=10.213.0.1 "));
	assert_int_equal(conntrack_flush_addr(&c4, &err), 1);
	assert_false(conntrack_has("10.213.0.1 "));
	run((const char *const[]){ "nft", "delete table inet nfct_test", NULL });
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static uint64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

static int count_fds(void)
{
	int n = 0;

	for (int fd = 0; fd < 1024; fd++)
		if (fcntl(fd, F_GETFD) >= 0)
			n++;
	return n;
}

/* Not a test of speed (never fails on time): prints the set-up and delete medians. */
static void test_timing(void **state)
{
	struct nf_error err = { 0 };
	uint64_t setup_us[20], del_us[20];
	int fds_before = count_fds();

	for (int i = 0; i < 20; i++) {
		int ct = new_netns();
		uint64_t t0 = now_us();

		wire(ct, HOST_IF, false);
		setup_us[i] = now_us() - t0;
		t0 = now_us();
		assert_int_equal(link_delete(HOST_IF, &err), 0);
		del_us[i] = now_us() - t0;
		close(ct);
	}
	assert_int_equal(count_fds(), fds_before); /* nothing leaked across 20 rounds */
	qsort(setup_us, 20, sizeof(setup_us[0]), cmp_u64);
	qsort(del_us, 20, sizeof(del_us[0]), cmp_u64);
	print_message("veth create + host + ns configure: median %.2f ms (min %.2f, max %.2f)\n",
		      (setup_us[9] + setup_us[10]) / 2000.0, setup_us[0] / 1000.0,
		      setup_us[19] / 1000.0);
	print_message("link_delete: median %.2f ms (min %.2f, max %.2f)\n",
		      (del_us[9] + del_us[10]) / 2000.0, del_us[0] / 1000.0, del_us[19] / 1000.0);
}

/* Without root the kernel tests cannot run: each is reported skipped by cmocka (and counted by
 * tests/run-unit.sh), never passed by returning early. */
static void skip_test(void **state)
{
	skip();
}

static int run_skipped(const struct CMUnitTest *t, size_t n)
{
	struct CMUnitTest *s = calloc(n, sizeof(*s));
	int r;

	if (!s)
		return 1;
	for (size_t i = 0; i < n; i++)
		s[i] = (struct CMUnitTest){ .name = t[i].name, .test_func = skip_test };
	r = _cmocka_run_group_tests("tests", s, n, NULL, NULL);
	free(s);
	return r;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_netns, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fresh_not_wired, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ipv4, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ipv6_on, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lo_only, setup, teardown),
		cmocka_unit_test_setup_teardown(test_exists_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_delete, setup, teardown),
		cmocka_unit_test_setup_teardown(test_list_nf, setup, teardown),
		cmocka_unit_test_setup_teardown(test_host_prefixes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sysctl, setup, teardown),
		cmocka_unit_test_setup_teardown(test_conntrack, setup, teardown),
		cmocka_unit_test_setup_teardown(test_timing, setup, teardown),
	};

	if (geteuid() != 0) {
		fprintf(stderr, "test_link: needs root (network namespaces): every test reported "
				"skipped\n");
		return run_skipped(tests, sizeof(tests) / sizeof(tests[0]));
	}
	/* Everything below happens in a scratch namespace: the real host is never touched. */
	if (unshare(CLONE_NEWNET) < 0) {
		perror("test_link: unshare(CLONE_NEWNET)");
		return 1;
	}
	host_fd = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (host_fd < 0) {
		perror("test_link: /proc/thread-self/ns/net");
		return 1;
	}
	{
		struct nf_error err = { 0 };

		if (link_ns_configure(host_fd, NULL, NULL, NULL, NULL, false, &err) < 0) {
			fprintf(stderr, "test_link: lo up: %s\n", err.msg);
			return 1;
		}
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
