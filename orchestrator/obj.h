/*
 * obj — small accessors on Kubernetes objects (json_t) used across the
 * orchestrator: dotted-path lookup and the metadata fields every handler
 * reads. Everything returned is borrowed from the object.
 */
#ifndef BOSUN_ORCH_OBJ_H
#define BOSUN_ORCH_OBJ_H

#include <jansson.h>

/* The value at a dotted path of object keys ("spec.names.plural"), or NULL. */
json_t *obj_get(const json_t *obj, const char *path);
/* The string at path, or NULL when absent or not a string. */
const char *obj_str(const json_t *obj, const char *path);
/* metadata.<field> as a string, or NULL. */
const char *obj_meta(const json_t *obj, const char *field);
/* metadata, created (as an object) when missing or not an object. */
json_t *obj_metadata(json_t *obj);

#endif
