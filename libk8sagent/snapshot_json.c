/* SPDX-License-Identifier: MIT */
/* The snapshot as JSON (shape documented in docs/snapshot.md). Field names are stable: the
 * UI, the bindings and `k8sagent snapshot -o json` read them. */
#include "internal.h"
#include "snapshot_internal.h"
#include "redact_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct jw {
	int nomem;
} jw;

static json_object *chk(jw *w, json_object *o)
{
	if (!o)
		w->nomem = 1;
	return o;
}

static void put(jw *w, json_object *obj, const char *k, json_object *v)
{
	if (!obj || json_object_object_add(obj, k, v) != 0) {
		json_object_put(v);
		w->nomem = 1;
	}
}

static void put_str(jw *w, json_object *obj, const char *k, const char *s)
{
	put(w, obj, k, s ? chk(w, json_object_new_string(s)) : NULL);
}

static void put_int(jw *w, json_object *obj, const char *k, int64_t v)
{
	put(w, obj, k, chk(w, json_object_new_int64(v)));
}

static void put_bool(jw *w, json_object *obj, const char *k, int v)
{
	put(w, obj, k, chk(w, json_object_new_boolean(v ? 1 : 0)));
}

static void put_time(jw *w, json_object *obj, const char *k, int64_t t)
{
	char buf[32];
	m_format_time(t, buf);
	put_str(w, obj, k, t ? buf : NULL);
}

static void push(jw *w, json_object *arr, json_object *v)
{
	if (!arr || json_object_array_add(arr, v) != 0) {
		json_object_put(v);
		w->nomem = 1;
	}
}

static json_object *kv_obj(jw *w, const m_kv *kv, unsigned n)
{
	json_object *o = chk(w, json_object_new_object());
	for (unsigned i = 0; i < n; i++)
		put_str(w, o, kv[i].k, kv[i].v);
	return o;
}

static json_object *conds_arr(jw *w, const m_cond *c, unsigned n)
{
	json_object *a = chk(w, json_object_new_array());
	for (unsigned i = 0; i < n; i++) {
		json_object *o = chk(w, json_object_new_object());
		put_str(w, o, "type", c[i].type);
		put_str(w, o, "status", c[i].status);
		put_str(w, o, "reason", c[i].reason);
		put_str(w, o, "message", c[i].message);
		put_time(w, o, "last_transition", c[i].last_transition);
		push(w, a, o);
	}
	return a;
}

static json_object *meta_obj(jw *w, const m_meta *m)
{
	json_object *o = chk(w, json_object_new_object());
	if (m->ns)
		put_str(w, o, "namespace", m->ns);
	put_str(w, o, "name", m->name);
	put_str(w, o, "uid", m->uid);
	put(w, o, "labels", kv_obj(w, m->labels, m->nlabels));
	const m_owner *ow = m_controller(m);
	if (ow) {
		json_object *x = chk(w, json_object_new_object());
		put_str(w, x, "kind", ow->kind);
		put_str(w, x, "name", ow->name);
		put(w, o, "owner", x);
	} else {
		put(w, o, "owner", NULL);
	}
	put_time(w, o, "created", m->created);
	if (m->deleted)
		put_time(w, o, "deleted", m->deleted);
	return o;
}

static json_object *state_obj(jw *w, const m_state *s)
{
	static const char *const kinds[] = {NULL, "waiting", "running", "terminated"};
	if (s->kind == M_STATE_NONE)
		return NULL;
	json_object *o = chk(w, json_object_new_object());
	put_str(w, o, "kind", kinds[s->kind]);
	if (s->reason)
		put_str(w, o, "reason", s->reason);
	if (s->message)
		put_str(w, o, "message", s->message);
	if (s->kind == M_STATE_TERMINATED) {
		put_int(w, o, "exit_code", s->exit_code);
		if (s->signal)
			put_int(w, o, "signal", s->signal);
		put_time(w, o, "finished", s->finished);
	}
	if (s->started)
		put_time(w, o, "started", s->started);
	return o;
}

static json_object *res_obj(jw *w, const char *cpu, const char *mem)
{
	json_object *o = chk(w, json_object_new_object());
	if (cpu)
		put_str(w, o, "cpu", cpu);
	if (mem)
		put_str(w, o, "memory", mem);
	return o;
}

