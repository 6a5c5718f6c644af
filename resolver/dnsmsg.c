/* netfence: the resolver's DNS messages (see dnsmsg.h): queries read, refusals built, answers
 * checked and filtered. ldns parses and writes every message; this file only decides. Input is
 * hostile (containers) or untrusted (upstreams): each message is parsed once, bounded, and
 * every ldns object is freed on every path. */
#define _GNU_SOURCE /* memmem */
#include "dnsmsg.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <ldns/ldns.h>

#include "cleanup.h"
#include "dnsname.h"

NF_DEFINE_CLEANUP(ldns_pkt *, ldns_pkt_free)

/* The UDP payload size our refusals advertise (DNS flag day 2020's value). */
#define DNSMSG_EDNS_SIZE 1232

#ifdef NF_FAULT_INJECTION
static unsigned long parses;

unsigned long dnsmsg_parse_count(void)
{
	return parses;
}
#endif

bool dnsmsg_wire_ok(const uint8_t *b, size_t n)
{
	static const ldns_pkt_section sections[4] = { LDNS_SECTION_QUESTION, LDNS_SECTION_ANSWER,
						      LDNS_SECTION_AUTHORITY,
						      LDNS_SECTION_ADDITIONAL };
	size_t pos = LDNS_HEADER_SIZE;

	if (n < LDNS_HEADER_SIZE)
		return false;
	if (!memmem(b, n, "\0\xfa", 2))
		return true; /* TSIG's type number is nowhere in it: the common case, one scan */
	/* record by record with ldns's own reader, so that the boundaries are ldns's */
	for (int s = 0; s < 4; s++) {
		unsigned count = (unsigned)b[4 + 2 * s] << 8 | b[5 + 2 * s];

		for (unsigned i = 0; i < count; i++) {
			ldns_rr *rr = NULL;
			bool tsig;

			if (ldns_wire2rr(&rr, b, n, &pos, sections[s]) != LDNS_STATUS_OK) {
				ldns_rr_free(rr);
				return true; /* ldns_wire2pkt stops here too, having met no TSIG */
			}
			/* in the additional section ldns takes a TSIG record out of the message (and
			 * loses the one before); elsewhere it is a record like any other */
			tsig = sections[s] == LDNS_SECTION_ADDITIONAL &&
			       ldns_rr_get_type(rr) == LDNS_RR_TYPE_TSIG;
			ldns_rr_free(rr);
			if (tsig)
				return false;
		}
	}
	return true;
}

/* The message, or NULL (unparsable, too short or too long, out of memory, or holding a TSIG
 * record, which this resolver never accepts and whose repetition ldns 1.8 leaks). */
static ldns_pkt *parse(const uint8_t *buf, size_t len)
{
	ldns_pkt *p = NULL;

#ifdef NF_FAULT_INJECTION
	parses++;
#endif
	if (len < LDNS_HEADER_SIZE || len > LDNS_MAX_PACKETLEN || !dnsmsg_wire_ok(buf, len))
		return NULL;
	if (ldns_wire2pkt(&p, buf, len) != LDNS_STATUS_OK)
		return NULL;
	return p;
}

/* A name in the form struct dnsmsg_query keeps: ldns's presentation, lower-case, no dot. */
static int name_text(const ldns_rdf *d, char out[256])
{
	_cleanup_free_ char *s = d ? ldns_rdf2str(d) : NULL;

	if (!s || dnsname_lower(s, out, 256) < 0)
		return -EINVAL;
	return 0;
}

static ldns_rr *question(const ldns_pkt *p)
{
	return ldns_rr_list_rr(ldns_pkt_question(p), 0);
}

int dnsmsg_parse_query(const uint8_t *buf, size_t len, struct dnsmsg_query *q)
{
	_cleanup_(ldns_pkt_freep) ldns_pkt *p = parse(buf, len);
	struct dnsmsg_query v = { 0 };
	const ldns_rr *qrr;

	/* after parsing, arcount no longer counts the OPT record: the header says whether there
	 * was one more */
	if (!p || ldns_pkt_qr(p) || ldns_pkt_get_opcode(p) != LDNS_PACKET_QUERY ||
	    ldns_pkt_qdcount(p) != 1 || ldns_pkt_ancount(p) || ldns_pkt_nscount(p) ||
	    ldns_pkt_arcount(p) || LDNS_ARCOUNT(buf) > 1 || ldns_pkt_tsig(p))
		return -EINVAL;
	qrr = question(p);
	if (name_text(ldns_rr_owner(qrr), v.name) < 0)
		return -EINVAL;
	v.id = ldns_pkt_id(p);
	v.qtype = (uint16_t)ldns_rr_get_type(qrr);
	v.qclass = (uint16_t)ldns_rr_get_class(qrr);
	v.rd = ldns_pkt_rd(p);
	v.edns = ldns_pkt_edns(p);
	v.edns_size = v.edns ? ldns_pkt_edns_udp_size(p) : 0;
	*q = v;
	return 0;
}

