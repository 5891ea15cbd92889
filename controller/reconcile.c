/*
 * reconcile — one refresh of one application, run by a status worker.
 *
 * compare, then write status only when what it says changed (sync, health,
 * resources, conditions) or a refresh was asked for; status.reconciledAt
 * moves with those writes. The periodic resync alone writes nothing when
 * nothing changed: at 10,000 apps a pass with no change costs no write
 * (so reconciledAt tells when the status last changed or a refresh was
 * asked for, not when the last periodic pass ran). The `bosun.io/refresh` annotation
 * (normal|hard) asks for a refresh; hard bypasses the manifest caches. It
 * is removed once served.
 *
 * A refresh during the first seconds of a sync waits for the sync's end
 * (held_for_sync). An app that auto-sync is about to sync to a new revision has its status
 * written with the sync's outcome, not before the sync as well (unless a
 * condition such as a drift alert has to show at once).
 *
 * Auto-sync follows Argo CD's rules: an OutOfSync app with
 * syncPolicy.automated gets an `operation` written for the revision just
 * compared, once per revision — a revision whose automated sync failed is
 * not retried in a loop. Once a revision has been synced, going OutOfSync
 * again is drift: it is synced again only with selfHeal, and no sooner than
 * the self-heal timeout after the last sync finished. Extra resources alone
 * trigger nothing unless automated.prune is on.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ctrl.h"
#include "doc.h"
#include "health.h"
#include "ignore.h"
#include "log.h"
#include "queue.h"
#include "timefmt.h"

#define SYNC_HOLD_MS 2000

const double ctrl_hist_bounds[8] = { 0.01, 0.05, 0.1, 0.25, 0.5, 1, 5, 30 };

void ctrl_now(char out[32])
{
	char t[TIMEFMT_SIZE];
	timefmt_now(t);
	snprintf(out, 32, "%s", t);
}

int ctrl_event(struct controller *c, const json_t *app, const char *type, const char *reason,
	       const char *message)
{
	char now[32], name[300];
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	ctrl_now(now);
	snprintf(name, sizeof(name), "%.200s.%lx%05lx", doc_get_str(app, "metadata.name"),
		 (unsigned long)ts.tv_sec, (unsigned long)(ts.tv_nsec / 10000) ^ (random() & 0xff));
	json_t *ev = json_pack("{s:s, s:s, s:{s:s, s:s}, s:{s:s, s:s, s:s, s:s, s:s*, s:s*},"
			       " s:s, s:s, s:s, s:{s:s}, s:s, s:s, s:i, s:s, s:s}",
			       "apiVersion", "v1", "kind", "Event",
			       "metadata", "name", name, "namespace", c->cfg.namespace,
			       "involvedObject", "apiVersion", "bosun.io/v1alpha1",
			       "kind", "Application", "name", doc_get_str(app, "metadata.name"),
			       "namespace", c->cfg.namespace,
			       "uid", doc_get_str(app, "metadata.uid"),
			       "resourceVersion", doc_get_str(app, "metadata.resourceVersion"),
			       "type", type, "reason", reason, "message", message,
			       "source", "component", CTRL_FIELD_MANAGER,
			       "firstTimestamp", now, "lastTimestamp", now, "count", 1,
			       "reportingComponent", CTRL_FIELD_MANAGER,
			       "action", reason);
	json_t *res = NULL;
	struct berr err = BERR_INIT;
	int rc = kube_client_create(c->kc, &res, ev, NULL, &err);
	if (rc < 0)
		log_warn("cannot record event", "app", doc_get_str(app, "metadata.name"),
			 "reason", reason, "error", err.msg, NULL);
	json_decref(res);
	json_decref(ev);
	return rc;
}

static int operation_running(const json_t *app)
{
	const char *phase = doc_get_str(app, "status.operationState.phase");
	return json_object_get(app, "operation")
	       || (phase && (!strcmp(phase, "Running") || !strcmp(phase, "Terminating")));
}

static void observe(struct controller *c, double seconds)
{
	for (int i = 0; i < 8; i++)
		if (seconds <= ctrl_hist_bounds[i])
			c->m.hist[i]++;
	c->m.hist_count++;
	c->m.hist_sum_us += (unsigned long long)(seconds * 1e6);
}

static double since(const struct timespec *t0)
{
	struct timespec t1;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (t1.tv_sec - t0->tv_sec) + (t1.tv_nsec - t0->tv_nsec) / 1e9;
}

/* Seconds since an RFC 3339 time; a large number when it cannot be read. */
static long age_s(const char *when)
{
	time_t t;
	long usec;
	if (!when || timefmt_parse(&t, &usec, when, NULL) < 0)
		return 1L << 30;
	return (long)(time(NULL) - t);
}

