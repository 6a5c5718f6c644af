/* netfence: a container's network event, as JSON and text (event.h). */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "event.h"
#include "json.h"

static const char *const type_names[] = { "blocked", "dns", "limit", "suppressed" };
static const char *const dir_names[] = { "egress", "ingress", "host" };
static const char *const verdict_names[] = { "", "allowed", "refused" };
static const char *const limit_names[] = { "", "rate", "quota" };

void nf_event_init(struct nf_event *e, enum nf_event_type t, uint64_t ms)
{
	memset(e, 0, sizeof(*e));
	e->type = t;
	e->ms = ms;
	e->dir = NF_EV_DIR_NONE;
	e->proto = -1;
	e->port = -1;
}

uint64_t nf_event_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

void nf_event_time(uint64_t ms, bool millis, char *buf, size_t n)
{
	time_t s = (time_t)(ms / 1000);
	struct tm tm;
	size_t k;

	gmtime_r(&s, &tm);
	k = strftime(buf, n, "%Y-%m-%dT%H:%M:%S", &tm);
	if (millis)
		snprintf(buf + k, n - k, ".%03uZ", (unsigned)(ms % 1000));
	else
		snprintf(buf + k, n - k, "Z");
}

const char *nf_event_proto_name(int p)
{
	switch (p) {
	case 1:
		return "icmp";
	case 6:
		return "tcp";
	case 17:
		return "udp";
	case 58:
		return "icmpv6";
	}
	return NULL;
}

const char *nf_event_dir_name(const struct nf_event *e)
{
	return e->dir == NF_EV_DIR_NONE ? NULL : dir_names[e->dir];
}

/* An output buffer that remembers running out. */
struct out {
	char *p;
	size_t n, k;
	bool full;
};

__attribute__((format(printf, 2, 3))) static void put(struct out *o, const char *fmt, ...)
{
	va_list ap;
	int m;

	if (o->full)
		return;
	va_start(ap, fmt);
	m = vsnprintf(o->p + o->k, o->n - o->k, fmt, ap);
	va_end(ap);
	if (m < 0 || (size_t)m >= o->n - o->k) {
		o->full = true;
		return;
	}
	o->k += (size_t)m;
}

/* A JSON string member: names come from DNS and may hold any byte ldns escapes. */
static void put_str(struct out *o, const char *key, const char *s)
{
	put(o, ", \"%s\": \"", key);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			put(o, "\\%c", c);
		else if (c < 0x20 || c >= 0x7f)
			put(o, "\\u%04x", c);
		else
			put(o, "%c", c);
	}
	put(o, "\"");
}

static void put_addr(struct out *o, const char *key, const struct nf_addr *a)
{
	char s[64];

	if (a->family)
		put_str(o, key, nf_addr_str(a, s, sizeof(s)));
}

int nf_event_json(const struct nf_event *e, char *buf, size_t n)
{
	struct out o = { buf, n, 0, n == 0 };
	char t[40];

	nf_event_time(e->ms, true, t, sizeof(t));
	put(&o, "{\"time\": \"%s\"", t);
	put_str(&o, "container", e->container);
	put(&o, ", \"type\": \"%s\"", type_names[e->type]);
	if (e->dir != NF_EV_DIR_NONE)
		put(&o, ", \"direction\": \"%s\"", dir_names[e->dir]);
	if (e->proto >= 0 && nf_event_proto_name(e->proto))
		put(&o, ", \"protocol\": \"%s\"", nf_event_proto_name(e->proto));
	else if (e->proto >= 0)
		put(&o, ", \"protocol\": %d", e->proto);
	put_addr(&o, "source", &e->src);
	put_addr(&o, "destination", &e->dst);
	if (e->port >= 0)
		put(&o, ", \"port\": %d", e->port);
	if (e->name[0])
		put_str(&o, "name", e->name);
	if (e->query[0])
		put_str(&o, "query", e->query);
	if (e->qtype[0])
		put_str(&o, "qtype", e->qtype);
	if (e->verdict != NF_EV_VERDICT_NONE)
		put(&o, ", \"verdict\": \"%s\"", verdict_names[e->verdict]);
	if (e->type == NF_EV_DNS && e->verdict == NF_EV_ALLOWED) {
		char s[64];

		put(&o, ", \"addresses\": [");
		for (size_t i = 0; i < e->n_addrs; i++)
			put(&o, "%s\"%s\"", i ? ", " : "", nf_addr_str(&e->addrs[i], s, sizeof(s)));
		put(&o, "]");
	}
	if (e->limit != NF_EV_LIMIT_NONE)
		put(&o, ", \"limit\": \"%s\"", limit_names[e->limit]);
	if (e->type == NF_EV_SUPPRESSED)
		put(&o, ", \"count\": %llu", (unsigned long long)e->count);
	put(&o, "}");
	return o.full ? -ENOSPC : (int)o.k;
}

static void put_flow(struct out *o, const struct nf_event *e)
{
	char s[64];

	if (e->dir != NF_EV_DIR_NONE)
		put(o, " %s", dir_names[e->dir]);
	if (e->proto >= 0 && nf_event_proto_name(e->proto))
		put(o, " %s", nf_event_proto_name(e->proto));
	else if (e->proto >= 0)
		put(o, " proto %d", e->proto);
	if (e->src.family)
		put(o, " %s ->", nf_addr_str(&e->src, s, sizeof(s)));
	if (e->dst.family) {
		nf_addr_str(&e->dst, s, sizeof(s));
		if (e->port < 0)
			put(o, " %s", s);
		else if (e->dst.family == AF_INET6)
			put(o, " [%s]:%d", s, e->port);
		else
			put(o, " %s:%d", s, e->port);
	}
	if (e->name[0])
		put(o, " (%s)", e->name);
}

