/*
 * jqpath — a small, bounded jq for ignoreDifferences.jqPathExpressions.
 *
 * Argo CD runs each expression through gojq as del(EXPR). What users write
 * there is a path with a filter or two, so this file implements that part
 * of jq and refuses the rest with an error naming the expression:
 *
 *   paths     .  ..  .a  .a.b  ."a.b"  .["a.b/c"]  .[0]  .[-1]  .[]  and a
 *             `?` after any of them (.a[]?, .b?), chained (.a[0].b[]?.c)
 *   pipes     A | B   and   A, B   (parentheses group)
 *   filters   select(COND)
 *   in COND   == != < <= > >=   and   or   not   (COND)   literals
 *             ("str", numbers, true, false, null), paths, and
 *             test("re"[; "flags"]) startswith("s") endswith("s")
 *             contains(literal) has("key")  after a pipe, as in
 *             select(.name | startswith("istio-"))
 *
 * The expression is parsed once into a tree; evaluation follows jq's
 * stream semantics (every sub-expression yields zero or more values, each
 * with the path it was found at when it is a path). The top level must be a
 * path expression, which is checked when compiling. Deletion sorts the
 * paths as jq's delpaths does, largest first, so array indexes stay valid.
 *
 * Limits keep hostile input cheap: JQPATH_MAX_LEN characters, MAX_NODES
 * tree nodes, MAX_NEST nesting, MAX_OUTPUTS values per evaluation, a step
 * budget, and PCRE2 match limits for test(); a regex is compiled once with
 * the expression.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "buf.h"
#include "jqpath.h"

#define MAX_NODES 512
#define MAX_NEST 32
#define MAX_OUTPUTS 65536
#define MAX_STEPS 2000000
#define MAX_DOC_DEPTH 128
#define REGEX_MATCH_LIMIT 100000

enum node_kind {
	N_IDENTITY, N_RECURSE, N_FIELD, N_INDEX, N_ITER, N_PIPE, N_COMMA, N_TRY,
	N_LITERAL, N_AND, N_OR, N_CMP, N_SELECT, N_NOT, N_TEST, N_STARTS, N_ENDS,
	N_CONTAINS, N_HAS,
};

enum cmp_op { OP_EQ, OP_NE, OP_LT, OP_LE, OP_GT, OP_GE };

struct node {
	enum node_kind kind;
	struct node *a, *b;
	char *name;             /* N_FIELD, N_STARTS, N_ENDS, N_HAS */
	long long index;        /* N_INDEX */
	int opt;                /* N_FIELD, N_INDEX, N_ITER: `?` */
	enum cmp_op op;
	json_t *lit;            /* N_LITERAL, N_CONTAINS */
	pcre2_code *re;         /* N_TEST */
};

struct jqpath {
	char *expr;
	struct node *root;
};

/* ---- lexer --------------------------------------------------------------- */

enum tok_kind {
	T_EOF, T_DOT, T_DOTDOT, T_FIELD, T_IDENT, T_STRING, T_NUMBER, T_LBRACK, T_RBRACK,
	T_LPAREN, T_RPAREN, T_PIPE, T_COMMA, T_SEMI, T_QMARK, T_CMP,
};

struct parser {
	const char *expr, *p;
	enum tok_kind tok;
	const char *tok_at;
	struct buf text;        /* T_FIELD, T_IDENT, T_STRING */
	double num;
	enum cmp_op op;
	int nodes, nest;
	struct berr *err;
	int rc;
};

static int fail(struct parser *ps, int code, const char *at, const char *fmt, const char *what)
{
	if (ps->rc == 0) {
		char msg[300];
		snprintf(msg, sizeof(msg), fmt, what ? what : "");
		ps->rc = berr_set(ps->err, code, "jq path expression '%.200s': %s at column %d",
				  ps->expr, msg, (int)(at - ps->expr) + 1);
	}
	return ps->rc;
}

static int is_ident_start(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static int is_ident(int c)
{
	return is_ident_start(c) || (c >= '0' && c <= '9');
}

/* Whether s[0..len) is well-formed UTF-8 (what a JSON string may hold). */
static int utf8_ok(const unsigned char *s, size_t len)
{
	size_t i = 0;
	while (i < len) {
		unsigned c = s[i];
		size_t n = c < 0x80 ? 0 : (c & 0xe0) == 0xc0 ? 1 : (c & 0xf0) == 0xe0 ? 2
			   : (c & 0xf8) == 0xf0 ? 3 : 9;
		if (n == 9 || (n == 1 && c < 0xc2) || i + n >= len + (n ? 0 : 1))
			return 0;
		unsigned cp = n ? c & (0x3f >> n) : c;
		for (size_t k = 1; k <= n; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return 0;
			cp = (cp << 6) | (s[i + k] & 0x3f);
		}
		if ((n == 2 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff)))
		    || (n == 3 && (cp < 0x10000 || cp > 0x10ffff)))
			return 0;
		i += n + 1;
	}
	return 1;
}

