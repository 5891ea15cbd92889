/*
 * livecache — the live state of a destination cluster, kept by watches.
 *
 * The reconciler never lists the cluster: it asks this cache, which holds
 * every object of every kind some app uses. A kind enters the cache the
 * first time an app needs it (livecache_ensure): one thread per kind lists
 * it across all namespaces, then watches from the list's resourceVersion,
 * resuming after a dropped connection and listing again when the server
 * answers 410 Gone. Objects are indexed three ways, all under one mutex:
 * by key "group/Kind/namespace/name", by tracking app (label bosun.io/app or
 * the tracking annotation), and by owner uid (the ownerReference tree
 * Deployment → ReplicaSet → Pod). An event on an object tells the app that
 * tracks it, or the app tracking its nearest tracked owner, that its live
 * state moved, so a drift shows within one reconcile, not one resync.
 *
 * The indexes are jansson objects (string-keyed hash tables); objects are
 * kept as records of compact text (record_of()), and a reader gets its own
 * parsed copy, made outside the lock.
 *
 * Every change is also counted: per app for objects it tracks, and once
 * for all objects no app tracks (one of them may be what an app's git
 * wants but has not created yet). A reconcile that finds both counts and
 * the app as they were at its last full compare knows the answer has not
 * changed (livecache_generation).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "ctrl.h"
#include "doc.h"
#include "log.h"

#define ENSURE_TIMEOUT_S 30
#define OWNER_DEPTH 6

struct kind_watch {
	struct livecache *lc;
	struct kube_resource res;
	char prefix[400];               /* "group/Kind/" */
	pthread_t thread;
	int synced, failed;
	char error[BERR_MSG_MAX];
};

struct livecache {
	struct kube_client *kc;
	const int *cancel;
	livecache_notify_fn notify;
	void *notify_arg;
	pthread_mutex_t mu;
	pthread_cond_t cond;
	json_t *objects;                /* key → record (record_of()) */
	json_t *by_app;                 /* app → {key: true} */
	json_t *by_uid;                 /* uid → key */
	json_t *children;               /* owner uid → {key: true} */
	json_t *app_gen;                /* app → changes seen to what it tracks */
	unsigned long untracked_gen;    /* changes to objects no app tracks */
	unsigned long changes;          /* every event and list taken in (livecache_wait) */
	struct kind_watch **kinds;
	size_t nkinds;
};

int livecache_new(struct livecache **out, struct kube_client *kc, const int *cancel,
		  livecache_notify_fn fn, void *arg)
{
	struct livecache *lc = xcalloc(1, sizeof(*lc));
	lc->kc = kc;
	lc->cancel = cancel;
	lc->notify = fn;
	lc->notify_arg = arg;
	pthread_mutex_init(&lc->mu, NULL);
	pthread_cond_init(&lc->cond, NULL);
	lc->objects = json_object();
	lc->by_app = json_object();
	lc->by_uid = json_object();
	lc->children = json_object();
	lc->app_gen = json_object();
	*out = lc;
	return 0;
}

void livecache_free(struct livecache *lc)
{
	if (!lc)
		return;
	/* the caller set *cancel: every watch returns */
	for (size_t i = 0; i < lc->nkinds; i++) {
		pthread_join(lc->kinds[i]->thread, NULL);
		free(lc->kinds[i]);
	}
	free(lc->kinds);
	json_decref(lc->objects);
	json_decref(lc->by_app);
	json_decref(lc->by_uid);
	json_decref(lc->children);
	json_decref(lc->app_gen);
	pthread_mutex_destroy(&lc->mu);
	pthread_cond_destroy(&lc->cond);
	free(lc);
}

static void set_add(json_t *index, const char *k1, const char *k2)
{
	json_t *s = json_object_get(index, k1);
	if (!s) {
		s = json_object();
		json_object_set_new(index, k1, s);
	}
	json_object_set_new(s, k2, json_true());
}

static void set_del(json_t *index, const char *k1, const char *k2)
{
	json_t *s = json_object_get(index, k1);
	if (!s)
		return;
	json_object_del(s, k2);
	if (!json_object_size(s))
		json_object_del(index, k1);
}

