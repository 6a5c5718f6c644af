/* netfence: the seccomp socket filter of SPEC section 6 (levels inet and unix) as data, as an
 * evaluator, as a libseccomp filter (to prove the rules), and the hook's check that a
 * container's linux.seccomp denies what the level denies. The runtime loads the filter. */
#ifndef NF_SECCOMP_H
#define NF_SECCOMP_H

#include <seccomp.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "spec.h"
#include "cleanup.h"
#include "error.h"
#include "types.h"

/* The rules of a level (NF_SECCOMP_INET or NF_SECCOMP_UNIX). deny: the SCMP_ACT_ERRNO rules,
 * enough on their own under a default-allow profile; allow: the SCMP_ACT_ALLOW rules (errno_ret
 * 0) that complete them under a default-deny profile. The i386 socketcall multiplexer needs no
 * rule of its own: libseccomp derives socketcall(SYS_SOCKET) and socketcall(SYS_SOCKETPAIR)
 * from the first socket and socketpair rules (the family denials, ERRNO), without their
 * argument conditions, so socket creation through it is always refused. -EINVAL for other
 * levels. */
int nf_seccomp_rules(enum nf_seccomp level, const struct spec_sc_rule **ret_deny,
		     size_t *ret_n_deny, const struct spec_sc_rule **ret_allow,
		     size_t *ret_n_allow);

/* The syscalls the filter decides (NULL-terminated): socket, socketpair, socketcall,
 * io_uring_setup. */
extern const char *const nf_seccomp_syscalls[];

/* SCMP_ARCH_* names of the host's ABIs (x86_64: X86_64, X86, X32; aarch64: AARCH64, ARM),
 * NULL-terminated. */
const char *const *nf_seccomp_host_arches(void);

/* Does the level refuse syscall(a[0], a[1], a[2])? *ret_errno (may be NULL) gets the errno. */
bool nf_seccomp_level_denies(enum nf_seccomp level, const char *syscall, const uint64_t a[3],
			     int *ret_errno);

/* The level's deny rules as a libseccomp filter, default action allow, for the ABIs named in
 * arches (SCMP_ARCH_* names, NULL-terminated; NULL: the host's). */
int nf_seccomp_filter_new(enum nf_seccomp level, const char *const *arches, scmp_filter_ctx *ret,
			  struct nf_error *err);

/* The hook's check for io.netfence.seccomp inet/unix: an input error naming the key and the
 * first call the level refuses but cfg's linux.seccomp allows. */
int nf_seccomp_check(enum nf_seccomp level, const struct spec_config *cfg, struct nf_error *err);

NF_DEFINE_CLEANUP(scmp_filter_ctx, seccomp_release)

#endif
