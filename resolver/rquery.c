/* netfence-resolver: queries (rquery.h). */
#define _GNU_SOURCE
#include <errno.h>
#include <ldns/ldns.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>

#include "dnsmsg.h"
#include "policy.h"
#include "rlog.h"
#include "revents.h"
#include "rquery.h"
#include "util.h"

#define UP_TIMEOUT_MS 1500 /* per upstream; a stub resolver waits 5 s in all */
#define TCP_IDLE_MS 10000
#define TCP_MAX 1024 /* connections from containers, all together */
#define DNS_MAX 65535

struct rtcp {
	struct rev ev; /* REV_TCP */
	struct rtcp *next;
	struct rcont *c;
	uint8_t *in; /* DNS_MAX + 2 */
	size_t in_len;
	uint8_t *out;
	size_t out_len, out_off;
	bool busy; /* its query is upstream: one at a time, in order */
	uint64_t last_ms;
};

struct upq {
	struct rev ev; /* REV_UP: the upstream socket */
	struct upq *next;
	struct rcont *c;
	struct rtcp *tc; /* the TCP connection it came on, NULL for UDP */
	int reply_fd;	 /* UDP: the container's socket */
	struct sockaddr_storage peer;
	socklen_t peerlen;
	uint8_t *msg; /* as received, its name lower-cased; its id is the container's */
	size_t len;
	uint8_t qcase[256]; /* the question's name as the container wrote it (wire form) */
	size_t qcase_len;
	struct dnsmsg_query q;
	uint16_t *rules;
	size_t n_rules;
	uint16_t up_id;
	size_t up_idx;
	uint8_t *in; /* TCP answer */
	size_t in_len;
	size_t out_off; /* TCP: bytes of the framed query written */
	uint64_t deadline_ms;
};

static uint8_t buf[DNS_MAX + 2];
static uint64_t rnd_state;

static uint16_t rnd16(void)
{
	if (!rnd_state && getrandom(&rnd_state, sizeof(rnd_state), 0) != sizeof(rnd_state))
		rnd_state = nf_now_ms() | 1;
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 7;
	rnd_state ^= rnd_state << 17;
	return (uint16_t)(rnd_state >> 24);
}

static const char *qtype_str(uint16_t t, char *b, size_t n)
{
	char *s = ldns_rr_type2str((ldns_rr_type)t);

	snprintf(b, n, "%s", s ? s : "?");
	free(s);
	return b;
}

/* A DNS event in c's ring (its log line is the caller's rlog). */
static void dns_event(struct rcont *c, const char *name, uint16_t qtype, bool allowed,
		      const struct dnsmsg_addr *a, size_t n)
{
	struct nf_event e;

	nf_event_init(&e, NF_EV_DNS, nf_event_now_ms());
	snprintf(e.query, sizeof(e.query), "%s", name);
	qtype_str(qtype, e.qtype, sizeof(e.qtype));
	e.verdict = allowed ? NF_EV_ALLOWED : NF_EV_REFUSED;
	for (size_t i = 0; i < n && e.n_addrs < NF_EVENT_MAX_ADDRS; i++) {
		e.addrs[e.n_addrs].family = a[i].family;
		memcpy(e.addrs[e.n_addrs++].a, a[i].a, sizeof(a[i].a));
	}
	revents_add(c, &e, false);
}

static void ev_mod(struct rloop *L, struct rev *ev, uint32_t events)
{
	struct epoll_event e = { .events = events, .data.ptr = ev };

	epoll_ctl(L->epfd, EPOLL_CTL_MOD, ev->fd, &e);
}

static void tcp_close(struct rloop *L, struct rtcp *t);
static void tcp_next(struct rloop *L, struct rtcp *t);

