/* netfence: the policy compiler (see plan.h). Turns address rules into the pairwise disjoint,
 * sorted, coalesced boxes (address x protocol x port ranges) that the kernel's concatenated
 * interval sets accept. Pure logic: no I/O, no library beyond libc. */
#include "plan.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

typedef unsigned __int128 u128;

/* A box with the address as a number: the sweep needs arithmetic on addresses. */
struct rbox {
	u128 lo, hi;
	uint16_t port_lo, port_hi;
	uint16_t proto_lo, proto_hi; /* proto_hi may be 255; uint16_t keeps hi + 1 exact */
};

struct rvec {
	struct rbox *v;
	size_t n, cap;
};

static int rvec_push(struct rvec *r, const struct rbox *b)
{
	if (r->n == r->cap) {
		size_t ncap = r->cap ? r->cap * 2 : 64;
		struct rbox *nv = realloc(r->v, ncap * sizeof(*nv));

		if (!nv)
			return -ENOMEM;
		r->v = nv;
		r->cap = ncap;
	}
	r->v[r->n++] = *b;
	return 0;
}

static u128 addr_to_u128(const uint8_t *a, int len)
{
	u128 x = 0;

	for (int i = 0; i < len; i++)
		x = (x << 8) | a[i];
	return x;
}

static void u128_to_addr(u128 x, uint8_t *a, int len)
{
	memset(a, 0, 16);
	for (int i = len - 1; i >= 0; i--) {
		a[i] = (uint8_t)x;
		x >>= 8;
	}
}

static u128 family_max(int family)
{
	return family == AF_INET6 ? ~(u128)0 : (u128)0xffffffffu;
}

/* Host mask of a prefix length within the family's width. */
static u128 host_mask(int family, unsigned len)
{
	unsigned width = family == AF_INET6 ? 128 : 32;

	if (len >= width)
		return 0;
	if (width - len == 128)
		return ~(u128)0;
	return (((u128)1) << (width - len)) - 1;
}

static int push_prefix(struct rvec *r, const struct nf_prefix *p, int family, unsigned proto_lo,
		       unsigned proto_hi, unsigned port_lo, unsigned port_hi)
{
	u128 lo = addr_to_u128(p->addr.a, nf_addr_len(family));
	u128 m = host_mask(family, p->len);
	struct rbox b = {
		.lo = lo & ~m,
		.hi = lo | m,
		.port_lo = port_lo,
		.port_hi = port_hi,
		.proto_lo = proto_lo,
		.proto_hi = proto_hi,
	};

	return rvec_push(r, &b);
}

/* ---- two-dimensional sweep (address x port) for one protocol interval ---- */

struct prange {
	uint16_t lo, hi;
};

/* -1, 0, 1 as x is below, equal to or above y: for qsort comparators */
#define CMP(x, y) ((x) < (y) ? -1 : (x) > (y))

static int cmp_prange(const void *a, const void *b)
{
	const struct prange *x = a, *y = b;

	return x->lo != y->lo ? CMP(x->lo, y->lo) : CMP(x->hi, y->hi);
}

struct event {
	u128 pos;
	uint32_t group;
	int8_t delta; /* +1 at lo, -1 at hi + 1 */
};

static int cmp_event(const void *a, const void *b)
{
	return CMP(((const struct event *)a)->pos, ((const struct event *)b)->pos);
}

static int cmp_u32(const void *a, const void *b)
{
	return CMP(*(const uint32_t *)a, *(const uint32_t *)b);
}

struct sweep {
	struct prange *groups; /* distinct port ranges, sorted */
	size_t n_groups;
	uint32_t *count;  /* per group: boxes currently covering the address */
	uint32_t *active; /* groups with count > 0, unsorted */
	uint32_t *slot;	  /* group -> index in active */
	size_t n_active;
	struct prange *cur, *prev; /* union of active ranges, now and for the open run */
	size_t n_cur, n_prev;
	uint32_t *tmp;
};

static void sweep_union(struct sweep *s)
{
	memcpy(s->tmp, s->active, s->n_active * sizeof(*s->tmp));
	qsort(s->tmp, s->n_active, sizeof(*s->tmp), cmp_u32); /* group ids sort by lo */
	s->n_cur = 0;
	for (size_t i = 0; i < s->n_active; i++) {
		struct prange g = s->groups[s->tmp[i]];

		if (s->n_cur && (uint32_t)s->cur[s->n_cur - 1].hi + 1 >= g.lo) {
			if (g.hi > s->cur[s->n_cur - 1].hi)
				s->cur[s->n_cur - 1].hi = g.hi;
		} else {
			s->cur[s->n_cur++] = g;
		}
	}
}

