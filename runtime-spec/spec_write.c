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

static yajl_val node_number(uint64_t n);

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
	if (r >= 0 && h->timeout > 0)
		r = object_put(entry, "timeout", node_number(h->timeout));
	if (r < 0) {
		yajl_tree_free(entry);
		return nf_sys_err(err, r, "adding the %s hook", stage);
	}
	r = array_push(arr, entry);
	if (r < 0)
		return nf_sys_err(err, r, "adding the %s hook", stage);
	return 0;
}

static yajl_val node_number(uint64_t n)
{
	yajl_val v = node_new(yajl_t_number);
	char buf[24];

	if (!v)
		return NULL;
	snprintf(buf, sizeof(buf), "%llu", (unsigned long long)n);
	v->u.number.r = strdup(buf);
	if (!v->u.number.r) {
		free(v);
		return NULL;
	}
	v->u.number.i = (long long)n;
	v->u.number.flags = YAJL_NUMBER_INT_VALID;
	return v;
}

/* Remove element i of an array (freed). */
static void array_del(yajl_val arr, size_t i)
{
	yajl_tree_free(arr->u.array.values[i]);
	memmove(&arr->u.array.values[i], &arr->u.array.values[i + 1],
		(arr->u.array.len - i - 1) * sizeof(*arr->u.array.values));
	arr->u.array.len--;
}

static const char *const op_names[] = { NULL,	       "SCMP_CMP_NE",	    "SCMP_CMP_LT",
					"SCMP_CMP_LE", "SCMP_CMP_EQ",	    "SCMP_CMP_GE",
					"SCMP_CMP_GT", "SCMP_CMP_MASKED_EQ" };

/* {"names": [name], "action": ..., "errnoRet": n, "args": [...]} */
static yajl_val rule_node(const struct spec_sc_rule *r)
{
	yajl_val o = node_new(yajl_t_object), names, args;
	const char *const name[] = { r->name, NULL };
	int rc;

	if (!o)
		return NULL;
	names = string_array(name);
	rc = object_put(o, "names", names);
	if (rc >= 0)
		rc = object_put(o, "action",
				node_string(r->errno_ret ? "SCMP_ACT_ERRNO" : "SCMP_ACT_ALLOW"));
	if (rc >= 0 && r->errno_ret)
		rc = object_put(o, "errnoRet", node_number((uint64_t)r->errno_ret));
	if (rc >= 0 && r->n_args > 0) {
		args = node_new(yajl_t_array);
		rc = object_put(o, "args", args);
		for (size_t i = 0; rc >= 0 && i < r->n_args; i++) {
			const struct spec_sc_arg *a = &r->args[i];
			yajl_val c = node_new(yajl_t_object);

			rc = array_push(args, c);
			if (rc >= 0)
				rc = object_put(c, "index", node_number(a->index));
			if (rc >= 0)
				rc = object_put(c, "value", node_number(a->value));
			if (rc >= 0)
				rc = object_put(c, "valueTwo", node_number(a->value_two));
			if (rc >= 0)
				rc = object_put(c, "op", node_string(op_names[a->op]));
		}
	}
	if (rc < 0) {
		yajl_tree_free(o);
		return NULL;
	}
	return o;
}

static bool num_eq(yajl_val v, uint64_t n)
{
	char buf[24];

	if (!v)
		return n == 0;
	if (!YAJL_IS_NUMBER(v) || !v->u.number.r)
		return false;
	snprintf(buf, sizeof(buf), "%llu", (unsigned long long)n);
	return strcmp(v->u.number.r, buf) == 0;
}

/* Is v exactly the rule netfence writes for r? */
static bool rule_is(yajl_val v, const struct spec_sc_rule *r)
{
	yajl_val names = json_get(v, "names"), args = json_get(v, "args");

	if (!YAJL_IS_ARRAY(names) || names->u.array.len != 1 ||
	    !str_eq(names->u.array.values[0], r->name) ||
	    !str_eq(json_get(v, "action"), r->errno_ret ? "SCMP_ACT_ERRNO" : "SCMP_ACT_ALLOW") ||
	    (r->errno_ret && !num_eq(json_get(v, "errnoRet"), (uint64_t)r->errno_ret)))
		return false;
	if (r->n_args == 0)
		return !args || YAJL_IS_NULL(args) ||
		       (YAJL_IS_ARRAY(args) && args->u.array.len == 0);
	if (!YAJL_IS_ARRAY(args) || args->u.array.len != r->n_args)
		return false;
	for (size_t i = 0; i < r->n_args; i++) {
		yajl_val c = args->u.array.values[i];

		if (!num_eq(json_get(c, "index"), r->args[i].index) ||
		    !num_eq(json_get(c, "value"), r->args[i].value) ||
		    !num_eq(json_get(c, "valueTwo"), r->args[i].value_two) ||
		    !str_eq(json_get(c, "op"), op_names[r->args[i].op]))
			return false;
	}
	return true;
}

