/* netfence: the order of one set-up and its undo (see fence.h). Every resource is recorded in
 * the journal before it is made; tear-down walks the record and tolerates what is absent, so
 * the same code finishes a killed hook, a poststop, and gc. */
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

#include "../selinux/label.h"
#include "conntrack.h"
#include "ipam.h"
#include "link.h"
#include "netns.h"
#include "nft.h"
#include "plan.h"
#include "seccomp.h"
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
 * (overlay mode) the namespace's own, filled here from a read under the state lock. */
static int fence_compile(const struct nf_policy *pol, struct nft_fence *f, struct nf_error *err)
{
	_cleanup_free_ struct nf_prefix *host = NULL;
	size_t n_host = 0;
	int r;

	r = plan_compile(pol->egress, pol->n_egress, pol->dns, pol->n_dns, AF_INET, &f->eg4, err);
	if (r >= 0)
		r = plan_compile(pol->ingress, pol->n_ingress, NULL, 0, AF_INET, &f->in4, err);
	if (r >= 0 && pol->ipv6)
		r = plan_compile(pol->egress, pol->n_egress, pol->dns, pol->n_dns, AF_INET6,
				 &f->eg6, err);
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

/* Kernel-bound steps run side by side: each in a thread of its own, or inline should
 * pthread_create fail. Only the calling thread ever enters a container's namespace. */
struct job {
	int (*fn)(struct job *);
	const struct nft_fence *f;
	const struct journal *j;
	bool ipv6;
	struct nf_error err;
	int r;
	bool threaded;
	pthread_t th;
};

static void *job_main(void *p)
{
	struct job *jb = p;

	jb->r = jb->fn(jb);
	return NULL;
}

static void job_start(struct job *jb, int (*fn)(struct job *))
{
	jb->fn = fn;
	jb->threaded = pthread_create(&jb->th, NULL, job_main, jb) == 0;
	if (!jb->threaded)
		job_main(jb);
}

/* Wait for a started job; its failure becomes *r (with *err) unless *r is one already. */
static void job_wait(struct job *jb, int *r, struct nf_error *err)
{
	if (!jb->fn)
		return;
	if (jb->threaded)
		pthread_join(jb->th, NULL);
	jb->fn = NULL;
	if (jb->r < 0 && *r >= 0) {
		*r = jb->r;
		if (err)
			*err = jb->err;
	}
}

static int veth_delete_job(struct job *jb)
{
	return link_delete(jb->j->ifname, &jb->err);
}

/*
 * Background tear-down: the journal is marked incomplete (status no longer lists the container;
 * gc finishes it should this process die) and a detached child, which shares the state lock's
 * open file description and so holds the lock until it exits, does the rest. The caller returns
 * at once: 0 in the parent, 1 in the child, negative when the work must stay in this process.
 */
static int go_background(const struct hostconf *hc, const struct journal *j, struct nf_error *err)
{
	struct journal tmp = *j;
	pid_t pid;
	int fd, r;

	tmp.complete = false;
	r = journal_write(hc->state_dir, &tmp, err);
	if (r < 0)
		return r;
	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid > 0)
		return 0;
	/* nobody waits for this process: no runtime pipe may stay open, no terminal signal reach it */
	setsid();
	fd = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (fd >= 0) {
		dup2(fd, STDIN_FILENO);
		dup2(fd, STDOUT_FILENO);
		dup2(fd, STDERR_FILENO);
		if (fd > STDERR_FILENO)
			close(fd);
	}
	journal_lock_note(hc->state_dir); /* the lock is this process's now */
	nf_fault("background-teardown");
	return 1;
}

static int teardown(const struct hostconf *hc, const struct journal *j, bool bg,
		    struct nf_error *err)
{
	struct job del = { .j = j };
	struct nf_error e2 = { 0 };
	bool veth = (j->steps & J_VETH) && j->ifname[0];
	bool child = false;
	int first = 0, r;

#define KEEP(expr)                                                                                 \
	do {                                                                                       \
		r = (expr);                                                                        \
		if (r < 0 && first == 0) {                                                         \
			first = r;                                                                 \
			if (err)                                                                   \
				*err = e2;                                                         \
		}                                                                                  \
	} while (0)

