/*
 * test-health.c — health_assess() against Argo CD's own fixtures (one test
 * per row of peer/health/expected.tsv: a live object and the status Argo CD
 * gives it; "<nil>" means no built-in check), then the messages and edge
 * cases the fixtures do not pin down. The peer data is found at
 * $BOSUN_PEER_DIR or ../shared/peer from the repository root.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "controller/health.h"
#include "yaml.h"

#define MAX_ROWS 256

struct row {
	char file[512];
	char expected[32];
	char name[128];
};

static struct row rows[MAX_ROWS];
static struct CMUnitTest tests[MAX_ROWS + 64];

static const char *peer_dir(void)
{
	const char *d = getenv("BOSUN_PEER_DIR");
	return d && *d ? d : "../shared/peer";
}

static json_t *load_yaml(const char *path)
{
	/* read as Argo CD reads them: a repeated key's last value wins */
	static const struct yaml_limits lenient = { .duplicate_keys_last_wins = 1 };
	struct buf text = BUF_INIT;
	struct berr err = BERR_INIT;
	json_t *docs = NULL, *doc;
	int rc;

	if (buf_read_file(&text, path, 1 << 24) < 0)
		fail_msg("cannot read '%s'", path);
	rc = yaml_read_stream(&docs, text.data, text.len, path, &lenient, &err);
	buf_release(&text);
	if (rc < 0)
		fail_msg("'%s': %s", path, err.msg);
	if (json_array_size(docs) != 1)
		fail_msg("'%s': want one document, got %zu", path, json_array_size(docs));
	doc = json_incref(json_array_get(docs, 0));
	json_decref(docs);
	return doc;
}

static void test_fixture(void **state)
{
	const struct row *r = *state;
	json_t *obj = load_yaml(r->file);
	struct health h = HEALTH_INIT;
	struct berr err = BERR_INIT;
	const char *got;

	assert_int_equal(health_assess(&h, obj, &err), 0);
	got = h.status == HEALTH_NONE ? "<nil>" : health_status_name(h.status);
	if (strcmp(got, r->expected) != 0)
		fail_msg("%s: got %s (%s), want %s", r->name, got, h.message.data, r->expected);
	health_release(&h);
	json_decref(obj);
}

/* --- messages and edge cases ---------------------------------------------- */

static void assess_json(struct health *h, const char *text)
{
	json_error_t jerr;
	json_t *obj = json_loads(text, 0, &jerr);
	struct berr err = BERR_INIT;

	if (!obj)
		fail_msg("bad test json: %s", jerr.text);
	assert_int_equal(health_assess(h, obj, &err), 0);
	json_decref(obj);
}

static void expect(const char *text, enum health_status status, const char *message)
{
	struct health h = HEALTH_INIT;

	assess_json(&h, text);
	if (h.status != status || strcmp(h.message.data, message) != 0)
		fail_msg("got %s '%s', want %s '%s'", health_status_name(h.status),
			 h.message.data, health_status_name(status), message);
	health_release(&h);
}

static void test_deployment_messages(void **state)
{
	(void)state;
	expect("{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"metadata\":{\"name\":\"web\","
	       "\"generation\":3},\"spec\":{\"replicas\":3},\"status\":{\"observedGeneration\":2}}",
	       HEALTH_PROGRESSING, "Waiting for rollout to finish: observed deployment "
	       "generation less then desired generation");
	expect("{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"metadata\":{\"name\":\"web\"},"
	       "\"spec\":{\"replicas\":3},\"status\":{\"updatedReplicas\":1,\"replicas\":3}}",
	       HEALTH_PROGRESSING, "Waiting for rollout to finish: 1 out of 3 new replicas "
	       "have been updated...");
	expect("{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"metadata\":{\"name\":\"web\"},"
	       "\"spec\":{\"replicas\":2},\"status\":{\"updatedReplicas\":2,\"replicas\":2,"
	       "\"availableReplicas\":1}}",
	       HEALTH_PROGRESSING, "Waiting for rollout to finish: 1 of 2 updated replicas "
	       "are available...");
	expect("{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"metadata\":{\"name\":\"web\"},"
	       "\"spec\":{\"replicas\":2},\"status\":{\"updatedReplicas\":2,\"replicas\":2,"
	       "\"availableReplicas\":2}}", HEALTH_HEALTHY, "");
}