/* Reads a "..." string at ps->p into ps->text (JSON escapes). */
static int lex_string(struct parser *ps)
{
	const char *s = ps->p + 1;
	buf_reset(&ps->text);
	for (;;) {
		unsigned char c = (unsigned char)*s;
		if (!c)
			return fail(ps, BERR_INVALID, ps->p, "unterminated string%s", NULL);
		if (c == '"')
			break;
		if (c < 0x20)
			return fail(ps, BERR_INVALID, s, "control character in string%s", NULL);
		if (c != '\\') {
			buf_addch(&ps->text, (char)c);
			s++;
			continue;
		}
		s++;
		switch (*s) {
		case '"': case '\\': case '/': buf_addch(&ps->text, *s); break;
		case 'n': buf_addch(&ps->text, '\n'); break;
		case 't': buf_addch(&ps->text, '\t'); break;
		case 'r': buf_addch(&ps->text, '\r'); break;
		case 'b': buf_addch(&ps->text, '\b'); break;
		case 'f': buf_addch(&ps->text, '\f'); break;
		case 'u': {
			unsigned cp = 0;
			for (int i = 1; i <= 4; i++) {
				char h = s[i];
				int v = h >= '0' && h <= '9' ? h - '0'
					: h >= 'a' && h <= 'f' ? h - 'a' + 10
					: h >= 'A' && h <= 'F' ? h - 'A' + 10 : -1;
				if (v < 0)
					return fail(ps, BERR_INVALID, s, "bad \\u escape%s", NULL);
				cp = cp * 16 + (unsigned)v;
			}
			if (cp == 0 || (cp >= 0xd800 && cp <= 0xdfff))
				return fail(ps, BERR_INVALID, s, "unsupported \\u escape%s", NULL);
			if (cp < 0x80) {
				buf_addch(&ps->text, (char)cp);
			} else if (cp < 0x800) {
				buf_addch(&ps->text, (char)(0xc0 | (cp >> 6)));
				buf_addch(&ps->text, (char)(0x80 | (cp & 0x3f)));
			} else {
				buf_addch(&ps->text, (char)(0xe0 | (cp >> 12)));
				buf_addch(&ps->text, (char)(0x80 | ((cp >> 6) & 0x3f)));
				buf_addch(&ps->text, (char)(0x80 | (cp & 0x3f)));
			}
			s += 4;
			break;
		}
		default:
			return fail(ps, BERR_INVALID, s, "bad escape in string%s", NULL);
		}
		s++;
	}
	if (!utf8_ok((const unsigned char *)ps->text.data, ps->text.len))
		return fail(ps, BERR_INVALID, ps->p, "string is not valid UTF-8%s", NULL);
	ps->p = s + 1;
	return 0;
}

static int next(struct parser *ps)
{
	while (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\n' || *ps->p == '\r')
		ps->p++;
	ps->tok_at = ps->p;
	const char *p = ps->p;
	char c = *p;
	if (!c) {
		ps->tok = T_EOF;
		return 0;
	}
	if (c == '.') {
		if (p[1] == '.') {
			ps->tok = T_DOTDOT;
			ps->p = p + 2;
		} else if (is_ident_start((unsigned char)p[1])) {
			const char *e = p + 1;
			while (is_ident((unsigned char)*e))
				e++;
			buf_reset(&ps->text);
			buf_add(&ps->text, p + 1, (size_t)(e - p - 1));
			ps->tok = T_FIELD;
			ps->p = e;
		} else if (p[1] == '"') {
			ps->p = p + 1;
			if (lex_string(ps) < 0)
				return ps->rc;
			ps->tok = T_FIELD;
		} else {
			ps->tok = T_DOT;
			ps->p = p + 1;
		}
		return 0;
	}
	if (is_ident_start((unsigned char)c)) {
		const char *e = p;
		while (is_ident((unsigned char)*e))
			e++;
		buf_reset(&ps->text);
		buf_add(&ps->text, p, (size_t)(e - p));
		ps->tok = T_IDENT;
		ps->p = e;
		return 0;
	}
	if (c == '"') {
		ps->tok = T_STRING;
		return lex_string(ps);
	}
	if ((c >= '0' && c <= '9') || (c == '-' && p[1] >= '0' && p[1] <= '9')) {
		char *e;
		ps->num = strtod(p, &e);
		if (!isfinite(ps->num))
			return fail(ps, BERR_INVALID, p, "number out of range%s", NULL);
		ps->tok = T_NUMBER;
		ps->p = e;
		return 0;
	}
	static const struct { const char *s; enum tok_kind t; enum cmp_op op; } ops[] = {
		{ "==", T_CMP, OP_EQ }, { "!=", T_CMP, OP_NE }, { "<=", T_CMP, OP_LE },
		{ ">=", T_CMP, OP_GE }, { "<", T_CMP, OP_LT }, { ">", T_CMP, OP_GT },
		{ "[", T_LBRACK, 0 }, { "]", T_RBRACK, 0 }, { "(", T_LPAREN, 0 },
		{ ")", T_RPAREN, 0 }, { "|", T_PIPE, 0 }, { ",", T_COMMA, 0 }, { ";", T_SEMI, 0 },
		{ "?", T_QMARK, 0 },
	};
	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
		size_t n = strlen(ops[i].s);
		if (!strncmp(p, ops[i].s, n)) {
			if (ops[i].t == T_PIPE && p[1] == '=')
				break;  /* |= is an update, not a path */
			ps->tok = ops[i].t;
			ps->op = ops[i].op;
			ps->p = p + n;
			return 0;
		}
	}
	char what[8];
	snprintf(what, sizeof(what), "%c", c >= 0x20 && c < 0x7f ? c : '?');
	return fail(ps, BERR_INVALID, p, "unexpected '%s'", what);
}