/*
 * An object is kept as a record [text, app, uid, owners, size]: the object
 * as compact JSON text deflated (zlib level 1: an applied object carries
 * its whole configuration twice, once in the last-applied annotation, so
 * it shrinks well), the app its tracking label or annotation names (or
 * null), its uid, the uids of its owners and the text's size. A parsed
 * ConfigMap of 2 KB of data takes about twice its text in jansson nodes;
 * at 10,000 apps the packed text is what fits, and a reader inflates and
 * parses its own copy outside the lock (a few microseconds per kilobyte).
 */
enum { REC_TEXT, REC_APP, REC_UID, REC_OWNERS, REC_SIZE };

static json_t *record_of(const json_t *obj)
{
	char scratch[256];
	const char *app = tracking_app_of(obj, scratch, sizeof(scratch));
	const char *uid = doc_get_str(obj, "metadata.uid");
	json_t *owners = json_array(), *r;
	size_t i;
	json_array_foreach(doc_get(obj, "metadata.ownerReferences"), i, r)
		if (json_string_value(json_object_get(r, "uid")))
			json_array_append(owners, json_object_get(r, "uid"));
	char *text = json_dumps(obj, JSON_COMPACT);
	size_t len = strlen(text);
	uLongf zlen = compressBound(len);
	char *z = xmalloc(zlen);
	json_t *packed;
	if (compress2((Bytef *)z, &zlen, (const Bytef *)text, len, 1) == Z_OK)
		packed = json_stringn_nocheck(z, zlen);         /* bytes, never dumped */
	else
		packed = json_null();
	json_t *rec = json_pack("[o, o, o, o, I]", packed, app ? json_string(app) : json_null(),
				uid ? json_string(uid) : json_null(), owners, (json_int_t)len);
	free(z);
	free(text);
	return rec;
}

static json_t *record_object(const json_t *rec)
{
	json_t *packed = json_array_get(rec, REC_TEXT);
	uLongf len = (uLongf)json_integer_value(json_array_get(rec, REC_SIZE));
	if (!json_is_string(packed) || !len)
		return NULL;
	char *text = xmalloc(len);
	json_t *obj = NULL;
	if (uncompress((Bytef *)text, &len, (const Bytef *)json_string_value(packed),
		       json_string_length(packed)) == Z_OK)
		obj = json_loadb(text, len, 0, NULL);
	free(text);
	return obj;
}

/* The app tracking the object of rec or its nearest tracked owner. Lock held. */
static const char *app_of_locked(struct livecache *lc, const json_t *rec)
{
	for (int depth = 0; rec && depth < OWNER_DEPTH; depth++) {
		const char *app = json_string_value(json_array_get(rec, REC_APP));
		if (app)
			return app;
		const char *owner = json_string_value(json_array_get(json_array_get(rec, REC_OWNERS),
								     0));
		const char *key = owner ? json_string_value(json_object_get(lc->by_uid, owner))
					: NULL;
		rec = key ? json_object_get(lc->objects, key) : NULL;
	}
	return NULL;
}

static void unindex_locked(struct livecache *lc, const char *key, const json_t *rec)
{
	const char *app = json_string_value(json_array_get(rec, REC_APP));
	const char *uid = json_string_value(json_array_get(rec, REC_UID));
	json_t *o;
	size_t i;
	if (app)
		set_del(lc->by_app, app, key);
	if (uid)
		json_object_del(lc->by_uid, uid);
	json_array_foreach(json_array_get(rec, REC_OWNERS), i, o)
		set_del(lc->children, json_string_value(o), key);
}

static void index_locked(struct livecache *lc, const char *key, const json_t *rec)
{
	const char *app = json_string_value(json_array_get(rec, REC_APP));
	const char *uid = json_string_value(json_array_get(rec, REC_UID));
	json_t *o;
	size_t i;
	if (app)
		set_add(lc->by_app, app, key);
	if (uid)
		json_object_set_new(lc->by_uid, uid, json_string(key));
	json_array_foreach(json_array_get(rec, REC_OWNERS), i, o)
		set_add(lc->children, json_string_value(o), key);
}

/* Apps to tell about a change, appended to `notify` (lock held). */
static void note_app(struct livecache *lc, const json_t *rec, json_t *notify)
{
	const char *app = rec ? app_of_locked(lc, rec) : NULL;
	if (app) {
		json_object_set_new(notify, app, json_true());
		json_t *g = json_object_get(lc->app_gen, app);
		json_object_set_new(lc->app_gen, app, json_integer(json_integer_value(g) + 1));
	} else if (rec) {
		lc->untracked_gen++;
	}
}

