/* netfence: SELinux packet labels. Derives the packet context from the container's process
 * label with libselinux's context_* functions (never by hand-splitting the string), and checks
 * every context against the loaded policy before nftables is asked to use it. */
#define _GNU_SOURCE
#include "label.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <selinux/context.h>
#include <selinux/selinux.h>

#include "util.h"

NF_DEFINE_CLEANUP(context_t, context_free)

bool label_type_ok(const char *type)
{
	size_t n = strlen(type);

	if (n == 0 || n > 255)
		return false;
	return strspn(type, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") == n;
}

/* user:role:type[:level], every part present and non-empty; the level may itself hold ':'
 * (s0-s0:c0.c1023), which context_new keeps whole. */
bool label_context_ok(const char *s)
{
	const char *p = s;
	int colons = 0;

	if (strlen(s) > NF_LABEL_MAX)
		return false;
	for (; *p; p++) {
		if ((unsigned char)*p <= ' ' || (unsigned char)*p >= 0x7f)
			return false;
		if (*p == ':') {
			if (p == s || p[1] == ':' || p[1] == '\0')
				return false;
			colons++;
		}
	}
	return colons >= 2;
}

int label_packet_context(const char *process_label, const char *packet_type, char **ret,
			 struct nf_error *err)
{
	_cleanup_(context_freep) context_t c = NULL;
	const char *s;
	char q[100];
	char *out;

	if (!label_type_ok(packet_type))
		return nf_input_err(err, "selinux_packet_type: \"%s\": not a type name",
				    nf_quote(packet_type, q, sizeof(q)));
	if (label_context_ok(process_label) && !(c = context_new(process_label)) && errno == ENOMEM)
		return nf_sys_err(err, ENOMEM, "process.selinuxLabel");
	if (!c)
		return nf_input_err(err,
				    "process.selinuxLabel: \"%s\": malformed SELinux label "
				    "(user:role:type[:level])",
				    nf_quote(process_label, q, sizeof(q)));
	if (context_type_set(c, packet_type) != 0)
		return nf_sys_err(err, errno, "process.selinuxLabel: setting the packet type");
	s = context_str(c);
	if (!s)
		return nf_sys_err(err, errno, "process.selinuxLabel: building the packet context");
	out = strdup(s);
	if (!out)
		return nf_sys_err(err, ENOMEM, "process.selinuxLabel");
	*ret = out;
	return 0;
}

static int check_context(const char *ctx, const char *why, struct nf_error *err)
{
	char q[100];

	/* security_check_context takes a non-const pointer in older libselinux releases */
	if (security_check_context((char *)ctx) != 0)
		return nf_input_err(err, "%s: \"%s\": %s", NF_SELINUX_KEY,
				    nf_quote(ctx, q, sizeof(q)), why);
	return 0;
}

int label_resolve(enum nf_selinux_mode mode, const char *explicit_ctx, const char *process_label,
		  const char *packet_type, bool selinux_enabled, char **ret_ctx,
		  struct nf_error *err)
{
	_cleanup_free_ char *ctx = NULL;
	char q[100];
	int r;

	switch (mode) {
	case NF_SELINUX_OFF:
		*ret_ctx = NULL;
		return 0;
	case NF_SELINUX_CONTEXT:
		if (!selinux_enabled)
			return nf_input_err(err,
					    "%s: SELinux is not enabled on this host; an explicit "
					    "context cannot be honoured",
					    NF_SELINUX_KEY);
		if (!explicit_ctx || !label_context_ok(explicit_ctx))
			return nf_input_err(
				err, "%s: \"%s\": malformed SELinux context", NF_SELINUX_KEY,
				nf_quote(explicit_ctx ? explicit_ctx : "", q, sizeof(q)));
		r = check_context(explicit_ctx, "not a valid context in the loaded policy", err);
		if (r < 0)
			return r;
		ctx = strdup(explicit_ctx);
		if (!ctx)
			return nf_sys_err(err, ENOMEM, "%s", NF_SELINUX_KEY);
		break;
	case NF_SELINUX_AUTO:
	default:
		/* nothing to derive from: the runtime labels nothing either */
		if (!selinux_enabled || !process_label) {
			*ret_ctx = NULL;
			return 0;
		}
		r = label_packet_context(process_label, packet_type, &ctx, err);
		if (r < 0)
			return r;
		r = check_context(ctx,
				  "the derived packet context is not valid in the loaded policy "
				  "(is the netfence module loaded? see selinux_packet_type)",
				  err);
		if (r < 0)
			return r;
		break;
	}
	*ret_ctx = steal_pointer(&ctx);
	return 0;
}
