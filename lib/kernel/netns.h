/* netfence: network namespaces: identifying them (device + inode), entering one to open a
 * socket and coming back (the way back is checked; failing it aborts: the hook must never go
 * on in the wrong namespace). */
#ifndef NF_NETNS_H
#define NF_NETNS_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "error.h"

struct netns_id {
	uint64_t dev;
	uint64_t ino;
};

/* Open a namespace file (/proc/<pid>/ns/net or a bind mount) O_RDONLY|O_CLOEXEC (no
 * O_NOFOLLOW: /proc ns links are magic links), check it is a network namespace, fill *ret_id. */
int netns_open(const char *path, struct netns_id *ret_id, struct nf_error *err);
/* The caller's own network namespace. */
int netns_open_self(struct netns_id *ret_id, struct nf_error *err);
int netns_id_of_fd(int fd, struct netns_id *ret_id);
bool netns_same(const struct netns_id *a, const struct netns_id *b);
/* 1: id is the caller's own network namespace (the host's, for the hook), 0: another one. */
int netns_is_self(const struct netns_id *id, struct nf_error *err);

/* Enter nsfd; *ret_back receives an fd of the namespace to return to. */
int netns_enter(int nsfd, int *ret_back, struct nf_error *err);
/* Return and close back; aborts the process if setns fails (never continue elsewhere). */
void netns_return(int *back);

/* Open a socket inside nsfd (setns in, socket, setns back). */
int netns_socket(int nsfd, int domain, int type, int protocol, struct nf_error *err);

#endif
