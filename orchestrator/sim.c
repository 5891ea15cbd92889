/*
 * sim.c — the simulation's loop (see sim.h): one thread follows the whole
 * store. Each event marks keys dirty: the object itself, and its
 * controlling owner (a pod wakes its ReplicaSet, a ReplicaSet its
 * Deployment). A DELETED event also queues its uid for the garbage
 * collector. Dirty keys are reconciled in batches, deduplicated; timers (a
 * pod's start delay, image pull back-off, foreground deletions still
 * waiting on dependents) put keys back at a given time. Every reconcile
 * reads the current object and writes only what differs, so the thread's
 * own writes settle instead of looping.
 *
 * This file also keeps what every controller shares: the dirty queue and
 * timers, the index of owner uid → dependents' keys, and small helpers
 * over objects (Events are sim-events.c's). Each controller lives in its
 * own sim-<kind>.c.
 */
#include "sim.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "doc.h"
#include "log.h"
#include "sim-internal.h"

#define TICK_MS 100

long long sim_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void push_str(char ***v, size_t *n, size_t *cap, const char *s)
{
	if (*n == *cap) {
		*cap = *cap ? *cap * 2 : 64;
		*v = xrealloc(*v, *cap * sizeof(**v));
	}
	(*v)[(*n)++] = xstrdup(s);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void sim_mark(struct sim *s, const char *key)
{
	push_str(&s->dirty, &s->ndirty, &s->capdirty, key);
}

void sim_mark_obj(struct sim *s, const char *prefix, const char *ns, const char *name)
{
	struct buf k = BUF_INIT;
	buf_addf(&k, "%s%s/%s", prefix, ns, name);
	sim_mark(s, k.data);
	buf_release(&k);
}

static unsigned hash_str(const char *k)
{
	uint32_t h = 2166136261u;
	for (; *k; k++)
		h = (h ^ (unsigned char)*k) * 16777619u;
	return h;
}

void sim_after(struct sim *s, const char *key, long long ms)
{
	long long due = sim_now_ms() + ms;
	struct timer **pp = &s->timers[hash_str(key) % TIMER_BUCKETS];
	for (struct timer *t = *pp; t; t = t->next)
		if (!strcmp(t->key, key)) {
			if (t->due_ms > due)
				t->due_ms = due;
			return;
		}
	struct timer *t = xcalloc(1, sizeof(*t));
	t->key = xstrdup(key);
	t->due_ms = due;
	t->next = *pp;
	*pp = t;
}

static unsigned owner_bucket(const char *uid)
{
	return hash_str(uid) % OWNER_BUCKETS;
}

static struct owner *owner_find(struct sim *s, const char *uid, int create)
{
	struct owner **pp = &s->owners[owner_bucket(uid)];
	for (struct owner *o = *pp; o; o = o->next)
		if (!strcmp(o->uid, uid))
			return o;
	if (!create)
		return NULL;
	struct owner *o = xcalloc(1, sizeof(*o));
	o->uid = xstrdup(uid);
	o->next = *pp;
	*pp = o;
	return o;
}

static void owner_add(struct sim *s, const char *uid, const char *key, unsigned char state)
{
	struct owner *o = owner_find(s, uid, 1);
	for (size_t i = 0; i < o->n; i++)
		if (!strcmp(o->keys[i], key)) {
			o->state[i] = state;
			return;
		}
	size_t cap = o->cap;
	push_str(&o->keys, &o->n, &o->cap, key);
	if (o->cap != cap)
		o->state = xrealloc(o->state, o->cap);
	o->state[o->n - 1] = state;
}

void sim_owned_count(struct sim *s, const char *uid, const char *prefix, json_int_t *all,
		     json_int_t *live, json_int_t *ready)
{
	struct owner *o = owner_find(s, uid, 0);
	size_t plen = strlen(prefix);
	*all = *live = *ready = 0;
	for (size_t i = 0; o && i < o->n; i++) {
		if (!(o->state[i] & DEP_CONTROLLED) || strncmp(o->keys[i], prefix, plen) ||
		    strchr(o->keys[i] + plen, '/'))
			continue;
		(*all)++;
		*live += !(o->state[i] & DEP_TERMINATING);
		*ready += !!(o->state[i] & DEP_READY);
	}
}

static void owner_free(struct owner *o)
{
	for (size_t i = 0; i < o->n; i++)
		free(o->keys[i]);
	free(o->keys);
	free(o->state);
	free(o->uid);
	free(o);
}

void sim_owner_remove(struct sim *s, const char *uid, const char *key)
{
	struct owner **pp = &s->owners[owner_bucket(uid)];
	for (struct owner *o = *pp; o; pp = &o->next, o = o->next) {
		if (strcmp(o->uid, uid))
			continue;
		for (size_t i = 0; i < o->n; i++)
			if (!strcmp(o->keys[i], key)) {
				free(o->keys[i]);
				o->keys[i] = o->keys[--o->n];
				o->state[i] = o->state[o->n];
				break;
			}
		if (o->n == 0) {
			*pp = o->next;
			owner_free(o);
		}
		return;
	}
}

/* Moves key from the owners `before` names to those `after` names. */
static void owners_track(struct sim *s, const char *key, const json_t *before, const json_t *after)
{
	size_t i;
	json_t *ref;
	json_array_foreach(doc_get(before, "metadata.ownerReferences"), i, ref) {
		const char *uid = doc_get_str(ref, "uid");
		if (uid)
			sim_owner_remove(s, uid, key);
	}
	unsigned char state = (disruption_pod_ready(after) ? DEP_READY : 0) |
			      (doc_get(after, "metadata.deletionTimestamp") ? DEP_TERMINATING : 0);
	json_array_foreach(doc_get(after, "metadata.ownerReferences"), i, ref) {
		const char *uid = doc_get_str(ref, "uid");
		if (uid)
			owner_add(s, uid, key, state | (json_is_true(json_object_get(ref, "controller"))
							? DEP_CONTROLLED : 0));
	}
}

/* A copy of the keys of uid's dependents (NULL-terminated; caller frees). */
char **sim_owner_dependents(struct sim *s, const char *uid, size_t *n)
{
	struct owner *o = owner_find(s, uid, 0);
	*n = o ? o->n : 0;
	char **out = xcalloc(*n + 1, sizeof(*out));
	for (size_t i = 0; i < *n; i++)
		out[i] = xstrdup(o->keys[i]);
	return out;
}

/* A new reference to v, or to a new empty object when v is NULL. */
json_t *sim_or_empty(json_t *v)
{
	return v ? json_incref(v) : json_object();
}

/* A deep copy of v, or a new empty object when v is NULL. */
json_t *sim_copy_or_empty(const json_t *v)
{
	return v ? json_deep_copy(v) : json_object();
}

struct resource *sim_res(struct sim *s, const char *group, const char *resource)
{
	return registry_find(s->reg, group, NULL, resource);
}

/* The controller owner reference of obj, or NULL. */
const json_t *sim_controller_of(const json_t *obj)
{
	size_t i;
	json_t *ref;
	json_array_foreach(doc_get(obj, "metadata.ownerReferences"), i, ref)
		if (json_is_true(json_object_get(ref, "controller")))
			return ref;
	return NULL;
}

static int owned_by(const json_t *obj, const char *uid)
{
	const json_t *ref = sim_controller_of(obj);
	const char *u = ref ? doc_get_str(ref, "uid") : NULL;
	return u && !strcmp(u, uid);
}

json_t *sim_owner_ref(const json_t *owner, const char *api_version, const char *kind)
{
	return json_pack("[{s:s, s:s, s:s, s:s, s:b, s:b}]", "apiVersion", api_version, "kind",
			 kind, "name", doc_get_str(owner, "metadata.name"), "uid",
			 doc_get_str(owner, "metadata.uid"), "controller", 1,
			 "blockOwnerDeletion", 1);
}

struct objlist {
	json_t *items;
	const char *owner_uid;
};

static int collect_owned(json_t *obj, void *p)
{
	struct objlist *l = p;
	if (!l->owner_uid || owned_by(obj, l->owner_uid))
		json_array_append(l->items, obj);
	return 0;
}

void sim_track(struct sim *s, struct resource *r, const json_t *obj)
{
	char *key = objects_key(r, doc_get_str(obj, "metadata.namespace"),
				doc_get_str(obj, "metadata.name") ?: "");
	owners_track(s, key, NULL, obj);
	free(key);
}

/* The dependents come from the owners index, not from a list of the
 * namespace: a ReplicaSet among fifty in a namespace of 5,000 pods reads
 * its own hundred. The index is current at every pass (the loop takes all
 * pending events first) and for what the pass itself created (sim_track). */
json_t *sim_list_owned(struct sim *s, const char *group, const char *resource,
			  const char *ns, const char *uid)
{
	struct resource *r = sim_res(s, group, resource);
	struct objlist l = { json_array(), uid };
	if (!r)
		return l.items;
	if (!uid || !ns || !r->namespaced) {
		objects_list(s->o, r, ns, collect_owned, &l, NULL, NULL);
		resource_unref(r);
		return l.items;
	}
	char *prefix = objects_prefix(r, ns);
	size_t plen = strlen(prefix), n;
	char **keys = sim_owner_dependents(s, uid, &n);
	qsort(keys, n, sizeof(*keys), cmp_str);         /* the order of a list */
	for (size_t i = 0; i < n; i++) {
		json_t *obj = NULL;
		if (!strncmp(keys[i], prefix, plen) && !strchr(keys[i] + plen, '/') &&
		    objects_get(s->o, r, ns, keys[i] + plen, &obj, NULL) == 0)
			collect_owned(obj, &l);
		json_decref(obj);
		free(keys[i]);
	}
	free(keys);
	free(prefix);
	resource_unref(r);
	return l.items;
}

int sim_set_status_step(json_t *obj, void *p)
{
	struct sim_set_status *ss = p;
	if (json_equal(doc_get(obj, "status"), ss->status))
		return 0;
	json_object_set(obj, "status", ss->status);
	return 1;
}

/* --- the loop ------------------------------------------------------------------------- */

/* Splits "/group/resource/ns/name" (or "/group/resource/name"). */
int sim_parse_key(const char *key, char *group, char *resource, char *ns, char *name)
{
	char buf[1024];
	snprintf(buf, sizeof(buf), "%s", key);
	char *parts[5];
	int n = 0;
	for (char *p = strtok(buf, "/"); p && n < 5; p = strtok(NULL, "/"))
		parts[n++] = p;
	if (n < 3 || n > 4)
		return -1;
	snprintf(group, 256, "%s", strcmp(parts[0], "core") ? parts[0] : "");
	snprintf(resource, 256, "%s", parts[1]);
	snprintf(ns, 256, "%s", n == 4 ? parts[2] : "");
	snprintf(name, 256, "%s", parts[n - 1]);
	return 0;
}

static void reconcile(struct sim *s, const char *key)
{
	char group[256], resource[256], ns[256], name[256];
	if (!strncmp(key, "/_endpoints/", 12)) {
		sim_reconcile_endpoints(s, key + 12);
		return;
	}
	if (!strncmp(key, "/_disruption/", 13)) {
		sim_reconcile_disruption(s, key + 13);
		return;
	}
	if (sim_parse_key(key, group, resource, ns, name) < 0)
		return;
	struct resource *r = registry_find(s->reg, group, NULL, resource);
	if (!r)
		return;
	/* read once here; pods and ReplicaSets, the most of all, take it along */
	json_t *obj = NULL;
	if (objects_get(s->o, r, ns[0] ? ns : NULL, name, &obj, NULL) == 0) {
		const json_t *fin = doc_get(obj, "metadata.finalizers");
		size_t i;
		json_t *f;
		int foreground = 0;
		json_array_foreach(fin, i, f)
			foreground |= !strcmp(json_string_value(f) ?: "", "foregroundDeletion");
		if (foreground && doc_get(obj, "metadata.deletionTimestamp")) {
			sim_reconcile_foreground(s, key, obj, r);
			json_decref(obj);
			obj = NULL;
			objects_get(s->o, r, ns[0] ? ns : NULL, name, &obj, NULL);
		}
	}
	resource_unref(r);
	if (!strcmp(group, "") && !strcmp(resource, "pods"))
		sim_reconcile_pod(s, obj, key);
	else if (!strcmp(group, "apps") && !strcmp(resource, "replicasets"))
		sim_reconcile_rs(s, obj);
	else if (!strcmp(group, "apps") && !strcmp(resource, "deployments"))
		sim_reconcile_deployment(s, ns, name, key);
	else if (!strcmp(group, "batch") && !strcmp(resource, "jobs"))
		sim_reconcile_job(s, ns, name);
	else if (!strcmp(group, "apps") && !strcmp(resource, "statefulsets"))
		sim_reconcile_sts(s, ns, name, key);
	else if (!strcmp(group, "batch") && !strcmp(resource, "cronjobs"))
		sim_reconcile_cronjob(s, ns, name, key);
	else if (!strcmp(group, "apps") && !strcmp(resource, "daemonsets"))
		sim_reconcile_ds(s, ns, name, key);
	else if (!strcmp(group, "") && !strcmp(resource, "nodes"))
		sim_reconcile_node(s, name);
	else if (!strcmp(group, "") && !strcmp(resource, "persistentvolumeclaims"))
		sim_reconcile_pvc(s, ns, name);
	else if (!strcmp(group, "") && !strcmp(resource, "persistentvolumes"))
		sim_reconcile_pv(s, name);
	json_decref(obj);
}

/* What the scheduler and the volume controller follow beyond the object
 * itself: pods' placement, nodes, claims (a deleted one frees its volume). */
static void on_placement_event(struct sim *s, const struct store_event *ev, const json_t *obj)
{
	int deleted = ev->type == STORE_DELETED;
	if (!strncmp(ev->key, "/core/pods/", 11)) {
		sim_sched_track(s, ev->key, deleted ? NULL : obj);
	} else if (!strncmp(ev->key, "/core/nodes/", 12)) {
		sim_sched_node(s, doc_get_str(obj, "metadata.name") ?: "", deleted ? NULL : obj);
		sim_mark_all(s, "apps", "daemonsets");
	} else if (!strncmp(ev->key, "/storage.k8s.io/storageclasses/", 31)) {
		sim_mark_all(s, "", "persistentvolumeclaims");     /* waiting for a class */
	} else if (!strncmp(ev->key, "/core/persistentvolumeclaims/", 29)) {
		sim_sched_retry(s);
		if (deleted && doc_get_str(obj, "spec.volumeName"))
			sim_mark_obj(s, "/core/persistentvolumes/", "",
				     doc_get_str(obj, "spec.volumeName"));
	}
}

/* What an event wakes: the object and its controller. */
/* Queues a controller whose one pass covers a namespace. */
static void mark_namespace(struct sim *s, const char *prefix, const char *ns)
{
	struct buf k = BUF_INIT;
	buf_addf(&k, "%s%s", prefix, ns);
	sim_mark(s, k.data);
	buf_release(&k);
}

/* Whether a controller of the simulation works on objects under key. */
static int followed(const char *key)
{
	static const char *const prefixes[] = {
		"/core/pods/", "/core/services/", "/core/nodes/", "/core/persistentvolumeclaims/",
		"/core/persistentvolumes/", "/storage.k8s.io/storageclasses/", "/apps/", "/batch/",
		"/policy/poddisruptionbudgets/",
	};
	for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++)
		if (!strncmp(key, prefixes[i], strlen(prefixes[i])))
			return 1;
	return 0;
}

