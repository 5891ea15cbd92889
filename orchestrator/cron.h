/*
 * cron — CronJob schedules: the five-field cron syntax Kubernetes accepts
 * (minute hour day-of-month month day-of-week; a star, ranges a-b, lists
 * a,b, steps on a star or a range, month and weekday names, ? as a star)
 * and the @yearly, @annually, @monthly, @weekly, @daily, @midnight and
 * @hourly shorthands. Times are UTC, as the CronJob controller uses without
 * spec.timeZone.
 */
#ifndef BOSUN_ORCH_CRON_H
#define BOSUN_ORCH_CRON_H

#include <stdint.h>
#include <time.h>

#include "err.h"

struct cron {
	uint64_t minute;        /* bit n set: minute n matches */
	uint32_t hour;
	uint32_t dom;           /* bits 1..31 */
	uint16_t month;         /* bits 1..12 */
	uint8_t dow;            /* bits 0..6, Sunday 0 */
	int dom_star, dow_star; /* the field was `*`: matters for the day rule */
};

/* Parses a schedule; BERR_INVALID names the field that is wrong. */
int cron_parse(struct cron *out, const char *spec, struct berr *err);
/* The first matching minute strictly after `after`, or -1 within 5 years. */
time_t cron_next(const struct cron *c, time_t after);

#endif
