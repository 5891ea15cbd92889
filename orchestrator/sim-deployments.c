/*
 * sim-deployments.c — the Deployment controller. One ReplicaSet per pod
 * template (named by its pod-template-hash); a rolling update scales the
 * new ReplicaSet up within maxSurge and old ones down within
 * maxUnavailable as pods become available; Recreate empties the old ones
 * first. Status carries replicas, updated, ready, available,
 * observedGeneration and the Available / Progressing conditions that
 * `kubectl rollout status` reads, ProgressDeadlineExceeded included.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "doc.h"
#include "intstr.h"
#include "log.h"
#include "sim-internal.h"
#include "timefmt.h"

void sim_template_hash(char *out, size_t size, const json_t *template)
{
	struct buf b = BUF_INIT;
	/* a null creationTimestamp is how a typed client (kubectl rollout
	 * undo) writes "none"; the template is the same without it */
	json_t *meta = json_object_get(template, "metadata");
	if (json_is_null(json_object_get(meta, "creationTimestamp"))) {
		json_t *t = json_deep_copy(template);
		json_object_del(json_object_get(t, "metadata"), "creationTimestamp");
		doc_canonical(&b, t);
		json_decref(t);
	} else {
		doc_canonical(&b, template);
	}
	uint32_t h = 2166136261u;
	for (size_t i = 0; i < b.len; i++) {
		h ^= (unsigned char)b.data[i];
		h *= 16777619u;
	}
	buf_release(&b);
	static const char alphanums[] = "bcdfghjklmnpqrstvwxz2456789";
	char digits[16];
	snprintf(digits, sizeof(digits), "%u", h);
	size_t n = strlen(digits);
	if (n >= size)
		n = size - 1;
	for (size_t i = 0; i < n; i++)
		out[i] = alphanums[(unsigned char)digits[i] % (sizeof(alphanums) - 1)];
	out[n] = '\0';
}

struct set_int {
	const char *path;
	json_int_t v;
};

static int set_int_step(json_t *obj, void *p)
{
	struct set_int *si = p;
	if (doc_get(obj, si->path) && doc_get_int(obj, si->path, -1) == si->v)
		return 0;
	doc_set_new(obj, si->path, json_integer(si->v), NULL);
	return 1;
}

static void scale_rs(struct sim *s, const json_t *d, const char *ns, const json_t *rs,
		     json_int_t n)
{
	json_int_t was = doc_get_int(rs, "spec.replicas", 0);
	if (was == n)
		return;
	struct resource *r = sim_res(s, "apps", "replicasets");
	struct set_int si = { "spec.replicas", n };
	if (objects_mutate(s->o, r, ns, doc_get_str(rs, "metadata.name"), OBJ_MAIN,
			   "kube-controller-manager", set_int_step, &si, NULL) == 0)
		sim_emit(s, d, "Normal", "ScalingReplicaSet", "deployment-controller",
		     "Scaled %s replica set %s from %lld to %lld", n > was ? "up" : "down",
		     doc_get_str(rs, "metadata.name"), (long long)was, (long long)n);
	resource_unref(r);
}

struct deploy_status {
	json_t *status;
};

static int deploy_status_step(json_t *d, void *p)
{
	struct deploy_status *ds = p;
	json_t *old = doc_get(d, "status");
	/* keep condition times when nothing changed */
	size_t i, j;
	json_t *c, *o;
	json_array_foreach(json_object_get(ds->status, "conditions"), i, c)
		json_array_foreach(json_object_get(old, "conditions"), j, o)
			if (json_equal(json_object_get(c, "type"), json_object_get(o, "type")) &&
			    json_equal(json_object_get(c, "status"), json_object_get(o, "status")) &&
			    json_equal(json_object_get(c, "reason"), json_object_get(o, "reason"))) {
				json_object_set(c, "lastTransitionTime",
						json_object_get(o, "lastTransitionTime"));
				json_object_set(c, "lastUpdateTime", json_object_get(o, "lastUpdateTime"));
			}
	if (old && json_equal(old, ds->status))
		return 0;
	json_object_set(d, "status", ds->status);
	return 1;
}

