/*
 * render — the repo-server's work without the HTTP around it: resolve a
 * revision (fetching the mirror when needed), look the rendered manifests up
 * in the cache, otherwise read the source from the commit's tree and render
 * it, all within a per-request deadline and a limit on concurrent renders.
 * service.c maps HTTP requests onto these calls; tests call them directly.
 */
#ifndef BOSUN_REPO_RENDER_H
#define BOSUN_REPO_RENDER_H

#include <jansson.h>

#include "buf.h"
#include "err.h"
#include "repo-server/mirror.h"
#include "repo-server/source-directory.h"
#include "repo-server/tree.h"

struct render_config {
	const char *data_dir;           /* mirrors in <data_dir>/repos, cache in
	                                   <data_dir>/manifest-cache.db */
	unsigned parallelism;           /* renders at once; default 4 */
	long timeout_ms;                /* per request; default 60000 */
	long fresh_ms;                  /* a fetch this recent is reused; 0 = 10000,
	                                   negative = fetch on every request */
	size_t cache_max_bytes;         /* default 256 MiB */
	size_t max_fetch_bytes;         /* per fetch; default 4 GiB */
	struct tree_limits limits;      /* zero fields: tree.h defaults */
};

struct render_engine;

int render_engine_open(struct render_engine **out, const struct render_config *cfg,
		       struct berr *err);
void render_engine_free(struct render_engine *e);

struct render_request {
	const char *repo_url;
	const char *revision;           /* targetRevision; NULL or "" = HEAD */
	const char *path;               /* spec.source.path, cleaned here */
	struct source_directory_opts directory;
	int helm;                       /* the request carried helm settings */
	const json_t *options;          /* all that shapes the output; its canonical
	                                   form keys the cache (NULL = none) */
	const struct repo_creds *creds; /* may be NULL */
	int no_cache;                   /* render even when cached */
};

/*
 * Renders a source. Appends to `out` the compact JSON text of
 * {"revision": sha, "cached": bool, "sourceType": "Directory",
 * "manifests": [...], "sources": [file per manifest]}: text, not json_t, so
 * a cache hit is served without parsing the cached render again.
 */
int render_manifests(struct buf *out, struct render_engine *e, const struct render_request *req,
		     struct berr *err);

/* Fetches as needed and resolves `revision` to a commit SHA. */
int render_resolve(char sha[41], struct render_engine *e, const char *repo_url,
		   const char *revision, const struct repo_creds *creds, struct berr *err);

/* Fetches as needed and lists branches and tags (revision_list_refs()). */
int render_refs(json_t **out, struct render_engine *e, const char *repo_url,
		const struct repo_creds *creds, struct berr *err);

/* A webhook said `repo_url` changed: the next request fetches. */
void render_invalidate(struct render_engine *e, const char *repo_url);

/* Appends the Prometheus text exposition of the engine's metrics. */
void render_metrics(struct buf *out, struct render_engine *e);

#endif
