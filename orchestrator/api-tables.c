/*
 * api-tables.c — server-side printing: meta.k8s.io/v1 Tables for `kubectl get`.
 *
 * kubectl asks for `as=Table` and prints the columns the server gives, so
 * the columns here are those kube-apiserver's printers give for the common
 * kinds (pods NAME READY STATUS RESTARTS AGE, deployments NAME READY
 * UP-TO-DATE AVAILABLE AGE, ...); priority-1 columns appear with -o wide.
 * Custom resources get their additionalPrinterColumns; every other kind
 * NAME and AGE. Each row carries the object's metadata as a
 * PartialObjectMetadata, which is what kubectl needs for NAMESPACE and
 * --show-labels. AGE is written as Go's duration.HumanDuration writes it.
 */
#include "api.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "doc.h"
#include "timefmt.h"

struct column {
	const char *name;
	const char *type;               /* string, integer */
	int priority;
	const char *format;             /* "name" for the name column */
};

typedef void (*cells_fn)(json_t *cells, const json_t *obj);

static void human_duration(char *out, size_t size, long long s)
{
	if (s < -1) {
		snprintf(out, size, "<invalid>");
		return;
	}
	if (s < 0)
		s = 0;
	long long m = s / 60, h = s / 3600;
	if (s < 120)
		snprintf(out, size, "%llds", s);
	else if (m < 10)
		s % 60 ? snprintf(out, size, "%lldm%llds", m, s % 60) : snprintf(out, size, "%lldm", m);
	else if (m < 180)
		snprintf(out, size, "%lldm", m);
	else if (h < 8)
		m % 60 ? snprintf(out, size, "%lldh%lldm", h, m % 60) : snprintf(out, size, "%lldh", h);
	else if (h < 48)
		snprintf(out, size, "%lldh", h);
	else if (h < 24 * 8)
		h % 24 ? snprintf(out, size, "%lldd%lldh", h / 24, h % 24)
		       : snprintf(out, size, "%lldd", h / 24);
	else if (h < 24 * 365 * 2)
		snprintf(out, size, "%lldd", h / 24);
	else if (h < 24 * 365 * 8)
		(h / 24) % 365 ? snprintf(out, size, "%lldy%lldd", h / 24 / 365, (h / 24) % 365)
			       : snprintf(out, size, "%lldy", h / 24 / 365);
	else
		snprintf(out, size, "%lldy", h / 24 / 365);
}

static json_t *age(const json_t *obj)
{
	const char *ts = doc_get_str(obj, "metadata.creationTimestamp");
	time_t t;
	if (!ts || timefmt_parse(&t, NULL, ts, NULL) < 0)
		return json_string("<unknown>");
	char out[32];
	human_duration(out, sizeof(out), (long long)(time(NULL) - t));
	return json_string(out);
}

static json_t *str_or(const json_t *obj, const char *path, const char *dflt)
{
	const char *s = doc_get_str(obj, path);
	return json_string(s && s[0] ? s : dflt);
}

static void add(json_t *cells, json_t *v)
{
	json_array_append_new(cells, v);
}

static json_t *joined(const json_t *arr, const char *field)
{
	struct buf b = BUF_INIT;
	size_t i;
	json_t *v;
	json_array_foreach(arr, i, v) {
		const char *s = doc_get_str(v, field);
		buf_addf(&b, "%s%s", i ? "," : "", s ? s : "");
	}
	json_t *out = json_string(b.data);
	buf_release(&b);
	return out;
}

static json_t *selector_string(const json_t *sel)
{
	struct selector *s = NULL;
	if (!sel || selector_from_label_selector(&s, sel, NULL) < 0)
		return json_string("<none>");
	struct buf b = BUF_INIT;
	selector_format(&b, s);
	selector_free(s);
	json_t *out = json_string(b.len ? b.data : "<none>");
	buf_release(&b);
	return out;
}

/* --- pods ------------------------------------------------------------------------- */

static const struct column pod_cols[] = {
	{ "Name", "string", 0, "name" }, { "Ready", "string", 0, NULL },
	{ "Status", "string", 0, NULL }, { "Restarts", "string", 0, NULL },
	{ "Age", "string", 0, NULL }, { "IP", "string", 1, NULL },
	{ "Node", "string", 1, NULL }, { "Nominated Node", "string", 1, NULL },
	{ "Readiness Gates", "string", 1, NULL }, { NULL, NULL, 0, NULL },
};

/* The STATUS column: the reason kubectl shows (as printPod computes it). */
static const char *pod_status(const json_t *pod)
{
	const char *reason = doc_get_str(pod, "status.reason");
	const char *phase = doc_get_str(pod, "status.phase");
	const char *out = reason ? reason : phase ? phase : "Unknown";
	size_t i;
	json_t *cs;
	json_array_foreach(doc_get(pod, "status.containerStatuses"), i, cs) {
		const char *w = doc_get_str(cs, "state.waiting.reason");
		const char *t = doc_get_str(cs, "state.terminated.reason");
		if (w && w[0])
			out = w;
		else if (t && t[0])
			out = t;
	}
	if (doc_get(pod, "metadata.deletionTimestamp"))
		out = "Terminating";
	return out;
}

