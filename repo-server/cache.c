/*
 * cache.c — the rendered-manifest cache in sqlite (see cache.h).
 *
 * One connection behind one mutex: a cache lookup is a primary-key read and
 * costs microseconds, so finer locking would buy nothing. Recency is a
 * counter bumped on every hit and write (`last_used`), indexed, so eviction
 * deletes the smallest counters first. The running total of bytes is kept
 * in memory and loaded at open.
 */
#include "cache.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/core_names.h>
#include <openssl/params.h>
#include <openssl/rand.h>
#include <sqlite3.h>

#include "log.h"
#include "repo-server/mirror.h"

#define KEY_LEN 32

struct manifest_cache {
	sqlite3 *db;
	pthread_mutex_t mu;
	unsigned char secret[KEY_LEN];
	size_t max_bytes;
	long long clock;
	struct cache_stats stats;
};

static const char schema[] =
	"PRAGMA journal_mode=WAL;"
	"PRAGMA synchronous=NORMAL;"
	"CREATE TABLE IF NOT EXISTS manifests("
	" key TEXT PRIMARY KEY,"
	" repo_url TEXT NOT NULL, sha TEXT NOT NULL, path TEXT NOT NULL, options TEXT NOT NULL,"
	" value BLOB NOT NULL, mac TEXT NOT NULL, size INTEGER NOT NULL,"
	" last_used INTEGER NOT NULL);"
	"CREATE INDEX IF NOT EXISTS manifests_lru ON manifests(last_used);";

static void hex(char *out, const unsigned char *md, size_t n)
{
	for (size_t i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02x", md[i]);
}

void manifest_cache_digest(char out[65], const void *data, size_t len)
{
	unsigned char md[32];
	unsigned int n = 0;
	EVP_Digest(data, len, md, &n, EVP_sha256(), NULL);
	hex(out, md, 32);
}

/* The row key: the four parts, length-prefixed so no two tuples collide. */
static void row_key(char out[65], const struct cache_key *k)
{
	struct buf b = BUF_INIT;
	const char *parts[] = { k->repo_url, k->sha, k->path, k->options_digest };
	for (int i = 0; i < 4; i++) {
		const char *p = parts[i] ? parts[i] : "";
		buf_addf(&b, "%zu:%s;", strlen(p), p);
	}
	manifest_cache_digest(out, b.data, b.len);
	buf_release(&b);
}

static void row_mac(char out[65], const struct manifest_cache *c, const char *key,
		    const void *value, size_t len)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	size_t n = 0;
	EVP_MAC *mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
	EVP_MAC_CTX *ctx = EVP_MAC_CTX_new(mac);
	OSSL_PARAM params[] = {
		OSSL_PARAM_construct_utf8_string("digest", "SHA256", 0),
		OSSL_PARAM_construct_end(),
	};
	EVP_MAC_init(ctx, c->secret, KEY_LEN, params);
	EVP_MAC_update(ctx, (const unsigned char *)key, strlen(key));
	EVP_MAC_update(ctx, (const unsigned char *)"\n", 1);
	EVP_MAC_update(ctx, value, len);
	EVP_MAC_final(ctx, md, &n, sizeof(md));
	EVP_MAC_CTX_free(ctx);
	EVP_MAC_free(mac);
	hex(out, md, 32);
}

/* Reads the secret beside the database, making it the first time. */
static int load_secret(struct manifest_cache *c, const char *db_path, struct berr *err)
{
	struct buf path = BUF_INIT;
	buf_addf(&path, "%s.key", db_path);
	int rc = 0;
	int fd = open(path.data, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		ssize_t n = read(fd, c->secret, KEY_LEN);
		close(fd);
		if (n == KEY_LEN)
			goto out;
	}
	if (RAND_bytes(c->secret, KEY_LEN) != 1) {
		rc = berr_set(err, BERR_IO, "cannot make a cache key: no randomness");
		goto out;
	}
	fd = open(path.data, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || write(fd, c->secret, KEY_LEN) != KEY_LEN) {
		rc = berr_set(err, BERR_IO, "cannot write cache key '%s': %s", path.data, strerror(errno));
		if (fd >= 0)
			close(fd);
		goto out;
	}
	close(fd);
	/* a new key makes every old row unverifiable: start empty */
	c->clock = -1;
out:
	buf_release(&path);
	return rc;
}

static int exec(sqlite3 *db, const char *sql)
{
	return sqlite3_exec(db, sql, NULL, NULL, NULL);
}

