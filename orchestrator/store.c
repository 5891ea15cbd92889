/*
 * store.c — kine-style revisions in sqlite, with an in-memory event ring.
 *
 * One table, `revisions`, holds every write: (rev, key, created, deleted,
 * create_rev, prev_rev, value). rev is the primary key and rises by one per
 * write, so the revisions of the store are contiguous; that lets the ring of
 * recent events be indexed by revision directly. A key's current state is
 * its row with the highest rev; it is live unless that row is a tombstone.
 * The index on (key, rev) serves both the latest-row lookup of a write and
 * the prefix scans of a list (GROUP BY key picks each key's newest row in
 * one pass; sqlite returns the bare columns of the MAX() row).
 *
 * A small `meta` table remembers the compacted revision, so the revision
 * counter never goes back even when compaction removed the newest
 * tombstones, and a restarted process refuses watches it cannot replay.
 *
 * Watchers keep the last revision they delivered. When it is inside the ring
 * they scan the ring; when it is older they read batches from the table
 * (rows after the compacted revision are never removed, so the table has
 * every event the ring lost); when it is older than the compacted revision
 * they fail with BERR_LIMIT. Writers broadcast one condition variable.
 * The ring holds at most `ring` events and RING_MAX_BYTES of values, and a
 * batch read from the table about half that, so large objects cost bounded
 * memory however many there are.
 *
 * Writes, compaction's deletes and the watches' table reads use the one
 * writing connection under s->mu. Gets, lists and counts take a read-only
 * connection from a small pool: a list of 10,000 Pods spends ~70 ms walking
 * rows and handing them to its callback, and writers and watches must not
 * wait for that. A list steps its first row under s->mu, which starts its
 * read transaction at exactly s->rev, the revision it reports. Lists are
 * cursors (store_list loops over one), so a caller can also pull the rows
 * at its own pace, as a streamed response does; such a cursor may hold its
 * reader for as long as its client reads, which is why only half the pool
 * can be held that way.
 */
#include "store.h"

#include <errno.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <sys/random.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "clock.h"

#define WATCH_BATCH 256
#define RING_MAX_BYTES ((size_t)32 << 20)
#define CHECKPOINT_PAGES 1000           /* sqlite's own auto-checkpoint size */
#define CHECKPOINT_FORCE_PAGES 50000    /* the writer checkpoints itself past this */
#define CHECKPOINT_RETRY_MS 500         /* after a checkpoint a reader held back */
#define COMPACT_BATCH 1000              /* revisions per compaction transaction */
#define READERS_MAX 8                   /* read-only connections, opened as needed */
#define READERS_HELD_MAX (READERS_MAX / 2)      /* of which STORE_CURSOR_HELD may hold */

/* A read-only connection with its statements; one thread at a time. */
struct reader {
	sqlite3 *db;
	sqlite3_stmt *st_latest, *st_list, *st_list_after, *st_row, *st_count;
	struct reader *next;
};

struct store {
	sqlite3 *db;
	pthread_mutex_t mu;
	pthread_cond_t cond;
	int64_t rev;
	int64_t compacted;
	int64_t history;
	int64_t writes_since_compact;
	int ckpt_at;                    /* WAL length that wakes the next checkpoint */
	unsigned wake_gen;
	int watches;
	struct store_watch *pinned;     /* compaction waits for these */
	struct store_listener listener;

	/* ring of the latest events: ring[(ring_head + i) % ring_cap] has
	 * revision ring_lo + i, for i < ring_len */
	struct store_event **ring;
	size_t ring_cap, ring_head, ring_len;
	int64_t ring_lo;
	size_t ring_bytes;              /* values held by the ring, <= RING_MAX_BYTES */

	int enc;
	unsigned char enc_key[32];
	char **enc_prefixes;

	sqlite3_stmt *st_latest, *st_insert, *st_since, *st_byrev;

	/* the readers' pool: idle ones on `idle`, `nreaders` open in all */
	pthread_mutex_t rd_mu;
	pthread_cond_t rd_cond;
	struct reader *idle;
	int nreaders;
	int nheld;                      /* readers held by STORE_CURSOR_HELD cursors */

	/* maintenance: WAL checkpoints (on a connection of its own) and
	 * compaction run on this thread, off the writers' path */
	char *path;
	pthread_t maint;
	int maint_running;
	pthread_mutex_t maint_mu;
	pthread_cond_t maint_cond;
	int want_checkpoint, want_compact, maint_stop;
};

struct store_watch {
	struct store *s;
	char *prefix;
	size_t prefix_len;
	int64_t rev;
	int64_t covered;        /* the table had nothing more up to here */
	struct store_watch *next_pinned;        /* s->pinned, when pinned */
	int pinned;
	struct store_event *pending[WATCH_BATCH];
	size_t npending, ipending;
};

static const char schema[] =
	"CREATE TABLE IF NOT EXISTS revisions ("
	" rev INTEGER PRIMARY KEY,"
	" key TEXT NOT NULL,"
	" created INTEGER NOT NULL,"
	" deleted INTEGER NOT NULL,"
	" create_rev INTEGER NOT NULL,"
	" prev_rev INTEGER NOT NULL,"
	" value BLOB);"
	"CREATE INDEX IF NOT EXISTS revisions_key ON revisions(key, rev);"
	"CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value INTEGER);";

static int db_fail(struct store *s, struct berr *err, const char *what)
{
	return berr_set(err, BERR_IO, "store: %s: %s", what, sqlite3_errmsg(s->db));
}

static int conn_fail(sqlite3 *db, struct berr *err, const char *what)
{
	return berr_set(err, BERR_IO, "store: %s: %s", what, sqlite3_errmsg(db));
}

static int prepare_on(sqlite3 *db, sqlite3_stmt **st, const char *sql, struct berr *err)
{
	if (sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, st, NULL))
		return conn_fail(db, err, "prepare");
	return 0;
}