static bool has_rule(yajl_val syscalls, const struct spec_sc_rule *r)
{
	for (size_t i = 0; i < syscalls->u.array.len; i++)
		if (rule_is(syscalls->u.array.values[i], r))
			return true;
	return false;
}

static bool strv_has(const char *const *v, const char *s)
{
	for (size_t i = 0; v && v[i]; i++)
		if (strcmp(v[i], s) == 0)
			return true;
	return false;
}

static yajl_val new_profile(const struct spec_sc_set *set)
{
	yajl_val sc = node_new(yajl_t_object), arr;
	int r;

	if (!sc)
		return NULL;
	r = object_put(sc, "defaultAction", node_string("SCMP_ACT_ALLOW"));
	if (r >= 0 && set->arches && set->arches[0])
		r = object_put(sc, "architectures", string_array(set->arches));
	arr = node_new(yajl_t_array);
	if (r >= 0)
		r = object_put(sc, "syscalls", arr);
	for (size_t i = 0; r >= 0 && i < set->n_deny; i++)
		r = array_push(arr, rule_node(&set->deny[i]));
	if (r < 0) {
		yajl_tree_free(sc);
		return NULL;
	}
	return sc;
}

/* Does the default action refuse with exactly errno e (runc's default errno is EPERM)? */
static bool default_is_errno(yajl_val sc, int e)
{
	yajl_val ret = json_get(sc, "defaultErrnoRet");

	if (!str_eq(json_get(sc, "defaultAction"), "SCMP_ACT_ERRNO"))
		return false;
	return ret && !YAJL_IS_NULL(ret) ? num_eq(ret, (uint64_t)e) : e == EPERM;
}

/* An allowing rule netfence took one of its syscalls out of: the syscall and the rule's
 * conditions (none: it allowed the syscall outright). */
struct taken {
	const char *name;
	struct spec_sc_rule cond; /* name and errno_ret unused */
};

static bool num_get(yajl_val v, uint64_t *ret)
{
	char *end;

	if (!v) {
		*ret = 0;
		return true;
	}
	if (!YAJL_IS_NUMBER(v) || !v->u.number.r || v->u.number.r[0] == '-')
		return false;
	errno = 0;
	*ret = strtoull(v->u.number.r, &end, 10);
	return errno == 0 && *end == '\0';
}

/* The conditions of a rule, false when one cannot be read (the rule is then dropped). */
static bool conditions_of(yajl_val args, struct spec_sc_rule *ret)
{
	ret->n_args = 0;
	for (size_t i = 0; YAJL_IS_ARRAY(args) && i < args->u.array.len; i++) {
		yajl_val c = args->u.array.values[i], op = json_get(c, "op");
		struct spec_sc_arg *a = &ret->args[ret->n_args];
		uint64_t idx;

		if (ret->n_args == ARRAY_SIZE(ret->args) || !json_get(c, "index") ||
		    !num_get(json_get(c, "index"), &idx) || idx > 5 || !json_get(c, "value") ||
		    !num_get(json_get(c, "value"), &a->value) ||
		    !num_get(json_get(c, "valueTwo"), &a->value_two))
			return false;
		a->index = (unsigned)idx;
		a->op = spec_seccomp_op(YAJL_IS_STRING(op) ? op->u.string : NULL);
		if (!a->op)
			return false;
		ret->n_args++;
	}
	return true;
}

/* The values a condition admits, when they are few (EQ, LE/LT a small bound). */
static bool small_set(const struct spec_sc_arg *c, uint64_t *vals, size_t *n)
{
	uint64_t top;

	if (c->op == SPEC_SC_EQ) {
		vals[0] = c->value;
		*n = 1;
		return true;
	}
	if ((c->op != SPEC_SC_LE && c->op != SPEC_SC_LT) || c->value > 16 ||
	    (c->op == SPEC_SC_LT && c->value == 0))
		return false;
	top = c->op == SPEC_SC_LE ? c->value : c->value - 1;
	for (*n = 0; *n <= top; (*n)++)
		vals[*n] = *n;
	return true;
}

/* ret = allow restricted to what t allowed; false when that is empty or cannot be written as
 * one rule (one condition per argument): the case then stays refused, the stricter answer. */
