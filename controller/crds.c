/*
 * crds — the controller's own kinds in the control-plane cluster.
 *
 * At start the controller makes sure its namespace exists, that the
 * `applications.bosun.io` and `appprojects.bosun.io` CustomResourceDefinitions
 * are there and current (created, or updated when ours differ), that the
 * API server serves them, and that a `default` AppProject permitting
 * everything exists. The schemas name Argo CD's fields and keep unknown
 * fields, so an Argo CD manifest whose apiVersion was changed is accepted
 * as it is. The default project is created once and never overwritten: users
 * may narrow it.
 */
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ctrl.h"
#include "doc.h"
#include "kube.h"
#include "log.h"

static json_t *open_object(void)
{
	return json_pack("{s:s, s:b}", "type", "object", "x-kubernetes-preserve-unknown-fields", 1);
}

static json_t *app_schema(void)
{
	json_t *source = json_pack("{s:s, s:b, s:{s:{s:s}, s:{s:s}, s:{s:s}, s:o, s:o, s:{s:s}}}",
				   "type", "object", "x-kubernetes-preserve-unknown-fields", 1,
				   "properties", "repoURL", "type", "string",
				   "targetRevision", "type", "string", "path", "type", "string",
				   "directory", open_object(), "helm", open_object(),
				   "chart", "type", "string");
	json_t *spec = json_pack("{s:s, s:b, s:[s], s:{s:o, s:{s:s}, s:{s:s, s:b, s:{s:{s:s}, s:{s:s}, s:{s:s}}}, s:o, s:{s:s}, s:{s:s}}}",
				 "type", "object", "x-kubernetes-preserve-unknown-fields", 1,
				 "required", "destination",
				 "properties", "source", source,
				 "project", "type", "string",
				 "destination", "type", "object", "x-kubernetes-preserve-unknown-fields", 1,
				 "properties", "server", "type", "string", "namespace", "type", "string",
				 "name", "type", "string",
				 "syncPolicy", open_object(),
				 "revisionHistoryLimit", "type", "integer",
				 "ignoreDifferences", "type", "array");
	json_object_set_new(json_object_get(json_object_get(spec, "properties"), "ignoreDifferences"),
			    "items", open_object());
	return json_pack("{s:s, s:[s, s], s:{s:{s:s}, s:{s:s}, s:o, s:o, s:o}}",
			 "type", "object", "required", "metadata", "spec",
			 "properties", "apiVersion", "type", "string", "kind", "type", "string",
			 "spec", spec, "status", open_object(), "operation", open_object());
}

static json_t *project_schema(void)
{
	return json_pack("{s:s, s:[s], s:{s:{s:s}, s:{s:s}, s:o, s:o}}",
			 "type", "object", "required", "metadata",
			 "properties", "apiVersion", "type", "string", "kind", "type", "string",
			 "spec", open_object(), "status", open_object());
}

static json_t *crd(const char *plural, const char *kind, const char *list_kind,
		   const char *singular, json_t *short_names, json_t *schema, json_t *columns)
{
	char name[128];
	snprintf(name, sizeof(name), "%s.bosun.io", plural);
	json_t *version = json_pack("{s:s, s:b, s:b, s:{s:o}, s:{s:{}}}",
				    "name", "v1alpha1", "served", 1, "storage", 1,
				    "schema", "openAPIV3Schema", schema,
				    "subresources", "status");
	if (columns)
		json_object_set_new(version, "additionalPrinterColumns", columns);
	return json_pack("{s:s, s:s, s:{s:s, s:{s:s}}, s:{s:s, s:s, s:{s:s, s:s, s:s, s:s, s:o}, s:[o]}}",
			 "apiVersion", "apiextensions.k8s.io/v1",
			 "kind", "CustomResourceDefinition",
			 "metadata", "name", name, "labels", "app.kubernetes.io/part-of", "bosun",
			 "spec", "group", "bosun.io", "scope", "Namespaced",
			 "names", "kind", kind, "listKind", list_kind, "plural", plural,
			 "singular", singular, "shortNames", short_names,
			 "versions", version);
}

