/*
 * health-core — health of the kinds that are not workload controllers:
 * Pod, Service, Ingress, PersistentVolumeClaim, APIService,
 * CustomResourceDefinition, Job, CronJob, HorizontalPodAutoscaler, Argo
 * Workflow and Bosun's Application (app of apps).
 *
 * The rules are Argo CD's. The subtle one is Pod: a pod whose containers
 * restart forever (restartPolicy Always) is Degraded as soon as a container
 * waits on an error or back-off, but a run-to-completion pod (Never,
 * OnFailure) is only judged by its phase, because such pods are usually
 * sync hooks and an early Degraded would fail the hook; the annotation
 * argocd.argoproj.io/ignore-restart-policy opts a non-hook pod back in.
 */
#include <string.h>

#include "health-check.h"

static int has_prefix(const char *s, const char *p)
{
	return strncmp(s, p, strlen(p)) == 0;
}

static int has_suffix(const char *s, const char *x)
{
	size_t n = strlen(s), m = strlen(x);
	return n >= m && strcmp(s + n - m, x) == 0;
}

static int condition_true(struct hcheck *c, const json_t *cond)
{
	return cond && strcmp(hc_str(c, cond, "status"), "True") == 0;
}

/* --- Pod ---------------------------------------------------------------- */

static int pod_is_hook(struct hcheck *c)
{
	return hc_annotation(c, "argocd.argoproj.io/hook") ||
	       hc_annotation(c, "helm.sh/hook") || hc_annotation(c, "bosun.io/hook");
}

/* Degraded when a container waits on an error or a back-off; the messages
 * of all such containers, joined. Init containers count too: one stuck in
 * CrashLoopBackOff keeps the pod from ever starting. */
static int pod_waiting_errors(struct hcheck *c, const char *path, struct buf *msgs)
{
	const json_t *list = hc_array(c, NULL, path);
	const json_t *st;
	size_t i;
	int found = 0;

	json_array_foreach(list, i, st) {
		const char *reason;
		if (!hc_has(c, st, "state.waiting"))
			continue;
		reason = hc_str(c, st, "state.waiting.reason");
		if (has_prefix(reason, "Err") || has_suffix(reason, "Error") ||
		    has_suffix(reason, "BackOff")) {
			if (msgs->len)
				buf_adds(msgs, ", ");
			buf_adds(msgs, hc_str(c, st, "state.waiting.message"));
			found = 1;
		}
	}
	return found;
}

static int pod_fail_message(struct hcheck *c, const char *path, struct buf *msg)
{
	const json_t *list = hc_array(c, NULL, path);
	const json_t *st;
	size_t i;

	json_array_foreach(list, i, st) {
		const char *m, *reason;
		int64_t code;
		if (!hc_has(c, st, "state.terminated"))
			continue;
		m = hc_str(c, st, "state.terminated.message");
		reason = hc_str(c, st, "state.terminated.reason");
		code = hc_int(c, st, "state.terminated.exitCode");
		if (*m)
			buf_adds(msg, m);
		else if (strcmp(reason, "OOMKilled") == 0)
			buf_adds(msg, reason);
		else if (code != 0)
			buf_addf(msg, "container \"%s\" failed with exit code %lld",
				 hc_str(c, st, "name"), (long long)code);
		if (msg->len)
			return 1;
	}
	return 0;
}

