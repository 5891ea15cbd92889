/*
 * route-projects — AppProjects (Argo CD's /api/v1/projects) and the rules
 * they impose on applications: which source repositories (globs in
 * spec.sourceRepos) and which destinations (server or name glob plus
 * namespace glob in spec.destinations) an application may use. A project
 * that applications still use cannot be deleted.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api-internal.h"
#include "api/syncwindow.h"
#include "doc.h"
#include "log.h"

#define PROJECT_NAME_MAX 63

int api_project_get(struct api *api, const char *name, json_t **out, struct berr *err)
{
	*out = NULL;
	if (!name || !api_valid_name(name, PROJECT_NAME_MAX))
		return berr_set(err, BERR_NOTFOUND, "project '%.80s' does not exist",
				name ? name : "");
	struct kube_ref ref = api_ref(api, "AppProject", name);
	int rc = kube_client_get(api->kc, out, &ref, err);
	if (rc == BERR_NOTFOUND)
		berr_set(err, BERR_NOTFOUND, "project '%s' does not exist", name);
	return rc;
}

static int repo_permitted(const json_t *project, const char *url)
{
	size_t i;
	json_t *g;
	json_array_foreach(doc_get(project, "spec.sourceRepos"), i, g) {
		const char *pat = json_string_value(g);
		if (pat && (rbac_glob(pat, url)))
			return 1;
	}
	return 0;
}

static int destination_permitted(const json_t *project, const json_t *dest)
{
	const char *server = api_str(dest, "server"), *name = api_str(dest, "name");
	const char *ns = api_str(dest, "namespace") ? api_str(dest, "namespace") : "";
	size_t i;
	json_t *d;
	json_array_foreach(doc_get(project, "spec.destinations"), i, d) {
		const char *ps = api_str(d, "server"), *pn = api_str(d, "name");
		const char *pns = api_str(d, "namespace");
		int match = 0;
		if (server && *server && ps && rbac_glob(ps, server))
			match = 1;
		if (name && *name && pn && rbac_glob(pn, name))
			match = 1;
		/* a destination given by name also matches a project that lists
		 * in-cluster's server, and the reverse */
		if (name && !strcmp(name, "in-cluster") && ps && rbac_glob(ps, API_IN_CLUSTER))
			match = 1;
		if (server && !strcmp(server, API_IN_CLUSTER) && pn && rbac_glob(pn, "in-cluster"))
			match = 1;
		if (match && pns && rbac_glob(pns, ns))
			return 1;
	}
	return 0;
}

int api_project_permits(const json_t *project, const json_t *spec, struct berr *err)
{
	const char *pname = doc_get_str(project, "metadata.name");
	const json_t *src = json_object_get(spec, "source");
	if (src && !repo_permitted(project, api_str(src, "repoURL")))
		return berr_set(err, BERR_AUTH, "application repository '%s' is not permitted in project '%s'",
				api_str(src, "repoURL"), pname);
	size_t i;
	json_t *s;
	json_array_foreach(json_object_get(spec, "sources"), i, s)
		if (!repo_permitted(project, api_str(s, "repoURL")))
			return berr_set(err, BERR_AUTH, "application repository '%s' is not permitted in project '%s'",
					api_str(s, "repoURL"), pname);
	const json_t *dest = json_object_get(spec, "destination");
	if (!destination_permitted(project, dest)) {
		const char *server = api_str(dest, "server");
		return berr_set(err, BERR_AUTH,
				"application destination {%s %s} is not permitted in project '%s'",
				server && *server ? server : api_str(dest, "name"),
				api_str(dest, "namespace") ? api_str(dest, "namespace") : "",
				pname);
	}
	return 0;
}

/* ------------------------------------------------------------ routes */

static void reply(struct http_response *resp, int status, json_t *doc)
{
	http_response_json(resp, status, doc);
	json_decref(doc);
}

