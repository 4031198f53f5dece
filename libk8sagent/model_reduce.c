/* SPDX-License-Identifier: MIT */
/* The compact cluster model: one reducer per resource, the event dedupe and bound,
 * and the model's life cycle (add, drop, finish, free). */
#include "model_internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- pods ----------------------------------------------------------------------------- */

/* Cheap look at the raw item: is it a pod nobody needs to look at closer? Used before the
 * reduction so healthy pods over the bound cost nothing. */
static int pod_json_healthy(jv *item)
{
	jv *st = jo(item, "status");
	if (js(jo(item, "metadata"), "deletionTimestamp"))
		return 0;
	const char *phase = js(st, "phase");
	if (phase && strcmp(phase, "Succeeded") == 0)
		return 1;
	if (!phase || strcmp(phase, "Running") != 0)
		return 0;
	jv *cs = jo(st, "containerStatuses");
	size_t n = jlen(cs);
	if (!n)
		return 0;
	for (jv *c = jv_first(cs); c; c = jv_next(cs, c)) {
		if (!jbool(c, "ready") || jint(c, "restartCount", 0) != 0)
			return 0;
	}
	return 1;
}

static k8sa_status red_pod(m_model *m, jv *item)
{
	int healthy = pod_json_healthy(item);
	size_t slot = (size_t)-1;
	if (m->max_pods && m->pods.n >= m->max_pods) {
		/* over the bound: healthy pods go first */
		if (healthy || !m->nhealthy) {
			m->pods_omitted++;
			return K8SA_OK;
		}
		slot = m->healthy_idx[--m->nhealthy];
		m->pods_omitted++;
	}
	m_pod p;
	memset(&p, 0, sizeof(p));
	k8sa_status st = m_red_meta(m, item, &p.meta);
	if (st)
		return st;
	if (!p.meta.name)
		return K8SA_OK;
	jv *spec = jo(item, "spec"), *status = jo(item, "status");
	p.healthy = healthy;
	m_strings(m, status, "phase reason message qosClass", &p.phase, &p.reason, &p.message, &p.qos);
	p.start_time = m_parse_time(js(status, "startTime"));
	m_strings(m, spec, "nodeName restartPolicy serviceAccountName", &p.node, &p.restart_policy, &p.service_account);
	p.grace = jint(spec, "terminationGracePeriodSeconds", -1);
	m->lean = healthy;
	if (!healthy && (st = m_red_sched(m, spec, &p)))
		return st;
	jv *ips = jo(spec, "imagePullSecrets");
	if (!healthy && jlen(ips)) { /* names only */
		char buf[256];
		size_t off = 0;
		buf[0] = 0;
		for (size_t i = 0; i < jlen(ips) && off < sizeof(buf); i++) {
			const char *n = js(jat(ips, i), "name");
			if (n)
				off += (size_t)snprintf(buf + off, sizeof(buf) - off, "%s%s", off ? ", " : "", n);
		}
		NOMEM_IF(!(p.pull_secrets = IN(m, buf)));
	}
	st = m_red_containers(m, jo(spec, "containers"), &p.containers, &p.ncontainers);
	if (!st)
		st = m_red_containers(m, jo(spec, "initContainers"), &p.inits, &p.ninits);
	m->lean = 0;
	if (st)
		return st;
	if ((st = m_red_conds(m, jo(status, "conditions"), &p.conds, &p.nconds)) ||
	    (st = m_red_statuses(m, jo(status, "containerStatuses"), &p.statuses, &p.nstatuses)) ||
	    (st = m_red_statuses(m, jo(status, "initContainerStatuses"), &p.init_statuses, &p.ninit_statuses)))
		return st;
	jv *vols = jo(spec, "volumes");
	NOMEM_IF(RED_ARRAY(m, vols, M_MAX_ARRAY, p.volumes, p.nvolumes));
	jv *v = jv_first(vols), *x;
	for (unsigned i = 0; i < p.nvolumes; i++, v = jv_next(vols, v)) {
		m_volume *mv = &p.volumes[i];
		mv->name = IN(m, js(v, "name"));
		if ((x = jo(v, "persistentVolumeClaim"))) {
			mv->kind = IN(m, "PersistentVolumeClaim");
			mv->ref = IN(m, js(x, "claimName"));
		} else if ((x = jo(v, "configMap"))) {
			mv->kind = IN(m, "ConfigMap");
			mv->ref = IN(m, js(x, "name"));
			mv->optional = jbool(x, "optional");
		} else if ((x = jo(v, "secret"))) {
			mv->kind = IN(m, "Secret");
			mv->ref = IN(m, js(x, "secretName"));
			mv->optional = jbool(x, "optional");
		} else {
			/* other volume types: keep the type name only */
			const char *type = "other";
			for (jv_iter it = jv_iter_start(v); jv_iter_next(&it);) {
				if (strcmp(it.key, "name") != 0) {
					type = it.key;
					break;
				}
			}
			mv->kind = IN(m, type);
		}
	}
	m_pod *dst;
	if (slot != (size_t)-1) {
		dst = &m->pods.v[slot];
	} else {
		dst = VPUSH(m->pods);
		NOMEM_IF(!dst);
		slot = m->pods.n - 1;
	}
	*dst = p;
	if (healthy) {
		if (m->nhealthy == m->healthy_cap) {
			size_t nc = m->healthy_cap ? m->healthy_cap * 2 : 64;
			size_t *n = realloc(m->healthy_idx, nc * sizeof(*n));
			NOMEM_IF(!n);
			m->healthy_idx = n;
			m->healthy_cap = nc;
		}
		m->healthy_idx[m->nhealthy++] = slot;
	}
	return K8SA_OK;
}

