/*
 * disruption — what a PodDisruptionBudget allows, as the real disruption
 * controller counts it: the pods its selector picks in its namespace
 * (expected), those Ready and not terminating (healthy), how many must stay
 * (desired, from minAvailable or maxUnavailable) and how many may go now
 * (allowed). The eviction subresource (api-eviction.c) decides on these
 * numbers; the simulation (sim-disruption.c) writes them into the PDB's
 * status for `kubectl get pdb`.
 *
 * Expected pods are counted from the pods themselves, where the real
 * controller asks their controllers' scale: the two differ only while a
 * controller is between scaling and creating.
 */
#ifndef BOSUN_ORCH_DISRUPTION_H
#define BOSUN_ORCH_DISRUPTION_H

#include <jansson.h>

#include "objects.h"

struct budget {
	json_int_t expected, healthy, desired, allowed;
};

/* Whether the pod's Ready condition is True. */
int disruption_pod_ready(const json_t *pod);
/* Whether a pod counts as healthy for a budget: Ready, not terminating. */
int disruption_pod_healthy(const json_t *pod);
/* The numbers of pdb, counted from the store now. */
void disruption_count(struct objects *o, const json_t *pdb, struct budget *b);
/* The PodDisruptionBudgets of the pod's namespace whose selector matches
 * its labels (a new array). */
json_t *disruption_budgets_of(struct objects *o, const json_t *pod);

#endif
