/* SPDX-License-Identifier: MIT */
/* Workload analyzers: Deployments, ReplicaSets, StatefulSets, DaemonSets. */
#include "internal.h"
#include "analyze_internal.h"
#include "analyze_util.h"

#include <stdio.h>

static void cond_evidence(a_ctx *c, a_finding *f, const m_workload *w)
{
	for (unsigned i = 0; i < w->nconds; i++) {
		const m_cond *k = &w->conds[i];
		if (a_eq(k->status, "True") && (a_eq(k->type, "Available") || a_eq(k->type, "Progressing")) &&
		    !a_eq(k->reason, "ProgressDeadlineExceeded"))
			continue;
		a_evidence(c, f, "condition %s=%s reason=%s: %s", a_nz(k->type), a_nz(k->status), a_nz(k->reason),
			   a_nz(k->message));
	}
}

static void selector_cmd(a_ctx *c, a_finding *f, const m_workload *w)
{
	if (!w->nselector)
		return;
	char sel[512];
	size_t off = 0;
	sel[0] = 0;
	for (unsigned i = 0; i < w->nselector && off < sizeof(sel); i++)
		off += (size_t)snprintf(sel + off, sizeof(sel) - off, "%s%s=%s", i ? "," : "", w->selector[i].k,
					w->selector[i].v);
	a_command(c, f, "kubectl get pods -n %s -l %s", a_nz(w->meta.ns), sel);
}

static void deployment(a_ctx *c, const m_workload *w)
{
	const m_cond *avail = m_cond_find(w->conds, w->nconds, "Available");
	const m_cond *prog = m_cond_find(w->conds, w->nconds, "Progressing");
	int deadline = prog && a_eq(prog->status, "False") && a_eq(prog->reason, "ProgressDeadlineExceeded");
	int short_ = w->desired > 0 && w->available < w->desired;
	if (w->paused || (!short_ && !deadline))
		return;
	if (!deadline && avail && a_eq(avail->status, "True") && w->available > 0 && w->unavailable == 0)
		return;
	k8sa_severity sev = w->available == 0 || deadline ? K8SA_SEV_CRITICAL : K8SA_SEV_WARNING;
	a_finding *f = a_new_owner(c, FC_DeploymentUnavailable, sev, &w->meta);
	if (!f)
		return;
	if (deadline)
		a_summary(c, f, "Deployment %s has not made progress: %s", w->meta.name, a_nz(prog->message));
	else
		a_summary(c, f, "Deployment %s has %lld of %lld replicas available", w->meta.name, (long long)w->available,
			  (long long)w->desired);
	a_evidence(c, f, "replicas: desired %lld, updated %lld, ready %lld, available %lld, unavailable %lld",
		   (long long)w->desired, (long long)w->updated, (long long)w->ready, (long long)w->available,
		   (long long)w->unavailable);
	cond_evidence(c, f, w);
	a_event_evidence(c, f, "Deployment", w->meta.ns, w->meta.name, 0, 2, 0);
	a_command(c, f, "kubectl describe deployment %s -n %s", w->meta.name, a_nz(w->meta.ns));
	a_command(c, f, "kubectl rollout status deployment/%s -n %s", w->meta.name, a_nz(w->meta.ns));
	selector_cmd(c, f, w);
}

typedef struct fc_pick {
	const m_event *e;
} fc_pick;

static int pick_failed_create(void *ud, const m_event *e)
{
	fc_pick *p = ud;
	if (a_eq(e->reason, "FailedCreate") && a_eq(e->type, "Warning")) {
		p->e = e;
		return 1;
	}
	return 0;
}

