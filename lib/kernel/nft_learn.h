/* netfence: the learned sets (docs/RULESET.md): addresses the resolver read in a container's DNS
 * answers, added with a timeout to the container's dyn4_NN/dyn6_NN in the host table (wire mode)
 * and to dyn4/dyn6 of its namespace's tables, read back for the resolver's restart and `status`.
 *
 * Timeouts: adding an element that is already there (same key and key end) without NLM_F_EXCL
 * succeeds and, since Linux 6.10 ("netfilter: nf_tables: set element timeout update support"),
 * sets its timeout and expiry to the new ones (a shorter one too: tested on 6.18); before 6.10
 * the element kept its old expiry. nft_learn_update therefore refreshes an element by adding it
 * again on >= 6.10, and by deleting and adding it in the same batch on older kernels. */
#ifndef NF_NFT_LEARN_H
#define NF_NFT_LEARN_H

#include <stdbool.h>
#include <stdint.h>

#include "error.h"
#include "plan.h"

/* One fence: a netlink socket inside its namespace (made with setns there and back), the host
 * socket, the host end's name and shard. */
struct nft_learn;

/* ifname: the host end ("nf<hex>", wire mode) or "" (overlay mode: no host-side copy). netdev:
 * the namespace also has the `netdev netfence` table (overlay mode), whose dyn sets get the
 * same elements. */
int nft_learn_open(int netns_fd, const char *ifname, bool netdev, struct nft_learn **ret,
		   struct nf_error *err);

/* In one host batch and one namespace batch, both acknowledged before it returns (host first:
 * the copy the container cannot touch): delete the elements of del (may be NULL; an element
 * that expired meanwhile is skipped) and add those of add (may be NULL) with timeout_ms (> 0).
 * Each box is one element (learned: address lo == hi); del and add are of one family. Adding
 * an element that is there refreshes its expiry. An error names the set and the element; after
 * one the two copies may differ (host batch applied, namespace batch not), which fails closed:
 * a packet needs both. Cost on 6.18 (host table at 100 containers): ~0.2 ms for one address,
 * ~0.8 ms for 20; a delete costs the kernel ~3 ms per element (sets with timeouts that a rule
 * uses), so replace rarely. */
int nft_learn_update(struct nft_learn *l, const struct nf_boxset *del, const struct nf_boxset *add,
		     uint64_t timeout_ms, struct nf_error *err);

/* cb for each element of a namespace's dyn4/dyn6: the box, its family and the time left (ms).
 * A negative return stops the walk and is returned. */
typedef int (*nft_learn_fn)(const struct nf_box *b, int family, uint64_t expires_ms, void *arg);

/* Every element of the namespace's inet table's dyn4/dyn6 (everything in them is learned). */
int nft_learn_dump(struct nft_learn *l, nft_learn_fn cb, void *arg, struct nf_error *err);

void nft_learn_close(struct nft_learn *l);

/* For `status`: the same dump from a namespace fd, keeping nothing open. No table or no dyn
 * sets (a container set up by an older netfence): no elements. */
int nft_learn_list(int netns_fd, nft_learn_fn cb, void *arg, struct nf_error *err);

#endif
