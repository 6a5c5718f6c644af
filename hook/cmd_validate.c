/* netfence: `netfence validate [FILE|-] [--json] [--host]`: checks a config.json's io.netfence.*
 * annotations against the host configuration, reporting every error found, and prints the
 * resolved policy; with live DNS names, which names the container may resolve and what each
 * opens. --host also checks the host (forwarding, firewalls that drop forwarding). */
#include <errno.h>
#include <inttypes.h>
#include <selinux/selinux.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spec.h"
#include "caps.h"
#include "cmd.h"
#include "label.h"
#include "hostconf.h"
#include "json.h"
#include "link.h"
#include "nft.h"
#include "policy.h"
#include "rules.h"
#include "util.h"

#define RESOLVE_TIMEOUT_MS 5000

static const char *seccomp_name(enum nf_seccomp s)
{
	static const char *const names[] = { "auto", "inet", "unix", "off" };

	return names[s];
}

static const char *selinux_name(const struct nf_policy *p)
{
	if (p->selinux == NF_SELINUX_CONTEXT)
		return p->selinux_context;
	return p->selinux == NF_SELINUX_OFF ? "off" : "auto";
}

/* Every bad token of a rule annotation, each on its own line (policy_resolve stops at the
 * first). Returns the number of errors printed. */
static int check_rule_tokens(const struct spec_config *cfg, const char *key, char *last,
			     size_t last_size)
{
	const char *v = spec_annotation(cfg->annotations, cfg->n_annotations, key);
	_cleanup_free_ char *copy = NULL;
	int errors = 0;
	char *save = NULL;

	if (!v || strlen(v) > NF_ANNOTATION_MAX)
		return 0;
	copy = strdup(v);
	if (!copy)
		return 0;
	for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		struct nf_error err = { 0 };
		struct nf_rule rule;

		while (*tok == ' ' || *tok == '\t')
			tok++;
		for (char *e = tok + strlen(tok); e > tok && (e[-1] == ' ' || e[-1] == '\t');)
			*--e = '\0';
		if (!*tok)
			continue; /* empty tokens are reported by policy_resolve */
		if (rule_parse(key, tok, &rule, &err) < 0) {
			fprintf(stderr, "netfence: validate: %s\n", err.msg);
			snprintf(last, last_size, "%s", err.msg);
			errors++;
			continue;
		}
		rule_clear(&rule);
	}
	return errors;
}

/* One name the container may resolve (live DNS names) and what its answers open: the ports
 * of every egress rule naming it, none for a name of io.netfence.dns-names only. */
struct dns_entry {
	char name[260]; /* "pypi.org", "*.openai.com", "*" */
	char **opens;	/* "tcp 443", "tcp and udp 53", "icmp", "all protocols and ports" */
	size_t n_opens;
};

static void dns_entries_free(struct dns_entry *v, size_t n)
{
	for (size_t i = 0; v && i < n; i++)
		nf_strv_free(v[i].opens, v[i].n_opens);
	free(v);
}

static void opens_str(const struct nf_rule *r, char *buf, size_t size)
{
	static const char *const proto[] = { "tcp and udp", "tcp", "udp", "icmp" };
	char ports[16];

	if (r->has_ports && r->port_lo == r->port_hi)
		snprintf(ports, sizeof(ports), "%u", (unsigned)r->port_lo);
	else if (r->has_ports)
		snprintf(ports, sizeof(ports), "%u-%u", (unsigned)r->port_lo, (unsigned)r->port_hi);
	if (r->proto == NF_PROTO_ICMP)
		snprintf(buf, size, "icmp");
	else if (!r->has_ports && r->proto == NF_PROTO_ANY)
		snprintf(buf, size, "all protocols and ports");
	else if (!r->has_ports)
		snprintf(buf, size, "%s, all ports", proto[r->proto]);
	else
		snprintf(buf, size, "%s %s", proto[r->proto], ports);
}

/* The egress hostname and wildcard rules grouped by name, in rule order, then the names of
 * io.netfence.dns-names that no rule names. */
