/*
 * Unit tests for lib/selector: label selector grammar (valid forms print
 * back as Go's String() does, invalid ones give the expected message),
 * metav1.LabelSelector objects, field selectors, and matching.
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
#include "selector.h"

static json_t *parse(const char *text)
{
	json_t *doc;
	struct berr err = BERR_INIT;
	if (doc_parse_json(&doc, text, strlen(text), NULL, "t.json", &err) < 0)
		fail_msg("parse failed: %s", err.msg);
	return doc;
}

static void assert_format(const struct selector *sel, const char *want)
{
	struct buf b = BUF_INIT;
	selector_format(&b, sel);
	assert_string_equal(b.data, want);
	buf_release(&b);
}

/* ---- label selector grammar -------------------------------------------- */

static void test_label_parse_valid(void **state)
{
	(void)state;
	static const struct { const char *in, *out; } cases[] = {
		{ "", "" },
		{ "   ", "" },
		{ "a=b", "a=b" },
		{ "a==b", "a==b" },
		{ "a!=b", "a!=b" },
		{ "a in (x,y)", "a in (x,y)" },
		{ "a in (y,x,x)", "a in (x,y)" },
		{ "a notin (x)", "a notin (x)" },
		{ "a", "a" },
		{ "!a", "!a" },
		{ " x = y , b in(c ,d) ,!e", "b in (c,d),!e,x=y" },
		{ "a\n=\tb\r", "a=b" },
		{ "a=", "a=" },
		{ "a=,b", "a=,b" },
		{ "a in ()", "a in ()" },
		{ "a in (,x)", "a in (,x)" },
		{ "a in (x,)", "a in (,x)" },
		{ "a in (x,,y)", "a in (,x,y)" },
		{ "in in (in, notin)", "in in (in,notin)" },
		{ "notin notin (a)", "notin notin (a)" },
		{ "a>5", "a>5" },
		{ "a < 10", "a<10" },
		{ "app.kubernetes.io/name=web", "app.kubernetes.io/name=web" },
		{ "example.com/a-b_c.d=v1.2-x_y", "example.com/a-b_c.d=v1.2-x_y" },
		{ "a=b,a!=c", "a=b,a!=c" },
		{ "z,y,x", "x,y,z" },
		{ "A1=B2", "A1=B2" },
		{ "a=0123456789012345678901234567890123456789012345678901234567890ab",
		  "a=0123456789012345678901234567890123456789012345678901234567890ab" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct selector *sel = NULL;
		struct berr err = BERR_INIT;
		if (selector_parse_labels(&sel, cases[i].in, &err) < 0)
			fail_msg("'%s': %s", cases[i].in, err.msg);
		assert_int_equal(sel->kind, SELECTOR_LABELS);
		assert_format(sel, cases[i].out);
		selector_free(sel);
	}
}

static void test_label_parse_structure(void **state)
{
	(void)state;
	struct selector *sel;
	assert_int_equal(selector_parse_labels(&sel, "tier notin (b,a,b), app=web, x>7", NULL), 0);
	assert_int_equal(sel->nreqs, 3);
	assert_string_equal(sel->reqs[0].key, "app");
	assert_int_equal(sel->reqs[0].op, SELECTOR_EQUALS);
	assert_int_equal(sel->reqs[1].op, SELECTOR_NOT_IN);
	assert_int_equal(sel->reqs[1].nvalues, 2);
	assert_string_equal(sel->reqs[1].values[0], "a");
	assert_string_equal(sel->reqs[1].values[1], "b");
	assert_int_equal(sel->reqs[2].op, SELECTOR_GT);
	assert_int_equal(sel->reqs[2].number, 7);
	assert_false(selector_is_everything(sel));
	selector_free(sel);
	assert_int_equal(selector_parse_labels(&sel, "", NULL), 0);
	assert_true(selector_is_everything(sel));
	selector_free(sel);
	selector_free(NULL);
}

#define LS "invalid label selector "

static void test_label_parse_errors(void **state)
{
	(void)state;
	static const struct { const char *in, *msg; } cases[] = {
		{ "a in b", LS "'a in b': found 'b' at column 6, expected '('" },
		{ "a=b c", LS "'a=b c': found 'c' at column 5, expected ',' or end of string" },
		{ "a=b,", LS "'a=b,': found end of string at column 5, expected identifier after ','" },
		{ "a=b,,c", LS "'a=b,,c': found ',' at column 5, expected identifier after ','" },
		{ ",", LS "',': found ',' at column 1, expected '!', identifier or end of string" },
		{ "=a", LS "'=a': found '=' at column 1, expected '!', identifier or end of string" },
		{ "!a=b", LS "'!a=b': found '=' at column 3, expected ',' or end of string" },
		{ "a b", LS "'a b': found 'b' at column 3, expected one of 'in', 'notin', '=', '==', '!=', '>', '<'" },
		{ "a!", LS "'a!': found '!' at column 2, expected one of 'in', 'notin', '=', '==', '!=', '>', '<'" },
		{ "a in (x y)", LS "'a in (x y)': found 'y' at column 9, expected ',' or ')'" },
		{ "a in (x", LS "'a in (x': found end of string at column 8, expected ',' or ')'" },
		{ "a in (x,,)", LS "'a in (x,,)': found ')' at column 10, expected ',' or identifier" },
		{ "a in (=)", LS "'a in (=)': found '=' at column 7, expected ',', ')' or identifier" },
		{ "a in", LS "'a in': found end of string at column 5, expected '('" },
		{ "a=(b)", LS "'a=(b)': found '(' at column 3, expected identifier" },
		{ "a===b", LS "'a===b': found '=' at column 4, expected identifier" },
		{ "!", LS "'!': found end of string at column 2, expected identifier" },
		{ "!!a", LS "'!!a': found '!' at column 2, expected identifier" },
		{ "x,-a=b", LS "'x,-a=b': key '-a' at column 3: name part must consist of alphanumeric "
		  "characters, '-', '_' or '.', and must start and end with an alphanumeric character" },
		{ "a/b/c=d", LS "'a/b/c=d': key 'a/b/c' at column 1: a qualified name must have at most one '/'" },
		{ "/a=b", LS "'/a=b': key '/a' at column 1: prefix part must be non-empty" },
		{ "a/=b", LS "'a/=b': key 'a/' at column 1: name part must be non-empty" },
		{ "Example.com/a=b", LS "'Example.com/a=b': key 'Example.com/a' at column 1: "
		  "prefix part must be a lowercase DNS-1123 subdomain" },
		{ "a..b/c", LS "'a..b/c': key 'a..b/c' at column 1: prefix part must be a lowercase DNS-1123 subdomain" },
		{ "a=-b", LS "'a=-b': requirement on 'a' at column 1: must consist of alphanumeric characters, "
		  "'-', '_' or '.', and must start and end with an alphanumeric character" },
		{ "a>b", LS "'a>b': requirement on 'a' at column 1: for '>' and '<' the value must be an integer" },
		{ "a>", LS "'a>': requirement on 'a' at column 1: for '>' and '<' the value must be an integer" },
		{ "a>-5", LS "'a>-5': requirement on 'a' at column 1: must consist of alphanumeric characters, "
		  "'-', '_' or '.', and must start and end with an alphanumeric character" },
		{ "a>99999999999999999999", LS "'a>99999999999999999999': requirement on 'a' at column 1: "
		  "for '>' and '<' the value must be an integer" },
		{ "k=0123456789012345678901234567890123456789012345678901234567890abc",
		  LS "'k=0123456789012345678901234567890123456789012345678901234567890abc': "
		  "requirement on 'k' at column 1: must be no more than 63 characters" },
		{ "k0123456789012345678901234567890123456789012345678901234567890abc",
		  LS "'k0123456789012345678901234567890123456789012345678901234567890abc': "
		  "key 'k0123456789012345678901234567890123456789012345678901234567890abc' at column 1: "
		  "name part must be no more than 63 characters" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct selector *sel = (struct selector *)1;
		struct berr err = BERR_INIT;
		assert_int_equal(selector_parse_labels(&sel, cases[i].in, &err), BERR_INVALID);
		assert_null(sel);
		assert_string_equal(err.msg, cases[i].msg);
	}
}

static void test_label_parse_limits(void **state)
{
	(void)state;
	struct selector *sel;
	struct berr err = BERR_INIT;
	/* the longest prefix a key may have: 253 characters of DNS labels */
	char key[400];
	memset(key, 'a', 253);
	for (int i = 63; i < 253; i += 64)
		key[i] = '.';
	strcpy(key + 253, "/n");
	assert_int_equal(selector_parse_labels(&sel, key, &err), 0);
	selector_free(sel);
	memmove(key + 1, key, strlen(key) + 1);
	assert_int_equal(selector_parse_labels(&sel, key, &err), BERR_INVALID);
	assert_non_null(strstr(err.msg, "prefix part must be no more than 253 characters"));

	/* many requirements, then too long a text */
	size_t n = SELECTOR_MAX_LEN;
	char *big = xmalloc(n + 2);
	for (size_t i = 0; i < n; i += 2) {
		big[i] = 'a';
		big[i + 1] = ',';
	}
	big[n - 1] = '\0';
	assert_int_equal(selector_parse_labels(&sel, big, &err), 0);
	assert_int_equal(sel->nreqs, n / 2);
	selector_free(sel);
	memset(big, 'a', n + 1);
	big[n + 1] = '\0';
	assert_int_equal(selector_parse_labels(&sel, big, &err), BERR_LIMIT);
	assert_string_equal(err.msg, "label selector is 65537 bytes, over the limit of 65536");
	assert_int_equal(selector_parse_fields(&sel, big, &err), BERR_LIMIT);
	free(big);
}

/* ---- matching labels --------------------------------------------------- */

static void test_label_matching(void **state)
{
	(void)state;
	json_t *labels = parse("{\"app\":\"web\",\"tier\":\"frontend\",\"version\":\"12\","
			       "\"empty\":\"\",\"num\":7}");
	static const struct { const char *sel; int want; } cases[] = {
		{ "", 1 },
		{ "app=web", 1 }, { "app==web", 1 }, { "app=db", 0 }, { "app!=db", 1 },
		{ "app!=web", 0 }, { "missing!=x", 1 }, { "missing=x", 0 },
		{ "app in (web,db)", 1 }, { "app in (db)", 0 }, { "app notin (web)", 0 },
		{ "app notin (db,cache)", 1 }, { "missing notin (x)", 1 }, { "missing in (x)", 0 },
		{ "app", 1 }, { "!app", 0 }, { "missing", 0 }, { "!missing", 1 },
		{ "version>11", 1 }, { "version>12", 0 }, { "version<13", 1 }, { "version<12", 0 },
		{ "app>1", 0 }, { "app<1", 0 }, { "missing<5", 0 },
		{ "empty=", 1 }, { "empty", 1 }, { "missing=", 0 }, { "empty in ()", 1 },
		{ "empty!=", 0 }, { "missing!=", 1 },
		{ "app=web,tier=frontend", 1 }, { "app=web,tier=backend", 0 },
		{ "app=web,!missing,tier in (frontend,backend),version>1", 1 },
		/* a value that is not a string is no label */
		{ "num", 0 }, { "num=7", 0 }, { "!num", 1 },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct selector *sel;
		struct berr err = BERR_INIT;
		if (selector_parse_labels(&sel, cases[i].sel, &err) < 0)
			fail_msg("'%s': %s", cases[i].sel, err.msg);
		if (selector_matches(sel, labels) != cases[i].want)
			fail_msg("'%s' should %smatch", cases[i].sel, cases[i].want ? "" : "not ");
		selector_free(sel);
	}

	/* whole objects: metadata.labels, absent labels are the empty set */
	json_t *obj = json_pack("{s:{s:s, s:O}}", "metadata", "name", "x", "labels", labels);
	json_t *bare = parse("{\"metadata\":{\"name\":\"y\"}}");
	struct selector *sel;
	assert_int_equal(selector_parse_labels(&sel, "app=web", NULL), 0);
	assert_true(selector_match_object(sel, obj));
	assert_false(selector_match_object(sel, bare));
	assert_false(selector_matches(sel, NULL));
	selector_free(sel);
	assert_int_equal(selector_parse_labels(&sel, "!app", NULL), 0);
	assert_false(selector_match_object(sel, obj));
	assert_true(selector_match_object(sel, bare));
	assert_true(selector_match_object(sel, NULL));
	selector_free(sel);
	json_decref(bare);
	json_decref(obj);
	json_decref(labels);
}

/* ---- metav1.LabelSelector ---------------------------------------------- */

static void test_label_selector_object(void **state)
{
	(void)state;
	struct selector *sel;
	struct berr err = BERR_INIT;
	json_t *ls = parse("{\"matchLabels\":{\"app\":\"web\"},\"matchExpressions\":["
			   "{\"key\":\"tier\",\"operator\":\"In\",\"values\":[\"frontend\",\"cache\"]},"
			   "{\"key\":\"legacy\",\"operator\":\"DoesNotExist\"},"
			   "{\"key\":\"env\",\"operator\":\"NotIn\",\"values\":[\"dev\"]},"
			   "{\"key\":\"team\",\"operator\":\"Exists\",\"values\":null}]}");
	assert_int_equal(selector_from_label_selector(&sel, ls, &err), 0);
	assert_format(sel, "app=web,env notin (dev),!legacy,team,tier in (cache,frontend)");
	json_t *labels = parse("{\"app\":\"web\",\"tier\":\"cache\",\"team\":\"a\"}");
	assert_true(selector_matches(sel, labels));
	json_object_set_new(labels, "legacy", json_string("yes"));
	assert_false(selector_matches(sel, labels));
	json_decref(labels);
	selector_free(sel);
	json_decref(ls);

	/* null selects nothing, {} everything */
	json_t *empty_labels = json_object();
	assert_int_equal(selector_from_label_selector(&sel, NULL, &err), 0);
	assert_true(sel->nothing);
	assert_false(selector_is_everything(sel));
	assert_false(selector_matches(sel, empty_labels));
	assert_false(selector_match_object(sel, empty_labels));
	assert_format(sel, "");
	selector_free(sel);
	json_t *jnull = json_null();
	assert_int_equal(selector_from_label_selector(&sel, jnull, &err), 0);
	assert_true(sel->nothing);
	selector_free(sel);
	ls = parse("{\"matchLabels\":null,\"matchExpressions\":[]}");
	assert_int_equal(selector_from_label_selector(&sel, ls, &err), 0);
	assert_true(selector_is_everything(sel));
	assert_true(selector_matches(sel, empty_labels));
	selector_free(sel);
	json_decref(ls);
	json_decref(empty_labels);
}

#define LSO "invalid label selector: "

static void test_label_selector_object_errors(void **state)
{
	(void)state;
	static const struct { const char *json, *msg; } cases[] = {
		{ "\"app=web\"", LSO "(selector): expected an object, found string" },
		{ "{\"matchLabels\":[]}", LSO "matchLabels: expected an object, found array" },
		{ "{\"matchExpressions\":{}}", LSO "matchExpressions: expected an array, found object" },
		{ "{\"matchLabels\":{\"app\":1}}", LSO "matchLabels['app']: expected a string, found number" },
		{ "{\"matchLabels\":{\"bad key\":\"x\"}}", LSO "matchLabels['bad key']: key 'bad key': "
		  "name part must consist of alphanumeric characters, '-', '_' or '.', and must start "
		  "and end with an alphanumeric character" },
		{ "{\"matchLabels\":{\"app\":\"-x\"}}", LSO "matchLabels['app']: must consist of alphanumeric "
		  "characters, '-', '_' or '.', and must start and end with an alphanumeric character" },
		{ "{\"matchExpressions\":[1]}", LSO "matchExpressions[0]: expected an object, found number" },
		{ "{\"matchExpressions\":[{\"operator\":\"Exists\"}]}", LSO "matchExpressions[0]: key: expected a string" },
		{ "{\"matchExpressions\":[{\"key\":\"a\"}]}", LSO "matchExpressions[0]: operator: expected a string" },
		{ "{\"matchExpressions\":[{\"key\":\"a\",\"operator\":\"in\"}]}",
		  LSO "matchExpressions[0]: operator 'in' is not one of In, NotIn, Exists, DoesNotExist" },
		{ "{\"matchExpressions\":[{\"key\":\"a\",\"operator\":\"Exists\"},{\"key\":\"a\",\"operator\":\"In\"}]}",
		  LSO "matchExpressions[1]: for 'in' and 'notin' the set of values cannot be empty" },
		{ "{\"matchExpressions\":[{\"key\":\"a\",\"operator\":\"NotIn\",\"values\":[]}]}",
		  LSO "matchExpressions[0]: for 'in' and 'notin' the set of values cannot be empty" },
		{ "{\"matchExpressions\":[{\"key\":\"a\",\"operator\":\"Exists\",\"values\":[\"x\"]}]}",
		  LSO "matchExpressions[0]: values must be empty for exists and does not exist" },
		{ "{\"matchExpressions\":[{\"key\":\"a\",\"operator\":\"In\",\"values\":[\"x\",2]}]}",
		  LSO "matchExpressions[0].values[1]: expected a string, found number" },
		{ "{\"matchExpressions\":[{\"key\":\"a\",\"operator\":\"In\",\"values\":\"x\"}]}",
		  LSO "matchExpressions[0]: values: expected an array, found string" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		json_t *ls = parse(cases[i].json);
		struct selector *sel = (struct selector *)1;
		struct berr err = BERR_INIT;
		assert_int_equal(selector_from_label_selector(&sel, ls, &err), BERR_INVALID);
		assert_null(sel);
		assert_string_equal(err.msg, cases[i].msg);
		json_decref(ls);
	}
}

/* ---- field selectors --------------------------------------------------- */

static void test_field_parse(void **state)
{
	(void)state;
	static const struct { const char *in, *out; } cases[] = {
		{ "", "" },
		{ ",,", "" },
		{ "metadata.name=x,metadata.namespace!=y,involvedObject.kind=Pod",
		  "involvedObject.kind=Pod,metadata.name=x,metadata.namespace!=y" },
		{ "a==b", "a=b" },
		{ "a=b\\,c", "a=b\\,c" },
		{ "a=\\=\\\\", "a=\\=\\\\" },
		{ "a=", "a=" },
		{ "a!=", "a!=" },
		{ "spec.nodeName=", "spec.nodeName=" },
		{ "a!b=c", "a!b=c" },
		{ " a = b ", " a = b " },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct selector *sel = NULL;
		struct berr err = BERR_INIT;
		if (selector_parse_fields(&sel, cases[i].in, &err) < 0)
			fail_msg("'%s': %s", cases[i].in, err.msg);
		assert_int_equal(sel->kind, SELECTOR_FIELDS);
		assert_format(sel, cases[i].out);
		selector_free(sel);
	}
	struct selector *sel;
	assert_int_equal(selector_parse_fields(&sel, "a=b\\,c", NULL), 0);
	assert_string_equal(sel->reqs[0].values[0], "b,c");
	selector_free(sel);

	static const struct { const char *in, *msg; } bad[] = {
		{ "abc", "invalid field selector 'abc': cannot understand 'abc'" },
		{ "a=b,c", "invalid field selector 'a=b,c': cannot understand 'c'" },
		{ "a=b=c", "invalid field selector 'a=b=c': unescaped '=' in value 'b=c'" },
		{ "a=b\\x", "invalid field selector 'a=b\\x': invalid escape sequence '\\x'" },
		{ "a=b\\", "invalid field selector 'a=b\\': value 'b\\' ends in a lone '\\'" },
		{ "=x", "invalid field selector '=x': no field name in '=x'" },
		{ "!=x", "invalid field selector '!=x': no field name in '!=x'" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct berr err = BERR_INIT;
		sel = (struct selector *)1;
		assert_int_equal(selector_parse_fields(&sel, bad[i].in, &err), BERR_INVALID);
		assert_null(sel);
		assert_string_equal(err.msg, bad[i].msg);
	}
}

static void test_field_matching(void **state)
{
	(void)state;
	json_t *pod = parse("{\"metadata\":{\"name\":\"web\",\"namespace\":\"prod\","
			    "\"labels\":{\"app.kubernetes.io/name\":\"web\"}},"
			    "\"spec\":{\"replicas\":3,\"paused\":false,\"ratio\":1.5,\"big\":2000000.0,"
			    "\"nodeName\":null},\"status\":{\"phase\":\"Running\"}}");
	static const struct { const char *sel; int want; } cases[] = {
		{ "", 1 },
		{ "metadata.name=web", 1 }, { "metadata.name==web", 1 }, { "metadata.name!=web", 0 },
		{ "metadata.name=db", 0 }, { "metadata.name!=db", 1 },
		{ "spec.replicas=3", 1 }, { "spec.paused=false", 1 }, { "spec.paused!=true", 1 },
		{ "spec.ratio=1.5", 1 }, { "spec.big=2e+06", 1 },
		{ "spec.nodeName=", 1 }, { "spec.missing=", 1 }, { "spec.missing!=x", 1 },
		{ "spec.missing=x", 0 }, { "nothing.at.all=", 1 },
		{ "spec=x", 0 }, { "spec!=x", 1 }, { "spec=", 0 },
		{ "metadata.name=web,status.phase=Running", 1 },
		{ "metadata.name=web,status.phase=Pending", 0 },
		{ "metadata.namespace!=prod,metadata.name=web", 0 },
		/* a field path is split at every dot */
		{ "metadata.labels.app.kubernetes.io/name=web", 0 },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct selector *sel;
		struct berr err = BERR_INIT;
		if (selector_parse_fields(&sel, cases[i].sel, &err) < 0)
			fail_msg("'%s': %s", cases[i].sel, err.msg);
		if (selector_match_object(sel, pod) != cases[i].want)
			fail_msg("'%s' should %smatch", cases[i].sel, cases[i].want ? "" : "not ");
		selector_free(sel);
	}

	/* a flat field set, as a kind's field index would give */
	json_t *set = parse("{\"metadata.name\":\"web\",\"spec.nodeName\":\"n1\"}");
	struct selector *sel;
	assert_int_equal(selector_parse_fields(&sel, "metadata.name=web,spec.nodeName!=n2", NULL), 0);
	assert_true(selector_matches(sel, set));
	assert_false(selector_match_object(sel, set));
	selector_free(sel);
	assert_int_equal(selector_parse_fields(&sel, "spec.nodeName=n2", NULL), 0);
	assert_false(selector_matches(sel, set));
	assert_false(selector_matches(sel, NULL));
	selector_free(sel);
	json_decref(set);
	json_decref(pod);
}

/* ---- real workloads from the peer data --------------------------------- */

/* Reference data lives beside the project (shared/peer); BOSUN_PEER_DIR
 * overrides where, for worktrees that have no shared/ beside them. */
static const char *peer_dir(void)
{
	const char *d = getenv("BOSUN_PEER_DIR");
	return d && *d ? d : "../shared/peer";
}

/* Kubernetes requires a workload's selector to select its own template. */
static void test_peer_workload_selectors(void **state)
{
	(void)state;
	char dir[1024];
	snprintf(dir, sizeof(dir), "%s/diff/testdata", peer_dir());
	DIR *dh = opendir(dir);
	if (!dh)
		fail_msg("no peer data at '%s' (run from the project root or set BOSUN_PEER_DIR)", dir);
	struct dirent *de;
	int workloads = 0;
	while ((de = readdir(dh))) {
		size_t n = strlen(de->d_name);
		if (n < 6 || strcmp(de->d_name + n - 5, ".json"))
			continue;
		char path[2048];
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		struct buf text = BUF_INIT;
		assert_int_equal(buf_read_file(&text, path, 1 << 24), 0);
		json_t *doc;
		struct berr err = BERR_INIT;
		if (doc_parse_json(&doc, text.data, text.len, NULL, de->d_name, &err) < 0)
			fail_msg("%s", err.msg);
		json_t *ls = doc_get(doc, "spec.selector");
		json_t *tmpl = doc_get(doc, "spec.template");
		if (json_is_object(ls) && tmpl) {
			struct selector *sel;
			if (selector_from_label_selector(&sel, ls, &err) < 0)
				fail_msg("%s: %s", de->d_name, err.msg);
			if (!selector_match_object(sel, tmpl))
				fail_msg("%s: selector does not select its template", de->d_name);
			/* and the printed form parses to a selector that agrees */
			struct buf b = BUF_INIT;
			struct selector *again;
			selector_format(&b, sel);
			if (selector_parse_labels(&again, b.data, &err) < 0)
				fail_msg("%s: %s", de->d_name, err.msg);
			assert_true(selector_match_object(again, tmpl));
			assert_false(selector_match_object(again, doc_get(doc, "spec")));
			selector_free(again);
			buf_release(&b);
			selector_free(sel);
			workloads++;
		}
		json_decref(doc);
		buf_release(&text);
	}
	closedir(dh);
	assert_true(workloads >= 4);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_label_parse_valid),
		cmocka_unit_test(test_label_parse_structure),
		cmocka_unit_test(test_label_parse_errors),
		cmocka_unit_test(test_label_parse_limits),
		cmocka_unit_test(test_label_matching),
		cmocka_unit_test(test_label_selector_object),
		cmocka_unit_test(test_label_selector_object_errors),
		cmocka_unit_test(test_field_parse),
		cmocka_unit_test(test_field_matching),
		cmocka_unit_test(test_peer_workload_selectors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
