/* netfence resolver: runs netfence-resolver, the per-host DNS resolver of SPEC section 10, which
 * is installed next to this program (a program of its own: only it links ldns). */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "error.h"
#include "util.h"

int cmd_resolver(int argc, char **argv)
{
	char path[PATH_MAX];
	int r = nf_exe_sibling("netfence-resolver", path, sizeof(path));

	if (r < 0) {
		fprintf(stderr, "netfence: resolver: finding netfence-resolver: %s\n",
			strerror(-r));
		return NF_EXIT_SYSTEM;
	}
	argv[0] = "netfence-resolver";
	execv(path, argv);
	fprintf(stderr, "netfence: resolver: %s: %s\n", path, strerror(errno));
	return NF_EXIT_SYSTEM;
}
