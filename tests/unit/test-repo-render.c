/*
 * Tests of repo-server/render.c, the engine behind the HTTP service: cache
 * keyed by options, no fetch for a commit already mirrored, errors for bad
 * paths and Helm sources, and the metrics text.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "repo-server/render.h"
#include "repo-fixture.h"

static char upstream[512], data_dir[512];
static struct render_engine *engine;

static int group_setup(void **state)
{
	if (fixture_setup(state))
		return -1;
	snprintf(upstream, sizeof(upstream), "%s/up", fixture_dir);
	snprintf(data_dir, sizeof(data_dir), "%s/data", fixture_dir);
	if (sh("set -e; git init -q -b main '%s'; cd '%s'; mkdir -p app/sub chart;"
	       "printf 'apiVersion: v1\\nkind: ConfigMap\\nmetadata:\\n  name: a\\n' > app/a.yaml;"
	       "printf 'apiVersion: v1\\nkind: ConfigMap\\nmetadata:\\n  name: b\\n' > app/sub/b.yaml;"
	       "printf 'apiVersion: v2\\nname: c\\nversion: 0.1.0\\n' > chart/Chart.yaml;"
	       "git add -A; git commit -q -m one", upstream, upstream))
		return -1;
	struct render_config cfg = { .data_dir = data_dir, .parallelism = 2 };
	struct berr err = BERR_INIT;
	return render_engine_open(&engine, &cfg, &err);
}

static int group_teardown(void **state)
{
	render_engine_free(engine);
	return fixture_teardown(state);
}

/* Renders and returns the parsed response (caller decrefs). */
static json_t *render(const char *revision, const char *path, int recurse, int want_rc,
		      struct berr *err)
{
	json_t *options = json_pack("{s:{s:b}}", "directory", "recurse", recurse);
	struct render_request req = {
		.repo_url = upstream, .revision = revision, .path = path,
		.directory = { .recurse = recurse }, .options = options,
	};
	struct buf out = BUF_INIT;
	int rc = render_manifests(&out, engine, &req, err);
	json_decref(options);
	if (rc != want_rc)
		fail_msg("render '%s' gave %d (%s), wanted %d", path, rc, err->msg, want_rc);
	json_t *doc = rc == 0 ? json_loads(out.data, 0, NULL) : NULL;
	if (rc == 0)
		assert_non_null(doc);
	buf_release(&out);
	return doc;
}

static unsigned long fetches(void)
{
	struct buf m = BUF_INIT;
	render_metrics(&m, engine);
	const char *line = strstr(m.data, "\nbosun_repo_git_fetch_total ");
	unsigned long n = line ? strtoul(line + 28, NULL, 10) : 0;
	buf_release(&m);
	return n;
}

static void test_render_and_cache(void **state)
{
	(void)state;
	struct berr err = BERR_INIT;
	const char *head = sh_out("git -C \"$HOME/up\" rev-parse HEAD");
	char sha[41];
	snprintf(sha, sizeof(sha), "%s", head);

	json_t *d = render("", "app", 0, 0, &err);
	assert_string_equal(json_string_value(json_object_get(d, "revision")), sha);
	assert_true(json_is_false(json_object_get(d, "cached")));
	assert_int_equal(json_array_size(json_object_get(d, "manifests")), 1);
	json_decref(d);

	d = render("main", "./app/", 0, 0, &err);          /* same key after cleaning */
	assert_true(json_is_true(json_object_get(d, "cached")));
	assert_string_equal(json_string_value(json_object_get(d, "sourceType")), "Directory");
	json_decref(d);

	d = render("main", "app", 1, 0, &err);             /* other options: rendered */
	assert_true(json_is_false(json_object_get(d, "cached")));
	assert_int_equal(json_array_size(json_object_get(d, "manifests")), 2);
	json_decref(d);

	/* a commit already in the mirror needs no fetch */
	unsigned long before = fetches();
	d = render(sha, "app", 1, 0, &err);
	assert_true(json_is_true(json_object_get(d, "cached")));
	json_decref(d);
	assert_int_equal(fetches(), before);
}

static void test_errors(void **state)
{
	(void)state;
	struct berr err = BERR_INIT;
	render("", "../up", 0, BERR_INVALID, &err);
	assert_non_null(strstr(err.msg, "leaves the repository"));
	json_t *helm = render("", "chart", 0, 0, &err);      /* a chart with no templates */
	assert_string_equal(json_string_value(json_object_get(helm, "sourceType")), "Helm");
	assert_int_equal(json_array_size(json_object_get(helm, "manifests")), 0);
	json_decref(helm);
	render("", "nowhere", 0, BERR_NOTFOUND, &err);
	render("v9.9.9", "app", 0, BERR_NOTFOUND, &err);
	assert_non_null(strstr(err.msg, "'v9.9.9'"));

	char sha[41];
	assert_int_equal(render_resolve(sha, engine, upstream, "HEAD", NULL, &err), 0);
	json_t *refs = NULL;
	assert_int_equal(render_refs(&refs, engine, upstream, NULL, &err), 0);
	assert_string_equal(json_string_value(json_object_get(refs, "head")), "main");
	json_decref(refs);
	assert_int_equal(render_refs(&refs, engine, "", NULL, &err), BERR_INVALID);
}

static void test_metrics(void **state)
{
	(void)state;
	struct buf m = BUF_INIT;
	render_metrics(&m, engine);
	assert_non_null(strstr(m.data, "# TYPE bosun_repo_cache_hits_total counter\n"));
	assert_non_null(strstr(m.data, "\nbosun_repo_cache_hits_total 2\n"));
	assert_non_null(strstr(m.data, "\nbosun_repo_renders_in_flight 0\n"));
	assert_non_null(strstr(m.data, "\nbosun_repo_render_errors_total 1\n"));  /* "nowhere" */
	buf_release(&m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_render_and_cache),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_metrics),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
