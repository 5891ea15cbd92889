/*
 * health-check — what the per-kind health checks share (internal to
 * controller/health*.c): typed reads of an unstructured object that record
 * a conversion failure the way Argo CD's typed conversion fails, and the
 * check functions the table in health.c points at.
 */
#ifndef BOSUN_HEALTH_CHECK_H
#define BOSUN_HEALTH_CHECK_H

#include <stdint.h>

#include <jansson.h>

#include "health.h"

struct hcheck {
	const json_t *obj;
	const char *kind;
	const char *version;    /* the part of apiVersion after the group */
	struct health *out;
	int bad;                /* a field had the wrong type; out says which */
};

/* The value at a dotted path under `base` (NULL: the object); NULL when
 * absent or JSON null. */
const json_t *hc_at(struct hcheck *c, const json_t *base, const char *path);
int64_t hc_int(struct hcheck *c, const json_t *base, const char *path);
int hc_has(struct hcheck *c, const json_t *base, const char *path);
/* Never NULL: "" when absent. */
const char *hc_str(struct hcheck *c, const json_t *base, const char *path);
int hc_bool(struct hcheck *c, const json_t *base, const char *path);
/* The array at path (NULL when absent; wrong type is recorded). */
const json_t *hc_array(struct hcheck *c, const json_t *base, const char *path);
/* metadata.annotations[key], or NULL. */
const char *hc_annotation(struct hcheck *c, const char *key);
/* The first element of status.conditions (or `path`) with this type. */
const json_t *hc_condition(struct hcheck *c, const char *path, const char *type);

void hc_set(struct hcheck *c, enum health_status status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

void health_deployment(struct hcheck *c);
void health_statefulset(struct hcheck *c);
void health_daemonset(struct hcheck *c);
void health_replicaset(struct hcheck *c);
void health_pod(struct hcheck *c);
void health_service(struct hcheck *c);
void health_pvc(struct hcheck *c);
void health_ingress(struct hcheck *c);
void health_apiservice(struct hcheck *c);
void health_crd(struct hcheck *c);
void health_job(struct hcheck *c);
void health_cronjob(struct hcheck *c);
void health_hpa(struct hcheck *c);
void health_workflow(struct hcheck *c);
void health_application(struct hcheck *c);

#endif
