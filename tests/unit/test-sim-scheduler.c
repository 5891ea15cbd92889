/* Unit tests for orchestrator/sim-scheduler.c: resource quantities and the
 * node filters (cordon, taints and tolerations, node selector and affinity)
 * with kube-scheduler's reasons. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "orchestrator/sim-internal.h"

static void test_quantity(void **state)
{
	(void)state;
	static const struct {
		const char *q;
		long long milli;
	} cases[] = {
		{ "2", 2000 }, { "500m", 500 }, { "1.5", 1500 }, { "0.1", 100 },
		{ "1Ki", 1024000 }, { "128Mi", 134217728000LL }, { "1G", 1000000000000LL },
		{ "1e3", 1000000 }, { "", 0 }, { "abc", 0 }, { "1Zi", 0 }, { "-1", 0 },
		{ "nan", 0 }, { "1Ei", 9223372036854775807LL },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		json_t *q = json_string(cases[i].q);
		assert_int_equal(sim_quantity_milli(q), cases[i].milli);
		json_decref(q);
	}
	json_t *n = json_integer(3);
	assert_int_equal(sim_quantity_milli(n), 3000);
	json_decref(n);
	assert_int_equal(sim_quantity_milli(NULL), 0);
}

static json_t *parse(const char *s)
{
	json_error_t e;
	json_t *v = json_loads(s, 0, &e);
	assert_non_null(v);
	return v;
}

static void expect_admits(const char *node, const char *pod, const char *why)
{
	json_t *n = parse(node), *p = parse(pod);
	char got[600] = "";
	int ok = sim_node_admits(n, p, got, sizeof(got));
	if (why) {
		assert_false(ok);
		assert_string_equal(got, why);
	} else {
		assert_true(ok);
	}
	json_decref(n);
	json_decref(p);
}

#define NODE "{\"metadata\":{\"name\":\"n1\",\"labels\":{\"zone\":\"a\",\"size\":\"8\"}}"

static void test_filters(void **state)
{
	(void)state;
	expect_admits(NODE "}", "{\"spec\":{}}", NULL);
	expect_admits(NODE ",\"spec\":{\"unschedulable\":true}}", "{\"spec\":{}}",
		      "node(s) were unschedulable");
	expect_admits(NODE ",\"spec\":{\"unschedulable\":true}}",
		      "{\"spec\":{\"tolerations\":[{\"key\":\"node.kubernetes.io/unschedulable\","
		      "\"operator\":\"Exists\",\"effect\":\"NoSchedule\"}]}}", NULL);
	const char *tainted = NODE ",\"spec\":{\"taints\":[{\"key\":\"gpu\",\"effect\":\"NoSchedule\"},"
		"{\"key\":\"k\",\"value\":\"v\",\"effect\":\"NoExecute\"},"
		"{\"key\":\"soft\",\"effect\":\"PreferNoSchedule\"}]}}";
	expect_admits(tainted, "{\"spec\":{}}", "node(s) had untolerated taint {gpu: }");
	expect_admits(tainted, "{\"spec\":{\"tolerations\":[{\"key\":\"gpu\",\"operator\":\"Exists\"}]}}",
		      "node(s) had untolerated taint {k: v}");
	expect_admits(tainted, "{\"spec\":{\"tolerations\":[{\"key\":\"gpu\",\"operator\":\"Exists\"},"
		      "{\"key\":\"k\",\"value\":\"other\",\"effect\":\"NoExecute\"}]}}",
		      "node(s) had untolerated taint {k: v}");
	expect_admits(tainted, "{\"spec\":{\"tolerations\":[{\"key\":\"gpu\",\"operator\":\"Exists\"},"
		      "{\"key\":\"k\",\"value\":\"v\"}]}}", NULL);
	expect_admits(tainted, "{\"spec\":{\"tolerations\":[{\"operator\":\"Exists\"}]}}", NULL);
	const char *miss = "node(s) didn't match Pod's node affinity/selector";
	expect_admits(NODE "}", "{\"spec\":{\"nodeSelector\":{\"zone\":\"a\"}}}", NULL);
	expect_admits(NODE "}", "{\"spec\":{\"nodeSelector\":{\"zone\":\"b\"}}}", miss);
#define AFF(terms) "{\"spec\":{\"affinity\":{\"nodeAffinity\":{\"requiredDuringSchedulingIgnoredDuringExecution\":{\"nodeSelectorTerms\":" terms "}}}}}"
	expect_admits(NODE "}", AFF("[{\"matchExpressions\":[{\"key\":\"zone\",\"operator\":\"In\",\"values\":[\"b\",\"a\"]}]}]"), NULL);
	expect_admits(NODE "}", AFF("[{\"matchExpressions\":[{\"key\":\"zone\",\"operator\":\"NotIn\",\"values\":[\"a\"]}]}]"), miss);
	expect_admits(NODE "}", AFF("[{\"matchExpressions\":[{\"key\":\"zone\",\"operator\":\"NotIn\",\"values\":[\"a\"]}]},"
				    "{\"matchExpressions\":[{\"key\":\"gpu\",\"operator\":\"DoesNotExist\"}]}]"), NULL);
	expect_admits(NODE "}", AFF("[{\"matchExpressions\":[{\"key\":\"zone\",\"operator\":\"Exists\"},"
				    "{\"key\":\"size\",\"operator\":\"Gt\",\"values\":[\"4\"]}]}]"), NULL);
	expect_admits(NODE "}", AFF("[{\"matchExpressions\":[{\"key\":\"size\",\"operator\":\"Lt\",\"values\":[\"4\"]}]}]"), miss);
	expect_admits(NODE "}", AFF("[{\"matchFields\":[{\"key\":\"metadata.name\",\"operator\":\"In\",\"values\":[\"n1\"]}]}]"), NULL);
	expect_admits(NODE "}", AFF("[{}]"), miss);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_quantity),
		cmocka_unit_test(test_filters),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
