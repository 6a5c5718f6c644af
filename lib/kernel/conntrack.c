/* netfence: conntrack clean-up (see conntrack.h) over ctnetlink with libmnl. Dumps the table of
 * one family, picks the entries that name the address in either direction, and deletes them by
 * their original tuple, zone and id; libmnl's -1/errno is translated here. */
#include "conntrack.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libmnl/libmnl.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_conntrack.h>

#include "mnl.h"
#include "util.h"

#define CT_BUF_SIZE 65536 /* larger than any dump skb the kernel builds (32 KiB) */
#define CT_TUPLE_MAX 256  /* an encoded tuple is ~100 bytes */

struct ct_victim {
	uint8_t tuple[CT_TUPLE_MAX]; /* payload of CTA_TUPLE_ORIG, verbatim */
	uint16_t tuple_len;
	bool has_zone, has_id;
	uint16_t zone; /* network byte order, as dumped */
	uint32_t id;   /* likewise */
};

struct ct_dump {
	const struct nf_addr *addr;
	struct ct_victim *v;
	size_t n, cap;
	int error; /* -errno from the callback */
};

struct attr_table {
	const struct nlattr **tb;
	unsigned max;
};

static int collect_attr(const struct nlattr *attr, void *data)
{
	struct attr_table *t = data;
	unsigned type = mnl_attr_get_type(attr);

	if (type <= t->max)
		t->tb[type] = attr;
	return MNL_CB_OK;
}

static void parse_nested(const struct nlattr *nest, const struct nlattr **tb, unsigned max)
{
	struct attr_table t = { tb, max };

	memset(tb, 0, sizeof(*tb) * (max + 1));
	if (nest)
		mnl_attr_parse_nested(nest, collect_attr, &t);
}

static bool attr_is_addr(const struct nlattr *a, const struct nf_addr *addr)
{
	size_t len = (size_t)nf_addr_len(addr->family);

	return a && mnl_attr_get_payload_len(a) == len &&
	       memcmp(mnl_attr_get_payload(a), addr->a, len) == 0;
}

static bool tuple_names(const struct nlattr *tuple, const struct nf_addr *addr)
{
	const struct nlattr *tt[CTA_TUPLE_MAX + 1], *ip[CTA_IP_MAX + 1];
	bool v6 = addr->family == AF_INET6;

	parse_nested(tuple, tt, CTA_TUPLE_MAX);
	if (!tt[CTA_TUPLE_IP])
		return false;
	parse_nested(tt[CTA_TUPLE_IP], ip, CTA_IP_MAX);
	return attr_is_addr(ip[v6 ? CTA_IP_V6_SRC : CTA_IP_V4_SRC], addr) ||
	       attr_is_addr(ip[v6 ? CTA_IP_V6_DST : CTA_IP_V4_DST], addr);
}

static int dump_cb(const struct nlmsghdr *nlh, void *data)
{
	struct ct_dump *d = data;
	const struct nlattr *tb[CTA_MAX + 1] = { 0 };
	struct attr_table t = { tb, CTA_MAX };
	const struct nlattr *orig;
	struct ct_victim *v;

	if (mnl_attr_parse(nlh, sizeof(struct nfgenmsg), collect_attr, &t) < 0)
		return MNL_CB_OK;
	orig = tb[CTA_TUPLE_ORIG];
	if (!orig || !(tuple_names(orig, d->addr) || tuple_names(tb[CTA_TUPLE_REPLY], d->addr)))
		return MNL_CB_OK;
	if (mnl_attr_get_payload_len(orig) > CT_TUPLE_MAX)
		return MNL_CB_OK;
	if (d->n == d->cap) {
		size_t ncap = d->cap ? d->cap * 2 : 16;
		struct ct_victim *nv = reallocarray(d->v, ncap, sizeof(*nv));

		if (!nv) {
			d->error = -ENOMEM;
			return MNL_CB_ERROR;
		}
		d->v = nv;
		d->cap = ncap;
	}
	v = &d->v[d->n++];
	memset(v, 0, sizeof(*v));
	v->tuple_len = (uint16_t)mnl_attr_get_payload_len(orig);
	memcpy(v->tuple, mnl_attr_get_payload(orig), v->tuple_len);
	if (tb[CTA_ZONE] && mnl_attr_get_payload_len(tb[CTA_ZONE]) == 2) {
		v->has_zone = true;
		memcpy(&v->zone, mnl_attr_get_payload(tb[CTA_ZONE]), 2);
	}
	if (tb[CTA_ID] && mnl_attr_get_payload_len(tb[CTA_ID]) == 4) {
		v->has_id = true;
		memcpy(&v->id, mnl_attr_get_payload(tb[CTA_ID]), 4);
	}
	return MNL_CB_OK;
}