static long long condition_age_s(const json_t *d, const char *type)
{
	size_t i;
	json_t *c;
	json_array_foreach(doc_get(d, "status.conditions"), i, c)
		if (!strcmp(doc_get_str(c, "type") ?: "", type)) {
			time_t t;
			if (timefmt_parse(&t, NULL, doc_get_str(c, "lastUpdateTime") ?: "", NULL) == 0)
				return (long long)(time(NULL) - t);
		}
	return 0;
}

static const char *condition_reason(const json_t *d, const char *type)
{
	size_t i;
	json_t *c;
	json_array_foreach(doc_get(d, "status.conditions"), i, c)
		if (!strcmp(doc_get_str(c, "type") ?: "", type))
			return doc_get_str(c, "reason");
	return NULL;
}

/* A paused Deployment only follows spec.replicas: its one active
 * ReplicaSet (or its newest, when none is) takes them all; several active
 * ones, left mid-rollout, keep theirs until the rollout resumes. */
static void paused_scale(struct sim *s, const json_t *d, const char *ns, const json_t *rss,
			 json_int_t want)
{
	json_t *active = NULL, *newest = NULL, *rs;
	size_t i, nactive = 0;
	json_array_foreach(rss, i, rs) {
		if (doc_get_int(rs, "spec.replicas", 0) > 0) {
			active = rs;
			nactive++;
		}
		if (!newest || strcmp(doc_get_str(rs, "metadata.creationTimestamp") ?: "",
				      doc_get_str(newest, "metadata.creationTimestamp") ?: "") > 0)
			newest = rs;
	}
	json_t *target = nactive == 1 ? active : nactive == 0 ? newest : NULL;
	if (target && doc_get_int(target, "spec.replicas", 0) != want)
		scale_rs(s, d, ns, target, want);
}

