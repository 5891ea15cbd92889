/*
 * intstr — Kubernetes' IntOrString values as counts: maxSurge and
 * maxUnavailable of a rolling update, minAvailable and maxUnavailable of a
 * PodDisruptionBudget ("25%" of a total, or a plain number).
 */
#ifndef BOSUN_ORCH_INTSTR_H
#define BOSUN_ORCH_INTSTR_H

#include <jansson.h>

/* v as a count out of total: an integer as it is, "N%" of total rounded up
 * or down, "N" as a number; dflt when v is absent or of another type. */
json_int_t intstr_scaled(const json_t *v, json_int_t total, int round_up, json_int_t dflt);

#endif
