/* netfence: the host configuration of SPEC section 4 and the JSON policy object shared by
 * profiles and inline io.netfence.policy values (see hostconf.h). Every key is type-checked,
 * unknown keys are refused by name, and rule strings are checked with rules.c at load. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* secure_getenv */
#endif
#include "hostconf.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "label.h"
#include "rules.h"
#include "util.h"

#define HOSTCONF_RESOLVERS_MAX 16
#define RESOLV_CONF_MAX (64 * 1024)
#define PROFILE_NAME_MAX 128

int hostconf_resolver_parse(const char *s, bool brackets, struct nf_addr *ret)
{
	char buf[64];
	size_t n = strlen(s);

	if (n >= sizeof(buf) || strchr(s, '%'))
		return -EINVAL;
	if (s[0] == '[') {
		if (n < 3 || s[n - 1] != ']')
			return -EINVAL;
		memcpy(buf, s + 1, n - 2);
		buf[n - 2] = '\0';
		if (nf_addr_parse(buf, ret) < 0 || ret->family != AF_INET6)
			return -EINVAL;
		return 0;
	}
	if (nf_addr_parse(s, ret) < 0)
		return -EINVAL;
	if (brackets && ret->family == AF_INET6)
		return -EINVAL;
	return 0;
}

int hostconf_listen_parse(const char *s, struct nf_addr *ret, uint16_t *ret_port)
{
	const char *colon = strrchr(s, ':');
	char host[64];
	size_t hl;
	unsigned long port;
	char *end;

	if (!colon || colon == s || !colon[1] || colon[1] == '0' || colon[1] == '+' ||
	    colon[1] == '-' || strlen(colon + 1) > 5)
		return -EINVAL;
	errno = 0;
	port = strtoul(colon + 1, &end, 10);
	if (errno || *end || port < 1 || port > 65535)
		return -EINVAL;
	hl = (size_t)(colon - s);
	if (hl >= sizeof(host))
		return -EINVAL;
	memcpy(host, s, hl);
	host[hl] = '\0';
	/* an IPv6 address needs its brackets: "::1:9713" would be ambiguous */
	if ((host[0] == '[') != (strchr(host, ':') != NULL))
		return -EINVAL;
	if (hostconf_resolver_parse(host, true, ret) < 0)
		return -EINVAL;
	*ret_port = (uint16_t)port;
	return 0;
}

void policy_src_clear(struct policy_src *p)
{
	if (!p)
		return;
	nf_strv_free(p->egress, p->n_egress);
	nf_strv_free(p->ingress, p->n_ingress);
	nf_strv_free(p->dns, p->n_dns);
	free(p->seccomp);
	free(p->selinux);
	memset(p, 0, sizeof(*p));
	p->ipv6 = -1;
}

/* An array of strings, copied. */
static int get_strv(yajl_val v, const char *what, const char *key, char ***ret, size_t *ret_n,
		    struct nf_error *err)
{
	char **out;
	size_t n;

	if (!YAJL_IS_ARRAY(v))
		return nf_input_err(err, "%s: \"%s\" must be an array of strings", what, key);
	n = v->u.array.len;
	out = calloc(n ? n : 1, sizeof(*out));
	if (!out)
		return nf_sys_err(err, ENOMEM, "%s", what);
	for (size_t i = 0; i < n; i++) {
		yajl_val s = v->u.array.values[i];

		if (!YAJL_IS_STRING(s)) {
			nf_strv_free(out, n);
			return nf_input_err(err, "%s: \"%s\" must be an array of strings", what,
					    key);
		}
		out[i] = strdup(s->u.string);
		if (!out[i]) {
			nf_strv_free(out, n);
			return nf_sys_err(err, ENOMEM, "%s", what);
		}
	}
	*ret = out;
	*ret_n = n;
	return 0;
}

