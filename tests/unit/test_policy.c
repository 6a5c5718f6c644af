/* netfence: unit tests for policy resolution (lib/policy/policy.c): which containers are acted on,
 * the annotation keys and values, profiles and inline policies, the host's allow list, how
 * annotations combine with the chosen policy, and hostname resolution. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <cmocka.h>

#include "policy.h"
#include "rules.h"

static char resolv[64];

static int setup(void **state)
{
	int fd;

	strcpy(resolv, "/tmp/nf-pol-XXXXXX");
	fd = mkstemp(resolv);
	if (fd < 0)
		return -1;
	dprintf(fd, "nameserver 192.0.2.53\nnameserver 2001:db8::53\n");
	close(fd);
	return 0;
}

static int teardown(void **state)
{
	unlink(resolv);
	return 0;
}

static struct hostconf *hc_new(const char *json)
{
	struct nf_error err = { 0 };
	struct hostconf *hc = NULL;

	if (hostconf_parse(json, strlen(json), resolv, &hc, &err) < 0)
		fail_msg("host configuration: %s", err.msg);
	return hc;
}

#define MAX_KV 16
struct ann {
	struct spec_kv kv[MAX_KV];
	size_t n;
};

/* annotations from "key", "value", ... NULL */
static struct ann ann_of(const char *k, ...)
{
	struct ann a = { 0 };
	va_list ap;

	va_start(ap, k);
	for (; k && a.n < MAX_KV; k = va_arg(ap, const char *)) {
		a.kv[a.n].key = (char *)k;
		a.kv[a.n].value = va_arg(ap, char *);
		a.n++;
	}
	va_end(ap);
	return a;
}

static int resolve(const struct hostconf *hc, struct ann a, struct nf_policy **p,
		   struct nf_error *err)
{
	memset(err, 0, sizeof(*err));
	*p = NULL;
	return policy_resolve(a.kv, a.n, hc, p, err);
}

/* resolve and expect an input error whose message contains every given fragment */
static void expect_err(const struct hostconf *hc, struct ann a, const char *frag1,
		       const char *frag2)
{
	struct nf_error err;
	struct nf_policy *p;
	int r = resolve(hc, a, &p, &err);

	if (r != -EINVAL)
		fail_msg("accepted (r=%d), wanted \"%s\"", r, frag1);
	assert_null(p);
	assert_int_equal(err.kind, NF_EXIT_INPUT);
	if (!strstr(err.msg, frag1) || (frag2 && !strstr(err.msg, frag2)))
		fail_msg("message \"%s\" lacks \"%s\" / \"%s\"", err.msg, frag1,
			 frag2 ? frag2 : "");
}

static struct nf_policy *expect_ok(const struct hostconf *hc, struct ann a)
{
	struct nf_error err;
	struct nf_policy *p;

	if (resolve(hc, a, &p, &err) != 0)
		fail_msg("refused: %s", err.msg);
	assert_non_null(p);
	return p;
}

static const char *rs(const struct nf_rule *r)
{
	static char buf[300];

	return rule_str(r, buf, sizeof(buf));
}

static const char *as(const struct nf_addr *a)
{
	static char buf[64];

	return nf_addr_str(a, buf, sizeof(buf));
}

static void test_untouched(void **state)
{
	struct hostconf *hc = hc_new("{}");
	struct nf_error err;
	struct nf_policy *p = (struct nf_policy *)1;

	assert_int_equal(resolve(hc, ann_of(NULL), &p, &err), 0);
	assert_null(p);
	assert_int_equal(resolve(hc,
				 ann_of("io.netfence", "x", "org.example.policy", "none",
					"io.netfencex.policy", "none", NULL),
				 &p, &err),
			 0);
	assert_null(p);
	hostconf_free(hc);
}

static void test_default_policy(void **state)
{
	struct hostconf *hc = hc_new("{\"default_policy\": \"restricted\", \"allow\": "
				     "{\"policies\": [\"none\"], \"rules\": false}}");
	struct nf_policy *p;

	/* the operator's default is not subject to `allow` */
	p = expect_ok(hc, ann_of("other", "x", NULL));
	assert_string_equal(p->name, "restricted");
	assert_int_equal(p->base, NF_BASE_RESTRICTED);
	assert_int_equal(p->n_dns, 1); /* ipv6 off: the default IPv6 resolver is dropped */
	assert_string_equal(as(&p->dns[0]), "192.0.2.53");
	policy_free(p);
	hostconf_free(hc);

	hc = hc_new(
		"{\"default_policy\": {\"base\": \"internet\", \"egress\": [\"10.0.0.0/8:80\"], "
		"\"ipv6\": \"on\"}}");
	p = expect_ok(hc, ann_of(NULL));
	assert_string_equal(p->name, "inline");
	assert_int_equal(p->base, NF_BASE_INTERNET);
	assert_true(p->ipv6);
	assert_int_equal(p->n_egress, 1);
	assert_string_equal(rs(&p->egress[0]), "10.0.0.0/8:80");
	assert_int_equal(p->n_dns, 2);
	policy_free(p);
	hostconf_free(hc);

	hc = hc_new(
		"{\"default_policy\": \"db\", \"profiles\": {\"db\": {\"base\": \"restricted\", "
		"\"egress\": [\"10.1.0.0/16:5432\"]}}}");
	p = expect_ok(hc, ann_of(NULL));
	assert_string_equal(p->name, "db");
	assert_int_equal(p->n_egress, 1);
	policy_free(p);
	/* annotations override the default entirely: they need their own policy key */
	expect_err(hc, ann_of("io.netfence.egress", "1.1.1.1", NULL),
		   "io.netfence.egress set without io.netfence.policy", NULL);
	hostconf_free(hc);
}

static void test_keys(void **state)
{
	struct hostconf *hc = hc_new("{}");

	expect_err(hc, ann_of("io.netfence.egress", "1.1.1.1", NULL),
		   "io.netfence.egress set without io.netfence.policy", NULL);
	expect_err(hc, ann_of("io.netfence.ipv6", "on", NULL),
		   "io.netfence.ipv6 set without io.netfence.policy", NULL);
	expect_err(hc, ann_of("io.netfence.dns", "none", "io.netfence.seccomp", "auto", NULL),
		   "io.netfence.dns set without io.netfence.policy", NULL);
	expect_err(hc, ann_of("io.netfence.polcy", "restricted", NULL),
		   "unknown annotation \"io.netfence.polcy\"", NULL);
	expect_err(hc, ann_of("io.netfence.policy", "restricted", "io.netfence.log", "on", NULL),
		   "unknown annotation \"io.netfence.log\"", NULL);
	expect_err(hc, ann_of("io.netfence.Policy", "restricted", NULL),
		   "unknown annotation \"io.netfence.Policy\"", NULL);
	expect_err(hc, ann_of("io.netfence.", "x", NULL), "unknown annotation \"io.netfence.\"",
		   NULL);
	expect_err(hc, ann_of("io.netfence.policy", "open", NULL),
		   "io.netfence.policy: unknown policy \"open\"", NULL);
	expect_err(hc, ann_of("io.netfence.policy", "", NULL),
		   "io.netfence.policy: unknown policy \"\"", NULL);
	expect_err(hc, ann_of("io.netfence.policy", "Restricted", NULL), "unknown policy", NULL);
	expect_err(hc, ann_of("io.netfence.policy", "restricted;reboot", NULL),
		   "unknown policy \"restricted;reboot\"", NULL);
	hostconf_free(hc);
}

