/*
 * selector.c — label and field selectors (selector.h).
 *
 * The label selector reader is a transcription of apimachinery's lexer and
 * recursive-descent parser, so that every string kubectl accepts is
 * accepted here with the same meaning and every string it refuses is
 * refused: the text is cut into tokens first (identifiers run to the next
 * space or special character; "!=" and "==" are the only two-character
 * symbols), then requirements are read with one token of lookahead, "in" and
 * "notin" being keywords only where an operator may stand. Errors name the
 * column of the token that did not fit.
 *
 * Field selectors have a different, older grammar (split on unescaped
 * commas, then at the first operator of each term) and keep it here too.
 *
 * Both end in the same struct selector: requirements sorted by key (stable,
 * so equal keys keep their order), value sets sorted and deduplicated, all
 * strings owned by the selector. Matching is a scan of the requirements
 * with a binary search in each value set.
 */
#include "selector.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "doc.h"

/* ---- building ---------------------------------------------------------- */

struct span {
	const char *s;
	size_t len;
};

struct spans {
	struct span *v;
	size_t n, cap;
};

static void spans_add(struct spans *a, const char *s, size_t len)
{
	if (a->n == a->cap) {
		a->cap = a->cap ? a->cap * 2 : 4;
		a->v = xrealloc(a->v, a->cap * sizeof(*a->v));
	}
	a->v[a->n].s = s;
	a->v[a->n].len = len;
	a->n++;
}

static int span_cmp(const void *pa, const void *pb)
{
	const struct span *a = pa, *b = pb;
	size_t n = a->len < b->len ? a->len : b->len;
	int c = memcmp(a->s, b->s, n);
	if (c)
		return c;
	return a->len < b->len ? -1 : a->len > b->len;
}

/* Sorts, deduplicates and copies the values into r. */
static void req_set_values(struct selector_req *r, struct spans *vals)
{
	if (vals->n > 1)
		qsort(vals->v, vals->n, sizeof(*vals->v), span_cmp);
	r->values = xcalloc(vals->n ? vals->n : 1, sizeof(char *));
	r->nvalues = 0;
	for (size_t i = 0; i < vals->n; i++) {
		if (i > 0 && span_cmp(&vals->v[i - 1], &vals->v[i]) == 0)
			continue;
		r->values[r->nvalues++] = xstrndup(vals->v[i].s, vals->v[i].len);
	}
}

static void req_release(struct selector_req *r)
{
	free(r->key);
	for (size_t i = 0; i < r->nvalues; i++)
		free(r->values[i]);
	free(r->values);
}

static struct selector *selector_new(enum selector_kind kind)
{
	struct selector *sel = xcalloc(1, sizeof(*sel));
	sel->kind = kind;
	return sel;
}

static struct selector_req *selector_push(struct selector *sel, size_t *cap)
{
	if (sel->nreqs == *cap) {
		*cap = *cap ? *cap * 2 : 4;
		sel->reqs = xrealloc(sel->reqs, *cap * sizeof(*sel->reqs));
	}
	struct selector_req *r = &sel->reqs[sel->nreqs++];
	memset(r, 0, sizeof(*r));
	return r;
}

void selector_free(struct selector *sel)
{
	if (!sel)
		return;
	for (size_t i = 0; i < sel->nreqs; i++)
		req_release(&sel->reqs[i]);
	free(sel->reqs);
	free(sel);
}

struct indexed_req {
	struct selector_req r;
	size_t i;
};

static int indexed_req_cmp(const void *pa, const void *pb)
{
	const struct indexed_req *a = pa, *b = pb;
	int c = strcmp(a->r.key, b->r.key);
	if (c)
		return c;
	return a->i < b->i ? -1 : a->i > b->i;
}

