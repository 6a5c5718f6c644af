/* netfence: editing a parsed yajl tree in place and writing it back (see json.h). New nodes
 * are laid out as yajl_tree lays out its own, so yajl_tree_free frees them with the rest;
 * numbers are written from the text they were read from, so nothing is rounded. */
#include "json.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "util.h"

yajl_val json_new_string(const char *s)
{
	yajl_val v = json_new(yajl_t_string);

	if (v && !(v->u.string = strdup(s))) {
		free(v);
		return NULL;
	}
	return v;
}

yajl_val json_new_uint(uint64_t n)
{
	yajl_val v = json_new(yajl_t_number);
	char buf[24];

	snprintf(buf, sizeof(buf), "%llu", (unsigned long long)n);
	if (v && !(v->u.number.r = strdup(buf))) {
		free(v);
		return NULL;
	}
	if (v) {
		v->u.number.i = (long long)n;
		v->u.number.flags = YAJL_NUMBER_INT_VALID;
	}
	return v;
}

yajl_val json_new_strv(const char *const *list)
{
	yajl_val arr = json_new(yajl_t_array);

	for (size_t i = 0; arr && list && list[i]; i++)
		if (json_append(arr, json_new_string(list[i])) < 0) {
			yajl_tree_free(arr);
			return NULL;
		}
	return arr;
}

int json_append(yajl_val arr, yajl_val v)
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

int json_put(yajl_val obj, const char *key, yajl_val v)
{
	size_t n = obj->u.object.len;
	const char **keys;
	yajl_val *vals;
	char *k;

	if (!v)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		if (strcmp(obj->u.object.keys[i], key) == 0) {
			yajl_tree_free(obj->u.object.values[i]);
			obj->u.object.values[i] = v;
			return 0;
		}
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

yajl_val json_member(yajl_val obj, const char *key, yajl_type t)
{
	yajl_val v = json_get(obj, key);

	if (v && !YAJL_IS_NULL(v))
		return v->type == t ? v : NULL;
	v = json_new(t);
	return json_put(obj, key, v) < 0 ? NULL : v;
}

void json_remove(yajl_val arr, size_t i)
{
	yajl_tree_free(arr->u.array.values[i]);
	memmove(&arr->u.array.values[i], &arr->u.array.values[i + 1],
		(arr->u.array.len - i - 1) * sizeof(*arr->u.array.values));
	arr->u.array.len--;
}

bool json_str_eq(yajl_val v, const char *s)
{
	return YAJL_IS_STRING(v) && strcmp(v->u.string, s) == 0;
}

static yajl_gen_status gen_str(yajl_gen g, const char *s)
{
	return yajl_gen_string(g, (const unsigned char *)s, strlen(s));
}

static yajl_gen_status gen_tree(yajl_gen g, yajl_val v)
{
	yajl_gen_status s;

	switch (v->type) {
	case yajl_t_string:
		return gen_str(g, v->u.string);
	case yajl_t_number:
		return yajl_gen_number(g, v->u.number.r, strlen(v->u.number.r));
	case yajl_t_true:
	case yajl_t_false:
		return yajl_gen_bool(g, v->type == yajl_t_true);
	case yajl_t_null:
		return yajl_gen_null(g);
	case yajl_t_object:
		s = yajl_gen_map_open(g);
		for (size_t i = 0; s == yajl_gen_status_ok && i < v->u.object.len; i++) {
			s = gen_str(g, v->u.object.keys[i]);
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

int json_write(yajl_val v, bool pretty, char **ret, size_t *ret_len, struct nf_error *err)
{
	_cleanup_(yajl_gen_freep) yajl_gen g = yajl_gen_alloc(NULL);
	const unsigned char *out;
	size_t len;
	char *copy;

	if (!g)
		return nf_sys_err(err, ENOMEM, "writing JSON");
	if (pretty && (!yajl_gen_config(g, yajl_gen_beautify, 1) ||
		       !yajl_gen_config(g, yajl_gen_indent_string, "  ")))
		return nf_sys_err(err, EINVAL, "writing JSON: configuring yajl_gen");
	/* yajl's default depth limit (128) is above the parser's 64 */
	if (gen_tree(g, v) != yajl_gen_status_ok)
		return nf_sys_err(err, EINVAL, "writing JSON");
	if (yajl_gen_get_buf(g, &out, &len) != yajl_gen_status_ok)
		return nf_sys_err(err, EIO, "writing JSON");
	copy = strndup((const char *)out, len);
	if (!copy)
		return nf_sys_err(err, ENOMEM, "writing JSON");
	*ret = copy;
	*ret_len = len;
	return 0;
}
