/* SPDX-License-Identifier: MIT */
/**
 * @file kube.h
 * @brief The read-only Kubernetes client: GET only, never Secrets.
 *
 * @defgroup kube Kubernetes client (read-only)
 * @{
 *
 * The client can only send GET, and only to the paths of the resources in ::k8sa_resource
 * (there is no Secret among them, and no call takes a free-form path). TLS is verified by
 * default; bearer tokens from a file are re-read when the file changes (at most once a
 * minute, and at once after a 401), as client-go does.
 *
 * Errors map Kubernetes `Status` bodies to ::k8sa_status, keeping the server's message:
 * 400 K8SA_E_BAD_REQUEST, 401 K8SA_E_UNAUTHORIZED, 403 K8SA_E_FORBIDDEN (with the RBAC
 * message), 404 K8SA_E_NOT_FOUND, 410 K8SA_E_GONE, 429 K8SA_E_TOO_MANY_REQUESTS (with
 * k8sa_error::retry_after), 5xx K8SA_E_SERVER; transport failures K8SA_E_TRANSPORT,
 * K8SA_E_TLS, K8SA_E_TIMEOUT.
 *
 * Thread-safety: one ::k8sa_kube per thread at a time. Requests made through one handle
 * share its connections (keep-alive) and run in parallel inside a call.
 */
#ifndef K8SAGENT_KUBE_H
#define K8SAGENT_KUBE_H

#include <k8sagent/common.h>
#include <k8sagent/kubeconfig.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Opaque client handle. */
typedef struct k8sa_kube k8sa_kube;

/** The resources the agent reads. Append-only. There is deliberately no Secret. */
typedef enum k8sa_resource {
	K8SA_RES_NAMESPACES = 0,
	K8SA_RES_NODES = 1,
	K8SA_RES_PODS = 2,
	K8SA_RES_EVENTS = 3,
	K8SA_RES_DEPLOYMENTS = 4,
	K8SA_RES_REPLICASETS = 5,
	K8SA_RES_STATEFULSETS = 6,
	K8SA_RES_DAEMONSETS = 7,
	K8SA_RES_JOBS = 8,
	K8SA_RES_CRONJOBS = 9,
	K8SA_RES_SERVICES = 10,
	K8SA_RES_ENDPOINTS = 11,
	K8SA_RES_PVCS = 12,
	K8SA_RES_CONFIGMAPS = 13, /**< names and keys only: values are dropped by the client */
	K8SA_RES_INGRESSES = 14,
	K8SA_RES_HPAS = 15,
	K8SA_RES_RESOURCEQUOTAS = 16,
	K8SA_RES_PERSISTENTVOLUMES = 17
} k8sa_resource;

/** Number of resources in ::k8sa_resource (of this library version). */
#define K8SA_RES_COUNT 18

/** Plural resource name ("pods", "deployments"...), or NULL for an unknown value. Static. */
const char *k8sa_resource_name(k8sa_resource res);

/**
 * Create a client from a configuration (copied: `cfg` may be freed afterwards).
 * Fails with K8SA_E_CONFIG when the configuration has no server.
 */
k8sa_status k8sa_kube_new(k8sa_kube **out, const k8sa_kubeconfig *cfg, k8sa_error *err);

/** Free a client and its connections. NULL is a no-op. */
void k8sa_kube_free(k8sa_kube *kube);

/** Connect timeout and whole-request timeout in milliseconds (defaults 5000 and 30000). */
void k8sa_kube_set_timeout_ms(k8sa_kube *kube, long connect_ms, long request_ms);

/** Items per page for list requests (`limit`), default 500; 0 means no limit. */
void k8sa_kube_set_page_size(k8sa_kube *kube, unsigned int limit);

/** Most requests in flight at once (default 8). */
void k8sa_kube_set_max_parallel(k8sa_kube *kube, unsigned int n);

/** Default namespace of the configuration the client was made from. Borrowed. */
const char *k8sa_kube_namespace(const k8sa_kube *kube);

/**
 * List every object of a resource, following `continue` pages (a 410 Expired continue
 * restarts the list once, from the first page; the partial result is dropped, so the
 * array never holds an object twice). 429 and 503 are retried twice, after Retry-After
 * (at most 5 s). ConfigMaps come without their values: every `data`/`binaryData` value is
 * JSON null, only the keys remain. A page body over 256 MB fails with K8SA_E_LIMIT.
 * @param ns             namespace, or NULL for all namespaces (ignored for cluster-scoped)
 * @param field_selector e.g. "involvedObject.name=web-1", or NULL
 * @param out_json       receives a JSON array of the items (caller frees with k8sa_free())
 */
k8sa_status k8sa_kube_list_json(k8sa_kube *kube, k8sa_resource res, const char *ns,
				const char *field_selector, char **out_json, k8sa_error *err);

/**
 * Read a pod's log (raw text).
 * @param container   container name, or NULL when the pod has one
 * @param previous    non-zero for the previous (crashed) instance
 * @param tail_lines  last N lines, or <= 0 for all
 * @param limit_bytes at most N bytes, or <= 0 for no limit
 * Bodies over 16 MB fail with K8SA_E_LIMIT (pass limit_bytes to bound it server-side).
 * @param out         receives the NUL-terminated text (caller frees with k8sa_free())
 * @param out_len     receives its length (may be NULL)
 */
k8sa_status k8sa_kube_pod_log(k8sa_kube *kube, const char *ns, const char *pod,
			      const char *container, int previous, long tail_lines,
			      long limit_bytes, char **out, size_t *out_len, k8sa_error *err);

/**
 * Read one object (a GET of `/api/v1/namespaces/shop`, `/apis/apps/v1/namespaces/shop/
 * deployments/cart`...). Only the resources of ::k8sa_resource can be read (never Secrets);
 * a ConfigMap comes without its values, as in lists. A missing object is K8SA_E_NOT_FOUND.
 * @param ns        namespace of a namespaced resource (ignored for cluster-scoped ones)
 * @param name      the object's name (checked: no '/', '%', "..", ...)
 * @param out_json  receives the object as JSON (caller frees with k8sa_free())
 */
k8sa_status k8sa_kube_get_json(k8sa_kube *kube, k8sa_resource res, const char *ns, const char *name,
			       char **out_json, k8sa_error *err);

/** The server's `/version` body as JSON (caller frees with k8sa_free()). */
k8sa_status k8sa_kube_server_version(k8sa_kube *kube, char **out_json, k8sa_error *err);

/** @} */

#ifdef __cplusplus
}
#endif

#endif
