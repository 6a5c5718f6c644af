/* netfence-resolver: a container's network events (revents.h). */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <libmnl/libmnl.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_log.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "nft.h"
#include "revents.h"
#include "rlog.h"
#include "types.h"
#include "util.h"

#define COPY_RANGE 128		    /* headers only: IPv6 + extension headers + ports */
#define RCVBUF (1 << 20)	    /* a burst of 20 events per container, 1000 containers */
#define STREAM_MAX 64		    /* streaming connections, all together */
#define STREAM_BUF (1u << 20)	    /* a follower further behind than this is dropped */
#define EVENTS_REPLY_MAX (8u << 20) /* an `events` reply: the newest lines that fit */

struct rring {
	struct {
		uint64_t ms;
		char *json;
	} v[REVENTS_RING];
	size_t head, n; /* oldest at head */
	char *last; /* the newest blocked packet's JSON (the `last` request), kept past the ring */
	/* suppressed: blocked packets a table counted minus the events it logged; [0] the
	 * container's namespace's table, [1] the host's (wire mode) */
	struct acct {
		uint64_t window, last;
		bool known, active, off; /* known: baseline read; off: no such counters */
	} acct[2];
};

struct rstream {       /* an `events` reply being written, or a follower */
	struct rev ev; /* REV_EVOUT */
	struct rstream *next;
	char *id;    /* NULL: every container */
	bool follow; /* else closed once written */
	char *out;
	size_t len, off;
};

static struct rev host_nflog = { REV_NFLOG, -1 };
static struct rstream *streams;
static size_t n_streams;
static int loop_epfd = -1;

/* ---- parsing ---- */

int revents_parse_prefix(const char *prefix, char *kind, char hex[13])
{
	size_t n = strlen(prefix);

	hex[0] = 0;
	if (n < 4 || strncmp(prefix, "nf ", 3) != 0 || !strchr("eihrq", prefix[3]))
		return -EINVAL;
	*kind = prefix[3];
	if (n == 4)
		return 0;
	if (n != 17 || prefix[4] != ' ' || !nf_hex_ok(prefix + 5) || strlen(prefix + 5) != 12)
		return -EINVAL;
	memcpy(hex, prefix + 5, 13);
	return 0;
}

static int nflog_attr(const struct nlattr *a, void *data)
{
	const struct nlattr **tb = data;
	int t = mnl_attr_get_type(a);

	if (mnl_attr_type_valid(a, NFULA_MAX) < 0)
		return MNL_CB_OK;
	switch (t) {
	case NFULA_IFINDEX_INDEV:
	case NFULA_IFINDEX_OUTDEV:
		if (mnl_attr_validate(a, MNL_TYPE_U32) < 0)
			return MNL_CB_ERROR;
		break;
	case NFULA_PREFIX:
		if (mnl_attr_validate(a, MNL_TYPE_NUL_STRING) < 0)
			return MNL_CB_ERROR;
		break;
	case NFULA_TIMESTAMP:
		if (mnl_attr_validate2(a, MNL_TYPE_UNSPEC,
				       sizeof(struct nfulnl_msg_packet_timestamp)) < 0)
			return MNL_CB_ERROR;
		break;
	}
	tb[t] = a;
	return MNL_CB_OK;
}