static void test_builtins(void **state)
{
	struct hostconf *hc = hc_new("{}");
	struct nf_policy *p;

	p = expect_ok(hc, ann_of("io.netfence.policy", "none", NULL));
	assert_int_equal(p->base, NF_BASE_NONE);
	assert_string_equal(p->name, "none");
	policy_free(p);
	p = expect_ok(hc, ann_of("io.netfence.policy", "internet", "io.netfence.ipv6", "on", NULL));
	assert_int_equal(p->base, NF_BASE_INTERNET);
	assert_true(p->ipv6);
	assert_int_equal(p->n_dns, 2); /* ipv6 on keeps the IPv6 resolver */
	assert_int_equal(p->seccomp, NF_SECCOMP_AUTO);
	assert_int_equal(p->selinux, NF_SELINUX_AUTO);
	policy_free(p);
	p = expect_ok(hc, ann_of("io.netfence.policy", "restricted", "io.netfence.egress",
				 "pypi.org:443, 10.0.0.0/8:5432", "io.netfence.ingress", "", NULL));
	assert_int_equal(p->n_egress, 2);
	assert_string_equal(rs(&p->egress[0]), "pypi.org:443");
	assert_int_equal(p->n_ingress, 0);
	assert_false(p->ipv6);
	policy_free(p);

	expect_err(hc, ann_of("io.netfence.policy", "none", "io.netfence.egress", "1.1.1.1", NULL),
		   "io.netfence.egress", "not allowed with policy \"none\"");
	expect_err(hc,
		   ann_of("io.netfence.policy", "none", "io.netfence.ingress", "1.1.1.1:22", NULL),
		   "io.netfence.ingress: rule \"1.1.1.1:22\"", "\"none\"");
	hostconf_free(hc);
}

static void test_values(void **state)
{
	struct hostconf *hc = hc_new("{}");
	struct nf_policy *p;

	expect_err(hc,
		   ann_of("io.netfence.policy", "restricted", "io.netfence.egress",
			  "1.1.1.1,10.0.0.1/8", NULL),
		   "io.netfence.egress: invalid rule \"10.0.0.1/8\": host bits set", NULL);
	expect_err(hc, ann_of("io.netfence.policy", "restricted", "io.netfence.ingress", ",", NULL),
		   "io.netfence.ingress: empty rule", NULL);
	expect_err(hc, ann_of("io.netfence.policy", "restricted", "io.netfence.ipv6", "yes", NULL),
		   "io.netfence.ipv6: \"yes\" is not \"on\" or \"off\"", NULL);
	expect_err(hc, ann_of("io.netfence.policy", "restricted", "io.netfence.ipv6", "ON", NULL),
		   "io.netfence.ipv6", "\"ON\"");

	/* IPv6 rules need ipv6 on */
	expect_err(hc,
		   ann_of("io.netfence.policy", "restricted", "io.netfence.egress",
			  "[2001:db8::/32]:443", NULL),
		   "io.netfence.egress: IPv6 rule \"[2001:db8::/32]:443\"", "ipv6=on");
	expect_err(hc,
		   ann_of("io.netfence.policy", "restricted", "io.netfence.ingress",
			  "[2001:db8::1]", "io.netfence.ipv6", "off", NULL),
		   "io.netfence.ingress: IPv6 rule \"[2001:db8::1]\"", NULL);
	p = expect_ok(hc, ann_of("io.netfence.policy", "restricted", "io.netfence.egress",
				 "[2001:db8::/32]:443", "io.netfence.ipv6", "on", NULL));
	assert_int_equal(p->egress[0].family, AF_INET6);
	policy_free(p);

	/* dns */
	p = expect_ok(hc,
		      ann_of("io.netfence.policy", "restricted", "io.netfence.dns", "none", NULL));
	assert_int_equal(p->n_dns, 0);
	policy_free(p);
	p = expect_ok(hc, ann_of("io.netfence.policy", "restricted", "io.netfence.dns",
				 " 9.9.9.9 , [2620:fe::fe]", "io.netfence.ipv6", "on", NULL));
	assert_int_equal(p->n_dns, 2);
	assert_string_equal(as(&p->dns[0]), "9.9.9.9");
	assert_string_equal(as(&p->dns[1]), "2620:fe::fe");
	policy_free(p);
	expect_err(hc,
		   ann_of("io.netfence.policy", "restricted", "io.netfence.dns", "[2620:fe::fe]",
			  NULL),
		   "io.netfence.dns: IPv6 resolver \"[2620:fe::fe]\"", "ipv6=on");
	expect_err(hc,
		   ann_of("io.netfence.policy", "restricted", "io.netfence.dns", "2620:fe::fe",
			  "io.netfence.ipv6", "on", NULL),
		   "io.netfence.dns: invalid resolver \"2620:fe::fe\"", "brackets");
	expect_err(hc,
		   ann_of("io.netfence.policy", "restricted", "io.netfence.dns", "1.1.1.1,", NULL),
		   "io.netfence.dns: empty resolver", NULL);
	expect_err(hc, ann_of("io.netfence.policy", "restricted", "io.netfence.dns", "", NULL),
		   "io.netfence.dns: empty resolver", NULL);
	expect_err(
		hc,
		ann_of("io.netfence.policy", "restricted", "io.netfence.dns", "dns.google", NULL),
		"io.netfence.dns: invalid resolver \"dns.google\"", NULL);
	expect_err(hc,
		   ann_of("io.netfence.policy", "restricted", "io.netfence.dns", "[fe80::1%eth0]",
			  "io.netfence.ipv6", "on", NULL),
		   "io.netfence.dns: invalid resolver \"[fe80::1%eth0]\"", NULL);

	/* seccomp and selinux */
	p = expect_ok(hc, ann_of("io.netfence.policy", "restricted", "io.netfence.seccomp", "off",
				 "io.netfence.selinux", "off", NULL));
	assert_int_equal(p->seccomp, NF_SECCOMP_OFF);
	assert_int_equal(p->selinux, NF_SELINUX_OFF);
	policy_free(p);
	p = expect_ok(hc, ann_of("io.netfence.policy", "restricted", "io.netfence.seccomp", "inet",
				 NULL));
	assert_int_equal(p->seccomp, NF_SECCOMP_INET);
	policy_free(p);
	p = expect_ok(hc, ann_of("io.netfence.policy", "restricted", "io.netfence.seccomp", "unix",
				 NULL));
	assert_int_equal(p->seccomp, NF_SECCOMP_UNIX);
	policy_free(p);
	p = expect_ok(hc, ann_of("io.netfence.policy", "restricted", NULL));
	assert_int_equal(p->seccomp, NF_SECCOMP_AUTO);
	policy_free(p);
	expect_err(
		hc,
		ann_of("io.netfence.policy", "restricted", "io.netfence.seccomp", "strict", NULL),
		"io.netfence.seccomp: unknown level \"strict\"", NULL);
	/* an explicit context is taken as written (MCS level included); set-up decides whether
	 * the host can honour it */
	p = expect_ok(hc, ann_of("io.netfence.policy", "restricted", "io.netfence.selinux",
				 "system_u:object_r:netfence_packet_t:s0:c1,c2", NULL));
	assert_int_equal(p->selinux, NF_SELINUX_CONTEXT);
	assert_string_equal(p->selinux_context, "system_u:object_r:netfence_packet_t:s0:c1,c2");
	policy_free(p);
	expect_err(hc,
		   ann_of("io.netfence.policy", "restricted", "io.netfence.selinux", "container_t",
			  NULL),
		   "io.netfence.selinux: \"container_t\"", "not an SELinux context");
	expect_err(hc,
		   ann_of("io.netfence.policy", "restricted", "io.netfence.selinux",
			  "system_u::container_t:s0", NULL),
		   "io.netfence.selinux: \"system_u::container_t:s0\"", "not an SELinux context");
	expect_err(hc,
		   ann_of("io.netfence.policy", "restricted", "io.netfence.selinux",
			  "system_u:object_r:container_t:s0 x", NULL),
		   "io.netfence.selinux:", "not an SELinux context");
	expect_err(hc, ann_of("io.netfence.policy", "restricted", "io.netfence.selinux", "", NULL),
		   "io.netfence.selinux: empty value", NULL);
	hostconf_free(hc);
}

