/*
 * sync — carrying out the operation written on an Application.
 *
 * `operation.sync {revision, prune, dryRun, resources, syncOptions}` applies
 * the app's manifests at that revision; `operation.rollback {id}` applies
 * the manifests stored with history entry `id` (release.c), whatever git
 * says now. Either way the work is a list of tasks sorted by syncplan.c:
 * PreSync hooks, then the resources wave by wave (kind order within a
 * wave), pruning last, then PostSync hooks; SyncFail hooks only when
 * something failed. Before the next wave starts, everything the wave
 * applied must be seen in the live cache at the version the server returned
 * and be healthy (Degraded fails the sync); a hook must complete (a Job or
 * Pod succeeding). Hook delete policies: BeforeHookCreation (default)
 * deletes an old copy before creating it, HookSucceeded/HookFailed delete
 * it after.
 *
 * status.operationState tracks the run: Running with the tasks done so far
 * (written once a wait takes longer than half a second, so a quick sync
 * costs one status write, not two), then Succeeded, Failed or Error with
 * finishedAt and syncResult, written together with the compare that follows
 * every operation (sync status, health, resources: one write, not two). A
 * successful full sync (not dry run, not a selection of resources) first
 * stores its release, then appends to status.history. A controller that
 * dies mid-run finds the operation still there with phase Running and runs
 * it again from the top: applying is idempotent. The state records the
 * app's generation when the operation was read (operationGeneration):
 * writing `operation` bumps the generation, so no two runs share one, and
 * it tells a run to resume or an outcome already recorded apart from a new,
 * identical request. History entries carry it too, so a resumed run never
 * adds a second entry, while two runs started within the same second (the
 * resolution of startedAt) each add theirs. History and releases are
 * trimmed to revisionHistoryLimit (default 10). Last, `operation` is
 * removed.
 *
 * Removing `operation` while it runs, or setting operationState.phase to
 * Terminating, stops it at the next wait.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "apply.h"
#include "clock.h"
#include "ctrl.h"
#include "doc.h"
#include "health.h"
#include "log.h"
#include "queue.h"
#include "release.h"
#include "syncplan.h"

#define DEFAULT_HISTORY_LIMIT 10
#define CACHE_CATCH_UP_S 15

struct task_data {
	json_t *obj;            /* what is applied (tracking set), or the live object to prune */
	struct res_id id;
	int hook;
	unsigned delete_policy;
	char applied_rv[64];
	int done;               /* applied, pruned, skipped */
	const char *status;     /* "Synced", "SyncFailed", "Pruned", "PruneSkipped" */
	const char *hook_phase; /* "Running", "Succeeded", "Failed" for hooks */
	char message[512];
};

struct run {
	struct controller *c;
	struct dest *dest;
	json_t *app;
	const char *name;
	json_t *op;
	char started_at[32];
	json_int_t generation;          /* of the app when the operation was read */
	long retry_count;
	int dry_run, prune, replace, create_ns, apply_out_of_sync_only, fail_on_shared;
	const char *prune_propagation;
	struct sync_task *tasks;
	size_t ntasks;
	json_t *manifests;      /* what is recorded in the release */
	char revision[64];
	json_t *source;
	char message[1024];
	int terminated;
	int running_written;    /* phase Running is recorded */
	long long started_ms;   /* monotonic, when this run began */
};

#define RUNNING_AFTER_MS 500

static int has_option(const json_t *opts, const char *want)
{
	json_t *o;
	size_t i;
	json_array_foreach(opts, i, o)
		if (json_is_string(o) && !strcmp(json_string_value(o), want))
			return 1;
	return 0;
}

static const char *option_value(const json_t *opts, const char *key)
{
	json_t *o;
	size_t i, n = strlen(key);
	json_array_foreach(opts, i, o) {
		const char *s = json_string_value(o);
		if (s && !strncmp(s, key, n) && s[n] == '=')
			return s + n + 1;
	}
	return NULL;
}

/* The resource's own sync options (annotation, comma-separated). */
static int resource_option(const json_t *obj, const char *want)
{
	const char *s = json_string_value(doc_getv(obj, "metadata", "annotations",
						   "argocd.argoproj.io/sync-options", NULL));
	if (!s)
		s = json_string_value(doc_getv(obj, "metadata", "annotations",
					       "bosun.io/sync-options", NULL));
	size_t n = strlen(want);
	while (s && *s) {
		while (*s == ' ' || *s == ',')
			s++;
		size_t len = strcspn(s, ",");
		size_t m = len;
		while (m && s[m - 1] == ' ')
			m--;
		if (m == n && !strncmp(s, want, n))
			return 1;
		s += len;
	}
	return 0;
}