static bool restrict_rule(const struct spec_sc_rule *allow, const struct taken *t,
			  struct spec_sc_rule *ret)
{
	*ret = *allow;
	for (size_t i = 0; i < t->cond.n_args; i++) {
		const struct spec_sc_arg *c = &t->cond.args[i];
		struct spec_sc_arg *same = NULL;
		uint64_t vals[17];
		size_t n;

		for (size_t j = 0; j < ret->n_args; j++)
			if (ret->args[j].index == c->index)
				same = &ret->args[j];
		if (!same) {
			if (ret->n_args == ARRAY_SIZE(ret->args))
				return false;
			ret->args[ret->n_args++] = *c;
			continue;
		}
		/* kept only when every value netfence allows there is one t allowed */
		if (!small_set(same, vals, &n))
			return false;
		for (size_t k = 0; k < n; k++)
			if (!spec_seccomp_arg_matches(c, vals[k]))
				return false;
	}
	return true;
}

int spec_doc_merge_seccomp(struct spec_doc *d, const struct spec_sc_set *set, bool *ret_changed,
			   struct nf_error *err)
{
	_cleanup_free_ struct taken *taken = NULL;
	size_t n_taken = 0;
	yajl_val lx, sc, syscalls, def;
	bool merged = true, deny_default;
	int r;

	*ret_changed = false;
	lx = json_get(d->root, "linux");
	if (lx && !YAJL_IS_NULL(lx) && !YAJL_IS_OBJECT(lx))
		return nf_input_err(err, "\"linux\" is not an object");
	lx = member_container(d->root, "linux", yajl_t_object);
	if (!lx)
		return nf_sys_err(err, ENOMEM, "seccomp");
	sc = json_get(lx, "seccomp");
	if (!sc || YAJL_IS_NULL(sc)) {
		yajl_val p = new_profile(set);

		for (size_t i = 0; p && i < lx->u.object.len; i++)
			if (strcmp(lx->u.object.keys[i], "seccomp") == 0) {
				yajl_tree_free(lx->u.object.values[i]);
				lx->u.object.values[i] = p;
				p = NULL;
				*ret_changed = true;
				return 0;
			}
		if (!p || object_put(lx, "seccomp", p) < 0)
			return nf_sys_err(err, ENOMEM, "seccomp");
		*ret_changed = true;
		return 0;
	}
	if (!YAJL_IS_OBJECT(sc))
		return nf_input_err(err, "\"linux.seccomp\" is not an object");
	syscalls = json_get(sc, "syscalls");
	if (syscalls && !YAJL_IS_NULL(syscalls) && !YAJL_IS_ARRAY(syscalls))
		return nf_input_err(err, "\"linux.seccomp.syscalls\" is not an array");
	syscalls = member_container(sc, "syscalls", yajl_t_array);
	if (!syscalls)
		return nf_sys_err(err, ENOMEM, "seccomp");
	def = json_get(sc, "defaultAction");
	deny_default = spec_seccomp_action_rank(YAJL_IS_STRING(def) ? def->u.string : NULL) >= 4;

	for (size_t i = 0; merged && i < set->n_deny; i++)
		merged = has_rule(syscalls, &set->deny[i]) ||
			 default_is_errno(sc, set->deny[i].errno_ret);
	if (merged)
		return 0;

	/* rules that do not refuse give up netfence's syscalls */
	for (size_t i = syscalls->u.array.len; i-- > 0;) {
		yajl_val rule = syscalls->u.array.values[i], names, act, args;
		bool deny;

		if (!YAJL_IS_OBJECT(rule))
			continue;
		names = json_get(rule, "names");
		act = json_get(rule, "action");
		args = json_get(rule, "args");
		deny = spec_seccomp_action_rank(YAJL_IS_STRING(act) ? act->u.string : NULL) >= 4;
		if (deny || !YAJL_IS_ARRAY(names))
			continue;
		for (size_t j = names->u.array.len; j-- > 0;) {
			yajl_val n = names->u.array.values[j];
			struct taken t = { 0 }, *grown;

			if (!YAJL_IS_STRING(n) || !strv_has(set->names, n->u.string))
				continue;
			for (size_t k = 0; set->names[k]; k++)
				if (strcmp(set->names[k], n->u.string) == 0)
					t.name = set->names[k];
			if (conditions_of(args, &t.cond)) {
				grown = realloc(taken, (n_taken + 1) * sizeof(*taken));
				if (!grown)
					return nf_sys_err(err, ENOMEM, "seccomp");
				taken = grown;
				taken[n_taken++] = t;
			}
			array_del(names, j);
			if (names->u.array.len == 0) {
				array_del(syscalls, i);
				break;
			}
		}
	}
	for (size_t i = 0; i < set->n_deny; i++) {
		if (default_is_errno(sc, set->deny[i].errno_ret))
			continue; /* libseccomp refuses a rule that repeats the default action */
		r = array_push(syscalls, rule_node(&set->deny[i]));
		if (r < 0)
			return nf_sys_err(err, r, "seccomp");
	}
	/* under a default that refuses, allow again what both the profile and the level allow */
	for (size_t i = 0; deny_default && i < set->n_allow; i++)
		for (size_t t = 0; t < n_taken; t++) {
			struct spec_sc_rule rule;

			if (strcmp(taken[t].name, set->allow[i].name) != 0 ||
			    !restrict_rule(&set->allow[i], &taken[t], &rule) ||
			    has_rule(syscalls, &rule))
				continue;
			r = array_push(syscalls, rule_node(&rule));
			if (r < 0)
				return nf_sys_err(err, r, "seccomp");
		}
	*ret_changed = true;
	return 0;
}

