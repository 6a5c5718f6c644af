/* netfence-resolver: the loop (resolver.h). One thread, one epoll set: the control socket,
 * signals, a 100 ms timer, every container's DNS sockets and every query's upstream socket. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <sys/un.h>
#include <unistd.h>

#include "caps.h"
#include "cleanup.h"
#include "journal.h"
#include "policy.h"
#include "rclient.h"
#include "rcont.h"
#include "resolver.h"
#include "revents.h"
#include "rhttp.h"
#include "rlog.h"
#include "rquery.h"
#include "util.h"

#define TICK_MS 100
#define SWEEP_MS 5000 /* state files gone, expired entries, the host's addresses */

struct ctl { /* a control connection (one request line, one reply line) */
	struct rev ev;
	char line[256];
	size_t len;
};

/* Only what serving needs: nftables in the host's and the containers' namespaces
 * (CAP_NET_ADMIN), entering a namespace (CAP_SYS_ADMIN), opening /proc/<pid>/ns/net of
 * another user's process (CAP_SYS_PTRACE), port 53 in a namespace (CAP_NET_BIND_SERVICE). */
static const int caps_resolver[] = { CAP_NET_ADMIN, CAP_SYS_ADMIN, CAP_SYS_PTRACE,
				     CAP_NET_BIND_SERVICE };

static void refresh_host(struct rloop *L)
{
	struct nf_addr *v = NULL;
	size_t n = 0;

	if (policy_host_addrs(&v, &n) < 0)
		return; /* keep the last list */
	free(L->host);
	L->host = v;
	L->n_host = n;
}

static void ctl_reply(struct ctl *k, const char *s)
{
	if (send(k->ev.fd, s, strlen(s), MSG_DONTWAIT | MSG_NOSIGNAL) < 0) {
		/* the asker gave up: nothing to do */
	}
}

/* A reply of many lines (buf, its length len; freed here) is queued at once: the socket's
 * buffer is made large enough for it first (SO_SNDBUFFORCE: CAP_NET_ADMIN, which the resolver
 * keeps), so the loop never waits on a slow reader. */
static void table_reply(struct ctl *k, char *buf, size_t len)
{
	int sz = len < (1u << 30) ? (int)len + 4096 : 1 << 30;

	if (!buf) {
		ctl_reply(k, "err out of memory\n");
		return;
	}
	if (setsockopt(k->ev.fd, SOL_SOCKET, SO_SNDBUFFORCE, &sz, sizeof(sz)) < 0) {
		/* the default buffer holds a few thousand lines */
	}
	ctl_reply(k, buf);
	free(buf);
}

static void unregister(struct rloop *L, struct rcont *c)
{
	rq_drop_cont(L, c);
	revents_cont_free(c);
	rcont_unregister(&L->conts, c);
}

/* A container id as the runtimes allow them; never a path. */
static bool id_ok(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 1024 || s[0] == '.')
		return false;
	return strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-+") == n;
}

static void ctl_request(struct rloop *L, const char *state_dir, struct ctl *k)
{
	struct nf_error err = { 0 };
	struct rcont *c;
	char out[1100], *buf;
	size_t len = 0;

	if (strncmp(k->line, "register ", 9) == 0 && id_ok(k->line + 9)) {
		if (rcont_register(state_dir, k->line + 9, L->epfd, &L->conts, &c, &err) < 0) {
			rlog("%s not registered: %s", k->line + 9, err.msg);
			snprintf(out, sizeof(out), "err %s\n", err.msg);
			ctl_reply(k, out);
			return;
		}
		revents_cont_init(c);
		ctl_reply(k, "ok\n");
	} else if (strncmp(k->line, "unregister ", 11) == 0) {
		if ((c = rcont_find(L->conts, k->line + 11)))
			unregister(L, c);
		ctl_reply(k, "ok\n");
	} else if (strcmp(k->line, "stats") == 0) {
		buf = rstats_reply(L, &len);
		table_reply(k, buf, len);
	} else if (strncmp(k->line, "learned ", 8) == 0 &&
		   (c = rcont_find(L->conts, k->line + 8))) {
		buf = rlearned_reply(c, nf_now_ms(), &len);
		table_reply(k, buf, len);
	} else if (strncmp(k->line, "learned ", 8) == 0) {
		snprintf(out, sizeof(out), "err unknown container %.1024s\n", k->line + 8);
		ctl_reply(k, out);
	} else if (strcmp(k->line, "ping") == 0) {
		snprintf(out, sizeof(out), "ok %d\n", (int)getpid());
		ctl_reply(k, out);
	} else if (revents_request(L->conts, k->ev.fd, k->line)) {
		k->ev.fd = -1; /* events/follow: the events module streams the reply */
	} else {
		ctl_reply(k, "err unknown request\n");
	}
}

