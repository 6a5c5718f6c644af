/* netfence: the runtime wrapper's reading of a command line (see wrapper.h), exactly as the real
 * runtime it executes reads it: a bundle found differently from the runtime would leave the
 * container it runs unfenced, so whatever the wrapper cannot read the same way is refused. */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util.h"
#include "wrapper.h"

/* ---- the command line, read as the real runtime reads it ------------------------------------
 *
 * runc 1.1 (urfave/cli v1.22 over Go's flag package): an option is -name or --name, with its
 * value after '=' or in the next argument; no abbreviations, no clusters (-bX and -db are
 * errors). Global options stop at the first argument that is not one. A command's arguments are
 * first reordered (urfave/cli's reorderArgs: every argument naming one of the command's flags
 * moves to the front, with the argument after it unless that one names a flag too), then read
 * the same way; create and run then want exactly one argument left, the container id.
 *
 * crun 1.8 (GNU argp over getopt_long, in order): --name, --name=value or --name value, a long
 * name abbreviated to a prefix that names one option (or several sharing one key); -x and
 * clusters -dbX (a short option's value is the rest of the cluster or the next argument), so
 * -bundle is -b undle; reading stops at the first argument that is not an option (the
 * container id: options after it are arguments) or after "--". */

enum opt_arg { ARG_NONE, ARG_REQUIRED, ARG_OPTIONAL /* only as --name=value */ };

struct opt {
	const char *name; /* long name; runc: every name of the flag is its own entry */
	char short_name;  /* crun: its short option; 0 for none */
	enum opt_arg arg; /* runc: ARG_NONE for a bool flag */
	int key;	  /* crun: entries with one key are one option to getopt (no ambiguity) */
	enum {
		O_OTHER,
		O_BUNDLE,
		O_CONFIG,
		O_STOPS,
		O_PROCESS,
		O_CAP
	} what; /* O_STOPS: prints and
									    * exits */
};

struct opt_table {
	const struct opt *o;
	size_t n;
};

#define TABLE(t) ((struct opt_table){ (t), ARRAY_SIZE(t) })

static const struct opt runc_global[] = {
	{ "debug", 0, ARG_NONE, 0, O_OTHER },
	{ "log", 0, ARG_REQUIRED, 0, O_OTHER },
	{ "log-format", 0, ARG_REQUIRED, 0, O_OTHER },
	{ "root", 0, ARG_REQUIRED, 0, O_OTHER },
	{ "criu", 0, ARG_REQUIRED, 0, O_OTHER },
	{ "systemd-cgroup", 0, ARG_NONE, 0, O_OTHER },
	{ "rootless", 0, ARG_REQUIRED, 0, O_OTHER },
	{ "help", 0, ARG_NONE, 0, O_STOPS },
	{ "h", 0, ARG_NONE, 0, O_STOPS },
	{ "version", 0, ARG_NONE, 0, O_STOPS },
	{ "v", 0, ARG_NONE, 0, O_STOPS },
};

static const struct opt runc_run[] = {
	{ "bundle", 0, ARG_REQUIRED, 0, O_BUNDLE },
	{ "b", 0, ARG_REQUIRED, 0, O_BUNDLE },
	{ "console-socket", 0, ARG_REQUIRED, 0, O_OTHER },
	{ "detach", 0, ARG_NONE, 0, O_OTHER },
	{ "d", 0, ARG_NONE, 0, O_OTHER },
	{ "keep", 0, ARG_NONE, 0, O_OTHER },
	{ "pid-file", 0, ARG_REQUIRED, 0, O_OTHER },
	{ "no-subreaper", 0, ARG_NONE, 0, O_OTHER },
	{ "no-pivot", 0, ARG_NONE, 0, O_OTHER },
	{ "no-new-keyring", 0, ARG_NONE, 0, O_OTHER },
	{ "preserve-fds", 0, ARG_REQUIRED, 0, O_OTHER },
	{ "help", 0, ARG_NONE, 0, O_STOPS },
	{ "h", 0, ARG_NONE, 0, O_STOPS },
};