static json_object *container_obj(jw *w, const m_pod *p, const m_container *c, int init)
{
	json_object *o = chk(w, json_object_new_object());
	put_str(w, o, "name", c->name);
	put_str(w, o, "image", c->image);
	put_bool(w, o, "init", init);
	put(w, o, "requests", res_obj(w, c->req_cpu, c->req_mem));
	put(w, o, "limits", res_obj(w, c->lim_cpu, c->lim_mem));
	json_object *env = chk(w, json_object_new_array());
	for (unsigned i = 0; i < c->nenv; i++)
		push(w, env, chk(w, json_object_new_string(c->env_names[i])));
	put(w, o, "env", env);
	json_object *refs = chk(w, json_object_new_array());
	for (unsigned i = 0; i < c->nrefs; i++) {
		json_object *r = chk(w, json_object_new_object());
		put_str(w, r, "env", c->refs[i].env);
		put_str(w, r, "kind", c->refs[i].kind);
		put_str(w, r, "name", c->refs[i].name);
		put_str(w, r, "key", c->refs[i].key);
		put_bool(w, r, "optional", c->refs[i].optional);
		push(w, refs, r);
	}
	put(w, o, "env_refs", refs);
	json_object *pr = chk(w, json_object_new_object());
	if (c->liveness.present)
		put_str(w, pr, "liveness", c->liveness.summary);
	if (c->readiness.present)
		put_str(w, pr, "readiness", c->readiness.summary);
	if (c->startup.present)
		put_str(w, pr, "startup", c->startup.summary);
	put(w, o, "probes", pr);
	const m_cstatus *cs = NULL;
	const m_cstatus *arr = init ? p->init_statuses : p->statuses;
	unsigned n = init ? p->ninit_statuses : p->nstatuses;
	for (unsigned i = 0; i < n; i++)
		if (arr[i].name && c->name && strcmp(arr[i].name, c->name) == 0)
			cs = &arr[i];
	if (cs) {
		json_object *s = chk(w, json_object_new_object());
		put_bool(w, s, "ready", cs->ready);
		put_bool(w, s, "started", cs->started);
		put_int(w, s, "restarts", cs->restarts);
		put(w, s, "state", state_obj(w, &cs->state));
		put(w, s, "last_state", state_obj(w, &cs->last));
		put(w, o, "status", s);
	} else {
		put(w, o, "status", NULL);
	}
	const m_log *cur = m_pod_log(p, c->name, 0), *prev = m_pod_log(p, c->name, 1);
	if (cur || prev) {
		json_object *l = chk(w, json_object_new_object());
		if (cur)
			put_str(w, l, "current", cur->text);
		if (prev)
			put_str(w, l, "previous", prev->text);
		put_bool(w, l, "truncated", (cur && cur->truncated) || (prev && prev->truncated));
		put(w, o, "logs", l);
	}
	return o;
}

static json_object *pod_obj(jw *w, const m_pod *p)
{
	json_object *o = meta_obj(w, &p->meta);
	put_str(w, o, "phase", p->phase);
	put_str(w, o, "reason", p->reason);
	put_str(w, o, "message", p->message);
	put_str(w, o, "node", p->node);
	put_str(w, o, "qos", p->qos);
	put(w, o, "conditions", conds_arr(w, p->conds, p->nconds));
	json_object *cs = chk(w, json_object_new_array());
	for (unsigned i = 0; i < p->ninits; i++)
		push(w, cs, container_obj(w, p, &p->inits[i], 1));
	for (unsigned i = 0; i < p->ncontainers; i++)
		push(w, cs, container_obj(w, p, &p->containers[i], 0));
	put(w, o, "containers", cs);
	json_object *vs = chk(w, json_object_new_array());
	for (unsigned i = 0; i < p->nvolumes; i++) {
		json_object *v = chk(w, json_object_new_object());
		put_str(w, v, "name", p->volumes[i].name);
		put_str(w, v, "kind", p->volumes[i].kind);
		put_str(w, v, "ref", p->volumes[i].ref);
		push(w, vs, v);
	}
	put(w, o, "volumes", vs);
	return o;
}