static int flush_run(struct rvec *out, u128 lo, u128 hi, const struct prange *pr, size_t n,
		     unsigned proto_lo, unsigned proto_hi)
{
	for (size_t i = 0; i < n; i++) {
		struct rbox b = {
			.lo = lo,
			.hi = hi,
			.port_lo = pr[i].lo,
			.port_hi = pr[i].hi,
			.proto_lo = proto_lo,
			.proto_hi = proto_hi,
		};

		if (rvec_push(out, &b) < 0)
			return -ENOMEM;
	}
	return 0;
}

/* Disjoint (address x port) boxes covering the union of in[] (all of which cover the protocol
 * interval proto_lo..proto_hi), appended to out. */
static int sweep_2d(const struct rbox *in, size_t n, int family, unsigned proto_lo,
		    unsigned proto_hi, struct rvec *out)
{
	_cleanup_free_ struct prange *groups = NULL, *cur = NULL, *prev = NULL;
	_cleanup_free_ struct event *ev = NULL;
	_cleanup_free_ uint32_t *count = NULL, *active = NULL, *slot = NULL, *tmp = NULL;
	size_t n_groups = 0, n_ev = 0;
	u128 max = family_max(family), run_lo = 0, run_hi = 0;
	bool run_open = false;
	struct sweep s;
	int r;

	if (n == 0)
		return 0;
	groups = malloc(n * sizeof(*groups));
	ev = malloc(2 * n * sizeof(*ev));
	if (!groups || !ev)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		groups[i] = (struct prange){ in[i].port_lo, in[i].port_hi };
	qsort(groups, n, sizeof(*groups), cmp_prange);
	for (size_t i = 0; i < n; i++)
		if (n_groups == 0 || cmp_prange(&groups[n_groups - 1], &groups[i]) != 0)
			groups[n_groups++] = groups[i];

	for (size_t i = 0; i < n; i++) {
		struct prange key = { in[i].port_lo, in[i].port_hi };
		struct prange *g = bsearch(&key, groups, n_groups, sizeof(*groups), cmp_prange);
		uint32_t gi = (uint32_t)(g - groups);

		ev[n_ev++] = (struct event){ in[i].lo, gi, +1 };
		if (in[i].hi != max) /* the top of the address space has no end event */
			ev[n_ev++] = (struct event){ in[i].hi + 1, gi, -1 };
	}
	qsort(ev, n_ev, sizeof(*ev), cmp_event);

	count = calloc(n_groups, sizeof(*count));
	active = malloc(n_groups * sizeof(*active));
	slot = malloc(n_groups * sizeof(*slot));
	tmp = malloc(n_groups * sizeof(*tmp));
	cur = malloc(n_groups * sizeof(*cur));
	prev = malloc(n_groups * sizeof(*prev));
	if (!count || !active || !slot || !tmp || !cur || !prev)
		return -ENOMEM;
	s = (struct sweep){ groups, n_groups, count, active, slot, 0, cur, prev, 0, 0, tmp };

	for (size_t i = 0; i < n_ev;) {
		u128 pos = ev[i].pos, end;
		bool changed = false;

		for (; i < n_ev && ev[i].pos == pos; i++) {
			uint32_t g = ev[i].group;

			if (ev[i].delta > 0) {
				if (s.count[g]++ == 0) {
					s.slot[g] = (uint32_t)s.n_active;
					s.active[s.n_active++] = g;
					changed = true;
				}
			} else if (--s.count[g] == 0) {
				uint32_t last = s.active[--s.n_active];

				s.active[s.slot[g]] = last;
				s.slot[last] = s.slot[g];
				changed = true;
			}
		}
		end = i < n_ev ? ev[i].pos - 1 : max;
		if (changed)
			sweep_union(&s);
		/* Extend the open run when the port list is the same and addresses touch. */
		if (run_open && s.n_cur == s.n_prev && run_hi + 1 == pos &&
		    memcmp(s.cur, s.prev, s.n_cur * sizeof(*s.cur)) == 0) {
			run_hi = end;
			continue;
		}
		if (run_open) {
			r = flush_run(out, run_lo, run_hi, s.prev, s.n_prev, proto_lo, proto_hi);
			if (r < 0)
				return r;
			run_open = false;
		}
		if (s.n_cur) {
			memcpy(s.prev, s.cur, s.n_cur * sizeof(*s.cur));
			s.n_prev = s.n_cur;
			run_lo = pos;
			run_hi = end;
			run_open = true;
		}
	}
	if (run_open)
		return flush_run(out, run_lo, run_hi, s.prev, s.n_prev, proto_lo, proto_hi);
	return 0;
}

/* ---- three dimensions: split by elementary protocol intervals, then re-merge ---- */