static int check_rules(char **v, size_t n, const char *what, const char *key, struct nf_error *err)
{
	for (size_t i = 0; i < n; i++) {
		struct nf_rule r;
		int rc = rule_parse(key, v[i], &r, err);

		if (rc < 0) {
			nf_err_prefix(err, "%s", what);
			return rc;
		}
		rule_clear(&r);
	}
	return 0;
}

static int policy_src_from_tree(yajl_val obj, const char *what, size_t max_rules,
				struct policy_src *ret, struct nf_error *err)
{
	_cleanup_(policy_src_clearp) struct policy_src p = { .ipv6 = -1 };
	int r;

	if (!YAJL_IS_OBJECT(obj))
		return nf_input_err(err, "%s: a policy must be a JSON object", what);
	for (size_t i = 0; i < obj->u.object.len; i++) {
		const char *key = obj->u.object.keys[i];
		yajl_val v = obj->u.object.values[i];

		if (strcmp(key, "base") == 0) {
			if (!YAJL_IS_STRING(v))
				return nf_input_err(err, "%s: \"base\" must be a string", what);
			p.base = nf_base_from_name(v->u.string);
			if (p.base == NF_BASE_UNSET)
				return nf_input_err(err,
						    "%s: \"base\": unknown policy \"%.100s\" "
						    "(none, restricted or internet)",
						    what, v->u.string);
		} else if (strcmp(key, "egress") == 0 || strcmp(key, "ingress") == 0) {
			bool eg = key[0] == 'e';

			r = get_strv(v, what, key, eg ? &p.egress : &p.ingress,
				     eg ? &p.n_egress : &p.n_ingress, err);
			if (r < 0)
				return r;
		} else if (strcmp(key, "dns") == 0) {
			p.dns_set = true;
			if (YAJL_IS_STRING(v) && strcmp(v->u.string, "none") == 0) {
				p.dns_none = true;
				continue;
			}
			if (!YAJL_IS_ARRAY(v))
				return nf_input_err(
					err,
					"%s: \"dns\" must be an array of addresses or \"none\"",
					what);
			r = get_strv(v, what, key, &p.dns, &p.n_dns, err);
			if (r < 0)
				return r;
			if (p.n_dns > HOSTCONF_RESOLVERS_MAX)
				return nf_input_err(err, "%s: \"dns\": more than %d resolvers",
						    what, HOSTCONF_RESOLVERS_MAX);
			for (size_t j = 0; j < p.n_dns; j++) {
				struct nf_addr a;

				if (hostconf_resolver_parse(p.dns[j], false, &a) < 0)
					return nf_input_err(
						err,
						"%s: \"dns\": invalid resolver address \"%.100s\"",
						what, p.dns[j]);
			}
		} else if (strcmp(key, "ipv6") == 0) {
			if (YAJL_IS_STRING(v) && strcmp(v->u.string, "on") == 0)
				p.ipv6 = 1;
			else if (YAJL_IS_STRING(v) && strcmp(v->u.string, "off") == 0)
				p.ipv6 = 0;
			else
				return nf_input_err(err, "%s: \"ipv6\" must be \"on\" or \"off\"",
						    what);
		} else if (strcmp(key, "seccomp") == 0 || strcmp(key, "selinux") == 0) {
			char **dst = strcmp(key, "seccomp") == 0 ? &p.seccomp : &p.selinux;

			if (!YAJL_IS_STRING(v) || !v->u.string[0])
				return nf_input_err(err, "%s: \"%s\" must be a non-empty string",
						    what, key);
			if (dst == &p.seccomp && strcmp(v->u.string, "auto") != 0 &&
			    strcmp(v->u.string, "inet") != 0 && strcmp(v->u.string, "unix") != 0 &&
			    strcmp(v->u.string, "off") != 0)
				return nf_input_err(err,
						    "%s: \"seccomp\": unknown level \"%.100s\" "
						    "(auto, inet, unix or off)",
						    what, v->u.string);
			free(*dst);
			*dst = strdup(v->u.string);
			if (!*dst)
				return nf_sys_err(err, ENOMEM, "%s", what);
		} else {
			return nf_input_err(err, "%s: unknown key \"%.100s\"", what, key);
		}
	}
	if (p.base == NF_BASE_UNSET)
		return nf_input_err(err, "%s: \"base\" is required (none, restricted or internet)",
				    what);
	if (p.n_egress + p.n_ingress > max_rules)
		return nf_input_err(err, "%s: more than the limit of %zu rules", what, max_rules);
	if ((r = check_rules(p.egress, p.n_egress, what, "egress", err)) < 0 ||
	    (r = check_rules(p.ingress, p.n_ingress, what, "ingress", err)) < 0)
		return r;
	if (p.base == NF_BASE_NONE && p.n_egress + p.n_ingress > 0)
		return nf_input_err(err, "%s: rules are not allowed with base \"none\"", what);
	*ret = p;
	memset(&p, 0, sizeof(p));
	return 0;
}