static void test_limits(void **state)
{
	struct hostconf *hc = hc_new("{}");
	char *big = malloc(NF_ANNOTATION_MAX + 64);
	size_t len = 0;

	for (int i = 0; i < 4097; i++)
		len += (size_t)sprintf(big + len, "%s1.1.%d.%d", i ? "," : "", i / 256, i % 256);
	expect_err(hc, ann_of("io.netfence.policy", "restricted", "io.netfence.egress", big, NULL),
		   "io.netfence.egress: more than the limit of 4096 rules", NULL);
	memset(big, ' ', NF_ANNOTATION_MAX + 1);
	big[NF_ANNOTATION_MAX + 1] = '\0';
	expect_err(hc, ann_of("io.netfence.policy", "restricted", "io.netfence.ingress", big, NULL),
		   "io.netfence.ingress: value larger than the limit of 65536 bytes", NULL);
	expect_err(hc, ann_of("io.netfence.policy", big, NULL),
		   "io.netfence.policy: value larger than the limit", NULL);

	/* inline policies hold at most 4096 rules too */
	len = (size_t)sprintf(big, "{\"base\": \"restricted\", \"egress\": [");
	for (int i = 0; i < 4097; i++)
		len += (size_t)sprintf(big + len, "%s\"1.1.%d.%d\"", i ? "," : "", i / 256,
				       i % 256);
	strcpy(big + len, "]}");
	expect_err(hc, ann_of("io.netfence.policy", big, NULL),
		   "io.netfence.policy: more than the limit of 4096 rules", NULL);
	free(big);
	hostconf_free(hc);
}

static void test_inline(void **state)
{
	struct hostconf *hc = hc_new("{}");
	struct nf_policy *p;

	p = expect_ok(hc, ann_of("io.netfence.policy",
				 " {\"base\": \"restricted\", \"egress\": [\"10.0.0.0/8:53/udp\"], "
				 "\"ingress\": [\"192.0.2.0/24:8080\"], \"dns\": [\"9.9.9.9\"], "
				 "\"ipv6\": \"off\", \"seccomp\": \"auto\", \"selinux\": \"auto\"}",
				 "io.netfence.egress", "198.51.100.7:443", NULL));
	assert_string_equal(p->name, "inline");
	assert_int_equal(p->base, NF_BASE_RESTRICTED);
	assert_int_equal(p->n_egress, 2); /* the policy's rules, then the annotation's */
	assert_string_equal(rs(&p->egress[0]), "10.0.0.0/8:53/udp");
	assert_string_equal(rs(&p->egress[1]), "198.51.100.7:443");
	assert_int_equal(p->n_ingress, 1);
	assert_int_equal(p->n_dns, 1);
	assert_string_equal(as(&p->dns[0]), "9.9.9.9");
	policy_free(p);

	expect_err(hc, ann_of("io.netfence.policy", "{\"base\": \"restricted\"", NULL),
		   "io.netfence.policy: invalid JSON", NULL);
	expect_err(hc,
		   ann_of("io.netfence.policy", "{\"base\": \"restricted\", \"egres\": []}", NULL),
		   "io.netfence.policy: unknown key \"egres\"", NULL);
	expect_err(hc, ann_of("io.netfence.policy", "{\"egress\": []}", NULL),
		   "io.netfence.policy: \"base\" is required", NULL);
	expect_err(hc, ann_of("io.netfence.policy", "{\"base\": \"inline\"}", NULL),
		   "unknown policy \"inline\"", NULL);
	expect_err(hc,
		   ann_of("io.netfence.policy",
			  "{\"base\": \"restricted\", \"base\": \"internet\"}", NULL),
		   "io.netfence.policy: duplicate key \"base\"", NULL);
	expect_err(hc,
		   ann_of("io.netfence.policy",
			  "{\"base\": \"restricted\", \"x\": {\"a\": 1, \"a\": 2}}", NULL),
		   "duplicate key \"a\"", NULL);
	expect_err(hc,
		   ann_of("io.netfence.policy",
			  "{\"base\": \"restricted\", \"egress\": [\"a..b\"]}", NULL),
		   "io.netfence.policy: egress: invalid rule \"a..b\"", "empty label");
	expect_err(hc,
		   ann_of("io.netfence.policy",
			  "{\"base\": \"restricted\", \"ingress\": [\"[2001:db8::1]\"]}", NULL),
		   "io.netfence.policy: ingress: IPv6 rule \"[2001:db8::1]\"", NULL);
	expect_err(hc,
		   ann_of("io.netfence.policy",
			  "{\"base\": \"restricted\", \"dns\": [\"2001:db8::53\"]}", NULL),
		   "io.netfence.policy: dns: IPv6 resolver \"2001:db8::53\"", NULL);
	p = expect_ok(hc, ann_of("io.netfence.policy",
				 "{\"base\": \"restricted\", \"seccomp\": \"unix\"}", NULL));
	assert_int_equal(p->seccomp, NF_SECCOMP_UNIX);
	policy_free(p);
	expect_err(hc,
		   ann_of("io.netfence.policy", "{\"base\": \"restricted\", \"seccomp\": \"x\"}",
			  NULL),
		   "io.netfence.policy", "unknown level \"x\"");
	expect_err(hc,
		   ann_of("io.netfence.policy", "{\"base\": \"none\", \"egress\": [\"1.1.1.1\"]}",
			  NULL),
		   "io.netfence.policy", "\"none\"");
	expect_err(hc,
		   ann_of("io.netfence.policy", "{\"base\": \"none\"}", "io.netfence.egress",
			  "1.1.1.1", NULL),
		   "io.netfence.egress", "not allowed with policy \"none\"");
	/* the annotation's ipv6 replaces the inline one, in both directions */
	p = expect_ok(hc,
		      ann_of("io.netfence.policy", "{\"base\": \"restricted\", \"ipv6\": \"on\"}",
			     "io.netfence.ipv6", "off", NULL));
	assert_false(p->ipv6);
	policy_free(p);
	hostconf_free(hc);
}

