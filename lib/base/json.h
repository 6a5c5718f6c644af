/* netfence: strict JSON parsing on top of yajl for every untrusted document (OCI state,
 * config.json, host configuration, inline policies). Refuses duplicate keys at any depth,
 * nesting deeper than NF_JSON_MAX_DEPTH and trailing garbage; the caller caps the size. */
#ifndef NF_JSON_H
#define NF_JSON_H

#include <stdbool.h>
#include <stddef.h>
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

NF_DEFINE_CLEANUP(yajl_val, yajl_tree_free)
NF_DEFINE_CLEANUP(yajl_gen, yajl_gen_free)

#endif