static const struct opt runc_create[] = {
	{ "bundle", 0, ARG_REQUIRED, 0, O_BUNDLE },
	{ "b", 0, ARG_REQUIRED, 0, O_BUNDLE },
	{ "console-socket", 0, ARG_REQUIRED, 0, O_OTHER },
	{ "pid-file", 0, ARG_REQUIRED, 0, O_OTHER },
	{ "no-pivot", 0, ARG_NONE, 0, O_OTHER },
	{ "no-new-keyring", 0, ARG_NONE, 0, O_OTHER },
	{ "preserve-fds", 0, ARG_REQUIRED, 0, O_OTHER },
	{ "help", 0, ARG_NONE, 0, O_STOPS },
	{ "h", 0, ARG_NONE, 0, O_STOPS },
};

/* exec (SkipArgReorder: its options come before the container id) */
static const struct opt runc_exec[] = {
	{ "console-socket", 0, ARG_REQUIRED, 0, O_OTHER },
	{ "cwd", 0, ARG_REQUIRED, 0, O_OTHER },
	{ "env", 0, ARG_REQUIRED, 0, O_OTHER },
	{ "e", 0, ARG_REQUIRED, 0, O_OTHER },
	{ "tty", 0, ARG_NONE, 0, O_OTHER },
	{ "t", 0, ARG_NONE, 0, O_OTHER },
	{ "user", 0, ARG_REQUIRED, 0, O_OTHER },
	{ "u", 0, ARG_REQUIRED, 0, O_OTHER },
	{ "additional-gids", 0, ARG_REQUIRED, 0, O_OTHER },
	{ "g", 0, ARG_REQUIRED, 0, O_OTHER },
	{ "process", 0, ARG_REQUIRED, 0, O_PROCESS },
	{ "p", 0, ARG_REQUIRED, 0, O_PROCESS },
	{ "detach", 0, ARG_NONE, 0, O_OTHER },
	{ "d", 0, ARG_NONE, 0, O_OTHER },
	{ "pid-file", 0, ARG_REQUIRED, 0, O_OTHER },
	{ "process-label", 0, ARG_REQUIRED, 0, O_OTHER },
	{ "apparmor", 0, ARG_REQUIRED, 0, O_OTHER },
	{ "no-new-privs", 0, ARG_NONE, 0, O_OTHER },
	{ "cap", 0, ARG_REQUIRED, 0, O_CAP },
	{ "c", 0, ARG_REQUIRED, 0, O_CAP },
	{ "preserve-fds", 0, ARG_REQUIRED, 0, O_OTHER },
	{ "cgroup", 0, ARG_REQUIRED, 0, O_OTHER },
	{ "ignore-paused", 0, ARG_NONE, 0, O_OTHER },
	{ "help", 0, ARG_NONE, 0, O_STOPS },
	{ "h", 0, ARG_NONE, 0, O_STOPS },
};

static const struct opt crun_global[] = {
	{ "debug", 0, ARG_NONE, 1, O_OTHER },
	{ "cgroup-manager", 0, ARG_REQUIRED, 2, O_OTHER },
	{ "systemd-cgroup", 0, ARG_NONE, 3, O_OTHER },
	{ "log", 0, ARG_REQUIRED, 4, O_OTHER },
	{ "log-format", 0, ARG_REQUIRED, 5, O_OTHER },
	{ "root", 0, ARG_REQUIRED, 6, O_OTHER },
	{ "rootless", 0, ARG_REQUIRED, 6, O_OTHER }, /* crun 1.8 gives it root's key */
	{ "version", 'v', ARG_NONE, 7, O_STOPS },
	{ NULL, 'V', ARG_NONE, 7, O_STOPS },
	{ "help", '?', ARG_NONE, -1, O_STOPS }, /* argp's own, a group of their own */
	{ "usage", 0, ARG_NONE, -2, O_STOPS },
	{ "program-name", 0, ARG_REQUIRED, -3, O_OTHER },
	{ "HANG", 0, ARG_OPTIONAL, -4, O_OTHER },
};

