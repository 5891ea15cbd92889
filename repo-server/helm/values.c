/*
 * values.c — Helm's values, as chartutil computes them: coalescing (user
 * values over chart values, null deleting a key, maps merging, anything
 * else replacing, a parent's values over its subchart's, globals copied
 * down), merging (the same keeping nulls), and the processing of
 * dependencies (condition, tags, alias, import-values) that runs before.
 *
 * Values are json objects shared by reference exactly where Helm's Go maps
 * are shared, and copied where Helm copies, so even Helm's quirks (an
 * import that writes through into the child's table) come out the same.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "repo-server/helm/internal.h"
#include "repo-server/sprig/sprig.h"

/* coalesceTablesFullKey: dst is authoritative. */
static void coalesce_tables(json_t *dst, json_t *src, bool merge, int depth)
{
	if (!src || !dst || depth > 10000)
		return;
	const char *k;
	json_t *v;
	void *tmp;
	json_object_foreach(dst, k, v) {
		if (json_is_null(v))
			json_object_set(src, k, json_null());
	}
	json_object_foreach_safe(src, tmp, k, v) {
		json_t *dv = json_object_get(dst, k);
		if (dv && !merge && json_is_null(dv))
			json_object_del(dst, k);
		else if (!dv)
			json_object_set(dst, k, v);
		else if (json_is_object(v) && json_is_object(dv))
			coalesce_tables(dv, v, merge, depth + 1);
	}
}

void hvals_merge_tables(json_t *dst, json_t *src)
{
	coalesce_tables(dst, src, true, 0);
}

void hvals_coalesce_tables(json_t *dst, json_t *src)
{
	coalesce_tables(dst, src, false, 0);
}

static bool is_child(const struct hchart *c, const char *key)
{
	for (size_t i = 0; i < c->ndeps; i++)
		if (!strcmp(hchart_name(c->deps[i]), key))
			return true;
	return false;
}

static void coalesce_values(const struct hchart *c, json_t *v, bool merge)
{
	json_t *vc = json_deep_copy(c->values ? c->values : json_object());
	const char *k;
	json_t *val;
	json_object_foreach(vc, k, val) {
		json_t *value = json_object_get(v, k);
		if (value) {
			if (json_is_null(value) && !merge)
				json_object_del(v, k);
			else if (json_is_object(value) && json_is_object(val))
				coalesce_tables(value, val, is_child(c, k) ? true : merge, 0);
		} else {
			json_object_set(v, k, val);
		}
	}
	json_decref(vc);
}

static void coalesce_globals(json_t *dest, json_t *src)
{
	json_t *dg = json_object_get(dest, "global");
	json_t *sg = json_object_get(src, "global");
	if (dg && !json_is_object(dg))
		return;
	if (sg && !json_is_object(sg))
		return;
	dg = dg ? json_incref(dg) : json_object();
	const char *k;
	json_t *val;
	json_object_foreach(sg, k, val) {
		if (json_is_object(val)) {
			json_t *vv = json_copy(val);    /* copyMap: one level */
			json_t *destv = json_object_get(dg, k);
			if (!destv) {
				json_object_set_new(dg, k, vv);
			} else if (!json_is_object(destv)) {
				json_decref(vv);
			} else {
				coalesce_tables(vv, destv, true, 0);
				json_object_set_new(dg, k, vv);
			}
		} else {
			json_t *dv = json_object_get(dg, k);
			if (!(dv && json_is_object(dv)))
				json_object_set(dg, k, val);
		}
	}
	json_object_set_new(dest, "global", dg);
}

static int coalesce(const struct hchart *c, json_t *dest, bool merge, struct berr *err);

static int coalesce_deps(const struct hchart *c, json_t *dest, bool merge, struct berr *err)
{
	for (size_t i = 0; i < c->ndeps; i++) {
		const char *name = hchart_name(c->deps[i]);
		json_t *cv = json_object_get(dest, name);
		if (!cv) {
			json_object_set_new(dest, name, json_object());
		} else if (!json_is_object(cv)) {
			return berr_set(err, BERR_INVALID, "type mismatch on %s: %%!t(%s)", name,
					json_is_string(cv) ? "string" : json_is_array(cv) ? "[]interface {}" :
					json_is_null(cv) ? "<nil>" : json_is_boolean(cv) ? "bool" : "float64");
		}
		json_t *dv = json_object_get(dest, name);
		coalesce_globals(dv, dest);
		int rc = coalesce(c->deps[i], dv, merge, err);
		if (rc < 0)
			return rc;
	}
	return 0;
}

