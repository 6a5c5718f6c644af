/* netfence test probe: a small static program placed in test containers as /probe, and used as
 * the test servers (TCP, UDP echo, DNS) in the test world namespace. Exit 0 means the probe
 * succeeded (connection opened, reply received), 1 blocked or timed out, 2 usage or setup error.
 * Each client probe prints one line: "open 3ms", "blocked ECONNREFUSED 1ms", "timeout 2000ms";
 * `dns` prints one "answer ADDR ttl=T Nms" line per address and exits 3 NXDOMAIN, 4 REFUSED,
 * 5 SERVFAIL, 6 another rcode or a malformed reply, 7 truncated (--udp) (cmd_dns). `serve dns`
 * is the test world's DNS server (UDP and TCP, a zone file, a log of every query received).
 * `rawsend` hand-builds one frame on a packet socket (what netfence's netdev egress chain must
 * stop): exit 0 when the kernel took it ("sent"), 1 when it was dropped on the way out. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_FDS 256

static const char *source_addr; /* -s SRC: bind client sockets to this source address */

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

static const char *errname(int e)
{
	switch (e) {
	case ECONNREFUSED:
		return "ECONNREFUSED";
	case EHOSTUNREACH:
		return "EHOSTUNREACH";
	case ENETUNREACH:
		return "ENETUNREACH";
	case EACCES:
		return "EACCES";
	case EPERM:
		return "EPERM";
	case EADDRNOTAVAIL:
		return "EADDRNOTAVAIL";
	case EAFNOSUPPORT:
		return "EAFNOSUPPORT";
	case ETIMEDOUT:
		return "ETIMEDOUT";
	case ECONNRESET:
		return "ECONNRESET";
	case EPROTO:
		return "EPROTO";
	case EPROTONOSUPPORT:
		return "EPROTONOSUPPORT";
	case ESOCKTNOSUPPORT:
		return "ESOCKTNOSUPPORT";
	case ENOSYS:
		return "ENOSYS";
	case ENOBUFS:
		return "ENOBUFS"; /* a packet dropped at a device's egress hook */
	default:
		return strerror(e);
	}
}

static void usage(void)
{
	fprintf(stderr,
		"usage: probe [-s SRC] connect tcp ADDR PORT [timeout_ms]\n"
		"       probe [-s SRC] udp ADDR PORT [timeout_ms]\n"
		"       probe flood udp ADDR PORT PPS SECONDS\n"
		"       probe connburst ADDR PORT N [timeout_ms]\n"
		"       probe send ADDR PORT BYTES [stall_ms]   (to an echo server)\n"
		"       probe [-s SRC] dns SERVER NAME [timeout_ms] [--type A|AAAA|TXT|N] "
		"[--tcp|--udp]\n"
		"                 [--edns SIZE] [--port N]\n"
		"       probe [-s SRC] dnsconnect SERVER NAME PORT COUNT [timeout_ms] [dns "
		"options]\n"
		"                 [--seconds S]\n"
		"       probe [-s SRC] dnsbench SERVER NAME COUNT [timeout_ms] [dns options]\n"
		"       probe [-s SRC] hold tcp ADDR PORT MAX_SECONDS [STOPFILE]\n"
		"       probe listen tcp PORT\n"
		"       probe serve tcp|udp|echo ADDR[,ADDR...] PORT...\n"
		"       probe serve dns ADDR[,ADDR...] PORT [--zone FILE] [--log FILE] "
		"[NAME=IPV4...]\n"
		"         zone file lines: NAME A|AAAA ADDR [TTL], NAME CNAME TARGET [TTL],\n"
		"         NAME ROTATE ADDR... [TTL], NAME MANY N IPV4 [TTL], NAME SERVFAIL, NAME "
		"DROP;\n"
		"         NAME may be *.SUFFIX; the log gets one line a query: udp|tcp NAME TYPE\n"
		"       probe rawsend IFNAME [DSTMAC SRC_IPV4] DST_IPV4 PORT [tcp|udp]\n"
		"       probe socket FAMILY TYPE PROTO\n"
		"       probe io_uring\n"
		"       probe [-s SENDER_IPV4] arpscan IFNAME ADDR...\n"
		"       probe ndp IFNAME ns|rs SRC DST [COUNT]\n"
		"       probe ndp IFNAME ra SRC DST PREFIX\n"
		"       probe icmpchannel FORGED_SRC DST PORT\n"
		"       probe icmpquote SRC SPORT DST DPORT\n"
		"       probe syn6 FORGED_SRC DST PORT\n"
		"       probe icmpcount ADDR TIMEOUT_MS\n"
		"       probe icmpend ADDR\n");
	exit(2);
}

static int parse_num(const char *s, long lo, long hi, long *ret)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < lo || v > hi)
		return -1;
	*ret = v;
	return 0;
}

/* Fill ss from a numeric IPv4 or IPv6 address and a port. */
static int make_addr(const char *addr, long port, struct sockaddr_storage *ss, socklen_t *len)
{
	struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, addr, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons((uint16_t)port);
		*len = sizeof(*s4);
		return 0;
	}
	if (inet_pton(AF_INET6, addr, &s6->sin6_addr) == 1) {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)port);
		*len = sizeof(*s6);
		return 0;
	}
	fprintf(stderr, "probe: bad address %s\n", addr);
	exit(2);
}

static int client_socket(int family, int type)
{
	struct sockaddr_storage src;
	socklen_t srclen;
	int fd;

	fd = socket(family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (source_addr) {
		make_addr(source_addr, 0, &src, &srclen);
		if (bind(fd, (struct sockaddr *)&src, srclen) < 0) {
			fprintf(stderr, "probe: bind %s: %s\n", source_addr, strerror(errno));
			exit(2);
		}
	}
	return fd;
}

/* Wait until fd is ready for events or the deadline (start + timeout ms) passes: 1 ready,
 * 0 timed out. */
static int wait_ready(int fd, short events, long start, long timeout)
{
	struct pollfd pfd = { .fd = fd, .events = events };

	for (;;) {
		long left = timeout - (now_ms() - start);
		int r;

		if (left <= 0)
			return 0;
		r = poll(&pfd, 1, (int)left);
		if (r < 0 && errno == EINTR)
			continue;
		return r > 0;
	}
}

static int report(const char *what, int err, long start)
{
	long dt = now_ms() - start;

	if (!strcmp(what, "open")) {
		printf("open %ldms\n", dt);
		return 0;
	}
	if (!strcmp(what, "timeout")) {
		printf("timeout %ldms\n", dt);
		return 1;
	}
	printf("blocked %s %ldms\n", errname(err), dt);
	return 1;
}

static int cmd_connect(const char *addr, const char *port_s, const char *timeout_s)
{
	struct sockaddr_storage ss;
	socklen_t len, elen;
	long port, timeout = 2000, start;
	int fd, e = 0;

	if (parse_num(port_s, 1, 65535, &port) ||
	    (timeout_s && parse_num(timeout_s, 1, 600000, &timeout)))
		usage();
	make_addr(addr, port, &ss, &len);
	start = now_ms();
	fd = client_socket(ss.ss_family, SOCK_STREAM);
	if (fd < 0)
		return report("blocked", errno, start);
	if (connect(fd, (struct sockaddr *)&ss, len) == 0)
		return report("open", 0, start);
	if (errno != EINPROGRESS)
		return report("blocked", errno, start);
	for (;;) {
		if (!wait_ready(fd, POLLOUT, start, timeout))
			return report("timeout", 0, start);
		elen = sizeof(e);
		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &elen) < 0)
			e = errno;
		if (e)
			return report("blocked", e, start);
		return report("open", 0, start);
	}
}

/* connburst ADDR PORT N [timeout_ms]: N TCP connects started at once; prints how many opened,
 * were refused (and when the last refusal came) or timed out. */
static int cmd_connburst(const char *addr, const char *port_s, const char *n_s,
			 const char *timeout_s)
{
	struct pollfd pfd[1000];
	struct sockaddr_storage ss;
	socklen_t len;
	long port, n, timeout = 3000, start, blocked_max = 0;
	int open_n = 0, blocked = 0, left;

	if (parse_num(port_s, 1, 65535, &port) || parse_num(n_s, 1, 1000, &n) ||
	    (timeout_s && parse_num(timeout_s, 1, 600000, &timeout)))
		usage();
	make_addr(addr, port, &ss, &len);
	start = now_ms();
	for (long i = 0; i < n; i++) {
		pfd[i].fd = client_socket(ss.ss_family, SOCK_STREAM);
		pfd[i].events = POLLOUT;
		if (pfd[i].fd < 0 ||
		    (connect(pfd[i].fd, (struct sockaddr *)&ss, len) < 0 && errno != EINPROGRESS)) {
			blocked++;
			blocked_max = now_ms() - start;
			if (pfd[i].fd >= 0)
				close(pfd[i].fd);
			pfd[i].fd = -1;
		}
	}
	left = (int)n - blocked;
	while (left > 0 && now_ms() - start < timeout) {
		if (poll(pfd, (nfds_t)n, (int)(timeout - (now_ms() - start))) <= 0)
			continue;
		for (long i = 0; i < n; i++) {
			int e = 0;
			socklen_t elen = sizeof(e);

			if (pfd[i].fd < 0 || !pfd[i].revents)
				continue;
			if (getsockopt(pfd[i].fd, SOL_SOCKET, SO_ERROR, &e, &elen) < 0)
				e = errno;
			if (e) {
				blocked++;
				blocked_max = now_ms() - start;
			} else {
				open_n++;
			}
			close(pfd[i].fd);
			pfd[i].fd = -1;
			left--;
		}
	}
	printf("open %d blocked %d timeout %d blocked_max %ldms\n", open_n, blocked, left,
	       blocked_max);
	return 0;
}

/* send ADDR PORT BYTES [stall_ms]: BYTES to an echo server, reading the echo back; stops when
 * all came back or nothing moved for stall_ms (default 1000). */
static int cmd_send(const char *addr, const char *port_s, const char *bytes_s, const char *stall_s)
{
	static uint8_t buf[65536];
	struct sockaddr_storage ss;
	socklen_t len;
	long port, bytes, stall = 1000, last;
	long sent = 0, echoed = 0;
	int fd;

	if (parse_num(port_s, 1, 65535, &port) || parse_num(bytes_s, 1, 1L << 30, &bytes) ||
	    (stall_s && parse_num(stall_s, 1, 600000, &stall)))
		usage();
	make_addr(addr, port, &ss, &len);
	fd = client_socket(ss.ss_family, SOCK_STREAM);
	if (fd < 0 || (connect(fd, (struct sockaddr *)&ss, len) < 0 && errno != EINPROGRESS))
		return report("blocked", errno, now_ms());
	last = now_ms();
	memset(buf, 'x', sizeof(buf));
	while (echoed < bytes && now_ms() - last < stall) {
		struct pollfd p = { .fd = fd, .events = POLLIN | (sent < bytes ? POLLOUT : 0) };
		ssize_t r;

		if (poll(&p, 1, 100) <= 0)
			continue;
		if (p.revents & POLLOUT) {
			size_t want = (size_t)(bytes - sent) < sizeof(buf) ? (size_t)(bytes - sent)
									   : sizeof(buf);

			r = send(fd, buf, want, MSG_DONTWAIT);
			if (r > 0) {
				sent += r;
				last = now_ms();
			} else if (r < 0 && errno != EAGAIN) {
				break;
			}
		}
		if (p.revents & (POLLIN | POLLERR | POLLHUP)) {
			r = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
			if (r > 0) {
				echoed += r;
				last = now_ms();
			} else if (r == 0 || errno != EAGAIN) {
				break;
			}
			memset(buf, 'x', sizeof(buf));
		}
	}
	printf("sent %ld echoed %ld\n", sent, echoed);
	close(fd);
	return echoed == bytes ? 0 : 1;
}

