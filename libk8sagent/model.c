/* SPDX-License-Identifier: MIT */
/* The compact cluster model: arena, interning, and the reducers from API objects. */
#include "internal.h"
#include "model.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---- arena ---------------------------------------------------------------------------- */

struct m_arena_chunk {
	m_arena_chunk *next;
	size_t size, used;
	max_align_t data[];
};

#define M_CHUNK (64 * 1024)

void *m_alloc(m_arena *a, size_t n)
{
	n = (n + sizeof(max_align_t) - 1) / sizeof(max_align_t) * sizeof(max_align_t);
	if (n == 0)
		n = sizeof(max_align_t);
	m_arena_chunk *c = a->head;
	if (!c || c->size - c->used < n) {
		size_t size = n > M_CHUNK / 4 ? n : M_CHUNK;
		c = malloc(sizeof(*c) + size);
		if (!c)
			return NULL;
		c->size = size;
		c->used = 0;
		if (n > M_CHUNK / 4 && a->head) {
			/* a big block gets its own chunk behind the current one, so the current
			 * chunk's free space is not wasted */
			c->next = a->head->next;
			a->head->next = c;
		} else {
			c->next = a->head;
			a->head = c;
		}
	}
	void *p = (char *)c->data + c->used;
	c->used += n;
	a->used_total += n;
	memset(p, 0, n);
	return p;
}

static uint64_t hash_bytes(const char *s, size_t n)
{
	uint64_t h = 1469598103934665603ULL; /* FNV-1a */
	for (size_t i = 0; i < n; i++) {
		h ^= (unsigned char)s[i];
		h *= 1099511628211ULL;
	}
	return h;
}

static int intern_grow(m_arena *a)
{
	size_t cap = a->tab_cap ? a->tab_cap * 2 : 1024;
	const char **tab = calloc(cap, sizeof(*tab));
	if (!tab)
		return -1;
	for (size_t i = 0; i < a->tab_cap; i++) {
		const char *s = a->tab[i];
		if (!s)
			continue;
		size_t j = hash_bytes(s, strlen(s)) & (cap - 1);
		while (tab[j])
			j = (j + 1) & (cap - 1);
		tab[j] = s;
	}
	free(a->tab);
	a->tab = tab;
	a->tab_cap = cap;
	return 0;
}

const char *m_intern_n(m_arena *a, const char *s, size_t n)
{
	if (!s)
		return NULL;
	/* long strings (messages) are rarely repeated: copy without the table */
	if (n > 256) {
		char *p = m_alloc(a, n + 1);
		if (!p)
			return NULL;
		memcpy(p, s, n);
		p[n] = 0;
		return p;
	}
	if ((a->tab_n + 1) * 2 > a->tab_cap && intern_grow(a) < 0)
		return NULL;
	size_t j = hash_bytes(s, n) & (a->tab_cap - 1);
	while (a->tab[j]) {
		if (strncmp(a->tab[j], s, n) == 0 && a->tab[j][n] == 0)
			return a->tab[j];
		j = (j + 1) & (a->tab_cap - 1);
	}
	char *p = m_alloc(a, n + 1);
	if (!p)
		return NULL;
	memcpy(p, s, n);
	p[n] = 0;
	a->tab[j] = p;
	a->tab_n++;
	return p;
}

const char *m_intern(m_arena *a, const char *s)
{
	return s ? m_intern_n(a, s, strlen(s)) : NULL;
}

void m_arena_free(m_arena *a)
{
	m_arena_chunk *c = a->head;
	while (c) {
		m_arena_chunk *n = c->next;
		free(c);
		c = n;
	}
	free(a->tab);
	memset(a, 0, sizeof(*a));
}

/* ---- small JSON helpers ----------------------------------------------------------------- */

static json_object *jo(json_object *o, const char *k)
{
	json_object *v = NULL;
	if (o && json_object_is_type(o, json_type_object) && json_object_object_get_ex(o, k, &v) &&
	    !json_object_is_type(v, json_type_null))
		return v;
	return NULL;
}

static const char *js(json_object *o, const char *k)
{
	json_object *v = jo(o, k);
	return v && json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
}

/* Integers may come as int, huge int, double or string: clamp into int64, never negative
 * beyond what the field allows (callers clamp further). */
static int64_t jint(json_object *o, const char *k, int64_t def)
{
	json_object *v = jo(o, k);
	if (!v)
		return def;
	switch (json_object_get_type(v)) {
	case json_type_int:
	case json_type_double:
	case json_type_string: {
		errno = 0;
		int64_t r = json_object_get_int64(v);
		if (json_object_is_type(v, json_type_string) && errno != 0)
			return def;
		return r;
	}
	case json_type_boolean:
		return json_object_get_boolean(v);
	default:
		return def;
	}
}

static int jbool(json_object *o, const char *k)
{
	json_object *v = jo(o, k);
	if (!v)
		return 0;
	if (json_object_is_type(v, json_type_string))
		return strcmp(json_object_get_string(v), "true") == 0;
	return json_object_get_boolean(v);
}

static size_t jlen(json_object *arr)
{
	return arr && json_object_is_type(arr, json_type_array) ? json_object_array_length(arr) : 0;
}

#define IN(m, s) m_intern(&(m)->arena, (s))

/* Text of a scalar (targetPort may be int or string). */
static const char *jscalar(m_model *m, json_object *o, const char *k)
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

static void see_time(m_model *m, int64_t t)
{
	if (t > m->ref_time)
		m->ref_time = t;
}

/* ---- time and quantities -------------------------------------------------------------- */

