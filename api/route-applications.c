/*
 * route-applications — Applications (Argo CD's /api/v1/applications). The
 * API only reads and writes Application objects: a sync or rollback is an
 * `operation` written on the object, a refresh an annotation, a delete with
 * cascade a finalizer; the controller does the work and writes status.
 *
 * Every write is validated first (name rules, known fields, the project
 * exists and permits the sources and destination, the destination cluster
 * is known) and checked against RBAC on `<project>/<name>`.
 *
 * A rollback is `operation.rollback {id, prune}`: the controller applies the
 * manifests it stored with that history entry, whatever git holds now.
 * Manifests and live objects leave here with Secret values masked
 * (lib/secret.h), the last-applied annotation included.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api-internal.h"
#include "api/syncwindow.h"
#include "doc.h"
#include "kinds.h"
#include "log.h"
#include "secret.h"
#include "selector.h"

#define APP_NAME_MAX 63
#define FIELD_MAX 4096
#define WRITE_RETRIES 5

static const char *project_of(const json_t *app)
{
	const char *p = doc_get_str(app, "spec.project");
	return p && *p ? p : "default";
}

static void rbac_object(char *out, size_t size, const json_t *app)
{
	snprintf(out, size, "%s/%s", project_of(app),
		 doc_get_str(app, "metadata.name") ? doc_get_str(app, "metadata.name") : "");
}

static void reply(struct http_response *resp, int status, json_t *doc)
{
	http_response_json(resp, status, doc);
	json_decref(doc);
}

/* The {name} parameter, or a 400 for a name no Application can have. */
static const char *name_param(struct http_request *req, struct http_response *resp)
{
	const char *name = http_request_param(req, "name");
	if (!name || !api_valid_name(name, APP_NAME_MAX)) {
		http_response_error(resp, 400, "invalid application name '%.80s'",
				    name ? name : "");
		return NULL;
	}
	return name;
}

static int get_app(struct api *api, const char *name, json_t **out, struct berr *err)
{
	struct kube_ref ref = api_ref(api, "Application", name);
	int rc = kube_client_get(api->kc, out, &ref, err);
	if (rc == BERR_NOTFOUND)
		berr_set(err, BERR_NOTFOUND, "application '%s' not found", name);
	return rc;
}

/* Loads the app and checks action on it; writes the answer on failure. */
static json_t *load_allowed(struct api_ctx *ctx, struct http_request *req,
			    struct http_response *resp, const char *action)
{
	const char *name = name_param(req, resp);
	if (!name)
		return NULL;
	json_t *app;
	struct berr err = BERR_INIT;
	if (get_app(ctx->api, name, &app, &err) < 0) {
		/* do not tell who may not see it whether it exists */
		char obj[256];
		snprintf(obj, sizeof(obj), "*/%s", name);
		if (err.code == BERR_NOTFOUND && !api_can(ctx, "applications", "get", "*/*"))
			http_response_error(resp, 403, "permission denied: applications, %s, %s",
					    action, obj);
		else
			api_error(resp, &err);
		return NULL;
	}
	char obj[256];
	rbac_object(obj, sizeof(obj), app);
	if (!api_allow(ctx, resp, "applications", action, obj)) {
		json_decref(app);
		return NULL;
	}
	return app;
}

/* ------------------------------------------------------------ validation */

static int check_keys(const json_t *obj, const char *const *known, const char *where,
		      struct berr *err)
{
	const char *k;
	json_t *v;
	json_object_foreach((json_t *)obj, k, v) {
		int ok = 0;
		for (size_t i = 0; known[i] && !ok; i++)
			ok = !strcmp(k, known[i]);
		if (!ok)
			return berr_set(err, BERR_INVALID, "unknown field '%s%s%.64s'", where,
					*where ? "." : "", k);
	}
	return 0;
}

static int check_strings(const json_t *v, const char *path, int depth, struct berr *err)
{
	if (depth > 32)
		return berr_set(err, BERR_INVALID, "'%s' is nested too deeply", path);
	if (json_is_string(v) && json_string_length(v) > FIELD_MAX)
		return berr_set(err, BERR_INVALID, "'%s' is longer than %d bytes", path,
				FIELD_MAX);
	if (json_is_object(v)) {
		const char *k;
		json_t *c;
		json_object_foreach((json_t *)v, k, c)
			if (check_strings(c, path, depth + 1, err) < 0)
				return BERR_INVALID;
	} else if (json_is_array(v)) {
		if (json_array_size(v) > 1000)
			return berr_set(err, BERR_INVALID, "'%s' has too many elements", path);
		size_t i;
		json_t *c;
		json_array_foreach(v, i, c)
			if (check_strings(c, path, depth + 1, err) < 0)
				return BERR_INVALID;
	}
	return 0;
}

static int check_source(const json_t *src, const char *where, struct berr *err)
{
	static const char *const known[] = { "repoURL", "targetRevision", "path", "chart",
					     "helm", "directory", "kustomize", "plugin", "ref",
					     "name", NULL };
	if (!json_is_object(src))
		return berr_set(err, BERR_INVALID, "'%s' must be an object", where);
	int rc = check_keys(src, known, where, err);
	if (rc < 0)
		return rc;
	const char *url = api_str(src, "repoURL");
	if (!url || !*url)
		return berr_set(err, BERR_INVALID, "'%s.repoURL' is required", where);
	if (!api_repo_url_valid(url))
		return berr_set(err, BERR_INVALID, "'%s.repoURL' is not a git or helm URL: '%.200s'",
				where, url);
	const char *fields[] = { "targetRevision", "path", "chart" };
	for (size_t i = 0; i < 3; i++) {
		json_t *v = json_object_get(src, fields[i]);
		if (v && !json_is_string(v))
			return berr_set(err, BERR_INVALID, "'%s.%s' must be a string", where,
					fields[i]);
	}
	const char *path = api_str(src, "path");
	if (path && (path[0] == '/' || strstr(path, "..")))
		return berr_set(err, BERR_INVALID, "'%s.path' must be relative, inside the repository",
				where);
	return 0;
}

