/* netfence: unit tests for the host configuration and JSON policy objects (lib/policy/hostconf.c).
 * Defaults, every key and its type, resolv.conf fallbacks, profiles with their rule limit,
 * and errors that name the file, the key (and the profile) at fault. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "hostconf.h"
#include "rules.h"

static char tmpdir[64];
static char resolv[128];

static void write_file(const char *path, const char *s)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(s, f);
	fclose(f);
}

static int setup(void **state)
{
	strcpy(tmpdir, "/tmp/nf-hc-XXXXXX");
	if (!mkdtemp(tmpdir))
		return -1;
	snprintf(resolv, sizeof(resolv), "%s/resolv.conf", tmpdir);
	write_file(resolv, "# comment\nsearch example.com\nnameserver 127.0.0.53\n"
			   "nameserver 192.0.2.53\nnameserver ::1\nnameserver fe80::1%eth0\n"
			   "nameserver   2001:db8::53  \noptions edns0\nnameserver 0.0.0.0\n");
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "%s/resolv.conf", tmpdir);
	unlink(cmd);
	snprintf(cmd, sizeof(cmd), "%s/netfence.json", tmpdir);
	unlink(cmd);
	rmdir(tmpdir);
	return 0;
}

static int parse(const char *s, struct hostconf **hc, struct nf_error *err)
{
	memset(err, 0, sizeof(*err));
	*hc = NULL;
	return hostconf_parse(s, strlen(s), resolv, hc, err);
}

static void test_defaults(void **state)
{
	struct nf_error err;
	struct hostconf *hc;
	char buf[80];

	assert_int_equal(parse("{}", &hc, &err), 0);
	assert_string_equal(nf_prefix_str(&hc->subnet, buf, sizeof(buf)), "10.213.0.0/16");
	assert_string_equal(nf_prefix_str(&hc->subnet6, buf, sizeof(buf)), "fd6e:6663::/64");
	assert_true(hc->nat);
	assert_false(hc->dns_set);
	/* resolv.conf: loopback, unspecified and zone-id entries left out */
	assert_int_equal(hc->n_dns, 2);
	assert_string_equal(nf_addr_str(&hc->dns[0], buf, sizeof(buf)), "192.0.2.53");
	assert_string_equal(nf_addr_str(&hc->dns[1], buf, sizeof(buf)), "2001:db8::53");
	assert_null(hc->default_policy);
	assert_int_equal(hc->n_profiles, 0);
	assert_true(hc->allow_all_policies);
	assert_true(hc->allow_rules && hc->allow_dns && hc->allow_seccomp_off);
	assert_string_equal(hc->state_dir, "/run/netfence");
	assert_false(hc->teardown_wait);
	assert_null(hostconf_profile(hc, "x"));
	hostconf_free(hc);
	assert_int_equal(parse("{\"teardown\": \"wait\"}", &hc, &err), 0);
	assert_true(hc->teardown_wait);
	hostconf_free(hc);
	assert_int_equal(parse("{\"teardown\": \"background\"}", &hc, &err), 0);
	assert_false(hc->teardown_wait);
	assert_false(hc->kubernetes); /* sandbox containers are fenced unless the host says */
	hostconf_free(hc);
	assert_int_equal(parse("{\"kubernetes\": true}", &hc, &err), 0);
	assert_true(hc->kubernetes);
	assert_false(hc->flowtable); /* the fast path is the host's choice */
	hostconf_free(hc);
	assert_int_equal(parse("{\"flowtable\": true}", &hc, &err), 0);
	assert_true(hc->flowtable);
	hostconf_free(hc);
	assert_int_equal(parse("{}", &hc, &err), 0);
	assert_int_equal(hc->lock_timeout, 10);
	hostconf_free(hc);
	assert_int_equal(parse("{\"lock_timeout\": 3600}", &hc, &err), 0);
	assert_int_equal(hc->lock_timeout, 3600);
	hostconf_free(hc);
}

