/*
 * chart.c — loading a chart as Helm's loader does: from a directory (with
 * .helmignore and symlinks kept inside the root), a .tgz archive, or files
 * in memory. Chart.yaml (v1 or v2, with requirements.yaml for v1) becomes
 * `meta`, values.yaml the chart's values with every number a float64 as
 * Helm reads it, templates/ the templates, charts/ the subcharts
 * (directories and archives, recursively) and every other file the chart's
 * Files. Metadata is validated with Helm's own messages.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "repo-server/helm/internal.h"
#include "yaml.h"

void hfiles_add(struct hfiles *fs, const char *name, const char *data, size_t len)
{
	if (fs->n == fs->cap) {
		fs->cap = fs->cap ? fs->cap * 2 : 16;
		fs->v = xrealloc(fs->v, fs->cap * sizeof *fs->v);
	}
	struct hfile *f = &fs->v[fs->n++];
	f->name = xstrdup(name);
	f->data = xmalloc(len + 1);
	memcpy(f->data, data, len);
	f->data[len] = 0;
	f->len = len;
}

void hfiles_free(struct hfiles *fs)
{
	for (size_t i = 0; i < fs->n; i++) {
		free(fs->v[i].name);
		free(fs->v[i].data);
	}
	free(fs->v);
	memset(fs, 0, sizeof *fs);
}

static void hfiles_copy(struct hfiles *dst, const struct hfiles *src)
{
	memset(dst, 0, sizeof *dst);
	for (size_t i = 0; i < src->n; i++)
		hfiles_add(dst, src->v[i].name, src->v[i].data, src->v[i].len);
}

const char *hchart_name(const struct hchart *c)
{
	const char *n = json_string_value(json_object_get(c->meta, "name"));
	return n ? n : "";
}

void hchart_full_path(struct buf *out, const struct hchart *c)
{
	if (c->parent) {
		hchart_full_path(out, c->parent);
		buf_adds(out, "/charts/");
	}
	buf_adds(out, hchart_name(c));
}

void hchart_free(struct hchart *c)
{
	if (!c)
		return;
	json_decref(c->meta);
	json_decref(c->values);
	free(c->schema);
	hfiles_free(&c->templates);
	hfiles_free(&c->files);
	for (size_t i = 0; i < c->ndeps; i++)
		hchart_free(c->deps[i]);
	free(c->deps);
	free(c);
}

struct hchart *hchart_clone(const struct hchart *c)
{
	struct hchart *n = xcalloc(1, sizeof *n);
	n->meta = json_deep_copy(c->meta);
	n->values = json_deep_copy(c->values);
	n->schema = c->schema ? xstrndup(c->schema, c->schema_len) : NULL;
	n->schema_len = c->schema_len;
	hfiles_copy(&n->templates, &c->templates);
	hfiles_copy(&n->files, &c->files);
	n->ndeps = c->ndeps;
	n->deps = xcalloc(c->ndeps + 1, sizeof *n->deps);
	for (size_t i = 0; i < c->ndeps; i++) {
		n->deps[i] = hchart_clone(c->deps[i]);
		n->deps[i]->parent = n;
	}
	return n;
}

static void add_dep(struct hchart *c, struct hchart *d)
{
	c->deps = xrealloc(c->deps, (c->ndeps + 1) * sizeof *c->deps);
	c->deps[c->ndeps++] = d;
	d->parent = c;
}

/* Masterminds' NewVersion: optional v, 1-3 numeric parts, -pre, +meta. */
static bool valid_semver(const char *s)
{
	const char *p = s;
	if (*p == 'v' || *p == 'V')
		p++;
	int parts = 0;
	while (parts < 3) {
		if (*p < '0' || *p > '9')
			return false;
		while (*p >= '0' && *p <= '9')
			p++;
		parts++;
		if (*p != '.')
			break;
		p++;
		if (parts == 3)
			return false;
	}
	if (*p == '-') {
		p++;
		if (!*p)
			return false;
		while (*p && *p != '+') {
			if (!(isalnum((unsigned char)*p) || *p == '-' || *p == '.'))
				return false;
			p++;
		}
	}
	if (*p == '+') {
		p++;
		if (!*p)
			return false;
		while (*p) {
			if (!(isalnum((unsigned char)*p) || *p == '-' || *p == '.'))
				return false;
			p++;
		}
	}
	return *p == 0;
}

/* Chart.yaml fields Helm reads as strings: numbers written bare become
 * their text. */
