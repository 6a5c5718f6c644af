/* netfence: a container's io.netfence.* annotations + the host configuration -> nf_policy
 * (see policy.h). Every key and value is checked here before anything is created; annotation
 * rules add to the chosen policy's, the other keys replace its values, within `allow`. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* asprintf */
#endif
#include "dnsname.h"
#include "policy.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "label.h"
#include "rules.h"
#include "util.h"

#define POLICY_PREFIX "io.netfence."
#define POLICY_RESOLVERS_MAX 16

enum {
	K_POLICY,
	K_EGRESS,
	K_INGRESS,
	K_DNS,
	K_IPV6,
	K_SECCOMP,
	K_SELINUX,
	K_DNS_NAMES,
	K_BANDWIDTH,
	K_RATE,
	K_QUOTA,
	K_COUNT
};
static const char *const key_names[K_COUNT] = {
	"io.netfence.policy",  "io.netfence.egress",	"io.netfence.ingress",
	"io.netfence.dns",     "io.netfence.ipv6",	"io.netfence.seccomp",
	"io.netfence.selinux", "io.netfence.dns-names", "io.netfence.bandwidth",
	"io.netfence.rate",    "io.netfence.quota",
};

/* Limits of our own: a rate the kernel's limit takes (burst = rate, u32) and a quota below
 * 2^63 bytes. */
#define RATE_MAX 1000000u
#define QUOTA_MAX (1ull << 60)

/* A number with a unit: S (N chars) is a whole number of at most MAX (< UINT64_MAX / 10) and one
 * of the N_UNITS units right after it, nothing else (names compared without case when ICASE).
 * The unit, its number in *ret; NULL when S is not of that form. */
struct unit {
	const char *name;
	uint64_t mult;
};
static const struct unit *number_unit(const char *s, size_t n, const struct unit *units,
				      size_t n_units, bool icase, uint64_t max, uint64_t *ret)
{
	uint64_t v = 0;
	size_t d = 0;

	for (; d < n && s[d] >= '0' && s[d] <= '9'; d++)
		if ((v = v * 10 + (uint64_t)(s[d] - '0')) > max)
			return NULL;
	for (size_t i = 0; d > 0 && i < n_units; i++)
		if (n - d == strlen(units[i].name) &&
		    (icase ? strncasecmp : strncmp)(s + d, units[i].name, n - d) == 0) {
			*ret = v;
			return &units[i];
		}
	return NULL;
}

int policy_parse_rate(const char *v, uint64_t *ret_rate, uint64_t *ret_unit, struct nf_error *err)
{
	static const struct unit units[] = { { "/s", 1 }, { "/m", 60 } };
	const struct unit *u;
	uint64_t n;
	char q[80];

	u = number_unit(v, strlen(v), units, ARRAY_SIZE(units), false, RATE_MAX, &n);
	if (u && n > 0) {
		*ret_rate = n;
		*ret_unit = u->mult;
		return 0;
	}
	return nf_input_err(err,
			    "%s: \"%s\" is not a rate of new connections (1 to %u per second "
			    "or minute: \"100/s\", \"600/m\")",
			    key_names[K_RATE], nf_quote(v, q, sizeof(q)), RATE_MAX);
}

int policy_parse_quota(const char *v, uint64_t *ret, struct nf_error *err)
{
	static const struct unit units[] = { { "B", 1 },
					     { "KB", 1000ull },
					     { "MB", 1000000ull },
					     { "GB", 1000000000ull },
					     { "TB", 1000000000000ull },
					     { "KiB", 1ull << 10 },
					     { "MiB", 1ull << 20 },
					     { "GiB", 1ull << 30 },
					     { "TiB", 1ull << 40 } };
	const struct unit *u;
	uint64_t n;
	char q[80];

	u = number_unit(v, strlen(v), units, ARRAY_SIZE(units), false, QUOTA_MAX, &n);
	if (u && n > 0 && n <= QUOTA_MAX / u->mult) {
		*ret = n * u->mult;
		return 0;
	}
	return nf_input_err(err,
			    "%s: \"%s\" is not a byte count (a whole number of B, KB, MB, GB, TB, "
			    "KiB, MiB, GiB or TiB, at most 1 EiB: \"500MB\", \"2GiB\")",
			    key_names[K_QUOTA], nf_quote(v, q, sizeof(q)));
}

