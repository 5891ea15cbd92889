/*
 * defaults.c — per-kind defaults and checks (see defaults.h).
 *
 * One table maps group/resource to a defaulting function and a validating
 * function; pod templates share pod_spec_defaults() with Pods. A default is
 * only ever added where the field is absent, so what the user wrote wins.
 */
#include "defaults.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "cron.h"
#include "doc.h"
#include "timefmt.h"

static json_t *child(json_t *obj, const char *key)
{
	json_t *c = json_object_get(obj, key);
	if (!json_is_object(c)) {
		c = json_object();
		json_object_set_new(obj, key, c);
	}
	return c;
}

static void dflt(json_t *obj, const char *key, json_t *value)
{
	if (json_is_object(obj) && !json_object_get(obj, key))
		json_object_set_new(obj, key, value);
	else
		json_decref(value);
}

static void container_defaults(json_t *c)
{
	if (!json_is_object(c))
		return;
	dflt(c, "terminationMessagePath", json_string("/dev/termination-log"));
	dflt(c, "terminationMessagePolicy", json_string("File"));
	dflt(c, "resources", json_object());
	const char *image = doc_get_str(c, "image");
	if (image) {
		/* the tag rule: :latest or no tag pulls Always, else IfNotPresent */
		const char *slash = strrchr(image, '/');
		const char *name = slash ? slash + 1 : image;
		const char *colon = strchr(name, ':');
		int latest = !strchr(name, '@') && (!colon || !strcmp(colon, ":latest"));
		dflt(c, "imagePullPolicy", json_string(latest ? "Always" : "IfNotPresent"));
	}
	size_t i;
	json_t *p;
	json_array_foreach(json_object_get(c, "ports"), i, p)
		dflt(p, "protocol", json_string("TCP"));
}

static void pod_spec_defaults(json_t *spec)
{
	if (!json_is_object(spec))
		return;
	dflt(spec, "restartPolicy", json_string("Always"));
	dflt(spec, "dnsPolicy", json_string("ClusterFirst"));
	dflt(spec, "schedulerName", json_string("default-scheduler"));
	dflt(spec, "terminationGracePeriodSeconds", json_integer(30));
	dflt(spec, "securityContext", json_object());
	size_t i;
	json_t *c;
	json_array_foreach(json_object_get(spec, "containers"), i, c)
		container_defaults(c);
	json_array_foreach(json_object_get(spec, "initContainers"), i, c)
		container_defaults(c);
}

static void template_defaults(json_t *obj)
{
	json_t *t = doc_get(obj, "spec.template");
	if (json_is_object(t)) {
		child(t, "metadata");
		pod_spec_defaults(json_object_get(t, "spec"));
	}
}

static void pod(json_t *obj)
{
	json_t *spec = json_object_get(obj, "spec");
	pod_spec_defaults(spec);
	if (json_is_object(spec)) {
		dflt(spec, "serviceAccountName", json_string("default"));
		dflt(spec, "serviceAccount", json_string("default"));
		dflt(spec, "enableServiceLinks", json_true());
		dflt(spec, "preemptionPolicy", json_string("PreemptLowerPriority"));
		dflt(spec, "priority", json_integer(0));
	}
	json_t *status = child(obj, "status");
	dflt(status, "phase", json_string("Pending"));
	dflt(status, "qosClass", json_string("BestEffort"));
}

static void deployment(json_t *obj)
{
	json_t *spec = child(obj, "spec");
	dflt(spec, "replicas", json_integer(1));
	json_t *s = child(spec, "strategy");
	dflt(s, "type", json_string("RollingUpdate"));
	if (!strcmp(doc_get_str(s, "type"), "RollingUpdate")) {
		json_t *ru = child(s, "rollingUpdate");
		dflt(ru, "maxUnavailable", json_string("25%"));
		dflt(ru, "maxSurge", json_string("25%"));
	}
	dflt(spec, "revisionHistoryLimit", json_integer(10));
	dflt(spec, "progressDeadlineSeconds", json_integer(600));
	template_defaults(obj);
}