static int prepare(struct store *s, sqlite3_stmt **st, const char *sql,
		   struct berr *err)
{
	return prepare_on(s->db, st, sql, err);
}

#define SQL_LATEST "SELECT rev, deleted, create_rev, value FROM revisions" \
		   " WHERE key = ? ORDER BY rev DESC LIMIT 1"

static void reader_free(struct reader *r)
{
	if (!r)
		return;
	sqlite3_stmt *sts[] = { r->st_latest, r->st_list, r->st_list_after, r->st_row,
				r->st_count };
	for (size_t i = 0; i < sizeof(sts) / sizeof(sts[0]); i++)
		sqlite3_finalize(sts[i]);
	sqlite3_close(r->db);
	free(r);
}

static struct reader *reader_open(struct store *s, struct berr *err)
{
	struct reader *r = xcalloc(1, sizeof(*r));
	if (sqlite3_open_v2(s->path, &r->db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL)) {
		berr_set(err, BERR_IO, "cannot open database '%s' for reading: %s", s->path,
			 r->db ? sqlite3_errmsg(r->db) : "out of memory");
		reader_free(r);
		return NULL;
	}
	sqlite3_busy_timeout(r->db, 5000);
	if (prepare_on(r->db, &r->st_latest, SQL_LATEST, err) ||
	    /* a list walks the covering index for each key's newest revision, in
	     * key order, and reads only those rows: reading every superseded
	     * row's value (what a GROUP BY with bare columns does) and sorting
	     * the result cost several times more */
	    prepare_on(r->db, &r->st_list,
		       "SELECT key, MAX(rev) FROM revisions WHERE key >= ? AND key < ?"
		       " GROUP BY key ORDER BY key", err) ||
	    prepare_on(r->db, &r->st_list_after,
		       "SELECT key, MAX(rev) FROM revisions WHERE key >= ? AND key < ?"
		       " AND key > ? GROUP BY key ORDER BY key", err) ||
	    prepare_on(r->db, &r->st_row,
		       "SELECT deleted, create_rev, value FROM revisions WHERE rev = ?", err) ||
	    prepare_on(r->db, &r->st_count,
		       "SELECT COUNT(*) FROM (SELECT MAX(rev), deleted FROM revisions"
		       " WHERE key >= ? AND key < ? GROUP BY key) WHERE deleted = 0", err)) {
		reader_free(r);
		return NULL;
	}
	return r;
}

/* An idle reader, a new one while fewer than READERS_MAX are open, or else
 * the next one given back. */
static int reader_get(struct store *s, struct reader **out, struct berr *err)
{
	pthread_mutex_lock(&s->rd_mu);
	while (!s->idle && s->nreaders >= READERS_MAX)
		pthread_cond_wait(&s->rd_cond, &s->rd_mu);
	struct reader *r = s->idle;
	if (r)
		s->idle = r->next;
	else
		s->nreaders++;
	pthread_mutex_unlock(&s->rd_mu);
	if (r || (r = reader_open(s, err))) {
		*out = r;
		return 0;
	}
	pthread_mutex_lock(&s->rd_mu);
	s->nreaders--;
	pthread_cond_signal(&s->rd_cond);
	pthread_mutex_unlock(&s->rd_mu);
	return BERR_IO;
}

static void reader_put(struct store *s, struct reader *r)
{
	pthread_mutex_lock(&s->rd_mu);
	r->next = s->idle;
	s->idle = r;
	pthread_cond_signal(&s->rd_cond);
	pthread_mutex_unlock(&s->rd_mu);
}

/* The smallest string greater than every string starting with prefix; "" when
 * there is none (an empty prefix or all 0xff), meaning no upper bound. */
static char *prefix_end(const char *prefix)
{
	char *end = xstrdup(prefix);
	for (size_t n = strlen(end); n > 0; n--) {
		if ((unsigned char)end[n - 1] != 0xff) {
			end[n - 1]++;
			end[n] = '\0';
			return end;
		}
	}
	end[0] = '\0';
	return end;
}

static void bind_range(sqlite3_stmt *st, int i, const char *lo, const char *hi)
{
	sqlite3_bind_text(st, i, lo, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, i + 1, hi[0] ? hi : "\xff\xff\xff\xff", -1, SQLITE_TRANSIENT);
}

static int64_t meta_get(struct store *s, const char *name)
{
	sqlite3_stmt *st;
	int64_t v = 0;
	if (sqlite3_prepare_v2(s->db, "SELECT value FROM meta WHERE name = ?", -1, &st, NULL))
		return 0;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

static int meta_set(struct store *s, const char *name, int64_t v)
{
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(s->db, "INSERT OR REPLACE INTO meta(name, value) VALUES(?, ?)",
			       -1, &st, NULL))
		return -1;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, v);
	int rc = sqlite3_step(st) == SQLITE_DONE ? 0 : -1;
	sqlite3_finalize(st);
	return rc;
}

/* --- maintenance -------------------------------------------------------- */

static void maint_wake(struct store *s, int checkpoint, int compact)
{
	pthread_mutex_lock(&s->maint_mu);
	s->want_checkpoint |= checkpoint;
	s->want_compact |= compact;
	pthread_cond_signal(&s->maint_cond);
	pthread_mutex_unlock(&s->maint_mu);
}

/*
 * Called by sqlite after each commit (the writer holds s->mu) with the
 * WAL's size in pages. sqlite would checkpoint right here, in the writer,
 * copying pages and syncing the database file while every other writer and
 * watch waits behind s->mu; the maintenance thread does it instead. Should
 * it fall far behind, the writer checkpoints after all so the WAL stays
 * bounded.
 */
/* After each commit (s->mu held): `pages` is the WAL's length in frames.
 * The maintenance thread is woken once per CHECKPOINT_PAGES new frames: a
 * WAL that readers keep from restarting stays long, and waking it on every
 * commit cost the writers a futex wake each and the thread a checkpoint each. */
