/*
 * api-eviction.c — the pods/eviction subresource, which `kubectl drain`
 * uses: a policy/v1 Eviction deletes the pod (gracefully, with the
 * Eviction's deleteOptions) unless a PodDisruptionBudget selecting it would
 * then have fewer healthy pods than it asks for. Then the answer is 429
 * TooManyRequests with the budget named, and kubectl retries.
 *
 * As the real server does, a pod that is not running yet, has finished or
 * is already terminating is evicted without asking its budget; a pod that
 * is not Ready is evicted when its budget is met (unhealthyPodEvictionPolicy
 * IfHealthyBudget, the default) or always (AlwaysAllow); two budgets on one
 * pod are an error. Evictions run one at a time, so two pods of one budget
 * evicted at once (kubectl drain evicts in parallel) cannot both take its
 * last allowed disruption.
 */
#include <pthread.h>
#include <string.h>

#include "api.h"
#include "disruption.h"
#include "doc.h"

static pthread_mutex_t evicting = PTHREAD_MUTEX_INITIALIZER;

/* 0 when the pod may go; else st says why not. */
static int may_evict(struct api *api, const json_t *pod, struct kstatus *st)
{
	const char *phase = doc_get_str(pod, "status.phase") ?: "Pending";
	if (doc_get(pod, "metadata.deletionTimestamp") || !strcmp(phase, "Pending") ||
	    !strcmp(phase, "Succeeded") || !strcmp(phase, "Failed"))
		return 0;
	json_t *pdbs = disruption_budgets_of(api->objects, pod);
	int rc = 0;
	if (json_array_size(pdbs) > 1) {
		rc = kstatus_set(st, 500, "InternalError", "This pod has more than one "
				 "PodDisruptionBudget, which the eviction subresource does not "
				 "support.");
	} else if (json_array_size(pdbs) == 1) {
		const json_t *pdb = json_array_get(pdbs, 0);
		struct budget b;
		disruption_count(api->objects, pdb, &b);
		const char *policy = doc_get_str(pdb, "spec.unhealthyPodEvictionPolicy") ?: "";
		int ok = disruption_pod_healthy(pod) ? b.allowed > 0
			 : !strcmp(policy, "AlwaysAllow") || b.healthy >= b.desired;
		if (!ok) {
			rc = kstatus_set(st, 429, "TooManyRequests", "Cannot evict pod as it would "
					 "violate the pod's disruption budget.");
			kstatus_cause(st, "DisruptionBudget", "", "The disruption budget %s needs "
				      "%lld healthy pods and has %lld currently",
				      doc_get_str(pdb, "metadata.name") ?: "", (long long)b.desired,
				      (long long)b.healthy);
		}
	}
	json_decref(pdbs);
	return rc;
}

void api_evict(struct api *api, struct api_path *p, struct http_request *req,
	       struct http_response *resp)
{
	struct kstatus st = KSTATUS_INIT;
	json_t *ev = NULL, *pod = NULL, *out = NULL;
	if (api_read_body(req, &ev, &st) < 0)
		goto out;
	const char *name = doc_get_str(ev, "metadata.name");
	if (name && strcmp(name, p->name)) {
		kstatus_bad_request(&st, "name in URL does not match name in Eviction object");
		goto out;
	}
	struct obj_delete_opts o;
	api_delete_options(req, doc_get(ev, "deleteOptions"), &o);
	pthread_mutex_lock(&evicting);
	int deleted;
	if (objects_get(api->objects, p->res, p->ns, p->name, &pod, &st) == 0 &&
	    may_evict(api, pod, &st) == 0 &&
	    objects_delete(api->objects, p->res, p->ns, p->name, &o, &out, &deleted, &st) == 0) {
		json_t *ok = json_pack("{s:s, s:s, s:{}, s:s, s:i}", "kind", "Status", "apiVersion",
				       "v1", "metadata", "status", "Success", "code", 201);
		api_send_json(resp, 201, ok);
		json_decref(ok);
	}
	pthread_mutex_unlock(&evicting);
out:
	if (st.code)
		api_send_status(resp, &st);
	kstatus_release(&st);
	json_decref(out);
	json_decref(pod);
	json_decref(ev);
}