/* Validates spec (and defaults spec.project); BERR_INVALID names the field. */
static int check_spec(json_t *spec, struct berr *err)
{
	static const char *const known[] = { "source", "sources", "destination", "project",
					     "syncPolicy", "ignoreDifferences", "info",
					     "revisionHistoryLimit", NULL };
	if (!json_is_object(spec))
		return berr_set(err, BERR_INVALID, "'spec' must be an object");
	int rc = check_keys(spec, known, "spec", err);
	if (!rc)
		rc = check_strings(spec, "spec", 0, err);
	if (rc < 0)
		return rc;
	json_t *project = json_object_get(spec, "project");
	if (project && !json_is_string(project))
		return berr_set(err, BERR_INVALID, "'spec.project' must be a string");
	if (!project || !*json_string_value(project))
		json_object_set_new(spec, "project", json_string("default"));
	json_t *src = json_object_get(spec, "source");
	json_t *srcs = json_object_get(spec, "sources");
	if (src && srcs)
		return berr_set(err, BERR_INVALID, "'spec.source' and 'spec.sources' exclude each other");
	if (!src && (!json_is_array(srcs) || json_array_size(srcs) == 0))
		return berr_set(err, BERR_INVALID, "'spec.source.repoURL' is required");
	if (src && (rc = check_source(src, "spec.source", err)) < 0)
		return rc;
	size_t i;
	json_t *s;
	json_array_foreach(srcs, i, s) {
		char where[48];
		snprintf(where, sizeof(where), "spec.sources[%zu]", i);
		if ((rc = check_source(s, where, err)) < 0)
			return rc;
	}
	static const char *const dest_known[] = { "server", "name", "namespace", NULL };
	json_t *dest = json_object_get(spec, "destination");
	if (!json_is_object(dest))
		return berr_set(err, BERR_INVALID, "'spec.destination' is required");
	if ((rc = check_keys(dest, dest_known, "spec.destination", err)) < 0)
		return rc;
	const char *server = api_str(dest, "server"), *dname = api_str(dest, "name");
	const char *ns = api_str(dest, "namespace");
	if ((!server || !*server) && (!dname || !*dname))
		return berr_set(err, BERR_INVALID,
				"'spec.destination' needs a server or a name");
	if (server && *server && dname && *dname)
		return berr_set(err, BERR_INVALID,
				"'spec.destination.server' and '.name' exclude each other");
	if (json_object_get(dest, "namespace") && (!ns || (*ns && !api_valid_name(ns, 63))))
		return berr_set(err, BERR_INVALID, "'spec.destination.namespace' is not a valid namespace name");
	json_t *policy = json_object_get(spec, "syncPolicy");
	if (policy && !json_is_object(policy))
		return berr_set(err, BERR_INVALID, "'spec.syncPolicy' must be an object");
	json_t *auto_ = json_object_get(policy, "automated");
	if (auto_ && !json_is_object(auto_) && !json_is_null(auto_))
		return berr_set(err, BERR_INVALID, "'spec.syncPolicy.automated' must be an object");
	json_t *opts = json_object_get(policy, "syncOptions");
	if (opts && !json_is_array(opts))
		return berr_set(err, BERR_INVALID, "'spec.syncPolicy.syncOptions' must be a list");
	return 0;
}

/* A manual sync (every sync the API writes) under the project's sync
 * windows: 0, or BERR_AUTH naming the window, BERR_INVALID for a bad one. */
static int check_sync_windows(struct api *api, const json_t *app, struct berr *err)
{
	json_t *project;
	int rc = api_project_get(api, project_of(app), &project, err);
	if (rc < 0)
		return rc;
	const char *server = doc_get_str(app, "spec.destination.server");
	const char *cluster = doc_get_str(app, "spec.destination.name");
	struct syncwindow_app sa = { doc_get_str(app, "metadata.name"),
				     doc_get_str(app, "spec.destination.namespace"),
				     server ? server : (cluster && !strcmp(cluster, "in-cluster")
							? API_IN_CLUSTER : NULL),
				     cluster ? cluster : (server && !strcmp(server, API_IN_CLUSTER)
							  ? "in-cluster" : NULL) };
	rc = syncwindow_can_sync(doc_get(project, "spec.syncWindows"), &sa, 1, time(NULL), err);
	json_decref(project);
	if (rc < 0)
		return berr_prefix(err, "project '%s'", project_of(app));
	return rc == 1 ? 0 : berr_prefix(err, "cannot sync: project '%s'", project_of(app));
}

static json_t *manifest_request(struct api *api, const json_t *app, const char *revision);

static int group_kind_listed(const json_t *list, const char *group, const char *kind)
{
	size_t i;
	json_t *gk;
	json_array_foreach(list, i, gk) {
		const char *g = api_str(gk, "group"), *k = api_str(gk, "kind");
		if (rbac_glob(g ? g : "", group) && k && rbac_glob(k, kind))
			return 1;
	}
	return 0;
}

/* 1 when kind is namespaced: the built-in table, else the cluster's
 * discovery, else assume it is. */
static int namespaced(struct api *api, const char *api_version, const char *group,
		      const char *kind)
{
	const struct kind_info *ki = kinds_by_group_kind(group, kind);
	if (ki)
		return ki->namespaced;
	struct kube_resource r;
	if (kube_client_resource(api->kc, &r, api_version, kind, NULL) == 0)
		return r.namespaced;
	return 1;
}

/*
 * The project's resource rules over the app's target manifests, as Argo CD
 * applies them at sync: cluster-scoped kinds must be in
 * clusterResourceWhitelist and not in clusterResourceBlacklist; namespaced
 * kinds must be in namespaceResourceWhitelist when it is set, and not in
 * namespaceResourceBlacklist. Manifests the repo server cannot render are
 * left to the controller, which reports why.
 */
static int check_project_resources(struct api_ctx *ctx, const json_t *app, struct berr *err)
{
	if (!ctx->api->repo)
		return 0;
	json_t *project, *target = NULL;
	int rc = api_project_get(ctx->api, project_of(app), &project, err);
	if (rc < 0)
		return rc;
	json_t *rq = manifest_request(ctx->api, app, NULL);
	long status;
	struct berr rerr = BERR_INIT;
	if (api_repo_server_post(ctx->api, "/v1/manifests", rq, &target, &status, &rerr) < 0) {
		log_debug("sync check skipped: manifests unavailable", "app",
			  doc_get_str(app, "metadata.name"), "error", rerr.msg, NULL);
		json_decref(rq);
		json_decref(project);
		return 0;
	}
	json_decref(rq);
	const json_t *cwl = doc_get(project, "spec.clusterResourceWhitelist");
	const json_t *cbl = doc_get(project, "spec.clusterResourceBlacklist");
	const json_t *nwl = doc_get(project, "spec.namespaceResourceWhitelist");
	const json_t *nbl = doc_get(project, "spec.namespaceResourceBlacklist");
	size_t i;
	json_t *m;
	json_array_foreach(json_object_get(target, "manifests"), i, m) {
		const char *av = api_str(m, "apiVersion"), *kind = api_str(m, "kind");
		if (!av || !kind)
			continue;
		char group[256];
		const char *slash = strchr(av, '/');
		snprintf(group, sizeof(group), "%.*s", slash ? (int)(slash - av) : 0, av);
		const char *name = doc_get_str(m, "metadata.name");
		if (!namespaced(ctx->api, av, group, kind)) {
			if (!group_kind_listed(cwl, group, kind) || group_kind_listed(cbl, group, kind)) {
				rc = berr_set(err, BERR_AUTH,
					      "resource %s:%s '%s' is not permitted in project '%s'",
					      group, kind, name ? name : "", project_of(app));
				break;
			}
		} else if ((json_array_size(nwl) && !group_kind_listed(nwl, group, kind)) ||
			   group_kind_listed(nbl, group, kind)) {
			rc = berr_set(err, BERR_AUTH,
				      "resource %s:%s '%s' is not permitted in project '%s'", group,
				      kind, name ? name : "", project_of(app));
			break;
		}
	}
	json_decref(target);
	json_decref(project);
	return rc;
}

/* Project and destination checks shared by create, update and sync. A
 * destination given by name is resolved to its server first, so that a
 * project listing servers (the default one: "*") permits it, as in Argo CD. */
