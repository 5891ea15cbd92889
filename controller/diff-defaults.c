/*
 * diff-defaults — what the API server's scheme defaulting adds to built-in
 * objects (the SetDefaults_* functions of k8s.io/api), for the fields users
 * commonly leave out.
 *
 * The three-way patch can take a defaulted field away from the predicted
 * live object: a list replaced whole by the config's version (a webhook's
 * rules), a map cleared by $retainKeys (a Deployment's strategy). The
 * server would default it again, so Argo CD runs the scheme defaults over
 * both sides before comparing, and so does Bosun. Defaults only fill what is
 * absent, so running them over a live object, which the server already
 * defaulted, changes nothing. One function per kind, found by group/kind.
 */
#include <string.h>

#include "diff-defaults.h"

static json_t *get(json_t *o, const char *k)
{
	return json_is_object(o) ? json_object_get(o, k) : NULL;
}

static const char *get_str(json_t *o, const char *k)
{
	return json_string_value(get(o, k));
}

static void def_new(json_t *o, const char *k, json_t *v)
{
	if (json_is_object(o) && !json_object_get(o, k))
		json_object_set(o, k, v);
	json_decref(v);
}

static void def_str(json_t *o, const char *k, const char *v)
{
	def_new(o, k, json_string(v));
}

static void def_int(json_t *o, const char *k, json_int_t v)
{
	def_new(o, k, json_integer(v));
}

/* The object at o[k], created empty when absent. */
static json_t *def_obj(json_t *o, const char *k)
{
	def_new(o, k, json_object());
	return get(o, k);
}

#define EACH(list, i, e) \
	for ((i) = 0; (i) < json_array_size(list) && ((e) = json_array_get(list, i)); (i)++)

/* --- pods ---------------------------------------------------------------- */

static void defaults_probe(json_t *p)
{
	if (!json_is_object(p))
		return;
	def_int(p, "timeoutSeconds", 1);
	def_int(p, "periodSeconds", 10);
	def_int(p, "successThreshold", 1);
	def_int(p, "failureThreshold", 3);
	if (json_is_object(get(p, "httpGet"))) {
		def_str(get(p, "httpGet"), "path", "/");
		def_str(get(p, "httpGet"), "scheme", "HTTP");
	}
}

static void defaults_container(json_t *c)
{
	const char *image = get_str(c, "image");
	json_t *e;
	size_t i;

	if (!json_is_object(c))
		return;
	def_str(c, "terminationMessagePath", "/dev/termination-log");
	def_str(c, "terminationMessagePolicy", "File");
	if (image) {
		/* :latest or no tag pulls always; a digest or another tag if absent */
		const char *slash = strrchr(image, '/');
		const char *name = slash ? slash + 1 : image;
		const char *colon = strchr(name, ':');
		int latest = !strchr(name, '@') && (!colon || strcmp(colon, ":latest") == 0);
		def_str(c, "imagePullPolicy", latest ? "Always" : "IfNotPresent");
	}
	EACH(get(c, "ports"), i, e)
		def_str(e, "protocol", "TCP");
	EACH(get(c, "env"), i, e) {
		json_t *ref = get(get(e, "valueFrom"), "fieldRef");
		def_str(ref, "apiVersion", "v1");
	}
	defaults_probe(get(c, "livenessProbe"));
	defaults_probe(get(c, "readinessProbe"));
	defaults_probe(get(c, "startupProbe"));
}

static void defaults_pod_spec(json_t *s)
{
	json_t *e;
	size_t i;

	if (!json_is_object(s))
		return;
	def_str(s, "dnsPolicy", "ClusterFirst");
	def_str(s, "restartPolicy", "Always");
	def_int(s, "terminationGracePeriodSeconds", 30);
	def_obj(s, "securityContext");
	def_str(s, "schedulerName", "default-scheduler");
	def_new(s, "enableServiceLinks", json_true());
	EACH(get(s, "containers"), i, e)
		defaults_container(e);
	EACH(get(s, "initContainers"), i, e)
		defaults_container(e);
	EACH(get(s, "volumes"), i, e) {
		def_int(get(e, "secret"), "defaultMode", 420);
		def_int(get(e, "configMap"), "defaultMode", 420);
		def_int(get(e, "downwardAPI"), "defaultMode", 420);
		def_int(get(e, "projected"), "defaultMode", 420);
		def_str(get(e, "hostPath"), "type", "");
	}
}

static void defaults_template(json_t *spec)
{
	defaults_pod_spec(get(get(spec, "template"), "spec"));
}

static void defaults_pod(json_t *obj, const char *version)
{
	(void)version;
	defaults_pod_spec(get(obj, "spec"));
}

/* --- apps and batch ------------------------------------------------------ */

