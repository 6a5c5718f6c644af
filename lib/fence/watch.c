/* netfence: the host watcher (see watch.h): one process per state_dir, holding
 * <state_dir>/.watch.lock for its life; it listens for address changes (rtnetlink), and on each
 * one that is not netfence's own, rewrites the hostnet sets under the state lock. */
#define _GNU_SOURCE
#include "watch.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/capability.h>
#include <linux/rtnetlink.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/inotify.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <syslog.h>
#include <unistd.h>

#include <libmnl/libmnl.h>

#include "caps.h"
#include "journal.h"
#include "link.h"
#include "mnl.h"
#include "nft.h"
#include "plan.h"
#include "util.h"

#define WATCH_LOCK ".watch.lock"
#define READY_TIMEOUT_MS 5000
#define RETRY_MS 500	   /* after a failed rewrite */
#define IDLE_CHECK_MS 5000 /* a started watcher looks for containers even without events */

const int caps_watch[] = {
	/* nftables batches that rewrite the hostnet sets, in the host namespace and in pods' */
	CAP_NET_ADMIN,
	/* setns(2) into a pod's network namespace (through its handle) to open a socket there */
	CAP_SYS_ADMIN,
	/* a pod's namespace through /proc/<pid>/ns/net of its container when the handle's bind
	 * mount is not visible from this mount namespace (journal_open_ns) */
	CAP_SYS_PTRACE,
};
const size_t caps_watch_n = ARRAY_SIZE(caps_watch);

static int lock_open(const struct hostconf *hc, struct nf_error *err)
{
	char path[PATH_MAX];
	int fd;

	if ((size_t)snprintf(path, sizeof(path), "%s/" WATCH_LOCK, hc->state_dir) >= sizeof(path))
		return nf_sys_err(err, ENAMETOOLONG, "lock in %s", hc->state_dir);
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return nf_sys_err(err, errno, "opening %s", path);
	return fd;
}

/* ---- keeping the sets in step ---- */

static bool in_prefix(const struct nf_prefix *p, int family, const uint8_t *a)
{
	struct nf_addr x = { .family = family };

	memcpy(x.a, a, (size_t)nf_addr_len(family));
	nf_addr_mask(&x, p->len);
	return p->addr.family == family && memcmp(x.a, p->addr.a, (size_t)nf_addr_len(family)) == 0;
}

/* Is this RTM_NEWADDR/RTM_DELADDR about an address that can change the lists? netfence's own
 * (the host ends take their addresses from the pools), loopback and link-local never do. */
static bool addr_event_matters(const struct hostconf *hc, const struct nlmsghdr *nlh)
{
	const struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *attr;
	const uint8_t *a = NULL;
	size_t alen = 0;

	if (nlh->nlmsg_len < NLMSG_LENGTH(sizeof(*ifa)))
		return true;
	mnl_attr_for_each(attr, nlh, sizeof(*ifa))
	{
		uint16_t type = mnl_attr_get_type(attr);

		/* IFA_LOCAL is the address itself on point-to-point links, IFA_ADDRESS the peer */
		if (type == IFA_LOCAL || (type == IFA_ADDRESS && !a)) {
			a = mnl_attr_get_payload(attr);
			alen = mnl_attr_get_payload_len(attr);
		}
	}
	if (ifa->ifa_family == AF_INET && a && alen == 4)
		return a[0] != 127 && !in_prefix(&hc->subnet, AF_INET, a);
	if (ifa->ifa_family == AF_INET6 && a && alen == 16) {
		static const uint8_t loop6[16] = { [15] = 1 };

		if (memcmp(a, loop6, 16) == 0 || (a[0] == 0xfe && (a[1] & 0xc0) == 0x80))
			return false;
		return !in_prefix(&hc->subnet6, AF_INET6, a);
	}
	return ifa->ifa_family == AF_INET || ifa->ifa_family == AF_INET6;
}

static int host_lists(struct nf_boxset *v4, struct nf_boxset *v6, struct nf_error *err)
{
	_cleanup_free_ struct nf_prefix *host = NULL;
	size_t n_host = 0;
	int r;

	r = link_host_prefixes(&host, &n_host, err);
	if (r >= 0)
		r = plan_host_deny(AF_INET, host, n_host, v4, err);
	if (r >= 0)
		r = plan_host_deny(AF_INET6, host, n_host, v6, err);
	return r;
}

