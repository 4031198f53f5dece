/* SPDX-License-Identifier: MIT */
/* Workload analyzers: Deployments, ReplicaSets, StatefulSets, DaemonSets. */
#include "internal.h"
#include "analyze_internal.h"
#include "analyze_util.h"

#include <stdio.h>
#include <string.h>

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

static int pick_created(void *ud, const m_event *e)
{
	fc_pick *p = ud;
	if (a_eq(e->reason, "SuccessfulCreate") && (!p->e || e->last > p->e->last))
		p->e = e;
	return 0;
}

/* `serviceaccount "X" not found` in a creation error: X into buf. */
static int missing_sa(const char *msg, char *buf, size_t size)
{
	const char *q = msg ? strstr(msg, "serviceaccount \"") : NULL;
	if (!q || !strstr(q, "not found"))
		return 0;
	q += strlen("serviceaccount \"");
	size_t l = strcspn(q, "\"");
	if (!l || l >= size)
		return 0;
	memcpy(buf, q, l);
	buf[l] = 0;
	return 1;
}

/* A Deployment whose pods run as a ServiceAccount that does not exist: the API server
 * rejects every pod its ReplicaSet creates. The missing account is the root cause; the
 * ReplicaSet's FailedCreate and the Deployment's unavailability are its consequences. */
static void serviceaccount_missing(a_ctx *c, const m_workload *rs, const char *msg)
{
	char sa[254];
	const m_owner *o = m_controller(&rs->meta);
	if (!missing_sa(msg, sa, sizeof(sa)) || !o || !a_eq(o->kind, "Deployment"))
		return;
	const m_workload *d = m_find_workload(c->m, M_WL_DEPLOYMENT, rs->meta.ns, o->name);
	if (!d)
		return;
	for (size_t i = 0; i < c->f->n; i++) /* one finding per Deployment (several ReplicaSets) */
		if (c->f->v[i].code == FC_ServiceAccountMissing && a_eq(c->f->v[i].name, d->meta.name) &&
		    a_eq(c->f->v[i].ns, a_nz(d->meta.ns)))
			return;
	a_finding *f = a_new_owner(c, FC_ServiceAccountMissing, fc_table[FC_ServiceAccountMissing].severity, &d->meta);
	if (!f)
		return;
	a_summary(c, f, "Deployment %s runs its pods as ServiceAccount %s, which does not exist: no pod can be created",
		  d->meta.name, sa);
	a_evidence(c, f, "pod template serviceAccountName: %s", d->service_account ? d->service_account : sa);
	if (c->m->serviceaccounts.n) {
		char names[256];
		size_t off = 0;
		names[0] = 0;
		for (size_t i = 0; i < c->m->serviceaccounts.n && off < sizeof(names); i++)
			if (a_eq(c->m->serviceaccounts.v[i].meta.ns, d->meta.ns))
				off += (size_t)snprintf(names + off, sizeof(names) - off, "%s%s", off ? ", " : "",
							c->m->serviceaccounts.v[i].meta.name);
		a_evidence(c, f, "ServiceAccounts in the namespace: %s", names[0] ? names : "(none)");
	}
	a_event_evidence(c, f, "ReplicaSet", rs->meta.ns, rs->meta.name, 0, 1, 0);
	a_evidence(c, f, "replicas: desired %lld, available %lld", (long long)d->desired, (long long)d->available);
	a_command(c, f, "kubectl get serviceaccounts -n %s", a_nz(d->meta.ns));
	a_command(c, f, "kubectl describe replicaset %s -n %s", rs->meta.name, a_nz(rs->meta.ns));
}

static void replicaset(a_ctx *c, const m_workload *w)
{
	if (w->desired <= 0 || w->current >= w->desired)
		return; /* FailedCreate events of a ReplicaSet now complete are history */
	const m_cond *rf = m_cond_find(w->conds, w->nconds, "ReplicaFailure");
	fc_pick p = {0}, ok = {0};
	m_events_for(c->m, "ReplicaSet", w->meta.ns, w->meta.name, pick_failed_create, &p);
	m_events_for(c->m, "ReplicaSet", w->meta.ns, w->meta.name, pick_created, &ok);
	/* a creation that succeeded after the last failure resolved it (unless the condition
	 * says the failure is current) */
	if (p.e && ok.e && ok.e->last >= p.e->last && !(rf && a_eq(rf->status, "True")))
		return;
	if (!p.e && !(rf && a_eq(rf->status, "True")))
		return;
	serviceaccount_missing(c, w, p.e ? p.e->message : rf->message);
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
	if (msg && strstr(msg, "serviceaccount \"")) {
		f->ref_kind = "Deployment";
		f->ref_name = f->owner_name;
	}
	a_command(c, f, "kubectl describe replicaset %s -n %s", w->meta.name, a_nz(w->meta.ns));
	a_command(c, f, "kubectl get events -n %s --field-selector involvedObject.name=%s", a_nz(w->meta.ns),
		  w->meta.name);
}

