/* netfence: `netfence seccomp-profile` (the socket filter as a linux.seccomp object or a
 * docker/podman profile) and `netfence hook precreate` (podman's precreate stage: config.json
 * on stdin, the same edit as netfence-runtime's security step, config.json on stdout). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "../runtime-spec/spec_write.h"
#include "caps.h"
#include "cmd.h"
#include "hostconf.h"
#include "seccomp.h"
#include "util.h"
#include "wrapper.h"

static const char *const x86_sub[] = { "SCMP_ARCH_X86", "SCMP_ARCH_X32", NULL };
static const char *const arm_sub[] = { "SCMP_ARCH_ARM", NULL };
/* docker and podman pick the entry of the host they run on */
static const struct spec_sc_archmap arch_map[] = {
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

static void filter_releasep(scmp_filter_ctx *ctx)
{
	if (*ctx)
		seccomp_release(*ctx);
}

int cmd_seccomp_profile(int argc, char **argv)
{
	_cleanup_(filter_releasep) scmp_filter_ctx ctx = NULL;
	_cleanup_free_ char *out = NULL;
	enum nf_seccomp level = NF_SECCOMP_INET;
	struct nf_error err = { 0 };
	struct spec_sc_set set = { .names = nf_seccomp_syscalls };
	bool docker = false;
	size_t len;
	int r;

	for (int i = 1; i < argc; i++) {
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
		i++;
	}
	r = nf_seccomp_rules(level, &set.deny, &set.n_deny, &set.allow, &set.n_allow);
	if (r < 0)
		return usage();
	set.arches = nf_seccomp_host_arches();
	/* libseccomp must take every rule on every ABI the profile may meet */
	r = nf_seccomp_filter_new(level, all_arches, &ctx, &err);
	if (r >= 0)
		r = spec_seccomp_profile(&set, docker ? arch_map : NULL,
					 docker ? ARRAY_SIZE(arch_map) : 0, &out, &len, &err);
	if (r < 0)
		return cmd_fail("seccomp-profile", &err);
	if (nf_write_all(STDOUT_FILENO, out, len) < 0 || nf_write_all(STDOUT_FILENO, "\n", 1) < 0)
		return NF_EXIT_SYSTEM;
	return 0;
}

static void spec_docp(struct spec_doc **d)
{
	spec_doc_free(*d);
}

static void hostconfp(struct hostconf **hc)
{
	hostconf_free(*hc);
}

int cmd_hook_precreate(void)
{
	_cleanup_(spec_docp) struct spec_doc *d = NULL;
	_cleanup_(hostconfp) struct hostconf *hc = NULL;
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
		r = hostconf_load(NULL, NULL, &hc, &err);
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
