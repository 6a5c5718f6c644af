/* netfence: a container namespace's tables (docs/RULESET.md): the inet table and the netdev
 * table that guards packet sockets, made, replaced and removed in one batch. */
#define _GNU_SOURCE
#include <linux/netfilter/nf_conntrack_common.h>

#include "nft_int.h"

#define MAX_DEVS 64 /* interfaces guarded on the netdev egress hook */

/* In a container namespace the host's addresses are the namespace's own business only in
 * overlay mode: in wire mode the host-side chains deny them, kept in step by the watcher. */
static bool ns_hostnet(const struct nft_fence *f)
{
	return f->base == NF_BASE_INTERNET && f->n_devs > 0;
}

/* The netdev egress chain of one device: what a packet socket sends, judged again. */
static void rules_netdev_egress(struct batch *b, const char *chain, const struct nft_fence *f,
				const struct fence_names *n)
{
	static const uint32_t zero;
	uint16_t arp = htons(ETH_P_ARP);
	struct rb rb;

	/* Sent through the IP stack: the inet output chain has judged it already. Such a packet
	 * still holds its route (skb dst) here, which is dropped only after this hook; a frame
	 * from a packet socket never has one. `meta rtclassid` reads the route and fails (no
	 * match) without one. Not `ct state`: the netdev family refuses the ct expression
	 * (EPROTO); not a mark: whoever may open a packet socket may also set SO_MARK. */
	rule_begin(&rb, b, chain);
	e_meta(&rb, NFT_META_RTCLASSID, NFT_REG_1);
	e_cmp(&rb, NFT_CMP_GTE, &zero, 4);
	e_verdict(&rb, NF_ACCEPT);
	rule_end(&rb, "meta rtclassid >= 0 accept (routed by the IP stack)");

	/* ARP: the kernel's own neighbour resolution carries no route, and the namespace needs
	 * it. Forged ARP is let through too: it reaches the link only, never a router beyond.
	 * The frame's own ethertype is matched: skb->protocol is whatever a packet socket says. */
	rule_begin(&rb, b, chain);
	e_payload(&rb, NFT_PAYLOAD_LL_HEADER, 12, 2, NFT_REG_1);
	e_cmp(&rb, NFT_CMP_EQ, &arp, 2);
	e_verdict(&rb, NF_ACCEPT);
	rule_end(&rb, "ether type arp accept");

	if (!f->ipv6) {
		rule_begin(&rb, b, chain);
		m_family(&rb, true);
		e_blocked(&rb, BLK_DROP);
		rule_end(&rb, "ipv6 off");
	}
	rule_lookup(b, chain, AF_INET, false, n->eg4, n->id_eg4, NF_ACCEPT);
	rule_lookup(b, chain, AF_INET6, false, n->eg6, n->id_eg6, NF_ACCEPT);
	rule_lookup(b, chain, AF_INET, false, DYN4, n->id_dyn4, NF_ACCEPT);
	rule_lookup(b, chain, AF_INET6, false, DYN6, n->id_dyn6, NF_ACCEPT);
	if (f->base == NF_BASE_INTERNET) {
		static const enum match_kind drops[] = { MATCH_DNS_TCP, MATCH_DNS_UDP, MATCH_DENY4,
							 MATCH_DENY6 };
		static const char *const labels[] = { "tcp dport 53 drop", "udp dport 53 drop",
						      "ip daddr . meta l4proto @deny4 drop",
						      "ip6 daddr . meta l4proto @deny6 drop" };

		for (size_t i = 0; i < ARRAY_SIZE(drops); i++) {
			rule_begin(&rb, b, chain);
			add_match(&rb, drops[i], n);
			e_blocked(&rb, BLK_DROP);
			rule_end(&rb, labels[i]);
		}
		for (int v6 = 0; v6 < 2 && n->hostnet; v6++) {
			rule_begin(&rb, b, chain);
			add_match(&rb, v6 ? MATCH_HOSTNET6 : MATCH_HOSTNET4, n);
			e_blocked(&rb, BLK_DROP);
			rule_end(&rb, v6 ? "ip6 daddr . meta l4proto @" HOSTNET6 " drop"
					 : "ip daddr . meta l4proto @" HOSTNET4 " drop");
		}
		/* The accept looks the deny set up again, negated: a packet whose headers did not
		 * parse (no l4proto) fails the lookup and falls to the drop below. */
		for (int v6 = 0; v6 < 2; v6++) {
			rule_begin(&rb, b, chain);
			m_concat(&rb, v6 ? AF_INET6 : AF_INET, false, false);
			e_lookup(&rb, v6 ? n->deny6 : n->deny4, v6 ? n->id_deny6 : n->id_deny4, -1,
				 true);
			e_counter(&rb);
			e_verdict(&rb, NF_ACCEPT);
			rule_end(&rb, v6 ? "internet allowed (ip6)" : "internet allowed (ip)");
		}
	}
	/* no reject: there is no socket to tell */
	rule_simple(b, chain, NF_DROP, "default drop");
}

