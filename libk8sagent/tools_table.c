/* SPDX-License-Identifier: MIT */
/* list_objects' compact table (tools.c): one line per object, the columns kubectl get shows
 * for its kind (status, readiness, restarts, age, ...). */
#include "internal.h"
#include "json_get.h"
#include "tools_internal.h"
#include "kube_internal.h"
#include "tbuf.h"

#include <ctype.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

/* Container state as kubectl shows it. */
static void pod_status(json_object *pod, char *out, size_t n, int *ready, int *total, long *restarts)
{
	json_object *st = jget(pod, "status");
	const char *reason = jstr(st, "reason");
	const char *phase = jstr(st, "phase");
	snprintf(out, n, "%s", reason ? reason : phase ? phase : "Unknown");
	json_object *cs = jget(st, "containerStatuses");
	*ready = 0;
	*total = (int)jlen(jget(jget(pod, "spec"), "containers"));
	*restarts = 0;
	int bad = 0;
	for (size_t i = 0; i < jlen(cs); i++) {
		json_object *c = json_object_array_get_idx(cs, i);
		if (json_object_get_boolean(jget(c, "ready")))
			(*ready)++;
		*restarts += jint(c, "restartCount", 0);
		json_object *state = jget(c, "state");
		const char *w = jpath(state, "waiting", "reason");
		const char *tr = jpath(state, "terminated", "reason");
		if (!bad && (w || tr)) {
			snprintf(out, n, "%s", w ? w : tr);
			bad = 1;
		}
	}
	json_object *ics = jget(st, "initContainerStatuses");
	for (size_t i = 0; i < jlen(ics) && !bad; i++) {
		json_object *state = jget(json_object_array_get_idx(ics, i), "state");
		const char *w = jpath(state, "waiting", "reason");
		const char *tr = jpath(state, "terminated", "reason");
		if (w || (tr && strcmp(tr, "Completed") != 0)) {
			snprintf(out, n, "Init:%s", w ? w : tr);
			bad = 1;
		}
	}
	if (jpath(pod, "metadata", "deletionTimestamp"))
		snprintf(out, n, "Terminating");
}

static const char *cond_status(json_object *conds, const char *type)
{
	for (size_t i = 0; i < jlen(conds); i++) {
		json_object *c = json_object_array_get_idx(conds, i);
		const char *t = jstr(c, "type");
		if (t && strcmp(t, type) == 0)
			return jstr(c, "status");
	}
	return NULL;
}

static void labels_text(k8sa_tbuf *b, json_object *m)
{
	int first = 1;
	if (!m || !json_object_is_type(m, json_type_object)) {
		k8sa_tbuf_puts(b, "<none>");
		return;
	}
	json_object_object_foreach(m, k, v)
	{
		k8sa_tbuf_printf(b, "%s%s=%s", first ? "" : ",", k, json_object_get_string(v));
		first = 0;
	}
	if (first)
		k8sa_tbuf_puts(b, "<none>");
}

static const char *or_dash(const char *s)
{
	return s && *s ? s : "-";
}

/* The last-seen time of a core/v1 event (WIRE.md: lastTimestamp ?? series ?? eventTime ??
 * creationTimestamp). */
static const char *event_time(json_object *e)
{
	const char *t = jstr(e, "lastTimestamp");
	if (!t)
		t = jpath(e, "series", "lastObservedTime");
	if (!t)
		t = jstr(e, "eventTime");
	if (!t)
		t = jpath(e, "metadata", "creationTimestamp");
	return t ? t : "";
}

int tools_cmp_event(const void *a, const void *b)
{
	json_object *x = *(json_object *const *)a, *y = *(json_object *const *)b;
	return strcmp(event_time(x), event_time(y));
}

static void event_row(k8sa_tbuf *b, json_object *e)
{
	json_object *io = jget(e, "involvedObject");
	long count = jint(e, "count", 0);
	if (!count)
		count = jint(jget(e, "series"), "count", 1);
	k8sa_tbuf_printf(b, "%s %s %s %s/%s x%ld: ", event_time(e), or_dash(jstr(e, "type")),
			 or_dash(jstr(e, "reason")), or_dash(jstr(io, "kind")), or_dash(jstr(io, "name")), count);
	const char *m = jstr(e, "message");
	for (const char *p = m ? m : ""; *p; p++)
		k8sa_tbuf_putc(b, *p == '\n' ? ' ' : *p);
	k8sa_tbuf_putc(b, '\n');
}

