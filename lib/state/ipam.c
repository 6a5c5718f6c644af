/* netfence: address leases (see ipam.h). One file per pair under <state_dir>/leases/, named by
 * the host-end address and holding the holder's id, created O_EXCL under an flock'd lock file;
 * a hint file remembers where the last scan stopped, so freed pairs are not reused at once. */
#define _GNU_SOURCE
#include "ipam.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util.h"

#define LEASE_DIR "leases"
#define ID_MAX 1024 /* a lease holds one container id; OCI ids are far shorter */

static int lease_dir(const char *state_dir, char *buf, size_t size, struct nf_error *err)
{
	if ((size_t)snprintf(buf, size, "%s/" LEASE_DIR, state_dir) >= size)
		return nf_sys_err(err, ENAMETOOLONG, "lease directory under %s", state_dir);
	return 0;
}

/* Take the lease lock (exclusive, released when the fd closes). */
static int lock_leases(int dirfd, const char *dir, bool create, struct nf_error *err)
{
	_cleanup_close_ int fd = -1;

	fd = openat(dirfd, ".lock", O_RDWR | O_CLOEXEC | O_NOFOLLOW | (create ? O_CREAT : 0), 0600);
	if (fd < 0)
		return create || errno != ENOENT ? nf_sys_err(err, errno, "opening %s/.lock", dir)
						 : -ENOENT;
	while (flock(fd, LOCK_EX) < 0) {
		if (errno != EINTR)
			return nf_sys_err(err, errno, "locking %s/.lock", dir);
	}
	return steal_fd(&fd);
}

/* Pairs in the pool: 2^(width - len - 1), bounded so offsets stay in 64 bits (2^62 pairs are
 * more than any lease directory will hold). */
static uint64_t pool_pairs(const struct nf_prefix *pool)
{
	int bits = nf_addr_len(pool->addr.family) * 8 - pool->len;

	if (bits < 1)
		return 0;
	if (bits - 1 >= 62)
		return UINT64_C(1) << 62;
	return UINT64_C(1) << (bits - 1);
}

/* The scan hints: one line "<pool> <next pair index>" per pool, so the IPv4 and IPv6 pools (and
 * an old pool after a configuration change) keep their own places. */
#define HINT_MAX 1024

static void read_hints(int dirfd, char *buf, size_t size)
{
	_cleanup_close_ int fd = -1;
	ssize_t n = -1;

	buf[0] = '\0';
	fd = openat(dirfd, ".next", O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd >= 0)
		n = read(fd, buf, size - 1);
	if (n > 0)
		buf[n] = '\0';
}

/* The stored hint of pool key, 0 when missing or unreadable. */
static uint64_t read_hint(int dirfd, const char *key, uint64_t pairs)
{
	char buf[HINT_MAX], *save = NULL;

	read_hints(dirfd, buf, sizeof(buf));
	for (char *line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char k[64];
		unsigned long long v;

		if (sscanf(line, "%63s %llu", k, &v) == 2 && strcmp(k, key) == 0)
			return v < pairs ? v : 0;
	}
	return 0;
}

/* Best effort: a lost hint only makes the next scan start at the pool's beginning. Other pools'
 * lines are kept (a few; the file stays small whatever happens to it). */
