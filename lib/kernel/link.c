/* netfence: links, addresses, routes and per-interface sysctls (see link.h), over rtnetlink with
 * libnl-route-3. Work inside a container's namespace goes through a netlink socket opened there
 * (setns in, connect, setns back), as iproute2 does; NLE_* codes are translated here. */
#define _GNU_SOURCE
#include "link.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/if_arp.h>
#include <linux/if_link.h>
#include <linux/ip.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <netlink/addr.h>
#include <netlink/cache.h>
#include <netlink/errno.h>
#include <netlink/netlink.h>
#include <netlink/socket.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/link/veth.h>
#include <netlink/route/nexthop.h>
#include <netlink/route/route.h>
#include <netlink/route/rtnl.h>

#include "netns.h"
#include "util.h"

#define CONTAINER_IFNAME "eth0"

NF_DEFINE_CLEANUP(struct nl_sock *, nl_socket_free) /* closes the socket too */
NF_DEFINE_CLEANUP(struct rtnl_link *, rtnl_link_put)
NF_DEFINE_CLEANUP(struct rtnl_addr *, rtnl_addr_put)
NF_DEFINE_CLEANUP(struct rtnl_route *, rtnl_route_put)
NF_DEFINE_CLEANUP(struct nl_addr *, nl_addr_put)
NF_DEFINE_CLEANUP(struct nl_cache *, nl_cache_free)
NF_DEFINE_CLEANUP(struct nl_msg *, nlmsg_free)

/* libnl folds kernel errnos into its own codes; map the ones callers act on back. */
static int nle_errno(int nle)
{
	/* pairs: libnl code, errno */
	static const int map[] = { NLE_EXIST,	     EEXIST,	   NLE_OBJ_NOTFOUND, ENOENT,
				   NLE_NODEV,	     ENODEV,	   NLE_PERM,	     EPERM,
				   NLE_NOACCESS,     EACCES,	   NLE_NOMEM,	     ENOMEM,
				   NLE_BUSY,	     EBUSY,	   NLE_AGAIN,	     EAGAIN,
				   NLE_INTR,	     EINTR,	   NLE_INVAL,	     EINVAL,
				   NLE_RANGE,	     ERANGE,	   NLE_OPNOTSUPP,    EOPNOTSUPP,
				   NLE_AF_NOSUPPORT, EAFNOSUPPORT, NLE_NOADDR,	     EADDRNOTAVAIL,
				   NLE_MSGSIZE,	     EMSGSIZE,	   NLE_BAD_SOCK,     EBADF };

	for (size_t i = 0; i < ARRAY_SIZE(map); i += 2)
		if (map[i] == (nle < 0 ? -nle : nle))
			return map[i + 1];
	return EIO;
}

