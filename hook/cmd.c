/* netfence: what the command-line verbs share. */
#include <stdio.h>

#include "cmd.h"
#include "error.h"

int cmd_fail(const char *who, const struct nf_error *err)
{
	fprintf(stderr, "netfence: %s: %s\n", who, err->msg[0] ? err->msg : "failed");
	return err->kind == NF_EXIT_INPUT ? NF_EXIT_INPUT : NF_EXIT_SYSTEM;
}
