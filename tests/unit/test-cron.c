/* Unit tests for orchestrator/cron: CronJob schedule parsing and stepping. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "orchestrator/cron.h"
#include "timefmt.h"

static time_t at(const char *s)
{
	time_t t;
	assert_int_equal(timefmt_parse(&t, NULL, s, NULL), 0);
	return t;
}

static void expect_next(const char *spec, const char *after, const char *want)
{
	struct cron c;
	struct berr err = BERR_INIT;
	assert_int_equal(cron_parse(&c, spec, &err), 0);
	char got[TIMEFMT_SIZE];
	timefmt_rfc3339(got, cron_next(&c, at(after)));
	assert_string_equal(got, want);
}

static void test_next(void **state)
{
	(void)state;
	expect_next("*/5 * * * *", "2026-11-26T13:03:59Z", "2026-11-26T13:05:00Z");
	expect_next("* * * * *", "2026-11-26T13:05:00Z", "2026-11-26T13:06:00Z");
	expect_next("0 0 * * *", "2026-11-26T13:05:00Z", "2026-11-27T00:00:00Z");
	expect_next("@hourly", "2026-11-26T13:05:00Z", "2026-11-26T14:00:00Z");
	expect_next("30 2 1 * *", "2026-11-26T13:05:00Z", "2026-12-01T02:30:00Z");
	expect_next("0 9 * * mon-fri", "2026-11-27T10:00:00Z", "2026-11-30T09:00:00Z");
	expect_next("0 0 29 feb *", "2026-03-01T00:00:00Z", "2028-02-29T00:00:00Z");
	expect_next("15,45 */6 * * *", "2026-11-26T06:20:00Z", "2026-11-26T06:45:00Z");
	expect_next("0 0 * * 7", "2026-11-26T00:00:00Z", "2026-11-29T00:00:00Z");
	/* day-of-month OR day-of-week when both are restricted */
	expect_next("0 0 1 * sun", "2026-11-26T00:00:00Z", "2026-11-29T00:00:00Z");
	expect_next("@yearly", "2026-11-26T00:00:00Z", "2027-01-01T00:00:00Z");
}

static void test_invalid(void **state)
{
	(void)state;
	struct cron c;
	struct berr err = BERR_INIT;
	assert_int_equal(cron_parse(&c, "* * * *", &err), BERR_INVALID);
	assert_non_null(strstr(err.msg, "expected exactly 5 fields"));
	assert_int_equal(cron_parse(&c, "60 * * * *", &err), BERR_INVALID);
	assert_non_null(strstr(err.msg, "minute"));
	assert_int_equal(cron_parse(&c, "* * 0 * *", &err), BERR_INVALID);
	assert_int_equal(cron_parse(&c, "*/0 * * * *", &err), BERR_INVALID);
	assert_int_equal(cron_parse(&c, "5-1 * * * *", &err), BERR_INVALID);
	assert_int_equal(cron_parse(&c, "* * * foo *", &err), BERR_INVALID);
	assert_int_equal(cron_parse(&c, "* * * * * *", &err), BERR_INVALID);
	assert_int_equal(cron_parse(&c, "1,,2 * * * *", &err), BERR_INVALID);
	assert_int_equal(cron_parse(&c, "99999999 * * * *", &err), BERR_INVALID);
	assert_int_equal(cron_parse(&c, "", &err), BERR_INVALID);
	/* a schedule that never comes */
	assert_int_equal(cron_parse(&c, "0 0 31 feb *", &err), 0);
	assert_int_equal(cron_next(&c, at("2026-01-01T00:00:00Z")), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_next),
		cmocka_unit_test(test_invalid),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