static int mentions(const char *value, size_t len, const char *what)
{
	return value && memmem(value, len, what, strlen(what)) != NULL;
}

/* Whether a pod's write changed only its status (the kubelet's own writes,
 * most of them): its next step then waits on a timer the status step set,
 * not on this event. Its owners and Endpoints still hear of it. */
static int status_only(const json_t *prev, const json_t *obj)
{
	static const char *const same[] = { "spec", "metadata.labels", "metadata.finalizers",
					    "metadata.deletionTimestamp", "metadata.ownerReferences" };
	if (!prev)
		return 0;
	for (size_t i = 0; i < sizeof(same) / sizeof(same[0]); i++) {
		const json_t *a = doc_get(prev, same[i]), *b = doc_get(obj, same[i]);
		if (!(a ? b && json_equal(a, b) : !b))
			return 0;
	}
	return 1;
}

static void on_event(struct sim *s, const struct store_event *ev)
{
	if (!strncmp(ev->key, "/_/", 3))
		return;
	/* Of the other kinds (Events, ConfigMaps, Secrets, custom resources:
	 * most writes) only the garbage collector's part matters: an object
	 * naming an owner, one in foreground deletion, a deletion. The rest is
	 * not even parsed. */
	int follow = followed(ev->key);
	int foreground = mentions(ev->value, ev->len, "foregroundDeletion");
	if (!follow && !foreground && ev->type != STORE_DELETED &&
	    !mentions(ev->value, ev->len, "ownerReferences") &&
	    !mentions(ev->prev, ev->prev_len, "ownerReferences"))
		return;
	json_t *obj = objects_decode(ev->value, ev->len, ev->rev);
	if (!obj)
		return;
	json_t *prev = ev->prev ? objects_decode(ev->prev, ev->prev_len, ev->rev) : NULL;
	owners_track(s, ev->key, prev, ev->type == STORE_DELETED ? NULL : obj);
	int pod = !strncmp(ev->key, "/core/pods/", 11);
	on_placement_event(s, ev, obj);
	const char *ns = doc_get_str(obj, "metadata.namespace");
	if (ev->type == STORE_DELETED) {
		const char *uid = doc_get_str(obj, "metadata.uid");
		if (uid && owner_find(s, uid, 0))
			push_str(&s->gone, &s->ngone, &s->capgone, uid);
	} else if ((follow || foreground) && !(pod && status_only(prev, obj))) {
		sim_mark(s, ev->key);
	}
	json_decref(prev);
	if (ns && (pod || !strncmp(ev->key, "/core/services/", 15)))
		mark_namespace(s, "/_endpoints/", ns);
	if (ns && (pod || !strncmp(ev->key, "/policy/poddisruptionbudgets/", 29)))
		mark_namespace(s, "/_disruption/", ns);
	const json_t *ref = sim_controller_of(obj);
	if (ref && ns) {
		const char *kind = doc_get_str(ref, "kind") ?: "";
		if (!strcmp(kind, "ReplicaSet"))
			sim_mark_obj(s, "/apps/replicasets/", ns, doc_get_str(ref, "name") ?: "");
		else if (!strcmp(kind, "Deployment"))
			sim_mark_obj(s, "/apps/deployments/", ns, doc_get_str(ref, "name") ?: "");
		else if (!strcmp(kind, "Job"))
			sim_mark_obj(s, "/batch/jobs/", ns, doc_get_str(ref, "name") ?: "");
		else if (!strcmp(kind, "StatefulSet"))
			sim_mark_obj(s, "/apps/statefulsets/", ns, doc_get_str(ref, "name") ?: "");
		else if (!strcmp(kind, "CronJob"))
			sim_mark_obj(s, "/batch/cronjobs/", ns, doc_get_str(ref, "name") ?: "");
		else if (!strcmp(kind, "DaemonSet"))
			sim_mark_obj(s, "/apps/daemonsets/", ns, doc_get_str(ref, "name") ?: "");
	}
	json_decref(obj);
}

