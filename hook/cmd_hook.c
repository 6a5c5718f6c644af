/* netfence: `netfence hook <stage>`: the OCI hook. The stage comes from argv (runc says
 * "creating", crun "created": status is never trusted). Set-up stages fence the container;
 * poststop removes the fence from saved state alone. Silent on success. */
#define _GNU_SOURCE /* secure_getenv */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "spec.h"
#include "caps.h"
#include "cmd.h"
#include "fence.h"
#include "hostconf.h"
#include "policy.h"
#include "rclient.h"
#include "teardown.h"
#include "util.h"

#define RESOLVE_TIMEOUT_MS 5000

/* default_policy fences the containers that did not ask for a policy, but one in the host's
 * network namespace (kube-proxy, CNI agents, netfence's own DaemonSet) cannot be fenced and
 * must still start: it is left alone, with a notice. One that asks for a policy is refused. */
static bool default_skips_host_netns(const struct spec_state *st, const struct spec_config *cfg)
{
	if (policy_annotated(cfg->annotations, cfg->n_annotations) ||
	    !fence_in_host_netns(cfg, st->pid))
		return false;
	fprintf(stderr,
		"netfence: %s: notice: the container shares the host's network namespace and has "
		"no io.netfence.* annotation: default_policy does not apply, it runs unfenced\n",
		st->id);
	syslog(LOG_DAEMON | LOG_NOTICE,
	       "netfence: %s: in the host's network namespace without io.netfence.* annotations: "
	       "left unfenced (default_policy does not apply)",
	       st->id);
	return true;
}

static int hook_setup(const struct hostconf *hc, const struct spec_state *st, struct nf_error *err)
{
	struct spec_config *cfg = NULL;
	struct nf_policy *pol = NULL;
	struct nf_error e2 = { 0 };
	const char *oci;
	char fingerprint[17];
	bool live, fenced;
	int r;

	if (!st->bundle)
		return nf_input_err(err, "state: no \"bundle\"");
	/* netfence-runtime names the file when the runtime reads another one (-f) */
	oci = secure_getenv("NETFENCE_OCI_CONFIG");
	r = spec_config_load(st->bundle, oci, &cfg, err);
	if (r < 0)
		return r;
	/* Only Kubernetes sets the sandbox annotation itself: elsewhere (podman, plain runc) the
	 * container's author does, and claiming to be a sandbox must escape nothing. */
	if (hc->kubernetes && policy_is_sandbox(cfg->annotations, cfg->n_annotations)) {
		spec_config_free(cfg);
		return 0; /* the pod's application containers carry the policy */
	}
	r = policy_resolve(cfg->annotations, cfg->n_annotations, hc, &pol, err);
	if (r >= 0 && pol && default_skips_host_netns(st, cfg)) {
		policy_free(pol);
		pol = NULL;
	}
	if (r >= 0 && pol && (r = policy_fingerprint(pol, fingerprint)) < 0)
		nf_sys_err(err, r, "policy");
	/* every fence is the resolver's (its events; with live DNS names its lookups too): one
	 * started here inherits the capabilities this process is about to drop. Failing, the
	 * container starts; its lookups fail, its events are not collected. */
	fenced = r >= 0 && pol;
	live = fenced && policy_dns_live(pol, hc);
	if (fenced && resolver_start(hc, &e2) < 0)
		syslog(LOG_DAEMON | LOG_WARNING, "netfence: %s: %s (%s)", st->id, e2.msg,
		       live ? "its name lookups fail" : "no events");
	/* input read: from here on only what the fence needs (DNS replies are untrusted too) */
	if (r >= 0 && pol)
		r = caps_drop_to(caps_fence, caps_fence_n, err);
	if (r >= 0 && pol)
		r = policy_resolve_hostnames(pol, RESOLVE_TIMEOUT_MS, err);
	if (r >= 0 && pol)
		r = fence_setup(hc, st->id, st->pid, st->bundle, cfg, pol, fingerprint, err);
	if (r >= 0 && fenced && resolver_register(hc, st->id, live, &e2) < 0)
		syslog(LOG_DAEMON | LOG_WARNING, "netfence: %s: %s (%s)", st->id, e2.msg,
		       live ? "its name lookups fail" : "no events");
	policy_free(pol);
	spec_config_free(cfg);
	return r;
}

static int hook_teardown(const struct hostconf *hc, const struct spec_state *st,
			 struct nf_error *err)
{
	int r = caps_drop_to(caps_fence, caps_fence_n, err);

	return r < 0 ? r : fence_teardown_id(hc, st->id, st->pid, st->bundle, err);
}

int cmd_hook(int argc, char **argv)
{
	struct nf_error err = { 0 };
	struct spec_state *st = NULL;
	struct hostconf *hc = NULL;
	const char *stage;
	bool setup;
	int r;

	if (argc != 2) {
		fprintf(stderr, "usage: netfence hook <prestart|createRuntime|poststop>\n");
		return NF_EXIT_INPUT;
	}
	stage = argv[1];
	if (strcmp(stage, "prestart") == 0 || strcmp(stage, "createRuntime") == 0) {
		setup = true;
	} else if (strcmp(stage, "poststop") == 0) {
		setup = false;
	} else if (strcmp(stage, "precreate") == 0) {
		return cmd_hook_precreate(); /* podman: config.json on stdin, not the state */
	} else if (strcmp(stage, "createContainer") == 0 || strcmp(stage, "startContainer") == 0 ||
		   strcmp(stage, "poststart") == 0) {
		return 0; /* nothing to do at these stages */
	} else {
		fprintf(stderr, "netfence: unknown hook stage \"%s\"\n", stage);
		return NF_EXIT_INPUT;
	}

	r = spec_state_read(STDIN_FILENO, &st, &err);
	if (r < 0)
		return cmd_fail("(unknown)", &err);
	/* tear-down needs no profile: parsing them would only cost time and could refuse it */
	r = hostconf_load_flags(NULL, NULL, setup ? 0 : NF_HOSTCONF_NO_PROFILES, &hc, &err);
	if (r >= 0)
		r = setup ? hook_setup(hc, st, &err) : hook_teardown(hc, st, &err);
	r = r < 0 ? cmd_fail(st->id, &err) : 0;
	hostconf_free(hc);
	spec_state_free(st);
	return r;
}
