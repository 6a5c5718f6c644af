/* netfence: the egress/ingress rule grammar of SPEC section 3 (see rules.h).
 * rule = target [":" ports] ["/" proto]; every refusal names the key and the token, quoted with
 * anything unprintable escaped, since the author of an annotation may not be trusted. */
#include "rules.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dnsname.h"
#include "util.h"

#define RULE_TOKEN_MAX 512

/* indexed by enum nf_proto */
static const char *const proto_names[] = { "any", "tcp", "udp", "icmp" };

static int rule_err(struct nf_error *err, const char *key, const char *token, const char *why)
{
	char q[160];

	return nf_input_err(err, "%s: invalid rule \"%s\": %s", key, nf_quote(token, q, sizeof(q)),
			    why);
}

/* Decimal number of 1..maxdigits digits, no sign, value <= max. */
static int parse_uint(const char *s, size_t n, unsigned maxdigits, unsigned max, unsigned *ret)
{
	unsigned v = 0;

	if (n == 0 || n > maxdigits)
		return -EINVAL;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -EINVAL;
		v = v * 10 + (unsigned)(s[i] - '0');
	}
	if (v > max)
		return -EINVAL;
	*ret = v;
	return 0;
}

/* Prefix length: digits only, no sign, no leading zero. */
static int parse_len(const char *s, size_t n, unsigned max, unsigned *ret)
{
	if (n > 1 && s[0] == '0')
		return -EINVAL;
	return parse_uint(s, n, 3, max, ret);
}

/* "addr" or "addr/len" (inside the brackets) */
static const char *target_v6(const char *s, size_t n, struct nf_rule *r)
{
	char buf[INET6_ADDRSTRLEN + 8];
	const char *slash;
	size_t an;
	unsigned len = 128;

	if (memchr(s, '%', n))
		return "IPv6 zone ids are not allowed";
	if (n == 0 || n >= sizeof(buf))
		return "invalid IPv6 address";
	slash = memchr(s, '/', n);
	an = slash ? (size_t)(slash - s) : n;
	memcpy(buf, s, an);
	buf[an] = '\0';
	memset(&r->prefix, 0, sizeof(r->prefix));
	if (inet_pton(AF_INET6, buf, r->prefix.addr.a) != 1)
		return "invalid IPv6 address";
	if (slash && parse_len(slash + 1, n - an - 1, 128, &len) < 0)
		return "invalid IPv6 prefix length (0-128)";
	r->family = r->prefix.addr.family = AF_INET6;
	r->prefix.len = (uint8_t)len;
	if (nf_addr_v4_mapped(&r->prefix.addr))
		return "IPv4-mapped IPv6 addresses are not allowed (write the IPv4 address)";
	if (nf_addr_host_bits(&r->prefix.addr, r->prefix.len))
		return "host bits set";
	return NULL;
}

static const char *target_v4(const char *s, size_t n, const char *len_s, size_t len_n,
			     struct nf_rule *r)
{
	char buf[INET_ADDRSTRLEN];
	unsigned len = 32;

	if (n >= sizeof(buf))
		return "invalid IPv4 address";
	memcpy(buf, s, n);
	buf[n] = '\0';
	memset(&r->prefix, 0, sizeof(r->prefix));
	if (inet_pton(AF_INET, buf, r->prefix.addr.a) != 1)
		return "invalid IPv4 address";
	if (len_s && parse_len(len_s, len_n, 32, &len) < 0)
		return "invalid IPv4 prefix length (0-32)";
	r->family = r->prefix.addr.family = AF_INET;
	r->prefix.len = (uint8_t)len;
	if (nf_addr_host_bits(&r->prefix.addr, r->prefix.len))
		return "host bits set";
	return NULL;
}

