/*
 * compare — what the app wants against what runs.
 *
 * The desired side comes from the repo server (POST /v1/manifests); it is
 * fetched again on a refresh or a change of the app's source or
 * destination, and otherwise reused from the app's memory, so the
 * refreshes that live-state events cause cost no git work. A periodic
 * resync asks the repo server what the source's revision resolves to now
 * (one question per repository and revision, shared by every app) and
 * fetches again only when git moved. The credentials of the app's
 * repository come from its repository Secret and go to the repo server
 * with each request, as the API's own requests do. Each
 * manifest becomes the object Bosun would apply (namespace defaulted,
 * tracking label and annotation set) and is diffed with the live object from
 * the cache by diff_compute(), the legacy three-way diff over the
 * last-applied annotation that sync.c writes. Live objects the app tracks
 * that git no longer has are `requiresPruning`. Hooks are kept aside: they
 * run during a sync and are not part of the sync status, as in Argo CD.
 *
 * For drift alerts each modified resource also gets the JSON paths that
 * differ, git's and the live value of each (Secret values already masked by
 * the diff), and the last writer from managedFields.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base64.h"
#include "clock.h"
#include "ctrl.h"
#include "diff.h"
#include "doc.h"
#include "health.h"
#include "ignore.h"
#include "log.h"
#include "release.h"
#include "secret.h"
#include "syncplan.h"
#include "yaml.h"

#define MAX_DRIFT_PATHS 20
#define RESOLVE_REUSE_MS 5000
#define RESOLVE_CACHE_MAX 4096
#define REPO_CREDS_REUSE_MS 1000

void compare_result_release(struct compare_result *r)
{
	json_decref(r->targets);
	json_decref(r->resources);
	json_decref(r->drifted);
	buf_release(&r->health_message);
	buf_release(&r->error);
	buf_release(&r->shared);
	memset(r, 0, sizeof(*r));
}

static const char *dest_namespace(const json_t *app)
{
	const char *ns = doc_get_str(app, "spec.destination.namespace");
	return ns && *ns ? ns : "default";
}

/* The repository Secrets (label bosun.io/secret-type: repository, or Argo
 * CD's) as url → the repo server's `repo` object; the first Secret of a url
 * wins, Bosun's label before Argo CD's. */
static json_t *list_repo_credentials(struct controller *c)
{
	static const char *const selectors[] = { "bosun.io/secret-type=repository",
						 "argocd.argoproj.io/secret-type=repository" };
	struct kube_ref ref = { "v1", "Secret", c->cfg.namespace, NULL, NULL };
	json_t *table = json_object();
	for (size_t k = 0; k < sizeof(selectors) / sizeof(*selectors); k++) {
		struct kube_list_options lo = { .label_selector = selectors[k] };
		json_t *list = NULL, *s, *e;
		struct berr err = BERR_INIT;
		size_t i;
		const char *key;
		if (kube_client_list(c->kc, &list, &ref, &lo, &err) < 0) {
			log_warn("cannot list repository secrets", "error", err.msg, NULL);
			continue;
		}
		json_array_foreach(json_object_get(list, "items"), i, s) {
			json_t *data = json_object();
			json_object_foreach(json_object_get(s, "data"), key, e) {
				struct buf v = BUF_INIT;
				const char *b64 = json_string_value(e);
				if (b64 && b64_decode(&v, b64, strlen(b64), NULL) == 0)
					json_object_set_new(data, key, json_string(v.data));
				buf_release(&v);
			}
			const char *u = json_string_value(json_object_get(data, "url"));
			json_t *creds = u && !json_object_get(table, u) ? secret_repo_credentials(data)
									: NULL;
			if (creds)
				json_object_set_new(table, u, creds);
			json_decref(data);
		}
		json_decref(list);
	}
	return table;
}

/* The credentials of the repository Secret whose url is url, as the repo
 * server's `repo` object (a new reference); NULL when none is registered.
 * The Secrets are listed at most once per REPO_CREDS_REUSE_MS and shared by
 * every fetch in between: after a restart thousands of apps fetch at once,
 * and a changed password must still work within a second. */
