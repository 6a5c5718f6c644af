/* netfence: the host namespace's shared table (docs/RULESET.md): one container's elements and
 * counter objects added and removed (its skeleton: nft_skeleton.c), and the hostnet sets kept in
 * step with the host's addresses. */
#define _GNU_SOURCE
#include <endian.h>

#include "nft_host_int.h"

/* ---- one container's elements ---- */

#define KEY_MAX 40 /* ifname . ipv6 address . protocol . port */

struct item {
	uint8_t set; /* enum hset */
	uint8_t klen;
	bool range;
	uint8_t key[KEY_MAX], end[KEY_MAX];
	const struct nf_box *box; /* for error messages */
	/* a tear-down's: asked whether it exists (answer q of its query), what it does */
	bool asked;
	uint8_t act; /* ACT_* */
	uint32_t q;
};

/* What a tear-down does with an item: nothing (absent), delete it, make it expire */
enum { ACT_NONE, ACT_DEL, ACT_EXPIRE };

struct items {
	struct item *v;
	size_t n, cap;
	unsigned shard; /* of the container */
	bool oom;
};

/* keyed by address alone, not by interface name */
static bool by_addr(enum hset s)
{
	return s == S_NAT4 || s == S_NAT6;
}

static struct item *item_new(struct items *l, enum hset s)
{
	struct item *it;

	if (l->n == l->cap) {
		size_t ncap = l->cap ? l->cap * 2 : 64;
		struct item *nv = l->oom ? NULL : realloc(l->v, ncap * sizeof(*nv));

		if (!nv) {
			l->oom = true;
			return NULL;
		}
		l->v = nv;
		l->cap = ncap;
	}
	it = &l->v[l->n++];
	memset(it, 0, sizeof(*it));
	it->set = (uint8_t)s;
	return it;
}

static void item_plain(struct items *l, enum hset s, const char *ifname, const void *v, size_t vlen)
{
	struct item *it = item_new(l, s);
	size_t n = 0;

	if (!it)
		return;
	if (ifname) {
		memcpy(it->key, ifname, strnlen(ifname, IFNAMSIZ - 1));
		n = IFNAMSIZ;
	}
	memcpy(it->key + n, v, vlen);
	it->klen = (uint8_t)(n + vlen);
}

/* ifname . address . protocol [. port], from each box's low and high corners */
static void item_boxes(struct items *l, enum hset s, const char *ifname, const struct nf_boxset *bs,
		       int family)
{
	size_t alen = (size_t)nf_addr_len(family);

	for (size_t i = 0; i < bs->n; i++) {
		const struct nf_box *x = &bs->v[i];
		struct item *it = item_new(l, s);

		if (!it)
			return;
		it->range = true;
		it->box = x;
		for (int hi = 0; hi < 2; hi++) {
			uint8_t *k = hi ? it->end : it->key;
			size_t n = IFNAMSIZ;

			memcpy(k, ifname, strnlen(ifname, IFNAMSIZ - 1));
			memcpy(k + n, hi ? x->hi : x->lo, alen);
			n += alen;
			k[n] = hi ? x->proto_hi : x->proto_lo;
			n += 4;
			if (hsets[s].n == 4) {
				uint16_t p = htons(hi ? x->port_hi : x->port_lo);

				memcpy(k + n, &p, 2);
				n += 4;
			}
			it->klen = (uint8_t)n;
		}
	}
}

