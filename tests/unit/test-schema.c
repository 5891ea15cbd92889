/* Unit tests for orchestrator/schema: which fields built-in kinds and CRD
 * schemas declare, the paths unknown ones are reported under, and what is
 * kept (maps, preserved subtrees, embedded resources). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "orchestrator/registry.h"
#include "orchestrator/schema.h"

static json_t *parse(const char *text)
{
	json_error_t e;
	json_t *v = json_loads(text, 0, &e);
	assert_non_null(v);
	return v;
}

/* Prunes obj (JSON text) as kind r, checks the reported paths (a JSON array
 * text) and the object left (JSON text). */
static void expect_prune(const struct resource *r, const char *obj, const char *paths,
			 const char *left)
{
	json_t *o = parse(obj), *unknown = json_array(), *want = parse(paths);
	json_t *want_left = parse(left);
	size_t n = schema_prune(r, o, unknown);
	assert_int_equal(n, json_array_size(want));
	if (!json_equal(unknown, want) || !json_equal(o, want_left)) {
		char *a = json_dumps(unknown, 0), *b = json_dumps(o, 0);
		fail_msg("got %s, left %s", a, b);
	}
	json_decref(o);
	json_decref(unknown);
	json_decref(want);
	json_decref(want_left);
}

static void test_builtin_table_is_sorted_and_resolves(void **state)
{
	(void)state;
	assert_non_null(schema_builtin_fields("PodSpec"));
	assert_non_null(strstr(schema_builtin_fields("PodSpec"), "containers:[Container"));
	assert_null(schema_builtin_fields("NoSuchType"));
	assert_string_equal(schema_builtin_root("apps", "v1", "Deployment"), "Deployment");
	assert_string_equal(schema_builtin_root("events.k8s.io", "v1", "Event"), "EventsEvent");
	assert_null(schema_builtin_root("example.com", "v1", "Widget"));
	assert_string_equal(schema_builtin_root("autoscaling", "v1", "HorizontalPodAutoscaler"),
			    "HorizontalPodAutoscalerV1");
	assert_string_equal(schema_builtin_root("autoscaling", "v2", "HorizontalPodAutoscaler"),
			    "HorizontalPodAutoscaler");
	/* 1.32 fields the 1.22 API did not have */
	assert_non_null(strstr(schema_builtin_fields("Container"), "resizePolicy"));
	assert_non_null(strstr(schema_builtin_fields("JobSpec"), "podFailurePolicy"));
	assert_null(strstr(schema_builtin_fields("ObjectMeta"), "clusterName"));
}

static void test_builtin_paths(void **state)
{
	(void)state;
	struct resource deploy = { .group = "apps", .version = "v1", .kind = "Deployment" };
	expect_prune(&deploy,
		     "{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"metadata\":{\"name\":\"a\","
		     "\"labels\":{\"any\":\"x\"},\"bogus\":1},\"spec\":{\"replicas\":1,\"foo\":2,"
		     "\"template\":{\"spec\":{\"containers\":[{\"name\":\"c\"},{\"name\":\"d\","
		     "\"imag\":\"x\"}],\"nodeSelector\":{\"k\":\"v\"}}}},\"status\":{\"anything\":1}}",
		     "[\"metadata.bogus\",\"spec.foo\",\"spec.template.spec.containers[1].imag\"]",
		     "{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"metadata\":{\"name\":\"a\","
		     "\"labels\":{\"any\":\"x\"}},\"spec\":{\"replicas\":1,\"template\":{\"spec\":"
		     "{\"containers\":[{\"name\":\"c\"},{\"name\":\"d\"}],\"nodeSelector\":{\"k\":"
		     "\"v\"}}}},\"status\":{\"anything\":1}}");
	struct resource cm = { .group = "", .version = "v1", .kind = "ConfigMap" };
	expect_prune(&cm, "{\"data\":{\"a\":\"b\"},\"dat\":{}}", "[\"dat\"]",
		     "{\"data\":{\"a\":\"b\"}}");
}