static void pod_cells(json_t *cells, const json_t *pod)
{
	size_t total = json_array_size(doc_get(pod, "spec.containers")), ready = 0, i;
	json_int_t restarts = 0;
	json_t *cs;
	json_array_foreach(doc_get(pod, "status.containerStatuses"), i, cs) {
		ready += json_is_true(json_object_get(cs, "ready"));
		restarts += json_integer_value(json_object_get(cs, "restartCount"));
	}
	char r[32], n[32];
	snprintf(r, sizeof(r), "%zu/%zu", ready, total);
	snprintf(n, sizeof(n), "%lld", (long long)restarts);
	add(cells, json_string(r));
	add(cells, json_string(pod_status(pod)));
	add(cells, json_string(n));
	add(cells, age(pod));
	add(cells, str_or(pod, "status.podIP", "<none>"));
	add(cells, str_or(pod, "spec.nodeName", "<none>"));
	add(cells, str_or(pod, "status.nominatedNodeName", "<none>"));
	add(cells, json_string("<none>"));
}

/* --- workloads --------------------------------------------------------------------- */

static const struct column deploy_cols[] = {
	{ "Name", "string", 0, "name" }, { "Ready", "string", 0, NULL },
	{ "Up-to-date", "integer", 0, NULL }, { "Available", "integer", 0, NULL },
	{ "Age", "string", 0, NULL }, { "Containers", "string", 1, NULL },
	{ "Images", "string", 1, NULL }, { "Selector", "string", 1, NULL },
	{ NULL, NULL, 0, NULL },
};

static void deploy_cells(json_t *cells, const json_t *d)
{
	char r[48];
	snprintf(r, sizeof(r), "%lld/%lld", (long long)doc_get_int(d, "status.readyReplicas", 0),
		 (long long)doc_get_int(d, "spec.replicas", 0));
	add(cells, json_string(r));
	add(cells, json_integer(doc_get_int(d, "status.updatedReplicas", 0)));
	add(cells, json_integer(doc_get_int(d, "status.availableReplicas", 0)));
	add(cells, age(d));
	add(cells, joined(doc_get(d, "spec.template.spec.containers"), "name"));
	add(cells, joined(doc_get(d, "spec.template.spec.containers"), "image"));
	add(cells, selector_string(doc_get(d, "spec.selector")));
}

static const struct column rs_cols[] = {
	{ "Name", "string", 0, "name" }, { "Desired", "integer", 0, NULL },
	{ "Current", "integer", 0, NULL }, { "Ready", "integer", 0, NULL },
	{ "Age", "string", 0, NULL }, { "Containers", "string", 1, NULL },
	{ "Images", "string", 1, NULL }, { "Selector", "string", 1, NULL },
	{ NULL, NULL, 0, NULL },
};

static void rs_cells(json_t *cells, const json_t *rs)
{
	add(cells, json_integer(doc_get_int(rs, "spec.replicas", 0)));
	add(cells, json_integer(doc_get_int(rs, "status.replicas", 0)));
	add(cells, json_integer(doc_get_int(rs, "status.readyReplicas", 0)));
	add(cells, age(rs));
	add(cells, joined(doc_get(rs, "spec.template.spec.containers"), "name"));
	add(cells, joined(doc_get(rs, "spec.template.spec.containers"), "image"));
	add(cells, selector_string(doc_get(rs, "spec.selector")));
}

static const struct column sts_cols[] = {
	{ "Name", "string", 0, "name" }, { "Ready", "string", 0, NULL },
	{ "Age", "string", 0, NULL }, { "Containers", "string", 1, NULL },
	{ "Images", "string", 1, NULL }, { NULL, NULL, 0, NULL },
};

static void sts_cells(json_t *cells, const json_t *s)
{
	char r[48];
	snprintf(r, sizeof(r), "%lld/%lld", (long long)doc_get_int(s, "status.readyReplicas", 0),
		 (long long)doc_get_int(s, "spec.replicas", 0));
	add(cells, json_string(r));
	add(cells, age(s));
	add(cells, joined(doc_get(s, "spec.template.spec.containers"), "name"));
	add(cells, joined(doc_get(s, "spec.template.spec.containers"), "image"));
}

static const struct column ds_cols[] = {
	{ "Name", "string", 0, "name" }, { "Desired", "integer", 0, NULL },
	{ "Current", "integer", 0, NULL }, { "Ready", "integer", 0, NULL },
	{ "Up-to-date", "integer", 0, NULL }, { "Available", "integer", 0, NULL },
	{ "Node Selector", "string", 0, NULL }, { "Age", "string", 0, NULL },
	{ "Containers", "string", 1, NULL }, { "Images", "string", 1, NULL },
	{ "Selector", "string", 1, NULL }, { NULL, NULL, 0, NULL },
};

