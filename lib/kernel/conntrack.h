/* netfence: removes conntrack entries of a container's addresses (ctnetlink over libmnl), so a
 * reused address inherits no open flows. */
#ifndef NF_CONNTRACK_H
#define NF_CONNTRACK_H

#include "addr.h"
#include "error.h"

/* Delete, in the current namespace, every entry whose original source or destination, or reply
 * source or destination, is addr. Returns the number deleted or -errno. */
int conntrack_flush_addr(const struct nf_addr *addr, struct nf_error *err);

#endif