int policy_src_parse_json(const char *text, size_t len, const char *what, size_t max_rules,
			  struct policy_src *ret, struct nf_error *err)
{
	_cleanup_(yajl_tree_freep) yajl_val root = NULL;
	int r;

	r = json_parse_strict(text, len, what, &root, err);
	if (r < 0)
		return r;
	return policy_src_from_tree(root, what, max_rules, ret, err);
}

void hostconf_free(struct hostconf *hc)
{
	if (!hc)
		return;
	free(hc->dns);
	free(hc->default_policy);
	policy_src_clear(hc->default_src);
	free(hc->default_src);
	for (size_t i = 0; i < hc->n_profiles; i++) {
		free(hc->profiles[i].name);
		policy_src_clear(&hc->profiles[i].policy);
	}
	free(hc->profiles);
	nf_strv_free(hc->allow_policies, hc->n_allow_policies);
	free(hc->state_dir);
	free(hc->selinux_packet_type);
	free(hc->resolver_log);
	free(hc->path);
	free(hc);
}

const struct policy_src *hostconf_profile(const struct hostconf *hc, const char *name)
{
	for (size_t i = 0; hc && i < hc->n_profiles; i++)
		if (strcmp(hc->profiles[i].name, name) == 0)
			return &hc->profiles[i].policy;
	return NULL;
}

static bool resolver_usable(const struct nf_addr *a)
{
	static const uint8_t zero[16], one[16] = { [15] = 1 };

	if (a->family == AF_INET)
		return a->a[0] != 127 && memcmp(a->a, zero, 4) != 0;
	return memcmp(a->a, one, 16) != 0 && memcmp(a->a, zero, 16) != 0;
}

/* nameserver lines of a resolv.conf; *saw_stub when 127.0.0.53 is named. A missing file gives
 * no resolvers: a host without DNS configuration is not an error. */
static int resolv_read(const char *path, struct hostconf *hc, bool *saw_stub, struct nf_error *err)
{
	_cleanup_close_ int fd = -1;
	_cleanup_free_ char *buf = NULL;
	char *save = NULL;
	int r;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return errno == ENOENT ? 0 : nf_sys_err(err, errno, "opening %s", path);
	r = nf_read_all(fd, RESOLV_CONF_MAX, path, &buf, NULL, err);
	if (r < 0)
		return r;
	for (char *line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *word, *s2 = NULL;
		struct nf_addr a;

		word = strtok_r(line, " \t\r", &s2);
		if (!word || strcmp(word, "nameserver") != 0)
			continue;
		word = strtok_r(NULL, " \t\r", &s2);
		if (!word || nf_addr_parse(word, &a) < 0) /* zone ids are refused too */
			continue;
		if (a.family == AF_INET && strcmp(word, "127.0.0.53") == 0)
			*saw_stub = true;
		if (!resolver_usable(&a) || hc->n_dns >= HOSTCONF_RESOLVERS_MAX)
			continue;
		hc->dns[hc->n_dns++] = a;
	}
	return 0;
}

