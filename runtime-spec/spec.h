/* netfence: the OCI runtime state (stdin of a hook) and the bundle's config.json, read with
 * yajl into owned, validated C structs. No yajl type leaves this module (json.h aside). */
#ifndef NF_SPEC_H
#define NF_SPEC_H

#include <stdbool.h>
#include <stddef.h>

#include "../hook/error.h"

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

struct spec_config {
	char *root_path;  /* made absolute against the bundle */
	bool has_netns;	  /* linux.namespaces has a "network" entry */
	char *netns_path; /* its "path", NULL when absent (a new namespace) */
	struct spec_kv *annotations;
	size_t n_annotations;
	char *selinux_label;	       /* process.selinuxLabel, NULL when absent */
	bool has_seccomp;	       /* linux.seccomp present */
	bool cap_net_admin;	       /* CAP_NET_ADMIN in any of process.capabilities' sets */
	bool seccomp_denies_nfnetlink; /* linux.seccomp denies socket(AF_NETLINK, *,
					* NETLINK_NETFILTER) whatever the socket type */
};

/* Parse the state JSON (at most SPEC_STATE_MAX bytes). */
int spec_state_parse(const char *buf, size_t len, struct spec_state **ret, struct nf_error *err);
/* Read the state from fd (stdin), capped, then parse. */
int spec_state_read(int fd, struct spec_state **ret, struct nf_error *err);
void spec_state_free(struct spec_state *s);

/* Parse a config.json document (at most SPEC_CONFIG_MAX bytes); bundle (may be NULL) makes a
 * relative root.path absolute. */
int spec_config_parse(const char *buf, size_t len, const char *bundle, struct spec_config **ret,
		      struct nf_error *err);
/* Open <bundle>/config.json with O_NOFOLLOW|O_CLOEXEC, capped read, parse. */
int spec_config_load(const char *bundle, struct spec_config **ret, struct nf_error *err);
/* Read a config.json from a path ("-" for stdin), capped, parse (used by `validate`). */
int spec_config_load_path(const char *path, struct spec_config **ret, struct nf_error *err);
void spec_config_free(struct spec_config *c);

/* Value of an annotation, NULL when absent. */
const char *spec_annotation(const struct spec_kv *kv, size_t n, const char *key);

#endif
