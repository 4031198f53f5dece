/* SPDX-License-Identifier: MIT */
/* Taking a snapshot through the Kubernetes client: one parallel batch of lists, reduced as
 * pages arrive, then one batch for the logs of unhealthy containers. */
#include "internal.h"
#include "snapshot_internal.h"
#include "kube_internal.h"
#include <k8sagent/agent.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- taking through the client ------------------------------------------------------------ */

typedef struct item_ctx {
	k8sa_snapshot *snap;
	k8sa_resource res;
} item_ctx;

/* The client calls this from the thread running k8sa_kube_run() (curl multi), one item at a
 * time, so the model needs no lock. */
static k8sa_status on_item(void *ud, struct jv *item)
{
	item_ctx *c = ud;
	return m_model_add_jv(&c->snap->m, c->res, item);
}

/* A list restarted after 410 Expired delivers its items again: forget the first copies. */
static void on_restart(void *ud)
{
	item_ctx *c = ud;
	m_model_drop(&c->snap->m, c->res);
}

/* ---- logs ----------------------------------------------------------------------------------
 *
 * The kubelet applies limitBytes to the START of the tailLines tail: with both set, a verbose
 * log loses its end, the very line (FATAL, the last frame of a traceback) that says why the
 * container died. So the server-side byte limit here is only a safety cap, well above what is
 * kept; when a body reaches it, the end may be missing, and the log is asked for again with
 * fewer lines (estimated from the lines that did arrive) until the tail fits. The bound to
 * the kept size is then applied on our side, from the front (k8sa_log_tail). */

#define LOG_ASK_FACTOR 4      /* ask for up to this many times the bytes kept */
#define LATE_MAX 5

/* The kinds only some checks need (dangling references, policies): read in the second
 * batch, with the logs, and only when the first batch shows something they could explain,
 * so a healthy namespace of 10,000 pods pays no extra request for them. */
static int is_late(k8sa_resource r)
{
	return r == K8SA_RES_NETWORKPOLICIES || r == K8SA_RES_SERVICEACCOUNTS || r == K8SA_RES_PDBS ||
	       r == K8SA_RES_STORAGECLASSES || r == K8SA_RES_INGRESSCLASSES;
}

static size_t plan_late(k8sa_snapshot *s, const char *ns, k8sa_kube_req *late, item_ctx *ctx)
{
	const m_model *m = &s->m;
	int unhealthy = 0, pending_claim = 0, classed_ingress = 0, sa_error = 0;
	for (size_t i = 0; i < m->pods.n && !unhealthy; i++)
		unhealthy = !m->pods.v[i].healthy && !(m->pods.v[i].phase && !strcmp(m->pods.v[i].phase, "Succeeded"));
	for (size_t i = 0; i < m->workloads.n && !unhealthy; i++)
		unhealthy = m->workloads.v[i].desired > 0 && m->workloads.v[i].ready < m->workloads.v[i].desired;
	for (size_t i = 0; i < m->pvcs.n && !pending_claim; i++)
		pending_claim = m->pvcs.v[i].phase && !strcmp(m->pvcs.v[i].phase, "Pending");
	for (size_t i = 0; i < m->workloads.n && !pending_claim; i++)
		pending_claim = m->workloads.v[i].nclaim_classes && m->workloads.v[i].ready < m->workloads.v[i].desired;
	for (size_t i = 0; i < m->ingresses.n && !classed_ingress; i++)
		classed_ingress = m->ingresses.v[i].class_name != NULL;
	for (size_t i = 0; i < m->events.n && !sa_error; i++)
		sa_error = m->events.v[i].message && strstr(m->events.v[i].message, "serviceaccount \"");
	struct {
		k8sa_resource res;
		int need, namespaced;
	} want[LATE_MAX] = {
		{K8SA_RES_NETWORKPOLICIES, m->services.n > 0 || unhealthy, 1}, /* isolation; policies in the facts */
		{K8SA_RES_PDBS, unhealthy, 1},                               /* a budget exhausted by failing pods */
		{K8SA_RES_SERVICEACCOUNTS, sa_error, 1},                     /* which accounts do exist */
		{K8SA_RES_STORAGECLASSES, pending_claim, 0},
		{K8SA_RES_INGRESSCLASSES, classed_ingress, 0},
	};
	size_t n = 0;
	for (size_t k = 0; k < LATE_MAX; k++) {
		if (!want[k].need)
			continue;
		memset(&late[n], 0, sizeof(late[n]));
		ctx[n].snap = s;
		ctx[n].res = want[k].res;
		late[n].type = K8SA_REQ_LIST;
		late[n].resource = want[k].res;
		late[n].ns = want[k].namespaced ? ns : NULL;
		late[n].on_jitem = on_item;
		late[n].ud = &ctx[n];
		late[n].on_restart = on_restart;
		n++;
	}
	return n;
}

