/* netfence: the host table's skeleton (docs/RULESET.md), made once per host: the shared sets and
 * maps, their shards, and the shared chains that look them up by the container's interface (the
 * chains blocked packets go to and the limits' rules: nft_limits.c). */
#define _GNU_SOURCE
#include "nft_host_int.h"

/* The kernel's jhash (include/linux/jhash.h, lookup3), as nft_hash computes it over a
 * register: words in host order. */
#define ROL32(x, k) (((x) << (k)) | ((x) >> (32 - (k))))
#define SHARD_SEED 0x6e66u

static uint32_t jhash(const uint8_t *k, uint32_t len, uint32_t seed)
{
	uint32_t a, b, c, w[3];

	a = b = c = 0xdeadbeefu + len + seed;
	while (len > 12) {
		memcpy(w, k, 12);
		a += w[0];
		b += w[1];
		c += w[2];
		a -= c, a ^= ROL32(c, 4), c += b;
		b -= a, b ^= ROL32(a, 6), a += c;
		c -= b, c ^= ROL32(b, 8), b += a;
		a -= c, a ^= ROL32(c, 16), c += b;
		b -= a, b ^= ROL32(a, 19), a += c;
		c -= b, c ^= ROL32(b, 4), b += a;
		len -= 12;
		k += 12;
	}
	if (len == 0)
		return c;
	for (uint32_t i = len; i-- > 0;) {
		uint32_t v = (uint32_t)k[i] << (8 * (i % 4));

		if (i >= 8)
			c += v;
		else if (i >= 4)
			b += v;
		else
			a += v;
	}
	c ^= b, c -= ROL32(b, 14);
	a ^= c, a -= ROL32(c, 11);
	b ^= a, b -= ROL32(a, 25);
	c ^= b, c -= ROL32(b, 16);
	a ^= c, a -= ROL32(c, 4);
	b ^= a, b -= ROL32(a, 14);
	c ^= b, c -= ROL32(b, 24);
	return c;
}

/* the shard of a host end: `jhash iifname mod SHARDS seed SHARD_SEED` */
unsigned shard_of(const char *ifname)
{
	uint8_t key[IFNAMSIZ] = { 0 };

	memcpy(key, ifname, strnlen(ifname, IFNAMSIZ - 1));
	return (unsigned)(((uint64_t)jhash(key, IFNAMSIZ, SHARD_SEED) * SHARDS) >> 32);
}

void obj_name(char *buf, size_t size, enum hset s, const char *hex)
{
	snprintf(buf, size, "%s_%s", hsets[s].name, hex);
}

const char *set_name(enum hset s, unsigned shard, char buf[16])
{
	if (!SHARDED(s))
		return hsets[s].name;
	snprintf(buf, 16, "%s_%02u", hsets[s].name, shard);
	return buf;
}

