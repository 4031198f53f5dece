/* SPDX-License-Identifier: MIT */
/* The compact cluster model a snapshot reduces API objects into (private).
 *
 * Why: a snapshot of 10,000 pods must stay well under 64 MB, so no JSON document is kept.
 * Each list item is reduced, as its page is parsed, into small C structs that hold only the
 * fields the analyzers, the prompt and the snapshot JSON need. Every string is interned in
 * one arena (namespaces, images, node names, label keys repeat thousands of times), and
 * every per-object array lives in the same arena, so freeing the model is one walk over the
 * arena's chunks.
 *
 * Secrets: env values are never kept (only names and configMap/secret *names* they refer
 * to); ConfigMap values are already dropped by the client (and by the disk loader). */
#ifndef K8SA_MODEL_H
#define K8SA_MODEL_H

#include <k8sagent/kube.h>
#include <json-c/json.h>
#include <stdint.h>
#include <stddef.h>

/* ---- arena + interning ---------------------------------------------------------------- */

typedef struct m_arena_chunk m_arena_chunk;

typedef struct m_arena {
	m_arena_chunk *head;
	size_t used_total;       /* bytes handed out (for the memory report) */
	const char **tab;        /* intern hash table (open addressing) */
	size_t tab_cap, tab_n;
} m_arena;

void *m_alloc(m_arena *a, size_t n);                 /* zeroed; NULL on ENOMEM */
void m_arena_reset(m_arena *a);                       /* forget every allocation, keep one chunk */
const char *m_intern(m_arena *a, const char *s);      /* NULL -> NULL; "" kept */
const char *m_intern_n(m_arena *a, const char *s, size_t n);
void m_arena_free(m_arena *a);

/* ---- objects -------------------------------------------------------------------------- */

typedef struct m_kv { const char *k, *v; } m_kv;

typedef struct m_owner {
	const char *kind, *name;
	int controller;
} m_owner;

typedef struct m_meta {
	const char *name, *ns, *uid;
	int64_t created, deleted;            /* epoch seconds, 0 = absent */
	int64_t deletion_grace;              /* metadata.deletionGracePeriodSeconds, -1 absent */
	m_kv *labels; unsigned nlabels;      /* bounded: M_MAX_LABELS */
	m_owner *owners; unsigned nowners;
	const char **finalizers; unsigned nfinalizers; /* bounded: what blocks a deletion */
} m_meta;

#define M_MAX_LABELS 16
#define M_MAX_ARRAY 64 /* cap on per-object arrays (containers, conditions, ports, rules...) */

typedef struct m_cond {
	const char *type, *status, *reason, *message;
	int64_t last_transition;
} m_cond;

typedef enum { M_STATE_NONE = 0, M_STATE_WAITING, M_STATE_RUNNING, M_STATE_TERMINATED } m_state_kind;

typedef struct m_state {
	m_state_kind kind;
	const char *reason, *message;
	int64_t exit_code, signal;
	int64_t started, finished;
	int has_container_id;
} m_state;

typedef struct m_envref {              /* env valueFrom / envFrom reference: names only */
	const char *env;                   /* env var name, NULL for envFrom */
	const char *kind;                  /* "ConfigMap" or "Secret" */
	const char *name, *key;            /* key NULL for envFrom */
	int optional;
} m_envref;

typedef struct m_probe {
	int present;
	const char *summary;               /* "httpGet :8080/ready period=10s timeout=1s failure=3" */
} m_probe;

typedef struct m_container {
	const char *name, *image;
	const char *req_cpu, *req_mem, *lim_cpu, *lim_mem;
	const char **env_names; unsigned nenv; /* names only: values are never kept */
	m_envref *refs; unsigned nrefs;
	const char *command;               /* first element of command, if any */
	m_probe liveness, readiness, startup;
} m_container;

typedef struct m_cstatus {
	const char *name, *image;
	int ready, started;
	int64_t restarts;
	m_state state, last;
} m_cstatus;

typedef struct m_volume {
	const char *name;
	const char *kind;                  /* "PersistentVolumeClaim", "ConfigMap", "Secret", other type */
	const char *ref;                   /* claim / configmap / secret name, or NULL */
	int optional;
} m_volume;

typedef struct m_log {
	const char *container;
	int previous;
	char *text;                        /* malloc'd, bounded; may be "" */
	size_t len;
	int truncated;                     /* the tail bound cut it */
	struct m_log *next;
} m_log;

