/* netfence: entry point. argv[1] names the command; the command table maps it to its file.
 * Only main and the cmd_* files print or exit. */
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "error.h"

#ifndef NF_VERSION
#define NF_VERSION "0.0.0"
#endif

static int cmd_version(int argc, char **argv)
{
	printf("netfence %s\n", NF_VERSION);
	return 0;
}

static const struct command {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *help;
} commands[] = {
	{ "hook", cmd_hook,
	  "hook <prestart|createRuntime|poststop>   OCI hook; state JSON on stdin" },
	{ "validate", cmd_validate,
	  "validate [FILE|-] [--json] [--host]   check a config.json's policy" },
	{ "status", cmd_status,
	  "status [--json] [ID]                  list fenced containers and counters" },
	{ "metrics", cmd_metrics,
	  "metrics                               counters in the Prometheus text format" },
	{ "gc", cmd_gc, "gc                                    remove what dead containers left" },
	{ "watch", cmd_watch,
	  "watch                                 keep internet's deny list in step with the host" },
	{ "log", cmd_log,
	  "log [-f] [--json] [--since DURATION] [ID]   network events (blocked, DNS, limits)" },
	{ "resolver", cmd_resolver,
	  "resolver [--foreground]               the per-host DNS resolver "
	  "(netfence-resolver(8))" },
	{ "graph", cmd_graph,
	  "graph ID [--format dot|svg]           the container's policy as a graph" },
	{ "seccomp-profile", cmd_seccomp_profile,
	  "seccomp-profile [--level inet|unix] [--format oci|docker]   the seccomp socket filter" },
	{ "setup-runtime", cmd_setup_runtime,
	  "setup-runtime containerd|crio|podman [--config PATH] [--dry-run] [--undo]" },
	{ "version", cmd_version, "version                               print the version" },
};

static void usage(FILE *out)
{
	fprintf(out, "usage: netfence <command> [args]\n\ncommands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(out, "  %s\n", commands[i].help);
	fprintf(out, "\nSee netfence(8) and netfence-annotations(5).\n");
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return NF_EXIT_INPUT;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		usage(stdout);
		return 0;
	}
	if (strcmp(argv[1], "--version") == 0)
		return cmd_version(argc - 1, argv + 1);
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(argv[1], commands[i].name) == 0)
			return commands[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "netfence: unknown command \"%s\"\n", argv[1]);
	usage(stderr);
	return NF_EXIT_INPUT;
}
