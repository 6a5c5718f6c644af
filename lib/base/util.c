/* netfence: small I/O and naming helpers (see util.h). */
#define _GNU_SOURCE /* secure_getenv */
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/magic.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <time.h>

int nf_read_all(int fd, size_t max, const char *what, char **ret, size_t *ret_len,
		struct nf_error *err)
{
	_cleanup_free_ char *buf = NULL;
	size_t len = 0, cap = 0;

	for (;;) {
		ssize_t n;

		if (cap - len < 4097) {
			size_t ncap = cap ? cap * 2 : 8192;
			char *nb;

			if (ncap > max + 4097)
				ncap = max + 4097;
			nb = realloc(buf, ncap);
			if (!nb)
				return nf_sys_err(err, ENOMEM, "reading %s", what);
			buf = nb;
			cap = ncap;
		}
		n = read(fd, buf + len, cap - len - 1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return nf_sys_err(err, errno, "reading %s", what);
		}
		if (n == 0)
			break;
		len += (size_t)n;
		if (len > max)
			return nf_input_err(err, "%s: larger than the limit of %zu bytes", what,
					    max);
	}
	buf[len] = '\0'; /* the first pass allocated buf */
	*ret = steal_pointer(&buf);
	if (ret_len)
		*ret_len = len;
	return 0;
}

int nf_write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* On tmpfs (where state_dir belongs: /run) a rename is all it takes; on a disk file system the
 * data and the rename are flushed too, so a crash leaves the old file or the new one, whole. */
static bool fs_volatile(int fd)
{
	struct statfs st;

	return fstatfs(fd, &st) == 0 && (st.f_type == (typeof(st.f_type))TMPFS_MAGIC ||
					 st.f_type == (typeof(st.f_type))RAMFS_MAGIC);
}

static int sync_dir_of(const char *path)
{
	char dir[PATH_MAX];
	char *slash;
	int fd, r = 0;

	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (!slash)
		snprintf(dir, sizeof(dir), ".");
	else if (slash == dir)
		dir[1] = '\0';
	else
		*slash = '\0';
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fsync(fd) < 0)
		r = -errno;
	close(fd);
	return r;
}

int nf_write_file_atomic(const char *path, const char *data, size_t len, int mode,
			 struct nf_error *err)
{
	char tmp[PATH_MAX];
	_cleanup_close_ int fd = -1;
	bool durable;
	int r;

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp.%d", path, (int)getpid()) >= sizeof(tmp))
		return nf_sys_err(err, ENAMETOOLONG, "writing %s", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, mode);
	if (fd < 0)
		return nf_sys_err(err, errno, "creating %s", tmp);
	durable = !fs_volatile(fd);
	r = nf_write_all(fd, data, len);
	if (r >= 0 && durable && fdatasync(fd) < 0)
		r = -errno;
	if (r < 0) {
		unlink(tmp);
		return nf_sys_err(err, r, "writing %s", tmp);
	}
	if (rename(tmp, path) < 0) {
		r = -errno;
		unlink(tmp);
		return nf_sys_err(err, r, "renaming %s", tmp);
	}
	if (durable) {
		r = sync_dir_of(path);
		if (r < 0)
			return nf_sys_err(err, r, "flushing the directory of %s", path);
	}
	return 0;
}

void nf_stdio_null(void)
{
	int fd = open("/dev/null", O_RDWR | O_CLOEXEC);

	if (fd < 0)
		return;
	dup2(fd, STDIN_FILENO);
	dup2(fd, STDOUT_FILENO);
	dup2(fd, STDERR_FILENO);
	if (fd > STDERR_FILENO)
		close(fd);
}

int nf_mkdir_p(const char *path, int mode)
{
	char buf[PATH_MAX];
	size_t len = strlen(path);

	if (len == 0 || len >= sizeof(buf))
		return -ENAMETOOLONG;
	memcpy(buf, path, len + 1);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, (mode_t)mode) < 0 && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(buf, (mode_t)mode) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

void nf_id_hex(const char *id, char out[13])
{
	/* FNV-1a 64, folded to 48 bits: only a first candidate. Colliding ids are found in seconds,
	 * so journal_name_reserve checks it against the live reservations and picks another. */
	uint64_t h = 0xcbf29ce484222325ULL;

	for (const unsigned char *p = (const unsigned char *)id; *p; p++) {
		h ^= *p;
		h *= 0x100000001b3ULL;
	}
	h = (h ^ (h >> 48)) & 0xffffffffffffULL;
	snprintf(out, 13, "%012llx", (unsigned long long)h);
}

const char *nf_quote(const char *s, char *buf, size_t size)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t o = 0;

	for (; *p && o + 8 < size; p++) {
		if (*p >= 0x20 && *p < 0x7f && *p != '"' && *p != '\\')
			buf[o++] = (char)*p;
		else
			o += (size_t)snprintf(buf + o, size - o, "\\x%02x", *p);
	}
	if (*p)
		o += (size_t)snprintf(buf + o, size - o, "...");
	buf[o] = '\0';
	return buf;
}

void nf_strv_free(char **v, size_t n)
{
	for (size_t i = 0; v && i < n; i++)
		free(v[i]);
	free(v);
}

bool nf_hex_ok(const char *s)
{
	size_t n = strspn(s, "0123456789abcdef");

	return n == 12 && !s[n];
}

uint64_t nf_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

#ifdef NF_FAULT_INJECTION
void nf_fault(const char *point)
{
	const char *want = secure_getenv("NETFENCE_FAULT");

	if (want && strcmp(want, point) == 0)
		kill(getpid(), SIGKILL);
}
#endif

int nf_exe_sibling(const char *name, char *buf, size_t cap)
{
	ssize_t n = readlink("/proc/self/exe", buf, cap - 1);
	char *slash;

	if (n < 0)
		return -errno;
	buf[n] = 0;
	slash = strrchr(buf, '/');
	if (!slash || (size_t)(slash - buf) + 2 + strlen(name) > cap)
		return -ENAMETOOLONG;
	strcpy(slash + 1, name);
	return 0;
}
