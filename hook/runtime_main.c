/* netfence: `netfence-runtime`, the drop-in OCI runtime of SPEC section 7. On create and run it
 * adds the netfence hooks to the bundle's config.json; then, for every command, it executes the
 * real runtime (never itself) with the same arguments; an exec into a fenced container gets
 * neither CAP_NET_ADMIN nor CAP_NET_RAW. Silent on success. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* secure_getenv */
#endif
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "error.h"
#include "util.h"
#include "wrapper.h"

#define SELF_EXE "/proc/self/exe"

static int fail(const struct nf_error *err)
{
	fprintf(stderr, "netfence-runtime: %s\n", err->msg[0] ? err->msg : "failed");
	return 1;
}

int main(int argc, char **argv)
{
	struct nf_error err = { 0 };
	struct wrapper_args a;
	_cleanup_free_ char *runtime = NULL;
	const char *name;
	int r;

	if (argc < 1)
		return 1;
	/* The runtime is chosen first: a create that cannot be handed on changes nothing. */
	r = wrapper_find_runtime(secure_getenv("NETFENCE_RUNTIME"), secure_getenv("PATH"), SELF_EXE,
				 &runtime, &err);
	if (r < 0)
		return fail(&err);
	r = wrapper_parse_args(argc, argv, wrapper_runtime_kind(runtime), &a, &err);
	if (r < 0)
		return fail(&err);
	if (a.edits) {
		_cleanup_free_ char *path = NULL;
		const struct wrapper_hook_opts o = {
			.env_bin = secure_getenv("NETFENCE_BIN"),
			.self_exe = SELF_EXE,
			.netfence_config = secure_getenv("NETFENCE_CONFIG"),
			.other_config = a.config && strcmp(a.config, "config.json") != 0,
		};
		bool changed;

		r = wrapper_config_path(&a, &path, &err);
		if (r >= 0)
			r = wrapper_add_hooks(path, &o, &changed, &err);
		if (r < 0)
			return fail(&err);
	}
	if (a.exec && a.id &&
	    (r = wrapper_secure_exec(&a, secure_getenv("NETFENCE_CONFIG"), &err)) < 0)
		return fail(&err);
	name = strrchr(runtime, '/');
	argv[0] = (char *)(name ? name + 1 : runtime);
	execv(runtime, argv);
	fprintf(stderr, "netfence-runtime: executing %s: %s\n", runtime, strerror(errno));
	return 1;
}
