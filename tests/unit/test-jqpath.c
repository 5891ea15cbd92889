/*
 * Unit tests for controller/jqpath: the jq path expressions Argo CD users
 * write in ignoreDifferences.jqPathExpressions give gojq's del(EXPR) answer
 * (each case was checked with gojq 0.12.11), what is outside the subset is
 * refused with a message naming the expression and the construct, runtime
 * errors leave the document alone and limits stop what would blow up. Then
 * ignore_apply() and ignore_check() with jq rules.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "controller/ignore.h"
#include "controller/jqpath.h"
#include "doc.h"

static json_t *parse(const char *text)
{
	json_t *doc;
	struct berr err = BERR_INIT;
	if (doc_parse_json(&doc, text, strlen(text), NULL, "t.json", &err) < 0)
		fail_msg("parse failed: %s: %s", err.msg, text);
	return doc;
}

/* del(expr) on doc gives want (both JSON texts). */
static void check_delete(const char *expr, const char *doc_text, const char *want_text)
{
	struct jqpath *p = NULL;
	struct berr err = BERR_INIT;
	if (jqpath_compile(&p, expr, &err) < 0)
		fail_msg("'%s' did not compile: %s", expr, err.msg);
	json_t *doc = parse(doc_text), *want = parse(want_text);
	if (jqpath_delete(p, doc, &err) < 0)
		fail_msg("'%s' failed: %s", expr, err.msg);
	if (!json_equal(doc, want)) {
		char *got = json_dumps(doc, JSON_COMPACT | JSON_SORT_KEYS);
		fail_msg("del(%s) of %s\n  got  %s\n  want %s", expr, doc_text, got, want_text);
	}
	json_decref(doc);
	json_decref(want);
	jqpath_free(p);
}

/* path(expr) on doc gives the paths of want (a JSON array). */
static void check_paths(const char *expr, const char *doc_text, const char *want_text)
{
	struct jqpath *p = NULL;
	struct berr err = BERR_INIT;
	json_t *paths = NULL;
	if (jqpath_compile(&p, expr, &err) < 0)
		fail_msg("'%s' did not compile: %s", expr, err.msg);
	json_t *doc = parse(doc_text), *want = parse(want_text);
	if (jqpath_paths(&paths, p, doc, &err) < 0)
		fail_msg("'%s' failed: %s", expr, err.msg);
	if (!json_equal(paths, want)) {
		char *got = json_dumps(paths, JSON_COMPACT);
		fail_msg("path(%s)\n  got  %s\n  want %s", expr, got, want_text);
	}
	json_decref(paths);
	json_decref(doc);
	json_decref(want);
	jqpath_free(p);
}

static void check_refused(const char *expr, const char *want_msg)
{
	struct jqpath *p = NULL;
	struct berr err = BERR_INIT;
	int rc = jqpath_compile(&p, expr, &err);
	if (rc == 0)
		fail_msg("'%s' compiled; it should not", expr);
	assert_null(p);
	if (!strstr(err.msg, want_msg))
		fail_msg("'%s': message '%s' lacks '%s'", expr, err.msg, want_msg);
	if (strlen(expr) < 100 && !strstr(err.msg, expr))
		fail_msg("'%s': message '%s' does not name the expression", expr, err.msg);
}

#define DEPLOY "{\"spec\":{\"replicas\":3,\"template\":{\"metadata\":{\"annotations\":" \
	"{\"linkerd.io/proxy-version\":\"v2\",\"keep\":\"1\"}},\"spec\":{\"initContainers\":" \
	"[{\"name\":\"init\"}],\"containers\":[{\"name\":\"app\",\"image\":\"app:1\"}," \
	"{\"name\":\"linkerd-proxy\",\"image\":\"proxy:2\"},{\"name\":\"istio-proxy\"," \
	"\"image\":\"istio:3\"}]}}}}"