static void defaults_deployment(json_t *obj, const char *version)
{
	json_t *spec = get(obj, "spec"), *strategy;
	int ext = strcmp(version, "v1beta1") == 0 && strcmp(get_str(obj, "apiVersion"),
							   "extensions/v1beta1") == 0;

	if (!json_is_object(spec))
		return;
	def_int(spec, "replicas", 1);
	strategy = def_obj(spec, "strategy");
	def_str(strategy, "type", "RollingUpdate");
	if (strcmp(get_str(strategy, "type") ? get_str(strategy, "type") : "", "RollingUpdate") == 0) {
		json_t *ru = def_obj(strategy, "rollingUpdate");
		if (ext) {
			def_int(ru, "maxUnavailable", 1);
			def_int(ru, "maxSurge", 1);
		} else {
			def_str(ru, "maxUnavailable", "25%");
			def_str(ru, "maxSurge", "25%");
		}
	}
	if (!ext) {
		def_int(spec, "revisionHistoryLimit", strcmp(version, "v1beta1") == 0 ? 2 : 10);
		def_int(spec, "progressDeadlineSeconds", 600);
	}
	defaults_template(spec);
}

static void defaults_statefulset(json_t *obj, const char *version)
{
	json_t *spec = get(obj, "spec"), *strategy;

	if (!json_is_object(spec))
		return;
	def_int(spec, "replicas", 1);
	def_str(spec, "podManagementPolicy", "OrderedReady");
	strategy = def_obj(spec, "updateStrategy");
	def_str(strategy, "type", strcmp(version, "v1beta1") == 0 ? "OnDelete" : "RollingUpdate");
	if (strcmp(get_str(strategy, "type") ? get_str(strategy, "type") : "", "RollingUpdate") == 0)
		def_int(def_obj(strategy, "rollingUpdate"), "partition", 0);
	def_int(spec, "revisionHistoryLimit", 10);
	defaults_template(spec);
}

static void defaults_daemonset(json_t *obj, const char *version)
{
	json_t *spec = get(obj, "spec"), *strategy;

	if (!json_is_object(spec))
		return;
	strategy = def_obj(spec, "updateStrategy");
	def_str(strategy, "type", strcmp(version, "v1beta1") == 0 ? "OnDelete" : "RollingUpdate");
	if (strcmp(get_str(strategy, "type") ? get_str(strategy, "type") : "", "RollingUpdate") == 0) {
		json_t *ru = def_obj(strategy, "rollingUpdate");
		def_int(ru, "maxUnavailable", 1);
		if (strcmp(version, "v1") == 0)
			def_int(ru, "maxSurge", 0);
	}
	def_int(spec, "revisionHistoryLimit", 10);
	defaults_template(spec);
}

static void defaults_replicaset(json_t *obj, const char *version)
{
	(void)version;
	def_int(get(obj, "spec"), "replicas", 1);
	defaults_template(get(obj, "spec"));
}

static void defaults_job_spec(json_t *spec)
{
	if (!json_is_object(spec))
		return;
	if (!get(spec, "completions") && !get(spec, "parallelism"))
		def_int(spec, "completions", 1);
	def_int(spec, "parallelism", 1);
	def_int(spec, "backoffLimit", 6);
	def_str(spec, "completionMode", "NonIndexed");
	def_new(spec, "suspend", json_false());
	defaults_template(spec);
}

static void defaults_job(json_t *obj, const char *version)
{
	(void)version;
	defaults_job_spec(get(obj, "spec"));
}

static void defaults_cronjob(json_t *obj, const char *version)
{
	json_t *spec = get(obj, "spec");

	(void)version;
	if (!json_is_object(spec))
		return;
	def_str(spec, "concurrencyPolicy", "Allow");
	def_new(spec, "suspend", json_false());
	def_int(spec, "successfulJobsHistoryLimit", 3);
	def_int(spec, "failedJobsHistoryLimit", 1);
	defaults_job_spec(get(get(spec, "jobTemplate"), "spec"));
}

/* --- core ------------------------------------------------------------------ */

static void defaults_service(json_t *obj, const char *version)
{
	json_t *spec = get(obj, "spec"), *p;
	const char *type;
	size_t i;

	(void)version;
	if (!json_is_object(spec))
		return;
	def_str(spec, "sessionAffinity", "None");
	def_str(spec, "type", "ClusterIP");
	type = get_str(spec, "type");
	EACH(get(spec, "ports"), i, p) {
		def_str(p, "protocol", "TCP");
		if (json_is_object(p) && !get(p, "targetPort") && get(p, "port"))
			json_object_set(p, "targetPort", get(p, "port"));
	}
	if (type && (strcmp(type, "NodePort") == 0 || strcmp(type, "LoadBalancer") == 0))
		def_str(spec, "externalTrafficPolicy", "Cluster");
	if (type && strcmp(type, "ExternalName") != 0)
		def_str(spec, "internalTrafficPolicy", "Cluster");
}

