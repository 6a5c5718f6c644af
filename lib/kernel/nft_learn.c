/* netfence: the learned sets (nft_learn.h): one fence's elements added with a timeout, deleted
 * and dumped, in the host table's shard sets dyn4_NN/dyn6_NN (keyed by the host end's name) and
 * in its namespace's dyn4/dyn6, each update one acknowledged batch per namespace. */
#define _GNU_SOURCE
#include <endian.h>

#include "nft_host_int.h"
#include "nft_learn.h"

#define LEARN_PER_MSG 256 /* an element is at most ~140 bytes: one message stays < 64 KiB */
#define LEARN_KEY_MAX 40  /* ifname . ipv6 address . protocol . port */

struct nft_learn {
	struct mnl_socket *ns; /* made inside the container's namespace */
	char ifname[IFNAMSIZ]; /* "" in overlay mode: no host batch */
	unsigned shard;
	bool netdev;
	bool readd; /* kernel < 6.10: an add leaves an existing element's expiry as it was */
};

int nft_learn_open(int netns_fd, const char *ifname, bool netdev, struct nft_learn **ret,
		   struct nf_error *err)
{
	struct nft_learn *l;
	int r;

	if (!ifname || strlen(ifname) >= IFNAMSIZ)
		return nf_sys_err(err, EINVAL, "nftables: bad host interface name");
	l = calloc(1, sizeof(*l));
	if (!l)
		return nf_sys_err(err, ENOMEM, "nftables: learned sets");
	r = nl_open_in(netns_fd, &l->ns, err);
	if (r < 0) {
		free(l);
		return r;
	}
	snprintf(l->ifname, sizeof(l->ifname), "%s", ifname);
	l->shard = ifname[0] ? shard_of(ifname) : 0;
	l->netdev = netdev;
	l->readd = !kernel_updates_timeout();
	*ret = l;
	return 0;
}

void nft_learn_close(struct nft_learn *l)
{
	if (!l)
		return;
	if (l->ns)
		mnl_socket_close(l->ns);
	free(l);
}

/* [ifname .] address . protocol . port of a box's low (hi: high) corner; its length. */
static size_t learn_key(const char *ifname, const struct nf_box *x, int family, bool hi, uint8_t *k)
{
	size_t n = 0, alen = (size_t)nf_addr_len(family);
	uint16_t p = htons(hi ? x->port_hi : x->port_lo);

	memset(k, 0, LEARN_KEY_MAX);
	if (ifname) {
		memcpy(k, ifname, strnlen(ifname, IFNAMSIZ - 1));
		n = IFNAMSIZ;
	}
	memcpy(k + n, hi ? x->hi : x->lo, alen);
	n += alen;
	k[n] = hi ? x->proto_hi : x->proto_lo;
	n += 4;
	memcpy(k + n, &p, 2);
	return n + 4;
}

/* Element messages of set for the boxes of bs with keep[i] (all when keep is NULL). type
 * NFT_MSG_NEWSETELEM (with timeout_ms, no NLM_F_EXCL: an element that is there is refreshed)
 * or NFT_MSG_DELSETELEM. */
static void learn_elems(struct batch *b, uint16_t type, const char *set, const char *ifname,
			const struct nf_boxset *bs, const bool *keep, uint64_t timeout_ms)
{
	bool add = type == NFT_MSG_NEWSETELEM;
	size_t i = 0;

	while (i < bs->n) {
		struct nlmsghdr *nlh;
		struct nlattr *list;
		struct msgdesc *d;
		size_t first, count = 0;

		while (i < bs->n && keep && !keep[i])
			i++;
		if (i == bs->n)
			return;
		first = i;
		nlh = msg_hdr(b, type, add ? NLM_F_CREATE : 0);
		if (!nlh)
			return;
		mnl_attr_put_strz(nlh, NFTA_SET_ELEM_LIST_TABLE, NF_TABLE);
		mnl_attr_put_strz(nlh, NFTA_SET_ELEM_LIST_SET, set);
		list = mnl_attr_nest_start(nlh, NFTA_SET_ELEM_LIST_ELEMENTS);
		/* a run of kept boxes, so that the message's elements are boxes[first..) */
		for (; i < bs->n && (!keep || keep[i]) && count < LEARN_PER_MSG; i++, count++) {
			uint8_t key[LEARN_KEY_MAX];
			struct nlattr *e = mnl_attr_nest_start(nlh, NFTA_LIST_ELEM);
			size_t klen = learn_key(ifname, &bs->v[i], bs->family, false, key);

			put_data(nlh, NFTA_SET_ELEM_KEY, key, klen);
			learn_key(ifname, &bs->v[i], bs->family, true, key);
			put_data(nlh, NFTA_SET_ELEM_KEY_END, key, klen);
			if (add)
				mnl_attr_put_u64(nlh, NFTA_SET_ELEM_TIMEOUT, htobe64(timeout_ms));
			mnl_attr_nest_end(nlh, e);
		}
		mnl_attr_nest_end(nlh, list);
		d = batch_commit(b, nlh, "%s set %s", add ? "learned elements of" : "deleting from",
				 set);
		d->boxes = bs->v + first;
		d->count = count;
		d->family = bs->family;
	}
}