int revents_parse_nflog(const void *msg, size_t len, struct nflog_pkt *ret)
{
	const struct nlmsghdr *nlh = msg;
	const struct nlattr *tb[NFULA_MAX + 1] = { 0 };
	const struct nlattr *a;
	size_t used = NLMSG_HDRLEN + NLMSG_ALIGN(sizeof(struct nfgenmsg));

	if (len < sizeof(*nlh) || !mnl_nlmsg_ok(nlh, (int)len) ||
	    nlh->nlmsg_type != ((NFNL_SUBSYS_ULOG << 8) | NFULNL_MSG_PACKET) ||
	    nlh->nlmsg_len < used || MNL_ALIGN(nlh->nlmsg_len) > len)
		return -EINVAL; /* libmnl reads attributes up to the aligned end */
	mnl_attr_for_each(a, nlh, sizeof(struct nfgenmsg))
	{
		if (nflog_attr(a, tb) != MNL_CB_OK)
			return -EINVAL;
		used = (size_t)((const uint8_t *)mnl_attr_next(a) - (const uint8_t *)nlh);
	}
	if (used < nlh->nlmsg_len) /* an attribute's length ran past the message */
		return -EINVAL;
	memset(ret, 0, sizeof(*ret));
	ret->family = ((const struct nfgenmsg *)mnl_nlmsg_get_payload(nlh))->nfgen_family;
	if (tb[NFULA_PREFIX])
		snprintf(ret->prefix, sizeof(ret->prefix), "%s",
			 mnl_attr_get_str(tb[NFULA_PREFIX]));
	if (tb[NFULA_IFINDEX_INDEV])
		ret->indev = ntohl(mnl_attr_get_u32(tb[NFULA_IFINDEX_INDEV]));
	if (tb[NFULA_IFINDEX_OUTDEV])
		ret->outdev = ntohl(mnl_attr_get_u32(tb[NFULA_IFINDEX_OUTDEV]));
	if (tb[NFULA_TIMESTAMP]) {
		struct nfulnl_msg_packet_timestamp ts;

		memcpy(&ts, mnl_attr_get_payload(tb[NFULA_TIMESTAMP]), sizeof(ts));
		if (be64toh(ts.sec) < 253402300800ull &&
		    be64toh(ts.usec) < 1000000) /* < 10000 AD */
			ret->ms = be64toh(ts.sec) * 1000 + be64toh(ts.usec) / 1000;
	}
	if (tb[NFULA_PAYLOAD]) {
		ret->payload = mnl_attr_get_payload(tb[NFULA_PAYLOAD]);
		ret->payload_len = mnl_attr_get_payload_len(tb[NFULA_PAYLOAD]);
	}
	return 0;
}

static bool has_ports(int proto)
{
	return proto == 6 || proto == 17 || proto == 132 || proto == 136; /* tcp udp sctp udplite */
}

int revents_parse_payload(const uint8_t *p, size_t n, struct nf_event *e)
{
	size_t off;
	int proto;

	if (n >= 20 && p[0] >> 4 == 4) {
		size_t ihl = (size_t)(p[0] & 15) * 4;
		bool first = ((p[6] & 0x1f) << 8 | p[7]) == 0; /* fragment offset 0 */

		if (ihl < 20 || ihl > n)
			return -EINVAL;
		proto = p[9];
		e->src.family = e->dst.family = AF_INET;
		memcpy(e->src.a, p + 12, 4);
		memcpy(e->dst.a, p + 16, 4);
		off = first ? ihl : n; /* a later fragment carries no ports */
	} else if (n >= 40 && p[0] >> 4 == 6) {
		proto = p[6];
		e->src.family = e->dst.family = AF_INET6;
		memcpy(e->src.a, p + 8, 16);
		memcpy(e->dst.a, p + 24, 16);
		off = 40;
		/* hop-by-hop, routing, destination options, fragment: skip to the transport */
		for (int hops = 0;
		     hops < 8 && (proto == 0 || proto == 43 || proto == 60 || proto == 44);
		     hops++) {
			int next;
			bool later = false;

			if (off + 8 > n)
				break;
			next = p[off];
			if (proto == 44) {
				later = ((p[off + 2] << 8 | p[off + 3]) & 0xfff8) != 0;
				off += 8;
			} else {
				off += ((size_t)p[off + 1] + 1) * 8;
			}
			proto = next;
			if (later) { /* not the first fragment: no ports in it */
				off = n;
				break;
			}
		}
		if (proto == 0 || proto == 43 || proto == 60 || proto == 44)
			proto = -1;
	} else {
		return -EINVAL;
	}
	e->proto = proto;
	if (proto >= 0 && has_ports(proto) && off + 4 <= n)
		e->port = p[off + 2] << 8 | p[off + 3];
	return 0;
}

