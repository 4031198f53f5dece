/* SPDX-License-Identifier: MIT */
/* The parts every object has, reduced from API JSON: labels, metadata, conditions,
 * containers (names and references only: env values are never kept) and their statuses. */
#include "model_internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

/* ---- small JSON helpers ----------------------------------------------------------------- */

/* Text of a scalar (targetPort may be int or string). */
const char *m_jscalar(m_model *m, jv *o, const char *k)
{
	jv *v = jo(o, k);
	if (!v)
		return NULL;
	if (v->type == JV_STR)
		return IN(m, v->s);
	if (v->type == JV_NUM)
		return v->is_int ? m_intern_n(&m->arena, v->s, v->len) : m_jtext(m, v);
	return NULL;
}

const char *m_jtext(m_model *m, jv *v)
{
	json_object *o = jv_jsonc(v);
	const char *t = IN(m, json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
	json_object_put(o);
	return t;
}

const char *m_jstr(m_model *m, jv *v)
{
	if (!v || v->type == JV_NULL)
		return NULL;
	if (v->type == JV_STR)
		return IN(m, v->s);
	json_object *o = jv_jsonc(v);
	const char *t = IN(m, json_object_get_string(o));
	json_object_put(o);
	return t;
}

int64_t m_jint_slow(jv *v, int64_t def)
{
	json_object *o = jv_jsonc(v);
	if (!o)
		return def;
	errno = 0;
	int64_t r = json_object_get_int64(o);
	int bad = json_object_is_type(o, json_type_string) && errno != 0;
	json_object_put(o);
	return bad ? def : r;
}

int m_jbool_slow(jv *v)
{
	json_object *o = jv_jsonc(v);
	int r = json_object_get_boolean(o);
	json_object_put(o);
	return r;
}

void m_strings(m_model *m, jv *o, const char *keys, ...)
{
	va_list ap;
	va_start(ap, keys);
	for (const char *p = keys; *p;) {
		char key[64];
		size_t n = strcspn(p, " ");
		snprintf(key, sizeof(key), "%.*s", (int)n, p);
		*va_arg(ap, const char **) = IN(m, js(o, key));
		p += n;
		p += strspn(p, " ");
	}
	va_end(ap);
}

/* ---- vectors ------------------------------------------------------------------------- */

void *m_vec_push(void **v, size_t *n, size_t *cap, size_t elem)
{
	if (*n == *cap) {
		size_t nc = *cap ? *cap * 2 : 16;
		void *nv = realloc(*v, nc * elem);
		if (!nv)
			return NULL;
		*v = nv;
		*cap = nc;
	}
	void *p = (char *)*v + (*n)++ * elem;
	memset(p, 0, elem);
	return p;
}


void *m_red_array(m_model *m, jv *arr, size_t elem, unsigned max, unsigned *n)
{
	size_t k = jlen(arr);
	*n = k > max ? max : (unsigned)k;
	return *n ? m_alloc(&m->arena, *n * elem) : NULL;
}

/* ---- common parts --------------------------------------------------------------------- */

k8sa_status m_red_kv(m_model *m, jv *obj, m_kv **out, unsigned *n, unsigned max)
{
	*out = NULL;
	*n = 0;
	if (!obj || obj->type != JV_OBJ)
		return K8SA_OK;
	unsigned cnt = 0;
	for (jv_iter it = jv_iter_start(obj); cnt < max && jv_iter_next(&it);)
		cnt++;
	if (!cnt)
		return K8SA_OK;
	m_kv *kv = m_alloc(&m->arena, cnt * sizeof(*kv));
	NOMEM_IF(!kv);
	unsigned i = 0;
	for (jv_iter it = jv_iter_start(obj); i < cnt && jv_iter_next(&it);) {
		kv[i].k = IN(m, it.key);
		kv[i].v = it.val->type == JV_STR ? IN(m, it.val->s) : m_jtext(m, it.val);
		NOMEM_IF(!kv[i].k || !kv[i].v);
		i++;
	}
	*out = kv;
	*n = cnt;
	return K8SA_OK;
}

k8sa_status m_red_meta(m_model *m, jv *item, m_meta *meta)
{
	jv *md = jo(item, "metadata");
	m_strings(m, md, "name namespace uid", &meta->name, &meta->ns, &meta->uid);
	meta->created = m_parse_time(js(md, "creationTimestamp"));
	meta->deleted = m_parse_time(js(md, "deletionTimestamp"));
	meta->deletion_grace = jint(md, "deletionGracePeriodSeconds", -1);
	see_time(m, meta->created);
	see_time(m, meta->deleted);
	k8sa_status st = m_red_kv(m, jo(md, "labels"), &meta->labels, &meta->nlabels, M_MAX_LABELS);
	if (st)
		return st;
	jv *owners = jo(md, "ownerReferences");
	NOMEM_IF(RED_ARRAY(m, owners, 8, meta->owners, meta->nowners));
	jv *o = jv_first(owners);
	for (unsigned i = 0; i < meta->nowners; i++, o = jv_next(owners, o)) {
		m_strings(m, o, "kind name", &meta->owners[i].kind, &meta->owners[i].name);
		meta->owners[i].controller = jbool(o, "controller");
	}
	jv *fin = jo(md, "finalizers");
	unsigned nfin;
	NOMEM_IF(RED_ARRAY(m, fin, 8, meta->finalizers, nfin));
	jv *v = jv_first(fin);
	for (unsigned i = 0; i < nfin; i++, v = jv_next(fin, v)) {
		if (v->type == JV_STR)
			meta->finalizers[meta->nfinalizers++] = IN(m, v->s);
	}
	return K8SA_OK;
}

k8sa_status m_red_conds(m_model *m, jv *arr, m_cond **out, unsigned *nout)
{
	NOMEM_IF(RED_ARRAY(m, arr, M_MAX_ARRAY, *out, *nout));
	m_cond *c = *out;
	jv *o = jv_first(arr);
	for (unsigned i = 0; i < *nout; i++, o = jv_next(arr, o)) {
		m_strings(m, o, "type status reason message", &c[i].type, &c[i].status, &c[i].reason, &c[i].message);
		c[i].last_transition = m_parse_time(js(o, "lastTransitionTime"));
		if (!c[i].last_transition)
			c[i].last_transition = m_parse_time(js(o, "lastUpdateTime"));
		see_time(m, c[i].last_transition);
		see_time(m, m_parse_time(js(o, "lastHeartbeatTime")));
	}
	return K8SA_OK;
}

static const char *probe_summary(m_model *m, jv *p)
{
	char buf[256];
	size_t off = 0;
	jv *h;
	buf[0] = 0;
	if ((h = jo(p, "httpGet"))) {
		const char *port = m_jscalar(m, h, "port");
		off += (size_t)snprintf(buf, sizeof(buf), "httpGet %s:%s%s", js(h, "scheme") ? js(h, "scheme") : "HTTP",
					port ? port : "?", js(h, "path") ? js(h, "path") : "/");
	} else if ((h = jo(p, "tcpSocket"))) {
		const char *port = m_jscalar(m, h, "port");
		off += (size_t)snprintf(buf, sizeof(buf), "tcpSocket :%s", port ? port : "?");
	} else if ((h = jo(p, "exec"))) {
		jv *cmd = jo(h, "command");
		const char *c0 = jlen(cmd) ? m_jstr(m, jv_first(cmd)) : "?";
		off += (size_t)snprintf(buf, sizeof(buf), "exec %s", c0 ? c0 : "?");
	} else if ((h = jo(p, "grpc"))) {
		off += (size_t)snprintf(buf, sizeof(buf), "grpc :%lld", (long long)jint(h, "port", 0));
	} else {
		off += (size_t)snprintf(buf, sizeof(buf), "probe");
	}
	if (off < sizeof(buf))
		snprintf(buf + off, sizeof(buf) - off, " delay=%llds timeout=%llds period=%llds failure=%lld",
			 (long long)jint(p, "initialDelaySeconds", 0), (long long)jint(p, "timeoutSeconds", 1),
			 (long long)jint(p, "periodSeconds", 10), (long long)jint(p, "failureThreshold", 3));
	return IN(m, buf);
}

/* A reference to a ConfigMap or Secret: env[].valueFrom (keyed: configMapKeyRef/secretKeyRef,
 * for the variable `env`) or envFrom[] (configMapRef/secretRef). */
static void add_envref(m_model *m, m_container *mc, jv *from, int keyed, const char *env)
{
	jv *ref;
	const char *kind = NULL;
	if ((ref = jo(from, keyed ? "configMapKeyRef" : "configMapRef")))
		kind = "ConfigMap";
	else if ((ref = jo(from, keyed ? "secretKeyRef" : "secretRef")))
		kind = "Secret";
	if (!kind)
		return;
	m_envref *r = &mc->refs[mc->nrefs++];
	r->env = env;
	r->kind = IN(m, kind);
	r->name = IN(m, js(ref, "name"));
	if (keyed)
		r->key = IN(m, js(ref, "key"));
	r->optional = jbool(ref, "optional");
}

/* ---- shared container arrays ----------------------------------------------------------- */

static uint64_t mix(uint64_t h, const void *p)
{
	h ^= (uint64_t)(uintptr_t)p;
	h *= 1099511628211ULL;
	return h ^ (h >> 31);
}

static uint64_t containers_hash(const m_container *c, unsigned n)
{
	uint64_t h = 1469598103934665603ULL ^ n;
	for (unsigned i = 0; i < n; i++) {
		const m_container *x = &c[i];
		const void *f[] = {x->name, x->image, x->req_cpu, x->req_mem, x->lim_cpu, x->lim_mem, x->command,
				   x->liveness.summary, x->readiness.summary, x->startup.summary};
		for (size_t k = 0; k < sizeof(f) / sizeof(*f); k++)
			h = mix(h, f[k]);
		h = mix(h, (const void *)(uintptr_t)(x->nenv * 131u + x->nrefs * 7u + (unsigned)x->liveness.present * 4u +
						      (unsigned)x->readiness.present * 2u + (unsigned)x->startup.present));
		for (unsigned j = 0; j < x->nenv; j++)
			h = mix(h, x->env_names[j]);
		for (unsigned j = 0; j < x->nrefs; j++) {
			h = mix(h, x->refs[j].env);
			h = mix(h, x->refs[j].name);
		}
	}
	return h;
}

static int probe_eq(const m_probe *a, const m_probe *b)
{
	return a->present == b->present && a->summary == b->summary;
}

static int containers_eq(const m_container *a, const m_container *b, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		const m_container *x = &a[i], *y = &b[i];
		if (x->name != y->name || x->image != y->image || x->req_cpu != y->req_cpu || x->req_mem != y->req_mem ||
		    x->lim_cpu != y->lim_cpu || x->lim_mem != y->lim_mem || x->command != y->command ||
		    x->nenv != y->nenv || x->nrefs != y->nrefs || !probe_eq(&x->liveness, &y->liveness) ||
		    !probe_eq(&x->readiness, &y->readiness) || !probe_eq(&x->startup, &y->startup))
			return 0;
		for (unsigned j = 0; j < x->nenv; j++)
			if (x->env_names[j] != y->env_names[j])
				return 0;
		for (unsigned j = 0; j < x->nrefs; j++) {
			const m_envref *r = &x->refs[j], *q = &y->refs[j];
			if (r->env != q->env || r->kind != q->kind || r->name != q->name || r->key != q->key ||
			    r->optional != q->optional)
				return 0;
		}
	}
	return 1;
}

