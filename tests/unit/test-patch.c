/*
 * test-patch — JSON merge patch (RFC 7386) and JSON patch (RFC 6902).
 *
 * Table-driven: each row is a document, a patch and the expected result or
 * error. The rows walk through the behaviours the RFCs spell out (their
 * appendix examples, restated with our own data) plus the limits and error
 * messages Bosun adds.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "buf.h"
#include "patch.h"

static json_t *J(const char *text)
{
	json_error_t e;
	json_t *v = json_loads(text, JSON_DECODE_ANY, &e);
	if (!v)
		fail_msg("bad test JSON '%s': %s", text, e.text);
	return v;
}

static void expect_json(const char *want, const json_t *got)
{
	json_t *w = J(want);
	if (!json_equal(w, got)) {
		char *s = json_dumps(got, JSON_ENCODE_ANY | JSON_COMPACT | JSON_SORT_KEYS);
		print_error("want %s\ngot  %s\n", want, s ? s : "(null)");
		free(s);
		json_decref(w);
		fail();
	}
	json_decref(w);
}

/* ---- merge patch ------------------------------------------------------- */

static const struct {
	const char *target, *patch, *result;
} merge_rows[] = {
	{ "{\"x\":\"1\"}", "{\"x\":\"2\"}", "{\"x\":\"2\"}" },
	{ "{\"x\":\"1\"}", "{\"y\":\"2\"}", "{\"x\":\"1\",\"y\":\"2\"}" },
	{ "{\"x\":\"1\",\"y\":\"2\"}", "{\"x\":null}", "{\"y\":\"2\"}" },
	{ "{\"x\":[\"p\",\"q\"]}", "{\"x\":[\"r\"]}", "{\"x\":[\"r\"]}" },
	{ "{\"x\":{\"y\":\"1\"}}", "{\"x\":{\"z\":\"2\"}}", "{\"x\":{\"y\":\"1\",\"z\":\"2\"}}" },
	{ "{\"x\":{\"y\":\"1\"}}", "{\"x\":[1]}", "{\"x\":[1]}" },
	{ "[\"p\"]", "{\"x\":\"1\"}", "{\"x\":\"1\"}" },
	{ "{\"x\":\"1\"}", "[\"p\"]", "[\"p\"]" },
	{ "{\"x\":\"1\"}", "\"text\"", "\"text\"" },
	{ "{}", "{\"x\":{\"y\":null}}", "{\"x\":{}}" },
	{ "{\"x\":{\"y\":{\"z\":1,\"w\":2}}}", "{\"x\":{\"y\":{\"z\":null}}}",
	  "{\"x\":{\"y\":{\"w\":2}}}" },
	{ "{\"x\":1}", "{}", "{\"x\":1}" },
	{ "null", "{\"x\":null,\"y\":1}", "{\"y\":1}" },
};

static void test_merge_apply(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(merge_rows) / sizeof(merge_rows[0]); i++) {
		json_t *t = J(merge_rows[i].target), *p = J(merge_rows[i].patch), *out = NULL;
		struct berr err = BERR_INIT;
		assert_int_equal(merge_patch_apply(&out, t, p, &err), 0);
		expect_json(merge_rows[i].result, out);
		/* inputs are not modified */
		expect_json(merge_rows[i].target, t);
		json_decref(t);
		json_decref(p);
		json_decref(out);
	}
}

static void test_merge_create(void **state)
{
	(void)state;
	static const struct {
		const char *from, *to, *patch;
	} rows[] = {
		{ "{\"a\":1,\"b\":{\"c\":2,\"d\":3}}", "{\"a\":1,\"b\":{\"c\":4}}",
		  "{\"b\":{\"c\":4,\"d\":null}}" },
		{ "{\"a\":[1,2]}", "{\"a\":[1,2]}", "{}" },
		{ "{\"a\":[1,2]}", "{\"a\":[2]}", "{\"a\":[2]}" },
		{ "{\"a\":1}", "{\"b\":{\"c\":true}}", "{\"a\":null,\"b\":{\"c\":true}}" },
		{ "{\"a\":{\"x\":1}}", "{\"a\":\"s\"}", "{\"a\":\"s\"}" },
		{ "[1]", "{\"a\":1}", "{\"a\":1}" },
	};
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		json_t *a = J(rows[i].from), *b = J(rows[i].to), *p = NULL, *back = NULL;
		struct berr err = BERR_INIT;
		assert_int_equal(merge_patch_create(&p, a, b, &err), 0);
		expect_json(rows[i].patch, p);
		/* applying the patch gives `to` again */
		assert_int_equal(merge_patch_apply(&back, a, p, &err), 0);
		assert_true(json_equal(back, b));
		json_decref(a);
		json_decref(b);
		json_decref(p);
		json_decref(back);
	}
}

