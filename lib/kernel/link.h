/* netfence: links, addresses, routes and per-interface sysctls over rtnetlink (libnl-route-3).
 * The veth is created with its peer directly in the container's namespace; no bridge. */
#ifndef NF_LINK_H
#define NF_LINK_H

#include <stdbool.h>
#include <stddef.h>

#include "addr.h"
#include "error.h"

/* Create veth host_ifname <-> "eth0", the peer placed directly in netns_fd. -EEXIST when
 * host_ifname exists (message says so). */
int link_veth_create(int netns_fd, const char *host_ifname, struct nf_error *err);

/* Host end: disable IPv6 on it unless ipv6; gw4/31 (and gw6/127 and link_ll6(true)/64, nodad,
 * when ipv6); up. Its own settings keep a container from mapping or steering the host: ARP
 * answered only for gw4 and only to the container's address, no ICMP redirects, and with ipv6
 * no router advertisements, autoconfiguration or kernel-made link-local address. */
int link_host_configure(const char *ifname, const struct nf_addr *gw4, const struct nf_addr *gw6,
			bool ipv6, struct nf_error *err);

/* The fixed IPv6 link-local address of the veth's host end (fe80::1) or container end
 * (fe80::2), each the end's only one: the host's rules name the container's, so the host keeps
 * at most two neighbour entries per container. */
void link_ll6(bool host_end, struct nf_addr *ret);

/* Inside netns_fd: lo up; when addr4 is set: eth0 gets addr4/31, disable_ipv6 unless ipv6,
 * addr6/127 and link_ll6(false)/64 nodad (no other link-local) when ipv6, up, default routes
 * via gw4 (and gw6). addr4 NULL: lo only. */
int link_ns_configure(int netns_fd, const struct nf_addr *addr4, const struct nf_addr *gw4,
		      const struct nf_addr *addr6, const struct nf_addr *gw6, bool ipv6,
		      struct nf_error *err);

/* Delete a link by name in the current namespace; absent is success. */
int link_delete(const char *ifname, struct nf_error *err);

/* Every interface of netns_fd besides loopback and the kernel's fallback tunnel devices (tunl0,
 * sit0, ip6tnl0, gre0, ...): a namespace with any is wired by someone else. A malloc'd array of
 * names; returns the count. */
int link_ns_devices(int netns_fd, char (**ret)[16], size_t *n, struct nf_error *err);

/* The current namespace's own addresses (each as a full-length prefix) and the prefixes of its
 * directly connected networks, loopback and nf* interfaces excluded. */
int link_host_prefixes(struct nf_prefix **ret, size_t *n, struct nf_error *err);

/* Names of every nf* link in the current namespace (host ends nf<hex>, ifb devices nfb<hex>) (malloc'd array of malloc'd strings). */
int link_list_nf(char ***ret, size_t *n, struct nf_error *err);

/* Read / write an integer sysctl under /proc/sys of the current namespace
 * (path relative to /proc/sys, e.g. "net/ipv4/ip_forward"). */
int sysctl_read_int(const char *path, int *ret, struct nf_error *err);
int sysctl_write_int(const char *path, int value, struct nf_error *err);

#endif
