/* SPDX-License-Identifier: MIT */
/* What the read-only client may ask for and what it makes of the answers: the resource
 * table, the path guard, and Kubernetes `Status` bodies mapped to library errors. Kept apart
 * from the transfer code (kube.c) so tests can feed names and recorded bodies straight in. */
#include "internal.h"
#include "http_internal.h"
#include "kube_internal.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct {
	const char *plural;
	const char *prefix; /* API group/version path */
	int namespaced;
} resources[K8SA_RES_COUNT] = {
	[K8SA_RES_NAMESPACES] = {"namespaces", "/api/v1", 0},
	[K8SA_RES_NODES] = {"nodes", "/api/v1", 0},
	[K8SA_RES_PODS] = {"pods", "/api/v1", 1},
	[K8SA_RES_EVENTS] = {"events", "/api/v1", 1},
	[K8SA_RES_DEPLOYMENTS] = {"deployments", "/apis/apps/v1", 1},
	[K8SA_RES_REPLICASETS] = {"replicasets", "/apis/apps/v1", 1},
	[K8SA_RES_STATEFULSETS] = {"statefulsets", "/apis/apps/v1", 1},
	[K8SA_RES_DAEMONSETS] = {"daemonsets", "/apis/apps/v1", 1},
	[K8SA_RES_JOBS] = {"jobs", "/apis/batch/v1", 1},
	[K8SA_RES_CRONJOBS] = {"cronjobs", "/apis/batch/v1", 1},
	[K8SA_RES_SERVICES] = {"services", "/api/v1", 1},
	[K8SA_RES_ENDPOINTS] = {"endpoints", "/api/v1", 1},
	[K8SA_RES_PVCS] = {"persistentvolumeclaims", "/api/v1", 1},
	[K8SA_RES_CONFIGMAPS] = {"configmaps", "/api/v1", 1},
	[K8SA_RES_INGRESSES] = {"ingresses", "/apis/networking.k8s.io/v1", 1},
	[K8SA_RES_HPAS] = {"horizontalpodautoscalers", "/apis/autoscaling/v2", 1},
	[K8SA_RES_RESOURCEQUOTAS] = {"resourcequotas", "/api/v1", 1},
	[K8SA_RES_PERSISTENTVOLUMES] = {"persistentvolumes", "/api/v1", 0},
};

K8SA_EXPORT const char *k8sa_resource_name(k8sa_resource res)
{
	return (unsigned)res < K8SA_RES_COUNT ? resources[res].plural : NULL;
}

const char *k8sa_resource_api_prefix(k8sa_resource res)
{
	return (unsigned)res < K8SA_RES_COUNT ? resources[res].prefix : NULL;
}

int k8sa_resource_namespaced(k8sa_resource res)
{
	return (unsigned)res < K8SA_RES_COUNT ? resources[res].namespaced : 0;
}

/* Seconds from a Retry-After value; 0 for absent, dates and nonsense. */
static int parse_retry_after(const char *v)
{
	if (!v)
		return 0;
	while (*v == ' ' || *v == '\t')
		v++;
	if (!isdigit((unsigned char)*v))
		return 0;
	errno = 0;
	char *end;
	long s = strtol(v, &end, 10);
	while (*end == ' ' || *end == '\t' || *end == '\r' || *end == '\n')
		end++;
	if (errno || *end || s < 0)
		return 0;
	return s > 86400 ? 86400 : (int)s;
}

/* Reason phrase of "HTTP/1.1 503 Service Unavailable", or NULL (HTTP/2 has none). */
static void reason_phrase(const char *line, char *buf, size_t size)
{
	buf[0] = '\0';
	if (!line || strncmp(line, "HTTP/", 5))
		return;
	const char *p = strchr(line, ' ');
	if (!p)
		return;
	while (*p == ' ')
		p++;
	while (isdigit((unsigned char)*p))
		p++;
	while (*p == ' ')
		p++;
	size_t n = 0;
	while (p[n] && p[n] != '\r' && p[n] != '\n' && n + 1 < size) {
		buf[n] = isprint((unsigned char)p[n]) ? p[n] : '?';
		n++;
	}
	buf[n] = '\0';
}

k8sa_status k8sa_kube_map_error(int http_status, const char *body, size_t len, const char *status_line,
				const char *retry_after, const char *what, k8sa_error *err)
{
	k8sa_status code = k8sa_http_status(http_status);
	char reason[128];
	json_object *obj = NULL, *msg = NULL;

	if (body && len > 0) {
		json_tokener *tok = json_tokener_new();
		if (tok) {
			obj = json_tokener_parse_ex(tok, body, (int)(len > 0x7fffffff ? 0x7fffffff : len));
			if (json_tokener_get_error(tok) != json_tokener_success) {
				json_object_put(obj);
				obj = NULL;
			}
			json_tokener_free(tok);
		}
	}
	if (obj && json_object_is_type(obj, json_type_object) && json_object_object_get_ex(obj, "message", &msg) &&
	    json_object_is_type(msg, json_type_string) && json_object_get_string_len(msg) > 0) {
		k8sa_fail_http(err, code, http_status, "%s%s%s", what ? what : "", what ? ": " : "",
			       json_object_get_string(msg));
	} else {
		reason_phrase(status_line, reason, sizeof(reason));
		k8sa_fail_http(err, code, http_status, "%s%sHTTP %d%s%s", what ? what : "", what ? ": " : "", http_status,
			       reason[0] ? " " : "", reason);
	}
	json_object_put(obj);
	if (err)
		err->retry_after = parse_retry_after(retry_after);
	return code;
}

k8sa_status k8sa_kube_check_name(const char *what, const char *name, k8sa_error *err)
{
	if (!name || !name[0])
		return k8sa_fail(err, K8SA_E_READ_ONLY, "refusing an empty %s", what);
	size_t n = strlen(name);
	int bad = n > 253 || strstr(name, "..") != NULL;
	for (size_t i = 0; i < n && !bad; i++) {
		unsigned char c = (unsigned char)name[i];
		bad = c <= ' ' || c >= 0x7f || c == '/' || c == '?' || c == '#' || c == '%' || c == '\\';
	}
	if (bad)
		return k8sa_fail(err, K8SA_E_READ_ONLY,
				 "refusing %s \"%.64s\": a name may not contain '/', '?', '#', '%%', '\\', '..', "
				 "whitespace or control characters, nor be longer than 253 characters",
				 what, name);
	return K8SA_OK;
}
