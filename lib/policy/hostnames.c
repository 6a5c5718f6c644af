/* netfence: hostname rules resolved at set-up (policy_resolve_hostnames: static DNS names, and
 * ingress names always) with the host's resolver, bounded in time and count, and the addresses
 * a DNS answer never opens (policy_answer_refused, shared with netfence's resolver). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* getaddrinfo_a */
#endif
#include "policy.h"

#include <errno.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "rules.h"
#include "util.h"

#define POLICY_HOSTNAMES_MAX 256
#define POLICY_ADDRS_PER_NAME 64

/* the rules' annotations, egress then ingress, for messages */
static const char *const key_names[2] = { "io.netfence.egress", "io.netfence.ingress" };

struct lookup {
	const char *host;
	const char *key; /* the annotation where the name was first used, for messages */
	struct addrinfo hints;
	struct gaicb cb;
	struct nf_addr addrs[POLICY_ADDRS_PER_NAME];
	size_t n_addrs;
	struct nf_addr refused;	 /* the first answer a hostname must not open */
	const char *refused_why; /* NULL: none */
};

/* The class of an address no DNS answer may open, NULL for any other (without the host's own
 * addresses: see policy_answer_refused). */
static const char *addr_class_refused(const struct nf_addr *a)
{
	const uint8_t *b = a->a;

	if (a->family == AF_INET) {
		if (b[0] == 0)
			return "unspecified (0.0.0.0/8)";
		if (b[0] == 127)
			return "loopback";
		if (b[0] == 169 && b[1] == 254)
			return "link-local (cloud metadata included)";
		if ((b[0] & 0xf0) == 224)
			return "multicast";
		if (b[0] == 255 && b[1] == 255 && b[2] == 255 && b[3] == 255)
			return "broadcast";
		return NULL;
	}
	{
		static const uint8_t zero[16], nat64[12] = { 0, 0x64, 0xff, 0x9b };
		/* AWS's IPv6 instance metadata service sits in a ULA, not in fe80::/10 */
		static const uint8_t meta6[16] = { 0xfd, 0, 0x0e, 0xc2, [14] = 0x02, [15] = 0x54 };

		if (memcmp(b, zero, 16) == 0)
			return "unspecified";
		if (memcmp(b, zero, 15) == 0 && b[15] == 1)
			return "loopback";
		if (b[0] == 0xfe && (b[1] & 0xc0) == 0x80)
			return "link-local";
		if (b[0] == 0xff)
			return "multicast";
		if (memcmp(b, meta6, 16) == 0)
			return "cloud metadata (fd00:ec2::254)";
		/* an IPv4 address in IPv6 clothing reaches the IPv4 address */
		if (nf_addr_v4_mapped(a) || memcmp(b, nat64, sizeof(nat64)) == 0) {
			struct nf_addr v4 = { .family = AF_INET };
			const char *c;

			memcpy(v4.a, b + 12, 4);
			c = addr_class_refused(&v4);
			if (c)
				return nf_addr_v4_mapped(a)
					       ? "the IPv4-mapped form of a refused address"
					       : "the NAT64 form of a refused address";
		}
	}
	return NULL;
}

const char *policy_answer_refused(const struct nf_addr *a, const struct nf_addr *host,
				  size_t n_host)
{
	const char *c = addr_class_refused(a);

	if (c)
		return c;
	for (size_t i = 0; i < n_host; i++)
		if (host[i].family == a->family &&
		    memcmp(host[i].a, a->a, (size_t)nf_addr_len(a->family)) == 0)
			return "one of the host's own addresses";
	return NULL;
}

/* An IPv4 or IPv6 socket address as an nf_addr; false for any other family. */
static bool sa_addr(const struct sockaddr *sa, struct nf_addr *ret)
{
	*ret = (struct nf_addr){ .family = sa->sa_family };
	if (sa->sa_family == AF_INET)
		memcpy(ret->a, &((const struct sockaddr_in *)sa)->sin_addr, 4);
	else if (sa->sa_family == AF_INET6)
		memcpy(ret->a, &((const struct sockaddr_in6 *)sa)->sin6_addr, 16);
	return sa->sa_family == AF_INET || sa->sa_family == AF_INET6;
}

/* Every address of the namespace the hook runs in (the host's): interface addresses, loopback
 * and the host ends of containers included, with their broadcast addresses. */
int policy_host_addrs(struct nf_addr **ret, size_t *ret_n)
{
	struct ifaddrs *ifa = NULL;
	struct nf_addr *v;
	size_t n = 0, cap = 0;

	if (getifaddrs(&ifa) < 0)
		return -errno;
	for (struct ifaddrs *i = ifa; i; i = i->ifa_next)
		cap += 2;
	v = calloc(cap + 1, sizeof(*v));
	if (!v) {
		freeifaddrs(ifa);
		return -ENOMEM;
	}
	for (struct ifaddrs *i = ifa; i; i = i->ifa_next) {
		const struct sockaddr *sa[2] = { i->ifa_addr, NULL };

		if (i->ifa_flags & IFF_BROADCAST)
			sa[1] = i->ifa_broadaddr;
		for (int k = 0; k < 2; k++)
			if (sa[k] && sa_addr(sa[k], &v[n]))
				n++;
	}
	freeifaddrs(ifa);
	*ret = v;
	*ret_n = n;
	return 0;
}