/* The message's wire form into a malloc'd buffer. */
static int to_wire(const ldns_pkt *p, uint8_t **out, size_t *outlen)
{
	uint8_t *wire = NULL;
	size_t n = 0;

	if (ldns_pkt2wire(&wire, p, &n) != LDNS_STATUS_OK || !wire) {
		free(wire);
		return -ENOMEM;
	}
	*out = wire;
	*outlen = n;
	return 0;
}

int dnsmsg_reply_rcode(const uint8_t *query, size_t len, int rcode, uint8_t **out, size_t *outlen)
{
	_cleanup_(ldns_pkt_freep) ldns_pkt *qp = NULL;
	_cleanup_(ldns_pkt_freep) ldns_pkt *r = NULL;

	if (len < LDNS_HEADER_SIZE || LDNS_QR_WIRE(query) || rcode < 0 || rcode > 15)
		return -EINVAL;
	r = ldns_pkt_new();
	if (!r)
		return -ENOMEM;
	ldns_pkt_set_id(r, LDNS_ID_WIRE(query));
	ldns_pkt_set_qr(r, true);
	ldns_pkt_set_opcode(r, (ldns_pkt_opcode)LDNS_OPCODE_WIRE(query));
	ldns_pkt_set_rd(r, LDNS_RD_WIRE(query));
	ldns_pkt_set_cd(r, LDNS_CD_WIRE(query));
	ldns_pkt_set_ra(r, true);
	ldns_pkt_set_rcode(r, (uint8_t)rcode);
	qp = parse(query, len);
	if (qp && ldns_pkt_qdcount(qp) == 1) {
		ldns_rr *qrr = ldns_rr_clone(question(qp));

		if (!qrr || !ldns_pkt_push_rr(r, LDNS_SECTION_QUESTION, qrr)) {
			ldns_rr_free(qrr);
			return -ENOMEM;
		}
	}
	if (qp && ldns_pkt_edns(qp)) {
		ldns_pkt_set_edns_udp_size(r, DNSMSG_EDNS_SIZE);
		ldns_pkt_set_edns_do(r, ldns_pkt_edns_do(qp));
	}
	return to_wire(r, out, outlen);
}

/* The question's name and the names its CNAME records reach, in the answer section. */
struct chain {
	const ldns_rdf *name[DNSMSG_MAX_CHAIN + 1];
	size_t n;
};

/* The same name, ignoring case: equal names have equal lengths, and owners usually repeat
 * the chain's case byte for byte. */
static bool name_eq(const ldns_rdf *a, const ldns_rdf *b)
{
	if (ldns_rdf_size(a) != ldns_rdf_size(b))
		return false;
	if (memcmp(ldns_rdf_data(a), ldns_rdf_data(b), ldns_rdf_size(a)) == 0)
		return true;
	return ldns_dname_compare(a, b) == 0;
}

static bool on_chain(const struct chain *c, const ldns_rdf *d)
{
	for (size_t i = 0; i < c->n; i++)
		if (name_eq(c->name[i], d))
			return true;
	return false;
}

static void chain_follow(const ldns_rr_list *an, const ldns_rdf *qname, struct chain *c)
{
	c->name[0] = qname;
	c->n = 1;
	while (c->n <= DNSMSG_MAX_CHAIN) {
		const ldns_rdf *cur = c->name[c->n - 1], *next = NULL;

		for (size_t i = 0; i < ldns_rr_list_rr_count(an) && !next; i++) {
			const ldns_rr *rr = ldns_rr_list_rr(an, i);

			if (ldns_rr_get_type(rr) == LDNS_RR_TYPE_CNAME &&
			    ldns_rr_rd_count(rr) == 1 && name_eq(ldns_rr_owner(rr), cur))
				next = ldns_rr_rdf(rr, 0);
		}
		if (!next || ldns_rdf_get_type(next) != LDNS_RDF_TYPE_DNAME || on_chain(c, next))
			return; /* the end, or a loop */
		c->name[c->n++] = next;
	}
}

/* An A or AAAA record's address; false for malformed data. */
static bool rr_addr(const ldns_rr *rr, struct dnsmsg_addr *a)
{
	size_t n = ldns_rr_get_type(rr) == LDNS_RR_TYPE_A ? 4 : 16;
	const ldns_rdf *d = ldns_rr_rd_count(rr) == 1 ? ldns_rr_rdf(rr, 0) : NULL;

	if (!d || ldns_rdf_size(d) != n)
		return false;
	memset(a, 0, sizeof(*a));
	a->family = n == 4 ? AF_INET : AF_INET6;
	memcpy(a->a, ldns_rdf_data(d), n);
	a->ttl = ldns_rr_ttl(rr);
	return true;
}

static int addr_cmp(const void *x, const void *y)
{
	const struct dnsmsg_addr *a = x, *b = y;

	if (a->family != b->family)
		return a->family < b->family ? -1 : 1;
	return memcmp(a->a, b->a, sizeof(a->a));
}