static json_t *repo_credentials(struct controller *c, const char *url)
{
	pthread_mutex_lock(&c->resolve_mu);
	json_t *table = c->repo_creds && clock_ms() - c->repo_creds_at < REPO_CREDS_REUSE_MS
				? json_incref(c->repo_creds) : NULL;
	pthread_mutex_unlock(&c->resolve_mu);
	if (!table) {
		table = list_repo_credentials(c);
		pthread_mutex_lock(&c->resolve_mu);
		json_decref(c->repo_creds);
		c->repo_creds = json_incref(table);
		c->repo_creds_at = clock_ms();
		pthread_mutex_unlock(&c->resolve_mu);
	}
	json_t *creds = json_incref(json_object_get(table, url));
	json_decref(table);
	return creds;
}

int repo_manifests(struct controller *c, const json_t *app, const json_t *source,
		   const char *revision, int no_cache, json_t **manifests, char rev[64],
		   struct berr *err)
{
	json_t *body = json_object(), *v, *resp_doc = NULL;
	static const char *const copy[] = { "repoURL", "path", "directory", "helm", "chart" };
	struct http_client_response resp = HTTP_CLIENT_RESPONSE_INIT;
	int rc;
	*manifests = NULL;
	rev[0] = '\0';
	if (!json_is_object(source) || !doc_get_str(source, "repoURL"))
		return berr_set(err, BERR_INVALID, "application has no 'spec.source.repoURL'");
	for (size_t i = 0; i < sizeof(copy) / sizeof(copy[0]); i++)
		if ((v = json_object_get(source, copy[i])) && !json_is_null(v))
			json_object_set(body, copy[i], v);
	if (!revision || !*revision)
		revision = doc_get_str(source, "targetRevision");
	json_object_set_new(body, "targetRevision",
			    json_string(revision && *revision ? revision : "HEAD"));
	json_object_set_new(body, "appName", json_string(doc_get_str(app, "metadata.name")));
	json_object_set_new(body, "namespace", json_string(dest_namespace(app)));
	if (no_cache)
		json_object_set_new(body, "noCache", json_true());
	json_t *creds = repo_credentials(c, doc_get_str(source, "repoURL"));
	if (creds)
		json_object_set_new(body, "repo", creds);
	char *text = json_dumps(body, JSON_COMPACT);
	static const char *const headers[] = { "Content-Type: application/json", NULL };
	struct http_client_request req = { .method = "POST", .path = "/v1/manifests",
					   .headers = headers, .body = text,
					   .body_len = strlen(text) };
	rc = http_client_do(c->repo, &resp, &req, err);
	free(text);
	json_decref(body);
	if (rc < 0) {
		berr_prefix(err, "repo server");
		goto out;
	}
	if ((rc = doc_parse_json(&resp_doc, resp.body.data, resp.body.len, NULL,
				 "repo server answer", err)) < 0)
		goto out;
	if (resp.status != 200) {
		const char *msg = doc_get_str(resp_doc, "message");
		rc = berr_set(err, resp.status == 404 ? BERR_NOTFOUND : BERR_FAIL,
			      "repo server: %s", msg ? msg : "request failed");
		goto out;
	}
	const char *r = doc_get_str(resp_doc, "revision");
	json_t *list = json_object_get(resp_doc, "manifests");
	if (!json_is_array(list)) {
		rc = berr_set(err, BERR_INVALID, "repo server answer has no 'manifests'");
		goto out;
	}
	snprintf(rev, 64, "%s", r ? r : "");
	*manifests = json_incref(list);
out:
	json_decref(resp_doc);
	http_client_response_release(&resp);
	return rc;
}