/* ---- events --------------------------------------------------------------------------- */

static uint64_t ev_hash(const m_event *e)
{
	/* strings are interned: their addresses identify them */
	uint64_t h = (uintptr_t)e->kind * 31 + (uintptr_t)e->ns;
	h = h * 1099511628211ULL + (uintptr_t)e->name;
	h = h * 1099511628211ULL + (uintptr_t)e->reason;
	h = h * 1099511628211ULL + (uintptr_t)e->message;
	return h ^ (h >> 29);
}

static int ev_same(const m_event *a, const m_event *b)
{
	return a->kind == b->kind && a->ns == b->ns && a->name == b->name && a->reason == b->reason &&
	       a->message == b->message;
}

static k8sa_status ev_rehash(m_model *m, size_t cap)
{
	size_t *tab = calloc(cap, sizeof(*tab));
	NOMEM_IF(!tab);
	for (size_t i = 0; i < m->events.n; i++) {
		size_t j = ev_hash(&m->events.v[i]) & (cap - 1);
		while (tab[j])
			j = (j + 1) & (cap - 1);
		tab[j] = i + 1;
	}
	free(m->ev_tab);
	m->ev_tab = tab;
	m->ev_tab_cap = cap;
	return K8SA_OK;
}

static int ev_newest_first(const void *a, const void *b)
{
	const m_event *x = a, *y = b;
	if (x->last != y->last)
		return x->last < y->last ? 1 : -1;
	/* warnings outrank normal events at the same time */
	int wx = x->type && strcmp(x->type, "Warning") == 0, wy = y->type && strcmp(y->type, "Warning") == 0;
	return wy - wx;
}

/* Keep the newest max_events (the collection keeps at most twice that in memory). */
static k8sa_status ev_prune(m_model *m, size_t keep)
{
	if (m->events.n <= keep)
		return K8SA_OK;
	qsort(m->events.v, m->events.n, sizeof(m_event), ev_newest_first);
	m->events_omitted += m->events.n - keep;
	m->events.n = keep;
	return ev_rehash(m, m->ev_tab_cap ? m->ev_tab_cap : 64);
}

static k8sa_status red_event(m_model *m, jv *item)
{
	m_event e;
	memset(&e, 0, sizeof(e));
	jv *io = jo(item, "involvedObject");
	int newapi = 0;
	if (!io) {
		io = jo(item, "regarding");
		newapi = 1;
	}
	e.kind = IN(m, js(io, "kind"));
	e.name = IN(m, js(io, "name"));
	e.ns = IN(m, js(io, "namespace"));
	if (!e.ns)
		e.ns = IN(m, js(jo(item, "metadata"), "namespace"));
	if (e.kind && strcmp(e.kind, "Node") == 0)
		e.ns = NULL; /* node events live in "default" but are about a cluster-scoped object */
	e.field_path = IN(m, js(io, "fieldPath"));
	e.reason = IN(m, js(item, "reason"));
	e.type = IN(m, js(item, "type"));
	const char *msg = js(item, "message");
	if (!msg)
		msg = js(item, "note");
	e.message = IN(m, msg ? msg : "");
	jv *series = jo(item, "series");
	e.count = jint(item, newapi ? "deprecatedCount" : "count", 0);
	if (series && jint(series, "count", 0) > e.count)
		e.count = jint(series, "count", 0);
	if (e.count < 1)
		e.count = 1;
	const char *ft = js(item, newapi ? "deprecatedFirstTimestamp" : "firstTimestamp");
	const char *lt = js(item, newapi ? "deprecatedLastTimestamp" : "lastTimestamp");
	e.last = m_parse_time(lt);
	if (!e.last)
		e.last = m_parse_time(js(series, "lastObservedTime"));
	if (!e.last)
		e.last = m_parse_time(js(item, "eventTime"));
	if (!e.last)
		e.last = m_parse_time(js(jo(item, "metadata"), "creationTimestamp"));
	e.first = m_parse_time(ft);
	if (!e.first)
		e.first = m_parse_time(js(item, "eventTime"));
	if (!e.first)
		e.first = e.last;
	see_time(m, e.last);
	const char *src = js(jo(item, "source"), "component");
	if (!src)
		src = js(item, "reportingComponent");
	if (!src)
		src = js(item, "reportingController");
	e.source = IN(m, src);
	if (!e.kind || !e.name || !e.reason)
		return K8SA_OK;

	if ((m->events.n + 1) * 2 > m->ev_tab_cap) {
		k8sa_status st = ev_rehash(m, m->ev_tab_cap ? m->ev_tab_cap * 2 : 64);
		if (st)
			return st;
	}
	size_t j = ev_hash(&e) & (m->ev_tab_cap - 1);
	while (m->ev_tab[j]) {
		m_event *o = &m->events.v[m->ev_tab[j] - 1];
		if (ev_same(o, &e)) {
			o->count = (o->count > INT64_MAX - e.count) ? INT64_MAX : o->count + e.count;
			if (e.first && (!o->first || e.first < o->first))
				o->first = e.first;
			if (e.last > o->last)
				o->last = e.last;
			m->events_merged++;
			return K8SA_OK;
		}
		j = (j + 1) & (m->ev_tab_cap - 1);
	}
	m_event *dst = VPUSH(m->events);
	NOMEM_IF(!dst);
	*dst = e;
	m->ev_tab[j] = m->events.n;
	if (m->max_events && m->events.n >= 2 * m->max_events)
		return ev_prune(m, m->max_events);
	return K8SA_OK;
}

