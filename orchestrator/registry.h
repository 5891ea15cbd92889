/*
 * registry — the resources the bundled cluster serves right now.
 *
 * It starts with the built-in kinds of lib/kinds.h; creating a
 * CustomResourceDefinition adds one entry per served version of it at once,
 * deleting the CRD removes them. Requests look resources up here by
 * group/version/resource (URL paths) or group/version/kind (bodies).
 *
 * Entries are reference-counted so a request can keep using one while a CRD
 * is being deleted: every lookup returns a new reference the caller drops
 * with resource_unref(). Thread-safe.
 */
#ifndef BOSUN_ORCH_REGISTRY_H
#define BOSUN_ORCH_REGISTRY_H

#include <jansson.h>
#include <stddef.h>

#include "err.h"

struct resource {
	int refs;
	char *group;                    /* "" for core */
	char *version;
	char *kind;
	char *list_kind;
	char *resource;                 /* plural */
	char *singular;
	int namespaced;
	char **short_names;             /* NULL-terminated */
	char **categories;              /* NULL-terminated */
	unsigned subresources;          /* enum kind_sub bits (lib/kinds.h) */
	int storage;                    /* the version objects are stored in */
	char *crd;                      /* owning CRD's name; NULL when built in */
	json_t *printer_columns;        /* CRD additionalPrinterColumns, or NULL */
	json_t *scale;                  /* CRD subresources.scale, or NULL */
	json_t *schema;                 /* CRD version's openAPIV3Schema, or NULL */
};

void resource_unref(struct resource *r);
/* "apps/v1" or "v1" into out (size >= 2 * 64 is plenty for any group). */
void resource_api_version(const struct resource *r, char *out, size_t size);

struct registry;

/* A registry holding the built-in kinds. Free with registry_free(). */
struct registry *registry_new(void);
void registry_free(struct registry *reg);

/* New references (caller unrefs), or NULL when not served. version NULL
 * matches any version (the storage one first). */
struct resource *registry_find(struct registry *reg, const char *group,
			       const char *version, const char *resource);
struct resource *registry_find_kind(struct registry *reg, const char *group,
				    const char *version, const char *kind);

/*
 * Checks a CustomResourceDefinition object and, with `apply` set, serves its
 * resources (replacing those of an earlier version of the same CRD). Returns
 * BERR_INVALID with the offending field named in err ("spec.names.plural:
 * Required value"), or BERR_EXISTS when it would shadow a built-in resource.
 */
int registry_add_crd(struct registry *reg, const json_t *crd, int apply,
		     struct berr *err);
/* Stops serving the resources of the named CRD. */
void registry_remove_crd(struct registry *reg, const char *crd_name);

/* Every served resource in discovery order, each a new reference; free the
 * array with registry_snapshot_free(). */
struct resource **registry_snapshot(struct registry *reg, size_t *n);
void registry_snapshot_free(struct resource **list, size_t n);

#endif