static int coalesce(const struct hchart *c, json_t *dest, bool merge, struct berr *err)
{
	coalesce_values(c, dest, merge);
	return coalesce_deps(c, dest, merge, err);
}

json_t *hvals_coalesce(const struct hchart *c, const json_t *vals, bool merge)
{
	json_t *v = vals && json_is_object(vals) ? json_deep_copy(vals) : json_object();
	struct berr e = BERR_INIT;
	if (coalesce(c, v, merge, &e) < 0) {
		json_decref(v);
		return NULL;
	}
	return v;
}

static int coalesce_checked(json_t **out, const struct hchart *c, const json_t *vals, bool merge,
			    struct berr *err)
{
	json_t *v = vals && json_is_object(vals) ? json_deep_copy(vals) : json_object();
	int rc = coalesce(c, v, merge, err);
	if (rc < 0) {
		json_decref(v);
		return rc;
	}
	*out = v;
	return 0;
}

/* --- semver ranges ---------------------------------------------------- */

static struct tmpl_set *semver_set;
static pthread_once_t semver_once = PTHREAD_ONCE_INIT;

static void semver_init(void)
{
	semver_set = tmpl_set_new();
	sprig_register(semver_set);
	static const char t[] = "{{ semverCompare .c .v }}";
	tmpl_parse(semver_set, "semver", t, sizeof t - 1, NULL);
}

bool hsemver_satisfies(const char *constraint, const char *version)
{
	if (!constraint || !*constraint || !version)
		return false;
	pthread_once(&semver_once, semver_init);
	json_t *d = json_pack("{s:s,s:s}", "c", constraint, "v", version);
	struct buf out = BUF_INIT;
	int rc = tmpl_execute(semver_set, "semver", d, &out, NULL, NULL);
	bool ok = rc == 0 && !strcmp(out.data, "true");
	json_decref(d);
	buf_release(&out);
	return ok;
}

/* --- dependencies ------------------------------------------------------ */

/* Values.Table: each dotted step must be a map. Borrowed. */
static json_t *table(json_t *v, const char *path)
{
	char *p = xstrdup(path), *save = NULL;
	json_t *cur = v;
	for (char *tok = strtok_r(p, ".", &save); tok && cur; tok = strtok_r(NULL, ".", &save)) {
		cur = json_object_get(cur, tok);
		if (!json_is_object(cur))
			cur = NULL;
	}
	free(p);
	return cur;
}

/* Values.PathValue: a non-table value at a dotted path, or NULL. */
static json_t *path_value(json_t *v, const char *path)
{
	const char *dot = strrchr(path, '.');
	json_t *t = v;
	if (dot) {
		char *tp = xstrndup(path, (size_t)(dot - path));
		t = table(v, tp);
		free(tp);
		path = dot + 1;
	}
	json_t *x = t ? json_object_get(t, path) : NULL;
	return x && !json_is_object(x) ? x : NULL;
}

static const char *dstr(json_t *d, const char *k)
{
	const char *s = json_string_value(json_object_get(d, k));
	return s ? s : "";
}

static void process_tags(json_t *mdeps, json_t *cvals)
{
	json_t *vt = json_object_get(cvals, "tags");
	if (!json_is_object(vt))
		return;
	size_t i, j;
	json_t *r, *tag;
	json_array_foreach(mdeps, i, r) {
		bool has_true = false, has_false = false;
		json_array_foreach(json_object_get(r, "tags"), j, tag) {
			json_t *b = json_is_string(tag) ? json_object_get(vt, json_string_value(tag)) : NULL;
			if (json_is_boolean(b)) {
				if (json_is_true(b))
					has_true = true;
				else
					has_false = true;
			}
		}
		if (!has_true && has_false)
			json_object_set_new(r, "enabled", json_false());
		else
			json_object_set_new(r, "enabled", json_true());
	}
}

