/* netfence: a fence's tear-down from its journal alone: waiting, or with the slow kernel part in
 * a detached child that holds the state lock until it is done; a container leaving a fence it
 * shares. Used by the hook's poststop, a set-up that fails or replaces a fence, and gc. */
#ifndef NF_TEARDOWN_H
#define NF_TEARDOWN_H

#include <stdbool.h>

#include "error.h"
#include "hostconf.h"
#include "journal.h"

/* Tear down the whole fence j records (the caller holds the state lock), its members' records
 * included; removes the state file last. Absent resources are not errors. */
int fence_teardown(const struct hostconf *hc, const struct journal *j, struct nf_error *err);

/* Container id leaves its fence (takes the lock); the fence goes with its last member.
 * pid and bundle: the poststop state's (0 / NULL when absent). Unknown id, or a record whose
 * container still runs and is not the one the state names (another container with the same
 * id): 0, nothing changed. */
int fence_teardown_id(const struct hostconf *hc, const char *id, int pid, const char *bundle,
		      struct nf_error *err);

/* Container j leaves its fence (the caller holds the state lock); the fence goes with its last
 * member, in the background when bg (see teardown.c). */
int fence_leave(const struct hostconf *hc, struct journal *j, bool bg, struct nf_error *err);

#endif
