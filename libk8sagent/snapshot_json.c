/* SPDX-License-Identifier: MIT */
/* The snapshot as JSON (shape documented in docs/snapshot.md). Field names are stable: the
 * UI, the bindings and `k8sagent snapshot -o json` read them. */
#include "internal.h"
#include "snapshot_internal.h"
#include "redact_internal.h"

#include <stdarg.h>
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

/* Add members to o as fmt says: "key:T key:T ...", one argument each, in order:
 *   s  string (NULL: null)          S  string, left out when NULL
 *   i  int64_t                      I  int64_t, left out when 0
 *   t  time (int64_t epoch; 0: null) T  time, left out when 0
 *   b  int, as a boolean            o  json_object * (taken; NULL: null) */
static void pack(jw *w, json_object *o, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	for (const char *p = fmt; *p;) {
		char key[64];
		size_t kl = strcspn(p, ":");
		if (!p[kl] || kl >= sizeof(key))
			break;
		memcpy(key, p, kl);
		key[kl] = '\0';
		char type = p[kl + 1];
		p += kl + 2;
		p += strspn(p, " ");
		switch (type) {
		case 's':
		case 'S': {
			const char *s = va_arg(ap, const char *);
			if (s || type == 's')
				put_str(w, o, key, s);
			break;
		}
		case 'i':
		case 'I':
		case 't':
		case 'T': {
			int64_t v = va_arg(ap, int64_t);
			if (v == 0 && (type == 'I' || type == 'T'))
				break;
			if (type == 'i' || type == 'I')
				put_int(w, o, key, v);
			else
				put_time(w, o, key, v);
			break;
		}
		case 'b':
			put_bool(w, o, key, va_arg(ap, int));
			break;
		case 'o':
			put(w, o, key, va_arg(ap, json_object *));
			break;
		}
	}
	va_end(ap);
}

static json_object *str_arr(jw *w, const char *const *v, size_t n)
{
	json_object *a = chk(w, json_object_new_array());
	for (size_t i = 0; i < n; i++)
		push(w, a, chk(w, json_object_new_string(v[i])));
	return a;
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
		pack(w, o, "type:s status:s reason:s message:s last_transition:t", c[i].type, c[i].status, c[i].reason,
		     c[i].message, c[i].last_transition);
		push(w, a, o);
	}
	return a;
}

static json_object *meta_obj(jw *w, const m_meta *m)
{
	json_object *o = chk(w, json_object_new_object());
	const m_owner *ow = m_controller(m);
	json_object *owner = NULL;
	if (ow) {
		owner = chk(w, json_object_new_object());
		pack(w, owner, "kind:s name:s", ow->kind, ow->name);
	}
	pack(w, o, "namespace:S name:s uid:s labels:o owner:o created:t deleted:T", m->ns, m->name, m->uid,
	     kv_obj(w, m->labels, m->nlabels), owner, m->created, m->deleted);
	return o;
}

static json_object *state_obj(jw *w, const m_state *s)
{
	static const char *const kinds[] = {NULL, "waiting", "running", "terminated"};
	if (s->kind == M_STATE_NONE)
		return NULL;
	json_object *o = chk(w, json_object_new_object());
	pack(w, o, "kind:s reason:S message:S", kinds[s->kind], s->reason, s->message);
	if (s->kind == M_STATE_TERMINATED)
		pack(w, o, "exit_code:i signal:I finished:t", s->exit_code, s->signal, s->finished);
	pack(w, o, "started:T", s->started);
	return o;
}

static json_object *res_obj(jw *w, const char *cpu, const char *mem)
{
	json_object *o = chk(w, json_object_new_object());
	pack(w, o, "cpu:S memory:S", cpu, mem);
	return o;
}

