/* netfence: the seccomp socket filter (see seccomp.h). The rules are a table written for the
 * runtime's libseccomp: one condition per argument in a rule, and on x86 every socket or
 * socketpair rule with a single condition must share one action, because libseccomp derives
 * the i386 socketcall rule from them and refuses a second, different one (EEXIST). */
#include "seccomp.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "util.h"

#define AF_UNIX_ 1
#define AF_INET_ 2
#define AF_INET6_ 10
#define AF_NETLINK_ 16
#define NETLINK_ROUTE_ 0
#define SOCK_TYPE_MASK_ 0xf
#define SOCK_CLOEXEC_ 02000000
#define SOCK_NONBLOCK_ 04000

const char *const nf_seccomp_syscalls[] = { "socket", "socketpair", "socketcall", "io_uring_setup",
					    NULL };

/* The tables by hand: clang-format spreads each macro and rule over several lines. */
/* clang-format off */
#define A(i, o, v) { .index = (i), .op = SPEC_SC_##o, .value = (v) }
#define M(i, mask, v) { .index = (i), .op = SPEC_SC_MASKED_EQ, .value = (mask), .value_two = (v) }
#define FAMILY(f) { "socket", EAFNOSUPPORT, 1, { A(0, EQ, f) } }
/* The effective socket type is type & 0xf (SOCK_CLOEXEC and SOCK_NONBLOCK above it). Four
 * masked tests cover every type but stream (1) and datagram (2): bit 2, bit 3, zero, and 3
 * (raw; SOCK_PACKET is 10, bit 3). */
#define TYPES(f)                                                                                   \
	{ "socket", EPERM, 2, { A(0, EQ, f), M(1, 4, 4) } },                                       \
	{ "socket", EPERM, 2, { A(0, EQ, f), M(1, 8, 8) } },                                       \
	{ "socket", EPERM, 2, { A(0, EQ, f), M(1, SOCK_TYPE_MASK_, 0) } },                         \
	{ "socket", EPERM, 2, { A(0, EQ, f), M(1, 3, 3) } }
#define TYPE_OK(f, t) { "socket", 0, 2, { A(0, EQ, f), M(1, SOCK_TYPE_MASK_, t) } }
#define SOCKETCALL_OK(o, v) { "socketcall", 0, 1, { A(0, o, v) } }
/* socketcall's calls but SYS_SOCKET (1) and SYS_SOCKETPAIR (8) */
#define SOCKETCALLS_OK                                                                             \
	SOCKETCALL_OK(EQ, 2), SOCKETCALL_OK(EQ, 3), SOCKETCALL_OK(EQ, 4), SOCKETCALL_OK(EQ, 5),    \
	SOCKETCALL_OK(EQ, 6), SOCKETCALL_OK(EQ, 7), SOCKETCALL_OK(GT, 8)

/* inet: AF_UNIX; AF_INET and AF_INET6 stream and datagram (ICMP "ping" included); AF_NETLINK
 * with NETLINK_ROUTE. The first rule (single condition, EAFNOSUPPORT) gives the i386
 * socketcall(SYS_SOCKET) its action. */
static const struct spec_sc_rule inet_deny[] = {
	FAMILY(0), FAMILY(3), FAMILY(4), FAMILY(5), FAMILY(6), FAMILY(7), FAMILY(8), FAMILY(9),
	FAMILY(11), FAMILY(12), FAMILY(13), FAMILY(14), FAMILY(15),
	{ "socket", EAFNOSUPPORT, 1, { A(0, GT, AF_NETLINK_) } },
	TYPES(AF_INET_),
	TYPES(AF_INET6_),
	{ "socket", EPERM, 2, { A(0, EQ, AF_NETLINK_), A(2, NE, NETLINK_ROUTE_) } },
	{ "socketpair", EAFNOSUPPORT, 1, { A(0, NE, AF_UNIX_) } },
	{ "io_uring_setup", EPERM, 0, { { 0 } } },
};

/* AF_UNIX allowed with protocol 0 or PF_UNIX, the only ones the kernel takes; two conditions
 * keep these rules out of the socketcall derivation (see the top of the file). */
static const struct spec_sc_rule inet_allow[] = {
	{ "socket", 0, 2, { A(0, EQ, AF_UNIX_), A(2, LE, 1) } },
	TYPE_OK(AF_INET_, 1),
	TYPE_OK(AF_INET_, 2),
	TYPE_OK(AF_INET6_, 1),
	TYPE_OK(AF_INET6_, 2),
	{ "socket", 0, 2, { A(0, EQ, AF_NETLINK_), A(2, EQ, NETLINK_ROUTE_) } },
	{ "socketpair", 0, 2, { A(0, EQ, AF_UNIX_), A(2, LE, 1) } },
	SOCKETCALLS_OK,
};

static const struct spec_sc_rule unix_deny[] = {
	{ "socket", EAFNOSUPPORT, 1, { A(0, NE, AF_UNIX_) } },
	{ "socketpair", EAFNOSUPPORT, 1, { A(0, NE, AF_UNIX_) } },
	{ "io_uring_setup", EPERM, 0, { { 0 } } },
};

