/*
 * yaml-read.c — YAML text to json_t, resolving scalars as Kubernetes does.
 *
 * The reader drives libyaml's event parser and builds the jansson tree
 * directly, one frame per open mapping or sequence, so no intermediate
 * document tree is built and a scalar value is copied once, into jansson.
 * Scalar resolution follows go-yaml v2's resolve() as sigs.k8s.io/yaml uses
 * it; mapping keys are resolved the same way and then turned into strings
 * the way sigs.k8s.io/yaml's YAML-to-JSON step does (ints in decimal, floats
 * in float32 shortest form, bools as "true"/"false"; null keys are refused).
 *
 * Anchors live in a small hash table per document. An alias to a collection
 * is expanded by deep copy, so the result is a plain tree that callers may
 * mutate; every alias adds the size of its anchor's subtree to a node count
 * before anything is copied, so an alias bomb stops at the limit having
 * copied at most that many nodes, and a document that is almost all aliases
 * is refused early (as go-yaml does: "excessive aliasing"). `<<` merge keys
 * are collected while a mapping is read and applied at its end: explicit
 * keys win, and among merged maps the earlier one wins.
 *
 * This file also holds the scalar resolver shared with the writer
 * (yaml_resolve_kind) and the Go timestamp and number syntax it needs.
 */
#include "base64.h"
#include "yaml.h"

#include <stdarg.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yaml.h>           /* libyaml (lib/ is only on the quoted include path) */

const struct yaml_limits yaml_default_limits = {
	.max_bytes = 64u << 20,
	.max_depth = 255,
	.max_nodes = 4u << 20,
};

#define TAG_PREFIX "tag:yaml.org,2002:"

/* --- scalar resolution (go-yaml v2 resolve.go) ------------------------ */

/* First-byte hints: 'S' sign, 'D' digit, 'M' in the word table, '.' dot. */
static const char hint_table[256] = {
	['+'] = 'S', ['-'] = 'S',
	['0'] = 'D', ['1'] = 'D', ['2'] = 'D', ['3'] = 'D', ['4'] = 'D',
	['5'] = 'D', ['6'] = 'D', ['7'] = 'D', ['8'] = 'D', ['9'] = 'D',
	['y'] = 'M', ['Y'] = 'M', ['n'] = 'M', ['N'] = 'M', ['t'] = 'M',
	['T'] = 'M', ['f'] = 'M', ['F'] = 'M', ['o'] = 'M', ['O'] = 'M',
	['~'] = 'M', ['.'] = '.',
};

struct word {
	const char *s;
	enum yaml_kind kind;
	int value;      /* bool value, or float: 1 +inf, -1 -inf, 0 nan */
};

static const struct word words[] = {
	{ "y", YAML_KIND_BOOL, 1 }, { "Y", YAML_KIND_BOOL, 1 },
	{ "yes", YAML_KIND_BOOL, 1 }, { "Yes", YAML_KIND_BOOL, 1 },
	{ "YES", YAML_KIND_BOOL, 1 },
	{ "true", YAML_KIND_BOOL, 1 }, { "True", YAML_KIND_BOOL, 1 },
	{ "TRUE", YAML_KIND_BOOL, 1 },
	{ "on", YAML_KIND_BOOL, 1 }, { "On", YAML_KIND_BOOL, 1 },
	{ "ON", YAML_KIND_BOOL, 1 },
	{ "n", YAML_KIND_BOOL, 0 }, { "N", YAML_KIND_BOOL, 0 },
	{ "no", YAML_KIND_BOOL, 0 }, { "No", YAML_KIND_BOOL, 0 },
	{ "NO", YAML_KIND_BOOL, 0 },
	{ "false", YAML_KIND_BOOL, 0 }, { "False", YAML_KIND_BOOL, 0 },
	{ "FALSE", YAML_KIND_BOOL, 0 },
	{ "off", YAML_KIND_BOOL, 0 }, { "Off", YAML_KIND_BOOL, 0 },
	{ "OFF", YAML_KIND_BOOL, 0 },
	{ "~", YAML_KIND_NULL, 0 }, { "null", YAML_KIND_NULL, 0 },
	{ "Null", YAML_KIND_NULL, 0 }, { "NULL", YAML_KIND_NULL, 0 },
	{ ".nan", YAML_KIND_FLOAT, 0 }, { ".NaN", YAML_KIND_FLOAT, 0 },
	{ ".NAN", YAML_KIND_FLOAT, 0 },
	{ ".inf", YAML_KIND_FLOAT, 1 }, { ".Inf", YAML_KIND_FLOAT, 1 },
	{ ".INF", YAML_KIND_FLOAT, 1 },
	{ "+.inf", YAML_KIND_FLOAT, 1 }, { "+.Inf", YAML_KIND_FLOAT, 1 },
	{ "+.INF", YAML_KIND_FLOAT, 1 },
	{ "-.inf", YAML_KIND_FLOAT, -1 }, { "-.Inf", YAML_KIND_FLOAT, -1 },
	{ "-.INF", YAML_KIND_FLOAT, -1 },
};

static const struct word *word_lookup(const char *s, size_t len)
{
	if (len > 5)
		return NULL;
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (words[i].s[0] == s[0] && strlen(words[i].s) == len &&
		    !memcmp(words[i].s, s, len))
			return &words[i];
	return NULL;
}

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* Go's time.getnum with fixed=false: one or two digits. */
static int ts_getnum(const char **p, const char *end, int *out)
{
	const char *s = *p;
	if (s >= end || !is_digit(s[0]))
		return -1;
	if (s + 1 >= end || !is_digit(s[1])) {
		*out = s[0] - '0';
		*p = s + 1;
		return 0;
	}
	*out = (s[0] - '0') * 10 + (s[1] - '0');
	*p = s + 2;
	return 0;
}

