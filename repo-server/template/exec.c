/*
 * exec.c — walking a parse tree against data: Go's text/template/exec.go.
 *
 * One execution is a `struct state`: the set, the arena its values live in,
 * the output buffer, a stack of variables (a template call starts a frame
 * that sees only `$`), and the budgets (steps, wall time, output bytes,
 * arena bytes, call depth). Evaluation functions return a value, or NULL
 * after filling the error; walk functions return 0, WALK_BREAK,
 * WALK_CONTINUE or -1. Errors carry Go's location and context:
 *   template: NAME:LINE:COL: executing "NAME" at <CONTEXT>: MESSAGE
 *
 * The built-in functions live here too, because `and`/`or` evaluate their
 * arguments lazily and so need the argument nodes, not values.
 */
#include "repo-server/template/internal.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "repo-server/template/gofmt.h"

#define WALK_BREAK 1
#define WALK_CONTINUE 2

struct var {
	const char *name;
	tv *val;
};

struct state {
	struct tmpl_set *set;
	struct tv_arena *arena;
	struct buf *out;
	struct tmpl_options o;
	struct ttree *tree;
	struct var *vars;
	size_t nvars, cap, base;
	size_t depth, steps;
	struct timespec start;
	size_t out_limit;       /* absolute length of out */
	struct berr *err;
};

struct tmpl_call {
	struct state *st;
	void *data;
};

static const struct tmpl_options defaults = {
	.missingkey = TMPL_MISSING_DEFAULT,
	.max_output = 64u << 20,
	.max_depth = 1000,
	.max_steps = 100000000,
	.max_memory = 512u << 20,
	.max_seconds = 60,
};

/* --- errors ---------------------------------------------------------- */

static void context_of(const struct state *st, int pos, int end, char *out, size_t size)
{
	const struct tunit *u = st->tree->unit;
	if (pos < 0 || end < pos || (size_t)end > u->len) {
		snprintf(out, size, "%s", "");
		return;
	}
	const char *s = u->text + pos;
	size_t len = (size_t)(end - pos);
	while (len && (s[len - 1] == ' ' || s[len - 1] == '\n' || s[len - 1] == '\t'))
		len--;
	size_t i = 0, runes = 0;
	while (i < len && runes < 20) {
		uint32_t r;
		i += gofmt_utf8_decode(s + i, len - i, &r);
		runes++;
	}
	snprintf(out, size, "%.*s%s", (int)i, s, i < len ? "..." : "");
}

static void *vfail(struct state *st, int code, int loc, int pos, int end,
		   const char *fmt, va_list ap)
{
	char msg[BERR_MSG_MAX], ctx[128];
	vsnprintf(msg, sizeof(msg), fmt, ap);
	int line, col;
	tunit_position(st->tree->unit, loc, &line, &col);
	context_of(st, pos, end, ctx, sizeof(ctx));
	berr_set(st->err, code, "template: %s:%d:%d: executing \"%s\" at <%s>: %s",
		 st->tree->unit->name, line, col, st->tree->name, ctx, msg);
	return NULL;
}

