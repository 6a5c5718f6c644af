/* netfence: JSON on top of yajl. Strict parsing for every untrusted document (OCI state,
 * config.json, host configuration, inline policies): refuses duplicate keys at any depth,
 * nesting deeper than NF_JSON_MAX_DEPTH and trailing garbage; the caller caps the size. And
 * editing the parsed tree in place, written back with yajl_gen (config.json, seccomp). */
#ifndef NF_JSON_H
#define NF_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <yajl/yajl_gen.h>
#include <yajl/yajl_tree.h>

#include "cleanup.h"
#include "error.h"

#define NF_JSON_MAX_DEPTH 64

/* Parse buf[0..len) strictly. On failure an input error "<what>: <why>" is recorded
 * (what = e.g. "config.json"); a duplicate key names the key. */
int json_parse_strict(const char *buf, size_t len, const char *what, yajl_val *ret,
		      struct nf_error *err);

/* config.json as runc reads it: json_parse_strict, and, since Go's encoding/json matches keys
 * to struct fields ignoring case (and keeps the last), duplicate keys are also those equal
 * ignoring case, in every object runc decodes into a struct (the map-typed objects, whose
 * keys are data, such as annotations and linux.sysctl, are compared exactly). A member
 * netfence reads spelled other than the spec spells it ("Linux") is refused too: runc would
 * read it, crun not, so exact look-ups (json_get) then see what both runtimes see. */
int json_parse_oci_config(const char *buf, size_t len, const char *what, yajl_val *ret,
			  struct nf_error *err);

/* Object member lookup without yajl_tree_get's path arrays; NULL when absent or obj is not an
 * object. */
yajl_val json_get(yajl_val obj, const char *key);
/* v as an unsigned 64-bit integer, read from its text: false for anything else (a fraction, an
 * exponent, a sign, a value out of range). */
bool json_u64(yajl_val v, uint64_t *ret);

/* Editing a parsed tree in place (json_edit.c). New nodes are laid out as yajl_tree's, so
 * yajl_tree_free frees them with the rest. The constructors return NULL when out of memory;
 * json_append and json_put own the value they are given (freed on failure; NULL: -ENOMEM), so
 * calls nest. */
yajl_val json_new(yajl_type t); /* an empty object or array */
yajl_val json_new_string(const char *s);
yajl_val json_new_uint(uint64_t n);
yajl_val json_new_strv(const char *const *list); /* list NULL-terminated (NULL: empty) */
int json_append(yajl_val arr, yajl_val v);
/* Set obj's member key to v: replaced (the old value freed) when present, else appended. */
int json_put(yajl_val obj, const char *key, yajl_val v);
/* obj's member key, an object or array of type t: added when absent, replacing a null; NULL
 * when it has another type or memory runs out. */
yajl_val json_member(yajl_val obj, const char *key, yajl_type t);
void json_remove(yajl_val arr, size_t i); /* element i, freed */
bool json_str_eq(yajl_val v, const char *s);
/* v as JSON text (pretty: indented by two spaces), NUL-terminated; *ret_len excludes the NUL.
 * Numbers are written from the text they were read from. */
int json_write(yajl_val v, bool pretty, char **ret, size_t *ret_len, struct nf_error *err);

NF_DEFINE_CLEANUP(yajl_val, yajl_tree_free)
NF_DEFINE_CLEANUP(yajl_gen, yajl_gen_free)

#endif