/* Puts obj (deleted: removes it) under its key. Lock held. */
static void put_locked(struct livecache *lc, const struct kube_resource *res, json_t *obj,
		       int deleted, json_t *notify)
{
	struct res_id id;
	struct buf key = BUF_INIT;
	if (!json_object_get(obj, "apiVersion"))
		json_object_set_new(obj, "apiVersion", json_string(res->api_version));
	if (!json_object_get(obj, "kind"))
		json_object_set_new(obj, "kind", json_string(res->kind));
	if (res_id_from_object(&id, obj, NULL) < 0)
		return;
	res_key(&key, &id);
	json_t *old = json_object_get(lc->objects, key.data);
	if (old) {
		note_app(lc, old, notify);
		unindex_locked(lc, key.data, old);
	}
	if (deleted) {
		json_object_del(lc->objects, key.data);
	} else {
		json_t *rec = record_of(obj);
		json_object_set_new(lc->objects, key.data, rec);
		index_locked(lc, key.data, rec);
		note_app(lc, rec, notify);
	}
	buf_release(&key);
}

static void tell(struct livecache *lc, json_t *notify)
{
	const char *app;
	json_t *v;
	if (lc->notify)
		json_object_foreach(notify, app, v)
			lc->notify(app, lc->notify_arg);
}

static int relist(struct kind_watch *w, char **rv, struct berr *err)
{
	struct livecache *lc = w->lc;
	struct kube_ref ref = { w->res.api_version, w->res.kind, NULL, NULL, NULL };
	json_t *list = NULL, *item, *tmp, *notify = json_object();
	const char *key;
	size_t i;
	int rc = kube_client_list(lc->kc, &list, &ref, NULL, err);
	if (rc < 0) {
		json_decref(notify);
		return rc;
	}
	json_t *items = json_object_get(list, "items");
	json_t *fresh = json_object();
	pthread_mutex_lock(&lc->mu);
	json_array_foreach(items, i, item) {
		struct res_id id;
		struct buf k = BUF_INIT;
		put_locked(lc, &w->res, item, 0, notify);
		if (res_id_from_object(&id, item, NULL) == 0) {
			res_key(&k, &id);
			json_object_set_new(fresh, k.data, json_true());
		}
		buf_release(&k);
	}
	size_t plen = strlen(w->prefix);
	json_object_foreach_safe(lc->objects, tmp, key, item) {
		if (!strncmp(key, w->prefix, plen) && !json_object_get(fresh, key)) {
			note_app(lc, item, notify);
			unindex_locked(lc, key, item);
			json_object_del(lc->objects, key);
		}
	}
	w->synced = 1;
	lc->changes++;
	pthread_cond_broadcast(&lc->cond);
	pthread_mutex_unlock(&lc->mu);
	free(*rv);
	*rv = xstrdup(doc_get_str(list, "metadata.resourceVersion")
			      ? doc_get_str(list, "metadata.resourceVersion") : "");
	json_decref(fresh);
	json_decref(list);
	tell(lc, notify);
	json_decref(notify);
	return 0;
}

struct watch_state {
	struct kind_watch *w;
	char *rv;
};

static int on_event(const char *type, json_t *obj, void *arg)
{
	struct watch_state *s = arg;
	struct livecache *lc = s->w->lc;
	const char *rv = doc_get_str(obj, "metadata.resourceVersion");
	if (rv && *rv) {
		free(s->rv);
		s->rv = xstrdup(rv);
	}
	if (!strcmp(type, "BOOKMARK"))
		return *lc->cancel;
	json_t *notify = json_object();
	pthread_mutex_lock(&lc->mu);
	put_locked(lc, &s->w->res, obj, !strcmp(type, "DELETED"), notify);
	lc->changes++;
	pthread_cond_broadcast(&lc->cond);
	pthread_mutex_unlock(&lc->mu);
	tell(lc, notify);
	json_decref(notify);
	return *lc->cancel;
}

static void nap(const int *cancel, long ms)
{
	for (long t = 0; t < ms && !*cancel; t += 50)
		usleep(50 * 1000);
}