/* The tables of one side: the host's inet table, or the namespace's inet (and netdev) one. */
struct side {
	struct mnl_socket *nl;
	const char *ifname; /* key prefix (host), NULL in a namespace */
	char set[16];
	uint8_t families[NS_FAMILIES];
	size_t n_families;
};

/* Which elements of del each table of the side holds (keep[t * del->n + i]). */
static int learn_present(const struct side *sd, const struct nf_boxset *del, bool *keep,
			 struct nf_error *err)
{
	struct query q = { .seq0 = nl_seq_take(NL_SEQ_QUERY) };
	int r = 0;

	for (size_t t = 0; t < sd->n_families && r >= 0; t++) {
		q.family = sd->families[t];
		for (size_t i = 0; i < del->n && r >= 0; i++) {
			uint8_t key[LEARN_KEY_MAX], end[LEARN_KEY_MAX];
			size_t klen = learn_key(sd->ifname, &del->v[i], del->family, false, key);

			learn_key(sd->ifname, &del->v[i], del->family, true, end);
			r = query_elem_end(&q, sd->set, key, end, klen);
		}
	}
	if (r < 0)
		r = nf_sys_err(err, r, "querying the learned elements of set %s", sd->set);
	else
		r = query_run(sd->nl, &q, keep, err);
	free(q.buf);
	return r;
}

static int learn_side(const struct side *sd, const struct nf_boxset *del,
		      const struct nf_boxset *add, uint64_t timeout_ms, struct nf_error *err)
{
	bool *keep = NULL;
	int r = 0;

	/* An element to delete may have expired since the caller saw it, and deleting an absent
	 * element fails the whole batch: then ask which are there and send again without the
	 * others (rare: a refresh comes before the expiry). */
	for (int attempt = 0; attempt < 2; attempt++) {
		struct batch b;

		batch_start(&b);
		for (size_t t = 0; t < sd->n_families; t++) {
			b.family = sd->families[t];
			if (del && del->n)
				learn_elems(&b, NFT_MSG_DELSETELEM, sd->set, sd->ifname, del,
					    keep ? keep + t * del->n : NULL, 0);
			if (add && add->n)
				learn_elems(&b, NFT_MSG_NEWSETELEM, sd->set, sd->ifname, add, NULL,
					    timeout_ms);
		}
		batch_finish(&b);
		r = batch_send(sd->nl, &b, err);
		batch_free(&b);
		if (r != -ENOENT || !del || !del->n || keep)
			break;
		keep = calloc(sd->n_families * del->n, sizeof(*keep));
		if (!keep)
			return nf_sys_err(err, ENOMEM, "nftables: learned elements");
		memset(err, 0, sizeof(*err));
		r = learn_present(sd, del, keep, err);
		if (r < 0)
			break;
	}
	free(keep);
	return r;
}

int nft_learn_update(struct nft_learn *l, const struct nf_boxset *del, const struct nf_boxset *add,
		     uint64_t timeout_ms, struct nf_error *err)
{
	struct nf_boxset both = { 0 };
	const struct nf_boxset *d = del;
	int family = add && add->n ? add->family : del && del->n ? del->family : 0;
	struct side host = { 0 }, ns = { 0 };
	int r;

	if (family == 0)
		return 0;
	if (family != AF_INET && family != AF_INET6)
		return nf_sys_err(err, EINVAL, "nftables: learned elements of family %d", family);
	if ((add && add->n && add->family != family) || (del && del->n && del->family != family))
		return nf_sys_err(err, EINVAL, "nftables: learned elements of two families");
	if (add && add->n && timeout_ms == 0)
		return nf_sys_err(err, EINVAL, "nftables: a learned element needs a timeout");
	if (l->readd && add && add->n) {
		/* refresh by delete and add in one batch (the delete skips what is not there) */
		size_t nd = del ? del->n : 0;

		both.family = family;
		both.v = malloc((nd + add->n) * sizeof(*both.v));
		if (!both.v)
			return nf_sys_err(err, ENOMEM, "nftables: learned elements");
		if (nd)
			memcpy(both.v, del->v, nd * sizeof(*both.v));
		memcpy(both.v + nd, add->v, add->n * sizeof(*both.v));
		both.n = nd + add->n;
		d = &both;
	}
	r = 0;
	if (l->ifname[0]) {
		host.ifname = l->ifname;
		set_name(family == AF_INET6 ? S_DYN6 : S_DYN4, l->shard, host.set);
		host.families[0] = NFPROTO_INET;
		host.n_families = 1;
		r = nl_host(&host.nl, err);
		if (r >= 0)
			r = learn_side(&host, d, add, timeout_ms, err);
		if (r < 0)
			nf_err_prefix(err, "host table");
	}
	if (r >= 0) {
		ns.nl = l->ns;
		snprintf(ns.set, sizeof(ns.set), "%s", family == AF_INET6 ? DYN6 : DYN4);
		ns.families[0] = NFPROTO_INET;
		ns.families[1] = NFPROTO_NETDEV;
		ns.n_families = l->netdev ? 2 : 1;
		r = learn_side(&ns, d, add, timeout_ms, err);
		if (r < 0)
			nf_err_prefix(err, "container namespace");
	}
	free(both.v);
	return r;
}

