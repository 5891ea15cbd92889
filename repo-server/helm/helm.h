/*
 * helm — Helm v3 charts rendered in-process, as `helm template` renders them.
 *
 * helm_render() loads a chart (a directory, a .tgz archive, or a set of
 * files in memory), coalesces its values with the user's exactly as Helm
 * does (null deletes, maps merge, lists replace, parent over subchart,
 * globals, dependency conditions, tags, aliases and import-values), runs
 * every template with Sprig and Helm's functions, and returns the
 * manifests in Helm's install order with their `# Source:` headers, the
 * text byte for byte what `helm template` prints for the same arguments.
 *
 * User values are built first with helm_values_*(), called in Helm's
 * order (values.Options.MergeValues): every -f file, then every
 * --set-json, --set, --set-string, --set-file and --set-literal, each
 * kind in the order given.
 *
 *     json_t *vals = json_object();
 *     helm_values_add_yaml(vals, text, len, "my.yaml", &err);
 *     helm_values_set(vals, HELM_SET, "image.tag=v2", NULL, &err);
 *     struct helm_options o = { .values = vals };
 *     struct helm_result r = HELM_RESULT_INIT;
 *     helm_render(&r, &(struct helm_source){ .path = "chart" }, &o, &err);
 *     fwrite(r.text.data, 1, r.text.len, stdout);
 *     helm_result_release(&r);
 *
 * Hostile charts: file and archive sizes, file counts, template output,
 * call depth, steps and time are bounded (BERR_LIMIT); symlinks that leave
 * the chart's root are refused.
 */
#ifndef BOSUN_HELM_H
#define BOSUN_HELM_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "buf.h"
#include "err.h"
#include "repo-server/template/template.h"

/* A chart file held in memory; name is relative to the chart root
 * ("Chart.yaml", "templates/x.yaml", "charts/sub-1.0.0.tgz"). */
struct helm_file {
	const char *name;
	const void *data;
	size_t len;
};

/* Where the chart comes from: a directory or .tgz path, or files. */
struct helm_source {
	const char *path;
	const struct helm_file *files;
	size_t nfiles;
};

struct helm_options {
	const char *release_name;       /* NULL: "release-name" */
	const char *name_template;      /* --name-template; wins over release_name */
	const char *namespace;          /* NULL: "default" */
	const char *kube_version;       /* NULL: "v1.20.0" */
	const char *const *api_versions;        /* added to the defaults */
	size_t n_api_versions;
	bool include_crds;
	bool skip_tests;
	bool skip_schema_validation;
	bool debug;                     /* on a YAML error, the text holds the
					 * rendered files (helm --debug) */
	const char *const *show_only;   /* --show-only globs */
	size_t n_show_only;
	const json_t *values;           /* user values (borrowed); NULL: none */
	const char *root;               /* symlinks must stay under it; NULL:
					 * the chart directory */
	struct tmpl_options limits;     /* zero: the engine's defaults */
};

/* One printed manifest, for `helm template --output-dir`. */
enum helm_manifest_kind { HELM_MANIFEST_CRD, HELM_MANIFEST_RESOURCE, HELM_MANIFEST_HOOK };
struct helm_manifest {
	enum helm_manifest_kind kind;
	char *path;             /* "chart/templates/x.yaml" */
	char *content;          /* without the `---` and `# Source:` head */
};

struct helm_result {
	struct buf text;        /* what `helm template` prints on stdout */
	json_t *docs;           /* array of the manifests parsed, in the same
				 * order (hooks last, as printed); NULL on error */
	json_t *sources;        /* the `# Source:` path of each of docs */
	bool render_failed;     /* the error came while rendering templates
				 * (helm then suggests --debug) */
	struct helm_manifest *manifests;        /* as printed, before
						 * --show-only; NULL on error */
	size_t nmanifests;
	char *release_name;     /* the name used (after --name-template) */
};
#define HELM_RESULT_INIT { BUF_INIT, NULL, NULL, false, NULL, 0, NULL }
void helm_result_release(struct helm_result *r);

/*
 * Renders the chart. Returns 0, or a negative BERR code with err set to
 * the message `helm template` prints after "Error: " (BERR_INVALID for a
 * bad chart, values or template, BERR_NOTFOUND for a missing chart or
 * --show-only file, BERR_LIMIT for a bound). With opts->debug, r->text
 * holds the rendered files even when a manifest is not valid YAML.
 * The caller releases r in every case.
 */
int helm_render(struct helm_result *r, const struct helm_source *src,
		const struct helm_options *opts, struct berr *err);

/* --- user values ----------------------------------------------------- */

enum helm_set_kind {
	HELM_SET,               /* --set: types inferred (true, 12, null) */
	HELM_SET_STRING,        /* --set-string: every value a string */
	HELM_SET_JSON,          /* --set-json: values are JSON */
	HELM_SET_FILE,          /* --set-file: values are file paths, read */
	HELM_SET_LITERAL,       /* --set-literal: the value is the rest, as is */
};

/* Merges a values document (a -f file) into `vals` as Helm merges -f
 * files: maps merge, everything else replaces. */
int helm_values_add_yaml(json_t *vals, const char *text, size_t len, const char *name,
			 struct berr *err);
/*
 * Applies one --set style expression ("a.b=c,d[0]=x") to `vals`.
 * read_file reads --set-file paths (NULL: the local file system); it
 * appends the file to out and returns 0 or a negative BERR code.
 */
typedef int (*helm_read_fn)(struct buf *out, const char *path, void *ctx, struct berr *err);
int helm_values_set(json_t *vals, enum helm_set_kind kind, const char *expr,
		    helm_read_fn read_file, void *ctx, struct berr *err);

#endif