/* ---- the NFLOG sockets ---- */

static int nflog_config(int fd, struct nf_error *err)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct nfgenmsg *g;
	struct nfulnl_msg_config_cmd cmd = { NFULNL_CFG_CMD_BIND };
	struct nfulnl_msg_config_mode mode = { htonl(COPY_RANGE), NFULNL_COPY_PACKET, 0 };
	ssize_t n;

	nlh->nlmsg_type = (NFNL_SUBSYS_ULOG << 8) | NFULNL_MSG_CONFIG;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	nlh->nlmsg_seq = 1;
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->nfgen_family = AF_UNSPEC;
	g->version = NFNETLINK_V0;
	g->res_id = htons(NF_NFLOG_GROUP);
	mnl_attr_put(nlh, NFULA_CFG_CMD, sizeof(cmd), &cmd);
	mnl_attr_put(nlh, NFULA_CFG_MODE, sizeof(mode), &mode);
	/* every packet at once (the default waits for 100 of them or a second) */
	mnl_attr_put_u32(nlh, NFULA_CFG_QTHRESH, htonl(1));
	mnl_attr_put_u32(nlh, NFULA_CFG_TIMEOUT, htonl(1));
	if (send(fd, nlh, nlh->nlmsg_len, 0) < 0)
		return nf_sys_err(err, errno, "NFLOG: configuring group %d", NF_NFLOG_GROUP);
	n = recv(fd, buf, sizeof(buf), 0);
	if (n < 0)
		return nf_sys_err(err, errno, "NFLOG: binding group %d", NF_NFLOG_GROUP);
	nlh = (struct nlmsghdr *)buf;
	if (mnl_nlmsg_ok(nlh, (int)n) && nlh->nlmsg_type == NLMSG_ERROR) {
		const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);

		if (e->error)
			return nf_sys_err(err, -e->error, "NFLOG: binding group %d%s",
					  NF_NFLOG_GROUP,
					  e->error == -EBUSY ? " (another listener has it)" : "");
	}
	return 0;
}

int revents_config(int fd, struct nf_error *err)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	int sz = RCVBUF, r;

	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return nf_sys_err(err, errno, "NFLOG: bind");
	/* a full buffer loses events (ENOBUFS), never blocks the kernel */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &sz, sizeof(sz)) < 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
	r = nflog_config(fd, err);
	if (r >= 0 && fcntl(fd, F_SETFL, O_NONBLOCK) < 0)
		r = nf_sys_err(err, errno, "NFLOG: fcntl");
	return r;
}

void revents_start(int epfd)
{
	struct nf_error err = { 0 };
	struct epoll_event e = { .events = EPOLLIN, .data.ptr = &host_nflog };

	loop_epfd = epfd;
	host_nflog.fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_NETFILTER);
	if (host_nflog.fd < 0 || revents_config(host_nflog.fd, &err) < 0) {
		rlog("- no blocked-packet events: %s",
		     host_nflog.fd < 0 ? strerror(errno) : err.msg);
		if (host_nflog.fd >= 0)
			close(host_nflog.fd);
		host_nflog.fd = -1;
		return;
	}
	if (epoll_ctl(epfd, EPOLL_CTL_ADD, host_nflog.fd, &e) < 0) {
		rlog("- no blocked-packet events: epoll: %s", strerror(errno));
		close(host_nflog.fd);
		host_nflog.fd = -1;
	}
}

/* ---- the rings and the streams ---- */

static void stream_close(struct rstream *s)
{
	for (struct rstream **p = &streams; *p; p = &(*p)->next)
		if (*p == s) {
			*p = s->next;
			break;
		}
	n_streams--;
	close(s->ev.fd); /* also leaves the epoll set */
	s->ev.fd = -1;
	free(s->out);
	free(s->id);
	rdefer(s);
}

/* Write what the peer takes; wait for EPOLLOUT for the rest; an `events` reply written whole
 * ends the connection. */
static void stream_flush(struct rstream *s)
{
	struct epoll_event e = { .events = EPOLLIN, .data.ptr = &s->ev };

	while (s->off < s->len) {
		ssize_t w = send(s->ev.fd, s->out + s->off, s->len - s->off,
				 MSG_DONTWAIT | MSG_NOSIGNAL);

		if (w < 0) {
			if (errno == EAGAIN)
				break;
			stream_close(s);
			return;
		}
		s->off += (size_t)w;
	}
	if (s->off == s->len) {
		s->off = s->len = 0;
		if (!s->follow) {
			stream_close(s);
			return;
		}
	}
	if (s->len)
		e.events |= EPOLLOUT;
	epoll_ctl(loop_epfd, EPOLL_CTL_MOD, s->ev.fd, &e);
}

/* Queue a line; false when the connection's buffer is full (the caller closes it). */
static bool stream_put(struct rstream *s, const char *line, size_t n)
{
	char *v;

	if (s->off && s->off == s->len)
		s->off = s->len = 0;
	if (s->len + n + 1 > STREAM_BUF && s->follow)
		return false;
	v = realloc(s->out, s->len + n + 1);
	if (!v)
		return false;
	s->out = v;
	memcpy(v + s->len, line, n);
	v[s->len + n] = '\n';
	s->len += n + 1;
	return true;
}

void revents_stream(struct rev *ev, uint32_t events)
{
	struct rstream *s = (struct rstream *)ev;
	char b[256];

	if (events & (EPOLLIN | EPOLLHUP | EPOLLERR)) {
		ssize_t n = recv(s->ev.fd, b, sizeof(b), MSG_DONTWAIT);

		if (n == 0 || (n < 0 && errno != EAGAIN) || (events & (EPOLLHUP | EPOLLERR))) {
			stream_close(s); /* the reader went away */
			return;
		}
	}
	if (events & EPOLLOUT)
		stream_flush(s);
}

void revents_add(struct rcont *c, struct nf_event *e, bool log)
{
	char line[NF_EVENT_LINE];
	struct rring *g = c->ring;
	int n;

	snprintf(e->container, sizeof(e->container), "%s", c->id);
	if (log && nf_event_text(e, line, sizeof(line)) >= 0)
		rlog("%s", line);
	n = nf_event_json(e, line, sizeof(line));
	if (n < 0)
		return;
	if (c->gone || (!g && !(g = c->ring = calloc(1, sizeof(*g)))))
		return;
	if (e->type == NF_EV_BLOCKED) {
		free(g->last);
		g->last = strdup(line);
	}
	if (g->n == REVENTS_RING) { /* the oldest goes */
		free(g->v[g->head].json);
		g->head = (g->head + 1) % REVENTS_RING;
		g->n--;
	}
	size_t i = (g->head + g->n) % REVENTS_RING;

	g->v[i].ms = e->ms;
	if (!(g->v[i].json = strdup(line)))
		return;
	g->n++;
	for (struct rstream *s = streams, *nx; s; s = nx) {
		nx = s->next;
		if (!s->follow || (s->id && strcmp(s->id, c->id) != 0))
			continue;
		if (!stream_put(s, line, (size_t)n))
			stream_close(s); /* a reader too slow to keep up */
		else
			stream_flush(s);
	}
}

void revents_cont_free(struct rcont *c)
{
	if (!c->ring)
		return;
	for (size_t k = 0; k < c->ring->n; k++)
		free(c->ring->v[(c->ring->head + k) % REVENTS_RING].json);
	free(c->ring->last);
	free(c->ring);
	c->ring = NULL;
}