static void test_simple_paths(void **state)
{
	(void)state;
	check_delete(".spec.replicas", "{\"spec\":{\"replicas\":3,\"x\":1}}", "{\"spec\":{\"x\":1}}");
	check_delete(".spec.missing", "{\"spec\":{\"x\":1}}", "{\"spec\":{\"x\":1}}");
	/* gojq's delpaths leaves an empty container where it met a null */
	check_delete(".a.b.c", "{\"a\":null}", "{\"a\":{}}");
	check_delete(".a[0]", "{\"a\":null}", "{\"a\":[]}");
	check_delete(".x.y", "{\"a\":null}", "{\"a\":null}");
	check_delete(".metadata.annotations[\"a.b/c\"]",
		     "{\"metadata\":{\"annotations\":{\"a.b/c\":\"x\",\"d\":\"y\"}}}",
		     "{\"metadata\":{\"annotations\":{\"d\":\"y\"}}}");
	check_delete(".metadata.\"a.b/c\"", "{\"metadata\":{\"a.b/c\":1,\"k\":2}}",
		     "{\"metadata\":{\"k\":2}}");
	check_delete(".a[0]", "{\"a\":[1,2,3]}", "{\"a\":[2,3]}");
	check_delete(".a[-1]", "{\"a\":[1,2,3]}", "{\"a\":[1,2]}");
	check_delete(".a[7]", "{\"a\":[1,2,3]}", "{\"a\":[1,2,3]}");
	check_delete(".a[]", "{\"a\":[1,2,3],\"b\":1}", "{\"a\":[],\"b\":1}");
	check_delete(".data[]", "{\"data\":{\"x\":1,\"y\":2}}", "{\"data\":{}}");
	check_delete(".webhooks[]?.clientConfig.caBundle",
		     "{\"webhooks\":[{\"clientConfig\":{\"caBundle\":\"Q0E=\",\"url\":\"u\"}},"
		     "{\"clientConfig\":{\"caBundle\":\"Q0I=\"}}]}",
		     "{\"webhooks\":[{\"clientConfig\":{\"url\":\"u\"}},{\"clientConfig\":{}}]}");
	/* no webhooks at all: [] errors, []? yields nothing */
	check_delete(".webhooks[]?.clientConfig.caBundle", "{\"kind\":\"X\"}", "{\"kind\":\"X\"}");
	check_delete(".spec.volumeClaimTemplates[]?.status",
		     "{\"spec\":{\"volumeClaimTemplates\":[{\"status\":{\"phase\":\"Pending\"},"
		     "\"spec\":1}]}}", "{\"spec\":{\"volumeClaimTemplates\":[{\"spec\":1}]}}");
	check_delete(".status", "{\"status\":{},\"spec\":1}", "{\"spec\":1}");
	check_delete(".a.[0]", "{\"a\":[1,2]}", "{\"a\":[2]}");
	check_delete(".", "{\"a\":1}", "{}");
	check_paths(".a[]?.b", "{\"a\":[{\"b\":1},{\"c\":2}]}", "[[\"a\",0,\"b\"],[\"a\",1,\"b\"]]");
	check_paths(".a.b?", "{\"a\":\"str\"}", "[]");
	check_paths(".a[]?", "{\"a\":5}", "[]");
}