/* The resolver's keys (SPEC section 10): defaults, every value taken, each bad one named. */
static void test_dns_keys(void **state)
{
	static const struct {
		const char *in, *why;
	} bad[] = {
		{ "{\"dns_names\": \"dynamic\"}",
		  "\"dns_names\": \"dynamic\" is not \"live\" or \"static\"" },
		{ "{\"dns_names\": true}", "\"dns_names\": a boolean is not \"live\"" },
		{ "{\"dns_refuse\": \"drop\"}",
		  "\"dns_refuse\": \"drop\" is not \"refused\" or \"nxdomain\"" },
		{ "{\"dns_refuse\": null}", "\"dns_refuse\": null is not" },
		{ "{\"dns_min_ttl\": -1}",
		  "\"dns_min_ttl\": -1 is not a number of seconds from 0 to 604800" },
		{ "{\"dns_min_ttl\": 1.5}", "\"dns_min_ttl\": 1.5 is not a number of seconds" },
		{ "{\"dns_min_ttl\": \"60\"}", "\"dns_min_ttl\": \"60\" is not a number" },
		{ "{\"dns_max_ttl\": 0}",
		  "\"dns_max_ttl\": 0 is not a number of seconds from 1 to 604800" },
		{ "{\"dns_max_ttl\": 604801}", "\"dns_max_ttl\": 604801 is not a number" },
		{ "{\"dns_min_ttl\": 100, \"dns_max_ttl\": 99}",
		  "\"dns_min_ttl\": 100 is more than \"dns_max_ttl\" (99)" },
		{ "{\"dns_min_ttl\": 90000}",
		  "\"dns_min_ttl\": 90000 is more than \"dns_max_ttl\"" },
		{ "{\"dns_max_names\": 0}",
		  "\"dns_max_names\": 0 is not a number of names from 1 to 1000000" },
		{ "{\"dns_max_names\": 1000001}", "\"dns_max_names\": 1000001 is not" },
		{ "{\"dns_max_qps\": 0}",
		  "\"dns_max_qps\": 0 is not a number of queries per second from 1 to 100000" },
		{ "{\"dns_max_qps\": [1]}", "\"dns_max_qps\": an array is not" },
		{ "{\"resolver_log\": \"log/r.log\"}",
		  "\"resolver_log\": \"log/r.log\" is not an absolute path" },
		{ "{\"resolver_log\": \"/var/../r\"}", "\"resolver_log\": \"/var/../r\" is not" },
		{ "{\"resolver_log\": {}}", "\"resolver_log\": an object is not an absolute path" },
		{ "{\"dns_name\": \"live\"}", "unknown key \"dns_name\"" },
		{ "{\"metrics_listen\": \"127.0.0.1\"}",
		  "\"metrics_listen\": \"127.0.0.1\" is not \"ADDR:PORT\"" },
		{ "{\"metrics_listen\": \"127.0.0.1:0\"}", "\"metrics_listen\": \"127.0.0.1:0\"" },
		{ "{\"metrics_listen\": \"127.0.0.1:65536\"}",
		  "\"metrics_listen\": \"127.0.0.1:6" },
		{ "{\"metrics_listen\": \"127.0.0.1:+80\"}", "\"metrics_listen\": \"127.0.0.1:+" },
		{ "{\"metrics_listen\": \"::1:9713\"}", "\"metrics_listen\": \"::1:9713\" is not" },
		{ "{\"metrics_listen\": \"[127.0.0.1]:9713\"}", "\"metrics_listen\": \"[127." },
		{ "{\"metrics_listen\": \"[fe80::1%eth0]:9713\"}", "\"metrics_listen\": \"[fe80" },
		{ "{\"metrics_listen\": \"localhost:9713\"}", "\"metrics_listen\": \"localhost" },
		{ "{\"metrics_listen\": \":9713\"}", "\"metrics_listen\": \":9713\" is not" },
		{ "{\"metrics_listen\": 9713}", "\"metrics_listen\": 9713 is not \"ADDR:PORT\"" },
	};
	struct nf_error err;
	struct hostconf *hc;

	assert_int_equal(parse("{}", &hc, &err), 0);
	assert_false(hc->dns_static);
	assert_false(hc->dns_nxdomain);
	assert_int_equal(hc->dns_min_ttl, 60);
	assert_int_equal(hc->dns_max_ttl, 86400);
	assert_int_equal(hc->dns_max_names, 10000);
	assert_int_equal(hc->dns_max_qps, 200);
	assert_null(hc->resolver_log);
	assert_int_equal(hc->metrics_addr.family, 0);
	hostconf_free(hc);

	assert_int_equal(parse("{\"metrics_listen\": \"127.0.0.1:9713\"}", &hc, &err), 0);
	assert_int_equal(hc->metrics_addr.family, AF_INET);
	assert_int_equal(hc->metrics_port, 9713);
	hostconf_free(hc);
	assert_int_equal(parse("{\"metrics_listen\": \"[::1]:65535\"}", &hc, &err), 0);
	assert_int_equal(hc->metrics_addr.family, AF_INET6);
	assert_int_equal(hc->metrics_addr.a[15], 1);
	assert_int_equal(hc->metrics_port, 65535);
	hostconf_free(hc);

	assert_int_equal(parse("{\"dns_names\": \"static\", \"dns_refuse\": \"nxdomain\", "
			       "\"dns_min_ttl\": 0, \"dns_max_ttl\": 604800, \"dns_max_names\": "
			       "1000000, \"dns_max_qps\": 100000, \"resolver_log\": "
			       "\"/var/log/netfence-resolver.log\"}",
			       &hc, &err),
			 0);
	assert_true(hc->dns_static);
	assert_true(hc->dns_nxdomain);
	assert_int_equal(hc->dns_min_ttl, 0);
	assert_int_equal(hc->dns_max_ttl, 604800);
	assert_int_equal(hc->dns_max_names, 1000000);
	assert_int_equal(hc->dns_max_qps, 100000);
	assert_string_equal(hc->resolver_log, "/var/log/netfence-resolver.log");
	hostconf_free(hc);

	assert_int_equal(parse("{\"dns_names\": \"live\", \"dns_refuse\": \"refused\", "
			       "\"dns_min_ttl\": 5, \"dns_max_ttl\": 5, \"dns_max_names\": 1, "
			       "\"dns_max_qps\": 1}",
			       &hc, &err),
			 0);
	assert_false(hc->dns_static);
	assert_false(hc->dns_nxdomain);
	assert_int_equal(hc->dns_min_ttl, 5);
	assert_int_equal(hc->dns_max_ttl, 5);
	assert_int_equal(hc->dns_max_names, 1);
	assert_int_equal(hc->dns_max_qps, 1);
	hostconf_free(hc);

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (parse(bad[i].in, &hc, &err) != -EINVAL)
			fail_msg("accepted %s", bad[i].in);
		assert_null(hc);
		assert_int_equal(err.kind, NF_EXIT_INPUT);
		if (!strstr(err.msg, bad[i].why) ||
		    strncmp(err.msg, "host configuration: ", 20) != 0)
			fail_msg("%s: message \"%s\" lacks \"%s\"", bad[i].in, err.msg, bad[i].why);
	}
}

