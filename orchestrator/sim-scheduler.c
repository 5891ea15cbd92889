/*
 * sim-scheduler.c — the scheduler of the simulation, after kube-scheduler's
 * default profile: for each unbound pod it runs the filters in the real
 * order (cordon, taints and tolerations, nodeSelector and required node
 * affinity, resource fit by requests against allocatable cpu, memory and
 * pods) and binds the pod to the feasible node with the fewest pods. A pod
 * nothing can take stays Pending with PodScheduled False / Unschedulable
 * and a FailedScheduling Event worded as kube-scheduler words it,
 * preemption part included (priorities are not simulated, so preemption
 * never helps).
 *
 * What each node has given away is kept in memory: every pod event updates
 * an index of pod key → node and requests, so a decision costs one pass
 * over the nodes, not over the pods. The Nodes are cached from events too.
 * Pods left Pending are remembered and tried again when a node changes, a
 * pod leaves a node, or a claim changes. A NoExecute taint evicts the pods
 * on the node that do not tolerate it, as the taint-eviction controller
 * does.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "doc.h"
#include "sim-internal.h"
#include "timefmt.h"

#define SCHED_BUCKETS 4096

struct podu {
	char *key;
	char *node;                     /* NULL: holds nothing anywhere */
	long long cpu, mem;             /* milli-units */
	struct podu *next;
};

struct nodeu {
	char *name;
	json_t *obj;                    /* NULL until the Node is seen */
	long long cpu, mem, pods;       /* what bound pods request */
	long long max_cpu, max_mem, max_pods;   /* allocatable */
};

struct sched {
	struct podu *pods[SCHED_BUCKETS];
	struct nodeu *nodes;
	size_t nnodes, capnodes;
	char **pending;
	size_t npending, cappending;
	unsigned next;
};

/* A resource quantity ("500m", "2", "1.5Gi", "1e3") in milli-units; 0 when
 * absent or malformed. */
long long sim_quantity_milli(const json_t *q)
{
	if (json_is_integer(q))
		return json_integer_value(q) > LLONG_MAX / 1000 ? LLONG_MAX : json_integer_value(q) * 1000;
	if (json_is_real(q))
		return json_real_value(q) > 0 && json_real_value(q) < 9e15 ? (long long)(json_real_value(q) * 1000) : 0;
	static const struct {
		const char *suffix;
		double mul;
	} suffixes[] = {
		{ "", 1 }, { "m", 1e-3 }, { "k", 1e3 }, { "M", 1e6 }, { "G", 1e9 }, { "T", 1e12 },
		{ "P", 1e15 }, { "E", 1e18 }, { "Ki", 1024.0 }, { "Mi", 1048576.0 },
		{ "Gi", 1073741824.0 }, { "Ti", 1099511627776.0 }, { "Pi", 1125899906842624.0 },
		{ "Ei", 1152921504606846976.0 },
	};
	const char *s = json_string_value(q);
	if (!s || !((*s >= '0' && *s <= '9') || *s == '.' || *s == '+'))
		return 0;
	char *end;
	double v = strtod(s, &end);
	for (size_t i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++)
		if (!strcmp(end, suffixes[i].suffix)) {
			double m = v * suffixes[i].mul * 1000;
			return !(m >= 0) ? 0 : m > 9e18 ? LLONG_MAX : (long long)(m + 0.5);
		}
	return 0;
}

static long long request_of(const json_t *c, const char *res)
{
	const json_t *q = doc_getv(c, "resources", "requests", res, NULL);
	return sim_quantity_milli(q ? q : doc_getv(c, "resources", "limits", res, NULL));
}

/* The pod's requests: its containers' sum, or its largest init container. */
static void pod_requests(const json_t *pod, long long *cpu, long long *mem)
{
	size_t i;
	json_t *c;
	*cpu = *mem = 0;
	json_array_foreach(doc_get(pod, "spec.containers"), i, c) {
		*cpu += request_of(c, "cpu");
		*mem += request_of(c, "memory");
	}
	json_array_foreach(doc_get(pod, "spec.initContainers"), i, c) {
		long long ic = request_of(c, "cpu"), im = request_of(c, "memory");
		*cpu = ic > *cpu ? ic : *cpu;
		*mem = im > *mem ? im : *mem;
	}
}

