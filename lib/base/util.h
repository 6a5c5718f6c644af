/* netfence: cleanup attributes, ownership hand-off and small I/O helpers used everywhere.
 * Destructors accept NULL / -1 so they can run on every exit path. */
#ifndef NF_UTIL_H
#define NF_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include "cleanup.h"
#include "error.h"

#define steal_pointer(pp)                                                                          \
	({                                                                                         \
		__typeof__(*(pp)) _p = *(pp);                                                      \
		*(pp) = NULL;                                                                      \
		_p;                                                                                \
	})

static inline int steal_fd(int *fd)
{
	int r = *fd;

	*fd = -1;
	return r;
}

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Read all of fd, refusing more than max bytes (error names `what` and the limit).
 * Result is NUL-terminated; *ret_len excludes the NUL. */
int nf_read_all(int fd, size_t max, const char *what, char **ret, size_t *ret_len,
		struct nf_error *err);

/* Write a whole buffer, retrying short writes and EINTR. Returns 0 or -errno. */
int nf_write_all(int fd, const void *buf, size_t len);

/* Write `data` to `path` atomically: a temporary file in the same directory renamed over path,
 * the data and the rename flushed unless on tmpfs or ramfs. mode as for open(2). */
int nf_write_file_atomic(const char *path, const char *data, size_t len, int mode,
			 struct nf_error *err);

/* For a detached child nobody waits for: stdin, stdout and stderr on /dev/null, so that no
 * runtime pipe stays open through it. */
void nf_stdio_null(void);

/* mkdir -p with mode for missing components. */
int nf_mkdir_p(const char *path, int mode);

/* 12 lowercase hex digits derived from a container id (FNV-1a, 48 bits): the first candidate
 * for the suffix of its host-side names. Collisions are easy to find, so the suffix actually used
 * is reserved and recorded (journal_name_reserve); never recompute it from an id. out must hold
 * 13 bytes. */
void nf_id_hex(const char *id, char out[13]);

/* Untrusted text for a message: printable ASCII kept, '"', '\\' and other bytes as \xNN, long
 * values cut with "...". Returns buf. */
const char *nf_quote(const char *s, char *buf, size_t size);

/* Named points where a test build kills itself (SIGKILL) when $NETFENCE_FAULT names them. */
#ifdef NF_FAULT_INJECTION
void nf_fault(const char *point);
#else
static inline void nf_fault(const char *point)
{
	(void)point;
}
#endif

/* Free the first n strings of v, then v. */
void nf_strv_free(char **v, size_t n);

/* Exactly 12 lowercase hex digits, the form of nf_id_hex. */
bool nf_hex_ok(const char *s);

/* The path of program name in the directory of this process's own executable (netfence's
 * programs are installed side by side): 0, or -errno. */
int nf_exe_sibling(const char *name, char *buf, size_t cap);

/* Monotonic milliseconds, for bounded waits. */
uint64_t nf_now_ms(void);

#endif
