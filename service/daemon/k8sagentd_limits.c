/* SPDX-License-Identifier: MIT */
/* k8sagentd limits: a bounded number of concurrent model calls with a short waiting queue
 * (a local LLM serves one or a few answers at a time; piling up requests only makes every one
 * of them slow), and the namespace allowlist. Bearer-token auth: k8sagentd_auth.c. */
#include "k8sagentd.h"
#include "../common/clock.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv;
static int in_use, waiting, stopping;

/* Concurrent snapshots (/diagnose, /api/findings): each holds a namespace's objects, events and
 * logs in memory while it is read and analysed (about 14 MB for a busy namespace: 40 at once
 * took 573 MB), so they are bounded to fit the container's memory limit. */
static pthread_cond_t snap_cv;
static int snap_in_use, snap_max;

static long long read_limit(const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return -1;
	char buf[64] = "";
	long long v = -1;
	if (fgets(buf, sizeof buf, f))
		v = strncmp(buf, "max", 3) == 0 ? 0 : strtoll(buf, NULL, 10);
	fclose(f);
	return v;
}

long long kd_memory_limit(void)
{
	long long v = read_limit("/sys/fs/cgroup/memory.max"); /* cgroup v2 */
	if (v < 0)
		v = read_limit("/sys/fs/cgroup/memory/memory.limit_in_bytes"); /* v1 */
	if (v >= (1LL << 60)) /* v1's "no limit" is a huge number */
		v = 0;
	return v > 0 ? v : 0;
}

void kd_limits_init(void)
{
	pthread_condattr_t a;
	pthread_condattr_init(&a);
	pthread_condattr_setclock(&a, CLOCK_MONOTONIC);
	pthread_cond_init(&cv, &a);
	pthread_cond_init(&snap_cv, &a);
	pthread_condattr_destroy(&a);
	long long limit = kd_memory_limit();
	if (kd_cfg.max_snapshots > 0) {
		snap_max = (int)kd_cfg.max_snapshots;
	} else if (limit > 0) {
		/* 64 MiB for the rest of the service, then one per 32 MiB: a 400-pod namespace's
		 * snapshot peaks around 20 MB (with two malloc arenas, see main()). */
		long long n = (limit - (64LL << 20)) / (32LL << 20);
		snap_max = n < 1 ? 1 : n > 16 ? 16 : (int)n;
	} else {
		snap_max = 8;
	}
	if (kd_cfg.max_snapshots > 0)
		kd_log(KD_LOG_INFO, "at most %d snapshots at once (--max-snapshots)", snap_max);
	else if (limit > 0)
		kd_log(KD_LOG_INFO, "at most %d snapshots at once (one per 32 MiB above 64 MiB of the %lld MiB memory limit)",
		       snap_max, limit >> 20);
	else
		kd_log(KD_LOG_INFO, "at most %d snapshots at once (no container memory limit found)", snap_max);
}

int kd_snapshot_acquire(struct MHD_Connection *c)
{
	double end = kd_now() + kd_cfg.request_timeout;
	pthread_mutex_lock(&mu);
	int rc = 0;
	while (snap_in_use >= snap_max) {
		if (stopping) {
			rc = -3;
			break;
		}
		double now = kd_now();
		if (now >= end) {
			rc = -2;
			break;
		}
		/* Wake every 100 ms to see whether the client is still there. */
		struct timespec dl = svc_after_ms(CLOCK_MONOTONIC, 100);
		pthread_cond_timedwait(&snap_cv, &mu, &dl);
		if (c && kd_client_gone(c)) {
			rc = -4;
			break;
		}
	}
	if (rc == 0 && c && kd_client_gone(c))
		rc = -4; /* nobody is waiting for this snapshot: do not read the cluster */
	if (rc == 0)
		snap_in_use++;
	pthread_mutex_unlock(&mu);
	return rc;
}

void kd_snapshot_release(void)
{
	pthread_mutex_lock(&mu);
	if (snap_in_use > 0)
		snap_in_use--;
	pthread_cond_signal(&snap_cv);
	pthread_mutex_unlock(&mu);
}

void kd_snapshots(int *now, int *max)
{
	pthread_mutex_lock(&mu);
	*now = snap_in_use;
	*max = snap_max;
	pthread_mutex_unlock(&mu);
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
	pthread_cond_broadcast(&snap_cv);
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