static struct sched *sched_of(struct sim *s)
{
	if (!s->sched)
		s->sched = xcalloc(1, sizeof(*s->sched));
	return s->sched;
}

static struct nodeu *node_use(struct sched *sc, const char *name, int create)
{
	for (size_t i = 0; i < sc->nnodes; i++)
		if (!strcmp(sc->nodes[i].name, name))
			return &sc->nodes[i];
	if (!create)
		return NULL;
	if (sc->nnodes == sc->capnodes) {
		sc->capnodes = sc->capnodes ? sc->capnodes * 2 : 8;
		sc->nodes = xrealloc(sc->nodes, sc->capnodes * sizeof(*sc->nodes));
	}
	struct nodeu *n = &sc->nodes[sc->nnodes++];
	memset(n, 0, sizeof(*n));
	n->name = xstrdup(name);
	return n;
}

static unsigned bucket(const char *key)
{
	uint32_t h = 2166136261u;
	for (; *key; key++)
		h = (h ^ (unsigned char)*key) * 16777619u;
	return h % SCHED_BUCKETS;
}

/* Moves what pod (NULL: gone) holds to where it is now. */
void sim_sched_track(struct sim *s, const char *key, const json_t *pod)
{
	struct sched *sc = sched_of(s);
	const char *phase = doc_get_str(pod, "status.phase") ?: "";
	const char *node = pod && strcmp(phase, "Succeeded") && strcmp(phase, "Failed")
		? doc_get_str(pod, "spec.nodeName") : NULL;
	long long cpu = 0, mem = 0;
	if (node)
		pod_requests(pod, &cpu, &mem);
	struct podu **pp = &sc->pods[bucket(key)], *p;
	for (p = *pp; p && strcmp(p->key, key); pp = &p->next, p = p->next)
		;
	if (p && p->node && node && !strcmp(p->node, node) && p->cpu == cpu && p->mem == mem)
		return;
	if (!p && !node)
		return;
	if (p && p->node) {
		struct nodeu *n = node_use(sc, p->node, 1);
		n->cpu -= p->cpu;
		n->mem -= p->mem;
		n->pods--;
		sim_sched_retry(s);
	}
	if (!node) {
		*pp = p->next;
		free(p->key);
		free(p->node);
		free(p);
		return;
	}
	if (!p) {
		p = xcalloc(1, sizeof(*p));
		p->key = xstrdup(key);
		p->next = sc->pods[bucket(key)];
		sc->pods[bucket(key)] = p;
	}
	free(p->node);
	p->node = xstrdup(node);
	p->cpu = cpu;
	p->mem = mem;
	struct nodeu *n = node_use(sc, node, 1);
	n->cpu += cpu;
	n->mem += mem;
	n->pods++;
}

/* Keeps the Node (NULL: deleted) and tries pending pods again. */
void sim_sched_node(struct sim *s, const char *name, const json_t *node)
{
	struct nodeu *n = node_use(sched_of(s), name, 1);
	json_decref(n->obj);
	n->obj = node ? json_deep_copy(node) : NULL;
	n->max_cpu = sim_quantity_milli(doc_get(node, "status.allocatable.cpu"));
	n->max_mem = sim_quantity_milli(doc_get(node, "status.allocatable.memory"));
	n->max_pods = sim_quantity_milli(doc_get(node, "status.allocatable.pods")) / 1000;
	sim_sched_retry(s);
}

void sim_sched_retry(struct sim *s)
{
	struct sched *sc = sched_of(s);
	for (size_t i = 0; i < sc->npending; i++) {
		sim_mark(s, sc->pending[i]);
		free(sc->pending[i]);
	}
	sc->npending = 0;
}