static uint32_t host_set(struct batch *b, enum hset i, unsigned shard)
{
	const struct hset_desc *d = &hsets[i];
	struct nftnl_set *s = nftnl_set_alloc();
	struct nlmsghdr *nlh;
	uint32_t klen = 0, id = ++b->set_id, flags = d->flags;
	char nbuf[16];
	const char *name = set_name(i, shard, nbuf);

	if (!s) {
		b->oom = true;
		return 0;
	}
	for (unsigned k = 0; k < d->n; k++)
		klen += d->n > 1 ? (d->fields[k] + 3u) & ~3u : d->fields[k];
	nftnl_set_set_str(s, NFTNL_SET_TABLE, NF_TABLE);
	nftnl_set_set_str(s, NFTNL_SET_NAME, name);
	nftnl_set_set_u32(s, NFTNL_SET_FAMILY, b->family);
	nftnl_set_set_u32(s, NFTNL_SET_ID, id);
	nftnl_set_set_u32(s, NFTNL_SET_KEY_LEN, klen);
	nftnl_set_set_u32(s, NFTNL_SET_KEY_TYPE, d->type);
	if (d->n > 1) {
		flags |= NFT_SET_CONCAT;
		nftnl_set_set_data(s, NFTNL_SET_DESC_CONCAT, d->fields, d->n);
	}
	if (d->type == TYPE_IFNAME) {
		/* nft reads ifname keys as host-endian strings only when told so */
		struct nftnl_udata_buf *ud = nftnl_udata_buf_alloc(64);

		if (ud) {
			nftnl_udata_put_u32(ud, NFTNL_UDATA_SET_KEYBYTEORDER, 1);
			nftnl_set_set_data(s, NFTNL_SET_USERDATA, nftnl_udata_buf_data(ud),
					   nftnl_udata_buf_len(ud));
			nftnl_udata_buf_free(ud);
		}
	}
	if (d->obj) {
		flags |= NFT_SET_OBJECT;
		nftnl_set_set_u32(s, NFTNL_SET_OBJ_TYPE, d->obj);
	}
	nftnl_set_set_u32(s, NFTNL_SET_FLAGS, flags);
	nlh = msg_hdr(b, NFT_MSG_NEWSET, NLM_F_CREATE | NLM_F_EXCL);
	if (nlh) {
		nftnl_set_nlmsg_build_payload(nlh, s);
		batch_commit(b, nlh, "set %s", name);
	}
	nftnl_set_free(s);
	return id;
}

/* ---- the shared chains ---- */

static void h_lookup(struct hrb *h, enum hset s, bool invert)
{
	char nbuf[16];
	unsigned k = SHARDED(s) ? h->shard : 0;

	e_lookup(&h->rb, set_name(s, k, nbuf), h->id[s][k], -1, invert);
}

/* ifname [. address [. l4proto [. th dport]]] into the registers a concatenated lookup reads:
 * the name fills four 32-bit registers, the rest follow */
static void h_key(struct hrb *h, int family, bool saddr, int fields)
{
	bool v6 = family == AF_INET6;
	uint32_t off = v6 ? (saddr ? 8 : 24) : (saddr ? 12 : 16);

	e_meta(&h->rb, h->ifkey, NFT_REG32_00);
	if (fields < 2)
		return;
	e_payload(&h->rb, NFT_PAYLOAD_NETWORK_HEADER, off, v6 ? 16 : 4, NFT_REG32_00 + 4);
	if (fields < 3)
		return;
	e_meta(&h->rb, NFT_META_L4PROTO, NFT_REG32_00 + (v6 ? 8 : 5));
	if (fields == 4)
		e_payload(&h->rb, NFT_PAYLOAD_TRANSPORT_HEADER, 2, 2, NFT_REG32_00 + (v6 ? 9 : 6));
}

/* `counter name <ifname> map @<map>` */
static const enum hset acc_map[NF_DIR_N] = { S_AE, S_AI, S_AH };

/* Accepted (NFT_RETURN): counted in the direction's a<dir> map, then the verdict. Blocked
 * (NF_DROP, H_RST, H_ICMPX): on to the direction's blk chain for that verdict. A table of the
 * older layout (legacy: only the learned sets' rules are built for it) counts in acc/blk. */
static void h_end(struct hrb *h, int verdict, const char *label)
{
	bool acc = verdict == NFT_RETURN;

	if (h->pos && h->rb.r)
		nftnl_rule_set_u64(h->rb.r, NFTNL_RULE_POSITION, h->pos);
	if (h->legacy) {
		h_count(h, acc ? S_ACC : S_BLK);
		h_verdict(h, verdict);
	} else if (acc) {
		h_count(h, acc_map[h->dir]);
		e_verdict(&h->rb, verdict);
	} else {
		h_goto_blk(h, verdict);
	}
	rule_end(&h->rb, label);
}

/* An nf* interface nobody registered: dropped (no per-container counter to count it in). */
static void h_guard(struct hrb *h, struct batch *b, const char *chain)
{
	h_begin(h, b, chain);
	h_key(h, 0, false, 1);
	h_lookup(h, S_IFACES, true);
	e_counter(&h->rb);
	e_verdict(&h->rb, NF_DROP);
	rule_end(&h->rb, "ifname != @ifaces drop");
}

