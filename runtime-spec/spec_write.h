/* netfence: config.json held for editing by the runtime wrapper (SPEC section 7). Loaded with the
 * strict parser, changed in place (hooks added), written back whole with yajl_gen to a temporary
 * file renamed over the original. Every value not touched keeps its text (numbers included). */
#ifndef NF_SPEC_WRITE_H
#define NF_SPEC_WRITE_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"
#include "json.h"
#include "spec.h"

/* A parsed config.json. */
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

/* The parsed tree, to edit in place with json.h's helpers (nf_seccomp_merge). */
yajl_val spec_doc_root(struct spec_doc *d);

/* The annotations, borrowed from the document (valid until spec_doc_free). */
const struct spec_kv *spec_doc_annotations(const struct spec_doc *d, size_t *ret_n);

/* True when hooks.<stage> holds an entry whose path is `path` or whose args[1] and args[2] are
 * "hook" and `stage` (a netfence hook under another path or name). */
bool spec_doc_has_hook(const struct spec_doc *d, const char *stage, const char *path);

/* Append h to hooks.<stage>, creating "hooks" and the stage's array as needed. */
int spec_doc_add_hook(struct spec_doc *d, const char *stage, const struct spec_hook *h,
		      struct nf_error *err);

/* Remove the capabilities caps[0..n) (CAP_* numbers) from every set of process.capabilities
 * (process_file: of capabilities, the document being a process.json of `runc exec -p`), in every
 * spelling a runtime accepts (spec_cap_number: "cap_net_admin", "12", ...). */
int spec_doc_drop_caps(struct spec_doc *d, bool process_file, const int *caps, size_t n,
		       bool *ret_changed, struct nf_error *err);

/* The whole document as compact JSON (NUL-terminated; *ret_len excludes the NUL). */
int spec_doc_serialize(const struct spec_doc *d, char **ret, size_t *ret_len, struct nf_error *err);

/* Write the document over the file it was loaded from: a temporary file in the same directory
 * (O_EXCL, the original's mode and owner), fsync, rename. The original is untouched on error. */
int spec_doc_save(const struct spec_doc *d, struct nf_error *err);

#endif
