/*
 * test-controller-plan.c — the controller's pure logic: the work queue's
 * de-duplication, tracking ids and resource keys, hook phases, waves and the
 * sync order, and the release encoding (round trip and hostile input).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "controller/apply.h"
#include "controller/ignore.h"
#include "controller/queue.h"
#include "controller/release.h"
#include "controller/resource.h"
#include "controller/syncplan.h"
#include "doc.h"

static json_t *parse(const char *text)
{
	json_t *v = NULL;
	struct berr err = BERR_INIT;
	assert_int_equal(doc_parse_json(&v, text, strlen(text), NULL, "test", &err), 0);
	return v;
}

/* ---- queue ------------------------------------------------------------ */

static void test_queue_dedup(void **state)
{
	(void)state;
	struct queue *q = queue_new();
	char *k;
	queue_add(q, "a");
	queue_add(q, "b");
	queue_add(q, "a");
	assert_int_equal(queue_len(q), 2);
	assert_int_equal(queue_get(q, &k), 0);
	assert_string_equal(k, "a");
	/* added while processing: not handed out twice, queued again after done */
	queue_add(q, "a");
	queue_add(q, "a");
	assert_int_equal(queue_len(q), 1);
	char *k2;
	assert_int_equal(queue_get(q, &k2), 0);
	assert_string_equal(k2, "b");
	assert_int_equal(queue_len(q), 0);
	queue_done(q, k);
	assert_int_equal(queue_len(q), 1);
	queue_done(q, k2);
	free(k);
	free(k2);
	assert_int_equal(queue_get(q, &k), 0);
	assert_string_equal(k, "a");
	queue_done(q, k);
	free(k);
	assert_int_equal(queue_len(q), 0);
	assert_int_equal(queue_adds(q), 3);
	queue_free(q);
}

static void test_queue_delayed(void **state)
{
	(void)state;
	struct queue *q = queue_new();
	struct timespec t0, t1;
	char *k;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	queue_add_after(q, "late", 80);
	queue_add_after(q, "later", 5000);
	queue_add_after(q, "later", 100);      /* an earlier due time wins */
	assert_int_equal(queue_len(q), 0);
	assert_int_equal(queue_get(q, &k), 0);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	assert_string_equal(k, "late");
	long ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
	assert_true(ms >= 70);
	queue_done(q, k);
	free(k);
	assert_int_equal(queue_get(q, &k), 0);
	assert_string_equal(k, "later");
	queue_done(q, k);
	free(k);
	queue_free(q);
}

static void *getter(void *arg)
{
	char *k;
	return (void *)(long)queue_get(arg, &k);
}

static void test_queue_shutdown(void **state)
{
	(void)state;
	struct queue *q = queue_new();
	pthread_t t;
	void *ret;
	pthread_create(&t, NULL, getter, q);
	queue_shutdown(q);
	pthread_join(t, &ret);
	assert_int_equal((long)ret, -1);
	queue_add(q, "x");
	assert_int_equal(queue_len(q), 0);
	queue_free(q);
}

/* ---- tracking --------------------------------------------------------- */