void policy_free(struct nf_policy *p)
{
	if (!p)
		return;
	free(p->name);
	rules_free(p->egress, p->n_egress);
	rules_free(p->ingress, p->n_ingress);
	free(p->dns);
	free(p->selinux_context);
	nf_strv_free(p->hostnames, p->n_hostnames);
	nf_strv_free(p->dns_names, p->n_dns_names);
	free(p);
}

bool policy_annotated(const struct spec_kv *annotations, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strncmp(annotations[i].key, POLICY_PREFIX, strlen(POLICY_PREFIX)) == 0)
			return true;
	return false;
}

bool policy_is_sandbox(const struct spec_kv *annotations, size_t n)
{
	const char *a = spec_annotation(annotations, n, "io.kubernetes.cri.container-type");
	const char *b = spec_annotation(annotations, n, "io.kubernetes.cri-o.ContainerType");

	return (a && strcmp(a, "sandbox") == 0) || (b && strcmp(b, "sandbox") == 0);
}

static bool policy_allowed(const struct hostconf *hc, const char *name)
{
	if (hc->allow_all_policies)
		return true;
	for (size_t i = 0; i < hc->n_allow_policies; i++)
		if (strcmp(hc->allow_policies[i], name) == 0)
			return true;
	return false;
}

/* IPv6 rules need ipv6 on; rules need a base other than none. */
static int check_rules(const struct nf_policy *p, const struct nf_rule *r, size_t n,
		       const char *key, struct nf_error *err)
{
	for (size_t i = 0; i < n; i++) {
		char t[300];

		if (p->base == NF_BASE_NONE)
			return nf_input_err(err, "%s: rule \"%s\" not allowed with policy \"none\"",
					    key, rule_str(&r[i], t, sizeof(t)));
		if (r[i].family == AF_INET6 && !p->ipv6)
			return nf_input_err(err, "%s: IPv6 rule \"%s\" needs io.netfence.ipv6=on",
					    key, rule_str(&r[i], t, sizeof(t)));
	}
	return 0;
}

static int src_rules(struct nf_policy *p, char **strs, size_t n, bool egress, const char *what,
		     struct nf_error *err)
{
	char key[300];
	size_t before = egress ? p->n_egress : p->n_ingress, cap = before;

	snprintf(key, sizeof(key), "%s: %s", what, egress ? "egress" : "ingress");
	for (size_t i = 0; i < n; i++) {
		struct nf_rule r;
		int rc = rule_parse(key, strs[i], &r, err);

		if (rc < 0)
			return rc;
		if (rules_push(egress ? &p->egress : &p->ingress,
			       egress ? &p->n_egress : &p->n_ingress, &cap, &r) < 0) {
			rule_clear(&r);
			return nf_sys_err(err, ENOMEM, "%s", key);
		}
	}
	return check_rules(p, (egress ? p->egress : p->ingress) + before,
			   (egress ? p->n_egress : p->n_ingress) - before, key, err);
}

static int add_resolver(struct nf_policy *p, const struct nf_addr *a, const char *key,
			const char *token, struct nf_error *err)
{
	char q[100];

	if (a->family == AF_INET6 && !p->ipv6)
		return nf_input_err(err, "%s: IPv6 resolver \"%s\" needs io.netfence.ipv6=on", key,
				    nf_quote(token, q, sizeof(q)));
	if (p->n_dns >= POLICY_RESOLVERS_MAX)
		return nf_input_err(err, "%s: more than %d resolvers", key, POLICY_RESOLVERS_MAX);
	p->dns[p->n_dns++] = *a;
	return 0;
}

