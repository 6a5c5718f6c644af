/* netfence: gc, the sweep that finishes what killed hooks and runtimes left behind. */
#ifndef NF_GC_H
#define NF_GC_H

#include "error.h"
#include "hostconf.h"

/* gc: tear down every container whose state is incomplete (no hook holds the lock any more)
 * or whose container is gone, then remove nf* links, host chains and leases that no state
 * names. *ret_removed counts containers and orphans removed. */
int fence_gc(const struct hostconf *hc, unsigned *ret_removed, struct nf_error *err);

#endif
