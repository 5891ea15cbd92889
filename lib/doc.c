/*
 * doc.c — paths, equality, canonical form and digests over json_t (doc.h).
 *
 * A path is first cut into segments (key or index), held in a small array
 * on the stack for the usual short paths; keys point into the path text and
 * only quoted keys with escapes get their own copy. Get, set and delete then
 * walk the segments. Errors name the path prefix they failed at, rendered
 * back from the segments, so the string and varargs forms speak alike.
 *
 * The canonical form is written by hand rather than by json_dumps because
 * jansson prints reals with 17 significant digits (0.1 becomes
 * 0.10000000000000001) and keeps 1.0 apart from 1; a digest must not change
 * when a document makes a round trip through YAML or another JSON encoder.
 * Recursion depth follows the document's depth, which the parsers bound.
 */
#include "doc.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

/* ---- path segments ----------------------------------------------------- */

enum seg_kind {
	SEG_KEY,        /* object key */
	SEG_INDEX,      /* [N] */
	SEG_ANY,        /* varargs key of digits: index on arrays, key on objects */
};

struct seg {
	enum seg_kind kind;
	const char *key;
	size_t len;
	size_t index;
	char *owned;    /* unescaped quoted key, freed with the segments */
};

#define SEGS_SMALL 12

struct segs {
	struct seg *v;
	size_t n, cap;
	struct seg small[SEGS_SMALL];
};

static void segs_init(struct segs *s)
{
	s->v = s->small;
	s->n = 0;
	s->cap = SEGS_SMALL;
}

static struct seg *segs_push(struct segs *s)
{
	if (s->n == s->cap) {
		size_t cap = s->cap * 2;
		struct seg *v = xmalloc(cap * sizeof(*v));
		memcpy(v, s->v, s->n * sizeof(*v));
		if (s->v != s->small)
			free(s->v);
		s->v = v;
		s->cap = cap;
	}
	struct seg *g = &s->v[s->n++];
	memset(g, 0, sizeof(*g));
	return g;
}

static void segs_release(struct segs *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i].owned);
	if (s->v != s->small)
		free(s->v);
	segs_init(s);
}

static int parse_index(const char *p, size_t len, size_t *out)
{
	size_t v = 0;
	if (len == 0)
		return -1;
	for (size_t i = 0; i < len; i++) {
		if (p[i] < '0' || p[i] > '9')
			return -1;
		if (v > (SIZE_MAX - 9) / 10)
			return -1;
		v = v * 10 + (size_t)(p[i] - '0');
	}
	*out = v;
	return 0;
}

static int path_error(struct berr *err, const char *path, size_t at,
		      const char *what)
{
	return berr_set(err, BERR_INVALID, "invalid path '%s': %s at column %zu",
			path, what, at + 1);
}

/* Reads a quoted key starting at path[*pos] (the quote). */
static int parse_quoted(struct seg *g, const char *path, size_t *pos,
			struct berr *err)
{
	char q = path[*pos];
	size_t start = ++*pos;
	int escaped = 0;
	size_t i = start;
	for (;; i++) {
		if (path[i] == '\0')
			return path_error(err, path, start - 1, "unterminated quoted key");
		if (path[i] == q)
			break;
		if (path[i] == '\\') {
			char c = path[i + 1];
			if (c != '\\' && c != '"' && c != '\'')
				return path_error(err, path, i, "unknown escape in quoted key");
			escaped = 1;
			i++;
		}
	}
	if (!escaped) {
		g->key = path + start;
		g->len = i - start;
	} else {
		char *k = xmalloc(i - start + 1);
		size_t n = 0;
		for (size_t j = start; j < i; j++) {
			if (path[j] == '\\')
				j++;
			k[n++] = path[j];
		}
		k[n] = '\0';
		g->owned = k;
		g->key = k;
		g->len = n;
	}
	*pos = i + 1;
	return 0;
}

