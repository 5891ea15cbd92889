/*
 * sprig-date.c — Sprig's date functions over an opaque time.Time value:
 * now, date, dateInZone, dateModify, toDate, unixEpoch, ago, duration,
 * durationRound, htmlDate. Formatting and parsing use Go's reference
 * layout ("2006-01-02 15:04:05 -0700 MST"), implemented here token by
 * token as time/format.go does.
 *
 * Zones: "UTC", "GMT" and the like are offset zero; "Local" is the
 * process's zone (TZ, /etc/localtime). Other zone names fall back to UTC,
 * as Sprig does when a zone fails to load (the IANA database is not read).
 */
#include "repo-server/sprig/sprig-internal.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct gotime {
	int64_t sec;            /* Unix seconds */
	int32_t nsec;
	int32_t offset;         /* seconds east of UTC */
	char zone[16];
};

static const char *const months[] = {
	"January", "February", "March", "April", "May", "June", "July", "August",
	"September", "October", "November", "December",
};
static const char *const days[] = {
	"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday",
};

static void in_zone(struct gotime *t, const char *zone)
{
	if (!strcmp(zone, "Local")) {
		time_t s = (time_t)t->sec;
		struct tm tm;
		if (localtime_r(&s, &tm)) {
			t->offset = (int32_t)tm.tm_gmtoff;
			snprintf(t->zone, sizeof(t->zone), "%s", tm.tm_zone ? tm.tm_zone : "UTC");
			return;
		}
	}
	static const char *const zero[] = { "GMT", "Etc/GMT", "Etc/UTC", "Etc/Zulu", "Zulu",
					    "Etc/Universal", "Universal", "Etc/Greenwich",
					    "Greenwich", "UCT", "Etc/UCT" };
	t->offset = 0;
	snprintf(t->zone, sizeof(t->zone), "UTC");
	for (size_t i = 0; i < sizeof(zero) / sizeof(zero[0]); i++)
		if (!strcmp(zone, zero[i]))
			snprintf(t->zone, sizeof(t->zone), "%s", zone);
}

static void broken_down(const struct gotime *t, struct tm *tm)
{
	time_t s = (time_t)(t->sec + t->offset);
	gmtime_r(&s, tm);
}

static void pad_num(struct buf *b, int64_t v, int width, char pad)
{
	char tmp[32];
	int n = snprintf(tmp, sizeof(tmp), "%lld", (long long)(v < 0 ? -v : v));
	if (v < 0)
		buf_addch(b, '-');
	for (int i = n; i < width; i++)
		buf_addch(b, pad);
	buf_add(b, tmp, (size_t)n);
}

static bool starts(const char *s, const char *p)
{
	return strncmp(s, p, strlen(p)) == 0;
}

