/* netfence-resolver: the containers it serves. Every registered fence gets its events (an NFLOG
 * socket in its namespace, revents.h); one whose state file has a "dns" object (live names) also
 * gets a UDP and a TCP socket inside its network namespace, bound to the address its namespace
 * table redirects DNS to (NF_RESOLVER_ADDR4/6, port 53), and a handle on its learned sets
 * (nft_learn.h). What a container may resolve, its upstreams and bounds come from its state
 * file alone: the host configuration it was set up with governs it for its whole life. */
#ifndef NF_RCONT_H
#define NF_RCONT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "error.h"
#include "journal.h"
#include "plan.h"

/* What an epoll event points at (the first member of every object in the loop). */
enum rev_kind {
	REV_CTL_LISTEN,
	REV_CTL,
	REV_SIGNAL,
	REV_TIMER,
	REV_UDP,	 /* a container's UDP socket */
	REV_TCP_LISTEN,	 /* a container's TCP listener */
	REV_TCP,	 /* an accepted TCP connection from a container */
	REV_UP,		 /* a query's upstream socket */
	REV_NFLOG,	 /* an NFLOG socket: the host's, or a container's (a struct rsock) */
	REV_EVOUT,	 /* a control connection streaming events (revents.h) */
	REV_HTTP_LISTEN, /* metrics_listen (rhttp.h) */
	REV_HTTP,	 /* a connection to it */
};

struct rev {
	enum rev_kind kind;
	int fd;
};

#define LEARNED_NAMES 4 /* names kept per learned address */

/* An address the container learned: the boxes (protocols x ports) the kernel holds for it, the
 * union over every rule whose name led to it, and when they expire. */
struct learned {
	int family;
	uint8_t a[16];
	uint64_t expires_ms; /* CLOCK_MONOTONIC */
	struct nf_boxset boxes;
	/* the names whose answers held it, the last first (events name names[0], `graph` all);
	 * none after a restart */
	char *names[LEARNED_NAMES];
};

struct rcont;
struct rring;  /* its events (revents.c) */
struct rsock { /* a container's listening socket */
	struct rev ev;
	struct rcont *c;
};

struct rcont {
	struct rsock udp[2], tcp[2]; /* [0] IPv4, [1] IPv6; fd -1 when absent */
	struct rcont *next;
	char *id; /* the fence owner's id */
	char hex[13];
	bool ipv6;
	bool overlay;
	/* its namespace's table blocks (and logs) first: a NETLINK_NETFILTER socket made there
	 * (revents.h binds it to the NFLOG group; fd -1 when none), the namespace (its counters) */
	struct rsock nflog;
	int nsfd;
	struct rring *ring;
	struct journal_dns *dns; /* NULL: names static, events only */
	struct nf_rule *rules;	 /* dns->rules parsed */
	size_t n_rules;
	struct nft_learn *learn;
	struct learned *learned;
	size_t n_learned;
	uint64_t *names; /* open-addressing set of the hashes of the names asked (dns_max_names) */
	size_t n_names, cap_names;
	double tokens; /* queries per second (dns_max_qps), a token bucket */
	uint64_t tokens_ms;
	uint64_t dns_allowed, dns_refused; /* queries forwarded / refused (the `stats` request) */
	unsigned refs;			   /* queries in flight */
	bool gone;			   /* unregistered: freed when refs drops to 0 */
};

/* Free p after the current batch of epoll events (a later event of the batch may point into
 * it: its rev.fd is -1 by then and the loop skips it). */
void rdefer(void *p);
void rdefer_flush(void);

/* Register the fence of container id (a member's id registers its owner): read its state, make
 * its sockets (added to epfd), open its learned sets and read back what they hold (after a
 * restart). Idempotent: an already registered fence is left as it is (*ret points to it). */
int rcont_register(const char *state_dir, const char *id, int epfd, struct rcont **list,
		   struct rcont **ret, struct nf_error *err);
/* Close its sockets and forget it (freed once no query holds it). */
void rcont_unregister(struct rcont **list, struct rcont *c);
struct rcont *rcont_find(struct rcont *list, const char *id);
void rcont_put(struct rcont *c); /* drop a query's reference */

/* May c resolve name? 0: no; 1: yes. *rules (malloc'd, *n) are the indices of the hostname
 * rules the name matches (none when only io.netfence.dns-names allows it). */
int rcont_match(const struct rcont *c, const char *name, uint16_t **rules, size_t *n);
/* Count name against dns_max_names: false when the container has asked for that many other
 * names already. */
bool rcont_name_admit(struct rcont *c, const char *name);
/* Take one token of dns_max_qps: false when over the rate. */
bool rcont_qps_admit(struct rcont *c, uint64_t now_ms);

/* The learned entry of an address (made when create), NULL when absent or out of memory. */
struct learned *rcont_learned(struct rcont *c, int family, const uint8_t *a, bool create);
/* Forget learned entries whose time is up (the kernel has dropped their elements). */
void rcont_expire(struct rcont *c, uint64_t now_ms);
/* Free what l holds (its boxes and names). */
void rcont_learned_clear(struct learned *l);

/* Open addrs[0..n) for the rules found by rcont_match, each for its TTL clamped to the
 * container's min/max, in the host's and the namespace's learned sets, acked by the kernel;
 * name (the query's) is remembered as the addresses' last name. */
struct dnsmsg_addr;
int rcont_learn(struct rcont *c, const char *name, const struct dnsmsg_addr *addrs, size_t n,
		const uint16_t *rules, size_t n_rules, uint64_t now_ms, struct nf_error *err);

#endif
