/*
 * render.c — resolve, cache, render (see render.h).
 *
 * The order of a manifest request follows Argo CD's repo-server: resolve
 * the revision first (a full SHA already in the mirror needs no fetch; any
 * other revision fetches unless a fetch of that repository finished less
 * than fresh_ms ago), then look the cache up by (URL, SHA, path, options
 * digest), and only on a miss take a render slot and read the tree. A
 * commit is immutable, so a cached render is always right for its key.
 *
 * Render slots are a counting semaphore on a mutex and condition variable
 * so a waiter can give up at the request's deadline. Counters for the
 * metrics live here too; git and cache numbers come from their modules.
 */
#include "render.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "log.h"
#include "repo-server/cache.h"
#include "repo-server/helm/source.h"
#include "repo-server/revision.h"

struct render_engine {
	struct render_config cfg;
	struct mirror_store *mirrors;
	struct manifest_cache *cache;
	pthread_mutex_t mu;
	pthread_cond_t slot_free;
	unsigned in_flight;
	unsigned long renders, render_errors, requests, request_errors, slot_timeouts;
	double render_seconds;
};

int render_engine_open(struct render_engine **out, const struct render_config *cfg,
		       struct berr *err)
{
	struct render_engine *e = xcalloc(1, sizeof(*e));
	e->cfg = *cfg;
	if (!e->cfg.parallelism)
		e->cfg.parallelism = 4;
	if (!e->cfg.timeout_ms)
		e->cfg.timeout_ms = 60000;
	if (!e->cfg.fresh_ms)
		e->cfg.fresh_ms = 10000;
	pthread_mutex_init(&e->mu, NULL);
	pthread_cond_init(&e->slot_free, NULL);
	*out = NULL;
	int rc = mirror_store_open(&e->mirrors, cfg->data_dir, err);
	if (rc == 0)
		mirror_store_set_max_fetch_bytes(e->mirrors, cfg->max_fetch_bytes);
	if (rc == 0) {
		struct buf path = BUF_INIT;
		buf_addf(&path, "%s/manifest-cache.db", cfg->data_dir);
		rc = manifest_cache_open(&e->cache, path.data, cfg->cache_max_bytes, err);
		buf_release(&path);
	}
	if (rc < 0) {
		render_engine_free(e);
		return rc;
	}
	*out = e;
	return 0;
}

void render_engine_free(struct render_engine *e)
{
	if (!e)
		return;
	manifest_cache_free(e->cache);
	mirror_store_free(e->mirrors);
	pthread_cond_destroy(&e->slot_free);
	pthread_mutex_destroy(&e->mu);
	free(e);
}

static long remaining_ms(double deadline)
{
	double left = deadline - clock_s();
	return left <= 0 ? -1 : (long)(left * 1000) + 1;
}

static int out_of_time(double deadline, const char *what, struct berr *err)
{
	if (remaining_ms(deadline) > 0)
		return 0;
	return berr_set(err, BERR_LIMIT, "request timed out %s", what);
}

/* 1 when the mirror of url exists and holds commit sha. */
static int have_commit(struct render_engine *e, const char *url, const char *sha)
{
	git_repository *repo = NULL;
	unsigned long gen = 0;
	if (mirror_borrow(&repo, &gen, e->mirrors, url, NULL) < 0)
		return 0;
	git_oid oid;
	git_commit *c = NULL;
	int ok = git_oid_fromstr(&oid, sha) == 0 && git_commit_lookup(&c, repo, &oid) == 0;
	git_commit_free(c);
	mirror_give_back(e->mirrors, url, repo, gen);
	return ok;
}

static int resolve_in(char sha[41], struct render_engine *e, const char *url,
		      const char *revision, struct berr *err)
{
	git_repository *repo = NULL;
	unsigned long gen = 0;
	int rc = mirror_borrow(&repo, &gen, e->mirrors, url, err);
	if (rc == 0)
		rc = revision_resolve(sha, repo, revision, err);
	mirror_give_back(e->mirrors, url, repo, gen);
	return rc;
}

static int resolve_deadline(char sha[41], struct render_engine *e, const char *url,
			    const char *revision, const struct repo_creds *creds,
			    double deadline, struct berr *err)
{
	const char *rev = revision ? revision : "";
	if (!url || !*url)
		return berr_set(err, BERR_INVALID, "repoURL is required");
	if (revision_is_full_sha(rev) && have_commit(e, url, rev)) {
		for (int i = 0; i < 40; i++)
			sha[i] = (char)(rev[i] | 0x20);         /* lower-case hex */
		sha[40] = 0;
		return 0;
	}
	int rc = out_of_time(deadline, "before fetching", err);
	if (rc == 0)
		rc = mirror_fetch(e->mirrors, url, creds, e->cfg.fresh_ms, remaining_ms(deadline), err);
	if (rc < 0)
		return rc;
	rc = resolve_in(sha, e, url, rev, err);
	if (rc == BERR_NOTFOUND && revision_is_full_sha(rev)) {
		/* the commit may be newer than a fetch we reused */
		struct berr ferr = BERR_INIT;
		if (remaining_ms(deadline) > 0
		    && mirror_fetch(e->mirrors, url, creds, 0, remaining_ms(deadline), &ferr) == 0)
			rc = resolve_in(sha, e, url, rev, err);
	}
	return rc;
}