static json_object *event_obj(jw *w, const m_event *e)
{
	json_object *o = chk(w, json_object_new_object());
	put_str(w, o, "kind", e->kind);
	put_str(w, o, "namespace", e->ns);
	put_str(w, o, "name", e->name);
	put_str(w, o, "type", e->type);
	put_str(w, o, "reason", e->reason);
	put_str(w, o, "message", e->message);
	put_int(w, o, "count", e->count);
	put_time(w, o, "first", e->first);
	put_time(w, o, "last", e->last);
	put_str(w, o, "source", e->source);
	if (e->field_path)
		put_str(w, o, "field_path", e->field_path);
	return o;
}

static json_object *workload_obj(jw *w, const m_workload *x)
{
	json_object *o = meta_obj(w, &x->meta);
	put_int(w, o, "desired", x->desired);
	put_int(w, o, "current", x->current);
	put_int(w, o, "ready", x->ready);
	put_int(w, o, "available", x->available);
	put_int(w, o, "updated", x->updated);
	put_int(w, o, "unavailable", x->unavailable);
	if (x->wkind == M_WL_DAEMONSET)
		put_int(w, o, "misscheduled", x->misscheduled);
	put_bool(w, o, "paused", x->paused);
	put(w, o, "selector", kv_obj(w, x->selector, x->nselector));
	put(w, o, "conditions", conds_arr(w, x->conds, x->nconds));
	return o;
}

static json_object *job_obj(jw *w, const m_job *j)
{
	json_object *o = meta_obj(w, &j->meta);
	put_int(w, o, "completions", j->completions);
	put_int(w, o, "parallelism", j->parallelism);
	put_int(w, o, "backoff_limit", j->backoff_limit);
	if (j->active_deadline)
		put_int(w, o, "active_deadline_seconds", j->active_deadline);
	put_int(w, o, "active", j->active);
	put_int(w, o, "succeeded", j->succeeded);
	put_int(w, o, "failed", j->failed);
	put_bool(w, o, "suspend", j->suspend);
	put_time(w, o, "start_time", j->start_time);
	put_time(w, o, "completion_time", j->completion_time);
	put(w, o, "conditions", conds_arr(w, j->conds, j->nconds));
	return o;
}

static json_object *cronjob_obj(jw *w, const m_cronjob *c)
{
	json_object *o = meta_obj(w, &c->meta);
	put_str(w, o, "schedule", c->schedule);
	put_bool(w, o, "suspend", c->suspend);
	put_int(w, o, "active", c->nactive);
	put_time(w, o, "last_schedule", c->last_schedule);
	put_time(w, o, "last_success", c->last_success);
	return o;
}

static json_object *service_obj(jw *w, const m_service *s)
{
	json_object *o = meta_obj(w, &s->meta);
	put_str(w, o, "type", s->type);
	put(w, o, "selector", kv_obj(w, s->selector, s->nselector));
	json_object *ps = chk(w, json_object_new_array());
	for (unsigned i = 0; i < s->nports; i++) {
		json_object *p = chk(w, json_object_new_object());
		put_str(w, p, "name", s->ports[i].name);
		put_int(w, p, "port", s->ports[i].port);
		put_str(w, p, "target_port", s->ports[i].target);
		put_str(w, p, "protocol", s->ports[i].protocol);
		push(w, ps, p);
	}
	put(w, o, "ports", ps);
	return o;
}

static json_object *endpoints_obj(jw *w, const m_endpoints *e)
{
	json_object *o = meta_obj(w, &e->meta);
	put_int(w, o, "ready", e->ready);
	put_int(w, o, "not_ready", e->not_ready);
	json_object *a = chk(w, json_object_new_array());
	for (unsigned i = 0; i < e->nnot_ready_pods; i++)
		push(w, a, chk(w, json_object_new_string(e->not_ready_pods[i])));
	put(w, o, "not_ready_pods", a);
	return o;
}

static json_object *pvc_obj(jw *w, const m_pvc *c)
{
	json_object *o = meta_obj(w, &c->meta);
	put_str(w, o, "phase", c->phase);
	put_str(w, o, "storage_class", c->storage_class);
	put_str(w, o, "volume", c->volume_name);
	put_str(w, o, "request", c->request);
	return o;
}

static json_object *pv_obj(jw *w, const m_pv *v)
{
	json_object *o = meta_obj(w, &v->meta);
	put_str(w, o, "phase", v->phase);
	put_str(w, o, "storage_class", v->storage_class);
	put_str(w, o, "claim_namespace", v->claim_ns);
	put_str(w, o, "claim", v->claim_name);
	put_str(w, o, "reason", v->reason);
	put_str(w, o, "message", v->message);
	return o;
}