typedef struct m_pod {
	m_meta meta;
	const char *phase, *reason, *message, *node, *qos;
	int64_t start_time;
	m_cond *conds; unsigned nconds;
	m_container *containers; unsigned ncontainers;
	m_container *inits; unsigned ninits;
	m_cstatus *statuses; unsigned nstatuses;
	m_cstatus *init_statuses; unsigned ninit_statuses;
	m_volume *volumes; unsigned nvolumes;
	const char *restart_policy;
	int64_t grace;                     /* terminationGracePeriodSeconds, -1 absent */
	m_log *logs;
	int healthy;                       /* computed on reduce: no reason to look closer */
} m_pod;

typedef struct m_event {
	const char *kind, *ns, *name;      /* involvedObject / regarding */
	const char *field_path;
	const char *reason, *type, *message;
	int64_t count;
	int64_t first, last;
	const char *source;
} m_event;

typedef enum { M_WL_DEPLOYMENT, M_WL_REPLICASET, M_WL_STATEFULSET, M_WL_DAEMONSET } m_wl_kind;

typedef struct m_workload {
	m_meta meta;
	m_wl_kind wkind;
	int64_t desired;                   /* spec.replicas (DaemonSet: desiredNumberScheduled) */
	int64_t current, ready, available, updated, unavailable, misscheduled;
	int64_t generation, observed_generation;
	int paused;
	m_kv *selector; unsigned nselector;
	m_cond *conds; unsigned nconds;
	m_container *containers; unsigned ncontainers; /* pod template (for limits/images) */
} m_workload;

typedef struct m_job {
	m_meta meta;
	int64_t completions, parallelism, backoff_limit, active_deadline;
	int64_t active, succeeded, failed;
	int64_t start_time, completion_time;
	int suspend;
	m_cond *conds; unsigned nconds;
} m_job;

typedef struct m_cronjob {
	m_meta meta;
	const char *schedule;
	int suspend;
	int64_t last_schedule, last_success;
	unsigned nactive;
} m_cronjob;

typedef struct m_port {
	const char *name;
	int64_t port;
	const char *target;                /* targetPort as text ("8080" or "http") */
	const char *protocol;
} m_port;

typedef struct m_service {
	m_meta meta;
	const char *type, *cluster_ip, *external_name;
	m_kv *selector; unsigned nselector;
	m_port *ports; unsigned nports;
} m_service;

typedef struct m_endpoints {
	m_meta meta;
	int64_t ready, not_ready;
	const char **not_ready_pods; unsigned nnot_ready_pods; /* bounded */
} m_endpoints;

typedef struct m_pvc {
	m_meta meta;
	const char *phase, *storage_class, *volume_name, *request;
	int has_storage_class;
} m_pvc;

typedef struct m_pv {
	m_meta meta;
	const char *phase, *storage_class, *claim_ns, *claim_name, *reason, *message;
} m_pv;

typedef struct m_configmap {
	m_meta meta;
	const char **keys; unsigned nkeys;
} m_configmap;

typedef struct m_backend {
	const char *host, *path;
	const char *service;
	int64_t port;                      /* 0 when named */
	const char *port_name;
} m_backend;

typedef struct m_ingress {
	m_meta meta;
	const char *class_name;
	m_backend *backends; unsigned nbackends;
} m_ingress;

typedef struct m_hpa {
	m_meta meta;
	const char *target_kind, *target_name;
	int64_t min, max, current, desired;
	m_cond *conds; unsigned nconds;
} m_hpa;

typedef struct m_quota_item { const char *resource, *hard, *used; } m_quota_item;

typedef struct m_quota {
	m_meta meta;
	m_quota_item *items; unsigned nitems;
} m_quota;

typedef struct m_taint { const char *key, *value, *effect; } m_taint;

typedef struct m_node {
	m_meta meta;
	int unschedulable;
	m_taint *taints; unsigned ntaints;
	m_cond *conds; unsigned nconds;
	const char *alloc_cpu, *alloc_mem, *alloc_pods;
} m_node;

/* A growable array of structs (realloc'd; elements are plain structs pointing into the arena). */
#define M_VEC(T) struct { T *v; size_t n, cap; }