/* Requests the automated sync the compare calls for, if any; returns 1 when
 * it was requested. With `request` 0 only says whether it would be (and
 * schedules nothing). */
static int auto_sync(struct controller *c, const json_t *app, const struct compare_result *r,
		     int request)
{
	const char *name = doc_get_str(app, "metadata.name");
	json_t *automated = doc_get(app, "spec.syncPolicy.automated");
	if (!json_is_object(automated) || strcmp(r->sync_status, "OutOfSync")
	    || operation_running(app) || !r->revision[0])
		return 0;
	int prune = doc_get_bool(automated, "prune", 0);
	int self_heal = doc_get_bool(automated, "selfHeal", 0);
	/* only extras, and no automated prune: nothing to do */
	json_t *e;
	size_t i;
	int only_prune = 1;
	json_array_foreach(r->resources, i, e)
		if (!strcmp(doc_get_str(e, "status") ?: "", "OutOfSync")
		    && !doc_get_bool(e, "requiresPruning", 0))
			only_prune = 0;
	if (only_prune && !prune)
		return 0;
	if (!json_array_size(r->targets) && !doc_get_bool(automated, "allowEmpty", 0))
		return 0;
	json_t *last = doc_get(app, "status.operationState");
	const char *last_rev = doc_get_str(last, "syncResult.revision");
	if (!last_rev)
		last_rev = doc_get_str(last, "operation.sync.revision");
	if (last && last_rev && !strcmp(last_rev, r->revision)) {
		if (strcmp(doc_get_str(last, "phase") ?: "", "Succeeded"))
			return 0;       /* this revision failed once: not in a loop */
		if (!self_heal)
			return 0;
		long waited = age_s(doc_get_str(last, "finishedAt"));
		if (waited < c->cfg.self_heal_timeout_s) {
			if (request)
				queue_add_after(c->refresh_q, name,
						(c->cfg.self_heal_timeout_s - waited) * 1000 + 100);
			return 0;
		}
	}
	if (!request)
		return 1;
	json_t *patch = json_pack("{s:{s:{s:s, s:b}, s:{s:s, s:b}}}",
				  "operation", "initiatedBy", "username", CTRL_FIELD_MANAGER,
				  "automated", 1, "sync", "revision", r->revision, "prune", prune);
	struct berr err = BERR_INIT;
	int rc = app_patch(c, name, patch, NULL, &err);
	if (rc < 0)
		log_warn("auto-sync not requested", "app", name, "error", err.msg, NULL);
	else
		log_info("auto-sync requested", "app", name, "revision", r->revision, NULL);
	json_decref(patch);
	return rc == 0;
}

static json_t *summary_images(const json_t *targets)
{
	json_t *seen = json_object(), *out = json_array(), *t;
	size_t i;
	static const char *const paths[] = { "spec.template.spec.containers",
					     "spec.template.spec.initContainers",
					     "spec.containers", "spec.initContainers",
					     "spec.jobTemplate.spec.template.spec.containers" };
	json_array_foreach(targets, i, t) {
		for (size_t p = 0; p < sizeof(paths) / sizeof(paths[0]); p++) {
			json_t *ctrs = doc_get(t, paths[p]), *ct;
			size_t j;
			json_array_foreach(ctrs, j, ct) {
				const char *img = doc_get_str(ct, "image");
				if (img && !json_object_get(seen, img)) {
					json_object_set_new(seen, img, json_true());
					json_array_append_new(out, json_string(img));
				}
			}
		}
	}
	json_decref(seen);
	return out;
}

