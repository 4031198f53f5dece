/* SPDX-License-Identifier: MIT */
/* Snapshot: options, taking one through the client (two parallel batches: lists, then the
 * logs of unhealthy containers), loading one from a scenario directory, gaps and counts. */
#include "internal.h"
#include "defaults.h"
#include "snapshot_internal.h"
#include "kube_internal.h"
#include "jv.h"

#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

const k8sa_snapshot_opts k8sa_snap_default_opts = {
	K8SA_SNAP_MAX_PODS, K8SA_SNAP_MAX_EVENTS, K8SA_SNAP_LOG_LINES, K8SA_SNAP_LOG_BYTES, K8SA_SNAP_TOTAL_LOG_BYTES,
	K8SA_SNAP_LOGS_PER_OWNER,
};

/* ---- options ---------------------------------------------------------------------------- */

K8SA_EXPORT k8sa_status k8sa_snapshot_opts_new(k8sa_snapshot_opts **out, k8sa_error *err)
{
	if (!out)
		return k8sa_fail(err, K8SA_E_INVALID_ARG, "k8sa_snapshot_opts_new: out is NULL");
	k8sa_snapshot_opts *o = malloc(sizeof(*o));
	if (!o)
		return *out = NULL, k8sa_fail(err, K8SA_E_NOMEM, "out of memory");
	*o = k8sa_snap_default_opts;
	*out = o;
	return K8SA_OK;
}

K8SA_EXPORT void k8sa_snapshot_opts_free(k8sa_snapshot_opts *opts)
{
	free(opts);
}

/* The typed setters; a NULL handle is ignored, negative sizes count as 0. */
#define OPT_SETTER(what, type, value)                                                            \
	K8SA_EXPORT void k8sa_snapshot_opts_set_##what(k8sa_snapshot_opts *o, type v)            \
	{                                                                                        \
		if (o)                                                                           \
			o->what = (value);                                                       \
	}
OPT_SETTER(max_pods, size_t, v)
OPT_SETTER(max_events, size_t, v)
OPT_SETTER(log_lines, long, v < 0 ? 0 : v)
OPT_SETTER(log_bytes, long, v < 0 ? 0 : v)
OPT_SETTER(total_log_bytes, size_t, v)
OPT_SETTER(logs_per_owner, unsigned, v)

/* ---- snapshot object ---------------------------------------------------------------------- */

k8sa_snapshot *k8sa_snap_new(const char *ns, const k8sa_snapshot_opts *o)
{
	k8sa_snapshot *s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	if (ns && !(s->ns = strdup(ns))) {
		free(s);
		return NULL;
	}
	m_model_init(&s->m, o->max_pods, o->max_events);
	s->taken_at = (int64_t)time(NULL);
	return s;
}

K8SA_EXPORT void k8sa_snapshot_free(k8sa_snapshot *snap)
{
	if (!snap)
		return;
	m_model_free(&snap->m);
	for (size_t i = 0; i < snap->ngaps; i++)
		free(snap->gaps[i]);
	free(snap->gaps);
	free(snap->ns);
	free(snap);
}

const m_model *k8sa_snapshot_model(const k8sa_snapshot *snap)
{
	return &snap->m;
}

K8SA_EXPORT const char *k8sa_snapshot_namespace(const k8sa_snapshot *snap)
{
	return snap ? snap->ns : NULL;
}

K8SA_EXPORT size_t k8sa_snapshot_count(const k8sa_snapshot *snap, k8sa_resource res)
{
	if (!snap)
		return 0;
	const m_model *m = &snap->m;
	size_t n = 0;
	switch (res) {
	case K8SA_RES_NAMESPACES: return m->namespaces.n;
	case K8SA_RES_NODES: return m->nodes.n;
	case K8SA_RES_PODS: return m->pods.n;
	case K8SA_RES_EVENTS: return m->events.n;
	case K8SA_RES_DEPLOYMENTS:
	case K8SA_RES_REPLICASETS:
	case K8SA_RES_STATEFULSETS:
	case K8SA_RES_DAEMONSETS: {
		m_wl_kind k = res == K8SA_RES_DEPLOYMENTS   ? M_WL_DEPLOYMENT
			      : res == K8SA_RES_REPLICASETS ? M_WL_REPLICASET
			      : res == K8SA_RES_STATEFULSETS ? M_WL_STATEFULSET
							     : M_WL_DAEMONSET;
		for (size_t i = 0; i < m->workloads.n; i++)
			n += m->workloads.v[i].wkind == k;
		return n;
	}
	case K8SA_RES_JOBS: return m->jobs.n;
	case K8SA_RES_CRONJOBS: return m->cronjobs.n;
	case K8SA_RES_SERVICES: return m->services.n;
	case K8SA_RES_ENDPOINTS: return m->endpoints.n;
	case K8SA_RES_PVCS: return m->pvcs.n;
	case K8SA_RES_CONFIGMAPS: return m->configmaps.n;
	case K8SA_RES_INGRESSES: return m->ingresses.n;
	case K8SA_RES_HPAS: return m->hpas.n;
	case K8SA_RES_RESOURCEQUOTAS: return m->quotas.n;
	case K8SA_RES_PERSISTENTVOLUMES: return m->pvs.n;
	}
	return 0;
}

