/*
 * test-diff.c — diff_compute() against Argo CD's legacy diff fixtures (one
 * test per row of peer/diff/expected.tsv: config, live with its
 * last-applied annotation, option, whether Argo CD finds it modified), the
 * drift rules the fixtures do not cover (removed fields, custom resources,
 * the annotation key, secrets), and diff_unified(). Peer data is found at
 * $BOSUN_PEER_DIR or ../shared/peer from the repository root.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "controller/diff.h"
#include "yaml.h"

#define MAX_ROWS 128

struct row {
	char config[512], live[512], option[128], name[256];
	int modified;
};

static struct row rows[MAX_ROWS];
static struct CMUnitTest tests[MAX_ROWS + 64];

static const char *peer_dir(void)
{
	const char *d = getenv("BOSUN_PEER_DIR");
	return d && *d ? d : "../shared/peer";
}

static json_t *load_json(const char *path)
{
	json_error_t jerr;
	json_t *doc = json_load_file(path, 0, &jerr);

	if (!doc)
		fail_msg("'%s': %s", path, jerr.text);
	return doc;
}

static void test_fixture(void **state)
{
	const struct row *r = *state;
	json_t *config = load_json(r->config), *live = load_json(r->live);
	struct diff_options opts = { 0 };
	struct diff_result res = DIFF_RESULT_INIT;
	struct berr err = BERR_INIT;

	if (strcmp(r->option, "ignoreAggregatedRoles=true") == 0)
		opts.ignore_aggregated_roles = 1;
	else if (strcmp(r->option, "-") != 0 && strcmp(r->option, "ignoreAggregatedRoles=false") != 0)
		fail_msg("unknown option '%s'", r->option);
	if (diff_compute(&res, config, live, &opts, &err) < 0)
		fail_msg("%s: %s", r->name, err.msg);
	if (res.modified != r->modified) {
		char *a = json_dumps(res.normalized_live, JSON_INDENT(1) | JSON_SORT_KEYS);
		char *b = json_dumps(res.predicted_live, JSON_INDENT(1) | JSON_SORT_KEYS);
		struct buf d = BUF_INIT;
		diff_unified(&d, a, b, "live", "predicted", 3, &err);
		fail_msg("%s: modified %d, want %d\n%s", r->name, res.modified, r->modified, d.data);
	}
	assert_non_null(res.predicted_live);
	assert_non_null(res.normalized_live);
	diff_result_release(&res);
	json_decref(config);
	json_decref(live);
}

/* --- drift rules ------------------------------------------------------------ */

/* A live object whose last-applied annotation (under `key`) is `applied`. */
static json_t *live_with(const char *live_text, const char *key, const char *applied_text)
{
	json_error_t jerr;
	json_t *live = json_loads(live_text, 0, &jerr);

	if (!live)
		fail_msg("bad test json: %s", jerr.text);
	if (applied_text) {
		json_t *meta = json_object_get(live, "metadata");
		json_t *ann = json_object_get(meta, "annotations");
		if (!ann) {
			ann = json_object();
			json_object_set_new(meta, "annotations", ann);
		}
		json_object_set_new(ann, key, json_string(applied_text));
	}
	return live;
}

static int modified(const char *config_text, const char *live_text, const char *applied,
		    const struct diff_options *opts, struct diff_result *keep)
{
	json_error_t jerr;
	json_t *config = json_loads(config_text, 0, &jerr);
	json_t *live = live_with(live_text, opts && opts->last_applied_key ?
				 opts->last_applied_key : DIFF_LAST_APPLIED, applied);
	struct diff_result res = DIFF_RESULT_INIT;
	struct berr err = BERR_INIT;
	int m;

	if (!config)
		fail_msg("bad test json: %s", jerr.text);
	if (diff_compute(&res, config, live, opts, &err) < 0)
		fail_msg("diff_compute: %s", err.msg);
	m = res.modified;
	if (keep)
		*keep = res;
	else
		diff_result_release(&res);
	json_decref(config);
	json_decref(live);
	return m;
}

#define DEPLOY_CFG(replicas, extra) \
	"{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"metadata\":{\"name\":\"web\"," \
	"\"labels\":{\"app\":\"web\"" extra "}},\"spec\":{\"replicas\":" replicas "}}"