/* Sorted, each address once with its largest TTL; returns the new count. */
static size_t addrs_unique(struct dnsmsg_addr *v, size_t n)
{
	size_t k = 0;

	if (n == 0)
		return 0;
	qsort(v, n, sizeof(*v), addr_cmp);
	for (size_t i = 1; i < n; i++) {
		if (addr_cmp(&v[k], &v[i]) == 0) {
			if (v[i].ttl > v[k].ttl)
				v[k].ttl = v[i].ttl;
		} else {
			v[++k] = v[i];
		}
	}
	return k + 1;
}

struct filter {
	const struct chain *chain;
	const char *(*refuse)(const struct dnsmsg_addr *, void *);
	void (*note)(const struct dnsmsg_addr *, const char *, void *);
	void *arg;
	struct dnsmsg_addr *addrs; /* room for every record of the answer section */
	size_t n_addrs, removed;
};

/* Drop the A/AAAA records of one section that may not reach the container (dnsmsg.h),
 * keeping the others in order; the answer section's kept addresses go to f->addrs. */
static void filter_section(ldns_pkt *p, ldns_pkt_section s, ldns_rr_list *l, struct filter *f)
{
	size_t keep = 0, n = ldns_rr_list_rr_count(l);

	for (size_t i = 0; i < n; i++) {
		ldns_rr *rr = ldns_rr_list_rr(l, i);
		ldns_rr_type t = ldns_rr_get_type(rr);
		struct dnsmsg_addr a;
		const char *why;
		bool ok;

		if (t != LDNS_RR_TYPE_A && t != LDNS_RR_TYPE_AAAA) {
			ldns_rr_list_set_rr(l, rr, keep++);
			continue;
		}
		ok = rr_addr(rr, &a);
		if (!ok)
			why = "malformed";
		else if (s != LDNS_SECTION_ANSWER)
			why = "outside the answer section";
		else if (ldns_rr_get_class(rr) != LDNS_RR_CLASS_IN)
			why = "not of class IN";
		else if (!on_chain(f->chain, ldns_rr_owner(rr)))
			why = "for a name off the question's CNAME chain";
		else
			why = f->refuse ? f->refuse(&a, f->arg) : NULL;
		if (!why) {
			f->addrs[f->n_addrs++] = a;
			ldns_rr_list_set_rr(l, rr, keep++);
			continue;
		}
		if (f->note && ok)
			f->note(&a, why, f->arg);
		ldns_rr_free(rr);
		f->removed++;
	}
	ldns_rr_list_set_rr_count(l, keep);
	ldns_pkt_set_section_count(p, s, (uint16_t)keep);
}

int dnsmsg_filter_answer(const uint8_t *ans, size_t len, const struct dnsmsg_query *q,
			 const char *(*refuse)(const struct dnsmsg_addr *, void *),
			 void (*note)(const struct dnsmsg_addr *, const char *, void *), void *arg,
			 struct dnsmsg_addr **addrs, size_t *n_addrs, uint8_t **out, size_t *outlen,
			 bool *truncated)
{
	_cleanup_(ldns_pkt_freep) ldns_pkt *p = parse(ans, len);
	_cleanup_free_ struct dnsmsg_addr *v = NULL;
	struct chain chain;
	struct filter f = { &chain, refuse, note, arg, NULL, 0, 0 };
	char name[256];
	const ldns_rr *qrr;
	uint8_t *wire;
	size_t n = 0;
	int r;

	if (!p || !ldns_pkt_qr(p) || ldns_pkt_id(p) != q->id ||
	    ldns_pkt_get_opcode(p) != LDNS_PACKET_QUERY || ldns_pkt_qdcount(p) != 1 ||
	    ldns_pkt_tsig(p))
		return -EINVAL;
	qrr = question(p);
	if (ldns_rr_get_type(qrr) != q->qtype || ldns_rr_get_class(qrr) != q->qclass ||
	    name_text(ldns_rr_owner(qrr), name) < 0 || strcmp(name, q->name) != 0)
		return -EINVAL;

	chain_follow(ldns_pkt_answer(p), ldns_rr_owner(qrr), &chain);
	f.addrs = v = calloc(ldns_rr_list_rr_count(ldns_pkt_answer(p)) + 1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	filter_section(p, LDNS_SECTION_ANSWER, ldns_pkt_answer(p), &f);
	filter_section(p, LDNS_SECTION_AUTHORITY, ldns_pkt_authority(p), &f);
	filter_section(p, LDNS_SECTION_ADDITIONAL, ldns_pkt_additional(p), &f);

	if (f.removed) {
		r = to_wire(p, &wire, &n);
		if (r < 0)
			return r;
	} else {
		wire = malloc(len);
		if (!wire)
			return -ENOMEM;
		memcpy(wire, ans, len);
		n = len;
	}
	f.n_addrs = addrs_unique(v, f.n_addrs);
	*addrs = f.n_addrs ? v : NULL;
	if (f.n_addrs)
		v = NULL;
	*n_addrs = f.n_addrs;
	*out = wire;
	*outlen = n;
	*truncated = ldns_pkt_tc(p);
	return 0;
}

void dnsmsg_set_id(uint8_t *buf, size_t len, uint16_t id)
{
	if (len >= 2)
		ldns_write_uint16(buf, id);
}
