/*
 * strvals.c — Helm's --set syntax (pkg/strvals), byte for byte: `a.b=c`
 * nests maps, `a[0]=x` and `a[0].b=x` build lists (gaps become null),
 * `a={x,y}` is a list, `\` escapes the next character (`a\.b=c` is a key
 * with a dot, `x=1\,2` a value with a comma), and values are typed as
 * Helm types them: true/false/null in any case, integers that do not
 * start with 0 (and 0 itself) become int64, everything else a string.
 * --set-string keeps every value a string, --set-json reads JSON values,
 * --set-file reads the named file, --set-literal takes everything after
 * the first `=` as one string (no escapes, no lists). Indexes are bounded by 65536 and key
 * nesting by 30, as in Helm, so a hostile expression cannot allocate much.
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "repo-server/helm/internal.h"

void hvals_floatify(json_t *v)
{
	const char *k;
	json_t *x;
	size_t i;
	void *tmp;
	if (json_is_object(v)) {
		json_object_foreach_safe(v, tmp, k, x) {
			if (json_is_integer(x))
				json_object_set_new(v, k, json_real((double)json_integer_value(x)));
			else
				hvals_floatify(x);
		}
	} else if (json_is_array(v)) {
		json_array_foreach(v, i, x) {
			if (json_is_integer(x))
				json_array_set_new(v, i, json_real((double)json_integer_value(x)));
			else
				hvals_floatify(x);
		}
	}
}

#define MAX_INDEX 65536
#define MAX_NESTED 30

struct sp {
	const char *s;
	size_t len, pos;
	enum helm_set_kind kind;
	helm_read_fn read;
	void *ctx;
	struct berr *err;
};

enum { R_OK = 0, R_EOF = 1, R_NOTLIST = 2 };

/* runesUntil: reads up to a stop character, handling `\` escapes. Returns
 * the stop char or -1 at the end. */
static int until(struct sp *p, struct buf *out, const char *stop)
{
	buf_reset(out);
	while (p->pos < p->len) {
		char c = p->s[p->pos++];
		if (strchr(stop, c) && c)
			return (unsigned char)c;
		if (c == '\\' && p->kind != HELM_SET_LITERAL) {
			if (p->pos >= p->len)
				return -1;
			c = p->s[p->pos++];
		}
		buf_addch(out, c);
	}
	return -1;
}

static json_t *typed(const char *v, size_t len, bool as_string)
{
	if (as_string)
		return json_stringn(v, len);
	if (!strcasecmp(v, "true"))
		return json_true();
	if (!strcasecmp(v, "false"))
		return json_false();
	if (!strcasecmp(v, "null"))
		return json_null();
	if (!strcmp(v, "0"))
		return json_integer(0);
	if (len && v[0] != '0') {
		const char *q = v;
		if (*q == '+' || *q == '-')
			q++;
		bool digits = *q != 0;
		for (; *q; q++)
			if (!isdigit((unsigned char)*q))
				digits = false;
		if (digits && strlen(v) == len) {
			errno = 0;
			char *end;
			long long n = strtoll(v, &end, 10);
			if (!errno && !*end)
				return json_integer(n);
		}
	}
	return json_stringn(v, len);
}

/* The reader: a value's text to its value. */
static int read_val(struct sp *p, json_t **out, struct buf *v)
{
	if (p->kind == HELM_SET_FILE) {
		struct buf data = BUF_INIT;
		int rc;
		if (p->read) {
			rc = p->read(&data, v->data, p->ctx, p->err);
		} else if (buf_read_file(&data, v->data, HELM_MAX_CHART_BYTES) < 0) {
			rc = berr_set(p->err, BERR_IO, "open %s: %s", v->data,
				      errno == ENOENT ? "no such file or directory" : strerror(errno));
		} else {
			rc = 0;
		}
		if (rc < 0) {
			buf_release(&data);
			return rc;
		}
		*out = json_stringn(data.data, data.len);
		buf_release(&data);
		if (!*out)
			*out = json_string("");
		return 0;
	}
	*out = typed(v->data, v->len, p->kind == HELM_SET_STRING);
	if (!*out)      /* not UTF-8 */
		*out = json_string("");
	return 0;
}

static void set(json_t *data, const char *key, json_t *val)
{
	if (*key)
		json_object_set_new(data, key, val);
	else
		json_decref(val);
}

static int set_index(json_t *list, long i, json_t *val, struct berr *err)
{
	if (i < 0) {
		json_decref(val);
		return berr_set(err, BERR_INVALID, "negative %ld index not allowed", i);
	}
	if (i > MAX_INDEX) {
		json_decref(val);
		return berr_set(err, BERR_INVALID, "index of %ld is greater than maximum supported index of %d",
				i, MAX_INDEX);
	}
	while (json_array_size(list) <= (size_t)i)
		json_array_append_new(list, json_null());
	json_array_set_new(list, (size_t)i, val);
	return 0;
}