static int wal_grown(void *arg, sqlite3 *db, const char *name, int pages)
{
	struct store *s = arg;
	if (pages < s->ckpt_at - CHECKPOINT_PAGES)
		s->ckpt_at = 0;         /* the WAL restarted from its beginning */
	if (pages >= CHECKPOINT_FORCE_PAGES || !s->maint_running) {
		sqlite3_wal_checkpoint_v2(db, name, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
	} else if (pages >= CHECKPOINT_PAGES && pages >= s->ckpt_at) {
		s->ckpt_at = pages + CHECKPOINT_PAGES;
		maint_wake(s, 1, 0);
	}
	return SQLITE_OK;
}

static void *maint_run(void *arg)
{
	struct store *s = arg;
	sqlite3 *db = NULL;
	if (sqlite3_open_v2(s->path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL)) {
		sqlite3_close(db);
		db = NULL;
	} else {
		sqlite3_busy_timeout(db, 5000);
	}
	int behind = 0;         /* the last checkpoint left frames in the WAL */
	pthread_mutex_lock(&s->maint_mu);
	while (!s->maint_stop) {
		if (!s->want_checkpoint && !s->want_compact) {
			if (!behind) {
				pthread_cond_wait(&s->maint_cond, &s->maint_mu);
				continue;
			}
			/* a reader kept the last checkpoint from finishing: try
			 * again soon even if no write comes, or every read pays
			 * for looking its pages up in a long WAL */
			struct timespec until;
			clock_gettime(CLOCK_REALTIME, &until);
			until.tv_nsec += CHECKPOINT_RETRY_MS * 1000000L;
			if (until.tv_nsec >= 1000000000L) {
				until.tv_sec++;
				until.tv_nsec -= 1000000000L;
			}
			if (pthread_cond_timedwait(&s->maint_cond, &s->maint_mu, &until) != ETIMEDOUT)
				continue;
			s->want_checkpoint = 1;
		}
		int checkpoint = s->want_checkpoint, compact = s->want_compact;
		s->want_checkpoint = s->want_compact = 0;
		pthread_mutex_unlock(&s->maint_mu);
		/* PASSIVE: copies what it can without waiting for the writer,
		 * which goes on appending to the WAL meanwhile */
		if (checkpoint && db) {
			int frames = 0, copied = 0;
			behind = sqlite3_wal_checkpoint_v2(db, NULL, SQLITE_CHECKPOINT_PASSIVE, &frames,
							   &copied) != SQLITE_OK || copied < frames;
		}
		if (compact)
			store_compact(s, NULL);
		pthread_mutex_lock(&s->maint_mu);
	}
	pthread_mutex_unlock(&s->maint_mu);
	sqlite3_close(db);
	return NULL;
}

static void maint_stop(struct store *s)
{
	if (!s->maint_running)
		return;
	pthread_mutex_lock(&s->maint_mu);
	s->maint_stop = 1;
	pthread_cond_signal(&s->maint_cond);
	pthread_mutex_unlock(&s->maint_mu);
	pthread_join(s->maint, NULL);
	s->maint_running = 0;
}

int store_open(struct store **out, const char *path,
	       const struct store_opts *opts, struct berr *err)
{
	*out = NULL;
	struct store *s = xcalloc(1, sizeof(*s));
	s->history = opts && opts->history > 0 ? opts->history : 10000;
	s->ring_cap = opts && opts->ring > 0 ? opts->ring : 4096;
	s->ring = xcalloc(s->ring_cap, sizeof(*s->ring));
	pthread_mutex_init(&s->mu, NULL);
	pthread_mutex_init(&s->maint_mu, NULL);
	pthread_cond_init(&s->maint_cond, NULL);
	pthread_mutex_init(&s->rd_mu, NULL);
	pthread_cond_init(&s->rd_cond, NULL);
	s->path = xstrdup(path);
	cond_init_monotonic(&s->cond);

	int rc;
	if (sqlite3_open_v2(path, &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
			    SQLITE_OPEN_NOMUTEX, NULL)) {
		rc = berr_set(err, BERR_IO, "cannot open database '%s': %s", path,
			      s->db ? sqlite3_errmsg(s->db) : "out of memory");
		goto fail;
	}
	sqlite3_busy_timeout(s->db, 5000);
	char sql[128];
	snprintf(sql, sizeof(sql), "PRAGMA journal_mode=WAL; PRAGMA synchronous=%s;",
		 opts && opts->full_sync ? "FULL" : "NORMAL");
	char *msg = NULL;
	if (sqlite3_exec(s->db, sql, NULL, NULL, &msg) ||
	    sqlite3_exec(s->db, schema, NULL, NULL, &msg)) {
		rc = berr_set(err, BERR_IO, "cannot set up database '%s': %s", path,
			      msg ? msg : "unknown error");
		sqlite3_free(msg);
		goto fail;
	}
	if ((rc = prepare(s, &s->st_latest, SQL_LATEST, err)) ||
	    (rc = prepare(s, &s->st_insert,
			  "INSERT INTO revisions(rev, key, created, deleted, create_rev,"
			  " prev_rev, value) VALUES(?, ?, ?, ?, ?, ?, ?)", err)) ||
	    (rc = prepare(s, &s->st_since,
			  "SELECT rev, key, created, deleted, prev_rev, value FROM revisions"
			  " WHERE rev > ? AND key >= ? AND key < ? ORDER BY rev LIMIT ?", err)) ||
	    (rc = prepare(s, &s->st_byrev, "SELECT value FROM revisions WHERE rev = ?", err)))
		goto fail;

	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(s->db, "SELECT IFNULL(MAX(rev), 0) FROM revisions", -1, &st, NULL)) {
		rc = db_fail(s, err, "read revision");
		goto fail;
	}
	if (sqlite3_step(st) == SQLITE_ROW)
		s->rev = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	s->compacted = meta_get(s, "compacted");
	if (s->compacted > s->rev)
		s->rev = s->compacted;
	s->ring_lo = s->rev + 1;
	sqlite3_wal_hook(s->db, wal_grown, s);
	s->maint_running = pthread_create(&s->maint, NULL, maint_run, s) == 0;
	*out = s;
	return 0;
fail:
	store_close(s);
	return rc;
}

