/* SPDX-License-Identifier: MIT */
/* ResourceQuota analyzer: used at hard, or failed creations citing the quota. */
#include "internal.h"
#include "analyze_internal.h"
#include "analyze_util.h"

#include <stdio.h>
#include <string.h>

typedef struct quota_ev {
	const char *ns, *name;
	const m_event *e;
} quota_ev;

/* A FailedCreate event in the quota's namespace naming it ("exceeded quota: NAME,"). */
static const m_event *failed_create_for(a_ctx *c, const m_quota *q)
{
	char needle[300];
	snprintf(needle, sizeof(needle), "exceeded quota: %s", q->meta.name);
	size_t nl = strlen(needle);
	const m_event *best = NULL;
	for (size_t i = 0; i < c->m->events.n; i++) {
		const m_event *e = &c->m->events.v[i];
		if (!a_eq(e->ns, q->meta.ns) || !e->message)
			continue;
		const char *hit = strstr(e->message, needle);
		if (!hit || (hit[nl] && hit[nl] != ',' && hit[nl] != ' '))
			continue;
		if (!best || e->last > best->last)
			best = e;
	}
	return best;
}

static void quota(a_ctx *c, const m_quota *q)
{
	const m_event *fc = failed_create_for(c, q);
	size_t fi = (size_t)-1;
	for (unsigned i = 0; i < q->nitems; i++) {
		const m_quota_item *it = &q->items[i];
		int ok1, ok2;
		double hard = m_parse_quantity(it->hard, &ok1), used = m_parse_quantity(it->used, &ok2);
		if (!ok1 || !ok2 || used < hard)
			continue;
		a_finding *f;
		if (fi == (size_t)-1) {
			f = a_new_sev(c, FC_QuotaExceeded, fc ? K8SA_SEV_WARNING : K8SA_SEV_INFO, q->meta.ns, q->meta.name,
				      NULL);
			if (!f)
				return;
			fi = (size_t)(f - c->f->v);
			a_summary(c, f, "ResourceQuota %s is used up (%s: %s of %s)%s", q->meta.name, it->resource, it->used,
				  it->hard, fc ? ": new pods are refused" : "");
		}
		f = &c->f->v[fi];
		a_evidence(c, f, "%s: used %s / hard %s", it->resource, it->used, it->hard);
	}
	if (fi == (size_t)-1 && fc) {
		/* the request would exceed the quota even though used < hard */
		a_finding *f = a_new(c, FC_QuotaExceeded, q->meta.ns, q->meta.name, NULL);
		if (!f)
			return;
		fi = (size_t)(f - c->f->v);
		a_summary(c, f, "ResourceQuota %s refuses new pods: %s", q->meta.name, fc->message);
		for (unsigned i = 0; i < q->nitems; i++)
			a_evidence(c, f, "%s: used %s / hard %s", q->items[i].resource, a_nz(q->items[i].used),
				   a_nz(q->items[i].hard));
	}
	if (fi == (size_t)-1)
		return;
	a_finding *f = &c->f->v[fi];
	if (fc) {
		char buf[1024];
		k8sa_event_line(fc, buf, sizeof(buf));
		a_evidence(c, f, "event on %s %s: %s", a_nz(fc->kind), a_nz(fc->name), buf);
	}
	a_command(c, f, "kubectl describe resourcequota %s -n %s", q->meta.name, a_nz(q->meta.ns));
	a_command(c, f, "kubectl get events -n %s --field-selector reason=FailedCreate", a_nz(q->meta.ns));
}

void a_analyze_quotas(a_ctx *c)
{
	for (size_t i = 0; i < c->m->quotas.n; i++)
		quota(c, &c->m->quotas.v[i]);
}
