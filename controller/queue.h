/*
 * queue — the controller's work queue of application names, with the
 * semantics of client-go's workqueue: a name queued twice is processed
 * once; a name added while a worker holds it is processed again after
 * queue_done(), never by two workers at once; queue_add_after() schedules
 * an addition for later (backoffs, waiting for a hook).
 */
#ifndef BOSUN_CTRL_QUEUE_H
#define BOSUN_CTRL_QUEUE_H

#include <stddef.h>

struct queue;

/* Free with queue_free() (after every worker has returned). */
struct queue *queue_new(void);
void queue_free(struct queue *q);

/* Adds `key` (copied) unless it is already waiting. */
void queue_add(struct queue *q, const char *key);
/* Adds `key` after `delay_ms`; an earlier pending delay for it is kept. */
void queue_add_after(struct queue *q, const char *key, long delay_ms);

/*
 * Blocks until a key is ready and hands it to the caller (*out, malloc'd:
 * the caller frees it and calls queue_done() with it). Returns 0, or -1
 * once queue_shutdown() was called.
 */
int queue_get(struct queue *q, char **out);
/* Marks `key` processed; if it was added meanwhile it is queued again. */
void queue_done(struct queue *q, const char *key);

/* Wakes every waiting worker; queue_get() returns -1 from then on. */
void queue_shutdown(struct queue *q);

/* Keys waiting now (not delayed, not being processed). */
size_t queue_len(struct queue *q);
/* Total keys ever added that were not duplicates. */
unsigned long queue_adds(struct queue *q);

#endif