static int64_t days_from_civil(int64_t y, unsigned mo, unsigned d)
{
	y -= mo <= 2;
	const int64_t era = (y >= 0 ? y : y - 399) / 400;
	const unsigned yoe = (unsigned)(y - era * 400);
	const unsigned doy = (153 * (mo + (mo > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

int64_t m_parse_time(const char *s)
{
	if (!s || !*s)
		return 0;
	int y, mo, d, h, mi, sec;
	char rest[16] = "";
	if (sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%15s", &y, &mo, &d, &h, &mi, &sec, rest) < 6)
		return 0;
	if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60)
		return 0;
	int64_t t = days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400 + h * 3600 + mi * 60 + sec;
	/* skip fraction, then apply a numeric offset if there is one */
	const char *r = rest;
	if (*r == '.')
		while (*++r && isdigit((unsigned char)*r))
			;
	if ((*r == '+' || *r == '-') && strlen(r) >= 6) {
		int oh = atoi(r + 1), om = atoi(r + 4);
		int64_t off = oh * 3600 + om * 60;
		t += *r == '+' ? -off : off;
	}
	return t > 0 ? t : 0;
}

void m_format_time(int64_t t, char buf[32])
{
	buf[0] = 0;
	if (t <= 0)
		return;
	time_t tt = (time_t)t;
	struct tm tm;
	if (!gmtime_r(&tt, &tm))
		return;
	strftime(buf, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

double m_parse_quantity(const char *s, int *ok)
{
	if (ok)
		*ok = 0;
	if (!s || !*s)
		return 0;
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (end == s || errno)
		return 0;
	static const struct { const char *suf; double mul; } sufs[] = {
		{"Ki", 1024.0}, {"Mi", 1048576.0}, {"Gi", 1073741824.0},
		{"Ti", 1099511627776.0}, {"Pi", 1125899906842624.0}, {"Ei", 1152921504606846976.0},
		{"n", 1e-9}, {"u", 1e-6}, {"m", 1e-3}, {"k", 1e3}, {"M", 1e6}, {"G", 1e9},
		{"T", 1e12}, {"P", 1e15}, {"E", 1e18}, {"", 1.0},
	};
	for (size_t i = 0; i < sizeof(sufs) / sizeof(sufs[0]); i++)
		if (strcmp(end, sufs[i].suf) == 0) {
			if (ok)
				*ok = 1;
			return v * sufs[i].mul;
		}
	return 0;
}

/* ---- vectors ------------------------------------------------------------------------- */

static void *vec_push(void **v, size_t *n, size_t *cap, size_t elem)
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

#define VPUSH(vec) vec_push((void **)&(vec).v, &(vec).n, &(vec).cap, sizeof(*(vec).v))

/* ---- common parts --------------------------------------------------------------------- */

#define NOMEM_IF(c)                                                                              \
	do {                                                                                     \
		if (c)                                                                           \
			return K8SA_E_NOMEM;                                                     \
	} while (0)

static k8sa_status red_kv(m_model *m, json_object *obj, m_kv **out, unsigned *n, unsigned max)
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

static k8sa_status red_meta(m_model *m, json_object *item, m_meta *meta)
{
	json_object *md = jo(item, "metadata");
	meta->name = IN(m, js(md, "name"));
	meta->ns = IN(m, js(md, "namespace"));
	meta->uid = IN(m, js(md, "uid"));
	meta->created = m_parse_time(js(md, "creationTimestamp"));
	meta->deleted = m_parse_time(js(md, "deletionTimestamp"));
	meta->deletion_grace = jint(md, "deletionGracePeriodSeconds", -1);
	see_time(m, meta->created);
	see_time(m, meta->deleted);
	k8sa_status st = red_kv(m, jo(md, "labels"), &meta->labels, &meta->nlabels, M_MAX_LABELS);
	if (st)
		return st;
	json_object *owners = jo(md, "ownerReferences");
	size_t n = jlen(owners);
	if (n > 8)
		n = 8;
	if (n) {
		meta->owners = m_alloc(&m->arena, n * sizeof(*meta->owners));
		NOMEM_IF(!meta->owners);
		for (size_t i = 0; i < n; i++) {
			json_object *o = json_object_array_get_idx(owners, i);
			meta->owners[i].kind = IN(m, js(o, "kind"));
			meta->owners[i].name = IN(m, js(o, "name"));
			meta->owners[i].controller = jbool(o, "controller");
		}
		meta->nowners = (unsigned)n;
	}
	json_object *fin = jo(md, "finalizers");
	n = jlen(fin);
	if (n > 8)
		n = 8;
	if (n) {
		meta->finalizers = m_alloc(&m->arena, n * sizeof(*meta->finalizers));
		NOMEM_IF(!meta->finalizers);
		for (size_t i = 0; i < n; i++) {
			json_object *v = json_object_array_get_idx(fin, i);
			if (json_object_is_type(v, json_type_string))
				meta->finalizers[meta->nfinalizers++] = IN(m, json_object_get_string(v));
		}
	}
	return K8SA_OK;
}

static k8sa_status red_conds(m_model *m, json_object *arr, m_cond **out, unsigned *nout)
{
	size_t n = jlen(arr);
	if (n > M_MAX_ARRAY)
		n = M_MAX_ARRAY;
	*out = NULL;
	*nout = 0;
	if (!n)
		return K8SA_OK;
	m_cond *c = m_alloc(&m->arena, n * sizeof(*c));
	NOMEM_IF(!c);
	for (size_t i = 0; i < n; i++) {
		json_object *o = json_object_array_get_idx(arr, i);
		c[i].type = IN(m, js(o, "type"));
		c[i].status = IN(m, js(o, "status"));
		c[i].reason = IN(m, js(o, "reason"));
		c[i].message = IN(m, js(o, "message"));
		c[i].last_transition = m_parse_time(js(o, "lastTransitionTime"));
		if (!c[i].last_transition)
			c[i].last_transition = m_parse_time(js(o, "lastUpdateTime"));
		see_time(m, c[i].last_transition);
		see_time(m, m_parse_time(js(o, "lastHeartbeatTime")));
	}
	*out = c;
	*nout = (unsigned)n;
	return K8SA_OK;
}

static const char *probe_summary(m_model *m, json_object *p)
{
	char buf[256];
	size_t off = 0;
	json_object *h;
	buf[0] = 0;
	if ((h = jo(p, "httpGet"))) {
		const char *port = jscalar(m, h, "port");
		off += (size_t)snprintf(buf, sizeof(buf), "httpGet %s:%s%s", js(h, "scheme") ? js(h, "scheme") : "HTTP",
					port ? port : "?", js(h, "path") ? js(h, "path") : "/");
	} else if ((h = jo(p, "tcpSocket"))) {
		const char *port = jscalar(m, h, "port");
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

static k8sa_status red_containers(m_model *m, json_object *arr, m_container **out, unsigned *nout)
{
	size_t n = jlen(arr);
	if (n > M_MAX_ARRAY)
		n = M_MAX_ARRAY;
	*out = NULL;
	*nout = 0;
	if (!n)
		return K8SA_OK;
	m_container *cs = m_alloc(&m->arena, n * sizeof(*cs));
	NOMEM_IF(!cs);
	for (size_t i = 0; i < n; i++) {
		json_object *c = json_object_array_get_idx(arr, i);
		m_container *mc = &cs[i];
		mc->name = IN(m, js(c, "name"));
		mc->image = IN(m, js(c, "image"));
		json_object *res = jo(c, "resources");
		mc->req_cpu = jscalar(m, jo(res, "requests"), "cpu");
		mc->req_mem = jscalar(m, jo(res, "requests"), "memory");
		mc->lim_cpu = jscalar(m, jo(res, "limits"), "cpu");
		mc->lim_mem = jscalar(m, jo(res, "limits"), "memory");
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
			json_object *vf = jo(e, "valueFrom"), *ref;
			const char *kind = NULL;
			if ((ref = jo(vf, "configMapKeyRef")))
				kind = "ConfigMap";
			else if ((ref = jo(vf, "secretKeyRef")))
				kind = "Secret";
			if (kind) {
				m_envref *r = &mc->refs[mc->nrefs++];
				r->env = name;
				r->kind = IN(m, kind);
				r->name = IN(m, js(ref, "name"));
				r->key = IN(m, js(ref, "key"));
				r->optional = jbool(ref, "optional");
			}
		}
		for (size_t j = 0; j < nf; j++) {
			json_object *e = json_object_array_get_idx(envfrom, j), *ref;
			const char *kind = NULL;
			if ((ref = jo(e, "configMapRef")))
				kind = "ConfigMap";
			else if ((ref = jo(e, "secretRef")))
				kind = "Secret";
			if (kind) {
				m_envref *r = &mc->refs[mc->nrefs++];
				r->kind = IN(m, kind);
				r->name = IN(m, js(ref, "name"));
				r->optional = jbool(ref, "optional");
			}
		}
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
	*out = cs;
	*nout = (unsigned)n;
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
	s->reason = IN(m, js(x, "reason"));
	s->message = IN(m, js(x, "message"));
	s->started = m_parse_time(js(x, "startedAt"));
	see_time(m, s->started);
	see_time(m, s->finished);
}

static k8sa_status red_statuses(m_model *m, json_object *arr, m_cstatus **out, unsigned *nout)
{
	size_t n = jlen(arr);
	if (n > M_MAX_ARRAY)
		n = M_MAX_ARRAY;
	*out = NULL;
	*nout = 0;
	if (!n)
		return K8SA_OK;
	m_cstatus *cs = m_alloc(&m->arena, n * sizeof(*cs));
	NOMEM_IF(!cs);
	for (size_t i = 0; i < n; i++) {
		json_object *c = json_object_array_get_idx(arr, i);
		cs[i].name = IN(m, js(c, "name"));
		cs[i].image = IN(m, js(c, "image"));
		cs[i].ready = jbool(c, "ready");
		cs[i].started = jbool(c, "started");
		int64_t r = jint(c, "restartCount", 0);
		cs[i].restarts = r < 0 ? 0 : r;
		red_state(m, jo(c, "state"), &cs[i].state);
		red_state(m, jo(c, "lastState"), &cs[i].last);
	}
	*out = cs;
	*nout = (unsigned)n;
	return K8SA_OK;
}

/* ---- pods ----------------------------------------------------------------------------- */

/* Cheap look at the raw item: is it a pod nobody needs to look at closer? Used before the
 * reduction so healthy pods over the bound cost nothing. */
static int pod_json_healthy(json_object *item)
{
	json_object *st = jo(item, "status");
	if (js(jo(item, "metadata"), "deletionTimestamp"))
		return 0;
	const char *phase = js(st, "phase");
	if (phase && strcmp(phase, "Succeeded") == 0)
		return 1;
	if (!phase || strcmp(phase, "Running") != 0)
		return 0;
	json_object *cs = jo(st, "containerStatuses");
	size_t n = jlen(cs);
	if (!n)
		return 0;
	for (size_t i = 0; i < n; i++) {
		json_object *c = json_object_array_get_idx(cs, i);
		if (!jbool(c, "ready") || jint(c, "restartCount", 0) != 0)
			return 0;
	}
	return 1;
}

static k8sa_status red_pod(m_model *m, json_object *item)
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
	k8sa_status st = red_meta(m, item, &p.meta);
	if (st)
		return st;
	if (!p.meta.name)
		return K8SA_OK;
	json_object *spec = jo(item, "spec"), *status = jo(item, "status");
	p.healthy = healthy;
	p.phase = IN(m, js(status, "phase"));
	p.reason = IN(m, js(status, "reason"));
	p.message = IN(m, js(status, "message"));
	p.qos = IN(m, js(status, "qosClass"));
	p.start_time = m_parse_time(js(status, "startTime"));
	p.node = IN(m, js(spec, "nodeName"));
	p.restart_policy = IN(m, js(spec, "restartPolicy"));
	p.grace = jint(spec, "terminationGracePeriodSeconds", -1);
	if ((st = red_conds(m, jo(status, "conditions"), &p.conds, &p.nconds)) ||
	    (st = red_containers(m, jo(spec, "containers"), &p.containers, &p.ncontainers)) ||
	    (st = red_containers(m, jo(spec, "initContainers"), &p.inits, &p.ninits)) ||
	    (st = red_statuses(m, jo(status, "containerStatuses"), &p.statuses, &p.nstatuses)) ||
	    (st = red_statuses(m, jo(status, "initContainerStatuses"), &p.init_statuses, &p.ninit_statuses)))
		return st;
	json_object *vols = jo(spec, "volumes");
	size_t nv = jlen(vols);
	if (nv > M_MAX_ARRAY)
		nv = M_MAX_ARRAY;
	if (nv) {
		p.volumes = m_alloc(&m->arena, nv * sizeof(*p.volumes));
		NOMEM_IF(!p.volumes);
		for (size_t i = 0; i < nv; i++) {
			json_object *v = json_object_array_get_idx(vols, i), *x;
			m_volume *mv = &p.volumes[p.nvolumes++];
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
				json_object_object_foreach(v, k, val) {
					(void)val;
					if (strcmp(k, "name") != 0) {
						type = k;
						break;
					}
				}
				mv->kind = IN(m, type);
			}
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

static k8sa_status red_event(m_model *m, json_object *item)
{
	m_event e;
	memset(&e, 0, sizeof(e));
	json_object *io = jo(item, "involvedObject");
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
	json_object *series = jo(item, "series");
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

/* ---- workloads ------------------------------------------------------------------------ */

static k8sa_status red_workload(m_model *m, json_object *item, m_wl_kind k)
{
	m_workload w;
	memset(&w, 0, sizeof(w));
	k8sa_status st = red_meta(m, item, &w.meta);
	if (st || !w.meta.name)
		return st;
	json_object *spec = jo(item, "spec"), *status = jo(item, "status");
	w.wkind = k;
	w.generation = jint(jo(item, "metadata"), "generation", 0);
	w.observed_generation = jint(status, "observedGeneration", 0);
	w.paused = jbool(spec, "paused");
	if (k == M_WL_DAEMONSET) {
		w.desired = jint(status, "desiredNumberScheduled", 0);
		w.current = jint(status, "currentNumberScheduled", 0);
		w.ready = jint(status, "numberReady", 0);
		w.available = jint(status, "numberAvailable", 0);
		w.updated = jint(status, "updatedNumberScheduled", 0);
		w.unavailable = jint(status, "numberUnavailable", 0);
		w.misscheduled = jint(status, "numberMisscheduled", 0);
	} else {
		w.desired = jint(spec, "replicas", 1);
		w.current = jint(status, "replicas", 0);
		w.ready = jint(status, "readyReplicas", 0);
		w.available = jint(status, "availableReplicas", k == M_WL_STATEFULSET ? w.ready : 0);
		w.updated = jint(status, "updatedReplicas", 0);
		w.unavailable = jint(status, "unavailableReplicas", 0);
	}
	if ((st = red_kv(m, jo(jo(spec, "selector"), "matchLabels"), &w.selector, &w.nselector, M_MAX_LABELS)) ||
	    (st = red_conds(m, jo(status, "conditions"), &w.conds, &w.nconds)) ||
	    (st = red_containers(m, jo(jo(jo(spec, "template"), "spec"), "containers"), &w.containers,
				 &w.ncontainers)))
		return st;
	m_workload *dst = VPUSH(m->workloads);
	NOMEM_IF(!dst);
	*dst = w;
	return K8SA_OK;
}

static k8sa_status red_job(m_model *m, json_object *item)
{
	m_job j;
	memset(&j, 0, sizeof(j));
	k8sa_status st = red_meta(m, item, &j.meta);
	if (st || !j.meta.name)
		return st;
	json_object *spec = jo(item, "spec"), *status = jo(item, "status");
	j.completions = jint(spec, "completions", 1);
	j.parallelism = jint(spec, "parallelism", 1);
	j.backoff_limit = jint(spec, "backoffLimit", 6);
	j.active_deadline = jint(spec, "activeDeadlineSeconds", 0);
	j.suspend = jbool(spec, "suspend");
	j.active = jint(status, "active", 0);
	j.succeeded = jint(status, "succeeded", 0);
	j.failed = jint(status, "failed", 0);
	j.start_time = m_parse_time(js(status, "startTime"));
	j.completion_time = m_parse_time(js(status, "completionTime"));
	see_time(m, j.completion_time);
	if ((st = red_conds(m, jo(status, "conditions"), &j.conds, &j.nconds)))
		return st;
	m_job *dst = VPUSH(m->jobs);
	NOMEM_IF(!dst);
	*dst = j;
	return K8SA_OK;
}

static k8sa_status red_cronjob(m_model *m, json_object *item)
{
	m_cronjob c;
	memset(&c, 0, sizeof(c));
	k8sa_status st = red_meta(m, item, &c.meta);
	if (st || !c.meta.name)
		return st;
	json_object *spec = jo(item, "spec"), *status = jo(item, "status");
	c.schedule = IN(m, js(spec, "schedule"));
	c.suspend = jbool(spec, "suspend");
	c.last_schedule = m_parse_time(js(status, "lastScheduleTime"));
	c.last_success = m_parse_time(js(status, "lastSuccessfulTime"));
	c.nactive = (unsigned)jlen(jo(status, "active"));
	m_cronjob *dst = VPUSH(m->cronjobs);
	NOMEM_IF(!dst);
	*dst = c;
	return K8SA_OK;
}

/* ---- networking ----------------------------------------------------------------------- */

static k8sa_status red_service(m_model *m, json_object *item)
{
	m_service s;
	memset(&s, 0, sizeof(s));
	k8sa_status st = red_meta(m, item, &s.meta);
	if (st || !s.meta.name)
		return st;
	json_object *spec = jo(item, "spec");
	s.type = IN(m, js(spec, "type"));
	s.cluster_ip = IN(m, js(spec, "clusterIP"));
	s.external_name = IN(m, js(spec, "externalName"));
	if ((st = red_kv(m, jo(spec, "selector"), &s.selector, &s.nselector, M_MAX_LABELS)))
		return st;
	json_object *ports = jo(spec, "ports");
	size_t n = jlen(ports);
	if (n > M_MAX_ARRAY)
		n = M_MAX_ARRAY;
	if (n) {
		s.ports = m_alloc(&m->arena, n * sizeof(*s.ports));
		NOMEM_IF(!s.ports);
		for (size_t i = 0; i < n; i++) {
			json_object *p = json_object_array_get_idx(ports, i);
			s.ports[i].name = IN(m, js(p, "name"));
			s.ports[i].port = jint(p, "port", 0);
			s.ports[i].target = jscalar(m, p, "targetPort");
			s.ports[i].protocol = IN(m, js(p, "protocol"));
		}
		s.nports = (unsigned)n;
	}
	m_service *dst = VPUSH(m->services);
	NOMEM_IF(!dst);
	*dst = s;
	return K8SA_OK;
}

static k8sa_status red_endpoints(m_model *m, json_object *item)
{
	m_endpoints e;
	memset(&e, 0, sizeof(e));
	k8sa_status st = red_meta(m, item, &e.meta);
	if (st || !e.meta.name)
		return st;
	json_object *subsets = jo(item, "subsets");
	size_t n = jlen(subsets);
	const char *nr[8];
	unsigned nnr = 0;
	for (size_t i = 0; i < n; i++) {
		json_object *s = json_object_array_get_idx(subsets, i);
		e.ready += (int64_t)jlen(jo(s, "addresses"));
		json_object *na = jo(s, "notReadyAddresses");
		size_t k = jlen(na);
		e.not_ready += (int64_t)k;
		for (size_t j = 0; j < k && nnr < 8; j++) {
			const char *pn = js(jo(json_object_array_get_idx(na, j), "targetRef"), "name");
			if (pn)
				nr[nnr++] = IN(m, pn);
		}
	}
	if (nnr) {
		e.not_ready_pods = m_alloc(&m->arena, nnr * sizeof(*e.not_ready_pods));
		NOMEM_IF(!e.not_ready_pods);
		memcpy(e.not_ready_pods, nr, nnr * sizeof(*nr));
		e.nnot_ready_pods = nnr;
	}
	m_endpoints *dst = VPUSH(m->endpoints);
	NOMEM_IF(!dst);
	*dst = e;
	return K8SA_OK;
}

static k8sa_status add_backend(m_model *m, m_ingress *ing, json_object *be, const char *host, const char *path)
{
	json_object *svc = jo(be, "service");
	if (!svc || ing->nbackends >= M_MAX_ARRAY)
		return K8SA_OK;
	m_backend *b = &ing->backends[ing->nbackends++];
	b->host = IN(m, host);
	b->path = IN(m, path);
	b->service = IN(m, js(svc, "name"));
	json_object *port = jo(svc, "port");
	b->port = jint(port, "number", 0);
	b->port_name = IN(m, js(port, "name"));
	return K8SA_OK;
}

static k8sa_status red_ingress(m_model *m, json_object *item)
{
	m_ingress g;
	memset(&g, 0, sizeof(g));
	k8sa_status st = red_meta(m, item, &g.meta);
	if (st || !g.meta.name)
		return st;
	json_object *spec = jo(item, "spec");
	g.class_name = IN(m, js(spec, "ingressClassName"));
	g.backends = m_alloc(&m->arena, M_MAX_ARRAY * sizeof(*g.backends));
	NOMEM_IF(!g.backends);
	if (jo(spec, "defaultBackend"))
		add_backend(m, &g, jo(spec, "defaultBackend"), NULL, NULL);
	json_object *rules = jo(spec, "rules");
	for (size_t i = 0; i < jlen(rules); i++) {
		json_object *r = json_object_array_get_idx(rules, i);
		json_object *paths = jo(jo(r, "http"), "paths");
		for (size_t j = 0; j < jlen(paths); j++) {
			json_object *p = json_object_array_get_idx(paths, j);
			add_backend(m, &g, jo(p, "backend"), js(r, "host"), js(p, "path"));
		}
	}
	m_ingress *dst = VPUSH(m->ingresses);
	NOMEM_IF(!dst);
	*dst = g;
	return K8SA_OK;
}

/* ---- storage, config, autoscaling, quota, nodes ---------------------------------------- */

static k8sa_status red_pvc(m_model *m, json_object *item)
{
	m_pvc c;
	memset(&c, 0, sizeof(c));
	k8sa_status st = red_meta(m, item, &c.meta);
	if (st || !c.meta.name)
		return st;
	json_object *spec = jo(item, "spec");
	c.phase = IN(m, js(jo(item, "status"), "phase"));
	c.has_storage_class = jo(spec, "storageClassName") != NULL;
	c.storage_class = IN(m, js(spec, "storageClassName"));
	c.volume_name = IN(m, js(spec, "volumeName"));
	c.request = jscalar(m, jo(jo(spec, "resources"), "requests"), "storage");
	m_pvc *dst = VPUSH(m->pvcs);
	NOMEM_IF(!dst);
	*dst = c;
	return K8SA_OK;
}

static k8sa_status red_pv(m_model *m, json_object *item)
{
	m_pv v;
	memset(&v, 0, sizeof(v));
	k8sa_status st = red_meta(m, item, &v.meta);
	if (st || !v.meta.name)
		return st;
	json_object *spec = jo(item, "spec"), *status = jo(item, "status");
	v.phase = IN(m, js(status, "phase"));
	v.reason = IN(m, js(status, "reason"));
	v.message = IN(m, js(status, "message"));
	v.storage_class = IN(m, js(spec, "storageClassName"));
	v.claim_ns = IN(m, js(jo(spec, "claimRef"), "namespace"));
	v.claim_name = IN(m, js(jo(spec, "claimRef"), "name"));
	m_pv *dst = VPUSH(m->pvs);
	NOMEM_IF(!dst);
	*dst = v;
	return K8SA_OK;
}

static k8sa_status red_configmap(m_model *m, json_object *item)
{
	m_configmap c;
	memset(&c, 0, sizeof(c));
	k8sa_status st = red_meta(m, item, &c.meta);
	if (st || !c.meta.name)
		return st;
	/* keys only (the client already dropped the values; so does the disk loader here) */
	const char *keys[M_MAX_ARRAY];
	unsigned n = 0;
	static const char *const maps[2] = {"data", "binaryData"};
	for (int k = 0; k < 2; k++) {
		json_object *d = jo(item, maps[k]);
		if (!d || !json_object_is_type(d, json_type_object))
			continue;
		json_object_object_foreach(d, key, val) {
			(void)val;
			if (n < M_MAX_ARRAY)
				keys[n++] = IN(m, key);
		}
	}
	if (n) {
		c.keys = m_alloc(&m->arena, n * sizeof(*c.keys));
		NOMEM_IF(!c.keys);
		memcpy(c.keys, keys, n * sizeof(*keys));
		c.nkeys = n;
	}
	m_configmap *dst = VPUSH(m->configmaps);
	NOMEM_IF(!dst);
	*dst = c;
	return K8SA_OK;
}

static k8sa_status red_hpa(m_model *m, json_object *item)
{
	m_hpa h;
	memset(&h, 0, sizeof(h));
	k8sa_status st = red_meta(m, item, &h.meta);
	if (st || !h.meta.name)
		return st;
	json_object *spec = jo(item, "spec"), *status = jo(item, "status");
	h.target_kind = IN(m, js(jo(spec, "scaleTargetRef"), "kind"));
	h.target_name = IN(m, js(jo(spec, "scaleTargetRef"), "name"));
	h.min = jint(spec, "minReplicas", 1);
	h.max = jint(spec, "maxReplicas", 0);
	h.current = jint(status, "currentReplicas", 0);
	h.desired = jint(status, "desiredReplicas", 0);
	if ((st = red_conds(m, jo(status, "conditions"), &h.conds, &h.nconds)))
		return st;
	m_hpa *dst = VPUSH(m->hpas);
	NOMEM_IF(!dst);
	*dst = h;
	return K8SA_OK;
}

static k8sa_status red_quota(m_model *m, json_object *item)
{
	m_quota q;
	memset(&q, 0, sizeof(q));
	k8sa_status st = red_meta(m, item, &q.meta);
	if (st || !q.meta.name)
		return st;
	json_object *status = jo(item, "status");
	json_object *hard = jo(status, "hard"), *used = jo(status, "used");
	if (!hard)
		hard = jo(jo(item, "spec"), "hard");
	if (hard && json_object_is_type(hard, json_type_object)) {
		q.items = m_alloc(&m->arena, M_MAX_ARRAY * sizeof(*q.items));
		NOMEM_IF(!q.items);
		json_object_object_foreach(hard, k, v) {
			if (q.nitems >= M_MAX_ARRAY)
				break;
			m_quota_item *qi = &q.items[q.nitems++];
			qi->resource = IN(m, k);
			qi->hard = json_object_is_type(v, json_type_string) ? IN(m, json_object_get_string(v))
									  : jscalar(m, hard, k);
			qi->used = jscalar(m, used, k);
		}
	}
	m_quota *dst = VPUSH(m->quotas);
	NOMEM_IF(!dst);
	*dst = q;
	return K8SA_OK;
}

static k8sa_status red_node(m_model *m, json_object *item)
{
	m_node n;
	memset(&n, 0, sizeof(n));
	k8sa_status st = red_meta(m, item, &n.meta);
	if (st || !n.meta.name)
		return st;
	json_object *spec = jo(item, "spec"), *status = jo(item, "status");
	n.unschedulable = jbool(spec, "unschedulable");
	json_object *taints = jo(spec, "taints");
	size_t nt = jlen(taints);
	if (nt > M_MAX_ARRAY)
		nt = M_MAX_ARRAY;
	if (nt) {
		n.taints = m_alloc(&m->arena, nt * sizeof(*n.taints));
		NOMEM_IF(!n.taints);
		for (size_t i = 0; i < nt; i++) {
			json_object *t = json_object_array_get_idx(taints, i);
			n.taints[i].key = IN(m, js(t, "key"));
			n.taints[i].value = IN(m, js(t, "value"));
			n.taints[i].effect = IN(m, js(t, "effect"));
		}
		n.ntaints = (unsigned)nt;
	}
	json_object *alloc = jo(status, "allocatable");
	n.alloc_cpu = jscalar(m, alloc, "cpu");
	n.alloc_mem = jscalar(m, alloc, "memory");
	n.alloc_pods = jscalar(m, alloc, "pods");
	if ((st = red_conds(m, jo(status, "conditions"), &n.conds, &n.nconds)))
		return st;
	m_node *dst = VPUSH(m->nodes);
	NOMEM_IF(!dst);
	*dst = n;
	return K8SA_OK;
}

static k8sa_status red_namespace(m_model *m, json_object *item)
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
	free(m->namespaces.v);
	free(m->ev_tab);
	free(m->healthy_idx);
	m_arena_free(&m->arena);
	memset(m, 0, sizeof(*m));
}

k8sa_status m_model_add(m_model *m, k8sa_resource res, json_object *item)
{
	if (!item || !json_object_is_type(item, json_type_object))
		return K8SA_OK;
	if ((unsigned)res < K8SA_RES_COUNT)
		m->seen[res]++;
	switch (res) {
	case K8SA_RES_NAMESPACES: return red_namespace(m, item);
	case K8SA_RES_NODES: return red_node(m, item);
	case K8SA_RES_PODS: return red_pod(m, item);
	case K8SA_RES_EVENTS: return red_event(m, item);
	case K8SA_RES_DEPLOYMENTS: return red_workload(m, item, M_WL_DEPLOYMENT);
	case K8SA_RES_REPLICASETS: return red_workload(m, item, M_WL_REPLICASET);
	case K8SA_RES_STATEFULSETS: return red_workload(m, item, M_WL_STATEFULSET);
	case K8SA_RES_DAEMONSETS: return red_workload(m, item, M_WL_DAEMONSET);
	case K8SA_RES_JOBS: return red_job(m, item);
	case K8SA_RES_CRONJOBS: return red_cronjob(m, item);
	case K8SA_RES_SERVICES: return red_service(m, item);
	case K8SA_RES_ENDPOINTS: return red_endpoints(m, item);
	case K8SA_RES_PVCS: return red_pvc(m, item);
	case K8SA_RES_CONFIGMAPS: return red_configmap(m, item);
	case K8SA_RES_INGRESSES: return red_ingress(m, item);
	case K8SA_RES_HPAS: return red_hpa(m, item);
	case K8SA_RES_RESOURCEQUOTAS: return red_quota(m, item);
	case K8SA_RES_PERSISTENTVOLUMES: return red_pv(m, item);
	case K8SA_RES_NETWORKPOLICIES:
	case K8SA_RES_INGRESSCLASSES:
	case K8SA_RES_STORAGECLASSES:
	case K8SA_RES_SERVICEACCOUNTS:
	case K8SA_RES_PDBS: return K8SA_OK;
	}
	return K8SA_OK;
}

static int cmpstr(const char *a, const char *b)
{
	return strcmp(a ? a : "", b ? b : "");
}

static int cmp_meta(const m_meta *a, const m_meta *b)
{
	int c = cmpstr(a->ns, b->ns);
	return c ? c : cmpstr(a->name, b->name);
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
	case K8SA_RES_NETWORKPOLICIES:
	case K8SA_RES_INGRESSCLASSES:
	case K8SA_RES_STORAGECLASSES:
	case K8SA_RES_SERVICEACCOUNTS:
	case K8SA_RES_PDBS: break;
	}
	if (wk >= 0) { /* the four workload kinds share one array */
		size_t j = 0;
		for (size_t i = 0; i < m->workloads.n; i++)
			if ((int)m->workloads.v[i].wkind != wk)
				m->workloads.v[j++] = m->workloads.v[i];
		m->workloads.n = j;
	}
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

/* ---- queries -------------------------------------------------------------------------- */

const m_cond *m_cond_find(const m_cond *c, unsigned n, const char *type)
{
	for (unsigned i = 0; i < n; i++)
		if (c[i].type && strcmp(c[i].type, type) == 0)
			return &c[i];
	return NULL;
}

const char *m_label(const m_meta *meta, const char *key)
{
	for (unsigned i = 0; i < meta->nlabels; i++)
		if (strcmp(meta->labels[i].k, key) == 0)
			return meta->labels[i].v;
	return NULL;
}

const m_owner *m_controller(const m_meta *meta)
{
	for (unsigned i = 0; i < meta->nowners; i++)
		if (meta->owners[i].controller)
			return &meta->owners[i];
	return meta->nowners ? &meta->owners[0] : NULL;
}

int m_selector_matches(const m_kv *sel, unsigned nsel, const m_meta *meta)
{
	if (!nsel)
		return 0;
	for (unsigned i = 0; i < nsel; i++) {
		const char *v = m_label(meta, sel[i].k);
		if (!v || strcmp(v, sel[i].v) != 0)
			return 0;
	}
	return 1;
}

/* Bisect a vector sorted by (ns, name): the meta is the first member of each element. */
static void *find_meta(void *base, size_t n, size_t elem, size_t meta_off, const char *ns, const char *name)
{
	size_t lo = 0, hi = n;
	m_meta key = {.name = name, .ns = ns};
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		char *e = (char *)base + mid * elem;
		int c = cmp_meta((const m_meta *)(e + meta_off), &key);
		if (c == 0)
			return e;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

#define FIND(vec, T, ns, name) ((T *)find_meta((vec).v, (vec).n, sizeof(T), offsetof(T, meta), ns, name))

m_pod *m_find_pod(m_model *m, const char *ns, const char *name)
{
	return FIND(m->pods, m_pod, ns, name);
}

m_job *m_find_job(m_model *m, const char *ns, const char *name)
{
	return FIND(m->jobs, m_job, ns, name);
}

m_pvc *m_find_pvc(m_model *m, const char *ns, const char *name)
{
	return FIND(m->pvcs, m_pvc, ns, name);
}

m_node *m_find_node(m_model *m, const char *name)
{
	return FIND(m->nodes, m_node, NULL, name);
}

m_service *m_find_service(m_model *m, const char *ns, const char *name)
{
	return FIND(m->services, m_service, ns, name);
}

m_endpoints *m_find_endpoints(m_model *m, const char *ns, const char *name)
{
	return FIND(m->endpoints, m_endpoints, ns, name);
}

m_configmap *m_find_configmap(m_model *m, const char *ns, const char *name)
{
	return FIND(m->configmaps, m_configmap, ns, name);
}

m_workload *m_find_workload(m_model *m, m_wl_kind k, const char *ns, const char *name)
{
	/* workloads are sorted by kind first: bisect within the kind's run */
	size_t lo = 0, hi = m->workloads.n;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if ((int)m->workloads.v[mid].wkind < (int)k)
			lo = mid + 1;
		else
			hi = mid;
	}
	size_t start = lo;
	hi = m->workloads.n;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if ((int)m->workloads.v[mid].wkind <= (int)k)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == start)
		return NULL; /* also keeps NULL + 0 (undefined) away when there are no workloads */
	return (m_workload *)find_meta(m->workloads.v + start, lo - start, sizeof(m_workload),
				       offsetof(m_workload, meta), ns, name);
}

const m_container *m_pod_container(const m_pod *p, const char *name, int *is_init)
{
	if (is_init)
		*is_init = 0;
	for (unsigned i = 0; name && i < p->ncontainers; i++)
		if (p->containers[i].name && strcmp(p->containers[i].name, name) == 0)
			return &p->containers[i];
	for (unsigned i = 0; name && i < p->ninits; i++)
		if (p->inits[i].name && strcmp(p->inits[i].name, name) == 0) {
			if (is_init)
				*is_init = 1;
			return &p->inits[i];
		}
	return NULL;
}

const m_log *m_pod_log(const m_pod *p, const char *container, int previous)
{
	for (const m_log *l = p->logs; l; l = l->next)
		if (l->previous == previous && container && l->container && strcmp(l->container, container) == 0)
			return l;
	return NULL;
}

static int bad_waiting(const char *r)
{
	return r && strcmp(r, "ContainerCreating") != 0 && strcmp(r, "PodInitializing") != 0;
}

int m_container_wants_logs(const m_pod *p, const m_cstatus *cs, int *previous)
{
	int want = 0;
	if (previous)
		*previous = 0;
	if (cs->state.kind == M_STATE_WAITING && bad_waiting(cs->state.reason))
		want = 1;
	if (cs->state.kind == M_STATE_TERMINATED && cs->state.exit_code != 0)
		want = 1;
	if (cs->restarts > 0)
		want = 1;
	if (!cs->ready && cs->state.kind == M_STATE_RUNNING)
		want = 1;
	/* evicted pods' containers were killed by the kubelet: their logs tell nothing */
	if (p->reason && strcmp(p->reason, "Evicted") == 0)
		return 0;
	/* image pull failures and config errors never started: there is no log */
	if (cs->state.kind == M_STATE_WAITING && cs->state.reason &&
	    (strstr(cs->state.reason, "Image") || strstr(cs->state.reason, "ConfigError") ||
	     strcmp(cs->state.reason, "ErrImagePull") == 0) &&
	    cs->last.kind != M_STATE_TERMINATED)
		return 0;
	if (want && previous && cs->last.kind == M_STATE_TERMINATED)
		*previous = 1;
	return want;
}

void m_events_for(const m_model *m, const char *kind, const char *ns, const char *name, m_event_fn fn, void *ud)
{
	m_event key = {.kind = kind, .ns = ns, .name = name, .last = INT64_MAX};
	size_t lo = 0, hi = m->events.n;
	/* lower bound of (kind, ns, name) */
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		const m_event *e = &m->events.v[mid];
		int c = cmpstr(e->kind, key.kind);
		if (!c)
			c = cmpstr(e->ns, key.ns);
		if (!c)
			c = cmpstr(e->name, key.name);
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (size_t i = lo; i < m->events.n; i++) {
		const m_event *e = &m->events.v[i];
		if (cmpstr(e->kind, kind) || cmpstr(e->ns, ns) || cmpstr(e->name, name))
			break;
		if (fn(ud, e))
			break;
	}
}