static void test_select(void **state)
{
	(void)state;
	check_delete(".spec.template.spec.containers[] | select(.name == \"app\") | .image", DEPLOY,
		     "{\"spec\":{\"replicas\":3,\"template\":{\"metadata\":{\"annotations\":"
		     "{\"linkerd.io/proxy-version\":\"v2\",\"keep\":\"1\"}},\"spec\":{\"initContainers\":"
		     "[{\"name\":\"init\"}],\"containers\":[{\"name\":\"app\"},"
		     "{\"name\":\"linkerd-proxy\",\"image\":\"proxy:2\"},{\"name\":\"istio-proxy\","
		     "\"image\":\"istio:3\"}]}}}}");
	/* whole elements, from the highest index down */
	check_delete(".spec.template.spec.containers[] | select(.name == \"linkerd-proxy\" or "
		     ".name == \"istio-proxy\")", DEPLOY,
		     "{\"spec\":{\"replicas\":3,\"template\":{\"metadata\":{\"annotations\":"
		     "{\"linkerd.io/proxy-version\":\"v2\",\"keep\":\"1\"}},\"spec\":{\"initContainers\":"
		     "[{\"name\":\"init\"}],\"containers\":[{\"name\":\"app\",\"image\":\"app:1\"}]}}}}");
	check_paths(".spec.template.spec.containers[] | select(.name | startswith(\"istio-\"))",
		    DEPLOY, "[[\"spec\",\"template\",\"spec\",\"containers\",2]]");
	check_paths(".spec.template.spec.containers[] | select(.name | endswith(\"-proxy\")) "
		    "| .image", DEPLOY,
		    "[[\"spec\",\"template\",\"spec\",\"containers\",1,\"image\"],"
		    "[\"spec\",\"template\",\"spec\",\"containers\",2,\"image\"]]");
	check_paths(".spec.template.spec.containers[] | select(.name | test(\"^LINK\"; \"i\"))",
		    DEPLOY, "[[\"spec\",\"template\",\"spec\",\"containers\",1]]");
	check_paths(".spec.template.spec.containers[] | select(.image | contains(\"proxy\"))",
		    DEPLOY, "[[\"spec\",\"template\",\"spec\",\"containers\",1]]");
	check_paths(".spec.template.spec.containers[] | select(.name != \"app\" and "
		    "(.image | test(\"istio\") | not))", DEPLOY,
		    "[[\"spec\",\"template\",\"spec\",\"containers\",1]]");
	check_paths(".spec.ports[] | select(.nodePort != null) | .nodePort",
		    "{\"spec\":{\"ports\":[{\"port\":80,\"nodePort\":30080},{\"port\":443}]}}",
		    "[[\"spec\",\"ports\",0,\"nodePort\"]]");
	check_paths(".spec.ports[] | select(.port >= 443)",
		    "{\"spec\":{\"ports\":[{\"port\":80},{\"port\":443},{\"port\":8443.0}]}}",
		    "[[\"spec\",\"ports\",1],[\"spec\",\"ports\",2]]");
	check_paths(".items[] | select(has(\"x\"))", "{\"items\":[{\"x\":null},{\"y\":1}]}",
		    "[[\"items\",0]]");
	check_paths(".items[] | select(.n == 1)", "{\"items\":[{\"n\":1.0},{\"n\":\"1\"}]}",
		    "[[\"items\",0]]");
	check_paths(".items[] | select(.enabled)", "{\"items\":[{\"enabled\":true},{\"enabled\":false},"
		    "{\"enabled\":null},{}]}", "[[\"items\",0]]");
	check_paths(".items[] | select(.tags == \"a\" or .tags == null)",
		    "{\"items\":[{\"tags\":null},{\"tags\":\"b\"}]}", "[[\"items\",0]]");
}

static void test_comma_and_recurse(void **state)
{
	(void)state;
	check_delete(".data[\"SECRET_KEY\"], .data[\"ACCESS_KEY\"], .stringData[\"SECRET_KEY\"]",
		     "{\"data\":{\"SECRET_KEY\":\"a\",\"ACCESS_KEY\":\"b\",\"OTHER\":\"c\"}}",
		     "{\"data\":{\"OTHER\":\"c\"}}");
	check_delete(".a[0], .a[1]", "{\"a\":[1,2,3]}", "{\"a\":[3]}");
	check_delete(".a[0], .a[0]", "{\"a\":[1,2,3]}", "{\"a\":[2,3]}");
	check_delete("(.a, .b) | .c", "{\"a\":{\"c\":1,\"d\":2},\"b\":{\"c\":3}}",
		     "{\"a\":{\"d\":2},\"b\":{}}");
	check_delete(".. | .caBundle?", "{\"w\":[{\"caBundle\":\"x\",\"k\":[{\"caBundle\":1}]}],"
		     "\"s\":\"t\"}", "{\"w\":[{\"k\":[{}]}],\"s\":\"t\"}");
	check_paths("(.a | .b)?", "{\"a\":[1]}", "[]");
}

