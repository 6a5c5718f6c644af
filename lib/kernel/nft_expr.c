/* netfence: nftables rules built from expressions (see nft_int.h): the expression and match
 * helpers, and the rules and sets the host table and a container's table share. */
#define _GNU_SOURCE
#include "nft_int.h"

struct nftnl_expr *ex(struct rb *rb, const char *name)
{
	struct nftnl_expr *e;

	if (!rb->r)
		return NULL;
	e = nftnl_expr_alloc(name);
	if (!e) {
		rb->b->oom = true;
		return NULL;
	}
	nftnl_rule_add_expr(rb->r, e);
	return e;
}

void rule_begin(struct rb *rb, struct batch *b, const char *chain)
{
	rb->b = b;
	rb->chain = chain;
	rb->netdev = b->family == NFPROTO_NETDEV;
	rb->r = nftnl_rule_alloc();
	if (!rb->r) {
		b->oom = true;
		return;
	}
	nftnl_rule_set_str(rb->r, NFTNL_RULE_TABLE, NF_TABLE);
	nftnl_rule_set_str(rb->r, NFTNL_RULE_CHAIN, chain);
	nftnl_rule_set_u32(rb->r, NFTNL_RULE_FAMILY, b->family);
}

void rule_end(struct rb *rb, const char *label)
{
	_cleanup_(nftnl_rule_freep) struct nftnl_rule *r = steal_pointer(&rb->r);
	struct nlmsghdr *nlh;

	if (!r)
		return;
	nlh = msg_hdr(rb->b, NFT_MSG_NEWRULE, NLM_F_CREATE | NLM_F_APPEND);
	if (!nlh)
		return;
	nftnl_rule_nlmsg_build_payload(nlh, r);
	batch_commit(rb->b, nlh, "rule in chain %s: %s", rb->chain, label);
}

void e_meta(struct rb *rb, uint32_t key, uint32_t dreg)
{
	struct nftnl_expr *e = ex(rb, "meta");

	if (!e)
		return;
	nftnl_expr_set_u32(e, NFTNL_EXPR_META_KEY, key);
	nftnl_expr_set_u32(e, NFTNL_EXPR_META_DREG, dreg);
}

void e_ct(struct rb *rb, uint32_t key, uint32_t dreg)
{
	struct nftnl_expr *e = ex(rb, "ct");

	if (!e)
		return;
	nftnl_expr_set_u32(e, NFTNL_EXPR_CT_KEY, key);
	nftnl_expr_set_u32(e, NFTNL_EXPR_CT_DREG, dreg);
}

void e_payload(struct rb *rb, uint32_t base, uint32_t off, uint32_t len, uint32_t dreg)
{
	struct nftnl_expr *e = ex(rb, "payload");

	if (!e)
		return;
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_BASE, base);
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_OFFSET, off);
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_LEN, len);
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_DREG, dreg);
}

void e_cmp(struct rb *rb, uint32_t op, const void *data, uint32_t len)
{
	struct nftnl_expr *e = ex(rb, "cmp");

	if (!e)
		return;
	nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_SREG, NFT_REG_1);
	nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_OP, op);
	nftnl_expr_set(e, NFTNL_EXPR_CMP_DATA, data, len);
}

void e_lookup(struct rb *rb, const char *set, uint32_t set_id, int dreg, bool invert)
{
	struct nftnl_expr *e = ex(rb, "lookup");

	if (!e)
		return;
	nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_SREG, NFT_REG32_00);
	nftnl_expr_set_str(e, NFTNL_EXPR_LOOKUP_SET, set);
	if (set_id)
		nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_SET_ID, set_id);
	if (dreg >= 0)
		nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_DREG, (uint32_t)dreg);
	if (invert)
		nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_FLAGS, NFT_LOOKUP_F_INV);
}

void e_counter(struct rb *rb)
{
	ex(rb, "counter");
}

void e_verdict(struct rb *rb, int verdict)
{
	struct nftnl_expr *e = ex(rb, "immediate");

	if (!e)
		return;
	nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_DREG, NFT_REG_VERDICT);
	nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_VERDICT, (uint32_t)verdict);
}

void e_reject(struct rb *rb, uint32_t type, uint8_t code)
{
	struct nftnl_expr *e = ex(rb, "reject");

	if (!e)
		return;
	nftnl_expr_set_u32(e, NFTNL_EXPR_REJECT_TYPE, type);
	nftnl_expr_set_u8(e, NFTNL_EXPR_REJECT_CODE, code);
}

