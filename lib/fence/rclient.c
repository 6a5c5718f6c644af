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

static int ctl_connect(const char *state_dir)
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

/* One request, one reply line; 0 for "ok". */
static int ask(int fd, const char *req, char *rep, size_t cap, struct nf_error *err)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	uint64_t end = nf_now_ms() + REPLY_WAIT_MS;
	size_t n = 0;

	if (send(fd, req, strlen(req), MSG_NOSIGNAL) < 0)
		return nf_sys_err(err, errno, "resolver: sending");
	while (n < cap - 1) {
		uint64_t now = nf_now_ms();
		ssize_t k;

		if (now >= end || poll(&p, 1, (int)(end - now)) == 0)
			return nf_sys_err(err, ETIMEDOUT, "resolver: no reply");
		k = read(fd, rep + n, cap - 1 - n);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			break;
		n += (size_t)k;
		if (memchr(rep, '\n', n))
			break;
	}
	rep[n] = 0;
	rep[strcspn(rep, "\n")] = 0;
	if (strncmp(rep, "ok", 2) == 0)
		return 0;
	return nf_sys_err(err, 0, "resolver: %s", strncmp(rep, "err ", 4) ? "no reply" : rep + 4);
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
	int fd = ctl_connect(hc->state_dir), r;

	if (fd >= 0) {
		close(fd);
		return 0;
	}
	r = spawn(err);
	if (r < 0)
		return r;
	end = nf_now_ms() + START_WAIT_MS;
	while ((fd = ctl_connect(hc->state_dir)) < 0 && nf_now_ms() < end)
		nanosleep(&(struct timespec){ 0, 2000000 }, NULL);
	if (fd < 0)
		return nf_sys_err(err, -fd, "resolver: not listening %d ms after its start",
				  START_WAIT_MS);
	close(fd);
	return 1;
}

int resolver_register(const struct hostconf *hc, const char *id, struct nf_error *err)
{
	_cleanup_close_ int fd = ctl_connect(hc->state_dir);
	char req[1100], rep[1100];

	if (fd < 0)
		return nf_sys_err(err, -fd, "resolver: not running");
	snprintf(req, sizeof(req), "register %s\n", id);
	return ask(fd, req, rep, sizeof(rep), err);
}

void resolver_unregister(const struct hostconf *hc, const char *id)
{
	_cleanup_close_ int fd = ctl_connect(hc->state_dir);
	struct nf_error err = { 0 };
	char req[1100], rep[64];

	if (fd < 0)
		return;
	snprintf(req, sizeof(req), "unregister %s\n", id);
	ask(fd, req, rep, sizeof(rep), &err);
}