/* `reject...` (tcp reset, icmpx admin-prohibited), after an optional match. */
static void h_reject(struct hrb *h, struct batch *b, const char *chain,
		     void (*match)(struct hrb *h, bool tcp_rule), const char *label)
{
	char what[128];

	h_begin(h, b, chain);
	if (match)
		match(h, true);
	m_l4proto(&h->rb, IPPROTO_TCP);
	snprintf(what, sizeof(what), "%s reject with tcp reset", label);
	h_end(h, H_RST, what);
	h_begin(h, b, chain);
	if (match)
		match(h, false);
	snprintf(what, sizeof(what), "%s reject with icmpx admin-prohibited", label);
	h_end(h, H_ICMPX, what);
}

static void h_antispoof(struct hrb *h, struct batch *b, const char *chain)
{
	for (int v6 = 0; v6 < 2; v6++) {
		h_begin(h, b, chain);
		m_nfproto(&h->rb, v6 ? NFPROTO_IPV6 : NFPROTO_IPV4);
		h_key(h, v6 ? AF_INET6 : AF_INET, true, 2);
		h_lookup(h, v6 ? S_OWN6 : S_OWN4, true);
		/* no own6 element (IPv6 off): every IPv6 packet */
		h_end(h, NF_DROP,
		      v6 ? "ifname . ip6 saddr != @own6" : "ifname . ip saddr != @own4");
	}
}

/* `established`, and `related` when the quoted flow has the container's address at one end
 * (rules_ct_own in nft_expr.c says why) */
static void h_ct_own(struct hrb *h, struct batch *b, const char *chain)
{
	static const uint8_t dirs[] = { IP_CT_DIR_ORIGINAL, IP_CT_DIR_REPLY };

	h_begin(h, b, chain);
	m_ct_state(&h->rb, CT_ESTABLISHED);
	h_end(h, NFT_RETURN, "ct state established");
	for (int v6 = 0; v6 < 2; v6++)
		for (size_t d = 0; d < ARRAY_SIZE(dirs); d++) {
			struct nftnl_expr *e;

			h_begin(h, b, chain);
			m_ct_state(&h->rb, CT_RELATED);
			e_meta(&h->rb, h->ifkey, NFT_REG32_00);
			e = ex(&h->rb, "ct");
			if (e) {
				nftnl_expr_set_u32(e, NFTNL_EXPR_CT_KEY,
						   v6 ? NFT_CT_SRC_IP6 : NFT_CT_SRC_IP);
				nftnl_expr_set_u8(e, NFTNL_EXPR_CT_DIR, dirs[d]);
				nftnl_expr_set_u32(e, NFTNL_EXPR_CT_DREG, NFT_REG32_00 + 4);
			}
			h_lookup(h, v6 ? S_OWN6 : S_OWN4, false);
			h_end(h, NFT_RETURN, "ct state related (own address)");
		}
}

static void h_allow_one(struct hrb *h, struct batch *b, const char *chain, bool saddr, enum hset s,
			bool v6)
{
	h_begin(h, b, chain);
	m_nfproto(&h->rb, v6 ? NFPROTO_IPV6 : NFPROTO_IPV4);
	h_key(h, v6 ? AF_INET6 : AF_INET, saddr, 4);
	h_lookup(h, s, false);
	h_end(h, NFT_RETURN, hsets[s].name);
}

static void h_allow(struct hrb *h, struct batch *b, const char *chain, bool saddr, enum hset s4,
		    enum hset s6)
{
	h_allow_one(h, b, chain, saddr, s4, false);
	h_allow_one(h, b, chain, saddr, s6, true);
}

static void match_dns_tcp(struct hrb *h, bool tcp_rule)
{
	uint16_t dns = htons(53);

	(void)tcp_rule;
	e_payload(&h->rb, NFT_PAYLOAD_TRANSPORT_HEADER, 2, 2, NFT_REG_1);
	e_cmp(&h->rb, NFT_CMP_EQ, &dns, 2);
}

