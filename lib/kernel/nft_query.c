/* netfence: nftables queries: GET requests sent together (does an object exist), dumps, the
 * counters `status` shows, the containers the host table holds, and other firewalls' forward
 * chains. */
#define _GNU_SOURCE
#include "nft_int.h"

/* ---- GET requests sent together ---- */

static struct nlmsghdr *query_msg(struct query *q, uint16_t type)
{
	if (q->n >= NL_SEQ_QUERY) /* its window of sequence numbers is spent */
		return NULL;
	if (q->cap - q->len < 4096) {
		size_t ncap = q->cap ? q->cap * 2 : 16384;
		char *nb = realloc(q->buf, ncap);

		if (!nb)
			return NULL;
		memset(nb + q->cap, 0, ncap - q->cap);
		q->buf = nb;
		q->cap = ncap;
	}
	return nftnl_nlmsg_build_hdr(q->buf + q->len, type, q->family, 0, q->seq0 + (uint32_t)q->n);
}

static void query_commit(struct query *q, struct nlmsghdr *nlh)
{
	q->len += NLMSG_ALIGN(nlh->nlmsg_len);
	q->n++;
}

int query_named(struct query *q, uint16_t type, uint16_t table_attr, uint16_t name_attr,
		const char *name)
{
	struct nlmsghdr *nlh = query_msg(q, type);

	if (!nlh)
		return -ENOMEM;
	mnl_attr_put_strz(nlh, table_attr, NF_TABLE);
	if (name)
		mnl_attr_put_strz(nlh, name_attr, name);
	query_commit(q, nlh);
	return 0;
}

int query_elem_end(struct query *q, const char *set, const void *key, const void *key_end,
		   size_t klen)
{
	struct nlmsghdr *nlh = query_msg(q, NFT_MSG_GETSETELEM);
	struct nlattr *list, *e;

	if (!nlh)
		return -ENOMEM;
	mnl_attr_put_strz(nlh, NFTA_SET_ELEM_LIST_TABLE, NF_TABLE);
	mnl_attr_put_strz(nlh, NFTA_SET_ELEM_LIST_SET, set);
	list = mnl_attr_nest_start(nlh, NFTA_SET_ELEM_LIST_ELEMENTS);
	e = mnl_attr_nest_start(nlh, NFTA_LIST_ELEM);
	put_data(nlh, NFTA_SET_ELEM_KEY, key, klen);
	if (key_end)
		put_data(nlh, NFTA_SET_ELEM_KEY_END, key_end, klen);
	mnl_attr_nest_end(nlh, e);
	mnl_attr_nest_end(nlh, list);
	query_commit(q, nlh);
	return 0;
}

int query_elem(struct query *q, const char *set, const void *key, size_t klen)
{
	return query_elem_end(q, set, key, NULL, klen);
}

int query_obj(struct query *q, uint32_t type, const char *name)
{
	struct nlmsghdr *nlh = query_msg(q, NFT_MSG_GETOBJ);

	if (!nlh)
		return -ENOMEM;
	mnl_attr_put_strz(nlh, NFTA_OBJ_TABLE, NF_TABLE);
	mnl_attr_put_strz(nlh, NFTA_OBJ_NAME, name);
	mnl_attr_put_u32(nlh, NFTA_OBJ_TYPE, htonl(type));
	query_commit(q, nlh);
	return 0;
}

