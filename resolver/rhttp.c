/* netfence-resolver: the `stats` reply and the metrics_listen HTTP server (rhttp.h). A scrape
 * is answered from the loop's own thread: the counters are read from the kernel while DNS
 * waits (docs/PERFORMANCE.md gives the time per scrape). */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "metrics.h"
#include "nft.h"
#include "rhttp.h"
#include "rlog.h"
#include "util.h"

struct hconn {
	struct rev ev; /* first: the loop's events point here */
	struct hconn *next;
	uint64_t deadline_ms;
	char req[RHTTP_REQUEST_MAX + 1];
	size_t rlen;
	char *out; /* the response, once the request is read */
	size_t olen, off;
	bool sent; /* all of it: what the client still sends is read and dropped until it closes */
	bool handed; /* to a scrape child, which answers it */
};

static struct hconn *conns;
static size_t n_conns;
/* scrapes under way, each in a child of its own: the loop only forks */
static pid_t scrapers[RHTTP_SCRAPES_MAX];

/* s as a JSON string: quote, backslash and control bytes escaped */
static void json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\')
			fprintf(f, "\\%c", *p);
		else if (*p < 0x20 || *p == 0x7f)
			fprintf(f, "\\u%04x", *p);
		else
			fputc(*p, f);
	}
	fputc('"', f);
}

