/*
 * test-yaml — the YAML reader and writer against go-yaml v2 / sigs.k8s.io/yaml
 * behaviour: scalar resolution, key conversion, streams, anchors and merge
 * keys, error positions, limits, and byte-exact writer output.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "yaml.h"

/* Reads `text` as one document; fails the test on error. */
static json_t *read_ok(const char *text)
{
	json_t *doc = NULL;
	struct berr err = BERR_INIT;
	if (yaml_read(&doc, text, strlen(text), "t.yaml", &err)) {
		print_error("unexpected error for <<%s>>: %s\n", text, err.msg);
		fail();
	}
	return doc;
}

/* Reads `text` expecting failure with `code` and a message containing `want`. */
static void read_fails(const char *text, int code, const char *want)
{
	json_t *docs = NULL;
	struct berr err = BERR_INIT;
	int rc = yaml_read_stream(&docs, text, strlen(text), "t.yaml", NULL, &err);
	if (rc != code || !strstr(err.msg, want)) {
		print_error("<<%s>>: got rc %d msg '%s', want rc %d with '%s'\n",
			    text, rc, err.msg, code, want);
		fail();
	}
	assert_null(docs);
}

/* Compares a json value with expected JSON text, types included. */
static void assert_json(const json_t *got, const char *want_text, const char *ctx)
{
	json_error_t jerr;
	json_t *want = json_loads(want_text, JSON_DECODE_ANY, &jerr);
	if (!want) {
		print_error("bad expected JSON '%s' for %s\n", want_text, ctx);
		fail();
	}
	if (!json_equal(got, want)) {
		char *s = json_dumps(got, JSON_ENCODE_ANY | JSON_SORT_KEYS);
		print_error("%s: got %s, want %s\n", ctx, s ? s : "(null)", want_text);
		free(s);
		json_decref(want);
		fail();
	}
	json_decref(want);
}

static char *write_str(const json_t *doc)
{
	struct buf out = BUF_INIT;
	yaml_write(&out, doc);
	return buf_detach(&out, NULL);
}

/* --- scalar resolution ------------------------------------------------ */

struct resolve_case {
	const char *yaml;       /* the value after "v: " */
	const char *json;       /* what it must read as */
};

static const struct resolve_case resolve_cases[] = {
	/* null */
	{ "~", "null" }, { "null", "null" }, { "Null", "null" }, { "NULL", "null" },
	{ "", "null" }, { "nULL", "\"nULL\"" }, { "'~'", "\"~\"" },
	/* bool: go-yaml v2's YAML 1.1 words, exact case variants only */
	{ "y", "true" }, { "Y", "true" }, { "yes", "true" }, { "Yes", "true" },
	{ "YES", "true" }, { "true", "true" }, { "True", "true" }, { "TRUE", "true" },
	{ "on", "true" }, { "On", "true" }, { "ON", "true" },
	{ "n", "false" }, { "N", "false" }, { "no", "false" }, { "No", "false" },
	{ "NO", "false" }, { "false", "false" }, { "False", "false" },
	{ "FALSE", "false" }, { "off", "false" }, { "Off", "false" }, { "OFF", "false" },
	{ "yES", "\"yES\"" }, { "tRUE", "\"tRUE\"" }, { "oN", "\"oN\"" },
	{ "\"true\"", "\"true\"" }, { "'yes'", "\"yes\"" },
	/* ints */
	{ "0", "0" }, { "12", "12" }, { "-12", "-12" }, { "+12", "12" },
	{ "1_000", "1000" }, { "0x1F", "31" }, { "0X1f", "31" }, { "-0x10", "-16" },
	{ "0o17", "15" }, { "0O17", "15" }, { "017", "15" }, { "-017", "-15" },
	{ "0b101", "5" }, { "-0b101", "-5" }, { "0b1_0", "2" },
	{ "9223372036854775807", "9223372036854775807" },
	{ "-9223372036854775808", "-9223372036854775808" },
	{ "0x", "\"0x\"" }, { "0b", "\"0b\"" }, { "0x1G", "\"0x1G\"" },
	{ "1__0", "10" }, { "_1", "\"_1\"" }, { "1-2", "\"1-2\"" },
	/* beyond int64: a real (go-yaml gives uint64 or float64) */
	{ "9223372036854775808", "9223372036854775808.0" },
	{ "18446744073709551615", "18446744073709551615.0" },
	{ "18446744073709551616", "18446744073709551616.0" },
	{ "-9223372036854775809", "-9223372036854775809.0" },
	{ "0x10000000000000000", "18446744073709551616.0" },
	/* floats */
	{ "1.5", "1.5" }, { "-1.5", "-1.5" }, { "+1.5", "1.5" }, { "1.", "1.0" },
	{ ".5", "0.5" }, { "-.5", "-0.5" }, { "1e3", "1000.0" }, { "1E3", "1000.0" },
	{ "1.5e-3", "0.0015" }, { "1e+3", "1000.0" }, { "1_000.5", "1000.5" },
	{ "08", "8.0" }, { "09.5", "9.5" }, { "1.0", "1.0" }, { "0.0", "0.0" },
	{ "1e400", "\"1e400\"" }, { ".5e3", "500.0" }, { ".5_0", "\".5_0\"" },
	{ "1e", "\"1e\"" }, { ".", "\".\"" }, { "..5", "\"..5\"" },
	{ "1.2.3", "\"1.2.3\"" }, { "1e3.5", "\"1e3.5\"" }, { "0x1p3", "\"0x1p3\"" },
	{ "inf", "\"inf\"" }, { "nan", "\"nan\"" }, { ".iNf", "\".iNf\"" },
	/* base 60 is not supported when reading: a string */
	{ "1:30", "\"1:30\"" }, { "190:20:30", "\"190:20:30\"" },
	/* timestamps stay strings */
	{ "2001-12-14", "\"2001-12-14\"" }, { "2001-12-14t21:59:43.10-05:00",
	  "\"2001-12-14t21:59:43.10-05:00\"" },
	/* other strings */
	{ "hello", "\"hello\"" }, { "<<", "\"<<\"" }, { "=", "\"=\"" },
	{ "+", "\"+\"" }, { "'1'", "\"1\"" }, { "\"1.5\"", "\"1.5\"" },
	{ "\"\"", "\"\"" }, { "''", "\"\"" }, { "|\n  12\n", "\"12\\n\"" },
	{ ">-\n  12\n", "\"12\"" }, { "\"\\u00e9\"", "\"\\u00e9\"" },
	/* tags */
	{ "!!str 12", "\"12\"" }, { "!!str true", "\"true\"" }, { "!!str", "\"\"" },
	{ "!!int \"12\"", "12" }, { "!!int 0x10", "16" }, { "!!float 3", "3.0" },
	{ "!!float \"0x10\"", "16.0" }, { "!!float 1.5", "1.5" }, { "!!bool \"yes\"", "true" },
	{ "!!null ''", "null" }, { "!!null ~", "null" }, { "!!binary aGVsbG8=", "\"hello\"" },
	{ "!!binary |\n  aGVs\n  bG8=\n", "\"hello\"" }, { "!!binary \"gA==\"", "\"\\ufffd\"" },
	{ "!!timestamp 2001-12-14", "\"2001-12-14\"" }, { "! 12", "\"12\"" },
	{ "!custom 12", "\"12\"" }, { "!!map 12", "\"12\"" },
	{ "!<tag:yaml.org,2002:int> 7", "7" },
};

