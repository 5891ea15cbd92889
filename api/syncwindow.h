/*
 * syncwindow — AppProject sync windows (Argo CD's `spec.syncWindows`):
 * {kind: allow|deny, schedule: "<cron>", duration: "1h30m", applications,
 * namespaces, clusters: [globs], manualSync: bool}. A window is active from
 * each time its five-field cron schedule (minute hour day-of-month month
 * day-of-week, UTC) fires until `duration` later. Pure functions: the API
 * checks them before writing a sync, unit tests drive them with any time.
 */
#ifndef BOSUN_API_SYNCWINDOW_H
#define BOSUN_API_SYNCWINDOW_H

#include <jansson.h>
#include <time.h>

#include "err.h"

#define SYNCWINDOW_MAX_DURATION_S (31L * 86400)

/* 1 when the schedule fires at the minute of t (UTC), 0 when not,
 * BERR_INVALID for a malformed schedule. */
int syncwindow_cron_matches(const char *schedule, time_t t, struct berr *err);
/* Parses "1h", "30m", "1h30m", "45s": seconds, or BERR_INVALID. */
long syncwindow_duration(const char *text, struct berr *err);
/* 1 when the window is active at now, 0 when not, BERR_INVALID. */
int syncwindow_active(const json_t *window, time_t now, struct berr *err);

struct syncwindow_app {
	const char *name, *namespace, *server, *cluster;
};

/*
 * Whether app may sync now under windows (the project's syncWindows, may
 * be NULL): an active deny window blocks (a manual sync passes when that
 * window has manualSync); otherwise an active allow window permits; when
 * allow windows apply but none is active, only a manual sync passes and
 * only if one of them has manualSync. Returns 1 or 0 (err says which
 * window blocks), or BERR_INVALID for a malformed window.
 */
int syncwindow_can_sync(const json_t *windows, const struct syncwindow_app *app, int manual,
			time_t now, struct berr *err);

#endif
