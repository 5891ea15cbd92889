/*
 * timefmt.c — RFC 3339 in and out (timefmt.h).
 *
 * Formatting is strftime-free: gmtime_r and one snprintf, so the output
 * never depends on the locale. Parsing is a fixed-position reader, strict
 * about field widths and ranges the way Go's time.Parse is (day within its
 * month, leap years, no second 60), and converts with timegm.
 */
#include "timefmt.h"

#include <stdio.h>
#include <string.h>

void timefmt_rfc3339(char out[TIMEFMT_SIZE], time_t t)
{
	struct tm tm;
	gmtime_r(&t, &tm);
	snprintf(out, TIMEFMT_SIZE, "%04u-%02u-%02uT%02u:%02u:%02uZ",
		 (unsigned)(tm.tm_year + 1900) % 10000u, (unsigned)(tm.tm_mon + 1) % 100u,
		 (unsigned)tm.tm_mday % 100u, (unsigned)tm.tm_hour % 100u,
		 (unsigned)tm.tm_min % 100u, (unsigned)tm.tm_sec % 100u);
}

void timefmt_now(char out[TIMEFMT_SIZE])
{
	timefmt_rfc3339(out, time(NULL));
}

void timefmt_rfc3339_micro(char out[TIMEFMT_MICRO_SIZE], const struct timespec *ts)
{
	struct tm tm;
	gmtime_r(&ts->tv_sec, &tm);
	snprintf(out, TIMEFMT_MICRO_SIZE, "%04u-%02u-%02uT%02u:%02u:%02u.%06luZ",
		 (unsigned)(tm.tm_year + 1900) % 10000u, (unsigned)(tm.tm_mon + 1) % 100u,
		 (unsigned)tm.tm_mday % 100u, (unsigned)tm.tm_hour % 100u,
		 (unsigned)tm.tm_min % 100u, (unsigned)tm.tm_sec % 100u,
		 (unsigned long)(ts->tv_nsec / 1000) % 1000000ul);
}

/* Reads exactly n digits at s[*pos]. */
static int digits(const char *s, size_t *pos, int n, int *out)
{
	int v = 0;
	for (int i = 0; i < n; i++) {
		char c = s[*pos + (size_t)i];
		if (c < '0' || c > '9')
			return -1;
		v = v * 10 + (c - '0');
	}
	*pos += (size_t)n;
	*out = v;
	return 0;
}

static int expect(const char *s, size_t *pos, char c)
{
	if (s[*pos] != c)
		return -1;
	++*pos;
	return 0;
}

static int days_in_month(int year, int month)
{
	static const int days[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
	return month == 2 && leap ? 29 : days[month - 1];
}

static int bad(struct berr *err, const char *s, const char *what)
{
	return berr_set(err, BERR_INVALID, "invalid timestamp '%s': %s", s, what);
}

int timefmt_parse(time_t *out, long *usec, const char *s, struct berr *err)
{
	size_t pos = 0;
	int year, mon, day, hour, min, sec;
	long frac = 0;

	if (!s)
		s = "";
	if (digits(s, &pos, 4, &year) || expect(s, &pos, '-') ||
	    digits(s, &pos, 2, &mon) || expect(s, &pos, '-') ||
	    digits(s, &pos, 2, &day) || expect(s, &pos, 'T') ||
	    digits(s, &pos, 2, &hour) || expect(s, &pos, ':') ||
	    digits(s, &pos, 2, &min) || expect(s, &pos, ':') ||
	    digits(s, &pos, 2, &sec))
		return bad(err, s, "expected YYYY-MM-DDTHH:MM:SS");
	if (mon < 1 || mon > 12)
		return bad(err, s, "month out of range");
	if (day < 1 || day > days_in_month(year, mon))
		return bad(err, s, "day out of range");
	if (hour > 23 || min > 59 || sec > 59)
		return bad(err, s, "time of day out of range");
	if (s[pos] == '.') {
		size_t start = ++pos;
		long scale = 100000;
		while (s[pos] >= '0' && s[pos] <= '9') {
			frac += (s[pos] - '0') * scale;
			scale /= 10;
			pos++;
		}
		if (pos == start)
			return bad(err, s, "expected digits after '.'");
	}
	long offset = 0;
	if (s[pos] == 'Z') {
		pos++;
	} else if (s[pos] == '+' || s[pos] == '-') {
		int sign = s[pos++] == '-' ? -1 : 1, oh, om;
		if (digits(s, &pos, 2, &oh) || expect(s, &pos, ':') || digits(s, &pos, 2, &om))
			return bad(err, s, "expected an offset like +02:00");
		if (oh > 23 || om > 59)
			return bad(err, s, "offset out of range");
		offset = sign * (oh * 3600L + om * 60L);
	} else {
		return bad(err, s, "expected 'Z' or an offset after the time");
	}
	if (s[pos] != '\0')
		return bad(err, s, "trailing characters");

	struct tm tm;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = year - 1900;
	tm.tm_mon = mon - 1;
	tm.tm_mday = day;
	tm.tm_hour = hour;
	tm.tm_min = min;
	tm.tm_sec = sec;
	*out = timegm(&tm) - offset;
	if (usec)
		*usec = frac;
	return 0;
}
