/* netfence: the host namespace's shared table (docs/RULESET.md): its skeleton, one container's
 * chains, sets and map entries added and removed, and the hostnet sets kept in step with the
 * host's addresses (watch.c). */
#define _GNU_SOURCE
#include "nft_int.h"

/* Rules of a skeleton base chain that dispatch by interface name. */
static void rules_dispatch(struct batch *b, const char *chain, uint32_t meta_key, const char *map,
			   uint32_t map_id)
{
	struct rb rb;
	char what[96];

	rule_begin(&rb, b, chain);
	e_meta(&rb, meta_key, NFT_REG32_00);
	e_lookup(&rb, map, map_id, NFT_REG_VERDICT, false);
	snprintf(what, sizeof(what), "vmap @%s", map);
	rule_end(&rb, what);

	/* An nf* interface without an entry: dropped. Matched with a negated lookup because a
	 * jump that returns continues with the next rule of this chain. */
	rule_begin(&rb, b, chain);
	m_ifname(&rb, meta_key, "nf", 2);
	e_meta(&rb, meta_key, NFT_REG32_00);
	e_lookup(&rb, map, map_id, -1, true);
	e_counter(&rb);
	e_verdict(&rb, NF_DROP);
	snprintf(what, sizeof(what), "\"nf*\" not in @%s drop", map);
	rule_end(&rb, what);
}

static void add_skeleton(struct batch *b)
{
	static const uint8_t ifname_field[] = { IFNAMSIZ };
	static const uint8_t a4[] = { 4 }, a6[] = { 16 };
	uint32_t out, in, hin, nat4, nat6;
	struct rb rb;

	add_table(b, NFT_MSG_NEWTABLE, NLM_F_CREATE);
	out = add_set(b, "fwd_out", ifname_field, 1, TYPE_IFNAME, false, true);
	in = add_set(b, "fwd_in", ifname_field, 1, TYPE_IFNAME, false, true);
	hin = add_set(b, "host_in", ifname_field, 1, TYPE_IFNAME, false, true);
	nat4 = add_set(b, "nat4", a4, 1, TYPE_IPADDR, false, false);
	nat6 = add_set(b, "nat6", a6, 1, TYPE_IP6ADDR, false, false);
	{
		struct fence_names scratch = { 0 };

		add_hostnet_sets(b, &scratch, true, false, NULL, NULL);
	}

	add_chain(b, "forward", NF_INET_FORWARD, 0, "filter", NF_ACCEPT);
	rules_dispatch(b, "forward", NFT_META_IIFNAME, "fwd_out", out);
	rules_dispatch(b, "forward", NFT_META_OIFNAME, "fwd_in", in);
	add_chain(b, "input", NF_INET_LOCAL_IN, 0, "filter", NF_ACCEPT);
	rules_dispatch(b, "input", NFT_META_IIFNAME, "host_in", hin);
	add_chain(b, "output", NF_INET_LOCAL_OUT, 0, "filter", NF_ACCEPT);
	rules_dispatch(b, "output", NFT_META_OIFNAME, "fwd_in", in);

	add_chain(b, "postrouting", NF_INET_POST_ROUTING, PRIO_SRCNAT, "nat", NF_ACCEPT);
	rule_begin(&rb, b, "postrouting");
	m_ifname(&rb, NFT_META_OIFNAME, "nf", 2);
	e_verdict(&rb, NFT_RETURN);
	rule_end(&rb, "oifname \"nf*\" return");
	for (int v6 = 0; v6 < 2; v6++) {
		rule_begin(&rb, b, "postrouting");
		m_nfproto(&rb, v6 ? NFPROTO_IPV6 : NFPROTO_IPV4);
		e_payload(&rb, NFT_PAYLOAD_NETWORK_HEADER, v6 ? 8 : 12, v6 ? 16 : 4, NFT_REG32_00);
		e_lookup(&rb, v6 ? "nat6" : "nat4", v6 ? nat6 : nat4, -1, false);
		ex(&rb, "masq");
		rule_end(&rb, v6 ? "ip6 saddr @nat6 masquerade" : "ip saddr @nat4 masquerade");
	}
}

static void ifname_key(const char *ifname, char key[IFNAMSIZ])
{
	memset(key, 0, IFNAMSIZ);
	memcpy(key, ifname, strnlen(ifname, IFNAMSIZ - 1));
}

