/* netfence: unit tests for the resolver's NFLOG reading (resolver/revents.c) and the event's
 * JSON and text (lib/fence/event.c): hand-built nfnetlink_log messages as the kernel sends them,
 * packets of both families, prefixes, and an event's JSON read back. */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_log.h>
#include <libmnl/libmnl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "event.h"
#include "revents.h"

static uint8_t msgbuf[4096];

/* An NFLOG packet message: prefix, in/out interface (0: absent), payload, a timestamp. */
static struct nlmsghdr *nflog_msg(const char *prefix, uint32_t in, uint32_t out,
				  const uint8_t *payload, size_t n, uint64_t sec)
{
	struct nlmsghdr *nlh;
	struct nfgenmsg *g;
	struct nfulnl_msg_packet_hdr ph = { htons(0x0800), 4, 0 };

	memset(msgbuf, 0, sizeof(msgbuf));
	nlh = mnl_nlmsg_put_header(msgbuf);
	nlh->nlmsg_type = (NFNL_SUBSYS_ULOG << 8) | NFULNL_MSG_PACKET;
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->nfgen_family = AF_INET;
	g->res_id = htons(28262);
	mnl_attr_put(nlh, NFULA_PACKET_HDR, sizeof(ph), &ph);
	if (in)
		mnl_attr_put_u32(nlh, NFULA_IFINDEX_INDEV, htonl(in));
	if (out)
		mnl_attr_put_u32(nlh, NFULA_IFINDEX_OUTDEV, htonl(out));
	if (sec) {
		struct nfulnl_msg_packet_timestamp ts = { htobe64(sec), htobe64(250000) };

		mnl_attr_put(nlh, NFULA_TIMESTAMP, sizeof(ts), &ts);
	}
	if (payload)
		mnl_attr_put(nlh, NFULA_PAYLOAD, n, payload);
	if (prefix)
		mnl_attr_put_strz(nlh, NFULA_PREFIX, prefix);
	return nlh;
}

/* 10.213.0.1:40000 -> 151.101.0.223:22, a TCP SYN's first bytes. */
static const uint8_t ip4_tcp[] = {
	0x45, 0,   0,	 60,   0x12, 0x34, 0x40, 0, 64, 6, 0, 0, 10, 213, 0,	1,    151,  101,
	0,    223, 0x9c, 0x40, 0,    22,   0,	 0, 0,	1, 0, 0, 0,  0,	  0xa0, 0x02, 0xff, 0xff,
};

static void test_nflog_packet(void **state)
{
	struct nlmsghdr *nlh = nflog_msg("nf e", 7, 9, ip4_tcp, sizeof(ip4_tcp), 1796310245);
	struct nflog_pkt p;
	struct nf_event e;
	char s[64];

	assert_int_equal(revents_parse_nflog(nlh, nlh->nlmsg_len, &p), 0);
	assert_string_equal(p.prefix, "nf e");
	assert_int_equal(p.indev, 7);
	assert_int_equal(p.outdev, 9);
	assert_int_equal(p.ms, 1796310245250ull);
	assert_int_equal(p.payload_len, sizeof(ip4_tcp));
	nf_event_init(&e, NF_EV_BLOCKED, p.ms);
	assert_int_equal(revents_parse_payload(p.payload, p.payload_len, &e), 0);
	assert_int_equal(e.proto, 6);
	assert_int_equal(e.port, 22);
	assert_string_equal(nf_addr_str(&e.src, s, sizeof(s)), "10.213.0.1");
	assert_string_equal(nf_addr_str(&e.dst, s, sizeof(s)), "151.101.0.223");
}

static void test_nflog_minimal_and_bad(void **state)
{
	struct nlmsghdr *nlh = nflog_msg(NULL, 0, 0, NULL, 0, 0);
	struct nflog_pkt p;

	/* no prefix, interface, payload or time: parsed, all absent */
	assert_int_equal(revents_parse_nflog(nlh, nlh->nlmsg_len, &p), 0);
	assert_string_equal(p.prefix, "");
	assert_int_equal(p.indev, 0);
	assert_int_equal(p.ms, 0);
	assert_null(p.payload);
	/* truncated */
	nlh = nflog_msg("nf e", 7, 0, ip4_tcp, sizeof(ip4_tcp), 0);
	assert_int_equal(revents_parse_nflog(nlh, 10, &p), -EINVAL);
	/* another message type (a config ack, nfqueue) */
	nlh->nlmsg_type = (NFNL_SUBSYS_QUEUE << 8) | 0;
	assert_int_equal(revents_parse_nflog(nlh, nlh->nlmsg_len, &p), -EINVAL);
	/* an attribute whose length lies */
	nlh = nflog_msg("nf e", 7, 0, NULL, 0, 0);
	((struct nlattr *)((uint8_t *)nlh + NLMSG_HDRLEN + NLMSG_ALIGN(sizeof(struct nfgenmsg))))
		->nla_len = 200;
	assert_int_equal(revents_parse_nflog(nlh, nlh->nlmsg_len, &p), -EINVAL);
	/* a prefix without its NUL */
	nlh = nflog_msg(NULL, 0, 0, NULL, 0, 0);
	mnl_attr_put(nlh, NFULA_PREFIX, 4, "nf e");
	assert_int_equal(revents_parse_nflog(nlh, nlh->nlmsg_len, &p), -EINVAL);
}

