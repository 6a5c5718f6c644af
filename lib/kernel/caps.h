/* netfence: least privilege. Once a command has read its input it keeps only the capabilities
 * its remaining work needs and can never gain more: no_new_privs, empty bounding, inheritable
 * and ambient sets. libcap-ng stays inside caps.c. */
#ifndef NF_CAPS_H
#define NF_CAPS_H

#include <linux/capability.h> /* the CAP_* numbers of the lists */
#include <stddef.h>

#include "error.h"

/* What set-up, tear-down and gc need (each entry is commented in caps.c). */
extern const int caps_fence[];
extern const size_t caps_fence_n;

/* Reduce the effective and permitted sets to keep[0..n) (CAP_* numbers), clear the inheritable
 * and ambient sets, empty the bounding set, and set PR_SET_NO_NEW_PRIVS; the result is read back
 * and checked. A capability the process does not hold is not kept (an unprivileged `validate`),
 * and the bounding set is left alone without CAP_SETPCAP (no_new_privs still stops every gain).
 * Refuses to run in a process with more than one thread: capabilities belong to a thread.
 * In the test build, $NETFENCE_CAPS_OUT names a file the resulting sets are appended to. */
int caps_drop_to(const int *keep, size_t n, struct nf_error *err);

#endif
