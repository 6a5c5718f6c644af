/* netfence: scope-bound cleanup (__attribute__((cleanup))), one way everywhere. A module that
 * owns a type declares its cleanup next to its free function (hostconf.h: hostconf_freep); a
 * library type gets its cleanup where that library is the module's purpose (json.h: yajl,
 * seccomp.h: libseccomp) or, used by one file only, in that file. Every cleanup accepts
 * NULL / -1, so it runs on every exit path. */
#ifndef NF_CLEANUP_H
#define NF_CLEANUP_H

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#define _cleanup_(f) __attribute__((cleanup(f)))

/* Defines func##p(type *p): func(*p) unless *p is NULL (systemd's DEFINE_TRIVIAL_CLEANUP_FUNC). */
#define NF_DEFINE_CLEANUP(type, func)                                                              \
	static inline void func##p(type *p)                                                        \
	{                                                                                          \
		if (*p)                                                                            \
			func(*p);                                                                  \
	}

static inline void freep(void *p)
{
	free(*(void **)p);
}

/* Closes *fd unless -1 and sets it to -1, keeping errno (a failed call's errno survives its
 * exit path). Closing the last descriptor of a flock also releases the lock. */
static inline void closep(int *fd)
{
	if (*fd >= 0) {
		int saved = errno;

		close(*fd);
		*fd = -1;
		errno = saved;
	}
}

NF_DEFINE_CLEANUP(DIR *, closedir)

#define _cleanup_free_ _cleanup_(freep)
#define _cleanup_close_ _cleanup_(closep)

#endif
