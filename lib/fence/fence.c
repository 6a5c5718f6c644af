/* netfence: the order of one set-up (see fence.h). Every resource is recorded in the journal
 * before it is made, so that tear-down (teardown.c) can undo a set-up killed at any point. */
#define _GNU_SOURCE /* secure_getenv */
#include "fence.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <sys/mount.h>
#include <syslog.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <selinux/selinux.h>

#include "label.h"
#include "conntrack.h"
#include "ipam.h"
#include "job.h"
#include "link.h"
#include "names.h"
#include "netns.h"
#include "nft.h"
#include "plan.h"
#include "rules.h"
#include "seccomp.h"
#include "shape.h"
#include "teardown.h"
#include "util.h"
#include "watch.h"

static void fence_clear(struct nft_fence *f)
{
	nf_boxset_clear(&f->eg4);
	nf_boxset_clear(&f->eg6);
	nf_boxset_clear(&f->in4);
	nf_boxset_clear(&f->in6);
	nf_boxset_clear(&f->deny4);
	nf_boxset_clear(&f->deny6);
	nf_boxset_clear(&f->hostnet4);
	nf_boxset_clear(&f->hostnet6);
}

/* Compile the policy into the sets nft.h loads. The host's prefixes are not in the container's
 * deny list but in hostnet sets the watcher keeps in step: the host table's shared ones, or
 * (overlay mode) the namespace's own, filled here from a read under the state lock. With live
 * DNS names the resolvers get no port-53 element (their DNS goes to netfence's resolver), and
 * the egress hostname and wildcard rules left in the policy open nothing here: plan_compile
 * takes address rules only (family 0 is no family it compiles); the resolver opens what their
 * names answer. */
static int fence_compile(const struct nf_policy *pol, struct nft_fence *f, struct nf_error *err)
{
	_cleanup_free_ struct nf_prefix *host = NULL;
	const struct nf_addr *dns = pol->dns_live ? NULL : pol->dns;
	size_t n_host = 0, n_dns = pol->dns_live ? 0 : pol->n_dns;
	int r;

	if (pol->dns_live) {
		f->dns_redirect = pol->dns;
		f->n_dns_redirect = pol->n_dns;
	}
	r = plan_compile(pol->egress, pol->n_egress, dns, n_dns, AF_INET, &f->eg4, err);
	if (r >= 0)
		r = plan_compile(pol->ingress, pol->n_ingress, NULL, 0, AF_INET, &f->in4, err);
	if (r >= 0 && pol->ipv6)
		r = plan_compile(pol->egress, pol->n_egress, dns, n_dns, AF_INET6, &f->eg6, err);
	if (r >= 0 && pol->ipv6)
		r = plan_compile(pol->ingress, pol->n_ingress, NULL, 0, AF_INET6, &f->in6, err);
	if (r < 0 || pol->base != NF_BASE_INTERNET)
		return r;

	r = plan_internet_deny(AF_INET, NULL, 0, &f->deny4, err);
	if (r >= 0 && pol->ipv6)
		r = plan_internet_deny(AF_INET6, NULL, 0, &f->deny6, err);
	if (r < 0 || f->n_devs == 0)
		return r; /* wire mode: the host table's shared sets */
	r = link_host_prefixes(&host, &n_host, err);
	if (r >= 0)
		r = plan_host_deny(AF_INET, host, n_host, &f->hostnet4, err);
	if (r >= 0)
		r = plan_host_deny(AF_INET6, host, n_host, &f->hostnet6, err);
	return r;
}

static int ensure_forwarding(bool ipv6, struct nf_error *err)
{
	int v = 0, r;

	r = sysctl_read_int("net/ipv4/ip_forward", &v, err);
	if (r < 0)
		return r;
	/* as podman's netavark does: routed containers need forwarding on */
	if (v == 0) {
		r = sysctl_write_int("net/ipv4/ip_forward", 1, err);
		if (r < 0)
			return r;
	}
	if (!ipv6)
		return 0;
	r = sysctl_read_int("net/ipv6/conf/all/forwarding", &v, err);
	if (r < 0)
		return r;
	/* never turned on by us: it would stop the host from accepting router advertisements */
	if (v != 1)
		return nf_sys_err(
			err, 0,
			"io.netfence.ipv6: IPv6 forwarding is off on this host; enable it "
			"with sysctl -w net.ipv6.conf.all.forwarding=1 (and set accept_ra=2 "
			"on uplinks that use router advertisements)");
	return 0;
}

