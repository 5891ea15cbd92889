/*
 * source-directory.c — directory sources (see source-directory.h).
 *
 * The walk comes from tree.c (symlinks and limits are handled there); this
 * file decides which files are manifests and turns them into objects. The
 * rules are Argo CD's: the extension picks the file, exclude is checked
 * before include, a .json file holds exactly one object, a YAML stream's
 * empty documents are skipped, and a YAML file that does not parse is an
 * error only when it looks like a manifest (it mentions apiVersion:, kind:
 * and metadata:) or when some of its documents did parse; otherwise it is
 * some other YAML file (a values file, CI config) and is ignored.
 *
 * Globs: braces are expanded first (bounded), then each alternative goes to
 * fnmatch() without FNM_PATHNAME, so `*` crosses '/', as gobwas/glob does
 * when compiled without separators.
 */
#include "source-directory.h"

#include <fnmatch.h>
#include <string.h>

#include "buf.h"
#include "yaml.h"

#define GLOB_MAX_PATTERN 1024
#define GLOB_MAX_ALTERNATIVES 1024

const char *source_type_name(enum source_type t)
{
	return t == SOURCE_HELM ? "Helm" : "Directory";
}

/* --- globs ----------------------------------------------------------------- */

/* Index of the '}' closing the '{' at p[0], or -1. */
static long closing_brace(const char *p)
{
	int depth = 0;
	for (long i = 0; p[i]; i++) {
		if (p[i] == '\\' && p[i + 1]) {
			i++;
			continue;
		}
		if (p[i] == '{')
			depth++;
		else if (p[i] == '}' && --depth == 0)
			return i;
	}
	return -1;
}

/* Matches text against pattern with its first brace group expanded. */
static int glob_expand(const char *pattern, const char *text, int *budget)
{
	if (--*budget < 0)
		return BERR_INVALID;
	const char *open = NULL;
	for (const char *p = pattern; *p; p++) {
		if (*p == '\\' && p[1]) {
			p++;
			continue;
		}
		if (*p == '{') {
			open = p;
			break;
		}
	}
	if (!open)
		return fnmatch(pattern, text, 0) == 0;
	long close = closing_brace(open);
	if (close < 0)
		return BERR_INVALID;
	const char *body = open + 1, *end = open + close;
	struct buf alt = BUF_INIT;
	int result = 0;
	const char *start = body;
	int depth = 0;
	for (const char *p = body; p <= end && result == 0; p++) {
		if (p < end && *p == '\\' && p + 1 < end) {
			p++;
			continue;
		}
		if (p < end && *p == '{')
			depth++;
		else if (p < end && *p == '}')
			depth--;
		else if (p == end || (*p == ',' && depth == 0)) {
			buf_reset(&alt);
			buf_add(&alt, pattern, open - pattern);
			buf_add(&alt, start, p - start);
			buf_adds(&alt, end + 1);
			result = glob_expand(alt.data, text, budget);
			start = p + 1;
		}
	}
	buf_release(&alt);
	return result;
}

int source_glob_match(const char *pattern, const char *text)
{
	if (strlen(pattern) > GLOB_MAX_PATTERN)
		return BERR_INVALID;
	int budget = GLOB_MAX_ALTERNATIVES;
	return glob_expand(pattern, text, &budget);
}

/* --- detection -------------------------------------------------------------- */

int source_detect(enum source_type *out, struct tree_reader *r, const char *app_path,
		  int helm_opts, struct berr *err)
{
	enum tree_kind kind;
	struct buf chart = BUF_INIT;
	buf_addf(&chart, "%s%sChart.yaml", app_path, *app_path ? "/" : "");
	int rc = tree_stat(&kind, NULL, r, app_path, err);
	if (rc == 0 && kind != TREE_DIR)
		rc = berr_set(err, kind == TREE_MISSING ? BERR_NOTFOUND : BERR_INVALID,
			      kind == TREE_MISSING ? "app path '%s' not found in repository"
			      : "app path '%s' is a file, not a directory", app_path);
	if (rc == 0)
		rc = tree_stat(&kind, NULL, r, chart.data, err);
	if (rc == 0)
		*out = helm_opts || kind == TREE_FILE ? SOURCE_HELM : SOURCE_DIRECTORY;
	buf_release(&chart);
	return rc;
}

/* --- rendering -------------------------------------------------------------- */

static int has_suffix(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n >= m && !strcmp(s + n - m, suffix);
}

static int is_manifest_name(const char *path)
{
	const char *base = strrchr(path, '/');
	base = base ? base + 1 : path;
	return has_suffix(base, ".yaml") || has_suffix(base, ".yml") || has_suffix(base, ".json");
}

