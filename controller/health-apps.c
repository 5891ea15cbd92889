/*
 * health-apps — health of the workload controllers: Deployment, StatefulSet,
 * DaemonSet and ReplicaSet.
 *
 * All follow kubectl's `rollout status` logic as Argo CD borrowed it: a
 * controller that has not yet observed the latest generation is
 * Progressing; then replica counters decide. The messages are Argo CD's,
 * word for word, so users see what they see there.
 */
#include <string.h>

#include "health-check.h"

void health_deployment(struct hcheck *c)
{
	const char *name = hc_str(c, NULL, "metadata.name");
	int64_t gen = hc_int(c, NULL, "metadata.generation");
	int64_t observed = hc_int(c, NULL, "status.observedGeneration");
	int64_t replicas = hc_int(c, NULL, "status.replicas");
	int64_t updated = hc_int(c, NULL, "status.updatedReplicas");
	int64_t available = hc_int(c, NULL, "status.availableReplicas");
	int has_want = hc_has(c, NULL, "spec.replicas");
	int64_t want = hc_int(c, NULL, "spec.replicas");
	const json_t *progressing;

	if (hc_bool(c, NULL, "spec.paused")) {
		hc_set(c, HEALTH_SUSPENDED, "Deployment is paused");
		return;
	}
	if (gen > observed) {
		hc_set(c, HEALTH_PROGRESSING, "Waiting for rollout to finish: "
		       "observed deployment generation less then desired generation");
		return;
	}
	progressing = hc_condition(c, NULL, "Progressing");
	if (progressing && strcmp(hc_str(c, progressing, "reason"),
				  "ProgressDeadlineExceeded") == 0)
		hc_set(c, HEALTH_DEGRADED, "Deployment \"%s\" exceeded its progress deadline", name);
	else if (has_want && updated < want)
		hc_set(c, HEALTH_PROGRESSING, "Waiting for rollout to finish: %lld out of %lld "
		       "new replicas have been updated...", (long long)updated, (long long)want);
	else if (replicas > updated)
		hc_set(c, HEALTH_PROGRESSING, "Waiting for rollout to finish: %lld old replicas "
		       "are pending termination...", (long long)(replicas - updated));
	else if (available < updated)
		hc_set(c, HEALTH_PROGRESSING, "Waiting for rollout to finish: %lld of %lld "
		       "updated replicas are available...", (long long)available, (long long)updated);
	else
		hc_set(c, HEALTH_HEALTHY, NULL);
}

void health_statefulset(struct hcheck *c)
{
	int64_t gen = hc_int(c, NULL, "metadata.generation");
	int64_t observed = hc_int(c, NULL, "status.observedGeneration");
	int has_want = hc_has(c, NULL, "spec.replicas");
	int64_t want = hc_int(c, NULL, "spec.replicas");
	int64_t ready = hc_int(c, NULL, "status.readyReplicas");
	int64_t updated = hc_int(c, NULL, "status.updatedReplicas");
	int64_t current = hc_int(c, NULL, "status.currentReplicas");
	const char *strategy = hc_str(c, NULL, "spec.updateStrategy.type");
	const char *update_rev = hc_str(c, NULL, "status.updateRevision");
	const char *current_rev = hc_str(c, NULL, "status.currentRevision");

	if (observed == 0 || gen > observed) {
		hc_set(c, HEALTH_PROGRESSING, "Waiting for statefulset spec update to be observed...");
		return;
	}
	if (has_want && ready < want) {
		hc_set(c, HEALTH_PROGRESSING, "Waiting for %lld pods to be ready...",
		       (long long)(want - ready));
		return;
	}
	if (strcmp(strategy, "RollingUpdate") == 0 &&
	    hc_has(c, NULL, "spec.updateStrategy.rollingUpdate")) {
		if (has_want && hc_has(c, NULL, "spec.updateStrategy.rollingUpdate.partition")) {
			int64_t part = hc_int(c, NULL, "spec.updateStrategy.rollingUpdate.partition");
			if (updated < want - part) {
				hc_set(c, HEALTH_PROGRESSING, "Waiting for partitioned roll out to "
				       "finish: %lld out of %lld new pods have been updated...",
				       (long long)updated, (long long)(want - part));
				return;
			}
		}
		hc_set(c, HEALTH_HEALTHY, "partitioned roll out complete: %lld new pods "
		       "have been updated...", (long long)updated);
		return;
	}
	if (strcmp(strategy, "OnDelete") == 0) {
		hc_set(c, HEALTH_HEALTHY, "statefulset has %lld ready pods", (long long)ready);
		return;
	}
	if (strcmp(update_rev, current_rev) != 0) {
		hc_set(c, HEALTH_PROGRESSING, "waiting for statefulset rolling update to "
		       "complete %lld pods at revision %s...", (long long)updated, update_rev);
		return;
	}
	hc_set(c, HEALTH_HEALTHY, "statefulset rolling update complete %lld pods at "
	       "revision %s...", (long long)current, current_rev);
}

void health_daemonset(struct hcheck *c)
{
	const char *name = hc_str(c, NULL, "metadata.name");
	int64_t gen = hc_int(c, NULL, "metadata.generation");
	int64_t observed = hc_int(c, NULL, "status.observedGeneration");
	int64_t updated = hc_int(c, NULL, "status.updatedNumberScheduled");
	int64_t desired = hc_int(c, NULL, "status.desiredNumberScheduled");
	int64_t available = hc_int(c, NULL, "status.numberAvailable");

	if (gen > observed)
		hc_set(c, HEALTH_PROGRESSING, "Waiting for rollout to finish: observed "
		       "daemon set generation less then desired generation");
	else if (strcmp(hc_str(c, NULL, "spec.updateStrategy.type"), "OnDelete") == 0)
		hc_set(c, HEALTH_HEALTHY, "daemon set %lld out of %lld new pods have been "
		       "updated", (long long)updated, (long long)desired);
	else if (updated < desired)
		hc_set(c, HEALTH_PROGRESSING, "Waiting for daemon set \"%s\" rollout to finish: "
		       "%lld out of %lld new pods have been updated...", name,
		       (long long)updated, (long long)desired);
	else if (available < desired)
		hc_set(c, HEALTH_PROGRESSING, "Waiting for daemon set \"%s\" rollout to finish: "
		       "%lld of %lld updated pods are available...", name,
		       (long long)available, (long long)desired);
	else
		hc_set(c, HEALTH_HEALTHY, NULL);
}

void health_replicaset(struct hcheck *c)
{
	int64_t gen = hc_int(c, NULL, "metadata.generation");
	int64_t observed = hc_int(c, NULL, "status.observedGeneration");
	int has_want = hc_has(c, NULL, "spec.replicas");
	int64_t want = hc_int(c, NULL, "spec.replicas");
	int64_t available = hc_int(c, NULL, "status.availableReplicas");
	const json_t *failure;

	if (gen > observed) {
		hc_set(c, HEALTH_PROGRESSING, "Waiting for rollout to finish: observed "
		       "replica set generation less then desired generation");
		return;
	}
	failure = hc_condition(c, NULL, "ReplicaFailure");
	if (failure && strcmp(hc_str(c, failure, "status"), "True") == 0)
		hc_set(c, HEALTH_DEGRADED, "%s", hc_str(c, failure, "message"));
	else if (has_want && available < want)
		hc_set(c, HEALTH_PROGRESSING, "Waiting for rollout to finish: %lld out of %lld "
		       "new replicas are available...", (long long)available, (long long)want);
	else
		hc_set(c, HEALTH_HEALTHY, NULL);
}
