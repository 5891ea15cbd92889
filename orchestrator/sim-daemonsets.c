/*
 * sim-daemonsets.c — the DaemonSet controller: one pod per node that the
 * pod may run on (nodeSelector, required node affinity, taints — with the
 * tolerations the real controller adds to every daemon pod, so cordoned
 * or not-ready nodes still get theirs), bound directly; pods on nodes that
 * no longer qualify are removed; replaced one at a time when the template
 * changes. The template's ControllerRevision (sim-revisions.c) names the
 * pods' controller-revision-hash.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "doc.h"
#include "sim-internal.h"

/* A copy of the DaemonSet whose pod template has the tolerations the
 * DaemonSet controller adds to its pods. */
static json_t *with_tolerations(const json_t *ds)
{
	static const char *const add[][2] = {
		{ "node.kubernetes.io/not-ready", "NoExecute" },
		{ "node.kubernetes.io/unreachable", "NoExecute" },
		{ "node.kubernetes.io/disk-pressure", "NoSchedule" },
		{ "node.kubernetes.io/memory-pressure", "NoSchedule" },
		{ "node.kubernetes.io/pid-pressure", "NoSchedule" },
		{ "node.kubernetes.io/unschedulable", "NoSchedule" },
		{ "node.kubernetes.io/network-unavailable", "NoSchedule" },
	};
	json_t *copy = json_deep_copy(ds);
	json_t *spec = doc_get(copy, "spec.template.spec");
	if (!json_is_object(spec))
		return copy;
	json_t *tols = json_object_get(spec, "tolerations");
	if (!json_is_array(tols)) {
		tols = json_array();
		json_object_set_new(spec, "tolerations", tols);
	}
	int host_network = doc_get_bool(spec, "hostNetwork", 0);
	for (size_t i = 0; i < sizeof(add) / sizeof(add[0]); i++) {
		if (!host_network && !strcmp(add[i][0], "node.kubernetes.io/network-unavailable"))
			continue;
		int have = 0;
		size_t k;
		json_t *t;
		json_array_foreach(tols, k, t)
			have |= !strcmp(doc_get_str(t, "key") ?: "", add[i][0]) &&
				!strcmp(doc_get_str(t, "effect") ?: "", add[i][1]);
		if (!have)
			json_array_append_new(tols, json_pack("{s:s, s:s, s:s}", "key", add[i][0],
							      "operator", "Exists", "effect", add[i][1]));
	}
	return copy;
}

void sim_reconcile_ds(struct sim *s, const char *ns, const char *name, const char *key)
{
	struct resource *r = sim_res(s, "apps", "daemonsets");
	json_t *ds = NULL, *pods = NULL, *owner = NULL, *nodes = NULL, *probe = NULL;
	if (objects_get(s->o, r, ns, name, &ds, NULL) < 0 ||
	    doc_get(ds, "metadata.deletionTimestamp"))
		goto out;
	char hash[16], rev[300], gen[300];
	sim_revision_sync(s, ds, "DaemonSet", rev, sizeof(rev), hash, sizeof(hash));
	snprintf(gen, sizeof(gen), "%s-", name);
	owner = with_tolerations(ds);
	probe = json_pack("{s:O}", "spec", doc_get(owner, "spec.template.spec") ?: json_null());
	pods = sim_list_owned(s, "", "pods", ns, doc_get_str(ds, "metadata.uid"));
	nodes = sim_nodes(s);
	json_int_t desired = 0, scheduled = 0, ready = 0, updated = 0, misscheduled = 0;
	int rolled = 0;
	size_t n, k;
	json_t *node, *p;
	json_array_foreach(nodes, n, node) {
		const char *nn = doc_get_str(node, "metadata.name") ?: "";
		char why[600];
		int wanted = sim_node_admits(node, probe, why, sizeof(why));
		json_t *pod = NULL;
		json_array_foreach(pods, k, p)
			if (!strcmp(doc_get_str(p, "spec.nodeName") ?: "", nn) &&
			    !doc_get(p, "metadata.deletionTimestamp"))
				pod = p;
		if (!wanted) {
			if (pod) {
				misscheduled++;
				sim_delete_pod(s, ns, doc_get_str(pod, "metadata.name"));
			}
			continue;
		}
		desired++;
		if (!pod) {
			json_t *labels = json_pack("{s:s, s:s}", "controller-revision-hash", hash,
						   "pod-template-generation", "1");
			sim_create_pod(s, owner, "DaemonSet", ns, NULL, gen, labels, nn);
			json_decref(labels);
			scheduled++;
			continue;
		}
		scheduled++;
		ready += disruption_pod_ready(pod);
		const char *h = doc_get_str(pod, "metadata.labels[\"controller-revision-hash\"]");
		if (h && !strcmp(h, hash)) {
			updated++;
		} else if (!rolled) {
			/* maxUnavailable 1: one outdated pod at a time */
			sim_delete_pod(s, ns, doc_get_str(pod, "metadata.name"));
			rolled = 1;
		}
	}
	json_t *status = json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "observedGeneration",
				   doc_get_int(ds, "metadata.generation", 1),
				   "desiredNumberScheduled", desired, "currentNumberScheduled",
				   scheduled, "numberMisscheduled", misscheduled, "numberReady", ready,
				   "updatedNumberScheduled", updated, "numberAvailable", ready,
				   "numberUnavailable", desired - ready);
	struct sim_set_status ss = { status };
	objects_mutate(s->o, r, ns, name, OBJ_STATUS, MANAGER, sim_set_status_step, &ss, NULL);
	json_decref(status);
	if (updated < desired || ready < desired)
		sim_after(s, key, 500);
out:
	json_decref(probe);
	json_decref(nodes);
	json_decref(owner);
	json_decref(pods);
	json_decref(ds);
	resource_unref(r);
}