/* valList: `{a,b}`; R_NOTLIST when the value does not start with `{`. */
static int val_list(struct sp *p, json_t **out)
{
	if (p->pos >= p->len)
		return R_EOF;
	if (p->s[p->pos] != '{')
		return R_NOTLIST;
	p->pos++;
	json_t *list = json_array();
	struct buf v = BUF_INIT;
	for (;;) {
		int last = until(p, &v, ",}");
		if (last < 0) {
			buf_release(&v);
			json_decref(list);
			return berr_set(p->err, BERR_INVALID, "list must terminate with '}'");
		}
		json_t *x;
		int rc = read_val(p, &x, &v);
		if (rc < 0) {
			buf_release(&v);
			json_decref(list);
			return rc;
		}
		json_array_append_new(list, x);
		if (last == '}') {
			if (p->pos < p->len && p->s[p->pos] == ',')
				p->pos++;
			break;
		}
	}
	buf_release(&v);
	*out = list;
	return R_OK;
}

/* emptyVal: skips spaces; true at the end or a comma (consumed). */
static bool empty_val(struct sp *p)
{
	while (p->pos < p->len) {
		char c = p->s[p->pos];
		if (c == ',') {
			p->pos++;
			return true;
		}
		if (!isspace((unsigned char)c))
			return false;
		p->pos++;
	}
	return true;
}

static int json_val(struct sp *p, json_t **out)
{
	json_error_t je;
	json_t *j = json_loadb(p->s + p->pos, p->len - p->pos,
			       JSON_DECODE_ANY | JSON_DISABLE_EOF_CHECK, &je);
	if (!j)
		return berr_set(p->err, BERR_INVALID, "%s", je.text);
	p->pos += je.position;
	hvals_floatify(j);
	if (json_is_real(j) || json_is_integer(j)) {
		/* a lone number: jansson's position may include the delimiter */
	}
	*out = j;
	empty_val(p);
	return 0;
}

/* The value after `=`: sets *out; returns R_OK, R_EOF (value "" at the end
 * of input) or a negative code. */
static int value(struct sp *p, json_t **out)
{
	if (p->kind == HELM_SET_LITERAL) {
		/* the rest of the expression, commas and all */
		*out = json_stringn(p->s + p->pos, p->len - p->pos);
		if (!*out)      /* not UTF-8 */
			*out = json_string("");
		p->pos = p->len;
		return R_OK;
	}
	if (p->kind == HELM_SET_JSON) {
		if (empty_val(p)) {
			*out = json_null();
			return R_OK;
		}
		return json_val(p, out);
	}
	int rc = val_list(p, out);
	if (rc == R_OK)
		return R_OK;
	if (rc == R_EOF) {
		*out = json_string("");
		return R_EOF;
	}
	if (rc < 0)
		return rc;
	struct buf v = BUF_INIT;
	until(p, &v, ",");
	rc = read_val(p, out, &v);
	buf_release(&v);
	return rc < 0 ? rc : R_OK;
}

static int key(struct sp *p, json_t *data, int level);

static int key_index(struct sp *p, long *out)
{
	struct buf v = BUF_INIT;
	int last = until(p, &v, "]");
	if (last < 0) {
		buf_release(&v);
		return berr_set(p->err, BERR_INVALID, "error parsing index: EOF");
	}
	char *end;
	errno = 0;
	long i = strtol(v.data, &end, 10);
	if (!v.len || *end || errno || isspace((unsigned char)v.data[0])) {
		berr_set(p->err, BERR_INVALID, "error parsing index: strconv.Atoi: parsing \"%s\": %s", v.data,
			 errno ? "value out of range" : "invalid syntax");
		buf_release(&v);
		return BERR_INVALID;
	}
	buf_release(&v);
	*out = i;
	return 0;
}