static void ds_cells(json_t *cells, const json_t *d)
{
	static const char *const counts[] = { "desiredNumberScheduled", "currentNumberScheduled",
					      "numberReady", "updatedNumberScheduled",
					      "numberAvailable", NULL };
	for (size_t i = 0; counts[i]; i++)
		add(cells, json_integer(doc_get_int(doc_get(d, "status"), counts[i], 0)));
	struct buf sel = BUF_INIT;
	const char *k;
	json_t *v;
	json_object_foreach(doc_get(d, "spec.template.spec.nodeSelector"), k, v)
		buf_addf(&sel, "%s%s=%s", sel.len ? "," : "", k, json_string_value(v) ?: "");
	add(cells, json_string(sel.len ? sel.data : "<none>"));
	buf_release(&sel);
	add(cells, age(d));
	add(cells, joined(doc_get(d, "spec.template.spec.containers"), "name"));
	add(cells, joined(doc_get(d, "spec.template.spec.containers"), "image"));
	add(cells, selector_string(doc_get(d, "spec.selector")));
}

/* --- volumes ---------------------------------------------------------------------- */

/* "RWO,RWX" as kubectl abbreviates access modes. */
static json_t *access_modes(const json_t *modes)
{
	static const char *const abbrev[][2] = { { "ReadWriteOnce", "RWO" }, { "ReadOnlyMany", "ROX" },
						 { "ReadWriteMany", "RWX" },
						 { "ReadWriteOncePod", "RWOP" } };
	struct buf b = BUF_INIT;
	size_t i;
	json_t *m;
	json_array_foreach(modes, i, m)
		for (size_t k = 0; k < sizeof(abbrev) / sizeof(abbrev[0]); k++)
			if (!strcmp(json_string_value(m) ?: "", abbrev[k][0]))
				buf_addf(&b, "%s%s", b.len ? "," : "", abbrev[k][1]);
	json_t *out = json_string(b.data);
	buf_release(&b);
	return out;
}

static const struct column pvc_cols[] = {
	{ "Name", "string", 0, "name" }, { "Status", "string", 0, NULL },
	{ "Volume", "string", 0, NULL }, { "Capacity", "string", 0, NULL },
	{ "Access Modes", "string", 0, NULL }, { "StorageClass", "string", 0, NULL },
	{ "VolumeAttributesClass", "string", 0, NULL }, { "Age", "string", 0, NULL },
	{ "VolumeMode", "string", 1, NULL }, { NULL, NULL, 0, NULL },
};

static void pvc_cells(json_t *cells, const json_t *c)
{
	int bound = !strcmp(doc_get_str(c, "status.phase") ?: "", "Bound");
	add(cells, str_or(c, "status.phase", "Pending"));
	add(cells, str_or(c, "spec.volumeName", ""));
	add(cells, bound ? str_or(c, "status.capacity.storage", "") : json_string(""));
	add(cells, bound ? access_modes(doc_get(c, "status.accessModes")) : json_string(""));
	add(cells, str_or(c, "spec.storageClassName", "<unset>"));
	add(cells, str_or(c, "spec.volumeAttributesClassName", "<unset>"));
	add(cells, age(c));
	add(cells, str_or(c, "spec.volumeMode", "Filesystem"));
}

static const struct column pv_cols[] = {
	{ "Name", "string", 0, "name" }, { "Capacity", "string", 0, NULL },
	{ "Access Modes", "string", 0, NULL }, { "Reclaim Policy", "string", 0, NULL },
	{ "Status", "string", 0, NULL }, { "Claim", "string", 0, NULL },
	{ "StorageClass", "string", 0, NULL }, { "VolumeAttributesClass", "string", 0, NULL },
	{ "Reason", "string", 0, NULL }, { "Age", "string", 0, NULL },
	{ "VolumeMode", "string", 1, NULL }, { NULL, NULL, 0, NULL },
};

static void pv_cells(json_t *cells, const json_t *v)
{
	add(cells, str_or(v, "spec.capacity.storage", ""));
	add(cells, access_modes(doc_get(v, "spec.accessModes")));
	add(cells, str_or(v, "spec.persistentVolumeReclaimPolicy", ""));
	add(cells, str_or(v, "status.phase", "Pending"));
	const char *claim = doc_get_str(v, "spec.claimRef.name");
	add(cells, claim ? json_sprintf("%s/%s", doc_get_str(v, "spec.claimRef.namespace") ?: "", claim)
		   : json_string(""));
	add(cells, str_or(v, "spec.storageClassName", ""));
	add(cells, str_or(v, "spec.volumeAttributesClassName", "<unset>"));
	add(cells, str_or(v, "status.reason", ""));
	add(cells, age(v));
	add(cells, str_or(v, "spec.volumeMode", "Filesystem"));
}

static const struct column sc_cols[] = {
	{ "Name", "string", 0, "name" }, { "Provisioner", "string", 0, NULL },
	{ "ReclaimPolicy", "string", 0, NULL }, { "VolumeBindingMode", "string", 0, NULL },
	{ "AllowVolumeExpansion", "string", 0, NULL }, { "Age", "string", 0, NULL },
	{ NULL, NULL, 0, NULL },
};

