/* netfence-resolver: the containers it serves (rcont.h). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <linux/netlink.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cleanup.h"
#include "dnsmsg.h"
#include "dnsname.h"
#include "nft_learn.h"
#include "rbox.h"
#include "rcont.h"
#include "rlog.h"
#include "rules.h"
#include "types.h"

#ifndef IPV6_FREEBIND
#define IPV6_FREEBIND 78
#endif

struct rcont *rcont_find(struct rcont *list, const char *id)
{
	for (; list; list = list->next)
		if (!list->gone && strcmp(list->id, id) == 0)
			return list;
	return NULL;
}

/* A socket of the container's namespace (the caller is inside it) bound to the address its
 * table redirects DNS to; IP_FREEBIND: the namespace's loopback may not be up yet. */
static int ns_socket(int family, int type)
{
	struct sockaddr_storage ss = { 0 };
	socklen_t len;
	int one = 1, fd;

	fd = socket(family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (family == AF_INET) {
		struct sockaddr_in *s = (struct sockaddr_in *)&ss;

		setsockopt(fd, IPPROTO_IP, IP_FREEBIND, &one, sizeof(one));
		s->sin_family = AF_INET;
		s->sin_port = htons(NF_RESOLVER_PORT);
		inet_pton(AF_INET, NF_RESOLVER_ADDR4, &s->sin_addr);
		len = sizeof(*s);
	} else {
		struct sockaddr_in6 *s = (struct sockaddr_in6 *)&ss;

		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
		setsockopt(fd, IPPROTO_IPV6, IPV6_FREEBIND, &one, sizeof(one));
		s->sin6_family = AF_INET6;
		s->sin6_port = htons(NF_RESOLVER_PORT);
		inet_pton(AF_INET6, NF_RESOLVER_ADDR6, &s->sin6_addr);
		len = sizeof(*s);
	}
	if (bind(fd, (struct sockaddr *)&ss, len) < 0 ||
	    (type == SOCK_STREAM && listen(fd, 64) < 0)) {
		int e = errno;

		close(fd);
		return -e;
	}
	return fd;
}

static int make_sockets(struct rcont *c, int nsfd, int epfd, struct nf_error *err)
{
	_cleanup_close_ int self = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	int r = 0;

	if (self < 0)
		return nf_sys_err(err, errno, "opening the resolver's own namespace");
	if (setns(nsfd, CLONE_NEWNET) < 0)
		return nf_sys_err(err, errno, "entering the container's namespace");
	for (int f = 0; f < (!c->dns ? 0 : c->ipv6 ? 2 : 1) && r >= 0; f++) {
		int family = f ? AF_INET6 : AF_INET;

		r = c->udp[f].ev.fd = ns_socket(family, SOCK_DGRAM);
		if (r >= 0)
			r = c->tcp[f].ev.fd = ns_socket(family, SOCK_STREAM);
	}
	/* its table blocks first, so its blocked packets are logged in its own namespace (a
	 * failure here costs events, not DNS; revents_cont_init logs it) */
	if (r >= 0)
		c->nflog.ev.fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_NETFILTER);
	if (setns(self, CLONE_NEWNET) < 0) /* cannot happen; never serve from a wrong namespace */
		abort();
	if (r < 0)
		return nf_sys_err(err, -r, "binding %s port %d in the container's namespace",
				  NF_RESOLVER_ADDR4, NF_RESOLVER_PORT);
	for (int f = 0; f < 2; f++) {
		struct rsock *s[2] = { &c->udp[f], &c->tcp[f] };

		for (int k = 0; k < 2; k++) {
			struct epoll_event ev = { .events = EPOLLIN, .data.ptr = s[k] };

			if (s[k]->ev.fd >= 0 &&
			    epoll_ctl(epfd, EPOLL_CTL_ADD, s[k]->ev.fd, &ev) < 0)
				return nf_sys_err(err, errno, "epoll");
		}
	}
	return 0;
}