/* Send one datagram on a connected UDP socket and wait for any reply. */
static int udp_exchange(const char *addr, long port, const void *msg, size_t msglen, long timeout,
			unsigned char *reply, size_t replycap, ssize_t *ret_n, long *ret_start)
{
	struct sockaddr_storage ss;
	socklen_t len;
	long start;
	ssize_t n;
	int fd;

	make_addr(addr, port, &ss, &len);
	*ret_start = start = now_ms();
	fd = client_socket(ss.ss_family, SOCK_DGRAM);
	if (fd < 0)
		return report("blocked", errno, start);
	if (connect(fd, (struct sockaddr *)&ss, len) < 0)
		return report("blocked", errno, start);
	if (send(fd, msg, msglen, 0) < 0)
		return report("blocked", errno, start);
	for (;;) {
		if (!wait_ready(fd, POLLIN, start, timeout))
			return report("timeout", 0, start);
		n = recv(fd, reply, replycap, 0);
		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				continue;
			return report("blocked", errno, start);
		}
		*ret_n = n;
		return -1; /* got a reply: the caller reports */
	}
}

static int cmd_udp(const char *addr, const char *port_s, const char *timeout_s)
{
	unsigned char buf[512];
	long port, timeout = 2000, start;
	ssize_t n = 0;
	int r;

	if (parse_num(port_s, 1, 65535, &port) ||
	    (timeout_s && parse_num(timeout_s, 1, 600000, &timeout)))
		usage();
	r = udp_exchange(addr, port, "probe\n", 6, timeout, buf, sizeof(buf), &n, &start);
	if (r >= 0)
		return r;
	return report("open", 0, start);
}

/* `flood udp ADDR PORT PPS SECONDS`: PPS datagrams a second (in bursts every 10 ms) for SECONDS
 * to ADDR:PORT from one unconnected socket (the replies' ICMP errors are not reported to it);
 * prints "sent N refused M Nms": datagrams the kernel took, and those a filter of this
 * namespace's output hook dropped (EPERM). A blocked-packet flood for the log limit. */
static int cmd_flood(const char *addr, const char *port_s, const char *pps_s, const char *sec_s)
{
	struct sockaddr_storage ss;
	socklen_t len;
	long port, pps, secs, start, sent = 0, refused = 0;
	int fd;

	if (parse_num(port_s, 1, 65535, &port) || parse_num(pps_s, 1, 1000000, &pps) ||
	    parse_num(sec_s, 1, 60, &secs))
		usage();
	make_addr(addr, port, &ss, &len);
	fd = socket(ss.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		fprintf(stderr, "probe: socket: %s\n", strerror(errno));
		return 2;
	}
	start = now_ms();
	for (long tick = 0; tick < secs * 100; tick++) {
		long due = start + tick * 10;

		while (now_ms() < due)
			nanosleep(&(struct timespec){ 0, 500000 }, NULL);
		for (long k = 0; k < pps / 100; k++)
			if (sendto(fd, "flood", 5, 0, (struct sockaddr *)&ss, len) == 5)
				sent++;
			else if (errno == EPERM)
				refused++;
	}
	printf("sent %ld refused %ld %ldms\n", sent, refused, now_ms() - start);
	close(fd);
	return 0;
}

/* Bind a listening (stream) or datagram socket on addr:port; "::" listens on IPv4 too. */
static int server_socket(const char *addr, long port, int type)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int fd, one = 1, zero = 0;

	make_addr(addr, port, &ss, &len);
	fd = socket(ss.ss_family, type | SOCK_CLOEXEC, 0);
	if (fd < 0 && ss.ss_family == AF_INET6 && !strcmp(addr, "::")) {
		make_addr("0.0.0.0", port, &ss, &len); /* no IPv6 in this namespace */
		fd = socket(AF_INET, type | SOCK_CLOEXEC, 0);
	}
	if (fd < 0) {
		fprintf(stderr, "probe: socket: %s\n", strerror(errno));
		exit(2);
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	/* a listener on one address (the DNS server's TCP side) beside one on "::" for the same
	 * port (the world's TCP server): the kernel gives each connection to the most specific */
	if (type == SOCK_STREAM)
		setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one));
	if (ss.ss_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero));
	if (bind(fd, (struct sockaddr *)&ss, len) < 0) {
		fprintf(stderr, "probe: bind %s port %ld: %s\n", addr, port, strerror(errno));
		exit(2);
	}
	if (type == SOCK_STREAM && listen(fd, 128) < 0) {
		fprintf(stderr, "probe: listen: %s\n", strerror(errno));
		exit(2);
	}
	return fd;
}

/* ---- DNS: the client (dns, dnsconnect) and the test world's server (serve dns) ----
 * Wire format by hand (RFC 1035): this program must stay static and dependency-free. Names in
 * answers the server builds are compressed only as a pointer to the question; the client
 * follows any pointer. */

#define DNS_MAX 65535	   /* largest message (TCP) */
#define DNS_MAX_ADDRS 8192 /* addresses one answer may list */

static uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static void wr16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static const struct {
	const char *name;
	int type;
} dns_types[] = { { "A", 1 },	 { "NS", 2 },	{ "CNAME", 5 }, { "SOA", 6 },
		  { "PTR", 12 }, { "MX", 15 },	{ "TXT", 16 },	{ "AAAA", 28 },
		  { "SRV", 33 }, { "OPT", 41 }, { "ANY", 255 } };

/* "A", "aaaa", "TXT", "TYPE99" or "99": the type number, or -1. */
static int dns_type_num(const char *s)
{
	long v;

	for (size_t i = 0; i < sizeof(dns_types) / sizeof(dns_types[0]); i++)
		if (!strcasecmp(s, dns_types[i].name))
			return dns_types[i].type;
	if (!strncasecmp(s, "TYPE", 4))
		s += 4;
	if (parse_num(s, 1, 65535, &v) < 0)
		return -1;
	return (int)v;
}

static void dns_type_str(int type, char *buf, size_t cap)
{
	for (size_t i = 0; i < sizeof(dns_types) / sizeof(dns_types[0]); i++)
		if (dns_types[i].type == type) {
			snprintf(buf, cap, "%s", dns_types[i].name);
			return;
		}
	snprintf(buf, cap, "TYPE%d", type);
}

/* Encode NAME (dotted, an optional trailing dot; "." is the root) as labels into q; returns the
 * length or -1. */
static int dns_encode_name(const char *name, unsigned char *q, size_t cap)
{
	size_t pos = 0;
	const char *p = name;

	if (!strcmp(p, "."))
		p++;
	while (*p) {
		const char *dot = strchr(p, '.');
		size_t l = dot ? (size_t)(dot - p) : strlen(p);

		if (l == 0 || l > 63 || pos + l + 2 > cap)
			return -1;
		q[pos++] = (unsigned char)l;
		memcpy(q + pos, p, l);
		pos += l;
		p += l;
		if (*p == '.')
			p++;
	}
	if (pos + 1 > cap || pos + 1 > 255)
		return -1;
	q[pos++] = 0;
	return (int)pos;
}

/* Decode the name at *pos of message m (n bytes), following compression pointers, into out
 * (dotted, no trailing dot, "" for the root); *pos moves past the name where it stands. */
static int dns_decode_name(const uint8_t *m, size_t n, size_t *pos, char *out, size_t cap)
{
	size_t p = *pos, o = 0;
	int jumps = 0;
	bool jumped = false;

	for (;;) {
		uint8_t l;

		if (p >= n)
			return -1;
		l = m[p];
		if ((l & 0xc0) == 0xc0) {
			if (p + 1 >= n || ++jumps > 64)
				return -1;
			if (!jumped)
				*pos = p + 2;
			jumped = true;
			p = (size_t)((l & 0x3f) << 8 | m[p + 1]);
			continue;
		}
		if (l & 0xc0)
			return -1;
		if (l == 0) {
			if (!jumped)
				*pos = p + 1;
			break;
		}
		if (p + 1 + l > n || o + l + 2 > cap)
			return -1;
		if (o)
			out[o++] = '.';
		memcpy(out + o, m + p + 1, l);
		o += l;
		p += 1 + l;
	}
	out[o] = 0;
	return 0;
}

/* ---- the client ---- */

enum { DNS_UDP_THEN_TCP, DNS_TCP_ONLY, DNS_UDP_ONLY };

struct dns_opts {
	int qtype;
	int mode;
	long port;
	long edns;    /* 0: no OPT record; else the UDP size it advertises */
	long seconds; /* dnsconnect: stop after this long (0: after COUNT rounds) */
};

struct dns_result {
	int status; /* 0 a reply, 1 timed out, 2 blocked (err) */
	int err;
	bool bad; /* a reply that is not an answer to the query */
	int rcode;
	bool tc;      /* the last reply had TC set */
	bool retried; /* a truncated UDP reply, then asked over TCP */
	size_t n_addrs, n_cnames;
	char addrs[DNS_MAX_ADDRS][INET6_ADDRSTRLEN];
	uint32_t ttls[DNS_MAX_ADDRS];
	char cnames[16][2 * 256 + 2];
	long ms;
};

static const char *rcode_name(int rcode)
{
	static const char *names[] = { "NOERROR",  "FORMERR", "SERVFAIL",
				       "NXDOMAIN", "NOTIMP",  "REFUSED" };

	return rcode >= 0 && rcode < 6 ? names[rcode] : "RCODE";
}

/* Exit status of a dns probe: 0 NOERROR, 1 no reply (blocked or timed out), 3 NXDOMAIN,
 * 4 REFUSED, 5 SERVFAIL, 6 another rcode or a malformed reply, 7 truncated (UDP only). */
static int dns_exit(const struct dns_result *r, const struct dns_opts *o)
{
	if (r->status)
		return 1;
	if (r->bad)
		return 6;
	if (r->tc && o->mode == DNS_UDP_ONLY)
		return 7;
	switch (r->rcode) {
	case 0:
		return 0;
	case 3:
		return 3;
	case 5:
		return 4;
	case 2:
		return 5;
	default:
		return 6;
	}
}

/* Wait for fd until the deadline: 1 ready, 0 timed out. */
static int wait_fd(int fd, short ev, long start, long timeout)
{
	return wait_ready(fd, ev, start, timeout);
}

static int dns_xfer_fd(int fd, const struct sockaddr_storage *ss, socklen_t len, bool tcp,
		       const uint8_t *q, size_t qlen, long start, long timeout, uint8_t *buf,
		       size_t cap, size_t *ret_n, int *err)
{
	socklen_t elen = sizeof(*err);
	size_t got = 0, want = 2, off = 0;
	uint8_t lenq[2];
	ssize_t n;

	if (connect(fd, (const struct sockaddr *)ss, len) < 0) {
		if (errno != EINPROGRESS) {
			*err = errno;
			return 2;
		}
		if (!wait_fd(fd, POLLOUT, start, timeout))
			return 1;
		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, err, &elen) < 0)
			*err = errno;
		if (*err)
			return 2;
	}
	if (!tcp) {
		if (send(fd, q, qlen, 0) < 0) {
			*err = errno;
			return 2;
		}
		for (;;) {
			if (!wait_fd(fd, POLLIN, start, timeout))
				return 1;
			n = recv(fd, buf, cap, 0);
			if (n < 0) {
				if (errno == EAGAIN || errno == EINTR)
					continue;
				*err = errno;
				return 2;
			}
			if (n < 2 || rd16(buf) != rd16(q))
				continue; /* not ours: a late reply to nothing we asked */
			*ret_n = (size_t)n;
			return 0;
		}
	}
	wr16(lenq, (uint16_t)qlen);
	while (off < qlen + 2) {
		const uint8_t *p = off < 2 ? lenq + off : q + off - 2;
		size_t l = off < 2 ? 2 - off : qlen + 2 - off;

		n = send(fd, p, l, MSG_NOSIGNAL);
		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR) {
				if (!wait_fd(fd, POLLOUT, start, timeout))
					return 1;
				continue;
			}
			*err = errno;
			return 2;
		}
		off += (size_t)n;
	}
	while (got < want) {
		if (!wait_fd(fd, POLLIN, start, timeout))
			return 1;
		n = recv(fd, buf + got, want - got, 0);
		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				continue;
			*err = errno;
			return 2;
		}
		if (n == 0) {
			*err = ECONNRESET;
			return 2;
		}
		got += (size_t)n;
		if (got == 2 && want == 2) {
			want = 2 + rd16(buf);
			if (want > cap) {
				*err = EMSGSIZE;
				return 2;
			}
		}
	}
	memmove(buf, buf + 2, want - 2);
	*ret_n = want - 2;
	return 0;
}

