/*
 * kinds — metadata of the built-in Kubernetes kinds Bosun knows.
 *
 * One static table answers what discovery answers on a real API server:
 * for every kind its group, version, plural resource, singular name,
 * whether it lives in a namespace, its shortNames and categories (kubectl's
 * `cm`, `deploy`, `get all` come only from these) and its subresources.
 * The bundled cluster serves discovery from it and the controller uses it
 * to tell namespaced kinds from cluster-scoped ones without asking.
 *
 * Everything returned points into static storage: nothing to free.
 */
#ifndef BOSUN_KINDS_H
#define BOSUN_KINDS_H

#include <stddef.h>

enum kind_sub {
	KIND_SUB_STATUS = 1 << 0,
	KIND_SUB_SCALE = 1 << 1,
	KIND_SUB_EVICTION = 1 << 2,     /* pods/eviction, a policy/v1 Eviction */
};

#define KIND_MAX_SHORT 3

struct kind_info {
	const char *group;              /* "" for core */
	const char *version;
	const char *kind;
	const char *resource;           /* plural, lower case */
	const char *singular;
	int namespaced;
	const char *short_names[KIND_MAX_SHORT + 1];   /* NULL-terminated */
	const char *categories[2];      /* NULL-terminated */
	unsigned subresources;          /* enum kind_sub bits */
};

/* The verbs every built-in resource serves, NULL-terminated. */
extern const char *const kinds_verbs[];
/* The verbs of a status or scale subresource, NULL-terminated. */
extern const char *const kinds_sub_verbs[];

/* The table, in discovery order (core first, then groups); *n gets its size. */
const struct kind_info *kinds_builtin(size_t *n);

/* The version objects of k's kind are stored in when k's own version is
 * served by conversion (autoscaling/v1 HorizontalPodAutoscalers are stored
 * as autoscaling/v2); NULL when they are stored as k's version. */
const char *kinds_storage_version(const struct kind_info *k);

/* Looks up by group + plural resource (version ignored when NULL). NULL when
 * unknown. */
const struct kind_info *kinds_by_resource(const char *group, const char *version,
					  const char *resource);
/* Looks up by apiVersion ("v1", "apps/v1") + kind. NULL when unknown. */
const struct kind_info *kinds_by_kind(const char *api_version, const char *kind);
/* Looks up by group + kind, any version. NULL when unknown. */
const struct kind_info *kinds_by_group_kind(const char *group, const char *kind);

/*
 * Splits an apiVersion into group and version: "apps/v1" gives "apps" and
 * "v1"; "v1" gives "" and "v1". Writes into the caller's arrays (truncating
 * to their sizes). Returns 0, or -1 when the string is empty or has more
 * than one '/'.
 */
int kinds_split_api_version(const char *api_version, char *group, size_t gsize,
			    char *version, size_t vsize);

#endif
