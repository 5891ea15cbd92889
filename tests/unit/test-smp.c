/*
 * test-smp — strategic merge patch against apimachinery's own test cases.
 *
 * The peer data (shared/peer/smp/smp_cases.json) holds the cases of
 * k8s.io/apimachinery/pkg/util/strategicpatch's tests, in six sections.
 * Each case becomes one cmocka test, run once with the schema loaded from
 * the OpenAPI v3 fixture and once with the swagger 2.0 one, as upstream
 * runs them against both. Sections whose documents are objects compare
 * after sorting merging lists (upstream's sortJsonOrFail); the "raw"
 * sections hold YAML text and compare in order, $setElementOrder included.
 *
 * The data is found at $BOSUN_PEER_DIR/smp, else ../shared/peer/smp (tests
 * run from the repository root).
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
#include "yaml.h"

enum section {
	SORT,           /* sortMergeListTestCaseData */
	CUSTOM,         /* customStrategicMergePatchTestCaseData */
	CREATE,         /* createStrategicMergePatchTestCaseData */
	CUSTOM_RAW,     /* customStrategicMergePatchRawTestCases */
	RAW,            /* strategicMergePatchRawTestCases */
	RAW_EXT,        /* replaceRawExtensionPatchTestCases */
};

static const char *section_names[] = {
	"sortMergeListTestCaseData",
	"customStrategicMergePatchTestCaseData",
	"createStrategicMergePatchTestCaseData",
	"customStrategicMergePatchRawTestCases",
	"strategicMergePatchRawTestCases",
	"replaceRawExtensionPatchTestCases",
};

struct tcase {
	enum section section;
	const json_t *data;
	const struct smp_schema *schema;
	const char *schema_name;
};

static char *peer_path(const char *file)
{
	const char *dir = getenv("BOSUN_PEER_DIR");
	struct buf b = BUF_INIT;
	buf_addf(&b, "%s/smp/%s", dir && *dir ? dir : "../shared/peer", file);
	return buf_detach(&b, NULL);
}

static char *show(const json_t *v)
{
	char *s = v ? json_dumps(v, JSON_ENCODE_ANY | JSON_SORT_KEYS | JSON_COMPACT) : NULL;
	return s ? s : strdup("(none)");
}

/* A field of the case as a document: raw sections hold YAML text. NULL when
 * the case does not have the field. */
static json_t *field(const struct tcase *t, const char *name)
{
	json_t *v = json_object_get(t->data, name);
	if (!v)
		return NULL;
	if (!json_is_string(v))
		return json_incref(v);
	json_t *doc = NULL;
	struct berr err = BERR_INIT;
	const char *text = json_string_value(v);
	if (yaml_read(&doc, text, strlen(text), name, &err) < 0)
		fail_msg("'%s': %s", name, err.msg);
	return doc;
}

static bool is_raw(const struct tcase *t)
{
	return t->section >= CUSTOM_RAW;
}

/* Upstream's sortJsonOrFail for the object sections; raw ones compare as is. */
static json_t *normal(const struct tcase *t, const json_t *v)
{
	if (!v || is_raw(t) || json_is_null(v))
		return v ? json_incref((json_t *)v) : json_object();
	json_t *out = NULL;
	struct berr err = BERR_INIT;
	if (smp_sort_merge_lists(&out, v, t->schema, &err) < 0)
		fail_msg("cannot sort '%s': %s", json_string_value(json_object_get(t->data, "description")), err.msg);
	return out;
}

static void expect_same(const struct tcase *t, const char *what, const json_t *want,
			const json_t *got)
{
	json_t *a = normal(t, want), *b = normal(t, got);
	if (!json_equal(a, b)) {
		char *sa = show(a), *sb = show(b);
		print_error("%s: %s\n  want %s\n  got  %s\n", t->schema_name, what, sa, sb);
		free(sa);
		free(sb);
		json_decref(a);
		json_decref(b);
		fail();
	}
	json_decref(a);
	json_decref(b);
}

static void apply_and_check(const struct tcase *t, const char *what, const json_t *doc,
			    const json_t *patch, const json_t *want)
{
	json_t *got = NULL;
	struct berr err = BERR_INIT;
	if (smp_apply(&got, doc, patch, t->schema, &err) < 0)
		fail_msg("%s: %s: %s", t->schema_name, what, err.msg);
	expect_same(t, what, want, got);
	json_decref(got);
}

