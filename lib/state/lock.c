/* netfence: the state directory's lock (<state_dir>/.lock, see journal.h): set-ups, tear-downs
 * and gc take it in turn, wait for it at most lock_timeout seconds, and whoever holds it notes
 * its pid in the file so that a waiter that gives up can name the holder. */
#include "journal.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/time.h>
#include <unistd.h>

#include "util.h"

static void lock_alarm(int sig)
{
	(void)sig; /* only there to interrupt flock() */
}

/* The pid holding the flock on fd: /proc/locks names the process that took it; when that one is
 * gone (a background tear-down child inherited the lock), the pid noted in the file. 0: unknown. */
static int lock_holder(int fd)
{
	_cleanup_close_ int pfd = -1;
	_cleanup_free_ char *buf = NULL;
	char want[64], *line, *save = NULL;
	struct stat st;
	int pid = 0, noted = 0;

	if (fstat(fd, &st) < 0)
		return 0;
	snprintf(want, sizeof(want), " %02x:%02x:%llu ", major(st.st_dev), minor(st.st_dev),
		 (unsigned long long)st.st_ino);
	pfd = open("/proc/locks", O_RDONLY | O_CLOEXEC);
	if (pfd >= 0 && nf_read_all(pfd, 4 << 20, "/proc/locks", &buf, NULL, NULL) >= 0) {
		for (line = strtok_r(buf, "\n", &save); line && !pid;
		     line = strtok_r(NULL, "\n", &save)) {
			char *p = strstr(line, want);

			/* "N: FLOCK  ADVISORY  WRITE PID MAJ:MIN:INO 0 EOF"; waiters show "->" */
			if (!p || !strstr(line, "FLOCK") || strstr(line, "->"))
				continue;
			while (p > line && p[-1] != ' ')
				p--;
			while (p > line && p[-1] == ' ')
				p--;
			while (p > line && p[-1] >= '0' && p[-1] <= '9')
				p--;
			pid = atoi(p);
		}
	}
	if (pid > 0 && kill(pid, 0) == 0)
		return pid;
	if (pread(fd, want, sizeof(want) - 1, 0) > 0) {
		want[sizeof(want) - 1] = '\0';
		noted = atoi(want);
	}
	return noted > 0 ? noted : pid;
}

/* Block in flock() for at most timeout_s: a repeating timer interrupts it (as util-linux
 * flock -w does), so a waiter still wakes the moment the holder lets go. */
static int lock_wait(int fd, unsigned timeout_s)
{
	struct sigaction sa = { .sa_handler = lock_alarm }, old_sa;
	struct itimerval tick = { .it_interval = { 0, 100000 }, .it_value = { 0, 100000 } };
	struct itimerval off = { 0 }, old_timer;
	uint64_t deadline = nf_now_ms() + (uint64_t)timeout_s * 1000;
	int r = 0;

	sigemptyset(&sa.sa_mask); /* no SA_RESTART: the signal must end the wait */
	if (sigaction(SIGALRM, &sa, &old_sa) < 0)
		return -errno;
	if (setitimer(ITIMER_REAL, &tick, &old_timer) < 0) {
		r = -errno;
		sigaction(SIGALRM, &old_sa, NULL);
		return r;
	}
	while (flock(fd, LOCK_EX) < 0) {
		if (errno != EINTR) {
			r = -errno;
			break;
		}
		if (nf_now_ms() >= deadline) {
			r = -ETIMEDOUT;
			break;
		}
	}
	setitimer(ITIMER_REAL, &off, NULL);
	sigaction(SIGALRM, &old_sa, NULL);
	return r;
}

int journal_lock_timeout(const char *state_dir, unsigned timeout_s, struct nf_error *err)
{
	char path[PATH_MAX], note[16];
	_cleanup_close_ int fd = -1;
	int r, n;

	r = nf_mkdir_p(state_dir, 0700);
	if (r < 0)
		return nf_sys_err(err, r, "creating %s", state_dir);
	if ((size_t)snprintf(path, sizeof(path), "%s/.lock", state_dir) >= sizeof(path))
		return nf_sys_err(err, ENAMETOOLONG, "lock in %s", state_dir);
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return nf_sys_err(err, errno, "opening %s", path);
	r = 0;
	while (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		if (errno == EINTR)
			continue;
		r = errno == EWOULDBLOCK ? lock_wait(fd, timeout_s ? timeout_s : 1) : -errno;
		break;
	}
	if (r == -ETIMEDOUT) {
		int holder = lock_holder(fd);

		if (holder > 0)
			return nf_sys_err(err, 0,
					  "state lock %s: still held by pid %d after %u s "
					  "(host key \"lock_timeout\")",
					  path, holder, timeout_s);
		return nf_sys_err(err, 0,
				  "state lock %s: still held by another process after %u s "
				  "(host key \"lock_timeout\")",
				  path, timeout_s);
	}
	if (r < 0)
		return nf_sys_err(err, r, "locking %s", path);
	/* who holds it, for the message of whoever times out waiting */
	n = snprintf(note, sizeof(note), "%d\n", (int)getpid());
	if (pwrite(fd, note, (size_t)n, 0) == n)
		(void)!ftruncate(fd, n);
	return steal_fd(&fd);
}

int journal_lock(const char *state_dir, struct nf_error *err)
{
	return journal_lock_timeout(state_dir, JOURNAL_LOCK_TIMEOUT, err);
}

void journal_lock_note(const char *state_dir)
{
	char path[PATH_MAX], note[16];
	_cleanup_close_ int fd = -1;
	int n;

	if ((size_t)snprintf(path, sizeof(path), "%s/.lock", state_dir) >= sizeof(path))
		return;
	fd = open(path, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
	n = snprintf(note, sizeof(note), "%d\n", (int)getpid());
	if (fd >= 0 && pwrite(fd, note, (size_t)n, 0) == n)
		(void)!ftruncate(fd, n);
}