/* `limit name "logl" log group NF_NFLOG_GROUP prefix "<nf X> <hex>"`: changes no verdict; the
 * namespace's one log limit (20/second, burst 20) bounds all its log rules together. */
static void rule_log(struct batch *b, const char *chain, char dir, const char *hex)
{
	char prefix[LOG_PREFIX_LEN], what[64];
	struct rb rb;

	snprintf(prefix, sizeof(prefix), "nf %c %s", dir, hex);
	rule_begin(&rb, b, chain);
	e_objref(&rb, NFT_OBJECT_LIMIT, "logl");
	e_log(&rb, prefix);
	snprintf(what, sizeof(what), "limit name logl log prefix \"%s\"", prefix);
	rule_end(&rb, what);
}

static void rule_verdict(struct batch *b, const char *chain, int how, const char *label)
{
	struct rb rb;

	rule_begin(&rb, b, chain);
	e_blocked(&rb, how);
	rule_end(&rb, label);
}

/* blk_<dir>_<how>: log (the table's logl), count, decide */
static void add_blk_chain(struct batch *b, char dir, int how, const char *hex)
{
	char chain[32];

	snprintf(chain, sizeof(chain), "blk_%c_%s", dir, blk_how_name(how));
	add_chain(b, chain, -1, 0, NULL, 0);
	rule_log(b, chain, dir, hex);
	b->blk_dir = 0;
	rule_verdict(b, chain, how, "counter");
}

/* The netdev table: copies of the egress and deny sets, one egress chain per device. Its drops
 * go to its own blk_e_drop, which logs them as the inet table's do (its own logl). */
static void add_netdev_table(struct batch *b, const struct nft_fence *f)
{
	struct fence_names n;
	char chain[32];

	add_table(b, NFT_MSG_NEWTABLE, NLM_F_CREATE);
	fence_names_init(&n, "");
	add_fence_sets(b, f, &n, false);
	if (ns_hostnet(f)) {
		n.hostnet = true;
		add_hostnet_sets(b, &n, true, true, &f->hostnet4, &f->hostnet6);
	}
	add_limit_obj(b, "logl", LOG_RATE, 1, LOG_BURST, false);
	add_blk_chain(b, 'e', BLK_DROP, f->hex);
	b->blk_dir = 'e';
	for (size_t i = 0; i < f->n_devs; i++) {
		snprintf(chain, sizeof(chain), "egress_%.15s", f->devs[i]);
		add_egress_chain(b, chain, f->devs[i]);
		rules_netdev_egress(b, chain, f, &n);
	}
	b->blk_dir = 0;
}

