/*
 * parse.c — Go template text to a parse tree: the lexer and the parser.
 *
 * The lexer cuts the whole text into tokens up front (text, delimiters with
 * their trim markers already applied, operands, keywords, spaces), so the
 * parser may look ahead and back up freely, as Go's parser does with its
 * three-token window. The parser is a recursive descent that follows
 * text/template/parse/parse.go function by function, including its error
 * messages ("unexpected EOF", "function \"x\" not defined", "undefined
 * variable \"$x\"", "{{break}} outside {{range}}"). Errors unwind with
 * longjmp: every allocation belongs to the unit (struct tunit), which the
 * caller frees on failure, so unwinding leaks nothing.
 *
 * Nesting (parentheses, blocks) is bounded by TMPL_MAX_NESTING so hostile
 * text cannot exhaust the stack.
 */
#include "repo-server/template/internal.h"

#include <ctype.h>
#include <errno.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "repo-server/template/gofmt.h"

#define MAX_TEXT (64u << 20)

enum tok {
	T_EOF, T_ERROR, T_TEXT, T_LDELIM, T_RDELIM, T_SPACE, T_IDENT, T_FIELD,
	T_VAR, T_DOT, T_STRING, T_RAWSTRING, T_CHAR, T_NUMBER, T_BOOL, T_NIL,
	T_PIPE, T_DECLARE, T_ASSIGN, T_LPAREN, T_RPAREN, T_OTHER,
	/* keywords */
	T_KEYWORD, T_BLOCK, T_BREAK, T_CONTINUE, T_DEFINE, T_ELSE, T_END, T_IF,
	T_RANGE, T_TEMPLATE, T_WITH,
};

struct token {
	enum tok t;
	int pos, line;
	const char *s;
	size_t len;
	char *msg;              /* T_ERROR */
};

struct parser {
	struct tunit *u;
	const struct tmpl_set *set;
	struct token *toks;
	size_t ntoks, cap, i;
	char **vars;
	size_t nvars, vars_cap;
	int range_depth;
	int nesting;
	int action_line;
	struct ttree **trees;   /* trees made by this parse */
	size_t ntrees, trees_cap;
	struct ttree *cur;
	jmp_buf jmp;
	struct berr *err;
};

/* --- lexer ----------------------------------------------------------- */

static void emit(struct parser *p, enum tok t, int pos, const char *s, size_t len)
{
	if (p->ntoks == p->cap) {
		p->cap = p->cap ? p->cap * 2 : 64;
		p->toks = xrealloc(p->toks, p->cap * sizeof(struct token));
	}
	int line = 1, from = 0;
	/* line numbers: counted incrementally from the previous token */
	if (p->ntoks) {
		struct token *prev = &p->toks[p->ntoks - 1];
		line = prev->line;
		from = prev->pos;
	}
	const char *c = p->u->text + from, *end = p->u->text + pos;
	while (c < end && (c = memchr(c, '\n', (size_t)(end - c)))) {
		line++;
		c++;
	}
	p->toks[p->ntoks++] = (struct token){ t, pos, line, s, len, NULL };
}

