/* netfence: `netfence seccomp-profile` (the socket filter as a linux.seccomp object or a
 * docker/podman profile). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "caps.h"
#include "cmd.h"
#include "hostconf.h"
#include "seccomp.h"
#include "seccomp_merge.h"
#include "util.h"
#include "wrapper.h"

static const char *const x86_sub[] = { "SCMP_ARCH_X86", "SCMP_ARCH_X32", NULL };
static const char *const arm_sub[] = { "SCMP_ARCH_ARM", NULL };
/* docker and podman pick the entry of the host they run on */
static const struct nf_seccomp_archmap arch_map[] = {
	{ "SCMP_ARCH_X86_64", x86_sub },
	{ "SCMP_ARCH_AARCH64", arm_sub },
};
static const char *const all_arches[] = { "SCMP_ARCH_X86_64",  "SCMP_ARCH_X86", "SCMP_ARCH_X32",
					  "SCMP_ARCH_AARCH64", "SCMP_ARCH_ARM", NULL };

static int usage(void)
{
	fprintf(stderr,
		"usage: netfence seccomp-profile [--level inet|unix] [--format oci|docker]\n");
	return NF_EXIT_INPUT;
}

int cmd_seccomp_profile(int argc, char **argv)
{
	_cleanup_(seccomp_releasep) scmp_filter_ctx ctx = NULL;
	_cleanup_free_ char *out = NULL;
	enum nf_seccomp level = NF_SECCOMP_INET;
	struct nf_error err = { 0 };
	bool docker = false;
	size_t len;
	int r;

	for (int i = 1; i < argc; i += 2) {
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (strcmp(argv[i], "--level") == 0 && v && strcmp(v, "inet") == 0)
			level = NF_SECCOMP_INET;
		else if (strcmp(argv[i], "--level") == 0 && v && strcmp(v, "unix") == 0)
			level = NF_SECCOMP_UNIX;
		else if (strcmp(argv[i], "--format") == 0 && v && strcmp(v, "oci") == 0)
			docker = false;
		else if (strcmp(argv[i], "--format") == 0 && v && strcmp(v, "docker") == 0)
			docker = true;
		else
			return usage();
	}
	/* libseccomp must take every rule on every ABI the profile may meet */
	r = nf_seccomp_filter_new(level, all_arches, &ctx, &err);
	if (r >= 0)
		r = nf_seccomp_profile(level, docker ? arch_map : NULL,
				       docker ? ARRAY_SIZE(arch_map) : 0, &out, &len, &err);
	if (r < 0)
		return cmd_fail("seccomp-profile", &err);
	if (nf_write_all(STDOUT_FILENO, out, len) < 0 || nf_write_all(STDOUT_FILENO, "\n", 1) < 0)
		return NF_EXIT_SYSTEM;
	return 0;
}
