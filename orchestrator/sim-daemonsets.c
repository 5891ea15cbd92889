/*
 * sim-daemonsets.c — the DaemonSet controller: one pod per node, bound
 * directly, replaced one at a time when the template changes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "doc.h"
#include "sim-internal.h"

void sim_reconcile_ds(struct sim *s, const char *ns, const char *name, const char *key)
{
	struct resource *r = sim_res(s, "apps", "daemonsets");
	json_t *ds = NULL, *pods = NULL;
	if (objects_get(s->o, r, ns, name, &ds, NULL) < 0 ||
	    doc_get(ds, "metadata.deletionTimestamp"))
		goto out;
	char hash[16], gen[300];
	sim_template_hash(hash, sizeof(hash), doc_get(ds, "spec.template"));
	snprintf(gen, sizeof(gen), "%s-", name);
	pods = sim_list_owned(s, "", "pods", ns, doc_get_str(ds, "metadata.uid"));
	json_int_t scheduled = 0, ready = 0, updated = 0;
	int rolled = 0;
	for (int n = 1; n <= s->opts.nodes; n++) {
		char node[64];
		snprintf(node, sizeof(node), "bosun-node-%d", n);
		json_t *pod = NULL, *p;
		size_t k;
		json_array_foreach(pods, k, p)
			if (!strcmp(doc_get_str(p, "spec.nodeName") ?: "", node) &&
			    !doc_get(p, "metadata.deletionTimestamp"))
				pod = p;
		if (!pod) {
			json_t *labels = json_pack("{s:s, s:s}", "controller-revision-hash", hash,
						   "pod-template-generation", "1");
			sim_create_pod(s, ds, "DaemonSet", ns, NULL, gen, labels, node);
			json_decref(labels);
			scheduled++;
			continue;
		}
		scheduled++;
		ready += sim_pod_ready(pod);
		const char *h = doc_get_str(pod, "metadata.labels[\"controller-revision-hash\"]");
		if (h && !strcmp(h, hash)) {
			updated++;
		} else if (!rolled) {
			/* maxUnavailable 1: one outdated pod at a time */
			sim_delete_pod(s, ns, doc_get_str(pod, "metadata.name"));
			rolled = 1;
		}
	}
	json_t *status = json_pack("{s:I, s:i, s:I, s:i, s:I, s:I, s:I, s:I}", "observedGeneration",
				   doc_get_int(ds, "metadata.generation", 1),
				   "desiredNumberScheduled", s->opts.nodes, "currentNumberScheduled",
				   scheduled, "numberMisscheduled", 0, "numberReady", ready,
				   "updatedNumberScheduled", updated, "numberAvailable", ready,
				   "numberUnavailable", (json_int_t)s->opts.nodes - ready);
	struct sim_set_status ss = { status };
	objects_mutate(s->o, r, ns, name, OBJ_STATUS, MANAGER, sim_set_status_step, &ss, NULL);
	json_decref(status);
	if (updated < s->opts.nodes || ready < s->opts.nodes)
		sim_after(s, key, 500);
out:
	json_decref(pods);
	json_decref(ds);
	resource_unref(r);
}