static void stringify_field(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);
	if (!v || json_is_string(v) || json_is_null(v))
		return;
	char tmp[64];
	if (json_is_integer(v))
		snprintf(tmp, sizeof tmp, "%lld", (long long)json_integer_value(v));
	else if (json_is_real(v))
		yaml_format_float(tmp, json_real_value(v), 64);
	else if (json_is_boolean(v))
		snprintf(tmp, sizeof tmp, "%s", json_is_true(v) ? "true" : "false");
	else
		return;
	json_object_set_new(o, key, json_string(tmp));
}

static bool alias_ok(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!(isalnum((unsigned char)*s) || *s == '-' || *s == '_'))
			return false;
	return true;
}

static int validate_meta(json_t *m, struct berr *err)
{
	if (!json_is_object(m))
		return berr_set(err, BERR_INVALID, "validation: chart.metadata is required");
	stringify_field(m, "version");
	stringify_field(m, "appVersion");
	stringify_field(m, "name");
	stringify_field(m, "kubeVersion");
	const char *api = json_string_value(json_object_get(m, "apiVersion"));
	if (!api || !*api)
		return berr_set(err, BERR_INVALID, "validation: chart.metadata.apiVersion is required");
	const char *name = json_string_value(json_object_get(m, "name"));
	if (!name || !*name)
		return berr_set(err, BERR_INVALID, "validation: chart.metadata.name is required");
	if (strchr(name, '/') || !strcmp(name, ".") || !strcmp(name, ".."))
		return berr_set(err, BERR_INVALID, "validation: chart.metadata.name \"%s\" is invalid", name);
	const char *ver = json_string_value(json_object_get(m, "version"));
	if (!ver || !*ver)
		return berr_set(err, BERR_INVALID, "validation: chart.metadata.version is required");
	if (!valid_semver(ver))
		return berr_set(err, BERR_INVALID, "validation: chart.metadata.version \"%s\" is invalid", ver);
	json_t *t = json_object_get(m, "type");
	const char *type = json_string_value(t);
	if (t && !json_is_null(t) && (!type || (*type && strcmp(type, "application") && strcmp(type, "library"))))
		return berr_set(err, BERR_INVALID, "validation: chart.metadata.type must be application or library");
	json_t *deps = json_object_get(m, "dependencies");
	if (deps && !json_is_null(deps) && !json_is_array(deps))
		return berr_set(err, BERR_INVALID, "validation: chart.metadata.dependencies must be a list");
	size_t i;
	json_t *d;
	json_array_foreach(deps, i, d) {
		if (!json_is_object(d))
			return berr_set(err, BERR_INVALID, "validation: dependencies must not contain empty or null nodes");
		stringify_field(d, "version");
		const char *alias = json_string_value(json_object_get(d, "alias"));
		if (alias && *alias && !alias_ok(alias))
			return berr_set(err, BERR_INVALID, "validation: dependency \"%s\" has disallowed characters in the alias",
					json_string_value(json_object_get(d, "name")) ?: "");
		const char *key = alias && *alias ? alias : json_string_value(json_object_get(d, "name"));
		for (size_t j = 0; j < i; j++) {
			json_t *e = json_array_get(deps, j);
			const char *a2 = json_string_value(json_object_get(e, "alias"));
			const char *k2 = a2 && *a2 ? a2 : json_string_value(json_object_get(e, "name"));
			if (key && k2 && !strcmp(key, k2))
				return berr_set(err, BERR_INVALID,
						"validation: more than one dependency with name or alias \"%s\"", key);
		}
	}
	return 0;
}

static int read_yaml_doc(json_t **out, const char *data, size_t len, const char *name,
			 struct berr *err)
{
	struct yaml_limits lim = yaml_default_limits;
	lim.duplicate_keys_last_wins = 1;
	json_t *docs;
	int rc = yaml_read_stream(&docs, data, len, name, &lim, err);
	if (rc < 0)
		return rc;
	*out = json_incref(json_array_size(docs) ? json_array_get(docs, 0) : json_null());
	json_decref(docs);
	return 0;
}

/* values.yaml and -f files: a map (empty when the file is empty). */
int hvals_read(json_t **out, const char *data, size_t len, const char *name, struct berr *err)
{
	json_t *v;
	int rc = read_yaml_doc(&v, data, len, name, err);
	if (rc < 0)
		return berr_prefix(err, "error converting YAML to JSON");
	if (json_is_null(v)) {
		json_decref(v);
		v = json_object();
	}
	if (!json_is_object(v)) {
		const char *what = json_is_array(v) ? "array" : json_is_string(v) ? "string" :
				   json_is_boolean(v) ? "bool" : "number";
		json_decref(v);
		return berr_set(err, BERR_INVALID,
				"error unmarshaling JSON: json: cannot unmarshal %s into Go value of type map[string]interface {}",
				what);
	}
	hvals_floatify(v);
	*out = v;
	return 0;
}

