/*
 * route-stream — live events as server-sent events, and the alerts list.
 *
 * One hub per stream kind watches the control-plane cluster once (a list,
 * then a watch from its resourceVersion, relisting when the watch ends or
 * expires) and fans each change out to every connected client: a change is
 * serialised once however many clients listen, and writing to a client
 * never blocks (lib/http drops a client whose buffer overflows), so a
 * thousand idle streams cost only their buffers.
 *
 * Event ids are the objects' resourceVersions. The applications hub keeps
 * the current applications and the last deletions, so a client that
 * reconnects with Last-Event-ID gets every application changed or deleted
 * since, in order; without one it gets every application first. The alerts
 * hub keeps the last alerts (Events in Bosun's namespace whose reason is
 * Drift, SyncFailed, HealthDegraded or Deployed) in a ring for the same
 * resume.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api/api-internal.h"
#include "doc.h"
#include "log.h"
#include "timefmt.h"

#define TOMBSTONES_MAX 10000
#define ALERTS_MAX 1000

static const char *const alert_reasons[] = { "Drift", "SyncFailed", "SyncSucceeded",
					     "HealthDegraded", "Deployed", NULL };

struct sub {
	struct api_hub *hub;
	struct http_stream *s;
	struct api_settings *st;        /* the policy the client connected under */
	char user[API_NAME_MAX];
	char name[API_NAME_MAX];        /* only this app ("" = all) */
	char app[API_NAME_MAX];         /* alerts: only this app */
	int gone;                       /* on_close has run: reap it */
};

struct item {
	long long id;
	char *name;
	json_t *doc;                    /* apps: the object; alerts: the alert */
	int deleted;
};

struct api_hub {
	struct api *api;
	int alerts;                     /* 0: applications */
	pthread_t thread;
	int started;
	int cancel;
	pthread_mutex_t mu;
	struct sub **subs;
	size_t nsubs, capsubs;
	json_t *apps;                   /* name → {"id", "app"} */
	struct item *ring;              /* tombstones (apps) or alerts, oldest first */
	size_t nring, capring;
	int synced;
	long long max_rv;               /* newest resourceVersion seen */
	long long want_rv;              /* newest this replica wrote */
	unsigned long long version;     /* grows with every change to apps */
};

static int cmp_items(const void *a, const void *b)
{
	const struct item *x = a, *y = b;
	return x->id < y->id ? -1 : x->id > y->id;
}

static long long rv_of(const json_t *obj)
{
	const char *rv = doc_get_str(obj, "metadata.resourceVersion");
	return rv ? strtoll(rv, NULL, 10) : 0;
}

static void ring_push(struct api_hub *h, long long id, const char *name, json_t *doc,
		      int deleted)
{
	size_t max = h->alerts ? ALERTS_MAX : TOMBSTONES_MAX;
	if (h->nring == max) {
		free(h->ring[0].name);
		json_decref(h->ring[0].doc);
		memmove(h->ring, h->ring + 1, (h->nring - 1) * sizeof(*h->ring));
		h->nring--;
	}
	if (h->nring == h->capring) {
		h->capring = h->capring ? 2 * h->capring : 64;
		h->ring = xrealloc(h->ring, h->capring * sizeof(*h->ring));
	}
	h->ring[h->nring++] = (struct item){ id, xstrdup(name), json_incref(doc), deleted };
}

/* ------------------------------------------------------------ messages */

static const char *project_of_app(const json_t *app)
{
	const char *p = doc_get_str(app, "spec.project");
	return p && *p ? p : "default";
}

static int sub_may_see_app(const struct sub *s, const char *name, const json_t *app)
{
	if (s->name[0] && strcmp(s->name, name))
		return 0;
	char obj[2 * API_NAME_MAX + 2];
	snprintf(obj, sizeof(obj), "%s/%s", app ? project_of_app(app) : "", name);
	return rbac_enforce(s->st->policy, s->user, "applications", "get", obj);
}

static void format_event(struct buf *out, long long id, const json_t *data)
{
	char *text = json_dumps(data, JSON_COMPACT);
	buf_addf(out, "id: %lld\ndata: %s\n\n", id, text);
	free(text);
}

static void app_message(struct buf *out, long long id, const char *type, const json_t *app)
{
	json_t *data = json_pack("{s:{s:s, s:O}}", "result", "type", type, "application", app);
	format_event(out, id, data);
	json_decref(data);
}