static int check_project(struct api *api, const json_t *spec, struct berr *err)
{
	json_t *project;
	int rc = api_project_get(api, json_string_value(json_object_get(spec, "project")),
				 &project, err);
	if (rc == BERR_NOTFOUND) {
		err->code = BERR_INVALID;       /* a bad reference in the body */
		return BERR_INVALID;
	}
	if (rc < 0)
		return rc;
	char *server = NULL;
	json_t *resolved = json_deep_copy(spec);
	json_t *dest = json_object_get(resolved, "destination");
	rc = api_destination_resolve(api, dest, &server, err);
	if (rc == 0 && json_is_object(dest) && !api_str(dest, "server"))
		json_object_set_new(dest, "server", json_string(server));
	if (rc == 0)
		rc = api_project_permits(project, resolved, err);
	free(server);
	json_decref(resolved);
	json_decref(project);
	return rc;
}

static int decode_app(struct http_request *req, struct http_response *resp, json_t **out)
{
	static const char *const known[] = { "apiVersion", "kind", "metadata", "spec",
					     "status", "operation", NULL };
	static const char *const meta_known[] = { "name", "namespace", "labels", "annotations",
						  "finalizers", "resourceVersion", "uid",
						  "generation", "creationTimestamp", NULL };
	json_t *body;
	if (api_body_object(req, resp, &body) < 0)
		return -1;
	struct berr err = BERR_INIT;
	const char *av = api_str(body, "apiVersion"), *kind = api_str(body, "kind");
	json_t *meta = json_object_get(body, "metadata");
	int rc = check_keys(body, known, "", &err);
	if (!rc && av && strcmp(av, API_GROUP_VERSION) && strcmp(av, "argoproj.io/v1alpha1"))
		rc = berr_set(&err, BERR_INVALID, "apiVersion must be '%s'", API_GROUP_VERSION);
	if (!rc && kind && strcmp(kind, "Application"))
		rc = berr_set(&err, BERR_INVALID, "kind must be 'Application'");
	if (!rc && !json_is_object(meta))
		rc = berr_set(&err, BERR_INVALID, "'metadata.name' is required");
	if (!rc)
		rc = check_keys(meta, meta_known, "metadata", &err);
	if (!rc)
		rc = check_strings(meta, "metadata", 0, &err);
	json_t *labels = json_object_get(meta, "labels");
	json_t *annotations = json_object_get(meta, "annotations");
	const char *k;
	json_t *v;
	if (!rc && labels && !json_is_object(labels))
		rc = berr_set(&err, BERR_INVALID, "'metadata.labels' must be a map of strings");
	if (!rc)
		json_object_foreach(labels, k, v)
			if (!json_is_string(v)) {
				rc = berr_set(&err, BERR_INVALID, "label '%.64s' must be a string", k);
				break;
			}
	if (!rc && annotations && !json_is_object(annotations))
		rc = berr_set(&err, BERR_INVALID, "'metadata.annotations' must be a map of strings");
	if (!rc)
		json_object_foreach(annotations, k, v)
			if (!json_is_string(v)) {
				rc = berr_set(&err, BERR_INVALID, "annotation '%.64s' must be a string", k);
				break;
			}
	if (rc < 0) {
		json_decref(body);
		http_response_error(resp, 400, "%s", err.msg);
		return -1;
	}
	*out = body;
	return 0;
}

/* ------------------------------------------------------------ list and get */

static int matches_any(const json_t *app, const char *path_single, const char *path_multi,
		       const char **want, size_t nwant)
{
	const char *single = doc_get_str(app, path_single);
	for (size_t i = 0; i < nwant; i++) {
		if (single && !strcmp(single, want[i]))
			return 1;
		size_t j;
		json_t *s;
		json_array_foreach(doc_get(app, path_multi), j, s)
			if (api_str(s, "repoURL") && !strcmp(api_str(s, "repoURL"), want[i]))
				return 1;
	}
	return 0;
}

#define MAX_FILTER 64

static void list_apps(struct api_ctx *ctx, struct http_request *req, struct http_response *resp)
{
	const char *projects[MAX_FILTER], *repos[MAX_FILTER];
	size_t np = http_request_query_all(req, "projects", projects, MAX_FILTER);
	if (np < MAX_FILTER)
		np += http_request_query_all(req, "project", projects + np, MAX_FILTER - np);
	size_t nr = http_request_query_all(req, "repo", repos, MAX_FILTER);
	if (np > MAX_FILTER || nr > MAX_FILTER)
		return http_response_error(resp, 400, "at most %d project and repo filters",
					   MAX_FILTER);
	const char *selector = http_request_query(req, "selector");
	const char *name = http_request_query(req, "name");
	const char *search = http_request_query(req, "search");
	const char *sync = http_request_query(req, "sync");
	const char *health = http_request_query(req, "health");
	struct berr err = BERR_INIT;
	if (selector && *selector) {
		struct selector *sel;
		if (selector_parse_labels(&sel, selector, &err) < 0)
			return http_response_error(resp, 400, "invalid selector: %s", err.msg);
		selector_free(sel);
	}
	/* the plain list, as the UI and most clients ask it, may be kept */
	int plain = !np && !nr && !(selector && *selector) && !(name && *name) &&
		    !(search && *search) && !(sync && *sync) && !(health && *health) && ctx->st;
	unsigned long long version = 0;
	if (plain && api_apps_version(ctx->api, &version) == 0 &&
	    api_list_cache_get(ctx->api->list_cache, version, ctx->st->policy_digest, ctx->user,
			       resp))
		return;
	struct selector *sel = NULL;
	json_t *list = NULL, *cached = api_apps_snapshot(ctx->api, &version);
	if (cached) {
		if (selector && *selector)
			selector_parse_labels(&sel, selector, NULL);
		list = json_pack("{s:{}, s:o}", "metadata", "items", cached);
	} else {
		struct kube_ref ref = api_ref(ctx->api, "Application", NULL);
		struct kube_list_options lo = {
			.label_selector = selector && *selector ? selector : NULL };
		if (kube_client_list(ctx->api->kc, &list, &ref, &lo, &err) < 0)
			return api_error(resp, &err);
	}
	json_t *items = json_array();
	struct buf text = BUF_INIT;     /* the cache's items, already serialised */
	size_t i, nitems = 0;
	json_t *entry;
	json_array_foreach(json_object_get(list, "items"), i, entry) {
		json_t *app = cached ? json_object_get(entry, "app") : entry;
		const char *app_name = doc_get_str(app, "metadata.name");
		if (!app_name)
			continue;
		if (sel && !selector_match_object(sel, app))
			continue;
		if (np) {
			size_t j;
			for (j = 0; j < np && strcmp(projects[j], project_of(app)); j++)
				;
			if (j == np)
				continue;
		}
		if (nr && !matches_any(app, "spec.source.repoURL", "spec.sources", repos, nr))
			continue;
		if (name && *name && strcmp(name, app_name))
			continue;
		if (search && *search && !strstr(app_name, search))
			continue;
		const char *s = doc_get_str(app, "status.sync.status");
		if (sync && *sync && (!s || strcasecmp(s, sync)))
			continue;
		const char *h = doc_get_str(app, "status.health.status");
		if (health && *health && (!h || strcasecmp(h, health)))
			continue;
		char obj[256];
		rbac_object(obj, sizeof(obj), app);
		if (!api_can(ctx, "applications", "get", obj))
			continue;
		if (cached) {
			buf_adds(&text, nitems++ ? "," : "{\"metadata\":{},\"items\":[");
			buf_adds(&text, api_str(entry, "text"));
		} else {
			json_array_append(items, app);
		}
	}
	selector_free(sel);
	if (cached) {
		buf_adds(&text, nitems ? "]}" : "{\"metadata\":{},\"items\":[]}");
		if (plain)
			api_list_cache_put(ctx->api->list_cache, version, ctx->st->policy_digest,
					   ctx->user, text.data, text.len);
		http_response_text(resp, 200, "application/json", text.data, text.len);
		buf_release(&text);
		json_decref(items);
		json_decref(list);
		return;
	}
	json_t *out = json_pack("{s:{s:O*}, s:o}", "metadata", "resourceVersion",
				doc_get(list, "metadata.resourceVersion"), "items", items);
	json_decref(list);
	reply(resp, 200, out);
}

