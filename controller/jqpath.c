/*
 * jqpath — a small, bounded jq for ignoreDifferences.jqPathExpressions.
 *
 * Argo CD runs each expression through gojq as del(EXPR). This file
 * implements the part of jq such expressions use, with gojq's answers (the
 * differential test t4003 runs a table of cases through both), and refuses
 * the rest with an error naming the expression and the construct:
 *
 *   paths     .  ..  .a  ."a.b"  .["a"]  .[N]  .[EXPR]  .[N:M]  .[]  `?`
 *             A | B   A, B   A // B   (A)   if C then A elif .. else B end
 *             try A [catch B]   EXPR as $x | A   empty  select(C)
 *             recurse[(f[; C])]  first/last[(f)]  limit(n; f)  getpath(p)
 *             values nulls booleans numbers strings arrays objects
 *             iterables scalars
 *   values    literals, $x, [..], {..}, + - * / %, == != < <= > >=, and,
 *             or, not, length utf8bytelength keys type ascii_downcase
 *             ascii_upcase ltrimstr rtrimstr startswith endswith split join
 *             test contains inside has in index rindex indices any all
 *             map to_entries from_entries with_entries tostring tonumber
 *             tojson fromjson add sort unique min max reverse isempty IN
 *             path paths leaf_paths error
 *
 * The expression is parsed once into a tree. Evaluation is eager: every
 * sub-expression yields a list of values, each with the path it was found
 * at when it is a path (a literal, a sum or map(f) has none). del() needs a
 * path for every value, so a tree whose values can never be paths (`.a |
 * length`) is refused when compiling, and a pathless value met at run time
 * is gojq's "invalid path" error. Objects are walked in sorted key order,
 * as gojq does. Deletion marks array elements first and removes the marks
 * last, so the paths of one expression never shift one another (gojq's
 * delpaths).
 *
 * Limits keep hostile input cheap: JQPATH_MAX_LEN characters, MAX_NODES
 * tree nodes, MAX_NEST nesting, MAX_OUTPUTS values per evaluation, a step
 * budget, MAX_DOC_DEPTH for `..` and recurse, MAX_STRING bytes for one
 * built string or array and MAX_BUILT for all of them, and PCRE2 match
 * limits for test(); a literal regex is compiled once with the expression.
 */
#include <float.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "buf.h"
#include "jqpath.h"

#define MAX_NODES 512
#define MAX_NEST 32
#define MAX_VARS 32
#define MAX_OUTPUTS 65536
#define MAX_STEPS 2000000
#define MAX_DOC_DEPTH 128
#define MAX_STRING (1 << 20)
#define MAX_BUILT (64 << 20)
#define REGEX_MATCH_LIMIT 100000

enum node_kind {
	N_IDENTITY, N_RECURSE, N_FIELD, N_INDEX, N_SLICE, N_ITER, N_PIPE, N_COMMA, N_ALT,
	N_TRY, N_LITERAL, N_AND, N_OR, N_CMP, N_ARITH, N_NEG, N_VAR, N_BIND, N_IF, N_ARRAY,
	N_OBJECT, N_CALL,
};

enum cmp_op { OP_EQ, OP_NE, OP_LT, OP_LE, OP_GT, OP_GE };

enum fn_id {
	F_EMPTY, F_NOT, F_SELECT, F_RECURSE, F_RECURSE_F, F_RECURSE_FC, F_FIRST, F_LAST,
	F_FIRST_F, F_LAST_F, F_LIMIT, F_ISEMPTY, F_GETPATH, F_TYPESEL, F_PATH, F_PATHS,
	F_PATHS_F, F_LEAF_PATHS, F_LENGTH, F_UTF8LEN, F_KEYS, F_TYPE, F_DOWNCASE, F_UPCASE,
	F_LTRIMSTR, F_RTRIMSTR, F_STARTSWITH, F_ENDSWITH, F_SPLIT, F_JOIN, F_TEST, F_CONTAINS,
	F_INSIDE, F_HAS, F_IN, F_INDEX, F_RINDEX, F_INDICES, F_ANY, F_ALL, F_ANY_C, F_ALL_C,
	F_ANY_GC, F_ALL_GC, F_MAP, F_TO_ENTRIES, F_FROM_ENTRIES, F_WITH_ENTRIES, F_TOSTRING,
	F_TONUMBER, F_TOJSON, F_FROMJSON, F_ADD, F_SORT, F_UNIQUE, F_MIN, F_MAX, F_REVERSE,
	F_ERROR, F_IN_STREAM,
};

/* Type masks for the selectors (values, strings, ...). */
enum { TM_NULL = 1, TM_BOOL = 2, TM_NUM = 4, TM_STR = 8, TM_ARR = 16, TM_OBJ = 32 };

/*
 * The builtins. `args` tells how arguments are evaluated: ARG_VALUES ones
 * are evaluated against the input first and the function runs once per
 * combination (jq's `def f($a)`); ARG_FILTERS ones are run by the function
 * itself (`def f(g)`). `path` says whether the values keep their paths.
 */
enum { ARG_VALUES, ARG_FILTERS };

static const struct builtin {
	const char *name;
	int nargs, args, path;
	enum fn_id id;
	int mask;
} builtins[] = {
	{ "empty", 0, ARG_FILTERS, 1, F_EMPTY, 0 },
	{ "not", 0, ARG_VALUES, 0, F_NOT, 0 },
	{ "select", 1, ARG_FILTERS, 1, F_SELECT, 0 },
	{ "recurse", 0, ARG_FILTERS, 1, F_RECURSE, 0 },
	{ "recurse", 1, ARG_FILTERS, 1, F_RECURSE_F, 0 },
	{ "recurse", 2, ARG_FILTERS, 1, F_RECURSE_FC, 0 },
	{ "first", 0, ARG_FILTERS, 1, F_FIRST, 0 },
	{ "last", 0, ARG_FILTERS, 1, F_LAST, 0 },
	{ "first", 1, ARG_FILTERS, 1, F_FIRST_F, 0 },
	{ "last", 1, ARG_FILTERS, 0, F_LAST_F, 0 },     /* gojq: a reduce, no path */
	{ "limit", 2, ARG_FILTERS, 1, F_LIMIT, 0 },
	{ "isempty", 1, ARG_FILTERS, 0, F_ISEMPTY, 0 },
	{ "getpath", 1, ARG_VALUES, 1, F_GETPATH, 0 },
	{ "values", 0, ARG_FILTERS, 1, F_TYPESEL, ~TM_NULL & 63 },
	{ "nulls", 0, ARG_FILTERS, 1, F_TYPESEL, TM_NULL },
	{ "booleans", 0, ARG_FILTERS, 1, F_TYPESEL, TM_BOOL },
	{ "numbers", 0, ARG_FILTERS, 1, F_TYPESEL, TM_NUM },
	{ "strings", 0, ARG_FILTERS, 1, F_TYPESEL, TM_STR },
	{ "arrays", 0, ARG_FILTERS, 1, F_TYPESEL, TM_ARR },
	{ "objects", 0, ARG_FILTERS, 1, F_TYPESEL, TM_OBJ },
	{ "iterables", 0, ARG_FILTERS, 1, F_TYPESEL, TM_ARR | TM_OBJ },
	{ "scalars", 0, ARG_FILTERS, 1, F_TYPESEL, TM_NULL | TM_BOOL | TM_NUM | TM_STR },
	{ "path", 1, ARG_FILTERS, 0, F_PATH, 0 },
	{ "paths", 0, ARG_FILTERS, 0, F_PATHS, 0 },
	{ "paths", 1, ARG_FILTERS, 0, F_PATHS_F, 0 },
	{ "leaf_paths", 0, ARG_FILTERS, 0, F_LEAF_PATHS, 0 },
	{ "length", 0, ARG_VALUES, 0, F_LENGTH, 0 },
	{ "utf8bytelength", 0, ARG_VALUES, 0, F_UTF8LEN, 0 },
	{ "keys", 0, ARG_VALUES, 0, F_KEYS, 0 },
	{ "type", 0, ARG_VALUES, 0, F_TYPE, 0 },
	{ "ascii_downcase", 0, ARG_VALUES, 0, F_DOWNCASE, 0 },
	{ "ascii_upcase", 0, ARG_VALUES, 0, F_UPCASE, 0 },
	{ "ltrimstr", 1, ARG_VALUES, 0, F_LTRIMSTR, 0 },
	{ "rtrimstr", 1, ARG_VALUES, 0, F_RTRIMSTR, 0 },
	{ "startswith", 1, ARG_VALUES, 0, F_STARTSWITH, 0 },
	{ "endswith", 1, ARG_VALUES, 0, F_ENDSWITH, 0 },
	{ "split", 1, ARG_VALUES, 0, F_SPLIT, 0 },
	{ "join", 1, ARG_VALUES, 0, F_JOIN, 0 },
	{ "test", 1, ARG_VALUES, 0, F_TEST, 0 },
	{ "test", 2, ARG_VALUES, 0, F_TEST, 0 },
	{ "contains", 1, ARG_VALUES, 0, F_CONTAINS, 0 },
	{ "inside", 1, ARG_VALUES, 0, F_INSIDE, 0 },
	{ "has", 1, ARG_VALUES, 0, F_HAS, 0 },
	{ "in", 1, ARG_VALUES, 0, F_IN, 0 },
	{ "IN", 1, ARG_FILTERS, 0, F_IN_STREAM, 0 },
	{ "index", 1, ARG_VALUES, 0, F_INDEX, 0 },
	{ "rindex", 1, ARG_VALUES, 0, F_RINDEX, 0 },
	{ "indices", 1, ARG_VALUES, 0, F_INDICES, 0 },
	{ "any", 0, ARG_VALUES, 0, F_ANY, 0 },
	{ "all", 0, ARG_VALUES, 0, F_ALL, 0 },
	{ "any", 1, ARG_FILTERS, 0, F_ANY_C, 0 },
	{ "all", 1, ARG_FILTERS, 0, F_ALL_C, 0 },
	{ "any", 2, ARG_FILTERS, 0, F_ANY_GC, 0 },
	{ "all", 2, ARG_FILTERS, 0, F_ALL_GC, 0 },
	{ "map", 1, ARG_FILTERS, 0, F_MAP, 0 },
	{ "to_entries", 0, ARG_VALUES, 0, F_TO_ENTRIES, 0 },
	{ "from_entries", 0, ARG_VALUES, 0, F_FROM_ENTRIES, 0 },
	{ "with_entries", 1, ARG_FILTERS, 0, F_WITH_ENTRIES, 0 },
	{ "tostring", 0, ARG_VALUES, 0, F_TOSTRING, 0 },
	{ "tonumber", 0, ARG_VALUES, 0, F_TONUMBER, 0 },
	{ "tojson", 0, ARG_VALUES, 0, F_TOJSON, 0 },
	{ "fromjson", 0, ARG_VALUES, 0, F_FROMJSON, 0 },
	{ "add", 0, ARG_VALUES, 0, F_ADD, 0 },
	{ "sort", 0, ARG_VALUES, 0, F_SORT, 0 },
	{ "unique", 0, ARG_VALUES, 0, F_UNIQUE, 0 },
	{ "min", 0, ARG_VALUES, 0, F_MIN, 0 },
	{ "max", 0, ARG_VALUES, 0, F_MAX, 0 },
	{ "reverse", 0, ARG_VALUES, 0, F_REVERSE, 0 },
	{ "error", 0, ARG_VALUES, 1, F_ERROR, 0 },     /* these yield nothing */
	{ "error", 1, ARG_VALUES, 1, F_ERROR, 0 },
};

struct node {
	enum node_kind kind;
	struct node *a, *b, *c;
	struct node **args;     /* N_CALL arguments; N_OBJECT keys and values, paired */
	int nargs;
	char *name;             /* N_FIELD key, N_VAR and N_BIND variable */
	const struct builtin *fn;       /* N_CALL */
	int op;                 /* N_CMP: enum cmp_op; N_ARITH: + - * / % */
	int opt;                /* N_FIELD, N_ITER, N_INDEX, N_SLICE: `?` after it */
	json_t *lit;            /* N_LITERAL */
	pcre2_code *re;         /* N_CALL test() with a literal pattern and flags */
};

struct jqpath {
	char *expr;
	struct node *root;
};

/* ---- lexer --------------------------------------------------------------- */

enum tok_kind {
	T_EOF, T_DOT, T_DOTDOT, T_FIELD, T_IDENT, T_VAR, T_STRING, T_NUMBER, T_LBRACK,
	T_RBRACK, T_LPAREN, T_RPAREN, T_LBRACE, T_RBRACE, T_PIPE, T_COMMA, T_SEMI, T_COLON,
	T_QMARK, T_CMP, T_ALT, T_ARITH,
};