/* One exchange with server: 0 and the reply in buf, 1 timed out, 2 blocked (*err). */
static int dns_xfer(const char *server, long port, bool tcp, const uint8_t *q, size_t qlen,
		    long start, long timeout, uint8_t *buf, size_t cap, size_t *ret_n, int *err)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int fd, r;

	make_addr(server, port, &ss, &len);
	fd = client_socket(ss.ss_family, tcp ? SOCK_STREAM : SOCK_DGRAM);
	if (fd < 0) {
		*err = errno;
		return 2;
	}
	r = dns_xfer_fd(fd, &ss, len, tcp, q, qlen, start, timeout, buf, cap, ret_n, err);
	close(fd);
	return r;
}

/* Read a reply to query q into r: its rcode, TC, the A/AAAA records and CNAMEs of its answer
 * section. r->bad when it is not a reply to q. */
static void dns_read_reply(const uint8_t *m, size_t n, const uint8_t *q, struct dns_result *r)
{
	char owner[256], target[256];
	size_t pos = 12;
	unsigned qd, an;

	r->n_addrs = r->n_cnames = 0;
	r->bad = true;
	if (n < 12 || rd16(m) != rd16(q) || !(m[2] & 0x80))
		return;
	r->rcode = m[3] & 0x0f;
	r->tc = m[2] & 0x02;
	qd = rd16(m + 4);
	an = rd16(m + 6);
	for (unsigned i = 0; i < qd; i++) {
		if (dns_decode_name(m, n, &pos, owner, sizeof(owner)) < 0 || pos + 4 > n)
			return;
		pos += 4;
	}
	for (unsigned i = 0; i < an; i++) {
		uint16_t type, rdlen;
		uint32_t ttl;

		if (dns_decode_name(m, n, &pos, owner, sizeof(owner)) < 0 || pos + 10 > n)
			return;
		type = rd16(m + pos);
		ttl = (uint32_t)rd16(m + pos + 4) << 16 | rd16(m + pos + 6);
		rdlen = rd16(m + pos + 8);
		pos += 10;
		if (pos + rdlen > n)
			return;
		if ((type == 1 && rdlen == 4) || (type == 28 && rdlen == 16)) {
			if (r->n_addrs < DNS_MAX_ADDRS) {
				inet_ntop(type == 1 ? AF_INET : AF_INET6, m + pos,
					  r->addrs[r->n_addrs], INET6_ADDRSTRLEN);
				r->ttls[r->n_addrs++] = ttl;
			}
		} else if (type == 5) {
			size_t p = pos;

			if (dns_decode_name(m, pos + rdlen, &p, target, sizeof(target)) < 0)
				return;
			if (r->n_cnames < 16)
				snprintf(r->cnames[r->n_cnames++], sizeof(r->cnames[0]), "%s %s",
					 owner, target);
		}
		pos += rdlen;
	}
	r->bad = false;
}

static uint16_t dns_next_id(void)
{
	static unsigned id;

	if (!id)
		id = (unsigned)getpid() * 2654435761u ^ (unsigned)now_ms();
	id = id * 1103515245u + 12345u;
	return (uint16_t)(id >> 8);
}

static int dns_query(const char *server, const char *name, const struct dns_opts *o, long timeout,
		     struct dns_result *r)
{
	static uint8_t buf[DNS_MAX + 2];
	uint8_t q[600];
	size_t n = 0;
	long start = now_ms();
	int l;

	memset(q, 0, 12);
	wr16(q, dns_next_id());
	q[2] = 0x01; /* RD */
	q[5] = 1;    /* QDCOUNT */
	l = dns_encode_name(name, q + 12, 256);
	if (l < 0)
		usage();
	l += 12;
	wr16(q + l, (uint16_t)o->qtype);
	wr16(q + l + 2, 1); /* IN */
	l += 4;
	if (o->edns) { /* an OPT record: root, type 41, class = UDP size, ttl 0, no data */
		q[11] = 1;
		q[l] = 0;
		wr16(q + l + 1, 41);
		wr16(q + l + 3, (uint16_t)o->edns);
		memset(q + l + 5, 0, 6);
		l += 11;
	}
	memset(r, 0, offsetof(struct dns_result, addrs));
	r->status = dns_xfer(server, o->port, o->mode == DNS_TCP_ONLY, q, (size_t)l, start, timeout,
			     buf, sizeof(buf), &n, &r->err);
	if (r->status == 0)
		dns_read_reply(buf, n, q, r);
	if (r->status == 0 && !r->bad && r->tc && o->mode == DNS_UDP_THEN_TCP) {
		r->retried = true;
		r->status = dns_xfer(server, o->port, true, q, (size_t)l, start, timeout, buf,
				     sizeof(buf), &n, &r->err);
		if (r->status == 0)
			dns_read_reply(buf, n, q, r);
	}
	r->ms = now_ms() - start;
	return dns_exit(r, o);
}

/* The options after `dns SERVER NAME [timeout_ms]` (and dnsconnect's): --type T, --tcp, --udp
 * (no TCP after a truncated answer), --edns SIZE, --port N; dnsconnect: --seconds S. Returns the count of positional
 * arguments left at the front of argv. */
static int dns_parse_opts(int argc, char **argv, struct dns_opts *o)
{
	int npos = 0;

	o->qtype = 1;
	o->mode = DNS_UDP_THEN_TCP;
	o->port = 53;
	o->edns = 0;
	o->seconds = 0;
	for (int i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "--tcp")) {
			o->mode = DNS_TCP_ONLY;
		} else if (!strcmp(argv[i], "--udp")) {
			o->mode = DNS_UDP_ONLY;
		} else if (!strcmp(argv[i], "--type") && i + 1 < argc) {
			o->qtype = dns_type_num(argv[++i]);
			if (o->qtype < 0)
				usage();
		} else if (!strcmp(argv[i], "--edns") && i + 1 < argc) {
			if (parse_num(argv[++i], 512, 65535, &o->edns) < 0)
				usage();
		} else if (!strcmp(argv[i], "--seconds") && i + 1 < argc) {
			if (parse_num(argv[++i], 1, 3600, &o->seconds) < 0)
				usage();
		} else if (!strcmp(argv[i], "--port") && i + 1 < argc) {
			if (parse_num(argv[++i], 1, 65535, &o->port) < 0)
				usage();
		} else if (!strncmp(argv[i], "--", 2)) {
			usage();
		} else {
			if (npos != i)
				usage(); /* positional arguments come first */
			npos++;
		}
	}
	return npos;
}

static struct dns_result dns_res;

/* dns SERVER NAME [timeout_ms] [options]: one line per address ("answer ADDR ttl=T Nms", the
 * first line as it always was), then "cname OWNER TARGET" lines, "truncated, retried over tcp"
 * when it was; "nodata Nms" for NOERROR without addresses, "reply RCODE Nms" for any other
 * rcode, "truncated Nms" (--udp), "timeout Nms", "blocked ERR Nms". Exit status: dns_exit. */
static int cmd_dns(int argc, char **argv)
{
	struct dns_opts o;
	struct dns_result *r = &dns_res;
	long timeout = 2000;
	int npos, rc;

	npos = dns_parse_opts(argc, argv, &o);
	if (npos < 2 || npos > 3 || (npos == 3 && parse_num(argv[2], 1, 600000, &timeout)))
		usage();
	rc = dns_query(argv[0], argv[1], &o, timeout, r);
	if (r->status == 1) {
		printf("timeout %ldms\n", r->ms);
		return rc;
	}
	if (r->status == 2) {
		printf("blocked %s %ldms\n", errname(r->err), r->ms);
		return rc;
	}
	if (r->bad) {
		printf("reply malformed %ldms\n", r->ms);
		return rc;
	}
	for (size_t i = 0; i < r->n_addrs; i++)
		printf("answer %s ttl=%u %ldms\n", r->addrs[i], r->ttls[i], r->ms);
	for (size_t i = 0; i < r->n_cnames; i++)
		printf("cname %s\n", r->cnames[i]);
	if (r->retried)
		printf("truncated, retried over tcp\n");
	if (r->tc && o.mode == DNS_UDP_ONLY)
		printf("truncated %ldms\n", r->ms);
	else if (r->rcode)
		printf("reply %s %ldms\n", r->rcode < 6 ? rcode_name(r->rcode) : "rcode", r->ms);
	else if (!r->n_addrs)
		printf("nodata %ldms\n", r->ms);
	return rc;
}

/* Connect to addr:port (TCP) within timeout: 0 open, else errno (ETIMEDOUT on a timeout). */
static int tcp_open(const char *addr, long port, long timeout, int *ret_fd)
{
	struct sockaddr_storage ss;
	socklen_t len, elen;
	long start = now_ms();
	int fd, e = 0;

	make_addr(addr, port, &ss, &len);
	fd = client_socket(ss.ss_family, SOCK_STREAM);
	if (fd < 0)
		return errno;
	if (connect(fd, (struct sockaddr *)&ss, len) < 0) {
		if (errno != EINPROGRESS) {
			e = errno;
			close(fd);
			return e;
		}
		if (!wait_ready(fd, POLLOUT, start, timeout)) {
			close(fd);
			return ETIMEDOUT;
		}
		elen = sizeof(e);
		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &elen) < 0)
			e = errno;
		if (e) {
			close(fd);
			return e;
		}
	}
	if (ret_fd)
		*ret_fd = fd;
	else
		close(fd);
	return 0;
}

/* dnsconnect SERVER NAME PORT COUNT [timeout_ms] [dns options] [--seconds S]: COUNT rounds (or
 * as many as S seconds allow) of one lookup and, at once, a TCP connect to every address it
 * returned (what a program does; no pause between the answer and the first packet). Prints the
 * first 20 failures and "rounds N lookups-failed L connects-ok C connects-failed F"; exit 0 when nothing
 * failed, 1 otherwise. */
static int cmd_dnsconnect(int argc, char **argv)
{
	struct dns_opts o;
	struct dns_result *r = &dns_res;
	long timeout = 2000, port, count, lfail = 0, cok = 0, cfail = 0, start = now_ms(), i;
	int npos;

	npos = dns_parse_opts(argc, argv, &o);
	if (npos < 4 || npos > 5 || parse_num(argv[2], 1, 65535, &port) ||
	    parse_num(argv[3], 1, 1000000, &count) ||
	    (npos == 5 && parse_num(argv[4], 1, 600000, &timeout)))
		usage();
	for (i = 1; i <= count; i++) {
		int rc;

		if (o.seconds && now_ms() - start >= o.seconds * 1000)
			break;
		rc = dns_query(argv[0], argv[1], &o, timeout, r);

		if (rc != 0 || !r->n_addrs) {
			if (lfail++ + cfail >= 20)
				continue; /* the first 20 failures are enough to read */
			printf("round %ld: lookup exit %d (%s, rcode %d, %zu addresses) %ldms\n", i,
			       rc,
			       r->status == 1 ? "timeout"
			       : r->status    ? errname(r->err)
					      : "reply",
			       r->rcode, r->n_addrs, r->ms);
			continue;
		}
		for (size_t a = 0; a < r->n_addrs; a++) {
			long t0 = now_ms();
			int e = tcp_open(r->addrs[a], port, timeout, NULL);

			if (!e) {
				cok++;
				continue;
			}
			if (lfail + cfail++ >= 20)
				continue;
			printf("round %ld: connect %s port %ld: blocked %s %ldms\n", i, r->addrs[a],
			       port, errname(e), now_ms() - t0);
		}
	}
	printf("rounds %ld lookups-failed %ld connects-ok %ld connects-failed %ld\n", i - 1, lfail,
	       cok, cfail);
	return lfail || cfail ? 1 : 0;
}

static long now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000L + ts.tv_nsec / 1000L;
}

