/* netfence: config.json editing for the runtime wrapper (see spec_write.h): the strict parser's
 * yajl tree edited in place and written back with json.h's helpers. */
#include "spec_write.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util.h"
#include "json.h"

struct spec_doc {
	yajl_val root;
	char *path;
	struct spec_kv *ann; /* borrowed from root */
	size_t n_ann;
};

void spec_doc_free(struct spec_doc *d)
{
	if (!d)
		return;
	if (d->root)
		yajl_tree_free(d->root);
	free(d->ann);
	free(d->path);
	free(d);
}

static int doc_check(struct spec_doc *d, struct nf_error *err)
{
	yajl_val ann, hooks;

	if (!YAJL_IS_OBJECT(d->root))
		return nf_input_err(err, "the top level is not a JSON object");
	ann = json_get(d->root, "annotations");
	if (ann && !YAJL_IS_NULL(ann)) {
		if (!YAJL_IS_OBJECT(ann))
			return nf_input_err(err, "\"annotations\" is not an object");
		d->ann = calloc(ann->u.object.len + 1, sizeof(*d->ann));
		if (!d->ann)
			return nf_sys_err(err, ENOMEM, "annotations");
		for (size_t i = 0; i < ann->u.object.len; i++) {
			if (!YAJL_IS_STRING(ann->u.object.values[i]))
				return nf_input_err(err, "annotation values must be strings");
			d->ann[i].key = (char *)ann->u.object.keys[i];
			d->ann[i].value = ann->u.object.values[i]->u.string;
		}
		d->n_ann = ann->u.object.len;
	}
	hooks = json_get(d->root, "hooks");
	if (hooks && !YAJL_IS_NULL(hooks)) {
		if (!YAJL_IS_OBJECT(hooks))
			return nf_input_err(err, "\"hooks\" is not an object");
		for (size_t i = 0; i < hooks->u.object.len; i++) {
			yajl_val st = hooks->u.object.values[i];

			if (YAJL_IS_NULL(st))
				continue;
			if (!YAJL_IS_ARRAY(st))
				return nf_input_err(err, "\"hooks\": a stage is not an array");
			for (size_t j = 0; j < st->u.array.len; j++)
				if (!YAJL_IS_OBJECT(st->u.array.values[j]))
					return nf_input_err(err,
							    "\"hooks\": an entry is not an object");
		}
	}
	return 0;
}

int spec_doc_parse(const char *buf, size_t len, const char *path, struct spec_doc **ret,
		   struct nf_error *err)
{
	_cleanup_(spec_doc_freep) struct spec_doc *d = NULL;
	struct nf_error perr = { 0 };
	int r;

	if (len > SPEC_CONFIG_MAX)
		return nf_input_err(err, "larger than the limit of %d bytes", SPEC_CONFIG_MAX);
	d = calloc(1, sizeof(*d));
	if (!d)
		return nf_sys_err(err, ENOMEM, "config.json");
	d->path = strdup(path ? path : "config.json");
	if (!d->path)
		return nf_sys_err(err, ENOMEM, "config.json");
	/* json.c prefixes its messages with `what`; an empty what is cut off again below. */
	r = json_parse_oci_config(buf, len, "", &d->root, &perr);
	if (r < 0) {
		const char *m = strncmp(perr.msg, ": ", 2) == 0 ? perr.msg + 2 : perr.msg;

		if (perr.kind == NF_EXIT_SYSTEM)
			return nf_sys_err(err, r, "parsing");
		return nf_input_err(err, "%s", m);
	}
	r = doc_check(d, err);
	if (r < 0)
		return r;
	*ret = steal_pointer(&d);
	return 0;
}

int spec_doc_load(const char *path, struct spec_doc **ret, struct nf_error *err)
{
	_cleanup_close_ int fd = -1;
	_cleanup_free_ char *buf = NULL;
	struct nf_error rerr = { 0 };
	struct stat st;
	size_t len;
	int r;

	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return nf_sys_err(err, errno, "cannot open");
	if (fstat(fd, &st) < 0)
		return nf_sys_err(err, errno, "cannot stat");
	if (!S_ISREG(st.st_mode))
		return nf_input_err(err, "not a regular file");
	r = nf_read_all(fd, SPEC_CONFIG_MAX, "", &buf, &len, &rerr);
	if (r < 0) {
		if (rerr.kind == NF_EXIT_INPUT)
			return nf_input_err(err, "larger than the limit of %d bytes",
					    SPEC_CONFIG_MAX);
		return nf_sys_err(err, r, "cannot read");
	}
	return spec_doc_parse(buf, len, path, ret, err);
}

yajl_val spec_doc_root(struct spec_doc *d)
{
	return d->root;
}

const struct spec_kv *spec_doc_annotations(const struct spec_doc *d, size_t *ret_n)
{
	*ret_n = d->n_ann;
	return d->ann;
}

