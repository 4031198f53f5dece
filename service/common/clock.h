/* SPDX-License-Identifier: MIT */
/* Deadlines for pthread_cond_timedwait(), shared by k8sagent and k8sagentd. */
#ifndef K8SA_SVC_CLOCK_H
#define K8SA_SVC_CLOCK_H

#include <time.h>

/* The time `ms` milliseconds from now on `clock` (the clock the condition variable waits on). */
static inline struct timespec svc_after_ms(clockid_t clock, long ms)
{
	struct timespec ts;
	clock_gettime(clock, &ts);
	ts.tv_sec += ms / 1000;
	ts.tv_nsec += (ms % 1000) * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	return ts;
}

#endif