static void replicaset(json_t *obj)
{
	dflt(child(obj, "spec"), "replicas", json_integer(1));
	template_defaults(obj);
}

static void statefulset(json_t *obj)
{
	json_t *spec = child(obj, "spec");
	dflt(spec, "replicas", json_integer(1));
	dflt(spec, "podManagementPolicy", json_string("OrderedReady"));
	json_t *us = child(spec, "updateStrategy");
	dflt(us, "type", json_string("RollingUpdate"));
	if (!strcmp(doc_get_str(us, "type"), "RollingUpdate"))
		dflt(child(us, "rollingUpdate"), "partition", json_integer(0));
	dflt(spec, "revisionHistoryLimit", json_integer(10));
	dflt(spec, "persistentVolumeClaimRetentionPolicy",
	     json_pack("{s:s, s:s}", "whenDeleted", "Retain", "whenScaled", "Retain"));
	template_defaults(obj);
}

static void daemonset(json_t *obj)
{
	json_t *spec = child(obj, "spec");
	json_t *us = child(spec, "updateStrategy");
	dflt(us, "type", json_string("RollingUpdate"));
	if (!strcmp(doc_get_str(us, "type"), "RollingUpdate")) {
		json_t *ru = child(us, "rollingUpdate");
		dflt(ru, "maxUnavailable", json_integer(1));
		dflt(ru, "maxSurge", json_integer(0));
	}
	dflt(spec, "revisionHistoryLimit", json_integer(10));
	template_defaults(obj);
}

static void job_spec_defaults(json_t *spec)
{
	dflt(spec, "backoffLimit", json_integer(6));
	dflt(spec, "completions", json_integer(1));
	dflt(spec, "parallelism", json_integer(1));
	dflt(spec, "completionMode", json_string("NonIndexed"));
	dflt(spec, "suspend", json_false());
	dflt(spec, "podReplacementPolicy", json_string("TerminatingOrFailed"));
	json_t *t = json_object_get(spec, "template");
	if (json_is_object(t)) {
		child(t, "metadata");
		pod_spec_defaults(json_object_get(t, "spec"));
	}
}

static void job(json_t *obj)
{
	json_t *spec = child(obj, "spec");
	job_spec_defaults(spec);
	/* the selector the job controller owns: controller-uid labels */
	const char *uid = doc_get_str(obj, "metadata.uid");
	const char *name = doc_get_str(obj, "metadata.name");
	if (uid && name && !json_object_get(spec, "selector") &&
	    !json_is_true(json_object_get(spec, "manualSelector"))) {
		json_t *labels = child(child(child(spec, "template"), "metadata"), "labels");
		json_object_set_new(labels, "batch.kubernetes.io/controller-uid", json_string(uid));
		json_object_set_new(labels, "batch.kubernetes.io/job-name", json_string(name));
		json_object_set_new(labels, "controller-uid", json_string(uid));
		json_object_set_new(labels, "job-name", json_string(name));
		json_object_set_new(spec, "selector",
				    json_pack("{s:{s:s}}", "matchLabels",
					      "batch.kubernetes.io/controller-uid", uid));
	}
}

static void cronjob(json_t *obj)
{
	json_t *spec = child(obj, "spec");
	dflt(spec, "concurrencyPolicy", json_string("Allow"));
	dflt(spec, "suspend", json_false());
	dflt(spec, "successfulJobsHistoryLimit", json_integer(3));
	dflt(spec, "failedJobsHistoryLimit", json_integer(1));
	json_t *jt = json_object_get(spec, "jobTemplate");
	if (json_is_object(jt)) {
		json_t *js = json_object_get(jt, "spec");
		if (json_is_object(js)) {
			json_t *t = json_object_get(js, "template");
			if (json_is_object(t)) {
				child(t, "metadata");
				pod_spec_defaults(json_object_get(t, "spec"));
			}
		}
	}
}

