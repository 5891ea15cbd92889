/*
 * convert — built-in kinds served in a version other than the one they are
 * stored in, converted as kube-apiserver converts them.
 *
 * Today that is autoscaling/v1 HorizontalPodAutoscaler, stored as
 * autoscaling/v2 (lib/kinds.h marks the row with its storage version). A
 * v1 object's targetCPUUtilizationPercentage is the v2 Resource metric
 * `cpu` with an Utilization target, status.currentCPUUtilizationPercentage
 * the matching current metric. What v1 cannot say (other metrics, their
 * current values, conditions, behavior) travels in the annotations the real
 * server uses: autoscaling.alpha.kubernetes.io/metrics, .../current-metrics,
 * .../conditions and .../behavior, in v1's own metric form, so a v1 client
 * reading, changing and writing back an object loses nothing.
 *
 * Ownership: arguments are borrowed; results are new references.
 */
#ifndef BOSUN_ORCH_CONVERT_H
#define BOSUN_ORCH_CONVERT_H

#include <jansson.h>

#include "registry.h"

/* Whether r is a built-in version served by conversion to another one. */
int convert_needed(const struct resource *r);
/* Whether some version of the built-in kind is served by conversion. */
int convert_kind_has_versions(const char *group, const char *kind);

/* The object (of r's version) in its storage version, or NULL when the
 * kind has no converter. apiVersion is set to the storage version's. */
json_t *convert_to_storage(const struct resource *r, const json_t *obj);
/* The stored object as r's version (apiVersion set to r's), or NULL. */
json_t *convert_from_storage(const struct resource *r, const json_t *obj);

/* The two HorizontalPodAutoscaler conversions themselves. */
json_t *convert_hpa_v1_to_v2(const json_t *v1);
json_t *convert_hpa_v2_to_v1(const json_t *v2);

#endif
