/*
 * sim-replicasets.c — the ReplicaSet controller: creates pods from the
 * template up to spec.replicas, deletes the surplus (not-ready ones first,
 * then the newest) and reports replicas, ready and available counts.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "doc.h"
#include "log.h"
#include "sim-internal.h"

struct rs_status {
	json_int_t replicas, ready, observed;
};

static int rs_status_step(json_t *rs, void *p)
{
	struct rs_status *v = p;
	json_t *status = json_pack("{s:I, s:I, s:I, s:I, s:I}", "replicas", v->replicas,
				   "fullyLabeledReplicas", v->replicas, "readyReplicas", v->ready,
				   "availableReplicas", v->ready, "observedGeneration", v->observed);
	if (v->ready == 0) {
		json_object_del(status, "readyReplicas");
		json_object_del(status, "availableReplicas");
	}
	if (json_equal(doc_get(rs, "status"), status)) {
		json_decref(status);
		return 0;
	}
	json_object_set_new(rs, "status", status);
	return 1;
}

void sim_reconcile_rs(struct sim *s, const json_t *rs)
{
	if (!rs || doc_get(rs, "metadata.deletionTimestamp"))
		return;
	const char *ns = doc_get_str(rs, "metadata.namespace") ?: "";
	const char *name = doc_get_str(rs, "metadata.name") ?: "";
	struct resource *r = sim_res(s, "apps", "replicasets"), *pr = sim_res(s, "", "pods");
	json_int_t want = doc_get_int(rs, "spec.replicas", 1);
	/* the common pass, a pod of it changed: count from the index */
	json_int_t all, live_n, ready_n;
	char *prefix = objects_prefix(pr, ns);
	sim_owned_count(s, doc_get_str(rs, "metadata.uid") ?: "", prefix, &all, &live_n, &ready_n);
	free(prefix);
	if (live_n == want) {
		struct rs_status v = { all, ready_n, doc_get_int(rs, "metadata.generation", 1) };
		objects_mutate_from(s->o, r, ns, name, rs, OBJ_STATUS, MANAGER, rs_status_step, &v,
				    NULL, NULL);
		resource_unref(r);
		resource_unref(pr);
		return;
	}
	json_t *pods = sim_list_owned(s, "", "pods", ns, doc_get_str(rs, "metadata.uid"));
	json_t *live = json_array();
	size_t i;
	json_t *pod;
	json_array_foreach(pods, i, pod)
		if (!doc_get(pod, "metadata.deletionTimestamp"))
			json_array_append(live, pod);
	json_int_t have = (json_int_t)json_array_size(live);
	int changed = have != want;
	for (; have < want; have++) {
		json_t *tmpl = doc_get(rs, "spec.template");
		json_t *np = json_pack("{s:s, s:s, s:{s:s, s:s, s:o, s:o}, s:O}", "apiVersion", "v1",
				       "kind", "Pod", "metadata", "generateName", "", "namespace", ns,
				       "labels", sim_or_empty(doc_get(tmpl, "metadata.labels")),
				       "ownerReferences", sim_owner_ref(rs, "apps/v1", "ReplicaSet"),
				       "spec", doc_get(tmpl, "spec"));
		struct buf gn = BUF_INIT;
		buf_addf(&gn, "%s-", name);
		doc_set_new(np, "metadata.generateName", json_string(gn.data), NULL);
		buf_release(&gn);
		json_t *ann = doc_get(tmpl, "metadata.annotations");
		if (ann)
			doc_set(np, "metadata.annotations", ann, NULL);
		json_t *out = NULL;
		struct kstatus st = KSTATUS_INIT;
		struct obj_write_opts wo = { .field_manager = "kube-controller-manager" };
		if (objects_create(s->o, pr, ns, np, &wo, &out, &st) < 0) {
			log_warn("cannot create pod", "replicaset", name, "error", st.message, NULL);
			sim_emit(s, rs, "Warning", "FailedCreate", "replicaset-controller",
			     "Error creating: %s", st.message);
		} else {
			sim_track(s, pr, out);
			sim_emit(s, rs, "Normal", "SuccessfulCreate", "replicaset-controller",
			     "Created pod: %s", doc_get_str(out, "metadata.name"));
		}
		kstatus_release(&st);
		json_decref(out);
		json_decref(np);
	}
	/* scale down: not-ready pods first, then the newest */
	for (int pass = 0; pass < 2 && have > want; pass++) {
		for (size_t k = json_array_size(live); k-- > 0 && have > want;) {
			json_t *p = json_array_get(live, k);
			if (pass == 0 && disruption_pod_ready(p))
				continue;
			if (doc_get(p, "metadata.deletionTimestamp"))
				continue;
			json_t *out = NULL;
			int deleted;
			if (objects_delete(s->o, pr, ns, doc_get_str(p, "metadata.name"), NULL, &out,
					   &deleted, NULL) == 0)
				sim_emit(s, rs, "Normal", "SuccessfulDelete", "replicaset-controller",
				     "Deleted pod: %s", doc_get_str(p, "metadata.name"));
			json_decref(out);
			json_object_set_new(json_object_get(p, "metadata"), "deletionTimestamp",
					    json_string("now"));
			have--;
		}
	}
	json_int_t ready = 0;
	json_t *after_pods = changed ? sim_list_owned(s, "", "pods", ns, doc_get_str(rs, "metadata.uid"))
				     : json_incref(pods);
	json_int_t count = 0;
	json_array_foreach(after_pods, i, pod) {
		count++;
		ready += disruption_pod_ready(pod);
	}
	struct rs_status v = { count, ready, doc_get_int(rs, "metadata.generation", 1) };
	objects_mutate_from(s->o, r, ns, name, rs, OBJ_STATUS, MANAGER, rs_status_step, &v, NULL,
			    NULL);
	json_decref(after_pods);
	json_decref(live);
	json_decref(pods);
	resource_unref(r);
	resource_unref(pr);
}