static void service(json_t *obj)
{
	json_t *spec = child(obj, "spec");
	dflt(spec, "type", json_string("ClusterIP"));
	const char *type = doc_get_str(spec, "type");
	if (strcmp(type, "ExternalName")) {
		dflt(spec, "sessionAffinity", json_string("None"));
		dflt(spec, "internalTrafficPolicy", json_string("Cluster"));
		dflt(spec, "ipFamilies", json_pack("[s]", "IPv4"));
		dflt(spec, "ipFamilyPolicy", json_string("SingleStack"));
	}
	size_t i;
	json_t *p;
	json_array_foreach(json_object_get(spec, "ports"), i, p) {
		dflt(p, "protocol", json_string("TCP"));
		json_t *port = json_object_get(p, "port");
		if (json_is_integer(port))
			dflt(p, "targetPort", json_integer(json_integer_value(port)));
	}
	json_t *status = child(obj, "status");
	dflt(status, "loadBalancer", json_object());
}

static void namespace(json_t *obj)
{
	json_t *spec = child(obj, "spec");
	dflt(spec, "finalizers", json_pack("[s]", "kubernetes"));
	json_t *status = child(obj, "status");
	dflt(status, "phase", json_string("Active"));
	const char *name = doc_get_str(obj, "metadata.name");
	if (name)
		json_object_set_new(child(json_object_get(obj, "metadata"), "labels"),
				    "kubernetes.io/metadata.name", json_string(name));
}

static void secret(json_t *obj)
{
	dflt(obj, "type", json_string("Opaque"));
	json_t *sd = json_object_get(obj, "stringData");
	if (json_is_object(sd)) {
		json_t *data = child(obj, "data");
		const char *k;
		json_t *v;
		json_object_foreach(sd, k, v) {
			if (!json_is_string(v))
				continue;
			size_t n = json_string_length(v);
			unsigned char *enc = xmalloc(4 * ((n + 2) / 3) + 1);
			EVP_EncodeBlock(enc, (const unsigned char *)json_string_value(v), (int)n);
			json_object_set_new(data, k, json_string((char *)enc));
			free(enc);
		}
		json_object_del(obj, "stringData");
	}
}

static void pvc(json_t *obj)
{
	json_t *spec = child(obj, "spec");
	dflt(spec, "volumeMode", json_string("Filesystem"));
	dflt(child(obj, "status"), "phase", json_string("Pending"));
}

static void storageclass(json_t *obj)
{
	dflt(obj, "reclaimPolicy", json_string("Delete"));
	dflt(obj, "volumeBindingMode", json_string("Immediate"));
}

static void priorityclass(json_t *obj)
{
	dflt(obj, "value", json_integer(0));
	dflt(obj, "preemptionPolicy", json_string("PreemptLowerPriority"));
}

/* --- validation ---------------------------------------------------------------- */

/* HPA scaling rules: what is absent takes the autoscaler's default. */
static void scaling_rules(json_t *behavior, const char *key, int window, const char *policies)
{
	json_t *rules = child(behavior, key);
	dflt(rules, "stabilizationWindowSeconds", json_integer(window));
	dflt(rules, "selectPolicy", json_string("Max"));
	dflt(rules, "policies", json_loads(policies, 0, NULL));
}

static void hpa(json_t *obj)
{
	json_t *spec = child(obj, "spec");
	dflt(spec, "minReplicas", json_integer(1));
	if (json_array_size(json_object_get(spec, "metrics")) == 0)
		json_object_set_new(spec, "metrics",
				    json_pack("[{s:s, s:{s:s, s:{s:s, s:i}}}]", "type", "Resource",
					      "resource", "name", "cpu", "target", "type",
					      "Utilization", "averageUtilization", 80));
	json_t *behavior = json_object_get(spec, "behavior");
	if (!json_is_object(behavior))
		return;
	scaling_rules(behavior, "scaleUp", 0, "[{\"type\":\"Pods\",\"value\":4,\"periodSeconds\":15},"
		      "{\"type\":\"Percent\",\"value\":100,\"periodSeconds\":15}]");
	scaling_rules(behavior, "scaleDown", 300,
		      "[{\"type\":\"Percent\",\"value\":100,\"periodSeconds\":15}]");
}