static int days_in(int month, int year)
{
	static const int days[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	if (month == 2 && year % 4 == 0 && (year % 100 != 0 || year % 400 == 0))
		return 29;
	return days[month - 1];
}

/*
 * go-yaml's parseTimestamp: time.Parse with "2006-1-2T15:4:5.999999999Z07:00"
 * (also with 't'), "2006-1-2 15:4:5.999999999" or "2006-1-2".
 */
static int is_timestamp(const char *s, size_t len)
{
	const char *p = s, *end = s + len;
	int year, month, day, hour, min, sec;

	if (len < 5 || !is_digit(s[0]) || !is_digit(s[1]) || !is_digit(s[2]) ||
	    !is_digit(s[3]) || s[4] != '-')
		return 0;
	year = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
	p += 5;
	if (ts_getnum(&p, end, &month) || month < 1 || month > 12)
		return 0;
	if (p >= end || *p++ != '-')
		return 0;
	if (ts_getnum(&p, end, &day) || day < 1 || day > days_in(month, year))
		return 0;
	if (p == end)
		return 1;
	char sep = *p++;
	if (sep != 'T' && sep != 't' && sep != ' ')
		return 0;
	if (ts_getnum(&p, end, &hour) || hour > 23)
		return 0;
	if (p >= end || *p++ != ':')
		return 0;
	if (ts_getnum(&p, end, &min) || min > 59)
		return 0;
	if (p >= end || *p++ != ':')
		return 0;
	if (ts_getnum(&p, end, &sec) || sec > 59)
		return 0;
	if (end - p >= 2 && (*p == '.' || *p == ',') && is_digit(p[1])) {
		p++;
		while (p < end && is_digit(*p))
			p++;
	}
	if (sep == ' ')
		return p == end;
	if (p < end && *p == 'Z')
		return p + 1 == end;
	if (end - p != 6 || (p[0] != '+' && p[0] != '-') || p[3] != ':' ||
	    !is_digit(p[1]) || !is_digit(p[2]) || !is_digit(p[4]) || !is_digit(p[5]))
		return 0;
	int hr = (p[1] - '0') * 10 + (p[2] - '0');
	int mm = (p[4] - '0') * 10 + (p[5] - '0');
	return hr <= 24 && mm <= 60;
}

/* go-yaml's yamlStyleFloat: ^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$ */
static int is_yaml_float(const char *s, size_t len)
{
	size_t i = 0;
	if (i < len && (s[i] == '+' || s[i] == '-'))
		i++;
	if (i < len && s[i] == '.') {
		i++;
		size_t d = i;
		while (i < len && is_digit(s[i]))
			i++;
		if (i == d)
			return 0;
	} else {
		size_t d = i;
		while (i < len && is_digit(s[i]))
			i++;
		if (i == d)
			return 0;
		if (i < len && s[i] == '.') {
			i++;
			while (i < len && is_digit(s[i]))
				i++;
		}
	}
	if (i < len && (s[i] == 'e' || s[i] == 'E')) {
		i++;
		if (i < len && (s[i] == '+' || s[i] == '-'))
			i++;
		size_t d = i;
		while (i < len && is_digit(s[i]))
			i++;
		if (i == d)
			return 0;
	}
	return i == len;
}

/* base60float: ^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$ */
static int is_base60_float(const char *s, size_t len)
{
	size_t i = 0;
	if (i < len && (s[i] == '+' || s[i] == '-'))
		i++;
	if (i >= len || !is_digit(s[i]))
		return 0;
	while (i < len && (is_digit(s[i]) || s[i] == '_'))
		i++;
	int groups = 0;
	while (i < len && s[i] == ':') {
		i++;
		size_t d = i;
		while (i < len && is_digit(s[i]))
			i++;
		if (i - d == 0 || i - d > 2 || (i - d == 2 && s[d] > '5'))
			return 0;
		groups++;
	}
	if (!groups)
		return 0;
	if (i < len && s[i] == '.') {
		i++;
		while (i < len && (is_digit(s[i]) || s[i] == '_'))
			i++;
	}
	return i == len;
}

/* A resolved scalar: kind and, for numbers and bools, the value. */
struct scalar {
	enum yaml_kind kind;
	int b;
	int64_t i;
	double f;       /* FLOAT, and UINT as the nearest double */
};

enum int_result { INT_SYNTAX, INT_RANGE, INT_OK };

/*
 * Go's strconv.ParseUint(s, 0, 64) on a string without underscores.
 * INT_RANGE is returned only when every character is a valid digit, which is
 * also exactly when big.Int's SetString(s, 0) would accept it.
 */
static enum int_result go_parse_uint(const char *s, size_t len, uint64_t *out, int *base_out)
{
	unsigned base = 10;
	size_t i = 0;
	if (len == 0)
		return INT_SYNTAX;
	if (s[0] == '0') {
		char c = len >= 3 ? (char)(s[1] | 0x20) : 0;
		if (c == 'b')
			base = 2, i = 2;
		else if (c == 'o')
			base = 8, i = 2;
		else if (c == 'x')
			base = 16, i = 2;
		else
			base = 8, i = 1;
	}
	*base_out = (int)base;
	uint64_t n = 0;
	int overflow = 0;
	for (; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		unsigned d;
		if (c >= '0' && c <= '9')
			d = c - '0';
		else if ((c | 0x20) >= 'a' && (c | 0x20) <= 'z')
			d = (unsigned)((c | 0x20) - 'a' + 10);
		else
			return INT_SYNTAX;
		if (d >= base)
			return INT_SYNTAX;
		if (overflow)
			continue;
		if (n > (UINT64_MAX - d) / base)
			overflow = 1;
		else
			n = n * base + d;
	}
	*out = n;
	return overflow ? INT_RANGE : INT_OK;
}

/* Value of a digit string in `base` (prefix already stripped), as a double. */
static double digits_to_double(const char *s, size_t len, int base)
{
	double v = 0;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		int d = c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;
		v = v * base + d;
	}
	return v;
}

