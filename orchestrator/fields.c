/*
 * fields.c — FieldsV1 sets and the managedFields bookkeeping (see fields.h).
 *
 * A fieldset is a json object tree: each key a path element ("f:name",
 * "k:{...}", "v:...", "."), each leaf an empty object. Walks follow the
 * strategic-merge schema of the kind to know which lists are keyed; the
 * schema lookup is done once per call. The "." marker is written for nested
 * maps the schema does not describe (labels, data, free-form maps), close to
 * where Kubernetes writes it; it only affects how the set looks, not who owns
 * what.
 */
#include "fields.h"

#include <stdio.h>
#include <string.h>

#include "doc.h"
#include "patch.h"
#include "timefmt.h"

static const char *const server_meta[] = {
	"name", "namespace", "uid", "resourceVersion", "generation", "creationTimestamp",
	"managedFields", "selfLink", "deletionTimestamp", "deletionGracePeriodSeconds",
	"generateName", NULL,
};

static int is_server_meta(const char *k)
{
	for (size_t i = 0; server_meta[i]; i++)
		if (!strcmp(server_meta[i], k))
			return 1;
	return 0;
}

static const struct smp_type *root_type(const struct resource *r)
{
	if (r->crd)
		return NULL;
	char av[512];
	resource_api_version(r, av, sizeof(av));
	const struct smp_schema *schema = NULL;
	if (smp_schema_builtin(&schema, av, r->kind, NULL) < 0 || !schema)
		return NULL;
	return schema->root;
}

/* "k:{"name":"web"}" for an element of a keyed list, or NULL. */
static char *element_key(const struct smp_field *f, const json_t *elem)
{
	if (!f || !f->merge_key || !json_is_object(elem))
		return NULL;
	const json_t *v = json_object_get(elem, f->merge_key);
	if (!v)
		return NULL;
	json_t *k = json_pack("{s:O}", f->merge_key, v);
	char *s = json_dumps(k, JSON_COMPACT);
	json_decref(k);
	struct buf b = BUF_INIT;
	buf_addf(&b, "k:%s", s);
	free(s);
	return buf_detach(&b, NULL);
}

static char *set_member_key(const json_t *v)
{
	char *s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
	struct buf b = BUF_INIT;
	buf_addf(&b, "v:%s", s);
	free(s);
	return buf_detach(&b, NULL);
}

static int is_set(const struct smp_field *f)
{
	return f && (f->strategy & SMP_MERGE) && !f->merge_key;
}

static void walk(json_t *out, const json_t *obj, const struct smp_type *type, int depth);

static json_t *node_of(const json_t *v, const struct smp_field *f, int depth)
{
	json_t *n = json_object();
	if (json_is_object(v)) {
		if (json_object_size(v) && !(f && f->type) && depth > 0)
			json_object_set_new(n, ".", json_object());
		walk(n, v, f ? f->type : NULL, depth + 1);
	} else if (json_is_array(v) && (f && (f->merge_key || is_set(f)))) {
		size_t i;
		json_t *e;
		json_array_foreach(v, i, e) {
			char *k = f->merge_key ? element_key(f, e) : set_member_key(e);
			if (!k)
				continue;
			json_t *child = json_object();
			if (json_is_object(e)) {
				json_object_set_new(child, ".", json_object());
				walk(child, e, f->type, depth + 1);
			}
			json_object_set_new(n, k, child);
			free(k);
		}
	}
	return n;
}