/* Read the host's addresses now and write them into every set that holds them (hc NULL: the
 * host table's only). The caller holds the state lock, so no set-up reads an older list after
 * this one wrote a newer. */
static int watch_sync(const struct hostconf *hc, struct nf_error *err)
{
	struct nf_boxset v4 = { 0 }, v6 = { 0 };
	char **ids = NULL;
	size_t n_ids = 0;
	int r;

	r = host_lists(&v4, &v6, err);
	if (r >= 0)
		r = nft_hostnet_sync(-1, &v4, &v6, err);
	if (r >= 0 && hc)
		r = journal_list(hc->state_dir, &ids, &n_ids, err);
	/* overlay mode: each pod's namespace holds its own copy */
	for (size_t i = 0; r >= 0 && i < n_ids; i++) {
		struct nf_error e2 = { 0 };
		struct journal *j = NULL;
		int fd;

		if (journal_read(hc->state_dir, ids[i], &j, &e2) < 0)
			continue;
		if (!j->member_of && j->complete && j->overlay && j->base == NF_BASE_INTERNET) {
			fd = journal_open_ns(j);
			/* a namespace that is gone took its table along */
			if (fd >= 0 && nft_hostnet_sync(fd, &v4, &v6, &e2) < 0)
				syslog(LOG_DAEMON | LOG_ERR, "netfence watch: %s: %s", j->id,
				       e2.msg);
			if (fd >= 0)
				close(fd);
		}
		journal_free(j);
	}
	nf_strv_free(ids, n_ids);
	nf_boxset_clear(&v4);
	nf_boxset_clear(&v6);
	return r;
}

int watch_refresh_host(struct nf_error *err)
{
	return watch_sync(NULL, err);
}

static int states_left(const struct hostconf *hc, size_t *ret, struct nf_error *err)
{
	char **ids = NULL;
	int r = journal_list(hc->state_dir, &ids, ret, err);

	nf_strv_free(ids, *ret);
	return r;
}

/* ---- the loop ---- */

/* Drain the event socket: true when an address that matters changed (or events were lost). */
static bool read_events(const struct hostconf *hc, struct mnl_socket *nl)
{
	char buf[MNL_SOCKET_BUFFER_SIZE * 2];
	bool dirty = false;

	for (;;) {
		ssize_t n = mnl_socket_recvfrom(nl, buf, sizeof(buf));
		const struct nlmsghdr *nlh;
		int len;

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return dirty || errno == ENOBUFS; /* ENOBUFS: the queue overflowed */
		len = (int)n;
		for (nlh = (const struct nlmsghdr *)buf; mnl_nlmsg_ok(nlh, len);
		     nlh = mnl_nlmsg_next(nlh, &len))
			if ((nlh->nlmsg_type == RTM_NEWADDR || nlh->nlmsg_type == RTM_DELADDR) &&
			    addr_event_matters(hc, nlh))
				dirty = true;
	}
}

/* Drain inotify: *gone when state_dir itself went; true when a state file was removed. */
static bool read_dir_events(int ino, bool *gone)
{
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	bool removed = false;
	ssize_t n;

	while ((n = read(ino, buf, sizeof(buf))) > 0) {
		for (char *p = buf; p < buf + n;) {
			const struct inotify_event *ev = (const struct inotify_event *)p;

			if (ev->mask & (IN_DELETE_SELF | IN_MOVE_SELF | IN_IGNORED | IN_UNMOUNT))
				*gone = true;
			if (ev->len && ev->name[0] != '.' && strstr(ev->name, ".json"))
				removed = true;
			p += sizeof(*ev) + ev->len;
		}
	}
	return removed;
}

/* Report readiness (or why not) to whoever started us, once. */
static void tell(int *ready_fd, const char *msg)
{
	if (*ready_fd < 0)
		return;
	(void)nf_write_all(*ready_fd, msg, strlen(msg));
	close(*ready_fd);
	*ready_fd = -1;
}

/* The watcher proper; the caller holds the watcher lock. idle_exit: a watcher a set-up started,
 * which leaves once no container is left in state_dir (decided under the state lock, which every
 * set-up holds while it checks for a watcher: none is ever left without one). */
