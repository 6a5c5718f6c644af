/* netfence: the runtime wrapper's logic (SPEC section 7): reading a runc/crun command line as
 * the runtime would, deciding whether a bundle needs the netfence hooks and adding them, and
 * choosing the real runtime (never the wrapper itself). No printing, no exec: runtime_main.c. */
#ifndef NF_WRAPPER_H
#define NF_WRAPPER_H

#include <stdbool.h>
#include <stddef.h>

#include "spec.h"
#include "error.h"
#include "hostconf.h"

struct wrapper_args {
	int cmd;	     /* argv index of the command, -1 when there is none */
	bool edits;	     /* the command is create or run */
	const char *bundle;  /* -b/--bundle (last wins), NULL: the current directory */
	const char *config;  /* crun's -f/--config, NULL: config.json */
	bool exec;	     /* the command is exec: */
	const char *id;	     /* its container id (NULL when missing) */
	const char *process; /* -p/--process FILE, NULL: the container's own process */
	const char *net_cap; /* a --cap naming CAP_NET_ADMIN or CAP_NET_RAW, else NULL */
};

/* Which command-line reader the real runtime uses, from its file name: runc (urfave/cli over
 * Go's flag package), crun (GNU argp), or another (then a command line both read alike). */
enum wrapper_runtime { WRAPPER_RUNC, WRAPPER_CRUN, WRAPPER_OTHER };
enum wrapper_runtime wrapper_runtime_kind(const char *path);

/* Read argv exactly as the runtime rt reads it (runc 1.1: -opt and --opt alike, "=" or the next
 * argument for a value, no clusters, the command's flags reordered before its arguments as
 * urfave/cli does; crun 1.8: --opt, unambiguous --prefixes, -oVALUE and clusters, options only
 * before the container id): global options, the command, and for create/run the bundle and
 * crun's config file. A create or run that rt would not read the way the wrapper does, or would
 * refuse (an unknown or ambiguous option, a one-dash long option with crun, a missing value, not
 * exactly one container id), is an input error naming the argument (fail closed: the runtime is
 * never executed then). For other commands nothing after the command is read. */
int wrapper_parse_args(int argc, char *const *argv, enum wrapper_runtime rt,
		       struct wrapper_args *ret, struct nf_error *err);

/* The absolute path of the config file the runtime will read: <bundle or cwd>/config.json, or
 * crun's --config file (relative to the current directory, as crun reads it). */
int wrapper_config_path(const struct wrapper_args *a, char **ret, struct nf_error *err);

/* True when netfence acts on a container with these annotations: any io.netfence.* key, or a
 * host default policy; never for a Kubernetes sandbox (pause) container on a host whose
 * configuration says it runs Kubernetes (`kubernetes`). */
bool wrapper_policy_applies(const struct spec_kv *ann, size_t n, bool has_default_policy,
			    bool kubernetes);

/* exec into a container netfence fenced (its state file is in the host configuration's
 * state_dir) while allow.net_admin is off: the process (a -p/--process file, edited in place)
 * gets neither CAP_NET_ADMIN nor CAP_NET_RAW, as the container's own process did not (engines
 * such as containerd build an exec's process from their own copy of the spec, not from the
 * bundle netfence-runtime edited); a --cap naming one of them is refused. */
int wrapper_secure_exec(const struct wrapper_args *a, const char *netfence_config,
			struct nf_error *err);

/* Where the hooks added to config.json come from. */
struct wrapper_hook_opts {
	const char *env_bin;	     /* $NETFENCE_BIN or NULL (see wrapper_netfence_bin) */
	const char *self_exe;	     /* the wrapper's executable, normally /proc/self/exe */
	const char *netfence_config; /* $NETFENCE_CONFIG or NULL: passed to the hook's env */
	bool other_config; /* the runtime reads a file other than <bundle>/config.json (-f): the
			    * hooks get its path as NETFENCE_OCI_CONFIG, so they read the same one */
};

/* The security edit of SPEC section 6, on a loaded config.json: when a policy applies and its
 * io.netfence.seccomp is not off, merge the level's socket filter (auto means inet) into
 * linux.seccomp; and unless the host configuration allows it (allow.net_admin), remove
 * CAP_NET_ADMIN and CAP_NET_RAW from every capability set. A policy that does not resolve is
 * left to the hook, which refuses the container. Idempotent. */
struct spec_doc;
int wrapper_secure_doc(struct spec_doc *d, const struct hostconf *hc, bool *ret_changed,
		       struct nf_error *err);

/* Load the config at path, and when a policy applies add the createRuntime and poststop hooks
 * that are not already there and make the security edit (wrapper_secure_doc), then write it
 * back atomically. *ret_changed tells whether the file
 * was rewritten. The netfence binary is looked for only when a policy applies. Errors about the
 * file are prefixed with its path; the file is then untouched. */
int wrapper_add_hooks(const char *path, const struct wrapper_hook_opts *o, bool *ret_changed,
		      struct nf_error *err);

/* The netfence binary: env_bin (must be absolute) if set, else "netfence" next to self_exe,
 * else /usr/local/bin/netfence, else /usr/bin/netfence (the first that is executable). */
int wrapper_netfence_bin(const char *env_bin, const char *self_exe, char **ret,
			 struct nf_error *err);

/* The real runtime: env_runtime (an absolute path, or a name looked up in path_env) if set,
 * else runc, else crun from path_env. A candidate that is the same file as self_exe is skipped;
 * env_runtime naming only the wrapper, or finding only the wrapper, is an input error. */
int wrapper_find_runtime(const char *env_runtime, const char *path_env, const char *self_exe,
			 char **ret, struct nf_error *err);

#endif