void sim_reconcile_deployment(struct sim *s, const char *ns, const char *name, const char *key)
{
	struct resource *dr = sim_res(s, "apps", "deployments"), *rr = sim_res(s, "apps", "replicasets");
	json_t *d;
	if (objects_get(s->o, dr, ns, name, &d, NULL) < 0)
		goto out;
	if (doc_get(d, "metadata.deletionTimestamp")) {
		json_decref(d);
		goto out;
	}
	const char *uid = doc_get_str(d, "metadata.uid");
	json_t *tmpl = doc_get(d, "spec.template");
	char hash[16];
	sim_template_hash(hash, sizeof(hash), tmpl);
	json_t *rss = sim_list_owned(s, "apps", "replicasets", ns, uid);
	json_t *newrs = NULL;
	long long max_rev = 0;
	size_t i;
	json_t *rs;
	json_array_foreach(rss, i, rs) {
		const char *h = doc_get_str(rs, "metadata.labels[\"pod-template-hash\"]");
		if (h && !strcmp(h, hash))
			newrs = rs;
		long long rev = atoll(doc_get_str(rs, "metadata.annotations[\"deployment.kubernetes.io/revision\"]") ?: "0");
		if (rev > max_rev)
			max_rev = rev;
	}
	json_int_t want = doc_get_int(d, "spec.replicas", 1);
	int recreate = !strcmp(doc_get_str(d, "spec.strategy.type") ?: "", "Recreate");
	json_int_t surge = recreate ? 0 : intstr_scaled(doc_get(d, "spec.strategy.rollingUpdate.maxSurge"), want, 1, 1);
	json_int_t unavail = recreate ? want : intstr_scaled(doc_get(d, "spec.strategy.rollingUpdate.maxUnavailable"), want, 0, 0);
	if (surge == 0 && unavail == 0)
		unavail = 1;
	/* paused (`kubectl rollout pause`): no new ReplicaSet and no rollout,
	 * only scaling, until resumed */
	int paused = json_is_true(doc_get(d, "spec.paused"));
	int created_new = 0;
	if (!newrs && !paused) {
		char rsname[512];
		snprintf(rsname, sizeof(rsname), "%s-%s", name, hash);
		json_t *labels = sim_copy_or_empty(doc_get(tmpl, "metadata.labels"));
		json_object_set_new(labels, "pod-template-hash", json_string(hash));
		json_t *t = json_deep_copy(tmpl);
		doc_set(t, "metadata.labels", labels, NULL);
		json_t *sel = json_deep_copy(doc_get(d, "spec.selector"));
		doc_set_new(sel, "matchLabels[\"pod-template-hash\"]", json_string(hash), NULL);
		char rev[32];
		snprintf(rev, sizeof(rev), "%lld", max_rev + 1);
		json_t *obj = json_pack("{s:s, s:s, s:{s:s, s:s, s:O, s:o, s:{s:s}}, s:{s:i, s:o, s:o}}",
					"apiVersion", "apps/v1", "kind", "ReplicaSet", "metadata",
					"name", rsname, "namespace", ns, "labels", labels,
					"ownerReferences", sim_owner_ref(d, "apps/v1", "Deployment"),
					"annotations", "deployment.kubernetes.io/revision", rev,
					"spec", "replicas", 0, "selector", sel, "template", t);
		struct obj_write_opts wo = { .field_manager = "kube-controller-manager" };
		struct kstatus st = KSTATUS_INIT;
		if (objects_create(s->o, rr, ns, obj, &wo, &newrs, &st) < 0) {
			log_warn("cannot create replicaset", "deployment", name, "error", st.message, NULL);
		} else {
			created_new = 1;
			sim_track(s, rr, newrs);
		}
		kstatus_release(&st);
		json_decref(labels);
		json_decref(obj);
		if (!newrs) {
			json_decref(rss);
			json_decref(d);
			goto out;
		}
		json_array_append(rss, newrs);
		json_decref(newrs);
		newrs = json_array_get(rss, json_array_size(rss) - 1);
	}
	if (newrs)
		sim_deployment_revision(s, d, rss, newrs);
	/* totals over every ReplicaSet */
	json_int_t total = 0, available = 0, ready = 0, status_total = 0;
	json_array_foreach(rss, i, rs) {
		total += doc_get_int(rs, "spec.replicas", 0);
		available += doc_get_int(rs, "status.availableReplicas", 0);
		ready += doc_get_int(rs, "status.readyReplicas", 0);
		status_total += doc_get_int(rs, "status.replicas", 0);
	}
	json_int_t new_spec = doc_get_int(newrs, "spec.replicas", 0);
	json_int_t old_spec = total - new_spec;
	if (paused) {
		paused_scale(s, d, ns, rss, want);
	} else if (recreate) {
		json_int_t old_pods = status_total - doc_get_int(newrs, "status.replicas", 0);
		json_array_foreach(rss, i, rs)
			if (rs != newrs)
				scale_rs(s, d, ns, rs, 0);
		if (old_pods == 0 && old_spec == 0)
			scale_rs(s, d, ns, newrs, want);
	} else {
		/* scale up the new one within maxSurge */
		json_int_t room = want + surge - total;
		if (new_spec < want && room > 0) {
			json_int_t n = new_spec + room < want ? new_spec + room : want;
			scale_rs(s, d, ns, newrs, n);
		} else if (new_spec > want) {
			scale_rs(s, d, ns, newrs, want);
		}
		/* scale old ones down within maxUnavailable */
		json_int_t can_remove = available - (want - unavail);
		json_array_foreach(rss, i, rs) {
			if (rs == newrs)
				continue;
			json_int_t n = doc_get_int(rs, "spec.replicas", 0);
			json_int_t unready = n - doc_get_int(rs, "status.availableReplicas", 0);
			json_int_t drop = unready > 0 ? unready : 0;
			if (can_remove > 0)
				drop += can_remove;
			if (drop > n)
				drop = n;
			if (drop > 0) {
				scale_rs(s, d, ns, rs, n - drop);
				if (can_remove > 0)
					can_remove -= drop - (unready > 0 ? unready : 0);
			}
		}
	}
	/* clean up old ReplicaSets beyond revisionHistoryLimit */
	json_int_t limit = doc_get_int(d, "spec.revisionHistoryLimit", 10);
	json_int_t idle = 0;
	json_array_foreach(rss, i, rs)
		if (rs != newrs && doc_get_int(rs, "spec.replicas", 0) == 0 &&
		    doc_get_int(rs, "status.replicas", 0) == 0)
			idle++;
	json_array_foreach(rss, i, rs) {
		if (idle <= limit)
			break;
		if (rs != newrs && doc_get_int(rs, "spec.replicas", 0) == 0 &&
		    doc_get_int(rs, "status.replicas", 0) == 0) {
			json_t *o = NULL;
			int del;
			objects_delete(s->o, rr, ns, doc_get_str(rs, "metadata.name"), NULL, &o, &del, NULL);
			json_decref(o);
			idle--;
		}
	}

	json_int_t updated = doc_get_int(newrs, "status.replicas", 0);
	json_int_t new_avail = doc_get_int(newrs, "status.availableReplicas", 0);
	char now[TIMEFMT_SIZE];
	timefmt_now(now);
	int min_avail = available >= want - unavail;
	int complete = updated == want && status_total == want && new_avail == want &&
		       doc_get_int(newrs, "spec.replicas", 0) == want;
	const char *newname = doc_get_str(newrs, "metadata.name");
	char msg[700];
	const char *reason;
	const char *pstatus = "True";
	if (paused) {
		reason = "DeploymentPaused";
		pstatus = "Unknown";
		snprintf(msg, sizeof(msg), "Deployment is paused");
	} else if (complete) {
		reason = "NewReplicaSetAvailable";
		snprintf(msg, sizeof(msg), "ReplicaSet \"%s\" has successfully progressed.", newname);
	} else if (created_new) {
		reason = "NewReplicaSetCreated";
		snprintf(msg, sizeof(msg), "Created new replica set \"%s\"", newname);
	} else {
		reason = "ReplicaSetUpdated";
		snprintf(msg, sizeof(msg), "ReplicaSet \"%s\" is progressing.", newname);
	}
	/* Once the deadline has passed the rollout stays failed, as in
	 * Kubernetes, until it completes or a new ReplicaSet starts over
	 * (otherwise the condition would flip back and forth every pass). */
	json_int_t deadline = doc_get_int(d, "spec.progressDeadlineSeconds", 600);
	const char *was = condition_reason(d, "Progressing");
	int timed_out = was && !strcmp(was, "ProgressDeadlineExceeded") &&
			doc_get_int(d, "status.observedGeneration", 0) ==
			doc_get_int(d, "metadata.generation", 1);
	if (!complete && !created_new && !paused &&
	    (timed_out || condition_age_s(d, "Progressing") > deadline)) {
		reason = "ProgressDeadlineExceeded";
		pstatus = "False";
		snprintf(msg, sizeof(msg), "ReplicaSet \"%s\" has timed out progressing.", newname);
	}
	json_t *status = json_pack(
		"{s:I, s:I, s:I, s:I, s:I, s:I, s:[{s:s, s:s, s:s, s:s, s:s, s:s},"
		" {s:s, s:s, s:s, s:s, s:s, s:s}]}",
		"observedGeneration", doc_get_int(d, "metadata.generation", 1),
		"replicas", status_total, "updatedReplicas", updated, "readyReplicas", ready,
		"availableReplicas", available, "unavailableReplicas",
		want - available > 0 ? want - available : 0,
		"conditions",
		"type", "Available", "status", min_avail ? "True" : "False",
		"lastUpdateTime", now, "lastTransitionTime", now,
		"reason", min_avail ? "MinimumReplicasAvailable" : "MinimumReplicasUnavailable",
		"message", min_avail ? "Deployment has minimum availability."
				     : "Deployment does not have minimum availability.",
		"type", "Progressing", "status", pstatus, "lastUpdateTime", now,
		"lastTransitionTime", now, "reason", reason, "message", msg);
	static const char *const zero_drop[] = { "readyReplicas", "availableReplicas",
						 "unavailableReplicas", "updatedReplicas", NULL };
	for (size_t k = 0; zero_drop[k]; k++)
		if (doc_get_int(status, zero_drop[k], 0) == 0)
			json_object_del(status, zero_drop[k]);
	struct deploy_status ds = { status };
	objects_mutate(s->o, dr, ns, name, OBJ_STATUS, MANAGER, deploy_status_step, &ds, NULL);
	json_decref(status);
	if (!complete && !paused)
		sim_after(s, key, 1000);
	json_decref(rss);
	json_decref(d);
out:
	resource_unref(dr);
	resource_unref(rr);
}