static void check_hpa(struct kstatus *st, const json_t *obj)
{
	if (!doc_get_str(obj, "spec.scaleTargetRef.kind"))
		kstatus_cause(st, "FieldValueRequired", "spec.scaleTargetRef.kind", "Required value");
	if (!doc_get_str(obj, "spec.scaleTargetRef.name"))
		kstatus_cause(st, "FieldValueRequired", "spec.scaleTargetRef.name", "Required value");
	json_int_t min = doc_get_int(obj, "spec.minReplicas", 1);
	json_int_t max = doc_get_int(obj, "spec.maxReplicas", 0);
	if (min < 1)
		kstatus_cause(st, "FieldValueInvalid", "spec.minReplicas",
			      "Invalid value: %lld: must be greater than or equal to 1", (long long)min);
	if (max < 1 || max < min)
		kstatus_cause(st, "FieldValueInvalid", "spec.maxReplicas",
			      "Invalid value: %lld: must be greater than or equal to %s", (long long)max,
			      max < 1 ? "1" : "`minReplicas`");
}

static void check_containers(struct kstatus *st, const json_t *spec, const char *field)
{
	char f[256];
	const json_t *cs = json_object_get(spec, "containers");
	if (!json_is_array(cs) || json_array_size(cs) == 0) {
		snprintf(f, sizeof(f), "%s.containers", field);
		kstatus_cause(st, "FieldValueRequired", f, "Required value");
		return;
	}
	size_t i;
	json_t *c;
	json_array_foreach(cs, i, c) {
		if (!doc_get_str(c, "name") || !doc_get_str(c, "name")[0]) {
			snprintf(f, sizeof(f), "%s.containers[%zu].name", field, i);
			kstatus_cause(st, "FieldValueRequired", f, "Required value");
		}
		if (!doc_get_str(c, "image") || !doc_get_str(c, "image")[0]) {
			snprintf(f, sizeof(f), "%s.containers[%zu].image", field, i);
			kstatus_cause(st, "FieldValueRequired", f, "Required value");
		}
	}
}

/* matchLabels of the selector must all be in the template's labels. */
static void check_selector(struct kstatus *st, const json_t *obj)
{
	const json_t *sel = doc_get(obj, "spec.selector");
	if (!json_is_object(sel) || (!json_object_get(sel, "matchLabels") &&
				     !json_object_get(sel, "matchExpressions"))) {
		kstatus_cause(st, "FieldValueRequired", "spec.selector", "Required value");
		return;
	}
	const json_t *labels = doc_get(obj, "spec.template.metadata.labels");
	const char *k;
	json_t *v;
	json_object_foreach((json_t *)json_object_get(sel, "matchLabels"), k, v) {
		const json_t *have = json_object_get(labels, k);
		if (!have || !json_equal(have, v)) {
			kstatus_cause(st, "FieldValueInvalid", "spec.template.metadata.labels",
				      "Invalid value: %s: `selector` does not match template `labels`",
				      labels ? "map[...]" : "map[string]string(nil)");
			return;
		}
	}
}

static int is(const struct resource *r, const char *group, const char *resource)
{
	return !r->crd && !strcmp(r->group, group) && !strcmp(r->resource, resource);
}