static void test_resolve_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(resolve_cases) / sizeof(resolve_cases[0]); i++) {
		const struct resolve_case *c = &resolve_cases[i];
		char text[256];
		snprintf(text, sizeof(text), "v: %s\n", c->yaml);
		json_t *doc = read_ok(text);
		assert_json(json_object_get(doc, "v"), c->json, text);
		json_decref(doc);
	}
}

static void test_resolve_kind(void **state)
{
	(void)state;
	static const struct { const char *s; enum yaml_kind kind; int quote; } cases[] = {
		{ "abc", YAML_KIND_STR, 0 }, { "", YAML_KIND_NULL, 1 },
		{ "yes", YAML_KIND_BOOL, 1 }, { "12", YAML_KIND_INT, 1 },
		{ "18446744073709551615", YAML_KIND_UINT, 1 }, { "1.5", YAML_KIND_FLOAT, 1 },
		{ ".inf", YAML_KIND_FLOAT, 1 }, { "-.INF", YAML_KIND_FLOAT, 1 },
		{ ".NaN", YAML_KIND_FLOAT, 1 }, { "2001-12-14", YAML_KIND_TIMESTAMP, 1 },
		{ "2001-2-3", YAML_KIND_TIMESTAMP, 1 },
		{ "2001-12-14T21:59:43Z", YAML_KIND_TIMESTAMP, 1 },
		{ "2001-12-14 21:59:43.10", YAML_KIND_TIMESTAMP, 1 },
		{ "2001-12-14T21:59:43.1+05:30", YAML_KIND_TIMESTAMP, 1 },
		{ "2001-02-30", YAML_KIND_STR, 0 }, { "2001-13-01", YAML_KIND_STR, 0 },
		{ "2000-02-29", YAML_KIND_TIMESTAMP, 1 }, { "1900-02-29", YAML_KIND_STR, 0 },
		{ "2001-12-14T25:00:00Z", YAML_KIND_STR, 0 }, { "2001-12-14 21:59:43Z", YAML_KIND_STR, 0 },
		{ "2001-12-14T21:59:43", YAML_KIND_STR, 0 }, { "20011-12-14", YAML_KIND_STR, 0 },
		{ "1:30", YAML_KIND_STR, 1 }, { "-1:30:59.5", YAML_KIND_STR, 1 },
		{ "1:60", YAML_KIND_STR, 0 }, { "1:", YAML_KIND_STR, 0 },
		{ "<<", YAML_KIND_STR, 0 }, { "0x", YAML_KIND_STR, 0 },
		{ "1 2", YAML_KIND_STR, 0 }, { "nope", YAML_KIND_STR, 0 },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *s = cases[i].s;
		if (yaml_resolve_kind(s, strlen(s)) != cases[i].kind ||
		    yaml_string_needs_quotes(s, strlen(s)) != cases[i].quote) {
			print_error("'%s': kind %d quote %d, want %d %d\n", s,
				    yaml_resolve_kind(s, strlen(s)),
				    yaml_string_needs_quotes(s, strlen(s)),
				    cases[i].kind, cases[i].quote);
			fail();
		}
	}
}

