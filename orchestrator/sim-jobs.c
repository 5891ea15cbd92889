/*
 * sim-jobs.c — the Job and CronJob controllers. A Job runs pods up to its
 * parallelism until completions succeed (Complete) or more than
 * backoffLimit fail (Failed). A CronJob creates a Job at the latest due
 * time of its schedule (missed runs collapse into one), honours
 * concurrencyPolicy and suspend, and prunes finished Jobs beyond the
 * history limits.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "cron.h"
#include "doc.h"
#include "sim-internal.h"
#include "timefmt.h"

static json_t *job_condition(const char *type, const char *reason, const char *msg, const char *now)
{
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "type", type, "status", "True",
			 "reason", reason, "message", msg, "lastProbeTime", now,
			 "lastTransitionTime", now);
}

struct job_status {
	json_t *status;
};

static int job_status_step(json_t *job, void *p)
{
	struct job_status *js = p;
	json_t *old = doc_get(job, "status");
	sim_keep_transitions(js->status, old);
	if (old && json_equal(old, js->status))
		return 0;
	json_object_set(job, "status", js->status);
	return 1;
}

int sim_has_condition(const json_t *obj, const char *type)
{
	size_t i;
	json_t *c;
	json_array_foreach(doc_get(obj, "status.conditions"), i, c)
		if (!strcmp(doc_get_str(c, "type") ?: "", type) &&
		    !strcmp(doc_get_str(c, "status") ?: "", "True"))
			return 1;
	return 0;
}

void sim_reconcile_job(struct sim *s, const char *ns, const char *name)
{
	struct resource *jr = sim_res(s, "batch", "jobs"), *pr = sim_res(s, "", "pods");
	json_t *job = NULL, *pods = NULL;
	if (objects_get(s->o, jr, ns, name, &job, NULL) < 0 ||
	    doc_get(job, "metadata.deletionTimestamp"))
		goto out;
	int finished = sim_has_condition(job, "Complete") || sim_has_condition(job, "Failed");
	pods = sim_list_owned(s, "", "pods", ns, doc_get_str(job, "metadata.uid"));
	json_int_t succeeded = 0, failed = 0, active = 0, ready = 0;
	size_t i;
	json_t *pod;
	json_array_foreach(pods, i, pod) {
		const char *phase = doc_get_str(pod, "status.phase") ?: "";
		if (!strcmp(phase, "Succeeded"))
			succeeded++;
		else if (!strcmp(phase, "Failed"))
			failed++;
		else if (!doc_get(pod, "metadata.deletionTimestamp")) {
			active++;
			ready += disruption_pod_ready(pod);
		}
	}
	json_int_t completions = doc_get_int(job, "spec.completions", 1);
	json_int_t parallelism = doc_get_int(job, "spec.parallelism", 1);
	json_int_t backoff = doc_get_int(job, "spec.backoffLimit", 6);
	int suspended = json_is_true(doc_get(job, "spec.suspend"));
	char now[TIMEFMT_SIZE];
	timefmt_now(now);
	json_t *status = json_object();
	const char *start = doc_get_str(job, "status.startTime");
	json_t *conds = json_array();
	int done = 0;
	if (failed > backoff) {
		json_array_append_new(conds, job_condition("FailureTarget", "BackoffLimitExceeded",
							   "Job has reached the specified backoff limit", now));
		json_array_append_new(conds, job_condition("Failed", "BackoffLimitExceeded",
							   "Job has reached the specified backoff limit", now));
		done = 1;
	} else if (succeeded >= completions) {
		json_array_append_new(conds, job_condition("SuccessCriteriaMet", "CompletionsReached",
							   "Reached expected number of succeeded pods", now));
		json_array_append_new(conds, job_condition("Complete", "CompletionsReached",
							   "Reached expected number of succeeded pods", now));
		done = 1;
	} else if (!suspended && !finished) {
		json_int_t want = parallelism < completions - succeeded ? parallelism
									: completions - succeeded;
		for (json_int_t n = active; n < want; n++) {
			json_t *tmpl = doc_get(job, "spec.template");
			json_t *np = json_pack("{s:s, s:s, s:{s:s, s:o, s:o}, s:O}", "apiVersion", "v1",
					       "kind", "Pod", "metadata", "namespace", ns, "labels",
					       sim_or_empty(doc_get(tmpl, "metadata.labels")),
					       "ownerReferences", sim_owner_ref(job, "batch/v1", "Job"),
					       "spec", doc_get(tmpl, "spec"));
			struct buf gn = BUF_INIT;
			buf_addf(&gn, "%s-", name);
			doc_set_new(np, "metadata.generateName", json_string(gn.data), NULL);
			buf_release(&gn);
			json_t *out = NULL;
			struct kstatus st = KSTATUS_INIT;
			if (objects_create(s->o, pr, ns, np, NULL, &out, &st) == 0) {
				sim_track(s, pr, out);
				sim_emit(s, job, "Normal", "SuccessfulCreate", "job-controller",
				     "Created pod: %s", doc_get_str(out, "metadata.name"));
				active++;
			}
			kstatus_release(&st);
			json_decref(out);
			json_decref(np);
		}
	}
	if (done && !finished) {
		/* stop what still runs */
		json_array_foreach(pods, i, pod) {
			const char *phase = doc_get_str(pod, "status.phase") ?: "";
			if (strcmp(phase, "Succeeded") && strcmp(phase, "Failed")) {
				json_t *out = NULL;
				int del;
				objects_delete(s->o, pr, ns, doc_get_str(pod, "metadata.name"), NULL, &out,
					       &del, NULL);
				json_decref(out);
				active--;
			}
		}
		sim_emit(s, job, failed > backoff ? "Warning" : "Normal",
		     failed > backoff ? "BackoffLimitExceeded" : "Completed", "job-controller",
		     failed > backoff ? "Job has reached the specified backoff limit"
				      : "Job completed");
	}
	if (finished) {
		json_decref(conds);
		conds = json_deep_copy(doc_get(job, "status.conditions"));
	}
	json_object_set_new(status, "startTime", json_string(start ? start : now));
	if (done || finished) {
		const char *ct = doc_get_str(job, "status.completionTime");
		if (succeeded >= completions)
			json_object_set_new(status, "completionTime", json_string(ct ? ct : now));
	}
	if (active > 0)
		json_object_set_new(status, "active", json_integer(active));
	if (succeeded > 0)
		json_object_set_new(status, "succeeded", json_integer(succeeded));
	if (failed > 0)
		json_object_set_new(status, "failed", json_integer(failed));
	json_object_set_new(status, "ready", json_integer(ready));
	json_object_set_new(status, "terminating", json_integer(0));
	json_object_set_new(status, "uncountedTerminatedPods", json_object());
	if (json_array_size(conds))
		json_object_set_new(status, "conditions", conds);
	else
		json_decref(conds);
	struct job_status js = { status };
	objects_mutate(s->o, jr, ns, name, OBJ_STATUS, MANAGER, job_status_step, &js, NULL);
	json_decref(status);
