/* netfence: the socket filter of seccomp.h written into JSON: merged into a config.json's
 * linux.seccomp (the wrapper and the precreate hook, SPEC section 7) and as a profile of its
 * own (`netfence seccomp-profile`). The tree is edited with json.h's helpers. */
#ifndef NF_SECCOMP_MERGE_H
#define NF_SECCOMP_MERGE_H

#include <stdbool.h>
#include <stddef.h>

#include "json.h"
#include "error.h"
#include "types.h"

/* Merge the rules of level (NF_SECCOMP_INET or NF_SECCOMP_UNIX) into root's linux.seccomp.
 * No profile: a default-allow profile with the host's architectures and the deny rules. A
 * profile: every rule that refuses is kept; the syscalls of nf_seccomp_syscalls are removed
 * from rules that do not refuse (a rule left without names goes), because libseccomp lets an
 * unconditional allow hide later conditional denials; then the deny rules are appended (but
 * those equal to the default action, which libseccomp refuses to add), and when the default
 * action refuses, the allow rules narrowed by the conditions of each rule a syscall was taken
 * out of (a combination that is empty or cannot be one rule is left out: the case stays
 * refused, the stricter answer). Idempotent: a profile already holding the deny rules is left
 * alone (*ret_changed false). */
int nf_seccomp_merge(yajl_val root, enum nf_seccomp level, bool *ret_changed, struct nf_error *err);

/* An architecture and its compat ABIs (docker/podman "archMap"). */
struct nf_seccomp_archmap {
	const char *arch;
	const char *const *sub; /* NULL-terminated */
};

/* A default-allow profile carrying level's deny rules, indented: the linux.seccomp object with
 * the host's architectures as "architectures" (map NULL), or a docker/podman profile with
 * "archMap" (map, n_map entries). */
int nf_seccomp_profile(enum nf_seccomp level, const struct nf_seccomp_archmap *map, size_t n_map,
		       char **ret, size_t *ret_len, struct nf_error *err);

#endif
