/*
 * smp-schema — patch metadata for strategic merge patch: which lists merge
 * and by which key, which fields are replaced whole or clear missing keys.
 *
 * Kubernetes keeps this in struct tags of k8s.io/api types
 * (`patchStrategy:"merge" patchMergeKey:"name"`) and publishes it in the
 * OpenAPI document as x-kubernetes-patch-strategy / -merge-key. Bosun has
 * no Go types, so the built-in kinds get a small static graph of the types
 * that carry tags (pod spec, containers, object metadata, conditions, ...);
 * every field left out behaves as an untagged one. The graph is a set of
 * `struct smp_type` nodes pointing at each other, which copes with the
 * recursive types an OpenAPI document may have; the loader builds the same
 * graph from such a document (tests use the apimachinery fixtures).
 *
 * Custom resources have no patch metadata, and the API server refuses
 * strategic merge patches for them with 415: smp_schema_builtin() says
 * BERR_UNSUPPORTED for any kind it does not know.
 */
#include "patch.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))
#define TYPE(var, tname, flds) \
	static const struct smp_type var = { tname, flds, N(flds) }

const struct smp_field *smp_type_field(const struct smp_type *type, const char *name)
{
	if (!type || !name)
		return NULL;
	for (size_t i = 0; i < type->nfields; i++) {
		if (strcmp(type->fields[i].name, name) == 0)
			return &type->fields[i];
	}
	return NULL;
}

/* ---- built-in types (k8s.io/api struct tags) -------------------------- */

static const struct smp_field object_meta_fields[] = {
	{ "finalizers", SMP_MERGE, NULL, NULL },
	{ "ownerReferences", SMP_MERGE, "uid", NULL },
};
TYPE(t_object_meta, "ObjectMeta", object_meta_fields);

/* status.conditions of most kinds */
static const struct smp_field status_fields[] = {
	{ "conditions", SMP_MERGE, "type", NULL },
};
TYPE(t_status, "Status", status_fields);

static const struct smp_field container_fields[] = {
	{ "ports", SMP_MERGE, "containerPort", NULL },
	{ "env", SMP_MERGE, "name", NULL },
	{ "volumeMounts", SMP_MERGE, "mountPath", NULL },
	{ "volumeDevices", SMP_MERGE, "devicePath", NULL },
};
TYPE(t_container, "Container", container_fields);

static const struct smp_field pod_spec_fields[] = {
	{ "volumes", SMP_MERGE | SMP_RETAIN_KEYS, "name", NULL },
	{ "initContainers", SMP_MERGE, "name", &t_container },
	{ "containers", SMP_MERGE, "name", &t_container },
	{ "ephemeralContainers", SMP_MERGE, "name", &t_container },
	{ "imagePullSecrets", SMP_MERGE, "name", NULL },
	{ "hostAliases", SMP_MERGE, "ip", NULL },
	{ "topologySpreadConstraints", SMP_MERGE, "topologyKey", NULL },
	{ "schedulingGates", SMP_MERGE, "name", NULL },
	{ "resourceClaims", SMP_MERGE | SMP_RETAIN_KEYS, "name", NULL },
};
TYPE(t_pod_spec, "PodSpec", pod_spec_fields);

static const struct smp_field pod_status_fields[] = {
	{ "conditions", SMP_MERGE, "type", NULL },
	{ "podIPs", SMP_MERGE, "ip", NULL },
	{ "hostIPs", SMP_MERGE, "ip", NULL },
	{ "resourceClaimStatuses", SMP_MERGE | SMP_RETAIN_KEYS, "name", NULL },
};
TYPE(t_pod_status, "PodStatus", pod_status_fields);

static const struct smp_field pod_template_fields[] = {
	{ "metadata", 0, NULL, &t_object_meta },
	{ "spec", 0, NULL, &t_pod_spec },
};
TYPE(t_pod_template, "PodTemplateSpec", pod_template_fields);

/* Deployment, ReplicaSet, StatefulSet, DaemonSet, Job, ReplicationController */
static const struct smp_field workload_spec_fields[] = {
	{ "template", 0, NULL, &t_pod_template },
	{ "strategy", SMP_RETAIN_KEYS, NULL, NULL },   /* DeploymentSpec only */
};
TYPE(t_workload_spec, "WorkloadSpec", workload_spec_fields);

