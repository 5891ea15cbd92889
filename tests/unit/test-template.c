/*
 * test-template.c — the Go template language: Go's own exec table
 * (shared/peer/template/go-text-template-exec.jsonl, run case by case),
 * then fmt verbs, error messages, trimming, define/block/template, and the
 * limits that keep hostile templates from hanging or crashing.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "repo-server/template/gofmt.h"
#include "repo-server/template/template.h"

static const char *peer_dir(void)
{
	const char *d = getenv("BOSUN_PEER_DIR");
	return d && *d ? d : "../shared/peer";
}

/* Renders text with JSON data; returns the rc, output in *out. */
static int render(const char *text, const char *data_json, struct buf *out, struct berr *err)
{
	struct tmpl_set *set = tmpl_set_new();
	json_t *data = NULL;
	if (data_json) {
		data = json_loads(data_json, JSON_DECODE_ANY, NULL);
		assert_non_null(data);
	}
	int rc = tmpl_parse(set, "t", text, strlen(text), err);
	if (rc == 0)
		rc = tmpl_execute(set, "t", data, out, NULL, err);
	json_decref(data);
	tmpl_set_free(set);
	return rc;
}

static void expect_out(const char *text, const char *data, const char *want)
{
	struct buf out = BUF_INIT;
	struct berr err = BERR_INIT;
	int rc = render(text, data, &out, &err);
	if (rc != 0 || strcmp(out.data, want) != 0)
		print_error("template %s: rc=%d err=%s\n got: [%s]\nwant: [%s]\n", text, rc,
			    err.msg, out.data, want);
	assert_int_equal(rc, 0);
	assert_string_equal(out.data, want);
	buf_release(&out);
}

static void expect_err(const char *text, const char *data, const char *want_err)
{
	struct buf out = BUF_INIT;
	struct berr err = BERR_INIT;
	int rc = render(text, data, &out, &err);
	if (rc == 0 || strcmp(err.msg, want_err) != 0)
		print_error("template %s: rc=%d\n got err: [%s]\nwant err: [%s]\n", text, rc,
			    err.msg, want_err);
	assert_true(rc < 0);
	assert_string_equal(err.msg, want_err);
	buf_release(&out);
}

static void test_go_exec_table(void **state)
{
	(void)state;
	char path[4096];
	snprintf(path, sizeof(path), "%s/template/go-text-template-exec.jsonl", peer_dir());
	FILE *f = fopen(path, "r");
	if (!f)
		fail_msg("cannot open '%s' (set BOSUN_PEER_DIR)", path);
	char *line = NULL;
	size_t cap = 0;
	int total = 0, passed = 0;
	while (getline(&line, &cap, f) > 0) {
		json_error_t jerr;
		json_t *c = json_loads(line, 0, &jerr);
		assert_non_null(c);
		const char *name = json_string_value(json_object_get(c, "name"));
		const char *input = json_string_value(json_object_get(c, "input"));
		const char *want = json_string_value(json_object_get(c, "output"));
		bool ok = json_is_true(json_object_get(c, "ok"));
		json_t *data = json_object_get(c, "data");
		struct tmpl_set *set = tmpl_set_new();
		struct buf out = BUF_INIT;
		struct berr err = BERR_INIT;
		int rc = tmpl_parse(set, name, input, strlen(input), &err);
		if (rc == 0)
			rc = tmpl_execute(set, name, json_is_null(data) ? NULL : data, &out, NULL, &err);
		bool good = (rc == 0) == ok && strcmp(out.data, want) == 0;
		total++;
		if (good)
			passed++;
		else
			print_error("FAIL %s: %s\n  rc=%d err=%s\n  got [%s] want [%s] ok=%d\n", name,
				    input, rc, err.msg, out.data, want, ok);
		buf_release(&out);
		tmpl_set_free(set);
		json_decref(c);
	}
	free(line);
	fclose(f);
	print_message("go exec table: %d/%d cases pass\n", passed, total);
	assert_true(total >= 169);
	assert_int_equal(passed, total);
}

