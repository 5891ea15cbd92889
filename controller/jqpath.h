/*
 * jqpath — the bounded part of jq that ignoreDifferences.jqPathExpressions
 * accept (see jqpath.c for what is in it). An expression names values
 * inside a document; the comparison deletes them from both sides as Argo
 * CD's gojq del(EXPR) would.
 */
#ifndef BOSUN_CTRL_JQPATH_H
#define BOSUN_CTRL_JQPATH_H

#include <jansson.h>

#include "err.h"

#define JQPATH_MAX_LEN 4096     /* characters of one expression */

struct jqpath;

/*
 * Compiles expr. BERR_INVALID when it is not in the subset or can never be
 * a path expression (`.a | length`), BERR_LIMIT when it is too long or too
 * deep; the message names the expression, the construct and the column.
 * Free *out with jqpath_free().
 */
int jqpath_compile(struct jqpath **out, const char *expr, struct berr *err);
void jqpath_free(struct jqpath *p);

/*
 * The paths the expression selects in doc, as jq's path(EXPR): *out is a new
 * array of arrays of keys (strings), indexes (numbers) and slices
 * ({"start":..,"end":..}). A runtime error (iterating a string, test() on a
 * number, a value where a path was wanted, a limit) returns BERR_INVALID or
 * BERR_LIMIT with *out NULL.
 */
int jqpath_paths(json_t **out, const struct jqpath *p, const json_t *doc, struct berr *err);

/*
 * Deletes from doc every value the expression selects, as gojq's del(EXPR)
 * (all paths are resolved against the document as it was, so deleting one
 * array element never shifts another's index). The path of the document
 * itself empties it in place (del(.) gives null). Returns how many paths
 * were deleted (paths that name nothing count too), or a negative BERR_*
 * code with doc unchanged.
 */
int jqpath_delete(const struct jqpath *p, json_t *doc, struct berr *err);

#endif