int compare_target(struct dest *dest, json_t **out, struct res_id *id,
		   struct kube_resource *res, const json_t *manifest, const char *app,
		   const char *dest_ns, struct berr *err)
{
	const char *av = doc_get_str(manifest, "apiVersion"), *kind = doc_get_str(manifest, "kind");
	struct buf tid = BUF_INIT;
	int rc;
	*out = NULL;
	if (!json_is_object(manifest) || !av || !kind || !doc_get_str(manifest, "metadata.name"))
		return berr_set(err, BERR_INVALID,
				"manifest without apiVersion, kind or metadata.name");
	json_t *obj = doc_copy(manifest);
	rc = livecache_ensure(dest->live, res, av, kind, err);
	if (rc == 0) {
		json_t *meta = json_object_get(obj, "metadata");
		if (res->namespaced) {
			if (!doc_get_str(obj, "metadata.namespace")
			    || !*doc_get_str(obj, "metadata.namespace"))
				json_object_set_new(meta, "namespace", json_string(dest_ns));
		} else {
			json_object_del(meta, "namespace");
		}
	}
	/* an unknown kind (its CRD not yet applied) still gets an identity */
	if (res_id_from_object(id, obj, err) < 0) {
		json_decref(obj);
		return BERR_INVALID;
	}
	tracking_id_format(&tid, app, id);
	/* a label value holds 63 characters at most; the annotation always names the app */
	if (strlen(app) <= 63)
		doc_setv_new(obj, json_string(app), NULL, "metadata", "labels", TRACKING_LABEL,
			     NULL);
	doc_setv_new(obj, json_string(tid.data), NULL, "metadata", "annotations",
		     TRACKING_ANNOTATION, NULL);
	buf_release(&tid);
	*out = obj;
	return rc;
}

/* Appends to `out` the leaf paths where a and b differ (bounded). */
static void changed_paths(json_t *out, const json_t *a, const json_t *b, struct buf *path,
			  int depth)
{
	if (json_array_size(out) >= MAX_DRIFT_PATHS || doc_equal(a, b))
		return;
	if (depth < 64 && json_is_object(a) && json_is_object(b)) {
		const char *k;
		json_t *v;
		size_t keep = path->len;
		json_t *keys = json_object();
		json_object_foreach((json_t *)a, k, v)
			json_object_set_new(keys, k, json_true());
		json_object_foreach((json_t *)b, k, v)
			json_object_set_new(keys, k, json_true());
		json_object_foreach(keys, k, v) {
			if (strchr(k, '.') || strchr(k, '['))
				buf_addf(path, "%s[\"%s\"]", "", k);
			else
				buf_addf(path, "%s%s", keep ? "." : "", k);
			changed_paths(out, json_object_get(a, k), json_object_get(b, k), path,
				      depth + 1);
			buf_truncate(path, keep);
		}
		json_decref(keys);
		return;
	}
	if (depth < 64 && json_is_array(a) && json_is_array(b)
	    && json_array_size(a) == json_array_size(b)) {
		size_t keep = path->len;
		for (size_t i = 0; i < json_array_size(a); i++) {
			buf_addf(path, "[%zu]", i);
			changed_paths(out, json_array_get(a, i), json_array_get(b, i), path,
				      depth + 1);
			buf_truncate(path, keep);
		}
		return;
	}
	json_t *d = json_pack("{s:s}", "path", path->len ? path->data : ".");
	json_object_set(d, "git", a ? (json_t *)a : json_null());
	json_object_set(d, "live", b ? (json_t *)b : json_null());
	json_array_append_new(out, d);
}

/* The newest managedFields entry not written by the controller. */
static const json_t *last_writer(const json_t *live)
{
	const json_t *best = NULL, *any = NULL;
	json_t *mf = doc_get(live, "metadata.managedFields"), *e;
	size_t i;
	json_array_foreach(mf, i, e) {
		const char *t = doc_get_str(e, "time"), *m = doc_get_str(e, "manager");
		if (!t)
			continue;
		if (!any || strcmp(t, doc_get_str(any, "time")) >= 0)
			any = e;
		if (m && strcmp(m, CTRL_FIELD_MANAGER)
		    && (!best || strcmp(t, doc_get_str(best, "time")) >= 0))
			best = e;
	}
	return best ? best : any;
}

/* How deep fieldsV1 `f` goes along the keys of `path` (a changed_paths
 * path; it stops at the first list index). */