void api_app_rbac_object(struct api *api, const char *app, char *out, size_t size)
{
	const char *project = "";
	struct api_hub *ah = api->apps_hub;
	pthread_mutex_lock(&ah->mu);
	json_t *e = json_object_get(ah->apps, app);
	if (e)
		project = project_of_app(json_object_get(e, "app"));
	snprintf(out, size, "%s/%s", project, app);
	pthread_mutex_unlock(&ah->mu);
}

/* The project of an alert's app, as the apps hub knows it. */
static void alert_object(struct api *api, const json_t *alert, char *out, size_t size)
{
	api_app_rbac_object(api, api_str(alert, "app") ? api_str(alert, "app") : "", out, size);
}


static int sub_may_see_alert(const struct sub *s, const json_t *alert)
{
	if (s->app[0] && (!api_str(alert, "app") || strcmp(s->app, api_str(alert, "app"))))
		return 0;
	char obj[2 * API_NAME_MAX + 2];
	alert_object(s->hub->api, alert, obj, sizeof(obj));
	return rbac_enforce(s->st->policy, s->user, "applications", "get", obj);
}

/* Writes to every subscriber that may see it; the hub lock is held. */
static void broadcast(struct api_hub *h, long long id, const char *name, const char *type,
		      const json_t *doc)
{
	struct buf msg = BUF_INIT;
	if (h->alerts)
		format_event(&msg, id, doc);
	else
		app_message(&msg, id, type, doc);
	for (size_t i = 0; i < h->nsubs; i++) {
		struct sub *s = h->subs[i];
		if (s->gone)
			continue;
		int ok = h->alerts ? sub_may_see_alert(s, doc) : sub_may_see_app(s, name, doc);
		if (ok)
			http_stream_write(s->s, msg.data, msg.len);
	}
	buf_release(&msg);
}

static void sub_free(struct sub *s)
{
	api_settings_put(s->st);
	free(s);
}

/* Releases the subscribers whose clients left; the hub lock is held. */
static void reap(struct api_hub *h)
{
	for (size_t i = 0; i < h->nsubs;) {
		struct sub *s = h->subs[i];
		if (!s->gone) {
			i++;
			continue;
		}
		http_stream_close(s->s);        /* on_close has run: only releases */
		sub_free(s);
		h->subs[i] = h->subs[--h->nsubs];
	}
}

/* ------------------------------------------------------------ hub state */

static json_t *alert_of(const json_t *ev)
{
	const char *reason = api_str(ev, "reason");
	int match = 0;
	for (size_t i = 0; reason && alert_reasons[i] && !match; i++)
		match = !strcmp(reason, alert_reasons[i]);
	if (!match)
		return NULL;
	const char *t = api_str(ev, "lastTimestamp");
	if (!t)
		t = api_str(ev, "eventTime");
	if (!t)
		t = doc_get_str(ev, "metadata.creationTimestamp");
	const char *app = doc_get_str(ev, "involvedObject.name");
	const char *msg = api_str(ev, "message");
	const char *severity = api_str(ev, "type");
	char id[32];
	snprintf(id, sizeof(id), "%lld", rv_of(ev));
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:I}", "id", id, "type", reason, "app",
			 app ? app : "", "message", msg ? msg : "", "severity",
			 severity ? severity : "Normal", "time", t ? t : "", "count",
			 (json_int_t)doc_get_int(ev, "count", 1));
}

/* What makes an Event a new occurrence: the controller bumps count and
 * lastTimestamp when it repeats an event, while an annotation (the
 * notifier's claim) changes neither. */
static void occurrence_key(struct buf *out, const json_t *ev)
{
	const char *t = api_str(ev, "lastTimestamp");
	if (!t)
		t = api_str(ev, "eventTime");
	buf_addf(out, "%s/%s#%lld#%s", doc_get_str(ev, "metadata.namespace") ?
		 doc_get_str(ev, "metadata.namespace") : "", doc_get_str(ev, "metadata.name"),
		 (long long)doc_get_int(ev, "count", 1), t ? t : "");
}

