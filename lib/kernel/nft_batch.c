/* netfence: nftables transport (see nft_int.h): the batch (one growing buffer, a description
 * per message), the netfilter netlink sockets, every ack read and each error mapped back to the
 * object that caused it (the model is nftables' src/mnl.c), and the messages that make, fill
 * and delete tables, chains, sets and elements. */
#define _GNU_SOURCE
#include <stdatomic.h>
#include <sys/utsname.h>

#include "netns.h"
#include "nft_int.h"

/* ---- the batch: one growing buffer, a description per message for error mapping ---- */

void batch_free(struct batch *b)
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
	if (b->seq - b->seq0 >= NL_SEQ_BATCH - 1) { /* its window of sequence numbers is spent */
		b->oom = true;
		return NULL;
	}
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

struct msgdesc *batch_commit(struct batch *b, struct nlmsghdr *nlh, const char *fmt, ...)
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

void batch_start(struct batch *b)
{
	char *p;

	memset(b, 0, sizeof(*b));
	b->family = NFPROTO_INET;
	b->seq0 = nl_seq_take(NL_SEQ_BATCH);
	b->seq = b->seq0;
	p = batch_room(b);
	if (p)
		batch_commit(b, nftnl_batch_begin(p, b->seq++), "batch begin");
}

void batch_finish(struct batch *b)
{
	char *p = batch_room(b);

	if (p)
		batch_commit(b, nftnl_batch_end(p, b->seq++), "batch end");
}

struct nlmsghdr *msg_hdr(struct batch *b, uint16_t type, uint16_t flags)
{
	char *p = batch_room(b);

	if (!p)
		return NULL;
	return nftnl_nlmsg_build_hdr(p, type, b->family, flags | NLM_F_ACK, b->seq++);
}

/* Linux >= 6.10 sets the timeout of an element added again without NLM_F_EXCL (nft_learn.h);
 * older kernels leave it as it was. */
