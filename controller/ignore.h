/*
 * ignore — spec.ignoreDifferences (see ignore.c).
 */
#ifndef BOSUN_CTRL_IGNORE_H
#define BOSUN_CTRL_IGNORE_H

#include <jansson.h>

#include "err.h"
#include "resource.h"

/*
 * Applies the rules of `rules` (the app's spec.ignoreDifferences) that match
 * id to *target and *live: when one matches, both are replaced by copies
 * (the references passed in are released) with the ignored fields removed.
 * Returns whether any rule matched.
 */
int ignore_apply(json_t **target, json_t **live, const json_t *rules, const struct res_id *id);

/* Checks what ignore_apply() cannot report: every jqPathExpressions entry
 * compiles. BERR_INVALID or BERR_LIMIT naming the rule and the expression. */
int ignore_check(const json_t *rules, struct berr *err);

#endif
