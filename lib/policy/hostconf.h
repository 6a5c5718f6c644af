/* netfence: the host configuration of SPEC section 4 (/etc/netfence/netfence.json or
 * $NETFENCE_CONFIG) with its defaults, and the JSON policy object shared by `profiles` and the
 * inline `io.netfence.policy` form. The operator who writes this file is trusted. */
#ifndef NF_HOSTCONF_H
#define NF_HOSTCONF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "cleanup.h"
#include "error.h"
#include "types.h"

#define NF_HOSTCONF_DEFAULT "/etc/netfence/netfence.json"
#define NF_SELINUX_PACKET_TYPE "netfence_packet_t"
#define NF_HOSTCONF_MAX (64 * 1024 * 1024) /* profiles may hold 100,000 rules */

/* A policy as written (inline JSON or a profile), before resolution. Rules stay strings here so
 * that errors can name the token; policy.c parses them. */
struct policy_src {
	enum nf_base base;
	char **egress;
	size_t n_egress;
	char **ingress;
	size_t n_ingress;
	bool dns_set;  /* "dns" present */
	bool dns_none; /* "dns": "none" */
	char **dns;    /* resolver address strings (IPv6 without brackets or with) */
	size_t n_dns;
	int ipv6;      /* -1 unset, 0 off, 1 on */
	char *seccomp; /* NULL unset */
	char *selinux; /* NULL unset */
};

struct hostconf_profile {
	char *name;
	struct policy_src policy;
};

struct hostconf {
	struct nf_prefix subnet;  /* default 10.213.0.0/16; len <= 30 */
	struct nf_prefix subnet6; /* default fd6e:6663::/64; len <= 126 */
	bool nat;		  /* default true */
	bool flowtable;		  /* offload established flows of host ends; default false */
	bool dns_set;		  /* "dns" given in the file */
	struct nf_addr *dns;	  /* resolvers (from the file or the host's resolv.conf) */
	size_t n_dns;
	char *default_policy; /* NULL: leave unannotated containers alone; else a policy name,
			       * "inline" for an object, or JSON text as io.netfence.policy */
	struct policy_src *default_src; /* the inline default, parsed (not with NO_PROFILES) */
	struct hostconf_profile *profiles;
	size_t n_profiles;
	bool allow_all_policies; /* "allow.policies" absent */
	char **allow_policies;
	size_t n_allow_policies;
	bool allow_rules, allow_dns, allow_seccomp_off; /* default true */
	bool allow_limits; /* io.netfence.rate, quota (and bandwidth) in annotations; default true */
	bool allow_net_admin; /* keep CAP_NET_ADMIN/CAP_NET_RAW (wrapper, precreate); default false */
	char *state_dir;      /* default /run/netfence */
	char *selinux_packet_type; /* type of derived packet contexts; default netfence_packet_t */
	bool teardown_wait;	   /* "teardown": "wait": poststop returns only when all is gone;
			     * default "background": the slow kernel part finishes after it */
	bool kubernetes; /* "kubernetes": true: the host runs Kubernetes, whose sandbox (pause)
			  * containers are skipped; elsewhere a container's author sets the
			  * annotation that claims it, so it escapes nothing; default false */
	char *path;	 /* the file read, NULL for built-in defaults */
	unsigned lock_timeout; /* "lock_timeout": seconds to wait for the state lock (1-3600,
				    * default 10) before failing with the holder's pid */
	/* DNS names (SPEC section 10): copied into a container's state at set-up, so the values
	 * a container was set up with govern it for its whole life */
	bool dns_static;	/* "dns_names": "live" (default) | "static" (resolved at set-up) */
	bool dns_nxdomain;	/* "dns_refuse": "refused" (default) | "nxdomain" */
	unsigned dns_min_ttl;	/* "dns_min_ttl": seconds, 0..dns_max_ttl, default 60 */
	unsigned dns_max_ttl;	/* "dns_max_ttl": seconds, 1..604800, default 86400 */
	unsigned dns_max_names; /* "dns_max_names": names tracked per container, default 10000 */
	unsigned dns_max_qps;	/* "dns_max_qps": queries per second per container, default 200 */
	char *resolver_log; /* "resolver_log": absolute path of the resolver's log, NULL: syslog */
	/* "metrics_listen": "ADDR:PORT" (IPv4 or [IPv6]) where the resolver serves GET /metrics
	 * (SPEC section 11); family 0: not served (default) */
	struct nf_addr metrics_addr;
	uint16_t metrics_port;
};

/* Load the host configuration: path NULL means $NETFENCE_CONFIG (secure_getenv) or the default
 * path; a missing default file gives the built-in defaults, a missing named file is an error.
 * When "dns" is absent, resolvers come from resolv_conf (NULL: /etc/resolv.conf, or
 * /run/systemd/resolve/resolv.conf when the former only names 127.0.0.53), loopback excluded. */
/* NF_HOSTCONF_NO_PROFILES in flags: leave "profiles" unparsed (no profile is found) and skip the
 * default_policy check against them: tear-down, gc and status need none of it, and a profile
 * of 100,000 rules costs ~20 ms to parse. */
#define NF_HOSTCONF_NO_PROFILES 1u
int hostconf_load_flags(const char *path, const char *resolv_conf, unsigned flags,
			struct hostconf **ret, struct nf_error *err);
/* Parse a host configuration document (for tests and fuzzing). */
int hostconf_parse(const char *buf, size_t len, const char *resolv_conf, struct hostconf **ret,
		   struct nf_error *err);
void hostconf_free(struct hostconf *hc);
NF_DEFINE_CLEANUP(struct hostconf *, hostconf_free)

const struct policy_src *hostconf_profile(const struct hostconf *hc, const char *name);

/* Parse an inline JSON policy object (strict: unknown keys, wrong types, missing "base" are
 * errors naming `what` and the key). */
int policy_src_parse_json(const char *text, size_t len, const char *what, size_t max_rules,
			  struct policy_src *ret, struct nf_error *err);
void policy_src_clear(struct policy_src *p);
static inline void policy_src_clearp(struct policy_src *p)
{
	policy_src_clear(p);
}

/* A resolver address: IPv4, or IPv6 with or without brackets (brackets required when
 * `brackets`, as in the io.netfence.dns annotation). No zone ids. 0 or -EINVAL. */
int hostconf_resolver_parse(const char *s, bool brackets, struct nf_addr *ret);
/* A listening address "ADDR:PORT": IPv4, or IPv6 in brackets ("[::1]:9713"); port 1-65535, no
 * zone ids. 0 or -EINVAL. */
int hostconf_listen_parse(const char *s, struct nf_addr *ret, uint16_t *ret_port);

#endif
