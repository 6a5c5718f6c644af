/* netfence: error reporting (see error.h). Formats messages into a caller-owned struct so no
 * module below main ever prints. */
#include "error.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

__attribute__((format(printf, 3, 0))) static void vset(struct nf_error *err, int kind,
						       const char *fmt, va_list ap)
{
	if (!err)
		return;
	err->kind = kind;
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
}

int nf_input_err(struct nf_error *err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vset(err, NF_EXIT_INPUT, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

int nf_sys_err(struct nf_error *err, int errnum, const char *fmt, ...)
{
	va_list ap;

	errnum = abs(errnum);
	va_start(ap, fmt);
	vset(err, NF_EXIT_SYSTEM, fmt, ap);
	va_end(ap);
	if (err && errnum) {
		size_t len = strlen(err->msg);

		snprintf(err->msg + len, sizeof(err->msg) - len, ": %s", strerror(errnum));
	}
	return errnum ? -errnum : -EIO;
}

void nf_err_prefix(struct nf_error *err, const char *fmt, ...)
{
	char head[512], old[sizeof(err->msg)];
	va_list ap;

	if (!err)
		return;
	va_start(ap, fmt);
	vsnprintf(head, sizeof(head), fmt, ap);
	va_end(ap);
	memcpy(old, err->msg, sizeof(old));
	/* a message cut at the end is still better than none */
	if (snprintf(err->msg, sizeof(err->msg), "%.500s: %.500s", head, old) < 0)
		err->msg[0] = '\0';
}