/* The packets a table blocked for c: its namespace's (src 0) or the host's (1). */
static int blocked_count(const struct rcont *c, int src, uint64_t *ret)
{
	struct nft_counters k;
	struct nf_error err = { 0 };

	if (src == 0 ? c->nsfd < 0 || nft_ns_counters(c->nsfd, &k, &err) < 0
		     : c->overlay || nft_host_counters(c->hex, &k, &err) < 0)
		return -1;
	*ret = nft_sum(k.blk_pkts);
	return 0;
}

void revents_cont_init(struct rcont *c)
{
	struct rring *g;

	if (c->ring)
		return; /* registered before */
	/* the counters' baseline is read at the next 100 ms tick, off the registration's path */
	g = c->ring = calloc(1, sizeof(*g));
	if (c->nflog.ev.fd >= 0) { /* made in its namespace by rcont.c: bind it there */
		struct nf_error err = { 0 };
		struct epoll_event e = { .events = EPOLLIN, .data.ptr = &c->nflog };

		if (revents_config(c->nflog.ev.fd, &err) < 0 ||
		    epoll_ctl(loop_epfd, EPOLL_CTL_ADD, c->nflog.ev.fd, &e) < 0) {
			rlog("%s no blocked-packet events: %s", c->id,
			     err.msg[0] ? err.msg : strerror(errno));
			close(c->nflog.ev.fd);
			c->nflog.ev.fd = -1;
		}
	}
}

static struct rcont *by_ifindex(struct rcont *conts, uint32_t ifindex)
{
	char name[IF_NAMESIZE];

	if (!ifindex || !if_indextoname(ifindex, name) || strncmp(name, "nf", 2) != 0)
		return NULL;
	for (struct rcont *c = conts; c; c = c->next)
		if (!c->gone && !c->overlay && strcmp(c->hex, name + 2) == 0)
			return c;
	return NULL;
}

static void one_packet(struct rcont *conts, const struct nflog_pkt *p, struct rcont *c)
{
	static const struct {
		char kind;
		enum nf_event_type type;
		enum nf_event_dir dir;
		enum nf_event_limit limit;
	} kinds[] = {
		{ 'e', NF_EV_BLOCKED, NF_EV_EGRESS, NF_EV_LIMIT_NONE },
		{ 'i', NF_EV_BLOCKED, NF_EV_INGRESS, NF_EV_LIMIT_NONE },
		{ 'h', NF_EV_BLOCKED, NF_EV_HOST, NF_EV_LIMIT_NONE },
		{ 'r', NF_EV_LIMIT, NF_EV_EGRESS, NF_EV_RATE },
		{ 'q', NF_EV_LIMIT, NF_EV_EGRESS, NF_EV_QUOTA },
	};
	struct nf_event e;
	struct learned *l;
	const struct nf_addr *peer;
	char kind, hex[13];
	size_t k, hdr;

	if (revents_parse_prefix(p->prefix, &kind, hex) < 0)
		return; /* someone else's rule logging to our group */
	for (k = 0; kinds[k].kind != kind; k++)
		;
	if (!c) { /* host: the container is the interface it came from or goes to */
		uint32_t dev = kind == 'i' ? p->outdev : p->indev;

		c = by_ifindex(conts, dev);
		if (!c)
			c = by_ifindex(conts, dev == p->indev ? p->outdev : p->indev);
		if (!c)
			return; /* not a container this resolver serves */
		if (c->ring)
			c->ring->acct[1].window++;
	} else if (c->ring) {
		c->ring->acct[0].window++;
	}
	nf_event_init(&e, kinds[k].type, p->ms ? p->ms : nf_event_now_ms());
	e.dir = kinds[k].dir;
	e.limit = kinds[k].limit;
	/* the netdev table (a packet socket's frame, overlay mode) logs the frame: its Ethernet
	 * header first */
	hdr = p->family == NFPROTO_NETDEV ? 14 : 0;
	if (p->payload && p->payload_len > hdr)
		revents_parse_payload(p->payload + hdr, p->payload_len - hdr, &e);
	peer = e.dir == NF_EV_INGRESS ? &e.src : &e.dst;
	if (peer->family && (l = rcont_learned(c, peer->family, peer->a, false)) && l->names[0])
		snprintf(e.name, sizeof(e.name), "%s", l->names[0]);
	revents_add(c, &e, true);
}