int nf_event_text(const struct nf_event *e, char *buf, size_t n)
{
	struct out o = { buf, n, 0, n == 0 };
	char s[64];

	put(&o, "%s %s", e->container, type_names[e->type]);
	switch (e->type) {
	case NF_EV_BLOCKED:
		put_flow(&o, e);
		break;
	case NF_EV_LIMIT:
		put(&o, " %s", limit_names[e->limit][0] ? limit_names[e->limit] : "?");
		put_flow(&o, e);
		break;
	case NF_EV_DNS:
		put(&o, " %s %s %s", e->query, e->qtype[0] ? e->qtype : "?",
		    verdict_names[e->verdict][0] ? verdict_names[e->verdict] : "?");
		for (size_t i = 0; i < e->n_addrs; i++)
			put(&o, " %s", nf_addr_str(&e->addrs[i], s, sizeof(s)));
		break;
	case NF_EV_SUPPRESSED:
		put(&o, " %llu blocked packets not logged (the per-container log limit)",
		    (unsigned long long)e->count);
		break;
	}
	return o.full ? -ENOSPC : (int)o.k;
}

static int name_index(const char *const *names, size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++)
		if (names[i][0] && strcmp(names[i], s) == 0)
			return (int)i;
	return -1;
}

static const char *str(yajl_val o, const char *key)
{
	yajl_val v = json_get(o, key);

	return YAJL_IS_STRING(v) ? YAJL_GET_STRING(v) : NULL;
}

static void copy(char *dst, size_t n, const char *s)
{
	if (s)
		snprintf(dst, n, "%s", s);
}

/* "2026-12-03T15:04:05.123Z" -> ms since the epoch. */
static int parse_time(const char *s, uint64_t *ret)
{
	struct tm tm = { 0 };
	unsigned ms = 0;
	const char *p = s ? strptime(s, "%Y-%m-%dT%H:%M:%S", &tm) : NULL;
	time_t t;

	if (!p)
		return -EINVAL;
	if (*p == '.' && sscanf(p, ".%3u", &ms) != 1)
		return -EINVAL;
	t = timegm(&tm);
	if (t < 0)
		return -EINVAL;
	*ret = (uint64_t)t * 1000 + ms;
	return 0;
}

int nf_event_parse(const char *line, size_t len, struct nf_event *ret, struct nf_error *err)
{
	_cleanup_(yajl_tree_freep) yajl_val o = NULL;
	yajl_val v;
	const char *s;
	uint64_t u;
	int k, r;

	r = json_parse_strict(line, len, "event", &o, err);
	if (r < 0)
		return r;
	nf_event_init(ret, NF_EV_BLOCKED, 0);
	if (!YAJL_IS_OBJECT(o) || parse_time(str(o, "time"), &ret->ms) < 0 ||
	    (k = name_index(type_names, 4, str(o, "type") ? str(o, "type") : "")) < 0)
		return nf_input_err(err, "event: no time or type");
	ret->type = (enum nf_event_type)k;
	copy(ret->container, sizeof(ret->container), str(o, "container"));
	if ((s = str(o, "direction")) && (k = name_index(dir_names, 3, s)) >= 0)
		ret->dir = (enum nf_event_dir)k;
	v = json_get(o, "protocol");
	if ((s = str(o, "protocol"))) {
		for (int p = 0; p < 256; p++)
			if (nf_event_proto_name(p) && strcmp(nf_event_proto_name(p), s) == 0)
				ret->proto = p;
	} else if (json_u64(v, &u) && u < 256) {
		ret->proto = (int)u;
	}
	if ((s = str(o, "source")))
		nf_addr_parse(s, &ret->src);
	if ((s = str(o, "destination")))
		nf_addr_parse(s, &ret->dst);
	if (json_u64(json_get(o, "port"), &u) && u < 65536)
		ret->port = (int)u;
	copy(ret->name, sizeof(ret->name), str(o, "name"));
	copy(ret->query, sizeof(ret->query), str(o, "query"));
	copy(ret->qtype, sizeof(ret->qtype), str(o, "qtype"));
	if ((s = str(o, "verdict")) && (k = name_index(verdict_names, 3, s)) >= 0)
		ret->verdict = (enum nf_event_verdict)k;
	if ((s = str(o, "limit")) && (k = name_index(limit_names, 3, s)) >= 0)
		ret->limit = (enum nf_event_limit)k;
	if (json_u64(json_get(o, "count"), &u))
		ret->count = u;
	v = json_get(o, "addresses");
	for (size_t i = 0; YAJL_IS_ARRAY(v) && i < v->u.array.len; i++) {
		yajl_val a = v->u.array.values[i];

		if (ret->n_addrs < NF_EVENT_MAX_ADDRS && YAJL_IS_STRING(a) &&
		    nf_addr_parse(YAJL_GET_STRING(a), &ret->addrs[ret->n_addrs]) >= 0)
			ret->n_addrs++;
	}
	return 0;
}
