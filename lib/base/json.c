/* netfence: strict JSON on top of yajl (see json.h). yajl's callback parser builds the tree
 * (yajl_tree layout) with the depth bounded as it goes; a walk of the finished tree then
 * refuses duplicate keys, which runc and yajl would resolve differently. */
#include "json.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_parse.h>

#include "util.h"

/* The tree is built here rather than with yajl_tree_parse: one pass, the depth bounded before
 * a level is added, arrays grown by doubling (yajl_tree reallocs per element), and nodes laid
 * out as yajl_tree does so that yajl_tree_free and every YAJL_IS_* macro work on them. */
struct build {
	yajl_val root;
	yajl_val stack[NF_JSON_MAX_DEPTH + 1];
	size_t cap[NF_JSON_MAX_DEPTH + 1];
	unsigned depth;
	char *key; /* pending object key */
	bool too_deep, nul, oom;
};

yajl_val json_new(yajl_type t)
{
	yajl_val v = calloc(1, sizeof(*v));

	if (v)
		v->type = t;
	return v;
}

static yajl_val node_new(struct build *b, yajl_type t)
{
	yajl_val v = json_new(t);

	b->oom |= !v;
	return v;
}

/* Attach v to the open container (or make it the root); takes ownership of v. */
static int node_add(struct build *b, yajl_val v)
{
	yajl_val top;
	size_t *cap, n;
	bool obj;

	if (!v)
		return 0;
	if (b->depth == 0) {
		b->root = v;
		return 1;
	}
	top = b->stack[b->depth - 1];
	cap = &b->cap[b->depth - 1];
	obj = YAJL_IS_OBJECT(top);
	n = obj ? top->u.object.len : top->u.array.len;
	if (n == *cap) {
		size_t nc = *cap ? *cap * 2 : 8;
		const char **k = obj ? realloc(top->u.object.keys, nc * sizeof(*k)) : NULL;
		yajl_val *vals = obj ? top->u.object.values : top->u.array.values;

		if (k)
			top->u.object.keys = k;
		vals = k || !obj ? realloc(vals, nc * sizeof(*vals)) : NULL;
		if (!vals) {
			b->oom = true;
			yajl_tree_free(v);
			return 0;
		}
		*(obj ? &top->u.object.values : &top->u.array.values) = vals;
		*cap = nc;
	}
	if (obj) {
		top->u.object.keys[n] = b->key;
		top->u.object.values[n] = v;
		top->u.object.len++;
		b->key = NULL;
	} else {
		top->u.array.values[n] = v;
		top->u.array.len++;
	}
	return 1;
}

/* Strings with a NUL (\u0000) would mean one thing to C and another to the runtime. */
static char *str_dup(struct build *b, const unsigned char *s, size_t len)
{
	char *r;

	if (memchr(s, '\0', len)) {
		b->nul = true;
		return NULL;
	}
	r = strndup((const char *)s, len);
	if (!r)
		b->oom = true;
	return r;
}

static int cb_null(void *ctx)
{
	struct build *b = ctx;

	return node_add(b, node_new(b, yajl_t_null));
}

static int cb_bool(void *ctx, int val)
{
	struct build *b = ctx;

	return node_add(b, node_new(b, val ? yajl_t_true : yajl_t_false));
}

static int cb_number(void *ctx, const char *s, size_t len)
{
	struct build *b = ctx;
	yajl_val v = node_new(b, yajl_t_number);
	char *end;

	if (!v)
		return 0;
	v->u.number.r = strndup(s, len);
	if (!v->u.number.r) {
		free(v);
		b->oom = true;
		return 0;
	}
	errno = 0;
	v->u.number.i = strtoll(v->u.number.r, &end, 10);
	if (errno == 0 && *end == '\0')
		v->u.number.flags |= YAJL_NUMBER_INT_VALID;
	errno = 0;
	v->u.number.d = strtod(v->u.number.r, &end);
	if (errno == 0 && *end == '\0')
		v->u.number.flags |= YAJL_NUMBER_DOUBLE_VALID;
	return node_add(b, v);
}

static int cb_string(void *ctx, const unsigned char *s, size_t len)
{
	struct build *b = ctx;
	yajl_val v;
	char *str = str_dup(b, s, len);

	if (!str)
		return 0;
	v = node_new(b, yajl_t_string);
	if (!v) {
		free(str);
		return 0;
	}
	v->u.string = str;
	return node_add(b, v);
}

static int cb_key(void *ctx, const unsigned char *s, size_t len)
{
	struct build *b = ctx;

	free(b->key);
	b->key = str_dup(b, s, len);
	return b->key != NULL;
}

static int cb_open(struct build *b, yajl_type t)
{
	yajl_val v;

	if (b->depth >= NF_JSON_MAX_DEPTH) {
		b->too_deep = true;
		return 0;
	}
	v = node_new(b, t);
	if (!node_add(b, v))
		return 0;
	b->stack[b->depth] = v;
	b->cap[b->depth] = 0;
	b->depth++;
	return 1;
}

static int cb_start_map(void *ctx)
{
	return cb_open(ctx, yajl_t_object);
}

