/* netfence: unit tests for strict JSON parsing (lib/base/json.c).
 * Duplicate keys at any depth, nesting over 64 levels, trailing garbage and NUL bytes are
 * refused, with a message naming the document and (for duplicates) the key. And the edit
 * helpers (json_edit.c): a parsed, edited, written tree changes only where it was edited. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "json.h"

static int parse(const char *s, struct nf_error *err)
{
	yajl_val v = NULL;
	int r;

	memset(err, 0, sizeof(*err));
	r = json_parse_strict(s, strlen(s), "doc", &v, err);
	if (r == 0) {
		assert_non_null(v);
		yajl_tree_free(v);
	}
	return r;
}

static void test_ok(void **state)
{
	struct nf_error err;
	yajl_val v = NULL, x;
	const char *s = "{\"a\": {\"b\": [1, {\"b\": 2}]}, \"b\": \"x\", \"c\": {\"a\": 1}}";

	assert_int_equal(json_parse_strict(s, strlen(s), "doc", &v, &err), 0);
	x = json_get(v, "b");
	assert_true(YAJL_IS_STRING(x));
	assert_string_equal(x->u.string, "x");
	assert_null(json_get(v, "zz"));
	assert_null(json_get(x, "a")); /* not an object */
	assert_null(json_get(NULL, "a"));
	yajl_tree_free(v);
	assert_int_equal(parse("[]", &err), 0);
	assert_int_equal(parse("\"s\"", &err), 0);
	assert_int_equal(parse(" {} \n", &err), 0);
}

static void test_duplicates(void **state)
{
	struct nf_error err;

	assert_int_equal(parse("{\"id\": \"a\", \"id\": \"b\"}", &err), -EINVAL);
	assert_string_equal(err.msg, "doc: duplicate key \"id\"");
	assert_int_equal(err.kind, NF_EXIT_INPUT);
	assert_int_equal(parse("{\"linux\": {\"namespaces\": [{\"type\": \"network\", \"path\": "
			       "\"/a\", \"path\": \"/b\"}]}}",
			       &err),
			 -EINVAL);
	assert_string_equal(err.msg, "doc: duplicate key \"path\"");
	assert_int_equal(parse("[[{\"deep\": 1, \"x\": 2, \"deep\": 3}]]", &err), -EINVAL);
	assert_non_null(strstr(err.msg, "duplicate key \"deep\""));
	/* the same key in sibling objects is fine */
	assert_int_equal(parse("[{\"a\": 1}, {\"a\": 2}]", &err), 0);
	/* escaped spelling of the same key is still the same key */
	assert_int_equal(parse("{\"ab\": 1, \"a\\u0062\": 2}", &err), -EINVAL);
	assert_non_null(strstr(err.msg, "duplicate key \"ab\""));
}

static int parse_oci(const char *s, struct nf_error *err)
{
	yajl_val v = NULL;
	int r;

	memset(err, 0, sizeof(*err));
	r = json_parse_oci_config(s, strlen(s), "config.json", &v, err);
	if (r == 0) {
		assert_non_null(v);
		yajl_tree_free(v);
	}
	return r;
}

