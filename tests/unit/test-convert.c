/* Unit tests for orchestrator/convert: autoscaling/v1 <-> v2
 * HorizontalPodAutoscaler conversion as kube-apiserver converts, including
 * the annotations that carry what v1 cannot say, and round trips. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "lib/doc.h"
#include "orchestrator/convert.h"

static json_t *parse(const char *text)
{
	json_error_t e;
	json_t *v = json_loads(text, 0, &e);
	if (!v)
		fail_msg("bad JSON in test: %s", e.text);
	return v;
}

static void assert_json(const json_t *got, const char *want_text)
{
	json_t *want = parse(want_text);
	if (!doc_equal(got, want)) {
		char *g = json_dumps(got, JSON_SORT_KEYS | JSON_COMPACT);
		fail_msg("got %s\nwant %s", g, want_text);
	}
	json_decref(want);
}

static void v1_cpu_target_becomes_a_resource_metric(void **state)
{
	(void)state;
	json_t *v1 = parse("{\"apiVersion\":\"autoscaling/v1\",\"kind\":\"HorizontalPodAutoscaler\","
			   "\"metadata\":{\"name\":\"web\",\"namespace\":\"d\"},"
			   "\"spec\":{\"scaleTargetRef\":{\"kind\":\"Deployment\",\"name\":\"web\"},"
			   "\"minReplicas\":2,\"maxReplicas\":5,"
			   "\"targetCPUUtilizationPercentage\":80},"
			   "\"status\":{\"currentReplicas\":2,\"desiredReplicas\":3,"
			   "\"currentCPUUtilizationPercentage\":91}}");
	json_t *v2 = convert_hpa_v1_to_v2(v1);
	assert_json(v2, "{\"apiVersion\":\"autoscaling/v2\",\"kind\":\"HorizontalPodAutoscaler\","
			"\"metadata\":{\"name\":\"web\",\"namespace\":\"d\"},"
			"\"spec\":{\"scaleTargetRef\":{\"kind\":\"Deployment\",\"name\":\"web\"},"
			"\"minReplicas\":2,\"maxReplicas\":5,\"metrics\":[{\"type\":\"Resource\","
			"\"resource\":{\"name\":\"cpu\",\"target\":{\"type\":\"Utilization\","
			"\"averageUtilization\":80}}}]},"
			"\"status\":{\"currentReplicas\":2,\"desiredReplicas\":3,\"currentMetrics\":"
			"[{\"type\":\"Resource\",\"resource\":{\"name\":\"cpu\",\"current\":"
			"{\"averageUtilization\":91}}}]}}");
	json_t *back = convert_hpa_v2_to_v1(v2);
	assert_json(back, "{\"apiVersion\":\"autoscaling/v1\",\"kind\":\"HorizontalPodAutoscaler\","
			  "\"metadata\":{\"name\":\"web\",\"namespace\":\"d\",\"annotations\":{"
			  "\"autoscaling.alpha.kubernetes.io/current-metrics\":"
			  "\"[{\\\"type\\\":\\\"Resource\\\",\\\"resource\\\":{\\\"name\\\":\\\"cpu\\\","
			  "\\\"currentAverageUtilization\\\":91}}]\"}},"
			  "\"spec\":{\"scaleTargetRef\":{\"kind\":\"Deployment\",\"name\":\"web\"},"
			  "\"minReplicas\":2,\"maxReplicas\":5,\"targetCPUUtilizationPercentage\":80},"
			  "\"status\":{\"currentReplicas\":2,\"desiredReplicas\":3,"
			  "\"currentCPUUtilizationPercentage\":91}}");
	json_decref(v1);
	json_decref(v2);
	json_decref(back);
}

static void what_v1_cannot_say_survives_a_round_trip(void **state)
{
	(void)state;
	json_t *v2 = parse(
		"{\"apiVersion\":\"autoscaling/v2\",\"kind\":\"HorizontalPodAutoscaler\","
		"\"metadata\":{\"name\":\"m\",\"annotations\":{\"team\":\"a\"}},"
		"\"spec\":{\"scaleTargetRef\":{\"kind\":\"Deployment\",\"name\":\"web\"},"
		"\"maxReplicas\":9,\"behavior\":{\"scaleDown\":{\"stabilizationWindowSeconds\":60}},"
		"\"metrics\":["
		"{\"type\":\"Pods\",\"pods\":{\"metric\":{\"name\":\"qps\"},"
		"\"target\":{\"type\":\"AverageValue\",\"averageValue\":\"1k\"}}},"
		"{\"type\":\"Object\",\"object\":{\"describedObject\":{\"kind\":\"Ingress\","
		"\"name\":\"main\"},\"metric\":{\"name\":\"rps\"},"
		"\"target\":{\"type\":\"Value\",\"value\":\"10\"}}},"
		"{\"type\":\"External\",\"external\":{\"metric\":{\"name\":\"queue\","
		"\"selector\":{\"matchLabels\":{\"q\":\"a\"}}},"
		"\"target\":{\"type\":\"AverageValue\",\"averageValue\":\"30\"}}},"
		"{\"type\":\"ContainerResource\",\"containerResource\":{\"name\":\"memory\","
		"\"container\":\"app\",\"target\":{\"type\":\"Utilization\",\"averageUtilization\":70}}},"
		"{\"type\":\"Resource\",\"resource\":{\"name\":\"cpu\","
		"\"target\":{\"type\":\"Utilization\",\"averageUtilization\":75}}}]},"
		"\"status\":{\"desiredReplicas\":1,\"conditions\":[{\"type\":\"AbleToScale\","
		"\"status\":\"True\",\"reason\":\"SucceededGetScale\"}]}}");
	json_t *v1 = convert_hpa_v2_to_v1(v2);
	assert_int_equal(doc_get_int(v1, "spec.targetCPUUtilizationPercentage", 0), 75);
	const char *metrics = json_string_value(doc_getv(v1, "metadata", "annotations",
							 "autoscaling.alpha.kubernetes.io/metrics",
							 NULL));
	assert_non_null(metrics);
	json_t *m = parse(metrics);
	assert_json(m, "[{\"type\":\"Pods\",\"pods\":{\"metricName\":\"qps\","
		       "\"targetAverageValue\":\"1k\"}},"
		       "{\"type\":\"Object\",\"object\":{\"target\":{\"kind\":\"Ingress\","
		       "\"name\":\"main\"},\"metricName\":\"rps\",\"targetValue\":\"10\"}},"
		       "{\"type\":\"External\",\"external\":{\"metricName\":\"queue\","
		       "\"metricSelector\":{\"matchLabels\":{\"q\":\"a\"}},"
		       "\"targetAverageValue\":\"30\"}},"
		       "{\"type\":\"ContainerResource\",\"containerResource\":{\"name\":\"memory\","
		       "\"container\":\"app\",\"targetAverageUtilization\":70}}]");
	json_decref(m);
	assert_non_null(doc_getv(v1, "metadata", "annotations",
				 "autoscaling.alpha.kubernetes.io/behavior", NULL));
	assert_non_null(doc_getv(v1, "metadata", "annotations",
				 "autoscaling.alpha.kubernetes.io/conditions", NULL));
	assert_string_equal(doc_get_str(v1, "metadata.annotations.team"), "a");

	/* back to v2: the same object, the cpu metric moved last as upstream does */
	json_t *again = convert_hpa_v1_to_v2(v1);
	assert_json(doc_get(again, "metadata.annotations"), "{\"team\":\"a\"}");
	assert_true(doc_equal(doc_get(again, "spec.metrics"), doc_get(v2, "spec.metrics")));
	assert_true(doc_equal(doc_get(again, "spec.behavior"), doc_get(v2, "spec.behavior")));
	assert_true(doc_equal(doc_get(again, "status.conditions"),
			      doc_get(v2, "status.conditions")));
	json_decref(again);
	json_decref(v1);
	json_decref(v2);
}

static void malformed_annotations_are_kept_not_converted(void **state)
{
	(void)state;
	json_t *v1 = parse("{\"metadata\":{\"name\":\"x\",\"annotations\":{"
			   "\"autoscaling.alpha.kubernetes.io/metrics\":\"not json\"}},"
			   "\"spec\":{\"maxReplicas\":3}}");
	json_t *v2 = convert_hpa_v1_to_v2(v1);
	assert_string_equal(json_string_value(doc_getv(v2, "metadata", "annotations",
						       "autoscaling.alpha.kubernetes.io/metrics",
						       NULL)), "not json");
	assert_null(doc_get(v2, "spec.metrics"));
	assert_int_equal(doc_get_int(v2, "spec.maxReplicas", 0), 3);
	json_decref(v1);
	json_decref(v2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(v1_cpu_target_becomes_a_resource_metric),
		cmocka_unit_test(what_v1_cannot_say_survives_a_round_trip),
		cmocka_unit_test(malformed_annotations_are_kept_not_converted),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