/* ---- parser -------------------------------------------------------------- */

static void node_free(struct node *n)
{
	if (!n)
		return;
	node_free(n->a);
	node_free(n->b);
	free(n->name);
	json_decref(n->lit);
	pcre2_code_free(n->re);
	free(n);
}

static struct node *node_new(struct parser *ps, enum node_kind kind)
{
	if (++ps->nodes > MAX_NODES) {
		fail(ps, BERR_LIMIT, ps->tok_at, "more than 512 terms%s", NULL);
		return NULL;
	}
	struct node *n = xcalloc(1, sizeof(*n));
	n->kind = kind;
	return n;
}

static struct node *binary(struct parser *ps, enum node_kind kind, struct node *a,
			   struct node *b)
{
	if (!a || !b) {
		node_free(a);
		node_free(b);
		return NULL;
	}
	struct node *n = node_new(ps, kind);
	if (!n) {
		node_free(a);
		node_free(b);
		return NULL;
	}
	n->a = a;
	n->b = b;
	return n;
}

static struct node *parse_pipe(struct parser *ps);

static int expect(struct parser *ps, enum tok_kind t, const char *what)
{
	if (ps->rc)
		return ps->rc;
	if (ps->tok != t)
		return fail(ps, BERR_INVALID, ps->tok_at, "expected %s", what);
	return next(ps);
}

/* A literal string argument: `("...")`; `flags` also takes `; "..."`. */
static int string_args(struct parser *ps, char **arg, char **flags)
{
	if (expect(ps, T_LPAREN, "'('") < 0)
		return ps->rc;
	if (ps->tok != T_STRING)
		return fail(ps, BERR_INVALID, ps->tok_at, "expected a string literal%s", NULL);
	*arg = xstrdup(ps->text.data);
	if (next(ps) < 0)
		return ps->rc;
	if (flags && ps->tok == T_SEMI) {
		if (next(ps) < 0)
			return ps->rc;
		if (ps->tok != T_STRING)
			return fail(ps, BERR_INVALID, ps->tok_at, "expected a flags string%s", NULL);
		*flags = xstrdup(ps->text.data);
		if (next(ps) < 0)
			return ps->rc;
	}
	return expect(ps, T_RPAREN, "')'");
}

static struct node *parse_function(struct parser *ps, const char *name, const char *at)
{
	struct node *n = NULL;
	char *arg = NULL, *flags = NULL;
	if (!strcmp(name, "select")) {
		if (next(ps) < 0 || expect(ps, T_LPAREN, "'(' after select") < 0)
			return NULL;
		struct node *cond = parse_pipe(ps);
		if (!cond || expect(ps, T_RPAREN, "')'") < 0) {
			node_free(cond);
			return NULL;
		}
		if (!(n = node_new(ps, N_SELECT))) {
			node_free(cond);
			return NULL;
		}
		n->a = cond;
		return n;
	}
	if (!strcmp(name, "not"))
		return next(ps) < 0 ? NULL : node_new(ps, N_NOT);
	if (!strcmp(name, "true") || !strcmp(name, "false") || !strcmp(name, "null")) {
		if (next(ps) < 0 || !(n = node_new(ps, N_LITERAL)))
			return NULL;
		n->lit = name[0] == 't' ? json_true() : name[0] == 'f' ? json_false() : json_null();
		return n;
	}
	static const struct { const char *name; enum node_kind kind; } fns[] = {
		{ "test", N_TEST }, { "startswith", N_STARTS }, { "endswith", N_ENDS },
		{ "contains", N_CONTAINS }, { "has", N_HAS },
	};
	for (size_t i = 0; i < sizeof(fns) / sizeof(fns[0]); i++) {
		if (strcmp(name, fns[i].name))
			continue;
		if (next(ps) < 0
		    || string_args(ps, &arg, fns[i].kind == N_TEST ? &flags : NULL) < 0
		    || !(n = node_new(ps, fns[i].kind))) {
			free(arg);
			free(flags);
			return NULL;
		}
		n->name = arg;
		if (n->kind == N_CONTAINS)
			n->lit = json_string(arg);
		if (n->kind == N_TEST) {
			uint32_t opts = PCRE2_UTF;
			for (const char *f = flags ? flags : ""; *f; f++) {
				if (*f == 'i')
					opts |= PCRE2_CASELESS;
				else if (*f == 'x')
					opts |= PCRE2_EXTENDED;
				else if (*f == 's')
					opts |= PCRE2_DOTALL;
				else if (*f != 'g' && *f != 'n' && *f != 'l') {
					free(flags);
					node_free(n);
					fail(ps, BERR_INVALID, at, "unknown regex flag in test()%s", NULL);
					return NULL;
				}
			}
			int ec;
			PCRE2_SIZE off;
			n->re = pcre2_compile((PCRE2_SPTR)arg, PCRE2_ZERO_TERMINATED, opts, &ec, &off,
					      NULL);
			if (!n->re) {
				PCRE2_UCHAR msg[120];
				pcre2_get_error_message(ec, msg, sizeof(msg));
				free(flags);
				node_free(n);
				fail(ps, BERR_INVALID, at, "bad regular expression in test(): %s",
				     (const char *)msg);
				return NULL;
			}
		}
		free(flags);
		return n;
	}
	fail(ps, BERR_INVALID, at, "'%s' is not supported in jqPathExpressions (paths, select, "
	     "test, startswith, endswith, contains, has, not, and, or)", name);
	return NULL;
}

