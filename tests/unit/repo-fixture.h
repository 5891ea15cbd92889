/*
 * repo-fixture.h — helpers the repo-server unit tests share: a temporary
 * directory per test group and real git repositories made with the `git`
 * command (never canned objects), so mirrors and trees are exercised
 * against what git itself writes. Header-only so it needs no Makefile rule.
 */
#ifndef BOSUN_TEST_REPO_FIXTURE_H
#define BOSUN_TEST_REPO_FIXTURE_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static char fixture_dir[256];

/* Runs a shell command built from fmt; returns its exit status. */
static int sh(const char *fmt, ...) __attribute__((format(printf, 1, 2), unused));
static int sh(const char *fmt, ...)
{
	char cmd[8192];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	int rc = system(cmd);
	if (rc != 0)
		fprintf(stderr, "# command failed (%d): %s\n", rc, cmd);
	return rc;
}

static __attribute__((unused)) int fixture_setup(void **state)
{
	(void)state;
	snprintf(fixture_dir, sizeof(fixture_dir), "%s/bosun-repo-XXXXXX",
		 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (!mkdtemp(fixture_dir))
		return -1;
	setenv("GIT_AUTHOR_NAME", "Test", 1);
	setenv("GIT_AUTHOR_EMAIL", "test@example.com", 1);
	setenv("GIT_COMMITTER_NAME", "Test", 1);
	setenv("GIT_COMMITTER_EMAIL", "test@example.com", 1);
	setenv("GIT_CONFIG_NOSYSTEM", "1", 1);
	setenv("HOME", fixture_dir, 1);
	return 0;
}

static __attribute__((unused)) int fixture_teardown(void **state)
{
	(void)state;
	if (!getenv("KEEP_FIXTURE"))
		sh("rm -rf '%s'", fixture_dir);
	return 0;
}

/* Output of a shell command, trimmed (static buffer). */
static __attribute__((unused)) const char *sh_out(const char *cmd)
{
	static char out[4096];
	out[0] = 0;
	FILE *f = popen(cmd, "r");
	if (!f)
		return out;
	size_t n = fread(out, 1, sizeof(out) - 1, f);
	out[n] = 0;
	pclose(f);
	while (n && (out[n - 1] == '\n' || out[n - 1] == ' '))
		out[--n] = 0;
	return out;
}

#endif
