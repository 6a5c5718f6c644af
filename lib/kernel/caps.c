/* netfence: least privilege (see caps.h): drops every capability a command no longer needs,
 * checks the drop took, and sets no_new_privs. The list of what set-up, tear-down and gc keep
 * lives here, each entry with the reason; status and validate keep their own, smaller lists. */
#define _GNU_SOURCE /* secure_getenv */
#include "caps.h"

#include <cap-ng.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "util.h"

/* The hook runs as uid 0: files under state_dir, /run and /proc/sys are owned by root, so the
 * owner's permission bits let it in without CAP_DAC_OVERRIDE; only capability checks remain. */
const int caps_fence[] = {
	/* setns(2) into the container's network namespace and back (to open netlink sockets
	 * there); bind-mounting the namespace handle under state_dir in overlay mode, and
	 * unmounting it at tear-down */
	CAP_SYS_ADMIN,
	/* rtnetlink (veth, addresses, routes, moving the peer into the namespace), nftables
	 * batches and counters, conntrack deletion; also writing net sysctls: ip_forward's
	 * handler checks it for itself, and a namespace a container's user namespace owns
	 * grants root's file mode only to it (net_ctl_permissions) */
	CAP_NET_ADMIN,
	/* opening /proc/<pid>/ns/net (ptrace_may_access) of the container's process, and gc's
	 * check that a recorded pid still holds the namespace: runc init is not dumpable and
	 * holds capabilities this process has dropped, so uid 0 alone does not pass (EACCES),
	 * in a user namespace of the container's as well */
	CAP_SYS_PTRACE,
};
const size_t caps_fence_n = ARRAY_SIZE(caps_fence);

static int read_status(char *buf, size_t size)
{
	_cleanup_close_ int fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC);
	ssize_t len = fd < 0 ? -1 : read(fd, buf, size - 1);

	if (len <= 0)
		return len < 0 ? -errno : -EIO;
	buf[len] = '\0';
	return 0;
}

/* Capabilities are per thread: a drop made while another thread runs leaves that one whole. */
static int thread_count(void)
{
	char buf[4096], *p;
	int r = read_status(buf, sizeof(buf));

	if (r < 0)
		return r;
	p = strstr(buf, "\nThreads:");
	return p ? atoi(p + strlen("\nThreads:")) : -EIO;
}

#ifdef NF_FAULT_INJECTION
/* Test build only: append the capability lines of /proc/self/status to $NETFENCE_CAPS_OUT. */
static void caps_debug_dump(void)
{
	static const char *const keys[] = { "CapInh:", "CapPrm:", "CapEff:",
					    "CapBnd:", "CapAmb:", "NoNewPrivs:" };
	const char *out = secure_getenv("NETFENCE_CAPS_OUT");
	_cleanup_close_ int fd = -1;
	char buf[8192], *save = NULL;

	if (!out || read_status(buf, sizeof(buf)) < 0)
		return;
	fd = open(out, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return;
	for (char *line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		for (size_t i = 0; i < ARRAY_SIZE(keys); i++)
			if (strncmp(line, keys[i], strlen(keys[i])) == 0) {
				(void)nf_write_all(fd, line, strlen(line));
				(void)nf_write_all(fd, "\n", 1);
			}
}
#else
static void caps_debug_dump(void)
{
}
#endif

static bool wanted(const int *keep, size_t n, int cap)
{
	for (size_t i = 0; i < n; i++)
		if (keep[i] == cap)
			return true;
	return false;
}

/* Read the sets back: effective == permitted == the kept ones, nothing inheritable (so nothing
 * ambient either: the kernel keeps ambient within inheritable), and an empty bounding set when
 * it could be emptied. */
static int caps_check(const bool *kept, int last, bool bounds, struct nf_error *err)
{
	if (capng_get_caps_process() < 0)
		return nf_sys_err(err, errno, "capabilities: reading them back");
	for (int c = 0; c <= last; c++) {
		if (capng_have_capability(CAPNG_EFFECTIVE, (unsigned)c) != kept[c] ||
		    capng_have_capability(CAPNG_PERMITTED, (unsigned)c) != kept[c] ||
		    capng_have_capability(CAPNG_INHERITABLE, (unsigned)c) ||
		    (bounds && capng_have_capability(CAPNG_BOUNDING_SET, (unsigned)c)))
			return nf_sys_err(err, EPERM, "capabilities: %s still held after the drop",
					  capng_capability_to_name((unsigned)c));
	}
	return 0;
}

int caps_drop_to(const int *keep, size_t n, struct nf_error *err)
{
	bool kept[64] = { false };
	bool bounds;
	int last, r;

	r = thread_count();
	if (r < 0)
		return nf_sys_err(err, r, "capabilities: counting threads");
	if (r != 1)
		return nf_sys_err(err, EBUSY, "capabilities: %d threads running, cannot drop", r);

	if (capng_get_caps_process() < 0)
		return nf_sys_err(err, errno, "capabilities: reading them");
	/* the kernel's last capability: reading the bounding set past it is EINVAL */
	last = 0;
	while (last + 1 < (int)ARRAY_SIZE(kept) && prctl(PR_CAPBSET_READ, last + 1, 0, 0, 0) >= 0)
		last++;
	for (int c = 0; c <= last; c++)
		kept[c] = wanted(keep, n, c) && capng_have_capability(CAPNG_PERMITTED, (unsigned)c);
	/* emptying the bounding set takes CAP_SETPCAP, which goes with the rest just after */
	bounds = capng_have_capability(CAPNG_EFFECTIVE, CAP_SETPCAP);

	capng_clear(CAPNG_SELECT_ALL);
	for (int c = 0; c <= last; c++)
		if (kept[c] &&
		    capng_update(CAPNG_ADD, CAPNG_EFFECTIVE | CAPNG_PERMITTED, (unsigned)c) < 0)
			return nf_sys_err(err, EINVAL, "capabilities: keeping %s",
					  capng_capability_to_name((unsigned)c));
	/* libcap-ng returns its own negative step numbers: its errno is the reason */
	errno = 0;
	if (bounds && capng_apply(CAPNG_SELECT_BOUNDS) < 0)
		return nf_sys_err(err, errno ? errno : EPERM,
				  "capabilities: emptying the bounding set");
	errno = 0;
	if (capng_apply(CAPNG_SELECT_CAPS) < 0)
		return nf_sys_err(err, errno ? errno : EPERM, "capabilities: dropping");
	errno = 0;
	if (capng_apply(CAPNG_SELECT_AMBIENT) < 0)
		return nf_sys_err(err, errno ? errno : EPERM,
				  "capabilities: clearing the ambient set");
	r = caps_check(kept, last, bounds, err);
	if (r < 0)
		return r;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return nf_sys_err(err, errno, "prctl(PR_SET_NO_NEW_PRIVS)");
	caps_debug_dump();
	return 0;
}
