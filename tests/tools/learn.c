/* netfence: a test driver for the learned sets (lib/kernel/nft_learn.h), standing in for the
 * resolver in tests/e2e/learn.bats: adds, deletes and lists a container's learned elements, and
 * times updates. Run in the host's network namespace (the test's HOST).
 *
 *   learn add NETNS IFNAME ADDR PROTO PORT TIMEOUT_MS [netdev]   IFNAME "-": overlay mode
 *   learn del NETNS IFNAME ADDR PROTO PORT [netdev]
 *   learn dump NETNS                 one line per element: ADDR PROTO PORT-PORT EXPIRES_MS
 *   learn bench NETNS IFNAME N ITER  ITER updates of N addresses each: mean microseconds
 *   learn remove NETNS HEX           nft_host_remove of a container made by setup (by name):
 *                                    prints its microseconds
 *   learn setup NETNS N              for the bench, in a scratch namespace: N containers in the
 *                                    host table (nf000000000001 ...), the first one's table in
 *                                    NETNS */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "nft.h"
#include "nft_learn.h"

static int usage(void)
{
	fprintf(stderr, "usage: learn add|del|dump|bench NETNS ... (see tests/tools/learn.c)\n");
	return 2;
}

static int box_of(const char *addr, const char *proto, const char *port, struct nf_boxset *bs,
		  struct nf_box *x)
{
	memset(x, 0, sizeof(*x));
	bs->family = strchr(addr, ':') ? AF_INET6 : AF_INET;
	if (inet_pton(bs->family, addr, x->lo) != 1)
		return -1;
	memcpy(x->hi, x->lo, 16);
	x->proto_lo = x->proto_hi = (uint8_t)atoi(proto);
	x->port_lo = x->port_hi = (uint16_t)atoi(port);
	bs->v = x;
	bs->n = 1;
	return 0;
}

static int print_elem(const struct nf_box *b, int family, uint64_t expires_ms, void *arg)
{
	char a[INET6_ADDRSTRLEN];

	(void)arg;
	inet_ntop(family, b->lo, a, sizeof(a));
	printf("%s %u %u-%u %llu\n", a, b->proto_lo, b->port_lo, b->port_hi,
	       (unsigned long long)expires_ms);
	return 0;
}

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

/* ITER updates of N fresh addresses each (198.18.0.0/15), then the same N again (a refresh),
 * then their deletion, with 100 other learned addresses in the sets throughout: mean
 * microseconds of each kind. */
static int bench(struct nft_learn *l, int n, int iter, struct nf_error *err)
{
	struct nf_box *v = calloc((size_t)n, sizeof(*v));
	struct nf_boxset bs = { AF_INET, v, (size_t)n };
	double t_new = 0, t_refresh = 0, t_del = 0;
	uint32_t next = 0;
	struct nf_box base[100];
	struct nf_boxset bb = { AF_INET, base, 100 };

	if (!v)
		return -ENOMEM;
	memset(base, 0, sizeof(base));
	for (int i = 0; i < 100; i++) {
		uint32_t a = htonl(0xc6130000u + (uint32_t)i); /* 198.19.0.i */

		memcpy(base[i].lo, &a, 4);
		memcpy(base[i].hi, &a, 4);
		base[i].proto_lo = base[i].proto_hi = 6;
		base[i].port_lo = base[i].port_hi = 443;
	}
	if (nft_learn_update(l, NULL, &bb, 600000, err) < 0)
		goto fail;
	for (int it = 0; it < iter; it++) {
		double t0;

		for (int i = 0; i < n; i++) {
			uint32_t a = htonl(0xc6120000u + next++);

			memset(&v[i], 0, sizeof(v[i]));
			memcpy(v[i].lo, &a, 4);
			memcpy(v[i].hi, &a, 4);
			v[i].proto_lo = v[i].proto_hi = 6;
			v[i].port_lo = v[i].port_hi = 443;
		}
		t0 = now_us();
		if (nft_learn_update(l, NULL, &bs, 60000, err) < 0)
			goto fail;
		t_new += now_us() - t0;
		t0 = now_us();
		if (nft_learn_update(l, NULL, &bs, 120000, err) < 0)
			goto fail;
		t_refresh += now_us() - t0;
		t0 = now_us();
		if (nft_learn_update(l, &bs, NULL, 0, err) < 0)
			goto fail;
		t_del += now_us() - t0;
	}
	printf("%d addresses: add %.1f us, refresh %.1f us, delete %.1f us (mean of %d)\n", n,
	       t_new / iter, t_refresh / iter, t_del / iter, iter);
	free(v);
	return 0;
fail:
	free(v);
	return -1;
}