static void sort_reqs(struct selector *sel)
{
	if (sel->nreqs < 2)
		return;
	struct indexed_req *tmp = xmalloc(sel->nreqs * sizeof(*tmp));
	for (size_t i = 0; i < sel->nreqs; i++) {
		tmp[i].r = sel->reqs[i];
		tmp[i].i = i;
	}
	qsort(tmp, sel->nreqs, sizeof(*tmp), indexed_req_cmp);
	for (size_t i = 0; i < sel->nreqs; i++)
		sel->reqs[i] = tmp[i].r;
	free(tmp);
}

/* ---- validation -------------------------------------------------------- */

#define NAME_CHARS "must consist of alphanumeric characters, '-', '_' or '.', " \
	"and must start and end with an alphanumeric character"

static int is_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

static int name_chars_ok(const char *s, size_t n)
{
	if (!is_alnum(s[0]) || !is_alnum(s[n - 1]))
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!is_alnum(s[i]) && s[i] != '-' && s[i] != '_' && s[i] != '.')
			return 0;
	return 1;
}

static int dns_label_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

/* A lowercase RFC 1123 subdomain: labels of [a-z0-9-] joined by '.', each
 * starting and ending with [a-z0-9]. */
static int dns_subdomain_ok(const char *s, size_t n)
{
	size_t start = 0;
	for (size_t i = 0; i <= n; i++) {
		if (i < n && s[i] != '.') {
			if (!dns_label_char(s[i]) && s[i] != '-')
				return 0;
			continue;
		}
		if (i == start || !dns_label_char(s[start]) || !dns_label_char(s[i - 1]))
			return 0;
		start = i + 1;
	}
	return 1;
}

/* Returns why a label key is invalid, or NULL. */
static const char *check_label_key(const char *s, size_t n)
{
	const char *slash = memchr(s, '/', n);
	const char *name = s;
	size_t nlen = n;
	if (slash) {
		size_t plen = (size_t)(slash - s);
		if (memchr(slash + 1, '/', n - plen - 1))
			return "a qualified name must have at most one '/'";
		if (plen == 0)
			return "prefix part must be non-empty";
		if (plen > 253)
			return "prefix part must be no more than 253 characters";
		if (!dns_subdomain_ok(s, plen))
			return "prefix part must be a lowercase DNS-1123 subdomain";
		name = slash + 1;
		nlen = n - plen - 1;
	}
	if (nlen == 0)
		return "name part must be non-empty";
	if (nlen > 63)
		return "name part must be no more than 63 characters";
	if (!name_chars_ok(name, nlen))
		return "name part " NAME_CHARS;
	return NULL;
}

static const char *check_label_value(const char *s, size_t n)
{
	if (n == 0)
		return NULL;
	if (n > 63)
		return "must be no more than 63 characters";
	if (!name_chars_ok(s, n))
		return NAME_CHARS;
	return NULL;
}

/* Go's strconv.ParseInt(s, 10, 64): optional sign, digits, no overflow. */
static int parse_int64(const char *s, long long *out)
{
	const char *p = s;
	if (*p == '+' || *p == '-')
		p++;
	if (*p < '0' || *p > '9')
		return -1;
	for (const char *q = p; *q; q++)
		if (*q < '0' || *q > '9')
			return -1;
	errno = 0;
	char *end;
	long long v = strtoll(s, &end, 10);
	if (errno || *end)
		return -1;
	*out = v;
	return 0;
}

/* ---- label selector text ----------------------------------------------- */

enum tok {
	T_ID, T_IN, T_NOTIN, T_EQ, T_DEQ, T_NEQ, T_NOT, T_OPEN, T_CLOSE,
	T_COMMA, T_GT, T_LT, T_END,
};

struct token {
	enum tok t;
	size_t pos, len;
};

struct lparser {
	const char *text;
	struct token *toks;
	size_t ntoks, at;
	struct berr *err;
};

static int is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static int is_special(char c)
{
	return c == '=' || c == '!' || c == '(' || c == ')' || c == ',' || c == '>' || c == '<';
}