static void *fail_code(struct state *st, int code, int pos, int end, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
static void *fail_code(struct state *st, int code, int pos, int end, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vfail(st, code, pos, pos, end, fmt, ap);
	va_end(ap);
	return NULL;
}

/* An error at an operand: Go points at the node's position (for a field
 * chain, its second field) and shows the whole operand. */
static void *fail_node(struct state *st, int code, const struct targ *a, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static void *fail_node(struct state *st, int code, const struct targ *a, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vfail(st, code, a->loc, a->pos, a->end, fmt, ap);
	va_end(ap);
	return NULL;
}

#define fail(st, pos, end, ...) fail_code((st), BERR_INVALID, (pos), (end), __VA_ARGS__)

/* Counts a step and checks every budget. The clock is read every 256
 * steps, and after every function call (clock_now), since one call may be
 * slow (a regex, key generation). */
static bool check_limits(struct state *st, int pos, int end, bool clock_now)
{
	if (st->steps++ > st->o.max_steps) {
		fail_code(st, BERR_LIMIT, pos, end, "evaluation exceeds the limit of %zu steps",
			  st->o.max_steps);
		return true;
	}
	if (clock_now || (st->steps & 255) == 0) {
		struct timespec now;
		clock_gettime(CLOCK_MONOTONIC, &now);
		double el = (double)(now.tv_sec - st->start.tv_sec) +
			    (double)(now.tv_nsec - st->start.tv_nsec) / 1e9;
		if (el > st->o.max_seconds) {
			fail_code(st, BERR_LIMIT, pos, end, "execution exceeds the time limit of %g seconds",
				  st->o.max_seconds);
			return true;
		}
	}
	if (tv_arena_bytes(st->arena) > st->o.max_memory) {
		fail_code(st, BERR_LIMIT, pos, end, "execution exceeds the memory limit of %zu bytes",
			  st->o.max_memory);
		return true;
	}
	return false;
}

static bool failed_limit(struct state *st, int pos, int end)
{
	return check_limits(st, pos, end, false);
}

/* --- variables ------------------------------------------------------- */

static void push(struct state *st, const char *name, tv *v)
{
	if (st->nvars == st->cap) {
		st->cap = st->cap ? st->cap * 2 : 16;
		st->vars = xrealloc(st->vars, st->cap * sizeof(struct var));
	}
	st->vars[st->nvars++] = (struct var){ name, v };
}

static struct var *find_var(struct state *st, const char *name)
{
	for (size_t i = st->nvars; i-- > st->base;)
		if (strcmp(st->vars[i].name, name) == 0)
			return &st->vars[i];
	return NULL;
}

/* --- evaluation ------------------------------------------------------ */

static tv *eval_pipeline(struct state *st, tv *dot, struct tpipe *p);
static tv *eval_arg(struct state *st, tv *dot, struct targ *a);
static tv *eval_function(struct state *st, tv *dot, struct targ *ident,
			 struct tcmd *cmd, struct targ **args, size_t nargs, tv *final);

static tv *unwrap(tv *v)
{
	return v->kind == TV_NIL ? tv_missing() : v;
}

static bool not_a_function(struct state *st, struct targ *a, size_t nargs, tv *final)
{
	if (nargs > 1 || final) {
		fail(st, a->pos, a->end, "can't give argument to non-function %.*s",
		     a->end - a->pos, st->tree->unit->text + a->pos);
		return false;
	}
	return true;
}

static tv *eval_field(struct state *st, tv *dot, struct targ *node, const char *name,
		      tv *recv, struct targ **args, size_t nargs, tv *final)
{
	bool has_args = nargs > 1 || final;
	switch (recv->kind) {
	case TV_NIL:
		if (tv_is_missing(recv)) {
			if (st->o.missingkey == TMPL_MISSING_ERROR)
				return fail_node(st, BERR_INVALID, node, "nil data; no entry for key \"%s\"", name);
			return tv_missing();
		}
		return fail_node(st, BERR_INVALID, node, "nil pointer evaluating interface {}.%s", name);
	case TV_MAP: {
		if (has_args)
			return fail_node(st, BERR_INVALID, node, "%s is not a method but has arguments", name);
		tv *v = tv_map_get(recv, name);
		if (v)
			return v;
		if (st->o.missingkey == TMPL_MISSING_ERROR)
			return fail_node(st, BERR_INVALID, node, "map has no entry for key \"%s\"", name);
		return tv_missing();
	}
	case TV_OPAQUE: {
		if (!recv->u.op.type->field)
			break;
		size_t n = nargs ? nargs - 1 : 0;
		tv **argv = xcalloc(n + 2, sizeof(tv *));
		for (size_t i = 0; i < n; i++) {
			argv[i] = eval_arg(st, dot, args[i + 1]);
			if (!argv[i]) {
				free(argv);
				return NULL;
			}
		}
		if (final)
			argv[n++] = final;
		struct tmpl_call call = { st, NULL };
		tv *out = NULL;
		struct berr ferr = BERR_INIT;
		int rc = recv->u.op.type->field(&call, &out, recv->u.op.p, name, argv, n, &ferr);
		free(argv);
		if (rc == BERR_NOTFOUND)
			break;
		if (rc < 0)
			return fail_node(st, rc, node, "error calling %s: %s", name, ferr.msg);
		return out ? out : tv_nil();
	}
	default:
		break;
	}
	return fail_node(st, BERR_INVALID, node, "can't evaluate field %s in type %s", name,
		    tv_type_name(recv));
}

static tv *eval_field_chain(struct state *st, tv *dot, struct targ *node, tv *recv,
			    char **fields, size_t nfields, struct targ **args,
			    size_t nargs, tv *final)
{
	for (size_t i = 0; i + 1 < nfields; i++) {
		recv = eval_field(st, dot, node, fields[i], recv, NULL, 0, NULL);
		if (!recv)
			return NULL;
	}
	return eval_field(st, dot, node, fields[nfields - 1], recv, args, nargs, final);
}

static tv *var_value(struct state *st, struct targ *a)
{
	struct var *v = find_var(st, a->name);
	if (!v)
		return fail(st, a->pos, a->end, "undefined variable: %s", a->name);
	return v->val;
}

static tv *eval_variable(struct state *st, tv *dot, struct targ *a, struct targ **args,
			 size_t nargs, tv *final)
{
	tv *v = var_value(st, a);
	if (!v)
		return NULL;
	if (a->nfields == 0) {
		if (!not_a_function(st, a, nargs, final))
			return NULL;
		return v;
	}
	return eval_field_chain(st, dot, a, v, a->fields, a->nfields, args, nargs, final);
}

static tv *eval_chain(struct state *st, tv *dot, struct targ *a, struct targ **args,
		      size_t nargs, tv *final)
{
	if (a->node->type == A_NIL)
		return fail(st, a->pos, a->end, "indirection through explicit nil in %.*s",
			    a->end - a->pos, st->tree->unit->text + a->pos);
	tv *recv = eval_arg(st, dot, a->node);
	if (!recv)
		return NULL;
	return eval_field_chain(st, dot, a, recv, a->fields, a->nfields, args, nargs, final);
}

static tv *constant(struct state *st, struct targ *a)
{
	switch (a->type) {
	case A_BOOL:
		return tv_bool(a->b);
	case A_NUMBER:
		return a->is_float ? tv_float(st->arena, a->f) : tv_int(st->arena, a->i);
	case A_STRING:
		return tv_strn(st->arena, a->s, a->slen);
	case A_NIL:
		return tv_nil();
	default:
		return NULL;
	}
}

static tv *eval_arg(struct state *st, tv *dot, struct targ *a)
{
	switch (a->type) {
	case A_DOT:
		return dot;
	case A_NIL:
	case A_BOOL:
	case A_NUMBER:
	case A_STRING:
		return constant(st, a);
	case A_FIELD:
		return eval_field_chain(st, dot, a, dot, a->fields, a->nfields, NULL, 0, NULL);
	case A_VAR:
		return eval_variable(st, dot, a, NULL, 0, NULL);
	case A_PIPE:
		return eval_pipeline(st, dot, a->pipe);
	case A_CHAIN:
		return eval_chain(st, dot, a, NULL, 0, NULL);
	case A_IDENT:
		return eval_function(st, dot, a, NULL, NULL, 0, NULL);
	}
	return fail(st, a->pos, a->end, "can't handle argument");
}

static tv *eval_command(struct state *st, tv *dot, struct tcmd *cmd, tv *final)
{
	struct targ *first = cmd->args[0];
	if (failed_limit(st, cmd->pos, cmd->end))
		return NULL;
	switch (first->type) {
	case A_FIELD:
		return eval_field_chain(st, dot, first, dot, first->fields, first->nfields,
					cmd->args, cmd->nargs, final);
	case A_CHAIN:
		return eval_chain(st, dot, first, cmd->args, cmd->nargs, final);
	case A_IDENT:
		return eval_function(st, dot, first, cmd, cmd->args, cmd->nargs, final);
	case A_PIPE:
		if (!not_a_function(st, first, cmd->nargs, final))
			return NULL;
		return eval_pipeline(st, dot, first->pipe);
	case A_VAR:
		return eval_variable(st, dot, first, cmd->args, cmd->nargs, final);
	default:
		break;
	}
	if (!not_a_function(st, first, cmd->nargs, final))
		return NULL;
	switch (first->type) {
	case A_DOT:
		return dot;
	case A_NIL:
		return fail(st, first->pos, first->end, "nil is not a command");
	default:
		return constant(st, first);
	}
}

/* Evaluates a pipeline; declares or assigns its variables unless
 * no_decl (range declares its own). */
static tv *eval_pipeline_decl(struct state *st, tv *dot, struct tpipe *p, bool no_decl)
{
	if (!p)
		return tv_missing();
	tv *v = NULL;
	for (size_t i = 0; i < p->ncmds; i++) {
		v = eval_command(st, dot, p->cmds[i], v);
		if (!v)
			return NULL;
	}
	v = unwrap(v);
	for (size_t i = 0; i < (no_decl ? 0 : p->ndecl); i++) {
		if (p->is_assign) {
			struct var *var = find_var(st, p->decl[i]);
			if (!var)
				return fail(st, p->pos, p->end, "undefined variable: %s", p->decl[i]);
			var->val = v;
		} else {
			push(st, p->decl[i], v);
		}
	}
	return v;
}

static tv *eval_pipeline(struct state *st, tv *dot, struct tpipe *p)
{
	return eval_pipeline_decl(st, dot, p, false);
}

/* --- built-in functions ---------------------------------------------- */

enum bkind { K_INVALID, K_BOOL, K_INT, K_FLOAT, K_STRING, K_OTHER };

static enum bkind basic_kind(const tv *v)
{
	switch (v->kind) {
	case TV_NIL: return K_INVALID;
	case TV_BOOL: return K_BOOL;
	case TV_INT: return K_INT;
	case TV_FLOAT: return K_FLOAT;
	case TV_STRING: return K_STRING;
	default: return K_OTHER;
	}
}

static int str_cmp(const tv *a, const tv *b)
{
	size_t n = a->u.str.len < b->u.str.len ? a->u.str.len : b->u.str.len;
	int c = memcmp(a->u.str.s, b->u.str.s, n);
	if (c)
		return c;
	return a->u.str.len < b->u.str.len ? -1 : a->u.str.len > b->u.str.len;
}

static int builtin_eq(tv **args, size_t n, bool *out, struct berr *err)
{
	if (n < 2)
		return berr_set(err, BERR_INVALID, "missing argument for comparison");
	tv *a = args[0];
	enum bkind ka = basic_kind(a);
	for (size_t i = 1; i < n; i++) {
		tv *b = args[i];
		enum bkind kb = basic_kind(b);
		bool truth = false;
		if (ka != kb) {
			if (ka != K_INVALID && kb != K_INVALID)
				return berr_set(err, BERR_INVALID, "incompatible types for comparison");
		} else {
			switch (ka) {
			case K_INVALID: truth = true; break;
			case K_BOOL: truth = a->u.b == b->u.b; break;
			case K_INT: truth = a->u.i == b->u.i; break;
			case K_FLOAT: truth = a->u.f == b->u.f; break;
			case K_STRING: truth = str_cmp(a, b) == 0; break;
			case K_OTHER:
				if (a->kind != b->kind)
					return berr_set(err, BERR_INVALID, "incompatible types for comparison");
				if (a->kind == TV_LIST || a->kind == TV_MAP)
					return berr_set(err, BERR_INVALID, "non-comparable type %s: %s",
							tv_type_name(b), tv_type_name(b));
				truth = a->u.op.p == b->u.op.p;
				break;
			}
		}
		if (truth) {
			*out = true;
			return 0;
		}
	}
	*out = false;
	return 0;
}

static int builtin_lt(tv *a, tv *b, bool *out, struct berr *err)
{
	enum bkind ka = basic_kind(a), kb = basic_kind(b);
	if (ka == K_INVALID || ka == K_OTHER || kb == K_INVALID || kb == K_OTHER)
		return berr_set(err, BERR_INVALID, "invalid type for comparison");
	if (ka != kb)
		return berr_set(err, BERR_INVALID, "incompatible types for comparison");
	switch (ka) {
	case K_BOOL:
		return berr_set(err, BERR_INVALID, "invalid type for comparison");
	case K_INT: *out = a->u.i < b->u.i; break;
	case K_FLOAT: *out = a->u.f < b->u.f; break;
	case K_STRING: *out = str_cmp(a, b) < 0; break;
	default: break;
	}
	return 0;
}

static int index_arg(const tv *idx, size_t cap, int64_t *out, struct berr *err)
{
	if (idx->kind == TV_NIL)
		return berr_set(err, BERR_INVALID, "cannot index slice/array with nil");
	if (idx->kind != TV_INT)
		return berr_set(err, BERR_INVALID, "cannot index slice/array with type %s",
				tv_type_name(idx));
	if (idx->u.i < 0 || (uint64_t)idx->u.i > cap)
		return berr_set(err, BERR_INVALID, "index out of range: %lld", (long long)idx->u.i);
	*out = idx->u.i;
	return 0;
}

static int builtin_index(struct state *st, tv **args, size_t n, tv **out, struct berr *err)
{
	tv *item = args[0];
	if (item->kind == TV_NIL)
		return berr_set(err, BERR_INVALID, "index of untyped nil");
	for (size_t i = 1; i < n; i++) {
		tv *idx = args[i];
		int64_t x;
		switch (item->kind) {
		case TV_NIL:
			return berr_set(err, BERR_INVALID, "index of nil pointer");
		case TV_LIST:
			if (index_arg(idx, item->u.list.len, &x, err) < 0)
				return err->code;
			if ((size_t)x >= item->u.list.len)
				return berr_set(err, BERR_INVALID, "index out of range: %lld", (long long)x);
			item = item->u.list.items[x];
			break;
		case TV_STRING:
			if (index_arg(idx, item->u.str.len, &x, err) < 0)
				return err->code;
			if ((size_t)x >= item->u.str.len)
				return berr_set(err, BERR_INVALID, "index out of range: %lld", (long long)x);
			item = tv_int(st->arena, (unsigned char)item->u.str.s[x]);
			break;
		case TV_MAP: {
			if (idx->kind == TV_NIL)
				return berr_set(err, BERR_INVALID, "value is nil; should be of type string");
			if (idx->kind != TV_STRING)
				return berr_set(err, BERR_INVALID, "value has type %s; should be string",
						tv_type_name(idx));
			tv *v = tv_map_getn(item, idx->u.str.s, idx->u.str.len);
			item = v ? v : tv_nil();
			break;
		}
		default:
			return berr_set(err, BERR_INVALID, "can't index item of type %s",
					tv_type_name(item));
		}
	}
	*out = item;
	return 0;
}

static int builtin_slice(struct state *st, tv **args, size_t n, tv **out, struct berr *err)
{
	tv *item = args[0];
	if (item->kind == TV_NIL)
		return berr_set(err, BERR_INVALID, "slice of untyped nil");
	size_t nidx = n - 1;
	if (nidx > 3)
		return berr_set(err, BERR_INVALID, "too many slice indexes: %zu", nidx);
	size_t len;
	if (item->kind == TV_STRING) {
		if (nidx == 3)
			return berr_set(err, BERR_INVALID, "cannot 3-index slice a string");
		len = item->u.str.len;
	} else if (item->kind == TV_LIST) {
		len = item->u.list.len;
	} else {
		return berr_set(err, BERR_INVALID, "can't slice item of type %s", tv_type_name(item));
	}
	int64_t idx[3] = { 0, (int64_t)len, (int64_t)len };
	for (size_t i = 0; i < nidx; i++)
		if (index_arg(args[i + 1], len, &idx[i], err) < 0)
			return err->code;
	if (idx[0] > idx[1])
		return berr_set(err, BERR_INVALID, "invalid slice index: %lld > %lld",
				(long long)idx[0], (long long)idx[1]);
	if (nidx == 3 && idx[1] > idx[2])
		return berr_set(err, BERR_INVALID, "invalid slice index: %lld > %lld",
				(long long)idx[1], (long long)idx[2]);
	if (item->kind == TV_STRING) {
		*out = tv_strn(st->arena, item->u.str.s + idx[0], (size_t)(idx[1] - idx[0]));
		return 0;
	}
	tv *l = tv_list(st->arena, (size_t)(idx[1] - idx[0]));
	l->u.list.go_type = item->u.list.go_type;
	for (int64_t i = idx[0]; i < idx[1]; i++)
		tv_list_push(st->arena, l, item->u.list.items[i]);
	*out = l;
	return 0;
}

/* Go's evalArgs for html/js/urlquery: one string as is, else Sprint with
 * nil shown as "<no value>". */
static void eval_args_string(struct state *st, tv **args, size_t n, struct buf *out)
{
	if (n == 1 && args[0]->kind == TV_STRING) {
		buf_add(out, args[0]->u.str.s, args[0]->u.str.len);
		return;
	}
	tv **a = xcalloc(n + 1, sizeof(tv *));
	for (size_t i = 0; i < n; i++)
		a[i] = args[i]->kind == TV_NIL ? tv_str(st->arena, "<no value>") : args[i];
	gofmt_sprint(out, a, n, st->o.max_output);
	free(a);
}

static void html_escape(struct buf *out, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		switch (s[i]) {
		case '"': buf_adds(out, "&#34;"); break;
		case '\'': buf_adds(out, "&#39;"); break;
		case '&': buf_adds(out, "&amp;"); break;
		case '<': buf_adds(out, "&lt;"); break;
		case '>': buf_adds(out, "&gt;"); break;
		case '\0': buf_adds(out, "\xEF\xBF\xBD"); break;
		default: buf_addch(out, s[i]);
		}
	}
}

static void js_escape(struct buf *out, const char *s, size_t n)
{
	static const char hex[] = "0123456789ABCDEF";
	for (size_t i = 0; i < n;) {
		unsigned char c = (unsigned char)s[i];
		if (c < 0x80) {
			switch (c) {
			case '\\': buf_adds(out, "\\\\"); break;
			case '\'': buf_adds(out, "\\'"); break;
			case '"': buf_adds(out, "\\\""); break;
			case '<': buf_adds(out, "\\u003C"); break;
			case '>': buf_adds(out, "\\u003E"); break;
			case '&': buf_adds(out, "\\u0026"); break;
			case '=': buf_adds(out, "\\u003D"); break;
			default:
				if (c < ' ') {
					buf_adds(out, "\\u00");
					buf_addch(out, hex[c >> 4]);
					buf_addch(out, hex[c & 15]);
				} else {
					buf_addch(out, (char)c);
				}
			}
			i++;
			continue;
		}
		uint32_t r;
		int w = gofmt_utf8_decode(s + i, n - i, &r);
		if (gofmt_is_print(r))
			buf_add(out, s + i, (size_t)w);
		else
			buf_addf(out, "\\u%04X", r);
		i += (size_t)w;
	}
}

static void url_query_escape(struct buf *out, const char *s, size_t n)
{
	static const char hex[] = "0123456789ABCDEF";
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    c == '-' || c == '_' || c == '.' || c == '~') {
			buf_addch(out, (char)c);
		} else if (c == ' ') {
			buf_addch(out, '+');
		} else {
			buf_addch(out, '%');
			buf_addch(out, hex[c >> 4]);
			buf_addch(out, hex[c & 15]);
		}
	}
}

