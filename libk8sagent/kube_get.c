/* SPDX-License-Identifier: MIT */
/* The one-request conveniences of the read-only client (kube.h): a whole list as one JSON
 * array, a pod's log, one object, the server version, each a k8sa_kube_run() of one request. */
#include "internal.h"
#include "defaults.h"
#include "http_internal.h"
#include "kube_internal.h"
#include "kubeconfig_internal.h"
#include "jv.h"
#include "tbuf.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>

/* ---------------------------------------------------------------- conveniences */

static k8sa_status collect_item(void *ud, json_object *item)
{
	if (json_object_array_add(ud, json_object_get(item)) != 0) {
		json_object_put(item);
		return K8SA_E_NOMEM;
	}
	return K8SA_OK;
}

static void collect_restart(void *ud)
{
	json_object *arr = ud;
	size_t n = json_object_array_length(arr);
	if (n)
		json_object_array_del_idx(arr, 0, n);
}

static k8sa_status run_one(k8sa_kube *kube, k8sa_kube_req *req, k8sa_error *err)
{
	k8sa_status st = k8sa_kube_run(kube, req, 1, err);
	if (st != K8SA_OK)
		return st;
	if (req->status != K8SA_OK) {
		if (err)
			*err = req->err;
		free(req->body);
		req->body = NULL;
		return req->status;
	}
	return K8SA_OK;
}

K8SA_EXPORT k8sa_status k8sa_kube_list_json(k8sa_kube *kube, k8sa_resource res, const char *ns,
					     const char *field_selector, char **out_json, k8sa_error *err)
{
	if (!kube || !out_json)
		return k8sa_fail(err, K8SA_E_INVALID_ARG, "list: NULL client or output");
	json_object *arr = json_object_new_array();
	if (!arr)
		return k8sa_fail(err, K8SA_E_NOMEM, "list: out of memory");
	k8sa_kube_req req = {
		.type = K8SA_REQ_LIST,
		.resource = res,
		.ns = ns,
		.field_selector = field_selector,
		.on_item = collect_item,
		.on_restart = collect_restart,
		.ud = arr,
	};
	k8sa_status st = run_one(kube, &req, err);
	if (st == K8SA_OK) {
		const char *s = json_object_to_json_string_ext(arr, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
		if (!s || !(*out_json = strdup(s)))
			st = k8sa_fail(err, K8SA_E_NOMEM, "list: out of memory");
	}
	json_object_put(arr);
	return st;
}

K8SA_EXPORT k8sa_status k8sa_kube_pod_log(k8sa_kube *kube, const char *ns, const char *pod, const char *container,
					   int previous, long tail_lines, long limit_bytes, char **out, size_t *out_len,
					   k8sa_error *err)
{
	if (!kube || !out)
		return k8sa_fail(err, K8SA_E_INVALID_ARG, "pod log: NULL client or output");
	k8sa_kube_req req = {
		.type = K8SA_REQ_LOG,
		.ns = ns,
		.pod = pod,
		.container = container,
		.previous = previous,
		.tail_lines = tail_lines,
		.limit_bytes = limit_bytes,
	};
	k8sa_status st = run_one(kube, &req, err);
	if (st != K8SA_OK)
		return st;
	*out = req.body;
	if (out_len)
		*out_len = req.body_len;
	return K8SA_OK;
}

K8SA_EXPORT k8sa_status k8sa_kube_get_json(k8sa_kube *kube, k8sa_resource res, const char *ns, const char *name,
					    char **out_json, k8sa_error *err)
{
	if (!kube || !out_json)
		return k8sa_fail(err, K8SA_E_INVALID_ARG, "get: NULL client or output");
	*out_json = NULL;
	k8sa_kube_req req = {.type = K8SA_REQ_GET, .resource = res, .ns = ns, .name = name};
	k8sa_status st = run_one(kube, &req, err);
	if (st == K8SA_OK)
		*out_json = req.body;
	return st;
}

K8SA_EXPORT k8sa_status k8sa_kube_server_version(k8sa_kube *kube, char **out_json, k8sa_error *err)
{
	if (!kube || !out_json)
		return k8sa_fail(err, K8SA_E_INVALID_ARG, "server version: NULL client or output");
	k8sa_kube_req req = {.type = K8SA_REQ_VERSION};
	k8sa_status st = run_one(kube, &req, err);
	if (st == K8SA_OK)
		*out_json = req.body;
	return st;
}