/* Record "<what>: <libnl's text>" and return the matching -errno. */
static int nl_err(struct nf_error *err, int nle, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int nl_err(struct nf_error *err, int nle, const char *fmt, ...)
{
	char what[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	nf_sys_err(err, 0, "%s: %s", what, nl_geterror(nle));
	return -nle_errno(nle);
}

static bool ifname_ok(const char *ifname)
{
	size_t len = strlen(ifname);

	return len > 0 && len < IFNAMSIZ && !strchr(ifname, '/') && strcmp(ifname, ".") != 0 &&
	       strcmp(ifname, "..") != 0;
}

/* A rtnetlink socket in netns_fd (-1: the current namespace). */
static int rtnl_open(int netns_fd, struct nl_sock **ret, struct nf_error *err)
{
	_cleanup_(nl_socket_freep) struct nl_sock *sk = NULL;
	int back = -1, r;

	sk = nl_socket_alloc();
	if (!sk)
		return nf_sys_err(err, ENOMEM, "allocating a netlink socket");
	if (netns_fd >= 0) {
		r = netns_enter(netns_fd, &back, err);
		if (r < 0)
			return r;
	}
	r = nl_connect(sk, NETLINK_ROUTE);
	netns_return(&back);
	if (r < 0)
		return nl_err(err, r, "opening a rtnetlink socket");
	*ret = steal_pointer(&sk);
	return 0;
}

/* The ifindex of ifname, by a targeted RTM_GETLINK (no cache). */
static int get_ifindex(struct nl_sock *sk, const char *ifname, struct nf_error *err)
{
	_cleanup_(rtnl_link_putp) struct rtnl_link *link = NULL;
	int r;

	r = rtnl_link_get_kernel(sk, 0, ifname, &link);
	if (r < 0)
		return nl_err(err, r, "looking up interface %s", ifname);
	return rtnl_link_get_ifindex(link);
}

/*
 * The host end's IPv4 settings, carried by the message that brings it up: ARP replies only for
 * an address of the incoming interface and only to a sender on that address's subnet (the /31:
 * the container's own address, so a container maps no other host address and the host learns
 * no neighbour but it), ARP requests that name the host end's own address as sender, and no
 * ICMP redirects taken. Per interface: the host's `all` and `default` stay as they are.
 */
static const struct {
	uint16_t id;
	uint32_t value;
} host_inet_conf[] = {
	{ IPV4_DEVCONF_ARP_IGNORE, 2 },
	{ IPV4_DEVCONF_ARP_ANNOUNCE, 2 },
	{ IPV4_DEVCONF_ACCEPT_REDIRECTS, 0 },
};

/* IFLA_AF_SPEC: for AF_INET, host_inet_conf (inet); for AF_INET6, no link-local address of
 * the kernel's making (gen_none). */
static int put_af_spec(struct nl_msg *msg, bool inet, bool gen_none)
{
	struct nlattr *spec, *af, *conf;

	spec = nla_nest_start(msg, IFLA_AF_SPEC);
	if (!spec)
		return -EMSGSIZE;
	if (inet) {
		af = nla_nest_start(msg, AF_INET);
		conf = af ? nla_nest_start(msg, IFLA_INET_CONF) : NULL;
		if (!conf)
			return -EMSGSIZE;
		for (size_t i = 0; i < ARRAY_SIZE(host_inet_conf); i++)
			if (nla_put_u32(msg, host_inet_conf[i].id, host_inet_conf[i].value) < 0)
				return -EMSGSIZE;
		nla_nest_end(msg, conf);
		nla_nest_end(msg, af);
	}
	if (gen_none) {
		af = nla_nest_start(msg, AF_INET6);
		if (!af || nla_put_u8(msg, IFLA_INET6_ADDR_GEN_MODE, IN6_ADDR_GEN_MODE_NONE) < 0)
			return -EMSGSIZE;
		nla_nest_end(msg, af);
	}
	nla_nest_end(msg, spec);
	return 0;
}

/* One RTM_NEWLINK addressed by name: up (and with it the host end's IPv4 settings, host_end),
 * or, up false, only the IPv6 address generation mode "none". The kernel applies flags before
 * IFLA_AF_SPEC, so the mode goes in a message of its own before the link is up. */
static int set_link(struct nl_sock *sk, const char *ifname, bool up, bool host_end,
		    struct nf_error *err)
{
	_cleanup_(nlmsg_freep) struct nl_msg *msg = NULL;
	struct ifinfomsg ifi = {
		.ifi_family = AF_UNSPEC,
		.ifi_flags = up ? IFF_UP : 0,
		.ifi_change = up ? IFF_UP : 0,
	};
	const char *what = up ? "bringing up" : "setting the IPv6 address mode of";
	int r;

	msg = nlmsg_alloc_simple(RTM_NEWLINK, 0);
	if (!msg)
		return nf_sys_err(err, ENOMEM, "%s %s", what, ifname);
	if (nlmsg_append(msg, &ifi, sizeof(ifi), NLMSG_ALIGNTO) < 0 ||
	    nla_put_string(msg, IFLA_IFNAME, ifname) < 0 ||
	    ((host_end || !up) && put_af_spec(msg, host_end, !up) < 0))
		return nf_sys_err(err, EMSGSIZE, "%s %s", what, ifname);
	r = nl_send_sync(sk, steal_pointer(&msg)); /* frees msg */
	if (r < 0)
		return nl_err(err, r, "%s %s", what, ifname);
	return 0;
}

void link_ll6(bool host_end, struct nf_addr *ret)
{
	*ret = (struct nf_addr){ .family = AF_INET6, .a = { 0xfe, 0x80, [15] = host_end ? 1 : 2 } };
}

static int build_addr(const struct nf_addr *a, int prefixlen, struct nl_addr **ret,
		      struct nf_error *err)
{
	struct nl_addr *na;

	na = nl_addr_build(a->family, a->a, (size_t)nf_addr_len(a->family));
	if (!na)
		return nf_sys_err(err, ENOMEM, "building an address");
	nl_addr_set_prefixlen(na, prefixlen);
	*ret = na;
	return 0;
}

/* Add a/plen to ifindex (plen 0: /31 or /127); IPv6 without duplicate address detection (the
 * /127 and the link-local address are ours alone and DAD would leave them tentative, unusable,
 * for a second). Replacing keeps a rerun idempotent. */
static int add_addr(struct nl_sock *sk, int ifindex, const char *ifname, const struct nf_addr *a,
		    int plen, struct nf_error *err)
{
	_cleanup_(rtnl_addr_putp) struct rtnl_addr *ra = NULL;
	_cleanup_(nl_addr_putp) struct nl_addr *local = NULL;
	char buf[INET6_ADDRSTRLEN];
	int r;

	if (plen == 0)
		plen = a->family == AF_INET6 ? 127 : 31;
	ra = rtnl_addr_alloc();
	if (!ra)
		return nf_sys_err(err, ENOMEM, "adding an address");
	r = build_addr(a, plen, &local, err);
	if (r < 0)
		return r;
	rtnl_addr_set_ifindex(ra, ifindex);
	rtnl_addr_set_family(ra, a->family);
	r = rtnl_addr_set_local(ra, local);
	if (r < 0)
		return nl_err(err, r, "adding an address");
	rtnl_addr_set_prefixlen(ra, plen);
	if (a->family == AF_INET6)
		rtnl_addr_set_flags(ra, IFA_F_NODAD);
	r = rtnl_addr_add(sk, ra, NLM_F_REPLACE);
	if (r < 0)
		return nl_err(err, r, "adding %s/%d to %s", nf_addr_str(a, buf, sizeof(buf)), plen,
			      ifname);
	return 0;
}

/* a/31 and, with ipv6, a6/127 and the end's fixed link-local address (link_ll6). */
static int add_addrs(struct nl_sock *sk, int ifindex, const char *ifname, const struct nf_addr *a,
		     const struct nf_addr *a6, bool ipv6, bool host_end, struct nf_error *err)
{
	struct nf_addr ll;
	int r = a ? add_addr(sk, ifindex, ifname, a, 0, err) : 0;

	if (r < 0 || !ipv6 || !a6)
		return r;
	link_ll6(host_end, &ll);
	r = add_addr(sk, ifindex, ifname, a6, 0, err);
	return r < 0 ? r : add_addr(sk, ifindex, ifname, &ll, 64, err);
}

static int add_default_route(struct nl_sock *sk, int ifindex, const struct nf_addr *gw,
			     struct nf_error *err)
{
	_cleanup_(rtnl_route_putp) struct rtnl_route *rt = NULL;
	_cleanup_(nl_addr_putp) struct nl_addr *dst = NULL, *via = NULL;
	struct nf_addr any = { .family = gw->family };
	struct rtnl_nexthop *nh;
	char buf[INET6_ADDRSTRLEN];
	int r;

	rt = rtnl_route_alloc();
	nh = rtnl_route_nh_alloc();
	if (!rt || !nh) {
		if (nh)
			rtnl_route_nh_free(nh);
		return nf_sys_err(err, ENOMEM, "adding a default route");
	}
	rtnl_route_nh_set_ifindex(nh, ifindex);
	rtnl_route_add_nexthop(rt, nh); /* rt owns nh now */
	r = build_addr(&any, 0, &dst, err);
	if (r < 0)
		return r;
	r = build_addr(gw, nf_addr_len(gw->family) * 8, &via, err);
	if (r < 0)
		return r;
	rtnl_route_nh_set_gateway(nh, via);
	rtnl_route_set_family(rt, (uint8_t)gw->family);
	rtnl_route_set_table(rt, RT_TABLE_MAIN);
	rtnl_route_set_protocol(rt, RTPROT_STATIC);
	rtnl_route_set_scope(rt, RT_SCOPE_UNIVERSE);
	rtnl_route_set_type(rt, RTN_UNICAST);
	r = rtnl_route_set_dst(rt, dst);
	if (r < 0)
		return nl_err(err, r, "adding a default route");
	r = rtnl_route_add(sk, rt, NLM_F_REPLACE);
	if (r < 0)
		return nl_err(err, r, "adding the default route via %s",
			      nf_addr_str(gw, buf, sizeof(buf)));
	return 0;
}

/* Open net/ipv6/conf/<ifname>/disable_ipv6 (in netns_fd when >= 0: /proc/sys/net belongs to the
 * namespace of whoever opens it) and write 1. A kernel without IPv6 has nothing to disable. */
static int disable_ipv6(int netns_fd, const char *ifname, struct nf_error *err)
{
	char path[PATH_MAX];
	_cleanup_close_ int fd = -1;
	int back = -1, r;

	snprintf(path, sizeof(path), "/proc/sys/net/ipv6/conf/%s/disable_ipv6", ifname);
	if (netns_fd >= 0) {
		r = netns_enter(netns_fd, &back, err);
		if (r < 0)
			return r;
	}
	fd = open(path, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
	r = fd < 0 ? -errno : 0;
	netns_return(&back);
	if (r == -ENOENT && access("/proc/sys/net/ipv6", F_OK) < 0)
		return 0;
	if (r >= 0)
		r = nf_write_all(fd, "1\n", 2);
	return r < 0 ? nf_sys_err(err, r, "disabling IPv6 on %s", ifname) : 0;
}

/*
 * The host end's IPv6 settings (IPv6 on), written before it comes up: no router advertisements,
 * redirects or address autoconfiguration taken from the container (whatever the host's
 * `default` says), and no link-local address of the kernel's making (it gets the fixed one of
 * link_ll6). IPv6 has no netlink form for the first three; one directory, looked up once.
 */
static int host_inet6_conf(const char *ifname, struct nf_error *err)
{
	static const char *const names[] = { "accept_ra", "accept_redirects", "autoconf",
					     "addr_gen_mode" };
	static const char values[] = "0001"; /* addr_gen_mode 1: none */
	char path[PATH_MAX];
	_cleanup_close_ int dfd = -1;
	int r;

	snprintf(path, sizeof(path), "/proc/sys/net/ipv6/conf/%s", ifname);
	dfd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (dfd < 0)
		return nf_sys_err(err, errno, "configuring IPv6 on %s", ifname);
	for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
		_cleanup_close_ int fd = openat(dfd, names[i], O_WRONLY | O_CLOEXEC | O_NOFOLLOW);

		r = fd < 0 ? -errno : nf_write_all(fd, &values[i], 1);
		if (r < 0)
			return nf_sys_err(err, r, "setting %s/%s to %c", path, names[i], values[i]);
	}
	return 0;
}

int link_veth_create(int netns_fd, const char *host_ifname, struct nf_error *err)
{
	_cleanup_(nl_socket_freep) struct nl_sock *sk = NULL;
	_cleanup_(rtnl_link_putp) struct rtnl_link *link = NULL, *old = NULL;
	struct rtnl_link *peer;
	int r;

	if (!ifname_ok(host_ifname))
		return nf_input_err(err, "veth: invalid interface name \"%s\"", host_ifname);
	r = rtnl_open(-1, &sk, err);
	if (r < 0)
		return r;
	link = rtnl_link_veth_alloc();
	if (!link)
		return nf_sys_err(err, ENOMEM, "creating veth %s", host_ifname);
	rtnl_link_set_name(link, host_ifname);
	peer = rtnl_link_veth_get_peer(link);
	rtnl_link_set_name(peer, CONTAINER_IFNAME);
	/* The peer is born in the container's namespace: it never exists on the host. */
	rtnl_link_set_ns_fd(peer, netns_fd);
	rtnl_link_put(peer); /* get_peer took a reference; link keeps its own */
	r = rtnl_link_add(sk, link, NLM_F_CREATE | NLM_F_EXCL);
	if (r == -NLE_EXIST) {
		if (rtnl_link_get_kernel(sk, 0, host_ifname, &old) >= 0)
			return nf_sys_err(err, EEXIST, "creating veth %s: %s already exists",
					  host_ifname, host_ifname);
		return nf_sys_err(err, EEXIST,
				  "creating veth %s: the container's namespace already has %s",
				  host_ifname, CONTAINER_IFNAME);
	}
	if (r < 0)
		return nl_err(err, r, "creating veth %s", host_ifname);
	return 0;
}

int link_host_configure(const char *ifname, const struct nf_addr *gw4, const struct nf_addr *gw6,
			bool ipv6, struct nf_error *err)
{
	_cleanup_(nl_socket_freep) struct nl_sock *sk = NULL;
	int ifindex, r;

	if (!ifname_ok(ifname))
		return nf_input_err(err, "invalid interface name \"%s\"", ifname);
	r = rtnl_open(-1, &sk, err);
	if (r < 0)
		return r;
	ifindex = get_ifindex(sk, ifname, err);
	if (ifindex < 0)
		return ifindex;
	/* Before the link is up, so it never gets a link-local address of the kernel's making
	 * (none at all with IPv6 off) or sends a packet. */
	r = ipv6 ? host_inet6_conf(ifname, err) : disable_ipv6(-1, ifname, err);
	if (r < 0)
		return r;
	r = add_addrs(sk, ifindex, ifname, gw4, gw6, ipv6, true, err);
	if (r < 0)
		return r;
	return set_link(sk, ifname, true, true, err);
}

int link_ns_configure(int netns_fd, const struct nf_addr *addr4, const struct nf_addr *gw4,
		      const struct nf_addr *addr6, const struct nf_addr *gw6, bool ipv6,
		      struct nf_error *err)
{
	_cleanup_(nl_socket_freep) struct nl_sock *sk = NULL;
	int ifindex, r;

	r = rtnl_open(netns_fd, &sk, err);
	if (r < 0)
		return r;
	r = set_link(sk, "lo", true, false, err);
	if (r < 0 || !addr4)
		return r;
	ifindex = get_ifindex(sk, CONTAINER_IFNAME, err);
	if (ifindex < 0)
		return ifindex;
	/* IPv6 off: none at all; on: the fixed link-local address only, the one source besides
	 * addr6 the host takes neighbour discovery from. */
	r = ipv6 ? set_link(sk, CONTAINER_IFNAME, false, false, err)
		 : disable_ipv6(netns_fd, CONTAINER_IFNAME, err);
	if (r < 0)
		return r;
	r = add_addrs(sk, ifindex, CONTAINER_IFNAME, addr4, addr6, ipv6, false, err);
	if (r >= 0)
		r = set_link(sk, CONTAINER_IFNAME, true, false, err);
	if (r >= 0 && gw4)
		r = add_default_route(sk, ifindex, gw4, err);
	if (r >= 0 && ipv6 && gw6)
		r = add_default_route(sk, ifindex, gw6, err);
	return r;
}

int link_delete(const char *ifname, struct nf_error *err)
{
	_cleanup_(nl_socket_freep) struct nl_sock *sk = NULL;
	_cleanup_(rtnl_link_putp) struct rtnl_link *link = NULL;
	int r;

	if (!ifname_ok(ifname))
		return nf_input_err(err, "invalid interface name \"%s\"", ifname);
	r = rtnl_open(-1, &sk, err);
	if (r < 0)
		return r;
	link = rtnl_link_alloc();
	if (!link)
		return nf_sys_err(err, ENOMEM, "deleting %s", ifname);
	rtnl_link_set_name(link, ifname);
	r = rtnl_link_delete(sk, link);
	if (r == -NLE_NODEV || r == -NLE_OBJ_NOTFOUND)
		return 0;
	if (r < 0)
		return nl_err(err, r, "deleting %s", ifname);
	return 0;
}

/* Devices the kernel creates in every namespace once the tunnel module is loaded; they carry
 * no traffic until configured, so a namespace holding only these is still fresh. */
static const struct {
	const char *name, *kind;
} fallback_devs[] = {
	{ "tunl0", "ipip" },	 { "sit0", "sit" },
	{ "ip6tnl0", "ip6tnl" }, { "gre0", "gre" },
	{ "gretap0", "gretap" }, { "erspan0", "erspan" },
	{ "ip_vti0", "vti" },	 { "ip6_vti0", "vti6" },
	{ "ip6gre0", "ip6gre" }, { "ip6erspan0", "ip6erspan" },
};

static bool is_tunnel_arptype(unsigned type)
{
	switch (type) {
	case ARPHRD_TUNNEL:
	case ARPHRD_TUNNEL6:
	case ARPHRD_SIT:
	case ARPHRD_IPGRE:
	case ARPHRD_IP6GRE:
	case ARPHRD_NONE:
		return true;
	default:
		return false;
	}
}

/* A fallback device: its name and kind both match, or (libnl without the kind) a tunnel
 * hardware type under a fallback name. A veth someone named "tunl0" does not pass. */
static bool is_fallback_dev(struct rtnl_link *link)
{
	const char *name = rtnl_link_get_name(link), *kind = rtnl_link_get_type(link);

	if (!name)
		return false;
	for (size_t i = 0; i < ARRAY_SIZE(fallback_devs); i++) {
		if (strcmp(name, fallback_devs[i].name) != 0)
			continue;
		if (kind)
			return strcmp(kind, fallback_devs[i].kind) == 0;
		return is_tunnel_arptype(rtnl_link_get_arptype(link));
	}
	return false;
}

static int dump_links(struct nl_sock *sk, struct nl_cache **ret, struct nf_error *err)
{
	int r = rtnl_link_alloc_cache(sk, AF_UNSPEC, ret);

	if (r < 0)
		return nl_err(err, r, "listing interfaces");
	return 0;
}

int link_ns_devices(int netns_fd, char (**ret)[IFNAMSIZ], size_t *n, struct nf_error *err)
{
	_cleanup_(nl_socket_freep) struct nl_sock *sk = NULL;
	_cleanup_(nl_cache_freep) struct nl_cache *cache = NULL;
	_cleanup_free_ char(*v)[IFNAMSIZ] = NULL;
	size_t cnt = 0;
	int r;

	*ret = NULL;
	*n = 0;
	r = rtnl_open(netns_fd, &sk, err);
	if (r < 0)
		return r;
	r = dump_links(sk, &cache, err);
	if (r < 0)
		return r;
	for (struct nl_object *o = nl_cache_get_first(cache); o; o = nl_cache_get_next(o)) {
		struct rtnl_link *link = (struct rtnl_link *)o;
		const char *name = rtnl_link_get_name(link);
		char(*g)[IFNAMSIZ];

		if (rtnl_link_get_arptype(link) == ARPHRD_LOOPBACK || is_fallback_dev(link))
			continue;
		g = realloc(v, (cnt + 1) * sizeof(*v));
		if (!g)
			return nf_sys_err(err, ENOMEM, "listing interfaces");
		v = g;
		snprintf(v[cnt++], IFNAMSIZ, "%s", name ? name : "?");
	}
	*ret = steal_pointer(&v);
	*n = cnt;
	return (int)cnt;
}

/* netfence's own host ends: "nf" and 12 lowercase hex digits (util.h nf_id_hex). Anything else
 * that merely starts with "nf" belongs to someone else. */
/* nf<hex>: a veth's host end; nfb<hex>: the ifb of its io.netfence.bandwidth (shape.c) */
static bool is_nf_ifname(const char *name)
{
	return name && strncmp(name, "nf", 2) == 0 &&
	       (nf_hex_ok(name + 2) || (name[2] == 'b' && nf_hex_ok(name + 3)));
}

static int prefix_cmp(const void *a, const void *b)
{
	const struct nf_prefix *x = a, *y = b;

	if (x->addr.family != y->addr.family)
		return x->addr.family - y->addr.family;
	int c = memcmp(x->addr.a, y->addr.a, sizeof(x->addr.a));
	if (c)
		return c;
	return (int)x->len - (int)y->len;
}

static bool skip_addr(const struct nf_addr *a)
{
	if (a->family == AF_INET)
		return a->a[0] == 127;
	static const uint8_t loop6[16] = { [15] = 1 };
	if (memcmp(a->a, loop6, 16) == 0)
		return true;
	return a->a[0] == 0xfe && (a->a[1] & 0xc0) == 0x80; /* fe80::/10, denied by policy */
}

static int push_prefix(struct nf_prefix **v, size_t *n, size_t *cap, const struct nf_addr *a,
		       int len)
{
	if (*n == *cap) {
		size_t ncap = *cap ? *cap * 2 : 16;
		struct nf_prefix *nv = reallocarray(*v, ncap, sizeof(**v));

		if (!nv)
			return -ENOMEM;
		*v = nv;
		*cap = ncap;
	}
	(*v)[*n] = (struct nf_prefix){ .addr = *a, .len = (uint8_t)len };
	nf_addr_mask(&(*v)[*n].addr, (unsigned)len);
	(*n)++;
	return 0;
}

static bool nl_to_nf_addr(struct nl_addr *na, struct nf_addr *ret)
{
	int family;

	if (!na)
		return false;
	family = nl_addr_get_family(na);
	if ((family != AF_INET && family != AF_INET6) ||
	    nl_addr_get_len(na) != (unsigned)nf_addr_len(family))
		return false;
	*ret = (struct nf_addr){ .family = family };
	memcpy(ret->a, nl_addr_get_binary_addr(na), (size_t)nf_addr_len(family));
	return true;
}

int link_host_prefixes(struct nf_prefix **ret, size_t *n, struct nf_error *err)
{
	_cleanup_(nl_socket_freep) struct nl_sock *sk = NULL;
	_cleanup_(nl_cache_freep) struct nl_cache *links = NULL, *addrs = NULL;
	_cleanup_free_ struct nf_prefix *v = NULL;
	size_t count = 0, cap = 0, out = 0;
	int r;

	r = rtnl_open(-1, &sk, err);
	if (r < 0)
		return r;
	r = dump_links(sk, &links, err);
	if (r < 0)
		return r;
	r = rtnl_addr_alloc_cache(sk, &addrs);
	if (r < 0)
		return nl_err(err, r, "listing addresses");
	for (struct nl_object *o = nl_cache_get_first(addrs); o; o = nl_cache_get_next(o)) {
		struct rtnl_addr *ra = (struct rtnl_addr *)o;
		_cleanup_(rtnl_link_putp) struct rtnl_link *link = NULL;
		struct nf_addr local, net;
		int plen = rtnl_addr_get_prefixlen(ra), width;

		link = rtnl_link_get(links, rtnl_addr_get_ifindex(ra));
		if (!link || (rtnl_link_get_flags(link) & IFF_LOOPBACK) ||
		    is_nf_ifname(rtnl_link_get_name(link)))
			continue;
		if (!nl_to_nf_addr(rtnl_addr_get_local(ra), &local) || skip_addr(&local))
			continue;
		width = nf_addr_len(local.family) * 8;
		if (push_prefix(&v, &count, &cap, &local, width) < 0)
			return nf_sys_err(err, ENOMEM, "listing addresses");
		/* The connected network: the peer's on a point-to-point address. A /0 would make
		 * the whole internet a "neighbour"; that is a misconfiguration, not a network. */
		net = local;
		nl_to_nf_addr(rtnl_addr_get_peer(ra), &net);
		if (plen <= 0 || plen >= width || net.family != local.family || skip_addr(&net))
			continue;
		if (push_prefix(&v, &count, &cap, &net, plen) < 0)
			return nf_sys_err(err, ENOMEM, "listing addresses");
	}
	if (count > 1)
		qsort(v, count, sizeof(*v), prefix_cmp);
	for (size_t i = 0; i < count; i++)
		if (out == 0 || prefix_cmp(&v[out - 1], &v[i]) != 0)
			v[out++] = v[i];
	*ret = steal_pointer(&v);
	*n = out;
	return 0;
}

int link_list_nf(char ***ret, size_t *n, struct nf_error *err)
{
	_cleanup_(nl_socket_freep) struct nl_sock *sk = NULL;
	_cleanup_(nl_cache_freep) struct nl_cache *cache = NULL;
	char **v = NULL;
	size_t count = 0;
	int r;

	r = rtnl_open(-1, &sk, err);
	if (r < 0)
		return r;
	r = dump_links(sk, &cache, err);
	if (r < 0)
		return r;
	v = calloc((size_t)nl_cache_nitems(cache) + 1, sizeof(*v));
	if (!v)
		return nf_sys_err(err, ENOMEM, "listing interfaces");
	for (struct nl_object *o = nl_cache_get_first(cache); o; o = nl_cache_get_next(o)) {
		const char *name = rtnl_link_get_name((struct rtnl_link *)o);

		if (!is_nf_ifname(name))
			continue;
		v[count] = strdup(name);
		if (!v[count]) {
			nf_strv_free(v, count);
			return nf_sys_err(err, ENOMEM, "listing interfaces");
		}
		count++;
	}
	*ret = v;
	*n = count;
	return 0;
}

/* "/proc/sys/<path>" for a relative path without ".." components. */
static int sysctl_path(const char *path, char *buf, size_t size, struct nf_error *err)
{
	if (path[0] == '/' || strstr(path, "..") || !path[0])
		return nf_input_err(err, "sysctl \"%s\": invalid name", path);
	if ((size_t)snprintf(buf, size, "/proc/sys/%s", path) >= size)
		return nf_input_err(err, "sysctl \"%s\": name too long", path);
	return 0;
}

int sysctl_read_int(const char *path, int *ret, struct nf_error *err)
{
	char full[PATH_MAX], buf[64], *end;
	_cleanup_close_ int fd = -1;
	ssize_t len;
	long v;
	int r;

	r = sysctl_path(path, full, sizeof(full), err);
	if (r < 0)
		return r;
	fd = open(full, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return nf_sys_err(err, errno, "reading %s", full);
	do
		len = read(fd, buf, sizeof(buf) - 1);
	while (len < 0 && errno == EINTR);
	if (len < 0)
		return nf_sys_err(err, errno, "reading %s", full);
	buf[len] = '\0';
	errno = 0;
	v = strtol(buf, &end, 10);
	if (errno || end == buf || (*end && *end != '\n') || v < INT_MIN || v > INT_MAX)
		return nf_sys_err(err, EINVAL, "reading %s: not an integer", full);
	*ret = (int)v;
	return 0;
}

int sysctl_write_int(const char *path, int value, struct nf_error *err)
{
	char full[PATH_MAX], buf[32];
	_cleanup_close_ int fd = -1;
	int len, r;

	r = sysctl_path(path, full, sizeof(full), err);
	if (r < 0)
		return r;
	fd = open(full, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return nf_sys_err(err, errno, "writing %s", full);
	len = snprintf(buf, sizeof(buf), "%d\n", value);
	r = nf_write_all(fd, buf, (size_t)len);
	if (r < 0)
		return nf_sys_err(err, r, "writing %s", full);
	return 0;
}