static void match_not_inet(struct hrb *h, bool tcp_rule)
{
	(void)tcp_rule;
	h_key(h, 0, false, 1);
	h_lookup(h, S_INET, true);
}

static void match_deny4(struct hrb *h, bool tcp_rule)
{
	(void)tcp_rule;
	m_nfproto(&h->rb, NFPROTO_IPV4);
	h_key(h, AF_INET, false, 3);
	h_lookup(h, S_DENY4, false);
}

static void match_deny6(struct hrb *h, bool tcp_rule)
{
	(void)tcp_rule;
	m_nfproto(&h->rb, NFPROTO_IPV6);
	h_key(h, AF_INET6, false, 3);
	h_lookup(h, S_DENY6, false);
}

static void match_hostnet4(struct hrb *h, bool tcp_rule)
{
	(void)tcp_rule;
	m_concat(&h->rb, AF_INET, false, false);
	e_lookup(&h->rb, HOSTNET4, h->id_hostnet4, -1, false);
}

static void match_hostnet6(struct hrb *h, bool tcp_rule)
{
	(void)tcp_rule;
	m_concat(&h->rb, AF_INET6, false, false);
	e_lookup(&h->rb, HOSTNET6, h->id_hostnet6, -1, false);
}

/* `jhash <ifname> mod SHARDS vmap @<chain>_shards`: on to the container's shard of chain c
 * (goto), then a drop that no packet reaches (every shard has its element). */
static void h_dispatch(struct hrb *h, struct batch *b, const char *c, uint32_t vmap_id)
{
	struct nftnl_expr *e;
	char vmap[32];

	snprintf(vmap, sizeof(vmap), "%s_shards", c);
	h_begin(h, b, c);
	e_meta(&h->rb, h->ifkey, NFT_REG32_00);
	e = ex(&h->rb, "hash");
	if (e) {
		nftnl_expr_set_u32(e, NFTNL_EXPR_HASH_SREG, NFT_REG32_00);
		nftnl_expr_set_u32(e, NFTNL_EXPR_HASH_DREG, NFT_REG32_00 + 4);
		nftnl_expr_set_u32(e, NFTNL_EXPR_HASH_LEN, IFNAMSIZ);
		nftnl_expr_set_u32(e, NFTNL_EXPR_HASH_MODULUS, SHARDS);
		nftnl_expr_set_u32(e, NFTNL_EXPR_HASH_SEED, SHARD_SEED);
		nftnl_expr_set_u32(e, NFTNL_EXPR_HASH_OFFSET, 0);
		nftnl_expr_set_u32(e, NFTNL_EXPR_HASH_TYPE, NFT_HASH_JENKINS);
	}
	e = ex(&h->rb, "lookup");
	if (e) {
		nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_SREG, NFT_REG32_00 + 4);
		nftnl_expr_set_str(e, NFTNL_EXPR_LOOKUP_SET, vmap);
		nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_SET_ID, vmap_id);
		nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_DREG, NFT_REG_VERDICT);
	}
	rule_end(&h->rb, "jhash ifname mod shards vmap");
	h_begin(h, b, c);
	e_counter(&h->rb);
	e_verdict(&h->rb, NF_DROP);
	rule_end(&h->rb, "no shard drop");
}

/* from a container (forward) */
static void chain_egress(struct hrb *h, struct batch *b, uint32_t vmap_id)
{
	static const char c[] = "egress";

	h->ifkey = NFT_META_IIFNAME;
	h->dir = NF_DIR_EGRESS;
	add_chain(b, c, -1, 0, NULL, 0);
	h_guard(h, b, c);
	h_antispoof(h, b, c);
	h_limit_rule(h, b, c, false);
	h_ct_own(h, b, c);
	h_begin(h, b, c);
	m_ct_state(&h->rb, CT_INVALID);
	h_end(h, NF_DROP, "ct state invalid");
	h_limit_rule(h, b, c, true);
	h_dispatch(h, b, c, vmap_id);
}