/* Each request gets exactly one answer: the object, or an error (ENOENT: absent). */
int query_run(struct mnl_socket *nl, struct query *q, bool *found, struct nf_error *err)
{
	_cleanup_free_ char *rbuf = NULL;
	size_t answered = 0, rsize = MNL_SOCKET_BUFFER_SIZE * 4;

	if (mnl_socket_sendto(nl, q->buf, q->len) < 0)
		return nf_sys_err(err, errno, "querying nftables objects");
	rbuf = malloc(rsize);
	if (!rbuf)
		return nf_sys_err(err, ENOMEM, "querying nftables objects");
	while (answered < q->n) {
		ssize_t n = mnl_socket_recvfrom(nl, rbuf, rsize);
		const struct nlmsghdr *nlh;
		int len;

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return nf_sys_err(err, errno, "querying nftables objects");
		len = (int)n;
		for (nlh = (const struct nlmsghdr *)rbuf; mnl_nlmsg_ok(nlh, len);
		     nlh = mnl_nlmsg_next(nlh, &len)) {
			uint32_t i = nlh->nlmsg_seq - q->seq0;

			if (i >= q->n)
				continue;
			answered++;
			if (nlh->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);

				found[i] = false;
				if (e->error != 0 && e->error != -ENOENT)
					return nf_sys_err(err, e->error,
							  "querying nftables objects");
			} else {
				found[i] = true;
			}
		}
	}
	return 0;
}

/* Whether the netfence table of each of families[0..n) exists (ret[i]), in one round trip. */
int tables_exist(struct mnl_socket *nl, const uint8_t *families, size_t n, bool *ret,
		 struct nf_error *err)
{
	struct query q = { .seq0 = nl_seq_take(NL_SEQ_QUERY) };
	int r = 0;

	for (size_t i = 0; i < n && r >= 0; i++) {
		q.family = families[i];
		ret[i] = false;
		r = query_named(&q, NFT_MSG_GETTABLE, NFTA_TABLE_NAME, 0, NULL);
	}
	if (r < 0) {
		free(q.buf);
		return nf_sys_err(err, r, "querying the %s tables", NF_TABLE);
	}
	r = query_run(nl, &q, ret, err);
	free(q.buf);
	return r;
}

int table_exists(struct mnl_socket *nl, bool *ret, struct nf_error *err)
{
	static const uint8_t inet[] = { NFPROTO_INET };

	return tables_exist(nl, inet, 1, ret, err);
}

/* ---- dumps: counters and the list of containers ---- */

int dump(struct mnl_socket *nl, struct nlmsghdr *req, mnl_cb_t cb, void *data, const char *what,
	 struct nf_error *err)
{
	_cleanup_free_ char *rbuf = NULL;
	/* a dump's messages are as large as the largest read the socket has seen (32 KiB at
	 * most); a smaller buffer truncates them */
	size_t rsize = 64 * 1024;
	uint32_t seq = req->nlmsg_seq, portid = mnl_socket_get_portid(nl);
	int r;

	rbuf = malloc(rsize);
	if (!rbuf)
		return nf_sys_err(err, ENOMEM, "%s", what);
	if (mnl_socket_sendto(nl, req, req->nlmsg_len) < 0)
		return nf_sys_err(err, errno, "%s", what);
	for (;;) {
		ssize_t n = mnl_socket_recvfrom(nl, rbuf, rsize);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return nf_sys_err(err, errno, "%s", what);
		r = mnl_cb_run(rbuf, (size_t)n, seq, portid, cb, data);
		if (r < 0)
			return nf_sys_err(err, errno, "%s", what);
		if (r == MNL_CB_STOP)
			return 0;
	}
}

/* ---- a set's elements, dumped (gc and upgrades only: O(elements of every container)) ---- */

struct elem_walk {
	elem_fn fn;
	void *data;
	bool oom;
};

static int elem_cb(const struct nlmsghdr *nlh, void *data)
{
	struct elem_walk *w = data;
	struct nftnl_set *s = nftnl_set_alloc();
	struct nftnl_set_elems_iter *it;
	struct nftnl_set_elem *e;

	if (!s) {
		w->oom = true;
		return MNL_CB_OK;
	}
	if (nftnl_set_elems_nlmsg_parse(nlh, s) < 0)
		goto out;
	it = nftnl_set_elems_iter_create(s);
	if (!it) {
		w->oom = true;
		goto out;
	}
	for (e = nftnl_set_elems_iter_next(it); e; e = nftnl_set_elems_iter_next(it)) {
		uint32_t klen = 0, elen = 0;
		const void *key = nftnl_set_elem_get(e, NFTNL_SET_ELEM_KEY, &klen);
		const void *end = nftnl_set_elem_is_set(e, NFTNL_SET_ELEM_KEY_END)
					  ? nftnl_set_elem_get(e, NFTNL_SET_ELEM_KEY_END, &elen)
					  : NULL;

		if (key && w->fn(key, klen, end, elen, w->data) < 0)
			w->oom = true;
	}
	nftnl_set_elems_iter_destroy(it);
out:
	nftnl_set_free(s);
	return MNL_CB_OK;
}