static void pending_add(struct sched *sc, const char *key)
{
	for (size_t i = 0; i < sc->npending; i++)
		if (!strcmp(sc->pending[i], key))
			return;
	if (sc->npending == sc->cappending) {
		sc->cappending = sc->cappending ? sc->cappending * 2 : 16;
		sc->pending = xrealloc(sc->pending, sc->cappending * sizeof(*sc->pending));
	}
	sc->pending[sc->npending++] = xstrdup(key);
}

static int load_node(json_t *node, void *p)
{
	sim_sched_node(p, doc_get_str(node, "metadata.name") ?: "", node);
	return 0;
}

static int load_pod(json_t *pod, void *p)
{
	struct buf key = BUF_INIT;
	buf_addf(&key, "/core/pods/%s/%s", doc_get_str(pod, "metadata.namespace") ?: "",
		 doc_get_str(pod, "metadata.name") ?: "");
	sim_sched_track(p, key.data, pod);
	buf_release(&key);
	return 0;
}

static void forget_pods(struct sched *sc)
{
	for (size_t i = 0; i < SCHED_BUCKETS; i++)
		while (sc->pods[i]) {
			struct podu *p = sc->pods[i];
			sc->pods[i] = p->next;
			free(p->key);
			free(p->node);
			free(p);
		}
	for (size_t i = 0; i < sc->nnodes; i++)
		sc->nodes[i].cpu = sc->nodes[i].mem = sc->nodes[i].pods = 0;
}

void sim_sched_load(struct sim *s)
{
	forget_pods(sched_of(s));
	struct resource *nr = sim_res(s, "", "nodes"), *pr = sim_res(s, "", "pods");
	objects_list(s->o, nr, NULL, load_node, s, NULL, NULL);
	objects_list(s->o, pr, NULL, load_pod, s, NULL, NULL);
	resource_unref(pr);
	resource_unref(nr);
}

void sim_sched_free(struct sim *s)
{
	struct sched *sc = s->sched;
	if (!sc)
		return;
	forget_pods(sc);
	for (size_t i = 0; i < sc->nnodes; i++) {
		free(sc->nodes[i].name);
		json_decref(sc->nodes[i].obj);
	}
	free(sc->nodes);
	for (size_t i = 0; i < sc->npending; i++)
		free(sc->pending[i]);
	free(sc->pending);
	free(sc);
}

/* --- filters ---------------------------------------------------------------------- */

static int tolerates(const json_t *pod, const char *key, const char *value, const char *effect)
{
	size_t i;
	json_t *t;
	json_array_foreach(doc_get(pod, "spec.tolerations"), i, t) {
		const char *te = doc_get_str(t, "effect") ?: "", *tk = doc_get_str(t, "key") ?: "";
		const char *op = doc_get_str(t, "operator") ?: "Equal";
		if (*te && strcmp(te, effect))
			continue;
		if (!strcmp(op, "Exists") ? !*tk || !strcmp(tk, key)
		    : !strcmp(tk, key) && !strcmp(doc_get_str(t, "value") ?: "", value))
			return 1;
	}
	return 0;
}

/* The first taint with that effect (NULL: NoSchedule or NoExecute) that the
 * pod does not tolerate, or NULL. */
static const json_t *untolerated(const json_t *node, const json_t *pod, const char *effect)
{
	size_t i;
	json_t *t;
	json_array_foreach(doc_get(node, "spec.taints"), i, t) {
		const char *e = doc_get_str(t, "effect") ?: "";
		if (effect ? strcmp(e, effect) : strcmp(e, "NoSchedule") && strcmp(e, "NoExecute"))
			continue;
		if (!tolerates(pod, doc_get_str(t, "key") ?: "", doc_get_str(t, "value") ?: "", e))
			return t;
	}
	return NULL;
}

static int in_values(const json_t *values, const char *v)
{
	size_t i;
	json_t *x;
	json_array_foreach(values, i, x)
		if (!strcmp(json_string_value(x) ?: "", v))
			return 1;
	return 0;
}

