/* netfence: error reporting shared by every module.
 * A fallible function returns 0 (or a positive count) on success and a negative errno on
 * failure, and fills a struct nf_error naming what failed and why. Only main/cmd_* print. */
#ifndef NF_ERROR_H
#define NF_ERROR_H

#include <stdarg.h>
#include <stddef.h>

/* Exit statuses of SPEC section 2. */
enum nf_exit {
	NF_EXIT_OK = 0,
	NF_EXIT_INPUT = 1,  /* bad policy or input */
	NF_EXIT_SYSTEM = 2, /* system failure */
};

struct nf_error {
	int kind;	/* NF_EXIT_INPUT or NF_EXIT_SYSTEM; 0 while nothing was reported */
	char msg[1024]; /* "<what>: <why>", no trailing newline */
};

/* Record an input error (exit 1). Returns -EINVAL so callers can `return nf_input_err(...)`.
 * err may be NULL. */
int nf_input_err(struct nf_error *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Record a system error (exit 2). errnum is a positive or negative errno; its strerror text is
 * appended as ": <text>" when non-zero. Returns -|errnum| (or -EIO when errnum is 0). */
int nf_sys_err(struct nf_error *err, int errnum, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Prefix an existing message with context: "<ctx>: <old msg>". Keeps kind. */
void nf_err_prefix(struct nf_error *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif
