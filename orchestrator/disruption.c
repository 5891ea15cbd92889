/*
 * disruption.c — PodDisruptionBudget arithmetic (see disruption.h).
 */
#include "disruption.h"

#include <string.h>

#include "doc.h"
#include "intstr.h"
#include "registry.h"
#include "selector.h"

int disruption_pod_healthy(const json_t *pod)
{
	return !doc_get(pod, "metadata.deletionTimestamp") && disruption_pod_ready(pod);
}

int disruption_pod_ready(const json_t *pod)
{
	size_t i;
	json_t *c;
	json_array_foreach(doc_get(pod, "status.conditions"), i, c)
		if (!strcmp(doc_get_str(c, "type") ?: "", "Ready"))
			return !strcmp(doc_get_str(c, "status") ?: "", "True");
	return 0;
}

static int count_pod(json_t *pod, void *p)
{
	struct budget *b = p;
	if (doc_get(pod, "metadata.deletionTimestamp"))
		return 0;
	const char *phase = doc_get_str(pod, "status.phase") ?: "";
	if (!strcmp(phase, "Succeeded") || !strcmp(phase, "Failed"))
		return 0;
	b->expected++;
	b->healthy += disruption_pod_healthy(pod);
	return 0;
}

void disruption_count(struct objects *o, const json_t *pdb, struct budget *b)
{
	memset(b, 0, sizeof(*b));
	struct selector *sel = NULL;
	struct resource *pr = registry_find(objects_registry(o), "", "v1", "pods");
	if (pr && selector_from_label_selector(&sel, doc_get(pdb, "spec.selector"), NULL) == 0)
		objects_list_selected(o, pr, doc_get_str(pdb, "metadata.namespace"), NULL, sel,
				      count_pod, b, NULL, NULL);
	selector_free(sel);
	resource_unref(pr);
	const json_t *min = doc_get(pdb, "spec.minAvailable");
	const json_t *max = doc_get(pdb, "spec.maxUnavailable");
	if (max)
		b->desired = b->expected - intstr_scaled(max, b->expected, 1, 0);
	else
		b->desired = intstr_scaled(min, b->expected, 1, 0);
	if (b->desired < 0)
		b->desired = 0;
	b->allowed = b->healthy > b->desired ? b->healthy - b->desired : 0;
}

struct selecting {
	const json_t *labels;
	json_t *out;
};

static int collect_selecting(json_t *pdb, void *p)
{
	struct selecting *s = p;
	struct selector *sel = NULL;
	if (selector_from_label_selector(&sel, doc_get(pdb, "spec.selector"), NULL) == 0 &&
	    selector_matches(sel, s->labels))
		json_array_append(s->out, pdb);
	selector_free(sel);
	return 0;
}

json_t *disruption_budgets_of(struct objects *o, const json_t *pod)
{
	json_t *labels = doc_get(pod, "metadata.labels");
	json_t *empty = labels ? NULL : json_object();
	struct selecting s = { labels ? labels : empty, json_array() };
	struct resource *r = registry_find(objects_registry(o), "policy", "v1",
					   "poddisruptionbudgets");
	if (r)
		objects_list(o, r, doc_get_str(pod, "metadata.namespace"), collect_selecting, &s,
			     NULL, NULL);
	resource_unref(r);
	json_decref(empty);
	return s.out;
}
