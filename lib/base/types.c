/* netfence: the names of the shared enums. */
#include <string.h>

#include "types.h"
#include "util.h"

static const char *const base_names[] = {
	[NF_BASE_UNSET] = "unset",
	[NF_BASE_NONE] = "none",
	[NF_BASE_RESTRICTED] = "restricted",
	[NF_BASE_INTERNET] = "internet",
};

const char *nf_base_name(enum nf_base b)
{
	if ((unsigned)b >= ARRAY_SIZE(base_names))
		return "unset";
	return base_names[b];
}

enum nf_base nf_base_from_name(const char *s)
{
	for (unsigned i = NF_BASE_NONE; i < ARRAY_SIZE(base_names); i++)
		if (s && strcmp(s, base_names[i]) == 0)
			return (enum nf_base)i;
	return NF_BASE_UNSET;
}
