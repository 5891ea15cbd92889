/*
 * patch — the three patch formats of the Kubernetes API: JSON merge patch
 * (RFC 7386), JSON patch (RFC 6902) and strategic merge patch (what
 * k8s.io/apimachinery/pkg/util/strategicpatch does). The bundled cluster
 * applies them to stored objects; the controller computes them from the
 * live object, the desired manifest and the last-applied configuration.
 *
 * Documents are jansson values. No function here modifies or steals its
 * inputs: every result is a new value with a reference the caller owns and
 * releases with json_decref(). On failure *out is NULL and `err` says what
 * went wrong; the codes are BERR_INVALID (a malformed patch or document, a
 * failed JSON patch "test"), BERR_NOTFOUND (a JSON patch path that does not
 * exist), BERR_LIMIT (too deep, too many operations, merging lists too
 * long), BERR_CONFLICT (smp_create_three_way without overwrite) and
 * BERR_UNSUPPORTED (a strategic merge patch for a kind without a schema,
 * e.g. a custom resource: the API server answers 415 Unsupported Media
 * Type).
 */
#ifndef BOSUN_PATCH_H
#define BOSUN_PATCH_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "err.h"

/* Nesting deeper than this is refused with BERR_LIMIT. */
#define PATCH_MAX_DEPTH 256
/* Merging lists (both sides together) longer than this are refused. */
#define SMP_MAX_LIST_ITEMS 10000
/* A JSON patch with more operations than this is refused (as kube-apiserver). */
#define JSON_PATCH_MAX_OPS 10000

/* ---- JSON merge patch (RFC 7386) ------------------------------------- */

/* Applies `patch` to `target` (target may be NULL: no document yet). */
int merge_patch_apply(json_t **out, const json_t *target, const json_t *patch,
		      struct berr *err);

/* The merge patch that turns `from` into `to`: keys of `from` missing in
 * `to` become null, changed values are given in full (objects recursively).
 * Equal documents give {}. Values of `to` that contain null cannot be told
 * apart from deletions; RFC 7386 has no way to say them. */
int merge_patch_create(json_t **out, const json_t *from, const json_t *to,
		       struct berr *err);

/* ---- JSON patch (RFC 6902) -------------------------------------------- */

/*
 * Applies the operation array `ops` to `doc`, all or nothing. Errors name the
 * operation by index and its path: "operation 2 ('remove') at '/a/0': path
 * not found". A "test" that fails is BERR_INVALID; a missing path is
 * BERR_NOTFOUND; more than JSON_PATCH_MAX_OPS operations is BERR_LIMIT.
 */
int json_patch_apply(json_t **out, const json_t *doc, const json_t *ops,
		     struct berr *err);

/* Looks up an RFC 6901 pointer ("/a/b~1c/0"; "" is the whole document).
 * Returns a borrowed reference, or NULL when absent or malformed. */
json_t *json_pointer_get(const json_t *doc, const char *pointer);

/* ---- strategic merge patch -------------------------------------------- */

/* Patch strategy flags of one field (its `patchStrategy` struct tag). */
enum smp_strategy {
	SMP_MERGE = 1,          /* lists merge (by merge key, or as a set) */
	SMP_REPLACE = 2,        /* the value is replaced whole */
	SMP_RETAIN_KEYS = 4,    /* keys missing from the patch are cleared */
};

struct smp_type;

/* One field of an object type: its strategy and merge key, and the type of
 * its value (for a list, the type of its elements). `type` NULL means the
 * value carries no patch metadata below it (a map of strings, raw JSON). */
struct smp_field {
	const char *name;
	unsigned strategy;              /* enum smp_strategy flags, 0 = default */
	const char *merge_key;          /* NULL for none */
	const struct smp_type *type;
};

/* An object type: its fields that matter to patching, in any order. Fields
 * not listed have the default strategy (maps merge, lists are replaced). */
struct smp_type {
	const char *name;
	const struct smp_field *fields;
	size_t nfields;
};

/*
 * The schema of one kind: the type of its top-level object. Built-in
 * schemas are static; loaded ones own their memory (smp_schema_free()).
 */
struct smp_schema {
	const struct smp_type *root;
	void *storage;                  /* loader-owned memory, NULL if static */
};

/*
 * Finds the built-in schema for a Kubernetes kind ("apps/v1", "Deployment").
 * The result is static: do not free it. Kinds Bosun does not know, custom
 * resources included, give BERR_UNSUPPORTED.
 */
int smp_schema_builtin(const struct smp_schema **out, const char *api_version,
		       const char *kind, struct berr *err);

/* The schema for an object: reads its apiVersion and kind. */
int smp_schema_for_object(const struct smp_schema **out, const json_t *obj,
			  struct berr *err);

/*
 * Builds a schema from an OpenAPI document (swagger 2.0 "definitions" or
 * OpenAPI 3 "components.schemas") with `x-kubernetes-patch-strategy` and
 * `x-kubernetes-patch-merge-key` extensions, rooted at the definition named
 * `root`. Fields defined inline rather than by reference carry no metadata
 * below them. The result keeps no reference to `doc`; the caller frees it
 * with smp_schema_free().
 */
int smp_schema_load_openapi(struct smp_schema **out, const json_t *doc,
			    const char *root, struct berr *err);
void smp_schema_free(struct smp_schema *schema);

/* Looks up a field of an object type; NULL when the type does not list it. */
const struct smp_field *smp_type_field(const struct smp_type *type,
				       const char *name);

/*
 * Applies a strategic merge patch (as StrategicMergePatch): maps merge,
 * lists with the merge strategy merge by their merge key (lists of maps) or
 * as sets (lists of scalars), other lists are replaced, null deletes, and
 * the directives $patch (replace, delete), $setElementOrder/<list>,
 * $retainKeys and $deleteFromPrimitiveList/<list> are honoured. As
 * upstream, `$patch: merge` is refused, and items new to a merging list go
 * before the live ones unless $setElementOrder orders them. A merging list
 * item without its merge key is BERR_INVALID ("map '...' does not contain
 * declared merge key 'name'"). A NULL schema gives BERR_UNSUPPORTED.
 */
int smp_apply(json_t **out, const json_t *original, const json_t *patch,
	      const struct smp_schema *schema, struct berr *err);

/* The two-way patch turning `original` into `modified`
 * (CreateTwoWayMergePatch), with $setElementOrder directives. */
int smp_create_two_way(json_t **out, const json_t *original,
		       const json_t *modified, const struct smp_schema *schema,
		       struct berr *err);

/*
 * The three-way patch kubectl apply sends (CreateThreeWayMergePatch):
 * changes and additions from `current` (the live object) to `modified` (the
 * new configuration), plus deletions of what `original` (the last-applied
 * configuration, may be NULL) had and `modified` no longer has. Fields only
 * the server or other actors set are left alone. kubectl apply passes
 * overwrite true; with false, a patch touching anything changed in the live
 * object since `original` differently is refused with BERR_CONFLICT.
 */
int smp_create_three_way(json_t **out, const json_t *original,
			 const json_t *modified, const json_t *current,
			 const struct smp_schema *schema, bool overwrite,
			 struct berr *err);

/*
 * Sorts every merging list of `doc` by its merge key (lists of scalars are
 * deduplicated and sorted), recursively, so two documents that differ only
 * in the order of merging lists compare equal.
 */
int smp_sort_merge_lists(json_t **out, const json_t *doc,
			 const struct smp_schema *schema, struct berr *err);

#endif