static int arity(const char *name, size_t n, size_t want, bool at_least, struct berr *err)
{
	if (at_least ? n >= want : n == want)
		return 0;
	if (at_least)
		return berr_set(err, BERR_INVALID, "wrong number of args for %s: want at least %zu got %zu",
				name, want, n);
	return berr_set(err, BERR_INVALID, "wrong number of args for %s: want %zu got %zu",
			name, want, n);
}

/* Calls a built-in other than and/or. Returns 0 or a negative code with a
 * bare message in err. */
static int call_builtin(struct state *st, const char *name, tv **args, size_t n,
			tv **out, struct berr *err)
{
	struct tv_arena *a = st->arena;
	bool b;
	if (strcmp(name, "not") == 0) {
		if (arity(name, n, 1, false, err) < 0)
			return err->code;
		*out = tv_bool(!tv_truth(args[0]));
		return 0;
	}
	if (strcmp(name, "len") == 0) {
		if (arity(name, n, 1, false, err) < 0)
			return err->code;
		tv *v = args[0];
		switch (v->kind) {
		case TV_STRING: *out = tv_int(a, (int64_t)v->u.str.len); return 0;
		case TV_LIST: *out = tv_int(a, (int64_t)v->u.list.len); return 0;
		case TV_MAP: *out = tv_int(a, (int64_t)v->u.map.len); return 0;
		case TV_NIL:
			return berr_set(err, BERR_INVALID, tv_is_missing(v) ? "len of untyped nil" :
					"len of nil pointer");
		default:
			return berr_set(err, BERR_INVALID, "len of type %s", tv_type_name(v));
		}
	}
	if (strcmp(name, "index") == 0) {
		if (arity(name, n, 1, true, err) < 0)
			return err->code;
		return builtin_index(st, args, n, out, err);
	}
	if (strcmp(name, "slice") == 0) {
		if (arity(name, n, 1, true, err) < 0)
			return err->code;
		return builtin_slice(st, args, n, out, err);
	}
	if (strcmp(name, "print") == 0 || strcmp(name, "println") == 0 ||
	    strcmp(name, "printf") == 0) {
		struct buf s = BUF_INIT;
		if (name[5] == 'f') {
			if (arity(name, n, 1, true, err) < 0)
				return err->code;
			if (args[0]->kind != TV_STRING)
				return berr_set(err, BERR_INVALID,
						"wrong type for value; expected string; got %s",
						tv_type_name(args[0]));
			gofmt_sprintf(&s, args[0]->u.str.s, args[0]->u.str.len, args + 1, n - 1,
				      st->o.max_output);
		} else if (name[5] == 'l') {
			gofmt_sprintln(&s, args, n, st->o.max_output);
		} else {
			gofmt_sprint(&s, args, n, st->o.max_output);
		}
		*out = tv_str_buf(a, &s);
		return 0;
	}
	if (strcmp(name, "eq") == 0 || strcmp(name, "ne") == 0) {
		bool ne = name[0] == 'n';
		if (arity(name, n, ne ? 2 : 1, !ne, err) < 0)
			return err->code;
		if (builtin_eq(args, n, &b, err) < 0)
			return err->code;
		*out = tv_bool(ne ? !b : b);
		return 0;
	}
	if (strcmp(name, "lt") == 0 || strcmp(name, "le") == 0 ||
	    strcmp(name, "gt") == 0 || strcmp(name, "ge") == 0) {
		if (arity(name, n, 2, false, err) < 0)
			return err->code;
		bool lt = false, eq = false;
		if (builtin_lt(args[0], args[1], &lt, err) < 0)
			return err->code;
		bool need_eq = strcmp(name, "le") == 0 || strcmp(name, "gt") == 0;
		if (need_eq && builtin_eq(args, 2, &eq, err) < 0)
			return err->code;
		bool r;
		if (strcmp(name, "lt") == 0)
			r = lt;
		else if (strcmp(name, "le") == 0)
			r = lt || eq;
		else if (strcmp(name, "gt") == 0)
			r = !(lt || eq);
		else
			r = !lt;
		*out = tv_bool(r);
		return 0;
	}
	if (strcmp(name, "html") == 0 || strcmp(name, "js") == 0 ||
	    strcmp(name, "urlquery") == 0) {
		struct buf s = BUF_INIT, e = BUF_INIT;
		eval_args_string(st, args, n, &s);
		if (name[0] == 'h')
			html_escape(&e, s.data, s.len);
		else if (name[0] == 'j')
			js_escape(&e, s.data, s.len);
		else
			url_query_escape(&e, s.data, s.len);
		buf_release(&s);
		*out = tv_str_buf(a, &e);
		return 0;
	}
	if (strcmp(name, "call") == 0) {
		if (arity(name, n, 1, true, err) < 0)
			return err->code;
		if (args[0]->kind == TV_NIL)
			return berr_set(err, BERR_INVALID, "call of nil");
		return berr_set(err, BERR_UNSUPPORTED, "non-function of type %s",
				tv_type_name(args[0]));
	}
	return berr_set(err, BERR_INVALID, "%s is not a function", name);
}

