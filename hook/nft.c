/* netfence: the nftables objects of docs/RULESET.md, built with libnftnl and sent with libmnl
 * as one batch per namespace per step, with extended acks on, every ack read and each error
 * mapped back to the object that caused it (the model is nftables' src/mnl.c). */
#define _GNU_SOURCE
#include "nft.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libmnl/libmnl.h>
#include <libnftnl/chain.h>
#include <libnftnl/common.h>
#include <libnftnl/expr.h>
#include <libnftnl/object.h>
#include <libnftnl/rule.h>
#include <libnftnl/set.h>
#include <libnftnl/table.h>
#include <libnftnl/udata.h>
#include <linux/if_ether.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nf_conntrack_tuple_common.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include "util.h"

/* nft's datatype ids (src/datatype.h), so that `nft list ruleset` shows typed keys. A
 * concatenation's id is its members' ids, 6 bits each, first member highest. */
#define TYPE_VERDICT 1
#define TYPE_IPADDR 7
#define TYPE_IP6ADDR 8
#define TYPE_INET_PROTOCOL 12
#define TYPE_INET_SERVICE 13
#define TYPE_IFNAME 41
#define CONCAT2(a, b) (((a) << 6) | (b))
#define CONCAT3(a, b, c) (((((a) << 6) | (b)) << 6) | (c))

/* conntrack state bits as the ct expression reports them (NF_CT_STATE_BIT). */
#define CT_INVALID 1u
#define CT_ESTABLISHED 2u
#define CT_RELATED 4u
#define CT_NEW 8u

#define ELEMS_PER_MSG 512	/* keeps one NEWSETELEM well under the 64 KiB nest limit */
#define MSG_ROOM (128u * 1024u) /* free space guaranteed before building a message */
#define PRIO_SRCNAT 100
/* the host's own addresses and connected networks (internet): shared by every container's
 * chains in the host table; in a pod's namespace, that table's own copies */
#define HOSTNET4 "hostnet4"
#define HOSTNET6 "hostnet6"

NF_DEFINE_CLEANUP(struct mnl_socket *, mnl_socket_close)
#define _cleanup_mnl_ _cleanup_(mnl_socket_closep)

NF_DEFINE_CLEANUP(struct nftnl_rule *, nftnl_rule_free)

/* ---- the batch: one growing buffer, a description per message for error mapping ---- */

struct msgdesc {
	char what[160];
	size_t off;		    /* of the message in buf */
	const struct nf_box *boxes; /* element messages: boxes[0..count) went into it */
	size_t count;
	int family;
};

struct batch {
	char *buf;
	size_t len, cap;
	uint32_t seq0, seq, set_id;
	struct msgdesc *d;
	size_t n_d, cap_d;
	bool oom;
	uint8_t family; /* of the messages added next: one batch may hold inet and netdev */
};

static void batch_free(struct batch *b)
{
	free(b->buf);
	free(b->d);
	memset(b, 0, sizeof(*b));
}

/* Room for the next message; NULL (and b->oom) when memory runs out. */
static char *batch_room(struct batch *b)
{
	if (b->oom)
		return NULL;
	if (b->cap - b->len < MSG_ROOM) {
		size_t ncap = b->cap ? b->cap * 2 : 4 * MSG_ROOM;
		char *nb = realloc(b->buf, ncap);

		if (!nb) {
			b->oom = true;
			return NULL;
		}
		memset(nb + b->cap, 0, ncap - b->cap);
		b->buf = nb;
		b->cap = ncap;
	}
	if (b->n_d == b->cap_d) {
		size_t ncap = b->cap_d ? b->cap_d * 2 : 64;
		struct msgdesc *nd = realloc(b->d, ncap * sizeof(*nd));

		if (!nd) {
			b->oom = true;
			return NULL;
		}
		b->d = nd;
		b->cap_d = ncap;
	}
	return b->buf + b->len;
}

static struct msgdesc *batch_commit(struct batch *b, struct nlmsghdr *nlh, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static struct msgdesc *batch_commit(struct batch *b, struct nlmsghdr *nlh, const char *fmt, ...)
{
	struct msgdesc *d = &b->d[b->n_d++];
	uint16_t type;
	size_t len;
	va_list ap;

	d->off = b->len;
	d->boxes = NULL;
	d->count = 0;
	va_start(ap, fmt);
	vsnprintf(d->what, sizeof(d->what), fmt, ap);
	va_end(ap);
	/* the netdev table repeats the inet table's set names: say which table failed */
	len = strlen(d->what);
	type = NFNL_MSG_TYPE(nlh->nlmsg_type);
	if (b->family == NFPROTO_NETDEV && type != NFT_MSG_NEWTABLE && type != NFT_MSG_DELTABLE)
		snprintf(d->what + len, sizeof(d->what) - len, " (table netdev %s)", NF_TABLE);
	b->len += NLMSG_ALIGN(nlh->nlmsg_len);
	return d;
}

static void batch_start(struct batch *b)
{
	char *p;

	memset(b, 0, sizeof(*b));
	b->family = NFPROTO_INET;
	b->seq0 = (uint32_t)time(NULL) << 8;
	b->seq = b->seq0;
	p = batch_room(b);
	if (p)
		batch_commit(b, nftnl_batch_begin(p, b->seq++), "batch begin");
}

static void batch_finish(struct batch *b)
{
	char *p = batch_room(b);

	if (p)
		batch_commit(b, nftnl_batch_end(p, b->seq++), "batch end");
}

static struct nlmsghdr *msg_hdr(struct batch *b, uint16_t type, uint16_t flags)
{
	char *p = batch_room(b);

	if (!p)
		return NULL;
	return nftnl_nlmsg_build_hdr(p, type, b->family, flags | NLM_F_ACK, b->seq++);
}

/* ---- netlink plumbing ---- */

static int nl_open(struct mnl_socket **ret, struct nf_error *err)
{
	_cleanup_mnl_ struct mnl_socket *nl = NULL;
	int one = 1;

	nl = mnl_socket_open2(NETLINK_NETFILTER, SOCK_CLOEXEC);
	if (!nl)
		return nf_sys_err(err, errno, "opening a netfilter netlink socket");
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0)
		return nf_sys_err(err, errno, "binding a netfilter netlink socket");
	/* Extended acks name the failing attribute and carry the kernel's message; capped acks
	 * keep an error from echoing a 64 KiB element message back. */
	if (mnl_socket_setsockopt(nl, NETLINK_EXT_ACK, &one, sizeof(one)) < 0 ||
	    mnl_socket_setsockopt(nl, NETLINK_CAP_ACK, &one, sizeof(one)) < 0)
		return nf_sys_err(err, errno, "setting netlink ack options");
	*ret = steal_pointer(&nl);
	return 0;
}

/* The host namespace's socket lives until the process exits: closing a netfilter socket right
 * after a batch that deleted objects waits for the kernel's deferred destruction of them (an
 * RCU grace period, ~10 ms here), while by exit that work has long finished. */
static struct mnl_socket *host_nl;

static int nl_host(struct mnl_socket **ret, struct nf_error *err)
{
	if (!host_nl) {
		int r = nl_open(&host_nl, err);

		if (r < 0)
			return r;
	}
	*ret = host_nl;
	return 0;
}

/* A container namespace's socket after its batch: kept open until the next one is parked or the
 * process exits, for the reason nl_host() gives (a batch that deleted objects). */
static struct mnl_socket *parked_nl;

static void nl_park(struct mnl_socket **nl)
{
	if (parked_nl)
		mnl_socket_close(parked_nl);
	parked_nl = steal_pointer(nl);
}

/* A socket that lives in netns_fd's namespace: sockets keep the namespace they were made in. */
static int nl_open_in(int netns_fd, struct mnl_socket **ret, struct nf_error *err)
{
	_cleanup_close_ int self = -1;
	int r, e;

	self = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (self < 0)
		return nf_sys_err(err, errno, "opening /proc/thread-self/ns/net");
	if (setns(netns_fd, CLONE_NEWNET) < 0)
		return nf_sys_err(err, errno, "entering the container's network namespace");
	r = nl_open(ret, err);
	e = errno;
	if (setns(self, CLONE_NEWNET) < 0)
		abort(); /* continuing in the container's namespace would fence the wrong one */
	errno = e;
	return r;
}

struct ack_state {
	uint32_t seq0, seq_end;
	size_t n_acks;
	int error; /* first error, negative */
	uint32_t err_seq;
	uint32_t err_off; /* NLMSGERR_ATTR_OFFS, 0 when absent */
	char ext[256];
};

static void parse_ack(const struct nlmsghdr *nlh, struct ack_state *st)
{
	const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *a;
	size_t off;

	if (nlh->nlmsg_len < NLMSG_LENGTH(sizeof(*e)))
		return;
	st->n_acks++;
	if (e->error == 0 || st->error)
		return;
	st->error = e->error;
	st->err_seq = nlh->nlmsg_seq;
	st->err_off = 0;
	st->ext[0] = 0;
	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return;
	off = sizeof(*e);
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
		off += e->msg.nlmsg_len - sizeof(struct nlmsghdr);
	mnl_attr_for_each(a, nlh, off)
	{
		if (mnl_attr_get_type(a) == NLMSGERR_ATTR_MSG &&
		    mnl_attr_validate(a, MNL_TYPE_NUL_STRING) >= 0)
			snprintf(st->ext, sizeof(st->ext), "%s", mnl_attr_get_str(a));
		else if (mnl_attr_get_type(a) == NLMSGERR_ATTR_OFFS &&
			 mnl_attr_validate(a, MNL_TYPE_U32) >= 0)
			st->err_off = mnl_attr_get_u32(a);
	}
}

/* Size the socket buffers for this batch: the kernel takes a batch in one skb, so the send
 * buffer must hold it whole, and every ack must fit in the receive buffer at once. */
static void nl_size_buffers(struct mnl_socket *nl, size_t send_len, size_t n_acks)
{
	int fd = mnl_socket_get_fd(nl);
	int snd = (int)(send_len + 65536), rcv = (int)(n_acks * 2048 + 262144);

	if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &snd, sizeof(snd)) < 0)
		(void)setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &snd, sizeof(snd));
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcv, sizeof(rcv)) < 0)
		(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcv, sizeof(rcv));
}

/* Name the element an error offset points at, from the message we sent. */
static void describe_element(const struct msgdesc *d, const char *msg, uint32_t off, char *out,
			     size_t size)
{
	const struct nlmsghdr *nlh = (const struct nlmsghdr *)msg;
	const struct nlattr *a, *e;
	size_t i = 0;

	out[0] = 0;
	if (!d->boxes || off == 0)
		return;
	mnl_attr_for_each(a, nlh, sizeof(struct nfgenmsg))
	{
		if (mnl_attr_get_type(a) != NFTA_SET_ELEM_LIST_ELEMENTS)
			continue;
		mnl_attr_for_each_nested(e, a)
		{
			size_t start = (const char *)e - msg;

			if (off >= start && off < start + mnl_attr_get_len(e) && i < d->count) {
				const struct nf_box *x = &d->boxes[i];
				char lo[64], hi[64];

				inet_ntop(d->family, x->lo, lo, sizeof(lo));
				inet_ntop(d->family, x->hi, hi, sizeof(hi));
				snprintf(out, size, " (element %s-%s . %u-%u . %u-%u)", lo, hi,
					 x->proto_lo, x->proto_hi, x->port_lo, x->port_hi);
				return;
			}
			i++;
		}
	}
}

static int batch_send(struct mnl_socket *nl, struct batch *b, struct nf_error *err)
{
	_cleanup_free_ char *rbuf = NULL;
	size_t rsize = 1 << 16, expected = b->n_d - 2;
	struct ack_state st = { .seq0 = b->seq0, .seq_end = b->seq };
	int fd = mnl_socket_get_fd(nl);

	if (b->oom)
		return nf_sys_err(err, ENOMEM, "building the nftables batch");
	nl_size_buffers(nl, b->len, expected);
	if (mnl_socket_sendto(nl, b->buf, b->len) < 0)
		return nf_sys_err(err, errno, "sending the nftables batch (%zu bytes)", b->len);
	rbuf = malloc(rsize);
	if (!rbuf)
		return nf_sys_err(err, ENOMEM, "reading nftables acks");
	/* The kernel handles a batch inside sendmsg: every ack is queued by now. */
	while (st.n_acks < expected) {
		ssize_t n = recv(fd, rbuf, rsize, MSG_DONTWAIT);
		const struct nlmsghdr *nlh;
		int len;

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		if (n < 0)
			return nf_sys_err(err, errno, "reading nftables acks");
		len = (int)n;
		for (nlh = (const struct nlmsghdr *)rbuf; mnl_nlmsg_ok(nlh, len);
		     nlh = mnl_nlmsg_next(nlh, &len))
			if (nlh->nlmsg_type == NLMSG_ERROR &&
			    nlh->nlmsg_seq - st.seq0 < st.seq_end - st.seq0)
				parse_ack(nlh, &st);
	}
	if (st.error) {
		uint32_t i = st.err_seq - b->seq0;
		char elem[200] = "";
		const char *what = i < b->n_d ? b->d[i].what : "nftables batch";

		if (i < b->n_d)
			describe_element(&b->d[i], b->buf + b->d[i].off, st.err_off, elem,
					 sizeof(elem));
		if (st.ext[0])
			return nf_sys_err(err, st.error, "%s%s: %s", what, elem, st.ext);
		return nf_sys_err(err, st.error, "%s%s", what, elem);
	}
	if (st.n_acks < expected)
		return nf_sys_err(err, EIO, "nftables batch: %zu of %zu messages acknowledged",
				  st.n_acks, expected);
	return 0;
}

