/*
 * internal.h — the parse tree and the set, shared by parse.c, exec.c and
 * set.c only. Other parts use template.h.
 *
 * The tree mirrors Go's text/template/parse: lists of nodes (text, action,
 * if, range, with, template, break, continue); an action holds a pipeline
 * (optional variable declarations and commands joined by '|'); a command
 * holds operands (the first may name a function). Everything one
 * tmpl_parse() call allocates lives in one `struct tunit` with the source
 * text, so trees of a set are never freed one by one: a redefined template
 * keeps its old tree alive until the set dies, which keeps an execution
 * that is still walking it (Helm's tpl parses while executing) safe.
 */
#ifndef BOSUN_TEMPLATE_INTERNAL_H
#define BOSUN_TEMPLATE_INTERNAL_H

#include "repo-server/template/template.h"

#define TMPL_MAX_NESTING 1000

struct tchunk;
struct tunit {
	char *name;             /* the name given to tmpl_parse (ParseName) */
	char *text;
	size_t len;
	struct tchunk *chunks;  /* bump-allocated, newest first */
	size_t used;            /* bytes used of chunks->data */
};

enum tnode_type {
	N_TEXT, N_ACTION, N_IF, N_RANGE, N_WITH, N_TEMPLATE, N_BREAK, N_CONTINUE,
};

enum targ_type {
	A_FIELD,        /* .a.b */
	A_VAR,          /* $x or $x.a.b */
	A_DOT,
	A_NIL,
	A_BOOL,
	A_NUMBER,
	A_STRING,
	A_IDENT,        /* a function name */
	A_PIPE,         /* (pipeline) */
	A_CHAIN,        /* (pipeline).a.b */
};

struct tpipe;

struct targ {
	enum targ_type type;
	int pos, end;           /* source span, for error context */
	int loc;                /* where errors point (Go's node position) */
	char *name;             /* A_IDENT, A_VAR ("$x") */
	char **fields;
	size_t nfields;
	bool b;
	bool is_float;          /* A_NUMBER: float64 constant, else int */
	int64_t i;
	double f;
	char *s;                /* A_STRING */
	size_t slen;
	struct tpipe *pipe;     /* A_PIPE */
	struct targ *node;      /* A_CHAIN */
};

struct tcmd {
	int pos, end;
	struct targ **args;
	size_t nargs;
};

struct tpipe {
	int pos, end;
	bool is_assign;
	char **decl;
	size_t ndecl;
	struct tcmd **cmds;
	size_t ncmds;
};

struct tnode;
struct tlist {
	struct tnode **items;
	size_t len, cap;
};

struct tnode {
	enum tnode_type type;
	int pos, end;
	const char *text;       /* N_TEXT (points into the unit's text) */
	size_t len;
	struct tpipe *pipe;
	struct tlist list, else_list;
	bool has_else;
	char *tmpl_name;        /* N_TEMPLATE */
};

struct ttree {
	char *name;
	struct tunit *unit;
	struct tlist root;
};

struct tfunc {
	char *name;
	tmpl_func fn;
	void *data;
	bool owned;             /* name is the set's copy (else static) */
};

struct tmpl_set {
	struct ttree **trees;   /* sorted by name */
	size_t ntrees, trees_cap;
	struct tunit **units;
	size_t nunits, units_cap;
	struct tfunc *funcs;    /* sorted by name */
	size_t nfuncs, funcs_cap;
};

bool tmpl_is_builtin(const char *name);
struct ttree *tmpl_lookup(const struct tmpl_set *set, const char *name);
const struct tfunc *tmpl_lookup_func(const struct tmpl_set *set, const char *name);
/* Adds (or replaces) a tree; the set does not free trees, only units. */
void tmpl_add_tree(struct tmpl_set *set, struct ttree *t);
void tmpl_add_unit(struct tmpl_set *set, struct tunit *u);
void tunit_free(struct tunit *u);
/* Zeroed memory that lives as long as the unit. */
void *tunit_alloc(struct tunit *u, size_t n);
/* Line (1-based) and column (0-based byte) of a position in the unit. */
void tunit_position(const struct tunit *u, int pos, int *line, int *col);

#endif