static int parse_bracket(struct seg *g, const char *path, size_t *pos,
			 struct berr *err)
{
	size_t open = *pos;
	++*pos;
	if (path[*pos] == '"' || path[*pos] == '\'') {
		int r = parse_quoted(g, path, pos, err);
		if (r < 0)
			return r;
		g->kind = SEG_KEY;
	} else {
		size_t start = *pos;
		while (path[*pos] >= '0' && path[*pos] <= '9')
			++*pos;
		if (path[*pos] != ']' || parse_index(path + start, *pos - start, &g->index) < 0)
			return path_error(err, path, open, "expected an index or a quoted key in '[...]'");
		g->kind = SEG_INDEX;
	}
	if (path[*pos] != ']')
		return path_error(err, path, *pos, "expected ']'");
	++*pos;
	return 0;
}

static int parse_path(struct segs *s, const char *path, struct berr *err)
{
	size_t pos = 0;
	if (!path)
		return berr_set(err, BERR_INVALID, "invalid path: NULL");
	while (path[pos]) {
		struct seg *g = segs_push(s);
		int r;
		if (path[pos] == '[') {
			r = parse_bracket(g, path, &pos, err);
			if (r < 0)
				return r;
			continue;
		}
		if (pos > 0) {
			if (path[pos] != '.')
				return path_error(err, path, pos, "expected '.' or '['");
			pos++;
		}
		size_t start = pos;
		while (path[pos] && path[pos] != '.' && path[pos] != '[')
			pos++;
		if (pos == start)
			return path_error(err, path, start, "empty key");
		g->kind = SEG_KEY;
		g->key = path + start;
		g->len = pos - start;
	}
	return 0;
}

static void segs_from_args(struct segs *s, va_list ap)
{
	const char *k;
	while ((k = va_arg(ap, const char *))) {
		struct seg *g = segs_push(s);
		g->key = k;
		g->len = strlen(k);
		g->kind = parse_index(k, g->len, &g->index) == 0 ? SEG_ANY : SEG_KEY;
	}
}

static int key_needs_quotes(const char *k, size_t len)
{
	if (len == 0)
		return 1;
	for (size_t i = 0; i < len; i++)
		if (k[i] == '.' || k[i] == '[' || k[i] == ']' || k[i] == '"' || k[i] == '\'')
			return 1;
	return 0;
}

/* Renders the first n segments as a string path, for messages. */
static void render_prefix(struct buf *out, const struct segs *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const struct seg *g = &s->v[i];
		if (g->kind == SEG_INDEX) {
			buf_addf(out, "[%zu]", g->index);
		} else if (key_needs_quotes(g->key, g->len)) {
			buf_adds(out, "[\"");
			for (size_t j = 0; j < g->len; j++) {
				if (g->key[j] == '"' || g->key[j] == '\\')
					buf_addch(out, '\\');
				buf_addch(out, g->key[j]);
			}
			buf_adds(out, "\"]");
		} else {
			if (i > 0)
				buf_addch(out, '.');
			buf_add(out, g->key, g->len);
		}
	}
}

const char *doc_type_name(const json_t *v)
{
	if (!v)
		return "null";
	switch (json_typeof(v)) {
	case JSON_OBJECT: return "object";
	case JSON_ARRAY: return "array";
	case JSON_STRING: return "string";
	case JSON_INTEGER:
	case JSON_REAL: return "number";
	case JSON_TRUE:
	case JSON_FALSE: return "boolean";
	default: return "null";
	}
}

static int seg_is_index_for(const struct seg *g, const json_t *node)
{
	return g->kind == SEG_INDEX || (g->kind == SEG_ANY && json_is_array(node));
}

/* One step down, or NULL when absent or not a container of the right kind. */
static json_t *step(const json_t *node, const struct seg *g)
{
	if (seg_is_index_for(g, node))
		return json_is_array(node) ? json_array_get(node, g->index) : NULL;
	if (!json_is_object(node))
		return NULL;
	return json_object_getn(node, g->key, g->len);
}

/* ---- get --------------------------------------------------------------- */

/* Follows the first n segments. */
static json_t *walk(const json_t *root, const struct segs *s, size_t n)
{
	json_t *cur = (json_t *)root;
	for (size_t i = 0; cur && i < n; i++)
		cur = step(cur, &s->v[i]);
	return cur;
}

