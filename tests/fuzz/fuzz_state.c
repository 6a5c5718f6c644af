/* netfence: libFuzzer entry point for the OCI state parser (runtime-spec/spec.c).
 * Any input must either parse into a struct that passes its own invariants or be refused with
 * a message; never crash, leak or read out of bounds. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "spec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct nf_error err = { 0 };
	struct spec_state *s = NULL;

	if (spec_state_parse((const char *)data, size, &s, &err) == 0) {
		if (!s->id || !s->id[0] || strchr(s->id, '/') || strlen(s->id) > 1024 || s->pid < 0)
			abort();
		if (s->bundle && s->bundle[0] != '/')
			abort();
		spec_state_free(s);
	} else if (s || !err.msg[0]) {
		abort();
	}
	return 0;
}