static void test_refused(void **state)
{
	(void)state;
	check_refused("", "empty expression");
	check_refused("spec.replicas", "'spec/0' is not supported");
	check_refused(".spec.replicas = 1", "unexpected");
	check_refused(".a |= 1", "unexpected '|='");
	check_refused(".a += 1", "assignments are not path expressions");
	check_refused(".a | length", "not a path expression: length gives values");
	check_refused(".a | map(.b)", "not a path expression: map gives values");
	check_refused(".metadata.labels | with_entries(select(.key == \"a\"))",
		      "with_entries gives values");
	check_refused("{a: .b}", "{...} gives values");
	check_refused(".a as $x | $x", "$x gives values");
	check_refused("last(.a[])", "last gives values");
	check_refused("del(.a)", "'del/1' is not supported");
	check_refused(".a | keys_unsorted", "'keys_unsorted/0' is not supported");
	check_refused(".a | select(test(\"a\"; \"b\"; \"c\"))", "at most 2 arguments");
	check_refused(".a | select(startswith)", "'startswith/0' takes another number");
	check_refused("reduce .a[] as $x (0; . + $x)", "'reduce' is not supported");
	check_refused(". as [$a] | .b", "destructuring is not supported");
	check_refused(".a | select(. == \"\\(.b)\")", "string interpolation");
	check_refused(".a # note", "comments are not supported");
	check_refused(".a ?// .b", "'?//' is not supported");
	check_refused(".a | select(. == $__loc__)", "variable '$__loc__' is not defined");
	check_refused(".a | select(.b == $x) | .c as $x | .d", "variable '$x' is not defined");
	check_refused(".a[:]", "a slice needs a start or an end");
	check_refused(".a[", "unexpected end of expression");
	check_refused(".a[\"x\"", "expected ']'");
	check_refused("select(.a == 1", "expected ')'");
	check_refused("if .a then .b", "expected 'end'");
	check_refused("if .a .b end", "expected 'then'");
	check_refused("{a: 1", "expected ',' or '}'");
	check_refused(".a == 1", "not a path expression");
	check_refused("\"literal\"", "not a path expression");
	check_refused(".a | select(.b) | 1", "not a path expression");
	check_refused(".a == 1 == 2", "do not chain");
	check_refused(".a | test(\"(\")", "bad regular expression");
	check_refused(".a | select(test(\"x\"; \"q\"))", "unknown regex flag");
	check_refused(".\"unterminated", "unterminated string");
	check_refused(".a[\"\\q\"]", "bad escape");
	check_refused(".a $x", "unexpected text");
	check_refused(".a | @base64", "unexpected '@'");
	check_refused(".spec.\"\xff\"", "not valid UTF-8");
	check_refused(".a | select(contains(\"\xc3(\"))", "not valid UTF-8");
	check_paths(".\"caf\xc3\xa9\"", "{\"caf\xc3\xa9\":1}", "[[\"caf\xc3\xa9\"]]");
	check_refused(".a | select(.b == 1e999)", "out of range");

	/* limits */
	struct jqpath *p = NULL;
	struct berr err = BERR_INIT;
	struct buf b = BUF_INIT;
	for (int i = 0; i < 40; i++)
		buf_addch(&b, '(');
	buf_adds(&b, ".a");
	for (int i = 0; i < 40; i++)
		buf_addch(&b, ')');
	assert_int_equal(jqpath_compile(&p, b.data, &err), BERR_LIMIT);
	assert_non_null(strstr(err.msg, "nested"));
	buf_reset(&b);
	for (int i = 0; i < 600; i++)
		buf_adds(&b, i ? ", .a" : ".a");
	assert_int_equal(jqpath_compile(&p, b.data, &err), BERR_LIMIT);
	buf_reset(&b);
	for (int i = 0; i < JQPATH_MAX_LEN; i++)
		buf_addch(&b, ' ');
	buf_adds(&b, ".a");
	assert_int_equal(jqpath_compile(&p, b.data, &err), BERR_LIMIT);
	assert_non_null(strstr(err.msg, "longer than"));
	buf_release(&b);
}