static json_t *result_entry(const struct sync_task *t)
{
	const struct task_data *d = t->data;
	const char *av = doc_get_str(d->obj, "apiVersion");
	const char *slash = av ? strchr(av, '/') : NULL;
	json_t *e = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s}",
			      "group", d->id.group, "version", slash ? slash + 1 : (av ? av : ""),
			      "kind", d->id.kind, "namespace", d->id.namespace, "name", d->id.name,
			      "status", d->status ? d->status : "", "message", d->message);
	json_object_set_new(e, "syncPhase", json_string(syncplan_phase_name(t->phase)));
	if (d->hook) {
		json_object_set_new(e, "hookType", json_string(syncplan_phase_name(t->phase)));
		if (d->hook_phase)
			json_object_set_new(e, "hookPhase", json_string(d->hook_phase));
	}
	return e;
}

static json_t *results(struct run *r)
{
	json_t *out = json_array();
	for (size_t i = 0; i < r->ntasks; i++)
		if (((struct task_data *)r->tasks[i].data)->done)
			json_array_append_new(out, result_entry(&r->tasks[i]));
	return out;
}

/* The status members that record the run: {operationState, history?}. */
static json_t *state_status(struct run *r, const char *phase, const char *message, int final,
			    json_t *history)
{
	json_t *st = json_pack("{s:O, s:s, s:s, s:s, s:I}", "operation", r->op, "phase", phase,
			       "message", message, "startedAt", r->started_at,
			       "operationGeneration", r->generation);
	json_t *sr = json_pack("{s:o, s:s}", "resources", results(r), "revision", r->revision);
	if (r->source)
		json_object_set(sr, "source", r->source);
	json_object_set_new(st, "syncResult", sr);
	if (r->retry_count)
		json_object_set_new(st, "retryCount", json_integer(r->retry_count));
	if (final) {
		char now[32];
		ctrl_now(now);
		json_object_set_new(st, "finishedAt", json_string(now));
	}
	json_t *status = json_pack("{s:o}", "operationState", st);
	if (history)
		json_object_set(status, "history", history);
	return status;
}

static int write_state(struct run *r, const char *phase, const char *message, int final,
		       json_t *history)
{
	json_t *status = state_status(r, phase, message, final, history);
	json_t *patch = status_patch(r->c, r->name, status);
	struct berr err = BERR_INIT;
	int rc = app_patch(r->c, r->name, patch, "status", &err);
	if (rc == 0 && !final)
		r->running_written = 1;
	json_decref(status);
	if (rc < 0)
		log_warn("operation state not written", "app", r->name, "error", err.msg, NULL);
	json_decref(patch);
	return rc;
}

/* Records phase Running once the run takes long enough for anyone to see
 * it (RUNNING_AFTER_MS): a sync that is over sooner writes its state once,
 * at the end. Nothing depends on the Running record for recovery: a run
 * resumes from `operation`, which stays until the end. */
static void note_running(struct run *r)
{
	if (!r->running_written && clock_ms() - r->started_ms >= RUNNING_AFTER_MS)
		write_state(r, "Running", "running", 0, NULL);
}

/* Whether someone asked the run to stop. */
static int should_stop(struct run *r)
{
	if (r->c->stopping)
		return 1;
	json_t *app = appstate_get(r->c, r->name);
	int stop = !app || !json_object_get(app, "operation")
		   || !strcmp(doc_get_str(app, "status.operationState.phase") ?: "", "Terminating");
	json_decref(app);
	if (stop)
		r->terminated = 1;
	return stop;
}

static void add_task(struct run *r, enum sync_phase phase, json_t *obj, const struct res_id *id,
		     int hook, int prune)
{
	struct task_data *d = xcalloc(1, sizeof(*d));
	d->obj = json_incref(obj);
	d->id = *id;
	d->hook = hook;
	d->delete_policy = hook ? syncplan_delete_policy(obj) : 0;
	r->tasks = xrealloc(r->tasks, (r->ntasks + 1) * sizeof(*r->tasks));
	r->tasks[r->ntasks++] = (struct sync_task){
		.phase = phase, .wave = syncplan_wave(obj),
		.kind_order = syncplan_kind_order(d->id.kind), .kind = d->id.kind,
		.name = d->id.name, .namespace = d->id.namespace, .prune = prune, .data = d,
	};
}

static int selected(const json_t *sel, const struct res_id *id)
{
	json_t *s;
	size_t i;
	if (!json_is_array(sel) || !json_array_size(sel))
		return 1;
	json_array_foreach(sel, i, s) {
		const char *g = doc_get_str(s, "group") ?: "", *k = doc_get_str(s, "kind") ?: "";
		const char *n = doc_get_str(s, "name") ?: "", *ns = doc_get_str(s, "namespace");
		if (!strcmp(g, id->group) && !strcmp(k, id->kind) && !strcmp(n, id->name)
		    && (!ns || !*ns || !strcmp(ns, id->namespace)))
			return 1;
	}
	return 0;
}

