/* netfence: DNS names as policies name them (SPEC section 3's hostnames, `*.suffix`, `*`) and as
 * queries carry them: validation, the lower-case form, and matching. Pure string code: the wire
 * format belongs to resolver/dnsmsg.c (ldns). */
#ifndef NF_DNSNAME_H
#define NF_DNSNAME_H

#include <stdbool.h>
#include <stddef.h>

/* A hostname of SPEC section 3 (n bytes of s, no "*."): letters, digits, hyphens (not at a
 * label's ends), labels 1-63, name 1-253, ASCII only; one trailing dot ignored. Writes the
 * lower-case name without the dot to out and returns NULL, or returns why it is not one. */
const char *dnsname_check(const char *s, size_t n, char out[254]);

/* dnsname_check for a C string into out (cap bytes): 0, or -EINVAL (not a hostname, or it
 * does not fit). */
int dnsname_norm(const char *in, char *out, size_t cap);

/* A query's name in presentation form (ldns's text: odd bytes escaped with a backslash) into
 * out: lower-case, one trailing dot stripped ("." gives ""), no character check (query names
 * are matched, never trusted). 0, or -ENAMETOOLONG when it does not fit in cap. */
int dnsname_lower(const char *in, char *out, size_t cap);

/* Does name match pattern? "*" matches any name; "*.suffix" the names strictly below suffix
 * at any depth (not suffix itself); any other pattern that name exactly. Case-insensitive, one
 * trailing dot ignored on either side. A name holding a backslash (an escaped dot or byte
 * inside a label) matches only "*": its text cannot be compared label by label. */
bool dnsname_match(const char *pattern, const char *name);

#endif