/* Go's Time.Format. */
static void time_format(struct buf *b, const struct gotime *t, const char *layout)
{
	struct tm tm;
	broken_down(t, &tm);
	int64_t year = tm.tm_year + 1900LL;
	const char *l = layout;
	while (*l) {
		if (starts(l, "January")) {
			buf_adds(b, months[tm.tm_mon]); l += 7;
		} else if (starts(l, "Jan")) {
			buf_add(b, months[tm.tm_mon], 3); l += 3;
		} else if (starts(l, "Monday")) {
			buf_adds(b, days[tm.tm_wday]); l += 6;
		} else if (starts(l, "Mon")) {
			buf_add(b, days[tm.tm_wday], 3); l += 3;
		} else if (starts(l, "MST")) {
			if (t->zone[0] && strcmp(t->zone, "") != 0 && isalpha((unsigned char)t->zone[0])) {
				buf_adds(b, t->zone);
			} else {
				int o = t->offset / 60;
				buf_addch(b, o < 0 ? '-' : '+');
				pad_num(b, abs(o) / 60, 2, '0');
				if (abs(o) % 60)
					pad_num(b, abs(o) % 60, 2, '0');
			}
			l += 3;
		} else if (starts(l, "2006")) {
			pad_num(b, year, 4, '0'); l += 4;
		} else if (starts(l, "002")) {
			pad_num(b, tm.tm_yday + 1, 3, '0'); l += 3;
		} else if (starts(l, "__2")) {
			pad_num(b, tm.tm_yday + 1, 3, ' '); l += 3;
		} else if (starts(l, "01")) {
			pad_num(b, tm.tm_mon + 1, 2, '0'); l += 2;
		} else if (starts(l, "02")) {
			pad_num(b, tm.tm_mday, 2, '0'); l += 2;
		} else if (starts(l, "03")) {
			pad_num(b, tm.tm_hour % 12 ? tm.tm_hour % 12 : 12, 2, '0'); l += 2;
		} else if (starts(l, "04")) {
			pad_num(b, tm.tm_min, 2, '0'); l += 2;
		} else if (starts(l, "05")) {
			pad_num(b, tm.tm_sec, 2, '0'); l += 2;
		} else if (starts(l, "06")) {
			pad_num(b, ((year % 100) + 100) % 100, 2, '0'); l += 2;
		} else if (starts(l, "15")) {
			pad_num(b, tm.tm_hour, 2, '0'); l += 2;
		} else if (starts(l, "_2")) {
			pad_num(b, tm.tm_mday, 2, ' '); l += 2;
		} else if (*l == '1') {
			pad_num(b, tm.tm_mon + 1, 1, '0'); l++;
		} else if (*l == '2') {
			pad_num(b, tm.tm_mday, 1, '0'); l++;
		} else if (*l == '3') {
			pad_num(b, tm.tm_hour % 12 ? tm.tm_hour % 12 : 12, 1, '0'); l++;
		} else if (*l == '4') {
			pad_num(b, tm.tm_min, 1, '0'); l++;
		} else if (*l == '5') {
			pad_num(b, tm.tm_sec, 1, '0'); l++;
		} else if (starts(l, "PM") || starts(l, "pm")) {
			bool pm = tm.tm_hour >= 12;
			buf_adds(b, l[0] == 'P' ? (pm ? "PM" : "AM") : (pm ? "pm" : "am"));
			l += 2;
		} else if ((*l == 'Z' || *l == '-') &&
			   (starts(l + 1, "070000") || starts(l + 1, "07:00:00") ||
			    starts(l + 1, "0700") || starts(l + 1, "07:00") || starts(l + 1, "07"))) {
			bool z = *l == 'Z';
			const char *f = l + 1;
			size_t fl = starts(f, "070000") ? 6 : starts(f, "07:00:00") ? 8 :
				    starts(f, "0700") ? 4 : starts(f, "07:00") ? 5 : 2;
			l = f + fl;
			if (z && t->offset == 0) {
				buf_addch(b, 'Z');
				continue;
			}
			int o = t->offset;
			buf_addch(b, o < 0 ? '-' : '+');
			o = abs(o);
			pad_num(b, o / 3600, 2, '0');
			if (fl == 2)
				continue;
			if (fl == 5 || fl == 8)
				buf_addch(b, ':');
			pad_num(b, (o / 60) % 60, 2, '0');
			if (fl == 6 || fl == 8) {
				if (fl == 8)
					buf_addch(b, ':');
				pad_num(b, o % 60, 2, '0');
			}
		} else if ((*l == '.' || *l == ',') && (l[1] == '0' || l[1] == '9')) {
			char d = l[1];
			size_t k = 1;
			while (l[k] == d)
				k++;
			if (isdigit((unsigned char)l[k])) {
				buf_addch(b, *l++);
				continue;
			}
			size_t digits = k - 1;
			char frac[16];
			snprintf(frac, sizeof(frac), "%09d", t->nsec);
			if (digits > 9)
				digits = 9;
			if (d == '0') {
				buf_addch(b, *l);
				buf_add(b, frac, digits);
			} else {
				size_t n = digits;
				while (n > 0 && frac[n - 1] == '0')
					n--;
				if (n) {
					buf_addch(b, *l);
					buf_add(b, frac, n);
				}
			}
			l += k;
		} else {
			buf_addch(b, *l++);
		}
	}
}

static void time_string(struct buf *b, const void *p)
{
	time_format(b, p, "2006-01-02 15:04:05.999999999 -0700 MST");
}

static const struct tv_type time_type;