static void chain_egress_shard(struct hrb *h, struct batch *b, const char *c)
{
	h->ifkey = NFT_META_IIFNAME;
	h->dir = NF_DIR_EGRESS;
	add_chain(b, c, -1, 0, NULL, 0);
	h_allow(h, b, c, false, S_EG4, S_EG6);
	h_allow(h, b, c, false, S_DYN4, S_DYN6);
	/* DNS only to resolvers (they are in eg4/eg6) */
	h_begin(h, b, c);
	m_l4proto(&h->rb, IPPROTO_TCP);
	match_dns_tcp(h, true);
	h_end(h, H_RST, "tcp dport 53 reject with tcp reset");
	h_begin(h, b, c);
	m_l4proto(&h->rb, IPPROTO_UDP);
	match_dns_tcp(h, false);
	h_end(h, H_ICMPX, "udp dport 53 reject with icmpx admin-prohibited");
	/* every base but internet: the default reject */
	h_reject(h, b, c, match_not_inet, "ifname != @inet_ifaces");
	h_reject(h, b, c, match_deny4, "ifname . ip daddr . meta l4proto @deny4");
	h_reject(h, b, c, match_deny6, "ifname . ip6 daddr . meta l4proto @deny6");
	h_reject(h, b, c, match_hostnet4, "ip daddr . meta l4proto @" HOSTNET4);
	h_reject(h, b, c, match_hostnet6, "ip6 daddr . meta l4proto @" HOSTNET6);
	h_begin(h, b, c);
	h_end(h, NFT_RETURN, "internet allowed");
}

/* to a container (forward, and the host's own output) */
static void chain_ingress(struct hrb *h, struct batch *b, uint32_t vmap_id)
{
	static const char c[] = "ingress";

	h->ifkey = NFT_META_OIFNAME;
	h->dir = NF_DIR_INGRESS;
	add_chain(b, c, -1, 0, NULL, 0);
	h_guard(h, b, c);
	h_begin(h, b, c);
	m_ct_state(&h->rb, CT_ESTABLISHED | CT_RELATED);
	h_end(h, NFT_RETURN, "ct state established,related");
	/* neighbour solicitations and advertisements, to containers with IPv6 on */
	h_begin(h, b, c);
	m_nfproto(&h->rb, NFPROTO_IPV6);
	h_key(h, 0, false, 1);
	h_lookup(h, S_IFACES6, false);
	m_l4proto(&h->rb, IPPROTO_ICMPV6);
	m_nd_ns_na(&h->rb);
	h_end(h, NFT_RETURN, "oifname @ifaces6 icmpv6 neighbour solicitation/advertisement");
	h_dispatch(h, b, c, vmap_id);
}

static void chain_ingress_shard(struct hrb *h, struct batch *b, const char *c)
{
	h->ifkey = NFT_META_OIFNAME;
	h->dir = NF_DIR_INGRESS;
	add_chain(b, c, -1, 0, NULL, 0);
	h_allow(h, b, c, true, S_IN4, S_IN6);
	h_begin(h, b, c);
	h_end(h, NF_DROP, "default drop");
}