void health_pod(struct hcheck *c)
{
	const char *policy = hc_str(c, NULL, "spec.restartPolicy");
	const char *phase = hc_str(c, NULL, "status.phase");
	const char *message = hc_str(c, NULL, "status.message");
	const char *ignore = hc_annotation(c, "argocd.argoproj.io/ignore-restart-policy");
	int always = strcmp(policy, "Always") == 0 ||
		     (ignore && strcmp(ignore, "true") == 0 && !pod_is_hook(c));
	struct buf msg = BUF_INIT;

	if (strcmp(c->version, "v1") != 0) {
		hc_set(c, HEALTH_UNKNOWN, "unsupported Pod GVK: /%s, Kind=Pod", c->version);
		return;
	}
	if (always) {
		int bad = pod_waiting_errors(c, "status.initContainerStatuses", &msg);
		bad |= pod_waiting_errors(c, "status.containerStatuses", &msg);
		if (bad) {
			hc_set(c, HEALTH_DEGRADED, "%s", msg.data);
			buf_release(&msg);
			return;
		}
	}
	if (strcmp(phase, "Pending") == 0) {
		hc_set(c, HEALTH_PROGRESSING, "%s", message);
	} else if (strcmp(phase, "Succeeded") == 0) {
		hc_set(c, HEALTH_HEALTHY, "%s", message);
	} else if (strcmp(phase, "Failed") == 0) {
		if (*message)
			hc_set(c, HEALTH_DEGRADED, "%s", message);
		else if (pod_fail_message(c, "status.initContainerStatuses", &msg) ||
			 pod_fail_message(c, "status.containerStatuses", &msg))
			hc_set(c, HEALTH_DEGRADED, "%s", msg.data);
		else
			hc_set(c, HEALTH_DEGRADED, NULL);
	} else if (strcmp(phase, "Running") == 0 && always) {
		const json_t *ready = hc_condition(c, NULL, "Ready");
		const json_t *list = hc_array(c, NULL, "status.containerStatuses");
		const json_t *st;
		size_t i;
		int terminated = 0;

		if (condition_true(c, ready)) {
			hc_set(c, HEALTH_HEALTHY, "%s", message);
		} else {
			json_array_foreach(list, i, st)
				if (hc_has(c, st, "lastState.terminated"))
					terminated = 1;
			hc_set(c, terminated ? HEALTH_DEGRADED : HEALTH_PROGRESSING, "%s", message);
		}
	} else if (strcmp(phase, "Running") == 0 &&
		   (strcmp(policy, "OnFailure") == 0 || strcmp(policy, "Never") == 0)) {
		hc_set(c, HEALTH_PROGRESSING, "%s", message);
	} else {
		hc_set(c, HEALTH_UNKNOWN, "%s", message);
	}
	buf_release(&msg);
}

/* --- networking and storage --------------------------------------------- */

void health_service(struct hcheck *c)
{
	const json_t *ingress = hc_array(c, NULL, "status.loadBalancer.ingress");

	if (strcmp(hc_str(c, NULL, "spec.type"), "LoadBalancer") == 0 &&
	    json_array_size(ingress) == 0)
		hc_set(c, HEALTH_PROGRESSING, NULL);
	else
		hc_set(c, HEALTH_HEALTHY, NULL);
}

void health_ingress(struct hcheck *c)
{
	const json_t *ingress = hc_array(c, NULL, "status.loadBalancer.ingress");

	hc_set(c, json_array_size(ingress) ? HEALTH_HEALTHY : HEALTH_PROGRESSING, NULL);
}

void health_pvc(struct hcheck *c)
{
	const char *phase = hc_str(c, NULL, "status.phase");

	if (strcmp(phase, "Lost") == 0)
		hc_set(c, HEALTH_DEGRADED, NULL);
	else if (strcmp(phase, "Pending") == 0)
		hc_set(c, HEALTH_PROGRESSING, NULL);
	else if (strcmp(phase, "Bound") == 0)
		hc_set(c, HEALTH_HEALTHY, NULL);
	else
		hc_set(c, HEALTH_UNKNOWN, NULL);
}

/* --- API machinery ------------------------------------------------------ */

void health_apiservice(struct hcheck *c)
{
	const json_t *avail = hc_condition(c, NULL, "Available");

	if (!avail)
		hc_set(c, HEALTH_PROGRESSING, "Waiting to be processed");
	else
		hc_set(c, condition_true(c, avail) ? HEALTH_HEALTHY : HEALTH_PROGRESSING,
		       "%s: %s", hc_str(c, avail, "reason"), hc_str(c, avail, "message"));
}