static int is_resources_finalizer(const char *f)
{
	return f && (!strncmp(f, "resources-finalizer.argocd.argoproj.io", 38)
		     || !strncmp(f, "resources-finalizer.bosun.io", 28));
}

/*
 * An app being deleted with the resources finalizer takes its resources
 * with it (cascade delete, as Argo CD): every tracked top-level object is
 * deleted, and once the cache sees none left the finalizer is removed.
 */
static void finalize(struct controller *c, const json_t *app)
{
	const char *name = doc_get_str(app, "metadata.name");
	json_t *fins = doc_get(app, "metadata.finalizers"), *f, *rest = json_array();
	const char *propagation = "Foreground";
	size_t i;
	int ours = 0;
	json_array_foreach(fins, i, f) {
		if (is_resources_finalizer(json_string_value(f))) {
			ours = 1;
			if (strstr(json_string_value(f), "/background"))
				propagation = "Background";
		} else {
			json_array_append(rest, f);
		}
	}
	struct dest *dest = NULL;
	if (!ours || dest_for_app(c, app, &dest, NULL) < 0) {
		/* nothing of ours, or a cluster gone: nothing can be deleted */
		if (ours) {
			json_t *patch = json_pack("{s:{s:O}}", "metadata", "finalizers", rest);
			app_patch(c, name, patch, NULL, NULL);
			json_decref(patch);
		}
		json_decref(rest);
		return;
	}
	json_t *objs = livecache_app_objects(dest->live, name), *o;
	size_t left = 0;
	json_array_foreach(objs, i, o) {
		if (json_array_size(doc_get(o, "metadata.ownerReferences")))
			continue;
		left++;
		if (doc_get(o, "metadata.deletionTimestamp"))
			continue;
		struct kube_ref ref = { doc_get_str(o, "apiVersion"), doc_get_str(o, "kind"),
					doc_get_str(o, "metadata.namespace"),
					doc_get_str(o, "metadata.name"), NULL };
		struct berr err = BERR_INIT;
		if (kube_client_delete(dest->kc, NULL, &ref, propagation, &err) < 0
		    && err.code != BERR_NOTFOUND)
			log_warn("cascade delete failed", "app", name, "object", ref.name,
				 "error", err.msg, NULL);
	}
	json_decref(objs);
	if (left) {
		queue_add_after(c->refresh_q, name, 1000);
	} else {
		json_t *patch = json_pack("{s:{s:O}}", "metadata", "finalizers", rest);
		struct berr err = BERR_INIT;
		if (app_patch(c, name, patch, NULL, &err) < 0)
			log_warn("finalizer not removed", "app", name, "error", err.msg, NULL);
		else
			log_info("application resources deleted", "app", name, NULL);
		json_decref(patch);
	}
	json_decref(rest);
}

/* What a compare of the app depends on besides git: what the app asks
 * for and how often the live objects it sees changed. */
static void inputs_key(struct controller *c, const json_t *app, char key[160])
{
	char digest[DOC_DIGEST_HEX_LEN + 1];
	unsigned long gen[2] = { 0, 0 };
	struct dest *dest = NULL;
	appstate_asks_digest(digest, app);
	if (dest_for_app(c, app, &dest, NULL) == 0)
		livecache_generation(dest->live, doc_get_str(app, "metadata.name"), gen);
	snprintf(key, 160, "%s/%s/%lu/%lu", digest, dest ? dest->server : "-", gen[0], gen[1]);
}

/*
 * A periodic pass over an app whose last full compare found it Synced:
 * when neither the app, nor what its source resolves to, nor any live
 * object it could see changed since, the compare would say the same, and
 * a Synced app asks nothing of auto-sync or the drift alert. This is what
 * makes a pass over 10,000 unchanged apps cheap.
 */
static int unchanged(struct controller *c, const json_t *app, const char *name,
		     const char *key)
{
	json_t *mem = appmem_get(c, name);
	int same = doc_get_bool(mem, "periodic", 0)
		   && !strcmp(doc_get_str(mem, "syncedInputs") ?: "", key)
		   && compare_unmoved(c, app, mem);
	json_decref(mem);
	if (same)
		appmem_set(c, name, "periodic", NULL);
	return same;
}