static void tcp_flush(struct rloop *L, struct rtcp *t)
{
	while (t->out_off < t->out_len) {
		ssize_t w = send(t->ev.fd, t->out + t->out_off, t->out_len - t->out_off,
				 MSG_DONTWAIT | MSG_NOSIGNAL);

		if (w < 0) {
			if (errno == EAGAIN)
				break;
			tcp_close(L, t);
			return;
		}
		t->out_off += (size_t)w;
	}
	if (t->out_off == t->out_len)
		t->out_off = t->out_len = 0;
	ev_mod(L, &t->ev, EPOLLIN | (t->out_len ? EPOLLOUT : 0));
}

/* Send a reply to where the query came from. */
static void reply(struct rloop *L, struct rtcp *tc, int fd, const struct sockaddr_storage *peer,
		  socklen_t peerlen, const uint8_t *m, size_t n)
{
	if (!tc) {
		if (fd >= 0)
			sendto(fd, m, n, MSG_DONTWAIT, (const struct sockaddr *)peer, peerlen);
		return;
	}
	uint8_t *o = realloc(tc->out, tc->out_len + n + 2);

	if (!o) {
		tcp_close(L, tc);
		return;
	}
	tc->out = o;
	o[tc->out_len] = (uint8_t)(n >> 8);
	o[tc->out_len + 1] = (uint8_t)n;
	memcpy(o + tc->out_len + 2, m, n);
	tc->out_len += n + 2;
	tcp_flush(L, tc);
}

static void reply_rcode(struct rloop *L, struct rtcp *tc, int fd,
			const struct sockaddr_storage *peer, socklen_t peerlen, const uint8_t *m,
			size_t n, int rcode)
{
	uint8_t *out = NULL;
	size_t len = 0;

	if (dnsmsg_reply_rcode(m, n, rcode, &out, &len) >= 0)
		reply(L, tc, fd, peer, peerlen, out, len);
	free(out);
}

static void q_free(struct rloop *L, struct upq *q)
{
	struct rtcp *tc = q->tc;

	for (struct upq **p = &L->pending; *p; p = &(*p)->next)
		if (*p == q) {
			*p = q->next;
			break;
		}
	if (q->ev.fd >= 0)
		close(q->ev.fd);
	q->ev.fd = -1;
	free(q->msg);
	free(q->in);
	free(q->rules);
	rcont_put(q->c);
	rdefer(q);
	if (tc) {
		tc->busy = false;
		tcp_next(L, tc);
	}
}

static void q_fail(struct rloop *L, struct upq *q, int rcode)
{
	reply_rcode(L, q->tc, q->reply_fd, &q->peer, q->peerlen, q->msg, q->len, rcode);
	q_free(L, q);
}