	/*
	 * Deleting the veth waits for RCU in the kernel (15-35 ms); the rest (two nftables batches,
	 * the conntrack dump that walks the whole shared hash, ~10 ms) runs beside it. Waiting, the
	 * veth goes first: with it the container's traffic stops. In the background, the rules go
	 * first, before the hook returns. Once the host rules are gone, the catch-all "nf*" drops
	 * stop the interface's traffic and keep new conntrack entries for the address from being
	 * confirmed.
	 */
	if (veth && !bg)
		job_start(&del, veth_delete_job);
	if (j->steps & J_NS_NFT) {
		int nsfd = journal_open_ns(j);

		/* a namespace that is gone took its table with it */
		if (nsfd >= 0) {
			KEEP(nft_ns_remove(nsfd, &e2));
			close(nsfd);
		}
	}
	if (j->steps & J_HOST_NFT)
		KEEP(nft_host_remove(j->hex, j->ifname, j->addr4.family ? &j->addr4 : NULL,
				     j->addr6.family ? &j->addr6 : NULL, &e2));
	if (veth && bg) {
		r = first < 0 ? -1 : go_background(hc, j, &e2);
		if (r == 0)
			return 0;
		child = r > 0;
		job_start(&del, veth_delete_job);
	}
	if (j->addr4.family)
		KEEP(conntrack_flush_addr(&j->addr4, &e2));
	if (j->addr6.family)
		KEEP(conntrack_flush_addr(&j->addr6, &e2));
	r = 0;
	job_wait(&del, &r, &e2);
	KEEP(r);
	if ((j->steps & J_LEASE4) && j->gw4.family)
		KEEP(ipam_release(hc->state_dir, &j->gw4, j->id, &e2));
	if ((j->steps & J_LEASE6) && j->gw6.family)
		KEEP(ipam_release(hc->state_dir, &j->gw6, j->id, &e2));
	if ((j->steps & J_NS_HANDLE) && j->ns_handle) {
		if (umount2(j->ns_handle, MNT_DETACH) < 0 && errno != EINVAL && errno != ENOENT)
			KEEP(nf_sys_err(&e2, errno, "unmounting %s", j->ns_handle));
		if (unlink(j->ns_handle) < 0 && errno != ENOENT)
			KEEP(nf_sys_err(&e2, errno, "removing %s", j->ns_handle));
	}
	if (j->steps & J_INDEX) {
		char *owner = NULL;

		/* only our own entry: a later fence of a reused inode is not ours */
		if (journal_index_get(hc->state_dir, &j->ns, &owner, &e2) >= 0 && owner &&
		    strcmp(owner, j->id) == 0)
			KEEP(journal_index_remove(hc->state_dir, &j->ns, &e2));
		free(owner);
	}
	/* members whose poststop never came (gc): their records go with the fence */
	for (size_t i = 0; i < j->n_members; i++) {
		struct journal *m = NULL;

		if (strcmp(j->members[i].id, j->id) == 0)
			continue;
		if (journal_read(hc->state_dir, j->members[i].id, &m, &e2) >= 0 && m->member_of &&
		    strcmp(m->member_of, j->id) == 0)
			KEEP(journal_remove(hc->state_dir, m->id, &e2));
		journal_free(m);
	}
#undef KEEP
	/* the name goes last: while anything of ours might remain, nobody else may take it */
	if (first >= 0 && !j->member_of)
		first = journal_name_release(hc->state_dir, j->hex, j->id, err);
	if (first >= 0)
		first = journal_remove(hc->state_dir, j->id, err);
	/* else keep the state so gc can finish the job */
	if (child) {
		if (first < 0)
			syslog(LOG_DAEMON | LOG_ERR,
			       "netfence: tear-down of %s: %s (gc finishes it)", j->id,
			       err ? err->msg : "failed");
		_exit(first < 0 ? 1 : 0);
	}
	return first;
}

int fence_teardown(const struct hostconf *hc, const struct journal *j, struct nf_error *err)
{
	return teardown(hc, j, false, err);
}

/* A container leaves its fence: the fence goes when its last member does. */
static int fence_leave(const struct hostconf *hc, struct journal *j, bool bg, struct nf_error *err)
{
	struct journal *owner = NULL;
	int r;

	if (!j->member_of) {
		journal_member_remove(j, j->id);
		if (j->n_members > 0 && j->complete)
			return journal_write(hc->state_dir, j, err); /* others still use it */
		return teardown(hc, j, bg, err);
	}
	r = journal_read(hc->state_dir, j->member_of, &owner, err);
	if (r < 0 && r != -ENOENT)
		return r;
	if (owner) {
		journal_member_remove(owner, j->id);
		r = owner->n_members > 0 ? journal_write(hc->state_dir, owner, err)
					 : teardown(hc, owner, bg, err);
		journal_free(owner);
		if (r < 0)
			return r;
	}
	return journal_remove(hc->state_dir, j->id, err);
}

/*
 * May a poststop for j's id, from a runtime whose state names pid and bundle, act on j? Poststop
 * runs once the container's processes are gone, so a record whose container still runs belongs
 * to another container with the same id (another runtime root, another engine sharing
 * state_dir) that never got this fence; only the runtime naming that very process may act. A
 * record without a pid (crun and podman pass none at poststop, but set-up always had one unless
 * config.json named the namespace) belongs to its bundle while its namespace exists.
 */
