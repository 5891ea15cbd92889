/*
 * serve — what the controller answers over HTTP besides health and
 * metrics: the views of an app that only the holder of the live cache can
 * give cheaply, for the API server to pass on.
 *
 *   GET /v1/applications/{name}/managed-resources
 *       each resource's normalised live and predicted state and a unified
 *       YAML diff (Secret values masked), as Argo CD's managed-resources
 *   GET /v1/applications/{name}/resource-tree
 *       the app's objects and what they own, down the ownerReference tree
 *       (Deployment → ReplicaSet → Pod, CronJob → Job → Pod), each node in
 *       Argo CD's ResourceNode shape (parentRefs, health, info, images,
 *       resourceVersion, createdAt) with its `children` nested under it; the
 *       API server flattens it into Argo CD's list of nodes
 *   POST /v1/refresh[?wait=true]
 *       queues every app of this controller for a refresh as the periodic
 *       resync would; with wait, answers once the queue has drained:
 *       {apps, seconds, statusWrites, comparesSkipped} (what
 *       bench/reconcile times)
 *
 * The views read the cache; none lists the cluster.
 */
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "ctrl.h"
#include "doc.h"
#include "health.h"
#include "queue.h"

#define TREE_MAX_DEPTH 6
#define TREE_MAX_NODES 10000
#define REFRESH_WAIT_MAX_S 600

static json_t *app_or_404(struct controller *c, struct http_request *req,
			  struct http_response *resp)
{
	const char *name = http_request_param(req, "name");
	json_t *app = name ? appstate_get(c, name) : NULL;
	if (!app)
		http_response_error(resp, 404, "application '%s' not found", name ? name : "");
	return app;
}

static void handle_managed(struct http_request *req, struct http_response *resp, void *arg)
{
	struct controller *c = arg;
	struct berr err = BERR_INIT;
	json_t *app = app_or_404(c, req, resp), *out = NULL;
	if (!app)
		return;
	if (compare_managed_resources(c, app, &out, &err) < 0)
		http_response_berr(resp, &err);
	else
		http_response_json(resp, 200, out);
	json_decref(out);
	json_decref(app);
}

/* {group, kind} of an apiVersion and kind, as Argo CD's refs carry them. */
static void set_group_version(json_t *n, const char *av, int with_version)
{
	const char *slash = av ? strchr(av, '/') : NULL;
	json_object_set_new(n, "group", slash ? json_stringn(av, slash - av) : json_string(""));
	if (with_version)
		json_object_set_new(n, "version", json_string(slash ? slash + 1 : (av ? av : "")));
}

static void add_info(json_t *info, const char *name, const char *value)
{
	json_array_append_new(info, json_pack("{s:s, s:s}", "name", name, "value", value));
}

/* What Argo CD shows under a Pod: why it is in its state, where it runs,
 * ready containers and restarts, and the images it runs. */
static void pod_details(json_t *n, const json_t *pod)
{
	json_t *info = json_array(), *images = json_array(), *c;
	size_t i, total = 0, ready = 0;
	json_int_t restarts = 0;
	const char *reason = doc_get_str(pod, "status.reason");
	if (!reason)
		reason = doc_get_str(pod, "status.phase");
	json_array_foreach(doc_get(pod, "status.containerStatuses"), i, c) {
		total++;
		ready += doc_get_bool(c, "ready", 0) != 0;
		restarts += doc_get_int(c, "restartCount", 0);
		const char *waiting = doc_get_str(c, "state.waiting.reason");
		const char *term = doc_get_str(c, "state.terminated.reason");
		if (waiting || term)
			reason = waiting ? waiting : term;
	}
	if (!total)
		total = json_array_size(doc_get(pod, "spec.containers"));
	if (reason)
		add_info(info, "Status Reason", reason);
	if (doc_get_str(pod, "spec.nodeName"))
		add_info(info, "Node", doc_get_str(pod, "spec.nodeName"));
	char text[64];
	snprintf(text, sizeof(text), "%zu/%zu", ready, total);
	add_info(info, "Containers", text);
	if (restarts) {
		snprintf(text, sizeof(text), "%lld", (long long)restarts);
		add_info(info, "Restart Count", text);
	}
	json_array_foreach(doc_get(pod, "spec.containers"), i, c)
		if (doc_get_str(c, "image"))
			json_array_append_new(images, json_string(doc_get_str(c, "image")));
	json_object_set_new(n, "info", info);
	json_object_set_new(n, "images", images);
}

/* One node of the tree in Argo CD's ResourceNode shape: identity, the
 * owners it names, health, and the details the UI shows under it. */