/* Everything a set-up of f adds, in the order it adds them. */
static void fence_items(const struct nft_fence *f, struct items *l)
{
	static const uint8_t none[1] = { 0 };
	const char *ifn = f->ifname;

	l->shard = shard_of(f->ifname);
	item_plain(l, S_IFACES, ifn, none, 0);
	if (f->ipv6)
		item_plain(l, S_IFACES6, ifn, none, 0);
	if (f->base == NF_BASE_INTERNET)
		item_plain(l, S_INET, ifn, none, 0);
	if (f->addr4.family == AF_INET)
		item_plain(l, S_OWN4, ifn, f->addr4.a, 4);
	if (f->ipv6 && f->addr6.family == AF_INET6) {
		item_plain(l, S_OWN6, ifn, f->addr6.a, 16);
		item_plain(l, S_ND6, ifn, f->addr6.a, 16);
	}
	if (f->ipv6 && f->ll6.family == AF_INET6)
		item_plain(l, S_ND6, ifn, f->ll6.a, 16);
	item_boxes(l, S_EG4, ifn, &f->eg4, AF_INET);
	item_boxes(l, S_EG6, ifn, &f->eg6, AF_INET6);
	item_boxes(l, S_IN4, ifn, &f->in4, AF_INET);
	item_boxes(l, S_IN6, ifn, &f->in6, AF_INET6);
	if (f->base == NF_BASE_INTERNET) {
		item_boxes(l, S_DENY4, ifn, &f->deny4, AF_INET);
		item_boxes(l, S_DENY6, ifn, &f->deny6, AF_INET6);
	}
	if (f->nat && f->addr4.family == AF_INET)
		item_plain(l, S_NAT4, NULL, f->addr4.a, 4);
	if (f->nat && f->ipv6 && f->addr6.family == AF_INET6)
		item_plain(l, S_NAT6, NULL, f->addr6.a, 16);
}

#define ITEMS_PER_MSG 256 /* an element is at most ~110 bytes: one message stays < 64 KiB */

/* Element messages for the items whose act is pick (all when 0), one message per run of the
 * same set. expire_ms: adds that set the timeout of elements that are there (learned ones)
 * instead of making them. */
static void send_items(struct batch *b, uint16_t type, const struct items *l, uint8_t pick,
		       uint64_t expire_ms)
{
	size_t i = 0;

	while (i < l->n) {
		enum hset s = (enum hset)l->v[i].set;
		char nbuf[16];
		const char *name = set_name(s, l->shard, nbuf);
		struct nlattr *list;
		struct nlmsghdr *nlh;
		struct msgdesc *d;
		size_t first = i, count = 0;
		bool boxes = !pick;

		if (pick && l->v[i].act != pick) {
			i++;
			continue;
		}
		nlh = msg_hdr(b, type,
			      type != NFT_MSG_NEWSETELEM ? 0
			      : expire_ms		 ? NLM_F_CREATE
							 : NLM_F_CREATE | NLM_F_EXCL);
		if (!nlh)
			return;
		mnl_attr_put_strz(nlh, NFTA_SET_ELEM_LIST_TABLE, NF_TABLE);
		mnl_attr_put_strz(nlh, NFTA_SET_ELEM_LIST_SET, name);
		list = mnl_attr_nest_start(nlh, NFTA_SET_ELEM_LIST_ELEMENTS);
		for (; i < l->n && l->v[i].set == s && count < ITEMS_PER_MSG; i++) {
			const struct item *it = &l->v[i];
			struct nlattr *e;

			if (pick && it->act != pick)
				continue;
			e = mnl_attr_nest_start(nlh, NFTA_LIST_ELEM);
			put_data(nlh, NFTA_SET_ELEM_KEY, it->key, it->klen);
			if (it->range)
				put_data(nlh, NFTA_SET_ELEM_KEY_END, it->end, it->klen);
			if (expire_ms)
				mnl_attr_put_u64(nlh, NFTA_SET_ELEM_TIMEOUT, htobe64(expire_ms));
			mnl_attr_nest_end(nlh, e);
			count++;
		}
		mnl_attr_nest_end(nlh, list);
		d = batch_commit(b, nlh, "%s of set %s",
				 expire_ms		      ? "expiring elements"
				 : type == NFT_MSG_NEWSETELEM ? "elements"
							      : "deleting elements",
				 name);
		if (boxes && l->v[first].box) {
			d->boxes = l->v[first].box;
			d->count = count;
			d->family = s == S_EG6 || s == S_IN6 || s == S_DENY6 ? AF_INET6 : AF_INET;
		}
	}
}

#define NOBJ (S_QO - S_ACC + 1)

/* ---- one container's named objects and the map elements that name them ---- */

/* Which of the objects (OBJMAP) a set-up of f makes: in a table of the older layout (legacy)
 * the two counters acc_/blk_ only; else the counters by direction and the log limit, and the
 * rate's limit and counter and the quota when f has them. */
static bool obj_wanted(const struct nft_fence *f, enum hset s, bool legacy)
{
	if (legacy)
		return LEGACY(s);
	if (LEGACY(s))
		return false;
	if (s == S_RL || s == S_RR)
		return f->rate > 0;
	if (s == S_QO)
		return f->quota > 0;
	return true;
}

