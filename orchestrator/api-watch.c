/*
 * api-watch.c — Kubernetes watches over HTTP streams.
 *
 * The hub fans each store event out to the registered HTTP watches whose
 * resource prefix and selectors match, writing one JSON line per event.
 * Watches hold no thread: the http layer queues bytes and drops clients
 * that stop reading. The hub listens to the store's writes (not a thread
 * following it: that thread's wake-up, and its wait for a CPU under load,
 * came on top of every event's delay): each write queues its event under
 * the store's lock, in revision order, and the writing thread then delivers
 * the queue unless another thread is already at it.
 *
 * A new watch first catches up on its own: from resourceVersion 0 (or none)
 * it sends the current list as ADDED; from a given revision it replays the
 * store's events after it (410 Gone as an ERROR event when compaction
 * removed them). The last part of that catch-up runs under the hub's lock,
 * so no event falls between the replay and the hub; events both saw are
 * sent once because every watch remembers the revision it reached.
 *
 * Selectors are applied to old and new object, as the real server does: an
 * object that stops matching is sent as DELETED, one that starts matching as
 * ADDED. The hub's thread sweeps once a second for closed clients,
 * timeoutSeconds deadlines and bookmarks.
 */
#include "api.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "clock.h"
#include "convert.h"
#include "doc.h"
#include "log.h"

#define DEFAULT_TIMEOUT_S 1800
#define BOOKMARK_EVERY_S 60
#define WRITER_ROUNDS 4         /* queue rounds a writer drains for others */

struct watcher {
	struct http_stream *stream;
	struct resource *res;
	struct resource *view;          /* version served by conversion, or NULL */
	char *prefix;
	size_t prefix_len;
	char api_version[512];
	struct selector *labels, *fields;
	int64_t rev;
	time_t deadline;
	time_t last_bookmark;
	int table;
	int bookmarks;
	int dead;
	struct watcher *next;
};

struct watch_hub {
	struct store *store;
	pthread_t thread;
	pthread_mutex_t mu;             /* the watchers; held while delivering */
	struct watcher *list;
	int nwatchers;                  /* atomic: no queue while there are none */
	/* events committed and not delivered yet, in revision order */
	pthread_mutex_t qmu;
	struct store_event **queue;
	size_t qlen, qcap;
	struct store_event **spare;     /* the drained array, reused; under mu */
	size_t spare_cap;
	pthread_cond_t tick;            /* the sweeper's sleep; under qmu */
	int handoff;                    /* a writer left events to the sweeper */
	int stop;
	int running;
};

static void watcher_free(struct watcher *w)
{
	if (w->stream)
		http_stream_close(w->stream);
	resource_unref(w->res);
	resource_unref(w->view);
	selector_free(w->labels);
	selector_free(w->fields);
	free(w->prefix);
	free(w);
}

static int matches(const struct watcher *w, const json_t *obj)
{
	if (!obj)
		return 0;
	if (w->labels && !selector_match_object(w->labels, obj))
		return 0;
	if (w->fields && !selector_match_object(w->fields, obj))
		return 0;
	return 1;
}

static void send_event(struct watcher *w, const char *type, json_t *obj)
{
	json_t *conv = w->view ? convert_from_storage(w->view, obj) : NULL;
	if (conv)
		obj = conv;
	json_object_set_new(obj, "apiVersion", json_string(w->api_version));
	json_t *body = obj;
	if (w->table)
		body = api_table_for_object(w->res, obj);
	json_t *ev = json_pack("{s:s, s:O}", "type", type, "object", body);
	if (w->table)
		json_decref(body);
	if (http_stream_write_json(w->stream, ev) < 0)
		w->dead = 1;
	json_decref(ev);
	json_decref(conv);
}

static void send_error(struct watcher *w, int code, const char *reason, const char *msg)
{
	struct kstatus st = KSTATUS_INIT;
	kstatus_set(&st, code, reason, "%s", msg);
	json_t *ev = json_pack("{s:s, s:o}", "type", "ERROR", "object", kstatus_json(&st));
	http_stream_write_json(w->stream, ev);
	json_decref(ev);
}