static tv *eval_function(struct state *st, tv *dot, struct targ *ident,
			 struct tcmd *cmd, struct targ **args, size_t nargs, tv *final)
{
	const char *name = ident->name;
	int pos = cmd ? cmd->pos : ident->pos, end = cmd ? cmd->end : ident->end;
	size_t given = (nargs ? nargs - 1 : 0) + (final ? 1 : 0);
	bool builtin = tmpl_is_builtin(name);
	const struct tfunc *f = NULL;
	if (!builtin || tmpl_lookup_func(st->set, name)) {
		f = tmpl_lookup_func(st->set, name);
		if (!f)
			return fail(st, ident->pos, ident->end, "\"%s\" is not a defined function", name);
		builtin = false;
	}
	if (builtin && (strcmp(name, "and") == 0 || strcmp(name, "or") == 0)) {
		for (size_t i = 1; i < nargs; i++)
			if (args[i]->type == A_NIL)
				return fail(st, args[i]->pos, args[i]->end,
					    "cannot assign nil to reflect.Value");
		if (given < 1)
			return fail(st, pos, end, "wrong number of args for %s: want at least 1 got 0", name);
		bool is_or = name[0] == 'o';
		tv *v = NULL;
		for (size_t i = 1; i < nargs; i++) {
			v = eval_arg(st, dot, args[i]);
			if (!v)
				return NULL;
			if (tv_truth(v) == is_or)
				return v;
		}
		if (final)
			v = final;
		return v;
	}
	/* Go's built-ins that take reflect.Value refuse a literal nil */
	if (builtin && strcmp(name, "print") && strcmp(name, "printf") && strcmp(name, "println") &&
	    strcmp(name, "html") && strcmp(name, "js") && strcmp(name, "urlquery")) {
		for (size_t i = 1; i < nargs; i++)
			if (args[i]->type == A_NIL)
				return fail(st, args[i]->pos, args[i]->end,
					    "cannot assign nil to reflect.Value");
	}
	tv **argv = xcalloc(given + 1, sizeof(tv *));
	size_t k = 0;
	for (size_t i = 1; i < nargs; i++) {
		argv[k] = eval_arg(st, dot, args[i]);
		if (!argv[k]) {
			free(argv);
			return NULL;
		}
		k++;
	}
	if (final)
		argv[k++] = final;
	tv *out = NULL;
	struct berr ferr = BERR_INIT;
	int rc;
	if (builtin) {
		rc = call_builtin(st, name, argv, k, &out, &ferr);
	} else {
		struct tmpl_call call = { st, f->data };
		rc = f->fn(&call, &out, argv, k, &ferr);
	}
	free(argv);
	if (rc < 0) {
		if (!ferr.code)
			ferr.code = rc;
		/* Go checks arity and argument types before the call, so those
		 * errors are not "error calling" ones; arity points at the name */
		if (strncmp(ferr.msg, "wrong number of args for ", 25) == 0)
			return fail_node(st, ferr.code, ident, "%s", ferr.msg);
		if (strncmp(ferr.msg, "wrong type for value;", 21) == 0 ||
		    strncmp(ferr.msg, "invalid value; expected", 23) == 0)
			return fail_code(st, ferr.code, pos, end, "%s", ferr.msg);
		return fail_code(st, ferr.code, pos, end, "error calling %s: %s", name, ferr.msg);
	}
	if (check_limits(st, pos, end, !builtin))
		return NULL;
	return out ? out : tv_nil();
}

