/*
 * store — the bundled cluster's storage: revisions of keys in sqlite, as
 * k3s's kine keeps them, plus watches over them.
 *
 * Every write (create, update, delete) appends one row with the next global
 * revision; that revision is the object's resourceVersion. A delete appends
 * a tombstone row that carries the object's last value, so watchers see what
 * was deleted. Keys look like /<group>/<resource>/<namespace>/<name> ("core"
 * for the empty group, no namespace part for cluster-scoped kinds); the
 * store itself treats them as opaque strings and lists by prefix.
 *
 * Values are opaque bytes to the store (the API keeps JSON without
 * metadata.resourceVersion in them and sets it from the revision on read).
 *
 * Watches read recent events from an in-memory ring and older ones from the
 * table; a watch that starts at a revision compaction already removed fails
 * with BERR_LIMIT ("too old resource version"), which the API turns into
 * 410 Gone. Compaction keeps the last `history` revisions of every key's
 * superseded rows and runs every `history / 4` writes.
 *
 * Durability: WAL mode with synchronous=NORMAL. A commit is acknowledged once
 * its frames are written into the WAL file with write(2); the OS owns them from
 * then on, so a process crash (SIGKILL at any moment) loses nothing that was
 * acknowledged — only a power loss or kernel crash can drop the last commits,
 * which synchronous=FULL (an fsync per commit) would also cover, at a cost
 * of about one disk flush per write. `store_open_opts.full_sync` selects it.
 *
 * Encryption at rest: store_set_encryption() makes the values under chosen
 * prefixes (Secrets) AES-256-GCM ciphertext in the database file.
 *
 * Thread-safety: every function may be called from any thread. One mutex
 * serialises the writes (and the watches' ring) on the writing connection;
 * gets, lists and counts run on read-only connections of their own (WAL
 * lets them read while one connection writes), so a long list does not hold
 * writers back.
 */
#ifndef BOSUN_ORCH_STORE_H
#define BOSUN_ORCH_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

struct store;

struct store_opts {
	int64_t history;        /* revisions kept for watches; 0 = 10000 */
	size_t ring;            /* events kept in memory; 0 = 4096 */
	int full_sync;          /* synchronous=FULL instead of NORMAL */
};

/* Opens (creating if needed) the database at `path`. `opts` may be NULL.
 * Free with store_close(). */
int store_open(struct store **out, const char *path,
	       const struct store_opts *opts, struct berr *err);
/* Closes the store; every watch on it must already be closed. */
void store_close(struct store *s);

/* The current (latest) revision of the whole store. */
int64_t store_revision(struct store *s);
/* The oldest revision a watch can still start after. */
int64_t store_compacted(struct store *s);

/* One key's latest live value; freed with store_kv_free(). */
struct store_kv {
	char *key;
	char *value;            /* NUL-terminated for convenience */
	size_t len;
	int64_t rev;            /* modification revision = resourceVersion */
	int64_t create_rev;
};

void store_kv_free(struct store_kv *kv);

/*
 * Writes. `*rev_out` (may be NULL) receives the new revision.
 * create: BERR_EXISTS when the key is live.
 * update: BERR_NOTFOUND when it is not; when expect_rev > 0 and differs from
 *   the key's revision, BERR_CONFLICT.
 * delete: same checks as update; `value` (may be NULL) is stored in the
 *   tombstone as the object's final state, otherwise the last value is kept.
 */
int store_create(struct store *s, const char *key, const char *value,
		 size_t len, int64_t *rev_out, struct berr *err);
int store_update(struct store *s, const char *key, int64_t expect_rev,
		 const char *value, size_t len, int64_t *rev_out,
		 struct berr *err);
int store_delete(struct store *s, const char *key, int64_t expect_rev,
		 const char *value, size_t len, int64_t *rev_out,
		 struct berr *err);

/* Fills *out (caller frees with store_kv_free) or returns BERR_NOTFOUND. */
int store_get(struct store *s, const char *key, struct store_kv *out,
	      struct berr *err);

/*
 * Calls fn for every live key starting with `prefix`, in key order, at one
 * consistent revision (returned in *rev_out). The kv passed to fn is only
 * valid during the call, and its value is not NUL-terminated (read it by
 * its len): it is sqlite's own copy, not copied again. A non-zero return from fn stops the walk and is
 * returned. `limit` > 0 stops after that many keys; `after_key` (may be NULL)
 * starts strictly after that key (for continue tokens).
 */