static tv *new_time(struct tv_arena *a, const struct gotime *t)
{
	struct gotime *c = xmalloc(sizeof(*c));
	*c = *t;
	return tv_opaque(a, &time_type, c);
}

static bool is_time(const tv *v)
{
	return v->kind == TV_OPAQUE && v->u.op.type == &time_type;
}

static struct gotime time_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	struct gotime t = { .sec = ts.tv_sec, .nsec = (int32_t)ts.tv_nsec };
	in_zone(&t, "Local");
	return t;
}

static int time_field(struct tmpl_call *call, tv **out, void *p, const char *name,
		      tv **args, size_t nargs, struct berr *err)
{
	struct gotime *t = p;
	struct tv_arena *a = tmpl_call_arena(call);
	struct tm tm;
	broken_down(t, &tm);
	if (!strcmp(name, "Format")) {
		const char *l;
		if (nargs != 1 || sprig_str(args[0], &l, NULL, err) < 0)
			return err->code ? err->code : berr_set(err, BERR_INVALID, "wrong number of args for Format: want 1 got %zu", nargs);
		struct buf b = BUF_INIT;
		time_format(&b, t, l);
		*out = tv_str_buf(a, &b);
		return 0;
	}
	if (nargs)
		return berr_set(err, BERR_INVALID, "wrong number of args for %s: want 0 got %zu", name, nargs);
	if (!strcmp(name, "Unix"))
		*out = tv_int(a, t->sec);
	else if (!strcmp(name, "UnixNano"))
		*out = tv_int(a, t->sec * 1000000000 + t->nsec);
	else if (!strcmp(name, "Year"))
		*out = tv_int(a, tm.tm_year + 1900);
	else if (!strcmp(name, "Day"))
		*out = tv_int(a, tm.tm_mday);
	else if (!strcmp(name, "Hour"))
		*out = tv_int(a, tm.tm_hour);
	else if (!strcmp(name, "Minute"))
		*out = tv_int(a, tm.tm_min);
	else if (!strcmp(name, "Second"))
		*out = tv_int(a, tm.tm_sec);
	else if (!strcmp(name, "Nanosecond"))
		*out = tv_int(a, t->nsec);
	else if (!strcmp(name, "YearDay"))
		*out = tv_int(a, tm.tm_yday + 1);
	else if (!strcmp(name, "Month"))
		*out = tv_str(a, months[tm.tm_mon]);
	else if (!strcmp(name, "Weekday"))
		*out = tv_str(a, days[tm.tm_wday]);
	else if (!strcmp(name, "String")) {
		struct buf b = BUF_INIT;
		time_string(&b, t);
		*out = tv_str_buf(a, &b);
	} else if (!strcmp(name, "UTC") || !strcmp(name, "Local")) {
		struct gotime c = *t;
		in_zone(&c, name[0] == 'U' ? "UTC" : "Local");
		*out = new_time(a, &c);
	} else {
		return BERR_NOTFOUND;
	}
	return 0;
}

static json_t *time_json(const void *p)
{
	struct buf b = BUF_INIT;
	time_format(&b, p, "2006-01-02T15:04:05.999999999Z07:00");
	json_t *j = json_stringn(b.data, b.len);
	buf_release(&b);
	return j;
}

static const struct tv_type time_type = {
	.go_type = "time.Time",
	.kind = "struct",
	.format = time_string,
	.json = time_json,
	.field = time_field,
	.free = free,
};

/* Sprig's dateInZone argument: a time, or Unix seconds; else now. */
static struct gotime time_arg(const tv *v)
{
	if (is_time(v))
		return *(struct gotime *)v->u.op.p;
	if (v->kind == TV_INT) {
		struct gotime t = { .sec = v->u.i };
		return t;
	}
	return time_now();
}

static int date_in_zone(struct tmpl_call *call, tv **out, const tv *fmt, const tv *date,
			const char *zone, struct berr *err)
{
	const char *l;
	if (sprig_str(fmt, &l, NULL, err) < 0)
		return err->code;
	struct gotime t = time_arg(date);
	in_zone(&t, zone);
	struct buf b = BUF_INIT;
	time_format(&b, &t, l);
	*out = tv_str_buf(ARENA, &b);
	return 0;
}