/* One table row for an object of resource res. */
void tools_table_row(k8sa_tbuf *b, int res, json_object *o, int all_ns)
{
	json_object *md = jget(o, "metadata"), *spec = jget(o, "spec"), *st = jget(o, "status");
	const char *name = or_dash(jstr(md, "name"));
	if (all_ns && k8sa_resource_namespaced((k8sa_resource)res))
		k8sa_tbuf_printf(b, "%s/", or_dash(jstr(md, "namespace")));
	switch (res) {
	case K8SA_RES_PODS: {
		char s[128];
		int ready, total;
		long restarts;
		pod_status(o, s, sizeof(s), &ready, &total, &restarts);
		k8sa_tbuf_printf(b, "%s ready=%d/%d status=%s restarts=%ld node=%s\n", name, ready, total, s, restarts,
				 or_dash(jstr(spec, "nodeName")));
		return;
	}
	case K8SA_RES_DEPLOYMENTS:
	case K8SA_RES_STATEFULSETS:
	case K8SA_RES_REPLICASETS:
		k8sa_tbuf_printf(b, "%s desired=%ld ready=%ld updated=%ld available=%ld", name, jint(spec, "replicas", 1),
				 jint(st, "readyReplicas", 0), jint(st, "updatedReplicas", 0),
				 jint(st, "availableReplicas", 0));
		if (res == K8SA_RES_REPLICASETS) {
			json_object *own = jget(md, "ownerReferences");
			if (jlen(own))
				k8sa_tbuf_printf(b, " owner=%s/%s", or_dash(jstr(json_object_array_get_idx(own, 0), "kind")),
						 or_dash(jstr(json_object_array_get_idx(own, 0), "name")));
		}
		if (res == K8SA_RES_DEPLOYMENTS) {
			const char *p = cond_status(jget(st, "conditions"), "Progressing");
			const char *av = cond_status(jget(st, "conditions"), "Available");
			k8sa_tbuf_printf(b, " Available=%s Progressing=%s", or_dash(av), or_dash(p));
		}
		k8sa_tbuf_putc(b, '\n');
		return;
	case K8SA_RES_DAEMONSETS:
		k8sa_tbuf_printf(b, "%s desired=%ld ready=%ld unavailable=%ld misscheduled=%ld\n", name,
				 jint(st, "desiredNumberScheduled", 0), jint(st, "numberReady", 0),
				 jint(st, "numberUnavailable", 0), jint(st, "numberMisscheduled", 0));
		return;
	case K8SA_RES_JOBS: {
		json_object *c = jget(st, "conditions");
		k8sa_tbuf_printf(b, "%s completions=%ld succeeded=%ld failed=%ld active=%ld Complete=%s Failed=%s\n", name,
				 jint(spec, "completions", 1), jint(st, "succeeded", 0), jint(st, "failed", 0),
				 jint(st, "active", 0), or_dash(cond_status(c, "Complete")), or_dash(cond_status(c, "Failed")));
		return;
	}
	case K8SA_RES_CRONJOBS:
		k8sa_tbuf_printf(b, "%s schedule=\"%s\" suspend=%s last_schedule=%s\n", name, or_dash(jstr(spec, "schedule")),
				 json_object_get_boolean(jget(spec, "suspend")) ? "true" : "false",
				 or_dash(jstr(st, "lastScheduleTime")));
		return;
	case K8SA_RES_SERVICES: {
		k8sa_tbuf_printf(b, "%s type=%s cluster_ip=%s ports=", name, or_dash(jstr(spec, "type")),
				 or_dash(jstr(spec, "clusterIP")));
		json_object *ports = jget(spec, "ports");
		for (size_t i = 0; i < jlen(ports); i++) {
			json_object *p = json_object_array_get_idx(ports, i), *tp = jget(p, "targetPort");
			k8sa_tbuf_printf(b, "%s%ld->%s/%s", i ? "," : "", jint(p, "port", 0),
					 tp ? json_object_get_string(tp) : "-", or_dash(jstr(p, "protocol")));
		}
		k8sa_tbuf_puts(b, " selector=");
		labels_text(b, jget(spec, "selector"));
		k8sa_tbuf_putc(b, '\n');
		return;
	}
	case K8SA_RES_ENDPOINTS: {
		long ready = 0, notready = 0;
		json_object *subsets = jget(o, "subsets");
		for (size_t i = 0; i < jlen(subsets); i++) {
			ready += (long)jlen(jget(json_object_array_get_idx(subsets, i), "addresses"));
			notready += (long)jlen(jget(json_object_array_get_idx(subsets, i), "notReadyAddresses"));
		}
		k8sa_tbuf_printf(b, "%s ready_addresses=%ld not_ready_addresses=%ld\n", name, ready, notready);
		return;
	}
	case K8SA_RES_PVCS:
		k8sa_tbuf_printf(b, "%s status=%s volume=%s storageclass=%s\n", name, or_dash(jstr(st, "phase")),
				 or_dash(jstr(spec, "volumeName")), or_dash(jstr(spec, "storageClassName")));
		return;
	case K8SA_RES_PERSISTENTVOLUMES:
		k8sa_tbuf_printf(b, "%s status=%s claim=%s/%s storageclass=%s\n", name, or_dash(jstr(st, "phase")),
				 or_dash(jpath(spec, "claimRef", "namespace")), or_dash(jpath(spec, "claimRef", "name")),
				 or_dash(jstr(spec, "storageClassName")));
		return;
	case K8SA_RES_CONFIGMAPS: {
		k8sa_tbuf_printf(b, "%s keys=", name);
		json_object *d = jget(o, "data");
		int first = 1;
		if (d && json_object_is_type(d, json_type_object)) {
			json_object_object_foreach(d, k, v)
			{
				(void)v;
				k8sa_tbuf_printf(b, "%s%s", first ? "" : ",", k);
				first = 0;
			}
		}
		k8sa_tbuf_puts(b, first ? "<none>\n" : "\n");
		return;
	}
	case K8SA_RES_INGRESSES: {
		k8sa_tbuf_printf(b, "%s class=%s rules=", name, or_dash(jstr(spec, "ingressClassName")));
		json_object *rules = jget(spec, "rules");
		for (size_t i = 0; i < jlen(rules); i++) {
			json_object *r = json_object_array_get_idx(rules, i);
			json_object *paths = jget(jget(r, "http"), "paths");
			for (size_t j = 0; j < jlen(paths); j++) {
				json_object *p = json_object_array_get_idx(paths, j);
				json_object *svc = jget(jget(p, "backend"), "service");
				json_object *port = jget(svc, "port");
				json_object *pn = jget(port, "number");
				k8sa_tbuf_printf(b, "%s%s%s->%s:%s", i || j ? "," : "", or_dash(jstr(r, "host")),
						 or_dash(jstr(p, "path")), or_dash(jstr(svc, "name")),
						 pn ? json_object_get_string(pn) : or_dash(jstr(port, "name")));
			}
		}
		k8sa_tbuf_putc(b, '\n');
		return;
	}
	case K8SA_RES_HPAS:
		k8sa_tbuf_printf(b, "%s target=%s/%s min=%ld max=%ld current=%ld desired=%ld\n", name,
				 or_dash(jpath(spec, "scaleTargetRef", "kind")), or_dash(jpath(spec, "scaleTargetRef", "name")),
				 jint(spec, "minReplicas", 1), jint(spec, "maxReplicas", 0), jint(st, "currentReplicas", 0),
				 jint(st, "desiredReplicas", 0));
		return;
	case K8SA_RES_RESOURCEQUOTAS: {
		k8sa_tbuf_printf(b, "%s", name);
		json_object *hard = jget(st, "hard"), *used = jget(st, "used");
		if (hard && json_object_is_type(hard, json_type_object)) {
			json_object_object_foreach(hard, k, v)
			{
				json_object *u = jget(used, k);
				k8sa_tbuf_printf(b, " %s=%s/%s", k, u ? json_object_get_string(u) : "0", json_object_get_string(v));
			}
		}
		k8sa_tbuf_putc(b, '\n');
		return;
	}
	case K8SA_RES_NODES: {
		json_object *c = jget(st, "conditions");
		k8sa_tbuf_printf(b, "%s Ready=%s unschedulable=%s", name, or_dash(cond_status(c, "Ready")),
				 json_object_get_boolean(jget(spec, "unschedulable")) ? "true" : "false");
		const char *pr[] = {"MemoryPressure", "DiskPressure", "PIDPressure"};
		for (size_t i = 0; i < 3; i++) {
			const char *s = cond_status(c, pr[i]);
			if (s && strcmp(s, "True") == 0)
				k8sa_tbuf_printf(b, " %s=True", pr[i]);
		}
		json_object *taints = jget(spec, "taints");
		for (size_t i = 0; i < jlen(taints); i++) {
			json_object *tn = json_object_array_get_idx(taints, i);
			k8sa_tbuf_printf(b, "%s%s:%s", i ? "," : " taints=", or_dash(jstr(tn, "key")), or_dash(jstr(tn, "effect")));
		}
		k8sa_tbuf_putc(b, '\n');
		return;
	}
	case K8SA_RES_NAMESPACES:
		k8sa_tbuf_printf(b, "%s phase=%s\n", name, or_dash(jstr(st, "phase")));
		return;
	case K8SA_RES_EVENTS:
		event_row(b, o);
		return;
	default:
		k8sa_tbuf_printf(b, "%s\n", name);
	}
}

/* Every object of kind res in ns (NULL: all namespaces) that the selectors (NULL: none)
 * match, as a new array the caller puts; NULL with r's error set on failure. */
