/*
 * graceful.c — a sorted list of due times and one thread that sleeps until
 * the first. Terminating pods are few at any moment (a rollout's worth), so
 * a list is the right size; a condition variable on CLOCK_MONOTONIC wakes
 * the thread early when a sooner entry arrives or the layer stops.
 */
#include "graceful.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "clock.h"

struct entry {
	char *ns, *name, *uid;
	int64_t due_ms;                 /* CLOCK_MONOTONIC */
	struct entry *next;
};

struct graceful {
	graceful_fn fn;
	void *ctx;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	pthread_t thread;
	struct entry *list;             /* by due_ms, soonest first */
	int stop;
};

static void entry_free(struct entry *e)
{
	free(e->ns);
	free(e->name);
	free(e->uid);
	free(e);
}

static void *run(void *arg)
{
	struct graceful *g = arg;
	pthread_mutex_lock(&g->mu);
	while (!g->stop) {
		if (!g->list) {
			pthread_cond_wait(&g->cv, &g->mu);
			continue;
		}
		int64_t wait = g->list->due_ms - clock_ms();
		if (wait > 0) {
			struct timespec ts = clock_after_ms(wait);
			pthread_cond_timedwait(&g->cv, &g->mu, &ts);
			continue;
		}
		struct entry *e = g->list;
		g->list = e->next;
		pthread_mutex_unlock(&g->mu);
		g->fn(e->ns, e->name, e->uid, g->ctx);
		entry_free(e);
		pthread_mutex_lock(&g->mu);
	}
	pthread_mutex_unlock(&g->mu);
	return NULL;
}

struct graceful *graceful_new(graceful_fn fn, void *ctx)
{
	struct graceful *g = xcalloc(1, sizeof(*g));
	g->fn = fn;
	g->ctx = ctx;
	pthread_mutex_init(&g->mu, NULL);
	cond_init_monotonic(&g->cv);
	pthread_create(&g->thread, NULL, run, g);
	return g;
}

void graceful_free(struct graceful *g)
{
	if (!g)
		return;
	pthread_mutex_lock(&g->mu);
	g->stop = 1;
	pthread_cond_broadcast(&g->cv);
	pthread_mutex_unlock(&g->mu);
	pthread_join(g->thread, NULL);
	while (g->list) {
		struct entry *e = g->list;
		g->list = e->next;
		entry_free(e);
	}
	pthread_cond_destroy(&g->cv);
	pthread_mutex_destroy(&g->mu);
	free(g);
}

void graceful_schedule(struct graceful *g, const char *ns, const char *name, const char *uid,
		       int64_t after_ms)
{
	int64_t due = clock_ms() + (after_ms > 0 ? after_ms : 0);
	pthread_mutex_lock(&g->mu);
	struct entry **pp = &g->list;
	for (; *pp; pp = &(*pp)->next) {
		struct entry *e = *pp;
		if (!strcmp(e->ns, ns) && !strcmp(e->name, name) && !strcmp(e->uid, uid)) {
			if (e->due_ms <= due) {
				pthread_mutex_unlock(&g->mu);
				return;
			}
			*pp = e->next;  /* sooner now: re-insert below */
			entry_free(e);
			break;
		}
	}
	struct entry *n = xcalloc(1, sizeof(*n));
	n->ns = xstrdup(ns);
	n->name = xstrdup(name);
	n->uid = xstrdup(uid);
	n->due_ms = due;
	for (pp = &g->list; *pp && (*pp)->due_ms <= due; pp = &(*pp)->next)
		;
	n->next = *pp;
	*pp = n;
	pthread_cond_broadcast(&g->cv);
	pthread_mutex_unlock(&g->mu);
}
