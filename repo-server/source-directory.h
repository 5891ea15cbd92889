/*
 * source-directory — the manifests of a directory source, as Argo CD reads
 * them: every .yaml, .yml and .json file under the app path (subdirectories
 * with `recurse`), filtered by the include and exclude globs, each YAML file
 * a stream of documents, `kind: List` objects flattened into their items.
 *
 * Also the source type detection: a directory holding Chart.yaml, or a
 * request with helm options, is a Helm source, rendered by the Helm engine
 * (repo-server/helm/source.h).
 */
#ifndef BOSUN_REPO_SOURCE_DIRECTORY_H
#define BOSUN_REPO_SOURCE_DIRECTORY_H

#include <jansson.h>

#include "err.h"
#include "repo-server/tree.h"

struct source_directory_opts {
	int recurse;
	const char *include;    /* glob over the path relative to the app path; NULL = all */
	const char *exclude;    /* glob; wins over include; NULL = none */
};

enum source_type { SOURCE_DIRECTORY, SOURCE_HELM };

/* "Directory" or "Helm", the names Argo CD reports. */
const char *source_type_name(enum source_type t);

/* Detects the type of the source at `app_path` (clean path). `helm_opts`
 * is 1 when the request carried helm settings. */
int source_detect(enum source_type *out, struct tree_reader *r, const char *app_path,
		  int helm_opts, struct berr *err);

/*
 * Renders the directory source at `app_path`. On success *out_manifests is
 * a json array of objects and *out_sources a parallel array of the
 * repository-relative file each came from (both new references the caller
 * decrefs). Errors name "<file>:<line>:<column>" when the file is at fault.
 */
int source_directory_render(json_t **out_manifests, json_t **out_sources,
			    struct tree_reader *r, const char *app_path,
			    const struct source_directory_opts *opts, struct berr *err);

/*
 * Argo CD's glob (gobwas/glob without separators): `*` and `?` match any
 * character including '/', `[abc]`, `[!a-z]`, `\` escapes, `{a,b}`
 * alternation (nestable). Returns 1 on match, 0 on none, BERR_INVALID for a
 * malformed or too large pattern.
 */
int source_glob_match(const char *pattern, const char *text);

#endif
