/*
 * Tests of repo-server/source-directory.c on a repository made with git:
 * multi-document YAML, kind: List, JSON, recurse, include/exclude globs with
 * Argo CD's semantics, errors naming file:line:column, and Helm detection.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "repo-server/mirror.h"
#include "repo-server/source-directory.h"
#include "repo-server/tree.h"
#include "repo-fixture.h"

static git_repository *repo;
static struct tree_reader *reader;

static int group_setup(void **state)
{
	if (fixture_setup(state))
		return -1;
	if (sh("set -e; cd '%s'; git init -q -b main up; cd up;"
	       "mkdir -p app/sub app/sub/deeper bad badjson chart notyaml;"
	       "printf '# leading comment\\n---\\napiVersion: v1\\nkind: ConfigMap\\nmetadata:\\n  name: a\\n"
	       "---\\n---\\napiVersion: v1\\nkind: ConfigMap\\nmetadata:\\n  name: b\\n' > app/multi.yaml;"
	       "printf 'apiVersion: v1\\nkind: List\\nitems:\\n- apiVersion: v1\\n  kind: Service\\n  metadata:\\n    name: s1\\n"
	       "- apiVersion: v1\\n  kind: Service\\n  metadata:\\n    name: s2\\n' > app/list.yaml;"
	       "printf '{\"apiVersion\": \"v1\", \"kind\": \"Secret\", \"metadata\": {\"name\": \"j\"}}' > app/obj.json;"
	       "echo 'not: [a manifest' > app/values.yaml; echo hello > app/notes.txt;"
	       "printf 'apiVersion: v1\\nkind: ConfigMap\\nmetadata:\\n  name: deep\\n' > app/sub/deep.yml;"
	       "printf 'apiVersion: v1\\nkind: ConfigMap\\nmetadata:\\n  name: skip\\n' > app/sub/skip.yaml;"
	       "printf 'apiVersion: v1\\nkind: ConfigMap\\nmetadata:\\n  name: deeper\\n' > app/sub/deeper/d.yaml;"
	       "printf 'apiVersion: v1\\nkind: ConfigMap\\nmetadata:\\n  name: x\\n  bad: [\\n' > bad/broken.yaml;"
	       "printf '{\"kind\": \"A\"}\\n{\"kind\": \"B\"}\\n' > badjson/two.json;"
	       "printf 'apiVersion: v2\\nname: c\\nversion: 0.1.0\\n' > chart/Chart.yaml;"
	       "printf -- '- just\\n- a list\\n' > notyaml/seq.yaml;"
	       "git add -A; git commit -q -m fixture", fixture_dir))
		return -1;
	mirror_global_init();
	char path[600];
	snprintf(path, sizeof(path), "%s/up", fixture_dir);
	if (git_repository_open(&repo, path) < 0)
		return -1;
	struct berr err = BERR_INIT;
	return tree_reader_open(&reader, repo, sh_out("git -C \"$HOME/up\" rev-parse HEAD"), NULL, &err);
}

static int group_teardown(void **state)
{
	tree_reader_free(reader);
	git_repository_free(repo);
	return fixture_teardown(state);
}

/* Renders and checks the "kind/name" list and the source of each. */
static void expect(const char *path, struct source_directory_opts opts, const char *const *want,
		   const char *const *files, size_t n)
{
	json_t *m = NULL, *s = NULL;
	struct berr err = BERR_INIT;
	if (source_directory_render(&m, &s, reader, path, &opts, &err) < 0)
		fail_msg("render '%s': %s", path, err.msg);
	if (json_array_size(m) != n) {
		char *dump = json_dumps(m, JSON_COMPACT);
		fail_msg("render '%s' gave %zu manifests, wanted %zu: %s", path, json_array_size(m), n, dump);
	}
	assert_int_equal(json_array_size(s), n);
	for (size_t i = 0; i < n; i++) {
		json_t *o = json_array_get(m, i);
		char got[200];
		snprintf(got, sizeof(got), "%s/%s", json_string_value(json_object_get(o, "kind")),
			 json_string_value(json_object_get(json_object_get(o, "metadata"), "name")));
		assert_string_equal(got, want[i]);
		if (files)
			assert_string_equal(json_string_value(json_array_get(s, i)), files[i]);
	}
	json_decref(m);
	json_decref(s);
}

static void test_directory_plain(void **state)
{
	(void)state;
	const char *want[] = { "Service/s1", "Service/s2", "ConfigMap/a", "ConfigMap/b", "Secret/j" };
	const char *files[] = { "app/list.yaml", "app/list.yaml", "app/multi.yaml", "app/multi.yaml",
				"app/obj.json" };
	struct source_directory_opts o = { 0 };
	expect("app", o, want, files, 5);
}