static void ctl_read(struct rloop *L, const char *state_dir, struct ctl *k)
{
	ssize_t n = recv(k->ev.fd, k->line + k->len, sizeof(k->line) - 1 - k->len, MSG_DONTWAIT);
	char *nl;

	if (n < 0 && errno == EAGAIN)
		return;
	if (n > 0) {
		k->len += (size_t)n;
		k->line[k->len] = 0;
		if (!(nl = strchr(k->line, '\n')) && k->len < sizeof(k->line) - 1)
			return;
		if (nl)
			*nl = 0;
		ctl_request(L, state_dir, k);
	}
	if (k->ev.fd >= 0)
		close(k->ev.fd);
	k->ev.fd = -1;
	rdefer(k);
}

static void ctl_accept(struct rloop *L, int lfd)
{
	for (int fd; (fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0;) {
		struct ctl *k = calloc(1, sizeof(*k));
		struct epoll_event e = { .events = EPOLLIN, .data.ptr = k };

		if (!k || epoll_ctl(L->epfd, EPOLL_CTL_ADD, fd, &e) < 0) {
			free(k);
			close(fd);
			continue;
		}
		k->ev = (struct rev){ REV_CTL, fd };
	}
}

/* Containers whose state file is gone (tear-down or gc ran while we were not told) are
 * dropped; learned entries past their time forgotten. */
static void sweep(struct rloop *L, const char *state_dir, uint64_t now_ms)
{
	for (struct rcont *c = L->conts, *nx; c; c = nx) {
		char path[4200];

		nx = c->next;
		snprintf(path, sizeof(path), "%s/%s.json", state_dir, c->id);
		if (access(path, F_OK) < 0 && errno == ENOENT) {
			unregister(L, c);
			continue;
		}
		rcont_expire(c, now_ms);
	}
	refresh_host(L);
}

/* Every fence that the state directory holds (after a start or a restart). */
static void scan(struct rloop *L, const char *state_dir)
{
	char **ids = NULL;
	size_t n = 0;
	struct nf_error err = { 0 };

	if (journal_list(state_dir, &ids, &n, &err) < 0) {
		rlog("- listing %s: %s", state_dir, err.msg);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		struct journal *j = NULL;
		struct rcont *c;

		if (journal_read(state_dir, ids[i], &j, &err) >= 0 && !j->member_of &&
		    j->complete &&
		    rcont_register(state_dir, ids[i], L->epfd, &L->conts, &c, &err) < 0)
			rlog("%s not registered: %s", ids[i], err.msg);
		else if (j && !j->member_of && j->complete)
			revents_cont_init(c);
		journal_free(j);
	}
	nf_strv_free(ids, n);
}

/* The pid file, flock'ed while we run: never two resolvers on one state directory. */
static int take_lock(const char *state_dir)
{
	char path[4200], pid[32];
	int fd, n;

	snprintf(path, sizeof(path), "%s/resolver.pid", state_dir);
	mkdir(state_dir, 0700);
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		int e = errno;

		close(fd);
		return e == EWOULDBLOCK ? -EALREADY : -e;
	}
	n = snprintf(pid, sizeof(pid), "%d\n", (int)getpid());
	if (ftruncate(fd, 0) < 0 || pwrite(fd, pid, (size_t)n, 0) != n) {
		close(fd);
		return -EIO;
	}
	return fd;
}

static int ctl_listen(const char *state_dir)
{
	struct sockaddr_un sa;
	int fd;

	if (resolver_sockaddr(state_dir, &sa) < 0)
		return -ENAMETOOLONG;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	unlink(sa.sun_path); /* a dead resolver's; we hold the lock */
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || chmod(sa.sun_path, 0600) < 0 ||
	    listen(fd, 128) < 0) {
		int e = errno;

		close(fd);
		return -e;
	}
	return fd;
}

static int add_fd(int epfd, struct rev *ev)
{
	struct epoll_event e = { .events = EPOLLIN, .data.ptr = ev };

	return epoll_ctl(epfd, EPOLL_CTL_ADD, ev->fd, &e) < 0 ? -errno : 0;
}