static void *kind_thread(void *arg)
{
	struct kind_watch *w = arg;
	struct livecache *lc = w->lc;
	struct watch_state s = { w, NULL };
	struct berr err = BERR_INIT;
	int need_list = 1, failures = 0;
	while (!*lc->cancel) {
		if (need_list) {
			if (relist(w, &s.rv, &err) < 0) {
				log_warn("listing failed", "kind", w->res.kind, "error", err.msg, NULL);
				pthread_mutex_lock(&lc->mu);
				if (!w->synced) {
					w->failed = 1;
					snprintf(w->error, sizeof(w->error), "%s", err.msg);
					pthread_cond_broadcast(&lc->cond);
				}
				pthread_mutex_unlock(&lc->mu);
				nap(lc->cancel, 2000);
				continue;
			}
			need_list = 0;
		}
		struct kube_ref ref = { w->res.api_version, w->res.kind, NULL, NULL, NULL };
		struct kube_watch_options wo = { .resource_version = s.rv, .timeout_seconds = 300,
						 .allow_bookmarks = 1, .cancel = lc->cancel };
		int rc = kube_client_watch(lc->kc, &ref, &wo, on_event, &s, &err);
		if (*lc->cancel)
			break;
		if (rc == KUBE_WATCH_GONE) {
			need_list = 1;
		} else if (rc < 0) {
			log_warn("watch failed", "kind", w->res.kind, "error", err.msg, NULL);
			nap(lc->cancel, 1000);
			if (++failures >= 3) {
				need_list = 1;
				failures = 0;
			}
		} else {
			failures = 0;
		}
	}
	free(s.rv);
	return NULL;
}

static struct kind_watch *find_locked(struct livecache *lc, const char *group, const char *kind)
{
	for (size_t i = 0; i < lc->nkinds; i++)
		if (!strcmp(lc->kinds[i]->res.group, group) && !strcmp(lc->kinds[i]->res.kind, kind))
			return lc->kinds[i];
	return NULL;
}

/* Kinds whose objects a kind owns: cached along with it for the tree. */
static const struct {
	const char *owner, *api_version, *kind;
} child_kinds[] = {
	{ "Deployment", "apps/v1", "ReplicaSet" },
	{ "ReplicaSet", "v1", "Pod" },
	{ "StatefulSet", "v1", "Pod" },
	{ "DaemonSet", "v1", "Pod" },
	{ "Job", "v1", "Pod" },
	{ "CronJob", "batch/v1", "Job" },
};

static int ensure_one(struct livecache *lc, struct kube_resource *out, const char *api_version,
		      const char *kind, struct berr *err);

int livecache_ensure(struct livecache *lc, struct kube_resource *out, const char *api_version,
		     const char *kind, struct berr *err)
{
	int rc = ensure_one(lc, out, api_version, kind, err);
	if (rc < 0)
		return rc;
	/* built-in owners only (group apps or batch): a CRD named Job is not one */
	if (strncmp(api_version, "apps/", 5) && strncmp(api_version, "batch/", 6)
	    && strcmp(api_version, "v1"))
		return 0;
	for (size_t i = 0; i < sizeof(child_kinds) / sizeof(child_kinds[0]); i++)
		if (!strcmp(child_kinds[i].owner, kind))
			livecache_ensure(lc, NULL, child_kinds[i].api_version, child_kinds[i].kind,
					 NULL);
	return 0;
}