static void test_printf_verbs(void **state)
{
	(void)state;
	expect_out("{{printf \"%d|%5d|%-5d|%05d|%+d|%x|%X|%o|%b|%#x|%#o\" 42 42 42 42 42 255 255 8 5 255 8}}",
		   NULL, "42|   42|42   |00042|+42|ff|FF|10|101|0xff|010");
	expect_out("{{printf \"%s|%q|%v|%10s|%-4s|%.2s|%x\" \"hi\" \"a\\\"b\" \"v\" \"r\" \"l\" \"abc\" \"hi\"}}",
		   NULL, "hi|\"a\\\"b\"|v|         r|l   |ab|6869");
	expect_out("{{printf \"%f|%.2f|%e|%g|%g|%v|%v|%v|%8.3f\" 3.5 3.14159 1000000.0 0.000001 100000.0 1e6 1e21 123456789.0 2.5}}",
		   NULL, "3.500000|3.14|1.000000e+06|1e-06|100000|1e+06|1e+21|1.23456789e+08|   2.500");
	expect_out("{{printf \"%t|%v|%c|%q|%U|%#U\" true false 65 66 9731 9731}}", NULL,
		   "true|false|A|'B'|U+2603|U+2603 '\xe2\x98\x83'");
	expect_out("{{printf \"%T %T %T %T %T %T %T\" 1 1.5 \"s\" true nil .l .m}}",
		   "{\"l\":[1],\"m\":{}}",
		   "int float64 string bool <nil> []interface {} map[string]interface {}");
	expect_out("{{printf \"%v %+v %d\" .m .l .l}}", "{\"m\":{\"b\":2,\"a\":1},\"l\":[1,2,3]}",
		   "map[a:1 b:2] [1 2 3] [1 2 3]");
	expect_out("{{printf \"%d %s\"}}", NULL, "%!d(MISSING) %!s(MISSING)");
	expect_out("{{printf \"%d\" 1 \"a\" 2}}", NULL, "1%!(EXTRA string=a, int=2)");
	expect_out("{{printf \"%d|%s|%z\" \"x\" 5 1}}", NULL, "%!d(string=x)|%!s(int=5)|%!z(int=1)");
	expect_out("{{printf \"%d %v %s\" nil nil nil}}", NULL, "%!d(<nil>) <nil> %!s(<nil>)");
	expect_out("{{printf \"100%%\"}}", NULL, "100%");
	expect_out("{{printf \"%\"}}", NULL, "%!(NOVERB)");
	expect_out("{{printf \"%*d|%.*f|%[2]d %[1]d\" 4 7 2 3.14159}}", NULL, "   7|3.14|7 4");
	expect_out("{{printf \"%6.2f|%-8.3e|%+.1e\" -3.14159 1234.5 0.5}}", NULL,
		   " -3.14|1.234e+03|+5.0e-01");
	expect_out("{{print 1 2 \"a\" \"b\" 3 nil 1.0 .l}}", "{\"l\":[null,\"x\"]}",
		   "1 2ab3 <nil> 1 [<nil> x]");
	expect_out("{{println \"a\" 1 2}}", NULL, "a 1 2\n");
	expect_out("{{printf \"%q|%+q|%#q\" \"\\u00e9\\n\" \"\\u00e9\" \"raw\"}}", NULL,
		   "\"\xc3\xa9\\n\"|\"\\u00e9\"|`raw`");
	expect_out("{{printf \"%q\" \"a\\u00a0b\\u200bc\\u00e9\\x01\"}}", NULL, "\"a\\u00a0b\\u200bc\xc3\xa9\\x01\"");
	expect_out("{{printf \"%v|%v|%v|%v\" 0.1 -0.0 1e-05 0.0001}}", NULL, "0.1|-0|1e-05|0.0001");
	expect_out("{{printf \"%#v|%#v|%#v\" \"s\" .l .m}}", "{\"l\":[1,\"a\"],\"m\":{\"k\":true}}",
		   "\"s\"|[]interface {}{1, \"a\"}|map[string]interface {}{\"k\":true}");
}

