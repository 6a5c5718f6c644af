/* netfence: the metrics of SPEC section 11 in the Prometheus text exposition format (0.0.4),
 * one generator for `netfence metrics` and the resolver's metrics_listen endpoint: per fence
 * (label `container`), its kernel counters and, when the resolver serves it, its DNS counters. */
#ifndef NF_METRICS_H
#define NF_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "error.h"
#include "journal.h"

#define METRICS_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

/* The label `direction`: what the container sent (egress), what came to it (ingress), what it
 * sent to the host's own addresses (host). */
enum { METRICS_EGRESS, METRICS_INGRESS, METRICS_HOST, METRICS_DIRS };

/* One fence's kernel counters. by_direction false: the kernel's counters have no direction
 * (before the per-direction counter objects): the sums are in [0], shown as direction="all". */
struct metrics_ctr {
	uint64_t acc_pkts[METRICS_DIRS], acc_bytes[METRICS_DIRS];
	uint64_t blk_pkts[METRICS_DIRS], blk_bytes[METRICS_DIRS];
	bool by_direction;
	bool has_rate, has_quota;	    /* io.netfence.rate / io.netfence.quota set */
	uint64_t rate_refused;		    /* new connections refused over the rate */
	uint64_t quota_used, quota_allowed; /* egress bytes */
};

/* The resolver's counters of one fence (a line of its `stats` reply). */
struct metrics_dns {
	char *id;
	uint64_t allowed, refused; /* queries answered from upstream / refused by netfence */
	uint64_t names;		   /* distinct names asked that the policy allows */
	uint64_t learned;	   /* addresses its answers opened, not yet expired */
};

struct metrics_row {
	const char *id;
	const struct metrics_ctr *ctr; /* NULL: not read */
	const struct metrics_dns *dns; /* NULL: the resolver does not serve it */
};

/* Write the exposition of rows[0..n) (HELP and TYPE once per family that has a sample). */
void metrics_format(FILE *out, const struct metrics_row *rows, size_t n);

/* s as a label value: \, " and newline escaped, bytes that are not UTF-8 replaced by U+FFFD. */
void metrics_label(FILE *out, const char *s);

/* Counters of a fence (journal j, complete, not a member): the host table's counter objects in
 * wire mode, the blocked counts (and, without a host side, the accepted ones) of its namespace's
 * table. The one place that knows the shape of struct nft_counters. */
int metrics_counters(const struct journal *j, struct metrics_ctr *ret, struct nf_error *err);

/* Every complete fence of state_dir, its counters read, dns[0..n_dns) matched by id, written
 * to out. A fence whose counters cannot be read is written without them and counted in
 * *ret_failed (may be NULL). <0 only when state_dir cannot be listed. */
int metrics_write(FILE *out, const char *state_dir, const struct metrics_dns *dns, size_t n_dns,
		  size_t *ret_failed, struct nf_error *err);

/* Ask the resolver of state_dir for its `stats` (a second at most): *ret (malloc'd, *n). No
 * resolver running is not an error: 0 with *n = 0. */
int metrics_dns_fetch(const char *state_dir, struct metrics_dns **ret, size_t *n,
		      struct nf_error *err);
/* Parse one `stats` line ({"container": ID, "dns_allowed": N, ...}): 0, or -EINVAL. */
int metrics_dns_parse(const char *line, struct metrics_dns *ret);
void metrics_dns_free(struct metrics_dns *v, size_t n);

#endif
