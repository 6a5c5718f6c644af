/* netfence-resolver: metrics (SPEC section 11). The `stats` request's reply (the DNS counters
 * of every registered fence), the `learned` request's, and metrics_listen: a minimal HTTP/1.0-1.1 server in the loop
 * that answers GET /metrics with the text `netfence metrics` prints (metrics.h), one request
 * per connection, bounded in connections, request size and time. */
#ifndef NF_RHTTP_H
#define NF_RHTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hostconf.h"
#include "rquery.h"

#define RHTTP_CONNS_MAX 16     /* open at once; more are closed at accept */
#define RHTTP_REQUEST_MAX 8192 /* bytes of request line and headers */
#define RHTTP_TIMEOUT_MS 5000  /* a connection's whole life */
#define RHTTP_SCRAPES_MAX 2    /* scrapes under way at once (a child each); 503 beyond */

/* The `stats` reply: one JSON line per fence with live DNS names, then "end\n" (malloc'd,
 * *len). */
char *rstats_reply(const struct rloop *L, size_t *len);
/* The `learned ID` reply: per address c's answers opened (not expired at now_ms, CLOCK_MONOTONIC)
 * one JSON line per name it was learned from ({"address", "name", "expires_in"} seconds left;
 * no "name" after a restart), then "end\n" (malloc'd, *len). */
char *rlearned_reply(const struct rcont *c, uint64_t now_ms, size_t *len);

/* A listening socket on hc->metrics_addr:metrics_port (non-blocking): the fd, or -errno. */
int rhttp_listen(const struct hostconf *hc);
/* Accept what waits on the listening socket lfd (each connection added to L->epfd). */
void rhttp_accept(struct rloop *L, int lfd);
/* A connection's event: read its request, answer it, close it. */
void rhttp_io(struct rloop *L, const char *state_dir, struct rev *ev, uint32_t events);
/* Close connections past their time (now: CLOCK_MONOTONIC ms); all of them when all. */
void rhttp_tick(uint64_t now_ms, bool all);

#endif
