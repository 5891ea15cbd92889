/*
 * convert.c — version conversion of built-in kinds (see convert.h).
 *
 * A HorizontalPodAutoscaler metric differs between v1 (the v2beta1 shape:
 * flat `targetAverageValue`, `metricName`, `target`) and v2 (nested
 * `metric`, `target`, `current`, `describedObject`) only by where each field
 * sits, so every metric source is one table of path pairs walked in either
 * direction; the v2 target `type` that v1 leaves implicit is derived from
 * which value is set, as the real conversion does.
 */
#include "convert.h"

#include <stdlib.h>
#include <string.h>

#include "doc.h"
#include "kinds.h"

#define ANN_METRICS "autoscaling.alpha.kubernetes.io/metrics"
#define ANN_CURRENT "autoscaling.alpha.kubernetes.io/current-metrics"
#define ANN_CONDITIONS "autoscaling.alpha.kubernetes.io/conditions"
#define ANN_BEHAVIOR "autoscaling.alpha.kubernetes.io/behavior"

struct field_pair {
	const char *v1, *v2;
};

struct metric_source {
	const char *type;               /* MetricSourceType */
	const char *key;                /* the member holding the source */
	const struct field_pair *spec, *status;
};

#define END { NULL, NULL }

static const struct field_pair resource_spec[] = {
	{ "name", "name" }, { "targetAverageUtilization", "target.averageUtilization" },
	{ "targetAverageValue", "target.averageValue" }, END,
};
static const struct field_pair resource_status[] = {
	{ "name", "name" }, { "currentAverageUtilization", "current.averageUtilization" },
	{ "currentAverageValue", "current.averageValue" }, END,
};
static const struct field_pair container_spec[] = {
	{ "name", "name" }, { "container", "container" },
	{ "targetAverageUtilization", "target.averageUtilization" },
	{ "targetAverageValue", "target.averageValue" }, END,
};
static const struct field_pair container_status[] = {
	{ "name", "name" }, { "container", "container" },
	{ "currentAverageUtilization", "current.averageUtilization" },
	{ "currentAverageValue", "current.averageValue" }, END,
};
static const struct field_pair pods_spec[] = {
	{ "metricName", "metric.name" }, { "selector", "metric.selector" },
	{ "targetAverageValue", "target.averageValue" }, END,
};
static const struct field_pair pods_status[] = {
	{ "metricName", "metric.name" }, { "selector", "metric.selector" },
	{ "currentAverageValue", "current.averageValue" }, END,
};
static const struct field_pair object_spec[] = {
	{ "target", "describedObject" }, { "metricName", "metric.name" },
	{ "selector", "metric.selector" }, { "targetValue", "target.value" },
	{ "averageValue", "target.averageValue" }, END,
};
static const struct field_pair object_status[] = {
	{ "target", "describedObject" }, { "metricName", "metric.name" },
	{ "selector", "metric.selector" }, { "currentValue", "current.value" },
	{ "averageValue", "current.averageValue" }, END,
};
static const struct field_pair external_spec[] = {
	{ "metricName", "metric.name" }, { "metricSelector", "metric.selector" },
	{ "targetValue", "target.value" }, { "targetAverageValue", "target.averageValue" }, END,
};
static const struct field_pair external_status[] = {
	{ "metricName", "metric.name" }, { "metricSelector", "metric.selector" },
	{ "currentValue", "current.value" }, { "currentAverageValue", "current.averageValue" },
	END,
};

static const struct metric_source sources[] = {
	{ "Resource", "resource", resource_spec, resource_status },
	{ "ContainerResource", "containerResource", container_spec, container_status },
	{ "Pods", "pods", pods_spec, pods_status },
	{ "Object", "object", object_spec, object_status },
	{ "External", "external", external_spec, external_status },
};

static const struct metric_source *source_of(const json_t *metric)
{
	const char *type = doc_get_str(metric, "type");
	for (size_t i = 0; type && i < sizeof(sources) / sizeof(sources[0]); i++)
		if (!strcmp(sources[i].type, type))
			return &sources[i];
	return NULL;
}

/* One metric (spec or status) from one version's shape into the other's. */
static json_t *convert_metric(const json_t *in, int status, int to_v2)
{
	json_t *out = json_object();
	if (json_object_get(in, "type"))
		json_object_set(out, "type", json_object_get(in, "type"));
	const struct metric_source *s = source_of(in);
	const json_t *src = s ? json_object_get(in, s->key) : NULL;
	if (!json_is_object(src))
		return out;
	json_t *dst = json_object();
	for (const struct field_pair *f = status ? s->status : s->spec; f->v1; f++) {
		json_t *v = doc_get(src, to_v2 ? f->v1 : f->v2);
		if (v && !json_is_null(v))
			doc_set(dst, to_v2 ? f->v2 : f->v1, v, NULL);
	}
	if (to_v2 && !status) {
		json_t *t = json_object_get(dst, "target");
		const char *type = json_object_get(t, "averageUtilization") ? "Utilization"
				   : json_object_get(t, "averageValue") ? "AverageValue" : "Value";
		doc_set_new(dst, "target.type", json_string(type), NULL);
	}
	json_object_set_new(out, s->key, dst);
	return out;
}