static void run_sort(const struct tcase *t)
{
	json_t *orig = field(t, "original"), *want = field(t, "sorted"), *got = NULL;
	struct berr err = BERR_INIT;
	if (smp_sort_merge_lists(&got, orig, t->schema, &err) < 0)
		fail_msg("sort: %s", err.msg);
	struct tcase raw = *t;
	raw.section = RAW;      /* the point is the order: compare as is */
	expect_same(&raw, "sorted", want, got);
	json_decref(orig);
	json_decref(want);
	json_decref(got);
}

/* customStrategicMergePatch*: apply the given patch to original. */
static void run_custom(const struct tcase *t)
{
	json_t *orig = field(t, "original"), *patch = field(t, "twoWay");
	json_t *want = field(t, "modified");
	const char *want_err = json_string_value(json_object_get(t->data, "expectedError"));
	if (want_err) {
		json_t *got = NULL;
		struct berr err = BERR_INIT;
		int rc = smp_apply(&got, orig, patch, t->schema, &err);
		if (rc == 0) {
			char *s = show(got);
			json_decref(got);
			fail_msg("%s: expected an error containing '%s', got %s", t->schema_name, want_err, s);
		}
		if (!strstr(err.msg, want_err))
			fail_msg("%s: expected an error containing '%s', got '%s'", t->schema_name, want_err, err.msg);
	} else {
		apply_and_check(t, "apply twoWay to original", orig, patch, want);
	}
	json_decref(orig);
	json_decref(patch);
	json_decref(want);
}

static json_t *expected(const struct tcase *t, const char *name);

/* create*: two-way and three-way patch creation, then application. */
static void run_create(const struct tcase *t)
{
	json_t *orig = field(t, "original"), *mod = field(t, "modified");
	json_t *cur = field(t, "current"), *two = field(t, "twoWay");
	json_t *three = field(t, "threeWay"), *result = expected(t, "result");
	json_t *two_result = field(t, "twoWayResult");
	struct berr err = BERR_INIT;
	json_t *patch = NULL;

	if (smp_create_two_way(&patch, orig, mod, t->schema, &err) < 0)
		fail_msg("%s: two-way: %s", t->schema_name, err.msg);
	expect_same(t, "two-way patch", two, patch);
	apply_and_check(t, "apply two-way patch to original", orig, patch,
			two_result ? two_result : mod);
	json_decref(patch);
	patch = NULL;

	/* as upstream: a case whose description says "conflict" must conflict
	 * without overwrite, and then (when it has a result) be forced */
	const char *desc = json_string_value(json_object_get(t->data, "description"));
	bool want_conflict = strstr(desc, "conflict") != NULL;
	int rc = smp_create_three_way(&patch, orig, mod, cur, t->schema, false, &err);
	if (rc == BERR_CONFLICT) {
		if (!want_conflict)
			fail_msg("%s: unexpected conflict: %s", t->schema_name, err.msg);
		if (result && smp_create_three_way(&patch, orig, mod, cur, t->schema, true, &err) < 0)
			fail_msg("%s: forced three-way: %s", t->schema_name, err.msg);
	} else if (rc < 0) {
		fail_msg("%s: three-way: %s", t->schema_name, err.msg);
	} else if (want_conflict || !result) {
		char *s = show(patch);
		json_decref(patch);
		fail_msg("%s: expected conflict did not occur, patch %s", t->schema_name, s);
	}
	if (result) {
		expect_same(t, "three-way patch", three, patch);
		apply_and_check(t, "apply three-way patch to current", cur, patch, result);
	}
	json_decref(patch);
	json_decref(orig);
	json_decref(mod);
	json_decref(cur);
	json_decref(two);
	json_decref(three);
	json_decref(result);
	json_decref(two_result);
}

/*
 * Cases where the peer data disagrees with upstream apimachinery. Upstream's
 * fixtures (strategicpatch/patch_test.go) expect the values below, which is
 * also what a three-way apply must do: an item the live object has and the
 * last-applied configuration never had belongs to someone else and stays.
 * The test checks for upstream's value and says so.
 */
