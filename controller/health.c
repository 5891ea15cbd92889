/*
 * health — the table of built-in health checks and the typed reads they use.
 *
 * A check is one function per kind (health-apps.c for the apps/ workload
 * controllers, health-core.c for the rest); health_table maps group/kind to
 * it, so adding a kind is a function and a line. The object stays
 * unstructured json: the hc_* readers walk dotted paths and, like Argo CD's
 * conversion to typed structs, turn a field of the wrong type into an
 * Unknown health naming the field instead of guessing. Absent and null
 * fields read as Go's zero values, which is what the upstream rules see.
 */
#include <math.h>
#include <stdarg.h>
#include <string.h>

#include "health-check.h"

struct health_entry {
	const char *group;
	const char *kind;
	void (*check)(struct hcheck *c);
};

static const struct health_entry health_table[] = {
	{ "", "PersistentVolumeClaim", health_pvc },
	{ "", "Pod", health_pod },
	{ "", "Service", health_service },
	{ "apiextensions.k8s.io", "CustomResourceDefinition", health_crd },
	{ "apiregistration.k8s.io", "APIService", health_apiservice },
	{ "apps", "DaemonSet", health_daemonset },
	{ "apps", "Deployment", health_deployment },
	{ "apps", "ReplicaSet", health_replicaset },
	{ "apps", "StatefulSet", health_statefulset },
	{ "argoproj.io", "Workflow", health_workflow },
	{ "autoscaling", "HorizontalPodAutoscaler", health_hpa },
	{ "batch", "CronJob", health_cronjob },
	{ "batch", "Job", health_job },
	{ "bosun.io", "Application", health_application },
	{ "extensions", "DaemonSet", health_daemonset },
	{ "extensions", "Deployment", health_deployment },
	{ "extensions", "Ingress", health_ingress },
	{ "extensions", "ReplicaSet", health_replicaset },
	{ "networking.k8s.io", "Ingress", health_ingress },
};

static const char *const status_names[] = {
	[HEALTH_NONE] = "",
	[HEALTH_HEALTHY] = "Healthy",
	[HEALTH_SUSPENDED] = "Suspended",
	[HEALTH_PROGRESSING] = "Progressing",
	[HEALTH_MISSING] = "Missing",
	[HEALTH_DEGRADED] = "Degraded",
	[HEALTH_UNKNOWN] = "Unknown",
};

const char *health_status_name(enum health_status s)
{
	if ((unsigned)s >= sizeof(status_names) / sizeof(status_names[0]))
		return "Unknown";
	return status_names[s];
}

int health_status_parse(const char *name)
{
	for (int i = HEALTH_HEALTHY; i <= HEALTH_UNKNOWN; i++)
		if (name && strcmp(name, status_names[i]) == 0)
			return i;
	return -1;
}

int health_is_worse(enum health_status cur, enum health_status next)
{
	if (cur == HEALTH_NONE)
		cur = HEALTH_HEALTHY;
	if (next == HEALTH_NONE)
		next = HEALTH_HEALTHY;
	return next > cur;
}

void health_release(struct health *h)
{
	buf_release(&h->message);
	h->status = HEALTH_NONE;
}

void hc_set(struct hcheck *c, enum health_status status, const char *fmt, ...)
{
	va_list ap;

	if (c->bad)
		return;         /* the conversion failure stays the verdict */
	c->out->status = status;
	buf_reset(&c->out->message);
	if (!fmt)
		return;
	va_start(ap, fmt);
	buf_vaddf(&c->out->message, fmt, ap);
	va_end(ap);
}

static void hc_wrong_type(struct hcheck *c, const char *path, const char *want)
{
	if (c->bad)
		return;
	hc_set(c, HEALTH_UNKNOWN,
	       "failed to convert unstructured %s to typed: field '%s' is not %s",
	       c->kind, path, want);
	c->bad = 1;
}

const json_t *hc_at(struct hcheck *c, const json_t *base, const char *path)
{
	const json_t *v = base ? base : c->obj;
	const char *p = path;

	while (v && *p) {
		const char *dot = strchr(p, '.');
		size_t n = dot ? (size_t)(dot - p) : strlen(p);

		if (!json_is_object(v)) {
			hc_wrong_type(c, path, "an object");
			return NULL;
		}
		v = json_object_getn(v, p, n);
		p += n + (dot ? 1 : 0);
	}
	return json_is_null(v) ? NULL : v;
}