/* from a container to the host itself (input) */
static void chain_host_in(struct hrb *h, struct batch *b, uint32_t vmap_id)
{
	static const char c[] = "host_in";
	uint8_t hl = 255;

	h->ifkey = NFT_META_IIFNAME;
	h->dir = NF_DIR_HOST;
	add_chain(b, c, -1, 0, NULL, 0);
	h_guard(h, b, c);
	/* Neighbour discovery, ahead of anti-spoofing (link-local traffic): solicitations and
	 * advertisements (hop limit 255) from the container's own address or its fixed
	 * link-local address only, so that the host's neighbour table holds at most those two
	 * entries of it; router solicitations and advertisements, redirects, and neighbour
	 * discovery from any other source are dropped before the host stack sees them (a router
	 * solicitation creates a neighbour entry too, an advertisement routes and addresses). */
	h_begin(h, b, c);
	m_nfproto(&h->rb, NFPROTO_IPV6);
	m_l4proto(&h->rb, IPPROTO_ICMPV6);
	e_payload(&h->rb, NFT_PAYLOAD_NETWORK_HEADER, 7, 1, NFT_REG_1);
	e_cmp(&h->rb, NFT_CMP_EQ, &hl, 1);
	m_nd_ns_na(&h->rb);
	h_key(h, AF_INET6, true, 2);
	h_lookup(h, S_ND6, false);
	h_end(h, NFT_RETURN, "ifname . ip6 saddr @nd6 icmpv6 neighbour solicitation/advertisement");
	h_begin(h, b, c);
	m_ndp(&h->rb, false);
	h_end(h, NF_DROP, "icmpv6 neighbour discovery otherwise");
	h_antispoof(h, b, c);
	h_ct_own(h, b, c);
	h_dispatch(h, b, c, vmap_id);
}

static void chain_host_in_shard(struct hrb *h, struct batch *b, const char *c)
{
	h->ifkey = NFT_META_IIFNAME;
	h->dir = NF_DIR_HOST;
	add_chain(b, c, -1, 0, NULL, 0);
	h_allow(h, b, c, false, S_EG4, S_EG6);
	h_allow(h, b, c, false, S_DYN4, S_DYN6);
	h_reject(h, b, c, NULL, "default");
}

/* The constant map <chain>_shards { k : goto <chain>_<k> }. */
static uint32_t add_shard_vmap(struct batch *b, const char *chain)
{
	static const uint8_t mark_field[] = { 4 };
	char name[32];
	uint32_t id;

	snprintf(name, sizeof(name), "%s_shards", chain);
	id = add_set(b, name, mark_field, 1, TYPE_MARK, false, true);
	for (unsigned k = 0; k < SHARDS; k += 16) {
		struct nlattr *list, *e;
		struct nlmsghdr *nlh = msg_hdr(b, NFT_MSG_NEWSETELEM, NLM_F_CREATE | NLM_F_EXCL);

		if (!nlh)
			return id;
		mnl_attr_put_strz(nlh, NFTA_SET_ELEM_LIST_TABLE, NF_TABLE);
		mnl_attr_put_strz(nlh, NFTA_SET_ELEM_LIST_SET, name);
		mnl_attr_put_u32(nlh, NFTA_SET_ELEM_LIST_SET_ID, htonl(id));
		list = mnl_attr_nest_start(nlh, NFTA_SET_ELEM_LIST_ELEMENTS);
		for (unsigned i = k; i < k + 16 && i < SHARDS; i++) {
			char target[32];

			snprintf(target, sizeof(target), "%s_%02u", chain, i);
			e = mnl_attr_nest_start(nlh, NFTA_LIST_ELEM);
			put_data(nlh, NFTA_SET_ELEM_KEY, &i, 4);
			put_verdict(nlh, NFT_GOTO, target);
			mnl_attr_nest_end(nlh, e);
		}
		mnl_attr_nest_end(nlh, list);
		batch_commit(b, nlh, "elements of map %s", name);
	}
	return id;
}

static void rule_jump(struct batch *b, const char *chain, uint32_t meta_key, const char *to)
{
	struct nftnl_expr *e;
	struct rb rb;
	char what[64];

	rule_begin(&rb, b, chain);
	m_ifname(&rb, meta_key, "nf", 2);
	e = ex(&rb, "immediate");
	if (e) {
		nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_DREG, NFT_REG_VERDICT);
		nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_VERDICT, (uint32_t)NFT_JUMP);
		nftnl_expr_set_str(e, NFTNL_EXPR_IMM_CHAIN, to);
	}
	snprintf(what, sizeof(what), "%s \"nf*\" jump %s",
		 meta_key == NFT_META_IIFNAME ? "iifname" : "oifname", to);
	rule_end(&rb, what);
}

