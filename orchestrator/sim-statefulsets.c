/*
 * sim-statefulsets.c — the StatefulSet controller: stable pod names
 * <name>-<ordinal>, created in order (each one Ready before the next,
 * unless podManagementPolicy is Parallel), PVCs from volumeClaimTemplates,
 * scale-down from the highest ordinal, and rolling updates from the top
 * down to the partition. Pods mount their claims (the volume controller
 * binds them; the scheduler waits for that), and carry the
 * ControllerRevision of their template (sim-revisions.c) in
 * controller-revision-hash.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "doc.h"
#include "sim-internal.h"

static void ensure_claims(struct sim *s, const json_t *sts, const char *ns, const char *pod)
{
	struct resource *r = sim_res(s, "", "persistentvolumeclaims");
	size_t i;
	json_t *t;
	json_array_foreach(doc_get(sts, "spec.volumeClaimTemplates"), i, t) {
		char name[600];
		snprintf(name, sizeof(name), "%s-%s", doc_get_str(t, "metadata.name") ?: "data", pod);
		json_t *pvc = json_pack("{s:s, s:s, s:{s:s, s:s, s:o}, s:o}",
					"apiVersion", "v1", "kind", "PersistentVolumeClaim", "metadata",
					"name", name, "namespace", ns, "labels",
					sim_or_empty(doc_get(sts, "spec.selector.matchLabels")),
					"spec", sim_or_empty(doc_get(t, "spec")));
		json_t *out = NULL;
		objects_create(s->o, r, ns, pvc, NULL, &out, NULL);
		json_decref(out);
		json_decref(pvc);
	}
	resource_unref(r);
}

/* A copy of the StatefulSet whose pod template mounts pod's claims. */
static json_t *with_claims(const json_t *sts, const char *pod)
{
	json_t *copy = json_deep_copy(sts);
	json_t *spec = doc_get(copy, "spec.template.spec");
	if (!json_is_object(spec) || !json_array_size(doc_get(sts, "spec.volumeClaimTemplates")))
		return copy;
	json_t *vols = json_object_get(spec, "volumes");
	if (!json_is_array(vols)) {
		vols = json_array();
		json_object_set_new(spec, "volumes", vols);
	}
	size_t i, k;
	json_t *t, *v;
	json_array_foreach(doc_get(sts, "spec.volumeClaimTemplates"), i, t) {
		const char *tn = doc_get_str(t, "metadata.name") ?: "data";
		char claim[600];
		snprintf(claim, sizeof(claim), "%s-%s", tn, pod);
		for (k = 0; k < json_array_size(vols); k++) {
			v = json_array_get(vols, k);
			if (!strcmp(doc_get_str(v, "name") ?: "", tn)) {
				json_array_remove(vols, k);
				break;
			}
		}
		json_array_append_new(vols, json_pack("{s:s, s:{s:s}}", "name", tn,
						      "persistentVolumeClaim", "claimName", claim));
	}
	return copy;
}

void sim_reconcile_sts(struct sim *s, const char *ns, const char *name, const char *key)
{
	struct resource *r = sim_res(s, "apps", "statefulsets");
	json_t *sts = NULL, *pods = NULL;
	if (objects_get(s->o, r, ns, name, &sts, NULL) < 0 ||
	    doc_get(sts, "metadata.deletionTimestamp"))
		goto out;
	char hash[16], rev[300];
	sim_revision_sync(s, sts, "StatefulSet", rev, sizeof(rev), hash, sizeof(hash));
	json_int_t want = doc_get_int(sts, "spec.replicas", 1);
	int parallel = !strcmp(doc_get_str(sts, "spec.podManagementPolicy") ?: "", "Parallel");
	pods = sim_list_owned(s, "", "pods", ns, doc_get_str(sts, "metadata.uid"));
	json_int_t ready = 0, updated = 0, count = 0;
	int blocked = 0;
	for (json_int_t i = 0; i < want; i++) {
		char pname[300];
		snprintf(pname, sizeof(pname), "%s-%lld", name, (long long)i);
		json_t *pod = NULL, *p;
		size_t k;
		json_array_foreach(pods, k, p)
			if (!strcmp(doc_get_str(p, "metadata.name") ?: "", pname))
				pod = p;
		if (!pod) {
			if (blocked)
				break;
			ensure_claims(s, sts, ns, pname);
			char idx[32];
			snprintf(idx, sizeof(idx), "%lld", (long long)i);
			json_t *labels = json_pack("{s:s, s:s, s:s}", "statefulset.kubernetes.io/pod-name",
						   pname, "controller-revision-hash", rev,
						   "apps.kubernetes.io/pod-index", idx);
			json_t *owner = with_claims(sts, pname);
			sim_create_pod(s, owner, "StatefulSet", ns, pname, NULL, labels, NULL);
			json_decref(owner);
			json_decref(labels);
			count++;
			if (!parallel)
				blocked = 1;
			continue;
		}
		count++;
		int r_ok = disruption_pod_ready(pod);
		ready += r_ok;
		const char *h = doc_get_str(pod, "metadata.labels[\"controller-revision-hash\"]");
		if (h && !strcmp(h, rev))
			updated++;
		if (!r_ok && !parallel)
			blocked = 1;
	}
	/* scale down from the highest ordinal; roll outdated pods from the top */
	size_t k;
	json_t *p;
	json_array_foreach(pods, k, p) {
		const char *pn = doc_get_str(p, "metadata.name") ?: "";
		const char *dash = strrchr(pn, '-');
		long long ord = dash ? atoll(dash + 1) : 0;
		if (ord >= want && !doc_get(p, "metadata.deletionTimestamp"))
			sim_delete_pod(s, ns, pn);
	}
	json_int_t partition = doc_get_int(sts, "spec.updateStrategy.rollingUpdate.partition", 0);
	int rolling = strcmp(doc_get_str(sts, "spec.updateStrategy.type") ?: "RollingUpdate", "OnDelete");
	if (rolling && !blocked && ready == want) {
		for (json_int_t i = want - 1; i >= partition; i--) {
			char pname[300];
			snprintf(pname, sizeof(pname), "%s-%lld", name, (long long)i);
			json_array_foreach(pods, k, p) {
				const char *h = doc_get_str(p, "metadata.labels[\"controller-revision-hash\"]");
				if (!strcmp(doc_get_str(p, "metadata.name") ?: "", pname) && h &&
				    strcmp(h, rev)) {
					sim_delete_pod(s, ns, pname);
					i = -1;
					break;
				}
			}
		}
	}
	const char *current = doc_get_str(sts, "status.currentRevision");
	json_t *status = json_pack("{s:I, s:I, s:I, s:I, s:I, s:s, s:s, s:i}", "observedGeneration",
				   doc_get_int(sts, "metadata.generation", 1), "replicas", count,
				   "readyReplicas", ready, "currentReplicas",
				   updated == want ? updated : count - updated, "updatedReplicas",
				   updated, "currentRevision",
				   updated == want || !current ? rev : current, "updateRevision", rev,
				   "collisionCount", 0);
	json_object_set_new(status, "availableReplicas", json_integer(ready));
	struct sim_set_status ss = { status };
	objects_mutate(s->o, r, ns, name, OBJ_STATUS, MANAGER, sim_set_status_step, &ss, NULL);
	json_decref(status);
	if (updated < want || ready < want)
		sim_after(s, key, 500);
out:
	json_decref(pods);
	json_decref(sts);
	resource_unref(r);
}
