/* netfence: `netfence validate [FILE|-] [--json] [--host]`: checks a config.json's io.netfence.*
 * annotations against the host configuration, reporting every error found, and prints the
 * resolved policy. --host also checks the host (forwarding, firewalls that drop forwarding). */
#include <errno.h>
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

static void print_text(const struct nf_policy *p)
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
	printf("\nipv6:     %s\nseccomp:  %s\nselinux:  %s%s\n", p->ipv6 ? "on" : "off",
	       seccomp_name(p->seccomp), selinux_name(p),
	       is_selinux_enabled() > 0 ? "" : " (SELinux is not enabled on this host: no labels)");
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
static bool print_json(const struct nf_policy *p, const char *error)
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
			print_json(NULL, err.msg);
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
		if (!print_json(errors ? NULL : pol, errors ? last : NULL))
			errors++;
	} else if (errors == 0) {
		if (pol)
			print_text(pol);
		else
			printf("policy:   none applies (no io.netfence.* annotation and no "
			       "default_policy): netfence leaves this container alone\n");
	}
	return errors ? NF_EXIT_INPUT : 0;
}