int doc_lookup(json_t **out, const json_t *root, const char *path,
	       struct berr *err)
{
	struct segs s;
	segs_init(&s);
	*out = NULL;
	int r = parse_path(&s, path, err);
	if (r == 0) {
		*out = walk(root, &s, s.n);
		if (!*out)
			r = berr_set(err, BERR_NOTFOUND, "'%s' not found", path);
	}
	segs_release(&s);
	return r;
}

json_t *doc_get(const json_t *root, const char *path)
{
	json_t *v;
	return doc_lookup(&v, root, path, NULL) < 0 ? NULL : v;
}

json_t *doc_getv(const json_t *root, ...)
{
	struct segs s;
	segs_init(&s);
	va_list ap;
	va_start(ap, root);
	segs_from_args(&s, ap);
	va_end(ap);
	json_t *v = walk(root, &s, s.n);
	segs_release(&s);
	return v;
}

const char *doc_get_str(const json_t *root, const char *path)
{
	return json_string_value(doc_get(root, path));
}

static int real_as_int(double d, json_int_t *out)
{
	/* -2^63 is exact as a double; 2^63 is the first value out of range. */
	if (!(d >= -9223372036854775808.0 && d < 9223372036854775808.0))
		return -1;
	json_int_t i = (json_int_t)d;
	if ((double)i != d)
		return -1;
	*out = i;
	return 0;
}

json_int_t doc_get_int(const json_t *root, const char *path, json_int_t dflt)
{
	json_t *v = doc_get(root, path);
	json_int_t i;
	if (json_is_integer(v))
		return json_integer_value(v);
	if (json_is_real(v) && real_as_int(json_real_value(v), &i) == 0)
		return i;
	return dflt;
}

int doc_get_bool(const json_t *root, const char *path, int dflt)
{
	json_t *v = doc_get(root, path);
	return json_is_boolean(v) ? json_is_true(v) : dflt;
}

/* ---- set and delete ---------------------------------------------------- */

static int not_a(struct berr *err, const char *verb, const struct segs *s,
		 size_t i, const json_t *node, const char *want)
{
	struct buf full = BUF_INIT, pre = BUF_INIT;
	render_prefix(&full, s, s->n);
	render_prefix(&pre, s, i);
	int r = berr_set(err, BERR_INVALID, "cannot %s '%s': '%s' is %s %s, not %s",
			 verb, full.data, i ? pre.data : "(root)",
			 json_is_array(node) || json_is_object(node) ? "an" : "a",
			 doc_type_name(node), want);
	buf_release(&full);
	buf_release(&pre);
	return r;
}

static int out_of_range(struct berr *err, const char *verb, const struct segs *s,
			size_t i, const json_t *arr)
{
	struct buf full = BUF_INIT, pre = BUF_INIT;
	render_prefix(&full, s, s->n);
	render_prefix(&pre, s, i);
	int r = berr_set(err, BERR_INVALID,
			 "cannot %s '%s': index %zu out of range, '%s' has %zu elements",
			 verb, full.data, s->v[i].index, i ? pre.data : "(root)",
			 json_array_size(arr));
	buf_release(&full);
	buf_release(&pre);
	return r;
}

/* Walks to the parent of the last segment, creating objects on the way. */
static int walk_create(json_t **out, json_t *root, const struct segs *s,
		       struct berr *err)
{
	json_t *cur = root;
	for (size_t i = 0; i + 1 < s->n; i++) {
		const struct seg *g = &s->v[i];
		if (seg_is_index_for(g, cur)) {
			if (!json_is_array(cur))
				return not_a(err, "set", s, i, cur, "an array");
			if (g->index >= json_array_size(cur))
				return out_of_range(err, "set", s, i, cur);
			cur = json_array_get(cur, g->index);
			continue;
		}
		if (!json_is_object(cur))
			return not_a(err, "set", s, i, cur, "an object");
		json_t *next = json_object_getn(cur, g->key, g->len);
		if (!next || json_is_null(next)) {
			next = json_object();
			if (!next || json_object_setn_new(cur, g->key, g->len, next) < 0)
				abort();
		}
		cur = next;
	}
	*out = cur;
	return 0;
}

