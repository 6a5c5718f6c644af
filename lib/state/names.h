/* netfence: the reservation of host-side names, <state_dir>/names/<hex>. */
#ifndef NF_NAMES_H
#define NF_NAMES_H

#include "error.h"

/*
 * Host-side names (SPEC section 5: nf<hex>, and every per-container nftables object suffixed
 * <hex>): <state_dir>/names/<hex> holds the id of the container that owns them. Reserved under
 * the state lock before the journal is written, so no two live containers share a name whatever
 * their ids: the first candidate derives from the id (nf_id_hex), a taken one is replaced by a
 * random one. A reservation whose owner has no journal recording it is stale and reused.
 * Every consumer uses the hex the journal records, never one recomputed from the id.
 */
int journal_name_reserve(const char *state_dir, const char *id, char ret_hex[13],
			 struct nf_error *err);
/* Drop hex's reservation if id holds it. */
int journal_name_release(const char *state_dir, const char *hex, const char *id,
			 struct nf_error *err);
/* gc: drop reservations whose owner has no journal recording them. *ret_removed counts them. */
int journal_name_sweep(const char *state_dir, unsigned *ret_removed, struct nf_error *err);

#endif
