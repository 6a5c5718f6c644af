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

int cmd_resolver(int argc, char **argv)
{
	char path[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", path, sizeof(path) - 1);
	char *slash;

	if (n < 0) {
		fprintf(stderr, "netfence: resolver: /proc/self/exe: %s\n", strerror(errno));
		return NF_EXIT_SYSTEM;
	}
	path[n] = 0;
	slash = strrchr(path, '/');
	if (!slash || (size_t)(slash - path) + sizeof("/netfence-resolver") > sizeof(path)) {
		fprintf(stderr, "netfence: resolver: path too long\n");
		return NF_EXIT_SYSTEM;
	}
	strcpy(slash, "/netfence-resolver");
	argv[0] = "netfence-resolver";
	execv(path, argv);
	fprintf(stderr, "netfence: resolver: %s: %s\n", path, strerror(errno));
	return NF_EXIT_SYSTEM;
}
