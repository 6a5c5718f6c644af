/* netfence: config.json editing for the runtime wrapper (see spec_write.h). The strict parser's
 * yajl tree is edited in place (new nodes laid out as yajl_tree does, so yajl_tree_free frees
 * them) and written back with yajl_gen, numbers from their original text. */
#include "spec_write.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yajl/yajl_gen.h>

#include "../hook/util.h"
#include "json.h"

struct spec_doc {
	yajl_val root;
	char *path;
	struct spec_kv *ann; /* borrowed from root */
	size_t n_ann;
};

static void yajl_genp(yajl_gen *g)
{
	if (*g)
		yajl_gen_free(*g);
}

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

static void spec_docp(struct spec_doc **d)
{
	spec_doc_free(*d);
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
	_cleanup_(spec_docp) struct spec_doc *d = NULL;
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
	r = json_parse_strict(buf, len, "", &d->root, &perr);
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

const struct spec_kv *spec_doc_annotations(const struct spec_doc *d, size_t *ret_n)
{
	*ret_n = d->n_ann;
	return d->ann;
}

static bool str_eq(yajl_val v, const char *s)
{
	return YAJL_IS_STRING(v) && strcmp(v->u.string, s) == 0;
}

bool spec_doc_has_hook(const struct spec_doc *d, const char *stage, const char *path)
{
	yajl_val arr = json_get(json_get(d->root, "hooks"), stage);

	if (!YAJL_IS_ARRAY(arr))
		return false;
	for (size_t i = 0; i < arr->u.array.len; i++) {
		yajl_val h = arr->u.array.values[i];
		yajl_val args = json_get(h, "args");

		if (path && str_eq(json_get(h, "path"), path))
			return true;
		if (YAJL_IS_ARRAY(args) && args->u.array.len >= 3 &&
		    str_eq(args->u.array.values[1], "hook") &&
		    str_eq(args->u.array.values[2], stage))
			return true;
	}
	return false;
}

/* Tree building: every node owns its allocations the way yajl_tree_free expects. */
static yajl_val node_new(yajl_type t)
{
	yajl_val v = calloc(1, sizeof(*v));

	if (v)
		v->type = t;
	return v;
}

static yajl_val node_string(const char *s)
{
	yajl_val v = node_new(yajl_t_string);

	if (v && !(v->u.string = strdup(s))) {
		free(v);
		v = NULL;
	}
	return v;
}

/* Append v to an array; takes ownership of v (freed on failure). */
static int array_push(yajl_val arr, yajl_val v)
{
	yajl_val *vals;

	if (!v)
		return -ENOMEM;
	vals = realloc(arr->u.array.values, (arr->u.array.len + 1) * sizeof(*vals));
	if (!vals) {
		yajl_tree_free(v);
		return -ENOMEM;
	}
	arr->u.array.values = vals;
	vals[arr->u.array.len++] = v;
	return 0;
}

/* Add key: v to an object; takes ownership of v (freed on failure). */
static int object_put(yajl_val obj, const char *key, yajl_val v)
{
	const char **keys;
	yajl_val *vals;
	char *k;
	size_t n = obj->u.object.len;

	if (!v)
		return -ENOMEM;
	k = strdup(key);
	keys = k ? realloc(obj->u.object.keys, (n + 1) * sizeof(*keys)) : NULL;
	if (keys)
		obj->u.object.keys = keys;
	vals = keys ? realloc(obj->u.object.values, (n + 1) * sizeof(*vals)) : NULL;
	if (!vals) {
		free(k);
		yajl_tree_free(v);
		return -ENOMEM;
	}
	obj->u.object.values = vals;
	keys[n] = k;
	vals[n] = v;
	obj->u.object.len++;
	return 0;
}

/* The member `key` of obj as a container of type t: created when absent, replaced when null. */
static yajl_val member_container(yajl_val obj, const char *key, yajl_type t)
{
	for (size_t i = 0; i < obj->u.object.len; i++) {
		if (strcmp(obj->u.object.keys[i], key) != 0)
			continue;
		if (YAJL_IS_NULL(obj->u.object.values[i])) {
			yajl_val v = node_new(t);

			if (!v)
				return NULL;
			yajl_tree_free(obj->u.object.values[i]);
			obj->u.object.values[i] = v;
		}
		return obj->u.object.values[i]->type == t ? obj->u.object.values[i] : NULL;
	}
	{
		yajl_val v = node_new(t);

		return object_put(obj, key, v) < 0 ? NULL : v;
	}
}

static yajl_val string_array(const char *const *list)
{
	yajl_val arr = node_new(yajl_t_array);

	for (size_t i = 0; arr && list && list[i]; i++)
		if (array_push(arr, node_string(list[i])) < 0) {
			yajl_tree_free(arr);
			return NULL;
		}
	return arr;
}

int spec_doc_add_hook(struct spec_doc *d, const char *stage, const struct spec_hook *h,
		      struct nf_error *err)
{
	yajl_val hooks, arr, entry;
	int r;

	hooks = member_container(d->root, "hooks", yajl_t_object);
	if (!hooks)
		return nf_sys_err(err, ENOMEM, "adding the %s hook", stage);
	arr = member_container(hooks, stage, yajl_t_array);
	if (!arr)
		return nf_sys_err(err, ENOMEM, "adding the %s hook", stage);
	entry = node_new(yajl_t_object);
	if (!entry)
		return nf_sys_err(err, ENOMEM, "adding the %s hook", stage);
	r = object_put(entry, "path", node_string(h->path));
	if (r >= 0)
		r = object_put(entry, "args", string_array(h->args));
	if (r >= 0 && h->env)
		r = object_put(entry, "env", string_array(h->env));
	if (r < 0) {
		yajl_tree_free(entry);
		return nf_sys_err(err, r, "adding the %s hook", stage);
	}
	r = array_push(arr, entry);
	if (r < 0)
		return nf_sys_err(err, r, "adding the %s hook", stage);
	return 0;
}

/* Write v; numbers go out as the text they were read from, so nothing is rounded. */
static yajl_gen_status gen_tree(yajl_gen g, yajl_val v)
{
	yajl_gen_status s;

	switch (v->type) {
	case yajl_t_string:
		return yajl_gen_string(g, (const unsigned char *)v->u.string, strlen(v->u.string));
	case yajl_t_number:
		return yajl_gen_number(g, v->u.number.r, strlen(v->u.number.r));
	case yajl_t_true:
		return yajl_gen_bool(g, 1);
	case yajl_t_false:
		return yajl_gen_bool(g, 0);
	case yajl_t_null:
		return yajl_gen_null(g);
	case yajl_t_object:
		s = yajl_gen_map_open(g);
		for (size_t i = 0; s == yajl_gen_status_ok && i < v->u.object.len; i++) {
			const char *k = v->u.object.keys[i];

			s = yajl_gen_string(g, (const unsigned char *)k, strlen(k));
			if (s == yajl_gen_status_ok)
				s = gen_tree(g, v->u.object.values[i]);
		}
		return s == yajl_gen_status_ok ? yajl_gen_map_close(g) : s;
	case yajl_t_array:
		s = yajl_gen_array_open(g);
		for (size_t i = 0; s == yajl_gen_status_ok && i < v->u.array.len; i++)
			s = gen_tree(g, v->u.array.values[i]);
		return s == yajl_gen_status_ok ? yajl_gen_array_close(g) : s;
	default:
		return yajl_gen_invalid_string;
	}
}

int spec_doc_serialize(const struct spec_doc *d, char **ret, size_t *ret_len, struct nf_error *err)
{
	_cleanup_(yajl_genp) yajl_gen g = NULL;
	const unsigned char *out;
	size_t len;
	char *copy;

	g = yajl_gen_alloc(NULL);
	if (!g)
		return nf_sys_err(err, ENOMEM, "writing JSON");
	/* yajl's default depth limit (128) is above the parser's 64. */
	if (gen_tree(g, d->root) != yajl_gen_status_ok)
		return nf_sys_err(err, EINVAL, "writing JSON");
	if (yajl_gen_get_buf(g, &out, &len) != yajl_gen_status_ok)
		return nf_sys_err(err, EIO, "writing JSON");
	copy = malloc(len + 1);
	if (!copy)
		return nf_sys_err(err, ENOMEM, "writing JSON");
	memcpy(copy, out, len);
	copy[len] = '\0';
	*ret = copy;
	*ret_len = len;
	return 0;
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