static int cmp_long(const void *a, const void *b)
{
	long x = *(const long *)a, y = *(const long *)b;

	return (x > y) - (x < y);
}

/* dnsbench SERVER NAME COUNT [timeout_ms] [dns options]: COUNT lookups one after the other (a
 * socket each, as a stub resolver does), timed one by one: "queries N failed F p50 Xus p90 Xus
 * p99 Xus max Xus" over the answered ones (NOERROR with an address). Exit 0 when none failed.
 * (bench/resolver.sh: the latency the resolver adds.) */
static int cmd_dnsbench(int argc, char **argv)
{
	struct dns_opts o;
	struct dns_result *r = &dns_res;
	long timeout = 2000, count, failed = 0, n = 0, *us;
	int npos;

	npos = dns_parse_opts(argc, argv, &o);
	if (npos < 3 || npos > 4 || parse_num(argv[2], 1, 10000000, &count) ||
	    (npos == 4 && parse_num(argv[3], 1, 600000, &timeout)))
		usage();
	us = calloc((size_t)count, sizeof(*us));
	if (!us)
		return 2;
	for (long i = 0; i < count; i++) {
		long t0 = now_us();

		if (dns_query(argv[0], argv[1], &o, timeout, r) != 0 || !r->n_addrs) {
			failed++;
			continue;
		}
		us[n++] = now_us() - t0;
	}
	qsort(us, (size_t)n, sizeof(*us), cmp_long);
	if (n)
		printf("queries %ld failed %ld p50 %ldus p90 %ldus p99 %ldus max %ldus\n", count,
		       failed, us[(n - 1) * 50 / 100], us[(n - 1) * 90 / 100],
		       us[(n - 1) * 99 / 100], us[n - 1]);
	else
		printf("queries %ld failed %ld\n", count, failed);
	free(us);
	return failed ? 1 : 0;
}

/* hold tcp ADDR PORT MAX_SECONDS [STOPFILE]: open a connection to an echo server (serve echo)
 * and keep it: one exchange every 200 ms. Prints "open Nms" once connected; ends with "alive
 * Nms K exchanges" (exit 0) when STOPFILE appears (one last exchange after it) or, without
 * STOPFILE, after MAX_SECONDS; "lost after Nms: WHY (K exchanges)" (exit 1) when an exchange
 * fails; "no stop after Ns" (exit 1) when STOPFILE never appears. */
static int cmd_hold(const char *addr, const char *port_s, const char *max_s, const char *stop)
{
	long port, max, start = now_ms(), exchanges = 0;
	int fd, e;

	if (parse_num(port_s, 1, 65535, &port) || parse_num(max_s, 1, 3600, &max))
		usage();
	e = tcp_open(addr, port, 2000, &fd);
	if (e)
		return report(e == ETIMEDOUT ? "timeout" : "blocked", e, start);
	printf("open %ldms\n", now_ms() - start);
	for (;;) {
		bool last = stop && access(stop, F_OK) == 0;
		char msg[32], in[32];
		size_t got = 0;
		long t0 = now_ms();
		int l = snprintf(msg, sizeof(msg), "hold %ld\n", exchanges);

		if (send(fd, msg, (size_t)l, MSG_NOSIGNAL) != l) {
			printf("lost after %ldms: send %s (%ld exchanges)\n", now_ms() - start,
			       errname(errno), exchanges);
			return 1;
		}
		while (got < (size_t)l) {
			ssize_t n;

			if (!wait_ready(fd, POLLIN, t0, 2000)) {
				printf("lost after %ldms: no echo (%ld exchanges)\n",
				       now_ms() - start, exchanges);
				return 1;
			}
			n = recv(fd, in + got, (size_t)l - got, 0);
			if (n < 0 && (errno == EAGAIN || errno == EINTR))
				continue;
			if (n <= 0) {
				printf("lost after %ldms: %s (%ld exchanges)\n", now_ms() - start,
				       n ? errname(errno) : "closed", exchanges);
				return 1;
			}
			got += (size_t)n;
		}
		if (memcmp(in, msg, (size_t)l)) {
			printf("lost after %ldms: wrong echo (%ld exchanges)\n", now_ms() - start,
			       exchanges);
			return 1;
		}
		exchanges++;
		if (last || (!stop && now_ms() - start >= max * 1000)) {
			printf("alive %ldms %ld exchanges\n", now_ms() - start, exchanges);
			close(fd);
			return 0;
		}
		if (now_ms() - start >= max * 1000) {
			printf("no stop after %lds (%ld exchanges)\n", max, exchanges);
			return 1;
		}
		usleep(200000);
	}
}

/* ---- the server ---- */

enum { Z_A, Z_AAAA, Z_CNAME, Z_ROTATE, Z_MANY, Z_SERVFAIL, Z_DROP };

struct zrec {
	char name[256]; /* lower case, no trailing dot; "*.suffix" matches names below suffix */
	int kind;
	uint32_t ttl;
	uint8_t addr[16]; /* A, AAAA; MANY: the first address */
	char target[256]; /* CNAME */
	unsigned n;	  /* MANY: how many */
	uint8_t (*rot4)[4], (*rot6)[16];
	unsigned n4, n6, next4, next6; /* ROTATE: the addresses, the next one to answer */
};

static struct zrec *zone;
static size_t zone_n, zone_cap;
static FILE *dns_log;

static void name_norm(char *s)
{
	size_t l = strlen(s);

	if (l > 1 && s[l - 1] == '.')
		s[l - 1] = 0;
	for (; *s; s++)
		if (*s >= 'A' && *s <= 'Z')
			*s = (char)(*s - 'A' + 'a');
}

static struct zrec *zone_new(const char *name)
{
	struct zrec *z;

	if (zone_n == zone_cap) {
		zone_cap = zone_cap ? 2 * zone_cap : 64;
		zone = realloc(zone, zone_cap * sizeof(*zone));
		if (!zone) {
			fprintf(stderr, "probe: out of memory\n");
			exit(2);
		}
	}
	z = &zone[zone_n++];
	memset(z, 0, sizeof(*z));
	if (strlen(name) >= sizeof(z->name)) {
		fprintf(stderr, "probe: name too long: %s\n", name);
		exit(2);
	}
	strcpy(z->name, name);
	name_norm(z->name);
	z->ttl = 30;
	return z;
}

static void zone_fail(const char *file, int line, const char *why, const char *tok)
{
	fprintf(stderr, "probe: zone %s line %d: %s%s%s\n", file, line, why, tok ? ": " : "",
		tok ? tok : "");
	exit(2);
}

static uint32_t zone_ttl(const char *file, int line, const char *tok)
{
	long v;

	if (parse_num(tok, 0, 2147483647L, &v) < 0)
		zone_fail(file, line, "bad ttl", tok);
	return (uint32_t)v;
}

/* The zone file: one record a line, `#` comments; see usage(). */
static void zone_load(const char *file)
{
	char line[4096];
	int ln = 0;
	FILE *f = fopen(file, "re");

	if (!f) {
		fprintf(stderr, "probe: %s: %s\n", file, strerror(errno));
		exit(2);
	}
	while (fgets(line, sizeof(line), f)) {
		char *tok[1024], *save = NULL, *h = strchr(line, '#');
		int nt = 0;
		struct zrec *z;

		ln++;
		if (h)
			*h = 0;
		for (char *t = strtok_r(line, " \t\r\n", &save); t && nt < 1024;
		     t = strtok_r(NULL, " \t\r\n", &save))
			tok[nt++] = t;
		if (nt == 0)
			continue;
		if (nt < 2)
			zone_fail(file, ln, "no record type", tok[0]);
		z = zone_new(tok[0]);
		if (!strcasecmp(tok[1], "A") || !strcasecmp(tok[1], "AAAA")) {
			z->kind = !strcasecmp(tok[1], "A") ? Z_A : Z_AAAA;
			if (nt < 3 || nt > 4 ||
			    inet_pton(z->kind == Z_A ? AF_INET : AF_INET6, tok[2], z->addr) != 1)
				zone_fail(file, ln, "expected NAME A|AAAA ADDR [TTL]", NULL);
			if (nt == 4)
				z->ttl = zone_ttl(file, ln, tok[3]);
		} else if (!strcasecmp(tok[1], "CNAME")) {
			z->kind = Z_CNAME;
			if (nt < 3 || nt > 4 || strlen(tok[2]) >= sizeof(z->target))
				zone_fail(file, ln, "expected NAME CNAME TARGET [TTL]", NULL);
			strcpy(z->target, tok[2]);
			name_norm(z->target);
			if (nt == 4)
				z->ttl = zone_ttl(file, ln, tok[3]);
		} else if (!strcasecmp(tok[1], "ROTATE")) {
			z->kind = Z_ROTATE;
			z->rot4 = calloc((size_t)nt, 4);
			z->rot6 = calloc((size_t)nt, 16);
			for (int i = 2; i < nt; i++) {
				if (inet_pton(AF_INET, tok[i], z->rot4[z->n4]) == 1)
					z->n4++;
				else if (inet_pton(AF_INET6, tok[i], z->rot6[z->n6]) == 1)
					z->n6++;
				else
					z->ttl = zone_ttl(file, ln, tok[i]);
			}
			if (!z->n4 && !z->n6)
				zone_fail(file, ln, "ROTATE without addresses", NULL);
		} else if (!strcasecmp(tok[1], "MANY")) {
			long v;

			z->kind = Z_MANY;
			if (nt < 4 || nt > 5 || parse_num(tok[2], 1, 4000, &v) < 0 ||
			    inet_pton(AF_INET, tok[3], z->addr) != 1)
				zone_fail(file, ln, "expected NAME MANY N IPV4 [TTL] (N <= 4000)",
					  NULL);
			z->n = (unsigned)v;
			if (nt == 5)
				z->ttl = zone_ttl(file, ln, tok[4]);
		} else if (!strcasecmp(tok[1], "SERVFAIL") && nt == 2) {
			z->kind = Z_SERVFAIL;
		} else if (!strcasecmp(tok[1], "DROP") && nt == 2) {
			z->kind = Z_DROP;
		} else {
			zone_fail(file, ln, "unknown record", tok[1]);
		}
	}
	fclose(f);
}

static bool zone_match(const struct zrec *z, const char *name, bool wild)
{
	size_t ln, ls;

	if (!wild)
		return !strcasecmp(z->name, name);
	if (strncmp(z->name, "*.", 2))
		return false;
	ln = strlen(name);
	ls = strlen(z->name + 1); /* ".suffix" */
	return ln > ls && !strcasecmp(name + ln - ls, z->name + 1);
}

struct dns_q {
	char name[256];
	uint16_t qtype;
	size_t qend;	/* the end of the question */
	bool edns;	/* the query had an OPT record */
	size_t udp_max; /* the largest UDP reply it takes */
};

static int dns_parse_q(const uint8_t *m, size_t n, struct dns_q *q)
{
	size_t pos = 12;

	if (n < 12 || (m[2] & 0x80) || rd16(m + 4) != 1)
		return -1;
	if (dns_decode_name(m, n, &pos, q->name, sizeof(q->name)) < 0 || pos + 4 > n)
		return -1;
	q->qtype = rd16(m + pos);
	q->qend = pos + 4;
	q->edns = false;
	q->udp_max = 512;
	pos = q->qend;
	if (rd16(m + 6) == 0 && rd16(m + 8) == 0 && rd16(m + 10) >= 1 && pos + 11 <= n &&
	    m[pos] == 0 && rd16(m + pos + 1) == 41) {
		q->edns = true;
		q->udp_max = rd16(m + pos + 3);
		if (q->udp_max < 512)
			q->udp_max = 512;
		if (q->udp_max > 4096)
			q->udp_max = 4096;
	}
	return 0;
}

/* Append a record to out (cap bytes) at *pos; the owner as a pointer to the question when it
 * is the question's name. 0, or -1 when it does not fit. */