/* Keys resolve like values, then become strings as sigs.k8s.io/yaml makes them. */
static void test_keys(void **state)
{
	(void)state;
	static const struct { const char *yaml; const char *key; } cases[] = {
		{ "on: 1", "true" }, { "off: 1", "false" }, { "y: 1", "true" },
		{ "1: 1", "1" }, { "-5: 1", "-5" }, { "0x10: 1", "16" },
		{ "1.0: 1", "1" }, { "1.5: 1", "1.5" }, { "0.1: 1", "0.1" },
		{ "3.14159265358979: 1", "3.1415927" }, { "1e6: 1", "1e+06" },
		{ "123456789.0: 1", "1.2345679e+08" }, { "18446744073709551616: 1", "1.8446744e+19" },
		{ ".inf: 1", ".inf" }, { "-.inf: 1", "-.inf" }, { ".nan: 1", ".nan" },
		{ "\"on\": 1", "on" }, { "'1': 1", "1" }, { "2001-12-14: 1", "2001-12-14" },
		{ "!!str 1: 1", "1" }, { "!!binary aGk=: 1", "hi" }, { "\"<<\": 1", "<<" },
		{ "? complex\n: 1", "complex" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		json_t *doc = read_ok(cases[i].yaml);
		if (json_object_size(doc) != 1 || !json_object_get(doc, cases[i].key)) {
			char *s = json_dumps(doc, JSON_ENCODE_ANY);
			print_error("'%s' read as %s, want key '%s'\n", cases[i].yaml, s, cases[i].key);
			free(s);
			fail();
		}
		json_decref(doc);
	}
	read_fails("~: 1\n", BERR_INVALID, "t.yaml:1:1: null is not allowed as a mapping key");
	read_fails("a: 1\n!!null '': 2\n", BERR_INVALID, "t.yaml:2:1: null is not allowed");
	read_fails("18446744073709551615: 1\n", BERR_INVALID, "does not fit in 64 bits");
	read_fails("[1, 2]: x\n", BERR_INVALID, "t.yaml:1:1: invalid map key");
	read_fails("? {a: 1}\n: x\n", BERR_INVALID, "t.yaml:1:3: invalid map key");
	read_fails("a: &a [1]\n*a : x\n", BERR_INVALID, "t.yaml:2:1: invalid map key");
}

static void test_duplicate_keys(void **state)
{
	(void)state;
	read_fails("a: 1\nb: 2\na: 3\n", BERR_INVALID, "t.yaml:3:1: duplicate key 'a'");
	read_fails("x:\n  a: 1\n  a: 2\n", BERR_INVALID, "t.yaml:3:3: duplicate key 'a'");
	/* Duplicates after conversion to strings count too. */
	read_fails("1: a\n\"1\": b\n", BERR_INVALID, "t.yaml:2:1: duplicate key '1'");
	read_fails("on: a\ntrue: b\n", BERR_INVALID, "duplicate key 'true'");
	read_fails("{a: 1, a: 2}\n", BERR_INVALID, "t.yaml:1:8: duplicate key 'a'");

	/* Lenient mode: the later value wins, as sigs.k8s.io/yaml's Unmarshal. */
	struct yaml_limits lim = { .duplicate_keys_last_wins = 1 };
	const char *text = "a: 1\nb: {x: 1}\na: 3\nb: {z: 2}\non: 1\ntrue: 2\n";
	json_t *docs = NULL;
	struct berr err = BERR_INIT;
	assert_int_equal(yaml_read_stream(&docs, text, strlen(text), "d", &lim, &err), 0);
	assert_json(docs, "[{\"a\": 3, \"b\": {\"z\": 2}, \"true\": 2}]", text);
	json_decref(docs);
}

/* --- streams ---------------------------------------------------------- */

static void test_streams(void **state)
{
	(void)state;
	static const struct { const char *yaml; const char *json; } cases[] = {
		{ "", "[]" }, { "\n  \n", "[]" }, { "# only a comment\n", "[null]" },
		{ "---\n", "[null]" }, { "a: 1\n", "[{\"a\": 1}]" },
		{ "a: 1\n---\nb: 2\n", "[{\"a\": 1}, {\"b\": 2}]" },
		{ "---\na: 1\n---\n---\nb: 2\n...\n", "[{\"a\": 1}, null, {\"b\": 2}]" },
		{ "a: 1\n---\n# trailing\n", "[{\"a\": 1}, null]" },
		{ "--- 1\n--- two\n--- [3]\n", "[1, \"two\", [3]]" },
		{ "%YAML 1.1\n---\na: 1\n", "[{\"a\": 1}]" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		json_t *docs = NULL;
		struct berr err = BERR_INIT;
		int rc = yaml_read_stream(&docs, cases[i].yaml, strlen(cases[i].yaml), "s.yaml",
					  NULL, &err);
		if (rc) {
			print_error("'%s': %s\n", cases[i].yaml, err.msg);
			fail();
		}
		assert_json(docs, cases[i].json, cases[i].yaml);
		json_decref(docs);
	}

	/* Anchors do not cross documents. */
	read_fails("a: &x 1\n---\nb: *x\n", BERR_INVALID, "t.yaml:3:4: unknown anchor 'x'");

	/* yaml_read wants exactly one document. */
	json_t *doc = NULL;
	struct berr err = BERR_INIT;
	assert_int_equal(yaml_read(&doc, "a: 1\n---\nb: 2\n", 14, "one.yaml", &err), BERR_INVALID);
	assert_null(doc);
	assert_string_equal(err.msg, "one.yaml:2:1: expected a single document but found another");
	assert_int_equal(yaml_read(&doc, "", 0, "one.yaml", &err), 0);
	assert_true(json_is_null(doc));
	json_decref(doc);
	assert_int_equal(yaml_read(&doc, "--- x\n", 6, "one.yaml", &err), 0);
	assert_json(doc, "\"x\"", "--- x");
	json_decref(doc);
}

/* --- anchors, aliases, merge keys -------------------------------------- */

static void test_aliases_and_merges(void **state)
{
	(void)state;
	static const struct { const char *yaml; const char *json; } cases[] = {
		{ "a: &x 1\nb: *x\n", "{\"a\": 1, \"b\": 1}" },
		{ "a: &x yes\nb: *x\n", "{\"a\": true, \"b\": true}" },
		{ "a: &x '1'\nb: *x\n", "{\"a\": \"1\", \"b\": \"1\"}" },
		{ "a: &x {p: [1, 2]}\nb: *x\n", "{\"a\": {\"p\": [1, 2]}, \"b\": {\"p\": [1, 2]}}" },
		{ "a: &x 1\nb: &x 2\nc: *x\n", "{\"a\": 1, \"b\": 2, \"c\": 2}" },
		/* an anchor redefined inside its own node: the outer one wins after */
		{ "a: &x [&x {k: 1}, *x]\nb: *x\n",
		  "{\"a\": [{\"k\": 1}, {\"k\": 1}], \"b\": [{\"k\": 1}, {\"k\": 1}]}" },
		{ "&k key: 1\nother: *k\n", "{\"key\": 1, \"other\": \"key\"}" },
		{ "a: &k on\n*k : 2\n", "{\"a\": true, \"true\": 2}" },
		/* merge a single map; explicit keys win wherever they are */
		{ "base: &b {x: 1, z: 2}\nd:\n  <<: *b\n  z: 3\n",
		  "{\"base\": {\"x\": 1, \"z\": 2}, \"d\": {\"x\": 1, \"z\": 3}}" },
		{ "base: &b {x: 1, z: 2}\nd:\n  z: 3\n  <<: *b\n",
		  "{\"base\": {\"x\": 1, \"z\": 2}, \"d\": {\"x\": 1, \"z\": 3}}" },
		/* a list of maps: earlier maps win */
		{ "p: &p {a: 1, b: 1}\nq: &q {b: 2, c: 2}\nd:\n  <<: [*p, *q]\n  c: 3\n",
		  "{\"p\": {\"a\": 1, \"b\": 1}, \"q\": {\"b\": 2, \"c\": 2},"
		  " \"d\": {\"a\": 1, \"b\": 1, \"c\": 3}}" },
		{ "d:\n  <<: [{a: 1}, {a: 2, b: 2}]\n", "{\"d\": {\"a\": 1, \"b\": 2}}" },
		{ "d:\n  <<: {a: 1}\n", "{\"d\": {\"a\": 1}}" },
		/* a quoted << is an ordinary key */
		{ "d:\n  '<<': {a: 1}\n", "{\"d\": {\"<<\": {\"a\": 1}}}" },
		/* merged values are copies: changing one place leaves the other */
		{ "a: &a {x: {z: 1}}\nb:\n  <<: *a\n", "{\"a\": {\"x\": {\"z\": 1}}, \"b\": {\"x\": {\"z\": 1}}}" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		json_t *doc = read_ok(cases[i].yaml);
		assert_json(doc, cases[i].json, cases[i].yaml);
		json_decref(doc);
	}

	/* Aliased subtrees are independent copies. */
	json_t *doc = read_ok("a: &a {x: 1}\nb: *a\n");
	json_object_set_new(json_object_get(doc, "b"), "x", json_integer(2));
	assert_json(doc, "{\"a\": {\"x\": 1}, \"b\": {\"x\": 2}}", "copy");
	json_decref(doc);

	read_fails("a: *nope\n", BERR_INVALID, "t.yaml:1:4: unknown anchor 'nope' referenced");
	read_fails("a: &a [1, *a]\n", BERR_INVALID, "t.yaml:1:11: anchor 'a' value contains itself");
	read_fails("d:\n  <<: 5\n", BERR_INVALID,
		   "t.yaml:2:7: map merge requires map or sequence of maps as the value");
	read_fails("d:\n  <<: [{a: 1}, 2]\n", BERR_INVALID, "map merge requires map");
	read_fails("a: &s 1\nd:\n  <<: *s\n", BERR_INVALID, "map merge requires map");
}

/* --- errors ----------------------------------------------------------- */

static void test_error_positions(void **state)
{
	(void)state;
	read_fails("a: b: c\n", BERR_INVALID, "t.yaml:1:5: mapping values are not allowed in this context");
	read_fails("a: [1, 2\n", BERR_INVALID,
		   "t.yaml:2:1: did not find expected ',' or ']' (while parsing a flow sequence at 1:4)");
	read_fails("a:\n  - 1\n  b: 2\n", BERR_INVALID, "t.yaml:3:3: did not find expected '-' indicator");
	read_fails("a: 'open\n", BERR_INVALID, "t.yaml:2:1: found unexpected end of stream");
	read_fails("a: \"\\q\"\n", BERR_INVALID, "found unknown escape character");
	read_fails("a:\n\tb: 1\n", BERR_INVALID,
		   "t.yaml:2:1: found character that cannot start any token (while scanning for the next token at 2:1)");
	read_fails("a: 1\n\xff\n", BERR_INVALID, "t.yaml:2:1: invalid leading UTF-8 octet (byte 5)");
	read_fails("a: \xC3\xA9\xC3\xA9\x80\n", BERR_INVALID, "t.yaml:1:6: invalid leading UTF-8 octet (byte 7)");
	read_fails("a: \x01\n", BERR_INVALID, "t.yaml:1:4: control characters are not allowed (byte 3)");
	read_fails("a: \"\\ud800\"\n", BERR_INVALID, "found invalid Unicode character escape code");
	read_fails("a: !!int abc\n", BERR_INVALID, "t.yaml:1:4: cannot decode !!str 'abc' as !!int");
	read_fails("a: !!int 1.5\n", BERR_INVALID, "cannot decode !!float '1.5' as !!int");
	read_fails("a: !!bool 1\n", BERR_INVALID, "cannot decode !!int '1' as !!bool");
	read_fails("a: !!float 18446744073709551615\n", BERR_INVALID, "cannot decode !!int");
	read_fails("a: !!null x\n", BERR_INVALID, "cannot decode !!str 'x' as !!null");
	read_fails("a: !!timestamp 2001-02-30\n", BERR_INVALID, "as !!timestamp");
	read_fails("a: !!binary '#'\n", BERR_INVALID, "t.yaml:1:4: !!binary value contains invalid base64 data");
	read_fails("a: !!binary 'aGk'\n", BERR_INVALID, "invalid base64");
	/* JSON has no infinities or NaN */
	read_fails("a:\n  b: .inf\n", BERR_INVALID, "t.yaml:2:6: '.inf' cannot be represented in JSON");
	read_fails("- -.Inf\n", BERR_INVALID, "'-.Inf' cannot be represented");
	read_fails("- .NAN\n", BERR_INVALID, "'.NAN' cannot be represented");

	/* The name is optional. */
	json_t *doc = NULL;
	struct berr err = BERR_INIT;
	assert_int_equal(yaml_read_stream(&doc, "[", 1, NULL, NULL, &err), BERR_INVALID);
	assert_non_null(strstr(err.msg, "<input>:"));
}

/* --- limits ----------------------------------------------------------- */

static char *nested(size_t depth, int flow)
{
	struct buf b = BUF_INIT;
	for (size_t i = 0; i < depth; i++) {
		if (flow)
			buf_addch(&b, '[');
		else
			buf_addf(&b, "%*sk:\n", (int)(2 * i), "");
	}
	if (flow)
		for (size_t i = 0; i < depth; i++)
			buf_addch(&b, ']');
	else
		buf_addf(&b, "%*sx\n", (int)(2 * depth), "");
	return buf_detach(&b, NULL);
}

static void test_limits_depth(void **state)
{
	(void)state;
	json_t *docs = NULL;
	struct berr err = BERR_INIT;
	for (int flow = 0; flow <= 1; flow++) {
		char *ok200 = nested(200, flow), *ok255 = nested(255, flow);
		char *bad256 = nested(256, flow), *bad = nested(flow ? 100000 : 2000, flow);
		assert_int_equal(yaml_read_stream(&docs, ok200, strlen(ok200), "d", NULL, &err), 0);
		json_decref(docs);
		assert_int_equal(yaml_read_stream(&docs, ok255, strlen(ok255), "d", NULL, &err), 0);
		json_decref(docs);
		assert_int_equal(yaml_read_stream(&docs, bad256, strlen(bad256), "d", NULL, &err),
				 BERR_LIMIT);
		assert_non_null(strstr(err.msg, "nesting deeper than 255 levels"));
		assert_null(docs);
		assert_int_equal(yaml_read_stream(&docs, bad, strlen(bad), "d", NULL, &err), BERR_LIMIT);
		free(ok200);
		free(ok255);
		free(bad256);
		free(bad);
	}
	/* flow: the 256th '[' is column 256 */
	char *bad256 = nested(256, 1);
	assert_int_equal(yaml_read_stream(&docs, bad256, strlen(bad256), "d", NULL, &err), BERR_LIMIT);
	assert_string_equal(err.msg, "d:1:256: nesting deeper than 255 levels");
	free(bad256);

	/* An alias cannot smuggle in extra depth. */
	struct yaml_limits lim = { .max_depth = 5 };
	const char *deep = "a: &a [[[1]]]\nb: [*a]\nc: [[*a]]\n";
	assert_int_equal(yaml_read_stream(&docs, deep, strlen(deep), "d", &lim, &err), BERR_LIMIT);
	assert_string_equal(err.msg, "d:3:6: nesting deeper than 5 levels through alias 'a'");
}

static void test_limits_alias_bomb(void **state)
{
	(void)state;
	/* "billion laughs": 9^9 leaves if expanded */
	const char *bomb =
		"a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n"
		"b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\n"
		"c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\n"
		"d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\n"
		"e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\n"
		"f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]\n"
		"g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]\n"
		"h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]\n"
		"i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]\n";
	json_t *docs = NULL;
	struct berr err = BERR_INIT;
	clock_t t0 = clock();
	assert_int_equal(yaml_read_stream(&docs, bomb, strlen(bomb), "bomb.yaml", NULL, &err),
			 BERR_LIMIT);
	double secs = (double)(clock() - t0) / CLOCKS_PER_SEC;
	assert_null(docs);
	assert_non_null(strstr(err.msg, "bomb.yaml:"));
	assert_non_null(strstr(err.msg, "excessive aliasing"));
	assert_true(secs < 1.0);

	/* With the ratio out of the way, the node cap stops it. */
	struct yaml_limits lim = { .max_nodes = 50000 };
	const char *wide =
		"big: &big [0,1,2,3,4,5,6,7,8,9,0,1,2,3,4,5,6,7,8,9,0,1,2,3,4,5,6,7,8,9]\n"
		"x: [*big,*big,*big,*big,*big,*big,*big,*big,*big,*big]\n";
	/* 31 + 10*31 + a few: under the cap */
	assert_int_equal(yaml_read_stream(&docs, wide, strlen(wide), "w", &lim, &err), 0);
	json_decref(docs);
	lim.max_nodes = 200;
	assert_int_equal(yaml_read_stream(&docs, wide, strlen(wide), "w", &lim, &err), BERR_LIMIT);
	assert_non_null(strstr(err.msg, "more than 200 nodes after alias expansion"));
	/* and plain nodes count as well */
	lim.max_nodes = 10;
	assert_int_equal(yaml_read_stream(&docs, wide, strlen(wide), "w", &lim, &err), BERR_LIMIT);
	assert_string_equal(err.msg, "w:1:26: document has more than 10 nodes");
}

static void test_limits_size(void **state)
{
	(void)state;
	json_t *docs = NULL;
	struct berr err = BERR_INIT;
	struct yaml_limits lim = { .max_bytes = 10 };
	assert_int_equal(yaml_read_stream(&docs, "a: 1234567890\n", 14, "big.yaml", &lim, &err),
			 BERR_LIMIT);
	assert_string_equal(err.msg, "big.yaml: input of 14 bytes is larger than the limit of 10");
	assert_int_equal(yaml_read_stream(&docs, "a: 1234\n", 8, "ok.yaml", &lim, &err), 0);
	json_decref(docs);
	assert_int_equal(yaml_default_limits.max_depth, 255);
	assert_int_equal(yaml_default_limits.max_bytes, 64u << 20);
}

/* --- writer ----------------------------------------------------------- */

struct write_case {
	const char *json;
	const char *yaml;
};

static const struct write_case write_cases[] = {
	{ "{\"v\": \"hi\"}", "v: hi\n" },
	{ "{\"v\": \"true\"}", "v: \"true\"\n" },
	{ "{\"v\": \"yes\"}", "v: \"yes\"\n" },
	{ "{\"v\": \"on\"}", "v: \"on\"\n" },
	{ "{\"v\": \"Y\"}", "v: \"Y\"\n" },
	{ "{\"v\": \"null\"}", "v: \"null\"\n" },
	{ "{\"v\": \"~\"}", "v: \"~\"\n" },
	{ "{\"v\": \"\"}", "v: \"\"\n" },
	{ "{\"v\": \"123\"}", "v: \"123\"\n" },
	{ "{\"v\": \"1.5\"}", "v: \"1.5\"\n" },
	{ "{\"v\": \"1e3\"}", "v: \"1e3\"\n" },
	{ "{\"v\": \"0x1F\"}", "v: \"0x1F\"\n" },
	{ "{\"v\": \"1_000\"}", "v: \"1_000\"\n" },
	{ "{\"v\": \".inf\"}", "v: \".inf\"\n" },
	{ "{\"v\": \"1:30\"}", "v: \"1:30\"\n" },
	{ "{\"v\": \"2015-02-24T18:19:39Z\"}", "v: \"2015-02-24T18:19:39Z\"\n" },
	{ "{\"v\": \"2015-02-24\"}", "v: \"2015-02-24\"\n" },
	{ "{\"v\": \"2015-02-30\"}", "v: 2015-02-30\n" },
	{ "{\"v\": \"<<\"}", "v: <<\n" },
	{ "{\"v\": \"-\"}", "v: '-'\n" },
	{ "{\"v\": \"- x\"}", "v: '- x'\n" },
	{ "{\"v\": \"b: c\"}", "v: 'b: c'\n" },
	{ "{\"v\": \"b:c\"}", "v: b:c\n" },
	{ "{\"v\": \"Hello #comment\"}", "v: 'Hello #comment'\n" },
	{ "{\"v\": \"a#b\"}", "v: a#b\n" },
	{ "{\"v\": \"*ref\"}", "v: '*ref'\n" },
	{ "{\"v\": \"{x}\"}", "v: '{x}'\n" },
	{ "{\"v\": \" lead\"}", "v: ' lead'\n" },
	{ "{\"v\": \"trail \"}", "v: 'trail '\n" },
	{ "{\"v\": \"it's\"}", "v: it's\n" },
	{ "{\"v\": \"'q'\"}", "v: '''q'''\n" },
	{ "{\"v\": \"tab\\there\"}", "v: \"tab\\there\"\n" },
	{ "{\"v\": \"nul\\u0000\"}", "v: \"nul\\0\"\n" },
	{ "{\"v\": \"\\u00e9t\\u00e9\"}", "v: \xC3\xA9t\xC3\xA9\n" },
	{ "{\"v\": \"\\u4f60\\u597d\"}", "v: \xE4\xBD\xA0\xE5\xA5\xBD\n" },
	{ "{\"v\": \"\\ud83d\\ude00\"}", "v: \"\\U0001F600\"\n" },
	{ "{\"v\": \"a\\nb\"}", "v: |-\n  a\n  b\n" },
	{ "{\"v\": \"a\\nb\\n\"}", "v: |\n  a\n  b\n" },
	{ "{\"v\": \"a\\n\\n\"}", "v: |+\n  a\n\n" },
	{ "{\"v\": \"  a\\nb\"}", "v: |2-\n    a\n  b\n" },
	{ "{\"v\": \"a \\nb\"}", "v: \"a \\nb\"\n" },
	{ "{\"v\": [\"A\", \"B\\nC\"]}", "v:\n- A\n- |-\n  B\n  C\n" },
	{ "{\"v\": 10}", "v: 10\n" },
	{ "{\"v\": -10}", "v: -10\n" },
	{ "{\"v\": 0.1}", "v: 0.1\n" },
	{ "{\"v\": -0.1}", "v: -0.1\n" },
	{ "{\"v\": 3.0}", "v: 3\n" },
	{ "{\"v\": 0.5}", "v: 0.5\n" },
	{ "{\"v\": 100000.0}", "v: 100000\n" },
	{ "{\"v\": 1000000.0}", "v: 1e+06\n" },
	{ "{\"v\": 1234567.0}", "v: 1.234567e+06\n" },
	{ "{\"v\": 1.5e-7}", "v: 1.5e-07\n" },
	{ "{\"v\": 0.0001}", "v: 0.0001\n" },
	{ "{\"v\": 0.00001}", "v: 1e-05\n" },
	{ "{\"v\": 1e21}", "v: 1e+21\n" },
	{ "{\"v\": 1e100}", "v: 1e+100\n" },
	{ "{\"v\": 0.1e-300}", "v: 1e-301\n" },
	{ "{\"v\": 3.141592653589793}", "v: 3.141592653589793\n" },
	{ "{\"v\": 0.30000000000000004}", "v: 0.30000000000000004\n" },
	{ "{\"v\": 0.0}", "v: 0\n" },
	{ "{\"v\": true, \"w\": false, \"x\": null}", "v: true\nw: false\nx: null\n" },
	{ "{\"a\": {\"b\": \"c\"}}", "a:\n  b: c\n" },
	{ "{\"a\": {}, \"b\": [], \"c\": [{}]}", "a: {}\nb: []\nc:\n- {}\n" },
	{ "{}", "{}\n" },
	{ "[]", "[]\n" },
	{ "null", "null\n" },
	{ "\"plain\"", "plain\n" },
	{ "\"true\"", "\"true\"\n" },
	{ "\"x\\n\"", "|\n  x\n" },
	{ "\"x\\n\\n\"", "|+\n  x\n\n" },
	{ "12", "12\n" },
	{ "[1, [2, 3], {\"a\": 1, \"b\": [4]}]", "- 1\n- - 2\n  - 3\n- a: 1\n  b:\n  - 4\n" },
	{ "{\"items\": [{\"b\": 2, \"a\": 1}, {\"c\": 3}]}", "items:\n- a: 1\n  b: 2\n- c: 3\n" },
	{ "{\"on\": 1, \"1\": 2, \"\": 3}", "\"\": 3\n\"1\": 2\n\"on\": 1\n" },
	{ "{\"k\": \"abcdefghijklmnopqrstuvwxyz ABCDEFGHIJKLMNOPQRSTUVWXYZ 0123456789 abcdefghijklmnopqrstuvwxyz ABCDEFGHIJKLMNOPQRSTUVWXYZ 0123456789 \"}",
	  "k: 'abcdefghijklmnopqrstuvwxyz ABCDEFGHIJKLMNOPQRSTUVWXYZ 0123456789 abcdefghijklmnopqrstuvwxyz\n"
	  "  ABCDEFGHIJKLMNOPQRSTUVWXYZ 0123456789 '\n" },
	{ "{\"k\": \"the quick brown fox jumps over the lazy dog and keeps running past the end of the line\"}",
	  "k: the quick brown fox jumps over the lazy dog and keeps running past the end of the\n"
	  "  line\n" },
	{ "{\"k\": \"no-spaces-at-all-so-nothing-can-be-folded-even-though-this-line-is-longer-than-eighty\"}",
	  "k: no-spaces-at-all-so-nothing-can-be-folded-even-though-this-line-is-longer-than-eighty\n" },
	{ "{\"k\": \"quoted \\\"because\\\" of a tab\\t and long enough to be folded after the eightieth column, once\"}",
	  "k: \"quoted \\\"because\\\" of a tab\\t and long enough to be folded after the eightieth\n"
	  "  column, once\"\n" },
};

static void test_writer_golden(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(write_cases) / sizeof(write_cases[0]); i++) {
		json_error_t jerr;
		json_t *doc = json_loads(write_cases[i].json, JSON_DECODE_ANY | JSON_ALLOW_NUL, &jerr);
		if (!doc) {
			print_error("bad JSON in case %zu: %s\n", i, jerr.text);
			fail();
		}
		char *got = write_str(doc);
		if (strcmp(got, write_cases[i].yaml)) {
			print_error("%s:\n--- got\n%s--- want\n%s---\n", write_cases[i].json, got,
				    write_cases[i].yaml);
			fail();
		}
		free(got);
		json_decref(doc);
	}
}

static void test_writer_binary_and_long_keys(void **state)
{
	(void)state;
	json_t *doc = json_object();
	json_object_set_new(doc, "a", json_stringn_nocheck("\x80\x81\x82", 3));
	char *got = write_str(doc);
	assert_string_equal(got, "a: !!binary gIGC\n");
	free(got);

	/* 54 bytes of 0x90: 72 base64 characters, two lines */
	char raw[54];
	memset(raw, 0x90, sizeof(raw));
	json_object_set_new(doc, "a", json_stringn_nocheck(raw, sizeof(raw)));
	got = write_str(doc);
	struct buf want = BUF_INIT;
	buf_adds(&want, "a: !!binary |\n  ");
	for (int i = 0; i < 17; i++)
		buf_adds(&want, "kJCQ");
	buf_adds(&want, "kJ\n  CQ\n");
	assert_string_equal(got, want.data);
	buf_release(&want);
	free(got);
	json_decref(doc);

	/* A key longer than 128 characters is written as a complex key. */
	char key[131];
	memset(key, 'k', 130);
	key[130] = '\0';
	doc = json_pack("{s:i}", key, 1);
	got = write_str(doc);
	struct buf w = BUF_INIT;
	buf_addf(&w, "? %s\n: 1\n", key);
	assert_string_equal(got, w.data);
	buf_release(&w);
	free(got);
	json_decref(doc);
}

/* Reals as helm's toYaml prints them, after Go's JSON round trip. */
static void test_writer_json_numbers(void **state)
{
	(void)state;
	static const struct { double f; const char *yaml; } cases[] = {
		{ 1000000.0, "1000000\n" }, { 3.0, "3\n" }, { -0.0, "0\n" },
		{ 0.5, "0.5\n" }, { 1.5e-7, "1.5e-07\n" }, { 123456789.5, "1.234567895e+08\n" },
		{ -9223372036854775808.0, "-9223372036854775808\n" },
		{ 9223372036854775808.0, "9223372036854775808\n" },
		{ 1e19, "10000000000000000000\n" }, { 1e20, "1e+20\n" }, { 1e21, "1e+21\n" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		json_t *v = json_real(cases[i].f);
		struct buf out = BUF_INIT;
		yaml_write_flags(&out, v, YAML_WRITE_JSON_NUMBERS);
		if (strcmp(out.data, cases[i].yaml)) {
			print_error("%.17g: got '%s', want '%s'\n", cases[i].f, out.data, cases[i].yaml);
			fail();
		}
		buf_release(&out);
		json_decref(v);
	}
	json_t *doc = json_pack("{s:f,s:i}", "a", 2000000.0, "b", 7);
	struct buf out = BUF_INIT;
	yaml_write(&out, doc);
	assert_string_equal(out.data, "a: 2e+06\nb: 7\n");
	buf_reset(&out);
	yaml_write_flags(&out, doc, YAML_WRITE_JSON_NUMBERS);
	assert_string_equal(out.data, "a: 2000000\nb: 7\n");
	buf_release(&out);
	json_decref(doc);
}

/* go-yaml's key order: digit runs compare as numbers, letters sort last. */
static void test_writer_key_order(void **state)
{
	(void)state;
	static const char *order[] = {
		"", ".1", ".2", ".a", "1", "2", "a!10", "a/0001", "a/002", "a/3", "a/10",
		"a/11", "a/0012", "a/100", "a~10", "ab/1", "b/1", "b/01", "b/2", "b/02",
		"b/3", "b/03", "b1", "b01", "b3", "c2.10", "c10.2", "d1", "d7", "d7abc",
		"d12", "d12a", "e", "\xC3\xA9",
	};
	size_t n = sizeof(order) / sizeof(order[0]);
	json_t *doc = json_object();
	for (size_t i = n; i-- > 0;)
		json_object_set_new(doc, order[i], json_integer((json_int_t)i));
	char *got = write_str(doc);
	const char *p = got;
	for (size_t i = 0; i < n; i++) {
		/* each line is "<key>: <i>" with the key possibly quoted */
		char tail[32];
		snprintf(tail, sizeof(tail), ": %zu\n", i);
		const char *hit = strstr(p, tail);
		if (!hit) {
			print_error("key '%s' out of order in:\n%s\n", order[i], got);
			fail();
		}
		p = hit + strlen(tail);
	}
	free(got);
	json_decref(doc);

	/* Upper case letters come before lower case ones; '_' before letters. */
	doc = json_pack("{s:i,s:i,s:i,s:i}", "b", 1, "B", 2, "_x", 3, "a", 4);
	got = write_str(doc);
	assert_string_equal(got, "_x: 3\nB: 2\na: 4\nb: 1\n");
	free(got);
	json_decref(doc);
}

/* --- round trip ------------------------------------------------------- */

static void test_round_trip(void **state)
{
	(void)state;
	const char *text =
		"apiVersion: apps/v1\n"
		"kind: Deployment\n"
		"metadata:\n"
		"  name: web\n"
		"  labels: {app: web, tier: \"1\", enabled: \"true\"}\n"
		"  annotations:\n"
		"    note: |\n"
		"      first line\n"
		"      second line\n"
		"    empty: ''\n"
		"spec:\n"
		"  replicas: 3\n"
		"  ratio: 0.25\n"
		"  big: 1e+21\n"
		"  when: '2024-01-02'\n"
		"  on: yes\n"
		"  list: [a, 'b c', \"#x\", -1, ~, {}, []]\n"
		"  template:\n"
		"    spec:\n"
		"      containers:\n"
		"      - name: app\n"
		"        image: nginx:1.25\n"
		"        args: [\"--port=80\", \"it's\", \"tab\\tx\", \"\\u00e9\", \"\\U0001F600\"]\n"
		"        ports:\n"
		"        - containerPort: 80\n";
	json_t *a = read_ok(text);
	char *out = write_str(a);
	json_t *b = read_ok(out);
	if (!json_equal(a, b)) {
		print_error("round trip changed the document; written as:\n%s\n", out);
		fail();
	}
	/* writing again gives the same bytes */
	char *out2 = write_str(b);
	assert_string_equal(out, out2);
	free(out);
	free(out2);
	json_decref(a);
	json_decref(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_resolve_table),
		cmocka_unit_test(test_resolve_kind),
		cmocka_unit_test(test_keys),
		cmocka_unit_test(test_duplicate_keys),
		cmocka_unit_test(test_streams),
		cmocka_unit_test(test_aliases_and_merges),
		cmocka_unit_test(test_error_positions),
		cmocka_unit_test(test_limits_depth),
		cmocka_unit_test(test_limits_alias_bomb),
		cmocka_unit_test(test_limits_size),
		cmocka_unit_test(test_writer_golden),
		cmocka_unit_test(test_writer_binary_and_long_keys),
		cmocka_unit_test(test_writer_json_numbers),
		cmocka_unit_test(test_writer_key_order),
		cmocka_unit_test(test_round_trip),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