/* ---- objects: metadata first, then the kind's own fields ------------------------------ */

/* Fills one element of a model list (metadata already reduced); arg: the workload kind. */
typedef k8sa_status (*fill_fn)(m_model *m, jv *item, void *obj, int arg);

/* Append an element, reduce the item's metadata into it, then fill the rest; an item
 * without a name is skipped (K8SA_OK), and nothing is kept on failure. */
static k8sa_status red_object(m_model *m, jv *item, void **v, size_t *n, size_t *cap, size_t elem,
			      size_t meta_off, fill_fn fill, int arg)
{
	char *obj = m_vec_push(v, n, cap, elem);
	NOMEM_IF(!obj);
	m_meta *meta = (m_meta *)(obj + meta_off);
	k8sa_status st = m_red_meta(m, item, meta);
	if (!st && meta->name)
		st = fill(m, item, obj, arg);
	if (st || !meta->name)
		(*n)--;
	return st;
}

#define RED(m, item, vec, T, fill, arg)                                                          \
	red_object(m, item, (void **)&(vec).v, &(vec).n, &(vec).cap, sizeof(T), offsetof(T, meta), fill, arg)

/* ---- workloads ------------------------------------------------------------------------ */

static k8sa_status fill_workload(m_model *m, jv *item, void *obj, int arg)
{
	m_workload *w = obj;
	m_wl_kind k = (m_wl_kind)arg;
	k8sa_status st;
	jv *spec = jo(item, "spec"), *status = jo(item, "status");
	w->wkind = k;
	w->generation = jint(jo(item, "metadata"), "generation", 0);
	w->observed_generation = jint(status, "observedGeneration", 0);
	w->paused = jbool(spec, "paused");
	w->service_name = IN(m, js(spec, "serviceName"));
	jv *vct = jo(spec, "volumeClaimTemplates");
	if (k == M_WL_STATEFULSET && jlen(vct)) {
		NOMEM_IF(RED_ARRAY(m, vct, 8, w->claim_classes, w->nclaim_classes));
		for (unsigned i = 0; i < w->nclaim_classes; i++) {
			jv *t = jat(vct, i);
			w->claim_classes[i].k = IN(m, js(jo(t, "metadata"), "name"));
			w->claim_classes[i].v = IN(m, js(jo(t, "spec"), "storageClassName"));
		}
	}
	w->service_account = IN(m, js(jo(jo(spec, "template"), "spec"), "serviceAccountName"));
	if (k == M_WL_DAEMONSET) {
		w->desired = jint(status, "desiredNumberScheduled", 0);
		w->current = jint(status, "currentNumberScheduled", 0);
		w->ready = jint(status, "numberReady", 0);
		w->available = jint(status, "numberAvailable", 0);
		w->updated = jint(status, "updatedNumberScheduled", 0);
		w->unavailable = jint(status, "numberUnavailable", 0);
		w->misscheduled = jint(status, "numberMisscheduled", 0);
	} else {
		w->desired = jint(spec, "replicas", 1);
		w->current = jint(status, "replicas", 0);
		w->ready = jint(status, "readyReplicas", 0);
		w->available = jint(status, "availableReplicas", k == M_WL_STATEFULSET ? w->ready : 0);
		w->updated = jint(status, "updatedReplicas", 0);
		w->unavailable = jint(status, "unavailableReplicas", 0);
	}
	if ((st = m_red_kv(m, jo(jo(spec, "selector"), "matchLabels"), &w->selector, &w->nselector, M_MAX_LABELS)) ||
	    (st = m_red_conds(m, jo(status, "conditions"), &w->conds, &w->nconds)))
		return st;
	return m_red_containers(m, jo(jo(jo(spec, "template"), "spec"), "containers"), &w->containers, &w->ncontainers);
}

static k8sa_status fill_job(m_model *m, jv *item, void *obj, int arg)
{
	m_job *j = obj;
	(void)arg;
	jv *spec = jo(item, "spec"), *status = jo(item, "status");
	j->completions = jint(spec, "completions", 1);
	j->parallelism = jint(spec, "parallelism", 1);
	j->backoff_limit = jint(spec, "backoffLimit", 6);
	j->active_deadline = jint(spec, "activeDeadlineSeconds", 0);
	j->suspend = jbool(spec, "suspend");
	j->active = jint(status, "active", 0);
	j->succeeded = jint(status, "succeeded", 0);
	j->failed = jint(status, "failed", 0);
	j->start_time = m_parse_time(js(status, "startTime"));
	j->completion_time = m_parse_time(js(status, "completionTime"));
	see_time(m, j->completion_time);
	return m_red_conds(m, jo(status, "conditions"), &j->conds, &j->nconds);
}