static void test_tracking_ids(void **state)
{
	(void)state;
	json_t *dep = parse("{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\","
			    "\"metadata\":{\"name\":\"web\",\"namespace\":\"prod\"}}");
	json_t *ns = parse("{\"apiVersion\":\"v1\",\"kind\":\"Namespace\","
			   "\"metadata\":{\"name\":\"prod\"}}");
	struct res_id id, back;
	struct buf b = BUF_INIT;
	char app[64];
	assert_int_equal(res_id_from_object(&id, dep, NULL), 0);
	tracking_id_format(&b, "guestbook", &id);
	assert_string_equal(b.data, "guestbook:apps/Deployment:prod/web");
	assert_int_equal(tracking_id_parse(app, sizeof(app), &back, b.data, NULL), 0);
	assert_string_equal(app, "guestbook");
	assert_string_equal(back.group, "apps");
	assert_string_equal(back.kind, "Deployment");
	assert_string_equal(back.namespace, "prod");
	assert_string_equal(back.name, "web");
	buf_reset(&b);
	res_key(&b, &id);
	assert_string_equal(b.data, "apps/Deployment/prod/web");

	buf_reset(&b);
	assert_int_equal(res_id_from_object(&id, ns, NULL), 0);
	tracking_id_format(&b, "a", &id);
	assert_string_equal(b.data, "a:/Namespace:/prod");
	assert_int_equal(tracking_id_parse(app, sizeof(app), &back, b.data, NULL), 0);
	assert_string_equal(back.group, "");
	assert_string_equal(back.namespace, "");
	assert_string_equal(back.name, "prod");

	static const char *const bad[] = {
		"", "app", "app:apps/Deployment", ":apps/Deployment:ns/n", "app:apps/:ns/n",
		"app:apps/Deployment:ns/", "app:apps/Deployment:ns/a/b", "app:appsDeployment:ns/n",
	};
	struct berr err = BERR_INIT;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(tracking_id_parse(app, sizeof(app), &back, bad[i], &err),
				 BERR_INVALID);
	assert_non_null(strstr(err.msg, "malformed tracking id"));
	assert_int_equal(tracking_id_parse(app, 3, &back, "long:apps/D:n/x", &err), BERR_INVALID);

	json_t *noname = parse("{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{}}");
	assert_int_equal(res_id_from_object(&id, noname, &err), BERR_INVALID);
	assert_string_equal(err.msg, "object has no 'metadata.name'");
	json_decref(noname);
	buf_release(&b);
	json_decref(dep);
	json_decref(ns);
}

static void test_tracking_app_of(void **state)
{
	(void)state;
	char scratch[256];
	json_t *own = parse("{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{"
			    "\"name\":\"c\",\"namespace\":\"n\",\"labels\":{\"bosun.io/app\":\"x\"},"
			    "\"annotations\":{\"bosun.io/tracking-id\":\"guest:/ConfigMap:n/c\"}}}");
	assert_string_equal(tracking_app_of(own, scratch, sizeof(scratch)), "guest");
	/* a copy in another namespace keeps a stale id: not tracked */
	json_t *copy = parse("{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{"
			     "\"name\":\"c\",\"namespace\":\"other\","
			     "\"annotations\":{\"bosun.io/tracking-id\":\"guest:/ConfigMap:n/c\"}}}");
	assert_null(tracking_app_of(copy, scratch, sizeof(scratch)));
	json_t *label = parse("{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{"
			      "\"name\":\"c\",\"labels\":{\"bosun.io/app\":\"lab\"}}}");
	assert_string_equal(tracking_app_of(label, scratch, sizeof(scratch)), "lab");
	json_decref(own);
	json_decref(copy);
	json_decref(label);
}

/* ---- plan ------------------------------------------------------------- */

static json_t *annotated(const char *kind, const char *name, const char *key, const char *val)
{
	json_t *o = json_pack("{s:s, s:s, s:{s:s, s:{}}}", "apiVersion", "v1", "kind", kind,
			      "metadata", "name", name, "annotations");
	if (key)
		json_object_set_new(json_object_get(json_object_get(o, "metadata"), "annotations"),
				    key, json_string(val));
	return o;
}