static const char *profiles_conf =
	"{\"dns\": [\"192.0.2.1\"], \"profiles\": {\"web\": {\"base\": \"restricted\", \"egress\": "
	"[\"203.0.113.0/24:443\", \"[2001:db8::/32]:443\"], \"ingress\": [\"0.0.0.0/0:8080\"], "
	"\"dns\": [\"192.0.2.2\", \"[2001:db8::2]\"], \"ipv6\": \"on\", \"seccomp\": \"off\", "
	"\"selinux\": \"off\"}, \"v4\": {\"base\": \"internet\", \"egress\": "
	"[\"[2001:db8::/32]\"]}}}";

static void test_profiles(void **state)
{
	struct hostconf *hc = hc_new(profiles_conf);
	struct nf_policy *p;

	p = expect_ok(hc, ann_of("io.netfence.policy", "web", NULL));
	assert_string_equal(p->name, "web");
	assert_int_equal(p->base, NF_BASE_RESTRICTED);
	assert_true(p->ipv6);
	assert_int_equal(p->n_egress, 2);
	assert_int_equal(p->n_ingress, 1);
	assert_int_equal(p->n_dns, 2);
	assert_string_equal(as(&p->dns[0]), "192.0.2.2");
	assert_int_equal(p->seccomp, NF_SECCOMP_OFF);
	assert_int_equal(p->selinux, NF_SELINUX_OFF);
	policy_free(p);

	/* combination: rules added, dns / seccomp / selinux replaced */
	p = expect_ok(hc,
		      ann_of("io.netfence.policy", "web", "io.netfence.egress",
			     "198.51.100.0/24:22, 203.0.113.0/24:443", "io.netfence.ingress",
			     "192.0.2.0/24:9000", "io.netfence.dns", "9.9.9.9",
			     "io.netfence.seccomp", "auto", "io.netfence.selinux", "auto", NULL));
	assert_int_equal(p->n_egress, 4); /* duplicates are fine, merged later */
	assert_string_equal(rs(&p->egress[0]), "203.0.113.0/24:443");
	assert_string_equal(rs(&p->egress[2]), "198.51.100.0/24:22");
	assert_int_equal(p->n_ingress, 2);
	assert_string_equal(rs(&p->ingress[1]), "192.0.2.0/24:9000");
	assert_int_equal(p->n_dns, 1);
	assert_string_equal(as(&p->dns[0]), "9.9.9.9");
	assert_int_equal(p->seccomp, NF_SECCOMP_AUTO);
	assert_int_equal(p->selinux, NF_SELINUX_AUTO);
	policy_free(p);

	/* ipv6 off by annotation against a profile with IPv6 rules: the profile's rule is named */
	expect_err(hc, ann_of("io.netfence.policy", "web", "io.netfence.ipv6", "off", NULL),
		   "profile \"web\": egress: IPv6 rule \"[2001:db8::/32]:443\"", NULL);
	expect_err(hc, ann_of("io.netfence.policy", "v4", NULL),
		   "profile \"v4\": egress: IPv6 rule \"[2001:db8::/32]\"", NULL);
	expect_err(hc, ann_of("io.netfence.policy", "webb", NULL),
		   "io.netfence.policy: unknown policy \"webb\"", NULL);
	/* a profile without dns uses the host's */
	p = expect_ok(hc, ann_of("io.netfence.policy", "v4", "io.netfence.ipv6", "on", NULL));
	assert_int_equal(p->n_dns, 1);
	assert_string_equal(as(&p->dns[0]), "192.0.2.1");
	policy_free(p);
	hostconf_free(hc);
}

static void test_allow(void **state)
{
	struct hostconf *hc = hc_new(
		"{\"profiles\": {\"web\": {\"base\": \"restricted\", \"seccomp\": \"off\"}, "
		"\"db\": "
		"{\"base\": \"restricted\"}}, \"allow\": {\"policies\": [\"restricted\", \"web\"], "
		"\"rules\": false, \"dns\": false, \"seccomp_off\": false}}");
	struct nf_policy *p;

	p = expect_ok(hc, ann_of("io.netfence.policy", "restricted", NULL));
	policy_free(p);
	/* the operator's profile may turn seccomp off; the annotation may not */
	p = expect_ok(hc, ann_of("io.netfence.policy", "web", NULL));
	assert_int_equal(p->seccomp, NF_SECCOMP_OFF);
	policy_free(p);
	expect_err(hc, ann_of("io.netfence.policy", "internet", NULL),
		   "io.netfence.policy: \"internet\": the host configuration does not allow", NULL);
	expect_err(hc, ann_of("io.netfence.policy", "db", NULL),
		   "io.netfence.policy: \"db\": the host configuration does not allow", NULL);
	expect_err(
		hc,
		ann_of("io.netfence.policy", "restricted", "io.netfence.egress", "1.1.1.1", NULL),
		"io.netfence.egress: the host configuration does not allow", NULL);
	expect_err(
		hc,
		ann_of("io.netfence.policy", "restricted", "io.netfence.ingress", "1.1.1.1", NULL),
		"io.netfence.ingress: the host configuration does not allow", NULL);
	expect_err(hc,
		   ann_of("io.netfence.policy", "restricted", "io.netfence.dns", "9.9.9.9", NULL),
		   "io.netfence.dns: the host configuration does not allow it", NULL);
	expect_err(hc, ann_of("io.netfence.policy", "restricted", "io.netfence.dns", "none", NULL),
		   "io.netfence.dns: the host configuration does not allow it", NULL);
	expect_err(hc,
		   ann_of("io.netfence.policy", "restricted", "io.netfence.seccomp", "off", NULL),
		   "io.netfence.seccomp: \"off\": the host configuration does not allow it", NULL);
	expect_err(hc, ann_of("io.netfence.policy", "{\"base\": \"restricted\"}", NULL),
		   "io.netfence.policy: inline policies: the host configuration does not allow",
		   NULL);
	/* empty rule annotations ask for nothing */
	p = expect_ok(hc,
		      ann_of("io.netfence.policy", "restricted", "io.netfence.egress", " ", NULL));
	policy_free(p);
	hostconf_free(hc);

	hc = hc_new("{\"allow\": {\"policies\": [\"restricted\"], \"seccomp_off\": false}}");
	expect_err(hc, ann_of("io.netfence.policy", "{\"base\": \"internet\"}", NULL),
		   "io.netfence.policy: base \"internet\": the host configuration does not allow",
		   NULL);
	expect_err(hc,
		   ann_of("io.netfence.policy", "{\"base\": \"restricted\", \"seccomp\": \"off\"}",
			  NULL),
		   "seccomp: \"off\": the host configuration does not allow it", NULL);
	p = expect_ok(hc, ann_of("io.netfence.policy",
				 "{\"base\": \"restricted\", \"egress\": "
				 "[\"1.1.1.1\"], \"dns\": \"none\"}",
				 NULL));
	assert_int_equal(p->n_egress, 1);
	assert_int_equal(p->n_dns, 0);
	policy_free(p);
	hostconf_free(hc);
}

