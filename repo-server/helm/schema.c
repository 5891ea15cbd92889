/*
 * schema.c — values.schema.json as Helm v3.21 applies it: after the values
 * are coalesced, each chart's schema checks its own values (a subchart's
 * under its name), with the validator Helm uses (santhosh-tekuri/jsonschema
 * v6) and in its words: errors form a tree printed as "- at '/port':
 * maximum: got 70000, want 65535", a cause indented under the error that
 * holds it ("- at '/x': 'anyOf' failed" then "  - at '/x': ...").
 *
 * The dialect is the root's "$schema" (draft-04, -06, -07, 2019-09,
 * 2020-12; none means 2020-12, the validator's default). Keywords: type,
 * enum, const, format (asserted up to draft-07, as the validator does),
 * $ref ("#", JSON pointers such as "#/definitions/x" or "#/$defs/x",
 * "#name" anchors, and the root's own $id; anything else would make Helm
 * read a file or the network and is refused), allOf, anyOf, oneOf, not,
 * if/then/else, properties, patternProperties, additionalProperties,
 * propertyNames, dependencies, dependentRequired, dependentSchemas,
 * required, min/maxProperties, items (schema or tuple), additionalItems,
 * prefixItems, contains, min/maxContains, min/maxItems, uniqueItems,
 * minimum, maximum, exclusiveMinimum/Maximum (numbers, or draft-04's
 * booleans), multipleOf, min/maxLength, pattern (PCRE2 for Go's RE2).
 *
 * Where the Go validator walks a map in random order (several properties
 * failing at once), errors come in sorted key order, so output is stable.
 *
 * The schema is read by a small JSON reader into an arena (objects keep
 * their keys sorted, for binary search; a duplicate key keeps its last
 * value as Go's decoder does): it is read once per render, and jansson's
 * reader cost a quarter of a render for a 40 KB schema. Nesting, size,
 * steps and the number of errors are bounded.
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <arpa/inet.h>
#include <ctype.h>
#include <limits.h>
#include <math.h>
#include <pcre2.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "doc.h"
#include "repo-server/helm/internal.h"
#include "repo-server/template/gofmt.h"

#define SCHEMA_MAX_SIZE (8u << 20)
#define SCHEMA_MAX_NEST 512            /* JSON nesting of the schema */
#define SCHEMA_MAX_DEPTH 300           /* schema applications along one path */
#define SCHEMA_MAX_STEPS 2000000       /* schema applications per chart */
#define SCHEMA_MAX_ERRORS 10000

/* --- the schema document ------------------------------------------------ */

enum sk { SK_NULL, SK_BOOL, SK_NUM, SK_STR, SK_ARR, SK_OBJ };

struct snode {
	enum sk k;
	bool b;
	double num;
	const char *s;          /* SK_STR: the string; SK_NUM: the literal */
	size_t slen;
	size_t n;               /* items or members */
	struct snode **v;       /* SK_ARR items; SK_OBJ values */
	const char **keys;      /* SK_OBJ keys, sorted */
	size_t *klens;
	uint64_t bloom;         /* SK_OBJ: key_bit() of every key */
};

/* Most keywords are absent from most schema objects: one bit per key
 * (its length and end letters) answers "not here" without a search. */
static uint64_t key_bit(const char *k, size_t n)
{
	return n ? (uint64_t)1 << ((n * 31 + (unsigned char)k[0] * 7 + (unsigned char)k[n - 1]) & 63) : 1;
}

struct achunk {
	struct achunk *next;
	size_t used, size;
	_Alignas(max_align_t) unsigned char data[];
};

struct arena {
	struct achunk *head;
};

static void *arena_alloc(struct arena *a, size_t n)
{
	n = (n + 15) & ~(size_t)15;
	if (!a->head || a->head->size - a->head->used < n) {
		size_t size = n > 32768 ? n : 32768;
		struct achunk *c = xmalloc(sizeof *c + size);
		c->size = size;
		c->used = 0;
		c->next = a->head;
		a->head = c;
	}
	void *p = a->head->data + a->head->used;
	a->head->used += n;
	return p;
}

static void arena_free(struct arena *a)
{
	while (a->head) {
		struct achunk *n = a->head->next;
		free(a->head);
		a->head = n;
	}
}

struct reader {
	const unsigned char *p, *start, *end;
	struct arena *a;
	struct buf tmp;
	char err[160];
};

/* Go's encoding/json names a bad byte as quoteChar does. */
static void bad_char(struct reader *r, const char *context)
{
	if (r->p >= r->end) {
		snprintf(r->err, sizeof r->err, "unexpected EOF");
		return;
	}
	unsigned c = *r->p;
	char q[16];
	if (c == '\'')
		snprintf(q, sizeof q, "'\\''");
	else if (c == '"')
		snprintf(q, sizeof q, "'\"'");
	else if (c == '\n')
		snprintf(q, sizeof q, "'\\n'");
	else if (c == '\t')
		snprintf(q, sizeof q, "'\\t'");
	else if (c == '\r')
		snprintf(q, sizeof q, "'\\r'");
	else if (c < 0x20 || c >= 0x7f)
		snprintf(q, sizeof q, "'\\x%02x'", c);
	else
		snprintf(q, sizeof q, "'%c'", c);
	snprintf(r->err, sizeof r->err, "invalid character %s %s", q, context);
}

static void ws(struct reader *r)
{
	while (r->p < r->end && (*r->p == ' ' || *r->p == '\n' || *r->p == '\r' || *r->p == '\t'))
		r->p++;
}

static int hexval(const unsigned char *s, unsigned *out)
{
	unsigned v = 0;
	for (int i = 0; i < 4; i++) {
		int c = s[i];
		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v |= (unsigned)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			v |= (unsigned)(c - 'A' + 10);
		else
			return -1;
	}
	*out = v;
	return 0;
}

/* A string body (after the quote) into r->tmp. */
static int read_str(struct reader *r)
{
	buf_reset(&r->tmp);
	for (;;) {
		const unsigned char *s = r->p;
		while (s < r->end && *s != '"' && *s != '\\' && *s >= 0x20)
			s++;
		buf_add(&r->tmp, r->p, (size_t)(s - r->p));
		r->p = s;
		if (s == r->end) {
			bad_char(r, "");
			return -1;
		}
		if (*s == '"') {
			r->p++;
			return 0;
		}
		if (*s < 0x20) {
			bad_char(r, "in string literal");
			return -1;
		}
		r->p++;
		if (r->p == r->end) {
			bad_char(r, "");
			return -1;
		}
		unsigned c = *r->p++;
		switch (c) {
		case '"': case '\\': case '/': buf_addch(&r->tmp, (char)c); break;
		case 'b': buf_addch(&r->tmp, '\b'); break;
		case 'f': buf_addch(&r->tmp, '\f'); break;
		case 'n': buf_addch(&r->tmp, '\n'); break;
		case 'r': buf_addch(&r->tmp, '\r'); break;
		case 't': buf_addch(&r->tmp, '\t'); break;
		case 'u': {
			unsigned cp, lo;
			if (r->end - r->p < 4 || hexval(r->p, &cp) < 0) {
				while (r->p < r->end && isxdigit(*r->p))
					r->p++;
				bad_char(r, "in \\u hexadecimal character escape");
				return -1;
			}
			r->p += 4;
			if (cp >= 0xd800 && cp < 0xdc00 && r->end - r->p >= 6 && r->p[0] == '\\' &&
			    r->p[1] == 'u' && hexval(r->p + 2, &lo) == 0 && lo >= 0xdc00 && lo < 0xe000) {
				r->p += 6;
				cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
			} else if (cp >= 0xd800 && cp < 0xe000) {
				cp = 0xfffd;
			}
			gofmt_utf8_encode(&r->tmp, cp);
			break;
		}
		default:
			r->p--;
			bad_char(r, "in string escape code");
			return -1;
		}
	}
}

static const char *arena_str(struct reader *r, const char *s, size_t n)
{
	char *d = arena_alloc(r->a, n + 1);
	memcpy(d, s, n);
	d[n] = 0;
	return d;
}

struct member {
	const char *key;
	size_t klen;
	struct snode *v;
	size_t seq;
};

static int cmp_member(const void *x, const void *y)
{
	const struct member *a = x, *b = y;
	size_t n = a->klen < b->klen ? a->klen : b->klen;
	int c = memcmp(a->key, b->key, n);
	if (c)
		return c;
	if (a->klen != b->klen)
		return a->klen < b->klen ? -1 : 1;
	return a->seq < b->seq ? -1 : a->seq > b->seq;
}

static struct snode *read_val(struct reader *r, int depth);

static struct snode *new_node(struct reader *r, enum sk k)
{
	struct snode *n = arena_alloc(r->a, sizeof *n);
	memset(n, 0, sizeof *n);
	n->k = k;
	return n;
}

