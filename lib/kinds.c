/*
 * kinds.c — the built-in kind table (see kinds.h).
 *
 * The values are what a Kubernetes 1.32 API server reports in discovery
 * (`kubectl api-resources`): shortNames, the "all" category on the kinds
 * `kubectl get all` shows, and the status/scale subresources. Lookups are
 * linear: the table has a few dozen rows and callers that are hot keep the
 * pointer they got.
 */
#include "kinds.h"

#include <stdio.h>
#include <string.h>

#define NS 1
#define CLUSTER 0
#define S KIND_SUB_STATUS
#define SS (KIND_SUB_STATUS | KIND_SUB_SCALE)
#define SHORT(...) { __VA_ARGS__, NULL }
#define NOSHORT { NULL }
#define ALL { "all", NULL }
#define NOCAT { NULL, NULL }

static const struct kind_info table[] = {
	{ "", "v1", "ConfigMap", "configmaps", "configmap", NS, SHORT("cm"), NOCAT, 0 },
	{ "", "v1", "Endpoints", "endpoints", "endpoints", NS, SHORT("ep"), NOCAT, 0 },
	{ "", "v1", "Event", "events", "event", NS, SHORT("ev"), NOCAT, 0 },
	{ "", "v1", "LimitRange", "limitranges", "limitrange", NS, SHORT("limits"), NOCAT, 0 },
	{ "", "v1", "Namespace", "namespaces", "namespace", CLUSTER, SHORT("ns"), NOCAT, S },
	{ "", "v1", "Node", "nodes", "node", CLUSTER, SHORT("no"), NOCAT, S },
	{ "", "v1", "PersistentVolumeClaim", "persistentvolumeclaims", "persistentvolumeclaim",
	  NS, SHORT("pvc"), NOCAT, S },
	{ "", "v1", "PersistentVolume", "persistentvolumes", "persistentvolume", CLUSTER,
	  SHORT("pv"), NOCAT, S },
	{ "", "v1", "Pod", "pods", "pod", NS, SHORT("po"), ALL, S | KIND_SUB_EVICTION },
	{ "", "v1", "ResourceQuota", "resourcequotas", "resourcequota", NS, SHORT("quota"),
	  NOCAT, S },
	{ "", "v1", "Secret", "secrets", "secret", NS, NOSHORT, NOCAT, 0 },
	{ "", "v1", "ServiceAccount", "serviceaccounts", "serviceaccount", NS, SHORT("sa"),
	  NOCAT, 0 },
	{ "", "v1", "Service", "services", "service", NS, SHORT("svc"), ALL, S },
	{ "apiextensions.k8s.io", "v1", "CustomResourceDefinition", "customresourcedefinitions",
	  "customresourcedefinition", CLUSTER, SHORT("crd", "crds"), { "api-extensions", NULL }, S },
	{ "apps", "v1", "ControllerRevision", "controllerrevisions", "controllerrevision", NS,
	  NOSHORT, NOCAT, 0 },
	{ "apps", "v1", "DaemonSet", "daemonsets", "daemonset", NS, SHORT("ds"), ALL, S },
	{ "apps", "v1", "Deployment", "deployments", "deployment", NS, SHORT("deploy"), ALL, SS },
	{ "apps", "v1", "ReplicaSet", "replicasets", "replicaset", NS, SHORT("rs"), ALL, SS },
	{ "apps", "v1", "StatefulSet", "statefulsets", "statefulset", NS, SHORT("sts"), ALL, SS },
	{ "autoscaling", "v2", "HorizontalPodAutoscaler", "horizontalpodautoscalers",
	  "horizontalpodautoscaler", NS, SHORT("hpa"), ALL, S },
	{ "autoscaling", "v1", "HorizontalPodAutoscaler", "horizontalpodautoscalers",
	  "horizontalpodautoscaler", NS, SHORT("hpa"), ALL, S },
	{ "batch", "v1", "CronJob", "cronjobs", "cronjob", NS, SHORT("cj"), ALL, S },
	{ "batch", "v1", "Job", "jobs", "job", NS, NOSHORT, ALL, S },
	{ "coordination.k8s.io", "v1", "Lease", "leases", "lease", NS, NOSHORT, NOCAT, 0 },
	{ "events.k8s.io", "v1", "Event", "events", "event", NS, SHORT("ev"), NOCAT, 0 },
	{ "networking.k8s.io", "v1", "Ingress", "ingresses", "ingress", NS, SHORT("ing"),
	  NOCAT, S },
	{ "networking.k8s.io", "v1", "IngressClass", "ingressclasses", "ingressclass", CLUSTER,
	  NOSHORT, NOCAT, 0 },
	{ "networking.k8s.io", "v1", "NetworkPolicy", "networkpolicies", "networkpolicy", NS,
	  SHORT("netpol"), NOCAT, 0 },
	{ "policy", "v1", "PodDisruptionBudget", "poddisruptionbudgets", "poddisruptionbudget",
	  NS, SHORT("pdb"), NOCAT, S },
	{ "rbac.authorization.k8s.io", "v1", "ClusterRoleBinding", "clusterrolebindings",
	  "clusterrolebinding", CLUSTER, NOSHORT, NOCAT, 0 },
	{ "rbac.authorization.k8s.io", "v1", "ClusterRole", "clusterroles", "clusterrole",
	  CLUSTER, NOSHORT, NOCAT, 0 },
	{ "rbac.authorization.k8s.io", "v1", "RoleBinding", "rolebindings", "rolebinding", NS,
	  NOSHORT, NOCAT, 0 },
	{ "rbac.authorization.k8s.io", "v1", "Role", "roles", "role", NS, NOSHORT, NOCAT, 0 },
	{ "scheduling.k8s.io", "v1", "PriorityClass", "priorityclasses", "priorityclass", CLUSTER,
	  SHORT("pc"), NOCAT, 0 },
	{ "storage.k8s.io", "v1", "StorageClass", "storageclasses", "storageclass", CLUSTER,
	  SHORT("sc"), NOCAT, 0 },
};

