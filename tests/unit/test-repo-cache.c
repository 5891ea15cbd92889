/*
 * Tests of repo-server/cache.c: hits and misses by each key part, LRU
 * eviction, persistence, and integrity — a tampered row or a garbage
 * database file is never served.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <sqlite3.h>

#include "repo-server/cache.h"
#include "repo-fixture.h"

static char db_path[512];

static struct cache_key key(const char *sha, const char *path)
{
	struct cache_key k = { "https://example.com/r.git", sha, path, "opts1" };
	return k;
}

static struct manifest_cache *open_cache(size_t max)
{
	struct manifest_cache *c = NULL;
	struct berr err = BERR_INIT;
	if (manifest_cache_open(&c, db_path, max, &err) < 0)
		fail_msg("open: %s", err.msg);
	return c;
}

static void put(struct manifest_cache *c, struct cache_key k, const char *value)
{
	struct berr err = BERR_INIT;
	assert_int_equal(manifest_cache_put(c, &k, value, strlen(value), &err), 0);
}

static int get(struct manifest_cache *c, struct cache_key k, const char *want)
{
	struct buf b = BUF_INIT;
	struct berr err = BERR_INIT;
	int rc = manifest_cache_get(&b, c, &k, &err);
	if (rc == 0 && want)
		assert_string_equal(b.data, want);
	if (rc != 0)
		assert_int_equal(b.len, 0);
	buf_release(&b);
	return rc;
}

static void test_hit_and_miss(void **state)
{
	(void)state;
	snprintf(db_path, sizeof(db_path), "%s/hit.db", fixture_dir);
	struct manifest_cache *c = open_cache(0);
	put(c, key("aaa", "app"), "[1,2,3]");
	assert_int_equal(get(c, key("aaa", "app"), "[1,2,3]"), 0);
	assert_int_equal(get(c, key("aab", "app"), NULL), BERR_NOTFOUND);
	assert_int_equal(get(c, key("aaa", "app2"), NULL), BERR_NOTFOUND);
	struct cache_key k = key("aaa", "app");
	k.options_digest = "opts2";
	assert_int_equal(get(c, k, NULL), BERR_NOTFOUND);
	k.options_digest = "opts1";
	k.repo_url = "https://example.com/other.git";
	assert_int_equal(get(c, k, NULL), BERR_NOTFOUND);
	/* parts are delimited: ("ab","c") is not ("a","bc") */
	struct cache_key x = { "u", "ab", "c", "o" }, y = { "u", "a", "bc", "o" };
	struct berr err = BERR_INIT;
	assert_int_equal(manifest_cache_put(c, &x, "x", 1, &err), 0);
	assert_int_equal(get(c, y, NULL), BERR_NOTFOUND);

	put(c, key("aaa", "app"), "[4]");       /* replace */
	assert_int_equal(get(c, key("aaa", "app"), "[4]"), 0);
	struct cache_stats st;
	manifest_cache_stats(c, &st);
	assert_int_equal(st.hits, 2);
	assert_int_equal(st.misses, 5);
	assert_int_equal(st.entries, 2);
	assert_int_equal(st.bytes, 4);
	manifest_cache_free(c);

	c = open_cache(0);      /* persists across opens */
	assert_int_equal(get(c, key("aaa", "app"), "[4]"), 0);
	manifest_cache_free(c);
}

static void test_lru(void **state)
{
	(void)state;
	snprintf(db_path, sizeof(db_path), "%s/lru.db", fixture_dir);
	struct manifest_cache *c = open_cache(100);
	char v[41];
	memset(v, 'v', 40);
	v[40] = 0;
	put(c, key("1", "p"), v);
	put(c, key("2", "p"), v);
	assert_int_equal(get(c, key("1", "p"), v), 0);    /* 1 is now newer than 2 */
	put(c, key("3", "p"), v);                        /* 120 bytes: 2 goes */
	assert_int_equal(get(c, key("2", "p"), NULL), BERR_NOTFOUND);
	assert_int_equal(get(c, key("1", "p"), v), 0);
	assert_int_equal(get(c, key("3", "p"), v), 0);
	struct cache_stats st;
	manifest_cache_stats(c, &st);
	assert_int_equal(st.evictions, 1);
	assert_int_equal(st.entries, 2);
	assert_true(st.bytes <= 100);
	char big[200];
	memset(big, 'b', 199);
	big[199] = 0;
	put(c, key("4", "p"), big);                     /* bigger than the cache: not kept */
	assert_int_equal(get(c, key("4", "p"), NULL), BERR_NOTFOUND);
	assert_int_equal(get(c, key("1", "p"), v), 0);
	manifest_cache_free(c);
}

static void tamper(const char *sql)
{
	sqlite3 *db = NULL;
	assert_int_equal(sqlite3_open(db_path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
	assert_true(sqlite3_changes(db) > 0);
	sqlite3_close(db);
}

static void test_integrity(void **state)
{
	(void)state;
	snprintf(db_path, sizeof(db_path), "%s/integrity.db", fixture_dir);
	struct manifest_cache *c = open_cache(0);
	put(c, key("s1", "p"), "[{\"kind\":\"ConfigMap\"}]");
	put(c, key("s2", "p"), "[{\"kind\":\"Secret\"}]");
	manifest_cache_free(c);

	/* a changed value, and a value with a recomputed plain digest */
	tamper("UPDATE manifests SET value=CAST('[{\"kind\":\"Pod\"}]' AS BLOB) WHERE sha='s1'");
	char d[65];
	manifest_cache_digest(d, "[]", 2);
	char sql[300];
	snprintf(sql, sizeof(sql), "UPDATE manifests SET value=CAST('[]' AS BLOB), mac='%s' WHERE sha='s2'", d);
	tamper(sql);

	c = open_cache(0);
	assert_int_equal(get(c, key("s1", "p"), NULL), BERR_NOTFOUND);
	assert_int_equal(get(c, key("s2", "p"), NULL), BERR_NOTFOUND);
	struct cache_stats st;
	manifest_cache_stats(c, &st);
	assert_int_equal(st.corrupt, 2);
	assert_int_equal(st.entries, 0);
	/* the bad rows are gone, and the slot is usable again */
	put(c, key("s1", "p"), "[]");
	assert_int_equal(get(c, key("s1", "p"), "[]"), 0);
	manifest_cache_free(c);

	/* a garbage database file is replaced, not fatal */
	assert_int_equal(sh("head -c 8192 /dev/urandom > '%s'; rm -f '%s-wal' '%s-shm'",
			    db_path, db_path, db_path), 0);
	c = open_cache(0);
	assert_int_equal(get(c, key("s1", "p"), NULL), BERR_NOTFOUND);
	put(c, key("s1", "p"), "[5]");
	assert_int_equal(get(c, key("s1", "p"), "[5]"), 0);
	manifest_cache_free(c);

	/* a lost key makes old rows unverifiable: they are dropped */
	assert_int_equal(sh("rm -f '%s.key'", db_path), 0);
	c = open_cache(0);
	assert_int_equal(get(c, key("s1", "p"), NULL), BERR_NOTFOUND);
	manifest_cache_stats(c, &st);
	assert_int_equal(st.entries, 0);
	manifest_cache_free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hit_and_miss),
		cmocka_unit_test(test_lru),
		cmocka_unit_test(test_integrity),
	};
	return cmocka_run_group_tests(tests, fixture_setup, fixture_teardown);
}