static const struct divergence {
	enum section section;
	const char *description;
	const char *field;
	const char *upstream;           /* YAML */
} divergences[] = {
	{ RAW, "nested patch merge with empty list", "result",
	  "name: hi\nmergingList:\n- name: hello\n- name: hello2\n" },
	{ RAW_EXT, "replace RawExtension field and merge list", "result",
	  "name: my-object\nvalue: some-value\nother: current-other\n"
	  "mergingList:\n  - name: 1\n  - name: 2\n  - name: 3\n"
	  "replacingItem:\n  Newly: Modified\n  Yaml: Inside\n  The: RawExtension\n" },
};

/* The expected value of `name`, corrected where the peer data diverges. */
static json_t *expected(const struct tcase *t, const char *name)
{
	const char *desc = json_string_value(json_object_get(t->data, "description"));
	for (size_t i = 0; i < sizeof(divergences) / sizeof(divergences[0]); i++) {
		const struct divergence *d = &divergences[i];
		if (d->section != t->section || strcmp(d->description, desc) != 0 ||
		    strcmp(d->field, name) != 0)
			continue;
		json_t *doc = NULL;
		struct berr err = BERR_INIT;
		if (yaml_read(&doc, d->upstream, strlen(d->upstream), "divergence", &err) < 0)
			fail_msg("divergence: %s", err.msg);
		print_message("# note: peer data's '%s' differs from upstream apimachinery; checking upstream's value\n",
			      name);
		return doc;
	}
	return field(t, name);
}

static void run_case(void **state)
{
	const struct tcase *t = *state;
	switch (t->section) {
	case SORT: run_sort(t); break;
	case CUSTOM:
	case CUSTOM_RAW: run_custom(t); break;
	case CREATE:
	case RAW:
	case RAW_EXT: run_create(t); break;
	}
}

/* ---- hand-written cases on the built-in schemas ----------------------- */

static json_t *J(const char *text)
{
	json_error_t e;
	json_t *v = json_loads(text, JSON_DECODE_ANY, &e);
	if (!v)
		fail_msg("bad test JSON '%s': %s", text, e.text);
	return v;
}

static void check_apply(const char *api_version, const char *kind, const char *orig,
			const char *patch, const char *want)
{
	const struct smp_schema *s;
	struct berr err = BERR_INIT;
	assert_int_equal(smp_schema_builtin(&s, api_version, kind, &err), 0);
	json_t *o = J(orig), *p = J(patch), *w = J(want), *got = NULL;
	if (smp_apply(&got, o, p, s, &err) < 0)
		fail_msg("apply: %s", err.msg);
	if (!json_equal(got, w)) {
		char *a = show(w), *b = show(got);
		print_error("want %s\ngot  %s\n", a, b);
		free(a);
		free(b);
		fail();
	}
	json_decref(o);
	json_decref(p);
	json_decref(w);
	json_decref(got);
}

static void test_builtin_deployment(void **state)
{
	(void)state;
	/* containers merge by name, env by name, ports by containerPort; as
	 * upstream, items new to the list come before the ones already there */
	check_apply("apps/v1", "Deployment",
		    "{\"spec\":{\"template\":{\"spec\":{\"containers\":["
		    "{\"name\":\"web\",\"image\":\"web:1\",\"env\":[{\"name\":\"A\",\"value\":\"1\"}],"
		    "\"ports\":[{\"containerPort\":80}]},"
		    "{\"name\":\"sidecar\",\"image\":\"proxy:1\"}]}}}}",
		    "{\"spec\":{\"template\":{\"spec\":{\"containers\":["
		    "{\"name\":\"web\",\"image\":\"web:2\",\"env\":[{\"name\":\"B\",\"value\":\"2\"}],"
		    "\"ports\":[{\"containerPort\":443}]}]}}}}",
		    "{\"spec\":{\"template\":{\"spec\":{\"containers\":["
		    "{\"name\":\"web\",\"image\":\"web:2\",\"env\":[{\"name\":\"B\",\"value\":\"2\"},"
		    "{\"name\":\"A\",\"value\":\"1\"}],\"ports\":[{\"containerPort\":443},{\"containerPort\":80}]},"
		    "{\"name\":\"sidecar\",\"image\":\"proxy:1\"}]}}}}");
	/* args have no strategy: replaced; $patch: delete removes a container */
	check_apply("apps/v1", "Deployment",
		    "{\"spec\":{\"template\":{\"spec\":{\"containers\":["
		    "{\"name\":\"web\",\"args\":[\"a\",\"b\"]},{\"name\":\"old\"}]}}}}",
		    "{\"spec\":{\"template\":{\"spec\":{\"containers\":["
		    "{\"name\":\"web\",\"args\":[\"c\"]},{\"name\":\"old\",\"$patch\":\"delete\"}]}}}}",
		    "{\"spec\":{\"template\":{\"spec\":{\"containers\":["
		    "{\"name\":\"web\",\"args\":[\"c\"]}]}}}}");
	/* strategy has retainKeys: switching type clears rollingUpdate */
	check_apply("apps/v1", "Deployment",
		    "{\"spec\":{\"strategy\":{\"type\":\"RollingUpdate\",\"rollingUpdate\":{\"maxSurge\":1}}}}",
		    "{\"spec\":{\"strategy\":{\"$retainKeys\":[\"type\"],\"type\":\"Recreate\"}}}",
		    "{\"spec\":{\"strategy\":{\"type\":\"Recreate\"}}}");
}