/* Builds the task list from r->manifests. */
static int plan(struct run *r, struct berr *err)
{
	const char *dest_ns = doc_get_str(r->app, "spec.destination.namespace");
	json_t *sel = doc_get(r->op, "sync.resources"), *m;
	json_t *seen = json_object();
	size_t i;
	if (!dest_ns || !*dest_ns)
		dest_ns = "default";
	json_array_foreach(r->manifests, i, m) {
		unsigned phases = syncplan_hook_phases(m);
		json_t *obj = NULL;
		struct res_id id;
		struct kube_resource res;
		struct berr terr = BERR_INIT;
		if (phases & PHASE_SKIP_BIT)
			continue;
		compare_target(r->dest, &obj, &id, &res, m, r->name, dest_ns, &terr);
		if (!obj) {
			json_decref(seen);
			return berr_set(err, BERR_INVALID, "manifest %zu: %s", i, terr.msg);
		}
		if (!phases && r->fail_on_shared) {
			json_t *live = livecache_get(r->dest->live, &id);
			char scratch[256];
			const char *owner = live ? tracking_app_of(live, scratch, sizeof(scratch)) : NULL;
			int shared = owner && strcmp(owner, r->name);
			if (shared)
				berr_set(err, BERR_CONFLICT,
					 "%s/%s is part of another application '%s' (FailOnSharedResource)",
					 id.kind, id.name, owner);
			json_decref(live);
			if (shared) {
				json_decref(obj);
				json_decref(seen);
				return BERR_CONFLICT;
			}
		}
		if (!phases) {
			struct buf key = BUF_INIT;
			res_key(&key, &id);
			json_object_set_new(seen, key.data, json_true());
			buf_release(&key);
			if (selected(sel, &id))
				add_task(r, PHASE_SYNC, obj, &id, 0, 0);
		} else if (!json_array_size(sel) && !r->dry_run) {
			for (int p = 0; p < PHASE_COUNT; p++)
				if (phases & PHASE_BIT(p))
					add_task(r, p, obj, &id, 1, 0);
		}
		json_decref(obj);
	}
	/* tracked objects no longer in git */
	json_t *tracked = livecache_app_objects(r->dest->live, r->name), *live;
	json_array_foreach(tracked, i, live) {
		struct res_id id;
		struct buf key = BUF_INIT;
		if (res_id_from_object(&id, live, NULL) < 0)
			continue;
		res_key(&key, &id);
		int skip = json_object_get(seen, key.data) || syncplan_hook_phases(live)
			   || json_array_size(doc_get(live, "metadata.ownerReferences"))
			   || !selected(sel, &id);
		buf_release(&key);
		if (!skip)
			add_task(r, PHASE_SYNC, live, &id, 0, 1);
	}
	json_decref(tracked);
	json_decref(seen);
	syncplan_sort(r->tasks, r->ntasks);
	return 0;
}

static void ensure_namespace(struct run *r, const char *ns)
{
	json_t *obj = json_pack("{s:s, s:s, s:{s:s}}", "apiVersion", "v1", "kind", "Namespace",
				"metadata", "name", ns), *res = NULL;
	struct kube_write_options wo = { .field_manager = CTRL_FIELD_MANAGER };
	kube_client_create(r->dest->kc, &res, obj, &wo, NULL);
	json_decref(res);
	json_decref(obj);
}

static void delete_obj(struct run *r, const struct res_id *id, const json_t *obj,
		       const char *propagation)
{
	struct kube_ref ref = { doc_get_str(obj, "apiVersion"), id->kind, id->namespace[0]
				? id->namespace : NULL, id->name, NULL };
	kube_client_delete(r->dest->kc, NULL, &ref, propagation, NULL);
}

/* A custom resource whose CRD comes in this same sync was planned before its
 * kind was served, so it got no namespace: place it now that the CRD exists
 * (compare_target learns the kind through discovery). */
static void place_late(struct run *r, struct task_data *d)
{
	if (d->id.namespace[0])
		return;
	const char *ns = doc_get_str(r->app, "spec.destination.namespace");
	json_t *placed = NULL;
	struct res_id id;
	struct kube_resource kr;
	struct berr err = BERR_INIT;
	if (compare_target(r->dest, &placed, &id, &kr, d->obj, r->name,
			   ns && *ns ? ns : "default", &err) == 0 && id.namespace[0]) {
		json_decref(d->obj);
		d->obj = placed;
		d->id = id;
		return;
	}
	json_decref(placed);
}