char *rstats_reply(const struct rloop *L, size_t *len)
{
	char *buf = NULL;
	FILE *f = open_memstream(&buf, len);

	if (!f)
		return NULL;
	for (const struct rcont *c = L->conts; c; c = c->next) {
		if (!c->dns)
			continue; /* events only: no DNS series */
		fputs("{\"container\": ", f);
		json_str(f, c->id);
		fprintf(f,
			", \"dns_allowed\": %" PRIu64 ", \"dns_refused\": %" PRIu64
			", \"learned\": %zu, \"names\": %zu}\n",
			c->dns_allowed, c->dns_refused, c->n_learned, c->n_names);
	}
	fputs("end\n", f);
	if (fclose(f) != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

char *rlearned_reply(const struct rcont *c, uint64_t now_ms, size_t *len)
{
	char *buf = NULL, a[64];
	FILE *f = open_memstream(&buf, len);

	if (!f)
		return NULL;
	for (size_t i = 0; i < c->n_learned; i++) {
		const struct learned *l = &c->learned[i];
		struct nf_addr x = { .family = l->family };

		if (l->expires_ms <= now_ms)
			continue;
		memcpy(x.a, l->a, l->family == AF_INET6 ? 16 : 4);
		nf_addr_str(&x, a, sizeof(a));
		for (size_t k = 0; k < LEARNED_NAMES && (k == 0 || l->names[k]); k++) {
			fprintf(f, "{\"address\": \"%s\"", a);
			if (l->names[k]) {
				fputs(", \"name\": ", f);
				json_str(f, l->names[k]);
			}
			fprintf(f, ", \"expires_in\": %" PRIu64 "}\n",
				(l->expires_ms - now_ms + 999) / 1000);
		}
	}
	fputs("end\n", f);
	if (fclose(f) != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

/* The DNS counters of every registered fence, as `netfence metrics` reads them from `stats`. */
static int dns_of(const struct rloop *L, struct metrics_dns **ret, size_t *n)
{
	struct metrics_dns *v;
	size_t k = 0;

	for (const struct rcont *c = L->conts; c; c = c->next)
		k++;
	v = calloc(k + 1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	k = 0;
	for (const struct rcont *c = L->conts; c; c = c->next)
		if (c->dns)
			v[k++] = (struct metrics_dns){ .id = c->id,
						       .allowed = c->dns_allowed,
						       .refused = c->dns_refused,
						       .names = c->n_names,
						       .learned = c->n_learned };
	*ret = v;
	*n = k;
	return 0;
}

int rhttp_listen(const struct hostconf *hc)
{
	struct sockaddr_storage ss = { 0 };
	socklen_t sl;
	int fd, one = 1;

	if (hc->metrics_addr.family == AF_INET) {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;

		s4->sin_family = AF_INET;
		s4->sin_port = htons(hc->metrics_port);
		memcpy(&s4->sin_addr, hc->metrics_addr.a, 4);
		sl = sizeof(*s4);
	} else {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;

		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(hc->metrics_port);
		memcpy(&s6->sin6_addr, hc->metrics_addr.a, 16);
		sl = sizeof(*s6);
	}
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    (ss.ss_family == AF_INET6 &&
	     setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)) < 0) ||
	    bind(fd, (struct sockaddr *)&ss, sl) < 0 || listen(fd, RHTTP_CONNS_MAX) < 0) {
		int e = errno;

		close(fd);
		return -e;
	}
	return fd;
}

static void conn_close(struct hconn *k)
{
	for (struct hconn **p = &conns; *p; p = &(*p)->next) {
		if (*p == k) {
			*p = k->next;
			n_conns--;
			break;
		}
	}
	close(k->ev.fd);
	k->ev.fd = -1;
	free(k->out);
	k->out = NULL;
	rdefer(k);
}

void rhttp_accept(struct rloop *L, int lfd)
{
	for (int fd; (fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0;) {
		struct hconn *k = n_conns < RHTTP_CONNS_MAX ? calloc(1, sizeof(*k)) : NULL;
		struct epoll_event e = { .events = EPOLLIN, .data.ptr = k };

		if (!k || epoll_ctl(L->epfd, EPOLL_CTL_ADD, fd, &e) < 0) {
			free(k);
			close(fd);
			continue;
		}
		k->ev = (struct rev){ REV_HTTP, fd };
		k->deadline_ms = nf_now_ms() + RHTTP_TIMEOUT_MS;
		k->next = conns;
		conns = k;
		n_conns++;
	}
}

static void respond(struct hconn *k, const char *status, const char *extra, const char *type,
		    const char *body, size_t blen, bool head)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return;
	fprintf(f,
		"HTTP/1.1 %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n%sConnection: "
		"close\r\n\r\n",
		status, type, blen, extra);
	if (!head)
		fwrite(body, 1, blen, f);
	if (fclose(f) != 0) {
		free(buf);
		return;
	}
	k->out = buf;
	k->olen = len;
}

static void error_page(struct hconn *k, const char *status, const char *extra, bool head)
{
	char body[64];
	int n = snprintf(body, sizeof(body), "%s\n", status);

	respond(k, status, extra, "text/plain; charset=utf-8", body, (size_t)n, head);
}

static void scrape(const struct rloop *L, const char *state_dir, struct hconn *k, bool head,
		   bool log)
{
	struct metrics_dns *dns = NULL;
	struct nf_error err = { 0 };
	char *body = NULL;
	size_t blen = 0, n_dns = 0, failed = 0;
	FILE *f;
	int r = -ENOMEM;

	if (dns_of(L, &dns, &n_dns) == 0 && (f = open_memstream(&body, &blen))) {
		r = metrics_write(f, state_dir, dns, n_dns, &failed, &err);
		if (fclose(f) != 0 && r >= 0)
			r = -ENOMEM;
	}
	free(dns); /* the ids are the containers' own */
	if (r < 0) {
		if (log)
			rlog("- metrics: %s", err.msg[0] ? err.msg : strerror(-r));
		error_page(k, "500 Internal Server Error", "", head);
	} else {
		if (failed && log)
			rlog("- metrics: the counters of %zu containers could not be read", failed);
		respond(k, "200 OK", "", METRICS_CONTENT_TYPE, body, blen, head);
	}
	free(body);
}

/* Scrape children that are done (all: every one, killed first). */
static void reap(bool all)
{
	for (size_t i = 0; i < RHTTP_SCRAPES_MAX; i++) {
		if (scrapers[i] <= 0)
			continue;
		if (all)
			kill(scrapers[i], SIGKILL);
		if (waitpid(scrapers[i], NULL, all ? 0 : WNOHANG) != 0)
			scrapers[i] = 0;
	}
}

/* In the child: answer k alone and exit (at the latest when the connection's time is up). Every
 * other descriptor is closed first: the log's, the pid lock's, the containers' sockets, the
 * nftables sockets (nft_after_fork: the child opens its own). */
static void __attribute__((noreturn))
scrape_child(const struct rloop *L, const char *state_dir, struct hconn *k, bool head)
{
	struct timeval tv = { RHTTP_TIMEOUT_MS / 1000, 0 };
	int fd = k->ev.fd;
	char sink[4096];

	alarm(RHTTP_TIMEOUT_MS / 1000);
	if (fd > 3)
		close_range(3, (unsigned)fd - 1, 0);
	close_range((unsigned)fd + 1, ~0U, 0);
	nft_after_fork();
	scrape(L, state_dir, k, head, false);
	if (!k->out || fcntl(fd, F_SETFL, 0) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) < 0)
		_exit(1);
	while (k->off < k->olen) {
		ssize_t n = send(fd, k->out + k->off, k->olen - k->off, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			_exit(1);
		k->off += (size_t)n;
	}
	/* linger until the client closes (send_some says why) */
	shutdown(fd, SHUT_WR);
	while (recv(fd, sink, sizeof(sink), 0) > 0)
		;
	_exit(0);
}

/* GET /metrics: the counters are read in a child, so DNS waits for a fork only. At most
 * RHTTP_SCRAPES_MAX at once (503 beyond); where fork fails, in the loop. */
static void scrape_start(const struct rloop *L, const char *state_dir, struct hconn *k, bool head)
{
	size_t i;
	pid_t pid;

	reap(false);
	for (i = 0; i < RHTTP_SCRAPES_MAX && scrapers[i] > 0; i++)
		;
	if (i == RHTTP_SCRAPES_MAX) {
		error_page(k, "503 Service Unavailable", "Retry-After: 1\r\n", head);
		return;
	}
	pid = fork();
	if (pid < 0) {
		scrape(L, state_dir, k, head, true);
		return;
	}
	if (pid == 0)
		scrape_child(L, state_dir, k, head);
	scrapers[i] = pid;
	k->handed = true; /* the child answers; our copy of the socket goes */
}

/* The request line: GET or HEAD /metrics (a query string ignored), HTTP/1.0 or 1.1. */
static void answer(const struct rloop *L, const char *state_dir, struct hconn *k)
{
	char *line = k->req, *sp1, *sp2, *target;
	size_t tlen;
	bool head;

	line[strcspn(line, "\r\n")] = 0;
	sp1 = strchr(line, ' ');
	sp2 = sp1 ? strchr(sp1 + 1, ' ') : NULL;
	if (!sp1 || !sp2 || sp1 == line || strchr(sp2 + 1, ' ') ||
	    (strcmp(sp2 + 1, "HTTP/1.0") != 0 && strcmp(sp2 + 1, "HTTP/1.1") != 0)) {
		error_page(k, "400 Bad Request", "", false);
		return;
	}
	*sp1 = 0;
	target = sp1 + 1;
	tlen = strcspn(target, " ?");
	head = strcmp(line, "HEAD") == 0;
	if (tlen != 8 || strncmp(target, "/metrics", 8) != 0)
		error_page(k, "404 Not Found", "", head);
	else if (!head && strcmp(line, "GET") != 0)
		error_page(k, "405 Method Not Allowed", "Allow: GET, HEAD\r\n", false);
	else
		scrape_start(L, state_dir, k, head);
}

/* After the response, the connection lingers half-closed until the client closes it (or its
 * time is up): data it sent that we did not read (a request past RHTTP_REQUEST_MAX) would turn
 * our close into a reset, which can cost the client the response. */
static void send_some(struct rloop *L, struct hconn *k)
{
	struct epoll_event e = { .events = EPOLLIN, .data.ptr = k };

	while (k->off < k->olen) {
		ssize_t n = send(k->ev.fd, k->out + k->off, k->olen - k->off,
				 MSG_DONTWAIT | MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		if (n <= 0)
			break;
		k->off += (size_t)n;
	}
	if (k->off < k->olen || shutdown(k->ev.fd, SHUT_WR) < 0 ||
	    epoll_ctl(L->epfd, EPOLL_CTL_MOD, k->ev.fd, &e) < 0) {
		conn_close(k);
		return;
	}
	k->sent = true;
}

void rhttp_io(struct rloop *L, const char *state_dir, struct rev *ev, uint32_t events)
{
	struct hconn *k = (struct hconn *)ev;
	struct epoll_event e = { .events = EPOLLOUT, .data.ptr = k };
	ssize_t n;

	if (k->sent) {
		char sink[4096];

		while ((n = recv(ev->fd, sink, sizeof(sink), MSG_DONTWAIT)) > 0)
			;
		if (n == 0 || (errno != EAGAIN && errno != EINTR))
			conn_close(k);
		return;
	}
	if (k->out) {
		send_some(L, k);
		return;
	}
	n = recv(ev->fd, k->req + k->rlen, RHTTP_REQUEST_MAX - k->rlen, MSG_DONTWAIT);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		conn_close(k);
		return;
	}
	k->rlen += (size_t)n;
	k->req[k->rlen] = 0;
	if (strlen(k->req) != k->rlen) { /* a NUL byte: not HTTP */
		error_page(k, "400 Bad Request", "", false);
	} else if (strstr(k->req, "\r\n\r\n") || strstr(k->req, "\n\n")) {
		answer(L, state_dir, k);
	} else if (k->rlen == RHTTP_REQUEST_MAX) {
		error_page(k, "431 Request Header Fields Too Large", "", false);
	} else {
		return;
	}
	if (k->handed || !k->out || epoll_ctl(L->epfd, EPOLL_CTL_MOD, ev->fd, &e) < 0) {
		conn_close(k);
		return;
	}
	send_some(L, k);
}

void rhttp_tick(uint64_t now_ms, bool all)
{
	reap(all);
	for (struct hconn *k = conns, *nx; k; k = nx) {
		nx = k->next;
		if (all || now_ms >= k->deadline_ms)
			conn_close(k);
	}
}