static int resolvers_from_host(const char *resolv_conf, struct hostconf *hc, struct nf_error *err)
{
	bool stub = false;
	int r;

	hc->dns = calloc(HOSTCONF_RESOLVERS_MAX, sizeof(*hc->dns));
	if (!hc->dns)
		return nf_sys_err(err, ENOMEM, "resolvers");
	if (resolv_conf)
		return resolv_read(resolv_conf, hc, &stub, err);
	r = resolv_read("/etc/resolv.conf", hc, &stub, err);
	if (r < 0)
		return r;
	/* systemd-resolved's stub: its upstream servers are the ones containers may use */
	if (hc->n_dns == 0 && stub)
		return resolv_read("/run/systemd/resolve/resolv.conf", hc, &stub, err);
	return 0;
}

static int get_bool(yajl_val v, const char *what, const char *key, bool *ret, struct nf_error *err)
{
	if (!YAJL_IS_TRUE(v) && !YAJL_IS_FALSE(v))
		return nf_input_err(err, "%s: \"%s\" must be true or false", what, key);
	*ret = YAJL_IS_TRUE(v);
	return 0;
}

static bool profile_name_ok(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > PROFILE_NAME_MAX)
		return false;
	return strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") == n;
}

static int parse_profiles(yajl_val v, const char *what, struct hostconf *hc, struct nf_error *err)
{
	if (!YAJL_IS_OBJECT(v))
		return nf_input_err(err, "%s: \"profiles\" must be an object", what);
	hc->profiles = calloc(v->u.object.len ? v->u.object.len : 1, sizeof(*hc->profiles));
	if (!hc->profiles)
		return nf_sys_err(err, ENOMEM, "%s", what);
	for (size_t i = 0; i < v->u.object.len; i++) {
		const char *name = v->u.object.keys[i];
		struct hostconf_profile *p = &hc->profiles[hc->n_profiles];
		char pwhat[512];
		int r;

		if (!profile_name_ok(name))
			return nf_input_err(
				err,
				"%s: profiles: invalid name \"%.100s\" (letters, digits, "
				"'.', '_', '-'; at most %d)",
				what, name, PROFILE_NAME_MAX);
		if (nf_base_from_name(name) != NF_BASE_UNSET || strcmp(name, "inline") == 0)
			return nf_input_err(err, "%s: profiles: \"%s\" is a reserved policy name",
					    what, name);
		snprintf(pwhat, sizeof(pwhat), "%s: profiles: \"%s\"", what, name);
		r = policy_src_from_tree(v->u.object.values[i], pwhat, NF_RULES_MAX_PROFILE,
					 &p->policy, err);
		if (r < 0)
			return r;
		p->name = strdup(name);
		hc->n_profiles++;
		if (!p->name)
			return nf_sys_err(err, ENOMEM, "%s", what);
	}
	return 0;
}

static int parse_allow(yajl_val v, const char *what, struct hostconf *hc, struct nf_error *err)
{
	int r;

	if (!YAJL_IS_OBJECT(v))
		return nf_input_err(err, "%s: \"allow\" must be an object", what);
	for (size_t i = 0; i < v->u.object.len; i++) {
		const char *key = v->u.object.keys[i];
		yajl_val x = v->u.object.values[i];

		if (strcmp(key, "policies") == 0) {
			r = get_strv(x, what, "allow.policies", &hc->allow_policies,
				     &hc->n_allow_policies, err);
			if (r < 0)
				return r;
			hc->allow_all_policies = false;
		} else if (strcmp(key, "rules") == 0) {
			r = get_bool(x, what, "allow.rules", &hc->allow_rules, err);
		} else if (strcmp(key, "dns") == 0) {
			r = get_bool(x, what, "allow.dns", &hc->allow_dns, err);
		} else if (strcmp(key, "seccomp_off") == 0) {
			r = get_bool(x, what, "allow.seccomp_off", &hc->allow_seccomp_off, err);
		} else if (strcmp(key, "net_admin") == 0) {
			r = get_bool(x, what, "allow.net_admin", &hc->allow_net_admin, err);
		} else if (strcmp(key, "limits") == 0) {
			r = get_bool(x, what, "allow.limits", &hc->allow_limits, err);
		} else {
			return nf_input_err(err, "%s: allow: unknown key \"%.100s\"", what, key);
		}
		if (r < 0)
			return r;
	}
	return 0;
}