static void test_language(void **state)
{
	(void)state;
	expect_out("a  {{- 1 -}}  b {{- /* c */ -}} c\n{{/* x */}}d", NULL, "a1bc\nd");
	expect_out("{{define \"x\"}}[{{.}}]{{end}}{{template \"x\" 5}}{{block \"y\" .}}<{{.}}>{{end}}",
		   "7", "[5]<7>");
	expect_out("{{range $i, $v := .}}{{if eq $i 1}}{{continue}}{{end}}{{if gt $i 2}}{{break}}{{end}}{{$v}}{{end}}",
		   "[\"a\",\"b\",\"c\",\"d\",\"e\"]", "ac");
	expect_out("{{range 3}}{{.}}{{end}}|{{range $k, $v := .}}{{$k}}={{$v}};{{end}}",
		   "{\"b\":2,\"a\":1,\"c\":3}", "012|a=1;b=2;c=3;");
	expect_out("{{with .x}}{{.}}{{else with .y}}y{{.}}{{else}}none{{end}}", "{\"y\":2}", "y2");
	expect_out("{{if lt 1 2}}a{{end}}{{if le 2 2}}b{{end}}{{if gt 3 2}}c{{end}}{{if ge 2 3}}d{{end}}{{if ne \"a\" \"b\"}}e{{end}}{{if eq 2 1 3 2}}f{{end}}",
		   NULL, "abcef");
	expect_out("{{ (index .a 1).b }}|{{ .a | len }}|{{ slice \"hello\" 1 3 }}", "{\"a\":[0,{\"b\":\"B\"}]}",
		   "B|2|el");
	expect_out("{{html \"<a href='x'>&\"}}|{{js \"a'b\\\"c<d>\\n\"}}|{{urlquery \"a b&c=d/é\"}}",
		   NULL, "&lt;a href=&#39;x&#39;&gt;&amp;|a\\'b\\\"c\\u003Cd\\u003E\\u000A|a+b%26c%3Dd%2F%C3%A9");
	expect_out("{{.a.b}}|{{.missing.deeper}}", "{\"a\":{\"b\":null}}", "<no value>|<no value>");
	expect_out("{{$x := 1}}{{range .}}{{$x = .}}{{end}}{{$x}}", "[4,5]", "5");
	expect_out("{{if and .a (not .b)}}yes{{end}}{{or .b \"dflt\"}}", "{\"a\":1,\"b\":0}", "yesdflt");
	expect_out("{{print 'a' '\\n' 0x10 1e3 -5 +7}}", NULL, "97 10 16 1000 -5 7");
}

static void test_errors(void **state)
{
	(void)state;
	expect_err("{{.a.b.c}}", "{\"a\":{\"b\":null}}",
		   "template: t:1:4: executing \"t\" at <.a.b.c>: nil pointer evaluating interface {}.c");
	expect_err("x\n{{index .l 5}}", "{\"l\":[1]}",
		   "template: t:2:2: executing \"t\" at <index .l 5>: error calling index: index out of range: 5");
	expect_err("{{eq 1 1.0}}", NULL,
		   "template: t:1:2: executing \"t\" at <eq 1 1.0>: error calling eq: incompatible types for comparison");
	expect_err("{{nosuch 1}}", NULL, "template: t:1: function \"nosuch\" not defined");
	expect_err("{{if true}}x", NULL, "template: t:1: unexpected EOF");
	expect_err("{{$x}}", NULL, "template: t:1: undefined variable \"$x\"");
	expect_err("a\n{{.x", NULL, "template: t:2: unclosed action");
	expect_err("{{break}}", NULL, "template: t:1: {{break}} outside {{range}}");
	expect_err("{{template \"nope\"}}", NULL,
		   "template: t:1:11: executing \"t\" at <{{template \"nope\"}}>: template \"nope\" not defined");
	expect_err("{{1 2}}", NULL,
		   "template: t:1:2: executing \"t\" at <1>: can't give argument to non-function 1");
	expect_err("{{printf 1}}", NULL,
		   "template: t:1:2: executing \"t\" at <printf 1>: wrong type for value; expected string; got int");
	expect_err("x{{len}}", NULL,
		   "template: t:1:3: executing \"t\" at <len>: wrong number of args for len: want 1 got 0");
	expect_err("{{eq .x nil}}", NULL,
		   "template: t:1:8: executing \"t\" at <nil>: cannot assign nil to reflect.Value");
	expect_err("{{len 3}}", NULL,
		   "template: t:1:2: executing \"t\" at <len 3>: error calling len: len of type int");
}

