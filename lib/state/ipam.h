/* netfence: address leases from the host configuration's pools, one lease file per pair under
 * <state_dir>/leases/, allocated under a lock file so concurrent hooks never share an address.
 * IPv4: a /31 per container (host end even, container end odd); IPv6: a /127. */
#ifndef NF_IPAM_H
#define NF_IPAM_H

#include "addr.h"
#include "error.h"

/* Lease the next free pair from pool for id. A full pool is an error saying so. */
int ipam_alloc(const char *state_dir, const struct nf_prefix *pool, const char *id,
	       struct nf_addr *ret_host, struct nf_addr *ret_container, struct nf_error *err);
/* Release the lease of the pair whose host end is host_addr if it is held by id: 1 released,
 * 0 absent or held by another id (left in place), negative errno on failure. */
int ipam_release(const char *state_dir, const struct nf_addr *host_addr, const char *id,
		 struct nf_error *err);

/* Call fn for every lease (host end address, holder id); fn returning < 0 stops. For gc. */
int ipam_foreach(const char *state_dir,
		 int (*fn)(const struct nf_addr *host_addr, const char *id, void *arg), void *arg,
		 struct nf_error *err);

#endif