int hc_has(struct hcheck *c, const json_t *base, const char *path)
{
	return hc_at(c, base, path) != NULL;
}

int64_t hc_int(struct hcheck *c, const json_t *base, const char *path)
{
	const json_t *v = hc_at(c, base, path);

	if (!v)
		return 0;
	if (json_is_integer(v))
		return json_integer_value(v);
	if (json_is_real(v)) {
		double d = json_real_value(v);
		if (d == floor(d) && fabs(d) < 9.2e18)
			return (int64_t)d;
	}
	hc_wrong_type(c, path, "an integer");
	return 0;
}

const char *hc_str(struct hcheck *c, const json_t *base, const char *path)
{
	const json_t *v = hc_at(c, base, path);

	if (!v)
		return "";
	if (json_is_string(v))
		return json_string_value(v);
	hc_wrong_type(c, path, "a string");
	return "";
}

int hc_bool(struct hcheck *c, const json_t *base, const char *path)
{
	const json_t *v = hc_at(c, base, path);

	if (!v)
		return 0;
	if (json_is_boolean(v))
		return json_is_true(v);
	hc_wrong_type(c, path, "a boolean");
	return 0;
}

const json_t *hc_array(struct hcheck *c, const json_t *base, const char *path)
{
	const json_t *v = hc_at(c, base, path);

	if (v && !json_is_array(v)) {
		hc_wrong_type(c, path, "a list");
		return NULL;
	}
	return v;
}

const char *hc_annotation(struct hcheck *c, const char *key)
{
	const json_t *a = hc_at(c, NULL, "metadata.annotations");
	const json_t *v;

	if (!a)
		return NULL;
	if (!json_is_object(a)) {
		hc_wrong_type(c, "metadata.annotations", "an object");
		return NULL;
	}
	v = json_object_get(a, key);
	return json_is_string(v) ? json_string_value(v) : NULL;
}

const json_t *hc_condition(struct hcheck *c, const char *path, const char *type)
{
	const json_t *conds = hc_array(c, NULL, path ? path : "status.conditions");
	const json_t *cond;
	size_t i;

	json_array_foreach(conds, i, cond) {
		if (!json_is_object(cond)) {
			hc_wrong_type(c, path ? path : "status.conditions", "a list of objects");
			return NULL;
		}
		if (strcmp(hc_str(c, cond, "type"), type) == 0)
			return cond;
	}
	return NULL;
}

static const struct health_entry *health_find(const char *group, size_t glen,
					       const char *kind)
{
	for (size_t i = 0; i < sizeof(health_table) / sizeof(health_table[0]); i++) {
		const struct health_entry *e = &health_table[i];
		if (strlen(e->group) == glen && memcmp(e->group, group, glen) == 0 &&
		    strcmp(e->kind, kind) == 0)
			return e;
	}
	return NULL;
}

int health_assess(struct health *out, const json_t *obj, struct berr *err)
{
	const char *api, *kind, *slash;
	const struct health_entry *e;
	const json_t *deletion;
	struct hcheck c = { .obj = obj, .out = out };

	out->status = HEALTH_NONE;
	buf_reset(&out->message);
	if (!json_is_object(obj))
		return berr_set(err, BERR_INVALID, "resource is not an object");
	api = json_string_value(json_object_get(obj, "apiVersion"));
	kind = json_string_value(json_object_get(obj, "kind"));
	if (!api || !kind)
		return berr_set(err, BERR_INVALID,
				"resource has no string 'apiVersion' and 'kind'");

	deletion = json_object_get(json_object_get(obj, "metadata"), "deletionTimestamp");
	if (deletion && !json_is_null(deletion)) {
		hc_set(&c, HEALTH_PROGRESSING, "Pending deletion");
		return 0;
	}

	slash = strchr(api, '/');
	e = slash ? health_find(api, (size_t)(slash - api), kind)
		  : health_find("", 0, kind);
	if (!e)
		return 0;
	c.kind = kind;
	c.version = slash ? slash + 1 : api;
	e->check(&c);
	if (c.bad && out->status != HEALTH_UNKNOWN)
		out->status = HEALTH_UNKNOWN;
	return 0;
}