static void test_missingkey_error(void **state)
{
	(void)state;
	struct tmpl_set *set = tmpl_set_new();
	struct berr err = BERR_INIT;
	assert_int_equal(tmpl_parse(set, "m", "a{{.x}}", 7, &err), 0);
	json_t *data = json_pack("{s:i}", "y", 1);
	struct buf out = BUF_INIT;
	struct tmpl_options o = { .missingkey = TMPL_MISSING_ERROR };
	assert_true(tmpl_execute(set, "m", data, &out, &o, &err) < 0);
	assert_string_equal(err.msg,
			    "template: m:1:3: executing \"m\" at <.x>: map has no entry for key \"x\"");
	assert_string_equal(out.data, "a");
	json_decref(data);
	buf_release(&out);
	tmpl_set_free(set);
}

static void test_limits(void **state)
{
	(void)state;
	struct tmpl_set *set = tmpl_set_new();
	struct berr err = BERR_INIT;
	const char *rec = "{{define \"r\"}}x{{template \"r\" .}}{{end}}{{template \"r\" .}}";
	assert_int_equal(tmpl_parse(set, "rec", rec, strlen(rec), &err), 0);
	struct buf out = BUF_INIT;
	int rc = tmpl_execute(set, "rec", NULL, &out, NULL, &err);
	assert_int_equal(rc, BERR_LIMIT);
	assert_non_null(strstr(err.msg, "exceeded maximum template depth (1000)"));
	buf_release(&out);

	const char *loop = "{{range 1000000000}}{{range 1000000000}}{{end}}{{end}}";
	assert_int_equal(tmpl_parse(set, "loop", loop, strlen(loop), &err), 0);
	struct tmpl_options o = { .max_steps = 100000 };
	rc = tmpl_execute(set, "loop", NULL, &out, &o, &err);
	assert_int_equal(rc, BERR_LIMIT);
	assert_non_null(strstr(err.msg, "steps"));
	buf_release(&out);

	const char *big = "{{range 100000}}0123456789{{end}}";
	assert_int_equal(tmpl_parse(set, "big", big, strlen(big), &err), 0);
	struct tmpl_options o2 = { .max_output = 1000 };
	rc = tmpl_execute(set, "big", NULL, &out, &o2, &err);
	assert_int_equal(rc, BERR_LIMIT);
	assert_true(out.len <= 1000);
	assert_non_null(strstr(err.msg, "output exceeds the limit of 1000 bytes"));
	buf_release(&out);

	/* deep nesting is a parse error, not a stack overflow */
	struct buf deep = BUF_INIT;
	buf_adds(&deep, "{{");
	for (int i = 0; i < 5000; i++)
		buf_addch(&deep, '(');
	buf_adds(&deep, "1");
	for (int i = 0; i < 5000; i++)
		buf_addch(&deep, ')');
	buf_adds(&deep, "}}");
	assert_true(tmpl_parse(set, "deep", deep.data, deep.len, &err) < 0);
	buf_release(&deep);
	tmpl_set_free(set);
}

static void test_redefine_and_names(void **state)
{
	(void)state;
	struct tmpl_set *set = tmpl_set_new();
	struct berr err = BERR_INIT;
	const char *a = "{{define \"x\"}}one{{end}}";
	const char *b = "{{define \"x\"}}two{{end}}{{define \"y\"}} {{/* empty */}} {{end}}";
	const char *c = "{{template \"x\"}}";
	assert_int_equal(tmpl_parse(set, "a", a, strlen(a), &err), 0);
	assert_int_equal(tmpl_parse(set, "b", b, strlen(b), &err), 0);
	assert_int_equal(tmpl_parse(set, "c", c, strlen(c), &err), 0);
	struct buf out = BUF_INIT;
	assert_int_equal(tmpl_execute(set, "c", NULL, &out, NULL, &err), 0);
	assert_string_equal(out.data, "two");
	/* a define of the file's own name loses to the file's own content */
	const char *d = "{{define \"d\"}}inner{{end}}outer";
	assert_int_equal(tmpl_parse(set, "d", d, strlen(d), &err), 0);
	buf_reset(&out);
	assert_int_equal(tmpl_execute(set, "d", NULL, &out, NULL, &err), 0);
	assert_string_equal(out.data, "outer");
	size_t n;
	const char **names = tmpl_names(set, &n);
	assert_int_equal(n, 6);
	assert_string_equal(names[0], "a");
	assert_string_equal(names[4], "x");
	free(names);
	buf_release(&out);
	tmpl_set_free(set);
}

