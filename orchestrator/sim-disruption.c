/*
 * sim-disruption.c — the disruption controller: keeps the status of each
 * PodDisruptionBudget (expected, healthy and desired pods, disruptions
 * allowed, the DisruptionAllowed condition) current with its pods, for
 * `kubectl get pdb` and `describe`. The numbers come from disruption.c, as
 * the eviction subresource's do. One reconcile covers a namespace, as for
 * Endpoints: a pod's event wakes the budgets of its namespace.
 */
#include <string.h>

#include "disruption.h"
#include "doc.h"
#include "sim-internal.h"
#include "timefmt.h"

void sim_reconcile_disruption(struct sim *s, const char *ns)
{
	struct resource *r = sim_res(s, "policy", "poddisruptionbudgets");
	json_t *pdbs = sim_list_owned(s, "policy", "poddisruptionbudgets", ns, NULL);
	char now[TIMEFMT_SIZE];
	timefmt_now(now);
	size_t i;
	json_t *pdb;
	json_array_foreach(pdbs, i, pdb) {
		if (doc_get(pdb, "metadata.deletionTimestamp"))
			continue;
		struct budget b;
		disruption_count(s->o, pdb, &b);
		json_int_t gen = doc_get_int(pdb, "metadata.generation", 1);
		json_t *status = json_pack(
			"{s:I, s:I, s:I, s:I, s:I, s:[{s:s, s:s, s:s, s:s, s:s, s:I}]}",
			"observedGeneration", gen, "disruptionsAllowed", b.allowed, "currentHealthy",
			b.healthy, "desiredHealthy", b.desired, "expectedPods", b.expected,
			"conditions", "type", "DisruptionAllowed", "status",
			b.allowed > 0 ? "True" : "False", "reason",
			b.allowed > 0 ? "SufficientPods" : "InsufficientPods", "message", "",
			"lastTransitionTime", now, "observedGeneration", gen);
		sim_keep_transitions(status, doc_get(pdb, "status"));
		struct sim_set_status ss = { status };
		objects_mutate_from(s->o, r, ns, doc_get_str(pdb, "metadata.name") ?: "", pdb,
				    OBJ_STATUS, "disruption-controller", sim_set_status_step, &ss,
				    NULL, NULL);
		json_decref(status);
	}
	json_decref(pdbs);
	resource_unref(r);
}