static void test_crd_schema(void **state)
{
	(void)state;
	struct resource w = { .group = "example.com", .version = "v1", .kind = "Widget",
			      .crd = "widgets.example.com" };
	w.schema = parse("{\"type\":\"object\",\"properties\":{\"spec\":{\"type\":\"object\","
			 "\"properties\":{\"size\":{\"type\":\"integer\"},"
			 "\"labels\":{\"type\":\"object\",\"additionalProperties\":{\"type\":\"string\"}},"
			 "\"parts\":{\"type\":\"array\",\"items\":{\"type\":\"object\",\"properties\":"
			 "{\"name\":{\"type\":\"string\"}}}},"
			 "\"byName\":{\"type\":\"object\",\"additionalProperties\":{\"type\":\"object\","
			 "\"properties\":{\"n\":{\"type\":\"integer\"}}}},"
			 "\"free\":{\"type\":\"object\",\"x-kubernetes-preserve-unknown-fields\":true},"
			 "\"open\":{\"type\":\"object\",\"additionalProperties\":true},"
			 "\"inner\":{\"type\":\"object\",\"x-kubernetes-embedded-resource\":true,"
			 "\"properties\":{\"spec\":{\"type\":\"object\"}}},"
			 "\"port\":{\"x-kubernetes-int-or-string\":true}}}}}");
	expect_prune(&w,
		     "{\"apiVersion\":\"example.com/v1\",\"kind\":\"Widget\",\"metadata\":{\"name\":"
		     "\"w\",\"nam\":1},\"spec\":{\"size\":1,\"labels\":{\"x\":\"y\"},\"parts\":"
		     "[{\"name\":\"a\",\"nam\":\"b\"}],\"byName\":{\"k\":{\"n\":1,\"m\":2}},"
		     "\"free\":{\"a\":{\"b\":1}},\"open\":{\"z\":1},\"inner\":{\"apiVersion\":\"v1\","
		     "\"kind\":\"X\",\"metadata\":{\"name\":\"i\"},\"spec\":{\"gone\":1},\"extra\":1},"
		     "\"port\":\"http\",\"sise\":2},\"status\":{}}",
		     "[\"metadata.nam\",\"spec.parts[0].nam\",\"spec.byName[k].m\","
		     "\"spec.inner.spec.gone\",\"spec.inner.extra\",\"spec.sise\",\"status\"]",
		     "{\"apiVersion\":\"example.com/v1\",\"kind\":\"Widget\",\"metadata\":{\"name\":"
		     "\"w\"},\"spec\":{\"size\":1,\"labels\":{\"x\":\"y\"},\"parts\":[{\"name\":"
		     "\"a\"}],\"byName\":{\"k\":{\"n\":1}},\"free\":{\"a\":{\"b\":1}},\"open\":"
		     "{\"z\":1},\"inner\":{\"apiVersion\":\"v1\",\"kind\":\"X\",\"metadata\":"
		     "{\"name\":\"i\"},\"spec\":{}},\"port\":\"http\"}}");
	json_decref(w.schema);

	/* a root that preserves unknown fields keeps everything but checks metadata */
	w.schema = parse("{\"type\":\"object\",\"x-kubernetes-preserve-unknown-fields\":true}");
	expect_prune(&w, "{\"metadata\":{\"name\":\"w\",\"x\":1},\"anything\":{\"y\":2}}",
		     "[\"metadata.x\"]", "{\"metadata\":{\"name\":\"w\"},\"anything\":{\"y\":2}}");
	json_decref(w.schema);
}

static void test_hostile_depth(void **state)
{
	(void)state;
	struct resource w = { .group = "example.com", .version = "v1", .kind = "Widget",
			      .crd = "widgets.example.com" };
	/* a schema and an object nested far deeper than the walk goes: no crash */
	json_t *schema = json_pack("{s:s}", "type", "object"), *obj = json_object();
	json_t *sc = schema, *ob = obj;
	for (int i = 0; i < 500; i++) {
		json_t *ns = json_pack("{s:s}", "type", "object"), *no = json_object();
		json_object_set_new(sc, "properties", json_pack("{s:o}", "a", ns));
		json_object_set_new(ob, "a", no);
		sc = ns;
		ob = no;
	}
	w.schema = schema;
	schema_prune(&w, obj, NULL);
	json_decref(schema);
	json_decref(obj);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_builtin_table_is_sorted_and_resolves),
		cmocka_unit_test(test_builtin_paths),
		cmocka_unit_test(test_crd_schema),
		cmocka_unit_test(test_hostile_depth),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
