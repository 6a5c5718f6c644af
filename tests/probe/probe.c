/* netfence test probe: a small static program placed in test containers as /probe, and used as
 * the test servers (TCP, UDP echo, DNS) in the test world namespace. Exit 0 means the probe
 * succeeded (connection opened, reply received), 1 blocked or timed out, 2 usage or setup error.
 * Each client probe prints one line: "open 3ms", "blocked ECONNREFUSED 1ms", "timeout 2000ms".
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
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_FDS 128

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
	fprintf(stderr, "usage: probe [-s SRC] connect tcp ADDR PORT [timeout_ms]\n"
			"       probe [-s SRC] udp ADDR PORT [timeout_ms]\n"
			"       probe [-s SRC] dns SERVER NAME [timeout_ms]\n"
			"       probe listen tcp PORT\n"
			"       probe serve tcp|udp ADDR[,ADDR...] PORT...\n"
			"       probe serve dns ADDR PORT NAME=IPV4...\n"
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

/* Encode NAME as DNS labels into q; returns the length or -1. */
static int dns_encode_name(const char *name, unsigned char *q, size_t cap)
{
	size_t pos = 0;
	const char *p = name;

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
	if (pos + 1 > cap)
		return -1;
	q[pos++] = 0;
	return (int)pos;
}

