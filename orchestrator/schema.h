/*
 * schema — which fields each kind declares, for `fieldValidation`.
 *
 * The real API server decodes a body into its typed struct: a field the
 * type does not declare is dropped, and reported as an error (Strict), a
 * warning (Warn, the default) or not at all (Ignore). Custom resources are
 * pruned the same way by their CRD's structural openAPIV3Schema, where
 * x-kubernetes-preserve-unknown-fields keeps a subtree as it is.
 *
 * Built-in kinds use a compiled-in table of Kubernetes 1.32 field names
 * (schema-builtin.c); `status` is not checked on them (the simulated
 * controllers own it). Ownership: every argument is borrowed.
 */
#ifndef BOSUN_ORCH_SCHEMA_H
#define BOSUN_ORCH_SCHEMA_H

#include <jansson.h>
#include <stddef.h>

#include "registry.h"

enum schema_validation { SCHEMA_WARN = 0, SCHEMA_STRICT, SCHEMA_IGNORE };

/*
 * Removes from obj every field its kind does not declare, appending each
 * one's path ("spec.template.spec.containers[0].imag") to `unknown` (a JSON
 * array, may be NULL). Returns how many were removed. Objects of kinds with
 * no schema are left alone.
 */
size_t schema_prune(const struct resource *r, json_t *obj, json_t *unknown);

/* The field table entry of a built-in type by name ("PodSpec"): a
 * space-separated list of "field", "field:Type", "field:[Type" (list),
 * "field:{Type" (map) or "field:*" (not checked). NULL when unknown. */
const char *schema_builtin_fields(const char *type);
/* The type name of a built-in kind's root in a version ("Deployment"), or
 * NULL. */
const char *schema_builtin_root(const char *group, const char *version, const char *kind);

#endif