static void maint_stop(struct store *s);

void store_close(struct store *s)
{
	if (!s)
		return;
	maint_stop(s);
	while (s->idle) {
		struct reader *r = s->idle;
		s->idle = r->next;
		reader_free(r);
	}
	sqlite3_stmt *sts[] = { s->st_latest, s->st_insert, s->st_since, s->st_byrev };
	for (size_t i = 0; i < sizeof(sts) / sizeof(sts[0]); i++)
		sqlite3_finalize(sts[i]);
	if (s->db)
		sqlite3_close(s->db);
	for (size_t i = 0; i < s->ring_len; i++)
		store_event_unref(s->ring[(s->ring_head + i) % s->ring_cap]);
	free(s->ring);
	for (size_t i = 0; s->enc_prefixes && s->enc_prefixes[i]; i++)
		free(s->enc_prefixes[i]);
	free(s->enc_prefixes);
	OPENSSL_cleanse(s->enc_key, sizeof(s->enc_key));
	pthread_cond_destroy(&s->cond);
	pthread_mutex_destroy(&s->mu);
	pthread_cond_destroy(&s->maint_cond);
	pthread_mutex_destroy(&s->maint_mu);
	pthread_cond_destroy(&s->rd_cond);
	pthread_mutex_destroy(&s->rd_mu);
	free(s->path);
	free(s);
}

int64_t store_revision(struct store *s)
{
	pthread_mutex_lock(&s->mu);
	int64_t r = s->rev;
	pthread_mutex_unlock(&s->mu);
	return r;
}

int64_t store_compacted(struct store *s)
{
	pthread_mutex_lock(&s->mu);
	int64_t r = s->compacted;
	pthread_mutex_unlock(&s->mu);
	return r;
}

void store_kv_free(struct store_kv *kv)
{
	if (!kv)
		return;
	free(kv->key);
	free(kv->value);
	memset(kv, 0, sizeof(*kv));
}

void store_event_unref(struct store_event *ev)
{
	if (!ev || __atomic_sub_fetch(&ev->refs, 1, __ATOMIC_ACQ_REL) > 0)
		return;
	free(ev->key);
	free(ev->value);
	free(ev->prev);
	free(ev);
}

struct store_event *store_event_ref(struct store_event *ev)
{
	__atomic_add_fetch(&ev->refs, 1, __ATOMIC_ACQ_REL);
	return ev;
}

/* --- encryption at rest -------------------------------------------------------- */

#define ENC_MAGIC "\0bosun-enc-v1:"
#define ENC_MAGIC_LEN 14
#define ENC_NONCE 12
#define ENC_TAG 16

void store_set_encryption(struct store *s, const unsigned char key[32],
			  const char *const *prefixes)
{
	pthread_mutex_lock(&s->mu);
	memcpy(s->enc_key, key, 32);
	size_t n = 0;
	while (prefixes && prefixes[n])
		n++;
	s->enc_prefixes = xcalloc(n + 1, sizeof(char *));
	for (size_t i = 0; i < n; i++)
		s->enc_prefixes[i] = xstrdup(prefixes[i]);
	s->enc = 1;
	pthread_mutex_unlock(&s->mu);
}

static int wants_encryption(const struct store *s, const char *key)
{
	if (!s->enc)
		return 0;
	for (size_t i = 0; s->enc_prefixes[i]; i++)
		if (!strncmp(key, s->enc_prefixes[i], strlen(s->enc_prefixes[i])))
			return 1;
	return 0;
}

/* magic | nonce | ciphertext | tag, malloc'd; NULL on failure. */
static unsigned char *encrypt(const struct store *s, const char *in, size_t len, size_t *out_len)
{
	size_t total = ENC_MAGIC_LEN + ENC_NONCE + len + ENC_TAG;
	unsigned char *out = xmalloc(total);
	memcpy(out, ENC_MAGIC, ENC_MAGIC_LEN);
	unsigned char *nonce = out + ENC_MAGIC_LEN, *ct = nonce + ENC_NONCE;
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	int n = 0, ok = getrandom(nonce, ENC_NONCE, 0) == ENC_NONCE && ctx &&
		EVP_EncryptInit_ex(ctx, EVP_aes_256_gcm(), NULL, s->enc_key, nonce) &&
		EVP_EncryptUpdate(ctx, ct, &n, (const unsigned char *)in, (int)len) &&
		EVP_EncryptFinal_ex(ctx, ct + n, &n) &&
		EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, ENC_TAG, ct + len);
	EVP_CIPHER_CTX_free(ctx);
	if (!ok) {
		free(out);
		return NULL;
	}
	*out_len = total;
	return out;
}

/* Decrypts an encrypted blob into a NUL-terminated copy; NULL when it
 * cannot (no key, or the data was tampered with). */
static char *decrypt(const struct store *s, const unsigned char *in, size_t len, size_t *out_len)
{
	if (!s->enc || len < ENC_MAGIC_LEN + ENC_NONCE + ENC_TAG)
		return NULL;
	const unsigned char *nonce = in + ENC_MAGIC_LEN, *ct = nonce + ENC_NONCE;
	size_t ctlen = len - ENC_MAGIC_LEN - ENC_NONCE - ENC_TAG;
	char *out = xmalloc(ctlen + 1);
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	int n = 0, ok = ctx && EVP_DecryptInit_ex(ctx, EVP_aes_256_gcm(), NULL, s->enc_key, nonce) &&
		EVP_DecryptUpdate(ctx, (unsigned char *)out, &n, ct, (int)ctlen) &&
		EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, ENC_TAG, (void *)(ct + ctlen)) &&
		EVP_DecryptFinal_ex(ctx, (unsigned char *)out + n, &n) > 0;
	EVP_CIPHER_CTX_free(ctx);
	if (!ok) {
		free(out);
		return NULL;
	}
	out[ctlen] = '\0';
	*out_len = ctlen;
	return out;
}

