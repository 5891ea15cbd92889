/*
 * log.c — formatting and writing log lines (see log.h).
 *
 * Each line is built in a local buffer and written with one write(2), so
 * lines from different threads never interleave. Masking is by field name:
 * cheaper and more reliable than guessing at values.
 */
#include "log.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"

static enum log_level min_level = LOG_INFO;
static enum log_format out_format = LOG_TEXT;
static const char *level_names[] = { "debug", "info", "warn", "error" };

void log_setup(enum log_level level, enum log_format format)
{
	min_level = level;
	out_format = format;
}

int log_parse_level(const char *s, enum log_level *out)
{
	for (int i = 0; i < 4; i++)
		if (!strcmp(s, level_names[i])) {
			*out = (enum log_level)i;
			return 0;
		}
	return -1;
}

int log_parse_format(const char *s, enum log_format *out)
{
	if (!strcmp(s, "text"))
		*out = LOG_TEXT;
	else if (!strcmp(s, "json"))
		*out = LOG_JSON;
	else
		return -1;
	return 0;
}

int log_key_is_secret(const char *key)
{
	static const char *words[] = { "password", "token", "secret", "key",
				       "auth", "credential", NULL };
	char low[128];
	size_t i;
	for (i = 0; key[i] && i < sizeof(low) - 1; i++)
		low[i] = (char)tolower((unsigned char)key[i]);
	low[i] = '\0';
	for (int w = 0; words[w]; w++)
		if (strstr(low, words[w]))
			return 1;
	return 0;
}

static void add_json_string(struct buf *b, const char *s)
{
	buf_addch(b, '"');
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\') {
			buf_addch(b, '\\');
			buf_addch(b, (char)c);
		} else if (c < 0x20) {
			buf_addf(b, "\\u%04x", c);
		} else {
			buf_addch(b, (char)c);
		}
	}
	buf_addch(b, '"');
}

static void add_text_value(struct buf *b, const char *s)
{
	int plain = *s != '\0';
	for (const char *p = s; *p; p++)
		if (*p == ' ' || *p == '"' || *p == '=' || (unsigned char)*p < 0x20)
			plain = 0;
	if (plain)
		buf_adds(b, s);
	else
		add_json_string(b, s);
}

static void log_vmsg(enum log_level level, const char *reveal, const char *msg, va_list ap)
{
	char ts[40];
	struct timespec now;
	struct tm tm;
	clock_gettime(CLOCK_REALTIME, &now);
	gmtime_r(&now.tv_sec, &tm);
	size_t n = strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(ts + n, sizeof(ts) - n, ".%03ldZ", now.tv_nsec / 1000000);

	struct buf line = BUF_INIT;
	if (out_format == LOG_JSON) {
		buf_addf(&line, "{\"time\":\"%s\",\"level\":\"%s\",\"msg\":", ts, level_names[level]);
		add_json_string(&line, msg);
	} else {
		buf_addf(&line, "time=%s level=%s msg=", ts, level_names[level]);
		add_text_value(&line, msg);
	}
	const char *key;
	while ((key = va_arg(ap, const char *))) {
		const char *val = va_arg(ap, const char *);
		if (!val)
			val = "";
		if (log_key_is_secret(key) && !(reveal && !strcmp(key, reveal)))
			val = "***";
		if (out_format == LOG_JSON) {
			buf_addch(&line, ',');
			add_json_string(&line, key);
			buf_addch(&line, ':');
			add_json_string(&line, val);
		} else {
			buf_addf(&line, " %s=", key);
			add_text_value(&line, val);
		}
	}
	buf_adds(&line, out_format == LOG_JSON ? "}\n" : "\n");
	ssize_t w = write(STDERR_FILENO, line.data, line.len);
	(void)w;
	if (reveal)
		memset(line.data, 0, line.len);        /* it held the revealed secret */
	buf_release(&line);
}

void log_msg(enum log_level level, const char *msg, ...)
{
	if (level < min_level)
		return;
	va_list ap;
	va_start(ap, msg);
	log_vmsg(level, NULL, msg, ap);
	va_end(ap);
}

void log_msg_reveal(enum log_level level, const char *reveal, const char *msg, ...)
{
	if (level < min_level)
		return;
	va_list ap;
	va_start(ap, msg);
	log_vmsg(level, reveal, msg, ap);
	va_end(ap);
}