/* The object of map s and its element ifname : object (an objref map element names an object
 * that exists: objects first on the way in, elements first on the way out). */
static void add_obj_elem(struct batch *b, const struct nft_fence *f, enum hset s)
{
	char name[32], key[IFNAMSIZ] = { 0 };
	struct nlattr *list, *e;
	struct nlmsghdr *nlh;

	obj_name(name, sizeof(name), s, f->hex);
	memcpy(key, f->ifname, strnlen(f->ifname, IFNAMSIZ - 1));
	if (hsets[s].obj == NFT_OBJECT_COUNTER)
		add_counter_obj(b, NFT_MSG_NEWOBJ, name);
	else if (s == S_LOGL)
		add_limit_obj(b, name, LOG_RATE, 1, LOG_BURST, false);
	else if (s == S_RL)
		add_limit_obj(b, name, f->rate, f->rate_unit, (uint32_t)f->rate, true);
	else
		add_quota_obj(b, name, f->quota);
	nlh = msg_hdr(b, NFT_MSG_NEWSETELEM, NLM_F_CREATE | NLM_F_EXCL);
	if (!nlh)
		return;
	mnl_attr_put_strz(nlh, NFTA_SET_ELEM_LIST_TABLE, NF_TABLE);
	mnl_attr_put_strz(nlh, NFTA_SET_ELEM_LIST_SET, hsets[s].name);
	list = mnl_attr_nest_start(nlh, NFTA_SET_ELEM_LIST_ELEMENTS);
	e = mnl_attr_nest_start(nlh, NFTA_LIST_ELEM);
	put_data(nlh, NFTA_SET_ELEM_KEY, key, IFNAMSIZ);
	mnl_attr_put_strz(nlh, NFTA_SET_ELEM_OBJREF, name);
	mnl_attr_nest_end(nlh, e);
	mnl_attr_nest_end(nlh, list);
	batch_commit(b, nlh, "element %s of map %s", f->ifname, hsets[s].name);
}

static void del_obj(struct batch *b, enum hset s, const char *hex)
{
	char name[32], what[64];

	obj_name(name, sizeof(name), s, hex);
	snprintf(what, sizeof(what), "deleting %s", name);
	add_obj(b, NFT_MSG_DELOBJ, 0, hsets[s].obj, name, NULL, what);
}

static int count_elem(const void *key, uint32_t klen, const void *end, uint32_t elen, void *data)
{
	(void)key, (void)klen, (void)end, (void)elen;
	++*(size_t *)data;
	return 0;
}

/* Is the table there, and is it of the older layout (per-container chains jumped to from
 * verdict maps)? Holding containers, that one is refused; empty, it is replaced. */
static int table_state(struct mnl_socket *nl, bool *ret_exists, bool *ret_replace, bool *ret_no_dyn,
		       bool *ret_legacy, struct nf_error *err)
{
	struct query q = { .seq0 = nl_seq_take(NL_SEQ_QUERY), .family = NFPROTO_INET };
	bool found[4] = { false };
	size_t n_old = 0;
	int r;

	r = query_named(&q, NFT_MSG_GETTABLE, NFTA_TABLE_NAME, 0, NULL);
	if (r >= 0)
		r = query_named(&q, NFT_MSG_GETSET, NFTA_SET_TABLE, NFTA_SET_NAME, "fwd_out");
	if (r >= 0)
		r = query_named(&q, NFT_MSG_GETSET, NFTA_SET_TABLE, NFTA_SET_NAME, "dyn4_00");
	if (r >= 0)
		r = query_named(&q, NFT_MSG_GETSET, NFTA_SET_TABLE, NFTA_SET_NAME,
				hsets[S_AE].name);
	if (r >= 0)
		r = query_run(nl, &q, found, err);
	else
		nf_sys_err(err, r, "querying the host table");
	free(q.buf);
	if (r < 0)
		return r;
	*ret_exists = found[0];
	*ret_replace = false;
	/* shared layout, made before the learned sets: they are added in place */
	*ret_no_dyn = found[0] && !found[1] && !found[2];
	/* shared layout, made before issue 12 (no counters by direction, no log rules, no
	 * limits): its containers, new ones too, count in acc_/blk_ as before */
	*ret_legacy = found[0] && !found[1] && !found[3];
	if (*ret_legacy) {
		/* replaced (with the counters by direction, the log rules and the limits) once it
		 * holds no container */
		size_t n = 0;

		r = set_elems_walk(nl, hsets[S_IFACES].name, count_elem, &n, err);
		if (r < 0)
			return r;
		if (n == 0) {
			*ret_legacy = *ret_no_dyn = false;
			*ret_replace = true;
		}
		return 0;
	}
	if (!found[1])
		return 0;
	r = set_elems_walk(nl, "fwd_out", count_elem, &n_old, err);
	if (r < 0)
		return r;
	if (n_old > 0)
		return nf_sys_err(err, 0,
				  "the host table inet %s has the layout of an older netfence and "
				  "still holds %zu of its containers: stop them (or, if they are "
				  "gone, run `netfence gc`), then start this container again",
				  NF_TABLE, n_old);
	*ret_replace = true;
	return 0;
}