static json_object *configmap_obj(jw *w, const m_configmap *c)
{
	json_object *o = meta_obj(w, &c->meta);
	json_object *a = chk(w, json_object_new_array());
	for (unsigned i = 0; i < c->nkeys; i++)
		push(w, a, chk(w, json_object_new_string(c->keys[i])));
	put(w, o, "keys", a);
	return o;
}

static json_object *ingress_obj(jw *w, const m_ingress *g)
{
	json_object *o = meta_obj(w, &g->meta);
	put_str(w, o, "class", g->class_name);
	json_object *a = chk(w, json_object_new_array());
	for (unsigned i = 0; i < g->nbackends; i++) {
		const m_backend *b = &g->backends[i];
		json_object *x = chk(w, json_object_new_object());
		put_str(w, x, "host", b->host);
		put_str(w, x, "path", b->path);
		put_str(w, x, "service", b->service);
		if (b->port_name)
			put_str(w, x, "port", b->port_name);
		else
			put_int(w, x, "port", b->port);
		push(w, a, x);
	}
	put(w, o, "backends", a);
	return o;
}

static json_object *hpa_obj(jw *w, const m_hpa *h)
{
	json_object *o = meta_obj(w, &h->meta);
	put_str(w, o, "target_kind", h->target_kind);
	put_str(w, o, "target_name", h->target_name);
	put_int(w, o, "min", h->min);
	put_int(w, o, "max", h->max);
	put_int(w, o, "current", h->current);
	put_int(w, o, "desired", h->desired);
	put(w, o, "conditions", conds_arr(w, h->conds, h->nconds));
	return o;
}

static json_object *quota_obj(jw *w, const m_quota *q)
{
	json_object *o = meta_obj(w, &q->meta);
	json_object *hard = chk(w, json_object_new_object()), *used = chk(w, json_object_new_object());
	for (unsigned i = 0; i < q->nitems; i++) {
		put_str(w, hard, q->items[i].resource, q->items[i].hard);
		put_str(w, used, q->items[i].resource, q->items[i].used);
	}
	put(w, o, "hard", hard);
	put(w, o, "used", used);
	return o;
}

static json_object *node_obj(jw *w, const m_node *n)
{
	json_object *o = meta_obj(w, &n->meta);
	put_bool(w, o, "unschedulable", n->unschedulable);
	json_object *t = chk(w, json_object_new_array());
	for (unsigned i = 0; i < n->ntaints; i++) {
		char buf[512];
		snprintf(buf, sizeof(buf), "%s%s%s:%s", n->taints[i].key ? n->taints[i].key : "",
			 n->taints[i].value ? "=" : "", n->taints[i].value ? n->taints[i].value : "",
			 n->taints[i].effect ? n->taints[i].effect : "");
		push(w, t, chk(w, json_object_new_string(buf)));
	}
	put(w, o, "taints", t);
	json_object *al = chk(w, json_object_new_object());
	if (n->alloc_cpu)
		put_str(w, al, "cpu", n->alloc_cpu);
	if (n->alloc_mem)
		put_str(w, al, "memory", n->alloc_mem);
	if (n->alloc_pods)
		put_str(w, al, "pods", n->alloc_pods);
	put(w, o, "allocatable", al);
	put(w, o, "conditions", conds_arr(w, n->conds, n->nconds));
	return o;
}

#define LIST(key, vec, fn)                                                                       \
	do {                                                                                     \
		json_object *a_ = chk(&w, json_object_new_array());                              \
		for (size_t i_ = 0; i_ < (vec).n; i_++)                                          \
			push(&w, a_, fn(&w, &(vec).v[i_]));                                      \
		put(&w, root, key, a_);                                                          \
	} while (0)

