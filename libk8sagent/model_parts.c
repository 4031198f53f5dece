/* SPDX-License-Identifier: MIT */
/* The parts every object has, reduced from API JSON: labels, metadata, conditions,
 * containers (names and references only: env values are never kept) and their statuses. */
#include "model_internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

/* ---- small JSON helpers ----------------------------------------------------------------- */

/* Text of a scalar (targetPort may be int or string). */
const char *m_jscalar(m_model *m, json_object *o, const char *k)
{
	json_object *v = jo(o, k);
	if (!v)
		return NULL;
	if (json_object_is_type(v, json_type_string))
		return IN(m, json_object_get_string(v));
	if (json_object_is_type(v, json_type_int) || json_object_is_type(v, json_type_double))
		return IN(m, json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN));
	return NULL;
}

void m_strings(m_model *m, json_object *o, const char *keys, ...)
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


void *m_red_array(m_model *m, json_object *arr, size_t elem, unsigned max, unsigned *n)
{
	size_t k = jlen(arr);
	*n = k > max ? max : (unsigned)k;
	return *n ? m_alloc(&m->arena, *n * elem) : NULL;
}

/* ---- common parts --------------------------------------------------------------------- */

k8sa_status m_red_kv(m_model *m, json_object *obj, m_kv **out, unsigned *n, unsigned max)
{
	*out = NULL;
	*n = 0;
	if (!obj || !json_object_is_type(obj, json_type_object))
		return K8SA_OK;
	unsigned cnt = 0;
	json_object_object_foreach(obj, k0, v0) {
		(void)k0;
		(void)v0;
		cnt++;
	}
	if (cnt > max)
		cnt = max;
	if (!cnt)
		return K8SA_OK;
	m_kv *kv = m_alloc(&m->arena, cnt * sizeof(*kv));
	NOMEM_IF(!kv);
	unsigned i = 0;
	json_object_object_foreach(obj, k, v) {
		if (i >= cnt)
			break;
		kv[i].k = IN(m, k);
		kv[i].v = json_object_is_type(v, json_type_string)
				  ? IN(m, json_object_get_string(v))
				  : IN(m, json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN));
		NOMEM_IF(!kv[i].k || !kv[i].v);
		i++;
	}
	*out = kv;
	*n = cnt;
	return K8SA_OK;
}

k8sa_status m_red_meta(m_model *m, json_object *item, m_meta *meta)
{
	json_object *md = jo(item, "metadata");
	m_strings(m, md, "name namespace uid", &meta->name, &meta->ns, &meta->uid);
	meta->created = m_parse_time(js(md, "creationTimestamp"));
	meta->deleted = m_parse_time(js(md, "deletionTimestamp"));
	meta->deletion_grace = jint(md, "deletionGracePeriodSeconds", -1);
	see_time(m, meta->created);
	see_time(m, meta->deleted);
	k8sa_status st = m_red_kv(m, jo(md, "labels"), &meta->labels, &meta->nlabels, M_MAX_LABELS);
	if (st)
		return st;
	json_object *owners = jo(md, "ownerReferences");
	NOMEM_IF(RED_ARRAY(m, owners, 8, meta->owners, meta->nowners));
	for (unsigned i = 0; i < meta->nowners; i++) {
		json_object *o = json_object_array_get_idx(owners, i);
		m_strings(m, o, "kind name", &meta->owners[i].kind, &meta->owners[i].name);
		meta->owners[i].controller = jbool(o, "controller");
	}
	json_object *fin = jo(md, "finalizers");
	unsigned nfin;
	NOMEM_IF(RED_ARRAY(m, fin, 8, meta->finalizers, nfin));
	for (unsigned i = 0; i < nfin; i++) {
		json_object *v = json_object_array_get_idx(fin, i);
		if (json_object_is_type(v, json_type_string))
			meta->finalizers[meta->nfinalizers++] = IN(m, json_object_get_string(v));
	}
	return K8SA_OK;
}

k8sa_status m_red_conds(m_model *m, json_object *arr, m_cond **out, unsigned *nout)
{
	NOMEM_IF(RED_ARRAY(m, arr, M_MAX_ARRAY, *out, *nout));
	m_cond *c = *out;
	for (unsigned i = 0; i < *nout; i++) {
		json_object *o = json_object_array_get_idx(arr, i);
		m_strings(m, o, "type status reason message", &c[i].type, &c[i].status, &c[i].reason, &c[i].message);
		c[i].last_transition = m_parse_time(js(o, "lastTransitionTime"));
		if (!c[i].last_transition)
			c[i].last_transition = m_parse_time(js(o, "lastUpdateTime"));
		see_time(m, c[i].last_transition);
		see_time(m, m_parse_time(js(o, "lastHeartbeatTime")));
	}
	return K8SA_OK;
}