int nft_host_apply(const struct nft_fence *f, struct nf_error *err)
{
	struct mnl_socket *nl = NULL; /* borrowed: see nl_host() */
	struct items l = { 0 };
	struct batch b;
	bool exists, replace, no_dyn, legacy;
	int r;

	if (!nf_hex_ok(f->hex))
		return nf_sys_err(err, EINVAL, "nftables: bad object suffix \"%s\"", f->hex);
	if (!f->ifname[0] || strlen(f->ifname) >= IFNAMSIZ)
		return nf_sys_err(err, EINVAL, "nftables: bad host interface name \"%s\"",
				  f->ifname);
	r = nl_host(&nl, err);
	if (r < 0)
		return r;
	r = table_state(nl, &exists, &replace, &no_dyn, &legacy, err);
	if (r < 0)
		return r;
	if (legacy && (f->rate || f->quota))
		return nf_sys_err(err, 0,
				  "the host table inet %s was made by a netfence without "
				  "io.netfence.rate and io.netfence.quota: it gets them once it "
				  "holds no container (stop them all, or run `netfence gc`)",
				  NF_TABLE);
	fence_items(f, &l);
	if (l.oom) {
		free(l.v);
		return nf_sys_err(err, ENOMEM, "nftables: container %s's elements", f->hex);
	}

	for (int again = 0;; again++) {
		batch_start(&b);
		if (replace)
			add_table(&b, NFT_MSG_DELTABLE, 0);
		if (!exists || replace)
			add_skeleton(&b);
		/* in the same batch as this container's elements: all or nothing */
		r = no_dyn ? add_dyn_upgrade(nl, &b, err) : 0;
		/* the objects and their map elements ahead of the ifaces element: a packet that
		 * passed the first rule of a shared chain finds all of them */
		for (int s = S_ACC; s <= S_QO && r >= 0; s++)
			if (obj_wanted(f, (enum hset)s, legacy))
				add_obj_elem(&b, f, (enum hset)s);
		send_items(&b, NFT_MSG_NEWSETELEM, &l, 0, 0);
		batch_finish(&b);
		if (r >= 0)
			r = batch_send(nl, &b, err);
		batch_free(&b);
		/* The same name set up again at once finds the elements its tear-down made expire
		 * (1 ms) still there: EEXIST, nothing made. Once more after they expired (a jiffy,
		 * 10 ms at HZ=100); what is still there then is not ours. */
		if (r != -EEXIST || again || !kernel_updates_timeout())
			break;
		memset(err, 0, sizeof(*err));
		nanosleep(&(struct timespec){ .tv_nsec = 12 * 1000 * 1000 }, NULL);
	}
	free(l.v);
	return r < 0 ? r : !exists || replace;
}

struct by_ifname {
	struct items *l;
	enum hset set;
	const char *ifname;
};

static int pick_ifname(const void *key, uint32_t klen, const void *end, uint32_t elen, void *data)
{
	struct by_ifname *w = data;
	char want[IFNAMSIZ] = { 0 };
	struct item *it;

	memcpy(want, w->ifname, strnlen(w->ifname, IFNAMSIZ - 1));
	if (klen < IFNAMSIZ || klen > KEY_MAX || memcmp(key, want, IFNAMSIZ) != 0)
		return 0;
	it = item_new(w->l, w->set);
	if (!it)
		return -ENOMEM;
	memcpy(it->key, key, klen);
	it->klen = (uint8_t)klen;
	if (end && elen == klen) {
		memcpy(it->end, end, elen);
		it->range = true;
	}
	return 0;
}