SPRIG_FN(fn_now)
{
	(void)args; (void)n; (void)err;
	struct gotime t = time_now();
	*out = new_time(ARENA, &t);
	return 0;
}

SPRIG_FN(fn_date)
{
	if (sprig_arity("date", n, 2, 2, err) < 0)
		return err->code;
	return date_in_zone(call, out, args[0], args[1], "Local", err);
}

SPRIG_FN(fn_dateinzone)
{
	const char *zone;
	if (sprig_arity("dateInZone", n, 3, 3, err) < 0 || sprig_str(args[2], &zone, NULL, err) < 0)
		return err->code;
	return date_in_zone(call, out, args[0], args[1], zone, err);
}

SPRIG_FN(fn_htmldate)
{
	if (sprig_arity("htmlDate", n, 1, 1, err) < 0)
		return err->code;
	tv f = { .kind = TV_STRING, .u.str = { (char *)"2006-01-02", 10 } };
	return date_in_zone(call, out, &f, args[0], "Local", err);
}

SPRIG_FN(fn_htmldateinzone)
{
	const char *zone;
	if (sprig_arity("htmlDateInZone", n, 2, 2, err) < 0 || sprig_str(args[1], &zone, NULL, err) < 0)
		return err->code;
	tv f = { .kind = TV_STRING, .u.str = { (char *)"2006-01-02", 10 } };
	return date_in_zone(call, out, &f, args[0], zone, err);
}

/* time.ParseDuration into nanoseconds. */
static int parse_duration(const char *s, size_t n, int64_t *out)
{
	size_t i = 0;
	bool neg = false;
	if (i < n && (s[i] == '-' || s[i] == '+'))
		neg = s[i++] == '-';
	if (n - i == 1 && s[i] == '0') {
		*out = 0;
		return 0;
	}
	if (i == n)
		return -1;
	long double total = 0;
	while (i < n) {
		size_t st = i;
		while (i < n && (isdigit((unsigned char)s[i]) || s[i] == '.'))
			i++;
		if (i == st)
			return -1;
		char num[64];
		if (i - st >= sizeof(num))
			return -1;
		memcpy(num, s + st, i - st);
		num[i - st] = '\0';
		if (!strcmp(num, "."))
			return -1;
		long double v = strtold(num, NULL);
		size_t us = i;
		while (i < n && !isdigit((unsigned char)s[i]) && s[i] != '.')
			i++;
		size_t ul = i - us;
		const char *u = s + us;
		long double mult;
		if (ul == 2 && !memcmp(u, "ns", 2)) mult = 1;
		else if (ul == 2 && !memcmp(u, "us", 2)) mult = 1e3;
		else if (ul == 3 && !memcmp(u, "\xc2\xb5s", 3)) mult = 1e3;
		else if (ul == 3 && !memcmp(u, "\xce\xbcs", 3)) mult = 1e3;
		else if (ul == 2 && !memcmp(u, "ms", 2)) mult = 1e6;
		else if (ul == 1 && u[0] == 's') mult = 1e9;
		else if (ul == 1 && u[0] == 'm') mult = 60e9;
		else if (ul == 1 && u[0] == 'h') mult = 3600e9;
		else return -1;
		total += v * mult;
		if (total > 9.223372036854775807e18L)
			return -1;
	}
	*out = (int64_t)(neg ? -total : total);
	return 0;
}

static int date_modify(struct tmpl_call *call, tv **out, tv **args, size_t n,
		       struct berr *err, const char *name, bool must)
{
	const char *d;
	size_t dl;
	if (sprig_arity(name, n, 2, 2, err) < 0 || sprig_str(args[0], &d, &dl, err) < 0)
		return err->code;
	if (!is_time(args[1]))
		return berr_set(err, BERR_INVALID, "wrong type for value; expected time.Time; got %s",
				tv_type_name(args[1]));
	int64_t ns;
	if (parse_duration(d, dl, &ns) < 0) {
		if (must)
			return berr_set(err, BERR_INVALID, "time: invalid duration \"%.*s\"", (int)dl, d);
		*out = args[1];
		return 0;
	}
	struct gotime t = *(struct gotime *)args[1]->u.op.p;
	int64_t total = (int64_t)t.nsec + ns % 1000000000;
	t.sec += ns / 1000000000 + total / 1000000000;
	total %= 1000000000;
	if (total < 0) {
		total += 1000000000;
		t.sec--;
	}
	t.nsec = (int32_t)total;
	*out = new_time(ARENA, &t);
	return 0;
}

