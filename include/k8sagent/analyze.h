/* SPDX-License-Identifier: MIT */
/**
 * @file analyze.h
 * @brief Deterministic analyzers: findings with evidence and next commands, grouped by
 *        owner, with the likely root cause marked. No LLM involved.
 *
 * @defgroup analyze Analyzers and findings
 * @{
 *
 * Codes are the vocabulary of SCENARIOS.md (CrashLoopBackOff, OOMKilled, ImagePullBackOff,
 * InvalidImageName, CreateContainerConfigError, CreateContainerError, InitContainerFailing,
 * Unschedulable, ReadinessProbeFailing, LivenessProbeFailing, FailedMount, Evicted,
 * HighRestartCount, PodStuckTerminating, DeploymentUnavailable, ReplicaSetCreateFailed,
 * StatefulSetUnavailable, DaemonSetUnavailable, JobFailed, CronJobFailing,
 * ServiceNoEndpoints, IngressBackendMissing, PVCPending, NodeNotReady, NodePressure,
 * NodeUnschedulable, HPAUnableToScale, QuotaExceeded).
 *
 * Pods of one owner failing with the same code (and container) are one finding: `name` is
 * the first member pod and `members` lists them all. Related findings (Pod -> ReplicaSet ->
 * Deployment, Pod -> StatefulSet/DaemonSet/Job, Job -> CronJob, PVC -> Pod, Node -> Pod,
 * Service -> selected pods, Ingress -> Service, quota -> failed creations) form causal
 * groups; in each group the most upstream finding is marked root cause. The list is ordered
 * root causes first, then by severity.
 *
 * Relative ages ("restarted recently", "deletion long past") are measured against the
 * latest timestamp in the snapshot (the "cluster time"), not the local clock, so recorded
 * scenarios analyze the same way forever.
 *
 * Thread-safety: a findings object is immutable once returned.
 */
#ifndef K8SAGENT_ANALYZE_H
#define K8SAGENT_ANALYZE_H

#include <k8sagent/common.h>
#include <k8sagent/snapshot.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Opaque list of findings. Free with k8sa_findings_free(). */
typedef struct k8sa_findings k8sa_findings;

/** Severity of a finding. */
typedef enum k8sa_severity {
	K8SA_SEV_INFO = 0,
	K8SA_SEV_WARNING = 1,
	K8SA_SEV_CRITICAL = 2
} k8sa_severity;

/** "info", "warning", "critical". Static. */
const char *k8sa_severity_name(k8sa_severity sev);

/**
 * Run every analyzer over a snapshot.
 * @param snap snapshot (borrowed for the call; the findings copy what they need)
 * @param out  receives the findings (caller frees with k8sa_findings_free()); an empty list
 *             when nothing is wrong
 */
k8sa_status k8sa_analyze(const k8sa_snapshot *snap, k8sa_findings **out, k8sa_error *err);

/** Free findings. NULL is a no-op. */
void k8sa_findings_free(k8sa_findings *f);

/** Number of findings. */
size_t k8sa_findings_count(const k8sa_findings *f);

/** Number of findings of severity warning or critical (the CLI exits 1 when non-zero). */
size_t k8sa_findings_problem_count(const k8sa_findings *f);

/** @name Per-finding getters: index < count; strings are borrowed, valid until the free.
 *  Out-of-range indices give NULL / 0. */
/**@{*/
/** Code of finding @p i ("OOMKilled"...; see docs/finding-codes.md). */
const char *k8sa_finding_code(const k8sa_findings *f, size_t i);
/** Severity of finding @p i. */
k8sa_severity k8sa_finding_severity(const k8sa_findings *f, size_t i);
/** Kind of the object ("Pod", "Deployment", "Node"...). */
const char *k8sa_finding_kind(const k8sa_findings *f, size_t i);
const char *k8sa_finding_namespace(const k8sa_findings *f, size_t i); /**< "" for cluster-scoped */
/** Name of the object (for a group of pods: the first member). */
const char *k8sa_finding_name(const k8sa_findings *f, size_t i);
const char *k8sa_finding_container(const k8sa_findings *f, size_t i); /**< "" when none */
/** One-line human summary. */
const char *k8sa_finding_summary(const k8sa_findings *f, size_t i);
/** Non-zero when the finding is the root cause of its causal group. */
int k8sa_finding_root_cause(const k8sa_findings *f, size_t i);
/** Number of evidence lines of finding @p i. */
size_t k8sa_finding_evidence_count(const k8sa_findings *f, size_t i);
/** Evidence line @p j of finding @p i. */
const char *k8sa_finding_evidence(const k8sa_findings *f, size_t i, size_t j);
/** Number of suggested commands of finding @p i. */
size_t k8sa_finding_command_count(const k8sa_findings *f, size_t i);
/** Suggested (read-only) command @p j of finding @p i. */
const char *k8sa_finding_command(const k8sa_findings *f, size_t i, size_t j);
/** Number of member objects (pods of one owner failing alike). */
size_t k8sa_finding_member_count(const k8sa_findings *f, size_t i);
/** Member @p j of finding @p i. */
const char *k8sa_finding_member(const k8sa_findings *f, size_t i, size_t j);
/**@}*/

/**
 * Whether the namespace could be checked: 0 when a core list (pods, deployments,
 * replicasets, statefulsets, daemonsets, services) could not be read, so an empty list of
 * findings means "could not check", never "no problems". 1 otherwise.
 */
int k8sa_findings_complete(const k8sa_findings *f);

/**
 * Findings as JSON: `{"namespace": "shop", "findings": [{"code", "severity", "kind",
 * "namespace", "name", "members": [...], "container", "summary", "evidence": [...],
 * "commands": [...], "root_cause": bool}], "gaps": ["nodes: forbidden: ..."], "complete":
 * bool}`: `gaps` are the resources the snapshot could not read (so nothing there was
 * checked), `[]` when none; `complete` is k8sa_findings_complete().
 * `namespace` is "*" for all namespaces;
 * `container` is "" when the finding is not about a container. Caller frees with k8sa_free().
 */
k8sa_status k8sa_findings_to_json(const k8sa_findings *f, char **out, k8sa_error *err);

/**
 * A short plain-text report, root causes first, pasteable into a ticket. Says so plainly
 * when nothing is wrong (and "Could not check" instead when the core lists could not be
 * read), and lists under "Not checked:" what the snapshot could not read.
 * Caller frees with k8sa_free().
 */
k8sa_status k8sa_findings_to_text(const k8sa_findings *f, char **out, k8sa_error *err);

/** @} */

#ifdef __cplusplus
}
#endif

#endif