/* After a restart: the learned sets still hold what earlier answers opened. */
static int restore_one(const struct nf_box *b, int family, uint64_t expires_ms, void *arg)
{
	struct rcont *c = arg;
	struct learned *l = rcont_learned(c, family, b->lo, true);

	if (!l)
		return -ENOMEM;
	if (l->expires_ms < expires_ms)
		l->expires_ms = expires_ms;
	return rbox_add(&l->boxes, b);
}

static void **deferred;
static size_t n_deferred;

void rdefer(void *p)
{
	void **v = realloc(deferred, (n_deferred + 1) * sizeof(*v));

	if (!v)
		return; /* leak rather than free too early */
	deferred = v;
	deferred[n_deferred++] = p;
}

void rdefer_flush(void)
{
	for (size_t i = 0; i < n_deferred; i++)
		free(deferred[i]);
	n_deferred = 0;
}

static void rcont_free(struct rcont *c)
{
	for (size_t i = 0; i < c->n_learned; i++)
		rcont_learned_clear(&c->learned[i]);
	free(c->learned);
	free(c->names);
	if (c->nsfd >= 0)
		close(c->nsfd);
	rules_free(c->rules, c->n_rules);
	journal_dns_free(c->dns);
	if (c->learn)
		nft_learn_close(c->learn);
	free(c->id);
	rdefer(c);
}

static void close_sockets(struct rcont *c)
{
	for (int f = 0; f < 2; f++) {
		if (c->udp[f].ev.fd >= 0)
			close(c->udp[f].ev.fd);
		if (c->tcp[f].ev.fd >= 0)
			close(c->tcp[f].ev.fd);
		c->udp[f].ev.fd = c->tcp[f].ev.fd = -1;
	}
	if (c->nflog.ev.fd >= 0)
		close(c->nflog.ev.fd); /* its NFLOG binding goes with it */
	c->nflog.ev.fd = -1;
}

int rcont_register(const char *state_dir, const char *id, int epfd, struct rcont **list,
		   struct rcont **ret, struct nf_error *err)
{
	struct journal *j = NULL, *owner = NULL;
	_cleanup_close_ int nsfd = -1;
	struct rcont *c;
	int r;

	r = journal_read(state_dir, id, &j, err);
	if (r == -ENOENT)
		return nf_input_err(err, "no state for %s", id);
	if (r < 0)
		return r;
	if (j->member_of) {
		r = journal_read(state_dir, j->member_of, &owner, err);
		journal_free(j);
		if (r < 0)
			return r == -ENOENT ? nf_input_err(err, "no state for %s's owner", id) : r;
		j = owner;
	}
	if ((c = rcont_find(*list, j->id))) {
		journal_free(j);
		*ret = c;
		return 0;
	}
	nsfd = journal_open_ns(j);
	if (nsfd < 0) {
		r = nf_sys_err(err, -nsfd, "%s: opening its namespace", j->id);
		goto out;
	}
	c = calloc(1, sizeof(*c));
	if (!c || !(c->id = strdup(j->id))) {
		free(c);
		r = nf_sys_err(err, ENOMEM, "registering %s", j->id);
		goto out;
	}
	for (int f = 0; f < 2; f++) {
		c->udp[f] = (struct rsock){ { REV_UDP, -1 }, c };
		c->tcp[f] = (struct rsock){ { REV_TCP_LISTEN, -1 }, c };
	}
	c->nflog = (struct rsock){ { REV_NFLOG, -1 }, c };
	c->nsfd = -1;
	c->overlay = j->overlay;
	memcpy(c->hex, j->hex, sizeof(c->hex));
	c->ipv6 = j->ipv6;
	c->dns = j->dns;
	j->dns = NULL;
	r = 0;
	/* without a "dns" object (static names) it is served events only: no DNS, nothing learned */
	if (c->dns) {
		c->tokens = c->dns->max_qps;
		if (c->dns->n_rules && !(c->rules = calloc(c->dns->n_rules, sizeof(*c->rules))))
			r = nf_sys_err(err, ENOMEM, "registering %s", c->id);
		for (size_t i = 0; r >= 0 && i < c->dns->n_rules; i++, c->n_rules++)
			r = rule_parse("io.netfence.egress", c->dns->rules[i], &c->rules[i], err);
		if (r >= 0)
			r = nft_learn_open(nsfd, j->overlay ? "" : j->ifname, j->overlay, &c->learn,
					   err);
		if (r >= 0)
			r = nft_learn_dump(c->learn, restore_one, c, err);
	}
	if (r >= 0)
		r = make_sockets(c, nsfd, epfd, err);
	if (r < 0) {
		close_sockets(c);
		rcont_free(c);
		goto out;
	}
	c->nsfd = nsfd; /* kept: the namespace's counters (suppressed events) */
	nsfd = -1;
	c->next = *list;
	*list = c;
	*ret = c;
	if (c->dns)
		rlog("%s registered (%zu rules, %zu names, %zu learned addresses)", c->id,
		     c->n_rules, c->dns->n_names, c->n_learned);
	else
		rlog("%s registered (events only: its names are static)", c->id);
out:
	journal_free(j);
	return r;
}

