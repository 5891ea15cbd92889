/*
 * transport.c — what the repo server's git subtransports share: the clock
 * their deadlines use and the one way they report a diagnosis (into the
 * session, for mirror.c's error message, and into libgit2's last error, so
 * whatever libgit2 prints says the same).
 */
#include "repo-server/transport.h"

#include <stdarg.h>
#include <stdio.h>
#include <time.h>

double transport_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int transport_fail(struct transport_session *s, int code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(s->msg, sizeof(s->msg), fmt, ap);
	va_end(ap);
	s->code = code;
	git_error_set_str(GIT_ERROR_NET, s->msg);
	return -1;
}
