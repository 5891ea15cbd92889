/*
 * route-metadata — `POST /v1/revision-metadata` on the repo server: who
 * made a commit, when, its message and the tags that point at it, as Argo
 * CD's RevisionMetadata, read from the mirror with libgit2.
 *
 *   request  {"repoURL": url, "revision": sha|branch|tag, "repo": {creds}}
 *   answer   {"revision": sha, "author": "Name <email>", "date": RFC 3339,
 *             "message": text, "tags": [name...]}
 *
 * A commit never changes, so answers are cached by repository and SHA (a
 * bounded table, oldest dropped first); a full SHA already cached is served
 * without touching git.
 */
#ifndef BOSUN_REPO_ROUTE_METADATA_H
#define BOSUN_REPO_ROUTE_METADATA_H

#include <jansson.h>

#include "err.h"
#include "http.h"
#include "repo-server/render.h"

struct revision_metadata;

/* Registers the route on srv, resolving revisions with engine (fetching
 * as it does) and reading the mirrors under <data_dir>/repos. *out is freed
 * with revision_metadata_free() after the server stopped. */
int revision_metadata_routes(struct revision_metadata **out, struct http_server *srv,
			     struct render_engine *engine, const char *data_dir,
			     struct berr *err);
void revision_metadata_free(struct revision_metadata *m);

/* The metadata of `revision` in the repository of `url` (fetching when the
 * mirror lacks it); *out is a new reference. BERR_NOTFOUND names a revision
 * the repository does not have. */
int revision_metadata_get(json_t **out, struct revision_metadata *m, const char *url,
			  const char *revision, const struct repo_creds *creds,
			  struct berr *err);

#endif
