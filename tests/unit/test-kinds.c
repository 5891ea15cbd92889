/* Unit tests for lib/kinds, orchestrator/registry (built-ins and CRDs) and
 * orchestrator/names. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "kinds.h"
#include "orchestrator/names.h"
#include "orchestrator/registry.h"

static void test_builtin_table(void **state)
{
	(void)state;
	size_t n;
	const struct kind_info *k = kinds_builtin(&n);
	assert_true(n >= 31);
	const struct kind_info *d = kinds_by_resource("apps", "v1", "deployments");
	assert_non_null(d);
	assert_string_equal(d->kind, "Deployment");
	assert_string_equal(d->short_names[0], "deploy");
	assert_string_equal(d->categories[0], "all");
	assert_int_equal(d->subresources, KIND_SUB_STATUS | KIND_SUB_SCALE);
	assert_true(d->namespaced);
	const struct kind_info *ns = kinds_by_kind("v1", "Namespace");
	assert_non_null(ns);
	assert_false(ns->namespaced);
	assert_string_equal(ns->short_names[0], "ns");
	assert_null(ns->categories[0]);
	assert_null(kinds_by_kind("apps/v2", "Deployment"));
	assert_null(kinds_by_kind("v1", "Deployment"));
	assert_non_null(kinds_by_group_kind("events.k8s.io", "Event"));
	assert_string_equal(kinds_by_resource("", NULL, "configmaps")->short_names[0], "cm");
	assert_string_equal(kinds_by_resource("", NULL, "pods")->short_names[0], "po");
	assert_string_equal(kinds_by_resource("", NULL, "services")->short_names[0], "svc");
	const struct kind_info *crd = kinds_by_resource("apiextensions.k8s.io", "v1",
							"customresourcedefinitions");
	assert_string_equal(crd->short_names[1], "crds");
	/* every resource is plural lower case and unique per group version;
	 * a second version of one is served by conversion to the stored one */
	for (size_t i = 0; i < n; i++) {
		assert_null(names_dns1123_label(k[i].resource));
		for (size_t j = i + 1; j < n; j++) {
			if (strcmp(k[i].group, k[j].group) || strcmp(k[i].resource, k[j].resource))
				continue;
			assert_string_not_equal(k[i].version, k[j].version);
			assert_true(!kinds_storage_version(&k[i]) != !kinds_storage_version(&k[j]));
		}
	}
	const struct kind_info *hpa1 = kinds_by_kind("autoscaling/v1", "HorizontalPodAutoscaler");
	assert_non_null(hpa1);
	assert_string_equal(kinds_storage_version(hpa1), "v2");
	assert_null(kinds_storage_version(kinds_by_kind("autoscaling/v2",
							"HorizontalPodAutoscaler")));
	assert_string_equal(kinds_by_resource("autoscaling", NULL, "horizontalpodautoscalers")->version,
			    "v2");
	char g[64], v[16];
	assert_int_equal(kinds_split_api_version("rbac.authorization.k8s.io/v1", g, sizeof(g),
						 v, sizeof(v)), 0);
	assert_string_equal(g, "rbac.authorization.k8s.io");
	assert_string_equal(v, "v1");
	assert_int_equal(kinds_split_api_version("a/b/c", g, sizeof(g), v, sizeof(v)), -1);
	assert_int_equal(kinds_split_api_version("", g, sizeof(g), v, sizeof(v)), -1);
	assert_int_equal(kinds_split_api_version("/v1", g, sizeof(g), v, sizeof(v)), -1);
}

static json_t *crd_doc(const char *scope)
{
	json_error_t e;
	json_t *crd = json_pack_ex(&e, 0,
		"{s:s, s:s, s:{s:s}, s:{s:s, s:s, s:{s:s, s:s, s:s, s:[s]},"
		" s:[{s:s, s:b, s:b}, {s:s, s:b, s:b, s:{s:{}, s:{s:s, s:s}}}]}}",
		"apiVersion", "apiextensions.k8s.io/v1", "kind", "CustomResourceDefinition",
		"metadata", "name", "widgets.example.com",
		"spec", "group", "example.com", "scope", scope,
		"names", "plural", "widgets", "singular", "widget", "kind", "Widget",
		"shortNames", "wd",
		"versions", "name", "v1alpha1", "served", 1, "storage", 0,
		"name", "v1", "served", 1, "storage", 1, "subresources", "status", "scale",
		"specReplicasPath", ".spec.replicas", "statusReplicasPath", ".status.replicas");
	assert_non_null(crd);
	return crd;
}

