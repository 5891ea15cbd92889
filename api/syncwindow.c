/*
 * syncwindow — cron schedules and sync windows (see syncwindow.h). Whether
 * a window is active is found by walking back minute by minute over its
 * duration looking for a firing of the schedule; durations are bounded
 * (31 days, so at most 44,640 steps), which keeps the walk cheap and
 * hostile projects harmless.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/rbac.h"
#include "api/syncwindow.h"

static const int field_min[] = { 0, 0, 1, 1, 0 };
static const int field_max[] = { 59, 23, 31, 12, 7 };
static const char *const field_names[] = { "minute", "hour", "day of month", "month",
					   "day of week" };

static int parse_int(const char **p, int *out)
{
	if (!isdigit((unsigned char)**p))
		return -1;
	long v = 0;
	while (isdigit((unsigned char)**p)) {
		v = v * 10 + (**p - '0');
		if (v > 1000)
			return -1;
		(*p)++;
	}
	*out = (int)v;
	return 0;
}

/* 1 when value matches the field text (len bytes), 0 when not, -1 bad. */
static int field_matches(const char *text, size_t len, int f, int value)
{
	char buf[128];
	if (len == 0 || len >= sizeof(buf))
		return -1;
	memcpy(buf, text, len);
	buf[len] = 0;
	if (buf[0] == ',' || buf[len - 1] == ',' || strstr(buf, ",,"))
		return -1;
	int match = 0;
	char *save = NULL;
	for (char *item = strtok_r(buf, ",", &save); item; item = strtok_r(NULL, ",", &save)) {
		const char *p = item;
		int lo = field_min[f], hi = field_max[f], step = 1;
		if (*p == '*') {
			p++;
		} else {
			if (parse_int(&p, &lo) < 0)
				return -1;
			hi = lo;
			if (*p == '-') {
				p++;
				if (parse_int(&p, &hi) < 0)
					return -1;
			}
		}
		if (*p == '/') {
			p++;
			if (parse_int(&p, &step) < 0 || step == 0)
				return -1;
			if (item[0] != '*' && !strchr(item, '-'))
				hi = field_max[f];
		}
		if (*p || lo < field_min[f] || hi > field_max[f] || lo > hi)
			return -1;
		int v = value;
		if (f == 4 && v == 0 && hi == 7 && lo <= 7 && (7 - lo) % step == 0)
			match = 1;      /* Sunday is 0 or 7 */
		if (v >= lo && v <= hi && (v - lo) % step == 0)
			match = 1;
	}
	return match;
}

int syncwindow_cron_matches(const char *schedule, time_t t, struct berr *err)
{
	struct tm tm;
	gmtime_r(&t, &tm);
	int values[5] = { tm.tm_min, tm.tm_hour, tm.tm_mday, tm.tm_mon + 1, tm.tm_wday };
	const char *p = schedule;
	int all = 1;
	for (int f = 0; f < 5; f++) {
		while (*p == ' ' || *p == '\t')
			p++;
		const char *start = p;
		while (*p && *p != ' ' && *p != '\t')
			p++;
		int m = field_matches(start, (size_t)(p - start), f, values[f]);
		if (m < 0)
			return berr_set(err, BERR_INVALID, "invalid %s in schedule '%.64s'",
					field_names[f], schedule);
		all = all && m;
	}
	while (*p == ' ' || *p == '\t')
		p++;
	if (*p)
		return berr_set(err, BERR_INVALID, "schedule '%.64s' has more than five fields",
				schedule);
	return all;
}

long syncwindow_duration(const char *text, struct berr *err)
{
	const char *p = text;
	long total = 0;
	if (!p || !*p)
		return berr_set(err, BERR_INVALID, "empty duration");
	while (*p) {
		int v;
		if (parse_int(&p, &v) < 0)
			return berr_set(err, BERR_INVALID, "invalid duration '%.32s'", text);
		long unit = *p == 'h' ? 3600 : *p == 'm' ? 60 : *p == 's' ? 1 : 0;
		if (!unit)
			return berr_set(err, BERR_INVALID, "invalid duration '%.32s'", text);
		p++;
		total += v * unit;
		if (total > SYNCWINDOW_MAX_DURATION_S)
			return berr_set(err, BERR_INVALID, "duration '%.32s' is longer than 31 days",
					text);
	}
	return total;
}

int syncwindow_active(const json_t *window, time_t now, struct berr *err)
{
	const char *schedule = json_string_value(json_object_get(window, "schedule"));
	const char *dur = json_string_value(json_object_get(window, "duration"));
	if (!schedule)
		return berr_set(err, BERR_INVALID, "sync window without a schedule");
	long d = syncwindow_duration(dur, err);
	if (d < 0)
		return (int)d;
	time_t minute = now - now % 60;
	for (time_t t = minute; t > now - d; t -= 60) {
		int m = syncwindow_cron_matches(schedule, t, err);
		if (m != 0)
			return m;
	}
	return 0;
}

static int list_matches(const json_t *globs, const char *value)
{
	size_t i;
	json_t *g;
	json_array_foreach(globs, i, g)
		if (json_is_string(g) && value && rbac_glob(json_string_value(g), value))
			return 1;
	return 0;
}

static int applies(const json_t *w, const struct syncwindow_app *app)
{
	return list_matches(json_object_get(w, "applications"), app->name) ||
	       list_matches(json_object_get(w, "namespaces"), app->namespace) ||
	       list_matches(json_object_get(w, "clusters"), app->server) ||
	       list_matches(json_object_get(w, "clusters"), app->cluster);
}

int syncwindow_can_sync(const json_t *windows, const struct syncwindow_app *app, int manual,
			time_t now, struct berr *err)
{
	int active_allow = 0, allows = 0, allow_manual = 0;
	const char *deny_schedule = NULL;
	int deny_manual = 1;
	size_t i;
	json_t *w;
	json_array_foreach(windows, i, w) {
		if (!applies(w, app))
			continue;
		const char *kind = json_string_value(json_object_get(w, "kind"));
		if (!kind || (strcmp(kind, "allow") && strcmp(kind, "deny")))
			return berr_set(err, BERR_INVALID, "sync window kind must be allow or deny");
		int active = syncwindow_active(w, now, err);
		if (active < 0)
			return active;
		int manual_ok = json_is_true(json_object_get(w, "manualSync"));
		if (!strcmp(kind, "deny")) {
			if (active) {
				deny_schedule = json_string_value(json_object_get(w, "schedule"));
				deny_manual = deny_manual && manual_ok;
			}
		} else {
			allows = 1;
			active_allow |= active;
			allow_manual |= manual_ok;
		}
	}
	if (deny_schedule) {
		if (manual && deny_manual)
			return 1;
		berr_set(err, BERR_AUTH, "a deny sync window ('%s') is active", deny_schedule);
		return 0;
	}
	if (!allows || active_allow || (manual && allow_manual))
		return 1;
	berr_set(err, BERR_AUTH, "no allow sync window is active");
	return 0;
}
