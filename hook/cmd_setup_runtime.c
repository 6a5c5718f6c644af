/* netfence: `netfence setup-runtime containerd|crio|podman`: puts the netfence runtime handler
 * (containerd, CRI-O) or the hooks.d files (podman) into the engine's configuration, as a marked
 * block or files of its own that --undo removes again; --dry-run prints the change as a diff. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "cmd.h"
#include "util.h"

#define MARK "# netfence setup-runtime"
/* a block is found by the start of its first line, so that a later wording still finds it */
#define BEGIN MARK ": begin"
#define BEGIN_LINE BEGIN " (`netfence setup-runtime containerd --undo` removes this block)\n"
#define END MARK ": end\n"

/* One file to change: its path, what it holds (NULL: absent), what it is to hold next (NULL:
 * removed). */
struct change {
	char path[PATH_MAX];
	char *old, *next;
	bool backup;
};

static int usage(void)
{
	fprintf(stderr, "usage: netfence setup-runtime containerd|crio|podman [--config PATH] "
			"[--dry-run] [--undo]\n");
	return NF_EXIT_INPUT;
}

static const char *eol(const char *s)
{
	const char *e = strchr(s, '\n');

	return e ? e + 1 : s + strlen(s);
}

/* The start of each line of s, and s's end after them: *ret holds n + 1 pointers. */
static size_t split(const char *s, const char ***ret)
{
	size_t n = 0;

	for (const char *p = s; *p; p = eol(p))
		n++;
	*ret = calloc(n + 1, sizeof(**ret));
	if (!*ret)
		return 0;
	n = 0;
	for (const char *p = s; *p; p = eol(p))
		(*ret)[n++] = p;
	(*ret)[n] = s + strlen(s);
	return n;
}

static bool same_line(const char **a, size_t i, const char **b, size_t j)
{
	return a[i + 1] - a[i] == b[j + 1] - b[j] && !memcmp(a[i], b[j], a[i + 1] - a[i]);
}

static void print_lines(char sign, const char **l, size_t from, size_t to)
{
	for (size_t i = from; i < to; i++)
		printf("%c%.*s%s", sign, (int)(l[i + 1] - l[i]), l[i],
		       l[i + 1][-1] == '\n' ? "" : "\n\\ No newline at end of file\n");
}

/* The change as a unified diff of one hunk without context (`diff -U0`), which patch(1) takes. */
static void print_diff(const struct change *c)
{
	_cleanup_free_ const char **a = NULL, **b = NULL;
	size_t na = split(c->old ? c->old : "", &a), nb = split(c->next ? c->next : "", &b), p = 0,
	       s = 0;

	if (!a || !b)
		return;
	while (p < na && p < nb && same_line(a, p, b, p))
		p++;
	while (s < na - p && s < nb - p && same_line(a, na - 1 - s, b, nb - 1 - s))
		s++;
	printf("--- %s\n+++ %s\n", c->old ? c->path : "/dev/null", c->next ? c->path : "/dev/null");
	printf("@@ -%zu,%zu +%zu,%zu @@\n", p + (na - s > p), na - s - p, p + (nb - s > p),
	       nb - s - p);
	print_lines('-', a, p, na - s);
	print_lines('+', b, p, nb - s);
}

/* The first line of s that starts with what. */
static const char *find_line(const char *s, const char *what)
{
	for (const char *p = strstr(s, what); p; p = strstr(p + 1, what))
		if (p == s || p[-1] == '\n')
			return p;
	return NULL;
}

/* The TOML dotted key at s (bare, "basic" or 'literal' parts; escapes are not decoded) appended
 * to out, each part followed by '/'. Returns the text after the key, or NULL when s holds none. */