/*
 * A refresh while this controller's sync of the app is in its first
 * SYNC_HOLD_MS waits for it: the objects the sync applies move the live
 * cache and queue refreshes, and their status would be written once now
 * and again, with the outcome, when the sync ends (which compares anyway).
 * A longer sync (waiting for health) gets its refreshes as usual.
 */
static int held_for_sync(struct controller *c, const char *name, const struct timespec *now)
{
	json_t *mem = appmem_get(c, name);
	json_t *started = json_object_get(mem, "syncStartedMs");
	long long elapsed = started ? (long long)now->tv_sec * 1000 + now->tv_nsec / 1000000
					      - (long long)json_integer_value(started)
				    : SYNC_HOLD_MS;
	json_decref(mem);
	if (elapsed >= SYNC_HOLD_MS || elapsed < 0)
		return 0;
	/* when it runs, the inputs the sync's own compare saw may be all there
	 * is: then it has nothing to add (unchanged()) */
	appmem_set(c, name, "periodic", json_true());
	queue_add_after(c->refresh_q, name, SYNC_HOLD_MS - elapsed + 50);
	return 1;
}

void reconcile_app(struct controller *c, const char *name)
{
	reconcile_app_with(c, name, NULL);
}

int reconcile_app_with(struct controller *c, const char *name, const json_t *extra)
{
	json_t *app = appstate_get(c, name);
	struct compare_result r;
	struct berr err = BERR_INIT;
	struct timespec t0;
	int wrote_extra = 0;
	if (!app)
		return 0;
	if (doc_get(app, "metadata.deletionTimestamp")) {
		if (!extra)
			finalize(c, app);
		json_decref(app);
		return 0;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (!extra && held_for_sync(c, name, &t0)) {
		json_decref(app);
		return 0;
	}
	c->m.reconciles++;
	const char *refresh = json_string_value(doc_getv(app, "metadata", "annotations",
							 REFRESH_ANNOTATION, NULL));
	int level = refresh ? (!strcmp(refresh, "hard") ? 2 : 1) : 0;
	char key[160];
	inputs_key(c, app, key);
	if (!level && !extra && unchanged(c, app, name, key)) {
		c->m.compares_skipped++;
		json_decref(app);
		observe(c, since(&t0));
		return 0;
	}
	int rc = compare_app(c, app, level, &r, &err);
	if (rc < 0) {
		/* try again soon, backing off: 5 s, 10 s, ... up to the resync period */
		json_t *m = appmem_get(c, name);
		long backoff = (long)doc_get_int(m, "errorBackoff", 0);
		json_decref(m);
		backoff = backoff ? backoff * 2 : 5000;
		if (backoff > c->cfg.app_resync_s * 1000)
			backoff = c->cfg.app_resync_s * 1000;
		appmem_set(c, name, "errorBackoff", json_integer(backoff));
		queue_add_after(c->refresh_q, name, backoff);
		c->m.reconcile_errors++;
		log_warn("comparison failed", "app", name, "error", err.msg, NULL);
	} else {
		appmem_set(c, name, "errorBackoff", NULL);
	}

	json_t *old = json_object_get(app, "status");
	json_t *conditions = json_array();
	if (r.error.len) {
		char now[32];
		ctrl_now(now);
		json_array_append_new(conditions, json_pack("{s:s, s:s, s:s}", "type",
							    "ComparisonError", "message", r.error.data,
							    "lastTransitionTime", now));
	}
	if (r.shared.len) {
		char now[32];
		ctrl_now(now);
		json_array_append_new(conditions, json_pack("{s:s, s:s, s:s}", "type",
							    "SharedResourceWarning", "message",
							    r.shared.data, "lastTransitionTime", now));
	}
	struct berr ierr = BERR_INIT;
	if (ignore_check(doc_get(app, "spec.ignoreDifferences"), &ierr) < 0) {
		char now[32];
		ctrl_now(now);
		json_array_append_new(conditions, json_pack("{s:s, s:s, s:s}", "type",
							    "InvalidSpecError", "message", ierr.msg,
							    "lastTransitionTime", now));
	}
	if (rc == 0)
		drift_check(c, app, &r, conditions);
	/* keep the transition time of conditions that did not change */
	json_t *cond, *prev;
	size_t i, j;
	json_array_foreach(conditions, i, cond) {
		json_array_foreach(doc_get(old, "conditions"), j, prev) {
			if (doc_equal(json_object_get(prev, "type"), json_object_get(cond, "type"))
			    && doc_equal(json_object_get(prev, "message"),
					 json_object_get(cond, "message")))
				json_object_set(cond, "lastTransitionTime",
						json_object_get(prev, "lastTransitionTime"));
		}
	}

	json_t *status = json_object();
	json_t *sync = json_pack("{s:s, s:{s:O?, s:O?}}", "status", r.sync_status,
				 "comparedTo", "source", doc_get(app, "spec.source"),
				 "destination", doc_get(app, "spec.destination"));
	if (r.revision[0])
		json_object_set_new(sync, "revision", json_string(r.revision));
	json_object_set_new(status, "sync", sync);
	json_t *health = json_pack("{s:s}", "status",
				   rc < 0 ? "Unknown" : health_status_name(r.health));
	if (r.health_message.len)
		json_object_set_new(health, "message", json_string(r.health_message.data));
	json_object_set_new(status, "health", health);
	json_object_set(status, "resources", r.resources);
	json_object_set_new(status, "conditions",
			    json_array_size(conditions) ? json_incref(conditions) : json_null());
	json_object_set_new(status, "summary", json_pack("{s:o}", "images",
							 summary_images(r.targets)));
	json_object_set_new(status, "sourceType", json_string("Directory"));
	if (doc_get(app, "spec.source.helm") || doc_get(app, "spec.source.chart"))
		json_object_set_new(status, "sourceType", json_string("Helm"));

	int changed = 0, write_failed = 0;
	const char *k;
	json_t *v;
	json_object_foreach(status, k, v) {
		json_t *was = json_object_get(old, k);
		if (json_is_null(v) ? (was && !json_is_null(was)) : !doc_equal(was, v))
			changed = 1;
	}
	/* A new revision that auto-sync is about to sync: its status goes out
	 * with the sync's outcome (the compare after the operation), so the
	 * OutOfSync in between costs no write of its own. Conditions (drift,
	 * errors) are always written at once. */
	int deferred = 0;
	if (rc == 0 && !extra && !refresh && !json_array_size(conditions)
	    && auto_sync(c, app, &r, 0)) {
		deferred = auto_sync(c, app, &r, 1);
		changed = changed && !deferred;
	}
	if (changed || refresh || extra || (!deferred && !doc_get(old, "reconciledAt"))) {
		char now[32];
		ctrl_now(now);
		json_object_set_new(status, "reconciledAt", json_string(now));
		json_object_set_new(status, "observedAt", json_string(now));
		json_object_update(status, (json_t *)extra);
		json_t *patch = status_patch(c, name, status);
		if (app_patch(c, name, patch, "status", &err) < 0) {
			log_warn("status not written", "app", name, "error", err.msg, NULL);
			write_failed = 1;       /* not a state to skip the next compare from */
		} else {
			c->m.status_writes++;
			wrote_extra = extra != NULL;
		}
		json_decref(patch);
	}
	if (refresh) {
		json_t *patch = json_pack("{s:{s:{s:n}}}", "metadata", "annotations",
					  REFRESH_ANNOTATION);
		if (app_patch(c, name, patch, NULL, &err) < 0)
			log_warn("refresh annotation not removed", "app", name, "error", err.msg,
				 NULL);
		json_decref(patch);
	}
	appmem_set(c, name, "syncedInputs", rc == 0 && !write_failed
		   && !strcmp(r.sync_status, "Synced") && !r.error.len ? json_string(key) : NULL);
	if (rc == 0 && !deferred)
		auto_sync(c, app, &r, 1);
	json_decref(status);
	json_decref(conditions);
	compare_result_release(&r);
	json_decref(app);
	observe(c, since(&t0));
	return wrote_extra;
}