static void write_hint(int dirfd, const char *key, uint64_t next)
{
	char old[HINT_MAX], out[HINT_MAX], *save = NULL;
	_cleanup_close_ int fd = -1;
	size_t len = 0;
	int kept = 0;

	read_hints(dirfd, old, sizeof(old));
	for (char *line = strtok_r(old, "\n", &save); line && kept < 4;
	     line = strtok_r(NULL, "\n", &save)) {
		char k[64];
		unsigned long long v;
		int w;

		if (sscanf(line, "%63s %llu", k, &v) != 2 || strcmp(k, key) == 0)
			continue;
		w = snprintf(out + len, sizeof(out) - len, "%s %llu\n", k, v);
		if (w < 0 || (size_t)w >= sizeof(out) - len)
			break;
		len += (size_t)w;
		kept++;
	}
	len += (size_t)snprintf(out + len, sizeof(out) - len, "%s %" PRIu64 "\n", key, next);
	fd = openat(dirfd, ".next", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return;
	(void)nf_write_all(fd, out, len);
}

/* Try to take the pair whose host end is host: 1 taken, 0 held by someone, -errno. */
static int try_lease(int dirfd, const char *dir, const struct nf_addr *host, const char *id,
		     struct nf_error *err)
{
	char name[INET6_ADDRSTRLEN];
	_cleanup_close_ int fd = -1;
	int r;

	nf_addr_str(host, name, sizeof(name));
	fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return errno == EEXIST ? 0
				       : nf_sys_err(err, errno, "creating lease %s/%s", dir, name);
	r = nf_write_all(fd, id, strlen(id));
	if (r < 0) {
		unlinkat(dirfd, name, 0);
		return nf_sys_err(err, r, "writing lease %s/%s", dir, name);
	}
	return 1;
}

int ipam_alloc(const char *state_dir, const struct nf_prefix *pool, const char *id,
	       struct nf_addr *ret_host, struct nf_addr *ret_container, struct nf_error *err)
{
	char dir[PATH_MAX], text[INET6_ADDRSTRLEN], key[INET6_ADDRSTRLEN + 8];
	_cleanup_close_ int lock = -1, dirfd = -1;
	struct nf_prefix base = *pool;
	uint64_t pairs, hint;
	int r;

	if (!id[0] || strlen(id) > ID_MAX || strchr(id, '\n'))
		return nf_input_err(err, "address lease: invalid container id");
	if (base.addr.family != AF_INET && base.addr.family != AF_INET6)
		return nf_input_err(err, "address pool: unknown address family");
	/* Host bits of the pool are ignored (the configuration parser refuses them anyway). */
	nf_addr_mask(&base.addr, base.len);
	pairs = pool_pairs(&base);
	nf_addr_str(&base.addr, text, sizeof(text));
	snprintf(key, sizeof(key), "%s/%u", text, base.len);
	if (pairs == 0)
		return nf_input_err(err, "address pool %s/%u: too small for a pair", text,
				    base.len);

	r = lease_dir(state_dir, dir, sizeof(dir), err);
	if (r < 0)
		return r;
	r = nf_mkdir_p(dir, 0700);
	if (r < 0)
		return nf_sys_err(err, r, "creating %s", dir);
	dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dirfd < 0)
		return nf_sys_err(err, errno, "opening %s", dir);
	lock = lock_leases(dirfd, dir, true, err);
	if (lock < 0)
		return lock;

	hint = read_hint(dirfd, key, pairs);
	/* From the hint to the end, then once around from the start. */
	for (uint64_t i = 0; i < pairs; i++) {
		uint64_t idx = hint + i < pairs ? hint + i : hint + i - pairs;
		struct nf_addr host = base.addr;

		nf_addr_add(&host, idx * 2);
		r = try_lease(dirfd, dir, &host, id, err);
		if (r < 0)
			return r;
		if (r == 0)
			continue;
		write_hint(dirfd, key, idx + 1 < pairs ? idx + 1 : 0);
		*ret_host = host;
		*ret_container = host;
		nf_addr_add(ret_container, 1);
		return 0;
	}
	nf_sys_err(err, 0, "address pool %s is full (%" PRIu64 " leases)", key, pairs);
	return -ENOSPC;
}

/* Read a lease's holder into buf (NUL-terminated, trailing newline dropped). */
static int read_lease(int dirfd, const char *name, char *buf, size_t size)
{
	_cleanup_close_ int fd = -1;
	size_t len = 0;

	fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return -errno;
	while (len < size - 1) {
		ssize_t n = read(fd, buf + len, size - 1 - len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			break;
		len += (size_t)n;
	}
	buf[len] = '\0';
	if (len > 0 && buf[len - 1] == '\n')
		buf[--len] = '\0';
	return (int)len;
}

int ipam_release(const char *state_dir, const struct nf_addr *host_addr, const char *id,
		 struct nf_error *err)
{
	char dir[PATH_MAX], text[INET6_ADDRSTRLEN], holder[ID_MAX + 2];
	_cleanup_close_ int lock = -1, dirfd = -1;
	int r;

	r = lease_dir(state_dir, dir, sizeof(dir), err);
	if (r < 0)
		return r;
	dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dirfd < 0 && errno == ENOENT) /* no lease was ever taken here */
		return 0;
	if (dirfd < 0)
		return nf_sys_err(err, errno, "opening %s", dir);
	lock = lock_leases(dirfd, dir, false, err);
	if (lock == -ENOENT)
		return 0;
	if (lock < 0)
		return lock;
	nf_addr_str(host_addr, text, sizeof(text));
	r = read_lease(dirfd, text, holder, sizeof(holder));
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return nf_sys_err(err, r, "reading lease %s/%s", dir, text);
	/* Someone else's lease (the address went to another container): not ours to free. */
	if (strcmp(holder, id) != 0)
		return 0;
	if (unlinkat(dirfd, text, 0) < 0 && errno != ENOENT)
		return nf_sys_err(err, errno, "removing lease %s/%s", dir, text);
	return 1;
}

int ipam_foreach(const char *state_dir,
		 int (*fn)(const struct nf_addr *host_addr, const char *id, void *arg), void *arg,
		 struct nf_error *err)
{
	char dir[PATH_MAX], holder[ID_MAX + 2];
	_cleanup_(closedirp) DIR *d = NULL;
	struct dirent *de;
	int r;

	r = lease_dir(state_dir, dir, sizeof(dir), err);
	if (r < 0)
		return r;
	d = opendir(dir);
	if (!d)
		return errno == ENOENT ? 0 : nf_sys_err(err, errno, "opening %s", dir);
	/* No lock: fn may release leases (which locks). A lease being created right now may read
	 * empty; it is skipped, as it is someone's live allocation. */
	while ((errno = 0, de = readdir(d))) {
		struct nf_addr a;

		if (de->d_name[0] == '.' || nf_addr_parse(de->d_name, &a) < 0)
			continue;
		r = read_lease(dirfd(d), de->d_name, holder, sizeof(holder));
		if (r == -ENOENT || r == 0)
			continue;
		if (r < 0)
			return nf_sys_err(err, r, "reading lease %s/%s", dir, de->d_name);
		r = fn(&a, holder, arg);
		if (r < 0)
			return r;
	}
	if (errno)
		return nf_sys_err(err, errno, "reading %s", dir);
	return 0;
}