static const char *toml_key(const char *s, char *out, size_t cap)
{
	size_t n = strlen(out);

	for (;;) {
		const char *b, *e;

		s += strspn(s, " \t");
		if (*s == '"' || *s == '\'') {
			b = s + 1;
			e = strchr(b, *s);
			if (!e || memchr(b, '\n', e - b))
				return NULL;
			s = e + 1;
		} else {
			b = s;
			e = s + strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123"
					  "456789_-");
			if (e == s)
				return NULL;
			s = e;
		}
		if (n + (size_t)(e - b) + 2 > cap)
			return NULL;
		memcpy(out + n, b, e - b);
		n += e - b;
		out[n++] = '/';
		out[n] = 0;
		s += strspn(s, " \t");
		if (*s != '.')
			return s;
		s++;
	}
}

/* containerd config version 2 (1.x) and 3 (2.x): the `netfence` runtime as a block between
 * BEGIN and END, appended or replaced in place; --undo cuts the block out. */
static int containerd_edit(struct change *c, bool undo, struct nf_error *err)
{
	const char *old = c->old ? c->old : "", *bs = find_line(old, BEGIN), *be, *t;
	char key[512], bin[PATH_MAX], table[512] = "";
	bool systemd = false, other = false, imports = false, runtimes = false;
	long version = 0;
	unsigned line = 0;
	int r;

	be = bs ? find_line(bs, END) : NULL;
	if (bs && !be)
		return nf_input_err(err, "%s: the netfence block has no line \"%.*s\" after it",
				    c->path, (int)strlen(END) - 1, END);
	be = bs ? be + strlen(END) : old + strlen(old);
	bs = bs ? bs : be;
	for (const char *l = old; *l; l = eol(l)) {
		const char *s = l + strspn(l, " \t"), *v = NULL;

		line++;
		if (l >= bs && l < be)
			continue;
		strcpy(key, *s == '[' ? "" : table);
		if (*s == '[')
			toml_key(s + 1 + (s[1] == '['), strcpy(table, ""), sizeof(table));
		else if (*s != '#' && *s != '\n' && *s)
			v = toml_key(s, key, sizeof(key));
		other |= *s == '[' || (v && *v == '=');
		t = strstr(*s == '[' ? table : key, "/containerd/runtimes/");
		runtimes |= t && t[21];
		if (t && strncmp(t + 21, "netfence/", 9) == 0)
			return nf_input_err(
				err,
				"%s: line %u: a `netfence` runtime exists that netfence "
				"setup-runtime did not add: remove it or keep it by hand",
				c->path, line);
		if (!v || *v != '=')
			continue;
		v += 1 + strspn(v + 1, " \t");
		if (strcmp(key, "version/") == 0)
			version = strtol(v, NULL, 10);
		imports |= strcmp(key, "imports/") == 0 && strncmp(v, "[]", 2) != 0;
		if (strstr(key, "/containerd/runtimes/runc/options/SystemdCgroup/"))
			systemd = strncmp(v, "true", 4) == 0;
	}
	if (undo && c->old) {
		/* a file that held nothing else was made by setup-runtime: removed; one that holds
		 * more since keeps the version line the block brought */
		bool ver = !version && memmem(bs, be - bs, "\nversion = 2\n", 13);

		if (asprintf(&c->next, "%s%.*s%s", ver ? "version = 2\n" : "", (int)(bs - old), old,
			     be) < 0)
			return nf_sys_err(err, ENOMEM, "%s", c->path);
		t = c->next + (ver ? strlen("version = 2\n") : 0);
		if (!t[strspn(t, " \t\n")])
			c->next = (free(c->next), NULL);
		return c->backup = c->next, 0;
	}
	if (undo)
		return 0;
	if (version != 2 && version != 3 && (version || other))
		return nf_input_err(err,
				    "%s: config version %ld (no `version` line: 1): netfence "
				    "setup-runtime knows versions 2 (containerd 1.x) and 3 (2.x)",
				    c->path, version ? version : 1);
	if (imports && version == 2)
		fprintf(stderr,
			"netfence setup-runtime: warning: %s has `imports`: on containerd "
			"1.x an imported file that sets anything under plugins.\"io.containerd."
			"grpc.v1.cri\" replaces that whole section, the netfence runtime with "
			"it; if one does, run setup-runtime with --config on that file instead\n",
			c->path);
	r = nf_exe_sibling("netfence-runtime", bin, sizeof(bin));
	if (r < 0)
		return nf_sys_err(err, r, "finding netfence-runtime");
	t = version == 3 ? "plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes"
			 : "plugins.\"io.containerd.grpc.v1.cri\".containerd.runtimes";
	/* containerd takes the runtimes of a file that names any instead of its default list */
	r = asprintf(&c->next,
		     "%.*s%s" BEGIN_LINE "%s%s%s%s[%s.netfence]\n"
		     "  runtime_type = \"io.containerd.runc.v2\"\n"
		     "  # the CRI plugin passes on only the annotations listed here\n"
		     "  pod_annotations = [\"io.netfence.*\"]\n"
		     "  container_annotations = [\"io.netfence.*\"]\n"
		     "[%s.netfence.options]\n"
		     "  BinaryName = \"%s\"\n"
		     "  SystemdCgroup = %s\n" END "%s",
		     (int)(bs - old), old, bs > old && bs[-1] != '\n' ? "\n" : "",
		     version ? "" : "version = 2\n",
		     runtimes ? ""
			      : "# runc, containerd's default (runtimes in the file replace its "
				"own list)\n[",
		     runtimes ? "" : t,
		     runtimes ? "" : ".runc]\n  runtime_type = \"io.containerd.runc.v2\"\n", t, t,
		     bin, systemd ? "true" : "false", be);
	c->backup = true;
	return r < 0 ? nf_sys_err(err, ENOMEM, "%s", c->path) : 0;
}