const char *const kinds_verbs[] = {
	"create", "delete", "deletecollection", "get", "list", "patch", "update", "watch", NULL,
};

const char *const kinds_sub_verbs[] = { "get", "patch", "update", NULL };

/* Rows of the table served by conversion, with their storage version. */
static const struct {
	const char *group, *kind, *version, *storage;
} converted[] = {
	{ "autoscaling", "HorizontalPodAutoscaler", "v1", "v2" },
};

const char *kinds_storage_version(const struct kind_info *k)
{
	for (size_t i = 0; i < sizeof(converted) / sizeof(converted[0]); i++)
		if (!strcmp(converted[i].group, k->group) && !strcmp(converted[i].kind, k->kind) &&
		    !strcmp(converted[i].version, k->version))
			return converted[i].storage;
	return NULL;
}

const struct kind_info *kinds_builtin(size_t *n)
{
	*n = sizeof(table) / sizeof(table[0]);
	return table;
}

const struct kind_info *kinds_by_resource(const char *group, const char *version,
					  const char *resource)
{
	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++)
		if (!strcmp(table[i].group, group) && !strcmp(table[i].resource, resource) &&
		    (!version || !strcmp(table[i].version, version)))
			return &table[i];
	return NULL;
}

const struct kind_info *kinds_by_group_kind(const char *group, const char *kind)
{
	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++)
		if (!strcmp(table[i].group, group) && !strcmp(table[i].kind, kind))
			return &table[i];
	return NULL;
}

int kinds_split_api_version(const char *api_version, char *group, size_t gsize,
			    char *version, size_t vsize)
{
	if (!api_version || !api_version[0] || gsize == 0 || vsize == 0)
		return -1;
	const char *slash = strchr(api_version, '/');
	if (!slash) {
		group[0] = '\0';
		snprintf(version, vsize, "%s", api_version);
		return 0;
	}
	if (strchr(slash + 1, '/') || slash == api_version || !slash[1])
		return -1;
	snprintf(group, gsize, "%.*s", (int)(slash - api_version), api_version);
	snprintf(version, vsize, "%s", slash + 1);
	return 0;
}

const struct kind_info *kinds_by_kind(const char *api_version, const char *kind)
{
	char group[256], version[64];
	if (kinds_split_api_version(api_version, group, sizeof(group), version,
				    sizeof(version)) < 0)
		return NULL;
	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++)
		if (!strcmp(table[i].group, group) && !strcmp(table[i].kind, kind) &&
		    !strcmp(table[i].version, version))
			return &table[i];
	return NULL;
}