static int check_devs(const struct nft_fence *f, struct nf_error *err)
{
	if (f->n_devs > MAX_DEVS)
		return nf_sys_err(err, E2BIG, "nftables: %zu interfaces to guard (at most %d)",
				  f->n_devs, MAX_DEVS);
	for (size_t i = 0; i < f->n_devs; i++) {
		size_t len = strnlen(f->devs[i], sizeof(f->devs[i]));

		if (len == 0 || len >= sizeof(f->devs[i]))
			return nf_sys_err(err, EINVAL, "nftables: bad interface name");
	}
	return 0;
}

/* The packet label (nft's secmark documentation): a new connection's packets get the secmark
 * object's context, which is saved to conntrack; later packets of the connection get it back
 * from conntrack. First in the chain, so every packet that leaves or arrives is labelled. */
static void add_secmark_obj(struct batch *b, const char *ctx)
{
	char what[160];

	snprintf(what, sizeof(what), "secmark %s \"%.100s\"", NFT_SECMARK_NAME, ctx);
	add_obj(b, NFT_MSG_NEWOBJ, NLM_F_CREATE, NFT_OBJECT_SECMARK, NFT_SECMARK_NAME, ctx, what);
}

static void e_ct_set(struct rb *rb, uint32_t key)
{
	struct nftnl_expr *e = ex(rb, "ct");

	if (!e)
		return;
	nftnl_expr_set_u32(e, NFTNL_EXPR_CT_KEY, key);
	nftnl_expr_set_u32(e, NFTNL_EXPR_CT_SREG, NFT_REG_1);
}

static void e_meta_set(struct rb *rb, uint32_t key)
{
	struct nftnl_expr *e = ex(rb, "meta");

	if (!e)
		return;
	nftnl_expr_set_u32(e, NFTNL_EXPR_META_KEY, key);
	nftnl_expr_set_u32(e, NFTNL_EXPR_META_SREG, NFT_REG_1);
}

static void rules_secmark(struct batch *b, const char *chain)
{
	struct nftnl_expr *e;
	struct rb rb;

	rule_begin(&rb, b, chain);
	m_ct_state(&rb, CT_NEW);
	e = ex(&rb, "objref");
	if (e) {
		nftnl_expr_set_u32(e, NFTNL_EXPR_OBJREF_IMM_TYPE, NFT_OBJECT_SECMARK);
		nftnl_expr_set_str(e, NFTNL_EXPR_OBJREF_IMM_NAME, NFT_SECMARK_NAME);
	}
	rule_end(&rb, "ct state new meta secmark set \"" NFT_SECMARK_NAME "\"");

	rule_begin(&rb, b, chain);
	m_ct_state(&rb, CT_NEW);
	e_meta(&rb, NFT_META_SECMARK, NFT_REG_1);
	e_ct_set(&rb, NFT_CT_SECMARK);
	rule_end(&rb, "ct state new ct secmark set meta secmark");

	rule_begin(&rb, b, chain);
	m_ct_state(&rb, CT_ESTABLISHED | CT_RELATED);
	e_ct(&rb, NFT_CT_SECMARK, NFT_REG_1);
	e_meta_set(&rb, NFT_META_SECMARK);
	rule_end(&rb, "ct state established,related meta secmark set ct secmark");
}

/* DNS to the allowed resolvers goes to the resolver's sockets in this namespace (SPEC section
 * 10): nat output, ahead of the filter chain, whose `oifname "lo" accept` then passes the
 * rewritten packet (it is routed again, to lo) and `iifname "lo"` its answer. Per resolver and
 * protocol one rule: `ip daddr R meta l4proto P th dport 53 counter dnat ip to ADDR:53`. */