static bool poststop_owns(const struct journal *j, int pid, const char *bundle)
{
	struct journal_member buf;
	const struct journal_member *self;
	int nsfd;

	if (!j->complete)
		return true; /* a killed set-up: nothing runs fenced by it */
	self = journal_self(j, &buf);
	if (!self)
		return true; /* its container left already: leaving again changes nothing */
	if (self->pid > 0)
		return pid == self->pid || !journal_member_alive(self, &j->ns);
	if (!j->bundle || !bundle || strcmp(j->bundle, bundle) == 0)
		return true;
	nsfd = journal_open_ns(j);
	if (nsfd < 0)
		return true;
	close(nsfd);
	return false;
}

int fence_teardown_id(const struct hostconf *hc, const char *id, int pid, const char *bundle,
		      struct nf_error *err)
{
	_cleanup_close_ int lock = -1;
	struct journal *j = NULL;
	int r;

	lock = journal_lock_timeout(hc->state_dir, hc->lock_timeout, err);
	if (lock < 0)
		return lock;
	r = journal_read(hc->state_dir, id, &j, err);
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return r;
	if (!poststop_owns(j, pid, bundle)) {
		/* not ours to end: the runtime stops a container that never got this fence */
		syslog(LOG_DAEMON | LOG_NOTICE,
		       "netfence: poststop for %s left the fence of its running namesake alone",
		       id);
		journal_free(j);
		return 0;
	}
	r = fence_leave(hc, j, !hc->teardown_wait, err);
	journal_free(j);
	return r;
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
	} else {
		j->steps |= J_NS_NFT;
	}
	r = journal_write(hc->state_dir, j, err);
	if (r < 0)
		return r;
	if (j->wire)
		nf_fault("after-lease");

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
	r = fence_compile(pol, &f, err);
	if (r < 0)
		goto out;

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

