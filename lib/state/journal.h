/* netfence: the per-container state file <state_dir>/<id>.json. Written before the first
 * resource is made and updated as steps begin, so tear-down and gc can undo a hook that was
 * killed at any point; `complete` marks a finished set-up. The first container of a namespace
 * owns the fence and lists every member; a container joining it gets a member record naming
 * the owner. Also the namespace index (<state_dir>/netns/<dev>-<ino>) and the state lock. */
#ifndef NF_JOURNAL_H
#define NF_JOURNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "error.h"
#include "netns.h"
#include "plan.h"
#include "types.h"

/* Steps whose resources may exist (recorded before they are created). */
enum {
	J_LEASE4 = 1 << 0,
	J_LEASE6 = 1 << 1,
	J_VETH = 1 << 2,
	J_HOST_NFT = 1 << 3,
	J_NS_NFT = 1 << 4,
	J_NS_HANDLE = 1 << 5, /* overlay: bind mount of the namespace under state_dir/netns */
	J_INDEX = 1 << 6,     /* state_dir/netns/<dev>-<ino> names the owner */
	J_SHAPE = 1 << 7,     /* io.netfence.bandwidth: tc on the veth, the ifb nfb<hex> */
};

/* What the resolver needs of a fence whose names follow DNS live (SPEC section 10), copied
 * at set-up from its policy and the host configuration, which then governs it for its whole
 * life. The state's "dns" object (owner records only). */
struct journal_dns {
	struct nf_addr *upstreams; /* the policy's resolvers, where queries are forwarded */
	size_t n_upstreams;
	char **rules; /* egress hostname and wildcard rules, rule_str form ("pypi.org:443") */
	size_t n_rules;
	char **names; /* io.netfence.dns-names: resolve, open nothing ("*", "*.x.example") */
	size_t n_names;
	bool nxdomain;	    /* dns_refuse: answer refused queries NXDOMAIN (else REFUSED) */
	unsigned min_ttl;   /* dns_min_ttl, seconds */
	unsigned max_ttl;   /* dns_max_ttl, seconds */
	unsigned max_names; /* dns_max_names */
	unsigned max_qps;   /* dns_max_qps */
};

void journal_dns_free(struct journal_dns *d);

/* A container using the fence (the owner included while it runs). */
struct journal_member {
	char *id;
	int pid;
	uint64_t pid_start;
};

struct journal {
	char *id;
	char hex[13];
	bool complete;
	bool wire; /* a veth was (to be) made; false for policy none */
	struct netns_id ns;
	int pid;	    /* the container's pid at set-up */
	uint64_t pid_start; /* its start time (clock ticks), to detect pid reuse */
	char *ns_path;	    /* the namespace path from config.json, NULL for /proc/<pid>/ns/net */
	char *bundle;	    /* the state's bundle at set-up (NULL when unknown) */
	char *policy;	    /* display name */
	enum nf_base base;
	bool ipv6;
	bool nat;
	char ifname[16];
	struct nf_addr addr4, gw4, addr6, gw6; /* family 0 when absent */
	unsigned steps;
	uint64_t created;     /* unix seconds */
	bool overlay;	      /* the namespace was wired by someone else: no interface of ours */
	char *ns_handle;      /* J_NS_HANDLE: the bind mount that keeps the namespace reachable */
	char fingerprint[17]; /* of the policy as written: joiners must carry the same */
	char *member_of;      /* a member record: the owner's id (only id, ns, pid also set) */
	struct journal_member *members;
	size_t n_members;
	/* J_HOST_NFT: the boxes the container's elements in the host table's shared sets were
	 * made from, recorded before its batch, so that tear-down deletes exactly those. Order:
	 * JOURNAL_HOST_SETS. host_known false: a state of format 1 (the older host layout). */
	struct nf_boxset host[6];
	bool host_known;
	/* live DNS names: NULL for static mode, a policy without resolvers, or a member record */
	struct journal_dns *dns;
};

/* the sets of journal.host, in order */
#define JOURNAL_HOST_SETS                                                                          \
	{                                                                                          \
		"eg4", "eg6", "in4", "in6", "deny4", "deny6"                                       \
	}

int journal_write(const char *state_dir, const struct journal *j, struct nf_error *err);
/* -ENOENT (no error recorded) when there is no state for id. */
int journal_read(const char *state_dir, const char *id, struct journal **ret, struct nf_error *err);
int journal_remove(const char *state_dir, const char *id, struct nf_error *err);
void journal_free(struct journal *j);

/* Ids of every state file (malloc'd array of malloc'd strings). */
int journal_list(const char *state_dir, char ***ret, size_t *n, struct nf_error *err);

/* Take the state directory's lock, creating state_dir, waiting at most timeout_s seconds (the
 * host key lock_timeout); on timeout the error names the holder's pid. Returns the lock fd;
 * closing it (in every process sharing it) releases the lock. journal_lock waits the default. */
#define JOURNAL_LOCK_TIMEOUT 10
int journal_lock_timeout(const char *state_dir, unsigned timeout_s, struct nf_error *err);
int journal_lock(const char *state_dir, struct nf_error *err);
/* A process that inherited the lock (the background tear-down) notes itself as its holder. */
void journal_lock_note(const char *state_dir);

/* Is any container of this fence still alive (its pid runs, started at the same time, in the
 * same namespace)? For a member record: that member. */
bool journal_container_alive(const struct journal *j);
bool journal_member_alive(const struct journal_member *m, const struct netns_id *ns);

/* The entry of j's own container: its member entry in an owner record, else j's pid (a member
 * record). NULL when the owner record no longer lists its owner. Valid until j changes. */
const struct journal_member *journal_self(const struct journal *j, struct journal_member *buf);

/* Members: add (copying id) or remove by id. */
int journal_member_add(struct journal *j, const char *id, int pid, uint64_t pid_start);
void journal_member_remove(struct journal *j, const char *id);

/* The namespace index: which container owns the fence of a namespace. *ret = NULL when
 * none. */
int journal_index_get(const char *state_dir, const struct netns_id *ns, char **ret,
		      struct nf_error *err);
int journal_index_set(const char *state_dir, const struct netns_id *ns, const char *owner,
		      struct nf_error *err);
int journal_index_remove(const char *state_dir, const struct netns_id *ns, struct nf_error *err);

/* Open the namespace recorded in j if it still exists (same dev/inode): an fd, or -ENOENT. */
int journal_open_ns(const struct journal *j);

/* Start time of a pid from /proc/<pid>/stat (0 when unknown). */
uint64_t proc_start_time(int pid);

#endif