/* Overlay mode: keep the namespace reachable for tear-down after every pid is gone or reused,
 * as `ip netns` does: a bind mount of it on a file under state_dir/netns. */
static int bind_handle(const struct hostconf *hc, int nsfd, struct journal *j, struct nf_error *err)
{
	char path[PATH_MAX], src[64];
	int fd, r;

	if ((size_t)snprintf(path, sizeof(path), "%s/netns", hc->state_dir) >= sizeof(path))
		return nf_sys_err(err, ENAMETOOLONG, "namespace handle in %s", hc->state_dir);
	r = nf_mkdir_p(path, 0700);
	if (r < 0)
		return nf_sys_err(err, r, "creating %s", path);
	snprintf(path + strlen(path), sizeof(path) - strlen(path), "/%s.handle", j->hex);
	free(j->ns_handle);
	j->ns_handle = strdup(path);
	if (!j->ns_handle)
		return nf_sys_err(err, ENOMEM, "namespace handle");
	j->steps |= J_NS_HANDLE;
	r = journal_write(hc->state_dir, j, err);
	if (r < 0)
		return r;
	fd = open(path, O_RDONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return nf_sys_err(err, errno, "creating %s", path);
	close(fd);
	snprintf(src, sizeof(src), "/proc/self/fd/%d", nsfd);
	if (mount(src, path, NULL, MS_BIND, NULL) < 0)
		return nf_sys_err(err, errno, "bind-mounting the network namespace on %s", path);
	return 0;
}

/* The host side of a wired container: its objects in the shared table (they name the veth,
 * which need not exist yet), and its veth end once it does. */
static int host_nft_job(struct job *jb)
{
	int r = nft_host_apply(jb->f, &jb->err);

	if (r >= 0)
		nf_fault("after-host-nft");
	return r;
}

static int host_link_job(struct job *jb)
{
	int r = link_host_configure(jb->j->ifname, &jb->j->gw4, jb->ipv6 ? &jb->j->gw6 : NULL,
				    jb->ipv6, &jb->err);

	if (r >= 0)
		nf_fault("after-link-config");
	return r;
}

/* The boxes of the container's host-side elements, into its state (journal.host). */
static int record_host(struct journal *j, const struct nft_fence *f)
{
	const struct nf_boxset *src[] = {
		&f->eg4, &f->eg6, &f->in4, &f->in6, &f->deny4, &f->deny6
	};

	for (size_t i = 0; i < ARRAY_SIZE(src); i++) {
		struct nf_boxset *d = &j->host[i];

		nf_boxset_clear(d);
		d->family = i % 2 ? AF_INET6 : AF_INET;
		if (!src[i]->n)
			continue;
		d->v = malloc(src[i]->n * sizeof(*d->v));
		if (!d->v)
			return -ENOMEM;
		memcpy(d->v, src[i]->v, src[i]->n * sizeof(*d->v));
		d->n = src[i]->n;
	}
	j->host_known = true;
	return 0;
}

/* Everything after the journal exists; on failure the caller tears down from *j. */
static int fence_build(const struct hostconf *hc, int nsfd, const struct nf_policy *pol,
		       const char *secctx, char (*devs)[16], size_t n_devs, bool fresh_watcher,
		       struct journal *j, struct nf_error *err)
{
	struct nft_fence f = { 0 };
	struct job host_nft = { .f = &f, .j = j, .ipv6 = pol->ipv6 }, host_link = host_nft;
	int r;

	if (j->overlay) {
		r = bind_handle(hc, nsfd, j, err);
		if (r < 0)
			return r;
		j->steps |= J_NS_NFT;
	} else if (j->wire) {
		r = ipam_alloc(hc->state_dir, &hc->subnet, j->id, &j->gw4, &j->addr4, err);
		if (r < 0)
			return r;
		j->steps |= J_LEASE4;
		if (pol->ipv6) {
			r = journal_write(hc->state_dir, j, err);
			if (r < 0)
				return r;
			r = ipam_alloc(hc->state_dir, &hc->subnet6, j->id, &j->gw6, &j->addr6, err);
			if (r < 0)
				return r;
			j->steps |= J_LEASE6;
		}
		j->steps |= J_VETH | J_HOST_NFT | J_NS_NFT;
		if (pol->bw_egress || pol->bw_ingress)
			j->steps |= J_SHAPE;
	} else {
		j->steps |= J_NS_NFT;
	}
	memcpy(f.hex, j->hex, sizeof(f.hex));
	memcpy(f.ifname, j->ifname, sizeof(f.ifname));
	f.base = pol->base;
	f.ipv6 = pol->ipv6;
	f.nat = hc->nat;
	f.addr4 = j->addr4;
	f.gw4 = j->gw4;
	f.addr6 = j->addr6;
	f.gw6 = j->gw6;
	if (j->wire && pol->ipv6)
		link_ll6(false, &f.ll6);
	f.devs = devs;
	f.n_devs = n_devs;
	f.secctx = secctx;
	f.rate = pol->rate;
	f.rate_unit = pol->rate_unit;
	f.quota = pol->quota;
	r = fence_compile(pol, &f, err);
	if (r < 0)
		goto out;
	/* the host table's elements are recorded before they are made */
	if (j->wire) {
		r = record_host(j, &f);
		if (r < 0) {
			nf_sys_err(err, r, "recording the host table's elements");
			goto out;
		}
	}
	r = journal_write(hc->state_dir, j, err);
	if (r < 0)
		goto out;
	if (j->wire)
		nf_fault("after-lease");

	if (j->wire) {
		/*
		 * Three strands from here (~1 ms saved against one): the shared table's batch
		 * (rules before the interface exists: it comes up fenced), the host end of the
		 * veth once it exists, and the container end with its table in this thread.
		 */
		job_start(&host_nft, host_nft_job);
		r = ensure_forwarding(pol->ipv6, err);
		if (r >= 0) {
			r = link_veth_create(nsfd, j->ifname, err);
			/* someone else's (the name is reserved, so not a live fence's): not ours */
			if (r == -EEXIST)
				j->steps &= ~J_VETH;
		}
		if (r >= 0) {
			nf_fault("after-veth");
			job_start(&host_link, host_link_job);
			r = link_ns_configure(nsfd, &j->addr4, &j->gw4,
					      pol->ipv6 ? &j->addr6 : NULL,
					      pol->ipv6 ? &j->gw6 : NULL, pol->ipv6, err);
		}
	} else if (!j->overlay) {
		r = link_ns_configure(nsfd, NULL, NULL, NULL, NULL, false, err);
	}
	if (r >= 0)
		r = nft_ns_apply(nsfd, &f, err);
	job_wait(&host_nft, &r, err);
	if (host_nft.r == -EEXIST)
		j->steps &= ~J_HOST_NFT; /* the batch made nothing: what exists is not ours */
	job_wait(&host_link, &r, err);
	/* the fast path is an optimisation: where it cannot be had, traffic takes the usual path;
	 * a quota counts every byte, so its container keeps the usual path */
	if (r >= 0 && j->wire && hc->flowtable && !pol->quota) {
		struct nf_error fe = { 0 };

		if (nft_flow_add(j->ifname, &fe) < 0)
			syslog(LOG_DAEMON | LOG_WARNING, "netfence: %s: no flowtable: %s", j->id,
			       fe.msg);
	}
	if (r >= 0 && (j->steps & J_SHAPE)) {
		char ifb[16];

		shape_ifb_name(j->hex, ifb);
		r = shape_apply(j->ifname, ifb, pol->bw_egress, pol->bw_ingress, err);
	}
	/* the host table's hostnet sets: empty when just made; possibly stale when no watcher
	 * kept them (it starts listening only now) */
	if (r >= 0 && (host_nft.r > 0 || fresh_watcher))
		r = watch_refresh_host(err);
out:
	fence_clear(&f);
	if (r < 0)
		return r;
	nf_fault("after-ns-nft");
	nf_fault("before-complete");
	j->complete = true;
	return journal_write(hc->state_dir, j, err);
}

/* Join the fence netfence already made for this namespace (a pod, a container started with
 * --network=container:X): 1 joined, 0 no live fence there, negative on error. */
static int fence_join(const struct hostconf *hc, const char *id, int pid, const char *bundle,
		      const struct netns_id *nsid, const char *fingerprint, struct nf_error *err)
{
	_cleanup_free_ char *owner_id = NULL;
	struct journal *owner = NULL;
	struct journal m = { 0 };
	int r;

	r = journal_index_get(hc->state_dir, nsid, &owner_id, err);
	if (r < 0 || !owner_id)
		return r;
	r = journal_read(hc->state_dir, owner_id, &owner, err);
	if (r == -ENOENT)
		return journal_index_remove(hc->state_dir, nsid, err);
	if (r < 0)
		return r;
	if (!netns_same(&owner->ns, nsid)) {
		journal_free(owner);
		return journal_index_remove(hc->state_dir, nsid, err);
	}
	if (!owner->complete || !journal_container_alive(owner)) {
		/* a killed set-up, or a fence whose containers are all gone */
		r = fence_teardown(hc, owner, err);
		journal_free(owner);
		return r;
	}
	if (strcmp(owner->fingerprint, fingerprint) != 0) {
		r = nf_input_err(err,
				 "io.netfence.policy: the network namespace is already fenced by "
				 "container \"%s\" with a different policy; containers sharing a "
				 "namespace must carry the same io.netfence.* annotations",
				 owner->id);
		journal_free(owner);
		return r;
	}
	r = journal_member_add(owner, id, pid, proc_start_time(pid));
	if (r < 0) {
		journal_free(owner);
		return nf_sys_err(err, r, "joining the fence of %s", owner_id);
	}
	m.id = (char *)id;
	memcpy(m.hex, owner->hex, sizeof(m.hex)); /* a member names no objects of its own */
	m.complete = true;
	m.ns = *nsid;
	m.pid = pid;
	m.pid_start = proc_start_time(pid);
	m.bundle = (char *)bundle;
	m.member_of = owner->id;
	m.policy = owner->policy;
	m.base = owner->base;
	r = journal_write(hc->state_dir, &m, err);
	if (r >= 0)
		r = journal_write(hc->state_dir, owner, err);
	if (r < 0)
		journal_remove(hc->state_dir, id, NULL);
	journal_free(owner);
	return r < 0 ? r : 1;
}

/* The state's "dns" object (live DNS names): what the resolver needs of this fence, from the
 * policy and the host configuration it is set up with. Borrows pol's arrays except rules. */
static int dns_record(const struct hostconf *hc, const struct nf_policy *pol, struct journal_dns *d)
{
	*d = (struct journal_dns){ .upstreams = pol->dns,
				   .n_upstreams = pol->n_dns,
				   .names = pol->dns_names,
				   .n_names = pol->n_dns_names,
				   .nxdomain = hc->dns_nxdomain,
				   .min_ttl = hc->dns_min_ttl,
				   .max_ttl = hc->dns_max_ttl,
				   .max_names = hc->dns_max_names,
				   .max_qps = hc->dns_max_qps };
	d->rules = calloc(pol->n_egress + 1, sizeof(*d->rules));
	if (!d->rules)
		return -ENOMEM;
	for (size_t i = 0; i < pol->n_egress; i++) {
		char buf[320];

		if (pol->egress[i].family != 0)
			continue;
		d->rules[d->n_rules] = strdup(rule_str(&pol->egress[i], buf, sizeof(buf)));
		if (!d->rules[d->n_rules])
			return -ENOMEM;
		d->n_rules++;
	}
	return 0;
}

bool fence_in_host_netns(const struct spec_config *cfg, int pid)
{
	struct nf_error ignored = { 0 };
	struct netns_id nsid;
	char path[PATH_MAX];
	int fd;

	/* the process's own namespace is the truth: config.json's keys could be spelt in a way
	 * the runtime reads and the strict parser does not */
	if (pid > 0)
		snprintf(path, sizeof(path), "/proc/%d/ns/net", pid);
	else if (cfg->has_netns && cfg->netns_path)
		snprintf(path, sizeof(path), "%s", cfg->netns_path);
	else
		return false;
	fd = netns_open(path, &nsid, &ignored);
	if (fd < 0)
		return false;
	close(fd);
	return netns_is_self(&nsid, &ignored) > 0;
}

int fence_setup(const struct hostconf *hc, const char *id, int pid, const char *bundle,
		const struct spec_config *cfg, const struct nf_policy *pol, const char *fingerprint,
		struct nf_error *err)
{
	_cleanup_close_ int lock = -1;
	_cleanup_close_ int nsfd = -1;
	_cleanup_free_ char(*devs)[16] = NULL;
	_cleanup_free_ char *secctx = NULL;
	struct netns_id nsid;
	struct journal j = { 0 };
	struct journal_dns dns = { 0 };
	struct journal *old = NULL;
	char path[PATH_MAX];
	size_t n_devs = 0;
	bool fresh_watcher = false;
	int r;

	/* The runtime loads the filter before the hooks run: it must be in config.json. */
	if (pol->seccomp == NF_SECCOMP_INET || pol->seccomp == NF_SECCOMP_UNIX) {
		r = nf_seccomp_check(pol->seccomp, cfg, err);
		if (r < 0)
			return r;
	}
	/* before anything exists: labels asked for and impossible refuse the container */
	r = label_resolve(pol->selinux, pol->selinux_context, cfg->selinux_label,
			  hc->selinux_packet_type, is_selinux_enabled() > 0, &secctx, err);
	if (r < 0)
		return r;
	if (!cfg->has_netns)
		return nf_input_err(err, "network namespace: the container shares the host's "
					 "network namespace (no \"network\" entry in "
					 "linux.namespaces); netfence cannot fence it");
	if (cfg->netns_path) {
		snprintf(path, sizeof(path), "%s", cfg->netns_path);
	} else {
		if (pid <= 0)
			return nf_input_err(err, "network namespace: the state has no pid and "
						 "config.json names no namespace path");
		snprintf(path, sizeof(path), "/proc/%d/ns/net", pid);
	}
	nsfd = netns_open(path, &nsid, err);
	if (nsfd < 0) {
		if (nsfd == -ENOENT)
			return nf_input_err(err, "network namespace: \"%s\" does not exist", path);
		return nsfd;
	}
	r = netns_is_self(&nsid, err);
	if (r < 0)
		return r;
	if (r > 0)
		return nf_input_err(err,
				    "network namespace: \"%s\" is the host's network "
				    "namespace; netfence refuses to fence the host",
				    path);

	lock = journal_lock_timeout(hc->state_dir, hc->lock_timeout, err);
	if (lock < 0)
		return lock;
	/* internet: the watcher keeps the host's addresses in step (a probe when it runs). Here,
	 * under the lock and before any thread or netlink socket exists, as watch_ensure needs. */
	if (pol->base == NF_BASE_INTERNET) {
		r = watch_ensure(hc, err);
		if (r < 0)
			return r;
		fresh_watcher = r > 0;
	}
	r = journal_read(hc->state_dir, id, &old, err);
	if (r < 0 && r != -ENOENT)
		return r;
	if (old) {
		bool same = netns_same(&old->ns, &nsid);
		bool alive;
		int ofd;

		if (same && old->complete) {
			struct journal_member buf;
			const struct journal_member *self = journal_self(old, &buf);

			/* the same id for another container that still runs here: not ours */
			if (self && self->pid > 0 && self->pid != pid &&
			    journal_member_alive(self, &nsid)) {
				r = nf_input_err(err,
						 "container id: \"%s\" is already fenced for a "
						 "running container (pid %d)",
						 id, self->pid);
				journal_free(old);
				return r;
			}
			/* a second identical set-up does nothing (a restarted owner rejoins) */
			r = 0;
			if (!old->member_of) {
				r = journal_member_add(old, id, pid, proc_start_time(pid));
				if (r >= 0)
					r = journal_write(hc->state_dir, old, err);
			}
			journal_free(old);
			return r;
		}
		ofd = same ? -1 : journal_open_ns(old);
		alive = !same && (ofd >= 0 || journal_container_alive(old));
		if (ofd >= 0)
			close(ofd);
		if (alive) {
			journal_free(old);
			return nf_input_err(err,
					    "container id: \"%s\" is already fenced on another "
					    "network namespace that still exists",
					    id);
		}
		/* a set-up that was killed, or a container gone: finish its tear-down first */
		r = fence_leave(hc, old, false, err);
		journal_free(old);
		if (r < 0)
			return r;
	}

	/* netfence's own records first: a namespace it fenced is joined, not re-classified */
	r = fence_join(hc, id, pid, bundle, &nsid, fingerprint, err);
	if (r != 0)
		return r < 0 ? r : 0;

	r = link_ns_devices(nsfd, &devs, &n_devs, err);
	if (r < 0)
		return r;
	if (n_devs > 0 && cfg->cap_net_admin && !cfg->seccomp_denies_nfnetlink)
		return nf_input_err(
			err,
			"process.capabilities: CAP_NET_ADMIN in a namespace wired by "
			"someone else (interface %s): without a host-side copy of the "
			"policy the container could remove it; drop CAP_NET_ADMIN or add a "
			"seccomp filter that denies NETLINK_NETFILTER sockets",
			devs[0]);

	if (n_devs > 0 && (pol->bw_egress || pol->bw_ingress))
		return nf_input_err(err,
				    "io.netfence.bandwidth: the namespace is wired by someone else "
				    "(interface %s): overlay mode has no host end to shape",
				    devs[0]);

	j.id = (char *)id;
	r = journal_name_reserve(hc->state_dir, id, j.hex, err);
	if (r < 0)
		return r;
	j.overlay = n_devs > 0;
	j.wire = !j.overlay && pol->base != NF_BASE_NONE;
	j.ns = nsid;
	j.pid = pid;
	j.pid_start = proc_start_time(pid);
	j.ns_path = cfg->netns_path;
	j.bundle = (char *)bundle;
	j.policy = pol->name;
	j.base = pol->base;
	j.ipv6 = pol->ipv6;
	j.nat = hc->nat;
	j.created = (uint64_t)time(NULL);
	snprintf(j.fingerprint, sizeof(j.fingerprint), "%s", fingerprint);
	if (j.wire)
		snprintf(j.ifname, sizeof(j.ifname), "nf%s", j.hex);
	j.steps = J_INDEX;
	r = journal_member_add(&j, id, pid, j.pid_start);
	if (r >= 0 && pol->dns_live) {
		r = dns_record(hc, pol, &dns);
		j.dns = &dns;
	}
	if (r < 0)
		nf_sys_err(err, r, "recording container %s", id);
	if (r >= 0)
		r = journal_write(hc->state_dir, &j, err);
	if (r < 0) {
		/* no journal names it: the reservation is all there is */
		journal_name_release(hc->state_dir, j.hex, id, NULL);
		goto out;
	}
	r = journal_index_set(hc->state_dir, &nsid, id, err);
	if (r >= 0)
		nf_fault("after-state");
	if (r >= 0)
		r = fence_build(hc, nsfd, pol, secctx, devs, n_devs, fresh_watcher, &j, err);
	if (r < 0) {
		struct nf_error ignored = { 0 };

		fence_teardown(hc, &j, &ignored);
	}
out:
	for (size_t i = 0; i < j.n_members; i++)
		free(j.members[i].id);
	free(j.members);
	free(j.ns_handle);
	for (size_t i = 0; i < ARRAY_SIZE(j.host); i++)
		nf_boxset_clear(&j.host[i]);
	nf_strv_free(dns.rules, dns.n_rules);
	return r < 0 ? r : 0;
}
