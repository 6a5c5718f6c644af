/* netfence: libmnl netlink sockets as nft_*.c, conntrack.c and watch.c use them: one cleanup
 * (mnl_socket_closep), declared once. */
#ifndef NF_MNL_H
#define NF_MNL_H

#include <libmnl/libmnl.h>

#include "cleanup.h"

NF_DEFINE_CLEANUP(struct mnl_socket *, mnl_socket_close)

#endif