static int put_rr(uint8_t *out, size_t cap, size_t *pos, const char *owner, const char *qname,
		  uint16_t type, uint32_t ttl, const uint8_t *rdata, size_t rdlen)
{
	size_t p = *pos;
	int l;

	if (!strcasecmp(owner, qname)) {
		if (p + 2 > cap)
			return -1;
		out[p++] = 0xc0;
		out[p++] = 12;
	} else {
		l = dns_encode_name(owner, out + p, cap - p);
		if (l < 0)
			return -1;
		p += (size_t)l;
	}
	if (p + 10 + rdlen > cap)
		return -1;
	wr16(out + p, type);
	wr16(out + p + 2, 1);
	wr16(out + p + 4, (uint16_t)(ttl >> 16));
	wr16(out + p + 6, (uint16_t)ttl);
	wr16(out + p + 8, (uint16_t)rdlen);
	memcpy(out + p + 10, rdata, rdlen);
	*pos = p + 10 + rdlen;
	return 0;
}

/* The reply to query m (n bytes) from the zone, into out; -1: no reply at all (DROP). Over UDP
 * an answer larger than the query allows (512 bytes, or its EDNS size) goes out with TC set and
 * no records. */
static ssize_t dns_reply(const uint8_t *m, size_t n, bool tcp, uint8_t *out, size_t cap)
{
	char cur[256], type_s[16];
	struct dns_q q;
	size_t pos, an = 0;
	int rcode = 0;

	if (dns_parse_q(m, n, &q) < 0) {
		if (dns_log) {
			fprintf(dns_log, "%s - MALFORMED\n", tcp ? "tcp" : "udp");
			fflush(dns_log);
		}
		if (n < 12)
			return -1;
		memcpy(out, m, 12);
		out[2] = 0x80 | (m[2] & 0x79);
		out[3] = 1; /* FORMERR */
		memset(out + 4, 0, 8);
		return 12;
	}
	dns_type_str(q.qtype, type_s, sizeof(type_s));
	if (dns_log) {
		fprintf(dns_log, "%s %s %s\n", tcp ? "tcp" : "udp", q.name, type_s);
		fflush(dns_log);
	}
	if (q.qend > cap)
		return -1;
	memcpy(out, m, q.qend);
	pos = q.qend;
	snprintf(cur, sizeof(cur), "%s", q.name);
	name_norm(cur);
	for (int hops = 0; hops < 8; hops++) {
		bool wild = false, found = false, servfail = false;
		const struct zrec *cname = NULL;

		for (size_t i = 0; i < zone_n; i++)
			if (zone_match(&zone[i], cur, false))
				found = true;
		if (!found) {
			wild = true;
			for (size_t i = 0; i < zone_n; i++)
				if (zone_match(&zone[i], cur, true))
					found = true;
		}
		if (!found) {
			if (hops == 0)
				rcode = 3; /* NXDOMAIN */
			break;
		}
		for (size_t i = 0; i < zone_n; i++) {
			if (!zone_match(&zone[i], cur, wild))
				continue;
			if (zone[i].kind == Z_DROP)
				return -1;
			if (zone[i].kind == Z_SERVFAIL)
				servfail = true;
			if (zone[i].kind == Z_CNAME && !cname)
				cname = &zone[i];
		}
		if (servfail) {
			rcode = 2;
			pos = q.qend;
			an = 0;
			break;
		}
		if (cname && q.qtype != 5) {
			uint8_t rd[256];
			int l = dns_encode_name(cname->target, rd, sizeof(rd));

			if (l < 0 ||
			    put_rr(out, cap, &pos, cur, q.name, 5, cname->ttl, rd, (size_t)l) < 0)
				return -1;
			an++;
			snprintf(cur, sizeof(cur), "%s", cname->target);
			continue;
		}
		for (size_t i = 0; i < zone_n; i++) {
			struct zrec *z = &zone[i];
			int r = 0;

			if (!zone_match(z, cur, wild))
				continue;
			if (z->kind == Z_A && (q.qtype == 1 || q.qtype == 255)) {
				r = put_rr(out, cap, &pos, cur, q.name, 1, z->ttl, z->addr, 4);
				an++;
			} else if (z->kind == Z_AAAA && (q.qtype == 28 || q.qtype == 255)) {
				r = put_rr(out, cap, &pos, cur, q.name, 28, z->ttl, z->addr, 16);
				an++;
			} else if (z->kind == Z_CNAME && q.qtype == 5) {
				uint8_t rd[256];
				int l = dns_encode_name(z->target, rd, sizeof(rd));

				r = l < 0 ? -1
					  : put_rr(out, cap, &pos, cur, q.name, 5, z->ttl, rd,
						   (size_t)l);
				an++;
			} else if (z->kind == Z_ROTATE && q.qtype == 1 && z->n4) {
				r = put_rr(out, cap, &pos, cur, q.name, 1, z->ttl,
					   z->rot4[z->next4++ % z->n4], 4);
				an++;
			} else if (z->kind == Z_ROTATE && q.qtype == 28 && z->n6) {
				r = put_rr(out, cap, &pos, cur, q.name, 28, z->ttl,
					   z->rot6[z->next6++ % z->n6], 16);
				an++;
			} else if (z->kind == Z_MANY && (q.qtype == 1 || q.qtype == 255)) {
				uint32_t base = (uint32_t)z->addr[0] << 24 |
						(uint32_t)z->addr[1] << 16 |
						(uint32_t)z->addr[2] << 8 | z->addr[3];

				for (unsigned k = 0; k < z->n && r == 0; k++) {
					uint32_t a = base + k;
					uint8_t b[4] = { (uint8_t)(a >> 24), (uint8_t)(a >> 16),
							 (uint8_t)(a >> 8), (uint8_t)a };

					r = put_rr(out, cap, &pos, cur, q.name, 1, z->ttl, b, 4);
					an++;
				}
			}
			if (r < 0)
				return -1;
		}
		break;
	}
	out[2] = (uint8_t)(0x84 | (m[2] & 0x79)); /* QR, AA; the query's opcode and RD */
	out[3] = (uint8_t)(0x80 | rcode);	  /* RA */
	wr16(out + 4, 1);
	wr16(out + 6, (uint16_t)an);
	wr16(out + 8, 0);
	wr16(out + 10, q.edns ? 1 : 0);
	if (!tcp && pos + (q.edns ? 11 : 0) > q.udp_max) {
		pos = q.qend;
		out[2] |= 0x02; /* TC */
		wr16(out + 6, 0);
	}
	if (q.edns) {
		if (pos + 11 > cap)
			return -1;
		out[pos] = 0;
		wr16(out + pos + 1, 41);
		wr16(out + pos + 3, 1232);
		memset(out + pos + 5, 0, 6);
		pos += 11;
	}
	return (ssize_t)pos;
}

/* ---- serve: the listeners, and the TCP connections of echo and DNS ---- */

enum { L_TCPOK, L_UDPECHO, L_ECHO, L_DNSUDP, L_DNSTCP, C_ECHO, C_DNS };

struct sfd {
	int fd, kind;
	uint8_t *buf; /* C_DNS: a partial message */
	size_t len;
};

static struct sfd sfds[MAX_FDS];
static int n_sfds;

static void sfd_add(int fd, int kind)
{
	if (n_sfds >= MAX_FDS) {
		close(fd);
		return;
	}
	sfds[n_sfds].fd = fd;
	sfds[n_sfds].kind = kind;
	sfds[n_sfds].len = 0;
	sfds[n_sfds].buf = NULL;
	if (kind == C_DNS) {
		sfds[n_sfds].buf = malloc(DNS_MAX + 2);
		if (!sfds[n_sfds].buf) {
			close(fd);
			return;
		}
	}
	n_sfds++;
}

/* Write all of buf to a non-blocking stream socket (2 s at most): 0 or -1. */
static int write_all(int fd, const uint8_t *buf, size_t len)
{
	long start = now_ms();
	size_t off = 0;

	while (off < len) {
		ssize_t n = send(fd, buf + off, len - off, MSG_NOSIGNAL);

		if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
			if (!wait_ready(fd, POLLOUT, start, 2000))
				return -1;
			continue;
		}
		if (n <= 0)
			return -1;
		off += (size_t)n;
	}
	return 0;
}

/* One readable connection: 0 keep it, -1 close it. */
static int conn_input(struct sfd *c)
{
	static uint8_t out[DNS_MAX + 2];
	uint8_t tmp[4096];
	ssize_t n;

	if (c->kind == C_ECHO) {
		n = recv(c->fd, tmp, sizeof(tmp), 0);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return 0;
		if (n <= 0)
			return -1;
		return write_all(c->fd, tmp, (size_t)n);
	}
	n = recv(c->fd, c->buf + c->len, DNS_MAX + 2 - c->len, 0);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return 0;
	if (n <= 0)
		return -1;
	c->len += (size_t)n;
	while (c->len >= 2 && c->len >= 2 + (size_t)rd16(c->buf)) {
		size_t ml = rd16(c->buf);
		ssize_t rl = dns_reply(c->buf + 2, ml, true, out + 2, DNS_MAX);

		if (rl >= 0) {
			wr16(out, (uint16_t)rl);
			if (write_all(c->fd, out, (size_t)rl + 2) < 0)
				return -1;
		}
		memmove(c->buf, c->buf + 2 + ml, c->len - 2 - ml);
		c->len -= 2 + ml;
	}
	return 0;
}

/* serve tcp|udp|echo ADDR[,ADDR...] PORT...; serve dns ADDR[,ADDR...] PORT [--zone FILE]
 * [--log FILE] [NAME=IPV4...] */