static int ctab_grow(m_model *m)
{
	size_t cap = m->ctab_cap ? m->ctab_cap * 2 : 256;
	struct m_ctab_slot *t = calloc(cap, sizeof(*t));
	if (!t)
		return -1;
	for (size_t i = 0; i < m->ctab_cap; i++) {
		if (!m->ctab[i].v)
			continue;
		size_t j = m->ctab[i].hash & (cap - 1);
		while (t[j].v)
			j = (j + 1) & (cap - 1);
		t[j] = m->ctab[i];
	}
	free(m->ctab);
	m->ctab = t;
	m->ctab_cap = cap;
	return 0;
}

/* The kept copy of a container array built in the scratch arena: an equal one kept before,
 * or a copy in the model's arena (per-container arrays sized exactly). NULL on ENOMEM. */
static const m_container *containers_keep(m_model *m, const m_container *c, unsigned n)
{
	if ((m->ctab_n + 1) * 2 > m->ctab_cap && ctab_grow(m) < 0)
		return NULL;
	uint64_t h = containers_hash(c, n);
	size_t j = h & (m->ctab_cap - 1);
	for (; m->ctab[j].v; j = (j + 1) & (m->ctab_cap - 1))
		if (m->ctab[j].hash == h && m->ctab[j].n == n && containers_eq(m->ctab[j].v, c, n))
			return m->ctab[j].v;
	m_container *k = m_alloc(&m->arena, n * sizeof(*k));
	if (!k)
		return NULL;
	for (unsigned i = 0; i < n; i++) {
		k[i] = c[i];
		k[i].env_names = NULL;
		k[i].refs = NULL;
		if (c[i].nenv) {
			if (!(k[i].env_names = m_alloc(&m->arena, c[i].nenv * sizeof(*k[i].env_names))))
				return NULL;
			memcpy(k[i].env_names, c[i].env_names, c[i].nenv * sizeof(*k[i].env_names));
		}
		if (c[i].nrefs) {
			if (!(k[i].refs = m_alloc(&m->arena, c[i].nrefs * sizeof(*k[i].refs))))
				return NULL;
			memcpy(k[i].refs, c[i].refs, c[i].nrefs * sizeof(*k[i].refs));
		}
	}
	m->ctab[j].hash = h;
	m->ctab[j].v = k;
	m->ctab[j].n = n;
	m->ctab_n++;
	return k;
}