int render_resolve(char sha[41], struct render_engine *e, const char *repo_url,
		   const char *revision, const struct repo_creds *creds, struct berr *err)
{
	double deadline = clock_s() + e->cfg.timeout_ms / 1000.0;
	return resolve_deadline(sha, e, repo_url, revision, creds, deadline, err);
}

int render_refs(json_t **out, struct render_engine *e, const char *repo_url,
		const struct repo_creds *creds, struct berr *err)
{
	*out = NULL;
	if (!repo_url || !*repo_url)
		return berr_set(err, BERR_INVALID, "repo is required");
	int rc = mirror_fetch(e->mirrors, repo_url, creds, e->cfg.fresh_ms, e->cfg.timeout_ms, err);
	if (rc < 0)
		return rc;
	git_repository *repo = NULL;
	if ((rc = mirror_open(&repo, e->mirrors, repo_url, err)) < 0)
		return rc;
	rc = revision_list_refs(out, repo, err);
	git_repository_free(repo);
	return rc;
}

void render_invalidate(struct render_engine *e, const char *repo_url)
{
	mirror_invalidate(e->mirrors, repo_url);
}

static int take_slot(struct render_engine *e, double deadline, struct berr *err)
{
	struct timespec ts;
	double abs_rt;
	struct timespec rt;
	clock_gettime(CLOCK_REALTIME, &rt);
	abs_rt = rt.tv_sec + rt.tv_nsec / 1e9 + (deadline - clock_s());
	ts.tv_sec = (time_t)abs_rt;
	ts.tv_nsec = (long)((abs_rt - (double)ts.tv_sec) * 1e9);
	pthread_mutex_lock(&e->mu);
	while (e->in_flight >= e->cfg.parallelism) {
		if (pthread_cond_timedwait(&e->slot_free, &e->mu, &ts) != 0
		    && e->in_flight >= e->cfg.parallelism) {
			e->slot_timeouts++;
			pthread_mutex_unlock(&e->mu);
			return berr_set(err, BERR_LIMIT,
					"request timed out waiting for a render slot (%u renders running)",
					e->cfg.parallelism);
		}
	}
	e->in_flight++;
	pthread_mutex_unlock(&e->mu);
	return 0;
}

static void give_slot(struct render_engine *e, double seconds, int failed)
{
	pthread_mutex_lock(&e->mu);
	e->in_flight--;
	e->renders++;
	e->render_errors += failed;
	e->render_seconds += seconds;
	pthread_cond_signal(&e->slot_free);
	pthread_mutex_unlock(&e->mu);
}

/* Reads and renders the source at the commit. */
static int render_tree(json_t **out, struct render_engine *e, const char *url,
		       const char *sha, const char *path, const struct render_request *req,
		       struct berr *err)
{
	git_repository *repo = NULL;
	struct tree_reader *reader = NULL;
	json_t *manifests = NULL, *sources = NULL;
	enum source_type type;
	unsigned long gen = 0;
	int rc = mirror_borrow(&repo, &gen, e->mirrors, url, err);
	if (rc == 0)
		rc = tree_reader_open(&reader, repo, sha, &e->cfg.limits, err);
	if (rc == 0)
		rc = source_detect(&type, reader, path, req->helm, err);
	if (rc == 0 && type == SOURCE_HELM)
		rc = helm_source_render(&manifests, &sources, reader, path, req->options, err);
	else if (rc == 0)
		rc = source_directory_render(&manifests, &sources, reader, path, &req->directory, err);
	if (rc == 0)
		*out = json_pack("{s:s, s:o, s:o}", "sourceType", source_type_name(type),
				 "manifests", manifests, "sources", sources);
	tree_reader_free(reader);
	mirror_give_back(e->mirrors, url, repo, gen);
	return rc;
}

static void options_digest(char out[65], const json_t *options)
{
	char *text = options ? json_dumps(options, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY) : NULL;
	manifest_cache_digest(out, text ? text : "", text ? strlen(text) : 0);
	free(text);
}

/* Appends {"revision": sha, "cached": b, <fields of body>} to out, where
 * body is the compact JSON text of an object: no re-parsing of a cached
 * render, which is most of the cost of a hit for a large app. */
static void splice_response(struct buf *out, const char *sha, int cached,
			    const char *body, size_t len)
{
	buf_addf(out, "{\"revision\":\"%s\",\"cached\":%s", sha, cached ? "true" : "false");
	if (len > 2) {
		buf_addch(out, ',');
		buf_add(out, body + 1, len - 1);
	} else {
		buf_addch(out, '}');
	}
}

/* A cached value is the compact text of a JSON object we wrote. */
static int looks_like_object(const struct buf *b)
{
	return b->len >= 2 && b->data[0] == '{' && b->data[b->len - 1] == '}';
}