/* The per-container chains, sets and map elements of the older layout, when there. */
static int remove_legacy(struct mnl_socket *nl, const char *hex, const char *ifname,
			 struct nf_error *err)
{
	static const char *const set_fmt[] = { "eg4_", "eg6_", "in4_", "in6_", "deny4_", "deny6_" };
	static const char *const chain_fmt[] = { "eg_", "in_", "hin_" };
	static const char *const maps[] = { "fwd_out", "fwd_in", "host_in" };
	struct query q = { .seq0 = nl_seq_take(NL_SEQ_QUERY), .family = NFPROTO_INET };
	char sets[6][32], chains[3][32], key[IFNAMSIZ] = { 0 };
	bool found[12] = { false }, any = false;
	struct batch b;
	size_t k;
	int r = 0;

	memcpy(key, ifname, strnlen(ifname, IFNAMSIZ - 1));
	for (k = 0; k < 3; k++) {
		snprintf(chains[k], sizeof(chains[k]), "%s%s", chain_fmt[k], hex);
		r = r < 0 ? r
			  : query_named(&q, NFT_MSG_GETCHAIN, NFTA_CHAIN_TABLE, NFTA_CHAIN_NAME,
					chains[k]);
	}
	for (k = 0; k < 6; k++) {
		snprintf(sets[k], sizeof(sets[k]), "%s%s", set_fmt[k], hex);
		r = r < 0 ? r
			  : query_named(&q, NFT_MSG_GETSET, NFTA_SET_TABLE, NFTA_SET_NAME, sets[k]);
	}
	for (k = 0; k < 3; k++)
		r = r < 0 ? r : query_elem(&q, maps[k], key, IFNAMSIZ);
	if (r >= 0)
		r = query_run(nl, &q, found, err);
	else
		nf_sys_err(err, r, "querying container %s's nftables objects", hex);
	free(q.buf);
	if (r < 0)
		return r;
	for (k = 0; k < q.n; k++)
		any |= found[k];
	if (!any)
		return 0;
	/* map elements first (they hold the chains), then rules (they hold the sets) */
	batch_start(&b);
	for (k = 0; k < 3; k++)
		if (found[9 + k])
			add_elem(&b, NFT_MSG_DELSETELEM, maps[k], 0, key, IFNAMSIZ, NULL);
	for (k = 0; k < 3; k++)
		if (found[k])
			del_named(&b, NFT_MSG_DELRULE, chains[k]);
	for (k = 0; k < 3; k++)
		if (found[k])
			del_named(&b, NFT_MSG_DELCHAIN, chains[k]);
	for (k = 0; k < 6; k++)
		if (found[3 + k])
			del_named(&b, NFT_MSG_DELSET, sets[k]);
	batch_finish(&b);
	r = batch_send(nl, &b, err);
	batch_free(&b);
	return r;
}

static int expiration_cb(const struct nlmsghdr *nlh, void *data)
{
	struct nftnl_set *s = nftnl_set_alloc();
	struct nftnl_set_elems_iter *it = NULL;
	struct nftnl_set_elem *e;

	if (s && nftnl_set_elems_nlmsg_parse(nlh, s) == 0)
		it = nftnl_set_elems_iter_create(s);
	e = it ? nftnl_set_elems_iter_next(it) : NULL;
	*(bool *)data = e && nftnl_set_elem_is_set(e, NFTNL_SET_ELEM_EXPIRATION);
	if (it)
		nftnl_set_elems_iter_destroy(it);
	nftnl_set_free(s);
	return MNL_CB_OK;
}

static int set_flags_cb(const struct nlmsghdr *nlh, void *data)
{
	struct nftnl_set *s = nftnl_set_alloc();

	if (s && nftnl_set_nlmsg_parse(nlh, s) == 0 && nftnl_set_is_set(s, NFTNL_SET_FLAGS))
		*(uint32_t *)data = nftnl_set_get_u32(s, NFTNL_SET_FLAGS);
	if (s)
		nftnl_set_free(s);
	return MNL_CB_OK;
}