static int set_segs(json_t *root, const struct segs *s, json_t *value,
		    struct berr *err)
{
	json_t *parent = NULL;
	if (s->n == 0) {
		json_decref(value);
		return berr_set(err, BERR_INVALID, "cannot set the empty path");
	}
	if (!value)
		return berr_set(err, BERR_INVALID, "cannot set a NULL value");
	int r = walk_create(&parent, root, s, err);
	if (r < 0) {
		json_decref(value);
		return r;
	}
	const struct seg *g = &s->v[s->n - 1];
	if (seg_is_index_for(g, parent)) {
		if (!json_is_array(parent)) {
			json_decref(value);
			return not_a(err, "set", s, s->n - 1, parent, "an array");
		}
		size_t size = json_array_size(parent);
		if (g->index > size) {
			json_decref(value);
			return out_of_range(err, "set", s, s->n - 1, parent);
		}
		r = g->index == size ? json_array_append_new(parent, value)
				     : json_array_set_new(parent, g->index, value);
	} else {
		if (!json_is_object(parent)) {
			json_decref(value);
			return not_a(err, "set", s, s->n - 1, parent, "an object");
		}
		r = json_object_setn_new(parent, g->key, g->len, value);
	}
	if (r < 0)      /* jansson fails here only on out-of-memory or a loop */
		return berr_set(err, BERR_INVALID, "cannot set a value inside itself");
	return 0;
}

int doc_set_new(json_t *root, const char *path, json_t *value, struct berr *err)
{
	struct segs s;
	segs_init(&s);
	int r = parse_path(&s, path, err);
	if (r < 0)
		json_decref(value);
	else
		r = set_segs(root, &s, value, err);
	segs_release(&s);
	return r;
}

int doc_set(json_t *root, const char *path, json_t *value, struct berr *err)
{
	return doc_set_new(root, path, json_incref(value), err);
}

int doc_setv_new(json_t *root, json_t *value, struct berr *err, ...)
{
	struct segs s;
	segs_init(&s);
	va_list ap;
	va_start(ap, err);
	segs_from_args(&s, ap);
	va_end(ap);
	int r = set_segs(root, &s, value, err);
	segs_release(&s);
	return r;
}

static int del_segs(json_t *root, const struct segs *s, struct berr *err)
{
	if (s->n == 0)
		return berr_set(err, BERR_INVALID, "cannot delete the empty path");
	json_t *parent = walk(root, s, s->n - 1);
	const struct seg *g = &s->v[s->n - 1];
	int r = -1;
	if (parent && seg_is_index_for(g, parent)) {
		if (json_is_array(parent))
			r = json_array_remove(parent, g->index);
	} else if (json_is_object(parent)) {
		r = json_object_deln(parent, g->key, g->len);
	}
	if (r < 0) {
		struct buf full = BUF_INIT;
		render_prefix(&full, s, s->n);
		r = berr_set(err, BERR_NOTFOUND, "cannot delete '%s': not found", full.data);
		buf_release(&full);
		return r;
	}
	return 0;
}

int doc_del(json_t *root, const char *path, struct berr *err)
{
	struct segs s;
	segs_init(&s);
	int r = parse_path(&s, path, err);
	if (r == 0)
		r = del_segs(root, &s, err);
	segs_release(&s);
	return r;
}

int doc_delv(json_t *root, struct berr *err, ...)
{
	struct segs s;
	segs_init(&s);
	va_list ap;
	va_start(ap, err);
	segs_from_args(&s, ap);
	va_end(ap);
	int r = del_segs(root, &s, err);
	segs_release(&s);
	return r;
}

/* ---- equality and copy ------------------------------------------------- */

static int number_equal(const json_t *a, const json_t *b)
{
	if (json_is_integer(a) && json_is_integer(b))
		return json_integer_value(a) == json_integer_value(b);
	if (json_is_real(a) && json_is_real(b))
		return json_real_value(a) == json_real_value(b);
	const json_t *i = json_is_integer(a) ? a : b;
	const json_t *r = json_is_integer(a) ? b : a;
	json_int_t v;
	return real_as_int(json_real_value(r), &v) == 0 && v == json_integer_value(i);
}