static enum tok symbol(const char *s, size_t *len)
{
	*len = 2;
	if (s[0] == '!' && s[1] == '=')
		return T_NEQ;
	if (s[0] == '=' && s[1] == '=')
		return T_DEQ;
	*len = 1;
	switch (s[0]) {
	case '!': return T_NOT;
	case '=': return T_EQ;
	case '(': return T_OPEN;
	case ')': return T_CLOSE;
	case ',': return T_COMMA;
	case '>': return T_GT;
	default: return T_LT;
	}
}

static void lex(struct lparser *p)
{
	const char *s = p->text;
	size_t pos = 0, cap = 0;
	for (;;) {
		while (is_space(s[pos]))
			pos++;
		if (p->ntoks == cap) {
			cap = cap ? cap * 2 : 16;
			p->toks = xrealloc(p->toks, cap * sizeof(*p->toks));
		}
		struct token *t = &p->toks[p->ntoks++];
		t->pos = pos;
		if (!s[pos]) {
			t->t = T_END;
			t->len = 0;
			return;
		}
		if (is_special(s[pos])) {
			t->t = symbol(s + pos, &t->len);
		} else {
			size_t start = pos;
			while (s[pos] && !is_space(s[pos]) && !is_special(s[pos]))
				pos++;
			t->len = pos - start;
			t->t = T_ID;
			if (t->len == 2 && !memcmp(s + start, "in", 2))
				t->t = T_IN;
			else if (t->len == 5 && !memcmp(s + start, "notin", 5))
				t->t = T_NOTIN;
			continue;
		}
		pos += t->len;
	}
}

/* Token type where a key or a value is expected: keywords are identifiers. */
static enum tok vt(const struct token *t)
{
	return t->t == T_IN || t->t == T_NOTIN ? T_ID : t->t;
}

static struct token *peek(struct lparser *p)
{
	return &p->toks[p->at];
}

static struct token *consume(struct lparser *p)
{
	struct token *t = &p->toks[p->at];
	if (t->t != T_END)
		p->at++;
	return t;
}

static int found(struct lparser *p, const struct token *t, const char *expected)
{
	if (t->t == T_END)
		return berr_set(p->err, BERR_INVALID,
				"invalid label selector '%s': found end of string at column %zu, expected %s",
				p->text, t->pos + 1, expected);
	return berr_set(p->err, BERR_INVALID,
			"invalid label selector '%s': found '%.*s' at column %zu, expected %s",
			p->text, (int)t->len, p->text + t->pos, t->pos + 1, expected);
}

static int parse_ident_list(struct lparser *p, struct spans *vals)
{
	for (;;) {
		struct token *t = consume(p), *la;
		switch (vt(t)) {
		case T_ID:
			spans_add(vals, p->text + t->pos, t->len);
			la = peek(p);
			if (vt(la) == T_COMMA)
				continue;
			if (vt(la) == T_CLOSE)
				return 0;
			return found(p, la, "',' or ')'");
		case T_COMMA:
			if (vals->n == 0)
				spans_add(vals, "", 0);         /* "(," */
			la = peek(p);
			if (vt(la) == T_CLOSE) {
				spans_add(vals, "", 0);         /* ",)" */
				return 0;
			}
			if (vt(la) == T_COMMA) {
				consume(p);
				spans_add(vals, "", 0);         /* ",," */
			}
			break;
		default:
			return found(p, t, "',' or identifier");
		}
	}
}

static int parse_values(struct lparser *p, struct spans *vals)
{
	struct token *t = consume(p);
	if (vt(t) != T_OPEN)
		return found(p, t, "'('");
	struct token *la = peek(p);
	switch (vt(la)) {
	case T_ID:
	case T_COMMA: {
		int r = parse_ident_list(p, vals);
		if (r < 0)
			return r;
		t = consume(p);
		if (vt(t) != T_CLOSE)
			return found(p, t, "')'");
		return 0;
	}
	case T_CLOSE:
		consume(p);
		spans_add(vals, "", 0);
		return 0;
	default:
		return found(p, la, "',', ')' or identifier");
	}
}