static void test_full(void **state)
{
	struct nf_error err;
	struct hostconf *hc;
	const struct policy_src *p;
	char buf[80];

	assert_int_equal(
		parse("{\"subnet\": \"10.99.0.0/24\", \"subnet6\": \"fd00:1::/120\", \"nat\": "
		      "false, "
		      "\"dns\": [\"1.1.1.1\", \"[2606:4700::1111]\", \"2606:4700::1001\"], "
		      "\"default_policy\": \"web\", \"profiles\": {\"web\": {\"base\": "
		      "\"restricted\", \"egress\": [\"pypi.org:443\", \"10.0.0.0/8:5432\"], "
		      "\"ingress\": [\"[2001:db8::/32]:80\"], \"dns\": \"none\", \"ipv6\": \"on\", "
		      "\"seccomp\": \"off\", \"selinux\": \"auto\"}, \"open\": {\"base\": "
		      "\"internet\"}}, \"allow\": {\"policies\": [\"web\", \"restricted\"], "
		      "\"rules\": false, \"dns\": false, \"seccomp_off\": false}, \"state_dir\": "
		      "\"/var/lib/nf\"}",
		      &hc, &err),
		0);
	assert_string_equal(nf_prefix_str(&hc->subnet, buf, sizeof(buf)), "10.99.0.0/24");
	assert_string_equal(nf_prefix_str(&hc->subnet6, buf, sizeof(buf)), "fd00:1::/120");
	assert_false(hc->nat);
	assert_true(hc->dns_set);
	assert_int_equal(hc->n_dns, 3);
	assert_string_equal(nf_addr_str(&hc->dns[1], buf, sizeof(buf)), "2606:4700::1111");
	assert_string_equal(hc->default_policy, "web");
	assert_int_equal(hc->n_profiles, 2);
	p = hostconf_profile(hc, "web");
	assert_non_null(p);
	assert_int_equal(p->base, NF_BASE_RESTRICTED);
	assert_int_equal(p->n_egress, 2);
	assert_string_equal(p->egress[1], "10.0.0.0/8:5432");
	assert_int_equal(p->n_ingress, 1);
	assert_true(p->dns_set && p->dns_none);
	assert_int_equal(p->ipv6, 1);
	assert_string_equal(p->seccomp, "off");
	assert_string_equal(p->selinux, "auto");
	p = hostconf_profile(hc, "open");
	assert_int_equal(p->base, NF_BASE_INTERNET);
	assert_int_equal(p->ipv6, -1);
	assert_false(p->dns_set);
	assert_null(p->seccomp);
	assert_false(hc->allow_all_policies);
	assert_int_equal(hc->n_allow_policies, 2);
	assert_string_equal(hc->allow_policies[1], "restricted");
	assert_false(hc->allow_rules || hc->allow_dns || hc->allow_seccomp_off);
	assert_string_equal(hc->state_dir, "/var/lib/nf");
	hostconf_free(hc);

	/* an empty dns list means no resolvers, not the host's */
	assert_int_equal(parse("{\"dns\": [], \"default_policy\": null}", &hc, &err), 0);
	assert_true(hc->dns_set);
	assert_int_equal(hc->n_dns, 0);
	assert_null(hc->default_policy);
	hostconf_free(hc);
}

