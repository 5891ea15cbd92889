/*
 * value.c — template values and their arena (see value.h).
 *
 * An arena is a singly linked list of every value it made; freeing it walks
 * the list once, releasing each value's own storage (string bytes, list and
 * map arrays, opaque payloads). Values are never freed one by one, so there
 * is no reference counting and cycles cost nothing. The arena also keeps a
 * running byte count so an executor can refuse a template that builds an
 * absurdly large structure.
 */
#include "repo-server/template/value.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

struct tv_arena {
	tv *head;
	size_t bytes;
};

static tv nil_value = { .kind = TV_NIL };
static tv missing_value = { .kind = TV_NIL };
static tv true_value = { .kind = TV_BOOL, .u.b = true };
static tv false_value = { .kind = TV_BOOL, .u.b = false };

struct tv_arena *tv_arena_new(void)
{
	return xcalloc(1, sizeof(struct tv_arena));
}

static void release(tv *v)
{
	switch (v->kind) {
	case TV_STRING:
		free(v->u.str.s);
		break;
	case TV_LIST:
		free(v->u.list.items);
		break;
	case TV_MAP:
		for (size_t i = 0; i < v->u.map.len; i++)
			free(v->u.map.e[i].key);
		free(v->u.map.e);
		break;
	case TV_OPAQUE:
		if (v->u.op.type->free)
			v->u.op.type->free(v->u.op.p);
		break;
	default:
		break;
	}
}

void tv_arena_free(struct tv_arena *a)
{
	if (!a)
		return;
	tv *v = a->head;
	while (v) {
		tv *next = v->arena_next;
		release(v);
		free(v);
		v = next;
	}
	free(a);
}

size_t tv_arena_bytes(const struct tv_arena *a)
{
	return a->bytes;
}

static tv *alloc(struct tv_arena *a, enum tv_kind kind)
{
	tv *v = xcalloc(1, sizeof(*v));
	v->kind = kind;
	v->arena_next = a->head;
	a->head = v;
	a->bytes += sizeof(*v);
	return v;
}

tv *tv_nil(void)
{
	return &nil_value;
}

tv *tv_missing(void)
{
	return &missing_value;
}

bool tv_is_missing(const tv *v)
{
	return v == &missing_value;
}

tv *tv_bool(bool b)
{
	return b ? &true_value : &false_value;
}

tv *tv_int(struct tv_arena *a, int64_t i)
{
	tv *v = alloc(a, TV_INT);
	v->u.i = i;
	return v;
}

tv *tv_float(struct tv_arena *a, double f)
{
	tv *v = alloc(a, TV_FLOAT);
	v->u.f = f;
	return v;
}

tv *tv_strn(struct tv_arena *a, const char *s, size_t len)
{
	tv *v = alloc(a, TV_STRING);
	v->u.str.s = xmalloc(len + 1);
	if (len)
		memcpy(v->u.str.s, s, len);
	v->u.str.s[len] = '\0';
	v->u.str.len = len;
	a->bytes += len;
	return v;
}

tv *tv_str(struct tv_arena *a, const char *s)
{
	return tv_strn(a, s, strlen(s));
}

tv *tv_str_buf(struct tv_arena *a, struct buf *b)
{
	tv *v = alloc(a, TV_STRING);
	v->u.str.s = buf_detach(b, &v->u.str.len);
	a->bytes += v->u.str.len;
	return v;
}

tv *tv_opaque(struct tv_arena *a, const struct tv_type *type, void *p)
{
	tv *v = alloc(a, TV_OPAQUE);
	v->u.op.type = type;
	v->u.op.p = p;
	return v;
}

tv *tv_list(struct tv_arena *a, size_t hint)
{
	tv *v = alloc(a, TV_LIST);
	if (hint) {
		v->u.list.items = xmalloc(hint * sizeof(tv *));
		v->u.list.cap = hint;
		a->bytes += hint * sizeof(tv *);
	}
	return v;
}

void tv_list_push(struct tv_arena *a, tv *list, tv *v)
{
	if (list->u.list.len == list->u.list.cap) {
		size_t n = list->u.list.cap ? list->u.list.cap * 2 : 4;
		list->u.list.items = xrealloc(list->u.list.items, n * sizeof(tv *));
		a->bytes += (n - list->u.list.cap) * sizeof(tv *);
		list->u.list.cap = n;
	}
	list->u.list.items[list->u.list.len++] = v;
}

tv *tv_map(struct tv_arena *a)
{
	return alloc(a, TV_MAP);
}

static int keycmp(const char *a, size_t alen, const char *b, size_t blen)
{
	int c = memcmp(a, b, alen < blen ? alen : blen);
	if (c)
		return c;
	return alen < blen ? -1 : alen > blen;
}