static void test_hook_phases(void **state)
{
	(void)state;
	struct {
		const char *key, *val;
		unsigned want;
	} cases[] = {
		{ NULL, NULL, 0 },
		{ "argocd.argoproj.io/hook", "PreSync", PHASE_BIT(PHASE_PRESYNC) },
		{ "argocd.argoproj.io/hook", "PreSync, PostSync",
		  PHASE_BIT(PHASE_PRESYNC) | PHASE_BIT(PHASE_POSTSYNC) },
		{ "bosun.io/hook", "SyncFail", PHASE_BIT(PHASE_SYNCFAIL) },
		{ "argocd.argoproj.io/hook", "Skip", PHASE_SKIP_BIT },
		{ "helm.sh/hook", "pre-install,pre-upgrade", PHASE_BIT(PHASE_PRESYNC) },
		{ "helm.sh/hook", "post-install", PHASE_BIT(PHASE_POSTSYNC) },
		{ "helm.sh/hook", "crd-install", PHASE_BIT(PHASE_PRESYNC) },
		{ "helm.sh/hook", "test", PHASE_SKIP_BIT },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		json_t *o = annotated("Job", "j", cases[i].key, cases[i].val);
		assert_int_equal(syncplan_hook_phases(o), cases[i].want);
		json_decref(o);
	}
	json_t *o = annotated("Job", "j", "argocd.argoproj.io/hook-delete-policy",
			      "HookSucceeded,BeforeHookCreation");
	assert_int_equal(syncplan_delete_policy(o),
			 HOOK_DELETE_SUCCEEDED | HOOK_DELETE_BEFORE_CREATION);
	json_decref(o);
	o = annotated("Job", "j", "helm.sh/hook-delete-policy", "hook-failed");
	assert_int_equal(syncplan_delete_policy(o), HOOK_DELETE_FAILED);
	json_decref(o);
	o = annotated("Job", "j", NULL, NULL);
	assert_int_equal(syncplan_delete_policy(o), HOOK_DELETE_BEFORE_CREATION);
	json_decref(o);
}

static void test_waves(void **state)
{
	(void)state;
	struct {
		const char *key, *val;
		int want;
	} cases[] = {
		{ NULL, NULL, 0 },
		{ "argocd.argoproj.io/sync-wave", "5", 5 },
		{ "argocd.argoproj.io/sync-wave", "-2", -2 },
		{ "bosun.io/sync-wave", " 3 ", 3 },
		{ "argocd.argoproj.io/sync-wave", "x", 0 },
		{ "argocd.argoproj.io/sync-wave", "99999999999", 0 },
		{ "helm.sh/hook-weight", "4", 0 },      /* only counts on a helm hook */
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		json_t *o = annotated("ConfigMap", "c", cases[i].key, cases[i].val);
		assert_int_equal(syncplan_wave(o), cases[i].want);
		json_decref(o);
	}
	json_t *o = annotated("Job", "j", "helm.sh/hook", "pre-install");
	json_object_set_new(doc_get(o, "metadata.annotations"), "helm.sh/hook-weight",
			    json_string("-7"));
	assert_int_equal(syncplan_wave(o), -7);
	json_decref(o);
}

static void test_order(void **state)
{
	(void)state;
	assert_true(syncplan_kind_order("Namespace") < syncplan_kind_order("CustomResourceDefinition"));
	assert_true(syncplan_kind_order("ConfigMap") < syncplan_kind_order("Deployment"));
	assert_true(syncplan_kind_order("Service") < syncplan_kind_order("Deployment"));
	assert_true(syncplan_kind_order("Ingress") < syncplan_kind_order("Widget"));
	struct sync_task t[] = {
		{ PHASE_POSTSYNC, 0, 0, "Job", "after", "", 0, NULL },
		{ PHASE_SYNC, 1, 0, "ConfigMap", "wave1", "", 0, NULL },
		{ PHASE_SYNC, 0, 0, "Deployment", "web", "", 0, NULL },
		{ PHASE_SYNC, 0, 0, "Namespace", "ns", "", 0, NULL },
		{ PHASE_SYNC, 0, 0, "Widget", "w", "", 0, NULL },
		{ PHASE_SYNC, 0, 0, "ConfigMap", "b", "", 0, NULL },
		{ PHASE_SYNC, 0, 0, "ConfigMap", "a", "", 0, NULL },
		{ PHASE_PRESYNC, 3, 0, "Job", "before", "", 0, NULL },
		{ PHASE_SYNC, 0, 0, "ConfigMap", "old0", "", 1, NULL },
		{ PHASE_SYNC, 2, 0, "ConfigMap", "old2", "", 1, NULL },
		{ PHASE_SYNC, 0, 0, "Namespace", "oldns", "", 1, NULL },
	};
	const char *want[] = { "before", "ns", "a", "b", "web", "w", "wave1",
			       "old2", "old0", "oldns", "after" };
	size_t n = sizeof(t) / sizeof(t[0]);
	for (size_t i = 0; i < n; i++)
		t[i].kind_order = syncplan_kind_order(t[i].kind);
	syncplan_sort(t, n);
	for (size_t i = 0; i < n; i++)
		assert_string_equal(t[i].name, want[i]);
}