/* Appends obj (or the items of a List) with its source file. */
static int add_object(json_t *manifests, json_t *sources, json_t *obj,
		      const char *file, size_t doc, struct berr *err)
{
	json_t *items = json_object_get(obj, "items");
	const char *kind = json_string_value(json_object_get(obj, "kind"));
	if (json_is_array(items) && kind && has_suffix(kind, "List")) {
		size_t i;
		json_t *item;
		json_array_foreach(items, i, item) {
			if (!json_is_object(item))
				return berr_set(err, BERR_INVALID,
						"'%s': item %zu of the %s in document %zu is not an object",
						file, i, kind, doc + 1);
			json_array_append(manifests, item);
			json_array_append_new(sources, json_string(file));
		}
		return 0;
	}
	json_array_append(manifests, obj);
	json_array_append_new(sources, json_string(file));
	return 0;
}

static int looks_like_manifest(const struct buf *text)
{
	return strstr(text->data, "apiVersion:") && strstr(text->data, "kind:")
		&& strstr(text->data, "metadata:");
}

static int render_json(json_t *manifests, json_t *sources, const struct buf *text,
		       const char *file, struct berr *err)
{
	json_error_t je;
	json_t *obj = json_loadb(text->data, text->len, JSON_ALLOW_NUL, &je);
	if (!obj)
		return berr_set(err, BERR_INVALID, "%s:%d:%d: %s", file, je.line, je.column, je.text);
	int rc = 0;
	if (!json_is_object(obj))
		rc = berr_set(err, BERR_INVALID, "'%s': a JSON manifest file must hold one object", file);
	else
		rc = add_object(manifests, sources, obj, file, 0, err);
	json_decref(obj);
	return rc;
}

static int render_yaml(json_t *manifests, json_t *sources, const struct buf *text,
		       const char *file, struct berr *err)
{
	json_t *docs = NULL;
	struct berr perr = BERR_INIT;
	int rc = yaml_read_stream(&docs, text->data, text->len, file, NULL, &perr);
	if (rc < 0) {
		if (looks_like_manifest(text)) {
			if (err)
				*err = perr;
			return rc;
		}
		return 0;       /* some other YAML file: ignored, as Argo CD does */
	}
	size_t i;
	json_t *doc;
	json_array_foreach(docs, i, doc) {
		if (json_is_null(doc))
			continue;
		if (!json_is_object(doc)) {
			rc = berr_set(err, BERR_INVALID,
				      "'%s': document %zu is a %s, not an object", file, i + 1,
				      json_is_array(doc) ? "sequence" : "scalar");
			break;
		}
		if ((rc = add_object(manifests, sources, doc, file, i, err)) < 0)
			break;
	}
	json_decref(docs);
	return rc;
}

static int glob_selects(const char *pattern, const char *rel, const char *what, int *out,
			struct berr *err)
{
	int m = source_glob_match(pattern, rel);
	if (m < 0)
		return berr_set(err, BERR_INVALID, "invalid %s glob '%s'", what, pattern);
	*out = m;
	return 0;
}

int source_directory_render(json_t **out_manifests, json_t **out_sources,
			    struct tree_reader *r, const char *app_path,
			    const struct source_directory_opts *opts, struct berr *err)
{
	struct tree_file *files = NULL;
	size_t n = 0;
	*out_manifests = NULL;
	*out_sources = NULL;
	int rc = tree_list_files(&files, &n, r, app_path, opts && opts->recurse, err);
	if (rc < 0)
		return rc;
	const char *include = opts && opts->include && *opts->include ? opts->include : NULL;
	const char *exclude = opts && opts->exclude && *opts->exclude ? opts->exclude : NULL;
	json_t *manifests = json_array(), *sources = json_array();
	struct buf text = BUF_INIT;
	for (size_t i = 0; i < n && rc == 0; i++) {
		const char *rel = files[i].path, *file = files[i].repo_path;
		int m = 0;
		if (!is_manifest_name(rel))
			continue;
		if (exclude && ((rc = glob_selects(exclude, rel, "exclude", &m, err)) < 0 || m))
			continue;
		if (include && ((rc = glob_selects(include, rel, "include", &m, err)) < 0 || !m))
			continue;
		buf_reset(&text);
		if ((rc = tree_read_file(&text, r, file, err)) < 0)
			break;
		if (has_suffix(rel, ".json"))
			rc = render_json(manifests, sources, &text, file, err);
		else
			rc = render_yaml(manifests, sources, &text, file, err);
	}
	buf_release(&text);
	tree_files_free(files, n);
	if (rc < 0) {
		json_decref(manifests);
		json_decref(sources);
		return rc;
	}
	*out_manifests = manifests;
	*out_sources = sources;
	return 0;
}