static int run_task(struct run *r, struct sync_task *t)
{
	struct task_data *d = t->data;
	struct berr err = BERR_INIT;
	d->done = 1;
	if (t->prune) {
		if (!r->prune) {
			d->status = "PruneSkipped";
			snprintf(d->message, sizeof(d->message), "ignored (requires pruning)");
			return 0;
		}
		if (resource_option(d->obj, "Prune=false")) {
			d->status = "PruneSkipped";
			snprintf(d->message, sizeof(d->message), "ignored (no prune)");
			return 0;
		}
		if (r->dry_run) {
			d->status = "Pruned";
			snprintf(d->message, sizeof(d->message), "pruned (dry run)");
			return 0;
		}
		struct kube_ref ref = { doc_get_str(d->obj, "apiVersion"), d->id.kind,
					d->id.namespace[0] ? d->id.namespace : NULL, d->id.name,
					NULL };
		int rc = kube_client_delete(r->dest->kc, NULL, &ref, r->prune_propagation, &err);
		if (rc < 0 && rc != BERR_NOTFOUND) {
			d->status = "SyncFailed";
			snprintf(d->message, sizeof(d->message), "%s", err.msg);
			return rc;
		}
		d->status = "Pruned";
		snprintf(d->message, sizeof(d->message), "pruned");
		return 0;
	}
	place_late(r, d);
	if (r->create_ns && d->id.namespace[0] && !r->dry_run)
		ensure_namespace(r, d->id.namespace);
	if (d->hook && (d->delete_policy & HOOK_DELETE_BEFORE_CREATION) && !r->dry_run) {
		/* delete the previous run's copy and wait until it is gone */
		struct kube_ref ref = { doc_get_str(d->obj, "apiVersion"), d->id.kind,
					d->id.namespace[0] ? d->id.namespace : NULL, d->id.name,
					NULL };
		delete_obj(r, &d->id, d->obj, "Background");
		for (int i = 0; i < 200 && !r->c->stopping; i++) {
			json_t *cur = NULL;
			if (kube_client_get(r->dest->kc, &cur, &ref, NULL) == BERR_NOTFOUND)
				break;
			json_decref(cur);
			usleep(50 * 1000);
		}
	}
	if (r->apply_out_of_sync_only && !d->hook) {
		json_t *live = livecache_get(r->dest->live, &d->id);
		int same = 0;
		if (live) {
			const char *la = json_string_value(doc_getv(live, "metadata", "annotations",
					"kubectl.kubernetes.io/last-applied-configuration", NULL));
			json_t *orig = NULL;
			if (la && doc_parse_json(&orig, la, strlen(la), NULL, "last-applied", NULL) == 0)
				same = doc_equal(orig, d->obj);
			json_decref(orig);
		}
		json_decref(live);
		if (same) {
			d->status = "Synced";
			snprintf(d->message, sizeof(d->message), "unchanged (ApplyOutOfSyncOnly)");
			return 0;
		}
	}
	json_t *res = NULL;
	char msg[64] = "";
	json_t *cached = d->hook ? NULL : livecache_get(r->dest->live, &d->id);
	struct apply_options ao = { .dry_run = r->dry_run, .probably_missing = !d->hook && !cached,
				    .replace = r->replace || resource_option(d->obj, "Replace=true"),
				    .message = msg, .message_size = sizeof(msg) };
	json_decref(cached);
	int rc = apply_object(r->dest->kc, &res, d->obj, &ao, &err);
	if (rc == BERR_NOTFOUND) {
		/* a kind whose CRD this sync just created: learn it and retry */
		kube_client_discover(r->dest->kc, NULL);
		rc = apply_object(r->dest->kc, &res, d->obj, &ao, &err);
	}
	if (rc < 0) {
		d->status = "SyncFailed";
		if (d->hook)
			d->hook_phase = "Failed";
		snprintf(d->message, sizeof(d->message), "%s", err.msg);
		return rc;
	}
	d->status = "Synced";
	if (d->hook)
		d->hook_phase = "Running";
	snprintf(d->message, sizeof(d->message), "%s/%s %s%s", d->id.kind, d->id.name, msg,
		 r->dry_run ? " (dry run)" : "");
	snprintf(d->applied_rv, sizeof(d->applied_rv), "%s",
		 doc_get_str(res, "metadata.resourceVersion") ?: "");
	json_decref(res);
	/* make sure the cache watches this kind (a CRD's new kind, a hook's) */
	struct kube_resource kr;
	livecache_ensure(r->dest->live, &kr, doc_get_str(d->obj, "apiVersion"), d->id.kind, NULL);
	return 0;
}

static int rv_reached(const json_t *live, const char *want)
{
	const char *have = doc_get_str(live, "metadata.resourceVersion");
	if (!want[0])
		return 1;
	if (!have)
		return 0;
	char *e1, *e2;
	long a = strtol(have, &e1, 10), b = strtol(want, &e2, 10);
	if (*e1 || *e2)
		return strcmp(have, want) == 0;
	return a >= b;
}

