/* netfence: the hook's side of the resolver (rclient.h). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"
#include "rclient.h"
#include "util.h"

#define START_WAIT_MS 1000 /* for a resolver just started to listen */
#define REPLY_WAIT_MS 1000 /* for its reply (it opens the namespace, dumps two sets) */

int resolver_sockaddr(const char *state_dir, struct sockaddr_un *sa)
{
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	if ((size_t)snprintf(sa->sun_path, sizeof(sa->sun_path), "%s/" RESOLVER_SOCK, state_dir) >=
	    sizeof(sa->sun_path))
		return -ENAMETOOLONG;
	return 0;
}

int resolver_connect(const char *state_dir)
{
	struct sockaddr_un sa;
	int fd;

	if (resolver_sockaddr(state_dir, &sa) < 0)
		return -ENAMETOOLONG;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int e = errno;

		close(fd);
		return -e;
	}
	return fd;
}

/* The reply's lines as they come: b->v[0..b->n) holds what is read and not yet handed out. */
struct lines {
	char v[RESOLVER_LINE_MAX];
	size_t n, used; /* used: the line handed out last, with its newline */
};

/* The next line of the reply (NUL-terminated, no newline) into *ret: 0; or -ETIMEDOUT past
 * end_ms (0: no limit), -ECONNRESET when the resolver closed, -EMSGSIZE, -errno. */
static int next_line(int fd, struct lines *b, uint64_t end_ms, char **ret, size_t *ret_n)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	char *nl;

	memmove(b->v, b->v + b->used, b->n - b->used);
	b->n -= b->used;
	b->used = 0;
	while (!(nl = memchr(b->v, '\n', b->n))) {
		uint64_t now = nf_now_ms();
		ssize_t k;

		if (b->n == sizeof(b->v))
			return -EMSGSIZE;
		if (end_ms && (now >= end_ms || poll(&p, 1, (int)(end_ms - now)) == 0))
			return -ETIMEDOUT;
		k = read(fd, b->v + b->n, sizeof(b->v) - b->n);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			return -errno;
		if (k == 0)
			return -ECONNRESET;
		b->n += (size_t)k;
	}
	*nl = 0;
	*ret = b->v;
	*ret_n = (size_t)(nl - b->v);
	b->used = *ret_n + 1;
	return 0;
}

static int send_req(int fd, const char *req, struct nf_error *err)
{
	if (send(fd, req, strlen(req), MSG_NOSIGNAL) < 0)
		return nf_sys_err(err, errno, "resolver: sending");
	return 0;
}

int resolver_ask(int fd, const char *req, char *rep, size_t cap, struct nf_error *err)
{
	_cleanup_free_ struct lines *b = calloc(1, sizeof(*b));
	char *line;
	size_t n;
	int r;

	if (!b)
		return nf_sys_err(err, ENOMEM, "resolver");
	r = send_req(fd, req, err);
	if (r < 0)
		return r;
	r = next_line(fd, b, nf_now_ms() + REPLY_WAIT_MS, &line, &n);
	if (r < 0)
		return nf_sys_err(err, r == -ECONNRESET ? 0 : r, "resolver: no reply");
	snprintf(rep, cap, "%s", line);
	if (strncmp(line, "ok", 2) == 0)
		return 0;
	return nf_sys_err(err, 0, "resolver: %s", strncmp(line, "err ", 4) ? "no reply" : line + 4);
}

int resolver_stream(int fd, const char *req, int timeout_ms, resolver_line_fn cb, void *arg,
		    struct nf_error *err)
{
	_cleanup_free_ struct lines *b = calloc(1, sizeof(*b));
	uint64_t end = timeout_ms ? nf_now_ms() + (uint64_t)timeout_ms : 0;
	char *line;
	size_t n;
	int r;