static int cmd_serve(const char *proto, const char *addr, int nargs, char **args)
{
	char list[1024], *save = NULL, *a;
	int i, type, lkind, lkind2 = -1;
	long port;

	if (!strcmp(proto, "tcp")) {
		type = SOCK_STREAM;
		lkind = L_TCPOK;
	} else if (!strcmp(proto, "echo")) {
		type = SOCK_STREAM;
		lkind = L_ECHO;
	} else if (!strcmp(proto, "udp")) {
		type = SOCK_DGRAM;
		lkind = L_UDPECHO;
	} else if (!strcmp(proto, "dns")) {
		type = SOCK_DGRAM;
		lkind = L_DNSUDP;
		lkind2 = L_DNSTCP;
	} else {
		usage();
	}
	if (nargs < 1 || strlen(addr) >= sizeof(list))
		usage();
	if (lkind == L_DNSUDP) {
		if (parse_num(args[0], 1, 65535, &port))
			usage();
		for (i = 1; i < nargs; i++) {
			char *eq = strchr(args[i], '=');

			if (!strcmp(args[i], "--zone") && i + 1 < nargs) {
				zone_load(args[++i]);
			} else if (!strcmp(args[i], "--log") && i + 1 < nargs) {
				dns_log = fopen(args[++i], "ae");
				if (!dns_log) {
					fprintf(stderr, "probe: %s: %s\n", args[i],
						strerror(errno));
					return 2;
				}
			} else if (eq) { /* NAME=IPV4: an A record, ttl 30 */
				struct zrec *z;

				*eq = 0;
				z = zone_new(args[i]);
				z->kind = Z_A;
				if (inet_pton(AF_INET, eq + 1, z->addr) != 1)
					usage();
			} else {
				usage();
			}
		}
		nargs = 1;
	}
	/* ADDR may be a comma-separated list: a UDP server must answer from the address that
	 * was asked, which a wildcard socket does not do. */
	strcpy(list, addr);
	for (a = strtok_r(list, ",", &save); a; a = strtok_r(NULL, ",", &save)) {
		for (i = 0; i < nargs; i++) {
			if (parse_num(args[i], 1, 65535, &port) || n_sfds + 2 > MAX_FDS)
				usage();
			sfd_add(server_socket(a, port, type), lkind);
			if (lkind2 >= 0)
				sfd_add(server_socket(a, port, SOCK_STREAM), lkind2);
		}
	}
	printf("listening\n");
	fflush(stdout);
	for (;;) {
		struct pollfd pfds[MAX_FDS];
		int n = n_sfds;

		for (i = 0; i < n; i++) {
			pfds[i].fd = sfds[i].fd;
			pfds[i].events = POLLIN;
			pfds[i].revents = 0;
		}
		if (poll(pfds, (nfds_t)n, -1) < 0) {
			if (errno == EINTR)
				continue;
			return 2;
		}
		for (i = 0; i < n; i++) {
			struct sfd *s = &sfds[i];
			struct sockaddr_storage peer;
			socklen_t plen = sizeof(peer);
			static uint8_t buf[DNS_MAX + 2], out[DNS_MAX + 2];
			ssize_t len;
			int c;

			if (!pfds[i].revents)
				continue;
			switch (s->kind) {
			case L_TCPOK:
				c = accept4(s->fd, NULL, NULL, SOCK_CLOEXEC);
				if (c >= 0) {
					if (write(c, "ok\n", 3) < 0) {
						/* the client may be gone already */
					}
					close(c);
				}
				break;
			case L_ECHO:
			case L_DNSTCP:
				c = accept4(s->fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
				if (c >= 0)
					sfd_add(c, s->kind == L_ECHO ? C_ECHO : C_DNS);
				break;
			case L_UDPECHO:
			case L_DNSUDP:
				len = recvfrom(s->fd, buf, sizeof(buf), 0, (struct sockaddr *)&peer,
					       &plen);
				if (len < 0)
					break;
				if (s->kind == L_DNSUDP) {
					len = dns_reply(buf, (size_t)len, false, out, sizeof(out));
					if (len >= 0)
						sendto(s->fd, out, (size_t)len, 0,
						       (struct sockaddr *)&peer, plen);
				} else {
					sendto(s->fd, buf, (size_t)len, 0, (struct sockaddr *)&peer,
					       plen);
				}
				break;
			default:
				if (conn_input(s) < 0) {
					close(s->fd);
					free(s->buf);
					s->fd = -1;
				}
			}
		}
		/* drop the closed connections (listeners never close) */
		for (i = 0; i < n_sfds;) {
			if (sfds[i].fd < 0)
				sfds[i] = sfds[--n_sfds];
			else
				i++;
		}
	}
}

/* ---- rawsend: one IPv4 TCP SYN or UDP datagram, built by hand, sent on AF_PACKET ---- */

static uint16_t csum_add(uint32_t sum, const void *p, size_t n)
{
	const uint8_t *b = p;

	for (size_t i = 0; i + 1 < n; i += 2)
		sum += (uint32_t)(b[i] << 8 | b[i + 1]);
	if (n & 1)
		sum += (uint32_t)(b[n - 1] << 8);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* The next hop towards dst on ifname: dst itself when on the interface's subnet, else the
 * interface's default gateway from /proc/net/route. */
static int next_hop(int fd, const char *ifname, struct in_addr src, struct in_addr dst,
		    struct in_addr *ret)
{
	struct ifreq ifr;
	char line[256], name[IFNAMSIZ + 1];
	unsigned dest, gw, flags;
	uint32_t mask;
	FILE *f;

	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	if (ioctl(fd, SIOCGIFNETMASK, &ifr) < 0)
		return -1;
	mask = ((struct sockaddr_in *)&ifr.ifr_netmask)->sin_addr.s_addr;
	if (((src.s_addr ^ dst.s_addr) & mask) == 0) {
		*ret = dst;
		return 0;
	}
	f = fopen("/proc/net/route", "re");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%16s %x %x %x", name, &dest, &gw, &flags) == 4 &&
		    !strcmp(name, ifname) && dest == 0 && (flags & 2 /* RTF_GATEWAY */)) {
			ret->s_addr = gw; /* the file holds addresses in network byte order */
			fclose(f);
			return 0;
		}
	}
	fclose(f);
	errno = ENETUNREACH;
	return -1;
}

/* The MAC of hop: from the ARP cache, else asked with an ARP request of our own (the fence lets
 * ARP through, and an IP packet that would make the kernel ask may be blocked first). */
static int resolve_mac(int fd, int ifindex, const char *ifname, const uint8_t *own_mac,
		       struct in_addr own, struct in_addr hop, uint8_t *ret)
{
	char line[256], ip[64], dev[IFNAMSIZ + 1], hop_s[INET_ADDRSTRLEN];
	unsigned m[6], flags;
	uint8_t req[42] = { 0 }, reply[128];
	struct sockaddr_ll sll;
	long start = now_ms();
	FILE *f;

	inet_ntop(AF_INET, &hop, hop_s, sizeof(hop_s));
	f = fopen("/proc/net/arp", "re");
	while (f && fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%63s %*s %x %x:%x:%x:%x:%x:%x %*s %16s", ip, &flags, &m[0], &m[1],
			   &m[2], &m[3], &m[4], &m[5], dev) == 9 &&
		    !strcmp(ip, hop_s) && !strcmp(dev, ifname) && (flags & 2 /* ATF_COM */)) {
			for (int i = 0; i < 6; i++)
				ret[i] = (uint8_t)m[i];
			fclose(f);
			return 0;
		}
	}
	if (f)
		fclose(f);

	memset(req, 0xff, 6);
	memcpy(req + 6, own_mac, 6);
	put16(req + 12, ETH_P_ARP);
	put16(req + 14, 1); /* Ethernet */
	put16(req + 16, ETH_P_IP);
	req[18] = 6;
	req[19] = 4;
	put16(req + 20, 1); /* request */
	memcpy(req + 22, own_mac, 6);
	memcpy(req + 28, &own, 4);
	memcpy(req + 38, &hop, 4);
	memset(&sll, 0, sizeof(sll));
	sll.sll_family = AF_PACKET;
	sll.sll_ifindex = ifindex;
	sll.sll_protocol = htons(ETH_P_ARP);
	sll.sll_halen = 6;
	memset(sll.sll_addr, 0xff, 6);
	if (sendto(fd, req, sizeof(req), 0, (struct sockaddr *)&sll, sizeof(sll)) < 0)
		return -1;
	for (long left = 1000; left > 0; left = 1000 - (now_ms() - start)) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		ssize_t n;

		if (poll(&pfd, 1, (int)left) <= 0)
			break;
		n = recv(fd, reply, sizeof(reply), 0);
		if (n >= 42 && reply[12] == 0x08 && reply[13] == 0x06 && reply[21] == 2 &&
		    !memcmp(reply + 28, &hop, 4)) {
			memcpy(ret, reply + 22, 6);
			return 0;
		}
	}
	errno = EHOSTUNREACH;
	return -1;
}

static int cmd_rawsend(int argc, char **argv)
{
	const char *ifname = argv[0], *proto_s = NULL;
	uint8_t frame[64] = { 0 }, own_mac[6], mac[6], *iph = frame + 14, *l4 = frame + 34;
	struct in_addr src, dst, hop;
	struct sockaddr_ll sll;
	struct ifreq ifr;
	int udp, have_mac = argc >= 5;
	size_t l4len, len;
	long port, start = now_ms();
	int fd, ifindex;
	uint8_t pseudo[12];

	if (have_mac) {
		unsigned m[6];

		if (sscanf(argv[1], "%2x:%2x:%2x:%2x:%2x:%2x", &m[0], &m[1], &m[2], &m[3], &m[4],
			   &m[5]) != 6 ||
		    inet_pton(AF_INET, argv[2], &src) != 1)
			usage();
		for (int i = 0; i < 6; i++)
			mac[i] = (uint8_t)m[i];
		argv += 2;
		argc -= 2;
	}
	if (argc < 3 || argc > 4 || inet_pton(AF_INET, argv[1], &dst) != 1 ||
	    parse_num(argv[2], 1, 65535, &port) < 0)
		usage();
	proto_s = argc == 4 ? argv[3] : "tcp";
	if (strcmp(proto_s, "tcp") && strcmp(proto_s, "udp"))
		usage();
	udp = !strcmp(proto_s, "udp");
	ifindex = (int)if_nametoindex(ifname);
	fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(ETH_P_ARP));
	if (ifindex == 0 || fd < 0) {
		fprintf(stderr, "probe: %s: %s\n", ifindex ? "packet socket" : ifname,
			strerror(errno));
		return 2;
	}
	memset(&sll, 0, sizeof(sll));
	sll.sll_family = AF_PACKET;
	sll.sll_ifindex = ifindex;
	sll.sll_protocol = htons(ETH_P_ARP); /* receive ARP replies only */
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	if (bind(fd, (struct sockaddr *)&sll, sizeof(sll)) < 0 ||
	    ioctl(fd, SIOCGIFHWADDR, &ifr) < 0) {
		fprintf(stderr, "probe: %s: %s\n", ifname, strerror(errno));
		return 2;
	}
	memcpy(own_mac, ifr.ifr_hwaddr.sa_data, 6);
	if (!have_mac) {
		if (ioctl(fd, SIOCGIFADDR, &ifr) < 0) {
			fprintf(stderr, "probe: %s has no IPv4 address\n", ifname);
			return 2;
		}
		src = ((struct sockaddr_in *)&ifr.ifr_addr)->sin_addr;
		if (next_hop(fd, ifname, src, dst, &hop) < 0 ||
		    resolve_mac(fd, ifindex, ifname, own_mac, src, hop, mac) < 0) {
			fprintf(stderr, "probe: no next-hop MAC for %s on %s: %s\n", argv[1],
				ifname, strerror(errno));
			return 2;
		}
	}

	l4len = udp ? 8 + 4 : 20;
	len = 14 + 20 + l4len;
	memcpy(frame, mac, 6);
	memcpy(frame + 6, own_mac, 6);
	put16(frame + 12, ETH_P_IP);
	iph[0] = 0x45;
	put16(iph + 2, (uint16_t)(20 + l4len));
	put16(iph + 4, 4242); /* id: lets a receiver tell raw frames apart */
	iph[8] = 64;
	iph[9] = udp ? IPPROTO_UDP : IPPROTO_TCP;
	memcpy(iph + 12, &src, 4);
	memcpy(iph + 16, &dst, 4);
	put16(iph + 10, csum_add(0, iph, 20));
	put16(l4, 40000);
	put16(l4 + 2, (uint16_t)port);
	if (udp) {
		put16(l4 + 4, (uint16_t)l4len);
		memcpy(l4 + 8, "raw!", 4);
	} else {
		put16(l4 + 4, 0);
		put16(l4 + 6, 1); /* sequence number 1 */
		l4[12] = 5 << 4;
		l4[13] = 0x02; /* SYN */
		put16(l4 + 14, 1024);
	}
	memcpy(pseudo, &src, 4);
	memcpy(pseudo + 4, &dst, 4);
	pseudo[8] = 0;
	pseudo[9] = iph[9];
	put16(pseudo + 10, (uint16_t)l4len);
	{
		uint32_t sum = (uint16_t)~csum_add(0, pseudo, sizeof(pseudo));

		put16(l4 + (udp ? 6 : 16), csum_add(sum, l4, l4len));
	}

	sll.sll_protocol = htons(ETH_P_IP);
	sll.sll_halen = 6;
	memcpy(sll.sll_addr, mac, 6);
	if (sendto(fd, frame, len, 0, (struct sockaddr *)&sll, sizeof(sll)) != (ssize_t)len) {
		int e = errno;

		close(fd);
		return report("blocked", e, start);
	}
	close(fd);
	printf("sent %zu bytes %ldms\n", len, now_ms() - start);
	return 0;
}

/* socket FAMILY TYPE PROTO (numbers): "ok" (exit 0) or "denied ERRNO" (exit 1). */
static int cmd_socket(const char *f, const char *t, const char *p)
{
	long fam, type, proto;
	int fd;

	if (parse_num(f, 0, 0xffffffffL, &fam) < 0 || parse_num(t, 0, 0xffffffffL, &type) < 0 ||
	    parse_num(p, 0, 0xffffffffL, &proto) < 0)
		usage();
	fd = socket((int)fam, (int)type, (int)proto);
	if (fd < 0) {
		printf("denied %s\n", errname(errno));
		return 1;
	}
	close(fd);
	printf("ok\n");
	return 0;
}