/* host receives the lowercased name of a hostname target (r->host is left NULL). */
static const char *rule_parse_one(const char *t, struct nf_rule *r, char host[254])
{
	const char *p, *target, *len_s = NULL;
	size_t target_n, len_n = 0;
	bool bracket = false;
	const char *why;

	if (*t == '[') {
		const char *close = strchr(t, ']');

		if (!close)
			return "missing \"]\" after the IPv6 address";
		target = t + 1;
		target_n = (size_t)(close - target);
		p = close + 1;
		bracket = true;
	} else {
		size_t colons = 0;

		for (const char *c = t; *c; c++)
			colons += *c == ':';
		if (colons > 1)
			return "IPv6 addresses must be written in brackets: \"[2001:db8::1]:443\"";
		target = t;
		target_n = strcspn(t, ":/");
		p = t + target_n;
		if (p[0] == '/' && isdigit((unsigned char)p[1])) {
			len_s = p + 1;
			len_n = strspn(len_s, "0123456789");
			p = len_s + len_n;
		}
	}
	if (target_n == 0)
		return "empty target";

	if (bracket) {
		why = target_v6(target, target_n, r);
	} else if (strspn(target, "0123456789.") == target_n) {
		why = target_v4(target, target_n, len_s, len_n, r);
	} else if (len_s) {
		return "a hostname takes no prefix length";
	} else {
		if (target_n >= 2 && target[0] == '*' && target[1] == '.') {
			r->wildcard = true;
			target += 2;
			target_n -= 2;
		}
		why = dnsname_check(target, target_n, host);
	}
	if (why)
		return why;

	if (*p == ':') {
		const char *ports = p + 1, *dash;
		size_t pn = strcspn(ports, "/");
		unsigned lo, hi;

		dash = memchr(ports, '-', pn);
		if (pn == 0)
			return "empty port";
		if (dash) {
			if (parse_uint(ports, (size_t)(dash - ports), 5, 65535, &lo) < 0 ||
			    parse_uint(dash + 1, pn - (size_t)(dash - ports) - 1, 5, 65535, &hi) <
				    0)
				return "invalid port range (ports are 1-65535)";
		} else {
			if (parse_uint(ports, pn, 5, 65535, &lo) < 0)
				return "invalid port (ports are 1-65535)";
			hi = lo;
		}
		if (lo == 0 || hi == 0)
			return "port 0 is not allowed (ports are 1-65535)";
		if (lo > hi)
			return "port range is reversed (low-high)";
		r->has_ports = true;
		r->port_lo = (uint16_t)lo;
		r->port_hi = (uint16_t)hi;
		p = ports + pn;
	}

	r->proto = r->has_ports ? NF_PROTO_TCP : NF_PROTO_ANY;
	if (*p == '/') {
		const char *proto = p + 1;
		unsigned k = 0;

		while (k < ARRAY_SIZE(proto_names) && strcasecmp(proto, proto_names[k]) != 0)
			k++;
		if (k < ARRAY_SIZE(proto_names))
			r->proto = (enum nf_proto)k;
		else if (*proto == '\0')
			return "empty protocol";
		else if (isdigit((unsigned char)*proto))
			return bracket ? "the prefix length goes inside the brackets"
				       : "unexpected prefix length";
		else
			return "unknown protocol (tcp, udp, icmp or any)";
		if (r->proto == NF_PROTO_ICMP && r->has_ports)
			return "icmp takes no ports";
		p += strlen(p);
	}
	if (*p != '\0')
		return "unexpected characters after the target";
	return NULL;
}

int rule_parse(const char *key, const char *token, struct nf_rule *ret, struct nf_error *err)
{
	struct nf_rule r = { 0 };
	char host[254] = "";
	const char *why;

	if (strlen(token) > RULE_TOKEN_MAX)
		return rule_err(err, key, token, "longer than 512 characters");
	why = rule_parse_one(token, &r, host);
	if (why)
		return rule_err(err, key, token, why);
	if (r.family == 0) {
		r.host = strdup(host);
		if (!r.host)
			return nf_sys_err(err, ENOMEM, "%s", key);
	}
	*ret = r;
	return 0;
}

void rule_clear(struct nf_rule *r)
{
	if (!r)
		return;
	free(r->host);
	r->host = NULL;
}

void rules_free(struct nf_rule *v, size_t n)
{
	for (size_t i = 0; v && i < n; i++)
		rule_clear(&v[i]);
	free(v);
}

int rules_push(struct nf_rule **v, size_t *n, size_t *cap, const struct nf_rule *r)
{
	if (*n == *cap) {
		size_t c = *cap ? *cap * 2 : 16;
		struct nf_rule *g = reallocarray(*v, c, sizeof(**v));

		if (!g)
			return -ENOMEM;
		*v = g;
		*cap = c;
	}
	(*v)[(*n)++] = *r;
	return 0;
}