static int open_db(struct manifest_cache *c, const char *path, struct berr *err)
{
	int rc = sqlite3_open_v2(path, &c->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE
				 | SQLITE_OPEN_NOMUTEX, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_busy_timeout(c->db, 5000);
		rc = exec(c->db, schema);
	}
	if (rc == SQLITE_OK)
		return 0;
	int code = sqlite3_extended_errcode(c->db) & 0xff;
	berr_set(err, BERR_IO, "cannot open manifest cache '%s': %s", path,
		 c->db ? sqlite3_errmsg(c->db) : sqlite3_errstr(rc));
	sqlite3_close(c->db);
	c->db = NULL;
	return code == SQLITE_CORRUPT || code == SQLITE_NOTADB ? BERR_INVALID : BERR_IO;
}

int manifest_cache_open(struct manifest_cache **out, const char *path,
			size_t max_bytes, struct berr *err)
{
	struct manifest_cache *c = xcalloc(1, sizeof(*c));
	c->max_bytes = max_bytes ? max_bytes : (size_t)256 << 20;
	pthread_mutex_init(&c->mu, NULL);
	*out = NULL;
	int rc = load_secret(c, path, err);
	if (rc == 0) {
		rc = open_db(c, path, err);
		if (rc == BERR_INVALID) {
			/* unreadable: the cache is disposable, start over */
			log_warn("manifest cache unreadable, recreating", "path", path, "error",
				 err ? err->msg : "", NULL);
			struct buf side = BUF_INIT;
			unlink(path);
			buf_addf(&side, "%s-wal", path);
			unlink(side.data);
			buf_reset(&side);
			buf_addf(&side, "%s-shm", path);
			unlink(side.data);
			buf_release(&side);
			rc = open_db(c, path, err);
		}
	}
	if (rc == 0 && c->clock < 0)
		rc = exec(c->db, "DELETE FROM manifests") == SQLITE_OK ? 0
			: berr_set(err, BERR_IO, "cannot reset manifest cache: %s", sqlite3_errmsg(c->db));
	if (rc < 0) {
		manifest_cache_free(c);
		return rc;
	}
	sqlite3_stmt *st = NULL;
	c->clock = 0;
	if (sqlite3_prepare_v2(c->db, "SELECT COALESCE(MAX(last_used),0), COALESCE(SUM(size),0),"
			       " COUNT(*) FROM manifests", -1, &st, NULL) == SQLITE_OK
	    && sqlite3_step(st) == SQLITE_ROW) {
		c->clock = sqlite3_column_int64(st, 0);
		c->stats.bytes = (size_t)sqlite3_column_int64(st, 1);
		c->stats.entries = (size_t)sqlite3_column_int64(st, 2);
	}
	sqlite3_finalize(st);
	*out = c;
	return 0;
}

void manifest_cache_free(struct manifest_cache *c)
{
	if (!c)
		return;
	sqlite3_close(c->db);
	pthread_mutex_destroy(&c->mu);
	OPENSSL_cleanse(c->secret, KEY_LEN);
	free(c);
}

static int db_fail(struct manifest_cache *c, struct berr *err, const char *what)
{
	return berr_set(err, BERR_IO, "manifest cache: cannot %s: %s", what, sqlite3_errmsg(c->db));
}

/* Deletes one row by key, keeping the totals right. Called locked. */
static void delete_row(struct manifest_cache *c, const char *key, size_t size)
{
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(c->db, "DELETE FROM manifests WHERE key=?", -1, &st, NULL) == SQLITE_OK) {
		sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
		if (sqlite3_step(st) == SQLITE_DONE && sqlite3_changes(c->db) > 0) {
			c->stats.entries--;
			c->stats.bytes -= size < c->stats.bytes ? size : c->stats.bytes;
		}
	}
	sqlite3_finalize(st);
}

