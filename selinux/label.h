/* netfence: SELinux packet labels (libselinux). Owns the packet context a container's traffic
 * is labelled with: derived from its process label or named outright, checked against the
 * loaded policy, or none at all. Knows nothing of nftables. */
#ifndef NF_LABEL_H
#define NF_LABEL_H

#include <stdbool.h>

#include "error.h"
#include "types.h"

#define NF_LABEL_MAX 4096 /* NFT_SECMARK_CTX_MAXLEN */
#define NF_SELINUX_KEY "io.netfence.selinux"

/* The packet context for a process label: the label's user, role and level (MLS/MCS range
 * included), with packet_type as the type. A malformed label is an input error. *ret is
 * malloc'd; untouched on failure. */
int label_packet_context(const char *process_label, const char *packet_type, char **ret,
			 struct nf_error *err);

/* The context a container's packets carry, or *ret_ctx = NULL for none. mode/explicit_ctx come
 * from the policy (io.netfence.selinux), process_label from process.selinuxLabel (may be NULL),
 * selinux_enabled from is_selinux_enabled() (a parameter so tests can choose). off, or auto on
 * a host without SELinux or a container without a label: none. An explicit context on a host
 * without SELinux is an input error (fail closed). Any context is checked with
 * security_check_context. */
int label_resolve(enum nf_selinux_mode mode, const char *explicit_ctx, const char *process_label,
		  const char *packet_type, bool selinux_enabled, char **ret_ctx,
		  struct nf_error *err);

/* The shape of a context: user:role:type[:level], no empty part, printable ASCII, bounded. The
 * policy decides the rest (label_resolve asks it). */
bool label_context_ok(const char *s);

/* A type name as the host configuration may give it: [A-Za-z0-9_], 1 to 255 bytes. */
bool label_type_ok(const char *type);

#endif
