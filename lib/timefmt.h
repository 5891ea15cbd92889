/*
 * timefmt — RFC 3339 timestamps as Kubernetes writes them.
 *
 * metav1.Time is written in UTC with second precision
 * ("2026-11-26T13:03:59Z"), metav1.MicroTime with six fraction digits
 * ("2026-11-26T13:03:59.123456Z"). The parser reads both, any fraction
 * length, and numeric offsets ("+02:00"), as Go's time.RFC3339Nano layout
 * does; the fraction is dropped from the time_t it returns.
 *
 * Output goes into a caller's char array; nothing is allocated.
 */
#ifndef BOSUN_TIMEFMT_H
#define BOSUN_TIMEFMT_H

#include <time.h>

#include "err.h"

/* Room for "2026-11-26T13:03:59Z" plus NUL; years stay within 0000-9999. */
#define TIMEFMT_SIZE 21
/* Room for "2026-11-26T13:03:59.123456Z" plus NUL. */
#define TIMEFMT_MICRO_SIZE 28

/* Writes `t` in UTC, second precision. */
void timefmt_rfc3339(char out[TIMEFMT_SIZE], time_t t);
/* The current time, as timefmt_rfc3339 writes it. */
void timefmt_now(char out[TIMEFMT_SIZE]);
/* Writes `ts` in UTC with microseconds, as metav1.MicroTime. */
void timefmt_rfc3339_micro(char out[TIMEFMT_MICRO_SIZE], const struct timespec *ts);

/*
 * Reads an RFC 3339 timestamp (upper-case 'T' and 'Z' or an offset). Returns
 * 0 with *out the seconds since the epoch, or BERR_INVALID naming the text
 * and what is wrong in it. `usec`, when not NULL, receives the fraction in
 * microseconds (truncated).
 */
int timefmt_parse(time_t *out, long *usec, const char *s, struct berr *err);

#endif
