/* SPDX-License-Identifier: MIT */
/* The snapshot's insides, shared by the snapshot, its JSON writer, the analyzers and the
 * prompt builder (private). */
#ifndef K8SA_SNAPSHOT_INTERNAL_H
#define K8SA_SNAPSHOT_INTERNAL_H

#include <k8sagent/snapshot.h>
#include "model.h"

struct k8sa_snapshot_opts {
	size_t max_pods, max_events;
	long log_lines, log_bytes;
	size_t total_log_bytes;
	unsigned logs_per_owner;
};

struct k8sa_snapshot {
	m_model m;
	char *ns;                 /* NULL: all namespaces */
	int64_t taken_at;         /* wall clock when taken */
	char **gaps;              /* "nodes: forbidden: ..." */
	size_t ngaps;
	int core_gaps;            /* core lists (pods, workloads, services) not read: not checked */
	size_t nlogs, log_bytes;  /* logs kept and their bytes */
	size_t logs_skipped;      /* unhealthy containers whose logs the bounds left out */
};

/* The model of a snapshot (borrowed). */
const m_model *k8sa_snapshot_model(const k8sa_snapshot *snap);

/* Keep the last `lines` lines and at most `bytes` bytes of a log, in place. Returns the new
 * length and sets *cut when anything was dropped. */
size_t k8sa_log_tail(char *text, size_t len, long lines, long bytes, int *cut);

/* "Reason (xN): message" for an event, into buf. */
void k8sa_event_line(const m_event *ev, char *buf, size_t size);

/* Shared between snapshot.c (options, loader) and snapshot_take.c (the client path). */
extern const k8sa_snapshot_opts k8sa_snap_default_opts;
extern const k8sa_resource k8sa_snap_namespaced[];
extern const k8sa_resource k8sa_snap_cluster_scoped[];
#define K8SA_SNAP_NNS 15
#define K8SA_SNAP_NCS 2

typedef struct log_job {
	size_t pod;               /* index into model pods */
	const char *container;
	int previous;
} log_job;

k8sa_snapshot *k8sa_snap_new(const char *ns, const k8sa_snapshot_opts *o);
k8sa_status k8sa_snap_add_gap(k8sa_snapshot *s, const char *what, const k8sa_error *e);
/* Which container logs to fetch (unhealthy containers only, bounded). Caller free()s *out. */
k8sa_status k8sa_snap_plan_logs(k8sa_snapshot *s, const k8sa_snapshot_opts *o, log_job **out, size_t *nout);
/* Bound a fetched log (modified in place) and attach it to its pod. */
k8sa_status k8sa_snap_keep_log(k8sa_snapshot *s, const k8sa_snapshot_opts *o, const log_job *j, char *text,
			       size_t len);
/* Plural resource name without needing the client ("pods"). */
const char *k8sa_snap_resource_name(k8sa_resource res);

#endif