static void test_merge_limits(void **state)
{
	(void)state;
	json_t *deep = json_object(), *p = deep;
	for (int i = 0; i < PATCH_MAX_DEPTH + 5; i++) {
		json_t *n = json_object();
		json_object_set_new(p, "k", n);
		p = n;
	}
	json_t *out = NULL, *empty = json_object();
	struct berr err = BERR_INIT;
	assert_int_equal(merge_patch_apply(&out, empty, deep, &err), BERR_LIMIT);
	assert_null(out);
	assert_non_null(strstr(err.msg, "deeper"));
	assert_int_equal(merge_patch_create(&out, empty, deep, &err), 0);
	json_decref(out);
	assert_int_equal(merge_patch_create(&out, deep, json_object_get(deep, "k"), &err), BERR_LIMIT);
	json_decref(deep);
	json_decref(empty);
}

/* ---- JSON patch ---------------------------------------------------------- */

static const struct {
	const char *doc, *ops, *result;
} json_rows[] = {
	/* add a member, insert into an array, append with "-" */
	{ "{\"a\":1}", "[{\"op\":\"add\",\"path\":\"/b\",\"value\":[2]}]", "{\"a\":1,\"b\":[2]}" },
	{ "{\"l\":[\"x\",\"z\"]}", "[{\"op\":\"add\",\"path\":\"/l/1\",\"value\":\"y\"}]",
	  "{\"l\":[\"x\",\"y\",\"z\"]}" },
	{ "{\"l\":[1]}", "[{\"op\":\"add\",\"path\":\"/l/-\",\"value\":2}]", "{\"l\":[1,2]}" },
	{ "{\"l\":[1]}", "[{\"op\":\"add\",\"path\":\"/l/1\",\"value\":2}]", "{\"l\":[1,2]}" },
	/* add replaces an existing member */
	{ "{\"a\":1}", "[{\"op\":\"add\",\"path\":\"/a\",\"value\":{\"n\":null}}]", "{\"a\":{\"n\":null}}" },
	/* the whole document */
	{ "{\"a\":1}", "[{\"op\":\"add\",\"path\":\"\",\"value\":[true]}]", "[true]" },
	{ "{\"a\":1}", "[{\"op\":\"replace\",\"path\":\"\",\"value\":{\"b\":2}}]", "{\"b\":2}" },
	/* remove a member and an array element */
	{ "{\"a\":1,\"b\":2}", "[{\"op\":\"remove\",\"path\":\"/a\"}]", "{\"b\":2}" },
	{ "{\"l\":[1,2,3]}", "[{\"op\":\"remove\",\"path\":\"/l/1\"}]", "{\"l\":[1,3]}" },
	/* replace */
	{ "{\"a\":{\"b\":1}}", "[{\"op\":\"replace\",\"path\":\"/a/b\",\"value\":\"two\"}]",
	  "{\"a\":{\"b\":\"two\"}}" },
	{ "{\"l\":[1,2]}", "[{\"op\":\"replace\",\"path\":\"/l/0\",\"value\":9}]", "{\"l\":[9,2]}" },
	/* move a member, move an array element */
	{ "{\"a\":{\"b\":1},\"c\":{}}", "[{\"op\":\"move\",\"from\":\"/a/b\",\"path\":\"/c/d\"}]",
	  "{\"a\":{},\"c\":{\"d\":1}}" },
	{ "{\"l\":[\"p\",\"q\",\"r\",\"s\"]}", "[{\"op\":\"move\",\"from\":\"/l/1\",\"path\":\"/l/3\"}]",
	  "{\"l\":[\"p\",\"r\",\"s\",\"q\"]}" },
	{ "{\"a\":1}", "[{\"op\":\"move\",\"from\":\"/a\",\"path\":\"/a\"}]", "{\"a\":1}" },
	/* copy */
	{ "{\"a\":{\"x\":[1]}}", "[{\"op\":\"copy\",\"from\":\"/a\",\"path\":\"/b\"},"
	  "{\"op\":\"add\",\"path\":\"/b/x/-\",\"value\":2}]",
	  "{\"a\":{\"x\":[1]},\"b\":{\"x\":[1,2]}}" },
	/* test: equal values, numbers compared by value, key order ignored */
	{ "{\"a\":{\"x\":1,\"y\":[1,\"s\"]}}",
	  "[{\"op\":\"test\",\"path\":\"/a\",\"value\":{\"y\":[1.0,\"s\"],\"x\":1}}]",
	  "{\"a\":{\"x\":1,\"y\":[1,\"s\"]}}" },
	/* escapes: ~1 is '/', ~0 is '~', in that order */
	{ "{\"a/b\":1,\"m~n\":2,\"~1\":3}",
	  "[{\"op\":\"replace\",\"path\":\"/a~1b\",\"value\":10},"
	  "{\"op\":\"replace\",\"path\":\"/m~0n\",\"value\":20},"
	  "{\"op\":\"remove\",\"path\":\"/~01\"}]",
	  "{\"a/b\":10,\"m~n\":20}" },
	/* the empty key */
	{ "{\"\":1}", "[{\"op\":\"replace\",\"path\":\"/\",\"value\":2}]", "{\"\":2}" },
	/* a typical kubectl patch */
	{ "{\"metadata\":{\"labels\":{\"app.kubernetes.io/name\":\"web\"}}}",
	  "[{\"op\":\"add\",\"path\":\"/metadata/labels/app.kubernetes.io~1part-of\",\"value\":\"shop\"}]",
	  "{\"metadata\":{\"labels\":{\"app.kubernetes.io/name\":\"web\",\"app.kubernetes.io/part-of\":\"shop\"}}}" },
	/* extra members are ignored */
	{ "{}", "[{\"op\":\"add\",\"path\":\"/a\",\"value\":1,\"comment\":\"x\"}]", "{\"a\":1}" },
};

