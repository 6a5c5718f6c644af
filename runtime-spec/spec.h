/* netfence: the OCI runtime state (stdin of a hook) and the bundle's config.json, read with
 * yajl into owned, validated C structs. No yajl type leaves this module (json.h aside). */
#ifndef NF_SPEC_H
#define NF_SPEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cleanup.h"
#include "error.h"

#define SPEC_STATE_MAX (64 * 1024)
#define SPEC_CONFIG_MAX (4 * 1024 * 1024)

struct spec_kv {
	char *key;
	char *value;
};

struct spec_state {
	char *oci_version;
	char *id;     /* required, non-empty, no '/', at most 1024 bytes */
	char *status; /* informational only: the stage comes from argv */
	int pid;      /* 0 when absent (crun poststop, podman) */
	char *bundle; /* absolute path; may be NULL at poststop */
	struct spec_kv *annotations;
	size_t n_annotations;
};

/* Comparison operators of seccomp rule arguments, numbered as libseccomp's enum scmp_compare. */
enum spec_sc_op {
	SPEC_SC_NE = 1,
	SPEC_SC_LT,
	SPEC_SC_LE,
	SPEC_SC_EQ,
	SPEC_SC_GE,
	SPEC_SC_GT,
	SPEC_SC_MASKED_EQ, /* (arg & value) == value_two */
};

struct spec_sc_arg {
	unsigned index;
	uint64_t value;
	uint64_t value_two;
	enum spec_sc_op op; /* 0: unreadable */
};

/* A seccomp rule as netfence writes it: one syscall, SCMP_ACT_ERRNO with errno_ret (or
 * SCMP_ACT_ALLOW when errno_ret is 0), conditions on distinct arguments (libseccomp takes one
 * condition per argument in a rule). */
struct spec_sc_rule {
	const char *name;
	int errno_ret;
	size_t n_args;
	struct spec_sc_arg args[6];
};

/* linux.seccomp as read (rules, default action, architectures); see spec_seccomp_denies. */
struct spec_seccomp;

struct spec_config {
	char *root_path;  /* made absolute against the bundle */
	bool has_netns;	  /* linux.namespaces has a "network" entry */
	char *netns_path; /* its "path", NULL when absent (a new namespace) */
	struct spec_kv *annotations;
	size_t n_annotations;
	char *selinux_label;	       /* process.selinuxLabel, NULL when absent */
	bool has_seccomp;	       /* linux.seccomp present */
	bool cap_net_admin;	       /* CAP_NET_ADMIN in any of process.capabilities' sets */
	bool cap_net_raw;	       /* CAP_NET_RAW in any of them */
	struct spec_seccomp *seccomp;  /* NULL when linux.seccomp is absent */
	bool seccomp_denies_nfnetlink; /* linux.seccomp denies socket(AF_NETLINK, *,
					* NETLINK_NETFILTER) whatever the socket type */
};

/* Parse the state JSON (at most SPEC_STATE_MAX bytes). */
int spec_state_parse(const char *buf, size_t len, struct spec_state **ret, struct nf_error *err);
/* Read the state from fd (stdin), capped, then parse. */
int spec_state_read(int fd, struct spec_state **ret, struct nf_error *err);
void spec_state_free(struct spec_state *s);
NF_DEFINE_CLEANUP(struct spec_state *, spec_state_free)

/* Parse a config.json document (at most SPEC_CONFIG_MAX bytes); bundle (may be NULL) makes a
 * relative root.path absolute. */
int spec_config_parse(const char *buf, size_t len, const char *bundle, struct spec_config **ret,
		      struct nf_error *err);
/* Open path (NULL: <bundle>/config.json; else a runtime's -f/--config, absolute) with
 * O_NOFOLLOW|O_CLOEXEC, capped read, parse; root.path against bundle. */
int spec_config_load(const char *bundle, const char *path, struct spec_config **ret,
		     struct nf_error *err);
/* Read a config.json from a path ("-" for stdin), capped, parse (used by `validate`). */
int spec_config_load_path(const char *path, struct spec_config **ret, struct nf_error *err);
void spec_config_free(struct spec_config *c);
NF_DEFINE_CLEANUP(struct spec_config *, spec_config_free)

/* Would linux.seccomp refuse syscall(a[0], a[1], a[2])? False without a filter. The strictest
 * matching rule wins (as libseccomp orders actions); an unconditional rule for the syscall
 * hides the conditional ones (as libseccomp builds its tree); a condition that cannot be read
 * never makes a call count as refused. */
bool spec_seccomp_denies(const struct spec_config *c, const char *syscall, const uint64_t a[3]);
/* Does linux.seccomp.architectures name arch ("SCMP_ARCH_X86")? */
bool spec_seccomp_has_arch(const struct spec_config *c, const char *arch);
/* Rank of a seccomp action name, libseccomp's order (>= 4 refuses the call; -1 unknown). */
int spec_seccomp_action_rank(const char *name);
/* "SCMP_CMP_EQ" -> SPEC_SC_EQ; 0 when unknown. spec_sc_op_names[SPEC_SC_EQ]: "SCMP_CMP_EQ". */
enum spec_sc_op spec_seccomp_op(const char *name);
extern const char *const spec_sc_op_names[SPEC_SC_MASKED_EQ + 1];
bool spec_seccomp_arg_matches(const struct spec_sc_arg *c, uint64_t x);

/* Value of an annotation, NULL when absent. */
const char *spec_annotation(const struct spec_kv *kv, size_t n, const char *key);

/* The capability a runtime grants for one entry of process.capabilities, -1 for none. runc 1.1
 * takes only "CAP_NET_ADMIN"; crun takes what libcap's cap_from_name takes: any case
 * ("cap_net_admin", "Cap_Net_Raw"), the name ending at the first character that is not a letter
 * or '_' ("cap_net_admin,x"), or a number below 64 in C notation with anything after it ("12",
 * "0xc", "014"). Names without "CAP_" ("net_admin") count too: reading more names as the
 * capability than a runtime does only refuses or drops more, the safe side. */
int spec_cap_number(const char *name);

#endif