static int set_refresh(struct api *api, const char *name, const char *kind, json_t **out,
		       struct berr *err)
{
	struct kube_ref ref = api_ref(api, "Application", name);
	json_t *patch = json_pack("{s:{s:{s:s}}}", "metadata", "annotations", "bosun.io/refresh",
				  kind);
	char *text = json_dumps(patch, JSON_COMPACT);
	json_decref(patch);
	int rc = kube_client_patch(api->kc, out, &ref, KUBE_PATCH_MERGE, text, strlen(text),
				   NULL, err);
	free(text);
	if (rc == 0)
		api_apps_wrote(api, *out, 0);
	return rc;
}

static void get_one(struct api_ctx *ctx, struct http_request *req, struct http_response *resp)
{
	json_t *app = load_allowed(ctx, req, resp, "get");
	if (!app)
		return;
	const char *refresh = http_request_query(req, "refresh");
	if (refresh && *refresh) {
		if (strcmp(refresh, "normal") && strcmp(refresh, "hard")) {
			json_decref(app);
			return http_response_error(resp, 400, "refresh must be 'normal' or 'hard'");
		}
		json_t *updated;
		struct berr err = BERR_INIT;
		if (set_refresh(ctx->api, doc_get_str(app, "metadata.name"), refresh, &updated,
				&err) < 0) {
			json_decref(app);
			return api_error(resp, &err);
		}
		json_decref(app);
		app = updated;
	}
	reply(resp, 200, app);
}

/* ------------------------------------------------------------ create, update */

static json_t *clean_object(const json_t *body, const char *name, const char *ns)
{
	json_t *meta = json_object_get(body, "metadata");
	json_t *out = json_pack("{s:s, s:s, s:{s:s, s:s}, s:O}", "apiVersion", API_GROUP_VERSION,
				"kind", "Application", "metadata", "name", name, "namespace", ns,
				"spec", json_object_get(body, "spec"));
	json_t *m = json_object_get(out, "metadata");
	const char *keys[] = { "labels", "annotations", "finalizers" };
	for (size_t i = 0; i < 3; i++)
		if (json_object_get(meta, keys[i]))
			json_object_set(m, keys[i], json_object_get(meta, keys[i]));
	return out;
}

static void create_app(struct api_ctx *ctx, struct http_request *req,
		       struct http_response *resp)
{
	json_t *body;
	if (decode_app(req, resp, &body) < 0)
		return;
	struct berr err = BERR_INIT;
	const char *name = doc_get_str(body, "metadata.name");
	json_t *spec = json_object_get(body, "spec");
	const char *upsert = http_request_query(req, "upsert");
	json_t *obj = NULL, *existing = NULL, *res = NULL;
	char rbac[256];
	if (!name || !api_valid_name(name, APP_NAME_MAX)) {
		http_response_error(resp, 400,
				    "invalid application name '%.80s': lower-case letters, digits, '-' and '.', at most %d",
				    name ? name : "", APP_NAME_MAX);
		goto out;
	}
	if (check_spec(spec, &err) < 0) {
		http_response_error(resp, 400, "%s", err.msg);
		goto out;
	}
	snprintf(rbac, sizeof(rbac), "%s/%s", api_str(spec, "project"), name);
	if (!api_allow(ctx, resp, "applications", "create", rbac))
		goto out;
	if (check_project(ctx->api, spec, &err) < 0) {
		http_response_error(resp, err.code == BERR_AUTH ? 403 : 400, "%s", err.msg);
		goto out;
	}
	obj = clean_object(body, name, ctx->api->ns);
	int rc = kube_client_create(ctx->api->kc, &res, obj, NULL, &err);
	if (rc == BERR_EXISTS && upsert && !strcmp(upsert, "true")) {
		if (!api_allow(ctx, resp, "applications", "update", rbac))
			goto out;
		if (get_app(ctx->api, name, &existing, &err) == 0) {
			json_object_set(existing, "spec", spec);
			rc = kube_client_update(ctx->api->kc, &res, existing, NULL, &err);
		} else {
			rc = err.code;
		}
	} else if (rc == BERR_EXISTS) {
		http_response_error(resp, 409, "application '%s' already exists", name);
		goto out;
	}
	if (rc < 0) {
		api_error(resp, &err);
		goto out;
	}
	api_apps_wrote(ctx->api, res, 0);
	log_info("application created", "app", name, "by", ctx->user, NULL);
	reply(resp, 200, res);
	res = NULL;
out:
	json_decref(res);
	json_decref(existing);
	json_decref(obj);
	json_decref(body);
}

/* Replaces the spec (and labels/annotations when given), with a retry on
 * a concurrent write. */
static void write_spec(struct api_ctx *ctx, struct http_response *resp, const char *name,
		       json_t *spec, json_t *meta)
{
	struct berr err = BERR_INIT;
	if (check_spec(spec, &err) < 0)
		return http_response_error(resp, 400, "%s", err.msg);
	for (int attempt = 0; attempt < WRITE_RETRIES; attempt++) {
		json_t *app;
		if (get_app(ctx->api, name, &app, &err) < 0)
			return api_error(resp, &err);
		char rbac[256];
		rbac_object(rbac, sizeof(rbac), app);
		int ok = api_allow(ctx, resp, "applications", "update", rbac);
		if (ok && strcmp(project_of(app), api_str(spec, "project"))) {
			snprintf(rbac, sizeof(rbac), "%s/%s", api_str(spec, "project"), name);
			ok = api_allow(ctx, resp, "applications", "update", rbac);
		}
		if (!ok) {
			json_decref(app);
			return;
		}
		if (check_project(ctx->api, spec, &err) < 0) {
			json_decref(app);
			return http_response_error(resp, err.code == BERR_AUTH ? 403 : 400, "%s",
						   err.msg);
		}
		json_object_set(app, "spec", spec);
		json_t *m = json_object_get(app, "metadata");
		if (json_object_get(meta, "labels"))
			json_object_set(m, "labels", json_object_get(meta, "labels"));
		if (json_object_get(meta, "annotations"))
			json_object_set(m, "annotations", json_object_get(meta, "annotations"));
		json_t *res = NULL;
		int rc = kube_client_update(ctx->api->kc, &res, app, NULL, &err);
		json_decref(app);
		if (rc == BERR_CONFLICT)
			continue;
		if (rc < 0)
			return api_error(resp, &err);
		api_apps_wrote(ctx->api, res, 0);
		return reply(resp, 200, res);
	}
	http_response_error(resp, 409, "application '%s' kept changing; try again", name);
}

