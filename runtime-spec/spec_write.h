/* netfence: config.json held for editing by the runtime wrapper (SPEC section 7). Loaded with the
 * strict parser, changed in place (hooks added), written back whole with yajl_gen to a temporary
 * file renamed over the original. Every value not touched keeps its text (numbers included). */
#ifndef NF_SPEC_WRITE_H
#define NF_SPEC_WRITE_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"
#include "spec.h"

/* A parsed config.json; the yajl tree stays inside this module. */
struct spec_doc;

/* One OCI hook entry. args and env are NULL-terminated (env may be NULL); timeout in seconds,
 * 0 for none (the runtime then waits for the hook forever). */
struct spec_hook {
	const char *path;
	const char *const *args;
	const char *const *env;
	unsigned timeout;
};

/* Open path with O_NOFOLLOW|O_CLOEXEC, read at most SPEC_CONFIG_MAX bytes, parse strictly
 * (duplicate keys, deep nesting refused); the top level must be an object, "annotations" (if
 * present) an object of strings, "hooks" (if present) an object of arrays. Errors are input
 * errors "<why>" without the path (the caller names the file). */
int spec_doc_load(const char *path, struct spec_doc **ret, struct nf_error *err);
/* The same from a buffer (tests, fuzzing); path is then only remembered for spec_doc_save. */
int spec_doc_parse(const char *buf, size_t len, const char *path, struct spec_doc **ret,
		   struct nf_error *err);
void spec_doc_free(struct spec_doc *d);
NF_DEFINE_CLEANUP(struct spec_doc *, spec_doc_free)

/* The annotations, borrowed from the document (valid until spec_doc_free). */
const struct spec_kv *spec_doc_annotations(const struct spec_doc *d, size_t *ret_n);

/* True when hooks.<stage> holds an entry whose path is `path` or whose args[1] and args[2] are
 * "hook" and `stage` (a netfence hook under another path or name). */
bool spec_doc_has_hook(const struct spec_doc *d, const char *stage, const char *path);

/* Append h to hooks.<stage>, creating "hooks" and the stage's array as needed. */
int spec_doc_add_hook(struct spec_doc *d, const char *stage, const struct spec_hook *h,
		      struct nf_error *err);

/* The seccomp rules netfence adds to linux.seccomp (SPEC section 6). */
struct spec_sc_set {
	const struct spec_sc_rule *deny; /* SCMP_ACT_ERRNO rules, in order */
	size_t n_deny;
	const struct spec_sc_rule *allow; /* SCMP_ACT_ALLOW rules completing them */
	size_t n_allow;
	const char *const *names;  /* the syscalls the rules decide, NULL-terminated */
	const char *const *arches; /* SCMP_ARCH_* of a new profile, NULL-terminated */
};

/* Merge set into linux.seccomp. No profile: a default-allow profile with set->arches and the
 * deny rules. A profile: every rule that refuses is kept; the syscalls of set->names are
 * removed from rules that do not refuse (a rule left without names goes), because libseccomp
 * lets an unconditional allow hide later conditional denials; then the deny rules are
 * appended (but those equal to the default action, which libseccomp refuses to add), and when
 * the default action refuses, the allow rules narrowed by the conditions of each rule a
 * syscall was taken out of (a combination that is empty or cannot be one rule is left out:
 * the case stays refused, the stricter answer).
 * Idempotent: a profile already holding the deny rules is left alone (*ret_changed false). */
int spec_doc_merge_seccomp(struct spec_doc *d, const struct spec_sc_set *set, bool *ret_changed,
			   struct nf_error *err);

/* Remove the capabilities caps[0..n) (CAP_* numbers) from every set of process.capabilities,
 * in every spelling a runtime accepts (spec_cap_number: "cap_net_admin", "12", ...). */
int spec_doc_drop_caps(struct spec_doc *d, const int *caps, size_t n, bool *ret_changed,
		       struct nf_error *err);

/* An architecture and its compat ABIs (docker/podman "archMap"). */
struct spec_sc_archmap {
	const char *arch;
	const char *const *sub; /* NULL-terminated */
};

/* A default-allow profile carrying set's deny rules, indented: the linux.seccomp object with
 * set->arches as "architectures" (map NULL), or a docker/podman profile with "archMap" (map,
 * n_map entries). */
int spec_seccomp_profile(const struct spec_sc_set *set, const struct spec_sc_archmap *map,
			 size_t n_map, char **ret, size_t *ret_len, struct nf_error *err);

/* The whole document as compact JSON (NUL-terminated; *ret_len excludes the NUL). */
int spec_doc_serialize(const struct spec_doc *d, char **ret, size_t *ret_len, struct nf_error *err);

/* Write the document over the file it was loaded from: a temporary file in the same directory
 * (O_EXCL, the original's mode and owner), fsync, rename. The original is untouched on error. */
int spec_doc_save(const struct spec_doc *d, struct nf_error *err);

#endif
