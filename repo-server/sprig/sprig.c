/*
 * sprig.c — registration of every Sprig function and the helpers the
 * function files share (argument checks, cast-style conversions, strval,
 * empty, strslice, Go's JSON encoding).
 *
 * Each family of functions lives in its own file with a table of
 * {name, function}; sprig_register() walks the tables. A function is found
 * by its name in its family's file.
 */
#include "repo-server/sprig/sprig-internal.h"

#include <errno.h>
#include <pthread.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct sprig_entry *const tables[] = {
	sprig_strings_funcs, sprig_lists_funcs, sprig_math_funcs, sprig_misc_funcs,
	sprig_regex_funcs, sprig_semver_funcs, sprig_date_funcs, sprig_crypto_funcs,
	sprig_cert_funcs, sprig_bcrypt_funcs,
};

/* Every family's table merged once, sorted by name (a later family's
 * entry wins a name), so registering on a set is a copy. */
static struct tmpl_func_def merged[512];
static size_t nmerged;
static pthread_once_t merged_once = PTHREAD_ONCE_INIT;

struct seq_def {
	struct tmpl_func_def d;
	size_t seq;
};

static int cmp_seq_def(const void *a, const void *b)
{
	const struct seq_def *x = a, *y = b;
	int c = strcmp(x->d.name, y->d.name);
	return c ? c : (x->seq > y->seq) - (x->seq < y->seq);
}

static void merge_tables(void)
{
	static struct seq_def all[512];
	size_t n = 0;
	for (size_t t = 0; t < sizeof(tables) / sizeof(tables[0]); t++)
		for (const struct sprig_entry *e = tables[t]; e->name; e++) {
			if (n == sizeof(all) / sizeof(all[0]))
				abort();        /* the tables outgrew the array */
			all[n] = (struct seq_def){ { e->name, e->fn }, n };
			n++;
		}
	qsort(all, n, sizeof(*all), cmp_seq_def);
	for (size_t i = 0; i < n; i++) {
		if (nmerged && !strcmp(merged[nmerged - 1].name, all[i].d.name))
			nmerged--;
		merged[nmerged++] = all[i].d;
	}
}

void sprig_register(struct tmpl_set *set)
{
	pthread_once(&merged_once, merge_tables);
	tmpl_set_funcs(set, merged, nmerged, NULL);
}

int sprig_arity(const char *name, size_t n, size_t min, size_t max, struct berr *err)
{
	if (n >= min && n <= max)
		return 0;
	if (max == SIZE_MAX)
		return berr_set(err, BERR_INVALID, "wrong number of args for %s: want at least %zu got %zu",
				name, min, n);
	return berr_set(err, BERR_INVALID, "wrong number of args for %s: want %zu got %zu",
			name, n < min ? min : max, n);
}

static int wrong_type(const tv *v, const char *want, struct berr *err)
{
	if (v->kind == TV_NIL)
		return berr_set(err, BERR_INVALID, "invalid value; expected %s", want);
	return berr_set(err, BERR_INVALID, "wrong type for value; expected %s; got %s", want,
			tv_type_name(v));
}

int sprig_str(const tv *v, const char **s, size_t *len, struct berr *err)
{
	if (v->kind != TV_STRING)
		return wrong_type(v, "string", err);
	*s = v->u.str.s;
	if (len)
		*len = v->u.str.len;
	return 0;
}

int sprig_int(const tv *v, int64_t *i, struct berr *err)
{
	if (v->kind != TV_INT)
		return wrong_type(v, "int", err);
	*i = v->u.i;
	return 0;
}

int sprig_bool(const tv *v, bool *b, struct berr *err)
{
	if (v->kind != TV_BOOL)
		return wrong_type(v, "bool", err);
	*b = v->u.b;
	return 0;
}

int sprig_map(const tv *v, struct berr *err)
{
	if (v->kind != TV_MAP)
		return wrong_type(v, "map[string]interface {}", err);
	return 0;
}

void sprig_strval(struct buf *out, const tv *v)
{
	if (v->kind == TV_STRING)
		buf_add(out, v->u.str.s, v->u.str.len);
	else if (v->kind != TV_NIL)
		gofmt_value(out, v, 0);
	else
		buf_adds(out, "<nil>");
}

tv *sprig_strval_tv(struct tv_arena *a, tv *v)
{
	if (v->kind == TV_STRING)
		return v;
	struct buf b = BUF_INIT;
	sprig_strval(&b, v);
	return tv_str_buf(a, &b);
}

/* cast's trimZeroDecimal: "12.000" reads as "12". */
static void trim_zero_decimal(char *s)
{
	char *dot = strchr(s, '.');
	if (!dot || dot == s)
		return;
	for (char *c = dot + 1; *c; c++)
		if (*c != '0')
			return;
	*dot = '\0';
}