int set_elems_walk(struct mnl_socket *nl, const char *set, elem_fn fn, void *data,
		   struct nf_error *err)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct elem_walk w = { fn, data, false };
	struct nlmsghdr *nlh;
	char what[96];
	int r;

	nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETSETELEM, NFPROTO_INET, NLM_F_DUMP,
				    nl_seq_take(1));
	mnl_attr_put_strz(nlh, NFTA_SET_ELEM_LIST_TABLE, NF_TABLE);
	mnl_attr_put_strz(nlh, NFTA_SET_ELEM_LIST_SET, set);
	snprintf(what, sizeof(what), "listing the elements of set %s", set);
	r = dump(nl, nlh, elem_cb, &w, what, err);
	if (r >= 0 && w.oom)
		r = nf_sys_err(err, ENOMEM, "%s", what);
	return r;
}

struct counter_acc {
	struct nft_counters *c;
	bool drops_only; /* netdev table: its accepts were counted by the inet table */
	bool oom;
};

/* The direction of a container table's chain: output and the chains it goes to are egress,
 * input and forward ingress; -1 for others (the nat chain counts what it rewrites). */
static int chain_dir(uint8_t family, const char *chain)
{
	static const char *const egress[] = { "output", "blk_e_", "rate_over", "quota_over" };
	static const char *const ingress[] = { "input", "forward", "blk_i_" };

	if (family == NFPROTO_NETDEV)
		return NF_DIR_EGRESS;
	for (size_t i = 0; i < ARRAY_SIZE(egress); i++)
		if (strncmp(chain, egress[i], strlen(egress[i])) == 0)
			return NF_DIR_EGRESS;
	for (size_t i = 0; i < ARRAY_SIZE(ingress); i++)
		if (strncmp(chain, ingress[i], strlen(ingress[i])) == 0)
			return NF_DIR_INGRESS;
	return -1;
}

struct rule_sum {
	uint64_t pkts, bytes;
	int kind; /* 1 accepted, 2 blocked */
};

static int rule_expr_cb(struct nftnl_expr *e, void *data)
{
	struct rule_sum *s = data;
	const char *name = nftnl_expr_get_str(e, NFTNL_EXPR_NAME);

	if (strcmp(name, "counter") == 0) {
		s->pkts += nftnl_expr_get_u64(e, NFTNL_EXPR_CTR_PACKETS);
		s->bytes += nftnl_expr_get_u64(e, NFTNL_EXPR_CTR_BYTES);
	} else if (strcmp(name, "reject") == 0) {
		s->kind = 2;
	} else if (strcmp(name, "immediate") == 0 && nftnl_expr_is_set(e, NFTNL_EXPR_IMM_VERDICT)) {
		int v = (int)nftnl_expr_get_u32(e, NFTNL_EXPR_IMM_VERDICT);

		s->kind = v == NF_DROP ? 2 : (v == NF_ACCEPT || v == NFT_RETURN) ? 1 : 0;
	}
	return 0;
}