/* A comma-separated token s[0..n) without the blanks around it. */
static void trim(const char **s, size_t *n)
{
	while (*n > 0 && isspace((unsigned char)**s)) {
		(*s)++;
		(*n)--;
	}
	while (*n > 0 && isspace((unsigned char)(*s)[*n - 1]))
		(*n)--;
}

static int annotation_dns(struct nf_policy *p, const char *value, struct nf_error *err)
{
	const char *key = key_names[K_DNS], *s = value;
	char q[100];

	if (strcmp(value, "none") == 0)
		return 0;
	for (;;) {
		const char *end = strchr(s, ',');
		size_t n = end ? (size_t)(end - s) : strlen(s);
		char tok[64];
		struct nf_addr a;
		int r;

		trim(&s, &n);
		if (n == 0)
			return nf_input_err(err, "%s: empty resolver (stray comma or empty value)",
					    key);
		if (n >= sizeof(tok))
			n = sizeof(tok) - 1;
		memcpy(tok, s, n);
		tok[n] = '\0';
		if (hostconf_resolver_parse(tok, true, &a) < 0)
			return nf_input_err(err,
					    "%s: invalid resolver \"%s\" (an IPv4 address, or an "
					    "IPv6 address in brackets)",
					    key, nf_quote(tok, q, sizeof(q)));
		r = add_resolver(p, &a, key, tok, err);
		if (r < 0)
			return r;
		if (!end)
			return 0;
		s = end + 1;
	}
}

static int strp_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* io.netfence.dns-names: comma-separated "name", "*.suffix" or "*" (whitespace around commas
 * ignored, an empty value names none), each name checked as a hostname rule target is. Kept
 * lower-case without a trailing dot, sorted, duplicates dropped. */
static int annotation_dns_names(struct nf_policy *p, const char *value, struct nf_error *err)
{
	const char *key = key_names[K_DNS_NAMES], *s = value;
	char q[160];

	if (!value[strspn(value, " \t\r\n")])
		return 0;
	for (size_t idx = 1;; idx++) {
		const char *end = strchr(s, ',');
		size_t n = end ? (size_t)(end - s) : strlen(s);
		char tok[260], host[254], **g;
		const char *why = NULL;
		bool wild;

		trim(&s, &n);
		if (n == 0)
			return nf_input_err(err, "%s: empty name (name %zu: stray comma)", key,
					    idx);
		if (p->n_dns_names >= NF_RULES_MAX_ANNOTATION)
			return nf_input_err(err, "%s: more than the limit of %d names", key,
					    NF_RULES_MAX_ANNOTATION);
		snprintf(tok, sizeof(tok), "%.*s", (int)(n < sizeof(tok) ? n : sizeof(tok) - 1), s);
		wild = n >= 2 && s[0] == '*' && s[1] == '.';
		if (n >= sizeof(tok) - 1)
			why = "longer than 255 characters";
		else if (!(n == 1 && s[0] == '*'))
			why = dnsname_check(s + (wild ? 2 : 0), n - (wild ? 2 : 0), host);
		if (why)
			return nf_input_err(err,
					    "%s: invalid name \"%s\": %s (a name, *.suffix or *)",
					    key, nf_quote(tok, q, sizeof(q)), why);
		g = realloc(p->dns_names, (p->n_dns_names + 1) * sizeof(*g));
		if (!g)
			return nf_sys_err(err, ENOMEM, "%s", key);
		p->dns_names = g;
		if (n == 1 && s[0] == '*')
			g[p->n_dns_names] = strdup("*");
		else if (asprintf(&g[p->n_dns_names], "%s%s", wild ? "*." : "", host) < 0)
			g[p->n_dns_names] = NULL;
		if (!g[p->n_dns_names])
			return nf_sys_err(err, ENOMEM, "%s", key);
		p->n_dns_names++;
		if (!end)
			break;
		s = end + 1;
	}
	qsort(p->dns_names, p->n_dns_names, sizeof(*p->dns_names), strp_cmp);
	for (size_t i = 1; i < p->n_dns_names;) {
		if (strcmp(p->dns_names[i], p->dns_names[i - 1]) != 0) {
			i++;
			continue;
		}
		free(p->dns_names[i]);
		memmove(&p->dns_names[i], &p->dns_names[i + 1],
			(p->n_dns_names - i - 1) * sizeof(*p->dns_names));
		p->n_dns_names--;
	}
	return 0;
}