/* io_uring: io_uring_setup(1, params) through syscall(2); "ok" or "denied ERRNO". */
static int cmd_io_uring(void)
{
	unsigned char params[120] = { 0 }; /* struct io_uring_params */
	long fd =
		syscall(425 /* __NR_io_uring_setup, the same on every ABI since 5.1 */, 1, params);

	if (fd < 0) {
		printf("denied %s\n", errname(errno));
		return 1;
	}
	close((int)fd);
	printf("ok\n");
	return 0;
}

/* ---- arpscan, ndp: layer-2 probes of the host end (CAP_NET_RAW) ---- */

/* A packet socket on ifname for ethertype proto; own MAC in mac. -1 after printing why. */
static int l2_socket(const char *ifname, uint16_t proto, int *ret_ifindex, uint8_t *mac)
{
	struct sockaddr_ll sll = { .sll_family = AF_PACKET, .sll_protocol = htons(proto) };
	struct ifreq ifr;
	int fd;

	sll.sll_ifindex = (int)if_nametoindex(ifname);
	fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(proto));
	if (sll.sll_ifindex == 0 || fd < 0) {
		fprintf(stderr, "probe: %s: %s\n", sll.sll_ifindex ? "packet socket" : ifname,
			strerror(errno));
		return -1;
	}
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	if (bind(fd, (struct sockaddr *)&sll, sizeof(sll)) < 0 ||
	    ioctl(fd, SIOCGIFHWADDR, &ifr) < 0) {
		fprintf(stderr, "probe: %s: %s\n", ifname, strerror(errno));
		close(fd);
		return -1;
	}
	memcpy(mac, ifr.ifr_hwaddr.sa_data, 6);
	*ret_ifindex = sll.sll_ifindex;
	return fd;
}

static int l2_send(int fd, int ifindex, uint16_t proto, const uint8_t *dst_mac, const void *frame,
		   size_t len)
{
	struct sockaddr_ll sll = { .sll_family = AF_PACKET,
				   .sll_protocol = htons(proto),
				   .sll_ifindex = ifindex,
				   .sll_halen = 6 };

	memcpy(sll.sll_addr, dst_mac, 6);
	if (sendto(fd, frame, len, 0, (struct sockaddr *)&sll, sizeof(sll)) != (ssize_t)len) {
		fprintf(stderr, "probe: sending on a packet socket: %s\n", strerror(errno));
		return -1;
	}
	return 0;
}

/* arpscan IFNAME ADDR...: one who-has per ADDR, sent from the interface's own MAC and IPv4
 * address (or -s SENDER), then replies collected for 300 ms. One line per ADDR, "ADDR reply
 * MAC" or "ADDR none", then "replies N". Exit 0 (2 on a setup error). */
static int cmd_arpscan(const char *ifname, int n, char **addrs)
{
	uint8_t mac[6], req[42] = { 0 }, reply[128], bcast[6];
	uint8_t got[64][6];
	struct in_addr sender, tgt[64];
	int fd, ifindex, replies = 0;
	int seen[64] = { 0 };
	long start;

	if (n > 64)
		usage();
	for (int i = 0; i < n; i++)
		if (inet_pton(AF_INET, addrs[i], &tgt[i]) != 1)
			usage();
	fd = l2_socket(ifname, ETH_P_ARP, &ifindex, mac);
	if (fd < 0)
		return 2;
	if (source_addr) {
		if (inet_pton(AF_INET, source_addr, &sender) != 1)
			usage();
	} else {
		struct ifreq ifr;

		memset(&ifr, 0, sizeof(ifr));
		snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
		if (ioctl(fd, SIOCGIFADDR, &ifr) < 0) {
			fprintf(stderr, "probe: %s has no IPv4 address\n", ifname);
			return 2;
		}
		sender = ((struct sockaddr_in *)&ifr.ifr_addr)->sin_addr;
	}
	memset(bcast, 0xff, 6);
	memset(req, 0xff, 6);
	memcpy(req + 6, mac, 6);
	put16(req + 12, ETH_P_ARP);
	put16(req + 14, 1); /* Ethernet */
	put16(req + 16, ETH_P_IP);
	req[18] = 6;
	req[19] = 4;
	put16(req + 20, 1); /* request */
	memcpy(req + 22, mac, 6);
	memcpy(req + 28, &sender, 4);
	for (int i = 0; i < n; i++) {
		memcpy(req + 38, &tgt[i], 4);
		if (l2_send(fd, ifindex, ETH_P_ARP, bcast, req, sizeof(req)) < 0)
			return 2;
	}
	start = now_ms();
	while (wait_ready(fd, POLLIN, start, 300)) {
		struct sockaddr_ll from;
		socklen_t flen = sizeof(from);
		ssize_t len =
			recvfrom(fd, reply, sizeof(reply), 0, (struct sockaddr *)&from, &flen);

		if (len < 42 || from.sll_pkttype == PACKET_OUTGOING || reply[21] != 2)
			continue;
		for (int i = 0; i < n; i++)
			if (!seen[i] && !memcmp(reply + 28, &tgt[i], 4)) {
				seen[i] = 1;
				memcpy(got[i], reply + 22, 6);
				replies++;
			}
	}
	close(fd);
	for (int i = 0; i < n; i++) {
		if (seen[i])
			printf("%s reply %02x:%02x:%02x:%02x:%02x:%02x\n", addrs[i], got[i][0],
			       got[i][1], got[i][2], got[i][3], got[i][4], got[i][5]);
		else
			printf("%s none\n", addrs[i]);
	}
	printf("replies %d\n", replies);
	return 0;
}

/* ndp IFNAME ns|rs SRC DST [COUNT] / ndp IFNAME ra SRC DST PREFIX: neighbour discovery built by
 * hand (hop limit 255, a source link-layer option with the interface's MAC) and sent on a
 * packet socket, so any source can be claimed. ns: a solicitation for the target DST, sent to
 * its solicited-node group; rs, ra: to DST (a multicast group, or unicast in a broadcast
 * frame). COUNT copies, the i-th from SRC + i (last 16 bits): a flood of forged sources. ra:
 * router lifetime 1800 s and PREFIX/64 on-link and autonomous. Prints "sent N"; ns also
 * "advertised N", the advertisements for the target received within 300 ms. */
static int cmd_ndp(const char *ifname, const char *type, const char *src_s, const char *dst_s,
		   const char *extra)
{
	uint8_t frame[14 + 40 + 64] = { 0 }, mac[6], dmac[6], *ip6 = frame + 14, *icmp = ip6 + 40;
	struct in6_addr src, dst, target, prefix;
	long count = 1;
	size_t len;
	int fd, ifindex, icmp_type;

	if (inet_pton(AF_INET6, src_s, &src) != 1 || inet_pton(AF_INET6, dst_s, &dst) != 1)
		usage();
	if (!strcmp(type, "ns"))
		icmp_type = 135;
	else if (!strcmp(type, "rs"))
		icmp_type = 133;
	else if (!strcmp(type, "ra"))
		icmp_type = 134;
	else
		usage();
	if (icmp_type == 134 && (!extra || inet_pton(AF_INET6, extra, &prefix) != 1))
		usage();
	if (icmp_type != 134 && extra && parse_num(extra, 1, 65536, &count) < 0)
		usage();
	fd = l2_socket(ifname, ETH_P_IPV6, &ifindex, mac);
	if (fd < 0)
		return 2;
	target = dst;
	if (icmp_type == 135) { /* to the target's solicited-node group ff02::1:ffXX:XXXX */
		static const uint8_t snm[13] = { 0xff, 0x02, [11] = 0x01, [12] = 0xff };

		memcpy(dst.s6_addr, snm, 13);
		memcpy(dst.s6_addr + 13, target.s6_addr + 13, 3);
	}
	if (dst.s6_addr[0] == 0xff) {
		dmac[0] = dmac[1] = 0x33;
		memcpy(dmac + 2, dst.s6_addr + 12, 4);
	} else {
		memset(dmac, 0xff, 6);
	}

	/* ICMPv6 body: type, code, checksum, then per type */
	icmp[0] = (uint8_t)icmp_type;
	len = 8; /* rs: 4 reserved bytes */
	if (icmp_type == 135) {
		memcpy(icmp + 8, target.s6_addr, 16);
		len = 24;
	} else if (icmp_type == 134) {
		icmp[4] = 64;	       /* cur hop limit */
		put16(icmp + 6, 1800); /* router lifetime */
		len = 16;	       /* reachable time, retrans timer: 0 */
		icmp[len] = 3;	       /* prefix information */
		icmp[len + 1] = 4;     /* 32 bytes */
		icmp[len + 2] = 64;    /* prefix length */
		icmp[len + 3] = 0xc0;  /* on-link, autonomous */
		memset(icmp + len + 4, 0, 8);
		put16(icmp + len + 6, 0xffff);	/* valid lifetime 65535 s */
		put16(icmp + len + 10, 0xffff); /* preferred lifetime */
		memcpy(icmp + len + 16, prefix.s6_addr, 16);
		len += 32;
	}
	icmp[len] = 1; /* source link-layer address */
	icmp[len + 1] = 1;
	memcpy(icmp + len + 2, mac, 6);
	len += 8;

	memcpy(frame + 6, mac, 6);
	memcpy(frame, dmac, 6);
	put16(frame + 12, ETH_P_IPV6);
	ip6[0] = 0x60;
	put16(ip6 + 4, (uint16_t)len);
	ip6[6] = IPPROTO_ICMPV6;
	ip6[7] = 255;
	memcpy(ip6 + 24, dst.s6_addr, 16);
	for (long i = 0; i < count; i++) {
		struct in6_addr s = src;
		uint32_t low = (uint32_t)(s.s6_addr[14] << 8 | s.s6_addr[15]) + (uint32_t)i;
		uint8_t pseudo[40];
		uint32_t sum;

		s.s6_addr[14] = (uint8_t)(low >> 8);
		s.s6_addr[15] = (uint8_t)low;
		memcpy(ip6 + 8, s.s6_addr, 16);
		memcpy(pseudo, s.s6_addr, 16);
		memcpy(pseudo + 16, dst.s6_addr, 16);
		memset(pseudo + 32, 0, 8);
		put16(pseudo + 34, (uint16_t)len);
		pseudo[39] = IPPROTO_ICMPV6;
		put16(icmp + 2, 0);
		sum = (uint16_t)~csum_add(0, pseudo, sizeof(pseudo));
		put16(icmp + 2, csum_add(sum, icmp, len));
		if (l2_send(fd, ifindex, ETH_P_IPV6, dmac, frame, 14 + 40 + len) < 0)
			return 2;
	}
	printf("sent %ld\n", count);
	if (icmp_type == 135) { /* and the advertisements for the target that came back */
		long start = now_ms();
		int advertised = 0;
		uint8_t in[256];

		while (wait_ready(fd, POLLIN, start, 300)) {
			struct sockaddr_ll from;
			socklen_t flen = sizeof(from);
			ssize_t n =
				recvfrom(fd, in, sizeof(in), 0, (struct sockaddr *)&from, &flen);

			if (n >= 14 + 40 + 24 && from.sll_pkttype != PACKET_OUTGOING &&
			    in[14 + 6] == IPPROTO_ICMPV6 && in[14 + 40] == 136 &&
			    !memcmp(in + 14 + 40 + 8, target.s6_addr, 16))
				advertised++;
		}
		printf("advertised %d\n", advertised);
	}
	close(fd);
	return 0;
}

/* ---- icmp channel (issue 9, item 7): a forged flow, then an ICMP error quoting it ---- */

#define ICMP_MARK "NF-ICMP-CHANNEL"
#define ICMP_END "NF-ICMP-END"