void add_skeleton(struct batch *b)
{
	uint32_t id[S_N][SHARDS];
	static const char *const chains[] = { "egress", "ingress", "host_in" };
	static void (*const shard_fn[])(struct hrb *, struct batch *,
					const char *) = { chain_egress_shard, chain_ingress_shard,
							  chain_host_in_shard };
	struct hrb h = { .id = id };
	struct fence_names hn = { 0 };
	uint32_t vmap[3];
	struct rb rb;

	memset(id, 0, sizeof(id));
	add_table(b, NFT_MSG_NEWTABLE, NLM_F_CREATE);
	for (int i = 0; i < S_N; i++)
		for (unsigned k = 0; k < (SHARDED(i) ? SHARDS : 1) && !LEGACY(i); k++)
			id[i][k] = host_set(b, (enum hset)i, k);
	add_hostnet_sets(b, &hn, true, false, NULL, NULL);
	h.id_hostnet4 = hn.id_hostnet4;
	h.id_hostnet6 = hn.id_hostnet6;

	/* the chains blocking rules go to, first: every rule after may name them */
	add_blk_chains(&h, b);

	/* the shards' chains first: the maps that name them come next, the rules after */
	for (size_t c = 0; c < ARRAY_SIZE(chains); c++)
		for (unsigned k = 0; k < SHARDS; k++) {
			char name[32];

			snprintf(name, sizeof(name), "%s_%02u", chains[c], k);
			h.shard = k;
			shard_fn[c](&h, b, name);
		}
	for (size_t c = 0; c < ARRAY_SIZE(chains); c++)
		vmap[c] = add_shard_vmap(b, chains[c]);
	chain_egress(&h, b, vmap[0]);
	chain_ingress(&h, b, vmap[1]);
	chain_host_in(&h, b, vmap[2]);

	/* the shared chains return what they allow: a packet from one container to another
	 * passes the sender's egress and the receiver's ingress */
	add_chain(b, "forward", NF_INET_FORWARD, 0, "filter", NF_ACCEPT);
	rule_jump(b, "forward", NFT_META_IIFNAME, "egress");
	rule_jump(b, "forward", NFT_META_OIFNAME, "ingress");
	add_chain(b, "input", NF_INET_LOCAL_IN, 0, "filter", NF_ACCEPT);
	rule_jump(b, "input", NFT_META_IIFNAME, "host_in");
	add_chain(b, "output", NF_INET_LOCAL_OUT, 0, "filter", NF_ACCEPT);
	rule_jump(b, "output", NFT_META_OIFNAME, "ingress");

	add_chain(b, "postrouting", NF_INET_POST_ROUTING, PRIO_SRCNAT, "nat", NF_ACCEPT);
	rule_begin(&rb, b, "postrouting");
	m_ifname(&rb, NFT_META_OIFNAME, "nf", 2);
	e_verdict(&rb, NFT_RETURN);
	rule_end(&rb, "oifname \"nf*\" return");
	for (int v6 = 0; v6 < 2; v6++) {
		rule_begin(&rb, b, "postrouting");
		m_nfproto(&rb, v6 ? NFPROTO_IPV6 : NFPROTO_IPV4);
		e_payload(&rb, NFT_PAYLOAD_NETWORK_HEADER, v6 ? 8 : 12, v6 ? 16 : 4, NFT_REG32_00);
		e_lookup(&rb, v6 ? "nat6" : "nat4", id[v6 ? S_NAT6 : S_NAT4][0], -1, false);
		ex(&rb, "masq");
		rule_end(&rb, v6 ? "ip6 saddr @nat6 masquerade" : "ip saddr @nat4 masquerade");
	}
}

/* ---- the learned sets added to a table made before them ---- */

/* The handle of each shard chain's eg6_NN rule: [0] egress_NN, [1] host_in_NN. */
struct eg6_handles {
	uint64_t h[2][SHARDS];
	bool oom;
};

struct eg6_scan {
	const char *want; /* "eg6_NN" */
	bool hit;
};