static void test_statefulset_partition(void **state)
{
	(void)state;
	expect("{\"apiVersion\":\"apps/v1\",\"kind\":\"StatefulSet\",\"metadata\":{\"generation\":2},"
	       "\"spec\":{\"replicas\":5,\"updateStrategy\":{\"type\":\"RollingUpdate\","
	       "\"rollingUpdate\":{\"partition\":2}}},\"status\":{\"observedGeneration\":2,"
	       "\"readyReplicas\":5,\"updatedReplicas\":1}}",
	       HEALTH_PROGRESSING, "Waiting for partitioned roll out to finish: 1 out of 3 "
	       "new pods have been updated...");
	expect("{\"apiVersion\":\"apps/v1\",\"kind\":\"StatefulSet\",\"metadata\":{\"generation\":2},"
	       "\"spec\":{\"replicas\":2},\"status\":{\"observedGeneration\":2,\"readyReplicas\":1}}",
	       HEALTH_PROGRESSING, "Waiting for 1 pods to be ready...");
	expect("{\"apiVersion\":\"apps/v1\",\"kind\":\"StatefulSet\",\"metadata\":{},\"spec\":{}}",
	       HEALTH_PROGRESSING, "Waiting for statefulset spec update to be observed...");
}

static void test_daemonset_and_replicaset(void **state)
{
	(void)state;
	expect("{\"apiVersion\":\"apps/v1\",\"kind\":\"DaemonSet\",\"metadata\":{\"name\":\"agent\"},"
	       "\"spec\":{\"updateStrategy\":{\"type\":\"RollingUpdate\"}},\"status\":"
	       "{\"desiredNumberScheduled\":3,\"updatedNumberScheduled\":3,\"numberAvailable\":2}}",
	       HEALTH_PROGRESSING, "Waiting for daemon set \"agent\" rollout to finish: 2 of 3 "
	       "updated pods are available...");
	expect("{\"apiVersion\":\"apps/v1\",\"kind\":\"ReplicaSet\",\"metadata\":{},\"spec\":"
	       "{\"replicas\":2},\"status\":{\"conditions\":[{\"type\":\"ReplicaFailure\","
	       "\"status\":\"True\",\"message\":\"quota exceeded\"}]}}",
	       HEALTH_DEGRADED, "quota exceeded");
	expect("{\"apiVersion\":\"apps/v1\",\"kind\":\"ReplicaSet\",\"metadata\":{},\"spec\":"
	       "{\"replicas\":2},\"status\":{\"availableReplicas\":1}}",
	       HEALTH_PROGRESSING, "Waiting for rollout to finish: 1 out of 2 new replicas "
	       "are available...");
}