static void test_payload_ipv6(void **state)
{
	uint8_t p[80] = { 0x60 };
	struct nf_event e;
	char s[64];

	p[6] = 0; /* hop-by-hop options, 8 bytes, then UDP */
	inet_pton(AF_INET6, "2001:db8::2", p + 8);
	inet_pton(AF_INET6, "2001:db8:1::53", p + 24);
	p[40] = 17;
	p[41] = 0;
	p[48] = 0x30, p[49] = 0x39, p[50] = 0x01, p[51] = 0xbb; /* 12345 -> 443 */
	nf_event_init(&e, NF_EV_BLOCKED, 0);
	assert_int_equal(revents_parse_payload(p, 56, &e), 0);
	assert_int_equal(e.proto, 17);
	assert_int_equal(e.port, 443);
	assert_string_equal(nf_addr_str(&e.dst, s, sizeof(s)), "2001:db8:1::53");
	/* a later fragment: protocol known, no port */
	p[6] = 44;
	memset(p + 40, 0, 16);
	p[40] = 6;
	p[43] = 0x10; /* offset 2 */
	nf_event_init(&e, NF_EV_BLOCKED, 0);
	assert_int_equal(revents_parse_payload(p, 60, &e), 0);
	assert_int_equal(e.proto, 6);
	assert_int_equal(e.port, -1);
	/* cut inside the header; not IP */
	assert_int_equal(revents_parse_payload(p, 39, &e), -EINVAL);
	p[0] = 0x50;
	assert_int_equal(revents_parse_payload(p, 60, &e), -EINVAL);
}

static void test_payload_ipv4_edges(void **state)
{
	uint8_t p[sizeof(ip4_tcp)];
	struct nf_event e;

	memcpy(p, ip4_tcp, sizeof(p));
	/* ICMP: no port */
	p[9] = 1;
	nf_event_init(&e, NF_EV_BLOCKED, 0);
	assert_int_equal(revents_parse_payload(p, sizeof(p), &e), 0);
	assert_int_equal(e.proto, 1);
	assert_int_equal(e.port, -1);
	/* a later fragment of TCP: no port */
	p[9] = 6;
	p[7] = 1;
	nf_event_init(&e, NF_EV_BLOCKED, 0);
	assert_int_equal(revents_parse_payload(p, sizeof(p), &e), 0);
	assert_int_equal(e.port, -1);
	/* header length beyond the copy */
	p[7] = 0;
	p[0] = 0x4f;
	assert_int_equal(revents_parse_payload(p, sizeof(p), &e), -EINVAL);
	/* the copy ends before the ports */
	p[0] = 0x45;
	nf_event_init(&e, NF_EV_BLOCKED, 0);
	assert_int_equal(revents_parse_payload(p, 22, &e), 0);
	assert_int_equal(e.port, -1);
}

static void test_prefix(void **state)
{
	char kind = 0, hex[13];

	assert_int_equal(revents_parse_prefix("nf e", &kind, hex), 0);
	assert_int_equal(kind, 'e');
	assert_string_equal(hex, "");
	assert_int_equal(revents_parse_prefix("nf q 0123456789ab", &kind, hex), 0);
	assert_int_equal(kind, 'q');
	assert_string_equal(hex, "0123456789ab");
	assert_int_equal(revents_parse_prefix("nf x", &kind, hex), -EINVAL);
	assert_int_equal(revents_parse_prefix("nf e ", &kind, hex), -EINVAL);
	assert_int_equal(revents_parse_prefix("nf e 0123456789AG", &kind, hex), -EINVAL);
	assert_int_equal(revents_parse_prefix("nf e 0123456789abc", &kind, hex), -EINVAL);
	assert_int_equal(revents_parse_prefix("ulogd", &kind, hex), -EINVAL);
	assert_int_equal(revents_parse_prefix("", &kind, hex), -EINVAL);
}

