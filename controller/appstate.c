/*
 * appstate — the Applications as the controller sees them.
 *
 * One thread lists the Applications of the controller's namespace and then
 * watches them, resuming from the last resourceVersion after a dropped
 * connection and listing again when the server says it is too old. Every
 * app is kept in `apps` (name → record, see store_locked()). An event
 * that changes what the app asks for (spec, annotations, deletion) queues
 * a refresh; a change of status alone, which is mostly the controller's own
 * write, does not, or every status write would cause another pass. An app
 * with an `operation` goes to the operation queue (the sync queues a
 * refresh when it finishes).
 *
 * A second thread queues each app again once its resync time has passed
 * (app_resync plus up to 10% jitter, so 10,000 apps do not all refresh in
 * the same second). `mem` holds what the reconciler remembers per app
 * between passes (manifests fetched, the revision it was last synced at,
 * whether a drift alert is up); it is thrown away with the app.
 */
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "ctrl.h"
#include "doc.h"
#include "log.h"
#include "patch.h"
#include "queue.h"

/* FNV-1a of the name: stable across restarts and machines. */
static unsigned long name_hash(const char *s)
{
	unsigned long h = 2166136261u;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

int appstate_owns(const struct controller *c, const char *name)
{
	return c->cfg.shards <= 1 || name_hash(name) % c->cfg.shards == c->cfg.shard;
}

static long rv_number(const json_t *app)
{
	const char *rv = doc_get_str(app, "metadata.resourceVersion");
	char *end;
	if (!rv || !*rv)
		return -1;
	long v = strtol(rv, &end, 10);
	return *end ? -1 : v;
}

static long next_resync(const struct controller *c)
{
	long base = c->cfg.app_resync_s;
	long jitter = base / 10 > 0 ? random() % (base / 10 + 1) : 0;
	return (long)clock_s() + base + jitter;
}

/*
 * An app is stored as a record [text, asks, rv, project, sync, health]:
 * the object as compact JSON text (its managedFields, which the controller
 * never reads, dropped), the digest of what it asks a refresh for (spec,
 * annotations, deletion; an `operation` goes to the operation queue, and
 * the sync queues a refresh when it is done), its resourceVersion, and the labels /metrics
 * shows. A parsed Application takes about 18 KB of jansson nodes for 2 KB
 * of text; at 10,000 apps the text is what fits in the controller's
 * budget, and appstate_get() parses it again in about 20 microseconds.
 */
enum { REC_TEXT, REC_ASKS, REC_RV, REC_PROJECT, REC_SYNC, REC_HEALTH };

void appstate_asks_digest(char out[DOC_DIGEST_HEX_LEN + 1], const json_t *app)
{
	json_t *asks = json_pack("{s:O?, s:O?, s:O?}", "spec", json_object_get(app, "spec"),
				 "annotations", doc_get(app, "metadata.annotations"),
				 "deletion", doc_get(app, "metadata.deletionTimestamp"));
	doc_digest(out, asks);
	json_decref(asks);
}

static json_t *opt_string(const char *s)
{
	return s ? json_string(s) : json_null();
}

/* Stores app (its managedFields are dropped: the caller's object changes);
 * returns what the app asks for changed (0/1). Lock held. */
static int store_locked(struct controller *c, json_t *app, int *newer)
{
	const char *name = doc_get_str(app, "metadata.name");
	json_t *old = json_object_get(c->apps, name);
	long rv = rv_number(app);
	char digest[DOC_DIGEST_HEX_LEN + 1];
	*newer = 1;
	if (old) {
		long a = (long)json_integer_value(json_array_get(old, REC_RV));
		if (a >= 0 && rv >= 0 && rv < a) {
			*newer = 0;
			return 0;
		}
		/* the watch event of the controller's own write, whose answer
		 * app_patch() stored already: the same object, nothing to redo */
		if (a >= 0 && rv == a)
			return 0;
	}
	appstate_asks_digest(digest, app);
	int changed = !old || strcmp(json_string_value(json_array_get(old, REC_ASKS)), digest);
	json_object_del(json_object_get(app, "metadata"), "managedFields");
	char *text = json_dumps(app, JSON_COMPACT);
	json_t *rec = json_pack("[o, s, I, o, o, o]", json_stringn_nocheck(text, strlen(text)),
				digest, (json_int_t)rv,
				opt_string(doc_get_str(app, "spec.project")),
				opt_string(doc_get_str(app, "status.sync.status")),
				opt_string(doc_get_str(app, "status.health.status")));
	free(text);
	json_object_set_new(c->apps, name, rec);
	if (!json_object_get(c->mem, name)) {
		json_t *m = json_object();
		json_object_set_new(m, "nextResync", json_integer(next_resync(c)));
		json_object_set_new(c->mem, name, m);
	}
	return changed;
}

static void on_app(struct controller *c, const char *type, json_t *app)
{
	const char *name = doc_get_str(app, "metadata.name");
	int newer, changed;
	if (!name || !appstate_owns(c, name))
		return;
	pthread_mutex_lock(&c->mu);
	if (!strcmp(type, "DELETED")) {
		json_object_del(c->apps, name);
		json_object_del(c->mem, name);
		pthread_mutex_unlock(&c->mu);
		return;
	}
	changed = store_locked(c, app, &newer);
	pthread_mutex_unlock(&c->mu);
	if (changed)
		queue_add(c->refresh_q, name);
	if (newer && json_object_get(app, "operation"))
		queue_add(c->op_q, name);
}

static int list_apps(struct controller *c, char **rv, struct berr *err)
{
	struct kube_ref ref = { "bosun.io/v1alpha1", "Application", c->cfg.namespace, NULL, NULL };
	json_t *list = NULL;
	int rc = kube_client_list(c->kc, &list, &ref, NULL, err);
	if (rc < 0)
		return rc;
	json_t *items = json_object_get(list, "items"), *item;
	size_t i;
	/* apps gone while we were not watching */
	json_t *seen = json_object();
	json_array_foreach(items, i, item) {
		const char *name = doc_get_str(item, "metadata.name");
		if (name)
			json_object_set_new(seen, name, json_true());
		on_app(c, "ADDED", item);
	}
	pthread_mutex_lock(&c->mu);
	const char *name;
	json_t *v, *tmp;
	json_object_foreach_safe(c->apps, tmp, name, v) {
		if (!json_object_get(seen, name)) {
			json_object_del(c->mem, name);
			json_object_del(c->apps, name);
		}
	}
	pthread_mutex_unlock(&c->mu);
	json_decref(seen);
	free(*rv);
	*rv = xstrdup(doc_get_str(list, "metadata.resourceVersion")
			      ? doc_get_str(list, "metadata.resourceVersion") : "");
	json_decref(list);
	return 0;
}

/* Sleeps up to ms, waking early on stop. */
static void nap(struct controller *c, long ms)
{
	for (long t = 0; t < ms && !c->stopping; t += 50)
		usleep(50 * 1000);
}

struct watch_ctx {
	struct controller *c;
	char *rv;               /* where to resume */
};

static int watch_cb(const char *type, json_t *object, void *arg)
{
	struct watch_ctx *w = arg;
	const char *rv = doc_get_str(object, "metadata.resourceVersion");
	if (rv && *rv) {
		free(w->rv);
		w->rv = xstrdup(rv);
	}
	if (strcmp(type, "BOOKMARK"))
		on_app(w->c, type, object);
	return w->c->stopping;
}

static void *app_watcher(void *arg)
{
	struct controller *c = arg;
	struct watch_ctx w = { c, c->apps_rv };
	int need_list = 0;
	struct berr err = BERR_INIT;
	c->apps_rv = NULL;
	while (!c->stopping) {
		if (need_list) {
			if (list_apps(c, &w.rv, &err) < 0) {
				log_warn("listing applications failed", "error", err.msg, NULL);
				nap(c, 1000);
				continue;
			}
			need_list = 0;
		}
		struct kube_ref ref = { "bosun.io/v1alpha1", "Application", c->cfg.namespace, NULL,
					NULL };
		struct kube_watch_options wo = { .resource_version = w.rv, .timeout_seconds = 300,
						 .allow_bookmarks = 1, .cancel = &c->cancel };
		int rc = kube_client_watch(c->kc, &ref, &wo, watch_cb, &w, &err);
		if (c->stopping)
			break;
		if (rc == KUBE_WATCH_GONE) {
			need_list = 1;
		} else if (rc < 0) {
			log_warn("application watch failed", "error", err.msg, NULL);
			nap(c, 1000);
		}
		/* rc == 0: the server ended the watch; resume from w.rv */
	}
	free(w.rv);
	return NULL;
}

#define TRIM_EVERY_S 10

static void *resyncer(void *arg)
{
	struct controller *c = arg;
	long trimmed = (long)clock_s();
	while (!c->stopping) {
		nap(c, 1000);
		/* JSON trees come and go by the thousand (lists, watch events,
		 * answers); give the freed pages back rather than keep the peak */
		if ((long)clock_s() - trimmed >= TRIM_EVERY_S) {
			malloc_trim(0);
			trimmed = (long)clock_s();
		}
		long now = (long)clock_s();
		json_t *due = json_array();
		pthread_mutex_lock(&c->mu);
		const char *name;
		json_t *m;
		json_object_foreach(c->mem, name, m) {
			if (!json_is_object(m) || !json_object_get(c->apps, name))
				continue;
			if (json_integer_value(json_object_get(m, "nextResync")) <= now) {
				json_object_set_new(m, "nextResync", json_integer(next_resync(c)));
				json_object_set_new(m, "periodic", json_true());
				json_array_append_new(due, json_string(name));
			}
		}
		pthread_mutex_unlock(&c->mu);
		size_t i;
		json_t *v;
		json_array_foreach(due, i, v)
			queue_add(c->refresh_q, json_string_value(v));
		json_decref(due);
	}
	return NULL;
}

size_t appstate_refresh_all(struct controller *c)
{
	json_t *due = json_array();
	pthread_mutex_lock(&c->mu);
	const char *name;
	json_t *m;
	json_object_foreach(c->mem, name, m) {
		if (!json_is_object(m) || !json_object_get(c->apps, name))
			continue;
		json_object_set_new(m, "nextResync", json_integer(next_resync(c)));
		json_object_set_new(m, "periodic", json_true());
		json_array_append_new(due, json_string(name));
	}
	pthread_mutex_unlock(&c->mu);
	size_t i, n = json_array_size(due);
	json_t *v;
	json_array_foreach(due, i, v)
		queue_add(c->refresh_q, json_string_value(v));
	json_decref(due);
	return n;
}

int appstate_start(struct controller *c, struct berr *err)
{
	char *rv = NULL;
	int rc = list_apps(c, &rv, err);
	if (rc < 0)
		return berr_prefix(err, "listing applications");
	c->apps_rv = rv;
	malloc_trim(0);         /* the list's text and tree are gone */
	pthread_create(&c->app_watcher, NULL, app_watcher, c);
	pthread_create(&c->resyncer, NULL, resyncer, c);
	return 0;
}

void appstate_stop(struct controller *c)
{
	pthread_join(c->app_watcher, NULL);
	pthread_join(c->resyncer, NULL);
}

json_t *appstate_get(struct controller *c, const char *name)
{
	/* records are replaced, never changed in place: parse outside the lock */
	pthread_mutex_lock(&c->mu);
	json_t *text = json_incref(json_array_get(json_object_get(c->apps, name), REC_TEXT));
	pthread_mutex_unlock(&c->mu);
	json_t *app = text ? json_loadb(json_string_value(text), json_string_length(text), 0, NULL)
			   : NULL;
	json_decref(text);
	return app;
}

void appstate_labels(const json_t *rec, const char **project, const char **sync,
		     const char **health)
{
	*project = json_string_value(json_array_get(rec, REC_PROJECT));
	*sync = json_string_value(json_array_get(rec, REC_SYNC));
	*health = json_string_value(json_array_get(rec, REC_HEALTH));
}

void appstate_put(struct controller *c, json_t *app)
{
	int newer;
	pthread_mutex_lock(&c->mu);
	if (json_object_get(c->apps, doc_get_str(app, "metadata.name")))
		store_locked(c, app, &newer);
	pthread_mutex_unlock(&c->mu);
}

json_t *appmem_get(struct controller *c, const char *name)
{
	pthread_mutex_lock(&c->mu);
	/* a shallow copy: values are replaced by appmem_set, never changed in place */
	json_t *m = json_copy(json_object_get(c->mem, name));
	pthread_mutex_unlock(&c->mu);
	return m ? m : json_object();
}

void appmem_set(struct controller *c, const char *name, const char *key, json_t *value)
{
	pthread_mutex_lock(&c->mu);
	json_t *m = json_object_get(c->mem, name);
	if (m) {
		if (value)
			json_object_set_new(m, key, value);
		else
			json_object_del(m, key);
		value = NULL;
	}
	pthread_mutex_unlock(&c->mu);
	json_decref(value);
}

json_t *status_patch(struct controller *c, const char *name, const json_t *fields)
{
	json_t *app = appstate_get(c, name), *out = json_object(), *v;
	json_t *old = json_object_get(app, "status");
	const char *k;
	json_object_foreach((json_t *)fields, k, v) {
		json_t *was = json_object_get(old, k), *p = NULL;
		if (json_is_object(was) && json_is_object(v)
		    && merge_patch_create(&p, was, v, NULL) == 0)
			json_object_set_new(out, k, p);
		else
			json_object_set(out, k, v);
	}
	json_decref(app);
	return json_pack("{s:o}", "status", out);
}

int app_patch(struct controller *c, const char *name, const json_t *patch,
	      const char *subresource, struct berr *err)
{
	struct kube_ref ref = { "bosun.io/v1alpha1", "Application", c->cfg.namespace, name,
				subresource };
	struct kube_write_options wo = { .field_manager = CTRL_FIELD_MANAGER };
	char *text = json_dumps(patch, JSON_COMPACT);
	json_t *res = NULL;
	int rc = kube_client_patch(c->kc, &res, &ref, KUBE_PATCH_MERGE, text, strlen(text), &wo,
				   err);
	free(text);
	if (rc == 0)
		appstate_put(c, res);
	else
		berr_prefix(err, "updating application '%s'", name);
	json_decref(res);
	return rc;
}