static int parse_exact_value(struct lparser *p, struct spans *vals)
{
	struct token *la = peek(p);
	if (vt(la) == T_END || vt(la) == T_COMMA) {
		spans_add(vals, "", 0);
		return 0;
	}
	struct token *t = consume(p);
	if (vt(t) != T_ID)
		return found(p, t, "identifier");
	spans_add(vals, p->text + t->pos, t->len);
	return 0;
}

static int label_op(enum tok t, enum selector_op *op)
{
	switch (t) {
	case T_IN: *op = SELECTOR_IN; return 0;
	case T_NOTIN: *op = SELECTOR_NOT_IN; return 0;
	case T_EQ: *op = SELECTOR_EQUALS; return 0;
	case T_DEQ: *op = SELECTOR_DOUBLE_EQUALS; return 0;
	case T_NEQ: *op = SELECTOR_NOT_EQUALS; return 0;
	case T_GT: *op = SELECTOR_GT; return 0;
	case T_LT: *op = SELECTOR_LT; return 0;
	default: return -1;
	}
}

/* Checks the values of a requirement the way NewRequirement does. */
static const char *check_values(struct selector_req *r)
{
	if (r->op == SELECTOR_GT || r->op == SELECTOR_LT) {
		if (r->nvalues != 1 || parse_int64(r->values[0], &r->number) < 0)
			return "for '>' and '<' the value must be an integer";
	}
	if ((r->op == SELECTOR_IN || r->op == SELECTOR_NOT_IN) && r->nvalues == 0)
		return "for 'in' and 'notin' the set of values cannot be empty";
	if ((r->op == SELECTOR_EXISTS || r->op == SELECTOR_DOES_NOT_EXIST) && r->nvalues)
		return "values must be empty for exists and does not exist";
	for (size_t i = 0; i < r->nvalues; i++) {
		const char *why = check_label_value(r->values[i], strlen(r->values[i]));
		if (why)
			return why;
	}
	return NULL;
}

static int parse_requirement(struct lparser *p, struct selector_req *r)
{
	struct token *t = consume(p);
	int unary = 0;
	if (vt(t) == T_NOT) {
		r->op = SELECTOR_DOES_NOT_EXIST;
		unary = 1;
		t = consume(p);
	}
	if (vt(t) != T_ID)
		return found(p, t, "identifier");
	const char *key = p->text + t->pos;
	const char *why = check_label_key(key, t->len);
	if (why)
		return berr_set(p->err, BERR_INVALID,
				"invalid label selector '%s': key '%.*s' at column %zu: %s",
				p->text, (int)t->len, key, t->pos + 1, why);
	r->key = xstrndup(key, t->len);
	struct token *la = peek(p);
	if (vt(la) == T_END || vt(la) == T_COMMA) {
		if (!unary)
			r->op = SELECTOR_EXISTS;
		unary = 1;
	}
	if (unary)
		return 0;

	struct token *opt = consume(p);
	if (label_op(opt->t, &r->op) < 0)
		return found(p, opt, "one of 'in', 'notin', '=', '==', '!=', '>', '<'");
	struct spans vals = { 0 };
	int rc = r->op == SELECTOR_IN || r->op == SELECTOR_NOT_IN
		 ? parse_values(p, &vals) : parse_exact_value(p, &vals);
	if (rc == 0) {
		req_set_values(r, &vals);
		why = check_values(r);
		if (why)
			rc = berr_set(p->err, BERR_INVALID,
				      "invalid label selector '%s': requirement on '%s' at column %zu: %s",
				      p->text, r->key, t->pos + 1, why);
	}
	free(vals.v);
	return rc;
}

