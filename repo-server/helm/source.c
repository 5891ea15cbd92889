/*
 * source.c — the repo server's Helm sources (see source.h): reads the
 * chart's files from the commit's tree into memory, builds the user values
 * in Argo CD's order (value files, then values or valuesObject, then
 * parameters as --set / --set-string, then file parameters as --set-file)
 * and renders with helm_render().
 */
#include <stdlib.h>
#include <string.h>

#include "repo-server/helm/helm.h"
#include "repo-server/helm/source.h"

/* app_path + "/" + rel, with "." and ".." resolved; NULL (err set) when it
 * climbs above the repository root or is absolute. */
static char *repo_join(const char *app_path, const char *rel, struct berr *err)
{
	if (rel[0] == '/' || strstr(rel, "://")) {
		berr_set(err, BERR_INVALID, "value file '%s' must be a path inside the repository", rel);
		return NULL;
	}
	struct buf all = BUF_INIT, out = BUF_INIT;
	buf_addf(&all, "%s/%s", app_path, rel);
	char *save = NULL;
	size_t *marks = xcalloc(all.len + 1, sizeof *marks);
	size_t depth = 0;
	for (char *t = strtok_r(all.data, "/", &save); t; t = strtok_r(NULL, "/", &save)) {
		if (!strcmp(t, "."))
			continue;
		if (!strcmp(t, "..")) {
			if (!depth) {
				berr_set(err, BERR_INVALID, "value file '%s' resolves outside the repository", rel);
				free(marks);
				buf_release(&all);
				buf_release(&out);
				return NULL;
			}
			buf_truncate(&out, marks[--depth]);
			continue;
		}
		marks[depth++] = out.len;
		if (out.len)
			buf_addch(&out, '/');
		buf_adds(&out, t);
	}
	free(marks);
	buf_release(&all);
	return buf_detach(&out, NULL);
}

struct file_ctx {
	struct tree_reader *r;
	const char *app_path;
};

static int read_repo_file(struct buf *out, const char *path, void *ctx, struct berr *err)
{
	struct file_ctx *c = ctx;
	char *p = repo_join(c->app_path, path, err);
	if (!p)
		return BERR_INVALID;
	int rc = tree_read_file(out, c->r, p, err);
	free(p);
	return rc;
}

/* Argo CD escapes commas in --set values, except in {a,b} lists. */
static void set_expr(struct buf *out, const char *name, const char *value)
{
	buf_addf(out, "%s=", name);
	size_t n = strlen(value);
	if (n >= 2 && value[0] == '{' && value[n - 1] == '}') {
		buf_adds(out, value);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		if (value[i] == ',' && (i == 0 || value[i - 1] != '\\'))
			buf_addch(out, '\\');
		buf_addch(out, value[i]);
	}
}