/* config.json as runc (Go's encoding/json) reads it: keys equal ignoring case are one field. */
static void test_oci_case(void **state)
{
	static const char *const bad[] = {
		/* the case: the hook would read the first, runc keeps the last */
		"{\"linux\": {\"seccomp\": {}, \"Seccomp\": {}}}",
		"{\"linux\": {}, \"LINUX\": {}}",
		"{\"process\": {\"args\": [], \"ARGS\": []}}",
		"{\"linux\": {\"namespaces\": [{\"type\": \"network\", \"Type\": \"pid\"}]}}",
		"{\"hooks\": {\"poststop\": [], \"postStop\": []}}",
		"{\"root\": {\"path\": \"a\", \"readonly\": true, \"readOnly\": false}}",
		"{\"linux\": {\"resources\": {\"rdma\": {\"dev\": {\"hcaHandles\": 1, "
		"\"HcaHandles\": 2}}}}}",
		/* Go folds the long s (U+017F) and the Kelvin sign (U+212A) too */
		"{\"linux\": {\"seccomp\": {}, \"\xc5\xbf"
		"eccomp\": {}}}",
		"{\"linux\": {\"mask\": 1, \"mas\xe2\x84\xaa\": 2}}",
		/* unknown keys too: runc may know them */
		"{\"fooBar\": 1, \"foobar\": 2}",
		"[{\"mounts\": [{\"Options\": [], \"options\": []}]}]",
	};
	struct nf_error err;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (parse_oci(bad[i], &err) != -EINVAL)
			fail_msg("accepted %s", bad[i]);
		assert_int_equal(err.kind, NF_EXIT_INPUT);
		if (!strstr(err.msg, "runc matches keys ignoring case"))
			fail_msg("%s: %s", bad[i], err.msg);
	}
	assert_int_equal(parse_oci(bad[0], &err), -EINVAL);
	assert_string_equal(err.msg, "config.json: duplicate key \"Seccomp\" and \"seccomp\" (runc "
				     "matches keys ignoring case and keeps the last)");
	/* exact duplicates keep their message */
	assert_int_equal(parse_oci("{\"a\": 1, \"a\": 2}", &err), -EINVAL);
	assert_string_equal(err.msg, "config.json: duplicate key \"a\"");

	/* a member netfence reads must be spelled as the spec spells it: crun reads it exactly */
	assert_int_equal(parse_oci("{\"Linux\": {\"namespaces\": []}}", &err), -EINVAL);
	assert_string_equal(err.msg, "config.json: key \"Linux\" must be spelled \"linux\" (runc "
				     "matches keys ignoring case, crun exactly)");
	assert_int_equal(parse_oci("{\"linux\": {\"SECCOMP\": {}}}", &err), -EINVAL);
	assert_int_equal(parse_oci("{\"hooks\": {\"createruntime\": []}}", &err), -EINVAL);
	assert_int_equal(parse_oci("{\"linux\": {\"\xc5\xbf"
				   "eccomp\": {}}}",
				   &err),
			 -EINVAL);
	assert_non_null(strstr(err.msg, "key \"\\xc5\\xbfeccomp\" must be spelled \"seccomp\""));

	/* map-typed objects: keys are data, matched exactly by Go too */
	assert_int_equal(
		parse_oci("{\"annotations\": {\"a\": \"1\", \"A\": \"2\", \"Path\": \"x\"}, "
			  "\"linux\": {\"sysctl\": {\"net.a\": \"1\", \"NET.A\": \"2\"}, "
			  "\"resources\": {\"unified\": {\"x\": \"1\", \"X\": \"2\"}, "
			  "\"rdma\": {\"mlx\": {}, \"MLX\": {}}}}}",
			  &err),
		0);
	assert_int_equal(parse_oci("{\"annotations\": {\"a\": \"1\", \"a\": \"2\"}}", &err),
			 -EINVAL);
	assert_string_equal(err.msg, "config.json: duplicate key \"a\"");
	/* sibling objects and differently spelled distinct keys are fine */
	assert_int_equal(
		parse_oci("{\"linux\": {\"seccomp\": {\"defaultAction\": \"x\"}}, "
			  "\"process\": {\"args\": [\"a\"], \"env\": []}, \"x\": [{\"a\": 1}, "
			  "{\"A\": 2}]}",
			  &err),
		0);
	/* json_parse_strict (netfence's own documents) is not changed by it */
	assert_int_equal(parse("{\"a\": 1, \"A\": 2, \"Linux\": {}}", &err), 0);
}

static char *nested(int depth)
{
	char *s = malloc((size_t)depth * 2 + 1);

	for (int i = 0; i < depth; i++) {
		s[i] = '[';
		s[depth + i] = ']';
	}
	s[depth * 2] = '\0';
	return s;
}

static void test_depth(void **state)
{
	struct nf_error err;
	char *s;

	s = nested(64);
	assert_int_equal(parse(s, &err), 0);
	free(s);
	s = nested(65);
	assert_int_equal(parse(s, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "doc: JSON nested deeper than 64 levels"));
	free(s);
	/* objects count too */
	{
		char buf[1024] = "";

		for (int i = 0; i < 65; i++)
			strcat(buf, "{\"a\":");
		strcat(buf, "1");
		for (int i = 0; i < 65; i++)
			strcat(buf, "}");
		assert_int_equal(parse(buf, &err), -EINVAL);
		assert_non_null(strstr(err.msg, "deeper than 64"));
	}
	/* a deep document is refused before any tree is built (no stack exhaustion) */
	s = nested(1000000);
	assert_int_equal(parse(s, &err), -EINVAL);
	free(s);
}

static void test_malformed(void **state)
{
	struct nf_error err;
	yajl_val v = NULL;
	const char *bad[] = {
		"",	"{",	   "{\"a\":}", "{\"a\" 1}",  "{} {}",	 "{}x",
		"[1,]", "{'a':1}", "nul",      "{\"a\":1,}", "\"\xff\"", "[\"a\tb\"]"
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (parse(bad[i], &err) != -EINVAL)
			fail_msg("accepted \"%s\"", bad[i]);
		assert_non_null(strstr(err.msg, "doc: "));
		assert_null(strchr(err.msg, '\n'));
	}
	/* an embedded NUL byte must not hide trailing content from the parser */
	assert_int_equal(json_parse_strict("{}\0{\"a\":1}", 11, "doc", &v, &err), -EINVAL);
	assert_int_equal(json_parse_strict("{\"a\":\"x\0y\"}", 11, "doc", &v, &err), -EINVAL);
	assert_null(v);
	/* \u0000 would cut a C string short of what the runtime sees */
	assert_int_equal(parse("{\"a\": \"x\\u0000y\"}", &err), -EINVAL);
	assert_non_null(strstr(err.msg, "NUL character"));
	assert_int_equal(parse("{\"a\\u0000b\": 1}", &err), -EINVAL);
}

