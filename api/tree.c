/*
 * tree — an app's resource tree, down the ownerReferences (Deployment →
 * ReplicaSet → Pod, CronJob → Job → Pod, StatefulSet → Pod, ...).
 *
 * The controller already holds what the tree needs: its live cache watches
 * every kind the apps use plus the kinds they own, indexed by owner uid,
 * and it assesses health with the same code as status.health. So the API
 * asks it (`GET /v1/applications/{name}/resource-tree` on the controller's
 * port) instead of listing Pods across the cluster on every request, and
 * the tree covers remote destination clusters as well. `bosund all` hands
 * the API its controller's URL; a separate `bosund api` takes
 * `--controller URL[,URL...]`, one URL per shard: a shard that does not own
 * the app answers 404 and the next is asked.
 *
 * The controller nests children under their owner; here the tree is
 * flattened into Argo CD's shape, {"nodes": [...]}, each node naming its
 * owners in parentRefs, once even when two owners lead to it. With no
 * controller configured or none answering, the nodes are the app's own
 * resources from status.resources, without children.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api-internal.h"
#include "doc.h"
#include "log.h"

#define TREE_RESPONSE_MAX ((size_t)64 << 20)

int api_tree_init(struct api *api, struct berr *err)
{
	const char *list = api->cfg.controller_urls;
	if (!list || !*list)
		return 0;
	char *copy = xstrdup(list), *save = NULL;
	int rc = 0;
	for (char *u = strtok_r(copy, ", ", &save); u && rc == 0; u = strtok_r(NULL, ", ", &save)) {
		struct http_client_options ho = { .base_url = u, .connect_timeout_ms = 2000,
						  .timeout_ms = 10000,
						  .max_response_bytes = TREE_RESPONSE_MAX };
		struct http_client *c = NULL;
		if ((rc = http_client_new(&c, &ho, err)) < 0) {
			berr_prefix(err, "controller '%s'", u);
			break;
		}
		api->controllers = xrealloc(api->controllers,
					    (api->ncontrollers + 1) * sizeof(*api->controllers));
		api->controllers[api->ncontrollers++] = c;
	}
	free(copy);
	return rc;
}

void api_tree_free(struct api *api)
{
	for (size_t i = 0; i < api->ncontrollers; i++)
		http_client_free(api->controllers[i]);
	free(api->controllers);
	api->controllers = NULL;
	api->ncontrollers = 0;
}

/* Appends node and, after it, its children, each once. */
static void flatten(json_t *nodes, json_t *seen, const json_t *node, int depth)
{
	if (!json_is_object(node) || depth > 16)
		return;
	const char *uid = api_str(node, "uid");
	if (uid && *uid) {
		if (json_object_get(seen, uid))
			return;
		json_object_set_new(seen, uid, json_true());
	}
	json_t *copy = json_copy((json_t *)node);
	json_object_del(copy, "children");
	json_array_append_new(nodes, copy);
	size_t i;
	json_t *c;
	json_array_foreach(json_object_get(node, "children"), i, c)
		flatten(nodes, seen, c, depth + 1);
}

/* The controller's tree flattened; NULL when none of them has the app. */
static json_t *tree_from_controllers(struct api *api, const char *name)
{
	struct buf path = BUF_INIT;
	buf_addf(&path, "/v1/applications/%s/resource-tree", name);
	json_t *out = NULL;
	for (size_t i = 0; i < api->ncontrollers && !out; i++) {
		struct http_client_request rq = { .method = "GET", .path = path.data };
		struct http_client_response rs = HTTP_CLIENT_RESPONSE_INIT;
		struct berr err = BERR_INIT;
		if (http_client_do(api->controllers[i], &rs, &rq, &err) < 0)
			log_debug("controller unreachable for the resource tree", "app", name,
				  "error", err.msg, NULL);
		else if (rs.status == 200) {
			json_t *doc = json_loadb(rs.body.data, rs.body.len, 0, NULL);
			if (json_is_array(json_object_get(doc, "nodes"))) {
				json_t *nodes = json_array(), *seen = json_object(), *n;
				size_t j;
				json_array_foreach(json_object_get(doc, "nodes"), j, n)
					flatten(nodes, seen, n, 0);
				json_decref(seen);
				out = json_pack("{s:o}", "nodes", nodes);
			}
			json_decref(doc);
		}
		http_client_response_release(&rs);
	}
	buf_release(&path);
	return out;
}

/* The app's own resources as nodes, from what the controller last wrote. */
static json_t *tree_from_status(const json_t *app)
{
	json_t *nodes = json_array(), *r;
	size_t i;
	json_array_foreach(doc_get(app, "status.resources"), i, r) {
		static const char *const keys[] = { "group", "version", "kind", "namespace",
						    "name" };
		json_t *n = json_object();
		for (size_t k = 0; k < sizeof(keys) / sizeof(*keys); k++)
			json_object_set_new(n, keys[k], json_string(api_str(r, keys[k])
								     ? api_str(r, keys[k]) : ""));
		if (json_is_object(json_object_get(r, "health")))
			json_object_set(n, "health", json_object_get(r, "health"));
		json_array_append_new(nodes, n);
	}
	return json_pack("{s:o}", "nodes", nodes);
}

json_t *api_resource_tree(struct api *api, const json_t *app)
{
	const char *name = doc_get_str(app, "metadata.name");
	json_t *tree = name && api->ncontrollers ? tree_from_controllers(api, name) : NULL;
	return tree ? tree : tree_from_status(app);
}
