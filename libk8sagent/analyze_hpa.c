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
	/* ScalingLimited at minReplicas (TooFewReplicas) is the normal idle state: not a problem */
	if (!bad)
		return;
	a_finding *f = a_new(c, FC_HPAUnableToScale, h->meta.ns, h->meta.name, NULL);
	if (!f)
		return;
	f->ref_kind = h->target_kind;
	f->ref_name = h->target_name;
	a_summary(c, f, "HorizontalPodAutoscaler %s cannot scale %s/%s: %s", h->meta.name, a_nz(h->target_kind),
		  a_nz(h->target_name), a_nz(bad->message));
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
