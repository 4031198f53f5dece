/* SPDX-License-Identifier: MIT */
/**
 * @file snapshot.h
 * @brief Everything a diagnosis needs from one namespace (or all), fetched in parallel,
 *        reduced to a compact model, bounded, and serializable to JSON.
 *
 * @defgroup snapshot Cluster snapshot
 * @{
 *
 * k8sa_snapshot_take() lists pods, events, deployments, replicasets, statefulsets,
 * daemonsets, jobs, cronjobs, services, endpoints, PVCs, configmaps (names and keys only),
 * ingresses, HPAs, resourcequotas, nodes and persistentvolumes in one parallel batch, then
 * fetches the log tails of unhealthy containers only (waiting with a bad reason, terminated
 * non-zero, restarted, or running but not ready), and the previous instance's tail when the
 * container restarted. Each item is reduced as its page arrives: no JSON document is kept.
 *
 * Secrets are never read. Environment variable *values* are not kept at all (only names
 * and the names of the ConfigMaps/Secrets they refer to); ConfigMap values are dropped.
 *
 * Bounds (defaults; change them with a ::k8sa_snapshot_opts):
 * | bound | default |
 * | --- | --- |
 * | pods kept (healthy pods are dropped first) | 20000 |
 * | events kept (deduplicated by object+reason+message, counts summed; newest kept) | 2000 |
 * | log lines per container log | 50 |
 * | log bytes per container log | 8192 |
 * | log bytes in total | 262144 |
 * | pods per owner and container whose logs are fetched | 2 |
 * What was cut is recorded in the snapshot ("events: 812 more omitted").
 *
 * A resource the server refuses (403, 404, 5xx...) does not fail the snapshot: it becomes a
 * gap ("nodes: forbidden: <server message>"). Only a total failure (every list failed, e.g.
 * unauthorized or the server unreachable) fails the call.
 *
 * Thread-safety: a snapshot is immutable after it is returned and may be read from several
 * threads at once.
 */
#ifndef K8SAGENT_SNAPSHOT_H
#define K8SAGENT_SNAPSHOT_H

#include <k8sagent/common.h>
#include <k8sagent/kube.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Opaque snapshot. Free with k8sa_snapshot_free(). */
typedef struct k8sa_snapshot k8sa_snapshot;

/** Bounds and switches for taking a snapshot. Free with k8sa_snapshot_opts_free(). */
typedef struct k8sa_snapshot_opts k8sa_snapshot_opts;

/** New options with the defaults above; free them with k8sa_snapshot_opts_free(). */
k8sa_status k8sa_snapshot_opts_new(k8sa_snapshot_opts **out, k8sa_error *err);
/** Free options. NULL is a no-op. */
void k8sa_snapshot_opts_free(k8sa_snapshot_opts *opts);
/** Most pods kept (0 = no bound). Over the bound, healthy pods are dropped first. */
void k8sa_snapshot_opts_set_max_pods(k8sa_snapshot_opts *opts, size_t n);
/** Most distinct events kept, newest first (0 = no bound). */
void k8sa_snapshot_opts_set_max_events(k8sa_snapshot_opts *opts, size_t n);
/** Last lines of each container log (`tailLines`); 0 disables logs altogether. */
void k8sa_snapshot_opts_set_log_lines(k8sa_snapshot_opts *opts, long lines);
/** Bytes of each container log (`limitBytes`, and the tail kept). */
void k8sa_snapshot_opts_set_log_bytes(k8sa_snapshot_opts *opts, long bytes);
/** Log bytes in total across the snapshot; logs past it are not fetched. */
void k8sa_snapshot_opts_set_total_log_bytes(k8sa_snapshot_opts *opts, size_t bytes);
/** Pods per (owner, container) whose logs are fetched (the rest of a group is alike). */
void k8sa_snapshot_opts_set_logs_per_owner(k8sa_snapshot_opts *opts, unsigned n);

/**
 * Take a snapshot through a client.
 * @param kube      the client (borrowed for the call)
 * @param ns        namespace, or NULL for all namespaces
 * @param opts      bounds, or NULL for the defaults (borrowed for the call)
 * @param out       receives the snapshot (caller frees with k8sa_snapshot_free())
 * @param err       optional error detail
 * @return K8SA_OK even when some resources were refused (see k8sa_snapshot_gaps_json());
 *         an error when nothing could be read.
 */
k8sa_status k8sa_snapshot_take(k8sa_kube *kube, const char *ns, const k8sa_snapshot_opts *opts,
			       k8sa_snapshot **out, k8sa_error *err);

/**
 * Load a snapshot from a scenario directory on disk (the format of kubesim's scenarios:
 * `DIR/cluster/<namespace>/pods.json`, `DIR/cluster/nodes.json`, `.../logs/<pod>/<c>.log`;
 * DIR may also be the `cluster` directory itself). The same reducers and bounds as
 * k8sa_snapshot_take() apply, including the choice of logs. For tests and offline use.
 * @param ns namespace, or NULL for every namespace directory
 */
k8sa_status k8sa_snapshot_load_dir(const char *dir, const char *ns, const k8sa_snapshot_opts *opts,
				   k8sa_snapshot **out, k8sa_error *err);

/** Free a snapshot. NULL is a no-op. */
void k8sa_snapshot_free(k8sa_snapshot *snap);

/** The namespace the snapshot is about, or NULL for all namespaces. Borrowed. */
const char *k8sa_snapshot_namespace(const k8sa_snapshot *snap);

/** Objects of a resource kept in the snapshot (after bounds). */
size_t k8sa_snapshot_count(const k8sa_snapshot *snap, k8sa_resource res);

/** Container logs kept in the snapshot (current and previous instances). */
size_t k8sa_snapshot_log_count(const k8sa_snapshot *snap);

/** Resources that could not be read, as a JSON array of strings
 * (`["nodes: forbidden: nodes is forbidden: ..."]`). Caller frees with k8sa_free(). */
k8sa_status k8sa_snapshot_gaps_json(const k8sa_snapshot *snap, char **out, k8sa_error *err);

/** Number of gaps (resources that could not be read). */
size_t k8sa_snapshot_gap_count(const k8sa_snapshot *snap);

/** The whole snapshot as JSON (shape in docs/snapshot.md). Caller frees with k8sa_free(). */
k8sa_status k8sa_snapshot_to_json(const k8sa_snapshot *snap, char **out, k8sa_error *err);

/** @} */

#ifdef __cplusplus
}
#endif

#endif
