/* SPDX-License-Identifier: MIT */
/* Shared by the analyzers (analyze_*.c), the root-cause pass and the findings API
 * (private). */
#ifndef K8SA_ANALYZE_INTERNAL_H
#define K8SA_ANALYZE_INTERNAL_H

#include <k8sagent/analyze.h>
#include "snapshot_internal.h"
#include "finding_codes.h"

typedef struct a_strv {
	char **v;
	size_t n, cap;
} a_strv;

typedef struct a_finding {
	fc_id code;                    /* its row in fc_table */
	k8sa_severity sev;
	char *kind, *ns, *name, *container;
	char *summary;
	a_strv evidence, commands, members;
	int root;
	/* analysis-only: what the finding is about, for the causal links */
	const m_pod *pod;              /* first member pod (Pod findings) */
	const char *owner_kind, *owner_name; /* top owner (Pods: Deployment/StatefulSet/...; RS: Deployment) */
	const char *node;              /* Pod findings: the pod's node */
	const char *ref_kind, *ref_name; /* another object this finding blames (PVC, quota, service...) */
	int rank;                      /* lower = more upstream when choosing a root cause */
	size_t cause;                  /* index+1 of the finding this one is a consequence of, 0 none */
	size_t group;                  /* causal group id */
} a_finding;

struct k8sa_findings {
	char *ns;                      /* "*" for all namespaces */
	a_finding *v;
	size_t n, cap;
	a_strv gaps;                   /* the snapshot's: what could not be read, so was not checked */
	int incomplete;                /* core lists (pods, workloads, services) not read */
	int nomem;                     /* an allocation failed somewhere: the run fails */
	/* grouping index for pod findings: code|ns|owner|container -> index+1 */
	char **gkeys;
	size_t *gidx, gcap, gn;
};

typedef struct a_ctx {
	const k8sa_snapshot *snap;
	m_model *m;                    /* the snapshot's model (read only in practice) */
	k8sa_findings *f;
	int64_t now;                   /* "cluster time": latest timestamp seen */
} a_ctx;

/* ---- building findings ---- */
/* A new finding of `code` about the object ns/name (kind, severity and rank from the code's
 * row in fc_table); NULL on ENOMEM (the run then fails). */
a_finding *a_new(a_ctx *c, fc_id code, const char *ns, const char *name, const char *container);
/* The same, reported with another severity (a partial or past problem). */
a_finding *a_new_sev(a_ctx *c, fc_id code, k8sa_severity sev, const char *ns, const char *name,
		     const char *container);
/* A finding about a controller (Deployment, StatefulSet, DaemonSet, Job, CronJob): its own
 * pods' findings link to it as their owner. */
a_finding *a_new_owner(a_ctx *c, fc_id code, k8sa_severity sev, const m_meta *meta);
void a_summary(a_ctx *c, a_finding *f, const char *fmt, ...) K8SA_PRINTF(3, 4);
void a_evidence(a_ctx *c, a_finding *f, const char *fmt, ...) K8SA_PRINTF(3, 4);
void a_command(a_ctx *c, a_finding *f, const char *fmt, ...) K8SA_PRINTF(3, 4);
void a_member(a_ctx *c, a_finding *f, const char *name);
int a_strv_push(a_strv *v, char *s);   /* takes s; -1 on ENOMEM (s freed) */

/* Pod findings are grouped per (code, owner, container): returns the existing finding for
 * that key (the caller adds a member) or NULL when this is the first. */
a_finding *a_group_find(a_ctx *c, fc_id code, const m_pod *p, const char *container);
void a_group_add(a_ctx *c, a_finding *f, fc_id code, const m_pod *p, const char *container);
/* Drop the grouping index (it points into the list: before the list is sorted or freed). */
void a_group_reset(k8sa_findings *f);

/* Top owner of a pod: ReplicaSet -> Deployment, Job -> CronJob; kind "Pod" when none. */
void a_pod_owner(a_ctx *c, const m_pod *p, const char **kind, const char **name);

/* Add up to `max` warning events (and, when `normal_too`, normal ones) about an object as
 * evidence "Reason (xN): message", newest first, ignoring those older than `since`. Returns
 * how many were added. */
int a_event_evidence(a_ctx *c, a_finding *f, const char *kind, const char *ns, const char *name,
		     int64_t since, int max, int normal_too);

/* Decisive lines from a log ("panic:", "Error", stack frames, the last line). */
void a_log_evidence(a_ctx *c, a_finding *f, const m_log *log, const char *label);

/* ---- the analyzers ---- */
void a_analyze_pods(a_ctx *c);
void a_analyze_workloads(a_ctx *c);
void a_analyze_jobs(a_ctx *c);
void a_analyze_services(a_ctx *c);
void a_analyze_storage(a_ctx *c);
void a_analyze_nodes(a_ctx *c);
void a_analyze_hpas(a_ctx *c);
void a_analyze_quotas(a_ctx *c);

/* Link consequences to causes, mark one root per causal group, order the list. */
void a_root_causes(a_ctx *c);

#endif
