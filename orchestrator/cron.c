/*
 * cron.c — parsing and stepping CronJob schedules (see cron.h).
 *
 * Each field becomes a bitmask. The next run is found by walking forward a
 * minute at a time but skipping whole days and hours that cannot match, so
 * even a yearly schedule is found in a few thousand steps. Day matching
 * follows cron: when both day-of-month and day-of-week are restricted, a
 * day matching either one runs.
 */
#include "cron.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char *const months[] = { "jan", "feb", "mar", "apr", "may", "jun", "jul",
				      "aug", "sep", "oct", "nov", "dec" };
static const char *const days[] = { "sun", "mon", "tue", "wed", "thu", "fri", "sat" };

static int number(const char **p, int lo, const char *const *names, int nnames, int *out)
{
	if (isdigit((unsigned char)**p)) {
		char *end;
		long v = strtol(*p, &end, 10);
		if (end - *p > 4)
			return -1;
		*p = end;
		*out = (int)v;
		return 0;
	}
	for (int i = 0; names && i < nnames; i++)
		if (!strncasecmp(*p, names[i], 3)) {
			*p += 3;
			*out = i + lo;
			return 0;
		}
	return -1;
}

/* Parses one field into mask over [lo, hi]. */
static int field(const char *text, int lo, int hi, const char *const *names, int nnames,
		 uint64_t *mask, int *star)
{
	*mask = 0;
	*star = 0;
	const char *p = text;
	for (;;) {
		int a, b, step = 1;
		if (*p == '*' || *p == '?') {
			a = lo;
			b = hi;
			p++;
			if (*p != '/')
				*star = 1;
		} else {
			if (number(&p, lo, names, nnames, &a) < 0)
				return -1;
			b = a;
			if (*p == '-') {
				p++;
				if (number(&p, lo, names, nnames, &b) < 0)
					return -1;
			}
		}
		if (*p == '/') {
			p++;
			if (number(&p, 0, NULL, 0, &step) < 0 || step <= 0)
				return -1;
			if (a == b && !*star)
				b = hi;
		}
		if (a < lo || b > hi || a > b)
			return -1;
		for (int v = a; v <= b; v += step)
			*mask |= 1ull << v;
		if (*p == ',') {
			p++;
			continue;
		}
		return *p ? -1 : 0;
	}
}

int cron_parse(struct cron *out, const char *spec, struct berr *err)
{
	static const struct { const char *name, *expr; } macros[] = {
		{ "@yearly", "0 0 1 1 *" }, { "@annually", "0 0 1 1 *" },
		{ "@monthly", "0 0 1 * *" }, { "@weekly", "0 0 * * 0" },
		{ "@daily", "0 0 * * *" }, { "@midnight", "0 0 * * *" },
		{ "@hourly", "0 * * * *" },
	};
	memset(out, 0, sizeof(*out));
	if (!spec)
		return berr_set(err, BERR_INVALID, "empty schedule");
	for (size_t i = 0; i < sizeof(macros) / sizeof(macros[0]); i++)
		if (!strcmp(spec, macros[i].name))
			spec = macros[i].expr;
	char buf[256];
	if (strlen(spec) >= sizeof(buf))
		return berr_set(err, BERR_INVALID, "schedule is too long");
	snprintf(buf, sizeof(buf), "%s", spec);
	char *f[6];
	int n = 0;
	for (char *t = strtok(buf, " \t"); t; t = strtok(NULL, " \t")) {
		if (n == 5)
			return berr_set(err, BERR_INVALID, "expected exactly 5 fields, found more: \"%s\"",
					spec);
		f[n++] = t;
	}
	if (n != 5)
		return berr_set(err, BERR_INVALID, "expected exactly 5 fields, found %d: \"%s\"", n, spec);
	uint64_t m;
	int star;
	static const char *const what[] = { "minute", "hour", "day of month", "month",
					    "day of week" };
	static const int lo[] = { 0, 0, 1, 1, 0 }, hi[] = { 59, 23, 31, 12, 7 };
	for (int i = 0; i < 5; i++) {
		const char *const *names = i == 3 ? months : i == 4 ? days : NULL;
		int nnames = i == 3 ? 12 : i == 4 ? 7 : 0;
		if (field(f[i], lo[i], hi[i], names, nnames, &m, &star) < 0)
			return berr_set(err, BERR_INVALID, "invalid %s field \"%s\"", what[i], f[i]);
		switch (i) {
		case 0: out->minute = m; break;
		case 1: out->hour = (uint32_t)m; break;
		case 2: out->dom = (uint32_t)m; out->dom_star = star; break;
		case 3: out->month = (uint16_t)m; break;
		case 4:
			if (m & (1ull << 7))    /* 7 is Sunday too */
				m |= 1;
			out->dow = (uint8_t)(m & 0x7f);
			out->dow_star = star;
			break;
		}
	}
	return 0;
}

static int day_matches(const struct cron *c, const struct tm *t)
{
	int dom = (c->dom >> t->tm_mday) & 1, dow = (c->dow >> t->tm_wday) & 1;
	if (c->dom_star || c->dow_star)
		return dom && dow;
	return dom || dow;
}

time_t cron_next(const struct cron *c, time_t after)
{
	time_t t = after - after % 60 + 60;
	time_t limit = after + 5L * 366 * 24 * 3600;
	while (t < limit) {
		struct tm tm;
		gmtime_r(&t, &tm);
		if (!((c->month >> (tm.tm_mon + 1)) & 1) || !day_matches(c, &tm)) {
			t += (time_t)(24 * 3600 - tm.tm_hour * 3600 - tm.tm_min * 60);
			continue;
		}
		if (!((c->hour >> tm.tm_hour) & 1)) {
			t += (time_t)(3600 - tm.tm_min * 60);
			continue;
		}
		if (!((c->minute >> tm.tm_min) & 1)) {
			t += 60;
			continue;
		}
		return t;
	}
	return -1;
}
