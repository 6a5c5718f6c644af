/* netfence: `netfence hook precreate` (podman's precreate stage: config.json on stdin, the same
 * edit as netfence-runtime's security step, config.json on stdout). */
#include <stdbool.h>
#include <unistd.h>

#include "spec_write.h"
#include "caps.h"
#include "cmd.h"
#include "hostconf.h"
#include "util.h"
#include "wrapper.h"

int cmd_hook_precreate(void)
{
	_cleanup_(spec_doc_freep) struct spec_doc *d = NULL;
	_cleanup_(hostconf_freep) struct hostconf *hc = NULL;
	_cleanup_free_ char *in = NULL, *out = NULL;
	struct nf_error err = { 0 };
	bool changed = false;
	size_t len, out_len;
	int r;

	r = nf_read_all(STDIN_FILENO, SPEC_CONFIG_MAX, "config.json", &in, &len, &err);
	/* config.json in, config.json out: no capability is needed for the rest */
	if (r >= 0)
		r = caps_drop_to(NULL, 0, &err);
	if (r >= 0) {
		r = spec_doc_parse(in, len, NULL, &d, &err);
		if (r < 0)
			nf_err_prefix(&err, "config.json");
	}
	if (r >= 0)
		r = hostconf_load_flags(NULL, NULL, 0, &hc, &err);
	if (r >= 0)
		r = wrapper_secure_doc(d, hc, &changed, &err);
	if (r >= 0 && changed)
		r = spec_doc_serialize(d, &out, &out_len, &err);
	if (r < 0)
		return cmd_fail("precreate", &err);
	/* unchanged: the document goes back byte for byte */
	if (nf_write_all(STDOUT_FILENO, changed ? out : in, changed ? out_len : len) < 0)
		return NF_EXIT_SYSTEM;
	return 0;
}