static int check_globs(const json_t *list, const char *field, const char *const *keys,
		       struct berr *err)
{
	if (list && !json_is_array(list))
		return berr_set(err, BERR_INVALID, "'%s' must be a list", field);
	if (json_array_size(list) > 1000)
		return berr_set(err, BERR_INVALID, "'%s' has too many entries", field);
	size_t i;
	json_t *v;
	json_array_foreach(list, i, v) {
		if (!keys) {
			if (!json_is_string(v) || !json_string_length(v) || json_string_length(v) > 2048)
				return berr_set(err, BERR_INVALID, "'%s[%zu]' must be a non-empty string",
						field, i);
			continue;
		}
		if (!json_is_object(v))
			return berr_set(err, BERR_INVALID, "'%s[%zu]' must be an object", field, i);
		const char *k;
		json_t *c;
		json_object_foreach(v, k, c) {
			int known = 0;
			for (size_t j = 0; keys[j] && !known; j++)
				known = !strcmp(keys[j], k);
			if (!known)
				return berr_set(err, BERR_INVALID, "unknown field '%s[%zu].%.64s'",
						field, i, k);
			if (!json_is_string(c) || json_string_length(c) > 2048)
				return berr_set(err, BERR_INVALID, "'%s[%zu].%s' must be a string",
						field, i, k);
		}
	}
	return 0;
}

static int check_project_spec(const json_t *spec, const char *name, struct berr *err)
{
	static const char *const known[] = { "description", "sourceRepos", "destinations",
					     "clusterResourceWhitelist", "clusterResourceBlacklist",
					     "namespaceResourceWhitelist",
					     "namespaceResourceBlacklist", "syncWindows", "roles",
					     "orphanedResources", "sourceNamespaces",
					     "signatureKeys", NULL };
	static const char *const dest_keys[] = { "server", "name", "namespace", NULL };
	static const char *const gk_keys[] = { "group", "kind", NULL };
	if (spec && !json_is_object(spec))
		return berr_set(err, BERR_INVALID, "'spec' must be an object");
	const char *k;
	json_t *v;
	json_object_foreach((json_t *)spec, k, v) {
		int ok = 0;
		for (size_t i = 0; known[i] && !ok; i++)
			ok = !strcmp(known[i], k);
		if (!ok)
			return berr_set(err, BERR_INVALID, "unknown field 'spec.%.64s'", k);
	}
	json_t *desc = json_object_get(spec, "description");
	if (desc && (!json_is_string(desc) || json_string_length(desc) > 1024))
		return berr_set(err, BERR_INVALID, "'spec.description' must be a short string");
	int rc = check_globs(json_object_get(spec, "sourceRepos"), "spec.sourceRepos", NULL, err);
	if (!rc)
		rc = check_globs(json_object_get(spec, "destinations"), "spec.destinations",
				 dest_keys, err);
	const char *gks[] = { "clusterResourceWhitelist", "clusterResourceBlacklist",
			      "namespaceResourceWhitelist", "namespaceResourceBlacklist" };
	for (size_t i = 0; i < 4 && !rc; i++) {
		char field[64];
		snprintf(field, sizeof(field), "spec.%s", gks[i]);
		rc = check_globs(json_object_get(spec, gks[i]), field, gk_keys, err);
	}
	json_t *windows = json_object_get(spec, "syncWindows");
	if (!rc && windows && (!json_is_array(windows) || json_array_size(windows) > 100))
		rc = berr_set(err, BERR_INVALID, "'spec.syncWindows' must be a list");
	size_t i;
	json_t *w;
	json_array_foreach(windows, i, w) {
		if (rc)
			break;
		const char *kind = api_str(w, "kind");
		if (!json_is_object(w) || !kind || (strcmp(kind, "allow") && strcmp(kind, "deny")))
			rc = berr_set(err, BERR_INVALID, "'spec.syncWindows[%zu].kind' must be allow or deny", i);
		else if (!api_str(w, "schedule") || syncwindow_cron_matches(api_str(w, "schedule"), 0, err) < 0 ||
			 syncwindow_duration(api_str(w, "duration"), err) < 0)
			rc = berr_prefix(err, "'spec.syncWindows[%zu]'", i);
	}
	if (!rc)
		rc = api_project_roles_check(json_object_get(spec, "roles"), name, err);
	return rc;
}