static void drain(struct sim *s)
{
	long long now = sim_now_ms();
	for (size_t b = 0; b < TIMER_BUCKETS; b++)
		for (struct timer **pp = &s->timers[b]; *pp;) {
			struct timer *t = *pp;
			if (t->due_ms > now) {
				pp = &t->next;
				continue;
			}
			*pp = t->next;
			sim_mark(s, t->key);
			free(t->key);
			free(t);
		}
	char **gone = s->gone;
	size_t ngone = s->ngone;
	s->gone = NULL;
	s->ngone = s->capgone = 0;
	for (size_t i = 0; i < ngone; i++) {
		sim_delete_dependents(s, gone[i], "Background");
		free(gone[i]);
	}
	free(gone);
	char **dirty = s->dirty;
	size_t n = s->ndirty;
	s->dirty = NULL;
	s->ndirty = s->capdirty = 0;
	if (n > 1)
		qsort(dirty, n, sizeof(*dirty), cmp_str);
	for (size_t i = 0; i < n; i++) {
		if (i == 0 || strcmp(dirty[i], dirty[i - 1]))
			reconcile(s, dirty[i]);
	}
	for (size_t i = 0; i < n; i++)
		free(dirty[i]);
	free(dirty);
}

struct mark_ctx {
	struct sim *s;
	const char *prefix;
};

