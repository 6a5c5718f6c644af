/* netfence: a fence's tear-down (see teardown.h). It walks the journal's record and tolerates
 * what is absent, so the same code finishes a killed hook, a poststop and gc. */
#include "teardown.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <syslog.h>
#include <unistd.h>

#include "conntrack.h"
#include "ipam.h"
#include "job.h"
#include "link.h"
#include "names.h"
#include "nft.h"
#include "rclient.h"
#include "shape.h"
#include "util.h"

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
	int r;

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
	nf_stdio_null();
	journal_lock_note(hc->state_dir); /* the lock is this process's now */
	nf_fault("background-teardown");
	return 1;
}

/* What the set-up gave nft_host_apply, from the state: the recorded boxes (borrowed), or, in
 * a state of format 1, the interface name to find them by. */
static void host_fence(const struct journal *j, struct nft_fence *f)
{
	struct nf_boxset *sets[] = { &f->eg4, &f->eg6, &f->in4, &f->in6, &f->deny4, &f->deny6 };

	memset(f, 0, sizeof(*f));
	memcpy(f->hex, j->hex, sizeof(f->hex));
	memcpy(f->ifname, j->ifname, sizeof(f->ifname));
	f->base = j->base;
	f->ipv6 = j->ipv6;
	f->nat = j->nat;
	f->addr4 = j->addr4;
	f->addr6 = j->addr6;
	if (j->ipv6)
		link_ll6(false, &f->ll6);
	for (size_t i = 0; i < ARRAY_SIZE(sets); i++)
		*sets[i] = j->host[i];
	f->by_ifname = !j->host_known;
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
	/* the resolver first: it must open nothing more for this fence (and every fence is
	 * registered for its events: the id may come back with a new fence) */
	resolver_unregister(hc, j->id);
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
	if (j->steps & J_HOST_NFT) {
		struct nft_fence f;

		host_fence(j, &f);
		KEEP(nft_host_remove(&f, &e2));
	}
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
	/* the veth took its qdiscs and filter along; the ifb stays until deleted */
	if (j->steps & J_SHAPE) {
		char ifb[16];

		shape_ifb_name(j->hex, ifb);
		KEEP(shape_remove(ifb, &e2));
	}
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
int fence_leave(const struct hostconf *hc, struct journal *j, bool bg, struct nf_error *err)
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