/* N fences of 12 egress boxes each in the host table (the caller's namespace: a scratch one),
 * the first one's namespace table in netns_fd. */
static int setup(int netns_fd, int n, struct nf_error *err)
{
	struct nf_box eg[12];
	int r = 0;

	for (int i = 1; i <= n && r >= 0; i++) {
		struct nft_fence f = { 0 };

		memset(eg, 0, sizeof(eg));
		for (int k = 0; k < 12; k++) {
			uint32_t a = htonl(0xcb007100u + (uint32_t)k); /* 203.0.113.k */

			memcpy(eg[k].lo, &a, 4);
			memcpy(eg[k].hi, &a, 4);
			eg[k].proto_lo = eg[k].proto_hi = 6;
			eg[k].port_lo = eg[k].port_hi = (uint16_t)(443 + i);
		}
		snprintf(f.hex, sizeof(f.hex), "%012x", i);
		snprintf(f.ifname, sizeof(f.ifname), "nf%s", f.hex);
		f.base = NF_BASE_RESTRICTED;
		f.addr4.family = AF_INET;
		f.addr4.a[0] = 10, f.addr4.a[1] = 213, f.addr4.a[2] = (uint8_t)(i >> 8);
		f.addr4.a[3] = (uint8_t)i;
		f.eg4 = (struct nf_boxset){ AF_INET, eg, 12 };
		f.eg6.family = f.in4.family = AF_INET;
		f.in6.family = f.deny6.family = AF_INET6;
		r = nft_host_apply(&f, err);
		if (r >= 0 && i == 1)
			r = nft_ns_apply(netns_fd, &f, err);
	}
	return r;
}

int main(int argc, char **argv)
{
	struct nf_error err = { 0 };
	struct nft_learn *l = NULL;
	struct nf_boxset bs;
	struct nf_box x;
	int fd, r = 0;
	bool netdev;

	if (argc < 3)
		return usage();
	fd = open(argv[2], O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		perror(argv[2]);
		return 1;
	}
	if (strcmp(argv[1], "dump") == 0) {
		r = nft_learn_list(fd, print_elem, NULL, &err);
	} else if (strcmp(argv[1], "add") == 0 && (argc == 8 || argc == 9)) {
		netdev = argc == 9 && strcmp(argv[8], "netdev") == 0;
		if (box_of(argv[4], argv[5], argv[6], &bs, &x) < 0)
			return usage();
		r = nft_learn_open(fd, strcmp(argv[3], "-") ? argv[3] : "", netdev, &l, &err);
		if (r >= 0)
			r = nft_learn_update(l, NULL, &bs, strtoull(argv[7], NULL, 10), &err);
	} else if (strcmp(argv[1], "del") == 0 && (argc == 7 || argc == 8)) {
		netdev = argc == 8 && strcmp(argv[7], "netdev") == 0;
		if (box_of(argv[4], argv[5], argv[6], &bs, &x) < 0)
			return usage();
		r = nft_learn_open(fd, strcmp(argv[3], "-") ? argv[3] : "", netdev, &l, &err);
		if (r >= 0)
			r = nft_learn_update(l, &bs, NULL, 0, &err);
	} else if (strcmp(argv[1], "remove") == 0 && argc == 4) {
		struct nft_fence f = { 0 };
		double t0 = now_us();

		snprintf(f.hex, sizeof(f.hex), "%s", argv[3]);
		snprintf(f.ifname, sizeof(f.ifname), "nf%s", argv[3]);
		f.by_ifname = true;
		r = nft_host_remove(&f, &err);
		printf("removed in %.1f us\n", now_us() - t0);
	} else if (strcmp(argv[1], "setup") == 0 && argc == 4) {
		r = setup(fd, atoi(argv[3]), &err);
	} else if (strcmp(argv[1], "bench") == 0 && argc == 6) {
		r = nft_learn_open(fd, strcmp(argv[3], "-") ? argv[3] : "", false, &l, &err);
		if (r >= 0)
			r = bench(l, atoi(argv[4]), atoi(argv[5]), &err);
	} else {
		return usage();
	}
	nft_learn_close(l);
	close(fd);
	if (r < 0) {
		fprintf(stderr, "learn: %s\n", err.msg[0] ? err.msg : strerror(-r));
		return 1;
	}
	return 0;
}
