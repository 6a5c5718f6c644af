/* netfence: the host table's chains for blocked packets (blk_<dir>_<how>: logged, counted, the
 * verdict) and the rules of io.netfence.rate and io.netfence.quota (docs/RULESET.md, "Limits");
 * part of the skeleton nft_skeleton.c makes. */
#define _GNU_SOURCE
#include "nft_host_int.h"

/* The verdicts of blocking rules: each has a chain per direction (blk_<dir>_<how>) that logs
 * the packet (rate-limited per container) and counts it, so that a rule that blocks is one
 * `goto` and accepted traffic never passes a log rule. */
static const char dir_letter[NF_DIR_N] = { 'e', 'i', 'h' };
static const enum hset blk_map[NF_DIR_N] = { S_BE, S_BI, S_BH };

static void blk_chain_name(char *buf, size_t size, int dir, int verdict)
{
	snprintf(buf, size, "blk_%c_%s", dir_letter[dir],
		 verdict == H_RST     ? "rst"
		 : verdict == H_ICMPX ? "icmpx"
				      : "drop");
}

void h_verdict(struct hrb *h, int verdict)
{
	if (verdict == H_RST)
		e_reject(&h->rb, NFT_REJECT_TCP_RST, 0);
	else if (verdict == H_ICMPX)
		e_reject(&h->rb, NFT_REJECT_ICMPX_UNREACH, NFT_REJECT_ICMPX_ADMIN_PROHIBITED);
	else
		e_verdict(&h->rb, verdict);
}

static void h_goto(struct hrb *h, const char *chain)
{
	struct nftnl_expr *e = ex(&h->rb, "immediate");

	if (e) {
		nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_DREG, NFT_REG_VERDICT);
		nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_VERDICT, (uint32_t)NFT_GOTO);
		nftnl_expr_set_str(e, NFTNL_EXPR_IMM_CHAIN, chain);
	}
}

void h_goto_blk(struct hrb *h, int verdict)
{
	char to[32];

	blk_chain_name(to, sizeof(to), h->dir, verdict);
	h_goto(h, to);
}

/* `<ifname> limit name map @logl log group NF_NFLOG_GROUP prefix "<prefix>"`: changes no
 * verdict; beyond the container's log rate the packet is not logged. */
static void h_log(struct hrb *h, struct batch *b, const char *chain, const char *prefix)
{
	char what[64];

	h_begin(h, b, chain);
	h_count(h, S_LOGL);
	e_log(&h->rb, prefix);
	snprintf(what, sizeof(what), "limit name map @logl log prefix \"%s\"", prefix);
	rule_end(&h->rb, what);
}

/* blk_<dir>_<how>: log, count in b<dir>, the verdict */
static void chain_blk(struct hrb *h, struct batch *b, int dir, int verdict)
{
	char c[32], prefix[8];

	h->dir = dir;
	h->ifkey = dir == NF_DIR_INGRESS ? NFT_META_OIFNAME : NFT_META_IIFNAME;
	blk_chain_name(c, sizeof(c), dir, verdict);
	snprintf(prefix, sizeof(prefix), "nf %c", dir_letter[dir]);
	add_chain(b, c, -1, 0, NULL, 0);
	h_log(h, b, c, prefix);
	h_begin(h, b, c);
	h_count(h, blk_map[dir]);
	h_verdict(h, verdict);
	rule_end(&h->rb, "counter name map @b<dir>");
}

/* rate_over: a new connection beyond the container's io.netfence.rate, refused fast and
 * counted (rr, and as blocked egress). quota_over: an egress packet past io.netfence.quota,
 * dropped (a TCP SYN reset, so a connect fails at once). */
static void chain_limits(struct hrb *h, struct batch *b)
{
	h->dir = NF_DIR_EGRESS;
	h->ifkey = NFT_META_IIFNAME;
	add_chain(b, "rate_over", -1, 0, NULL, 0);
	h_log(h, b, "rate_over", "nf r");
	for (int tcp = 1; tcp >= 0; tcp--) {
		h_begin(h, b, "rate_over");
		if (tcp)
			m_l4proto(&h->rb, IPPROTO_TCP);
		h_count(h, S_RR);
		h_count(h, S_BE);
		h_verdict(h, tcp ? H_RST : H_ICMPX);
		rule_end(&h->rb, tcp ? "rate refused: reject with tcp reset"
				     : "rate refused: reject with icmpx admin-prohibited");
	}
	add_chain(b, "quota_over", -1, 0, NULL, 0);
	h_log(h, b, "quota_over", "nf q");
	h_begin(h, b, "quota_over");
	m_l4proto(&h->rb, IPPROTO_TCP);
	m_tcp_syn(&h->rb);
	h_count(h, S_BE);
	h_verdict(h, H_RST);
	rule_end(&h->rb, "past the quota: tcp syn reject with tcp reset");
	h_begin(h, b, "quota_over");
	h_count(h, S_BE);
	e_verdict(&h->rb, NF_DROP);
	rule_end(&h->rb, "past the quota: drop");
}

void add_blk_chains(struct hrb *h, struct batch *b)
{
	for (int d = 0; d < NF_DIR_N; d++) {
		chain_blk(h, b, d, NF_DROP);
		if (d != NF_DIR_INGRESS) {
			chain_blk(h, b, d, H_RST);
			chain_blk(h, b, d, H_ICMPX);
		}
	}
	chain_limits(h, b);
}

/* In egress: `iifname quota name map @qo goto quota_over` (every packet that passed
 * anti-spoofing is counted against the quota: an objref quota adds each packet it sees), and
 * after conntrack's answers `ct state new iifname limit name map @rl goto rate_over`. A
 * container without a quota or rate has no element: the lookup fails and the rule does not
 * match. */
void h_limit_rule(struct hrb *h, struct batch *b, const char *chain, bool rate)
{
	h_begin(h, b, chain);
	if (rate)
		m_ct_state(&h->rb, CT_NEW);
	h_count(h, rate ? S_RL : S_QO);
	h_goto(h, rate ? "rate_over" : "quota_over");
	rule_end(&h->rb, rate ? "ct state new limit name iifname map @rl goto rate_over"
			      : "quota name iifname map @qo goto quota_over");
}