void m_nfproto(struct rb *rb, uint8_t proto)
{
	e_meta(rb, NFT_META_NFPROTO, NFT_REG_1);
	e_cmp(rb, NFT_CMP_EQ, &proto, 1);
}

/* One address family. The netdev family has no nfproto; there both the frame's own ethertype
 * (what the receiver acts on) and skb->protocol (what nftables parses the network header as,
 * and which a packet socket chooses freely in sll_protocol) must agree. */
void m_family(struct rb *rb, bool v6)
{
	uint16_t ethertype = htons(v6 ? ETH_P_IPV6 : ETH_P_IP);

	if (!rb->netdev) {
		m_nfproto(rb, v6 ? NFPROTO_IPV6 : NFPROTO_IPV4);
		return;
	}
	e_payload(rb, NFT_PAYLOAD_LL_HEADER, 12, 2, NFT_REG_1);
	e_cmp(rb, NFT_CMP_EQ, &ethertype, 2);
	e_meta(rb, NFT_META_PROTOCOL, NFT_REG_1);
	e_cmp(rb, NFT_CMP_EQ, &ethertype, 2);
}

void m_l4proto(struct rb *rb, uint8_t proto)
{
	e_meta(rb, NFT_META_L4PROTO, NFT_REG_1);
	e_cmp(rb, NFT_CMP_EQ, &proto, 1);
}

void m_ifname(struct rb *rb, uint32_t key, const char *name, size_t len)
{
	char buf[IFNAMSIZ] = { 0 };

	memcpy(buf, name, strnlen(name, IFNAMSIZ - 1));
	e_meta(rb, key, NFT_REG_1);
	e_cmp(rb, NFT_CMP_EQ, buf, (uint32_t)len);
}

void m_ct_state(struct rb *rb, uint32_t mask)
{
	struct nftnl_expr *e;
	uint32_t zero = 0;

	e_ct(rb, NFT_CT_STATE, NFT_REG_1);
	e = ex(rb, "bitwise");
	if (e) {
		nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_SREG, NFT_REG_1);
		nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_DREG, NFT_REG_1);
		nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_LEN, 4);
		nftnl_expr_set(e, NFTNL_EXPR_BITWISE_MASK, &mask, 4);
		nftnl_expr_set(e, NFTNL_EXPR_BITWISE_XOR, &zero, 4);
	}
	e_cmp(rb, NFT_CMP_NEQ, &zero, 4);
}

/* ip daddr . meta l4proto [. th dport] loaded for a lookup (saddr: source address). */
void m_concat(struct rb *rb, int family, bool saddr, bool port)
{
	bool v6 = family == AF_INET6;
	uint32_t off = v6 ? (saddr ? 8 : 24) : (saddr ? 12 : 16);

	m_family(rb, v6);
	e_payload(rb, NFT_PAYLOAD_NETWORK_HEADER, off, v6 ? 16 : 4, NFT_REG32_00);
	e_meta(rb, NFT_META_L4PROTO, NFT_REG32_00 + (v6 ? 4 : 1));
	if (port)
		e_payload(rb, NFT_PAYLOAD_TRANSPORT_HEADER, 2, 2, NFT_REG32_00 + (v6 ? 5 : 2));
}

/* ICMPv6 neighbour discovery (router/neighbour solicitation and advertisement, redirect). */
void m_ndp(struct rb *rb, bool hop255)
{
	struct nftnl_expr *e;
	uint8_t lo = 133, hi = 137, hl = 255;

	m_nfproto(rb, NFPROTO_IPV6);
	m_l4proto(rb, IPPROTO_ICMPV6);
	if (hop255) {
		e_payload(rb, NFT_PAYLOAD_NETWORK_HEADER, 7, 1, NFT_REG_1);
		e_cmp(rb, NFT_CMP_EQ, &hl, 1);
	}
	e_payload(rb, NFT_PAYLOAD_TRANSPORT_HEADER, 0, 1, NFT_REG_1);
	e = ex(rb, "range");
	if (e) {
		nftnl_expr_set_u32(e, NFTNL_EXPR_RANGE_SREG, NFT_REG_1);
		nftnl_expr_set_u32(e, NFTNL_EXPR_RANGE_OP, NFT_RANGE_EQ);
		nftnl_expr_set(e, NFTNL_EXPR_RANGE_FROM_DATA, &lo, 1);
		nftnl_expr_set(e, NFTNL_EXPR_RANGE_TO_DATA, &hi, 1);
	}
}