/* An event line built once and shared by every watcher that takes the
 * stored object as it is. */
struct raw_event {
	struct buf line;
	int state;              /* 0 not built, 1 built, -1 not possible */
};

/*
 * The common watcher (no selectors, no Table, a built-in kind) gets the
 * stored text with its resourceVersion spliced in, the same bytes a list
 * sends: no parse and print per event and watcher. 0 when this watcher or
 * event needs the full path.
 */
static int deliver_raw(struct watcher *w, const struct store_event *ev, struct raw_event *raw)
{
	static const char *const names[] = { "ADDED", "MODIFIED", "DELETED" };
	if (!raw || w->labels || w->fields || w->table || w->res->crd || w->view)
		return 0;
	if (raw->state == 0) {
		buf_addf(&raw->line, "{\"type\":\"%s\",\"object\":", names[ev->type]);
		raw->state = objects_splice(&raw->line, ev->value, ev->len, ev->rev) < 0 ? -1 : 1;
		buf_adds(&raw->line, "}\n");
	}
	if (raw->state < 0)
		return 0;
	if (http_stream_write(w->stream, raw->line.data, raw->line.len) < 0)
		w->dead = 1;
	return 1;
}

/* Sends what one store event means to this watcher (`raw` may be NULL). */
static void deliver(struct watcher *w, const struct store_event *ev, struct raw_event *raw)
{
	if (w->dead || ev->rev <= w->rev)
		return;
	w->rev = ev->rev;
	if (strncmp(ev->key, w->prefix, w->prefix_len))
		return;
	if (deliver_raw(w, ev, raw))
		return;
	json_t *now = objects_decode(ev->value, ev->len, ev->rev);
	json_t *before = ev->prev ? objects_decode(ev->prev, ev->prev_len, ev->rev) : NULL;
	int mn = matches(w, now), mb = matches(w, before);
	const char *type = NULL;
	switch (ev->type) {
	case STORE_ADDED:
		type = mn ? "ADDED" : NULL;
		break;
	case STORE_MODIFIED:
		type = mn && mb ? "MODIFIED" : mn ? "ADDED" : mb ? "DELETED" : NULL;
		break;
	case STORE_DELETED:
		type = mn || mb ? "DELETED" : NULL;
		break;
	}
	if (type && now)
		send_event(w, type, now);
	json_decref(now);
	json_decref(before);
}

static void sweep(struct watch_hub *hub, time_t now)
{
	struct watcher **pp = &hub->list;
	while (*pp) {
		struct watcher *w = *pp;
		if (!w->dead && w->bookmarks && now - w->last_bookmark >= BOOKMARK_EVERY_S) {
			char rv[32];
			snprintf(rv, sizeof(rv), "%lld", (long long)w->rev);
			json_t *ev = json_pack("{s:s, s:{s:s, s:s, s:{s:s}}}", "type", "BOOKMARK",
					       "object", "kind", w->res->kind, "apiVersion",
					       w->api_version, "metadata", "resourceVersion", rv);
			if (http_stream_write_json(w->stream, ev) < 0)
				w->dead = 1;
			json_decref(ev);
			w->last_bookmark = now;
		}
		if (w->dead || now >= w->deadline || !http_stream_is_open(w->stream)) {
			*pp = w->next;
			__atomic_sub_fetch(&hub->nwatchers, 1, __ATOMIC_ACQ_REL);
			watcher_free(w);
			continue;
		}
		pp = &w->next;
	}
}

/* --- the hub: events come from the writers ------------------------------ */

/* Store listener, under the store's write lock: queue the event. */
static void hub_queued(void *arg, struct store_event *ev)
{
	struct watch_hub *hub = arg;
	if (!__atomic_load_n(&hub->nwatchers, __ATOMIC_ACQUIRE))
		return;
	pthread_mutex_lock(&hub->qmu);
	if (hub->qlen == hub->qcap) {
		hub->qcap = hub->qcap ? 2 * hub->qcap : 64;
		hub->queue = xrealloc(hub->queue, hub->qcap * sizeof(*hub->queue));
	}
	hub->queue[hub->qlen++] = store_event_ref(ev);
	pthread_mutex_unlock(&hub->qmu);
}