/* Records an alert Event seen for the first time; the hub lock is held. */
static void add_alert(struct api_hub *h, json_t *ev, long long id)
{
	if (!doc_get_str(ev, "metadata.name"))
		return;
	struct buf key = BUF_INIT;
	occurrence_key(&key, ev);
	for (size_t i = 0; i < h->nring; i++)
		if (!strcmp(h->ring[i].name, key.data)) {
			buf_release(&key);
			return;
		}
	json_t *alert = alert_of(ev);
	if (alert) {
		ring_push(h, id, key.data, alert, 0);
		if (h->synced) {
			broadcast(h, id, "", "ADDED", alert);
			json_t *ref = json_pack("{s:s?, s:s?, s:s}", "name",
						doc_get_str(ev, "metadata.name"), "namespace",
						doc_get_str(ev, "metadata.namespace"), "key", key.data);
			api_notify_alert(h->api, alert, ref);
			json_decref(ref);
		}
		json_decref(alert);
	}
	buf_release(&key);
}

/* Applies one change; the hub lock is held. */
static void apply_change(struct api_hub *h, const char *type, json_t *obj, long long id)
{
	const char *name = doc_get_str(obj, "metadata.name");
	if (!name)
		return;
	if (h->alerts) {
		if (strcmp(type, "DELETED"))
			add_alert(h, obj, id);
		return;
	}
	json_t *cur = json_object_get(h->apps, name);
	if (!strcmp(type, "DELETED")) {
		if (!cur)
			return;
		json_t *last = json_incref(json_object_get(cur, "app"));
		json_object_del(h->apps, name);
		h->version++;
		ring_push(h, id, name, last, 1);
		broadcast(h, id, name, "DELETED", last);
		json_decref(last);
		return;
	}
	if (cur && json_integer_value(json_object_get(cur, "id")) >= id)
		return;
	/* entries are never changed once made, so lists can hold them unlocked;
	 * the text is serialised once here rather than in every list */
	char *text = json_dumps(obj, JSON_COMPACT);
	json_object_set_new(h->apps, name, json_pack("{s:I, s:O, s:s}", "id", (json_int_t)id,
						     "app", obj, "text", text ? text : "{}"));
	h->version++;
	free(text);
	broadcast(h, id, name, cur ? "MODIFIED" : "ADDED", obj);
}

static void saw_rv(struct api_hub *h, long long rv)
{
	if (rv > h->max_rv)
		h->max_rv = rv;
}

static int on_watch(const char *type, json_t *obj, void *arg)
{
	struct api_hub *h = arg;
	pthread_mutex_lock(&h->mu);
	saw_rv(h, rv_of(obj));
	if (!strcmp(type, "BOOKMARK")) {
		pthread_mutex_unlock(&h->mu);
		return h->cancel;
	}
	reap(h);
	apply_change(h, type, obj, rv_of(obj));
	pthread_mutex_unlock(&h->mu);
	return h->cancel;
}

/* Lists and reconciles the hub with what is there now; returns the list's
 * resourceVersion (malloc'd) or NULL. */
static char *relist(struct api_hub *h, struct berr *err)
{
	struct kube_ref ref = h->alerts
		? (struct kube_ref){ .api_version = "v1", .kind = "Event", .namespace = h->api->ns }
		: api_ref(h->api, "Application", NULL);
	ref.name = NULL;
	json_t *list;
	if (kube_client_list(h->api->kc, &list, &ref, NULL, err) < 0)
		return NULL;
	long long list_rv = rv_of(list);
	pthread_mutex_lock(&h->mu);
	reap(h);
	json_t *seen = json_object();
	size_t i;
	json_t *obj;
	json_t *items = json_object_get(list, "items");
	/* events oldest first, so the ring keeps the newest */
	if (h->alerts) {
		size_t n = json_array_size(items);
		struct item *v = xcalloc(n ? n : 1, sizeof(*v));
		json_array_foreach(items, i, obj)
			v[i] = (struct item){ rv_of(obj), NULL, obj, 0 };
		qsort(v, n, sizeof(*v), cmp_items);
		for (size_t k = 0; k < n; k++)
			add_alert(h, v[k].doc, v[k].id);
		free(v);
	} else {
		json_array_foreach(items, i, obj) {
			const char *name = doc_get_str(obj, "metadata.name");
			if (!name)
				continue;
			json_object_set_new(seen, name, json_true());
			apply_change(h, "MODIFIED", obj, rv_of(obj));
		}
		const char *name;
		json_t *v, *tmp;
		json_object_foreach_safe(h->apps, tmp, name, v) {
			if (json_object_get(seen, name))
				continue;
			/* gone while the watch was down: announce it by name */
			json_t *gone = json_pack("{s:{s:s}}", "metadata", "name", name);
			apply_change(h, "DELETED", gone, list_rv);
			json_decref(gone);
		}
	}
	h->synced = 1;
	saw_rv(h, list_rv);
	pthread_mutex_unlock(&h->mu);
	json_decref(seen);
	const char *rv = doc_get_str(list, "metadata.resourceVersion");
	char *out = xstrdup(rv ? rv : "");
	json_decref(list);
	return out;
}

