/* netfence: io.netfence.bandwidth with tc over rtnetlink (see shape.h); NLE_* codes are turned
 * into messages here. A policing filter (act_police) would need no extra device, but kernels
 * built without act_police (this one) refuse it, and a policer drops bursts that TCP then
 * retransmits, landing well below the rate; a token bucket queues them, so TCP settles at the
 * rate. The ifb takes the container's traffic from the host end's ingress, where no qdisc can
 * queue, to a transmit queue that can. Deleting the veth removes its qdiscs and filter; the ifb
 * is removed by shape_remove (the journal's J_SHAPE step). */
#include "shape.h"

#include <errno.h>
#include <linux/if_ether.h>
#include <linux/pkt_cls.h>
#include <linux/tc_act/tc_mirred.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>

#include <netlink/errno.h>
#include <netlink/netlink.h>
#include <netlink/socket.h>
#include <netlink/route/action.h>
#include <netlink/route/act/mirred.h>
#include <netlink/route/classifier.h>
#include <netlink/route/cls/u32.h>
#include <netlink/route/link.h>
#include <netlink/route/qdisc.h>
#include <netlink/route/qdisc/tbf.h>
#include <netlink/route/tc.h>

#include "cleanup.h"
#include "util.h"

NF_DEFINE_CLEANUP(struct nl_sock *, nl_socket_free)
NF_DEFINE_CLEANUP(struct rtnl_link *, rtnl_link_put)
NF_DEFINE_CLEANUP(struct rtnl_qdisc *, rtnl_qdisc_put)
NF_DEFINE_CLEANUP(struct rtnl_cls *, rtnl_cls_put)
NF_DEFINE_CLEANUP(struct rtnl_act *, rtnl_act_put)

/* the bucket's queue: 100 ms at the rate, at most 16 MiB (kernel memory per direction) */
#define SHAPE_QUEUE_DIV 10
#define SHAPE_QUEUE_MAX (16u << 20)

static int shape_err(struct nf_error *err, int nle, const char *what, const char *dev)
{
	int e = nle == -NLE_EXIST				? EEXIST
		: nle == -NLE_NODEV || nle == -NLE_OBJ_NOTFOUND ? ENODEV
		: nle == -NLE_NOMEM				? ENOMEM
		: nle == -NLE_PERM || nle == -NLE_NOACCESS	? EPERM
		: nle == -NLE_OPNOTSUPP				? EOPNOTSUPP
								: EIO;

	nf_sys_err(err, 0, "io.netfence.bandwidth: %s on %s: %s", what, dev, nl_geterror(nle));
	return -e;
}

void shape_ifb_name(const char *hex, char ret[16])
{
	snprintf(ret, 16, "nfb%.12s", hex);
}

static int shape_open(struct nl_sock **ret, struct nf_error *err)
{
	_cleanup_(nl_socket_freep) struct nl_sock *sk = nl_socket_alloc();
	int r;

	if (!sk)
		return nf_sys_err(err, ENOMEM, "allocating a netlink socket");
	r = nl_connect(sk, NETLINK_ROUTE);
	if (r < 0)
		return shape_err(err, r, "opening a rtnetlink socket", "the host");
	*ret = steal_pointer(&sk);
	return 0;
}

/* The token bucket at bps as dev's root qdisc. Burst: 50 ms at the rate, at least 32 KiB (a GSO
 * packet larger than it is split): tokens a late dequeue on a loaded host would otherwise lose,
 * at most +1.25% over a 4 s transfer. Queue: 100 ms, at most 16 MiB. Measured here (iperf3
 * through the host, 2 busy cores): 10 ms of burst and 50 ms of queue gave 8-10% below the rate
 * now and then; this gives 3-5% below it, the TCP/IP headers the bucket counts and iperf3 does
 * not. */
static int add_tbf(struct nl_sock *sk, int ifindex, const char *dev, uint64_t bps,
		   struct nf_error *err)
{
	_cleanup_(rtnl_qdisc_putp) struct rtnl_qdisc *q = rtnl_qdisc_alloc();
	uint64_t rate = bps / 8, burst = rate / 20, queue = rate / SHAPE_QUEUE_DIV;
	int r;

	if (!q)
		return nf_sys_err(err, ENOMEM, "io.netfence.bandwidth");
	if (burst < 32768)
		burst = 32768;
	if (queue > SHAPE_QUEUE_MAX)
		queue = SHAPE_QUEUE_MAX;
	rtnl_tc_set_ifindex(TC_CAST(q), ifindex);
	rtnl_tc_set_parent(TC_CAST(q), TC_H_ROOT);
	rtnl_tc_set_handle(TC_CAST(q), TC_HANDLE(1, 0));
	r = rtnl_tc_set_kind(TC_CAST(q), "tbf");
	if (r < 0)
		return shape_err(err, r, "tbf", dev);
	/* bps <= NF_BANDWIDTH_MAX (policy.h): rate, burst and queue + burst fit an int */
	rtnl_qdisc_tbf_set_rate(q, (int)rate, (int)burst, 0);
	rtnl_qdisc_tbf_set_limit(q, (int)(queue + burst));
	r = rtnl_qdisc_add(sk, q, NLM_F_CREATE | NLM_F_EXCL);
	if (r < 0)
		return shape_err(err, r, "adding a tbf qdisc", dev);
	return 0;
}

