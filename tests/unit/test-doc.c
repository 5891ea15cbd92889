/*
 * Unit tests for lib/doc (paths, equality, canonical form, digests, JSON
 * parsing with limits) and lib/timefmt.
 */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "doc.h"
#include "timefmt.h"

static json_t *parse(const char *text)
{
	json_t *doc;
	struct berr err = BERR_INIT;
	if (doc_parse_json(&doc, text, strlen(text), NULL, "t.json", &err) < 0)
		fail_msg("parse failed: %s", err.msg);
	return doc;
}

static json_t *try_parse(const char *text)
{
	json_t *doc;
	return doc_parse_json(&doc, text, strlen(text), NULL, "t", NULL) < 0 ? NULL : doc;
}

static char *canon(const json_t *doc)
{
	struct buf b = BUF_INIT;
	doc_canonical(&b, doc);
	return buf_detach(&b, NULL);
}

static void assert_canon(const json_t *doc, const char *want)
{
	char *got = canon(doc);
	assert_string_equal(got, want);
	free(got);
}

static const char *pod =
	"{\"apiVersion\":\"v1\",\"kind\":\"Pod\","
	"\"metadata\":{\"name\":\"web\",\"annotations\":{\"app.kubernetes.io/name\":\"web\","
	"\"a[b]\":\"brackets\",\"q\\\"uote\":\"quoted\"},\"generation\":3},"
	"\"spec\":{\"replicas\":2,\"ready\":true,\"ratio\":3.0,"
	"\"containers\":[{\"name\":\"app\",\"image\":\"nginx:1.25\"},{\"name\":\"side\"}]}}";

/* ---- get --------------------------------------------------------------- */

static void test_get_paths(void **state)
{
	(void)state;
	json_t *doc = parse(pod);
	assert_ptr_equal(doc_get(doc, ""), doc);
	assert_string_equal(doc_get_str(doc, "metadata.name"), "web");
	assert_string_equal(doc_get_str(doc, "spec.containers[0].image"), "nginx:1.25");
	assert_string_equal(doc_get_str(doc, "spec.containers[1].name"), "side");
	assert_true(json_is_array(doc_get(doc, "spec.containers")));
	assert_string_equal(doc_get_str(doc, "metadata.annotations[\"app.kubernetes.io/name\"]"), "web");
	assert_string_equal(doc_get_str(doc, "metadata.annotations['app.kubernetes.io/name']"), "web");
	assert_string_equal(doc_get_str(doc, "metadata[\"annotations\"].q\"uote"), "quoted");
	assert_string_equal(doc_get_str(doc, "metadata.annotations[\"q\\\"uote\"]"), "quoted");
	assert_string_equal(doc_get_str(doc, "metadata.annotations[\"a[b]\"]"), "brackets");
	/* absent things */
	assert_null(doc_get(doc, "spec.containers[2]"));
	assert_null(doc_get(doc, "spec.containers[0].image.tag"));
	assert_null(doc_get(doc, "spec.nothing.here"));
	assert_null(doc_get(doc, "spec[0]"));
	assert_null(doc_get(doc, "spec.containers.name"));
	assert_null(doc_get_str(doc, "spec.replicas"));
	assert_null(doc_get(NULL, "a"));
	/* typed getters */
	assert_int_equal(doc_get_int(doc, "spec.replicas", -1), 2);
	assert_int_equal(doc_get_int(doc, "spec.ratio", -1), 3);
	assert_int_equal(doc_get_int(doc, "metadata.name", -1), -1);
	assert_int_equal(doc_get_int(doc, "missing", 7), 7);
	assert_int_equal(doc_get_bool(doc, "spec.ready", 0), 1);
	assert_int_equal(doc_get_bool(doc, "spec.replicas", 5), 5);
	json_decref(doc);
}