/*
 * Waits for tasks [from, to): each applied object seen by the cache at its
 * applied version and, when `health` is set, healthy (hooks: completed).
 * Returns 0, or -1 with r->message set (failure, timeout, termination).
 */
static int wait_group(struct run *r, size_t from, size_t to, int health)
{
	int hooks = 0;
	for (size_t i = from; i < to; i++)
		hooks |= ((struct task_data *)r->tasks[i].data)->hook;
	long long deadline = clock_ms() + (health || hooks ? r->c->cfg.sync_wait_timeout_s * 1000
						 : CACHE_CATCH_UP_S * 1000);
	long poll_us = 2000;    /* the watch usually delivers within milliseconds */
	for (;;) {
		note_running(r);
		unsigned long seen = livecache_changes(r->dest->live);
		int pending = 0;
		const char *waiting_for = NULL;
		for (size_t i = from; i < to; i++) {
			struct sync_task *t = &r->tasks[i];
			struct task_data *d = t->data;
			if (t->prune || r->dry_run || !d->status || strcmp(d->status, "Synced")
			    || !d->applied_rv[0])
				continue;
			json_t *live = livecache_get(r->dest->live, &d->id);
			if (!live || !rv_reached(live, d->applied_rv)) {
				/* a hook deleted right away by its own controller counts as done */
				pending = 1;
				waiting_for = d->id.name;
				json_decref(live);
				continue;
			}
			if (health || d->hook) {
				struct health h = HEALTH_INIT;
				health_assess(&h, live, NULL);
				if (h.status == HEALTH_DEGRADED) {
					if (d->hook)
						d->hook_phase = "Failed";
					d->status = "SyncFailed";
					snprintf(d->message, sizeof(d->message), "%s",
						 h.message.len ? h.message.data : "degraded");
					snprintf(r->message, sizeof(r->message),
						 "%s '%s' is degraded: %s", d->id.kind, d->id.name,
						 h.message.len ? h.message.data : "no message");
					health_release(&h);
					json_decref(live);
					return -1;
				}
				if (h.status == HEALTH_PROGRESSING || h.status == HEALTH_MISSING
				    || h.status == HEALTH_UNKNOWN) {
					pending = 1;
					waiting_for = d->id.name;
				} else if (d->hook) {
					d->hook_phase = "Succeeded";
				}
				health_release(&h);
			}
			json_decref(live);
		}
		if (!pending)
			return 0;
		if (should_stop(r)) {
			snprintf(r->message, sizeof(r->message), "operation terminated");
			return -1;
		}
		if (clock_ms() > deadline) {
			if (!health && !hooks)
				return 0;       /* the cache lags; the next refresh will tell */
			snprintf(r->message, sizeof(r->message),
				 "timed out after %ld s waiting for '%s' to be healthy",
				 r->c->cfg.sync_wait_timeout_s, waiting_for ? waiting_for : "?");
			return -1;
		}
		/* woken by the cache's next event; the timeout (growing to 100 ms)
		 * covers a change no event announces */
		livecache_wait(r->dest->live, seen, poll_us / 1000);
		if (poll_us < 100 * 1000)
			poll_us *= 2;
	}
}

/* Deletes hooks of [from, to) whose policy says so for this outcome. */
static void hook_cleanup(struct run *r, size_t from, size_t to)
{
	for (size_t i = from; i < to; i++) {
		struct task_data *d = r->tasks[i].data;
		if (!d->hook || !d->hook_phase)
			continue;
		int ok = !strcmp(d->hook_phase, "Succeeded");
		int failed = !strcmp(d->hook_phase, "Failed");
		if ((ok && (d->delete_policy & HOOK_DELETE_SUCCEEDED))
		    || (failed && (d->delete_policy & HOOK_DELETE_FAILED)))
			delete_obj(r, &d->id, d->obj, "Background");
	}
}

static int same_group(const struct sync_task *a, const struct sync_task *b)
{
	return a->phase == b->phase && a->prune == b->prune && a->wave == b->wave;
}