int doc_equal(const json_t *a, const json_t *b)
{
	if (a == b)
		return 1;
	if (!a || !b)
		return 0;
	if (json_is_number(a) && json_is_number(b))
		return number_equal(a, b);
	if (json_typeof(a) != json_typeof(b))
		return 0;
	switch (json_typeof(a)) {
	case JSON_OBJECT: {
		if (json_object_size(a) != json_object_size(b))
			return 0;
		const char *k;
		size_t klen;
		json_t *v;
		json_object_keylen_foreach((json_t *)a, k, klen, v) {
			json_t *w = json_object_getn(b, k, klen);
			if (!w || !doc_equal(v, w))
				return 0;
		}
		return 1;
	}
	case JSON_ARRAY: {
		size_t n = json_array_size(a);
		if (n != json_array_size(b))
			return 0;
		for (size_t i = 0; i < n; i++)
			if (!doc_equal(json_array_get(a, i), json_array_get(b, i)))
				return 0;
		return 1;
	}
	case JSON_STRING:
		return json_string_length(a) == json_string_length(b) &&
		       memcmp(json_string_value(a), json_string_value(b),
			      json_string_length(a)) == 0;
	default:        /* true, false, null: the type says it all */
		return 1;
	}
}

json_t *doc_copy(const json_t *doc)
{
	if (!doc)
		return NULL;
	json_t *c = json_deep_copy(doc);
	if (!c)
		abort();
	return c;
}

/* ---- canonical form ---------------------------------------------------- */

static void add_json_string(struct buf *out, const char *s, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	buf_grow(out, len + 2);
	buf_addch(out, '"');
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		switch (c) {
		case '"': buf_adds(out, "\\\""); break;
		case '\\': buf_adds(out, "\\\\"); break;
		case '\b': buf_adds(out, "\\b"); break;
		case '\f': buf_adds(out, "\\f"); break;
		case '\n': buf_adds(out, "\\n"); break;
		case '\r': buf_adds(out, "\\r"); break;
		case '\t': buf_adds(out, "\\t"); break;
		default:
			if (c < 0x20) {
				buf_adds(out, "\\u00");
				buf_addch(out, hex[c >> 4]);
				buf_addch(out, hex[c & 15]);
			} else {
				buf_addch(out, (char)c);
			}
		}
	}
	buf_addch(out, '"');
}

/* Shortest %.*g that reads back to the same double. */
static void add_real_shortest(struct buf *out, double d)
{
	char tmp[40];
	for (int p = 1; p <= 17; p++) {
		snprintf(tmp, sizeof(tmp), "%.*g", p, d);
		if (strtod(tmp, NULL) == d)
			break;
	}
	buf_adds(out, tmp);
}