int resolver_run(const struct hostconf *hc, bool foreground)
{
	const char *sd = hc->state_dir;
	struct rloop L = { .epfd = -1 };
	struct rev lst = { REV_CTL_LISTEN, -1 }, sig = { REV_SIGNAL, -1 }, tick = { REV_TIMER, -1 };
	struct rev http = { REV_HTTP_LISTEN, -1 };
	struct itimerspec its = { { 0, TICK_MS * 1000000 }, { 0, TICK_MS * 1000000 } };
	struct rlimit rl = { 65536, 65536 };
	struct nf_error err = { 0 };
	uint64_t last_sweep = 0;
	sigset_t ss;
	int lock, r = 0;

	rlog_open(hc->resolver_log, foreground);
	lock = take_lock(sd);
	if (lock == -EALREADY)
		return 1;
	if (lock < 0) {
		rlog("- cannot start: %s/resolver.pid: %s", sd, strerror(-lock));
		return lock;
	}
	/* a socket and a netlink handle per container: raise the limit where allowed */
	if (setrlimit(RLIMIT_NOFILE, &rl) < 0 && getrlimit(RLIMIT_NOFILE, &rl) == 0) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&ss);
	sigaddset(&ss, SIGTERM);
	sigaddset(&ss, SIGINT);
	sigaddset(&ss, SIGHUP);
	sigprocmask(SIG_BLOCK, &ss, NULL);
	L.epfd = epoll_create1(EPOLL_CLOEXEC);
	lst.fd = ctl_listen(sd);
	sig.fd = signalfd(-1, &ss, SFD_NONBLOCK | SFD_CLOEXEC);
	tick.fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (L.epfd < 0 || lst.fd < 0 || sig.fd < 0 || tick.fd < 0 ||
	    timerfd_settime(tick.fd, 0, &its, NULL) < 0 || add_fd(L.epfd, &lst) < 0 ||
	    add_fd(L.epfd, &sig) < 0 || add_fd(L.epfd, &tick) < 0) {
		rlog("- cannot start: %s", strerror(lst.fd < 0 ? -lst.fd : errno));
		r = -EIO;
		goto out;
	}
	if (hc->metrics_addr.family) {
		char a[64];

		/* DNS goes on without it: the endpoint only reports */
		http.fd = rhttp_listen(hc);
		if (http.fd < 0 || add_fd(L.epfd, &http) < 0)
			rlog("- metrics_listen %s%s%s:%u: %s",
			     hc->metrics_addr.family == AF_INET6 ? "[" : "",
			     nf_addr_str(&hc->metrics_addr, a, sizeof(a)),
			     hc->metrics_addr.family == AF_INET6 ? "]" : "", hc->metrics_port,
			     strerror(http.fd < 0 ? -http.fd : errno));
	}
	if (caps_drop_to(caps_resolver, sizeof(caps_resolver) / sizeof(caps_resolver[0]), &err) <
	    0) {
		rlog("- cannot start: %s", err.msg);
		r = -EPERM;
		goto out;
	}
	refresh_host(&L);
	revents_start(L.epfd);
	rlog("- started (pid %d, state %s)", (int)getpid(), sd);
	scan(&L, sd);
	for (;;) {
		struct epoll_event ev[64];
		int n = epoll_wait(L.epfd, ev, 64, -1);

		if (n < 0 && errno != EINTR)
			break;
		for (int i = 0; i < n; i++) {
			struct rev *e = ev[i].data.ptr;
			uint64_t x;

			if (e->fd < 0)
				continue; /* closed by an earlier event of this batch */
			switch (e->kind) {
			case REV_CTL_LISTEN:
				ctl_accept(&L, e->fd);
				break;
			case REV_CTL:
				ctl_read(&L, sd, (struct ctl *)e);
				break;
			case REV_SIGNAL:
				rlog("- stopping");
				goto out;
			case REV_TIMER:
				if (read(e->fd, &x, sizeof(x)) < 0) {
				}
				rq_tick(&L, nf_now_ms());
				revents_tick(L.conts, nf_now_ms());
				rhttp_tick(nf_now_ms(), false);
				if (nf_now_ms() - last_sweep >= SWEEP_MS) {
					last_sweep = nf_now_ms();
					sweep(&L, sd, last_sweep);
				}
				break;
			case REV_UDP:
				rq_udp(&L, (struct rsock *)e);
				break;
			case REV_TCP_LISTEN:
				rq_accept(&L, (struct rsock *)e);
				break;
			case REV_TCP:
				rq_tcp(&L, e, ev[i].events);
				break;
			case REV_UP:
				rq_up(&L, e, ev[i].events);
				break;
			case REV_NFLOG:
				revents_read(L.conts, e);
				break;
			case REV_EVOUT:
				revents_stream(e, ev[i].events);
				break;
			case REV_HTTP_LISTEN:
				rhttp_accept(&L, e->fd);
				break;
			case REV_HTTP:
				rhttp_io(&L, sd, e, ev[i].events);
				break;
			}
		}
		rdefer_flush();
	}
out:
	revents_stop();
	while (L.conts)
		unregister(&L, L.conts);
	rhttp_tick(0, true);
	rdefer_flush();
	if (http.fd >= 0)
		close(http.fd);
	free(L.host);
	if (lst.fd >= 0) {
		struct sockaddr_un sa;

		if (resolver_sockaddr(sd, &sa) == 0)
			unlink(sa.sun_path);
		close(lst.fd);
	}
	if (sig.fd >= 0)
		close(sig.fd);
	if (tick.fd >= 0)
		close(tick.fd);
	if (L.epfd >= 0)
		close(L.epfd);
	close(lock);
	rlog_close();
	return r;
}
