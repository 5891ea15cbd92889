/*
 * toml.c — TOML 1.0 text into template values, for Helm's fromToml (which
 * decodes with BurntSushi/toml into map[string]interface{}): tables and
 * dotted keys become maps, arrays of tables lists of maps, integers int64
 * (decimal, 0x, 0o, 0b, with `_`), floats float64 (inf, nan), strings of
 * all four kinds with their escapes, booleans, arrays and inline tables.
 * An offset date-time becomes a time value in UTC; local dates and times,
 * which Go keeps in a zone of their own, are given as their text. Errors
 * name the line; nesting and sizes are bounded.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "repo-server/helm/internal.h"
#include "repo-server/sprig/sprig.h"
#include "repo-server/template/gofmt.h"

#define TOML_MAX_NEST 100

struct tp {
	const char *s, *end;
	const char *p;
	struct tv_arena *a;
	char *err;
	size_t errlen;
	int depth;
	tv *defined;            /* tables opened by a header, by identity */
};

static int toml_fail(struct tp *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int toml_fail(struct tp *t, const char *fmt, ...)
{
	int line = 1;
	for (const char *q = t->s; q < t->p && q < t->end; q++)
		line += *q == '\n';
	char msg[200];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	snprintf(t->err, t->errlen, "toml: line %d: %s", line, msg);
	return -1;
}

/* TOML integers decode to Go's int64 */
static tv *toml_int64_of(struct tv_arena *a, int64_t v)
{
	tv *x = tv_int(a, v);
	x->int_type = "int64";
	return x;
}

static void toml_skip_ws(struct tp *t)
{
	while (t->p < t->end && (*t->p == ' ' || *t->p == '\t'))
		t->p++;
}

/* whitespace, comments and newlines */
static void toml_skip_all(struct tp *t)
{
	for (;;) {
		toml_skip_ws(t);
		if (t->p < t->end && *t->p == '#') {
			while (t->p < t->end && *t->p != '\n')
				t->p++;
		}
		if (t->p < t->end && (*t->p == '\n' || (*t->p == '\r' && t->p + 1 < t->end && t->p[1] == '\n'))) {
			t->p += *t->p == '\r' ? 2 : 1;
			continue;
		}
		return;
	}
}

static int toml_end_of_line(struct tp *t)
{
	toml_skip_ws(t);
	if (t->p < t->end && *t->p == '#')
		while (t->p < t->end && *t->p != '\n')
			t->p++;
	if (t->p < t->end && *t->p == '\r')
		t->p++;
	if (t->p < t->end && *t->p != '\n')
		return toml_fail(t, "expected a newline after the value, found '%c'", *t->p);
	if (t->p < t->end)
		t->p++;
	return 0;
}

static int toml_hexn(const char *s, int n, uint32_t *out)
{
	uint32_t v = 0;
	for (int i = 0; i < n; i++) {
		int c = (unsigned char)s[i];
		if (!isxdigit(c))
			return -1;
		v = v * 16 + (uint32_t)(isdigit(c) ? c - '0' : tolower(c) - 'a' + 10);
	}
	*out = v;
	return 0;
}

static int toml_read_string(struct tp *t, struct buf *b)
{
	buf_reset(b);
	char q = *t->p;
	bool multi = t->end - t->p >= 3 && t->p[1] == q && t->p[2] == q;
	t->p += multi ? 3 : 1;
	if (multi && t->p < t->end && *t->p == '\n')
		t->p++;
	else if (multi && t->end - t->p >= 2 && t->p[0] == '\r' && t->p[1] == '\n')
		t->p += 2;
	for (;;) {
		if (t->p >= t->end)
			return toml_fail(t, "unterminated string");
		char c = *t->p;
		if (c == q) {
			if (!multi) {
				t->p++;
				return 0;
			}
			if (t->end - t->p >= 3 && t->p[1] == q && t->p[2] == q) {
				/* up to two quotes may close the content */
				size_t extra = 0;
				while (extra < 2 && t->end - t->p > 3 + (long)extra && t->p[3 + extra] == q)
					extra++;
				buf_add(b, t->p, extra);
				t->p += 3 + extra;
				return 0;
			}
		}
		if (c == '\n' && !multi)
			return toml_fail(t, "newline in a string");
		if ((unsigned char)c < 0x20 && c != '\t' && c != '\n' && c != '\r')
			return toml_fail(t, "control character in a string");
		if (c == '\\' && q == '"') {
			t->p++;
			if (t->p >= t->end)
				return toml_fail(t, "unterminated string");
			char e = *t->p++;
			uint32_t r;
			switch (e) {
			case 'b': buf_addch(b, '\b'); break;
			case 't': buf_addch(b, '\t'); break;
			case 'n': buf_addch(b, '\n'); break;
			case 'f': buf_addch(b, '\f'); break;
			case 'r': buf_addch(b, '\r'); break;
			case '"': buf_addch(b, '"'); break;
			case '\\': buf_addch(b, '\\'); break;
			case 'u':
			case 'U': {
				int n = e == 'u' ? 4 : 8;
				if (t->end - t->p < n || toml_hexn(t->p, n, &r) < 0 || r > 0x10ffff ||
				    (r >= 0xd800 && r < 0xe000))
					return toml_fail(t, "invalid unicode escape");
				t->p += n;
				gofmt_utf8_encode(b, r);
				break;
			}
			default:
				if (multi && (e == ' ' || e == '\t' || e == '\n' || e == '\r')) {
					/* a line-ending backslash trims the whitespace after it */
					const char *q2 = t->p - 1;
					while (q2 < t->end && (*q2 == ' ' || *q2 == '\t'))
						q2++;
					if (q2 >= t->end || (*q2 != '\n' && *q2 != '\r'))
						return toml_fail(t, "invalid escape '\\%c'", e);
					while (q2 < t->end && (*q2 == ' ' || *q2 == '\t' || *q2 == '\n' || *q2 == '\r'))
						q2++;
					t->p = q2;
					break;
				}
				return toml_fail(t, "invalid escape '\\%c'", e);
			}
			continue;
		}
		buf_addch(b, c);
		t->p++;
	}
}

static int toml_read_key_part(struct tp *t, struct buf *b)
{
	toml_skip_ws(t);
	if (t->p < t->end && (*t->p == '"' || *t->p == '\'')) {
		if (t->end - t->p >= 3 && t->p[1] == *t->p && t->p[2] == *t->p)
			return toml_fail(t, "a key cannot be a multi-line string");
		return toml_read_string(t, b);
	}
	buf_reset(b);
	while (t->p < t->end && (isalnum((unsigned char)*t->p) || *t->p == '_' || *t->p == '-'))
		buf_addch(b, *t->p++);
	if (!b->len)
		return toml_fail(t, "expected a key");
	return 0;
}

static void toml_free_key(char **parts, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(parts[i]);
	free(parts);
}

/* a.b."c d" into parts */
static int toml_read_key(struct tp *t, char ***parts, size_t *n)
{
	*parts = NULL;
	*n = 0;
	struct buf b = BUF_INIT;
	for (;;) {
		if (toml_read_key_part(t, &b) < 0) {
			buf_release(&b);
			toml_free_key(*parts, *n);
			*parts = NULL;
			*n = 0;
			return -1;
		}
		*parts = xrealloc(*parts, (*n + 1) * sizeof **parts);
		(*parts)[(*n)++] = xstrndup(b.data, b.len);
		toml_skip_ws(t);
		if (t->p < t->end && *t->p == '.') {
			t->p++;
			continue;
		}
		break;
	}
	buf_release(&b);
	return 0;
}

static tv *toml_read_value(struct tp *t);

static bool toml_digits_ok(const char *s, size_t n, int base)
{
	if (!n || s[0] == '_' || s[n - 1] == '_')
		return false;
	for (size_t i = 0; i < n; i++) {
		int c = (unsigned char)s[i];
		if (c == '_') {
			if (s[i + 1] == '_')
				return false;
			continue;
		}
		if (base == 16 ? !isxdigit(c) : base == 8 ? !(c >= '0' && c <= '7') :
		    base == 2 ? !(c == '0' || c == '1') : !isdigit(c))
			return false;
	}
	return true;
}

static tv *toml_read_number_or_date(struct tp *t)
{
	const char *st = t->p;
	while (t->p < t->end && !strchr(" \t\r\n,]}#", *t->p))
		t->p++;
	/* a date-time may have a space between date and time */
	if (t->p - st == 10 && st[4] == '-' && t->end - t->p > 3 && *t->p == ' ' && isdigit((unsigned char)t->p[1])) {
		t->p++;
		while (t->p < t->end && !strchr(" \t\r\n,]}#", *t->p))
			t->p++;
	}
	size_t n = (size_t)(t->p - st);
	char w[128];
	if (n >= sizeof w) {
		toml_fail(t, "value too long");
		return NULL;
	}
	memcpy(w, st, n);
	w[n] = 0;
	if (!strcmp(w, "true"))
		return tv_bool(true);
	if (!strcmp(w, "false"))
		return tv_bool(false);
	if (!strcmp(w, "inf") || !strcmp(w, "+inf"))
		return tv_float(t->a, INFINITY);
	if (!strcmp(w, "-inf"))
		return tv_float(t->a, -INFINITY);
	if (!strcmp(w, "nan") || !strcmp(w, "+nan") || !strcmp(w, "-nan"))
		return tv_float(t->a, NAN);
	/* dates and times */
	if ((n >= 10 && isdigit((unsigned char)w[0]) && w[4] == '-' && w[7] == '-') ||
	    (n >= 8 && w[2] == ':' && w[5] == ':')) {
		struct tm tm = { 0 };
		int y, mo, d, h, mi, s;
		char sep;
		int used = 0;
		if (sscanf(w, "%4d-%2d-%2d%c%2d:%2d:%2d%n", &y, &mo, &d, &sep, &h, &mi, &s, &used) == 7 &&
		    (sep == 'T' || sep == 't' || sep == ' ')) {
			const char *r = w + used;
			long nsec = 0;
			if (*r == '.') {
				long scale = 100000000;
				for (r++; isdigit((unsigned char)*r); r++, scale /= 10)
					nsec += scale > 0 ? (*r - '0') * scale : 0;
			}
			if (!strcmp(r, "Z") || !strcmp(r, "z") || !strcmp(r, "+00:00") || !strcmp(r, "-00:00")) {
				tm.tm_year = y - 1900;
				tm.tm_mon = mo - 1;
				tm.tm_mday = d;
				tm.tm_hour = h;
				tm.tm_min = mi;
				tm.tm_sec = s;
				return sprig_time(t->a, (int64_t)timegm(&tm), (int32_t)nsec, "UTC");
			}
		}
		return tv_strn(t->a, w, n);
	}
	const char *d = w + (w[0] == '+' || w[0] == '-');
	if (d[0] == '0' && (d[1] == 'x' || d[1] == 'o' || d[1] == 'b')) {
		int base = d[1] == 'x' ? 16 : d[1] == 'o' ? 8 : 2;
		if (d != w || !toml_digits_ok(d + 2, strlen(d + 2), base)) {
			toml_fail(t, "invalid number '%s'", w);
			return NULL;
		}
		char clean[128];
		size_t k = 0;
		for (const char *q = d + 2; *q; q++)
			if (*q != '_')
				clean[k++] = *q;
		clean[k] = 0;
		errno = 0;
		unsigned long long v = strtoull(clean, NULL, base);
		if (errno || v > INT64_MAX) {
			toml_fail(t, "number '%s' out of range", w);
			return NULL;
		}
		return toml_int64_of(t->a, (int64_t)v);
	}
	bool is_float = strpbrk(d, ".eE") != NULL;
	char clean[128];
	size_t k = 0;
	for (const char *q = w; *q; q++) {
		if (*q == '_') {
			if (q == w || !isdigit((unsigned char)q[-1]) || !isdigit((unsigned char)q[1])) {
				toml_fail(t, "invalid number '%s'", w);
				return NULL;
			}
			continue;
		}
		clean[k++] = *q;
	}
	clean[k] = 0;
	const char *cd = clean + (clean[0] == '+' || clean[0] == '-');
	if (!*cd || !isdigit((unsigned char)cd[0]) || (cd[0] == '0' && isdigit((unsigned char)cd[1]))) {
		toml_fail(t, "invalid value '%s'", w);
		return NULL;
	}
	char *endp;
	errno = 0;
	if (is_float) {
		const char *dot = strchr(cd, '.');
		if (dot && (!isdigit((unsigned char)dot[1]) || !isdigit((unsigned char)dot[-1]))) {
			toml_fail(t, "invalid float '%s'", w);
			return NULL;
		}
		double f = strtod(clean, &endp);
		if (*endp) {
			toml_fail(t, "invalid float '%s'", w);
			return NULL;
		}
		return tv_float(t->a, f);
	}
	long long v = strtoll(clean, &endp, 10);
	if (*endp || errno) {
		toml_fail(t, "invalid integer '%s'", w);
		return NULL;
	}
	return toml_int64_of(t->a, v);
}

/* Finds or makes the map at path under root; `last_is_array` takes the
 * last element of an array of tables. */
static tv *toml_descend(struct tp *t, tv *m, const char *part, bool make_map)
{
	tv *x = tv_map_get(m, part);
	if (!x) {
		if (!make_map)
			return NULL;
		x = tv_map(t->a);
		tv_map_set(t->a, m, part, x);
		return x;
	}
	if (x->kind == TV_LIST && x->u.list.len && x->u.list.items[x->u.list.len - 1]->kind == TV_MAP &&
	    x->u.list.go_type && !strcmp(x->u.list.go_type, "[]map[string]interface {}"))
		return x->u.list.items[x->u.list.len - 1];
	if (x->kind != TV_MAP) {
		toml_fail(t, "key '%s' is already a value", part);
		return NULL;
	}
	return x;
}

static int toml_set_kv(struct tp *t, tv *table, char **parts, size_t n, tv *v)
{
	tv *m = table;
	for (size_t i = 0; i + 1 < n; i++) {
		m = toml_descend(t, m, parts[i], true);
		if (!m)
			return -1;
	}
	if (tv_map_get(m, parts[n - 1]))
		return toml_fail(t, "key '%s' is defined twice", parts[n - 1]);
	tv_map_set(t->a, m, parts[n - 1], v);
	return 0;
}

static tv *toml_read_inline_table(struct tp *t)
{
	tv *m = tv_map(t->a);
	t->p++;
	toml_skip_ws(t);
	if (t->p < t->end && *t->p == '}') {
		t->p++;
		return m;
	}
	for (;;) {
		char **parts;
		size_t n;
		if (toml_read_key(t, &parts, &n) < 0)
			return NULL;
		toml_skip_ws(t);
		if (t->p >= t->end || *t->p != '=') {
			toml_free_key(parts, n);
			toml_fail(t, "expected '=' after a key");
			return NULL;
		}
		t->p++;
		tv *v = toml_read_value(t);
		int rc = v ? toml_set_kv(t, m, parts, n, v) : -1;
		toml_free_key(parts, n);
		if (rc < 0)
			return NULL;
		toml_skip_ws(t);
		if (t->p < t->end && *t->p == ',') {
			t->p++;
			continue;
		}
		if (t->p < t->end && *t->p == '}') {
			t->p++;
			return m;
		}
		toml_fail(t, "expected ',' or '}' in an inline table");
		return NULL;
	}
}

static tv *toml_read_array(struct tp *t)
{
	tv *l = tv_list(t->a, 0);
	t->p++;
	for (;;) {
		toml_skip_all(t);
		if (t->p < t->end && *t->p == ']') {
			t->p++;
			return l;
		}
		tv *v = toml_read_value(t);
		if (!v)
			return NULL;
		tv_list_push(t->a, l, v);
		toml_skip_all(t);
		if (t->p < t->end && *t->p == ',') {
			t->p++;
			continue;
		}
		if (t->p < t->end && *t->p == ']') {
			t->p++;
			return l;
		}
		toml_fail(t, "expected ',' or ']' in an array");
		return NULL;
	}
}

static tv *toml_read_value(struct tp *t)
{
	if (++t->depth > TOML_MAX_NEST) {
		toml_fail(t, "nested too deeply");
		return NULL;
	}
	toml_skip_ws(t);
	tv *v = NULL;
	if (t->p >= t->end || *t->p == '\n') {
		toml_fail(t, "expected a value");
	} else if (*t->p == '"' || *t->p == '\'') {
		struct buf b = BUF_INIT;
		if (toml_read_string(t, &b) == 0)
			v = tv_strn(t->a, b.data, b.len);
		buf_release(&b);
	} else if (*t->p == '[') {
		v = toml_read_array(t);
	} else if (*t->p == '{') {
		v = toml_read_inline_table(t);
	} else {
		v = toml_read_number_or_date(t);
	}
	t->depth--;
	return v;
}

int htoml_parse(struct tv_arena *a, tv **out, const char *text, size_t len, char *err, size_t errlen)
{
	struct tp t = { text, text + len, text, a, err, errlen, 0, NULL };
	tv *root = tv_map(a), *cur = root;
	struct buf seen = BUF_INIT;     /* "\nTABLE/NAME\n..." headers seen */
	buf_addch(&seen, '\n');
	int rc = 0;
	for (;;) {
		toml_skip_all(&t);
		if (t.p >= t.end)
			break;
		if (*t.p == '[') {
			bool arr = t.end - t.p > 1 && t.p[1] == '[';
			t.p += arr ? 2 : 1;
			char **parts;
			size_t n;
			if ((rc = toml_read_key(&t, &parts, &n)) < 0)
				break;
			toml_skip_ws(&t);
			if (t.p >= t.end || *t.p != ']' || (arr && (t.end - t.p < 2 || t.p[1] != ']'))) {
				toml_free_key(parts, n);
				rc = toml_fail(&t, "expected ']' after a table name");
				break;
			}
			t.p += arr ? 2 : 1;
			tv *m = root;
			for (size_t i = 0; i + 1 < n && m; i++)
				m = toml_descend(&t, m, parts[i], true);
			if (!m) {
				toml_free_key(parts, n);
				rc = -1;
				break;
			}
			const char *last = parts[n - 1];
			tv *x = tv_map_get(m, last);
			if (arr) {
				if (!x) {
					x = tv_list(a, 0);
					x->u.list.go_type = "[]map[string]interface {}";
					tv_map_set(a, m, last, x);
				} else if (x->kind != TV_LIST || !x->u.list.go_type) {
					rc = toml_fail(&t, "key '%s' is not an array of tables", last);
					toml_free_key(parts, n);
					break;
				}
				cur = tv_map(a);
				tv_list_push(a, x, cur);
			} else {
				struct buf name = BUF_INIT;
				buf_addf(&name, "\n%p/%s\n", (void *)m, last);
				bool dup = strstr(seen.data, name.data) != NULL;
				buf_add(&seen, name.data + 1, name.len - 1);
				buf_release(&name);
				if (dup || (x && x->kind != TV_MAP)) {
					rc = toml_fail(&t, "table '%s' is defined twice", last);
					toml_free_key(parts, n);
					break;
				}
				if (!x) {
					x = tv_map(a);
					tv_map_set(a, m, last, x);
				}
				cur = x;
			}
			toml_free_key(parts, n);
			if ((rc = toml_end_of_line(&t)) < 0)
				break;
			continue;
		}
		char **parts;
		size_t n;
		if ((rc = toml_read_key(&t, &parts, &n)) < 0)
			break;
		toml_skip_ws(&t);
		if (t.p >= t.end || *t.p != '=') {
			toml_free_key(parts, n);
			rc = toml_fail(&t, "expected '=' after a key");
			break;
		}
		t.p++;
		tv *v = toml_read_value(&t);
		rc = v ? toml_set_kv(&t, cur, parts, n, v) : -1;
		toml_free_key(parts, n);
		if (rc < 0 || (rc = toml_end_of_line(&t)) < 0)
			break;
	}
	buf_release(&seen);
	if (rc < 0)
		return -1;
	*out = root;
	return 0;
}