static int parse_label_text(struct lparser *p, struct selector *sel)
{
	size_t cap = 0;
	for (;;) {
		struct token *la = peek(p);
		switch (vt(la)) {
		case T_ID:
		case T_NOT: {
			int r = parse_requirement(p, selector_push(sel, &cap));
			if (r < 0)
				return r;
			struct token *t = consume(p);
			if (t->t == T_END)
				return 0;
			if (t->t != T_COMMA)
				return found(p, t, "',' or end of string");
			la = peek(p);
			if (vt(la) != T_ID && vt(la) != T_NOT)
				return found(p, la, "identifier after ','");
			break;
		}
		case T_END:
			return 0;
		default:
			return found(p, la, "'!', identifier or end of string");
		}
	}
}

int selector_parse_labels(struct selector **out, const char *text,
			  struct berr *err)
{
	*out = NULL;
	if (!text)
		text = "";
	size_t len = strlen(text);
	if (len > SELECTOR_MAX_LEN)
		return berr_set(err, BERR_LIMIT, "label selector is %zu bytes, over the limit of %d",
				len, SELECTOR_MAX_LEN);
	struct lparser p = { .text = text, .err = err };
	struct selector *sel = selector_new(SELECTOR_LABELS);
	lex(&p);
	int r = parse_label_text(&p, sel);
	free(p.toks);
	if (r < 0) {
		selector_free(sel);
		return r;
	}
	sort_reqs(sel);
	*out = sel;
	return 0;
}

/* ---- metav1.LabelSelector ---------------------------------------------- */

static int ls_error(struct berr *err, const char *field, const char *fmt_what,
		    const char *subject)
{
	char what[256];
	snprintf(what, sizeof(what), fmt_what, subject);
	return berr_set(err, BERR_INVALID, "invalid label selector: %s: %s", field, what);
}

/* One requirement; `values` is a string (matchLabels), an array or null. */
static int ls_requirement(struct selector_req *r, const char *field,
			  const char *key, enum selector_op op,
			  const json_t *values, struct berr *err)
{
	const char *why = check_label_key(key, strlen(key));
	if (why)
		return berr_set(err, BERR_INVALID, "invalid label selector: %s: key '%s': %s",
				field, key, why);
	r->key = xstrdup(key);
	r->op = op;
	struct spans vals = { 0 };
	if (json_is_string(values)) {
		spans_add(&vals, json_string_value(values), strlen(json_string_value(values)));
	} else if (json_is_array(values)) {
		size_t i;
		json_t *v;
		json_array_foreach(values, i, v) {
			if (!json_is_string(v)) {
				free(vals.v);
				char f[160];
				snprintf(f, sizeof(f), "%s.values[%zu]", field, i);
				return ls_error(err, f, "expected a string, found %s", doc_type_name(v));
			}
			spans_add(&vals, json_string_value(v), strlen(json_string_value(v)));
		}
	}
	req_set_values(r, &vals);
	free(vals.v);
	why = check_values(r);
	if (why)
		return berr_set(err, BERR_INVALID, "invalid label selector: %s: %s", field, why);
	return 0;
}

static int ls_op(const char *s, enum selector_op *op)
{
	static const struct { const char *name; enum selector_op op; } ops[] = {
		{ "In", SELECTOR_IN },
		{ "NotIn", SELECTOR_NOT_IN },
		{ "Exists", SELECTOR_EXISTS },
		{ "DoesNotExist", SELECTOR_DOES_NOT_EXIST },
	};
	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
		if (!strcmp(s, ops[i].name)) {
			*op = ops[i].op;
			return 0;
		}
	}
	return -1;
}