static const struct opt crun_run[] = {
	{ "bundle", 'b', ARG_REQUIRED, 'b', O_BUNDLE },
	{ "config", 'f', ARG_REQUIRED, 'f', O_CONFIG },
	{ "detach", 'd', ARG_NONE, 'd', O_OTHER },
	{ "console-socket", 0, ARG_REQUIRED, 1, O_OTHER },
	{ "preserve-fds", 0, ARG_REQUIRED, 2, O_OTHER },
	{ "pid-file", 0, ARG_REQUIRED, 3, O_OTHER },
	{ "no-subreaper", 0, ARG_NONE, 4, O_OTHER },
	{ "no-new-keyring", 0, ARG_NONE, 5, O_OTHER },
	{ "no-pivot", 0, ARG_NONE, 6, O_OTHER },
	{ "help", '?', ARG_NONE, -1, O_STOPS }, /* argp's own, a group of their own */
	{ "usage", 0, ARG_NONE, -2, O_STOPS },
	{ "program-name", 0, ARG_REQUIRED, -3, O_OTHER },
	{ "HANG", 0, ARG_OPTIONAL, -4, O_OTHER },
};

static const struct opt crun_create[] = {
	{ "bundle", 'b', ARG_REQUIRED, 'b', O_BUNDLE },
	{ "config", 'f', ARG_REQUIRED, 'f', O_CONFIG },
	{ "console-socket", 0, ARG_REQUIRED, 1, O_OTHER },
	{ "preserve-fds", 0, ARG_REQUIRED, 2, O_OTHER },
	{ "no-pivot", 0, ARG_NONE, 3, O_OTHER },
	{ "pid-file", 0, ARG_REQUIRED, 4, O_OTHER },
	{ "no-subreaper", 0, ARG_NONE, 5, O_OTHER },
	{ "no-new-keyring", 0, ARG_NONE, 6, O_OTHER },
	{ "help", '?', ARG_NONE, -1, O_STOPS }, /* argp's own, a group of their own */
	{ "usage", 0, ARG_NONE, -2, O_STOPS },
	{ "program-name", 0, ARG_REQUIRED, -3, O_OTHER },
	{ "HANG", 0, ARG_OPTIONAL, -4, O_OTHER },
};

static const struct opt crun_exec[] = {
	{ "apparmor", 0, ARG_REQUIRED, 1, O_OTHER },
	{ "cgroup", 0, ARG_REQUIRED, 2, O_OTHER },
	{ "console-socket", 0, ARG_REQUIRED, 3, O_OTHER },
	{ "cwd", 0, ARG_REQUIRED, 4, O_OTHER },
	{ "cap", 'c', ARG_REQUIRED, 'c', O_CAP },
	{ "detach", 'd', ARG_NONE, 'd', O_OTHER },
	{ "env", 'e', ARG_REQUIRED, 'e', O_OTHER },
	{ "no-new-privs", 0, ARG_NONE, 5, O_OTHER },
	{ "pid-file", 0, ARG_REQUIRED, 6, O_OTHER },
	{ "preserve-fds", 0, ARG_REQUIRED, 7, O_OTHER },
	{ "process-label", 0, ARG_REQUIRED, 8, O_OTHER },
	{ "process", 'p', ARG_REQUIRED, 'p', O_PROCESS },
	{ "tty", 't', ARG_OPTIONAL, 't', O_OTHER },
	{ "user", 'u', ARG_REQUIRED, 'u', O_OTHER },
	{ "help", '?', ARG_NONE, -1, O_STOPS }, /* argp's own, a group of their own */
	{ "usage", 0, ARG_NONE, -2, O_STOPS },
	{ "program-name", 0, ARG_REQUIRED, -3, O_OTHER },
	{ "HANG", 0, ARG_OPTIONAL, -4, O_OTHER },
};