/* ---- objects ---- */

static void add_table(struct batch *b, uint16_t type, uint16_t flags)
{
	struct nlmsghdr *nlh = msg_hdr(b, type, flags);

	if (!nlh)
		return;
	mnl_attr_put_strz(nlh, NFTA_TABLE_NAME, NF_TABLE);
	batch_commit(b, nlh, "%s %s %s", type == NFT_MSG_DELTABLE ? "deleting table" : "table",
		     b->family == NFPROTO_NETDEV ? "netdev" : "inet", NF_TABLE);
}

static void add_chain(struct batch *b, const char *name, int hook, int prio, const char *type,
		      int policy)
{
	struct nftnl_chain *c = nftnl_chain_alloc();
	struct nlmsghdr *nlh;

	if (!c) {
		b->oom = true;
		return;
	}
	nftnl_chain_set_str(c, NFTNL_CHAIN_TABLE, NF_TABLE);
	nftnl_chain_set_str(c, NFTNL_CHAIN_NAME, name);
	if (hook >= 0) {
		nftnl_chain_set_u32(c, NFTNL_CHAIN_HOOKNUM, (uint32_t)hook);
		nftnl_chain_set_s32(c, NFTNL_CHAIN_PRIO, prio);
		nftnl_chain_set_str(c, NFTNL_CHAIN_TYPE, type);
		nftnl_chain_set_u32(c, NFTNL_CHAIN_POLICY, (uint32_t)policy);
	}
	nlh = msg_hdr(b, NFT_MSG_NEWCHAIN, NLM_F_CREATE | NLM_F_EXCL);
	if (nlh) {
		nftnl_chain_nlmsg_build_payload(nlh, c);
		batch_commit(b, nlh, "chain %s", name);
	}
	nftnl_chain_free(c);
}

/* A base chain of the netdev table on one device's egress hook, priority 0, policy accept. */
static void add_egress_chain(struct batch *b, const char *name, const char *dev)
{
	struct nftnl_chain *c = nftnl_chain_alloc();
	struct nlmsghdr *nlh;

	if (!c) {
		b->oom = true;
		return;
	}
	nftnl_chain_set_str(c, NFTNL_CHAIN_TABLE, NF_TABLE);
	nftnl_chain_set_str(c, NFTNL_CHAIN_NAME, name);
	nftnl_chain_set_u32(c, NFTNL_CHAIN_HOOKNUM, NF_NETDEV_EGRESS);
	nftnl_chain_set_s32(c, NFTNL_CHAIN_PRIO, 0);
	nftnl_chain_set_str(c, NFTNL_CHAIN_TYPE, "filter");
	nftnl_chain_set_u32(c, NFTNL_CHAIN_POLICY, NF_ACCEPT);
	nftnl_chain_set_str(c, NFTNL_CHAIN_DEV, dev);
	nlh = msg_hdr(b, NFT_MSG_NEWCHAIN, NLM_F_CREATE | NLM_F_EXCL);
	if (nlh) {
		nftnl_chain_nlmsg_build_payload(nlh, c);
		batch_commit(b, nlh, "chain %s (hook egress, device \"%s\")", name, dev);
	}
	nftnl_chain_free(c);
}

/* key_fields: byte lengths of the concatenated fields (one entry: a plain key). nlflags:
 * NLM_F_CREATE alone leaves a set that exists as it is. */
static uint32_t add_set_flags(struct batch *b, const char *name, const uint8_t *fields, unsigned n,
			      uint32_t key_type, bool interval, bool vmap, uint16_t nlflags)
{
	struct nftnl_set *s = nftnl_set_alloc();
	struct nlmsghdr *nlh;
	uint32_t klen = 0, id = ++b->set_id, flags = 0;

	if (!s) {
		b->oom = true;
		return 0;
	}
	for (unsigned i = 0; i < n; i++)
		klen += n > 1 ? (fields[i] + 3u) & ~3u : fields[i];
	nftnl_set_set_str(s, NFTNL_SET_TABLE, NF_TABLE);
	nftnl_set_set_str(s, NFTNL_SET_NAME, name);
	nftnl_set_set_u32(s, NFTNL_SET_FAMILY, b->family);
	nftnl_set_set_u32(s, NFTNL_SET_ID, id);
	nftnl_set_set_u32(s, NFTNL_SET_KEY_LEN, klen);
	nftnl_set_set_u32(s, NFTNL_SET_KEY_TYPE, key_type);
	if (interval)
		flags |= NFT_SET_INTERVAL;
	if (n > 1) {
		flags |= NFT_SET_CONCAT;
		nftnl_set_set_data(s, NFTNL_SET_DESC_CONCAT, fields, n);
	}
	if (vmap) {
		/* nft reads ifname keys as host-endian strings only when told so. */
		struct nftnl_udata_buf *ud = nftnl_udata_buf_alloc(64);

		if (ud) {
			nftnl_udata_put_u32(ud, NFTNL_UDATA_SET_KEYBYTEORDER, 1);
			nftnl_set_set_data(s, NFTNL_SET_USERDATA, nftnl_udata_buf_data(ud),
					   nftnl_udata_buf_len(ud));
			nftnl_udata_buf_free(ud);
		}
		flags |= NFT_SET_MAP;
		nftnl_set_set_u32(s, NFTNL_SET_DATA_TYPE, NFT_DATA_VERDICT);
	}
	nftnl_set_set_u32(s, NFTNL_SET_FLAGS, flags);
	nlh = msg_hdr(b, NFT_MSG_NEWSET, nlflags);
	if (nlh) {
		nftnl_set_nlmsg_build_payload(nlh, s);
		batch_commit(b, nlh, "set %s", name);
	}
	nftnl_set_free(s);
	return id;
}

static uint32_t add_set(struct batch *b, const char *name, const uint8_t *fields, unsigned n,
			uint32_t key_type, bool interval, bool vmap)
{
	return add_set_flags(b, name, fields, n, key_type, interval, vmap,
			     NLM_F_CREATE | NLM_F_EXCL);
}

static void put_data(struct nlmsghdr *nlh, uint16_t type, const void *v, size_t len)
{
	struct nlattr *n = mnl_attr_nest_start(nlh, type);

	mnl_attr_put(nlh, NFTA_DATA_VALUE, len, v);
	mnl_attr_nest_end(nlh, n);
}

static struct nlmsghdr *elem_msg(struct batch *b, uint16_t type, const char *set, uint32_t id,
				 struct nlattr **ret_nest)
{
	struct nlmsghdr *nlh =
		msg_hdr(b, type, type == NFT_MSG_NEWSETELEM ? NLM_F_CREATE | NLM_F_EXCL : 0);

	if (!nlh)
		return NULL;
	mnl_attr_put_strz(nlh, NFTA_SET_ELEM_LIST_TABLE, NF_TABLE);
	mnl_attr_put_strz(nlh, NFTA_SET_ELEM_LIST_SET, set);
	if (id)
		mnl_attr_put_u32(nlh, NFTA_SET_ELEM_LIST_SET_ID, htonl(id));
	*ret_nest = mnl_attr_nest_start(nlh, NFTA_SET_ELEM_LIST_ELEMENTS);
	return nlh;
}

/* A concatenated key: address, protocol and (fields == 3) port, each padded to 4 bytes. */
static size_t box_key(const struct nf_box *x, int family, int fields, bool hi, uint8_t *key)
{
	size_t alen = (size_t)nf_addr_len(family), n = alen;

	memset(key, 0, 32);
	memcpy(key, hi ? x->hi : x->lo, alen);
	key[n] = hi ? x->proto_hi : x->proto_lo;
	n += 4;
	if (fields == 3) {
		uint16_t p = htons(hi ? x->port_hi : x->port_lo);

		memcpy(key + n, &p, 2);
		n += 4;
	}
	return n;
}

static void add_box_elems(struct batch *b, const char *set, uint32_t id, const struct nf_boxset *bs,
			  int family, int fields)
{
	for (size_t i = 0; i < bs->n; i += ELEMS_PER_MSG) {
		size_t end = i + ELEMS_PER_MSG < bs->n ? i + ELEMS_PER_MSG : bs->n;
		struct nlattr *list, *e;
		struct nlmsghdr *nlh = elem_msg(b, NFT_MSG_NEWSETELEM, set, id, &list);
		struct msgdesc *d;

		if (!nlh)
			return;
		for (size_t j = i; j < end; j++) {
			uint8_t key[32];
			size_t klen;

			e = mnl_attr_nest_start(nlh, NFTA_LIST_ELEM);
			klen = box_key(&bs->v[j], family, fields, false, key);
			put_data(nlh, NFTA_SET_ELEM_KEY, key, klen);
			box_key(&bs->v[j], family, fields, true, key);
			put_data(nlh, NFTA_SET_ELEM_KEY_END, key, klen);
			mnl_attr_nest_end(nlh, e);
		}
		mnl_attr_nest_end(nlh, list);
		d = batch_commit(b, nlh, "elements %zu-%zu of set %s", i, end - 1, set);
		d->boxes = bs->v + i;
		d->count = end - i;
		d->family = family;
	}
}

/* One element of a verdict map (chain != NULL: jump chain) or of a plain set. */
static void add_elem(struct batch *b, uint16_t type, const char *set, uint32_t id, const void *key,
		     size_t klen, const char *chain)
{
	struct nlattr *list, *e, *data, *verdict;
	struct nlmsghdr *nlh = elem_msg(b, type, set, id, &list);

	if (!nlh)
		return;
	e = mnl_attr_nest_start(nlh, NFTA_LIST_ELEM);
	put_data(nlh, NFTA_SET_ELEM_KEY, key, klen);
	if (chain && type == NFT_MSG_NEWSETELEM) {
		data = mnl_attr_nest_start(nlh, NFTA_SET_ELEM_DATA);
		verdict = mnl_attr_nest_start(nlh, NFTA_DATA_VERDICT);
		mnl_attr_put_u32(nlh, NFTA_VERDICT_CODE, htonl((uint32_t)NFT_JUMP));
		mnl_attr_put_strz(nlh, NFTA_VERDICT_CHAIN, chain);
		mnl_attr_nest_end(nlh, verdict);
		mnl_attr_nest_end(nlh, data);
	}
	mnl_attr_nest_end(nlh, e);
	mnl_attr_nest_end(nlh, list);
	batch_commit(b, nlh, "%s of set %s",
		     type == NFT_MSG_NEWSETELEM ? "element" : "deleting element", set);
}

static void del_named(struct batch *b, uint16_t type, const char *name)
{
	struct nlmsghdr *nlh = msg_hdr(b, type, 0);
	bool chain = type == NFT_MSG_DELCHAIN || type == NFT_MSG_DELRULE;

	if (!nlh)
		return;
	mnl_attr_put_strz(nlh, chain ? NFTA_CHAIN_TABLE : NFTA_SET_TABLE, NF_TABLE);
	mnl_attr_put_strz(nlh,
			  type == NFT_MSG_DELRULE ? NFTA_RULE_CHAIN
			  : chain		  ? NFTA_CHAIN_NAME
						  : NFTA_SET_NAME,
			  name);
	batch_commit(b, nlh, "%s %s %s", type == NFT_MSG_DELRULE ? "flushing" : "deleting",
		     chain ? "chain" : "set", name);
}

/* ---- rules ---- */

struct rb {
	struct batch *b;
	struct nftnl_rule *r;
	const char *chain;
	bool netdev; /* no nfproto there: families are told apart by ethertype */
};

static struct nftnl_expr *ex(struct rb *rb, const char *name)
{
	struct nftnl_expr *e;

	if (!rb->r)
		return NULL;
	e = nftnl_expr_alloc(name);
	if (!e) {
		rb->b->oom = true;
		return NULL;
	}
	nftnl_rule_add_expr(rb->r, e);
	return e;
}

