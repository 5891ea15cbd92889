/*
 * sim-endpoints.c — the Endpoints controller: for each Service with a
 * selector, one Endpoints object listing the IPs of the pods it selects
 * (ready ones as addresses, the others as notReadyAddresses). Endpoints it
 * made are removed with their Service. One reconcile covers a namespace.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "doc.h"
#include "selector.h"
#include "sim-internal.h"
#include "timefmt.h"

#define EP_MARK "endpoints.kubernetes.io/last-change-trigger-time"

static int selects(const json_t *selector, const json_t *labels)
{
	const char *k;
	json_t *v;
	if (json_object_size(selector) == 0)
		return 0;
	json_object_foreach((json_t *)selector, k, v) {
		const json_t *have = json_object_get(labels, k);
		if (!have || !json_equal(have, v))
			return 0;
	}
	return 1;
}

/* targetPort as a number: an int, or a named container port of the pod. */
static json_int_t target_port(const json_t *port, const json_t *pod)
{
	const json_t *tp = json_object_get(port, "targetPort");
	if (json_is_integer(tp))
		return json_integer_value(tp);
	if (json_is_string(tp)) {
		size_t i, j;
		json_t *c, *cp;
		json_array_foreach(doc_get(pod, "spec.containers"), i, c)
			json_array_foreach(json_object_get(c, "ports"), j, cp)
				if (!strcmp(doc_get_str(cp, "name") ?: "", json_string_value(tp)))
					return doc_get_int(cp, "containerPort", 0);
	}
	return doc_get_int(port, "port", 0);
}

static json_t *endpoints_for(const json_t *svc, const json_t *pods)
{
	json_t *ready = json_array(), *unready = json_array(), *ports = json_array();
	const json_t *first = NULL;
	size_t i;
	json_t *pod;
	json_array_foreach(pods, i, pod) {
		const char *ip = doc_get_str(pod, "status.podIP");
		if (!ip || doc_get(pod, "metadata.deletionTimestamp") ||
		    !selects(doc_get(svc, "spec.selector"), doc_get(pod, "metadata.labels")))
			continue;
		if (!first)
			first = pod;
		json_t *addr = json_pack("{s:s, s:s, s:{s:s, s:s, s:s, s:s}}", "ip", ip, "nodeName",
					 doc_get_str(pod, "spec.nodeName") ?: "", "targetRef", "kind",
					 "Pod", "name", doc_get_str(pod, "metadata.name") ?: "",
					 "namespace", doc_get_str(pod, "metadata.namespace") ?: "",
					 "uid", doc_get_str(pod, "metadata.uid") ?: "");
		json_array_append_new(disruption_pod_ready(pod) ? ready : unready, addr);
	}
	json_t *p;
	json_array_foreach(doc_get(svc, "spec.ports"), i, p) {
		json_t *ep = json_pack("{s:I, s:s}", "port", target_port(p, first),
				       "protocol", doc_get_str(p, "protocol") ?: "TCP");
		if (doc_get_str(p, "name"))
			json_object_set(ep, "name", doc_get(p, "name"));
		json_array_append_new(ports, ep);
	}
	json_t *subsets = json_array();
	if (json_array_size(ready) || json_array_size(unready)) {
		json_t *sub = json_pack("{s:o}", "ports", ports);
		if (json_array_size(ready))
			json_object_set(sub, "addresses", ready);
		if (json_array_size(unready))
			json_object_set(sub, "notReadyAddresses", unready);
		json_array_append_new(subsets, sub);
	} else {
		json_decref(ports);
	}
	json_decref(ready);
	json_decref(unready);
	return subsets;
}

struct set_subsets {
	json_t *subsets;
};

static int set_subsets(json_t *ep, void *p)
{
	struct set_subsets *ss = p;
	json_t *cur = json_object_get(ep, "subsets");
	int want_none = json_array_size(ss->subsets) == 0;
	if (want_none ? json_array_size(cur) == 0 : cur && json_equal(cur, ss->subsets))
		return 0;
	if (json_array_size(ss->subsets))
		json_object_set(ep, "subsets", ss->subsets);
	else
		json_object_del(ep, "subsets");
	return 1;
}

static int collect(json_t *obj, void *p)
{
	json_array_append(p, obj);
	return 0;
}

/* The pods of ns the Service's selector matches: their labels are read from
 * the stored text, so the other pods of a large namespace are not parsed. */
static json_t *selected_pods(struct sim *s, const json_t *svc, const char *ns)
{
	json_t *pods = json_array();
	json_t *ls = json_pack("{s:O}", "matchLabels", doc_get(svc, "spec.selector"));
	struct selector *sel = NULL;
	struct berr err = BERR_INIT;
	struct resource *pr = sim_res(s, "", "pods");
	if (pr && selector_from_label_selector(&sel, ls, &err) == 0)
		objects_list_selected(s->o, pr, ns, NULL, sel, collect, pods, NULL, NULL);
	selector_free(sel);
	resource_unref(pr);
	json_decref(ls);
	return pods;
}

void sim_reconcile_endpoints(struct sim *s, const char *ns)
{
	struct resource *er = sim_res(s, "", "endpoints");
	json_t *svcs = sim_list_owned(s, "", "services", ns, NULL);
	json_t *eps = sim_list_owned(s, "", "endpoints", ns, NULL);
	size_t i;
	json_t *svc, *ep;
	json_array_foreach(svcs, i, svc) {
		if (json_object_size(doc_get(svc, "spec.selector")) == 0)
			continue;
		const char *name = doc_get_str(svc, "metadata.name");
		json_t *pods = selected_pods(s, svc, ns);
		json_t *subsets = endpoints_for(svc, pods);
		json_decref(pods);
		struct set_subsets ss = { subsets };
		json_t *existing = NULL;
		if (objects_get(s->o, er, ns, name, &existing, NULL) == 0) {
			objects_mutate(s->o, er, ns, name, OBJ_MAIN, "endpoint-controller",
				       set_subsets, &ss, NULL);
		} else {
			char now[TIMEFMT_SIZE];
			timefmt_now(now);
			json_t *obj = json_pack("{s:s, s:s, s:{s:s, s:s, s:o, s:{s:s}}}", "apiVersion",
						"v1", "kind", "Endpoints", "metadata", "name", name,
						"namespace", ns, "labels",
						sim_or_empty(doc_get(svc, "metadata.labels")),
						"annotations", EP_MARK, now);
			if (json_array_size(subsets))
				json_object_set(obj, "subsets", subsets);
			json_t *out = NULL;
			objects_create(s->o, er, ns, obj, NULL, &out, NULL);
			json_decref(out);
			json_decref(obj);
		}
		json_decref(existing);
		json_decref(subsets);
	}
	/* Endpoints this controller made whose Service is gone */
	json_array_foreach(eps, i, ep) {
		if (!doc_get(ep, "metadata.annotations[\"" EP_MARK "\"]"))
			continue;
		const char *name = doc_get_str(ep, "metadata.name") ?: "";
		int found = 0;
		size_t k;
		json_array_foreach(svcs, k, svc)
			found |= !strcmp(doc_get_str(svc, "metadata.name") ?: "", name) &&
				 json_object_size(doc_get(svc, "spec.selector")) > 0;
		if (!found) {
			json_t *out = NULL;
			int deleted;
			objects_delete(s->o, er, ns, name, NULL, &out, &deleted, NULL);
			json_decref(out);
		}
	}
	json_decref(svcs);
	json_decref(eps);
	resource_unref(er);
}