/* ---- apply ------------------------------------------------------------ */

static void test_three_way_merge(void **state)
{
	(void)state;
	/* last apply set a, b, c.x; git now drops b and c.x, changes a; the
	 * server and others set s and c.y: those stay */
	json_t *orig = parse("{\"a\":1,\"b\":2,\"c\":{\"x\":1}}");
	json_t *mod = parse("{\"a\":5,\"c\":{}}");
	json_t *cur = parse("{\"a\":1,\"b\":2,\"s\":\"server\",\"c\":{\"x\":1,\"y\":2}}");
	json_t *want = parse("{\"a\":5,\"b\":null,\"c\":{\"x\":null}}");
	json_t *patch = NULL;
	assert_int_equal(apply_three_way_merge(&patch, orig, mod, cur, NULL), 0);
	assert_true(doc_equal(patch, want));
	json_decref(patch);
	/* no last-applied: nothing is deleted */
	json_t *want2 = parse("{\"a\":5}");
	assert_int_equal(apply_three_way_merge(&patch, NULL, mod, cur, NULL), 0);
	assert_true(doc_equal(patch, want2));
	json_decref(patch);
	json_decref(orig);
	json_decref(mod);
	json_decref(cur);
	json_decref(want);
	json_decref(want2);
}

/* ---- ignoreDifferences ------------------------------------------------ */

static void test_ignore_differences(void **state)
{
	(void)state;
	json_t *rules = parse("[{\"group\":\"apps\",\"kind\":\"Deployment\","
			      "\"jsonPointers\":[\"/spec/replicas\",\"/metadata/labels/a~1b\"]},"
			      "{\"kind\":\"Deployment\",\"managedFieldsManagers\":[\"hpa\"]},"
			      "{\"group\":\"\",\"kind\":\"ConfigMap\",\"name\":\"other\","
			      "\"jsonPointers\":[\"/data\"]}]");
	json_t *target = parse("{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\","
			       "\"metadata\":{\"name\":\"w\",\"labels\":{\"a/b\":\"1\",\"c\":\"2\"}},"
			       "\"spec\":{\"replicas\":1,\"paused\":false,\"minReadySeconds\":5}}");
	json_t *live = parse("{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\","
			     "\"metadata\":{\"name\":\"w\",\"labels\":{\"a/b\":\"9\",\"c\":\"2\"},"
			     "\"managedFields\":[{\"manager\":\"hpa\",\"fieldsV1\":"
			     "{\"f:spec\":{\"f:minReadySeconds\":{}}}}]},"
			     "\"spec\":{\"replicas\":3,\"paused\":false,\"minReadySeconds\":7}}");
	json_t *orig_target = json_incref(target);
	struct res_id id = { "apps", "Deployment", "", "w" };
	assert_int_equal(ignore_apply(&target, &live, rules, &id), 1);
	assert_ptr_not_equal(target, orig_target);     /* a copy: the input is untouched */
	assert_int_equal(doc_get_int(orig_target, "spec.replicas", 0), 1);
	assert_null(doc_get(target, "spec.replicas"));
	assert_null(doc_get(live, "spec.replicas"));
	assert_null(doc_getv(target, "metadata", "labels", "a/b", NULL));
	assert_string_equal(doc_get_str(target, "metadata.labels.c"), "2");
	assert_null(doc_get(target, "spec.minReadySeconds"));
	assert_null(doc_get(live, "spec.minReadySeconds"));
	assert_non_null(doc_get(live, "spec.paused"));
	/* a rule for another name does not apply */
	struct res_id cm = { "", "ConfigMap", "", "mine" };
	json_t *t2 = parse("{\"data\":{\"k\":\"v\"}}"), *l2 = json_incref(t2), *keep = t2;
	assert_int_equal(ignore_apply(&t2, &l2, rules, &cm), 0);
	assert_ptr_equal(t2, keep);
	json_decref(t2);
	json_decref(l2);
	json_decref(orig_target);
	json_decref(target);
	json_decref(live);
	json_decref(rules);
}

