/*
 * cache — rendered manifests kept in sqlite, keyed by (repository URL,
 * commit SHA, app path, digest of the source options).
 *
 * A commit never changes, so an entry never goes stale; the cache is only
 * bounded in size: past `max_bytes` the least recently used entries go.
 * Every row carries an HMAC-SHA256 of its key and value under a secret kept
 * beside the database (`<db>.key`, mode 0600); a row whose HMAC does not
 * match — a corrupted page, a hand-edited value — is deleted and reported as
 * a miss, never served. A database file that sqlite cannot read at all is
 * thrown away and created anew: the cache holds nothing that cannot be
 * rendered again. Safe to use from many threads.
 */
#ifndef BOSUN_REPO_CACHE_H
#define BOSUN_REPO_CACHE_H

#include <stddef.h>

#include "buf.h"
#include "err.h"

struct manifest_cache;

struct cache_key {
	const char *repo_url;
	const char *sha;
	const char *path;
	const char *options_digest;
};

struct cache_stats {
	unsigned long hits, misses, corrupt, evictions;
	size_t bytes, entries;
};

/* Opens (creating) the database at `path`; max_bytes 0 = 256 MiB. */
int manifest_cache_open(struct manifest_cache **out, const char *path,
			size_t max_bytes, struct berr *err);
void manifest_cache_free(struct manifest_cache *c);

/* Appends the cached value to `out`: 0 on a hit, BERR_NOTFOUND on a miss
 * (including a discarded corrupt entry), another code on a database error. */
int manifest_cache_get(struct buf *out, struct manifest_cache *c,
		       const struct cache_key *k, struct berr *err);
int manifest_cache_put(struct manifest_cache *c, const struct cache_key *k,
		       const char *value, size_t len, struct berr *err);

void manifest_cache_stats(struct manifest_cache *c, struct cache_stats *out);

/* Lower-case hex SHA-256 of data (65 bytes with the NUL). */
void manifest_cache_digest(char out[65], const void *data, size_t len);

#endif