/* The forms beyond plain paths; t4003 holds many more against gojq itself. */
static void test_path_forms(void **state)
{
	(void)state;
	check_delete(".a[1:3]", "{\"a\":[1,2,3,4,5]}", "{\"a\":[1,4,5]}");
	check_delete(".a[:-1]", "{\"a\":[1,2,3]}", "{\"a\":[3]}");
	check_delete(".a[-2:]", "{\"a\":[1,2,3]}", "{\"a\":[1]}");
	/* one expression's paths never shift each other (gojq's delpaths) */
	check_delete(".a[1:3], .a[4]", "{\"a\":[1,2,3,4,5]}", "{\"a\":[1,4]}");
	check_delete(".a[1:3][0]", "{\"a\":[1,2,3,4,5]}", "{\"a\":[1,3,4,5]}");
	check_delete(".a[1:4][1:2]", "{\"a\":[1,2,3,4,5]}", "{\"a\":[1,2,4,5]}");
	check_paths(".a[1:]", "{\"a\":[1,2]}", "[[\"a\",{\"start\":1,\"end\":null}]]");
	check_paths(".a[-1]", "{\"a\":[1,2]}", "[[\"a\",-1]]");
	check_delete(".a[.n]", "{\"a\":[1,2,3],\"n\":1}", "{\"a\":[1,3],\"n\":1}");
	check_delete(".x // .b", "{\"b\":1,\"c\":2}", "{\"c\":2}");
	check_delete(".b // .x", "{\"b\":1,\"c\":2}", "{\"c\":2}");
	check_delete(".a[] | .x // empty", "{\"a\":[{\"x\":1},{\"x\":false},{}]}",
		     "{\"a\":[{},{\"x\":false},{}]}");
	check_delete("if .kind == \"Service\" then .spec.clusterIP else .spec end",
		     "{\"kind\":\"Service\",\"spec\":{\"clusterIP\":\"10.0.0.1\",\"t\":1}}",
		     "{\"kind\":\"Service\",\"spec\":{\"t\":1}}");
	check_delete("if .a then .b elif .c then .d end", "{\"c\":1,\"d\":2}", "{\"c\":1}");
	check_delete(".metadata.name as $n | .spec.containers[] | select(.name == $n) | .image",
		     "{\"metadata\":{\"name\":\"web\"},\"spec\":{\"containers\":["
		     "{\"name\":\"web\",\"image\":\"w\"},{\"name\":\"side\",\"image\":\"s\"}]}}",
		     "{\"metadata\":{\"name\":\"web\"},\"spec\":{\"containers\":["
		     "{\"name\":\"web\"},{\"name\":\"side\",\"image\":\"s\"}]}}");
	check_delete("first(.a[] | select(. > 1))", "{\"a\":[1,2,3]}", "{\"a\":[1,3]}");
	check_delete("limit(2; .a[])", "{\"a\":[1,2,3]}", "{\"a\":[3]}");
	/* first() stops before the error a later value would raise */
	check_delete("first(.a[0], .a.b)", "{\"a\":[1]}", "{\"a\":[]}");
	check_delete(".a | first, last", "{\"a\":[1,2,3]}", "{\"a\":[2]}");
	check_delete("getpath([\"a\",\"b.c\"])", "{\"a\":{\"b.c\":1,\"d\":2}}",
		     "{\"a\":{\"d\":2}}");
	check_delete("getpath(paths(type == \"number\"))", "{\"a\":[1,\"x\"],\"b\":{\"c\":2}}",
		     "{\"a\":[\"x\"],\"b\":{}}");
	check_delete("recurse(.children[]?) | .status", "{\"status\":1,\"children\":["
		     "{\"status\":2,\"children\":[{\"status\":3}]}]}",
		     "{\"children\":[{\"children\":[{}]}]}");
	check_delete(".. | strings | select(startswith(\"tmp-\"))",
		     "{\"a\":[\"tmp-1\",\"keep\"],\"b\":\"tmp-2\"}", "{\"a\":[\"keep\"]}");
	check_delete(".a | try .b catch empty", "{\"a\":\"s\"}", "{\"a\":\"s\"}");
	check_delete(".a[] | empty", "{\"a\":[1]}", "{\"a\":[1]}");
	check_delete(".items[] | select(.tags | any(. == \"x\"))",
		     "{\"items\":[{\"tags\":[\"x\"]},{\"tags\":[\"y\"]}]}",
		     "{\"items\":[{\"tags\":[\"y\"]}]}");
	check_delete(".items[] | select(.name | ascii_downcase | ltrimstr(\"x-\") | . == \"a\")",
		     "{\"items\":[{\"name\":\"X-A\"},{\"name\":\"b\"}]}",
		     "{\"items\":[{\"name\":\"b\"}]}");
	check_delete(".items[] | select(.labels | to_entries | map(.key) | join(\",\") == \"a,b\")",
		     "{\"items\":[{\"labels\":{\"b\":1,\"a\":2}},{\"labels\":{}}]}",
		     "{\"items\":[{\"labels\":{}}]}");
	check_delete(".items[] | select((.n + 1) * 2 == 6 and (.s | split(\":\") | length) == 2)",
		     "{\"items\":[{\"n\":2,\"s\":\"a:b\"},{\"n\":2,\"s\":\"ab\"}]}",
		     "{\"items\":[{\"n\":2,\"s\":\"ab\"}]}");
	check_delete(".items[] | select({k: .k} | tojson == \"{\\\"k\\\":1.5}\")",
		     "{\"items\":[{\"k\":1.5},{\"k\":2}]}", "{\"items\":[{\"k\":2}]}");
}