/* Runs phases [PreSync..PostSync] (or only SyncFail). 0, or -1 with r->message. */
static int execute(struct run *r, int syncfail)
{
	size_t i = 0;
	while (i < r->ntasks) {
		struct sync_task *t = &r->tasks[i];
		size_t j = i + 1;
		while (j < r->ntasks && same_group(&r->tasks[j], t))
			j++;
		if ((t->phase == PHASE_SYNCFAIL) != syncfail) {
			i = j;
			continue;
		}
		for (size_t k = i; k < j; k++) {
			if (run_task(r, &r->tasks[k]) < 0) {
				struct task_data *d = r->tasks[k].data;
				snprintf(r->message, sizeof(r->message), "%s '%s': %s", d->id.kind,
					 d->id.name, d->message);
				hook_cleanup(r, i, j);
				return -1;
			}
		}
		/* more to run after this group: wait for health; else only for the cache */
		int more = 0;
		for (size_t k = j; k < r->ntasks; k++)
			if ((r->tasks[k].phase == PHASE_SYNCFAIL) == syncfail)
				more = 1;
		int rc = wait_group(r, i, j, more);
		hook_cleanup(r, i, j);
		if (rc < 0)
			return -1;
		if (more)
			write_state(r, "Running", "running the next wave", 0, NULL);
		i = j;
	}
	return 0;
}

static json_t *new_history(struct run *r, long *id_out)
{
	json_t *old = doc_get(r->app, "status.history"), *h, *out = json_array();
	long max_id = -1;
	size_t i;
	json_array_foreach(old, i, h) {
		max_id = doc_get_int(h, "id", -1) > max_id ? doc_get_int(h, "id", -1) : max_id;
		if (r->generation > 0 && doc_get_int(h, "operationGeneration", -1) == r->generation) {
			*id_out = -1;   /* this run was recorded before a restart */
			json_decref(out);
			return json_incref(old);
		}
	}
	char now[32];
	ctrl_now(now);
	*id_out = max_id + 1;
	json_t *entry = json_pack("{s:I, s:s, s:s, s:s, s:I}", "id", (json_int_t)*id_out,
				  "revision", r->revision, "deployedAt", now,
				  "deployStartedAt", r->started_at, "operationGeneration", r->generation);
	if (r->source)
		json_object_set(entry, "source", r->source);
	json_t *by = doc_get(r->op, "initiatedBy");
	json_object_set_new(entry, "initiatedBy", by ? doc_copy(by)
						     : json_pack("{s:s}", "username", "unknown"));
	if (doc_get(r->op, "rollback.id"))
		json_object_set(entry, "rollbackOf", doc_get(r->op, "rollback.id"));
	json_array_foreach(old, i, h)
		json_array_append(out, h);
	json_array_append_new(out, entry);
	return out;
}

static void record(struct run *r, json_t **history_out)
{
	long id;
	struct berr err = BERR_INIT;
	json_t *history = new_history(r, &id);
	*history_out = NULL;
	if (id < 0) {
		json_decref(history);
		return;
	}
	json_t *rel = json_pack("{s:s, s:I, s:s, s:O}", "app", r->name, "id", (json_int_t)id,
				"revision", r->revision, "manifests", r->manifests);
	if (r->source)
		json_object_set(rel, "source", r->source);
	if (release_store(r->c->kc, r->c->cfg.namespace, rel, &err) < 0)
		log_warn("release not stored", "app", r->name, "error", err.msg, NULL);
	json_decref(rel);
	long limit = (long)doc_get_int(r->app, "spec.revisionHistoryLimit", DEFAULT_HISTORY_LIMIT);
	if (limit < 1)
		limit = 1;
	while ((long)json_array_size(history) > limit) {
		long old_id = (long)doc_get_int(json_array_get(history, 0), "id", -1);
		if (old_id >= 0)
			release_delete(r->c->kc, r->c->cfg.namespace, r->name, old_id, NULL);
		json_array_remove(history, 0);
	}
	*history_out = history;
}

static int is_commit_sha(const char *s)
{
	if (!s || strlen(s) != 40)
		return 0;
	for (; *s; s++)
		if (!strchr("0123456789abcdef", *s))
			return 0;
	return 1;
}

static int load_manifests(struct run *r, struct berr *err)
{
	json_t *rb = json_object_get(r->op, "rollback");
	if (rb) {
		if (json_is_object(doc_get(r->app, "spec.syncPolicy.automated")))
			return berr_set(err, BERR_INVALID,
					"rollback cannot be initiated when auto-sync is enabled");
		json_t *id = json_object_get(rb, "id");
		if (!json_is_integer(id))
			return berr_set(err, BERR_INVALID, "field 'operation.rollback.id' must be an integer");
		json_t *rel = NULL;
		int rc = release_load(r->c->kc, &rel, r->c->cfg.namespace, r->name,
				      (long)json_integer_value(id), err);
		if (rc < 0)
			return rc;
		r->manifests = json_incref(json_object_get(rel, "manifests"));
		snprintf(r->revision, sizeof(r->revision), "%s", doc_get_str(rel, "revision") ?: "");
		r->source = json_incref(json_object_get(rel, "source"));
		json_decref(rel);
		if (!json_is_array(r->manifests))
			return berr_set(err, BERR_INVALID, "release %lld holds no manifests",
					(long long)json_integer_value(id));
		return 0;
	}
	r->source = json_incref(doc_get(r->app, "spec.source"));
	const char *rev = doc_get_str(r->op, "sync.revision");
	if (is_commit_sha(rev) && (r->manifests = compare_manifests_at(r->c, r->app, rev))) {
		snprintf(r->revision, sizeof(r->revision), "%s", rev);
		return 0;
	}
	if (!is_commit_sha(rev))
		repo_invalidate(r->c, r->app);  /* a branch: see what it points at now */
	return repo_manifests(r->c, r->app, r->source, doc_get_str(r->op, "sync.revision"), 0,
			      &r->manifests, r->revision, err);
}