bool kernel_updates_timeout(void)
{
	static int known = -1;
	struct utsname u;
	unsigned major = 0, minor = 0;

	if (known < 0)
		known = uname(&u) == 0 && sscanf(u.release, "%u.%u", &major, &minor) == 2 &&
			(major > 6 || (major == 6 && minor >= 10));
	return known;
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

/* Reads off every reply still queued on nl, so that the next request on the socket reads only
 * its own: a request that stopped at an error (an ack, a failed receive) left the rest of its
 * replies there. A dump left half-read goes on as it is read, so this reads it to its end. */
static void nl_drain(struct mnl_socket *nl)
{
	char buf[8192];
	int e = errno;

	while (recv(mnl_socket_get_fd(nl), buf, sizeof(buf), MSG_DONTWAIT | MSG_TRUNC) >= 0 ||
	       errno == EINTR || errno == ENOBUFS)
		;
	errno = e;
}

int nl_host(struct mnl_socket **ret, struct nf_error *err)
{
	if (!host_nl) {
		int r = nl_open(&host_nl, err);

		if (r < 0)
			return r;
	}
	nl_drain(host_nl); /* what an earlier request on it left after an error */
	*ret = host_nl;
	return 0;
}

/* A container namespace's socket after its batch: kept open until the next one is parked or the
 * process exits, for the reason nl_host() gives (a batch that deleted objects). */
static struct mnl_socket *parked_nl;

/* Sequence numbers of this process's nftables messages, from one counter (as nftables'
 * mnl_seqnum_alloc): sockets are reused (the parked host socket), so numbers taken from the
 * clock could repeat within a second and an ack be read as another message's. Each batch or
 * query takes a window of n numbers; the start is random so a new process's replies are its
 * own. */
uint32_t nl_seq_take(uint32_t n)
{
	static _Atomic uint32_t next;
	uint32_t zero = 0;

	if (atomic_load(&next) == 0)
		atomic_compare_exchange_strong(&next, &zero, ((uint32_t)time(NULL) << 8) | 1);
	return atomic_fetch_add(&next, n);
}

void nl_park(struct mnl_socket **nl)
{
	if (parked_nl)
		mnl_socket_close(parked_nl);
	parked_nl = steal_pointer(nl);
}

/* A socket that lives in netns_fd's namespace: sockets keep the namespace they were made in. */
int nl_open_in(int netns_fd, struct mnl_socket **ret, struct nf_error *err)
{
	int back = -1, r, e;

	r = netns_enter(netns_fd, &back, err);
	if (r < 0)
		return r;
	r = nl_open(ret, err);
	e = errno;
	netns_return(&back); /* aborts rather than go on in the container's namespace */
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

int batch_send(struct mnl_socket *nl, struct batch *b, struct nf_error *err)
{
	_cleanup_free_ char *rbuf = NULL;
	size_t rsize = 1 << 16, expected = b->n_d - 2;
	struct ack_state st = { .seq0 = b->seq0, .seq_end = b->seq };
	int fd = mnl_socket_get_fd(nl), r;

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
		if (n < 0) {
			r = nf_sys_err(err, errno, "reading nftables acks");
			nl_drain(nl);
			return r;
		}
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

void add_table(struct batch *b, uint16_t type, uint16_t flags)
{
	struct nlmsghdr *nlh = msg_hdr(b, type, flags);

	if (!nlh)
		return;
	mnl_attr_put_strz(nlh, NFTA_TABLE_NAME, NF_TABLE);
	batch_commit(b, nlh, "%s %s %s", type == NFT_MSG_DELTABLE ? "deleting table" : "table",
		     b->family == NFPROTO_NETDEV ? "netdev" : "inet", NF_TABLE);
}

/* A chain; hook >= 0: a base chain, on device dev when dev is set (netdev). */
static void chain_msg(struct batch *b, const char *name, int hook, int prio, const char *type,
		      int policy, const char *dev)
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
	if (dev)
		nftnl_chain_set_str(c, NFTNL_CHAIN_DEV, dev);
	nlh = msg_hdr(b, NFT_MSG_NEWCHAIN, NLM_F_CREATE | NLM_F_EXCL);
	if (nlh) {
		nftnl_chain_nlmsg_build_payload(nlh, c);
		if (dev)
			batch_commit(b, nlh, "chain %s (hook egress, device \"%s\")", name, dev);
		else
			batch_commit(b, nlh, "chain %s", name);
	}
	nftnl_chain_free(c);
}

void add_chain(struct batch *b, const char *name, int hook, int prio, const char *type, int policy)
{
	chain_msg(b, name, hook, prio, type, policy, NULL);
}

/* A base chain of the netdev table on one device's egress hook, priority 0, policy accept. */
void add_egress_chain(struct batch *b, const char *name, const char *dev)
{
	chain_msg(b, name, NF_NETDEV_EGRESS, 0, "filter", NF_ACCEPT, dev);
}

/* key_fields: byte lengths of the concatenated fields (one entry: a plain key). nlflags:
 * NLM_F_CREATE alone leaves a set that exists as it is. flags: NFT_SET_TIMEOUT or 0. */
static uint32_t set_msg(struct batch *b, const char *name, const uint8_t *fields, unsigned n,
			uint32_t key_type, bool interval, bool vmap, uint16_t nlflags,
			uint32_t flags)
{
	struct nftnl_set *s = nftnl_set_alloc();
	struct nlmsghdr *nlh;
	uint32_t klen = 0, id = ++b->set_id;

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

uint32_t add_set_flags(struct batch *b, const char *name, const uint8_t *fields, unsigned n,
		       uint32_t key_type, bool interval, bool vmap, uint16_t nlflags)
{
	return set_msg(b, name, fields, n, key_type, interval, vmap, nlflags, 0);
}

/* An interval set whose elements carry a timeout (the learned sets dyn4/dyn6). */
uint32_t add_set_timeout(struct batch *b, const char *name, const uint8_t *fields, unsigned n,
			 uint32_t key_type)
{
	return set_msg(b, name, fields, n, key_type, true, false, NLM_F_CREATE | NLM_F_EXCL,
		       NFT_SET_TIMEOUT);
}

uint32_t add_set(struct batch *b, const char *name, const uint8_t *fields, unsigned n,
		 uint32_t key_type, bool interval, bool vmap)
{
	return add_set_flags(b, name, fields, n, key_type, interval, vmap,
			     NLM_F_CREATE | NLM_F_EXCL);
}

void put_data(struct nlmsghdr *nlh, uint16_t type, const void *v, size_t len)
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

void add_box_elems(struct batch *b, const char *set, uint32_t id, const struct nf_boxset *bs,
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
/* An element's data: a verdict (code NFT_JUMP or NFT_GOTO to chain). */
void put_verdict(struct nlmsghdr *nlh, int code, const char *chain)
{
	struct nlattr *data = mnl_attr_nest_start(nlh, NFTA_SET_ELEM_DATA);
	struct nlattr *verdict = mnl_attr_nest_start(nlh, NFTA_DATA_VERDICT);

	mnl_attr_put_u32(nlh, NFTA_VERDICT_CODE, htonl((uint32_t)code));
	mnl_attr_put_strz(nlh, NFTA_VERDICT_CHAIN, chain);
	mnl_attr_nest_end(nlh, verdict);
	mnl_attr_nest_end(nlh, data);
}

void add_elem(struct batch *b, uint16_t type, const char *set, uint32_t id, const void *key,
	      size_t klen, const char *chain)
{
	struct nlattr *list, *e;
	struct nlmsghdr *nlh = elem_msg(b, type, set, id, &list);

	if (!nlh)
		return;
	e = mnl_attr_nest_start(nlh, NFTA_LIST_ELEM);
	put_data(nlh, NFTA_SET_ELEM_KEY, key, klen);
	if (chain && type == NFT_MSG_NEWSETELEM)
		put_verdict(nlh, NFT_JUMP, chain);
	mnl_attr_nest_end(nlh, e);
	mnl_attr_nest_end(nlh, list);
	batch_commit(b, nlh, "%s of set %s",
		     type == NFT_MSG_NEWSETELEM ? "element" : "deleting element", set);
}

void del_named(struct batch *b, uint16_t type, const char *name)
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

/* ---- the sockets of namespaces whose hostnet sets a sync rewrote (nft_host.c) ---- */

/* The sockets of the namespaces a sync rewrote, closed together by nft_hostnet_release: closing
 * one after a flush waits for an RCU grace period, and one wait then covers them all. */
static struct mnl_socket **synced_nl;
static size_t n_synced_nl;

void keep_synced(struct mnl_socket **nl)
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

void nft_after_fork(void)
{
	/* the parent's sockets: their descriptors are closed in the child, which must not use
	 * (or close) them */
	host_nl = NULL;
	parked_nl = NULL;
	synced_nl = NULL;
	n_synced_nl = 0;
}

/* ---- named objects (the host table's per-container counters, a namespace's secmark) ---- */

struct nftnl_obj *obj_new(struct batch *b, uint32_t obj_type, const char *name)
{
	struct nftnl_obj *o = nftnl_obj_alloc();

	if (!o) {
		b->oom = true;
		return NULL;
	}
	nftnl_obj_set_str(o, NFTNL_OBJ_TABLE, NF_TABLE);
	nftnl_obj_set_str(o, NFTNL_OBJ_NAME, name);
	nftnl_obj_set_u32(o, NFTNL_OBJ_TYPE, obj_type);
	nftnl_obj_set_u32(o, NFTNL_OBJ_FAMILY, b->family);
	return o;
}

void obj_send(struct batch *b, struct nftnl_obj *o, uint16_t type, uint16_t flags, const char *what)
{
	struct nlmsghdr *nlh = msg_hdr(b, type, flags);

	if (nlh) {
		nftnl_obj_nlmsg_build_payload(nlh, o);
		batch_commit(b, nlh, "%s", what);
	}
	nftnl_obj_free(o);
}

void add_obj(struct batch *b, uint16_t type, uint16_t flags, uint32_t obj_type, const char *name,
	     const char *secctx, const char *what)
{
	struct nftnl_obj *o = obj_new(b, obj_type, name);

	if (!o)
		return;
	if (secctx)
		nftnl_obj_set_str(o, NFTNL_OBJ_SECMARK_CTX, secctx);
	obj_send(b, o, type, flags, what);
}

void add_counter_obj(struct batch *b, uint16_t type, const char *name)
{
	char what[64];
	bool add = type == NFT_MSG_NEWOBJ;

	snprintf(what, sizeof(what), "%s %s", add ? "counter" : "deleting counter", name);
	add_obj(b, type, add ? NLM_F_CREATE | NLM_F_EXCL : 0, NFT_OBJECT_COUNTER, name, NULL, what);
}