static k8sa_status fill_cronjob(m_model *m, jv *item, void *obj, int arg)
{
	m_cronjob *c = obj;
	(void)arg;
	jv *spec = jo(item, "spec"), *status = jo(item, "status");
	c->schedule = IN(m, js(spec, "schedule"));
	c->suspend = jbool(spec, "suspend");
	c->last_schedule = m_parse_time(js(status, "lastScheduleTime"));
	c->last_success = m_parse_time(js(status, "lastSuccessfulTime"));
	c->nactive = (unsigned)jlen(jo(status, "active"));
	return K8SA_OK;
}

/* ---- networking ----------------------------------------------------------------------- */

static k8sa_status fill_service(m_model *m, jv *item, void *obj, int arg)
{
	m_service *s = obj;
	k8sa_status st;
	(void)arg;
	jv *spec = jo(item, "spec");
	m_strings(m, spec, "type clusterIP externalName", &s->type, &s->cluster_ip, &s->external_name);
	if ((st = m_red_kv(m, jo(spec, "selector"), &s->selector, &s->nselector, M_MAX_LABELS)))
		return st;
	jv *ports = jo(spec, "ports");
	NOMEM_IF(RED_ARRAY(m, ports, M_MAX_ARRAY, s->ports, s->nports));
	jv *p = jv_first(ports);
	for (unsigned i = 0; i < s->nports; i++, p = jv_next(ports, p)) {
		s->ports[i].name = IN(m, js(p, "name"));
		s->ports[i].port = jint(p, "port", 0);
		s->ports[i].target = m_jscalar(m, p, "targetPort");
		s->ports[i].protocol = IN(m, js(p, "protocol"));
	}
	return K8SA_OK;
}

/* Copy n strings collected on the stack into the arena. */
static k8sa_status keep_strings(m_model *m, const char **v, unsigned n, const char ***out, unsigned *nout)
{
	if (!n)
		return K8SA_OK;
	*out = m_alloc(&m->arena, n * sizeof(*v));
	NOMEM_IF(!*out);
	memcpy(*out, v, n * sizeof(*v));
	*nout = n;
	return K8SA_OK;
}

static k8sa_status fill_endpoints(m_model *m, jv *item, void *obj, int arg)
{
	m_endpoints *e = obj;
	(void)arg;
	jv *subsets = jo(item, "subsets");
	const char *nr[8];
	unsigned nnr = 0;
	for (jv *s = jv_first(subsets); s; s = jv_next(subsets, s)) {
		e->ready += (int64_t)jlen(jo(s, "addresses"));
		jv *na = jo(s, "notReadyAddresses");
		size_t k = jlen(na);
		e->not_ready += (int64_t)k;
		jv *a = jv_first(na);
		for (size_t j = 0; j < k && nnr < 8; j++, a = jv_next(na, a)) {
			const char *pn = js(jo(a, "targetRef"), "name");
			if (pn)
				nr[nnr++] = IN(m, pn);
		}
	}
	return keep_strings(m, nr, nnr, &e->not_ready_pods, &e->nnot_ready_pods);
}

static k8sa_status add_backend(m_model *m, m_ingress *ing, jv *be, const char *host, const char *path)
{
	jv *svc = jo(be, "service");
	if (!svc || ing->nbackends >= M_MAX_ARRAY)
		return K8SA_OK;
	m_backend *b = &ing->backends[ing->nbackends++];
	b->host = IN(m, host);
	b->path = IN(m, path);
	b->service = IN(m, js(svc, "name"));
	jv *port = jo(svc, "port");
	b->port = jint(port, "number", 0);
	b->port_name = IN(m, js(port, "name"));
	return K8SA_OK;
}

static k8sa_status fill_ingress(m_model *m, jv *item, void *obj, int arg)
{
	m_ingress *g = obj;
	(void)arg;
	jv *spec = jo(item, "spec");
	g->class_name = IN(m, js(spec, "ingressClassName"));
	g->backends = m_alloc(&m->arena, M_MAX_ARRAY * sizeof(*g->backends));
	NOMEM_IF(!g->backends);
	if (jo(spec, "defaultBackend"))
		add_backend(m, g, jo(spec, "defaultBackend"), NULL, NULL);
	jv *rules = jo(spec, "rules");
	for (jv *r = jv_first(rules); r; r = jv_next(rules, r)) {
		jv *paths = jo(jo(r, "http"), "paths");
		for (jv *p = jv_first(paths); p; p = jv_next(paths, p)) {
			add_backend(m, g, jo(p, "backend"), js(r, "host"), js(p, "path"));
		}
	}
	return K8SA_OK;
}

/* ---- storage, config, autoscaling, quota, nodes ---------------------------------------- */

static k8sa_status fill_pvc(m_model *m, jv *item, void *obj, int arg)
{
	m_pvc *c = obj;
	(void)arg;
	jv *spec = jo(item, "spec");
	c->phase = IN(m, js(jo(item, "status"), "phase"));
	c->has_storage_class = jo(spec, "storageClassName") != NULL;
	c->storage_class = IN(m, js(spec, "storageClassName"));
	c->volume_name = IN(m, js(spec, "volumeName"));
	c->request = m_jscalar(m, jo(jo(spec, "resources"), "requests"), "storage");
	c->capacity = m_jscalar(m, jo(jo(item, "status"), "capacity"), "storage");
	return K8SA_OK;
}