static void rule_begin(struct rb *rb, struct batch *b, const char *chain)
{
	rb->b = b;
	rb->chain = chain;
	rb->netdev = b->family == NFPROTO_NETDEV;
	rb->r = nftnl_rule_alloc();
	if (!rb->r) {
		b->oom = true;
		return;
	}
	nftnl_rule_set_str(rb->r, NFTNL_RULE_TABLE, NF_TABLE);
	nftnl_rule_set_str(rb->r, NFTNL_RULE_CHAIN, chain);
	nftnl_rule_set_u32(rb->r, NFTNL_RULE_FAMILY, b->family);
}

static void rule_end(struct rb *rb, const char *label)
{
	_cleanup_(nftnl_rule_freep) struct nftnl_rule *r = steal_pointer(&rb->r);
	struct nlmsghdr *nlh;

	if (!r)
		return;
	nlh = msg_hdr(rb->b, NFT_MSG_NEWRULE, NLM_F_CREATE | NLM_F_APPEND);
	if (!nlh)
		return;
	nftnl_rule_nlmsg_build_payload(nlh, r);
	batch_commit(rb->b, nlh, "rule in chain %s: %s", rb->chain, label);
}

static void e_meta(struct rb *rb, uint32_t key, uint32_t dreg)
{
	struct nftnl_expr *e = ex(rb, "meta");

	if (!e)
		return;
	nftnl_expr_set_u32(e, NFTNL_EXPR_META_KEY, key);
	nftnl_expr_set_u32(e, NFTNL_EXPR_META_DREG, dreg);
}

static void e_ct(struct rb *rb, uint32_t key, uint32_t dreg)
{
	struct nftnl_expr *e = ex(rb, "ct");

	if (!e)
		return;
	nftnl_expr_set_u32(e, NFTNL_EXPR_CT_KEY, key);
	nftnl_expr_set_u32(e, NFTNL_EXPR_CT_DREG, dreg);
}

static void e_payload(struct rb *rb, uint32_t base, uint32_t off, uint32_t len, uint32_t dreg)
{
	struct nftnl_expr *e = ex(rb, "payload");

	if (!e)
		return;
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_BASE, base);
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_OFFSET, off);
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_LEN, len);
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_DREG, dreg);
}

static void e_cmp(struct rb *rb, uint32_t op, const void *data, uint32_t len)
{
	struct nftnl_expr *e = ex(rb, "cmp");

	if (!e)
		return;
	nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_SREG, NFT_REG_1);
	nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_OP, op);
	nftnl_expr_set(e, NFTNL_EXPR_CMP_DATA, data, len);
}

static void e_lookup(struct rb *rb, const char *set, uint32_t set_id, int dreg, bool invert)
{
	struct nftnl_expr *e = ex(rb, "lookup");

	if (!e)
		return;
	nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_SREG, NFT_REG32_00);
	nftnl_expr_set_str(e, NFTNL_EXPR_LOOKUP_SET, set);
	if (set_id)
		nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_SET_ID, set_id);
	if (dreg >= 0)
		nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_DREG, (uint32_t)dreg);
	if (invert)
		nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_FLAGS, NFT_LOOKUP_F_INV);
}

static void e_counter(struct rb *rb)
{
	ex(rb, "counter");
}

static void e_verdict(struct rb *rb, int verdict)
{
	struct nftnl_expr *e = ex(rb, "immediate");

	if (!e)
		return;
	nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_DREG, NFT_REG_VERDICT);
	nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_VERDICT, (uint32_t)verdict);
}

static void e_reject(struct rb *rb, uint32_t type, uint8_t code)
{
	struct nftnl_expr *e = ex(rb, "reject");

	if (!e)
		return;
	nftnl_expr_set_u32(e, NFTNL_EXPR_REJECT_TYPE, type);
	nftnl_expr_set_u8(e, NFTNL_EXPR_REJECT_CODE, code);
}

static void m_nfproto(struct rb *rb, uint8_t proto)
{
	e_meta(rb, NFT_META_NFPROTO, NFT_REG_1);
	e_cmp(rb, NFT_CMP_EQ, &proto, 1);
}

/* One address family. The netdev family has no nfproto; there both the frame's own ethertype
 * (what the receiver acts on) and skb->protocol (what nftables parses the network header as,
 * and which a packet socket chooses freely in sll_protocol) must agree. */
static void m_family(struct rb *rb, bool v6)
{
	uint16_t ethertype = htons(v6 ? ETH_P_IPV6 : ETH_P_IP);

	if (!rb->netdev) {
		m_nfproto(rb, v6 ? NFPROTO_IPV6 : NFPROTO_IPV4);
		return;
	}
	e_payload(rb, NFT_PAYLOAD_LL_HEADER, 12, 2, NFT_REG_1);
	e_cmp(rb, NFT_CMP_EQ, &ethertype, 2);
	e_meta(rb, NFT_META_PROTOCOL, NFT_REG_1);
	e_cmp(rb, NFT_CMP_EQ, &ethertype, 2);
}

static void m_l4proto(struct rb *rb, uint8_t proto)
{
	e_meta(rb, NFT_META_L4PROTO, NFT_REG_1);
	e_cmp(rb, NFT_CMP_EQ, &proto, 1);
}

static void m_ifname(struct rb *rb, uint32_t key, const char *name, size_t len)
{
	char buf[IFNAMSIZ] = { 0 };

	memcpy(buf, name, strnlen(name, IFNAMSIZ - 1));
	e_meta(rb, key, NFT_REG_1);
	e_cmp(rb, NFT_CMP_EQ, buf, (uint32_t)len);
}

static void m_ct_state(struct rb *rb, uint32_t mask)
{
	struct nftnl_expr *e;
	uint32_t zero = 0;

	e_ct(rb, NFT_CT_STATE, NFT_REG_1);
	e = ex(rb, "bitwise");
	if (e) {
		nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_SREG, NFT_REG_1);
		nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_DREG, NFT_REG_1);
		nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_LEN, 4);
		nftnl_expr_set(e, NFTNL_EXPR_BITWISE_MASK, &mask, 4);
		nftnl_expr_set(e, NFTNL_EXPR_BITWISE_XOR, &zero, 4);
	}
	e_cmp(rb, NFT_CMP_NEQ, &zero, 4);
}

/* ip/ip6 saddr (or daddr) != addr; no address at all: the family's every packet. */
static void m_saddr_not(struct rb *rb, const struct nf_addr *a, int family)
{
	bool v6 = family == AF_INET6;

	m_family(rb, v6);
	if (a->family != family)
		return;
	e_payload(rb, NFT_PAYLOAD_NETWORK_HEADER, v6 ? 8 : 12, v6 ? 16 : 4, NFT_REG_1);
	e_cmp(rb, NFT_CMP_NEQ, a->a, v6 ? 16 : 4);
}

/* ip daddr . meta l4proto [. th dport] loaded for a lookup (saddr: source address). */
static void m_concat(struct rb *rb, int family, bool saddr, bool port)
{
	bool v6 = family == AF_INET6;
	uint32_t off = v6 ? (saddr ? 8 : 24) : (saddr ? 12 : 16);

	m_family(rb, v6);
	e_payload(rb, NFT_PAYLOAD_NETWORK_HEADER, off, v6 ? 16 : 4, NFT_REG32_00);
	e_meta(rb, NFT_META_L4PROTO, NFT_REG32_00 + (v6 ? 4 : 1));
	if (port)
		e_payload(rb, NFT_PAYLOAD_TRANSPORT_HEADER, 2, 2, NFT_REG32_00 + (v6 ? 5 : 2));
}

/* ICMPv6 neighbour discovery (router/neighbour solicitation and advertisement, redirect). */
static void m_ndp(struct rb *rb, bool hop255)
{
	struct nftnl_expr *e;
	uint8_t lo = 133, hi = 137, hl = 255;

	m_nfproto(rb, NFPROTO_IPV6);
	m_l4proto(rb, IPPROTO_ICMPV6);
	if (hop255) {
		e_payload(rb, NFT_PAYLOAD_NETWORK_HEADER, 7, 1, NFT_REG_1);
		e_cmp(rb, NFT_CMP_EQ, &hl, 1);
	}
	e_payload(rb, NFT_PAYLOAD_TRANSPORT_HEADER, 0, 1, NFT_REG_1);
	e = ex(rb, "range");
	if (e) {
		nftnl_expr_set_u32(e, NFTNL_EXPR_RANGE_SREG, NFT_REG_1);
		nftnl_expr_set_u32(e, NFTNL_EXPR_RANGE_OP, NFT_RANGE_EQ);
		nftnl_expr_set(e, NFTNL_EXPR_RANGE_FROM_DATA, &lo, 1);
		nftnl_expr_set(e, NFTNL_EXPR_RANGE_TO_DATA, &hi, 1);
	}
}

/* The per-fence chains share their shape; these say which set and which verdict. */
struct fence_names {
	char eg4[32], eg6[32], in4[32], in6[32], deny4[32], deny6[32];
	uint32_t id_eg4, id_eg6, id_in4, id_in6, id_deny4, id_deny6;
	bool hostnet; /* internet: the host's addresses and networks (hostnet4/6) are denied */
	uint32_t id_hostnet4, id_hostnet6;
};

enum match_kind {
	MATCH_NONE,
	MATCH_NFPROTO6, /* every IPv6 packet */
	MATCH_DNS_TCP,
	MATCH_DNS_UDP,
	MATCH_DENY4,
	MATCH_DENY6,
	MATCH_HOSTNET4,
	MATCH_HOSTNET6,
};

static void add_match(struct rb *rb, enum match_kind m, const struct fence_names *n)
{
	uint16_t dns = htons(53);

	switch (m) {
	case MATCH_NONE:
		break;
	case MATCH_NFPROTO6:
		m_family(rb, true);
		break;
	case MATCH_DNS_TCP:
	case MATCH_DNS_UDP:
		m_l4proto(rb, m == MATCH_DNS_TCP ? IPPROTO_TCP : IPPROTO_UDP);
		e_payload(rb, NFT_PAYLOAD_TRANSPORT_HEADER, 2, 2, NFT_REG_1);
		e_cmp(rb, NFT_CMP_EQ, &dns, 2);
		break;
	case MATCH_DENY4:
		m_concat(rb, AF_INET, false, false);
		e_lookup(rb, n->deny4, n->id_deny4, -1, false);
		break;
	case MATCH_DENY6:
		m_concat(rb, AF_INET6, false, false);
		e_lookup(rb, n->deny6, n->id_deny6, -1, false);
		break;
	case MATCH_HOSTNET4:
	case MATCH_HOSTNET6:
		m_concat(rb, m == MATCH_HOSTNET6 ? AF_INET6 : AF_INET, false, false);
		e_lookup(rb, m == MATCH_HOSTNET6 ? HOSTNET6 : HOSTNET4,
			 m == MATCH_HOSTNET6 ? n->id_hostnet6 : n->id_hostnet4, -1, false);
		break;
	}
}

/* `reject...`: TCP gets a reset, everything else ICMP(v6) administratively prohibited. */
static void rules_reject(struct batch *b, const char *chain, enum match_kind m,
			 const struct fence_names *n, const char *label)
{
	struct rb rb;
	char what[96];

	if (m != MATCH_DNS_UDP) {
		rule_begin(&rb, b, chain);
		add_match(&rb, m, n);
		if (m != MATCH_DNS_TCP)
			m_l4proto(&rb, IPPROTO_TCP);
		e_counter(&rb);
		e_reject(&rb, NFT_REJECT_TCP_RST, 0);
		snprintf(what, sizeof(what), "%s reject with tcp reset", label);
		rule_end(&rb, what);
	}
	if (m != MATCH_DNS_TCP) {
		rule_begin(&rb, b, chain);
		add_match(&rb, m, n);
		e_counter(&rb);
		e_reject(&rb, NFT_REJECT_ICMPX_UNREACH, NFT_REJECT_ICMPX_ADMIN_PROHIBITED);
		snprintf(what, sizeof(what), "%s reject with icmpx admin-prohibited", label);
		rule_end(&rb, what);
	}
}

static void rule_simple(struct batch *b, const char *chain, int verdict, const char *label)
{
	struct rb rb;

	rule_begin(&rb, b, chain);
	e_counter(&rb);
	e_verdict(&rb, verdict);
	rule_end(&rb, label);
}

static void rule_ct(struct batch *b, const char *chain, uint32_t mask, int verdict,
		    const char *label)
{
	struct rb rb;

	rule_begin(&rb, b, chain);
	m_ct_state(&rb, mask);
	e_counter(&rb);
	e_verdict(&rb, verdict);
	rule_end(&rb, label);
}

