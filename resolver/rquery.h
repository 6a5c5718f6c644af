/* netfence-resolver: queries. A query from a container's socket is checked (rate, name, bound),
 * refused at once or forwarded to the container's first upstream (its own socket, a random
 * id; the next upstream after a timeout, SERVFAIL after the last), and the answer is filtered,
 * its addresses opened, and sent back. UDP queries go upstream over UDP (a truncated answer is
 * passed on: the container retries over TCP), TCP queries over TCP. */
#ifndef NF_RQUERY_H
#define NF_RQUERY_H

#include <stdint.h>

#include "addr.h"
#include "rcont.h"

struct upq;
struct rtcp;

/* What the loop shares with the query code. */
struct rloop {
	int epfd;
	struct rcont *conts;
	struct upq *pending;  /* queries waiting for an upstream */
	struct rtcp *conns;   /* TCP connections from containers */
	struct nf_addr *host; /* the host's own addresses: never opened */
	size_t n_host;
};

void rq_udp(struct rloop *L, struct rsock *s);
void rq_accept(struct rloop *L, struct rsock *s);
void rq_tcp(struct rloop *L, struct rev *ev, uint32_t events);
void rq_up(struct rloop *L, struct rev *ev, uint32_t events);
/* Upstream timeouts, idle TCP connections. */
void rq_tick(struct rloop *L, uint64_t now_ms);
/* Drop every query and connection of c (being unregistered). */
void rq_drop_cont(struct rloop *L, struct rcont *c);

#endif