const char *blk_how_name(int how)
{
	return how == NFT_REJECT_TCP_RST	 ? "rst"
	       : how == NFT_REJECT_ICMPX_UNREACH ? "icmpx"
						 : "drop";
}

void e_blocked(struct rb *rb, int how)
{
	struct nftnl_expr *e;
	char to[32];

	if (!rb->b->blk_dir) {
		e_counter(rb);
		if (how == BLK_DROP)
			e_verdict(rb, NF_DROP);
		else
			e_reject(rb, (uint32_t)how,
				 how == NFT_REJECT_TCP_RST ? 0 : NFT_REJECT_ICMPX_ADMIN_PROHIBITED);
		return;
	}
	snprintf(to, sizeof(to), "blk_%c_%s", rb->b->blk_dir, blk_how_name(how));
	e = ex(rb, "immediate");
	if (!e)
		return;
	nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_DREG, NFT_REG_VERDICT);
	nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_VERDICT, (uint32_t)NFT_GOTO);
	nftnl_expr_set_str(e, NFTNL_EXPR_IMM_CHAIN, to);
}

void add_match(struct rb *rb, enum match_kind m, const struct fence_names *n)
{
	uint16_t dns = htons(53);

	switch (m) {
	case MATCH_NONE:
		break;
	case MATCH_NFPROTO6:
		m_family(rb, true);
		break;
	case MATCH_DNS_TCP:
	case MATCH_DNS_UDP:
		m_l4proto(rb, m == MATCH_DNS_TCP ? IPPROTO_TCP : IPPROTO_UDP);
		e_payload(rb, NFT_PAYLOAD_TRANSPORT_HEADER, 2, 2, NFT_REG_1);
		e_cmp(rb, NFT_CMP_EQ, &dns, 2);
		break;
	case MATCH_DENY4:
		m_concat(rb, AF_INET, false, false);
		e_lookup(rb, n->deny4, n->id_deny4, -1, false);
		break;
	case MATCH_DENY6:
		m_concat(rb, AF_INET6, false, false);
		e_lookup(rb, n->deny6, n->id_deny6, -1, false);
		break;
	case MATCH_HOSTNET4:
	case MATCH_HOSTNET6:
		m_concat(rb, m == MATCH_HOSTNET6 ? AF_INET6 : AF_INET, false, false);
		e_lookup(rb, m == MATCH_HOSTNET6 ? HOSTNET6 : HOSTNET4,
			 m == MATCH_HOSTNET6 ? n->id_hostnet6 : n->id_hostnet4, -1, false);
		break;
	}
}

/* `reject...`: TCP gets a reset, everything else ICMP(v6) administratively prohibited. */
void rules_reject(struct batch *b, const char *chain, enum match_kind m,
		  const struct fence_names *n, const char *label)
{
	struct rb rb;
	char what[96];

	if (m != MATCH_DNS_UDP) {
		rule_begin(&rb, b, chain);
		add_match(&rb, m, n);
		if (m != MATCH_DNS_TCP)
			m_l4proto(&rb, IPPROTO_TCP);
		e_blocked(&rb, NFT_REJECT_TCP_RST);
		snprintf(what, sizeof(what), "%s reject with tcp reset", label);
		rule_end(&rb, what);
	}
	if (m != MATCH_DNS_TCP) {
		rule_begin(&rb, b, chain);
		add_match(&rb, m, n);
		e_blocked(&rb, NFT_REJECT_ICMPX_UNREACH);
		snprintf(what, sizeof(what), "%s reject with icmpx admin-prohibited", label);
		rule_end(&rb, what);
	}
}

void rule_simple(struct batch *b, const char *chain, int verdict, const char *label)
{
	struct rb rb;

	rule_begin(&rb, b, chain);
	if (verdict == NF_DROP) {
		e_blocked(&rb, BLK_DROP);
	} else {
		e_counter(&rb);
		e_verdict(&rb, verdict);
	}
	rule_end(&rb, label);
}

void rule_ct(struct batch *b, const char *chain, uint32_t mask, int verdict, const char *label)
{
	struct rb rb;

	rule_begin(&rb, b, chain);
	m_ct_state(&rb, mask);
	if (verdict == NF_DROP) {
		e_blocked(&rb, BLK_DROP);
	} else {
		e_counter(&rb);
		e_verdict(&rb, verdict);
	}
	rule_end(&rb, label);
}