static const struct smp_field job_template_fields[] = {
	{ "metadata", 0, NULL, &t_object_meta },
	{ "spec", 0, NULL, &t_workload_spec },
};
TYPE(t_job_template, "JobTemplateSpec", job_template_fields);

static const struct smp_field cron_job_spec_fields[] = {
	{ "jobTemplate", 0, NULL, &t_job_template },
};
TYPE(t_cron_job_spec, "CronJobSpec", cron_job_spec_fields);

static const struct smp_field service_spec_fields[] = {
	{ "ports", SMP_MERGE, "port", NULL },
};
TYPE(t_service_spec, "ServiceSpec", service_spec_fields);

static const struct smp_field node_spec_fields[] = {
	{ "podCIDRs", SMP_MERGE, NULL, NULL },
};
TYPE(t_node_spec, "NodeSpec", node_spec_fields);

static const struct smp_field node_status_fields[] = {
	{ "conditions", SMP_MERGE, "type", NULL },
	{ "addresses", SMP_MERGE, "type", NULL },
};
TYPE(t_node_status, "NodeStatus", node_status_fields);

#define OBJECT_FIELDS(spec, status) \
	{ "metadata", 0, NULL, &t_object_meta }, \
	{ "spec", 0, NULL, spec }, \
	{ "status", 0, NULL, status }

static const struct smp_field pod_fields[] = { OBJECT_FIELDS(&t_pod_spec, &t_pod_status) };
TYPE(t_pod, "Pod", pod_fields);

static const struct smp_field workload_fields[] = { OBJECT_FIELDS(&t_workload_spec, &t_status) };
TYPE(t_workload, "Workload", workload_fields);

static const struct smp_field cron_job_fields[] = { OBJECT_FIELDS(&t_cron_job_spec, NULL) };
TYPE(t_cron_job, "CronJob", cron_job_fields);

static const struct smp_field service_fields[] = { OBJECT_FIELDS(&t_service_spec, &t_status) };
TYPE(t_service, "Service", service_fields);

static const struct smp_field node_fields[] = { OBJECT_FIELDS(&t_node_spec, &t_node_status) };
TYPE(t_node, "Node", node_fields);

/* kinds whose status.conditions merge by type (Namespace, PVC, HPA, PDB) */
static const struct smp_field conditions_object_fields[] = { OBJECT_FIELDS(NULL, &t_status) };
TYPE(t_conditions_object, "ObjectWithConditions", conditions_object_fields);

/* kinds with no tagged field but object metadata's (a CRD's conditions
 * have no patch strategy, for one) */
static const struct smp_field plain_object_fields[] = { OBJECT_FIELDS(NULL, NULL) };
TYPE(t_plain_object, "Object", plain_object_fields);

static const struct smp_field pod_template_object_fields[] = {
	{ "metadata", 0, NULL, &t_object_meta },
	{ "template", 0, NULL, &t_pod_template },
};
TYPE(t_pod_template_object, "PodTemplate", pod_template_object_fields);

static const struct smp_field service_account_fields[] = {
	{ "metadata", 0, NULL, &t_object_meta },
	{ "secrets", SMP_MERGE, "name", NULL },
};
TYPE(t_service_account, "ServiceAccount", service_account_fields);

static const struct smp_field webhook_configuration_fields[] = {
	{ "metadata", 0, NULL, &t_object_meta },
	{ "webhooks", SMP_MERGE, "name", NULL },
};
TYPE(t_webhook_configuration, "WebhookConfiguration", webhook_configuration_fields);

struct builtin {
	const char *group;              /* "" for the core group */
	const char *kind;
	struct smp_schema schema;
};

#define B(g, k, t) { g, k, { &t, NULL } }