static int ls_build(struct selector *sel, const json_t *ls, struct berr *err)
{
	size_t cap = 0;
	if (!json_is_object(ls))
		return ls_error(err, "(selector)", "expected an object, found %s", doc_type_name(ls));
	json_t *ml = json_object_get(ls, "matchLabels");
	json_t *me = json_object_get(ls, "matchExpressions");
	if (ml && !json_is_null(ml) && !json_is_object(ml))
		return ls_error(err, "matchLabels", "expected an object, found %s", doc_type_name(ml));
	if (me && !json_is_null(me) && !json_is_array(me))
		return ls_error(err, "matchExpressions", "expected an array, found %s",
				doc_type_name(me));

	const char *k;
	json_t *v;
	json_object_foreach(ml, k, v) {
		char f[320];
		snprintf(f, sizeof(f), "matchLabels['%s']", k);
		if (!json_is_string(v))
			return ls_error(err, f, "expected a string, found %s", doc_type_name(v));
		int r = ls_requirement(selector_push(sel, &cap), f, k, SELECTOR_EQUALS, v, err);
		if (r < 0)
			return r;
	}
	size_t i;
	json_array_foreach(me, i, v) {
		char f[64];
		snprintf(f, sizeof(f), "matchExpressions[%zu]", i);
		if (!json_is_object(v))
			return ls_error(err, f, "expected an object, found %s", doc_type_name(v));
		const char *key = json_string_value(json_object_get(v, "key"));
		const char *ops = json_string_value(json_object_get(v, "operator"));
		enum selector_op op;
		if (!key)
			return ls_error(err, f, "%s", "key: expected a string");
		if (!ops)
			return ls_error(err, f, "%s", "operator: expected a string");
		if (ls_op(ops, &op) < 0)
			return ls_error(err, f, "operator '%s' is not one of In, NotIn, Exists, DoesNotExist",
					ops);
		json_t *values = json_object_get(v, "values");
		if (values && !json_is_null(values) && !json_is_array(values))
			return ls_error(err, f, "values: expected an array, found %s",
					doc_type_name(values));
		int r = ls_requirement(selector_push(sel, &cap), f, key, op, values, err);
		if (r < 0)
			return r;
	}
	return 0;
}

int selector_from_label_selector(struct selector **out, const json_t *ls,
				 struct berr *err)
{
	struct selector *sel = selector_new(SELECTOR_LABELS);
	*out = NULL;
	if (!ls || json_is_null(ls)) {
		sel->nothing = 1;
		*out = sel;
		return 0;
	}
	int r = ls_build(sel, ls, err);
	if (r < 0) {
		selector_free(sel);
		return r;
	}
	sort_reqs(sel);
	*out = sel;
	return 0;
}

/* ---- field selector text ----------------------------------------------- */

static void split_terms(struct spans *terms, const char *s)
{
	size_t start = 0, i = 0;
	int in_slash = 0;
	for (; s[i]; i++) {
		if (in_slash)
			in_slash = 0;
		else if (s[i] == '\\')
			in_slash = 1;
		else if (s[i] == ',') {
			spans_add(terms, s + start, i - start);
			start = i + 1;
		}
	}
	spans_add(terms, s + start, i - start);
}

/* Finds the first operator of a term, trying "!=", "==", "=" at each byte. */
static int split_term(const struct span *t, size_t *at, size_t *oplen,
		      enum selector_op *op)
{
	for (size_t i = 0; i < t->len; i++) {
		const char *s = t->s + i;
		size_t rest = t->len - i;
		if (rest >= 2 && s[0] == '!' && s[1] == '=') {
			*op = SELECTOR_NOT_EQUALS;
			*oplen = 2;
		} else if (rest >= 2 && s[0] == '=' && s[1] == '=') {
			*op = SELECTOR_EQUALS;
			*oplen = 2;
		} else if (s[0] == '=') {
			*op = SELECTOR_EQUALS;
			*oplen = 1;
		} else {
			continue;
		}
		*at = i;
		return 0;
	}
	return -1;
}