/* After the late lists: gaps for those refused, and their vectors sorted for the finders. */
static k8sa_status late_done(k8sa_snapshot *s, k8sa_kube_req *late, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (late[i].status == K8SA_E_NOMEM)
			return K8SA_E_NOMEM;
		if (late[i].status != K8SA_OK &&
		    k8sa_snap_add_gap(s, k8sa_snap_resource_name(late[i].resource), &late[i].err))
			return K8SA_E_NOMEM;
	}
	m_model_finish_late(&s->m);
	return K8SA_OK;
}
#define LOG_ASK_ROUNDS 3      /* re-asks with fewer lines */

static long count_lines(const char *s, size_t n)
{
	long k = 0;
	for (size_t i = 0; i < n; i++)
		k += s[i] == '\n';
	return k;
}

static k8sa_status fetch_logs(k8sa_kube *kube, k8sa_snapshot *s, const k8sa_snapshot_opts *o, const log_job *jobs,
			      size_t njobs, k8sa_kube_req *late, size_t nlate)
{
	k8sa_kube_req *lr = calloc(njobs ? njobs : 1, sizeof(*lr));
	unsigned char *want = calloc(njobs ? njobs : 1, 1);
	if (!lr || !want) {
		free(lr);
		free(want);
		return K8SA_E_NOMEM;
	}
	long keep = o->log_bytes > 0 ? o->log_bytes : K8SA_SNAP_LOG_BYTES_UNSET;
	long cap = keep * LOG_ASK_FACTOR;
	for (size_t i = 0; i < njobs; i++) {
		const m_pod *p = &s->m.pods.v[jobs[i].pod];
		lr[i].type = K8SA_REQ_LOG;
		lr[i].ns = p->meta.ns;
		lr[i].pod = p->meta.name;
		lr[i].container = jobs[i].container;
		lr[i].previous = jobs[i].previous;
		lr[i].tail_lines = o->log_lines;
		lr[i].limit_bytes = cap;
		want[i] = 1;
	}
	k8sa_status st = K8SA_OK;
	for (int round = 0; round <= LOG_ASK_ROUNDS && st == K8SA_OK; round++) {
		/* one batch of the requests still wanted (curl multi runs them in parallel) */
		size_t n = 0, nl = round == 0 ? nlate : 0;
		k8sa_kube_req *batch = calloc(njobs + nl + 1, sizeof(*batch));
		size_t *idx = calloc(njobs + 1, sizeof(*idx));
		if (!batch || !idx) {
			free(batch);
			free(idx);
			st = K8SA_E_NOMEM;
			break;
		}
		for (size_t i = 0; i < njobs; i++)
			if (want[i]) {
				free(lr[i].body);
				lr[i].body = NULL;
				batch[n] = lr[i];
				idx[n++] = i;
			}
		/* the late lists go with the first round: no extra round trip */
		for (size_t k = 0; k < nl; k++)
			batch[n + k] = late[k];
		if (n + nl)
			st = k8sa_kube_run(kube, batch, n + nl, NULL);
		for (size_t k = 0; k < nl; k++)
			late[k] = batch[n + k];
		if (nl && st == K8SA_OK)
			st = late_done(s, late, nl);
		for (size_t k = 0; k < n; k++) {
			size_t i = idx[k];
			lr[i] = batch[k];
			want[i] = 0;
			if (st != K8SA_OK || lr[i].status != K8SA_OK || !lr[i].body || round == LOG_ASK_ROUNDS)
				continue;
			/* the cap was reached: the end of the tail may be cut off; ask for fewer lines */
			if (lr[i].body_len >= (size_t)cap && lr[i].tail_lines != 1) {
				long got = count_lines(lr[i].body, lr[i].body_len);
				long lines = got / 2;
				if (lr[i].tail_lines > 0 && lines >= lr[i].tail_lines)
					lines = lr[i].tail_lines / 2;
				lr[i].tail_lines = lines > 0 ? lines : 1;
				want[i] = 1;
			}
		}
		free(batch);
		free(idx);
		int more = 0;
		for (size_t i = 0; i < njobs; i++)
			more |= want[i];
		if (!more)
			break;
	}
	for (size_t i = 0; st == K8SA_OK && i < njobs; i++) {
		if (lr[i].status == K8SA_OK && lr[i].body)
			st = k8sa_snap_keep_log(s, o, &jobs[i], lr[i].body, lr[i].body_len);
		else if (lr[i].status == K8SA_E_FORBIDDEN || lr[i].status == K8SA_E_UNAUTHORIZED)
			st = k8sa_snap_add_gap(s, "pods/log", &lr[i].err);
		/* 400 (waiting to start, no previous instance) and 404 (pod gone) just mean there
		 * is no log to read */
	}
	for (size_t i = 0; i < njobs; i++)
		free(lr[i].body);
	free(lr);
	free(want);
	return st == K8SA_E_NOMEM ? st : K8SA_OK; /* a failed log batch loses only logs */
}