K8SA_EXPORT k8sa_status k8sa_snapshot_to_json(const k8sa_snapshot *snap, char **out, k8sa_error *err)
{
	if (!snap || !out)
		return k8sa_fail(err, K8SA_E_INVALID_ARG, "snapshot and out are required");
	*out = NULL;
	jw w = {0};
	const m_model *m = &snap->m;
	json_object *root = chk(&w, json_object_new_object());
	put_str(&w, root, "namespace", snap->ns);
	put_time(&w, root, "taken_at", snap->taken_at);
	put_time(&w, root, "cluster_time", m->ref_time);

	static const k8sa_resource order[] = {
		K8SA_RES_NODES, K8SA_RES_PERSISTENTVOLUMES, K8SA_RES_PODS, K8SA_RES_EVENTS,
		K8SA_RES_DEPLOYMENTS, K8SA_RES_REPLICASETS, K8SA_RES_STATEFULSETS, K8SA_RES_DAEMONSETS,
		K8SA_RES_JOBS, K8SA_RES_CRONJOBS, K8SA_RES_SERVICES, K8SA_RES_ENDPOINTS, K8SA_RES_PVCS,
		K8SA_RES_CONFIGMAPS, K8SA_RES_INGRESSES, K8SA_RES_HPAS, K8SA_RES_RESOURCEQUOTAS,
	};
	json_object *counts = chk(&w, json_object_new_object());
	for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++)
		put_int(&w, counts, k8sa_snap_resource_name(order[i]), (int64_t)k8sa_snapshot_count(snap, order[i]));
	put_int(&w, counts, "logs", (int64_t)snap->nlogs);
	put(&w, root, "counts", counts);

	json_object *gaps = chk(&w, json_object_new_array());
	for (size_t i = 0; i < snap->ngaps; i++)
		push(&w, gaps, chk(&w, json_object_new_string(snap->gaps[i])));
	put(&w, root, "gaps", gaps);
	put_bool(&w, root, "complete", snap->core_gaps == 0);

	json_object *cut = chk(&w, json_object_new_array());
	char buf[256];
	if (m->pods_omitted) {
		snprintf(buf, sizeof(buf), "pods: %zu more omitted (healthy pods first; bound %zu)", m->pods_omitted,
			 m->max_pods);
		push(&w, cut, chk(&w, json_object_new_string(buf)));
	}
	if (m->events_omitted) {
		snprintf(buf, sizeof(buf), "events: %zu more omitted (newest %zu kept)", m->events_omitted, m->max_events);
		push(&w, cut, chk(&w, json_object_new_string(buf)));
	}
	if (snap->logs_skipped) {
		snprintf(buf, sizeof(buf), "logs: %zu unhealthy containers' logs not fetched (total log bound)",
			 snap->logs_skipped);
		push(&w, cut, chk(&w, json_object_new_string(buf)));
	}
	put(&w, root, "truncated", cut);

	LIST("nodes", m->nodes, node_obj);
	LIST("persistentvolumes", m->pvs, pv_obj);
	LIST("pods", m->pods, pod_obj);
	LIST("events", m->events, event_obj);
	static const char *const wl_keys[] = {"deployments", "replicasets", "statefulsets", "daemonsets"};
	json_object *wl[4];
	for (int k = 0; k < 4; k++)
		wl[k] = chk(&w, json_object_new_array());
	for (size_t i = 0; i < m->workloads.n; i++)
		push(&w, wl[m->workloads.v[i].wkind], workload_obj(&w, &m->workloads.v[i]));
	for (int k = 0; k < 4; k++)
		put(&w, root, wl_keys[k], wl[k]);
	LIST("jobs", m->jobs, job_obj);
	LIST("cronjobs", m->cronjobs, cronjob_obj);
	LIST("services", m->services, service_obj);
	LIST("endpoints", m->endpoints, endpoints_obj);
	LIST("persistentvolumeclaims", m->pvcs, pvc_obj);
	LIST("configmaps", m->configmaps, configmap_obj);
	LIST("ingresses", m->ingresses, ingress_obj);
	LIST("horizontalpodautoscalers", m->hpas, hpa_obj);
	LIST("resourcequotas", m->quotas, quota_obj);

	/* Logs, env values, annotations, messages: scrubbed like the prompt, for every consumer. */
	if (!w.nomem && k8sa_redact_json_object(NULL, root) < 0)
		w.nomem = 1;
	if (!w.nomem) {
		const char *s = json_object_to_json_string_ext(root, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
		*out = s ? strdup(s) : NULL;
	}
	json_object_put(root);
	return *out ? K8SA_OK : k8sa_fail(err, K8SA_E_NOMEM, "out of memory");
}