int64_t sprig_to_int64(const tv *v)
{
	switch (v->kind) {
	case TV_INT: return v->u.i;
	case TV_FLOAT:
		if (isnan(v->u.f))
			return INT64_MIN;
		if (v->u.f >= 9.2233720368547758e18 || v->u.f < -9.2233720368547758e18)
			return INT64_MIN;
		return (int64_t)v->u.f;
	case TV_BOOL: return v->u.b ? 1 : 0;
	case TV_STRING: {
		char *s = xstrndup(v->u.str.s, v->u.str.len);
		trim_zero_decimal(s);
		const char *p = s;
		bool neg = false;
		if (*p == '+' || *p == '-')
			neg = *p++ == '-';
		int base = 10;
		if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
			base = 16; p += 2;
		} else if (p[0] == '0' && (p[1] == 'b' || p[1] == 'B')) {
			base = 2; p += 2;
		} else if (p[0] == '0' && (p[1] == 'o' || p[1] == 'O')) {
			base = 8; p += 2;
		} else if (p[0] == '0' && p[1]) {
			base = 8; p += 1;
		}
		char clean[128];
		size_t k = 0;
		for (; *p && k < sizeof(clean) - 1; p++)
			if (*p != '_' || base == 10)
				clean[k++] = *p;
		clean[k] = '\0';
		char *end;
		errno = 0;
		unsigned long long u = k ? strtoull(clean, &end, base) : 0;
		int64_t r = 0;
		if (k && !*end && clean[0] != '-' && clean[0] != '+' && errno == 0 &&
		    u <= (unsigned long long)INT64_MAX + (neg ? 1 : 0))
			r = neg ? (int64_t)(0 - u) : (int64_t)u;
		free(s);
		return r;
	}
	default:
		return 0;
	}
}

double sprig_to_float64(const tv *v)
{
	switch (v->kind) {
	case TV_INT: return (double)v->u.i;
	case TV_FLOAT: return v->u.f;
	case TV_BOOL: return v->u.b ? 1 : 0;
	case TV_STRING: {
		char *s = xstrndup(v->u.str.s, v->u.str.len);
		char *end;
		double f = strtod(s, &end);
		bool ok = *s && !*end && !strpbrk(s, " \t\n");
		free(s);
		return ok ? f : 0;
	}
	default:
		return 0;
	}
}

tv *sprig_int64(struct tv_arena *a, int64_t v)
{
	tv *t = tv_int(a, v);
	t->int_type = "int64";
	return t;
}

bool sprig_empty(const tv *v)
{
	if (v->kind == TV_OPAQUE)
		return false;
	return !tv_truth(v);
}

tv *sprig_string_list(struct tv_arena *a)
{
	tv *l = tv_list(a, 0);
	l->u.list.go_type = "[]string";
	return l;
}

tv *sprig_strslice(struct tv_arena *a, tv *v)
{
	if (v->kind == TV_LIST) {
		if (v->u.list.go_type && strcmp(v->u.list.go_type, "[]string") == 0)
			return v;
		tv *l = sprig_string_list(a);
		for (size_t i = 0; i < v->u.list.len; i++)
			if (v->u.list.items[i]->kind != TV_NIL)
				tv_list_push(a, l, sprig_strval_tv(a, v->u.list.items[i]));
		return l;
	}
	tv *l = sprig_string_list(a);
	if (v->kind != TV_NIL)
		tv_list_push(a, l, sprig_strval_tv(a, v));
	return l;
}

static void json_str_out(struct buf *out, const char *s, size_t n, bool html)
{
	static const char hex[] = "0123456789abcdef";
	buf_addch(out, '"');
	for (size_t i = 0; i < n;) {
		unsigned char c = (unsigned char)s[i];
		if (c < 0x80) {
			if (c == '"' || c == '\\') {
				buf_addch(out, '\\');
				buf_addch(out, (char)c);
			} else if (c == '\n') {
				buf_adds(out, "\\n");
			} else if (c == '\r') {
				buf_adds(out, "\\r");
			} else if (c == '\t') {
				buf_adds(out, "\\t");
			} else if (c < 0x20 || (html && (c == '<' || c == '>' || c == '&'))) {
				buf_adds(out, "\\u00");
				buf_addch(out, hex[c >> 4]);
				buf_addch(out, hex[c & 15]);
			} else {
				buf_addch(out, (char)c);
			}
			i++;
			continue;
		}
		uint32_t r;
		int w = gofmt_utf8_decode(s + i, n - i, &r);
		if (r == 0xFFFD && w == 1)
			buf_adds(out, "\\ufffd");
		else if (r == 0x2028 || r == 0x2029)
			buf_addf(out, "\\u%04x", r);
		else
			buf_add(out, s + i, (size_t)w);
		i += (size_t)w;
	}
	buf_addch(out, '"');
}

static void json_float(struct buf *out, double f)
{
	double a = fabs(f);
	if (a != 0 && (a < 1e-6 || a >= 1e21)) {
		struct buf t = BUF_INIT;
		gofmt_float_shortest(&t, f, 'e');
		/* Go writes e-07 as e-7 */
		char *e = strchr(t.data, 'e');
		if (e && e[1] == '-' && e[2] == '0' && e[3]) {
			buf_add(out, t.data, (size_t)(e - t.data) + 2);
			buf_adds(out, e + 3);
		} else {
			buf_add(out, t.data, t.len);
		}
		buf_release(&t);
	} else {
		gofmt_float_shortest(out, f, 'f');
	}
}