static void add_dns_redirect(struct batch *b, const struct nft_fence *f)
{
	static const uint8_t protos[] = { IPPROTO_UDP, IPPROTO_TCP };
	uint16_t port = htons(NF_RESOLVER_PORT);
	uint8_t to4[4], to6[16];

	inet_pton(AF_INET, NF_RESOLVER_ADDR4, to4);
	inet_pton(AF_INET6, NF_RESOLVER_ADDR6, to6);
	add_chain(b, "dns_redirect", NF_INET_LOCAL_OUT, -100, "nat", NF_ACCEPT);
	for (size_t i = 0; i < f->n_dns_redirect; i++) {
		const struct nf_addr *a = &f->dns_redirect[i];
		bool v6 = a->family == AF_INET6;
		char as[INET6_ADDRSTRLEN] = "?";

		/* IPv6 off: no IPv6 resolver socket, and IPv6 is refused below */
		if (a->family != AF_INET && !(a->family == AF_INET6 && f->ipv6))
			continue;
		inet_ntop(a->family, a->a, as, sizeof(as));
		for (size_t p = 0; p < ARRAY_SIZE(protos); p++) {
			struct nftnl_expr *e;
			struct rb rb;
			char what[128];

			rule_begin(&rb, b, "dns_redirect");
			m_family(&rb, v6);
			e_payload(&rb, NFT_PAYLOAD_NETWORK_HEADER, v6 ? 24 : 16, v6 ? 16 : 4,
				  NFT_REG_1);
			e_cmp(&rb, NFT_CMP_EQ, a->a, v6 ? 16 : 4);
			m_l4proto(&rb, protos[p]);
			e_payload(&rb, NFT_PAYLOAD_TRANSPORT_HEADER, 2, 2, NFT_REG_1);
			e_cmp(&rb, NFT_CMP_EQ, &port, 2);
			e_counter(&rb);
			e = ex(&rb, "immediate");
			if (e) {
				nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_DREG, NFT_REG_1);
				nftnl_expr_set(e, NFTNL_EXPR_IMM_DATA, v6 ? to6 : to4, v6 ? 16 : 4);
			}
			e = ex(&rb, "immediate");
			if (e) {
				nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_DREG, NFT_REG_2);
				nftnl_expr_set(e, NFTNL_EXPR_IMM_DATA, &port, 2);
			}
			e = ex(&rb, "nat");
			if (e) {
				nftnl_expr_set_u32(e, NFTNL_EXPR_NAT_TYPE, NFT_NAT_DNAT);
				nftnl_expr_set_u32(e, NFTNL_EXPR_NAT_FAMILY,
						   v6 ? NFPROTO_IPV6 : NFPROTO_IPV4);
				nftnl_expr_set_u32(e, NFTNL_EXPR_NAT_REG_ADDR_MIN, NFT_REG_1);
				nftnl_expr_set_u32(e, NFTNL_EXPR_NAT_REG_PROTO_MIN, NFT_REG_2);
			}
			snprintf(what, sizeof(what), "%s daddr %s %s dport 53 dnat to %s",
				 v6 ? "ip6" : "ip", as, protos[p] == IPPROTO_TCP ? "tcp" : "udp",
				 v6 ? "[" NF_RESOLVER_ADDR6 "]" : NF_RESOLVER_ADDR4);
			rule_end(&rb, what);
		}
	}
}

/* The redirected DNS in the output filter chain. Its `oifname "lo"` does not match it: the
 * output device of a hook's packet is fixed when the hook is entered, before the nat chain
 * rewrote and rerouted the packet. So: `ct status dnat ip daddr 127.83.0.53 th dport 53 accept`
 * (ip6: ::1), which only the dns_redirect chain's packets match (any other packet to the
 * resolver's address leaves through lo and is accepted by `oifname "lo"` anyway). */
