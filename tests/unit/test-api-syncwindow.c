/* Unit tests for sync windows: cron fields, durations, active windows and
 * Argo CD's allow/deny/manualSync rules. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "api/syncwindow.h"

/* 2026-11-26 (a Thursday) 13:45:00 UTC */
#define T0 1795700700

static void test_cron(void **state)
{
	(void)state;
	struct berr err = BERR_INIT;
	assert_int_equal(syncwindow_cron_matches("* * * * *", T0, &err), 1);
	assert_int_equal(syncwindow_cron_matches("45 13 * * *", T0, &err), 1);
	assert_int_equal(syncwindow_cron_matches("44 13 * * *", T0, &err), 0);
	assert_int_equal(syncwindow_cron_matches("*/15 * * * *", T0, &err), 1);
	assert_int_equal(syncwindow_cron_matches("*/20 * * * *", T0, &err), 0);
	assert_int_equal(syncwindow_cron_matches("40-50 12-14 26 11 4", T0, &err), 1);
	assert_int_equal(syncwindow_cron_matches("0,45 * * * 1-5", T0, &err), 1);
	assert_int_equal(syncwindow_cron_matches("* * * * 0,6", T0, &err), 0);
	assert_int_equal(syncwindow_cron_matches("5/20 * * * *", T0, &err), 1);       /* 5, 25, 45 */
	assert_int_equal(syncwindow_cron_matches("* * * * 7", T0 + 3 * 86400, &err), 1); /* Sunday */
	const char *bad[] = { "", "* * * *", "* * * * * *", "60 * * * *", "* 24 * * *",
			      "* * 0 * *", "* * * 13 *", "*/0 * * * *", "5-1 * * * *", "a * * * *",
			      "1,,2 * * * *" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++)
		assert_int_equal(syncwindow_cron_matches(bad[i], T0, &err), BERR_INVALID);
}

static void test_duration(void **state)
{
	(void)state;
	struct berr err = BERR_INIT;
	assert_int_equal(syncwindow_duration("1h", &err), 3600);
	assert_int_equal(syncwindow_duration("1h30m", &err), 5400);
	assert_int_equal(syncwindow_duration("45s", &err), 45);
	assert_int_equal(syncwindow_duration("", &err), BERR_INVALID);
	assert_int_equal(syncwindow_duration("1d", &err), BERR_INVALID);
	assert_int_equal(syncwindow_duration("h", &err), BERR_INVALID);
	assert_int_equal(syncwindow_duration("745h", &err), BERR_INVALID);
}

static json_t *window(const char *kind, const char *schedule, const char *dur, int manual)
{
	return json_pack("{s:s, s:s, s:s, s:b, s:[s]}", "kind", kind, "schedule", schedule,
			 "duration", dur, "manualSync", manual, "applications", "*");
}

static void test_active(void **state)
{
	(void)state;
	struct berr err = BERR_INIT;
	json_t *w = window("deny", "0 13 * * *", "1h", 0);
	assert_int_equal(syncwindow_active(w, T0, &err), 1);       /* 13:00 + 1h */
	assert_int_equal(syncwindow_active(w, T0 + 15 * 60, &err), 0); /* 14:00 */
	assert_int_equal(syncwindow_active(w, T0 - 46 * 60, &err), 0); /* 12:59 */
	json_decref(w);
}

static void test_can_sync(void **state)
{
	(void)state;
	struct berr err = BERR_INIT;
	struct syncwindow_app app = { "web", "prod", "https://kubernetes.default.svc", "in-cluster" };
	assert_int_equal(syncwindow_can_sync(NULL, &app, 0, T0, &err), 1);
	json_t *ws = json_pack("[o]", window("deny", "0 13 * * *", "1h", 0));
	assert_int_equal(syncwindow_can_sync(ws, &app, 1, T0, &err), 0);
	assert_non_null(strstr(err.msg, "deny sync window"));
	assert_int_equal(syncwindow_can_sync(ws, &app, 1, T0 + 3600, &err), 1);
	json_decref(ws);
	ws = json_pack("[o]", window("deny", "0 13 * * *", "1h", 1));
	assert_int_equal(syncwindow_can_sync(ws, &app, 1, T0, &err), 1);      /* manual passes */
	assert_int_equal(syncwindow_can_sync(ws, &app, 0, T0, &err), 0);
	json_decref(ws);
	/* allow windows: outside them only a manual sync with manualSync passes */
	ws = json_pack("[o]", window("allow", "0 2 * * *", "2h", 0));
	assert_int_equal(syncwindow_can_sync(ws, &app, 1, T0, &err), 0);
	assert_int_equal(syncwindow_can_sync(ws, &app, 0, T0 - 11 * 3600, &err), 1); /* 02:45 */
	json_decref(ws);
	/* a window for other apps does not apply */
	ws = json_pack("[{s:s, s:s, s:s, s:[s]}]", "kind", "deny", "schedule", "* * * * *",
		       "duration", "1h", "namespaces", "staging-*");
	assert_int_equal(syncwindow_can_sync(ws, &app, 0, T0, &err), 1);
	json_decref(ws);
	ws = json_pack("[{s:s, s:s, s:s, s:[s]}]", "kind", "deny", "schedule", "* * * * *",
		       "duration", "1h", "clusters", "in-cluster");
	assert_int_equal(syncwindow_can_sync(ws, &app, 0, T0, &err), 0);
	json_decref(ws);
	ws = json_pack("[{s:s, s:s, s:s, s:[s]}]", "kind", "maybe", "schedule", "* * * * *",
		       "duration", "1h", "applications", "*");
	assert_int_equal(syncwindow_can_sync(ws, &app, 0, T0, &err), BERR_INVALID);
	json_decref(ws);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cron),
		cmocka_unit_test(test_duration),
		cmocka_unit_test(test_active),
		cmocka_unit_test(test_can_sync),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
