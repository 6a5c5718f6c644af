/* netfence: libFuzzer entry point for the resolver's NFLOG reading (resolver/revents.c) and the
 * event's JSON (lib/fence/event.c). Each input is one netlink message as the kernel's
 * nfnetlink_log would send it. Never crash or read past it, and: a parsed packet's payload lies
 * inside the message; the event made from it, written as JSON, reads back to the same
 * protocol, addresses and port, and its text fits. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <linux/netlink.h>

#include "event.h"
#include "revents.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct nflog_pkt p;
	struct nf_event e, b;
	struct nf_error err = { 0 };
	char json[NF_EVENT_LINE], text[NF_EVENT_LINE], kind, hex[13];
	uint8_t *m;
	int n;

	if (size < sizeof(struct nlmsghdr) || size > 65536)
		return 0;
	m = malloc(size); /* exactly the input: a read past it is ASan's to see */
	if (!m)
		return 0;
	memcpy(m, data, size);
	if (revents_parse_nflog(m, size, &p) < 0) {
		free(m);
		return 0;
	}
	if (p.payload && (p.payload < m || p.payload + p.payload_len > m + size))
		abort();
	revents_parse_prefix(p.prefix, &kind, hex);
	nf_event_init(&e, NF_EV_BLOCKED, p.ms);
	strcpy(e.container, "c1");
	e.dir = NF_EV_EGRESS;
	if (p.payload && revents_parse_payload(p.payload, p.payload_len, &e) == 0) {
		n = nf_event_json(&e, json, sizeof(json));
		if (n < 0 || nf_event_parse(json, (size_t)n, &b, &err) < 0)
			abort();
		if (b.proto != e.proto || b.port != e.port || b.src.family != e.src.family ||
		    memcmp(b.dst.a, e.dst.a, sizeof(e.dst.a)) != 0)
			abort();
		if (nf_event_text(&b, text, sizeof(text)) < 0)
			abort();
	}
	free(m);
	return 0;
}