static const struct spec_sc_rule unix_allow[] = {
	{ "socket", 0, 2, { A(0, EQ, AF_UNIX_), A(2, LE, 1) } },
	{ "socketpair", 0, 2, { A(0, EQ, AF_UNIX_), A(2, LE, 1) } },
	SOCKETCALLS_OK,
};
/* clang-format on */

int nf_seccomp_rules(enum nf_seccomp level, const struct spec_sc_rule **ret_deny,
		     size_t *ret_n_deny, const struct spec_sc_rule **ret_allow, size_t *ret_n_allow)
{
	switch (level) {
	case NF_SECCOMP_INET:
		*ret_deny = inet_deny;
		*ret_n_deny = ARRAY_SIZE(inet_deny);
		*ret_allow = inet_allow;
		*ret_n_allow = ARRAY_SIZE(inet_allow);
		return 0;
	case NF_SECCOMP_UNIX:
		*ret_deny = unix_deny;
		*ret_n_deny = ARRAY_SIZE(unix_deny);
		*ret_allow = unix_allow;
		*ret_n_allow = ARRAY_SIZE(unix_allow);
		return 0;
	default:
		return -EINVAL;
	}
}

const char *const *nf_seccomp_host_arches(void)
{
#if defined(__x86_64__) || defined(__i386__)
	static const char *const arches[] = { "SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32",
					      NULL };
#elif defined(__aarch64__) || defined(__arm__)
	static const char *const arches[] = { "SCMP_ARCH_AARCH64", "SCMP_ARCH_ARM", NULL };
#else
	static const char *const arches[] = { NULL }; /* the runtime's native ABI only */
#endif
	return arches;
}

static bool rule_matches(const struct spec_sc_rule *r, const uint64_t a[3])
{
	for (size_t i = 0; i < r->n_args; i++)
		if (!spec_seccomp_arg_matches(&r->args[i], a[r->args[i].index]))
			return false;
	return true;
}

bool nf_seccomp_level_denies(enum nf_seccomp level, const char *syscall, const uint64_t a[3],
			     int *ret_errno)
{
	const struct spec_sc_rule *deny, *allow;
	size_t n_deny, n_allow;

	if (nf_seccomp_rules(level, &deny, &n_deny, &allow, &n_allow) < 0)
		return false;
	/* socketcall(SYS_SOCKET) and socketcall(SYS_SOCKETPAIR): derived by libseccomp */
	if (strcmp(syscall, "socketcall") == 0 && (a[0] == 1 || a[0] == 8)) {
		if (ret_errno)
			*ret_errno = deny[0].errno_ret;
		return true;
	}
	for (size_t i = 0; i < n_deny; i++)
		if (strcmp(deny[i].name, syscall) == 0 && rule_matches(&deny[i], a)) {
			if (ret_errno)
				*ret_errno = deny[i].errno_ret;
			return true;
		}
	return false;
}

int nf_seccomp_filter_new(enum nf_seccomp level, const char *const *arches, scmp_filter_ctx *ret,
			  struct nf_error *err)
{
	static const struct {
		const char *name;
		uint32_t token;
	} tokens[] = {
		{ "SCMP_ARCH_X86_64", SCMP_ARCH_X86_64 },
		{ "SCMP_ARCH_X86", SCMP_ARCH_X86 },
		{ "SCMP_ARCH_X32", SCMP_ARCH_X32 },
		{ "SCMP_ARCH_AARCH64", SCMP_ARCH_AARCH64 },
		{ "SCMP_ARCH_ARM", SCMP_ARCH_ARM },
	};
	_cleanup_(seccomp_releasep) scmp_filter_ctx ctx = NULL;
	const struct spec_sc_rule *deny, *allow;
	size_t n_deny, n_allow;
	int r;

	if (nf_seccomp_rules(level, &deny, &n_deny, &allow, &n_allow) < 0)
		return nf_input_err(err, "seccomp: no filter for this level");
	ctx = seccomp_init(SCMP_ACT_ALLOW);
	if (!ctx)
		return nf_sys_err(err, ENOMEM, "seccomp_init");
	for (size_t i = 0; arches && arches[i]; i++) {
		uint32_t token = 0;

		for (size_t t = 0; t < ARRAY_SIZE(tokens); t++)
			if (strcmp(arches[i], tokens[t].name) == 0)
				token = tokens[t].token;
		if (!token)
			return nf_input_err(err, "seccomp: unknown architecture \"%s\"", arches[i]);
		/* the native ABI is already in the filter: -EEXIST */
		r = seccomp_arch_add(ctx, token);
		if (r < 0 && r != -EEXIST)
			return nf_sys_err(err, r, "seccomp: adding %s", arches[i]);
	}
	for (size_t i = 0; i < n_deny; i++) {
		struct scmp_arg_cmp c[3];
		int nr = seccomp_syscall_resolve_name(deny[i].name);

		if (nr == __NR_SCMP_ERROR)
			return nf_sys_err(err, ENOSYS, "seccomp: unknown syscall %s", deny[i].name);
		for (size_t j = 0; j < deny[i].n_args; j++)
			c[j] = (struct scmp_arg_cmp){
				.arg = deny[i].args[j].index,
				.op = (enum scmp_compare)deny[i].args[j].op,
				.datum_a = deny[i].args[j].value,
				.datum_b = deny[i].args[j].value_two,
			};
		r = seccomp_rule_add_array(ctx, SCMP_ACT_ERRNO((uint32_t)deny[i].errno_ret), nr,
					   (unsigned)deny[i].n_args, c);
		if (r < 0)
			return nf_sys_err(err, r, "seccomp: rule %zu (%s)", i, deny[i].name);
	}
	*ret = steal_pointer(&ctx);
	return 0;
}