static void test_get_root_array_and_varargs(void **state)
{
	(void)state;
	json_t *doc = parse("[{\"name\":\"a\"},{\"name\":\"b\",\"0\":\"zero\"}]");
	assert_string_equal(doc_get_str(doc, "[1].name"), "b");
	assert_string_equal(doc_get_str(doc, "[1][\"0\"]"), "zero");
	assert_null(doc_get(doc, "[1][0]"));    /* an index on an object */
	assert_string_equal(json_string_value(doc_getv(doc, "0", "name", NULL)), "a");
	/* on an object, a digit key is a key */
	assert_string_equal(json_string_value(doc_getv(doc, "1", "0", NULL)), "zero");
	assert_ptr_equal(doc_getv(doc, NULL), doc);
	json_decref(doc);

	doc = parse(pod);
	assert_string_equal(json_string_value(doc_getv(doc, "metadata", "annotations",
							   "app.kubernetes.io/name", NULL)), "web");
	assert_null(doc_getv(doc, "metadata", "annotations", "app", NULL));
	json_decref(doc);
}

static void test_malformed_paths(void **state)
{
	(void)state;
	json_t *doc = parse(pod), *v;
	static const struct { const char *path, *msg; } cases[] = {
		{ "a..b", "invalid path 'a..b': empty key at column 3" },
		{ ".a", "invalid path '.a': empty key at column 1" },
		{ "a.", "invalid path 'a.': empty key at column 3" },
		{ "a[", "invalid path 'a[': expected an index or a quoted key in '[...]' at column 2" },
		{ "a[x]", "invalid path 'a[x]': expected an index or a quoted key in '[...]' at column 2" },
		{ "a[-1]", "invalid path 'a[-1]': expected an index or a quoted key in '[...]' at column 2" },
		{ "a[1", "invalid path 'a[1': expected an index or a quoted key in '[...]' at column 2" },
		{ "a[\"x", "invalid path 'a[\"x': unterminated quoted key at column 3" },
		{ "a[\"x\"", "invalid path 'a[\"x\"': expected ']' at column 6" },
		{ "a[\"x\\n\"]", "invalid path 'a[\"x\\n\"]': unknown escape in quoted key at column 5" },
		{ "a[0]b", "invalid path 'a[0]b': expected '.' or '[' at column 5" },
		{ "a[99999999999999999999999]", "invalid path 'a[99999999999999999999999]': "
		  "expected an index or a quoted key in '[...]' at column 2" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct berr err = BERR_INIT;
		assert_int_equal(doc_lookup(&v, doc, cases[i].path, &err), BERR_INVALID);
		assert_null(v);
		assert_string_equal(err.msg, cases[i].msg);
		assert_null(doc_get(doc, cases[i].path));
	}
	struct berr err = BERR_INIT;
	assert_int_equal(doc_lookup(&v, doc, "spec.containers[5]", &err), BERR_NOTFOUND);
	assert_string_equal(err.msg, "'spec.containers[5]' not found");
	json_decref(doc);
}

/* ---- set and delete ---------------------------------------------------- */

static void test_set(void **state)
{
	(void)state;
	json_t *doc = parse("{\"metadata\":{\"annotations\":null},\"spec\":{\"replicas\":1,"
			    "\"containers\":[{\"name\":\"a\"}]}}");
	struct berr err = BERR_INIT;
	assert_int_equal(doc_set_new(doc, "spec.template.metadata.labels.app", json_string("web"), &err), 0);
	assert_string_equal(doc_get_str(doc, "spec.template.metadata.labels.app"), "web");
	/* null on the way becomes an object */
	assert_int_equal(doc_set_new(doc, "metadata.annotations[\"app.kubernetes.io/name\"]",
				     json_string("x"), &err), 0);
	assert_string_equal(doc_get_str(doc, "metadata.annotations['app.kubernetes.io/name']"), "x");
	/* replace an element, append one, set inside one */
	assert_int_equal(doc_set_new(doc, "spec.containers[0].image", json_string("nginx"), &err), 0);
	assert_int_equal(doc_set_new(doc, "spec.containers[1]", json_pack("{s:s}", "name", "b"), &err), 0);
	assert_string_equal(doc_get_str(doc, "spec.containers[1].name"), "b");
	assert_int_equal(doc_set_new(doc, "spec.containers[0]", json_pack("{s:s}", "name", "c"), &err), 0);
	assert_string_equal(doc_get_str(doc, "spec.containers[0].name"), "c");
	assert_null(doc_get(doc, "spec.containers[0].image"));

	/* doc_set borrows */
	json_t *v = json_integer(5);
	assert_int_equal(doc_set(doc, "spec.replicas", v, &err), 0);
	assert_int_equal(v->refcount, 2);
	json_decref(v);
	assert_int_equal(doc_get_int(doc, "spec.replicas", 0), 5);

	/* varargs form keeps dotted keys whole */
	assert_int_equal(doc_setv_new(doc, json_string("y"), &err, "metadata", "labels",
				      "a.b/c", NULL), 0);
	assert_string_equal(doc_get_str(doc, "metadata.labels['a.b/c']"), "y");
	assert_int_equal(doc_setv_new(doc, json_string("z"), &err, "spec", "containers", "1",
				      "image", NULL), 0);
	assert_string_equal(doc_get_str(doc, "spec.containers[1].image"), "z");
	json_decref(doc);
}

static void test_set_errors(void **state)
{
	(void)state;
	json_t *doc = parse("{\"spec\":{\"replicas\":1,\"containers\":[{\"name\":\"a\"}]}}");
	static const struct { const char *path, *msg; } cases[] = {
		{ "spec.replicas.x", "cannot set 'spec.replicas.x': 'spec.replicas' is a number, not an object" },
		{ "spec.replicas.x.y", "cannot set 'spec.replicas.x.y': 'spec.replicas' is a number, not an object" },
		{ "spec.containers.name", "cannot set 'spec.containers.name': 'spec.containers' is an array, not an object" },
		{ "spec[0]", "cannot set 'spec[0]': 'spec' is an object, not an array" },
		{ "spec.containers[3].name", "cannot set 'spec.containers[3].name': index 3 out of range, 'spec.containers' has 1 elements" },
		{ "spec.containers[2]", "cannot set 'spec.containers[2]': index 2 out of range, 'spec.containers' has 1 elements" },
		{ "spec.containers[0].name[\"x.y\"]", "cannot set 'spec.containers[0].name[\"x.y\"]': 'spec.containers[0].name' is a string, not an object" },
		{ "", "cannot set the empty path" },
		{ "a..b", "invalid path 'a..b': empty key at column 3" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct berr err = BERR_INIT;
		json_t *v = json_string("v");
		json_incref(v);
		assert_int_equal(doc_set_new(doc, cases[i].path, v, &err), BERR_INVALID);
		assert_string_equal(err.msg, cases[i].msg);
		assert_int_equal(v->refcount, 1);       /* stolen even on failure */
		json_decref(v);
	}
	/* nothing changed */
	json_t *want = parse("{\"spec\":{\"replicas\":1,\"containers\":[{\"name\":\"a\"}]}}");
	assert_true(doc_equal(doc, want));
	json_decref(want);

	/* a scalar root */
	json_t *s = json_string("x");
	struct berr err = BERR_INIT;
	assert_int_equal(doc_set_new(s, "a", json_true(), &err), BERR_INVALID);
	assert_string_equal(err.msg, "cannot set 'a': '(root)' is a string, not an object");
	json_decref(s);
	json_decref(doc);
}

static void test_del(void **state)
{
	(void)state;
	json_t *doc = parse(pod);
	struct berr err = BERR_INIT;
	assert_int_equal(doc_del(doc, "metadata.annotations[\"app.kubernetes.io/name\"]", &err), 0);
	assert_null(doc_get(doc, "metadata.annotations[\"app.kubernetes.io/name\"]"));
	assert_int_equal(doc_del(doc, "spec.containers[0]", &err), 0);
	assert_string_equal(doc_get_str(doc, "spec.containers[0].name"), "side");
	assert_int_equal(doc_del(doc, "spec.containers[1]", &err), BERR_NOTFOUND);
	assert_string_equal(err.msg, "cannot delete 'spec.containers[1]': not found");
	assert_int_equal(doc_del(doc, "spec.nothing.x", &err), BERR_NOTFOUND);
	assert_int_equal(doc_del(doc, "metadata.name.x", &err), BERR_NOTFOUND);
	assert_int_equal(doc_del(doc, "", &err), BERR_INVALID);
	assert_int_equal(doc_del(doc, "a[", &err), BERR_INVALID);
	assert_int_equal(doc_delv(doc, &err, "metadata", "annotations", "a[b]", NULL), 0);
	assert_null(doc_getv(doc, "metadata", "annotations", "a[b]", NULL));
	assert_int_equal(doc_delv(doc, &err, "spec", "containers", "0", NULL), 0);
	assert_int_equal(json_array_size(doc_get(doc, "spec.containers")), 0);
	json_decref(doc);
}

/* ---- equality, copy, canonical form ------------------------------------ */

static void test_equal(void **state)
{
	(void)state;
	json_t *a = parse("{\"a\":1,\"b\":[1,2.5,{\"c\":null}],\"d\":\"x\",\"e\":true}");
	json_t *b = parse("{\"e\":true,\"d\":\"x\",\"b\":[1.0,2.5,{\"c\":null}],\"a\":1.0}");
	assert_true(doc_equal(a, b));
	json_t *c = doc_copy(a);
	assert_ptr_not_equal(c, a);
	assert_true(doc_equal(a, c));
	doc_set_new(c, "b[2].c", json_integer(0), NULL);
	assert_false(doc_equal(a, c));
	json_decref(c);
	assert_null(doc_copy(NULL));

	static const char *unequal[][2] = {
		{ "1", "1.5" }, { "1", "\"1\"" }, { "[1,2]", "[2,1]" }, { "[1]", "[1,1]" },
		{ "{\"a\":1}", "{\"a\":1,\"b\":1}" }, { "{\"a\":1}", "{\"b\":1}" },
		{ "true", "false" }, { "null", "false" }, { "\"a\"", "\"ab\"" },
		{ "9007199254740993", "9007199254740992.0" }, { "0", "null" },
		{ "{}", "[]" },
	};
	for (size_t i = 0; i < sizeof(unequal) / sizeof(unequal[0]); i++) {
		json_t *x = parse(unequal[i][0]), *y = parse(unequal[i][1]);
		assert_false(doc_equal(x, y));
		assert_false(doc_equal(y, x));
		json_decref(x);
		json_decref(y);
	}
	json_t *x = parse("-0.0"), *y = parse("0");
	assert_true(doc_equal(x, y));
	json_decref(x);
	json_decref(y);
	assert_true(doc_equal(NULL, NULL));
	assert_false(doc_equal(a, NULL));
	json_decref(a);
	json_decref(b);
}

static void test_canonical(void **state)
{
	(void)state;
	json_t *d = parse("{ \"b\" : 1, \"a\" : [true, null, \"x\"], \"B\": {\"z\":0,\"y\":-1}, \"ab\": 2, \"\": 0 }");
	assert_canon(d, "{\"\":0,\"B\":{\"y\":-1,\"z\":0},\"a\":[true,null,\"x\"],\"ab\":2,\"b\":1}");
	json_decref(d);

	static const char *nums[][2] = {
		{ "1.0", "1" }, { "-0.0", "0" }, { "0.1", "0.1" }, { "1e300", "1e+300" },
		{ "2.5e-7", "2.5e-07" }, { "123456789012", "123456789012" },
		{ "1e18", "1000000000000000000" }, { "1e19", "1e+19" },
		{ "-9223372036854775808", "-9223372036854775808" },
		{ "9223372036854775807", "9223372036854775807" },
		{ "0.30000000000000004", "0.30000000000000004" }, { "3.14", "3.14" },
		{ "[1.5,2.0,-3]", "[1.5,2,-3]" },
	};
	for (size_t i = 0; i < sizeof(nums) / sizeof(nums[0]); i++) {
		d = parse(nums[i][0]);
		assert_canon(d, nums[i][1]);
		json_decref(d);
	}

	d = parse("\"q\\\" b\\\\ \\n\\t\\r\\b\\f \\u0001 \\u001f / \\u00e9 \\ud83d\\ude00\"");
	assert_canon(d, "\"q\\\" b\\\\ \\n\\t\\r\\b\\f \\u0001 \\u001f / \xc3\xa9 \xf0\x9f\x98\x80\"");
	json_decref(d);

	/* keys that share a prefix and non-ASCII keys sort bytewise */
	assert_null(try_parse("{\"a\\u0000b\":1}"));  /* the parser refuses NUL... */
	d = json_object();                              /* ...but a built doc may hold one */
	json_object_set_new(d, "\xc3\xa9", json_integer(1));
	json_object_set_new(d, "z", json_integer(2));
	json_object_set_new(d, "aa", json_integer(3));
	json_object_set_new(d, "a", json_integer(4));
	json_object_setn_new(d, "a\0b", 3, json_integer(5));
	assert_canon(d, "{\"a\":4,\"a\\u0000b\":5,\"aa\":3,\"z\":2,\"\xc3\xa9\":1}");
	json_decref(d);

	assert_canon(NULL, "null");
	d = json_real(1e-320);    /* a subnormal keeps its value */
	char *s = canon(d);
	assert_true(strtod(s, NULL) == 1e-320);
	free(s);
	json_decref(d);
}

static void test_canonical_roundtrip(void **state)
{
	(void)state;
	/* the canonical form parses back to an equal document with the same form */
	static const char *docs[] = {
		"{\"a\":{\"b\":[1,2.25,\"\\u00ff\",{\"c\":false}]},\"d\":-1e-9}",
		"[[],{},\"\",0,-1.5e+200]",
		"\"\\u001b[0m\"",
	};
	for (size_t i = 0; i < sizeof(docs) / sizeof(docs[0]); i++) {
		json_t *d = parse(docs[i]);
		char *c1 = canon(d);
		json_t *back = try_parse(c1);
		assert_non_null(back);
		assert_true(doc_equal(d, back));
		char *c2 = canon(back);
		assert_string_equal(c1, c2);
		free(c1);
		free(c2);
		json_decref(back);
		json_decref(d);
	}
}

static void test_digest(void **state)
{
	(void)state;
	char hex[DOC_DIGEST_HEX_LEN + 1];
	json_t *d = parse("{\"b\":1.0,\"a\":[true,null,\"x\"]}");
	doc_digest(hex, d);
	/* sha256 of {"a":[true,null,"x"],"b":1}, fixed forever: digests are stored */
	assert_string_equal(hex, "54a65415ad370228851a1da4b31b6fd42dc58b19a50d35cae759325f7388ce64");
	json_decref(d);

	d = parse("{\"a\" : [ true , null , \"x\" ] , \"b\" : 1}");
	char hex2[DOC_DIGEST_HEX_LEN + 1];
	doc_digest(hex2, d);
	assert_string_equal(hex, hex2);
	doc_set_new(d, "b", json_integer(2), NULL);
	doc_digest(hex2, d);
	assert_string_not_equal(hex, hex2);
	json_decref(d);

	doc_digest(hex, NULL);
	assert_string_equal(hex, "74234e98afe7498fb5daf1f36ac2d78acc339464f950703b8c019892f982b90b");
}

static void test_scalar_string(void **state)
{
	(void)state;
	static const struct { const char *json, *want; } cases[] = {
		{ "\"abc\"", "abc" }, { "true", "true" }, { "false", "false" }, { "null", "" },
		{ "42", "42" }, { "-7", "-7" }, { "1.5", "1.5" }, { "3.0", "3" },
		{ "100000.0", "100000" }, { "1000000.0", "1e+06" }, { "1234567.5", "1.2345675e+06" },
		{ "0.0001", "0.0001" }, { "0.00001", "1e-05" }, { "0.000015", "1.5e-05" },
		{ "-2.5", "-2.5" }, { "123.456", "123.456" }, { "1e21", "1e+21" },
		{ "0.1", "0.1" }, { "1e-300", "1e-300" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		json_t *v = parse(cases[i].json);
		struct buf b = BUF_INIT;
		assert_int_equal(doc_scalar_string(&b, v), 0);
		assert_string_equal(b.data, cases[i].want);
		buf_release(&b);
		json_decref(v);
	}
	struct buf b = BUF_INIT;
	json_t *o = json_object();
	assert_int_equal(doc_scalar_string(&b, o), -1);
	assert_int_equal(b.len, 0);
	json_decref(o);
	assert_string_equal(doc_type_name(NULL), "null");
}

/* ---- parsing ----------------------------------------------------------- */

static int parse_err(const char *text, size_t len, const struct doc_limits *lim,
		     struct berr *err)
{
	json_t *doc = (json_t *)1;
	int r = doc_parse_json(&doc, text, len, lim, "body.json", err);
	if (r < 0)
		assert_null(doc);
	else
		json_decref(doc);
	return r;
}

static void test_parse_errors(void **state)
{
	(void)state;
	static const struct { const char *text, *msg; } cases[] = {
		{ "{\"a\":1,\"a\":2}", "body.json:1:10: duplicate object key near '\"a\"'" },
		{ "{\"a\":1} x", "body.json:1:9: end of file expected near 'x'" },
		{ "{\"a\":1}{}", "body.json:1:8: end of file expected near '{'" },
		{ "{\"a\":\n  tru}", "body.json:2:5: invalid token near 'tru'" },
		{ "", "body.json:1:0: unexpected token near end of file" },
		{ "[1,]", "body.json:1:4: unexpected token near ']'" },
		{ "\"\\u0000\"", "body.json:1:8: \\u0000 is not allowed without JSON_ALLOW_NUL near '\"\\u0000\"'" },
		{ "99999999999999999999", "body.json:1:20: too big integer near '99999999999999999999'" },
		{ "\"\xff\"", "body.json:1:1: unable to decode byte 0xff near '\"'" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct berr err = BERR_INIT;
		assert_int_equal(parse_err(cases[i].text, strlen(cases[i].text), NULL, &err),
				 BERR_INVALID);
		assert_string_equal(err.msg, cases[i].msg);
	}
	/* NUL bytes, inside and outside strings */
	struct berr err = BERR_INIT;
	assert_int_equal(parse_err("{\"a\":\n\"x\0y\"}", 12, NULL, &err), BERR_INVALID);
	assert_string_equal(err.msg, "body.json:2:3: NUL byte in input");
	assert_int_equal(parse_err("{}\0", 3, NULL, &err), BERR_INVALID);
	assert_string_equal(err.msg, "body.json:1:3: NUL byte in input");
	/* an unnamed input */
	json_t *doc;
	assert_int_equal(doc_parse_json(&doc, "[", 1, NULL, NULL, &err), BERR_INVALID);
	assert_string_equal(err.msg, "input:1:1: ']' expected near end of file");
	assert_int_equal(doc_parse_json(&doc, NULL, 0, NULL, "empty", &err), BERR_INVALID);
	assert_string_equal(err.msg, "empty:1:0: unexpected token near end of file");
}

static void test_parse_limits(void **state)
{
	(void)state;
	struct berr err = BERR_INIT;
	/* 10000 nested brackets are refused before jansson recurses */
	size_t n = 10000;
	char *deep = xmalloc(2 * n + 1);
	memset(deep, '[', n);
	memset(deep + n, ']', n);
	assert_int_equal(parse_err(deep, 2 * n, NULL, &err), BERR_LIMIT);
	assert_string_equal(err.msg, "body.json:1:256: nesting deeper than 255");
	/* 255 is fine, 256 is not */
	assert_int_equal(parse_err(deep + n - 255, 510, NULL, &err), 0);
	memset(deep, '{', n);
	assert_int_equal(parse_err(deep, n, NULL, &err), BERR_LIMIT);
	free(deep);

	/* brackets inside strings do not count, escaped quotes do not end them */
	struct doc_limits lim = { .max_depth = 2 };
	const char *s = "[[\"[[[[\\\"[[[\", \"x\"], {\"k\\\\\":\"{{{\"}]";
	assert_int_equal(parse_err(s, strlen(s), &lim, &err), 0);
	s = "[[[]]]";
	assert_int_equal(parse_err(s, strlen(s), &lim, &err), BERR_LIMIT);
	assert_string_equal(err.msg, "body.json:1:3: nesting deeper than 2");
	s = "[[],[],{\"a\":1},[2]]";
	assert_int_equal(parse_err(s, strlen(s), &lim, &err), 0);

	/* size */
	lim = (struct doc_limits){ .max_bytes = 8 };
	assert_int_equal(parse_err("[1,2,3,4]", 9, &lim, &err), BERR_LIMIT);
	assert_string_equal(err.msg, "body.json: document is 9 bytes, over the limit of 8");
	assert_int_equal(parse_err("[1,2,3]", 7, &lim, &err), 0);
}

static void test_parse_numbers(void **state)
{
	(void)state;
	json_t *d = parse("{\"i\":3,\"r\":3.0,\"e\":1e2,\"neg\":-0,\"big\":9223372036854775807}");
	assert_true(json_is_integer(doc_get(d, "i")));
	assert_true(json_is_real(doc_get(d, "r")));
	assert_true(json_is_real(doc_get(d, "e")));
	assert_true(json_is_integer(doc_get(d, "neg")));
	assert_int_equal(json_integer_value(doc_get(d, "big")), INT64_MAX);
	json_decref(d);
	/* scalars are documents too */
	d = parse(" \"x\" \n");
	assert_string_equal(json_string_value(d), "x");
	json_decref(d);
}

/* ---- timefmt ----------------------------------------------------------- */

static void test_timefmt(void **state)
{
	(void)state;
	char s[TIMEFMT_SIZE], m[TIMEFMT_MICRO_SIZE];
	timefmt_rfc3339(s, 1795698239);
	assert_string_equal(s, "2026-11-26T13:03:59Z");
	timefmt_rfc3339(s, 0);
	assert_string_equal(s, "1970-01-01T00:00:00Z");
	struct timespec ts = { .tv_sec = 1795698239, .tv_nsec = 123456789 };
	timefmt_rfc3339_micro(m, &ts);
	assert_string_equal(m, "2026-11-26T13:03:59.123456Z");

	timefmt_now(s);
	time_t t, now = time(NULL);
	assert_int_equal(timefmt_parse(&t, NULL, s, NULL), 0);
	assert_true(t <= now && now - t < 5);

	long usec = -1;
	assert_int_equal(timefmt_parse(&t, &usec, "2026-11-26T13:03:59Z", NULL), 0);
	assert_int_equal(t, 1795698239);
	assert_int_equal(usec, 0);
	assert_int_equal(timefmt_parse(&t, &usec, "2026-11-26T13:03:59.123456Z", NULL), 0);
	assert_int_equal(t, 1795698239);
	assert_int_equal(usec, 123456);
	assert_int_equal(timefmt_parse(&t, &usec, "2026-11-26T13:03:59.5Z", NULL), 0);
	assert_int_equal(usec, 500000);
	assert_int_equal(timefmt_parse(&t, &usec, "2026-11-26T13:03:59.123456789Z", NULL), 0);
	assert_int_equal(usec, 123456);
	assert_int_equal(timefmt_parse(&t, NULL, "2026-11-26T15:03:59+02:00", NULL), 0);
	assert_int_equal(t, 1795698239);
	assert_int_equal(timefmt_parse(&t, NULL, "2026-11-26T08:33:59-04:30", NULL), 0);
	assert_int_equal(t, 1795698239);
	assert_int_equal(timefmt_parse(&t, NULL, "2024-02-29T00:00:00Z", NULL), 0);

	static const struct { const char *s, *why; } bad[] = {
		{ "", "expected YYYY-MM-DDTHH:MM:SS" },
		{ "2026-11-26 13:03:59Z", "expected YYYY-MM-DDTHH:MM:SS" },
		{ "2026-11-26T13:03Z", "expected YYYY-MM-DDTHH:MM:SS" },
		{ "2026-13-26T13:03:59Z", "month out of range" },
		{ "2026-02-29T13:03:59Z", "day out of range" },
		{ "2026-04-31T13:03:59Z", "day out of range" },
		{ "2026-11-26T24:00:00Z", "time of day out of range" },
		{ "2026-11-26T23:59:60Z", "time of day out of range" },
		{ "2026-11-26T13:03:59", "expected 'Z' or an offset after the time" },
		{ "2026-11-26T13:03:59.Z", "expected digits after '.'" },
		{ "2026-11-26T13:03:59+0200", "expected an offset like +02:00" },
		{ "2026-11-26T13:03:59+24:00", "offset out of range" },
		{ "2026-11-26T13:03:59Zjunk", "trailing characters" },
	};
	assert_int_equal(timefmt_parse(&t, NULL, NULL, NULL), BERR_INVALID);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct berr err = BERR_INIT;
		char want[256];
		assert_int_equal(timefmt_parse(&t, NULL, bad[i].s, &err), BERR_INVALID);
		snprintf(want, sizeof(want), "invalid timestamp '%s': %s", bad[i].s, bad[i].why);
		assert_string_equal(err.msg, want);
	}
}

/* ---- real objects from the peer data ----------------------------------- */

/* Reference data lives beside the project (shared/peer); BOSUN_PEER_DIR
 * overrides where, for worktrees that have no shared/ beside them. */
static const char *peer_dir(void)
{
	const char *d = getenv("BOSUN_PEER_DIR");
	return d && *d ? d : "../shared/peer";
}

static void test_peer_documents(void **state)
{
	(void)state;
	char dir[1024];
	snprintf(dir, sizeof(dir), "%s/diff/testdata", peer_dir());
	DIR *dh = opendir(dir);
	if (!dh)
		fail_msg("no peer data at '%s' (run from the project root or set BOSUN_PEER_DIR)", dir);
	struct dirent *de;
	int files = 0, applied = 0;
	while ((de = readdir(dh))) {
		size_t n = strlen(de->d_name);
		if (n < 6 || strcmp(de->d_name + n - 5, ".json"))
			continue;
		char path[2048];
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		struct buf text = BUF_INIT;
		assert_int_equal(buf_read_file(&text, path, 1 << 24), 0);
		json_t *doc, *back;
		struct berr err = BERR_INIT;
		if (doc_parse_json(&doc, text.data, text.len, NULL, de->d_name, &err) < 0)
			fail_msg("%s", err.msg);
		/* canonical form: parses back equal, same digest */
		struct buf c = BUF_INIT;
		doc_canonical(&c, doc);
		assert_int_equal(doc_parse_json(&back, c.data, c.len, NULL, "canonical", &err), 0);
		assert_true(doc_equal(doc, back));
		char h1[DOC_DIGEST_HEX_LEN + 1], h2[DOC_DIGEST_HEX_LEN + 1];
		doc_digest(h1, doc);
		doc_digest(h2, back);
		assert_string_equal(h1, h2);
		/* kubectl's last-applied annotation: a dotted key holding JSON */
		const char *la = doc_get_str(doc, "metadata.annotations"
					     "[\"kubectl.kubernetes.io/last-applied-configuration\"]");
		if (la) {
			json_t *inner;
			if (doc_parse_json(&inner, la, strlen(la), NULL, "last-applied", &err) < 0)
				fail_msg("%s: %s", de->d_name, err.msg);
			assert_string_equal(doc_get_str(inner, "kind"), doc_get_str(doc, "kind"));
			json_decref(inner);
			applied++;
		}
		json_decref(back);
		json_decref(doc);
		buf_release(&c);
		buf_release(&text);
		files++;
	}
	closedir(dh);
	assert_true(files >= 20);
	assert_true(applied >= 5);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_get_paths),
		cmocka_unit_test(test_get_root_array_and_varargs),
		cmocka_unit_test(test_malformed_paths),
		cmocka_unit_test(test_set),
		cmocka_unit_test(test_set_errors),
		cmocka_unit_test(test_del),
		cmocka_unit_test(test_equal),
		cmocka_unit_test(test_canonical),
		cmocka_unit_test(test_canonical_roundtrip),
		cmocka_unit_test(test_digest),
		cmocka_unit_test(test_scalar_string),
		cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_parse_limits),
		cmocka_unit_test(test_parse_numbers),
		cmocka_unit_test(test_timefmt),
		cmocka_unit_test(test_peer_documents),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