static int cmp_merge(const void *a, const void *b)
{
	const struct rbox *x = a, *y = b;

	if (x->lo != y->lo || x->hi != y->hi)
		return x->lo != y->lo ? CMP(x->lo, y->lo) : CMP(x->hi, y->hi);
	if (x->port_lo != y->port_lo)
		return CMP(x->port_lo, y->port_lo);
	return x->port_hi != y->port_hi ? CMP(x->port_hi, y->port_hi)
					: (int)x->proto_lo - (int)y->proto_lo;
}

static int cmp_final(const void *a, const void *b)
{
	const struct rbox *x = a, *y = b;

	if (x->lo != y->lo)
		return CMP(x->lo, y->lo);
	if (x->proto_lo != y->proto_lo)
		return (int)x->proto_lo - (int)y->proto_lo;
	return (int)x->port_lo - (int)y->port_lo;
}

static int compile_boxes(struct rvec *raw, int family, struct nf_boxset *ret, struct nf_error *err)
{
	_cleanup_free_ struct rbox *sub = NULL;
	struct rvec out = { 0 };
	bool bound[257] = { false };
	size_t n = 0;
	int r;

	if (raw->n) {
		sub = malloc(raw->n * sizeof(*sub));
		if (!sub)
			return nf_sys_err(err, ENOMEM, "compiling rules");
	}
	for (size_t i = 0; i < raw->n; i++) {
		bound[raw->v[i].proto_lo] = true;
		bound[raw->v[i].proto_hi + 1] = true;
	}
	for (unsigned p = 0; p < 256;) {
		unsigned q = p + 1;
		size_t k = 0;

		while (q < 256 && !bound[q])
			q++;
		/* elementary protocol interval p..q-1 */
		for (size_t i = 0; i < raw->n; i++)
			if (raw->v[i].proto_lo <= p && raw->v[i].proto_hi >= q - 1)
				sub[k++] = raw->v[i];
		r = sweep_2d(sub, k, family, p, q - 1, &out);
		if (r < 0) {
			free(out.v);
			return nf_sys_err(err, r, "compiling rules");
		}
		p = q;
	}

	/* Identical address and port ranges in neighbouring protocol intervals become one. */
	if (out.n)
		qsort(out.v, out.n, sizeof(*out.v), cmp_merge);
	for (size_t i = 0; i < out.n; i++) {
		struct rbox *last = n ? &out.v[n - 1] : NULL;

		if (last && last->lo == out.v[i].lo && last->hi == out.v[i].hi &&
		    last->port_lo == out.v[i].port_lo && last->port_hi == out.v[i].port_hi &&
		    last->proto_hi + 1 == out.v[i].proto_lo)
			last->proto_hi = out.v[i].proto_hi;
		else
			out.v[n++] = out.v[i];
	}
	if (n)
		qsort(out.v, n, sizeof(*out.v), cmp_final);

	ret->family = family;
	ret->n = n;
	ret->v = n ? calloc(n, sizeof(*ret->v)) : NULL;
	if (n && !ret->v) {
		free(out.v);
		return nf_sys_err(err, ENOMEM, "compiling rules");
	}
	for (size_t i = 0; i < n; i++) {
		struct nf_box *b = &ret->v[i];

		u128_to_addr(out.v[i].lo, b->lo, nf_addr_len(family));
		u128_to_addr(out.v[i].hi, b->hi, nf_addr_len(family));
		b->proto_lo = (uint8_t)out.v[i].proto_lo;
		b->proto_hi = (uint8_t)out.v[i].proto_hi;
		b->port_lo = out.v[i].port_lo;
		b->port_hi = out.v[i].port_hi;
	}
	free(out.v);
	return 0;
}