static const char *str(const json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

static int build_values(json_t *vals, struct tree_reader *r, const char *app_path,
			const json_t *helm, struct berr *err)
{
	int rc = 0;
	size_t i;
	json_t *x;
	bool ignore_missing = json_is_true(json_object_get(helm, "ignoreMissingValueFiles"));
	json_array_foreach(json_object_get(helm, "valueFiles"), i, x) {
		if (!json_is_string(x))
			continue;
		char *p = repo_join(app_path, json_string_value(x), err);
		if (!p)
			return BERR_INVALID;
		enum tree_kind kind;
		rc = tree_stat(&kind, NULL, r, p, err);
		if (rc == 0 && kind != TREE_FILE) {
			if (ignore_missing) {
				free(p);
				continue;
			}
			rc = berr_set(err, BERR_NOTFOUND, "open %s: no such file or directory", p);
		}
		struct buf b = BUF_INIT;
		if (rc == 0)
			rc = tree_read_file(&b, r, p, err);
		if (rc == 0)
			rc = helm_values_add_yaml(vals, b.data, b.len, p, err);
		buf_release(&b);
		free(p);
		if (rc < 0)
			return rc;
	}
	json_t *obj = json_object_get(helm, "valuesObject");
	const char *text = str(helm, "values");
	if (json_is_object(obj)) {
		char *s = json_dumps(obj, JSON_COMPACT);
		rc = helm_values_add_yaml(vals, s, strlen(s), "valuesObject", err);
		free(s);
	} else if (text && *text) {
		rc = helm_values_add_yaml(vals, text, strlen(text), "values", err);
	}
	if (rc < 0)
		return rc;
	for (int pass = 0; pass < 2 && rc == 0; pass++) {
		json_array_foreach(json_object_get(helm, "parameters"), i, x) {
			bool force = json_is_true(json_object_get(x, "forceString"));
			if (force != (pass == 1) || !str(x, "name"))
				continue;
			struct buf e = BUF_INIT;
			set_expr(&e, str(x, "name"), str(x, "value") ? str(x, "value") : "");
			rc = helm_values_set(vals, force ? HELM_SET_STRING : HELM_SET, e.data, NULL, NULL, err);
			buf_release(&e);
			if (rc < 0)
				return rc;
		}
	}
	struct file_ctx ctx = { r, app_path };
	json_array_foreach(json_object_get(helm, "fileParameters"), i, x) {
		if (!str(x, "name") || !str(x, "path"))
			continue;
		struct buf e = BUF_INIT;
		buf_addf(&e, "%s=%s", str(x, "name"), str(x, "path"));
		rc = helm_values_set(vals, HELM_SET_FILE, e.data, read_repo_file, &ctx, err);
		buf_release(&e);
		if (rc < 0)
			return rc;
	}
	return 0;
}

static const char **strings_of(const json_t *a, size_t *n)
{
	*n = 0;
	const char **v = xcalloc(json_array_size(a) + 1, sizeof *v);
	size_t i;
	json_t *x;
	json_array_foreach(a, i, x)
		if (json_is_string(x))
			v[(*n)++] = json_string_value(x);
	return v;
}

int helm_source_render(json_t **out_manifests, json_t **out_sources, struct tree_reader *r,
		       const char *app_path, const json_t *options, struct berr *err)
{
	*out_manifests = *out_sources = NULL;
	const json_t *helm = json_object_get(options, "helm");
	struct tree_file *files = NULL;
	size_t n = 0;
	int rc = tree_list_files(&files, &n, r, app_path, 1, err);
	if (rc < 0)
		return rc;
	struct helm_file *hf = xcalloc(n + 1, sizeof *hf);
	struct buf *data = xcalloc(n + 1, sizeof *data);
	for (size_t i = 0; i < n && rc == 0; i++) {
		rc = tree_read_file(&data[i], r, files[i].repo_path, err);
		hf[i].name = files[i].path;
		hf[i].data = data[i].data;
		hf[i].len = data[i].len;
	}
	json_t *vals = json_object();
	if (rc == 0)
		rc = build_values(vals, r, app_path, helm, err);
	const char *release = str(helm, "releaseName");
	if (!release || !*release)
		release = str(options, "appName");
	const char *ns = str(helm, "namespace");
	if (!ns || !*ns)
		ns = str(options, "namespace");
	const char *kube = str(helm, "kubeVersion");
	if (!kube || !*kube)
		kube = str(options, "kubeVersion");
	const json_t *apis = json_object_get(helm, "apiVersions");
	if (!json_array_size(apis))
		apis = json_object_get(options, "apiVersions");
	size_t napis;
	const char **apiv = strings_of(apis, &napis);
	struct helm_options o = {
		.release_name = release,
		.namespace = ns,
		.kube_version = kube,
		.api_versions = apiv,
		.n_api_versions = napis,
		.include_crds = !json_is_true(json_object_get(helm, "skipCrds")),
		.values = vals,
	};
	struct helm_result res = HELM_RESULT_INIT;
	if (rc == 0)
		rc = helm_render(&res, &(struct helm_source){ .files = hf, .nfiles = n }, &o, err);
	if (rc < 0 && err)
		berr_prefix(err, "helm chart '%s'", *app_path ? app_path : ".");
	if (rc == 0) {
		*out_manifests = json_incref(res.docs);
		*out_sources = json_incref(res.sources);
	}
	helm_result_release(&res);
	free(apiv);
	json_decref(vals);
	for (size_t i = 0; i < n; i++)
		buf_release(&data[i]);
	free(data);
	free(hf);
	tree_files_free(files, n);
	return rc;
}
