/* netfence: libFuzzer entry point for the config.json parser (runtime-spec/spec.c).
 * The first byte chooses whether a bundle path is given, so relative root paths are joined
 * too; an accepted document must satisfy the struct's invariants. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "spec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct nf_error err = { 0 };
	struct spec_config *c = NULL;
	const char *bundle;

	if (size < 1)
		return 0;
	bundle = (data[0] & 1) ? "/run/bundle" : NULL;
	if (spec_config_parse((const char *)data + 1, size - 1, bundle, &c, &err) == 0) {
		if (bundle && c->root_path && c->root_path[0] != '/')
			abort();
		if (c->netns_path && (!c->has_netns || c->netns_path[0] != '/'))
			abort();
		for (size_t i = 0; i < c->n_annotations; i++)
			if (!c->annotations[i].key || !c->annotations[i].value)
				abort();
		spec_config_free(c);
	} else if (c || !err.msg[0]) {
		abort();
	}
	return 0;
}
