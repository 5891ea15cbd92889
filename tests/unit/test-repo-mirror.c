/*
 * Tests of repo-server/mirror.c and revision.c against real repositories
 * made with the git command: clone, fetch, force-push, deleted branches,
 * tags (light, annotated, semver), short SHAs, fetch de-duplication and
 * credential scrubbing in errors; which transport carries which URL, a
 * silent HTTP server cut off by the timeout, a directory that is no
 * repository.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <time.h>
#include <pthread.h>
#include <sys/file.h>
#include <unistd.h>

#include "repo-server/mirror.h"
#include "repo-server/revision.h"
#include "repo-server/transport.h"
#include "repo-fixture.h"

static char upstream[512], data_dir[512];
static struct mirror_store *store;

static int group_setup(void **state)
{
	if (fixture_setup(state))
		return -1;
	snprintf(upstream, sizeof(upstream), "%s/upstream", fixture_dir);
	snprintf(data_dir, sizeof(data_dir), "%s/data", fixture_dir);
	if (sh("set -e; git init -q -b main '%s'; cd '%s';"
	       "echo a > a.txt; git add a.txt; git commit -q -m one; git tag v1.0.0;"
	       "echo b > b.txt; git add b.txt; git commit -q -m two; git tag -a v1.2.0 -m 'annotated';"
	       "echo c > c.txt; git add c.txt; git commit -q -m three; git tag v1.2.5; git tag 1.3.0-rc.1;"
	       "git tag v2.0.0; git checkout -q -b feature; echo f > f.txt; git add f.txt;"
	       "git commit -q -m feat; git checkout -q main; git branch doomed",
	       upstream, upstream))
		return -1;
	struct berr err = BERR_INIT;
	return mirror_store_open(&store, data_dir, &err);
}

static int group_teardown(void **state)
{
	mirror_store_free(store);
	return fixture_teardown(state);
}

static void resolve(char sha[41], const char *url, const char *rev, int want_rc, struct berr *err)
{
	git_repository *repo = NULL;
	assert_int_equal(mirror_open(&repo, store, url, err), 0);
	int rc = revision_resolve(sha, repo, rev, err);
	if (rc != want_rc)
		fprintf(stderr, "# resolve '%s': %d %s\n", rev, rc, err->msg);
	assert_int_equal(rc, want_rc);
	git_repository_free(repo);
}

static const char *rev_parse(const char *rev)
{
	char cmd[1024];
	snprintf(cmd, sizeof(cmd), "git -C '%s' rev-parse '%s^{commit}'", upstream, rev);
	return sh_out(cmd);
}

static void test_clone_and_resolve(void **state)
{
	(void)state;
	struct berr err = BERR_INIT;
	char sha[41];
	assert_int_equal(mirror_fetch(store, upstream, NULL, 0, 10000, &err), 0);

	resolve(sha, upstream, "", 0, &err);
	assert_string_equal(sha, rev_parse("main"));
	resolve(sha, upstream, "HEAD", 0, &err);
	assert_string_equal(sha, rev_parse("main"));
	resolve(sha, upstream, "feature", 0, &err);
	assert_string_equal(sha, rev_parse("feature"));
	resolve(sha, upstream, "refs/heads/feature", 0, &err);
	assert_string_equal(sha, rev_parse("feature"));
	resolve(sha, upstream, "v1.0.0", 0, &err);
	assert_string_equal(sha, rev_parse("v1.0.0"));
	/* annotated tag: peeled to the commit, not the tag object */
	resolve(sha, upstream, "v1.2.0", 0, &err);
	assert_string_equal(sha, rev_parse("v1.2.0"));
	resolve(sha, upstream, "refs/tags/v1.2.0", 0, &err);
	assert_string_equal(sha, rev_parse("v1.2.0"));

	char full[41];
	snprintf(full, sizeof(full), "%s", rev_parse("feature"));
	resolve(sha, upstream, full, 0, &err);
	assert_string_equal(sha, full);
	char shorty[8];
	snprintf(shorty, sizeof(shorty), "%.7s", full);
	resolve(sha, upstream, shorty, 0, &err);
	assert_string_equal(sha, full);

	resolve(sha, upstream, "no-such-branch", BERR_NOTFOUND, &err);
	assert_non_null(strstr(err.msg, "'no-such-branch'"));
	resolve(sha, upstream, "0123456789012345678901234567890123456789", BERR_NOTFOUND, &err);
}