static void sc_cells(json_t *cells, const json_t *sc)
{
	const char *dflt = json_string_value(doc_getv(sc, "metadata", "annotations",
						      "storageclass.kubernetes.io/is-default-class",
						      NULL));
	if (dflt && !strcmp(dflt, "true"))
		json_array_set_new(cells, 0, json_sprintf("%s (default)",
							  doc_get_str(sc, "metadata.name") ?: ""));
	add(cells, str_or(sc, "provisioner", ""));
	add(cells, str_or(sc, "reclaimPolicy", "Delete"));
	add(cells, str_or(sc, "volumeBindingMode", "Immediate"));
	add(cells, json_string(json_is_true(json_object_get(sc, "allowVolumeExpansion")) ? "true"
											  : "false"));
	add(cells, age(sc));
}

static const struct column pc_cols[] = {
	{ "Name", "string", 0, "name" }, { "Value", "integer", 0, NULL },
	{ "Global-Default", "boolean", 0, NULL }, { "Age", "string", 0, NULL },
	{ "PreemptionPolicy", "string", 0, NULL }, { NULL, NULL, 0, NULL },
};

static void pc_cells(json_t *cells, const json_t *pc)
{
	add(cells, json_integer(doc_get_int(pc, "value", 0)));
	add(cells, json_boolean(json_is_true(json_object_get(pc, "globalDefault"))));
	add(cells, age(pc));
	add(cells, str_or(pc, "preemptionPolicy", "PreemptLowerPriority"));
}

static const struct column ingclass_cols[] = {
	{ "Name", "string", 0, "name" }, { "Controller", "string", 0, NULL },
	{ "Parameters", "string", 0, NULL }, { "Age", "string", 0, NULL },
	{ NULL, NULL, 0, NULL },
};

static void ingclass_cells(json_t *cells, const json_t *ic)
{
	add(cells, str_or(ic, "spec.controller", ""));
	const char *kind = doc_get_str(ic, "spec.parameters.kind");
	const char *group = doc_get_str(ic, "spec.parameters.apiGroup");
	if (kind)
		add(cells, json_sprintf("%s%s%s/%s", kind, group ? "." : "", group ? group : "",
					doc_get_str(ic, "spec.parameters.name") ?: ""));
	else
		add(cells, json_string("<none>"));
	add(cells, age(ic));
}

static const struct column cr_cols[] = {
	{ "Name", "string", 0, "name" }, { "Controller", "string", 0, NULL },
	{ "Revision", "integer", 0, NULL }, { "Age", "string", 0, NULL }, { NULL, NULL, 0, NULL },
};

static void cr_cells(json_t *cells, const json_t *cr)
{
	const json_t *owner = NULL, *ref;
	size_t i;
	json_array_foreach(doc_get(cr, "metadata.ownerReferences"), i, ref)
		if (json_is_true(json_object_get(ref, "controller")))
			owner = ref;
	if (owner) {
		const char *api = doc_get_str(owner, "apiVersion") ?: "";
		const char *slash = strchr(api, '/');
		struct buf b = BUF_INIT;
		for (const char *k = doc_get_str(owner, "kind") ?: ""; *k; k++)
			buf_addch(&b, (char)(*k >= 'A' && *k <= 'Z' ? *k + 32 : *k));
		if (slash)
			buf_addf(&b, ".%.*s", (int)(slash - api), api);
		buf_addf(&b, "/%s", doc_get_str(owner, "name") ?: "");
		add(cells, json_string(b.data));
		buf_release(&b);
	} else {
		add(cells, json_string("<none>"));
	}
	add(cells, json_integer(doc_get_int(cr, "revision", 0)));
	add(cells, age(cr));
}

static const struct column job_cols[] = {
	{ "Name", "string", 0, "name" }, { "Status", "string", 0, NULL },
	{ "Completions", "string", 0, NULL }, { "Duration", "string", 0, NULL },
	{ "Age", "string", 0, NULL }, { NULL, NULL, 0, NULL },
};

static void job_cells(json_t *cells, const json_t *j)
{
	const char *status = "Running";
	size_t i;
	json_t *c;
	json_array_foreach(doc_get(j, "status.conditions"), i, c) {
		const char *t = doc_get_str(c, "type");
		if (t && !strcmp(doc_get_str(c, "status") ?: "", "True") &&
		    (!strcmp(t, "Complete") || !strcmp(t, "Failed") || !strcmp(t, "Suspended")))
			status = t;
	}
	char comp[48];
	snprintf(comp, sizeof(comp), "%lld/%lld", (long long)doc_get_int(j, "status.succeeded", 0),
		 (long long)doc_get_int(j, "spec.completions", 1));
	add(cells, json_string(status));
	add(cells, json_string(comp));
	const char *st = doc_get_str(j, "status.startTime");
	const char *ct = doc_get_str(j, "status.completionTime");
	time_t a, b;
	char dur[32] = "";
	if (st && timefmt_parse(&a, NULL, st, NULL) == 0) {
		if (!ct || timefmt_parse(&b, NULL, ct, NULL) < 0)
			b = time(NULL);
		human_duration(dur, sizeof(dur), (long long)(b - a));
	}
	add(cells, json_string(dur));
	add(cells, age(j));
}

