/* netfence: what the pieces of the nftables code share (nft.h is the interface to the rest):
 * nft_batch.c (transport), nft_expr.c (expressions and shared rules), nft_skeleton.c and
 * nft_host.c (the host table), nft_ns.c (a container namespace's tables), nft_query.c (queries
 * and counters). Include only from lib/kernel/nft_*.c. */
#ifndef NF_NFT_INT_H
#define NF_NFT_INT_H

#include <arpa/inet.h>
#include <inttypes.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libmnl/libmnl.h>
#include <libnftnl/chain.h>
#include <libnftnl/common.h>
#include <libnftnl/expr.h>
#include <libnftnl/object.h>
#include <libnftnl/rule.h>
#include <libnftnl/set.h>
#include <libnftnl/table.h>
#include <libnftnl/udata.h>
#include <linux/if_ether.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nf_conntrack_tuple_common.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include "mnl.h"
#include "nft.h"
#include "util.h"

/* nft's datatype ids (src/datatype.h), so that `nft list ruleset` shows typed keys. A
 * concatenation's id is its members' ids, 6 bits each, first member highest. */
#define TYPE_VERDICT 1
#define TYPE_IPADDR 7
#define TYPE_IP6ADDR 8
#define TYPE_INET_PROTOCOL 12
#define TYPE_INET_SERVICE 13
#define TYPE_MARK 19
#define TYPE_IFNAME 41
#define CONCAT2(a, b) (((a) << 6) | (b))
#define CONCAT3(a, b, c) (((((a) << 6) | (b)) << 6) | (c))
#define CONCAT4(a, b, c, d) ((CONCAT3(a, b, c) << 6) | (d))

/* conntrack state bits as the ct expression reports them (NF_CT_STATE_BIT). */
#define CT_INVALID 1u
#define CT_ESTABLISHED 2u
#define CT_RELATED 4u
#define CT_NEW 8u

#define ELEMS_PER_MSG 512	/* keeps one NEWSETELEM well under the 64 KiB nest limit */
#define MSG_ROOM (128u * 1024u) /* free space guaranteed before building a message */
#define PRIO_SRCNAT 100
/* the host's own addresses and connected networks (internet): shared by every container's
 * chains in the host table; in a pod's namespace, that table's own copies */
#define HOSTNET4 "hostnet4"
#define HOSTNET6 "hostnet6"
/* the learned sets: addresses from DNS answers, each element with a timeout (nft_learn.c); in a
 * namespace's tables "dyn4"/"dyn6", in the host table one per shard ("dyn4_NN") */
#define DYN4 "dyn4"
#define DYN6 "dyn6"

#define _cleanup_mnl_ _cleanup_(mnl_socket_closep)

NF_DEFINE_CLEANUP(struct nftnl_rule *, nftnl_rule_free)

#define NS_FAMILIES 2
/* the container namespace's table families: inet, netdev (nft_ns.c) */
extern const uint8_t ns_families[NS_FAMILIES];

struct msgdesc {
	char what[160];
	size_t off;		    /* of the message in buf */
	const struct nf_box *boxes; /* element messages: boxes[0..count) went into it */
	size_t count;
	int family;
};

struct batch {
	char *buf;
	size_t len, cap;
	uint32_t seq0, seq, set_id;
	struct msgdesc *d;
	size_t n_d, cap_d;
	bool oom;
	uint8_t family; /* of the messages added next: one batch may hold inet and netdev */
	/* a container's inet table: blocking rules go to its blk_<dir>_<how> chains (log, count,
	 * verdict) of direction 'e' or 'i'; 0: they count and decide themselves */
	char blk_dir;
};

struct rb {
	struct batch *b;
	struct nftnl_rule *r;
	const char *chain;
	bool netdev; /* no nfproto there: families are told apart by ethertype */
};

/* The per-fence chains share their shape; these say which set and which verdict. */
struct fence_names {
	char eg4[32], eg6[32], in4[32], in6[32], deny4[32], deny6[32];
	uint32_t id_eg4, id_eg6, id_in4, id_in6, id_deny4, id_deny6;
	uint32_t id_dyn4, id_dyn6; /* the learned sets (DNS answers): "dyn4", "dyn6" */
	bool hostnet; /* internet: the host's addresses and networks (hostnet4/6) are denied */
	uint32_t id_hostnet4, id_hostnet6;
};

enum match_kind {
	MATCH_NONE,
	MATCH_NFPROTO6, /* every IPv6 packet */
	MATCH_DNS_TCP,
	MATCH_DNS_UDP,
	MATCH_DENY4,
	MATCH_DENY6,
	MATCH_HOSTNET4,
	MATCH_HOSTNET6,
};