/* `[...]` after a term: `[]`, `[N]`, `["key"]`; ps->tok is T_LBRACK. */
static struct node *parse_bracket(struct parser *ps)
{
	struct node *n = NULL;
	const char *at = ps->tok_at;
	if (next(ps) < 0)
		return NULL;
	if (ps->tok == T_RBRACK) {
		n = node_new(ps, N_ITER);
	} else if (ps->tok == T_NUMBER) {
		if (ps->num != floor(ps->num) || fabs(ps->num) > 1e9) {
			fail(ps, BERR_INVALID, at, "array index must be a whole number%s", NULL);
			return NULL;
		}
		if ((n = node_new(ps, N_INDEX)))
			n->index = (long long)ps->num;
		if (n && next(ps) < 0) {
			node_free(n);
			return NULL;
		}
	} else if (ps->tok == T_STRING) {
		if ((n = node_new(ps, N_FIELD)))
			n->name = xstrdup(ps->text.data);
		if (n && next(ps) < 0) {
			node_free(n);
			return NULL;
		}
	} else {
		fail(ps, BERR_INVALID, ps->tok_at,
		     "only [], [number] and [\"key\"] are supported inside brackets%s", NULL);
		return NULL;
	}
	if (n && ps->tok != T_RBRACK) {
		node_free(n);
		fail(ps, BERR_INVALID, ps->tok_at, "expected ']'%s", NULL);
		return NULL;
	}
	if (n && next(ps) < 0) {
		node_free(n);
		return NULL;
	}
	return n;
}

static struct node *parse_postfix(struct parser *ps)
{
	struct node *n = NULL, *last = NULL;
	const char *at = ps->tok_at;
	if (ps->rc)
		return NULL;
	if (++ps->nest > MAX_NEST) {
		fail(ps, BERR_LIMIT, at, "nested more than 32 deep%s", NULL);
		return NULL;
	}
	switch (ps->tok) {
	case T_DOT:
		if (next(ps) < 0)
			break;
		if (ps->tok == T_LBRACK) {
			n = last = parse_bracket(ps);
		} else if (ps->tok == T_STRING) {       /* . "key" is not jq; ."key" is */
			fail(ps, BERR_INVALID, ps->tok_at, "unexpected string after '.'%s", NULL);
		} else {
			n = node_new(ps, N_IDENTITY);
		}
		break;
	case T_DOTDOT:
		if (next(ps) == 0)
			n = node_new(ps, N_RECURSE);
		break;
	case T_FIELD:
		if ((n = last = node_new(ps, N_FIELD)))
			n->name = xstrdup(ps->text.data);
		if (n && next(ps) < 0) {
			node_free(n);
			n = NULL;
		}
		break;
	case T_STRING:
	case T_NUMBER:
		if ((n = node_new(ps, N_LITERAL)))
			n->lit = ps->tok == T_STRING ? json_string(ps->text.data)
				 : ps->num == floor(ps->num) && fabs(ps->num) < 9e15
				   ? json_integer((json_int_t)ps->num) : json_real(ps->num);
		if (n && next(ps) < 0) {
			node_free(n);
			n = NULL;
		}
		break;
	case T_LPAREN:
		if (next(ps) < 0)
			break;
		n = parse_pipe(ps);
		if (n && expect(ps, T_RPAREN, "')'") < 0) {
			node_free(n);
			n = NULL;
		}
		break;
	case T_IDENT: {
		char name[64];
		snprintf(name, sizeof(name), "%s", ps->text.data);
		n = parse_function(ps, name, at);
		break;
	}
	case T_EOF:
		fail(ps, BERR_INVALID, at, "unexpected end of expression%s", NULL);
		break;
	default:
		fail(ps, BERR_INVALID, at, "expected a path, a literal or a function%s", NULL);
		break;
	}
	/* suffixes: .a  ."a"  [..]  ? */
	while (n && !ps->rc) {
		struct node *s = NULL;
		if (ps->tok == T_FIELD) {
			if ((s = node_new(ps, N_FIELD)))
				s->name = xstrdup(ps->text.data);
			if (s && next(ps) < 0) {
				node_free(s);
				s = NULL;
			}
		} else if (ps->tok == T_LBRACK) {
			s = parse_bracket(ps);
		} else if (ps->tok == T_DOT && ps->p[0] == '[') {       /* .a.[0] */
			if (next(ps) == 0)
				s = parse_bracket(ps);
		} else if (ps->tok == T_QMARK) {
			if (next(ps) < 0)
				break;
			if (last) {
				last->opt = 1;
			} else {
				struct node *t = node_new(ps, N_TRY);
				if (!t)
					break;
				t->a = n;
				n = t;
			}
			continue;
		} else {
			break;
		}
		if (!s)
			break;
		last = s;
		n = binary(ps, N_PIPE, n, s);
	}
	ps->nest--;
	if (ps->rc) {
		node_free(n);
		return NULL;
	}
	return n;
}

