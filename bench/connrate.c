/* connrate: how many new TCP connections per second a path carries (bench/traffic.sh).
 *
 *   connrate serve ADDR PORT                      accept each connection and close it, forever
 *   connrate connect [-c N] ADDR PORT SECONDS     open and close connections for SECONDS
 *
 * `connect` keeps N connection attempts in flight (default 1: one handshake after another;
 * non-blocking sockets and epoll, so N > 1 overlaps handshakes) and prints one line,
 * "<connections per second> <errors>": connections whose handshake completed within SECONDS,
 * divided by SECONDS, and attempts that failed (refused, reset, unreachable, no port, or no
 * answer within 1 s). Attempts still in flight at the deadline are waited for (up to 1 s) and
 * count as errors if they fail, never in the rate. Each errno seen is also listed on stderr.
 * Exit status: 0 when every attempt succeeded, 1 when any failed, 2 on usage or set-up errors.
 *
 * Closing: the client resets (SO_LINGER 0), the server closes normally. A connection then
 * leaves no TIME_WAIT on either side (TIME_WAIT needs a FIN from the peer, and the client sends
 * none), so ephemeral ports and 4-tuples are free again at once at any rate. The server never
 * resets, so a client that sees its handshake complete never mistakes a reset for an error.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <netdb.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_INFLIGHT 256
#define ATTEMPT_TIMEOUT_NS 1000000000LL /* a handshake answered later than this is an error */
#define SERVE_THREADS 2			/* one per core here; accept+close is cheap */
#define MAX_ERRNO 256

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void usage(void)
{
	fprintf(stderr, "usage: connrate serve ADDR PORT\n"
			"       connrate connect [-c N] ADDR PORT SECONDS\n");
	exit(2);
}

static long parse_num(const char *what, const char *s, long lo, long hi)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < lo || v > hi) {
		fprintf(stderr, "connrate: %s: '%s' is not a number in %ld..%ld\n", what, s, lo,
			hi);
		exit(2);
	}
	return v;
}

/* A numeric address (IPv4 or IPv6) and a port. */
static void parse_addr(const char *addr, const char *port, struct sockaddr_storage *ret,
		       socklen_t *ret_len)
{
	struct addrinfo hints = { .ai_flags = AI_NUMERICHOST | AI_NUMERICSERV,
				  .ai_socktype = SOCK_STREAM };
	struct addrinfo *ai;
	int r;

	parse_num("port", port, 1, 65535);
	r = getaddrinfo(addr, port, &hints, &ai);
	if (r) {
		fprintf(stderr, "connrate: address '%s': %s\n", addr, gai_strerror(r));
		exit(2);
	}
	memcpy(ret, ai->ai_addr, ai->ai_addrlen);
	*ret_len = ai->ai_addrlen;
	freeaddrinfo(ai);
}

/* ---- server ---- */

static void *serve_loop(void *p)
{
	int lfd = *(int *)p, fd;

	for (;;) {
		fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
		if (fd >= 0) {
			close(fd);
			continue;
		}
		/* a peer that reset before accept, or a signal: nothing to do */
		if (errno == ECONNABORTED || errno == EINTR || errno == EPROTO)
			continue;
		/* out of descriptors or memory: say so, and let the client see the errors */
		perror("connrate: accept");
		usleep(1000);
	}
	return NULL;
}

static int cmd_serve(const char *addr, const char *port)
{
	struct sockaddr_storage ss;
	pthread_t th[SERVE_THREADS];
	socklen_t len;
	int fd, one = 1, i;

	parse_addr(addr, port, &ss, &len);
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    bind(fd, (struct sockaddr *)&ss, len) < 0 || listen(fd, 4096) < 0) {
		fprintf(stderr, "connrate: listening on %s port %s: %s\n", addr, port,
			strerror(errno));
		return 2;
	}
	for (i = 1; i < SERVE_THREADS; i++) {
		if (pthread_create(&th[i], NULL, serve_loop, &fd) != 0) {
			fprintf(stderr, "connrate: starting a server thread failed\n");
			return 2;
		}
	}
	printf("listening %s %s\n", addr, port);
	fflush(stdout);
	serve_loop(&fd);
	return 0;
}

/* ---- client ---- */

struct attempt {
	int fd; /* -1: slot free */
	int64_t start;
};

struct client {
	struct sockaddr_storage ss;
	socklen_t len;
	int ep;
	int64_t deadline;
	struct attempt slot[MAX_INFLIGHT];
	int inflight;
	uint64_t done; /* handshakes completed before the deadline */
	uint64_t errors;
	uint64_t by_errno[MAX_ERRNO];
};

static void count_error(struct client *c, int e)
{
	c->errors++;
	c->by_errno[e > 0 && e < MAX_ERRNO ? e : 0]++;
}

