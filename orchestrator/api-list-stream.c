/*
 * api-list-stream.c — a list without a limit, streamed from a store cursor.
 *
 * The head goes out, then the objects as the cursor yields them, made a
 * block at a time, so 10,000 Pods never make a 36 MB buffer. Making the
 * text (sqlite reads, resourceVersions spliced in) costs about as much CPU
 * as sending it (TLS, the socket), so a list longer than its first block
 * gets a producer thread that makes the next block while the server's
 * worker sends the last one: a 10,000-Pod list then takes the time of the
 * larger half instead of both. At most PRODUCERS_MAX run at once, as many
 * as the store lets cursors hold readers; past that (a thread that cannot
 * start) a list is made by its worker as it sends.
 *
 * The cursor holds a pooled sqlite reader and its snapshot while the client
 * reads; to bound that, it is opened with STORE_CURSOR_HELD (half the pool
 * at most, else the list is buffered by the caller), and a stream still
 * reading rows LIST_STREAM_HOLD_MS after it started reads the rest into
 * memory at once and gives the reader back: a slow client then costs
 * memory, as a buffered list does, never a reader. The producer does that
 * on its own clock, so a client that trickles cannot keep the reader
 * either. A client that stops reading altogether is dropped after the
 * server's connection timeout, which frees the stream (and stops its
 * producer) with the response.
 */
#include "api.h"

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "clock.h"
#include "log.h"

#define LIST_STREAM_HOLD_MS 1000
#define BLOCK (256 * 1024)      /* what the producer makes at a time */
#define AHEAD (4 * BLOCK)      /* how far ahead of the sending it may be */
#define PRODUCERS_MAX 4

static int producers;           /* running, atomic */

struct list_stream {
	struct store_cursor *cur;       /* NULL once every row was read */
	struct selector *labels, *fields;
	size_t n;                       /* objects written */
	int64_t hold_until;             /* monotonic ms */
	char *prefix;                   /* for the log */
	struct buf text;                /* the worker's: made, sent from `off` on */
	size_t off;

	/* with a producer, only it touches cur and n; the rest under mu */
	int producing;
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cond;
	struct buf ready;               /* made, not taken by the worker yet */
	int done;                       /* the producer made its last block */
	int failed;
	int stop;                       /* the response is gone */
};

/* Adds objects to out until `want` bytes are there or the rows end (then
 * the list's tail). <0 when the store fails. */
static int make_more(struct list_stream *l, struct buf *out, size_t want)
{
	while (l->cur && out->len < want) {
		const struct store_kv *kv;
		struct berr e = BERR_INIT;
		int rc = store_cursor_next(l->cur, &kv, &e);
		if (rc < 0) {
			log_warn("streamed list failed midway", "prefix", l->prefix, "error", e.msg, NULL);
			return rc;
		}
		if (rc == 0) {
			store_cursor_close(l->cur);
			l->cur = NULL;
			buf_adds(out, "]}\n");
			break;
		}
		int match = objects_stored_match(kv->value, kv->len, l->labels);
		if (match && api_list_item_append(out, kv, match, l->labels, l->fields, l->n > 0))
			l->n++;
	}
	return 0;
}

static void *producer_main(void *p)
{
	struct list_stream *l = p;
	struct buf work = BUF_INIT;
	int failed = 0;
	pthread_setname_np(pthread_self(), "list-producer");
	while (l->cur && !failed) {
		/* a slow client: the rest of the rows now, and the reader back */
		size_t want = clock_ms() >= l->hold_until ? SIZE_MAX : BLOCK;
		failed = make_more(l, &work, want) < 0;
		if (failed && l->cur) {
			store_cursor_close(l->cur);
			l->cur = NULL;
		}
		pthread_mutex_lock(&l->mu);
		for (;;) {
			if (l->stop || l->ready.len < AHEAD)
				break;
			if (l->cur) {
				struct timespec until = { l->hold_until / 1000,
							  (l->hold_until % 1000) * 1000000 };
				if (pthread_cond_timedwait(&l->cond, &l->mu, &until) &&
				    clock_ms() >= l->hold_until)
					break;  /* go read the rest meanwhile */
			} else {
				pthread_cond_wait(&l->cond, &l->mu);
			}
		}
		if (l->stop) {
			pthread_mutex_unlock(&l->mu);
			break;
		}
		if (!l->ready.len) {
			struct buf t = l->ready;
			l->ready = work;
			work = t;
		} else if (l->ready.len < AHEAD) {
			buf_add(&l->ready, work.data, work.len);
			buf_reset(&work);
		}       /* else past the hold: read on first */
		l->done = !l->cur;
		l->failed = failed;
		pthread_cond_broadcast(&l->cond);
		pthread_mutex_unlock(&l->mu);
	}
	buf_release(&work);
	return NULL;
}

