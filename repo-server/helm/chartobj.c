/*
 * chartobj.c — .Chart as Helm hands it to templates: not a map but a Go
 * struct, `struct { chart.Metadata; IsRoot bool }`. So its fields answer
 * only to their Go names (.Chart.Name, .Chart.AppVersion, .Chart.Annotations,
 * .Chart.IsRoot) and any other name is an error ("can't evaluate field
 * name in type struct { chart.Metadata; IsRoot bool }"); `{{ .Chart }}`
 * prints as fmt prints the struct; toYaml / toJson see it through its JSON
 * tags (lower-case keys, empty fields left out, IsRoot as is). Maintainers
 * and dependencies are *chart.Maintainer and *chart.Dependency structs the
 * same way.
 */
#include <stdlib.h>
#include <string.h>

#include "repo-server/helm/internal.h"
#include "repo-server/template/gofmt.h"

#define MAX_FIELDS 20

struct hstruct {
	size_t n;
	const char *names[MAX_FIELDS];
	tv *vals[MAX_FIELDS];
	json_t *json;           /* what encoding/json makes of it */
	char *text;             /* what fmt's %v prints */
};

static void st_format(struct buf *out, const void *p)
{
	buf_adds(out, ((const struct hstruct *)p)->text);
}

static json_t *st_json(const void *p)
{
	return json_deep_copy(((const struct hstruct *)p)->json);
}

static int st_field(struct tmpl_call *call, tv **out, void *p, const char *name, tv **args,
		    size_t n, struct berr *err)
{
	(void)call;
	(void)args;
	struct hstruct *s = p;
	for (size_t i = 0; i < s->n; i++) {
		if (strcmp(s->names[i], name))
			continue;
		if (n)
			return berr_set(err, BERR_INVALID, "%s has arguments but cannot be invoked as function", name);
		*out = s->vals[i];
		return 0;
	}
	return BERR_NOTFOUND;
}

static void st_free(void *p)
{
	struct hstruct *s = p;
	json_decref(s->json);
	free(s->text);
	free(s);
}

static const struct tv_type chart_type = {
	.go_type = "struct { chart.Metadata; IsRoot bool }",
	.kind = "struct",
	.format = st_format, .json = st_json, .field = st_field, .free = st_free,
};
static const struct tv_type maintainer_type = {
	.go_type = "*chart.Maintainer",
	.kind = "ptr",
	.format = st_format, .json = st_json, .field = st_field, .free = st_free,
};
static const struct tv_type dependency_type = {
	.go_type = "*chart.Dependency",
	.kind = "ptr",
	.format = st_format, .json = st_json, .field = st_field, .free = st_free,
};

static void add(struct hstruct *s, const char *name, tv *v)
{
	s->names[s->n] = name;
	s->vals[s->n++] = v;
}

static const char *str_of(const json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));
	return s ? s : "";
}

/* a []string field: nil when absent, as Go leaves it */
static tv *strings_of(struct tv_arena *a, const json_t *o, const char *k)
{
	json_t *v = json_object_get(o, k);
	tv *l = json_is_array(v) ? tv_from_json(a, v) : tv_list(a, 0);
	l->u.list.go_type = "[]string";
	return l;
}

/* %v of the fields, space-separated; pointer fields as fmt prints a
 * pointer inside a struct (an address; the same placeholder each time) */
static char *format_fields(const struct hstruct *s, size_t upto)
{
	struct buf b = BUF_INIT;
	for (size_t i = 0; i < upto; i++) {
		if (i)
			buf_addch(&b, ' ');
		const tv *v = s->vals[i];
		if (v->kind == TV_LIST && v->u.list.len && v->u.list.items[0]->kind == TV_OPAQUE) {
			buf_addch(&b, '[');
			for (size_t k = 0; k < v->u.list.len; k++)
				buf_adds(&b, k ? " 0xc000000000" : "0xc000000000");
			buf_addch(&b, ']');
		} else {
			gofmt_value(&b, v, 1u << 20);
		}
	}
	return buf_detach(&b, NULL);
}