int nft_host_apply(const struct nft_fence *f, struct nf_error *err)
{
	struct mnl_socket *nl = NULL; /* borrowed: see nl_host() */
	struct batch b;
	struct fence_names n;
	char eg[32], in[32], hin[32], key[IFNAMSIZ];
	bool exists;
	int r;

	if (!hex_ok(f->hex))
		return nf_sys_err(err, EINVAL, "nftables: bad object suffix \"%s\"", f->hex);
	r = nl_host(&nl, err);
	if (r < 0)
		return r;
	r = table_exists(nl, &exists, err);
	if (r < 0)
		return r;

	batch_start(&b);
	if (!exists)
		add_skeleton(&b);
	fence_names_init(&n, f->hex);
	snprintf(eg, sizeof(eg), "eg_%s", f->hex);
	snprintf(in, sizeof(in), "in_%s", f->hex);
	snprintf(hin, sizeof(hin), "hin_%s", f->hex);
	add_fence_sets(&b, f, &n, true);
	/* internet: the shared host lists the chain looks up (made here should a table of an
	 * older netfence lack them). Their elements are the watcher's to keep: a flush here would
	 * make this process's exit wait for the deleted elements' RCU grace period. */
	if (f->base == NF_BASE_INTERNET) {
		n.hostnet = true;
		add_hostnet_sets(&b, &n, false, false, NULL, NULL);
	}

	add_chain(&b, eg, -1, 0, NULL, 0);
	rule_antispoof(&b, eg, f);
	rules_ct_own(&b, eg, f, NFT_RETURN);
	rule_ct(&b, eg, CT_INVALID, NF_DROP, "ct state invalid");
	rules_egress(&b, eg, f, &n, NFT_RETURN);

	add_chain(&b, in, -1, 0, NULL, 0);
	rule_ct(&b, in, CT_ESTABLISHED | CT_RELATED, NFT_RETURN, "ct state established,related");
	if (f->ipv6)
		rule_ndp_to(&b, in);
	rule_lookup(&b, in, AF_INET, true, n.in4, n.id_in4, NFT_RETURN);
	rule_lookup(&b, in, AF_INET6, true, n.in6, n.id_in6, NFT_RETURN);
	rule_simple(&b, in, NF_DROP, "default drop");

	add_chain(&b, hin, -1, 0, NULL, 0);
	if (f->ipv6)
		rules_ndp_from(&b, hin, f);
	rule_antispoof(&b, hin, f);
	rules_ct_own(&b, hin, f, NFT_RETURN);
	rule_lookup(&b, hin, AF_INET, false, n.eg4, n.id_eg4, NFT_RETURN);
	rule_lookup(&b, hin, AF_INET6, false, n.eg6, n.id_eg6, NFT_RETURN);
	rules_reject(&b, hin, MATCH_NONE, &n, "default");

	if (f->ifname[0]) {
		ifname_key(f->ifname, key);
		add_elem(&b, NFT_MSG_NEWSETELEM, "fwd_out", 0, key, IFNAMSIZ, eg);
		add_elem(&b, NFT_MSG_NEWSETELEM, "fwd_in", 0, key, IFNAMSIZ, in);
		add_elem(&b, NFT_MSG_NEWSETELEM, "host_in", 0, key, IFNAMSIZ, hin);
	}
	if (f->nat && f->addr4.family == AF_INET)
		add_elem(&b, NFT_MSG_NEWSETELEM, "nat4", 0, f->addr4.a, 4, NULL);
	if (f->nat && f->ipv6 && f->addr6.family == AF_INET6)
		add_elem(&b, NFT_MSG_NEWSETELEM, "nat6", 0, f->addr6.a, 16, NULL);
	batch_finish(&b);

	r = batch_send(nl, &b, err);
	batch_free(&b);
	return r < 0 ? r : !exists;
}

int nft_host_remove(const char *hex, const char *ifname, const struct nf_addr *addr4,
		    const struct nf_addr *addr6, struct nf_error *err)
{
	static const char *const set_fmt[] = { "eg4_", "eg6_", "in4_", "in6_", "deny4_", "deny6_" };
	static const char *const chain_fmt[] = { "eg_", "in_", "hin_" };
	static const char *const maps[] = { "fwd_out", "fwd_in", "host_in" };
	struct mnl_socket *nl = NULL; /* borrowed: see nl_host() */
	char sets[6][32], chains[3][32], key[IFNAMSIZ];
	struct query q = { .seq0 = nl_seq_take(NL_SEQ_QUERY), .family = NFPROTO_INET };
	bool found[16] = { false }, any = false;
	bool has_if = ifname && ifname[0];
	bool has4 = addr4 && addr4->family == AF_INET, has6 = addr6 && addr6->family == AF_INET6;
	struct batch b;
	size_t k;
	int r = 0;

	if (!hex_ok(hex))
		return nf_sys_err(err, EINVAL, "nftables: bad object suffix \"%s\"", hex);
	r = nl_host(&nl, err);
	if (r < 0)
		return r;
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
	if (has_if)
		ifname_key(ifname, key);
	for (k = 0; k < 3 && has_if; k++)
		r = r < 0 ? r : query_elem(&q, maps[k], key, IFNAMSIZ);
	if (has4)
		r = r < 0 ? r : query_elem(&q, "nat4", addr4->a, 4);
	if (has6)
		r = r < 0 ? r : query_elem(&q, "nat6", addr6->a, 16);
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

	/* Map elements first (they hold the chains), then rules (they hold the sets). */
	batch_start(&b);
	k = 9;
	for (size_t i = 0; i < 3 && has_if; i++, k++)
		if (found[k])
			add_elem(&b, NFT_MSG_DELSETELEM, maps[i], 0, key, IFNAMSIZ, NULL);
	for (size_t i = 0; i < 3; i++)
		if (found[i])
			del_named(&b, NFT_MSG_DELRULE, chains[i]);
	for (size_t i = 0; i < 3; i++)
		if (found[i])
			del_named(&b, NFT_MSG_DELCHAIN, chains[i]);
	for (size_t i = 0; i < 6; i++)
		if (found[3 + i])
			del_named(&b, NFT_MSG_DELSET, sets[i]);
	if (has4 && found[k++])
		add_elem(&b, NFT_MSG_DELSETELEM, "nat4", 0, addr4->a, 4, NULL);
	if (has6 && found[k++])
		add_elem(&b, NFT_MSG_DELSETELEM, "nat6", 0, addr6->a, 16, NULL);
	batch_finish(&b);
	r = batch_send(nl, &b, err);
	batch_free(&b);
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