/* What one runtime's reading found. */
struct reading {
	int cmd;	     /* argv index of the command, -1 for none */
	bool stops;	     /* an option that prints and exits (help, version): nothing runs */
	const char *bundle;  /* last bundle option */
	const char *config;  /* last config option (crun) */
	const char *process; /* exec: last process option */
	const char *net_cap; /* exec: a capability option naming CAP_NET_ADMIN or CAP_NET_RAW */
	int n_positional;    /* arguments left after the command's options */
	const char *first;   /* the first of them */
	const char *bad;     /* the argument that could not be read (error) */
	const char *why;     /* ... and why */
};

static int fail_at(struct reading *rd, const char *arg, const char *why)
{
	rd->bad = arg;
	rd->why = why;
	return -EINVAL;
}

/* "NET_ADMIN", "cap_net_raw", "12": what a runtime could take for one of the two. */
static bool names_net_cap(const char *v)
{
	if (strncasecmp(v, "CAP_", 4) == 0)
		v += 4;
	return strcasecmp(v, "NET_ADMIN") == 0 || strcasecmp(v, "NET_RAW") == 0 ||
	       strcmp(v, "12") == 0 || strcmp(v, "13") == 0;
}

static void opt_found(struct reading *rd, const struct opt *o, const char *val)
{
	if (o->what == O_BUNDLE)
		rd->bundle = val;
	else if (o->what == O_CONFIG)
		rd->config = val;
	else if (o->what == O_STOPS)
		rd->stops = true;
	else if (o->what == O_PROCESS)
		rd->process = val;
	else if (o->what == O_CAP && val && names_net_cap(val))
		rd->net_cap = val;
}

/* ---- runc: Go's flag package ---- */

static const struct opt *go_lookup(struct opt_table t, const char *name, size_t len)
{
	for (size_t i = 0; i < t.n; i++)
		if (strlen(t.o[i].name) == len && strncmp(t.o[i].name, name, len) == 0)
			return &t.o[i];
	return NULL;
}

/* urfave/cli's argIsFlag: "--" stripped, then one more "-", '=' and after cut off: one of t's
 * flags. */
static bool go_arg_is_flag(struct opt_table t, const char *a)
{
	const char *name = a;

	if (a[0] != '-' || strcmp(a, "-") == 0 || strcmp(a, "--") == 0)
		return false;
	if (name[0] == '-' && name[1] == '-')
		name += 2;
	if (name[0] == '-')
		name++;
	return go_lookup(t, name, strcspn(name, "=")) != NULL;
}

static bool go_bool(const char *v)
{
	static const char *const ok[] = { "1", "t", "T", "TRUE",  "true",  "True",
					  "0", "f", "F", "FALSE", "false", "False" };

	for (size_t i = 0; i < ARRAY_SIZE(ok); i++)
		if (strcmp(v, ok[i]) == 0)
			return true;
	return false;
}

static bool go_true(const char *v)
{
	return !v || (v[0] == '1' || v[0] == 't' || v[0] == 'T');
}

/* FlagSet.Parse over args[0..n): 0, *ret_next = index of the first argument left; -EINVAL. */
static int go_parse(struct opt_table t, char *const *args, int n, struct reading *rd, int *ret_next)
{
	int i = 0;

	while (i < n) {
		const char *s = args[i], *name, *eq;
		const struct opt *o;
		int minuses = 1;

		if (strlen(s) < 2 || s[0] != '-')
			break;
		if (s[1] == '-') {
			minuses = 2;
			if (s[2] == '\0') {
				i++;
				break;
			}
		}
		name = s + minuses;
		if (name[0] == '-' || name[0] == '=')
			return fail_at(rd, s, "bad flag syntax");
		eq = strchr(name + 1, '=');
		o = go_lookup(t, name, eq ? (size_t)(eq - name) : strlen(name));
		if (!o)
			return fail_at(rd, s, "flag provided but not defined");
		i++;
		if (o->arg == ARG_NONE) {
			if (eq && !go_bool(eq + 1))
				return fail_at(rd, s, "invalid boolean value");
			if (o->what == O_STOPS && go_true(eq ? eq + 1 : NULL))
				rd->stops = true;
			continue;
		}
		if (!eq && i >= n)
			return fail_at(rd, s, "flag needs an argument");
		opt_found(rd, o, eq ? eq + 1 : args[i]);
		if (!eq)
			i++;
	}
	*ret_next = i;
	return 0;
}