static k8sa_status fill_pv(m_model *m, jv *item, void *obj, int arg)
{
	m_pv *v = obj;
	(void)arg;
	jv *spec = jo(item, "spec"), *status = jo(item, "status");
	m_strings(m, status, "phase reason message", &v->phase, &v->reason, &v->message);
	v->storage_class = IN(m, js(spec, "storageClassName"));
	m_strings(m, jo(spec, "claimRef"), "namespace name", &v->claim_ns, &v->claim_name);
	return K8SA_OK;
}

static k8sa_status fill_configmap(m_model *m, jv *item, void *obj, int arg)
{
	m_configmap *c = obj;
	(void)arg;
	/* keys only (the client already dropped the values; so does the disk loader here) */
	const char *keys[M_MAX_ARRAY];
	unsigned n = 0;
	static const char *const maps[2] = {"data", "binaryData"};
	for (int k = 0; k < 2; k++) {
		jv *d = jo(item, maps[k]);
		if (!d || d->type != JV_OBJ)
			continue;
		for (jv_iter it = jv_iter_start(d); n < M_MAX_ARRAY && jv_iter_next(&it);)
			keys[n++] = IN(m, it.key);
	}
	return keep_strings(m, keys, n, &c->keys, &c->nkeys);
}

static k8sa_status fill_hpa(m_model *m, jv *item, void *obj, int arg)
{
	m_hpa *h = obj;
	(void)arg;
	jv *spec = jo(item, "spec"), *status = jo(item, "status");
	m_strings(m, jo(spec, "scaleTargetRef"), "kind name", &h->target_kind, &h->target_name);
	h->min = jint(spec, "minReplicas", 1);
	h->max = jint(spec, "maxReplicas", 0);
	h->current = jint(status, "currentReplicas", 0);
	h->desired = jint(status, "desiredReplicas", 0);
	return m_red_conds(m, jo(status, "conditions"), &h->conds, &h->nconds);
}

static k8sa_status fill_quota(m_model *m, jv *item, void *obj, int arg)
{
	m_quota *q = obj;
	(void)arg;
	jv *status = jo(item, "status");
	jv *hard = jo(status, "hard"), *used = jo(status, "used");
	if (!hard)
		hard = jo(jo(item, "spec"), "hard");
	if (hard && hard->type == JV_OBJ) {
		q->items = m_alloc(&m->arena, M_MAX_ARRAY * sizeof(*q->items));
		NOMEM_IF(!q->items);
		for (jv_iter it = jv_iter_start(hard); q->nitems < M_MAX_ARRAY && jv_iter_next(&it);) {
			m_quota_item *qi = &q->items[q->nitems++];
			qi->resource = IN(m, it.key);
			qi->hard = it.val->type == JV_STR ? IN(m, it.val->s) : m_jscalar(m, hard, it.key);
			qi->used = m_jscalar(m, used, it.key);
		}
	}
	return K8SA_OK;
}

static k8sa_status fill_node(m_model *m, jv *item, void *obj, int arg)
{
	m_node *n = obj;
	(void)arg;
	jv *spec = jo(item, "spec"), *status = jo(item, "status");
	n->unschedulable = jbool(spec, "unschedulable");
	/* node labels are what selectors and affinities match: keep more of them */
	k8sa_status st = m_red_kv(m, jo(jo(item, "metadata"), "labels"), &n->meta.labels, &n->meta.nlabels, M_MAX_ARRAY);
	if (st)
		return st;
	jv *taints = jo(spec, "taints");
	NOMEM_IF(RED_ARRAY(m, taints, M_MAX_ARRAY, n->taints, n->ntaints));
	jv *t = jv_first(taints);
	for (unsigned i = 0; i < n->ntaints; i++, t = jv_next(taints, t)) {
		m_strings(m, t, "key value effect", &n->taints[i].key, &n->taints[i].value, &n->taints[i].effect);
	}
	jv *alloc = jo(status, "allocatable");
	n->alloc_cpu = m_jscalar(m, alloc, "cpu");
	n->alloc_mem = m_jscalar(m, alloc, "memory");
	n->alloc_pods = m_jscalar(m, alloc, "pods");
	return m_red_conds(m, jo(status, "conditions"), &n->conds, &n->nconds);
}

/* ---- policies and the objects only referred to by name ---------------------------------- */

static k8sa_status fill_netpol(m_model *m, jv *item, void *obj, int arg)
{
	m_netpol *np = obj;
	(void)arg;
	jv *spec = jo(item, "spec"), *sel = jo(spec, "podSelector");
	k8sa_status st = m_red_kv(m, jo(sel, "matchLabels"), &np->selector, &np->nselector, M_MAX_LABELS);
	if (st)
		return st;
	np->selector_exprs = jlen(jo(sel, "matchExpressions")) > 0;
	jv *types = jo(spec, "policyTypes"), *ingress = jo(spec, "ingress");
	size_t nt = jlen(types);
	for (size_t i = 0; i < nt; i++) {
		const char *t = jsv(jat(types, i));
		np->ingress |= t && strcmp(t, "Ingress") == 0;
		np->egress |= t && strcmp(t, "Egress") == 0;
	}
	if (!nt) /* policyTypes unset: Ingress always, Egress when there are egress rules */
		np->ingress = 1, np->egress = jo(spec, "egress") != NULL;
	np->ningress_rules = (unsigned)jlen(ingress);
	return K8SA_OK;
}