/* v2's cpu Utilization metric (spec, or status with `current`). */
static int is_cpu_utilization(const json_t *m, const char *which)
{
	const char *type = doc_get_str(m, "type"), *name = doc_get_str(m, "resource.name");
	json_t *u = doc_getv(m, "resource", which, "averageUtilization", NULL);
	return type && !strcmp(type, "Resource") && name && !strcmp(name, "cpu") &&
	       json_is_integer(u);
}

static void copy_field(json_t *dst, const json_t *src, const char *key)
{
	json_t *v = json_object_get(src, key);
	if (v)
		json_object_set(dst, key, v);
}

static json_t *annotation_json(const json_t *obj, const char *key)
{
	const char *s = json_string_value(doc_getv(obj, "metadata", "annotations", key, NULL));
	return s ? json_loads(s, 0, NULL) : NULL;
}

static void set_annotation_json(json_t *obj, const char *key, const json_t *value)
{
	char *s = json_dumps(value, JSON_COMPACT);
	doc_setv_new(obj, json_string(s), NULL, "metadata", "annotations", key, NULL);
	free(s);
}

/* The object's metadata without the conversion annotations a v1 body carries
 * (those that parse; a malformed one stays, as on the real server). */
static json_t *metadata_for_v2(const json_t *v1, json_t *const *parsed, const char *const *keys,
			       size_t n)
{
	json_t *m = json_deep_copy(json_object_get(v1, "metadata"));
	if (!json_is_object(m)) {
		json_decref(m);
		return json_object();
	}
	json_t *ann = json_object_get(m, "annotations");
	for (size_t i = 0; i < n; i++)
		if (parsed[i])
			json_object_del(ann, keys[i]);
	if (json_is_object(ann) && json_object_size(ann) == 0)
		json_object_del(m, "annotations");
	return m;
}

static json_t *metrics_to_v2(const json_t *list, int status)
{
	json_t *out = json_array();
	size_t i;
	json_t *m;
	json_array_foreach(list, i, m)
		json_array_append_new(out, convert_metric(m, status, 1));
	return out;
}

json_t *convert_hpa_v1_to_v2(const json_t *v1)
{
	static const char *const keys[] = { ANN_METRICS, ANN_CURRENT, ANN_CONDITIONS,
					    ANN_BEHAVIOR };
	json_t *parsed[4];
	for (size_t i = 0; i < 4; i++) {
		parsed[i] = annotation_json(v1, keys[i]);
		if (i < 3 && !json_is_array(parsed[i])) {
			json_decref(parsed[i]);
			parsed[i] = NULL;
		}
	}
	if (!json_is_object(parsed[3])) {
		json_decref(parsed[3]);
		parsed[3] = NULL;
	}
	json_t *out = json_pack("{s:s, s:s, s:o}", "apiVersion", "autoscaling/v2", "kind",
				"HorizontalPodAutoscaler", "metadata",
				metadata_for_v2(v1, parsed, keys, 4));
	const json_t *in_spec = json_object_get(v1, "spec");
	if (json_is_object(in_spec)) {
		json_t *spec = json_object();
		copy_field(spec, in_spec, "scaleTargetRef");
		copy_field(spec, in_spec, "minReplicas");
		copy_field(spec, in_spec, "maxReplicas");
		json_t *metrics = parsed[0] ? metrics_to_v2(parsed[0], 0) : json_array();
		json_t *cpu = json_object_get(in_spec, "targetCPUUtilizationPercentage");
		if (json_is_integer(cpu))
			json_array_append_new(metrics, json_pack("{s:s, s:{s:s, s:{s:s, s:O}}}",
								 "type", "Resource", "resource",
								 "name", "cpu", "target", "type",
								 "Utilization", "averageUtilization",
								 cpu));
		if (json_array_size(metrics))
			json_object_set_new(spec, "metrics", metrics);
		else
			json_decref(metrics);
		if (parsed[3])
			json_object_set(spec, "behavior", parsed[3]);
		json_object_set_new(out, "spec", spec);
	}
	const json_t *in_status = json_object_get(v1, "status");
	if (json_is_object(in_status)) {
		json_t *status = json_object();
		copy_field(status, in_status, "observedGeneration");
		copy_field(status, in_status, "lastScaleTime");
		copy_field(status, in_status, "currentReplicas");
		copy_field(status, in_status, "desiredReplicas");
		json_t *cpu = json_object_get(in_status, "currentCPUUtilizationPercentage");
		if (parsed[1])
			json_object_set_new(status, "currentMetrics", metrics_to_v2(parsed[1], 1));
		else if (json_is_integer(cpu))
			json_object_set_new(status, "currentMetrics",
					    json_pack("[{s:s, s:{s:s, s:{s:O}}}]", "type", "Resource",
						      "resource", "name", "cpu", "current",
						      "averageUtilization", cpu));
		if (parsed[2])
			json_object_set(status, "conditions", parsed[2]);
		json_object_set_new(out, "status", status);
	}
	for (size_t i = 0; i < 4; i++)
		json_decref(parsed[i]);
	return out;
}

