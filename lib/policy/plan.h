/* netfence: compiles a resolved policy into the disjoint allow/deny boxes that nftables sets
 * hold (address range x protocol range x port range). Overlapping and duplicate rules are
 * merged here: the kernel refuses overlapping interval elements. Pure logic, unit-tested. */
#ifndef NF_PLAN_H
#define NF_PLAN_H

#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "error.h"

/* One set element: every field is an inclusive range. Addresses are big-endian in lo/hi
 * (IPv4 in the first 4 bytes). An ICMP rule is proto 1 (58 for IPv6) with ports 0-65535: the
 * lookup's port field then matches whatever an ICMP header holds there, so ICMP stays
 * port-less. A rule with protocol any and no ports is proto 0-255, ports 0-65535. */
struct nf_box {
	uint8_t lo[16], hi[16];
	uint8_t proto_lo, proto_hi;
	uint16_t port_lo, port_hi;
};

struct nf_boxset {
	int family;
	struct nf_box *v;
	size_t n;
};

/* Address rules of one family (hostname rules must be resolved before; rules of the other
 * family are skipped), plus TCP and UDP port 53 to each resolver in dns[] of that family,
 * into pairwise disjoint boxes, sorted, adjacent boxes coalesced. */
int plan_compile(const struct nf_rule *rules, size_t n_rules, const struct nf_addr *dns,
		 size_t n_dns, int family, struct nf_boxset *ret, struct nf_error *err);

/* The `internet` deny list of SPEC section 3 for one family, plus extra[] (the host's own
 * addresses and connected prefixes of that family), merged into disjoint address ranges
 * (proto 0-255, ports 0-65535). */
int plan_internet_deny(int family, const struct nf_prefix *extra, size_t n_extra,
		       struct nf_boxset *ret, struct nf_error *err);

/* The host's own addresses and connected prefixes of one family (others in host[] skipped)
 * as disjoint address ranges in the same form: the shared hostnet sets the watcher keeps in
 * step (watch.h). */
int plan_host_deny(int family, const struct nf_prefix *host, size_t n_host, struct nf_boxset *ret,
		   struct nf_error *err);

void nf_boxset_clear(struct nf_boxset *s);

#endif