int manifest_cache_get(struct buf *out, struct manifest_cache *c,
		       const struct cache_key *k, struct berr *err)
{
	char key[65], mac[65];
	row_key(key, k);
	sqlite3_stmt *st = NULL;
	int rc = BERR_NOTFOUND;
	pthread_mutex_lock(&c->mu);
	if (sqlite3_prepare_v2(c->db, "SELECT value, mac, size FROM manifests WHERE key=?",
			       -1, &st, NULL) != SQLITE_OK) {
		rc = db_fail(c, err, "read");
		goto out;
	}
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	int step = sqlite3_step(st);
	if (step == SQLITE_ROW) {
		const void *value = sqlite3_column_blob(st, 0);
		size_t len = (size_t)sqlite3_column_bytes(st, 0);
		const char *stored = (const char *)sqlite3_column_text(st, 1);
		size_t size = (size_t)sqlite3_column_int64(st, 2);
		row_mac(mac, c, key, value ? value : "", len);
		if (!stored || strcmp(stored, mac)) {
			sqlite3_finalize(st);
			st = NULL;
			delete_row(c, key, size);
			c->stats.corrupt++;
			struct buf url = BUF_INIT;
			mirror_redact_url(&url, k->repo_url ? k->repo_url : "");
			log_warn("manifest cache entry failed its integrity check, discarded",
				 "repo", url.data, "sha", k->sha, "path", k->path, NULL);
			buf_release(&url);
			berr_set(err, BERR_NOTFOUND, "cache entry corrupt");
		} else {
			buf_add(out, value ? value : "", len);
			sqlite3_finalize(st);
			st = NULL;
			if (sqlite3_prepare_v2(c->db, "UPDATE manifests SET last_used=? WHERE key=?",
					       -1, &st, NULL) == SQLITE_OK) {
				sqlite3_bind_int64(st, 1, ++c->clock);
				sqlite3_bind_text(st, 2, key, -1, SQLITE_STATIC);
				sqlite3_step(st);
			}
			rc = 0;
		}
	} else if (step != SQLITE_DONE) {
		rc = db_fail(c, err, "read");
	}
out:
	sqlite3_finalize(st);
	if (rc == 0)
		c->stats.hits++;
	else if (rc == BERR_NOTFOUND)
		c->stats.misses++;
	pthread_mutex_unlock(&c->mu);
	if (rc == BERR_NOTFOUND && err && !err->code)
		berr_set(err, BERR_NOTFOUND, "not cached");
	return rc;
}

/* Evicts least recently used rows until the total fits. Called locked. */
static void evict(struct manifest_cache *c)
{
	while (c->stats.bytes > c->max_bytes && c->stats.entries > 0) {
		sqlite3_stmt *st = NULL;
		if (sqlite3_prepare_v2(c->db, "SELECT key, size FROM manifests ORDER BY last_used LIMIT 32",
				       -1, &st, NULL) != SQLITE_OK)
			return;
		char keys[32][65];
		size_t sizes[32], n = 0;
		while (n < 32 && sqlite3_step(st) == SQLITE_ROW) {
			snprintf(keys[n], sizeof(keys[n]), "%s", sqlite3_column_text(st, 0));
			sizes[n++] = (size_t)sqlite3_column_int64(st, 1);
		}
		sqlite3_finalize(st);
		if (!n)
			return;
		for (size_t i = 0; i < n && c->stats.bytes > c->max_bytes; i++) {
			delete_row(c, keys[i], sizes[i]);
			c->stats.evictions++;
		}
	}
}

int manifest_cache_put(struct manifest_cache *c, const struct cache_key *k,
		       const char *value, size_t len, struct berr *err)
{
	char key[65], mac[65];
	if (len > c->max_bytes)
		return 0;       /* larger than the whole cache: not worth keeping */
	row_key(key, k);
	row_mac(mac, c, key, value, len);
	sqlite3_stmt *st = NULL;
	int rc = 0;
	pthread_mutex_lock(&c->mu);
	size_t old = 0;
	if (sqlite3_prepare_v2(c->db, "SELECT size FROM manifests WHERE key=?", -1, &st, NULL) == SQLITE_OK) {
		sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
		if (sqlite3_step(st) == SQLITE_ROW) {
			old = (size_t)sqlite3_column_int64(st, 0);
			c->stats.entries--;
			c->stats.bytes -= old < c->stats.bytes ? old : c->stats.bytes;
		}
	}
	sqlite3_finalize(st);
	st = NULL;
	if (sqlite3_prepare_v2(c->db, "INSERT OR REPLACE INTO manifests(key, repo_url, sha, path,"
			       " options, value, mac, size, last_used) VALUES(?,?,?,?,?,?,?,?,?)",
			       -1, &st, NULL) != SQLITE_OK) {
		rc = db_fail(c, err, "write");
		goto out;
	}
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, k->repo_url ? k->repo_url : "", -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, k->sha ? k->sha : "", -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, k->path ? k->path : "", -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, k->options_digest ? k->options_digest : "", -1, SQLITE_STATIC);
	sqlite3_bind_blob64(st, 6, value, len, SQLITE_STATIC);
	sqlite3_bind_text(st, 7, mac, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 8, (sqlite3_int64)len);
	sqlite3_bind_int64(st, 9, ++c->clock);
	if (sqlite3_step(st) != SQLITE_DONE) {
		rc = db_fail(c, err, "write");
		goto out;
	}
	c->stats.entries++;
	c->stats.bytes += len;
	evict(c);
out:
	sqlite3_finalize(st);
	pthread_mutex_unlock(&c->mu);
	return rc;
}

void manifest_cache_stats(struct manifest_cache *c, struct cache_stats *out)
{
	pthread_mutex_lock(&c->mu);
	*out = c->stats;
	pthread_mutex_unlock(&c->mu);
}