static json_object *container_obj(jw *w, const m_pod *p, const m_container *c, int init)
{
	json_object *o = chk(w, json_object_new_object());
	json_object *refs = chk(w, json_object_new_array());
	for (unsigned i = 0; i < c->nrefs; i++) {
		json_object *r = chk(w, json_object_new_object());
		pack(w, r, "env:s kind:s name:s key:s optional:b", c->refs[i].env, c->refs[i].kind, c->refs[i].name,
		     c->refs[i].key, c->refs[i].optional);
		push(w, refs, r);
	}
	json_object *pr = chk(w, json_object_new_object());
	pack(w, pr, "liveness:S readiness:S startup:S", c->liveness.present ? c->liveness.summary : NULL,
	     c->readiness.present ? c->readiness.summary : NULL, c->startup.present ? c->startup.summary : NULL);
	pack(w, o, "name:s image:s init:b requests:o limits:o env:o env_refs:o probes:o", c->name, c->image, init,
	     res_obj(w, c->req_cpu, c->req_mem), res_obj(w, c->lim_cpu, c->lim_mem),
	     str_arr(w, c->env_names, c->nenv), refs, pr);
	const m_cstatus *cs = NULL;
	const m_cstatus *arr = init ? p->init_statuses : p->statuses;
	unsigned n = init ? p->ninit_statuses : p->nstatuses;
	for (unsigned i = 0; i < n; i++)
		if (arr[i].name && c->name && strcmp(arr[i].name, c->name) == 0)
			cs = &arr[i];
	json_object *s = NULL;
	if (cs) {
		s = chk(w, json_object_new_object());
		pack(w, s, "ready:b started:b restarts:i state:o last_state:o", cs->ready, cs->started, cs->restarts,
		     state_obj(w, &cs->state), state_obj(w, &cs->last));
	}
	pack(w, o, "status:o", s);
	const m_log *cur = m_pod_log(p, c->name, 0), *prev = m_pod_log(p, c->name, 1);
	if (cur || prev) {
		json_object *l = chk(w, json_object_new_object());
		pack(w, l, "current:S previous:S truncated:b", cur ? cur->text : NULL, prev ? prev->text : NULL,
		     (cur && cur->truncated) || (prev && prev->truncated));
		pack(w, o, "logs:o", l);
	}
	return o;
}

static json_object *pod_obj(jw *w, const m_pod *p)
{
	json_object *o = meta_obj(w, &p->meta);
	json_object *cs = chk(w, json_object_new_array());
	for (unsigned i = 0; i < p->ninits; i++)
		push(w, cs, container_obj(w, p, &p->inits[i], 1));
	for (unsigned i = 0; i < p->ncontainers; i++)
		push(w, cs, container_obj(w, p, &p->containers[i], 0));
	json_object *vs = chk(w, json_object_new_array());
	for (unsigned i = 0; i < p->nvolumes; i++) {
		json_object *v = chk(w, json_object_new_object());
		pack(w, v, "name:s kind:s ref:s", p->volumes[i].name, p->volumes[i].kind, p->volumes[i].ref);
		push(w, vs, v);
	}
	pack(w, o, "phase:s reason:s message:s node:s qos:s conditions:o containers:o volumes:o", p->phase, p->reason,
	     p->message, p->node, p->qos, conds_arr(w, p->conds, p->nconds), cs, vs);
	return o;
}

static json_object *event_obj(jw *w, const m_event *e)
{
	json_object *o = chk(w, json_object_new_object());
	pack(w, o, "kind:s namespace:s name:s type:s reason:s message:s count:i first:t last:t source:s field_path:S",
	     e->kind, e->ns, e->name, e->type, e->reason, e->message, e->count, e->first, e->last, e->source,
	     e->field_path);
	return o;
}

static json_object *workload_obj(jw *w, const m_workload *x)
{
	json_object *o = meta_obj(w, &x->meta);
	pack(w, o, "desired:i current:i ready:i available:i updated:i unavailable:i", x->desired, x->current, x->ready,
	     x->available, x->updated, x->unavailable);
	if (x->wkind == M_WL_DAEMONSET)
		pack(w, o, "misscheduled:i", x->misscheduled);
	pack(w, o, "paused:b selector:o conditions:o", x->paused, kv_obj(w, x->selector, x->nselector),
	     conds_arr(w, x->conds, x->nconds));
	return o;
}

static json_object *job_obj(jw *w, const m_job *j)
{
	json_object *o = meta_obj(w, &j->meta);
	pack(w, o,
	     "completions:i parallelism:i backoff_limit:i active_deadline_seconds:I active:i succeeded:i failed:i "
	     "suspend:b start_time:t completion_time:t conditions:o",
	     j->completions, j->parallelism, j->backoff_limit, j->active_deadline, j->active, j->succeeded, j->failed,
	     j->suspend, j->start_time, j->completion_time, conds_arr(w, j->conds, j->nconds));
	return o;
}