static struct nlmsghdr *ct_msg(char *buf, int type, uint16_t flags, int family, uint32_t seq)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct nfgenmsg *nfg;

	nlh->nlmsg_type = (NFNL_SUBSYS_CTNETLINK << 8) | type;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	nlh->nlmsg_seq = seq;
	nfg = mnl_nlmsg_put_extra_header(nlh, sizeof(*nfg));
	nfg->nfgen_family = (uint8_t)family;
	nfg->version = NFNETLINK_V0;
	nfg->res_id = 0;
	return nlh;
}

/* Read replies to seq until the dump ends or the ack arrives; -errno on a failure. */
static int ct_run(struct mnl_socket *nl, char *buf, uint32_t seq, mnl_cb_t cb, void *data)
{
	uint32_t portid = mnl_socket_get_portid(nl);
	int r;

	for (;;) {
		ssize_t n = mnl_socket_recvfrom(nl, buf, CT_BUF_SIZE);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		r = mnl_cb_run(buf, (size_t)n, seq, portid, cb, data);
		if (r == MNL_CB_STOP)
			return 0;
		if (r < 0)
			return errno ? -errno : -EIO;
	}
}

static int ct_delete(struct mnl_socket *nl, char *buf, int family, const struct ct_victim *v,
		     uint32_t seq)
{
	struct nlmsghdr *nlh = ct_msg(buf, IPCTNL_MSG_CT_DELETE, NLM_F_ACK, family, seq);

	mnl_attr_put(nlh, CTA_TUPLE_ORIG | NLA_F_NESTED, v->tuple_len, v->tuple);
	if (v->has_zone)
		mnl_attr_put(nlh, CTA_ZONE, sizeof(v->zone), &v->zone);
	/* The id pins the entry we saw: a new flow that reused the tuple since is left alone. */
	if (v->has_id)
		mnl_attr_put(nlh, CTA_ID, sizeof(v->id), &v->id);
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	return ct_run(nl, buf, seq, NULL, NULL);
}

int conntrack_flush_addr(const struct nf_addr *addr, struct nf_error *err)
{
	_cleanup_(mnl_socket_closep) struct mnl_socket *nl = NULL;
	_cleanup_free_ char *buf = NULL;
	struct ct_dump d = { .addr = addr };
	char text[INET6_ADDRSTRLEN] = "?";
	uint32_t seq = (uint32_t)time(NULL);
	int r, deleted = 0;

	if (addr->family != AF_INET && addr->family != AF_INET6)
		return nf_sys_err(err, EAFNOSUPPORT, "flushing conntrack entries");
	inet_ntop(addr->family, addr->a, text, sizeof(text));
	buf = malloc(CT_BUF_SIZE);
	if (!buf)
		return nf_sys_err(err, ENOMEM, "flushing conntrack entries of %s", text);
	nl = mnl_socket_open2(NETLINK_NETFILTER, SOCK_CLOEXEC);
	if (!nl && errno == EPROTONOSUPPORT) /* no netfilter netlink: no conntrack table */
		return 0;
	if (!nl)
		return nf_sys_err(err, errno, "flushing conntrack entries of %s: ctnetlink", text);
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0)
		return nf_sys_err(err, errno, "flushing conntrack entries of %s: ctnetlink", text);

	/* Collect first, delete after: deleting while the kernel walks the table can skip
	 * entries. */
	struct nlmsghdr *nlh = ct_msg(buf, IPCTNL_MSG_CT_GET, NLM_F_DUMP, addr->family, ++seq);
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0) {
		r = -errno;
		goto out;
	}
	r = ct_run(nl, buf, seq, dump_cb, &d);
	if (d.error)
		r = d.error;
	if (r == -EOPNOTSUPP) /* ctnetlink absent: nothing can be tracked */
		r = 0;
	if (r < 0)
		goto out;
	for (size_t i = 0; i < d.n; i++) {
		r = ct_delete(nl, buf, addr->family, &d.v[i], ++seq);
		if (r == -ENOENT) /* gone meanwhile (timed out, or the flow ended) */
			continue;
		if (r < 0)
			goto out;
		deleted++;
	}
	r = deleted;
out:
	free(d.v);
	if (r < 0)
		return nf_sys_err(err, r, "flushing conntrack entries of %s", text);
	return r;
}