static int cb_start_array(void *ctx)
{
	return cb_open(ctx, yajl_t_array);
}

static int cb_close(void *ctx)
{
	struct build *b = ctx;

	b->depth--;
	return 1;
}

static const yajl_callbacks build_callbacks = {
	.yajl_null = cb_null,
	.yajl_boolean = cb_bool,
	.yajl_number = cb_number,
	.yajl_string = cb_string,
	.yajl_start_map = cb_start_map,
	.yajl_map_key = cb_key,
	.yajl_end_map = cb_close,
	.yajl_start_array = cb_start_array,
	.yajl_end_array = cb_close,
};

NF_DEFINE_CLEANUP(yajl_handle, yajl_free)

/* Copy a yajl message without its trailing newline and position arrows. */
static void first_line(char *dst, size_t size, const char *src)
{
	size_t n = strcspn(src, "\n");

	if (n >= size)
		n = size - 1;
	memcpy(dst, src, n);
	dst[n] = '\0';
}

static int json_build(const char *buf, size_t len, const char *what, yajl_val *ret,
		      struct nf_error *err)
{
	_cleanup_(yajl_freep) yajl_handle h = NULL;
	struct build b = { 0 };
	yajl_status st;
	int r = 0;

	h = yajl_alloc(&build_callbacks, NULL, &b);
	if (!h)
		return nf_sys_err(err, ENOMEM, "%s", what);
	st = yajl_parse(h, (const unsigned char *)buf, len);
	if (st == yajl_status_ok)
		st = yajl_complete_parse(h);
	if (b.oom)
		r = nf_sys_err(err, ENOMEM, "%s", what);
	else if (b.too_deep)
		r = nf_input_err(err, "%s: JSON nested deeper than %d levels", what,
				 NF_JSON_MAX_DEPTH);
	else if (b.nul)
		r = nf_input_err(err, "%s: a JSON string contains a NUL character", what);
	else if (st != yajl_status_ok || !b.root) {
		unsigned char *m = yajl_get_error(h, 0, (const unsigned char *)buf, len);
		char line[256];

		first_line(line, sizeof(line), m ? (const char *)m : "invalid JSON");
		if (m)
			yajl_free_error(h, m);
		r = nf_input_err(err, "%s: invalid JSON: %s", what, line);
	}
	free(b.key);
	if (r < 0) {
		if (b.root)
			yajl_tree_free(b.root);
		return r;
	}
	*ret = b.root;
	return 0;
}

/* Go's encoding/json (runc reads config.json with it) matches a key to a struct field ignoring
 * case: ASCII letters fold, and so do U+017F (long s) and U+212A (Kelvin sign), to 's' and
 * 'k' (bytes.EqualFold, which Go's matching agrees with for the ASCII field names of the
 * runtime spec). The next folded unit of *p, advancing it; 0 at the end. */
static int fold_next(const unsigned char **p)
{
	const unsigned char *s = *p;

	if (s[0] == 0xc5 && s[1] == 0xbf) {
		*p += 2;
		return 's';
	}
	if (s[0] == 0xe2 && s[1] == 0x84 && s[2] == 0xaa) {
		*p += 3;
		return 'k';
	}
	if (*s)
		(*p)++;
	return *s >= 'A' && *s <= 'Z' ? *s + ('a' - 'A') : *s;
}

static int fold_cmp(const char *a, const char *b)
{
	const unsigned char *x = (const unsigned char *)a, *y = (const unsigned char *)b;

	for (;;) {
		int cx = fold_next(&x), cy = fold_next(&y);

		if (cx != cy || cx == 0)
			return cx - cy;
	}
}