/* One RATE of io.netfence.bandwidth: a number below 10^12 and a unit bit, kbit, mbit or gbit
 * (powers of 1000, as tc counts them, any case), between NF_BANDWIDTH_MIN and NF_BANDWIDTH_MAX
 * bits/s. */
static int bandwidth_rate(const char *s, size_t n, const char *what, uint64_t *ret,
			  struct nf_error *err)
{
	static const struct unit units[] = {
		{ "bit", 1 }, { "kbit", 1000 }, { "mbit", 1000000 }, { "gbit", 1000000000 }
	};
	const char *key = key_names[K_BANDWIDTH];
	const struct unit *u;
	char tok[40], q[100];
	uint64_t v;

	snprintf(tok, sizeof(tok), "%.*s", (int)(n < sizeof(tok) ? n : sizeof(tok) - 1), s);
	u = number_unit(s, n, units, ARRAY_SIZE(units), true, 999999999999ull, &v);
	if (!u)
		return nf_input_err(err,
				    "%s: %s%s\"%s\" is not a rate (a number and bit, kbit, mbit or "
				    "gbit)",
				    key, what, *what ? " " : "", nf_quote(tok, q, sizeof(q)));
	if (v > NF_BANDWIDTH_MAX / u->mult || v * u->mult < NF_BANDWIDTH_MIN)
		return nf_input_err(err, "%s: %s%s\"%s\" is outside 8kbit..10gbit", key, what,
				    *what ? " " : "", nf_quote(tok, q, sizeof(q)));
	*ret = v * u->mult;
	return 0;
}

/* io.netfence.bandwidth: "egress=RATE,ingress=RATE" (either, in any order, once each) or one
 * RATE for both directions; whitespace around commas and "=" ignored. */
static int annotation_bandwidth(struct nf_policy *p, const char *value, struct nf_error *err)
{
	const char *key = key_names[K_BANDWIDTH], *s = value;
	char q[100];

	for (size_t idx = 1;; idx++) {
		const char *end = strchr(s, ',');
		size_t n = end ? (size_t)(end - s) : strlen(s);
		const char *eq;
		uint64_t *dst;
		int r;

		trim(&s, &n);
		if (n == 0)
			return nf_input_err(err, "%s: empty value (item %zu)", key, idx);
		eq = memchr(s, '=', n);
		if (!eq) {
			if (idx != 1 || end)
				return nf_input_err(err,
						    "%s: \"%s\": give one RATE or egress=RATE,"
						    "ingress=RATE",
						    key, nf_quote(value, q, sizeof(q)));
			r = bandwidth_rate(s, n, "", &p->bw_egress, err);
			p->bw_ingress = p->bw_egress;
			return r;
		}
		{
			const char *v = eq + 1, *name = s;
			size_t nn = (size_t)(eq - s), nv = n - nn - 1;

			trim(&name, &nn);
			trim(&v, &nv);
			if (nn == 6 && strncmp(name, "egress", 6) == 0)
				dst = &p->bw_egress;
			else if (nn == 7 && strncmp(name, "ingress", 7) == 0)
				dst = &p->bw_ingress;
			else {
				char d[40];

				snprintf(d, sizeof(d), "%.*s",
					 (int)(nn < sizeof(d) ? nn : sizeof(d) - 1), name);
				return nf_input_err(
					err, "%s: unknown direction \"%s\" (egress or ingress)",
					key, nf_quote(d, q, sizeof(q)));
			}
			if (*dst)
				return nf_input_err(err, "%s: %.*s given twice", key, (int)nn,
						    name);
			r = bandwidth_rate(v, nv, nn == 6 ? "egress" : "ingress", dst, err);
			if (r < 0)
				return r;
		}
		if (!end)
			return 0;
		s = end + 1;
	}
}