static const char *name_param(struct http_request *req, struct http_response *resp)
{
	const char *name = http_request_param(req, "name");
	if (!name || !api_valid_name(name, PROJECT_NAME_MAX)) {
		http_response_error(resp, 400, "invalid project name '%.80s'", name ? name : "");
		return NULL;
	}
	return name;
}

static void list_projects(struct api_ctx *ctx, struct http_request *req,
			  struct http_response *resp)
{
	(void)req;
	struct kube_ref ref = api_ref(ctx->api, "AppProject", NULL);
	json_t *list;
	struct berr err = BERR_INIT;
	if (kube_client_list(ctx->api->kc, &list, &ref, NULL, &err) < 0)
		return api_error(resp, &err);
	json_t *items = json_array();
	size_t i;
	json_t *p;
	json_array_foreach(json_object_get(list, "items"), i, p)
		if (api_can(ctx, "projects", "get", doc_get_str(p, "metadata.name")))
			json_array_append(items, p);
	json_decref(list);
	reply(resp, 200, json_pack("{s:{}, s:o}", "metadata", "items", items));
}

static void get_project(struct api_ctx *ctx, struct http_request *req,
			struct http_response *resp)
{
	const char *name = name_param(req, resp);
	if (!name || !api_allow(ctx, resp, "projects", "get", name))
		return;
	json_t *p;
	struct berr err = BERR_INIT;
	if (api_project_get(ctx->api, name, &p, &err) < 0)
		return api_error(resp, &err);
	reply(resp, 200, p);
}

/* Argo CD wraps the project: {"project": {...}, "upsert": bool}; a bare
 * AppProject is accepted too. */
static int decode_project(struct http_request *req, struct http_response *resp,
			  json_t **body, json_t **project)
{
	if (api_body_object(req, resp, body) < 0)
		return -1;
	*project = json_object_get(*body, "project");
	if (!*project)
		*project = *body;
	struct berr err = BERR_INIT;
	int rc = 0;
	if (!json_is_object(*project))
		rc = berr_set(&err, BERR_INVALID, "'project' must be an object");
	const char *kind = api_str(*project, "kind");
	if (!rc && kind && strcmp(kind, "AppProject"))
		rc = berr_set(&err, BERR_INVALID, "kind must be 'AppProject'");
	if (!rc && !json_is_object(json_object_get(*project, "metadata")))
		rc = berr_set(&err, BERR_INVALID, "'metadata.name' is required");
	if (!rc)
		rc = check_project_spec(json_object_get(*project, "spec"),
					doc_get_str(*project, "metadata.name") ?: http_request_param(req, "name"),
					&err);
	if (rc < 0) {
		http_response_error(resp, 400, "%s", err.msg);
		json_decref(*body);
		return -1;
	}
	return 0;
}

static json_t *project_object(struct api *api, const char *name, const json_t *spec)
{
	return json_pack("{s:s, s:s, s:{s:s, s:s}, s:o}", "apiVersion", API_GROUP_VERSION,
			 "kind", "AppProject", "metadata", "name", name, "namespace", api->ns,
			 "spec", spec ? json_incref((json_t *)spec) : json_object());
}

