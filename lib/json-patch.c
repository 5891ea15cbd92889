/*
 * json-patch — JSON patch (RFC 6902) and JSON pointer (RFC 6901).
 *
 * A patch is an array of operations (add, remove, replace, move, copy,
 * test) applied in order to a copy of the document; the first failing
 * operation aborts the whole patch, and the error names its index, its op
 * and its path, as `kubectl patch --type json` users need to find it. The
 * operation count is bounded like kube-apiserver's. Array indices follow
 * RFC 6901 strictly: decimal digits without leading zeros, "-" meaning
 * "after the last element" (for add, and as the target of move/copy).
 */
#include "patch.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"

/* Splits a pointer into unescaped tokens. Returns a json array of strings,
 * or NULL when malformed. */
static json_t *pointer_tokens(const char *p)
{
	json_t *toks = json_array();
	if (*p == '\0')
		return toks;
	if (*p != '/') {
		json_decref(toks);
		return NULL;
	}
	p++;
	for (;;) {
		struct buf b = BUF_INIT;
		for (; *p && *p != '/'; p++) {
			if (*p == '~') {
				if (p[1] == '0')
					buf_addch(&b, '~');
				else if (p[1] == '1')
					buf_addch(&b, '/');
				else {
					buf_release(&b);
					json_decref(toks);
					return NULL;
				}
				p++;
			} else {
				buf_addch(&b, *p);
			}
		}
		json_array_append_new(toks, json_stringn(b.data, b.len));
		buf_release(&b);
		if (!*p)
			break;
		p++;
	}
	return toks;
}

/* Parses an array index token; -1 when it is not one. */
static long parse_index(const char *tok)
{
	size_t n = strlen(tok);
	if (n == 0 || n > 9 || (n > 1 && tok[0] == '0'))
		return -1;
	for (size_t i = 0; i < n; i++)
		if (tok[i] < '0' || tok[i] > '9')
			return -1;
	return strtol(tok, NULL, 10);
}

static json_t *child(json_t *v, const char *tok)
{
	if (json_is_object(v))
		return json_object_get(v, tok);
	if (json_is_array(v)) {
		long i = parse_index(tok);
		return i < 0 ? NULL : json_array_get(v, (size_t)i);
	}
	return NULL;
}

json_t *json_pointer_get(const json_t *doc, const char *pointer)
{
	json_t *toks = pointer_tokens(pointer);
	if (!toks)
		return NULL;
	json_t *v = (json_t *)doc;
	size_t i;
	json_t *t;
	json_array_foreach(toks, i, t) {
		v = child(v, json_string_value(t));
		if (!v)
			break;
	}
	json_decref(toks);
	return v;
}

struct op_ctx {
	size_t index;
	const char *op;
	const char *path;
	struct berr *err;
};

static int op_fail(struct op_ctx *o, int code, const char *what)
{
	return berr_set(o->err, code, "operation %zu ('%s') at '%s': %s", o->index,
			o->op, o->path, what);
}

/* Finds the parent of the location `ptr` names; *last gets the last token
 * (owned by *toks_out). The root itself has no parent: *parent is NULL. */
static int locate(struct op_ctx *o, json_t *doc, const char *ptr, json_t **parent,
		  const char **last, json_t **toks_out)
{
	json_t *toks = pointer_tokens(ptr);
	*toks_out = toks;
	if (!toks)
		return op_fail(o, BERR_INVALID, "malformed JSON pointer");
	size_t n = json_array_size(toks);
	*parent = NULL;
	*last = NULL;
	if (n == 0)
		return 0;
	json_t *v = doc;
	for (size_t i = 0; i + 1 < n; i++) {
		v = child(v, json_string_value(json_array_get(toks, i)));
		if (!v)
			return op_fail(o, BERR_NOTFOUND, "path not found");
	}
	*parent = v;
	*last = json_string_value(json_array_get(toks, n - 1));
	return 0;
}

/* add: takes a reference to `value`. */
static int do_add(struct op_ctx *o, json_t **doc, const char *path, json_t *value)
{
	json_t *parent, *toks;
	const char *last;
	int rc = locate(o, *doc, path, &parent, &last, &toks);
	if (rc) {
		json_decref(value);
		json_decref(toks);
		return rc;
	}
	if (!last) {
		json_decref(*doc);
		*doc = value;
	} else if (json_is_object(parent)) {
		json_object_set_new(parent, last, value);
	} else if (json_is_array(parent)) {
		size_t size = json_array_size(parent);
		long i = strcmp(last, "-") == 0 ? (long)size : parse_index(last);
		if (i < 0 || (size_t)i > size) {
			json_decref(value);
			rc = op_fail(o, BERR_INVALID, "array index out of range");
		} else {
			json_array_insert_new(parent, (size_t)i, value);
		}
	} else {
		json_decref(value);
		rc = op_fail(o, BERR_NOTFOUND, "parent is not an object or array");
	}
	json_decref(toks);
	return rc;
}