/* Does the namespace have any Service in the snapshot? (A scenario or a namespace with no
 * Services at all says nothing about a dangling name: no list, no verdict.) */
static int ns_has_services(a_ctx *c, const char *ns)
{
	for (size_t i = 0; i < c->m->services.n; i++)
		if (a_eq(c->m->services.v[i].meta.ns, ns))
			return 1;
	return 0;
}

/* spec.serviceName names the governing (headless) Service that gives the pods their stable
 * DNS names (pod-0.<serviceName>...): when it does not exist, peers cannot find each other
 * and the pods' crashes and probe failures are its consequences. */
static void statefulset_service(a_ctx *c, const m_workload *w)
{
	if (!w->service_name || !*w->service_name || !ns_has_services(c, w->meta.ns) ||
	    m_find_service(c->m, w->meta.ns, w->service_name))
		return;
	/* a StatefulSet that is fully ready does without (its peers do not resolve each other, or
	 * the Service was left out of what was read): only a broken one is blamed on it */
	if (w->desired > 0 && w->ready >= w->desired)
		return;
	a_finding *f = a_new_owner(c, FC_StatefulSetServiceMissing, fc_table[FC_StatefulSetServiceMissing].severity,
				   &w->meta);
	if (!f)
		return;
	a_summary(c, f, "StatefulSet %s names serviceName %s, but no such Service exists: its pods get no stable DNS names",
		  w->meta.name, w->service_name);
	a_evidence(c, f, "spec serviceName %s: no Service of that name in namespace %s", w->service_name,
		   a_nz(w->meta.ns));
	char names[256];
	size_t off = 0;
	names[0] = 0;
	for (size_t i = 0; i < c->m->services.n && off < sizeof(names); i++) {
		const m_service *sv = &c->m->services.v[i];
		if (a_eq(sv->meta.ns, w->meta.ns))
			off += (size_t)snprintf(names + off, sizeof(names) - off, "%s%s%s", off ? ", " : "", sv->meta.name,
						a_eq(sv->cluster_ip, "None") ? " (headless)" : "");
	}
	a_evidence(c, f, "Services in the namespace: %s", names);
	a_evidence(c, f, "replicas: desired %lld, ready %lld", (long long)w->desired, (long long)w->ready);
	a_command(c, f, "kubectl get statefulset %s -n %s -o jsonpath='{.spec.serviceName}'", w->meta.name,
		  a_nz(w->meta.ns));
	a_command(c, f, "kubectl get services -n %s", a_nz(w->meta.ns));
}

static void statefulset(a_ctx *c, const m_workload *w)
{
	statefulset_service(c, w);
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
	for (unsigned i = 0; i < w->nclaim_classes && c->m->storageclasses.n; i++) {
		const char *sc = w->claim_classes[i].v;
		if (sc && *sc && !m_find_storageclass(c->m, sc)) {
			char names[256];
			size_t off = 0;
			names[0] = 0;
			for (size_t k = 0; k < c->m->storageclasses.n && off < sizeof(names); k++)
				off += (size_t)snprintf(names + off, sizeof(names) - off, "%s%s", k ? ", " : "",
							c->m->storageclasses.v[k].meta.name);
			a_evidence(c, f, "volumeClaimTemplate %s asks for StorageClass %s, which does not exist (StorageClasses: %s)",
				   a_nz(w->claim_classes[i].k), sc, names);
		}
	}
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

/* A PodDisruptionBudget that allows no disruption while some of its pods are not healthy:
 * every drain or voluntary eviction blocks. (A budget at zero over a healthy workload, such
 * as maxUnavailable 0, is a choice, not a fault.) */
static void pdb(a_ctx *c, const m_pdb *d)
{
	if (!d->has_status || d->allowed > 0 || d->current_healthy >= d->desired_healthy ||
	    d->current_healthy >= d->expected)
		return;
	a_finding *f = a_new(c, FC_PDBDisruptionsBlocked, d->meta.ns, d->meta.name, NULL);
	if (!f)
		return;
	a_summary(c, f, "PodDisruptionBudget %s allows no disruption: %lld of %lld pods healthy, %lld required",
		  d->meta.name, (long long)d->current_healthy, (long long)d->expected, (long long)d->desired_healthy);
	if (d->min_available)
		a_evidence(c, f, "spec minAvailable %s", d->min_available);
	if (d->max_unavailable)
		a_evidence(c, f, "spec maxUnavailable %s", d->max_unavailable);
	a_evidence(c, f, "status: disruptionsAllowed %lld, currentHealthy %lld, desiredHealthy %lld, expectedPods %lld",
		   (long long)d->allowed, (long long)d->current_healthy, (long long)d->desired_healthy,
		   (long long)d->expected);
	a_evidence(c, f, "node drains and evictions of these pods block until they are healthy again");
	a_command(c, f, "kubectl describe pdb %s -n %s", d->meta.name, a_nz(d->meta.ns));
}

void a_analyze_workloads(a_ctx *c)
{
	for (size_t i = 0; i < c->m->pdbs.n; i++)
		pdb(c, &c->m->pdbs.v[i]);
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