static int owned_depth(const json_t *f, const char *path)
{
	int depth = 0;
	char key[260];
	const char *p = path;
	while (*p && json_is_object(f)) {
		size_t n;
		if (*p == '[' && p[1] == '"') {         /* ["a.b"] */
			const char *end = strstr(p + 2, "\"]");
			if (!end)
				break;
			n = (size_t)(end - p - 2);
			if (n + 2 >= sizeof(key))
				break;
			key[0] = 'f';
			key[1] = ':';
			memcpy(key + 2, p + 2, n);
			key[n + 2] = '\0';
			p = end + 2;
		} else if (*p == '[') {                 /* a list index: stop */
			break;
		} else {
			n = strcspn(p, ".[");
			if (n + 2 >= sizeof(key))
				break;
			key[0] = 'f';
			key[1] = ':';
			memcpy(key + 2, p, n);
			key[n + 2] = '\0';
			p += n;
		}
		f = json_object_get(f, key);
		if (!f)
			break;
		depth++;
		if (*p == '.')
			p++;
	}
	return depth;
}

/* Who last wrote the field at `path`: the managedFields entry owning the
 * deepest part of it (not the controller's own), newest first; else the
 * newest writer of the object. */
static const json_t *writer_of(const json_t *live, const char *path)
{
	const json_t *best = NULL;
	int best_depth = 0;
	json_t *mf = doc_get(live, "metadata.managedFields"), *e;
	size_t i;
	json_array_foreach(mf, i, e) {
		const char *m = doc_get_str(e, "manager"), *t = doc_get_str(e, "time");
		if (!m || !strcmp(m, CTRL_FIELD_MANAGER))
			continue;
		int d = owned_depth(json_object_get(e, "fieldsV1"), path);
		if (d > best_depth
		    || (d == best_depth && d > 0 && t && doc_get_str(best, "time")
			&& strcmp(t, doc_get_str(best, "time")) > 0)) {
			best = e;
			best_depth = d;
		}
	}
	return best ? best : last_writer(live);
}

static json_t *resource_entry(const struct res_id *id, const char *version)
{
	json_t *e = json_pack("{s:s, s:s, s:s, s:s}", "group", id->group, "version",
			      version ? version : "", "kind", id->kind, "name", id->name);
	if (id->namespace[0])
		json_object_set_new(e, "namespace", json_string(id->namespace));
	return e;
}

static const char *version_of(const json_t *obj)
{
	const char *av = doc_get_str(obj, "apiVersion");
	const char *slash = av ? strchr(av, '/') : NULL;
	return slash ? slash + 1 : av;
}

static void set_health(json_t *entry, enum health_status st, const char *msg)
{
	if (st == HEALTH_NONE)
		return;
	json_t *h = json_pack("{s:s}", "status", health_status_name(st));
	if (msg && *msg)
		json_object_set_new(h, "message", json_string(msg));
	json_object_set_new(entry, "health", h);
}

static int cmp_entries(const void *pa, const void *pb)
{
	const json_t *a = *(json_t *const *)pa, *b = *(json_t *const *)pb;
	static const char *const keys[] = { "group", "kind", "namespace", "name" };
	for (int i = 0; i < 4; i++) {
		const char *x = doc_get_str(a, keys[i]), *y = doc_get_str(b, keys[i]);
		int c = strcmp(x ? x : "", y ? y : "");
		if (c)
			return c;
	}
	return 0;
}

static json_t *sorted(json_t *arr)
{
	size_t n = json_array_size(arr);
	json_t **v = xcalloc(n ? n : 1, sizeof(*v));
	for (size_t i = 0; i < n; i++)
		v[i] = json_incref(json_array_get(arr, i));
	qsort(v, n, sizeof(*v), cmp_entries);
	json_t *out = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(out, v[i]);
	free(v);
	json_decref(arr);
	return out;
}

static void resolve_forget(struct controller *c, const char *url);

/* Asks the repo server to fetch the app's repository at the next request
 * (an explicit refresh must see a commit pushed a moment ago). */
void repo_invalidate(struct controller *c, const json_t *app)
{
	const char *url = doc_get_str(app, "spec.source.repoURL");
	if (!url)
		return;
	resolve_forget(c, url);
	json_t *body = json_pack("{s:s}", "repoURL", url);
	char *text = json_dumps(body, JSON_COMPACT);
	static const char *const headers[] = { "Content-Type: application/json", NULL };
	struct http_client_request req = { .method = "POST", .path = "/v1/invalidate",
					   .headers = headers, .body = text,
					   .body_len = strlen(text) };
	struct http_client_response resp = HTTP_CLIENT_RESPONSE_INIT;
	http_client_do(c->repo, &resp, &req, NULL);
	http_client_response_release(&resp);
	free(text);
	json_decref(body);
}


