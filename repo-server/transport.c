/*
 * transport.c — what the repo server's git subtransports share: the one
 * way they report a diagnosis (into the session, for mirror.c's error
 * message, and into libgit2's last error, so whatever libgit2 prints says
 * the same). Their deadlines are clock_s() seconds (lib/clock.h).
 */
#include "repo-server/transport.h"

#include <stdarg.h>
#include <stdio.h>

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