static void pause_ms(struct api_hub *h, int ms)
{
	for (int i = 0; i < ms / 50 && !__atomic_load_n(&h->cancel, __ATOMIC_ACQUIRE); i++)
		usleep(50000);
}

static void *hub_main(void *arg)
{
	struct api_hub *h = arg;
	int failures = 0;
	while (!__atomic_load_n(&h->cancel, __ATOMIC_ACQUIRE)) {
		struct berr err = BERR_INIT;
		char *rv = relist(h, &err);
		if (!rv) {
			if (failures++ % 30 == 0)
				log_debug("stream hub cannot list", "stream",
					  h->alerts ? "alerts" : "applications", "error", err.msg,
					  NULL);
			pause_ms(h, 1000);
			continue;
		}
		failures = 0;
		struct kube_ref ref = h->alerts
			? (struct kube_ref){ .api_version = "v1", .kind = "Event",
					     .namespace = h->api->ns }
			: api_ref(h->api, "Application", NULL);
		ref.name = NULL;
		struct kube_watch_options wo = { .resource_version = rv, .cancel = &h->cancel,
						 .timeout_seconds = 300, .allow_bookmarks = 1 };
		int rc = kube_client_watch(h->api->kc, &ref, &wo, on_watch, h, &err);
		free(rv);
		if (rc < 0)
			pause_ms(h, 500);
	}
	return NULL;
}

static struct api_hub *hub_new(struct api *api, int alerts)
{
	struct api_hub *h = xcalloc(1, sizeof(*h));
	h->api = api;
	h->alerts = alerts;
	h->apps = json_object();
	pthread_mutex_init(&h->mu, NULL);
	return h;
}

static void hub_free(struct api_hub *h)
{
	if (!h)
		return;
	if (h->started) {
		__atomic_store_n(&h->cancel, 1, __ATOMIC_RELEASE);
		pthread_join(h->thread, NULL);
	}
	pthread_mutex_lock(&h->mu);
	reap(h);
	for (size_t i = 0; i < h->nsubs; i++) {
		struct sub *s = h->subs[i];
		if (http_stream_close(s->s) == 0) {
			sub_free(s);
			continue;
		}
		/* on_close is running: let it mark the sub, then free it */
		while (!__atomic_load_n(&s->gone, __ATOMIC_ACQUIRE)) {
			pthread_mutex_unlock(&h->mu);
			usleep(1000);
			pthread_mutex_lock(&h->mu);
		}
		sub_free(s);
	}
	h->nsubs = 0;
	pthread_mutex_unlock(&h->mu);
	for (size_t i = 0; i < h->nring; i++) {
		free(h->ring[i].name);
		json_decref(h->ring[i].doc);
	}
	free(h->ring);
	free(h->subs);
	json_decref(h->apps);
	pthread_mutex_destroy(&h->mu);
	free(h);
}

void api_apps_wrote(struct api *api, const json_t *obj, int deleted)
{
	struct api_hub *h = api->apps_hub;
	long long rv = rv_of(obj);
	if (!h || rv <= 0)
		return;
	/* a delete that removed the object at once takes the next revision */
	if (deleted)
		rv++;
	pthread_mutex_lock(&h->mu);
	if (rv > h->want_rv)
		h->want_rv = rv;
	pthread_mutex_unlock(&h->mu);
}

#define SNAPSHOT_WAIT_MS 1000

struct named {
	const char *name;
	json_t *entry;
};

static int cmp_named(const void *a, const void *b)
{
	return strcmp(((const struct named *)a)->name, ((const struct named *)b)->name);
}

/* Locks the hub once it has caught up with this replica's writes (waiting
 * up to SNAPSHOT_WAIT_MS): 0 with h->mu held, -1 without. */