static int watch_loop(const struct hostconf *hc, int lk, bool idle_exit, int *ready_fd,
		      struct nf_error *err)
{
	_cleanup_(mnl_socket_closep) struct mnl_socket *nl = NULL;
	_cleanup_close_ int ino = -1;
	bool dirty = true, idle_check = idle_exit, retry = false;
	int bufsize = 1 << 20;

	nl = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC | SOCK_NONBLOCK);
	if (!nl)
		return nf_sys_err(err, errno, "opening a route netlink socket");
	(void)setsockopt(mnl_socket_get_fd(nl), SOL_SOCKET, SO_RCVBUF, &bufsize, sizeof(bufsize));
	if (mnl_socket_bind(nl, RTMGRP_IPV4_IFADDR | RTMGRP_IPV6_IFADDR, MNL_SOCKET_AUTOPID) < 0)
		return nf_sys_err(err, errno, "subscribing to address changes");
	if (idle_exit) {
		ino = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
		if (ino < 0 || inotify_add_watch(ino, hc->state_dir,
						 IN_DELETE | IN_MOVED_FROM | IN_DELETE_SELF |
							 IN_MOVE_SELF) < 0)
			return nf_sys_err(err, errno, "watching %s", hc->state_dir);
	}
	/* listening: a change from here on is seen; the first rewrite below covers the rest */
	tell(ready_fd, "R");

	for (;;) {
		struct pollfd pfd[2] = { { .fd = mnl_socket_get_fd(nl), .events = POLLIN },
					 { .fd = ino, .events = POLLIN } };
		int timeout = retry ? RETRY_MS : idle_exit ? IDLE_CHECK_MS : -1;
		bool gone = false;
		struct stat st;
		int n;

		/* state_dir removed: nothing left to serve (and journal_lock would make it again) */
		if (fstat(lk, &st) == 0 && st.st_nlink == 0)
			return 0;
		/* containers left is seen without the lock; none left is decided under it */
		if (idle_check && !dirty) {
			struct nf_error e2 = { 0 };
			size_t left = 0;

			if (states_left(hc, &left, &e2) >= 0 && left > 0)
				idle_check = false;
		}
		if (dirty || idle_check) {
			_cleanup_(closep) int lock = -1;
			struct nf_error e2 = { 0 };
			size_t left = 1;

			lock = journal_lock_timeout(hc->state_dir, hc->lock_timeout, &e2);
			if (lock < 0) {
				syslog(LOG_DAEMON | LOG_ERR, "netfence watch: %s", e2.msg);
				retry = true;
			} else {
				retry = false;
				if (dirty && watch_sync(hc, &e2) < 0) {
					syslog(LOG_DAEMON | LOG_ERR, "netfence watch: %s", e2.msg);
					retry = true;
				}
				dirty = retry;
				if (idle_exit && states_left(hc, &left, &e2) >= 0 && left == 0)
					return 0; /* both locks go with this process */
				idle_check = false;
			}
		}
		/* the state lock is released: set-ups need not wait for this */
		nft_hostnet_release();
		n = poll(pfd, ino >= 0 ? 2 : 1, timeout);
		if (n < 0 && errno != EINTR)
			return nf_sys_err(err, errno, "poll");
		if (n == 0) {
			idle_check = idle_exit;
			continue;
		}
		if (n > 0 && (pfd[0].revents & (POLLIN | POLLERR)))
			dirty |= read_events(hc, nl);
		if (n > 0 && ino >= 0 && (pfd[1].revents & POLLIN))
			idle_check |= read_dir_events(ino, &gone);
		if (gone)
			return 0; /* state_dir is gone: nothing left to serve */
	}
}

/* ---- starting one ---- */

/* Close every descriptor above stderr but a and b (both above it). */
static void close_all_but(int a, int b)
{
	int lo = a < b ? a : b, hi = a < b ? b : a;

	close_range(STDERR_FILENO + 1, (unsigned)lo - 1, 0);
	close_range((unsigned)lo + 1, (unsigned)hi - 1, 0);
	close_range((unsigned)hi + 1, ~0U, 0);
}

/* The child: a new session, then the watcher in a grandchild, so that nobody waits for it and
 * no runtime pipe or terminal reaches it (as teardown.c's background tear-down). */
