/* test-lib.c — the shared vocabulary: buf, berr, log masking, daemon files,
 * Secret masking, the monotonic clock. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "clock.h"
#include "daemon.h"
#include "err.h"
#include "log.h"
#include "secret.h"

/* Deadlines are normalised instants on the clock the condition variables
 * wait on: a timed wait ends after its time, not before and not much after. */
static void test_clock_deadlines_and_waits(void **state)
{
	(void)state;
	struct timespec ts = clock_after_ms(1999);
	assert_true(ts.tv_nsec >= 0 && ts.tv_nsec < 1000000000L);
	int64_t t0 = clock_ms();
	double s0 = clock_s();
	assert_true(s0 * 1000 >= (double)t0 - 1 && s0 * 1000 <= (double)t0 + 1000);
	pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
	pthread_cond_t c;
	cond_init_monotonic(&c);
	pthread_mutex_lock(&mu);
	struct timespec until = clock_after_ms(50);
	int rc = 0;
	while (rc == 0)
		rc = pthread_cond_timedwait(&c, &mu, &until);
	pthread_mutex_unlock(&mu);
	int64_t waited = clock_ms() - t0;
	assert_true(waited >= 49 && waited < 5000);
	pthread_cond_destroy(&c);
}

static void test_buf_starts_empty_and_terminated(void **state)
{
	(void)state;
	struct buf b = BUF_INIT;
	assert_non_null(b.data);
	assert_string_equal(b.data, "");
	assert_int_equal(b.cap, 0);
	buf_release(&b);
	assert_int_equal(b.len, 0);
}

static void test_buf_grows_across_many_appends(void **state)
{
	(void)state;
	struct buf b = BUF_INIT;
	for (int i = 0; i < 10000; i++)
		buf_addf(&b, "%d,", i % 10);
	assert_int_equal(b.len, 20000);
	assert_int_equal(b.data[b.len], '\0');
	assert_memory_equal(b.data, "0,1,2,", 6);
	buf_truncate(&b, 4);
	assert_string_equal(b.data, "0,1,");
	size_t n;
	char *s = buf_detach(&b, &n);
	assert_int_equal(n, 4);
	assert_string_equal(s, "0,1,");
	assert_int_equal(b.cap, 0);
	free(s);
}

static void test_buf_addf_long_string(void **state)
{
	(void)state;
	struct buf b = BUF_INIT;
	char big[5000];
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	buf_adds(&b, "a");
	buf_addf(&b, "%s|%s", big, big);
	assert_int_equal(b.len, 1 + 4999 * 2 + 1);
	assert_int_equal(b.data[5000], '|');
	buf_release(&b);
}

static void test_buf_detach_of_empty_is_freeable(void **state)
{
	(void)state;
	struct buf b = BUF_INIT;
	char *s = buf_detach(&b, NULL);
	assert_string_equal(s, "");
	free(s);
}

static void test_berr_set_and_prefix(void **state)
{
	(void)state;
	struct berr e = BERR_INIT;
	int rc = berr_set(&e, BERR_INVALID, "unknown field '%s'", "spec.replica");
	assert_int_equal(rc, BERR_INVALID);
	assert_int_equal(berr_prefix(&e, "'%s'", "deploy.yaml:3:7"), BERR_INVALID);
	assert_string_equal(e.msg, "'deploy.yaml:3:7': unknown field 'spec.replica'");
	assert_string_equal(berr_code_name(BERR_NOTFOUND), "not found");
	assert_int_equal(berr_set(NULL, BERR_IO, "x"), BERR_IO);
}