k8sa_status m_red_containers(m_model *m, jv *arr, m_container **out, unsigned *nout)
{
	/* built in the scratch arena (strings still interned in the model's), then kept once */
	size_t k0 = jlen(arr);
	*nout = k0 > M_MAX_ARRAY ? M_MAX_ARRAY : (unsigned)k0;
	*out = NULL;
	if (!*nout)
		return K8SA_OK;
	m_arena_reset(&m->scratch);
	*out = m_alloc(&m->scratch, *nout * sizeof(**out));
	NOMEM_IF(!*out);
	jv *c = jv_first(arr);
	for (unsigned i = 0; i < *nout; i++, c = jv_next(arr, c)) {
		m_container *mc = &(*out)[i];
		m_strings(m, c, "name image", &mc->name, &mc->image);
		jv *res = jo(c, "resources");
		mc->req_cpu = m_jscalar(m, jo(res, "requests"), "cpu");
		mc->req_mem = m_jscalar(m, jo(res, "requests"), "memory");
		mc->lim_cpu = m_jscalar(m, jo(res, "limits"), "cpu");
		mc->lim_mem = m_jscalar(m, jo(res, "limits"), "memory");
		jv *cmd = jo(c, "command");
		if (jlen(cmd))
			mc->command = m_jstr(m, jv_first(cmd));
		/* env: names and references only, never values */
		jv *env = jo(c, "env"), *envfrom = jo(c, "envFrom");
		size_t ne = jlen(env), nf = jlen(envfrom);
		if (ne > M_MAX_ARRAY)
			ne = M_MAX_ARRAY;
		if (nf > M_MAX_ARRAY)
			nf = M_MAX_ARRAY;
		if (ne) {
			mc->env_names = m_alloc(&m->scratch, ne * sizeof(*mc->env_names));
			NOMEM_IF(!mc->env_names);
		}
		if (ne + nf) {
			mc->refs = m_alloc(&m->scratch, (ne + nf) * sizeof(*mc->refs));
			NOMEM_IF(!mc->refs);
		}
		jv *e = jv_first(env);
		for (size_t j = 0; j < ne; j++, e = jv_next(env, e)) {
			const char *name = IN(m, js(e, "name"));
			if (name)
				mc->env_names[mc->nenv++] = name;
			add_envref(m, mc, jo(e, "valueFrom"), 1, name);
		}
		jv *f = jv_first(envfrom);
		for (size_t j = 0; j < nf; j++, f = jv_next(envfrom, f))
			add_envref(m, mc, f, 0, NULL);
		static const char *const pk[3] = {"livenessProbe", "readinessProbe", "startupProbe"};
		m_probe *pr[3] = {&mc->liveness, &mc->readiness, &mc->startup};
		for (int k = 0; k < 3; k++) {
			jv *p = jo(c, pk[k]);
			if (p) {
				pr[k]->present = 1;
				pr[k]->summary = probe_summary(m, p);
			}
		}
	}
	const m_container *kept = containers_keep(m, *out, *nout);
	NOMEM_IF(!kept);
	*out = (m_container *)kept;
	return K8SA_OK;
}