K8SA_EXPORT size_t k8sa_snapshot_log_count(const k8sa_snapshot *snap)
{
	return snap ? snap->nlogs : 0;
}

K8SA_EXPORT size_t k8sa_snapshot_gap_count(const k8sa_snapshot *snap)
{
	return snap ? snap->ngaps : 0;
}

k8sa_status k8sa_snap_add_gap(k8sa_snapshot *s, const char *what, const k8sa_error *e)
{
	char buf[K8SA_ERROR_MESSAGE_SIZE + 128];
	snprintf(buf, sizeof(buf), "%s: %s: %s", what, k8sa_strerror(e->code), e->message);
	for (size_t i = 0; i < s->ngaps; i++)
		if (strcmp(s->gaps[i], buf) == 0)
			return K8SA_OK;
	char **g = realloc(s->gaps, (s->ngaps + 1) * sizeof(*g));
	if (!g)
		return K8SA_E_NOMEM;
	s->gaps = g;
	if (!(g[s->ngaps] = strdup(buf)))
		return K8SA_E_NOMEM;
	s->ngaps++;
	return K8SA_OK;
}

K8SA_EXPORT k8sa_status k8sa_snapshot_gaps_json(const k8sa_snapshot *snap, char **out, k8sa_error *err)
{
	if (!snap || !out)
		return k8sa_fail(err, K8SA_E_INVALID_ARG, "snapshot and out are required");
	json_object *a = json_object_new_array();
	if (!a)
		return k8sa_fail(err, K8SA_E_NOMEM, "out of memory");
	for (size_t i = 0; i < snap->ngaps; i++)
		json_object_array_add(a, json_object_new_string(snap->gaps[i]));
	*out = strdup(json_object_to_json_string_ext(a, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(a);
	return *out ? K8SA_OK : k8sa_fail(err, K8SA_E_NOMEM, "out of memory");
}

/* ---- logs ------------------------------------------------------------------------------- */

size_t k8sa_log_tail(char *text, size_t len, long lines, long bytes, int *cut)
{
	size_t start = 0;
	if (cut)
		*cut = 0;
	if (lines > 0) {
		/* walk back over `lines` newlines (a trailing newline ends the last line) */
		size_t i = len;
		if (i && text[i - 1] == '\n')
			i--;
		long seen = 0;
		while (i > 0) {
			if (text[i - 1] == '\n' && ++seen == lines)
				break;
			i--;
		}
		start = i;
	}
	if (bytes > 0 && len - start > (size_t)bytes) {
		start = len - (size_t)bytes;
		/* do not start mid-line when a line break is near */
		char *nl = memchr(text + start, '\n', len - start);
		if (nl && (size_t)(nl - (text + start)) < 256 && nl + 1 < text + len)
			start = (size_t)(nl + 1 - text);
	}
	if (start) {
		memmove(text, text + start, len - start);
		len -= start;
		text[len] = 0;
		if (cut)
			*cut = 1;
	}
	return len;
}

typedef struct owner_count {
	const char *kind, *name, *ns, *container; /* interned */
	unsigned n;
} owner_count;

/* Which container logs to fetch: unhealthy containers only, a few pods per owner and
 * container (the rest of the group fails the same way), within the total byte budget. */
k8sa_status k8sa_snap_plan_logs(k8sa_snapshot *s, const k8sa_snapshot_opts *o, log_job **out, size_t *nout)
{
	*out = NULL;
	*nout = 0;
	if (o->log_lines <= 0)
		return K8SA_OK;
	size_t per = o->log_bytes > 0 ? (size_t)o->log_bytes : K8SA_SNAP_LOG_BYTES_UNSET;
	size_t budget = o->total_log_bytes ? o->total_log_bytes / per : SIZE_MAX;
	size_t cap = 0, n = 0, ncnt = 0, ccap = 0;
	log_job *jobs = NULL;
	owner_count *cnt = NULL;
	k8sa_status st = K8SA_OK;
	m_model *m = &s->m;
	for (size_t i = 0; i < m->pods.n; i++) {
		const m_pod *p = &m->pods.v[i];
		if (p->healthy)
			continue;
		const m_owner *ow = m_controller(&p->meta);
		for (unsigned k = 0; k < p->ninit_statuses + p->nstatuses; k++) {
			const m_cstatus *cs = k < p->ninit_statuses ? &p->init_statuses[k]
								    : &p->statuses[k - p->ninit_statuses];
			int prev = 0;
			if (!cs->name || !m_container_wants_logs(p, cs, &prev))
				continue;
			int cur = cs->state.kind == M_STATE_RUNNING || cs->state.kind == M_STATE_TERMINATED;
			if (!cur && !prev)
				continue;
			/* per (owner, container) cap */
			const char *okind = ow ? ow->kind : "Pod", *oname = ow ? ow->name : p->meta.name;
			owner_count *c = NULL;
			for (size_t j = 0; j < ncnt; j++)
				if (cnt[j].kind == okind && cnt[j].name == oname && cnt[j].ns == p->meta.ns &&
				    cnt[j].container == cs->name) {
					c = &cnt[j];
					break;
				}
			if (!c) {
				if (ncnt == ccap) {
					size_t nc = ccap ? ccap * 2 : 32;
					owner_count *nn = realloc(cnt, nc * sizeof(*nn));
					if (!nn) {
						st = K8SA_E_NOMEM;
						goto out;
					}
					cnt = nn;
					ccap = nc;
				}
				c = &cnt[ncnt++];
				*c = (owner_count){okind, oname, p->meta.ns, cs->name, 0};
			}
			if (o->logs_per_owner && c->n >= o->logs_per_owner)
				continue;
			if (n + (size_t)cur + (size_t)prev > budget) {
				s->logs_skipped++;
				continue;
			}
			c->n++;
			for (int pv = 0; pv < 2; pv++) {
				if (!(pv ? prev : cur))
					continue;
				if (n == cap) {
					size_t nc = cap ? cap * 2 : 16;
					log_job *nj = realloc(jobs, nc * sizeof(*nj));
					if (!nj) {
						st = K8SA_E_NOMEM;
						goto out;
					}
					jobs = nj;
					cap = nc;
				}
				jobs[n++] = (log_job){i, cs->name, pv};
			}
		}
	}
out:
	free(cnt);
	if (st) {
		free(jobs);
		return st;
	}
	*out = jobs;
	*nout = n;
	return K8SA_OK;
}

k8sa_status k8sa_snap_keep_log(k8sa_snapshot *s, const k8sa_snapshot_opts *o, const log_job *j, char *text,
			    size_t len)
{
	int cut = 0;
	len = k8sa_log_tail(text, len, o->log_lines, o->log_bytes, &cut);
	k8sa_status st = m_pod_add_log(&s->m, &s->m.pods.v[j->pod], j->container, j->previous, text, len, cut);
	if (!st) {
		s->nlogs++;
		s->log_bytes += len;
	}
	return st;
}

/* ---- the resources a snapshot reads ---- */

const k8sa_resource k8sa_snap_namespaced[] = {
	K8SA_RES_PODS, K8SA_RES_EVENTS, K8SA_RES_DEPLOYMENTS, K8SA_RES_REPLICASETS,
	K8SA_RES_STATEFULSETS, K8SA_RES_DAEMONSETS, K8SA_RES_JOBS, K8SA_RES_CRONJOBS,
	K8SA_RES_SERVICES, K8SA_RES_ENDPOINTS, K8SA_RES_PVCS, K8SA_RES_CONFIGMAPS,
	K8SA_RES_INGRESSES, K8SA_RES_HPAS, K8SA_RES_RESOURCEQUOTAS,
};
const k8sa_resource k8sa_snap_cluster_scoped[] = {K8SA_RES_NODES, K8SA_RES_PERSISTENTVOLUMES};

/* ---- loading from a scenario directory ----------------------------------------------------- */

static const char *const res_file[K8SA_RES_COUNT] = {
	[K8SA_RES_NAMESPACES] = "namespaces.json",
	[K8SA_RES_NODES] = "nodes.json",
	[K8SA_RES_PODS] = "pods.json",
	[K8SA_RES_EVENTS] = "events.json",
	[K8SA_RES_DEPLOYMENTS] = "deployments.json",
	[K8SA_RES_REPLICASETS] = "replicasets.json",
	[K8SA_RES_STATEFULSETS] = "statefulsets.json",
	[K8SA_RES_DAEMONSETS] = "daemonsets.json",
	[K8SA_RES_JOBS] = "jobs.json",
	[K8SA_RES_CRONJOBS] = "cronjobs.json",
	[K8SA_RES_SERVICES] = "services.json",
	[K8SA_RES_ENDPOINTS] = "endpoints.json",
	[K8SA_RES_PVCS] = "persistentvolumeclaims.json",
	[K8SA_RES_CONFIGMAPS] = "configmaps.json",
	[K8SA_RES_INGRESSES] = "ingresses.json",
	[K8SA_RES_HPAS] = "horizontalpodautoscalers.json",
	[K8SA_RES_RESOURCEQUOTAS] = "resourcequotas.json",
	[K8SA_RES_PERSISTENTVOLUMES] = "persistentvolumes.json",
};

const char *k8sa_snap_resource_name(k8sa_resource res)
{
	static const char *const names[K8SA_RES_COUNT] = {
		"namespaces", "nodes", "pods", "events", "deployments", "replicasets", "statefulsets",
		"daemonsets", "jobs", "cronjobs", "services", "endpoints", "persistentvolumeclaims",
		"configmaps", "ingresses", "horizontalpodautoscalers", "resourcequotas",
		"persistentvolumes",
	};
	return (unsigned)res < K8SA_RES_COUNT ? names[res] : "unknown";
}

/* A path built on the heap: scenario paths have no fixed bound. */
static char *pathf(const char *fmt, ...) K8SA_PRINTF(1, 2);
static char *pathf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return NULL;
	char *p = malloc((size_t)n + 1);
	if (!p)
		return NULL;
	va_start(ap, fmt);
	vsnprintf(p, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return p;
}

static int is_dir(const char *p)
{
	struct stat st;
	return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

static k8sa_status load_list(k8sa_snapshot *s, const char *dir, k8sa_resource res, k8sa_error *err)
{
	char *path = pathf("%s/%s", dir, res_file[res]);
	if (!path)
		return k8sa_fail(err, K8SA_E_NOMEM, "out of memory");
	FILE *f = fopen(path, "rb");
	if (!f) {
		k8sa_status r = errno == ENOENT ? K8SA_OK : k8sa_fail(err, K8SA_E_IO, "%s: %s", path, strerror(errno));
		free(path);
		return r;
	}
	fclose(f);
	/* jv reads the file in place; what it does not read as json_object_from_file() would
	 * (its depth limit is 32: deep files go to json-c; so do scalars and errors) goes
	 * through json-c, with the same message, and is read back by jv */
	char *text = NULL;
	size_t len = 0;
	jv_doc doc = {0};
	int rc = -1;
	if (k8sa_read_file(path, SIZE_MAX / 2, &text, &len, NULL) == K8SA_OK) {
		rc = jv_parse(&doc, text, len, 30, NULL);
		if (rc == 0 && !jv_is(jv_root(&doc), JV_OBJ) && !jv_is(jv_root(&doc), JV_ARR))
			rc = -1;
	}
	if (rc == -1) {
		free(text);
		text = NULL;
		json_object *jdoc = json_object_from_file(path);
		if (!jdoc) {
			jv_doc_free(&doc);
			k8sa_fail(err, K8SA_E_PROTOCOL, "%s: not valid JSON", path);
			free(path);
			return K8SA_E_PROTOCOL;
		}
		rc = jv_from_jsonc(&doc, jdoc, &text);
		json_object_put(jdoc);
	}
	k8sa_status st = rc == -2 ? K8SA_E_NOMEM : rc ? K8SA_E_PROTOCOL : K8SA_OK;
	jv *items = st ? NULL : jv_get(jv_root(&doc), "items", 5);
	for (jv *it = jv_first(items); it && !st; it = jv_next(items, it))
		st = m_model_add_jv(&s->m, res, it);
	jv_doc_free(&doc);
	free(text);
	if (st)
		k8sa_fail(err, st, "%s: %s", path, k8sa_strerror(st));
	free(path);
	return st;
}

/* Every namespaced list of one namespace directory (a missing directory is an empty
 * namespace, as the API server answers for a namespace that does not exist). */
static k8sa_status load_namespace(k8sa_snapshot *s, const char *cluster, const char *ns, k8sa_error *err)
{
	char *path = pathf("%s/%s", cluster, ns);
	if (!path)
		return k8sa_fail(err, K8SA_E_NOMEM, "out of memory");
	k8sa_status st = K8SA_OK;
	if (is_dir(path))
		for (size_t i = 0; i < K8SA_SNAP_NNS && !st; i++)
			st = load_list(s, path, k8sa_snap_namespaced[i], err);
	free(path);
	return st;
}

K8SA_EXPORT k8sa_status k8sa_snapshot_load_dir(const char *dir, const char *ns, const k8sa_snapshot_opts *opts,
					       k8sa_snapshot **out, k8sa_error *err)
{
	if (!dir || !out)
		return k8sa_fail(err, K8SA_E_INVALID_ARG, "dir and out are required");
	*out = NULL;
	char *cluster = pathf("%s/cluster", dir);
	if (cluster && !is_dir(cluster)) {
		free(cluster);
		cluster = pathf("%s", dir);
	}
	if (!cluster)
		return k8sa_fail(err, K8SA_E_NOMEM, "out of memory");
	if (!is_dir(cluster)) {
		free(cluster);
		return k8sa_fail(err, K8SA_E_IO, "%s: not a scenario directory", dir);
	}
	const k8sa_snapshot_opts *o = opts ? opts : &k8sa_snap_default_opts;
	k8sa_snapshot *s = k8sa_snap_new(ns, o);
	if (!s) {
		free(cluster);
		return k8sa_fail(err, K8SA_E_NOMEM, "out of memory");
	}
	k8sa_status st = K8SA_OK;
	for (size_t i = 0; i < K8SA_SNAP_NCS && !st; i++)
		st = load_list(s, cluster, k8sa_snap_cluster_scoped[i], err);
	if (ns) {
		if (!st)
			st = load_namespace(s, cluster, ns, err);
	} else {
		DIR *d = opendir(cluster);
		struct dirent *de;
		while (!st && d && (de = readdir(d)) != NULL)
			if (de->d_name[0] != '.')
				st = load_namespace(s, cluster, de->d_name, err);
		if (d)
			closedir(d);
	}
	if (!st && (st = m_model_finish(&s->m)))
		k8sa_fail(err, st, "out of memory");
	log_job *jobs = NULL;
	size_t njobs = 0;
	if (!st && (st = k8sa_snap_plan_logs(s, o, &jobs, &njobs)))
		k8sa_fail(err, st, "out of memory");
	for (size_t i = 0; !st && i < njobs; i++) {
		const m_pod *p = &s->m.pods.v[jobs[i].pod];
		char *path = pathf("%s/%s/logs/%s/%s%s", cluster, p->meta.ns ? p->meta.ns : "", p->meta.name,
				   jobs[i].container, jobs[i].previous ? ".previous.log" : ".log");
		if (!path) {
			st = k8sa_fail(err, K8SA_E_NOMEM, "out of memory");
			break;
		}
		char *text;
		size_t len;
		k8sa_status r = k8sa_read_file(path, K8SA_SNAP_MAX_LOG_FILE, &text, &len, NULL);
		free(path);
		if (r == K8SA_OK) {
			st = k8sa_snap_keep_log(s, o, &jobs[i], text, len);
			free(text);
			if (st)
				k8sa_fail(err, st, "out of memory");
		} else if (r == K8SA_E_NOMEM) {
			st = k8sa_fail(err, r, "out of memory");
		}
	}
	free(cluster);
	free(jobs);
	if (st) {
		k8sa_snapshot_free(s);
		return st;
	}
	*out = s;
	return K8SA_OK;
}