typedef int (*store_list_fn)(const struct store_kv *kv, void *ctx);
int store_list(struct store *s, const char *prefix, const char *after_key,
	       size_t limit, store_list_fn fn, void *ctx, int64_t *rev_out,
	       struct berr *err);
/*
 * A cursor is the pull-style form of store_list (which is a loop over one):
 * the same walk, one live key per store_cursor_next(), at the revision
 * store_cursor_open() returns in *rev_out. It holds a read-only connection
 * and its read transaction (the snapshot) from open until it reaches the end
 * or is closed, which also keeps WAL checkpoints from passing that snapshot:
 * hold one only as long as it takes to walk it.
 *
 * With STORE_CURSOR_HELD the caller says its walk may last as long as some
 * client takes to read it (a streamed response). At most half the readers
 * are held that way, so short gets and lists always find one; past that,
 * open fails at once with BERR_LIMIT and the caller reads in one go instead.
 *
 * open: 0, or <0 with err set (the store cannot be read). Close with
 * store_cursor_close() whatever happens after.
 * next: 1 with *kv set (valid until the next call on the cursor; as in
 * store_list, the value is decrypted but not NUL-terminated), 0 at the end,
 * <0 on a read error. The connection goes back to the pool as soon as the
 * walk ends or fails, before close.
 */
struct store_cursor;

#define STORE_CURSOR_HELD 1

int store_cursor_open(struct store_cursor **out, struct store *s, const char *prefix,
		      const char *after_key, int flags, int64_t *rev_out, struct berr *err);
int store_cursor_next(struct store_cursor *c, const struct store_kv **kv, struct berr *err);
void store_cursor_close(struct store_cursor *c);

/* Number of live keys under prefix. */
int64_t store_count(struct store *s, const char *prefix);

/* --- watch ---------------------------------------------------------------- */

enum store_event_type { STORE_ADDED, STORE_MODIFIED, STORE_DELETED };

/* Shared, reference-counted, immutable. */
struct store_event {
	int refs;
	enum store_event_type type;
	int64_t rev;
	char *key;
	char *value;            /* new value; for DELETED the final value */
	size_t len;
	char *prev;             /* previous value, NULL on ADDED */
	size_t prev_len;
};

struct store_event *store_event_ref(struct store_event *ev);
void store_event_unref(struct store_event *ev);

/*
 * A listener sees every committed event on the thread that wrote it:
 * `queued` under the store's write lock, so in revision order (it must be
 * quick and must not call into the store), then `committed` right after the
 * lock is released, for the slower part. A follower thread would add a
 * wake-up, and the wait for a CPU that comes with it, to every event; the
 * API's watch hub fans events out to its clients this way.
 */
struct store_listener {
	void (*queued)(void *arg, struct store_event *ev);
	void (*committed)(void *arg);
	void *arg;
};
/* Sets (or with NULL clears) the store's one listener. */
void store_set_listener(struct store *s, const struct store_listener *l);

struct store_watch;

/*
 * Starts a watch on keys under `prefix` for events with revision > after_rev.
 * BERR_LIMIT when after_rev is older than the compacted revision. Close with
 * store_watch_close().
 */
int store_watch_open(struct store_watch **out, struct store *s,
		     const char *prefix, int64_t after_rev, struct berr *err);
/*
 * Waits up to timeout_ms (0: no wait, <0: forever) for the next event.
 * Returns 1 with *out set (caller unrefs), 0 on timeout, BERR_LIMIT when the
 * watcher fell behind compaction, BERR_FAIL when the store is closing.
 */
int store_watch_next(struct store_watch *w, struct store_event **out,
		     int timeout_ms);
/*
 * Holds compaction back to what this watch has not read yet: for the
 * process's own followers (the simulation, the API's watch hub), which a
 * burst of writes of their own must not push past the history and into a
 * full relist. Only for watches that keep reading.
 */
void store_watch_pin(struct store_watch *w);
/* Revision this watch has delivered up to. */
int64_t store_watch_rev(struct store_watch *w);
void store_watch_close(struct store_watch *w);
/* Wakes every watcher (they return 0 at once); used on shutdown. */
void store_wake_all(struct store *s);

/*
 * Encrypts at rest, with AES-256-GCM under `key`, the values of every key
 * starting with one of `prefixes` (NULL-terminated, copied) from now on;
 * values already stored stay readable either way, since each encrypted
 * value carries a marker. Reads and watch events always give plaintext.
 * Call before any write.
 */
void store_set_encryption(struct store *s, const unsigned char key[32],
			  const char *const *prefixes);

/* Compacts now: drops superseded rows older than revision - history. */
int store_compact(struct store *s, struct berr *err);

#endif