/* io.netfence.rate and io.netfence.quota (SPEC section 11), and allow.limits */
static void test_rate_quota(void **state)
{
	static const char *const bad_rate[] = { "",	"0/s", "10",	"10/h",	     "10/ss",
						"-1/s", "x/s", "1.5/s", "2000000/s", " 10/s" };
	static const char *const bad_quota[] = { "",	  "0MB",   "500", "500mb",	   "5 MB",
						 "1.5GB", "2GiBs", "-1B", "99999999999TiB" };
	struct hostconf *hc = hc_new("{}");
	struct nf_policy *p;
	uint64_t a, b;
	struct nf_error err;

	p = expect_ok(hc, ann_of("io.netfence.policy", "restricted", "io.netfence.rate", "100/s",
				 "io.netfence.quota", "500MB", NULL));
	assert_int_equal(p->rate, 100);
	assert_int_equal(p->rate_unit, 1);
	assert_int_equal(p->quota, 500000000ull);
	policy_free(p);
	p = expect_ok(hc, ann_of("io.netfence.policy", "internet", "io.netfence.rate", "600/m",
				 "io.netfence.quota", "2GiB", NULL));
	assert_int_equal(p->rate, 600);
	assert_int_equal(p->rate_unit, 60);
	assert_int_equal(p->quota, 2ull << 30);
	policy_free(p);
	p = expect_ok(hc, ann_of("io.netfence.policy", "restricted", NULL));
	assert_int_equal(p->rate + p->quota, 0);
	policy_free(p);
	assert_int_equal(policy_parse_quota("1KiB", &a, &err), 0);
	assert_int_equal(a, 1024);
	assert_int_equal(policy_parse_quota("3KB", &a, &err), 0);
	assert_int_equal(a, 3000);
	assert_int_equal(policy_parse_quota("7B", &a, &err), 0);
	assert_int_equal(a, 7);
	assert_int_equal(policy_parse_quota("1TB", &a, &err), 0);
	assert_int_equal(a, 1000000000000ull);
	assert_int_equal(policy_parse_rate("1/m", &a, &b, &err), 0);
	assert_int_equal(a * 1000 + b, 1060);
	/* the bounds, leading zeros; the unit's case counts here */
	assert_int_equal(policy_parse_rate("1000000/s", &a, &b, &err), 0);
	assert_int_equal(a * 100 + b, 100000001);
	assert_int_equal(policy_parse_rate("007/m", &a, &b, &err), 0);
	assert_int_equal(a * 100 + b, 760);
	assert_true(policy_parse_rate("1000001/s", &a, &b, &err) < 0);
	assert_true(policy_parse_rate("10/S", &a, &b, &err) < 0);
	assert_int_equal(policy_parse_quota("1048576TiB", &a, &err), 0);
	assert_int_equal(a, 1ull << 60);
	assert_true(policy_parse_quota("1048577TiB", &a, &err) < 0);
	assert_non_null(strstr(err.msg, "\"1048577TiB\" is not a byte count"));
	assert_true(policy_parse_quota("1kb", &a, &err) < 0);
	for (size_t i = 0; i < sizeof(bad_rate) / sizeof(*bad_rate); i++) {
		char want[64];

		snprintf(want, sizeof(want), "\"%s\" is not a rate", bad_rate[i]);
		expect_err(hc,
			   ann_of("io.netfence.policy", "restricted", "io.netfence.rate",
				  bad_rate[i], NULL),
			   "io.netfence.rate: ", want);
	}
	for (size_t i = 0; i < sizeof(bad_quota) / sizeof(*bad_quota); i++) {
		char want[64];

		snprintf(want, sizeof(want), "\"%s\" is not a byte count", bad_quota[i]);
		expect_err(hc,
			   ann_of("io.netfence.policy", "restricted", "io.netfence.quota",
				  bad_quota[i], NULL),
			   "io.netfence.quota: ", want);
	}
	expect_err(hc, ann_of("io.netfence.policy", "none", "io.netfence.rate", "1/s", NULL),
		   "io.netfence.rate: no network to limit", NULL);
	hostconf_free(hc);

	hc = hc_new("{\"allow\": {\"limits\": false}}");
	expect_err(hc, ann_of("io.netfence.policy", "restricted", "io.netfence.quota", "1MB", NULL),
		   "io.netfence.quota: the host configuration does not allow limits", NULL);
	expect_err(hc, ann_of("io.netfence.policy", "restricted", "io.netfence.rate", "1/s", NULL),
		   "io.netfence.rate: the host configuration does not allow limits", NULL);
	p = expect_ok(hc, ann_of("io.netfence.policy", "restricted", NULL));
	policy_free(p);
	hostconf_free(hc);
	hc = NULL;
	assert_true(hostconf_parse("{\"allow\": {\"limits\": 1}}", 24, resolv, &hc, &err) < 0);
	assert_non_null(strstr(err.msg, "allow.limits"));
	hostconf_free(hc);
}

static void test_hostnames(void **state)
{
	/* static resolution at set-up, as before live DNS names */
	struct hostconf *hc = hc_new("{\"dns_names\": \"static\"}");
	struct nf_error err = { 0 };
	struct nf_policy *p;

	/* localhost answers loopback: a DNS answer never opens it (the e2e tests show a normal
	 * name expanding through the test resolver) */
	p = expect_ok(hc, ann_of("io.netfence.policy", "restricted", "io.netfence.egress",
				 "LocalHost:8080/udp, 10.9.0.0/16, localhost.:443", NULL));
	assert_int_equal(policy_resolve_hostnames(p, 5000, &err), -EINVAL);
	assert_int_equal(err.kind, NF_EXIT_INPUT);
	assert_non_null(strstr(err.msg, "io.netfence.egress: hostname \"localhost\" resolved to "
					"127.0.0.1, loopback"));
	assert_int_equal(p->n_hostnames, 0);
	policy_free(p);
	memset(&err, 0, sizeof(err));

	/* no hostname: nothing to do */
	p = expect_ok(hc, ann_of("io.netfence.policy", "restricted", "io.netfence.ingress",
				 "192.0.2.1", NULL));
	assert_int_equal(policy_resolve_hostnames(p, 1, &err), 0);
	assert_int_equal(p->n_ingress, 1);
	policy_free(p);

	p = expect_ok(hc, ann_of("io.netfence.policy", "restricted", "io.netfence.ingress",
				 "*.example.com", NULL));
	assert_int_equal(policy_resolve_hostnames(p, 1000, &err), -EINVAL);
	assert_non_null(strstr(err.msg,
			       "io.netfence.ingress: wildcard \"*.example.com\": an ingress "
			       "source is resolved once at set-up"));
	policy_free(p);

	/* static mode: an egress wildcard is refused, naming the host key that turns it off */
	p = expect_ok(hc, ann_of("io.netfence.policy", "restricted", "io.netfence.egress",
				 "*.example.com:443", NULL));
	assert_false(p->dns_live);
	memset(&err, 0, sizeof(err));
	assert_int_equal(policy_resolve_hostnames(p, 1000, &err), -EINVAL);
	assert_int_equal(err.kind, NF_EXIT_INPUT);
	assert_non_null(strstr(err.msg, "io.netfence.egress: wildcard \"*.example.com\" cannot be "
					"resolved at set-up"));
	assert_non_null(strstr(err.msg, "\"dns_names\": \"static\""));
	policy_free(p);

	/* a name that cannot resolve (or times out) is an input error naming key and name */
	p = expect_ok(hc, ann_of("io.netfence.policy", "restricted", "io.netfence.egress",
				 "10.0.0.1, netfence-test.invalid:443", NULL));
	memset(&err, 0, sizeof(err));
	assert_int_equal(policy_resolve_hostnames(p, 2000, &err), -EINVAL);
	assert_int_equal(err.kind, NF_EXIT_INPUT);
	assert_non_null(strstr(err.msg, "io.netfence.egress: cannot resolve "
					"\"netfence-test.invalid\""));
	policy_free(p);
	hostconf_free(hc);
}