int defaults_validate(const struct resource *r, const json_t *obj, struct kstatus *st)
{
	const char *name = doc_get_str(obj, "metadata.name");
	int workload = is(r, "apps", "deployments") || is(r, "apps", "replicasets") ||
		       is(r, "apps", "statefulsets") || is(r, "apps", "daemonsets");
	if (workload) {
		check_selector(st, obj);
		check_containers(st, doc_get(obj, "spec.template.spec"), "spec.template.spec");
		json_t *rep = doc_get(obj, "spec.replicas");
		if (rep && (!json_is_integer(rep) || json_integer_value(rep) < 0))
			kstatus_cause(st, "FieldValueInvalid", "spec.replicas",
				      "Invalid value: must be greater than or equal to 0");
	} else if (is(r, "", "pods")) {
		check_containers(st, json_object_get(obj, "spec"), "spec");
	} else if (is(r, "autoscaling", "horizontalpodautoscalers")) {
		check_hpa(st, obj);
	} else if (is(r, "batch", "jobs")) {
		check_containers(st, doc_get(obj, "spec.template.spec"), "spec.template.spec");
		const char *rp = doc_get_str(obj, "spec.template.spec.restartPolicy");
		if (rp && strcmp(rp, "Never") && strcmp(rp, "OnFailure"))
			kstatus_cause(st, "FieldValueNotSupported",
				      "spec.template.spec.restartPolicy",
				      "Unsupported value: \"%s\": supported values: \"OnFailure\", "
				      "\"Never\"", rp);
	} else if (is(r, "batch", "cronjobs")) {
		struct berr e = BERR_INIT;
		const char *sched = doc_get_str(obj, "spec.schedule");
		if (!sched || !sched[0])
			kstatus_cause(st, "FieldValueRequired", "spec.schedule", "Required value");
		else if (cron_parse(&(struct cron){ 0 }, sched, &e) < 0)
			kstatus_cause(st, "FieldValueInvalid", "spec.schedule",
				      "Invalid value: \"%s\": %s", sched, e.msg);
		check_containers(st, doc_get(obj, "spec.jobTemplate.spec.template.spec"),
				 "spec.jobTemplate.spec.template.spec");
	} else if (is(r, "", "services")) {
		const char *type = doc_get_str(obj, "spec.type");
		size_t i;
		json_t *p;
		json_array_foreach(doc_get(obj, "spec.ports"), i, p) {
			json_t *port = json_object_get(p, "port");
			if (!json_is_integer(port) || json_integer_value(port) < 1 ||
			    json_integer_value(port) > 65535) {
				char f[64];
				snprintf(f, sizeof(f), "spec.ports[%zu].port", i);
				kstatus_cause(st, "FieldValueInvalid", f,
					      "Invalid value: must be between 1 and 65535, inclusive");
			}
		}
		const char *cip = doc_get_str(obj, "spec.clusterIP");
		if (type && strcmp(type, "ExternalName") && !(cip && !strcmp(cip, "None")) &&
		    json_array_size(doc_get(obj, "spec.ports")) == 0)
			kstatus_cause(st, "FieldValueRequired", "spec.ports", "Required value");
	} else if (is(r, "storage.k8s.io", "storageclasses")) {
		const char *prov = doc_get_str(obj, "provisioner");
		const char *rp = doc_get_str(obj, "reclaimPolicy");
		const char *mode = doc_get_str(obj, "volumeBindingMode");
		if (!prov || !prov[0])
			kstatus_cause(st, "FieldValueRequired", "provisioner", "Required value");
		if (rp && strcmp(rp, "Delete") && strcmp(rp, "Retain"))
			kstatus_cause(st, "FieldValueNotSupported", "reclaimPolicy",
				      "Unsupported value: \"%s\": supported values: \"Delete\", "
				      "\"Retain\"", rp);
		if (mode && strcmp(mode, "Immediate") && strcmp(mode, "WaitForFirstConsumer"))
			kstatus_cause(st, "FieldValueNotSupported", "volumeBindingMode",
				      "Unsupported value: \"%s\": supported values: \"Immediate\", "
				      "\"WaitForFirstConsumer\"", mode);
	} else if (is(r, "", "secrets") || is(r, "", "configmaps")) {
		const char *k;
		json_t *v;
		json_object_foreach(doc_get(obj, "data"), k, v) {
			char f[512];
			snprintf(f, sizeof(f), "data[%s]", k);
			if (!json_is_string(v)) {
				kstatus_cause(st, "FieldValueTypeInvalid", f,
					      "Invalid value: must be a string");
				continue;
			}
			if (is(r, "", "secrets")) {
				size_t n = json_string_length(v);
				const char *s = json_string_value(v);
				int ok = n % 4 == 0;
				for (size_t i = 0; ok && i < n; i++)
					ok = (s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= 'a' && s[i] <= 'z') ||
					     (s[i] >= '0' && s[i] <= '9') || s[i] == '+' || s[i] == '/' ||
					     (s[i] == '=' && i >= n - 2);
				if (!ok)
					kstatus_cause(st, "FieldValueInvalid", f,
						      "Invalid value: illegal base64 data");
			}
		}
	}
	if (st && st->causes)
		return kstatus_invalid(st, r, name);
	return 0;
}