static struct snode *read_obj(struct reader *r, int depth)
{
	struct member *m = NULL;
	size_t n = 0, cap = 0;
	struct snode *o = new_node(r, SK_OBJ);
	r->p++;
	ws(r);
	if (r->p < r->end && *r->p == '}') {
		r->p++;
		return o;
	}
	for (;;) {
		ws(r);
		if (r->p >= r->end || *r->p != '"') {
			bad_char(r, "looking for beginning of object key string");
			goto fail;
		}
		r->p++;
		if (read_str(r) < 0)
			goto fail;
		const char *key = arena_str(r, r->tmp.data, r->tmp.len);
		size_t klen = r->tmp.len;
		ws(r);
		if (r->p >= r->end || *r->p != ':') {
			bad_char(r, "after object key");
			goto fail;
		}
		r->p++;
		struct snode *v = read_val(r, depth + 1);
		if (!v)
			goto fail;
		if (n == cap) {
			cap = cap ? cap * 2 : 8;
			m = xrealloc(m, cap * sizeof *m);
		}
		m[n] = (struct member){ key, klen, v, n };
		n++;
		ws(r);
		if (r->p < r->end && *r->p == ',') {
			r->p++;
			continue;
		}
		if (r->p < r->end && *r->p == '}') {
			r->p++;
			break;
		}
		bad_char(r, "after object key:value pair");
		goto fail;
	}
	qsort(m, n, sizeof *m, cmp_member);
	o->keys = arena_alloc(r->a, n * sizeof *o->keys);
	o->klens = arena_alloc(r->a, n * sizeof *o->klens);
	o->v = arena_alloc(r->a, n * sizeof *o->v);
	for (size_t i = 0; i < n; i++) {
		/* equal keys sort by position: the last one wins */
		if (i + 1 < n && m[i].klen == m[i + 1].klen && !memcmp(m[i].key, m[i + 1].key, m[i].klen))
			continue;
		o->keys[o->n] = m[i].key;
		o->klens[o->n] = m[i].klen;
		o->v[o->n] = m[i].v;
		o->bloom |= key_bit(m[i].key, m[i].klen);
		o->n++;
	}
	free(m);
	return o;
fail:
	free(m);
	return NULL;
}

static struct snode *read_arr(struct reader *r, int depth)
{
	struct snode **items = NULL;
	size_t n = 0, cap = 0;
	struct snode *a = new_node(r, SK_ARR);
	r->p++;
	ws(r);
	if (r->p < r->end && *r->p == ']') {
		r->p++;
		return a;
	}
	for (;;) {
		struct snode *v = read_val(r, depth + 1);
		if (!v) {
			free(items);
			return NULL;
		}
		if (n == cap) {
			cap = cap ? cap * 2 : 8;
			items = xrealloc(items, cap * sizeof *items);
		}
		items[n++] = v;
		ws(r);
		if (r->p < r->end && *r->p == ',') {
			r->p++;
			continue;
		}
		if (r->p < r->end && *r->p == ']') {
			r->p++;
			break;
		}
		bad_char(r, "after array element");
		free(items);
		return NULL;
	}
	a->v = arena_alloc(r->a, n * sizeof *a->v);
	memcpy(a->v, items, n * sizeof *items);
	a->n = n;
	free(items);
	return a;
}

static struct snode *read_num(struct reader *r)
{
	const unsigned char *s = r->p;
	if (s < r->end && *s == '-')
		s++;
	if (s < r->end && *s == '0') {
		s++;
	} else if (s < r->end && *s >= '1' && *s <= '9') {
		while (s < r->end && isdigit(*s))
			s++;
	} else {
		r->p = s;
		bad_char(r, "in numeric literal");
		return NULL;
	}
	if (s < r->end && *s == '.') {
		s++;
		if (s >= r->end || !isdigit(*s)) {
			r->p = s;
			bad_char(r, "after decimal point in numeric literal");
			return NULL;
		}
		while (s < r->end && isdigit(*s))
			s++;
	}
	if (s < r->end && (*s == 'e' || *s == 'E')) {
		s++;
		if (s < r->end && (*s == '+' || *s == '-'))
			s++;
		if (s >= r->end || !isdigit(*s)) {
			r->p = s;
			bad_char(r, "in exponent of numeric literal");
			return NULL;
		}
		while (s < r->end && isdigit(*s))
			s++;
	}
	struct snode *n = new_node(r, SK_NUM);
	n->s = arena_str(r, (const char *)r->p, (size_t)(s - r->p));
	n->slen = (size_t)(s - r->p);
	n->num = strtod(n->s, NULL);
	r->p = s;
	return n;
}

static struct snode *read_lit(struct reader *r, const char *lit, enum sk k, bool b)
{
	size_t n = strlen(lit);
	for (size_t i = 0; i < n; i++) {
		if (r->p + i >= r->end || r->p[i] != (unsigned char)lit[i]) {
			r->p += i;
			char ctx[48];
			snprintf(ctx, sizeof ctx, "in literal %s (expecting '%c')", lit, lit[i]);
			bad_char(r, ctx);
			return NULL;
		}
	}
	r->p += n;
	struct snode *v = new_node(r, k);
	v->b = b;
	return v;
}

static struct snode *read_val(struct reader *r, int depth)
{
	if (depth > SCHEMA_MAX_NEST) {
		snprintf(r->err, sizeof r->err, "exceeded max depth");
		return NULL;
	}
	ws(r);
	if (r->p >= r->end) {
		bad_char(r, "");
		return NULL;
	}
	switch (*r->p) {
	case '{': return read_obj(r, depth);
	case '[': return read_arr(r, depth);
	case '"': {
		r->p++;
		if (read_str(r) < 0)
			return NULL;
		struct snode *s = new_node(r, SK_STR);
		s->s = arena_str(r, r->tmp.data, r->tmp.len);
		s->slen = r->tmp.len;
		return s;
	}
	case 't': return read_lit(r, "true", SK_BOOL, true);
	case 'f': return read_lit(r, "false", SK_BOOL, false);
	case 'n': return read_lit(r, "null", SK_NULL, false);
	default:
		if (*r->p == '-' || isdigit(*r->p))
			return read_num(r);
		bad_char(r, "looking for beginning of value");
		return NULL;
	}
}

static struct snode *schema_read(struct arena *a, const char *text, size_t len, char *err, size_t errlen)
{
	struct reader r = { (const unsigned char *)text, (const unsigned char *)text,
			    (const unsigned char *)text + len, a, BUF_INIT, "" };
	struct snode *v = read_val(&r, 0);
	if (v) {
		ws(&r);
		if (r.p != r.end) {
			snprintf(r.err, sizeof r.err, "invalid character after top-level value");
			v = NULL;
		}
	}
	if (!v)
		snprintf(err, errlen, "%s", r.err);
	buf_release(&r.tmp);
	return v;
}

