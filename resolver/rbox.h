/* netfence-resolver: the boxes (plan.h) of one learned address. The kernel refuses overlapping
 * interval elements, so when a second name or rule leads to an address already open, only the
 * part of the new boxes the old ones do not cover is added (deleting an element of a timeout
 * set costs the kernel milliseconds; re-adding one only renews its timeout). */
#ifndef NF_RBOX_H
#define NF_RBOX_H

#include <stdbool.h>

#include "plan.h"

/* Append a copy of b. */
int rbox_add(struct nf_boxset *s, const struct nf_box *b);
/* out = a u b as disjoint boxes (a and b: one address, same family, each disjoint). */
int rbox_union(const struct nf_boxset *a, const struct nf_boxset *b, struct nf_boxset *out);
/* out = b \ a as disjoint boxes (same conditions). */
int rbox_diff(const struct nf_boxset *a, const struct nf_boxset *b, struct nf_boxset *out);
bool rbox_equal(const struct nf_boxset *a, const struct nf_boxset *b);

#endif