static void start_producer(struct list_stream *l)
{
	if (__atomic_add_fetch(&producers, 1, __ATOMIC_ACQ_REL) > PRODUCERS_MAX) {
		__atomic_sub_fetch(&producers, 1, __ATOMIC_ACQ_REL);
		return;
	}
	pthread_mutex_init(&l->mu, NULL);
	cond_init_monotonic(&l->cond);
	if (pthread_create(&l->thread, NULL, producer_main, l) != 0) {
		pthread_cond_destroy(&l->cond);
		pthread_mutex_destroy(&l->mu);
		__atomic_sub_fetch(&producers, 1, __ATOMIC_ACQ_REL);
		return;
	}
	l->producing = 1;
}

/* The next text into l->text (empty): from the producer, or made here.
 * <0 when the store failed. */
static int next_text(struct list_stream *l, size_t want)
{
	if (!l->producing) {
		if (l->cur && clock_ms() >= l->hold_until)
			want = SIZE_MAX;
		if (make_more(l, &l->text, want) < 0)
			return -1;
		if (l->cur)
			start_producer(l);
		return 0;
	}
	pthread_mutex_lock(&l->mu);
	while (!l->ready.len && !l->done)
		pthread_cond_wait(&l->cond, &l->mu);
	struct buf t = l->text;
	l->text = l->ready;
	l->ready = t;
	int failed = l->failed && !l->text.len;
	pthread_cond_broadcast(&l->cond);
	pthread_mutex_unlock(&l->mu);
	return failed ? -1 : 0;
}

static long list_stream_fill(void *p, char *out, size_t max)
{
	struct list_stream *l = p;
	size_t w = 0;
	while (w < max) {
		if (l->off == l->text.len) {
			buf_reset(&l->text);
			l->off = 0;
			if (!l->producing && !l->cur)
				break;
			if (next_text(l, max - w) < 0)
				return -1;
			if (!l->text.len)
				break;
		}
		size_t n = l->text.len - l->off < max - w ? l->text.len - l->off : max - w;
		memcpy(out + w, l->text.data + l->off, n);
		l->off += n;
		w += n;
	}
	return (long)w;
}

static void list_stream_free(void *p)
{
	struct list_stream *l = p;
	if (l->producing) {
		pthread_mutex_lock(&l->mu);
		l->stop = 1;
		pthread_cond_broadcast(&l->cond);
		pthread_mutex_unlock(&l->mu);
		pthread_join(l->thread, NULL);
		pthread_cond_destroy(&l->cond);
		pthread_mutex_destroy(&l->mu);
		__atomic_sub_fetch(&producers, 1, __ATOMIC_ACQ_REL);
	}
	store_cursor_close(l->cur);
	selector_free(l->labels);
	selector_free(l->fields);
	buf_release(&l->text);
	buf_release(&l->ready);
	free(l->prefix);
	free(l);
}

void api_list_stream(struct http_response *resp, const struct resource *res,
		     struct store_cursor *cur, int64_t rev, struct selector *labels,
		     struct selector *fields, char *prefix)
{
	struct list_stream *l = xcalloc(1, sizeof(*l));
	l->cur = cur;
	l->labels = labels;
	l->fields = fields;
	l->prefix = prefix;
	l->text = (struct buf)BUF_INIT;
	l->ready = (struct buf)BUF_INIT;
	l->hold_until = clock_ms() + LIST_STREAM_HOLD_MS;
	char av[512];
	resource_api_version(res, av, sizeof(av));
	buf_addf(&l->text, "{\"kind\":\"%s\",\"apiVersion\":\"%s\",\"metadata\":"
		 "{\"resourceVersion\":\"%lld\"},\"items\":[", res->list_kind, av, (long long)rev);
	resp->status = 200;
	http_response_header(resp, "Content-Type", "application/json");
	http_response_pull(resp, list_stream_fill, l, list_stream_free);
}