/* Errors at run time leave the document alone; limits stop building. */
static void check_runtime(const char *expr, const char *doc_text, int want_rc,
			  const char *want_msg)
{
	struct jqpath *p = NULL;
	struct berr err = BERR_INIT;
	if (jqpath_compile(&p, expr, &err) < 0)
		fail_msg("'%s' did not compile: %s", expr, err.msg);
	json_t *doc = parse(doc_text), *orig = json_deep_copy(doc);
	int rc = jqpath_delete(p, doc, &err);
	if (rc != want_rc)
		fail_msg("'%s' returned %d, not %d (%s)", expr, rc, want_rc, err.msg);
	if (!strstr(err.msg, want_msg))
		fail_msg("'%s': message '%s' lacks '%s'", expr, err.msg, want_msg);
	assert_true(json_equal(doc, orig));
	json_decref(doc);
	json_decref(orig);
	jqpath_free(p);
}

static void test_runtime_limits(void **state)
{
	(void)state;
	check_runtime(".a | if . then 1 else . end", "{\"a\":true}", BERR_INVALID,
		      "invalid path against number");
	check_runtime(".a // error(\"no a\")", "{}", BERR_INVALID, "no a");
	check_runtime(".a[] | select(.n / 0)", "{\"a\":[{\"n\":1}]}", BERR_INVALID,
		      "divide a number by zero");
	check_runtime(".a | select(\"x\" * 100000000 | length > 0)", "{\"a\":1}", BERR_LIMIT,
		      "larger than 1 MiB");
	check_runtime("(\"x\" * 900000) as $s | .a[] | select(($s + \"y\") | length > 0)",
		      "{\"a\":[1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,"
		      "1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,"
		      "1,1,1,1]}", BERR_LIMIT, "more than 64 MiB");
	check_runtime("recurse(.)", "{}", BERR_LIMIT, "recurses deeper than 128");
	/* a character has a path, but del() cannot take it (gojq's delpaths) */
	check_runtime(".a[0]?", "{\"a\":\"str\"}", BERR_INVALID,
		      "cannot delete [\"a\",0], it goes inside a string");
	/* `?` covers the step before it only, as in gojq */
	check_runtime(".a.b.c?", "{\"a\":\"str\"}", BERR_INVALID, "cannot index string");
	check_delete(".a.b?.c", "{\"a\":\"str\"}", "{\"a\":\"str\"}");
	check_runtime(".a[] | select(contains(1))", "{\"a\":[\"x\"]}", BERR_INVALID,
		      "cannot check whether string contains number");
	check_delete(".a[] | select(contains({\"k\": 1}))", "{\"a\":[{\"k\":\"1\"},{\"k\":1}]}",
		     "{\"a\":[{\"k\":\"1\"}]}");
}

