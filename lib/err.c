/*
 * err.c — filling and prefixing struct berr (see err.h).
 *
 * Messages live in a fixed array inside the struct so errors can be made on
 * any path, including out-of-memory and signal-adjacent ones, with no
 * allocation; a message longer than the array is cut with "...".
 */
#include "err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static void mark_truncated(struct berr *e, int n)
{
	if (n >= BERR_MSG_MAX)
		memcpy(e->msg + BERR_MSG_MAX - 4, "...", 4);
}

int berr_set(struct berr *e, int code, const char *fmt, ...)
{
	if (!e)
		return code;
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
	mark_truncated(e, n);
	e->code = code;
	return code;
}

int berr_prefix(struct berr *e, const char *fmt, ...)
{
	if (!e)
		return BERR_FAIL;
	char prefix[BERR_MSG_MAX], old[BERR_MSG_MAX];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(prefix, sizeof(prefix), fmt, ap);
	va_end(ap);
	memcpy(old, e->msg, sizeof(old));
	int n = snprintf(e->msg, sizeof(e->msg), "%s: %s", prefix, old);
	mark_truncated(e, n);
	if (!e->code)
		e->code = BERR_FAIL;
	return e->code;
}

void berr_clear(struct berr *e)
{
	if (!e)
		return;
	e->code = 0;
	e->msg[0] = '\0';
}

const char *berr_code_name(int code)
{
	switch (code) {
	case BERR_OK: return "ok";
	case BERR_INVALID: return "invalid";
	case BERR_NOTFOUND: return "not found";
	case BERR_EXISTS: return "already exists";
	case BERR_CONFLICT: return "conflict";
	case BERR_LIMIT: return "limit exceeded";
	case BERR_IO: return "i/o error";
	case BERR_AUTH: return "unauthorized";
	case BERR_UNSUPPORTED: return "unsupported";
	default: return "failed";
	}
}