static k8sa_status fill_pdb(m_model *m, jv *item, void *obj, int arg)
{
	m_pdb *d = obj;
	(void)arg;
	jv *spec = jo(item, "spec"), *status = jo(item, "status");
	k8sa_status st = m_red_kv(m, jo(jo(spec, "selector"), "matchLabels"), &d->selector, &d->nselector, M_MAX_LABELS);
	if (st)
		return st;
	d->min_available = m_jscalar(m, spec, "minAvailable");
	d->max_unavailable = m_jscalar(m, spec, "maxUnavailable");
	d->has_status = jo(status, "disruptionsAllowed") != NULL;
	d->allowed = jint(status, "disruptionsAllowed", 0);
	d->current_healthy = jint(status, "currentHealthy", 0);
	d->desired_healthy = jint(status, "desiredHealthy", 0);
	d->expected = jint(status, "expectedPods", 0);
	return K8SA_OK;
}

static k8sa_status fill_named(m_model *m, jv *item, void *obj, int arg)
{
	m_named *n = obj;
	jv *ann = jo(jo(item, "metadata"), "annotations");
	const char *def = js(ann, arg == 1 ? "ingressclass.kubernetes.io/is-default-class"
					   : "storageclass.kubernetes.io/is-default-class");
	n->is_default = def && strcmp(def, "true") == 0;
	n->provisioner = IN(m, arg == 1 ? js(jo(item, "spec"), "controller") : js(item, "provisioner"));
	return K8SA_OK;
}

static k8sa_status red_namespace(m_model *m, jv *item)
{
	const char *name = IN(m, js(jo(item, "metadata"), "name"));
	if (!name)
		return K8SA_OK;
	const char **dst = VPUSH(m->namespaces);
	NOMEM_IF(!dst);
	*dst = name;
	return K8SA_OK;
}

/* ---- entry points --------------------------------------------------------------------- */

void m_model_init(m_model *m, size_t max_pods, size_t max_events)
{
	memset(m, 0, sizeof(*m));
	m->max_pods = max_pods;
	m->max_events = max_events;
}

void m_model_free(m_model *m)
{
	for (size_t i = 0; i < m->pods.n; i++) {
		m_log *l = m->pods.v[i].logs;
		while (l) {
			m_log *n = l->next;
			free(l->text);
			free(l);
			l = n;
		}
	}
	free(m->pods.v);
	free(m->events.v);
	free(m->workloads.v);
	free(m->jobs.v);
	free(m->cronjobs.v);
	free(m->services.v);
	free(m->endpoints.v);
	free(m->pvcs.v);
	free(m->pvs.v);
	free(m->configmaps.v);
	free(m->ingresses.v);
	free(m->hpas.v);
	free(m->quotas.v);
	free(m->nodes.v);
	free(m->netpols.v);
	free(m->pdbs.v);
	free(m->storageclasses.v);
	free(m->ingressclasses.v);
	free(m->serviceaccounts.v);
	free(m->namespaces.v);
	free(m->ev_tab);
	free(m->healthy_idx);
	free(m->ctab);
	m_arena_free(&m->scratch);
	m_arena_free(&m->arena);
	memset(m, 0, sizeof(*m));
}

k8sa_status m_model_add(m_model *m, k8sa_resource res, json_object *item)
{
	if (!item || !json_object_is_type(item, json_type_object))
		return K8SA_OK;
	jv_doc doc = {0};
	char *text = NULL;
	int rc = jv_from_jsonc(&doc, item, &text);
	k8sa_status st = rc == -2 ? K8SA_E_NOMEM : rc ? K8SA_E_PROTOCOL : m_model_add_jv(m, res, jv_root(&doc));
	jv_doc_free(&doc);
	free(text);
	return st;
}

