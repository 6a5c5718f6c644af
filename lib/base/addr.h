/* netfence: addresses, prefixes and rule targets as plain values shared between the rule
 * parser, the policy, the plan and the netlink/nftables modules. No library types here.
 * IPv4 addresses sit in the first 4 bytes of a[], network byte order. */
#ifndef NF_ADDR_H
#define NF_ADDR_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

struct nf_addr {
	int family; /* AF_INET or AF_INET6 */
	uint8_t a[16];
};

struct nf_prefix {
	struct nf_addr addr; /* host bits zero */
	uint8_t len;	     /* 0..32 or 0..128 */
};

/* Protocols a rule may name. */
enum nf_proto {
	NF_PROTO_ANY = 0,
	NF_PROTO_TCP,
	NF_PROTO_UDP,
	NF_PROTO_ICMP, /* ICMP or ICMPv6 by the target's family */
};

/* One parsed rule (SPEC section 3 grammar). Exactly one of: an address target
 * (family != 0, prefix, host NULL) or a hostname target (family == 0, host set). The rule owns
 * host (rule_clear / rules_free in rules.h): profiles hold up to 100,000 rules, so the name is
 * not stored inline. */
struct nf_rule {
	int family;		 /* AF_INET, AF_INET6, or 0 for a hostname */
	struct nf_prefix prefix; /* address targets */
	bool wildcard;		 /* "*.host" */
	bool has_ports;
	uint16_t port_lo, port_hi; /* 1..65535 when has_ports */
	enum nf_proto proto;	   /* after defaults: TCP when ports and no proto, else ANY */
	char *host; /* malloc'd, lowercase, no trailing dot; without the "*." for wildcards */
};

static inline int nf_addr_len(int family)
{
	return family == AF_INET6 ? 16 : 4;
}

/* Text form of an address / prefix ("10.0.0.1", "2001:db8::1", "10.0.0.0/8"). buf >= 64. */
const char *nf_addr_str(const struct nf_addr *a, char *buf, unsigned size);
const char *nf_prefix_str(const struct nf_prefix *p, char *buf, unsigned size);

/* Parse "a.b.c.d" or an IPv6 address without brackets (no zone id). 0 or -EINVAL. */
int nf_addr_parse(const char *s, struct nf_addr *ret);

/* Parse "addr/len" or "addr" (len = full) as a prefix; host bits set -> -EINVAL when strict,
 * masked off when not strict (host configuration pools are strict too). */
int nf_prefix_parse(const char *s, bool strict, struct nf_prefix *ret);

/* Whether a has a bit set beyond its first len bits; clearing those bits. */
bool nf_addr_host_bits(const struct nf_addr *a, unsigned len);
void nf_addr_mask(struct nf_addr *a, unsigned len);
/* ::ffff:a.b.c.d, an IPv4 address in IPv6 clothing */
bool nf_addr_v4_mapped(const struct nf_addr *a);

/* addr + n within the family's width (no overflow check beyond the width). */
void nf_addr_add(struct nf_addr *a, uint64_t n);

#endif