static int lock_caught_up(struct api_hub *h)
{
	for (int waited = 0;; waited++) {
		pthread_mutex_lock(&h->mu);
		if (!h->synced) {       /* never listed (no CRD yet?): ask the cluster */
			pthread_mutex_unlock(&h->mu);
			return -1;
		}
		if (h->max_rv >= h->want_rv)
			return 0;
		pthread_mutex_unlock(&h->mu);
		if (waited >= SNAPSHOT_WAIT_MS)
			return -1;
		usleep(1000);
	}
}

int api_apps_version(struct api *api, unsigned long long *version)
{
	struct api_hub *h = api->apps_hub;
	if (!h || lock_caught_up(h) < 0)
		return -1;
	*version = h->version;
	pthread_mutex_unlock(&h->mu);
	return 0;
}

json_t *api_apps_snapshot(struct api *api, unsigned long long *version)
{
	struct api_hub *h = api->apps_hub;
	if (!h || lock_caught_up(h) < 0)
		return NULL;
	/* take references under the lock, sort outside it; an entry keeps its
	 * app (and so the name) alive */
	size_t n = json_object_size(h->apps), k = 0;
	struct named *v = xcalloc(n ? n : 1, sizeof(*v));
	const char *name;
	json_t *e;
	json_object_foreach(h->apps, name, e) {
		v[k].entry = json_incref(e);
		v[k++].name = doc_get_str(json_object_get(e, "app"), "metadata.name");
	}
	if (version)
		*version = h->version;
	pthread_mutex_unlock(&h->mu);
	qsort(v, k, sizeof(*v), cmp_named);
	json_t *items = json_array();
	for (size_t i = 0; i < k; i++)
		json_array_append_new(items, v[i].entry);
	free(v);
	return items;
}

int api_streams_start(struct api *api, struct berr *err)
{
	api->apps_hub = hub_new(api, 0);
	api->alerts_hub = hub_new(api, 1);
	struct api_hub *hubs[] = { api->apps_hub, api->alerts_hub };
	for (size_t i = 0; i < 2; i++) {
		if (pthread_create(&hubs[i]->thread, NULL, hub_main, hubs[i]) != 0)
			return berr_set(err, BERR_FAIL, "cannot start a stream thread: %s",
					strerror(errno));
		hubs[i]->started = 1;
	}
	return 0;
}

void api_streams_stop(struct api *api)
{
	hub_free(api->apps_hub);
	hub_free(api->alerts_hub);
	api->apps_hub = api->alerts_hub = NULL;
}

/* ------------------------------------------------------------ routes */

/* The client left: mark the subscriber for the hub to reap (the hub still
 * has to close the stream to release it, and may be writing to it now). */
static void on_close(struct http_stream *stream, void *arg)
{
	(void)stream;
	struct sub *s = arg;
	struct api_hub *h = s->hub;
	pthread_mutex_lock(&h->mu);
	__atomic_store_n(&s->gone, 1, __ATOMIC_RELEASE);
	pthread_mutex_unlock(&h->mu);
}

static long long last_event_id(struct http_request *req)
{
	const char *v = http_request_header(req, "Last-Event-ID");
	if (!v)
		v = http_request_query(req, "lastEventId");
	if (!v || !*v)
		return -1;
	char *end;
	long long id = strtoll(v, &end, 10);
	return *end || id < 0 ? -1 : id;
}


/* What a (re)connecting client missed; the hub lock is held. */
static void replay(struct api_hub *h, struct sub *s, long long last)
{
	struct buf msg = BUF_INIT;
	if (h->alerts) {
		for (size_t i = 0; i < h->nring; i++)
			if (last >= 0 && h->ring[i].id > last &&
			    sub_may_see_alert(s, h->ring[i].doc)) {
				buf_reset(&msg);
				format_event(&msg, h->ring[i].id, h->ring[i].doc);
				http_stream_write(s->s, msg.data, msg.len);
			}
		buf_release(&msg);
		return;
	}
	size_t n = json_object_size(h->apps) + h->nring, k = 0;
	struct item *v = xcalloc(n ? n : 1, sizeof(*v));
	const char *name;
	json_t *e;
	json_object_foreach(h->apps, name, e) {
		long long id = json_integer_value(json_object_get(e, "id"));
		if (id > last)
			v[k++] = (struct item){ id, (char *)name, json_object_get(e, "app"), 0 };
	}
	for (size_t i = 0; i < h->nring && last >= 0; i++)
		if (h->ring[i].id > last)
			v[k++] = h->ring[i];
	qsort(v, k, sizeof(*v), cmp_items);
	for (size_t i = 0; i < k; i++) {
		if (!sub_may_see_app(s, v[i].name, v[i].doc))
			continue;
		buf_reset(&msg);
		app_message(&msg, v[i].id, v[i].deleted ? "DELETED" : last >= 0 ? "MODIFIED"
				: "ADDED", v[i].doc);
		http_stream_write(s->s, msg.data, msg.len);
	}
	free(v);
	buf_release(&msg);
}