static int dns_entries(const struct nf_policy *p, struct dns_entry **ret, size_t *ret_n)
{
	struct dns_entry *v = calloc(p->n_egress + p->n_dns_names + 1, sizeof(*v));
	size_t n = 0;

	if (!v)
		return -ENOMEM;
	for (size_t i = 0; i < p->n_egress + p->n_dns_names; i++) {
		const struct nf_rule *r = i < p->n_egress ? &p->egress[i] : NULL;
		char name[260], opens[64], **g;
		size_t j;
		bool dup = false;

		if (r && r->family != 0)
			continue;
		if (r)
			snprintf(name, sizeof(name), "%s%s", r->wildcard ? "*." : "", r->host);
		else
			snprintf(name, sizeof(name), "%s", p->dns_names[i - p->n_egress]);
		for (j = 0; j < n && strcmp(v[j].name, name) != 0; j++)
			;
		if (j == n)
			snprintf(v[n++].name, sizeof(v->name), "%s", name);
		if (!r)
			continue;
		opens_str(r, opens, sizeof(opens));
		for (size_t k = 0; k < v[j].n_opens && !dup; k++)
			dup = strcmp(v[j].opens[k], opens) == 0;
		if (dup)
			continue;
		g = realloc(v[j].opens, (v[j].n_opens + 1) * sizeof(*g));
		if (g)
			v[j].opens = g;
		if (!g || !(g[v[j].n_opens] = strdup(opens))) {
			dns_entries_free(v, n);
			return -ENOMEM;
		}
		v[j].n_opens++;
	}
	*ret = v;
	*ret_n = n;
	return 0;
}

/* Does io.netfence.dns-names let every name resolve? */
static bool dns_any(const struct nf_policy *p)
{
	for (size_t i = 0; i < p->n_dns_names; i++)
		if (strcmp(p->dns_names[i], "*") == 0)
			return true;
	return false;
}

/* Live DNS names, as text: one line per name, then what happens to any other. */
static void print_dns_live(const struct nf_policy *p, const struct hostconf *hc)
{
	struct dns_entry *v = NULL;
	size_t n = 0;
	const char *nothing =
		p->base == NF_BASE_INTERNET ? "opens nothing the policy does not" : "opens nothing";

	if (dns_entries(p, &v, &n) < 0) {
		printf("dns:      (out of memory listing the names)\n");
		return;
	}
	for (size_t i = 0; i < n; i++) {
		if (v[i].n_opens == 0) {
			if (strcmp(v[i].name, "*") == 0)
				printf("dns:      * (any name resolves, %s)\n", nothing);
			else
				printf("dns:      %s (resolves, %s)\n", v[i].name, nothing);
			continue;
		}
		printf("dns:      %s ->", v[i].name);
		for (size_t k = 0; k < v[i].n_opens; k++)
			printf("%s %s", k ? "," : "", v[i].opens[k]);
		printf(" (learned live, TTL %u-%u s)\n", hc->dns_min_ttl, hc->dns_max_ttl);
	}
	if (!dns_any(p))
		printf("dns:      any other name refused (answered %s)\n",
		       hc->dns_nxdomain ? "NXDOMAIN" : "REFUSED");
	dns_entries_free(v, n);
}

/* The same as JSON: {"mode": "live", "names": [{"name", "opens": [...]}], "other": "refused"
 * | "nxdomain" | "resolves", "min_ttl", "max_ttl"}. NULL when out of memory. */
static yajl_val dns_live_json(const struct nf_policy *p, const struct hostconf *hc)
{
	yajl_val o = json_new(yajl_t_object), names = json_new(yajl_t_array);
	struct dns_entry *v = NULL;
	size_t n = 0;
	int r = o && names ? dns_entries(p, &v, &n) : -ENOMEM;

	for (size_t i = 0; r >= 0 && i < n; i++) {
		yajl_val e = json_new(yajl_t_object), opens = json_new(yajl_t_array);

		if (!e || !opens) {
			yajl_tree_free(e);
			yajl_tree_free(opens);
			r = -ENOMEM;
			break;
		}
		for (size_t k = 0; k < v[i].n_opens; k++)
			r |= json_append(opens, json_new_string(v[i].opens[k]));
		r |= json_put(e, "name", json_new_string(v[i].name));
		r |= json_put(e, "opens", opens);
		r |= json_append(names, e);
	}
	dns_entries_free(v, n);
	if (r >= 0) {
		r |= json_put(o, "mode", json_new_string("live"));
		r |= json_put(o, "names", names);
		names = NULL;
		r |= json_put(o, "other",
			      json_new_string(dns_any(p)	 ? "resolves"
					      : hc->dns_nxdomain ? "nxdomain"
								 : "refused"));
		r |= json_put(o, "min_ttl", json_new_uint(hc->dns_min_ttl));
		r |= json_put(o, "max_ttl", json_new_uint(hc->dns_max_ttl));
	}
	if (names)
		yajl_tree_free(names);
	if (r < 0) {
		yajl_tree_free(o);
		return NULL;
	}
	return o;
}