/* ---- the dump ---- */

struct learn_walk {
	nft_learn_fn cb;
	void *arg;
	int family;
	int r; /* the first negative cb return, or -ENOMEM */
};

static int learn_elem_cb(const struct nlmsghdr *nlh, void *data)
{
	struct learn_walk *w = data;
	struct nftnl_set *s = nftnl_set_alloc();
	struct nftnl_set_elems_iter *it;
	struct nftnl_set_elem *e;
	size_t alen = (size_t)nf_addr_len(w->family);

	if (!s) {
		w->r = -ENOMEM;
		return MNL_CB_OK;
	}
	if (nftnl_set_elems_nlmsg_parse(nlh, s) < 0)
		goto out;
	it = nftnl_set_elems_iter_create(s);
	if (!it) {
		w->r = -ENOMEM;
		goto out;
	}
	for (e = nftnl_set_elems_iter_next(it); e && w->r >= 0; e = nftnl_set_elems_iter_next(it)) {
		uint32_t klen = 0, elen = 0;
		const uint8_t *key = nftnl_set_elem_get(e, NFTNL_SET_ELEM_KEY, &klen);
		const uint8_t *end = nftnl_set_elem_is_set(e, NFTNL_SET_ELEM_KEY_END)
					     ? nftnl_set_elem_get(e, NFTNL_SET_ELEM_KEY_END, &elen)
					     : key;
		uint64_t left = nftnl_set_elem_is_set(e, NFTNL_SET_ELEM_EXPIRATION)
					? nftnl_set_elem_get_u64(e, NFTNL_SET_ELEM_EXPIRATION)
					: 0;
		struct nf_box x = { 0 };
		uint16_t p;

		if (!key || klen != alen + 8 || (end != key && elen != klen))
			continue;
		memcpy(x.lo, key, alen);
		memcpy(x.hi, end, alen);
		x.proto_lo = key[alen];
		x.proto_hi = end[alen];
		memcpy(&p, key + alen + 4, 2);
		x.port_lo = ntohs(p);
		memcpy(&p, end + alen + 4, 2);
		x.port_hi = ntohs(p);
		w->r = w->cb(&x, w->family, left, w->arg);
	}
	nftnl_set_elems_iter_destroy(it);
out:
	nftnl_set_free(s);
	return MNL_CB_OK;
}

static int learn_dump_nl(struct mnl_socket *nl, nft_learn_fn cb, void *arg, bool missing_ok,
			 struct nf_error *err)
{
	static const char *const sets[] = { DYN4, DYN6 };
	int r = 0;

	for (int v6 = 0; v6 < 2 && r >= 0; v6++) {
		char buf[MNL_SOCKET_BUFFER_SIZE], what[96];
		struct learn_walk w = { cb, arg, v6 ? AF_INET6 : AF_INET, 0 };
		struct nlmsghdr *nlh;
		struct nf_error e2 = { 0 };

		nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETSETELEM, NFPROTO_INET, NLM_F_DUMP,
					    nl_seq_take(1));
		mnl_attr_put_strz(nlh, NFTA_SET_ELEM_LIST_TABLE, NF_TABLE);
		mnl_attr_put_strz(nlh, NFTA_SET_ELEM_LIST_SET, sets[v6]);
		snprintf(what, sizeof(what), "listing the learned elements of set %s", sets[v6]);
		r = dump(nl, nlh, learn_elem_cb, &w, what, &e2);
		if (r == -ENOENT && missing_ok) {
			r = 0;
			continue;
		}
		if (r < 0) {
			*err = e2;
		} else if (w.r < 0) {
			r = w.r;
			if (r == -ENOMEM)
				nf_sys_err(err, r, "%s", what);
		}
	}
	return r;
}

int nft_learn_dump(struct nft_learn *l, nft_learn_fn cb, void *arg, struct nf_error *err)
{
	return learn_dump_nl(l->ns, cb, arg, false, err);
}

int nft_learn_list(int netns_fd, nft_learn_fn cb, void *arg, struct nf_error *err)
{
	_cleanup_mnl_ struct mnl_socket *nl = NULL;
	int r;

	r = nl_open_in(netns_fd, &nl, err);
	if (r < 0)
		return r;
	return learn_dump_nl(nl, cb, arg, true, err);
}
