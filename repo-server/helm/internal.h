/*
 * internal.h — what the files of repo-server/helm share: the loaded chart,
 * the archive reader, .helmignore rules, Go's filepath.Match, values
 * coalescing and the Helm template functions. Not for use outside
 * repo-server/helm.
 */
#ifndef BOSUN_HELM_INTERNAL_H
#define BOSUN_HELM_INTERNAL_H

#include <stdbool.h>

#include "repo-server/helm/helm.h"

/* Limits on what a chart may hold (Helm's own are 100 MiB decompressed
 * and 5 MiB a file). */
#define HELM_MAX_CHART_BYTES   (100u << 20)
#define HELM_MAX_FILE_BYTES    (5u << 20)
#define HELM_MAX_FILES         20000
#define HELM_MAX_CHART_DEPTH   30      /* subcharts within subcharts */

/* A file of a chart: owned. */
struct hfile {
	char *name;
	char *data;     /* NUL-terminated */
	size_t len;
};

struct hfiles {
	struct hfile *v;
	size_t n, cap;
};
void hfiles_add(struct hfiles *fs, const char *name, const char *data, size_t len);
void hfiles_free(struct hfiles *fs);

/* A loaded chart. meta is Chart.yaml as JSON; its "dependencies" array is
 * the one Helm works on (requirements.yaml for apiVersion v1); each entry
 * gets "enabled" while dependencies are processed. */
struct hchart {
	json_t *meta;
	json_t *values;         /* values.yaml, numbers as float64 (json reals) */
	char *schema;           /* values.schema.json or NULL */
	size_t schema_len;
	struct hfiles templates;        /* "templates/..." */
	struct hfiles files;            /* every other file (incl. crds/) */
	struct hchart **deps;
	size_t ndeps;
	struct hchart *parent;
};

const char *hchart_name(const struct hchart *c);
/* "top/charts/sub/charts/subsub" */
void hchart_full_path(struct buf *out, const struct hchart *c);
void hchart_free(struct hchart *c);
/* A copy sharing nothing. */
struct hchart *hchart_clone(const struct hchart *c);

/* Loads a chart from a source; validates metadata as Helm does. */
int hchart_load(struct hchart **out, const struct helm_source *src, const char *root,
		struct berr *err);
/* Loads a chart from files whose names are relative to its root. */
int hchart_load_files(struct hchart **out, struct hfiles *fs, int depth, struct berr *err);

/* A gzip'd tar archive into files; the leading directory of each name is
 * stripped (as Helm's LoadArchive does). */
int harchive_read(struct hfiles *out, const void *data, size_t len, struct berr *err);

/* Go's path.Match (also filepath.Match on Unix): 1 match, 0 not, -1 bad
 * pattern. */
int hglob_match(const char *pattern, const char *name);

/* .helmignore rules. */
struct hignore;
int hignore_parse(struct hignore **out, const char *text, size_t len, struct berr *err);
bool hignore_match(const struct hignore *r, const char *path, bool is_dir);
void hignore_free(struct hignore *r);

/* Values: Helm's chartutil. Tables are json objects; all borrowed in,
 * results new references. */
json_t *hvals_coalesce(const struct hchart *c, const json_t *vals, bool merge);
void hvals_merge_tables(json_t *dst, json_t *src);       /* MergeTables */
void hvals_coalesce_tables(json_t *dst, json_t *src);    /* CoalesceTables */
/* Every json integer in v becomes a real (what JSON decoding into Go's
 * interface{} does). */
void hvals_floatify(json_t *v);
/* Processes dependencies: conditions, tags, aliases, import-values. */
int hdeps_process(struct hchart *c, const json_t *vals, struct berr *err);

/* values.schema.json of the chart and its subcharts against the
 * coalesced values. */
int hschema_validate(const struct hchart *c, const json_t *vals, struct berr *err);

/* semver constraint check (Masterminds); false on a bad constraint. */
bool hsemver_satisfies(const char *constraint, const char *version);

/* TOML text into a map for fromToml (toml.c): 0, or -1 with err set. */
int htoml_parse(struct tv_arena *a, tv **out, const char *text, size_t len, char *err, size_t errlen);

/* .Chart: the chart's metadata as the Go struct Helm passes (chartobj.c). */
tv *hchart_object(struct tv_arena *a, const struct hchart *c);

/* Template functions and objects. */
struct hrender;
void hfuncs_register(struct tmpl_set *set, struct hrender *r);
tv *hfiles_object(struct tv_arena *a, const struct hchart *c);
tv *hcaps_object(struct tv_arena *a, const char *kube_version, const char *const *apis,
		 size_t napis);
int hkube_version_parse(const char *in, char *version, size_t vlen, char *major,
			char *minor, size_t mlen);

/* The render in progress (render.c). */
size_t *hrender_include_count(struct hrender *r, const char *name);
/* Keeps the innermost message of the first failed include. */
void hrender_note_failure(struct hrender *r, const char *msg);
/* Removes every "<no value>", as Helm does after executing a template. */
void hrender_strip_no_value(struct buf *b);
/* toYaml's text of a value, without the final newline; -1 when the value
 * cannot be marshalled. */
int hyaml_of(struct buf *out, const tv *v);
/* A values document (values.yaml, -f): a map, numbers as float64. */
int hvals_read(json_t **out, const char *data, size_t len, const char *name, struct berr *err);

#endif