static void reset_tasks(struct run *r)
{
	for (size_t i = 0; i < r->ntasks; i++) {
		struct task_data *d = r->tasks[i].data;
		json_decref(d->obj);
		free(d);
	}
	free(r->tasks);
	r->tasks = NULL;
	r->ntasks = 0;
}

/* "5s", "2m", "1h", "250ms" or a number of seconds; dflt when unreadable. */
static long duration_ms(const char *s, long dflt)
{
	char *end;
	if (!s)
		return dflt;
	double v = strtod(s, &end);
	if (end == s || v < 0)
		return dflt;
	if (!strcmp(end, "ms"))
		return (long)v;
	if (!*end || !strcmp(end, "s"))
		return (long)(v * 1000);
	if (!strcmp(end, "m"))
		return (long)(v * 60000);
	if (!strcmp(end, "h"))
		return (long)(v * 3600000);
	return dflt;
}

/* Argo CD's backoff: duration * factor^attempt, at most maxDuration. */
static long backoff_ms(const json_t *retry, long attempt)
{
	long base = duration_ms(doc_get_str(retry, "backoff.duration"), 5000);
	long max = duration_ms(doc_get_str(retry, "backoff.maxDuration"), 180000);
	double factor = (double)doc_get_int(retry, "backoff.factor", 2);
	double d = (double)base;
	for (long i = 0; i < attempt && d < (double)max; i++)
		d *= factor > 0 ? factor : 1;
	return d > (double)max ? max : (long)d;
}

static void free_run(struct run *r)
{
	reset_tasks(r);
	json_decref(r->manifests);
	json_decref(r->source);
	json_decref(r->op);
	json_decref(r->app);
}

static void finish(struct run *r, const char *phase, const char *message, json_t *history)
{
	struct berr err = BERR_INIT;
	if (!strcmp(phase, "Succeeded") && !r->dry_run && r->revision[0])
		/* what is live now is this revision: a later OutOfSync at another
		 * revision (after a rollback) is not drift */
		appmem_set(r->c, r->name, "syncedRevision", json_string(r->revision));
	/* the outcome goes out with the compare that follows every operation:
	 * one status write carries both */
	json_t *status = state_status(r, phase, message, 1, history);
	int folded = reconcile_app_with(r->c, r->name, status);
	if (!folded)
		write_state(r, phase, message, 1, history);
	json_decref(status);
	json_t *mem = appmem_get(r->c, r->name);
	int synced = folded && doc_get_str(mem, "syncedInputs");
	json_decref(mem);
	json_t *patch = json_pack("{s:n}", "operation");
	if (app_patch(r->c, r->name, patch, NULL, &err) < 0)
		log_warn("operation not cleared", "app", r->name, "error", err.msg, NULL);
	json_decref(patch);
	if (!strcmp(phase, "Succeeded"))
		r->c->m.syncs_succeeded++;
	else if (!strcmp(phase, "Failed"))
		r->c->m.syncs_failed++;
	else
		r->c->m.syncs_error++;
	log_info("operation finished", "app", r->name, "phase", phase, "message", message,
		 "revision", r->revision, NULL);
	/* compare with git as it is now, as Argo CD does after an operation:
	 * done above with the outcome; once more, now that `operation` is
	 * gone, when that compare left something for auto-sync to judge */
	appmem_set(r->c, r->name, "syncStartedMs", NULL);
	/* (a refresh held during the sync finds that compare's inputs unchanged) */
	appmem_set(r->c, r->name, "periodic", json_true());
	if (!synced)
		queue_add(r->c->refresh_q, r->name);
}