static int parse_pool(yajl_val v, const char *what, const char *key, int family, unsigned maxlen,
		      struct nf_prefix *ret, struct nf_error *err)
{
	if (!YAJL_IS_STRING(v) || nf_prefix_parse(v->u.string, true, ret) < 0 ||
	    ret->addr.family != family)
		return nf_input_err(err, "%s: \"%s\" must be an %s prefix without host bits", what,
				    key, family == AF_INET ? "IPv4" : "IPv6");
	if (ret->len > maxlen)
		return nf_input_err(err, "%s: \"%s\": prefix longer than /%u", what, key, maxlen);
	return 0;
}

/* A value as the file has it, for messages: a string quoted, a number as written, else its kind. */
static const char *value_str(yajl_val v, char *buf, size_t size)
{
	char q[100];

	if (YAJL_IS_STRING(v))
		snprintf(buf, size, "\"%s\"", nf_quote(v->u.string, q, sizeof(q)));
	else if (YAJL_IS_NUMBER(v) && v->u.number.r)
		snprintf(buf, size, "%.40s", v->u.number.r);
	else
		snprintf(buf, size, "%s",
			 YAJL_IS_OBJECT(v)  ? "an object"
			 : YAJL_IS_ARRAY(v) ? "an array"
			 : YAJL_IS_NULL(v)  ? "null"
					    : "a boolean");
	return buf;
}

/* A string key with two values: *ret = (value == second). */
static int get_choice(yajl_val v, const char *what, const char *key, const char *first,
		      const char *second, bool *ret, struct nf_error *err)
{
	char b[128];

	if (!YAJL_IS_STRING(v) ||
	    (strcmp(v->u.string, first) != 0 && strcmp(v->u.string, second) != 0))
		return nf_input_err(err, "%s: \"%s\": %s is not \"%s\" or \"%s\"", what, key,
				    value_str(v, b, sizeof(b)), first, second);
	*ret = strcmp(v->u.string, second) == 0;
	return 0;
}

/* An integer key within lo..hi, with its unit for the message. */
static int get_uint(yajl_val v, const char *what, const char *key, long long lo, long long hi,
		    const char *unit, unsigned *ret, struct nf_error *err)
{
	char b[128];

	if (!YAJL_IS_INTEGER(v) || YAJL_GET_INTEGER(v) < lo || YAJL_GET_INTEGER(v) > hi)
		return nf_input_err(err, "%s: \"%s\": %s is not a number of %s from %lld to %lld",
				    what, key, value_str(v, b, sizeof(b)), unit, lo, hi);
	*ret = (unsigned)YAJL_GET_INTEGER(v);
	return 0;
}

/* Keys of the DNS-name resolver (SPEC section 10); 0 when key is one, 1 when it is not. */
static int parse_dns_key(const char *key, yajl_val v, const char *what, struct hostconf *hc,
			 struct nf_error *err)
{
	char b[128];

