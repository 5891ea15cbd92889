/*
 * queue — a de-duplicating work queue (see queue.h).
 *
 * Three structures under one mutex, as in client-go: a FIFO of keys ready
 * to be handed out, the `dirty` set (keys that must be processed again:
 * waiting in the FIFO, or added while a worker held them) and the
 * `processing` set. A key is in the FIFO at most once, so a burst of
 * watch events for one app costs one reconcile. The sets are jansson
 * objects (hash tables keyed by string). Delayed additions wait in a
 * key → due-time table that getters scan when it is not empty; delays are
 * rare (backoffs) so a scan is cheaper than keeping a heap.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "buf.h"
#include "clock.h"
#include "queue.h"

struct queue {
	pthread_mutex_t mu;
	pthread_cond_t cond;
	char **fifo;
	size_t head, count, cap;
	json_t *dirty, *processing, *delayed;
	int shutdown;
	unsigned long adds;
};

struct queue *queue_new(void)
{
	struct queue *q = xcalloc(1, sizeof(*q));
	pthread_mutex_init(&q->mu, NULL);
	cond_init_monotonic(&q->cond);
	q->dirty = json_object();
	q->processing = json_object();
	q->delayed = json_object();
	return q;
}

void queue_free(struct queue *q)
{
	if (!q)
		return;
	for (size_t i = 0; i < q->count; i++)
		free(q->fifo[(q->head + i) % q->cap]);
	free(q->fifo);
	json_decref(q->dirty);
	json_decref(q->processing);
	json_decref(q->delayed);
	pthread_mutex_destroy(&q->mu);
	pthread_cond_destroy(&q->cond);
	free(q);
}

static void fifo_push(struct queue *q, const char *key)
{
	if (q->count == q->cap) {
		size_t ncap = q->cap ? q->cap * 2 : 64;
		char **n = xcalloc(ncap, sizeof(*n));
		for (size_t i = 0; i < q->count; i++)
			n[i] = q->fifo[(q->head + i) % q->cap];
		free(q->fifo);
		q->fifo = n;
		q->cap = ncap;
		q->head = 0;
	}
	q->fifo[(q->head + q->count) % q->cap] = xstrdup(key);
	q->count++;
}

/* Called with the lock held. */
static void add_locked(struct queue *q, const char *key)
{
	if (q->shutdown || json_object_get(q->dirty, key))
		return;
	json_object_set_new(q->dirty, key, json_true());
	q->adds++;
	if (json_object_get(q->processing, key))
		return;
	fifo_push(q, key);
	pthread_cond_signal(&q->cond);
}

void queue_add(struct queue *q, const char *key)
{
	pthread_mutex_lock(&q->mu);
	add_locked(q, key);
	pthread_mutex_unlock(&q->mu);
}

void queue_add_after(struct queue *q, const char *key, long delay_ms)
{
	if (delay_ms <= 0) {
		queue_add(q, key);
		return;
	}
	pthread_mutex_lock(&q->mu);
	long long due = clock_ms() + delay_ms;
	json_t *cur = json_object_get(q->delayed, key);
	if (!q->shutdown && (!cur || json_integer_value(cur) > due)) {
		json_object_set_new(q->delayed, key, json_integer(due));
		pthread_cond_broadcast(&q->cond);
	}
	pthread_mutex_unlock(&q->mu);
}

/* Moves due delayed keys to the queue; returns the earliest remaining due
 * time, or -1 when nothing waits. Lock held. */
static long long promote_delayed(struct queue *q)
{
	const char *key;
	json_t *v, *tmp;
	long long now = clock_ms(), next = -1;

	json_object_foreach_safe(q->delayed, tmp, key, v) {
		long long due = json_integer_value(v);
		if (due <= now) {
			add_locked(q, key);
			json_object_del(q->delayed, key);
		} else if (next < 0 || due < next) {
			next = due;
		}
	}
	return next;
}

int queue_get(struct queue *q, char **out)
{
	*out = NULL;
	pthread_mutex_lock(&q->mu);
	for (;;) {
		if (q->shutdown) {
			pthread_mutex_unlock(&q->mu);
			return -1;
		}
		long long next = json_object_size(q->delayed) ? promote_delayed(q) : -1;
		if (q->count)
			break;
		if (next < 0) {
			pthread_cond_wait(&q->cond, &q->mu);
		} else {
			struct timespec ts = { next / 1000, (next % 1000) * 1000000 };
			pthread_cond_timedwait(&q->cond, &q->mu, &ts);
		}
	}
	char *key = q->fifo[q->head];
	q->head = (q->head + 1) % q->cap;
	q->count--;
	json_object_set_new(q->processing, key, json_true());
	json_object_del(q->dirty, key);
	pthread_mutex_unlock(&q->mu);
	*out = key;
	return 0;
}

void queue_done(struct queue *q, const char *key)
{
	pthread_mutex_lock(&q->mu);
	json_object_del(q->processing, key);
	if (json_object_get(q->dirty, key) && !q->shutdown) {
		fifo_push(q, key);
		pthread_cond_signal(&q->cond);
	}
	pthread_mutex_unlock(&q->mu);
}

void queue_shutdown(struct queue *q)
{
	pthread_mutex_lock(&q->mu);
	q->shutdown = 1;
	pthread_cond_broadcast(&q->cond);
	pthread_mutex_unlock(&q->mu);
}

size_t queue_len(struct queue *q)
{
	pthread_mutex_lock(&q->mu);
	size_t n = q->count;
	pthread_mutex_unlock(&q->mu);
	return n;
}

unsigned long queue_adds(struct queue *q)
{
	pthread_mutex_lock(&q->mu);
	unsigned long n = q->adds;
	pthread_mutex_unlock(&q->mu);
	return n;
}
