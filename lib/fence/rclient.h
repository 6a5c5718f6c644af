/* netfence: the hook's side of the resolver (SPEC section 10): telling it about a fence with
 * live DNS names, starting it when none runs, and telling it when the fence goes. The
 * protocol is one line each way over <state_dir>/resolver.sock (netfence-resolver(8)). */
#ifndef NF_RCLIENT_H
#define NF_RCLIENT_H

#include <sys/un.h>

#include "error.h"
#include "hostconf.h"

#define RESOLVER_SOCK "resolver.sock" /* under state_dir */

/* The control socket's address for state_dir: 0, or -ENAMETOOLONG. */
int resolver_sockaddr(const char *state_dir, struct sockaddr_un *sa);

/* Start the resolver (netfence-resolver next to this program) when nobody answers on its
 * socket, and wait until it listens (a second at most): 1 when started, 0 when one runs. Call
 * it while the process still holds its capabilities: the resolver inherits them. */
int resolver_start(const struct hostconf *hc, struct nf_error *err);
/* Register container id's fence (its state file is complete) and wait for the resolver's "ok"
 * (a second at most). On failure the container's lookups fail (fail closed); the caller logs
 * it and the container starts. */
int resolver_register(const struct hostconf *hc, const char *id, struct nf_error *err);
/* Best effort, never starts a resolver: the fence of id (its owner's id) is going away. */
void resolver_unregister(const struct hostconf *hc, const char *id);

#endif