void rcont_put(struct rcont *c)
{
	if (--c->refs == 0 && c->gone)
		rcont_free(c);
}

void rcont_unregister(struct rcont **list, struct rcont *c)
{
	for (struct rcont **p = list; *p; p = &(*p)->next)
		if (*p == c) {
			*p = c->next;
			break;
		}
	close_sockets(c);
	c->gone = true;
	rlog("%s unregistered", c->id);
	c->refs++;
	rcont_put(c);
}

int rcont_match(const struct rcont *c, const char *name, uint16_t **rules, size_t *n)
{
	uint16_t *v = NULL;
	size_t k = 0;
	bool names = false;

	for (size_t i = 0; i < c->n_rules; i++) {
		const struct nf_rule *ru = &c->rules[i];
		size_t ln = strlen(name), lh = strlen(ru->host);
		bool m = ru->wildcard ? ln > lh + 1 && name[ln - lh - 1] == '.' &&
						strcmp(name + ln - lh, ru->host) == 0
				      : strcmp(name, ru->host) == 0;

		if (!m)
			continue;
		if (!v && !(v = calloc(c->n_rules, sizeof(*v))))
			return -ENOMEM;
		v[k++] = (uint16_t)i;
	}
	for (size_t i = 0; !k && !names && i < c->dns->n_names; i++)
		names = dnsname_match(c->dns->names[i], name);
	*rules = v;
	*n = k;
	return k > 0 || names;
}

static uint64_t name_hash(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ull;

	for (; *s; s++)
		h = (h ^ (uint8_t)*s) * 0x100000001b3ull;
	return h ? h : 1;
}

bool rcont_name_admit(struct rcont *c, const char *name)
{
	uint64_t h = name_hash(name);
	size_t i;

	if (c->cap_names) {
		for (i = h % c->cap_names; c->names[i]; i = (i + 1) % c->cap_names)
			if (c->names[i] == h)
				return true;
	}
	if (c->n_names >= c->dns->max_names)
		return false;
	if (2 * (c->n_names + 1) > c->cap_names) { /* grow (and rehash) at half full */
		size_t cap = c->cap_names ? 2 * c->cap_names : 16;
		uint64_t *v = calloc(cap, sizeof(*v));

		if (!v)
			return false;
		for (size_t k = 0; k < c->cap_names; k++) {
			if (!c->names[k])
				continue;
			for (i = c->names[k] % cap; v[i]; i = (i + 1) % cap)
				;
			v[i] = c->names[k];
		}
		free(c->names);
		c->names = v;
		c->cap_names = cap;
	}
	for (i = h % c->cap_names; c->names[i]; i = (i + 1) % c->cap_names)
		;
	c->names[i] = h;
	c->n_names++;
	return true;
}

bool rcont_qps_admit(struct rcont *c, uint64_t now_ms)
{
	double max = c->dns->max_qps;

	c->tokens += (double)(now_ms - c->tokens_ms) * max / 1000.0;
	c->tokens_ms = now_ms;
	if (c->tokens > max)
		c->tokens = max;
	if (c->tokens < 1.0)
		return false;
	c->tokens -= 1.0;
	return true;
}