	if (strcmp(key, "dns_names") == 0)
		return get_choice(v, what, key, "live", "static", &hc->dns_static, err);
	if (strcmp(key, "dns_refuse") == 0)
		return get_choice(v, what, key, "refused", "nxdomain", &hc->dns_nxdomain, err);
	if (strcmp(key, "dns_min_ttl") == 0) /* checked against dns_max_ttl after the loop */
		return get_uint(v, what, key, 0, 604800, "seconds", &hc->dns_min_ttl, err);
	if (strcmp(key, "dns_max_ttl") == 0)
		return get_uint(v, what, key, 1, 604800, "seconds", &hc->dns_max_ttl, err);
	if (strcmp(key, "dns_max_names") == 0)
		return get_uint(v, what, key, 1, 1000000, "names", &hc->dns_max_names, err);
	if (strcmp(key, "dns_max_qps") == 0)
		return get_uint(v, what, key, 1, 100000, "queries per second", &hc->dns_max_qps,
				err);
	if (strcmp(key, "metrics_listen") == 0) {
		if (!YAJL_IS_STRING(v) ||
		    hostconf_listen_parse(v->u.string, &hc->metrics_addr, &hc->metrics_port) < 0)
			return nf_input_err(err,
					    "%s: \"metrics_listen\": %s is not \"ADDR:PORT\" "
					    "(IPv4, or IPv6 in brackets; port 1-65535)",
					    what, value_str(v, b, sizeof(b)));
		return 0;
	}
	if (strcmp(key, "resolver_log") != 0)
		return 1;
	if (!YAJL_IS_STRING(v) || v->u.string[0] != '/' || strlen(v->u.string) > 256 ||
	    strstr(v->u.string, "/../") || strchr(v->u.string, '\n'))
		return nf_input_err(err, "%s: \"resolver_log\": %s is not an absolute path", what,
				    value_str(v, b, sizeof(b)));
	free(hc->resolver_log);
	hc->resolver_log = strdup(v->u.string);
	return hc->resolver_log ? 0 : nf_sys_err(err, ENOMEM, "%s", what);
}

static struct hostconf *hostconf_defaults(void)
{
	struct hostconf *hc = calloc(1, sizeof(*hc));

	if (!hc)
		return NULL;
	nf_prefix_parse("10.213.0.0/16", true, &hc->subnet);
	nf_prefix_parse("fd6e:6663::/64", true, &hc->subnet6);
	hc->nat = true;
	hc->lock_timeout = 10;
	hc->dns_min_ttl = 60;
	hc->dns_max_ttl = 86400;
	hc->dns_max_names = 10000;
	hc->dns_max_qps = 200;
	hc->allow_all_policies = true;
	hc->allow_rules = hc->allow_dns = hc->allow_seccomp_off = true;
	hc->allow_limits = true;
	hc->state_dir = strdup("/run/netfence");
	hc->selinux_packet_type = strdup(NF_SELINUX_PACKET_TYPE);
	if (!hc->state_dir || !hc->selinux_packet_type) {
		hostconf_free(hc);
		return NULL;
	}
	return hc;
}

/* default_policy names a base policy or a profile, or is a policy (obj: the object as parsed;
 * else the text of a string that starts with '{'), checked as a profile is and kept parsed. */
static int check_default_policy(struct hostconf *hc, yajl_val obj, const char *what,
				struct nf_error *err)
{
	_cleanup_(yajl_tree_freep) yajl_val own = NULL;
	const char *s = hc->default_policy;
	char dwhat[512];
	int r;

	if (!s)
		return 0;
	snprintf(dwhat, sizeof(dwhat), "%s: default_policy", what);
	if (!obj && s[strspn(s, " \t\r\n")] == '{') {
		r = json_parse_strict(s, strlen(s), dwhat, &own, err);
		if (r < 0)
			return r;
		obj = own;
	}
	if (obj) {
		hc->default_src = calloc(1, sizeof(*hc->default_src));
		if (!hc->default_src)
			return nf_sys_err(err, ENOMEM, "%s", what);
		return policy_src_from_tree(obj, dwhat, NF_RULES_MAX_PROFILE, hc->default_src, err);
	}
	if (nf_base_from_name(s) == NF_BASE_UNSET && !hostconf_profile(hc, s))
		return nf_input_err(err, "%s: unknown policy \"%.100s\"", dwhat, s);
	return 0;
}

static int hostconf_parse_what(const char *buf, size_t len, const char *what,
			       const char *resolv_conf, unsigned flags, struct hostconf **ret,
			       struct nf_error *err)
{
	_cleanup_(yajl_tree_freep) yajl_val root = NULL;
	_cleanup_(hostconf_freep) struct hostconf *hc = NULL;
	yajl_val default_obj = NULL;
	int r = 0;

