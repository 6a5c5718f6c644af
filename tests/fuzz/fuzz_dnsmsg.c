/* netfence: libFuzzer entry point for the resolver's DNS messages (resolver/dnsmsg.c).
 * Each input is one DNS message, read as a container's query (parse, refuse) and as an
 * upstream's answer to the question it carries (filter, with every address whose last byte is
 * odd refused). Never crash or leak, and: a refusal parses and answers the query's id; a
 * filtered answer parses, every A/AAAA left in it is in the answer section and among the
 * addresses handed back, and filtering it again removes nothing (the same bytes come back). */
#include <stdbool.h> /* before ldns, which otherwise makes bool a signed char */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <ldns/ldns.h>

#include "dnsmsg.h"
#include "dnsname.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *refuse_odd(const struct dnsmsg_addr *a, void *arg)
{
	return a->a[a->family == AF_INET ? 3 : 15] & 1 ? "odd" : NULL;
}

static void note_count(const struct dnsmsg_addr *a, const char *why, void *arg)
{
	if (!why || !why[0])
		abort();
	++*(size_t *)arg;
}

static void check_refusal(const uint8_t *data, size_t size, bool query_ok)
{
	uint8_t *out = NULL;
	size_t outlen = 0;
	ldns_pkt *r = NULL;
	int rc = query_ok ? LDNS_RCODE_REFUSED : LDNS_RCODE_FORMERR;

	if (dnsmsg_reply_rcode(data, size, rc, &out, &outlen) < 0) {
		if (size >= LDNS_HEADER_SIZE && !LDNS_QR_WIRE(data))
			abort(); /* a query always gets its answer */
		return;
	}
	if (ldns_wire2pkt(&r, out, outlen) != LDNS_STATUS_OK || !ldns_pkt_qr(r) ||
	    ldns_pkt_id(r) != LDNS_ID_WIRE(data) || ldns_pkt_get_rcode(r) != rc ||
	    (query_ok && ldns_pkt_qdcount(r) != 1) || ldns_pkt_ancount(r) || ldns_pkt_nscount(r))
		abort();
	ldns_pkt_free(r);
	free(out);
}

/* The question the message carries, as the query it would answer. */
static void own_question(const uint8_t *data, size_t size, struct dnsmsg_query *q)
{
	ldns_pkt *p = NULL;
	char *s;

	memset(q, 0, sizeof(*q));
	if (!dnsmsg_wire_ok(data, size) || ldns_wire2pkt(&p, data, size) != LDNS_STATUS_OK)
		return;
	q->id = ldns_pkt_id(p);
	if (ldns_pkt_qdcount(p) >= 1) {
		ldns_rr *qrr = ldns_rr_list_rr(ldns_pkt_question(p), 0);

		q->qtype = (uint16_t)ldns_rr_get_type(qrr);
		q->qclass = (uint16_t)ldns_rr_get_class(qrr);
		s = ldns_rdf2str(ldns_rr_owner(qrr));
		if (!s || dnsname_lower(s, q->name, sizeof(q->name)) < 0)
			q->name[0] = '\0';
		free(s);
	}
	ldns_pkt_free(p);
}

/* Does the message hold an A/AAAA record whose data is not one address (removed unnoted)? */
static bool has_malformed(const uint8_t *data, size_t size)
{
	ldns_pkt *p = NULL;
	ldns_rr_list *all;
	bool bad = false;

	if (ldns_wire2pkt(&p, data, size) != LDNS_STATUS_OK)
		abort(); /* dnsmsg_filter_answer parsed it */
	all = ldns_pkt_all_noquestion(p);
	for (size_t i = 0; all && i < ldns_rr_list_rr_count(all); i++) {
		const ldns_rr *rr = ldns_rr_list_rr(all, i);
		ldns_rr_type t = ldns_rr_get_type(rr);

		if ((t == LDNS_RR_TYPE_A || t == LDNS_RR_TYPE_AAAA) &&
		    (ldns_rr_rd_count(rr) != 1 ||
		     ldns_rdf_size(ldns_rr_rdf(rr, 0)) != (t == LDNS_RR_TYPE_A ? 4u : 16u)))
			bad = true;
	}
	ldns_rr_list_deep_free(all);
	ldns_pkt_free(p);
	return bad;
}