#define DEPLOY_LIVE(replicas, extra) \
	"{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"metadata\":{\"name\":\"web\"," \
	"\"namespace\":\"default\",\"uid\":\"u1\",\"resourceVersion\":\"42\",\"generation\":7," \
	"\"labels\":{\"app\":\"web\"" extra "}},\"spec\":{\"replicas\":" replicas "," \
	"\"progressDeadlineSeconds\":600},\"status\":{\"replicas\":" replicas "}}"

static void test_builtin_drift(void **state)
{
	struct diff_result res;

	(void)state;
	/* in sync, server-set fields and status are not drift */
	assert_false(modified(DEPLOY_CFG("2", ""), DEPLOY_LIVE("2", ""), DEPLOY_CFG("2", ""),
			      NULL, NULL));
	/* 2.0 and 2 are the same number */
	assert_false(modified(DEPLOY_CFG("2.0", ""), DEPLOY_LIVE("2", ""), DEPLOY_CFG("2", ""),
			      NULL, NULL));
	/* a changed value is drift, and the prediction carries the config's */
	assert_true(modified(DEPLOY_CFG("3", ""), DEPLOY_LIVE("2", ""), DEPLOY_CFG("2", ""),
			     NULL, &res));
	assert_int_equal(json_integer_value(json_object_get(
		json_object_get(res.predicted_live, "spec"), "replicas")), 3);
	assert_null(json_object_get(res.predicted_live, "status"));
	assert_null(json_object_get(json_object_get(res.normalized_live, "metadata"), "uid"));
	assert_null(json_object_get(json_object_get(res.normalized_live, "metadata"),
				    "annotations"));
	diff_result_release(&res);
	/* a label removed from git that the last apply set is drift */
	assert_true(modified(DEPLOY_CFG("2", ""), DEPLOY_LIVE("2", ",\"tier\":\"fe\""),
			     DEPLOY_CFG("2", ",\"tier\":\"fe\""), NULL, NULL));
	/* a label someone else added is not */
	assert_false(modified(DEPLOY_CFG("2", ""), DEPLOY_LIVE("2", ",\"tier\":\"fe\""),
			      DEPLOY_CFG("2", ""), NULL, NULL));
	/* without last-applied the config stands in: extra live fields are fine */
	assert_false(modified(DEPLOY_CFG("2", ""), DEPLOY_LIVE("2", ",\"tier\":\"fe\""), NULL,
			      NULL, NULL));
	/* an unreadable annotation is treated as absent */
	assert_false(modified(DEPLOY_CFG("2", ""), DEPLOY_LIVE("2", ""), "{not json", NULL, NULL));
}

#define CR_CFG(spec) \
	"{\"apiVersion\":\"example.com/v1\",\"kind\":\"Widget\",\"metadata\":{\"name\":\"w\"," \
	"\"namespace\":\"default\"},\"spec\":" spec "}"
#define CR_LIVE(spec) \
	"{\"apiVersion\":\"example.com/v1\",\"kind\":\"Widget\",\"metadata\":{\"name\":\"w\"," \
	"\"namespace\":\"default\",\"generation\":2},\"spec\":" spec ",\"status\":{\"ok\":true}}"

static void test_custom_resource_drift(void **state)
{
	(void)state;
	/* a field defaulted by the operator is not drift */
	assert_false(modified(CR_CFG("{\"size\":1}"), CR_LIVE("{\"size\":1,\"mode\":\"auto\"}"),
			      CR_CFG("{\"size\":1}"), NULL, NULL));
	/* a field removed from git is */
	assert_true(modified(CR_CFG("{\"size\":1}"), CR_LIVE("{\"size\":1,\"mode\":\"auto\"}"),
			     CR_CFG("{\"size\":1,\"mode\":\"auto\"}"), NULL, NULL));
	/* lists are replaced whole */
	assert_true(modified(CR_CFG("{\"items\":[1,2]}"), CR_LIVE("{\"items\":[1,2,3]}"),
			     CR_CFG("{\"items\":[1,2]}"), NULL, NULL));
	assert_true(modified(CR_CFG("{\"size\":2}"), CR_LIVE("{\"size\":1}"),
			     CR_CFG("{\"size\":1}"), NULL, NULL));
}