/* Binary search: index of the key, or of where it would go (*found false). */
static size_t map_find(const tv *m, const char *key, size_t klen, bool *found)
{
	size_t lo = 0, hi = m->u.map.len;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct tv_entry *e = &m->u.map.e[mid];
		int c = keycmp(e->key, e->klen, key, klen);
		if (c == 0) {
			*found = true;
			return mid;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*found = false;
	return lo;
}

tv *tv_map_getn(const tv *m, const char *key, size_t klen)
{
	bool found;
	size_t i = map_find(m, key, klen, &found);
	return found ? m->u.map.e[i].val : NULL;
}

tv *tv_map_get(const tv *m, const char *key)
{
	return tv_map_getn(m, key, strlen(key));
}

void tv_map_setn(struct tv_arena *a, tv *m, const char *key, size_t klen, tv *v)
{
	bool found;
	size_t i = map_find(m, key, klen, &found);
	if (found) {
		m->u.map.e[i].val = v;
		return;
	}
	if (m->u.map.len == m->u.map.cap) {
		size_t n = m->u.map.cap ? m->u.map.cap * 2 : 4;
		m->u.map.e = xrealloc(m->u.map.e, n * sizeof(struct tv_entry));
		a->bytes += (n - m->u.map.cap) * sizeof(struct tv_entry);
		m->u.map.cap = n;
	}
	memmove(&m->u.map.e[i + 1], &m->u.map.e[i],
		(m->u.map.len - i) * sizeof(struct tv_entry));
	m->u.map.e[i].key = xstrndup(key, klen);
	m->u.map.e[i].klen = klen;
	m->u.map.e[i].val = v;
	m->u.map.len++;
	a->bytes += klen + 1;
}

void tv_map_set(struct tv_arena *a, tv *m, const char *key, tv *v)
{
	tv_map_setn(a, m, key, strlen(key), v);
}

bool tv_map_del(tv *m, const char *key)
{
	bool found;
	size_t i = map_find(m, key, strlen(key), &found);
	if (!found)
		return false;
	free(m->u.map.e[i].key);
	memmove(&m->u.map.e[i], &m->u.map.e[i + 1],
		(m->u.map.len - i - 1) * sizeof(struct tv_entry));
	m->u.map.len--;
	return true;
}

tv *tv_from_json(struct tv_arena *a, const json_t *j)
{
	if (!j)
		return tv_nil();
	switch (json_typeof(j)) {
	case JSON_OBJECT: {
		tv *m = tv_map(a);
		const char *k;
		json_t *v;
		json_object_foreach((json_t *)j, k, v)
			tv_map_set(a, m, k, tv_from_json(a, v));
		return m;
	}
	case JSON_ARRAY: {
		tv *l = tv_list(a, json_array_size(j));
		size_t i;
		json_t *v;
		json_array_foreach(j, i, v)
			tv_list_push(a, l, tv_from_json(a, v));
		return l;
	}
	case JSON_STRING:
		return tv_strn(a, json_string_value(j), json_string_length(j));
	case JSON_INTEGER:
		return tv_int(a, json_integer_value(j));
	case JSON_REAL:
		return tv_float(a, json_real_value(j));
	case JSON_TRUE:
		return tv_bool(true);
	case JSON_FALSE:
		return tv_bool(false);
	default:
		return tv_nil();
	}
}

tv *tv_from_json_float(struct tv_arena *a, const json_t *j)
{
	if (!j)
		return tv_nil();
	switch (json_typeof(j)) {
	case JSON_OBJECT: {
		tv *m = tv_map(a);
		const char *k;
		json_t *v;
		json_object_foreach((json_t *)j, k, v)
			tv_map_set(a, m, k, tv_from_json_float(a, v));
		return m;
	}
	case JSON_ARRAY: {
		tv *l = tv_list(a, json_array_size(j));
		size_t i;
		json_t *v;
		json_array_foreach(j, i, v)
			tv_list_push(a, l, tv_from_json_float(a, v));
		return l;
	}
	case JSON_INTEGER:
		return tv_float(a, (double)json_integer_value(j));
	default:
		return tv_from_json(a, j);
	}
}

static json_t *to_json(const tv *v, size_t depth, struct berr *err)
{
	if (depth == 0) {
		berr_set(err, BERR_LIMIT, "value nested too deeply");
		return NULL;
	}
	switch (v->kind) {
	case TV_NIL:
		return json_null();
	case TV_BOOL:
		return json_boolean(v->u.b);
	case TV_INT:
		return json_integer(v->u.i);
	case TV_FLOAT:
		if (!isfinite(v->u.f)) {
			berr_set(err, BERR_INVALID, "unsupported value: %g", v->u.f);
			return NULL;
		}
		return json_real(v->u.f);
	case TV_STRING:
		return json_stringn_nocheck(v->u.str.s, v->u.str.len);
	case TV_LIST: {
		json_t *arr = json_array();
		for (size_t i = 0; i < v->u.list.len; i++) {
			json_t *e = to_json(v->u.list.items[i], depth - 1, err);
			if (!e) {
				json_decref(arr);
				return NULL;
			}
			json_array_append_new(arr, e);
		}
		return arr;
	}
	case TV_MAP: {
		json_t *obj = json_object();
		for (size_t i = 0; i < v->u.map.len; i++) {
			json_t *e = to_json(v->u.map.e[i].val, depth - 1, err);
			if (!e) {
				json_decref(obj);
				return NULL;
			}
			json_object_setn_new_nocheck(obj, v->u.map.e[i].key,
						     v->u.map.e[i].klen, e);
		}
		return obj;
	}
	case TV_OPAQUE:
		if (v->u.op.type->json)
			return v->u.op.type->json(v->u.op.p);
		if (v->u.op.type->format) {
			struct buf b = BUF_INIT;
			v->u.op.type->format(&b, v->u.op.p);
			json_t *s = json_stringn_nocheck(b.data, b.len);
			buf_release(&b);
			return s;
		}
		berr_set(err, BERR_UNSUPPORTED, "cannot encode '%s' as json",
			 v->u.op.type->go_type);
		return NULL;
	}
	return json_null();
}

json_t *tv_to_json(const tv *v, size_t max_depth, struct berr *err)
{
	return to_json(v, max_depth, err);
}

const char *tv_type_name(const tv *v)
{
	switch (v->kind) {
	case TV_NIL: return "<nil>";
	case TV_BOOL: return "bool";
	case TV_INT: return v->int_type ? v->int_type : "int";
	case TV_FLOAT: return "float64";
	case TV_STRING: return "string";
	case TV_LIST: return v->u.list.go_type ? v->u.list.go_type : "[]interface {}";
	case TV_MAP: return v->u.map.go_type ? v->u.map.go_type : "map[string]interface {}";
	case TV_OPAQUE: return v->u.op.type->go_type;
	}
	return "<nil>";
}

const char *tv_kind_name(const tv *v)
{
	switch (v->kind) {
	case TV_NIL: return "invalid";
	case TV_BOOL: return "bool";
	case TV_INT: return v->int_type ? v->int_type : "int";
	case TV_FLOAT: return "float64";
	case TV_STRING: return "string";
	case TV_LIST: return "slice";
	case TV_MAP: return "map";
	case TV_OPAQUE: return v->u.op.type->kind;
	}
	return "invalid";
}

bool tv_truth(const tv *v)
{
	switch (v->kind) {
	case TV_NIL: return false;
	case TV_BOOL: return v->u.b;
	case TV_INT: return v->u.i != 0;
	case TV_FLOAT: return v->u.f != 0;
	case TV_STRING: return v->u.str.len != 0;
	case TV_LIST: return v->u.list.len != 0;
	case TV_MAP: return v->u.map.len != 0;
	case TV_OPAQUE: return true;
	}
	return false;
}

tv *tv_deep_copy(struct tv_arena *a, const tv *v, size_t depth)
{
	if (depth == 0)
		return NULL;
	switch (v->kind) {
	case TV_LIST: {
		tv *l = tv_list(a, v->u.list.len);
		l->u.list.go_type = v->u.list.go_type;
		for (size_t i = 0; i < v->u.list.len; i++) {
			tv *e = tv_deep_copy(a, v->u.list.items[i], depth - 1);
			if (!e)
				return NULL;
			tv_list_push(a, l, e);
		}
		return l;
	}
	case TV_MAP: {
		tv *m = tv_map(a);
		for (size_t i = 0; i < v->u.map.len; i++) {
			tv *e = tv_deep_copy(a, v->u.map.e[i].val, depth - 1);
			if (!e)
				return NULL;
			tv_map_setn(a, m, v->u.map.e[i].key, v->u.map.e[i].klen, e);
		}
		return m;
	}
	default:
		return (tv *)v;
	}
}

bool tv_deep_equal(const tv *x, const tv *y, size_t depth)
{
	if (x == y)
		return true;
	if (depth == 0 || x->kind != y->kind)
		return false;
	switch (x->kind) {
	case TV_NIL: return true;
	case TV_BOOL: return x->u.b == y->u.b;
	case TV_INT:
		return x->u.i == y->u.i &&
		       strcmp(x->int_type ? x->int_type : "int", y->int_type ? y->int_type : "int") == 0;
	case TV_FLOAT: return x->u.f == y->u.f;
	case TV_STRING:
		return x->u.str.len == y->u.str.len &&
		       memcmp(x->u.str.s, y->u.str.s, x->u.str.len) == 0;
	case TV_LIST:
		if (x->u.list.len != y->u.list.len)
			return false;
		for (size_t i = 0; i < x->u.list.len; i++)
			if (!tv_deep_equal(x->u.list.items[i], y->u.list.items[i], depth - 1))
				return false;
		return true;
	case TV_MAP:
		if (x->u.map.len != y->u.map.len)
			return false;
		for (size_t i = 0; i < x->u.map.len; i++) {
			const struct tv_entry *a = &x->u.map.e[i], *b = &y->u.map.e[i];
			if (keycmp(a->key, a->klen, b->key, b->klen) ||
			    !tv_deep_equal(a->val, b->val, depth - 1))
				return false;
		}
		return true;
	case TV_OPAQUE:
		return x->u.op.p == y->u.op.p;
	}
	return false;
}