void health_crd(struct hcheck *c)
{
	const json_t *conds = hc_array(c, NULL, "status.conditions");
	const json_t *t = hc_condition(c, NULL, "Terminating");
	const json_t *names = hc_condition(c, NULL, "NamesAccepted");
	const json_t *established = hc_condition(c, NULL, "Established");
	const json_t *violations = hc_condition(c, NULL, "NonStructuralSchema");

	if (json_array_size(conds) == 0)
		hc_set(c, HEALTH_PROGRESSING, "Status conditions not found");
	else if (condition_true(c, t))
		hc_set(c, HEALTH_PROGRESSING, "CRD is being terminated: %s",
		       hc_str(c, t, "message"));
	else if (names && strcmp(hc_str(c, names, "status"), "False") == 0)
		hc_set(c, HEALTH_DEGRADED, "CRD names have not been accepted: %s",
		       hc_str(c, names, "message"));
	else if (!condition_true(c, established))
		hc_set(c, HEALTH_DEGRADED, "CRD is not established");
	else if (condition_true(c, violations))
		hc_set(c, HEALTH_DEGRADED, "Schema violations found: %s",
		       hc_str(c, violations, "message"));
	else
		hc_set(c, HEALTH_HEALTHY, "CRD is healthy");
}

/* --- batch -------------------------------------------------------------- */

void health_job(struct hcheck *c)
{
	const json_t *conds = hc_array(c, NULL, "status.conditions");
	const json_t *cond;
	const char *message = "", *fail_message = "";
	int failed = 0, complete = 0, suspended = 0;
	size_t i;

	json_array_foreach(conds, i, cond) {
		const char *type = hc_str(c, cond, "type");
		if (strcmp(type, "Failed") == 0) {
			failed = complete = 1;
			fail_message = hc_str(c, cond, "message");
		} else if (strcmp(type, "Complete") == 0) {
			complete = 1;
			message = hc_str(c, cond, "message");
		} else if (strcmp(type, "Suspended") == 0) {
			complete = 1;
			message = hc_str(c, cond, "message");
			if (condition_true(c, cond))
				suspended = 1;
		}
	}
	if (!complete)
		hc_set(c, HEALTH_PROGRESSING, "%s", message);
	else if (failed)
		hc_set(c, HEALTH_DEGRADED, "%s", fail_message);
	else if (suspended)
		hc_set(c, HEALTH_SUSPENDED, "%s", message);
	else
		hc_set(c, HEALTH_HEALTHY, "%s", message);
}

/* RFC 3339 times in UTC ("...Z"), as the API server writes them, order as
 * strings. */
void health_cronjob(struct hcheck *c)
{
	const char *scheduled = hc_str(c, NULL, "status.lastScheduleTime");
	const char *succeeded = hc_str(c, NULL, "status.lastSuccessfulTime");
	const json_t *active = hc_array(c, NULL, "status.active");

	if (hc_bool(c, NULL, "spec.suspend"))
		hc_set(c, HEALTH_SUSPENDED, "CronJob is Suspended");
	else if (json_array_size(active))
		hc_set(c, HEALTH_PROGRESSING, "CronJob has %zu active jobs",
		       json_array_size(active));
	else if (!*scheduled)
		hc_set(c, HEALTH_HEALTHY, "CronJob has not been scheduled yet");
	else if (!*succeeded || strcmp(succeeded, scheduled) < 0)
		hc_set(c, HEALTH_DEGRADED,
		       "CronJob has not completed its last execution successfully");
	else
		hc_set(c, HEALTH_HEALTHY, "CronJob has completed its last execution successfully");
}

/* --- HorizontalPodAutoscaler -------------------------------------------- */

static const char *const hpa_degraded[][2] = {
	{ "AbleToScale", "FailedGetScale" },
	{ "AbleToScale", "FailedUpdateScale" },
	{ "ScalingActive", "FailedGetResourceMetric" },
	{ "ScalingActive", "FailedGetContainerResourceMetric" },
	{ "ScalingActive", "FailedGetObjectMetric" },
	{ "ScalingActive", "FailedGetPodsMetric" },
	{ "ScalingActive", "FailedGetExternalMetric" },
	{ "ScalingActive", "InvalidSelector" },
};