static int mark_all(json_t *obj, void *p)
{
	struct mark_ctx *mc = p;
	const char *ns = doc_get_str(obj, "metadata.namespace");
	sim_mark_obj(mc->s, mc->prefix, ns ? ns : "", doc_get_str(obj, "metadata.name") ?: "");
	return 0;
}

void sim_mark_all(struct sim *s, const char *group, const char *resource)
{
	struct resource *r = sim_res(s, group, resource);
	char *prefix = objects_prefix(r, NULL);
	struct mark_ctx mc = { s, prefix };
	objects_list(s->o, r, NULL, mark_all, &mc, NULL, NULL);
	free(prefix);
	resource_unref(r);
}

static int index_owners(const struct store_kv *kv, void *p)
{
	if (!memmem(kv->value, kv->len, "ownerReferences", 15))
		return 0;
	json_t *obj = objects_decode(kv->value, kv->len, kv->rev);
	owners_track(p, kv->key, NULL, obj);
	json_decref(obj);
	return 0;
}

/* Reads the whole state again and queues every workload: at start (to
 * resume what a restart interrupted) and when the watch lost events. */
static void resync(struct sim *s)
{
	static const char *const kinds[][2] = { { "", "persistentvolumeclaims" },
						{ "", "persistentvolumes" }, { "", "pods" },
						{ "apps", "replicasets" }, { "apps", "deployments" },
						{ "batch", "jobs" }, { "apps", "statefulsets" },
						{ "apps", "daemonsets" }, { "batch", "cronjobs" } };
	store_list(objects_store(s->o), "/", NULL, 0, index_owners, s, NULL, NULL);
	sim_sched_load(s);
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		sim_mark_all(s, kinds[i][0], kinds[i][1]);
}