static void test_default_policy_inline(void **state)
{
	struct nf_error err;
	struct hostconf *hc;
	const struct policy_src *p;

	assert_int_equal(parse("{\"default_policy\": {\"base\": \"internet\", \"egress\": "
			       "[\"10.1.0.0/16:80\"], \"dns\": [\"9.9.9.9\"]}}",
			       &hc, &err),
			 0);
	assert_string_equal(hc->default_policy, "inline");
	p = hc->default_src;
	assert_non_null(p);
	assert_int_equal(p->base, NF_BASE_INTERNET);
	assert_int_equal(p->n_egress, 1);
	assert_string_equal(p->egress[0], "10.1.0.0/16:80");
	assert_int_equal(p->n_dns, 1);
	hostconf_free(hc);

	/* as a string of JSON text too */
	assert_int_equal(parse("{\"default_policy\": \"{\\\"base\\\": \\\"none\\\"}\"}", &hc, &err),
			 0);
	assert_int_equal(hc->default_src->base, NF_BASE_NONE);
	hostconf_free(hc);
	assert_int_equal(parse("{\"default_policy\": \"internet\"}", &hc, &err), 0);
	hostconf_free(hc);
}

static void test_bad(void **state)
{
	static const struct {
		const char *in, *why;
	} bad[] = {
		{ "{\"subnets\": \"10.0.0.0/8\"}", "unknown key \"subnets\"" },
		{ "{\"subnet\": \"10.0.0.1/16\"}",
		  "\"subnet\" must be an IPv4 prefix without host bits" },
		{ "{\"subnet\": \"10.0.0.0/31\"}", "\"subnet\": prefix longer than /30" },
		{ "{\"subnet\": \"fd00::/64\"}", "\"subnet\" must be an IPv4 prefix" },
		{ "{\"subnet\": 10}", "\"subnet\" must be an IPv4 prefix" },
		{ "{\"subnet6\": \"fd00::/127\"}", "\"subnet6\": prefix longer than /126" },
		{ "{\"subnet6\": \"10.0.0.0/8\"}", "\"subnet6\" must be an IPv6 prefix" },
		{ "{\"nat\": \"yes\"}", "\"nat\" must be true or false" },
		{ "{\"lock_timeout\": 0}", "\"lock_timeout\" must be a number of seconds" },
		{ "{\"lock_timeout\": 3601}", "\"lock_timeout\" must be a number of seconds" },
		{ "{\"lock_timeout\": 1.5}", "\"lock_timeout\" must be a number of seconds" },
		{ "{\"teardown\": \"later\"}", "\"teardown\" must be \"background\" or \"wait\"" },
		{ "{\"teardown\": true}", "\"teardown\" must be \"background\" or \"wait\"" },
		{ "{\"kubernetes\": \"yes\"}", "\"kubernetes\" must be true or false" },
		{ "{\"flowtable\": 1}", "\"flowtable\" must be true or false" },
		{ "{\"dns\": \"1.1.1.1\"}", "\"dns\" must be an array" },
		{ "{\"dns\": [\"1.1.1\"]}", "\"dns\": entry 1 is not an address" },
		{ "{\"dns\": [\"1.1.1.1\", 2]}", "\"dns\": entry 2 is not an address" },
		{ "{\"dns\": [\"fe80::1%eth0\"]}", "\"dns\": entry 1" },
		{ "{\"default_policy\": 1}",
		  "\"default_policy\" must be null, a name or a policy" },
		{ "{\"default_policy\": \"nosuch\"}", "default_policy: unknown policy \"nosuch\"" },
		{ "{\"default_policy\": {\"egress\": []}}",
		  "default_policy: \"base\" is required" },
		{ "{\"default_policy\": {\"base\": \"none\", \"x\": 1}}",
		  "default_policy: unknown key \"x\"" },
		{ "{\"profiles\": []}", "\"profiles\" must be an object" },
		{ "{\"profiles\": {\"web\": {\"base\": \"restricted\", \"egress\": "
		  "[\"10.0.0.1/8\"]}}}",
		  "profiles: \"web\": egress: invalid rule \"10.0.0.1/8\": host bits set" },
		{ "{\"profiles\": {\"web\": {\"base\": \"restricted\", \"ingress\": [\"a;b\"]}}}",
		  "profiles: \"web\": ingress: invalid rule \"a;b\"" },
		{ "{\"profiles\": {\"web\": {\"egress\": []}}}",
		  "profiles: \"web\": \"base\" is required" },
		{ "{\"profiles\": {\"web\": {\"base\": \"open\"}}}", "unknown policy \"open\"" },
		{ "{\"profiles\": {\"web\": {\"base\": \"none\", \"bogus\": 1}}}",
		  "profiles: \"web\": unknown key \"bogus\"" },
		{ "{\"profiles\": {\"web\": {\"base\": \"none\", \"egress\": [\"1.1.1.1\"]}}}",
		  "rules are not allowed with base \"none\"" },
		{ "{\"profiles\": {\"restricted\": {\"base\": \"none\"}}}",
		  "is a reserved policy name" },
		{ "{\"profiles\": {\"inline\": {\"base\": \"none\"}}}",
		  "\"inline\" is a reserved" },
		{ "{\"profiles\": {\"a b\": {\"base\": \"none\"}}}", "invalid name \"a b\"" },
		{ "{\"profiles\": {\"\": {\"base\": \"none\"}}}", "invalid name" },
		{ "{\"profiles\": {\"w\": 1}}", "a policy must be a JSON object" },
		{ "{\"allow\": {\"policy\": []}}", "allow: unknown key \"policy\"" },
		{ "{\"allow\": {\"policies\": \"web\"}}", "\"allow.policies\" must be an array" },
		{ "{\"allow\": {\"rules\": 1}}", "\"allow.rules\" must be true or false" },
		{ "{\"allow\": {\"dns\": null}}", "\"allow.dns\" must be true or false" },
		{ "{\"allow\": {\"seccomp_off\": \"no\"}}", "\"allow.seccomp_off\" must be true" },
		{ "{\"allow\": true}", "\"allow\" must be an object" },
		{ "{\"state_dir\": \"run/nf\"}", "\"state_dir\" must be an absolute path" },
		{ "{\"state_dir\": 1}", "\"state_dir\" must be an absolute path" },
		{ "{\"nat\": true, \"nat\": false}", "duplicate key \"nat\"" },
		{ "{\"profiles\": {\"a\": {\"base\": \"none\", \"base\": \"internet\"}}}",
		  "duplicate key \"base\"" },
		{ "{\"profiles\": {\"a\": {\"base\": \"none\"}, \"a\": {\"base\": \"internet\"}}}",
		  "duplicate key \"a\"" },
		{ "[]", "not a JSON object" },
		{ "{", "invalid JSON" },
	};
	struct nf_error err;
	struct hostconf *hc;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (parse(bad[i].in, &hc, &err) != -EINVAL)
			fail_msg("accepted %s", bad[i].in);
		assert_null(hc);
		assert_int_equal(err.kind, NF_EXIT_INPUT);
		if (!strstr(err.msg, bad[i].why) ||
		    strncmp(err.msg, "host configuration: ", 20) != 0)
			fail_msg("%s: message \"%s\" lacks \"%s\"", bad[i].in, err.msg, bad[i].why);
	}
}

