/* netfence: libFuzzer entry point for the rule grammar (lib/policy/rules.c).
 * Accepted rules must render (rule_str) to text that parses back to the same rule, and every
 * refusal must name the key. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rules.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* field by field: struct copies leave padding unspecified */
static int rule_same(const struct nf_rule *a, const struct nf_rule *b)
{
	return a->family == b->family && a->wildcard == b->wildcard &&
	       a->has_ports == b->has_ports && a->port_lo == b->port_lo &&
	       a->port_hi == b->port_hi && a->proto == b->proto &&
	       (a->host == NULL) == (b->host == NULL) &&
	       (!a->host || strcmp(a->host, b->host) == 0) &&
	       (a->family == 0 ||
		(a->prefix.len == b->prefix.len && a->prefix.addr.family == b->prefix.addr.family &&
		 memcmp(a->prefix.addr.a, b->prefix.addr.a, 16) == 0));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct nf_error err = { 0 };
	struct nf_rule *v = NULL;
	size_t n = 0;
	char *s;
	int r;

	if (size > NF_ANNOTATION_MAX + 16)
		return 0;
	s = malloc(size + 1);
	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	r = rules_parse_list("io.netfence.egress", s, 64, &v, &n, &err);
	if (r < 0) {
		if (n != 0 || strncmp(err.msg, "io.netfence.egress: ", 20) != 0)
			abort();
	} else {
		for (size_t i = 0; i < n; i++) {
			char buf[300];
			struct nf_rule back;

			rule_str(&v[i], buf, sizeof(buf));
			if (rule_parse("k", buf, &back, &err) != 0 || !rule_same(&back, &v[i]))
				abort();
			rule_clear(&back);
			if (v[i].has_ports && (v[i].port_lo == 0 || v[i].port_lo > v[i].port_hi))
				abort();
		}
	}
	rules_free(v, n);
	free(s);
	return 0;
}
