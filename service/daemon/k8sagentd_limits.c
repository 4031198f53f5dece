/* SPDX-License-Identifier: MIT */
/* k8sagentd limits: a bounded number of concurrent model calls with a short waiting queue
 * (a local LLM serves one or a few answers at a time; piling up requests only makes every one
 * of them slow), and the namespace allowlist. Bearer-token auth: k8sagentd_auth.c. */
#include "k8sagentd.h"

#include <errno.h>
#include <string.h>
#include <time.h>

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv;
static int in_use, waiting, stopping;

void kd_limits_init(void)
{
	pthread_condattr_t a;
	pthread_condattr_init(&a);
	pthread_condattr_setclock(&a, CLOCK_MONOTONIC);
	pthread_cond_init(&cv, &a);
	pthread_condattr_destroy(&a);
}

int kd_slot_acquire(void)
{
	pthread_mutex_lock(&mu);
	if (stopping) {
		pthread_mutex_unlock(&mu);
		return -3;
	}
	if (in_use < kd_cfg.max_llm) {
		in_use++;
		pthread_mutex_unlock(&mu);
		return 0;
	}
	if (waiting >= kd_cfg.queue) {
		pthread_mutex_unlock(&mu);
		return -1;
	}
	struct timespec dl;
	clock_gettime(CLOCK_MONOTONIC, &dl);
	double t = kd_cfg.request_timeout;
	dl.tv_sec += (time_t)t;
	dl.tv_nsec += (long)((t - (double)(time_t)t) * 1e9);
	if (dl.tv_nsec >= 1000000000L) {
		dl.tv_sec++;
		dl.tv_nsec -= 1000000000L;
	}
	waiting++;
	int rc = 0;
	while (in_use >= kd_cfg.max_llm && !stopping) {
		if (pthread_cond_timedwait(&cv, &mu, &dl) == ETIMEDOUT) {
			rc = -2;
			break;
		}
	}
	waiting--;
	if (stopping)
		rc = -3;
	if (rc == 0)
		in_use++;
	pthread_mutex_unlock(&mu);
	return rc;
}

void kd_slot_release(void)
{
	pthread_mutex_lock(&mu);
	if (in_use > 0)
		in_use--;
	pthread_cond_signal(&cv);
	pthread_mutex_unlock(&mu);
}

int kd_slots_in_use(void)
{
	pthread_mutex_lock(&mu);
	int n = in_use;
	pthread_mutex_unlock(&mu);
	return n;
}

int kd_queue_length(void)
{
	pthread_mutex_lock(&mu);
	int n = waiting;
	pthread_mutex_unlock(&mu);
	return n;
}

void kd_limits_shutdown(void)
{
	pthread_mutex_lock(&mu);
	stopping = 1;
	pthread_cond_broadcast(&cv);
	pthread_mutex_unlock(&mu);
}

int kd_namespace_allowed(const char *ns)
{
	if (!kd_cfg.allow_ns)
		return 1;
	for (char **p = kd_cfg.allow_ns; *p; p++)
		if (strcmp(*p, ns) == 0)
			return 1;
	return 0;
}
