/*
 * api-openapi.c — the OpenAPI v3 documents kubectl reads before it writes.
 *
 * kubectl's default validation (--validate=strict) fetches /openapi/v3 (an
 * index of group-versions) and the document of the object's group-version,
 * and looks there for the object's PATCH operation (found by its
 * x-kubernetes-group-version-kind) taking a `fieldValidation` query
 * parameter. Finding it, kubectl leaves validation to the server; without
 * any document it refuses to write at all ("failed to download openapi").
 * So each group-version document lists, per resource, the paths with their
 * verbs and that parameter — built from the registry, so CRDs appear at
 * once. It carries no schemas: kubectl then computes strategic merge
 * patches from its own compiled-in types and merge patches for custom
 * resources, as it does with any server. (kubectl computes a patch from a
 * document only when its PATCH operation declares a strategic-merge-patch
 * request body, which these never do.) Custom resources also get their
 * CRD's schema under components.schemas, tagged with their
 * x-kubernetes-group-version-kind, which is what `kubectl explain` reads.
 * The `hash` in each URL changes
 * when the group-version's resources change, which invalidates kubectl's
 * on-disk cache. /openapi/v2 answers 404, which kubectl accepts.
 */
#include "api.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"

static void send_404(struct http_response *resp)
{
	struct kstatus st = KSTATUS_INIT;
	kstatus_set(&st, 404, "NotFound", "the server could not find the requested resource");
	api_send_status(resp, &st);
}

static void gv_path(char *out, size_t size, const struct resource *r)
{
	if (r->group[0])
		snprintf(out, size, "apis/%s/%s", r->group, r->version);
	else
		snprintf(out, size, "api/%s", r->version);
}

static uint32_t fnv(uint32_t h, const char *s)
{
	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 16777619u;
	}
	return h;
}

static void index_doc(struct http_request *req, struct http_response *resp, void *arg)
{
	struct api *api = arg;
	if (!api_authorized(api, req, resp, NULL))
		return;
	size_t n;
	struct resource **all = registry_snapshot(api->reg, &n);
	json_t *paths = json_object();
	for (size_t i = 0; i < n; i++) {
		char gv[600];
		gv_path(gv, sizeof(gv), all[i]);
		uint32_t h = 2166136261u;
		for (size_t j = 0; j < n; j++) {
			char other[600];
			gv_path(other, sizeof(other), all[j]);
			if (strcmp(gv, other))
				continue;
			h = fnv(h, all[j]->resource);
			h = fnv(h, all[j]->kind);
			h = fnv(h, all[j]->namespaced ? "n" : "c");
		}
		char url[800];
		snprintf(url, sizeof(url), "/openapi/v3/%s?hash=%08X", gv, h);
		json_object_set_new(paths, gv, json_pack("{s:s}", "serverRelativeURL", url));
	}
	registry_snapshot_free(all, n);
	json_t *doc = json_pack("{s:o}", "paths", paths);
	http_response_json(resp, 200, doc);
	json_decref(doc);
}

static json_t *param(const char *name, const char *in, int required)
{
	return json_pack("{s:s, s:s, s:b, s:{s:s}}", "name", name, "in", in, "required", required,
			 "schema", "type", "string");
}

static json_t *operation(const struct resource *r, const char *action, int patch)
{
	json_t *params = json_array();
	json_array_append_new(params, param("dryRun", "query", 0));
	json_array_append_new(params, param("fieldManager", "query", 0));
	json_array_append_new(params, param("fieldValidation", "query", 0));
	if (patch)
		json_array_append_new(params, param("force", "query", 0));
	return json_pack("{s:s, s:{s:s, s:s, s:s}, s:o, s:{s:{s:s}}}",
			 "x-kubernetes-action", action,
			 "x-kubernetes-group-version-kind", "group", r->group, "version",
			 r->version, "kind", r->kind, "parameters", params,
			 "responses", "200", "description", "OK");
}

/* "io.bosun.v1alpha1.Application": the group reversed, as the real
 * server names definitions. */
struct name {
	char data[800];
};

static struct name schema_name(const struct resource *r)
{
	struct name n = { "" };
	size_t len = 0;
	const char *g = r->group, *end = g + strlen(g);
	while (end > g) {
		const char *dot = end;
		while (dot > g && dot[-1] != '.')
			dot--;
		len += (size_t)snprintf(n.data + len, sizeof(n.data) - len, "%.*s.",
					(int)(end - dot), dot);
		if (len >= sizeof(n.data))
			return n;
		end = dot > g ? dot - 1 : g;
	}
	snprintf(n.data + len, sizeof(n.data) - len, "%s.%s", r->version, r->kind);
	return n;
}

/* The CRD's openAPIV3Schema as a definition kubectl explain finds. */
static json_t *crd_schema(const struct resource *r)
{
	json_t *s = json_deep_copy(r->schema);
	json_object_set_new(s, "x-kubernetes-group-version-kind",
			    json_pack("[{s:s, s:s, s:s}]", "group", r->group, "version", r->version,
				      "kind", r->kind));
	return s;
}

static void gv_doc(struct http_request *req, struct http_response *resp, void *arg)
{
	struct api *api = arg;
	if (!api_authorized(api, req, resp, NULL))
		return;
	const char *rest = http_request_param(req, "*");
	size_t n;
	struct resource **all = registry_snapshot(api->reg, &n);
	json_t *paths = json_object(), *schemas = json_object();
	for (size_t i = 0; i < n; i++) {
		const struct resource *r = all[i];
		char gv[600];
		gv_path(gv, sizeof(gv), r);
		if (!rest || strcmp(rest, gv))
			continue;
		if (json_is_object(r->schema))
			json_object_set_new(schemas, schema_name(r).data, crd_schema(r));
		struct buf coll = BUF_INIT, item = BUF_INIT;
		buf_addf(&coll, "/%s/%s%s", gv, r->namespaced ? "namespaces/{namespace}/" : "",
			 r->resource);
		buf_addf(&item, "%s/{name}", coll.data);
		json_object_set_new(paths, coll.data, json_pack("{s:o}", "post",
								 operation(r, "post", 0)));
		json_object_set_new(paths, item.data, json_pack("{s:o, s:o}", "put",
								 operation(r, "put", 0), "patch",
								 operation(r, "patch", 1)));
		buf_release(&coll);
		buf_release(&item);
	}
	registry_snapshot_free(all, n);
	if (json_object_size(paths) == 0) {
		json_decref(paths);
		json_decref(schemas);
		return send_404(resp);
	}
	json_t *doc = json_pack("{s:s, s:{s:s, s:s}, s:o, s:{s:o}}", "openapi", "3.0.0", "info",
				"title", "Kubernetes", "version", "v1.32.0", "paths", paths,
				"components", "schemas", schemas);
	http_response_json(resp, 200, doc);
	json_decref(doc);
}

static void v2(struct http_request *req, struct http_response *resp, void *arg)
{
	struct api *api = arg;
	if (!api_authorized(api, req, resp, NULL))
		return;
	send_404(resp);
}

void api_openapi_routes(struct http_server *srv, struct api *api)
{
	http_server_route(srv, "GET", "/openapi/v3", index_doc, api, NULL);
	http_server_route(srv, "GET", "/openapi/v3/*", gv_doc, api, NULL);
	http_server_route(srv, "GET", "/openapi/v2", v2, api, NULL);
}