static void add_number(struct buf *out, const json_t *v)
{
	json_int_t i;
	if (json_is_integer(v)) {
		buf_addf(out, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		return;
	}
	double d = json_real_value(v);
	if (real_as_int(d, &i) == 0)
		buf_addf(out, "%" JSON_INTEGER_FORMAT, i);
	else if (d != d || d - d != 0)  /* NaN or infinity: jansson makes none */
		buf_adds(out, "null");
	else
		add_real_shortest(out, d);
}

struct key_ref {
	const char *key;
	size_t len;
	json_t *value;
};

static int key_ref_cmp(const void *pa, const void *pb)
{
	const struct key_ref *a = pa, *b = pb;
	size_t n = a->len < b->len ? a->len : b->len;
	int c = memcmp(a->key, b->key, n);
	if (c)
		return c;
	return a->len < b->len ? -1 : a->len > b->len;
}

void doc_canonical(struct buf *out, const json_t *doc)
{
	if (!doc) {
		buf_adds(out, "null");
		return;
	}
	switch (json_typeof(doc)) {
	case JSON_OBJECT: {
		size_t n = json_object_size(doc), i = 0;
		struct key_ref *keys = xmalloc((n ? n : 1) * sizeof(*keys));
		const char *k;
		size_t klen;
		json_t *v;
		json_object_keylen_foreach((json_t *)doc, k, klen, v) {
			keys[i].key = k;
			keys[i].len = klen;
			keys[i].value = v;
			i++;
		}
		qsort(keys, n, sizeof(*keys), key_ref_cmp);
		buf_addch(out, '{');
		for (i = 0; i < n; i++) {
			if (i)
				buf_addch(out, ',');
			add_json_string(out, keys[i].key, keys[i].len);
			buf_addch(out, ':');
			doc_canonical(out, keys[i].value);
		}
		buf_addch(out, '}');
		free(keys);
		break;
	}
	case JSON_ARRAY:
		buf_addch(out, '[');
		for (size_t i = 0; i < json_array_size(doc); i++) {
			if (i)
				buf_addch(out, ',');
			doc_canonical(out, json_array_get(doc, i));
		}
		buf_addch(out, ']');
		break;
	case JSON_STRING:
		add_json_string(out, json_string_value(doc), json_string_length(doc));
		break;
	case JSON_INTEGER:
	case JSON_REAL:
		add_number(out, doc);
		break;
	case JSON_TRUE:
		buf_adds(out, "true");
		break;
	case JSON_FALSE:
		buf_adds(out, "false");
		break;
	default:
		buf_adds(out, "null");
	}
}

void doc_digest(char out[DOC_DIGEST_HEX_LEN + 1], const json_t *doc)
{
	static const char hex[] = "0123456789abcdef";
	struct buf c = BUF_INIT;
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	doc_canonical(&c, doc);
	if (!EVP_Digest(c.data, c.len, md, &mdlen, EVP_sha256(), NULL) || mdlen != 32)
		abort();        /* SHA-256 cannot fail short of out-of-memory */
	buf_release(&c);
	for (unsigned int i = 0; i < mdlen; i++) {
		out[2 * i] = hex[md[i] >> 4];
		out[2 * i + 1] = hex[md[i] & 15];
	}
	out[DOC_DIGEST_HEX_LEN] = '\0';
}

/* ---- Go's %v for scalars ----------------------------------------------- */

/*
 * strconv.FormatFloat(d, 'g', -1, 64): the shortest digits that read back,
 * in exponent form when the exponent is below -4 or at least 6 (the
 * precision Go uses for this choice when the digits are the shortest).
 */
static void add_real_go(struct buf *out, double d)
{
	char tmp[48], digits[24];
	int p;
	if (d != d) {
		buf_adds(out, "NaN");
		return;
	}
	if (d - d != 0) {
		buf_adds(out, d > 0 ? "+Inf" : "-Inf");
		return;
	}
	for (p = 0; p <= 16; p++) {
		snprintf(tmp, sizeof(tmp), "%.*e", p, d);
		if (strtod(tmp, NULL) == d)
			break;
	}
	/* tmp is "[-]D[.DDD]e[+-]XX" */
	const char *s = tmp;
	if (*s == '-') {
		buf_addch(out, '-');
		s++;
	}
	size_t nd = 0;
	for (; *s && *s != 'e'; s++)
		if (*s != '.')
			digits[nd++] = *s;
	int exp = atoi(s + 1);
	while (nd > 1 && digits[nd - 1] == '0')
		nd--;
	if (exp < -4 || exp >= 6) {
		buf_addch(out, digits[0]);
		if (nd > 1) {
			buf_addch(out, '.');
			buf_add(out, digits + 1, nd - 1);
		}
		buf_addf(out, "e%c%02d", exp < 0 ? '-' : '+', exp < 0 ? -exp : exp);
	} else if (exp < 0) {
		buf_adds(out, "0.");
		for (int i = -1; i > exp; i--)
			buf_addch(out, '0');
		buf_add(out, digits, nd);
	} else {
		for (int i = 0; i <= exp; i++)
			buf_addch(out, (size_t)i < nd ? digits[i] : '0');
		if (nd > (size_t)exp + 1) {
			buf_addch(out, '.');
			buf_add(out, digits + exp + 1, nd - (size_t)exp - 1);
		}
	}
}

int doc_scalar_string(struct buf *out, const json_t *v)
{
	if (!v)
		return 0;
	switch (json_typeof(v)) {
	case JSON_STRING:
		buf_add(out, json_string_value(v), json_string_length(v));
		return 0;
	case JSON_INTEGER:
		buf_addf(out, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		return 0;
	case JSON_REAL:
		add_real_go(out, json_real_value(v));
		return 0;
	case JSON_TRUE:
		buf_adds(out, "true");
		return 0;
	case JSON_FALSE:
		buf_adds(out, "false");
		return 0;
	case JSON_NULL:
		return 0;
	default:
		return -1;
	}
}