int render_manifests(struct buf *out, struct render_engine *e, const struct render_request *req,
		     struct berr *err)
{
	double deadline = clock_s() + e->cfg.timeout_ms / 1000.0;
	struct buf path = BUF_INIT, cached = BUF_INIT;
	char sha[41], digest[65];
	json_t *result = NULL;
	pthread_mutex_lock(&e->mu);
	e->requests++;
	pthread_mutex_unlock(&e->mu);

	int rc = tree_clean_path(&path, req->path ? req->path : "", err);
	if (rc == 0)
		rc = resolve_deadline(sha, e, req->repo_url, req->revision, req->creds, deadline, err);
	if (rc < 0)
		goto out;
	options_digest(digest, req->options);
	struct cache_key key = { req->repo_url, sha, path.data, digest };
	if (!req->no_cache && manifest_cache_get(&cached, e->cache, &key, NULL) == 0
	    && looks_like_object(&cached)) {
		splice_response(out, sha, 1, cached.data, cached.len);
		goto out;
	}
	if ((rc = out_of_time(deadline, "before rendering", err)) < 0
	    || (rc = take_slot(e, deadline, err)) < 0)
		goto out;
	double start = clock_s();
	rc = render_tree(&result, e, req->repo_url, sha, path.data, req, err);
	give_slot(e, clock_s() - start, rc < 0);
	if (rc < 0)
		goto out;
	char *text = json_dumps(result, JSON_COMPACT);
	struct berr cerr = BERR_INIT;
	if (manifest_cache_put(e->cache, &key, text, strlen(text), &cerr) < 0)
		log_warn("cannot write manifest cache", "error", cerr.msg, NULL);
	splice_response(out, sha, 0, text, strlen(text));
	free(text);
out:
	if (rc < 0) {
		pthread_mutex_lock(&e->mu);
		e->request_errors++;
		pthread_mutex_unlock(&e->mu);
	}
	json_decref(result);
	buf_release(&path);
	buf_release(&cached);
	return rc;
}

void render_metrics(struct buf *out, struct render_engine *e)
{
	struct mirror_stats ms;
	struct cache_stats cs;
	mirror_store_stats(e->mirrors, &ms);
	manifest_cache_stats(e->cache, &cs);
	pthread_mutex_lock(&e->mu);
	unsigned in_flight = e->in_flight;
	unsigned long renders = e->renders, render_errors = e->render_errors;
	unsigned long requests = e->requests, request_errors = e->request_errors;
	unsigned long slot_timeouts = e->slot_timeouts;
	double render_seconds = e->render_seconds;
	pthread_mutex_unlock(&e->mu);

#define METRIC(name, type, help, fmt, ...) \
	buf_addf(out, "# HELP " name " " help "\n# TYPE " name " " type "\n" name " " fmt "\n", __VA_ARGS__)
	METRIC("bosun_repo_git_fetch_total", "counter", "Fetches run against a git remote.",
	       "%lu", ms.fetches);
	METRIC("bosun_repo_git_fetch_failures_total", "counter", "Fetches that failed.",
	       "%lu", ms.failures);
	METRIC("bosun_repo_git_fetch_seconds_total", "counter", "Time spent fetching.",
	       "%.6f", ms.seconds);
	METRIC("bosun_repo_git_fetch_shared_total", "counter",
	       "Requests that waited for a running fetch and shared its result.", "%lu", ms.shared);
	METRIC("bosun_repo_git_fetch_reused_total", "counter",
	       "Requests served by a fetch finished moments before.", "%lu", ms.fresh);
	METRIC("bosun_repo_cache_hits_total", "counter", "Rendered-manifest cache hits.",
	       "%lu", cs.hits);
	METRIC("bosun_repo_cache_misses_total", "counter", "Rendered-manifest cache misses.",
	       "%lu", cs.misses);
	METRIC("bosun_repo_cache_corrupt_total", "counter",
	       "Cache entries discarded for failing their integrity check.", "%lu", cs.corrupt);
	METRIC("bosun_repo_cache_evictions_total", "counter", "Cache entries evicted (LRU).",
	       "%lu", cs.evictions);
	METRIC("bosun_repo_cache_bytes", "gauge", "Bytes held in the manifest cache.",
	       "%zu", cs.bytes);
	METRIC("bosun_repo_cache_entries", "gauge", "Entries in the manifest cache.",
	       "%zu", cs.entries);
	METRIC("bosun_repo_renders_in_flight", "gauge", "Renders running now.", "%u", in_flight);
	METRIC("bosun_repo_renders_total", "counter", "Renders run (cache misses).", "%lu", renders);
	METRIC("bosun_repo_render_errors_total", "counter", "Renders that failed.",
	       "%lu", render_errors);
	METRIC("bosun_repo_render_seconds_total", "counter", "Time spent rendering.",
	       "%.6f", render_seconds);
	METRIC("bosun_repo_manifest_requests_total", "counter", "Manifest requests.",
	       "%lu", requests);
	METRIC("bosun_repo_manifest_request_errors_total", "counter", "Manifest requests that failed.",
	       "%lu", request_errors);
	METRIC("bosun_repo_render_slot_timeouts_total", "counter",
	       "Requests that timed out waiting for a render slot.", "%lu", slot_timeouts);
#undef METRIC
}
