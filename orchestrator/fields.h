/*
 * fields — field ownership for metadata.managedFields, in the FieldsV1
 * format Kubernetes writes ({"f:spec":{"f:replicas":{}}}, list elements as
 * k:{"name":"web"} by their merge key, set members as v:"x", "." for a node
 * owned itself).
 *
 * Every write records which manager set which fields: an Update takes
 * ownership of what it changed, from whoever owned it before; a server-side
 * Apply owns exactly the fields of its configuration and conflicts (409)
 * with fields another manager owns at a different value, unless forced.
 * That is what lets Bosun name who changed a field that drifted.
 *
 * List element keys come from the strategic-merge schema of built-in kinds
 * (lib/patch.h); lists without a merge key, and every list of a custom
 * resource, are owned whole. Fieldsets are json objects (new references).
 */
#ifndef BOSUN_ORCH_FIELDS_H
#define BOSUN_ORCH_FIELDS_H

#include <jansson.h>

#include "buf.h"
#include "registry.h"

/* The fieldset of every user field of obj (not the server-set metadata). */
json_t *fields_of(const struct resource *r, const json_t *obj);
/* The fieldset of what differs from `before` to `after` (added or changed). */
json_t *fields_changed(const struct resource *r, const json_t *before, const json_t *after);
/* Removes from `set` every leaf of `drop` (in place); prunes what empties. */
void fields_subtract(json_t *set, const json_t *drop);
/* Adds every leaf of `add` to `set` (in place). */
void fields_union(json_t *set, const json_t *add);
/* Leaves both sets own; appends them to `out` as ".spec.replicas" paths,
 * comma-separated, and returns how many. */
int fields_common(const json_t *a, const json_t *b, const json_t *obj_a, const json_t *obj_b,
		  struct buf *out);

/*
 * Updates obj's metadata.managedFields for a write by `manager` that turned
 * `before` (NULL on create) into obj: operation "Update" takes the changed
 * fields (on create, those of `applied`: the request body, not the
 * defaults); "Apply" sets the manager's fields to `applied`'s. Whatever
 * changed or went away is taken from the other managers; entries left with
 * no field are dropped.
 */
void fields_record(const struct resource *r, json_t *obj, const json_t *before,
		   const char *manager, const char *operation, const json_t *applied);

#endif