static int fn_one(struct tmpl_call *call, tv **out, tv **args, size_t n, struct berr *err)
{
	(void)args; (void)n; (void)err;
	*out = tv_str(tmpl_call_arena(call), "one");
	return 0;
}

static int fn_two(struct tmpl_call *call, tv **out, tv **args, size_t n, struct berr *err)
{
	(void)args; (void)n; (void)err;
	*out = tv_str(tmpl_call_arena(call), tmpl_call_data(call));
	return 0;
}

/* Registered functions: the last registration of a name wins, and a
 * user function may shadow a built-in, as in Go. */
static void test_function_registry(void **state)
{
	(void)state;
	struct tmpl_set *set = tmpl_set_new();
	const struct tmpl_func_def defs[] = { { "f", fn_one }, { "g", fn_one }, { "f", fn_two } };
	tmpl_set_funcs(set, defs, 3, "two");
	tmpl_set_func(set, "len", fn_one, NULL);
	tmpl_set_func(set, "g", fn_two, "g2");
	assert_true(tmpl_set_has_func(set, "f"));
	assert_true(tmpl_set_has_func(set, "printf"));
	assert_false(tmpl_set_has_func(set, "h"));
	struct berr err = BERR_INIT;
	const char *t = "{{f}} {{g}} {{len 1}}";
	assert_int_equal(tmpl_parse(set, "r", t, strlen(t), &err), 0);
	struct buf out = BUF_INIT;
	assert_int_equal(tmpl_execute(set, "r", NULL, &out, NULL, &err), 0);
	assert_string_equal(out.data, "two g2 one");
	buf_release(&out);
	tmpl_set_free(set);
}

struct conc {
	struct tmpl_set *set;
	json_t *data;
	int bad;
};

static void *conc_worker(void *arg)
{
	struct conc *c = arg;
	for (int i = 0; i < 300; i++) {
		struct buf out = BUF_INIT;
		struct berr err = BERR_INIT;
		if (tmpl_execute(c->set, "c", c->data, &out, NULL, &err) != 0 ||
		    strcmp(out.data, "a=1;b=2;|0:x 1:y |[x]") != 0)
			__atomic_add_fetch(&c->bad, 1, __ATOMIC_RELAXED);
		buf_release(&out);
	}
	return NULL;
}

/* A parsed set is executed from several threads at once. */
static void test_concurrent_execute(void **state)
{
	(void)state;
	struct conc c = { .set = tmpl_set_new() };
	struct berr err = BERR_INIT;
	const char *t = "{{define \"i\"}}[{{.}}]{{end}}{{range $k, $v := .m}}{{$k}}={{$v}};{{end}}|"
			"{{range $i, $e := .l}}{{$i}}:{{$e}} {{end}}|{{with index .l 0}}{{template \"i\" .}}{{end}}";
	assert_int_equal(tmpl_parse(c.set, "c", t, strlen(t), &err), 0);
	c.data = json_pack("{s:{s:i,s:i},s:[s,s]}", "m", "a", 1, "b", 2, "l", "x", "y");
	pthread_t th[4];
	for (int i = 0; i < 4; i++)
		assert_int_equal(pthread_create(&th[i], NULL, conc_worker, &c), 0);
	for (int i = 0; i < 4; i++)
		pthread_join(th[i], NULL);
	assert_int_equal(c.bad, 0);
	json_decref(c.data);
	tmpl_set_free(c.set);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_go_exec_table),
		cmocka_unit_test(test_printf_verbs),
		cmocka_unit_test(test_language),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_missingkey_error),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_redefine_and_names),
		cmocka_unit_test(test_function_registry),
		cmocka_unit_test(test_concurrent_execute),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
