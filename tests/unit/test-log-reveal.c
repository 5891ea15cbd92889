/*
 * test-log-reveal — the one deliberate hole in log masking: log_msg_reveal()
 * prints the field it names (the first admin password, issue 7) and still
 * masks every other secret-named field; plain log_msg() masks them all.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "buf.h"
#include "log.h"

/* Runs fn with stderr sent to a file; returns what was written. */
static void capture(struct buf *out, void (*fn)(void))
{
	char path[] = "/tmp/bosun-log-reveal-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	int saved = dup(STDERR_FILENO);
	dup2(fd, STDERR_FILENO);
	fn();
	dup2(saved, STDERR_FILENO);
	close(saved);
	assert_int_equal(buf_read_file(out, path, 0), 0);
	unlink(path);
	close(fd);
}

static void text_lines(void)
{
	log_setup(LOG_INFO, LOG_TEXT);
	log_msg_reveal(LOG_INFO, "password", "first password", "user", "admin",
		       "password", "s3cret-first", "token", "tok-hidden", "apiKey", "key-hidden",
		       NULL);
	log_info("later", "password", "s3cret-later", NULL);
	log_msg_reveal(LOG_INFO, "password", "reveal names another field",
		       "token", "tok-still-hidden", NULL);
}

static void test_reveal_prints_only_the_named_field(void **state)
{
	(void)state;
	struct buf b = BUF_INIT;
	capture(&b, text_lines);
	assert_non_null(strstr(b.data, "msg=\"first password\" user=admin password=s3cret-first "
					"token=*** apiKey=***\n"));
	assert_non_null(strstr(b.data, "msg=later password=***\n"));
	assert_null(strstr(b.data, "s3cret-later"));
	assert_null(strstr(b.data, "tok-hidden"));
	assert_null(strstr(b.data, "key-hidden"));
	assert_null(strstr(b.data, "tok-still-hidden"));
	buf_release(&b);
}

static void json_lines(void)
{
	log_setup(LOG_INFO, LOG_JSON);
	log_msg_reveal(LOG_INFO, "password", "first", "password", "pw\"1", "secret", "x", NULL);
	log_setup(LOG_WARN, LOG_JSON);
	log_msg_reveal(LOG_INFO, "password", "below the level", "password", "pw-quiet", NULL);
	log_setup(LOG_INFO, LOG_TEXT);
}

static void test_reveal_in_json_and_below_the_level(void **state)
{
	(void)state;
	struct buf b = BUF_INIT;
	capture(&b, json_lines);
	assert_non_null(strstr(b.data, "\"msg\":\"first\",\"password\":\"pw\\\"1\",\"secret\":\"***\"}"));
	assert_null(strstr(b.data, "pw-quiet"));
	buf_release(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reveal_prints_only_the_named_field),
		cmocka_unit_test(test_reveal_in_json_and_below_the_level),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