static void rule_lookup(struct batch *b, const char *chain, int family, bool saddr, const char *set,
			uint32_t id, int verdict)
{
	struct rb rb;
	char what[96];

	rule_begin(&rb, b, chain);
	m_concat(&rb, family, saddr, true);
	e_lookup(&rb, set, id, -1, false);
	e_counter(&rb);
	e_verdict(&rb, verdict);
	snprintf(what, sizeof(what), "%s %s . meta l4proto . th dport @%s",
		 family == AF_INET6 ? "ip6" : "ip", saddr ? "saddr" : "daddr", set);
	rule_end(&rb, what);
}

static void rule_ndp(struct batch *b, const char *chain, bool hop255, int verdict)
{
	struct rb rb;

	rule_begin(&rb, b, chain);
	m_ndp(&rb, hop255);
	e_counter(&rb);
	e_verdict(&rb, verdict);
	rule_end(&rb, "icmpv6 neighbour discovery");
}

/* icmpv6 type 135-136 (neighbour solicitation, advertisement), after an ICMPv6 match. */
static void m_nd_ns_na(struct rb *rb)
{
	uint8_t ns = 135, na = 136;
	struct nftnl_expr *e;

	e_payload(rb, NFT_PAYLOAD_TRANSPORT_HEADER, 0, 1, NFT_REG_1);
	e = ex(rb, "range");
	if (e) {
		nftnl_expr_set_u32(e, NFTNL_EXPR_RANGE_SREG, NFT_REG_1);
		nftnl_expr_set_u32(e, NFTNL_EXPR_RANGE_OP, NFT_RANGE_EQ);
		nftnl_expr_set(e, NFTNL_EXPR_RANGE_FROM_DATA, &ns, 1);
		nftnl_expr_set(e, NFTNL_EXPR_RANGE_TO_DATA, &na, 1);
	}
}

/*
 * IPv6 neighbour discovery from the container to the host end (hin_, before anything else):
 * solicitations and advertisements (hop limit 255) from the container's own address or its
 * fixed link-local address only, so that the host's neighbour table holds at most those two
 * entries of it; router solicitations and advertisements, redirects, and neighbour discovery
 * from any other source are dropped before the host stack sees them (a router solicitation
 * creates a neighbour entry too, an advertisement routes and addresses).
 */
static void rules_ndp_from(struct batch *b, const char *chain, const struct nft_fence *f)
{
	const struct nf_addr *src[] = { &f->addr6, &f->ll6 };
	uint8_t hl = 255;
	struct rb rb;

	for (size_t i = 0; i < ARRAY_SIZE(src); i++) {
		if (src[i]->family != AF_INET6)
			continue;
		rule_begin(&rb, b, chain);
		m_nfproto(&rb, NFPROTO_IPV6);
		e_payload(&rb, NFT_PAYLOAD_NETWORK_HEADER, 8, 16, NFT_REG_1);
		e_cmp(&rb, NFT_CMP_EQ, src[i]->a, 16);
		m_l4proto(&rb, IPPROTO_ICMPV6);
		e_payload(&rb, NFT_PAYLOAD_NETWORK_HEADER, 7, 1, NFT_REG_1);
		e_cmp(&rb, NFT_CMP_EQ, &hl, 1);
		m_nd_ns_na(&rb);
		e_counter(&rb);
		e_verdict(&rb, NFT_RETURN);
		rule_end(&rb,
			 i == 0 ? "icmpv6 neighbour solicitation/advertisement from ip6 saddr"
				: "icmpv6 neighbour solicitation/advertisement from link-local");
	}
	rule_begin(&rb, b, chain);
	m_ndp(&rb, false);
	e_counter(&rb);
	e_verdict(&rb, NF_DROP);
	rule_end(&rb, "icmpv6 neighbour discovery otherwise");
}

/* Neighbour discovery to the container (in_): solicitations and advertisements only. */
static void rule_ndp_to(struct batch *b, const char *chain)
{
	struct rb rb;

	rule_begin(&rb, b, chain);
	m_nfproto(&rb, NFPROTO_IPV6);
	m_l4proto(&rb, IPPROTO_ICMPV6);
	m_nd_ns_na(&rb);
	e_counter(&rb);
	e_verdict(&rb, NFT_RETURN);
	rule_end(&rb, "icmpv6 neighbour solicitation/advertisement");
}

static void rule_antispoof(struct batch *b, const char *chain, const struct nft_fence *f)
{
	struct rb rb;

	rule_begin(&rb, b, chain);
	m_saddr_not(&rb, &f->addr4, AF_INET);
	e_counter(&rb);
	e_verdict(&rb, NF_DROP);
	rule_end(&rb, "ip saddr anti-spoofing");

	rule_begin(&rb, b, chain);
	if (f->ipv6)
		m_saddr_not(&rb, &f->addr6, AF_INET6);
	else
		m_nfproto(&rb, NFPROTO_IPV6);
	e_counter(&rb);
	e_verdict(&rb, NF_DROP);
	rule_end(&rb, f->ipv6 ? "ip6 saddr anti-spoofing" : "ipv6 off");
}

/* Conntrack's answer for the container's own traffic (issue 9, item 7). `established` as
 * before; `related` (ICMP errors, which may carry any payload) only when the flow they quote
 * has the container's own address at one end: the original source (a flow it opened) or the
 * reply source (a flow opened to it, DNAT or not). A flow forged from another address, or
 * someone else's flow on the host, never makes an error from the container related. Without
 * a known address (overlay mode) the namespace's anti-spoofing (rules_own_source) makes every
 * flow there one the container's own addresses opened or received. */
static void rules_ct_own(struct batch *b, const char *chain, const struct nft_fence *f, int verdict)
{
	static const uint8_t dirs[] = { IP_CT_DIR_ORIGINAL, IP_CT_DIR_REPLY };
	const struct nf_addr *own[] = { &f->addr4, f->ipv6 ? &f->addr6 : NULL };
	bool any = false;
	struct rb rb;

	rule_ct(b, chain, CT_ESTABLISHED, verdict, "ct state established");
	for (size_t i = 0; i < ARRAY_SIZE(own); i++) {
		bool v6 = i == 1;

		if (!own[i] || own[i]->family != (v6 ? AF_INET6 : AF_INET))
			continue;
		any = true;
		for (size_t d = 0; d < ARRAY_SIZE(dirs); d++) {
			struct nftnl_expr *e;
			char what[96];

			rule_begin(&rb, b, chain);
			m_ct_state(&rb, CT_RELATED);
			e = ex(&rb, "ct");
			if (e) {
				nftnl_expr_set_u32(e, NFTNL_EXPR_CT_KEY,
						   v6 ? NFT_CT_SRC_IP6 : NFT_CT_SRC_IP);
				nftnl_expr_set_u8(e, NFTNL_EXPR_CT_DIR, dirs[d]);
				nftnl_expr_set_u32(e, NFTNL_EXPR_CT_DREG, NFT_REG_1);
			}
			e_cmp(&rb, NFT_CMP_EQ, own[i]->a, v6 ? 16 : 4);
			e_counter(&rb);
			e_verdict(&rb, verdict);
			snprintf(what, sizeof(what),
				 "ct state related ct %s %s saddr (own address)",
				 d ? "reply" : "original", v6 ? "ip6" : "ip");
			rule_end(&rb, what);
		}
	}
	if (!any)
		rule_ct(b, chain, CT_RELATED, verdict, "ct state related");
}

/* The container namespace's anti-spoofing: a packet that would start a flow from an address
 * that is not the namespace's own (`fib saddr type local`) is dropped before conntrack can
 * confirm the flow, over loopback too. Packets of known flows are left to the rules that follow:
 * the reset or ICMP error that a `reject` sends on behalf of a blocked destination carries that
 * destination as its source and the rejected flow's conntrack (related). So is IPv6's
 * unspecified source (duplicate address detection). */
static void rules_own_source(struct batch *b, const char *chain)
{
	static const uint8_t unspec[16] = { 0 };
	uint32_t local = RTN_LOCAL, known = CT_ESTABLISHED | CT_RELATED, zero = 0;

	for (int v6 = 0; v6 <= 1; v6++) {
		struct nftnl_expr *e;
		struct rb rb;

		rule_begin(&rb, b, chain);
		m_nfproto(&rb, v6 ? NFPROTO_IPV6 : NFPROTO_IPV4);
		e_ct(&rb, NFT_CT_STATE, NFT_REG_1);
		e = ex(&rb, "bitwise");
		if (e) {
			nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_SREG, NFT_REG_1);
			nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_DREG, NFT_REG_1);
			nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_LEN, 4);
			nftnl_expr_set(e, NFTNL_EXPR_BITWISE_MASK, &known, 4);
			nftnl_expr_set(e, NFTNL_EXPR_BITWISE_XOR, &zero, 4);
		}
		e_cmp(&rb, NFT_CMP_EQ, &zero, 4);
		if (v6) {
			e_payload(&rb, NFT_PAYLOAD_NETWORK_HEADER, 8, 16, NFT_REG_1);
			e_cmp(&rb, NFT_CMP_NEQ, unspec, 16);
		}
		e = ex(&rb, "fib");
		if (e) {
			nftnl_expr_set_u32(e, NFTNL_EXPR_FIB_RESULT, NFT_FIB_RESULT_ADDRTYPE);
			nftnl_expr_set_u32(e, NFTNL_EXPR_FIB_FLAGS, NFTA_FIB_F_SADDR);
			nftnl_expr_set_u32(e, NFTNL_EXPR_FIB_DREG, NFT_REG_1);
		}
		e_cmp(&rb, NFT_CMP_NEQ, &local, sizeof(local));
		e_counter(&rb);
		e_verdict(&rb, NF_DROP);
		rule_end(&rb,
			 v6 ? "meta nfproto ipv6 ct state != established,related ip6 saddr != "
			      ":: fib saddr type != local drop"
			    : "meta nfproto ipv4 ct state != established,related fib saddr type "
			      "!= local drop");
	}
}

/* Egress tail shared by eg_<hex> and the container's output chain: allowed destinations,
 * DNS only to resolvers, then the internet deny list or the default reject. */
static void rules_egress(struct batch *b, const char *chain, const struct nft_fence *f,
			 const struct fence_names *n, int allow)
{
	rule_lookup(b, chain, AF_INET, false, n->eg4, n->id_eg4, allow);
	rule_lookup(b, chain, AF_INET6, false, n->eg6, n->id_eg6, allow);
	rules_reject(b, chain, MATCH_DNS_TCP, n, "tcp dport 53");
	rules_reject(b, chain, MATCH_DNS_UDP, n, "udp dport 53");
	if (f->base == NF_BASE_INTERNET) {
		rules_reject(b, chain, MATCH_DENY4, n, "ip daddr . meta l4proto @deny4");
		rules_reject(b, chain, MATCH_DENY6, n, "ip6 daddr . meta l4proto @deny6");
		if (n->hostnet) {
			rules_reject(b, chain, MATCH_HOSTNET4, n,
				     "ip daddr . meta l4proto @" HOSTNET4);
			rules_reject(b, chain, MATCH_HOSTNET6, n,
				     "ip6 daddr . meta l4proto @" HOSTNET6);
		}
		rule_simple(b, chain, allow, "internet allowed");
	} else {
		rules_reject(b, chain, MATCH_NONE, n, "default");
	}
}

static const uint8_t fields4[] = { 4, 1, 2 }, fields6[] = { 16, 1, 2 };

/* ingress false: the egress and deny sets only (the netdev table's copy). */
static void add_fence_sets(struct batch *b, const struct nft_fence *f, struct fence_names *n,
			   bool ingress)
{
	const uint32_t t4 = CONCAT3(TYPE_IPADDR, TYPE_INET_PROTOCOL, TYPE_INET_SERVICE);
	const uint32_t t6 = CONCAT3(TYPE_IP6ADDR, TYPE_INET_PROTOCOL, TYPE_INET_SERVICE);

	n->id_eg4 = add_set(b, n->eg4, fields4, 3, t4, true, false);
	n->id_eg6 = add_set(b, n->eg6, fields6, 3, t6, true, false);
	if (ingress) {
		n->id_in4 = add_set(b, n->in4, fields4, 3, t4, true, false);
		n->id_in6 = add_set(b, n->in6, fields6, 3, t6, true, false);
	}
	/* only the internet base looks them up; fewer sets keep the kernel's by-name lookups
	 * short in a host table that holds hundreds of containers */
	if (f->base == NF_BASE_INTERNET) {
		n->id_deny4 = add_set(b, n->deny4, fields4, 2,
				      CONCAT2(TYPE_IPADDR, TYPE_INET_PROTOCOL), true, false);
		n->id_deny6 = add_set(b, n->deny6, fields6, 2,
				      CONCAT2(TYPE_IP6ADDR, TYPE_INET_PROTOCOL), true, false);
	}
	add_box_elems(b, n->eg4, n->id_eg4, &f->eg4, AF_INET, 3);
	add_box_elems(b, n->eg6, n->id_eg6, &f->eg6, AF_INET6, 3);
	if (ingress) {
		add_box_elems(b, n->in4, n->id_in4, &f->in4, AF_INET, 3);
		add_box_elems(b, n->in6, n->id_in6, &f->in6, AF_INET6, 3);
	}
	if (f->base == NF_BASE_INTERNET) {
		add_box_elems(b, n->deny4, n->id_deny4, &f->deny4, AF_INET, 2);
		add_box_elems(b, n->deny6, n->id_deny6, &f->deny6, AF_INET6, 2);
	}
}