bool spec_doc_has_hook(const struct spec_doc *d, const char *stage, const char *path)
{
	yajl_val arr = json_get(json_get(d->root, "hooks"), stage);

	if (!YAJL_IS_ARRAY(arr))
		return false;
	for (size_t i = 0; i < arr->u.array.len; i++) {
		yajl_val h = arr->u.array.values[i];
		yajl_val args = json_get(h, "args");

		if (path && json_str_eq(json_get(h, "path"), path))
			return true;
		if (YAJL_IS_ARRAY(args) && args->u.array.len >= 3 &&
		    json_str_eq(args->u.array.values[1], "hook") &&
		    json_str_eq(args->u.array.values[2], stage))
			return true;
	}
	return false;
}

int spec_doc_add_hook(struct spec_doc *d, const char *stage, const struct spec_hook *h,
		      struct nf_error *err)
{
	yajl_val hooks = json_member(d->root, "hooks", yajl_t_object);
	yajl_val arr = hooks ? json_member(hooks, stage, yajl_t_array) : NULL;
	yajl_val entry = arr ? json_new(yajl_t_object) : NULL;
	int r = entry ? json_put(entry, "path", json_new_string(h->path)) : -ENOMEM;

	if (r >= 0)
		r = json_put(entry, "args", json_new_strv(h->args));
	if (r >= 0 && h->env)
		r = json_put(entry, "env", json_new_strv(h->env));
	if (r >= 0 && h->timeout > 0)
		r = json_put(entry, "timeout", json_new_uint(h->timeout));
	if (r >= 0)
		r = json_append(arr, steal_pointer(&entry));
	if (entry)
		yajl_tree_free(entry);
	return r < 0 ? nf_sys_err(err, r, "adding the %s hook", stage) : 0;
}

static bool caps_has(const int *caps, size_t n, int cap)
{
	for (size_t i = 0; cap >= 0 && i < n; i++)
		if (caps[i] == cap)
			return true;
	return false;
}

int spec_doc_drop_caps(struct spec_doc *d, bool process_file, const int *caps, size_t n_caps,
		       bool *ret_changed, struct nf_error *err)
{
	yajl_val c =
		json_get(process_file ? d->root : json_get(d->root, "process"), "capabilities");

	*ret_changed = false;
	if (!c || YAJL_IS_NULL(c))
		return 0;
	if (!YAJL_IS_OBJECT(c))
		return nf_input_err(err, "\"%scapabilities\" is not an object",
				    process_file ? "" : "process.");
	for (size_t s = 0; s < c->u.object.len; s++) {
		yajl_val set = c->u.object.values[s];

		for (size_t i = YAJL_IS_ARRAY(set) ? set->u.array.len : 0; i-- > 0;) {
			yajl_val v = set->u.array.values[i];

			if (YAJL_IS_STRING(v) &&
			    caps_has(caps, n_caps, spec_cap_number(v->u.string))) {
				json_remove(set, i);
				*ret_changed = true;
			}
		}
	}
	return 0;
}

int spec_doc_serialize(const struct spec_doc *d, char **ret, size_t *ret_len, struct nf_error *err)
{
	return json_write(d->root, false, ret, ret_len, err);
}

int spec_doc_save(const struct spec_doc *d, struct nf_error *err)
{
	_cleanup_free_ char *data = NULL;
	_cleanup_close_ int fd = -1;
	char tmp[PATH_MAX];
	const char *slash = strrchr(d->path, '/');
	struct stat st;
	size_t len;
	int r;

	r = spec_doc_serialize(d, &data, &len, err);
	if (r < 0)
		return r;
	if (lstat(d->path, &st) < 0)
		return nf_sys_err(err, errno, "cannot stat");
	if (!S_ISREG(st.st_mode))
		return nf_input_err(err, "not a regular file");
	/* A dot name in the same directory, so the rename is atomic and the runtime never globs it. */
	if ((size_t)snprintf(tmp, sizeof(tmp), "%.*s.%s.netfence-%d",
			     slash ? (int)(slash - d->path + 1) : 0, d->path,
			     slash ? slash + 1 : d->path, (int)getpid()) >= sizeof(tmp))
		return nf_sys_err(err, ENAMETOOLONG, "temporary file");
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return nf_sys_err(err, errno, "creating %s", tmp);
	r = 0;
	if ((st.st_uid != geteuid() || st.st_gid != getegid()) &&
	    fchown(fd, st.st_uid, st.st_gid) < 0)
		r = nf_sys_err(err, errno, "fchown %s", tmp);
	if (r >= 0 && fchmod(fd, st.st_mode & 07777) < 0)
		r = nf_sys_err(err, errno, "fchmod %s", tmp);
	if (r >= 0 && (r = nf_write_all(fd, data, len)) < 0)
		r = nf_sys_err(err, r, "writing %s", tmp);
	if (r >= 0 && fsync(fd) < 0)
		r = nf_sys_err(err, errno, "fsync %s", tmp);
	if (r >= 0 && rename(tmp, d->path) < 0)
		r = nf_sys_err(err, errno, "renaming %s", tmp);
	if (r < 0)
		unlink(tmp);
	return r;
}
