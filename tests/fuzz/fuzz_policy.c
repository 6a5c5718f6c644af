/* netfence: libFuzzer entry point for the inline JSON policy (io.netfence.policy = {...}):
 * policy_src_parse_json must accept or refuse any input without a crash or a leak, and a
 * refusal must say what it refused. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hostconf.h"
#include "rules.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct nf_error err = { 0 };
	struct policy_src p = { 0 };
	int r;

	if (size > NF_ANNOTATION_MAX)
		return 0;
	r = policy_src_parse_json((const char *)data, size, "io.netfence.policy",
				  NF_RULES_MAX_ANNOTATION, &p, &err);
	if (r < 0) {
		if (err.msg[0] == '\0')
			abort(); /* every refusal carries a message */
	} else if (p.base == NF_BASE_UNSET) {
		abort(); /* base is required */
	}
	policy_src_clear(&p);
	return 0;
}