static void process_conditions(json_t *mdeps, json_t *cvals, const char *path)
{
	size_t i;
	json_t *r;
	json_array_foreach(mdeps, i, r) {
		char *cond = xstrdup(dstr(r, "condition")), *save = NULL;
		for (char *c = strtok_r(cond, ",", &save); c; c = strtok_r(NULL, ",", &save)) {
			while (*c == ' ')
				c++;
			size_t n = strlen(c);
			while (n && c[n - 1] == ' ')
				c[--n] = 0;
			if (!n)
				continue;
			struct buf p = BUF_INIT;
			buf_addf(&p, "%s%s", path, c);
			json_t *vv = path_value(cvals, p.data);
			buf_release(&p);
			if (json_is_boolean(vv)) {
				json_object_set_new(r, "enabled", json_boolean(json_is_true(vv)));
				break;
			}
		}
		free(cond);
	}
}

static int deps_enabled(struct hchart *c, json_t *v, const char *path, int depth, struct berr *err)
{
	json_t *mdeps = json_object_get(c->meta, "dependencies");
	if (!json_is_array(mdeps))
		return 0;
	if (depth > HELM_MAX_CHART_DEPTH)
		return berr_set(err, BERR_LIMIT, "subcharts nested deeper than %d", HELM_MAX_CHART_DEPTH);
	struct hchart **nd = xcalloc(c->ndeps * (json_array_size(mdeps) + 1) + 1, sizeof *nd);
	size_t nn = 0;
	size_t i, j;
	json_t *r;
	for (i = 0; i < c->ndeps; i++) {
		struct hchart *e = c->deps[i];
		bool matched = false;
		json_array_foreach(mdeps, j, r) {
			if (!strcmp(hchart_name(e), dstr(r, "name")) &&
			    hsemver_satisfies(dstr(r, "version"), dstr(e->meta, "version"))) {
				matched = true;
				break;
			}
		}
		if (!matched) {
			nd[nn++] = e;
			c->deps[i] = NULL;
		}
	}
	json_array_foreach(mdeps, j, r) {
		if (!json_is_object(r))
			continue;
		for (i = 0; i < c->ndeps; i++) {
			struct hchart *e = c->deps[i];
			if (!e || strcmp(hchart_name(e), dstr(r, "name")) ||
			    !hsemver_satisfies(dstr(r, "version"), dstr(e->meta, "version")))
				continue;
			struct hchart *cl = hchart_clone(e);
			if (*dstr(r, "alias"))
				json_object_set_new(cl->meta, "name", json_string(dstr(r, "alias")));
			cl->parent = c;
			nd[nn++] = cl;
			break;
		}
		if (*dstr(r, "alias"))
			json_object_set_new(r, "name", json_string(dstr(r, "alias")));
	}
	for (i = 0; i < c->ndeps; i++)
		hchart_free(c->deps[i]);
	free(c->deps);
	c->deps = nd;
	c->ndeps = nn;
	json_array_foreach(mdeps, j, r)
		if (json_is_object(r))
			json_object_set_new(r, "enabled", json_true());
	json_t *cvals;
	int rc = coalesce_checked(&cvals, c, v, false, err);
	if (rc < 0)
		return rc;
	process_tags(mdeps, cvals);
	process_conditions(mdeps, cvals, path);
	/* drop disabled charts and their metadata */
	json_t *keep_meta = json_array();
	json_array_foreach(mdeps, j, r) {
		if (json_is_object(r) && !json_is_true(json_object_get(r, "enabled")))
			continue;
		json_array_append(keep_meta, r);
	}
	size_t k = 0;
	for (i = 0; i < c->ndeps; i++) {
		bool disabled = false;
		json_array_foreach(mdeps, j, r)
			if (json_is_object(r) && !json_is_true(json_object_get(r, "enabled")) &&
			    !strcmp(dstr(r, "name"), hchart_name(c->deps[i])))
				disabled = true;
		if (disabled)
			hchart_free(c->deps[i]);
		else
			c->deps[k++] = c->deps[i];
	}
	c->ndeps = k;
	for (i = 0; i < c->ndeps && rc == 0; i++) {
		struct buf sub = BUF_INIT;
		buf_addf(&sub, "%s%s.", path, hchart_name(c->deps[i]));
		rc = deps_enabled(c->deps[i], cvals, sub.data, depth + 1, err);
		buf_release(&sub);
	}
	json_object_set_new(c->meta, "dependencies", keep_meta);
	json_decref(cvals);
	return rc;
}