static void walk(json_t *out, const json_t *obj, const struct smp_type *type, int depth)
{
	const char *k;
	json_t *v;
	json_object_foreach((json_t *)obj, k, v) {
		if (depth == 0 && (!strcmp(k, "apiVersion") || !strcmp(k, "kind")))
			continue;
		json_t *val = v;
		json_t *filtered = NULL;
		if (depth == 0 && !strcmp(k, "metadata")) {
			filtered = json_object();
			const char *mk;
			json_t *mv;
			json_object_foreach(v, mk, mv)
				if (!is_server_meta(mk))
					json_object_set(filtered, mk, mv);
			if (json_object_size(filtered) == 0) {
				json_decref(filtered);
				continue;
			}
			val = filtered;
		}
		const struct smp_field *f = type ? smp_type_field(type, k) : NULL;
		char fk[1024];
		snprintf(fk, sizeof(fk), "f:%s", k);
		json_object_set_new(out, fk, node_of(val, f, depth == 0 ? 0 : depth));
		json_decref(filtered);
	}
}

json_t *fields_of(const struct resource *r, const json_t *obj)
{
	json_t *out = json_object();
	if (json_is_object(obj))
		walk(out, obj, root_type(r), 0);
	return out;
}

/* Whether two metadata objects agree on every field a manager can own. */
static int same_meta(const json_t *a, const json_t *b)
{
	const char *k;
	json_t *v;
	json_object_foreach((json_t *)a, k, v)
		if (!is_server_meta(k) && !json_equal(v, json_object_get(b, k)))
			return 0;
	json_object_foreach((json_t *)b, k, v)
		if (!is_server_meta(k) && !json_object_get(a, k))
			return 0;
	return 1;
}

/* fields_of(before) minus fields_of(after): what a write removed. The
 * top-level members own disjoint paths, so a member equal in both adds
 * nothing and is not walked (a status write walks only the status). */
static json_t *fields_removed(const struct resource *r, const json_t *before,
			      const json_t *after)
{
	json_t *b = json_object(), *a = json_object();
	const char *k;
	json_t *v;
	json_object_foreach((json_t *)before, k, v) {
		json_t *av = json_object_get(after, k);
		if (av && (!strcmp(k, "metadata") ? same_meta(v, av) : json_equal(v, av)))
			continue;
		json_object_set(b, k, v);
		if (av)
			json_object_set(a, k, av);
	}
	json_t *removed = fields_of(r, b);
	json_t *now = fields_of(r, a);
	fields_subtract(removed, now);
	json_decref(now);
	json_decref(a);
	json_decref(b);
	return removed;
}

/* The value a fieldset key names inside v (borrowed), or NULL. */
static const json_t *step_value(const json_t *v, const char *key, const struct smp_field *f)
{
	if (!strncmp(key, "f:", 2))
		return json_is_object(v) ? json_object_get(v, key + 2) : NULL;
	if (!strncmp(key, "k:", 2) && json_is_array(v)) {
		size_t i;
		json_t *e;
		json_array_foreach(v, i, e) {
			char *ek = element_key(f, e);
			int same = ek && !strcmp(ek, key);
			free(ek);
			if (same)
				return e;
		}
	}
	return NULL;
}

static void changed(json_t *out, const json_t *before, const json_t *after,
		    const struct smp_type *type, int depth);

/* Adds to out[key] what differs between b and a (the values at key). */
static void changed_node(json_t *out, const char *key, const json_t *b, const json_t *a,
			 const struct smp_field *f, int depth)
{
	if (b && doc_equal(a, b))
		return;
	if (!b || json_typeof(a) != json_typeof(b)) {
		json_object_set_new(out, key, node_of(a, f, depth));
		return;
	}
	json_t *n = json_object();
	if (json_is_object(a)) {
		changed(n, b, a, f ? f->type : NULL, depth + 1);
	} else if (json_is_array(a) && f && (f->merge_key || is_set(f))) {
		size_t i;
		json_t *e;
		json_array_foreach(a, i, e) {
			char *k = f->merge_key ? element_key(f, e) : set_member_key(e);
			if (!k)
				continue;
			const json_t *old = NULL;
			if (f->merge_key) {
				old = step_value(b, k, f);
			} else {
				size_t j;
				json_t *o;
				json_array_foreach(b, j, o)
					if (doc_equal(o, e))
						old = o;
			}
			if (!old) {
				json_t *child = json_object();
				if (json_is_object(e)) {
					json_object_set_new(child, ".", json_object());
					walk(child, e, f->type, depth + 1);
				}
				json_object_set_new(n, k, child);
			} else if (json_is_object(e) && !doc_equal(old, e)) {
				json_t *child = json_object();
				changed(child, old, e, f->type, depth + 1);
				if (json_object_size(child))
					json_object_set_new(n, k, child);
				else
					json_decref(child);
			}
			free(k);
		}
	}
	/* a changed scalar or atomic list is a leaf */
	json_object_set_new(out, key, n);
}

