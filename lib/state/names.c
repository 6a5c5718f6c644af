/* netfence: host-side name reservations (see names.h), made and dropped under the state lock. */
#include "names.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "journal.h"
#include "util.h"

#define NAME_TRIES 16

static int name_path(const char *state_dir, const char *hex, char *buf, size_t size)
{
	if ((size_t)snprintf(buf, size, "%s/names/%s", state_dir, hex) >= size)
		return -ENAMETOOLONG;
	return 0;
}

/* Who holds hex (malloc'd id, NULL when free or unreadable). */
static char *name_holder(const char *path)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	char *id = NULL;
	size_t len;

	if (fd < 0 || nf_read_all(fd, 2048, path, &id, &len, NULL) < 0)
		return NULL;
	if (len == 0) {
		free(id);
		return NULL;
	}
	return id;
}

/* Does holder's journal record hex (an owner record: member records name no objects)? */
static bool name_live(const char *state_dir, const char *holder, const char *hex)
{
	struct journal *j = NULL;
	bool live;

	if (strchr(holder, '/') || journal_read(state_dir, holder, &j, NULL) < 0)
		return false;
	live = !j->member_of && strcmp(j->hex, hex) == 0;
	journal_free(j);
	return live;
}

/* The first reservation in a state directory written by a version without them: reserve the
 * names every existing journal records, so that no new name can equal one of theirs. */
static void names_seed(const char *state_dir)
{
	char **ids = NULL, path[PATH_MAX];
	size_t n = 0;

	if (journal_list(state_dir, &ids, &n, NULL) < 0)
		return;
	for (size_t i = 0; i < n; i++) {
		struct journal *j = NULL;
		int fd;

		if (journal_read(state_dir, ids[i], &j, NULL) < 0)
			continue;
		if (!j->member_of && name_path(state_dir, j->hex, path, sizeof(path)) >= 0) {
			fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
			if (fd >= 0) {
				(void)!nf_write_all(fd, j->id, strlen(j->id));
				close(fd);
			}
		}
		journal_free(j);
	}
	nf_strv_free(ids, n);
}

int journal_name_reserve(const char *state_dir, const char *id, char ret_hex[13],
			 struct nf_error *err)
{
	char path[PATH_MAX], hex[13];
	int r;

	if ((size_t)snprintf(path, sizeof(path), "%s/names", state_dir) >= sizeof(path))
		return nf_sys_err(err, ENAMETOOLONG, "names in %s", state_dir);
	r = nf_mkdir_p(state_dir, 0700);
	if (r < 0)
		return nf_sys_err(err, r, "creating %s", state_dir);
	if (mkdir(path, 0700) == 0)
		names_seed(state_dir);
	else if (errno != EEXIST)
		return nf_sys_err(err, errno, "creating %s", path);
	for (int k = 0; k < NAME_TRIES; k++) {
		_cleanup_free_ char *holder = NULL;
		int fd;

		if (k == 0) {
			nf_id_hex(id, hex);
		} else {
			uint8_t b[6];

			if (getrandom(b, sizeof(b), 0) != sizeof(b))
				return nf_sys_err(err, errno ? errno : EIO, "host-side name for %s",
						  id);
			snprintf(hex, sizeof(hex), "%02x%02x%02x%02x%02x%02x", b[0], b[1], b[2],
				 b[3], b[4], b[5]);
		}
		name_path(state_dir, hex, path, sizeof(path));
		fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
		if (fd >= 0) {
			r = nf_write_all(fd, id, strlen(id));
			close(fd);
			if (r < 0) {
				unlink(path);
				return nf_sys_err(err, r, "writing %s", path);
			}
			memcpy(ret_hex, hex, 13);
			return 0;
		}
		if (errno != EEXIST)
			return nf_sys_err(err, errno, "creating %s", path);
		holder = name_holder(path);
		if (holder && strcmp(holder, id) != 0 && name_live(state_dir, holder, hex))
			continue; /* another container's: the next candidate */
		/* ours already, or stale (a set-up killed before its journal, a corrupt file) */
		r = nf_write_file_atomic(path, id, strlen(id), 0600, err);
		if (r < 0)
			return r;
		memcpy(ret_hex, hex, 13);
		return 0;
	}
	return nf_sys_err(err, EADDRINUSE, "no free host-side name for %s after %d tries", id,
			  NAME_TRIES);
}

int journal_name_release(const char *state_dir, const char *hex, const char *id,
			 struct nf_error *err)
{
	_cleanup_free_ char *holder = NULL;
	char path[PATH_MAX];

	if (!nf_hex_ok(hex))
		return 0;
	if (name_path(state_dir, hex, path, sizeof(path)) < 0)
		return nf_sys_err(err, ENAMETOOLONG, "names in %s", state_dir);
	holder = name_holder(path);
	if (!holder || strcmp(holder, id) != 0)
		return 0; /* not ours: another container's, or already gone */
	if (unlink(path) < 0 && errno != ENOENT)
		return nf_sys_err(err, errno, "removing %s", path);
	return 0;
}

int journal_name_sweep(const char *state_dir, unsigned *ret_removed, struct nf_error *err)
{
	char path[PATH_MAX];
	struct dirent *de;
	unsigned removed = 0;
	DIR *d;

	*ret_removed = 0;
	if ((size_t)snprintf(path, sizeof(path), "%s/names", state_dir) >= sizeof(path))
		return nf_sys_err(err, ENAMETOOLONG, "names in %s", state_dir);
	d = opendir(path);
	if (!d)
		return errno == ENOENT ? 0 : nf_sys_err(err, errno, "listing %s", path);
	while ((de = readdir(d))) {
		_cleanup_free_ char *holder = NULL;

		if (de->d_name[0] == '.')
			continue;
		if (name_path(state_dir, de->d_name, path, sizeof(path)) < 0)
			continue;
		holder = name_holder(path);
		if (nf_hex_ok(de->d_name) && holder && name_live(state_dir, holder, de->d_name))
			continue;
		if (unlink(path) == 0)
			removed++;
	}
	closedir(d);
	*ret_removed = removed;
	return 0;
}