static void emit_error(struct parser *p, int pos, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void emit_error(struct parser *p, int pos, const char *fmt, ...)
{
	char msg[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	emit(p, T_ERROR, pos, p->u->text + pos, 0);
	char *m = tunit_alloc(p->u, strlen(msg) + 1);
	strcpy(m, msg);
	p->toks[p->ntoks - 1].msg = m;
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static bool is_alnum(unsigned char c)
{
	return c == '_' || isalnum(c) || c >= 0x80;
}

static bool at_rdelim(const char *s, size_t n, size_t i, bool *trim)
{
	if (i + 2 <= n && s[i] == '}' && s[i + 1] == '}') {
		*trim = false;
		return true;
	}
	if (i + 4 <= n && is_space(s[i]) && s[i + 1] == '-' && s[i + 2] == '}' &&
	    s[i + 3] == '}') {
		*trim = true;
		return true;
	}
	return false;
}

static bool at_terminator(const char *s, size_t n, size_t i)
{
	if (i >= n)
		return true;
	char c = s[i];
	if (is_space(c) || c == '.' || c == ',' || c == '|' || c == ':' || c == ')' || c == '(')
		return true;
	bool trim;
	return at_rdelim(s, n, i, &trim);
}

static void fmt_rune(char *out, size_t size, const char *s, size_t n)
{
	uint32_t r;
	gofmt_utf8_decode(s, n, &r);
	struct buf b = BUF_INIT;
	buf_addf(&b, "U+%04X '", r);
	gofmt_utf8_encode(&b, r);
	buf_addch(&b, '\'');
	snprintf(out, size, "%s", b.data);
	buf_release(&b);
}

static bool scan_number(const char *s, size_t n, size_t *i)
{
	size_t j = *i;
	if (j < n && (s[j] == '+' || s[j] == '-'))
		j++;
	const char *digits = "0123456789_";
	bool dec = true, hex = false;
	if (j < n && s[j] == '0') {
		j++;
		if (j < n && (s[j] == 'x' || s[j] == 'X')) {
			j++; digits = "0123456789abcdefABCDEF_"; dec = false; hex = true;
		} else if (j < n && (s[j] == 'o' || s[j] == 'O')) {
			j++; digits = "01234567_"; dec = false;
		} else if (j < n && (s[j] == 'b' || s[j] == 'B')) {
			j++; digits = "01_"; dec = false;
		}
	}
	while (j < n && s[j] && strchr(digits, s[j]))
		j++;
	if (j < n && s[j] == '.') {
		j++;
		while (j < n && s[j] && strchr(digits, s[j]))
			j++;
	}
	if (dec && j < n && (s[j] == 'e' || s[j] == 'E')) {
		j++;
		if (j < n && (s[j] == '+' || s[j] == '-'))
			j++;
		while (j < n && s[j] && strchr("0123456789_", s[j]))
			j++;
	}
	if (hex && j < n && (s[j] == 'p' || s[j] == 'P')) {
		j++;
		if (j < n && (s[j] == '+' || s[j] == '-'))
			j++;
		while (j < n && s[j] && strchr("0123456789_", s[j]))
			j++;
	}
	if (j < n && s[j] == 'i')
		j++;
	bool ok = !(j < n && is_alnum((unsigned char)s[j]));
	if (!ok)
		j++;
	*i = j;
	return ok;
}

static const struct { const char *word; enum tok t; } keywords[] = {
	{ "block", T_BLOCK }, { "break", T_BREAK }, { "continue", T_CONTINUE },
	{ "define", T_DEFINE }, { "else", T_ELSE }, { "end", T_END },
	{ "if", T_IF }, { "range", T_RANGE }, { "template", T_TEMPLATE },
	{ "with", T_WITH }, { "true", T_BOOL }, { "false", T_BOOL }, { "nil", T_NIL },
};

/* Lexes one action starting after "{{" (and its trim marker) at *ip.
 * Returns false after emitting an error. */
static bool lex_action(struct parser *p, size_t *ip, bool *trim_after)
{
	const char *s = p->u->text;
	size_t n = p->u->len, i = *ip;
	int depth = 0;
	for (;;) {
		bool trim;
		if (at_rdelim(s, n, i, &trim)) {
			if (depth > 0) {
				emit_error(p, (int)i, "unclosed left paren");
				return false;
			}
			if (trim)
				i++;
			emit(p, T_RDELIM, (int)i, s + i, trim ? 3 : 2);
			i += trim ? 3 : 2;
			*trim_after = trim;
			*ip = i;
			return true;
		}
		if (i >= n) {
			emit_error(p, (int)i, "unclosed action");
			return false;
		}
		size_t st = i;
		char c = s[i];
		if (is_space(c)) {
			while (i < n && is_space(s[i]) && !at_rdelim(s, n, i, &trim))
				i++;
			emit(p, T_SPACE, (int)st, s + st, i - st);
			continue;
		}
		switch (c) {
		case '=':
			emit(p, T_ASSIGN, (int)i, s + i, 1);
			i++;
			continue;
		case ':':
			if (i + 1 >= n || s[i + 1] != '=') {
				emit_error(p, (int)i, "expected :=");
				return false;
			}
			emit(p, T_DECLARE, (int)i, s + i, 2);
			i += 2;
			continue;
		case '|':
			emit(p, T_PIPE, (int)i, s + i, 1);
			i++;
			continue;
		case '"':
			i++;
			while (i < n && s[i] != '"') {
				if (s[i] == '\\' && i + 1 < n)
					i++;
				if (s[i] == '\n')
					break;
				i++;
			}
			if (i >= n || s[i] != '"') {
				emit_error(p, (int)st, "unterminated quoted string");
				return false;
			}
			i++;
			emit(p, T_STRING, (int)st, s + st, i - st);
			continue;
		case '`':
			i++;
			while (i < n && s[i] != '`')
				i++;
			if (i >= n) {
				emit_error(p, (int)st, "unterminated raw quoted string");
				return false;
			}
			i++;
			emit(p, T_RAWSTRING, (int)st, s + st, i - st);
			continue;
		case '\'':
			i++;
			while (i < n && s[i] != '\'') {
				if (s[i] == '\\' && i + 1 < n)
					i++;
				if (s[i] == '\n')
					break;
				i++;
			}
			if (i >= n || s[i] != '\'') {
				emit_error(p, (int)st, "unterminated character constant");
				return false;
			}
			i++;
			emit(p, T_CHAR, (int)st, s + st, i - st);
			continue;
		case '(':
			if (++depth > TMPL_MAX_NESTING) {
				emit_error(p, (int)i, "parentheses nested too deeply");
				return false;
			}
			emit(p, T_LPAREN, (int)i, s + i, 1);
			i++;
			continue;
		case ')':
			if (--depth < 0) {
				emit_error(p, (int)i, "unexpected right paren");
				return false;
			}
			emit(p, T_RPAREN, (int)i, s + i, 1);
			i++;
			continue;
		}
		if (c == '$' || (c == '.' && !(i + 1 < n && isdigit((unsigned char)s[i + 1])))) {
			i++;
			if (c == '.' && at_terminator(s, n, i)) {
				emit(p, T_DOT, (int)st, s + st, 1);
				continue;
			}
			while (i < n && is_alnum((unsigned char)s[i]))
				i++;
			if (!at_terminator(s, n, i)) {
				char r[32];
				fmt_rune(r, sizeof(r), s + i, n - i);
				emit_error(p, (int)i, "bad character %s", r);
				return false;
			}
			emit(p, c == '$' ? T_VAR : T_FIELD, (int)st, s + st, i - st);
			continue;
		}
		if (c == '.' || c == '+' || c == '-' || isdigit((unsigned char)c)) {
			if (!scan_number(s, n, &i)) {
				emit_error(p, (int)st, "bad number syntax: \"%.*s\"",
					   (int)(i - st), s + st);
				return false;
			}
			emit(p, T_NUMBER, (int)st, s + st, i - st);
			continue;
		}
		if (is_alnum((unsigned char)c)) {
			while (i < n && is_alnum((unsigned char)s[i]))
				i++;
			if (!at_terminator(s, n, i)) {
				char r[32];
				fmt_rune(r, sizeof(r), s + i, n - i);
				emit_error(p, (int)i, "bad character %s", r);
				return false;
			}
			enum tok t = T_IDENT;
			for (size_t k = 0; k < sizeof(keywords) / sizeof(keywords[0]); k++)
				if (strlen(keywords[k].word) == i - st &&
				    memcmp(keywords[k].word, s + st, i - st) == 0)
					t = keywords[k].t;
			emit(p, t, (int)st, s + st, i - st);
			continue;
		}
		if ((unsigned char)c < 0x80 && isprint((unsigned char)c)) {
			emit(p, T_OTHER, (int)i, s + i, 1);
			i++;
			continue;
		}
		char r[32];
		fmt_rune(r, sizeof(r), s + i, n - i);
		emit_error(p, (int)i, "unrecognized character in action: %s", r);
		return false;
	}
}

static void lex(struct parser *p)
{
	const char *s = p->u->text;
	size_t n = p->u->len, i = 0;
	bool trim_next = false;
	while (i <= n) {
		if (trim_next) {
			while (i < n && is_space(s[i]))
				i++;
			trim_next = false;
		}
		const char *d = NULL;
		for (size_t k = i; k + 1 < n;) {
			const char *b = memchr(s + k, '{', n - 1 - k);
			if (!b)
				break;
			k = (size_t)(b - s);
			if (s[k + 1] == '{') {
				d = b;
				break;
			}
			k++;
		}
		size_t x = d ? (size_t)(d - s) : n;
		size_t tend = x;
		bool ltrim = d && x + 3 < n && s[x + 2] == '-' && is_space(s[x + 3]);
		if (ltrim)
			while (tend > i && is_space(s[tend - 1]))
				tend--;
		if (tend > i)
			emit(p, T_TEXT, (int)i, s + i, tend - i);
		if (!d)
			break;
		emit(p, T_LDELIM, (int)x, s + x, 2);
		i = x + 2 + (ltrim ? 2 : 0);
		/* a comment is a whole action */
		size_t c = i;
		if (c + 1 < n && s[c] == '/' && s[c + 1] == '*') {
			const char *e = NULL;
			for (size_t k = c + 2; k + 1 < n; k++)
				if (s[k] == '*' && s[k + 1] == '/') {
					e = s + k;
					break;
				}
			if (!e) {
				emit_error(p, (int)c, "unclosed comment");
				break;
			}
			i = (size_t)(e - s) + 2;
			bool trim;
			if (!at_rdelim(s, n, i, &trim)) {
				emit_error(p, (int)i, "comment ends before closing delimiter");
				break;
			}
			p->ntoks--;     /* drop the left delimiter: comments vanish */
			i += trim ? 4 : 2;
			trim_next = trim;
			continue;
		}
		if (!lex_action(p, &i, &trim_next))
			break;
	}
	emit(p, T_EOF, (int)(i > n ? n : i), s + n, 0);
}

/* --- parser helpers -------------------------------------------------- */

static void perr(struct parser *p, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4), noreturn));
static void perr(struct parser *p, int line, const char *fmt, ...)
{
	char msg[600];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	berr_set(p->err, BERR_INVALID, "template: %s:%d: %s", p->u->name, line, msg);
	longjmp(p->jmp, 1);
}

static struct token *next(struct parser *p)
{
	struct token *t = &p->toks[p->i];
	if (p->i < p->ntoks - 1)
		p->i++;
	return t;
}

static struct token *peek(struct parser *p)
{
	return &p->toks[p->i];
}

static void backup(struct parser *p, size_t k)
{
	p->i -= k;
}

static struct token *next_nonspace(struct parser *p)
{
	struct token *t;
	do
		t = next(p);
	while (t->t == T_SPACE);
	return t;
}

static struct token *peek_nonspace(struct parser *p)
{
	struct token *t = next_nonspace(p);
	p->i = (size_t)(t - p->toks);
	return t;
}

static void tok_string(const struct token *t, char *out, size_t size)
{
	if (t->t == T_EOF) {
		snprintf(out, size, "EOF");
	} else if (t->t == T_ERROR) {
		snprintf(out, size, "%s", t->msg);
	} else if (t->t > T_KEYWORD && t->t != T_BOOL) {
		snprintf(out, size, "<%.*s>", (int)t->len, t->s);
	} else {
		struct buf b = BUF_INIT;
		gofmt_quote(&b, t->s, t->len > 10 ? 10 : t->len, false);
		snprintf(out, size, "%s%s", b.data, t->len > 10 ? "..." : "");
		buf_release(&b);
	}
}

static void unexpected(struct parser *p, struct token *t, const char *context)
	__attribute__((noreturn));
static void unexpected(struct parser *p, struct token *t, const char *context)
{
	char ts[300];
	tok_string(t, ts, sizeof(ts));
	if (t->t == T_ERROR) {
		const char *extra = "";
		char ctx[200] = "";
		if (p->action_line != 0 && p->action_line != t->line) {
			size_t ml = strlen(t->msg);
			bool action = ml >= 7 && strcmp(t->msg + ml - 7, " action") == 0;
			snprintf(ctx, sizeof(ctx), "%s %s", action ? "" : " in", context);
			extra = action ? ctx + 1 : ctx;
		}
		perr(p, t->line, "%s%s", ts, extra);
	}
	perr(p, t->line, "unexpected %s in %s", ts, context);
}

static struct token *expect(struct parser *p, enum tok t, const char *context)
{
	struct token *tok = next_nonspace(p);
	if (tok->t != t)
		unexpected(p, tok, context);
	return tok;
}

#define NEW(p, type) ((type *)tunit_alloc((p)->u, sizeof(type)))

static char *pstrndup(struct parser *p, const char *s, size_t n)
{
	char *d = tunit_alloc(p->u, n + 1);
	memcpy(d, s, n);
	d[n] = '\0';
	return d;
}

static void grow(struct parser *p, void **arr, size_t *len, size_t elem, void *item)
{
	/* arrays in the unit: reallocate by copying (lists are short) */
	size_t n = *len;
	if ((n & (n - 1)) == 0) {       /* power of two (or 0): double */
		void *na = tunit_alloc(p->u, (n ? n * 2 : 1) * elem);
		if (n)
			memcpy(na, *arr, n * elem);
		*arr = na;
	}
	memcpy((char *)*arr + n * elem, item, elem);
	*len = n + 1;
}

#define PUSH(p, arr, len, item) \
	do { __typeof__(item) it_ = (item); grow((p), (void **)&(arr), &(len), sizeof(it_), &it_); } while (0)

static void list_add(struct parser *p, struct tlist *l, struct tnode *n)
{
	PUSH(p, l->items, l->len, n);
}

static void push_var(struct parser *p, const char *name, size_t len)
{
	if (p->nvars == p->vars_cap) {
		p->vars_cap = p->vars_cap ? p->vars_cap * 2 : 16;
		p->vars = xrealloc(p->vars, p->vars_cap * sizeof(char *));
	}
	p->vars[p->nvars++] = pstrndup(p, name, len);
}

/* Go's strconv.Unquote for "..." and '...' (double-quoted rules). */
static bool unquote(struct parser *p, const char *s, size_t n, struct buf *out)
{
	if (n < 2)
		return false;
	char q = s[0];
	if (q == '`') {
		for (size_t i = 1; i + 1 < n; i++)
			if (s[i] != '\r')
				buf_addch(out, s[i]);
		return true;
	}
	(void)p;
	for (size_t i = 1; i + 1 < n;) {
		char c = s[i];
		if (c == q)
			return false;
		if (c != '\\') {
			buf_addch(out, c);
			i++;
			continue;
		}
		if (i + 2 >= n)
			return false;
		char e = s[i + 1];
		i += 2;
		switch (e) {
		case 'a': buf_addch(out, '\a'); break;
		case 'b': buf_addch(out, '\b'); break;
		case 'f': buf_addch(out, '\f'); break;
		case 'n': buf_addch(out, '\n'); break;
		case 'r': buf_addch(out, '\r'); break;
		case 't': buf_addch(out, '\t'); break;
		case 'v': buf_addch(out, '\v'); break;
		case '\\': buf_addch(out, '\\'); break;
		case '"': case '\'':
			if (e != q)
				return false;
			buf_addch(out, e);
			break;
		case 'x': case 'u': case 'U': {
			int digits = e == 'x' ? 2 : e == 'u' ? 4 : 8;
			if (i + (size_t)digits > n - 1)
				return false;
			uint32_t v = 0;
			for (int k = 0; k < digits; k++) {
				char h = s[i + (size_t)k];
				int d = isdigit((unsigned char)h) ? h - '0' :
					(h >= 'a' && h <= 'f') ? h - 'a' + 10 :
					(h >= 'A' && h <= 'F') ? h - 'A' + 10 : -1;
				if (d < 0)
					return false;
				v = v * 16 + (uint32_t)d;
			}
			i += (size_t)digits;
			if (e == 'x')
				buf_addch(out, (char)v);
			else if (v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
				return false;
			else
				gofmt_utf8_encode(out, v);
			break;
		}
		case '0': case '1': case '2': case '3': case '4': case '5': case '6': case '7': {
			if (i + 2 > n - 1)
				return false;
			uint32_t v = (uint32_t)(e - '0');
			for (int k = 0; k < 2; k++) {
				char o = s[i + (size_t)k];
				if (o < '0' || o > '7')
					return false;
				v = v * 8 + (uint32_t)(o - '0');
			}
			if (v > 255)
				return false;
			i += 2;
			buf_addch(out, (char)v);
			break;
		}
		default:
			return false;
		}
	}
	return true;
}

static void parse_number(struct parser *p, struct token *t, struct targ *a)
{
	char text[128];
	if (t->t == T_CHAR) {
		struct buf b = BUF_INIT;
		bool ok = unquote(p, t->s, t->len, &b);
		uint32_t r = 0;
		int w = b.len ? gofmt_utf8_decode(b.data, b.len, &r) : 0;
		bool single = ok && b.len > 0 && (size_t)w == b.len;
		if (single && b.len == 1)
			r = (unsigned char)b.data[0];
		buf_release(&b);
		if (!single)
			perr(p, t->line, "malformed character constant: %.*s", (int)t->len, t->s);
		a->i = r;
		return;
	}
	size_t k = 0;
	for (size_t j = 0; j < t->len && k < sizeof(text) - 1; j++)
		if (t->s[j] != '_')
			text[k++] = t->s[j];
	text[k] = '\0';
	if (t->len >= sizeof(text) - 1)
		perr(p, t->line, "illegal number syntax: \"%.*s\"", (int)t->len, t->s);
	if (k && text[k - 1] == 'i')
		perr(p, t->line, "complex numbers are not supported: \"%.*s\"", (int)t->len, t->s);
	const char *d = text;
	bool neg = false;
	if (*d == '+' || *d == '-') {
		neg = *d == '-';
		d++;
	}
	bool hex = d[0] == '0' && (d[1] == 'x' || d[1] == 'X');
	bool is_float = hex ? strpbrk(d, ".pP") != NULL : strpbrk(d, ".eE") != NULL;
	if (is_float) {
		char *end;
		errno = 0;
		double f = strtod(text, &end);
		if (*end || end == text)
			perr(p, t->line, "illegal number syntax: \"%.*s\"", (int)t->len, t->s);
		a->is_float = true;
		a->f = f;
		return;
	}
	int base = 10;
	if (d[0] == '0' && (d[1] == 'x' || d[1] == 'X')) {
		base = 16; d += 2;
	} else if (d[0] == '0' && (d[1] == 'o' || d[1] == 'O')) {
		base = 8; d += 2;
	} else if (d[0] == '0' && (d[1] == 'b' || d[1] == 'B')) {
		base = 2; d += 2;
	} else if (d[0] == '0' && d[1]) {
		base = 8; d += 1;
	}
	if (!*d)
		perr(p, t->line, "illegal number syntax: \"%.*s\"", (int)t->len, t->s);
	char *end;
	errno = 0;
	unsigned long long u = strtoull(d, &end, base);
	if (*end || *d == '-' || *d == '+')
		perr(p, t->line, "illegal number syntax: \"%.*s\"", (int)t->len, t->s);
	if (errno == ERANGE || u > (unsigned long long)INT64_MAX + (neg ? 1 : 0))
		perr(p, t->line, "integer overflow: \"%.*s\"", (int)t->len, t->s);
	a->i = neg ? (int64_t)(0 - u) : (int64_t)u;
}

/* --- the grammar ----------------------------------------------------- */

static struct tpipe *pipeline(struct parser *p, const char *context, enum tok end);
static struct tlist item_list(struct parser *p, struct tnode **next);

static struct targ *new_arg(struct parser *p, enum targ_type type, struct token *t)
{
	struct targ *a = NEW(p, struct targ);
	a->type = type;
	a->pos = a->loc = t->pos;
	a->end = t->pos + (int)t->len;
	return a;
}

static void add_fields(struct parser *p, struct targ *a, const char *s, size_t n)
{
	/* s is ".a.b" */
	size_t i = 0;
	while (i < n) {
		size_t j = i + 1;
		while (j < n && s[j] != '.')
			j++;
		char *f = pstrndup(p, s + i + 1, j - i - 1);
		PUSH(p, a->fields, a->nfields, f);
		i = j;
	}
}

static struct targ *term(struct parser *p)
{
	struct token *t = next_nonspace(p);
	struct targ *a;
	switch (t->t) {
	case T_IDENT: {
		char *name = pstrndup(p, t->s, t->len);
		if (!tmpl_is_builtin(name) && !tmpl_lookup_func(p->set, name))
			perr(p, t->line, "function \"%s\" not defined", name);
		a = new_arg(p, A_IDENT, t);
		a->name = name;
		return a;
	}
	case T_DOT:
		return new_arg(p, A_DOT, t);
	case T_NIL:
		return new_arg(p, A_NIL, t);
	case T_VAR: {
		size_t vl = t->len;
		bool found = false;
		for (size_t k = p->nvars; k-- > 0;)
			if (strlen(p->vars[k]) == vl && memcmp(p->vars[k], t->s, vl) == 0) {
				found = true;
				break;
			}
		if (!found)
			perr(p, t->line, "undefined variable \"%.*s\"", (int)vl, t->s);
		a = new_arg(p, A_VAR, t);
		a->name = pstrndup(p, t->s, vl);
		return a;
	}
	case T_FIELD:
		a = new_arg(p, A_FIELD, t);
		add_fields(p, a, t->s, t->len);
		return a;
	case T_BOOL:
		a = new_arg(p, A_BOOL, t);
		a->b = t->len == 4;
		return a;
	case T_CHAR:
	case T_NUMBER:
		a = new_arg(p, A_NUMBER, t);
		parse_number(p, t, a);
		return a;
	case T_LPAREN: {
		if (++p->nesting > TMPL_MAX_NESTING)
			perr(p, t->line, "pipeline nested too deeply");
		a = new_arg(p, A_PIPE, t);
		a->pipe = pipeline(p, "parenthesized pipeline", T_RPAREN);
		p->nesting--;
		a->end = p->toks[p->i - 1].pos + 1;
		return a;
	}
	case T_STRING:
	case T_RAWSTRING: {
		struct buf b = BUF_INIT;
		if (!unquote(p, t->s, t->len, &b)) {
			buf_release(&b);
			perr(p, t->line, "invalid syntax");
		}
		a = new_arg(p, A_STRING, t);
		a->s = pstrndup(p, b.data, b.len);
		a->slen = b.len;
		buf_release(&b);
		return a;
	}
	default:
		backup(p, 1);
		return NULL;
	}
}

static struct targ *operand(struct parser *p)
{
	struct targ *node = term(p);
	if (!node)
		return NULL;
	if (peek(p)->t != T_FIELD)
		return node;
	struct targ *chain;
	switch (node->type) {
	case A_FIELD:
	case A_VAR:
		chain = node;
		chain->loc = peek(p)->pos;
		break;
	case A_BOOL: case A_STRING: case A_NUMBER: case A_NIL: case A_DOT: {
		struct token *t = peek(p);
		perr(p, t->line, "unexpected . after term \"%.*s\"",
		     (int)(node->end - node->pos), p->u->text + node->pos);
	}
	default:
		chain = NEW(p, struct targ);
		chain->type = A_CHAIN;
		chain->pos = node->pos;
		chain->loc = peek(p)->pos;
		chain->node = node;
	}
	while (peek(p)->t == T_FIELD) {
		struct token *t = next(p);
		add_fields(p, chain, t->s, t->len);
		chain->end = t->pos + (int)t->len;
	}
	return chain;
}

static struct tcmd *command(struct parser *p)
{
	struct tcmd *cmd = NEW(p, struct tcmd);
	cmd->pos = peek_nonspace(p)->pos;
	for (;;) {
		peek_nonspace(p);
		struct targ *a = operand(p);
		if (a) {
			PUSH(p, cmd->args, cmd->nargs, a);
			cmd->end = a->end;
		}
		struct token *t = next(p);
		if (t->t == T_SPACE)
			continue;
		if (t->t == T_RDELIM || t->t == T_RPAREN)
			backup(p, 1);
		else if (t->t != T_PIPE)
			unexpected(p, t, "operand");
		break;
	}
	if (cmd->nargs == 0)
		perr(p, peek(p)->line, "empty command");
	return cmd;
}

static struct tpipe *pipeline(struct parser *p, const char *context, enum tok end)
{
	struct tpipe *pipe = NEW(p, struct tpipe);
	struct token *first = peek_nonspace(p);
	pipe->pos = first->pos;
decls:;
	struct token *v = peek_nonspace(p);
	if (v->t == T_VAR) {
		next(p);
		struct token *after = peek(p);
		struct token *nx = peek_nonspace(p);
		if (nx->t == T_ASSIGN || nx->t == T_DECLARE) {
			pipe->is_assign = nx->t == T_ASSIGN;
			next_nonspace(p);
			char *name = pstrndup(p, v->s, v->len);
			PUSH(p, pipe->decl, pipe->ndecl, name);
			push_var(p, v->s, v->len);
		} else if (nx->t == T_OTHER && nx->s[0] == ',') {
			next_nonspace(p);
			char *name = pstrndup(p, v->s, v->len);
			PUSH(p, pipe->decl, pipe->ndecl, name);
			push_var(p, v->s, v->len);
			if (strcmp(context, "range") == 0 && pipe->ndecl < 2) {
				enum tok pt = peek_nonspace(p)->t;
				if (pt == T_VAR || pt == T_RDELIM || pt == T_RPAREN)
					goto decls;
				perr(p, v->line, "range can only initialize variables");
			}
			perr(p, v->line, "too many declarations in %s", context);
		} else if (after->t == T_SPACE) {
			p->i = (size_t)(v - p->toks);
		} else {
			p->i = (size_t)(v - p->toks);
		}
	}
	for (;;) {
		struct token *t = next_nonspace(p);
		if (t->t == end) {
			if (pipe->ncmds == 0)
				perr(p, t->line, "missing value for %s", context);
			for (size_t k = 1; k < pipe->ncmds; k++) {
				enum targ_type at = pipe->cmds[k]->args[0]->type;
				if (at == A_BOOL || at == A_DOT || at == A_NIL ||
				    at == A_NUMBER || at == A_STRING)
					perr(p, t->line, "non executable command in pipeline stage %zu", k + 1);
			}
			pipe->end = t->pos;
			return pipe;
		}
		switch (t->t) {
		case T_BOOL: case T_CHAR: case T_DOT: case T_FIELD: case T_IDENT:
		case T_NUMBER: case T_NIL: case T_RAWSTRING: case T_STRING:
		case T_VAR: case T_LPAREN: {
			backup(p, 1);
			struct tcmd *c = command(p);
			PUSH(p, pipe->cmds, pipe->ncmds, c);
			break;
		}
		default:
			unexpected(p, t, context);
		}
	}
}

static struct tnode *new_node(struct parser *p, enum tnode_type type, int pos)
{
	struct tnode *n = NEW(p, struct tnode);
	n->type = type;
	n->pos = pos;
	return n;
}

/* Sentinels for {{end}} and {{else}} returned by action(). */
static struct tnode end_node, else_node;

static struct tnode *control(struct parser *p, enum tnode_type type, const char *context,
			     struct token *kw)
{
	size_t mark = p->nvars;
	if (++p->nesting > TMPL_MAX_NESTING)
		perr(p, kw->line, "actions nested too deeply");
	struct tnode *n = new_node(p, type, kw->pos);
	n->pipe = pipeline(p, context, T_RDELIM);
	n->end = n->pipe->end;
	if (type == N_RANGE)
		p->range_depth++;
	struct tnode *nx;
	n->list = item_list(p, &nx);
	if (type == N_RANGE)
		p->range_depth--;
	if (nx == &else_node) {
		n->has_else = true;
		enum tok t = peek(p)->t;
		if (type == N_IF && t == T_IF) {
			struct token *k2 = next(p);
			list_add(p, &n->else_list, control(p, N_IF, "if", k2));
		} else if (type == N_WITH && t == T_WITH) {
			struct token *k2 = next(p);
			list_add(p, &n->else_list, control(p, N_WITH, "with", k2));
		} else {
			n->else_list = item_list(p, &nx);
			if (nx != &end_node)
				perr(p, peek(p)->line, "expected end; found {{else}}");
		}
	}
	p->nvars = mark;
	p->nesting--;
	return n;
}

static char *template_name(struct parser *p, struct token *t, const char *context)
{
	if (t->t != T_STRING && t->t != T_RAWSTRING)
		unexpected(p, t, context);
	struct buf b = BUF_INIT;
	if (!unquote(p, t->s, t->len, &b)) {
		buf_release(&b);
		perr(p, t->line, "invalid syntax");
	}
	char *s = pstrndup(p, b.data, b.len);
	buf_release(&b);
	return s;
}

static struct ttree *new_tree(struct parser *p, const char *name)
{
	struct ttree *t = NEW(p, struct ttree);
	t->name = pstrndup(p, name, strlen(name));
	t->unit = p->u;
	PUSH(p, p->trees, p->ntrees, t);
	return t;
}

static struct tnode *action(struct parser *p)
{
	struct token *t = next_nonspace(p);
	p->action_line = t->line;
	switch (t->t) {
	case T_BLOCK: {
		const char *context = "block clause";
		struct token *nt = next_nonspace(p);
		char *name = template_name(p, nt, context);
		struct tnode *n = new_node(p, N_TEMPLATE, nt->pos);
		n->tmpl_name = name;
		n->pipe = pipeline(p, context, T_RDELIM);
		n->end = n->pipe->end;
		/* the body is a template of its own, with its own variables */
		char **saved = p->vars;
		size_t snv = p->nvars, scap = p->vars_cap;
		int srange = p->range_depth;
		p->vars = NULL;
		p->nvars = p->vars_cap = 0;
		p->range_depth = 0;
		push_var(p, "$", 1);
		struct ttree *tree = new_tree(p, name);
		struct tnode *nx;
		if (++p->nesting > TMPL_MAX_NESTING)
			perr(p, t->line, "actions nested too deeply");
		tree->root = item_list(p, &nx);
		p->nesting--;
		free(p->vars);
		p->vars = saved;
		p->nvars = snv;
		p->vars_cap = scap;
		p->range_depth = srange;
		if (nx != &end_node)
			perr(p, peek(p)->line, "unexpected {{else}} in %s", context);
		return n;
	}
	case T_BREAK:
	case T_CONTINUE: {
		struct token *r = next_nonspace(p);
		const char *what = t->t == T_BREAK ? "{{break}}" : "{{continue}}";
		if (r->t != T_RDELIM)
			unexpected(p, r, what);
		if (p->range_depth == 0)
			perr(p, t->line, "%s outside {{range}}", what);
		struct tnode *n = new_node(p, t->t == T_BREAK ? N_BREAK : N_CONTINUE, t->pos);
		return n;
	}
	case T_ELSE: {
		struct token *pk = peek_nonspace(p);
		if (pk->t == T_IF || pk->t == T_WITH)
			return &else_node;
		expect(p, T_RDELIM, "else");
		return &else_node;
	}
	case T_END:
		expect(p, T_RDELIM, "end");
		return &end_node;
	case T_IF:
		return control(p, N_IF, "if", t);
	case T_RANGE:
		return control(p, N_RANGE, "range", t);
	case T_WITH:
		return control(p, N_WITH, "with", t);
	case T_TEMPLATE: {
		const char *context = "template clause";
		struct token *nt = next_nonspace(p);
		struct tnode *n = new_node(p, N_TEMPLATE, nt->pos);
		n->tmpl_name = template_name(p, nt, context);
		n->end = nt->pos + (int)nt->len;
		if (next_nonspace(p)->t != T_RDELIM) {
			backup(p, 1);
			n->pipe = pipeline(p, context, T_RDELIM);
			n->end = n->pipe->end;
		}
		return n;
	}
	default:
		break;
	}
	p->i = (size_t)(t - p->toks);
	struct tnode *n = new_node(p, N_ACTION, t->pos);
	n->pipe = pipeline(p, "command", T_RDELIM);
	n->end = n->pipe->end;
	return n;
}

static struct tnode *text_or_action(struct parser *p)
{
	struct token *t = next_nonspace(p);
	switch (t->t) {
	case T_TEXT: {
		struct tnode *n = new_node(p, N_TEXT, t->pos);
		n->text = t->s;
		n->len = t->len;
		return n;
	}
	case T_LDELIM:
		return action(p);
	default:
		unexpected(p, t, "input");
	}
}

static struct tlist item_list(struct parser *p, struct tnode **next_out)
{
	struct tlist l = { 0 };
	while (peek_nonspace(p)->t != T_EOF) {
		struct tnode *n = text_or_action(p);
		if (n == &end_node || n == &else_node) {
			*next_out = n;
			return l;
		}
		list_add(p, &l, n);
	}
	perr(p, peek(p)->line, "unexpected EOF");
}

static void parse_definition(struct parser *p)
{
	const char *context = "define clause";
	struct token *t = next_nonspace(p);
	if (t->t != T_STRING && t->t != T_RAWSTRING)
		unexpected(p, t, context);
	char *name = template_name(p, t, context);
	expect(p, T_RDELIM, context);
	size_t mark = p->nvars;
	struct ttree *tree = new_tree(p, name);
	struct tnode *nx;
	tree->root = item_list(p, &nx);
	if (nx != &end_node)
		perr(p, peek(p)->line, "unexpected {{else}} in %s", context);
	p->nvars = mark;
}

static void parse_top(struct parser *p, const char *name)
{
	struct ttree *top = new_tree(p, name);
	while (peek(p)->t != T_EOF) {
		if (peek(p)->t == T_LDELIM) {
			size_t save = p->i;
			next(p);
			struct token *t = next_nonspace(p);
			if (t->t == T_DEFINE) {
				p->action_line = t->line;
				parse_definition(p);
				continue;
			}
			p->i = save;
		}
		struct tnode *n = text_or_action(p);
		if (n == &end_node || n == &else_node)
			perr(p, p->toks[p->i ? p->i - 1 : 0].line, "unexpected {{%s}}",
			     n == &end_node ? "end" : "else");
		list_add(p, &top->root, n);
	}
}

static bool is_empty_list(const struct tlist *l)
{
	for (size_t i = 0; i < l->len; i++) {
		const struct tnode *n = l->items[i];
		if (n->type != N_TEXT)
			return false;
		for (size_t k = 0; k < n->len; k++)
			if (!is_space(n->text[k]))
				return false;
	}
	return true;
}

int tmpl_parse(struct tmpl_set *set, const char *name, const char *text,
	       size_t len, struct berr *err)
{
	if (len > MAX_TEXT)
		return berr_set(err, BERR_LIMIT, "template: %s: text of %zu bytes is over the limit of %u",
				name, len, MAX_TEXT);
	struct tunit *u = xcalloc(1, sizeof(*u));
	u->name = xstrdup(name);
	u->text = xstrndup(text, len);
	u->len = len;
	struct parser p = { .u = u, .set = set, .err = err };
	lex(&p);
	if (setjmp(p.jmp)) {
		free(p.toks);
		free(p.vars);
		tunit_free(u);
		return err ? err->code : BERR_INVALID;
	}
	push_var(&p, "$", 1);
	parse_top(&p, name);
	free(p.toks);
	free(p.vars);
	p.toks = NULL;
	p.vars = NULL;
	tmpl_add_unit(set, u);
	/* the top-level tree goes in last, as Go adds it after its defines */
	for (size_t k = 1; k <= p.ntrees; k++) {
		struct ttree *t = p.trees[k % p.ntrees];
		if (is_empty_list(&t->root) && tmpl_lookup(set, t->name))
			continue;
		tmpl_add_tree(set, t);
	}
	return 0;
}
