/* netfence: `netfence graph`: a container's effective policy as a Graphviz DOT digraph (SPEC
 * section 11), from its state file (policy, the boxes of its host-side elements, its live DNS
 * rules and names), its namespace's learned sets and the names the resolver learned them from. */
#ifndef NF_GRAPH_H
#define NF_GRAPH_H

#include <stddef.h>

#include "error.h"
#include "journal.h"

/* The DOT text of j's fence: *ret malloc'd, NUL-terminated, *ret_len its length. Every string
 * that comes from outside (the id, names, the policy's name) is quoted and escaped. The names
 * each learned address was learned from come from the resolver of state_dir (its `learned`
 * request); when it does not answer, the addresses are drawn without them. */
int graph_dot(const struct journal *j, const char *state_dir, char **ret, size_t *ret_len,
	      struct nf_error *err);

#endif
