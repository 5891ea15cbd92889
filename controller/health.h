/*
 * health — the health of one live Kubernetes object, as Argo CD judges it.
 *
 * health_assess() looks the object's group/kind up in a table of built-in
 * checks (Deployment, StatefulSet, DaemonSet, ReplicaSet, Pod, Service,
 * Ingress, PersistentVolumeClaim, Job, CronJob, HorizontalPodAutoscaler,
 * APIService, CustomResourceDefinition, Argo Workflow and Bosun's own
 * Application) and applies the same rules and messages as Argo CD's
 * gitops-engine pkg/health. An object with a deletionTimestamp is
 * Progressing ("Pending deletion") whatever its kind. Kinds without a check
 * give HEALTH_NONE: Argo CD leaves their health empty and callers count
 * them as Healthy once they exist; Missing is for objects not created,
 * which a caller knows and this module never sees.
 */
#ifndef BOSUN_HEALTH_H
#define BOSUN_HEALTH_H

#include <jansson.h>

#include "buf.h"
#include "err.h"

/* Ordered from most to least healthy, as Argo CD orders them (NONE first). */
enum health_status {
	HEALTH_NONE = 0,        /* no built-in check for this kind */
	HEALTH_HEALTHY,
	HEALTH_SUSPENDED,
	HEALTH_PROGRESSING,
	HEALTH_MISSING,
	HEALTH_DEGRADED,
	HEALTH_UNKNOWN,
};

struct health {
	enum health_status status;
	struct buf message;     /* owned; "" when the check gives none */
};

#define HEALTH_INIT { HEALTH_NONE, BUF_INIT }

/*
 * Assesses `obj` (a whole object: apiVersion, kind, metadata, spec, status)
 * into `out`, which must be HEALTH_INIT or released. A field of the wrong
 * type (a string where Kubernetes wants an integer, ...) gives
 * HEALTH_UNKNOWN with a message naming the field, as Argo CD's failed
 * conversion does; that is still a successful call. Returns 0, or
 * BERR_INVALID when `obj` is not an object with string apiVersion and kind.
 * Free the message with health_release().
 */
int health_assess(struct health *out, const json_t *obj, struct berr *err);

void health_release(struct health *h);

/* "Healthy", "Progressing", ...; "" for HEALTH_NONE. */
const char *health_status_name(enum health_status s);

/* Parses a name health_status_name() gives; -1 if it is none of them. */
int health_status_parse(const char *name);

/* Whether `next` is worse than `cur` (Argo CD's IsWorse; NONE counts as Healthy). */
int health_is_worse(enum health_status cur, enum health_status next);

#endif