static struct node *parse_cmp(struct parser *ps)
{
	struct node *a = parse_postfix(ps);
	if (!a || ps->tok != T_CMP)
		return a;
	enum cmp_op op = ps->op;
	if (next(ps) < 0) {
		node_free(a);
		return NULL;
	}
	struct node *n = binary(ps, N_CMP, a, parse_postfix(ps));
	if (n)
		n->op = op;
	if (n && ps->tok == T_CMP) {
		node_free(n);
		fail(ps, BERR_INVALID, ps->tok_at, "comparisons do not chain; use parentheses%s",
		     NULL);
		return NULL;
	}
	return n;
}

static int at_keyword(struct parser *ps, const char *kw)
{
	return ps->tok == T_IDENT && !strcmp(ps->text.data, kw);
}

static struct node *parse_and(struct parser *ps)
{
	struct node *n = parse_cmp(ps);
	while (n && at_keyword(ps, "and")) {
		if (next(ps) < 0) {
			node_free(n);
			return NULL;
		}
		n = binary(ps, N_AND, n, parse_cmp(ps));
	}
	return n;
}

static struct node *parse_or(struct parser *ps)
{
	struct node *n = parse_and(ps);
	while (n && at_keyword(ps, "or")) {
		if (next(ps) < 0) {
			node_free(n);
			return NULL;
		}
		n = binary(ps, N_OR, n, parse_and(ps));
	}
	return n;
}

static struct node *parse_comma(struct parser *ps)
{
	struct node *n = parse_or(ps);
	while (n && ps->tok == T_COMMA) {
		if (next(ps) < 0) {
			node_free(n);
			return NULL;
		}
		n = binary(ps, N_COMMA, n, parse_or(ps));
	}
	return n;
}

static struct node *parse_pipe(struct parser *ps)
{
	struct node *n = parse_comma(ps);
	while (n && ps->tok == T_PIPE) {
		if (next(ps) < 0) {
			node_free(n);
			return NULL;
		}
		n = binary(ps, N_PIPE, n, parse_comma(ps));
	}
	return n;
}

/* Whether every value n yields carries a path (jq's path(n) works). */
static int is_path(const struct node *n)
{
	switch (n->kind) {
	case N_IDENTITY: case N_RECURSE: case N_FIELD: case N_INDEX: case N_ITER: case N_SELECT:
		return 1;
	case N_PIPE: case N_COMMA:
		return is_path(n->a) && is_path(n->b);
	case N_TRY:
		return is_path(n->a);
	default:
		return 0;
	}
}

int jqpath_compile(struct jqpath **out, const char *expr, struct berr *err)
{
	struct parser ps = { .expr = expr, .p = expr, .text = BUF_INIT, .err = err };
	*out = NULL;
	if (!expr)
		return berr_set(err, BERR_INVALID, "jq path expression is empty");
	if (strlen(expr) > JQPATH_MAX_LEN)
		return berr_set(err, BERR_LIMIT, "jq path expression '%.60s...' is longer than %d "
				"characters", expr, JQPATH_MAX_LEN);
	struct node *root = NULL;
	if (next(&ps) == 0) {
		if (ps.tok == T_EOF)
			fail(&ps, BERR_INVALID, expr, "empty expression%s", NULL);
		else
			root = parse_pipe(&ps);
	}
	if (root && !ps.rc && ps.tok != T_EOF)
		fail(&ps, BERR_INVALID, ps.tok_at, "unexpected text%s", NULL);
	if (root && !ps.rc && !is_path(root))
		fail(&ps, BERR_INVALID, expr, "not a path expression (it must name fields, "
		     "like .spec.replicas)%s", NULL);
	buf_release(&ps.text);
	if (ps.rc) {
		node_free(root);
		return ps.rc;
	}
	struct jqpath *p = xcalloc(1, sizeof(*p));
	p->expr = xstrdup(expr);
	p->root = root;
	*out = p;
	return 0;
}

void jqpath_free(struct jqpath *p)
{
	if (!p)
		return;
	node_free(p->root);
	free(p->expr);
	free(p);
}

/* ---- evaluation ---------------------------------------------------------- */

struct value {
	json_t *v;      /* never NULL (json null for missing) */
	json_t *path;   /* NULL when the value is not at a path */
};

struct values {
	struct value *items;
	size_t len, cap;
};

struct eval {
	const struct jqpath *p;
	struct berr *err;
	long steps;
	size_t outputs;
};

static void values_release(struct values *vs)
{
	for (size_t i = 0; i < vs->len; i++) {
		json_decref(vs->items[i].v);
		json_decref(vs->items[i].path);
	}
	free(vs->items);
	memset(vs, 0, sizeof(*vs));
}

/* Appends (v, path): both references are stolen. */
static int emit(struct eval *ev, struct values *out, json_t *v, json_t *path)
{
	if (++ev->outputs > MAX_OUTPUTS) {
		json_decref(v);
		json_decref(path);
		return berr_set(ev->err, BERR_LIMIT, "jq path expression '%.200s' yields more "
				"than %d values", ev->p->expr, MAX_OUTPUTS);
	}
	if (out->len == out->cap) {
		out->cap = out->cap ? out->cap * 2 : 4;
		out->items = xrealloc(out->items, out->cap * sizeof(*out->items));
	}
	out->items[out->len].v = v;
	out->items[out->len].path = path;
	out->len++;
	return 0;
}