/* A stored value as plaintext: a NUL-terminated copy (caller frees). An
 * encrypted value that cannot be decrypted reads as empty. */
static char *plain_copy(const struct store *s, const void *p, size_t n, size_t *len)
{
	if (n >= ENC_MAGIC_LEN && !memcmp(p, ENC_MAGIC, ENC_MAGIC_LEN)) {
		size_t out_len = 0;
		char *v = decrypt(s, p, n, &out_len);
		if (!v) {
			v = xstrdup("");
			out_len = 0;
		}
		if (len)
			*len = out_len;
		return v;
	}
	char *v = xmalloc(n + 1);
	if (n)
		memcpy(v, p, n);
	v[n] = '\0';
	if (len)
		*len = n;
	return v;
}

static char *blob_dup_s(const struct store *s, sqlite3_stmt *st, int col, size_t *len)
{
	return plain_copy(s, sqlite3_column_blob(st, col), (size_t)sqlite3_column_bytes(st, col), len);
}


static char *memdup0(const char *p, size_t n)
{
	char *v = xmalloc(n + 1);
	if (n)
		memcpy(v, p, n);
	v[n] = '\0';
	return v;
}

static size_t event_bytes(const struct store_event *ev)
{
	return ev->len + ev->prev_len + strlen(ev->key) + sizeof(*ev);
}

/* Appends to the ring, dropping its oldest events past its count or its
 * byte budget (large objects must not make the ring hold gigabytes; the
 * watchers behind it read from the table instead). */
static void ring_push(struct store *s, struct store_event *ev)
{
	size_t need = event_bytes(ev);
	while (s->ring_len == s->ring_cap ||
	       (s->ring_len > 0 && s->ring_bytes + need > RING_MAX_BYTES)) {
		struct store_event *old = s->ring[s->ring_head];
		s->ring_bytes -= event_bytes(old);
		store_event_unref(old);
		s->ring_head = (s->ring_head + 1) % s->ring_cap;
		s->ring_len--;
		s->ring_lo++;
	}
	s->ring_bytes += need;
	if (s->ring_len == 0)
		s->ring_lo = ev->rev;
	s->ring[(s->ring_head + s->ring_len) % s->ring_cap] = ev;
	s->ring_len++;
}

/* The latest row of key: 1 found (fills the outputs), 0 none, <0 error. */
struct latest {
	int64_t rev, create_rev;
	int deleted;
	char *value;
	size_t len;
};

/* On the writing connection (s->st_latest) or a reader's (its st_latest). */
static int read_latest(struct store *s, sqlite3_stmt *st, const char *key,
		       struct latest *out, int want_value, struct berr *err)
{
	memset(out, 0, sizeof(*out));
	sqlite3_reset(st);
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_DONE) {
		sqlite3_reset(st);
		return 0;
	}
	if (rc != SQLITE_ROW) {
		rc = conn_fail(sqlite3_db_handle(st), err, "read");
		sqlite3_reset(st);
		return rc;
	}
	out->rev = sqlite3_column_int64(st, 0);
	out->deleted = sqlite3_column_int(st, 1);
	out->create_rev = sqlite3_column_int64(st, 2);
	if (want_value)
		out->value = blob_dup_s(s, st, 3, &out->len);
	sqlite3_reset(st);
	return 1;
}

enum write_op { OP_CREATE, OP_UPDATE, OP_DELETE };

static int write_row(struct store *s, enum write_op op, const char *key,
		     int64_t expect_rev, const char *value, size_t len,
		     int64_t *rev_out, struct berr *err)
{
	if (!key || !key[0])
		return berr_set(err, BERR_INVALID, "store: empty key");
	struct store_listener listener = { 0 };
	int compact_now = 0;
	pthread_mutex_lock(&s->mu);
	struct latest cur;
	int rc = read_latest(s, s->st_latest, key, &cur, 1, err);
	if (rc < 0)
		goto out;
	int live = rc == 1 && !cur.deleted;
	if (op == OP_CREATE && live) {
		rc = berr_set(err, BERR_EXISTS, "key '%s' already exists", key);
		goto out;
	}
	if (op != OP_CREATE && !live) {
		rc = berr_set(err, BERR_NOTFOUND, "key '%s' not found", key);
		goto out;
	}
	if (op != OP_CREATE && expect_rev > 0 && expect_rev != cur.rev) {
		rc = berr_set(err, BERR_CONFLICT,
			      "key '%s' is at revision %lld, not %lld", key,
			      (long long)cur.rev, (long long)expect_rev);
		goto out;
	}
	if (op == OP_DELETE && !value) {
		value = cur.value;
		len = cur.len;
	}

	int64_t rev = s->rev + 1;
	int64_t create_rev = op == OP_CREATE ? rev : cur.create_rev;
	sqlite3_stmt *st = s->st_insert;
	sqlite3_reset(st);
	sqlite3_bind_int64(st, 1, rev);
	sqlite3_bind_text(st, 2, key, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 3, op == OP_CREATE);
	sqlite3_bind_int(st, 4, op == OP_DELETE);
	sqlite3_bind_int64(st, 5, create_rev);
	sqlite3_bind_int64(st, 6, rc == 1 ? cur.rev : 0);
	unsigned char *sealed = NULL;
	size_t sealed_len = 0;
	if (wants_encryption(s, key) &&
	    !(sealed = encrypt(s, value ? value : "", len, &sealed_len))) {
		rc = berr_set(err, BERR_FAIL, "store: cannot encrypt '%s'", key);
		goto out;
	}
	if (sealed)
		sqlite3_bind_blob(st, 7, sealed, (int)sealed_len, free);
	else
		sqlite3_bind_blob(st, 7, value ? value : "", (int)len, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE) {
		rc = db_fail(s, err, "write");
		sqlite3_reset(st);
		goto out;
	}
	sqlite3_reset(st);
	s->rev = rev;

	struct store_event *ev = xcalloc(1, sizeof(*ev));
	ev->refs = 1;
	ev->type = op == OP_CREATE ? STORE_ADDED : op == OP_UPDATE ? STORE_MODIFIED : STORE_DELETED;
	ev->rev = rev;
	ev->key = xstrdup(key);
	ev->value = memdup0(value ? value : "", len);
	ev->len = len;
	if (op != OP_CREATE) {
		ev->prev = cur.value;
		ev->prev_len = cur.len;
		cur.value = NULL;
	}
	ring_push(s, ev);
	pthread_cond_broadcast(&s->cond);
	if (s->listener.queued)
		s->listener.queued(s->listener.arg, ev);
	listener = s->listener;
	if (rev_out)
		*rev_out = rev;
	rc = 0;
	if (++s->writes_since_compact >= s->history / 4 + 1) {
		s->writes_since_compact = 0;
		if (s->maint_running)
			maint_wake(s, 0, 1);
		else
			compact_now = 1;
	}
out:
	pthread_mutex_unlock(&s->mu);
	free(cur.value);
	if (listener.committed)
		listener.committed(listener.arg);
	if (compact_now)
		store_compact(s, NULL);
	return rc;
}