/* --- walking --------------------------------------------------------- */

static int walk_list(struct state *st, tv *dot, struct tlist *l);

static int write_out(struct state *st, struct tnode *n, const char *s, size_t len)
{
	if (st->out->len + len > st->out_limit) {
		fail_code(st, BERR_LIMIT, n->pos, n->end, "output exceeds the limit of %zu bytes",
			  st->o.max_output);
		return -1;
	}
	buf_add(st->out, s, len);
	return 0;
}

static int print_value(struct state *st, struct tnode *n, tv *v)
{
	if (v->kind == TV_NIL)
		return write_out(st, n, "<no value>", 10);
	if (v->kind == TV_STRING)
		return write_out(st, n, v->u.str.s, v->u.str.len);
	size_t before = st->out->len;
	gofmt_value(st->out, v, st->out_limit - before + 1);
	if (st->out->len > st->out_limit) {
		buf_truncate(st->out, st->out_limit);
		fail_code(st, BERR_LIMIT, n->pos, n->end, "output exceeds the limit of %zu bytes",
			  st->o.max_output);
		return -1;
	}
	return 0;
}

static int walk_if_with(struct state *st, tv *dot, struct tnode *n)
{
	size_t mark = st->nvars;
	tv *v = eval_pipeline(st, dot, n->pipe);
	if (!v)
		return -1;
	int rc = 0;
	if (tv_truth(v))
		rc = walk_list(st, n->type == N_WITH ? v : dot, &n->list);
	else if (n->has_else)
		rc = walk_list(st, dot, &n->else_list);
	st->nvars = mark;
	return rc;
}