	if (len > NF_HOSTCONF_MAX)
		return nf_input_err(err, "%s: larger than the limit of %d bytes", what,
				    NF_HOSTCONF_MAX);
	r = json_parse_strict(buf, len, what, &root, err);
	if (r < 0)
		return r;
	if (!YAJL_IS_OBJECT(root))
		return nf_input_err(err, "%s: not a JSON object", what);
	hc = hostconf_defaults();
	if (!hc)
		return nf_sys_err(err, ENOMEM, "%s", what);

	for (size_t i = 0; i < root->u.object.len; i++) {
		const char *key = root->u.object.keys[i];
		yajl_val v = root->u.object.values[i];

		if (strcmp(key, "subnet") == 0) {
			r = parse_pool(v, what, key, AF_INET, 30, &hc->subnet, err);
		} else if (strcmp(key, "subnet6") == 0) {
			r = parse_pool(v, what, key, AF_INET6, 126, &hc->subnet6, err);
		} else if (strcmp(key, "nat") == 0) {
			r = get_bool(v, what, key, &hc->nat, err);
		} else if (strcmp(key, "flowtable") == 0) {
			r = get_bool(v, what, key, &hc->flowtable, err);
		} else if (strcmp(key, "dns") == 0) {
			if (!YAJL_IS_ARRAY(v))
				return nf_input_err(
					err, "%s: \"dns\" must be an array of addresses", what);
			if (v->u.array.len > HOSTCONF_RESOLVERS_MAX)
				return nf_input_err(err, "%s: \"dns\": more than %d resolvers",
						    what, HOSTCONF_RESOLVERS_MAX);
			hc->dns_set = true;
			hc->dns = calloc(v->u.array.len + 1, sizeof(*hc->dns));
			if (!hc->dns)
				return nf_sys_err(err, ENOMEM, "%s", what);
			for (size_t j = 0; j < v->u.array.len; j++) {
				yajl_val s = v->u.array.values[j];

				if (!YAJL_IS_STRING(s) ||
				    hostconf_resolver_parse(s->u.string, false, &hc->dns[j]) < 0)
					return nf_input_err(
						err, "%s: \"dns\": entry %zu is not an address",
						what, j + 1);
				hc->n_dns++;
			}
		} else if (strcmp(key, "default_policy") == 0) {
			if (!YAJL_IS_STRING(v) && !YAJL_IS_OBJECT(v) && !YAJL_IS_NULL(v))
				return nf_input_err(err,
						    "%s: \"default_policy\" must be null, a name "
						    "or a policy object",
						    what);
			default_obj = YAJL_IS_OBJECT(v) ? v : NULL;
			if (!YAJL_IS_NULL(v) &&
			    !(hc->default_policy = strdup(default_obj ? "inline" : v->u.string)))
				return nf_sys_err(err, ENOMEM, "%s", what);
		} else if (strcmp(key, "profiles") == 0) {
			if (!(flags & NF_HOSTCONF_NO_PROFILES))
				r = parse_profiles(v, what, hc, err);
		} else if (strcmp(key, "allow") == 0) {
			r = parse_allow(v, what, hc, err);
		} else if (strcmp(key, "state_dir") == 0) {
			if (!YAJL_IS_STRING(v) || v->u.string[0] != '/' ||
			    strlen(v->u.string) > 256 || strstr(v->u.string, "/../") ||
			    strchr(v->u.string, '\n'))
				return nf_input_err(
					err, "%s: \"state_dir\" must be an absolute path", what);
			free(hc->state_dir);
			hc->state_dir = strdup(v->u.string);
			if (!hc->state_dir)
				return nf_sys_err(err, ENOMEM, "%s", what);
		} else if (strcmp(key, "teardown") == 0) {
			if (!YAJL_IS_STRING(v) || (strcmp(v->u.string, "wait") != 0 &&
						   strcmp(v->u.string, "background") != 0))
				return nf_input_err(
					err, "%s: \"teardown\" must be \"background\" or \"wait\"",
					what);
			hc->teardown_wait = strcmp(v->u.string, "wait") == 0;
		} else if (strcmp(key, "lock_timeout") == 0) {
			if (!YAJL_IS_INTEGER(v) || YAJL_GET_INTEGER(v) < 1 ||
			    YAJL_GET_INTEGER(v) > 3600)
				return nf_input_err(err,
						    "%s: \"lock_timeout\" must be a number of "
						    "seconds from 1 to 3600",
						    what);
			hc->lock_timeout = (unsigned)YAJL_GET_INTEGER(v);
		} else if (strcmp(key, "kubernetes") == 0) {
			r = get_bool(v, what, key, &hc->kubernetes, err);
		} else if (strcmp(key, "selinux_packet_type") == 0) {
			if (!YAJL_IS_STRING(v) || !label_type_ok(v->u.string))
				return nf_input_err(
					err,
					"%s: \"selinux_packet_type\" must be an SELinux "
					"type name ([A-Za-z0-9_], at most 255 bytes)",
					what);
			free(hc->selinux_packet_type);
			hc->selinux_packet_type = strdup(v->u.string);
			if (!hc->selinux_packet_type)
				return nf_sys_err(err, ENOMEM, "%s", what);
		} else if ((r = parse_dns_key(key, v, what, hc, err)) > 0) {
			return nf_input_err(err, "%s: unknown key \"%.100s\"", what, key);
		}
		if (r < 0)
			return r;
	}
	if (hc->dns_min_ttl > hc->dns_max_ttl)
		return nf_input_err(err,
				    "%s: \"dns_min_ttl\": %u is more than \"dns_max_ttl\" (%u)",
				    what, hc->dns_min_ttl, hc->dns_max_ttl);
	r = flags & NF_HOSTCONF_NO_PROFILES ? 0 : check_default_policy(hc, default_obj, what, err);
	if (r < 0)
		return r;
	if (!hc->dns_set) {
		r = resolvers_from_host(resolv_conf, hc, err);
		if (r < 0)
			return r;
	}
	*ret = steal_pointer(&hc);
	return 0;
}