/* The families the check tries: every one the kernel knows (below 46), and a few beyond. */
static const uint64_t check_families[] = { 0,  1,  2,  3,  4,  5,  6,	7,	 8,	    9,	10,
					   11, 12, 13, 14, 15, 16, 17,	18,	 19,	    20, 21,
					   22, 23, 24, 25, 26, 27, 28,	29,	 30,	    31, 32,
					   33, 34, 35, 36, 37, 38, 39,	40,	 41,	    42, 43,
					   44, 45, 46, 47, 63, 64, 255, 0x10002, UINT32_MAX };

static const char *level_name(enum nf_seccomp level)
{
	return level == NF_SECCOMP_UNIX ? "unix" : "inet";
}

/* why: "linux.seccomp does not deny socket(...)", "config.json has no linux.seccomp" */
static int refuse(enum nf_seccomp level, const char *why, struct nf_error *err)
{
	return nf_input_err(err,
			    "io.netfence.seccomp: \"%s\": %s (run the container through "
			    "netfence-runtime or the podman precreate hook, or add `netfence "
			    "seccomp-profile --level %s`)",
			    level_name(level), why, level_name(level));
}

static int check_call(enum nf_seccomp level, const struct spec_config *cfg, const char *syscall,
		      const uint64_t a[3], struct nf_error *err)
{
	char why[160];

	if (!nf_seccomp_level_denies(level, syscall, a, NULL) ||
	    spec_seccomp_denies(cfg, syscall, a))
		return 0;
	snprintf(why, sizeof(why), "linux.seccomp does not deny %s(%llu, %#llx, %llu)", syscall,
		 (unsigned long long)a[0], (unsigned long long)a[1], (unsigned long long)a[2]);
	return refuse(level, why, err);
}

/* Every socket type of a family, bare and with SOCK_CLOEXEC|SOCK_NONBLOCK, with the protocols
 * that matter for it (all of them for netlink, the IP ones for inet, two for the rest). */
static int check_family(enum nf_seccomp level, const struct spec_config *cfg, const char *syscall,
			uint64_t fam, struct nf_error *err)
{
	static const uint64_t flags[] = { 0, SOCK_CLOEXEC_ | SOCK_NONBLOCK_ };
	static const uint64_t ip[] = { 0, 1, 6, 17, 58, 255, 256, 768 };
	static const uint64_t other[] = { 0, 768 /* htons(ETH_P_ALL) */ };
	uint64_t nl[32];
	const uint64_t *protos = other;
	size_t np = ARRAY_SIZE(other);
	int r;

	if (fam == AF_INET_ || fam == AF_INET6_) {
		protos = ip;
		np = ARRAY_SIZE(ip);
	} else if (fam == AF_NETLINK_) {
		for (size_t p = 0; p < ARRAY_SIZE(nl); p++)
			nl[p] = p;
		protos = nl;
		np = ARRAY_SIZE(nl);
	}
	for (uint64_t t = 0; t <= SOCK_TYPE_MASK_; t++)
		for (size_t f = 0; f < ARRAY_SIZE(flags); f++)
			for (size_t p = 0; p < np; p++) {
				const uint64_t a[3] = { fam, t | flags[f], protos[p] };

				r = check_call(level, cfg, syscall, a, err);
				if (r < 0)
					return r;
			}
	return 0;
}

int nf_seccomp_check(enum nf_seccomp level, const struct spec_config *cfg, struct nf_error *err)
{
	static const char *const calls[] = { "socket", "socketpair" };
	int r;

	if (!cfg->seccomp)
		return refuse(level, "config.json has no linux.seccomp", err);
	for (size_t s = 0; s < ARRAY_SIZE(calls); s++)
		for (size_t f = 0; f < ARRAY_SIZE(check_families); f++) {
			r = check_family(level, cfg, calls[s], check_families[f], err);
			if (r < 0)
				return r;
		}
	{
		const uint64_t a[3] = { 0, 0, 0 };

		r = check_call(level, cfg, "io_uring_setup", a, err);
		if (r < 0)
			return r;
	}
	/* the i386 multiplexer, where the filter covers that ABI */
	if (spec_seccomp_has_arch(cfg, "SCMP_ARCH_X86"))
		for (uint64_t op = 1; op <= 8; op += 7) {
			const uint64_t a[3] = { op, 0, 0 };

			r = check_call(level, cfg, "socketcall", a, err);
			if (r < 0)
				return r;
		}
	return 0;
}