static int range_one(struct state *st, struct tnode *n, size_t mark, tv *index, tv *elem)
{
	struct tpipe *p = n->pipe;
	if (p->ndecl > 0) {
		if (p->is_assign) {
			struct var *v = find_var(st, p->decl[0]);
			if (!v) {
				fail(st, p->pos, p->end, "undefined variable: %s", p->decl[0]);
				return -1;
			}
			v->val = p->ndecl > 1 ? index : elem;
		} else {
			st->vars[mark - 1].val = elem;
		}
	}
	if (p->ndecl > 1) {
		if (p->is_assign) {
			struct var *v = find_var(st, p->decl[1]);
			if (!v) {
				fail(st, p->pos, p->end, "undefined variable: %s", p->decl[1]);
				return -1;
			}
			v->val = elem;
		} else {
			st->vars[mark - 2].val = index;
		}
	}
	int rc = walk_list(st, elem, &n->list);
	st->nvars = mark;
	return rc;
}

static int walk_range(struct state *st, tv *dot, struct tnode *n)
{
	size_t outer = st->nvars;
	struct tpipe *p = n->pipe;
	/* evaluate without declaring, then declare the loop variables */
	size_t ndecl = p->ndecl;
	tv *v = eval_pipeline_decl(st, dot, p, true);
	if (!v)
		return -1;
	if (p->is_assign) {
		for (size_t i = 0; i < ndecl; i++) {
			struct var *var = find_var(st, p->decl[i]);
			if (!var) {
				fail(st, p->pos, p->end, "undefined variable: %s", p->decl[i]);
				return -1;
			}
			var->val = v;
		}
	} else {
		for (size_t i = 0; i < ndecl; i++)
			push(st, p->decl[i], v);
	}
	size_t mark = st->nvars;
	int rc = 0;
	bool ran = false;
	if (v->kind == TV_OPAQUE && v->u.op.type->range_value) {
		tv *rv = v->u.op.type->range_value(st->arena, v->u.op.p);
		if (rv)
			v = rv;
	}
	switch (v->kind) {
	case TV_LIST:
		for (size_t i = 0; i < v->u.list.len; i++) {
			ran = true;
			rc = range_one(st, n, mark, tv_int(st->arena, (int64_t)i), v->u.list.items[i]);
			if (rc < 0 || rc == WALK_BREAK)
				break;
			rc = 0;
		}
		break;
	case TV_MAP:
		for (size_t i = 0; i < v->u.map.len; i++) {
			ran = true;
			struct tv_entry *e = &v->u.map.e[i];
			tv *key = tv_strn(st->arena, e->key, e->klen);
			rc = range_one(st, n, mark, key, e->val);
			if (rc < 0 || rc == WALK_BREAK)
				break;
			rc = 0;
		}
		break;
	case TV_INT:
		if (ndecl > 1) {
			fail(st, n->pos, n->end, "can't use %lld to iterate over more than one variable",
			     (long long)v->u.i);
			return -1;
		}
		for (int64_t i = 0; i < v->u.i; i++) {
			ran = true;
			tv *iv = tv_int(st->arena, i);
			rc = range_one(st, n, mark, iv, iv);
			if (rc < 0 || rc == WALK_BREAK)
				break;
			if (failed_limit(st, n->pos, n->end)) {
				rc = -1;
				break;
			}
			rc = 0;
		}
		break;
	case TV_NIL:
		break;
	default: {
		struct buf b = BUF_INIT;
		gofmt_value(&b, v, 200);
		fail(st, n->pos, n->end, "range can't iterate over %s", b.data);
		buf_release(&b);
		return -1;
	}
	}
	if (rc < 0)
		return -1;
	if (!ran && n->has_else)
		rc = walk_list(st, dot, &n->else_list);
	st->nvars = outer;
	return rc < 0 ? -1 : 0;
}