static _Noreturn void spawn_child(const struct hostconf *hc, int lk, int wr)
{
	struct nf_error e = { 0 };
	int r;

	setsid();
	if (fork() != 0)
		_exit(0);
	/* a set-up that gave up waiting must not take the watcher with it when it is told */
	signal(SIGPIPE, SIG_IGN);
	/* out of the way of stdin..stderr, should the caller have run without them */
	lk = fcntl(lk, F_DUPFD, 10);
	wr = fcntl(wr, F_DUPFD, 10);
	if (lk < 0 || wr < 0)
		_exit(1);
	nf_stdio_null();
	/* above all the state lock: it must go with the set-up that holds it */
	close_all_but(lk, wr);
	nft_after_fork();
	if (chdir("/") < 0)
		_exit(1);
	prctl(PR_SET_NAME, "netfence-watch", 0, 0, 0);
	nf_fault("watch-start");
	r = caps_drop_to(caps_watch, caps_watch_n, &e);
	if (r >= 0)
		r = watch_loop(hc, lk, true, &wr, &e);
	if (r < 0) {
		char msg[sizeof(e.msg) + 1];

		snprintf(msg, sizeof(msg), "E%s", e.msg);
		if (wr < 0)
			syslog(LOG_DAEMON | LOG_ERR, "netfence watch: %s", e.msg);
		tell(&wr, msg);
	}
	_exit(r < 0 ? 1 : 0);
}

int watch_ensure(const struct hostconf *hc, struct nf_error *err)
{
	_cleanup_close_ int lk = -1, rd = -1, wr = -1;
	char buf[sizeof(err->msg) + 1];
	struct pollfd pfd;
	int p[2], r;
	ssize_t len;
	pid_t pid;

	lk = lock_open(hc, err);
	if (lk < 0)
		goto fail;
	if (flock(lk, LOCK_EX | LOCK_NB) < 0) {
		if (errno == EWOULDBLOCK)
			return 0; /* one runs */
		nf_sys_err(err, errno, "locking %s/" WATCH_LOCK, hc->state_dir);
		goto fail;
	}
	/* none runs: this lock goes to the one started here */
	if (pipe2(p, O_CLOEXEC) < 0) {
		nf_sys_err(err, errno, "pipe");
		goto fail;
	}
	rd = p[0];
	wr = p[1];
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		nf_sys_err(err, errno, "fork");
		goto fail;
	}
	if (pid == 0)
		spawn_child(hc, lk, wr);
	close(wr);
	wr = -1;
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
	pfd = (struct pollfd){ .fd = rd, .events = POLLIN };
	do
		r = poll(&pfd, 1, READY_TIMEOUT_MS);
	while (r < 0 && errno == EINTR);
	len = r > 0 ? read(rd, buf, sizeof(buf) - 1) : -1;
	if (len > 0 && buf[0] == 'R')
		return 1;
	if (r == 0)
		nf_sys_err(err, ETIMEDOUT, "not listening after %d ms", READY_TIMEOUT_MS);
	else if (len > 1 && buf[0] == 'E')
		nf_sys_err(err, 0, "%.*s", (int)len - 1, buf + 1);
	else
		nf_sys_err(err, 0, "it exited before it listened");
fail:
	/* fail closed: nobody would keep this container's deny list in step */
	nf_err_prefix(err, "host watcher (netfence watch) not running and not started");
	return -EIO;
}

int watch_run(const struct hostconf *hc, struct nf_error *err)
{
	_cleanup_close_ int lk = -1;
	int r, none = -1;

	r = nf_mkdir_p(hc->state_dir, 0700);
	if (r < 0)
		return nf_sys_err(err, r, "creating %s", hc->state_dir);
	lk = lock_open(hc, err);
	if (lk < 0)
		return lk;
	/* one started by a set-up serves until its containers are gone; then this one takes over */
	while (flock(lk, LOCK_EX) < 0)
		if (errno != EINTR)
			return nf_sys_err(err, errno, "locking %s/" WATCH_LOCK, hc->state_dir);
	r = watch_loop(hc, lk, false, &none, err);
	return r < 0 ? r : nf_sys_err(err, 0, "%s is gone", hc->state_dir);
}