static void test_registry_crd_lifecycle(void **state)
{
	(void)state;
	struct registry *reg = registry_new();
	struct resource *r = registry_find(reg, "apps", "v1", "deployments");
	assert_non_null(r);
	assert_string_equal(r->list_kind, "DeploymentList");
	char av[128];
	resource_api_version(r, av, sizeof(av));
	assert_string_equal(av, "apps/v1");
	resource_unref(r);
	assert_null(registry_find(reg, "example.com", NULL, "widgets"));

	json_t *crd = crd_doc("Namespaced");
	struct berr err = BERR_INIT;
	assert_int_equal(registry_add_crd(reg, crd, 1, &err), 0);
	r = registry_find(reg, "example.com", NULL, "widgets");
	assert_non_null(r);
	assert_string_equal(r->version, "v1");     /* storage version first */
	assert_true(r->namespaced);
	assert_int_equal(r->subresources, KIND_SUB_STATUS | KIND_SUB_SCALE);
	assert_string_equal(r->short_names[0], "wd");
	assert_string_equal(r->list_kind, "WidgetList");
	/* a held reference survives the CRD's deletion */
	registry_remove_crd(reg, "widgets.example.com");
	assert_null(registry_find(reg, "example.com", NULL, "widgets"));
	assert_string_equal(r->kind, "Widget");
	resource_unref(r);

	/* re-adding replaces: scope change is visible, no duplicates */
	assert_int_equal(registry_add_crd(reg, crd, 1, &err), 0);
	json_decref(crd);
	crd = crd_doc("Cluster");
	assert_int_equal(registry_add_crd(reg, crd, 1, &err), 0);
	r = registry_find_kind(reg, "example.com", "v1alpha1", "Widget");
	assert_non_null(r);
	assert_false(r->namespaced);
	assert_int_equal(r->subresources, 0);
	resource_unref(r);
	size_t n, widgets = 0;
	struct resource **all = registry_snapshot(reg, &n);
	for (size_t i = 0; i < n; i++)
		widgets += !strcmp(all[i]->resource, "widgets");
	assert_int_equal(widgets, 2);
	registry_snapshot_free(all, n);
	json_decref(crd);
	registry_free(reg);
}

static void test_registry_crd_invalid(void **state)
{
	(void)state;
	struct registry *reg = registry_new();
	struct berr err = BERR_INIT;
	json_t *crd = crd_doc("Galaxy");
	assert_int_equal(registry_add_crd(reg, crd, 1, &err), BERR_INVALID);
	assert_non_null(strstr(err.msg, "spec.scope"));
	json_decref(crd);

	crd = crd_doc("Namespaced");
	json_object_set_new(json_object_get(crd, "metadata"), "name", json_string("wrong.example.com"));
	assert_int_equal(registry_add_crd(reg, crd, 1, &err), BERR_INVALID);
	assert_non_null(strstr(err.msg, "metadata.name"));
	json_decref(crd);

	crd = crd_doc("Namespaced");
	json_object_del(json_object_get(json_object_get(crd, "spec"), "names"), "kind");
	assert_int_equal(registry_add_crd(reg, crd, 1, &err), BERR_INVALID);
	assert_string_equal(err.msg, "spec.names.kind: Required value");
	json_decref(crd);

	crd = crd_doc("Namespaced");
	json_t *v0 = json_array_get(json_object_get(json_object_get(crd, "spec"), "versions"), 0);
	json_object_set_new(v0, "storage", json_true());
	assert_int_equal(registry_add_crd(reg, crd, 1, &err), BERR_INVALID);
	assert_non_null(strstr(err.msg, "storage version"));
	json_decref(crd);

	crd = crd_doc("Namespaced");
	json_t *spec = json_object_get(crd, "spec");
	json_object_set_new(spec, "group", json_string("apps"));
	json_object_set_new(json_object_get(crd, "metadata"), "name", json_string("widgets.apps"));
	assert_true(registry_add_crd(reg, crd, 1, &err) < 0);
	json_decref(crd);
	assert_null(registry_find(reg, "apps", NULL, "widgets"));
	registry_free(reg);
}

static void test_names(void **state)
{
	(void)state;
	assert_null(names_dns1123_subdomain("web-1.example"));
	assert_non_null(names_dns1123_subdomain("Web"));
	assert_non_null(names_dns1123_subdomain("-web"));
	assert_non_null(names_dns1123_subdomain("web."));
	assert_non_null(names_dns1123_subdomain("a..b"));
	assert_non_null(names_dns1123_subdomain(""));
	char long_name[300];
	memset(long_name, 'a', 254);
	long_name[254] = '\0';
	assert_string_equal(names_dns1123_subdomain(long_name), "must be no more than 253 characters");
	assert_null(names_dns1123_label("kube-system"));
	assert_non_null(names_dns1123_label("a.b"));
	long_name[64] = '\0';
	assert_non_null(names_dns1123_label(long_name));
	assert_null(names_dns1035_label("web"));
	assert_non_null(names_dns1035_label("1web"));
	assert_null(names_path_segment("system:controller:foo"));
	assert_non_null(names_path_segment(".."));
	assert_non_null(names_path_segment("a/b"));
	assert_null(names_qualified("app.kubernetes.io/name"));
	assert_null(names_qualified("App_1"));
	assert_non_null(names_qualified("a/b/c"));
	assert_non_null(names_qualified("/x"));
	assert_non_null(names_qualified("UPPER.example/x"));
	assert_non_null(names_qualified("x-"));
	assert_null(names_label_value(""));
	assert_null(names_label_value("v1.2_3"));
	assert_non_null(names_label_value("a b"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_builtin_table),
		cmocka_unit_test(test_registry_crd_lifecycle),
		cmocka_unit_test(test_registry_crd_invalid),
		cmocka_unit_test(test_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