void rule_lookup(struct batch *b, const char *chain, int family, bool saddr, const char *set,
		 uint32_t id, int verdict)
{
	struct rb rb;
	char what[96];

	rule_begin(&rb, b, chain);
	m_concat(&rb, family, saddr, true);
	e_lookup(&rb, set, id, -1, false);
	e_counter(&rb);
	e_verdict(&rb, verdict);
	snprintf(what, sizeof(what), "%s %s . meta l4proto . th dport @%s",
		 family == AF_INET6 ? "ip6" : "ip", saddr ? "saddr" : "daddr", set);
	rule_end(&rb, what);
}

void rule_ndp(struct batch *b, const char *chain, bool hop255, int verdict)
{
	struct rb rb;

	rule_begin(&rb, b, chain);
	m_ndp(&rb, hop255);
	e_counter(&rb);
	e_verdict(&rb, verdict);
	rule_end(&rb, "icmpv6 neighbour discovery");
}

/* icmpv6 type 135-136 (neighbour solicitation, advertisement), after an ICMPv6 match. */
void m_nd_ns_na(struct rb *rb)
{
	uint8_t ns = 135, na = 136;
	struct nftnl_expr *e;

	e_payload(rb, NFT_PAYLOAD_TRANSPORT_HEADER, 0, 1, NFT_REG_1);
	e = ex(rb, "range");
	if (e) {
		nftnl_expr_set_u32(e, NFTNL_EXPR_RANGE_SREG, NFT_REG_1);
		nftnl_expr_set_u32(e, NFTNL_EXPR_RANGE_OP, NFT_RANGE_EQ);
		nftnl_expr_set(e, NFTNL_EXPR_RANGE_FROM_DATA, &ns, 1);
		nftnl_expr_set(e, NFTNL_EXPR_RANGE_TO_DATA, &na, 1);
	}
}

/* Conntrack's answer for the container's own traffic (issue 9, item 7). `established` as
 * before; `related` (ICMP errors, which may carry any payload) only when the flow they quote
 * has the container's own address at one end: the original source (a flow it opened) or the
 * reply source (a flow opened to it, DNAT or not). A flow forged from another address, or
 * someone else's flow on the host, never makes an error from the container related. Without
 * a known address (overlay mode) the namespace's anti-spoofing (rules_own_source) makes every
 * flow there one the container's own addresses opened or received. */
void rules_ct_own(struct batch *b, const char *chain, const struct nft_fence *f, int verdict)
{
	static const uint8_t dirs[] = { IP_CT_DIR_ORIGINAL, IP_CT_DIR_REPLY };
	const struct nf_addr *own[] = { &f->addr4, f->ipv6 ? &f->addr6 : NULL };
	bool any = false;
	struct rb rb;

	rule_ct(b, chain, CT_ESTABLISHED, verdict, "ct state established");
	for (size_t i = 0; i < ARRAY_SIZE(own); i++) {
		bool v6 = i == 1;

		if (!own[i] || own[i]->family != (v6 ? AF_INET6 : AF_INET))
			continue;
		any = true;
		for (size_t d = 0; d < ARRAY_SIZE(dirs); d++) {
			struct nftnl_expr *e;
			char what[96];

			rule_begin(&rb, b, chain);
			m_ct_state(&rb, CT_RELATED);
			e = ex(&rb, "ct");
			if (e) {
				nftnl_expr_set_u32(e, NFTNL_EXPR_CT_KEY,
						   v6 ? NFT_CT_SRC_IP6 : NFT_CT_SRC_IP);
				nftnl_expr_set_u8(e, NFTNL_EXPR_CT_DIR, dirs[d]);
				nftnl_expr_set_u32(e, NFTNL_EXPR_CT_DREG, NFT_REG_1);
			}
			e_cmp(&rb, NFT_CMP_EQ, own[i]->a, v6 ? 16 : 4);
			e_counter(&rb);
			e_verdict(&rb, verdict);
			snprintf(what, sizeof(what),
				 "ct state related ct %s %s saddr (own address)",
				 d ? "reply" : "original", v6 ? "ip6" : "ip");
			rule_end(&rb, what);
		}
	}
	if (!any)
		rule_ct(b, chain, CT_RELATED, verdict, "ct state related");
}

