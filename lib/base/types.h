/* netfence: the enums every layer shares (the policy's base, seccomp level and SELinux mode).
 * A leaf: includes nothing, so the host configuration, the policy, the journal, nftables and
 * SELinux can name them without including one another. */
#ifndef NF_TYPES_H
#define NF_TYPES_H

/* Where the resolver (SPEC section 10) answers inside a container's namespace: its DNS to the
 * allowed resolvers is DNAT'd here (nft_ns.c), the resolver's sockets listen here. */
#define NF_RESOLVER_ADDR4 "127.83.0.53"
#define NF_RESOLVER_ADDR6 "::1"
#define NF_RESOLVER_PORT 53

/* The NFLOG group the blocking rules of both tables log to (docs/RULESET.md), read by the
 * resolver's events. */
#define NF_NFLOG_GROUP 28262

enum nf_base {
	NF_BASE_UNSET = 0,
	NF_BASE_NONE,
	NF_BASE_RESTRICTED,
	NF_BASE_INTERNET,
};

enum nf_seccomp { NF_SECCOMP_AUTO = 0, NF_SECCOMP_INET, NF_SECCOMP_UNIX, NF_SECCOMP_OFF };
enum nf_selinux_mode { NF_SELINUX_AUTO = 0, NF_SELINUX_OFF, NF_SELINUX_CONTEXT };

const char *nf_base_name(enum nf_base b);
/* "none", "restricted", "internet" -> base; NF_BASE_UNSET otherwise. */
enum nf_base nf_base_from_name(const char *s);

#endif