static void update_app(struct api_ctx *ctx, struct http_request *req,
		       struct http_response *resp)
{
	const char *name = name_param(req, resp);
	json_t *body;
	if (!name || decode_app(req, resp, &body) < 0)
		return;
	const char *bname = doc_get_str(body, "metadata.name");
	if (bname && strcmp(bname, name))
		http_response_error(resp, 400, "'metadata.name' does not match the path");
	else
		write_spec(ctx, resp, name, json_object_get(body, "spec"),
			   json_object_get(body, "metadata"));
	json_decref(body);
}

static void update_spec(struct api_ctx *ctx, struct http_request *req,
			struct http_response *resp)
{
	const char *name = name_param(req, resp);
	json_t *spec;
	if (!name || api_body_object(req, resp, &spec) < 0)
		return;
	write_spec(ctx, resp, name, spec, NULL);
	json_decref(spec);
}

/* ------------------------------------------------------------ delete */

static void delete_app(struct api_ctx *ctx, struct http_request *req,
		       struct http_response *resp)
{
	json_t *app = load_allowed(ctx, req, resp, "delete");
	if (!app)
		return;
	const char *cascade = http_request_query(req, "cascade");
	const char *policy = http_request_query(req, "propagationPolicy");
	int do_cascade = !cascade || strcmp(cascade, "false");
	if (cascade && strcmp(cascade, "true") && strcmp(cascade, "false")) {
		json_decref(app);
		return http_response_error(resp, 400, "cascade must be true or false");
	}
	const char *finalizer = API_FINALIZER;
	if (policy && !strcasecmp(policy, "background"))
		finalizer = API_FINALIZER "/background";
	else if (policy && *policy && strcasecmp(policy, "foreground")) {
		json_decref(app);
		return http_response_error(resp, 400, "propagationPolicy must be foreground or background");
	}
	const char *name = doc_get_str(app, "metadata.name");
	/* set the finalizers as asked, then delete: the controller removes the
	 * app's resources before it lets the finalizer go */
	json_t *fins = json_array();
	size_t i;
	json_t *f;
	json_array_foreach(doc_get(app, "metadata.finalizers"), i, f)
		if (json_is_string(f) && strncmp(json_string_value(f), API_FINALIZER,
						 strlen(API_FINALIZER)))
			json_array_append(fins, f);
	if (do_cascade)
		json_array_append_new(fins, json_string(finalizer));
	json_t *patch = json_pack("{s:{s:o}}", "metadata", "finalizers", fins);
	char *text = json_dumps(patch, JSON_COMPACT);
	json_decref(patch);
	struct berr err = BERR_INIT;
	struct kube_ref ref = api_ref(ctx->api, "Application", name);
	json_t *res = NULL;
	int rc = kube_client_patch(ctx->api->kc, &res, &ref, KUBE_PATCH_MERGE, text,
				   strlen(text), NULL, &err);
	free(text);
	json_decref(res);
	res = NULL;
	if (rc == 0)
		rc = kube_client_delete(ctx->api->kc, &res, &ref, NULL, &err);
	if (rc == 0)
		api_apps_wrote(ctx->api, res, !do_cascade);
	json_decref(res);
	if (rc < 0) {
		json_decref(app);
		return api_error(resp, &err);
	}
	log_info("application deleted", "app", name, "cascade", do_cascade ? "true" : "false",
		 "by", ctx->user, NULL);
	json_decref(app);
	reply(resp, 200, json_object());
}

/* ------------------------------------------------------------ operations */

static int operation_running(const json_t *app)
{
	if (json_object_get(app, "operation") && !json_is_null(json_object_get(app, "operation")))
		return 1;
	const char *phase = doc_get_str(app, "status.operationState.phase");
	return phase && (!strcmp(phase, "Running") || !strcmp(phase, "Terminating"));
}

/* Writes op as the app's operation with optimistic locking; answers. The
 * controller writes status all the time (right after a create, say): a
 * conflict is retried on a fresh copy as long as its spec, which the
 * request was checked against, is the same and no operation started. */
static void write_operation(struct api_ctx *ctx, struct http_response *resp, json_t *app,
			    json_t *op, const char *what)
{
	struct berr err = BERR_INIT;
	char name[APP_NAME_MAX + 1];
	snprintf(name, sizeof(name), "%s", doc_get_str(app, "metadata.name") ?: "");
	json_object_set_new(op, "initiatedBy", json_pack("{s:s}", "username", ctx->user));
	json_t *spec = json_incref(json_object_get(app, "spec")), *cur = json_incref(app);
	json_t *res = NULL;
	int rc = BERR_CONFLICT, busy = 0;
	for (int attempt = 0; attempt < WRITE_RETRIES && rc == BERR_CONFLICT; attempt++) {
		if (attempt) {
			json_decref(cur);
			cur = NULL;
			if ((rc = get_app(ctx->api, name, &cur, &err)) < 0)
				break;
			if ((busy = operation_running(cur)))
				break;
			if (!doc_equal(json_object_get(cur, "spec"), spec)) {
				rc = BERR_CONFLICT;
				break;
			}
		}
		json_object_set(cur, "operation", op);
		rc = kube_client_update(ctx->api->kc, &res, cur, NULL, &err);
	}
	json_decref(cur);
	json_decref(spec);
	if (busy)
		return http_response_error(resp, 409, "another operation is already in progress");
	if (rc == BERR_CONFLICT)
		return http_response_error(resp, 409,
					   "application '%s' changed meanwhile; try again", name);
	if (rc < 0)
		return api_error(resp, &err);
	api_apps_wrote(ctx->api, res, 0);
	log_info(what, "app", name, "by", ctx->user, NULL);
	reply(resp, 200, res);
}

static int parse_resources(const json_t *in, json_t **out, struct berr *err)
{
	*out = NULL;
	if (!in || json_is_null(in))
		return 0;
	if (!json_is_array(in) || json_array_size(in) > 10000)
		return berr_set(err, BERR_INVALID, "'resources' must be a list");
	json_t *list = json_array();
	size_t i;
	json_t *r;
	json_array_foreach(in, i, r) {
		const char *kind = api_str(r, "kind"), *name = api_str(r, "name");
		json_t *g = json_object_get(r, "group"), *ns = json_object_get(r, "namespace");
		if (!json_is_object(r) || !kind || !*kind || !name || !*name ||
		    (g && !json_is_string(g)) || (ns && !json_is_string(ns))) {
			json_decref(list);
			return berr_set(err, BERR_INVALID,
					"'resources[%zu]' needs kind and name (and string group, namespace)",
					i);
		}
		json_array_append_new(list, json_pack("{s:s, s:s, s:s, s:s}", "group",
						      g ? json_string_value(g) : "", "kind", kind,
						      "name", name, "namespace",
						      ns ? json_string_value(ns) : ""));
	}
	*out = list;
	return 0;
}