SPRIG_FN(fn_datemodify) { return date_modify(call, out, args, n, err, "dateModify", false); }
SPRIG_FN(fn_mustdatemodify) { return date_modify(call, out, args, n, err, "mustDateModify", true); }

static void duration_string(struct buf *b, int64_t secs)
{
	if (secs == 0) {
		buf_adds(b, "0s");
		return;
	}
	uint64_t u = secs < 0 ? (uint64_t)0 - (uint64_t)secs : (uint64_t)secs;
	if (secs < 0)
		buf_addch(b, '-');
	uint64_t h = u / 3600, m = (u / 60) % 60, s = u % 60;
	if (h)
		buf_addf(b, "%lluh", (unsigned long long)h);
	if (h || m)
		buf_addf(b, "%llum", (unsigned long long)m);
	buf_addf(b, "%llus", (unsigned long long)s);
}

SPRIG_FN(fn_duration)
{
	if (sprig_arity("duration", n, 1, 1, err) < 0)
		return err->code;
	int64_t secs = 0;
	if (args[0]->kind == TV_STRING) {
		char *s = xstrndup(args[0]->u.str.s, args[0]->u.str.len), *end;
		long long v = strtoll(s, &end, 10);
		if (*s && !*end)
			secs = v;
		free(s);
	}
	if (secs > INT64_MAX / 1000000000 || secs < INT64_MIN / 1000000000)
		secs = 0;
	struct buf b = BUF_INIT;
	duration_string(&b, secs);
	*out = tv_str_buf(ARENA, &b);
	return 0;
}

SPRIG_FN(fn_ago)
{
	if (sprig_arity("ago", n, 1, 1, err) < 0)
		return err->code;
	struct gotime t = time_arg(args[0]), now = time_now();
	double d = (double)(now.sec - t.sec) + (now.nsec - t.nsec) / 1e9;
	struct buf b = BUF_INIT;
	duration_string(&b, (int64_t)llround(d));
	*out = tv_str_buf(ARENA, &b);
	return 0;
}

SPRIG_FN(fn_durationround)
{
	if (sprig_arity("durationRound", n, 1, 1, err) < 0)
		return err->code;
	int64_t d = 0;
	if (args[0]->kind == TV_STRING) {
		if (parse_duration(args[0]->u.str.s, args[0]->u.str.len, &d) < 0)
			d = 0;
	} else if (is_time(args[0])) {
		struct gotime t = *(struct gotime *)args[0]->u.op.p, now = time_now();
		d = (now.sec - t.sec) * 1000000000 + (now.nsec - t.nsec);
	}
	uint64_t u = d < 0 ? (uint64_t)0 - (uint64_t)d : (uint64_t)d;
	const uint64_t second = 1000000000ULL, minute = 60 * second, hour = 60 * minute,
		       day = 24 * hour, month = 30 * day, year = 365 * day;
	struct buf b = BUF_INIT;
	if (u > year)
		buf_addf(&b, "%lluy", (unsigned long long)(u / year));
	else if (u > month)
		buf_addf(&b, "%llumo", (unsigned long long)(u / month));
	else if (u > day)
		buf_addf(&b, "%llud", (unsigned long long)(u / day));
	else if (u > hour)
		buf_addf(&b, "%lluh", (unsigned long long)(u / hour));
	else if (u > minute)
		buf_addf(&b, "%llum", (unsigned long long)(u / minute));
	else if (u > second)
		buf_addf(&b, "%llus", (unsigned long long)(u / second));
	else
		buf_adds(&b, "0s");
	*out = tv_str_buf(ARENA, &b);
	return 0;
}