/* Are the names what io.netfence.dns-names defaults to: "*" for internet (it may reach any
 * address already), none otherwise? */
static bool dns_names_default(const struct nf_policy *p)
{
	if (p->base == NF_BASE_INTERNET)
		return p->n_dns_names == 1 && strcmp(p->dns_names[0], "*") == 0;
	return p->n_dns_names == 0;
}

bool policy_dns_live(const struct nf_policy *p, const struct hostconf *hc)
{
	return !hc->dns_static && p->n_dns > 0 && p->base != NF_BASE_NONE;
}

static int set_seccomp(struct nf_policy *p, const char *v, const char *key,
		       const struct hostconf *hc, bool check_allow, struct nf_error *err)
{
	char q[100];

	if (strcmp(v, "auto") == 0) {
		p->seccomp = NF_SECCOMP_AUTO;
	} else if (strcmp(v, "off") == 0) {
		if (check_allow && !hc->allow_seccomp_off)
			return nf_input_err(
				err, "%s: \"off\": the host configuration does not allow it", key);
		p->seccomp = NF_SECCOMP_OFF;
	} else if (strcmp(v, "inet") == 0) {
		p->seccomp = NF_SECCOMP_INET;
	} else if (strcmp(v, "unix") == 0) {
		p->seccomp = NF_SECCOMP_UNIX;
	} else {
		return nf_input_err(err, "%s: unknown level \"%s\" (auto, inet, unix or off)", key,
				    nf_quote(v, q, sizeof(q)));
	}
	return 0;
}

static int set_selinux(struct nf_policy *p, const char *v, const char *key, struct nf_error *err)
{
	char q[100], *c = NULL;

	if (strcmp(v, "auto") == 0)
		p->selinux = NF_SELINUX_AUTO;
	else if (strcmp(v, "off") == 0)
		p->selinux = NF_SELINUX_OFF;
	else if (!v[0])
		return nf_input_err(err, "%s: empty value (auto, off or an SELinux context)", key);
	else if (!label_context_ok(v))
		return nf_input_err(err,
				    "%s: \"%s\": not an SELinux context (user:role:type[:level])",
				    key, nf_quote(v, q, sizeof(q)));
	else if (!(c = strdup(v))) /* whether the host can honour it: label_resolve at set-up */
		return nf_sys_err(err, ENOMEM, "%s", key);
	else
		p->selinux = NF_SELINUX_CONTEXT;
	free(p->selinux_context);
	p->selinux_context = c;
	return 0;
}

int policy_resolve(const struct spec_kv *annotations, size_t n, const struct hostconf *hc,
		   struct nf_policy **ret, struct nf_error *err)
{
	_cleanup_(policy_freep) struct nf_policy *p = NULL;
	_cleanup_(policy_src_clearp) struct policy_src own = { .ipv6 = -1 };
	const struct policy_src *src = NULL;
	const char *val[K_COUNT] = { 0 }, *first = NULL, *pv, *name;
	bool from_default = false;
	char what[300], q[160], sub[340];
	int r;