static void changed(json_t *out, const json_t *before, const json_t *after,
		    const struct smp_type *type, int depth)
{
	const char *k;
	json_t *v;
	json_object_foreach((json_t *)after, k, v) {
		if (depth == 0 && (!strcmp(k, "apiVersion") || !strcmp(k, "kind")))
			continue;
		const struct smp_field *f = type ? smp_type_field(type, k) : NULL;
		char fk[1024];
		snprintf(fk, sizeof(fk), "f:%s", k);
		if (depth == 0 && !strcmp(k, "metadata")) {
			json_t *m = json_object();
			const char *mk;
			json_t *mv;
			json_object_foreach(v, mk, mv) {
				if (is_server_meta(mk))
					continue;
				char mfk[1024];
				snprintf(mfk, sizeof(mfk), "f:%s", mk);
				const struct smp_field *mf = f && f->type ? smp_type_field(f->type, mk) : NULL;
				changed_node(m, mfk, json_object_get(json_object_get(before, "metadata"), mk),
					     mv, mf, 1);
			}
			if (json_object_size(m))
				json_object_set_new(out, fk, m);
			else
				json_decref(m);
			continue;
		}
		changed_node(out, fk, json_is_object(before) ? json_object_get(before, k) : NULL, v, f,
			     depth);
	}
}

json_t *fields_changed(const struct resource *r, const json_t *before, const json_t *after)
{
	json_t *out = json_object();
	if (json_is_object(after))
		changed(out, before, after, root_type(r), 0);
	return out;
}

void fields_subtract(json_t *set, const json_t *drop)
{
	const char *k;
	json_t *d;
	void *tmp;
	json_object_foreach_safe((json_t *)drop, tmp, k, d) {
		json_t *s = json_object_get(set, k);
		if (!s)
			continue;
		if (json_object_size(d) == 0) {
			json_object_del(set, k);
			continue;
		}
		fields_subtract(s, d);
		if (json_object_size(s) == 0 ||
		    (json_object_size(s) == 1 && json_object_get(s, ".")))
			json_object_del(set, k);
	}
}

void fields_union(json_t *set, const json_t *add)
{
	const char *k;
	json_t *a;
	json_object_foreach((json_t *)add, k, a) {
		json_t *s = json_object_get(set, k);
		if (!s)
			json_object_set_new(set, k, json_deep_copy(a));
		else if (json_object_size(s) && json_object_size(a))
			fields_union(s, a);
	}
}

static void render(struct buf *path, const char *key)
{
	if (!strncmp(key, "f:", 2)) {
		buf_addf(path, ".%s", key + 2);
	} else if (!strncmp(key, "k:", 2)) {
		json_t *k = json_loads(key + 2, 0, NULL);
		const char *name;
		json_t *v;
		buf_addch(path, '[');
		int first = 1;
		json_object_foreach(k, name, v) {
			char *s = json_dumps(v, JSON_ENCODE_ANY);
			buf_addf(path, "%s%s=%s", first ? "" : ",", name, s);
			free(s);
			first = 0;
		}
		buf_addch(path, ']');
		json_decref(k);
	} else if (!strncmp(key, "v:", 2)) {
		buf_addf(path, "[%s]", key + 2);
	}
}