static int rule_cb(const struct nlmsghdr *nlh, void *data)
{
	struct counter_acc *acc = data;
	struct nftnl_rule *r = nftnl_rule_alloc();
	struct rule_sum s = { 0 };

	if (!r) {
		acc->oom = true;
		return MNL_CB_OK;
	}
	if (nftnl_rule_nlmsg_parse(nlh, r) == 0) {
		int d = chain_dir((uint8_t)nftnl_rule_get_u32(r, NFTNL_RULE_FAMILY),
				  nftnl_rule_get_str(r, NFTNL_RULE_CHAIN));

		nftnl_expr_foreach(r, rule_expr_cb, &s);
		if (d < 0) {
			/* not a filter chain's */
		} else if (s.kind == 1 && !acc->drops_only) {
			acc->c->acc_pkts[d] += s.pkts;
			acc->c->acc_bytes[d] += s.bytes;
		} else if (s.kind == 2) {
			acc->c->blk_pkts[d] += s.pkts;
			acc->c->blk_bytes[d] += s.bytes;
		}
	}
	nftnl_rule_free(r);
	return MNL_CB_OK;
}

/* chain NULL: every chain of the table (of the netdev table only the drops are counted). A
 * table or chain that is not there reads as no rules. */
static int chain_counters(struct mnl_socket *nl, uint8_t family, const char *chain,
			  struct nft_counters *c, struct nf_error *err)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct counter_acc acc = { c, family == NFPROTO_NETDEV, false };
	struct nlmsghdr *nlh;
	char what[96];
	int r;

	nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETRULE, family, NLM_F_DUMP, nl_seq_take(1));
	mnl_attr_put_strz(nlh, NFTA_RULE_TABLE, NF_TABLE);
	if (chain)
		mnl_attr_put_strz(nlh, NFTA_RULE_CHAIN, chain);
	snprintf(what, sizeof(what), "reading counters of %s %s", chain ? "chain" : "table",
		 chain ? chain : NF_TABLE);
	r = dump(nl, nlh, rule_cb, &acc, what, err);
	if (r >= 0 && acc.oom)
		r = nf_sys_err(err, ENOMEM, "%s", what);
	return r;
}

struct obj_ctr {
	uint64_t pkts, bytes, quota;
	bool oom;
};

static int obj_ctr_cb(const struct nlmsghdr *nlh, void *data)
{
	struct obj_ctr *c = data;
	struct nftnl_obj *o = nftnl_obj_alloc();

	if (!o) {
		c->oom = true;
		return MNL_CB_OK;
	}
	if (nftnl_obj_nlmsg_parse(nlh, o) == 0) {
		if (nftnl_obj_get_u32(o, NFTNL_OBJ_TYPE) == NFT_OBJECT_QUOTA) {
			c->bytes = nftnl_obj_get_u64(o, NFTNL_OBJ_QUOTA_CONSUMED);
			c->quota = nftnl_obj_get_u64(o, NFTNL_OBJ_QUOTA_BYTES);
		} else {
			c->pkts = nftnl_obj_get_u64(o, NFTNL_OBJ_CTR_PKTS);
			c->bytes = nftnl_obj_get_u64(o, NFTNL_OBJ_CTR_BYTES);
		}
	}
	nftnl_obj_free(o);
	return MNL_CB_OK;
}

/* One named object of the table (a GET answered by the object and an ack); one that is not
 * there reads as zero. */
static int obj_read(struct mnl_socket *nl, uint8_t family, uint32_t type, const char *name,
		    struct obj_ctr *ret, struct nf_error *err)
{
	char buf[MNL_SOCKET_BUFFER_SIZE], what[96];
	struct nf_error e2 = { 0 };
	struct nlmsghdr *nlh;
	int r;

	memset(ret, 0, sizeof(*ret));
	nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETOBJ, family, NLM_F_ACK, nl_seq_take(1));
	mnl_attr_put_strz(nlh, NFTA_OBJ_TABLE, NF_TABLE);
	mnl_attr_put_strz(nlh, NFTA_OBJ_NAME, name);
	mnl_attr_put_u32(nlh, NFTA_OBJ_TYPE, htonl(type));
	snprintf(what, sizeof(what), "reading %s", name);
	r = dump(nl, nlh, obj_ctr_cb, ret, what, &e2);
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		*err = e2;
	else if (ret->oom)
		r = nf_sys_err(err, ENOMEM, "%s", what);
	return r;
}