	for (size_t i = 0; i < n; i++) {
		const char *k = annotations[i].key;
		size_t j;

		if (strncmp(k, POLICY_PREFIX, strlen(POLICY_PREFIX)) != 0)
			continue;
		for (j = 0; j < K_COUNT; j++)
			if (strcmp(k, key_names[j]) == 0)
				break;
		if (j == K_COUNT)
			return nf_input_err(err, "unknown annotation \"%s\"",
					    nf_quote(k, q, sizeof(q)));
		if (strlen(annotations[i].value) > NF_ANNOTATION_MAX)
			return nf_input_err(err, "%s: value larger than the limit of %d bytes",
					    key_names[j], NF_ANNOTATION_MAX);
		val[j] = annotations[i].value;
		if (!first)
			first = key_names[j];
	}
	if (!first && !hc->default_policy) {
		*ret = NULL;
		return 0;
	}
	if (first && !val[K_POLICY])
		return nf_input_err(err, "%s set without io.netfence.policy", first);
	pv = first ? val[K_POLICY] : hc->default_policy;
	from_default = !first;

	p = calloc(1, sizeof(*p));
	if (!p)
		return nf_sys_err(err, ENOMEM, "policy");

	if (from_default ? hc->default_src != NULL : pv[strspn(pv, " \t\r\n")] == '{') {
		src = hc->default_src;
		if (!from_default) {
			r = policy_src_parse_json(pv, strlen(pv), key_names[K_POLICY],
						  NF_RULES_MAX_ANNOTATION, &own, err);
			if (r < 0)
				return r;
			src = &own;
			/* an inline policy can say everything rules and dns can */
			if (!hc->allow_rules || !hc->allow_dns)
				return nf_input_err(
					err,
					"%s: inline policies: the host configuration does "
					"not allow them (they need allow.rules and allow.dns)",
					key_names[K_POLICY]);
			if (!policy_allowed(hc, nf_base_name(own.base)))
				return nf_input_err(
					err,
					"%s: base \"%s\": the host configuration does not "
					"allow this policy",
					key_names[K_POLICY], nf_base_name(own.base));
		}
		name = "inline";
		snprintf(what, sizeof(what), "%s",
			 from_default ? "default_policy" : key_names[K_POLICY]);
		p->base = src->base;
	} else {
		p->base = nf_base_from_name(pv);
		if (p->base == NF_BASE_UNSET) {
			src = hostconf_profile(hc, pv);
			if (!src)
				return nf_input_err(err, "%s: unknown policy \"%s\"",
						    from_default ? "default_policy"
								 : key_names[K_POLICY],
						    nf_quote(pv, q, sizeof(q)));
			p->base = src->base;
		}
		name = pv;
		snprintf(what, sizeof(what), "profile \"%s\"", pv);
		if (!from_default && !policy_allowed(hc, pv))
			return nf_input_err(
				err,
				"%s: \"%s\": the host configuration does not allow this "
				"policy",
				key_names[K_POLICY], nf_quote(pv, q, sizeof(q)));
	}
	p->name = strdup(name);
	if (!p->name)
		return nf_sys_err(err, ENOMEM, "policy");

	/* allow: what the annotations ask for beyond the chosen policy */
	if (!hc->allow_rules)
		for (int k = K_EGRESS; k <= K_INGRESS; k++)
			if (val[k] && val[k][strspn(val[k], " \t\r\n")])
				return nf_input_err(
					err,
					"%s: the host configuration does not allow rules "
					"in annotations",
					key_names[k]);
	if (!hc->allow_dns && val[K_DNS])
		return nf_input_err(err, "%s: the host configuration does not allow it",
				    key_names[K_DNS]);
	if (!hc->allow_dns && val[K_DNS_NAMES])
		return nf_input_err(err, "%s: the host configuration does not allow it",
				    key_names[K_DNS_NAMES]);
	if (!hc->allow_limits && val[K_BANDWIDTH])
		return nf_input_err(err, "%s: the host configuration does not allow it",
				    key_names[K_BANDWIDTH]);
	for (int k = K_RATE; k <= K_QUOTA; k++)
		if (!hc->allow_limits && val[k])
			return nf_input_err(err,
					    "%s: the host configuration does not allow limits "
					    "in annotations (allow.limits)",
					    key_names[k]);
	if (val[K_RATE]) {
		r = policy_parse_rate(val[K_RATE], &p->rate, &p->rate_unit, err);
		if (r < 0)
			return r;
	}
	if (val[K_QUOTA]) {
		r = policy_parse_quota(val[K_QUOTA], &p->quota, err);
		if (r < 0)
			return r;
	}
	if (p->base == NF_BASE_NONE && (p->rate || p->quota))
		return nf_input_err(err, "%s: no network to limit with policy \"none\"",
				    key_names[p->rate ? K_RATE : K_QUOTA]);

