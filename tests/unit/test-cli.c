/*
 * Unit tests for the pure parts of the `bosun` CLI: the config file (round
 * trip, mode 0600 in a 0700 directory, contexts, errors), flag parsing,
 * durations, table layout, Argo CD manifest conversion, the spec flags of
 * `app create`/`app set`, and the unified diff.
 *
 * The CLI is not an archive (its files link only into build/bosun), so its
 * shared files are compiled into this test directly.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "../../cli/app.c"
#include "../../cli/client.c"
#include "../../cli/config.c"
#include "../../cli/flags.c"
#include "../../cli/table.c"
#include "../../cli/textdiff.c"

static json_t *parse(const char *text)
{
	json_error_t e;
	json_t *doc = json_loads(text, 0, &e);
	if (!doc)
		fail_msg("bad test JSON: %s", e.text);
	return doc;
}

static void assert_json(const json_t *doc, const char *want)
{
	json_t *w = parse(want);
	if (!json_equal((json_t *)doc, w)) {
		char *got = json_dumps(doc, JSON_COMPACT | JSON_SORT_KEYS);
		json_decref(w);
		fail_msg("got %s\nwant %s", got, want);
	}
	json_decref(w);
}

/* ---- config ---------------------------------------------------------- */

static char tmpdir[256];