static int unescape_value(char **out, const char *s, size_t len,
			  const char *text, struct berr *err)
{
	char *v = xmalloc(len + 1);
	size_t n = 0;
	int in_slash = 0;
	for (size_t i = 0; i < len; i++) {
		char c = s[i];
		if (in_slash) {
			if (c != '\\' && c != ',' && c != '=') {
				free(v);
				return berr_set(err, BERR_INVALID,
						"invalid field selector '%s': invalid escape sequence '\\%c'",
						text, c);
			}
			v[n++] = c;
			in_slash = 0;
		} else if (c == '\\') {
			in_slash = 1;
		} else if (c == ',' || c == '=') {
			free(v);
			return berr_set(err, BERR_INVALID,
					"invalid field selector '%s': unescaped '%c' in value '%.*s'",
					text, c, (int)len, s);
		} else {
			v[n++] = c;
		}
	}
	if (in_slash) {
		free(v);
		return berr_set(err, BERR_INVALID,
				"invalid field selector '%s': value '%.*s' ends in a lone '\\'",
				text, (int)len, s);
	}
	v[n] = '\0';
	*out = v;
	return 0;
}

static int parse_field_terms(struct selector *sel, const char *text,
			     struct spans *terms, struct berr *err)
{
	size_t cap = 0;
	if (terms->n > 1)
		qsort(terms->v, terms->n, sizeof(*terms->v), span_cmp);
	for (size_t i = 0; i < terms->n; i++) {
		const struct span *t = &terms->v[i];
		size_t at, oplen;
		enum selector_op op;
		if (t->len == 0)
			continue;
		if (split_term(t, &at, &oplen, &op) < 0)
			return berr_set(err, BERR_INVALID,
					"invalid field selector '%s': cannot understand '%.*s'",
					text, (int)t->len, t->s);
		if (at == 0)
			return berr_set(err, BERR_INVALID,
					"invalid field selector '%s': no field name in '%.*s'",
					text, (int)t->len, t->s);
		char *value = NULL;
		int r = unescape_value(&value, t->s + at + oplen, t->len - at - oplen, text, err);
		if (r < 0)
			return r;
		struct selector_req *req = selector_push(sel, &cap);
		req->key = xstrndup(t->s, at);
		req->op = op;
		req->values = xmalloc(sizeof(char *));
		req->values[0] = value;
		req->nvalues = 1;
	}
	return 0;
}

int selector_parse_fields(struct selector **out, const char *text,
			  struct berr *err)
{
	*out = NULL;
	if (!text)
		text = "";
	size_t len = strlen(text);
	if (len > SELECTOR_MAX_LEN)
		return berr_set(err, BERR_LIMIT, "field selector is %zu bytes, over the limit of %d",
				len, SELECTOR_MAX_LEN);
	struct selector *sel = selector_new(SELECTOR_FIELDS);
	struct spans terms = { 0 };
	if (len)
		split_terms(&terms, text);
	int r = parse_field_terms(sel, text, &terms, err);
	free(terms.v);
	if (r < 0) {
		selector_free(sel);
		return r;
	}
	sort_reqs(sel);
	*out = sel;
	return 0;
}

/* ---- matching ---------------------------------------------------------- */

static int str_cmp(const void *key, const void *elem)
{
	return strcmp(key, *(char *const *)elem);
}

static int has_value(const struct selector_req *r, const char *v)
{
	return bsearch(v, r->values, r->nvalues, sizeof(char *), str_cmp) != NULL;
}

/* One label requirement; v is NULL when the label is absent. */
static int label_req_matches(const struct selector_req *r, const char *v)
{
	long long n;
	switch (r->op) {
	case SELECTOR_EQUALS:
	case SELECTOR_DOUBLE_EQUALS:
	case SELECTOR_IN:
		return v && has_value(r, v);
	case SELECTOR_NOT_EQUALS:
	case SELECTOR_NOT_IN:
		return !v || !has_value(r, v);
	case SELECTOR_EXISTS:
		return v != NULL;
	case SELECTOR_DOES_NOT_EXIST:
		return v == NULL;
	case SELECTOR_GT:
		return v && parse_int64(v, &n) == 0 && n > r->number;
	case SELECTOR_LT:
		return v && parse_int64(v, &n) == 0 && n < r->number;
	}
	return 0;
}

