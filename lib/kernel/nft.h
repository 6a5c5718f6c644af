/* netfence: every nftables object netfence makes, as one batch per namespace per step
 * (libnftnl + libmnl, extended acks, every ack read, errors mapped back to the object).
 * Knows nothing of policies beyond the struct nft_fence it is given. */
#ifndef NF_NFT_H
#define NF_NFT_H

#include <stdbool.h>
#include <stdint.h>

#include "addr.h"
#include "error.h"
#include "plan.h"
#include "types.h"

#define NF_TABLE "netfence"		/* family inet, host and container namespaces alike */
#define NFT_SECMARK_NAME "netfence_ctx" /* the container table's secmark object */

struct nft_fence {
	char hex[13];	 /* per-container object suffix (nf_id_hex) */
	char ifname[16]; /* host end of the veth ("nf" + hex); "" when no interface (none) */
	enum nf_base base;
	bool ipv6;
	bool nat;
	struct nf_addr addr4, addr6;   /* container addresses; family 0 when absent */
	struct nf_addr gw4, gw6;       /* host end addresses; family 0 when absent */
	struct nf_boxset eg4, eg6;     /* egress allow (rules + resolvers on port 53) */
	struct nf_boxset in4, in6;     /* ingress allow */
	struct nf_boxset deny4, deny6; /* internet: denied destinations; empty otherwise */
	/* overlay mode (a namespace someone else wired): no host side; the namespace's own
	 * interfaces, guarded again on the netdev egress hook so that packet sockets cannot go
	 * around the inet hooks */
	char (*devs)[16];
	size_t n_devs;
	/* SELinux packet context (label_resolve), NULL for none: a secmark object in the
	 * container's table and rules that label, save to and restore from conntrack */
	const char *secctx;
	/* wire mode, IPv6 on: the container end's fixed link-local address (link_ll6), the one
	 * source besides addr6 the host takes neighbour discovery from; family 0 otherwise */
	struct nf_addr ll6;
	/* internet, overlay mode: the host's own addresses and connected networks
	 * (plan_host_deny), read under the state lock, for the namespace's own hostnet sets. In
	 * wire mode the host table's shared sets serve; the watcher keeps both in step. */
	struct nf_boxset hostnet4, hostnet6;
	/* live DNS names (SPEC section 10): the policy's resolvers. The namespace's table gets a
	 * nat output chain that sends DNS (UDP and TCP port 53) to them to netfence's resolver in
	 * the namespace (127.83.0.53, [::1] port 53) instead; they get no port-53 element in the
	 * allow sets. n_dns_redirect 0 (static mode): no such chain. */
	const struct nf_addr *dns_redirect;
	size_t n_dns_redirect;
	/* nft_host_remove: the elements the set-up added are not known (gc, a state file of an
	 * older netfence): find them by interface name in a dump of the shared sets, and remove
	 * the per-container chains and sets of the older layout too */
	bool by_ifname;
	/* io.netfence.rate (SPEC section 11): new outbound connections beyond rate per
	 * rate_unit seconds (1 or 60) are rejected; rate 0: unlimited. Host table in wire mode,
	 * the namespace's table in overlay mode. */
	uint64_t rate, rate_unit;
	/* io.netfence.quota: egress bytes allowed; past it every egress packet is dropped (TCP
	 * SYNs rejected); 0: unlimited */
	uint64_t quota;
};

/* Host namespace (the caller's current one): create the shared `inet netfence` table skeleton
 * if it does not exist (base chains forward/input/output/postrouting jumping to the shared
 * chains egress/ingress/host_in, the sets and maps keyed by interface name, the NAT sets and
 * rules, the empty hostnet sets), then add this container's elements and its two counter
 * objects: never a chain or a rule, so the cost does not grow with other containers. One
 * batch. A table of the older layout (per-container chains) is replaced when it holds no
 * container, else refused. The caller serialises calls with a lock (the skeleton check is
 * not atomic on its own). Returns 1 when it made the table (fill its hostnet sets:
 * nft_hostnet_sync), else 0. */
int nft_host_apply(const struct nft_fence *f, struct nf_error *err);

