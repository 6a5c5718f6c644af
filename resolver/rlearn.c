/* netfence-resolver: opening what an answer taught a container (rcont_learn in rcont.h). Each
 * address gets the boxes of the rules whose name led to it. While it is open from an earlier
 * answer, its elements are added again (which renews their timeout: Linux >= 6.10, else
 * nft_learn deletes and re-adds) with only the part of the new boxes they do not cover, so no
 * element overlaps another and none is deleted (a delete costs the kernel ~3 ms in a timeout
 * set). The timeout is the record's TTL clamped to the container's dns_min_ttl..dns_max_ttl,
 * its end rounded up to a whole second, never sooner than what the address had left; an
 * address whose elements already cover the answer until then needs no update (repeated
 * answers within a second cost the kernel nothing). One batch per table and timeout; the
 * answer goes back only after the kernel acked both tables. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "dnsmsg.h"
#include "nft_learn.h"
#include "rbox.h"
#include "rcont.h"

struct learned *rcont_learned(struct rcont *c, int family, const uint8_t *a, bool create)
{
	struct learned *v;
	size_t len = family == AF_INET6 ? 16 : 4;

	for (size_t i = 0; i < c->n_learned; i++)
		if (c->learned[i].family == family && memcmp(c->learned[i].a, a, len) == 0)
			return &c->learned[i];
	if (!create)
		return NULL;
	v = realloc(c->learned, (c->n_learned + 1) * sizeof(*v));
	if (!v)
		return NULL;
	c->learned = v;
	v = &c->learned[c->n_learned++];
	memset(v, 0, sizeof(*v));
	v->family = family;
	v->boxes.family = family;
	memcpy(v->a, a, len);
	return v;
}

void rcont_learned_clear(struct learned *l)
{
	nf_boxset_clear(&l->boxes);
	for (size_t i = 0; i < LEARNED_NAMES; i++)
		free(l->names[i]);
}

/* name becomes l's last name (moved to the front when it is one of them already); the oldest
 * goes when all LEARNED_NAMES are taken. Out of memory: the names stay as they were. */
static void learned_name(struct learned *l, const char *name)
{
	size_t i;
	bool have;
	char *s;

	for (i = 0; i < LEARNED_NAMES - 1 && l->names[i] && strcmp(l->names[i], name) != 0; i++)
		;
	have = l->names[i] && strcmp(l->names[i], name) == 0;
	s = have ? l->names[i] : strdup(name);
	if (!s)
		return;
	if (!have)
		free(l->names[i]);
	memmove(&l->names[1], &l->names[0], i * sizeof(l->names[0]));
	l->names[0] = s;
}

void rcont_expire(struct rcont *c, uint64_t now_ms)
{
	size_t k = 0;

	for (size_t i = 0; i < c->n_learned; i++) {
		if (c->learned[i].expires_ms <= now_ms) {
			rcont_learned_clear(&c->learned[i]);
			continue;
		}
		c->learned[k++] = c->learned[i];
	}
	c->n_learned = k;
}

/* The boxes rules[] open for one address: the rules with the address as their target. */
static int boxes_for(const struct rcont *c, const struct dnsmsg_addr *a, const uint16_t *rules,
		     size_t n_rules, struct nf_boxset *ret, struct nf_error *err)
{
	struct nf_rule *v = calloc(n_rules, sizeof(*v));
	int r;

	if (!v)
		return nf_sys_err(err, ENOMEM, "learning an address");
	for (size_t i = 0; i < n_rules; i++) {
		v[i] = c->rules[rules[i]];
		v[i].family = a->family;
		v[i].wildcard = false;
		v[i].host = NULL;
		memset(&v[i].prefix, 0, sizeof(v[i].prefix));
		v[i].prefix.addr.family = a->family;
		memcpy(v[i].prefix.addr.a, a->a, a->family == AF_INET6 ? 16 : 4);
		v[i].prefix.len = a->family == AF_INET6 ? 128 : 32;
	}
	r = plan_compile(v, n_rules, NULL, 0, a->family, ret, err);
	free(v);
	return r;
}

/* One batch per (family, timeout). */
struct batch {
	int family;
	uint64_t timeout_ms;
	struct nf_boxset add;
};

