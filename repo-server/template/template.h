/*
 * template — Go's text/template language in C, as Helm runs it.
 *
 * A template set (struct tmpl_set) holds named templates: tmpl_parse() adds
 * the text under a name, and every {{define}} / {{block}} inside adds one
 * more. Functions are registered on the set before parsing (a call to an
 * unknown function is a parse error, as in Go); the built-ins (and, or,
 * not, len, index, slice, print, printf, println, eq, ne, lt, le, gt, ge,
 * html, js, urlquery, call) are always there. tmpl_execute() renders one
 * named template against data into a buffer.
 *
 * Errors read exactly like Go's:
 *   template: NAME:LINE: unexpected "}" in operand          (parse)
 *   template: NAME:LINE:COL: executing "NAME" at <.X>: ...  (execution)
 * and on an execution error the output written before it stays in `out`.
 *
 * Hostile templates: output size, template call depth, evaluation steps,
 * arena memory and wall time are bounded by struct tmpl_options; hitting a
 * bound is an execution error naming it (BERR_LIMIT).
 *
 *     struct tmpl_set *set = tmpl_set_new();
 *     sprig_register(set);
 *     if (tmpl_parse(set, "t", text, len, &err) < 0) ...
 *     if (tmpl_execute(set, "t", values_json, &out, NULL, &err) < 0) ...
 *     tmpl_set_free(set);
 *
 * A set is not safe for concurrent use while parsing; concurrent executions
 * of a fully parsed set are safe (each has its own arena and state).
 */
#ifndef BOSUN_TEMPLATE_H
#define BOSUN_TEMPLATE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "buf.h"
#include "err.h"
#include "repo-server/template/value.h"

struct tmpl_set;

/*
 * A function callable from templates. args are the evaluated arguments
 * (the piped value last); on success set *out (a value of
 * tmpl_call_arena(call), or a static one) and return 0. On failure return a
 * negative BERR code with err set to the bare message ("wrong type for
 * value; expected string; got int"); the executor wraps it as Go does
 * ("error calling upper: ...").
 */
typedef int (*tmpl_func)(struct tmpl_call *call, tv **out, tv **args,
			 size_t nargs, struct berr *err);

enum tmpl_missingkey {
	TMPL_MISSING_DEFAULT,   /* missing map key gives no value: "<no value>" */
	TMPL_MISSING_ZERO,      /* the same for map[string]interface{} data */
	TMPL_MISSING_ERROR,     /* "map has no entry for key \"x\"" */
};

struct tmpl_options {
	enum tmpl_missingkey missingkey;
	size_t max_output;      /* bytes written; default 64 MiB */
	size_t max_depth;       /* nested template calls; default 1000 */
	size_t max_steps;       /* evaluation steps; default 100M */
	size_t max_memory;      /* bytes of values built; default 512 MiB */
	double max_seconds;     /* wall time; default 60 (0: the default) */
};

/* Creates an empty set. Free with tmpl_set_free(). */
struct tmpl_set *tmpl_set_new(void);
void tmpl_set_free(struct tmpl_set *set);

/* Registers (or replaces) a function; `data` is handed back through
 * tmpl_call_data(). Register before parsing templates that use it. */
void tmpl_set_func(struct tmpl_set *set, const char *name, tmpl_func fn, void *data);
bool tmpl_set_has_func(const struct tmpl_set *set, const char *name);

/* Registers many functions at once (sorting once, so a library of a few
 * hundred functions costs microseconds); a later entry replaces an earlier
 * one of the same name. The names are not copied: they must outlive the
 * set (string literals). */
struct tmpl_func_def {
	const char *name;
	tmpl_func fn;
};
void tmpl_set_funcs(struct tmpl_set *set, const struct tmpl_func_def *defs, size_t n,
		    void *data);

/*
 * Parses `text` as the template `name` (and its {{define}}s) into the set.
 * A template whose body is empty (only spaces and comments) does not
 * replace an existing one, as in Go. On error nothing is added.
 */
int tmpl_parse(struct tmpl_set *set, const char *name, const char *text,
	       size_t len, struct berr *err);
bool tmpl_has(const struct tmpl_set *set, const char *name);
/* Names of the set's templates, sorted; caller frees the array (not the
 * strings, which belong to the set). */
const char **tmpl_names(const struct tmpl_set *set, size_t *n_out);

/* Renders template `name` with `data` (JSON; NULL is nil) into out.
 * opts may be NULL for the defaults. */
int tmpl_execute(struct tmpl_set *set, const char *name, const json_t *data,
		 struct buf *out, const struct tmpl_options *opts, struct berr *err);
/* The same with data already a template value of `arena` (which the caller
 * owns and frees after). */
int tmpl_execute_value(struct tmpl_set *set, const char *name, tv *data,
		       struct tv_arena *arena, struct buf *out,
		       const struct tmpl_options *opts, struct berr *err);

/* --- for functions -------------------------------------------------- */

struct tv_arena *tmpl_call_arena(struct tmpl_call *call);
struct tmpl_set *tmpl_call_set(struct tmpl_call *call);
void *tmpl_call_data(struct tmpl_call *call);
const struct tmpl_options *tmpl_call_options(struct tmpl_call *call);
/* Name of the template being executed (Helm's tpl names its template so). */
const char *tmpl_call_template_name(struct tmpl_call *call);
/* Executes template `name` with `data` into out, sharing the running
 * execution's budgets and depth (Helm's include). Helm's tpl parses its
 * text into tmpl_call_set() with tmpl_parse() and then calls this; trees
 * being executed stay valid while the set grows. */
int tmpl_call_execute(struct tmpl_call *call, const char *name, tv *data,
		      struct buf *out, struct berr *err);

#endif