static int exec_tree(struct state *st, struct ttree *t, tv *dot);

/* Errors at {{template}}: Go shows the node as {{template "name" pipe}}. */
static int fail_template(struct state *st, struct tnode *n, int code, const char *msg)
{
	int line, col;
	tunit_position(st->tree->unit, n->pos, &line, &col);
	struct buf ctx = BUF_INIT;
	buf_adds(&ctx, "{{template ");
	gofmt_quote(&ctx, n->tmpl_name, strlen(n->tmpl_name), false);
	if (n->pipe) {
		const char *src = st->tree->unit->text;
		buf_addch(&ctx, ' ');
		buf_add(&ctx, src + n->pipe->pos, (size_t)(n->pipe->end - n->pipe->pos));
		while (ctx.len && ctx.data[ctx.len - 1] == ' ')
			buf_truncate(&ctx, ctx.len - 1);
	}
	buf_adds(&ctx, "}}");
	size_t i = 0, runes = 0;
	while (i < ctx.len && runes < 20) {
		uint32_t r;
		i += gofmt_utf8_decode(ctx.data + i, ctx.len - i, &r);
		runes++;
	}
	berr_set(st->err, code, "template: %s:%d:%d: executing \"%s\" at <%.*s%s>: %s",
		 st->tree->unit->name, line, col, st->tree->name, (int)i, ctx.data,
		 i < ctx.len ? "..." : "", msg);
	buf_release(&ctx);
	return -1;
}