static void print_rules(const char *label, const struct nf_rule *r, size_t n)
{
	char buf[320];

	printf("%-9s", label);
	if (n == 0)
		printf(" (none)");
	for (size_t i = 0; i < n; i++)
		printf("%s %s", i ? "," : "", rule_str(&r[i], buf, sizeof(buf)));
	printf("\n");
}

static void print_text(const struct nf_policy *p, const struct hostconf *hc)
{
	char a[64];

	printf("policy:   %s (base %s)\n", p->name, nf_base_name(p->base));
	print_rules("egress:", p->egress, p->n_egress);
	print_rules("ingress:", p->ingress, p->n_ingress);
	printf("dns:     ");
	if (p->n_dns == 0)
		printf(" none");
	for (size_t i = 0; i < p->n_dns; i++)
		printf("%s %s", i ? "," : "", nf_addr_str(&p->dns[i], a, sizeof(a)));
	printf("%s\n",
	       p->dns_live ? " (answered by netfence's resolver: names follow DNS live)" : "");
	if (p->dns_live)
		print_dns_live(p, hc);
	printf("ipv6:     %s\nseccomp:  %s\nselinux:  %s%s\n", p->ipv6 ? "on" : "off",
	       seccomp_name(p->seccomp), selinux_name(p),
	       is_selinux_enabled() > 0 ? "" : " (SELinux is not enabled on this host: no labels)");
	if (p->bw_egress || p->bw_ingress)
		printf("bandwidth: egress %" PRIu64 " bit/s, ingress %" PRIu64
		       " bit/s (0: unlimited; wire mode only)\n",
		       p->bw_egress, p->bw_ingress);
	if (p->rate)
		printf("rate:     %llu new connections a %s\n", (unsigned long long)p->rate,
		       p->rate_unit == 60 ? "minute" : "second");
	if (p->quota)
		printf("quota:    %llu bytes of egress\n", (unsigned long long)p->quota);
	if (p->n_hostnames) {
		printf("resolved:");
		for (size_t i = 0; i < p->n_hostnames; i++)
			printf("%s %s", i ? "," : "", p->hostnames[i]);
		printf("\n");
	}
}

static yajl_val rules_json(const struct nf_rule *r, size_t n)
{
	yajl_val arr = json_new(yajl_t_array);
	char buf[320];

	for (size_t i = 0; arr && i < n; i++)
		if (json_append(arr, json_new_string(rule_str(&r[i], buf, sizeof(buf)))) < 0) {
			yajl_tree_free(arr);
			return NULL;
		}
	return arr;
}

/* The result as JSON on stdout; false (reported on stderr) when it could not be written. */
static bool print_json(const struct nf_policy *p, const struct hostconf *hc, const char *error)
{
	_cleanup_(yajl_tree_freep) yajl_val o = json_new(yajl_t_object);
	_cleanup_free_ char *text = NULL;
	struct nf_error err = { 0 };
	yajl_val dns;
	size_t len;
	char a[64];
	int r = -ENOMEM;

	if (o)
		r = json_put(o, "valid", json_new(error ? yajl_t_false : yajl_t_true));
	if (r >= 0 && error)
		r = json_put(o, "error", json_new_string(error));
	if (r >= 0 && p) {
		dns = json_new(yajl_t_array);
		for (size_t i = 0; dns && i < p->n_dns; i++)
			r |= json_append(dns,
					 json_new_string(nf_addr_str(&p->dns[i], a, sizeof(a))));
		r |= json_put(o, "policy", json_new_string(p->name));
		r |= json_put(o, "base", json_new_string(nf_base_name(p->base)));
		r |= json_put(o, "egress", rules_json(p->egress, p->n_egress));
		r |= json_put(o, "ingress", rules_json(p->ingress, p->n_ingress));
		r |= json_put(o, "dns", dns);
		r |= json_put(o, "ipv6", json_new_string(p->ipv6 ? "on" : "off"));
		r |= json_put(o, "seccomp", json_new_string(seccomp_name(p->seccomp)));
		r |= json_put(o, "selinux", json_new_string(selinux_name(p)));
		r |= json_put(o, "selinux_enabled",
			      json_new(is_selinux_enabled() > 0 ? yajl_t_true : yajl_t_false));
		if (p->dns_live)
			r |= json_put(o, "dns_names", dns_live_json(p, hc));
		if (p->bw_egress || p->bw_ingress) {
			yajl_val bw = json_new(yajl_t_object);

			if (bw)
				r |= json_put(bw, "egress", json_new_uint(p->bw_egress)) |
				     json_put(bw, "ingress", json_new_uint(p->bw_ingress));
			r |= json_put(o, "bandwidth", bw);
		}
	}
	if (r < 0)
		nf_sys_err(&err, ENOMEM, "writing JSON");
	else if (json_write(o, true, &text, &len, &err) >= 0 && fwrite(text, 1, len, stdout) == len)
		return true;
	else if (text)
		nf_sys_err(&err, EIO, "writing JSON");
	fprintf(stderr, "netfence: validate: %s\n", err.msg);
	return false;
}