static const struct snode *get(const struct snode *o, const char *key)
{
	if (!o || o->k != SK_OBJ)
		return NULL;
	size_t kl = strlen(key), lo = 0, hi = o->n;
	if (!(o->bloom & key_bit(key, kl)))
		return NULL;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		size_t n = o->klens[mid] < kl ? o->klens[mid] : kl;
		int c = memcmp(o->keys[mid], key, n);
		if (!c)
			c = o->klens[mid] < kl ? -1 : o->klens[mid] > kl;
		if (!c)
			return o->v[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

static const struct snode *getn(const struct snode *o, const char *key, size_t kl)
{
	if (!o || o->k != SK_OBJ || memchr(key, 0, kl))
		return NULL;
	char small[256];
	if (kl < sizeof small) {
		memcpy(small, key, kl);
		small[kl] = 0;
		return get(o, small);
	}
	char *k = xstrndup(key, kl);
	const struct snode *r = get(o, k);
	free(k);
	return r;
}

/* --- errors, shaped like the validator's ---------------------------------- */

enum ekind { E_LEAF, E_GROUP, E_REF };

struct verr {
	enum ekind kind;
	char *at;               /* JSON pointer of the value */
	char *msg;
	struct verr **causes;
	size_t ncauses;
};

static void verr_free(struct verr *e)
{
	if (!e)
		return;
	for (size_t i = 0; i < e->ncauses; i++)
		verr_free(e->causes[i]);
	free(e->causes);
	free(e->at);
	free(e->msg);
	free(e);
}

struct errs {
	struct verr **v;
	size_t n;
};

static void errs_add(struct errs *l, struct verr *e)
{
	if (!e)
		return;
	l->v = xrealloc(l->v, (l->n + 1) * sizeof *l->v);
	l->v[l->n++] = e;
}

static void errs_free(struct errs *l)
{
	for (size_t i = 0; i < l->n; i++)
		verr_free(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

/* --- validation ----------------------------------------------------------- */

struct frame {                  /* a schema applied to a value, for cycles */
	const struct snode *sch;
	const json_t *v;
	const struct frame *up;
};

struct vctx {
	const struct snode *root;
	int draft;              /* 4, 6, 7, 2019, 2020 */
	const char *root_id;
	size_t steps;
	size_t nerrors;
	char fatal[256];        /* a schema Helm could not compile */
};

/* Results of validating one value against one schema: errors when
 * `want_errors`, else only pass or fail. */
static struct verr *validate(struct vctx *c, const struct snode *sch, const json_t *v,
			     const char *at, bool want_errors, int depth, const struct frame *up,
			     bool *ok);

static struct verr *mkerr(struct vctx *c, enum ekind kind, const char *at, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static struct verr *mkerr(struct vctx *c, enum ekind kind, const char *at, const char *fmt, ...)
{
	struct verr *e = xcalloc(1, sizeof *e);
	e->kind = kind;
	e->at = xstrdup(at);
	struct buf b = BUF_INIT;
	va_list ap;
	va_start(ap, fmt);
	buf_vaddf(&b, fmt, ap);
	va_end(ap);
	e->msg = buf_detach(&b, NULL);
	c->nerrors++;
	return e;
}

static void child_ptr(struct buf *out, const char *at, const char *key, size_t klen)
{
	buf_reset(out);
	buf_adds(out, at);
	buf_addch(out, '/');
	for (size_t i = 0; i < klen; i++) {
		if (key[i] == '~')
			buf_adds(out, "~0");
		else if (key[i] == '/')
			buf_adds(out, "~1");
		else
			buf_addch(out, key[i]);
	}
}

/* quote() of the validator's kind package: Go's %q without escaping
 * double quotes, single quotes escaped, in single quotes. */
static void quote(struct buf *out, const char *s, size_t len)
{
	struct buf q = BUF_INIT;
	gofmt_quote(&q, s, len, false);
	buf_addch(out, '\'');
	for (size_t i = 1; i + 1 < q.len; i++) {
		if (q.data[i] == '\\' && q.data[i + 1] == '"') {
			buf_addch(out, '"');
			i++;
		} else if (q.data[i] == '\'') {
			buf_adds(out, "\\'");
		} else {
			buf_addch(out, q.data[i]);
		}
	}
	buf_addch(out, '\'');
	buf_release(&q);
}

static bool is_integer(const json_t *v)
{
	if (json_is_integer(v))
		return true;
	double d = json_real_value(v);
	return json_is_real(v) && isfinite(d) && d == floor(d);
}

/* %v of a value as Go prints the validator's numbers (float64). */
static void num_v(struct buf *out, double d)
{
	gofmt_float(out, d);
}

/* display() of the kind package: strings quoted, numbers as written in
 * the schema, other primitives as %v. */
static void display_snode(struct buf *out, const struct snode *n)
{
	switch (n->k) {
	case SK_STR: quote(out, n->s, n->slen); break;
	case SK_NUM: buf_add(out, n->s, n->slen); break;
	case SK_BOOL: buf_adds(out, n->b ? "true" : "false"); break;
	case SK_NULL: buf_adds(out, "<nil>"); break;
	default: buf_adds(out, "value"); break;
	}
}

static bool snode_is_int(const struct snode *n)
{
	return n->k == SK_NUM && isfinite(n->num) && n->num == floor(n->num);
}

static bool equals(const json_t *v, const struct snode *s)
{
	switch (s->k) {
	case SK_NULL: return json_is_null(v);
	case SK_BOOL: return json_is_boolean(v) && json_is_true(v) == s->b;
	case SK_NUM: return json_is_number(v) && json_number_value(v) == s->num;
	case SK_STR:
		return json_is_string(v) && json_string_length(v) == s->slen &&
		       !memcmp(json_string_value(v), s->s, s->slen);
	case SK_ARR:
		if (!json_is_array(v) || json_array_size(v) != s->n)
			return false;
		for (size_t i = 0; i < s->n; i++)
			if (!equals(json_array_get(v, i), s->v[i]))
				return false;
		return true;
	case SK_OBJ: {
		if (!json_is_object(v) || json_object_size(v) != s->n)
			return false;
		for (size_t i = 0; i < s->n; i++) {
			json_t *x = json_object_getn(v, s->keys[i], s->klens[i]);
			if (!x || !equals(x, s->v[i]))
				return false;
		}
		return true;
	}
	}
	return false;
}

static bool json_same(const json_t *a, const json_t *b)
{
	if (json_is_number(a) && json_is_number(b))
		return json_number_value(a) == json_number_value(b);
	if (json_typeof(a) != json_typeof(b))
		return false;
	if (json_is_array(a)) {
		if (json_array_size(a) != json_array_size(b))
			return false;
		for (size_t i = 0; i < json_array_size(a); i++)
			if (!json_same(json_array_get(a, i), json_array_get(b, i)))
				return false;
		return true;
	}
	if (json_is_object(a)) {
		if (json_object_size(a) != json_object_size(b))
			return false;
		const char *k;
		json_t *x;
		json_object_foreach((json_t *)a, k, x) {
			json_t *y = json_object_get(b, k);
			if (!y || !json_same(x, y))
				return false;
		}
		return true;
	}
	return json_equal((json_t *)a, (json_t *)b);
}

static bool regex_match(struct vctx *c, const char *pattern, size_t plen, const char *s, size_t len,
			bool *bad)
{
	int e;
	PCRE2_SIZE off;
	*bad = false;
	pcre2_code *re = pcre2_compile((PCRE2_SPTR)pattern, plen, PCRE2_UTF | PCRE2_MATCH_INVALID_UTF,
				       &e, &off, NULL);
	if (!re) {
		*bad = true;
		if (!c->fatal[0]) {
			PCRE2_UCHAR msg[120];
			pcre2_get_error_message(e, msg, sizeof msg);
			struct buf q = BUF_INIT;
			gofmt_quote(&q, pattern, plen, false);
			snprintf(c->fatal, sizeof c->fatal, "invalid regex %s: %s", q.data, (char *)msg);
			buf_release(&q);
		}
		return true;
	}
	pcre2_match_data *md = pcre2_match_data_create_from_pattern(re, NULL);
	pcre2_match_context *mc = pcre2_match_context_create(NULL);
	pcre2_set_match_limit(mc, 1000000);
	int rc = pcre2_match(re, (PCRE2_SPTR)s, len, 0, 0, md, mc);
	pcre2_match_context_free(mc);
	pcre2_match_data_free(md);
	pcre2_code_free(re);
	return rc >= 0;
}

/* --- formats (asserted up to draft-07) ------------------------------------------ */

static bool all_digits(const char *s, size_t n)
{
	if (!n)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isdigit((unsigned char)s[i]))
			return false;
	return true;
}

static int fmt_ipv4(const char *s, char *why, size_t wl)
{
	int groups = 0;
	const char *p = s;
	for (;;) {
		const char *d = strchr(p, '.');
		size_t n = d ? (size_t)(d - p) : strlen(p);
		groups++;
		if (groups > 4)
			break;
		if (n > 1 && p[0] == '0')
			return snprintf(why, wl, "leading zeros"), -1;
		if (!all_digits(p, n) || n > 3) {
			snprintf(why, wl, "strconv.Atoi: parsing \"%.*s\": invalid syntax", (int)n, p);
			return -1;
		}
		if (atoi(p) > 255)
			return snprintf(why, wl, "decimal must be between 0 and 255"), -1;
		if (!d)
			break;
		p = d + 1;
	}
	if (groups != 4)
		return snprintf(why, wl, "expected four decimals"), -1;
	return 0;
}

static int fmt_ipv6(const char *s, char *why, size_t wl)
{
	if (!strchr(s, ':'))
		return snprintf(why, wl, "missing colon"), -1;
	if (strchr(s, '%'))
		return snprintf(why, wl, "zone id is not a part of ipv6 address"), -1;
	unsigned char tmp[16];
	if (inet_pton(AF_INET6, s, tmp) != 1)
		return snprintf(why, wl, "ParseAddr(\"%s\"): invalid IPv6 address", s), -1;
	return 0;
}

static int fmt_hostname(const char *s, char *why, size_t wl)
{
	size_t n = strlen(s);
	if (n && s[n - 1] == '.')
		n--;
	if (n > 253)
		return snprintf(why, wl, "more than 253 characters long"), -1;
	size_t i = 0;
	for (;;) {
		size_t j = i;
		while (j < n && s[j] != '.')
			j++;
		size_t l = j - i;
		if (l < 1 || l > 63)
			return snprintf(why, wl, "label must be 1 to 63 characters long"), -1;
		if (s[i] == '-')
			return snprintf(why, wl, "label starts with hyphen"), -1;
		if (s[j - 1] == '-')
			return snprintf(why, wl, "label ends with hyphen"), -1;
		for (size_t k = i; k < j; k++)
			if (!isalnum((unsigned char)s[k]) && s[k] != '-') {
				uint32_t r;
				gofmt_utf8_decode(s + k, n - k, &r);
				struct buf q = BUF_INIT;
				struct buf rb = BUF_INIT;
				gofmt_utf8_encode(&rb, r);
				gofmt_quote(&q, rb.data, rb.len, false);
				snprintf(why, wl, "invalid character '%.*s'", (int)q.len - 2, q.data + 1);
				buf_release(&q);
				buf_release(&rb);
				return -1;
			}
		if (j >= n)
			break;
		i = j + 1;
	}
	return 0;
}

static int fmt_email(const char *s, char *why, size_t wl)
{
	size_t n = strlen(s);
	if (n > 254)
		return snprintf(why, wl, "more than 255 characters long"), -1;
	const char *at = strrchr(s, '@');
	if (!at)
		return snprintf(why, wl, "missing @"), -1;
	size_t ll = (size_t)(at - s);
	if (ll > 64)
		return snprintf(why, wl, "local part more than 64 characters long"), -1;
	if (ll > 1 && s[0] == '"') {
		for (size_t i = 1; i + 1 < ll; i++)
			if (s[i] == '\\' || s[i] == '"')
				return snprintf(why, wl, "backslash and quote are not allowed within quoted local part"), -1;
	} else {
		if (ll && s[0] == '.')
			return snprintf(why, wl, "starts with dot"), -1;
		if (ll && s[ll - 1] == '.')
			return snprintf(why, wl, "ends with dot"), -1;
		for (size_t i = 0; i + 1 < ll; i++)
			if (s[i] == '.' && s[i + 1] == '.')
				return snprintf(why, wl, "consecutive dots"), -1;
		for (size_t i = 0; i < ll; i++)
			if (!isalnum((unsigned char)s[i]) && !strchr(".!#$%&'*+-/=?^_`{|}~", s[i]))
				return snprintf(why, wl, "invalid character '%c'", s[i]), -1;
	}
	const char *dom = at + 1;
	size_t dl = strlen(dom);
	char sub[160];
	if (dl >= 2 && dom[0] == '[' && dom[dl - 1] == ']') {
		char ip[256];
		snprintf(ip, sizeof ip, "%.*s", (int)(dl - 2), dom + 1);
		if (!strncmp(ip, "IPv6:", 5)) {
			if (fmt_ipv6(ip + 5, sub, sizeof sub) < 0)
				return snprintf(why, wl, "invalid ipv6 address: %s", sub), -1;
			return 0;
		}
		if (fmt_ipv4(ip, sub, sizeof sub) < 0)
			return snprintf(why, wl, "invalid ipv4 address: %s", sub), -1;
		return 0;
	}
	if (fmt_hostname(dom, sub, sizeof sub) < 0)
		return snprintf(why, wl, "invalid domain: %s", sub), -1;
	return 0;
}

static int days_in(int y, int m)
{
	static const int d[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return 29;
	return d[m - 1];
}

static int fmt_date(const char *s, char *why, size_t wl)
{
	if (strlen(s) != 10 || !all_digits(s, 4) || s[4] != '-' || !all_digits(s + 5, 2) || s[7] != '-' ||
	    !all_digits(s + 8, 2))
		return snprintf(why, wl, "parsing time \"%s\" as \"2006-01-02\": cannot parse \"%s\" as \"2006-01-02\"",
				s, s), -1;
	int y = atoi(s), m = atoi(s + 5), d = atoi(s + 8);
	if (m < 1 || m > 12)
		return snprintf(why, wl, "parsing time \"%s\": month out of range", s), -1;
	if (d < 1 || d > days_in(y, m))
		return snprintf(why, wl, "parsing time \"%s\": day out of range", s), -1;
	return 0;
}

static int fmt_time(const char *str, char *why, size_t wl)
{
	size_t n = strlen(str);
	if (n < 9)
		return snprintf(why, wl, "less than 9 characters long"), -1;
	if (str[2] != ':' || str[5] != ':')
		return snprintf(why, wl, "missing colon in correct place"), -1;
	if (!all_digits(str, 2) || !all_digits(str + 3, 2) || !all_digits(str + 6, 2))
		return snprintf(why, wl, "invalid hour/min/sec"), -1;
	int h = atoi(str), m = atoi(str + 3), s = atoi(str + 6);
	if (h > 23 || m > 59 || s > 60)
		return snprintf(why, wl, "hour/min/sec out of range"), -1;
	const char *p = str + 8;
	if (*p == '.') {
		p++;
		size_t d = 0;
		while (isdigit((unsigned char)p[d]))
			d++;
		if (!d)
			return snprintf(why, wl, "no digits in second fraction"), -1;
		p += d;
	}
	if (strcmp(p, "z") && strcmp(p, "Z")) {
		if (strlen(p) != 6)
			return snprintf(why, wl, "offset must be 6 characters long"), -1;
		int sign;
		if (p[0] == '+')
			sign = -1;
		else if (p[0] == '-')
			sign = 1;
		else
			return snprintf(why, wl, "offset must begin with plus/minus"), -1;
		if (p[3] != ':')
			return snprintf(why, wl, "missing colon in offset in correct place"), -1;
		if (!all_digits(p + 1, 2) || !all_digits(p + 4, 2))
			return snprintf(why, wl, "invalid hour/min in offset"), -1;
		int zh = atoi(p + 1), zm = atoi(p + 4);
		if (zh > 23 || zm > 59)
			return snprintf(why, wl, "hour/min in offset out of range"), -1;
		int hm = h * 60 + m + sign * (zh * 60 + zm);
		if (hm < 0)
			hm += 24 * 60;
		h = hm / 60;
		m = hm % 60;
	}
	if (s >= 60 && (h != 23 || m != 59))
		return snprintf(why, wl, "invalid leap second"), -1;
	return 0;
}

static int fmt_date_time(const char *s, char *why, size_t wl)
{
	char sub[200], d[11];
	if (strlen(s) < 20)
		return snprintf(why, wl, "less than 20 characters long"), -1;
	if (s[10] != 't' && s[10] != 'T')
		return snprintf(why, wl, "11th character must be t or T"), -1;
	memcpy(d, s, 10);
	d[10] = 0;
	if (fmt_date(d, sub, sizeof sub) < 0)
		return snprintf(why, wl, "invalid date element: %s", sub), -1;
	if (fmt_time(s + 11, sub, sizeof sub) < 0)
		return snprintf(why, wl, "invalid time element: %s", sub), -1;
	return 0;
}

static int fmt_duration(const char *s, char *why, size_t wl)
{
	if (s[0] != 'P')
		return snprintf(why, wl, "must start with P"), -1;
	s++;
	if (!*s)
		return snprintf(why, wl, "nothing after P"), -1;
	size_t n = strlen(s);
	if (s[n - 1] == 'W') {
		if (n == 1)
			return snprintf(why, wl, "no number in week"), -1;
		if (!all_digits(s, n - 1))
			return snprintf(why, wl, "invalid week"), -1;
		return 0;
	}
	static const char *const all[] = { "YMD", "HMS" };
	int part = 0;
	const char *p = s;
	for (;;) {
		const char *t = strchr(p, 'T');
		size_t len = t ? (size_t)(t - p) : strlen(p);
		if (part && !len)
			return snprintf(why, wl, "no time elements"), -1;
		if (part >= 2)
			return snprintf(why, wl, "more than one T"), -1;
		const char *units = all[part];
		size_t i = 0;
		while (i < len) {
			size_t dg = 0;
			while (i + dg < len && isdigit((unsigned char)p[i + dg]))
				dg++;
			if (!dg)
				return snprintf(why, wl, "missing number"), -1;
			i += dg;
			if (i >= len)
				return snprintf(why, wl, "missing unit"), -1;
			const char *u = strchr(units, p[i]);
			if (!u || !p[i]) {
				if (strchr(all[part], p[i]))
					return snprintf(why, wl, "unit '%c' out of order", p[i]), -1;
				return snprintf(why, wl, "invalid unit '%c'", p[i]), -1;
			}
			units = u + 1;
			i++;
		}
		if (!t)
			break;
		p = t + 1;
		part++;
	}
	return 0;
}

static int fmt_uuid(const char *s, char *why, size_t wl)
{
	static const size_t groups[] = { 8, 4, 4, 4, 12 };
	size_t g = 0;
	const char *p = s;
	size_t count = 1;
	for (const char *q = s; *q; q++)
		count += *q == '-';
	if (count != 5)
		return snprintf(why, wl, "must have 5 elements"), -1;
	for (g = 0; g < 5; g++) {
		size_t n = strcspn(p, "-");
		if (n != groups[g])
			return snprintf(why, wl, "element %zu must be %zu characters long", g + 1, groups[g]), -1;
		for (size_t i = 0; i < n; i++)
			if (!isxdigit((unsigned char)p[i]))
				return snprintf(why, wl, "non-hex character '%c'", p[i]), -1;
		p += n + 1;
	}
	return 0;
}

static int fmt_json_pointer(const char *s, char *why, size_t wl)
{
	if (!*s)
		return 0;
	if (*s != '/')
		return snprintf(why, wl, "not starting with /"), -1;
	for (const char *p = s; *p; p++)
		if (*p == '~' && p[1] != '0' && p[1] != '1')
			return snprintf(why, wl, "~ must be followed by 0 or 1"), -1;
	return 0;
}

static int fmt_rel_json_pointer(const char *s, char *why, size_t wl)
{
	size_t d = 0;
	while (isdigit((unsigned char)s[d]))
		d++;
	if (!d)
		return snprintf(why, wl, "must start with non-negative integer"), -1;
	if (d > 1 && s[0] == '0')
		return snprintf(why, wl, "starts with zero"), -1;
	if (!strcmp(s + d, "#"))
		return 0;
	return fmt_json_pointer(s + d, why, wl);
}

/* RFC 3986 shape as Go's url.Parse accepts it: a scheme when one is
 * there, no spaces or control characters, well-formed escapes. */
static int url_parse(const char *s, bool *abs, char *why, size_t wl)
{
	*abs = false;
	for (const char *p = s; *p; p++) {
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return snprintf(why, wl, "parse \"%s\": net/url: invalid control character in URL", s), -1;
		if (*p == '%' && !(isxdigit((unsigned char)p[1]) && isxdigit((unsigned char)p[2]))) {
			snprintf(why, wl, "parse \"%s\": invalid URL escape \"%.3s\"", s, p);
			return -1;
		}
	}
	const char *c = strchr(s, ':');
	if (c && c > s && isalpha((unsigned char)s[0])) {
		bool scheme = true;
		for (const char *p = s; p < c; p++)
			if (!isalnum((unsigned char)*p) && *p != '+' && *p != '-' && *p != '.')
				scheme = false;
		if (scheme)
			*abs = true;
	} else if (c == s) {
		return snprintf(why, wl, "parse \"%s\": missing protocol scheme", s), -1;
	}
	return 0;
}

static int fmt_uri(const char *s, char *why, size_t wl)
{
	bool abs;
	if (url_parse(s, &abs, why, wl) < 0)
		return -1;
	if (!abs)
		return snprintf(why, wl, "relative url"), -1;
	return 0;
}

static int fmt_uri_ref(const char *s, char *why, size_t wl)
{
	bool abs;
	if (strchr(s, '\\'))
		return snprintf(why, wl, "contains \\"), -1;
	return url_parse(s, &abs, why, wl);
}

static int fmt_regex(const char *s, char *why, size_t wl)
{
	int e;
	PCRE2_SIZE off;
	pcre2_code *re = pcre2_compile((PCRE2_SPTR)s, PCRE2_ZERO_TERMINATED, PCRE2_UTF, &e, &off, NULL);
	if (re) {
		pcre2_code_free(re);
		return 0;
	}
	PCRE2_UCHAR msg[120];
	pcre2_get_error_message(e, msg, sizeof msg);
	snprintf(why, wl, "error parsing regexp: %s: `%s`", (char *)msg, s);
	return -1;
}

static const struct {
	const char *name;
	int (*check)(const char *s, char *why, size_t wl);
} formats[] = {
	{ "date", fmt_date }, { "date-time", fmt_date_time }, { "duration", fmt_duration },
	{ "email", fmt_email }, { "hostname", fmt_hostname }, { "ipv4", fmt_ipv4 },
	{ "ipv6", fmt_ipv6 }, { "iri", fmt_uri }, { "iri-reference", fmt_uri_ref },
	{ "json-pointer", fmt_json_pointer }, { "regex", fmt_regex },
	{ "relative-json-pointer", fmt_rel_json_pointer }, { "time", fmt_time },
	{ "uri", fmt_uri }, { "uri-reference", fmt_uri_ref }, { "uuid", fmt_uuid },
};

/* --- $ref ------------------------------------------------------------------------ */

static const struct snode *find_anchor(const struct snode *n, const char *name, int draft, int depth)
{
	if (!n || depth > SCHEMA_MAX_NEST)
		return NULL;
	if (n->k == SK_OBJ) {
		const struct snode *id = get(n, draft < 2019 ? (draft == 4 ? "id" : "$id") : "$anchor");
		if (id && id->k == SK_STR) {
			const char *s = id->s;
			if (draft < 2019 && s[0] == '#')
				s++;
			else if (draft < 2019)
				s = NULL;
			if (s && !strcmp(s, name))
				return n;
		}
	}
	if (n->k == SK_OBJ || n->k == SK_ARR)
		for (size_t i = 0; i < n->n; i++) {
			const struct snode *f = find_anchor(n->v[i], name, draft, depth + 1);
			if (f)
				return f;
		}
	return NULL;
}

static int unhex(int c)
{
	return isdigit(c) ? c - '0' : tolower(c) - 'a' + 10;
}

/* The schema a "$ref" names, or NULL with c->fatal set. */
static const struct snode *resolve_ref(struct vctx *c, const char *ref)
{
	const char *frag = strchr(ref, '#');
	size_t base = frag ? (size_t)(frag - ref) : strlen(ref);
	bool local = base == 0 || (c->root_id && strlen(c->root_id) == base + 0 &&
					!strncmp(ref, c->root_id, base)) ||
		     (c->root_id && !strncmp(ref, c->root_id, base) && c->root_id[base] == '#');
	if (!local) {
		snprintf(c->fatal, sizeof c->fatal,
			 "$ref \"%s\" is refused: only references inside values.schema.json are followed "
			 "(Helm would load it from a file or the network)", ref);
		return NULL;
	}
	if (!frag || !frag[1])
		return c->root;
	/* percent-decode the fragment */
	struct buf f = BUF_INIT;
	for (const char *p = frag + 1; *p; p++) {
		if (*p == '%' && isxdigit((unsigned char)p[1]) && isxdigit((unsigned char)p[2])) {
			buf_addch(&f, (char)(unhex(p[1]) * 16 + unhex(p[2])));
			p += 2;
		} else {
			buf_addch(&f, *p);
		}
	}
	const struct snode *cur = c->root;
	if (f.data[0] != '/') {
		cur = find_anchor(c->root, f.data, c->draft, 0);
		if (!cur)
			snprintf(c->fatal, sizeof c->fatal, "$ref \"%s\": anchor not found", ref);
		buf_release(&f);
		return cur;
	}
	const char *p = f.data;
	struct buf tok = BUF_INIT;
	while (*p == '/' && cur) {
		p++;
		size_t n = strcspn(p, "/");
		buf_reset(&tok);
		for (size_t i = 0; i < n; i++) {
			if (p[i] == '~' && i + 1 < n && (p[i + 1] == '0' || p[i + 1] == '1')) {
				buf_addch(&tok, p[i + 1] == '0' ? '~' : '/');
				i++;
			} else {
				buf_addch(&tok, p[i]);
			}
		}
		if (cur->k == SK_ARR) {
			char *end;
			unsigned long k = strtoul(tok.data, &end, 10);
			cur = *end || !tok.len || k >= cur->n ? NULL : cur->v[k];
		} else {
			cur = getn(cur, tok.data, tok.len);
		}
		p += n;
	}
	if (!cur)
		snprintf(c->fatal, sizeof c->fatal, "$ref \"%s\": no such place in values.schema.json", ref);
	buf_release(&tok);
	buf_release(&f);
	return cur;
}

/* --- keywords ----------------------------------------------------------------------- */

struct vstate {
	struct vctx *c;
	const struct snode *sch;
	const json_t *v;
	const char *at;
	bool want;              /* errors wanted (not just a verdict) */
	int depth;
	const struct frame *fr;
	struct errs errs;
	bool failed;
};

static void add_leaf(struct vstate *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void add_leaf(struct vstate *s, const char *fmt, ...)
{
	s->failed = true;
	if (!s->want)
		return;
	struct buf b = BUF_INIT;
	va_list ap;
	va_start(ap, fmt);
	buf_vaddf(&b, fmt, ap);
	va_end(ap);
	errs_add(&s->errs, mkerr(s->c, E_LEAF, s->at, "%s", b.data));
	buf_release(&b);
}

/* An error holding causes (allOf, anyOf, contains, ...). */
static void add_group(struct vstate *s, struct errs *causes, const char *msg)
{
	s->failed = true;
	if (!s->want) {
		errs_free(causes);
		return;
	}
	struct verr *e = mkerr(s->c, E_LEAF, s->at, "%s", msg);
	e->causes = causes->v;
	e->ncauses = causes->n;
	causes->v = NULL;
	causes->n = 0;
	errs_add(&s->errs, e);
}

/* The schema on the same value (validateSelf). */
static struct verr *self(struct vstate *s, const struct snode *sch, bool want, bool *ok)
{
	struct frame f = { s->sch, s->v, s->fr };
	return validate(s->c, sch, s->v, s->at, want && s->want, s->depth + 1, &f, ok);
}

/* The schema on a member or item (validateVal). */
static struct verr *val(struct vstate *s, const struct snode *sch, const json_t *v, const char *at,
			bool *ok)
{
	return validate(s->c, sch, v, at, s->want, s->depth + 1, NULL, ok);
}

static void sub(struct vstate *s, struct verr *e, bool ok)
{
	if (!ok)
		s->failed = true;
	errs_add(&s->errs, e);
}

static int intval(const struct snode *n, long long *out)
{
	if (!n || n->k != SK_NUM || !snode_is_int(n))
		return 0;
	/* Counts are compared against limits; a limit past long long's
	 * range is as good as infinite either way. */
	if (n->num >= 9.2e18)
		*out = LLONG_MAX;
	else if (n->num <= -9.2e18)
		*out = LLONG_MIN;
	else
		*out = (long long)n->num;
	return 1;
}

static const char *const type_names[] = { "null", "boolean", "number", "integer", "string", "array", "object" };

static bool type_ok(const char *t, size_t tl, const json_t *v)
{
	const char *g = doc_type_name(v);
	if (tl == strlen(g) && !memcmp(t, g, tl))
		return true;
	return tl == 7 && !memcmp(t, "integer", 7) && json_is_number(v) && is_integer(v);
}

static int cmp_cstr(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* multipleOf with decimal exactness for the usual cases (0.1, 0.01): both
 * numbers as printed shortest, scaled to integers. */
static bool multiple_of(double v, const struct snode *m)
{
	double q = v / m->num;
	if (!isfinite(q))
		return false;
	if (q == floor(q) && fabs(q) < 9e15)
		return true;
	char a[64];
	struct buf bv = BUF_INIT;
	gofmt_float_shortest(&bv, v, 'e');
	snprintf(a, sizeof a, "%s", bv.data);
	buf_release(&bv);
	/* mantissa digits and exponent of each */
	long long ma = 0, mb = 0;
	int ea = 0, eb = 0, fa = 0, fb = 0;
	const char *p = a;
	bool neg = *p == '-';
	if (neg)
		p++;
	for (; *p && *p != 'e'; p++)
		if (isdigit((unsigned char)*p)) {
			ma = ma * 10 + (*p - '0');
			if (fa)
				fa++;
		} else if (*p == '.') {
			fa = 1;
		}
	if (*p == 'e')
		ea = atoi(p + 1);
	ea -= fa ? fa - 1 : 0;
	p = m->s;
	if (*p == '-')
		p++;
	for (; *p && *p != 'e' && *p != 'E'; p++) {
		if (isdigit((unsigned char)*p)) {
			if (mb > 100000000000000000LL)
				return false;
			mb = mb * 10 + (*p - '0');
			if (fb)
				fb++;
		} else if (*p == '.') {
			fb = 1;
		}
	}
	if (*p == 'e' || *p == 'E')
		eb = atoi(p + 1);
	eb -= fb ? fb - 1 : 0;
	if (!mb)
		return false;
	/* v/m = ma*10^ea / (mb*10^eb) */
	int e = ea - eb;
	__int128 num = ma, den = mb;
	for (; e > 0; e--) {
		if (num > ((__int128)1 << 120) / 10)
			return fmod(v, m->num) == 0;
		num *= 10;
	}
	for (; e < 0; e++) {
		if (den > ((__int128)1 << 120) / 10)
			return false;
		den *= 10;
	}
	return num % den == 0;
}

static void check_number(struct vstate *s)
{
	const struct snode *sch = s->sch;
	double n = json_number_value(s->v);
	const struct snode *mn = get(sch, "minimum"), *mx = get(sch, "maximum");
	const struct snode *emn = get(sch, "exclusiveMinimum"), *emx = get(sch, "exclusiveMaximum");
	const struct snode *lo = mn && mn->k == SK_NUM ? mn : NULL, *hi = mx && mx->k == SK_NUM ? mx : NULL;
	const struct snode *elo = emn && emn->k == SK_NUM ? emn : NULL, *ehi = emx && emx->k == SK_NUM ? emx : NULL;
	if (emn && emn->k == SK_BOOL && emn->b && lo) {
		elo = lo;
		lo = NULL;
	}
	if (emx && emx->k == SK_BOOL && emx->b && hi) {
		ehi = hi;
		hi = NULL;
	}
	struct buf g = BUF_INIT, w = BUF_INIT;
	num_v(&g, n);
	if (lo && n < lo->num) {
		num_v(&w, lo->num);
		add_leaf(s, "minimum: got %s, want %s", g.data, w.data);
	}
	buf_reset(&w);
	if (hi && n > hi->num) {
		num_v(&w, hi->num);
		add_leaf(s, "maximum: got %s, want %s", g.data, w.data);
	}
	buf_reset(&w);
	if (elo && n <= elo->num) {
		num_v(&w, elo->num);
		add_leaf(s, "exclusiveMinimum: got %s, want %s", g.data, w.data);
	}
	buf_reset(&w);
	if (ehi && n >= ehi->num) {
		num_v(&w, ehi->num);
		add_leaf(s, "exclusiveMaximum: got %s, want %s", g.data, w.data);
	}
	buf_reset(&w);
	const struct snode *mo = get(sch, "multipleOf");
	if (mo && mo->k == SK_NUM && mo->num != 0 && !multiple_of(n, mo)) {
		num_v(&w, mo->num);
		add_leaf(s, "multipleOf: got %s, want %s", g.data, w.data);
	}
	buf_release(&g);
	buf_release(&w);
}

static void check_string(struct vstate *s)
{
	const struct snode *sch = s->sch;
	const char *str = json_string_value(s->v);
	size_t len = json_string_length(s->v);
	long long lim;
	size_t runes = 0;
	for (size_t i = 0; i < len;) {
		uint32_t r;
		i += (size_t)gofmt_utf8_decode(str + i, len - i, &r);
		runes++;
	}
	if (intval(get(sch, "minLength"), &lim) && (long long)runes < lim)
		add_leaf(s, "minLength: got %zu, want %lld", runes, lim);
	if (intval(get(sch, "maxLength"), &lim) && (long long)runes > lim)
		add_leaf(s, "maxLength: got %zu, want %lld", runes, lim);
	const struct snode *pat = get(sch, "pattern");
	bool bad;
	if (pat && pat->k == SK_STR && !regex_match(s->c, pat->s, pat->slen, str, len, &bad)) {
		struct buf q1 = BUF_INIT, q2 = BUF_INIT;
		quote(&q1, str, len);
		quote(&q2, pat->s, pat->slen);
		add_leaf(s, "%s does not match pattern %s", q1.data, q2.data);
		buf_release(&q1);
		buf_release(&q2);
	}
}

static void missing_list(struct buf *out, const json_t *obj, const struct snode *req, size_t *n)
{
	*n = 0;
	for (size_t i = 0; req && req->k == SK_ARR && i < req->n; i++) {
		const struct snode *r = req->v[i];
		if (r->k != SK_STR || json_object_getn(obj, r->s, r->slen))
			continue;
		if ((*n)++)
			buf_adds(out, ", ");
		quote(out, r->s, r->slen);
	}
}

static void check_object(struct vstate *s)
{
	struct vctx *c = s->c;
	const struct snode *sch = s->sch;
	const json_t *obj = s->v;
	size_t np = json_object_size(obj);
	long long lim;
	if (intval(get(sch, "minProperties"), &lim) && (long long)np < lim)
		add_leaf(s, "minProperties: got %zu, want %lld", np, lim);
	if (intval(get(sch, "maxProperties"), &lim) && (long long)np > lim)
		add_leaf(s, "maxProperties: got %zu, want %lld", np, lim);
	struct buf miss = BUF_INIT;
	size_t nmiss;
	missing_list(&miss, obj, get(sch, "required"), &nmiss);
	if (nmiss)
		add_leaf(s, "missing propert%s %s", nmiss > 1 ? "ies" : "y", miss.data);
	buf_release(&miss);
	if (!s->want && s->failed)
		return;
	/* keys in sorted order (the validator's map order is random) */
	const char **keys = xcalloc(np + 1, sizeof *keys);
	size_t nk = 0;
	const char *key;
	json_t *x;
	json_object_foreach((json_t *)obj, key, x)
		keys[nk++] = key;
	qsort(keys, nk, sizeof *keys, cmp_cstr);
	/* dependencies */
	const struct snode *deps = get(sch, "dependencies");
	for (size_t i = 0; deps && deps->k == SK_OBJ && i < deps->n; i++) {
		if (!json_object_getn(obj, deps->keys[i], deps->klens[i]))
			continue;
		const struct snode *d = deps->v[i];
		if (d->k == SK_ARR) {
			struct buf m = BUF_INIT, p = BUF_INIT;
			missing_list(&m, obj, d, &nmiss);
			if (nmiss) {
				quote(&p, deps->keys[i], deps->klens[i]);
				add_leaf(s, "properties %s required, if %s exists", m.data, p.data);
			}
			buf_release(&m);
			buf_release(&p);
		} else {
			bool ok;
			struct verr *e = self(s, d, true, &ok);
			sub(s, e, ok);
		}
	}
	const struct snode *props = get(sch, "properties"), *pprops = get(sch, "patternProperties");
	const struct snode *addl = get(sch, "additionalProperties");
	struct buf extra = BUF_INIT, at = BUF_INIT;
	size_t nextra = 0;
	for (size_t k = 0; k < nk && !c->fatal[0]; k++) {
		if (!s->want && s->failed)
			break;
		const char *name = keys[k];
		size_t klen = strlen(name);
		const json_t *pv = json_object_get(obj, name);
		child_ptr(&at, s->at, name, klen);
		bool evaluated = false, ok;
		const struct snode *ps = get(props, name);
		if (ps) {
			evaluated = true;
			struct verr *e = val(s, ps, pv, at.data, &ok);
			sub(s, e, ok);
		}
		for (size_t i = 0; pprops && pprops->k == SK_OBJ && i < pprops->n; i++) {
			bool bad;
			if (!regex_match(c, pprops->keys[i], pprops->klens[i], name, klen, &bad) || bad)
				continue;
			evaluated = true;
			struct verr *e = val(s, pprops->v[i], pv, at.data, &ok);
			sub(s, e, ok);
		}
		if (!evaluated && addl) {
			if (addl->k == SK_BOOL) {
				if (!addl->b) {
					if (nextra++)
						buf_adds(&extra, ", ");
					quote(&extra, name, klen);
				}
			} else {
				struct verr *e = val(s, addl, pv, at.data, &ok);
				sub(s, e, ok);
			}
		}
	}
	if (nextra)
		add_leaf(s, "additional properties %s not allowed", extra.data);
	buf_release(&extra);
	const struct snode *pn = c->draft >= 6 ? get(sch, "propertyNames") : NULL;
	for (size_t k = 0; pn && k < nk && !c->fatal[0]; k++) {
		if (!s->want && s->failed)
			break;
		json_t *ks = json_string(keys[k]);
		bool ok;
		struct verr *e = validate(c, pn, ks, s->at, false, s->depth + 1, NULL, &ok);
		verr_free(e);
		json_decref(ks);
		if (!ok) {
			struct buf q = BUF_INIT;
			quote(&q, keys[k], strlen(keys[k]));
			add_leaf(s, "invalid propertyName %s", q.data);
			buf_release(&q);
		}
	}
	if (c->draft >= 2019) {
		const struct snode *ds = get(sch, "dependentSchemas");
		for (size_t i = 0; ds && ds->k == SK_OBJ && i < ds->n; i++) {
			if (!json_object_getn(obj, ds->keys[i], ds->klens[i]))
				continue;
			bool ok;
			struct verr *e = self(s, ds->v[i], true, &ok);
			sub(s, e, ok);
		}
		const struct snode *dr = get(sch, "dependentRequired");
		for (size_t i = 0; dr && dr->k == SK_OBJ && i < dr->n; i++) {
			if (!json_object_getn(obj, dr->keys[i], dr->klens[i]) || dr->v[i]->k != SK_ARR)
				continue;
			struct buf m = BUF_INIT, p = BUF_INIT;
			missing_list(&m, obj, dr->v[i], &nmiss);
			if (nmiss) {
				quote(&p, dr->keys[i], dr->klens[i]);
				add_leaf(s, "properties %s required, if %s exists", m.data, p.data);
			}
			buf_release(&m);
			buf_release(&p);
		}
	}
	buf_release(&at);
	free(keys);
}

static void check_array(struct vstate *s)
{
	struct vctx *c = s->c;
	const struct snode *sch = s->sch;
	const json_t *arr = s->v;
	size_t n = json_array_size(arr);
	long long lim;
	if (intval(get(sch, "minItems"), &lim) && (long long)n < lim)
		add_leaf(s, "minItems: got %zu, want %lld", n, lim);
	if (intval(get(sch, "maxItems"), &lim) && (long long)n > lim)
		add_leaf(s, "maxItems: got %zu, want %lld", n, lim);
	const struct snode *uq = get(sch, "uniqueItems");
	if (uq && uq->k == SK_BOOL && uq->b && n > 1) {
		bool found = false;
		for (size_t i = 1; i < n && !found && i < 5000; i++)   /* bounded: O(n²) */
			for (size_t j = 0; j < i && !found; j++)
				if (json_same(json_array_get(arr, i), json_array_get(arr, j))) {
					add_leaf(s, "items at %zu and %zu are equal", j, i);
					found = true;
				}
	}
	struct buf at = BUF_INIT;
	bool ok;
	const struct snode *items = get(sch, "items");
	size_t evaluated = 0;
	if (c->draft < 2020 || (items && items->k == SK_ARR)) {
		if (items && items->k == SK_ARR) {
			size_t m = n < items->n ? n : items->n;
			for (size_t i = 0; i < m && !c->fatal[0]; i++) {
				buf_reset(&at);
				buf_addf(&at, "%s/%zu", s->at, i);
				struct verr *e = val(s, items->v[i], json_array_get(arr, i), at.data, &ok);
				sub(s, e, ok);
			}
			evaluated = m;
			const struct snode *ai = get(sch, "additionalItems");
			if (ai && ai->k == SK_BOOL) {
				if (!ai->b && evaluated != n)
					add_leaf(s, "last %zu additionalItem(s) not allowed", n - evaluated);
			} else if (ai) {
				/* the validator names these by their index after the tuple */
				for (size_t i = evaluated; i < n && !c->fatal[0]; i++) {
					buf_reset(&at);
					buf_addf(&at, "%s/%zu", s->at, i - evaluated);
					struct verr *e = val(s, ai, json_array_get(arr, i), at.data, &ok);
					sub(s, e, ok);
				}
			}
		} else if (items) {
			for (size_t i = 0; i < n && !c->fatal[0]; i++) {
				buf_reset(&at);
				buf_addf(&at, "%s/%zu", s->at, i);
				struct verr *e = val(s, items, json_array_get(arr, i), at.data, &ok);
				sub(s, e, ok);
			}
		}
	} else {
		const struct snode *pre = get(sch, "prefixItems");
		size_t m = pre && pre->k == SK_ARR ? (n < pre->n ? n : pre->n) : 0;
		for (size_t i = 0; i < m && !c->fatal[0]; i++) {
			buf_reset(&at);
			buf_addf(&at, "%s/%zu", s->at, i);
			struct verr *e = val(s, pre->v[i], json_array_get(arr, i), at.data, &ok);
			sub(s, e, ok);
		}
		for (size_t i = m; items && i < n && !c->fatal[0]; i++) {
			buf_reset(&at);
			buf_addf(&at, "%s/%zu", s->at, i - m);
			struct verr *e = val(s, items, json_array_get(arr, i), at.data, &ok);
			sub(s, e, ok);
		}
	}
	const struct snode *ct = c->draft >= 6 ? get(sch, "contains") : NULL;
	if (ct) {
		struct errs fails = { 0 };
		size_t matched = 0;
		struct buf where = BUF_INIT;
		for (size_t i = 0; i < n && !c->fatal[0]; i++) {
			buf_reset(&at);
			buf_addf(&at, "%s/%zu", s->at, i);
			struct verr *e = val(s, ct, json_array_get(arr, i), at.data, &ok);
			if (ok) {
				if (matched++)
					buf_adds(&where, " ");
				buf_addf(&where, "%zu", i);
				verr_free(e);
			} else {
				errs_add(&fails, e);
			}
		}
		long long mnc, mxc;
		bool has_min = c->draft >= 2019 && intval(get(sch, "minContains"), &mnc);
		bool has_max = c->draft >= 2019 && intval(get(sch, "maxContains"), &mxc);
		if (has_min) {
			if ((long long)matched < mnc) {
				char msg[256];
				if (!matched)
					snprintf(msg, sizeof msg,
						 "min %lld items required to match contains schema, but none matched", mnc);
				else
					snprintf(msg, sizeof msg,
						 "min %lld items required to match contains schema, but matched %zu items at %s",
						 mnc, matched, where.data);
				add_group(s, &fails, msg);
			}
		} else if (!matched) {
			add_group(s, &fails, "no items match contains schema");
		}
		errs_free(&fails);
		if (has_max && (long long)matched > mxc)
			add_leaf(s, "max %lld items required to match contains schema, but matched %zu items at %s",
				 mxc, matched, where.data);
		buf_release(&where);
	}
	buf_release(&at);
}

static void check_conditions(struct vstate *s)
{
	struct vctx *c = s->c;
	const struct snode *sch = s->sch, *x;
	bool ok;
	if ((x = get(sch, "not"))) {
		struct verr *e = self(s, x, false, &ok);
		verr_free(e);
		if (ok)
			add_leaf(s, "'not' failed");
	}
	if ((x = get(sch, "allOf")) && x->k == SK_ARR && x->n) {
		struct errs fails = { 0 };
		for (size_t i = 0; i < x->n && !c->fatal[0]; i++) {
			struct verr *e = self(s, x->v[i], true, &ok);
			if (!ok) {
				errs_add(&fails, e);
				if (!s->want) {
					s->failed = true;
					break;
				}
			}
		}
		if (fails.n || (!s->want && s->failed))
			add_group(s, &fails, "'allOf' failed");
		errs_free(&fails);
	}
	if ((x = get(sch, "anyOf")) && x->k == SK_ARR && x->n) {
		struct errs fails = { 0 };
		bool any = false;
		for (size_t i = 0; i < x->n && !any && !c->fatal[0]; i++) {
			struct verr *e = self(s, x->v[i], true, &ok);
			if (ok) {
				any = true;
				verr_free(e);
			} else {
				errs_add(&fails, e);
			}
		}
		if (!any)
			add_group(s, &fails, "'anyOf' failed");
		errs_free(&fails);
	}
	if ((x = get(sch, "oneOf")) && x->k == SK_ARR && x->n) {
		struct errs fails = { 0 };
		long matched = -1;
		for (size_t i = 0; i < x->n && !c->fatal[0]; i++) {
			struct verr *e = self(s, x->v[i], matched == -1, &ok);
			if (!ok) {
				if (matched == -1)
					errs_add(&fails, e);
				else
					verr_free(e);
			} else {
				verr_free(e);
				if (matched == -1) {
					matched = (long)i;
				} else {
					add_leaf(s, "'oneOf' failed, subschemas %ld, %zu matched", matched, i);
					break;
				}
			}
		}
		if (matched == -1)
			add_group(s, &fails, "'oneOf' failed, none matched");
		errs_free(&fails);
	}
	if (c->draft >= 7 && (x = get(sch, "if"))) {
		struct verr *e = self(s, x, false, &ok);
		verr_free(e);
		const struct snode *branch = NULL;
		if (ok && !(x->k == SK_BOOL && !x->b))
			branch = get(sch, "then");
		else if (!ok && !(x->k == SK_BOOL && x->b))
			branch = get(sch, "else");
		if (branch) {
			bool bok;
			struct verr *be = self(s, branch, true, &bok);
			sub(s, be, bok);
		}
	}
}

static struct verr *validate(struct vctx *c, const struct snode *sch, const json_t *v,
			     const char *at, bool want_errors, int depth, const struct frame *up,
			     bool *ok)
{
	*ok = true;
	if (c->fatal[0])
		return NULL;
	if (c->nerrors > SCHEMA_MAX_ERRORS) {
		snprintf(c->fatal, sizeof c->fatal, "values fail values.schema.json in over %d ways", SCHEMA_MAX_ERRORS);
		*ok = false;
		return NULL;
	}
	if (++c->steps > SCHEMA_MAX_STEPS || depth > SCHEMA_MAX_DEPTH) {
		snprintf(c->fatal, sizeof c->fatal,
			 "validating against values.schema.json takes over %s: the schema is too deep or recursive",
			 depth > SCHEMA_MAX_DEPTH ? "300 nested schemas" : "2,000,000 steps");
		*ok = false;
		return NULL;
	}
	if (sch->k == SK_BOOL) {
		if (sch->b)
			return NULL;
		*ok = false;
		return want_errors ? mkerr(c, E_LEAF, at, "false schema") : NULL;
	}
	if (sch->k != SK_OBJ)
		return NULL;
	for (const struct frame *f = up; f && f->v == v; f = f->up)
		if (f->sch == sch) {
			snprintf(c->fatal, sizeof c->fatal,
				 "values.schema.json has a reference cycle: a schema applies itself to the value at '%s'",
				 at);
			*ok = false;
			return NULL;
		}
	struct vstate s = { c, sch, v, at, want_errors, depth, up, { 0 }, false };
	const struct snode *x;
	/* type */
	if ((x = get(sch, "type"))) {
		bool any = false, match = false;
		unsigned want = 0;
		for (size_t i = 0; i < (x->k == SK_ARR ? x->n : 1); i++) {
			const struct snode *t = x->k == SK_ARR ? x->v[i] : x;
			if (t->k != SK_STR)
				continue;
			for (unsigned k = 0; k < 7; k++)
				if (!strcmp(t->s, type_names[k])) {
					any = true;
					want |= 1u << k;
					if (type_ok(t->s, t->slen, v))
						match = true;
				}
		}
		if (any && !match) {
			struct buf w = BUF_INIT;
			for (unsigned k = 0; k < 7; k++)
				if (want & (1u << k))
					buf_addf(&w, "%s%s", w.len ? " or " : "", type_names[k]);
			add_leaf(&s, "got %s, want %s", doc_type_name(v), w.data);
			buf_release(&w);
			goto done;
		}
	}
	if (c->draft >= 6 && (x = get(sch, "const"))) {
		if (!equals(v, x)) {
			struct buf d = BUF_INIT;
			if (x->k == SK_ARR || x->k == SK_OBJ)
				buf_adds(&d, "'const' failed");
			else {
				buf_adds(&d, "value must be ");
				display_snode(&d, x);
			}
			add_leaf(&s, "%s", d.data);
			buf_release(&d);
			goto done;
		}
	}
	if ((x = get(sch, "enum")) && x->k == SK_ARR) {
		bool match = false, prim = true;
		for (size_t i = 0; i < x->n; i++) {
			if (x->v[i]->k == SK_ARR || x->v[i]->k == SK_OBJ)
				prim = false;
			if (!match && equals(v, x->v[i]))
				match = true;
		}
		if (!match) {
			struct buf d = BUF_INIT;
			if (!prim) {
				buf_adds(&d, "'enum' failed");
			} else if (x->n == 1) {
				buf_adds(&d, "value must be ");
				display_snode(&d, x->v[0]);
			} else {
				buf_adds(&d, "value must be one of ");
				for (size_t i = 0; i < x->n; i++) {
					if (i)
						buf_adds(&d, ", ");
					display_snode(&d, x->v[i]);
				}
			}
			add_leaf(&s, "%s", d.data);
			buf_release(&d);
			goto done;
		}
	}
	if (c->draft < 2019 && (x = get(sch, "format")) && x->k == SK_STR && json_is_string(v)) {
		for (size_t i = 0; i < sizeof formats / sizeof *formats; i++) {
			if (strcmp(formats[i].name, x->s))
				continue;
			char why[320];
			if (formats[i].check(json_string_value(v), why, sizeof why) < 0) {
				struct buf q = BUF_INIT;
				quote(&q, json_string_value(v), json_string_length(v));
				add_leaf(&s, "%s is not valid %s: %s", q.data, x->s, why);
				buf_release(&q);
				goto done;
			}
		}
	}
	if ((x = get(sch, "$ref")) && x->k == SK_STR) {
		const struct snode *t = resolve_ref(c, x->s);
		if (!t) {
			*ok = false;
			return NULL;
		}
		bool rok;
		struct frame f = { sch, v, up };
		struct verr *e = validate(c, t, v, at, want_errors, depth + 1, &f, &rok);
		if (!rok) {
			s.failed = true;
			if (want_errors && e) {
				struct verr *r = mkerr(c, E_REF, at, "validation failed");
				if (e->kind == E_GROUP) {
					r->causes = e->causes;
					r->ncauses = e->ncauses;
					e->causes = NULL;
					e->ncauses = 0;
					verr_free(e);
				} else {
					r->causes = xcalloc(1, sizeof *r->causes);
					r->causes[0] = e;
					r->ncauses = 1;
				}
				errs_add(&s.errs, r);
			} else {
				verr_free(e);
			}
		}
		if (c->draft < 2019)
			goto done;
	}
	if (json_is_object(v))
		check_object(&s);
	else if (json_is_array(v))
		check_array(&s);
	else if (json_is_string(v))
		check_string(&s);
	else if (json_is_number(v))
		check_number(&s);
	if (!s.failed || s.want)
		check_conditions(&s);
done:
	if (c->fatal[0]) {
		errs_free(&s.errs);
		*ok = false;
		return NULL;
	}
	*ok = !s.failed;
	if (!s.want || !s.failed) {
		errs_free(&s.errs);
		return NULL;
	}
	if (s.errs.n == 1) {
		struct verr *e = s.errs.v[0];
		free(s.errs.v);
		return e;
	}
	struct verr *g = mkerr(c, E_GROUP, at, "validation failed");
	g->causes = s.errs.v;
	g->ncauses = s.errs.n;
	return g;
}

/* The validator's error text: a cause under its error, indented. A $ref
 * error with a single cause is left out (its cause stands for it). */
static void display(struct buf *out, const struct verr *e, int indent)
{
	bool skip = e->kind == E_REF && e->ncauses == 1;
	if (!skip) {
		buf_addch(out, '\n');
		for (int i = 0; i < indent - 1; i++)
			buf_adds(out, "  ");
		buf_adds(out, "- at ");
		quote(out, e->at, strlen(e->at));
		buf_addf(out, ": %s", e->msg);
		indent++;
	}
	for (size_t i = 0; i < e->ncauses; i++)
		display(out, e->causes[i], indent);
}

/* One chart's schema against its values: 0, or the text Helm prints under
 * the chart's name (ending in a newline) in out. */
static int check_one(struct buf *out, const char *text, size_t len, const json_t *vals)
{
	char perr[200];
	struct arena a = { 0 };
	if (len > SCHEMA_MAX_SIZE) {
		buf_addf(out, "values.schema.json is %zu bytes, over the limit of %u", len, SCHEMA_MAX_SIZE);
		return -1;
	}
	struct snode *root = schema_read(&a, text, len, perr, sizeof perr);
	if (!root) {
		buf_adds(out, perr);
		arena_free(&a);
		return -1;
	}
	struct vctx c = { root, 2020, NULL, 0, 0, "" };
	const struct snode *ds = get(root, "$schema"), *id = get(root, "$id");
	if (ds && ds->k == SK_STR) {
		if (strstr(ds->s, "draft-04"))
			c.draft = 4;
		else if (strstr(ds->s, "draft-06"))
			c.draft = 6;
		else if (strstr(ds->s, "draft-07"))
			c.draft = 7;
		else if (strstr(ds->s, "2019-09"))
			c.draft = 2019;
	}
	if (c.draft == 4)
		id = get(root, "id");
	if (id && id->k == SK_STR) {
		size_t n = strcspn(id->s, "#");
		char *b = xstrndup(id->s, n);
		c.root_id = b;
	}
	json_t *empty = json_is_object(vals) ? NULL : json_object();
	bool ok;
	struct verr *e = validate(&c, root, empty ? empty : vals, "", true, 0, NULL, &ok);
	json_decref(empty);
	int rc = 0;
	if (c.fatal[0]) {
		buf_adds(out, c.fatal);
		rc = -1;
	} else if (!ok) {
		struct buf t = BUF_INIT;
		if (e && e->kind == E_GROUP)
			for (size_t i = 0; i < e->ncauses; i++)
				display(&t, e->causes[i], 1);
		else if (e)
			display(&t, e, 1);
		/* Helm cuts the validator's first line and ends with a newline */
		buf_add(out, t.data + (t.len && t.data[0] == '\n'), t.len - (t.len && t.data[0] == '\n'));
		buf_addch(out, '\n');
		buf_release(&t);
		rc = -1;
	}
	verr_free(e);
	free((char *)c.root_id);
	arena_free(&a);
	return rc;
}

static void check_chart(struct buf *out, const struct hchart *c, const json_t *vals, int depth)
{
	if (depth > HELM_MAX_CHART_DEPTH)
		return;
	if (c->schema) {
		struct buf e = BUF_INIT;
		if (check_one(&e, c->schema, c->schema_len, vals) < 0)
			buf_addf(out, "%s:\n%s", hchart_name(c), e.data);
		buf_release(&e);
	}
	for (size_t i = 0; i < c->ndeps; i++)
		check_chart(out, c->deps[i], json_object_get(vals, hchart_name(c->deps[i])), depth + 1);
}

int hschema_validate(const struct hchart *c, const json_t *vals, struct berr *err)
{
	struct buf out = BUF_INIT;
	check_chart(&out, c, vals, 0);
	int rc = 0;
	while (out.len && out.data[out.len - 1] == '\n')
		buf_truncate(&out, out.len - 1);
	if (out.len)
		rc = berr_set(err, BERR_INVALID,
			      "values don't meet the specifications of the schema(s) in the following chart(s):\n%s",
			      out.data);
	buf_release(&out);
	return rc;
}