/* The container namespace's anti-spoofing: a packet that would start a flow from an address
 * that is not the namespace's own (`fib saddr type local`) is dropped before conntrack can
 * confirm the flow, over loopback too. Packets of known flows are left to the rules that follow:
 * the reset or ICMP error that a `reject` sends on behalf of a blocked destination carries that
 * destination as its source and the rejected flow's conntrack (related). So is IPv6's
 * unspecified source (duplicate address detection). */
void rules_own_source(struct batch *b, const char *chain)
{
	static const uint8_t unspec[16] = { 0 };
	uint32_t local = RTN_LOCAL, known = CT_ESTABLISHED | CT_RELATED, zero = 0;

	for (int v6 = 0; v6 <= 1; v6++) {
		struct nftnl_expr *e;
		struct rb rb;

		rule_begin(&rb, b, chain);
		m_nfproto(&rb, v6 ? NFPROTO_IPV6 : NFPROTO_IPV4);
		e_ct(&rb, NFT_CT_STATE, NFT_REG_1);
		e = ex(&rb, "bitwise");
		if (e) {
			nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_SREG, NFT_REG_1);
			nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_DREG, NFT_REG_1);
			nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_LEN, 4);
			nftnl_expr_set(e, NFTNL_EXPR_BITWISE_MASK, &known, 4);
			nftnl_expr_set(e, NFTNL_EXPR_BITWISE_XOR, &zero, 4);
		}
		e_cmp(&rb, NFT_CMP_EQ, &zero, 4);
		if (v6) {
			e_payload(&rb, NFT_PAYLOAD_NETWORK_HEADER, 8, 16, NFT_REG_1);
			e_cmp(&rb, NFT_CMP_NEQ, unspec, 16);
		}
		e = ex(&rb, "fib");
		if (e) {
			nftnl_expr_set_u32(e, NFTNL_EXPR_FIB_RESULT, NFT_FIB_RESULT_ADDRTYPE);
			nftnl_expr_set_u32(e, NFTNL_EXPR_FIB_FLAGS, NFTA_FIB_F_SADDR);
			nftnl_expr_set_u32(e, NFTNL_EXPR_FIB_DREG, NFT_REG_1);
		}
		e_cmp(&rb, NFT_CMP_NEQ, &local, sizeof(local));
		e_blocked(&rb, BLK_DROP);
		rule_end(&rb,
			 v6 ? "meta nfproto ipv6 ct state != established,related ip6 saddr != "
			      ":: fib saddr type != local drop"
			    : "meta nfproto ipv4 ct state != established,related fib saddr type "
			      "!= local drop");
	}
}

/* Egress tail of the container's output chain: allowed destinations,
 * DNS only to resolvers, then the internet deny list or the default reject. */
void rules_egress(struct batch *b, const char *chain, const struct nft_fence *f,
		  const struct fence_names *n, int allow)
{
	rule_lookup(b, chain, AF_INET, false, n->eg4, n->id_eg4, allow);
	rule_lookup(b, chain, AF_INET6, false, n->eg6, n->id_eg6, allow);
	rule_lookup(b, chain, AF_INET, false, DYN4, n->id_dyn4, allow);
	rule_lookup(b, chain, AF_INET6, false, DYN6, n->id_dyn6, allow);
	rules_reject(b, chain, MATCH_DNS_TCP, n, "tcp dport 53");
	rules_reject(b, chain, MATCH_DNS_UDP, n, "udp dport 53");
	if (f->base == NF_BASE_INTERNET) {
		rules_reject(b, chain, MATCH_DENY4, n, "ip daddr . meta l4proto @deny4");
		rules_reject(b, chain, MATCH_DENY6, n, "ip6 daddr . meta l4proto @deny6");
		if (n->hostnet) {
			rules_reject(b, chain, MATCH_HOSTNET4, n,
				     "ip daddr . meta l4proto @" HOSTNET4);
			rules_reject(b, chain, MATCH_HOSTNET6, n,
				     "ip6 daddr . meta l4proto @" HOSTNET6);
		}
		rule_simple(b, chain, allow, "internet allowed");
	} else {
		rules_reject(b, chain, MATCH_NONE, n, "default");
	}
}

static const uint8_t fields4[] = { 4, 1, 2 }, fields6[] = { 16, 1, 2 };