static json_t *path_to_map(const char *path, json_t *data)
{
	if (!strcmp(path, "."))
		return json_incref(data);
	char *p = xstrdup(path);
	json_t *cur = json_incref(data);
	for (;;) {
		char *dot = strrchr(p, '.');
		const char *key = dot ? dot + 1 : p;
		json_t *m = json_object();
		json_object_set_new(m, key, cur);
		cur = m;
		if (!dot)
			break;
		*dot = 0;
	}
	free(p);
	return cur;
}

static int import_values(struct hchart *c, int depth, struct berr *err)
{
	if (depth > HELM_MAX_CHART_DEPTH)
		return berr_set(err, BERR_LIMIT, "subcharts nested deeper than %d", HELM_MAX_CHART_DEPTH);
	for (size_t i = 0; i < c->ndeps; i++) {
		int rc = import_values(c->deps[i], depth + 1, err);
		if (rc < 0)
			return rc;
	}
	json_t *mdeps = json_object_get(c->meta, "dependencies");
	if (!json_is_array(mdeps))
		return 0;
	json_t *cvals;
	int rc = coalesce_checked(&cvals, c, NULL, true, err);
	if (rc < 0)
		return rc;
	json_t *b = json_object();
	size_t i, j;
	json_t *r, *iv;
	json_array_foreach(mdeps, i, r) {
		json_array_foreach(json_object_get(r, "import-values"), j, iv) {
			struct buf p = BUF_INIT;
			json_t *add = NULL;
			if (json_is_object(iv)) {
				buf_addf(&p, "%s.%s", dstr(r, "name"), dstr(iv, "child"));
				json_t *vv = table(cvals, p.data);
				if (vv)
					add = path_to_map(dstr(iv, "parent"), vv);
			} else if (json_is_string(iv)) {
				buf_addf(&p, "%s.exports.%s", dstr(r, "name"), json_string_value(iv));
				json_t *vm = table(cvals, p.data);
				if (vm)
					add = json_incref(vm);
			}
			buf_release(&p);
			if (add) {
				hvals_merge_tables(b, add);
				json_decref(add);
			}
		}
	}
	json_t *cv = json_deep_copy(cvals);
	hvals_merge_tables(cv, b);
	json_decref(c->values);
	c->values = cv;
	json_decref(b);
	json_decref(cvals);
	return 0;
}

int hdeps_process(struct hchart *c, const json_t *vals, struct berr *err)
{
	json_t *v = vals ? json_deep_copy(vals) : json_object();
	int rc = deps_enabled(c, v, "", 0, err);
	json_decref(v);
	if (rc == 0)
		rc = import_values(c, 0, err);
	return rc;
}

/* --- -f files ------------------------------------------------------------ */

static void merge_maps(json_t *a, json_t *b)
{
	const char *k;
	json_t *v;
	json_object_foreach(b, k, v) {
		json_t *av = json_object_get(a, k);
		if (json_is_object(v) && json_is_object(av)) {
			json_t *m = json_copy(av);
			merge_maps(m, v);
			json_object_set_new(a, k, m);
		} else {
			json_object_set(a, k, v);
		}
	}
}

int helm_values_add_yaml(json_t *vals, const char *text, size_t len, const char *name,
			 struct berr *err)
{
	json_t *v;
	int rc = hvals_read(&v, text, len, name, err);
	if (rc < 0)
		return berr_prefix(err, "failed to parse %s", name ? name : "<values>");
	merge_maps(vals, v);
	json_decref(v);
	return 0;
}