/* One field requirement against a node (NULL when absent). */
static int field_req_matches(const struct selector_req *r, const json_t *node)
{
	struct buf s = BUF_INIT;
	int equal = doc_scalar_string(&s, node) == 0 && strcmp(s.data, r->values[0]) == 0 &&
		    strlen(r->values[0]) == s.len;
	buf_release(&s);
	return r->op == SELECTOR_NOT_EQUALS ? !equal : equal;
}

static int labels_match(const struct selector *sel, const json_t *labels)
{
	for (size_t i = 0; i < sel->nreqs; i++) {
		const char *v = json_string_value(json_object_get(labels, sel->reqs[i].key));
		if (!label_req_matches(&sel->reqs[i], v))
			return 0;
	}
	return 1;
}

int selector_matches(const struct selector *sel, const json_t *set)
{
	if (sel->nothing)
		return 0;
	if (sel->kind == SELECTOR_LABELS)
		return labels_match(sel, set);
	for (size_t i = 0; i < sel->nreqs; i++)
		if (!field_req_matches(&sel->reqs[i], json_object_get(set, sel->reqs[i].key)))
			return 0;
	return 1;
}

/* The node at a dotted path, keys only; NULL when absent. */
static const json_t *dotted_get(const json_t *obj, const char *path)
{
	const json_t *cur = obj;
	const char *p = path;
	for (;;) {
		const char *dot = strchr(p, '.');
		size_t n = dot ? (size_t)(dot - p) : strlen(p);
		if (!json_is_object(cur))
			return NULL;
		cur = json_object_getn(cur, p, n);
		if (!cur || !dot)
			return cur;
		p = dot + 1;
	}
}

int selector_match_object(const struct selector *sel, const json_t *obj)
{
	if (sel->nothing)
		return 0;
	if (sel->kind == SELECTOR_LABELS)
		return labels_match(sel, doc_getv(obj, "metadata", "labels", NULL));
	for (size_t i = 0; i < sel->nreqs; i++)
		if (!field_req_matches(&sel->reqs[i], dotted_get(obj, sel->reqs[i].key)))
			return 0;
	return 1;
}

int selector_is_everything(const struct selector *sel)
{
	return !sel->nothing && sel->nreqs == 0;
}

/* ---- printing ---------------------------------------------------------- */

static void add_field_value(struct buf *out, const char *v)
{
	for (; *v; v++) {
		if (*v == '\\' || *v == ',' || *v == '=')
			buf_addch(out, '\\');
		buf_addch(out, *v);
	}
}

static void add_values(struct buf *out, const struct selector_req *r)
{
	for (size_t i = 0; i < r->nvalues; i++) {
		if (i)
			buf_addch(out, ',');
		buf_adds(out, r->values[i]);
	}
}

void selector_format(struct buf *out, const struct selector *sel)
{
	if (sel->nothing)
		return;
	for (size_t i = 0; i < sel->nreqs; i++) {
		const struct selector_req *r = &sel->reqs[i];
		if (i)
			buf_addch(out, ',');
		if (sel->kind == SELECTOR_FIELDS) {
			buf_adds(out, r->key);
			buf_adds(out, r->op == SELECTOR_NOT_EQUALS ? "!=" : "=");
			add_field_value(out, r->values[0]);
			continue;
		}
		if (r->op == SELECTOR_DOES_NOT_EXIST)
			buf_addch(out, '!');
		buf_adds(out, r->key);
		switch (r->op) {
		case SELECTOR_EXISTS:
		case SELECTOR_DOES_NOT_EXIST:
			break;
		case SELECTOR_IN:
		case SELECTOR_NOT_IN:
			buf_adds(out, r->op == SELECTOR_IN ? " in (" : " notin (");
			add_values(out, r);
			buf_addch(out, ')');
			break;
		default:
			buf_adds(out, r->op == SELECTOR_EQUALS ? "=" :
				      r->op == SELECTOR_DOUBLE_EQUALS ? "==" :
				      r->op == SELECTOR_NOT_EQUALS ? "!=" :
				      r->op == SELECTOR_GT ? ">" : "<");
			add_values(out, r);
		}
	}
}
