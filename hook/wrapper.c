/* netfence: the runtime wrapper's logic (see wrapper.h): the config file the runtime will read,
 * the hooks and security edit made to it, and the real runtime to execute. The command line is
 * read in wrapper_argv.c. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* asprintf */
#endif
#include "wrapper.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/capability.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "spec_write.h"
#include "hostconf.h"
#include "journal.h"
#include "policy.h"
#include "seccomp_merge.h"
#include "util.h"

#define DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
#define HOOK_PATH "PATH=" DEFAULT_PATH
/* Seconds the runtime gives each hook before it kills it and fails the container, so that a
 * hung hook never hangs the runtime; the same as the hooks.d/ and deploy/ files. */
#define HOOK_TIMEOUT 30

int wrapper_config_path(const struct wrapper_args *a, char **ret, struct nf_error *err)
{
	const char *cfg = a->config ? a->config : "config.json";
	const char *base = a->bundle;
	char cwd[PATH_MAX], *p = NULL;
	int n;

	/* crun 1.8 resolves a config file other than "config.json" against the current
	 * directory, before it changes into the bundle. */
	if (strcmp(cfg, "config.json") != 0)
		base = NULL;
	if (cfg[0] == '/')
		n = asprintf(&p, "%s", cfg);
	else if (base && base[0] == '/')
		n = asprintf(&p, "%s/%s", base, cfg);
	else if (!getcwd(cwd, sizeof(cwd)))
		return nf_sys_err(err, errno, "getcwd");
	else
		n = asprintf(&p, "%s%s%s/%s", strcmp(cwd, "/") == 0 ? "" : cwd, base ? "/" : "",
			     base ? base : "", cfg);
	if (n < 0)
		return nf_sys_err(err, ENOMEM, "config path");
	*ret = p;
	return 0;
}

bool wrapper_policy_applies(const struct spec_kv *ann, size_t n, bool has_default_policy,
			    bool kubernetes)
{
	if (kubernetes && policy_is_sandbox(ann, n))
		return false; /* the pod's application containers carry the policy */
	return has_default_policy || policy_annotated(ann, n);
}

int wrapper_secure_doc(struct spec_doc *d, const struct hostconf *hc, bool *ret_changed,
		       struct nf_error *err)
{
	static const int caps[] = { CAP_NET_ADMIN, CAP_NET_RAW };
	_cleanup_(policy_freep) struct nf_policy *pol = NULL;
	struct nf_error perr = { 0 };
	const struct spec_kv *ann;
	bool changed = false, c;
	size_t n;
	int r;

	*ret_changed = false;
	ann = spec_doc_annotations(d, &n);
	if (!wrapper_policy_applies(ann, n, hc->default_policy != NULL, hc->kubernetes))
		return 0;
	if (policy_resolve(ann, n, hc, &pol, &perr) < 0 || !pol)
		return 0; /* the hook refuses it with the reason */
	if (pol->seccomp != NF_SECCOMP_OFF) {
		r = nf_seccomp_merge(spec_doc_root(d),
				     pol->seccomp == NF_SECCOMP_UNIX ? NF_SECCOMP_UNIX
								     : NF_SECCOMP_INET,
				     &c, err);
		if (r < 0)
			return r;
		changed |= c;
	}
	if (!hc->allow_net_admin) {
		r = spec_doc_drop_caps(d, false, caps, ARRAY_SIZE(caps), &c, err);
		if (r < 0)
			return r;
		changed |= c;
	}
	*ret_changed = changed;
	return 0;
}

int wrapper_secure_exec(const struct wrapper_args *a, const char *netfence_config,
			struct nf_error *err)
{
	static const int caps[] = { CAP_NET_ADMIN, CAP_NET_RAW };
	_cleanup_(hostconf_freep) struct hostconf *hc = NULL;
	_cleanup_(spec_doc_freep) struct spec_doc *d = NULL;
	struct journal *j = NULL;
	bool changed;
	int r;