/* Do the table's in4 ... deny6 take timeouts? Tables made before this netfence made them
 * without (eg4/eg6 always had one): the flags of the shard's in4 tell. */
static bool in_deny_expire(struct mnl_socket *nl, unsigned shard)
{
	char buf[MNL_SOCKET_BUFFER_SIZE], nbuf[16];
	struct nf_error e2 = { 0 };
	struct nlmsghdr *nlh;
	uint32_t flags = 0;

	nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETSET, NFPROTO_INET, NLM_F_ACK, nl_seq_take(1));
	mnl_attr_put_strz(nlh, NFTA_SET_TABLE, NF_TABLE);
	mnl_attr_put_strz(nlh, NFTA_SET_NAME, set_name(S_IN4, shard, nbuf));
	return dump(nl, nlh, set_flags_cb, &flags, "reading a set's flags", &e2) >= 0 &&
	       (flags & NFT_SET_TIMEOUT);
}

/* Does item i, just given a timeout, carry an expiration (the kernel took it)? Gone counts. */
static bool expiring(struct mnl_socket *nl, const struct items *l, size_t i)
{
	char buf[MNL_SOCKET_BUFFER_SIZE], nbuf[16];
	const struct item *it = &l->v[i];
	struct nf_error e2 = { 0 };
	struct nlattr *list, *e;
	struct nlmsghdr *nlh;
	bool yes = false;
	int r;

	nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETSETELEM, NFPROTO_INET, NLM_F_ACK,
				    nl_seq_take(1));
	mnl_attr_put_strz(nlh, NFTA_SET_ELEM_LIST_TABLE, NF_TABLE);
	mnl_attr_put_strz(nlh, NFTA_SET_ELEM_LIST_SET,
			  set_name((enum hset)it->set, l->shard, nbuf));
	list = mnl_attr_nest_start(nlh, NFTA_SET_ELEM_LIST_ELEMENTS);
	e = mnl_attr_nest_start(nlh, NFTA_LIST_ELEM);
	put_data(nlh, NFTA_SET_ELEM_KEY, it->key, it->klen);
	if (it->range)
		put_data(nlh, NFTA_SET_ELEM_KEY_END, it->end, it->klen);
	mnl_attr_nest_end(nlh, e);
	mnl_attr_nest_end(nlh, list);
	r = dump(nl, nlh, expiration_cb, &yes, "reading an expiring element", &e2);
	return r == -ENOENT || (r >= 0 && yes);
}