static int queue_pending(struct watch_hub *hub)
{
	pthread_mutex_lock(&hub->qmu);
	int n = hub->qlen > 0;
	pthread_mutex_unlock(&hub->qmu);
	return n;
}

/* Delivers what is queued now (hub->mu held). */
static void drain(struct watch_hub *hub)
{
	pthread_mutex_lock(&hub->qmu);
	struct store_event **q = hub->queue;
	size_t n = hub->qlen, cap = hub->qcap;
	hub->queue = hub->spare;
	hub->qcap = hub->spare_cap;
	hub->qlen = 0;
	pthread_mutex_unlock(&hub->qmu);
	for (size_t i = 0; i < n; i++) {
		struct raw_event raw = { BUF_INIT, 0 };
		for (struct watcher *w = hub->list; w; w = w->next)
			deliver(w, q[i], &raw);
		buf_release(&raw.line);
		store_event_unref(q[i]);
	}
	hub->spare = q;
	hub->spare_cap = cap;
}

/*
 * Every holder of hub->mu lets go through here. A writer that finds the hub
 * held leaves its events to the holder, so the holder looks at the queue
 * again after unlocking; after `rounds` rounds (0: no limit) it hands what
 * is left to the sweeper thread instead of serving other writers' clients
 * for ever.
 */
static void hub_unlock(struct watch_hub *hub, int rounds)
{
	for (int round = 1;; round++) {
		drain(hub);
		pthread_mutex_unlock(&hub->mu);
		if (!queue_pending(hub))
			return;
		if (rounds && round >= rounds) {
			pthread_mutex_lock(&hub->qmu);
			hub->handoff = 1;
			pthread_cond_signal(&hub->tick);
			pthread_mutex_unlock(&hub->qmu);
			return;
		}
		if (pthread_mutex_trylock(&hub->mu) != 0)
			return;
	}
}

/* Store listener, on the writer's thread once its write lock is released. */
static void hub_committed(void *arg)
{
	struct watch_hub *hub = arg;
	if (queue_pending(hub) && pthread_mutex_trylock(&hub->mu) == 0)
		hub_unlock(hub, WRITER_ROUNDS);
}

/* The sweeper: closed clients, deadlines and bookmarks once a second, and
 * the events a busy writer handed over. */
static void *hub_main(void *arg)
{
	struct watch_hub *hub = arg;
	time_t last_sweep = 0;
	pthread_mutex_lock(&hub->qmu);
	while (!hub->stop) {
		if (!hub->handoff) {
			struct timespec until = clock_after_ms(1000);
			pthread_cond_timedwait(&hub->tick, &hub->qmu, &until);
		}
		if (hub->stop)
			break;
		hub->handoff = 0;
		pthread_mutex_unlock(&hub->qmu);
		pthread_mutex_lock(&hub->mu);
		time_t now = time(NULL);
		if (now != last_sweep) {
			sweep(hub, now);
			last_sweep = now;
		}
		hub_unlock(hub, 0);
		pthread_mutex_lock(&hub->qmu);
	}
	pthread_mutex_unlock(&hub->qmu);
	return NULL;
}

struct watch_hub *watch_hub_start(struct store *store, struct registry *reg)
{
	(void)reg;
	struct watch_hub *hub = xcalloc(1, sizeof(*hub));
	hub->store = store;
	pthread_mutex_init(&hub->mu, NULL);
	pthread_mutex_init(&hub->qmu, NULL);
	cond_init_monotonic(&hub->tick);
	if (pthread_create(&hub->thread, NULL, hub_main, hub) == 0)
		hub->running = 1;
	struct store_listener l = { hub_queued, hub_committed, hub };
	store_set_listener(store, &l);
	return hub;
}