/* The hostnet sets (same type as the deny sets): made when absent (create: in the same
 * batch as their table, whose rules then find them by id), else left as they are; with fill,
 * flushed and loaded with v4/v6 in the same batch, so a lookup sees the old or the new list. */
static void add_hostnet_sets(struct batch *b, struct fence_names *n, bool create, bool fill,
			     const struct nf_boxset *v4, const struct nf_boxset *v6)
{
	static const char *const names[] = { HOSTNET4, HOSTNET6 };
	uint32_t *ids[] = { &n->id_hostnet4, &n->id_hostnet6 };
	const struct nf_boxset *sets[] = { v4, v6 };

	for (int i = 0; i < 2; i++) {
		uint32_t id = add_set_flags(
			b, names[i], i ? fields6 : fields4, 2,
			CONCAT2(i ? TYPE_IP6ADDR : TYPE_IPADDR, TYPE_INET_PROTOCOL), true, false,
			create ? NLM_F_CREATE | NLM_F_EXCL : NLM_F_CREATE);

		*ids[i] = create ? id : 0;
		if (!fill)
			continue;
		if (!create) {
			/* no element list: every element goes */
			struct nlmsghdr *nlh = msg_hdr(b, NFT_MSG_DELSETELEM, 0);

			if (!nlh)
				return;
			mnl_attr_put_strz(nlh, NFTA_SET_ELEM_LIST_TABLE, NF_TABLE);
			mnl_attr_put_strz(nlh, NFTA_SET_ELEM_LIST_SET, names[i]);
			batch_commit(b, nlh, "flushing set %s", names[i]);
		}
		if (sets[i])
			add_box_elems(b, names[i], *ids[i], sets[i], i ? AF_INET6 : AF_INET, 2);
	}
}

static void fence_names_init(struct fence_names *n, const char *hex)
{
	const char *sep = hex[0] ? "_" : "";

	memset(n, 0, sizeof(*n));
	snprintf(n->eg4, sizeof(n->eg4), "eg4%s%s", sep, hex);
	snprintf(n->eg6, sizeof(n->eg6), "eg6%s%s", sep, hex);
	snprintf(n->in4, sizeof(n->in4), "in4%s%s", sep, hex);
	snprintf(n->in6, sizeof(n->in6), "in6%s%s", sep, hex);
	snprintf(n->deny4, sizeof(n->deny4), "deny4%s%s", sep, hex);
	snprintf(n->deny6, sizeof(n->deny6), "deny6%s%s", sep, hex);
}

static bool hex_ok(const char *hex)
{
	if (strlen(hex) != 12)
		return false;
	for (int i = 0; i < 12; i++)
		if (!((hex[i] >= '0' && hex[i] <= '9') || (hex[i] >= 'a' && hex[i] <= 'f')))
			return false;
	return true;
}

/* ---- host namespace ---- */

/* Rules of a skeleton base chain that dispatch by interface name. */
static void rules_dispatch(struct batch *b, const char *chain, uint32_t meta_key, const char *map,
			   uint32_t map_id)
{
	struct rb rb;
	char what[96];

	rule_begin(&rb, b, chain);
	e_meta(&rb, meta_key, NFT_REG32_00);
	e_lookup(&rb, map, map_id, NFT_REG_VERDICT, false);
	snprintf(what, sizeof(what), "vmap @%s", map);
	rule_end(&rb, what);

	/* An nf* interface without an entry: dropped. Matched with a negated lookup because a
	 * jump that returns continues with the next rule of this chain. */
	rule_begin(&rb, b, chain);
	m_ifname(&rb, meta_key, "nf", 2);
	e_meta(&rb, meta_key, NFT_REG32_00);
	e_lookup(&rb, map, map_id, -1, true);
	e_counter(&rb);
	e_verdict(&rb, NF_DROP);
	snprintf(what, sizeof(what), "\"nf*\" not in @%s drop", map);
	rule_end(&rb, what);
}

static void add_skeleton(struct batch *b)
{
	static const uint8_t ifname_field[] = { IFNAMSIZ };
	static const uint8_t a4[] = { 4 }, a6[] = { 16 };
	uint32_t out, in, hin, nat4, nat6;
	struct rb rb;

	add_table(b, NFT_MSG_NEWTABLE, NLM_F_CREATE);
	out = add_set(b, "fwd_out", ifname_field, 1, TYPE_IFNAME, false, true);
	in = add_set(b, "fwd_in", ifname_field, 1, TYPE_IFNAME, false, true);
	hin = add_set(b, "host_in", ifname_field, 1, TYPE_IFNAME, false, true);
	nat4 = add_set(b, "nat4", a4, 1, TYPE_IPADDR, false, false);
	nat6 = add_set(b, "nat6", a6, 1, TYPE_IP6ADDR, false, false);
	{
		struct fence_names scratch = { 0 };

		add_hostnet_sets(b, &scratch, true, false, NULL, NULL);
	}

	add_chain(b, "forward", NF_INET_FORWARD, 0, "filter", NF_ACCEPT);
	rules_dispatch(b, "forward", NFT_META_IIFNAME, "fwd_out", out);
	rules_dispatch(b, "forward", NFT_META_OIFNAME, "fwd_in", in);
	add_chain(b, "input", NF_INET_LOCAL_IN, 0, "filter", NF_ACCEPT);
	rules_dispatch(b, "input", NFT_META_IIFNAME, "host_in", hin);
	add_chain(b, "output", NF_INET_LOCAL_OUT, 0, "filter", NF_ACCEPT);
	rules_dispatch(b, "output", NFT_META_OIFNAME, "fwd_in", in);

	add_chain(b, "postrouting", NF_INET_POST_ROUTING, PRIO_SRCNAT, "nat", NF_ACCEPT);
	rule_begin(&rb, b, "postrouting");
	m_ifname(&rb, NFT_META_OIFNAME, "nf", 2);
	e_verdict(&rb, NFT_RETURN);
	rule_end(&rb, "oifname \"nf*\" return");
	for (int v6 = 0; v6 < 2; v6++) {
		rule_begin(&rb, b, "postrouting");
		m_nfproto(&rb, v6 ? NFPROTO_IPV6 : NFPROTO_IPV4);
		e_payload(&rb, NFT_PAYLOAD_NETWORK_HEADER, v6 ? 8 : 12, v6 ? 16 : 4, NFT_REG32_00);
		e_lookup(&rb, v6 ? "nat6" : "nat4", v6 ? nat6 : nat4, -1, false);
		ex(&rb, "masq");
		rule_end(&rb, v6 ? "ip6 saddr @nat6 masquerade" : "ip saddr @nat4 masquerade");
	}
}

/* Non-dump GET requests sent together; found[i] tells whether object i exists. */
struct query {
	char *buf;
	size_t len, cap, n;
	uint32_t seq0;
	uint8_t family; /* of the requests added next */
};

static struct nlmsghdr *query_msg(struct query *q, uint16_t type)
{
	if (q->cap - q->len < 4096) {
		size_t ncap = q->cap ? q->cap * 2 : 16384;
		char *nb = realloc(q->buf, ncap);

		if (!nb)
			return NULL;
		memset(nb + q->cap, 0, ncap - q->cap);
		q->buf = nb;
		q->cap = ncap;
	}
	return nftnl_nlmsg_build_hdr(q->buf + q->len, type, q->family, 0, q->seq0 + (uint32_t)q->n);
}

static void query_commit(struct query *q, struct nlmsghdr *nlh)
{
	q->len += NLMSG_ALIGN(nlh->nlmsg_len);
	q->n++;
}

static int query_named(struct query *q, uint16_t type, uint16_t table_attr, uint16_t name_attr,
		       const char *name)
{
	struct nlmsghdr *nlh = query_msg(q, type);

	if (!nlh)
		return -ENOMEM;
	mnl_attr_put_strz(nlh, table_attr, NF_TABLE);
	if (name)
		mnl_attr_put_strz(nlh, name_attr, name);
	query_commit(q, nlh);
	return 0;
}

static int query_elem(struct query *q, const char *set, const void *key, size_t klen)
{
	struct nlmsghdr *nlh = query_msg(q, NFT_MSG_GETSETELEM);
	struct nlattr *list, *e;

	if (!nlh)
		return -ENOMEM;
	mnl_attr_put_strz(nlh, NFTA_SET_ELEM_LIST_TABLE, NF_TABLE);
	mnl_attr_put_strz(nlh, NFTA_SET_ELEM_LIST_SET, set);
	list = mnl_attr_nest_start(nlh, NFTA_SET_ELEM_LIST_ELEMENTS);
	e = mnl_attr_nest_start(nlh, NFTA_LIST_ELEM);
	put_data(nlh, NFTA_SET_ELEM_KEY, key, klen);
	mnl_attr_nest_end(nlh, e);
	mnl_attr_nest_end(nlh, list);
	query_commit(q, nlh);
	return 0;
}

/* Each request gets exactly one answer: the object, or an error (ENOENT: absent). */
static int query_run(struct mnl_socket *nl, struct query *q, bool *found, struct nf_error *err)
{
	_cleanup_free_ char *rbuf = NULL;
	size_t answered = 0, rsize = MNL_SOCKET_BUFFER_SIZE * 4;

	if (mnl_socket_sendto(nl, q->buf, q->len) < 0)
		return nf_sys_err(err, errno, "querying nftables objects");
	rbuf = malloc(rsize);
	if (!rbuf)
		return nf_sys_err(err, ENOMEM, "querying nftables objects");
	while (answered < q->n) {
		ssize_t n = mnl_socket_recvfrom(nl, rbuf, rsize);
		const struct nlmsghdr *nlh;
		int len;

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return nf_sys_err(err, errno, "querying nftables objects");
		len = (int)n;
		for (nlh = (const struct nlmsghdr *)rbuf; mnl_nlmsg_ok(nlh, len);
		     nlh = mnl_nlmsg_next(nlh, &len)) {
			uint32_t i = nlh->nlmsg_seq - q->seq0;

			if (i >= q->n)
				continue;
			answered++;
			if (nlh->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);

				found[i] = false;
				if (e->error != 0 && e->error != -ENOENT)
					return nf_sys_err(err, e->error,
							  "querying nftables objects");
			} else {
				found[i] = true;
			}
		}
	}
	return 0;
}

/* Whether the netfence table of each of families[0..n) exists (ret[i]), in one round trip. */
static int tables_exist(struct mnl_socket *nl, const uint8_t *families, size_t n, bool *ret,
			struct nf_error *err)
{
	struct query q = { .seq0 = (uint32_t)time(NULL) << 8 };
	int r = 0;

	for (size_t i = 0; i < n && r >= 0; i++) {
		q.family = families[i];
		ret[i] = false;
		r = query_named(&q, NFT_MSG_GETTABLE, NFTA_TABLE_NAME, 0, NULL);
	}
	if (r < 0) {
		free(q.buf);
		return nf_sys_err(err, r, "querying the %s tables", NF_TABLE);
	}
	r = query_run(nl, &q, ret, err);
	free(q.buf);
	return r;
}

static int table_exists(struct mnl_socket *nl, bool *ret, struct nf_error *err)
{
	static const uint8_t inet[] = { NFPROTO_INET };

	return tables_exist(nl, inet, 1, ret, err);
}

static void ifname_key(const char *ifname, char key[IFNAMSIZ])
{
	memset(key, 0, IFNAMSIZ);
	memcpy(key, ifname, strnlen(ifname, IFNAMSIZ - 1));
}