static void test_semver_resolve(void **state)
{
	(void)state;
	struct berr err = BERR_INIT;
	char sha[41];
	resolve(sha, upstream, "1.2.*", 0, &err);
	assert_string_equal(sha, rev_parse("v1.2.5"));
	resolve(sha, upstream, ">=1.0.0 <2.0.0", 0, &err);
	assert_string_equal(sha, rev_parse("v1.2.5"));
	resolve(sha, upstream, "^1.0", 0, &err);
	assert_string_equal(sha, rev_parse("v1.2.5"));
	resolve(sha, upstream, "~1.0", 0, &err);
	assert_string_equal(sha, rev_parse("v1.0.0"));
	resolve(sha, upstream, "*", 0, &err);
	assert_string_equal(sha, rev_parse("v2.0.0"));
	resolve(sha, upstream, ">=v1.3.0-0 <1.4.0", 0, &err);
	assert_string_equal(sha, rev_parse("1.3.0-rc.1"));
	resolve(sha, upstream, "^3", BERR_NOTFOUND, &err);
	assert_non_null(strstr(err.msg, "no tag satisfies semver constraint '^3'"));
}

static void test_force_push_and_deleted_branch(void **state)
{
	(void)state;
	struct berr err = BERR_INIT;
	char sha[41], old[41];
	resolve(old, upstream, "feature", 0, &err);
	assert_int_equal(sh("set -e; cd '%s'; git checkout -q feature; git reset -q --hard HEAD~1;"
			    "echo g > g.txt; git add g.txt; git commit -q -m rewritten;"
			    "git checkout -q main; git branch -D -q doomed", upstream), 0);
	resolve(sha, upstream, "doomed", 0, &err);      /* not fetched yet */
	assert_int_equal(mirror_fetch(store, upstream, NULL, 0, 10000, &err), 0);
	resolve(sha, upstream, "feature", 0, &err);
	assert_string_equal(sha, rev_parse("feature"));
	assert_string_not_equal(sha, old);
	resolve(sha, upstream, "doomed", BERR_NOTFOUND, &err);
	/* the overwritten commit stays reachable by its full SHA */
	resolve(sha, upstream, old, 0, &err);
	assert_string_equal(sha, old);
}

static void test_file_url_and_refs(void **state)
{
	(void)state;
	struct berr err = BERR_INIT;
	char url[600], sha[41];
	snprintf(url, sizeof(url), "file://%s", upstream);
	assert_int_equal(mirror_fetch(store, url, NULL, 0, 10000, &err), 0);
	resolve(sha, url, "main", 0, &err);
	assert_string_equal(sha, rev_parse("main"));

	git_repository *repo = NULL;
	json_t *refs = NULL;
	assert_int_equal(mirror_open(&repo, store, url, &err), 0);
	assert_int_equal(revision_list_refs(&refs, repo, &err), 0);
	assert_string_equal(json_string_value(json_object_get(refs, "head")), "main");
	json_t *branches = json_object_get(refs, "branches");
	assert_int_equal(json_array_size(branches), 2);
	assert_string_equal(json_string_value(json_object_get(json_array_get(branches, 0), "name")), "feature");
	json_t *tags = json_object_get(refs, "tags");
	assert_int_equal(json_array_size(tags), 5);
	/* the annotated tag lists its commit */
	json_t *t;
	size_t i;
	int seen = 0;
	json_array_foreach(tags, i, t)
		if (!strcmp(json_string_value(json_object_get(t, "name")), "v1.2.0")) {
			assert_string_equal(json_string_value(json_object_get(t, "sha")), rev_parse("v1.2.0"));
			seen = 1;
		}
	assert_true(seen);
	json_decref(refs);
	git_repository_free(repo);

	size_t n = 0;
	assert_int_equal(mirror_test_connection(url, NULL, 5000, &n, &err), 0);
	assert_true(n >= 7);
}

