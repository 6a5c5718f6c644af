/* netfence: the socket filter written into linux.seccomp or a profile (see seccomp_merge.h).
 * Rules are written as runc and crun read them: {"names": [..], "action": .., "errnoRet": n,
 * "args": [{"index", "value", "valueTwo", "op"}]}, numbers as decimal integers. */
#include "seccomp_merge.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "seccomp.h"
#include "util.h"

/* The rules of a level (nf_seccomp_rules). */
struct set {
	const struct spec_sc_rule *deny, *allow;
	size_t n_deny, n_allow;
};

static yajl_val rule_node(const struct spec_sc_rule *r)
{
	const char *const name[] = { r->name, NULL };
	yajl_val o = json_new(yajl_t_object), args = NULL;
	int rc = o ? json_put(o, "names", json_new_strv(name)) : -ENOMEM;

	if (rc >= 0)
		rc = json_put(o, "action",
			      json_new_string(r->errno_ret ? "SCMP_ACT_ERRNO" : "SCMP_ACT_ALLOW"));
	if (rc >= 0 && r->errno_ret)
		rc = json_put(o, "errnoRet", json_new_uint((uint64_t)r->errno_ret));
	if (rc >= 0 && r->n_args > 0)
		rc = json_put(o, "args", args = json_new(yajl_t_array));
	for (size_t i = 0; rc >= 0 && i < r->n_args; i++) {
		const struct spec_sc_arg *a = &r->args[i];
		yajl_val c = json_new(yajl_t_object);

		if (json_append(args, c) < 0 || json_put(c, "index", json_new_uint(a->index)) < 0 ||
		    json_put(c, "value", json_new_uint(a->value)) < 0 ||
		    json_put(c, "valueTwo", json_new_uint(a->value_two)) < 0 ||
		    json_put(c, "op", json_new_string(spec_sc_op_names[a->op])) < 0)
			rc = -ENOMEM;
	}
	if (rc < 0 && o) {
		yajl_tree_free(o);
		return NULL;
	}
	return o;
}

/* v, an absent value read as 0 (as runc and crun read it) */
static bool num_get(yajl_val v, uint64_t *ret)
{
	*ret = 0;
	return !v || json_u64(v, ret);
}

static bool num_eq(yajl_val v, uint64_t n)
{
	uint64_t x;

	return num_get(v, &x) && x == n;
}