int nft_host_apply(const struct nft_fence *f, struct nf_error *err)
{
	struct mnl_socket *nl = NULL; /* borrowed: see nl_host() */
	struct batch b;
	struct fence_names n;
	char eg[32], in[32], hin[32], key[IFNAMSIZ];
	bool exists;
	int r;

	if (!hex_ok(f->hex))
		return nf_sys_err(err, EINVAL, "nftables: bad object suffix \"%s\"", f->hex);
	r = nl_host(&nl, err);
	if (r < 0)
		return r;
	r = table_exists(nl, &exists, err);
	if (r < 0)
		return r;

	batch_start(&b);
	if (!exists)
		add_skeleton(&b);
	fence_names_init(&n, f->hex);
	snprintf(eg, sizeof(eg), "eg_%s", f->hex);
	snprintf(in, sizeof(in), "in_%s", f->hex);
	snprintf(hin, sizeof(hin), "hin_%s", f->hex);
	add_fence_sets(&b, f, &n, true);
	/* internet: the shared host lists the chain looks up (made here should a table of an
	 * older netfence lack them). Their elements are the watcher's to keep: a flush here would
	 * make this process's exit wait for the deleted elements' RCU grace period. */
	if (f->base == NF_BASE_INTERNET) {
		n.hostnet = true;
		add_hostnet_sets(&b, &n, false, false, NULL, NULL);
	}

	add_chain(&b, eg, -1, 0, NULL, 0);
	rule_antispoof(&b, eg, f);
	rules_ct_own(&b, eg, f, NFT_RETURN);
	rule_ct(&b, eg, CT_INVALID, NF_DROP, "ct state invalid");
	rules_egress(&b, eg, f, &n, NFT_RETURN);

	add_chain(&b, in, -1, 0, NULL, 0);
	rule_ct(&b, in, CT_ESTABLISHED | CT_RELATED, NFT_RETURN, "ct state established,related");
	if (f->ipv6)
		rule_ndp_to(&b, in);
	rule_lookup(&b, in, AF_INET, true, n.in4, n.id_in4, NFT_RETURN);
	rule_lookup(&b, in, AF_INET6, true, n.in6, n.id_in6, NFT_RETURN);
	rule_simple(&b, in, NF_DROP, "default drop");

	add_chain(&b, hin, -1, 0, NULL, 0);
	if (f->ipv6)
		rules_ndp_from(&b, hin, f);
	rule_antispoof(&b, hin, f);
	rules_ct_own(&b, hin, f, NFT_RETURN);
	rule_lookup(&b, hin, AF_INET, false, n.eg4, n.id_eg4, NFT_RETURN);
	rule_lookup(&b, hin, AF_INET6, false, n.eg6, n.id_eg6, NFT_RETURN);
	rules_reject(&b, hin, MATCH_NONE, &n, "default");

	if (f->ifname[0]) {
		ifname_key(f->ifname, key);
		add_elem(&b, NFT_MSG_NEWSETELEM, "fwd_out", 0, key, IFNAMSIZ, eg);
		add_elem(&b, NFT_MSG_NEWSETELEM, "fwd_in", 0, key, IFNAMSIZ, in);
		add_elem(&b, NFT_MSG_NEWSETELEM, "host_in", 0, key, IFNAMSIZ, hin);
	}
	if (f->nat && f->addr4.family == AF_INET)
		add_elem(&b, NFT_MSG_NEWSETELEM, "nat4", 0, f->addr4.a, 4, NULL);
	if (f->nat && f->ipv6 && f->addr6.family == AF_INET6)
		add_elem(&b, NFT_MSG_NEWSETELEM, "nat6", 0, f->addr6.a, 16, NULL);
	batch_finish(&b);

	r = batch_send(nl, &b, err);
	batch_free(&b);
	return r < 0 ? r : !exists;
}

int nft_host_remove(const char *hex, const char *ifname, const struct nf_addr *addr4,
		    const struct nf_addr *addr6, struct nf_error *err)
{
	static const char *const set_fmt[] = { "eg4_", "eg6_", "in4_", "in6_", "deny4_", "deny6_" };
	static const char *const chain_fmt[] = { "eg_", "in_", "hin_" };
	static const char *const maps[] = { "fwd_out", "fwd_in", "host_in" };
	struct mnl_socket *nl = NULL; /* borrowed: see nl_host() */
	char sets[6][32], chains[3][32], key[IFNAMSIZ];
	struct query q = { .seq0 = (uint32_t)time(NULL) << 8, .family = NFPROTO_INET };
	bool found[16] = { false }, any = false;
	bool has_if = ifname && ifname[0];
	bool has4 = addr4 && addr4->family == AF_INET, has6 = addr6 && addr6->family == AF_INET6;
	struct batch b;
	size_t k;
	int r = 0;

	if (!hex_ok(hex))
		return nf_sys_err(err, EINVAL, "nftables: bad object suffix \"%s\"", hex);
	r = nl_host(&nl, err);
	if (r < 0)
		return r;
	for (k = 0; k < 3; k++) {
		snprintf(chains[k], sizeof(chains[k]), "%s%s", chain_fmt[k], hex);
		r = r < 0 ? r
			  : query_named(&q, NFT_MSG_GETCHAIN, NFTA_CHAIN_TABLE, NFTA_CHAIN_NAME,
					chains[k]);
	}
	for (k = 0; k < 6; k++) {
		snprintf(sets[k], sizeof(sets[k]), "%s%s", set_fmt[k], hex);
		r = r < 0 ? r
			  : query_named(&q, NFT_MSG_GETSET, NFTA_SET_TABLE, NFTA_SET_NAME, sets[k]);
	}
	if (has_if)
		ifname_key(ifname, key);
	for (k = 0; k < 3 && has_if; k++)
		r = r < 0 ? r : query_elem(&q, maps[k], key, IFNAMSIZ);
	if (has4)
		r = r < 0 ? r : query_elem(&q, "nat4", addr4->a, 4);
	if (has6)
		r = r < 0 ? r : query_elem(&q, "nat6", addr6->a, 16);
	if (r >= 0)
		r = query_run(nl, &q, found, err);
	else
		nf_sys_err(err, r, "querying container %s's nftables objects", hex);
	free(q.buf);
	if (r < 0)
		return r;
	for (k = 0; k < q.n; k++)
		any |= found[k];
	if (!any)
		return 0;

	/* Map elements first (they hold the chains), then rules (they hold the sets). */
	batch_start(&b);
	k = 9;
	for (size_t i = 0; i < 3 && has_if; i++, k++)
		if (found[k])
			add_elem(&b, NFT_MSG_DELSETELEM, maps[i], 0, key, IFNAMSIZ, NULL);
	for (size_t i = 0; i < 3; i++)
		if (found[i])
			del_named(&b, NFT_MSG_DELRULE, chains[i]);
	for (size_t i = 0; i < 3; i++)
		if (found[i])
			del_named(&b, NFT_MSG_DELCHAIN, chains[i]);
	for (size_t i = 0; i < 6; i++)
		if (found[3 + i])
			del_named(&b, NFT_MSG_DELSET, sets[i]);
	if (has4 && found[k++])
		add_elem(&b, NFT_MSG_DELSETELEM, "nat4", 0, addr4->a, 4, NULL);
	if (has6 && found[k++])
		add_elem(&b, NFT_MSG_DELSETELEM, "nat6", 0, addr6->a, 16, NULL);
	batch_finish(&b);
	r = batch_send(nl, &b, err);
	batch_free(&b);
	return r;
}

/* ---- container namespace ---- */

#define MAX_DEVS 64 /* interfaces guarded on the netdev egress hook */

/* In a container namespace the host's addresses are the namespace's own business only in
 * overlay mode: in wire mode the host-side chains deny them, kept in step by the watcher. */
static bool ns_hostnet(const struct nft_fence *f)
{
	return f->base == NF_BASE_INTERNET && f->n_devs > 0;
}

/* The netdev egress chain of one device: what a packet socket sends, judged again. */
static void rules_netdev_egress(struct batch *b, const char *chain, const struct nft_fence *f,
				const struct fence_names *n)
{
	static const uint32_t zero;
	uint16_t arp = htons(ETH_P_ARP);
	struct rb rb;

	/* Sent through the IP stack: the inet output chain has judged it already. Such a packet
	 * still holds its route (skb dst) here, which is dropped only after this hook; a frame
	 * from a packet socket never has one. `meta rtclassid` reads the route and fails (no
	 * match) without one. Not `ct state`: the netdev family refuses the ct expression
	 * (EPROTO); not a mark: whoever may open a packet socket may also set SO_MARK. */
	rule_begin(&rb, b, chain);
	e_meta(&rb, NFT_META_RTCLASSID, NFT_REG_1);
	e_cmp(&rb, NFT_CMP_GTE, &zero, 4);
	e_verdict(&rb, NF_ACCEPT);
	rule_end(&rb, "meta rtclassid >= 0 accept (routed by the IP stack)");

	/* ARP: the kernel's own neighbour resolution carries no route, and the namespace needs
	 * it. Forged ARP is let through too: it reaches the link only, never a router beyond.
	 * The frame's own ethertype is matched: skb->protocol is whatever a packet socket says. */
	rule_begin(&rb, b, chain);
	e_payload(&rb, NFT_PAYLOAD_LL_HEADER, 12, 2, NFT_REG_1);
	e_cmp(&rb, NFT_CMP_EQ, &arp, 2);
	e_verdict(&rb, NF_ACCEPT);
	rule_end(&rb, "ether type arp accept");

	if (!f->ipv6) {
		rule_begin(&rb, b, chain);
		m_family(&rb, true);
		e_counter(&rb);
		e_verdict(&rb, NF_DROP);
		rule_end(&rb, "ipv6 off");
	}
	rule_lookup(b, chain, AF_INET, false, n->eg4, n->id_eg4, NF_ACCEPT);
	rule_lookup(b, chain, AF_INET6, false, n->eg6, n->id_eg6, NF_ACCEPT);
	if (f->base == NF_BASE_INTERNET) {
		static const enum match_kind drops[] = { MATCH_DNS_TCP, MATCH_DNS_UDP, MATCH_DENY4,
							 MATCH_DENY6 };
		static const char *const labels[] = { "tcp dport 53 drop", "udp dport 53 drop",
						      "ip daddr . meta l4proto @deny4 drop",
						      "ip6 daddr . meta l4proto @deny6 drop" };

		for (size_t i = 0; i < ARRAY_SIZE(drops); i++) {
			rule_begin(&rb, b, chain);
			add_match(&rb, drops[i], n);
			e_counter(&rb);
			e_verdict(&rb, NF_DROP);
			rule_end(&rb, labels[i]);
		}
		for (int v6 = 0; v6 < 2 && n->hostnet; v6++) {
			rule_begin(&rb, b, chain);
			add_match(&rb, v6 ? MATCH_HOSTNET6 : MATCH_HOSTNET4, n);
			e_counter(&rb);
			e_verdict(&rb, NF_DROP);
			rule_end(&rb, v6 ? "ip6 daddr . meta l4proto @" HOSTNET6 " drop"
					 : "ip daddr . meta l4proto @" HOSTNET4 " drop");
		}
		/* The accept looks the deny set up again, negated: a packet whose headers did not
		 * parse (no l4proto) fails the lookup and falls to the drop below. */
		for (int v6 = 0; v6 < 2; v6++) {
			rule_begin(&rb, b, chain);
			m_concat(&rb, v6 ? AF_INET6 : AF_INET, false, false);
			e_lookup(&rb, v6 ? n->deny6 : n->deny4, v6 ? n->id_deny6 : n->id_deny4, -1,
				 true);
			e_counter(&rb);
			e_verdict(&rb, NF_ACCEPT);
			rule_end(&rb, v6 ? "internet allowed (ip6)" : "internet allowed (ip)");
		}
	}
	/* no reject: there is no socket to tell */
	rule_simple(b, chain, NF_DROP, "default drop");
}

/* The netdev table: copies of the egress and deny sets, one egress chain per device. */
static void add_netdev_table(struct batch *b, const struct nft_fence *f)
{
	struct fence_names n;
	char chain[32];

	add_table(b, NFT_MSG_NEWTABLE, NLM_F_CREATE);
	fence_names_init(&n, "");
	add_fence_sets(b, f, &n, false);
	if (ns_hostnet(f)) {
		n.hostnet = true;
		add_hostnet_sets(b, &n, true, true, &f->hostnet4, &f->hostnet6);
	}
	for (size_t i = 0; i < f->n_devs; i++) {
		snprintf(chain, sizeof(chain), "egress_%.15s", f->devs[i]);
		add_egress_chain(b, chain, f->devs[i]);
		rules_netdev_egress(b, chain, f, &n);
	}
}

static int check_devs(const struct nft_fence *f, struct nf_error *err)
{
	if (f->n_devs > MAX_DEVS)
		return nf_sys_err(err, E2BIG, "nftables: %zu interfaces to guard (at most %d)",
				  f->n_devs, MAX_DEVS);
	for (size_t i = 0; i < f->n_devs; i++) {
		size_t len = strnlen(f->devs[i], sizeof(f->devs[i]));

		if (len == 0 || len >= sizeof(f->devs[i]))
			return nf_sys_err(err, EINVAL, "nftables: bad interface name");
	}
	return 0;
}

