/* netfence: the per-host DNS resolver of SPEC section 10 (`netfence resolver`). It answers each
 * fenced container's DNS from sockets inside the container's namespace, forwards the names the
 * container may resolve to its upstreams, and opens the answers' addresses (with the kernel's
 * ack) before the answer goes back. docs/DESIGN.md, "The resolver". */
#ifndef NF_RESOLVER_H
#define NF_RESOLVER_H

#include <stdbool.h>

#include "hostconf.h"

/* Run until SIGTERM/SIGINT. Takes the pid lock under hc->state_dir first: 1 when another
 * resolver holds it (nothing done), 0 after a clean stop, <0 on failure (logged). */
int resolver_run(const struct hostconf *hc, bool foreground);

#endif