static void test_load(void **state)
{
	struct nf_error err = { 0 };
	struct hostconf *hc = NULL;
	char path[128], missing[128];

	snprintf(path, sizeof(path), "%s/netfence.json", tmpdir);
	snprintf(missing, sizeof(missing), "%s/nope.json", tmpdir);
	write_file(path, "{\"nat\": false}");
	assert_int_equal(hostconf_load_flags(path, resolv, 0, &hc, &err), 0);
	assert_false(hc->nat);
	assert_string_equal(hc->path, path);
	hostconf_free(hc);

	/* $NETFENCE_CONFIG names the file */
	setenv("NETFENCE_CONFIG", path, 1);
	assert_int_equal(hostconf_load_flags(NULL, resolv, 0, &hc, &err), 0);
	assert_false(hc->nat);
	hostconf_free(hc);
	/* a named file that does not exist is an error */
	setenv("NETFENCE_CONFIG", missing, 1);
	assert_int_equal(hostconf_load_flags(NULL, resolv, 0, &hc, &err), -ENOENT);
	assert_non_null(strstr(err.msg, missing));
	unsetenv("NETFENCE_CONFIG");
	assert_int_equal(hostconf_load_flags(missing, resolv, 0, &hc, &err), -ENOENT);
	/* the default path, when absent, gives the defaults */
	if (access(NF_HOSTCONF_DEFAULT, F_OK) != 0) {
		assert_int_equal(hostconf_load_flags(NULL, resolv, 0, &hc, &err), 0);
		assert_true(hc->nat);
		assert_null(hc->path);
		assert_int_equal(hc->n_dns, 2);
		hostconf_free(hc);
	}

	/* errors name the file and the key */
	write_file(path, "{\"nat\": 1}");
	assert_int_equal(hostconf_load_flags(path, resolv, 0, &hc, &err), -EINVAL);
	assert_non_null(strstr(err.msg, path));
	assert_non_null(strstr(err.msg, "\"nat\""));
	write_file(path, "{\"profiles\": {\"db\": {\"base\": \"restricted\", \"egress\": "
			 "[\"[fe80::1%eth0]\"]}}}");
	assert_int_equal(hostconf_load_flags(path, resolv, 0, &hc, &err), -EINVAL);
	assert_non_null(strstr(err.msg, path));
	assert_non_null(
		strstr(err.msg, "profiles: \"db\": egress: invalid rule \"[fe80::1%eth0]\""));
	/* tear-down, gc and status leave the profiles unparsed: no error, no profile */
	write_file(path, "{\"state_dir\": \"/run/x\", \"default_policy\": \"db\", \"profiles\": "
			 "{\"db\": {\"base\": \"restricted\", \"egress\": [\"[fe80::1%eth0]\"]}}}");
	assert_int_equal(hostconf_load_flags(path, resolv, NF_HOSTCONF_NO_PROFILES, &hc, &err), 0);
	assert_string_equal(hc->state_dir, "/run/x");
	assert_int_equal(hc->n_profiles, 0);
	assert_null(hostconf_profile(hc, "db"));
	hostconf_free(hc);
	/* the other keys are still checked */
	write_file(path, "{\"nat\": 1, \"profiles\": {}}");
	assert_int_equal(hostconf_load_flags(path, resolv, NF_HOSTCONF_NO_PROFILES, &hc, &err),
			 -EINVAL);

	/* missing resolv.conf: no resolvers, no error */
	assert_int_equal(hostconf_parse("{}", 2, missing, &hc, &err), 0);
	assert_int_equal(hc->n_dns, 0);
	hostconf_free(hc);
}