/* An IPv4 header + TCP SYN src:sport -> dst:port, checksums filled, in buf (40 bytes). */
static void build_syn(uint8_t *buf, struct in_addr src, struct in_addr dst, uint16_t sport,
		      uint16_t port)
{
	uint8_t *l4 = buf + 20, pseudo[12];
	uint32_t sum;

	memset(buf, 0, 40);
	buf[0] = 0x45;
	put16(buf + 2, 40);
	put16(buf + 4, 4343);
	buf[8] = 64;
	buf[9] = IPPROTO_TCP;
	memcpy(buf + 12, &src, 4);
	memcpy(buf + 16, &dst, 4);
	put16(buf + 10, csum_add(0, buf, 20));
	put16(l4, sport);
	put16(l4 + 2, port);
	put16(l4 + 6, 1);
	l4[12] = 5 << 4;
	l4[13] = 0x02; /* SYN */
	put16(l4 + 14, 1024);
	memcpy(pseudo, &src, 4);
	memcpy(pseudo + 4, &dst, 4);
	pseudo[8] = 0;
	pseudo[9] = IPPROTO_TCP;
	put16(pseudo + 10, 20);
	sum = (uint16_t)~csum_add(0, pseudo, sizeof(pseudo));
	put16(l4 + 16, csum_add(sum, l4, 20));
}

/* Three ICMP port-unreachable errors from the container's own address to the quoted packet's
 * source, quoting it (40 bytes) and carrying ICMP_MARK: 1 when one was handed to the kernel. */
static int send_quote(const uint8_t *quoted)
{
	struct sockaddr_in to = { .sin_family = AF_INET };
	uint8_t err[8 + 40 + sizeof(ICMP_MARK)] = { 3 /* unreachable */, 3 /* port */ };
	int fd, ok = 0;

	fd = socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_ICMP);
	if (fd < 0) {
		printf("denied %s\n", errname(errno));
		return 0;
	}
	memcpy(err + 8, quoted, 40);
	memcpy(err + 8 + 40, ICMP_MARK, sizeof(ICMP_MARK));
	put16(err + 2, csum_add(0, err, sizeof(err)));
	memcpy(&to.sin_addr, quoted + 12, 4);
	for (int i = 0; i < 3; i++) {
		if (sendto(fd, err, sizeof(err), 0, (struct sockaddr *)&to, sizeof(to)) < 0) {
			printf("icmp %s\n", errname(errno));
		} else {
			printf("icmp sent\n");
			ok = 1;
		}
	}
	close(fd);
	return ok;
}

/* icmpchannel FORGED_SRC DST PORT: a raw IPv4 TCP SYN FORGED_SRC -> DST:PORT (so that a
 * conntrack that lets it out records the flow), then ICMP errors to FORGED_SRC quoting it
 * (send_quote): conntrack calls them "related". Exit 0 when the errors were handed to the
 * kernel, 1 when it refused them; whether they arrive is for a receiver (icmpcount) to say. */
static int cmd_icmpchannel(const char *src_s, const char *dst_s, const char *port_s)
{
	struct in_addr src, dst;
	struct sockaddr_in to = { .sin_family = AF_INET };
	uint8_t syn[40];
	long port;
	int raw;

	if (inet_pton(AF_INET, src_s, &src) != 1 || inet_pton(AF_INET, dst_s, &dst) != 1 ||
	    parse_num(port_s, 1, 65535, &port) < 0)
		usage();
	raw = socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_RAW);
	if (raw < 0) {
		printf("denied %s\n", errname(errno));
		return 2;
	}
	build_syn(syn, src, dst, 40001, (uint16_t)port);
	to.sin_addr = dst;
	if (sendto(raw, syn, sizeof(syn), 0, (struct sockaddr *)&to, sizeof(to)) < 0)
		printf("syn %s\n", errname(errno));
	else
		printf("syn sent\n");
	close(raw);
	return send_quote(syn) ? 0 : 1;
}

/* icmpquote SRC SPORT DST DPORT: ICMP errors to SRC quoting a TCP packet SRC:SPORT -> DST:DPORT
 * of somebody else's flow (send_quote), nothing forged first. */
static int cmd_icmpquote(char **argv)
{
	struct in_addr src, dst;
	uint8_t pkt[40];
	long sport, dport;

	if (inet_pton(AF_INET, argv[0], &src) != 1 || parse_num(argv[1], 1, 65535, &sport) < 0 ||
	    inet_pton(AF_INET, argv[2], &dst) != 1 || parse_num(argv[3], 1, 65535, &dport) < 0)
		usage();
	build_syn(pkt, src, dst, (uint16_t)sport, (uint16_t)dport);
	pkt[20 + 13] = 0x10; /* ACK: a packet of an established flow */
	return send_quote(pkt) ? 0 : 1;
}

/* syn6 FORGED_SRC DST PORT: one raw IPv6 TCP SYN FORGED_SRC -> DST:PORT (the first step of
 * icmpchannel, for IPv6): "syn sent" (exit 0) or "syn ERRNO" (exit 1, dropped on the way out). */
static int cmd_syn6(const char *src_s, const char *dst_s, const char *port_s)
{
	struct sockaddr_in6 to = { .sin6_family = AF_INET6 };
	uint8_t pkt[60] = { 0x60 }, *l4 = pkt + 40, pseudo[40] = { 0 };
	uint32_t sum;
	long port;
	int fd;

	if (inet_pton(AF_INET6, src_s, pkt + 8) != 1 || inet_pton(AF_INET6, dst_s, pkt + 24) != 1 ||
	    parse_num(port_s, 1, 65535, &port) < 0)
		usage();
	put16(pkt + 4, 20); /* payload length */
	pkt[6] = IPPROTO_TCP;
	pkt[7] = 64;
	put16(l4, 40001);
	put16(l4 + 2, (uint16_t)port);
	put16(l4 + 6, 1);
	l4[12] = 5 << 4;
	l4[13] = 0x02; /* SYN */
	put16(l4 + 14, 1024);
	memcpy(pseudo, pkt + 8, 32);
	pseudo[35] = 20;
	pseudo[39] = IPPROTO_TCP;
	sum = (uint16_t)~csum_add(0, pseudo, sizeof(pseudo));
	put16(l4 + 16, csum_add(sum, l4, 20));
	memcpy(&to.sin6_addr, pkt + 24, 16);
	fd = socket(AF_INET6, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_RAW);
	if (fd < 0) {
		printf("denied %s\n", errname(errno));
		return 2;
	}
	if (sendto(fd, pkt, sizeof(pkt), 0, (struct sockaddr *)&to, sizeof(to)) < 0) {
		printf("syn %s\n", errname(errno));
		close(fd);
		return 1;
	}
	close(fd);
	printf("syn sent\n");
	return 0;
}

/* icmpcount ADDR TIMEOUT_MS: count the ICMP packets to ADDR that carry ICMP_MARK, until one
 * carrying ICMP_END (to any address: icmpend) arrives or the timeout; prints "listening", then
 * "count N". The sender sends ICMP_END last, on an allowed path, so it arrives after the rest. */
static int cmd_icmpcount(const char *addr_s, const char *timeout_s)
{
	struct in_addr addr;
	uint8_t buf[2048];
	long timeout, start;
	int fd, count = 0;

	if (inet_pton(AF_INET, addr_s, &addr) != 1 || parse_num(timeout_s, 1, 600000, &timeout) < 0)
		usage();
	fd = socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_ICMP);
	if (fd < 0) {
		fprintf(stderr, "probe: raw socket: %s\n", strerror(errno));
		return 2;
	}
	printf("listening\n");
	start = now_ms();
	while (wait_ready(fd, POLLIN, start, timeout)) {
		ssize_t n = recv(fd, buf, sizeof(buf), 0);

		if (n < 20)
			continue;
		if (memmem(buf, (size_t)n, ICMP_END, sizeof(ICMP_END) - 1))
			break;
		if (memcmp(buf + 16, &addr, 4) == 0 &&
		    memmem(buf, (size_t)n, ICMP_MARK, sizeof(ICMP_MARK) - 1))
			count++;
	}
	close(fd);
	printf("count %d\n", count);
	return 0;
}

/* icmpend ADDR: one ICMP echo request to ADDR carrying ICMP_END (stops icmpcount); raw socket. */
static int cmd_icmpend(const char *addr_s)
{
	struct sockaddr_in to = { .sin_family = AF_INET };
	uint8_t req[8 + sizeof(ICMP_END)] = { 8 /* echo request */ };
	int fd;

	if (inet_pton(AF_INET, addr_s, &to.sin_addr) != 1)
		usage();
	memcpy(req + 8, ICMP_END, sizeof(ICMP_END));
	put16(req + 2, csum_add(0, req, sizeof(req)));
	fd = socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_ICMP);
	if (fd < 0 || sendto(fd, req, sizeof(req), 0, (struct sockaddr *)&to, sizeof(to)) < 0) {
		fprintf(stderr, "probe: icmpend: %s\n", strerror(errno));
		return 2;
	}
	close(fd);
	return 0;
}

int main(int argc, char **argv)
{
	signal(SIGPIPE, SIG_IGN);
	setvbuf(stdout, NULL, _IOLBF, 0);
	argv++;
	argc--;
	if (argc >= 2 && !strcmp(argv[0], "-s")) {
		source_addr = argv[1];
		argv += 2;
		argc -= 2;
	}
	if (argc < 1)
		usage();
	if (!strcmp(argv[0], "connect") && (argc == 4 || argc == 5) && !strcmp(argv[1], "tcp"))
		return cmd_connect(argv[2], argv[3], argc == 5 ? argv[4] : NULL);
	if (!strcmp(argv[0], "connburst") && (argc == 4 || argc == 5))
		return cmd_connburst(argv[1], argv[2], argv[3], argc == 5 ? argv[4] : NULL);
	if (!strcmp(argv[0], "send") && (argc == 4 || argc == 5))
		return cmd_send(argv[1], argv[2], argv[3], argc == 5 ? argv[4] : NULL);
	if (!strcmp(argv[0], "udp") && (argc == 3 || argc == 4))
		return cmd_udp(argv[1], argv[2], argc == 4 ? argv[3] : NULL);
	if (!strcmp(argv[0], "dns") && argc >= 3)
		return cmd_dns(argc - 1, argv + 1);
	if (!strcmp(argv[0], "flood") && argc == 6 && !strcmp(argv[1], "udp"))
		return cmd_flood(argv[2], argv[3], argv[4], argv[5]);
	if (!strcmp(argv[0], "dnsconnect") && argc >= 5)
		return cmd_dnsconnect(argc - 1, argv + 1);
	if (!strcmp(argv[0], "dnsbench") && argc >= 4)
		return cmd_dnsbench(argc - 1, argv + 1);
	if (!strcmp(argv[0], "hold") && (argc == 5 || argc == 6) && !strcmp(argv[1], "tcp"))
		return cmd_hold(argv[2], argv[3], argv[4], argc == 6 ? argv[5] : NULL);
	if (!strcmp(argv[0], "listen") && argc == 3 && !strcmp(argv[1], "tcp"))
		return cmd_serve("tcp", "::", 1, argv + 2);
	if (!strcmp(argv[0], "serve") && argc >= 4)
		return cmd_serve(argv[1], argv[2], argc - 3, argv + 3);
	if (!strcmp(argv[0], "socket") && argc == 4)
		return cmd_socket(argv[1], argv[2], argv[3]);
	if (!strcmp(argv[0], "io_uring") && argc == 1)
		return cmd_io_uring();
	if (!strcmp(argv[0], "rawsend") && argc >= 4 && argc <= 7)
		return cmd_rawsend(argc - 1, argv + 1);
	if (!strcmp(argv[0], "arpscan") && argc >= 3)
		return cmd_arpscan(argv[1], argc - 2, argv + 2);
	if (!strcmp(argv[0], "ndp") && (argc == 5 || argc == 6))
		return cmd_ndp(argv[1], argv[2], argv[3], argv[4], argc == 6 ? argv[5] : NULL);
	if (!strcmp(argv[0], "icmpchannel") && argc == 4)
		return cmd_icmpchannel(argv[1], argv[2], argv[3]);
	if (!strcmp(argv[0], "syn6") && argc == 4)
		return cmd_syn6(argv[1], argv[2], argv[3]);
	if (!strcmp(argv[0], "icmpquote") && argc == 5)
		return cmd_icmpquote(argv + 1);
	if (!strcmp(argv[0], "icmpcount") && argc == 3)
		return cmd_icmpcount(argv[1], argv[2]);
	if (!strcmp(argv[0], "icmpend") && argc == 2)
		return cmd_icmpend(argv[1]);
	usage();
	return 2;
}