out:
	json_decref(pods);
	json_decref(job);
	resource_unref(jr);
	resource_unref(pr);
}

struct cj_status {
	json_t *status;
};

static int cj_status_step(json_t *cj, void *p)
{
	struct cj_status *cs = p;
	if (json_equal(doc_get(cj, "status"), cs->status))
		return 0;
	json_object_set(cj, "status", cs->status);
	return 1;
}

static int str_cmp_created(const void *a, const void *b)
{
	const json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
	return strcmp(doc_get_str(x, "metadata.creationTimestamp") ?: "",
		      doc_get_str(y, "metadata.creationTimestamp") ?: "");
}

/* Deletes the oldest of `jobs` beyond `keep`. */
static void prune_jobs(struct sim *s, const char *ns, json_t *jobs, json_int_t keep)
{
	size_t n = json_array_size(jobs);
	if ((json_int_t)n <= keep)
		return;
	json_t **v = xcalloc(n, sizeof(*v));
	for (size_t i = 0; i < n; i++)
		v[i] = json_array_get(jobs, i);
	qsort(v, n, sizeof(*v), str_cmp_created);
	struct resource *jr = sim_res(s, "batch", "jobs");
	struct obj_delete_opts bg = { .propagation = "Background" };
	for (size_t i = 0; i + (size_t)keep < n; i++) {
		json_t *out = NULL;
		int del;
		objects_delete(s->o, jr, ns, doc_get_str(v[i], "metadata.name"), &bg, &out, &del, NULL);
		json_decref(out);
	}
	resource_unref(jr);
	free(v);
}

