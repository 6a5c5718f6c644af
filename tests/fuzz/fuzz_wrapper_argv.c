/* netfence: libFuzzer entry point for netfence-runtime's command-line readers
 * (hook/wrapper_argv.c). The input is argv, NUL-separated. Whatever the reader accepts names a
 * command inside argv, and a create/run's bundle and config point into argv; a refusal says why
 * in one line. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "wrapper.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int in_argv(const char *p, char *const *argv, int argc)
{
	for (int i = 0; i < argc; i++)
		if (p >= argv[i] && p <= argv[i] + strlen(argv[i]))
			return 1;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const enum wrapper_runtime rts[] = { WRAPPER_RUNC, WRAPPER_CRUN, WRAPPER_OTHER };
	char *buf, *argv[66];
	int argc = 0;

	if (size > 4096)
		return 0;
	buf = malloc(size + 1);
	if (!buf)
		return 0;
	memcpy(buf, data, size);
	buf[size] = '\0';
	argv[argc++] = "netfence-runtime";
	for (char *p = buf; p < buf + size && argc < 65; p += strlen(p) + 1)
		argv[argc++] = p;
	argv[argc] = NULL;
	for (size_t k = 0; k < sizeof(rts) / sizeof(rts[0]); k++) {
		struct nf_error err = { 0 };
		struct wrapper_args a;

		if (wrapper_parse_args(argc, argv, rts[k], &a, &err) < 0) {
			if (!err.msg[0] || strchr(err.msg, '\n'))
				abort();
			continue;
		}
		if (a.cmd < -1 || a.cmd >= argc || (a.edits && a.cmd < 1))
			abort();
		if (a.edits && strcmp(argv[a.cmd], "run") != 0 &&
		    strcmp(argv[a.cmd], "create") != 0)
			abort();
		if (!a.edits && (a.bundle || a.config))
			abort();
		if ((a.bundle && (!a.bundle[0] || !in_argv(a.bundle, argv, argc))) ||
		    (a.config && (!a.config[0] || !in_argv(a.config, argv, argc))))
			abort();
	}
	free(buf);
	return 0;
}