static int ensure_one(struct livecache *lc, struct kube_resource *out, const char *api_version,
		      const char *kind, struct berr *err)
{
	char group[256], version[64];
	struct kube_resource res;
	int rc;
	if (kube_split_api_version(api_version, group, sizeof(group), version, sizeof(version)) < 0)
		return berr_set(err, BERR_INVALID, "malformed apiVersion '%s'", api_version);
	pthread_mutex_lock(&lc->mu);
	struct kind_watch *w = find_locked(lc, group, kind);
	pthread_mutex_unlock(&lc->mu);
	if (!w) {
		if ((rc = kube_client_resource(lc->kc, &res, api_version, kind, err)) < 0)
			return rc;
		if (!(res.verbs & KUBE_VERB_LIST) || !(res.verbs & KUBE_VERB_WATCH))
			return berr_set(err, BERR_UNSUPPORTED, "kind '%s' of '%s' cannot be watched",
					kind, api_version);
		pthread_mutex_lock(&lc->mu);
		w = find_locked(lc, group, kind);
		if (!w) {
			w = xcalloc(1, sizeof(*w));
			w->lc = lc;
			w->res = res;
			snprintf(w->prefix, sizeof(w->prefix), "%s/%s/", res.group, res.kind);
			lc->kinds = xrealloc(lc->kinds, (lc->nkinds + 1) * sizeof(*lc->kinds));
			lc->kinds[lc->nkinds++] = w;
			pthread_create(&w->thread, NULL, kind_thread, w);
		}
		pthread_mutex_unlock(&lc->mu);
	}
	struct timespec deadline;
	clock_gettime(CLOCK_REALTIME, &deadline);
	deadline.tv_sec += ENSURE_TIMEOUT_S;
	pthread_mutex_lock(&lc->mu);
	while (!w->synced && !w->failed && !*lc->cancel)
		if (pthread_cond_timedwait(&lc->cond, &lc->mu, &deadline))
			break;
	rc = w->synced ? 0
	     : w->failed ? berr_set(err, BERR_FAIL, "cannot list '%s': %s", kind, w->error)
			 : berr_set(err, BERR_LIMIT, "listing '%s' did not finish in %d s", kind,
				    ENSURE_TIMEOUT_S);
	if (w->failed && !w->synced)
		w->failed = 0;  /* the thread retries; a later ensure waits again */
	if (out)
		*out = w->res;
	pthread_mutex_unlock(&lc->mu);
	return rc;
}

json_t *livecache_get(struct livecache *lc, const struct res_id *id)
{
	struct buf key = BUF_INIT;
	res_key(&key, id);
	pthread_mutex_lock(&lc->mu);
	json_t *rec = json_incref(json_object_get(lc->objects, key.data));
	pthread_mutex_unlock(&lc->mu);
	buf_release(&key);
	json_t *obj = record_object(rec);
	json_decref(rec);
	return obj;
}

/* The objects of a set of keys: records taken under the lock, parsed
 * outside it. */
static json_t *collect(struct livecache *lc, json_t *index, const char *name)
{
	json_t *recs = json_array(), *out = json_array(), *v;
	const char *key;
	size_t i;
	pthread_mutex_lock(&lc->mu);
	json_object_foreach(json_object_get(index, name), key, v) {
		json_t *rec = json_object_get(lc->objects, key);
		if (rec)
			json_array_append(recs, rec);
	}
	pthread_mutex_unlock(&lc->mu);
	json_array_foreach(recs, i, v) {
		json_t *obj = record_object(v);
		if (obj)
			json_array_append_new(out, obj);
	}
	json_decref(recs);
	return out;
}

json_t *livecache_app_objects(struct livecache *lc, const char *app)
{
	return collect(lc, lc->by_app, app);
}

json_t *livecache_children(struct livecache *lc, const char *uid)
{
	return collect(lc, lc->children, uid);
}

size_t livecache_count(struct livecache *lc)
{
	pthread_mutex_lock(&lc->mu);
	size_t n = json_object_size(lc->objects);
	pthread_mutex_unlock(&lc->mu);
	return n;
}

size_t livecache_kinds(struct livecache *lc)
{
	pthread_mutex_lock(&lc->mu);
	size_t n = lc->nkinds;
	pthread_mutex_unlock(&lc->mu);
	return n;
}

unsigned long livecache_changes(struct livecache *lc)
{
	pthread_mutex_lock(&lc->mu);
	unsigned long n = lc->changes;
	pthread_mutex_unlock(&lc->mu);
	return n;
}

void livecache_wait(struct livecache *lc, unsigned long seen, long timeout_ms)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += timeout_ms / 1000;
	ts.tv_nsec += (timeout_ms % 1000) * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&lc->mu);
	while (lc->changes == seen && !*lc->cancel)
		if (pthread_cond_timedwait(&lc->cond, &lc->mu, &ts))
			break;
	pthread_mutex_unlock(&lc->mu);
}

void livecache_generation(struct livecache *lc, const char *app, unsigned long out[2])
{
	pthread_mutex_lock(&lc->mu);
	out[0] = (unsigned long)json_integer_value(json_object_get(lc->app_gen, app));
	out[1] = lc->untracked_gen;
	pthread_mutex_unlock(&lc->mu);
}
