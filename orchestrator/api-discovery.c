/*
 * api-discovery.c — /version and API discovery, in both forms clients use.
 *
 * kubectl 1.32 asks /api and /apis for the aggregated form
 * (apidiscovery.k8s.io/v2 APIGroupDiscoveryList, one document with every
 * resource) and falls back to the older per-group-version documents
 * (APIVersions, APIGroupList, APIGroup, APIResourceList), which the Python
 * client always uses. Both are built from one registry snapshot, so a CRD
 * appears in both at once. The aggregated answer carries exactly the
 * Content-Type kubectl matches on.
 */
#include "api.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kinds.h"
#include "version.h"

#define AGGREGATED_TYPE "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList"

static json_t *strv(char *const *v)
{
	json_t *a = json_array();
	for (size_t i = 0; v && v[i]; i++)
		json_array_append_new(a, json_string(v[i]));
	return a;
}

static json_t *verbs(const char *const *v)
{
	json_t *a = json_array();
	for (size_t i = 0; v[i]; i++)
		json_array_append_new(a, json_string(v[i]));
	return a;
}

static int wants_aggregated(struct http_request *req)
{
	const char *accept = http_request_header(req, "Accept");
	return accept && strstr(accept, "as=APIGroupDiscoveryList") &&
	       strstr(accept, "v=v2");
}

static void send_aggregated(struct http_response *resp, const json_t *doc)
{
	char *s = json_dumps(doc, JSON_COMPACT);
	http_response_text(resp, 200, AGGREGATED_TYPE, s, strlen(s));
	http_response_header(resp, "Vary", "Accept");
	free(s);
}

/* --- aggregated ----------------------------------------------------------------- */

static json_t *response_kind(const char *group, const char *version, const char *kind)
{
	return json_pack("{s:s, s:s, s:s}", "group", group, "version", version, "kind", kind);
}

static json_t *agg_resource(const struct resource *r)
{
	json_t *o = json_pack("{s:s, s:o, s:s, s:s, s:o}", "resource", r->resource,
			      "responseKind", response_kind(r->group, r->version, r->kind),
			      "scope", r->namespaced ? "Namespaced" : "Cluster",
			      "singularResource", r->singular, "verbs", verbs(kinds_verbs));
	if (r->short_names && r->short_names[0])
		json_object_set_new(o, "shortNames", strv(r->short_names));
	if (r->categories && r->categories[0])
		json_object_set_new(o, "categories", strv(r->categories));
	json_t *subs = json_array();
	if (r->subresources & KIND_SUB_STATUS)
		json_array_append_new(subs, json_pack("{s:s, s:o, s:o}", "subresource", "status",
						      "responseKind",
						      response_kind(r->group, r->version, r->kind),
						      "verbs", verbs(kinds_sub_verbs)));
	if (r->subresources & KIND_SUB_SCALE)
		json_array_append_new(subs, json_pack("{s:s, s:o, s:o}", "subresource", "scale",
						      "responseKind",
						      response_kind("autoscaling", "v1", "Scale"),
						      "verbs", verbs(kinds_sub_verbs)));
	if (r->subresources & KIND_SUB_EVICTION)
		json_array_append_new(subs, json_pack("{s:s, s:o, s:[s]}", "subresource", "eviction",
						      "responseKind",
						      response_kind("policy", "v1", "Eviction"),
						      "verbs", "create"));
	if (json_array_size(subs))
		json_object_set_new(o, "subresources", subs);
	else
		json_decref(subs);
	return o;
}

/* Appends to items one APIGroupDiscovery per group of the snapshot (core
 * only, or every other group). */
static json_t *aggregated(struct api *api, int core)
{
	size_t n;
	struct resource **all = registry_snapshot(api->reg, &n);
	json_t *items = json_array();
	for (size_t i = 0; i < n; i++) {
		const struct resource *r = all[i];
		if (core != (r->group[0] == '\0'))
			continue;
		json_t *grp = NULL;
		size_t k;
		json_t *g;
		json_array_foreach(items, k, g)
			if (!strcmp(json_string_value(json_object_get(json_object_get(g, "metadata"),
								      "name")), r->group))
				grp = g;
		if (!grp) {
			grp = json_pack("{s:{s:s}, s:[]}", "metadata", "name", r->group, "versions");
			json_array_append_new(items, grp);
		}
		json_t *versions = json_object_get(grp, "versions"), *ver = NULL, *v;
		json_array_foreach(versions, k, v)
			if (!strcmp(json_string_value(json_object_get(v, "version")), r->version))
				ver = v;
		if (!ver) {
			ver = json_pack("{s:s, s:[], s:s}", "version", r->version, "resources",
					"freshness", "Current");
			/* the storage (preferred) version goes first */
			if (r->storage)
				json_array_insert_new(versions, 0, ver);
			else
				json_array_append_new(versions, ver);
		}
		json_array_append_new(json_object_get(ver, "resources"), agg_resource(r));
	}
	registry_snapshot_free(all, n);
	return json_pack("{s:s, s:s, s:{}, s:o}", "kind", "APIGroupDiscoveryList", "apiVersion",
			 "apidiscovery.k8s.io/v2", "metadata", "items", items);
}