/* strtod on a bounded string; fails on overflow like Go's ParseFloat. */
static int parse_double(const char *s, size_t len, double *out)
{
	char small[64];
	char *tmp = len < sizeof(small) ? small : xmalloc(len + 1);
	memcpy(tmp, s, len);
	tmp[len] = '\0';
	char *end;
	double v = strtod(tmp, &end);
	int ok = end == tmp + len && !isinf(v);
	if (tmp != small)
		free(tmp);
	*out = v;
	return ok ? 0 : -1;
}

/*
 * Resolves a plain scalar. `timestamps` says whether the timestamp forms are
 * tried (they are, except under an explicit non-timestamp tag).
 */
static enum yaml_kind resolve_plain(const char *s, size_t len, int timestamps,
				    struct scalar *out)
{
	memset(out, 0, sizeof(*out));
	if (len == 0)
		return out->kind = YAML_KIND_NULL;
	char hint = hint_table[(unsigned char)s[0]];
	if (!hint)
		return out->kind = YAML_KIND_STR;
	const struct word *w = word_lookup(s, len);
	if (w) {
		out->kind = w->kind;
		if (w->kind == YAML_KIND_BOOL)
			out->b = w->value;
		else if (w->kind == YAML_KIND_FLOAT)
			out->f = w->value ? w->value * INFINITY : NAN;
		return out->kind;
	}
	if (hint == 'M')
		return out->kind = YAML_KIND_STR;
	if (hint == '.') {
		if (is_yaml_float(s, len) && !parse_double(s, len, &out->f))
			return out->kind = YAML_KIND_FLOAT;
		return out->kind = YAML_KIND_STR;
	}

	if (timestamps && is_timestamp(s, len))
		return out->kind = YAML_KIND_TIMESTAMP;

	/* Underscores are dropped before any number parsing. */
	char small[64];
	char *plain = len < sizeof(small) ? small : xmalloc(len + 1);
	size_t n = 0;
	for (size_t i = 0; i < len; i++)
		if (s[i] != '_')
			plain[n++] = s[i];
	plain[n] = '\0';

	enum yaml_kind kind = YAML_KIND_STR;
	int neg = plain[0] == '-', sign = neg || plain[0] == '+';
	uint64_t u;
	int base;
	enum int_result r = go_parse_uint(plain + sign, n - sign, &u, &base);
	if (r == INT_OK && (!neg ? u <= INT64_MAX : u <= (uint64_t)INT64_MAX + 1)) {
		out->i = neg ? (int64_t)(0 - u) : (int64_t)u;
		kind = YAML_KIND_INT;
	} else if (r == INT_OK && !sign) {
		out->f = (double)u;
		kind = YAML_KIND_UINT;
	} else if (is_yaml_float(plain, n)) {
		if (!parse_double(plain, n, &out->f))
			kind = YAML_KIND_FLOAT;
	} else if (r == INT_RANGE && !sign) {
		/* big.Int: hex, octal or binary past uint64. */
		size_t skip = base == 10 ? 0 : base == 8 && (plain[1] | 0x20) != 'o' ? 1 : 2;
		out->f = digits_to_double(plain + skip, n - skip, base);
		kind = YAML_KIND_UINT;
	}
	if (plain != small)
		free(plain);
	return out->kind = kind;
}

enum yaml_kind yaml_resolve_kind(const char *s, size_t len)
{
	struct scalar sc;
	return resolve_plain(s, len, 1, &sc);
}

int yaml_string_needs_quotes(const char *s, size_t len)
{
	return yaml_resolve_kind(s, len) != YAML_KIND_STR || is_base60_float(s, len);
}

/* --- Go formatting of numbers ------------------------------------------ */

/*
 * strconv.FormatFloat(f, 'g', -1, bits): the shortest digits that read back
 * as the same float64 (or float32), printed as %e when the decimal exponent
 * is below -4 or at least 6 (Go's rule for the shortest form), else as %f.
 * The shortest digits are found by trying precisions upward; glibc's printf
 * rounds correctly, so the first that round-trips is the shortest.
 */
void yaml_format_float(char out[32], double f, int bits)
{
	if (isnan(f)) {
		strcpy(out, "NaN");
		return;
	}
	if (isinf(f)) {
		strcpy(out, f > 0 ? "+Inf" : "-Inf");
		return;
	}
	char tmp[40];
	for (int prec = 1; prec <= 17; prec++) {
		snprintf(tmp, sizeof(tmp), "%.*e", prec - 1, f);
		if (bits == 32 ? strtof(tmp, NULL) == (float)f : strtod(tmp, NULL) == f)
			break;
	}
	/* tmp is [-]d[.ddd]e[+-]xx */
	char digits[24];
	int nd = 0, neg = tmp[0] == '-';
	const char *p = tmp + neg;
	for (; *p && *p != 'e'; p++)
		if (*p != '.')
			digits[nd++] = *p;
	int exp = atoi(p + 1);
	while (nd > 1 && digits[nd - 1] == '0')
		nd--;
	if (nd == 1 && digits[0] == '0')
		nd = 0;
	int dp = nd ? exp + 1 : 0;      /* value is 0.digits x 10^dp */
	int x = dp - 1;
	char *o = out;
	if (neg)
		*o++ = '-';
	if (x < -4 || x >= 6) {
		*o++ = digits[0];
		if (nd > 1) {
			*o++ = '.';
			memcpy(o, digits + 1, (size_t)nd - 1);
			o += nd - 1;
		}
		*o++ = 'e';
		*o++ = x < 0 ? '-' : '+';
		int ax = x < 0 ? -x : x;
		sprintf(o, "%s%d", ax < 10 ? "0" : "", ax);
		return;
	}
	if (dp > 0) {
		for (int i = 0; i < dp; i++)
			*o++ = i < nd ? digits[i] : '0';
	} else {
		*o++ = '0';
	}
	if (nd > dp) {
		*o++ = '.';
		for (int i = dp; i < nd; i++)
			*o++ = i < 0 ? '0' : digits[i];
	}
	*o = '\0';
}

