/* netfence: io.netfence.bandwidth, traffic shaped on the host end of a container's veth with tc
 * over rtnetlink (libnl-route-3). Traffic to the container: a token bucket (tbf) as the host
 * end's root qdisc. Traffic from it: redirected at the host end's ingress to an ifb device,
 * whose root qdisc is the same token bucket. */
#ifndef NF_SHAPE_H
#define NF_SHAPE_H

#include <stdint.h>

#include "error.h"

/* The ifb device of the fence with this 12-hex suffix: "nfb<hex>". */
void shape_ifb_name(const char *hex, char ret[16]);

/* Shape ifname (the host end, in the current namespace): egress_bps (the container's egress:
 * through ifb, which is created), ingress_bps (its ingress); 0 leaves that direction alone.
 * -EEXIST when ifb exists already (not ours). */
int shape_apply(const char *ifname, const char *ifb, uint64_t egress_bps, uint64_t ingress_bps,
		struct nf_error *err);

/* Remove what shape_apply made that outlives the veth: the ifb device. Absent is success. */
int shape_remove(const char *ifb, struct nf_error *err);

#endif