static void test_event_json_text(void **state)
{
	struct nf_event e, b;
	struct nf_error err = { 0 };
	char j[NF_EVENT_LINE], t[NF_EVENT_LINE];
	int n;

	nf_event_init(&e, NF_EV_BLOCKED, 1796310245123ull);
	strcpy(e.container, "c1");
	e.dir = NF_EV_EGRESS;
	e.proto = 6;
	nf_addr_parse("10.213.0.1", &e.src);
	nf_addr_parse("151.101.0.223", &e.dst);
	e.port = 22;
	strcpy(e.name, "pypi.org");
	n = nf_event_json(&e, j, sizeof(j));
	assert_true(n > 0);
	assert_string_equal(j, "{\"time\": \"2026-12-03T15:04:05.123Z\", \"container\": \"c1\", "
			       "\"type\": \"blocked\", \"direction\": \"egress\", \"protocol\": "
			       "\"tcp\", \"source\": \"10.213.0.1\", \"destination\": "
			       "\"151.101.0.223\", \"port\": 22, \"name\": \"pypi.org\"}");
	assert_int_equal(nf_event_parse(j, (size_t)n, &b, &err), 0);
	assert_int_equal(b.ms, e.ms);
	assert_true(nf_event_text(&b, t, sizeof(t)) > 0);
	assert_string_equal(t, "c1 blocked egress tcp 10.213.0.1 -> 151.101.0.223:22 (pypi.org)");

	/* DNS, a name with bytes JSON must escape */
	nf_event_init(&e, NF_EV_DNS, 0);
	strcpy(e.container, "c1");
	strcpy(e.query, "a\\\"b.example");
	strcpy(e.qtype, "A");
	e.verdict = NF_EV_REFUSED;
	n = nf_event_json(&e, j, sizeof(j));
	assert_true(n > 0);
	assert_non_null(strstr(j, "\"query\": \"a\\\\\\\"b.example\""));
	assert_int_equal(nf_event_parse(j, (size_t)n, &b, &err), 0);
	assert_string_equal(b.query, "a\\\"b.example");
	assert_true(nf_event_text(&b, t, sizeof(t)) > 0);
	assert_string_equal(t, "c1 dns a\\\"b.example A refused");

	/* allowed, with its addresses; suppressed with its count; an unnamed protocol */
	e.verdict = NF_EV_ALLOWED;
	nf_addr_parse("192.0.2.1", &e.addrs[0]);
	nf_addr_parse("2001:db8::1", &e.addrs[1]);
	e.n_addrs = 2;
	n = nf_event_json(&e, j, sizeof(j));
	assert_non_null(strstr(j, "\"addresses\": [\"192.0.2.1\", \"2001:db8::1\"]"));
	assert_int_equal(nf_event_parse(j, (size_t)n, &b, &err), 0);
	assert_int_equal(b.n_addrs, 2);
	nf_event_init(&e, NF_EV_SUPPRESSED, 0);
	strcpy(e.container, "c1");
	e.count = 9980;
	n = nf_event_json(&e, j, sizeof(j));
	assert_non_null(strstr(j, "\"type\": \"suppressed\", \"count\": 9980}"));
	assert_int_equal(nf_event_parse(j, (size_t)n, &b, &err), 0);
	assert_int_equal(b.count, 9980);
	nf_event_init(&e, NF_EV_LIMIT, 0);
	strcpy(e.container, "c1");
	e.limit = NF_EV_RATE;
	e.dir = NF_EV_EGRESS;
	e.proto = 132;
	nf_addr_parse("2001:db8::9", &e.dst);
	e.port = 9;
	n = nf_event_json(&e, j, sizeof(j));
	assert_non_null(strstr(j, "\"protocol\": 132"));
	assert_int_equal(nf_event_parse(j, (size_t)n, &b, &err), 0);
	assert_true(nf_event_text(&b, t, sizeof(t)) > 0);
	assert_string_equal(t, "c1 limit rate egress proto 132 [2001:db8::9]:9");
	/* too small a buffer; not an event */
	assert_int_equal(nf_event_json(&e, j, 20), -ENOSPC);
	assert_true(nf_event_parse("{\"type\": \"blocked\"}", 19, &b, &err) < 0);
	assert_true(nf_event_parse("[1]", 3, &b, &err) < 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_nflog_packet), cmocka_unit_test(test_nflog_minimal_and_bad),
		cmocka_unit_test(test_payload_ipv6), cmocka_unit_test(test_payload_ipv4_edges),
		cmocka_unit_test(test_prefix),	     cmocka_unit_test(test_event_json_text),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
