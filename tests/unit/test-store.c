/* Unit tests for orchestrator/store: revisions, optimistic concurrency,
 * tombstones, lists and cursors, watches, the write listener, compaction
 * and crash safety. */
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "buf.h"
#include "orchestrator/store.h"

struct fixture {
	char dir[64];
	char path[128];
	struct store *s;
};

static int setup(void **state)
{
	struct fixture *f = xcalloc(1, sizeof(*f));
	strcpy(f->dir, "/tmp/bosun-store-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->path, sizeof(f->path), "%s/db.sqlite", f->dir);
	struct berr err = BERR_INIT;
	assert_int_equal(store_open(&f->s, f->path, NULL, &err), 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	store_close(f->s);
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
	if (system(cmd) != 0)
		return -1;
	free(f);
	return 0;
}

#define PUT(s, k, v) store_create((s), (k), (v), strlen(v), NULL, NULL)

static void test_create_get_update_delete(void **state)
{
	struct fixture *f = *state;
	struct berr err = BERR_INIT;
	int64_t r1, r2, r3;
	assert_int_equal(store_create(f->s, "/core/configmaps/default/a", "one", 3, &r1, &err), 0);
	assert_int_equal(r1, 1);
	assert_int_equal(store_create(f->s, "/core/configmaps/default/a", "x", 1, NULL, &err),
			 BERR_EXISTS);
	struct store_kv kv;
	assert_int_equal(store_get(f->s, "/core/configmaps/default/a", &kv, &err), 0);
	assert_string_equal(kv.value, "one");
	assert_int_equal(kv.rev, 1);
	assert_int_equal(kv.create_rev, 1);
	store_kv_free(&kv);

	/* a stale revision conflicts; the right one or 0 succeeds */
	assert_int_equal(store_update(f->s, "/core/configmaps/default/a", 1, "two", 3, &r2, &err), 0);
	assert_int_equal(r2, 2);
	assert_int_equal(store_update(f->s, "/core/configmaps/default/a", 1, "bad", 3, NULL, &err),
			 BERR_CONFLICT);
	assert_int_equal(store_update(f->s, "/core/configmaps/default/a", 0, "three", 5, &r3, &err), 0);
	assert_int_equal(store_get(f->s, "/core/configmaps/default/a", &kv, &err), 0);
	assert_string_equal(kv.value, "three");
	assert_int_equal(kv.rev, 3);
	assert_int_equal(kv.create_rev, 1);
	store_kv_free(&kv);

	assert_int_equal(store_update(f->s, "/core/configmaps/default/none", 0, "x", 1, NULL, &err),
			 BERR_NOTFOUND);
	assert_int_equal(store_delete(f->s, "/core/configmaps/default/a", 2, NULL, 0, NULL, &err),
			 BERR_CONFLICT);
	assert_int_equal(store_delete(f->s, "/core/configmaps/default/a", 3, NULL, 0, NULL, &err), 0);
	assert_int_equal(store_get(f->s, "/core/configmaps/default/a", &kv, &err), BERR_NOTFOUND);
	assert_int_equal(store_delete(f->s, "/core/configmaps/default/a", 0, NULL, 0, NULL, &err),
			 BERR_NOTFOUND);
	/* re-creating a deleted key starts a new life */
	int64_t r5;
	assert_int_equal(store_create(f->s, "/core/configmaps/default/a", "new", 3, &r5, &err), 0);
	assert_int_equal(r5, 5);
	assert_int_equal(store_get(f->s, "/core/configmaps/default/a", &kv, &err), 0);
	assert_int_equal(kv.create_rev, 5);
	store_kv_free(&kv);
	assert_int_equal(store_revision(f->s), 5);
}

struct collect {
	struct buf keys;
	int stop_after;
	int n;
};

static int collect_fn(const struct store_kv *kv, void *ctx)
{
	struct collect *c = ctx;
	buf_addf(&c->keys, "%s=%s;", kv->key, kv->value);
	return ++c->n == c->stop_after ? 7 : 0;
}

static void test_list_prefix(void **state)
{
	struct fixture *f = *state;
	PUT(f->s, "/core/pods/b/p1", "1");
	PUT(f->s, "/core/pods/a/p2", "2");
	PUT(f->s, "/core/pods/a/p1", "3");
	PUT(f->s, "/core/podtemplates/a/t", "4");
	PUT(f->s, "/apps/deployments/a/d", "5");
	store_update(f->s, "/core/pods/a/p1", 0, "3b", 2, NULL, NULL);
	store_delete(f->s, "/core/pods/b/p1", 0, NULL, 0, NULL, NULL);

	struct collect c = { BUF_INIT, 0, 0 };
	int64_t rev;
	assert_int_equal(store_list(f->s, "/core/pods/", NULL, 0, collect_fn, &c, &rev, NULL), 0);
	assert_string_equal(c.keys.data, "/core/pods/a/p1=3b;/core/pods/a/p2=2;");
	assert_int_equal(rev, 7);
	buf_reset(&c.keys);
	assert_int_equal(store_list(f->s, "/core/pods/a/", "/core/pods/a/p1", 0, collect_fn,
				    &c, NULL, NULL), 0);
	assert_string_equal(c.keys.data, "/core/pods/a/p2=2;");
	buf_reset(&c.keys);
	assert_int_equal(store_list(f->s, "", NULL, 2, collect_fn, &c, NULL, NULL), 0);
	assert_string_equal(c.keys.data, "/apps/deployments/a/d=5;/core/pods/a/p1=3b;");
	buf_reset(&c.keys);
	c.n = 0;
	c.stop_after = 1;
	assert_int_equal(store_list(f->s, "/core/", NULL, 0, collect_fn, &c, NULL, NULL), 7);
	assert_int_equal(store_count(f->s, "/core/pods/"), 2);
	assert_int_equal(store_count(f->s, "/core/"), 3);
	assert_int_equal(store_count(f->s, "/nothing/"), 0);
	buf_release(&c.keys);
}

/* A list's callback writes: the write goes through at once (a list holds
 * no lock writers need), and the list still reads the store as it was at
 * the revision it reports. */
struct writing_list {
	struct store *s;
	int n;
	int64_t rev_after;
};

static int writing_fn(const struct store_kv *kv, void *arg)
{
	struct writing_list *w = arg;
	(void)kv;
	char key[64];
	snprintf(key, sizeof(key), "/core/pods/a/new-%d", w->n++);
	assert_int_equal(store_create(w->s, key, "n", 1, &w->rev_after, NULL), 0);
	assert_int_equal(store_update(w->s, "/core/pods/a/p2", 0, "changed", 7, NULL, NULL), 0);
	return 0;
}

static void test_list_is_a_snapshot_writes_go_on(void **state)
{
	struct fixture *f = *state;
	PUT(f->s, "/core/pods/a/p1", "1");
	PUT(f->s, "/core/pods/a/p2", "2");
	PUT(f->s, "/core/pods/a/p3", "3");
	struct writing_list w = { .s = f->s };
	int64_t rev = 0;
	struct collect c = { BUF_INIT, 0, 0 };
	assert_int_equal(store_list(f->s, "/core/pods/a/", NULL, 0, writing_fn, &w, &rev, NULL), 0);
	assert_int_equal(w.n, 3);
	assert_int_equal(rev, 3);
	assert_int_equal(w.rev_after, 8);   /* its last create; the update came after */
	/* the list saw none of its callback's writes; a new one sees them all */
	assert_int_equal(store_list(f->s, "/core/pods/a/", NULL, 0, collect_fn, &c, &rev, NULL), 0);
	assert_int_equal(rev, 9);
	assert_string_equal(c.keys.data, "/core/pods/a/new-0=n;/core/pods/a/new-1=n;"
			    "/core/pods/a/new-2=n;/core/pods/a/p1=1;/core/pods/a/p2=changed;"
			    "/core/pods/a/p3=3;");
	buf_release(&c.keys);
}

/* The rest of a cursor's walk as "key=value;" (it reads values by len). */
static void drain_cursor(struct store_cursor *c, struct buf *out)
{
	const struct store_kv *kv;
	int rc;
	while ((rc = store_cursor_next(c, &kv, NULL)) == 1)
		buf_addf(out, "%s=%.*s;", kv->key, (int)kv->len, kv->value);
	assert_int_equal(rc, 0);
	/* the end is the end: no new walk in a new snapshot */
	assert_int_equal(store_cursor_next(c, &kv, NULL), 0);
	assert_null(kv);
}

/* A cursor pulled a row at a time reads the snapshot of its open while
 * creates, updates and deletes go on between its rows; tombstones are
 * skipped, and after_key starts after that key. */
static void test_cursor_is_a_snapshot(void **state)
{
	struct fixture *f = *state;
	PUT(f->s, "/core/pods/a/p1", "1");
	PUT(f->s, "/core/pods/a/p2", "2");
	PUT(f->s, "/core/pods/a/p3", "3");
	PUT(f->s, "/core/pods/a/p4", "4");
	store_delete(f->s, "/core/pods/a/p4", 0, NULL, 0, NULL, NULL);
	struct store_cursor *c;
	int64_t rev = 0;
	assert_int_equal(store_cursor_open(&c, f->s, "/core/pods/a/", NULL, 0, &rev, NULL), 0);
	assert_int_equal(rev, 5);
	const struct store_kv *kv;
	assert_int_equal(store_cursor_next(c, &kv, NULL), 1);
	assert_string_equal(kv->key, "/core/pods/a/p1");
	assert_int_equal(kv->rev, 1);
	assert_int_equal(store_create(f->s, "/core/pods/a/p0", "0", 1, NULL, NULL), 0);
	assert_int_equal(store_create(f->s, "/core/pods/a/p25", "x", 1, NULL, NULL), 0);
	assert_int_equal(store_update(f->s, "/core/pods/a/p2", 0, "2b", 2, NULL, NULL), 0);
	assert_int_equal(store_delete(f->s, "/core/pods/a/p3", 0, NULL, 0, NULL, NULL), 0);
	assert_int_equal(store_create(f->s, "/core/pods/a/p4", "4b", 2, NULL, NULL), 0);
	struct buf got = BUF_INIT;
	drain_cursor(c, &got);
	assert_string_equal(got.data, "/core/pods/a/p2=2;/core/pods/a/p3=3;");
	store_cursor_close(c);

	buf_reset(&got);
	assert_int_equal(store_cursor_open(&c, f->s, "/core/pods/a/", "/core/pods/a/p2", 0, &rev,
					   NULL), 0);
	assert_int_equal(rev, 10);
	drain_cursor(c, &got);
	assert_string_equal(got.data, "/core/pods/a/p25=x;/core/pods/a/p4=4b;");
	store_cursor_close(c);
	buf_release(&got);
}

/* Closing a cursor halfway gives its reader back: more cursors than the
 * pool has readers, each closed early, never wait. Held cursors are capped
 * at half the pool and fail at once past it, while plain reads go on; one
 * that reaches its end counts no more, even before it is closed. */
static void test_cursor_early_close_and_held_cap(void **state)
{
	struct fixture *f = *state;
	PUT(f->s, "/core/pods/a/p1", "1");
	PUT(f->s, "/core/pods/a/p2", "2");
	alarm(20);      /* a reader that is not given back hangs the next open */
	for (int i = 0; i < 40; i++) {
		struct store_cursor *c;
		const struct store_kv *kv;
		assert_int_equal(store_cursor_open(&c, f->s, "/core/pods/", NULL,
						   i % 2 ? STORE_CURSOR_HELD : 0, NULL, NULL), 0);
		assert_int_equal(store_cursor_next(c, &kv, NULL), 1);
		store_cursor_close(c);
	}
	struct store_cursor *held[4], *c;
	struct berr err = BERR_INIT;
	for (int i = 0; i < 4; i++)
		assert_int_equal(store_cursor_open(&held[i], f->s, "/core/pods/", NULL,
						   STORE_CURSOR_HELD, NULL, NULL), 0);
	assert_int_equal(store_cursor_open(&c, f->s, "/core/pods/", NULL, STORE_CURSOR_HELD,
					   NULL, &err), BERR_LIMIT);
	assert_null(c);
	struct store_kv one;
	assert_int_equal(store_get(f->s, "/core/pods/a/p2", &one, NULL), 0);
	store_kv_free(&one);
	struct collect all = { BUF_INIT, 0, 0 };
	for (int i = 0; i < 10; i++)
		assert_int_equal(store_list(f->s, "/core/pods/", NULL, 0, collect_fn, &all, NULL,
					    NULL), 0);
	buf_release(&all.keys);
	struct buf got = BUF_INIT;
	drain_cursor(held[0], &got);
	assert_string_equal(got.data, "/core/pods/a/p1=1;/core/pods/a/p2=2;");
	buf_release(&got);
	assert_int_equal(store_cursor_open(&c, f->s, "/core/pods/", NULL, STORE_CURSOR_HELD,
					   NULL, NULL), 0);
	store_cursor_close(c);
	for (int i = 0; i < 4; i++)
		store_cursor_close(held[i]);
	alarm(0);
}

static void expect_event(struct store_watch *w, enum store_event_type type,
			 int64_t rev, const char *key, const char *value,
			 const char *prev)
{
	struct store_event *ev = NULL;
	assert_int_equal(store_watch_next(w, &ev, 1000), 1);
	assert_int_equal(ev->type, type);
	assert_int_equal(ev->rev, rev);
	assert_string_equal(ev->key, key);
	assert_string_equal(ev->value, value);
	if (prev)
		assert_string_equal(ev->prev, prev);
	else
		assert_null(ev->prev);
	store_event_unref(ev);
}

static void test_watch_ring_and_table(void **state)
{
	struct fixture *f = *state;
	PUT(f->s, "/core/configmaps/ns/a", "a1");                       /* 1 */
	PUT(f->s, "/core/secrets/ns/s", "s1");                          /* 2 */
	store_update(f->s, "/core/configmaps/ns/a", 0, "a2", 2, NULL, NULL); /* 3 */

	struct store_watch *w;
	struct berr err = BERR_INIT;
	assert_int_equal(store_watch_open(&w, f->s, "/core/configmaps/", 0, &err), 0);
	expect_event(w, STORE_ADDED, 1, "/core/configmaps/ns/a", "a1", NULL);
	expect_event(w, STORE_MODIFIED, 3, "/core/configmaps/ns/a", "a2", "a1");
	struct store_event *ev = NULL;
	assert_int_equal(store_watch_next(w, &ev, 0), 0);
	assert_int_equal(store_watch_next(w, &ev, 20), 0);
	store_delete(f->s, "/core/configmaps/ns/a", 0, "final", 5, NULL, NULL);  /* 4 */
	expect_event(w, STORE_DELETED, 4, "/core/configmaps/ns/a", "final", "a2");
	store_watch_close(w);

	/* a reopened store has an empty ring: events come from the table */
	store_close(f->s);
	assert_int_equal(store_open(&f->s, f->path, NULL, &err), 0);
	assert_int_equal(store_revision(f->s), 4);
	assert_int_equal(store_watch_open(&w, f->s, "/core/configmaps/", 1, &err), 0);
	expect_event(w, STORE_MODIFIED, 3, "/core/configmaps/ns/a", "a2", "a1");
	expect_event(w, STORE_DELETED, 4, "/core/configmaps/ns/a", "final", "a2");
	assert_int_equal(store_watch_next(w, &ev, 0), 0);
	PUT(f->s, "/core/configmaps/ns/b", "b1");                       /* 5 */
	expect_event(w, STORE_ADDED, 5, "/core/configmaps/ns/b", "b1", NULL);
	store_watch_close(w);
}

struct waiter_arg {
	struct store *s;
};

static void *late_writer(void *p)
{
	struct waiter_arg *a = p;
	usleep(50 * 1000);
	PUT(a->s, "/core/pods/x/late", "v");
	return NULL;
}

static void test_watch_blocks_until_write(void **state)
{
	struct fixture *f = *state;
	struct store_watch *w;
	assert_int_equal(store_watch_open(&w, f->s, "/core/pods/", store_revision(f->s), NULL), 0);
	pthread_t t;
	struct waiter_arg a = { f->s };
	pthread_create(&t, NULL, late_writer, &a);
	struct store_event *ev = NULL;
	assert_int_equal(store_watch_next(w, &ev, 5000), 1);
	assert_string_equal(ev->key, "/core/pods/x/late");
	store_event_unref(ev);
	pthread_join(t, NULL);
	store_watch_close(w);
}

static void test_ring_overflow_falls_back_to_table(void **state)
{
	struct fixture *f = *state;
	store_close(f->s);
	struct store_opts o = { .history = 100000, .ring = 8 };
	assert_int_equal(store_open(&f->s, f->path, &o, NULL), 0);
	char key[64];
	for (int i = 0; i < 600; i++) {
		snprintf(key, sizeof(key), "/core/configmaps/ns/k%03d", i);
		PUT(f->s, key, i % 2 ? "odd" : "even");
	}
	struct store_watch *w;
	assert_int_equal(store_watch_open(&w, f->s, "/core/configmaps/ns/k1", 0, NULL), 0);
	int n = 0;
	struct store_event *ev;
	while (store_watch_next(w, &ev, 0) == 1) {
		assert_int_equal(strncmp(ev->key, "/core/configmaps/ns/k1", 21), 0);
		n++;
		store_event_unref(ev);
	}
	assert_int_equal(n, 100);
	assert_int_equal(store_watch_rev(w), 600);
	store_watch_close(w);

	/* a watcher that falls behind the ring keeps up through the table */
	assert_int_equal(store_watch_open(&w, f->s, "", 600, NULL), 0);
	for (int i = 0; i < 20; i++)
		store_update(f->s, "/core/configmaps/ns/k000", 0, "again", 5, NULL, NULL);
	n = 0;
	while (store_watch_next(w, &ev, 0) == 1) {
		assert_int_equal(ev->rev, 601 + n);
		n++;
		store_event_unref(ev);
	}
	assert_int_equal(n, 20);
	store_watch_close(w);
}

/* 4 MiB values: the ring keeps fewer of them than its count allows (its
 * byte budget), the table batches are cut short, and a watcher from the
 * start still gets every event in order with its value intact. */
static void test_large_values_bounded_ring(void **state)
{
	struct fixture *f = *state;
	size_t len = 4u << 20;
	char *big = xmalloc(len + 1);
	char key[64];
	for (int i = 0; i < 24; i++) {
		memset(big, 'a' + i, len);
		big[len] = '\0';
		snprintf(key, sizeof(key), "/core/secrets/ns/s%02d", i);
		assert_int_equal(store_create(f->s, key, big, len, NULL, NULL), 0);
	}
	struct store_watch *w;
	assert_int_equal(store_watch_open(&w, f->s, "/core/secrets/", 0, NULL), 0);
	struct store_event *ev;
	int n = 0;
	while (store_watch_next(w, &ev, 0) == 1) {
		assert_int_equal(ev->rev, n + 1);
		assert_int_equal(ev->len, len);
		assert_int_equal(ev->value[0], 'a' + n);
		assert_int_equal(ev->value[len - 1], 'a' + n);
		n++;
		store_event_unref(ev);
	}
	assert_int_equal(n, 24);
	store_watch_close(w);
	free(big);
}

/* What a listener saw: revisions from `queued`, in the order it saw them. */
struct heard {
	int64_t revs[4096];
	int n;                  /* under the store's write lock */
	int committed;          /* atomic */
};

static void heard_queued(void *arg, struct store_event *ev)
{
	struct heard *h = arg;
	if (h->n < 4096)
		h->revs[h->n++] = ev->rev;
}

static void heard_committed(void *arg)
{
	struct heard *h = arg;
	__atomic_add_fetch(&h->committed, 1, __ATOMIC_ACQ_REL);
}

struct writer_arg {
	struct store *s;
	int id;
};

static void *listener_writer(void *p)
{
	struct writer_arg *a = p;
	for (int i = 0; i < 200; i++) {
		char key[64];
		snprintf(key, sizeof(key), "/core/configmaps/w%d/k%d", a->id, i);
		assert_int_equal(PUT(a->s, key, "v"), 0);
		assert_int_equal(store_update(a->s, key, 0, "w", 1, NULL, NULL), 0);
	}
	return NULL;
}

/* Every committed write reaches the listener once, in revision order, from
 * four writers at once; a failed write does not. */
static void test_listener_sees_every_write_in_order(void **state)
{
	struct fixture *f = *state;
	struct heard *h = xcalloc(1, sizeof(*h));
	struct store_listener l = { heard_queued, heard_committed, h };
	store_set_listener(f->s, &l);
	pthread_t t[4];
	struct writer_arg a[4];
	for (int i = 0; i < 4; i++) {
		a[i] = (struct writer_arg){ f->s, i };
		pthread_create(&t[i], NULL, listener_writer, &a[i]);
	}
	for (int i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	assert_int_equal(PUT(f->s, "/core/configmaps/w0/k0", "again"), BERR_EXISTS);
	assert_int_equal(store_update(f->s, "/core/configmaps/w0/k0", 1, "x", 1, NULL, NULL),
			 BERR_CONFLICT);
	assert_int_equal(h->n, 1600);
	assert_int_equal(__atomic_load_n(&h->committed, __ATOMIC_ACQUIRE), 1600);
	for (int i = 0; i < h->n; i++)
		assert_int_equal(h->revs[i], i + 1);
	store_set_listener(f->s, NULL);
	assert_int_equal(PUT(f->s, "/core/configmaps/after", "v"), 0);
	assert_int_equal(h->n, 1600);
	free(h);
}

static void test_compaction_gone(void **state)
{
	struct fixture *f = *state;
	store_close(f->s);
	struct store_opts o = { .history = 40, .ring = 16 };
	struct berr err = BERR_INIT;
	assert_int_equal(store_open(&f->s, f->path, &o, &err), 0);
	PUT(f->s, "/core/configmaps/ns/gone", "x");
	store_delete(f->s, "/core/configmaps/ns/gone", 0, NULL, 0, NULL, NULL);
	PUT(f->s, "/core/configmaps/ns/keep", "k");
	for (int i = 0; i < 200; i++)
		store_update(f->s, "/core/configmaps/ns/hot", 0, "h", 1, NULL, NULL) == BERR_NOTFOUND
			? PUT(f->s, "/core/configmaps/ns/hot", "h") : 0;
	assert_int_equal(store_compact(f->s, &err), 0);
	int64_t c = store_compacted(f->s);
	assert_true(c >= 203 - 40 - 1 && c <= 203 - 40);
	struct store_watch *w;
	assert_int_equal(store_watch_open(&w, f->s, "", 1, &err), BERR_LIMIT);
	assert_non_null(strstr(err.msg, "too old resource version"));
	/* a live key survives compaction, a deleted one stays deleted */
	struct store_kv kv;
	assert_int_equal(store_get(f->s, "/core/configmaps/ns/keep", &kv, &err), 0);
	store_kv_free(&kv);
	assert_int_equal(store_get(f->s, "/core/configmaps/ns/gone", &kv, &err), BERR_NOTFOUND);
	assert_int_equal(store_count(f->s, "/core/configmaps/"), 2);
	/* history is bounded: a few rows, not 200 */
	store_close(f->s);
	char cmd[256];
	snprintf(cmd, sizeof(cmd), "test $(sqlite3 '%s' 'select count(*) from revisions') -le 45",
		 f->path);
	if (system("command -v sqlite3 >/dev/null") == 0)
		assert_int_equal(system(cmd), 0);
	/* the revision never goes back after a restart */
	assert_int_equal(store_open(&f->s, f->path, &o, &err), 0);
	assert_int_equal(store_revision(f->s), 203);
	assert_int_equal(store_watch_open(&w, f->s, "", c, &err), 0);
	store_watch_close(w);
}

/* A pinned watch (the process's own followers) holds compaction back to
 * what it has not read: it gets every event, where a watch of a client
 * would have fallen behind with BERR_LIMIT (test_compaction_gone). */
static void test_pinned_watch_holds_compaction(void **state)
{
	struct fixture *f = *state;
	store_close(f->s);
	struct store_opts o = { .history = 20, .ring = 8 };
	struct berr err = BERR_INIT;
	assert_int_equal(store_open(&f->s, f->path, &o, &err), 0);
	struct store_watch *w;
	int64_t from = store_revision(f->s);
	assert_int_equal(store_watch_open(&w, f->s, "", from, &err), 0);
	store_watch_pin(w);
	for (int i = 0; i < 100; i++) {
		char key[64];
		snprintf(key, sizeof(key), "/core/configmaps/ns/k%03d", i);
		PUT(f->s, key, "v");
	}
	assert_int_equal(store_compact(f->s, &err), 0);
	assert_true(store_compacted(f->s) <= from);
	struct store_event *ev;
	int n = 0;
	while (store_watch_next(w, &ev, 0) == 1) {
		n++;
		store_event_unref(ev);
	}
	assert_int_equal(n, 100);
	/* once read, the history can go */
	assert_int_equal(store_compact(f->s, &err), 0);
	assert_true(store_compacted(f->s) >= from + 100 - 20 - 1);
	store_watch_close(w);
}

/* A child writes keys and reports each acknowledged write on a pipe; the
 * parent SIGKILLs it mid-stream and checks every acknowledged key is there. */
static void test_sigkill_loses_no_acknowledged_write(void **state)
{
	struct fixture *f = *state;
	store_close(f->s);
	f->s = NULL;
	int p[2];
	assert_int_equal(pipe(p), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(p[0]);
		struct store *s;
		if (store_open(&s, f->path, NULL, NULL))
			_exit(1);
		char key[64];
		for (int i = 0;; i++) {
			snprintf(key, sizeof(key), "/core/configmaps/crash/k%06d", i);
			if (PUT(s, key, "value"))
				_exit(2);
			if (write(p[1], &i, sizeof(i)) != sizeof(i))
				_exit(3);
		}
	}
	close(p[1]);
	int acked = -1, v;
	while (acked < 300 && read(p[0], &v, sizeof(v)) == sizeof(v))
		acked = v;
	kill(pid, SIGKILL);
	while (read(p[0], &v, sizeof(v)) == sizeof(v))
		acked = v;
	close(p[0]);
	int status;
	waitpid(pid, &status, 0);
	assert_true(WIFSIGNALED(status));
	assert_int_equal(store_open(&f->s, f->path, NULL, NULL), 0);
	assert_true(store_count(f->s, "/core/configmaps/crash/") >= acked + 1);
	char key[64];
	struct store_kv kv;
	for (int i = 0; i <= acked; i++) {
		snprintf(key, sizeof(key), "/core/configmaps/crash/k%06d", i);
		assert_int_equal(store_get(f->s, key, &kv, NULL), 0);
		store_kv_free(&kv);
	}
}

static void test_encryption_at_rest(void **state)
{
	struct fixture *f = *state;
	unsigned char key[32];
	for (int i = 0; i < 32; i++)
		key[i] = (unsigned char)i;
	const char *const prefixes[] = { "/core/secrets/", NULL };
	store_set_encryption(f->s, key, prefixes);
	const char *secret = "{\"data\":{\"password\":\"c2VjcmV0LXZhbHVl\"}}";
	assert_int_equal(PUT(f->s, "/core/secrets/ns/s", secret), 0);
	assert_int_equal(PUT(f->s, "/core/configmaps/ns/c", "{\"plain\":\"visible\"}"), 0);
	store_update(f->s, "/core/secrets/ns/s", 0, "{\"v\":2}", 7, NULL, NULL);
	struct store_kv kv;
	assert_int_equal(store_get(f->s, "/core/secrets/ns/s", &kv, NULL), 0);
	assert_string_equal(kv.value, "{\"v\":2}");
	store_kv_free(&kv);
	struct collect c = { BUF_INIT, 0, 0 };
	store_list(f->s, "/core/secrets/", NULL, 0, collect_fn, &c, NULL, NULL);
	assert_string_equal(c.keys.data, "/core/secrets/ns/s={\"v\":2};");
	buf_release(&c.keys);
	struct store_cursor *cur;
	struct buf got = BUF_INIT;
	assert_int_equal(store_cursor_open(&cur, f->s, "/core/", NULL, 0, NULL, NULL), 0);
	drain_cursor(cur, &got);
	store_cursor_close(cur);
	assert_string_equal(got.data, "/core/configmaps/ns/c={\"plain\":\"visible\"};"
			    "/core/secrets/ns/s={\"v\":2};");
	buf_release(&got);

	/* the file holds no plaintext of the secret, but that of the configmap */
	store_close(f->s);
	struct buf raw = BUF_INIT;
	char wal[160];
	snprintf(wal, sizeof(wal), "%s-wal", f->path);
	buf_read_file(&raw, f->path, 64 << 20);
	buf_read_file(&raw, wal, 64 << 20);
	assert_null(memmem(raw.data, raw.len, "c2VjcmV0LXZhbHVl", 16));
	assert_non_null(memmem(raw.data, raw.len, "visible", 7));
	buf_release(&raw);

	/* reopened with the key, replay from the table decrypts too */
	assert_int_equal(store_open(&f->s, f->path, NULL, NULL), 0);
	store_set_encryption(f->s, key, prefixes);
	struct store_watch *w;
	assert_int_equal(store_watch_open(&w, f->s, "/core/secrets/", 0, NULL), 0);
	expect_event(w, STORE_ADDED, 1, "/core/secrets/ns/s", secret, NULL);
	expect_event(w, STORE_MODIFIED, 3, "/core/secrets/ns/s", "{\"v\":2}", secret);
	store_watch_close(w);
	/* a wrong key reads as empty rather than as garbage */
	store_close(f->s);
	assert_int_equal(store_open(&f->s, f->path, NULL, NULL), 0);
	key[0] ^= 1;
	store_set_encryption(f->s, key, prefixes);
	assert_int_equal(store_get(f->s, "/core/secrets/ns/s", &kv, NULL), 0);
	assert_int_equal(kv.len, 0);
	store_kv_free(&kv);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_create_get_update_delete, setup, teardown),
		cmocka_unit_test_setup_teardown(test_list_prefix, setup, teardown),
		cmocka_unit_test_setup_teardown(test_list_is_a_snapshot_writes_go_on, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cursor_is_a_snapshot, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cursor_early_close_and_held_cap, setup, teardown),
		cmocka_unit_test_setup_teardown(test_watch_ring_and_table, setup, teardown),
		cmocka_unit_test_setup_teardown(test_watch_blocks_until_write, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ring_overflow_falls_back_to_table, setup, teardown),
		cmocka_unit_test_setup_teardown(test_large_values_bounded_ring, setup, teardown),
		cmocka_unit_test_setup_teardown(test_compaction_gone, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pinned_watch_holds_compaction, setup, teardown),
		cmocka_unit_test_setup_teardown(test_listener_sees_every_write_in_order, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_sigkill_loses_no_acknowledged_write, setup, teardown),
		cmocka_unit_test_setup_teardown(test_encryption_at_rest, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
