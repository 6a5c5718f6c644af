/* netfence-resolver: a container's network events (SPEC section 11). Blocked packets come from
 * the kernel through NFLOG (nfnetlink_log, group NF_NFLOG_GROUP): one socket in the host's
 * namespace (the container is the packet's nf<hex> interface) and one in each overlay-mode
 * container's namespace; DNS events come from the query code. Each container keeps its last
 * REVENTS_RING events; every blocked packet is one line of the resolver's log; the `events` and
 * `follow` requests of the control socket stream them as JSON lines. */
#ifndef NF_REVENTS_H
#define NF_REVENTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "event.h"
#include "rcont.h"

#define REVENTS_RING 1024

/* The host namespace's NFLOG socket, added to epfd (the loop's; streams and containers' NFLOG
 * sockets join it too). Failure is logged (the resolver then serves DNS without blocked-packet
 * events). */
void revents_start(int epfd);
/* Close the host socket and every streaming connection. */
void revents_stop(void);
/* Bind the netlink socket fd (NETLINK_NETFILTER, made in the namespace to listen in) to
 * NF_NFLOG_GROUP, headers copied, every packet sent at once; non-blocking. Its binding goes
 * when it closes. 0, or -errno with err filled. */
int revents_config(int fd, struct nf_error *err);
/* A container registered (again: nothing): its ring, its counters' baseline (suppressed
 * counts), its namespace's NFLOG socket (overlay mode) bound and added to the loop. */
void revents_cont_init(struct rcont *c);
/* c is being unregistered: its ring goes. */
void revents_cont_free(struct rcont *c);

/* An NFLOG socket (REV_NFLOG) is readable: the host's (the container found by interface among
 * conts) or a container's (a struct rsock). */
void revents_read(struct rcont *conts, struct rev *ev);
/* Record e (e->container set here) in c's ring, send it to the followers, and log it when log
 * (DNS events are logged by the query code already). */
void revents_add(struct rcont *c, struct nf_event *e, bool log);
/* Every 100 ms (the loop's timer): new containers' counters read; once a second the suppressed
 * counts of the containers that logged blocked packets. */
void revents_tick(struct rcont *conts, uint64_t now_ms);

/* A control request "events [SINCE_MS] [ID]", "follow [SINCE_MS] [ID]" or "last [ID]" (the
 * newest blocked packet of each container, or of ID) on connection fd (in the loop's epoll
 * set): true when it is one; the module then owns fd (and answers errors: "err ..."). */
bool revents_request(struct rcont *conts, int fd, const char *line);
/* A streaming connection (REV_EVOUT) is writable or readable. */
void revents_stream(struct rev *ev, uint32_t events);

/* What one NFLOG packet message says (pure parsing; tests/unit/test_revents.c). */
struct nflog_pkt {
	uint8_t family; /* the logging table's (NFPROTO_*): netdev's payload starts at the frame */
	char prefix[64];
	uint32_t indev, outdev; /* ifindex, 0 absent */
	uint64_t ms;		/* the kernel's timestamp (ms since the epoch), 0 absent */
	const uint8_t *payload; /* into the message */
	size_t payload_len;
};
/* msg[0..len): one netlink message. 0 and *ret filled for an NFLOG packet, -EINVAL else. */
int revents_parse_nflog(const void *msg, size_t len, struct nflog_pkt *ret);
/* The IPv4 or IPv6 header (and TCP/UDP/SCTP ports) at p[0..n) into e's protocol, source,
 * destination and port: 0, or -EINVAL when it is neither. */
int revents_parse_payload(const uint8_t *p, size_t n, struct nf_event *e);
/* "nf e" or "nf e 0123456789ab": the kind letter (e, i, h, r, q) and the hex ("" when absent);
 * -EINVAL for any other prefix. */
int revents_parse_prefix(const char *prefix, char *kind, char hex[13]);

#endif