static const struct builtin builtins[] = {
	B("", "Pod", t_pod),
	B("", "PodTemplate", t_pod_template_object),
	B("", "ReplicationController", t_workload),
	B("", "Service", t_service),
	B("", "Node", t_node),
	B("", "ServiceAccount", t_service_account),
	B("", "ConfigMap", t_plain_object),
	B("", "Secret", t_plain_object),
	B("", "Namespace", t_conditions_object),
	B("", "Endpoints", t_plain_object),
	B("", "PersistentVolumeClaim", t_conditions_object),
	B("", "PersistentVolume", t_plain_object),
	B("", "LimitRange", t_plain_object),
	B("", "ResourceQuota", t_plain_object),
	B("", "Event", t_plain_object),
	B("apps", "Deployment", t_workload),
	B("apps", "StatefulSet", t_workload),
	B("apps", "DaemonSet", t_workload),
	B("apps", "ReplicaSet", t_workload),
	B("apps", "ControllerRevision", t_plain_object),
	B("batch", "Job", t_workload),
	B("batch", "CronJob", t_cron_job),
	B("autoscaling", "HorizontalPodAutoscaler", t_conditions_object),
	B("policy", "PodDisruptionBudget", t_conditions_object),
	B("networking.k8s.io", "Ingress", t_plain_object),
	B("networking.k8s.io", "IngressClass", t_plain_object),
	B("networking.k8s.io", "NetworkPolicy", t_plain_object),
	B("rbac.authorization.k8s.io", "Role", t_plain_object),
	B("rbac.authorization.k8s.io", "ClusterRole", t_plain_object),
	B("rbac.authorization.k8s.io", "RoleBinding", t_plain_object),
	B("rbac.authorization.k8s.io", "ClusterRoleBinding", t_plain_object),
	B("storage.k8s.io", "StorageClass", t_plain_object),
	B("scheduling.k8s.io", "PriorityClass", t_plain_object),
	B("coordination.k8s.io", "Lease", t_plain_object),
	B("discovery.k8s.io", "EndpointSlice", t_plain_object),
	B("apiextensions.k8s.io", "CustomResourceDefinition", t_plain_object),
	B("admissionregistration.k8s.io", "MutatingWebhookConfiguration", t_webhook_configuration),
	B("admissionregistration.k8s.io", "ValidatingWebhookConfiguration", t_webhook_configuration),
};

int smp_schema_builtin(const struct smp_schema **out, const char *api_version,
		       const char *kind, struct berr *err)
{
	*out = NULL;
	if (!api_version || !kind)
		return berr_set(err, BERR_INVALID, "object has no apiVersion or kind");
	const char *slash = strrchr(api_version, '/');
	size_t glen = slash ? (size_t)(slash - api_version) : 0;
	for (size_t i = 0; i < N(builtins); i++) {
		const struct builtin *b = &builtins[i];
		if (strlen(b->group) == glen && strncmp(b->group, api_version, glen) == 0 &&
		    strcmp(b->kind, kind) == 0) {
			*out = &b->schema;
			return 0;
		}
	}
	return berr_set(err, BERR_UNSUPPORTED,
			"strategic merge patch is not supported for '%s, Kind=%s': use a merge patch or a JSON patch",
			api_version, kind);
}

int smp_schema_for_object(const struct smp_schema **out, const json_t *obj,
			  struct berr *err)
{
	const char *av = json_string_value(json_object_get(obj, "apiVersion"));
	const char *kind = json_string_value(json_object_get(obj, "kind"));
	return smp_schema_builtin(out, av, kind, err);
}

/* ---- OpenAPI loader --------------------------------------------------- */

/*
 * Storage of a loaded schema: the types in one array (pointers stay put as
 * it is sized up front), names and fields in separately allocated blocks.
 */
struct loaded {
	struct smp_type *types;
	size_t ntypes;
	const json_t *defs;             /* borrowed during loading only */
	const char *ref_prefix;
	char **strings;
	size_t nstrings;
	struct smp_field **field_blocks;
};

static const char *keep(struct loaded *l, const char *s)
{
	if (!s)
		return NULL;
	l->strings = xrealloc(l->strings, (l->nstrings + 1) * sizeof(*l->strings));
	return l->strings[l->nstrings++] = xstrdup(s);
}

static long type_index(struct loaded *l, const char *name)
{
	size_t i = 0;
	const char *k;
	json_t *v;
	json_object_foreach((json_t *)l->defs, k, v) {
		if (strcmp(k, name) == 0)
			return (long)i;
		i++;
	}
	return -1;
}