static int common(const json_t *a, const json_t *b, const json_t *va, const json_t *vb,
		  const struct smp_type *type, struct buf *path, struct buf *out)
{
	int n = 0;
	const char *k;
	json_t *x;
	json_object_foreach((json_t *)a, k, x) {
		json_t *y = json_object_get(b, k);
		if (!y || !strcmp(k, "."))
			continue;
		const struct smp_field *f = NULL;
		if (!strncmp(k, "f:", 2) && type)
			f = smp_type_field(type, k + 2);
		size_t mark = path->len;
		render(path, k);
		const json_t *ca = step_value(va, k, f), *cb = step_value(vb, k, f);
		if (json_object_size(x) == 0 || json_object_size(y) == 0) {
			if (strncmp(k, "v:", 2) && !doc_equal(ca, cb)) {
				buf_addf(out, "%s%s", out->len ? "," : "", path->data);
				n++;
			}
		} else {
			n += common(x, y, ca, cb, f ? f->type : type && !strncmp(k, "k:", 2) ? type : NULL,
				    path, out);
		}
		buf_truncate(path, mark);
	}
	return n;
}

int fields_common(const json_t *a, const json_t *b, const json_t *obj_a, const json_t *obj_b,
		  struct buf *out)
{
	struct buf path = BUF_INIT;
	int n = common(a, b, obj_a, obj_b, NULL, &path, out);
	buf_release(&path);
	return n;
}

static json_t *entry(json_t *mf, const char *manager, const char *operation)
{
	size_t i;
	json_t *e;
	json_array_foreach(mf, i, e)
		if (!strcmp(doc_get_str(e, "manager") ?: "", manager) &&
		    !strcmp(doc_get_str(e, "operation") ?: "", operation))
			return e;
	return NULL;
}

void fields_record(const struct resource *r, json_t *obj, const json_t *before,
		   const char *manager, const char *operation, const json_t *applied)
{
	json_t *m = json_object_get(obj, "metadata");
	if (!json_is_object(m))
		return;
	json_t *mf = json_object_get(m, "managedFields");
	if (!json_is_array(mf)) {
		mf = json_array();
		json_object_set_new(m, "managedFields", mf);
	}
	json_t *taken = before ? fields_changed(r, before, obj)
			       : fields_of(r, applied ? applied : obj);
	json_t *removed = before ? fields_removed(r, before, obj) : json_object();
	int apply = !strcmp(operation, "Apply");
	size_t i;
	json_t *e;
	json_array_foreach(mf, i, e) {
		if (!strcmp(doc_get_str(e, "manager") ?: "", manager) &&
		    !strcmp(doc_get_str(e, "operation") ?: "", operation))
			continue;
		json_t *set = json_object_get(e, "fieldsV1");
		if (json_is_object(set)) {
			fields_subtract(set, taken);
			fields_subtract(set, removed);
		}
	}
	json_t *mine = entry(mf, manager, operation);
	if (!mine) {
		mine = json_pack("{s:s, s:s}", "manager", manager, "operation", operation);
		json_array_append_new(mf, mine);
	}
	char av[512], now[TIMEFMT_SIZE];
	resource_api_version(r, av, sizeof(av));
	timefmt_now(now);
	json_object_set_new(mine, "apiVersion", json_string(av));
	json_object_set_new(mine, "time", json_string(now));
	json_object_set_new(mine, "fieldsType", json_string("FieldsV1"));
	json_t *set = json_object_get(mine, "fieldsV1");
	if (apply) {
		json_object_set_new(mine, "fieldsV1", fields_of(r, applied ? applied : obj));
	} else {
		if (!json_is_object(set)) {
			set = json_object();
			json_object_set_new(mine, "fieldsV1", set);
		}
		fields_union(set, taken);
		fields_subtract(set, removed);
	}
	json_decref(taken);
	json_decref(removed);
	/* entries that own nothing any more go */
	for (i = json_array_size(mf); i-- > 0;) {
		e = json_array_get(mf, i);
		if (e != mine && json_object_size(json_object_get(e, "fieldsV1")) == 0)
			json_array_remove(mf, i);
	}
}