static const char *probe_summary(m_model *m, json_object *p)
{
	char buf[256];
	size_t off = 0;
	json_object *h;
	buf[0] = 0;
	if ((h = jo(p, "httpGet"))) {
		const char *port = m_jscalar(m, h, "port");
		off += (size_t)snprintf(buf, sizeof(buf), "httpGet %s:%s%s", js(h, "scheme") ? js(h, "scheme") : "HTTP",
					port ? port : "?", js(h, "path") ? js(h, "path") : "/");
	} else if ((h = jo(p, "tcpSocket"))) {
		const char *port = m_jscalar(m, h, "port");
		off += (size_t)snprintf(buf, sizeof(buf), "tcpSocket :%s", port ? port : "?");
	} else if ((h = jo(p, "exec"))) {
		json_object *cmd = jo(h, "command");
		const char *c0 = jlen(cmd) ? json_object_get_string(json_object_array_get_idx(cmd, 0)) : "?";
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
static void add_envref(m_model *m, m_container *mc, json_object *from, int keyed, const char *env)
{
	json_object *ref;
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

k8sa_status m_red_containers(m_model *m, json_object *arr, m_container **out, unsigned *nout)
{
	NOMEM_IF(RED_ARRAY(m, arr, M_MAX_ARRAY, *out, *nout));
	for (unsigned i = 0; i < *nout; i++) {
		json_object *c = json_object_array_get_idx(arr, i);
		m_container *mc = &(*out)[i];
		m_strings(m, c, "name image", &mc->name, &mc->image);
		json_object *res = jo(c, "resources");
		mc->req_cpu = m_jscalar(m, jo(res, "requests"), "cpu");
		mc->req_mem = m_jscalar(m, jo(res, "requests"), "memory");
		mc->lim_cpu = m_jscalar(m, jo(res, "limits"), "cpu");
		mc->lim_mem = m_jscalar(m, jo(res, "limits"), "memory");
		json_object *cmd = jo(c, "command");
		if (jlen(cmd))
			mc->command = IN(m, json_object_get_string(json_object_array_get_idx(cmd, 0)));
		/* env: names and references only, never values */
		json_object *env = jo(c, "env"), *envfrom = jo(c, "envFrom");
		size_t ne = jlen(env), nf = jlen(envfrom);
		if (ne > M_MAX_ARRAY)
			ne = M_MAX_ARRAY;
		if (nf > M_MAX_ARRAY)
			nf = M_MAX_ARRAY;
		if (ne) {
			mc->env_names = m_alloc(&m->arena, ne * sizeof(*mc->env_names));
			NOMEM_IF(!mc->env_names);
		}
		if (ne + nf) {
			mc->refs = m_alloc(&m->arena, (ne + nf) * sizeof(*mc->refs));
			NOMEM_IF(!mc->refs);
		}
		for (size_t j = 0; j < ne; j++) {
			json_object *e = json_object_array_get_idx(env, j);
			const char *name = IN(m, js(e, "name"));
			if (name)
				mc->env_names[mc->nenv++] = name;
			add_envref(m, mc, jo(e, "valueFrom"), 1, name);
		}
		for (size_t j = 0; j < nf; j++)
			add_envref(m, mc, json_object_array_get_idx(envfrom, j), 0, NULL);
		static const char *const pk[3] = {"livenessProbe", "readinessProbe", "startupProbe"};
		m_probe *pr[3] = {&mc->liveness, &mc->readiness, &mc->startup};
		for (int k = 0; k < 3; k++) {
			json_object *p = jo(c, pk[k]);
			if (p) {
				pr[k]->present = 1;
				pr[k]->summary = probe_summary(m, p);
			}
		}
	}
	return K8SA_OK;
}

static void red_state(m_model *m, json_object *st, m_state *s)
{
	json_object *x;
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

k8sa_status m_red_statuses(m_model *m, json_object *arr, m_cstatus **out, unsigned *nout)
{
	NOMEM_IF(RED_ARRAY(m, arr, M_MAX_ARRAY, *out, *nout));
	m_cstatus *cs = *out;
	for (unsigned i = 0; i < *nout; i++) {
		json_object *c = json_object_array_get_idx(arr, i);
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