static const struct column cj_cols[] = {
	{ "Name", "string", 0, "name" }, { "Schedule", "string", 0, NULL },
	{ "Timezone", "string", 0, NULL }, { "Suspend", "boolean", 0, NULL },
	{ "Active", "integer", 0, NULL }, { "Last Schedule", "string", 0, NULL },
	{ "Age", "string", 0, NULL }, { NULL, NULL, 0, NULL },
};

static void cj_cells(json_t *cells, const json_t *cj)
{
	add(cells, str_or(cj, "spec.schedule", ""));
	add(cells, str_or(cj, "spec.timeZone", "<none>"));
	add(cells, json_string(json_is_true(doc_get(cj, "spec.suspend")) ? "True" : "False"));
	add(cells, json_integer((json_int_t)json_array_size(doc_get(cj, "status.active"))));
	const char *ls = doc_get_str(cj, "status.lastScheduleTime");
	time_t t;
	char ago[32] = "<none>";
	if (ls && timefmt_parse(&t, NULL, ls, NULL) == 0)
		human_duration(ago, sizeof(ago), (long long)(time(NULL) - t));
	add(cells, json_string(ago));
	add(cells, age(cj));
}

/* --- autoscaling ------------------------------------------------------------------- */

static const struct column hpa_cols[] = {
	{ "Name", "string", 0, "name" }, { "Reference", "string", 0, NULL },
	{ "Targets", "string", 0, NULL }, { "MinPods", "string", 0, NULL },
	{ "MaxPods", "integer", 0, NULL }, { "Replicas", "integer", 0, NULL },
	{ "Age", "string", 0, NULL }, { NULL, NULL, 0, NULL },
};

/* A quantity or number as kubectl prints it; "<unknown>" when absent. */
static void quantity(struct buf *b, const json_t *v)
{
	if (!v || json_is_null(v) || doc_scalar_string(b, v) < 0)
		buf_adds(b, "<unknown>");
}

static void percent(struct buf *b, const json_t *v, const char *none)
{
	if (json_is_integer(v))
		buf_addf(b, "%lld%%", (long long)json_integer_value(v));
	else
		buf_adds(b, none);
}

/* One metric of the Targets column: "cpu: 12%/80%", "1k/2k (avg)", ...; the
 * current value is the status metric at the same index. */
static void hpa_target(struct buf *b, const json_t *spec, const json_t *status)
{
	const char *type = doc_get_str(spec, "type") ?: "";
	const char *key = !strcmp(type, "Resource") ? "resource"
			  : !strcmp(type, "ContainerResource") ? "containerResource"
			  : !strcmp(type, "Pods") ? "pods"
			  : !strcmp(type, "Object") ? "object"
			  : !strcmp(type, "External") ? "external" : NULL;
	if (!key) {
		buf_adds(b, "<unknown type>");
		return;
	}
	const json_t *target = doc_getv(spec, key, "target", NULL);
	const json_t *cur = doc_getv(status, key, "current", NULL);
	const json_t *avg = json_object_get(target, "averageValue");
	int resource = key[0] == 'r' || key[0] == 'c';
	if (resource)
		buf_addf(b, "%s: ", doc_getv(spec, key, "name", NULL)
				    ? json_string_value(doc_getv(spec, key, "name", NULL)) ?: "" : "");
	if (resource && !avg) {
		percent(b, json_object_get(cur, "averageUtilization"), "<unknown>");
		buf_addch(b, '/');
		percent(b, json_object_get(target, "averageUtilization"), "<auto>");
		return;
	}
	if (resource || !strcmp(key, "pods")) {
		quantity(b, json_object_get(cur, "averageValue"));
		buf_addch(b, '/');
		quantity(b, avg);
		return;
	}
	quantity(b, json_object_get(cur, avg ? "averageValue" : "value"));
	buf_addch(b, '/');
	quantity(b, avg ? avg : json_object_get(target, "value"));
	if (avg)
		buf_adds(b, " (avg)");
}

static void hpa_cells(json_t *cells, const json_t *hpa)
{
	add(cells, json_sprintf("%s/%s", doc_get_str(hpa, "spec.scaleTargetRef.kind") ?: "",
				doc_get_str(hpa, "spec.scaleTargetRef.name") ?: ""));
	const json_t *metrics = doc_get(hpa, "spec.metrics");
	const json_t *current = doc_get(hpa, "status.currentMetrics");
	struct buf b = BUF_INIT;
	size_t n = json_array_size(metrics);
	for (size_t i = 0; i < n && i < 2; i++) {
		if (i)
			buf_adds(&b, ", ");
		hpa_target(&b, json_array_get(metrics, i), json_array_get(current, i));
	}
	if (n > 2)
		buf_addf(&b, " + %zu more...", n - 2);
	add(cells, json_string(n ? b.data : "<none>"));
	buf_release(&b);
	const json_t *min = doc_get(hpa, "spec.minReplicas");
	add(cells, json_is_integer(min) ? json_sprintf("%lld", (long long)json_integer_value(min))
					: json_string("<unset>"));
	add(cells, json_integer(doc_get_int(hpa, "spec.maxReplicas", 0)));
	add(cells, json_integer(doc_get_int(hpa, "status.currentReplicas", 0)));
	add(cells, age(hpa));
}

/* --- core kinds -------------------------------------------------------------------- */