/* --- the reader ------------------------------------------------------- */

struct anchor {
	char *name;
	int done;               /* 0 while its node is still being read */
	int is_scalar;
	json_t *value;          /* collections: the finished tree */
	char *text;             /* scalars: the text, re-resolved at each use */
	size_t len;
	char *tag;
	int plain;
	size_t nodes;           /* nodes in the subtree, aliases expanded */
	size_t height;
};

struct frame {
	json_t *node;           /* object or array being filled */
	json_t *merges;         /* objects from `<<`, earliest first, or NULL */
	struct buf key;         /* pending key of a mapping */
	int have_key, key_is_merge;
	yaml_mark_t key_mark;
	long anchor;            /* anchor finished with this node, or -1 */
	size_t nodes_at_start;
	size_t height;
};

struct reader {
	yaml_parser_t parser;
	const char *name;
	const char *text;
	size_t len;
	struct yaml_limits lim;
	struct berr *err;
	int single;             /* yaml_read: one document only */

	struct frame *frames;
	size_t depth, frames_cap;

	struct anchor *anchors;
	size_t nanchors, anchors_cap;
	size_t *slots;          /* open-addressed: index + 1, 0 empty */
	size_t nslots;

	size_t nodes, aliased, stream_aliased;
	json_t *root;
	int ndocs;
};