/* A file wholly netfence's, CRI-O's drop-in or (stage) a podman hooks.d file: written when
 * absent or its own, removed by --undo. */
static int own_file(struct change *c, const char *stage, bool undo, struct nf_error *err)
{
	char bin[PATH_MAX];
	int r = nf_exe_sibling(stage ? "netfence" : "netfence-runtime", bin, sizeof(bin));

	if (r < 0)
		return nf_sys_err(err, r, "finding %s", stage ? "netfence" : "netfence-runtime");
	if (stage)
		r = asprintf(
			&c->next,
			"{\n  \"version\": \"1.0.0\",\n  \"hook\": {\n    \"path\": \"%s\",\n"
			"    \"args\": [\"netfence\", \"hook\", \"%s\"],\n    \"env\": "
			"[\"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\"],\n"
			"    \"timeout\": 30\n  },\n"
			"  \"when\": {\"annotations\": {\"^io\\\\.netfence\\\\.\": \".*\"}},\n"
			"  \"stages\": [\"%s\"]\n}\n",
			bin, stage, stage);
	else
		r = asprintf(&c->next,
			     MARK ": the runtime handler `netfence` (setup-runtime crio --undo "
				  "removes it)\n[crio.runtime.runtimes.netfence]\n"
				  "runtime_path = \"%s\"\nruntime_type = \"oci\"\n"
				  "runtime_root = \"/run/runc\"\n",
			     bin);
	if (r < 0)
		return c->next = NULL, nf_sys_err(err, ENOMEM, "%s", c->path);
	if (c->old && strcmp(c->old, c->next) != 0 && strncmp(c->old, MARK, strlen(MARK)) != 0)
		return nf_input_err(err,
				    "%s exists and was not written by netfence setup-runtime: "
				    "remove it or keep it by hand",
				    c->path);
	if (undo)
		c->next = (free(c->next), NULL);
	return 0;
}

/* Writes c->next over c->path (the file's previous text kept beside it when c->backup), or
 * removes the file, or with dry prints the diff: 1 when something changes, 0 when not. */