static const struct column svc_cols[] = {
	{ "Name", "string", 0, "name" }, { "Type", "string", 0, NULL },
	{ "Cluster-IP", "string", 0, NULL }, { "External-IP", "string", 0, NULL },
	{ "Port(s)", "string", 0, NULL }, { "Age", "string", 0, NULL },
	{ "Selector", "string", 1, NULL }, { NULL, NULL, 0, NULL },
};

static void svc_cells(json_t *cells, const json_t *s)
{
	add(cells, str_or(s, "spec.type", "ClusterIP"));
	add(cells, str_or(s, "spec.clusterIP", "<none>"));
	add(cells, str_or(s, "spec.externalName", "<none>"));
	struct buf b = BUF_INIT;
	size_t i;
	json_t *p;
	json_array_foreach(doc_get(s, "spec.ports"), i, p) {
		buf_addf(&b, "%s%lld", i ? "," : "", (long long)doc_get_int(p, "port", 0));
		if (doc_get(p, "nodePort"))
			buf_addf(&b, ":%lld", (long long)doc_get_int(p, "nodePort", 0));
		buf_addf(&b, "/%s", doc_get_str(p, "protocol") ?: "TCP");
	}
	add(cells, json_string(b.len ? b.data : "<none>"));
	buf_release(&b);
	add(cells, age(s));
	struct buf sel = BUF_INIT;
	const char *k;
	json_t *v;
	int first = 1;
	json_object_foreach(doc_get(s, "spec.selector"), k, v) {
		buf_addf(&sel, "%s%s=%s", first ? "" : ",", k, json_string_value(v) ?: "");
		first = 0;
	}
	add(cells, json_string(sel.len ? sel.data : "<none>"));
	buf_release(&sel);
}

static const struct column ns_cols[] = {
	{ "Name", "string", 0, "name" }, { "Status", "string", 0, NULL },
	{ "Age", "string", 0, NULL }, { NULL, NULL, 0, NULL },
};

static void ns_cells(json_t *cells, const json_t *ns)
{
	add(cells, str_or(ns, "status.phase", "Active"));
	add(cells, age(ns));
}

static const struct column node_cols[] = {
	{ "Name", "string", 0, "name" }, { "Status", "string", 0, NULL },
	{ "Roles", "string", 0, NULL }, { "Age", "string", 0, NULL },
	{ "Version", "string", 0, NULL }, { "Internal-IP", "string", 1, NULL },
	{ "External-IP", "string", 1, NULL }, { "OS-Image", "string", 1, NULL },
	{ "Kernel-Version", "string", 1, NULL }, { "Container-Runtime", "string", 1, NULL },
	{ NULL, NULL, 0, NULL },
};

static void node_cells(json_t *cells, const json_t *n)
{
	const char *ready = "Unknown";
	size_t i;
	json_t *c;
	json_array_foreach(doc_get(n, "status.conditions"), i, c)
		if (!strcmp(doc_get_str(c, "type") ?: "", "Ready"))
			ready = !strcmp(doc_get_str(c, "status") ?: "", "True") ? "Ready" : "NotReady";
	struct buf status = BUF_INIT;
	buf_adds(&status, ready);
	if (json_is_true(doc_get(n, "spec.unschedulable")))
		buf_adds(&status, ",SchedulingDisabled");
	add(cells, json_string(status.data));
	buf_release(&status);
	struct buf roles = BUF_INIT;
	const char *k;
	json_t *v;
	json_object_foreach(doc_get(n, "metadata.labels"), k, v)
		if (!strncmp(k, "node-role.kubernetes.io/", 24))
			buf_addf(&roles, "%s%s", roles.len ? "," : "", k + 24);
	add(cells, json_string(roles.len ? roles.data : "<none>"));
	buf_release(&roles);
	add(cells, age(n));
	add(cells, str_or(n, "status.nodeInfo.kubeletVersion", ""));
	const char *ip = "<none>";
	json_array_foreach(doc_get(n, "status.addresses"), i, c)
		if (!strcmp(doc_get_str(c, "type") ?: "", "InternalIP"))
			ip = doc_get_str(c, "address") ?: "<none>";
	add(cells, json_string(ip));
	add(cells, json_string("<none>"));
	add(cells, str_or(n, "status.nodeInfo.osImage", "<unknown>"));
	add(cells, str_or(n, "status.nodeInfo.kernelVersion", "<unknown>"));
	add(cells, str_or(n, "status.nodeInfo.containerRuntimeVersion", "<unknown>"));
}

static const struct column cm_cols[] = {
	{ "Name", "string", 0, "name" }, { "Data", "integer", 0, NULL },
	{ "Age", "string", 0, NULL }, { NULL, NULL, 0, NULL },
};

static void cm_cells(json_t *cells, const json_t *cm)
{
	add(cells, json_integer((json_int_t)(json_object_size(doc_get(cm, "data")) +
					     json_object_size(doc_get(cm, "binaryData")))));
	add(cells, age(cm));
}

static const struct column secret_cols[] = {
	{ "Name", "string", 0, "name" }, { "Type", "string", 0, NULL },
	{ "Data", "integer", 0, NULL }, { "Age", "string", 0, NULL }, { NULL, NULL, 0, NULL },
};