/* io.netfence.dns-names (SPEC section 3): defaults, the grammar, allow.dns, the fingerprint. */
static void test_dns_names(void **state)
{
	struct hostconf *hc = hc_new("{}");
	struct nf_policy *p;
	char fp1[17], fp2[17];

	p = expect_ok(hc, ann_of("io.netfence.policy", "internet", NULL));
	assert_int_equal(p->n_dns_names, 1);
	assert_string_equal(p->dns_names[0], "*");
	assert_int_equal(policy_fingerprint(p, fp1), 0);
	policy_free(p);
	/* the default written out is the same policy */
	p = expect_ok(
		hc, ann_of("io.netfence.policy", "internet", "io.netfence.dns-names", " * ", NULL));
	assert_int_equal(policy_fingerprint(p, fp2), 0);
	assert_string_equal(fp1, fp2);
	policy_free(p);
	/* internet resolving nothing is another policy */
	p = expect_ok(hc,
		      ann_of("io.netfence.policy", "internet", "io.netfence.dns-names", "", NULL));
	assert_int_equal(p->n_dns_names, 0);
	assert_int_equal(policy_fingerprint(p, fp2), 0);
	assert_string_not_equal(fp1, fp2);
	policy_free(p);

	p = expect_ok(hc, ann_of("io.netfence.policy", "restricted", NULL));
	assert_int_equal(p->n_dns_names, 0);
	assert_int_equal(policy_fingerprint(p, fp1), 0);
	policy_free(p);
	/* lower-case, one trailing dot dropped, sorted, duplicates merged */
	p = expect_ok(hc, ann_of("io.netfence.policy", "restricted", "io.netfence.dns-names",
				 " Exact.Example. ,*.EXTRA.example,exact.example, a-1.b ", NULL));
	assert_int_equal(p->n_dns_names, 3);
	assert_string_equal(p->dns_names[0], "*.extra.example");
	assert_string_equal(p->dns_names[1], "a-1.b");
	assert_string_equal(p->dns_names[2], "exact.example");
	assert_int_equal(policy_fingerprint(p, fp2), 0);
	assert_string_not_equal(fp1, fp2);
	policy_free(p);
	/* order and case do not make another policy */
	p = expect_ok(hc, ann_of("io.netfence.policy", "restricted", "io.netfence.dns-names",
				 "a-1.b,*.extra.example,exact.example", NULL));
	assert_int_equal(policy_fingerprint(p, fp1), 0);
	assert_string_equal(fp1, fp2);
	policy_free(p);
	p = expect_ok(
		hc, ann_of("io.netfence.policy", "restricted", "io.netfence.dns-names", "*", NULL));
	assert_int_equal(p->n_dns_names, 1);
	assert_string_equal(p->dns_names[0], "*");
	policy_free(p);
	/* policy none may say it resolves nothing */
	p = expect_ok(hc, ann_of("io.netfence.policy", "none", "io.netfence.dns-names", " ", NULL));
	assert_int_equal(p->n_dns_names, 0);
	policy_free(p);

	expect_err(hc,
		   ann_of("io.netfence.policy", "restricted", "io.netfence.dns-names", "a.b,,c.d",
			  NULL),
		   "io.netfence.dns-names: empty name (name 2: stray comma)", NULL);
	expect_err(
		hc,
		ann_of("io.netfence.policy", "restricted", "io.netfence.dns-names", "a.b,", NULL),
		"io.netfence.dns-names: empty name", NULL);
	expect_err(
		hc,
		ann_of("io.netfence.policy", "restricted", "io.netfence.dns-names", "a..b", NULL),
		"io.netfence.dns-names: invalid name \"a..b\": empty label", NULL);
	expect_err(hc,
		   ann_of("io.netfence.policy", "restricted", "io.netfence.dns-names", "*.", NULL),
		   "invalid name \"*.\": empty hostname", NULL);
	expect_err(hc,
		   ann_of("io.netfence.policy", "restricted", "io.netfence.dns-names", "**", NULL),
		   "invalid name \"**\": invalid character", NULL);
	expect_err(
		hc,
		ann_of("io.netfence.policy", "restricted", "io.netfence.dns-names", "a.*.b", NULL),
		"invalid name \"a.*.b\"", NULL);
	expect_err(hc,
		   ann_of("io.netfence.policy", "restricted", "io.netfence.dns-names",
			  "x_y.example", NULL),
		   "invalid name \"x_y.example\": invalid character", "(a name, *.suffix or *)");
	expect_err(hc,
		   ann_of("io.netfence.policy", "restricted", "io.netfence.dns-names",
			  "b\xc3\xbc"
			  "cher.example",
			  NULL),
		   "invalid name", "A-label");
	expect_err(hc,
		   ann_of("io.netfence.policy", "restricted", "io.netfence.dns-names", "-a.example",
			  NULL),
		   "label starts with a hyphen", NULL);
	expect_err(hc,
		   ann_of("io.netfence.policy", "none", "io.netfence.dns-names", "a.example", NULL),
		   "io.netfence.dns-names: names not allowed with policy \"none\"", NULL);
	expect_err(hc, ann_of("io.netfence.dns-names", "a.example", NULL),
		   "io.netfence.dns-names set without io.netfence.policy", NULL);
	{
		char big[300];

		memset(big, 'a', sizeof(big) - 1);
		big[sizeof(big) - 1] = '\0';
		expect_err(hc,
			   ann_of("io.netfence.policy", "restricted", "io.netfence.dns-names", big,
				  NULL),
			   "io.netfence.dns-names: invalid name", "longer than 255 characters");
		big[64] = '\0';
		expect_err(hc,
			   ann_of("io.netfence.policy", "restricted", "io.netfence.dns-names", big,
				  NULL),
			   "label longer than 63 characters", NULL);
	}
	{
		/* 4097 names */
		char *v = malloc(4097 * 4);
		size_t len = 0;

		for (int i = 0; i < 4097; i++)
			len += (size_t)sprintf(v + len, "%s%c%c", i ? "," : "", 'a' + i % 26,
					       'a' + i / 26 % 26);
		expect_err(hc,
			   ann_of("io.netfence.policy", "restricted", "io.netfence.dns-names", v,
				  NULL),
			   "io.netfence.dns-names: more than the limit of 4096 names", NULL);
		free(v);
	}
	hostconf_free(hc);

	/* chosen by the annotation's author: within allow.dns */
	hc = hc_new("{\"allow\": {\"dns\": false}}");
	expect_err(hc,
		   ann_of("io.netfence.policy", "restricted", "io.netfence.dns-names", "a.example",
			  NULL),
		   "io.netfence.dns-names: the host configuration does not allow it", NULL);
	p = expect_ok(hc, ann_of("io.netfence.policy", "internet", NULL));
	assert_int_equal(p->n_dns_names, 1);
	policy_free(p);
	hostconf_free(hc);
}