/* ingress false: the egress and deny sets only (the netdev table's copy). */
void add_fence_sets(struct batch *b, const struct nft_fence *f, struct fence_names *n, bool ingress)
{
	const uint32_t t4 = CONCAT3(TYPE_IPADDR, TYPE_INET_PROTOCOL, TYPE_INET_SERVICE);
	const uint32_t t6 = CONCAT3(TYPE_IP6ADDR, TYPE_INET_PROTOCOL, TYPE_INET_SERVICE);

	n->id_eg4 = add_set(b, n->eg4, fields4, 3, t4, true, false);
	n->id_eg6 = add_set(b, n->eg6, fields6, 3, t6, true, false);
	/* learned (DNS answers): empty at set-up, filled by the resolver (nft_learn.c) */
	n->id_dyn4 = add_set_timeout(b, DYN4, fields4, 3, t4);
	n->id_dyn6 = add_set_timeout(b, DYN6, fields6, 3, t6);
	if (ingress) {
		n->id_in4 = add_set(b, n->in4, fields4, 3, t4, true, false);
		n->id_in6 = add_set(b, n->in6, fields6, 3, t6, true, false);
	}
	/* only the internet base looks them up; fewer sets keep the kernel's by-name lookups
	 * short in a host table that holds hundreds of containers */
	if (f->base == NF_BASE_INTERNET) {
		n->id_deny4 = add_set(b, n->deny4, fields4, 2,
				      CONCAT2(TYPE_IPADDR, TYPE_INET_PROTOCOL), true, false);
		n->id_deny6 = add_set(b, n->deny6, fields6, 2,
				      CONCAT2(TYPE_IP6ADDR, TYPE_INET_PROTOCOL), true, false);
	}
	add_box_elems(b, n->eg4, n->id_eg4, &f->eg4, AF_INET, 3);
	add_box_elems(b, n->eg6, n->id_eg6, &f->eg6, AF_INET6, 3);
	if (ingress) {
		add_box_elems(b, n->in4, n->id_in4, &f->in4, AF_INET, 3);
		add_box_elems(b, n->in6, n->id_in6, &f->in6, AF_INET6, 3);
	}
	if (f->base == NF_BASE_INTERNET) {
		add_box_elems(b, n->deny4, n->id_deny4, &f->deny4, AF_INET, 2);
		add_box_elems(b, n->deny6, n->id_deny6, &f->deny6, AF_INET6, 2);
	}
}

/* The hostnet sets (same type as the deny sets): made when absent (create: in the same
 * batch as their table, whose rules then find them by id), else left as they are; with fill,
 * flushed and loaded with v4/v6 in the same batch, so a lookup sees the old or the new list. */
void add_hostnet_sets(struct batch *b, struct fence_names *n, bool create, bool fill,
		      const struct nf_boxset *v4, const struct nf_boxset *v6)
{
	static const char *const names[] = { HOSTNET4, HOSTNET6 };
	uint32_t *ids[] = { &n->id_hostnet4, &n->id_hostnet6 };
	const struct nf_boxset *sets[] = { v4, v6 };

	for (int i = 0; i < 2; i++) {
		uint32_t id = add_set_flags(
			b, names[i], i ? fields6 : fields4, 2,
			CONCAT2(i ? TYPE_IP6ADDR : TYPE_IPADDR, TYPE_INET_PROTOCOL), true, false,
			create ? NLM_F_CREATE | NLM_F_EXCL : NLM_F_CREATE);

		*ids[i] = create ? id : 0;
		if (!fill)
			continue;
		if (!create) {
			/* no element list: every element goes */
			struct nlmsghdr *nlh = msg_hdr(b, NFT_MSG_DELSETELEM, 0);

			if (!nlh)
				return;
			mnl_attr_put_strz(nlh, NFTA_SET_ELEM_LIST_TABLE, NF_TABLE);
			mnl_attr_put_strz(nlh, NFTA_SET_ELEM_LIST_SET, names[i]);
			batch_commit(b, nlh, "flushing set %s", names[i]);
		}
		if (sets[i])
			add_box_elems(b, names[i], *ids[i], sets[i], i ? AF_INET6 : AF_INET, 2);
	}
}