static void test_numbers(void **state)
{
	struct nf_error err;
	yajl_val v = NULL;
	const char *s = "[1, -7, 2.5, 1e400, 99999999999999999999, true, false, null]";

	assert_int_equal(json_parse_strict(s, strlen(s), "doc", &v, &err), 0);
	assert_int_equal(v->u.array.len, 8);
	assert_true(YAJL_IS_INTEGER(v->u.array.values[0]));
	assert_int_equal(YAJL_GET_INTEGER(v->u.array.values[1]), -7);
	assert_false(YAJL_IS_INTEGER(v->u.array.values[2]));
	assert_true(YAJL_IS_DOUBLE(v->u.array.values[2]));
	assert_false(YAJL_IS_DOUBLE(v->u.array.values[3]));
	assert_false(YAJL_IS_INTEGER(v->u.array.values[4]));
	assert_true(YAJL_IS_NUMBER(v->u.array.values[4]));
	assert_true(YAJL_IS_TRUE(v->u.array.values[5]));
	assert_true(YAJL_IS_FALSE(v->u.array.values[6]));
	assert_true(YAJL_IS_NULL(v->u.array.values[7]));
	yajl_tree_free(v);
}

/* parse, edit, write: only the edit changes; numbers, escapes and nesting survive as read */
static void test_edit_round_trip(void **state)
{
	static const char in[] =
		"{\"n\": [-0.0, 1e400, 18446744073709551616, 0.1000000000000000055511, -12E-3],"
		" \"s\": \"\\u00e9\\ud83d\\ude00\\\"\\\\\\/\\b\\f\\n\\r\\t\\u001f\","
		" \"a\": [[[], [{}]], [1, [2, [3]]], null, true, false], \"hooks\": null,"
		" \"o\": {\"k\": {\"x\": []}}}";
	static const char want[] =
		"{\"n\":[-0.0,1e400,18446744073709551616,0.1000000000000000055511,-12E-3],"
		"\"s\":\"\xc3\xa9\xf0\x9f\x98\x80\\\"\\\\/\\b\\f\\n\\r\\t\\u001F\","
		"\"a\":[[[],[{}]],[1,[2,[3]]],true,false,\"x\"],"
		"\"hooks\":{\"stage\":[18446744073709551615]},"
		"\"o\":{\"k\":\"v\"},\"new\":[\"p\",\"q\"]}";
	static const char *const pq[] = { "p", "q", NULL };
	struct nf_error err = { 0 };
	yajl_val v = NULL, a, arr;
	char *out = NULL;
	size_t len;

	assert_int_equal(json_parse_strict(in, strlen(in), "doc", &v, &err), 0);
	a = json_get(v, "a");
	json_remove(a, 2); /* the null */
	assert_int_equal(json_append(a, json_new_string("x")), 0);
	/* "hooks": null becomes an object holding a new array */
	arr = json_member(json_member(v, "hooks", yajl_t_object), "stage", yajl_t_array);
	assert_non_null(arr);
	assert_int_equal(json_append(arr, json_new_uint(UINT64_MAX)), 0);
	assert_ptr_equal(json_member(json_get(v, "hooks"), "stage", yajl_t_array), arr);
	assert_null(json_member(v, "s", yajl_t_object)); /* another type */
	assert_int_equal(json_put(json_get(v, "o"), "k", json_new_string("v")), 0); /* replaced */
	assert_int_equal(json_put(v, "new", json_new_strv(pq)), 0);
	assert_int_equal(json_put(v, "x", NULL), -ENOMEM);
	assert_true(json_str_eq(json_get(json_get(v, "o"), "k"), "v"));
	assert_false(json_str_eq(json_get(v, "n"), "v"));
	assert_int_equal(json_write(v, false, &out, &len, &err), 0);
	assert_int_equal(strlen(out), len);
	assert_string_equal(out, want);
	free(out);
	/* pretty: the same document, indented */
	assert_int_equal(json_write(json_get(v, "new"), true, &out, &len, &err), 0);
	assert_string_equal(out, "[\n  \"p\",\n  \"q\"\n]\n");
	free(out);
	yajl_tree_free(v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ok),
		cmocka_unit_test(test_duplicates),
		cmocka_unit_test(test_depth),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_numbers),
		cmocka_unit_test(test_oci_case),
		cmocka_unit_test(test_edit_round_trip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