/* The model of one snapshot. */
typedef struct m_model {
	m_arena arena;
	M_VEC(m_pod) pods;
	M_VEC(m_event) events;
	M_VEC(m_workload) workloads;
	M_VEC(m_job) jobs;
	M_VEC(m_cronjob) cronjobs;
	M_VEC(m_service) services;
	M_VEC(m_endpoints) endpoints;
	M_VEC(m_pvc) pvcs;
	M_VEC(m_pv) pvs;
	M_VEC(m_configmap) configmaps;
	M_VEC(m_ingress) ingresses;
	M_VEC(m_hpa) hpas;
	M_VEC(m_quota) quotas;
	M_VEC(m_node) nodes;
	M_VEC(const char *) namespaces;

	/* bounds */
	size_t max_pods, max_events;
	/* what was seen and cut */
	size_t seen[K8SA_RES_COUNT];
	size_t pods_omitted;               /* healthy pods dropped over max_pods */
	size_t events_omitted;             /* distinct events dropped over max_events */
	size_t events_merged;              /* duplicates folded into another event's count */
	int64_t ref_time;                  /* latest timestamp seen ("cluster now") */

	/* container arrays are shared: pods of one template (and the template itself) have the
	 * same containers; they are reduced in `scratch` and kept once (open addressing on their
	 * content; strings are interned, so their addresses stand for them) */
	m_arena scratch;
	struct m_ctab_slot { uint64_t hash; const m_container *v; unsigned n; } *ctab;
	size_t ctab_cap, ctab_n;
	/* event dedupe index: open addressing on (kind, ns, name, reason, message) -> index+1 */
	size_t *ev_tab; size_t ev_tab_cap;
	/* indices of healthy pods that may be evicted to make room for unhealthy ones */
	size_t *healthy_idx; size_t nhealthy, healthy_cap;
} m_model;

void m_model_init(m_model *m, size_t max_pods, size_t max_events);
void m_model_free(m_model *m);

/* Reduce one list item of resource `res` into the model. K8SA_E_NOMEM on allocation failure;
 * malformed items (not an object, no name) are skipped with K8SA_OK. The item is a node of
 * a jv document (jv.h: the fast reader the client and the scenario loader use). */
struct jv;
k8sa_status m_model_add_jv(m_model *m, k8sa_resource res, struct jv *item);

/* The same for a json-c object (tests, fuzzers): written out and read back with jv, so both
 * paths reduce the very same way. */
k8sa_status m_model_add(m_model *m, k8sa_resource res, json_object *item);

/* Forget every item of `res` reduced so far (its list restarts from scratch after 410
 * Expired and delivers them again). Call before logs are attached. */
void m_model_drop(m_model *m, k8sa_resource res);

/* After all items arrived: apply the event bound (newest first), sort lists for stable output. */
k8sa_status m_model_finish(m_model *m);

/* What the model holds in memory, in bytes: the arena's chunks (strings and per-object
 * arrays), the object vectors (their capacity), and the intern table. */
typedef struct m_model_size {
	size_t arena, arena_used, vectors, intern;
} m_model_size;
void m_model_size_of(const m_model *m, m_model_size *out);

/* Attach a log text (copied, bounded by the caller) to a pod. */
k8sa_status m_pod_add_log(m_model *m, m_pod *p, const char *container, int previous,
			  const char *text, size_t len, int truncated);

/* ---- queries the analyzers share ------------------------------------------------------ */

int64_t m_parse_time(const char *s);            /* RFC3339 -> epoch seconds, 0 when absent/bad */
void m_format_time(int64_t t, char buf[32]);     /* epoch -> "2026-11-24T14:59:00Z", "" for 0 */
double m_parse_quantity(const char *s, int *ok); /* "64Mi" -> bytes, "500m" -> 0.5 */

const m_cond *m_cond_find(const m_cond *c, unsigned n, const char *type);
const char *m_label(const m_meta *meta, const char *key);
const m_owner *m_controller(const m_meta *meta);  /* controller owner, else first owner */
/* selector (all kv) matches labels */
int m_selector_matches(const m_kv *sel, unsigned nsel, const m_meta *meta);

m_pod *m_find_pod(m_model *m, const char *ns, const char *name);
m_workload *m_find_workload(m_model *m, m_wl_kind k, const char *ns, const char *name);
m_job *m_find_job(m_model *m, const char *ns, const char *name);
m_pvc *m_find_pvc(m_model *m, const char *ns, const char *name);
m_node *m_find_node(m_model *m, const char *name);
m_service *m_find_service(m_model *m, const char *ns, const char *name);
m_endpoints *m_find_endpoints(m_model *m, const char *ns, const char *name);
m_configmap *m_find_configmap(m_model *m, const char *ns, const char *name);
const m_container *m_pod_container(const m_pod *p, const char *name, int *is_init);
const m_log *m_pod_log(const m_pod *p, const char *container, int previous);

/* Is the pod unhealthy enough that its logs matter? (waiting with a bad reason, terminated
 * non-zero, restarted, or not ready). Sets *previous when a previous instance exists. */
int m_container_wants_logs(const m_pod *p, const m_cstatus *cs, int *previous);

/* Iterate the events about an object: kind AND name AND namespace must match. */
typedef int (*m_event_fn)(void *ud, const m_event *ev);
void m_events_for(const m_model *m, const char *kind, const char *ns, const char *name,
		  m_event_fn fn, void *ud);

#endif