/* remove: hands the removed value to *removed when not NULL. */
static int do_remove(struct op_ctx *o, json_t *doc, const char *path, json_t **removed)
{
	json_t *parent, *toks;
	const char *last;
	int rc = locate(o, doc, path, &parent, &last, &toks);
	if (rc) {
		json_decref(toks);
		return rc;
	}
	json_t *v = last ? child(parent, last) : NULL;
	if (!last)
		rc = op_fail(o, BERR_INVALID, "cannot remove the whole document");
	else if (!v)
		rc = op_fail(o, BERR_NOTFOUND, "path not found");
	else {
		if (removed)
			*removed = json_incref(v);
		if (json_is_object(parent))
			json_object_del(parent, last);
		else
			json_array_remove(parent, (size_t)parse_index(last));
	}
	json_decref(toks);
	return rc;
}

static bool values_equal(const json_t *a, const json_t *b)
{
	if (json_is_number(a) && json_is_number(b))
		return json_number_value(a) == json_number_value(b);
	if (json_is_array(a) && json_is_array(b)) {
		if (json_array_size(a) != json_array_size(b))
			return false;
		for (size_t i = 0; i < json_array_size(a); i++)
			if (!values_equal(json_array_get(a, i), json_array_get(b, i)))
				return false;
		return true;
	}
	if (json_is_object(a) && json_is_object(b)) {
		if (json_object_size(a) != json_object_size(b))
			return false;
		const char *k;
		json_t *v;
		json_object_foreach((json_t *)a, k, v) {
			json_t *w = json_object_get(b, k);
			if (!w || !values_equal(v, w))
				return false;
		}
		return true;
	}
	return json_equal(a, b);
}

static int apply_op(struct op_ctx *o, json_t **doc, const json_t *op)
{
	if (!json_is_object(op))
		return berr_set(o->err, BERR_INVALID, "operation %zu: not a JSON object", o->index);
	o->op = json_string_value(json_object_get(op, "op"));
	o->path = json_string_value(json_object_get(op, "path"));
	if (!o->op)
		return berr_set(o->err, BERR_INVALID, "operation %zu: missing 'op'", o->index);
	if (!o->path) {
		o->path = "";
		return op_fail(o, BERR_INVALID, "missing 'path'");
	}
	json_t *value = json_object_get(op, "value");
	const char *from = json_string_value(json_object_get(op, "from"));
	bool needs_value = !strcmp(o->op, "add") || !strcmp(o->op, "replace") ||
			   !strcmp(o->op, "test");
	bool needs_from = !strcmp(o->op, "move") || !strcmp(o->op, "copy");
	if (needs_value && !value)
		return op_fail(o, BERR_INVALID, "missing 'value'");
	if (needs_from && !from)
		return op_fail(o, BERR_INVALID, "missing 'from'");

	if (!strcmp(o->op, "add"))
		return do_add(o, doc, o->path, json_deep_copy(value));
	if (!strcmp(o->op, "remove"))
		return do_remove(o, *doc, o->path, NULL);
	if (!strcmp(o->op, "replace")) {
		if (!json_pointer_get(*doc, o->path))
			return op_fail(o, BERR_NOTFOUND, "path not found");
		if (*o->path == '\0') {
			json_decref(*doc);
			*doc = json_deep_copy(value);
			return 0;
		}
		int rc = do_remove(o, *doc, o->path, NULL);
		return rc ? rc : do_add(o, doc, o->path, json_deep_copy(value));
	}
	if (!strcmp(o->op, "test")) {
		json_t *v = json_pointer_get(*doc, o->path);
		if (!v)
			return op_fail(o, BERR_NOTFOUND, "path not found");
		if (!values_equal(v, value))
			return op_fail(o, BERR_INVALID, "test failed: value differs");
		return 0;
	}
	if (needs_from) {
		json_t *src = json_pointer_get(*doc, from);
		if (!src) {
			char what[BERR_MSG_MAX / 2];
			snprintf(what, sizeof(what), "'from' path '%s' not found", from);
			return op_fail(o, BERR_NOTFOUND, what);
		}
		if (!strcmp(o->op, "copy"))
			return do_add(o, doc, o->path, json_deep_copy(src));
		size_t fl = strlen(from);
		if (!strcmp(from, o->path))
			return 0;
		if (strncmp(o->path, from, fl) == 0 && o->path[fl] == '/')
			return op_fail(o, BERR_INVALID, "cannot move a value into one of its children");
		json_t *moved = NULL;
		int rc = do_remove(o, *doc, from, &moved);
		return rc ? rc : do_add(o, doc, o->path, moved);
	}
	return op_fail(o, BERR_INVALID, "unknown operation");
}

int json_patch_apply(json_t **out, const json_t *doc, const json_t *ops,
		     struct berr *err)
{
	*out = NULL;
	if (!json_is_array(ops))
		return berr_set(err, BERR_INVALID, "JSON patch is not an array of operations");
	if (json_array_size(ops) > JSON_PATCH_MAX_OPS)
		return berr_set(err, BERR_LIMIT,
				"JSON patch has %zu operations, more than the limit of %d",
				json_array_size(ops), JSON_PATCH_MAX_OPS);
	json_t *d = doc ? json_deep_copy(doc) : json_null();
	struct op_ctx o = { 0, "", "", err };
	for (size_t i = 0; i < json_array_size(ops); i++) {
		o.index = i;
		int rc = apply_op(&o, &d, json_array_get(ops, i));
		if (rc) {
			json_decref(d);
			return rc;
		}
	}
	*out = d;
	return 0;
}