static int list_item(struct sp *p, json_t *list, long i, int level)
{
	if (i < 0)
		return berr_set(p->err, BERR_INVALID, "negative %ld index not allowed", i);
	if (i > MAX_INDEX)
		return berr_set(p->err, BERR_INVALID, "index of %ld is greater than maximum supported index of %d",
				i, MAX_INDEX);
	struct buf k = BUF_INIT;
	int last = until(p, &k, "[.=");
	if (k.len) {
		berr_set(p->err, BERR_INVALID, "unexpected data at end of array index: \"%s\"", k.data);
		buf_release(&k);
		return BERR_INVALID;
	}
	buf_release(&k);
	if (last < 0)
		return R_EOF;
	if (last == '=') {
		json_t *v;
		int rc = value(p, &v);
		if (rc < 0)
			return rc;
		int r2 = set_index(list, i, v, p->err);
		return r2 < 0 ? r2 : rc;
	}
	if (last == '[') {
		long next;
		int rc = key_index(p, &next);
		if (rc < 0)
			return rc;
		json_t *cur = json_array_get(list, (size_t)i);
		json_t *inner;
		if ((size_t)i < json_array_size(list) && cur && !json_is_null(cur)) {
			if (!json_is_array(cur))
				return berr_set(p->err, BERR_INVALID,
						"unable to parse key: interface conversion: interface {} is not []interface {}");
			inner = json_incref(cur);
		} else {
			inner = json_array();
		}
		rc = list_item(p, inner, next, level);
		if (rc < 0) {
			json_decref(inner);
			return rc;
		}
		int r2 = set_index(list, i, inner, p->err);
		return r2 < 0 ? r2 : rc;
	}
	/* '.' */
	json_t *inner = NULL;
	if ((size_t)i < json_array_size(list)) {
		json_t *cur = json_array_get(list, (size_t)i);
		if (json_is_object(cur))
			inner = json_incref(cur);
	}
	if (!inner)
		inner = json_object();
	int rc = key(p, inner, level);
	if (rc < 0) {
		json_decref(inner);
		return rc;
	}
	int r2 = set_index(list, i, inner, p->err);
	return r2 < 0 ? r2 : rc;
}

static const char *go_type(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT: return "map[string]interface {}";
	case JSON_ARRAY: return "[]interface {}";
	case JSON_STRING: return "string";
	case JSON_INTEGER: return "int64";
	case JSON_REAL: return "float64";
	case JSON_TRUE: case JSON_FALSE: return "bool";
	default: return "nil";
	}
}

/* One key and its value: R_OK to go on, R_EOF at the end. */
static int key(struct sp *p, json_t *data, int level)
{
	struct buf k = BUF_INIT;
	int rc;
	int last = until(p, &k, p->kind == HELM_SET_LITERAL ? "=[." : "=[,.");
	if (last < 0) {
		if (!k.len) {
			buf_release(&k);
			return R_EOF;
		}
		rc = berr_set(p->err, BERR_INVALID, "key \"%s\" has no value", k.data);
	} else if (last == '[') {
		long i;
		rc = key_index(p, &i);
		if (rc == 0) {
			json_t *cur = json_object_get(data, k.data);
			json_t *list;
			if (cur && !json_is_array(cur)) {
				rc = berr_set(p->err, BERR_INVALID,
					      "unable to parse key: interface conversion: interface {} is %s, not []interface {}",
					      go_type(cur));
				list = NULL;
			} else {
				list = cur ? json_incref(cur) : json_array();
				rc = list_item(p, list, i, level);
				if (rc >= 0 || json_array_size(list))
					set(data, k.data, list);
				else
					json_decref(list);
			}
		}
	} else if (last == '=') {
		json_t *v;
		rc = value(p, &v);
		if (rc >= 0)
			set(data, k.data, v);
	} else if (last == ',') {
		set(data, k.data, json_string(""));
		rc = berr_set(p->err, BERR_INVALID, "key \"%s\" has no value (cannot end with ,)", k.data);
	} else {
		/* '.' */
		if (++level > MAX_NESTED) {
			rc = berr_set(p->err, BERR_INVALID,
				      "value name nested level is greater than maximum supported nested level of %d",
				      MAX_NESTED);
		} else {
			json_t *cur = json_object_get(data, k.data);
			if (cur && !json_is_object(cur)) {
				rc = berr_set(p->err, BERR_INVALID,
					      "unable to parse key: interface conversion: interface {} is %s, not map[string]interface {}",
					      go_type(cur));
			} else {
				json_t *inner = cur ? json_incref(cur) : json_object();
				rc = key(p, inner, level);
				if (rc == R_OK && json_object_size(inner) == 0)
					rc = berr_set(p->err, BERR_INVALID, "key map \"%s\" has no value", k.data);
				if (json_object_size(inner))
					set(data, k.data, inner);
				else
					json_decref(inner);
			}
		}
	}
	buf_release(&k);
	return rc;
}

int helm_values_set(json_t *vals, enum helm_set_kind kind, const char *expr,
		    helm_read_fn read_file, void *ctx, struct berr *err)
{
	struct sp p = { expr, strlen(expr), 0, kind, read_file, ctx, err };
	for (;;) {
		int rc = key(&p, vals, 0);
		if (rc == R_EOF)
			return 0;
		if (rc < 0) {
			static const char *const what[] = { "--set", "--set-string", "--set-json", "--set-file",
							    "--set-literal" };
			if (kind == HELM_SET_JSON)
				return berr_set(err, rc, "failed parsing --set-json data %s", expr);
			return berr_prefix(err, "failed parsing %s data", what[kind]);
		}
	}
}
