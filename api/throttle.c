/*
 * throttle — the failed-login table. Entries are kept in a flat array
 * scanned linearly: logins are rare next to the PBKDF2 work each one costs,
 * and a bounded array keeps memory fixed whatever names an attacker tries.
 * When the table is full, an expired entry is reused, else the entry whose
 * last failure is oldest.
 */
#include <pthread.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "api/auth.h"

#define NAME_MAX_LEN 128

struct entry {
	char name[NAME_MAX_LEN];
	unsigned failures;
	time_t first, last;
};

struct throttle {
	pthread_mutex_t mu;
	struct entry *v;
	size_t n, max;
	unsigned max_failures;
	long window_s;
};

struct throttle *throttle_new(size_t max_entries, unsigned max_failures, long window_s)
{
	struct throttle *t = xcalloc(1, sizeof(*t));
	pthread_mutex_init(&t->mu, NULL);
	t->max = max_entries ? max_entries : 1;
	t->v = xcalloc(t->max, sizeof(*t->v));
	t->max_failures = max_failures;
	t->window_s = window_s;
	return t;
}

void throttle_free(struct throttle *t)
{
	if (!t)
		return;
	pthread_mutex_destroy(&t->mu);
	free(t->v);
	free(t);
}

static struct entry *find(struct throttle *t, const char *user)
{
	for (size_t i = 0; i < t->n; i++)
		if (!strncmp(t->v[i].name, user, NAME_MAX_LEN - 1))
			return &t->v[i];
	return NULL;
}

static int expired(const struct throttle *t, const struct entry *e, time_t now)
{
	return now - e->first > t->window_s && now - e->last > 60;
}

static long delay_of(const struct throttle *t, const struct entry *e, time_t now)
{
	if (e->failures < t->max_failures || expired(t, e, now))
		return 0;
	unsigned extra = e->failures - t->max_failures;
	long d = extra >= 4 ? 60 : 4L << extra;
	long left = (long)(e->last + d - now);
	return left > 0 ? left : 0;
}

long throttle_check(struct throttle *t, const char *user, time_t now)
{
	pthread_mutex_lock(&t->mu);
	struct entry *e = find(t, user);
	long d = e ? delay_of(t, e, now) : 0;
	pthread_mutex_unlock(&t->mu);
	return d;
}

void throttle_fail(struct throttle *t, const char *user, time_t now)
{
	pthread_mutex_lock(&t->mu);
	struct entry *e = find(t, user);
	if (e && expired(t, e, now)) {
		e->failures = 0;
		e->first = now;
	}
	if (!e) {
		if (t->n < t->max) {
			e = &t->v[t->n++];
		} else {
			e = &t->v[0];
			for (size_t i = 0; i < t->n; i++) {
				if (expired(t, &t->v[i], now)) {
					e = &t->v[i];
					break;
				}
				if (t->v[i].last < e->last)
					e = &t->v[i];
			}
		}
		memset(e, 0, sizeof(*e));
		snprintf(e->name, sizeof(e->name), "%s", user);
		e->first = now;
	}
	e->failures++;
	e->last = now;
	pthread_mutex_unlock(&t->mu);
}

void throttle_success(struct throttle *t, const char *user)
{
	pthread_mutex_lock(&t->mu);
	struct entry *e = find(t, user);
	if (e) {
		*e = t->v[t->n - 1];
		t->n--;
	}
	pthread_mutex_unlock(&t->mu);
}

size_t throttle_size(struct throttle *t)
{
	pthread_mutex_lock(&t->mu);
	size_t n = t->n;
	pthread_mutex_unlock(&t->mu);
	return n;
}