/* Any degraded condition wins over a healthy one; a condition AbleToScale or
 * ScalingLimited that is True means the autoscaler works. */
static void hpa_conditions(struct hcheck *c, const json_t *conds)
{
	const json_t *cond;
	size_t i, k;

	json_array_foreach(conds, i, cond) {
		const char *type, *reason;
		if (!json_is_object(cond))
			continue;
		type = hc_str(c, cond, "type");
		reason = hc_str(c, cond, "reason");
		for (k = 0; k < sizeof(hpa_degraded) / sizeof(hpa_degraded[0]); k++)
			if (strcmp(type, hpa_degraded[k][0]) == 0 &&
			    strcmp(reason, hpa_degraded[k][1]) == 0) {
				hc_set(c, HEALTH_DEGRADED, "%s", hc_str(c, cond, "message"));
				return;
			}
	}
	json_array_foreach(conds, i, cond) {
		const char *type;
		if (!json_is_object(cond))
			continue;
		type = hc_str(c, cond, "type");
		if ((strcmp(type, "AbleToScale") == 0 || strcmp(type, "ScalingLimited") == 0) &&
		    condition_true(c, cond)) {
			hc_set(c, HEALTH_HEALTHY, "%s", hc_str(c, cond, "message"));
			return;
		}
	}
	hc_set(c, HEALTH_PROGRESSING, "Waiting to Autoscale");
}

void health_hpa(struct hcheck *c)
{
	const char *annotation;
	json_t *conds;
	json_error_t jerr;

	if (strcmp(c->version, "v1") != 0) {
		hpa_conditions(c, hc_array(c, NULL, "status.conditions"));
		return;
	}
	/* autoscaling/v1 keeps its conditions in an annotation, as JSON. */
	annotation = hc_annotation(c, "autoscaling.alpha.kubernetes.io/conditions");
	if (!annotation) {
		hc_set(c, HEALTH_PROGRESSING, "Waiting to Autoscale");
		return;
	}
	conds = json_loads(annotation, 0, &jerr);
	if (json_is_array(conds)) {
		const json_t *e;
		size_t i;
		json_array_foreach(conds, i, e)
			if (!json_is_object(e)) {
				hc_set(c, HEALTH_UNKNOWN, "failed to convert conditions annotation "
				       "to typed: element %zu is not an object", i);
				json_decref(conds);
				return;
			}
	} else {
		hc_set(c, HEALTH_UNKNOWN, "failed to convert conditions annotation to typed: %s",
		       conds ? "not a list" : jerr.text);
		json_decref(conds);
		return;
	}
	hpa_conditions(c, conds);
	json_decref(conds);
}

/* --- Argo and Bosun custom resources ------------------------------------ */

void health_workflow(struct hcheck *c)
{
	const char *phase = hc_str(c, NULL, "status.phase");
	const char *message = hc_str(c, NULL, "status.message");

	if (!*phase || strcmp(phase, "Pending") == 0 || strcmp(phase, "Running") == 0)
		hc_set(c, HEALTH_PROGRESSING, "%s", message);
	else if (strcmp(phase, "Succeeded") == 0)
		hc_set(c, HEALTH_HEALTHY, "%s", message);
	else if (strcmp(phase, "Failed") == 0 || strcmp(phase, "Error") == 0)
		hc_set(c, HEALTH_DEGRADED, "%s", message);
	else
		hc_set(c, HEALTH_UNKNOWN, "%s", message);
}

/* A child Application (app of apps) is as healthy as it says it is. */
void health_application(struct hcheck *c)
{
	int status = health_status_parse(hc_str(c, NULL, "status.health.status"));
	const char *message = hc_str(c, NULL, "status.health.message");

	if (status < 0)
		hc_set(c, HEALTH_PROGRESSING, "Waiting for the application to report its health");
	else
		hc_set(c, (enum health_status)status, "%s", message);
}