static void read_fd(struct rcont *conts, int fd, struct rcont *c)
{
	static uint8_t buf[1 << 16];

	for (int i = 0; i < 64; i++) { /* then let the DNS sockets have their turn */
		ssize_t n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
		const struct nlmsghdr *nlh = (const struct nlmsghdr *)buf;
		int len = (int)n;

		if (n < 0 && errno == ENOBUFS)
			continue; /* the kernel dropped events: go on with the next */
		if (n <= 0)
			return;
		for (; mnl_nlmsg_ok(nlh, len); nlh = mnl_nlmsg_next(nlh, &len)) {
			struct nflog_pkt p;

			if (revents_parse_nflog(nlh, nlh->nlmsg_len, &p) == 0)
				one_packet(conts, &p, c);
		}
	}
}

void revents_read(struct rcont *conts, struct rev *ev)
{
	read_fd(conts, ev->fd, ev == &host_nflog ? NULL : ((struct rsock *)ev)->c);
}

/* Suppressed: a table's blocked counter for a container moved by more than the events it
 * logged. Read within 100 ms of its registration (the baseline), then once a second only for
 * containers that logged something in the last second or the one before (a blocked packet is
 * logged unless the log limit is exhausted, which takes logged packets first), after reading
 * the events the counters already counted. */
void revents_tick(struct rcont *conts, uint64_t now_ms)
{
	static uint64_t last_ms;

	/* a container registered since the last tick (100 ms): its counters' baseline */
	for (struct rcont *c = conts; c; c = c->next)
		for (int src = 0; c->ring && src < 2; src++) {
			struct acct *a = &c->ring->acct[src];

			if (!a->known && !a->off) {
				a->off = blocked_count(c, src, &a->last) < 0;
				a->known = !a->off;
				a->window = 0;
			}
		}
	if (now_ms - last_ms < 1000)
		return;
	last_ms = now_ms;
	if (host_nflog.fd >= 0)
		read_fd(conts, host_nflog.fd, NULL);
	for (struct rcont *c = conts; c; c = c->next) {
		struct rring *g = c->ring;
		uint64_t lost = 0, blk;

		if (!g)
			continue;
		if (c->nflog.ev.fd >= 0 && (g->acct[0].window || g->acct[0].active))
			read_fd(conts, c->nflog.ev.fd, c);
		for (int src = 0; src < 2; src++) {
			struct acct *a = &g->acct[src];

			if (a->off || (!a->window && !a->active) || blocked_count(c, src, &blk) < 0)
				continue;
			if (blk - a->last > a->window)
				lost += blk - a->last - a->window;
			a->last = blk;
			a->active = a->window > 0;
			a->window = 0;
		}
		if (lost) {
			struct nf_event e;

			nf_event_init(&e, NF_EV_SUPPRESSED, nf_event_now_ms());
			e.count = lost;
			revents_add(c, &e, true);
		}
	}
}

/* ---- the requests ---- */

struct pick {
	uint64_t ms;
	size_t seq;
	const char *json;
};

