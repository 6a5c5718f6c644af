/* netfence: what the host table's files share: nft_skeleton.c (the sets, shards and shared
 * chains, made once), nft_limits.c (the skeleton's chains for blocked packets and limits) and
 * nft_host.c (one container's elements, the hostnet sync). Include only from those three. */
#ifndef NF_NFT_HOST_INT_H
#define NF_NFT_HOST_INT_H

#include "nft_int.h"

/* The shared sets and maps. A set-up adds elements to these, never a chain or a rule: the
 * kernel validates a table's jumps at every commit that adds one, which made set-up cost grow
 * with the number of containers. */
enum hset {
	S_IFACES,  /* fenced host ends */
	S_IFACES6, /* ... with IPv6 on */
	S_INET,	   /* ... of base internet */
	S_OWN4,	   /* ifname . its container's address (anti-spoofing, own related) */
	S_OWN6,
	S_ND6, /* ifname . a source neighbour discovery is taken from (addr6, fe80::2) */
	S_EG4, /* ifname . address . protocol . port: egress allowed */
	S_EG6,
	S_IN4, /* the same for ingress (source address) */
	S_IN6,
	S_DENY4, /* ifname . address . protocol: internet's deny list */
	S_DENY6,
	S_DYN4, /* as S_EG4, learned from DNS answers with a timeout (nft_learn.c) */
	S_DYN6,
	/* maps ifname : named object "<map>_<hex>" (OBJMAP) */
	S_ACC, /* counter acc_<hex>: accepted (tables made before issue 12 only: LEGACY) */
	S_BLK, /* counter blk_<hex>: blocked (the same) */
	S_AE,  /* counters by direction: accepted egress, ingress, host */
	S_AI,
	S_AH,
	S_BE, /* blocked egress, ingress, host */
	S_BI,
	S_BH,
	S_RR,	/* counter: new connections refused by io.netfence.rate */
	S_LOGL, /* limit logl_<hex>: the container's log rate (20/second, burst 20) */
	S_RL,	/* limit rl_<hex>: io.netfence.rate (over) */
	S_QO,	/* quota qo_<hex>: io.netfence.quota (over) */
	S_NAT4,
	S_NAT6,
	S_N
};

/*
 * The interval sets (eg4 ... deny6) are concatenated-range sets (kernel pipapo), whose every
 * insertion or deletion costs in proportion to the elements the set holds: one shared eg4 made
 * a tear-down slower with every container. So there are SHARDS copies of each (eg4_00 ...
 * eg4_255), each looked up from a chain of its own (egress_00 ...); a container's elements all
 * go into the shard of its interface name's hash (`jhash iifname mod 256`, the kernel's jhash,
 * reproduced in shard_of), and a constant map sends its packets to that shard's chains (goto,
 * so that their `return` leaves the shared chain). At 1000 containers a shard holds about 4.
 */
#define SHARDS 256
#define SHARDED(s) ((s) >= S_EG4 && (s) <= S_DYN6)
#define OBJMAP(s) ((s) >= S_ACC && (s) <= S_QO)
#define LEGACY(s) ((s) == S_ACC || (s) == S_BLK)

struct hset_desc {
	const char *name;
	uint8_t fields[4], n;
	uint32_t type, flags;
	uint32_t obj; /* a map to named objects of this type (NFT_OBJECT_*), 0: a set */
};
extern const struct hset_desc hsets[S_N];

/* the shard of a host end: `jhash iifname mod SHARDS seed SHARD_SEED` */
unsigned shard_of(const char *ifname);
/* a set's name; a sharded one's is "<name>_<shard>", written in buf */
const char *set_name(enum hset s, unsigned shard, char buf[16]);
/* "<map>_<hex>", the name of a container's object of the map s (OBJMAP) */
void obj_name(char *buf, size_t size, enum hset s, const char *hex);
/* the table with every set, map, shard and chain it will ever hold (no container's elements) */
void add_skeleton(struct batch *b);
/* A table made by a netfence before the learned sets (no dyn4_00): add dyn4_NN/dyn6_NN and
 * their rules in every shard, right after the eg4_NN/eg6_NN rules (positions from a dump of
 * the shard chains), to batch b. Existing rules and elements stay: running containers stay
 * fenced throughout. */
int add_dyn_upgrade(struct mnl_socket *nl, struct batch *b, struct nf_error *err);

/* ---- building the skeleton's rules (nft_skeleton.c, nft_limits.c) ---- */
struct hrb {
	struct rb rb;
	uint32_t (*id)[SHARDS]; /* set ids of this batch: [set][shard] */
	uint32_t id_hostnet4, id_hostnet6;
	unsigned shard; /* of the chain being built */
	uint32_t ifkey; /* NFT_META_IIFNAME or NFT_META_OIFNAME */
	uint64_t pos;	/* non-zero: the rules go right after the rule of this handle */
	int dir;	/* NF_DIR_*: the counters and log prefix of the chain being built */
	bool legacy;	/* a table made before issue 12: count in acc/blk, no log chains */
};
static inline void h_begin(struct hrb *h, struct batch *b, const char *chain)
{
	rule_begin(&h->rb, b, chain);
}

/* `counter name <ifname> map @<map>` (a named object of the container's, by its interface) */
static inline void h_count(struct hrb *h, enum hset map)
{
	e_meta(&h->rb, h->ifkey, NFT_REG_1);
	e_objref_map(&h->rb, hsets[map].name, h->id[map][0]);
}
/* the verdicts of blocking rules besides NF_DROP: reject with a TCP reset, with icmpx */
#define H_RST (-100)
#define H_ICMPX (-101)
void h_verdict(struct hrb *h, int verdict);
/* `goto blk_<dir>_<how>`: where a rule of direction h->dir that blocks sends the packet */
void h_goto_blk(struct hrb *h, int verdict);
/* the blk_* chains, rate_over and quota_over */
void add_blk_chains(struct hrb *h, struct batch *b);
/* egress's rule of io.netfence.rate (rate) or io.netfence.quota */
void h_limit_rule(struct hrb *h, struct batch *b, const char *chain, bool rate);

#endif