static int batch_put(struct batch **v, size_t *n, int family, uint64_t timeout_ms,
		     const struct nf_boxset *add)
{
	struct batch *b = NULL;
	int r = 0;

	for (size_t i = 0; i < *n && !b; i++)
		if ((*v)[i].family == family && (*v)[i].timeout_ms == timeout_ms)
			b = &(*v)[i];
	if (!b) {
		b = realloc(*v, (*n + 1) * sizeof(*b));
		if (!b)
			return -ENOMEM;
		*v = b;
		b = &b[(*n)++];
		*b = (struct batch){ family, timeout_ms, { family, NULL, 0 } };
	}
	for (size_t i = 0; i < add->n && r >= 0; i++)
		r = rbox_add(&b->add, &add->v[i]);
	return r;
}

int rcont_learn(struct rcont *c, const char *name, const struct dnsmsg_addr *addrs, size_t n,
		const uint16_t *rules, size_t n_rules, uint64_t now_ms, struct nf_error *err)
{
	struct nf_boxset *next = calloc(n + 1, sizeof(*next));
	uint64_t *expires = calloc(n + 1, sizeof(*expires));
	struct batch *b = NULL;
	size_t nb = 0;
	int r = next && expires ? 0 : nf_sys_err(err, ENOMEM, "learning addresses");

	for (size_t i = 0; i < n && r >= 0; i++) {
		const struct dnsmsg_addr *a = &addrs[i];
		struct nf_boxset fresh = { 0 };
		struct learned *l;
		uint64_t ttl = a->ttl, expiry;
		bool alive, dup = false;

		if (a->family == AF_INET6 && !c->ipv6)
			continue; /* IPv6 off: nothing to open, the container has no IPv6 route */
		for (size_t k = 0; k < i && !dup; k++)
			dup = addrs[k].family == a->family &&
			      memcmp(addrs[k].a, a->a, a->family == AF_INET6 ? 16 : 4) == 0;
		if (dup)
			continue;
		ttl = ttl < c->dns->min_ttl ? c->dns->min_ttl : ttl;
		ttl = ttl > c->dns->max_ttl ? c->dns->max_ttl : ttl;
		ttl = ttl ? ttl : 1;
		r = boxes_for(c, a, rules, n_rules, &fresh, err);
		if (r < 0)
			break;
		l = rcont_learned(c, a->family, a->a, true);
		if (!l) {
			nf_boxset_clear(&fresh);
			r = nf_sys_err(err, ENOMEM, "learning addresses");
			break;
		}
		learned_name(l, name);
		/* The expiry is rounded up to a whole second (so the addresses of one answer share
		 * a batch, and the answers of one second need one kernel update). */
		expiry = (now_ms + ttl * 1000 + 999) / 1000 * 1000;
		/* expired: its elements match nothing and block no add; start afresh */
		alive = l->boxes.n && l->expires_ms > now_ms;
		if (alive) {
			struct nf_boxset d = { 0 };

			r = rbox_diff(&l->boxes, &fresh, &d);
			nf_boxset_clear(&fresh);
			if (r >= 0 && d.n == 0 && l->expires_ms >= expiry)
				continue; /* the kernel holds all of it for long enough already */
			next[i].family = a->family;
			for (size_t k = 0; r >= 0 && k < l->boxes.n; k++)
				r = rbox_add(&next[i], &l->boxes.v[k]);
			for (size_t k = 0; r >= 0 && k < d.n; k++)
				r = rbox_add(&next[i], &d.v[k]);
			nf_boxset_clear(&d);
			if (l->expires_ms > expiry)
				expiry = l->expires_ms;
		} else {
			next[i] = fresh;
		}
		expires[i] = expiry;
		if (r >= 0)
			r = batch_put(&b, &nb, a->family, expires[i] - now_ms, &next[i]);
		if (r == -ENOMEM)
			r = nf_sys_err(err, ENOMEM, "learning addresses");
	}
	for (size_t i = 0; i < nb && r >= 0; i++)
		r = nft_learn_update(c->learn, NULL, &b[i].add, b[i].timeout_ms, err);
	for (size_t i = 0; i < n; i++) {
		struct learned *l;

		l = next[i].n ? rcont_learned(c, addrs[i].family, addrs[i].a, false) : NULL;
		if (r >= 0 && l) {
			nf_boxset_clear(&l->boxes);
			l->boxes = next[i];
			l->expires_ms = expires[i];
		} else {
			nf_boxset_clear(&next[i]);
		}
	}
	for (size_t i = 0; i < nb; i++)
		nf_boxset_clear(&b[i].add);
	free(b);
	free(next);
	free(expires);
	return r;
}