/* Send q to its upstream number up_idx, or the next that takes it; SERVFAIL after the last. */
static void send_up(struct rloop *L, struct upq *q)
{
	const struct journal_dns *d = q->c->dns;

	for (; q->up_idx < d->n_upstreams; q->up_idx++) {
		const struct nf_addr *a = &d->upstreams[q->up_idx];
		struct sockaddr_storage ss = { 0 };
		struct epoll_event e = { .data.ptr = &q->ev };
		socklen_t len;
		int fd;

		if (a->family == AF_INET) {
			struct sockaddr_in *s = (struct sockaddr_in *)&ss;

			s->sin_family = AF_INET;
			s->sin_port = htons(53);
			memcpy(&s->sin_addr, a->a, 4);
			len = sizeof(*s);
		} else {
			struct sockaddr_in6 *s = (struct sockaddr_in6 *)&ss;

			s->sin6_family = AF_INET6;
			s->sin6_port = htons(53);
			memcpy(&s->sin6_addr, a->a, 16);
			len = sizeof(*s);
		}
		fd = socket(a->family,
			    (q->tc ? SOCK_STREAM : SOCK_DGRAM) | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (fd < 0)
			continue;
		if (connect(fd, (struct sockaddr *)&ss, len) < 0 && errno != EINPROGRESS) {
			close(fd);
			continue;
		}
		q->up_id = rnd16();
		dnsmsg_set_id(q->msg, q->len, q->up_id);
		if (!q->tc && send(fd, q->msg, q->len, MSG_DONTWAIT) < 0) {
			close(fd);
			continue;
		}
		q->ev.fd = fd;
		q->out_off = 0;
		q->in_len = 0;
		e.events = q->tc ? EPOLLOUT : EPOLLIN;
		if (epoll_ctl(L->epfd, EPOLL_CTL_ADD, fd, &e) < 0) {
			close(fd);
			q->ev.fd = -1;
			continue;
		}
		q->deadline_ms = nf_now_ms() + UP_TIMEOUT_MS;
		return;
	}
	dnsmsg_set_id(q->msg, q->len, q->q.id);
	rlog("%s servfail %s: no upstream answered", q->c->id, q->q.name);
	q_fail(L, q, LDNS_RCODE_SERVFAIL);
}

static void next_upstream(struct rloop *L, struct upq *q)
{
	if (q->ev.fd >= 0)
		close(q->ev.fd); /* also leaves the epoll set */
	q->ev.fd = -1;
	q->up_idx++;
	send_up(L, q);
}

/* Lower-case the question's name in m (wire form from offset 12): a container must not pass
 * data to the upstream in the letter case of an allowed name ("0x20"). Its wire length, 0 when
 * it is not plain labels (a parsed query's always is). */
static size_t qname_lower(uint8_t *m, size_t n)
{
	size_t i = 12;

	while (i < n && m[i]) {
		size_t l = m[i];

		if (l > 63 || i + 1 + l >= n)
			return 0;
		for (size_t k = i + 1; k <= i + l; k++)
			if (m[k] >= 'A' && m[k] <= 'Z')
				m[k] += 'a' - 'A';
		i += 1 + l;
	}
	return i < n && i + 1 - 12 <= 255 ? i + 1 - 12 : 0;
}

/* The answer's question back in the container's letter case (a stub that randomises case
 * checks it). */
static void qname_restore(uint8_t *m, size_t n, const struct upq *q)
{
	if (q->qcase_len && n >= 12 + q->qcase_len &&
	    strncasecmp((const char *)m + 12, (const char *)q->qcase, q->qcase_len) == 0)
		memcpy(m + 12, q->qcase, q->qcase_len);
}

struct filter_ctx {
	struct rloop *L;
	struct upq *q;
};

static const char *refuse_addr(const struct dnsmsg_addr *a, void *arg)
{
	struct filter_ctx *f = arg;
	struct nf_addr x = { .family = a->family };

	memcpy(x.a, a->a, sizeof(x.a));
	return policy_answer_refused(&x, f->L->host, f->L->n_host);
}

static void note_addr(const struct dnsmsg_addr *a, const char *why, void *arg)
{
	struct filter_ctx *f = arg;
	struct nf_addr x = { .family = a->family };
	char s[64];

	memcpy(x.a, a->a, sizeof(x.a));
	rlog("%s stripped %s %s: %s", f->q->c->id, f->q->q.name, nf_addr_str(&x, s, sizeof(s)),
	     why);
}

static void log_learned(const struct upq *q, const struct dnsmsg_addr *a, size_t n)
{
	char line[600], s[64];
	size_t k = 0;

	line[0] = 0;
	for (size_t i = 0; i < n && k < sizeof(line) - 70; i++) {
		struct nf_addr x = { .family = a[i].family };

		memcpy(x.a, a[i].a, sizeof(x.a));
		k += (size_t)snprintf(line + k, sizeof(line) - k, " %s/%u",
				      nf_addr_str(&x, s, sizeof(s)), a[i].ttl);
	}
	rlog("%s learned %s%s%s", q->c->id, q->q.name, line, k >= sizeof(line) - 70 ? " ..." : "");
}

/* The upstream's answer m[0..n) (id already ours): filter, open, send back. 0, or -1 when it
 * is not the answer to q (keep waiting). */
static int answer(struct rloop *L, struct upq *q, uint8_t *m, size_t n)
{
	struct filter_ctx f = { L, q };
	struct dnsmsg_addr *addrs = NULL;
	uint8_t *out = NULL;
	size_t na = 0, outlen = 0;
	struct nf_error err = { 0 };
	bool tc = false;

	dnsmsg_set_id(m, n, q->q.id);
	if (dnsmsg_filter_answer(m, n, &q->q, refuse_addr, note_addr, &f, &addrs, &na, &out,
				 &outlen, &tc) < 0)
		return -1;
	dnsmsg_set_id(q->msg, q->len, q->q.id);
	if (q->n_rules && na) {
		if (rcont_learn(q->c, q->q.name, addrs, na, q->rules, q->n_rules, nf_now_ms(),
				&err) < 0) {
			rlog("%s servfail %s: opening its addresses: %s", q->c->id, q->q.name,
			     err.msg);
			free(addrs);
			free(out);
			q_fail(L, q,
			       LDNS_RCODE_SERVFAIL); /* never an answer that would not connect */
			return 0;
		}
		log_learned(q, addrs, na);
	}
	dns_event(q->c, q->q.name, q->q.qtype, true, addrs, na);
	qname_restore(out, outlen, q);
	reply(L, q->tc, q->reply_fd, &q->peer, q->peerlen, out, outlen);
	free(addrs);
	free(out);
	q_free(L, q);
	return 0;
}

/* A query m[0..n) from container c. */
static void handle(struct rloop *L, struct rcont *c, const uint8_t *m, size_t n, int fd,
		   const struct sockaddr_storage *peer, socklen_t peerlen, struct rtcp *tc)
{
	struct dnsmsg_query dq;
	uint16_t *rules = NULL;
	size_t n_rules = 0;
	struct upq *q;
	char t[16];
	int r;

	if (dnsmsg_parse_query(m, n, &dq) < 0) {
		if (n >= 12)
			reply_rcode(L, tc, fd, peer, peerlen, m, n, LDNS_RCODE_FORMERR);
		return;
	}
	if (!rcont_qps_admit(c, nf_now_ms())) {
		c->dns_refused++;
		rlog("%s refused %s %s: over dns_max_qps (%u/s)", c->id, dq.name,
		     qtype_str(dq.qtype, t, sizeof(t)), c->dns->max_qps);
		dns_event(c, dq.name, dq.qtype, false, NULL, 0);
		reply_rcode(L, tc, fd, peer, peerlen, m, n, LDNS_RCODE_REFUSED);
		return;
	}
	r = rcont_match(c, dq.name, &rules, &n_rules);
	if (r <= 0) {
		if (r == 0) {
			c->dns_refused++;
			rlog("%s refused %s %s", c->id, dq.name, qtype_str(dq.qtype, t, sizeof(t)));
			dns_event(c, dq.name, dq.qtype, false, NULL, 0);
		}
		reply_rcode(L, tc, fd, peer, peerlen, m, n,
			    r < 0	       ? LDNS_RCODE_SERVFAIL
			    : c->dns->nxdomain ? LDNS_RCODE_NXDOMAIN
					       : LDNS_RCODE_REFUSED);
		return;
	}
	if (!rcont_name_admit(c, dq.name)) {
		c->dns_refused++;
		free(rules);
		rlog("%s refused %s %s: over dns_max_names (%u)", c->id, dq.name,
		     qtype_str(dq.qtype, t, sizeof(t)), c->dns->max_names);
		dns_event(c, dq.name, dq.qtype, false, NULL, 0);
		reply_rcode(L, tc, fd, peer, peerlen, m, n, LDNS_RCODE_REFUSED);
		return;
	}
	q = calloc(1, sizeof(*q));
	if (!q || !(q->msg = malloc(n))) {
		free(q);
		free(rules);
		reply_rcode(L, tc, fd, peer, peerlen, m, n, LDNS_RCODE_SERVFAIL);
		return;
	}
	c->dns_allowed++;
	memcpy(q->msg, m, n);
	q->len = n;
	q->qcase_len = qname_lower(q->msg, n);
	memcpy(q->qcase, m + 12, q->qcase_len);
	q->ev = (struct rev){ REV_UP, -1 };
	q->c = c;
	c->refs++;
	q->tc = tc;
	q->reply_fd = fd;
	if (peer)
		q->peer = *peer;
	q->peerlen = peerlen;
	q->q = dq;
	q->rules = rules;
	q->n_rules = n_rules;
	q->next = L->pending;
	L->pending = q;
	if (tc)
		tc->busy = true;
	send_up(L, q);
}

void rq_udp(struct rloop *L, struct rsock *s)
{
	for (int i = 0; i < 64; i++) {
		struct sockaddr_storage peer;
		socklen_t pl = sizeof(peer);
		ssize_t n = recvfrom(s->ev.fd, buf, DNS_MAX, MSG_DONTWAIT, (struct sockaddr *)&peer,
				     &pl);

		if (n < 0)
			return;
		handle(L, s->c, buf, (size_t)n, s->ev.fd, &peer, pl, NULL);
		if (s->c->gone)
			return;
	}
}

void rq_accept(struct rloop *L, struct rsock *s)
{
	size_t nconn = 0;

	for (struct rtcp *t = L->conns; t; t = t->next)
		nconn++;
	for (int fd; (fd = accept4(s->ev.fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0;) {
		struct rtcp *t = nconn < TCP_MAX ? calloc(1, sizeof(*t)) : NULL;
		struct epoll_event e = { .events = EPOLLIN };

		if (t && !(t->in = malloc(DNS_MAX + 2))) {
			free(t);
			t = NULL;
		}
		e.data.ptr = t;
		if (!t || epoll_ctl(L->epfd, EPOLL_CTL_ADD, fd, &e) < 0) {
			if (t)
				free(t->in);
			free(t);
			close(fd);
			continue;
		}
		t->ev = (struct rev){ REV_TCP, fd };
		t->c = s->c;
		s->c->refs++;
		t->last_ms = nf_now_ms();
		t->next = L->conns;
		L->conns = t;
		nconn++;
	}
}

static void tcp_close(struct rloop *L, struct rtcp *t)
{
	for (struct rtcp **p = &L->conns; *p; p = &(*p)->next)
		if (*p == t) {
			*p = t->next;
			break;
		}
	for (struct upq *q = L->pending; q; q = q->next)
		if (q->tc == t) { /* its answer has nowhere to go */
			q->tc = NULL;
			q->reply_fd = -1;
		}
	close(t->ev.fd);
	t->ev.fd = -1;
	free(t->in);
	free(t->out);
	rcont_put(t->c);
	rdefer(t);
}

/* Hand on the next whole query the connection has buffered, if none is upstream. */
static void tcp_next(struct rloop *L, struct rtcp *t)
{
	size_t len;

	if (t->busy || t->in_len < 2)
		return;
	len = (size_t)t->in[0] << 8 | t->in[1];
	if (t->in_len < len + 2)
		return;
	memcpy(buf, t->in + 2, len);
	memmove(t->in, t->in + 2 + len, t->in_len - len - 2);
	t->in_len -= len + 2;
	handle(L, t->c, buf, len, -1, NULL, 0, t);
}

void rq_tcp(struct rloop *L, struct rev *ev, uint32_t events)
{
	struct rtcp *t = (struct rtcp *)ev;

	t->last_ms = nf_now_ms();
	if (events & EPOLLOUT) {
		tcp_flush(L, t);
		return;
	}
	if (t->in_len < DNS_MAX + 2) {
		ssize_t n =
			recv(t->ev.fd, t->in + t->in_len, DNS_MAX + 2 - t->in_len, MSG_DONTWAIT);

		if (n == 0 || (n < 0 && errno != EAGAIN)) {
			tcp_close(L, t);
			return;
		}
		if (n > 0)
			t->in_len += (size_t)n;
	}
	tcp_next(L, t);
}

void rq_up(struct rloop *L, struct rev *ev, uint32_t events)
{
	struct upq *q = (struct upq *)ev;
	ssize_t n;

	if (!q->tc) {
		n = recv(q->ev.fd, buf, DNS_MAX, MSG_DONTWAIT);
		if (n < 0 && errno == EAGAIN)
			return;
		if (n < 0) { /* ICMP unreachable: the next one */
			next_upstream(L, q);
			return;
		}
		if (n < 12 || ((uint16_t)(buf[0] << 8 | buf[1])) != q->up_id)
			return; /* not ours: keep waiting */
		answer(L, q, buf, (size_t)n);
		return;
	}
	if (events & (EPOLLERR | EPOLLHUP) && !(events & EPOLLIN)) {
		next_upstream(L, q);
		return;
	}
	if (q->out_off < q->len + 2) { /* connected: the framed query */
		uint8_t hdr[2] = { (uint8_t)(q->len >> 8), (uint8_t)q->len };
		struct iovec iov[2] = { { hdr + (q->out_off < 2 ? q->out_off : 2),
					  q->out_off < 2 ? 2 - q->out_off : 0 },
					{ q->msg + (q->out_off > 2 ? q->out_off - 2 : 0),
					  q->len - (q->out_off > 2 ? q->out_off - 2 : 0) } };
		struct msghdr mh = { .msg_iov = iov, .msg_iovlen = 2 };

		n = sendmsg(q->ev.fd, &mh, MSG_DONTWAIT | MSG_NOSIGNAL);
		if (n < 0) {
			if (errno != EAGAIN)
				next_upstream(L, q);
			return;
		}
		q->out_off += (size_t)n;
		if (q->out_off == q->len + 2)
			ev_mod(L, &q->ev, EPOLLIN);
		return;
	}
	if (!q->in && !(q->in = malloc(DNS_MAX + 2))) {
		next_upstream(L, q);
		return;
	}
	n = recv(q->ev.fd, q->in + q->in_len, DNS_MAX + 2 - q->in_len, MSG_DONTWAIT);
	if (n < 0 && errno == EAGAIN)
		return;
	if (n <= 0) {
		next_upstream(L, q);
		return;
	}
	q->in_len += (size_t)n;
	if (q->in_len >= 2) {
		size_t len = (size_t)q->in[0] << 8 | q->in[1];

		if (q->in_len >= len + 2) {
			if (len < 12 || ((uint16_t)(q->in[2] << 8 | q->in[3])) != q->up_id ||
			    answer(L, q, q->in + 2, len) < 0)
				next_upstream(L, q);
		}
	}
}

void rq_tick(struct rloop *L, uint64_t now_ms)
{
	/* next_upstream either moves a query's deadline past now or frees it */
	for (;;) {
		struct upq *q = L->pending;

		while (q && q->deadline_ms > now_ms)
			q = q->next;
		if (!q)
			break;
		next_upstream(L, q);
	}
	for (struct rtcp *t = L->conns, *nx; t; t = nx) {
		nx = t->next;
		if (!t->busy && now_ms - t->last_ms > TCP_IDLE_MS)
			tcp_close(L, t);
	}
}

void rq_drop_cont(struct rloop *L, struct rcont *c)
{
	for (struct rtcp *t = L->conns, *nx; t; t = nx) {
		nx = t->next;
		if (t->c == c)
			tcp_close(L, t);
	}
	for (struct upq *q = L->pending, *nx; q; q = nx) {
		nx = q->next;
		if (q->c == c) {
			q->tc = NULL;
			q_free(L, q);
		}
	}
}