static void test_missing_repo(void **state)
{
	(void)state;
	struct berr err = BERR_INIT;
	char url[600];
	snprintf(url, sizeof(url), "%s/nope", fixture_dir);
	assert_true(mirror_fetch(store, url, NULL, 0, 10000, &err) < 0);
	assert_non_null(strstr(err.msg, "nope"));
	git_repository *repo = NULL;
	assert_int_equal(mirror_open(&repo, store, url, &err), BERR_NOTFOUND);
	/* no half-made mirror is left behind */
	char cmd[1200];
	snprintf(cmd, sizeof(cmd), "ls '%s/repos' | grep -c tmp || true", data_dir);
	assert_string_equal(sh_out(cmd), "0");
}

static void test_secrets_not_echoed(void **state)
{
	(void)state;
	struct berr err = BERR_INIT;
	const char *url = "http://alice:s3cr3t-pw@127.0.0.1:9/repo.git";
	struct repo_creds creds = { .username = "bob", .password = "hunter2-token" };
	assert_true(mirror_fetch(store, url, &creds, 0, 5000, &err) < 0);
	assert_null(strstr(err.msg, "s3cr3t-pw"));
	assert_null(strstr(err.msg, "hunter2-token"));
	assert_non_null(strstr(err.msg, "http://***@127.0.0.1:9/repo.git"));
	assert_true(mirror_test_connection(url, &creds, 5000, NULL, &err) < 0);
	assert_null(strstr(err.msg, "s3cr3t-pw"));

	struct buf b = BUF_INIT;
	mirror_redact_url(&b, "https://tok@github.com/a/b");
	assert_string_equal(b.data, "https://***@github.com/a/b");
	buf_reset(&b);
	mirror_redact_url(&b, "git@github.com:a/b.git");
	assert_string_equal(b.data, "git@github.com:a/b.git");
	buf_release(&b);
}

static void test_fetch_size_limit(void **state)
{
	(void)state;
	struct berr err = BERR_INIT;
	char big[600], url[700];
	snprintf(big, sizeof(big), "%s/big", fixture_dir);
	assert_int_equal(sh("set -e; git init -q -b main '%s'; cd '%s'; head -c 200000 /dev/urandom > blob;"
			    "git add blob; git commit -q -m big", big, big), 0);
	snprintf(url, sizeof(url), "file://%s", big);
	mirror_store_set_max_fetch_bytes(store, 50000);
	int rc = mirror_fetch(store, url, NULL, 0, 10000, &err);
	mirror_store_set_max_fetch_bytes(store, 0);
	assert_int_equal(rc, BERR_LIMIT);
	assert_non_null(strstr(err.msg, "passed the limit of 50000 bytes"));
	git_repository *repo = NULL;
	assert_int_equal(mirror_open(&repo, store, url, &err), BERR_NOTFOUND);
	assert_int_equal(mirror_fetch(store, url, NULL, 0, 10000, &err), 0);
}

