/* netfence: a container's network event (SPEC section 11) as the resolver records it and
 * `netfence log` prints it: one JSON line with stable names, or one line of text. The resolver
 * writes both; the log command reads the JSON back. No library types here. */
#ifndef NF_EVENT_H
#define NF_EVENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "error.h"

#define NF_EVENT_MAX_ADDRS 16 /* addresses of one DNS answer kept in its event */
#define NF_EVENT_LINE 8192 /* an event's JSON or text line fits (id <= 1024 bytes, names escaped) */

enum nf_event_type { NF_EV_BLOCKED, NF_EV_DNS, NF_EV_LIMIT, NF_EV_SUPPRESSED };
enum nf_event_dir { NF_EV_DIR_NONE = -1, NF_EV_EGRESS, NF_EV_INGRESS, NF_EV_HOST };
enum nf_event_verdict { NF_EV_VERDICT_NONE, NF_EV_ALLOWED, NF_EV_REFUSED };
enum nf_event_limit { NF_EV_LIMIT_NONE, NF_EV_RATE, NF_EV_QUOTA };

struct nf_event {
	uint64_t ms; /* wall clock, milliseconds since the epoch */
	char container[1025];
	enum nf_event_type type;
	enum nf_event_dir dir;
	int proto;		    /* IP protocol number, -1 unknown */
	struct nf_addr src, dst;    /* family 0: unknown */
	int port;		    /* destination port, -1 none */
	char name[256];		    /* the name dst was learned from, "" none */
	char query[256], qtype[16]; /* DNS */
	enum nf_event_verdict verdict;
	struct nf_addr addrs[NF_EVENT_MAX_ADDRS];
	size_t n_addrs;
	enum nf_event_limit limit;
	uint64_t count; /* suppressed: packets blocked and not logged */
};

/* An empty event of type t at ms: every optional field absent. */
void nf_event_init(struct nf_event *e, enum nf_event_type t, uint64_t ms);
/* The JSON line (no newline) into buf[0..n): its length, or -ENOSPC. */
int nf_event_json(const struct nf_event *e, char *buf, size_t n);
/* The text after the time: "c1 blocked egress tcp 10.213.0.1 -> 151.101.0.223:22 (pypi.org)". */
int nf_event_text(const struct nf_event *e, char *buf, size_t n);
/* A JSON line back into *ret (unknown members ignored: a newer resolver may add some). */
int nf_event_parse(const char *line, size_t len, struct nf_event *ret, struct nf_error *err);
/* The JSON's names of e's direction and of an IP protocol: "egress", "tcp"; NULL: none. */
const char *nf_event_dir_name(const struct nf_event *e);
const char *nf_event_proto_name(int proto);
/* The wall clock in ms since the epoch (an event's time). */
uint64_t nf_event_now_ms(void);
/* "2026-12-03T15:04:05.123Z" (millis true) or "2026-12-03T15:04:05Z". */
void nf_event_time(uint64_t ms, bool millis, char *buf, size_t n);

#endif
