/* netfence: the flowtable fast path (host configuration "flowtable": true). In the host table,
 * made by the first set-up that wants it and kept in step by every later one:
 *
 *     flowtable ft { hook ingress priority filter; devices = { nf<hex>, ... } }
 *     chain flow { type filter hook forward priority filter + 10; policy accept;
 *         iifname "nf*" flow add @ft
 *         oifname "nf*" flow add @ft }
 *
 * `flow` comes after the chains at priority filter, so only a packet every fence let through
 * reaches it; from then on the packets of that connection arriving on a host end in `ft` skip
 * the forward path (netfence's accepted counters stop at that point). A host end leaves `ft` by
 * itself when its veth goes. One batch, after the veth exists (a flowtable names devices). */
#include "nft_int.h"

#include <libnftnl/flowtable.h>

#define FLOWTABLE "ft"
#define FLOW_CHAIN "flow"

static void flow_rule(struct batch *b, uint32_t meta_key)
{
	struct nftnl_expr *e;
	struct rb rb;

	rule_begin(&rb, b, FLOW_CHAIN);
	m_ifname(&rb, meta_key, "nf", 2);
	e = ex(&rb, "flow_offload");
	if (e)
		nftnl_expr_set_str(e, NFTNL_EXPR_FLOW_TABLE_NAME, FLOWTABLE);
	rule_end(&rb, meta_key == NFT_META_IIFNAME ? "iifname \"nf*\" flow add @ft"
						   : "oifname \"nf*\" flow add @ft");
}

int nft_flow_add(const char *ifname, struct nf_error *err)
{
	struct mnl_socket *nl = NULL; /* borrowed: see nl_host() */
	struct nftnl_flowtable *ft = nftnl_flowtable_alloc();
	struct nftnl_chain *c = nftnl_chain_alloc();
	const char *devs[] = { ifname, NULL };
	struct nlmsghdr *nlh;
	struct batch b;
	int r = nl_host(&nl, err);

	if (r < 0 || !ft || !c) {
		nftnl_flowtable_free(ft);
		nftnl_chain_free(c);
		return r < 0 ? r : nf_sys_err(err, ENOMEM, "nftables: the flowtable");
	}
	batch_start(&b);
	nftnl_flowtable_set_str(ft, NFTNL_FLOWTABLE_TABLE, NF_TABLE);
	nftnl_flowtable_set_str(ft, NFTNL_FLOWTABLE_NAME, FLOWTABLE);
	nftnl_flowtable_set_u32(ft, NFTNL_FLOWTABLE_HOOKNUM, NF_NETDEV_INGRESS);
	nftnl_flowtable_set_s32(ft, NFTNL_FLOWTABLE_PRIO, 0);
	nftnl_flowtable_set_array(ft, NFTNL_FLOWTABLE_DEVICES, devs);
	/* no NLM_F_EXCL: an existing flowtable gains the device, an existing chain stays */
	nlh = msg_hdr(&b, NFT_MSG_NEWFLOWTABLE, NLM_F_CREATE);
	if (nlh) {
		nftnl_flowtable_nlmsg_build_payload(nlh, ft);
		batch_commit(&b, nlh, "flowtable %s (device \"%s\")", FLOWTABLE, ifname);
	}
	nftnl_chain_set_str(c, NFTNL_CHAIN_TABLE, NF_TABLE);
	nftnl_chain_set_str(c, NFTNL_CHAIN_NAME, FLOW_CHAIN);
	nftnl_chain_set_u32(c, NFTNL_CHAIN_HOOKNUM, NF_INET_FORWARD);
	nftnl_chain_set_s32(c, NFTNL_CHAIN_PRIO, 10);
	nftnl_chain_set_str(c, NFTNL_CHAIN_TYPE, "filter");
	nftnl_chain_set_u32(c, NFTNL_CHAIN_POLICY, NF_ACCEPT);
	nlh = msg_hdr(&b, NFT_MSG_NEWCHAIN, NLM_F_CREATE);
	if (nlh) {
		nftnl_chain_nlmsg_build_payload(nlh, c);
		batch_commit(&b, nlh, "chain %s", FLOW_CHAIN);
	}
	/* its two rules, whatever it held: the same whether made now or before */
	del_named(&b, NFT_MSG_DELRULE, FLOW_CHAIN);
	flow_rule(&b, NFT_META_IIFNAME);
	flow_rule(&b, NFT_META_OIFNAME);
	batch_finish(&b);
	r = batch_send(nl, &b, err);
	batch_free(&b);
	nftnl_flowtable_free(ft);
	nftnl_chain_free(c);
	return r;
}