	/* ipv6 first: rules and resolvers are checked against it */
	if (val[K_IPV6]) {
		if (strcmp(val[K_IPV6], "on") == 0)
			p->ipv6 = true;
		else if (strcmp(val[K_IPV6], "off") == 0)
			p->ipv6 = false;
		else
			return nf_input_err(err, "%s: \"%s\" is not \"on\" or \"off\"",
					    key_names[K_IPV6], nf_quote(val[K_IPV6], q, sizeof(q)));
	} else {
		p->ipv6 = src && src->ipv6 == 1;
	}

	r = 0;
	if (src && src->seccomp) {
		snprintf(sub, sizeof(sub), "%s: seccomp", what);
		r = set_seccomp(p, src->seccomp, sub, hc, src == &own && !from_default, err);
	}
	if (r >= 0 && val[K_SECCOMP])
		r = set_seccomp(p, val[K_SECCOMP], key_names[K_SECCOMP], hc, true, err);
	if (r >= 0 && src && src->selinux) {
		snprintf(sub, sizeof(sub), "%s: selinux", what);
		r = set_selinux(p, src->selinux, sub, err);
	}
	if (r >= 0 && val[K_SELINUX])
		r = set_selinux(p, val[K_SELINUX], key_names[K_SELINUX], err);
	if (r < 0)
		return r;

	if (src) {
		r = src_rules(p, src->egress, src->n_egress, true, what, err);
		if (r >= 0)
			r = src_rules(p, src->ingress, src->n_ingress, false, what, err);
		if (r < 0)
			return r;
	}
	for (int k = K_EGRESS; k <= K_INGRESS; k++) {
		struct nf_rule **v = k == K_EGRESS ? &p->egress : &p->ingress;
		size_t *nv = k == K_EGRESS ? &p->n_egress : &p->n_ingress, before = *nv;

		if (!val[k])
			continue;
		r = rules_parse_list(key_names[k], val[k], NF_RULES_MAX_ANNOTATION, v, nv, err);
		if (r < 0)
			return r;
		r = check_rules(p, *v + before, *nv - before, key_names[k], err);
		if (r < 0)
			return r;
	}

	p->dns = calloc(POLICY_RESOLVERS_MAX + (hc->n_dns > POLICY_RESOLVERS_MAX ? hc->n_dns : 0),
			sizeof(*p->dns));
	if (!p->dns)
		return nf_sys_err(err, ENOMEM, "policy");
	if (val[K_DNS]) {
		r = annotation_dns(p, val[K_DNS], err);
		if (r < 0)
			return r;
	} else if (src && src->dns_set) {
		snprintf(sub, sizeof(sub), "%s: dns", what);
		for (size_t i = 0; !src->dns_none && i < src->n_dns; i++) {
			struct nf_addr a;

			if (hostconf_resolver_parse(src->dns[i], false, &a) < 0)
				return nf_input_err(err, "%s: invalid resolver \"%s\"", sub,
						    nf_quote(src->dns[i], q, sizeof(q)));
			r = add_resolver(p, &a, sub, src->dns[i], err);
			if (r < 0)
				return r;
		}
	} else {
		/* the host's default list: IPv6 resolvers simply do not apply with ipv6 off */
		for (size_t i = 0; i < hc->n_dns; i++)
			if (hc->dns[i].family == AF_INET || p->ipv6)
				p->dns[p->n_dns++] = hc->dns[i];
	}