void sim_reconcile_cronjob(struct sim *s, const char *ns, const char *name, const char *key)
{
	struct resource *cr = sim_res(s, "batch", "cronjobs"), *jr = sim_res(s, "batch", "jobs");
	json_t *cj = NULL, *jobs = NULL;
	if (objects_get(s->o, cr, ns, name, &cj, NULL) < 0 || doc_get(cj, "metadata.deletionTimestamp"))
		goto out;
	struct cron sched;
	if (cron_parse(&sched, doc_get_str(cj, "spec.schedule"), NULL) < 0)
		goto out;
	jobs = sim_list_owned(s, "batch", "jobs", ns, doc_get_str(cj, "metadata.uid"));
	json_t *active = json_array(), *done_ok = json_array(), *done_failed = json_array();
	const char *last_success = doc_get_str(cj, "status.lastSuccessfulTime");
	size_t i;
	json_t *job;
	json_array_foreach(jobs, i, job) {
		if (sim_has_condition(job, "Complete")) {
			json_array_append(done_ok, job);
			const char *ct = doc_get_str(job, "status.completionTime");
			if (ct && (!last_success || strcmp(ct, last_success) > 0))
				last_success = ct;
		} else if (sim_has_condition(job, "Failed")) {
			json_array_append(done_failed, job);
		} else {
			json_array_append(active, job);
		}
	}
	time_t now = time(NULL), last;
	const char *lst = doc_get_str(cj, "status.lastScheduleTime");
	if (!lst || timefmt_parse(&last, NULL, lst, NULL) < 0)
		timefmt_parse(&last, NULL, doc_get_str(cj, "metadata.creationTimestamp") ?: "", NULL);
	/* the most recent scheduled time that is due, missed ones collapsed */
	time_t due = -1, t = last;
	for (int k = 0; k < 1000; k++) {
		t = cron_next(&sched, t);
		if (t < 0 || t > now)
			break;
		due = t;
	}
	char sched_ts[TIMEFMT_SIZE] = "";
	int suspended = json_is_true(doc_get(cj, "spec.suspend"));
	const char *policy = doc_get_str(cj, "spec.concurrencyPolicy") ?: "Allow";
	if (due >= 0 && !suspended &&
	    !(!strcmp(policy, "Forbid") && json_array_size(active) > 0)) {
		if (!strcmp(policy, "Replace")) {
			json_array_foreach(active, i, job) {
				json_t *o = NULL;
				int del;
				struct obj_delete_opts bg = { .propagation = "Background" };
				objects_delete(s->o, jr, ns, doc_get_str(job, "metadata.name"), &bg, &o,
					       &del, NULL);
				json_decref(o);
			}
			json_array_clear(active);
		}
		timefmt_rfc3339(sched_ts, due);
		char jname[600];
		snprintf(jname, sizeof(jname), "%s-%lld", name, (long long)(due / 60));
		json_t *tmpl = doc_get(cj, "spec.jobTemplate");
		json_t *nj = json_pack("{s:s, s:s, s:{s:s, s:s, s:o, s:{s:s}, s:o}, s:o}",
				       "apiVersion", "batch/v1", "kind", "Job", "metadata", "name", jname,
				       "namespace", ns, "labels",
				       sim_or_empty(doc_get(tmpl, "metadata.labels")), "annotations",
				       "batch.kubernetes.io/cronjob-scheduled-timestamp", sched_ts,
				       "ownerReferences", sim_owner_ref(cj, "batch/v1", "CronJob"),
				       "spec", sim_or_empty(doc_get(tmpl, "spec")));
		json_t *out = NULL;
		struct kstatus st = KSTATUS_INIT;
		if (objects_create(s->o, jr, ns, nj, NULL, &out, &st) == 0) {
			sim_track(s, jr, out);
			sim_emit(s, cj, "Normal", "SuccessfulCreate", "cronjob-controller", "Created job %s",
			     jname);
			json_array_append(active, out);
		}
		kstatus_release(&st);
		json_decref(out);
		json_decref(nj);
	}
	prune_jobs(s, ns, done_ok, doc_get_int(cj, "spec.successfulJobsHistoryLimit", 3));
	prune_jobs(s, ns, done_failed, doc_get_int(cj, "spec.failedJobsHistoryLimit", 1));
	json_t *status = json_object();
	if (json_array_size(active)) {
		json_t *refs = json_array();
		json_array_foreach(active, i, job)
			json_array_append_new(refs, json_pack(
				"{s:s, s:s, s:s, s:s, s:s, s:s}", "apiVersion", "batch/v1", "kind", "Job",
				"name", doc_get_str(job, "metadata.name") ?: "", "namespace", ns,
				"uid", doc_get_str(job, "metadata.uid") ?: "", "resourceVersion",
				doc_get_str(job, "metadata.resourceVersion") ?: ""));
		json_object_set_new(status, "active", refs);
	}
	if (sched_ts[0])
		json_object_set_new(status, "lastScheduleTime", json_string(sched_ts));
	else if (lst)
		json_object_set_new(status, "lastScheduleTime", json_string(lst));
	if (last_success)
		json_object_set_new(status, "lastSuccessfulTime", json_string(last_success));
	struct cj_status cs = { status };
	objects_mutate(s->o, cr, ns, name, OBJ_STATUS, MANAGER, cj_status_step, &cs, NULL);
	json_decref(status);
	json_decref(active);
	json_decref(done_ok);
	json_decref(done_failed);
	time_t next = cron_next(&sched, now);
	long long wait = next > now ? (long long)(next - now) * 1000 : 1000;
	sim_after(s, key, wait < 60000 ? wait + 50 : 60000);
out:
	json_decref(jobs);
	json_decref(cj);
	resource_unref(cr);
	resource_unref(jr);
}