/* The packet label (nft's secmark documentation): a new connection's packets get the secmark
 * object's context, which is saved to conntrack; later packets of the connection get it back
 * from conntrack. First in the chain, so every packet that leaves or arrives is labelled. */
static void add_secmark_obj(struct batch *b, const char *ctx)
{
	struct nftnl_obj *o = nftnl_obj_alloc();
	struct nlmsghdr *nlh;

	if (!o) {
		b->oom = true;
		return;
	}
	nftnl_obj_set_str(o, NFTNL_OBJ_TABLE, NF_TABLE);
	nftnl_obj_set_str(o, NFTNL_OBJ_NAME, NFT_SECMARK_NAME);
	nftnl_obj_set_u32(o, NFTNL_OBJ_TYPE, NFT_OBJECT_SECMARK);
	nftnl_obj_set_u32(o, NFTNL_OBJ_FAMILY, b->family);
	nftnl_obj_set_str(o, NFTNL_OBJ_SECMARK_CTX, ctx);
	nlh = msg_hdr(b, NFT_MSG_NEWOBJ, NLM_F_CREATE);
	if (nlh) {
		nftnl_obj_nlmsg_build_payload(nlh, o);
		batch_commit(b, nlh, "secmark %s \"%.100s\"", NFT_SECMARK_NAME, ctx);
	}
	nftnl_obj_free(o);
}

static void e_ct_set(struct rb *rb, uint32_t key)
{
	struct nftnl_expr *e = ex(rb, "ct");

	if (!e)
		return;
	nftnl_expr_set_u32(e, NFTNL_EXPR_CT_KEY, key);
	nftnl_expr_set_u32(e, NFTNL_EXPR_CT_SREG, NFT_REG_1);
}

static void e_meta_set(struct rb *rb, uint32_t key)
{
	struct nftnl_expr *e = ex(rb, "meta");

	if (!e)
		return;
	nftnl_expr_set_u32(e, NFTNL_EXPR_META_KEY, key);
	nftnl_expr_set_u32(e, NFTNL_EXPR_META_SREG, NFT_REG_1);
}

static void rules_secmark(struct batch *b, const char *chain)
{
	struct nftnl_expr *e;
	struct rb rb;

	rule_begin(&rb, b, chain);
	m_ct_state(&rb, CT_NEW);
	e = ex(&rb, "objref");
	if (e) {
		nftnl_expr_set_u32(e, NFTNL_EXPR_OBJREF_IMM_TYPE, NFT_OBJECT_SECMARK);
		nftnl_expr_set_str(e, NFTNL_EXPR_OBJREF_IMM_NAME, NFT_SECMARK_NAME);
	}
	rule_end(&rb, "ct state new meta secmark set \"" NFT_SECMARK_NAME "\"");

	rule_begin(&rb, b, chain);
	m_ct_state(&rb, CT_NEW);
	e_meta(&rb, NFT_META_SECMARK, NFT_REG_1);
	e_ct_set(&rb, NFT_CT_SECMARK);
	rule_end(&rb, "ct state new ct secmark set meta secmark");

	rule_begin(&rb, b, chain);
	m_ct_state(&rb, CT_ESTABLISHED | CT_RELATED);
	e_ct(&rb, NFT_CT_SECMARK, NFT_REG_1);
	e_meta_set(&rb, NFT_META_SECMARK);
	rule_end(&rb, "ct state established,related meta secmark set ct secmark");
}

static const uint8_t ns_families[] = { NFPROTO_INET, NFPROTO_NETDEV };

/* The container namespace's whole batch; exists[] says which of ns_families' tables are there
 * already (they are replaced). */
static void ns_batch_build(struct batch *b, const struct nft_fence *f, const bool *exists)
{
	struct fence_names n;
	struct rb rb;

	batch_start(b);
	/* add + delete + add replaces a table that is there, atomically; a fresh namespace has
	 * none, and a delete would make closing the socket wait for an RCU grace period. */
	if (exists[0]) {
		add_table(b, NFT_MSG_NEWTABLE, NLM_F_CREATE);
		add_table(b, NFT_MSG_DELTABLE, 0);
	}
	add_table(b, NFT_MSG_NEWTABLE, NLM_F_CREATE);
	if (f->secctx)
		add_secmark_obj(b, f->secctx);
	fence_names_init(&n, "");
	add_fence_sets(b, f, &n, true);
	if (ns_hostnet(f)) {
		n.hostnet = true;
		add_hostnet_sets(b, &n, true, true, &f->hostnet4, &f->hostnet6);
	}

	add_chain(b, "output", NF_INET_LOCAL_OUT, 0, "filter", NF_DROP);
	if (f->secctx)
		rules_secmark(b, "output");
	rules_own_source(b, "output");
	rule_begin(&rb, b, "output");
	m_ifname(&rb, NFT_META_OIFNAME, "lo", IFNAMSIZ);
	e_verdict(&rb, NF_ACCEPT);
	rule_end(&rb, "oifname \"lo\" accept");
	rules_ct_own(b, "output", f, NF_ACCEPT);
	rule_ct(b, "output", CT_INVALID, NF_DROP, "ct state invalid");
	if (f->ipv6)
		rule_ndp(b, "output", false, NF_ACCEPT);
	else
		rules_reject(b, "output", MATCH_NFPROTO6, &n, "ipv6 off");
	rules_egress(b, "output", f, &n, NF_ACCEPT);

	add_chain(b, "input", NF_INET_LOCAL_IN, 0, "filter", NF_DROP);
	if (f->secctx)
		rules_secmark(b, "input");
	rule_begin(&rb, b, "input");
	m_ifname(&rb, NFT_META_IIFNAME, "lo", IFNAMSIZ);
	e_verdict(&rb, NF_ACCEPT);
	rule_end(&rb, "iifname \"lo\" accept");
	rule_ct(b, "input", CT_ESTABLISHED | CT_RELATED, NF_ACCEPT, "ct state established,related");
	rule_ct(b, "input", CT_INVALID, NF_DROP, "ct state invalid");
	if (f->ipv6)
		rule_ndp(b, "input", false, NF_ACCEPT);
	rule_lookup(b, "input", AF_INET, true, n.in4, n.id_in4, NF_ACCEPT);
	rule_lookup(b, "input", AF_INET6, true, n.in6, n.id_in6, NF_ACCEPT);
	rule_simple(b, "input", NF_DROP, "default drop");

	add_chain(b, "forward", NF_INET_FORWARD, 0, "filter", NF_DROP);
	rule_simple(b, "forward", NF_DROP, "drop");

	/* Overlay mode: packet sockets go around the inet hooks, the device's egress does not. */
	b->family = NFPROTO_NETDEV;
	if (exists[1]) {
		add_table(b, NFT_MSG_NEWTABLE, NLM_F_CREATE);
		add_table(b, NFT_MSG_DELTABLE, 0);
	}
	if (f->n_devs > 0)
		add_netdev_table(b, f);
	batch_finish(b);
}

int nft_ns_batch_dump(const struct nft_fence *f, char **ret_buf, size_t *ret_len,
		      struct nf_error *err)
{
	static const bool none[ARRAY_SIZE(ns_families)] = { false };
	struct batch b;
	int r;

	r = check_devs(f, err);
	if (r < 0)
		return r;
	ns_batch_build(&b, f, none);
	if (b.oom) {
		batch_free(&b);
		return nf_sys_err(err, ENOMEM, "building the nftables batch");
	}
	*ret_buf = steal_pointer(&b.buf);
	*ret_len = b.len;
	batch_free(&b);
	return 0;
}

int nft_ns_apply(int netns_fd, const struct nft_fence *f, struct nf_error *err)
{
	_cleanup_mnl_ struct mnl_socket *nl = NULL;
	bool exists[ARRAY_SIZE(ns_families)] = { false };
	struct batch b;
	int r;

	r = check_devs(f, err);
	if (r < 0)
		return r;
	r = nl_open_in(netns_fd, &nl, err);
	if (r < 0)
		return r;
	r = tables_exist(nl, ns_families, ARRAY_SIZE(ns_families), exists, err);
	if (r < 0)
		return r;
	ns_batch_build(&b, f, exists);
	r = batch_send(nl, &b, err);
	batch_free(&b);
	if (r < 0)
		nf_err_prefix(err, "container namespace");
	else
		nl_park(&nl);
	return r;
}

int nft_ns_remove(int netns_fd, struct nf_error *err)
{
	_cleanup_mnl_ struct mnl_socket *nl = NULL;
	bool exists[ARRAY_SIZE(ns_families)] = { false };
	struct batch b;
	int r;

	r = nl_open_in(netns_fd, &nl, err);
	if (r < 0)
		return r;
	/* Only what is there: a batch that deletes makes closing the socket wait (see above). */
	r = tables_exist(nl, ns_families, ARRAY_SIZE(ns_families), exists, err);
	if (r < 0 || !(exists[0] || exists[1]))
		return r;
	batch_start(&b);
	for (size_t i = 0; i < ARRAY_SIZE(ns_families); i++) {
		if (!exists[i])
			continue;
		b.family = ns_families[i];
		add_table(&b, NFT_MSG_NEWTABLE, NLM_F_CREATE); /* so that the delete cannot fail */
		add_table(&b, NFT_MSG_DELTABLE, 0);
	}
	batch_finish(&b);
	r = batch_send(nl, &b, err);
	batch_free(&b);
	if (r < 0)
		nf_err_prefix(err, "container namespace");
	else
		nl_park(&nl);
	return r;
}

/* ---- the host's addresses, kept in step (watch.c) ---- */

/* The sockets of the namespaces a sync rewrote, closed together by nft_hostnet_release: closing
 * one after a flush waits for an RCU grace period, and one wait then covers them all. */
static struct mnl_socket **synced_nl;
static size_t n_synced_nl;

static void keep_synced(struct mnl_socket **nl)
{
	struct mnl_socket **v = realloc(synced_nl, (n_synced_nl + 1) * sizeof(*v));

	if (!v) {
		mnl_socket_close(steal_pointer(nl)); /* waits, but is closed */
		return;
	}
	synced_nl = v;
	synced_nl[n_synced_nl++] = steal_pointer(nl);
}

void nft_hostnet_release(void)
{
	for (size_t i = 0; i < n_synced_nl; i++)
		mnl_socket_close(synced_nl[i]);
	free(synced_nl);
	synced_nl = NULL;
	n_synced_nl = 0;
}

int nft_hostnet_sync(int netns_fd, const struct nf_boxset *v4, const struct nf_boxset *v6,
		     struct nf_error *err)
{
	_cleanup_mnl_ struct mnl_socket *own = NULL;
	struct mnl_socket *nl = NULL;
	struct query q = { .seq0 = (uint32_t)time(NULL) << 8 };
	bool found[ARRAY_SIZE(ns_families)] = { false };
	size_t nq = netns_fd < 0 ? 1 : ARRAY_SIZE(ns_families);
	struct batch b;
	bool any = false;
	int r = 0;

	r = netns_fd < 0 ? nl_host(&nl, err) : nl_open_in(netns_fd, &own, err);
	if (r < 0)
		return r;
	if (own)
		nl = own;
	/* Host: when the table is there (never made from here; its sets are, should a table of
	 * an older netfence lack them). A namespace: whichever of its tables hold the sets
	 * (overlay mode, internet); others are left be. */
	for (size_t i = 0; i < nq && r >= 0; i++) {
		q.family = ns_families[i];
		r = netns_fd < 0 ? query_named(&q, NFT_MSG_GETTABLE, NFTA_TABLE_NAME, 0, NULL)
				 : query_named(&q, NFT_MSG_GETSET, NFTA_SET_TABLE, NFTA_SET_NAME,
					       HOSTNET4);
	}
	if (r < 0)
		nf_sys_err(err, r, "querying the %s sets", HOSTNET4);
	else
		r = query_run(nl, &q, found, err);
	free(q.buf);
	if (r < 0)
		return r;
	batch_start(&b);
	for (size_t i = 0; i < nq; i++) {
		struct fence_names n = { 0 };

		if (!found[i])
			continue;
		any = true;
		b.family = ns_families[i];
		add_hostnet_sets(&b, &n, false, true, v4, v6);
	}
	batch_finish(&b);
	r = any ? batch_send(nl, &b, err) : 0;
	batch_free(&b);
	if (r < 0 && netns_fd >= 0)
		nf_err_prefix(err, "container namespace");
	else if (own && any)
		keep_synced(&own);
	return r;
}