static void lookup_collect(struct lookup *l, bool ipv6, const struct nf_addr *host, size_t n_host)
{
	for (struct addrinfo *ai = l->cb.ar_result; ai; ai = ai->ai_next) {
		struct nf_addr a;
		const char *why;
		bool dup = false;

		if (!sa_addr(ai->ai_addr, &a) || (a.family == AF_INET6 && !ipv6))
			continue;
		why = policy_answer_refused(&a, host, n_host);
		if (why && !l->refused_why) {
			l->refused = a;
			l->refused_why = why;
		}
		if (why || nf_addr_v4_mapped(&a))
			continue;
		for (size_t i = 0; i < l->n_addrs && !dup; i++)
			dup = memcmp(&l->addrs[i], &a, sizeof(a)) == 0;
		if (!dup && l->n_addrs < POLICY_ADDRS_PER_NAME)
			l->addrs[l->n_addrs++] = a;
	}
}

/* One list with its hostname rules replaced by their addresses, in *ret (whose rules own no
 * host). v is left alone: l[].host points into it. */
static int expand_list(const struct nf_rule *v, size_t n, const struct lookup *l, size_t nl,
		       struct nf_rule **ret, size_t *ret_n)
{
	struct nf_rule *out = NULL;
	size_t no = 0, cap = 0;

	for (size_t i = 0; i < n; i++) {
		const struct nf_rule *r = &v[i];
		size_t j;

		if (r->family != 0) {
			if (rules_push(&out, &no, &cap, r) < 0)
				goto oom;
			continue;
		}
		for (j = 0; j < nl && strcmp(l[j].host, r->host) != 0; j++)
			;
		for (size_t k = 0; j < nl && k < l[j].n_addrs; k++) {
			struct nf_rule x = *r;

			x.family = l[j].addrs[k].family;
			x.host = NULL; /* still owned by v */
			x.prefix.addr = l[j].addrs[k];
			x.prefix.len = x.family == AF_INET ? 32 : 128;
			if (rules_push(&out, &no, &cap, &x) < 0)
				goto oom;
		}
	}
	*ret = out;
	*ret_n = no;
	return 0;
oom:
	free(out);
	return -ENOMEM;
}

static int record_hostnames(struct nf_policy *p, const struct nf_rule *v, size_t n, const char *dir)
{
	for (size_t i = 0; i < n; i++) {
		char t[300], **g;

		if (v[i].family != 0)
			continue;
		g = realloc(p->hostnames, (p->n_hostnames + 1) * sizeof(*g));
		if (!g)
			return -ENOMEM;
		p->hostnames = g;
		if (asprintf(&g[p->n_hostnames], "%s %s", dir, rule_str(&v[i], t, sizeof(t))) < 0)
			return -ENOMEM;
		p->n_hostnames++;
	}
	return 0;
}