static void test_builtin_cronjob_and_meta(void **state)
{
	(void)state;
	check_apply("batch/v1", "CronJob",
		    "{\"spec\":{\"jobTemplate\":{\"spec\":{\"template\":{\"spec\":{\"volumes\":["
		    "{\"name\":\"data\",\"emptyDir\":{}}]}}}}}}",
		    "{\"spec\":{\"jobTemplate\":{\"spec\":{\"template\":{\"spec\":{\"volumes\":["
		    "{\"name\":\"cfg\",\"configMap\":{\"name\":\"c\"}}]}}}}}}",
		    "{\"spec\":{\"jobTemplate\":{\"spec\":{\"template\":{\"spec\":{\"volumes\":["
		    "{\"name\":\"cfg\",\"configMap\":{\"name\":\"c\"}},{\"name\":\"data\",\"emptyDir\":{}}]}}}}}}");
	/* finalizers merge as a set; ownerReferences by uid */
	check_apply("v1", "ConfigMap",
		    "{\"metadata\":{\"finalizers\":[\"a\"],\"ownerReferences\":[{\"uid\":\"1\",\"name\":\"x\"}]}}",
		    "{\"metadata\":{\"finalizers\":[\"b\",\"a\"],\"ownerReferences\":[{\"uid\":\"2\",\"name\":\"y\"}]}}",
		    "{\"metadata\":{\"finalizers\":[\"b\",\"a\"],\"ownerReferences\":[{\"uid\":\"2\",\"name\":\"y\"},"
		    "{\"uid\":\"1\",\"name\":\"x\"}]}}");
	check_apply("v1", "Service",
		    "{\"spec\":{\"ports\":[{\"port\":80,\"name\":\"http\"}]}}",
		    "{\"spec\":{\"ports\":[{\"port\":443,\"name\":\"https\"}]}}",
		    "{\"spec\":{\"ports\":[{\"port\":443,\"name\":\"https\"},{\"port\":80,\"name\":\"http\"}]}}");
}

static void test_set_order_on_empty_list(void **state)
{
	(void)state;
	/* an empty live list with $setElementOrder once looped forever */
	check_apply("v1", "Pod",
		    "{\"spec\":{\"containers\":[]}}",
		    "{\"spec\":{\"$setElementOrder/containers\":[{\"name\":\"b\"},{\"name\":\"a\"}],"
		    "\"containers\":[{\"name\":\"b\"},{\"name\":\"a\"},{\"name\":\"c\",\"$patch\":\"delete\"}]}}",
		    "{\"spec\":{\"containers\":[{\"name\":\"b\"},{\"name\":\"a\"}]}}");
	/* deletions and additions in one patch keep Go's order */
	check_apply("v1", "Pod",
		    "{\"spec\":{\"containers\":[{\"name\":\"x\"},{\"name\":\"y\",\"image\":\"b\"},"
		    "{\"name\":\"z\",\"image\":\"c\"}]}}",
		    "{\"spec\":{\"$setElementOrder/containers\":[{\"name\":\"y\"},{\"name\":\"w\"}],"
		    "\"containers\":[{\"name\":\"w\"},{\"name\":\"x\",\"$patch\":\"delete\"}]}}",
		    "{\"spec\":{\"containers\":[{\"name\":\"y\",\"image\":\"b\"},{\"name\":\"z\",\"image\":\"c\"},"
		    "{\"name\":\"w\"}]}}");
}