int store_create(struct store *s, const char *key, const char *value,
		 size_t len, int64_t *rev_out, struct berr *err)
{
	return write_row(s, OP_CREATE, key, 0, value, len, rev_out, err);
}

int store_update(struct store *s, const char *key, int64_t expect_rev,
		 const char *value, size_t len, int64_t *rev_out,
		 struct berr *err)
{
	return write_row(s, OP_UPDATE, key, expect_rev, value, len, rev_out, err);
}

int store_delete(struct store *s, const char *key, int64_t expect_rev,
		 const char *value, size_t len, int64_t *rev_out,
		 struct berr *err)
{
	return write_row(s, OP_DELETE, key, expect_rev, value, len, rev_out, err);
}

int store_get(struct store *s, const char *key, struct store_kv *out,
	      struct berr *err)
{
	memset(out, 0, sizeof(*out));
	struct reader *r;
	int rc = reader_get(s, &r, err);
	if (rc < 0)
		return rc;
	struct latest cur;
	rc = read_latest(s, r->st_latest, key, &cur, 1, err);
	reader_put(s, r);
	if (rc < 0)
		return rc;
	if (rc == 0 || cur.deleted) {
		free(cur.value);
		return berr_set(err, BERR_NOTFOUND, "key '%s' not found", key);
	}
	out->key = xstrdup(key);
	out->value = cur.value;
	out->len = cur.len;
	out->rev = cur.rev;
	out->create_rev = cur.create_rev;
	return 0;
}

struct store_cursor {
	struct store *s;
	struct reader *r;       /* NULL once the walk is over */
	sqlite3_stmt *st;
	int step;               /* the first step's result, taken by open */
	int stepped;
	int held;               /* counted in s->nheld */
	char *hi;
	char *copy;             /* kv's decrypted value */
	struct store_kv kv;
};

/* The walk is over: the reader goes back to the pool, also before close. */
static void cursor_end(struct store_cursor *c)
{
	if (c->r) {
		sqlite3_reset(c->st);
		sqlite3_reset(c->r->st_row);
		reader_put(c->s, c->r);
		c->r = NULL;
	}
	if (c->held) {
		pthread_mutex_lock(&c->s->rd_mu);
		c->s->nheld--;
		pthread_mutex_unlock(&c->s->rd_mu);
		c->held = 0;
	}
}

int store_cursor_open(struct store_cursor **out, struct store *s, const char *prefix,
		      const char *after_key, int flags, int64_t *rev_out, struct berr *err)
{
	*out = NULL;
	int held = (flags & STORE_CURSOR_HELD) != 0;
	if (held) {
		pthread_mutex_lock(&s->rd_mu);
		int full = s->nheld >= READERS_HELD_MAX;
		if (!full)
			s->nheld++;
		pthread_mutex_unlock(&s->rd_mu);
		if (full)
			return berr_set(err, BERR_LIMIT, "store: %d readers are held by cursors already",
					READERS_HELD_MAX);
	}
	struct store_cursor *c = xcalloc(1, sizeof(*c));
	c->s = s;
	c->held = held;
	int rc = reader_get(s, &c->r, err);
	if (rc < 0) {
		c->r = NULL;
		store_cursor_close(c);
		return rc;
	}
	c->hi = prefix_end(prefix);
	c->st = after_key ? c->r->st_list_after : c->r->st_list;
	sqlite3_reset(c->st);
	bind_range(c->st, 1, prefix, c->hi);
	if (after_key)
		sqlite3_bind_text(c->st, 3, after_key, -1, SQLITE_TRANSIENT);
	/* the first step starts the read transaction: with no write in
	 * between, it reads the store at exactly s->rev */
	pthread_mutex_lock(&s->mu);
	if (rev_out)
		*rev_out = s->rev;
	c->step = sqlite3_step(c->st);
	pthread_mutex_unlock(&s->mu);
	if (c->step != SQLITE_ROW && c->step != SQLITE_DONE) {
		rc = conn_fail(c->r->db, err, "list");
		store_cursor_close(c);
		return rc;
	}
	*out = c;
	return 0;
}