static void test_size_limit(void **state)
{
	struct nf_error err;
	struct hostconf *hc = NULL;
	/* the length is checked before a byte is read, so an untouched allocation serves */
	char *big = malloc((size_t)NF_HOSTCONF_MAX + 1);

	assert_non_null(big);
	assert_int_equal(hostconf_parse(big, (size_t)NF_HOSTCONF_MAX + 1, resolv, &hc, &err),
			 -EINVAL);
	assert_non_null(strstr(err.msg, "larger than the limit"));
	free(big);
}

static char *profile_doc(size_t nrules)
{
	size_t cap = nrules * 24 + 200, len;
	char *s = malloc(cap);

	len = (size_t)sprintf(s,
			      "{\"profiles\": {\"big\": {\"base\": \"restricted\", \"egress\": [");
	for (size_t i = 0; i < nrules; i++)
		len += (size_t)sprintf(s + len, "%s\"10.%zu.%zu.%zu\"", i ? "," : "",
				       (i >> 16) & 255, (i >> 8) & 255, i & 255);
	strcpy(s + len, "]}}}");
	return s;
}

static void test_profile_limit(void **state)
{
	struct nf_error err;
	struct hostconf *hc;
	char *s;

	s = profile_doc(NF_RULES_MAX_PROFILE);
	assert_int_equal(parse(s, &hc, &err), 0);
	assert_int_equal(hostconf_profile(hc, "big")->n_egress, NF_RULES_MAX_PROFILE);
	hostconf_free(hc);
	free(s);
	s = profile_doc(NF_RULES_MAX_PROFILE + 1);
	assert_int_equal(parse(s, &hc, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "profiles: \"big\": more than the limit of 100000 rules"));
	free(s);
}