/* The host table's objects of a container (docs/RULESET.md): counters by direction
 * (ae_/ai_/ah_ accepted, be_/bi_/bh_ blocked), rr_ (refused by the rate), qo_ (the quota);
 * acc_/blk_ of a container set up by a netfence before them, counted as egress. */
int nft_host_counters(const char *hex, struct nft_counters *ret, struct nf_error *err)
{
	static const struct {
		const char *prefix;
		uint32_t type;
		int dir; /* -1: not a direction's */
		bool blocked;
	} objs[] = {
		{ "ae", NFT_OBJECT_COUNTER, NF_DIR_EGRESS, false },
		{ "ai", NFT_OBJECT_COUNTER, NF_DIR_INGRESS, false },
		{ "ah", NFT_OBJECT_COUNTER, NF_DIR_HOST, false },
		{ "be", NFT_OBJECT_COUNTER, NF_DIR_EGRESS, true },
		{ "bi", NFT_OBJECT_COUNTER, NF_DIR_INGRESS, true },
		{ "bh", NFT_OBJECT_COUNTER, NF_DIR_HOST, true },
		{ "acc", NFT_OBJECT_COUNTER, NF_DIR_EGRESS, false },
		{ "blk", NFT_OBJECT_COUNTER, NF_DIR_EGRESS, true },
		{ "rr", NFT_OBJECT_COUNTER, -1, false },
		{ "qo", NFT_OBJECT_QUOTA, -1, false },
	};
	struct mnl_socket *nl = NULL; /* borrowed: see nl_host() */
	struct nft_counters c = { 0 };
	int r;

	if (!nf_hex_ok(hex))
		return nf_sys_err(err, EINVAL, "nftables: bad object suffix \"%s\"", hex);
	r = nl_host(&nl, err);
	for (size_t i = 0; i < ARRAY_SIZE(objs) && r >= 0; i++) {
		struct obj_ctr oc;
		char name[32];
		int d = objs[i].dir;

		snprintf(name, sizeof(name), "%s_%s", objs[i].prefix, hex);
		r = obj_read(nl, NFPROTO_INET, objs[i].type, name, &oc, err);
		if (r < 0)
			break;
		if (d >= 0 && objs[i].blocked) {
			c.blk_pkts[d] += oc.pkts;
			c.blk_bytes[d] += oc.bytes;
		} else if (d >= 0) {
			c.acc_pkts[d] += oc.pkts;
			c.acc_bytes[d] += oc.bytes;
		} else if (objs[i].type == NFT_OBJECT_QUOTA) {
			c.quota_used = oc.bytes;
			c.quota_allowed = oc.quota;
		} else {
			c.rate_refused = oc.pkts;
		}
	}
	if (r >= 0)
		*ret = c;
	return r;
}

int nft_ns_counters(int netns_fd, struct nft_counters *ret, struct nf_error *err)
{
	_cleanup_mnl_ struct mnl_socket *nl = NULL;
	struct nft_counters c = { 0 };
	struct obj_ctr oc;
	int r;

	r = nl_open_in(netns_fd, &nl, err);
	if (r >= 0)
		r = chain_counters(nl, NFPROTO_INET, NULL, &c, err);
	if (r >= 0)
		r = chain_counters(nl, NFPROTO_NETDEV, NULL, &c, err);
	/* overlay mode: the rate's and the quota's objects are the namespace's */
	if (r >= 0)
		r = obj_read(nl, NFPROTO_INET, NFT_OBJECT_COUNTER, "rr", &oc, err);
	if (r >= 0) {
		c.rate_refused = oc.pkts;
		r = obj_read(nl, NFPROTO_INET, NFT_OBJECT_QUOTA, "qo", &oc, err);
	}
	if (r >= 0) {
		c.quota_used = oc.bytes;
		c.quota_allowed = oc.quota;
		*ret = c;
	}
	return r;
}

