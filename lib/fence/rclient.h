/* netfence: the client side of the resolver (SPEC sections 10, 11): telling it about a fence,
 * starting it when none runs, telling it when the fence goes, and the requests of the commands
 * that read from it. One request line over <state_dir>/resolver.sock, answered by one line or
 * by lines up to "end" (netfence-resolver(8)). */
#ifndef NF_RCLIENT_H
#define NF_RCLIENT_H

#include <stddef.h>
#include <sys/un.h>

#include "error.h"
#include "hostconf.h"

#define RESOLVER_SOCK "resolver.sock" /* under state_dir */

#define RESOLVER_LINE_MAX 16384 /* a reply's line (an event's JSON is at most 8192 bytes) */

/* The control socket's address for state_dir: 0, or -ENAMETOOLONG. */
int resolver_sockaddr(const char *state_dir, struct sockaddr_un *sa);
/* Connected to the resolver of state_dir: an fd, or -errno (-ENOENT, -ECONNREFUSED: none runs). */
int resolver_connect(const char *state_dir);
/* Send req (one line, with its newline) on fd, read the reply's one line (a second at most)
 * into rep: 0 when it says "ok". */
int resolver_ask(int fd, const char *req, char *rep, size_t cap, struct nf_error *err);
/* A reply's line (NUL-terminated, no newline); <0 stops the reply with that result. */
typedef int (*resolver_line_fn)(const char *line, size_t n, void *arg);
/* Send req on fd and hand each line of its reply to cb, up to the line "end": 0 then. Within
 * timeout_ms in all (0: no limit, `follow`). A first line "err ..." fails with its text in err:
 * -ESRCH for an unknown container, else -EPROTO; -ECONNRESET when the resolver closed first. */
int resolver_stream(int fd, const char *req, int timeout_ms, resolver_line_fn cb, void *arg,
		    struct nf_error *err);
/* resolver_connect + resolver_stream: -ENOENT or -ECONNREFUSED when no resolver runs. */
int resolver_query(const char *state_dir, const char *req, int timeout_ms, resolver_line_fn cb,
		   void *arg, struct nf_error *err);

/* Start the resolver (netfence-resolver next to this program) when nobody answers on its
 * socket, and wait until it listens (a second at most): 1 when started, 0 when one runs. Call
 * it while the process still holds its capabilities: the resolver inherits them. */
int resolver_start(const struct hostconf *hc, struct nf_error *err);
/* Register container id's fence (its state file is complete); with wait (live DNS names: its
 * lookups need the resolver's sockets), wait for the resolver's "ok" (a second at most): on
 * failure the container's lookups fail (fail closed). Without, the request is sent and the
 * set-up goes on (its events only: a registration that fails is the resolver's to log). The
 * caller logs a failure and the container starts. */
int resolver_register(const struct hostconf *hc, const char *id, bool wait, struct nf_error *err);
/* Best effort, never starts a resolver: the fence of id (its owner's id) is going away. */
void resolver_unregister(const struct hostconf *hc, const char *id);

#endif