static void test_json_patch_apply(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(json_rows) / sizeof(json_rows[0]); i++) {
		json_t *d = J(json_rows[i].doc), *ops = J(json_rows[i].ops), *out = NULL;
		struct berr err = BERR_INIT;
		if (json_patch_apply(&out, d, ops, &err) < 0)
			fail_msg("row %zu: %s", i, err.msg);
		expect_json(json_rows[i].result, out);
		expect_json(json_rows[i].doc, d);
		json_decref(d);
		json_decref(ops);
		json_decref(out);
	}
}

static const struct {
	const char *doc, *ops;
	int code;
	const char *msg;
} json_errors[] = {
	{ "{\"a\":1}", "[{\"op\":\"remove\",\"path\":\"/b\"}]", BERR_NOTFOUND,
	  "operation 0 ('remove') at '/b': path not found" },
	{ "{\"a\":1}", "[{\"op\":\"add\",\"path\":\"/x/y\",\"value\":1}]", BERR_NOTFOUND,
	  "operation 0 ('add') at '/x/y': path not found" },
	{ "{\"a\":1}", "[{\"op\":\"test\",\"path\":\"/a\",\"value\":1},"
	  "{\"op\":\"test\",\"path\":\"/a\",\"value\":\"1\"}]", BERR_INVALID,
	  "operation 1 ('test') at '/a': test failed" },
	{ "{\"l\":[1]}", "[{\"op\":\"add\",\"path\":\"/l/2\",\"value\":1}]", BERR_INVALID,
	  "array index out of range" },
	{ "{\"l\":[1,2]}", "[{\"op\":\"remove\",\"path\":\"/l/01\"}]", BERR_NOTFOUND, "path not found" },
	{ "{\"l\":[1,2]}", "[{\"op\":\"remove\",\"path\":\"/l/-\"}]", BERR_NOTFOUND, "path not found" },
	{ "{\"l\":[1,2]}", "[{\"op\":\"add\",\"path\":\"/l/-1\",\"value\":0}]", BERR_INVALID,
	  "array index out of range" },
	{ "{\"a\":1}", "[{\"op\":\"replace\",\"path\":\"/b\",\"value\":1}]", BERR_NOTFOUND, "path not found" },
	{ "{\"a\":{\"b\":{}}}", "[{\"op\":\"move\",\"from\":\"/a\",\"path\":\"/a/b/c\"}]", BERR_INVALID,
	  "cannot move a value into one of its children" },
	{ "{\"a\":1}", "[{\"op\":\"copy\",\"from\":\"/z\",\"path\":\"/b\"}]", BERR_NOTFOUND,
	  "'from' path '/z' not found" },
	{ "{\"a\":1}", "[{\"op\":\"add\",\"path\":\"a\",\"value\":1}]", BERR_INVALID, "malformed JSON pointer" },
	{ "{\"a\":1}", "[{\"op\":\"remove\",\"path\":\"/~2\"}]", BERR_INVALID, "malformed JSON pointer" },
	{ "{\"a\":1}", "[{\"op\":\"frobnicate\",\"path\":\"/a\"}]", BERR_INVALID, "unknown operation" },
	{ "{\"a\":1}", "[{\"op\":\"add\",\"path\":\"/b\"}]", BERR_INVALID, "missing 'value'" },
	{ "{\"a\":1}", "[{\"path\":\"/b\"}]", BERR_INVALID, "operation 0: missing 'op'" },
	{ "{\"a\":1}", "[{\"op\":\"move\",\"path\":\"/b\"}]", BERR_INVALID, "missing 'from'" },
	{ "{\"a\":1}", "[{\"op\":\"remove\"}]", BERR_INVALID, "missing 'path'" },
	{ "{\"a\":1}", "[42]", BERR_INVALID, "operation 0: not a JSON object" },
	{ "{\"a\":1}", "{\"op\":\"remove\",\"path\":\"/a\"}", BERR_INVALID, "not an array" },
	{ "{\"a\":1}", "[{\"op\":\"remove\",\"path\":\"\"}]", BERR_INVALID, "cannot remove the whole document" },
	{ "{\"a\":\"s\"}", "[{\"op\":\"add\",\"path\":\"/a/b\",\"value\":1}]", BERR_NOTFOUND,
	  "parent is not an object or array" },
};