static void replicaset(a_ctx *c, const m_workload *w)
{
	if (w->desired <= 0 || w->current >= w->desired)
		return; /* FailedCreate events of a ReplicaSet now complete are history */
	const m_cond *rf = m_cond_find(w->conds, w->nconds, "ReplicaFailure");
	fc_pick p = {0};
	m_events_for(c->m, "ReplicaSet", w->meta.ns, w->meta.name, pick_failed_create, &p);
	if (!p.e && !(rf && a_eq(rf->status, "True")))
		return;
	a_finding *f = a_new(c, FC_ReplicaSetCreateFailed, w->meta.ns, w->meta.name, NULL);
	if (!f)
		return;
	const m_owner *o = m_controller(&w->meta);
	f->owner_kind = o ? o->kind : "ReplicaSet";
	f->owner_name = o ? o->name : w->meta.name;
	const char *msg = p.e ? p.e->message : rf->message;
	a_summary(c, f, "ReplicaSet %s cannot create pods: %s", w->meta.name, a_nz(msg));
	a_evidence(c, f, "replicas: desired %lld, current %lld", (long long)w->desired, (long long)w->current);
	if (rf)
		a_evidence(c, f, "condition ReplicaFailure=%s reason=%s: %s", a_nz(rf->status), a_nz(rf->reason),
			   a_nz(rf->message));
	a_event_evidence(c, f, "ReplicaSet", w->meta.ns, w->meta.name, 0, 3, 0);
	if (msg && strstr(msg, "exceeded quota")) {
		/* "exceeded quota: compute-quota, requested: ..." names the quota */
		const char *q = strstr(msg, "exceeded quota: ");
		if (q) {
			q += strlen("exceeded quota: ");
			size_t l = strcspn(q, ",");
			for (size_t i = 0; i < c->m->quotas.n; i++) {
				const m_quota *mq = &c->m->quotas.v[i];
				if (a_eq(mq->meta.ns, w->meta.ns) && strlen(mq->meta.name) == l &&
				    strncmp(mq->meta.name, q, l) == 0) {
					f->ref_kind = "ResourceQuota";
					f->ref_name = mq->meta.name;
				}
			}
		}
	}
	a_command(c, f, "kubectl describe replicaset %s -n %s", w->meta.name, a_nz(w->meta.ns));
	a_command(c, f, "kubectl get events -n %s --field-selector involvedObject.name=%s", a_nz(w->meta.ns),
		  w->meta.name);
}

static void statefulset(a_ctx *c, const m_workload *w)
{
	if (w->desired <= 0 || w->ready >= w->desired)
		return;
	a_finding *f = a_new_owner(c, FC_StatefulSetUnavailable, w->ready == 0 ? K8SA_SEV_CRITICAL : K8SA_SEV_WARNING,
				   &w->meta);
	if (!f)
		return;
	a_summary(c, f, "StatefulSet %s has %lld of %lld replicas ready", w->meta.name, (long long)w->ready,
		  (long long)w->desired);
	a_evidence(c, f, "replicas: desired %lld, current %lld, ready %lld, updated %lld", (long long)w->desired,
		   (long long)w->current, (long long)w->ready, (long long)w->updated);
	cond_evidence(c, f, w);
	a_event_evidence(c, f, "StatefulSet", w->meta.ns, w->meta.name, 0, 3, 0);
	a_command(c, f, "kubectl describe statefulset %s -n %s", w->meta.name, a_nz(w->meta.ns));
	a_command(c, f, "kubectl rollout status statefulset/%s -n %s", w->meta.name, a_nz(w->meta.ns));
	selector_cmd(c, f, w);
}

static void daemonset(a_ctx *c, const m_workload *w)
{
	int64_t unavailable = w->unavailable ? w->unavailable : (w->desired > w->available ? w->desired - w->available : 0);
	if (unavailable <= 0 && w->misscheduled <= 0)
		return;
	a_finding *f = a_new_owner(c, FC_DaemonSetUnavailable, fc_table[FC_DaemonSetUnavailable].severity, &w->meta);
	if (!f)
		return;
	if (unavailable > 0)
		a_summary(c, f, "DaemonSet %s has %lld of %lld pods unavailable", w->meta.name, (long long)unavailable,
			  (long long)w->desired);
	else
		a_summary(c, f, "DaemonSet %s has %lld pods on nodes where they should not run", w->meta.name,
			  (long long)w->misscheduled);
	a_evidence(c, f, "pods: desired %lld, current %lld, ready %lld, available %lld, unavailable %lld, misscheduled %lld",
		   (long long)w->desired, (long long)w->current, (long long)w->ready, (long long)w->available,
		   (long long)unavailable, (long long)w->misscheduled);
	a_event_evidence(c, f, "DaemonSet", w->meta.ns, w->meta.name, 0, 3, 0);
	a_command(c, f, "kubectl describe daemonset %s -n %s", w->meta.name, a_nz(w->meta.ns));
	a_command(c, f, "kubectl rollout status daemonset/%s -n %s", w->meta.name, a_nz(w->meta.ns));
	selector_cmd(c, f, w);
}

void a_analyze_workloads(a_ctx *c)
{
	for (size_t i = 0; i < c->m->workloads.n; i++) {
		const m_workload *w = &c->m->workloads.v[i];
		switch (w->wkind) {
		case M_WL_DEPLOYMENT: deployment(c, w); break;
		case M_WL_REPLICASET: replicaset(c, w); break;
		case M_WL_STATEFULSET: statefulset(c, w); break;
		case M_WL_DAEMONSET: daemonset(c, w); break;
		}
	}
}