static int cmp_file(const void *a, const void *b)
{
	return strcmp(((const struct hfile *)a)->name, ((const struct hfile *)b)->name);
}

int hchart_load_files(struct hchart **out, struct hfiles *fs, int depth, struct berr *err)
{
	*out = NULL;
	if (depth > HELM_MAX_CHART_DEPTH)
		return berr_set(err, BERR_LIMIT, "subcharts nested deeper than %d", HELM_MAX_CHART_DEPTH);
	if (fs->n)
		qsort(fs->v, fs->n, sizeof *fs->v, cmp_file);
	struct hchart *c = xcalloc(1, sizeof *c);
	json_t *reqs = NULL;
	int rc = 0;
	/* subcharts: group charts/<name>/... */
	struct { char *name; struct hfiles fs; } *subs = NULL;
	size_t nsubs = 0;
	for (size_t i = 0; i < fs->n && rc == 0; i++) {
		struct hfile *f = &fs->v[i];
		const char *d = f->data;
		size_t len = f->len;
		if (len >= 3 && !memcmp(d, "\xef\xbb\xbf", 3))
			d += 3, len -= 3;
		if (!strcmp(f->name, "Chart.yaml")) {
			rc = read_yaml_doc(&c->meta, d, len, "Chart.yaml", err);
			if (rc < 0)
				berr_prefix(err, "cannot load Chart.yaml: error converting YAML to JSON");
			else if (!json_is_object(c->meta))
				rc = berr_set(err, BERR_INVALID, "cannot load Chart.yaml: chart metadata is not a map");
		} else if (!strcmp(f->name, "values.yaml")) {
			rc = hvals_read(&c->values, d, len, "values.yaml", err);
			if (rc < 0)
				berr_prefix(err, "cannot load values.yaml");
		} else if (!strcmp(f->name, "values.schema.json")) {
			free(c->schema);
			c->schema = xmalloc(len + 1);
			memcpy(c->schema, d, len);
			c->schema[len] = 0;
			c->schema_len = len;
			hfiles_add(&c->files, f->name, d, len);
		} else if (!strcmp(f->name, "requirements.yaml")) {
			rc = read_yaml_doc(&reqs, d, len, "requirements.yaml", err);
			if (rc < 0)
				berr_prefix(err, "cannot load requirements.yaml");
			hfiles_add(&c->files, f->name, d, len);
		} else if (!strcmp(f->name, "Chart.lock") || !strcmp(f->name, "requirements.lock")) {
			continue;
		} else if (!strncmp(f->name, "templates/", 10)) {
			hfiles_add(&c->templates, f->name, d, len);
		} else if (!strncmp(f->name, "charts/", 7)) {
			size_t nl = strlen(f->name);
			if (nl > 5 && !strcmp(f->name + nl - 5, ".prov")) {
				hfiles_add(&c->files, f->name, d, len);
				continue;
			}
			const char *rest = f->name + 7;
			size_t cl = strcspn(rest, "/");
			size_t k;
			for (k = 0; k < nsubs; k++)
				if (strlen(subs[k].name) == cl && !strncmp(subs[k].name, rest, cl))
					break;
			if (k == nsubs) {
				subs = xrealloc(subs, (nsubs + 1) * sizeof *subs);
				subs[k].name = xstrndup(rest, cl);
				memset(&subs[k].fs, 0, sizeof subs[k].fs);
				nsubs++;
			}
			hfiles_add(&subs[k].fs, rest, d, len);
		} else {
			hfiles_add(&c->files, f->name, d, len);
		}
	}
	if (rc == 0 && !c->meta)
		rc = berr_set(err, BERR_INVALID, "Chart.yaml file is missing");
	if (rc == 0) {
		json_t *api = json_object_get(c->meta, "apiVersion");
		if (!json_is_string(api) || !*json_string_value(api))
			json_object_set_new(c->meta, "apiVersion", json_string("v1"));
		if (json_is_object(reqs) && json_object_get(reqs, "dependencies"))
			json_object_set(c->meta, "dependencies", json_object_get(reqs, "dependencies"));
		rc = validate_meta(c->meta, err);
	}
	if (rc == 0 && !c->values)
		c->values = json_object();
	for (size_t k = 0; k < nsubs; k++) {
		const char *n = subs[k].name;
		if (rc == 0 && n[0] != '_' && n[0] != '.') {
			struct hchart *sc = NULL;
			size_t nl = strlen(n);
			if (nl > 4 && !strcmp(n + nl - 4, ".tgz")) {
				struct hfiles af = { 0 };
				struct hfile *f = &subs[k].fs.v[0];
				if (strcmp(f->name, n))
					rc = berr_set(err, BERR_INVALID,
						      "error unpacking subchart tar in %s: expected %s, got %s",
						      hchart_name(c), n, f->name);
				else
					rc = harchive_read(&af, f->data, f->len, err);
				if (rc == 0)
					rc = hchart_load_files(&sc, &af, depth + 1, err);
				hfiles_free(&af);
			} else {
				struct hfiles sf = { 0 };
				for (size_t i = 0; i < subs[k].fs.n; i++) {
					const char *sl = strchr(subs[k].fs.v[i].name, '/');
					if (sl)
						hfiles_add(&sf, sl + 1, subs[k].fs.v[i].data, subs[k].fs.v[i].len);
				}
				rc = hchart_load_files(&sc, &sf, depth + 1, err);
				hfiles_free(&sf);
			}
			if (rc < 0)
				berr_prefix(err, "error unpacking subchart %s in %s", n, hchart_name(c));
			else
				add_dep(c, sc);
		}
		free(subs[k].name);
		hfiles_free(&subs[k].fs);
	}
	free(subs);
	json_decref(reqs);
	if (rc < 0) {
		hchart_free(c);
		return rc;
	}
	*out = c;
	return 0;
}