static void secret_cells(json_t *cells, const json_t *s)
{
	add(cells, str_or(s, "type", "Opaque"));
	add(cells, json_integer((json_int_t)json_object_size(doc_get(s, "data"))));
	add(cells, age(s));
}

static const struct column ep_cols[] = {
	{ "Name", "string", 0, "name" }, { "Endpoints", "string", 0, NULL },
	{ "Age", "string", 0, NULL }, { NULL, NULL, 0, NULL },
};

static void ep_cells(json_t *cells, const json_t *ep)
{
	struct buf b = BUF_INIT;
	size_t i, j, k, shown = 0, total = 0;
	json_t *sub, *a, *p;
	json_array_foreach(doc_get(ep, "subsets"), i, sub)
		json_array_foreach(json_object_get(sub, "addresses"), j, a)
			json_array_foreach(json_object_get(sub, "ports"), k, p) {
				total++;
				if (shown < 3) {
					buf_addf(&b, "%s%s:%lld", shown ? "," : "",
						 doc_get_str(a, "ip") ?: "", (long long)doc_get_int(p, "port", 0));
					shown++;
				}
			}
	if (total > shown)
		buf_addf(&b, " + %zu more...", total - shown);
	add(cells, json_string(b.len ? b.data : "<none>"));
	buf_release(&b);
	add(cells, age(ep));
}

static const struct column event_cols[] = {
	{ "Name", "string", 1, "name" }, { "Last Seen", "string", 0, NULL },
	{ "Type", "string", 0, NULL }, { "Reason", "string", 0, NULL },
	{ "Object", "string", 0, NULL }, { "Message", "string", 0, NULL },
	{ NULL, NULL, 0, NULL },
};

static void event_cells(json_t *cells, const json_t *ev)
{
	const char *ts = doc_get_str(ev, "lastTimestamp");
	time_t t;
	char seen[32] = "<unknown>";
	if (ts && timefmt_parse(&t, NULL, ts, NULL) == 0)
		human_duration(seen, sizeof(seen), (long long)(time(NULL) - t));
	add(cells, json_string(seen));
	add(cells, str_or(ev, "type", "Normal"));
	add(cells, str_or(ev, "reason", ""));
	struct buf o = BUF_INIT;
	for (const char *k = doc_get_str(ev, "involvedObject.kind") ?: ""; *k; k++)
		buf_addch(&o, (char)(*k >= 'A' && *k <= 'Z' ? *k - 'A' + 'a' : *k));
	buf_addf(&o, "/%s", doc_get_str(ev, "involvedObject.name") ?: "");
	add(cells, json_string(o.data));
	buf_release(&o);
	add(cells, str_or(ev, "message", ""));
}

static const struct column pdb_cols[] = {
	{ "Name", "string", 0, "name" }, { "Min Available", "string", 0, NULL },
	{ "Max Unavailable", "string", 0, NULL }, { "Allowed Disruptions", "integer", 0, NULL },
	{ "Age", "string", 0, NULL }, { NULL, NULL, 0, NULL },
};

/* An IntOrString as kubectl prints it, N/A when unset. */
static json_t *intstr_cell(const json_t *obj, const char *path)
{
	const json_t *v = doc_get(obj, path);
	if (json_is_integer(v))
		return json_sprintf("%lld", (long long)json_integer_value(v));
	return json_string(json_is_string(v) ? json_string_value(v) : "N/A");
}

static void pdb_cells(json_t *cells, const json_t *pdb)
{
	add(cells, intstr_cell(pdb, "spec.minAvailable"));
	add(cells, intstr_cell(pdb, "spec.maxUnavailable"));
	add(cells, json_integer(doc_get_int(pdb, "status.disruptionsAllowed", 0)));
	add(cells, age(pdb));
}

static const struct column default_cols[] = {
	{ "Name", "string", 0, "name" }, { "Age", "string", 0, NULL }, { NULL, NULL, 0, NULL },
};

static void default_cells(json_t *cells, const json_t *obj)
{
	add(cells, age(obj));
}

static const struct {
	const char *group, *resource;
	const struct column *cols;
	cells_fn cells;
} printers[] = {
	{ "", "pods", pod_cols, pod_cells },
	{ "", "services", svc_cols, svc_cells },
	{ "", "namespaces", ns_cols, ns_cells },
	{ "", "nodes", node_cols, node_cells },
	{ "", "configmaps", cm_cols, cm_cells },
	{ "", "secrets", secret_cols, secret_cells },
	{ "", "endpoints", ep_cols, ep_cells },
	{ "", "events", event_cols, event_cells },
	{ "apps", "deployments", deploy_cols, deploy_cells },
	{ "apps", "replicasets", rs_cols, rs_cells },
	{ "apps", "statefulsets", sts_cols, sts_cells },
	{ "apps", "daemonsets", ds_cols, ds_cells },
	{ "apps", "controllerrevisions", cr_cols, cr_cells },
	{ "", "persistentvolumeclaims", pvc_cols, pvc_cells },
	{ "", "persistentvolumes", pv_cols, pv_cells },
	{ "batch", "jobs", job_cols, job_cells },
	{ "batch", "cronjobs", cj_cols, cj_cells },
	{ "autoscaling", "horizontalpodautoscalers", hpa_cols, hpa_cells },
	{ "storage.k8s.io", "storageclasses", sc_cols, sc_cells },
	{ "scheduling.k8s.io", "priorityclasses", pc_cols, pc_cells },
	{ "networking.k8s.io", "ingressclasses", ingclass_cols, ingclass_cells },
	{ "policy", "poddisruptionbudgets", pdb_cols, pdb_cells },
};