static int cmd_dns(const char *server, const char *name, const char *timeout_s)
{
	unsigned char q[300], buf[1500];
	long timeout = 2000, start;
	ssize_t n = 0;
	int l, r;

	if (timeout_s && parse_num(timeout_s, 1, 600000, &timeout))
		usage();
	memset(q, 0, 12);
	q[0] = 0x4e;
	q[1] = 0x46; /* id */
	q[2] = 0x01; /* RD */
	q[5] = 1;    /* QDCOUNT */
	l = dns_encode_name(name, q + 12, sizeof(q) - 16);
	if (l < 0)
		usage();
	l += 12;
	q[l++] = 0;
	q[l++] = 1; /* QTYPE A */
	q[l++] = 0;
	q[l++] = 1; /* QCLASS IN */
	r = udp_exchange(server, 53, q, (size_t)l, timeout, buf, sizeof(buf), &n, &start);
	if (r >= 0)
		return r;
	if (n >= 12 && (buf[3] & 0x0f) == 0 && buf[7] > 0 && n >= 4 && n >= l + 16) {
		/* our server answers with one compressed A record right after the question */
		const unsigned char *a = buf + n - 4;

		printf("answer %u.%u.%u.%u %ldms\n", a[0], a[1], a[2], a[3], now_ms() - start);
		return 0;
	}
	printf("reply rcode %d %ldms\n", n >= 4 ? buf[3] & 0x0f : -1, now_ms() - start);
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

struct dns_entry {
	char name[256];
	unsigned char addr[4];
};

static struct dns_entry dns_table[32];
static int dns_count;

/* Answer an A query from dns_table (NXDOMAIN otherwise); returns the reply length or -1. */
static ssize_t dns_answer(unsigned char *buf, ssize_t n, size_t cap)
{
	char name[256];
	size_t pos = 12, nl = 0;
	int i, found = -1;

	if (n < 17 || (buf[2] & 0x80))
		return -1;
	while (pos < (size_t)n && buf[pos]) {
		size_t l = buf[pos];

		if (l > 63 || pos + 1 + l >= (size_t)n || nl + l + 2 > sizeof(name))
			return -1;
		if (nl)
			name[nl++] = '.';
		memcpy(name + nl, buf + pos + 1, l);
		nl += l;
		pos += 1 + l;
	}
	name[nl] = 0;
	pos += 1 + 4; /* root label, QTYPE, QCLASS */
	if (pos > (size_t)n || pos + 16 > cap)
		return -1;
	for (i = 0; i < dns_count; i++)
		if (!strcasecmp(dns_table[i].name, name))
			found = i;
	buf[2] = 0x84 | (buf[2] & 0x01); /* QR, AA, keep RD */
	buf[3] = found >= 0 ? 0x00 : 0x03;
	buf[4] = 0;
	buf[5] = 1;
	buf[6] = 0;
	buf[7] = found >= 0 ? 1 : 0;
	memset(buf + 8, 0, 4);
	if (found < 0 || buf[pos - 3] != 1)
		return (ssize_t)pos;
	{
		unsigned char rr[16] = { 0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 30, 0, 4 };

		memcpy(rr + 12, dns_table[found].addr, 4);
		memcpy(buf + pos, rr, 16);
	}
	return (ssize_t)pos + 16;
}

static int cmd_serve(const char *proto, const char *addr, int nargs, char **args)
{
	struct pollfd pfds[MAX_FDS];
	int nfds = 0, i, type;
	long port;

	if (!strcmp(proto, "tcp"))
		type = SOCK_STREAM;
	else if (!strcmp(proto, "udp") || !strcmp(proto, "dns"))
		type = SOCK_DGRAM;
	else
		usage();
	if (!strcmp(proto, "dns")) {
		if (nargs < 1 || parse_num(args[0], 1, 65535, &port))
			usage();
		for (i = 1; i < nargs && dns_count < 32; i++) {
			char *eq = strchr(args[i], '=');

			if (!eq || (size_t)(eq - args[i]) >= sizeof(dns_table[0].name))
				usage();
			memcpy(dns_table[dns_count].name, args[i], (size_t)(eq - args[i]));
			dns_table[dns_count].name[eq - args[i]] = 0;
			if (inet_pton(AF_INET, eq + 1, dns_table[dns_count].addr) != 1)
				usage();
			dns_count++;
		}
		pfds[nfds].fd = server_socket(addr, port, type);
		pfds[nfds++].events = POLLIN;
	} else {
		/* ADDR may be a comma-separated list: a UDP echo must answer from the address that
		 * was asked, which a wildcard socket does not do. */
		char list[1024], *save = NULL, *a;

		if (nargs < 1 || strlen(addr) >= sizeof(list))
			usage();
		strcpy(list, addr);
		for (a = strtok_r(list, ",", &save); a; a = strtok_r(NULL, ",", &save)) {
			for (i = 0; i < nargs; i++) {
				if (parse_num(args[i], 1, 65535, &port) || nfds >= MAX_FDS)
					usage();
				pfds[nfds].fd = server_socket(a, port, type);
				pfds[nfds++].events = POLLIN;
			}
		}
	}
	printf("listening\n");
	fflush(stdout);
	for (;;) {
		if (poll(pfds, (nfds_t)nfds, -1) < 0) {
			if (errno == EINTR)
				continue;
			return 2;
		}
		for (i = 0; i < nfds; i++) {
			struct sockaddr_storage peer;
			socklen_t plen = sizeof(peer);
			unsigned char buf[1500];
			ssize_t n;

			if (!(pfds[i].revents & POLLIN))
				continue;
			if (type == SOCK_STREAM) {
				int c = accept4(pfds[i].fd, NULL, NULL, SOCK_CLOEXEC);

				if (c >= 0) {
					if (write(c, "ok\n", 3) < 0) {
						/* the client may be gone already */
					}
					close(c);
				}
				continue;
			}
			n = recvfrom(pfds[i].fd, buf, sizeof(buf), 0, (struct sockaddr *)&peer,
				     &plen);
			if (n < 0)
				continue;
			if (!strcmp(proto, "dns"))
				n = dns_answer(buf, n, sizeof(buf));
			if (n >= 0)
				sendto(pfds[i].fd, buf, (size_t)n, 0, (struct sockaddr *)&peer,
				       plen);
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
	if (!strcmp(argv[0], "udp") && (argc == 3 || argc == 4))
		return cmd_udp(argv[1], argv[2], argc == 4 ? argv[3] : NULL);
	if (!strcmp(argv[0], "dns") && (argc == 3 || argc == 4))
		return cmd_dns(argv[1], argv[2], argc == 4 ? argv[3] : NULL);
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
