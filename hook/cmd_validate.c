/* netfence: `netfence validate [FILE|-] [--json] [--host]`: checks a config.json's io.netfence.*
 * annotations against the host configuration, reporting every error found, and prints the
 * resolved policy. --host also checks the host (forwarding, firewalls that drop forwarding). */
#include <errno.h>
#include <selinux/selinux.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_gen.h>

#include "spec.h"
#include "caps.h"
#include "cmd.h"
#include "label.h"
#include "hostconf.h"
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

static void gs(yajl_gen g, const char *s)
{
	yajl_gen_string(g, (const unsigned char *)s, strlen(s));
}

static void gen_rules(yajl_gen g, const char *key, const struct nf_rule *r, size_t n)
{
	char buf[320];

	gs(g, key);
	yajl_gen_array_open(g);
	for (size_t i = 0; i < n; i++)
		gs(g, rule_str(&r[i], buf, sizeof(buf)));
	yajl_gen_array_close(g);
}

static void print_json(const struct nf_policy *p, bool ok, const char *error)
{
	yajl_gen g = yajl_gen_alloc(NULL);
	const unsigned char *buf;
	size_t len;
	char a[64];

	if (!g)
		return;
	yajl_gen_config(g, yajl_gen_beautify, 1);
	yajl_gen_map_open(g);
	gs(g, "valid");
	yajl_gen_bool(g, ok);
	if (error) {
		gs(g, "error");
		gs(g, error);
	}
	if (p) {
		gs(g, "policy");
		gs(g, p->name);
		gs(g, "base");
		gs(g, nf_base_name(p->base));
		gen_rules(g, "egress", p->egress, p->n_egress);
		gen_rules(g, "ingress", p->ingress, p->n_ingress);
		gs(g, "dns");
		yajl_gen_array_open(g);
		for (size_t i = 0; i < p->n_dns; i++)
			gs(g, nf_addr_str(&p->dns[i], a, sizeof(a)));
		yajl_gen_array_close(g);
		gs(g, "ipv6");
		gs(g, p->ipv6 ? "on" : "off");
		gs(g, "seccomp");
		gs(g, seccomp_name(p->seccomp));
		gs(g, "selinux");
		gs(g, selinux_name(p));
		gs(g, "selinux_enabled");
		yajl_gen_bool(g, is_selinux_enabled() > 0);
	}
	yajl_gen_map_close(g);
	yajl_gen_get_buf(g, &buf, &len);
	fwrite(buf, 1, len, stdout);
	yajl_gen_free(g);
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
	struct spec_config *cfg = NULL;
	struct hostconf *hc = NULL;
	struct nf_policy *pol = NULL;
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
	r = hostconf_load(NULL, NULL, &hc, &err);
	if (r < 0)
		return cmd_fail("validate", &err);
	r = spec_config_load_path(file, &cfg, &err);
	if (r < 0) {
		hostconf_free(hc);
		if (json)
			print_json(NULL, false, err.msg);
		return cmd_fail("validate", &err);
	}
	/* input read: validate changes nothing; --host lists the host's nftables chains, and
	 * nfnetlink refuses even a read without CAP_NET_ADMIN */
	r = caps_drop_to(host_caps, host ? ARRAY_SIZE(host_caps) : 0, &err);
	if (r < 0) {
		spec_config_free(cfg);
		hostconf_free(hc);
		return cmd_fail("validate", &err);
	}
	errors += check_rule_tokens(cfg, "io.netfence.egress", last, sizeof(last));
	errors += check_rule_tokens(cfg, "io.netfence.ingress", last, sizeof(last));
	r = policy_resolve(cfg->annotations, cfg->n_annotations, hc, &pol, &err);
	if (r >= 0 && pol)
		r = policy_resolve_hostnames(pol, RESOLVE_TIMEOUT_MS, &err);
	if (r >= 0 && pol) {
		/* as set-up decides it: an explicit context on a host without SELinux is an error */
		char *ctx = NULL;

		r = label_resolve(pol->selinux, pol->selinux_context, cfg->selinux_label,
				  hc->selinux_packet_type, is_selinux_enabled() > 0, &ctx, &err);
		free(ctx);
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
		print_json(errors ? NULL : pol, errors == 0, errors ? last : NULL);
	} else if (errors == 0) {
		if (pol)
			print_text(pol);
		else
			printf("policy:   none applies (no io.netfence.* annotation and no "
			       "default_policy): netfence leaves this container alone\n");
	}
	policy_free(pol);
	spec_config_free(cfg);
	hostconf_free(hc);
	return errors ? NF_EXIT_INPUT : 0;
}