static void test_directory_recurse(void **state)
{
	(void)state;
	const char *want[] = { "Service/s1", "Service/s2", "ConfigMap/a", "ConfigMap/b", "Secret/j",
			       "ConfigMap/deep", "ConfigMap/deeper", "ConfigMap/skip" };
	/* lexical per directory: "deep.yml" sorts before "deeper" */
	const char *files[] = { "app/list.yaml", "app/list.yaml", "app/multi.yaml", "app/multi.yaml",
				"app/obj.json", "app/sub/deep.yml", "app/sub/deeper/d.yaml", "app/sub/skip.yaml" };
	struct source_directory_opts o = { .recurse = 1 };
	expect("app", o, want, files, 8);
	expect("./app/", o, want, files, 8);
}

static void test_include_exclude(void **state)
{
	(void)state;
	/* '*' crosses directories, as in Argo CD */
	const char *w1[] = { "Service/s1", "Service/s2", "ConfigMap/a", "ConfigMap/b",
			     "ConfigMap/deeper", "ConfigMap/skip" };
	struct source_directory_opts o = { .recurse = 1, .include = "*.yaml" };
	expect("app", o, w1, NULL, 6);

	const char *w2[] = { "ConfigMap/a", "ConfigMap/b", "ConfigMap/deep", "ConfigMap/deeper",
			     "ConfigMap/skip" };
	o.include = "{multi.yaml,sub/*}";
	expect("app", o, w2, NULL, 5);

	/* exclude wins over include */
	const char *w3[] = { "ConfigMap/deep", "ConfigMap/deeper" };
	o.include = "sub/*";
	o.exclude = "*skip*";
	expect("app", o, w3, NULL, 2);

	const char *w4[] = { "Service/s1", "Service/s2", "Secret/j" };
	o.include = NULL;
	o.exclude = "{multi.yaml,sub/**}";
	expect("app", o, w4, NULL, 3);

	json_t *m = NULL, *s = NULL;
	struct berr err = BERR_INIT;
	o.exclude = "{a,b";
	assert_int_equal(source_directory_render(&m, &s, reader, "app", &o, &err), BERR_INVALID);
	assert_non_null(strstr(err.msg, "invalid exclude glob '{a,b'"));
}

static void test_globs(void **state)
{
	(void)state;
	assert_int_equal(source_glob_match("*.yaml", "a/b/c.yaml"), 1);
	assert_int_equal(source_glob_match("a?c", "a/c"), 1);
	assert_int_equal(source_glob_match("{a,b{c,d}}.y", "bd.y"), 1);
	assert_int_equal(source_glob_match("{a,b{c,d}}.y", "b.y"), 0);
	assert_int_equal(source_glob_match("[!x]*.json", "y.json"), 1);
	assert_int_equal(source_glob_match("[!x]*.json", "x.json"), 0);
	assert_int_equal(source_glob_match("\\{a\\}", "{a}"), 1);
	assert_int_equal(source_glob_match("{", "{"), BERR_INVALID);
	/* an alternation bomb is refused, not expanded */
	char bomb[200] = "";
	for (int i = 0; i < 12; i++)
		strcat(bomb, "{a,b}");
	assert_int_equal(source_glob_match(bomb, "zzz"), BERR_INVALID);
}

static void test_errors(void **state)
{
	(void)state;
	json_t *m = NULL, *s = NULL;
	struct berr err = BERR_INIT;
	struct source_directory_opts o = { 0 };
	assert_int_equal(source_directory_render(&m, &s, reader, "bad", &o, &err), BERR_INVALID);
	if (!strstr(err.msg, "bad/broken.yaml:"))
		fail_msg("error does not name file:line:column: %s", err.msg);
	assert_null(m);
	assert_int_equal(source_directory_render(&m, &s, reader, "badjson", &o, &err), BERR_INVALID);
	if (!strstr(err.msg, "badjson/two.json:2:"))
		fail_msg("error does not name file:line:column: %s", err.msg);
	assert_int_equal(source_directory_render(&m, &s, reader, "notyaml", &o, &err), BERR_INVALID);
	assert_non_null(strstr(err.msg, "'notyaml/seq.yaml': document 1 is a sequence"));
	assert_int_equal(source_directory_render(&m, &s, reader, "missing", &o, &err), BERR_NOTFOUND);
}

static void test_detect(void **state)
{
	(void)state;
	enum source_type t;
	struct berr err = BERR_INIT;
	assert_int_equal(source_detect(&t, reader, "chart", 0, &err), 0);
	assert_int_equal(t, SOURCE_HELM);
	assert_string_equal(source_type_name(t), "Helm");
	assert_int_equal(source_detect(&t, reader, "app", 0, &err), 0);
	assert_int_equal(t, SOURCE_DIRECTORY);
	assert_int_equal(source_detect(&t, reader, "app", 1, &err), 0);
	assert_int_equal(t, SOURCE_HELM);
	assert_int_equal(source_detect(&t, reader, "nope", 0, &err), BERR_NOTFOUND);
	assert_non_null(strstr(err.msg, "app path 'nope' not found"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_globs),
		cmocka_unit_test(test_directory_plain),
		cmocka_unit_test(test_directory_recurse),
		cmocka_unit_test(test_include_exclude),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_detect),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