/* When names follow DNS live (SPEC section 10), and what set-up resolves then. */
static void test_dns_live(void **state)
{
	struct hostconf *hc = hc_new("{}"), *st = hc_new("{\"dns_names\": \"static\"}");
	struct nf_error err = { 0 };
	struct nf_policy *p;

	/* live: the host's resolvers (192.0.2.53 from the test resolv.conf) */
	p = expect_ok(hc, ann_of("io.netfence.policy", "restricted", "io.netfence.egress",
				 "localhost:443, *.example.com, 192.0.2.9", NULL));
	assert_true(p->dns_live);
	assert_true(policy_dns_live(p, hc));
	assert_false(policy_dns_live(p, st));
	/* egress names stay for the resolver: localhost (loopback) would be refused here */
	assert_int_equal(policy_resolve_hostnames(p, 1000, &err), 0);
	assert_int_equal(p->n_egress, 3);
	assert_string_equal(rs(&p->egress[0]), "localhost:443");
	assert_int_equal(p->egress[0].family, 0);
	assert_string_equal(rs(&p->egress[1]), "*.example.com");
	assert_true(p->egress[1].wildcard);
	assert_string_equal(rs(&p->egress[2]), "192.0.2.9");
	assert_int_equal(p->n_hostnames, 0);
	policy_free(p);

	/* ingress names are still resolved at set-up (localhost: refused, which shows it) */
	p = expect_ok(hc, ann_of("io.netfence.policy", "restricted", "io.netfence.egress",
				 "*.example.com:443", "io.netfence.ingress", "localhost:80", NULL));
	memset(&err, 0, sizeof(err));
	assert_int_equal(policy_resolve_hostnames(p, 5000, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "io.netfence.ingress: hostname \"localhost\" resolved to "
					"127.0.0.1, loopback"));
	policy_free(p);
	p = expect_ok(hc, ann_of("io.netfence.policy", "restricted", "io.netfence.ingress",
				 "*.example.com:80", NULL));
	memset(&err, 0, sizeof(err));
	assert_int_equal(policy_resolve_hostnames(p, 1000, &err), -EINVAL);
	assert_non_null(strstr(err.msg,
			       "io.netfence.ingress: wildcard \"*.example.com\": an ingress "
			       "source is resolved once at set-up"));
	policy_free(p);

	/* no resolver: nothing to follow DNS through, so static (and wildcards refused) */
	p = expect_ok(hc, ann_of("io.netfence.policy", "restricted", "io.netfence.dns", "none",
				 "io.netfence.egress", "*.example.com", NULL));
	assert_false(p->dns_live);
	memset(&err, 0, sizeof(err));
	assert_int_equal(policy_resolve_hostnames(p, 1000, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "io.netfence.egress: wildcard \"*.example.com\" cannot be "
					"resolved at set-up"));
	assert_non_null(strstr(err.msg, "the policy allows none"));
	policy_free(p);
	p = expect_ok(hc, ann_of("io.netfence.policy", "none", NULL));
	assert_false(p->dns_live);
	policy_free(p);
	p = expect_ok(hc, ann_of("io.netfence.policy", "internet", NULL));
	assert_true(p->dns_live);
	policy_free(p);
	p = expect_ok(st, ann_of("io.netfence.policy", "internet", NULL));
	assert_false(p->dns_live);
	policy_free(p);
	hostconf_free(st);
	hostconf_free(hc);

	/* a host with no resolver at all */
	hc = hc_new("{\"dns\": []}");
	p = expect_ok(hc, ann_of("io.netfence.policy", "restricted", NULL));
	assert_false(p->dns_live);
	policy_free(p);
	p = expect_ok(hc, ann_of("io.netfence.policy", "restricted", "io.netfence.dns",
				 "198.51.100.53", NULL));
	assert_true(p->dns_live);
	policy_free(p);
	hostconf_free(hc);
}

static const char *refused(const char *text)
{
	struct nf_addr a;

	if (nf_addr_parse(text, &a) < 0)
		fail_msg("bad address %s", text);
	return policy_answer_refused(&a, NULL, 0);
}

/* Which DNS answers a hostname rule never opens (issue 9, item 3). */
static void test_answer_refused(void **state)
{
	static const char *const bad[] = {
		"169.254.169.254",
		"169.254.0.1",
		"127.0.0.1",
		"127.255.255.254",
		"0.0.0.0",
		"0.1.2.3",
		"224.0.0.1",
		"239.255.255.250",
		"255.255.255.255",
		"::",
		"::1",
		"fe80::1",
		"febf::1",
		"ff02::1",
		"::ffff:169.254.169.254",
		"::ffff:127.0.0.1",
		"64:ff9b::a9fe:a9fe",
		"fd00:ec2::254",
	};
	static const char *const good[] = {
		"203.0.113.10",	 "8.8.8.8",	    "10.0.0.1",		"192.168.1.1",
		"169.253.1.1",	 "223.255.255.255", "255.255.255.254",	"2001:db8::1",
		"fec0::1",	 "::ffff:8.8.8.8",  "64:ff9b::808:808", "::2",
		"fd00:ec2::253",
	};
	struct nf_addr host[2];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (!refused(bad[i]))
			fail_msg("%s should be refused", bad[i]);
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		if (refused(good[i]))
			fail_msg("%s should not be refused: %s", good[i], refused(good[i]));
	assert_string_equal(refused("169.254.169.254"), "link-local (cloud metadata included)");
	assert_string_equal(refused("::ffff:127.0.0.1"),
			    "the IPv4-mapped form of a refused address");

	/* the host's own addresses, by family and value */
	assert_int_equal(nf_addr_parse("192.0.2.1", &host[0]), 0);
	assert_int_equal(nf_addr_parse("2001:db8:ffff::1", &host[1]), 0);
	{
		struct nf_addr a;

		assert_int_equal(nf_addr_parse("192.0.2.1", &a), 0);
		assert_string_equal(policy_answer_refused(&a, host, 2),
				    "one of the host's own addresses");
		assert_int_equal(nf_addr_parse("2001:db8:ffff::1", &a), 0);
		assert_non_null(policy_answer_refused(&a, host, 2));
		assert_int_equal(nf_addr_parse("192.0.2.2", &a), 0);
		assert_null(policy_answer_refused(&a, host, 2));
		assert_null(policy_answer_refused(&a, NULL, 0));
	}
}