SPRIG_FN(fn_unixepoch)
{
	if (sprig_arity("unixEpoch", n, 1, 1, err) < 0)
		return err->code;
	if (!is_time(args[0]))
		return berr_set(err, BERR_INVALID, "wrong type for value; expected time.Time; got %s",
				tv_type_name(args[0]));
	struct buf b = BUF_INIT;
	buf_addf(&b, "%lld", (long long)((struct gotime *)args[0]->u.op.p)->sec);
	*out = tv_str_buf(ARENA, &b);
	return 0;
}

/* Go's time.Parse for the common layout elements. */
static int read_int(const char **v, int min_digits, int max_digits, int *out)
{
	const char *s = *v;
	int n = 0, val = 0;
	while (n < max_digits && isdigit((unsigned char)s[n])) {
		val = val * 10 + (s[n] - '0');
		n++;
	}
	if (n < min_digits)
		return -1;
	*v = s + n;
	*out = val;
	return 0;
}

static int time_parse(const char *layout, const char *v, struct gotime *out)
{
	int year = 1, mon = 1, day = 1, hour = 0, min = 0, sec = 0, nsec = 0;
	int offset = 0;
	bool has_offset = false, pm = false, has_pm = false;
	const char *l = layout;
	while (*l) {
		int x;
		if (starts(l, "January") || starts(l, "Jan")) {
			bool full = starts(l, "January");
			int found = -1;
			for (int m = 0; m < 12 && found < 0; m++) {
				size_t ml = full ? strlen(months[m]) : 3;
				if (strncasecmp(v, months[m], ml) == 0) {
					found = m;
					v += ml;
				}
			}
			if (found < 0)
				return -1;
			mon = found + 1;
			l += full ? 7 : 3;
		} else if (starts(l, "Monday") || starts(l, "Mon")) {
			bool full = starts(l, "Monday");
			int found = -1;
			for (int d = 0; d < 7 && found < 0; d++) {
				size_t dl = full ? strlen(days[d]) : 3;
				if (strncasecmp(v, days[d], dl) == 0) {
					found = d;
					v += dl;
				}
			}
			if (found < 0)
				return -1;
			l += full ? 6 : 3;
		} else if (starts(l, "MST")) {
			int k = 0;
			while (isupper((unsigned char)v[k]))
				k++;
			if (k < 3)
				return -1;
			v += k;
			l += 3;
		} else if (starts(l, "2006")) {
			if (read_int(&v, 4, 4, &year) < 0)
				return -1;
			l += 4;
		} else if (starts(l, "01") || starts(l, "02") || starts(l, "03") || starts(l, "04") ||
			   starts(l, "05") || starts(l, "06") || starts(l, "15")) {
			if (read_int(&v, 2, 2, &x) < 0)
				return -1;
			switch (l[0] == '1' ? '7' : l[1]) {
			case '1': mon = x; break;
			case '2': day = x; break;
			case '3': hour = x; break;
			case '4': min = x; break;
			case '5': sec = x; break;
			case '6': year = x + (x >= 69 ? 1900 : 2000); break;
			case '7': hour = x; break;
			}
			l += 2;
		} else if (starts(l, "_2")) {
			if (*v == ' ')
				v++;
			if (read_int(&v, 1, 2, &day) < 0)
				return -1;
			l += 2;
		} else if (*l >= '1' && *l <= '5') {
			if (read_int(&v, 1, 2, &x) < 0)
				return -1;
			switch (*l) {
			case '1': mon = x; break;
			case '2': day = x; break;
			case '3': hour = x; break;
			case '4': min = x; break;
			case '5': sec = x; break;
			}
			l++;
		} else if (starts(l, "PM") || starts(l, "pm")) {
			if (strncasecmp(v, "PM", 2) == 0)
				pm = true;
			else if (strncasecmp(v, "AM", 2) != 0)
				return -1;
			has_pm = true;
			v += 2;
			l += 2;
		} else if ((*l == 'Z' || *l == '-') &&
			   (starts(l + 1, "0700") || starts(l + 1, "07:00") || starts(l + 1, "07"))) {
			const char *f = l + 1;
			size_t fl = starts(f, "0700") ? 4 : starts(f, "07:00") ? 5 : 2;
			l = f + fl;
			has_offset = true;
			if (*f && l[-fl - 1] == 'Z' && *v == 'Z') {
				v++;
				offset = 0;
				continue;
			}
			if (*v != '+' && *v != '-')
				return -1;
			int sign = *v++ == '-' ? -1 : 1, hh, mm = 0;
			if (read_int(&v, 2, 2, &hh) < 0)
				return -1;
			if (fl == 5 && *v++ != ':')
				return -1;
			if (fl != 2 && read_int(&v, 2, 2, &mm) < 0)
				return -1;
			offset = sign * (hh * 3600 + mm * 60);
		} else if ((*l == '.' || *l == ',') && (l[1] == '0' || l[1] == '9')) {
			size_t k = 1;
			while (l[k] == l[1])
				k++;
			l += k;
			if (*v == '.' || *v == ',') {
				v++;
				int digits = 0;
				nsec = 0;
				while (isdigit((unsigned char)*v)) {
					if (digits < 9) {
						nsec = nsec * 10 + (*v - '0');
						digits++;
					}
					v++;
				}
				while (digits++ < 9)
					nsec *= 10;
			}
		} else {
			if (*v != *l)
				return -1;
			v++;
			l++;
		}
	}
	if (*v)
		return -1;
	if (has_pm && pm && hour < 12)
		hour += 12;
	else if (has_pm && !pm && hour == 12)
		hour = 0;
	if (mon < 1 || mon > 12 || day < 1 || day > 31 || hour > 23 || min > 59 || sec > 59)
		return -1;
	struct tm tm = { .tm_year = year - 1900, .tm_mon = mon - 1, .tm_mday = day,
			 .tm_hour = hour, .tm_min = min, .tm_sec = sec };
	out->sec = (int64_t)timegm(&tm);
	out->nsec = nsec;
	if (has_offset) {
		out->sec -= offset;
		out->offset = offset;
		snprintf(out->zone, sizeof(out->zone), "%s", offset == 0 ? "UTC" : "");
	} else {
		struct gotime loc = *out;
		in_zone(&loc, "Local");
		out->sec -= loc.offset;
		in_zone(out, "Local");
	}
	return 0;
}

