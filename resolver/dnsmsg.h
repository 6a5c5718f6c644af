/* netfence: the resolver's DNS messages (SPEC section 10): a container's query read, a refusal
 * built, an upstream's answer checked against its query and cut down to the addresses that may
 * reach the container. ldns does the wire format; no ldns type leaves dnsmsg.c.
 *
 * What an answer may carry: every A/AAAA record the container receives is one this module
 * handed back in addrs (so the caller opened it) — records of class IN in the answer section
 * whose owner is the question's name or a name the CNAME chain from it reaches. Any other A or
 * AAAA record is removed: one for a name off the chain (an upstream or a name's owner must not
 * smuggle addresses for names the container was not allowed to ask about), one in the
 * authority or additional section (glue: never opened, so a caching stub that used it would
 * only see a refused connection), one of another class or with malformed data, one refused by
 * the caller. Records of other types stay: they open nothing. */
#ifndef NF_DNSMSG_H
#define NF_DNSMSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* How many CNAME records an answer's chain may follow from the question's name. */
#define DNSMSG_MAX_CHAIN 16

struct dnsmsg_query {
	uint16_t id;
	char name[256]; /* presentation form (dnsname_lower): lower-case, no trailing dot */
	uint16_t qtype, qclass;
	bool rd;
	bool edns;
	uint16_t edns_size; /* the OPT record's UDP payload size (0 without EDNS) */
};

/* A container's query: 0, or -EINVAL when it is unparsable, a response, not opcode QUERY, not
 * exactly one question, or carries records (answer, authority, additional other than one OPT,
 * TSIG): forwarded, such records would be a channel to the upstream. Also -EINVAL for a name
 * whose text does not fit q->name. The caller answers FORMERR (dnsmsg_reply_rcode) or drops. */
int dnsmsg_parse_query(const uint8_t *buf, size_t len, struct dnsmsg_query *q);

/* A reply to query with rcode (LDNS_RCODE_REFUSED, NXDOMAIN, SERVFAIL, FORMERR): the query's
 * id, opcode, RD and CD, its question when it parses with exactly one, and an OPT record (our
 * UDP size, the query's DO bit) when it had one. A query that does not parse gets a header
 * only (id, opcode, RD). -EINVAL for fewer than 12 bytes, a response (never answer one) or an
 * rcode that needs EDNS (over 15); -ENOMEM. *out is malloc'd. */
int dnsmsg_reply_rcode(const uint8_t *query, size_t len, int rcode, uint8_t **out, size_t *outlen);

struct dnsmsg_addr {
	int family; /* AF_INET or AF_INET6 */
	uint8_t a[16];
	uint32_t ttl; /* the record's own TTL */
};

/* Check an upstream answer against q: a response, same id, opcode QUERY, one question equal to
 * q's (name case-insensitively, type, class), no TSIG; else -EINVAL (drop it). Follow the CNAME
 * chain from the question's name within the answer section (at most DNSMSG_MAX_CHAIN hops, a
 * loop ends it), ask refuse(addr, arg) for each A/AAAA on the chain: a reason (non-NULL)
 * removes the record. Every removed address record is passed to note(addr, reason, arg) when
 * note is not NULL (records off the chain or outside the answer section with a reason of this
 * module's). *addrs (malloc'd, NULL when none; sorted, each address once with its largest TTL)
 * holds the kept addresses. *out is a malloc'd copy of the message to send back: the original
 * bytes when nothing was removed, else the message rebuilt by ldns (EDNS kept). *truncated: the
 * TC bit (the answer passes as it is; the client retries over TCP). -ENOMEM; on failure the
 * outputs are untouched. */
int dnsmsg_filter_answer(const uint8_t *ans, size_t len, const struct dnsmsg_query *q,
			 const char *(*refuse)(const struct dnsmsg_addr *, void *),
			 void (*note)(const struct dnsmsg_addr *, const char *, void *), void *arg,
			 struct dnsmsg_addr **addrs, size_t *n_addrs, uint8_t **out, size_t *outlen,
			 bool *truncated);

/* May these bytes be handed to ldns? false when their additional section holds a TSIG record:
 * ldns 1.8's ldns_wire2pkt leaks every such record but the last (a container could exhaust the
 * resolver's memory with them), and this resolver refuses TSIG anyway. Checked by every parse
 * here. */
bool dnsmsg_wire_ok(const uint8_t *buf, size_t len);

/* Rewrite the id of a message in place (forwarding with our own ids); nothing if len < 2. */
void dnsmsg_set_id(uint8_t *buf, size_t len, uint16_t id);

#ifdef NF_FAULT_INJECTION
/* test build only: how many messages ldns has parsed in this process (the cheap path's
 * proof: filtering an answer that keeps everything parses it once) */
unsigned long dnsmsg_parse_count(void);
#endif

#endif