int rules_parse_list(const char *key, const char *value, size_t max_rules, struct nf_rule **rules,
		     size_t *n, struct nf_error *err)
{
	struct nf_rule *out = NULL, *grown;
	size_t vlen = strlen(value), count = 0, cap = 0, idx = 0;
	const char *p = value;
	int rc;

	if (vlen > NF_ANNOTATION_MAX)
		return nf_input_err(err, "%s: value larger than the limit of %d bytes", key,
				    NF_ANNOTATION_MAX);
	while (isspace((unsigned char)*p))
		p++;
	if (*p == '\0')
		return 0;
	for (p = value;; idx++) {
		const char *end = strchr(p, ',');
		size_t tn = end ? (size_t)(end - p) : strlen(p);
		char tok[RULE_TOKEN_MAX + 2];

		while (tn > 0 && isspace((unsigned char)*p)) {
			p++;
			tn--;
		}
		while (tn > 0 && isspace((unsigned char)p[tn - 1]))
			tn--;
		if (tn == 0) {
			rc = nf_input_err(err, "%s: empty rule (rule %zu: stray comma)", key,
					  idx + 1);
			goto fail;
		}
		if (count >= max_rules) {
			rc = nf_input_err(err, "%s: more than the limit of %zu rules", key,
					  max_rules);
			goto fail;
		}
		if (tn > RULE_TOKEN_MAX)
			tn = RULE_TOKEN_MAX + 1; /* rule_parse refuses it, naming the start */
		memcpy(tok, p, tn);
		tok[tn] = '\0';
		if (count == cap) {
			cap = cap ? cap * 2 : 8;
			grown = realloc(out, cap * sizeof(*out));
			if (!grown) {
				rc = nf_sys_err(err, ENOMEM, "%s", key);
				goto fail;
			}
			out = grown;
		}
		rc = rule_parse(key, tok, &out[count], err);
		if (rc < 0)
			goto fail;
		count++;
		if (!end)
			break;
		p = end + 1;
	}
	grown = realloc(*rules, (*n + count) * sizeof(**rules));
	if (!grown) {
		rc = nf_sys_err(err, ENOMEM, "%s", key);
		goto fail;
	}
	/* the hosts move with the structs: out keeps no owner */
	memcpy(grown + *n, out, count * sizeof(*out));
	free(out);
	*rules = grown;
	*n += count;
	return (int)count;
fail:
	rules_free(out, count);
	return rc;
}

const char *rule_str(const struct nf_rule *r, char *buf, unsigned size)
{
	char t[300], ports[16] = "", proto[8] = "";
	enum nf_proto def = r->has_ports ? NF_PROTO_TCP : NF_PROTO_ANY;

	if (r->family == AF_INET6) {
		char a[INET6_ADDRSTRLEN];

		nf_addr_str(&r->prefix.addr, a, sizeof(a));
		if (r->prefix.len == 128)
			snprintf(t, sizeof(t), "[%s]", a);
		else
			snprintf(t, sizeof(t), "[%s/%u]", a, (unsigned)r->prefix.len);
	} else if (r->family == AF_INET) {
		if (r->prefix.len == 32)
			nf_addr_str(&r->prefix.addr, t, sizeof(t));
		else
			nf_prefix_str(&r->prefix, t, sizeof(t));
	} else {
		snprintf(t, sizeof(t), "%s%s", r->wildcard ? "*." : "", r->host);
	}
	if (r->has_ports && r->port_lo == r->port_hi)
		snprintf(ports, sizeof(ports), ":%u", (unsigned)r->port_lo);
	else if (r->has_ports)
		snprintf(ports, sizeof(ports), ":%u-%u", (unsigned)r->port_lo,
			 (unsigned)r->port_hi);
	if (r->proto != def && (unsigned)r->proto < ARRAY_SIZE(proto_names))
		snprintf(proto, sizeof(proto), "/%s", proto_names[r->proto]);
	snprintf(buf, size, "%s%s%s", t, ports, proto);
	return buf;
}