/* A watch on everything from now on, which compaction waits for. */
static struct store_watch *follow(struct store *store)
{
	struct store_watch *w = NULL;
	if (store_watch_open(&w, store, "", store_revision(store), NULL) == 0)
		store_watch_pin(w);
	return w;
}

static void *sim_main(void *arg)
{
	struct sim *s = arg;
	struct store *store = objects_store(s->o);
	struct store_watch *w = follow(store);
	sim_ensure_nodes(s);
	resync(s);
	long long last_prune = 0;
	while (!__atomic_load_n(&s->stop, __ATOMIC_ACQUIRE)) {
		if (sim_now_ms() - last_prune > 60000) {
			sim_prune_events(s);
			last_prune = sim_now_ms();
		}
		struct store_event *ev = NULL;
		int rc = w ? store_watch_next(w, &ev, TICK_MS) : 0;
		if (rc == 1) {
			on_event(s, ev);
			store_event_unref(ev);
			/* take what else is there before reconciling */
			while (store_watch_next(w, &ev, 0) == 1) {
				on_event(s, ev);
				store_event_unref(ev);
			}
		} else if (rc < 0) {
			/* fell behind compaction: events were lost, read it all again */
			store_watch_close(w);
			w = follow(store);
			resync(s);
		} else if (!w) {
			struct timespec ts = { 0, TICK_MS * 1000000L };
			nanosleep(&ts, NULL);
			w = follow(store);
		}
		drain(s);
	}
	store_watch_close(w);
	return NULL;
}