/* Host checks: returns the number of problems found. */
static int check_host(void)
{
	struct nf_error err = { 0 };
	char **chains = NULL;
	size_t n = 0;
	int v = 0, problems = 0;

	if (sysctl_read_int("net/ipv4/ip_forward", &v, &err) < 0) {
		fprintf(stderr, "netfence: validate: host: %s\n", err.msg);
		problems++;
	} else {
		printf("host: ipv4 forwarding %s\n",
		       v ? "on" : "off (netfence turns it on at the first set-up)");
	}
	if (sysctl_read_int("net/ipv6/conf/all/forwarding", &v, &err) >= 0)
		printf("host: ipv6 forwarding %s\n",
		       v ? "on" : "off (containers with io.netfence.ipv6=on are refused)");
	if (nft_foreign_forward_drop(&chains, &n, &err) < 0) {
		fprintf(stderr, "netfence: validate: host: %s\n", err.msg);
		problems++;
	}
	for (size_t i = 0; i < n; i++) {
		fprintf(stderr,
			"netfence: validate: host: chain %s drops forwarded traffic by default; "
			"allow the nf* interfaces there or containers have no network\n",
			chains[i]);
		problems++;
	}
	nf_strv_free(chains, n);
	return problems;
}

int cmd_validate(int argc, char **argv)
{
	static const int host_caps[] = { CAP_NET_ADMIN };
	struct nf_error err = { 0 };
	_cleanup_(spec_config_freep) struct spec_config *cfg = NULL;
	_cleanup_(hostconf_freep) struct hostconf *hc = NULL;
	_cleanup_(policy_freep) struct nf_policy *pol = NULL;
	const char *file = NULL;
	bool json = false, host = false;
	char last[sizeof(err.msg)] = "";
	int errors = 0, r;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0) {
			json = true;
		} else if (strcmp(argv[i], "--host") == 0) {
			host = true;
		} else if (!file && (argv[i][0] != '-' || strcmp(argv[i], "-") == 0)) {
			file = argv[i];
		} else {
			fprintf(stderr, "usage: netfence validate [FILE|-] [--json] [--host]\n");
			return NF_EXIT_INPUT;
		}
	}
	if (!file)
		file = "config.json";
	r = hostconf_load_flags(NULL, NULL, 0, &hc, &err);
	if (r < 0)
		return cmd_fail("validate", &err);
	r = spec_config_load_path(file, &cfg, &err);
	if (r < 0) {
		if (json)
			print_json(NULL, hc, err.msg);
		return cmd_fail("validate", &err);
	}
	/* input read: validate changes nothing; --host lists the host's nftables chains, and
	 * nfnetlink refuses even a read without CAP_NET_ADMIN */
	r = caps_drop_to(host_caps, host ? ARRAY_SIZE(host_caps) : 0, &err);
	if (r < 0)
		return cmd_fail("validate", &err);
	errors += check_rule_tokens(cfg, "io.netfence.egress", last, sizeof(last));
	errors += check_rule_tokens(cfg, "io.netfence.ingress", last, sizeof(last));
	r = policy_resolve(cfg->annotations, cfg->n_annotations, hc, &pol, &err);
	if (r >= 0 && pol)
		r = policy_resolve_hostnames(pol, RESOLVE_TIMEOUT_MS, &err);
	if (r >= 0 && pol) {
		/* as set-up decides it: an explicit context on a host without SELinux is an error */
		_cleanup_free_ char *ctx = NULL;

		r = label_resolve(pol->selinux, pol->selinux_context, cfg->selinux_label,
				  hc->selinux_packet_type, is_selinux_enabled() > 0, &ctx, &err);
	}
	/* a bad token was already reported token by token */
	if (r < 0 && strcmp(err.msg, last) != 0) {
		fprintf(stderr, "netfence: validate: %s\n", err.msg);
		snprintf(last, sizeof(last), "%s", err.msg);
		errors++;
	}
	if (host)
		errors += check_host();
	if (json) {
		if (!print_json(errors ? NULL : pol, hc, errors ? last : NULL))
			errors++;
	} else if (errors == 0) {
		if (pol)
			print_text(pol, hc);
		else
			printf("policy:   none applies (no io.netfence.* annotation and no "
			       "default_policy): netfence leaves this container alone\n");
	}
	return errors ? NF_EXIT_INPUT : 0;
}