struct name_list {
	char **v;
	size_t n, cap;
	bool oom;
};

/* "<prefix>_<12 hex>" for one of the per-container prefixes: the hex, else NULL. */
static const char *object_hex(const char *name)
{
	static const char *const prefixes[] = {
		"acc_", "blk_", "nf", "eg_", "in_", "hin_", "eg4_", "eg6_", "in4_", "in6_",
		"deny4_", "deny6_",
		/* issue 12: counters by direction, rate, log limit, quota */
		"ae_", "ai_", "ah_", "be_", "bi_", "bh_", "rr_", "logl_", "rl_", "qo_"
	};

	for (size_t i = 0; i < ARRAY_SIZE(prefixes); i++) {
		size_t l = strlen(prefixes[i]);

		if (strncmp(name, prefixes[i], l) == 0 && nf_hex_ok(name + l))
			return name + l;
	}
	return NULL;
}

static void name_add(struct name_list *l, const char *name)
{
	const char *hex = object_hex(name);

	if (!hex)
		return;
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->v[i], hex) == 0)
			return;
	if (l->n == l->cap) {
		size_t ncap = l->cap ? l->cap * 2 : 16;
		char **nv = realloc(l->v, ncap * sizeof(*nv));

		if (!nv) {
			l->oom = true;
			return;
		}
		l->v = nv;
		l->cap = ncap;
	}
	l->v[l->n] = strdup(hex);
	if (!l->v[l->n])
		l->oom = true;
	else
		l->n++;
}

/* An element of the ifaces set: "nf<hex>". */
static int iface_name_cb(const void *key, uint32_t klen, const void *end, uint32_t elen, void *data)
{
	char name[IFNAMSIZ + 1] = { 0 };

	(void)end, (void)elen;
	memcpy(name, key, klen < IFNAMSIZ ? klen : IFNAMSIZ);
	name_add(data, name);
	return ((struct name_list *)data)->oom ? -ENOMEM : 0;
}

/* What nft_host_list dumps: chains, sets (gc must find what a half-made set-up of the older
 * layout left) and objects (the shared layout's counters). In all three, attribute 1 is the
 * table; the name is 3 for a chain, 2 for the others. */
static const struct {
	uint16_t type, name_attr;
	const char *what;
} listed[] = {
	{ NFT_MSG_GETCHAIN, NFTA_CHAIN_NAME, "listing nftables chains" },
	{ NFT_MSG_GETSET, NFTA_SET_NAME, "listing nftables sets" },
	{ NFT_MSG_GETOBJ, NFTA_OBJ_NAME, "listing nftables objects" },
};

struct name_dump {
	struct name_list *l;
	uint16_t name_attr;
};

static int named_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct name_dump *d = data;
	const char *table = NULL, *name = NULL;
	const struct nlattr *a;

	mnl_attr_for_each(a, nlh, sizeof(struct nfgenmsg))
	{
		if (mnl_attr_validate(a, MNL_TYPE_NUL_STRING) < 0)
			continue;
		if (mnl_attr_get_type(a) == NFTA_CHAIN_TABLE)
			table = mnl_attr_get_str(a);
		else if (mnl_attr_get_type(a) == d->name_attr)
			name = mnl_attr_get_str(a);
	}
	if (table && name && strcmp(table, NF_TABLE) == 0)
		name_add(d->l, name);
	return MNL_CB_OK;
}