static void test_pod_init_container_backoff(void **state)
{
	(void)state;
	expect("{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{},\"spec\":{\"restartPolicy\":"
	       "\"Always\"},\"status\":{\"phase\":\"Pending\",\"initContainerStatuses\":[{\"name\":"
	       "\"init\",\"state\":{\"waiting\":{\"reason\":\"CrashLoopBackOff\",\"message\":\"back-off"
	       " 10s\"}}}],\"containerStatuses\":[{\"name\":\"main\",\"state\":{\"waiting\":"
	       "{\"reason\":\"ErrImagePull\",\"message\":\"no such image\"}}}]}}",
	       HEALTH_DEGRADED, "back-off 10s, no such image");
	/* a hook pod (Never) is judged by its phase only */
	expect("{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{},\"spec\":{\"restartPolicy\":"
	       "\"Never\"},\"status\":{\"phase\":\"Pending\",\"message\":\"waiting\","
	       "\"containerStatuses\":[{\"name\":\"main\",\"state\":{\"waiting\":{\"reason\":"
	       "\"ImagePullBackOff\",\"message\":\"x\"}}}]}}", HEALTH_PROGRESSING, "waiting");
	expect("{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{},\"spec\":{\"restartPolicy\":"
	       "\"Never\"},\"status\":{\"phase\":\"Failed\",\"initContainerStatuses\":[{\"name\":"
	       "\"init\",\"state\":{\"terminated\":{\"exitCode\":2}}}]}}",
	       HEALTH_DEGRADED, "container \"init\" failed with exit code 2");
	expect("{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{},\"spec\":{},\"status\":"
	       "{\"phase\":\"Failed\",\"containerStatuses\":[{\"name\":\"m\",\"state\":"
	       "{\"terminated\":{\"reason\":\"OOMKilled\",\"exitCode\":137}}}]}}",
	       HEALTH_DEGRADED, "OOMKilled");
}

static void test_other_kinds(void **state)
{
	(void)state;
	expect("{\"apiVersion\":\"batch/v1\",\"kind\":\"CronJob\",\"metadata\":{},\"spec\":"
	       "{\"suspend\":true}}", HEALTH_SUSPENDED, "CronJob is Suspended");
	expect("{\"apiVersion\":\"batch/v1\",\"kind\":\"CronJob\",\"metadata\":{},\"spec\":{},"
	       "\"status\":{\"lastScheduleTime\":\"2024-01-02T00:00:00Z\",\"lastSuccessfulTime\":"
	       "\"2024-01-01T00:00:00Z\"}}", HEALTH_DEGRADED,
	       "CronJob has not completed its last execution successfully");
	expect("{\"apiVersion\":\"v1\",\"kind\":\"PersistentVolumeClaim\",\"metadata\":{},"
	       "\"status\":{\"phase\":\"Lost\"}}", HEALTH_DEGRADED, "");
	expect("{\"apiVersion\":\"apiextensions.k8s.io/v1\",\"kind\":\"CustomResourceDefinition\","
	       "\"metadata\":{},\"status\":{\"conditions\":[{\"type\":\"Established\",\"status\":"
	       "\"True\"}]}}", HEALTH_HEALTHY, "CRD is healthy");
	expect("{\"apiVersion\":\"argoproj.io/v1alpha1\",\"kind\":\"Workflow\",\"metadata\":{},"
	       "\"status\":{\"phase\":\"Failed\",\"message\":\"step 2 failed\"}}",
	       HEALTH_DEGRADED, "step 2 failed");
	expect("{\"apiVersion\":\"bosun.io/v1alpha1\",\"kind\":\"Application\",\"metadata\":{},"
	       "\"status\":{\"health\":{\"status\":\"Degraded\",\"message\":\"child down\"}}}",
	       HEALTH_DEGRADED, "child down");
	expect("{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{}}", HEALTH_NONE, "");
	expect("{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"deletionTimestamp\":"
	       "\"2024-01-01T00:00:00Z\"}}", HEALTH_PROGRESSING, "Pending deletion");
}

static void test_wrong_types_are_unknown(void **state)
{
	struct health h = HEALTH_INIT;

	(void)state;
	expect("{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"metadata\":{},\"spec\":"
	       "{\"replicas\":\"three\"}}", HEALTH_UNKNOWN, "failed to convert unstructured "
	       "Deployment to typed: field 'spec.replicas' is not an integer");
	expect("{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{},\"spec\":[],\"status\":"
	       "{\"phase\":\"Running\"}}", HEALTH_UNKNOWN, "failed to convert unstructured "
	       "Pod to typed: field 'spec.restartPolicy' is not an object");
	assess_json(&h, "{\"apiVersion\":\"autoscaling/v1\",\"kind\":\"HorizontalPodAutoscaler\","
		    "\"metadata\":{\"annotations\":{\"autoscaling.alpha.kubernetes.io/conditions\":"
		    "\"[{\"}}}");
	assert_int_equal(h.status, HEALTH_UNKNOWN);
	assert_non_null(strstr(h.message.data, "failed to convert conditions annotation to typed: "));
	health_release(&h);
}

