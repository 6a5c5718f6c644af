/* netfence: libFuzzer entry point for a container's annotations (policy_resolve): the input is
 * lines "key=value" (at most 16), resolved against a default host configuration with one
 * resolver. Any input must be accepted or refused without a crash or a leak, and a refusal must
 * say what it refused. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "policy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct hostconf *hc;
	struct nf_error err = { 0 };
	struct spec_kv kv[16];
	struct nf_policy *p = NULL;
	char *buf, *line, *save = NULL;
	size_t n = 0;
	int r;

	if (!hc) {
		static const char conf[] = "{\"dns\": [\"192.0.2.53\"]}";

		if (hostconf_parse(conf, sizeof(conf) - 1, "/dev/null", &hc, &err) < 0)
			abort();
	}
	if (size > 65536 || !(buf = malloc(size + 1)))
		return 0;
	memcpy(buf, data, size);
	buf[size] = '\0';
	for (line = strtok_r(buf, "\n", &save); line && n < 16;
	     line = strtok_r(NULL, "\n", &save)) {
		char *eq = strchr(line, '=');

		if (!eq)
			continue;
		*eq = '\0';
		kv[n].key = line;
		kv[n].value = eq + 1;
		n++;
	}
	r = policy_resolve(kv, n, hc, &p, &err);
	if (r < 0 && err.msg[0] == '\0')
		abort(); /* every refusal carries a message */
	policy_free(p);
	free(buf);
	return 0;
}