/* --- legacy ----------------------------------------------------------------------- */

static void get_version(struct http_request *req, struct http_response *resp, void *arg)
{
	struct api *api = arg;
	if (!api_authorized(api, req, resp, NULL))
		return;
	json_t *v = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}",
			      "major", "1", "minor", "32", "gitVersion", "v1.32.0+bosun",
			      "gitCommit", "bosun-" BOSUN_VERSION, "gitTreeState", "clean",
			      "buildDate", "2026-01-01T00:00:00Z", "goVersion", "go1.23.0",
			      "compiler", "gc", "platform", "linux/amd64");
	http_response_json(resp, 200, v);
	json_decref(v);
}

static void get_api(struct http_request *req, struct http_response *resp, void *arg)
{
	struct api *api = arg;
	if (!api_authorized(api, req, resp, NULL))
		return;
	json_t *doc;
	if (wants_aggregated(req)) {
		doc = aggregated(api, 1);
		send_aggregated(resp, doc);
	} else {
		doc = json_pack("{s:s, s:[s], s:[{s:s, s:s}]}", "kind", "APIVersions", "versions",
				"v1", "serverAddressByClientCIDRs", "clientCIDR", "0.0.0.0/0",
				"serverAddress", "127.0.0.1");
		http_response_json(resp, 200, doc);
	}
	json_decref(doc);
}

/* The APIGroup document of one group, or NULL when the snapshot has none. */
static json_t *api_group(struct resource **all, size_t n, const char *group)
{
	json_t *versions = json_array(), *preferred = NULL;
	for (size_t i = 0; i < n; i++) {
		const struct resource *r = all[i];
		if (strcmp(r->group, group))
			continue;
		char gv[512];
		resource_api_version(r, gv, sizeof(gv));
		int seen = 0;
		size_t k;
		json_t *v;
		json_array_foreach(versions, k, v)
			seen |= !strcmp(json_string_value(json_object_get(v, "version")), r->version);
		if (seen)
			continue;
		json_t *entry = json_pack("{s:s, s:s}", "groupVersion", gv, "version", r->version);
		if (r->storage) {
			json_decref(preferred);
			preferred = json_deep_copy(entry);
			json_array_insert_new(versions, 0, entry);
		} else {
			json_array_append_new(versions, entry);
		}
	}
	if (json_array_size(versions) == 0) {
		json_decref(versions);
		return NULL;
	}
	if (!preferred)
		preferred = json_deep_copy(json_array_get(versions, 0));
	return json_pack("{s:s, s:s, s:s, s:o, s:o}", "kind", "APIGroup", "apiVersion", "v1",
			 "name", group, "versions", versions, "preferredVersion", preferred);
}

static void get_apis(struct http_request *req, struct http_response *resp, void *arg)
{
	struct api *api = arg;
	if (!api_authorized(api, req, resp, NULL))
		return;
	json_t *doc;
	if (wants_aggregated(req)) {
		doc = aggregated(api, 0);
		send_aggregated(resp, doc);
		json_decref(doc);
		return;
	}
	size_t n;
	struct resource **all = registry_snapshot(api->reg, &n);
	json_t *groups = json_array();
	for (size_t i = 0; i < n; i++) {
		if (!all[i]->group[0])
			continue;
		int seen = 0;
		size_t k;
		json_t *g;
		json_array_foreach(groups, k, g)
			seen |= !strcmp(json_string_value(json_object_get(g, "name")), all[i]->group);
		if (seen)
			continue;
		json_t *grp = api_group(all, n, all[i]->group);
		json_object_del(grp, "kind");
		json_object_del(grp, "apiVersion");
		json_array_append_new(groups, grp);
	}
	registry_snapshot_free(all, n);
	doc = json_pack("{s:s, s:s, s:o}", "kind", "APIGroupList", "apiVersion", "v1",
			"groups", groups);
	http_response_json(resp, 200, doc);
	json_decref(doc);
}

