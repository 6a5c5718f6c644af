/* netfence: libFuzzer entry point for the host configuration and inline policy parsers
 * (lib/policy/hostconf.c). The first byte picks the parser; no resolv.conf is read (an absent path
 * stands in), so runs do not depend on the machine. */
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

	if (size < 1)
		return 0;
	if (data[0] & 1) {
		struct hostconf *hc = NULL;

		if (hostconf_parse((const char *)data + 1, size - 1, "/nonexistent/resolv.conf",
				   &hc, &err) == 0) {
			if (hc->subnet.len > 30 || hc->subnet6.len > 126 || !hc->state_dir ||
			    hc->state_dir[0] != '/')
				abort();
			for (size_t i = 0; i < hc->n_profiles; i++)
				if (hc->profiles[i].policy.base == NF_BASE_UNSET)
					abort();
			hostconf_free(hc);
		} else if (hc || !err.msg[0]) {
			abort();
		}
	} else {
		struct policy_src p;

		if (policy_src_parse_json((const char *)data + 1, size - 1, "io.netfence.policy",
					  NF_RULES_MAX_ANNOTATION, &p, &err) == 0) {
			if (p.base == NF_BASE_UNSET)
				abort();
			policy_src_clear(&p);
		} else if (!err.msg[0]) {
			abort();
		}
	}
	return 0;
}