static int parse_sync_options(const json_t *in, json_t **out, struct berr *err)
{
	*out = NULL;
	if (!in || json_is_null(in))
		return 0;
	if (json_is_object(in))         /* Argo CD's {"items": [...]} */
		in = json_object_get(in, "items");
	if (!json_is_array(in) || json_array_size(in) > 100)
		return berr_set(err, BERR_INVALID, "'syncOptions' must be a list of strings");
	size_t i;
	json_t *o;
	json_array_foreach(in, i, o)
		if (!json_is_string(o) || !strchr(json_string_value(o), '=') ||
		    json_string_length(o) > 256)
			return berr_set(err, BERR_INVALID, "'syncOptions[%zu]' must be 'Name=value'",
					i);
	*out = json_incref((json_t *)in);
	return 0;
}

static int bool_field(const json_t *body, const char *key, int *out, struct berr *err)
{
	json_t *v = json_object_get(body, key);
	if (v && !json_is_boolean(v))
		return berr_set(err, BERR_INVALID, "'%s' must be true or false", key);
	*out = json_is_true(v);
	return 0;
}

static void sync_app(struct api_ctx *ctx, struct http_request *req, struct http_response *resp)
{
	static const char *const known[] = { "revision", "prune", "dryRun", "resources",
					     "syncOptions", "strategy", "retryStrategy", "name",
					     "manifests", "infos", NULL };
	json_t *body = NULL;
	if (req->body_len && api_body_object(req, resp, &body) < 0)
		return;
	if (!body)
		body = json_object();
	struct berr err = BERR_INIT;
	json_t *resources = NULL, *options = NULL, *app = NULL;
	int prune = 0, dry = 0;
	json_t *rev = json_object_get(body, "revision");
	if (check_keys(body, known, "", &err) < 0 || bool_field(body, "prune", &prune, &err) < 0 ||
	    bool_field(body, "dryRun", &dry, &err) < 0 ||
	    parse_resources(json_object_get(body, "resources"), &resources, &err) < 0 ||
	    parse_sync_options(json_object_get(body, "syncOptions"), &options, &err) < 0 ||
	    (rev && (!json_is_string(rev) || json_string_length(rev) > 256)) ||
	    json_object_get(body, "manifests")) {
		if (!err.msg[0])
			berr_set(&err, BERR_INVALID, json_object_get(body, "manifests")
				 ? "'manifests' is not supported" : "'revision' must be a string");
		http_response_error(resp, 400, "%s", err.msg);
		goto out;
	}
	if (!(app = load_allowed(ctx, req, resp, "sync")))
		goto out;
	if (operation_running(app)) {
		http_response_error(resp, 409, "another operation is already in progress");
		goto out;
	}
	if (check_project(ctx->api, json_object_get(app, "spec"), &err) < 0 ||
	    check_sync_windows(ctx->api, app, &err) < 0 ||
	    check_project_resources(ctx, app, &err) < 0) {
		http_response_error(resp, err.code == BERR_AUTH ? 403 : 400, "%s", err.msg);
		goto out;
	}
	const char *revision = rev && *json_string_value(rev) ? json_string_value(rev)
			       : doc_get_str(app, "spec.source.targetRevision");
	json_t *sync = json_pack("{s:s, s:b, s:b}", "revision", revision ? revision : "HEAD",
				 "prune", prune, "dryRun", dry);
	if (resources)
		json_object_set(sync, "resources", resources);
	if (options)
		json_object_set(sync, "syncOptions", options);
	json_t *retry = json_object_get(body, "retryStrategy");
	json_t *op = json_pack("{s:o}", "sync", sync);
	if (json_is_object(retry))
		json_object_set(op, "retry", retry);
	write_operation(ctx, resp, app, op, "sync requested");
	json_decref(op);
out:
	json_decref(app);
	json_decref(resources);
	json_decref(options);
	json_decref(body);
}

static void rollback_app(struct api_ctx *ctx, struct http_request *req,
			 struct http_response *resp)
{
	static const char *const known[] = { "id", "dryRun", "prune", "name", NULL };
	json_t *body;
	if (api_body_object(req, resp, &body) < 0)
		return;
	struct berr err = BERR_INIT;
	int prune = 0, dry = 0;
	json_t *id = json_object_get(body, "id");
	json_t *app = NULL;
	if (check_keys(body, known, "", &err) < 0 || bool_field(body, "prune", &prune, &err) < 0 ||
	    bool_field(body, "dryRun", &dry, &err) < 0) {
		http_response_error(resp, 400, "%s", err.msg);
		goto out;
	}
	if (!json_is_integer(id) || json_integer_value(id) < 0) {
		http_response_error(resp, 400, "'id' must be a history id");
		goto out;
	}
	if (!(app = load_allowed(ctx, req, resp, "sync")))
		goto out;
	if (json_is_object(doc_get(app, "spec.syncPolicy.automated"))) {
		http_response_error(resp, 400, "rollback cannot be initiated when auto-sync is enabled");
		goto out;
	}
	if (operation_running(app)) {
		http_response_error(resp, 409, "another operation is already in progress");
		goto out;
	}
	if (check_sync_windows(ctx->api, app, &err) < 0) {
		http_response_error(resp, err.code == BERR_AUTH ? 403 : 400, "%s", err.msg);
		goto out;
	}
	json_t *entry = NULL;
	size_t i;
	json_t *h;
	json_array_foreach(doc_get(app, "status.history"), i, h)
		if (json_integer_value(json_object_get(h, "id")) == json_integer_value(id))
			entry = h;
	if (!entry) {
		http_response_error(resp, 404, "application '%s' has no history id %lld",
				    doc_get_str(app, "metadata.name"),
				    (long long)json_integer_value(id));
		goto out;
	}
	/* the controller re-applies the release stored with the entry */
	json_t *rollback = json_pack("{s:I, s:b}", "id", json_integer_value(id), "prune", prune);
	if (dry)
		json_object_set_new(rollback, "dryRun", json_true());
	json_t *op = json_pack("{s:o}", "rollback", rollback);
	write_operation(ctx, resp, app, op, "rollback requested");
	json_decref(op);
out:
	json_decref(app);
	json_decref(body);
}

static void terminate_operation(struct api_ctx *ctx, struct http_request *req,
				struct http_response *resp)
{
	json_t *app = load_allowed(ctx, req, resp, "sync");
	if (!app)
		return;
	const char *phase = doc_get_str(app, "status.operationState.phase");
	struct berr err = BERR_INIT;
	const char *patch;
	if (phase && !strcmp(phase, "Running"))
		patch = "{\"status\":{\"operationState\":{\"phase\":\"Terminating\"}}}";
	else if (json_is_object(json_object_get(app, "operation")))
		patch = "{\"operation\":null}"; /* not started yet: withdraw it */
	else {
		json_decref(app);
		return http_response_error(resp, 400,
					   "unable to terminate operation: no operation is in progress");
	}
	struct kube_ref ref = api_ref(ctx->api, "Application", doc_get_str(app, "metadata.name"));
	json_t *res = NULL;
	int rc = kube_client_patch(ctx->api->kc, &res, &ref, KUBE_PATCH_MERGE, patch,
				   strlen(patch), NULL, &err);
	json_decref(app);
	if (rc < 0)
		return api_error(resp, &err);
	api_apps_wrote(ctx->api, res, 0);
	json_decref(res);
	reply(resp, 200, json_object());
}

