/* netfence: turns a container's io.netfence.* annotations, the host configuration's profiles
 * and `allow` into one resolved policy. Knows nothing of nftables or netlink. */
#ifndef NF_POLICY_H
#define NF_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "spec.h"
#include "addr.h"
#include "cleanup.h"
#include "error.h"
#include "hostconf.h"
#include "types.h"

struct nf_policy {
	char *name; /* "restricted", a profile name, or "inline" */
	enum nf_base base;
	struct nf_rule *egress; /* address rules only after policy_resolve_hostnames() */
	size_t n_egress;
	struct nf_rule *ingress;
	size_t n_ingress;
	struct nf_addr *dns; /* allowed resolvers (empty for dns none) */
	size_t n_dns;
	bool ipv6;
	enum nf_seccomp seccomp;
	enum nf_selinux_mode selinux;
	char *selinux_context; /* NF_SELINUX_CONTEXT */
	/* hostname rules as written, kept for display after resolution: "egress pypi.org:443",
	 * "ingress example.com" (direction, space, rule_str form) */
	char **hostnames;
	size_t n_hostnames;
	/* io.netfence.dns-names: names the container may resolve besides those of its hostname
	 * rules ("name", "*.suffix" or "*"; lower-case, no trailing dot, sorted, no duplicates).
	 * Default "*" for internet, none otherwise. They resolve but open nothing. */
	char **dns_names;
	size_t n_dns_names;
	/* Names follow DNS live through netfence's resolver (SPEC section 10): the host key
	 * dns_names is "live", the policy has at least one resolver and is not "none". Then egress
	 * hostname and wildcard rules are not resolved at set-up, the resolvers get no port-53
	 * element (DNS is redirected to the resolver) and the state carries a "dns" object. Set
	 * by policy_resolve (policy_dns_live), the one place that decides it. */
	bool dns_live;
	/* io.netfence.bandwidth, bits per second, 0: unlimited. Shaped on the host end of the
	 * veth (wire mode only: set-up refuses it in overlay mode). */
	uint64_t bw_egress, bw_ingress;
	/* io.netfence.rate (SPEC section 11): new outbound connections per rate_unit seconds (1 or
	 * 60); 0: unlimited */
	uint64_t rate, rate_unit;
	/* io.netfence.quota: egress bytes over the container's life; 0: unlimited */
	uint64_t quota;
};

#define NF_BANDWIDTH_MIN 8000ULL	/* 8kbit */
#define NF_BANDWIDTH_MAX 10000000000ULL /* 10gbit */

/* The values of io.netfence.rate ("100/s", "600/m") and io.netfence.quota ("500MB", "2GiB":
 * B, KB, MB, GB, TB decimal, KiB, MiB, GiB, TiB binary). Errors name the key and the token. */
int policy_parse_rate(const char *v, uint64_t *ret_rate, uint64_t *ret_unit, struct nf_error *err);
int policy_parse_quota(const char *v, uint64_t *ret, struct nf_error *err);

/* Resolve the policy of a container from its annotations. *ret = NULL (and 0) when the
 * container is left alone (no io.netfence.* key and no default_policy). Validates every key
 * and value (SPEC section 3) and the allow list. An explicit SELinux context is checked for
 * shape only: whether the host can honour it is decided at set-up (label_resolve). */
/* Has the container any io.netfence.* annotation (did its author ask for a policy)? */
bool policy_annotated(const struct spec_kv *annotations, size_t n);
/* Is it marked as a pod's sandbox (pause) container, the way containerd and CRI-O mark it?
 * Only Kubernetes sets that itself: callers honour it only where the host runs Kubernetes. */
bool policy_is_sandbox(const struct spec_kv *annotations, size_t n);

int policy_resolve(const struct spec_kv *annotations, size_t n, const struct hostconf *hc,
		   struct nf_policy **ret, struct nf_error *err);

/* Does the policy follow DNS live under this host configuration (see nf_policy.dns_live)? */
bool policy_dns_live(const struct nf_policy *p, const struct hostconf *hc);

/* Replace hostname rules by one address rule per A record (and AAAA when ipv6 is on), with
 * the host's resolver, bounded in time (timeout_ms for all names together) and count. A name
 * that does not resolve, a wildcard, or a name answering an address policy_answer_refused
 * refuses (the host's own addresses read from the namespace the caller runs in) is an input
 * error naming it. With p->dns_live only ingress hostnames are resolved (an ingress source is
 * nothing the container looks up); egress hostname and wildcard rules stay as they are, for
 * the resolver. An ingress wildcard is always an error. */
int policy_resolve_hostnames(struct nf_policy *p, unsigned timeout_ms, struct nf_error *err);

/* Why a DNS answer a may not open a hostname rule, NULL when it may: loopback, unspecified,
 * link-local (cloud metadata included), multicast, broadcast, their IPv4-mapped and NAT64
 * forms, and host[0..n_host) (the host's own addresses). policy_resolve_hostnames refuses the
 * container naming the name and the address (fail closed); literal address rules are not
 * affected. */
const char *policy_answer_refused(const struct nf_addr *a, const struct nf_addr *host,
				  size_t n_host);

/* Every address of the namespace the caller runs in (the host's), with broadcast addresses:
 * what a DNS answer never opens. *ret malloc'd. */
int policy_host_addrs(struct nf_addr **ret, size_t *ret_n);

/* A digest of the policy as written (call before policy_resolve_hostnames, so that DNS
 * answers do not change it): containers sharing a namespace must carry the same. Rule order
 * and duplicates do not matter. */
int policy_fingerprint(const struct nf_policy *p, char out[17]);

void policy_free(struct nf_policy *p);
NF_DEFINE_CLEANUP(struct nf_policy *, policy_free)

#endif