/* urfave/cli v1.22's reorderArgs: the command's flags (each with the argument after it when the
 * flag has no '=' and that argument names no flag) first, then the rest; at "--": "--", the
 * rest, and everything after it. ret and tmp hold n entries each. */
static void go_reorder(struct opt_table t, char *const *args, int n, char **ret, char **tmp)
{
	bool next_may_be_value = false;
	int k = 0, m = 0, i;

	for (i = 0; i < n; i++) {
		char *a = args[i];

		if (next_may_be_value && !go_arg_is_flag(t, a)) {
			next_may_be_value = false;
			ret[k++] = a;
		} else if (strcmp(a, "--") == 0) {
			break;
		} else if (go_arg_is_flag(t, a)) {
			ret[k++] = a;
			next_may_be_value = strchr(a, '=') == NULL;
		} else {
			tmp[m++] = a;
		}
	}
	if (i < n)
		ret[k++] = args[i++]; /* "--" */
	memcpy(ret + k, tmp, (size_t)m * sizeof(*ret));
	k += m;
	for (; i < n; i++)
		ret[k++] = args[i];
}

static int read_runc(int argc, char *const *argv, struct reading *rd)
{
	_cleanup_free_ char **re = NULL;
	struct opt_table t;
	char **tmp;
	int next, r, n;

	r = go_parse(TABLE(runc_global), argv + 1, argc - 1, rd, &next);
	if (r < 0 || rd->stops)
		return r;
	if (next + 1 >= argc)
		return 0; /* no command */
	rd->cmd = next + 1;
	if (strcmp(argv[rd->cmd], "run") == 0)
		t = TABLE(runc_run);
	else if (strcmp(argv[rd->cmd], "create") == 0)
		t = TABLE(runc_create);
	else if (strcmp(argv[rd->cmd], "exec") == 0)
		t = TABLE(runc_exec);
	else
		return 0;
	n = argc - rd->cmd - 1;
	if (t.o == runc_exec) {
		r = go_parse(t, argv + rd->cmd + 1, n, rd, &next);
		rd->n_positional = r < 0 ? 0 : n - next;
		rd->first = r >= 0 && next < n ? argv[rd->cmd + 1 + next] : NULL;
		return r;
	}
	re = calloc(2 * (size_t)n + 1, sizeof(*re));
	if (!re)
		return -ENOMEM;
	tmp = re + n;
	go_reorder(t, argv + rd->cmd + 1, n, re, tmp);
	r = go_parse(t, re, n, rd, &next);
	if (r < 0)
		return r;
	rd->n_positional = n - next;
	rd->first = next < n ? re[next] : NULL;
	return 0;
}

/* ---- crun: argp over getopt_long ---- */

/* A long option as getopt_long finds it: the exact name, else the one option (one key) that
 * the name is a prefix of. NULL with *ret_why set when none or several. */
static const struct opt *argp_long(struct opt_table t, const char *name, size_t len,
				   const char **ret_why)
{
	const struct opt *found = NULL;

	for (size_t i = 0; i < t.n; i++)
		if (t.o[i].name && strlen(t.o[i].name) == len &&
		    strncmp(t.o[i].name, name, len) == 0)
			return &t.o[i];
	for (size_t i = 0; i < t.n; i++) {
		if (!t.o[i].name || strncmp(t.o[i].name, name, len) != 0)
			continue;
		if (found && (found->key != t.o[i].key || found->arg != t.o[i].arg)) {
			*ret_why = "ambiguous abbreviation";
			return NULL;
		}
		if (!found)
			found = &t.o[i];
	}
	if (!found)
		*ret_why = "unrecognized option";
	return found;
}