	r = hostconf_load_flags(netfence_config, NULL, 0, &hc, err);
	if (r < 0 || hc->allow_net_admin)
		return r;
	r = journal_read(hc->state_dir, a->id, &j, err);
	if (r == -ENOENT)
		return 0; /* not fenced */
	journal_free(j);
	if (r < 0) /* a state that cannot be read: fenced, or once */
		*err = (struct nf_error){ 0 };
	if (a->net_cap)
		return nf_input_err(err,
				    "exec: --cap %s: %s is fenced by netfence, and its processes "
				    "get neither CAP_NET_ADMIN nor CAP_NET_RAW",
				    a->net_cap, a->id);
	if (!a->process)
		return 0; /* the process of the bundle's config.json, already without them */
	r = spec_doc_load(a->process, &d, err);
	if (r >= 0)
		r = spec_doc_drop_caps(d, true, caps, ARRAY_SIZE(caps), &changed, err);
	if (r >= 0 && changed)
		r = spec_doc_save(d, err);
	if (r < 0)
		nf_err_prefix(err, "exec: %s", a->process);
	return r;
}

int wrapper_add_hooks(const char *path, const struct wrapper_hook_opts *o, bool *ret_changed,
		      struct nf_error *err)
{
	static const char *const stages[] = { "createRuntime", "poststop" };
	_cleanup_(spec_doc_freep) struct spec_doc *d = NULL;
	_cleanup_(hostconf_freep) struct hostconf *hc = NULL;
	_cleanup_free_ char *cfg_env = NULL, *oci_env = NULL, *bin = NULL;
	const char *env[4];
	size_t k = 0;
	const struct spec_kv *ann;
	bool changed = false, applies, c;
	size_t n;
	int r;

	r = spec_doc_load(path, &d, err);
	if (r < 0) {
		nf_err_prefix(err, "%s", path);
		return r;
	}
	ann = spec_doc_annotations(d, &n);
	/* the host configuration: a default policy, profiles, allow, and whether a sandbox
	 * annotation is Kubernetes' own */
	r = hostconf_load_flags(o->netfence_config, NULL, 0, &hc, err);
	if (r < 0)
		return r;
	applies = wrapper_policy_applies(ann, n, hc->default_policy != NULL, hc->kubernetes);
	if (!applies) {
		*ret_changed = false;
		return 0;
	}
	r = wrapper_netfence_bin(o->env_bin, o->self_exe, &bin, err);
	if (r < 0)
		return r;
	if (o->netfence_config && asprintf(&cfg_env, "NETFENCE_CONFIG=%s", o->netfence_config) < 0)
		return nf_sys_err(err, ENOMEM, "hook env");
	if (o->other_config && asprintf(&oci_env, "NETFENCE_OCI_CONFIG=%s", path) < 0)
		return nf_sys_err(err, ENOMEM, "hook env");
	env[k++] = HOOK_PATH;
	if (cfg_env)
		env[k++] = cfg_env;
	if (oci_env)
		env[k++] = oci_env;
	env[k] = NULL;
	for (size_t s = 0; s < ARRAY_SIZE(stages); s++) {
		const char *const args[] = { "netfence", "hook", stages[s], NULL };
		const struct spec_hook h = {
			.path = bin, .args = args, .env = env, .timeout = HOOK_TIMEOUT
		};

		if (spec_doc_has_hook(d, stages[s], bin))
			continue;
		r = spec_doc_add_hook(d, stages[s], &h, err);
		if (r < 0)
			goto fail;
		changed = true;
	}
	r = wrapper_secure_doc(d, hc, &c, err);
	if (r < 0)
		goto fail;
	changed |= c;
	if (changed) {
		r = spec_doc_save(d, err);
		if (r < 0)
			goto fail;
	}
	*ret_changed = changed;
	return 0;
fail:
	nf_err_prefix(err, "%s", path);
	return r;
}

static bool is_executable_file(const char *path, struct stat *ret_st)
{
	struct stat st;

	if (stat(path, &st) < 0 || !S_ISREG(st.st_mode) || access(path, X_OK) < 0)
		return false;
	if (ret_st)
		*ret_st = st;
	return true;
}

int wrapper_netfence_bin(const char *env_bin, const char *self_exe, char **ret,
			 struct nf_error *err)
{
	static const char *const fallback[] = { "/usr/local/bin/netfence", "/usr/bin/netfence" };
	char self[PATH_MAX], cand[PATH_MAX + 16];
	const char *pick = NULL;
	ssize_t len;