static json_t *column_defs(const struct column *cols)
{
	json_t *defs = json_array();
	for (size_t i = 0; cols[i].name; i++) {
		json_t *d = json_pack("{s:s, s:s, s:s, s:s, s:i}", "name", cols[i].name, "type",
				      cols[i].type, "format", cols[i].format ? cols[i].format : "",
				      "description", "", "priority", cols[i].priority);
		json_array_append_new(defs, d);
	}
	return defs;
}

/* Custom resources: additionalPrinterColumns (JSONPath .a.b only) then Age. */
static json_t *crd_defs(const struct resource *r)
{
	json_t *defs = json_array();
	json_array_append_new(defs, json_pack("{s:s, s:s, s:s, s:s, s:i}", "name", "Name", "type",
					      "string", "format", "name", "description", "",
					      "priority", 0));
	size_t i;
	json_t *c;
	int has_age = 0;
	json_array_foreach(r->printer_columns, i, c) {
		const char *name = doc_get_str(c, "name") ?: "";
		has_age |= !strcmp(name, "Age");
		json_array_append_new(defs, json_pack("{s:s, s:s, s:s, s:s, s:I}", "name", name,
						      "type", doc_get_str(c, "type") ?: "string",
						      "format", doc_get_str(c, "format") ?: "",
						      "description", doc_get_str(c, "description") ?: "",
						      "priority", doc_get_int(c, "priority", 0)));
	}
	if (!has_age)
		json_array_append_new(defs, json_pack("{s:s, s:s, s:s, s:s, s:i}", "name", "Age",
						      "type", "date", "format", "", "description", "",
						      "priority", 0));
	return defs;
}

static void crd_cells(const struct resource *r, json_t *cells, const json_t *obj)
{
	size_t i;
	json_t *c;
	int has_age = 0;
	json_array_foreach(r->printer_columns, i, c) {
		const char *path = doc_get_str(c, "jsonPath") ?: "";
		has_age |= !strcmp(doc_get_str(c, "name") ?: "", "Age");
		if (path[0] == '.')
			path++;
		json_t *v = doc_get(obj, path);
		if (!strcmp(doc_get_str(c, "name") ?: "", "Age") || !strcmp(path, "metadata.creationTimestamp"))
			add(cells, age(obj));
		else
			json_array_append_new(cells, v && !json_is_object(v) && !json_is_array(v)
						     ? json_deep_copy(v) : json_null());
	}
	if (!has_age)
		add(cells, age(obj));
}

static json_t *partial(const json_t *obj)
{
	return json_pack("{s:s, s:s, s:O}", "kind", "PartialObjectMetadata", "apiVersion",
			 "meta.k8s.io/v1", "metadata", json_object_get(obj, "metadata"));
}

static json_t *row(const struct resource *r, cells_fn fn, const json_t *obj, int include)
{
	json_t *cells = json_array();
	add(cells, str_or(obj, "metadata.name", ""));
	if (r->crd && r->printer_columns)
		crd_cells(r, cells, obj);
	else
		fn(cells, obj);
	json_t *rw = json_pack("{s:o}", "cells", cells);
	if (include)
		json_object_set_new(rw, "object", partial(obj));
	return rw;
}

static void printer_for(const struct resource *r, const struct column **cols, cells_fn *fn)
{
	*cols = default_cols;
	*fn = default_cells;
	if (r->crd)
		return;
	for (size_t i = 0; i < sizeof(printers) / sizeof(printers[0]); i++)
		if (!strcmp(printers[i].group, r->group) && !strcmp(printers[i].resource, r->resource)) {
			*cols = printers[i].cols;
			*fn = printers[i].cells;
		}
}

json_t *api_table(const struct resource *r, json_t *const *objs, size_t n,
		  const char *list_rv, int include_object)
{
	const struct column *cols;
	cells_fn fn;
	printer_for(r, &cols, &fn);
	json_t *rows = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(rows, row(r, fn, objs[i], include_object));
	json_t *defs = r->crd && r->printer_columns ? crd_defs(r) : column_defs(cols);
	return json_pack("{s:s, s:s, s:{s:s}, s:o, s:o}", "kind", "Table", "apiVersion",
			 "meta.k8s.io/v1", "metadata", "resourceVersion", list_rv ? list_rv : "",
			 "columnDefinitions", defs, "rows", rows);
}

json_t *api_table_for_object(const struct resource *r, const json_t *obj)
{
	json_t *const objs[1] = { (json_t *)obj };
	return api_table(r, objs, 1, doc_get_str(obj, "metadata.resourceVersion"), 1);
}
