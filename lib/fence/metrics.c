/* netfence: the Prometheus text exposition of SPEC section 11 (metrics.h). Families are
 * written whole, one after another, HELP and TYPE first: the format wants a family's samples
 * together. */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cleanup.h"
#include "json.h"
#include "metrics.h"
#include "nft.h"
#include "rclient.h"
#include "util.h"

#define DNS_FETCH_MS 1000	 /* for the resolver's whole `stats` reply */
#define DNS_FETCH_MAX (1u << 20) /* fences in it */

static const char *const dir_names[METRICS_DIRS] = { "egress", "ingress", "host" };

/* The length of the UTF-8 sequence at s (RFC 3629: no overlong forms, no surrogates, nothing
 * past U+10FFFF), 0 when it is not one. */
static size_t utf8_len(const unsigned char *s)
{
	unsigned char c = s[0], lo = 0x80, hi = 0xbf;
	size_t n;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		n = 2;
	else if (c >= 0xe0 && c <= 0xef)
		n = 3;
	else if (c >= 0xf0 && c <= 0xf4)
		n = 4;
	else
		return 0;
	if (c == 0xe0)
		lo = 0xa0;
	else if (c == 0xed)
		hi = 0x9f;
	else if (c == 0xf0)
		lo = 0x90;
	else if (c == 0xf4)
		hi = 0x8f;
	if (s[1] < lo || s[1] > hi)
		return 0;
	for (size_t i = 2; i < n; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	return n;
}

void metrics_label(FILE *out, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	while (*p) {
		size_t n = utf8_len(p);

		if (*p == '\\' || *p == '"') {
			fputc('\\', out);
			fputc(*p, out);
		} else if (*p == '\n') {
			fputs("\\n", out);
		} else if (n == 0) {
			fputs("\xef\xbf\xbd", out);
			n = 1;
		} else {
			fwrite(p, 1, n, out);
		}
		p += n ? n : 1;
	}
}

enum family_kind { COUNTER, GAUGE };

struct family {
	const char *name, *help;
	enum family_kind kind;
};

static void family_head(FILE *out, const struct family *f)
{
	fprintf(out, "# HELP %s %s\n# TYPE %s %s\n", f->name, f->help, f->name,
		f->kind == COUNTER ? "counter" : "gauge");
}

/* name{container="id"[,label="value"]} v */
static void sample(FILE *out, const char *name, const char *id, const char *label,
		   const char *value, uint64_t v)
{
	fprintf(out, "%s{container=\"", name);
	metrics_label(out, id);
	if (label)
		fprintf(out, "\",%s=\"%s", label, value);
	fprintf(out, "\"} %" PRIu64 "\n", v);
}

/* The four traffic families: accepted/blocked x packets/bytes, by direction. */
static void traffic(FILE *out, const struct metrics_row *rows, size_t n)
{
	static const struct family fams[4] = {
		{ "netfence_accepted_packets_total", "Packets netfence let through.", COUNTER },
		{ "netfence_accepted_bytes_total", "Bytes netfence let through.", COUNTER },
		{ "netfence_blocked_packets_total", "Packets netfence dropped or rejected.",
		  COUNTER },
		{ "netfence_blocked_bytes_total", "Bytes netfence dropped or rejected.", COUNTER },
	};
	bool any = false;

	for (size_t i = 0; i < n && !any; i++)
		any = rows[i].ctr != NULL;
	if (!any)
		return;
	for (int f = 0; f < 4; f++) {
		family_head(out, &fams[f]);
		for (size_t i = 0; i < n; i++) {
			const struct metrics_ctr *c = rows[i].ctr;
			const uint64_t *v;

			if (!c)
				continue;
			v = f == 0   ? c->acc_pkts
			    : f == 1 ? c->acc_bytes
			    : f == 2 ? c->blk_pkts
				     : c->blk_bytes;
			if (!c->by_direction) {
				sample(out, fams[f].name, rows[i].id, "direction", "all", v[0]);
				continue;
			}
			for (int d = 0; d < METRICS_DIRS; d++)
				sample(out, fams[f].name, rows[i].id, "direction", dir_names[d],
				       v[d]);
		}
	}
}

/* A family of one sample per row (no second label), for rows where pick returns true. */
static void simple(FILE *out, const struct family *f, const struct metrics_row *rows, size_t n,
		   bool (*pick)(const struct metrics_row *r, uint64_t *v))
{
	bool head = false;

	for (size_t i = 0; i < n; i++) {
		uint64_t v;

		if (!pick(&rows[i], &v))
			continue;
		if (!head)
			family_head(out, f);
		head = true;
		sample(out, f->name, rows[i].id, NULL, NULL, v);
	}
}

static bool pick_rate(const struct metrics_row *r, uint64_t *v)
{
	return r->ctr && r->ctr->has_rate && (*v = r->ctr->rate_refused, true);
}

static bool pick_quota_used(const struct metrics_row *r, uint64_t *v)
{
	return r->ctr && r->ctr->has_quota && (*v = r->ctr->quota_used, true);
}

static bool pick_quota_allowed(const struct metrics_row *r, uint64_t *v)
{
	return r->ctr && r->ctr->has_quota && (*v = r->ctr->quota_allowed, true);
}

static bool pick_names(const struct metrics_row *r, uint64_t *v)
{
	return r->dns && (*v = r->dns->names, true);
}

static bool pick_learned(const struct metrics_row *r, uint64_t *v)
{
	return r->dns && (*v = r->dns->learned, true);
}

void metrics_format(FILE *out, const struct metrics_row *rows, size_t n)
{
	static const struct family rate = { "netfence_rate_refused_total",
					    "New outbound connections refused by io.netfence.rate.",
					    COUNTER },
				   qused = { "netfence_quota_used_bytes",
					     "Egress bytes counted against io.netfence.quota.",
					     GAUGE },
				   qallowed = { "netfence_quota_allowed_bytes",
						"Egress bytes io.netfence.quota allows.", GAUGE },
				   queries = { "netfence_dns_queries_total",
					       "DNS queries the resolver forwarded (allowed) or "
					       "refused.",
					       COUNTER },
				   names = { "netfence_dns_names_total",
					     "Distinct names asked that the policy allows (up to "
					     "dns_max_names).",
					     COUNTER },
				   learned = { "netfence_dns_learned_addresses",
					       "Addresses DNS answers opened, not yet expired.",
					       GAUGE };
	bool head = false;

	traffic(out, rows, n);
	simple(out, &rate, rows, n, pick_rate);
	simple(out, &qused, rows, n, pick_quota_used);
	simple(out, &qallowed, rows, n, pick_quota_allowed);
	for (int allowed = 1; allowed >= 0; allowed--) {
		for (size_t i = 0; i < n; i++) {
			const struct metrics_dns *d = rows[i].dns;

			if (!d)
				continue;
			if (!head)
				family_head(out, &queries);
			head = true;
			sample(out, queries.name, rows[i].id, "verdict",
			       allowed ? "allowed" : "refused", allowed ? d->allowed : d->refused);
		}
	}
	simple(out, &names, rows, n, pick_names);
	simple(out, &learned, rows, n, pick_learned);
}

/* The adapter from the kernel layer's struct nft_counters: the only code that knows its shape.
 * Accepted traffic is what passed the host-side copy (wire mode), so nothing is counted twice;
 * blocked traffic is what either copy refused (as `status` counts). */
int metrics_counters(const struct journal *j, struct metrics_ctr *ret, struct nf_error *err)
{
	struct nft_counters host = { 0 }, inner = { 0 };
	int nsfd, r;

	memset(ret, 0, sizeof(*ret));
	if (j->wire) {
		r = nft_host_counters(j->hex, &host, err);
		if (r < 0)
			return r;
	}
	nsfd = journal_open_ns(j);
	if (nsfd >= 0) {
		r = nft_ns_counters(nsfd, &inner, err);
		close(nsfd);
		if (r < 0)
			return r;
	}
	const struct nft_counters *own =
		j->wire ? &host : &inner; /* the quota's, the rate's copy */

	ret->by_direction = true;
	for (int d = 0; d < METRICS_DIRS; d++) {
		int k = d == METRICS_EGRESS    ? NF_DIR_EGRESS
			: d == METRICS_INGRESS ? NF_DIR_INGRESS
					       : NF_DIR_HOST;

		ret->acc_pkts[d] = own->acc_pkts[k];
		ret->acc_bytes[d] = own->acc_bytes[k];
		ret->blk_pkts[d] = host.blk_pkts[k] + inner.blk_pkts[k];
		ret->blk_bytes[d] = host.blk_bytes[k] + inner.blk_bytes[k];
	}
	/* every fence: 0 without a rate (the kernel keeps no flag for "no rate") */
	ret->has_rate = true;
	ret->rate_refused = host.rate_refused + inner.rate_refused;
	ret->has_quota = own->quota_allowed > 0;
	ret->quota_used = own->quota_used;
	ret->quota_allowed = own->quota_allowed;
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int cmp_dns(const void *a, const void *b)
{
	return strcmp((*(const struct metrics_dns *const *)a)->id,
		      (*(const struct metrics_dns *const *)b)->id);
}

static const struct metrics_dns *dns_find(const struct metrics_dns **v, size_t n, const char *id)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = strcmp(id, v[mid]->id);

		if (c == 0)
			return v[mid];
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

int metrics_write(FILE *out, const char *state_dir, const struct metrics_dns *dns, size_t n_dns,
		  size_t *ret_failed, struct nf_error *err)
{
	_cleanup_free_ const struct metrics_dns **byid = NULL;
	struct metrics_row *rows = NULL;
	struct metrics_ctr *ctrs = NULL;
	char **ids = NULL;
	size_t n = 0, k = 0, failed = 0;
	int r;

	r = journal_list(state_dir, &ids, &n, err);
	if (r < 0)
		return r;
	qsort(ids, n, sizeof(*ids), cmp_str);
	byid = calloc(n_dns + 1, sizeof(*byid));
	rows = calloc(n + 1, sizeof(*rows));
	ctrs = calloc(n + 1, sizeof(*ctrs));
	if (!byid || !rows || !ctrs) {
		r = nf_sys_err(err, ENOMEM, "metrics");
		goto out;
	}
	for (size_t i = 0; i < n_dns; i++)
		byid[i] = &dns[i];
	qsort(byid, n_dns, sizeof(*byid), cmp_dns);
	for (size_t i = 0; i < n; i++) {
		struct journal *j = NULL;
		struct nf_error e2 = { 0 };

		if (journal_read(state_dir, ids[i], &j, &e2) < 0)
			continue;
		/* a member is counted with the fence it joined */
		if (j->complete && !j->member_of) {
			rows[k].id = ids[i];
			rows[k].dns = dns_find(byid, n_dns, ids[i]);
			if (metrics_counters(j, &ctrs[k], &e2) >= 0)
				rows[k].ctr = &ctrs[k];
			else
				failed++;
			k++;
		}
		journal_free(j);
	}
	metrics_format(out, rows, k);
	if (ret_failed)
		*ret_failed = failed;
	r = 0;
out:
	free(rows);
	free(ctrs);
	nf_strv_free(ids, n);
	return r;
}

void metrics_dns_free(struct metrics_dns *v, size_t n)
{
	for (size_t i = 0; v && i < n; i++)
		free(v[i].id);
	free(v);
}

int metrics_dns_parse(const char *line, struct metrics_dns *ret)
{
	_cleanup_(yajl_tree_freep) yajl_val v = NULL;
	struct nf_error err = { 0 };
	yajl_val id;

	if (json_parse_strict(line, strlen(line), "stats", &v, &err) < 0 || !YAJL_IS_OBJECT(v))
		return -EINVAL;
	id = json_get(v, "container");
	memset(ret, 0, sizeof(*ret));
	if (!YAJL_IS_STRING(id) || !json_u64(json_get(v, "dns_allowed"), &ret->allowed) ||
	    !json_u64(json_get(v, "dns_refused"), &ret->refused) ||
	    !json_u64(json_get(v, "learned"), &ret->learned))
		return -EINVAL;
	/* "names" came after the first reply format: absent reads as 0 */
	if (json_get(v, "names") && !json_u64(json_get(v, "names"), &ret->names))
		return -EINVAL;
	ret->id = strdup(id->u.string);
	return ret->id ? 0 : -ENOMEM;
}

struct dns_acc {
	struct metrics_dns *v;
	size_t n, cap;
	struct nf_error *err;
};

static int dns_line(const char *line, size_t len, void *arg)
{
	struct dns_acc *a = arg;
	int r;

	(void)len;
	if (a->n == a->cap) {
		size_t ncap = a->cap ? a->cap * 2 : 64;
		struct metrics_dns *nv =
			ncap <= DNS_FETCH_MAX ? realloc(a->v, ncap * sizeof(*nv)) : NULL;

		if (!nv)
			return nf_sys_err(a->err, ENOMEM, "resolver: stats");
		a->v = nv;
		a->cap = ncap;
	}
	r = metrics_dns_parse(line, &a->v[a->n]);
	if (r < 0)
		return nf_sys_err(a->err, -r, "resolver: stats line \"%.80s\"", line);
	a->n++;
	return 0;
}

int metrics_dns_fetch(const char *state_dir, struct metrics_dns **ret, size_t *n,
		      struct nf_error *err)
{
	struct dns_acc a = { .err = err };
	int r = resolver_query(state_dir, "stats\n", DNS_FETCH_MS, dns_line, &a, err);

	*ret = NULL;
	*n = 0;
	if (r < 0) {
		metrics_dns_free(a.v, a.n);
		/* no resolver running is not an error */
		return r == -ENOENT || r == -ECONNREFUSED ? 0 : r;
	}
	*ret = a.v;
	*n = a.n;
	return 0;
}