/*
 * The commit `source` points at now, asked of the repo server once per
 * (repoURL, targetRevision) every RESOLVE_REUSE_MS however many apps share
 * it: a periodic pass over 10,000 apps of one repository costs one resolve,
 * not 10,000 manifest requests. repo_invalidate() forgets the URL's
 * answers, so a refresh or a webhook sees a new commit at once.
 */
static int resolve_shared(struct controller *c, const json_t *source, char sha[64])
{
	const char *url = doc_get_str(source, "repoURL");
	const char *rev = doc_get_str(source, "targetRevision");
	struct buf key = BUF_INIT;
	int rc = -1;
	if (!url)
		return -1;
	if (!rev || !*rev)
		rev = "HEAD";
	buf_addf(&key, "%s\n%s", url, rev);
	pthread_mutex_lock(&c->resolve_mu);
	json_t *hit = json_object_get(c->resolved, key.data);
	if (hit && clock_ms() - json_integer_value(json_array_get(hit, 1)) < RESOLVE_REUSE_MS) {
		snprintf(sha, 64, "%s", json_string_value(json_array_get(hit, 0)));
		rc = 0;
	}
	pthread_mutex_unlock(&c->resolve_mu);
	if (rc == 0) {
		buf_release(&key);
		return 0;
	}
	json_t *body = json_pack("{s:s, s:s}", "repoURL", url, "targetRevision", rev), *doc = NULL;
	json_t *creds = repo_credentials(c, url);
	if (creds)
		json_object_set_new(body, "repo", creds);
	char *text = json_dumps(body, JSON_COMPACT);
	static const char *const headers[] = { "Content-Type: application/json", NULL };
	struct http_client_request req = { .method = "POST", .path = "/v1/resolve",
					   .headers = headers, .body = text,
					   .body_len = strlen(text) };
	struct http_client_response resp = HTTP_CLIENT_RESPONSE_INIT;
	if (http_client_do(c->repo, &resp, &req, NULL) == 0 && resp.status == 200
	    && doc_parse_json(&doc, resp.body.data, resp.body.len, NULL, "repo server answer",
			      NULL) == 0
	    && doc_get_str(doc, "revision")) {
		snprintf(sha, 64, "%s", doc_get_str(doc, "revision"));
		pthread_mutex_lock(&c->resolve_mu);
		if (json_object_size(c->resolved) >= RESOLVE_CACHE_MAX)
			json_object_clear(c->resolved);
		json_object_set_new(c->resolved, key.data, json_pack("[s, I]", sha, clock_ms()));
		pthread_mutex_unlock(&c->resolve_mu);
		rc = 0;
	}
	json_decref(doc);
	http_client_response_release(&resp);
	free(text);
	json_decref(body);
	buf_release(&key);
	return rc;
}

static void resolve_forget(struct controller *c, const char *url)
{
	size_t n = strlen(url);
	const char *k;
	json_t *v, *tmp;
	pthread_mutex_lock(&c->resolve_mu);
	json_object_foreach_safe(c->resolved, tmp, k, v)
		if (!strncmp(k, url, n) && k[n] == '\n')
			json_object_del(c->resolved, k);
	pthread_mutex_unlock(&c->resolve_mu);
}

static void source_digest(char digest[DOC_DIGEST_HEX_LEN + 1], const json_t *app)
{
	json_t *key_doc = json_pack("{s:O?, s:O?}", "source", doc_get(app, "spec.source"),
				    "destination", doc_get(app, "spec.destination"));
	doc_digest(digest, key_doc);
	json_decref(key_doc);
}

/*
 * The manifests an app's memory holds are kept as compact JSON text: at
 * 10,000 apps a parsed tree costs about twice the memory, and parsing a
 * few kilobytes when a compare needs them is cheap next to a repo request.
 */
static json_t *mem_manifests(const json_t *mem)
{
	json_t *text = json_object_get(mem, "manifests"), *out = NULL;
	if (!json_is_string(text)
	    || doc_parse_json(&out, json_string_value(text), json_string_length(text), NULL,
			      "manifests", NULL) < 0)
		return NULL;
	if (!json_is_array(out)) {
		json_decref(out);
		return NULL;
	}
	return out;
}

