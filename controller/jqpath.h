/*
 * jqpath — the bounded subset of jq path expressions that
 * ignoreDifferences.jqPathExpressions accept (see jqpath.c for the
 * grammar). An expression names values inside a document; the comparison
 * deletes them from both sides as jq's del(EXPR) would.
 */
#ifndef BOSUN_CTRL_JQPATH_H
#define BOSUN_CTRL_JQPATH_H

#include <jansson.h>

#include "err.h"

#define JQPATH_MAX_LEN 4096     /* characters of one expression */

struct jqpath;

/*
 * Compiles expr. BERR_INVALID when it is not in the subset or not a path
 * expression, BERR_LIMIT when it is too long or too deep; the message names
 * the expression and the column. Free *out with jqpath_free().
 */
int jqpath_compile(struct jqpath **out, const char *expr, struct berr *err);
void jqpath_free(struct jqpath *p);

/*
 * The paths the expression selects in doc, as jq's path(EXPR): *out is a new
 * array of arrays of keys (strings) and indexes (integers). A runtime error
 * (iterating a string, test() on a number, a limit) returns BERR_INVALID or
 * BERR_LIMIT with *out NULL.
 */
int jqpath_paths(json_t **out, const struct jqpath *p, const json_t *doc, struct berr *err);

/*
 * Deletes from doc every value the expression selects, as jq's del(EXPR)
 * (array elements from the highest index down, so indexes stay right).
 * Returns how many paths were deleted (paths that name nothing count too), or
 * a negative BERR_* code with doc unchanged.
 */
int jqpath_delete(const struct jqpath *p, json_t *doc, struct berr *err);

#endif