	if (val[K_DNS_NAMES])
		r = annotation_dns_names(p, val[K_DNS_NAMES], err);
	else
		r = annotation_dns_names(p, p->base == NF_BASE_INTERNET ? "*" : "", err);
	if (r < 0)
		return r;
	if (p->base == NF_BASE_NONE && p->n_dns_names > 0)
		return nf_input_err(err, "%s: names not allowed with policy \"none\"",
				    key_names[K_DNS_NAMES]);
	p->dns_live = policy_dns_live(p, hc);
	if (val[K_BANDWIDTH]) {
		r = annotation_bandwidth(p, val[K_BANDWIDTH], err);
		if (r < 0)
			return r;
		if (p->base == NF_BASE_NONE)
			return nf_input_err(err,
					    "%s: not allowed with policy \"none\" (no interface)",
					    key_names[K_BANDWIDTH]);
	}

	*ret = steal_pointer(&p);
	return 0;
}

/* fingerprint ----------------------------------------------------------------------------- */

static void fp_add(uint64_t *h, const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		*h ^= *p;
		*h *= 0x100000001b3ULL;
	}
	*h ^= 0xff; /* separator: "ab","c" differs from "a","bc" */
	*h *= 0x100000001b3ULL;
}

static int fp_rules(uint64_t *f, const char *tag, const struct nf_rule *r, size_t n)
{
	char **v = calloc(n + 1, sizeof(*v));
	char buf[320];

	if (!v)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		v[i] = strdup(rule_str(&r[i], buf, sizeof(buf)));
		if (!v[i]) {
			nf_strv_free(v, i);
			return -ENOMEM;
		}
	}
	qsort(v, n, sizeof(*v), strp_cmp);
	fp_add(f, tag);
	for (size_t i = 0; i < n; i++) {
		/* duplicates are merged by the compiler, so they do not make a policy different */
		if (i == 0 || strcmp(v[i], v[i - 1]) != 0)
			fp_add(f, v[i]);
	}
	nf_strv_free(v, n);
	return 0;
}

int policy_fingerprint(const struct nf_policy *p, char out[17])
{
	uint64_t f = 0xcbf29ce484222325ULL;
	char buf[64];
	int r;

	fp_add(&f, nf_base_name(p->base));
	r = fp_rules(&f, "egress", p->egress, p->n_egress);
	if (r >= 0)
		r = fp_rules(&f, "ingress", p->ingress, p->n_ingress);
	if (r < 0)
		return r;
	fp_add(&f, "dns");
	for (size_t i = 0; i < p->n_dns; i++)
		fp_add(&f, nf_addr_str(&p->dns[i], buf, sizeof(buf)));
	fp_add(&f, p->ipv6 ? "ipv6 on" : "ipv6 off");
	snprintf(buf, sizeof(buf), "seccomp %d selinux %d", (int)p->seccomp, (int)p->selinux);
	fp_add(&f, buf);
	fp_add(&f, p->selinux_context ? p->selinux_context : "");
	/* only when not the default, so that policies without the annotation keep the digest an
	 * older netfence gave them (a joiner after an upgrade still matches its owner) */
	if (!dns_names_default(p)) {
		fp_add(&f, "dns-names");
		for (size_t i = 0; i < p->n_dns_names; i++)
			fp_add(&f, p->dns_names[i]);
	}
	/* only when set, so that digests without them stay what they were */
	if (p->bw_egress || p->bw_ingress) {
		snprintf(buf, sizeof(buf), "bandwidth %llu %llu", (unsigned long long)p->bw_egress,
			 (unsigned long long)p->bw_ingress);
		fp_add(&f, buf);
	}
	if (p->rate || p->quota) {
		snprintf(buf, sizeof(buf), "limits %llu/%llu %llu", (unsigned long long)p->rate,
			 (unsigned long long)p->rate_unit, (unsigned long long)p->quota);
		fp_add(&f, buf);
	}
	snprintf(out, 17, "%016llx", (unsigned long long)f);
	return 0;
}