static void rules_dns_redirected(struct batch *b, const char *chain, const struct nft_fence *f)
{
	uint32_t dnat = IPS_DST_NAT, zero = 0;
	uint16_t port = htons(NF_RESOLVER_PORT);
	uint8_t to[16];

	for (int v6 = 0; v6 < 1 + f->ipv6; v6++) {
		struct nftnl_expr *e;
		struct rb rb;

		inet_pton(v6 ? AF_INET6 : AF_INET, v6 ? NF_RESOLVER_ADDR6 : NF_RESOLVER_ADDR4, to);
		rule_begin(&rb, b, chain);
		e_ct(&rb, NFT_CT_STATUS, NFT_REG_1);
		e = ex(&rb, "bitwise");
		if (e) {
			nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_SREG, NFT_REG_1);
			nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_DREG, NFT_REG_1);
			nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_LEN, 4);
			nftnl_expr_set(e, NFTNL_EXPR_BITWISE_MASK, &dnat, 4);
			nftnl_expr_set(e, NFTNL_EXPR_BITWISE_XOR, &zero, 4);
		}
		e_cmp(&rb, NFT_CMP_NEQ, &zero, 4);
		m_family(&rb, v6);
		e_payload(&rb, NFT_PAYLOAD_NETWORK_HEADER, v6 ? 24 : 16, v6 ? 16 : 4, NFT_REG_1);
		e_cmp(&rb, NFT_CMP_EQ, to, v6 ? 16 : 4);
		e_payload(&rb, NFT_PAYLOAD_TRANSPORT_HEADER, 2, 2, NFT_REG_1);
		e_cmp(&rb, NFT_CMP_EQ, &port, 2);
		e_counter(&rb);
		e_verdict(&rb, NF_ACCEPT);
		rule_end(&rb,
			 v6 ? "ct status dnat ip6 daddr " NF_RESOLVER_ADDR6 " th dport 53 accept"
			    : "ct status dnat ip daddr " NF_RESOLVER_ADDR4 " th dport 53 accept");
	}
}

const uint8_t ns_families[NS_FAMILIES] = { NFPROTO_INET, NFPROTO_NETDEV };

/* io.netfence.rate and io.netfence.quota are the namespace's business in overlay mode only (no
 * host side); in wire mode the host table holds them. */
static bool ns_limits(const struct nft_fence *f)
{
	return !f->ifname[0] && f->base != NF_BASE_NONE;
}

/* The chains the blocking rules go to (blk_e_rst, blk_e_icmpx, blk_e_drop, blk_i_drop): log,
 * count, decide. So the log rules sit on blocking paths only; accepted traffic never meets
 * one. With a rate or quota (overlay mode), their objects and chains. */
static void add_blk_chains(struct batch *b, const struct nft_fence *f)
{
	static const struct {
		char dir;
		int how;
	} v[] = {
		{ 'e', NFT_REJECT_TCP_RST },
		{ 'e', NFT_REJECT_ICMPX_UNREACH },
		{ 'e', BLK_DROP },
		{ 'i', BLK_DROP },
	};

	add_limit_obj(b, "logl", LOG_RATE, 1, LOG_BURST, false);
	for (size_t i = 0; i < ARRAY_SIZE(v); i++)
		add_blk_chain(b, v[i].dir, v[i].how, f->hex);
	if (!ns_limits(f))
		return;
	if (f->rate) {
		add_limit_obj(b, "rl", f->rate, f->rate_unit, (uint32_t)f->rate, true);
		add_counter_obj(b, NFT_MSG_NEWOBJ, "rr");
		add_chain(b, "rate_over", -1, 0, NULL, 0);
		rule_log(b, "rate_over", 'r', f->hex);
		for (int tcp = 1; tcp >= 0; tcp--) {
			struct rb rb;

			rule_begin(&rb, b, "rate_over");
			if (tcp)
				m_l4proto(&rb, IPPROTO_TCP);
			e_objref(&rb, NFT_OBJECT_COUNTER, "rr");
			e_blocked(&rb, tcp ? NFT_REJECT_TCP_RST : NFT_REJECT_ICMPX_UNREACH);
			rule_end(&rb, "rate refused");
		}
	}
	if (f->quota) {
		struct rb rb;

		add_quota_obj(b, "qo", f->quota);
		add_chain(b, "quota_over", -1, 0, NULL, 0);
		rule_log(b, "quota_over", 'q', f->hex);
		rule_begin(&rb, b, "quota_over");
		m_l4proto(&rb, IPPROTO_TCP);
		m_tcp_syn(&rb);
		e_blocked(&rb, NFT_REJECT_TCP_RST);
		rule_end(&rb, "past the quota: tcp syn reject");
		rule_verdict(b, "quota_over", BLK_DROP, "past the quota: drop");
	}
}