/* ---- release ---------------------------------------------------------- */

static void test_release_round_trip(void **state)
{
	(void)state;
	json_t *doc = parse("{\"app\":\"guestbook\",\"id\":3,\"revision\":\"abc\","
			    "\"manifests\":[{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\","
			    "\"metadata\":{\"name\":\"c\"},\"data\":{\"k\":\"v\\u00e9\\n\"}}]}");
	struct buf enc = BUF_INIT;
	json_t *back = NULL;
	release_encode(&enc, doc);
	/* gzip magic 1f 8b under base64 */
	assert_true(!strncmp(enc.data, "H4sI", 4));
	assert_int_equal(release_decode(&back, enc.data, enc.len, NULL), 0);
	assert_true(doc_equal(doc, back));
	json_decref(back);

	/* a big release compresses */
	json_t *big = json_object();
	json_t *arr = json_array();
	for (int i = 0; i < 2000; i++)
		json_array_append_new(arr, json_pack("{s:s, s:i}", "kind", "ConfigMap", "i", i));
	json_object_set_new(big, "manifests", arr);
	buf_reset(&enc);
	release_encode(&enc, big);
	assert_int_equal(release_decode(&back, enc.data, enc.len, NULL), 0);
	assert_true(doc_equal(big, back));
	json_decref(back);
	json_decref(big);
	buf_release(&enc);
	json_decref(doc);
}

static void test_release_hostile(void **state)
{
	(void)state;
	struct berr err = BERR_INIT;
	json_t *back = NULL;
	assert_int_equal(release_decode(&back, "abc", 3, &err), BERR_INVALID);
	assert_null(back);
	assert_int_equal(release_decode(&back, "****", 4, &err), BERR_INVALID);
	/* valid base64, not gzip */
	assert_int_equal(release_decode(&back, "aGVsbG8=", 8, &err), BERR_INVALID);
	assert_string_equal(err.msg, "release is not valid gzip data");

	/* truncated gzip */
	json_t *doc = parse("{\"a\":[1,2,3,4,5,6,7,8,9,10]}");
	struct buf enc = BUF_INIT;
	release_encode(&enc, doc);
	size_t cut = (enc.len / 2) & ~(size_t)3;
	assert_true(release_decode(&back, enc.data, cut, &err) < 0);
	buf_release(&enc);
	json_decref(doc);

	/* a gzip bomb: 80 MB of zeros inflates past the cap */
	size_t zeros = 80u << 20;
	char *z = calloc(1, zeros);
	json_t *bomb = json_pack("{s:s%}", "x", z, zeros);
	free(z);
	if (bomb) {
		release_encode(&enc, bomb);
		assert_int_equal(release_decode(&back, enc.data, enc.len, &err), BERR_LIMIT);
		buf_release(&enc);
		json_decref(bomb);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_queue_dedup),
		cmocka_unit_test(test_queue_delayed),
		cmocka_unit_test(test_queue_shutdown),
		cmocka_unit_test(test_tracking_ids),
		cmocka_unit_test(test_tracking_app_of),
		cmocka_unit_test(test_hook_phases),
		cmocka_unit_test(test_waves),
		cmocka_unit_test(test_order),
		cmocka_unit_test(test_three_way_merge),
		cmocka_unit_test(test_ignore_differences),
		cmocka_unit_test(test_release_round_trip),
		cmocka_unit_test(test_release_hostile),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