int policy_resolve_hostnames(struct nf_policy *p, unsigned timeout_ms, struct nf_error *err)
{
	_cleanup_free_ struct lookup *l = NULL;
	_cleanup_free_ struct gaicb **list = NULL, **wait = NULL;
	_cleanup_free_ struct nf_addr *host = NULL;
	struct nf_rule *eg = NULL, *in = NULL;
	size_t nl = 0, nrules = 0, n_eg = 0, n_in = 0, n_host = 0;
	uint64_t deadline;
	bool leak = false;
	/* live: egress names are the resolver's (they follow DNS), ingress names resolve here */
	int d0 = p->dns_live ? 1 : 0;
	int r = 0;

	for (int d = 0; d < 2; d++) {
		const struct nf_rule *v = d ? p->ingress : p->egress;
		size_t n = d ? p->n_ingress : p->n_egress;

		for (size_t i = 0; i < n; i++) {
			if (v[i].family != 0 || d < d0)
				continue;
			if (v[i].wildcard && d)
				return nf_input_err(
					err,
					"%s: wildcard \"*.%s\": an ingress source is "
					"resolved once at set-up, and a wildcard cannot be",
					key_names[1], v[i].host);
			if (v[i].wildcard)
				return nf_input_err(
					err,
					"%s: wildcard \"*.%s\" cannot be resolved at set-up: "
					"wildcards follow DNS live, %s",
					key_names[0], v[i].host,
					p->n_dns
						? "which the host configuration turns off "
						  "(\"dns_names\": \"static\")"
						: "through a resolver, and the policy allows none");
			nrules++;
		}
	}
	if (nrules == 0)
		return 0;
	if (nrules > POLICY_HOSTNAMES_MAX)
		return nf_input_err(err, "more than %d hostname rules", POLICY_HOSTNAMES_MAX);
	l = calloc(nrules, sizeof(*l));
	list = calloc(nrules, sizeof(*list));
	wait = calloc(nrules, sizeof(*wait));
	if (!l || !list || !wait)
		return nf_sys_err(err, ENOMEM, "resolving hostnames");
	for (int d = d0; d < 2; d++) {
		const struct nf_rule *v = d ? p->ingress : p->egress;
		size_t n = d ? p->n_ingress : p->n_egress, j;

		for (size_t i = 0; i < n; i++) {
			if (v[i].family != 0)
				continue;
			for (j = 0; j < nl && strcmp(l[j].host, v[i].host) != 0; j++)
				;
			if (j < nl)
				continue;
			l[nl].host = v[i].host;
			l[nl].key = key_names[d];
			l[nl].hints.ai_family = p->ipv6 ? AF_UNSPEC : AF_INET;
			l[nl].hints.ai_socktype = SOCK_STREAM;
			l[nl].cb.ar_name = l[nl].host;
			l[nl].cb.ar_request = &l[nl].hints;
			list[nl] = wait[nl] = &l[nl].cb;
			nl++;
		}
	}
	/* DNS answers never open the host's own addresses: those of the namespace the hook runs
	 * in (the host's), read once */
	r = policy_host_addrs(&host, &n_host);
	if (r < 0)
		return nf_sys_err(err, -r, "resolving hostnames: listing the host's addresses");
	r = getaddrinfo_a(GAI_NOWAIT, list, (int)nl, NULL);
	if (r != 0)
		return nf_sys_err(err, r == EAI_AGAIN ? EAGAIN : ENOMEM, "resolving hostnames");

	deadline = nf_now_ms() + timeout_ms;
	for (;;) {
		size_t pending = 0;
		uint64_t now = nf_now_ms();
		struct timespec ts;

		for (size_t i = 0; i < nl; i++) {
			if (wait[i] && gai_error(wait[i]) != EAI_INPROGRESS)
				wait[i] = NULL;
			pending += wait[i] != NULL;
		}
		if (pending == 0 || now >= deadline)
			break;
		ts.tv_sec = (time_t)((deadline - now) / 1000);
		ts.tv_nsec = (long)((deadline - now) % 1000) * 1000000;
		gai_suspend((const struct gaicb *const *)wait, (int)nl, &ts);
	}

	r = 0;
	for (size_t i = 0; i < nl; i++) {
		int e = gai_error(&l[i].cb);

		if (e == EAI_INPROGRESS) {
			/* a request still running writes into l[]: keep it alive (the hook exits
			 * soon) rather than free memory under the resolver thread */
			if (gai_cancel(&l[i].cb) != EAI_CANCELED)
				leak = true;
			if (r == 0)
				r = nf_input_err(err,
						 "%s: cannot resolve \"%s\": timed out after %u ms",
						 l[i].key, l[i].host, timeout_ms);
			continue;
		}
		if (e != 0) {
			if (r == 0)
				r = nf_input_err(err, "%s: cannot resolve \"%s\": %s", l[i].key,
						 l[i].host, gai_strerror(e));
			continue;
		}
		lookup_collect(&l[i], p->ipv6, host, n_host);
		freeaddrinfo(l[i].cb.ar_result);
		l[i].cb.ar_result = NULL;
		if (l[i].refused_why && r == 0) {
			char a[64];

			r = nf_input_err(err,
					 "%s: hostname \"%s\" resolved to %s, %s: an address from "
					 "DNS never opens it (a rule naming the address does)",
					 l[i].key, l[i].host,
					 nf_addr_str(&l[i].refused, a, sizeof(a)),
					 l[i].refused_why);
			continue;
		}
		if (l[i].n_addrs == 0 && r == 0)
			r = nf_input_err(err, "%s: cannot resolve \"%s\": no %s address", l[i].key,
					 l[i].host, p->ipv6 ? "IPv4 or IPv6" : "IPv4");
	}
	if (leak) {
		l = NULL; /* deliberately leaked, see above */
		return r;
	}
	if (r < 0)
		return r;
	if ((!d0 && record_hostnames(p, p->egress, p->n_egress, "egress") < 0) ||
	    record_hostnames(p, p->ingress, p->n_ingress, "ingress") < 0 ||
	    (!d0 && expand_list(p->egress, p->n_egress, l, nl, &eg, &n_eg) < 0) ||
	    expand_list(p->ingress, p->n_ingress, l, nl, &in, &n_in) < 0) {
		rules_free(eg, n_eg);
		return nf_sys_err(err, ENOMEM, "resolving hostnames");
	}
	/* the lists expanded: the names l[] points to may go now */
	if (!d0) {
		rules_free(p->egress, p->n_egress);
		p->egress = eg;
		p->n_egress = n_eg;
	}
	rules_free(p->ingress, p->n_ingress);
	p->ingress = in;
	p->n_ingress = n_in;
	return 0;
}