static void test_custom_resource_unsupported(void **state)
{
	(void)state;
	const struct smp_schema *s = (void *)1;
	struct berr err = BERR_INIT;
	assert_int_equal(smp_schema_builtin(&s, "example.com/v1", "Widget", &err), BERR_UNSUPPORTED);
	assert_null(s);
	assert_non_null(strstr(err.msg, "Widget"));
	json_t *obj = J("{\"apiVersion\":\"apps/v1\",\"kind\":\"Widget\"}");
	assert_int_equal(smp_schema_for_object(&s, obj, &err), BERR_UNSUPPORTED);
	json_decref(obj);
	json_t *out = NULL, *doc = J("{}");
	assert_int_equal(smp_apply(&out, doc, doc, NULL, &err), BERR_UNSUPPORTED);
	assert_null(out);
	json_decref(doc);
}

static void test_openapi_loader(void **state)
{
	(void)state;
	struct smp_schema *s = NULL;
	struct berr err = BERR_INIT;
	json_t *doc = J("{\"definitions\":{"
			"\"top\":{\"properties\":{\"items\":{\"type\":\"array\","
			"\"items\":{\"$ref\":\"#/definitions/item\"},"
			"\"x-kubernetes-patch-strategy\":\"merge\",\"x-kubernetes-patch-merge-key\":\"id\"},"
			"\"opts\":{\"$ref\":\"#/definitions/item\",\"x-kubernetes-patch-strategy\":\"retainKeys\"}}},"
			"\"item\":{\"properties\":{\"tags\":{\"type\":\"array\",\"items\":{\"type\":\"string\"},"
			"\"x-kubernetes-patch-strategy\":\"merge\"}}}}}");
	assert_int_equal(smp_schema_load_openapi(&s, doc, "top", &err), 0);
	const struct smp_field *f = smp_type_field(s->root, "items");
	assert_non_null(f);
	assert_int_equal(f->strategy, SMP_MERGE);
	assert_string_equal(f->merge_key, "id");
	assert_non_null(f->type);
	f = smp_type_field(f->type, "tags");
	assert_non_null(f);
	assert_null(f->merge_key);
	assert_int_equal(smp_type_field(s->root, "opts")->strategy, SMP_RETAIN_KEYS);
	assert_null(smp_type_field(s->root, "missing"));
	smp_schema_free(s);

	assert_int_equal(smp_schema_load_openapi(&s, doc, "nope", &err), BERR_NOTFOUND);
	assert_null(s);
	json_decref(doc);
	doc = J("{\"swagger\":\"2.0\"}");
	assert_int_equal(smp_schema_load_openapi(&s, doc, "top", &err), BERR_INVALID);
	json_decref(doc);
	doc = J("{\"definitions\":{\"top\":{\"properties\":{\"a\":{\"x-kubernetes-patch-strategy\":\"shuffle\"}}}}}");
	assert_int_equal(smp_schema_load_openapi(&s, doc, "top", &err), BERR_INVALID);
	assert_non_null(strstr(err.msg, "unknown patch strategy 'shuffle'"));
	json_decref(doc);
}