static json_t *manifests_text(const json_t *manifests)
{
	char *text = json_dumps(manifests, JSON_COMPACT);
	json_t *out = json_string(text ? text : "[]");
	free(text);
	return out;
}

json_t *compare_manifests_at(struct controller *c, const json_t *app, const char *revision)
{
	const char *name = doc_get_str(app, "metadata.name");
	char digest[DOC_DIGEST_HEX_LEN + 1];
	json_t *mem = appmem_get(c, name), *out = NULL;
	source_digest(digest, app);
	const char *rev = doc_get_str(mem, "revision"), *d = doc_get_str(mem, "sourceDigest");
	if (revision && rev && d && !strcmp(rev, revision) && !strcmp(d, digest))
		out = mem_manifests(mem);
	json_decref(mem);
	return out;
}

int compare_unmoved(struct controller *c, const json_t *app, const json_t *mem)
{
	char digest[DOC_DIGEST_HEX_LEN + 1], now_sha[64];
	source_digest(digest, app);
	return !doc_get(app, "spec.source.chart")
	       && !strcmp(doc_get_str(mem, "sourceDigest") ?: "", digest)
	       && json_is_string(json_object_get(mem, "manifests"))
	       && resolve_shared(c, doc_get(app, "spec.source"), now_sha) == 0
	       && !strcmp(now_sha, doc_get_str(mem, "revision") ?: "");
}

static int desired(struct controller *c, const json_t *app, int refresh, json_t **manifests,
		   char rev[64], struct berr *err)
{
	const char *name = doc_get_str(app, "metadata.name");
	json_t *mem = appmem_get(c, name);
	char digest[DOC_DIGEST_HEX_LEN + 1];
	int rc = 0;
	source_digest(digest, app);
	long fetched = (long)doc_get_int(mem, "fetchedAt", -1);
	int fresh = !refresh && !doc_get_bool(mem, "periodic", 0) && fetched >= 0
		    && (long)clock_s() - fetched < c->cfg.app_resync_s
		    && doc_get_str(mem, "sourceDigest") && !strcmp(doc_get_str(mem, "sourceDigest"),
								    digest)
		    && json_is_string(json_object_get(mem, "manifests"));
	/* a periodic pass: when git still points where it did, the manifests
	 * fetched then are the manifests now (a commit is immutable) */
	int unmoved = !fresh && !refresh && doc_get_bool(mem, "periodic", 0)
		      && compare_unmoved(c, app, mem);
	if (unmoved) {
		appmem_set(c, name, "fetchedAt", json_integer((long)clock_s()));
		appmem_set(c, name, "periodic", NULL);
	}
	int reused = (fresh || unmoved) && (*manifests = mem_manifests(mem));
	if (reused) {
		snprintf(rev, 64, "%s", doc_get_str(mem, "revision") ?: "");
	} else {
		if (refresh)
			repo_invalidate(c, app);
		rc = repo_manifests(c, app, doc_get(app, "spec.source"), NULL, refresh == 2, manifests,
				    rev, err);
	}
	if (!reused && rc == 0) {
		appmem_set(c, name, "manifests", manifests_text(*manifests));
		appmem_set(c, name, "revision", json_string(rev));
		appmem_set(c, name, "sourceDigest", json_string(digest));
		appmem_set(c, name, "fetchedAt", json_integer((long)clock_s()));
		appmem_set(c, name, "periodic", NULL);
	}
	json_decref(mem);
	return rc;
}

int compare_app(struct controller *c, const json_t *app, int refresh,
		struct compare_result *out, struct berr *err)
{
	const char *name = doc_get_str(app, "metadata.name");
	const char *dest_ns = dest_namespace(app);
	json_t *manifests = NULL, *m;
	size_t i;
	int rc, out_of_sync = 0;
	enum health_status worst = HEALTH_HEALTHY;