/* One node selector requirement against labels (or fields). */
static int requirement_matches(const json_t *labels, const json_t *req)
{
	const char *op = doc_get_str(req, "operator") ?: "";
	const char *v = json_string_value(json_object_get(labels, doc_get_str(req, "key") ?: ""));
	const json_t *values = json_object_get(req, "values");
	if (!strcmp(op, "In"))
		return v && in_values(values, v);
	if (!strcmp(op, "NotIn"))
		return !v || !in_values(values, v);
	if (!strcmp(op, "Exists"))
		return v != NULL;
	if (!strcmp(op, "DoesNotExist"))
		return v == NULL;
	const char *bound = json_string_value(json_array_get(values, 0));
	if (!v || !bound)
		return 0;
	if (!strcmp(op, "Gt"))
		return atoll(v) > atoll(bound);
	if (!strcmp(op, "Lt"))
		return atoll(v) < atoll(bound);
	return 0;
}

static int term_matches(const json_t *node, const json_t *term)
{
	const json_t *labels = doc_get(node, "metadata.labels");
	json_t *fields = json_pack("{s:s}", "metadata.name", doc_get_str(node, "metadata.name") ?: "");
	const json_t *exprs = json_object_get(term, "matchExpressions");
	const json_t *fexprs = json_object_get(term, "matchFields");
	int ok = json_array_size(exprs) + json_array_size(fexprs) > 0;
	size_t i;
	json_t *r;
	json_array_foreach(exprs, i, r)
		ok &= requirement_matches(labels, r);
	json_array_foreach(fexprs, i, r)
		ok &= requirement_matches(fields, r);
	json_decref(fields);
	return ok;
}

static int affinity_matches(const json_t *node, const json_t *pod)
{
	const json_t *labels = doc_get(node, "metadata.labels");
	const char *k;
	json_t *v;
	json_object_foreach((json_t *)doc_get(pod, "spec.nodeSelector"), k, v) {
		const char *have = json_string_value(json_object_get(labels, k));
		if (!have || strcmp(have, json_string_value(v) ?: ""))
			return 0;
	}
	const json_t *terms = doc_getv(pod, "spec", "affinity", "nodeAffinity",
				       "requiredDuringSchedulingIgnoredDuringExecution",
				       "nodeSelectorTerms", NULL);
	if (!json_array_size(terms))
		return 1;
	size_t i;
	json_t *t;
	json_array_foreach(terms, i, t)
		if (term_matches(node, t))
			return 1;
	return 0;
}

int sim_node_admits(const json_t *node, const json_t *pod, char *why, size_t size)
{
	if (doc_get_bool(node, "spec.unschedulable", 0) &&
	    !tolerates(pod, "node.kubernetes.io/unschedulable", "", "NoSchedule")) {
		snprintf(why, size, "node(s) were unschedulable");
		return 0;
	}
	const json_t *t = untolerated(node, pod, NULL);
	if (t) {
		snprintf(why, size, "node(s) had untolerated taint {%s: %s}",
			 doc_get_str(t, "key") ?: "", doc_get_str(t, "value") ?: "");
		return 0;
	}
	if (!affinity_matches(node, pod)) {
		snprintf(why, size, "node(s) didn't match Pod's node affinity/selector");
		return 0;
	}
	return 1;
}

static void count(json_t *hist, const char *reason)
{
	json_object_set_new(hist, reason, json_integer(json_integer_value(json_object_get(hist, reason)) + 1));
}