int nft_host_remove(const struct nft_fence *f, struct nf_error *err)
{
	struct mnl_socket *nl = NULL; /* borrowed: see nl_host() */
	struct query q = { .seq0 = nl_seq_take(NL_SEQ_QUERY), .family = NFPROTO_INET };
	struct items l = { 0 };
	char counters[NOBJ][32], key[IFNAMSIZ] = { 0 };
	bool *ans = NULL, any = false, marker = f->by_ifname, in_deny = false;
	size_t n_fixed = SIZE_MAX, first_exp = SIZE_MAX; /* items from n_fixed on: dumped */
	struct batch b;
	int r = 0;

	if (!nf_hex_ok(f->hex))
		return nf_sys_err(err, EINVAL, "nftables: bad object suffix \"%s\"", f->hex);
	r = nl_host(&nl, err);
	if (r < 0)
		return r;
	if (f->by_ifname && f->ifname[0]) {
		/* gc, or a state file of an older netfence: dumps, O(all containers) */
		r = remove_legacy(nl, f->hex, f->ifname, err);
		l.shard = shard_of(f->ifname);
		for (int s = 0; s < S_N && r >= 0; s++) {
			struct by_ifname w = { &l, (enum hset)s, f->ifname };
			char nbuf[16];

			if (by_addr((enum hset)s) || OBJMAP(s))
				continue;
			r = set_elems_walk(nl, set_name((enum hset)s, l.shard, nbuf), pick_ifname,
					   &w, err);
			if (r == -ENOENT) /* a table of the older layout, or none */
				r = 0;
		}
		if (f->nat && f->addr4.family == AF_INET)
			item_plain(&l, S_NAT4, NULL, f->addr4.a, 4);
		if (f->nat && f->addr6.family == AF_INET6)
			item_plain(&l, S_NAT6, NULL, f->addr6.a, 16);
	} else if (f->ifname[0]) {
		fence_items(f, &l);
		n_fixed = l.n;
		/* The learned elements are the resolver's, not in the state file: found by name
		 * in a dump of this shard's two learned sets (a few containers' each), so that
		 * none is left when the resolver is down. */
		for (int s = S_DYN4; s <= S_DYN6 && r >= 0; s++) {
			struct by_ifname w = { &l, (enum hset)s, f->ifname };
			char nbuf[16];

			r = set_elems_walk(nl, set_name((enum hset)s, l.shard, nbuf), pick_ifname,
					   &w, err);
			if (r == -ENOENT) /* a table made before the learned sets */
				r = 0;
		}
	}
	if (r >= 0 && l.oom)
		r = nf_sys_err(err, ENOMEM, "nftables: container %s's elements", f->hex);
	/* Which exist. Every batch adds or deletes all of a container's elements at once, so
	 * its ifaces element (the first) stands for the rest of the state file's (a query per
	 * element would be as long as its policy); the NAT elements and the objects are asked
	 * for themselves, dumped elements are there. A set-up killed before its batch made
	 * nothing; an absent element would fail the whole deleting batch. */
	for (size_t i = 0; i < l.n && r >= 0; i++) {
		struct item *it = &l.v[i];
		char nbuf[16];

		if (!by_addr((enum hset)it->set) && (f->by_ifname || i > 0))
			continue;
		it->asked = true;
		it->q = (uint32_t)q.n;
		r = query_elem_end(&q, set_name((enum hset)it->set, l.shard, nbuf), it->key,
				   it->range ? it->end : NULL, it->klen);
	}
	/* every object a set-up of this or an older netfence may have made, then the map
	 * elements naming them (asked for themselves: gc may find one without the other):
	 * answers n_q - 2 * NOBJ on */
	for (int i = 0; i < NOBJ && r >= 0; i++) {
		obj_name(counters[i], sizeof(counters[i]), (enum hset)(S_ACC + i), f->hex);
		r = query_obj(&q, hsets[S_ACC + i].obj, counters[i]);
	}
	memcpy(key, f->ifname, strnlen(f->ifname, IFNAMSIZ - 1));
	for (int i = 0; i < NOBJ && r >= 0; i++)
		r = query_elem(&q, hsets[S_ACC + i].name, key, IFNAMSIZ);
	if (r >= 0 && !(ans = calloc(q.n, sizeof(*ans))))
		r = -ENOMEM;
	if (r >= 0)
		r = query_run(nl, &q, ans, err);
	else if (!err->msg[0])
		nf_sys_err(err, r, "querying container %s's nftables objects", f->hex);
	free(q.buf);
	/* The elements of the sets with timeouts (the policy's eg4/eg6, made with the flag by
	 * every shared table; in4 ... deny6 in tables of this netfence on, which the shard's in4
	 * tells; the learned dyn4/dyn6) are made to expire rather than deleted
	 * where the kernel updates timeouts. Pipapo finds an element to delete by walking the
	 * shard's others (0.65 ms per container sharing the shard, Linux 6.18: the tear-down grew
	 * with the count), a timeout is set in place (~10 us); an expired element matches nothing,
	 * is not listed, does not count as an overlap, and the set's garbage collection frees it
	 * in one pass at the shard's next change. */
	for (size_t i = 0; i < l.n && r >= 0 && kernel_updates_timeout() && !in_deny; i++)
		in_deny = l.v[i].set >= S_IN4 && l.v[i].set <= S_DENY6;
	in_deny = in_deny && in_deny_expire(nl, l.shard);
	for (size_t i = 0; i < l.n && r >= 0; i++) {
		struct item *it = &l.v[i];
		bool there = it->asked ? ans[it->q] : marker || i >= n_fixed;
		bool timeout = (hsets[it->set].flags & NFT_SET_TIMEOUT) &&
			       (in_deny || it->set < S_IN4 || it->set > S_DENY6);

		if (it->asked && i == 0 && there)
			marker = true;
		it->act = !there				? ACT_NONE
			  : kernel_updates_timeout() && timeout ? ACT_EXPIRE
								: ACT_DEL;
		if (it->act == ACT_EXPIRE && first_exp == SIZE_MAX)
			first_exp = i;
		any |= there;
	}
	for (size_t i = q.n - 2 * NOBJ; r >= 0 && i < q.n; i++)
		any |= ans[i];
	if (r < 0 || !any) {
		free(ans);
		free(l.v);
		return r < 0 ? r : 0;
	}
	/* map elements first (they hold the objects) */
	batch_start(&b);
	send_items(&b, NFT_MSG_DELSETELEM, &l, ACT_DEL, 0);
	send_items(&b, NFT_MSG_NEWSETELEM, &l, ACT_EXPIRE, 1);
	for (int i = 0; i < NOBJ; i++)
		if (ans[q.n - NOBJ + (size_t)i])
			add_elem(&b, NFT_MSG_DELSETELEM, hsets[S_ACC + i].name, 0, key, IFNAMSIZ,
				 NULL);
	for (int i = 0; i < NOBJ; i++)
		if (ans[q.n - 2 * NOBJ + (size_t)i])
			del_obj(&b, (enum hset)(S_ACC + i), f->hex);
	batch_finish(&b);
	r = batch_send(nl, &b, err);
	batch_free(&b);
	/* A kernel that keeps no timeout for an element made without one ignores the update:
	 * then they are deleted after all (the first one's answer tells) */
	if (r >= 0 && first_exp < l.n && !expiring(nl, &l, first_exp)) {
		batch_start(&b);
		send_items(&b, NFT_MSG_DELSETELEM, &l, ACT_EXPIRE, 0);
		batch_finish(&b);
		r = batch_send(nl, &b, err);
		batch_free(&b);
	}
	free(ans);
	free(l.v);
	if (r == -ENOENT && !f->by_ifname) {
		/* some element went missing behind our back: find the rest by name */
		struct nft_fence g = *f;

		g.by_ifname = true;
		memset(err, 0, sizeof(*err));
		return nft_host_remove(&g, err);
	}
	return r;
}