void defaults_apply(const struct resource *r, json_t *obj)
{
	static const struct {
		const char *group, *resource;
		void (*fn)(json_t *obj);
	} table[] = {
		{ "", "pods", pod },
		{ "", "services", service },
		{ "", "namespaces", namespace },
		{ "", "secrets", secret },
		{ "", "persistentvolumeclaims", pvc },
		{ "apps", "deployments", deployment },
		{ "apps", "replicasets", replicaset },
		{ "apps", "statefulsets", statefulset },
		{ "apps", "daemonsets", daemonset },
		{ "batch", "jobs", job },
		{ "batch", "cronjobs", cronjob },
		{ "autoscaling", "horizontalpodautoscalers", hpa },
		{ "storage.k8s.io", "storageclasses", storageclass },
		{ "scheduling.k8s.io", "priorityclasses", priorityclass },
	};
	if (r->crd || !json_is_object(obj))
		return;
	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++)
		if (is(r, table[i].group, table[i].resource)) {
			table[i].fn(obj);
			return;
		}
}

void defaults_crd_status(json_t *crd)
{
	char now[TIMEFMT_SIZE];
	timefmt_now(now);
	json_t *names = doc_get(crd, "spec.names");
	json_t *accepted = json_deep_copy(names);
	if (!json_object_get(accepted, "singular") && doc_get_str(names, "kind")) {
		struct buf b = BUF_INIT;
		for (const char *p = doc_get_str(names, "kind"); *p; p++)
			buf_addch(&b, (char)(*p >= 'A' && *p <= 'Z' ? *p - 'A' + 'a' : *p));
		json_object_set_new(accepted, "singular", json_string(b.data));
		buf_release(&b);
	}
	if (!json_object_get(accepted, "listKind") && doc_get_str(names, "kind")) {
		struct buf b = BUF_INIT;
		buf_addf(&b, "%sList", doc_get_str(names, "kind"));
		json_object_set_new(accepted, "listKind", json_string(b.data));
		buf_release(&b);
	}
	json_t *stored = json_array();
	size_t i;
	json_t *v;
	json_array_foreach(doc_get(crd, "spec.versions"), i, v)
		if (json_is_true(json_object_get(v, "storage")))
			json_array_append(stored, json_object_get(v, "name"));
	json_object_set_new(crd, "status", json_pack(
		"{s:o, s:[{s:s, s:s, s:s, s:s, s:s}, {s:s, s:s, s:s, s:s, s:s}], s:o}",
		"acceptedNames", accepted,
		"conditions",
		"type", "NamesAccepted", "status", "True", "lastTransitionTime", now,
		"reason", "NoConflicts", "message", "no conflicts found",
		"type", "Established", "status", "True", "lastTransitionTime", now,
		"reason", "InitialNamesAccepted", "message", "the initial names have been accepted",
		"storedVersions", stored));
}