static void test_runtime_errors(void **state)
{
	(void)state;
	struct jqpath *p = NULL;
	struct berr err = BERR_INIT;
	/* iterating nothing without `?` is jq's error; the document stays */
	assert_int_equal(jqpath_compile(&p, ".a[] | .b, .c", &err), 0);
	json_t *doc = parse("{\"c\":1}"), *want = parse("{\"c\":1}");
	assert_int_equal(jqpath_delete(p, doc, &err), BERR_INVALID);
	assert_non_null(strstr(err.msg, "cannot iterate over null"));
	assert_true(json_equal(doc, want));
	json_decref(doc);
	json_decref(want);
	jqpath_free(p);

	assert_int_equal(jqpath_compile(&p, ".a[] | select(.n | test(\"x\"))", &err), 0);
	doc = parse("{\"a\":[{\"n\":1}]}");
	assert_int_equal(jqpath_delete(p, doc, &err), BERR_INVALID);
	assert_non_null(strstr(err.msg, "test() needs a string, not number"));
	json_decref(doc);
	jqpath_free(p);

	/* an explosion of values hits the output limit, not the memory */
	assert_int_equal(jqpath_compile(&p, ".. | .. | .. | ..", &err), 0);
	struct buf b = BUF_INIT;
	for (int i = 0; i < 60; i++)
		buf_adds(&b, "[");
	for (int i = 0; i < 60; i++)
		buf_adds(&b, "]");
	doc = parse(b.data);
	assert_int_equal(jqpath_delete(p, doc, &err), BERR_LIMIT);
	json_decref(doc);
	jqpath_free(p);
	buf_release(&b);
}

static void test_ignore_rules(void **state)
{
	(void)state;
	json_t *rules = parse("[{\"group\":\"apps\",\"kind\":\"Deployment\",\"jqPathExpressions\":["
			      "\".spec.template.spec.containers[] | select(.name == \\\"linkerd-proxy\\\")\","
			      "\".spec.template.metadata.annotations[\\\"linkerd.io/proxy-version\\\"]\","
			      "\".webhooks[].caBundle\"]}]");
	struct res_id id = { .group = "apps", .kind = "Deployment", .namespace = "ns",
			     .name = "web" };
	json_t *target = parse(DEPLOY), *live = parse(DEPLOY);
	json_t *t0 = target;
	assert_true(ignore_apply(&target, &live, rules, &id));
	assert_ptr_not_equal(target, t0);
	assert_int_equal(json_array_size(doc_get(target, "spec.template.spec.containers")), 2);
	assert_int_equal(json_array_size(doc_get(live, "spec.template.spec.containers")), 2);
	assert_null(doc_getv(live, "spec", "template", "metadata", "annotations",
			     "linkerd.io/proxy-version", NULL));
	assert_non_null(doc_getv(live, "spec", "template", "metadata", "annotations", "keep", NULL));
	json_decref(target);
	json_decref(live);

	struct berr err = BERR_INIT;
	assert_int_equal(ignore_check(rules, &err), 0);
	json_t *bad = parse("[{\"kind\":\"Service\",\"jsonPointers\":[\"/spec/clusterIP\"]},"
			    "{\"kind\":\"Service\",\"jqPathExpressions\":[\".spec.ports\", "
			    "\".spec | keys\"]}]");
	assert_int_equal(ignore_check(bad, &err), BERR_INVALID);
	assert_non_null(strstr(err.msg, "ignoreDifferences[1].jqPathExpressions[1]"));
	assert_non_null(strstr(err.msg, "'.spec | keys'"));
	assert_non_null(strstr(err.msg, "not a path expression: keys gives values"));
	json_decref(bad);
	json_decref(rules);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_simple_paths),
		cmocka_unit_test(test_select),
		cmocka_unit_test(test_comma_and_recurse),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_path_forms),
		cmocka_unit_test(test_runtime_limits),
		cmocka_unit_test(test_runtime_errors),
		cmocka_unit_test(test_ignore_rules),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