/* ---- the host's addresses, kept in step (watch.c) ---- */

int nft_hostnet_sync(int netns_fd, const struct nf_boxset *v4, const struct nf_boxset *v6,
		     struct nf_error *err)
{
	_cleanup_mnl_ struct mnl_socket *own = NULL;
	struct mnl_socket *nl = NULL;
	struct query q = { .seq0 = nl_seq_take(NL_SEQ_QUERY) };
	bool found[ARRAY_SIZE(ns_families)] = { false };
	size_t nq = netns_fd < 0 ? 1 : ARRAY_SIZE(ns_families);
	struct batch b;
	bool any = false;
	int r = 0;

	r = netns_fd < 0 ? nl_host(&nl, err) : nl_open_in(netns_fd, &own, err);
	if (r < 0)
		return r;
	if (own)
		nl = own;
	/* Host: when the table is there (never made from here; its sets are, should a table of
	 * an older netfence lack them). A namespace: whichever of its tables hold the sets
	 * (overlay mode, internet); others are left be. */
	for (size_t i = 0; i < nq && r >= 0; i++) {
		q.family = ns_families[i];
		r = netns_fd < 0 ? query_named(&q, NFT_MSG_GETTABLE, NFTA_TABLE_NAME, 0, NULL)
				 : query_named(&q, NFT_MSG_GETSET, NFTA_SET_TABLE, NFTA_SET_NAME,
					       HOSTNET4);
	}
	if (r < 0)
		nf_sys_err(err, r, "querying the %s sets", HOSTNET4);
	else
		r = query_run(nl, &q, found, err);
	free(q.buf);
	if (r < 0)
		return r;
	batch_start(&b);
	for (size_t i = 0; i < nq; i++) {
		struct fence_names n = { 0 };

		if (!found[i])
			continue;
		any = true;
		b.family = ns_families[i];
		add_hostnet_sets(&b, &n, false, true, v4, v6);
	}
	batch_finish(&b);
	r = any ? batch_send(nl, &b, err) : 0;
	batch_free(&b);
	if (r < 0 && netns_fd >= 0)
		nf_err_prefix(err, "container namespace");
	else if (own && any)
		keep_synced(&own);
	return r;
}