static int eg6_expr_cb(struct nftnl_expr *e, void *data)
{
	struct eg6_scan *sc = data;

	if (strcmp(nftnl_expr_get_str(e, NFTNL_EXPR_NAME), "lookup") == 0 &&
	    nftnl_expr_is_set(e, NFTNL_EXPR_LOOKUP_SET) &&
	    strcmp(nftnl_expr_get_str(e, NFTNL_EXPR_LOOKUP_SET), sc->want) == 0)
		sc->hit = true;
	return 0;
}

static int eg6_rule_cb(const struct nlmsghdr *nlh, void *data)
{
	struct eg6_handles *eh = data;
	struct nftnl_rule *r = nftnl_rule_alloc();
	const char *chain;
	unsigned k;
	int kind = -1, used = 0;

	if (!r) {
		eh->oom = true;
		return MNL_CB_OK;
	}
	if (nftnl_rule_nlmsg_parse(nlh, r) < 0)
		goto out;
	chain = nftnl_rule_get_str(r, NFTNL_RULE_CHAIN);
	if (sscanf(chain, "egress_%u%n", &k, &used) == 1 && chain[used] == 0)
		kind = 0;
	else if (sscanf(chain, "host_in_%u%n", &k, &used) == 1 && chain[used] == 0)
		kind = 1;
	if (kind >= 0 && k < SHARDS) {
		char want[16];
		struct eg6_scan sc = { set_name(S_EG6, k, want), false };

		nftnl_expr_foreach(r, eg6_expr_cb, &sc);
		if (sc.hit)
			eh->h[kind][k] = nftnl_rule_get_u64(r, NFTNL_RULE_HANDLE);
	}
out:
	nftnl_rule_free(r);
	return MNL_CB_OK;
}

int add_dyn_upgrade(struct mnl_socket *nl, struct batch *b, struct nf_error *err)
{
	static const char *const chains[] = { "egress", "host_in" };
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct eg6_handles *eh = calloc(1, sizeof(*eh));
	uint32_t(*id)[SHARDS] = calloc(S_N, sizeof(*id));
	struct hrb h = { .id = id, .legacy = true };
	struct nlmsghdr *nlh;
	int r = 0;

	if (!eh || !id) {
		r = nf_sys_err(err, ENOMEM, "upgrading the host table");
		goto out;
	}
	nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETRULE, NFPROTO_INET, NLM_F_DUMP, nl_seq_take(1));
	mnl_attr_put_strz(nlh, NFTA_RULE_TABLE, NF_TABLE);
	r = dump(nl, nlh, eg6_rule_cb, eh, "listing the host table's rules", err);
	if (r >= 0 && eh->oom)
		r = nf_sys_err(err, ENOMEM, "listing the host table's rules");
	for (unsigned k = 0; k < SHARDS && r >= 0; k++)
		for (int c = 0; c < 2 && r >= 0; c++)
			if (!eh->h[c][k])
				r = nf_sys_err(err, ENOENT,
					       "the host table inet %s has no eg6 rule in chain "
					       "%s_%02u: cannot add the learned sets to it",
					       NF_TABLE, chains[c], k);
	if (r < 0)
		goto out;
	for (unsigned k = 0; k < SHARDS; k++) {
		id[S_DYN4][k] = host_set(b, S_DYN4, k);
		id[S_DYN6][k] = host_set(b, S_DYN6, k);
	}
	for (unsigned k = 0; k < SHARDS; k++)
		for (int c = 0; c < 2; c++) {
			char chain[32];

			snprintf(chain, sizeof(chain), "%s_%02u", chains[c], k);
			h.shard = k;
			h.ifkey = NFT_META_IIFNAME;
			h.pos = eh->h[c][k];
			/* each goes right after the eg6 rule: dyn6 first, so dyn4 ends up ahead */
			h_allow_one(&h, b, chain, false, S_DYN6, true);
			h_allow_one(&h, b, chain, false, S_DYN4, false);
		}
out:
	free(eh);
	free(id);
	return r;
}