/* `quota name "qo" goto quota_over` (every egress packet counts) or `ct state new limit name
 * "rl" goto rate_over` */
static void rule_limit(struct batch *b, bool rate)
{
	struct nftnl_expr *e;
	struct rb rb;

	rule_begin(&rb, b, "output");
	if (rate)
		m_ct_state(&rb, CT_NEW);
	e_objref(&rb, rate ? NFT_OBJECT_LIMIT : NFT_OBJECT_QUOTA, rate ? "rl" : "qo");
	e = ex(&rb, "immediate");
	if (e) {
		nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_DREG, NFT_REG_VERDICT);
		nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_VERDICT, (uint32_t)NFT_GOTO);
		nftnl_expr_set_str(e, NFTNL_EXPR_IMM_CHAIN, rate ? "rate_over" : "quota_over");
	}
	rule_end(&rb, rate ? "ct state new limit name rl goto rate_over"
			   : "quota name qo goto quota_over");
}

/* The container namespace's whole batch; exists[] says which of ns_families' tables are there
 * already (they are replaced). */
static void ns_batch_build(struct batch *b, const struct nft_fence *f, const bool *exists)
{
	struct fence_names n;
	struct rb rb;

	batch_start(b);
	/* add + delete + add replaces a table that is there, atomically; a fresh namespace has
	 * none, and a delete would make closing the socket wait for an RCU grace period. */
	if (exists[0]) {
		add_table(b, NFT_MSG_NEWTABLE, NLM_F_CREATE);
		add_table(b, NFT_MSG_DELTABLE, 0);
	}
	add_table(b, NFT_MSG_NEWTABLE, NLM_F_CREATE);
	if (f->secctx)
		add_secmark_obj(b, f->secctx);
	fence_names_init(&n, "");
	add_fence_sets(b, f, &n, true);
	if (ns_hostnet(f)) {
		n.hostnet = true;
		add_hostnet_sets(b, &n, true, true, &f->hostnet4, &f->hostnet6);
	}

	add_blk_chains(b, f);
	add_chain(b, "output", NF_INET_LOCAL_OUT, 0, "filter", NF_DROP);
	b->blk_dir = 'e';
	if (f->secctx)
		rules_secmark(b, "output");
	rules_own_source(b, "output");
	rule_begin(&rb, b, "output");
	m_ifname(&rb, NFT_META_OIFNAME, "lo", IFNAMSIZ);
	e_verdict(&rb, NF_ACCEPT);
	rule_end(&rb, "oifname \"lo\" accept");
	if (f->n_dns_redirect > 0)
		rules_dns_redirected(b, "output", f);
	if (ns_limits(f) && f->quota)
		rule_limit(b, false);
	rules_ct_own(b, "output", f, NF_ACCEPT);
	rule_ct(b, "output", CT_INVALID, NF_DROP, "ct state invalid");
	if (ns_limits(f) && f->rate)
		rule_limit(b, true);
	if (f->ipv6)
		rule_ndp(b, "output", false, NF_ACCEPT);
	else
		rules_reject(b, "output", MATCH_NFPROTO6, &n, "ipv6 off");
	rules_egress(b, "output", f, &n, NF_ACCEPT);

	add_chain(b, "input", NF_INET_LOCAL_IN, 0, "filter", NF_DROP);
	b->blk_dir = 'i';
	if (f->secctx)
		rules_secmark(b, "input");
	rule_begin(&rb, b, "input");
	m_ifname(&rb, NFT_META_IIFNAME, "lo", IFNAMSIZ);
	e_verdict(&rb, NF_ACCEPT);
	rule_end(&rb, "iifname \"lo\" accept");
	rule_ct(b, "input", CT_ESTABLISHED | CT_RELATED, NF_ACCEPT, "ct state established,related");
	rule_ct(b, "input", CT_INVALID, NF_DROP, "ct state invalid");
	if (f->ipv6)
		rule_ndp(b, "input", false, NF_ACCEPT);
	rule_lookup(b, "input", AF_INET, true, n.in4, n.id_in4, NF_ACCEPT);
	rule_lookup(b, "input", AF_INET6, true, n.in6, n.id_in6, NF_ACCEPT);
	rule_simple(b, "input", NF_DROP, "default drop");

	add_chain(b, "forward", NF_INET_FORWARD, 0, "filter", NF_DROP);
	rule_simple(b, "forward", NF_DROP, "drop");
	b->blk_dir = 0;
	if (f->n_dns_redirect > 0)
		add_dns_redirect(b, f);

	/* Overlay mode: packet sockets go around the inet hooks, the device's egress does not. */
	b->family = NFPROTO_NETDEV;
	if (exists[1]) {
		add_table(b, NFT_MSG_NEWTABLE, NLM_F_CREATE);
		add_table(b, NFT_MSG_DELTABLE, 0);
	}
	if (f->n_devs > 0)
		add_netdev_table(b, f);
	batch_finish(b);
}

