/* Unit tests for orchestrator/rbac: PolicyRule matching (verbs, apiGroups,
 * resources with subresources, resourceNames, wildcards), which binding
 * subjects name a ServiceAccount, and the Forbidden message. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "orchestrator/rbac.h"

static json_t *parse(const char *text)
{
	json_error_t e;
	json_t *v = json_loads(text, 0, &e);
	if (!v)
		fail_msg("bad JSON in test: %s", e.text);
	return v;
}

static int allows(const char *rule, const char *verb, const char *group, const char *resource,
		  const char *sub, const char *name)
{
	json_t *r = parse(rule);
	struct rbac_request rq = { verb, group, resource, sub, name, "ns" };
	int ok = rbac_rule_allows(r, &rq);
	json_decref(r);
	return ok;
}

static void rules_match_verbs_groups_and_resources(void **state)
{
	(void)state;
	const char *read = "{\"verbs\":[\"get\",\"list\"],\"apiGroups\":[\"\"],"
			   "\"resources\":[\"pods\"]}";
	assert_true(allows(read, "list", "", "pods", "", ""));
	assert_true(allows(read, "get", "", "pods", "", "web"));
	assert_false(allows(read, "delete", "", "pods", "", "web"));
	assert_false(allows(read, "list", "apps", "pods", "", ""));
	assert_false(allows(read, "list", "", "services", "", ""));
	/* a subresource needs its own entry */
	assert_false(allows(read, "get", "", "pods", "log", "web"));
	assert_false(allows("{}", "get", "", "pods", "", ""));
	assert_false(allows("[]", "get", "", "pods", "", ""));
}

static void wildcards_and_subresources(void **state)
{
	(void)state;
	const char *all = "{\"verbs\":[\"*\"],\"apiGroups\":[\"*\"],\"resources\":[\"*\"]}";
	assert_true(allows(all, "deletecollection", "apps", "deployments", "", ""));
	assert_true(allows(all, "get", "", "pods", "log", "web"));
	const char *logs = "{\"verbs\":[\"get\"],\"apiGroups\":[\"\"],\"resources\":[\"pods/log\"]}";
	assert_true(allows(logs, "get", "", "pods", "log", "web"));
	assert_false(allows(logs, "get", "", "pods", "", "web"));
	assert_false(allows(logs, "get", "", "pods", "exec", "web"));
	assert_false(allows(logs, "get", "", "podsx", "log", "web"));
	const char *scale = "{\"verbs\":[\"update\"],\"apiGroups\":[\"apps\"],"
			    "\"resources\":[\"*/scale\"]}";
	assert_true(allows(scale, "update", "apps", "deployments", "scale", "web"));
	assert_true(allows(scale, "update", "apps", "statefulsets", "scale", "db"));
	assert_false(allows(scale, "update", "apps", "deployments", "", "web"));
}

static void resource_names_restrict_to_single_objects(void **state)
{
	(void)state;
	const char *one = "{\"verbs\":[\"get\",\"list\"],\"apiGroups\":[\"apps\"],"
			  "\"resources\":[\"deployments\"],\"resourceNames\":[\"web\"]}";
	assert_true(allows(one, "get", "apps", "deployments", "", "web"));
	assert_false(allows(one, "get", "apps", "deployments", "", "api"));
	assert_false(allows(one, "list", "apps", "deployments", "", ""));
}

static void binding_subjects(void **state)
{
	(void)state;
	static const char *const sa_groups[] = { "system:serviceaccounts",
						 "system:serviceaccounts:ci", "system:authenticated",
						 NULL };
	static const char *const no_groups[] = { "system:authenticated", NULL };
	json_t *rb = parse("{\"metadata\":{\"name\":\"b\",\"namespace\":\"shop\"},\"subjects\":["
			   "{\"kind\":\"ServiceAccount\",\"name\":\"builder\",\"namespace\":\"shop\"},"
			   "{\"kind\":\"ServiceAccount\",\"name\":\"local\"},"
			   "{\"kind\":\"User\",\"name\":\"jane\"},"
			   "{\"kind\":\"Group\",\"name\":\"system:serviceaccounts:ci\"}]}");
	assert_true(rbac_binding_names(rb, "system:serviceaccount:shop:builder", no_groups));
	assert_false(rbac_binding_names(rb, "system:serviceaccount:other:builder", no_groups));
	/* a ServiceAccount subject without a namespace is in the binding's */
	assert_true(rbac_binding_names(rb, "system:serviceaccount:shop:local", no_groups));
	assert_true(rbac_binding_names(rb, "jane", no_groups));
	assert_false(rbac_binding_names(rb, "janet", no_groups));
	assert_true(rbac_binding_names(rb, "system:serviceaccount:ci:anyone", sa_groups));
	assert_false(rbac_binding_names(rb, "system:serviceaccount:cix:anyone", no_groups));
	json_decref(rb);
	json_t *crb = parse("{\"metadata\":{\"name\":\"c\"},\"subjects\":[{\"kind\":\"Group\","
			    "\"name\":\"system:authenticated\"},{\"kind\":\"ServiceAccount\","
			    "\"name\":\"nons\"}]}");
	assert_true(rbac_binding_names(crb, "any", no_groups));
	assert_false(rbac_binding_names(crb, "system:serviceaccount::nons", NULL));
	json_decref(crb);
	json_t *none = parse("{\"metadata\":{\"name\":\"n\"}}");
	assert_false(rbac_binding_names(none, "any", no_groups));
	json_decref(none);
}

static void forbidden_words(void **state)
{
	(void)state;
	struct kstatus st = KSTATUS_INIT;
	struct rbac_request list = { "list", "", "pods", "", "", "shop" };
	rbac_forbidden(&st, "system:serviceaccount:shop:b", &list);
	assert_int_equal(st.code, 403);
	assert_string_equal(st.reason, "Forbidden");
	assert_string_equal(st.message, "pods is forbidden: User \"system:serviceaccount:shop:b\" "
			    "cannot list resource \"pods\" in API group \"\" in the namespace \"shop\"");
	kstatus_release(&st);
	struct kstatus st2 = KSTATUS_INIT;
	struct rbac_request logs = { "get", "apps", "deployments", "scale", "web", "" };
	rbac_forbidden(&st2, "u", &logs);
	assert_string_equal(st2.message, "deployments.apps \"web\" is forbidden: User \"u\" cannot "
			    "get resource \"deployments/scale\" in API group \"apps\" at the cluster "
			    "scope");
	kstatus_release(&st2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(rules_match_verbs_groups_and_resources),
		cmocka_unit_test(wildcards_and_subresources),
		cmocka_unit_test(resource_names_restrict_to_single_objects),
		cmocka_unit_test(binding_subjects),
		cmocka_unit_test(forbidden_words),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