/* Resource fit; adds each shortfall to hist. */
static int fits(const struct nodeu *n, long long cpu, long long mem, json_t *hist)
{
	int ok = 1;
	if (n->pods + 1 > n->max_pods) {
		count(hist, "Too many pods");
		ok = 0;
	}
	if (cpu > 0 && cpu > n->max_cpu - n->cpu) {
		count(hist, "Insufficient cpu");
		ok = 0;
	}
	if (mem > 0 && mem > n->max_mem - n->mem) {
		count(hist, "Insufficient memory");
		ok = 0;
	}
	return ok;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* " 1 Insufficient cpu, 2 node(s) had untolerated taint {k: v}." */
static void add_histogram(struct buf *b, const json_t *hist)
{
	size_t n = json_object_size(hist), i = 0;
	char **v = xcalloc(n + 1, sizeof(*v));
	const char *k;
	json_t *c;
	json_object_foreach((json_t *)hist, k, c) {
		struct buf one = BUF_INIT;
		buf_addf(&one, "%lld %s", (long long)json_integer_value(c), k);
		v[i++] = buf_detach(&one, NULL);
	}
	qsort(v, n, sizeof(*v), cmp_str);
	for (i = 0; i < n; i++) {
		buf_addf(b, "%s%s", i ? ", " : " ", v[i]);
		free(v[i]);
	}
	buf_adds(b, ".");
	free(v);
}

/* kube-scheduler's FitError text with the preemption part. */
static void fit_error(struct buf *msg, size_t nodes, const char *prefilter, const json_t *hist,
		      const json_t *pre)
{
	buf_addf(msg, "0/%zu nodes are available:", nodes);
	if (prefilter)
		buf_addf(msg, " %s.", prefilter);
	else
		add_histogram(msg, hist);
	buf_addf(msg, " preemption: 0/%zu nodes are available:", nodes);
	add_histogram(msg, pre);
}

/* --- binding ---------------------------------------------------------------------- */

static int bind_step(json_t *pod, void *p)
{
	if (doc_get_str(pod, "spec.nodeName") || doc_get(pod, "metadata.deletionTimestamp"))
		return 0;
	json_object_set_new(json_object_get(pod, "spec"), "nodeName", json_string(p));
	return 1;
}

struct unsched {
	const char *msg;
	int wrote;
};

static int unschedulable_step(json_t *pod, void *p)
{
	struct unsched *u = p;
	if (doc_get_str(pod, "spec.nodeName"))
		return 0;
	char now[TIMEFMT_SIZE];
	timefmt_now(now);
	json_t *conds = json_pack("[{s:s, s:s, s:s, s:s, s:n, s:s}]", "type", "PodScheduled",
				  "status", "False", "reason", "Unschedulable", "message", u->msg,
				  "lastProbeTime", "lastTransitionTime", now);
	json_t *status = json_pack("{s:s, s:o, s:s}", "phase", "Pending", "conditions", conds,
				   "qosClass", "BestEffort");
	sim_keep_transitions(status, doc_get(pod, "status"));
	if (json_equal(doc_get(pod, "status"), status)) {
		json_decref(status);
		return 0;
	}
	json_object_set_new(pod, "status", status);
	u->wrote = 1;
	return 1;
}

/* Binds the unbound pod, or leaves it Pending saying why. */
json_t *sim_schedule_pod(struct sim *s, const json_t *pod, const char *key)
{
	struct sched *sc = sched_of(s);
	struct resource *r = sim_res(s, "", "pods");
	const char *ns = doc_get_str(pod, "metadata.namespace") ?: "";
	const char *name = doc_get_str(pod, "metadata.name") ?: "";
	json_t *after = NULL, *hist = json_object(), *pre = json_object();
	struct buf msg = BUF_INIT;
	if (doc_get_str(pod, "spec.nodeName") || doc_get(pod, "metadata.deletionTimestamp"))
		goto out;
	long long cpu, mem;
	pod_requests(pod, &cpu, &mem);
	size_t nodes = 0;
	struct nodeu *best = NULL;
	char why[600];
	int claims = sim_claims_bound(s, pod, why, sizeof(why));
	for (size_t i = 0; i < sc->nnodes; i++) {
		struct nodeu *n = &sc->nodes[(i + sc->next) % sc->nnodes];
		if (!n->obj)
			continue;
		nodes++;
		if (!claims) {
			count(pre, "Preemption is not helpful for scheduling");
		} else if (!sim_node_admits(n->obj, pod, why, sizeof(why))) {
			count(hist, why);
			count(pre, "Preemption is not helpful for scheduling");
		} else if (!fits(n, cpu, mem, hist)) {
			count(pre, "No preemption victims found for incoming pod");
		} else if (!best || n->pods < best->pods) {
			best = n;
		}
	}
	sc->next++;
	if (claims && best) {
		char *node = xstrdup(best->name);
		if (objects_mutate_from(s->o, r, ns, name, pod, OBJ_MAIN, MANAGER, bind_step, node,
					&after, NULL) == 0 && after &&
		    !strcmp(doc_get_str(after, "spec.nodeName") ?: "", node)) {
			sim_sched_track(s, key, after);
			sim_emit(s, after, "Normal", "Scheduled", "default-scheduler",
				 "Successfully assigned %s/%s to %s", ns, name, node);
		}
		free(node);
		goto out;
	}
	if (!nodes)
		buf_adds(&msg, "no nodes available to schedule pods");
	else
		fit_error(&msg, nodes, claims ? NULL : why, hist, pre);
	struct unsched u = { msg.data, 0 };
	objects_mutate_from(s->o, r, ns, name, pod, OBJ_STATUS, MANAGER, unschedulable_step, &u,
			    &after, NULL);
	if (u.wrote)
		sim_emit(s, pod, "Warning", "FailedScheduling", "default-scheduler", "%s", msg.data);
	pending_add(sc, key);
out:
	if (!after && objects_get(s->o, r, ns, name, &after, NULL) < 0)
		after = NULL;
	buf_release(&msg);
	json_decref(hist);
	json_decref(pre);
	resource_unref(r);
	return after;
}

/* The taint-eviction controller: pods on the node that do not tolerate
 * one of its NoExecute taints are deleted. */
void sim_reconcile_node(struct sim *s, const char *name)
{
	struct sched *sc = sched_of(s);
	struct nodeu *n = node_use(sc, name, 0);
	if (!n || !n->obj || !doc_get(n->obj, "spec.taints"))
		return;
	json_t *keys = json_array();
	for (size_t i = 0; i < SCHED_BUCKETS; i++)
		for (struct podu *p = sc->pods[i]; p; p = p->next)
			if (p->node && !strcmp(p->node, name))
				json_array_append_new(keys, json_string(p->key));
	struct resource *r = sim_res(s, "", "pods");
	size_t i;
	json_t *k;
	json_array_foreach(keys, i, k) {
		char group[256], resource[256], ns[256], pname[256];
		json_t *pod = NULL;
		if (sim_parse_key(json_string_value(k), group, resource, ns, pname) == 0 &&
		    objects_get(s->o, r, ns, pname, &pod, NULL) == 0 &&
		    !doc_get(pod, "metadata.deletionTimestamp") && untolerated(n->obj, pod, "NoExecute")) {
			sim_emit(s, pod, "Normal", "TaintManagerEviction", "taint-eviction-controller",
				 "Marking for deletion Pod %s/%s", ns, pname);
			sim_delete_pod(s, ns, pname);
		}
		json_decref(pod);
	}
	json_decref(keys);
	resource_unref(r);
}

const char *sim_node_ip(struct sim *s, const char *name)
{
	struct nodeu *n = name ? node_use(sched_of(s), name, 0) : NULL;
	size_t i;
	json_t *a;
	json_array_foreach(doc_get(n ? n->obj : NULL, "status.addresses"), i, a)
		if (!strcmp(doc_get_str(a, "type") ?: "", "InternalIP"))
			return doc_get_str(a, "address") ?: "";
	return "";
}

/* The Nodes the scheduler knows, as a new array (borrowed elements kept
 * alive by the array). */
json_t *sim_nodes(struct sim *s)
{
	struct sched *sc = sched_of(s);
	json_t *out = json_array();
	for (size_t i = 0; i < sc->nnodes; i++)
		if (sc->nodes[i].obj)
			json_array_append(out, sc->nodes[i].obj);
	return out;
}