static int fail(struct reader *r, int code, yaml_mark_t m, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int fail(struct reader *r, int code, yaml_mark_t m, const char *fmt, ...)
{
	char what[BERR_MSG_MAX];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	return berr_set(r->err, code, "%s:%zu:%zu: %s", r->name,
			m.line + 1, m.column + 1, what);
}

/* Quotes at most 40 bytes of a scalar for an error message. */
static const char *excerpt(char out[64], const char *s, size_t len)
{
	size_t n = len > 40 ? 40 : len;
	size_t o = 0;
	for (size_t i = 0; i < n; i++)
		out[o++] = (unsigned char)s[i] < 0x20 ? '?' : s[i];
	if (n < len)
		out[o++] = '.', out[o++] = '.', out[o++] = '.';
	out[o] = '\0';
	return out;
}

/* --- anchors --- */

static size_t hash_name(const char *s)
{
	size_t h = 1469598103934665603u;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211u;
	return h;
}

static long anchor_find(struct reader *r, const char *name)
{
	if (!r->nslots)
		return -1;
	for (size_t i = hash_name(name) & (r->nslots - 1);; i = (i + 1) & (r->nslots - 1)) {
		size_t v = r->slots[i];
		if (!v)
			return -1;
		if (!strcmp(r->anchors[v - 1].name, name))
			return (long)(v - 1);
	}
}

static void anchor_clear(struct anchor *a)
{
	json_decref(a->value);
	free(a->text);
	free(a->tag);
	a->value = NULL;
	a->text = a->tag = NULL;
}

/* Starts (or restarts) the anchor `name`; returns its index. */
static long anchor_begin(struct reader *r, const char *name)
{
	long idx = anchor_find(r, name);
	if (idx < 0) {
		if (r->nanchors * 2 >= r->nslots) {
			size_t n = r->nslots ? r->nslots * 2 : 16;
			free(r->slots);
			r->slots = xcalloc(n, sizeof(*r->slots));
			r->nslots = n;
			for (size_t k = 0; k < r->nanchors; k++) {
				size_t i = hash_name(r->anchors[k].name) & (n - 1);
				while (r->slots[i])
					i = (i + 1) & (n - 1);
				r->slots[i] = k + 1;
			}
		}
		if (r->nanchors == r->anchors_cap) {
			r->anchors_cap = r->anchors_cap ? r->anchors_cap * 2 : 16;
			r->anchors = xrealloc(r->anchors, r->anchors_cap * sizeof(*r->anchors));
		}
		idx = (long)r->nanchors++;
		memset(&r->anchors[idx], 0, sizeof(r->anchors[idx]));
		r->anchors[idx].name = xstrdup(name);
		size_t i = hash_name(name) & (r->nslots - 1);
		while (r->slots[i])
			i = (i + 1) & (r->nslots - 1);
		r->slots[i] = (size_t)idx + 1;
	}
	struct anchor *a = &r->anchors[idx];
	anchor_clear(a);
	a->done = 0;
	return idx;
}

/* Records an anchored scalar by its text; each alias resolves it afresh,
 * as a key or as a value. */
static void anchor_scalar(struct reader *r, const yaml_event_t *ev)
{
	long idx = anchor_begin(r, (const char *)ev->data.scalar.anchor);
	struct anchor *a = &r->anchors[idx];
	size_t len = ev->data.scalar.length;
	a->done = a->is_scalar = 1;
	a->text = xmalloc(len + 1);
	memcpy(a->text, ev->data.scalar.value, len);
	a->text[len] = '\0';
	a->len = len;
	a->tag = ev->data.scalar.tag ? xstrdup((const char *)ev->data.scalar.tag) : NULL;
	a->plain = ev->data.scalar.plain_implicit;
	a->nodes = 1;
	a->height = 0;
}

static void anchors_reset(struct reader *r)
{
	for (size_t k = 0; k < r->nanchors; k++) {
		anchor_clear(&r->anchors[k]);
		free(r->anchors[k].name);
	}
	r->nanchors = 0;
	if (r->slots)
		memset(r->slots, 0, r->nslots * sizeof(*r->slots));
}

/* --- scalars --- */

/* Length of the valid UTF-8 sequence at s (Go's rules), or 0 if invalid. */
static size_t utf8_seq(const unsigned char *s, size_t len)
{
	unsigned c = s[0];
	if (c < 0x80)
		return 1;
	size_t n;
	unsigned lo = 0x80, hi = 0xBF;
	if (c >= 0xC2 && c <= 0xDF)
		n = 2;
	else if (c >= 0xE0 && c <= 0xEF) {
		n = 3;
		if (c == 0xE0)
			lo = 0xA0;
		else if (c == 0xED)
			hi = 0x9F;
	} else if (c >= 0xF0 && c <= 0xF4) {
		n = 4;
		if (c == 0xF0)
			lo = 0x90;
		else if (c == 0xF4)
			hi = 0x8F;
	} else
		return 0;
	if (len < n || s[1] < lo || s[1] > hi)
		return 0;
	for (size_t i = 2; i < n; i++)
		if (s[i] < 0x80 || s[i] > 0xBF)
			return 0;
	return n;
}

/* Makes bytes valid UTF-8 as Go's json.Marshal does: U+FFFD per bad byte. */
static void utf8_sanitize(struct buf *out, const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	for (size_t i = 0; i < len;) {
		size_t n = utf8_seq(p + i, len - i);
		if (n) {
			buf_add(out, p + i, n);
			i += n;
		} else {
			buf_add(out, "\xEF\xBF\xBD", 3);
			i++;
		}
	}
}

static const char *short_kind(enum yaml_kind k)
{
	switch (k) {
	case YAML_KIND_NULL: return "!!null";
	case YAML_KIND_BOOL: return "!!bool";
	case YAML_KIND_INT: case YAML_KIND_UINT: return "!!int";
	case YAML_KIND_FLOAT: return "!!float";
	case YAML_KIND_TIMESTAMP: return "!!timestamp";
	default: return "!!str";
	}
}

/*
 * Resolves a scalar as go-yaml's decoder does. A binary scalar comes back as
 * YAML_KIND_STR with its decoded text in `bin`. Returns 0 or a BERR code.
 */
static int resolve_scalar(struct reader *r, yaml_mark_t m, const char *s, size_t len,
			  const char *tag, int plain, struct scalar *out, struct buf *bin,
			  int *is_bin)
{
	char ex[64];
	*is_bin = 0;
	if (!tag) {
		if (plain)
			resolve_plain(s, len, 1, out);
		else
			memset(out, 0, sizeof(*out));
		return 0;
	}
	if (strncmp(tag, TAG_PREFIX, sizeof(TAG_PREFIX) - 1)) {
		memset(out, 0, sizeof(*out));      /* "!" and local tags: string */
		return 0;
	}
	const char *t = tag + sizeof(TAG_PREFIX) - 1;
	enum yaml_kind want;
	if (!strcmp(t, "str")) {
		memset(out, 0, sizeof(*out));
		return 0;
	} else if (!strcmp(t, "binary")) {
		memset(out, 0, sizeof(*out));
		struct buf raw = BUF_INIT;
		if (b64_decode_padded(&raw, s, len, NULL) < 0) {
			buf_release(&raw);
			return fail(r, BERR_INVALID, m, "!!binary value contains invalid base64 data");
		}
		utf8_sanitize(bin, raw.data, raw.len);
		buf_release(&raw);
		*is_bin = 1;
		return 0;
	} else if (!strcmp(t, "null")) {
		want = YAML_KIND_NULL;
	} else if (!strcmp(t, "bool")) {
		want = YAML_KIND_BOOL;
	} else if (!strcmp(t, "int")) {
		want = YAML_KIND_INT;
	} else if (!strcmp(t, "float")) {
		want = YAML_KIND_FLOAT;
	} else if (!strcmp(t, "timestamp")) {
		want = YAML_KIND_TIMESTAMP;
	} else {
		memset(out, 0, sizeof(*out));      /* !!map on a scalar, !!foo: string */
		return 0;
	}
	enum yaml_kind got = resolve_plain(s, len, want == YAML_KIND_TIMESTAMP, out);
	if (got == want || (want == YAML_KIND_INT && got == YAML_KIND_UINT))
		return 0;
	if (want == YAML_KIND_FLOAT && got == YAML_KIND_INT) {
		out->kind = YAML_KIND_FLOAT;
		out->f = (double)out->i;
		return 0;
	}
	return fail(r, BERR_INVALID, m, "cannot decode %s '%s' as %s", short_kind(got),
		    excerpt(ex, s, len), short_kind(want));
}

/* The json value of a resolved scalar. */
static int scalar_json(struct reader *r, yaml_mark_t m, const struct scalar *sc,
		       const char *s, size_t len, json_t **out)
{
	char ex[64];
	switch (sc->kind) {
	case YAML_KIND_NULL:
		*out = json_null();
		return 0;
	case YAML_KIND_BOOL:
		*out = json_boolean(sc->b);
		return 0;
	case YAML_KIND_INT:
		*out = json_integer(sc->i);
		return 0;
	case YAML_KIND_UINT:
	case YAML_KIND_FLOAT:
		if (!isfinite(sc->f))
			return fail(r, BERR_INVALID, m, "'%s' cannot be represented in JSON",
				    excerpt(ex, s, len));
		*out = json_real(sc->f);
		return 0;
	default:
		*out = json_stringn_nocheck(s, len);
		return 0;
	}
}

/* The mapping key a resolved scalar turns into (sigs.k8s.io/yaml rules). */
static int scalar_key(struct reader *r, yaml_mark_t m, const struct scalar *sc,
		      const char *s, size_t len, struct buf *key)
{
	char num[40], ex[64];
	buf_reset(key);
	switch (sc->kind) {
	case YAML_KIND_NULL:
		return fail(r, BERR_INVALID, m, "null is not allowed as a mapping key");
	case YAML_KIND_BOOL:
		buf_adds(key, sc->b ? "true" : "false");
		return 0;
	case YAML_KIND_INT:
		buf_addf(key, "%lld", (long long)sc->i);
		return 0;
	case YAML_KIND_UINT:
		return fail(r, BERR_INVALID, m, "integer key '%s' does not fit in 64 bits",
			    excerpt(ex, s, len));
	case YAML_KIND_FLOAT:
		yaml_format_float(num, sc->f, 32);
		if (!strcmp(num, "+Inf"))
			strcpy(num, ".inf");
		else if (!strcmp(num, "-Inf"))
			strcpy(num, "-.inf");
		else if (!strcmp(num, "NaN"))
			strcpy(num, ".nan");
		buf_adds(key, num);
		return 0;
	default:
		buf_add(key, s, len);
		return 0;
	}
}

/* --- tree building --- */

static int alias_ratio_ok(size_t total, size_t aliased)
{
	/* go-yaml's allowedAliasRatio: 99% up to 400k nodes, 10% from 4M. */
	if (aliased <= 100 || total <= 1000)
		return 1;
	double ratio;
	if (total <= 400000)
		ratio = 0.99;
	else if (total >= 4000000)
		ratio = 0.10;
	else
		ratio = 0.99 - 0.89 * ((double)(total - 400000) / 3600000.0);
	return (double)aliased / (double)total <= ratio;
}

static int count_nodes(struct reader *r, yaml_mark_t m, size_t n, int via_alias)
{
	r->nodes += n;
	if (via_alias) {
		r->aliased += n;
		r->stream_aliased += n;
	}
	if (r->nodes > r->lim.max_nodes)
		return fail(r, BERR_LIMIT, m, "document has more than %zu nodes%s",
			    r->lim.max_nodes, via_alias ? " after alias expansion" : "");
	if (via_alias && (r->stream_aliased > r->lim.max_nodes ||
			  !alias_ratio_ok(r->nodes, r->aliased)))
		return fail(r, BERR_LIMIT, m, "document contains excessive aliasing");
	return 0;
}

static struct frame *top(struct reader *r)
{
	return r->depth ? &r->frames[r->depth - 1] : NULL;
}

/* Adds a finished node (reference stolen) to its parent, or makes it the root. */
static int attach(struct reader *r, json_t *v, size_t height, yaml_mark_t m)
{
	struct frame *f = top(r);
	if (!f) {
		r->root = v;
		return 0;
	}
	if (height + 1 > f->height)
		f->height = height + 1;
	if (json_is_array(f->node)) {
		json_array_append_new(f->node, v);
		return 0;
	}
	f->have_key = 0;
	if (f->key_is_merge) {
		if (json_is_object(v)) {
			if (!f->merges)
				f->merges = json_array();
			json_array_append_new(f->merges, v);
			return 0;
		}
		size_t i;
		json_t *item;
		if (json_is_array(v)) {
			json_array_foreach(v, i, item)
				if (!json_is_object(item))
					break;
			if (i == json_array_size(v)) {
				if (!f->merges)
					f->merges = json_array();
				json_array_extend(f->merges, v);
				json_decref(v);
				return 0;
			}
		}
		json_decref(v);
		return fail(r, BERR_INVALID, m,
			    "map merge requires map or sequence of maps as the value");
	}
	size_t before = json_object_size(f->node);
	json_object_setn_new_nocheck(f->node, f->key.data, f->key.len, v);
	if (json_object_size(f->node) == before && !r->lim.duplicate_keys_last_wins) {
		char ex[64];
		return fail(r, BERR_INVALID, f->key_mark, "duplicate key '%s'",
			    excerpt(ex, f->key.data, f->key.len));
	}
	return 0;
}

static void apply_merges(struct frame *f)
{
	size_t i;
	json_t *src;
	json_array_foreach(f->merges, i, src) {
		const char *k;
		size_t klen;
		json_t *v;
		json_object_keylen_foreach(src, k, klen, v)
			if (!json_object_getn(f->node, k, klen))
				json_object_setn_nocheck(f->node, k, klen, v);
	}
	json_decref(f->merges);
	f->merges = NULL;
}

static int push(struct reader *r, yaml_event_t *ev, json_t *node)
{
	yaml_mark_t m = ev->start_mark;
	if (r->depth >= r->lim.max_depth) {
		json_decref(node);
		return fail(r, BERR_LIMIT, m, "nesting deeper than %zu levels", r->lim.max_depth);
	}
	if (r->depth == r->frames_cap) {
		size_t n = r->frames_cap ? r->frames_cap * 2 : 32;
		r->frames = xrealloc(r->frames, n * sizeof(*r->frames));
		for (size_t i = r->frames_cap; i < n; i++)
			r->frames[i].key = (struct buf)BUF_INIT;
		r->frames_cap = n;
	}
	struct frame *f = &r->frames[r->depth++];
	f->node = node;
	f->merges = NULL;
	f->have_key = f->key_is_merge = 0;
	f->height = 0;
	f->nodes_at_start = r->nodes;
	const yaml_char_t *anchor = ev->type == YAML_MAPPING_START_EVENT ?
		ev->data.mapping_start.anchor : ev->data.sequence_start.anchor;
	f->anchor = anchor ? anchor_begin(r, (const char *)anchor) : -1;
	return count_nodes(r, m, 1, 0);
}

static int pop(struct reader *r, yaml_mark_t m)
{
	struct frame *f = &r->frames[--r->depth];
	if (f->merges)
		apply_merges(f);
	if (f->anchor >= 0) {
		struct anchor *a = &r->anchors[f->anchor];
		anchor_clear(a);        /* the name may have been reused inside */
		a->done = 1;
		a->is_scalar = 0;
		a->value = json_incref(f->node);
		a->nodes = r->nodes - f->nodes_at_start;
		a->height = f->height;
	}
	return attach(r, f->node, f->height, m);
}

/* A node arriving where a mapping expects a key. */
static int take_key(struct reader *r, struct frame *f, yaml_event_t *ev)
{
	yaml_mark_t m = ev->start_mark;
	struct scalar sc;
	struct buf bin = BUF_INIT;
	int is_bin, rc;
	const char *s;
	size_t len;
	const char *tag;
	int plain;

	f->key_mark = m;
	f->key_is_merge = 0;
	if (ev->type == YAML_ALIAS_EVENT) {
		const char *name = (const char *)ev->data.alias.anchor;
		long idx = anchor_find(r, name);
		if (idx < 0)
			return fail(r, BERR_INVALID, m, "unknown anchor '%s' referenced", name);
		struct anchor *a = &r->anchors[idx];
		if (!a->done)
			return fail(r, BERR_INVALID, m, "anchor '%s' value contains itself", name);
		if (!a->is_scalar)
			return fail(r, BERR_INVALID, m, "invalid map key: a mapping or sequence");
		if ((rc = count_nodes(r, m, 1, 1)))
			return rc;
		s = a->text, len = a->len, tag = a->tag, plain = a->plain;
	} else if (ev->type == YAML_SCALAR_EVENT) {
		if ((rc = count_nodes(r, m, 1, 0)))
			return rc;
		s = (const char *)ev->data.scalar.value;
		len = ev->data.scalar.length;
		tag = (const char *)ev->data.scalar.tag;
		plain = ev->data.scalar.plain_implicit;
		if (ev->data.scalar.anchor)
			anchor_scalar(r, ev);
	} else {
		return fail(r, BERR_INVALID, m, "invalid map key: a mapping or sequence");
	}

	/* Fast path: plain keys that cannot resolve to anything but a string. */
	if (!tag && plain && len && !hint_table[(unsigned char)s[0]]) {
		buf_reset(&f->key);
		buf_add(&f->key, s, len);
		f->have_key = 1;
		f->key_is_merge = len == 2 && s[0] == '<' && s[1] == '<';
		return 0;
	}
	if (len == 2 && s[0] == '<' && s[1] == '<' &&
	    ((!tag && plain) || (tag && !strcmp(tag, TAG_PREFIX "merge")))) {
		f->key_is_merge = 1;
		f->have_key = 1;
		return 0;
	}
	if ((rc = resolve_scalar(r, m, s, len, tag, plain, &sc, &bin, &is_bin)))
		return rc;
	if (is_bin) {
		buf_reset(&f->key);
		buf_add(&f->key, bin.data, bin.len);
		buf_release(&bin);
		rc = 0;
	} else {
		rc = scalar_key(r, m, &sc, s, len, &f->key);
	}
	f->have_key = 1;
	return rc;
}

static int on_scalar(struct reader *r, yaml_event_t *ev)
{
	yaml_mark_t m = ev->start_mark;
	const char *s = (const char *)ev->data.scalar.value;
	size_t len = ev->data.scalar.length;
	const char *tag = (const char *)ev->data.scalar.tag;
	int plain = ev->data.scalar.plain_implicit;
	int rc;
	json_t *v;

	if ((rc = count_nodes(r, m, 1, 0)))
		return rc;
	if (ev->data.scalar.anchor)
		anchor_scalar(r, ev);
	if (!tag && (!plain || (len && !hint_table[(unsigned char)s[0]]))) {
		v = json_stringn_nocheck(s, len);
	} else {
		struct scalar sc;
		struct buf bin = BUF_INIT;
		int is_bin;
		if ((rc = resolve_scalar(r, m, s, len, tag, plain, &sc, &bin, &is_bin)))
			return rc;
		if (is_bin) {
			v = json_stringn_nocheck(bin.data, bin.len);
			buf_release(&bin);
		} else if ((rc = scalar_json(r, m, &sc, s, len, &v))) {
			return rc;
		}
	}
	return attach(r, v, 0, m);
}

static int on_alias(struct reader *r, yaml_event_t *ev)
{
	yaml_mark_t m = ev->start_mark;
	const char *name = (const char *)ev->data.alias.anchor;
	long idx = anchor_find(r, name);
	int rc;
	if (idx < 0)
		return fail(r, BERR_INVALID, m, "unknown anchor '%s' referenced", name);
	struct anchor *a = &r->anchors[idx];
	if (!a->done)
		return fail(r, BERR_INVALID, m, "anchor '%s' value contains itself", name);
	if (r->depth + a->height > r->lim.max_depth)
		return fail(r, BERR_LIMIT, m, "nesting deeper than %zu levels through alias '%s'",
			    r->lim.max_depth, name);
	if ((rc = count_nodes(r, m, a->nodes, 1)))
		return rc;
	json_t *v;
	if (a->is_scalar) {
		struct scalar sc;
		struct buf bin = BUF_INIT;
		int is_bin;
		if ((rc = resolve_scalar(r, m, a->text, a->len, a->tag, a->plain, &sc, &bin, &is_bin)))
			return rc;
		if (is_bin) {
			v = json_stringn_nocheck(bin.data, bin.len);
			buf_release(&bin);
		} else if ((rc = scalar_json(r, m, &sc, a->text, a->len, &v))) {
			return rc;
		}
	} else {
		v = json_deep_copy(a->value);
	}
	return attach(r, v, a->height, m);
}

static int parser_error(struct reader *r)
{
	yaml_parser_t *p = &r->parser;
	const char *problem = p->problem ? p->problem : "unknown error";
	if (p->error == YAML_MEMORY_ERROR)
		return berr_set(r->err, BERR_FAIL, "%s: out of memory while parsing", r->name);
	if (p->error == YAML_READER_ERROR) {
		/* The reader reports a byte offset, not a mark: count lines and
		 * characters up to it (UTF-8 input; a UTF-16 stream's offsets
		 * are in its own bytes and only the byte is exact). */
		yaml_mark_t m = { 0, 0, 0 };
		for (size_t i = 0; i < p->problem_offset && i < r->len; i++) {
			unsigned char c = (unsigned char)r->text[i];
			if (c == '\n')
				m.line++, m.column = 0;
			else if ((c & 0xC0) != 0x80)
				m.column++;
		}
		return fail(r, BERR_INVALID, m, "%s (byte %zu)", problem, p->problem_offset);
	}
	if (p->context)
		return fail(r, BERR_INVALID, p->problem_mark, "%s (%s at %zu:%zu)", problem,
			    p->context, p->context_mark.line + 1, p->context_mark.column + 1);
	return fail(r, BERR_INVALID, p->problem_mark, "%s", problem);
}

static void reader_free(struct reader *r)
{
	for (size_t i = 0; i < r->depth; i++) {
		json_decref(r->frames[i].node);
		json_decref(r->frames[i].merges);
	}
	for (size_t i = 0; i < r->frames_cap; i++)
		buf_release(&r->frames[i].key);
	free(r->frames);
	anchors_reset(r);
	free(r->anchors);
	free(r->slots);
	json_decref(r->root);
	yaml_parser_delete(&r->parser);
}

/* Runs the event loop; documents are appended to `docs`. */
static int read_events(struct reader *r, json_t *docs)
{
	yaml_event_t ev;
	int rc = 0;

	for (;;) {
		if (!yaml_parser_parse(&r->parser, &ev))
			return parser_error(r);
		switch (ev.type) {
		case YAML_DOCUMENT_START_EVENT:
			if (r->single && r->ndocs)
				rc = fail(r, BERR_INVALID, ev.start_mark,
					  "expected a single document but found another");
			r->ndocs++;
			r->nodes = r->aliased = 0;
			anchors_reset(r);
			break;
		case YAML_DOCUMENT_END_EVENT:
			json_array_append_new(docs, r->root ? r->root : json_null());
			r->root = NULL;
			break;
		case YAML_SCALAR_EVENT: {
			struct frame *f = top(r);
			if (f && json_is_object(f->node) && !f->have_key)
				rc = take_key(r, f, &ev);
			else
				rc = on_scalar(r, &ev);
			break;
		}
		case YAML_ALIAS_EVENT: {
			struct frame *f = top(r);
			if (f && json_is_object(f->node) && !f->have_key)
				rc = take_key(r, f, &ev);
			else
				rc = on_alias(r, &ev);
			break;
		}
		case YAML_SEQUENCE_START_EVENT:
		case YAML_MAPPING_START_EVENT: {
			struct frame *f = top(r);
			if (f && json_is_object(f->node) && !f->have_key)
				rc = take_key(r, f, &ev);
			else
				rc = push(r, &ev, ev.type == YAML_MAPPING_START_EVENT ?
					  json_object() : json_array());
			break;
		}
		case YAML_SEQUENCE_END_EVENT:
		case YAML_MAPPING_END_EVENT:
			rc = pop(r, ev.start_mark);
			break;
		case YAML_STREAM_END_EVENT:
			yaml_event_delete(&ev);
			return 0;
		default:
			break;
		}
		yaml_event_delete(&ev);
		if (rc)
			return rc;
	}
}

static int read_text(json_t **out, const char *text, size_t len, const char *name,
		     const struct yaml_limits *limits, int single, struct berr *err)
{
	struct reader r;
	memset(&r, 0, sizeof(r));
	r.name = name ? name : "<input>";
	r.text = text;
	r.len = len;
	r.err = err;
	r.single = single;
	r.lim = yaml_default_limits;
	if (limits) {
		if (limits->max_bytes)
			r.lim.max_bytes = limits->max_bytes;
		if (limits->max_depth)
			r.lim.max_depth = limits->max_depth;
		if (limits->max_nodes)
			r.lim.max_nodes = limits->max_nodes;
		r.lim.duplicate_keys_last_wins = limits->duplicate_keys_last_wins;
	}
	*out = NULL;
	if (len > r.lim.max_bytes)
		return berr_set(err, BERR_LIMIT, "%s: input of %zu bytes is larger than the limit of %zu",
				r.name, len, r.lim.max_bytes);
	if (!yaml_parser_initialize(&r.parser))
		return berr_set(err, BERR_FAIL, "%s: cannot initialize the YAML parser", r.name);
	yaml_parser_set_input_string(&r.parser, (const unsigned char *)text, len);

	json_t *docs = json_array();
	int rc = read_events(&r, docs);
	reader_free(&r);
	if (rc) {
		json_decref(docs);
		return rc;
	}
	if (!json_array_size(docs)) {
		/* Only comments (or `...`): one empty document. */
		for (size_t i = 0; i < len; i++)
			if (text[i] != ' ' && text[i] != '\t' && text[i] != '\n' && text[i] != '\r') {
				json_array_append_new(docs, json_null());
				break;
			}
	}
	*out = docs;
	return 0;
}

int yaml_read_stream(json_t **out, const char *text, size_t len, const char *name,
		     const struct yaml_limits *limits, struct berr *err)
{
	return read_text(out, text, len, name, limits, 0, err);
}

int yaml_read(json_t **out, const char *text, size_t len, const char *name,
	      struct berr *err)
{
	json_t *docs;
	int rc = read_text(&docs, text, len, name, NULL, 1, err);
	if (rc)
		return rc;
	*out = json_array_size(docs) ? json_incref(json_array_get(docs, 0)) : json_null();
	json_decref(docs);
	return 0;
}
