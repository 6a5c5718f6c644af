/* netfence: `netfence graph ID [--format dot|svg]`: the container's effective policy as a
 * Graphviz graph (lib/fence/graph.c); svg is DOT piped through Graphviz's `dot -Tsvg`, run with
 * no capabilities left (no_new_privs and an empty bounding set: exec gains none). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "caps.h"
#include "cmd.h"
#include "graph.h"
#include "hostconf.h"
#include "journal.h"
#include "util.h"

/* what status keeps, for the same reads: the state files and the learned sets */
static const int graph_caps[] = {
	/* nfnetlink refuses every message without it, reading the learned sets included */
	CAP_NET_ADMIN,
	/* setns(2) into the container's namespace for its learned sets */
	CAP_SYS_ADMIN,
	/* opening /proc/<pid>/ns/net of a container no namespace handle names */
	CAP_SYS_PTRACE,
};

#define DOT_MISSING "svg needs Graphviz's dot (apt install graphviz); use --format dot"

/* Is there an executable "dot" in one of PATH's directories? */
static bool dot_on_path(void)
{
	const char *path = secure_getenv("PATH");
	char *copy, *save = NULL;
	bool found = false;

	if (!path || !(copy = strdup(path)))
		return false;
	for (char *d = strtok_r(copy, ":", &save); d && !found; d = strtok_r(NULL, ":", &save)) {
		char p[4096];

		snprintf(p, sizeof(p), "%s/dot", *d ? d : ".");
		found = access(p, X_OK) == 0;
	}
	free(copy);
	return found;
}

/* Feed the DOT text to `dot -Tsvg`, whose output goes to our stdout. */
static int run_dot(const char *text, size_t len)
{
	int fds[2], status;
	pid_t pid;
	bool ok = true;

	if (pipe2(fds, O_CLOEXEC) < 0)
		return -errno;
	pid = fork();
	if (pid < 0) {
		int e = errno;

		close(fds[0]);
		close(fds[1]);
		return -e;
	}
	if (pid == 0) {
		char *argv[] = { "dot", "-Tsvg", NULL };

		if (dup2(fds[0], STDIN_FILENO) < 0)
			_exit(127);
		execvp("dot", argv);
		_exit(127);
	}
	close(fds[0]);
	signal(SIGPIPE, SIG_IGN);
	for (size_t off = 0; off < len;) {
		ssize_t w = write(fds[1], text + off, len - off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			ok = false;
			break;
		}
		off += (size_t)w;
	}
	close(fds[1]);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -errno;
	if (!WIFEXITED(status) || WEXITSTATUS(status) == 127)
		return -ENOENT;
	return ok && WEXITSTATUS(status) == 0 ? 0 : -EIO;
}

int cmd_graph(int argc, char **argv)
{
	struct nf_error err = { 0 };
	struct hostconf *hc = NULL;
	struct journal *j = NULL;
	const char *id = NULL, *format = "dot";
	char *text = NULL;
	size_t len = 0;
	int r;

	bool bad = false;

	for (int i = 1; i < argc && !bad; i++) {
		if (strcmp(argv[i], "--format") == 0 && i + 1 < argc)
			format = argv[++i];
		else if (strncmp(argv[i], "--format=", 9) == 0)
			format = argv[i] + 9;
		else if (argv[i][0] != '-' && !id)
			id = argv[i];
		else
			bad = true;
	}
	if (bad || !id || (strcmp(format, "dot") != 0 && strcmp(format, "svg") != 0)) {
		fprintf(stderr, "usage: netfence graph ID [--format dot|svg]\n");
		return NF_EXIT_INPUT;
	}
	/* before any work: a request that cannot be met says so alone */
	if (strcmp(format, "svg") == 0 && !dot_on_path()) {
		fprintf(stderr, "netfence: graph: " DOT_MISSING "\n");
		return NF_EXIT_INPUT;
	}
	r = hostconf_load_flags(NULL, NULL, NF_HOSTCONF_NO_PROFILES, &hc, &err);
	if (r >= 0)
		r = caps_drop_to(graph_caps, ARRAY_SIZE(graph_caps), &err);
	if (r >= 0) {
		r = journal_read(hc->state_dir, id, &j, &err);
		/* a member of a shared fence: the fence is its owner's */
		if (r >= 0 && j->member_of) {
			struct journal *owner = NULL;

			r = journal_read(hc->state_dir, j->member_of, &owner, &err);
			journal_free(j);
			j = owner;
		}
		if (r == -ENOENT || (r >= 0 && !j->complete)) {
			fprintf(stderr, "netfence: graph: no fenced container \"%s\"\n", id);
			journal_free(j);
			hostconf_free(hc);
			return NF_EXIT_INPUT;
		}
	}
	if (r >= 0)
		r = graph_dot(j, hc->state_dir, &text, &len, &err);
	journal_free(j);
	hostconf_free(hc);
	if (r < 0)
		return cmd_fail("graph", &err);
	if (strcmp(format, "dot") == 0) {
		r = fwrite(text, 1, len, stdout) == len && fflush(stdout) == 0 ? 0 : NF_EXIT_SYSTEM;
		free(text);
		return r;
	}
	r = run_dot(text, len);
	free(text);
	if (r == -ENOENT) {
		fprintf(stderr, "netfence: graph: " DOT_MISSING "\n");
		return NF_EXIT_INPUT;
	}
	if (r < 0) {
		fprintf(stderr, "netfence: graph: dot -Tsvg failed\n");
		return NF_EXIT_SYSTEM;
	}
	return 0;
}