static bool addr_listed(const ldns_rr *rr, const struct dnsmsg_addr *v, size_t n)
{
	const ldns_rdf *d = ldns_rr_rdf(rr, 0);
	int fam = ldns_rr_get_type(rr) == LDNS_RR_TYPE_A ? AF_INET : AF_INET6;

	if (ldns_rr_rd_count(rr) != 1 || ldns_rdf_size(d) != (fam == AF_INET ? 4u : 16u))
		return false;
	for (size_t i = 0; i < n; i++)
		if (v[i].family == fam && memcmp(v[i].a, ldns_rdf_data(d), ldns_rdf_size(d)) == 0)
			return true;
	return false;
}

static void check_filtered(const uint8_t *out, size_t outlen, const struct dnsmsg_addr *v, size_t n)
{
	ldns_pkt *p = NULL;

	for (size_t i = 1; i < n; i++)
		if (v[i - 1].family > v[i].family ||
		    (v[i - 1].family == v[i].family && memcmp(v[i - 1].a, v[i].a, 16) >= 0))
			abort(); /* sorted, each once */
	for (size_t i = 0; i < n; i++)
		if (refuse_odd(&v[i], NULL))
			abort();
	if (ldns_wire2pkt(&p, out, outlen) != LDNS_STATUS_OK)
		abort();
	for (int s = LDNS_SECTION_ANSWER; s <= LDNS_SECTION_ADDITIONAL; s++) {
		ldns_rr_list *l = s == LDNS_SECTION_ANSWER	? ldns_pkt_answer(p)
				  : s == LDNS_SECTION_AUTHORITY ? ldns_pkt_authority(p)
								: ldns_pkt_additional(p);

		for (size_t i = 0; i < ldns_rr_list_rr_count(l); i++) {
			const ldns_rr *rr = ldns_rr_list_rr(l, i);
			ldns_rr_type t = ldns_rr_get_type(rr);

			if ((t == LDNS_RR_TYPE_A || t == LDNS_RR_TYPE_AAAA) &&
			    (s != LDNS_SECTION_ANSWER || !addr_listed(rr, v, n)))
				abort(); /* an address the caller was not given */
		}
	}
	ldns_pkt_free(p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dnsmsg_query q;
	struct dnsmsg_addr *v = NULL, *v2 = NULL;
	uint8_t *out = NULL, *out2 = NULL;
	size_t n = 0, n2 = 0, outlen = 0, outlen2 = 0, notes = 0, notes2 = 0;
	bool tc = false, tc2 = false;
	int qr;

	if (size > 65535)
		return 0;
	qr = dnsmsg_parse_query(data, size, &q);
	if (qr == 0 && (LDNS_QR_WIRE(data) || LDNS_QDCOUNT(data) != 1))
		abort();
	check_refusal(data, size, qr == 0);

	own_question(data, size, &q);
	if (dnsmsg_filter_answer(data, size, &q, refuse_odd, note_count, &notes, &v, &n, &out,
				 &outlen, &tc) < 0)
		return 0;
	if (tc != (bool)LDNS_TC_WIRE(data) || (n == 0) != (v == NULL))
		abort();
	if (notes == 0 && (outlen != size || memcmp(out, data, size) != 0) &&
	    !has_malformed(data, size))
		abort(); /* nothing removed: the same bytes */
	check_filtered(out, outlen, v, n);

	/* filtered once, filtering again changes nothing */
	if (dnsmsg_filter_answer(out, outlen, &q, refuse_odd, note_count, &notes2, &v2, &n2, &out2,
				 &outlen2, &tc2) < 0 ||
	    notes2 || n2 != n || tc2 != tc || outlen2 != outlen || memcmp(out2, out, outlen) != 0 ||
	    (n && memcmp(v, v2, n * sizeof(*v)) != 0))
		abort();
	free(v);
	free(v2);
	free(out);
	free(out2);
	return 0;
}
