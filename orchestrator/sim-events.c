/*
 * sim-events.c — the simulation's Events: recorded off its thread, pruned
 * after an hour.
 *
 * As client-go's event broadcaster does for the real controllers, an Event
 * is handed to a recorder thread and written from there: the controllers'
 * loop never waits for an Event's create (validation, defaults, its
 * namespace's check, managedFields, the write), which was a quarter of its
 * time while thousands of pods start. The queue is bounded; when it is
 * full, sim_emit() waits for room, so no Event is dropped. sim_stop() ends
 * the recorder after the loop, and the recorder writes what is still queued
 * before it exits.
 */
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "doc.h"
#include "sim-internal.h"
#include "timefmt.h"

#define QUEUE_MAX 8192

struct queued {
	json_t *ev;
	struct queued *next;
};

struct recorder {
	struct objects *o;
	struct resource *events;
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t work, room;
	struct queued *head, *tail;
	size_t n;
	int stop;
};

static void record(struct recorder *rec, json_t *ev)
{
	json_t *out = NULL;
	objects_create(rec->o, rec->events, doc_get_str(ev, "metadata.namespace"), ev, NULL,
		       &out, NULL);
	json_decref(out);
	json_decref(ev);
}

static void *recorder_main(void *arg)
{
	struct recorder *rec = arg;
	pthread_mutex_lock(&rec->mu);
	for (;;) {
		while (!rec->head && !rec->stop)
			pthread_cond_wait(&rec->work, &rec->mu);
		struct queued *batch = rec->head;
		if (!batch)
			break;          /* stopping, and nothing is left */
		rec->head = rec->tail = NULL;
		rec->n = 0;
		pthread_cond_broadcast(&rec->room);
		pthread_mutex_unlock(&rec->mu);
		while (batch) {
			struct queued *q = batch;
			batch = q->next;
			record(rec, q->ev);
			free(q);
		}
		pthread_mutex_lock(&rec->mu);
	}
	pthread_mutex_unlock(&rec->mu);
	return NULL;
}

struct recorder *sim_recorder_start(struct objects *o)
{
	struct recorder *rec = xcalloc(1, sizeof(*rec));
	rec->o = o;
	rec->events = registry_find(objects_registry(o), "", "v1", "events");
	pthread_mutex_init(&rec->mu, NULL);
	pthread_cond_init(&rec->work, NULL);
	pthread_cond_init(&rec->room, NULL);
	if (!rec->events || pthread_create(&rec->thread, NULL, recorder_main, rec) != 0) {
		resource_unref(rec->events);
		free(rec);
		return NULL;
	}
	return rec;
}

void sim_recorder_stop(struct recorder *rec)
{
	if (!rec)
		return;
	pthread_mutex_lock(&rec->mu);
	rec->stop = 1;
	pthread_cond_signal(&rec->work);
	pthread_mutex_unlock(&rec->mu);
	pthread_join(rec->thread, NULL);
	resource_unref(rec->events);
	pthread_cond_destroy(&rec->work);
	pthread_cond_destroy(&rec->room);
	pthread_mutex_destroy(&rec->mu);
	free(rec);
}

static void enqueue(struct recorder *rec, json_t *ev)
{
	struct queued *q = xcalloc(1, sizeof(*q));
	q->ev = ev;
	pthread_mutex_lock(&rec->mu);
	while (rec->n >= QUEUE_MAX)
		pthread_cond_wait(&rec->room, &rec->mu);
	if (rec->tail)
		rec->tail->next = q;
	else
		rec->head = q;
	rec->tail = q;
	rec->n++;
	pthread_cond_signal(&rec->work);
	pthread_mutex_unlock(&rec->mu);
}

void sim_emit(struct sim *s, const json_t *obj, const char *type, const char *reason,
	      const char *component, const char *fmt, ...)
{
	const char *ns = doc_get_str(obj, "metadata.namespace");
	const char *name = doc_get_str(obj, "metadata.name");
	if (!name || !s->rec)
		return;
	char msg[1024], ename[512], now[TIMEFMT_SIZE];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	snprintf(ename, sizeof(ename), "%s.%llx", name,
		 (unsigned long long)ts.tv_sec * 1000000000ull + (unsigned long long)ts.tv_nsec);
	timefmt_now(now);
	json_t *ev = json_pack(
		"{s:s, s:s, s:{s:s, s:s}, s:{s:s, s:s, s:s, s:s, s:s}, s:s, s:s, s:{s:s},"
		" s:s, s:s, s:i, s:s, s:s, s:s}",
		"apiVersion", "v1", "kind", "Event",
		"metadata", "name", ename, "namespace", ns ? ns : "default",
		"involvedObject", "kind", doc_get_str(obj, "kind") ?: "",
		"namespace", ns ? ns : "", "name", name,
		"uid", doc_get_str(obj, "metadata.uid") ?: "",
		"apiVersion", doc_get_str(obj, "apiVersion") ?: "",
		"reason", reason, "message", msg, "source", "component", component,
		"firstTimestamp", now, "lastTimestamp", now, "count", 1, "type", type,
		"reportingComponent", component, "reportingInstance", "");
	if (!ev)
		return;
	if (!ns)
		json_object_del(json_object_get(ev, "involvedObject"), "namespace");
	enqueue(s->rec, ev);
}

static int collect_old_event(json_t *ev, void *p)
{
	json_t *list = p;
	time_t t;
	if (timefmt_parse(&t, NULL, doc_get_str(ev, "lastTimestamp") ?: "", NULL) == 0 &&
	    time(NULL) - t > 3600)
		json_array_append_new(list, json_pack("[s, s]", doc_get_str(ev, "metadata.namespace") ?: "",
						      doc_get_str(ev, "metadata.name") ?: ""));
	return 0;
}

void sim_prune_events(struct sim *s)
{
	struct resource *r = registry_find(s->reg, "", "v1", "events");
	if (!r)
		return;
	json_t *old = json_array();
	objects_list(s->o, r, NULL, collect_old_event, old, NULL, NULL);
	size_t i;
	json_t *e;
	json_array_foreach(old, i, e) {
		json_t *out = NULL;
		int deleted;
		objects_delete(s->o, r, json_string_value(json_array_get(e, 0)),
			       json_string_value(json_array_get(e, 1)), NULL, &out, &deleted, NULL);
		json_decref(out);
	}
	json_decref(old);
	resource_unref(r);
}