static void test_three_way_kubectl_apply(void **state)
{
	(void)state;
	const struct smp_schema *s;
	struct berr err = BERR_INIT;
	assert_int_equal(smp_schema_builtin(&s, "apps/v1", "Deployment", &err), 0);
	/* last-applied had label b and container side; the new config drops
	 * them; the live object has a label the server added */
	json_t *orig = J("{\"metadata\":{\"labels\":{\"a\":\"1\",\"b\":\"2\"}},\"spec\":{\"template\":{\"spec\":"
			 "{\"containers\":[{\"name\":\"web\",\"image\":\"w:1\"},{\"name\":\"side\",\"image\":\"s:1\"}]}}}}");
	json_t *mod = J("{\"metadata\":{\"labels\":{\"a\":\"1\"}},\"spec\":{\"template\":{\"spec\":"
			"{\"containers\":[{\"name\":\"web\",\"image\":\"w:2\"}]}}}}");
	json_t *cur = J("{\"metadata\":{\"labels\":{\"a\":\"1\",\"b\":\"2\",\"server\":\"x\"}},\"spec\":{\"template\":"
			"{\"spec\":{\"containers\":[{\"name\":\"web\",\"image\":\"w:1\",\"imagePullPolicy\":\"Always\"},"
			"{\"name\":\"side\",\"image\":\"s:1\"}]}}}}");
	json_t *patch = NULL, *res = NULL;
	assert_int_equal(smp_create_three_way(&patch, orig, mod, cur, s, true, &err), 0);
	json_t *want = J("{\"metadata\":{\"labels\":{\"b\":null}},\"spec\":{\"template\":{\"spec\":{"
			 "\"$setElementOrder/containers\":[{\"name\":\"web\"}],"
			 "\"containers\":[{\"name\":\"web\",\"image\":\"w:2\"},{\"name\":\"side\",\"$patch\":\"delete\"}]}}}}");
	if (!json_equal(patch, want)) {
		char *a = show(want), *b = show(patch);
		print_error("want %s\ngot  %s\n", a, b);
		free(a);
		free(b);
		fail();
	}
	assert_int_equal(smp_apply(&res, cur, patch, s, &err), 0);
	json_t *want_res = J("{\"metadata\":{\"labels\":{\"a\":\"1\",\"server\":\"x\"}},\"spec\":{\"template\":"
			     "{\"spec\":{\"containers\":[{\"name\":\"web\",\"image\":\"w:2\",\"imagePullPolicy\":\"Always\"}]}}}}");
	assert_true(json_equal(res, want_res));
	json_decref(orig);
	json_decref(mod);
	json_decref(cur);
	json_decref(patch);
	json_decref(res);
	json_decref(want);
	json_decref(want_res);
}

static void test_hostile_input(void **state)
{
	(void)state;
	const struct smp_schema *s;
	struct berr err = BERR_INIT;
	assert_int_equal(smp_schema_builtin(&s, "v1", "Pod", &err), 0);
	/* nesting beyond the limit is refused, not a stack overflow */
	json_t *deep = json_object(), *p = deep;
	for (int i = 0; i < PATCH_MAX_DEPTH + 10; i++) {
		json_t *n = json_object();
		json_object_set_new(p, "a", n);
		p = n;
	}
	json_t *out = NULL;
	assert_int_equal(smp_apply(&out, deep, deep, s, &err), BERR_LIMIT);
	assert_int_equal(smp_create_two_way(&out, deep, json_object_get(deep, "a"), s, &err), BERR_LIMIT);
	json_decref(deep);
	/* a merging list of maps without the merge key */
	json_t *o = J("{\"spec\":{\"containers\":[{\"name\":\"a\"}]}}");
	json_t *bad = J("{\"spec\":{\"containers\":[{\"image\":\"x\"}]}}");
	assert_int_equal(smp_apply(&out, o, bad, s, &err), BERR_INVALID);
	assert_non_null(strstr(err.msg, "does not contain declared merge key 'name'"));
	json_decref(bad);
	/* unknown directive, $patch: merge, mixed element types */
	const char *bads[] = {
		"{\"spec\":{\"$patch\":\"explode\"}}",
		"{\"spec\":{\"containers\":[{\"name\":\"a\",\"$patch\":\"merge\"}]}}",
		"{\"spec\":{\"containers\":[{\"name\":\"b\"},\"x\"]}}",
		"{\"spec\":{\"$setElementOrder/containers\":\"x\"}}",
		"{\"spec\":{\"$retainKeys\":\"x\"}}",
		"{\"metadata\":{\"$deleteFromPrimitiveListfinalizers\":[\"x\"],\"finalizers\":[\"y\"]}}",
	};
	for (size_t i = 0; i < sizeof(bads) / sizeof(bads[0]); i++) {
		json_t *b = J(bads[i]);
		json_t *o2 = J("{\"spec\":{\"containers\":[{\"name\":\"a\"}]},\"metadata\":{\"finalizers\":[\"x\"]}}");
		int rc = smp_apply(&out, o2, b, s, &err);
		if (rc != BERR_INVALID)
			fail_msg("patch %zu '%s': want an error, got %d", i, bads[i], rc);
		assert_null(out);
		json_decref(b);
		json_decref(o2);
	}
	json_decref(o);
}

