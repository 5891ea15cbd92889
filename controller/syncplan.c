/*
 * syncplan — hook and wave annotations, and the order tasks run in
 * (syncplan.h).
 *
 * The kind order is Helm's install order, which gitops-engine reuses:
 * namespaces, policies, accounts, config, storage, CRDs, RBAC, services,
 * workloads, then ingress and API services; kinds not listed (custom
 * resources) come after all of them. Within a phase, pruning runs after
 * every apply, highest wave first, so a resource is removed only once what
 * replaces it is in place.
 */
#include <stdlib.h>
#include <string.h>

#include "doc.h"
#include "syncplan.h"

static const char *const kind_order[] = {
	"Namespace", "NetworkPolicy", "ResourceQuota", "LimitRange", "PodSecurityPolicy",
	"PodDisruptionBudget", "ServiceAccount", "Secret", "SecretList", "ConfigMap",
	"StorageClass", "PersistentVolume", "PersistentVolumeClaim",
	"CustomResourceDefinition", "ClusterRole", "ClusterRoleList", "ClusterRoleBinding",
	"ClusterRoleBindingList", "Role", "RoleList", "RoleBinding", "RoleBindingList",
	"Service", "DaemonSet", "Pod", "ReplicationController", "ReplicaSet", "Deployment",
	"HorizontalPodAutoscaler", "StatefulSet", "Job", "CronJob", "IngressClass", "Ingress",
	"APIService",
};
#define NKINDS (int)(sizeof(kind_order) / sizeof(kind_order[0]))

int syncplan_kind_order(const char *kind)
{
	for (int i = 0; kind && i < NKINDS; i++)
		if (!strcmp(kind_order[i], kind))
			return i;
	return NKINDS;
}

static const char *annotation(const json_t *obj, const char *key)
{
	return json_string_value(doc_getv(obj, "metadata", "annotations", key, NULL));
}

/* Calls fn for each comma-separated, space-trimmed item of s. */
static unsigned each_item(const char *s, unsigned (*fn)(const char *item, size_t len))
{
	unsigned bits = 0;
	while (s && *s) {
		while (*s == ' ' || *s == ',')
			s++;
		size_t n = strcspn(s, ",");
		size_t m = n;
		while (m && s[m - 1] == ' ')
			m--;
		if (m)
			bits |= fn(s, m);
		s += n;
	}
	return bits;
}

static int item_is(const char *item, size_t len, const char *word)
{
	return strlen(word) == len && !strncmp(item, word, len);
}

static unsigned argo_phase(const char *item, size_t len)
{
	if (item_is(item, len, "PreSync"))
		return PHASE_BIT(PHASE_PRESYNC);
	if (item_is(item, len, "Sync"))
		return PHASE_BIT(PHASE_SYNC);
	if (item_is(item, len, "PostSync"))
		return PHASE_BIT(PHASE_POSTSYNC);
	if (item_is(item, len, "SyncFail"))
		return PHASE_BIT(PHASE_SYNCFAIL);
	if (item_is(item, len, "Skip"))
		return PHASE_SKIP_BIT;
	return 0;
}

static unsigned helm_phase(const char *item, size_t len)
{
	if (item_is(item, len, "pre-install") || item_is(item, len, "pre-upgrade")
	    || item_is(item, len, "crd-install"))
		return PHASE_BIT(PHASE_PRESYNC);
	if (item_is(item, len, "post-install") || item_is(item, len, "post-upgrade"))
		return PHASE_BIT(PHASE_POSTSYNC);
	return 0;
}

unsigned syncplan_hook_phases(const json_t *obj)
{
	const char *h = annotation(obj, "bosun.io/hook");
	if (!h)
		h = annotation(obj, "argocd.argoproj.io/hook");
	if (h) {
		unsigned bits = each_item(h, argo_phase);
		return bits & PHASE_SKIP_BIT ? PHASE_SKIP_BIT : bits;
	}
	h = annotation(obj, "helm.sh/hook");
	if (h) {
		unsigned bits = each_item(h, helm_phase);
		/* a Helm hook of a kind Argo CD does not run is left out */
		return bits ? bits : PHASE_SKIP_BIT;
	}
	return 0;
}

static unsigned policy_item(const char *item, size_t len)
{
	if (item_is(item, len, "BeforeHookCreation") || item_is(item, len, "before-hook-creation"))
		return HOOK_DELETE_BEFORE_CREATION;
	if (item_is(item, len, "HookSucceeded") || item_is(item, len, "hook-succeeded"))
		return HOOK_DELETE_SUCCEEDED;
	if (item_is(item, len, "HookFailed") || item_is(item, len, "hook-failed"))
		return HOOK_DELETE_FAILED;
	return 0;
}

unsigned syncplan_delete_policy(const json_t *obj)
{
	unsigned bits = each_item(annotation(obj, "bosun.io/hook-delete-policy"), policy_item)
			| each_item(annotation(obj, "argocd.argoproj.io/hook-delete-policy"),
				    policy_item)
			| each_item(annotation(obj, "helm.sh/hook-delete-policy"), policy_item);
	return bits ? bits : HOOK_DELETE_BEFORE_CREATION;
}

static int parse_wave(const char *s, int *out)
{
	char *end;
	if (!s)
		return -1;
	while (*s == ' ')
		s++;
	long v = strtol(s, &end, 10);
	while (*end == ' ')
		end++;
	if (end == s || *end || v < -1000000000L || v > 1000000000L)
		return -1;
	*out = (int)v;
	return 0;
}

int syncplan_wave(const json_t *obj)
{
	int w;
	if (parse_wave(annotation(obj, "bosun.io/sync-wave"), &w) == 0
	    || parse_wave(annotation(obj, "argocd.argoproj.io/sync-wave"), &w) == 0)
		return w;
	if (annotation(obj, "helm.sh/hook") && parse_wave(annotation(obj, "helm.sh/hook-weight"),
							  &w) == 0)
		return w;
	return 0;
}

const char *syncplan_phase_name(enum sync_phase p)
{
	static const char *const names[] = { "PreSync", "Sync", "PostSync", "SyncFail" };
	return p < PHASE_COUNT ? names[p] : "";
}

static int strcmp0(const char *a, const char *b)
{
	return strcmp(a ? a : "", b ? b : "");
}

static int cmp_task(const void *pa, const void *pb)
{
	const struct sync_task *a = pa, *b = pb;
	if (a->phase != b->phase)
		return a->phase < b->phase ? -1 : 1;
	if (a->prune != b->prune)
		return a->prune ? 1 : -1;
	if (a->wave != b->wave)
		return (a->wave < b->wave) != a->prune ? -1 : 1;
	if (a->kind_order != b->kind_order)
		return (a->kind_order < b->kind_order) != a->prune ? -1 : 1;
	int c = strcmp0(a->kind, b->kind);
	if (c)
		return c;
	if ((c = strcmp0(a->namespace, b->namespace)))
		return c;
	return strcmp0(a->name, b->name);
}

void syncplan_sort(struct sync_task *tasks, size_t n)
{
	if (n > 1)
		qsort(tasks, n, sizeof(*tasks), cmp_task);
}