json_t *convert_hpa_v2_to_v1(const json_t *v2)
{
	json_t *m = json_deep_copy(json_object_get(v2, "metadata"));
	json_t *out = json_pack("{s:s, s:s, s:o}", "apiVersion", "autoscaling/v1", "kind",
				"HorizontalPodAutoscaler", "metadata",
				json_is_object(m) ? m : json_object());
	if (!json_is_object(m))
		json_decref(m);
	const json_t *in_spec = json_object_get(v2, "spec");
	json_t *spec = json_object();
	copy_field(spec, in_spec, "scaleTargetRef");
	copy_field(spec, in_spec, "minReplicas");
	copy_field(spec, in_spec, "maxReplicas");
	json_t *other = json_array();
	size_t i;
	json_t *metric;
	json_array_foreach(json_object_get(in_spec, "metrics"), i, metric) {
		if (!is_cpu_utilization(metric, "target")) {
			json_array_append_new(other, convert_metric(metric, 0, 0));
			continue;
		}
		if (!json_object_get(spec, "targetCPUUtilizationPercentage"))
			json_object_set(spec, "targetCPUUtilizationPercentage",
					doc_get(metric, "resource.target.averageUtilization"));
	}
	json_object_set_new(out, "spec", spec);
	if (json_array_size(other))
		set_annotation_json(out, ANN_METRICS, other);
	json_decref(other);
	if (json_is_object(json_object_get(in_spec, "behavior")))
		set_annotation_json(out, ANN_BEHAVIOR, json_object_get(in_spec, "behavior"));

	const json_t *in_status = json_object_get(v2, "status");
	json_t *status = json_pack("{s:I, s:I}", "currentReplicas",
				   doc_get_int(in_status, "currentReplicas", 0), "desiredReplicas",
				   doc_get_int(in_status, "desiredReplicas", 0));
	copy_field(status, in_status, "observedGeneration");
	copy_field(status, in_status, "lastScaleTime");
	json_t *current = json_array();
	json_array_foreach(json_object_get(in_status, "currentMetrics"), i, metric) {
		if (is_cpu_utilization(metric, "current") &&
		    !json_object_get(status, "currentCPUUtilizationPercentage"))
			json_object_set(status, "currentCPUUtilizationPercentage",
					doc_get(metric, "resource.current.averageUtilization"));
		json_array_append_new(current, convert_metric(metric, 1, 0));
	}
	if (json_array_size(current))
		set_annotation_json(out, ANN_CURRENT, current);
	json_decref(current);
	json_t *conds = json_object_get(in_status, "conditions");
	if (json_is_array(conds) && json_array_size(conds))
		set_annotation_json(out, ANN_CONDITIONS, conds);
	json_object_set_new(out, "status", status);
	return out;
}

/* --- the table of converted versions -------------------------------------------- */

static const struct converter {
	const char *group, *kind, *version, *storage;
	json_t *(*to_storage)(const json_t *);
	json_t *(*from_storage)(const json_t *);
} converters[] = {
	{ "autoscaling", "HorizontalPodAutoscaler", "v1", "v2", convert_hpa_v1_to_v2,
	  convert_hpa_v2_to_v1 },
};

static const struct converter *find(const struct resource *r)
{
	if (r->crd || r->storage)
		return NULL;
	for (size_t i = 0; i < sizeof(converters) / sizeof(converters[0]); i++)
		if (!strcmp(converters[i].group, r->group) && !strcmp(converters[i].kind, r->kind) &&
		    !strcmp(converters[i].version, r->version))
			return &converters[i];
	return NULL;
}

int convert_needed(const struct resource *r)
{
	return find(r) != NULL;
}

int convert_kind_has_versions(const char *group, const char *kind)
{
	for (size_t i = 0; i < sizeof(converters) / sizeof(converters[0]); i++)
		if (!strcmp(converters[i].group, group) && !strcmp(converters[i].kind, kind))
			return 1;
	return 0;
}

json_t *convert_to_storage(const struct resource *r, const json_t *obj)
{
	const struct converter *c = find(r);
	return c ? c->to_storage(obj) : NULL;
}

json_t *convert_from_storage(const struct resource *r, const json_t *obj)
{
	const struct converter *c = find(r);
	return c ? c->from_storage(obj) : NULL;
}