/* The client's close: a reset, so nothing lingers in TIME_WAIT. */
static void finish(struct client *c, int i)
{
	close(c->slot[i].fd); /* SO_LINGER 0 was set at creation */
	c->slot[i].fd = -1;
	c->inflight--;
}

/* Start one attempt in slot i. Returns 0, or -1 on a set-up error (fatal). An attempt that fails
 * at once is counted and leaves the slot free. */
static int start(struct client *c, int i)
{
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };
	struct epoll_event ev = { .events = EPOLLOUT, .data.u32 = (uint32_t)i };
	int fd;

	fd = socket(c->ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		count_error(c, errno); /* EMFILE, ENOBUFS: counted, and the run fails */
		return 0;
	}
	if (setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)) < 0) {
		perror("connrate: SO_LINGER");
		close(fd);
		return -1;
	}
	c->slot[i].fd = fd;
	c->slot[i].start = now_ns();
	c->inflight++;
	if (connect(fd, (struct sockaddr *)&c->ss, c->len) == 0) {
		c->done++;
		finish(c, i);
		return 0;
	}
	if (errno != EINPROGRESS) {
		count_error(c, errno);
		finish(c, i);
		return 0;
	}
	if (epoll_ctl(c->ep, EPOLL_CTL_ADD, fd, &ev) < 0) {
		perror("connrate: epoll_ctl");
		return -1;
	}
	return 0;
}

/* A slot's socket became writable or failed: the handshake's outcome. */
static void complete(struct client *c, int i, int64_t t)
{
	int e = 0;
	socklen_t elen = sizeof(e);

	if (getsockopt(c->slot[i].fd, SOL_SOCKET, SO_ERROR, &e, &elen) < 0)
		e = errno;
	if (e)
		count_error(c, e);
	else if (t <= c->deadline)
		c->done++; /* one that completes later is neither in the rate nor an error */
	finish(c, i);
}

static void expire(struct client *c, int64_t t)
{
	int i;

	for (i = 0; i < MAX_INFLIGHT; i++) {
		if (c->slot[i].fd >= 0 && t - c->slot[i].start > ATTEMPT_TIMEOUT_NS) {
			count_error(c, ETIMEDOUT);
			finish(c, i);
		}
	}
}

static int cmd_connect(int argc, char **argv)
{
	static struct client c;
	struct epoll_event ev[MAX_INFLIGHT];
	int64_t t0, t, last_expire;
	long n = 1, secs;
	int opt, i, k, nev;

	while ((opt = getopt(argc, argv, "+c:")) != -1) {
		if (opt != 'c')
			usage();
		n = parse_num("-c", optarg, 1, MAX_INFLIGHT);
	}
	if (argc - optind != 3)
		usage();
	parse_addr(argv[optind], argv[optind + 1], &c.ss, &c.len);
	secs = parse_num("seconds", argv[optind + 2], 1, 3600);
	c.ep = epoll_create1(EPOLL_CLOEXEC);
	if (c.ep < 0) {
		perror("connrate: epoll_create1");
		return 2;
	}
	for (i = 0; i < MAX_INFLIGHT; i++)
		c.slot[i].fd = -1;

	t0 = now_ns();
	c.deadline = t0 + secs * 1000000000LL;
	last_expire = t0;
	t = t0;
	/* Until the deadline, keep n attempts in flight; then wait for the last ones to end. */
	while (t <= c.deadline || c.inflight > 0) {
		for (i = 0; t <= c.deadline && i < n; i++) {
			if (c.slot[i].fd < 0 && start(&c, i) < 0)
				return 2;
		}
		if (c.inflight == 0) { /* every attempt ended at once (connect returned) */
			t = now_ns();
			continue;
		}
		nev = epoll_wait(c.ep, ev, MAX_INFLIGHT, 10);
		if (nev < 0 && errno != EINTR) {
			perror("connrate: epoll_wait");
			return 2;
		}
		t = now_ns();
		for (k = 0; k < nev; k++)
			complete(&c, (int)ev[k].data.u32, t);
		if (t - last_expire > 10000000LL) { /* every 10 ms is plenty for a 1 s limit */
			expire(&c, t);
			last_expire = t;
		}
	}

	printf("%.0f %llu\n", (double)c.done / (double)secs, (unsigned long long)c.errors);
	for (i = 0; i < MAX_ERRNO; i++) {
		if (c.by_errno[i])
			fprintf(stderr, "connrate: %llu attempts failed: %s\n",
				(unsigned long long)c.by_errno[i],
				i ? strerror(i) : "unknown error");
	}
	return c.errors ? 1 : 0;
}

int main(int argc, char **argv)
{
	if (argc == 4 && strcmp(argv[1], "serve") == 0)
		return cmd_serve(argv[2], argv[3]);
	if (argc >= 2 && strcmp(argv[1], "connect") == 0)
		return cmd_connect(argc - 1, argv + 1);
	usage();
	return 2;
}