int nft_ns_batch_dump(const struct nft_fence *f, char **ret_buf, size_t *ret_len,
		      struct nf_error *err)
{
	static const bool none[ARRAY_SIZE(ns_families)] = { false };
	struct batch b;
	int r;

	r = check_devs(f, err);
	if (r < 0)
		return r;
	ns_batch_build(&b, f, none);
	if (b.oom) {
		batch_free(&b);
		return nf_sys_err(err, ENOMEM, "building the nftables batch");
	}
	*ret_buf = steal_pointer(&b.buf);
	*ret_len = b.len;
	batch_free(&b);
	return 0;
}

int nft_ns_apply(int netns_fd, const struct nft_fence *f, struct nf_error *err)
{
	_cleanup_mnl_ struct mnl_socket *nl = NULL;
	bool exists[ARRAY_SIZE(ns_families)] = { false };
	struct batch b;
	int r;

	r = check_devs(f, err);
	if (r < 0)
		return r;
	r = nl_open_in(netns_fd, &nl, err);
	if (r < 0)
		return r;
	r = tables_exist(nl, ns_families, ARRAY_SIZE(ns_families), exists, err);
	if (r < 0)
		return r;
	ns_batch_build(&b, f, exists);
	r = batch_send(nl, &b, err);
	batch_free(&b);
	if (r < 0)
		nf_err_prefix(err, "container namespace");
	else
		nl_park(&nl);
	return r;
}

int nft_ns_remove(int netns_fd, struct nf_error *err)
{
	_cleanup_mnl_ struct mnl_socket *nl = NULL;
	bool exists[ARRAY_SIZE(ns_families)] = { false };
	struct batch b;
	int r;

	r = nl_open_in(netns_fd, &nl, err);
	if (r < 0)
		return r;
	/* Only what is there: a batch that deletes makes closing the socket wait (see above). */
	r = tables_exist(nl, ns_families, ARRAY_SIZE(ns_families), exists, err);
	if (r < 0 || !(exists[0] || exists[1]))
		return r;
	batch_start(&b);
	for (size_t i = 0; i < ARRAY_SIZE(ns_families); i++) {
		if (!exists[i])
			continue;
		b.family = ns_families[i];
		add_table(&b, NFT_MSG_NEWTABLE, NLM_F_CREATE); /* so that the delete cannot fail */
		add_table(&b, NFT_MSG_DELTABLE, 0);
	}
	batch_finish(&b);
	r = batch_send(nl, &b, err);
	batch_free(&b);
	if (r < 0)
		nf_err_prefix(err, "container namespace");
	else
		nl_park(&nl);
	return r;
}