void fence_names_init(struct fence_names *n, const char *hex)
{
	const char *sep = hex[0] ? "_" : "";

	memset(n, 0, sizeof(*n));
	snprintf(n->eg4, sizeof(n->eg4), "eg4%s%s", sep, hex);
	snprintf(n->eg6, sizeof(n->eg6), "eg6%s%s", sep, hex);
	snprintf(n->in4, sizeof(n->in4), "in4%s%s", sep, hex);
	snprintf(n->in6, sizeof(n->in6), "in6%s%s", sep, hex);
	snprintf(n->deny4, sizeof(n->deny4), "deny4%s%s", sep, hex);
	snprintf(n->deny6, sizeof(n->deny6), "deny6%s%s", sep, hex);
}

void m_tcp_syn(struct rb *rb)
{
	struct nftnl_expr *e;
	uint8_t mask = 0x12, syn = 0x02, zero = 0; /* SYN | ACK, SYN */

	e_payload(rb, NFT_PAYLOAD_TRANSPORT_HEADER, 13, 1, NFT_REG_1);
	e = ex(rb, "bitwise");
	if (e) {
		nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_SREG, NFT_REG_1);
		nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_DREG, NFT_REG_1);
		nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_LEN, 1);
		nftnl_expr_set(e, NFTNL_EXPR_BITWISE_MASK, &mask, 1);
		nftnl_expr_set(e, NFTNL_EXPR_BITWISE_XOR, &zero, 1);
	}
	e_cmp(rb, NFT_CMP_EQ, &syn, 1);
}

void e_log(struct rb *rb, const char *prefix)
{
	struct nftnl_expr *e = ex(rb, "log");

	if (!e)
		return;
	nftnl_expr_set_u16(e, NFTNL_EXPR_LOG_GROUP, NF_NFLOG_GROUP);
	nftnl_expr_set_str(e, NFTNL_EXPR_LOG_PREFIX, prefix);
}

void e_objref_map(struct rb *rb, const char *set, uint32_t set_id)
{
	struct nftnl_expr *e = ex(rb, "objref");

	if (!e)
		return;
	nftnl_expr_set_u32(e, NFTNL_EXPR_OBJREF_SET_SREG, NFT_REG_1);
	nftnl_expr_set_str(e, NFTNL_EXPR_OBJREF_SET_NAME, set);
	if (set_id)
		nftnl_expr_set_u32(e, NFTNL_EXPR_OBJREF_SET_ID, set_id);
}

void e_objref(struct rb *rb, uint32_t type, const char *name)
{
	struct nftnl_expr *e = ex(rb, "objref");

	if (!e)
		return;
	nftnl_expr_set_u32(e, NFTNL_EXPR_OBJREF_IMM_TYPE, type);
	nftnl_expr_set_str(e, NFTNL_EXPR_OBJREF_IMM_NAME, name);
}

void add_limit_obj(struct batch *b, const char *name, uint64_t rate, uint64_t unit, uint32_t burst,
		   bool over)
{
	struct nftnl_obj *o = obj_new(b, NFT_OBJECT_LIMIT, name);
	char what[96];

	if (!o)
		return;
	nftnl_obj_set_u64(o, NFTNL_OBJ_LIMIT_RATE, rate);
	nftnl_obj_set_u64(o, NFTNL_OBJ_LIMIT_UNIT, unit);
	nftnl_obj_set_u32(o, NFTNL_OBJ_LIMIT_BURST, burst);
	nftnl_obj_set_u32(o, NFTNL_OBJ_LIMIT_TYPE, NFT_LIMIT_PKTS);
	nftnl_obj_set_u32(o, NFTNL_OBJ_LIMIT_FLAGS, over ? NFT_LIMIT_F_INV : 0);
	snprintf(what, sizeof(what), "limit %s (%" PRIu64 "/%s)", name, rate,
		 unit == 60 ? "minute" : "second");
	obj_send(b, o, NFT_MSG_NEWOBJ, NLM_F_CREATE | NLM_F_EXCL, what);
}

void add_quota_obj(struct batch *b, const char *name, uint64_t bytes)
{
	struct nftnl_obj *o = obj_new(b, NFT_OBJECT_QUOTA, name);
	char what[96];

	if (!o)
		return;
	nftnl_obj_set_u64(o, NFTNL_OBJ_QUOTA_BYTES, bytes);
	nftnl_obj_set_u32(o, NFTNL_OBJ_QUOTA_FLAGS, NFT_QUOTA_F_INV);
	snprintf(what, sizeof(what), "quota %s (over %" PRIu64 " bytes)", name, bytes);
	obj_send(b, o, NFT_MSG_NEWOBJ, NLM_F_CREATE | NLM_F_EXCL, what);
}