static json_t *app_crd(void)
{
	json_t *cols = json_pack("[{s:s, s:s, s:s}, {s:s, s:s, s:s}, {s:s, s:s, s:s, s:i},"
				 " {s:s, s:s, s:s, s:i}, {s:s, s:s, s:s}]",
				 "name", "Sync Status", "type", "string", "jsonPath", ".status.sync.status",
				 "name", "Health Status", "type", "string", "jsonPath",
				 ".status.health.status",
				 "name", "Revision", "type", "string", "jsonPath", ".status.sync.revision",
				 "priority", 10,
				 "name", "Project", "type", "string", "jsonPath", ".spec.project",
				 "priority", 10,
				 "name", "Age", "type", "date", "jsonPath", ".metadata.creationTimestamp");
	return crd("applications", "Application", "ApplicationList", "application",
		   json_pack("[s, s]", "app", "apps"), app_schema(), cols);
}

static json_t *project_crd(void)
{
	return crd("appprojects", "AppProject", "AppProjectList", "appproject",
		   json_pack("[s, s]", "appproj", "appprojs"), project_schema(), NULL);
}

/* Creates obj; when it exists and `update` is set, replaces its spec if it
 * differs. */
static int ensure(struct kube_client *kc, json_t *obj, int update, struct berr *err)
{
	json_t *res = NULL, *cur = NULL;
	int rc = kube_client_create(kc, &res, obj, NULL, err);
	json_decref(res);
	if (rc != BERR_EXISTS)
		return rc;
	if (!update)
		return 0;
	struct kube_ref ref = { doc_get_str(obj, "apiVersion"), doc_get_str(obj, "kind"),
				doc_get_str(obj, "metadata.namespace"),
				doc_get_str(obj, "metadata.name"), NULL };
	if ((rc = kube_client_get(kc, &cur, &ref, err)) < 0)
		return rc;
	if (!doc_equal(json_object_get(cur, "spec"), json_object_get(obj, "spec"))) {
		json_object_set(cur, "spec", json_object_get(obj, "spec"));
		rc = kube_client_update(kc, &res, cur, NULL, err);
		json_decref(res);
		if (rc == 0)
			log_info("custom resource definition updated", "name", ref.name, NULL);
	}
	json_decref(cur);
	return rc;
}

static int wait_served(struct kube_client *kc, const char *kind, struct berr *err)
{
	struct kube_resource r;
	int rc = 0;
	for (int i = 0; i < 100; i++) {
		if ((rc = kube_client_resource(kc, &r, "bosun.io/v1alpha1", kind, err)) == 0)
			return 0;
		if (rc != BERR_NOTFOUND)
			return rc;
		usleep(100 * 1000);
		kube_client_discover(kc, NULL);
	}
	return berr_set(err, BERR_LIMIT, "kind '%s' of bosun.io/v1alpha1 is not served after 10 s",
			kind);
}

int crds_install(struct kube_client *kc, const char *namespace, struct berr *err)
{
	json_t *ns = json_pack("{s:s, s:s, s:{s:s}}", "apiVersion", "v1", "kind", "Namespace",
			       "metadata", "name", namespace);
	json_t *a = app_crd(), *p = project_crd();
	json_t *def = json_pack("{s:s, s:s, s:{s:s, s:s}, s:{s:s, s:[s], s:[{s:s, s:s}],"
				" s:[{s:s, s:s}], s:[{s:s, s:s}]}}",
				"apiVersion", "bosun.io/v1alpha1", "kind", "AppProject",
				"metadata", "name", "default", "namespace", namespace,
				"spec", "description", "the default project: everything is permitted",
				"sourceRepos", "*",
				"destinations", "server", "*", "namespace", "*",
				"clusterResourceWhitelist", "group", "*", "kind", "*",
				"namespaceResourceWhitelist", "group", "*", "kind", "*");
	int rc;
	if ((rc = ensure(kc, ns, 0, err)) < 0)
		berr_prefix(err, "creating namespace '%s'", namespace);
	else if ((rc = ensure(kc, a, 1, err)) < 0 || (rc = ensure(kc, p, 1, err)) < 0)
		berr_prefix(err, "installing custom resource definitions");
	else if ((rc = wait_served(kc, "Application", err)) < 0
		 || (rc = wait_served(kc, "AppProject", err)) < 0)
		;
	else if ((rc = ensure(kc, def, 0, err)) < 0)
		berr_prefix(err, "creating the default project");
	json_decref(ns);
	json_decref(a);
	json_decref(p);
	json_decref(def);
	return rc;
}