int store_cursor_next(struct store_cursor *c, const struct store_kv **kv, struct berr *err)
{
	*kv = NULL;
	free(c->copy);
	c->copy = NULL;
	while (c->r) {
		/* after SQLITE_DONE a step would start the query over, in a new
		 * snapshot: the walk ends there for good */
		int step = c->stepped ? sqlite3_step(c->st) : c->step;
		c->stepped = 1;
		if (step == SQLITE_DONE) {
			cursor_end(c);
			return 0;
		}
		sqlite3_stmt *row = c->r->st_row;
		if (step == SQLITE_ROW) {
			sqlite3_reset(row);
			sqlite3_bind_int64(row, 1, sqlite3_column_int64(c->st, 1));
			step = sqlite3_step(row);
		}
		if (step != SQLITE_ROW) {
			int rc = conn_fail(c->r->db, err, "list");
			cursor_end(c);
			return rc;
		}
		if (sqlite3_column_int(row, 0))
			continue;       /* its newest row is a tombstone */
		c->kv = (struct store_kv){
			.key = (char *)sqlite3_column_text(c->st, 0),
			.rev = sqlite3_column_int64(c->st, 1),
			.create_rev = sqlite3_column_int64(row, 1),
			.value = (char *)sqlite3_column_blob(row, 2),
			.len = (size_t)sqlite3_column_bytes(row, 2),
		};
		/* only an encrypted value is copied (decrypted) */
		if (!c->kv.value)
			c->kv.value = "";
		else if (c->kv.len >= ENC_MAGIC_LEN && !memcmp(c->kv.value, ENC_MAGIC, ENC_MAGIC_LEN))
			c->kv.value = c->copy = plain_copy(c->s, c->kv.value, c->kv.len, &c->kv.len);
		*kv = &c->kv;
		return 1;
	}
	return 0;
}

void store_cursor_close(struct store_cursor *c)
{
	if (!c)
		return;
	cursor_end(c);
	free(c->copy);
	free(c->hi);
	free(c);
}

int store_list(struct store *s, const char *prefix, const char *after_key,
	       size_t limit, store_list_fn fn, void *ctx, int64_t *rev_out,
	       struct berr *err)
{
	struct store_cursor *c;
	int rc = store_cursor_open(&c, s, prefix, after_key, 0, rev_out, err);
	if (rc < 0)
		return rc;
	const struct store_kv *kv;
	size_t n = 0;
	while ((rc = store_cursor_next(c, &kv, err)) == 1) {
		if ((rc = fn(kv, ctx)) != 0)
			break;
		if (limit && ++n >= limit)
			break;
	}
	store_cursor_close(c);
	return rc;
}

int64_t store_count(struct store *s, const char *prefix)
{
	struct reader *r;
	if (reader_get(s, &r, NULL) < 0)
		return -1;
	char *hi = prefix_end(prefix);
	sqlite3_stmt *st = r->st_count;
	sqlite3_reset(st);
	bind_range(st, 1, prefix, hi);
	int64_t n = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
	sqlite3_reset(st);
	reader_put(s, r);
	free(hi);
	return n;
}

/* One compaction step: drops the superseded rows and tombstones with a
 * revision in (lo, hi] and records hi as compacted (mutex held). */
static int compact_step(struct store *s, int64_t lo, int64_t hi, struct berr *err)
{
	sqlite3_stmt *del1 = NULL, *del2 = NULL;
	int rc = 0;
	if (sqlite3_exec(s->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) ||
	    sqlite3_prepare_v2(s->db,
			       "DELETE FROM revisions WHERE rev > ?1 AND rev <= ?2 AND EXISTS"
			       " (SELECT 1 FROM revisions n WHERE n.key = revisions.key"
			       " AND n.rev > revisions.rev)", -1, &del1, NULL) ||
	    sqlite3_prepare_v2(s->db, "DELETE FROM revisions WHERE rev > ?1 AND rev <= ?2"
			       " AND deleted = 1", -1, &del2, NULL)) {
		rc = db_fail(s, err, "compact");
		goto rollback;
	}
	sqlite3_bind_int64(del1, 1, lo);
	sqlite3_bind_int64(del1, 2, hi);
	sqlite3_bind_int64(del2, 1, lo);
	sqlite3_bind_int64(del2, 2, hi);
	if (sqlite3_step(del1) != SQLITE_DONE || sqlite3_step(del2) != SQLITE_DONE ||
	    meta_set(s, "compacted", hi)) {
		rc = db_fail(s, err, "compact");
		goto rollback;
	}
	sqlite3_finalize(del1);
	sqlite3_finalize(del2);
	if (sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL)) {
		rc = db_fail(s, err, "compact commit");
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
		return rc;
	}
	s->compacted = hi;
	return 0;
rollback:
	sqlite3_finalize(del1);
	sqlite3_finalize(del2);
	sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	return rc;
}

/* Compacts up to revision - history in steps of COMPACT_BATCH revisions,
 * letting writers and watches in between: each step is short, and a watch
 * never sees a half-compacted range because `compacted` moves with it. */
int store_compact(struct store *s, struct berr *err)
{
	pthread_mutex_lock(&s->mu);
	int64_t target = s->rev - s->history;
	for (struct store_watch *w = s->pinned; w; w = w->next_pinned)
		if (w->rev < target)
			target = w->rev;
	pthread_mutex_unlock(&s->mu);
	int rc = 0;
	for (;;) {
		pthread_mutex_lock(&s->mu);
		int64_t lo = s->compacted;
		if (lo >= target) {
			pthread_mutex_unlock(&s->mu);
			break;
		}
		int64_t hi = target - lo > COMPACT_BATCH ? lo + COMPACT_BATCH : target;
		rc = compact_step(s, lo, hi, err);
		pthread_mutex_unlock(&s->mu);
		if (rc < 0)
			break;
	}
	return rc;
}

/* --- watch ---------------------------------------------------------------- */

int store_watch_open(struct store_watch **out, struct store *s,
		     const char *prefix, int64_t after_rev, struct berr *err)
{
	*out = NULL;
	pthread_mutex_lock(&s->mu);
	if (after_rev < s->compacted) {
		int64_t c = s->compacted;
		pthread_mutex_unlock(&s->mu);
		return berr_set(err, BERR_LIMIT,
				"too old resource version: %lld (%lld)",
				(long long)after_rev, (long long)c);
	}
	if (after_rev > s->rev)
		after_rev = s->rev;
	s->watches++;
	pthread_mutex_unlock(&s->mu);
	struct store_watch *w = xcalloc(1, sizeof(*w));
	w->s = s;
	w->prefix = xstrdup(prefix);
	w->prefix_len = strlen(prefix);
	w->rev = after_rev;
	*out = w;
	return 0;
}

