/*
 * diff-defaults — the Kubernetes API defaults of built-in kinds, applied
 * to both sides of a diff (internal to controller/diff*.c).
 */
#ifndef BOSUN_DIFF_DEFAULTS_H
#define BOSUN_DIFF_DEFAULTS_H

#include <jansson.h>

/* Fills the fields the API server's scheme defaulting would fill when they
 * are absent; never changes a field that is set. Unknown kinds are left as
 * they are. */
void diff_apply_defaults(json_t *obj);

#endif