static void json_str_omit(json_t *o, const char *k, const char *v)
{
	if (*v)
		json_object_set_new(o, k, json_string(v));
}

static int cmp_key(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* A copy whose maps list their keys sorted: Go maps inside the struct
 * marshal that way (the struct's own fields keep their order). */
static json_t *sorted_copy(const json_t *v, int depth)
{
	if (depth > 100)
		return json_null();
	if (json_is_array(v)) {
		json_t *a = json_array();
		size_t i;
		json_t *x;
		json_array_foreach(v, i, x)
			json_array_append_new(a, sorted_copy(x, depth + 1));
		return a;
	}
	if (!json_is_object(v))
		return json_deep_copy(v);
	size_t n = json_object_size(v), i = 0;
	const char **keys = xcalloc(n + 1, sizeof *keys);
	const char *k;
	json_t *x;
	json_object_foreach((json_t *)v, k, x)
		keys[i++] = k;
	qsort(keys, n, sizeof *keys, cmp_key);
	json_t *o = json_object();
	for (i = 0; i < n; i++)
		json_object_set_new(o, keys[i], sorted_copy(json_object_get(v, keys[i]), depth + 1));
	free(keys);
	return o;
}

static void json_copy_omit(json_t *o, const char *k, const json_t *v)
{
	if ((json_is_array(v) && json_array_size(v)) || (json_is_object(v) && json_object_size(v)))
		json_object_set_new(o, k, sorted_copy(v, 0));
}

static tv *maintainer(struct tv_arena *a, const json_t *m)
{
	struct hstruct *s = xcalloc(1, sizeof *s);
	add(s, "Name", tv_str(a, str_of(m, "name")));
	add(s, "Email", tv_str(a, str_of(m, "email")));
	add(s, "URL", tv_str(a, str_of(m, "url")));
	s->json = json_object();
	json_str_omit(s->json, "name", str_of(m, "name"));
	json_str_omit(s->json, "email", str_of(m, "email"));
	json_str_omit(s->json, "url", str_of(m, "url"));
	char *f = format_fields(s, s->n);
	struct buf b = BUF_INIT;
	buf_addf(&b, "&{%s}", f);
	free(f);
	s->text = buf_detach(&b, NULL);
	return tv_opaque(a, &maintainer_type, s);
}

static tv *dependency(struct tv_arena *a, const json_t *d)
{
	struct hstruct *s = xcalloc(1, sizeof *s);
	json_t *iv = json_object_get(d, "import-values");
	add(s, "Name", tv_str(a, str_of(d, "name")));
	add(s, "Version", tv_str(a, str_of(d, "version")));
	add(s, "Repository", tv_str(a, str_of(d, "repository")));
	add(s, "Condition", tv_str(a, str_of(d, "condition")));
	add(s, "Tags", strings_of(a, d, "tags"));
	add(s, "Enabled", tv_bool(json_is_true(json_object_get(d, "enabled"))));
	add(s, "ImportValues", json_is_array(iv) ? tv_from_json(a, iv) : tv_list(a, 0));
	add(s, "Alias", tv_str(a, str_of(d, "alias")));
	s->json = json_object();
	json_object_set_new(s->json, "name", json_string(str_of(d, "name")));
	json_str_omit(s->json, "version", str_of(d, "version"));
	json_object_set_new(s->json, "repository", json_string(str_of(d, "repository")));
	json_str_omit(s->json, "condition", str_of(d, "condition"));
	json_copy_omit(s->json, "tags", json_object_get(d, "tags"));
	if (json_is_true(json_object_get(d, "enabled")))
		json_object_set_new(s->json, "enabled", json_true());
	json_copy_omit(s->json, "import-values", iv);
	json_str_omit(s->json, "alias", str_of(d, "alias"));
	char *f = format_fields(s, s->n);
	struct buf b = BUF_INIT;
	buf_addf(&b, "&{%s}", f);
	free(f);
	s->text = buf_detach(&b, NULL);
	return tv_opaque(a, &dependency_type, s);
}

tv *hchart_object(struct tv_arena *a, const struct hchart *c)
{
	const json_t *m = c->meta;
	struct hstruct *s = xcalloc(1, sizeof *s);
	json_t *ann = json_object_get(m, "annotations");
	add(s, "Name", tv_str(a, str_of(m, "name")));
	add(s, "Home", tv_str(a, str_of(m, "home")));
	add(s, "Sources", strings_of(a, m, "sources"));
	add(s, "Version", tv_str(a, str_of(m, "version")));
	add(s, "Description", tv_str(a, str_of(m, "description")));
	add(s, "Keywords", strings_of(a, m, "keywords"));
	tv *maint = tv_list(a, 0);
	maint->u.list.go_type = "[]*chart.Maintainer";
	size_t i;
	json_t *x;
	json_array_foreach(json_object_get(m, "maintainers"), i, x)
		tv_list_push(a, maint, maintainer(a, x));
	add(s, "Maintainers", maint);
	add(s, "Icon", tv_str(a, str_of(m, "icon")));
	add(s, "APIVersion", tv_str(a, str_of(m, "apiVersion")));
	add(s, "Condition", tv_str(a, str_of(m, "condition")));
	add(s, "Tags", tv_str(a, str_of(m, "tags")));
	add(s, "AppVersion", tv_str(a, str_of(m, "appVersion")));
	add(s, "Deprecated", tv_bool(json_is_true(json_object_get(m, "deprecated"))));
	tv *annv = json_is_object(ann) ? tv_from_json(a, ann) : tv_map(a);
	annv->u.map.go_type = "map[string]string";
	add(s, "Annotations", annv);
	add(s, "KubeVersion", tv_str(a, str_of(m, "kubeVersion")));
	tv *deps = tv_list(a, 0);
	deps->u.list.go_type = "[]*chart.Dependency";
	json_array_foreach(json_object_get(m, "dependencies"), i, x)
		tv_list_push(a, deps, dependency(a, x));
	add(s, "Dependencies", deps);
	add(s, "Type", tv_str(a, str_of(m, "type")));
	size_t nmeta = s->n;
	add(s, "IsRoot", tv_bool(c->parent == NULL));

	json_t *j = json_object();
	json_str_omit(j, "name", str_of(m, "name"));
	json_str_omit(j, "home", str_of(m, "home"));
	json_copy_omit(j, "sources", json_object_get(m, "sources"));
	json_str_omit(j, "version", str_of(m, "version"));
	json_str_omit(j, "description", str_of(m, "description"));
	json_copy_omit(j, "keywords", json_object_get(m, "keywords"));
	if (maint->u.list.len) {
		json_t *arr = json_array();
		for (size_t k = 0; k < maint->u.list.len; k++)
			json_array_append_new(arr, st_json(maint->u.list.items[k]->u.op.p));
		json_object_set_new(j, "maintainers", arr);
	}
	json_str_omit(j, "icon", str_of(m, "icon"));
	json_str_omit(j, "apiVersion", str_of(m, "apiVersion"));
	json_str_omit(j, "condition", str_of(m, "condition"));
	json_str_omit(j, "tags", str_of(m, "tags"));
	json_str_omit(j, "appVersion", str_of(m, "appVersion"));
	if (json_is_true(json_object_get(m, "deprecated")))
		json_object_set_new(j, "deprecated", json_true());
	json_copy_omit(j, "annotations", ann);
	json_str_omit(j, "kubeVersion", str_of(m, "kubeVersion"));
	if (deps->u.list.len) {
		json_t *arr = json_array();
		for (size_t k = 0; k < deps->u.list.len; k++)
			json_array_append_new(arr, st_json(deps->u.list.items[k]->u.op.p));
		json_object_set_new(j, "dependencies", arr);
	}
	json_str_omit(j, "type", str_of(m, "type"));
	json_object_set_new(j, "IsRoot", json_boolean(c->parent == NULL));
	s->json = j;

	char *f = format_fields(s, nmeta);
	struct buf b = BUF_INIT;
	buf_addf(&b, "{{%s} %s}", f, c->parent ? "false" : "true");
	free(f);
	s->text = buf_detach(&b, NULL);
	return tv_opaque(a, &chart_type, s);
}