	memset(out, 0, sizeof(*out));
	out->targets = json_array();
	out->resources = json_array();
	out->drifted = json_array();
	out->sync_status = "Unknown";
	out->health = HEALTH_UNKNOWN;
	struct dest *dest = NULL;
	if ((rc = dest_for_app(c, app, &dest, err)) < 0
	    || (rc = desired(c, app, refresh, &manifests, out->revision, err)) < 0) {
		buf_adds(&out->error, err ? err->msg : "comparison failed");
		return rc;
	}
	json_t *seen = json_object();
	json_array_foreach(manifests, i, m) {
		if (syncplan_hook_phases(m))
			continue;       /* hooks run during a sync; they are not compared */
		json_t *target = NULL;
		struct res_id id;
		struct kube_resource res;
		struct berr terr = BERR_INIT;
		int trc = compare_target(dest, &target, &id, &res, m, name, dest_ns, &terr);
		if (!target) {
			log_warn("manifest skipped", "app", name, "error", terr.msg, NULL);
			continue;
		}
		struct buf key = BUF_INIT;
		res_key(&key, &id);
		json_object_set_new(seen, key.data, json_true());
		buf_release(&key);
		json_array_append(out->targets, target);
		json_t *entry = resource_entry(&id, version_of(target));
		int wave = syncplan_wave(target);
		if (wave)
			json_object_set_new(entry, "syncWave", json_integer(wave));
		json_t *live = trc == 0 ? livecache_get(dest->live, &id) : NULL;
		if (!live) {
			json_object_set_new(entry, "status", json_string("OutOfSync"));
			set_health(entry, HEALTH_MISSING, trc < 0 ? terr.msg : NULL);
			if (health_is_worse(worst, HEALTH_MISSING))
				worst = HEALTH_MISSING;
			out_of_sync = 1;
		} else {
			struct diff_result d = DIFF_RESULT_INIT;
			struct health h = HEALTH_INIT;
			struct berr derr = BERR_INIT;
			int modified = 1;
			json_t *dt = json_incref(target), *dl = json_incref(live);
			ignore_apply(&dt, &dl, doc_get(app, "spec.ignoreDifferences"), &id);
			if (diff_compute(&d, dt, dl, NULL, &derr) == 0)
				modified = d.modified;
			json_decref(dt);
			json_decref(dl);
			char scratch[256];
			const char *owner = tracking_app_of(live, scratch, sizeof(scratch));
			if (owner && strcmp(owner, name)) {
				if (out->shared.len)
					buf_adds(&out->shared, "; ");
				buf_addf(&out->shared, "%s/%s is part of applications %s and %s",
					 id.kind, id.name, owner, name);
			}
			json_object_set_new(entry, "status",
					    json_string(modified ? "OutOfSync" : "Synced"));
			if (modified) {
				out_of_sync = 1;
				json_t *paths = json_array();
				struct buf p = BUF_INIT;
				changed_paths(paths, d.predicted_live, d.normalized_live, &p, 0);
				buf_release(&p);
				json_t *dr = resource_entry(&id, version_of(target));
				json_object_set_new(dr, "diffs", paths);
				const char *first = doc_get_str(json_array_get(paths, 0), "path");
				const json_t *w = first ? writer_of(live, first) : last_writer(live);
				if (w) {
					json_object_set(dr, "manager", doc_get(w, "manager"));
					json_object_set(dr, "time", doc_get(w, "time"));
					json_object_set(dr, "operation", doc_get(w, "operation"));
				}
				json_array_append_new(out->drifted, dr);
			}
			if (health_assess(&h, live, NULL) == 0) {
				set_health(entry, h.status, h.message.data);
				if (health_is_worse(worst, h.status)) {
					worst = h.status;
					buf_reset(&out->health_message);
					buf_adds(&out->health_message, h.message.data);
				}
			}
			health_release(&h);
			diff_result_release(&d);
			json_decref(live);
		}
		json_array_append_new(out->resources, entry);
		json_decref(target);
	}
	/* tracked live objects git no longer has */
	json_t *tracked = livecache_app_objects(dest->live, name), *live;
	json_array_foreach(tracked, i, live) {
		struct res_id id;
		struct buf key = BUF_INIT;
		if (res_id_from_object(&id, live, NULL) < 0)
			continue;
		res_key(&key, &id);
		int skip = json_object_get(seen, key.data) || syncplan_hook_phases(live)
			   || json_array_size(doc_get(live, "metadata.ownerReferences"));
		buf_release(&key);
		if (skip)
			continue;
		json_t *entry = resource_entry(&id, version_of(live));
		json_object_set_new(entry, "status", json_string("OutOfSync"));
		json_object_set_new(entry, "requiresPruning", json_true());
		json_array_append_new(out->resources, entry);
		out_of_sync = 1;
	}
	json_decref(tracked);
	json_decref(seen);
	json_decref(manifests);
	out->resources = sorted(out->resources);
	out->sync_status = out_of_sync ? "OutOfSync" : "Synced";
	out->health = worst;
	return 0;
}