static int src(const char *s, size_t max, struct policy_src *p, struct nf_error *err)
{
	memset(err, 0, sizeof(*err));
	return policy_src_parse_json(s, strlen(s), "io.netfence.policy", max, p, err);
}

static void test_policy_src(void **state)
{
	static const struct {
		const char *in, *why;
	} bad[] = {
		{ "{}", "\"base\" is required" },
		{ "{\"base\": \"open\"}", "\"base\": unknown policy \"open\"" },
		{ "{\"base\": 1}", "\"base\" must be a string" },
		{ "{\"base\": \"none\", \"egres\": []}", "unknown key \"egres\"" },
		{ "{\"base\": \"restricted\", \"egress\": \"1.1.1.1\"}",
		  "\"egress\" must be an array" },
		{ "{\"base\": \"restricted\", \"egress\": [1]}",
		  "\"egress\" must be an array of strings" },
		{ "{\"base\": \"restricted\", \"ingress\": [\"1.1.1.1:0\"]}",
		  "ingress: invalid rule \"1.1.1.1:0\"" },
		{ "{\"base\": \"restricted\", \"egress\": [\"1.1.1.1\", \"2.2.2.2\", \"3.3.3.3\"]}",
		  "more than the limit of 2 rules" },
		{ "{\"base\": \"restricted\", \"dns\": \"all\"}", "\"dns\" must be an array" },
		{ "{\"base\": \"restricted\", \"dns\": [\"x\"]}",
		  "invalid resolver address \"x\"" },
		{ "{\"base\": \"restricted\", \"ipv6\": true}",
		  "\"ipv6\" must be \"on\" or \"off\"" },
		{ "{\"base\": \"restricted\", \"ipv6\": \"yes\"}", "\"ipv6\" must be \"on\"" },
		{ "{\"base\": \"restricted\", \"seccomp\": \"strict\"}",
		  "unknown level \"strict\"" },
		{ "{\"base\": \"restricted\", \"selinux\": 1}", "\"selinux\" must be a non-empty" },
		{ "{\"base\": \"restricted\", \"base\": \"internet\"}", "duplicate key \"base\"" },
		{ "{\"base\": \"restricted\"", "invalid JSON" },
		{ "[\"restricted\"]", "a policy must be a JSON object" },
		{ "{\"base\": \"none\", \"ingress\": [\"1.1.1.1\"]}",
		  "not allowed with base \"none\"" },
	};
	struct nf_error err;
	struct policy_src p;

	assert_int_equal(src("{\"base\": \"restricted\", \"egress\": [\"a.b:1\"], \"ingress\": [], "
			     "\"dns\": [\"1.1.1.1\", \"[::1]\"], \"ipv6\": \"off\", \"seccomp\": "
			     "\"auto\", \"selinux\": \"off\"}",
			     2, &p, &err),
			 0);
	assert_int_equal(p.base, NF_BASE_RESTRICTED);
	assert_int_equal(p.n_egress, 1);
	assert_int_equal(p.n_ingress, 0);
	assert_int_equal(p.n_dns, 2);
	assert_false(p.dns_none);
	assert_int_equal(p.ipv6, 0);
	assert_string_equal(p.selinux, "off");
	policy_src_clear(&p);
	policy_src_clear(&p); /* idempotent */

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (src(bad[i].in, 2, &p, &err) != -EINVAL)
			fail_msg("accepted %s", bad[i].in);
		if (!strstr(err.msg, bad[i].why) ||
		    strncmp(err.msg, "io.netfence.policy: ", 20) != 0)
			fail_msg("%s: message \"%s\" lacks \"%s\"", bad[i].in, err.msg, bad[i].why);
	}
	assert_string_equal(nf_base_name(NF_BASE_INTERNET), "internet");
	assert_int_equal(nf_base_from_name("none"), NF_BASE_NONE);
	assert_int_equal(nf_base_from_name("None"), NF_BASE_UNSET);
	assert_int_equal(nf_base_from_name("unset"), NF_BASE_UNSET);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),   cmocka_unit_test(test_dns_keys),
		cmocka_unit_test(test_full),	   cmocka_unit_test(test_default_policy_inline),
		cmocka_unit_test(test_bad),	   cmocka_unit_test(test_load),
		cmocka_unit_test(test_size_limit), cmocka_unit_test(test_profile_limit),
		cmocka_unit_test(test_policy_src),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