static int walk_template(struct state *st, tv *dot, struct tnode *n)
{
	struct ttree *t = tmpl_lookup(st->set, n->tmpl_name);
	if (!t) {
		char msg[600];
		snprintf(msg, sizeof(msg), "template \"%s\" not defined", n->tmpl_name);
		return fail_template(st, n, BERR_INVALID, msg);
	}
	if (st->depth >= st->o.max_depth) {
		char msg[100];
		snprintf(msg, sizeof(msg), "exceeded maximum template depth (%zu)", st->o.max_depth);
		return fail_template(st, n, BERR_LIMIT, msg);
	}
	tv *v = eval_pipeline(st, dot, n->pipe);
	if (!v)
		return -1;
	return exec_tree(st, t, v);
}

static int walk_node(struct state *st, tv *dot, struct tnode *n)
{
	if (failed_limit(st, n->pos, n->end))
		return -1;
	switch (n->type) {
	case N_TEXT:
		return write_out(st, n, n->text, n->len);
	case N_ACTION: {
		tv *v = eval_pipeline(st, dot, n->pipe);
		if (!v)
			return -1;
		if (n->pipe->ndecl == 0)
			return print_value(st, n, v);
		return 0;
	}
	case N_IF:
	case N_WITH:
		return walk_if_with(st, dot, n);
	case N_RANGE:
		return walk_range(st, dot, n);
	case N_TEMPLATE:
		return walk_template(st, dot, n);
	case N_BREAK:
		return WALK_BREAK;
	case N_CONTINUE:
		return WALK_CONTINUE;
	}
	return 0;
}

static int walk_list(struct state *st, tv *dot, struct tlist *l)
{
	for (size_t i = 0; i < l->len; i++) {
		int rc = walk_node(st, dot, l->items[i]);
		if (rc)
			return rc;
	}
	return 0;
}

static int exec_tree(struct state *st, struct ttree *t, tv *dot)
{
	struct ttree *saved_tree = st->tree;
	size_t saved_base = st->base, saved_n = st->nvars;
	st->tree = t;
	st->base = st->nvars;
	st->depth++;
	push(st, "$", dot);
	int rc = walk_list(st, dot, &t->root);
	st->depth--;
	st->nvars = saved_n;
	st->base = saved_base;
	if (rc >= 0)
		st->tree = saved_tree;
	return rc < 0 ? -1 : 0;
}

/* --- entry points ---------------------------------------------------- */

static void resolve_options(struct tmpl_options *o, const struct tmpl_options *in)
{
	*o = in ? *in : defaults;
	if (!o->max_output)
		o->max_output = defaults.max_output;
	if (!o->max_depth)
		o->max_depth = defaults.max_depth;
	if (!o->max_steps)
		o->max_steps = defaults.max_steps;
	if (!o->max_memory)
		o->max_memory = defaults.max_memory;
	if (!(o->max_seconds > 0))
		o->max_seconds = defaults.max_seconds;
}

int tmpl_execute_value(struct tmpl_set *set, const char *name, tv *data,
		       struct tv_arena *arena, struct buf *out,
		       const struct tmpl_options *opts, struct berr *err)
{
	struct ttree *t = tmpl_lookup(set, name);
	if (!t)
		return berr_set(err, BERR_NOTFOUND, "template: no template \"%s\" associated with template set",
				name);
	struct state st = { .set = set, .arena = arena, .out = out, .err = err };
	resolve_options(&st.o, opts);
	st.out_limit = out->len + st.o.max_output;
	clock_gettime(CLOCK_MONOTONIC, &st.start);
	st.tree = t;
	int rc = exec_tree(&st, t, data ? data : tv_missing());
	free(st.vars);
	if (rc < 0)
		return err && err->code ? err->code : BERR_INVALID;
	return 0;
}

int tmpl_execute(struct tmpl_set *set, const char *name, const json_t *data,
		 struct buf *out, const struct tmpl_options *opts, struct berr *err)
{
	struct tv_arena *a = tv_arena_new();
	tv *d = data ? tv_from_json(a, data) : tv_missing();
	if (d->kind == TV_NIL)
		d = tv_missing();
	int rc = tmpl_execute_value(set, name, d, a, out, opts, err);
	tv_arena_free(a);
	return rc;
}

struct tv_arena *tmpl_call_arena(struct tmpl_call *call)
{
	return call->st->arena;
}

struct tmpl_set *tmpl_call_set(struct tmpl_call *call)
{
	return call->st->set;
}

void *tmpl_call_data(struct tmpl_call *call)
{
	return call->data;
}

const char *tmpl_call_template_name(struct tmpl_call *call)
{
	return call->st->tree->name;
}

const struct tmpl_options *tmpl_call_options(struct tmpl_call *call)
{
	return &call->st->o;
}

int tmpl_call_execute(struct tmpl_call *call, const char *name, tv *data,
		      struct buf *out, struct berr *err)
{
	struct state *st = call->st;
	struct ttree *t = tmpl_lookup(st->set, name);
	if (!t)
		return berr_set(err, BERR_NOTFOUND, "template: no template \"%s\" associated with template set",
				name);
	if (st->depth >= st->o.max_depth)
		return berr_set(err, BERR_LIMIT, "exceeded maximum template depth (%zu)",
				st->o.max_depth);
	/* a nested execution: same budgets, its own output and error */
	struct state sub = *st;
	sub.out = out;
	sub.out_limit = out->len + (st->out_limit > st->out->len ? st->out_limit - st->out->len : 0);
	sub.err = err;
	sub.vars = NULL;
	sub.nvars = sub.cap = sub.base = 0;
	int rc = exec_tree(&sub, t, data);
	free(sub.vars);
	st->steps = sub.steps;
	if (rc < 0)
		return err && err->code ? err->code : BERR_INVALID;
	return 0;
}