/* ------------------------------------------------------------ views */

static void history(struct api_ctx *ctx, struct http_request *req, struct http_response *resp)
{
	json_t *app = load_allowed(ctx, req, resp, "get");
	if (!app)
		return;
	json_t *h = doc_get(app, "status.history");
	json_t *out = json_pack("{s:o}", "items", json_is_array(h) ? json_incref(h) : json_array());
	json_decref(app);
	reply(resp, 200, out);
}

static void events(struct api_ctx *ctx, struct http_request *req, struct http_response *resp)
{
	json_t *app = load_allowed(ctx, req, resp, "get");
	if (!app)
		return;
	const char *name = doc_get_str(app, "metadata.name");
	struct kube_ref ref = { .api_version = "v1", .kind = "Event", .namespace = ctx->api->ns };
	json_t *list;
	struct berr err = BERR_INIT;
	if (kube_client_list(ctx->api->kc, &list, &ref, NULL, &err) < 0) {
		json_decref(app);
		return api_error(resp, &err);
	}
	json_t *items = json_array();
	size_t i;
	json_t *ev;
	json_array_foreach(json_object_get(list, "items"), i, ev) {
		const char *kind = doc_get_str(ev, "involvedObject.kind");
		const char *n = doc_get_str(ev, "involvedObject.name");
		if (kind && n && !strcmp(kind, "Application") && !strcmp(n, name))
			json_array_append(items, ev);
	}
	json_decref(list);
	json_decref(app);
	reply(resp, 200, json_pack("{s:o}", "items", items));
}

static void resource_tree(struct api_ctx *ctx, struct http_request *req,
			  struct http_response *resp)
{
	json_t *app = load_allowed(ctx, req, resp, "get");
	if (!app)
		return;
	json_t *tree = api_resource_tree(ctx->api, app);
	json_decref(app);
	reply(resp, 200, tree);
}

/* The request the repo server takes for the app's (first) source. */
static json_t *manifest_request(struct api *api, const json_t *app, const char *revision)
{
	const json_t *src = doc_get(app, "spec.source");
	if (!src)
		src = doc_get(app, "spec.sources[0]");
	json_t *req = json_object();
	const char *url = api_str(src, "repoURL");
	json_object_set_new(req, "repoURL", json_string(url ? url : ""));
	const char *rev = revision && *revision ? revision : api_str(src, "targetRevision");
	json_object_set_new(req, "targetRevision", json_string(rev && *rev ? rev : "HEAD"));
	json_object_set_new(req, "path", json_string(api_str(src, "path") ? api_str(src, "path")
							     : "."));
	const char *keys[] = { "directory", "helm", "chart" };
	for (size_t i = 0; i < 3; i++)
		if (json_object_get(src, keys[i]))
			json_object_set(req, keys[i], json_object_get(src, keys[i]));
	json_object_set_new(req, "appName", json_string(doc_get_str(app, "metadata.name")));
	const char *ns = doc_get_str(app, "spec.destination.namespace");
	json_object_set_new(req, "namespace", json_string(ns ? ns : ""));
	json_object_set_new(req, "repo", api_repo_credentials(api, url ? url : ""));
	return req;
}

static int target_manifests(struct api_ctx *ctx, const json_t *app, const char *revision,
			    json_t **out, struct http_response *resp)
{
	if (!ctx->api->repo) {
		http_response_error(resp, 503, "no repo server is configured");
		return -1;
	}
	json_t *rq = manifest_request(ctx->api, app, revision);
	struct berr err = BERR_INIT;
	long status = 0;
	int rc = api_repo_server_post(ctx->api, "/v1/manifests", rq, out, &status, &err);
	json_decref(rq);
	if (rc < 0) {
		http_response_error(resp, status >= 400 && status < 600 ? (int)status : 502,
				    "%s", err.msg);
		return -1;
	}
	return 0;
}

static void manifests(struct api_ctx *ctx, struct http_request *req, struct http_response *resp)
{
	json_t *app = load_allowed(ctx, req, resp, "get");
	if (!app)
		return;
	json_t *res;
	if (target_manifests(ctx, app, http_request_query(req, "revision"), &res, resp) < 0) {
		json_decref(app);
		return;
	}
	json_t *texts = json_array();
	size_t i;
	json_t *m;
	json_array_foreach(json_object_get(res, "manifests"), i, m) {
		secret_mask(m);
		char *t = json_dumps(m, JSON_COMPACT);
		json_array_append_new(texts, json_string(t));
		free(t);
	}
	json_t *out = json_pack("{s:o, s:O*, s:O*}", "manifests", texts, "revision",
				json_object_get(res, "revision"), "sourceType",
				json_object_get(res, "sourceType"));
	json_decref(res);
	json_decref(app);
	reply(resp, 200, out);
}

/* 1 when the tree node is the resource group/kind/namespace/name. */
static int node_is(const json_t *n, const char *group, const char *kind, const char *ns,
		   const char *name)
{
	const char *g = api_str(n, "group"), *k = api_str(n, "kind");
	const char *s = api_str(n, "namespace"), *m = api_str(n, "name");
	return !strcmp(g ? g : "", group) && k && !strcmp(k, kind) &&
	       !strcmp(s ? s : "", ns) && m && !strcmp(m, name);
}

/* The live manifest of one resource of the app's tree (its own resources
 * and what they own, such as Pods), as Argo CD's GET .../resource:
 * {"manifest": JSON text}, Secret values masked. Anything outside the tree
 * is refused, so seeing an app does not mean seeing the whole cluster. */
static void resource(struct api_ctx *ctx, struct http_request *req, struct http_response *resp)
{
	const char *group = http_request_query(req, "group");
	const char *kind = http_request_query(req, "kind");
	const char *ns = http_request_query(req, "namespace");
	const char *name = http_request_query(req, "resourceName");
	group = group ? group : "";
	ns = ns ? ns : "";
	if (!kind || !*kind || !name || !*name || strlen(group) > 253 || strlen(kind) > 63
	    || strlen(ns) > 63 || strlen(name) > 253) {
		http_response_error(resp, 400, "query 'kind' and 'resourceName' are required "
				    "(with 'group', 'version' and 'namespace' as needed)");
		return;
	}
	json_t *app = load_allowed(ctx, req, resp, "get");
	if (!app)
		return;
	json_t *tree = api_resource_tree(ctx->api, app), *n, *found = NULL;
	size_t i;
	json_array_foreach(json_object_get(tree, "nodes"), i, n)
		if (node_is(n, group, kind, ns, name)) {
			found = n;
			break;
		}
	if (!found) {
		http_response_error(resp, 404, "%s%s%s '%s' is not a resource of application '%s'",
				    kind, *group ? "." : "", group, name,
				    doc_get_str(app, "metadata.name"));
	} else {
		const char *version = api_str(found, "version");
		const char *qv = http_request_query(req, "version");
		char av[320];
		snprintf(av, sizeof(av), "%s%s%s", group, *group ? "/" : "",
			 version && *version ? version : qv && *qv ? qv : "v1");
		struct kube_ref ref = { .api_version = av, .kind = kind,
					.namespace = *ns ? ns : NULL, .name = name };
		json_t *live = NULL;
		struct berr err = BERR_INIT;
		struct kube_client *kc = NULL;
		if (api_destination_client(ctx->api, doc_get(app, "spec.destination"), &kc, &err) < 0
		    || kube_client_get(kc, &live, &ref, &err) < 0) {
			api_error(resp, &err);
		} else {
			secret_mask(live);
			char *t = json_dumps(live, JSON_COMPACT);
			reply(resp, 200, json_pack("{s:s}", "manifest", t));
			free(t);
			json_decref(live);
		}
		if (kc != ctx->api->kc)
			kube_client_free(kc);
	}
	json_decref(tree);
	json_decref(app);
}