static void add_state(json_t *item, const char *key, const json_t *obj, struct buf *yaml)
{
	buf_reset(yaml);
	if (obj) {
		json_object_set(item, key, (json_t *)obj);
		yaml_write(yaml, obj);
	}
}

/* One managed-resources item: identity, status, both states (normalised,
 * secrets masked by the diff) and a unified YAML diff. */
static json_t *detail(const struct res_id *id, const char *status, const json_t *config,
		      const json_t *live, const json_t *rules)
{
	struct diff_result d = DIFF_RESULT_INIT;
	struct buf a = BUF_INIT, b = BUF_INIT, text = BUF_INIT;
	json_t *item = json_pack("{s:s, s:s, s:s, s:s, s:s}", "group", id->group, "kind",
				 id->kind, "namespace", id->namespace, "name", id->name,
				 "status", status);
	json_t *dc = json_incref((json_t *)config), *dl = json_incref((json_t *)live);
	if (dc && dl)
		ignore_apply(&dc, &dl, rules, id);
	if (diff_compute(&d, dc, dl, NULL, NULL) == 0) {
		add_state(item, "liveState", d.normalized_live, &a);
		add_state(item, "predictedLiveState", d.predicted_live, &b);
		if (diff_unified(&text, a.data, b.data, "live", "desired", 3, NULL) == 0)
			json_object_set_new(item, "diff", json_string(text.data));
		json_object_set_new(item, "modified", json_boolean(d.modified || !dc || !dl));
	}
	diff_result_release(&d);
	json_decref(dc);
	json_decref(dl);
	buf_release(&a);
	buf_release(&b);
	buf_release(&text);
	return item;
}

int compare_managed_resources(struct controller *c, const json_t *app, json_t **out,
			      struct berr *err)
{
	const char *name = doc_get_str(app, "metadata.name");
	struct dest *dest = NULL;
	json_t *manifests = NULL, *m, *live;
	char rev[64];
	size_t i;
	int rc;
	*out = NULL;
	if ((rc = dest_for_app(c, app, &dest, err)) < 0
	    || (rc = desired(c, app, 0, &manifests, rev, err)) < 0)
		return rc;
	json_t *items = json_array(), *seen = json_object();
	json_t *rules = doc_get(app, "spec.ignoreDifferences");
	json_array_foreach(manifests, i, m) {
		json_t *target = NULL;
		struct res_id id;
		struct kube_resource res;
		if (syncplan_hook_phases(m))
			continue;
		int trc = compare_target(dest, &target, &id, &res, m, name, dest_namespace(app), NULL);
		if (!target)
			continue;
		struct buf key = BUF_INIT;
		res_key(&key, &id);
		json_object_set_new(seen, key.data, json_true());
		buf_release(&key);
		live = trc == 0 ? livecache_get(dest->live, &id) : NULL;
		json_t *item = detail(&id, live ? "Present" : "Missing", target, live, rules);
		json_array_append_new(items, item);
		json_decref(live);
		json_decref(target);
	}
	json_t *tracked = livecache_app_objects(dest->live, name);
	json_array_foreach(tracked, i, live) {
		struct res_id id;
		struct buf key = BUF_INIT;
		if (res_id_from_object(&id, live, NULL) < 0)
			continue;
		res_key(&key, &id);
		if (!json_object_get(seen, key.data) && !syncplan_hook_phases(live)
		    && !json_array_size(doc_get(live, "metadata.ownerReferences")))
			json_array_append_new(items, detail(&id, "Extra", NULL, live, rules));
		buf_release(&key);
	}
	json_decref(tracked);
	json_decref(seen);
	json_decref(manifests);
	*out = json_pack("{s:s, s:o}", "revision", rev, "items", items);
	return 0;
}