static json_t *path_plus(const json_t *path, json_t *component)
{
	if (!path) {
		json_decref(component);
		return NULL;
	}
	json_t *p = json_copy((json_t *)path);
	json_array_append_new(p, component);
	return p;
}

static const char *type_name(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT: return "object";
	case JSON_ARRAY: return "array";
	case JSON_STRING: return "string";
	case JSON_INTEGER: case JSON_REAL: return "number";
	case JSON_TRUE: case JSON_FALSE: return "boolean";
	default: return "null";
	}
}

static int runtime_error(struct eval *ev, const char *what, const json_t *v)
{
	return berr_set(ev->err, BERR_INVALID, "jq path expression '%.200s': %s %s",
			ev->p->expr, what, type_name(v));
}

static int truthy(const json_t *v)
{
	return !json_is_null(v) && !json_is_false(v);
}

/* jq's order: null < false < true < numbers < strings < arrays < objects. */
static int type_rank(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_NULL: return 0;
	case JSON_FALSE: return 1;
	case JSON_TRUE: return 2;
	case JSON_INTEGER: case JSON_REAL: return 3;
	case JSON_STRING: return 4;
	case JSON_ARRAY: return 5;
	default: return 6;
	}
}

static int key_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int jq_cmp(const json_t *a, const json_t *b, int depth)
{
	int ra = type_rank(a), rb = type_rank(b);
	if (ra != rb)
		return ra < rb ? -1 : 1;
	if (depth > MAX_DOC_DEPTH)
		return 0;
	if (ra == 3) {
		double x = json_number_value(a), y = json_number_value(b);
		return x < y ? -1 : x > y;
	}
	if (ra == 4) {
		size_t la = json_string_length(a), lb = json_string_length(b);
		int c = memcmp(json_string_value(a), json_string_value(b), la < lb ? la : lb);
		return c ? (c < 0 ? -1 : 1) : (la < lb ? -1 : la > lb);
	}
	if (ra == 5) {
		size_t la = json_array_size(a), lb = json_array_size(b);
		for (size_t i = 0; i < la && i < lb; i++) {
			int c = jq_cmp(json_array_get(a, i), json_array_get(b, i), depth + 1);
			if (c)
				return c;
		}
		return la < lb ? -1 : la > lb;
	}
	if (ra == 6) {
		/* keys (sorted) first, then the values key by key */
		size_t la = json_object_size(a), lb = json_object_size(b), i = 0;
		const char **ka = xcalloc(la + 1, sizeof(*ka)), **kb = xcalloc(lb + 1, sizeof(*kb));
		const char *k;
		json_t *v;
		json_object_foreach((json_t *)a, k, v)
			ka[i++] = k;
		i = 0;
		json_object_foreach((json_t *)b, k, v)
			kb[i++] = k;
		qsort(ka, la, sizeof(*ka), key_cmp);
		qsort(kb, lb, sizeof(*kb), key_cmp);
		int c = 0;
		for (i = 0; !c && i < la && i < lb; i++)
			c = strcmp(ka[i], kb[i]);
		if (!c)
			c = la < lb ? -1 : la > lb;
		for (i = 0; !c && i < la; i++)
			c = jq_cmp(json_object_get(a, ka[i]), json_object_get(b, ka[i]), depth + 1);
		free(ka);
		free(kb);
		return c < 0 ? -1 : c > 0;
	}
	return 0;
}

static int contains(const json_t *a, const json_t *b, int depth, int *out)
{
	if (type_rank(a) != type_rank(b) && !(json_is_boolean(a) && json_is_boolean(b)))
		return -1;
	if (depth > MAX_DOC_DEPTH) {
		*out = 0;
		return 0;
	}
	if (json_is_string(a)) {
		*out = memmem(json_string_value(a), json_string_length(a), json_string_value(b),
			      json_string_length(b)) != NULL;
	} else {
		*out = jq_cmp(a, b, 0) == 0;
	}
	return 0;
}

static int eval(struct eval *ev, const struct node *n, const json_t *in, const json_t *path,
		struct values *out, int depth);

/* Every value below v (and v), pre-order, as jq's `..`. */
static int recurse(struct eval *ev, const json_t *v, const json_t *path, struct values *out,
		   int depth)
{
	if (depth > MAX_DOC_DEPTH)
		return berr_set(ev->err, BERR_LIMIT, "jq path expression '%.200s': document "
				"nested deeper than %d", ev->p->expr, MAX_DOC_DEPTH);
	int rc = emit(ev, out, json_incref((json_t *)v), path ? json_incref((json_t *)path) : NULL);
	if (rc < 0)
		return rc;
	if (json_is_array(v)) {
		for (size_t i = 0; i < json_array_size(v) && rc == 0; i++) {
			json_t *p = path_plus(path, json_integer((json_int_t)i));
			rc = recurse(ev, json_array_get(v, i), p, out, depth + 1);
			json_decref(p);
		}
	} else if (json_is_object(v)) {
		const char *k;
		json_t *c;
		json_object_foreach((json_t *)v, k, c) {
			json_t *p = path_plus(path, json_string(k));
			rc = recurse(ev, c, p, out, depth + 1);
			json_decref(p);
			if (rc < 0)
				break;
		}
	}
	return rc;
}