k8sa_status m_model_add_jv(m_model *m, k8sa_resource res, jv *item)
{
	if (!item || item->type != JV_OBJ)
		return K8SA_OK;
	if ((unsigned)res < K8SA_RES_COUNT)
		m->seen[res]++;
	switch (res) {
	case K8SA_RES_NAMESPACES: return red_namespace(m, item);
	case K8SA_RES_NODES: return RED(m, item, m->nodes, m_node, fill_node, 0);
	case K8SA_RES_PODS: return red_pod(m, item);
	case K8SA_RES_EVENTS: return red_event(m, item);
	case K8SA_RES_DEPLOYMENTS: return RED(m, item, m->workloads, m_workload, fill_workload, M_WL_DEPLOYMENT);
	case K8SA_RES_REPLICASETS: return RED(m, item, m->workloads, m_workload, fill_workload, M_WL_REPLICASET);
	case K8SA_RES_STATEFULSETS: return RED(m, item, m->workloads, m_workload, fill_workload, M_WL_STATEFULSET);
	case K8SA_RES_DAEMONSETS: return RED(m, item, m->workloads, m_workload, fill_workload, M_WL_DAEMONSET);
	case K8SA_RES_JOBS: return RED(m, item, m->jobs, m_job, fill_job, 0);
	case K8SA_RES_CRONJOBS: return RED(m, item, m->cronjobs, m_cronjob, fill_cronjob, 0);
	case K8SA_RES_SERVICES: return RED(m, item, m->services, m_service, fill_service, 0);
	case K8SA_RES_ENDPOINTS: return RED(m, item, m->endpoints, m_endpoints, fill_endpoints, 0);
	case K8SA_RES_PVCS: return RED(m, item, m->pvcs, m_pvc, fill_pvc, 0);
	case K8SA_RES_CONFIGMAPS: return RED(m, item, m->configmaps, m_configmap, fill_configmap, 0);
	case K8SA_RES_INGRESSES: return RED(m, item, m->ingresses, m_ingress, fill_ingress, 0);
	case K8SA_RES_HPAS: return RED(m, item, m->hpas, m_hpa, fill_hpa, 0);
	case K8SA_RES_RESOURCEQUOTAS: return RED(m, item, m->quotas, m_quota, fill_quota, 0);
	case K8SA_RES_PERSISTENTVOLUMES: return RED(m, item, m->pvs, m_pv, fill_pv, 0);
	case K8SA_RES_NETWORKPOLICIES: return RED(m, item, m->netpols, m_netpol, fill_netpol, 0);
	case K8SA_RES_PDBS: return RED(m, item, m->pdbs, m_pdb, fill_pdb, 0);
	case K8SA_RES_STORAGECLASSES: return RED(m, item, m->storageclasses, m_named, fill_named, 0);
	case K8SA_RES_INGRESSCLASSES: return RED(m, item, m->ingressclasses, m_named, fill_named, 1);
	case K8SA_RES_SERVICEACCOUNTS: return RED(m, item, m->serviceaccounts, m_named, fill_named, 2);
	}
	return K8SA_OK;
}

#define META_CMP(fn, T)                                                                          \
	static int fn(const void *a, const void *b) { return cmp_meta(&((const T *)a)->meta, &((const T *)b)->meta); }
META_CMP(cmp_pod, m_pod)
META_CMP(cmp_job, m_job)
META_CMP(cmp_cronjob, m_cronjob)
META_CMP(cmp_service, m_service)
META_CMP(cmp_endpoints, m_endpoints)
META_CMP(cmp_pvc, m_pvc)
META_CMP(cmp_pv, m_pv)
META_CMP(cmp_configmap, m_configmap)
META_CMP(cmp_ingress, m_ingress)
META_CMP(cmp_hpa, m_hpa)
META_CMP(cmp_quota, m_quota)
META_CMP(cmp_node, m_node)
META_CMP(cmp_netpol, m_netpol)
META_CMP(cmp_pdb, m_pdb)
META_CMP(cmp_named, m_named)

static int cmp_workload(const void *a, const void *b)
{
	const m_workload *x = a, *y = b;
	if (x->wkind != y->wkind)
		return (int)x->wkind - (int)y->wkind;
	return cmp_meta(&x->meta, &y->meta);
}

static int cmp_event_obj(const void *a, const void *b)
{
	const m_event *x = a, *y = b;
	int c = cmpstr(x->kind, y->kind);
	if (!c)
		c = cmpstr(x->ns, y->ns);
	if (!c)
		c = cmpstr(x->name, y->name);
	if (!c)
		c = x->last < y->last ? 1 : x->last > y->last ? -1 : 0;
	if (!c)
		c = cmpstr(x->reason, y->reason);
	return c;
}

#define SORT(vec, fn)                                                                            \
	do {                                                                                     \
		if ((vec).n > 1)                                                                 \
			qsort((vec).v, (vec).n, sizeof(*(vec).v), fn);                           \
	} while (0)

/* Realloc a vector to its length (a failure keeps the bigger block: harmless). */
#define SHRINK(vec)                                                                              \
	do {                                                                                     \
		if ((vec).n && (vec).n < (vec).cap) {                                            \
			void *nv_ = realloc((vec).v, (vec).n * sizeof(*(vec).v));                \
			if (nv_) {                                                               \
				(vec).v = nv_;                                                   \
				(vec).cap = (vec).n;                                             \
			}                                                                        \
		}                                                                                \
	} while (0)