/* Non-dump GET requests sent together; found[i] tells whether object i exists. */
struct query {
	char *buf;
	size_t len, cap, n;
	uint32_t seq0;
	uint8_t family; /* of the requests added next */
};

/* ---- nft_batch.c: the batch, sockets, acks, object messages ---- */
/* Sequence numbers: each batch or query takes a window of its own from one counter. A batch
 * holds at most a million messages (a 100,000-rule profile needs a few hundred); a query of
 * named objects, a few per container. */
#define NL_SEQ_BATCH (1u << 20)
#define NL_SEQ_QUERY (1u << 16)
uint32_t nl_seq_take(uint32_t n);
bool kernel_updates_timeout(void);
void batch_free(struct batch *b);
struct msgdesc *batch_commit(struct batch *b, struct nlmsghdr *nlh, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void batch_start(struct batch *b);
void batch_finish(struct batch *b);
struct nlmsghdr *msg_hdr(struct batch *b, uint16_t type, uint16_t flags);
int nl_host(struct mnl_socket **ret, struct nf_error *err);
void nl_park(struct mnl_socket **nl);
int nl_open_in(int netns_fd, struct mnl_socket **ret, struct nf_error *err);
int batch_send(struct mnl_socket *nl, struct batch *b, struct nf_error *err);
void add_table(struct batch *b, uint16_t type, uint16_t flags);
void add_chain(struct batch *b, const char *name, int hook, int prio, const char *type, int policy);
void add_egress_chain(struct batch *b, const char *name, const char *dev);
uint32_t add_set_flags(struct batch *b, const char *name, const uint8_t *fields, unsigned n,
		       uint32_t key_type, bool interval, bool vmap, uint16_t nlflags);
uint32_t add_set_timeout(struct batch *b, const char *name, const uint8_t *fields, unsigned n,
			 uint32_t key_type);
uint32_t add_set(struct batch *b, const char *name, const uint8_t *fields, unsigned n,
		 uint32_t key_type, bool interval, bool vmap);
void put_data(struct nlmsghdr *nlh, uint16_t type, const void *v, size_t len);
void add_box_elems(struct batch *b, const char *set, uint32_t id, const struct nf_boxset *bs,
		   int family, int fields);
void add_elem(struct batch *b, uint16_t type, const char *set, uint32_t id, const void *key,
	      size_t klen, const char *chain);
void del_named(struct batch *b, uint16_t type, const char *name);
void keep_synced(struct mnl_socket **nl);
/* a named object of the table: obj_new allocates it with its header (NULL, b->oom, when out of
 * memory), obj_send sends it (type NFT_MSG_NEWOBJ or NFT_MSG_DELOBJ) and frees it; add_obj
 * both, for a counter or a secmark */
struct nftnl_obj *obj_new(struct batch *b, uint32_t obj_type, const char *name);
void obj_send(struct batch *b, struct nftnl_obj *o, uint16_t type, uint16_t flags,
	      const char *what);
void add_obj(struct batch *b, uint16_t type, uint16_t flags, uint32_t obj_type, const char *name,
	     const char *secctx, const char *what);
void add_counter_obj(struct batch *b, uint16_t type, const char *name);
void put_verdict(struct nlmsghdr *nlh, int code, const char *chain);

/* ---- nft_expr.c: expressions, matches, shared rules and sets ---- */
struct nftnl_expr *ex(struct rb *rb, const char *name);
void rule_begin(struct rb *rb, struct batch *b, const char *chain);
void rule_end(struct rb *rb, const char *label);
void e_meta(struct rb *rb, uint32_t key, uint32_t dreg);
void e_ct(struct rb *rb, uint32_t key, uint32_t dreg);
void e_payload(struct rb *rb, uint32_t base, uint32_t off, uint32_t len, uint32_t dreg);
void e_cmp(struct rb *rb, uint32_t op, const void *data, uint32_t len);
void e_lookup(struct rb *rb, const char *set, uint32_t set_id, int dreg, bool invert);
void e_counter(struct rb *rb);
void e_verdict(struct rb *rb, int verdict);
void e_reject(struct rb *rb, uint32_t type, uint8_t code);
void m_l4proto(struct rb *rb, uint8_t proto);
void m_ndp(struct rb *rb, bool hop255);
void m_nd_ns_na(struct rb *rb);
void m_nfproto(struct rb *rb, uint8_t proto);
void m_family(struct rb *rb, bool v6);
void m_ifname(struct rb *rb, uint32_t key, const char *name, size_t len);
void m_ct_state(struct rb *rb, uint32_t mask);
void m_concat(struct rb *rb, int family, bool saddr, bool port);
void add_match(struct rb *rb, enum match_kind m, const struct fence_names *n);
/* `tcp flags & (syn | ack) == syn`, after a TCP match */
void m_tcp_syn(struct rb *rb);
/* `log group NF_NFLOG_GROUP prefix "<prefix>"` */
void e_log(struct rb *rb, const char *prefix);
/* a named object: `<type> name map @set` keyed by register 1, or `<type> name "<name>"` */
void e_objref_map(struct rb *rb, const char *set, uint32_t set_id);
void e_objref(struct rb *rb, uint32_t type, const char *name);
/* named objects: a packet limit (rate per unit seconds, burst; over: matches beyond it) and a
 * byte quota (over: matches past it) */
void add_limit_obj(struct batch *b, const char *name, uint64_t rate, uint64_t unit, uint32_t burst,
		   bool over);
void add_quota_obj(struct batch *b, const char *name, uint64_t bytes);
/* The log prefixes (docs/RULESET.md): "nf e" egress, "nf i" ingress, "nf h" host input
 * blocked; "nf r" refused by the rate; "nf q" dropped past the quota. In a container's own
 * table followed by " <hex>". */
#define LOG_PREFIX_LEN 32
/* the log rate of each container's blocked packets (its logl_<hex>, the namespace's logl) */
#define LOG_RATE 20
#define LOG_BURST 20
void rules_reject(struct batch *b, const char *chain, enum match_kind m,
		  const struct fence_names *n, const char *label);
void rule_simple(struct batch *b, const char *chain, int verdict, const char *label);
/* the end of a rule that blocks: how is NF_DROP, or the reject type (NFT_REJECT_TCP_RST,
 * NFT_REJECT_ICMPX_UNREACH); with b->blk_dir a goto to the blk chain, else counter + verdict */
void e_blocked(struct rb *rb, int how);
#define BLK_DROP (-1)
const char *blk_how_name(int how);
void rule_ct(struct batch *b, const char *chain, uint32_t mask, int verdict, const char *label);
void rule_lookup(struct batch *b, const char *chain, int family, bool saddr, const char *set,
		 uint32_t id, int verdict);
void rule_ndp(struct batch *b, const char *chain, bool hop255, int verdict);
void rules_ct_own(struct batch *b, const char *chain, const struct nft_fence *f, int verdict);
void rules_own_source(struct batch *b, const char *chain);
void rules_egress(struct batch *b, const char *chain, const struct nft_fence *f,
		  const struct fence_names *n, int allow);
void add_fence_sets(struct batch *b, const struct nft_fence *f, struct fence_names *n,
		    bool ingress);
void add_hostnet_sets(struct batch *b, struct fence_names *n, bool create, bool fill,
		      const struct nf_boxset *v4, const struct nf_boxset *v6);
void fence_names_init(struct fence_names *n, const char *hex);

/* ---- nft_query.c: queries ---- */
int query_named(struct query *q, uint16_t type, uint16_t table_attr, uint16_t name_attr,
		const char *name);
int query_elem(struct query *q, const char *set, const void *key, size_t klen);
/* key_end: the range's upper end (interval sets), NULL for none */
int query_elem_end(struct query *q, const char *set, const void *key, const void *key_end,
		   size_t klen);
/* a named object of type NFT_OBJECT_* */
int query_obj(struct query *q, uint32_t type, const char *name);
/* Every element of a set of the host table (a dump: gc and upgrades only); fn < 0 stops
 * nothing but fails the walk (ENOMEM). A set that is not there: -ENOENT. */
typedef int (*elem_fn)(const void *key, uint32_t klen, const void *end, uint32_t elen, void *data);
int set_elems_walk(struct mnl_socket *nl, const char *set, elem_fn fn, void *data,
		   struct nf_error *err);
/* A dump request (NLM_F_DUMP, or a GET answered by one message and an ack): cb per message. */
int dump(struct mnl_socket *nl, struct nlmsghdr *req, mnl_cb_t cb, void *data, const char *what,
	 struct nf_error *err);
int query_run(struct mnl_socket *nl, struct query *q, bool *found, struct nf_error *err);
int tables_exist(struct mnl_socket *nl, const uint8_t *families, size_t n, bool *ret,
		 struct nf_error *err);
int table_exists(struct mnl_socket *nl, bool *ret, struct nf_error *err);

#endif