static bool caps_has(const int *caps, size_t n, int cap)
{
	for (size_t i = 0; cap >= 0 && i < n; i++)
		if (caps[i] == cap)
			return true;
	return false;
}

int spec_doc_drop_caps(struct spec_doc *d, const int *caps, size_t n_caps, bool *ret_changed,
		       struct nf_error *err)
{
	yajl_val c = json_get(json_get(d->root, "process"), "capabilities");

	*ret_changed = false;
	if (!c || YAJL_IS_NULL(c))
		return 0;
	if (!YAJL_IS_OBJECT(c))
		return nf_input_err(err, "\"process.capabilities\" is not an object");
	for (size_t s = 0; s < c->u.object.len; s++) {
		yajl_val set = c->u.object.values[s];

		for (size_t i = YAJL_IS_ARRAY(set) ? set->u.array.len : 0; i-- > 0;) {
			yajl_val v = set->u.array.values[i];

			if (YAJL_IS_STRING(v) &&
			    caps_has(caps, n_caps, spec_cap_number(v->u.string))) {
				array_del(set, i);
				*ret_changed = true;
			}
		}
	}
	return 0;
}

static int serialize(yajl_val root, bool pretty, char **ret, size_t *ret_len, struct nf_error *err);

int spec_seccomp_profile(const struct spec_sc_set *set, const struct spec_sc_archmap *map,
			 size_t n_map, char **ret, size_t *ret_len, struct nf_error *err)
{
	yajl_val p = new_profile(set), arr = NULL;
	int r = p ? 0 : -ENOMEM;

	if (r >= 0 && map) {
		/* docker and podman read "archMap" (host architecture -> its ABIs) */
		for (size_t i = 0; i < p->u.object.len; i++)
			if (strcmp(p->u.object.keys[i], "architectures") == 0) {
				free((char *)p->u.object.keys[i]);
				p->u.object.keys[i] = strdup("archMap");
				if (!p->u.object.keys[i])
					r = -ENOMEM;
				yajl_tree_free(p->u.object.values[i]);
				arr = p->u.object.values[i] = node_new(yajl_t_array);
			}
		if (!arr) {
			arr = node_new(yajl_t_array);
			r = object_put(p, "archMap", arr);
		}
		for (size_t i = 0; r >= 0 && arr && i < n_map; i++) {
			yajl_val e = node_new(yajl_t_object);

			r = array_push(arr, e);
			if (r >= 0)
				r = object_put(e, "architecture", node_string(map[i].arch));
			if (r >= 0)
				r = object_put(e, "subArchitectures", string_array(map[i].sub));
		}
		if (!arr)
			r = -ENOMEM;
	}
	if (r >= 0)
		r = serialize(p, true, ret, ret_len, err);
	else
		nf_sys_err(err, r, "seccomp profile");
	if (p)
		yajl_tree_free(p);
	return r;
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

static int serialize(yajl_val root, bool pretty, char **ret, size_t *ret_len, struct nf_error *err)
{
	_cleanup_(yajl_gen_freep) yajl_gen g = NULL;
	const unsigned char *out;
	size_t len;
	char *copy;

	g = yajl_gen_alloc(NULL);
	if (!g)
		return nf_sys_err(err, ENOMEM, "writing JSON");
	if (pretty) {
		yajl_gen_config(g, yajl_gen_beautify, 1);
		yajl_gen_config(g, yajl_gen_indent_string, "  ");
	}
	/* yajl's default depth limit (128) is above the parser's 64. */
	if (gen_tree(g, root) != yajl_gen_status_ok)
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

int spec_doc_serialize(const struct spec_doc *d, char **ret, size_t *ret_len, struct nf_error *err)
{
	return serialize(d->root, false, ret, ret_len, err);
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
