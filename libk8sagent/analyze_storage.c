/* SPDX-License-Identifier: MIT */
/* PersistentVolumeClaim analyzer. */
#include "internal.h"
#include "analyze_internal.h"
#include "analyze_util.h"

typedef struct pvc_ev {
	const m_event *latest;
} pvc_ev;

static int pick_latest(void *ud, const m_event *e)
{
	pvc_ev *p = ud;
	if (!p->latest)
		p->latest = e; /* newest first */
	return 1;
}

/* The pods that mount a claim. */
static size_t claim_users(a_ctx *c, const m_pvc *pvc, const char **first)
{
	size_t n = 0;
	*first = NULL;
	for (size_t i = 0; i < c->m->pods.n; i++) {
		const m_pod *p = &c->m->pods.v[i];
		if (!a_eq(p->meta.ns, pvc->meta.ns))
			continue;
		for (unsigned k = 0; k < p->nvolumes; k++)
			if (a_eq(p->volumes[k].kind, "PersistentVolumeClaim") && a_eq(p->volumes[k].ref, pvc->meta.name)) {
				if (!n)
					*first = p->meta.name;
				n++;
				break;
			}
	}
	return n;
}

static void pvc(a_ctx *c, const m_pvc *v)
{
	if (!a_eq(v->phase, "Pending"))
		return;
	pvc_ev pe = {0};
	m_events_for(c->m, "PersistentVolumeClaim", v->meta.ns, v->meta.name, pick_latest, &pe);
	const char *first;
	size_t users = claim_users(c, v, &first);
	/* WaitForFirstConsumer is the normal state of an unused claim: not a problem */
	int waiting = pe.latest && a_eq(pe.latest->reason, "WaitForFirstConsumer");
	k8sa_severity sev = waiting && !users ? K8SA_SEV_INFO : users ? K8SA_SEV_CRITICAL : K8SA_SEV_WARNING;
	a_finding *f = a_new_sev(c, FC_PVCPending, sev, v->meta.ns, v->meta.name, NULL);
	if (!f)
		return;
	if (pe.latest && pe.latest->message)
		a_summary(c, f, "PersistentVolumeClaim %s is Pending: %s", v->meta.name, pe.latest->message);
	else
		a_summary(c, f, "PersistentVolumeClaim %s is Pending: no volume is bound to it", v->meta.name);
	a_evidence(c, f, "status.phase: Pending");
	a_evidence(c, f, "storageClassName: %s", v->has_storage_class ? a_nz(v->storage_class) : "(not set)");
	if (v->request)
		a_evidence(c, f, "requests: storage %s", v->request);
	/* binding events are "Normal" (FailedBinding) but decisive here */
	a_event_evidence(c, f, "PersistentVolumeClaim", v->meta.ns, v->meta.name, 0, 3, 1);
	if (users)
		a_evidence(c, f, "used by %zu pod(s), e.g. %s", users, first);
	a_command(c, f, "kubectl describe pvc %s -n %s", v->meta.name, a_nz(v->meta.ns));
	a_command(c, f, "kubectl get storageclass");
	a_command(c, f, "kubectl get pv");
}

void a_analyze_storage(a_ctx *c)
{
	for (size_t i = 0; i < c->m->pvcs.n; i++)
		pvc(c, &c->m->pvcs.v[i]);
}
