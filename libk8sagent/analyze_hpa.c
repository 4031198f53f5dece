/* SPDX-License-Identifier: MIT */
/* HorizontalPodAutoscaler analyzer. */
#include "internal.h"
#include "analyze_internal.h"
#include "analyze_util.h"

static void hpa(a_ctx *c, const m_hpa *h)
{
	const m_cond *able = m_cond_find(h->conds, h->nconds, "AbleToScale");
	const m_cond *active = m_cond_find(h->conds, h->nconds, "ScalingActive");
	const m_cond *bad = NULL;
	if (able && a_eq(able->status, "False"))
		bad = able;
	else if (active && a_eq(active->status, "False"))
		bad = active;
	/* a dangling scaleTargetRef: the workload it scales does not exist */
	int missing = 0;
	if (h->target_name && (a_eq(h->target_kind, "Deployment") || a_eq(h->target_kind, "StatefulSet") ||
			       a_eq(h->target_kind, "ReplicaSet"))) {
		m_wl_kind k = a_eq(h->target_kind, "Deployment") ? M_WL_DEPLOYMENT
			      : a_eq(h->target_kind, "StatefulSet") ? M_WL_STATEFULSET
								    : M_WL_REPLICASET;
		/* judged only when the namespace has workloads of that kind in the snapshot (an HPA
		 * read without them says nothing about its target) */
		int any = 0;
		for (size_t i = 0; i < c->m->workloads.n && !any; i++)
			any = c->m->workloads.v[i].wkind == k && a_eq(c->m->workloads.v[i].meta.ns, h->meta.ns);
		missing = any && !m_find_workload(c->m, k, h->meta.ns, h->target_name);
	}
	/* ScalingLimited at minReplicas (TooFewReplicas) is the normal idle state: not a problem */
	if (!bad && !missing)
		return;
	a_finding *f = a_new(c, FC_HPAUnableToScale, h->meta.ns, h->meta.name, NULL);
	if (!f)
		return;
	f->ref_kind = h->target_kind;
	f->ref_name = h->target_name;
	if (missing) {
		a_summary(c, f, "HorizontalPodAutoscaler %s scales %s/%s, which does not exist", h->meta.name,
			  a_nz(h->target_kind), a_nz(h->target_name));
		a_evidence(c, f, "spec scaleTargetRef %s/%s: no such %s in namespace %s", a_nz(h->target_kind),
			   a_nz(h->target_name), a_nz(h->target_kind), a_nz(h->meta.ns));
	} else {
		a_summary(c, f, "HorizontalPodAutoscaler %s cannot scale %s/%s: %s", h->meta.name, a_nz(h->target_kind),
			  a_nz(h->target_name), a_nz(bad->message));
	}
	for (unsigned i = 0; i < h->nconds; i++) {
		const m_cond *k = &h->conds[i];
		a_evidence(c, f, "condition %s=%s reason=%s: %s", a_nz(k->type), a_nz(k->status), a_nz(k->reason),
			   a_nz(k->message));
	}
	a_evidence(c, f, "replicas: current %lld, desired %lld, min %lld, max %lld", (long long)h->current,
		   (long long)h->desired, (long long)h->min, (long long)h->max);
	a_event_evidence(c, f, "HorizontalPodAutoscaler", h->meta.ns, h->meta.name, 0, 3, 0);
	a_command(c, f, "kubectl describe hpa %s -n %s", h->meta.name, a_nz(h->meta.ns));
	a_command(c, f, "kubectl get apiservice v1beta1.metrics.k8s.io");
	a_command(c, f, "kubectl top pods -n %s", a_nz(h->meta.ns));
}

void a_analyze_hpas(a_ctx *c)
{
	for (size_t i = 0; i < c->m->hpas.n; i++)
		hpa(c, &c->m->hpas.v[i]);
}
