/* netfence: `netfence watch`: the host watcher as a service (systemd, the DaemonSet). It keeps
 * the `internet` deny list in step with the host's addresses and networks; a set-up that finds
 * none running starts one itself, which leaves with the last container. */
#include <stdio.h>

#include "caps.h"
#include "cmd.h"
#include "hostconf.h"
#include "watch.h"

int cmd_watch(int argc, char **argv)
{
	struct nf_error err = { 0 };
	struct hostconf *hc = NULL;
	int r;

	if (argc != 1) {
		fprintf(stderr, "usage: netfence watch\n");
		return NF_EXIT_INPUT;
	}
	r = hostconf_load_flags(NULL, NULL, NF_HOSTCONF_NO_PROFILES, &hc, &err);
	if (r >= 0)
		r = caps_drop_to(caps_watch, caps_watch_n, &err);
	if (r >= 0)
		r = watch_run(hc, &err); /* returns only when it cannot go on */
	hostconf_free(hc);
	return cmd_fail("watch", &err);
}