static void create_project(struct api_ctx *ctx, struct http_request *req,
			   struct http_response *resp)
{
	json_t *body, *project;
	if (decode_project(req, resp, &body, &project) < 0)
		return;
	const char *name = doc_get_str(project, "metadata.name");
	struct berr err = BERR_INIT;
	if (!name || !api_valid_name(name, PROJECT_NAME_MAX)) {
		http_response_error(resp, 400, "invalid project name '%.80s'", name ? name : "");
	} else if (api_allow(ctx, resp, "projects", "create", name)) {
		json_t *spec = json_object_get(project, "spec");
		json_t *obj = project_object(ctx->api, name, spec ? spec : NULL);
		json_t *res = NULL;
		int rc = kube_client_create(ctx->api->kc, &res, obj, NULL, &err);
		json_decref(obj);
		if (rc == BERR_EXISTS && json_is_true(json_object_get(body, "upsert"))) {
			json_t *cur;
			if ((rc = api_project_get(ctx->api, name, &cur, &err)) == 0) {
				json_object_set_new(cur, "spec", spec ? json_incref(spec) : json_object());
				rc = kube_client_update(ctx->api->kc, &res, cur, NULL, &err);
				json_decref(cur);
			}
		}
		if (rc == BERR_EXISTS)
			http_response_error(resp, 409, "project '%s' already exists", name);
		else if (rc < 0)
			api_error(resp, &err);
		else {
			log_info("project created", "project", name, "by", ctx->user, NULL);
			api_settings_invalidate(ctx->api);     /* its roles join the policy */
			reply(resp, 200, res);
			res = NULL;
		}
		json_decref(res);
	}
	json_decref(body);
}

static void update_project(struct api_ctx *ctx, struct http_request *req,
			   struct http_response *resp)
{
	const char *name = name_param(req, resp);
	json_t *body, *project;
	if (!name || decode_project(req, resp, &body, &project) < 0)
		return;
	const char *bname = doc_get_str(project, "metadata.name");
	struct berr err = BERR_INIT;
	if (bname && strcmp(bname, name)) {
		http_response_error(resp, 400, "'metadata.name' does not match the path");
	} else if (api_allow(ctx, resp, "projects", "update", name)) {
		json_t *cur = NULL, *res = NULL;
		const char *rv = doc_get_str(project, "metadata.resourceVersion");
		int rc = api_project_get(ctx->api, name, &cur, &err);
		if (rc == 0) {
			json_t *spec = json_object_get(project, "spec");
			json_object_set_new(cur, "spec", spec ? json_incref(spec) : json_object());
			if (rv)
				doc_set_new(cur, "metadata.resourceVersion", json_string(rv), NULL);
			rc = kube_client_update(ctx->api->kc, &res, cur, NULL, &err);
		}
		if (rc < 0)
			api_error(resp, &err);
		else
			reply(resp, 200, json_incref(res));
		if (rc == 0)
			api_settings_invalidate(ctx->api);
		json_decref(res);
		json_decref(cur);
	}
	json_decref(body);
}

static void delete_project(struct api_ctx *ctx, struct http_request *req,
			   struct http_response *resp)
{
	const char *name = name_param(req, resp);
	if (!name || !api_allow(ctx, resp, "projects", "delete", name))
		return;
	struct kube_ref ref = api_ref(ctx->api, "Application", NULL);
	json_t *list;
	struct berr err = BERR_INIT;
	if (kube_client_list(ctx->api->kc, &list, &ref, NULL, &err) < 0)
		return api_error(resp, &err);
	size_t users = 0, i;
	json_t *app;
	json_array_foreach(json_object_get(list, "items"), i, app) {
		const char *p = doc_get_str(app, "spec.project");
		if (p && !strcmp(p, name))
			users++;
	}
	json_decref(list);
	if (users)
		return http_response_error(resp, 409,
					   "project '%s' is referenced by %zu applications", name,
					   users);
	ref = api_ref(ctx->api, "AppProject", name);
	if (kube_client_delete(ctx->api->kc, NULL, &ref, NULL, &err) < 0)
		return api_error(resp, &err);
	log_info("project deleted", "project", name, "by", ctx->user, NULL);
	api_settings_invalidate(ctx->api);
	reply(resp, 200, json_object());
}

const struct api_route api_routes_projects[] = {
	{ "GET", "/api/v1/projects", list_projects, 0 },
	{ "POST", "/api/v1/projects", create_project, 0 },
	{ "GET", "/api/v1/projects/{name}", get_project, 0 },
	{ "PUT", "/api/v1/projects/{name}", update_project, 0 },
	{ "DELETE", "/api/v1/projects/{name}", delete_project, 0 },
	{ NULL, NULL, NULL, 0 },
};