static json_t *node_of(const json_t *obj)
{
	const char *kind = doc_get_str(obj, "kind") ?: "";
	const char *ns = doc_get_str(obj, "metadata.namespace");
	json_t *n = json_pack("{s:s, s:s, s:s}", "kind", kind,
			      "name", doc_get_str(obj, "metadata.name") ?: "",
			      "uid", doc_get_str(obj, "metadata.uid") ?: "");
	set_group_version(n, doc_get_str(obj, "apiVersion"), 1);
	if (ns)
		json_object_set_new(n, "namespace", json_string(ns));
	if (doc_get_str(obj, "metadata.resourceVersion"))
		json_object_set_new(n, "resourceVersion",
				    json_string(doc_get_str(obj, "metadata.resourceVersion")));
	if (doc_get_str(obj, "metadata.creationTimestamp"))
		json_object_set_new(n, "createdAt",
				    json_string(doc_get_str(obj, "metadata.creationTimestamp")));
	json_t *refs = json_array(), *o;
	size_t i;
	json_array_foreach(doc_get(obj, "metadata.ownerReferences"), i, o) {
		json_t *r = json_pack("{s:s, s:s, s:s}", "kind", doc_get_str(o, "kind") ?: "",
				      "name", doc_get_str(o, "name") ?: "",
				      "uid", doc_get_str(o, "uid") ?: "");
		set_group_version(r, doc_get_str(o, "apiVersion"), 0);
		if (ns)
			json_object_set_new(r, "namespace", json_string(ns));
		json_array_append_new(refs, r);
	}
	if (json_array_size(refs))
		json_object_set_new(n, "parentRefs", refs);
	else
		json_decref(refs);
	if (!strcmp(kind, "Pod"))
		pod_details(n, obj);
	const char *rev = json_string_value(doc_getv(obj, "metadata", "annotations",
						     "deployment.kubernetes.io/revision", NULL));
	if (rev) {
		char text[64];
		snprintf(text, sizeof(text), "Rev:%s", rev);
		json_t *info = json_array();
		add_info(info, "Revision", text);
		json_object_set_new(n, "info", info);
	}
	struct health h = HEALTH_INIT;
	if (health_assess(&h, obj, NULL) == 0 && h.status != HEALTH_NONE) {
		json_t *hj = json_pack("{s:s}", "status", health_status_name(h.status));
		if (h.message.len)
			json_object_set_new(hj, "message", json_string(h.message.data));
		json_object_set_new(n, "health", hj);
	}
	health_release(&h);
	return n;
}

static void add_children(struct livecache *lc, json_t *node, const char *uid, int depth,
			 size_t *count)
{
	if (!uid || !*uid || depth >= TREE_MAX_DEPTH)
		return;
	json_t *kids = livecache_children(lc, uid), *k, *arr = json_array();
	size_t i;
	json_array_foreach(kids, i, k) {
		if (++*count > TREE_MAX_NODES)
			break;
		json_t *n = node_of(k);
		add_children(lc, n, doc_get_str(k, "metadata.uid"), depth + 1, count);
		json_array_append_new(arr, n);
	}
	if (json_array_size(arr))
		json_object_set_new(node, "children", arr);
	else
		json_decref(arr);
	json_decref(kids);
}

static void handle_tree(struct http_request *req, struct http_response *resp, void *arg)
{
	struct controller *c = arg;
	struct berr err = BERR_INIT;
	struct dest *dest = NULL;
	json_t *app = app_or_404(c, req, resp);
	if (!app)
		return;
	if (dest_for_app(c, app, &dest, &err) < 0) {
		http_response_berr(resp, &err);
		json_decref(app);
		return;
	}
	json_t *objs = livecache_app_objects(dest->live, doc_get_str(app, "metadata.name")), *o;
	json_t *nodes = json_array();
	size_t i, count = 0;
	json_array_foreach(objs, i, o) {
		if (json_array_size(doc_get(o, "metadata.ownerReferences")))
			continue;
		json_t *n = node_of(o);
		add_children(dest->live, n, doc_get_str(o, "metadata.uid"), 0, &count);
		json_array_append_new(nodes, n);
	}
	json_t *out = json_pack("{s:o}", "nodes", nodes);
	http_response_json(resp, 200, out);
	json_decref(out);
	json_decref(objs);
	json_decref(app);
}

static void handle_refresh(struct http_request *req, struct http_response *resp, void *arg)
{
	struct controller *c = arg;
	const char *wait = http_request_query(req, "wait");
	int waiting = wait && (!*wait || !strcmp(wait, "true") || !strcmp(wait, "1"));
	unsigned long done0 = c->m.hist_count, writes0 = c->m.status_writes;
	unsigned long skipped0 = c->m.compares_skipped;
	double t0 = clock_s();
	size_t n = appstate_refresh_all(c);
	/* every app queued has been reconciled once the count went up by n
	 * and nothing waits; other work only makes the count reach it sooner */
	while (waiting && !c->stopping && clock_s() - t0 < REFRESH_WAIT_MAX_S
	       && (c->m.hist_count - done0 < n || queue_len(c->refresh_q)))
		usleep(2000);
	json_t *out = json_pack("{s:I, s:f, s:I, s:I}", "apps", (json_int_t)n,
				"seconds", waiting ? clock_s() - t0 : 0.0, "statusWrites",
				(json_int_t)(c->m.status_writes - writes0), "comparesSkipped",
				(json_int_t)(c->m.compares_skipped - skipped0));
	http_response_json(resp, 200, out);
	json_decref(out);
}

int serve_routes(struct controller *c, struct http_server *srv, struct berr *err)
{
	int rc;
	if ((rc = http_server_route(srv, "GET", "/v1/applications/{name}/managed-resources",
				    handle_managed, c, err)) < 0
	    || (rc = http_server_route(srv, "GET", "/v1/applications/{name}/resource-tree",
				       handle_tree, c, err)) < 0
	    || (rc = http_server_route(srv, "POST", "/v1/refresh", handle_refresh, c, err)) < 0)
		return rc;
	return 0;
}