void m_model_drop(m_model *m, k8sa_resource res)
{
	if ((unsigned)res >= K8SA_RES_COUNT)
		return;
	m->seen[res] = 0; /* strings and arrays stay in the arena until the model is freed */
	int wk = -1;
	switch (res) {
	case K8SA_RES_NAMESPACES: m->namespaces.n = 0; break;
	case K8SA_RES_NODES: m->nodes.n = 0; break;
	case K8SA_RES_PODS:
		m->pods.n = 0;
		m->nhealthy = 0;
		m->pods_omitted = 0;
		break;
	case K8SA_RES_EVENTS:
		m->events.n = 0;
		if (m->ev_tab)
			memset(m->ev_tab, 0, m->ev_tab_cap * sizeof(*m->ev_tab));
		m->events_omitted = m->events_merged = 0;
		break;
	case K8SA_RES_DEPLOYMENTS: wk = M_WL_DEPLOYMENT; break;
	case K8SA_RES_REPLICASETS: wk = M_WL_REPLICASET; break;
	case K8SA_RES_STATEFULSETS: wk = M_WL_STATEFULSET; break;
	case K8SA_RES_DAEMONSETS: wk = M_WL_DAEMONSET; break;
	case K8SA_RES_JOBS: m->jobs.n = 0; break;
	case K8SA_RES_CRONJOBS: m->cronjobs.n = 0; break;
	case K8SA_RES_SERVICES: m->services.n = 0; break;
	case K8SA_RES_ENDPOINTS: m->endpoints.n = 0; break;
	case K8SA_RES_PVCS: m->pvcs.n = 0; break;
	case K8SA_RES_CONFIGMAPS: m->configmaps.n = 0; break;
	case K8SA_RES_INGRESSES: m->ingresses.n = 0; break;
	case K8SA_RES_HPAS: m->hpas.n = 0; break;
	case K8SA_RES_RESOURCEQUOTAS: m->quotas.n = 0; break;
	case K8SA_RES_PERSISTENTVOLUMES: m->pvs.n = 0; break;
	case K8SA_RES_NETWORKPOLICIES: m->netpols.n = 0; break;
	case K8SA_RES_PDBS: m->pdbs.n = 0; break;
	case K8SA_RES_STORAGECLASSES: m->storageclasses.n = 0; break;
	case K8SA_RES_INGRESSCLASSES: m->ingressclasses.n = 0; break;
	case K8SA_RES_SERVICEACCOUNTS: m->serviceaccounts.n = 0; break;
	}
	if (wk >= 0) { /* the four workload kinds share one array */
		size_t j = 0;
		for (size_t i = 0; i < m->workloads.n; i++)
			if ((int)m->workloads.v[i].wkind != wk)
				m->workloads.v[j++] = m->workloads.v[i];
		m->workloads.n = j;
	}
}

void m_model_finish_late(m_model *m)
{
	SORT(m->netpols, cmp_netpol);
	SORT(m->pdbs, cmp_pdb);
	SORT(m->storageclasses, cmp_named);
	SORT(m->ingressclasses, cmp_named);
	SORT(m->serviceaccounts, cmp_named);
}

k8sa_status m_model_finish(m_model *m)
{
	if (m->max_events) {
		k8sa_status st = ev_prune(m, m->max_events);
		if (st)
			return st;
	}
	free(m->ev_tab);
	m->ev_tab = NULL;
	m->ev_tab_cap = 0;
	free(m->healthy_idx);
	m->healthy_idx = NULL;
	m->nhealthy = m->healthy_cap = 0;
	free(m->ctab);
	m->ctab = NULL;
	m->ctab_cap = m->ctab_n = 0;
	m_arena_free(&m->scratch);
	/* the vectors grew by doubling: give back what is not used */
	SHRINK(m->pods);
	SHRINK(m->events);
	SHRINK(m->workloads);
	SHRINK(m->jobs);
	SHRINK(m->cronjobs);
	SHRINK(m->services);
	SHRINK(m->endpoints);
	SHRINK(m->pvcs);
	SHRINK(m->pvs);
	SHRINK(m->configmaps);
	SHRINK(m->ingresses);
	SHRINK(m->hpas);
	SHRINK(m->quotas);
	SHRINK(m->nodes);
	SHRINK(m->namespaces);
	/* sorted by (namespace, name): stable output, and the finders below bisect */
	SORT(m->pods, cmp_pod);
	SORT(m->events, cmp_event_obj);
	SORT(m->workloads, cmp_workload);
	SORT(m->jobs, cmp_job);
	SORT(m->cronjobs, cmp_cronjob);
	SORT(m->services, cmp_service);
	SORT(m->endpoints, cmp_endpoints);
	SORT(m->pvcs, cmp_pvc);
	SORT(m->pvs, cmp_pv);
	SORT(m->configmaps, cmp_configmap);
	SORT(m->ingresses, cmp_ingress);
	SORT(m->hpas, cmp_hpa);
	SORT(m->quotas, cmp_quota);
	SORT(m->nodes, cmp_node);
	SORT(m->netpols, cmp_netpol);
	SORT(m->pdbs, cmp_pdb);
	SORT(m->storageclasses, cmp_named);
	SORT(m->ingressclasses, cmp_named);
	SORT(m->serviceaccounts, cmp_named);
	return K8SA_OK;
}

k8sa_status m_pod_add_log(m_model *m, m_pod *p, const char *container, int previous, const char *text,
			  size_t len, int truncated)
{
	m_log *l = calloc(1, sizeof(*l));
	NOMEM_IF(!l);
	l->text = malloc(len + 1);
	if (!l->text) {
		free(l);
		return K8SA_E_NOMEM;
	}
	if (len)
		memcpy(l->text, text, len);
	l->text[len] = 0;
	l->len = len;
	l->container = IN(m, container);
	l->previous = previous;
	l->truncated = truncated;
	/* append, keeping request order */
	m_log **pp = &p->logs;
	while (*pp)
		pp = &(*pp)->next;
	*pp = l;
	return K8SA_OK;
}