static json_object *cronjob_obj(jw *w, const m_cronjob *c)
{
	json_object *o = meta_obj(w, &c->meta);
	pack(w, o, "schedule:s suspend:b active:i last_schedule:t last_success:t", c->schedule, c->suspend,
	     (int64_t)c->nactive, c->last_schedule, c->last_success);
	return o;
}

static json_object *service_obj(jw *w, const m_service *s)
{
	json_object *o = meta_obj(w, &s->meta);
	json_object *ps = chk(w, json_object_new_array());
	for (unsigned i = 0; i < s->nports; i++) {
		json_object *p = chk(w, json_object_new_object());
		pack(w, p, "name:s port:i target_port:s protocol:s", s->ports[i].name, s->ports[i].port, s->ports[i].target,
		     s->ports[i].protocol);
		push(w, ps, p);
	}
	pack(w, o, "type:s selector:o ports:o", s->type, kv_obj(w, s->selector, s->nselector), ps);
	return o;
}

static json_object *endpoints_obj(jw *w, const m_endpoints *e)
{
	json_object *o = meta_obj(w, &e->meta);
	pack(w, o, "ready:i not_ready:i not_ready_pods:o", e->ready, e->not_ready,
	     str_arr(w, e->not_ready_pods, e->nnot_ready_pods));
	return o;
}

static json_object *pvc_obj(jw *w, const m_pvc *c)
{
	json_object *o = meta_obj(w, &c->meta);
	pack(w, o, "phase:s storage_class:s volume:s request:s", c->phase, c->storage_class, c->volume_name, c->request);
	return o;
}

static json_object *pv_obj(jw *w, const m_pv *v)
{
	json_object *o = meta_obj(w, &v->meta);
	pack(w, o, "phase:s storage_class:s claim_namespace:s claim:s reason:s message:s", v->phase, v->storage_class,
	     v->claim_ns, v->claim_name, v->reason, v->message);
	return o;
}

static json_object *configmap_obj(jw *w, const m_configmap *c)
{
	json_object *o = meta_obj(w, &c->meta);
	pack(w, o, "keys:o", str_arr(w, c->keys, c->nkeys));
	return o;
}

static json_object *ingress_obj(jw *w, const m_ingress *g)
{
	json_object *o = meta_obj(w, &g->meta);
	json_object *a = chk(w, json_object_new_array());
	for (unsigned i = 0; i < g->nbackends; i++) {
		const m_backend *b = &g->backends[i];
		json_object *x = chk(w, json_object_new_object());
		pack(w, x, "host:s path:s service:s", b->host, b->path, b->service);
		if (b->port_name)
			put_str(w, x, "port", b->port_name);
		else
			put_int(w, x, "port", b->port);
		push(w, a, x);
	}
	pack(w, o, "class:s backends:o", g->class_name, a);
	return o;
}

static json_object *hpa_obj(jw *w, const m_hpa *h)
{
	json_object *o = meta_obj(w, &h->meta);
	pack(w, o, "target_kind:s target_name:s min:i max:i current:i desired:i conditions:o", h->target_kind,
	     h->target_name, h->min, h->max, h->current, h->desired, conds_arr(w, h->conds, h->nconds));
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
	pack(w, o, "hard:o used:o", hard, used);
	return o;
}

static json_object *node_obj(jw *w, const m_node *n)
{
	json_object *o = meta_obj(w, &n->meta);
	json_object *t = chk(w, json_object_new_array());
	for (unsigned i = 0; i < n->ntaints; i++) {
		char buf[512];
		snprintf(buf, sizeof(buf), "%s%s%s:%s", n->taints[i].key ? n->taints[i].key : "",
			 n->taints[i].value ? "=" : "", n->taints[i].value ? n->taints[i].value : "",
			 n->taints[i].effect ? n->taints[i].effect : "");
		push(w, t, chk(w, json_object_new_string(buf)));
	}
	json_object *al = chk(w, json_object_new_object());
	pack(w, al, "cpu:S memory:S pods:S", n->alloc_cpu, n->alloc_mem, n->alloc_pods);
	pack(w, o, "unschedulable:b taints:o allocatable:o conditions:o", n->unschedulable, t, al,
	     conds_arr(w, n->conds, n->nconds));
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

	put(&w, root, "gaps", str_arr(&w, (const char *const *)snap->gaps, snap->ngaps));
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
