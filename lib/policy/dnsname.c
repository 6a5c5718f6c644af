/* netfence: DNS names for policies and queries (see dnsname.h): the hostname check of SPEC
 * section 3 (rules.c's targets and io.netfence.dns-names use this one), the lower-case form of
 * a query name, and the match of a name against "*", "*.suffix" or an exact name. */
#include "dnsname.h"

#include <ctype.h>
#include <errno.h>
#include <string.h>
#include <strings.h>

const char *dnsname_check(const char *s, size_t n, char out[254])
{
	size_t label = 0;

	if (n > 0 && s[n - 1] == '.')
		n--;
	if (n == 0)
		return "empty hostname";
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] >= 0x80)
			return "non-ASCII hostname: use the A-label (xn--) form";
	if (n > 253)
		return "hostname longer than 253 characters";
	for (size_t i = 0; i < n; i++) {
		char c = s[i];

		if (c == '.') {
			if (label == 0)
				return "empty label in hostname";
			if (s[i - 1] == '-')
				return "hostname label ends with a hyphen";
			label = 0;
		} else if (isalnum((unsigned char)c) || c == '-') {
			if (c == '-' && label == 0)
				return "hostname label starts with a hyphen";
			if (++label > 63)
				return "hostname label longer than 63 characters";
		} else {
			return "invalid character in hostname (letters, digits, hyphens and dots "
			       "only)";
		}
		out[i] = (char)tolower((unsigned char)c);
	}
	if (label == 0)
		return "empty label in hostname";
	if (s[n - 1] == '-')
		return "hostname label ends with a hyphen";
	out[n] = '\0';
	return NULL;
}

int dnsname_norm(const char *in, char *out, size_t cap)
{
	char buf[254];
	size_t n;

	if (dnsname_check(in, strlen(in), buf))
		return -EINVAL;
	n = strlen(buf);
	if (n >= cap)
		return -EINVAL;
	memcpy(out, buf, n + 1);
	return 0;
}

int dnsname_lower(const char *in, char *out, size_t cap)
{
	size_t n = strlen(in);

	if (n > 0 && in[n - 1] == '.')
		n--;
	if (n >= cap)
		return -ENAMETOOLONG;
	for (size_t i = 0; i < n; i++)
		out[i] = (char)tolower((unsigned char)in[i]);
	out[n] = '\0';
	return 0;
}

bool dnsname_match(const char *pattern, const char *name)
{
	size_t pn = strlen(pattern), nn = strlen(name);

	if (pn > 0 && pattern[pn - 1] == '.')
		pn--;
	if (nn > 0 && name[nn - 1] == '.')
		nn--;
	if (pn == 1 && pattern[0] == '*')
		return true;
	if (pn == 0 || memchr(name, '\\', nn))
		return false;
	if (pn > 2 && pattern[0] == '*' && pattern[1] == '.') {
		/* name = one label or more, ".", suffix */
		size_t sn = pn - 2;

		return nn >= sn + 2 && name[nn - sn - 1] == '.' &&
		       strncasecmp(name + nn - sn, pattern + 2, sn) == 0;
	}
	return pn == nn && strncasecmp(name, pattern, pn) == 0;
}