int plan_compile(const struct nf_rule *rules, size_t n_rules, const struct nf_addr *dns,
		 size_t n_dns, int family, struct nf_boxset *ret, struct nf_error *err)
{
	unsigned icmp = family == AF_INET6 ? 58 : 1;
	struct rvec raw = { 0 };
	int r = 0;

	if (family != AF_INET && family != AF_INET6)
		return nf_sys_err(err, EAFNOSUPPORT, "compiling rules");
	for (size_t i = 0; i < n_rules && r >= 0; i++) {
		const struct nf_rule *x = &rules[i];
		unsigned plo = x->has_ports ? x->port_lo : 0;
		unsigned phi = x->has_ports ? x->port_hi : 65535;

		if (x->family != family)
			continue; /* hostnames (resolved elsewhere) and the other family */
		if (plo > phi || x->prefix.len > (family == AF_INET6 ? 128 : 32)) {
			free(raw.v);
			return nf_input_err(err, "rule %zu: invalid prefix or port range", i);
		}
		switch (x->proto) {
		case NF_PROTO_ANY:
			if (!x->has_ports) {
				r = push_prefix(&raw, &x->prefix, family, 0, 255, 0, 65535);
				break;
			}
			r = push_prefix(&raw, &x->prefix, family, 6, 6, plo, phi);
			if (r >= 0)
				r = push_prefix(&raw, &x->prefix, family, 17, 17, plo, phi);
			break;
		case NF_PROTO_TCP:
			r = push_prefix(&raw, &x->prefix, family, 6, 6, plo, phi);
			break;
		case NF_PROTO_UDP:
			r = push_prefix(&raw, &x->prefix, family, 17, 17, plo, phi);
			break;
		case NF_PROTO_ICMP:
			r = push_prefix(&raw, &x->prefix, family, icmp, icmp, 0, 65535);
			break;
		}
	}
	for (size_t i = 0; i < n_dns && r >= 0; i++) {
		struct nf_prefix p = { .addr = dns[i], .len = family == AF_INET6 ? 128 : 32 };

		if (dns[i].family != family)
			continue;
		r = push_prefix(&raw, &p, family, 6, 6, 53, 53);
		if (r >= 0)
			r = push_prefix(&raw, &p, family, 17, 17, 53, 53);
	}
	if (r < 0) {
		free(raw.v);
		return nf_sys_err(err, r, "compiling rules");
	}
	r = compile_boxes(&raw, family, ret, err);
	free(raw.v);
	return r;
}

/* SPEC section 3, `internet`: ranges that reach local or private infrastructure. */
static const char *const deny4[] = {
	"0.0.0.0/8",	 "10.0.0.0/8",	 "100.64.0.0/10",  "127.0.0.0/8",   "169.254.0.0/16",
	"172.16.0.0/12", "192.0.0.0/24", "192.168.0.0/16", "198.18.0.0/15", "224.0.0.0/3",
};
static const char *const deny6[] = {
	"::/128",    "::1/128",	 "::ffff:0:0/96", "64:ff9b::/96", "64:ff9b:1::/48", "2001::/32",
	"2002::/16", "fc00::/7", "fe80::/10",	  "fec0::/10",	  "ff00::/8",
};

static int parse_static_prefix(const char *s, int family, struct nf_prefix *p)
{
	char buf[64];
	char *slash;

	strncpy(buf, s, sizeof(buf) - 1);
	buf[sizeof(buf) - 1] = 0;
	slash = strchr(buf, '/');
	if (!slash)
		return -EINVAL;
	*slash = 0;
	memset(p, 0, sizeof(*p));
	p->addr.family = family;
	p->len = (uint8_t)atoi(slash + 1);
	return inet_pton(family, buf, p->addr.a) == 1 ? 0 : -EINVAL;
}

/* builtin: SPEC's list first; extra[]: prefixes of any family (the other one is skipped). */
static int deny_boxes(int family, bool builtin, const struct nf_prefix *extra, size_t n_extra,
		      struct nf_boxset *ret, struct nf_error *err)
{
	const char *const *list = family == AF_INET6 ? deny6 : deny4;
	size_t n_list = !builtin ? 0 : family == AF_INET6 ? ARRAY_SIZE(deny6) : ARRAY_SIZE(deny4);
	struct rvec raw = { 0 };
	int r = 0;

	if (family != AF_INET && family != AF_INET6)
		return nf_sys_err(err, EAFNOSUPPORT, "internet deny list");
	for (size_t i = 0; i < n_list && r >= 0; i++) {
		struct nf_prefix p;

		r = parse_static_prefix(list[i], family, &p);
		if (r >= 0)
			r = push_prefix(&raw, &p, family, 0, 255, 0, 65535);
	}
	for (size_t i = 0; i < n_extra && r >= 0; i++) {
		if (extra[i].addr.family != family)
			continue;
		if (extra[i].len > (family == AF_INET6 ? 128 : 32))
			r = -EINVAL;
		else
			r = push_prefix(&raw, &extra[i], family, 0, 255, 0, 65535);
	}
	if (r < 0) {
		free(raw.v);
		return nf_sys_err(err, r, "internet deny list");
	}
	r = compile_boxes(&raw, family, ret, err);
	free(raw.v);
	return r;
}

int plan_internet_deny(int family, const struct nf_prefix *extra, size_t n_extra,
		       struct nf_boxset *ret, struct nf_error *err)
{
	return deny_boxes(family, true, extra, n_extra, ret, err);
}

int plan_host_deny(int family, const struct nf_prefix *host, size_t n_host, struct nf_boxset *ret,
		   struct nf_error *err)
{
	return deny_boxes(family, false, host, n_host, ret, err);
}

void nf_boxset_clear(struct nf_boxset *s)
{
	if (!s)
		return;
	free(s->v);
	s->v = NULL;
	s->n = 0;
}
