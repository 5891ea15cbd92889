/*
 * graceful — the timers of graceful pod deletion.
 *
 * A pod deleted gracefully stays, Terminating, until its containers have
 * stopped; then the kubelet deletes it for good. In the bundled cluster the
 * object layer plays that kubelet part: it schedules each marked pod here,
 * and one thread calls back when the pod is due. Entries name the pod by
 * namespace, name and uid, so a pod re-created under the same name is not
 * touched by the old one's timer.
 *
 * Thread-safe. The callback runs on the timer thread, never under its lock.
 */
#ifndef BOSUN_ORCH_GRACEFUL_H
#define BOSUN_ORCH_GRACEFUL_H

#include <stdint.h>

struct graceful;

typedef void (*graceful_fn)(const char *ns, const char *name, const char *uid, void *ctx);

/* Starts the timer thread. Free with graceful_free(), which stops it and
 * drops whatever was still scheduled. */
struct graceful *graceful_new(graceful_fn fn, void *ctx);
void graceful_free(struct graceful *g);

/* Calls fn for the pod in `after_ms` milliseconds; a pod scheduled again
 * keeps the earlier of its two times. Strings are copied. */
void graceful_schedule(struct graceful *g, const char *ns, const char *name, const char *uid,
		       int64_t after_ms);

#endif