struct sim *sim_start(struct objects *o, const struct sim_opts *opts)
{
	struct sim *s = xcalloc(1, sizeof(*s));
	s->o = o;
	s->reg = objects_registry(o);
	s->opts = *opts;
	if (s->opts.nodes < 1)
		s->opts.nodes = 1;
	s->rec = sim_recorder_start(o);
	if (!s->rec || pthread_create(&s->thread, NULL, sim_main, s) != 0) {
		sim_recorder_stop(s->rec);
		free(s);
		return NULL;
	}
	s->running = 1;
	return s;
}

void sim_stop(struct sim *s)
{
	if (!s)
		return;
	__atomic_store_n(&s->stop, 1, __ATOMIC_RELEASE);
	store_wake_all(objects_store(s->o));
	if (s->running)
		pthread_join(s->thread, NULL);
	sim_recorder_stop(s->rec);
	for (size_t i = 0; i < s->ndirty; i++)
		free(s->dirty[i]);
	free(s->dirty);
	for (size_t i = 0; i < s->ngone; i++)
		free(s->gone[i]);
	free(s->gone);
	for (size_t b = 0; b < TIMER_BUCKETS; b++)
		while (s->timers[b]) {
			struct timer *t = s->timers[b];
			s->timers[b] = t->next;
			free(t->key);
			free(t);
		}
	sim_sched_free(s);
	for (size_t i = 0; i < OWNER_BUCKETS; i++)
		while (s->owners[i]) {
			struct owner *o = s->owners[i];
			s->owners[i] = o->next;
			owner_free(o);
		}
	free(s);
}