	if (!b)
		return nf_sys_err(err, ENOMEM, "resolver");
	r = send_req(fd, req, err);
	for (bool first = true; r >= 0; first = false) {
		r = next_line(fd, b, end, &line, &n);
		if (r == -ECONNRESET)
			return nf_sys_err(err, 0, "resolver: it closed the connection"), r;
		if (r < 0)
			return nf_sys_err(err, r, "resolver: %s",
					  r == -ETIMEDOUT ? "no whole reply" : "reading its reply");
		if (first && strncmp(line, "err ", 4) == 0) {
			nf_sys_err(err, 0, "resolver: %s", line + 4);
			return strncmp(line, "err unknown container", 21) == 0 ? -ESRCH : -EPROTO;
		}
		if (strcmp(line, "end") == 0)
			return 0;
		r = cb(line, n, arg);
	}
	return r;
}

int resolver_query(const char *state_dir, const char *req, int timeout_ms, resolver_line_fn cb,
		   void *arg, struct nf_error *err)
{
	_cleanup_close_ int fd = resolver_connect(state_dir);

	if (fd == -ENOENT || fd == -ECONNREFUSED)
		return nf_sys_err(err, 0, "the resolver is not running"), fd;
	if (fd < 0)
		return nf_sys_err(err, -fd, "resolver: connecting");
	return resolver_stream(fd, req, timeout_ms, cb, arg, err);
}

/* Start it detached (its own session, stdio on /dev/null, nobody's child): the hook's runtime
 * must not wait for it. Its pid lock makes a second one exit at once. */
static int spawn(struct nf_error *err)
{
	char path[PATH_MAX];
	pid_t pid;
	int r = nf_exe_sibling("netfence-resolver", path, sizeof(path));

	if (r < 0)
		return nf_sys_err(err, -r, "resolver: finding netfence-resolver");
	if (access(path, X_OK) < 0)
		return nf_sys_err(err, errno, "resolver: %s", path);
	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return nf_sys_err(err, errno, "resolver: fork");
	if (pid == 0) {
		sigset_t none;

		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		setsid();
		if (fork() != 0)
			_exit(0);
		nf_stdio_null();
		/* the test build's record of this hook's capabilities is the hook's alone */
		unsetenv("NETFENCE_CAPS_OUT");
		execl(path, "netfence-resolver", (char *)NULL);
		_exit(127);
	}
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
	return 0;
}

int resolver_start(const struct hostconf *hc, struct nf_error *err)
{
	uint64_t end;
	int fd = resolver_connect(hc->state_dir), r;

	if (fd >= 0) {
		close(fd);
		return 0;
	}
	r = spawn(err);
	if (r < 0)
		return r;
	end = nf_now_ms() + START_WAIT_MS;
	while ((fd = resolver_connect(hc->state_dir)) < 0 && nf_now_ms() < end)
		nanosleep(&(struct timespec){ 0, 2000000 }, NULL);
	if (fd < 0)
		return nf_sys_err(err, -fd, "resolver: not listening %d ms after its start",
				  START_WAIT_MS);
	close(fd);
	return 1;
}

int resolver_register(const struct hostconf *hc, const char *id, bool wait, struct nf_error *err)
{
	_cleanup_close_ int fd = resolver_connect(hc->state_dir);
	char req[1100], rep[64];

	if (fd < 0)
		return nf_sys_err(err, -fd, "resolver: not running");
	snprintf(req, sizeof(req), "register %s\n", id);
	if (!wait) /* the resolver reads the line after the close as well */
		return send_req(fd, req, err);
	return resolver_ask(fd, req, rep, sizeof(rep), err);
}

void resolver_unregister(const struct hostconf *hc, const char *id)
{
	_cleanup_close_ int fd = resolver_connect(hc->state_dir);
	struct nf_error err = { 0 };
	char req[1100], rep[64];

	if (fd < 0)
		return;
	snprintf(req, sizeof(req), "unregister %s\n", id);
	resolver_ask(fd, req, rep, sizeof(rep), &err);
}