/* --- directories ------------------------------------------------------ */

struct walk {
	const char *top;        /* real path of the chart dir */
	const char *root;       /* real path symlinks must stay under */
	struct hignore *rules;
	struct hfiles *fs;
	size_t total;
};

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool under(const char *path, const char *root)
{
	size_t n = strlen(root);
	return !strncmp(path, root, n) && (path[n] == '/' || path[n] == 0 || (n == 1 && root[0] == '/'));
}

static int walk_dir(struct walk *w, const char *rel, int depth, struct berr *err)
{
	if (depth > 64)
		return berr_set(err, BERR_LIMIT, "chart directory nested deeper than 64");
	struct buf dir = BUF_INIT;
	buf_addf(&dir, "%s%s%s", w->top, *rel ? "/" : "", rel);
	DIR *d = opendir(dir.data);
	if (!d) {
		int e = errno;
		buf_release(&dir);
		return berr_set(err, BERR_IO, "cannot read directory '%s%s%s': %s", w->top, *rel ? "/" : "", rel,
				strerror(e));
	}
	char **names = NULL;
	size_t n = 0;
	struct dirent *de;
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		names = xrealloc(names, (n + 1) * sizeof *names);
		names[n++] = xstrdup(de->d_name);
	}
	closedir(d);
	if (n)
		qsort(names, n, sizeof *names, cmp_str);
	int rc = 0;
	for (size_t i = 0; i < n && rc == 0; i++) {
		struct buf r = BUF_INIT, full = BUF_INIT;
		buf_addf(&r, "%s%s%s", rel, *rel ? "/" : "", names[i]);
		buf_addf(&full, "%s/%s", w->top, r.data);
		struct stat st;
		char real[PATH_MAX];
		/* the walk starts at the real top: only a symlink can lead out */
		int lrc = lstat(full.data, &st);
		bool link = lrc == 0 && S_ISLNK(st.st_mode);
		if (lrc < 0 || (link && (stat(full.data, &st) < 0 || !realpath(full.data, real)))) {
			rc = berr_set(err, BERR_IO, "cannot read '%s': %s", r.data, strerror(errno));
		} else if (link && !under(real, w->root)) {
			rc = berr_set(err, BERR_INVALID, "symlink '%s' points outside the repository", r.data);
		} else if (S_ISDIR(st.st_mode)) {
			if (!hignore_match(w->rules, r.data, true))
				rc = walk_dir(w, r.data, depth + 1, err);
		} else if (!hignore_match(w->rules, r.data, false)) {
			if (!S_ISREG(st.st_mode)) {
				rc = berr_set(err, BERR_INVALID,
					      "cannot load irregular file %s as it has file mode type bits set", full.data);
			} else if ((size_t)st.st_size > HELM_MAX_FILE_BYTES) {
				rc = berr_set(err, BERR_LIMIT, "chart file \"%s\" is larger than the maximum file size %u",
					      r.data, HELM_MAX_FILE_BYTES);
			} else if (w->fs->n >= HELM_MAX_FILES ||
				   (w->total += (size_t)st.st_size) > HELM_MAX_CHART_BYTES) {
				rc = berr_set(err, BERR_LIMIT, "chart directory '%s' is too large", w->top);
			} else {
				struct buf data = BUF_INIT;
				if (buf_read_file(&data, full.data, HELM_MAX_FILE_BYTES) < 0)
					rc = berr_set(err, BERR_IO, "cannot read '%s': %s", r.data, strerror(errno));
				else
					hfiles_add(w->fs, r.data, data.data, data.len);
				buf_release(&data);
			}
		}
		buf_release(&r);
		buf_release(&full);
	}
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	buf_release(&dir);
	return rc;
}