static void test_berr_truncates_long_messages(void **state)
{
	(void)state;
	struct berr e = BERR_INIT;
	char big[3000];
	memset(big, 'y', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	berr_set(&e, BERR_FAIL, "%s", big);
	assert_int_equal(strlen(e.msg), BERR_MSG_MAX - 1);
	assert_string_equal(e.msg + BERR_MSG_MAX - 4, "...");
}

static void test_log_masks_secret_keys(void **state)
{
	(void)state;
	assert_true(log_key_is_secret("password"));
	assert_true(log_key_is_secret("Authorization"));
	assert_true(log_key_is_secret("bearerToken"));
	assert_true(log_key_is_secret("sshPrivateKey"));
	assert_false(log_key_is_secret("path"));
	assert_false(log_key_is_secret("status"));
}

static void test_log_writes_json_lines_without_secrets(void **state)
{
	(void)state;
	char path[] = "/tmp/bosun-log-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	int saved = dup(STDERR_FILENO);
	dup2(fd, STDERR_FILENO);
	log_setup(LOG_INFO, LOG_JSON);
	log_info("login", "user", "admin", "password", "hunter2", NULL);
	log_debug("hidden", NULL);
	log_setup(LOG_INFO, LOG_TEXT);
	log_warn("two words", "path", "a b", NULL);
	dup2(saved, STDERR_FILENO);
	close(saved);
	struct buf b = BUF_INIT;
	assert_int_equal(buf_read_file(&b, path, 0), 0);
	unlink(path);
	close(fd);
	assert_non_null(strstr(b.data, "\"msg\":\"login\",\"user\":\"admin\",\"password\":\"***\"}"));
	assert_null(strstr(b.data, "hunter2"));
	assert_null(strstr(b.data, "hidden"));
	assert_non_null(strstr(b.data, "level=warn msg=\"two words\" path=\"a b\""));
	buf_release(&b);
}

static void test_daemon_files(void **state)
{
	(void)state;
	char dir[] = "/tmp/bosun-daemon-XXXXXX";
	assert_non_null(mkdtemp(dir));
	struct buf sub = BUF_INIT, p = BUF_INIT;
	buf_addf(&sub, "%s/a/b", dir);
	struct berr e = BERR_INIT;
	assert_int_equal(daemon_ensure_dir(sub.data, 0700, &e), 0);
	struct daemon_ports ports = DAEMON_PORTS_NONE;
	ports.cluster = 6443;
	ports.api = 0;
	assert_int_equal(daemon_write_ports(sub.data, &ports, &e), 0);
	buf_addf(&p, "%s/ports.json", sub.data);
	struct buf text = BUF_INIT;
	assert_int_equal(buf_read_file(&text, p.data, 0), 0);
	assert_string_equal(text.data, "{\"api\": 0, \"cluster\": 6443}");

	buf_reset(&p);
	buf_addf(&p, "%s/admin-password", sub.data);
	assert_int_equal(daemon_write_file(p.data, "s3cret", 6, 0600, &e), 0);
	struct stat st;
	assert_int_equal(stat(p.data, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);

	assert_true(daemon_write_file("/nonexistent-dir/x", "", 0, 0600, &e) < 0);
	assert_non_null(strstr(e.msg, "cannot write '/nonexistent-dir/x'"));

	assert_int_equal(daemon_parse_port("8080"), 8080);
	assert_int_equal(daemon_parse_port("0"), 0);
	assert_int_equal(daemon_parse_port("65536"), -1);
	assert_int_equal(daemon_parse_port("80x"), -1);
	assert_int_equal(daemon_parse_port(""), -1);

	char cmd[512];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
	buf_release(&sub);
	buf_release(&p);
	buf_release(&text);
}

static void test_daemon_common_options(void **state)
{
	(void)state;
	char *argv[] = { "cluster", "--port", "0", "--data-dir=/x", "--log-level",
			 "debug", "--nodes", "3", NULL };
	const char *dd = NULL;
	int argc = daemon_common_options(8, argv, &dd);
	assert_int_equal(argc, 5);
	assert_string_equal(dd, "/x");
	assert_string_equal(argv[1], "--port");
	assert_string_equal(argv[3], "--nodes");
	assert_null(argv[5]);
	char *bad[] = { "api", "--log-format", "xml", NULL };
	assert_int_equal(daemon_common_options(3, bad, &dd), -1);
	log_setup(LOG_INFO, LOG_TEXT);
}

/* A role's own options from its table: every kind, both spellings of a
 * value, and each way an option can be wrong. */
static void test_daemon_parse_options(void **state)
{
	(void)state;
	const char *addr = NULL;
	int port = -1, nodes = 0;
	long delay = 0, history = 0;
	unsigned procs = 0;
	size_t cache = 0;
	const struct daemon_opt table[] = {
		{ "--address", DAEMON_OPT_STRING, &addr, 0, 0 },
		{ "--port", DAEMON_OPT_PORT, &port, 0, 0 },
		{ "--nodes", DAEMON_OPT_INT, &nodes, 1, 1000 },
		{ "--delay", DAEMON_OPT_DURATION, &delay, 0, 0 },
		{ "--history", DAEMON_OPT_LONG, &history, 10, 1000000 },
		{ "--procs", DAEMON_OPT_UINT, &procs, 1, 64 },
		{ "--cache", DAEMON_OPT_SIZE, &cache, 0, 0 },
		{ NULL, 0, NULL, 0, 0 },
	};
	char *ok[] = { "x", "--address=0.0.0.0", "--port", "6443", "--nodes=3", "--delay",
		       "250ms", "--history", "20", "--procs=8", "--cache", "64MiB", NULL };
	assert_int_equal(daemon_parse_options("x", 12, ok, table), 0);
	assert_string_equal(addr, "0.0.0.0");
	assert_int_equal(port, 6443);
	assert_int_equal(nodes, 3);
	assert_int_equal(delay, 250);
	assert_int_equal(history, 20);
	assert_int_equal(procs, 8);
	assert_int_equal(cache, 64u << 20);
	char *help[] = { "x", "--port", "1", "-h", NULL };
	assert_int_equal(daemon_parse_options("x", 4, help, table), 1);
	char *unknown[] = { "x", "--prot", "1", NULL };
	char *missing[] = { "x", "--port", NULL };
	char *range[] = { "x", "--nodes", "0", NULL };
	char *notnum[] = { "x", "--history=12x", NULL };
	char *size[] = { "x", "--cache", "12T", NULL };
	char *dur[] = { "x", "--delay=soon", NULL };
	assert_int_equal(daemon_parse_options("x", 3, unknown, table), -1);
	assert_int_equal(daemon_parse_options("x", 2, missing, table), -1);
	assert_int_equal(daemon_parse_options("x", 3, range, table), -1);
	assert_int_equal(daemon_parse_options("x", 2, notnum, table), -1);
	assert_int_equal(daemon_parse_options("x", 3, size, table), -1);
	assert_int_equal(daemon_parse_options("x", 2, dur, table), -1);
}

static json_t *parse(const char *text)
{
	json_error_t jerr;
	json_t *doc = json_loads(text, 0, &jerr);
	if (!doc)
		fail_msg("bad test JSON: %s", jerr.text);
	return doc;
}

static void assert_json(const json_t *got, const char *want)
{
	json_t *w = parse(want);
	if (!json_equal(got, w)) {
		char *g = json_dumps(got, JSON_COMPACT);
		fail_msg("got %s\nwant %s", g, want);
	}
	json_decref(w);
}

#define LAST_APPLIED "\"kubectl.kubernetes.io/last-applied-configuration\""

static void test_secret_mask_values_and_last_applied(void **state)
{
	(void)state;
	/* the annotation kubectl apply leaves on a Secret holds the plain values */
	json_t *s = parse("{\"apiVersion\":\"v1\",\"kind\":\"Secret\",\"metadata\":{\"name\":\"s\","
			  "\"annotations\":{" LAST_APPLIED ":\"{\\\"apiVersion\\\":\\\"v1\\\","
			  "\\\"kind\\\":\\\"Secret\\\",\\\"metadata\\\":{\\\"name\\\":\\\"s\\\"},"
			  "\\\"stringData\\\":{\\\"pw\\\":\\\"hunter2\\\"},\\\"data\\\":{\\\"k\\\":\\\"eA==\\\"}}\\n\","
			  "\"a\":\"b\"}},\"data\":{\"pw\":\"aHVudGVyMg==\",\"k\":\"eA==\"},"
			  "\"stringData\":{\"n\":null}}");
	secret_mask(s);
	assert_json(s, "{\"apiVersion\":\"v1\",\"kind\":\"Secret\",\"metadata\":{\"name\":\"s\","
		       "\"annotations\":{" LAST_APPLIED ":\"{\\\"apiVersion\\\":\\\"v1\\\","
		       "\\\"kind\\\":\\\"Secret\\\",\\\"metadata\\\":{\\\"name\\\":\\\"s\\\"},"
		       "\\\"stringData\\\":{\\\"pw\\\":\\\"++++++++\\\"},\\\"data\\\":{\\\"k\\\":\\\"++++++++\\\"}}\","
		       "\"a\":\"b\"}},\"data\":{\"pw\":\"++++++++\",\"k\":\"++++++++\"},"
		       "\"stringData\":{\"n\":\"++++++++\"}}");
	/* masking twice changes nothing more */
	json_t *again = json_deep_copy(s);
	secret_mask(again);
	assert_true(json_equal(s, again));
	json_decref(again);
	json_decref(s);

	/* whatever kind the annotation claims, and whatever shape the fields */
	s = parse("{\"kind\":\"Secret\",\"data\":\"plain\",\"metadata\":{\"annotations\":{" LAST_APPLIED
		  ":\"{\\\"kind\\\":\\\"ConfigMap\\\",\\\"data\\\":{\\\"pw\\\":\\\"hunter2\\\"},"
		  "\\\"metadata\\\":{\\\"annotations\\\":{" "\\\"kubectl.kubernetes.io/last-applied-configuration\\\""
		  ":\\\"hunter2\\\"}}}\"}}}");
	secret_mask(s);
	char *dump = json_dumps(s, 0);
	assert_null(strstr(dump, "hunter2"));
	assert_null(strstr(dump, "plain"));
	free(dump);
	json_decref(s);

	/* an annotation that is not a JSON object goes whole */
	s = parse("{\"kind\":\"Secret\",\"metadata\":{\"annotations\":{" LAST_APPLIED ":\"{pw: hunter2\"}}}");
	secret_mask(s);
	assert_json(s, "{\"kind\":\"Secret\",\"metadata\":{\"annotations\":{" LAST_APPLIED ":\"++++++++\"}}}");
	json_decref(s);
	s = parse("{\"kind\":\"Secret\",\"metadata\":{\"annotations\":{" LAST_APPLIED ":[\"hunter2\"]}}}");
	secret_mask(s);
	assert_json(s, "{\"kind\":\"Secret\",\"metadata\":{\"annotations\":{" LAST_APPLIED ":\"++++++++\"}}}");
	json_decref(s);

	/* other kinds and non-objects are left alone */
	json_t *cm = parse("{\"kind\":\"ConfigMap\",\"data\":{\"a\":\"b\"},\"metadata\":{\"annotations\":{"
			   LAST_APPLIED ":\"{\\\"data\\\":{\\\"a\\\":\\\"b\\\"}}\"}}}");
	json_t *copy = json_deep_copy(cm);
	secret_mask(cm);
	assert_true(json_equal(cm, copy));
	json_decref(cm);
	json_decref(copy);
	json_t *str = json_string("Secret");
	secret_mask(str);
	secret_mask(NULL);
	json_decref(str);
}

static void test_secret_mask_pair_keeps_changes_visible(void **state)
{
	(void)state;
	json_t *a = parse("{\"kind\":\"Secret\",\"data\":{\"same\":\"eA==\",\"changed\":\"b2xk\"},"
			  "\"metadata\":{\"annotations\":{" LAST_APPLIED
			  ":\"{\\\"data\\\":{\\\"changed\\\":\\\"b2xk\\\"}}\"}}}");
	json_t *b = parse("{\"kind\":\"Secret\",\"data\":{\"same\":\"eA==\",\"changed\":\"bmV3\","
			  "\"added\":\"eQ==\"},\"metadata\":{\"annotations\":{" LAST_APPLIED
			  ":\"{\\\"data\\\":{\\\"changed\\\":\\\"bmV3\\\"}}\"}}}");
	secret_mask_pair(a, b);
	assert_json(a, "{\"kind\":\"Secret\",\"data\":{\"same\":\"++++++++\",\"changed\":\"++++++++\"},"
		       "\"metadata\":{\"annotations\":{" LAST_APPLIED
		       ":\"{\\\"data\\\":{\\\"changed\\\":\\\"++++++++\\\"}}\"}}}");
	assert_json(b, "{\"kind\":\"Secret\",\"data\":{\"same\":\"++++++++\",\"changed\":\"++++++++++++\","
		       "\"added\":\"++++++++\"},\"metadata\":{\"annotations\":{" LAST_APPLIED
		       ":\"{\\\"data\\\":{\\\"changed\\\":\\\"++++++++++++\\\"}}\"}}}");
	json_decref(a);
	json_decref(b);
	/* only the Secret of the two is masked */
	a = parse("{\"kind\":\"ConfigMap\",\"data\":{\"k\":\"v\"}}");
	b = parse("{\"kind\":\"Secret\",\"data\":{\"k\":\"dg==\"}}");
	secret_mask_pair(a, b);
	assert_json(a, "{\"kind\":\"ConfigMap\",\"data\":{\"k\":\"v\"}}");
	assert_json(b, "{\"kind\":\"Secret\",\"data\":{\"k\":\"++++++++\"}}");
	json_decref(a);
	json_decref(b);
	secret_mask_pair(NULL, NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_buf_starts_empty_and_terminated),
		cmocka_unit_test(test_buf_grows_across_many_appends),
		cmocka_unit_test(test_buf_addf_long_string),
		cmocka_unit_test(test_buf_detach_of_empty_is_freeable),
		cmocka_unit_test(test_berr_set_and_prefix),
		cmocka_unit_test(test_berr_truncates_long_messages),
		cmocka_unit_test(test_log_masks_secret_keys),
		cmocka_unit_test(test_log_writes_json_lines_without_secrets),
		cmocka_unit_test(test_daemon_files),
		cmocka_unit_test(test_daemon_common_options),
		cmocka_unit_test(test_daemon_parse_options),
		cmocka_unit_test(test_secret_mask_values_and_last_applied),
		cmocka_unit_test(test_secret_mask_pair_keeps_changes_visible),
		cmocka_unit_test(test_clock_deadlines_and_waits),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
