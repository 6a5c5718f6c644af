/* netfence: unit tests for the policy graph (lib/fence/graph.c): what a state yields as DOT,
 * and that text from outside cannot break out of its quoted string. */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "graph.h"

static void box4(struct nf_box *b, const char *lo, const char *hi, uint8_t proto, uint16_t plo,
		 uint16_t phi)
{
	memset(b, 0, sizeof(*b));
	inet_pton(AF_INET, lo, b->lo);
	inet_pton(AF_INET, hi, b->hi);
	b->proto_lo = b->proto_hi = proto;
	b->port_lo = plo;
	b->port_hi = phi;
}

static void test_wire(void **state)
{
	struct nf_box eg[3], in[1];
	struct journal j = { 0 };
	struct nf_error err = { 0 };
	char *t = NULL;
	size_t len = 0;

	j.id = "c\"1\\x\ny";
	j.policy = "restricted";
	j.base = NF_BASE_RESTRICTED;
	j.wire = true;
	j.complete = true;
	snprintf(j.ifname, sizeof(j.ifname), "nf0123456789ab");
	box4(&eg[0], "198.51.100.7", "198.51.100.7", 6, 80, 80);
	box4(&eg[1], "203.0.113.0", "203.0.113.255", 17, 1000, 2000);
	box4(&eg[2], "192.0.2.3", "192.0.2.9", 6, 0, 65535);
	box4(&in[0], "192.0.2.10", "192.0.2.10", 6, 22, 22);
	j.host[0] = (struct nf_boxset){ AF_INET, eg, 3 };
	j.host[2] = (struct nf_boxset){ AF_INET, in, 1 };
	j.host_known = true;
	j.ns.dev = j.ns.ino = 0; /* no namespace: nothing learned */
	assert_int_equal(graph_dot(&j, "/nonexistent/netfence", &t, &len, &err), 0);
	assert_int_equal(strlen(t), len);
	assert_non_null(strstr(t, "digraph netfence {"));
	/* the id's quote and backslash escaped, the newline made harmless */
	assert_non_null(strstr(t, "container c\\\"1\\\\x?y"));
	assert_non_null(strstr(t, "198.51.100.7 tcp port 80"));
	assert_non_null(strstr(t, "203.0.113.0/24 udp ports 1000-2000"));
	assert_non_null(strstr(t, "192.0.2.3 - 192.0.2.9 tcp\""));
	assert_non_null(strstr(t, "192.0.2.10 tcp port 22"));
	assert_non_null(strstr(t, "everything else"));
	assert_null(strstr(t, "netfence-resolver"));
	free(t);
}

static void test_live_dns(void **state)
{
	char *rules[] = { "pypi.org:443/tcp", "we\"ird" }, *names[] = { "*.example" };
	struct journal_dns d = { 0 };
	struct journal j = { 0 };
	struct nf_error err = { 0 };
	char *t = NULL;
	size_t len = 0;

	d.upstreams = calloc(1, sizeof(*d.upstreams));
	assert_int_equal(nf_addr_parse("192.0.2.53", &d.upstreams[0]), 0);
	d.n_upstreams = 1;
	d.rules = rules;
	d.n_rules = 2;
	d.names = names;
	d.n_names = 1;
	j.id = "c2";
	j.policy = "internet";
	j.base = NF_BASE_INTERNET;
	j.overlay = true;
	j.dns = &d;
	assert_int_equal(graph_dot(&j, "/nonexistent/netfence", &t, &len, &err), 0);
	assert_non_null(strstr(t, "netfence-resolver\\nforwards to:\\n192.0.2.53"));
	assert_non_null(strstr(t, "pypi.org:443/tcp\\nhostname rule"));
	assert_non_null(strstr(t, "we\\\"ird"));
	assert_non_null(strstr(t, "\\n*.example"));
	assert_non_null(strstr(t, "overlay mode records none"));
	assert_non_null(strstr(t, "any other address"));
	free(t);
	free(d.upstreams);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_wire),
		cmocka_unit_test(test_live_dns),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