int nft_host_list(char ***ret, size_t *n, struct nf_error *err)
{
	struct mnl_socket *nl = NULL; /* borrowed: see nl_host() */
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct name_list l = { 0 };
	struct nlmsghdr *nlh;
	bool exists;
	int r;

	r = nl_host(&nl, err);
	if (r >= 0)
		r = table_exists(nl, &exists, err);
	for (size_t i = 0; r >= 0 && exists && i < ARRAY_SIZE(listed); i++) {
		struct name_dump d = { &l, listed[i].name_attr };

		nlh = nftnl_nlmsg_build_hdr(buf, listed[i].type, NFPROTO_INET, NLM_F_DUMP,
					    nl_seq_take(1));
		mnl_attr_put_strz(nlh, NFTA_CHAIN_TABLE, NF_TABLE);
		r = dump(nl, nlh, named_cb, &d, listed[i].what, err);
	}
	if (r >= 0 && exists) {
		r = set_elems_walk(nl, "ifaces", iface_name_cb, &l, err);
		if (r == -ENOENT) /* the older layout */
			r = 0;
	}
	if (r >= 0 && l.oom)
		r = nf_sys_err(err, ENOMEM, "listing nftables objects");
	if (r < 0) {
		for (size_t i = 0; i < l.n; i++)
			free(l.v[i]);
		free(l.v);
		return r;
	}
	*ret = l.v;
	*n = l.n;
	return 0;
}

static int foreign_chain_cb(const struct nlmsghdr *nlh, void *data)
{
	struct name_list *l = data;
	struct nftnl_chain *c = nftnl_chain_alloc();
	const char *fam;
	uint32_t family;
	char *s;

	if (!c) {
		l->oom = true;
		return MNL_CB_OK;
	}
	if (nftnl_chain_nlmsg_parse(nlh, c) < 0 || !nftnl_chain_is_set(c, NFTNL_CHAIN_HOOKNUM) ||
	    !nftnl_chain_is_set(c, NFTNL_CHAIN_POLICY))
		goto out;
	family = nftnl_chain_get_u32(c, NFTNL_CHAIN_FAMILY);
	fam = family == NFPROTO_IPV4   ? "ip"
	      : family == NFPROTO_IPV6 ? "ip6"
	      : family == NFPROTO_INET ? "inet"
				       : NULL;
	if (!fam || nftnl_chain_get_u32(c, NFTNL_CHAIN_HOOKNUM) != NF_INET_FORWARD ||
	    nftnl_chain_get_u32(c, NFTNL_CHAIN_POLICY) != NF_DROP)
		goto out;
	if (family == NFPROTO_INET &&
	    strcmp(nftnl_chain_get_str(c, NFTNL_CHAIN_TABLE), NF_TABLE) == 0)
		goto out;
	if (asprintf(&s, "%s %s %s", fam, nftnl_chain_get_str(c, NFTNL_CHAIN_TABLE),
		     nftnl_chain_get_str(c, NFTNL_CHAIN_NAME)) < 0) {
		l->oom = true;
		goto out;
	}
	if (l->n == l->cap) {
		size_t ncap = l->cap ? l->cap * 2 : 8;
		char **nv = realloc(l->v, ncap * sizeof(*nv));

		if (!nv) {
			free(s);
			l->oom = true;
			goto out;
		}
		l->v = nv;
		l->cap = ncap;
	}
	l->v[l->n++] = s;
out:
	nftnl_chain_free(c);
	return MNL_CB_OK;
}

int nft_foreign_forward_drop(char ***ret, size_t *n, struct nf_error *err)
{
	struct mnl_socket *nl = NULL; /* borrowed: see nl_host() */
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct name_list l = { 0 };
	struct nlmsghdr *nlh;
	int r;

	r = nl_host(&nl, err);
	if (r >= 0) {
		nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETCHAIN, NFPROTO_UNSPEC, NLM_F_DUMP,
					    nl_seq_take(1));
		r = dump(nl, nlh, foreign_chain_cb, &l, "listing nftables chains", err);
	}
	if (r >= 0 && l.oom)
		r = nf_sys_err(err, ENOMEM, "listing nftables chains");
	if (r < 0) {
		for (size_t i = 0; i < l.n; i++)
			free(l.v[i]);
		free(l.v);
		return r;
	}
	*ret = l.v;
	*n = l.n;
	return 0;
}
