/* netfence: `netfence gc`: finishes the tear-down of containers whose hook was killed or whose
 * runtime never ran poststop, and removes nf* links, chains and leases no state names. */
#include <stdio.h>

#include "caps.h"
#include "cmd.h"
#include "gc.h"
#include "hostconf.h"

int cmd_gc(int argc, char **argv)
{
	struct nf_error err = { 0 };
	struct hostconf *hc = NULL;
	unsigned removed = 0;
	int r;

	if (argc != 1) {
		fprintf(stderr, "usage: netfence gc\n");
		return NF_EXIT_INPUT;
	}
	r = hostconf_load_flags(NULL, NULL, NF_HOSTCONF_NO_PROFILES, &hc, &err);
	if (r >= 0)
		r = caps_drop_to(caps_fence, caps_fence_n,
				 &err); /* gc tears down as poststop does */
	if (r >= 0)
		r = fence_gc(hc, &removed, &err);
	hostconf_free(hc);
	if (r < 0)
		return cmd_fail("gc", &err);
	if (removed)
		printf("netfence gc: removed %u leftover%s\n", removed, removed == 1 ? "" : "s");
	return 0;
}