/* ---- main ------------------------------------------------------------- */

static json_t *load_json_or_yaml(const char *path)
{
	struct buf b = BUF_INIT;
	if (buf_read_file(&b, path, 1 << 24) < 0) {
		fprintf(stderr, "cannot read '%s' (set BOSUN_PEER_DIR)\n", path);
		exit(1);
	}
	json_error_t je;
	json_t *doc = json_loadb(b.data, b.len, 0, &je);
	if (!doc) {
		/* the swagger 2.0 fixture has a trailing comma: YAML reads it */
		struct berr err = BERR_INIT;
		if (yaml_read(&doc, b.data, b.len, path, &err) < 0) {
			fprintf(stderr, "cannot parse '%s': %s\n", path, err.msg);
			exit(1);
		}
	}
	buf_release(&b);
	return doc;
}

int main(void)
{
	char *cases_path = peer_path("smp_cases.json");
	json_t *cases = load_json_or_yaml(cases_path);
	const char *schema_files[] = { "swagger-merge-item-v3.json", "swagger-merge-item.json" };
	const char *schema_names[] = { "openapi-v3", "swagger-2.0" };
	struct smp_schema *schemas[2];
	json_t *schema_docs[2];
	for (int i = 0; i < 2; i++) {
		char *p = peer_path(schema_files[i]);
		schema_docs[i] = load_json_or_yaml(p);
		struct berr err = BERR_INIT;
		if (smp_schema_load_openapi(&schemas[i], schema_docs[i], "mergeItem", &err) < 0) {
			fprintf(stderr, "'%s': %s\n", p, err.msg);
			return 1;
		}
		free(p);
	}

	static const struct CMUnitTest fixed[] = {
		cmocka_unit_test(test_builtin_deployment),
		cmocka_unit_test(test_builtin_cronjob_and_meta),
		cmocka_unit_test(test_set_order_on_empty_list),
		cmocka_unit_test(test_custom_resource_unsupported),
		cmocka_unit_test(test_openapi_loader),
		cmocka_unit_test(test_three_way_kubectl_apply),
		cmocka_unit_test(test_hostile_input),
	};
	size_t nfixed = sizeof(fixed) / sizeof(fixed[0]);
	size_t total = 0;
	for (size_t s = 0; s < 6; s++)
		total += json_array_size(json_object_get(cases, section_names[s]));
	struct CMUnitTest *tests = calloc(nfixed + 2 * total, sizeof(*tests));
	struct tcase *tcs = calloc(2 * total, sizeof(*tcs));
	char **names = calloc(2 * total, sizeof(*names));
	size_t n = 0;
	for (size_t i = 0; i < nfixed; i++)
		tests[n++] = fixed[i];
	size_t k = 0;
	for (int sc = 0; sc < 2; sc++) {
		for (size_t s = 0; s < 6; s++) {
			json_t *list = json_object_get(cases, section_names[s]);
			size_t i;
			json_t *c;
			json_array_foreach(list, i, c) {
				struct tcase *t = &tcs[k];
				t->section = (enum section)s;
				t->data = c;
				t->schema = schemas[sc];
				t->schema_name = schema_names[sc];
				struct buf nb = BUF_INIT;
				buf_addf(&nb, "%s %s[%zu] %s", schema_names[sc], section_names[s], i,
					 json_string_value(json_object_get(c, "description")));
				names[k] = buf_detach(&nb, NULL);
				tests[n].name = names[k];
				tests[n].test_func = run_case;
				tests[n].initial_state = t;
				n++;
				k++;
			}
		}
	}
	int rc = _cmocka_run_group_tests("smp", tests, n, NULL, NULL);
	for (size_t i = 0; i < k; i++)
		free(names[i]);
	free(names);
	free(tcs);
	free(tests);
	for (int i = 0; i < 2; i++) {
		smp_schema_free(schemas[i]);
		json_decref(schema_docs[i]);
	}
	json_decref(cases);
	free(cases_path);
	return rc;
}