static int apply(struct change *c, bool dry, struct nf_error *err)
{
	struct stat st;
	char bak[PATH_MAX + 20];
	int r;

	if (c->old && c->next && strcmp(c->old, c->next) == 0)
		return printf("netfence setup-runtime: %s: nothing to change\n", c->path), 0;
	if (!c->old && !c->next)
		return 0;
	if (dry)
		return print_diff(c), 1;
	if (c->old && c->backup) {
		if ((size_t)snprintf(bak, sizeof(bak), "%s.netfence-backup", c->path) >=
		    sizeof(bak))
			return nf_sys_err(err, ENAMETOOLONG, "%s", c->path);
		r = nf_write_file_atomic(bak, c->old, strlen(c->old), 0600, err);
		if (r < 0)
			return r;
		printf("netfence setup-runtime: %s saved as %s\n", c->path, bak);
	}
	if (!c->next) {
		if (unlink(c->path) < 0)
			return nf_sys_err(err, errno, "removing %s", c->path);
		return printf("netfence setup-runtime: removed %s\n", c->path), 1;
	}
	strcpy(bak, c->path);
	if (strrchr(bak, '/') > bak) {
		*strrchr(bak, '/') = 0;
		r = nf_mkdir_p(bak, 0755);
		if (r < 0)
			return nf_sys_err(err, r, "creating %s", bak);
	}
	r = nf_write_file_atomic(c->path, c->next, strlen(c->next),
				 c->old && stat(c->path, &st) == 0 ? st.st_mode & 07777 : 0644,
				 err);
	if (r < 0)
		return r;
	return printf("netfence setup-runtime: wrote %s\n", c->path), 1;
}

int cmd_setup_runtime(int argc, char **argv)
{
	struct change ch[2] = { 0 };
	struct nf_error err = { 0 };
	const char *engine = argc > 1 ? argv[1] : "", *conf = NULL;
	bool dry = false, undo = false, changed = false;
	size_t n = 1, len;
	int r = 0;

	for (int i = 2; i < argc; i++) {
		if (strcmp(argv[i], "--dry-run") == 0)
			dry = true;
		else if (strcmp(argv[i], "--undo") == 0)
			undo = true;
		else if (strcmp(argv[i], "--config") == 0 && i + 1 < argc && argv[i + 1][0])
			conf = argv[++i];
		else
			return usage();
	}
	if (strcmp(engine, "containerd") == 0)
		snprintf(ch[0].path, PATH_MAX, "%s", conf ? conf : "/etc/containerd/config.toml");
	else if (strcmp(engine, "crio") == 0)
		snprintf(ch[0].path, PATH_MAX, "%s",
			 conf ? conf : "/etc/crio/crio.conf.d/50-netfence.conf");
	else if (strcmp(engine, "podman") == 0 && (n = 2))
		for (int i = 0; i < 2; i++)
			snprintf(ch[i].path, PATH_MAX, "%s/netfence-%s.json",
				 conf ? conf : "/usr/share/containers/oci/hooks.d",
				 i ? "poststop" : "createruntime");
	else
		return usage();
	for (size_t i = 0; i < n && r >= 0; i++) {
		_cleanup_close_ int fd = -1;
		char real[PATH_MAX];

		/* a symbolic link (a configuration kept elsewhere) stays one: its target is edited */
		if (realpath(ch[i].path, real))
			strcpy(ch[i].path, real);
		fd = open(ch[i].path, O_RDONLY | O_CLOEXEC);
		if (fd < 0 && errno != ENOENT)
			r = nf_sys_err(&err, errno, "opening %s", ch[i].path);
		else if (fd >= 0)
			r = nf_read_all(fd, 1 << 20, ch[i].path, &ch[i].old, &len, &err);
		if (r >= 0 && strcmp(engine, "containerd") == 0)
			r = containerd_edit(&ch[i], undo, &err);
		else if (r >= 0)
			r = own_file(&ch[i],
				     n == 1 ? NULL
				     : i    ? "poststop"
					    : "createRuntime",
				     undo, &err);
	}
	for (size_t i = 0; i < n && r >= 0; i++)
		changed |= (r = apply(&ch[i], dry, &err)) > 0;
	if (r >= 0 && changed && !dry && n == 1)
		printf("netfence setup-runtime: restart %s to take the change up\n", engine);
	for (size_t i = 0; i < n; i++)
		free(ch[i].old), free(ch[i].next);
	return r < 0 ? cmd_fail("setup-runtime", &err) : 0;
}