static int cmp_key(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int cmp_key_fold(const void *a, const void *b)
{
	int r = fold_cmp(*(const char *const *)a, *(const char *const *)b);

	/* equal under folding: exact order, so a message names the same pair every time */
	return r ? r : cmp_key(a, b);
}

/* How keys are compared: exactly everywhere (netfence's own documents), or as runc does for
 * config.json (see json_parse_oci_config). */
struct dup_rules {
	const char *what;
	bool go;
	const char *const *maps;  /* dotted paths of map-typed objects, whose keys are data */
	const char *const *names; /* member names netfence reads, in the spec's spelling */
};

/* path: the dotted path of v from the root while it can still name a map; NULL otherwise. */
static int check_dups(yajl_val v, const struct dup_rules *k, const char *path, struct nf_error *err)
{
	bool fold = false;

	if (YAJL_IS_ARRAY(v)) {
		for (size_t i = 0; i < v->u.array.len; i++) {
			int r = check_dups(v->u.array.values[i], k, NULL, err);

			if (r < 0)
				return r;
		}
		return 0;
	}
	if (!YAJL_IS_OBJECT(v) || v->u.object.len < 1)
		return 0;
	if (k->go) {
		fold = true;
		for (size_t i = 0; path && k->maps[i]; i++)
			if (fold_cmp(path, k->maps[i]) == 0)
				fold = false; /* Go matches a map's keys exactly */
	}
	{
		size_t n = v->u.object.len;
		_cleanup_free_ const char **keys = malloc(n * sizeof(*keys));

		if (!keys)
			return nf_sys_err(err, ENOMEM, "%s", k->what);
		memcpy(keys, v->u.object.keys, n * sizeof(*keys));
		qsort(keys, n, sizeof(*keys), fold ? cmp_key_fold : cmp_key);
		for (size_t i = 1; i < n; i++) {
			char q[200], q2[200];

			if (strcmp(keys[i - 1], keys[i]) == 0)
				return nf_input_err(err, "%s: duplicate key \"%s\"", k->what,
						    nf_quote(keys[i], q, sizeof(q)));
			if (fold && fold_cmp(keys[i - 1], keys[i]) == 0)
				return nf_input_err(
					err,
					"%s: duplicate key \"%s\" and \"%s\" (runc "
					"matches keys ignoring case and keeps the last)",
					k->what, nf_quote(keys[i - 1], q, sizeof(q)),
					nf_quote(keys[i], q2, sizeof(q2)));
		}
	}
	for (size_t i = 0; fold && i < v->u.object.len; i++) {
		const char *key = v->u.object.keys[i];

		for (size_t j = 0; k->names[j]; j++)
			if (fold_cmp(key, k->names[j]) == 0 && strcmp(key, k->names[j]) != 0) {
				char q[200];

				return nf_input_err(err,
						    "%s: key \"%s\" must be spelled \"%s\" (runc "
						    "matches keys ignoring case, crun exactly)",
						    k->what, nf_quote(key, q, sizeof(q)),
						    k->names[j]);
			}
	}
	for (size_t i = 0; i < v->u.object.len; i++) {
		const char *key = v->u.object.keys[i];
		char sub[128];
		int r, m = -1;

		/* a child's path, while one of the map paths could still be reached */
		if (k->go && path && !strchr(key, '.'))
			m = snprintf(sub, sizeof(sub), "%s%s%s", path, path[0] ? "." : "", key);
		r = check_dups(v->u.object.values[i], k,
			       m > 0 && (size_t)m < sizeof(sub) && fold ? sub : NULL, err);
		if (r < 0)
			return r;
	}
	return 0;
}

static int parse_checked(const char *buf, size_t len, const struct dup_rules *k, const char *path,
			 yajl_val *ret, struct nf_error *err)
{
	_cleanup_(yajl_tree_freep) yajl_val tree = NULL;
	int r = json_build(buf, len, k->what, &tree, err);

	if (r >= 0)
		r = check_dups(tree, k, path, err);
	if (r < 0)
		return r;
	*ret = steal_pointer(&tree);
	return 0;
}

int json_parse_strict(const char *buf, size_t len, const char *what, yajl_val *ret,
		      struct nf_error *err)
{
	return parse_checked(buf, len, &(const struct dup_rules){ .what = what }, NULL, ret, err);
}

int json_parse_oci_config(const char *buf, size_t len, const char *what, yajl_val *ret,
			  struct nf_error *err)
{
	/* the map-typed members of the runtime spec (map[string]...): their keys are data
	 * (both tables packed, not one name a line) */
	/* clang-format off */
	static const char *const maps[] = {
		"annotations", "linux.sysctl", "linux.resources.unified", "linux.resources.rdma",
		"linux.netDevices", "linux.timeOffsets", NULL,
	};
	/* every member netfence reads (spec.c, spec_write.c) and the path to each map: each must
	 * be spelled as the spec spells it, so that runc (ignoring case) and crun (exact) read
	 * the same member netfence read. Add a name here when a new one is read. */
	static const char *const names[] = {
		"ociVersion", "root", "path", "process", "selinuxLabel", "capabilities", "bounding",
		"effective", "inheritable", "permitted", "ambient", "linux", "namespaces", "type",
		"seccomp", "defaultAction", "defaultErrnoRet", "architectures", "archMap",
		"architecture", "subArchitectures", "syscalls", "names", "action", "errnoRet",
		"args", "index", "value", "valueTwo", "op", "annotations", "hooks", "prestart",
		"createRuntime", "createContainer", "startContainer", "poststart", "poststop",
		"env", "timeout", "sysctl", "resources", "unified", "rdma", "netDevices",
		"timeOffsets", "flags", "listenerPath", NULL,
	};
	/* clang-format on */
	const struct dup_rules k = { .what = what, .go = true, .maps = maps, .names = names };

	return parse_checked(buf, len, &k, "", ret, err);
}

yajl_val json_get(yajl_val obj, const char *key)
{
	if (!YAJL_IS_OBJECT(obj))
		return NULL;
	for (size_t i = 0; i < obj->u.object.len; i++)
		if (strcmp(obj->u.object.keys[i], key) == 0)
			return obj->u.object.values[i];
	return NULL;
}

bool json_u64(yajl_val v, uint64_t *ret)
{
	char *end;

	if (!YAJL_IS_NUMBER(v) || !v->u.number.r || v->u.number.r[0] == '-')
		return false;
	errno = 0;
	*ret = strtoull(v->u.number.r, &end, 10);
	return errno == 0 && *end == '\0';
}