static int setup_tmp(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "%s/bosun-cli-test.XXXXXX",
		 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown_tmp(void **state)
{
	(void)state;
	char cmd[300];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

static void test_config_round_trip_mode(void **state)
{
	(void)state;
	char path[400];
	snprintf(path, sizeof(path), "%s/a/b/config", tmpdir);
	json_t *cfg;
	struct berr err = BERR_INIT;
	assert_int_equal(cli_config_load(&cfg, path, &err), 0);    /* missing: empty */
	assert_int_equal(json_object_size(cfg), 0);
	struct cli_context one = { "one:8080", "https://one:8080", "tok-1", 0 };
	struct cli_context two = { "two", "http://two", "tok-2", 1 };
	cli_config_set_context(cfg, &one);
	cli_config_set_context(cfg, &two);
	json_object_set_new(cfg, "unknown-key", json_string("kept"));
	assert_int_equal(cli_config_save(cfg, path, &err), 0);
	json_decref(cfg);

	struct stat st;
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	char dir[400];
	snprintf(dir, sizeof(dir), "%s/a/b", tmpdir);
	assert_int_equal(stat(dir, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0700);

	assert_int_equal(cli_config_load(&cfg, path, &err), 0);
	struct cli_context ctx;
	assert_int_equal(cli_config_context(cfg, NULL, &ctx), 0);     /* the last set */
	assert_string_equal(ctx.name, "two");
	assert_string_equal(ctx.server, "http://two");
	assert_string_equal(ctx.token, "tok-2");
	assert_int_equal(ctx.insecure, 1);
	assert_int_equal(cli_config_context(cfg, "one:8080", &ctx), 0);
	assert_string_equal(ctx.token, "tok-1");
	assert_int_equal(ctx.insecure, 0);
	assert_string_equal(json_string_value(json_object_get(cfg, "unknown-key")), "kept");
	assert_int_equal(cli_config_context(cfg, "three", &ctx), BERR_NOTFOUND);

	/* replacing keeps one entry; removing the current one clears it */
	struct cli_context again = { "one:8080", "https://one:8080", "tok-3", 0 };
	cli_config_set_context(cfg, &again);
	assert_int_equal(json_array_size(json_object_get(cfg, "contexts")), 2);
	assert_int_equal(cli_config_context(cfg, NULL, &ctx), 0);
	assert_string_equal(ctx.token, "tok-3");
	assert_int_equal(cli_config_remove_context(cfg, "one:8080"), 0);
	assert_null(json_object_get(cfg, "current-context"));
	assert_int_equal(cli_config_context(cfg, NULL, &ctx), BERR_NOTFOUND);
	assert_int_equal(cli_config_remove_context(cfg, "one:8080"), BERR_NOTFOUND);

	/* a rewrite of a file that was made readable by others is 0600 again */
	assert_int_equal(chmod(path, 0644), 0);
	assert_int_equal(cli_config_save(cfg, path, &err), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	json_decref(cfg);
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void test_config_errors(void **state)
{
	(void)state;
	char path[400];
	snprintf(path, sizeof(path), "%s/bad", tmpdir);
	json_t *cfg = NULL;
	struct berr err = BERR_INIT;
	write_file(path, "contexts:\n  - name: [unclosed\n");
	assert_int_equal(cli_config_load(&cfg, path, &err), BERR_INVALID);
	assert_null(cfg);
	assert_non_null(strstr(err.msg, path));
	assert_non_null(strstr(err.msg, ":3:1"));
	write_file(path, "- a\n- b\n");
	assert_int_equal(cli_config_load(&cfg, path, &err), BERR_INVALID);
	assert_non_null(strstr(err.msg, "not a mapping"));
	write_file(path, "contexts: 3\n");
	assert_int_equal(cli_config_load(&cfg, path, &err), BERR_INVALID);
	assert_non_null(strstr(err.msg, "'contexts' must be a list"));
	write_file(path, "");
	assert_int_equal(cli_config_load(&cfg, path, &err), 0);
	assert_int_equal(json_object_size(cfg), 0);
	json_decref(cfg);
	/* a context without a server is not usable */
	write_file(path, "current-context: x\ncontexts:\n- name: x\n");
	assert_int_equal(cli_config_load(&cfg, path, &err), 0);
	struct cli_context ctx;
	assert_int_equal(cli_config_context(cfg, NULL, &ctx), BERR_NOTFOUND);
	json_decref(cfg);
}

static void test_config_path(void **state)
{
	(void)state;
	char *saved_home = getenv("HOME") ? strdup(getenv("HOME")) : NULL;
	unsetenv("BOSUN_CONFIG");
	unsetenv("XDG_CONFIG_HOME");
	setenv("HOME", "/home/u", 1);
	char *p = cli_config_path();
	assert_string_equal(p, "/home/u/.config/bosun/config");
	free(p);
	setenv("XDG_CONFIG_HOME", "/x", 1);
	p = cli_config_path();
	assert_string_equal(p, "/x/bosun/config");
	free(p);
	setenv("BOSUN_CONFIG", "/y/c", 1);
	p = cli_config_path();
	assert_string_equal(p, "/y/c");
	free(p);
	cli_globals.config = "/z";
	p = cli_config_path();
	assert_string_equal(p, "/z");
	free(p);
	cli_globals.config = NULL;
	unsetenv("BOSUN_CONFIG");
	unsetenv("XDG_CONFIG_HOME");
	if (saved_home)
		setenv("HOME", saved_home, 1);
	free(saved_home);
}

/* ---- flags ----------------------------------------------------------- */

static int dummy_exec(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return 0;
}

static const struct cmd_entry test_entry = {
	.name = "app test", .usage = "NAME", .summary = "t", .exec = dummy_exec,
};

struct parsed {
	const char *repo, *output;
	int prune, cascade;
	long n;
	struct cli_list opts;
	const char *args[2];
	int nargs;
};

static int run_parse(struct parsed *p, int argc, const char **argv)
{
	memset(p, 0, sizeof(*p));
	p->cascade = 1;
	struct cli_flag flags[] = {
		{ "repo", 0, CLI_STR, &p->repo },
		{ "output", 'o', CLI_STR, &p->output },
		{ "prune", 0, CLI_BOOL, &p->prune },
		{ "cascade", 0, CLI_BOOL, &p->cascade },
		{ "count", 'n', CLI_INT, &p->n },
		{ "sync-option", 0, CLI_LIST, &p->opts },
		{ NULL, 0, 0, NULL },
	};
	memset(&cli_globals, 0, sizeof(cli_globals));
	/* usage errors go to stderr; keep the TAP stream clean */
	fflush(stderr);
	int saved = dup(2);
	FILE *null = fopen("/dev/null", "w");
	dup2(fileno(null), 2);
	int rc = cli_parse(&test_entry, argc, (char **)argv, flags, p->args, 2, &p->nargs);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	fclose(null);
	return rc;
}

static void test_flags_forms(void **state)
{
	(void)state;
	struct parsed p;
	const char *a1[] = { "test", "guestbook", "--repo", "https://r", "-o", "json", "--prune",
			     "--cascade=false", "-n", "42", "--sync-option", "A=1",
			     "--sync-option=B=2", "extra" };
	assert_int_equal(run_parse(&p, 14, a1), 0);
	assert_string_equal(p.repo, "https://r");
	assert_string_equal(p.output, "json");
	assert_int_equal(p.prune, 1);
	assert_int_equal(p.cascade, 0);
	assert_int_equal(p.n, 42);
	assert_int_equal(p.opts.n, 2);
	assert_string_equal(p.opts.v[0], "A=1");
	assert_string_equal(p.opts.v[1], "B=2");
	assert_int_equal(p.nargs, 2);
	assert_string_equal(p.args[0], "guestbook");
	assert_string_equal(p.args[1], "extra");

	/* global flags anywhere; "--" ends flags; "-" is an argument */
	const char *a2[] = { "test", "--server", "s:1", "--insecure", "--auth-token=t", "--",
			     "--not-a-flag" };
	assert_int_equal(run_parse(&p, 7, a2), 0);
	assert_string_equal(cli_globals.server, "s:1");
	assert_string_equal(cli_globals.auth_token, "t");
	assert_int_equal(cli_globals.insecure, 1);
	assert_int_equal(p.nargs, 1);
	assert_string_equal(p.args[0], "--not-a-flag");
	const char *a4[] = { "test", "-oyaml", "-n7" };
	assert_int_equal(run_parse(&p, 3, a4), 0);
	assert_string_equal(p.output, "yaml");
	assert_int_equal(p.n, 7);
	const char *a3[] = { "test", "-" };
	assert_int_equal(run_parse(&p, 2, a3), 0);
	assert_string_equal(p.args[0], "-");
}

static void test_flags_errors(void **state)
{
	(void)state;
	struct parsed p;
	const char *unknown[] = { "test", "--bogus" };
	assert_int_equal(run_parse(&p, 2, unknown), -1);
	const char *unknown_short[] = { "test", "-z" };
	assert_int_equal(run_parse(&p, 2, unknown_short), -1);
	const char *missing[] = { "test", "--repo" };
	assert_int_equal(run_parse(&p, 2, missing), -1);
	const char *bad_bool[] = { "test", "--prune=maybe" };
	assert_int_equal(run_parse(&p, 2, bad_bool), -1);
	const char *bad_int[] = { "test", "-n", "12x" };
	assert_int_equal(run_parse(&p, 3, bad_int), -1);
	const char *too_many[] = { "test", "a", "b", "c" };
	assert_int_equal(run_parse(&p, 4, too_many), -1);
	/* a repeatable flag has a bound, not an overflow */
	const char *many[201];
	many[0] = "test";
	for (int i = 1; i + 1 < 201; i += 2) {
		many[i] = "--sync-option";
		many[i + 1] = "A=1";
	}
	assert_int_equal(run_parse(&p, 201, many), -1);
}

static void test_durations_and_kv(void **state)
{
	(void)state;
	assert_int_equal(cli_parse_duration("30"), 30);
	assert_int_equal(cli_parse_duration("30s"), 30);
	assert_int_equal(cli_parse_duration("5m"), 300);
	assert_int_equal(cli_parse_duration("1h30m"), 5400);
	assert_int_equal(cli_parse_duration("2d"), 172800);
	assert_int_equal(cli_parse_duration(""), -1);
	assert_int_equal(cli_parse_duration("m"), -1);
	assert_int_equal(cli_parse_duration("5x"), -1);
	assert_int_equal(cli_parse_duration("-5"), -1);
	assert_int_equal(cli_parse_duration("99999999999999999999"), -1);
	char key[8];
	const char *v;
	assert_int_equal(cli_split_kv("a=b=c", key, sizeof(key), &v), 0);
	assert_string_equal(key, "a");
	assert_string_equal(v, "b=c");
	assert_int_equal(cli_split_kv("=x", key, sizeof(key), &v), -1);
	assert_int_equal(cli_split_kv("nokey", key, sizeof(key), &v), -1);
	assert_int_equal(cli_split_kv("muchtoolongkey=1", key, sizeof(key), &v), -1);
	enum cli_output o;
	assert_int_equal(cli_output_parse(NULL, &o), 0);
	assert_int_equal(o, OUT_TABLE);
	assert_int_equal(cli_output_parse("yaml", &o), 0);
	assert_int_equal(o, OUT_YAML);
	assert_int_equal(cli_output_parse("xml", &o), -1);
}

/* ---- tables ---------------------------------------------------------- */

static void test_table_layout(void **state)
{
	(void)state;
	struct table t;
	table_init(&t, 4);
	table_add(&t, "NAME", "STATUS", "HEALTH", "MESSAGE");
	table_add(&t, "guestbook", "Synced", "Healthy", "");
	table_add(&t, "a", NULL, "Degradé", "line\none");
	struct buf b = BUF_INIT;
	table_format(&t, &b);
	assert_string_equal(b.data,
			    "NAME       STATUS  HEALTH   MESSAGE\n"
			    "guestbook  Synced  Healthy\n"
			    "a                  Degradé  line one\n");
	buf_release(&b);
	table_free(&t);
	table_init(&t, 2);
	table_format(&t, &b);
	assert_string_equal(b.data, "");
	buf_release(&b);
	table_free(&t);
}

/* ---- Argo CD manifests ----------------------------------------------- */

static void test_convert_argocd(void **state)
{
	(void)state;
	json_t *app = parse("{\"apiVersion\":\"argoproj.io/v1alpha1\",\"kind\":\"Application\","
			    "\"metadata\":{\"name\":\"guestbook\",\"namespace\":\"argocd\","
			    "\"uid\":\"u\",\"resourceVersion\":\"7\",\"finalizers\":"
			    "[\"resources-finalizer.argocd.argoproj.io\",\"other\","
			    "\"resources-finalizer.argocd.argoproj.io/background\"]},"
			    "\"spec\":{\"project\":\"default\",\"source\":{\"repoURL\":\"r\"}},"
			    "\"status\":{\"sync\":{}},\"operation\":{\"sync\":{}}}");
	struct berr err = BERR_INIT;
	assert_int_equal(app_manifest_convert(app, &err), 0);
	assert_json(app, "{\"apiVersion\":\"bosun.io/v1alpha1\",\"kind\":\"Application\","
			 "\"metadata\":{\"name\":\"guestbook\",\"finalizers\":"
			 "[\"resources-finalizer.bosun.io\",\"other\","
			 "\"resources-finalizer.bosun.io/background\"]},"
			 "\"spec\":{\"project\":\"default\",\"source\":{\"repoURL\":\"r\"}}}");
	json_decref(app);

	/* Bosun's own stay as they are (finalizers untouched) */
	app = parse("{\"apiVersion\":\"bosun.io/v1alpha1\",\"kind\":\"Application\","
		    "\"metadata\":{\"name\":\"x\",\"finalizers\":[\"f\"]},\"spec\":{}}");
	assert_int_equal(app_manifest_convert(app, &err), 0);
	assert_json(app, "{\"apiVersion\":\"bosun.io/v1alpha1\",\"kind\":\"Application\","
			 "\"metadata\":{\"name\":\"x\",\"finalizers\":[\"f\"]},\"spec\":{}}");
	json_decref(app);

	const char *bad[][2] = {
		{ "{\"apiVersion\":\"argoproj.io/v1alpha1\",\"kind\":\"AppProject\","
		  "\"metadata\":{\"name\":\"x\"}}", "kind is 'AppProject'" },
		{ "{\"apiVersion\":\"apps/v1\",\"kind\":\"Application\",\"metadata\":{\"name\":\"x\"}}",
		  "apiVersion 'apps/v1'" },
		{ "{\"kind\":\"Application\",\"metadata\":{}}", "'metadata.name' is required" },
		{ "[1]", "must be a mapping" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		app = parse(bad[i][0]);
		berr_clear(&err);
		assert_int_equal(app_manifest_convert(app, &err), BERR_INVALID);
		if (!strstr(err.msg, bad[i][1]))
			fail_msg("'%s' lacks '%s'", err.msg, bad[i][1]);
		json_decref(app);
	}
}

/* ---- app spec flags -------------------------------------------------- */

static void test_app_flags(void **state)
{
	(void)state;
	struct app_flags af;
	memset(&af, 0, sizeof(af));
	struct cli_flag f[20];
	int n = app_flags_table(f, &af);
	assert_int_equal(n, 15);
	af.repo = "https://git/r";
	af.path = "guestbook";
	af.revision = "main";
	af.dest_namespace = "web";
	af.dest_name = "in-cluster";
	af.sync_policy = "automated";
	af.auto_prune = 1;
	af.self_heal = 0;
	af.sync_options.v[af.sync_options.n++] = "CreateNamespace=true";
	af.sync_options.v[af.sync_options.n++] = "CreateNamespace=false";
	af.values.v[af.values.n++] = "values-prod.yaml";
	af.helm_set.v[af.helm_set.n++] = "image.tag=v2";
	af.helm_set.v[af.helm_set.n++] = "image.tag=v3";
	af.release_name = "gb";
	af.directory_recurse = 1;
	json_t *spec = parse("{\"destination\":{\"server\":\"https://old\"}}");
	struct berr err = BERR_INIT;
	assert_int_equal(app_flags_apply(spec, &af, &err), 0);
	assert_json(spec, "{\"source\":{\"repoURL\":\"https://git/r\",\"path\":\"guestbook\","
			  "\"targetRevision\":\"main\",\"helm\":{\"releaseName\":\"gb\","
			  "\"valueFiles\":[\"values-prod.yaml\"],\"parameters\":"
			  "[{\"name\":\"image.tag\",\"value\":\"v3\"}]},"
			  "\"directory\":{\"recurse\":true}},"
			  "\"destination\":{\"name\":\"in-cluster\",\"namespace\":\"web\"},"
			  "\"syncPolicy\":{\"automated\":{\"prune\":true,\"selfHeal\":false},"
			  "\"syncOptions\":[\"CreateNamespace=false\"]}}");
	/* none takes automation off again; prune without it is an error */
	memset(&af, 0, sizeof(af));
	app_flags_table(f, &af);
	af.sync_policy = "none";
	assert_int_equal(app_flags_apply(spec, &af, &err), 0);
	assert_null(json_object_get(json_object_get(spec, "syncPolicy"), "automated"));
	af.sync_policy = NULL;
	af.self_heal = 1;
	assert_int_equal(app_flags_apply(spec, &af, &err), BERR_INVALID);
	assert_non_null(strstr(err.msg, "--self-heal needs --sync-policy automated"));
	af.self_heal = -1;
	af.sync_policy = "sometimes";
	assert_int_equal(app_flags_apply(spec, &af, &err), BERR_INVALID);
	af.sync_policy = NULL;
	af.dest_server = "a";
	af.dest_name = "b";
	assert_int_equal(app_flags_apply(spec, &af, &err), BERR_INVALID);
	af.dest_server = af.dest_name = NULL;
	af.helm_set.v[af.helm_set.n++] = "novalue";
	assert_int_equal(app_flags_apply(spec, &af, &err), BERR_INVALID);
	assert_non_null(strstr(err.msg, "'novalue'"));
	json_decref(spec);
}

/* ---- unified diff ---------------------------------------------------- */

static void test_textdiff(void **state)
{
	(void)state;
	struct buf out = BUF_INIT;
	assert_int_equal(textdiff_unified(&out, "a\nb\n", "a\nb\n", "x", "y", 0), 0);
	assert_string_equal(out.data, "");
	const char *a = "1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n11\n12\n13\n14\n15\n";
	const char *b = "1\n2\n3\n4\nfive\n6\n7\n8\n9\n10\n11\n12\n13\n14\n15\nsixteen\n";
	assert_int_equal(textdiff_unified(&out, a, b, "live", "desired", 0), 1);
	assert_string_equal(out.data,
			    "--- live\n+++ desired\n"
			    "@@ -2,7 +2,7 @@\n 2\n 3\n 4\n-5\n+five\n 6\n 7\n 8\n"
			    "@@ -13,3 +13,4 @@\n 13\n 14\n 15\n+sixteen\n");
	buf_reset(&out);
	assert_int_equal(textdiff_unified(&out, "", "kind: X\n", "/dev/null", "desired", 0), 1);
	assert_string_equal(out.data, "--- /dev/null\n+++ desired\n@@ -0,0 +1,1 @@\n+kind: X\n");
	buf_reset(&out);
	assert_int_equal(textdiff_unified(&out, "a\n", "b\n", "l", "d", 1), 1);
	assert_string_equal(out.data, "\033[1m--- l\n+++ d\033[0m\n\033[36m@@ -1,1 +1,1 @@\033[0m\n"
				      "\033[31m-a\033[0m\n\033[32m+b\033[0m\n");
	buf_release(&out);
}

static void test_textdiff_large(void **state)
{
	(void)state;
	/* past the table cap the middle is replaced wholesale, still a diff */
	struct buf a = BUF_INIT, b = BUF_INIT, out = BUF_INIT;
	for (int i = 0; i < 5000; i++) {
		buf_addf(&a, "a%d\n", i);
		buf_addf(&b, "b%d\n", i);
	}
	assert_int_equal(textdiff_unified(&out, a.data, b.data, "l", "d", 0), 1);
	assert_non_null(strstr(out.data, "@@ -1,5000 +1,5000 @@\n-a0\n"));
	buf_release(&a);
	buf_release(&b);
	buf_release(&out);
}

static void test_suggest(void **state)
{
	(void)state;
	json_t *names = parse("[\"guestbook\",\"guestbook-prod\",\"web\",\"api\",\"bad\"]");
	struct buf b = BUF_INIT;
	app_suggest(&b, "gustbook", names);
	assert_string_equal(b.data, " (did you mean 'guestbook'?)");
	buf_reset(&b);
	app_suggest(&b, "guestbook-pro", names);
	assert_string_equal(b.data, " (did you mean 'guestbook', 'guestbook-prod'?)");
	buf_reset(&b);
	app_suggest(&b, "wbe", names);          /* short names: one edit only */
	assert_string_equal(b.data, "");
	app_suggest(&b, "bd", names);
	assert_string_equal(b.data, " (did you mean 'bad'?)");
	buf_reset(&b);
	app_suggest(&b, "zzzzzzzzzz", names);
	assert_string_equal(b.data, "");
	buf_release(&b);
	json_decref(names);
}

static void test_mask_secret(void **state)
{
	(void)state;
	json_t *s = parse("{\"kind\":\"Secret\",\"metadata\":{\"name\":\"s\",\"annotations\":"
			  "{\"kubectl.kubernetes.io/last-applied-configuration\":\"{pw: x}\",\"a\":\"b\"}},"
			  "\"data\":{\"a\":\"eA==\"},\"stringData\":{\"b\":\"y\"}}");
	app_mask_secret(s);
	assert_json(s, "{\"kind\":\"Secret\",\"metadata\":{\"name\":\"s\",\"annotations\":"
		       "{\"kubectl.kubernetes.io/last-applied-configuration\":\"++++++++\",\"a\":\"b\"}},"
		       "\"data\":{\"a\":\"++++++++\",\"b\":\"++++++++\"}}");
	json_decref(s);
	/* a readable annotation keeps its keys, not its values */
	s = parse("{\"kind\":\"Secret\",\"metadata\":{\"annotations\":"
		  "{\"kubectl.kubernetes.io/last-applied-configuration\":"
		  "\"{\\\"stringData\\\":{\\\"pw\\\":\\\"hunter2\\\"}}\"}}}");
	app_mask_secret(s);
	assert_json(s, "{\"kind\":\"Secret\",\"metadata\":{\"annotations\":"
		       "{\"kubectl.kubernetes.io/last-applied-configuration\":"
		       "\"{\\\"stringData\\\":{\\\"pw\\\":\\\"++++++++\\\"}}\"}}}");
	json_decref(s);
	json_t *cm = parse("{\"kind\":\"ConfigMap\",\"data\":{\"a\":\"b\"}}");
	app_mask_secret(cm);
	assert_json(cm, "{\"kind\":\"ConfigMap\",\"data\":{\"a\":\"b\"}}");
	json_decref(cm);
	app_mask_secret(NULL);
}

/* ---- golden layouts --------------------------------------------------- */

#ifndef CLI_TEST_DATA
#define CLI_TEST_DATA "tests/data/cli"
#endif

static void test_app_get_golden(void **state)
{
	(void)state;
	struct buf text = BUF_INIT, want = BUF_INIT;
	assert_int_equal(buf_read_file(&text, CLI_TEST_DATA "/app-guestbook.json", 1 << 20), 0);
	assert_int_equal(buf_read_file(&want, CLI_TEST_DATA "/app-guestbook.golden", 1 << 20), 0);
	json_t *app = parse(text.data);
	char *got = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&got, &len);
	assert_non_null(f);
	app_print_summary(app, "https://bosun.example.com", 1, f);
	fclose(f);
	if (strcmp(got, want.data))
		fail_msg("app get layout differs; got:\n%s", got);
	free(got);
	json_decref(app);
	buf_release(&text);
	buf_release(&want);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_config_round_trip_mode),
		cmocka_unit_test(test_config_errors),
		cmocka_unit_test(test_config_path),
		cmocka_unit_test(test_flags_forms),
		cmocka_unit_test(test_flags_errors),
		cmocka_unit_test(test_durations_and_kv),
		cmocka_unit_test(test_table_layout),
		cmocka_unit_test(test_convert_argocd),
		cmocka_unit_test(test_app_flags),
		cmocka_unit_test(test_textdiff),
		cmocka_unit_test(test_textdiff_large),
		cmocka_unit_test(test_suggest),
		cmocka_unit_test(test_mask_secret),
		cmocka_unit_test(test_app_get_golden),
	};
	return cmocka_run_group_tests(tests, setup_tmp, teardown_tmp);
}
