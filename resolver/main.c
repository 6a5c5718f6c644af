/* netfence-resolver: the per-host DNS resolver (SPEC section 10; `netfence resolver` runs it). */
#include <stdio.h>
#include <string.h>

#include "error.h"
#include "hostconf.h"
#include "resolver.h"

int main(int argc, char **argv)
{
	struct hostconf *hc = NULL;
	struct nf_error err = { 0 };
	bool fg = false;
	const char *cfg = NULL;
	int r;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--foreground") || !strcmp(argv[i], "-f"))
			fg = true;
		else if (!strcmp(argv[i], "--config") && i + 1 < argc)
			cfg = argv[++i];
		else {
			fprintf(stderr,
				"usage: netfence-resolver [--foreground] [--config FILE]\n");
			return 1;
		}
	}
	if (hostconf_load_flags(cfg, NULL, 0, &hc, &err) < 0) {
		fprintf(stderr, "netfence-resolver: %s\n", err.msg);
		return err.kind ? err.kind : 2;
	}
	r = resolver_run(hc, fg);
	hostconf_free(hc);
	return r < 0 ? 2 : 0;
}