static void test_json_patch_errors(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(json_errors) / sizeof(json_errors[0]); i++) {
		json_t *d = J(json_errors[i].doc), *ops = J(json_errors[i].ops), *out = NULL;
		struct berr err = BERR_INIT;
		int rc = json_patch_apply(&out, d, ops, &err);
		if (rc != json_errors[i].code || !strstr(err.msg, json_errors[i].msg))
			fail_msg("row %zu: want %d '%s', got %d '%s'", i, json_errors[i].code,
				 json_errors[i].msg, rc, err.msg);
		assert_null(out);
		/* all or nothing: the input is untouched */
		expect_json(json_errors[i].doc, d);
		json_decref(d);
		json_decref(ops);
	}
}

static void test_json_patch_limits(void **state)
{
	(void)state;
	json_t *ops = json_array();
	for (int i = 0; i <= JSON_PATCH_MAX_OPS; i++)
		json_array_append_new(ops, json_pack("{s:s, s:s, s:i}", "op", "add", "path", "/n", "value", i));
	json_t *doc = json_object(), *out = NULL;
	struct berr err = BERR_INIT;
	assert_int_equal(json_patch_apply(&out, doc, ops, &err), BERR_LIMIT);
	assert_non_null(strstr(err.msg, "limit"));
	json_array_remove(ops, 0);
	assert_int_equal(json_patch_apply(&out, doc, ops, &err), 0);
	expect_json("{\"n\":10000}", out);
	json_decref(out);
	json_decref(ops);
	json_decref(doc);
}

static void test_json_pointer_get(void **state)
{
	(void)state;
	json_t *d = J("{\"a\":[{\"b\":1}],\"c/d\":2,\"\":{\"\":3}}");
	assert_ptr_equal(json_pointer_get(d, ""), d);
	assert_int_equal(json_integer_value(json_pointer_get(d, "/a/0/b")), 1);
	assert_int_equal(json_integer_value(json_pointer_get(d, "/c~1d")), 2);
	assert_int_equal(json_integer_value(json_pointer_get(d, "//")), 3);
	assert_null(json_pointer_get(d, "/a/1"));
	assert_null(json_pointer_get(d, "/a/00"));
	assert_null(json_pointer_get(d, "a"));
	assert_null(json_pointer_get(d, "/a/0/b/c"));
	json_decref(d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_merge_apply),
		cmocka_unit_test(test_merge_create),
		cmocka_unit_test(test_merge_limits),
		cmocka_unit_test(test_json_patch_apply),
		cmocka_unit_test(test_json_patch_errors),
		cmocka_unit_test(test_json_patch_limits),
		cmocka_unit_test(test_json_pointer_get),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