/* Container egress: ifb made and up, its tbf, then the host end's ingress qdisc and a filter
 * matching every packet that redirects it to the ifb. */
static int shape_egress(struct nl_sock *sk, int ifindex, const char *ifname, const char *ifb,
			uint64_t bps, struct nf_error *err)
{
	_cleanup_(rtnl_link_putp) struct rtnl_link *link = rtnl_link_alloc();
	_cleanup_(rtnl_link_putp) struct rtnl_link *made = NULL;
	_cleanup_(rtnl_qdisc_putp) struct rtnl_qdisc *ing = rtnl_qdisc_alloc();
	_cleanup_(rtnl_cls_putp) struct rtnl_cls *cls = rtnl_cls_alloc();
	_cleanup_(rtnl_act_putp) struct rtnl_act *act = rtnl_act_alloc();
	int ifb_index, r;

	if (!link || !ing || !cls || !act)
		return nf_sys_err(err, ENOMEM, "io.netfence.bandwidth");
	rtnl_link_set_name(link, ifb);
	r = rtnl_link_set_type(link, "ifb");
	if (r >= 0) {
		rtnl_link_set_flags(link, IFF_UP);
		r = rtnl_link_add(sk, link, NLM_F_CREATE | NLM_F_EXCL);
	}
	if (r < 0)
		return shape_err(err, r, "creating the ifb device", ifb);
	r = rtnl_link_get_kernel(sk, 0, ifb, &made);
	if (r < 0)
		return shape_err(err, r, "looking up", ifb);
	ifb_index = rtnl_link_get_ifindex(made);
	r = add_tbf(sk, ifb_index, ifb, bps, err);
	if (r < 0)
		return r;

	rtnl_tc_set_ifindex(TC_CAST(ing), ifindex);
	rtnl_tc_set_parent(TC_CAST(ing), TC_H_INGRESS);
	rtnl_tc_set_handle(TC_CAST(ing), TC_HANDLE(0xffff, 0));
	r = rtnl_tc_set_kind(TC_CAST(ing), "ingress");
	if (r >= 0)
		r = rtnl_qdisc_add(sk, ing, NLM_F_CREATE | NLM_F_EXCL);
	if (r < 0)
		return shape_err(err, r, "adding the ingress qdisc", ifname);

	rtnl_tc_set_ifindex(TC_CAST(cls), ifindex);
	rtnl_tc_set_parent(TC_CAST(cls), TC_HANDLE(0xffff, 0));
	r = rtnl_tc_set_kind(TC_CAST(cls), "u32");
	if (r < 0)
		return shape_err(err, r, "u32 filter", ifname);
	rtnl_cls_set_protocol(cls, ETH_P_ALL);
	rtnl_cls_set_prio(cls, 1);
	r = rtnl_tc_set_kind(TC_CAST(act), "mirred");
	if (r >= 0)
		r = rtnl_mirred_set_action(act, TCA_EGRESS_REDIR);
	if (r >= 0)
		r = rtnl_mirred_set_policy(act, TC_ACT_STOLEN);
	if (r >= 0)
		r = rtnl_mirred_set_ifindex(act, (uint32_t)ifb_index);
	/* one key that every packet matches: 0 under mask 0 at offset 0 */
	if (r >= 0)
		r = rtnl_u32_add_key_uint32(cls, 0, 0, 0, 0);
	if (r >= 0)
		r = rtnl_u32_set_cls_terminal(cls);
	if (r >= 0)
		r = rtnl_u32_add_action(cls, act);
	if (r >= 0)
		r = rtnl_cls_add(sk, cls, NLM_F_CREATE | NLM_F_EXCL);
	if (r < 0)
		return shape_err(err, r, "adding the redirect filter", ifname);
	return 0;
}

int shape_apply(const char *ifname, const char *ifb, uint64_t egress_bps, uint64_t ingress_bps,
		struct nf_error *err)
{
	_cleanup_(nl_socket_freep) struct nl_sock *sk = NULL;
	_cleanup_(rtnl_link_putp) struct rtnl_link *link = NULL;
	int ifindex, r;

	r = shape_open(&sk, err);
	if (r < 0)
		return r;
	r = rtnl_link_get_kernel(sk, 0, ifname, &link);
	if (r < 0)
		return shape_err(err, r, "looking up", ifname);
	ifindex = rtnl_link_get_ifindex(link);
	if (ingress_bps) {
		r = add_tbf(sk, ifindex, ifname, ingress_bps, err);
		if (r < 0)
			return r;
	}
	if (egress_bps)
		return shape_egress(sk, ifindex, ifname, ifb, egress_bps, err);
	return 0;
}

int shape_remove(const char *ifb, struct nf_error *err)
{
	_cleanup_(nl_socket_freep) struct nl_sock *sk = NULL;
	_cleanup_(rtnl_link_putp) struct rtnl_link *link = rtnl_link_alloc();
	int r;

	if (!link)
		return nf_sys_err(err, ENOMEM, "removing %s", ifb);
	r = shape_open(&sk, err);
	if (r < 0)
		return r;
	rtnl_link_set_name(link, ifb);
	r = rtnl_link_delete(sk, link);
	if (r == -NLE_NODEV || r == -NLE_OBJ_NOTFOUND)
		return 0;
	if (r < 0)
		return shape_err(err, r, "deleting the ifb device", ifb);
	return 0;
}
