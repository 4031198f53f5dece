/* SPDX-License-Identifier: MIT */
/* Internal batch API of the Kubernetes client: the snapshot uses it to run every request in
 * parallel and to reduce list items as pages arrive (no whole list is kept in memory). */
#ifndef K8SA_KUBE_INTERNAL_H
#define K8SA_KUBE_INTERNAL_H

#include <k8sagent/kube.h>
#include <json-c/json.h>

/* Called once per list item as its page is parsed. `item` is borrowed for the call only
 * (json_object_get() it to keep it). Return K8SA_OK to continue; anything else stops that
 * request with this status. */
typedef k8sa_status (*k8sa_item_fn)(void *ud, json_object *item);

typedef enum { K8SA_REQ_LIST, K8SA_REQ_LOG, K8SA_REQ_VERSION } k8sa_req_type;

typedef struct k8sa_kube_req {
	/* in */
	k8sa_req_type type;
	k8sa_resource resource;     /* LIST */
	const char *ns;             /* LIST (NULL: all namespaces), LOG */
	const char *field_selector; /* LIST, optional */
	k8sa_item_fn on_item;       /* LIST */
	void *ud;                   /* LIST */
	const char *pod;            /* LOG */
	const char *container;      /* LOG, optional */
	int previous;               /* LOG */
	long tail_lines;            /* LOG, <= 0: all */
	long limit_bytes;           /* LOG, <= 0: no limit */
	/* out */
	k8sa_status status;         /* K8SA_OK or why this request failed */
	k8sa_error err;             /* detail when status != K8SA_OK */
	char *body;                 /* LOG, VERSION: NUL-terminated body, caller free()s */
	size_t body_len;
	size_t items;               /* LIST: items delivered */
	unsigned int pages;         /* LIST: pages read */
} k8sa_kube_req;

/* Run n requests in parallel (at most the client's max_parallel at once) over the client's
 * shared connections; each list follows its own continue pages. Returns K8SA_OK when the
 * batch ran (each request's own outcome is in reqs[i].status), or an error when nothing
 * could run (bad arguments, out of memory). */
k8sa_status k8sa_kube_run(k8sa_kube *kube, k8sa_kube_req *reqs, size_t n, k8sa_error *err);

/* ConfigMaps: the client strips `data`/`binaryData` values before on_item sees an item,
 * leaving only the keys (values may hold secrets). */

#endif