static const struct opt *argp_short(struct opt_table t, char c)
{
	for (size_t i = 0; i < t.n; i++)
		if (t.o[i].short_name && t.o[i].short_name == c)
			return &t.o[i];
	return NULL;
}

/* Options from argv[i] on, in order, up to the first argument that is not one (returned) or
 * after "--"; -EINVAL on what getopt would refuse. */
static int argp_parse_opts(struct opt_table t, int argc, char *const *argv, int i,
			   struct reading *rd)
{
	while (i < argc) {
		const char *s = argv[i];

		if (strcmp(s, "--") == 0)
			return i + 1;
		if (s[0] != '-' || s[1] == '\0')
			return i;
		if (s[1] == '-') {
			const char *name = s + 2, *eq = strchr(name, '='), *val, *why = NULL;
			const struct opt *o =
				argp_long(t, name, eq ? (size_t)(eq - name) : strlen(name), &why);

			if (!o)
				return fail_at(rd, s, why);
			i++;
			val = eq ? eq + 1 : NULL;
			if (o->arg == ARG_NONE && eq)
				return fail_at(rd, s, "option takes no argument");
			if (o->arg == ARG_REQUIRED && !eq) {
				if (i >= argc)
					return fail_at(rd, s, "option requires an argument");
				val = argv[i++];
			}
			opt_found(rd, o, val);
			if (rd->stops)
				return i;
			continue;
		}
		/* crun reads -bundle as -b undle, -bun as -b un: refused, surely not what was
		 * meant */
		if (strcspn(s + 1, "=") >= 2)
			for (size_t k = 0; k < t.n; k++)
				if (t.o[k].name &&
				    strncmp(s + 1, t.o[k].name, strcspn(s + 1, "=")) == 0)
					return fail_at(
						rd, s,
						"a long option with one dash: crun reads it as "
						"short options (write two dashes)");
		i++;
		for (const char *p = s + 1; *p; p++) {
			const struct opt *o = argp_short(t, *p);

			if (!o)
				return fail_at(rd, s, "invalid option");
			if (o->arg == ARG_NONE || (o->arg == ARG_OPTIONAL && !p[1])) {
				opt_found(rd, o, NULL);
				if (rd->stops)
					return i;
				continue;
			}
			if (p[1]) {
				opt_found(rd, o, p + 1);
			} else {
				if (i >= argc)
					return fail_at(rd, s, "option requires an argument");
				opt_found(rd, o, argv[i++]);
			}
			break;
		}
	}
	return i;
}

static int read_crun(int argc, char *const *argv, struct reading *rd)
{
	struct opt_table t;
	int i;

	i = argp_parse_opts(TABLE(crun_global), argc, argv, 1, rd);
	if (i < 0 || rd->stops || i >= argc)
		return i < 0 ? i : 0;
	rd->cmd = i;
	if (strcmp(argv[i], "run") == 0)
		t = TABLE(crun_run);
	else if (strcmp(argv[i], "create") == 0)
		t = TABLE(crun_create);
	else if (strcmp(argv[i], "exec") == 0)
		t = TABLE(crun_exec);
	else
		return 0;
	i = argp_parse_opts(t, argc, argv, i + 1, rd);
	if (i < 0)
		return i;
	rd->n_positional = argc - i;
	rd->first = i < argc ? argv[i] : NULL;
	return 0;
}

/* ---- both ---- */

enum wrapper_runtime wrapper_runtime_kind(const char *path)
{
	const char *base = strrchr(path, '/');

	base = base ? base + 1 : path;
	if (strcmp(base, "runc") == 0)
		return WRAPPER_RUNC;
	if (strcmp(base, "crun") == 0)
		return WRAPPER_CRUN;
	return WRAPPER_OTHER;
}

/* Whether "create" or "run" appears anywhere from index i on. */
static bool mentions_create(int argc, char *const *argv, int i)
{
	for (; i < argc; i++)
		if (strcmp(argv[i], "create") == 0 || strcmp(argv[i], "run") == 0)
			return true;
	return false;
}

