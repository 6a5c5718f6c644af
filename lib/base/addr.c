/* netfence: addresses and prefixes as plain values (see addr.h).
 * Parsing is inet_pton-strict (no zone ids, no shorthand IPv4 forms) and prefix lengths are
 * digits only, so a value means exactly one thing to every module that reads it. */
#include "addr.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

const char *nf_addr_str(const struct nf_addr *a, char *buf, unsigned size)
{
	if (!inet_ntop(a->family == AF_INET6 ? AF_INET6 : AF_INET, a->a, buf, size))
		snprintf(buf, size, "?");
	return buf;
}

const char *nf_prefix_str(const struct nf_prefix *p, char *buf, unsigned size)
{
	char tmp[INET6_ADDRSTRLEN];

	nf_addr_str(&p->addr, tmp, sizeof(tmp));
	snprintf(buf, size, "%s/%u", tmp, (unsigned)p->len);
	return buf;
}

int nf_addr_parse(const char *s, struct nf_addr *ret)
{
	struct nf_addr a = { 0 };

	if (!s || strchr(s, '%'))
		return -EINVAL;
	if (inet_pton(AF_INET, s, a.a) == 1)
		a.family = AF_INET;
	else if (inet_pton(AF_INET6, s, a.a) == 1)
		a.family = AF_INET6;
	else
		return -EINVAL;
	*ret = a;
	return 0;
}

bool nf_addr_host_bits(const struct nf_addr *a, unsigned len)
{
	unsigned width = (unsigned)nf_addr_len(a->family) * 8;

	for (unsigned bit = len; bit < width; bit++)
		if (a->a[bit / 8] & (0x80 >> (bit % 8)))
			return true;
	return false;
}

void nf_addr_mask(struct nf_addr *a, unsigned len)
{
	unsigned width = (unsigned)nf_addr_len(a->family) * 8;

	for (unsigned bit = len; bit < width; bit++)
		a->a[bit / 8] &= (uint8_t) ~(0x80 >> (bit % 8));
}

bool nf_addr_v4_mapped(const struct nf_addr *a)
{
	static const uint8_t pfx[12] = { [10] = 0xff, [11] = 0xff };

	return a->family == AF_INET6 && memcmp(a->a, pfx, sizeof(pfx)) == 0;
}

int nf_prefix_parse(const char *s, bool strict, struct nf_prefix *ret)
{
	char buf[INET6_ADDRSTRLEN + 8];
	struct nf_prefix p = { 0 };
	const char *slash;
	unsigned len, width;
	size_t n;

	if (!s)
		return -EINVAL;
	slash = strchr(s, '/');
	n = slash ? (size_t)(slash - s) : strlen(s);
	if (n == 0 || n >= INET6_ADDRSTRLEN)
		return -EINVAL;
	memcpy(buf, s, n);
	buf[n] = '\0';
	if (nf_addr_parse(buf, &p.addr) < 0)
		return -EINVAL;
	width = (unsigned)nf_addr_len(p.addr.family) * 8;
	len = width;
	if (slash) {
		const char *d = slash + 1;

		/* digits only: no sign, no spaces, no leading zeros, at most 3 digits */
		if (*d < '0' || *d > '9' || strlen(d) > 3 || (d[0] == '0' && d[1]))
			return -EINVAL;
		len = 0;
		for (; *d; d++) {
			if (*d < '0' || *d > '9')
				return -EINVAL;
			len = len * 10 + (unsigned)(*d - '0');
		}
		if (len > width)
			return -EINVAL;
	}
	if (nf_addr_host_bits(&p.addr, len)) {
		if (strict)
			return -EINVAL;
		nf_addr_mask(&p.addr, len);
	}
	p.len = (uint8_t)len;
	*ret = p;
	return 0;
}

void nf_addr_add(struct nf_addr *a, uint64_t n)
{
	int i = nf_addr_len(a->family) - 1;
	unsigned carry = 0;

	for (; i >= 0 && (n || carry); i--) {
		unsigned v = a->a[i] + (unsigned)(n & 0xff) + carry;

		a->a[i] = (uint8_t)v;
		carry = v >> 8;
		n >>= 8;
	}
}