struct parser {
	const char *expr, *p;
	enum tok_kind tok;
	const char *tok_at;
	struct buf text;        /* T_FIELD, T_IDENT, T_VAR, T_STRING */
	double num;
	int op;                 /* T_CMP: enum cmp_op; T_ARITH: the character */
	int nodes, nest;
	const char *vars[MAX_VARS];     /* the variables in scope */
	int nvars;
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
		case '(':
			return fail(ps, BERR_INVALID, s, "string interpolation \\(...) is not "
				    "supported%s", NULL);
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

static int lex_word(struct parser *ps, const char *from, enum tok_kind kind)
{
	const char *e = from;
	while (is_ident((unsigned char)*e))
		e++;
	buf_reset(&ps->text);
	buf_add(&ps->text, from, (size_t)(e - from));
	ps->tok = kind;
	ps->p = e;
	return 0;
}

static int next(struct parser *ps)
{
	while (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\n' || *ps->p == '\r')
		ps->p++;
	if (*ps->p == '#')
		return fail(ps, BERR_INVALID, ps->p, "comments are not supported%s", NULL);
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
			return lex_word(ps, p + 1, T_FIELD);
		} else if (p[1] == '"') {
			ps->p = p + 1;
			if (lex_string(ps) < 0)
				return ps->rc;
			ps->tok = T_FIELD;
		} else if (p[1] >= '0' && p[1] <= '9') {
			goto number;
		} else {
			ps->tok = T_DOT;
			ps->p = p + 1;
		}
		return 0;
	}
	if (is_ident_start((unsigned char)c))
		return lex_word(ps, p, T_IDENT);
	if (c == '$') {
		if (!is_ident_start((unsigned char)p[1]))
			return fail(ps, BERR_INVALID, p, "expected a variable name after '$'%s", NULL);
		return lex_word(ps, p + 1, T_VAR);
	}
	if (c == '"') {
		ps->tok = T_STRING;
		return lex_string(ps);
	}
	if (c >= '0' && c <= '9') {
number:;
		char *e;
		ps->num = strtod(p, &e);
		if (!isfinite(ps->num))
			return fail(ps, BERR_INVALID, p, "number out of range%s", NULL);
		ps->tok = T_NUMBER;
		ps->p = e;
		return 0;
	}
	static const struct { const char *s; enum tok_kind t; int op; } ops[] = {
		{ "==", T_CMP, OP_EQ }, { "!=", T_CMP, OP_NE }, { "<=", T_CMP, OP_LE },
		{ ">=", T_CMP, OP_GE }, { "<", T_CMP, OP_LT }, { ">", T_CMP, OP_GT },
		{ "//", T_ALT, 0 }, { "+", T_ARITH, '+' }, { "-", T_ARITH, '-' },
		{ "*", T_ARITH, '*' }, { "/", T_ARITH, '/' }, { "%", T_ARITH, '%' },
		{ "[", T_LBRACK, 0 }, { "]", T_RBRACK, 0 }, { "(", T_LPAREN, 0 },
		{ ")", T_RPAREN, 0 }, { "{", T_LBRACE, 0 }, { "}", T_RBRACE, 0 },
		{ "|", T_PIPE, 0 }, { ",", T_COMMA, 0 }, { ";", T_SEMI, 0 }, { ":", T_COLON, 0 },
		{ "?", T_QMARK, 0 },
	};
	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
		size_t n = strlen(ops[i].s);
		if (strncmp(p, ops[i].s, n))
			continue;
		if ((ops[i].t == T_PIPE || ops[i].t == T_ARITH || ops[i].t == T_ALT) && p[n] == '=')
			return fail(ps, BERR_INVALID, p, "unexpected '%s=': assignments are not path "
				    "expressions", ops[i].s);
		if (ops[i].t == T_QMARK && p[1] == '/' && p[2] == '/')
			return fail(ps, BERR_INVALID, p, "'?//' is not supported%s", NULL);
		ps->tok = ops[i].t;
		ps->op = ops[i].op;
		ps->p = p + n;
		return 0;
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
	node_free(n->c);
	for (int i = 0; i < n->nargs; i++)
		node_free(n->args[i]);
	free(n->args);
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

/* A node of kind over a, b, c (any may be NULL); frees them all on failure. */
static struct node *node3(struct parser *ps, enum node_kind kind, struct node *a,
			  struct node *b, struct node *c)
{
	struct node *n = ps->rc ? NULL : node_new(ps, kind);
	if (!n) {
		node_free(a);
		node_free(b);
		node_free(c);
		return NULL;
	}
	n->a = a;
	n->b = b;
	n->c = c;
	return n;
}

/* A binary node: NULL (with both freed) when either side failed. */
static struct node *binary(struct parser *ps, enum node_kind kind, struct node *a,
			   struct node *b)
{
	if (!a || !b) {
		node_free(a);
		node_free(b);
		return NULL;
	}
	return node3(ps, kind, a, b, NULL);
}

static struct node *parse_pipe(struct parser *ps);
static struct node *parse_alt(struct parser *ps);
static struct node *parse_postfix(struct parser *ps);

static int expect(struct parser *ps, enum tok_kind t, const char *what)
{
	if (ps->rc)
		return ps->rc;
	if (ps->tok != t)
		return fail(ps, BERR_INVALID, ps->tok_at, "expected %s", what);
	return next(ps);
}

static int at_keyword(struct parser *ps, const char *kw)
{
	return ps->tok == T_IDENT && !strcmp(ps->text.data, kw);
}

/* `kw` next, then a pipe; NULL (with the error set) otherwise. */
static struct node *keyword_then_pipe(struct parser *ps, const char *kw)
{
	if (ps->rc)
		return NULL;
	if (!at_keyword(ps, kw)) {
		fail(ps, BERR_INVALID, ps->tok_at, "expected '%s'", kw);
		return NULL;
	}
	return next(ps) < 0 ? NULL : parse_pipe(ps);
}

static struct node *literal(struct parser *ps, json_t *v)
{
	struct node *n = node_new(ps, N_LITERAL);
	if (n)
		n->lit = v;
	else
		json_decref(v);
	return n;
}

/* A JSON number for d; like gojq, infinities become the largest double. */
static json_t *number_new(double d)
{
	if (isnan(d))
		return json_null();
	if (isinf(d))
		d = d > 0 ? DBL_MAX : -DBL_MAX;
	if (d == floor(d) && fabs(d) < 9007199254740992.0)
		return json_integer((json_int_t)d);
	return json_real(d);
}

/* Compiles a test() regex with jq's flags; NULL with *msg set when bad. */
static pcre2_code *regex_compile(const char *re, size_t len, const char *flags, char *msg,
				 size_t msgsize)
{
	uint32_t opts = PCRE2_UTF;
	for (const char *f = flags ? flags : ""; *f; f++) {
		if (*f == 'i')
			opts |= PCRE2_CASELESS;
		else if (*f == 'x')
			opts |= PCRE2_EXTENDED;
		else if (*f == 's')
			opts |= PCRE2_DOTALL;
		else if (*f != 'g' && *f != 'n' && *f != 'l') {
			snprintf(msg, msgsize, "unknown regex flag '%c' in test()", *f);
			return NULL;
		}
	}
	int ec;
	PCRE2_SIZE off;
	pcre2_code *code = pcre2_compile((PCRE2_SPTR)re, len, opts, &ec, &off, NULL);
	if (!code) {
		PCRE2_UCHAR m[120];
		pcre2_get_error_message(ec, m, sizeof(m));
		snprintf(msg, msgsize, "bad regular expression in test(): %s", (const char *)m);
	}
	return code;
}

static const struct builtin *builtin_find(const char *name, int nargs, int *name_known)
{
	*name_known = 0;
	for (size_t i = 0; i < sizeof(builtins) / sizeof(builtins[0]); i++) {
		if (strcmp(builtins[i].name, name))
			continue;
		*name_known = 1;
		if (builtins[i].nargs == nargs)
			return &builtins[i];
	}
	return NULL;
}

/* name or name(args; ...), at ps->tok == T_IDENT. */
static struct node *parse_call(struct parser *ps, const char *name, const char *at)
{
	struct node *args[2] = { NULL, NULL };
	int nargs = 0;
	if (next(ps) < 0)
		return NULL;
	if (ps->tok == T_LPAREN) {
		do {
			if (next(ps) < 0)
				break;
			if (nargs == 2) {
				fail(ps, BERR_INVALID, ps->tok_at, "'%s' takes at most 2 arguments",
				     name);
				break;
			}
			args[nargs++] = parse_pipe(ps);
		} while (!ps->rc && ps->tok == T_SEMI);
		expect(ps, T_RPAREN, "')'");
	}
	int known;
	const struct builtin *fn = ps->rc ? NULL : builtin_find(name, nargs, &known);
	if (!fn && !ps->rc) {
		char what[120];
		snprintf(what, sizeof(what), "%.64s/%d", name, nargs);
		fail(ps, BERR_INVALID, at, known ? "'%s' takes another number of arguments"
		     : "'%s' is not supported in jqPathExpressions", what);
	}
	struct node *n = fn ? node_new(ps, N_CALL) : NULL;
	if (!n) {
		node_free(args[0]);
		node_free(args[1]);
		return NULL;
	}
	n->fn = fn;
	n->nargs = nargs;
	n->args = xcalloc(2, sizeof(*n->args));
	n->args[0] = args[0];
	n->args[1] = args[1];
	if (fn->id == F_TEST && args[0]->kind == N_LITERAL && json_is_string(args[0]->lit)
	    && (nargs == 1 || (args[1]->kind == N_LITERAL && json_is_string(args[1]->lit)))) {
		char msg[200];
		n->re = regex_compile(json_string_value(args[0]->lit),
				      json_string_length(args[0]->lit),
				      nargs == 2 ? json_string_value(args[1]->lit) : NULL,
				      msg, sizeof(msg));
		if (!n->re) {
			node_free(n);
			fail(ps, BERR_INVALID, at, "%s", msg);
			return NULL;
		}
	}
	return n;
}

/* if C then A (elif C then A)* [else B] end, after `if`/`elif`. */
static struct node *parse_if(struct parser *ps)
{
	if (next(ps) < 0)
		return NULL;
	struct node *cond = parse_pipe(ps);
	struct node *then = cond ? keyword_then_pipe(ps, "then") : NULL, *other = NULL;
	if (then && at_keyword(ps, "elif")) {
		other = parse_if(ps);
		return node3(ps, N_IF, cond, then, other);
	}
	if (then && at_keyword(ps, "else"))
		other = keyword_then_pipe(ps, "else");
	if (then && !ps->rc && !at_keyword(ps, "end"))
		fail(ps, BERR_INVALID, ps->tok_at, "expected 'end'%s", NULL);
	if (then && !ps->rc)
		next(ps);
	return node3(ps, N_IF, cond, then, other);
}

/* An object value: pipes of alternatives, no commas (jq's ObjVal). */
static struct node *parse_objval(struct parser *ps)
{
	struct node *n = parse_alt(ps);
	while (n && ps->tok == T_PIPE) {
		if (next(ps) < 0) {
			node_free(n);
			return NULL;
		}
		n = binary(ps, N_PIPE, n, parse_alt(ps));
	}
	return n;
}

static struct node *field_node(struct parser *ps, const char *name)
{
	struct node *n = node_new(ps, N_FIELD);
	if (n)
		n->name = xstrdup(name);
	return n;
}

/* {k: v, "k": v, (f): v, k, "k", $x}, at `{`. */
static struct node *parse_object(struct parser *ps)
{
	struct node *obj = node_new(ps, N_OBJECT);
	if (!obj || next(ps) < 0) {
		node_free(obj);
		return NULL;
	}
	while (!ps->rc && ps->tok != T_RBRACE) {
		struct node *key = NULL, *val = NULL;
		const char *at = ps->tok_at;
		if (ps->tok == T_IDENT || ps->tok == T_STRING) {
			char *k = xstrdup(ps->text.data);
			key = literal(ps, json_string(k));
			if (key && next(ps) == 0 && ps->tok != T_COLON)
				val = field_node(ps, k);
			free(k);
		} else if (ps->tok == T_VAR) {
			int i = ps->nvars - 1;
			while (i >= 0 && strcmp(ps->vars[i], ps->text.data))
				i--;
			if (i < 0) {
				fail(ps, BERR_INVALID, at, "variable '$%s' is not defined",
				     ps->text.data);
				break;
			}
			key = literal(ps, json_string(ps->text.data));
			if (key && (val = node_new(ps, N_VAR)))
				val->name = xstrdup(ps->text.data);
			next(ps);
		} else if (ps->tok == T_LPAREN) {
			if (next(ps) == 0 && (key = parse_pipe(ps)))
				expect(ps, T_RPAREN, "')'");
			if (!ps->rc && ps->tok != T_COLON)
				fail(ps, BERR_INVALID, ps->tok_at, "expected ':'%s", NULL);
		} else {
			fail(ps, BERR_INVALID, at, "expected an object key%s", NULL);
		}
		if (!ps->rc && !val && ps->tok == T_COLON && next(ps) == 0)
			val = parse_objval(ps);
		if (ps->rc) {
			node_free(key);
			node_free(val);
			break;
		}
		obj->args = xrealloc(obj->args, (size_t)(obj->nargs + 2) * sizeof(*obj->args));
		obj->args[obj->nargs++] = key;
		obj->args[obj->nargs++] = val;
		if (ps->tok == T_COMMA)
			next(ps);
		else if (ps->tok != T_RBRACE)
			fail(ps, BERR_INVALID, ps->tok_at, "expected ',' or '}'%s", NULL);
	}
	if (ps->rc || next(ps) < 0) {
		node_free(obj);
		return NULL;
	}
	return obj;
}

/* `[...]` after a term: [], [f], [f:g], [:g], [f:]; ps->tok is T_LBRACK. */
static struct node *parse_bracket(struct parser *ps, struct node *term)
{
	struct node *from = NULL, *to = NULL, *n = NULL;
	if (next(ps) < 0) {
		node_free(term);
		return NULL;
	}
	if (ps->tok == T_RBRACK) {
		next(ps);
		return binary(ps, N_PIPE, term, node_new(ps, N_ITER));
	}
	if (ps->tok != T_COLON)
		from = parse_pipe(ps);
	if (!ps->rc && ps->tok == T_COLON) {
		if (next(ps) == 0 && ps->tok != T_RBRACK)
			to = parse_pipe(ps);
		if (!ps->rc && !from && !to)
			fail(ps, BERR_INVALID, ps->tok_at, "a slice needs a start or an end%s", NULL);
		n = node3(ps, N_SLICE, term, from, to);
	} else {
		n = node3(ps, N_INDEX, term, from, NULL);
	}
	if (n && expect(ps, T_RBRACK, "']'") < 0) {
		node_free(n);
		return NULL;
	}
	return n;
}

static int parse_nest(struct parser *ps, const char *at)
{
	if (++ps->nest > MAX_NEST)
		return fail(ps, BERR_LIMIT, at, "nested more than 32 deep%s", NULL);
	return 0;
}

/* TERM as $name | BODY, at `as`. */
static struct node *parse_bind(struct parser *ps, struct node *src)
{
	if (next(ps) < 0 || (ps->tok != T_VAR
			     && fail(ps, BERR_INVALID, ps->tok_at, "expected a variable after 'as' "
				     "(destructuring is not supported)%s", NULL))) {
		node_free(src);
		return NULL;
	}
	if (ps->nvars == MAX_VARS) {
		fail(ps, BERR_LIMIT, ps->tok_at, "more than 32 variables%s", NULL);
		node_free(src);
		return NULL;
	}
	struct node *n = node3(ps, N_BIND, src, NULL, NULL);
	if (!n)
		return NULL;
	n->name = xstrdup(ps->text.data);
	if (next(ps) < 0 || expect(ps, T_PIPE, "'|' after the variable") < 0) {
		node_free(n);
		return NULL;
	}
	ps->vars[ps->nvars++] = n->name;
	n->b = parse_pipe(ps);
	ps->nvars--;
	if (!n->b) {
		node_free(n);
		return NULL;
	}
	return n;
}

static struct node *parse_primary(struct parser *ps)
{
	struct node *n = NULL;
	const char *at = ps->tok_at;
	switch (ps->tok) {
	case T_DOT:
		if (next(ps) < 0)
			break;
		if (ps->tok == T_STRING)        /* . "key" is not jq; ."key" is */
			fail(ps, BERR_INVALID, ps->tok_at, "unexpected string after '.'%s", NULL);
		else
			n = node_new(ps, N_IDENTITY);
		break;
	case T_DOTDOT:
		if (next(ps) == 0)
			n = node_new(ps, N_RECURSE);
		break;
	case T_FIELD:
		n = field_node(ps, ps->text.data);
		if (n && next(ps) < 0) {
			node_free(n);
			n = NULL;
		}
		break;
	case T_STRING:
	case T_NUMBER:
		n = literal(ps, ps->tok == T_STRING ? json_string(ps->text.data)
			    : number_new(ps->num));
		if (n && next(ps) < 0) {
			node_free(n);
			n = NULL;
		}
		break;
	case T_VAR: {
		int i = ps->nvars - 1;
		while (i >= 0 && strcmp(ps->vars[i], ps->text.data))
			i--;
		if (i < 0) {
			fail(ps, BERR_INVALID, at, "variable '$%s' is not defined", ps->text.data);
			break;
		}
		if ((n = node_new(ps, N_VAR)))
			n->name = xstrdup(ps->text.data);
		if (n && next(ps) < 0) {
			node_free(n);
			n = NULL;
		}
		break;
	}
	case T_LPAREN:
		if (next(ps) < 0)
			break;
		n = parse_pipe(ps);
		if (n && expect(ps, T_RPAREN, "')'") < 0) {
			node_free(n);
			n = NULL;
		}
		break;
	case T_LBRACK:
		if (next(ps) < 0)
			break;
		if (ps->tok == T_RBRACK) {
			n = node3(ps, N_ARRAY, NULL, NULL, NULL);
		} else {
			struct node *items = parse_pipe(ps);
			n = items ? node3(ps, N_ARRAY, items, NULL, NULL) : NULL;
		}
		if (n && expect(ps, T_RBRACK, "']'") < 0) {
			node_free(n);
			n = NULL;
		}
		break;
	case T_LBRACE:
		n = parse_object(ps);
		break;
	case T_IDENT: {
		char name[64];
		snprintf(name, sizeof(name), "%s", ps->text.data);
		if (!strcmp(name, "true") || !strcmp(name, "false") || !strcmp(name, "null")) {
			n = literal(ps, name[0] == 't' ? json_true() : name[0] == 'f' ? json_false()
				    : json_null());
			if (n && next(ps) < 0) {
				node_free(n);
				n = NULL;
			}
		} else if (!strcmp(name, "if")) {
			n = parse_if(ps);
		} else if (!strcmp(name, "try")) {
			struct node *body = next(ps) < 0 ? NULL : parse_postfix(ps), *handler = NULL;
			if (body && at_keyword(ps, "catch") && next(ps) == 0)
				handler = parse_postfix(ps);
			n = body && (handler || !ps->rc) ? node3(ps, N_TRY, body, handler, NULL) : NULL;
			if (!n)
				node_free(body);
		} else if (!strcmp(name, "reduce") || !strcmp(name, "foreach")
			   || !strcmp(name, "def") || !strcmp(name, "label")
			   || !strcmp(name, "import") || !strcmp(name, "include")) {
			fail(ps, BERR_INVALID, at, "'%s' is not supported in jqPathExpressions", name);
		} else {
			n = parse_call(ps, name, at);
		}
		break;
	}
	case T_EOF:
		fail(ps, BERR_INVALID, at, "unexpected end of expression%s", NULL);
		break;
	default:
		fail(ps, BERR_INVALID, at, "expected a path, a literal or a function%s", NULL);
		break;
	}
	return n;
}

/* The suffix `?` applies to: the last index or iteration, else NULL. */
static struct node *last_step(struct node *n)
{
	if (n->kind == N_FIELD || n->kind == N_INDEX || n->kind == N_SLICE)
		return n;
	if (n->kind == N_PIPE && (n->b->kind == N_FIELD || n->b->kind == N_ITER))
		return n->b;
	return NULL;
}

/*
 * A primary and its suffixes: .a  ."a"  [..]  .[..]  ?  and `as $x | ...`.
 * As in gojq, `?` makes the step just before it optional (.a.b? fails when
 * .a is a string) and wraps anything else in try.
 */
static struct node *parse_postfix(struct parser *ps)
{
	if (ps->rc || parse_nest(ps, ps->tok_at) < 0)
		return NULL;
	struct node *n = parse_primary(ps);
	int stepped = n && n->kind == N_FIELD;
	while (n && !ps->rc) {
		if (ps->tok == T_FIELD) {
			struct node *f = field_node(ps, ps->text.data);
			n = binary(ps, N_PIPE, n, f);
			if (n)
				next(ps);
		} else if (ps->tok == T_LBRACK) {
			n = parse_bracket(ps, n);
		} else if (ps->tok == T_DOT && ps->p[0] == '[') {       /* .a.[0] */
			if (next(ps) == 0)
				n = parse_bracket(ps, n);
		} else if (ps->tok == T_QMARK) {
			struct node *step = stepped ? last_step(n) : NULL;
			if (step)
				step->opt = 1;
			else
				n = node3(ps, N_TRY, n, NULL, NULL);
			if (n)
				next(ps);
			stepped = 0;
			continue;
		} else {
			break;
		}
		stepped = 1;
	}
	if (n && !ps->rc && at_keyword(ps, "as"))
		n = parse_bind(ps, n);
	ps->nest--;
	if (ps->rc) {
		node_free(n);
		return NULL;
	}
	return n;
}

static struct node *parse_unary(struct parser *ps)
{
	if (ps->tok == T_ARITH && ps->op == '-') {
		if (parse_nest(ps, ps->tok_at) < 0 || next(ps) < 0)
			return NULL;
		struct node *n = node3(ps, N_NEG, parse_unary(ps), NULL, NULL);
		if (n && !n->a) {
			node_free(n);
			n = NULL;
		}
		ps->nest--;
		return n;
	}
	return parse_postfix(ps);
}

/* Left-associative arithmetic over ops (a string of operator characters). */
static struct node *parse_arith(struct parser *ps, const char *ops)
{
	struct node *n = ops[0] == '*' ? parse_unary(ps) : parse_arith(ps, "*/%");
	while (n && ps->tok == T_ARITH && strchr(ops, ps->op)) {
		int op = ps->op;
		if (next(ps) < 0) {
			node_free(n);
			return NULL;
		}
		n = binary(ps, N_ARITH, n, ops[0] == '*' ? parse_unary(ps) : parse_arith(ps, "*/%"));
		if (n)
			n->op = op;
	}
	return n;
}

static struct node *parse_cmp(struct parser *ps)
{
	struct node *a = parse_arith(ps, "+-");
	if (!a || ps->tok != T_CMP)
		return a;
	int op = ps->op;
	if (next(ps) < 0) {
		node_free(a);
		return NULL;
	}
	struct node *n = binary(ps, N_CMP, a, parse_arith(ps, "+-"));
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

/* a // b, right-associative */
static struct node *parse_alt(struct parser *ps)
{
	struct node *n = parse_or(ps);
	if (!n || ps->tok != T_ALT)
		return n;
	if (parse_nest(ps, ps->tok_at) < 0 || next(ps) < 0) {
		node_free(n);
		return NULL;
	}
	n = binary(ps, N_ALT, n, parse_alt(ps));
	ps->nest--;
	return n;
}

static struct node *parse_comma(struct parser *ps)
{
	struct node *n = parse_alt(ps);
	while (n && ps->tok == T_COMMA) {
		if (next(ps) < 0) {
			node_free(n);
			return NULL;
		}
		n = binary(ps, N_COMMA, n, parse_alt(ps));
	}
	return n;
}

static struct node *parse_pipe(struct parser *ps)
{
	if (parse_nest(ps, ps->tok_at) < 0)
		return NULL;
	struct node *n = parse_comma(ps);
	if (n && ps->tok == T_PIPE) {
		if (next(ps) < 0) {
			node_free(n);
			n = NULL;
		} else {
			n = binary(ps, N_PIPE, n, parse_pipe(ps));
		}
	}
	ps->nest--;
	return n;
}

/*
 * The node that makes every value of n pathless (a literal, a sum, a
 * builtin like length or map), or NULL when n may yield paths.
 */
static const struct node *non_path(const struct node *n)
{
	const struct node *a, *b;
	switch (n->kind) {
	case N_IDENTITY: case N_RECURSE: case N_FIELD: case N_ITER:
		return NULL;
	case N_INDEX: case N_SLICE:
		return non_path(n->a);
	case N_PIPE:
		return (b = non_path(n->b)) ? b : non_path(n->a);
	case N_COMMA: case N_ALT:
		a = non_path(n->a);
		return a && non_path(n->b) ? a : NULL;
	case N_IF:
		a = non_path(n->b);
		return a && n->c && non_path(n->c) ? a : NULL;
	case N_TRY:
		a = non_path(n->a);
		return a && (!n->b || non_path(n->b)) ? a : NULL;
	case N_BIND:
		return non_path(n->b);
	case N_CALL:
		if (!n->fn->path)
			return n;
		if (n->fn->id == F_FIRST_F)
			return non_path(n->args[0]);
		if (n->fn->id == F_LIMIT)
			return non_path(n->args[1]);
		return NULL;
	default:
		return n;
	}
}

static void describe(struct buf *b, const struct node *n)
{
	switch (n->kind) {
	case N_CALL: buf_addf(b, "%s", n->fn->name); break;
	case N_LITERAL: buf_adds(b, "a literal"); break;
	case N_VAR: buf_addf(b, "$%s", n->name); break;
	case N_ARRAY: buf_adds(b, "[...]"); break;
	case N_OBJECT: buf_adds(b, "{...}"); break;
	case N_CMP: buf_adds(b, "a comparison"); break;
	case N_AND: buf_adds(b, "and"); break;
	case N_OR: buf_adds(b, "or"); break;
	case N_ARITH: buf_addf(b, "'%c'", n->op); break;
	case N_NEG: buf_adds(b, "'-'"); break;
	default: buf_adds(b, "this expression"); break;
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
	const struct node *np = root && !ps.rc ? non_path(root) : NULL;
	if (np) {
		struct buf what = BUF_INIT;
		describe(&what, np);
		fail(&ps, BERR_INVALID, expr, "not a path expression: %s gives values, not the "
		     "paths del() needs (name fields, like .spec.replicas)", what.data);
		buf_release(&what);
	}
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

/* ---- values -------------------------------------------------------------- */

struct value {
	json_t *v;      /* never NULL (json null for missing) */
	json_t *path;   /* NULL when the value is not at a path */
};

/* A list of values; with max set, emit() returns EMIT_FULL once it holds max. */
struct values {
	struct value *items;
	size_t len, cap, max;
};

#define EMIT_FULL 1

/* The variables in scope, innermost first. */
struct env {
	const char *name;
	const json_t *v;
	const struct env *up;
};

struct eval {
	const struct jqpath *p;
	struct berr *err;
	long steps;
	size_t outputs, built;
	json_t *thrown;         /* the value of the last runtime error, for catch */
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
	return out->max && out->len >= out->max ? EMIT_FULL : 0;
}

static int emit_value(struct eval *ev, struct values *out, json_t *v)
{
	return emit(ev, out, v, NULL);
}

static int emit_same(struct eval *ev, struct values *out, const json_t *v, const json_t *path)
{
	return emit(ev, out, json_incref((json_t *)v), path ? json_incref((json_t *)path) : NULL);
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

/* A jq runtime error (try and `?` catch it): the message names the expression. */
static int rt_error(struct eval *ev, const char *fmt, ...)
{
	char msg[300];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	json_decref(ev->thrown);
	ev->thrown = json_string(msg);
	return berr_set(ev->err, BERR_INVALID, "jq path expression '%.200s': %s", ev->p->expr,
			msg);
}

static int runtime_error(struct eval *ev, const char *what, const json_t *v)
{
	return rt_error(ev, "%s %s", what, type_name(v));
}

static int limit_error(struct eval *ev, const char *what)
{
	return berr_set(ev->err, BERR_LIMIT, "jq path expression '%.200s' %s", ev->p->expr, what);
}

/* Counts bytes (or elements) the evaluation builds; one thing and the total are capped. */
static int charge(struct eval *ev, size_t n)
{
	if (n > MAX_STRING)
		return limit_error(ev, "builds a string or array larger than 1 MiB");
	ev->built += n;
	if (ev->built > MAX_BUILT)
		return limit_error(ev, "builds more than 64 MiB of strings and arrays");
	return 0;
}

static int truthy(const json_t *v)
{
	return !json_is_null(v) && !json_is_false(v);
}

static int type_mask(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_NULL: return TM_NULL;
	case JSON_TRUE: case JSON_FALSE: return TM_BOOL;
	case JSON_INTEGER: case JSON_REAL: return TM_NUM;
	case JSON_STRING: return TM_STR;
	case JSON_ARRAY: return TM_ARR;
	default: return TM_OBJ;
	}
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

/* The keys of obj, sorted (gojq's order); free the array, not the keys. */
static const char **sorted_keys(const json_t *obj, size_t *n)
{
	size_t i = 0;
	const char **keys = xcalloc(json_object_size(obj) + 1, sizeof(*keys));
	const char *k;
	json_t *v;
	json_object_foreach((json_t *)obj, k, v)
		keys[i++] = k;
	qsort(keys, i, sizeof(*keys), key_cmp);
	*n = i;
	return keys;
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
		size_t la, lb, i;
		const char **ka = sorted_keys(a, &la), **kb = sorted_keys(b, &lb);
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

/*
 * gojq's contains: substrings, sub-objects, every element of b in some of a,
 * equal scalars. Values of different kinds (true and false count as two)
 * are an error at the top and simply not contained further down.
 */
static int contains(struct eval *ev, const json_t *a, const json_t *b, int depth, int *out)
{
	*out = 0;
	if (depth > MAX_DOC_DEPTH)
		return 0;
	if (json_is_number(a) && json_is_number(b)) {
		*out = json_number_value(a) == json_number_value(b);
	} else if (json_is_string(a) && json_is_string(b)) {
		*out = !json_string_length(b) || memmem(json_string_value(a), json_string_length(a),
						       json_string_value(b), json_string_length(b));
	} else if (json_is_object(a) && json_is_object(b)) {
		const char *k;
		json_t *bv;
		json_object_foreach((json_t *)b, k, bv) {
			json_t *av = json_object_get(a, k);
			int r = 0;
			if (!av || contains(ev, av, bv, depth + 1, &r) < 0 || !r)
				return 0;
		}
		*out = 1;
	} else if (json_is_array(a) && json_is_array(b)) {
		size_t i, j;
		json_t *bv;
		json_array_foreach(b, i, bv) {
			int r = 0;
			for (j = 0; j < json_array_size(a) && !r; j++)
				if (contains(ev, json_array_get(a, j), bv, depth + 1, &r) < 0)
					r = 0;
			if (!r)
				return 0;
		}
		*out = 1;
	} else if (json_typeof(a) == json_typeof(b)) {
		*out = 1;       /* null and null, true and true, false and false */
	} else if (depth == 0) {
		return rt_error(ev, "cannot check whether %s contains %s", type_name(a),
				type_name(b));
	}
	return 0;
}

/* ---- JSON text, as gojq's tojson writes it -------------------------------- */

static void add_number(struct buf *b, double d)
{
	char s[64];
	if (d == floor(d) && fabs(d) < 1e17) {
		snprintf(s, sizeof(s), "%.0f", d == 0 ? 0.0 : d);
	} else if (fabs(d) >= 1e-6 && fabs(d) < 1e21) {
		for (int k = 0; k <= 30; k++) {
			snprintf(s, sizeof(s), "%.*f", k, d);
			if (strtod(s, NULL) == d)
				break;
		}
	} else {
		for (int k = 0; k <= 17; k++) {
			snprintf(s, sizeof(s), "%.*e", k, d);
			if (strtod(s, NULL) == d)
				break;
		}
	}
	buf_adds(b, s);
}

static void add_json_string(struct buf *b, const char *s, size_t len)
{
	buf_addch(b, '"');
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '"' || c == '\\') {
			buf_addch(b, '\\');
			buf_addch(b, (char)c);
		} else if (c == '\n') {
			buf_adds(b, "\\n");
		} else if (c == '\t') {
			buf_adds(b, "\\t");
		} else if (c == '\r') {
			buf_adds(b, "\\r");
		} else if (c < 0x20 || c == 0x7f) {
			buf_addf(b, "\\u%04x", c);
		} else {
			buf_addch(b, (char)c);
		}
	}
	buf_addch(b, '"');
}

static int add_json(struct eval *ev, struct buf *b, const json_t *v, int depth)
{
	if (depth > MAX_DOC_DEPTH)
		return limit_error(ev, "meets a document nested too deep");
	if (b->len > MAX_STRING)
		return charge(ev, b->len);
	switch (json_typeof(v)) {
	case JSON_NULL: buf_adds(b, "null"); break;
	case JSON_TRUE: buf_adds(b, "true"); break;
	case JSON_FALSE: buf_adds(b, "false"); break;
	case JSON_INTEGER: buf_addf(b, "%lld", (long long)json_integer_value(v)); break;
	case JSON_REAL: add_number(b, json_real_value(v)); break;
	case JSON_STRING: add_json_string(b, json_string_value(v), json_string_length(v)); break;
	case JSON_ARRAY:
		buf_addch(b, '[');
		for (size_t i = 0; i < json_array_size(v); i++) {
			if (i)
				buf_addch(b, ',');
			if (add_json(ev, b, json_array_get(v, i), depth + 1) < 0)
				return BERR_LIMIT;
		}
		buf_addch(b, ']');
		break;
	case JSON_OBJECT: {
		size_t n;
		const char **keys = sorted_keys(v, &n);
		buf_addch(b, '{');
		for (size_t i = 0; i < n; i++) {
			if (i)
				buf_addch(b, ',');
			add_json_string(b, keys[i], strlen(keys[i]));
			buf_addch(b, ':');
			if (add_json(ev, b, json_object_get(v, keys[i]), depth + 1) < 0) {
				free(keys);
				return BERR_LIMIT;
			}
		}
		free(keys);
		buf_addch(b, '}');
		break;
	}
	}
	return 0;
}

/* A new string from b (released), charged against the limits. */
static int string_from(struct eval *ev, struct buf *b, json_t **out)
{
	*out = NULL;
	int rc = charge(ev, b->len);
	if (rc == 0)
		*out = json_stringn(b->data, b->len);
	buf_release(b);
	return rc;
}

static int to_json_text(struct eval *ev, const json_t *v, json_t **out)
{
	struct buf b = BUF_INIT;
	*out = NULL;
	if (add_json(ev, &b, v, 0) < 0) {
		buf_release(&b);
		return BERR_LIMIT;
	}
	return string_from(ev, &b, out);
}

/* ---- arithmetic ---------------------------------------------------------- */

/* Length of the UTF-8 sequence that starts with byte c (1 for a stray byte). */
static size_t utf8_len(unsigned char c)
{
	return c < 0xc0 ? 1 : c < 0xe0 ? 2 : c < 0xf0 ? 3 : 4;
}

/* s split at every sep ("" splits into characters), as jq's split/1. */
static int split_string(struct eval *ev, const json_t *s, const json_t *sep, json_t **out)
{
	const char *p = json_string_value(s), *end = p + json_string_length(s);
	const char *d = json_string_value(sep);
	size_t dl = json_string_length(sep);
	int rc = charge(ev, json_string_length(s));
	*out = NULL;
	if (rc < 0)
		return rc;
	*out = json_array();
	if (!dl) {
		while (p < end) {
			size_t n = utf8_len((unsigned char)*p);
			n = n > (size_t)(end - p) ? (size_t)(end - p) : n;
			json_array_append_new(*out, json_stringn(p, n));
			p += n;
		}
		return 0;
	}
	for (;;) {
		const char *hit = memmem(p, (size_t)(end - p), d, dl);
		json_array_append_new(*out, json_stringn(p, (size_t)((hit ? hit : end) - p)));
		if (!hit)
			return 0;
		p = hit + dl;
	}
}

static int arith_error(struct eval *ev, const char *verb, const json_t *a, const json_t *b)
{
	return rt_error(ev, "cannot %s %s and %s", verb, type_name(a), type_name(b));
}

static int deep_merge(struct eval *ev, json_t *into, const json_t *from, int depth)
{
	const char *k;
	json_t *v;
	if (depth > MAX_DOC_DEPTH)
		return limit_error(ev, "meets a document nested too deep");
	json_object_foreach((json_t *)from, k, v) {
		json_t *old = json_object_get(into, k);
		if (json_is_object(old) && json_is_object(v)) {
			json_t *m = json_deep_copy(old);
			if (deep_merge(ev, m, v, depth + 1) < 0) {
				json_decref(m);
				return BERR_LIMIT;
			}
			json_object_set_new(into, k, m);
		} else {
			json_object_set(into, k, v);
		}
	}
	return 0;
}

static int arith(struct eval *ev, int op, const json_t *a, const json_t *b, json_t **out)
{
	*out = NULL;
	if (json_is_number(a) && json_is_number(b)) {
		double x = json_number_value(a), y = json_number_value(b), r;
		if (op == '+') {
			r = x + y;
		} else if (op == '-') {
			r = x - y;
		} else if (op == '*') {
			r = x * y;
		} else if (op == '/') {
			if (y == 0)
				return rt_error(ev, "cannot divide a number by zero");
			r = x / y;
		} else {
			long long xi = fabs(x) < 9e18 ? (long long)x : 0;
			long long yi = fabs(y) < 9e18 ? (long long)y : 0;
			if (yi == 0)
				return rt_error(ev, "cannot take a number modulo zero");
			r = (double)(yi == -1 ? 0 : xi % yi);
		}
		*out = number_new(r);
		return 0;
	}
	if (op == '+') {
		if (json_is_null(a) || json_is_null(b)) {
			*out = json_incref((json_t *)(json_is_null(a) ? b : a));
			return 0;
		}
		if (json_is_string(a) && json_is_string(b)) {
			struct buf s = BUF_INIT;
			buf_add(&s, json_string_value(a), json_string_length(a));
			buf_add(&s, json_string_value(b), json_string_length(b));
			return string_from(ev, &s, out);
		}
		if (json_is_array(a) && json_is_array(b)) {
			int rc = charge(ev, json_array_size(a) + json_array_size(b));
			if (rc < 0)
				return rc;
			*out = json_copy((json_t *)a);
			json_array_extend(*out, (json_t *)b);
			return 0;
		}
		if (json_is_object(a) && json_is_object(b)) {
			*out = json_copy((json_t *)a);
			json_object_update(*out, (json_t *)b);
			return 0;
		}
		return arith_error(ev, "add", a, b);
	}
	if (op == '-' && json_is_array(a) && json_is_array(b)) {
		*out = json_array();
		for (size_t i = 0; i < json_array_size(a); i++) {
			json_t *x = json_array_get(a, i);
			size_t j = 0;
			while (j < json_array_size(b) && jq_cmp(x, json_array_get(b, j), 0))
				j++;
			if (j == json_array_size(b))
				json_array_append(*out, x);
		}
		return 0;
	}
	if (op == '*' && (json_is_string(a) || json_is_string(b))
	    && (json_is_number(a) || json_is_number(b))) {
		const json_t *s = json_is_string(a) ? a : b;
		double n = json_number_value(json_is_number(a) ? a : b);
		if (n <= 0) {
			*out = json_null();
			return 0;
		}
		size_t times = n < 1 ? 1 : n > MAX_STRING ? MAX_STRING + 1 : (size_t)n;
		int rc = charge(ev, times * (json_string_length(s) ? json_string_length(s) : 1));
		if (rc < 0)
			return rc;
		struct buf r = BUF_INIT;
		for (size_t i = 0; i < times; i++)
			buf_add(&r, json_string_value(s), json_string_length(s));
		*out = json_stringn(r.data, r.len);
		buf_release(&r);
		return 0;
	}
	if (op == '*' && json_is_object(a) && json_is_object(b)) {
		*out = json_deep_copy((json_t *)a);
		if (deep_merge(ev, *out, b, 0) < 0) {
			json_decref(*out);
			*out = NULL;
			return BERR_LIMIT;
		}
		return 0;
	}
	if (op == '/' && json_is_string(a) && json_is_string(b))
		return split_string(ev, a, b, out);
	static const char *const verbs[] = { "subtract", "multiply", "divide", "take modulo of" };
	return arith_error(ev, verbs[op == '-' ? 0 : op == '*' ? 1 : op == '/' ? 2 : 3], a, b);
}

/* ---- evaluation ---------------------------------------------------------- */

static int eval(struct eval *ev, const struct node *n, const json_t *in, const json_t *path,
		const struct env *env, struct values *out, int depth);

/* Moves every value of from to out (already counted once); from ends empty. */
static int move_all(struct eval *ev, struct values *from, struct values *out)
{
	int rc = 0;
	for (size_t i = 0; i < from->len; i++) {
		if (rc == 0) {
			ev->outputs--;
			rc = emit(ev, out, from->items[i].v, from->items[i].path);
		} else {
			json_decref(from->items[i].v);
			json_decref(from->items[i].path);
		}
	}
	from->len = 0;
	values_release(from);
	return rc;
}

/*
 * Evaluates n for its values only (a condition, an argument, a key). On an
 * error the values before it stay in out, as a lazy jq would have used
 * them before meeting the error; release out either way.
 */
static int eval_values(struct eval *ev, const struct node *n, const json_t *in,
		       const struct env *env, struct values *out, int depth)
{
	memset(out, 0, sizeof(*out));
	return eval(ev, n, in, NULL, env, out, depth + 1);
}

/* The outcome of using the values of a list that ended with rc_list. */
static int then(int rc, int rc_list)
{
	return rc ? rc : rc_list;
}

/* jq's .[]: the elements or the values (sorted by key), with their paths. */
static int children(struct eval *ev, const json_t *in, const json_t *path, int opt,
		    struct values *out)
{
	int rc = 0;
	if (json_is_array(in)) {
		for (size_t i = 0; i < json_array_size(in) && rc == 0; i++)
			rc = emit(ev, out, json_incref(json_array_get(in, i)),
				  path_plus(path, json_integer((json_int_t)i)));
		return rc;
	}
	if (json_is_object(in)) {
		size_t n;
		const char **keys = sorted_keys(in, &n);
		for (size_t i = 0; i < n && rc == 0; i++)
			rc = emit(ev, out, json_incref(json_object_get(in, keys[i])),
				  path_plus(path, json_string(keys[i])));
		free(keys);
		return rc;
	}
	return opt ? 0 : runtime_error(ev, "cannot iterate over", in);
}

/* Every value below v (and v), pre-order, as jq's `..`. */
static int recurse_all(struct eval *ev, const json_t *v, const json_t *path, struct values *out,
		       int depth)
{
	if (depth > MAX_DOC_DEPTH)
		return limit_error(ev, "meets a document nested too deep");
	int rc = emit_same(ev, out, v, path);
	struct values kids = { 0 };
	if (rc == 0 && (rc = children(ev, v, path, 1, &kids)) == 0)
		ev->outputs -= kids.len;        /* counted once, in out */
	for (size_t i = 0; i < kids.len && rc == 0; i++)
		rc = recurse_all(ev, kids.items[i].v, kids.items[i].path, out, depth + 1);
	values_release(&kids);
	return rc;
}

/* Floor of a number as an index; out-of-range values saturate. */
static long long index_of(const json_t *k)
{
	double d = floor(json_number_value(k));
	return d > 1e15 ? (long long)1e15 : d < -1e15 ? (long long)-1e15 : (long long)d;
}

static size_t utf8_count(const char *s, size_t len)
{
	size_t n = 0;
	for (size_t i = 0; i < len; i++)
		n += ((unsigned char)s[i] & 0xc0) != 0x80;
	return n;
}

/* Byte offset of codepoint i in s (len when past the end). */
static size_t utf8_offset(const char *s, size_t len, long long i)
{
	size_t off = 0;
	while (i > 0 && off < len) {
		off += utf8_len((unsigned char)s[off]);
		i--;
	}
	return off > len ? len : off;
}

/* t[key] as jq's .[key], key already evaluated. */
static int index_value(struct eval *ev, const json_t *t, const json_t *tpath, const json_t *key,
		       struct values *out)
{
	if (json_is_string(key) && (json_is_object(t) || json_is_null(t))) {
		json_t *v = json_object_get(t, json_string_value(key));
		return emit(ev, out, v ? json_incref(v) : json_null(),
			    path_plus(tpath, json_incref((json_t *)key)));
	}
	if (json_is_number(key) && (json_is_array(t) || json_is_null(t))) {
		long long i = index_of(key), len = (long long)json_array_size(t);
		if (i < 0)
			i += len;
		json_t *v = i >= 0 && i < len ? json_array_get(t, (size_t)i) : NULL;
		return emit(ev, out, v ? json_incref(v) : json_null(),
			    path_plus(tpath, json_incref((json_t *)key)));
	}
	if (json_is_number(key) && json_is_string(t)) {
		/* gojq: one character; its path is one del() cannot take */
		const char *s = json_string_value(t);
		size_t len = json_string_length(t);
		long long i = index_of(key), n = (long long)utf8_count(s, len);
		json_t *p = path_plus(tpath, json_incref((json_t *)key));
		if (i < 0)
			i += n;
		if (i < 0 || i >= n)
			return emit(ev, out, json_null(), p);
		size_t a = utf8_offset(s, len, i), b = utf8_offset(s, len, i + 1);
		return emit(ev, out, json_stringn(s + a, b - a), p);
	}
	if (json_is_array(key) && (json_is_array(t) || json_is_null(t))) {
		if (json_is_null(t))
			return emit_value(ev, out, json_null());
		json_t *r = json_array();
		size_t tl = json_array_size(t), kl = json_array_size(key);
		for (size_t i = 0; kl && i + kl <= tl; i++) {
			size_t j = 0;
			while (j < kl && !jq_cmp(json_array_get(t, i + j), json_array_get(key, j), 0))
				j++;
			if (j == kl)
				json_array_append_new(r, json_integer((json_int_t)i));
		}
		return emit_value(ev, out, r);
	}
	return rt_error(ev, "cannot index %s with %s", type_name(t), type_name(key));
}

/* Clamps a slice [from:to] (numbers or nulls) to a sequence of len. */
static void slice_bounds(const json_t *from, const json_t *to, long long len, long long *s,
			 long long *e)
{
	*s = json_is_null(from) ? 0 : index_of(from);
	*e = json_is_null(to) ? len : index_of(to);
	if (*s < 0)
		*s += len;
	if (*e < 0)
		*e += len;
	*s = *s < 0 ? 0 : *s > len ? len : *s;
	*e = *e < *s ? *s : *e > len ? len : *e;
}

static int slice_value(struct eval *ev, const json_t *t, const json_t *tpath, const json_t *from,
		       const json_t *to, struct values *out)
{
	if ((!json_is_null(from) && !json_is_number(from)) || (!json_is_null(to) && !json_is_number(to)))
		return rt_error(ev, "slice bounds must be numbers, not %s",
				type_name(json_is_number(from) || json_is_null(from) ? to : from));
	long long s, e;
	if (json_is_null(t) || json_is_array(t)) {
		json_t *r = json_null();
		if (json_is_array(t)) {
			slice_bounds(from, to, (long long)json_array_size(t), &s, &e);
			r = json_array();
			for (long long i = s; i < e; i++)
				json_array_append(r, json_array_get(t, (size_t)i));
		}
		return emit(ev, out, r, path_plus(tpath, json_pack("{s:O,s:O}", "start", from,
								       "end", to)));
	}
	if (json_is_string(t)) {        /* a substring: a path del() cannot take */
		const char *str = json_string_value(t);
		size_t len = json_string_length(t);
		slice_bounds(from, to, (long long)utf8_count(str, len), &s, &e);
		size_t a = utf8_offset(str, len, s), b = utf8_offset(str, len, e);
		return emit(ev, out, json_stringn(str + a, b - a),
			    path_plus(tpath, json_pack("{s:O,s:O}", "start", from, "end", to)));
	}
	return rt_error(ev, "cannot slice %s", type_name(t));
}

/* getpath(p): the value at p below in, and its path. */
static int get_path(struct eval *ev, const json_t *in, const json_t *path, const json_t *p,
		    struct values *out)
{
	if (!json_is_array(p))
		return rt_error(ev, "getpath() needs an array of keys, not %s", type_name(p));
	json_t *full = path ? json_copy((json_t *)path) : NULL;
	const json_t *cur = in;
	size_t i;
	json_t *c;
	json_array_foreach(p, i, c) {
		if (json_is_null(cur)) {
		} else if (json_is_string(c) && json_is_object(cur)) {
			cur = json_object_get(cur, json_string_value(c));
		} else if (json_is_number(c) && json_is_array(cur)) {
			long long k = index_of(c), len = (long long)json_array_size(cur);
			k += k < 0 ? len : 0;
			cur = k >= 0 && k < len ? json_array_get(cur, (size_t)k) : NULL;
		} else {
			json_decref(full);
			return rt_error(ev, "cannot getpath with %s against %s", type_name(c),
					type_name(cur));
		}
		if (!cur)
			cur = json_null();
		if (full)
			json_array_append(full, c);
	}
	return emit(ev, out, json_incref((json_t *)cur), full);
}

static int to_entries(struct eval *ev, const json_t *in, json_t **out)
{
	*out = NULL;
	if (json_is_object(in)) {
		size_t n;
		const char **keys = sorted_keys(in, &n);
		*out = json_array();
		for (size_t i = 0; i < n; i++)
			json_array_append_new(*out, json_pack("{s:s,s:O}", "key", keys[i], "value",
							      json_object_get(in, keys[i])));
		free(keys);
		return 0;
	}
	if (json_is_array(in)) {
		*out = json_array();
		for (size_t i = 0; i < json_array_size(in); i++)
			json_array_append_new(*out, json_pack("{s:I,s:O}", "key", (json_int_t)i,
							      "value", json_array_get(in, i)));
		return 0;
	}
	return runtime_error(ev, "to_entries needs an object, not", in);
}

/* gojq: map({(.key // .Key // .name // .Name): (if has("value") then .value
 * else .Value end)}) | add | . // {} */
static int from_entries(struct eval *ev, const json_t *in, json_t **out)
{
	static const char *const names[] = { "key", "Key", "name", "Name" };
	struct values es = { 0 };
	*out = NULL;
	if (!json_is_array(in))
		return runtime_error(ev, "from_entries needs an array, not", in);
	int rc = children(ev, in, NULL, 0, &es);
	json_t *obj = json_object();
	for (size_t i = 0; i < es.len && rc == 0; i++) {
		const json_t *e = es.items[i].v, *k = json_null();
		if (!json_is_object(e)) {
			rc = runtime_error(ev, "from_entries needs objects, not", e);
			break;
		}
		for (size_t j = 0; j < 4 && !truthy(k); j++)
			if (json_object_get(e, names[j]))
				k = json_object_get(e, names[j]);
		if (!json_is_string(k)) {
			rc = rt_error(ev, "from_entries: a key must be a string, not %s",
				      type_name(k));
			break;
		}
		json_t *v = json_object_get(e, json_object_get(e, "value") ? "value" : "Value");
		json_object_set(obj, json_string_value(k), v ? v : json_null());
	}
	values_release(&es);
	if (rc < 0) {
		json_decref(obj);
		return rc;
	}
	*out = obj;
	return 0;
}

/* [.[] | f] */
static int map_values(struct eval *ev, const struct node *f, const json_t *in,
		      const struct env *env, json_t **out, int depth)
{
	struct values kids = { 0 }, r = { 0 };
	*out = NULL;
	int rc = children(ev, in, NULL, 0, &kids);
	for (size_t i = 0; i < kids.len && rc == 0; i++)
		rc = eval(ev, f, kids.items[i].v, NULL, env, &r, depth + 1);
	values_release(&kids);
	if (rc == 0)
		rc = charge(ev, r.len);
	if (rc == 0) {
		*out = json_array();
		for (size_t i = 0; i < r.len; i++)
			json_array_append(*out, r.items[i].v);
	}
	values_release(&r);
	return rc;
}

/* index/rindex/indices: the positions of x in in. */
static int find_all(struct eval *ev, const json_t *in, const json_t *x, json_t **out)
{
	*out = NULL;
	if (json_is_null(in)) {
		*out = json_null();
		return 0;
	}
	if (json_is_string(in) && json_is_string(x)) {
		const char *s = json_string_value(in), *d = json_string_value(x);
		size_t len = json_string_length(in), dl = json_string_length(x);
		*out = json_array();
		for (size_t off = 0, cp = 0; dl && off + dl <= len; off++) {
			if (((unsigned char)s[off] & 0xc0) == 0x80)
				continue;
			if (!memcmp(s + off, d, dl))
				json_array_append_new(*out, json_integer((json_int_t)cp));
			cp++;
		}
		return 0;
	}
	if (json_is_array(in)) {
		struct values r = { 0 };
		json_t *key = json_is_array(x) ? json_incref((json_t *)x) : json_pack("[O]", x);
		int rc = index_value(ev, in, NULL, key, &r);
		json_decref(key);
		if (rc == 0)
			*out = json_incref(r.items[0].v);
		values_release(&r);
		return rc;
	}
	return rt_error(ev, "cannot look for %s in %s", type_name(x), type_name(in));
}

static int test_regex(struct eval *ev, const struct node *n, const json_t *in, const json_t *re,
		      const json_t *flags, int *out)
{
	if (!json_is_string(in))
		return runtime_error(ev, "test() needs a string, not", in);
	if (!json_is_string(re) || (flags && !json_is_string(flags)))
		return rt_error(ev, "test() needs string arguments");
	pcre2_code *code = n->re;
	if (!code) {
		char msg[200];
		code = regex_compile(json_string_value(re), json_string_length(re),
				     flags ? json_string_value(flags) : NULL, msg, sizeof(msg));
		if (!code)
			return rt_error(ev, "%s", msg);
	}
	pcre2_match_data *md = pcre2_match_data_create_from_pattern(code, NULL);
	pcre2_match_context *mc = pcre2_match_context_create(NULL);
	pcre2_set_match_limit(mc, REGEX_MATCH_LIMIT);
	pcre2_set_depth_limit(mc, 1000);
	int m = pcre2_match(code, (PCRE2_SPTR)json_string_value(in), json_string_length(in), 0, 0,
			    md, mc);
	pcre2_match_context_free(mc);
	pcre2_match_data_free(md);
	if (code != n->re)
		pcre2_code_free(code);
	if (m < 0 && m != PCRE2_ERROR_NOMATCH)
		return berr_set(ev->err, m == PCRE2_ERROR_MATCHLIMIT || m == PCRE2_ERROR_DEPTHLIMIT
				? BERR_LIMIT : BERR_INVALID, "jq path expression '%.200s': test() "
				"failed on a string (%d)", ev->p->expr, m);
	*out = m >= 0;
	return 0;
}

static int array_cmp(const void *a, const void *b)
{
	return jq_cmp(*(json_t *const *)a, *(json_t *const *)b, 0);
}

/* sort, unique, min, max, reverse on an array. */
static int array_op(struct eval *ev, enum fn_id id, const json_t *in, json_t **out)
{
	*out = NULL;
	if (!json_is_array(in))
		return rt_error(ev, "%s needs an array, not %s", id == F_SORT ? "sort"
				: id == F_UNIQUE ? "unique" : id == F_MIN ? "min" : id == F_MAX ? "max"
				: "reverse", type_name(in));
	size_t n = json_array_size(in);
	json_t **v = xcalloc(n + 1, sizeof(*v));
	for (size_t i = 0; i < n; i++)
		v[id == F_REVERSE ? n - 1 - i : i] = json_array_get(in, i);
	if (id != F_REVERSE)
		qsort(v, n, sizeof(*v), array_cmp);
	if (id == F_MIN || id == F_MAX) {
		*out = n ? json_incref(v[id == F_MIN ? 0 : n - 1]) : json_null();
	} else {
		*out = json_array();
		for (size_t i = 0; i < n; i++)
			if (id != F_UNIQUE || i == 0 || jq_cmp(v[i], v[i - 1], 0))
				json_array_append(*out, v[i]);
	}
	free(v);
	return 0;
}

static int to_number(struct eval *ev, const json_t *in, json_t **out)
{
	*out = NULL;
	if (json_is_number(in)) {
		*out = json_incref((json_t *)in);
		return 0;
	}
	if (!json_is_string(in))
		return runtime_error(ev, "tonumber needs a string, not", in);
	const char *s = json_string_value(in);
	size_t len = json_string_length(in);
	char *end = NULL;
	double d = len && strspn(s, "0123456789+-.eE") == len ? strtod(s, &end) : NAN;
	if (!end || end != s + len || !isfinite(d))
		return rt_error(ev, "cannot parse '%.40s' as a number", s);
	*out = number_new(d);
	return 0;
}

/* A function whose arguments are values: a and b are NULL when it takes none. */
static int apply(struct eval *ev, const struct node *n, const json_t *in, const json_t *path,
		 const json_t *a, const json_t *b, struct values *out)
{
	json_t *r = NULL;
	int rc = 0, t = 0;
	switch (n->fn->id) {
	case F_NOT:
		return emit_value(ev, out, json_boolean(!truthy(in)));
	case F_GETPATH:
		return get_path(ev, in, path, a, out);
	case F_LENGTH:
		if (json_is_boolean(in))
			return runtime_error(ev, "length is not defined for", in);
		r = json_is_string(in) ? json_integer((json_int_t)utf8_count(json_string_value(in),
									     json_string_length(in)))
		    : json_is_number(in) ? number_new(fabs(json_number_value(in)))
		    : json_is_array(in) ? json_integer((json_int_t)json_array_size(in))
		    : json_is_object(in) ? json_integer((json_int_t)json_object_size(in))
		    : json_integer(0);
		break;
	case F_UTF8LEN:
		if (!json_is_string(in))
			return runtime_error(ev, "utf8bytelength needs a string, not", in);
		r = json_integer((json_int_t)json_string_length(in));
		break;
	case F_KEYS:
		if (json_is_object(in)) {
			size_t k;
			const char **keys = sorted_keys(in, &k);
			r = json_array();
			for (size_t i = 0; i < k; i++)
				json_array_append_new(r, json_string(keys[i]));
			free(keys);
		} else if (json_is_array(in)) {
			r = json_array();
			for (size_t i = 0; i < json_array_size(in); i++)
				json_array_append_new(r, json_integer((json_int_t)i));
		} else {
			return runtime_error(ev, "keys needs an object or an array, not", in);
		}
		break;
	case F_TYPE:
		r = json_string(type_name(in));
		break;
	case F_DOWNCASE:
	case F_UPCASE: {
		if (!json_is_string(in))
			return runtime_error(ev, "ascii_downcase/ascii_upcase need a string, not", in);
		struct buf s = BUF_INIT;
		buf_add(&s, json_string_value(in), json_string_length(in));
		for (size_t i = 0; i < s.len; i++)
			if (n->fn->id == F_DOWNCASE ? s.data[i] >= 'A' && s.data[i] <= 'Z'
			    : s.data[i] >= 'a' && s.data[i] <= 'z')
				s.data[i] ^= 0x20;
		if ((rc = string_from(ev, &s, &r)) < 0)
			return rc;
		break;
	}
	case F_LTRIMSTR:
	case F_RTRIMSTR: {
		size_t len = json_string_length(in), k = json_string_length(a);
		const char *s = json_string_value(in), *x = json_string_value(a);
		if (!json_is_string(in) || !json_is_string(a) || k > len
		    || memcmp(n->fn->id == F_LTRIMSTR ? s : s + len - k, x, k))
			return emit_same(ev, out, in, NULL);
		r = json_stringn(n->fn->id == F_LTRIMSTR ? s + k : s, len - k);
		break;
	}
	case F_STARTSWITH:
	case F_ENDSWITH: {
		if (!json_is_string(in) || !json_is_string(a))
			return rt_error(ev, "startswith()/endswith() need strings, not %s and %s",
					type_name(in), type_name(a));
		size_t len = json_string_length(in), k = json_string_length(a);
		const char *s = json_string_value(in);
		r = json_boolean(k <= len && !memcmp(n->fn->id == F_STARTSWITH ? s : s + len - k,
						     json_string_value(a), k));
		break;
	}
	case F_SPLIT:
		if (!json_is_string(in) || !json_is_string(a))
			return rt_error(ev, "split() needs strings, not %s and %s", type_name(in),
					type_name(a));
		if ((rc = split_string(ev, in, a, &r)) < 0)
			return rc;
		break;
	case F_JOIN: {
		struct values kids = { 0 };
		struct buf s = BUF_INIT;
		if ((rc = children(ev, in, NULL, 0, &kids)) == 0 && kids.len && !json_is_string(a))
			rc = rt_error(ev, "join() needs a string separator, not %s", type_name(a));
		for (size_t i = 0; i < kids.len && rc == 0; i++) {
			const json_t *v = kids.items[i].v;
			if (i)
				buf_add(&s, json_string_value(a), json_string_length(a));
			if (json_is_array(v) || json_is_object(v))
				rc = runtime_error(ev, "join() cannot join", v);
			else if (json_is_string(v))
				buf_add(&s, json_string_value(v), json_string_length(v));
			else if (!json_is_null(v))
				rc = add_json(ev, &s, v, 0);
			if (rc == 0 && s.len > MAX_STRING)
				rc = charge(ev, s.len);
		}
		values_release(&kids);
		if (rc < 0) {
			buf_release(&s);
			return rc;
		}
		if ((rc = string_from(ev, &s, &r)) < 0)
			return rc;
		break;
	}
	case F_TEST:
		if ((rc = test_regex(ev, n, in, a, b, &t)) < 0)
			return rc;
		r = json_boolean(t);
		break;
	case F_CONTAINS:
	case F_INSIDE:
		if ((rc = n->fn->id == F_CONTAINS ? contains(ev, in, a, 0, &t)
		     : contains(ev, a, in, 0, &t)) < 0)
			return rc;
		r = json_boolean(t);
		break;
	case F_HAS:
	case F_IN: {
		const json_t *c = n->fn->id == F_HAS ? in : a, *k = n->fn->id == F_HAS ? a : in;
		if (json_is_null(c))    /* gojq: null has nothing */
			r = json_false();
		else if (json_is_object(c) && json_is_string(k))
			r = json_boolean(json_object_get(c, json_string_value(k)) != NULL);
		else if (json_is_array(c) && json_is_number(k))
			r = json_boolean(json_number_value(k) >= 0
					 && json_number_value(k) < (double)json_array_size(c));
		else
			return rt_error(ev, "cannot check whether %s has a %s key", type_name(c),
					type_name(k));
		break;
	}
	case F_INDEX:
	case F_RINDEX:
	case F_INDICES:
		if ((rc = find_all(ev, in, a, &r)) < 0)
			return rc;
		if (n->fn->id != F_INDICES && json_is_array(r)) {
			size_t k = json_array_size(r);
			json_t *v = k ? json_incref(json_array_get(r, n->fn->id == F_INDEX ? 0 : k - 1))
				    : json_null();
			json_decref(r);
			r = v;
		}
		break;
	case F_ANY:
	case F_ALL: {
		struct values kids = { 0 };
		if ((rc = children(ev, in, NULL, 0, &kids)) < 0)
			return rc;
		int all = n->fn->id == F_ALL;
		t = all;
		for (size_t i = 0; i < kids.len && t == all; i++)
			if (truthy(kids.items[i].v) != all)
				t = !all;
		values_release(&kids);
		r = json_boolean(t);
		break;
	}
	case F_TO_ENTRIES:
		if ((rc = to_entries(ev, in, &r)) < 0)
			return rc;
		break;
	case F_FROM_ENTRIES:
		if ((rc = from_entries(ev, in, &r)) < 0)
			return rc;
		break;
	case F_TOSTRING:
		if (json_is_string(in))
			return emit_same(ev, out, in, NULL);
		/* fall through */
	case F_TOJSON:
		if ((rc = to_json_text(ev, in, &r)) < 0)
			return rc;
		break;
	case F_TONUMBER:
		if ((rc = to_number(ev, in, &r)) < 0)
			return rc;
		break;
	case F_FROMJSON:
		if (!json_is_string(in))
			return runtime_error(ev, "fromjson needs a string, not", in);
		r = json_loadb(json_string_value(in), json_string_length(in), JSON_DECODE_ANY, NULL);
		if (!r)
			return rt_error(ev, "fromjson: '%.40s' is not JSON", json_string_value(in));
		break;
	case F_ADD: {
		struct values kids = { 0 };
		if ((rc = children(ev, in, NULL, 0, &kids)) < 0)
			return rc;
		r = json_null();
		for (size_t i = 0; i < kids.len && rc == 0; i++) {
			json_t *sum = NULL;
			rc = arith(ev, '+', r, kids.items[i].v, &sum);
			json_decref(r);
			r = sum;
		}
		values_release(&kids);
		if (rc < 0) {
			json_decref(r);
			return rc;
		}
		break;
	}
	case F_SORT:
	case F_UNIQUE:
	case F_MIN:
	case F_MAX:
	case F_REVERSE:
		if ((rc = array_op(ev, n->fn->id, in, &r)) < 0)
			return rc;
		break;
	case F_ERROR: {
		json_t *text = NULL;
		a = a ? a : in;
		if (!json_is_string(a) && (rc = to_json_text(ev, a, &text)) < 0)
			return rc;
		rc = rt_error(ev, "%.200s", json_string_value(text ? text : a));
		json_decref(text);
		json_decref(ev->thrown);
		ev->thrown = json_incref((json_t *)a);
		return rc;
	}
	default:
		return rt_error(ev, "internal error: %s", n->fn->name);
	}
	return emit_value(ev, out, r);
}

/* recurse(f) and recurse(f; cond): ., (f | select(cond) | r). */
static int recurse_with(struct eval *ev, const struct node *f, const struct node *cond,
			const json_t *v, const json_t *path, const struct env *env,
			struct values *out, int depth, int level)
{
	if (level > MAX_DOC_DEPTH)
		return limit_error(ev, "recurses deeper than 128");
	struct values next_vs = { 0 }, c = { 0 };
	int rc = emit_same(ev, out, v, path), rc_f = 0, rc_c;
	if (rc == 0)
		rc_f = eval(ev, f, v, path, env, &next_vs, depth + 1);
	for (size_t i = 0; i < next_vs.len && rc == 0; i++) {
		if (!cond) {
			rc = recurse_with(ev, f, cond, next_vs.items[i].v, next_vs.items[i].path, env,
					  out, depth, level + 1);
			continue;
		}
		rc_c = eval_values(ev, cond, next_vs.items[i].v, env, &c, depth);
		for (size_t j = 0; j < c.len && rc == 0; j++)
			if (truthy(c.items[j].v))
				rc = recurse_with(ev, f, cond, next_vs.items[i].v,
						  next_vs.items[i].path, env, out, depth, level + 1);
		values_release(&c);
		rc = then(rc, rc_c);
	}
	values_release(&next_vs);
	return then(rc, rc_f);
}

/* path(f), paths, paths(f), leaf_paths: paths as values, relative to in. */
static int eval_paths(struct eval *ev, const struct node *n, const json_t *in,
		      const struct env *env, struct values *out, int depth)
{
	struct values vs = { 0 }, c = { 0 };
	json_t *root = json_array();
	int rc = 0, rc_f = n->fn->id == F_PATH ? eval(ev, n->args[0], in, root, env, &vs, depth + 1)
			   : recurse_all(ev, in, root, &vs, 0);
	json_decref(root);
	for (size_t i = 0; i < vs.len && rc == 0; i++) {
		const json_t *v = vs.items[i].v, *p = vs.items[i].path;
		if (!p) {
			rc = rt_error(ev, "invalid path against %s", type_name(v));
		} else if (n->fn->id == F_PATH) {
			rc = emit_value(ev, out, json_incref((json_t *)p));
		} else if (json_array_size(p) == 0) {
			continue;
		} else if (n->fn->id == F_PATHS) {
			rc = emit_value(ev, out, json_incref((json_t *)p));
		} else if (n->fn->id == F_LEAF_PATHS) {
			if (!json_is_array(v) && !json_is_object(v))
				rc = emit_value(ev, out, json_incref((json_t *)p));
		} else {
			int rc_c = eval_values(ev, n->args[0], v, env, &c, depth);
			for (size_t j = 0; j < c.len && rc == 0; j++)
				if (truthy(c.items[j].v))
					rc = emit_value(ev, out, json_incref((json_t *)p));
			values_release(&c);
			rc = then(rc, rc_c);
		}
	}
	values_release(&vs);
	return then(rc, rc_f);
}

static int eval_call(struct eval *ev, const struct node *n, const json_t *in, const json_t *path,
		     const struct env *env, struct values *out, int depth)
{
	struct values a = { 0 }, b = { 0 };
	json_t *r = NULL;
	int rc = 0, rc_a = 0, rc_b = 0, t;
	if (n->fn->args == ARG_VALUES) {
		/* f($a; $b) is a as $a | b as $b | f: the first argument varies slowest */
		if (n->nargs > 0)
			rc_a = eval_values(ev, n->args[0], in, env, &a, depth);
		if (n->nargs > 1 && a.len)
			rc_b = eval_values(ev, n->args[1], in, env, &b, depth);
		if (n->nargs == 0)
			rc = apply(ev, n, in, path, NULL, NULL, out);
		for (size_t i = 0; i < a.len && rc == 0; i++) {
			if (n->nargs == 1)
				rc = apply(ev, n, in, path, a.items[i].v, NULL, out);
			for (size_t j = 0; j < b.len && rc == 0; j++)
				rc = apply(ev, n, in, path, a.items[i].v, b.items[j].v, out);
			if (rc == 0 && rc_b < 0)
				rc = rc_b;
		}
		values_release(&a);
		values_release(&b);
		return then(rc, rc_a);
	}
	switch (n->fn->id) {
	case F_EMPTY:
		return 0;
	case F_SELECT:
		rc_a = eval_values(ev, n->args[0], in, env, &a, depth);
		for (size_t i = 0; i < a.len && rc == 0; i++)
			if (truthy(a.items[i].v))
				rc = emit_same(ev, out, in, path);
		rc = then(rc, rc_a);
		break;
	case F_TYPESEL:
		return type_mask(in) & n->fn->mask ? emit_same(ev, out, in, path) : 0;
	case F_RECURSE:
		return recurse_all(ev, in, path, out, 0);
	case F_RECURSE_F:
	case F_RECURSE_FC:
		return recurse_with(ev, n->args[0], n->nargs > 1 ? n->args[1] : NULL, in, path, env,
				    out, depth, 0);
	case F_FIRST:
	case F_LAST:
		r = json_integer(n->fn->id == F_FIRST ? 0 : -1);
		rc = index_value(ev, in, path, r, out);
		json_decref(r);
		return rc;
	case F_FIRST_F:
	case F_LIMIT:
		if (n->fn->id == F_FIRST_F)
			rc = emit_value(ev, &a, json_integer(1));
		else
			rc_a = eval_values(ev, n->args[0], in, env, &a, depth);
		for (size_t i = 0; i < a.len && rc == 0; i++) {
			const json_t *k = a.items[i].v;
			if (!json_is_number(k)) {
				rc = runtime_error(ev, "limit() needs a number, not", k);
				break;
			}
			double max = floor(json_number_value(k));
			if (max >= 0 && max < 1)
				continue;
			b.max = max > 0 ? (size_t)fmin(max, MAX_OUTPUTS) : 0;
			rc_b = eval(ev, n->args[n->nargs - 1], in, path, env, &b, depth + 1);
			rc = then(move_all(ev, &b, out), rc_b == EMIT_FULL ? 0 : rc_b);
		}
		rc = then(rc, rc_a);
		break;
	case F_LAST_F:
		/* gojq: reduce f as $x (null; $x) */
		if ((rc = eval_values(ev, n->args[0], in, env, &a, depth)) < 0)
			break;
		rc = emit_same(ev, out, a.len ? a.items[a.len - 1].v : json_null(), NULL);
		break;
	case F_ISEMPTY:
		a.max = 1;
		if ((rc = eval(ev, n->args[0], in, NULL, env, &a, depth + 1)) < 0)
			break;
		rc = emit_value(ev, out, json_boolean(a.len == 0));
		break;
	case F_ANY_C:
	case F_ALL_C:
	case F_ANY_GC:
	case F_ALL_GC: {
		int all = n->fn->id == F_ALL_C || n->fn->id == F_ALL_GC;
		const struct node *cond = n->args[n->nargs - 1];
		/* stops at the first deciding value, before any later error */
		rc_a = n->nargs == 1 ? children(ev, in, NULL, 0, &a)
		       : eval_values(ev, n->args[0], in, env, &a, depth);
		t = all;
		for (size_t i = 0; i < a.len && rc == 0 && t == all; i++) {
			rc_b = eval_values(ev, cond, a.items[i].v, env, &b, depth);
			for (size_t j = 0; j < b.len && t == all; j++)
				if (truthy(b.items[j].v) != all)
					t = !all;
			values_release(&b);
			if (t == all)
				rc = rc_b;
		}
		if (rc == 0 && t == all)
			rc = rc_a;
		if (rc == 0)
			rc = emit_value(ev, out, json_boolean(t));
		break;
	}
	case F_IN_STREAM:
		/* IN(s): whether the input equals one of the values of s */
		rc_a = eval_values(ev, n->args[0], in, env, &a, depth);
		t = 0;
		for (size_t i = 0; i < a.len && !t; i++)
			t = jq_cmp(in, a.items[i].v, 0) == 0;
		rc = t ? 0 : rc_a;
		if (rc == 0)
			rc = emit_value(ev, out, json_boolean(t));
		break;
	case F_MAP:
		if ((rc = map_values(ev, n->args[0], in, env, &r, depth)) == 0)
			rc = emit_value(ev, out, r);
		break;
	case F_WITH_ENTRIES: {
		json_t *entries = NULL, *mapped = NULL;
		if ((rc = to_entries(ev, in, &entries)) == 0
		    && (rc = map_values(ev, n->args[0], entries, env, &mapped, depth)) == 0
		    && (rc = from_entries(ev, mapped, &r)) == 0)
			rc = emit_value(ev, out, r);
		json_decref(entries);
		json_decref(mapped);
		break;
	}
	case F_PATH:
	case F_PATHS:
	case F_PATHS_F:
	case F_LEAF_PATHS:
		return eval_paths(ev, n, in, env, out, depth);
	default:
		return rt_error(ev, "internal error: %s", n->fn->name);
	}
	values_release(&a);
	values_release(&b);
	return rc;
}

/* {k: v, ...}: one object per combination of the keys' and values' outputs. */
static int build_object(struct eval *ev, struct values *kv, int i, int n, json_t *obj,
			struct values *out)
{
	if (i == n)
		return emit_value(ev, out, json_copy(obj));
	int rc = 0;
	for (size_t k = 0; k < kv[i].len && rc == 0; k++) {
		const json_t *key = kv[i].items[k].v;
		if (!json_is_string(key))
			return rt_error(ev, "object keys must be strings, not %s", type_name(key));
		for (size_t v = 0; v < kv[i + 1].len && rc == 0; v++) {
			json_t *old = json_incref(json_object_get(obj, json_string_value(key)));
			json_object_set(obj, json_string_value(key), kv[i + 1].items[v].v);
			rc = build_object(ev, kv, i + 2, n, obj, out);
			if (old)
				json_object_set_new(obj, json_string_value(key), old);
			else
				json_object_del(obj, json_string_value(key));
		}
	}
	return rc;
}

static int eval(struct eval *ev, const struct node *n, const json_t *in, const json_t *path,
		const struct env *env, struct values *out, int depth)
{
	struct values a = { 0 }, b = { 0 };
	int rc = 0, rc_a = 0, rc_b = 0;
	if (++ev->steps > MAX_STEPS)
		return limit_error(ev, "takes too many steps");
	if (depth > MAX_NEST * 4)
		return limit_error(ev, "nests too deep");
	switch (n->kind) {
	case N_IDENTITY:
		return emit_same(ev, out, in, path);
	case N_RECURSE:
		return recurse_all(ev, in, path, out, 0);
	case N_FIELD: {
		if (!json_is_object(in) && !json_is_null(in))
			return n->opt ? 0 : rt_error(ev, "cannot index %s with \"%.100s\"",
						     type_name(in), n->name);
		json_t *v = json_object_get(in, n->name);
		return emit(ev, out, v ? json_incref(v) : json_null(),
			    path_plus(path, json_string(n->name)));
	}
	case N_ITER:
		return children(ev, in, path, n->opt, out);
	case N_INDEX:
		/* the key is evaluated against the term's input; keys vary slowest */
		rc_b = eval_values(ev, n->b, in, env, &b, depth);
		if (b.len)
			rc_a = eval(ev, n->a, in, path, env, &a, depth + 1);
		for (size_t j = 0; j < b.len && rc == 0; j++) {
			for (size_t i = 0; i < a.len && rc == 0; i++)
				if ((rc = index_value(ev, a.items[i].v, a.items[i].path, b.items[j].v,
						      out)) == BERR_INVALID && n->opt)
					rc = 0;
			rc = then(rc, rc_a);
		}
		rc = then(rc, rc_b);
		break;
	case N_SLICE: {
		struct values to = { 0 };
		json_t *null = json_null();
		/* (generators as bounds are rare: an error in any list ends it all) */
		if ((!n->b || (rc = eval_values(ev, n->b, in, env, &b, depth)) == 0)
		    && (!n->c || (rc = eval_values(ev, n->c, in, env, &to, depth)) == 0))
			rc = eval(ev, n->a, in, path, env, &a, depth + 1);
		for (size_t k = 0; k < (n->c ? to.len : 1) && rc == 0; k++)
			for (size_t j = 0; j < (n->b ? b.len : 1) && rc == 0; j++)
				for (size_t i = 0; i < a.len && rc == 0; i++)
					if ((rc = slice_value(ev, a.items[i].v, a.items[i].path,
							      n->b ? b.items[j].v : null,
							      n->c ? to.items[k].v : null, out))
					    == BERR_INVALID && n->opt)
						rc = 0;
		values_release(&to);
		break;
	}
	case N_PIPE:
		rc_a = eval(ev, n->a, in, path, env, &a, depth + 1);
		for (size_t i = 0; i < a.len && rc == 0; i++)
			rc = eval(ev, n->b, a.items[i].v, a.items[i].path, env, out, depth + 1);
		rc = then(rc, rc_a);
		break;
	case N_COMMA:
		if ((rc = eval(ev, n->a, in, path, env, out, depth + 1)) == 0)
			rc = eval(ev, n->b, in, path, env, out, depth + 1);
		break;
	case N_ALT: {
		/* the truthy values of a, or else every value of b */
		rc_a = eval(ev, n->a, in, path, env, &a, depth + 1);
		size_t kept = 0;
		for (size_t i = 0; i < a.len; i++) {
			if (truthy(a.items[i].v)) {
				a.items[kept++] = a.items[i];
			} else {
				json_decref(a.items[i].v);
				json_decref(a.items[i].path);
			}
		}
		a.len = kept;
		rc = then(move_all(ev, &a, out), rc_a);
		if (rc == 0 && !kept)
			rc = eval(ev, n->b, in, path, env, out, depth + 1);
		break;
	}
	case N_TRY:
		/* what came before the error stays; the error goes (or to catch) */
		rc = eval(ev, n->a, in, path, env, &a, depth + 1);
		for (size_t i = 0; path && rc == 0 && i < a.len; i++) {
			/* gojq: a value where a path was wanted is an error try catches */
			if (!a.items[i].path) {
				rc = rt_error(ev, "invalid path against %s", type_name(a.items[i].v));
				for (size_t j = i; j < a.len; j++) {
					json_decref(a.items[j].v);
					json_decref(a.items[j].path);
				}
				a.len = i;
			}
		}
		if (rc == BERR_INVALID) {
			rc = move_all(ev, &a, out);
			if (rc == 0 && n->b && !json_is_null(ev->thrown)) {   /* gojq: error(null) */
				json_t *thrown = ev->thrown ? json_incref(ev->thrown) : json_null();
				rc = eval(ev, n->b, thrown, NULL, env, out, depth + 1);
				json_decref(thrown);
			}
		} else if (rc == 0) {
			rc = move_all(ev, &a, out);
		}
		break;
	case N_LITERAL:
		return emit_same(ev, out, n->lit, NULL);
	case N_VAR: {
		const struct env *e = env;
		while (e && strcmp(e->name, n->name))
			e = e->up;
		return e ? emit_same(ev, out, e->v, NULL) : rt_error(ev, "$%s is not defined",
								     n->name);
	}
	case N_BIND:
		rc_a = eval_values(ev, n->a, in, env, &a, depth);
		for (size_t i = 0; i < a.len && rc == 0; i++) {
			struct env e = { n->name, a.items[i].v, env };
			rc = eval(ev, n->b, in, path, &e, out, depth + 1);
		}
		rc = then(rc, rc_a);
		break;
	case N_IF:
		rc_a = eval_values(ev, n->a, in, env, &a, depth);
		for (size_t i = 0; i < a.len && rc == 0; i++) {
			if (truthy(a.items[i].v))
				rc = eval(ev, n->b, in, path, env, out, depth + 1);
			else if (n->c)
				rc = eval(ev, n->c, in, path, env, out, depth + 1);
			else
				rc = emit_same(ev, out, in, path);
		}
		rc = then(rc, rc_a);
		break;
	case N_ARRAY:
		if (n->a && (rc = eval_values(ev, n->a, in, env, &a, depth)) < 0)
			break;
		if ((rc = charge(ev, a.len)) == 0) {
			json_t *arr = json_array();
			for (size_t i = 0; i < a.len; i++)
				json_array_append(arr, a.items[i].v);
			rc = emit_value(ev, out, arr);
		}
		break;
	case N_OBJECT: {
		struct values *kv = xcalloc((size_t)n->nargs + 1, sizeof(*kv));
		for (int i = 0; i < n->nargs && rc == 0; i++)
			rc = eval_values(ev, n->args[i], in, env, &kv[i], depth);
		json_t *obj = json_object();
		if (rc == 0)
			rc = build_object(ev, kv, 0, n->nargs, obj, out);
		json_decref(obj);
		for (int i = 0; i < n->nargs; i++)
			values_release(&kv[i]);
		free(kv);
		break;
	}
	case N_CALL:
		return eval_call(ev, n, in, path, env, out, depth);
	case N_NEG:
		rc_a = eval_values(ev, n->a, in, env, &a, depth);
		for (size_t i = 0; i < a.len && rc == 0; i++)
			rc = json_is_number(a.items[i].v)
			     ? emit_value(ev, out, number_new(-json_number_value(a.items[i].v)))
			     : runtime_error(ev, "cannot negate", a.items[i].v);
		rc = then(rc, rc_a);
		break;
	case N_AND:
	case N_OR:
		/* jq: for each left value, short-circuit or yield each right value */
		rc_a = eval_values(ev, n->a, in, env, &a, depth);
		for (size_t i = 0; i < a.len && rc == 0; i++) {
			int l = truthy(a.items[i].v);
			if (n->kind == N_AND ? !l : l) {
				rc = emit_value(ev, out, json_boolean(l));
				continue;
			}
			values_release(&b);
			rc_b = eval_values(ev, n->b, in, env, &b, depth);
			for (size_t j = 0; j < b.len && rc == 0; j++)
				rc = emit_value(ev, out, json_boolean(truthy(b.items[j].v)));
			rc = then(rc, rc_b);
		}
		rc = then(rc, rc_a);
		break;
	case N_CMP:
	case N_ARITH:
		/* one result per pair, the left side varying fastest */
		rc_b = eval_values(ev, n->b, in, env, &b, depth);
		if (b.len)
			rc_a = eval_values(ev, n->a, in, env, &a, depth);
		for (size_t j = 0; j < b.len && rc == 0; j++) {
			for (size_t i = 0; i < a.len && rc == 0; i++) {
				const json_t *x = a.items[i].v, *y = b.items[j].v;
				json_t *r = NULL;
				if (n->kind == N_ARITH) {
					if ((rc = arith(ev, n->op, x, y, &r)) == 0)
						rc = emit_value(ev, out, r);
					continue;
				}
				int c = jq_cmp(x, y, 0);
				int t = n->op == OP_EQ ? c == 0 : n->op == OP_NE ? c != 0
					: n->op == OP_LT ? c < 0 : n->op == OP_LE ? c <= 0
					: n->op == OP_GT ? c > 0 : c >= 0;
				rc = emit_value(ev, out, json_boolean(t));
			}
			rc = then(rc, rc_a);
		}
		rc = then(rc, rc_b);
		break;
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
	int rc = eval(&ev, p->root, doc ? doc : json_null(), root, NULL, &vs, 0);
	json_decref(root);
	json_t *paths = json_array();
	for (size_t i = 0; i < vs.len && rc == 0; i++) {
		if (!vs.items[i].path)  /* gojq: "invalid path against" */
			rc = rt_error(&ev, "invalid path against %s (a value, not a path)",
				      type_name(vs.items[i].v));
		else
			json_array_append(paths, vs.items[i].path);
	}
	values_release(&vs);
	json_decref(ev.thrown);
	if (rc < 0) {
		json_decref(paths);
		return rc;
	}
	*out = paths;
	return 0;
}

static int path_cmp_desc(const void *a, const void *b)
{
	return -jq_cmp(*(json_t *const *)a, *(json_t *const *)b, 0);
}

/*
 * Whether del() can take path in doc: every step must meet what it indexes
 * (an object for a key, an array for an index or a slice), null or
 * nothing. gojq's delpaths fails otherwise: `.name[0]` names a character,
 * which cannot be deleted. Returns the value in the way, or NULL.
 */
static const json_t *path_blocked(const json_t *doc, const json_t *path)
{
	const json_t *node = doc;
	size_t i;
	json_t *c;
	json_array_foreach(path, i, c) {
		if (!node || json_is_null(node))
			return NULL;
		if (json_is_string(c) && json_is_object(node))
			node = json_object_get(node, json_string_value(c));
		else if (json_is_number(c) && json_is_array(node))
			node = json_array_get(node, (size_t)(index_of(c) < 0 ? index_of(c)
					      + (long long)json_array_size(node) : index_of(c)));
		else if (!json_is_object(c) || !json_is_array(node))
			return node;
	}
	return NULL;
}

/*
 * Marks what path names in doc: a key goes at once, array elements are
 * replaced by mark (removed at the end, so indexes stay right for the other
 * paths). Slices narrow a window [off, off+len) of the array they name. A
 * null met on the way becomes an empty object or array, as gojq's delpaths
 * leaves it ({"a":null} less .a.b is {"a":{}}).
 */
static void mark_path(json_t *doc, const json_t *path, json_t *mark, json_t *touched)
{
	size_t n = json_array_size(path), pidx = 0;
	json_t *node = doc, *parent = NULL;
	const char *pkey = NULL;
	long long off = 0, len = (long long)json_array_size(doc), s, e;
	for (size_t i = 0; i < n && node && node != mark; i++) {
		json_t *c = json_array_get(path, i);
		int last = i + 1 == n;
		if (json_is_null(node) && parent) {
			json_t *empty = json_is_string(c) ? json_object() : json_array();
			if (pkey)
				json_object_set_new(parent, pkey, empty);
			else
				json_array_set_new(parent, pidx, empty);
			return;
		}
		if (json_is_string(c)) {
			if (!json_is_object(node))
				return;
			if (last) {
				json_object_del(node, json_string_value(c));
				return;
			}
			parent = node;
			pkey = json_string_value(c);
			node = json_object_get(node, pkey);
		} else if (json_is_number(c)) {
			long long k = index_of(c);
			if (!json_is_array(node))
				return;
			k += k < 0 ? len : 0;
			if (k < 0 || k >= len)
				return;
			if (last) {
				json_array_set(node, (size_t)(off + k), mark);
				json_array_append(touched, node);
				return;
			}
			parent = node;
			pkey = NULL;
			pidx = (size_t)(off + k);
			node = json_array_get(node, pidx);
		} else if (json_is_object(c) && json_is_array(node)) {
			slice_bounds(json_object_get(c, "start"), json_object_get(c, "end"), len, &s, &e);
			off += s;
			len = e - s;
			if (last) {
				for (long long k = off; k < off + len; k++)
					json_array_set(node, (size_t)k, mark);
				json_array_append(touched, node);
			}
			continue;
		} else {
			return;
		}
		off = 0;
		len = (long long)json_array_size(node);
	}
}

int jqpath_delete(const struct jqpath *p, json_t *doc, struct berr *err)
{
	json_t *paths = NULL;
	int rc = jqpath_paths(&paths, p, doc, err);
	if (rc < 0)
		return rc;
	size_t n = json_array_size(paths), i;
	json_t *arr;
	json_array_foreach(paths, i, arr) {
		const json_t *in_way = path_blocked(doc, arr);
		if (in_way) {
			char *text = json_dumps(arr, JSON_COMPACT);
			rc = berr_set(err, BERR_INVALID, "jq path expression '%.200s': cannot delete "
				      "%.200s, it goes inside a %s", p->expr, text, type_name(in_way));
			free(text);
			json_decref(paths);
			return rc;
		}
	}
	json_t **v = xcalloc(n ? n : 1, sizeof(*v));
	json_t *mark = json_object(), *touched = json_array();
	for (size_t i = 0; i < n; i++)
		v[i] = json_array_get(paths, i);
	qsort(v, n, sizeof(*v), path_cmp_desc);
	for (size_t i = 0; i < n; i++) {
		if (json_array_size(v[i]) > 0) {
			mark_path(doc, v[i], mark, touched);
		} else if (json_is_object(doc)) {       /* `.` itself: nothing of it is compared */
			json_object_clear(doc);
		} else if (json_is_array(doc)) {
			json_array_clear(doc);
		}
	}
	json_array_foreach(touched, i, arr)
		for (size_t k = json_array_size(arr); k-- > 0;)
			if (json_array_get(arr, k) == mark)
				json_array_remove(arr, k);
	json_decref(touched);
	json_decref(mark);
	free(v);
	json_decref(paths);
	return (int)n;
}