static void test_transport_choice(void **state)
{
	(void)state;
	assert_true(transport_ssh_url("ssh://git@example.com/a/b.git"));
	assert_true(transport_ssh_url("git+ssh://example.com:2222/a.git"));
	assert_true(transport_ssh_url("git@example.com:a/b.git"));
	assert_false(transport_ssh_url("https://example.com/a.git"));
	assert_false(transport_ssh_url("/srv/git/a.git"));
	assert_false(transport_ssh_url("./dir:with/colon"));
	assert_false(transport_ssh_url("file:///srv/a.git"));
	/* git is installed here (the fixtures use it) */
	assert_string_equal(transport_local_path("file:///srv/a.git"), "/srv/a.git");
	assert_string_equal(transport_local_path("/srv/a.git"), "/srv/a.git");
	assert_null(transport_local_path("relative/a.git"));
	assert_null(transport_local_path("file:///srv/a%20b.git"));
	assert_null(transport_local_path("https://example.com/a.git"));
}

static void test_http_stall_times_out(void **state)
{
	(void)state;
	/* a server that takes the connection (the kernel's backlog) and never answers */
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(sa);
	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(fd, 4), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
	char url[100];
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/silent.git", ntohs(sa.sin_port));
	struct berr err = BERR_INIT;
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(mirror_fetch(store, url, NULL, 0, 800, &err), BERR_LIMIT);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	assert_non_null(strstr(err.msg, "timed out"));
	assert_non_null(strstr(err.msg, "silent.git"));
	assert_true(t1.tv_sec - t0.tv_sec < 5);
	close(fd);
}

static void test_not_a_repository(void **state)
{
	(void)state;
	char dir[600];
	struct berr err = BERR_INIT;
	snprintf(dir, sizeof(dir), "%s/plain-dir", fixture_dir);
	assert_int_equal(sh("mkdir -p '%s' && echo hi > '%s/file'", dir, dir), 0);
	int rc = mirror_fetch(store, dir, NULL, 0, 10000, &err);
	assert_true(rc < 0);
	assert_non_null(strstr(err.msg, "plain-dir"));
}

struct fetcher {
	int rc;
};

static void *fetch_thread(void *arg)
{
	struct fetcher *f = arg;
	struct berr err = BERR_INIT;
	f->rc = mirror_fetch(store, upstream, NULL, 0, 10000, &err);
	return NULL;
}

static void test_fetch_dedup(void **state)
{
	(void)state;
	struct mirror_stats before, after;
	mirror_store_stats(store, &before);
	/* hold the cross-process lock so the first fetch stalls while the
	 * others arrive; they must wait for it and share its result */
	struct buf lock = BUF_INIT;
	mirror_path(&lock, store, upstream);
	buf_adds(&lock, ".lock");
	int fd = open(lock.data, O_RDWR | O_CREAT, 0600);
	assert_true(fd >= 0);
	assert_int_equal(flock(fd, LOCK_EX), 0);
	pthread_t th[4];
	struct fetcher f[4];
	for (int i = 0; i < 4; i++) {
		pthread_create(&th[i], NULL, fetch_thread, &f[i]);
		usleep(50000);
	}
	usleep(200000);
	flock(fd, LOCK_UN);
	close(fd);
	for (int i = 0; i < 4; i++) {
		pthread_join(th[i], NULL);
		assert_int_equal(f[i].rc, 0);
	}
	mirror_store_stats(store, &after);
	assert_int_equal(after.fetches - before.fetches, 1);
	assert_int_equal(after.shared - before.shared, 3);
	buf_release(&lock);

	/* a fresh enough mirror is not fetched again */
	struct berr err = BERR_INIT;
	assert_int_equal(mirror_fetch(store, upstream, NULL, 60000, 10000, &err), 0);
	mirror_store_stats(store, &before);
	assert_int_equal(before.fetches, after.fetches);
	assert_int_equal(before.fresh, after.fresh + 1);
}

static void check_constraint(const char *c, const char *v, int want)
{
	struct semver_constraint *sc = NULL;
	struct semver sv;
	struct berr err = BERR_INIT;
	assert_int_equal(semver_constraint_parse(&sc, c, &err), 0);
	assert_int_equal(semver_parse(&sv, v), 0);
	if (semver_constraint_check(sc, &sv) != want)
		fail_msg("constraint '%s' on '%s' should give %d", c, v, want);
	semver_constraint_free(sc);
}