/* The definition a schema node refers to: "$ref", or "allOf": [{"$ref"}]. */
static const struct smp_type *resolve_ref(struct loaded *l, const json_t *node)
{
	const char *ref = json_string_value(json_object_get(node, "$ref"));
	if (!ref) {
		const json_t *all = json_object_get(node, "allOf");
		if (json_array_size(all) >= 1)
			ref = json_string_value(json_object_get(json_array_get(all, 0), "$ref"));
	}
	if (!ref || strncmp(ref, l->ref_prefix, strlen(l->ref_prefix)) != 0)
		return NULL;
	long i = type_index(l, ref + strlen(l->ref_prefix));
	return i < 0 ? NULL : &l->types[i];
}

static int parse_strategy(unsigned *out, const char *s, const char *where, struct berr *err)
{
	*out = 0;
	if (!s)
		return 0;
	char *copy = xstrdup(s), *save = NULL;
	for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (strcmp(tok, "merge") == 0)
			*out |= SMP_MERGE;
		else if (strcmp(tok, "replace") == 0)
			*out |= SMP_REPLACE;
		else if (strcmp(tok, "retainKeys") == 0)
			*out |= SMP_RETAIN_KEYS;
		else {
			free(copy);
			return berr_set(err, BERR_INVALID, "unknown patch strategy '%s' of '%s'", s, where);
		}
	}
	free(copy);
	return 0;
}

static int load_type(struct loaded *l, size_t idx, const char *name, const json_t *def,
		     struct berr *err)
{
	struct smp_type *t = &l->types[idx];
	t->name = keep(l, name);
	const json_t *props = json_object_get(def, "properties");
	size_t n = json_object_size(props);
	struct smp_field *fields = n ? xcalloc(n, sizeof(*fields)) : NULL;
	l->field_blocks[idx] = fields;
	t->fields = fields;
	t->nfields = 0;
	const char *k;
	json_t *p;
	json_object_foreach((json_t *)props, k, p) {
		if (!json_is_object(p))
			continue;
		struct smp_field *f = &fields[t->nfields++];
		f->name = keep(l, k);
		int rc = parse_strategy(&f->strategy,
					json_string_value(json_object_get(p, "x-kubernetes-patch-strategy")),
					k, err);
		if (rc)
			return rc;
		f->merge_key = keep(l, json_string_value(json_object_get(p, "x-kubernetes-patch-merge-key")));
		const json_t *items = json_object_get(p, "items");
		f->type = resolve_ref(l, json_is_object(items) ? items : p);
	}
	return 0;
}

int smp_schema_load_openapi(struct smp_schema **out, const json_t *doc,
			    const char *root, struct berr *err)
{
	*out = NULL;
	struct loaded *l = xcalloc(1, sizeof(*l));
	l->defs = json_object_get(doc, "definitions");
	l->ref_prefix = "#/definitions/";
	if (!json_is_object(l->defs)) {
		l->defs = json_object_get(json_object_get(doc, "components"), "schemas");
		l->ref_prefix = "#/components/schemas/";
	}
	if (!json_is_object(l->defs)) {
		free(l);
		return berr_set(err, BERR_INVALID,
				"OpenAPI document has neither 'definitions' nor 'components.schemas'");
	}
	l->ntypes = json_object_size(l->defs);
	l->types = xcalloc(l->ntypes, sizeof(*l->types));
	l->field_blocks = xcalloc(l->ntypes, sizeof(*l->field_blocks));
	struct smp_schema *s = xcalloc(1, sizeof(*s));
	s->storage = l;
	size_t i = 0;
	const char *k;
	json_t *def;
	json_object_foreach((json_t *)l->defs, k, def) {
		int rc = load_type(l, i++, k, def, err);
		if (rc) {
			smp_schema_free(s);
			berr_prefix(err, "definition '%s'", k);
			return rc;
		}
	}
	long r = type_index(l, root);
	if (r < 0) {
		smp_schema_free(s);
		return berr_set(err, BERR_NOTFOUND, "OpenAPI document has no definition '%s'", root);
	}
	s->root = &l->types[r];
	l->defs = NULL;
	*out = s;
	return 0;
}

void smp_schema_free(struct smp_schema *schema)
{
	if (!schema)
		return;
	struct loaded *l = schema->storage;
	if (l) {
		for (size_t i = 0; i < l->nstrings; i++)
			free(l->strings[i]);
		for (size_t i = 0; i < l->ntypes; i++)
			free(l->field_blocks[i]);
		free(l->strings);
		free(l->field_blocks);
		free(l->types);
		free(l);
	}
	free(schema);
}