int hchart_load(struct hchart **out, const struct helm_source *src, const char *root,
		struct berr *err)
{
	*out = NULL;
	struct hfiles fs = { 0 };
	int rc = 0;
	if (!src->path) {
		/* files from a repository: .helmignore applies as it does to a
		 * directory (a file is ignored with any of its directories) */
		struct hignore *rules = NULL;
		for (size_t i = 0; i < src->nfiles; i++)
			if (!strcmp(src->files[i].name, ".helmignore") &&
			    hignore_parse(&rules, src->files[i].data, src->files[i].len, err) < 0)
				return BERR_INVALID;
		if (!rules)
			hignore_parse(&rules, "", 0, err);
		for (size_t i = 0; i < src->nfiles; i++) {
			const char *name = src->files[i].name;
			bool skip = rules && hignore_match(rules, name, false);
			for (const char *sl = strchr(name, '/'); rules && sl && !skip; sl = strchr(sl + 1, '/')) {
				char *dir = xstrndup(name, (size_t)(sl - name));
				skip = hignore_match(rules, dir, true);
				free(dir);
			}
			if (!skip)
				hfiles_add(&fs, name, src->files[i].data, src->files[i].len);
		}
		hignore_free(rules);
		rc = hchart_load_files(out, &fs, 0, err);
		hfiles_free(&fs);
		return rc;
	}
	struct stat st;
	char top[PATH_MAX], rootreal[PATH_MAX];
	if (stat(src->path, &st) < 0 || !realpath(src->path, top))
		return berr_set(err, BERR_NOTFOUND, "path \"%s\" not found", src->path);
	if (root && !realpath(root, rootreal))
		return berr_set(err, BERR_NOTFOUND, "path \"%s\" not found", root);
	if (root && !under(top, rootreal))
		return berr_set(err, BERR_INVALID, "chart path '%s' is outside the repository", src->path);
	if (!S_ISDIR(st.st_mode)) {
		struct buf data = BUF_INIT;
		if (buf_read_file(&data, top, HELM_MAX_CHART_BYTES) < 0) {
			buf_release(&data);
			return berr_set(err, BERR_IO, "cannot read '%s': %s", src->path, strerror(errno));
		}
		if (data.len < 2 || (unsigned char)data.data[0] != 0x1f || (unsigned char)data.data[1] != 0x8b)
			rc = berr_set(err, BERR_INVALID, "file '%s' does not appear to be a gzipped archive; got 'application/octet-stream'",
				      src->path);
		else
			rc = harchive_read(&fs, data.data, data.len, err);
		buf_release(&data);
		if (rc == 0)
			rc = hchart_load_files(out, &fs, 0, err);
		hfiles_free(&fs);
		return rc;
	}
	struct walk w = { .top = top, .root = root ? rootreal : top, .fs = &fs };
	struct buf ign = BUF_INIT, ip = BUF_INIT;
	buf_addf(&ip, "%s/.helmignore", top);
	if (buf_read_file(&ign, ip.data, 1 << 20) == 0)
		rc = hignore_parse(&w.rules, ign.data, ign.len, err);
	else
		rc = hignore_parse(&w.rules, "", 0, err);
	buf_release(&ign);
	buf_release(&ip);
	if (rc == 0)
		rc = walk_dir(&w, "", 0, err);
	hignore_free(w.rules);
	if (rc == 0)
		rc = hchart_load_files(out, &fs, 0, err);
	hfiles_free(&fs);
	return rc;
}
