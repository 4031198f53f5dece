/* SPDX-License-Identifier: MIT */
/* Root causes: link each finding to the finding it is a consequence of (along the owner
 * chain, selectors, claims and nodes), mark the end of each chain as the root cause, and
 * order the list root causes first, then by severity.
 *
 * A link only ever points to a finding of lower rank (more upstream: the rank column of
 * finding_codes.def), so the links form a forest: no cycles, one root per causal group. */
#include "internal.h"
#include "analyze_internal.h"
#include "analyze_util.h"

#include <stdlib.h>
#include <string.h>

static int is_pod_finding(const a_finding *f)
{
	return f->pod != NULL;
}

static const m_job *job_of(a_ctx *c, const a_finding *x)
{
	return m_find_job(c->m, x->ns[0] ? x->ns : NULL, x->name);
}

/* Does finding `cand` explain finding `x`? */
static int explains(a_ctx *c, const a_finding *x, const a_finding *cand)
{
	if (cand == x || cand->rank >= x->rank || cand->sev == K8SA_SEV_INFO)
		return 0;
	fc_id code = x->code;
	int same_ns = strcmp(x->ns, cand->ns) == 0;
	/* workloads and Jobs: their pods' findings, and their ReplicaSets' */
	if (code == FC_DeploymentUnavailable || code == FC_StatefulSetUnavailable ||
	    code == FC_DaemonSetUnavailable || code == FC_JobFailed) {
		return same_ns && cand->owner_kind && a_eq(cand->owner_kind, x->kind) && a_eq(cand->owner_name, x->name);
	}
	if (code == FC_ReplicaSetCreateFailed)
		return same_ns && x->ref_kind && a_eq(cand->kind, x->ref_kind) && a_eq(cand->name, x->ref_name);
	if (code == FC_CronJobFailing) {
		if (!same_ns || cand->code != FC_JobFailed)
			return 0;
		const m_job *j = job_of(c, cand);
		const m_owner *o = j ? m_controller(&j->meta) : NULL;
		return o && a_eq(o->kind, "CronJob") && a_eq(o->name, x->name);
	}
	if (code == FC_ServiceNoEndpoints) {
		if (!same_ns || !is_pod_finding(cand))
			return 0;
		const m_service *s = m_find_service(c->m, x->ns, x->name);
		return s && m_selector_matches(s->selector, s->nselector, &cand->pod->meta);
	}
	if (code == FC_HPAUnableToScale)
		return 0;
	if (is_pod_finding(x)) {
		/* a claim that never binds */
		if (x->ref_kind && a_eq(cand->kind, x->ref_kind) && a_eq(cand->name, x->ref_name) && same_ns)
			return 1;
		if (!a_eq(cand->kind, "Node"))
			return 0;
		if (code == FC_Unschedulable) {
			const m_cond *sc = m_cond_find(x->pod->conds, x->pod->nconds, "PodScheduled");
			const char *msg = sc ? sc->message : NULL;
			if (!msg)
				return 0;
			if (cand->code == FC_NodeUnschedulable)
				return strstr(msg, "unschedulable") != NULL;
			if (cand->code == FC_NodeNotReady)
				return strstr(msg, "not-ready") || strstr(msg, "unreachable");
			if (cand->code == FC_NodePressure)
				return strstr(msg, "pressure") != NULL;
			return 0;
		}
		/* pods on a broken node: evictions and stuck deletions come from the node */
		if (x->node && a_eq(cand->name, x->node))
			return code == FC_Evicted || code == FC_PodStuckTerminating ||
			       (cand->code == FC_NodeNotReady && code != FC_ImagePullBackOff &&
				code != FC_InvalidImageName && code != FC_CreateContainerConfigError);
	}
	return 0;
}

static int cmp_order(const void *a, const void *b)
{
	const a_finding *x = a, *y = b;
	if (x->root != y->root)
		return y->root - x->root;
	if (x->sev != y->sev)
		return (int)y->sev - (int)x->sev;
	if (x->rank != y->rank)
		return x->rank - y->rank;
	int c = strcmp(x->ns, y->ns);
	if (c)
		return c;
	c = strcmp(x->kind, y->kind);
	if (c)
		return c;
	c = strcmp(x->name, y->name);
	if (c)
		return c;
	return strcmp(x->container, y->container);
}

void a_root_causes(a_ctx *c)
{
	k8sa_findings *f = c->f;
	size_t n = f->n;
	/* pod findings (the many) are only explained by non-pod findings (the few): index those */
	size_t *others = malloc((n ? n : 1) * sizeof(*others)), nothers = 0;
	if (!others) {
		f->nomem = 1;
		return;
	}
	for (size_t i = 0; i < n; i++)
		if (!is_pod_finding(&f->v[i]))
			others[nothers++] = i;
	/* link: the most upstream explaining finding */
	for (size_t i = 0; i < n; i++) {
		a_finding *x = &f->v[i];
		x->cause = 0;
		int pod = is_pod_finding(x);
		size_t lim = pod ? nothers : n;
		for (size_t k = 0; k < lim; k++) {
			size_t j = pod ? others[k] : k;
			a_finding *cand = &f->v[j];
			if (!explains(c, x, cand))
				continue;
			if (!x->cause || cand->rank < f->v[x->cause - 1].rank)
				x->cause = j + 1;
		}
	}
	free(others);
	/* roots: chain ends; a consequence of a cause in the list is not a root */
	for (size_t i = 0; i < n; i++) {
		a_finding *x = &f->v[i];
		x->root = !x->cause && x->sev >= K8SA_SEV_WARNING;
		size_t r = i, hops = 0;
		while (f->v[r].cause && hops++ < n)
			r = f->v[r].cause - 1;
		x->group = r + 1;
	}
	/* a root whose consequences include a Deployment etc. says so in its evidence */
	for (size_t i = 0; i < n; i++) {
		a_finding *x = &f->v[i];
		if (!x->cause)
			continue;
		a_finding *r = &f->v[x->group - 1];
		if (r->root)
			a_evidence(c, x, "consequence of %s on %s %s", fc_table[r->code].code, r->kind, r->name);
	}
	/* the grouping index points into the array: it dies before the sort moves things */
	a_group_reset(f);
	if (n > 1) /* a NULL base is undefined even for 0 elements */
		qsort(f->v, n, sizeof(*f->v), cmp_order);
	/* cause/group indices are stale after the sort: clear them so nobody trusts them */
	for (size_t i = 0; i < n; i++)
		f->v[i].cause = f->v[i].group = 0;
}