static void test_semver_rules(void **state)
{
	(void)state;
	check_constraint("1.2.*", "1.2.9", 1);
	check_constraint("1.2.x", "1.3.0", 0);
	check_constraint("~1.2", "1.2.7", 1);
	check_constraint("~1.2", "1.3.0", 0);
	check_constraint("~1", "1.9.0", 1);
	check_constraint("~1.2.3", "1.2.2", 0);
	check_constraint("^1.2", "1.9.9", 1);
	check_constraint("^1.2", "2.0.0", 0);
	check_constraint("^0.2.3", "0.2.9", 1);
	check_constraint("^0.2.3", "0.3.0", 0);
	check_constraint("^0.0.3", "0.0.4", 0);
	check_constraint(">=1.0.0 <2.0.0", "1.5.0", 1);
	check_constraint(">=1.0.0, <2.0.0", "2.0.0", 0);
	check_constraint(">1.2", "1.2.9", 0);
	check_constraint(">1.2", "1.3.0", 1);
	check_constraint("<=1.2", "1.2.9", 1);
	check_constraint("!=1.2.3", "1.2.3", 0);
	check_constraint("1.0 - 1.4", "1.4.0", 1);
	check_constraint("1.0 - 1.4", "1.5.0", 0);
	check_constraint("<1.0.0 || >=3", "3.1.0", 1);
	check_constraint("<1.0.0 || >=3", "2.1.0", 0);
	check_constraint("v1.x", "v1.4.0", 1);
	/* pre-releases only when the constraint names one */
	check_constraint(">=1.0.0", "1.5.0-rc.1", 0);
	check_constraint(">=1.5.0-0", "1.5.0-rc.1", 1);

	struct semver a, b;
	assert_int_equal(semver_parse(&a, "1.0.0-alpha"), 0);
	assert_int_equal(semver_parse(&b, "1.0.0-alpha.1"), 0);
	assert_true(semver_compare(&a, &b) < 0);
	assert_int_equal(semver_parse(&a, "1.0.0-rc.2"), 0);
	assert_int_equal(semver_parse(&b, "1.0.0-rc.10"), 0);
	assert_true(semver_compare(&a, &b) < 0);
	assert_int_equal(semver_parse(&b, "1.0.0"), 0);
	assert_true(semver_compare(&a, &b) < 0);
	assert_int_equal(semver_parse(&a, "v2"), 0);
	assert_true(a.major == 2 && a.minor == 0 && a.patch == 0);
	assert_true(semver_parse(&a, "main") < 0);
	assert_true(semver_parse(&a, "1.2.3.4") < 0);

	struct semver_constraint *sc = NULL;
	struct berr err = BERR_INIT;
	assert_int_equal(semver_constraint_parse(&sc, ">=1.0.0<2", &err), BERR_INVALID);
	assert_int_equal(semver_constraint_parse(&sc, "main", &err), BERR_INVALID);
	assert_int_equal(semver_constraint_parse(&sc, "", &err), BERR_INVALID);
	assert_non_null(strstr(err.msg, "invalid semver constraint"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_clone_and_resolve),
		cmocka_unit_test(test_semver_resolve),
		cmocka_unit_test(test_force_push_and_deleted_branch),
		cmocka_unit_test(test_file_url_and_refs),
		cmocka_unit_test(test_missing_repo),
		cmocka_unit_test(test_secrets_not_echoed),
		cmocka_unit_test(test_fetch_dedup),
		cmocka_unit_test(test_fetch_size_limit),
		cmocka_unit_test(test_semver_rules),
		cmocka_unit_test(test_transport_choice),
		cmocka_unit_test(test_http_stall_times_out),
		cmocka_unit_test(test_not_a_repository),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
