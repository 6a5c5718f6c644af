/* netfence: one container's fence set up: namespace checks, journal, leases, veth, host and
 * namespace nftables, every step recorded before it is made (tear-down: teardown.h; gc: gc.h).
 * Holds no state of its own between calls. */
#ifndef NF_FENCE_H
#define NF_FENCE_H

#include "spec.h"
#include "error.h"
#include "hostconf.h"
#include "journal.h"
#include "policy.h"

/* Set up the fence of container id (pid from the state, 0 if unknown) for config cfg under the
 * resolved policy pol (fingerprint: policy_fingerprint() of it before hostname resolution).
 * A namespace netfence already fenced is joined (same fingerprint required); a fresh one is
 * wired (veth); one wired by someone else gets the policy inside it (overlay). Takes the state
 * lock itself. Idempotent for the same id and namespace. The record names its owner (the
 * namespace, pid and start time, bundle). On failure everything made is removed before
 * returning. */
int fence_setup(const struct hostconf *hc, const char *id, int pid, const char *bundle,
		const struct spec_config *cfg, const struct nf_policy *pol, const char *fingerprint,
		struct nf_error *err);

/* Whether container pid (else, with no pid, the namespace path of cfg) is in the hook's own
 * network namespace, the host's. A namespace that cannot be opened, or no pid and no path,
 * counts as not the host's, so that fence_setup refuses with the reason. */
bool fence_in_host_netns(const struct spec_config *cfg, int pid);

#endif