static bool same_ns(const struct netns_id *a, const struct netns_id *b)
{
	return a->dev == b->dev && a->ino == b->ino;
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
	if (!same_ns(&owner->ns, nsid)) {
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

bool fence_in_host_netns(const struct spec_config *cfg, int pid)
{
	struct nf_error ignored = { 0 };
	struct netns_id nsid, selfid;
	char path[PATH_MAX];
	int fd, self;

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
	self = netns_open_self(&selfid, &ignored);
	if (self < 0)
		return false;
	close(self);
	return same_ns(&nsid, &selfid);
}

int fence_setup(const struct hostconf *hc, const char *id, int pid, const char *bundle,
		const struct spec_config *cfg, const struct nf_policy *pol, const char *fingerprint,
		struct nf_error *err)
{
	_cleanup_close_ int lock = -1;
	_cleanup_close_ int nsfd = -1, selffd = -1;
	_cleanup_free_ char(*devs)[16] = NULL;
	_cleanup_free_ char *secctx = NULL;
	struct netns_id nsid, selfid;
	struct journal j = { 0 };
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
	selffd = netns_open_self(&selfid, err);
	if (selffd < 0)
		return selffd;
	if (same_ns(&nsid, &selfid))
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
		bool same = same_ns(&old->ns, &nsid);
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
	return r < 0 ? r : 0;
}

/* gc sweeps ------------------------------------------------------------------------------- */

struct gc_known {
	char **ids;
	char (*hex)[13]; /* the hex each owner record recorded ("" for the rest) */
	size_t n;
};

static bool known_id(const struct gc_known *k, const char *id)
{
	for (size_t i = 0; i < k->n; i++)
		if (k->ids[i] && strcmp(k->ids[i], id) == 0)
			return true;
	return false;
}

static bool known_hex(const struct gc_known *k, const char *hex)
{
	for (size_t i = 0; i < k->n; i++)
		if (k->ids[i] && k->hex[i][0] && strcmp(k->hex[i], hex) == 0)
			return true;
	return false;
}

struct lease_orphan {
	struct nf_addr host;
	char *id;
};

struct gc_leases {
	const struct gc_known *known;
	struct lease_orphan *v;
	size_t n;
};

static int collect_orphan_lease(const struct nf_addr *host_addr, const char *id, void *arg)
{
	struct gc_leases *l = arg;
	struct lease_orphan *nv;

	if (known_id(l->known, id))
		return 0;
	nv = realloc(l->v, (l->n + 1) * sizeof(*nv));
	if (!nv)
		return -ENOMEM;
	l->v = nv;
	l->v[l->n].host = *host_addr;
	l->v[l->n].id = strdup(id);
	if (!l->v[l->n].id)
		return -ENOMEM;
	l->n++;
	return 0;
}

int fence_gc(const struct hostconf *hc, unsigned *ret_removed, struct nf_error *err)
{
	_cleanup_close_ int lock = -1;
	struct gc_known known = { 0 };
	struct gc_leases leases = { 0 };
	char **names = NULL;
	size_t n_names = 0;
	unsigned removed = 0;
	int first = 0, r;

	lock = journal_lock_timeout(hc->state_dir, hc->lock_timeout, err);
	if (lock < 0)
		return lock;
	r = journal_list(hc->state_dir, &known.ids, &known.n, err);
	if (r < 0)
		return r;
	known.hex = calloc(known.n + 1, sizeof(*known.hex));
	if (!known.hex) {
		strv_free(known.ids, known.n);
		return nf_sys_err(err, ENOMEM, "gc");
	}
	for (size_t i = 0; i < known.n; i++) {
		struct nf_error e2 = { 0 };
		struct journal *j = NULL;

		r = journal_read(hc->state_dir, known.ids[i], &j, &e2);
		if (r < 0) {
			if (r != -ENOENT && first == 0) {
				first = r;
				*err = e2;
			}
			continue;
		}
		if (j->member_of) {
			/* a member record whose fence is gone or no longer lists it */
			struct journal *owner = NULL;
			bool listed = false;

			if (journal_read(hc->state_dir, j->member_of, &owner, &e2) >= 0)
				for (size_t k = 0; k < owner->n_members; k++)
					listed |= strcmp(owner->members[k].id, j->id) == 0;
			journal_free(owner);
			if (!listed && journal_remove(hc->state_dir, j->id, &e2) >= 0)
				removed++;
			journal_free(j);
			continue;
		}
		memcpy(known.hex[i], j->hex, sizeof(known.hex[i]));
		/* members whose runtime died without poststop leave the fence */
		for (size_t k = 0; j->complete && k < j->n_members;) {
			struct journal_member *m = &j->members[k];

			if (journal_member_alive(m, &j->ns)) {
				k++;
				continue;
			}
			if (strcmp(m->id, j->id) != 0)
				journal_remove(hc->state_dir, m->id, NULL);
			journal_member_remove(j, m->id);
			if (journal_write(hc->state_dir, j, &e2) >= 0)
				removed++;
		}
		if (!j->complete || j->n_members == 0) {
			r = fence_teardown(hc, j, &e2);
			if (r < 0 && first == 0) {
				first = r;
				*err = e2;
			}
			if (r >= 0) {
				removed++;
				free(known.ids[i]);
				known.ids[i] = NULL;
			}
		}
		journal_free(j);
	}

	/* leases no state names: a hook killed between leasing and recording */
	leases.known = &known;
	r = ipam_foreach(hc->state_dir, collect_orphan_lease, &leases, err);
	if (r < 0 && first == 0)
		first = r;
	for (size_t i = 0; i < leases.n; i++) {
		struct nf_error e2 = { 0 };
		struct nf_addr ctr = leases.v[i].host;

		/* Leased, never recorded: nothing was made with it (the journal records every
		 * later step). Its name is unknown and never recomputed from the id, which could
		 * name another container's objects; the sweeps below take any nf* leftovers. */
		nf_addr_add(&ctr, 1);
		r = conntrack_flush_addr(&ctr, &e2);
		if (r >= 0)
			r = ipam_release(hc->state_dir, &leases.v[i].host, leases.v[i].id, &e2);
		if (r < 0 && first == 0) {
			first = r;
			*err = e2;
		}
		if (r >= 0)
			removed++;
		free(leases.v[i].id);
	}
	free(leases.v);

	/* nf* links and host chains that no state names */
	r = link_list_nf(&names, &n_names, err);
	if (r < 0 && first == 0)
		first = r;
	for (size_t i = 0; i < n_names; i++) {
		struct nf_error e2 = { 0 };

		if (strlen(names[i]) == 14 && known_hex(&known, names[i] + 2))
			continue;
		r = link_delete(names[i], &e2);
		if (r < 0 && first == 0) {
			first = r;
			*err = e2;
		}
		if (r >= 0)
			removed++;
	}
	strv_free(names, n_names);
	names = NULL;
	n_names = 0;
	r = nft_host_list(&names, &n_names, err);
	if (r < 0 && first == 0)
		first = r;
	for (size_t i = 0; i < n_names; i++) {
		struct nf_error e2 = { 0 };
		char ifname[16];

		if (known_hex(&known, names[i]))
			continue;
		snprintf(ifname, sizeof(ifname), "nf%s", names[i]);
		r = nft_host_remove(names[i], ifname, NULL, NULL, &e2);
		if (r < 0 && first == 0) {
			first = r;
			*err = e2;
		}
		if (r >= 0)
			removed++;
	}
	strv_free(names, n_names);
	{
		unsigned n = 0;

		r = journal_name_sweep(hc->state_dir, &n, err);
		if (r < 0 && first == 0)
			first = r;
		removed += n;
	}
	strv_free(known.ids, known.n);
	free(known.hex);
	if (ret_removed)
		*ret_removed = removed;
	return first;
}