static void red_state(m_model *m, jv *st, m_state *s)
{
	jv *x;
	memset(s, 0, sizeof(*s));
	if ((x = jo(st, "waiting"))) {
		s->kind = M_STATE_WAITING;
	} else if ((x = jo(st, "terminated"))) {
		s->kind = M_STATE_TERMINATED;
		s->exit_code = jint(x, "exitCode", 0);
		s->signal = jint(x, "signal", 0);
		s->finished = m_parse_time(js(x, "finishedAt"));
		s->has_container_id = js(x, "containerID") != NULL;
	} else if ((x = jo(st, "running"))) {
		s->kind = M_STATE_RUNNING;
	} else {
		return;
	}
	m_strings(m, x, "reason message", &s->reason, &s->message);
	s->started = m_parse_time(js(x, "startedAt"));
	see_time(m, s->started);
	see_time(m, s->finished);
}

k8sa_status m_red_statuses(m_model *m, jv *arr, m_cstatus **out, unsigned *nout)
{
	NOMEM_IF(RED_ARRAY(m, arr, M_MAX_ARRAY, *out, *nout));
	m_cstatus *cs = *out;
	jv *c = jv_first(arr);
	for (unsigned i = 0; i < *nout; i++, c = jv_next(arr, c)) {
		m_strings(m, c, "name image", &cs[i].name, &cs[i].image);
		cs[i].ready = jbool(c, "ready");
		cs[i].started = jbool(c, "started");
		int64_t r = jint(c, "restartCount", 0);
		cs[i].restarts = r < 0 ? 0 : r;
		red_state(m, jo(c, "state"), &cs[i].state);
		red_state(m, jo(c, "lastState"), &cs[i].last);
	}
	return K8SA_OK;
}
