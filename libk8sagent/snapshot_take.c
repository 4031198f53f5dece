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
	const size_t nlists = K8SA_SNAP_NNS + K8SA_SNAP_NCS;
	memset(reqs, 0, sizeof(reqs));
	for (size_t i = 0; i < K8SA_SNAP_NNS + K8SA_SNAP_NCS; i++) {
		ctx[i].snap = s;
		ctx[i].res = i < K8SA_SNAP_NNS ? k8sa_snap_namespaced[i] : k8sa_snap_cluster_scoped[i - K8SA_SNAP_NNS];
		reqs[i].type = K8SA_REQ_LIST;
		reqs[i].resource = ctx[i].res;
		reqs[i].ns = i < K8SA_SNAP_NNS ? ns : NULL;
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
	if (njobs) {
		k8sa_kube_req *lr = calloc(njobs, sizeof(*lr));
		if (!lr) {
			free(jobs);
			k8sa_snapshot_free(s);
			return k8sa_fail(err, K8SA_E_NOMEM, "out of memory");
		}
		for (size_t i = 0; i < njobs; i++) {
			const m_pod *p = &s->m.pods.v[jobs[i].pod];
			lr[i].type = K8SA_REQ_LOG;
			lr[i].ns = p->meta.ns;
			lr[i].pod = p->meta.name;
			lr[i].container = jobs[i].container;
			lr[i].previous = jobs[i].previous;
			lr[i].tail_lines = o->log_lines;
			lr[i].limit_bytes = o->log_bytes;
		}
		st = k8sa_kube_run(kube, lr, njobs, NULL);
		for (size_t i = 0; st == K8SA_OK && i < njobs; i++) {
			if (lr[i].status == K8SA_OK && lr[i].body)
				st = k8sa_snap_keep_log(s, o, &jobs[i], lr[i].body, lr[i].body_len);
			else if (lr[i].status == K8SA_E_FORBIDDEN || lr[i].status == K8SA_E_UNAUTHORIZED)
				st = k8sa_snap_add_gap(s, "pods/log", &lr[i].err);
			/* 400 (waiting to start, no previous instance) and 404 (pod gone) just
			 * mean there is no log to read */
		}
		for (size_t i = 0; i < njobs; i++)
			free(lr[i].body);
		free(lr);
		st = st == K8SA_E_NOMEM ? st : K8SA_OK; /* a failed log batch loses only logs */
	}
	free(jobs);
	if (st) {
		k8sa_snapshot_free(s);
		return k8sa_fail(err, st, "out of memory");
	}
	*out = s;
	return K8SA_OK;
}