static void test_annotation_key(void **state)
{
	struct diff_options bosun = { .last_applied_key = "bosun.io/last-applied" };

	(void)state;
	/* the removal is only seen through the annotation the options name */
	assert_true(modified(DEPLOY_CFG("2", ""), DEPLOY_LIVE("2", ",\"tier\":\"fe\""),
			     DEPLOY_CFG("2", ",\"tier\":\"fe\""), &bosun, NULL));
	assert_false(modified(DEPLOY_CFG("2", ""),
			      "{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"metadata\":"
			      "{\"name\":\"web\",\"labels\":{\"app\":\"web\",\"tier\":\"fe\"},"
			      "\"annotations\":{\"kubectl.kubernetes.io/last-applied-configuration\":"
			      "\"{\\\"apiVersion\\\":\\\"apps/v1\\\",\\\"kind\\\":\\\"Deployment\\\","
			      "\\\"metadata\\\":{\\\"name\\\":\\\"web\\\",\\\"labels\\\":{\\\"tier\\\":"
			      "\\\"fe\\\"}}}\"}},\"spec\":{\"replicas\":2}}", NULL, &bosun, NULL));
}

#define SECRET_TYPED(type, data) \
	"{\"apiVersion\":\"v1\",\"kind\":\"Secret\",\"metadata\":{\"name\":\"s\"},\"type\":" \
	"\"" type "\"," data "}"
#define SECRET(data) SECRET_TYPED("Opaque", data)

static void test_secret_masking(void **state)
{
	struct diff_result res;
	json_t *pd, *ld;
	char *dump;

	(void)state;
	assert_true(modified(SECRET("\"data\":{\"a\":\"b2xk\",\"b\":\"c2FtZQ==\"}"),
			     SECRET("\"data\":{\"a\":\"bmV3\",\"b\":\"c2FtZQ==\"}"),
			     SECRET("\"data\":{\"a\":\"b2xk\",\"b\":\"c2FtZQ==\"}"), NULL, &res));
	pd = json_object_get(res.predicted_live, "data");
	ld = json_object_get(res.normalized_live, "data");
	assert_string_equal(json_string_value(json_object_get(pd, "a")), "++++++++");
	assert_string_equal(json_string_value(json_object_get(ld, "a")), "++++++++++++");
	assert_string_equal(json_string_value(json_object_get(pd, "b")), "++++++++");
	assert_string_equal(json_string_value(json_object_get(ld, "b")), "++++++++");
	/* no value and no last-applied annotation leaks into the outputs */
	dump = json_dumps(res.normalized_live, 0);
	assert_null(strstr(dump, "bmV3"));
	assert_null(strstr(dump, "b2xk"));
	free(dump);
	diff_result_release(&res);
	/* equal values: equal masks on both sides, whatever else changed */
	assert_true(modified(SECRET_TYPED("x", "\"data\":{\"a\":\"c2FtZQ==\"}"),
			     SECRET_TYPED("y", "\"data\":{\"a\":\"c2FtZQ==\"}"),
			     SECRET_TYPED("y", "\"data\":{\"a\":\"c2FtZQ==\"}"), NULL, &res));
	assert_string_equal(json_string_value(json_object_get(
		json_object_get(res.predicted_live, "data"), "a")), "++++++++");
	assert_string_equal(json_string_value(json_object_get(
		json_object_get(res.normalized_live, "data"), "a")), "++++++++");
	diff_result_release(&res);
	/* stringData is compared as the data it becomes */
	assert_false(modified(SECRET("\"stringData\":{\"a\":\"new\"}"),
			      SECRET("\"data\":{\"a\":\"bmV3\"}"),
			      SECRET("\"stringData\":{\"a\":\"new\"}"), NULL, NULL));
	assert_true(modified(SECRET("\"stringData\":{\"a\":\"old\"}"),
			     SECRET("\"data\":{\"a\":\"bmV3\"}"),
			     SECRET("\"stringData\":{\"a\":\"old\"}"), NULL, NULL));
	/* a Secret too odd to normalise still shows no value */
	assert_true(modified(SECRET("\"stringData\":{\"a\":\"plain\",\"n\":1}"),
			     SECRET("\"data\":{\"a\":\"bmV3\"}"), NULL, NULL, &res));
	dump = json_dumps(res.predicted_live, 0);
	assert_null(strstr(dump, "plain"));
	assert_non_null(strstr(dump, "\"stringData\": {\"a\": \"++++++++\""));
	free(dump);
	diff_result_release(&res);
	/* diffing over another annotation leaves kubectl's on the live Secret:
	 * its values are masked too */
	struct diff_options other = { .last_applied_key = "bosun.io/last-applied" };
	json_t *live = live_with(SECRET("\"data\":{\"a\":\"aHVudGVy\"}"), DIFF_LAST_APPLIED,
				 "{\"kind\":\"Secret\",\"stringData\":{\"a\":\"hunter\"}}");
	json_t *config = json_loads(SECRET("\"stringData\":{\"a\":\"hunter\"}"), 0, NULL);
	assert_int_equal(diff_compute(&res, config, live, &other, NULL), 0);
	dump = json_dumps(res.normalized_live, 0);
	assert_null(strstr(dump, "hunter"));
	assert_non_null(strstr(dump, "{\\\"a\\\":\\\"++++++++\\\"}"));
	free(dump);
	diff_result_release(&res);
	json_decref(live);
	json_decref(config);
}

