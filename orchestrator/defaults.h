/*
 * defaults — what the real API server fills in and checks per kind.
 *
 * Defaults are those users see in `kubectl get -o yaml` and in diffs:
 * Deployment (replicas 1, RollingUpdate 25%/25%, revisionHistoryLimit 10,
 * progressDeadlineSeconds 600), StatefulSet, DaemonSet, Job, CronJob, pod
 * templates and Pods (restartPolicy, dnsPolicy, schedulerName,
 * terminationGracePeriodSeconds, securityContext, container
 * terminationMessagePath/Policy, imagePullPolicy by the tag rule, port
 * protocol), Service (type, sessionAffinity, port protocol, targetPort),
 * Namespace (finalizer, phase, name label) and Secret (type, stringData
 * folded into data). Validation covers what clients trip over most: a
 * missing selector, a template that does not match it, containers without
 * name or image, bad ports, Secret data that is not base64.
 */
#ifndef BOSUN_ORCH_DEFAULTS_H
#define BOSUN_ORCH_DEFAULTS_H

#include <jansson.h>

#include "kstatus.h"
#include "registry.h"

/* Fills defaults into obj in place (any kind; unknown kinds are left). */
void defaults_apply(const struct resource *r, json_t *obj);
/* 0, or an Invalid (422) error with causes. */
int defaults_validate(const struct resource *r, const json_t *obj, struct kstatus *st);
/* Sets the status of a stored CRD: acceptedNames, Established and
 * NamesAccepted conditions, storedVersions. */
void defaults_crd_status(json_t *crd);

#endif