K8SA_EXPORT k8sa_status k8sa_snapshot_take(k8sa_kube *kube, const char *ns, const k8sa_snapshot_opts *opts,
					   k8sa_snapshot **out, k8sa_error *err)
{
	if (!kube || !out)
		return k8sa_fail(err, K8SA_E_INVALID_ARG, "kube and out are required");
	*out = NULL;
	/* A name the API would refuse is refused here, before any request. */
	if (ns && !k8sa_namespace_is_valid(ns))
		return k8sa_fail(err, K8SA_E_INVALID_ARG,
				 "invalid namespace name \"%s\" (a DNS label: 1-63 lower-case letters, digits and '-')", ns);
	const k8sa_snapshot_opts *o = opts ? opts : &k8sa_snap_default_opts;
	k8sa_snapshot *s = k8sa_snap_new(ns, o);
	if (!s)
		return k8sa_fail(err, K8SA_E_NOMEM, "out of memory");

	/* The lists, and for one namespace a GET of the namespace itself (last): lists in a
	 * namespace that does not exist are empty, which must not read as "no problems". */
	k8sa_kube_req reqs[K8SA_SNAP_NNS + K8SA_SNAP_NCS + 1];
	item_ctx ctx[K8SA_SNAP_NNS + K8SA_SNAP_NCS];
	size_t nlists = 0;
	memset(reqs, 0, sizeof(reqs));
	for (size_t k = 0; k < K8SA_SNAP_NNS + K8SA_SNAP_NCS; k++) {
		k8sa_resource res = k < K8SA_SNAP_NNS ? k8sa_snap_namespaced[k] : k8sa_snap_cluster_scoped[k - K8SA_SNAP_NNS];
		if (is_late(res))
			continue; /* read with the logs, and only when something needs them */
		size_t i = nlists++;
		ctx[i].snap = s;
		ctx[i].res = res;
		reqs[i].type = K8SA_REQ_LIST;
		reqs[i].resource = res;
		reqs[i].ns = k < K8SA_SNAP_NNS ? ns : NULL;
		reqs[i].on_jitem = on_item;
		reqs[i].ud = &ctx[i];
		reqs[i].on_restart = on_restart;
	}
	k8sa_kube_req *nsget = &reqs[nlists];
	nsget->type = K8SA_REQ_GET;
	nsget->resource = K8SA_RES_NAMESPACES;
	nsget->name = ns;
	k8sa_status st = k8sa_kube_run(kube, reqs, nlists + (ns ? 1 : 0), err);
	if (st) {
		k8sa_snapshot_free(s);
		return st;
	}
	free(nsget->body);
	if (ns && nsget->status == K8SA_E_NOT_FOUND) {
		k8sa_snapshot_free(s);
		return k8sa_fail_http(err, K8SA_E_NOT_FOUND, 404, "namespace %s not found", ns);
	}
	if (ns && nsget->status != K8SA_OK) {
		/* RBAC may refuse the GET: say so and go on with what the lists show */
		if (nsget->status == K8SA_E_NOMEM || k8sa_snap_add_gap(s, "namespace", &nsget->err)) {
			k8sa_snapshot_free(s);
			return k8sa_fail(err, K8SA_E_NOMEM, "out of memory");
		}
	}
	size_t ok = 0;
	const k8sa_kube_req *first_bad = NULL;
	for (size_t i = 0; i < nlists; i++) {
		if (reqs[i].status == K8SA_OK) {
			ok++;
			continue;
		}
		if (reqs[i].status == K8SA_E_NOMEM) {
			k8sa_snapshot_free(s);
			return k8sa_fail(err, K8SA_E_NOMEM, "out of memory");
		}
		if (!first_bad)
			first_bad = &reqs[i];
		switch (reqs[i].resource) {
		case K8SA_RES_PODS: case K8SA_RES_DEPLOYMENTS: case K8SA_RES_REPLICASETS:
		case K8SA_RES_STATEFULSETS: case K8SA_RES_DAEMONSETS: case K8SA_RES_SERVICES:
			s->core_gaps++;
			break;
		default:
			break;
		}
		if (k8sa_snap_add_gap(s, k8sa_snap_resource_name(reqs[i].resource), &reqs[i].err)) {
			k8sa_snapshot_free(s);
			return k8sa_fail(err, K8SA_E_NOMEM, "out of memory");
		}
	}
	if (!ok) {
		/* total failure: report the first request's own error (all alike, typically) */
		if (err) {
			*err = first_bad->err;
			k8sa_error_prefix(err, "snapshot: every request failed; %s: ", k8sa_snap_resource_name(first_bad->resource));
		}
		st = first_bad->status;
		k8sa_snapshot_free(s);
		return st;
	}
	if ((st = m_model_finish(&s->m))) {
		k8sa_snapshot_free(s);
		return k8sa_fail(err, st, "out of memory");
	}
	if (getenv("K8SA_MODEL_STATS")) {
		/* bench/scale reads this: what the model retains, per pod */
		m_model_size z;
		m_model_size_of(&s->m, &z);
		size_t total = z.arena + z.vectors + z.intern;
		fprintf(stderr,
			"k8sagent: model: %zu pods, %zu events; %zu bytes (arena %zu, %zu used; vectors %zu; intern "
			"table %zu); %.0f bytes per pod\n",
			s->m.pods.n, s->m.events.n, total, z.arena, z.arena_used, z.vectors, z.intern,
			s->m.pods.n ? (double)total / (double)s->m.pods.n : 0.0);
	}

	/* second batch: logs of unhealthy containers */
	log_job *jobs = NULL;
	size_t njobs = 0;
	if ((st = k8sa_snap_plan_logs(s, o, &jobs, &njobs))) {
		k8sa_snapshot_free(s);
		return k8sa_fail(err, st, "out of memory");
	}
	k8sa_kube_req late[LATE_MAX];
	item_ctx late_ctx[LATE_MAX];
	size_t nlate = plan_late(s, ns, late, late_ctx);
	if (njobs || nlate)
		st = fetch_logs(kube, s, o, jobs, njobs, late, nlate);
	free(jobs);
	if (st) {
		k8sa_snapshot_free(s);
		return k8sa_fail(err, st, "out of memory");
	}
	*out = s;
	return K8SA_OK;
}