static void test_missing_and_extra(void **state)
{
	json_t *config = json_loads(DEPLOY_CFG("2", ""), 0, NULL);
	json_t *live = json_loads(DEPLOY_LIVE("2", ""), 0, NULL);
	struct diff_result res = DIFF_RESULT_INIT;
	struct berr err = BERR_INIT;

	(void)state;
	assert_int_equal(diff_compute(&res, config, NULL, NULL, &err), 0);
	assert_true(res.modified);
	assert_null(res.normalized_live);
	assert_non_null(res.predicted_live);
	diff_result_release(&res);
	assert_int_equal(diff_compute(&res, NULL, live, NULL, &err), 0);
	assert_false(res.modified);
	assert_null(res.predicted_live);
	assert_null(json_object_get(res.normalized_live, "status"));
	diff_result_release(&res);
	assert_int_equal(diff_compute(&res, NULL, NULL, NULL, &err), BERR_INVALID);
	json_decref(config);
	json_decref(live);
}

static void test_invalid_input(void **state)
{
	json_t *arr = json_array(), *deep = json_pack("{s:s,s:s}", "apiVersion", "v1",
						       "kind", "ConfigMap");
	json_t *cur = deep;
	struct diff_result res = DIFF_RESULT_INIT;
	struct berr err = BERR_INIT;

	(void)state;
	assert_int_equal(diff_compute(&res, arr, NULL, NULL, &err), BERR_INVALID);
	assert_non_null(strstr(err.msg, "desired"));
	for (int i = 0; i < 300; i++) {
		json_t *next = json_object();
		json_object_set_new(cur, "x", next);
		cur = next;
	}
	assert_int_equal(diff_compute(&res, deep, NULL, NULL, &err), BERR_LIMIT);
	json_decref(arr);
	json_decref(deep);
}

/* --- unified text diff ------------------------------------------------------ */

static void test_unified_basic(void **state)
{
	struct buf out = BUF_INIT;
	struct berr err = BERR_INIT;

	(void)state;
	assert_int_equal(diff_unified(&out, "a\nb\nc\n", "a\nb\nc\n", "x", "y", 3, &err), 0);
	assert_string_equal(out.data, "");
	assert_int_equal(diff_unified(&out, "1\n2\n3\n4\n5\n6\n7\n8\n9\n",
				      "1\n2\nthree\n4\n5\n6\n7\n8\n9\nten\n", "live", "desired",
				      1, &err), 0);
	assert_string_equal(out.data,
			    "--- live\n+++ desired\n"
			    "@@ -2,3 +2,3 @@\n 2\n-3\n+three\n 4\n"
			    "@@ -9 +9,2 @@\n 9\n+ten\n");
	buf_reset(&out);
	/* close changes share a hunk */
	assert_int_equal(diff_unified(&out, "a\nb\nc\nd\n", "A\nb\nc\nD\n", "l", "r", 1, &err), 0);
	assert_string_equal(out.data, "--- l\n+++ r\n@@ -1,4 +1,4 @@\n-a\n+A\n b\n c\n-d\n+D\n");
	buf_reset(&out);
	assert_int_equal(diff_unified(&out, "a\nb", "a\nb\n", "l", "r", 3, &err), 0);
	assert_string_equal(out.data, "--- l\n+++ r\n@@ -1,2 +1,2 @@\n a\n-b\n"
			    "\\ No newline at end of file\n+b\n");
	buf_reset(&out);
	assert_int_equal(diff_unified(&out, "", "x\n", "l", "r", 3, &err), 0);
	assert_string_equal(out.data, "--- l\n+++ r\n@@ -0,0 +1 @@\n+x\n");
	buf_release(&out);
}