static void not_found(struct http_response *resp)
{
	struct kstatus st = KSTATUS_INIT;
	kstatus_set(&st, 404, "NotFound", "the server could not find the requested resource");
	api_send_status(resp, &st);
}

static void get_group(struct http_request *req, struct http_response *resp, void *arg)
{
	struct api *api = arg;
	if (!api_authorized(api, req, resp, NULL))
		return;
	size_t n;
	struct resource **all = registry_snapshot(api->reg, &n);
	json_t *grp = api_group(all, n, http_request_param(req, "group"));
	registry_snapshot_free(all, n);
	if (!grp)
		return not_found(resp);
	http_response_json(resp, 200, grp);
	json_decref(grp);
}

static json_t *resource_list(struct api *api, const char *group, const char *version)
{
	size_t n;
	struct resource **all = registry_snapshot(api->reg, &n);
	json_t *resources = json_array();
	for (size_t i = 0; i < n; i++) {
		const struct resource *r = all[i];
		if (strcmp(r->group, group) || strcmp(r->version, version))
			continue;
		json_t *o = json_pack("{s:s, s:s, s:b, s:s, s:o}", "name", r->resource,
				      "singularName", r->singular, "namespaced", r->namespaced,
				      "kind", r->kind, "verbs", verbs(kinds_verbs));
		if (r->short_names && r->short_names[0])
			json_object_set_new(o, "shortNames", strv(r->short_names));
		if (r->categories && r->categories[0])
			json_object_set_new(o, "categories", strv(r->categories));
		json_array_append_new(resources, o);
		char sub[300];
		if (r->subresources & KIND_SUB_STATUS) {
			snprintf(sub, sizeof(sub), "%s/status", r->resource);
			json_array_append_new(resources, json_pack(
				"{s:s, s:s, s:b, s:s, s:o}", "name", sub, "singularName", "",
				"namespaced", r->namespaced, "kind", r->kind, "verbs",
				verbs(kinds_sub_verbs)));
		}
		if (r->subresources & KIND_SUB_SCALE) {
			snprintf(sub, sizeof(sub), "%s/scale", r->resource);
			json_array_append_new(resources, json_pack(
				"{s:s, s:s, s:b, s:s, s:s, s:s, s:o}", "name", sub, "singularName", "",
				"namespaced", r->namespaced, "group", "autoscaling", "version", "v1",
				"kind", "Scale", "verbs", verbs(kinds_sub_verbs)));
		}
		if (r->subresources & KIND_SUB_EVICTION) {
			snprintf(sub, sizeof(sub), "%s/eviction", r->resource);
			json_array_append_new(resources, json_pack(
				"{s:s, s:s, s:b, s:s, s:s, s:s, s:[s]}", "name", sub, "singularName",
				"", "namespaced", r->namespaced, "group", "policy", "version", "v1",
				"kind", "Eviction", "verbs", "create"));
		}
	}
	registry_snapshot_free(all, n);
	if (json_array_size(resources) == 0) {
		json_decref(resources);
		return NULL;
	}
	char gv[512];
	snprintf(gv, sizeof(gv), "%s%s%s", group, group[0] ? "/" : "", version);
	return json_pack("{s:s, s:s, s:s, s:o}", "kind", "APIResourceList", "apiVersion", "v1",
			 "groupVersion", gv, "resources", resources);
}

static void get_core_version(struct http_request *req, struct http_response *resp, void *arg)
{
	struct api *api = arg;
	if (!api_authorized(api, req, resp, NULL))
		return;
	json_t *doc = resource_list(api, "", http_request_param(req, "version"));
	if (!doc)
		return not_found(resp);
	http_response_json(resp, 200, doc);
	json_decref(doc);
}

static void get_group_version(struct http_request *req, struct http_response *resp, void *arg)
{
	struct api *api = arg;
	if (!api_authorized(api, req, resp, NULL))
		return;
	json_t *doc = resource_list(api, http_request_param(req, "group"),
				    http_request_param(req, "version"));
	if (!doc)
		return not_found(resp);
	http_response_json(resp, 200, doc);
	json_decref(doc);
}

void api_discovery_routes(struct http_server *srv, struct api *api)
{
	http_server_route(srv, "GET", "/version", get_version, api, NULL);
	http_server_route(srv, "GET", "/api", get_api, api, NULL);
	http_server_route(srv, "GET", "/api/{version}", get_core_version, api, NULL);
	http_server_route(srv, "GET", "/apis", get_apis, api, NULL);
	http_server_route(srv, "GET", "/apis/{group}", get_group, api, NULL);
	http_server_route(srv, "GET", "/apis/{group}/{version}", get_group_version, api, NULL);
}