void nft_after_fork(void)
{
	/* the parent's sockets: their descriptors are closed in the child, which must not use
	 * (or close) them */
	host_nl = NULL;
	parked_nl = NULL;
	synced_nl = NULL;
	n_synced_nl = 0;
}

/* ---- dumps: counters and the list of containers ---- */

static int dump(struct mnl_socket *nl, struct nlmsghdr *req, mnl_cb_t cb, void *data,
		const char *what, struct nf_error *err)
{
	_cleanup_free_ char *rbuf = NULL;
	size_t rsize = MNL_SOCKET_BUFFER_SIZE * 4;
	uint32_t seq = req->nlmsg_seq, portid = mnl_socket_get_portid(nl);
	int r;

	rbuf = malloc(rsize);
	if (!rbuf)
		return nf_sys_err(err, ENOMEM, "%s", what);
	if (mnl_socket_sendto(nl, req, req->nlmsg_len) < 0)
		return nf_sys_err(err, errno, "%s", what);
	for (;;) {
		ssize_t n = mnl_socket_recvfrom(nl, rbuf, rsize);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return nf_sys_err(err, errno, "%s", what);
		r = mnl_cb_run(rbuf, (size_t)n, seq, portid, cb, data);
		if (r < 0)
			return nf_sys_err(err, errno, "%s", what);
		if (r == MNL_CB_STOP)
			return 0;
	}
}

struct counter_acc {
	struct nft_counters *c;
	bool drops_only; /* netdev table: its accepts were counted by the inet table */
	bool oom;
};

struct rule_sum {
	uint64_t pkts, bytes;
	int kind; /* 1 accepted, 2 blocked */
};

static int rule_expr_cb(struct nftnl_expr *e, void *data)
{
	struct rule_sum *s = data;
	const char *name = nftnl_expr_get_str(e, NFTNL_EXPR_NAME);

	if (strcmp(name, "counter") == 0) {
		s->pkts += nftnl_expr_get_u64(e, NFTNL_EXPR_CTR_PACKETS);
		s->bytes += nftnl_expr_get_u64(e, NFTNL_EXPR_CTR_BYTES);
	} else if (strcmp(name, "reject") == 0) {
		s->kind = 2;
	} else if (strcmp(name, "immediate") == 0 && nftnl_expr_is_set(e, NFTNL_EXPR_IMM_VERDICT)) {
		int v = (int)nftnl_expr_get_u32(e, NFTNL_EXPR_IMM_VERDICT);

		s->kind = v == NF_DROP ? 2 : (v == NF_ACCEPT || v == NFT_RETURN) ? 1 : 0;
	}
	return 0;
}

static int rule_cb(const struct nlmsghdr *nlh, void *data)
{
	struct counter_acc *acc = data;
	struct nftnl_rule *r = nftnl_rule_alloc();
	struct rule_sum s = { 0 };

	if (!r) {
		acc->oom = true;
		return MNL_CB_OK;
	}
	if (nftnl_rule_nlmsg_parse(nlh, r) == 0) {
		nftnl_expr_foreach(r, rule_expr_cb, &s);
		if (s.kind == 1 && !acc->drops_only) {
			acc->c->accepted_pkts += s.pkts;
			acc->c->accepted_bytes += s.bytes;
		} else if (s.kind == 2) {
			acc->c->blocked_pkts += s.pkts;
			acc->c->blocked_bytes += s.bytes;
		}
	}
	nftnl_rule_free(r);
	return MNL_CB_OK;
}

/* chain NULL: every chain of the table (the netdev table, whose drops only are counted). A
 * table or chain that is not there reads as no rules. */
static int chain_counters(struct mnl_socket *nl, uint8_t family, const char *chain,
			  struct nft_counters *c, struct nf_error *err)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct counter_acc acc = { c, family == NFPROTO_NETDEV, false };
	struct nlmsghdr *nlh;
	char what[96];
	int r;

	nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETRULE, family, NLM_F_DUMP, (uint32_t)time(NULL));
	mnl_attr_put_strz(nlh, NFTA_RULE_TABLE, NF_TABLE);
	if (chain)
		mnl_attr_put_strz(nlh, NFTA_RULE_CHAIN, chain);
	snprintf(what, sizeof(what), "reading counters of %s %s", chain ? "chain" : "table netdev",
		 chain ? chain : NF_TABLE);
	r = dump(nl, nlh, rule_cb, &acc, what, err);
	if (r >= 0 && acc.oom)
		r = nf_sys_err(err, ENOMEM, "%s", what);
	return r;
}

int nft_host_counters(const char *hex, struct nft_counters *ret, struct nf_error *err)
{
	struct mnl_socket *nl = NULL; /* borrowed: see nl_host() */
	static const char *const fmt[] = { "eg_", "in_", "hin_" };
	struct nft_counters c = { 0 };
	int r;

	if (!hex_ok(hex))
		return nf_sys_err(err, EINVAL, "nftables: bad object suffix \"%s\"", hex);
	r = nl_host(&nl, err);
	for (size_t i = 0; i < ARRAY_SIZE(fmt) && r >= 0; i++) {
		char chain[32];

		snprintf(chain, sizeof(chain), "%s%s", fmt[i], hex);
		r = chain_counters(nl, NFPROTO_INET, chain, &c, err);
	}
	if (r >= 0)
		*ret = c;
	return r;
}

int nft_ns_counters(int netns_fd, struct nft_counters *ret, struct nf_error *err)
{
	_cleanup_mnl_ struct mnl_socket *nl = NULL;
	static const char *const chains[] = { "output", "input", "forward" };
	struct nft_counters c = { 0 };
	int r;

	r = nl_open_in(netns_fd, &nl, err);
	for (size_t i = 0; i < ARRAY_SIZE(chains) && r >= 0; i++)
		r = chain_counters(nl, NFPROTO_INET, chains[i], &c, err);
	if (r >= 0)
		r = chain_counters(nl, NFPROTO_NETDEV, NULL, &c, err);
	if (r >= 0)
		*ret = c;
	return r;
}

struct name_list {
	char **v;
	size_t n, cap;
	bool oom;
};

/* "<prefix>_<12 hex>" for one of the per-container prefixes: the hex, else NULL. */
static const char *object_hex(const char *name)
{
	static const char *const prefixes[] = { "eg_",	"in_",	"hin_",	  "eg4_",  "eg6_",
						"in4_", "in6_", "deny4_", "deny6_" };

	for (size_t i = 0; i < ARRAY_SIZE(prefixes); i++) {
		size_t l = strlen(prefixes[i]);

		if (strncmp(name, prefixes[i], l) == 0 && hex_ok(name + l))
			return name + l;
	}
	return NULL;
}

static void name_add(struct name_list *l, const char *name)
{
	const char *hex = object_hex(name);

	if (!hex)
		return;
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->v[i], hex) == 0)
			return;
	if (l->n == l->cap) {
		size_t ncap = l->cap ? l->cap * 2 : 16;
		char **nv = realloc(l->v, ncap * sizeof(*nv));

		if (!nv) {
			l->oom = true;
			return;
		}
		l->v = nv;
		l->cap = ncap;
	}
	l->v[l->n] = strdup(hex);
	if (!l->v[l->n])
		l->oom = true;
	else
		l->n++;
}

static int chain_name_cb(const struct nlmsghdr *nlh, void *data)
{
	struct nftnl_chain *c = nftnl_chain_alloc();

	if (!c) {
		((struct name_list *)data)->oom = true;
		return MNL_CB_OK;
	}
	if (nftnl_chain_nlmsg_parse(nlh, c) == 0 &&
	    strcmp(nftnl_chain_get_str(c, NFTNL_CHAIN_TABLE), NF_TABLE) == 0)
		name_add(data, nftnl_chain_get_str(c, NFTNL_CHAIN_NAME));
	nftnl_chain_free(c);
	return MNL_CB_OK;
}

static int set_name_cb(const struct nlmsghdr *nlh, void *data)
{
	struct nftnl_set *s = nftnl_set_alloc();

	if (!s) {
		((struct name_list *)data)->oom = true;
		return MNL_CB_OK;
	}
	if (nftnl_set_nlmsg_parse(nlh, s) == 0 &&
	    strcmp(nftnl_set_get_str(s, NFTNL_SET_TABLE), NF_TABLE) == 0)
		name_add(data, nftnl_set_get_str(s, NFTNL_SET_NAME));
	nftnl_set_free(s);
	return MNL_CB_OK;
}

int nft_host_list(char ***ret, size_t *n, struct nf_error *err)
{
	struct mnl_socket *nl = NULL; /* borrowed: see nl_host() */
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct name_list l = { 0 };
	struct nlmsghdr *nlh;
	bool exists;
	int r;

	r = nl_host(&nl, err);
	if (r >= 0)
		r = table_exists(nl, &exists, err);
	if (r >= 0 && exists) {
		nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETCHAIN, NFPROTO_INET, NLM_F_DUMP,
					    (uint32_t)time(NULL));
		mnl_attr_put_strz(nlh, NFTA_CHAIN_TABLE, NF_TABLE);
		r = dump(nl, nlh, chain_name_cb, &l, "listing nftables chains", err);
	}
	if (r >= 0 && exists) {
		/* Sets too: gc must find what a half-made set-up left, whatever it was. */
		nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETSET, NFPROTO_INET, NLM_F_DUMP,
					    (uint32_t)time(NULL) + 1);
		mnl_attr_put_strz(nlh, NFTA_SET_TABLE, NF_TABLE);
		r = dump(nl, nlh, set_name_cb, &l, "listing nftables sets", err);
	}
	if (r >= 0 && l.oom)
		r = nf_sys_err(err, ENOMEM, "listing nftables objects");
	if (r < 0) {
		for (size_t i = 0; i < l.n; i++)
			free(l.v[i]);
		free(l.v);
		return r;
	}
	*ret = l.v;
	*n = l.n;
	return 0;
}

static int foreign_chain_cb(const struct nlmsghdr *nlh, void *data)
{
	struct name_list *l = data;
	struct nftnl_chain *c = nftnl_chain_alloc();
	const char *fam;
	uint32_t family;
	char *s;

	if (!c) {
		l->oom = true;
		return MNL_CB_OK;
	}
	if (nftnl_chain_nlmsg_parse(nlh, c) < 0 || !nftnl_chain_is_set(c, NFTNL_CHAIN_HOOKNUM) ||
	    !nftnl_chain_is_set(c, NFTNL_CHAIN_POLICY))
		goto out;
	family = nftnl_chain_get_u32(c, NFTNL_CHAIN_FAMILY);
	fam = family == NFPROTO_IPV4   ? "ip"
	      : family == NFPROTO_IPV6 ? "ip6"
	      : family == NFPROTO_INET ? "inet"
				       : NULL;
	if (!fam || nftnl_chain_get_u32(c, NFTNL_CHAIN_HOOKNUM) != NF_INET_FORWARD ||
	    nftnl_chain_get_u32(c, NFTNL_CHAIN_POLICY) != NF_DROP)
		goto out;
	if (family == NFPROTO_INET &&
	    strcmp(nftnl_chain_get_str(c, NFTNL_CHAIN_TABLE), NF_TABLE) == 0)
		goto out;
	if (asprintf(&s, "%s %s %s", fam, nftnl_chain_get_str(c, NFTNL_CHAIN_TABLE),
		     nftnl_chain_get_str(c, NFTNL_CHAIN_NAME)) < 0) {
		l->oom = true;
		goto out;
	}
	if (l->n == l->cap) {
		size_t ncap = l->cap ? l->cap * 2 : 8;
		char **nv = realloc(l->v, ncap * sizeof(*nv));

		if (!nv) {
			free(s);
			l->oom = true;
			goto out;
		}
		l->v = nv;
		l->cap = ncap;
	}
	l->v[l->n++] = s;
out:
	nftnl_chain_free(c);
	return MNL_CB_OK;
}

int nft_foreign_forward_drop(char ***ret, size_t *n, struct nf_error *err)
{
	struct mnl_socket *nl = NULL; /* borrowed: see nl_host() */
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct name_list l = { 0 };
	struct nlmsghdr *nlh;
	int r;

	r = nl_host(&nl, err);
	if (r >= 0) {
		nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETCHAIN, NFPROTO_UNSPEC, NLM_F_DUMP,
					    (uint32_t)time(NULL));
		r = dump(nl, nlh, foreign_chain_cb, &l, "listing nftables chains", err);
	}
	if (r >= 0 && l.oom)
		r = nf_sys_err(err, ENOMEM, "listing nftables chains");
	if (r < 0) {
		for (size_t i = 0; i < l.n; i++)
			free(l.v[i]);
		free(l.v);
		return r;
	}
	*ret = l.v;
	*n = l.n;
	return 0;
}