	if (env_bin && env_bin[0]) {
		if (env_bin[0] != '/')
			return nf_input_err(err, "NETFENCE_BIN: not an absolute path");
		if (!is_executable_file(env_bin, NULL))
			return nf_input_err(err, "NETFENCE_BIN: %s is not an executable file",
					    env_bin);
		pick = env_bin;
	} else if ((len = readlink(self_exe, self, sizeof(self) - 1)) > 0) {
		char *slash;

		self[len] = '\0';
		slash = strrchr(self, '/');
		if (slash && self[0] == '/') {
			*slash = '\0';
			snprintf(cand, sizeof(cand), "%s/netfence", self);
			if (is_executable_file(cand, NULL))
				pick = cand;
		}
	}
	for (size_t i = 0; !pick && i < ARRAY_SIZE(fallback); i++)
		if (is_executable_file(fallback[i], NULL))
			pick = fallback[i];
	if (!pick)
		return nf_input_err(err, "the netfence binary was not found (set NETFENCE_BIN)");
	*ret = strdup(pick);
	return *ret ? 0 : nf_sys_err(err, ENOMEM, "netfence binary");
}

/* 1: found a candidate that is not the wrapper (*ret set); 0: none; -ELOOP: only the wrapper.
 * name has no '/'. */
static int search_path(const char *name, const char *path_env, const struct stat *self, char **ret)
{
	const char *p = path_env && path_env[0] ? path_env : DEFAULT_PATH;
	bool saw_self = false;

	while (*p) {
		size_t len = strcspn(p, ":");
		char cand[PATH_MAX];
		struct stat st;

		/* an empty PATH entry means the current directory: never for a root program */
		if (len > 0 && p[0] == '/' &&
		    (size_t)snprintf(cand, sizeof(cand), "%.*s/%s", (int)len, p, name) <
			    sizeof(cand) &&
		    is_executable_file(cand, &st)) {
			if (st.st_dev == self->st_dev && st.st_ino == self->st_ino) {
				saw_self = true;
			} else {
				*ret = strdup(cand);
				return *ret ? 1 : -ENOMEM;
			}
		}
		p += len;
		if (*p == ':')
			p++;
	}
	return saw_self ? -ELOOP : 0;
}

int wrapper_find_runtime(const char *env_runtime, const char *path_env, const char *self_exe,
			 char **ret, struct nf_error *err)
{
	static const char *const defaults[] = { "runc", "crun" };
	struct stat self, st;
	bool saw_self = false;
	int r;

	if (stat(self_exe, &self) < 0)
		return nf_sys_err(err, errno, "stat %s", self_exe);
	if (env_runtime && env_runtime[0]) {
		if (strchr(env_runtime, '/')) {
			if (env_runtime[0] != '/')
				return nf_input_err(err, "NETFENCE_RUNTIME: not an absolute path "
							 "or a name");
			if (!is_executable_file(env_runtime, &st))
				return nf_input_err(err,
						    "NETFENCE_RUNTIME: %s is not an "
						    "executable file",
						    env_runtime);
			if (st.st_dev == self.st_dev && st.st_ino == self.st_ino)
				return nf_input_err(err,
						    "NETFENCE_RUNTIME: %s is netfence-runtime "
						    "itself",
						    env_runtime);
			*ret = strdup(env_runtime);
			return *ret ? 0 : nf_sys_err(err, ENOMEM, "runtime");
		}
		r = search_path(env_runtime, path_env, &self, ret);
		if (r == -ELOOP)
			return nf_input_err(err,
					    "NETFENCE_RUNTIME: %s in PATH is netfence-runtime "
					    "itself",
					    env_runtime);
		if (r < 0)
			return nf_sys_err(err, r, "runtime");
		if (r == 0)
			return nf_input_err(err, "NETFENCE_RUNTIME: %s not found in PATH",
					    env_runtime);
		return 0;
	}
	for (size_t i = 0; i < ARRAY_SIZE(defaults); i++) {
		r = search_path(defaults[i], path_env, &self, ret);
		if (r == 1)
			return 0;
		if (r == -ELOOP)
			saw_self = true;
		else if (r < 0)
			return nf_sys_err(err, r, "runtime");
	}
	if (saw_self)
		return nf_input_err(err, "no runtime found but netfence-runtime itself (set "
					 "NETFENCE_RUNTIME to the real runc or crun)");
	return nf_input_err(err, "neither runc nor crun found in PATH (set NETFENCE_RUNTIME)");
}