/* Argo CD's RevisionMetadata of one commit of the app's repository:
 * author, date, message and tags, read by the repo server (which caches
 * them by SHA). */
static void revision_metadata(struct api_ctx *ctx, struct http_request *req,
			      struct http_response *resp)
{
	const char *rev = http_request_param(req, "revision");
	size_t n = rev ? strlen(rev) : 0;
	int ok = n > 0 && n <= 255;
	for (size_t i = 0; ok && i < n; i++)
		ok = (unsigned char)rev[i] > 0x20 && rev[i] != 0x7f && rev[i] != '\\';
	if (!ok) {
		http_response_error(resp, 400, "invalid revision '%.80s'", rev ? rev : "");
		return;
	}
	json_t *app = load_allowed(ctx, req, resp, "get");
	if (!app)
		return;
	const json_t *src = doc_get(app, "spec.source");
	if (!src)
		src = doc_get(app, "spec.sources[0]");
	const char *url = api_str(src, "repoURL") ? api_str(src, "repoURL") : "";
	json_t *rq = json_pack("{s:s, s:s, s:o}", "repoURL", url, "revision", rev,
			       "repo", api_repo_credentials(ctx->api, url));
	json_decref(app);
	json_t *res = NULL;
	long status = 0;
	struct berr err = BERR_INIT;
	int rc = api_repo_server_post(ctx->api, "/v1/revision-metadata", rq, &res, &status, &err);
	json_decref(rq);
	if (rc < 0) {
		http_response_error(resp, status >= 400 && status < 600 ? (int)status
				    : rc == BERR_UNSUPPORTED ? 503 : 502, "%s", err.msg);
		return;
	}
	json_t *out = json_object();
	static const char *const keys[] = { "author", "date", "message", "tags" };
	for (size_t i = 0; i < sizeof(keys) / sizeof(*keys); i++)
		if (json_object_get(res, keys[i]))
			json_object_set(out, keys[i], json_object_get(res, keys[i]));
	json_decref(res);
	reply(resp, 200, out);
}

static int same_resource(const json_t *a, const char *group, const char *kind,
			 const char *ns, const char *name)
{
	const char *av = api_str(a, "apiVersion");
	const char *slash = av ? strchr(av, '/') : NULL;
	size_t glen = slash ? (size_t)(slash - av) : 0;
	const char *ans = doc_get_str(a, "metadata.namespace");
	return api_str(a, "kind") && !strcmp(api_str(a, "kind"), kind) &&
	       doc_get_str(a, "metadata.name") && !strcmp(doc_get_str(a, "metadata.name"), name) &&
	       strlen(group) == glen && !strncmp(group, av ? av : "", glen) &&
	       (!*ns || !ans || !strcmp(ans, ns));
}

static void managed_resources(struct api_ctx *ctx, struct http_request *req,
			      struct http_response *resp)
{
	json_t *app = load_allowed(ctx, req, resp, "get");
	if (!app)
		return;
	json_t *target = NULL;
	if (ctx->api->repo && target_manifests(ctx, app, NULL, &target, resp) < 0) {
		json_decref(app);
		return;
	}
	/* live states from the destination; without a usable client (cluster
	 * unregistered or unreachable) the items carry the target state only */
	struct kube_client *kc = NULL;
	api_destination_client(ctx->api, doc_get(app, "spec.destination"), &kc, NULL);
	json_t *items = json_array();
	size_t i;
	json_t *r;
	json_array_foreach(doc_get(app, "status.resources"), i, r) {
		const char *group = api_str(r, "group") ? api_str(r, "group") : "";
		const char *version = api_str(r, "version") ? api_str(r, "version") : "v1";
		const char *kind = api_str(r, "kind"), *name = api_str(r, "name");
		const char *ns = api_str(r, "namespace") ? api_str(r, "namespace") : "";
		if (!kind || !name)
			continue;
		json_t *item = json_pack("{s:s, s:s, s:s, s:s}", "group", group, "kind", kind,
					 "namespace", ns, "name", name);
		size_t j;
		json_t *m;
		json_array_foreach(json_object_get(target, "manifests"), j, m)
			if (same_resource(m, group, kind, ns, name)) {
				json_t *c = json_deep_copy(m);
				secret_mask(c);
				char *t = json_dumps(c, JSON_COMPACT);
				json_object_set_new(item, "targetState", json_string(t));
				free(t);
				json_decref(c);
			}
		if (kc) {
			char av[320];
			snprintf(av, sizeof(av), "%s%s%s", group, *group ? "/" : "", version);
			struct kube_ref ref = { .api_version = av, .kind = kind,
						.namespace = *ns ? ns : NULL, .name = name };
			json_t *live = NULL;
			if (kube_client_get(kc, &live, &ref, NULL) == 0) {
				secret_mask(live);
				char *t = json_dumps(live, JSON_COMPACT);
				json_object_set_new(item, "liveState", json_string(t));
				free(t);
				json_decref(live);
			}
		}
		if (json_object_get(r, "status"))
			json_object_set(item, "syncStatus", json_object_get(r, "status"));
		json_array_append_new(items, item);
	}
	if (kc != ctx->api->kc)
		kube_client_free(kc);
	json_decref(target);
	json_decref(app);
	reply(resp, 200, json_pack("{s:o}", "items", items));
}

const struct api_route api_routes_applications[] = {
	{ "GET", "/api/v1/applications", list_apps, 0 },
	{ "POST", "/api/v1/applications", create_app, 0 },
	{ "GET", "/api/v1/applications/{name}", get_one, 0 },
	{ "PUT", "/api/v1/applications/{name}", update_app, 0 },
	{ "DELETE", "/api/v1/applications/{name}", delete_app, 0 },
	{ "PUT", "/api/v1/applications/{name}/spec", update_spec, 0 },
	{ "POST", "/api/v1/applications/{name}/sync", sync_app, 0 },
	{ "POST", "/api/v1/applications/{name}/rollback", rollback_app, 0 },
	{ "DELETE", "/api/v1/applications/{name}/operation", terminate_operation, 0 },
	{ "GET", "/api/v1/applications/{name}/manifests", manifests, 0 },
	{ "GET", "/api/v1/applications/{name}/managed-resources", managed_resources, 0 },
	{ "GET", "/api/v1/applications/{name}/resource-tree", resource_tree, 0 },
	{ "GET", "/api/v1/applications/{name}/resource", resource, 0 },
	{ "GET", "/api/v1/applications/{name}/events", events, 0 },
	{ "GET", "/api/v1/applications/{name}/history", history, 0 },
	{ "GET", "/api/v1/applications/{name}/revisions/{revision}/metadata", revision_metadata, 0 },
	{ NULL, NULL, NULL, 0 },
};