int hostconf_parse(const char *buf, size_t len, const char *resolv_conf, struct hostconf **ret,
		   struct nf_error *err)
{
	return hostconf_parse_what(buf, len, "host configuration", resolv_conf, 0, ret, err);
}

int hostconf_load_flags(const char *path, const char *resolv_conf, unsigned flags,
			struct hostconf **ret, struct nf_error *err)
{
	_cleanup_(hostconf_freep) struct hostconf *hc = NULL;
	_cleanup_free_ char *buf = NULL;
	_cleanup_close_ int fd = -1;
	bool named = true;
	size_t len;
	int r;

	if (!path)
		path = secure_getenv("NETFENCE_CONFIG");
	if (!path || !path[0]) {
		path = NF_HOSTCONF_DEFAULT;
		named = false;
	}
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0 && errno == ENOENT && !named) {
		hc = hostconf_defaults();
		if (!hc)
			return nf_sys_err(err, ENOMEM, "host configuration");
		r = resolvers_from_host(resolv_conf, hc, err);
		if (r < 0)
			return r;
		*ret = steal_pointer(&hc);
		return 0;
	}
	if (fd < 0)
		return nf_sys_err(err, errno, "opening %s", path);
	r = nf_read_all(fd, NF_HOSTCONF_MAX, path, &buf, &len, err);
	if (r < 0)
		return r;
	r = hostconf_parse_what(buf, len, path, resolv_conf, flags, &hc, err);
	if (r < 0)
		return r;
	hc->path = strdup(path);
	if (!hc->path)
		return nf_sys_err(err, ENOMEM, "%s", path);
	*ret = steal_pointer(&hc);
	return 0;
}
