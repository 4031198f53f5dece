/* SPDX-License-Identifier: MIT */
/* Internal batch API of the Kubernetes client: the snapshot uses it to run every request in
 * parallel and to reduce list items as pages arrive (no whole list is kept in memory). */
#ifndef K8SA_KUBE_INTERNAL_H
#define K8SA_KUBE_INTERNAL_H

#include "defaults.h"
#include <k8sagent/kube.h>
#include <json-c/json.h>

/* Called once per list item as its page is parsed. `item` is borrowed for the call only
 * (json_object_get() it to keep it). Return K8SA_OK to continue; anything else stops that
 * request with this status. */
typedef k8sa_status (*k8sa_item_fn)(void *ud, json_object *item);

/* The same with a node of jv's document (jv.h): no json-c tree is built for the page.
 * Borrowed for the call only (the page's buffer and tape are reused). ConfigMap items come
 * unstripped: the consumer reads their keys only. */
struct jv;
typedef k8sa_status (*k8sa_jitem_fn)(void *ud, struct jv *item);

typedef enum { K8SA_REQ_LIST, K8SA_REQ_LOG, K8SA_REQ_VERSION, K8SA_REQ_GET } k8sa_req_type;

/* Called when a list restarts from scratch (its continue token expired: 410 Expired). The
 * items delivered so far for this request will be delivered again: drop them. Without this
 * callback a consumer sees those items twice. */
typedef void (*k8sa_restart_fn)(void *ud);

typedef struct k8sa_kube_req {
	/* in */
	k8sa_req_type type;
	k8sa_resource resource;     /* LIST, GET */
	const char *ns;             /* LIST (NULL: all namespaces), LOG, GET (namespaced) */
	const char *name;           /* GET: the object's name */
	const char *field_selector; /* LIST, optional */
	const char *label_selector; /* LIST, optional, e.g. "app=cart,tier!=db" */
	k8sa_item_fn on_item;       /* LIST */
	void *ud;                   /* LIST */
	const char *pod;            /* LOG */
	const char *container;      /* LOG, optional */
	int previous;               /* LOG */
	long tail_lines;            /* LOG, <= 0: all */
	long limit_bytes;           /* LOG, <= 0: no limit */
	k8sa_restart_fn on_restart; /* LIST, optional; see k8sa_restart_fn */
	k8sa_jitem_fn on_jitem;     /* LIST: instead of on_item, the fast reader (big lists) */
	/* out */
	k8sa_status status;         /* K8SA_OK or why this request failed */
	k8sa_error err;             /* detail when status != K8SA_OK */
	char *body;                 /* LOG, VERSION, GET: NUL-terminated body, caller free()s */
	size_t body_len;
	size_t items;               /* LIST: items delivered */
	unsigned int pages;         /* LIST: pages read (over restarts) */
	unsigned int restarts;      /* LIST: restarts after 410 Expired (0 or 1) */
	unsigned int attempts;      /* HTTP requests sent (pages + retries) */
} k8sa_kube_req;

/* Run n requests in parallel (at most the client's max_parallel at once) over the client's
 * shared connections; each list follows its own continue pages. Returns K8SA_OK when the
 * batch ran (each request's own outcome is in reqs[i].status), or an error when nothing
 * could run (bad arguments, out of memory). */
k8sa_status k8sa_kube_run(k8sa_kube *kube, k8sa_kube_req *reqs, size_t n, k8sa_error *err);

/* ConfigMaps: the client strips `data`/`binaryData` values before on_item sees an item,
 * leaving only the keys (values may hold secrets): each value becomes JSON null, so
 * `data` stays an object whose keys are the ConfigMap's keys. */

/* Retries inside k8sa_kube_run, per request:
 *  - 401 with a token file or an exec plugin: the file is re-read (the plugin run again) at
 *    once and, when the credentials changed, the request is sent again once;
 *  - 410 Expired on a continue page: the list restarts once from the first page
 *    (on_restart is called first); a second 410 fails the request with K8SA_E_GONE;
 *  - 429 and 503: up to K8SA_KUBE_RETRIES retries, after Retry-After seconds (1 s when
 *    absent, at most K8SA_KUBE_MAX_RETRY_AFTER).
 * Body caps (K8SA_KUBE_MAX_PAGE_BYTES, K8SA_KUBE_MAX_LOG_BYTES): larger bodies fail with
 * K8SA_E_LIMIT. All in defaults.h. */

/* Lower the body caps (tests). 0 keeps a cap unchanged. */
void k8sa_kube_set_body_limits(k8sa_kube *kube, size_t page_bytes, size_t log_bytes);

/* How many times the exec credential plugin ran (tests). */
unsigned int k8sa_kube_exec_runs(const k8sa_kube *kube);

/* How often a token file is re-read (default 60 s, as client-go). */
void k8sa_kube_set_token_refresh(k8sa_kube *kube, int seconds);

/* API path prefix of a resource ("/api/v1", "/apis/apps/v1"), or NULL when unknown. */
const char *k8sa_resource_api_prefix(k8sa_resource res);

/* Non-zero when the resource lives in namespaces (pods), zero for cluster-scoped (nodes). */
int k8sa_resource_namespaced(k8sa_resource res);

/* Refuse (K8SA_E_READ_ONLY) a namespace, pod or container name that could change the path:
 * empty, longer than 253, containing '/', '?', '#', '%', '\', "..", whitespace or control
 * characters. `what` names the argument in the message ("namespace"). */
k8sa_status k8sa_kube_check_name(const char *what, const char *name, k8sa_error *err);

/* Map a non-2xx response to a status and fill err: the Kubernetes Status body's message
 * when the body is one (or any JSON object with a string "message"), otherwise the
 * reason phrase of `status_line` ("HTTP/1.1 503 Service Unavailable"), otherwise "HTTP N".
 * err->http_status is set; err->retry_after from `retry_after` (seconds; NULL/invalid: 0).
 * `what` ("list pods in namespace shop") prefixes the message when non-NULL. */
k8sa_status k8sa_kube_map_error(int http_status, const char *body, size_t len, const char *status_line,
				const char *retry_after, const char *what, k8sa_error *err);

#endif
