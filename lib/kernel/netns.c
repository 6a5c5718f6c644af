/* netfence: network namespace handles (see netns.h). Identifies a namespace by the device and
 * inode of its nsfs file, enters one with setns(2) for as long as it takes to open a socket, and
 * comes back; a failed way back aborts, since the hook must never go on in the wrong namespace. */
#define _GNU_SOURCE
#include "netns.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util.h"

#ifndef NS_GET_NSTYPE
#define NS_GET_NSTYPE _IO(0xb7, 0x3)
#endif

/* setns(2) changes the calling thread only: the namespace to come back to is the thread's. */
#define SELF_NETNS "/proc/thread-self/ns/net"

int netns_id_of_fd(int fd, struct netns_id *ret_id)
{
	struct stat st;

	if (fstat(fd, &st) < 0)
		return -errno;
	ret_id->dev = (uint64_t)st.st_dev;
	ret_id->ino = (uint64_t)st.st_ino;
	return 0;
}

/* Is fd a network namespace? NS_GET_NSTYPE (Linux 4.11) says so directly; before it, an nsfs
 * file is recognised by sharing the device of our own namespace file (the type stays unknown). */
static int check_netns(int fd, const char *path, struct nf_error *err)
{
	struct stat st, self;
	int type;

	type = ioctl(fd, NS_GET_NSTYPE);
	if (type >= 0) {
		if (type != CLONE_NEWNET)
			return nf_sys_err(err, EINVAL, "%s: not a network namespace", path);
		return 0;
	}
	if (errno != ENOTTY && errno != EINVAL)
		return nf_sys_err(err, errno, "%s: namespace type", path);
	if (fstat(fd, &st) < 0)
		return nf_sys_err(err, errno, "%s", path);
	if (stat(SELF_NETNS, &self) < 0)
		return nf_sys_err(err, errno, "%s", SELF_NETNS);
	if (st.st_dev != self.st_dev)
		return nf_sys_err(err, EINVAL, "%s: not a namespace file", path);
	return 0;
}

int netns_open(const char *path, struct netns_id *ret_id, struct nf_error *err)
{
	_cleanup_close_ int fd = -1;
	struct netns_id id;
	int r;

	/* No O_NOFOLLOW: /proc/<pid>/ns/net is a magic link. */
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return nf_sys_err(err, errno, "opening network namespace %s", path);
	r = check_netns(fd, path, err);
	if (r < 0)
		return r;
	r = netns_id_of_fd(fd, &id);
	if (r < 0)
		return nf_sys_err(err, r, "%s", path);
	if (ret_id)
		*ret_id = id;
	return steal_fd(&fd);
}

int netns_open_self(struct netns_id *ret_id, struct nf_error *err)
{
	return netns_open(SELF_NETNS, ret_id, err);
}

bool netns_same(const struct netns_id *a, const struct netns_id *b)
{
	return a->dev == b->dev && a->ino == b->ino;
}

int netns_is_self(const struct netns_id *id, struct nf_error *err)
{
	struct netns_id self;
	int fd = netns_open_self(&self, err);

	if (fd < 0)
		return fd;
	close(fd);
	return netns_same(id, &self);
}

int netns_enter(int nsfd, int *ret_back, struct nf_error *err)
{
	_cleanup_close_ int back = -1;

	back = open(SELF_NETNS, O_RDONLY | O_CLOEXEC);
	if (back < 0)
		return nf_sys_err(err, errno, "opening %s", SELF_NETNS);
	if (setns(nsfd, CLONE_NEWNET) < 0)
		return nf_sys_err(err, errno, "entering network namespace");
	*ret_back = steal_fd(&back);
	return 0;
}

void netns_return(int *back)
{
	if (*back < 0)
		return;
	if (setns(*back, CLONE_NEWNET) < 0) {
		/* Going on would act on the wrong namespace; nothing can be trusted now. */
		fprintf(stderr, "netfence: returning to the original network namespace: %m\n");
		abort();
	}
	close(*back);
	*back = -1;
}

int netns_socket(int nsfd, int domain, int type, int protocol, struct nf_error *err)
{
	int back = -1, fd, r;

	r = netns_enter(nsfd, &back, err);
	if (r < 0)
		return r;
	fd = socket(domain, type | SOCK_CLOEXEC, protocol);
	r = fd < 0 ? -errno : 0;
	netns_return(&back);
	if (r < 0)
		return nf_sys_err(err, r, "opening a socket in the network namespace");
	return fd;
}