/* A string function (test, startswith, endswith, contains, has) on `in`. */
static int eval_predicate(struct eval *ev, const struct node *n, const json_t *in,
			  struct values *out)
{
	int r = 0;
	if (n->kind == N_HAS) {
		if (!json_is_object(in))
			return runtime_error(ev, "has() needs an object, not", in);
		r = json_object_get(in, n->name) != NULL;
	} else if (n->kind == N_CONTAINS) {
		if (contains(in, n->lit, 0, &r) < 0)
			return runtime_error(ev, "contains() needs a string, not", in);
	} else {
		if (!json_is_string(in))
			return runtime_error(ev, n->kind == N_TEST ? "test() needs a string, not"
					     : "startswith()/endswith() need a string, not", in);
		const char *s = json_string_value(in);
		size_t len = json_string_length(in), k = n->name ? strlen(n->name) : 0;
		if (n->kind == N_STARTS) {
			r = len >= k && !memcmp(s, n->name, k);
		} else if (n->kind == N_ENDS) {
			r = len >= k && !memcmp(s + len - k, n->name, k);
		} else {
			pcre2_match_data *md = pcre2_match_data_create_from_pattern(n->re, NULL);
			pcre2_match_context *mc = pcre2_match_context_create(NULL);
			pcre2_set_match_limit(mc, REGEX_MATCH_LIMIT);
			pcre2_set_depth_limit(mc, 1000);
			int m = pcre2_match(n->re, (PCRE2_SPTR)s, len, 0, 0, md, mc);
			pcre2_match_context_free(mc);
			pcre2_match_data_free(md);
			if (m < 0 && m != PCRE2_ERROR_NOMATCH)
				return berr_set(ev->err, m == PCRE2_ERROR_MATCHLIMIT
						|| m == PCRE2_ERROR_DEPTHLIMIT ? BERR_LIMIT : BERR_INVALID,
						"jq path expression '%.200s': test() failed on a string "
						"(%d)", ev->p->expr, m);
			r = m >= 0;
		}
	}
	return emit(ev, out, json_boolean(r), NULL);
}

static int eval(struct eval *ev, const struct node *n, const json_t *in, const json_t *path,
		struct values *out, int depth)
{
	struct values a = { 0 }, b = { 0 };
	int rc = 0;
	if (++ev->steps > MAX_STEPS)
		return berr_set(ev->err, BERR_LIMIT, "jq path expression '%.200s' takes too many "
				"steps", ev->p->expr);
	if (depth > MAX_NEST * 4)
		return berr_set(ev->err, BERR_LIMIT, "jq path expression '%.200s' nests too deep",
				ev->p->expr);
	switch (n->kind) {
	case N_IDENTITY:
		return emit(ev, out, json_incref((json_t *)in), path ? json_incref((json_t *)path)
									: NULL);
	case N_RECURSE:
		return recurse(ev, in, path, out, 0);
	case N_FIELD:
		if (json_is_object(in) || json_is_null(in)) {
			json_t *v = json_object_get(in, n->name);
			return emit(ev, out, v ? json_incref(v) : json_null(),
				    path_plus(path, json_string(n->name)));
		}
		return n->opt ? 0 : runtime_error(ev, "cannot index by a key into", in);
	case N_INDEX:
		if (json_is_array(in) || json_is_null(in)) {
			long long i = n->index, len = (long long)json_array_size(in);
			if (i < 0 && i + len >= 0)
				i += len;
			json_t *v = i >= 0 ? json_array_get(in, (size_t)i) : NULL;
			return emit(ev, out, v ? json_incref(v) : json_null(),
				    path_plus(path, json_integer((json_int_t)i)));
		}
		return n->opt ? 0 : runtime_error(ev, "cannot index by a number into", in);
	case N_ITER:
		if (json_is_array(in)) {
			for (size_t i = 0; i < json_array_size(in) && rc == 0; i++)
				rc = emit(ev, out, json_incref(json_array_get(in, i)),
					  path_plus(path, json_integer((json_int_t)i)));
			return rc;
		}
		if (json_is_object(in)) {
			const char *k;
			json_t *v;
			json_object_foreach((json_t *)in, k, v)
				if ((rc = emit(ev, out, json_incref(v), path_plus(path, json_string(k))))
				    < 0)
					break;
			return rc;
		}
		return n->opt ? 0 : runtime_error(ev, "cannot iterate over", in);
	case N_PIPE:
		if ((rc = eval(ev, n->a, in, path, &a, depth + 1)) == 0)
			for (size_t i = 0; i < a.len && rc == 0; i++)
				rc = eval(ev, n->b, a.items[i].v, a.items[i].path, out, depth + 1);
		break;
	case N_COMMA:
		if ((rc = eval(ev, n->a, in, path, out, depth + 1)) == 0)
			rc = eval(ev, n->b, in, path, out, depth + 1);
		break;
	case N_TRY: {
		/* what came before the error stays; the error goes */
		rc = eval(ev, n->a, in, path, &a, depth + 1);
		if (rc == BERR_INVALID)
			rc = 0;
		for (size_t i = 0; i < a.len; i++) {
			if (rc == 0)
				rc = emit(ev, out, a.items[i].v, a.items[i].path);
			else {
				json_decref(a.items[i].v);
				json_decref(a.items[i].path);
			}
			a.items[i].v = a.items[i].path = NULL;
		}
		a.len = 0;
		break;
	}
	case N_LITERAL:
		return emit(ev, out, json_incref(n->lit), NULL);
	case N_SELECT:
		if ((rc = eval(ev, n->a, in, path, &a, depth + 1)) == 0)
			for (size_t i = 0; i < a.len && rc == 0; i++)
				if (truthy(a.items[i].v))
					rc = emit(ev, out, json_incref((json_t *)in),
						  path ? json_incref((json_t *)path) : NULL);
		break;
	case N_NOT:
		return emit(ev, out, json_boolean(!truthy(in)), NULL);
	case N_AND:
	case N_OR:
		/* jq: for each left value, short-circuit or yield each right value */
		if ((rc = eval(ev, n->a, in, path, &a, depth + 1)) < 0)
			break;
		for (size_t i = 0; i < a.len && rc == 0; i++) {
			int l = truthy(a.items[i].v);
			if (n->kind == N_AND ? !l : l) {
				rc = emit(ev, out, json_boolean(l), NULL);
				continue;
			}
			values_release(&b);
			if ((rc = eval(ev, n->b, in, path, &b, depth + 1)) < 0)
				break;
			for (size_t j = 0; j < b.len && rc == 0; j++)
				rc = emit(ev, out, json_boolean(truthy(b.items[j].v)), NULL);
		}
		break;
	case N_CMP:
		/* jq yields one result per pair, the right side varying first */
		if ((rc = eval(ev, n->b, in, path, &b, depth + 1)) < 0
		    || (rc = eval(ev, n->a, in, path, &a, depth + 1)) < 0)
			break;
		for (size_t j = 0; j < b.len && rc == 0; j++) {
			for (size_t i = 0; i < a.len && rc == 0; i++) {
				int c = jq_cmp(a.items[i].v, b.items[j].v, 0), r = 0;
				switch (n->op) {
				case OP_EQ: r = c == 0; break;
				case OP_NE: r = c != 0; break;
				case OP_LT: r = c < 0; break;
				case OP_LE: r = c <= 0; break;
				case OP_GT: r = c > 0; break;
				case OP_GE: r = c >= 0; break;
				}
				rc = emit(ev, out, json_boolean(r), NULL);
			}
		}
		break;
	case N_TEST:
	case N_STARTS:
	case N_ENDS:
	case N_CONTAINS:
	case N_HAS:
		return eval_predicate(ev, n, in, out);
	}
	values_release(&a);
	values_release(&b);
	return rc;
}

