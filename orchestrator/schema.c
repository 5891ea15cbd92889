/*
 * schema.c — pruning of undeclared fields, as the real API server's typed
 * decoding (built-in kinds) and structural pruning (custom resources) do.
 *
 * Both walks remove what the type does not declare and name each removed
 * field by its path from the object's root, the way the real server's
 * strict decoding errors do: "spec.template.spec.containers[0].imag".
 * Built-in kinds walk the field table of schema-builtin.c; custom
 * resources walk their version's openAPIV3Schema, kept by the registry.
 * Cost: one pass over the object, a bsearch per nested object.
 */
#include "schema.h"

#include <stdio.h>
#include <string.h>

#include "buf.h"

struct walk {
	json_t *unknown;
	size_t count;
};

/* Finds `name` in a field list; *type is what follows its ':' ("" when none). */
static int lookup(const char *fields, const char *name, char *type, size_t size)
{
	size_t n = strlen(name);
	const char *p = fields;
	while (*p) {
		const char *end = strchr(p, ' ');
		if (!end)
			end = p + strlen(p);
		const char *colon = memchr(p, ':', (size_t)(end - p));
		const char *name_end = colon ? colon : end;
		if ((size_t)(name_end - p) == n && !memcmp(p, name, n)) {
			size_t tl = colon ? (size_t)(end - colon - 1) : 0;
			if (tl >= size)
				tl = size - 1;
			memcpy(type, colon ? colon + 1 : "", tl);
			type[tl] = '\0';
			return 1;
		}
		p = *end ? end + 1 : end;
	}
	return 0;
}

static void drop(struct walk *w, json_t *obj, const char *key, const struct buf *path)
{
	if (w->unknown) {
		struct buf full = BUF_INIT;
		buf_addf(&full, "%s%s%s", path->data, path->len ? "." : "", key);
		json_array_append_new(w->unknown, json_string(full.data));
		buf_release(&full);
	}
	json_object_del(obj, key);
	w->count++;
}

static void builtin_walk(struct walk *w, const char *type, json_t *obj, struct buf *path,
			 int depth);

/* A typed value: an object of `type`, or a list or map of them. */
static void builtin_value(struct walk *w, const char *type, json_t *val, struct buf *path,
			  int depth)
{
	size_t mark = path->len;
	if (type[0] == '[' && json_is_array(val)) {
		for (size_t i = 0; i < json_array_size(val); i++) {
			buf_addf(path, "[%zu]", i);
			builtin_walk(w, type + 1, json_array_get(val, i), path, depth + 1);
			buf_truncate(path, mark);
		}
	} else if (type[0] == '{' && json_is_object(val)) {
		const char *k;
		json_t *v;
		json_object_foreach(val, k, v) {
			buf_addf(path, "[%s]", k);
			builtin_walk(w, type + 1, v, path, depth + 1);
			buf_truncate(path, mark);
		}
	} else if (type[0] != '[' && type[0] != '{') {
		builtin_walk(w, type, val, path, depth + 1);
	}
}

static void builtin_walk(struct walk *w, const char *type, json_t *obj, struct buf *path,
			 int depth)
{
	const char *fields = type[0] && type[0] != '*' ? schema_builtin_fields(type) : NULL;
	if (!fields || !json_is_object(obj) || depth > 64)
		return;
	const char *key;
	json_t *val;
	void *tmp;
	json_object_foreach_safe(obj, tmp, key, val) {
		char sub[96];
		if (!lookup(fields, key, sub, sizeof(sub))) {
			drop(w, obj, key, path);
			continue;
		}
		if (!sub[0])
			continue;
		size_t mark = path->len;
		buf_addf(path, "%s%s", mark ? "." : "", key);
		builtin_value(w, sub, val, path, depth);
		buf_truncate(path, mark);
	}
}

static int flag(const json_t *schema, const char *name)
{
	return json_is_true(json_object_get(schema, name));
}

static void crd_walk(struct walk *w, const json_t *schema, json_t *val, struct buf *path,
		     int depth);

/* At the root (depth 0) and in embedded resources, apiVersion, kind and
 * metadata are the object's whatever the schema says. */
static void crd_object(struct walk *w, const json_t *schema, json_t *obj, struct buf *path,
		       int depth)
{
	const json_t *props = json_object_get(schema, "properties");
	const json_t *addl = json_object_get(schema, "additionalProperties");
	const char *type = json_string_value(json_object_get(schema, "type"));
	int keep_rest = flag(schema, "x-kubernetes-preserve-unknown-fields") || json_is_true(addl) ||
			(!props && !json_is_object(addl) && (!type || strcmp(type, "object")));
	int embedded = depth == 0 || flag(schema, "x-kubernetes-embedded-resource");
	const char *key;
	json_t *val;
	void *tmp;
	json_object_foreach_safe(obj, tmp, key, val) {
		const json_t *sub = json_object_get(props, key);
		size_t mark = path->len;
		if (depth == 0 && !strcmp(key, "metadata"))
			sub = NULL;
		if (sub || (json_is_object(addl) && !(embedded && !strcmp(key, "metadata")))) {
			buf_addf(path, sub ? "%s%s" : "%s[%s]", sub && mark ? "." : "", key);
			crd_walk(w, sub ? sub : addl, val, path, depth + 1);
			buf_truncate(path, mark);
		} else if (embedded && (!strcmp(key, "apiVersion") || !strcmp(key, "kind"))) {
			continue;
		} else if (embedded && !strcmp(key, "metadata")) {
			buf_addf(path, "%smetadata", mark ? "." : "");
			builtin_walk(w, "ObjectMeta", val, path, depth + 1);
			buf_truncate(path, mark);
		} else if (!keep_rest) {
			drop(w, obj, key, path);
		}
	}
}

static void crd_walk(struct walk *w, const json_t *schema, json_t *val, struct buf *path,
		     int depth)
{
	if (!json_is_object(schema) || depth > 64)
		return;
	if (json_is_object(val)) {
		crd_object(w, schema, val, path, depth);
	} else if (json_is_array(val)) {
		const json_t *items = json_object_get(schema, "items");
		if (!json_is_object(items))
			return;
		size_t mark = path->len;
		for (size_t i = 0; i < json_array_size(val); i++) {
			buf_addf(path, "[%zu]", i);
			crd_walk(w, items, json_array_get(val, i), path, depth + 1);
			buf_truncate(path, mark);
		}
	}
}

size_t schema_prune(const struct resource *r, json_t *obj, json_t *unknown)
{
	struct walk w = { .unknown = unknown };
	struct buf path = BUF_INIT;
	if (!r->crd) {
		const char *root = schema_builtin_root(r->group, r->version, r->kind);
		if (root)
			builtin_walk(&w, root, obj, &path, 0);
	} else if (json_is_object(r->schema)) {
		crd_walk(&w, r->schema, obj, &path, 0);
	}
	buf_release(&path);
	return w.count;
}