static void test_unified_limits(void **state)
{
	struct buf big = BUF_INIT, out = BUF_INIT;
	struct berr err = BERR_INIT;

	(void)state;
	for (int i = 0; i <= DIFF_MAX_LINES; i++)
		buf_adds(&big, "x\n");
	assert_int_equal(diff_unified(&out, big.data, "x\n", "l", "r", 3, &err), BERR_LIMIT);
	assert_non_null(strstr(err.msg, "lines"));
	buf_reset(&big);
	/* two long texts with nothing in common still finish, and correctly */
	for (int i = 0; i < 20000; i++)
		buf_addf(&big, "%d\n", i);
	buf_reset(&out);
	assert_int_equal(diff_unified(&out, big.data, "only\n", "l", "r", 0, &err), 0);
	assert_non_null(strstr(out.data, "@@ -1,20000 +1 @@\n"));
	buf_release(&big);
	buf_release(&out);
}

/* The CLI's view: both sides rendered as YAML, then diffed. */
static void test_unified_of_yaml(void **state)
{
	struct diff_result res;
	struct buf a = BUF_INIT, b = BUF_INIT, out = BUF_INIT;
	struct berr err = BERR_INIT;

	(void)state;
	assert_true(modified(DEPLOY_CFG("3", ""), DEPLOY_LIVE("2", ""), DEPLOY_CFG("2", ""),
			     NULL, &res));
	yaml_write(&a, res.normalized_live);
	yaml_write(&b, res.predicted_live);
	assert_int_equal(diff_unified(&out, a.data, b.data, "live", "desired", 3, &err), 0);
	assert_non_null(strstr(out.data, "-  replicas: 2\n+  replicas: 3\n"));
	diff_result_release(&res);
	buf_release(&a);
	buf_release(&b);
	buf_release(&out);
}

static int load_rows(void)
{
	char path[1024], line[4096];
	FILE *f;
	int n = 0;

	snprintf(path, sizeof(path), "%s/diff/expected.tsv", peer_dir());
	f = fopen(path, "r");
	if (!f) {
		fprintf(stderr, "# cannot open '%s' (set BOSUN_PEER_DIR)\n", path);
		return -1;
	}
	while (fgets(line, sizeof(line), f) && n < MAX_ROWS) {
		char *cols[5] = { 0 }, *s = line;
		int i;
		if (line[0] == '#')
			continue;
		line[strcspn(line, "\r\n")] = '\0';
		for (i = 0; i < 5 && s; i++)
			cols[i] = strsep(&s, "\t");
		if (i < 4 || !cols[3])
			continue;
		snprintf(rows[n].config, sizeof(rows[n].config), "%.200s/diff/%.200s", peer_dir(), cols[0]);
		snprintf(rows[n].live, sizeof(rows[n].live), "%.200s/diff/%.200s", peer_dir(), cols[1]);
		snprintf(rows[n].option, sizeof(rows[n].option), "%.100s", cols[2]);
		snprintf(rows[n].name, sizeof(rows[n].name), "argo fixture %.80s %.60s: %.80s",
			 cols[0], cols[2], cols[4] ? cols[4] : "");
		rows[n].modified = strcmp(cols[3], "true") == 0;
		n++;
	}
	fclose(f);
	return n;
}

static void test_fixtures_present(void **state)
{
	(void)state;
	fail_msg("no rows in '%s/diff/expected.tsv' (set BOSUN_PEER_DIR)", peer_dir());
}

int main(void)
{
	static const struct CMUnitTest extra[] = {
		cmocka_unit_test(test_builtin_drift),
		cmocka_unit_test(test_custom_resource_drift),
		cmocka_unit_test(test_annotation_key),
		cmocka_unit_test(test_secret_masking),
		cmocka_unit_test(test_missing_and_extra),
		cmocka_unit_test(test_invalid_input),
		cmocka_unit_test(test_unified_basic),
		cmocka_unit_test(test_unified_limits),
		cmocka_unit_test(test_unified_of_yaml),
	};
	int n = load_rows(), count = 0;

	for (int i = 0; i < n; i++) {
		struct CMUnitTest t = { rows[i].name, test_fixture, NULL, NULL, &rows[i] };
		tests[count++] = t;
	}
	if (n <= 0) {
		struct CMUnitTest t = cmocka_unit_test(test_fixtures_present);
		tests[count++] = t;
	}
	for (size_t i = 0; i < sizeof(extra) / sizeof(extra[0]); i++)
		tests[count++] = extra[i];
	return _cmocka_run_group_tests("diff", tests, (size_t)count, NULL, NULL);
}