void store_watch_pin(struct store_watch *w)
{
	pthread_mutex_lock(&w->s->mu);
	if (!w->pinned) {
		w->pinned = 1;
		w->next_pinned = w->s->pinned;
		w->s->pinned = w;
	}
	pthread_mutex_unlock(&w->s->mu);
}

int64_t store_watch_rev(struct store_watch *w)
{
	return w->rev;
}

void store_watch_close(struct store_watch *w)
{
	if (!w)
		return;
	for (size_t i = w->ipending; i < w->npending; i++)
		store_event_unref(w->pending[i]);
	pthread_mutex_lock(&w->s->mu);
	w->s->watches--;
	for (struct store_watch **pp = &w->s->pinned; *pp; pp = &(*pp)->next_pinned)
		if (*pp == w) {
			*pp = w->next_pinned;
			break;
		}
	pthread_mutex_unlock(&w->s->mu);
	free(w->prefix);
	free(w);
}

void store_set_listener(struct store *s, const struct store_listener *l)
{
	pthread_mutex_lock(&s->mu);
	if (l)
		s->listener = *l;
	else
		memset(&s->listener, 0, sizeof(s->listener));
	pthread_mutex_unlock(&s->mu);
}

void store_wake_all(struct store *s)
{
	pthread_mutex_lock(&s->mu);
	s->wake_gen++;
	pthread_cond_broadcast(&s->cond);
	pthread_mutex_unlock(&s->mu);
}

static int matches(const struct store_watch *w, const char *key)
{
	return strncmp(key, w->prefix, w->prefix_len) == 0;
}

/* Loads the next batch of events after w->rev from the table (mutex held). */
static int load_from_table(struct store_watch *w)
{
	struct store *s = w->s;
	char *hi = prefix_end(w->prefix);
	sqlite3_stmt *st = s->st_since;
	sqlite3_reset(st);
	sqlite3_bind_int64(st, 1, w->rev);
	bind_range(st, 2, w->prefix, hi);
	sqlite3_bind_int(st, 4, WATCH_BATCH);
	w->npending = w->ipending = 0;
	int64_t last = w->rev;
	struct { int64_t prev_rev; } prevs[WATCH_BATCH];
	size_t bytes = 0;
	int cut = 0;            /* stopped early by the byte budget */
	while (!(cut = bytes > RING_MAX_BYTES / 2) && sqlite3_step(st) == SQLITE_ROW) {
		struct store_event *ev = xcalloc(1, sizeof(*ev));
		ev->refs = 1;
		ev->rev = sqlite3_column_int64(st, 0);
		ev->key = xstrdup((const char *)sqlite3_column_text(st, 1));
		int created = sqlite3_column_int(st, 2), deleted = sqlite3_column_int(st, 3);
		ev->type = deleted ? STORE_DELETED : created ? STORE_ADDED : STORE_MODIFIED;
		prevs[w->npending].prev_rev = created ? 0 : sqlite3_column_int64(st, 4);
		ev->value = blob_dup_s(s, st, 5, &ev->len);
		w->pending[w->npending++] = ev;
		last = ev->rev;
		bytes += 2 * ev->len;   /* with its previous value, about as large */
	}
	int full = cut || w->npending == WATCH_BATCH;
	sqlite3_reset(st);
	free(hi);
	for (size_t i = 0; i < w->npending; i++) {
		if (!prevs[i].prev_rev)
			continue;
		sqlite3_stmt *pv = s->st_byrev;
		sqlite3_reset(pv);
		sqlite3_bind_int64(pv, 1, prevs[i].prev_rev);
		if (sqlite3_step(pv) == SQLITE_ROW)
			w->pending[i]->prev = blob_dup_s(s, pv, 0, &w->pending[i]->prev_len);
		sqlite3_reset(pv);
	}
	/* a short batch holds everything for this prefix up to the current
	 * revision */
	w->covered = full ? last : s->rev;
	return full;
}

/* The next event for w when one is available now (mutex held). */
static int take_event(struct store_watch *w, struct store_event **out)
{
	struct store *s = w->s;
	for (;;) {
		if (w->ipending < w->npending) {
			struct store_event *ev = w->pending[w->ipending++];
			w->rev = ev->rev;
			*out = ev;
			return 1;
		}
		if (w->covered > w->rev)
			w->rev = w->covered;
		if (w->rev < s->compacted)
			return BERR_LIMIT;
		if (w->rev >= s->rev)
			return 0;
		if (s->ring_len == 0 || w->rev + 1 < s->ring_lo) {
			load_from_table(w);
			continue;
		}
		for (int64_t r = w->rev + 1; r <= s->rev; r++) {
			struct store_event *ev =
				s->ring[(s->ring_head + (size_t)(r - s->ring_lo)) % s->ring_cap];
			w->rev = r;
			if (matches(w, ev->key)) {
				*out = store_event_ref(ev);
				return 1;
			}
		}
		return 0;
	}
}

int store_watch_next(struct store_watch *w, struct store_event **out,
		     int timeout_ms)
{
	struct store *s = w->s;
	*out = NULL;
	struct timespec deadline = clock_after_ms(timeout_ms > 0 ? timeout_ms : 0);
	pthread_mutex_lock(&s->mu);
	unsigned gen = s->wake_gen;
	int rc;
	for (;;) {
		rc = take_event(w, out);
		if (rc != 0 || timeout_ms == 0 || gen != s->wake_gen)
			break;
		if (timeout_ms < 0)
			pthread_cond_wait(&s->cond, &s->mu);
		else if (pthread_cond_timedwait(&s->cond, &s->mu, &deadline) == ETIMEDOUT) {
			rc = take_event(w, out);
			break;
		}
	}
	pthread_mutex_unlock(&s->mu);
	if (rc == BERR_LIMIT)
		return BERR_LIMIT;
	return rc;
}
