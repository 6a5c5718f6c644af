/* netfence: libFuzzer entry point for config.json editing (runtime-spec/spec_write.c,
 * json_edit.c, hook/seccomp_merge.c): a document the strict parser accepts gets the wrapper's
 * edits (a hook, the seccomp merge, the capability drop); a second merge changes nothing, and
 * what is written must parse again and be written back the same. */
#include <linux/capability.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "seccomp_merge.h"
#include "spec_write.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const args[] = { "netfence", "hook", "createRuntime", NULL };
	static const struct spec_hook h = { .path = "/usr/bin/netfence",
					    .args = args,
					    .timeout = 30 };
	static const int caps[] = { CAP_NET_ADMIN, CAP_NET_RAW };
	struct spec_doc *d = NULL, *again = NULL;
	struct nf_error err = { 0 };
	char *out = NULL, *out2 = NULL;
	size_t len, len2;
	enum nf_seccomp level = size & 1 ? NF_SECCOMP_UNIX : NF_SECCOMP_INET;
	bool changed;

	if (spec_doc_parse((const char *)data, size, NULL, &d, &err) < 0) {
		if (d || !err.msg[0])
			abort();
		return 0;
	}
	if (!spec_doc_has_hook(d, "createRuntime", h.path) &&
	    spec_doc_add_hook(d, "createRuntime", &h, &err) == 0 &&
	    !spec_doc_has_hook(d, "createRuntime", h.path))
		abort();
	/* merged once, the profile holds the rules: a second merge changes nothing */
	if (nf_seccomp_merge(spec_doc_root(d), level, &changed, &err) == 0 &&
	    (nf_seccomp_merge(spec_doc_root(d), level, &changed, &err) < 0 || changed))
		abort();
	spec_doc_drop_caps(d, false, caps, 2, &changed, &err);
	if (spec_doc_serialize(d, &out, &len, &err) == 0) {
		if (spec_doc_parse(out, len, NULL, &again, &err) < 0 ||
		    spec_doc_serialize(again, &out2, &len2, &err) < 0 || len != len2 ||
		    memcmp(out, out2, len) != 0)
			abort();
	}
	spec_doc_free(again);
	spec_doc_free(d);
	free(out);
	free(out2);
	return 0;
}
