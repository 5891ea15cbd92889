/*
 * clock — the monotonic clock, for durations, deadlines and timeouts (never
 * for wall time: that is time(2) and timefmt), and condition variables
 * whose timed waits count on it, so a wall-clock step cannot stretch or
 * cut a wait.
 */
#ifndef BOSUN_CLOCK_H
#define BOSUN_CLOCK_H

#include <pthread.h>
#include <stdint.h>
#include <time.h>

/* Monotonic milliseconds. */
int64_t clock_ms(void);
/* Monotonic seconds, with their fraction. */
double clock_s(void);
/* The monotonic instant `ms` (>= 0) from now, for a timed wait on a condition
 * variable made by cond_init_monotonic(). */
struct timespec clock_after_ms(int64_t ms);
/* Initialises c so that pthread_cond_timedwait() takes monotonic instants. */
void cond_init_monotonic(pthread_cond_t *c);

#endif