/* One runtime's reading into ret, or the reason it cannot be used. */
static int read_as(enum wrapper_runtime rt, int argc, char *const *argv, struct wrapper_args *ret,
		   struct nf_error *err)
{
	struct reading rd = { .cmd = -1 };
	const char *name = rt == WRAPPER_RUNC ? "runc" : "crun";
	char q[128];
	int r;

	r = rt == WRAPPER_RUNC ? read_runc(argc, argv, &rd) : read_crun(argc, argv, &rd);
	if (r == -ENOMEM)
		return nf_sys_err(err, ENOMEM, "reading the command line");
	*ret = (struct wrapper_args){ .cmd = -1 };
	if (r < 0) {
		/* where no create or run could follow, the runtime's own error serves */
		if (rd.cmd < 0 && !mentions_create(argc, argv, 1))
			return 0;
		return nf_input_err(err, "%s reads the command line differently: \"%s\": %s", name,
				    nf_quote(rd.bad, q, sizeof(q)), rd.why);
	}
	if (rd.stops || rd.cmd < 0)
		return 0; /* help or version: nothing runs */
	ret->cmd = rd.cmd;
	ret->edits = strcmp(argv[rd.cmd], "create") == 0 || strcmp(argv[rd.cmd], "run") == 0;
	if (strcmp(argv[rd.cmd], "exec") == 0) {
		ret->exec = true;
		ret->id = rd.first; /* NULL: the runtime refuses it */
		ret->process = rd.process;
		ret->net_cap = rd.net_cap;
	}
	if (!ret->edits)
		return 0;
	if (rd.n_positional != 1)
		return nf_input_err(err,
				    "%s: %s reads exactly one container id after the options, "
				    "here %d arguments%s%s%s",
				    argv[rd.cmd], name, rd.n_positional, rd.first ? " from \"" : "",
				    rd.first ? nf_quote(rd.first, q, sizeof(q)) : "",
				    rd.first ? "\" on" : "");
	ret->bundle = rd.bundle;
	ret->config = rd.config;
	if (ret->bundle && !ret->bundle[0])
		return nf_input_err(err, "%s: empty bundle path", argv[rd.cmd]);
	if (ret->config && !ret->config[0])
		return nf_input_err(err, "%s: empty config file name", argv[rd.cmd]);
	return 0;
}

static bool same_str(const char *a, const char *b)
{
	return a == b || (a && b && strcmp(a, b) == 0);
}

int wrapper_parse_args(int argc, char *const *argv, enum wrapper_runtime rt,
		       struct wrapper_args *ret, struct nf_error *err)
{
	struct wrapper_args a, b;
	int r;

	if (rt != WRAPPER_OTHER)
		return read_as(rt, argc, argv, ret, err);
	/* another runtime: only a command line that runc and crun read alike */
	r = read_as(WRAPPER_RUNC, argc, argv, &a, err);
	if (r >= 0)
		r = read_as(WRAPPER_CRUN, argc, argv, &b, err);
	if (r < 0)
		return r;
	if (a.exec || b.exec) {
		if (a.exec != b.exec || !same_str(a.id, b.id) || !same_str(a.process, b.process) ||
		    !a.net_cap != !b.net_cap)
			return nf_input_err(err, "exec: runc and crun read this command line "
						 "differently, and the runtime is neither");
		*ret = a;
		return 0;
	}
	if (!a.edits && !b.edits) {
		*ret = (struct wrapper_args){ .cmd = -1 }; /* nothing to edit either way */
		return 0;
	}
	if (a.cmd != b.cmd || a.edits != b.edits || !same_str(a.bundle, b.bundle) ||
	    !same_str(a.config, b.config))
		return nf_input_err(err, "runc and crun read this command line differently, and "
					 "the runtime is neither: write it as both read it alike "
					 "(--bundle DIR before the container id)");
	*ret = a;
	return 0;
}