/* Remove whichever of the container's host objects exist: the elements f describes (hex,
 * ifname, addresses, boxes as given to nft_host_apply) or, with f->by_ifname, every element
 * keyed by f->ifname; its counter objects; its NAT set elements. Absent objects are not an
 * error. Without by_ifname the cost does not grow with other containers. */
int nft_host_remove(const struct nft_fence *f, struct nf_error *err);

/* The flowtable fast path (host configuration "flowtable"): the host end ifname joins the host
 * table's flowtable, made with its offloading chain if absent (RULESET.md). After the veth exists;
 * a kernel without flowtables fails it (the caller goes on without). */
int nft_flow_add(const char *ifname, struct nf_error *err);

/* Inside the namespace netns_fd: replace any `inet netfence` table with the container's
 * default-deny table in one batch; with f->n_devs, also a `netdev netfence` table with an
 * egress chain per device (same allow sets, for packets that bypassed the IP stack). */
int nft_ns_apply(int netns_fd, const struct nft_fence *f, struct nf_error *err);
/* The batch nft_ns_apply would send into a namespace without netfence tables, built but not
 * sent (for tests): *ret_buf (malloc'd) holds *ret_len bytes of netlink messages. */
int nft_ns_batch_dump(const struct nft_fence *f, char **ret_buf, size_t *ret_len,
		      struct nf_error *err);
/* Remove the container-side tables (inet and netdev) if present. */
int nft_ns_remove(int netns_fd, struct nf_error *err);

/* Replace the host's addresses and networks (hostnet4/hostnet6, RULESET.md) in one batch: in
 * the host table when netns_fd < 0 (nothing when the table does not exist), else in whichever
 * tables of that namespace hold them (overlay mode, internet; none is fine). */
int nft_hostnet_sync(int netns_fd, const struct nf_boxset *v4, const struct nf_boxset *v6,
		     struct nf_error *err);
/* Close the namespace sockets nft_hostnet_sync kept (one RCU grace period for all of them):
 * after the caller released its lock. */
void nft_hostnet_release(void);
/* In a child forked from a process that used nftables: forget its cached sockets. */
void nft_after_fork(void);

/* The directions a container's traffic is counted in: from it (forwarded), to it, and from it
 * to the host's own addresses. */
enum { NF_DIR_EGRESS, NF_DIR_INGRESS, NF_DIR_HOST, NF_DIR_N };

struct nft_counters {
	uint64_t acc_pkts[NF_DIR_N], acc_bytes[NF_DIR_N]; /* let through */
	uint64_t blk_pkts[NF_DIR_N], blk_bytes[NF_DIR_N]; /* rejected or dropped */
	uint64_t rate_refused;				  /* new connections refused by the rate */
	uint64_t quota_used, quota_allowed;		  /* egress bytes; allowed 0: no quota */
};

/* The sums over the directions (what `status` prints). */
static inline uint64_t nft_sum(const uint64_t v[NF_DIR_N])
{
	return v[NF_DIR_EGRESS] + v[NF_DIR_INGRESS] + v[NF_DIR_HOST];
}

/* Counters of a container's host-side rules (wire mode): its counter, limit and quota objects
 * (and acc_/blk_ of a container set up by an older netfence, counted as egress). */
int nft_host_counters(const char *hex, struct nft_counters *ret, struct nf_error *err);
/* Counters of the container-side table in netns_fd. */
int nft_ns_counters(int netns_fd, struct nft_counters *ret, struct nf_error *err);

/* The hex suffixes of every container the host table holds (counter objects, interfaces;
 * chains and sets of the older layout), for gc's sweep.
 * *ret is a malloc'd array of malloc'd strings. */
int nft_host_list(char ***ret, size_t *n, struct nf_error *err);

/* Base chains of other tables (ip, ip6, inet) hooked at forward with policy drop, which would
 * drop the containers' forwarded traffic whatever netfence allows (for `validate`). *ret holds
 * malloc'd "<family> <table> <chain>" strings. */
int nft_foreign_forward_drop(char ***ret, size_t *n, struct nf_error *err);

#endif
