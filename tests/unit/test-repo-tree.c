/*
 * Tests of repo-server/tree.c: reading a commit's files from the object
 * database, symlinks inside and outside the repository, loops, limits and
 * path cleaning, on a repository made with the git command.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "repo-server/mirror.h"
#include "repo-server/tree.h"
#include "repo-fixture.h"

static char upstream[512];
static git_repository *repo;
static char head[41];

static int group_setup(void **state)
{
	if (fixture_setup(state))
		return -1;
	snprintf(upstream, sizeof(upstream), "%s/upstream", fixture_dir);
	if (sh("set -e; git init -q -b main '%s'; cd '%s';"
	       "mkdir -p good/sub good/a-b shared evil-abs evil-dir loop big;"
	       "echo 'kind: A' > good/a.yaml; echo 'kind: B' > good/sub/b.yaml;"
	       "echo 'kind: AB' > good/a-b/x.yaml; echo readme > good/README.md;"
	       "echo 'kind: C' > shared/c.yaml;"
	       "ln -s a.yaml good/link.yaml; ln -s ../shared/c.yaml good/uplink.yaml;"
	       "ln -s sub good/dirlink; ln -s good applink; ln -s missing.yaml good/dangling.yaml;"
	       "ln -s /etc/passwd evil-abs/passwd.yaml; ln -s ../.. evil-dir/out;"
	       "ln -s b loop/a; ln -s a loop/b; ln -s self loop/self;"
	       "truncate -s 11M big/huge.yaml; echo small > big/small.yaml;"
	       "git add -A; git commit -q -m fixture",
	       upstream, upstream))
		return -1;
	mirror_global_init();
	if (git_repository_open(&repo, upstream) < 0)
		return -1;
	snprintf(head, sizeof(head), "%s", sh_out("git -C \"$HOME/upstream\" rev-parse HEAD"));
	return 0;
}

static int group_teardown(void **state)
{
	git_repository_free(repo);
	return fixture_teardown(state);
}

static struct tree_reader *open_reader(const struct tree_limits *limits)
{
	struct tree_reader *r = NULL;
	struct berr err = BERR_INIT;
	if (tree_reader_open(&r, repo, head, limits, &err) < 0)
		fail_msg("open: %s", err.msg);
	return r;
}

static void expect_read(struct tree_reader *r, const char *path, const char *want)
{
	struct buf b = BUF_INIT;
	struct berr err = BERR_INIT;
	if (tree_read_file(&b, r, path, &err) < 0)
		fail_msg("read '%s': %s", path, err.msg);
	assert_string_equal(b.data, want);
	buf_release(&b);
}

static void expect_read_error(struct tree_reader *r, const char *path, int code,
			      const char *needle)
{
	struct buf b = BUF_INIT;
	struct berr err = BERR_INIT;
	assert_int_equal(tree_read_file(&b, r, path, &err), code);
	if (!strstr(err.msg, needle))
		fail_msg("error for '%s' is '%s', wanted '%s'", path, err.msg, needle);
	assert_int_equal(b.len, 0);
	buf_release(&b);
}

static void test_clean_path(void **state)
{
	(void)state;
	struct buf b = BUF_INIT;
	struct berr err = BERR_INIT;
	assert_int_equal(tree_clean_path(&b, "./a//b/", &err), 0);
	assert_string_equal(b.data, "a/b");
	buf_reset(&b);
	assert_int_equal(tree_clean_path(&b, ".", &err), 0);
	assert_string_equal(b.data, "");
	assert_int_equal(tree_clean_path(&b, "", &err), 0);
	assert_int_equal(tree_clean_path(&b, "../..", &err), BERR_INVALID);
	assert_non_null(strstr(err.msg, "'../..' leaves the repository"));
	assert_int_equal(tree_clean_path(&b, "a/../../etc", &err), BERR_INVALID);
	assert_int_equal(tree_clean_path(&b, "/etc", &err), BERR_INVALID);
	assert_non_null(strstr(err.msg, "absolute"));
	assert_string_equal(b.data, "");
	buf_release(&b);
}

static void test_read_inside(void **state)
{
	(void)state;
	struct tree_reader *r = open_reader(NULL);
	expect_read(r, "good/a.yaml", "kind: A\n");
	expect_read(r, "good/link.yaml", "kind: A\n");
	expect_read(r, "good/uplink.yaml", "kind: C\n");
	expect_read(r, "good/dirlink/b.yaml", "kind: B\n");
	expect_read(r, "applink/sub/b.yaml", "kind: B\n");
	expect_read_error(r, "good/nope.yaml", BERR_NOTFOUND, "'good/nope.yaml' not found");
	expect_read_error(r, "good/dangling.yaml", BERR_NOTFOUND, "not found");
	expect_read_error(r, "good/sub", BERR_INVALID, "is a directory");
	expect_read_error(r, "good/a.yaml/x", BERR_NOTFOUND, "not found");

	enum tree_kind kind;
	struct buf res = BUF_INIT;
	struct berr err = BERR_INIT;
	assert_int_equal(tree_stat(&kind, &res, r, "applink/dirlink", &err), 0);
	assert_int_equal(kind, TREE_DIR);
	assert_string_equal(res.data, "good/sub");
	buf_release(&res);
	assert_int_equal(tree_reader_total(r), 8 + 8 + 8 + 8 + 8);
	tree_reader_free(r);
}

static void test_hostile_symlinks(void **state)
{
	(void)state;
	struct tree_reader *r = open_reader(NULL);
	expect_read_error(r, "evil-abs/passwd.yaml", BERR_INVALID,
			  "symlink 'evil-abs/passwd.yaml' points outside the repository");
	expect_read_error(r, "evil-dir/out/etc/passwd", BERR_INVALID,
			  "symlink 'evil-dir/out' points outside the repository");
	expect_read_error(r, "loop/a", BERR_LIMIT, "symlink loop at 'loop/");
	expect_read_error(r, "loop/self", BERR_LIMIT, "symlink loop at 'loop/self'");

	struct tree_file *files = NULL;
	size_t n = 0;
	struct berr err = BERR_INIT;
	assert_int_equal(tree_list_files(&files, &n, r, "evil-abs", 0, &err), BERR_INVALID);
	assert_non_null(strstr(err.msg, "'evil-abs/passwd.yaml'"));
	assert_int_equal(tree_list_files(&files, &n, r, "evil-dir", 1, &err), BERR_INVALID);
	assert_non_null(strstr(err.msg, "'evil-dir/out'"));
	assert_int_equal(tree_list_files(&files, &n, r, "loop", 0, &err), BERR_LIMIT);
	assert_null(files);
	tree_reader_free(r);
}

static void test_limits(void **state)
{
	(void)state;
	struct tree_reader *r = open_reader(NULL);
	expect_read_error(r, "big/huge.yaml", BERR_LIMIT,
			  "file 'big/huge.yaml' is 11534336 bytes, over the limit of 10485760 bytes");
	expect_read(r, "big/small.yaml", "small\n");
	tree_reader_free(r);

	struct tree_limits lim = { .max_total_bytes = 12, .max_files = 3 };
	r = open_reader(&lim);
	expect_read(r, "good/a.yaml", "kind: A\n");
	expect_read_error(r, "good/a.yaml", BERR_LIMIT, "limit of 12 bytes per render (at 'good/a.yaml')");
	struct tree_file *files = NULL;
	size_t n = 0;
	struct berr err = BERR_INIT;
	assert_int_equal(tree_list_files(&files, &n, r, "good", 1, &err), BERR_LIMIT);
	assert_non_null(strstr(err.msg, "more than 3 files under 'good'"));
	tree_reader_free(r);
}

static void test_list(void **state)
{
	(void)state;
	struct tree_reader *r = open_reader(NULL);
	struct tree_file *files = NULL;
	size_t n = 0;
	struct berr err = BERR_INIT;
	assert_int_equal(tree_list_files(&files, &n, r, "good", 1, &err), 0);
	/* lexical per directory, like filepath.Walk; dirlink not descended,
	 * dangling.yaml skipped */
	const char *want[] = { "README.md", "a-b/x.yaml", "a.yaml",
			       "link.yaml", "sub/b.yaml", "uplink.yaml" };
	assert_int_equal(n, 6);
	for (size_t i = 0; i < n; i++)
		assert_string_equal(files[i].path, want[i]);
	assert_string_equal(files[1].repo_path, "good/a-b/x.yaml");
	tree_files_free(files, n);

	assert_int_equal(tree_list_files(&files, &n, r, "applink", 0, &err), 0);
	assert_int_equal(n, 4);
	assert_string_equal(files[0].repo_path, "good/README.md");
	tree_files_free(files, n);

	assert_int_equal(tree_list_files(&files, &n, r, "nope", 0, &err), BERR_NOTFOUND);
	assert_non_null(strstr(err.msg, "path 'nope' not found"));
	assert_int_equal(tree_list_files(&files, &n, r, "good/a.yaml", 0, &err), BERR_INVALID);
	assert_int_equal(tree_list_files(&files, &n, r, "", 0, &err), 0);
	assert_int_equal(n, 0);
	tree_files_free(files, n);
	tree_reader_free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_clean_path),
		cmocka_unit_test(test_read_inside),
		cmocka_unit_test(test_hostile_symlinks),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_list),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