static int to_date(struct tmpl_call *call, tv **out, tv **args, size_t n, struct berr *err,
		   const char *name, bool must)
{
	const char *l, *v;
	if (sprig_arity(name, n, 2, 2, err) < 0 || sprig_str(args[0], &l, NULL, err) < 0 ||
	    sprig_str(args[1], &v, NULL, err) < 0)
		return err->code;
	struct gotime t = { .sec = -62135596800LL };
	snprintf(t.zone, sizeof(t.zone), "UTC");
	if (time_parse(l, v, &t) < 0) {
		if (must)
			return berr_set(err, BERR_INVALID, "parsing time \"%s\" as \"%s\": cannot parse", v, l);
		t = (struct gotime){ .sec = -62135596800LL };
		snprintf(t.zone, sizeof(t.zone), "UTC");
	}
	*out = new_time(ARENA, &t);
	return 0;
}

SPRIG_FN(fn_todate) { return to_date(call, out, args, n, err, "toDate", false); }
SPRIG_FN(fn_musttodate) { return to_date(call, out, args, n, err, "mustToDate", true); }

const struct sprig_entry sprig_date_funcs[] = {
	{ "now", fn_now }, { "date", fn_date }, { "dateInZone", fn_dateinzone },
	{ "date_in_zone", fn_dateinzone }, { "htmlDate", fn_htmldate },
	{ "htmlDateInZone", fn_htmldateinzone }, { "dateModify", fn_datemodify },
	{ "date_modify", fn_datemodify }, { "mustDateModify", fn_mustdatemodify },
	{ "must_date_modify", fn_mustdatemodify }, { "duration", fn_duration }, { "ago", fn_ago },
	{ "durationRound", fn_durationround }, { "unixEpoch", fn_unixepoch },
	{ "toDate", fn_todate }, { "mustToDate", fn_musttodate },
	{ NULL, NULL },
};

tv *sprig_time(struct tv_arena *a, int64_t unix_sec, int32_t nsec, const char *zone)
{
	struct gotime t = { .sec = unix_sec, .nsec = nsec };
	in_zone(&t, zone);
	return new_time(a, &t);
}