static void test_too_many_hostnames(void **state)
{
	struct hostconf *hc = hc_new("{\"dns_names\": \"static\"}");
	struct nf_error err = { 0 };
	struct nf_policy *p;
	char *v = malloc(257 * 16);
	size_t len = 0;

	for (int i = 0; i < 257; i++)
		len += (size_t)sprintf(v + len, "%sh%d.invalid", i ? "," : "", i);
	p = expect_ok(hc,
		      ann_of("io.netfence.policy", "restricted", "io.netfence.egress", v, NULL));
	assert_int_equal(policy_resolve_hostnames(p, 1000, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "more than 256 hostname rules"));
	policy_free(p);
	free(v);
	hostconf_free(hc);
}

/* io.netfence.bandwidth (SPEC section 3): one rate or per direction, units, bounds, allow. */
static void test_bandwidth(void **state)
{
	struct hostconf *hc = hc_new("{}");
	struct hostconf *no = hc_new("{\"allow\": {\"limits\": false}}");
	struct nf_policy *p;
	char fp1[17], fp2[17];

	p = expect_ok(hc, ann_of("io.netfence.policy", "restricted", NULL));
	assert_true(p->bw_egress == 0 && p->bw_ingress == 0);
	assert_int_equal(policy_fingerprint(p, fp1), 0);
	policy_free(p);
	p = expect_ok(hc, ann_of("io.netfence.policy", "restricted", "io.netfence.bandwidth",
				 "10mbit", NULL));
	assert_true(p->bw_egress == 10000000 && p->bw_ingress == 10000000);
	assert_int_equal(policy_fingerprint(p, fp2), 0);
	assert_string_not_equal(fp1, fp2);
	policy_free(p);
	p = expect_ok(hc, ann_of("io.netfence.policy", "internet", "io.netfence.bandwidth",
				 " ingress = 1GBit , egress=20mbit ", NULL));
	assert_true(p->bw_egress == 20000000 && p->bw_ingress == 1000000000);
	policy_free(p);
	p = expect_ok(hc, ann_of("io.netfence.policy", "restricted", "io.netfence.bandwidth",
				 "egress=8kbit", NULL));
	assert_true(p->bw_egress == 8000 && p->bw_ingress == 0);
	policy_free(p);
	p = expect_ok(hc, ann_of("io.netfence.policy", "restricted", "io.netfence.bandwidth",
				 "10gbit", NULL));
	assert_true(p->bw_egress == 10000000000ULL);
	policy_free(p);

	expect_err(
		hc,
		ann_of("io.netfence.policy", "restricted", "io.netfence.bandwidth", "10mb", NULL),
		"io.netfence.bandwidth: \"10mb\" is not a rate", NULL);
	expect_err(
		hc,
		ann_of("io.netfence.policy", "restricted", "io.netfence.bandwidth", "mbit", NULL),
		"io.netfence.bandwidth: \"mbit\" is not a rate", NULL);
	expect_err(
		hc,
		ann_of("io.netfence.policy", "restricted", "io.netfence.bandwidth", "11gbit", NULL),
		"io.netfence.bandwidth: \"11gbit\" is outside 8kbit..10gbit", NULL);
	expect_err(hc,
		   ann_of("io.netfence.policy", "restricted", "io.netfence.bandwidth", "7999bit",
			  NULL),
		   "is outside 8kbit..10gbit", NULL);
	expect_err(hc,
		   ann_of("io.netfence.policy", "restricted", "io.netfence.bandwidth",
			  "99999999999999gbit", NULL),
		   "is not a rate", NULL);
	/* 18446744074 x 10^9 wraps 2^64 to 290448384: never taken for 290mbit */
	expect_err(hc,
		   ann_of("io.netfence.policy", "restricted", "io.netfence.bandwidth",
			  "18446744074gbit", NULL),
		   "\"18446744074gbit\" is outside 8kbit..10gbit", NULL);
	p = expect_ok(hc, ann_of("io.netfence.policy", "restricted", "io.netfence.bandwidth",
				 "ingress=010000000000BIT", NULL));
	assert_true(p->bw_egress == 0 && p->bw_ingress == 10000000000ULL);
	policy_free(p);
	expect_err(hc,
		   ann_of("io.netfence.policy", "restricted", "io.netfence.bandwidth",
			  "egress=1mbit,egress=2mbit", NULL),
		   "io.netfence.bandwidth: egress given twice", NULL);
	expect_err(hc,
		   ann_of("io.netfence.policy", "restricted", "io.netfence.bandwidth", "up=1mbit",
			  NULL),
		   "io.netfence.bandwidth: unknown direction \"up\"", NULL);
	expect_err(hc,
		   ann_of("io.netfence.policy", "restricted", "io.netfence.bandwidth",
			  "egress=1mbit,", NULL),
		   "io.netfence.bandwidth: empty value (item 2)", NULL);
	expect_err(hc,
		   ann_of("io.netfence.policy", "restricted", "io.netfence.bandwidth",
			  "1mbit,2mbit", NULL),
		   "give one RATE or egress=RATE,ingress=RATE", NULL);
	expect_err(hc,
		   ann_of("io.netfence.policy", "restricted", "io.netfence.bandwidth",
			  "egress=fast", NULL),
		   "io.netfence.bandwidth: egress \"fast\" is not a rate", NULL);
	expect_err(hc, ann_of("io.netfence.policy", "none", "io.netfence.bandwidth", "1mbit", NULL),
		   "io.netfence.bandwidth: not allowed with policy \"none\"", NULL);
	expect_err(
		no,
		ann_of("io.netfence.policy", "restricted", "io.netfence.bandwidth", "1mbit", NULL),
		"io.netfence.bandwidth: the host configuration does not allow it", NULL);
	hostconf_free(no);
	hostconf_free(hc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_untouched),      cmocka_unit_test(test_default_policy),
		cmocka_unit_test(test_keys),	       cmocka_unit_test(test_builtins),
		cmocka_unit_test(test_values),	       cmocka_unit_test(test_limits),
		cmocka_unit_test(test_rate_quota),     cmocka_unit_test(test_inline),
		cmocka_unit_test(test_profiles),       cmocka_unit_test(test_allow),
		cmocka_unit_test(test_hostnames),      cmocka_unit_test(test_too_many_hostnames),
		cmocka_unit_test(test_dns_names),      cmocka_unit_test(test_dns_live),
		cmocka_unit_test(test_answer_refused), cmocka_unit_test(test_bandwidth),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