static void json_newline(struct buf *out, const char *indent, int depth)
{
	buf_addch(out, '\n');
	for (int d = 0; d < depth; d++)
		buf_adds(out, indent);
}

/* An opaque value's JSON (a Go struct's), members in their own order as
 * encoding/json writes a struct's fields. */
static int json_ordered(struct buf *out, const json_t *j, bool html, const char *indent, int depth,
			struct berr *err)
{
	if (depth > SPRIG_MAX_DEPTH)
		return berr_set(err, BERR_LIMIT, "json: value nested too deeply");
	switch (json_typeof(j)) {
	case JSON_OBJECT:
	case JSON_ARRAY: {
		bool map = json_is_object(j);
		size_t n = map ? json_object_size(j) : json_array_size(j), i = 0;
		buf_addch(out, map ? '{' : '[');
		void *it = map ? json_object_iter((json_t *)j) : NULL;
		for (i = 0; i < n; i++) {
			if (i)
				buf_addch(out, ',');
			if (indent)
				json_newline(out, indent, depth + 1);
			const json_t *e;
			if (map) {
				const char *k = json_object_iter_key(it);
				json_str_out(out, k, strlen(k), html);
				buf_adds(out, indent ? ": " : ":");
				e = json_object_iter_value(it);
				it = json_object_iter_next((json_t *)j, it);
			} else {
				e = json_array_get(j, i);
			}
			if (json_ordered(out, e, html, indent, depth + 1, err) < 0)
				return err->code;
		}
		if (indent && n)
			json_newline(out, indent, depth);
		buf_addch(out, map ? '}' : ']');
		return 0;
	}
	case JSON_STRING:
		json_str_out(out, json_string_value(j), json_string_length(j), html);
		return 0;
	case JSON_INTEGER:
		buf_addf(out, "%lld", (long long)json_integer_value(j));
		return 0;
	case JSON_REAL:
		json_float(out, json_real_value(j));
		return 0;
	case JSON_TRUE: buf_adds(out, "true"); return 0;
	case JSON_FALSE: buf_adds(out, "false"); return 0;
	default: buf_adds(out, "null"); return 0;
	}
}

static int json_value(struct buf *out, const tv *v, bool html, const char *indent,
		      int depth, struct berr *err)
{
	if (depth > SPRIG_MAX_DEPTH)
		return berr_set(err, BERR_LIMIT, "json: value nested too deeply");
	switch (v->kind) {
	case TV_NIL: buf_adds(out, "null"); return 0;
	case TV_BOOL: buf_adds(out, v->u.b ? "true" : "false"); return 0;
	case TV_INT: buf_addf(out, "%lld", (long long)v->u.i); return 0;
	case TV_FLOAT:
		if (!isfinite(v->u.f)) {
			struct buf t = BUF_INIT;
			gofmt_float(&t, v->u.f);
			berr_set(err, BERR_INVALID, "json: unsupported value: %s", t.data);
			buf_release(&t);
			return err->code;
		}
		json_float(out, v->u.f);
		return 0;
	case TV_STRING: json_str_out(out, v->u.str.s, v->u.str.len, html); return 0;
	case TV_OPAQUE: {
		if (v->u.op.type->json) {
			json_t *j = v->u.op.type->json(v->u.op.p);
			int rc = json_ordered(out, j, html, indent, depth, err);
			json_decref(j);
			return rc;
		}
		struct buf t = BUF_INIT;
		if (v->u.op.type->format)
			v->u.op.type->format(&t, v->u.op.p);
		json_str_out(out, t.data, t.len, html);
		buf_release(&t);
		return 0;
	}
	case TV_LIST:
	case TV_MAP: {
		bool map = v->kind == TV_MAP;
		size_t len = map ? v->u.map.len : v->u.list.len;
		buf_addch(out, map ? '{' : '[');
		for (size_t i = 0; i < len; i++) {
			if (i)
				buf_addch(out, ',');
			if (indent) {
				buf_addch(out, '\n');
				for (int d = 0; d <= depth; d++)
					buf_adds(out, indent);
			}
			if (map) {
				json_str_out(out, v->u.map.e[i].key, v->u.map.e[i].klen, html);
				buf_adds(out, indent ? ": " : ":");
			}
			const tv *e = map ? v->u.map.e[i].val : v->u.list.items[i];
			if (json_value(out, e, html, indent, depth + 1, err) < 0)
				return err->code;
			if (out->len > (256u << 20))
				return berr_set(err, BERR_LIMIT, "json: output too large");
		}
		if (indent && len) {
			buf_addch(out, '\n');
			for (int d = 0; d < depth; d++)
				buf_adds(out, indent);
		}
		buf_addch(out, map ? '}' : ']');
		return 0;
	}
	}
	return 0;
}

int sprig_json_encode(struct buf *out, const tv *v, bool escape_html, const char *indent,
		      struct berr *err)
{
	return json_value(out, v, escape_html, indent, 0, err) < 0 ? -1 : 0;
}