static void test_invalid_input(void **state)
{
	struct health h = HEALTH_INIT;
	struct berr err = BERR_INIT;
	json_t *arr = json_array(), *nokind = json_pack("{s:s}", "apiVersion", "v1");

	(void)state;
	assert_int_equal(health_assess(&h, arr, &err), BERR_INVALID);
	assert_int_equal(health_assess(&h, nokind, &err), BERR_INVALID);
	assert_non_null(strstr(err.msg, "apiVersion"));
	health_release(&h);
	json_decref(arr);
	json_decref(nokind);
}

static void test_order_and_names(void **state)
{
	(void)state;
	assert_true(health_is_worse(HEALTH_HEALTHY, HEALTH_PROGRESSING));
	assert_true(health_is_worse(HEALTH_MISSING, HEALTH_DEGRADED));
	assert_true(health_is_worse(HEALTH_DEGRADED, HEALTH_UNKNOWN));
	assert_false(health_is_worse(HEALTH_SUSPENDED, HEALTH_HEALTHY));
	assert_false(health_is_worse(HEALTH_HEALTHY, HEALTH_NONE));
	for (int s = HEALTH_HEALTHY; s <= HEALTH_UNKNOWN; s++)
		assert_int_equal(health_status_parse(health_status_name(s)), s);
	assert_int_equal(health_status_parse("healthy"), -1);
}

static void test_fixtures_present(void **state)
{
	(void)state;
	fail_msg("no rows in '%s/health/expected.tsv' (set BOSUN_PEER_DIR)", peer_dir());
}

static int load_rows(void)
{
	char path[1024], line[2048];
	FILE *f;
	int n = 0;

	snprintf(path, sizeof(path), "%s/health/expected.tsv", peer_dir());
	f = fopen(path, "r");
	if (!f) {
		fprintf(stderr, "# cannot open '%s' (set BOSUN_PEER_DIR)\n", path);
		return -1;
	}
	while (fgets(line, sizeof(line), f) && n < MAX_ROWS) {
		char *tab = strchr(line, '\t');
		if (line[0] == '#' || !tab)
			continue;
		*tab = '\0';
		tab[1 + strcspn(tab + 1, "\r\n")] = '\0';
		snprintf(rows[n].file, sizeof(rows[n].file), "%.200s/health/%.200s", peer_dir(), line);
		snprintf(rows[n].expected, sizeof(rows[n].expected), "%.20s", tab + 1);
		snprintf(rows[n].name, sizeof(rows[n].name), "argo fixture %.100s", line);
		n++;
	}
	fclose(f);
	return n;
}

int main(void)
{
	static const struct CMUnitTest extra[] = {
		cmocka_unit_test(test_deployment_messages),
		cmocka_unit_test(test_statefulset_partition),
		cmocka_unit_test(test_daemonset_and_replicaset),
		cmocka_unit_test(test_pod_init_container_backoff),
		cmocka_unit_test(test_other_kinds),
		cmocka_unit_test(test_wrong_types_are_unknown),
		cmocka_unit_test(test_invalid_input),
		cmocka_unit_test(test_order_and_names),
	};
	int n = load_rows(), count = 0;

	for (int i = 0; i < n; i++) {
		struct CMUnitTest t = { rows[i].name, test_fixture, NULL, NULL, &rows[i] };
		tests[count++] = t;
	}
	for (size_t i = 0; i < sizeof(extra) / sizeof(extra[0]); i++)
		tests[count++] = extra[i];
	if (n == 0) {
		struct CMUnitTest t = cmocka_unit_test(test_fixtures_present);
		tests[count++] = t;
	}
	return _cmocka_run_group_tests("health", tests, (size_t)count, NULL, NULL);
}