static void defaults_secret(json_t *obj, const char *version)
{
	(void)version;
	def_str(obj, "type", "Opaque");
}

static void defaults_pvc(json_t *obj, const char *version)
{
	(void)version;
	def_str(get(obj, "spec"), "volumeMode", "Filesystem");
}

static void defaults_binding(json_t *obj, const char *version)
{
	json_t *s;
	size_t i;

	(void)version;
	EACH(get(obj, "subjects"), i, s) {
		const char *kind = get_str(s, "kind");
		if (kind && (strcmp(kind, "User") == 0 || strcmp(kind, "Group") == 0))
			def_str(s, "apiGroup", "rbac.authorization.k8s.io");
		else if (kind && strcmp(kind, "ServiceAccount") == 0)
			def_str(s, "apiGroup", "");
	}
}

static void defaults_webhooks(json_t *obj, const char *version)
{
	int beta = strcmp(version, "v1beta1") == 0;
	int mutating = strcmp(get_str(obj, "kind"), "MutatingWebhookConfiguration") == 0;
	json_t *w, *r;
	size_t i, j;

	EACH(get(obj, "webhooks"), i, w) {
		json_t *svc = get(get(w, "clientConfig"), "service");
		def_str(w, "failurePolicy", beta ? "Ignore" : "Fail");
		def_str(w, "matchPolicy", beta ? "Exact" : "Equivalent");
		def_obj(w, "namespaceSelector");
		def_obj(w, "objectSelector");
		if (beta)
			def_str(w, "sideEffects", "Unknown");
		def_int(w, "timeoutSeconds", beta ? 30 : 10);
		if (beta && json_is_object(w) && !get(w, "admissionReviewVersions")) {
			json_t *v = json_array();
			json_array_append_new(v, json_string("v1beta1"));
			json_object_set_new(w, "admissionReviewVersions", v);
		}
		if (mutating)
			def_str(w, "reinvocationPolicy", "Never");
		def_int(svc, "port", 443);
		EACH(get(w, "rules"), j, r)
			def_str(r, "scope", "*");
	}
}

static void defaults_hpa(json_t *obj, const char *version)
{
	json_t *spec = get(obj, "spec");

	def_int(spec, "minReplicas", 1);
	if (strcmp(version, "v1") == 0)
		def_int(spec, "targetCPUUtilizationPercentage", 80);
}

/* --- table --------------------------------------------------------------- */

struct defaults_entry {
	const char *group;
	const char *kind;
	void (*fill)(json_t *obj, const char *version);
};

static const struct defaults_entry defaults_table[] = {
	{ "", "PersistentVolumeClaim", defaults_pvc },
	{ "", "Pod", defaults_pod },
	{ "", "ReplicationController", defaults_replicaset },
	{ "", "Secret", defaults_secret },
	{ "", "Service", defaults_service },
	{ "admissionregistration.k8s.io", "MutatingWebhookConfiguration", defaults_webhooks },
	{ "admissionregistration.k8s.io", "ValidatingWebhookConfiguration", defaults_webhooks },
	{ "apps", "DaemonSet", defaults_daemonset },
	{ "apps", "Deployment", defaults_deployment },
	{ "apps", "ReplicaSet", defaults_replicaset },
	{ "apps", "StatefulSet", defaults_statefulset },
	{ "autoscaling", "HorizontalPodAutoscaler", defaults_hpa },
	{ "batch", "CronJob", defaults_cronjob },
	{ "batch", "Job", defaults_job },
	{ "extensions", "DaemonSet", defaults_daemonset },
	{ "extensions", "Deployment", defaults_deployment },
	{ "extensions", "ReplicaSet", defaults_replicaset },
	{ "rbac.authorization.k8s.io", "ClusterRoleBinding", defaults_binding },
	{ "rbac.authorization.k8s.io", "RoleBinding", defaults_binding },
};

void diff_apply_defaults(json_t *obj)
{
	const char *api = get_str(obj, "apiVersion"), *kind = get_str(obj, "kind");
	const char *slash;
	size_t glen;

	if (!api || !kind)
		return;
	slash = strchr(api, '/');
	glen = slash ? (size_t)(slash - api) : 0;
	for (size_t i = 0; i < sizeof(defaults_table) / sizeof(defaults_table[0]); i++) {
		const struct defaults_entry *e = &defaults_table[i];
		if (strlen(e->group) == glen && strncmp(e->group, api, glen) == 0 &&
		    strcmp(e->kind, kind) == 0) {
			e->fill(obj, slash ? slash + 1 : api);
			return;
		}
	}
}
