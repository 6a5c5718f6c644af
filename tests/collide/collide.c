/* netfence test tool: finds two container ids whose host-side names collided under the old
 * naming scheme (nf + 48 bits of FNV-1a of the id, lib/base/util.c before names were reserved).
 * Pollard's rho with Floyd's cycle finding: ~2^25 hashes, no memory, about a second.
 *
 *   collide PREFIX     prints "ID1 ID2 HEX" (both ids are PREFIX + 12 hex digits)
 *   collide -c ID...   prints each id's old name suffix
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

static uint64_t old_hex(const char *id)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (const unsigned char *p = (const unsigned char *)id; *p; p++) {
		h ^= *p;
		h *= 0x100000001b3ULL;
	}
	return (h ^ (h >> 48)) & 0xffffffffffffULL;
}

static const char *prefix;

static void id_of(uint64_t x, char *buf, size_t size)
{
	snprintf(buf, size, "%s%012llx", prefix, (unsigned long long)x);
}

static uint64_t f(uint64_t x)
{
	char id[256];

	id_of(x, id, sizeof(id));
	return old_hex(id);
}

int main(int argc, char **argv)
{
	uint64_t start, tort, hare;
	char a[256], b[256];

	if (argc >= 2 && strcmp(argv[1], "-c") == 0) {
		for (int i = 2; i < argc; i++)
			printf("%s %012llx\n", argv[i], (unsigned long long)old_hex(argv[i]));
		return 0;
	}
	if (argc != 2 || strlen(argv[1]) > 200) {
		fprintf(stderr, "usage: collide PREFIX | collide -c ID...\n");
		return 2;
	}
	prefix = argv[1];
	for (start = 1; start < 64; start++) {
		tort = f(start);
		hare = f(f(start));
		while (tort != hare) {
			tort = f(tort);
			hare = f(f(hare));
		}
		/* the cycle's entry: two different predecessors map onto it */
		tort = start;
		if (tort == hare)
			continue; /* start lies on the cycle: no tail, try another */
		while (f(tort) != f(hare)) {
			tort = f(tort);
			hare = f(hare);
		}
		if (tort == hare)
			continue;
		id_of(tort, a, sizeof(a));
		id_of(hare, b, sizeof(b));
		printf("%s %s %012llx\n", a, b, (unsigned long long)old_hex(a));
		return 0;
	}
	fprintf(stderr, "collide: no collision found\n");
	return 1;
}
