/* netfence: the egress/ingress rule grammar of SPEC section 3. One annotation value in,
 * validated nf_rule structs out; every error names the key and the offending token. */
#ifndef NF_RULES_H
#define NF_RULES_H

#include <stddef.h>

#include "addr.h"
#include "error.h"

#define NF_ANNOTATION_MAX (64 * 1024)
#define NF_RULES_MAX_ANNOTATION 4096
#define NF_RULES_MAX_PROFILE 100000

/* Parse one token ("pypi.org:443", "[2001:db8::/32]:443/udp", ...). key names the annotation
 * (or profile field) for messages: `<key>: invalid rule "<token>": <why>`. On success *ret owns
 * its host (release with rule_clear); on failure *ret is untouched. */
int rule_parse(const char *key, const char *token, struct nf_rule *ret, struct nf_error *err);

/* Free what a rule owns and reset its host to NULL (NULL-safe); rules_free does so for n rules
 * and frees the array. */
void rule_clear(struct nf_rule *r);
void rules_free(struct nf_rule *v, size_t n);

/* Append r (the array takes over its host) to *v, which has room for *cap rules; the room
 * doubles when full, since profiles hold up to NF_RULES_MAX_PROFILE rules. 0 or -ENOMEM. */
int rules_push(struct nf_rule **v, size_t *n, size_t *cap, const struct nf_rule *r);

/* Parse a comma-separated value (whitespace around commas ignored; an empty value gives no
 * rules; an empty token is an error). At most max_rules rules and NF_ANNOTATION_MAX bytes.
 * Appends to *rules / *n (realloc'd); on failure they are untouched. */
int rules_parse_list(const char *key, const char *value, size_t max_rules, struct nf_rule **rules,
		     size_t *n, struct nf_error *err);

/* Render a rule back in canonical grammar form (for validate/status). buf >= 300. */
const char *rule_str(const struct nf_rule *r, char *buf, unsigned size);

#endif