static int pick_cmp(const void *a, const void *b)
{
	const struct pick *x = a, *y = b;

	if (x->ms != y->ms)
		return x->ms < y->ms ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* The events of c (or every container) since since_ms, oldest first, into s. */
static void backlog(struct rcont *conts, struct rstream *s, struct rcont *only, uint64_t since_ms)
{
	struct pick *v = NULL;
	size_t n = 0, cap = 0, bytes = 0, first;

	for (struct rcont *c = conts; c; c = c->next) {
		if ((only && c != only) || !c->ring)
			continue;
		for (size_t k = 0; k < c->ring->n; k++) {
			size_t i = (c->ring->head + k) % REVENTS_RING;

			if (c->ring->v[i].ms < since_ms)
				continue;
			if (n == cap) {
				struct pick *w =
					realloc(v, (cap = cap ? 2 * cap : 256) * sizeof(*w));

				if (!w)
					goto out;
				v = w;
			}
			v[n] = (struct pick){ c->ring->v[i].ms, n, c->ring->v[i].json };
			n++;
		}
	}
	if (n)
		qsort(v, n, sizeof(*v), pick_cmp);
	for (first = n; first > 0 && bytes + strlen(v[first - 1].json) + 1 <= EVENTS_REPLY_MAX;
	     first--)
		bytes += strlen(v[first - 1].json) + 1;
	for (size_t i = first; i < n; i++)
		stream_put(s, v[i].json, strlen(v[i].json));
out:
	free(v);
}

static bool digits(const char *s)
{
	return *s && strspn(s, "0123456789") == strlen(s) && strlen(s) <= 19;
}

bool revents_request(struct rcont *conts, int fd, const char *line)
{
	char buf[1100], *arg[3] = { 0 }, *save = NULL, *t;
	struct epoll_event e = { .events = EPOLLIN };
	struct rcont *only = NULL;
	struct rstream *s;
	uint64_t since = 0;
	bool follow = false, last = false, has_since = false;
	size_t n = 0;
	const char *id = NULL, *fail = NULL;
	char msg[1200];

	if (strncmp(line, "follow", 6) == 0 && (line[6] == 0 || line[6] == ' '))
		follow = true;
	else if (strncmp(line, "last", 4) == 0 && (line[4] == 0 || line[4] == ' '))
		last = true;
	else if (strncmp(line, "events", 6) != 0 || (line[6] != 0 && line[6] != ' '))
		return false;
	snprintf(buf, sizeof(buf), "%s", line + (last ? 4 : 6));
	for (t = strtok_r(buf, " ", &save); t && n < 3; t = strtok_r(NULL, " ", &save))
		arg[n++] = t;
	if (!last && (n == 2 || (n == 1 && digits(arg[0])))) {
		has_since = digits(arg[0]);
		since = has_since ? strtoull(arg[0], NULL, 10) : 0;
		id = n == 2 ? arg[1] : NULL;
	} else if (n == 1) {
		id = arg[0];
	}
	if (n > 2 || (n == 2 && !has_since))
		fail = last ? "err usage: last [ID]" : "err usage: events|follow [SINCE_MS] [ID]";
	else if (id && !(only = rcont_find(conts, id)))
		fail = "err unknown container "; /* + the id */
	else if (n_streams >= STREAM_MAX)
		fail = "err too many readers";
	if (fail) {
		bool unknown = fail[strlen(fail) - 1] == ' ';
		int k = snprintf(msg, sizeof(msg), "%s%s\n", fail, unknown ? id : "");

		if (send(fd, msg, (size_t)k, MSG_DONTWAIT | MSG_NOSIGNAL) < 0) {
		}
		close(fd);
		return true;
	}
	s = calloc(1, sizeof(*s));
	if (!s || (id && !(s->id = strdup(id)))) {
		free(s);
		close(fd);
		return true;
	}
	s->ev = (struct rev){ REV_EVOUT, fd };
	s->follow = follow;
	s->next = streams;
	streams = s;
	n_streams++;
	e.data.ptr = &s->ev;
	if (epoll_ctl(loop_epfd, EPOLL_CTL_MOD, fd, &e) < 0) {
		stream_close(s);
		return true;
	}
	for (struct rcont *c = conts; last && c; c = c->next)
		if ((!only || c == only) && c->ring && c->ring->last)
			stream_put(s, c->ring->last, strlen(c->ring->last));
	if (!last && (!follow || has_since))
		backlog(conts, s, only, since);
	if (!follow)
		stream_put(s, "end", 3);
	stream_flush(s);
	return true;
}

void revents_stop(void)
{
	while (streams)
		stream_close(streams);
	if (host_nflog.fd >= 0)
		close(host_nflog.fd);
	host_nflog.fd = -1;
}