static void subscribe(struct api_ctx *ctx, struct http_request *req, struct http_response *resp,
		      struct api_hub *h)
{
	struct sub *s = xcalloc(1, sizeof(*s));
	s->hub = h;
	snprintf(s->user, sizeof(s->user), "%s", ctx->user);
	const char *name = http_request_query(req, "name");
	const char *app = http_request_query(req, "app");
	snprintf(s->name, sizeof(s->name), "%s", name ? name : "");
	snprintf(s->app, sizeof(s->app), "%s", app ? app : "");
	s->st = ctx->st;
	__atomic_add_fetch(&s->st->refs, 1, __ATOMIC_ACQ_REL);
	http_response_header(resp, "X-Accel-Buffering", "no");
	resp->status = 200;
	s->s = http_response_stream(resp, "text/event-stream");
	long long last = last_event_id(req);
	pthread_mutex_lock(&h->mu);
	reap(h);
	http_stream_write(s->s, "retry: 2000\n\n", 13);
	replay(h, s, last);
	if (h->nsubs == h->capsubs) {
		h->capsubs = h->capsubs ? 2 * h->capsubs : 16;
		h->subs = xrealloc(h->subs, h->capsubs * sizeof(*h->subs));
	}
	h->subs[h->nsubs++] = s;
	pthread_mutex_unlock(&h->mu);
	http_stream_on_close(s->s, on_close, s);
}

static void stream_apps(struct api_ctx *ctx, struct http_request *req,
			struct http_response *resp)
{
	subscribe(ctx, req, resp, ctx->api->apps_hub);
}

static void stream_alerts(struct api_ctx *ctx, struct http_request *req,
			  struct http_response *resp)
{
	subscribe(ctx, req, resp, ctx->api->alerts_hub);
}

static void list_alerts(struct api_ctx *ctx, struct http_request *req,
			struct http_response *resp)
{
	const char *app = http_request_query(req, "app");
	const char *type = http_request_query(req, "type");
	const char *since = http_request_query(req, "since");
	time_t since_t = 0;
	if (since && *since) {
		long usec;
		struct berr err = BERR_INIT;
		if (timefmt_parse(&since_t, &usec, since, &err) < 0)
			return http_response_error(resp, 400, "'since' must be an RFC 3339 time: %s",
						   err.msg);
	}
	struct kube_ref ref = { .api_version = "v1", .kind = "Event", .namespace = ctx->api->ns };
	json_t *list;
	struct berr err = BERR_INIT;
	if (kube_client_list(ctx->api->kc, &list, &ref, NULL, &err) < 0)
		return api_error(resp, &err);
	json_t *items = json_array();
	size_t i;
	json_t *ev;
	json_array_foreach(json_object_get(list, "items"), i, ev) {
		json_t *alert = alert_of(ev);
		if (!alert)
			continue;
		int keep = (!app || !*app || !strcmp(app, api_str(alert, "app"))) &&
			   (!type || !*type || !strcmp(type, api_str(alert, "type")));
		if (keep && since_t) {
			time_t t = 0;
			long usec;
			keep = timefmt_parse(&t, &usec, api_str(alert, "time"), NULL) == 0 &&
			       t >= since_t;
		}
		char obj[2 * API_NAME_MAX + 2];
		alert_object(ctx->api, alert, obj, sizeof(obj));
		if (keep && api_can(ctx, "applications", "get", obj))
			json_array_append(items, alert);
		json_decref(alert);
	}
	json_decref(list);
	json_t *out = json_pack("{s:o}", "items", items);
	http_response_json(resp, 200, out);
	json_decref(out);
}

const struct api_route api_routes_stream[] = {
	{ "GET", "/api/v1/stream/applications", stream_apps, 0 },
	{ "GET", "/api/v1/stream/alerts", stream_alerts, 0 },
	{ "GET", "/api/v1/alerts", list_alerts, 0 },
	{ NULL, NULL, NULL, 0 },
};