/* Is v exactly the rule netfence writes for r? */
static bool rule_is(yajl_val v, const struct spec_sc_rule *r)
{
	yajl_val names = json_get(v, "names"), args = json_get(v, "args");

	if (!YAJL_IS_ARRAY(names) || names->u.array.len != 1 ||
	    !json_str_eq(names->u.array.values[0], r->name) ||
	    !json_str_eq(json_get(v, "action"),
			 r->errno_ret ? "SCMP_ACT_ERRNO" : "SCMP_ACT_ALLOW") ||
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
		    !json_str_eq(json_get(c, "op"), spec_sc_op_names[r->args[i].op]))
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

/* A default-allow profile with the deny rules; map: "archMap" instead of "architectures". */
static yajl_val new_profile(const struct set *set, const struct nf_seccomp_archmap *map,
			    size_t n_map)
{
	const char *const *arches = nf_seccomp_host_arches();
	yajl_val p = json_new(yajl_t_object), arr = NULL;
	int r = p ? json_put(p, "defaultAction", json_new_string("SCMP_ACT_ALLOW")) : -ENOMEM;

	if (r >= 0 && map) {
		/* docker and podman read "archMap" (host architecture -> its ABIs) */
		r = json_put(p, "archMap", arr = json_new(yajl_t_array));
		for (size_t i = 0; r >= 0 && i < n_map; i++) {
			yajl_val e = json_new(yajl_t_object);

			if (json_append(arr, e) < 0 ||
			    json_put(e, "architecture", json_new_string(map[i].arch)) < 0 ||
			    json_put(e, "subArchitectures", json_new_strv(map[i].sub)) < 0)
				r = -ENOMEM;
		}
	} else if (r >= 0 && arches && arches[0]) {
		r = json_put(p, "architectures", json_new_strv(arches));
	}
	if (r >= 0)
		r = json_put(p, "syscalls", arr = json_new(yajl_t_array));
	for (size_t i = 0; r >= 0 && i < set->n_deny; i++)
		r = json_append(arr, rule_node(&set->deny[i]));
	if (r < 0 && p) {
		yajl_tree_free(p);
		return NULL;
	}
	return p;
}

/* Does the default action refuse with exactly errno e (runc's default errno is EPERM)? */
static bool default_is_errno(yajl_val sc, int e)
{
	yajl_val ret = json_get(sc, "defaultErrnoRet");

	if (!json_str_eq(json_get(sc, "defaultAction"), "SCMP_ACT_ERRNO"))
		return false;
	return ret && !YAJL_IS_NULL(ret) ? num_eq(ret, (uint64_t)e) : e == EPERM;
}

/* An allowing rule netfence took one of its syscalls out of: the syscall and the rule's
 * conditions (none: it allowed the syscall outright). */
struct taken {
	const char *name;
	struct spec_sc_rule cond; /* name and errno_ret unused */
};

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

/* The entry of nf_seccomp_syscalls equal to s, NULL when none. */
static const char *filtered_syscall(const char *s)
{
	for (size_t k = 0; nf_seccomp_syscalls[k]; k++)
		if (strcmp(nf_seccomp_syscalls[k], s) == 0)
			return nf_seccomp_syscalls[k];
	return NULL;
}

static int set_of(enum nf_seccomp level, struct set *ret, struct nf_error *err)
{
	int r = nf_seccomp_rules(level, &ret->deny, &ret->n_deny, &ret->allow, &ret->n_allow);

	return r < 0 ? nf_sys_err(err, r, "seccomp") : 0;
}

int nf_seccomp_merge(yajl_val root, enum nf_seccomp level, bool *ret_changed, struct nf_error *err)
{
	_cleanup_free_ struct taken *taken = NULL;
	size_t n_taken = 0;
	yajl_val lx, sc, syscalls, def;
	bool merged = true, deny_default;
	struct set set;
	int r;

	*ret_changed = false;
	r = set_of(level, &set, err);
	if (r < 0)
		return r;
	lx = json_get(root, "linux");
	if (lx && !YAJL_IS_NULL(lx) && !YAJL_IS_OBJECT(lx))
		return nf_input_err(err, "\"linux\" is not an object");
	lx = json_member(root, "linux", yajl_t_object);
	if (!lx)
		return nf_sys_err(err, ENOMEM, "seccomp");
	sc = json_get(lx, "seccomp");
	if (!sc || YAJL_IS_NULL(sc)) {
		if (json_put(lx, "seccomp", new_profile(&set, NULL, 0)) < 0)
			return nf_sys_err(err, ENOMEM, "seccomp");
		*ret_changed = true;
		return 0;
	}
	if (!YAJL_IS_OBJECT(sc))
		return nf_input_err(err, "\"linux.seccomp\" is not an object");
	syscalls = json_get(sc, "syscalls");
	if (syscalls && !YAJL_IS_NULL(syscalls) && !YAJL_IS_ARRAY(syscalls))
		return nf_input_err(err, "\"linux.seccomp.syscalls\" is not an array");
	syscalls = json_member(sc, "syscalls", yajl_t_array);
	if (!syscalls)
		return nf_sys_err(err, ENOMEM, "seccomp");
	def = json_get(sc, "defaultAction");
	deny_default = spec_seccomp_action_rank(YAJL_IS_STRING(def) ? def->u.string : NULL) >= 4;

	for (size_t i = 0; merged && i < set.n_deny; i++)
		merged = has_rule(syscalls, &set.deny[i]) ||
			 default_is_errno(sc, set.deny[i].errno_ret);
	if (merged)
		return 0;

	/* rules that do not refuse give up netfence's syscalls */
	for (size_t i = syscalls->u.array.len; i-- > 0;) {
		yajl_val rule = syscalls->u.array.values[i], names, act, args;

		if (!YAJL_IS_OBJECT(rule))
			continue;
		names = json_get(rule, "names");
		act = json_get(rule, "action");
		args = json_get(rule, "args");
		if (spec_seccomp_action_rank(YAJL_IS_STRING(act) ? act->u.string : NULL) >= 4 ||
		    !YAJL_IS_ARRAY(names))
			continue;
		for (size_t j = names->u.array.len; j-- > 0;) {
			yajl_val n = names->u.array.values[j];
			struct taken t = { 0 }, *grown;

			if (!YAJL_IS_STRING(n) || !(t.name = filtered_syscall(n->u.string)))
				continue;
			if (conditions_of(args, &t.cond)) {
				grown = realloc(taken, (n_taken + 1) * sizeof(*taken));
				if (!grown)
					return nf_sys_err(err, ENOMEM, "seccomp");
				taken = grown;
				taken[n_taken++] = t;
			}
			json_remove(names, j);
			if (names->u.array.len == 0) {
				json_remove(syscalls, i);
				break;
			}
		}
	}
	for (size_t i = 0; i < set.n_deny; i++) {
		if (default_is_errno(sc, set.deny[i].errno_ret))
			continue; /* libseccomp refuses a rule that repeats the default action */
		r = json_append(syscalls, rule_node(&set.deny[i]));
		if (r < 0)
			return nf_sys_err(err, r, "seccomp");
	}
	/* under a default that refuses, allow again what both the profile and the level allow */
	for (size_t i = 0; deny_default && i < set.n_allow; i++)
		for (size_t t = 0; t < n_taken; t++) {
			struct spec_sc_rule rule;

			if (strcmp(taken[t].name, set.allow[i].name) != 0 ||
			    !restrict_rule(&set.allow[i], &taken[t], &rule) ||
			    has_rule(syscalls, &rule))
				continue;
			r = json_append(syscalls, rule_node(&rule));
			if (r < 0)
				return nf_sys_err(err, r, "seccomp");
		}
	*ret_changed = true;
	return 0;
}

int nf_seccomp_profile(enum nf_seccomp level, const struct nf_seccomp_archmap *map, size_t n_map,
		       char **ret, size_t *ret_len, struct nf_error *err)
{
	_cleanup_(yajl_tree_freep) yajl_val p = NULL;
	struct set set;
	int r = set_of(level, &set, err);

	if (r < 0)
		return r;
	p = new_profile(&set, map, n_map);
	if (!p)
		return nf_sys_err(err, ENOMEM, "seccomp profile");
	return json_write(p, true, ret, ret_len, err);
}