void sync_run(struct controller *c, const char *name)
{
	struct run r = { .c = c, .name = name, .started_ms = clock_ms() };
	struct berr err = BERR_INIT;
	r.app = appstate_get(c, name);
	if (!r.app || !json_is_object(json_object_get(r.app, "operation"))) {
		json_decref(r.app);
		return;
	}
	r.op = doc_copy(json_object_get(r.app, "operation"));
	json_t *state = doc_get(r.app, "status.operationState");
	const char *phase = doc_get_str(state, "phase");
	/* the same request, not an identical new one: writing `operation`
	 * bumps the app's generation, which the state records */
	r.generation = doc_get_int(r.app, "metadata.generation", 0);
	int same_op = doc_equal(json_object_get(state, "operation"), r.op)
		      && doc_get_int(state, "operationGeneration", -1) == r.generation;
	if (same_op && phase && strcmp(phase, "Running") && doc_get_str(state, "finishedAt")) {
		/* done before a restart; only the clearing was lost */
		json_t *patch = json_pack("{s:n}", "operation");
		app_patch(c, name, patch, NULL, NULL);
		json_decref(patch);
		free_run(&r);
		return;
	}
	if (same_op && phase && !strcmp(phase, "Running") && doc_get_str(state, "startedAt")) {
		snprintf(r.started_at, sizeof(r.started_at), "%s", doc_get_str(state, "startedAt"));
		log_info("resuming operation", "app", name, NULL);
	} else {
		ctrl_now(r.started_at);
	}
	json_t *opts = doc_get(r.op, "sync.syncOptions");
	if (!opts)
		opts = doc_get(r.app, "spec.syncPolicy.syncOptions");
	r.dry_run = doc_get_bool(r.op, "sync.dryRun", 0) || doc_get_bool(r.op, "rollback.dryRun", 0);
	r.prune = doc_get_bool(r.op, "sync.prune", 0) || doc_get_bool(r.op, "rollback.prune", 0);
	r.replace = has_option(opts, "Replace=true");
	r.create_ns = has_option(opts, "CreateNamespace=true");
	r.apply_out_of_sync_only = has_option(opts, "ApplyOutOfSyncOnly=true");
	r.fail_on_shared = has_option(opts, "FailOnSharedResource=true");
	r.prune_propagation = option_value(opts, "PrunePropagationPolicy");
	if (r.prune_propagation && !strcasecmp(r.prune_propagation, "foreground"))
		r.prune_propagation = "Foreground";
	else if (r.prune_propagation && !strcasecmp(r.prune_propagation, "orphan"))
		r.prune_propagation = "Orphan";
	else
		r.prune_propagation = "Background";
	if (same_op && phase && !strcmp(phase, "Running"))
		r.running_written = 1;
	/* refreshes the run's own writes cause wait for its outcome (reconcile.c) */
	appmem_set(c, name, "syncStartedMs", json_integer(r.started_ms));
	log_info("operation started", "app", name, NULL);

	if (dest_for_app(c, r.app, &r.dest, &err) < 0 || load_manifests(&r, &err) < 0) {
		finish(&r, "Error", err.msg, NULL);
		free_run(&r);
		return;
	}
	json_t *retry = json_object_get(r.op, "retry");
	if (!retry)
		retry = doc_get(r.app, "spec.syncPolicy.retry");
	long limit = (long)doc_get_int(retry, "limit", 0);
	for (;;) {
		if (plan(&r, &err) < 0) {
			finish(&r, "Error", err.msg, NULL);
			free_run(&r);
			return;
		}
		if (execute(&r, 0) == 0)
			break;
		char msg[1100];
		snprintf(msg, sizeof(msg), "%s", r.message);
		if (!r.terminated && !r.dry_run && !c->stopping)
			execute(&r, 1);
		if (c->stopping) {      /* resumed at the next start */
			free_run(&r);
			return;
		}
		if (r.terminated || (limit >= 0 && r.retry_count >= limit)) {
			finish(&r, "Failed", r.terminated ? "operation terminated" : msg, NULL);
			free_run(&r);
			return;
		}
		long delay = backoff_ms(retry, r.retry_count);
		r.retry_count++;
		char state[1300];
		snprintf(state, sizeof(state), "retrying attempt #%ld in %ld ms: %s", r.retry_count,
			 delay, msg);
		write_state(&r, "Running", state, 0, NULL);
		long long until = clock_ms() + delay;
		while (clock_ms() < until && !should_stop(&r))
			usleep(100 * 1000);
		if (r.terminated || c->stopping) {
			if (!c->stopping)
				finish(&r, "Failed", "operation terminated", NULL);
			free_run(&r);
			return;
		}
		reset_tasks(&r);
	}
	json_t *history = NULL;
	int full = !json_array_size(doc_get(r.op, "sync.resources"));
	if (!r.dry_run && full)
		record(&r, &history);
	char msg[128];
	snprintf(msg, sizeof(msg), "successfully synced (%s%s)",
		 json_object_get(r.op, "rollback") ? "rollback, " : "",
		 r.dry_run ? "dry run" : "all tasks run");
	finish(&r, "Succeeded", msg, history);
	json_decref(history);
	free_run(&r);
}