int jqpath_paths(json_t **out, const struct jqpath *p, const json_t *doc, struct berr *err)
{
	struct eval ev = { .p = p, .err = err };
	struct values vs = { 0 };
	json_t *root = json_array();
	*out = NULL;
	int rc = eval(&ev, p->root, doc ? doc : json_null(), root, &vs, 0);
	json_decref(root);
	if (rc < 0) {
		values_release(&vs);
		return rc;
	}
	json_t *paths = json_array();
	for (size_t i = 0; i < vs.len; i++)
		if (vs.items[i].path)   /* compile made sure; a literal never gets here */
			json_array_append(paths, vs.items[i].path);
	values_release(&vs);
	*out = paths;
	return 0;
}

static int path_cmp_desc(const void *a, const void *b)
{
	return -jq_cmp(*(json_t *const *)a, *(json_t *const *)b, 0);
}

/* Deletes one path from doc; a path naming nothing is fine. */
static void delete_path(json_t *doc, const json_t *path)
{
	size_t n = json_array_size(path);
	json_t *node = doc;
	if (n == 0) {           /* `.` itself: nothing of it is compared */
		if (json_is_object(doc))
			json_object_clear(doc);
		else if (json_is_array(doc))
			json_array_clear(doc);
		return;
	}
	for (size_t i = 0; i + 1 < n && node; i++) {
		json_t *c = json_array_get(path, i);
		node = json_is_string(c) ? json_object_get(node, json_string_value(c))
		       : json_is_integer(c) && json_is_array(node)
		       && json_integer_value(c) >= 0 ? json_array_get(node, (size_t)json_integer_value(c))
		       : NULL;
	}
	json_t *last = json_array_get(path, n - 1);
	if (json_is_string(last) && json_is_object(node))
		json_object_del(node, json_string_value(last));
	else if (json_is_integer(last) && json_is_array(node) && json_integer_value(last) >= 0)
		json_array_remove(node, (size_t)json_integer_value(last));
}

int jqpath_delete(const struct jqpath *p, json_t *doc, struct berr *err)
{
	json_t *paths = NULL;
	int rc = jqpath_paths(&paths, p, doc, err);
	if (rc < 0)
		return rc;
	size_t n = json_array_size(paths);
	json_t **v = xcalloc(n ? n : 1, sizeof(*v));
	for (size_t i = 0; i < n; i++)
		v[i] = json_array_get(paths, i);
	qsort(v, n, sizeof(*v), path_cmp_desc);
	for (size_t i = 0; i < n; i++)
		if (i == 0 || jq_cmp(v[i], v[i - 1], 0))       /* a path named twice goes once */
			delete_path(doc, v[i]);
	free(v);
	json_decref(paths);
	return (int)n;
}