/* After the server stopped: no writer is left to call in. */
void watch_hub_stop(struct watch_hub *hub)
{
	if (!hub)
		return;
	store_set_listener(hub->store, NULL);
	pthread_mutex_lock(&hub->qmu);
	hub->stop = 1;
	pthread_cond_signal(&hub->tick);
	pthread_mutex_unlock(&hub->qmu);
	if (hub->running)
		pthread_join(hub->thread, NULL);
	while (hub->list) {
		struct watcher *w = hub->list;
		hub->list = w->next;
		watcher_free(w);
	}
	for (size_t i = 0; i < hub->qlen; i++)
		store_event_unref(hub->queue[i]);
	free(hub->queue);
	free(hub->spare);
	pthread_cond_destroy(&hub->tick);
	pthread_mutex_destroy(&hub->qmu);
	pthread_mutex_destroy(&hub->mu);
	free(hub);
}

static int send_initial(json_t *obj, void *p)
{
	struct watcher *w = p;
	if (matches(w, obj))
		send_event(w, "ADDED", obj);
	return w->dead;
}

void api_watch(struct api *api, struct api_path *p, struct http_request *req,
	       struct http_response *resp, struct selector *labels,
	       struct selector *fields)
{
	struct watcher *w = xcalloc(1, sizeof(*w));
	w->res = p->res;
	__atomic_add_fetch(&p->res->refs, 1, __ATOMIC_ACQ_REL);
	w->prefix = objects_prefix(p->res, p->ns[0] ? p->ns : NULL);
	w->prefix_len = strlen(w->prefix);
	resource_api_version(p->view ? p->view : p->res, w->api_version, sizeof(w->api_version));
	if (p->view) {
		w->view = p->view;
		__atomic_add_fetch(&p->view->refs, 1, __ATOMIC_ACQ_REL);
	}
	w->labels = labels;
	w->fields = fields;
	w->table = api_wants_table(req);
	w->bookmarks = api_truthy(http_request_query(req, "allowWatchBookmarks"));
	const char *ts = http_request_query(req, "timeoutSeconds");
	long timeout = ts ? strtol(ts, NULL, 10) : DEFAULT_TIMEOUT_S;
	if (timeout <= 0)
		timeout = DEFAULT_TIMEOUT_S;
	w->deadline = time(NULL) + timeout;
	w->last_bookmark = time(NULL);

	const char *rv = http_request_query(req, "resourceVersion");
	int64_t from = rv && rv[0] ? strtoll(rv, NULL, 10) : 0;
	if (rv && rv[0] && (from < 0 || (from == 0 && strcmp(rv, "0")))) {
		struct kstatus st = KSTATUS_INIT;
		kstatus_bad_request(&st, "invalid resource version: \"%s\"", rv);
		api_send_status(resp, &st);
		w->stream = NULL;
		watcher_free(w);
		return;
	}
	resp->status = 200;
	w->stream = http_response_stream(resp, "application/json");
	if (from == 0) {
		objects_list(api->objects, p->res, p->ns[0] ? p->ns : NULL, send_initial, w, &from,
			     NULL);
		w->rev = from;
	} else {
		w->rev = from;
	}
	struct store_watch *sw;
	struct berr e = BERR_INIT;
	if (store_watch_open(&sw, api->store, w->prefix, from, &e) < 0) {
		send_error(w, 410, "Expired", e.msg);
		watcher_free(w);
		return;
	}
	struct store_event *ev;
	while (!w->dead && store_watch_next(sw, &ev, 0) == 1) {
		deliver(w, ev, NULL);
		store_event_unref(ev);
	}
	/* the rest under the hub's lock, counted as a watcher first: an event
	 * after this either reaches this replay or waits in the hub's queue */
	pthread_mutex_lock(&api->hub->mu);
	__atomic_add_fetch(&api->hub->nwatchers, 1, __ATOMIC_ACQ_REL);
	while (!w->dead && store_watch_next(sw, &ev, 0) == 1) {
		deliver(w, ev, NULL);
		store_event_unref(ev);
	}
	if (store_watch_rev(sw) > w->rev)
		w->rev = store_watch_rev(sw);
	w->next = api->hub->list;
	api->hub->list = w;
	hub_unlock(api->hub, WRITER_ROUNDS);
	store_watch_close(sw);
}
