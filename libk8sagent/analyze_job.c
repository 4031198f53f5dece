/* SPDX-License-Identifier: MIT */
/* Job and CronJob analyzers. */
#include "internal.h"
#include "analyze_internal.h"
#include "analyze_util.h"

#include <stdio.h>

/* The failed pods of a Job: their last exit and decisive log lines are the evidence. */
static void job_pod_evidence(a_ctx *c, a_finding *f, const m_job *j)
{
	int shown = 0;
	for (size_t i = 0; i < c->m->pods.n && shown < 2; i++) {
		const m_pod *p = &c->m->pods.v[i];
		const m_owner *o = m_controller(&p->meta);
		if (!o || !a_eq(o->kind, "Job") || !a_eq(o->name, j->meta.name) || !a_eq(p->meta.ns, j->meta.ns))
			continue;
		for (unsigned k = 0; k < p->nstatuses; k++) {
			const m_cstatus *cs = &p->statuses[k];
			const m_state *t = cs->state.kind == M_STATE_TERMINATED ? &cs->state
					   : cs->last.kind == M_STATE_TERMINATED ? &cs->last
										   : NULL;
			if (t)
				a_evidence(c, f, "pod %s container %s terminated: reason=%s exitCode=%lld", p->meta.name,
					   a_nz(cs->name), a_nz(t->reason), (long long)t->exit_code);
			const m_log *l = m_pod_log(p, cs->name, 0);
			if (!l)
				l = m_pod_log(p, cs->name, 1);
			char label[300];
			snprintf(label, sizeof(label), "log of %s", p->meta.name);
			a_log_evidence(c, f, l, label);
		}
		shown++;
	}
}

static void job(a_ctx *c, const m_job *j)
{
	const m_cond *failed = m_cond_find(j->conds, j->nconds, "Failed");
	const m_cond *complete = m_cond_find(j->conds, j->nconds, "Complete");
	if (complete && a_eq(complete->status, "True"))
		return; /* failed once, then completed: fine */
	if (!failed || !a_eq(failed->status, "True"))
		return;
	a_finding *f = a_new_owner(c, FC_JobFailed, fc_table[FC_JobFailed].severity, &j->meta);
	if (!f)
		return;
	a_summary(c, f, "Job %s failed: %s (%s)", j->meta.name, a_nz(failed->message), a_nz(failed->reason));
	a_evidence(c, f, "condition Failed=True reason=%s: %s", a_nz(failed->reason), a_nz(failed->message));
	a_evidence(c, f, "status: active %lld, succeeded %lld, failed %lld", (long long)j->active,
		   (long long)j->succeeded, (long long)j->failed);
	if (a_eq(failed->reason, "DeadlineExceeded") && j->active_deadline)
		a_evidence(c, f, "activeDeadlineSeconds: %lld", (long long)j->active_deadline);
	if (a_eq(failed->reason, "BackoffLimitExceeded"))
		a_evidence(c, f, "backoffLimit: %lld", (long long)j->backoff_limit);
	a_event_evidence(c, f, "Job", j->meta.ns, j->meta.name, 0, 3, 0);
	job_pod_evidence(c, f, j);
	a_command(c, f, "kubectl describe job %s -n %s", j->meta.name, a_nz(j->meta.ns));
	a_command(c, f, "kubectl logs job/%s -n %s", j->meta.name, a_nz(j->meta.ns));
	a_command(c, f, "kubectl get events -n %s --field-selector involvedObject.name=%s", a_nz(j->meta.ns),
		  j->meta.name);
}

static void cronjob(a_ctx *c, const m_cronjob *cj)
{
	/* the newest Job of this CronJob decides */
	const m_job *newest = NULL;
	unsigned failed = 0, total = 0;
	for (size_t i = 0; i < c->m->jobs.n; i++) {
		const m_job *j = &c->m->jobs.v[i];
		const m_owner *o = m_controller(&j->meta);
		if (!o || !a_eq(o->kind, "CronJob") || !a_eq(o->name, cj->meta.name) || !a_eq(j->meta.ns, cj->meta.ns))
			continue;
		const m_cond *fc = m_cond_find(j->conds, j->nconds, "Failed");
		const m_cond *cc = m_cond_find(j->conds, j->nconds, "Complete");
		int done = (fc && a_eq(fc->status, "True")) || (cc && a_eq(cc->status, "True"));
		if (!done)
			continue;
		total++;
		failed += fc && a_eq(fc->status, "True");
		if (!newest || j->meta.created > newest->meta.created)
			newest = j;
	}
	const m_cond *nf = newest ? m_cond_find(newest->conds, newest->nconds, "Failed") : NULL;
	int failing = nf && a_eq(nf->status, "True");
	if (!failing && !cj->suspend)
		return;
	a_finding *f = a_new_owner(c, FC_CronJobFailing, failing ? K8SA_SEV_WARNING : K8SA_SEV_INFO, &cj->meta);
	if (!f)
		return;
	if (failing)
		a_summary(c, f, "CronJob %s: its latest Job %s failed (%u of its last %u Jobs failed)", cj->meta.name,
			  newest->meta.name, failed, total);
	else
		a_summary(c, f, "CronJob %s is suspended: no Jobs are scheduled", cj->meta.name);
	a_evidence(c, f, "schedule: %s%s", a_nz(cj->schedule), cj->suspend ? " (suspended)" : "");
	char t[32];
	m_format_time(cj->last_schedule, t);
	if (t[0])
		a_evidence(c, f, "lastScheduleTime: %s", t);
	m_format_time(cj->last_success, t);
	a_evidence(c, f, "lastSuccessfulTime: %s", t[0] ? t : "(never)");
	if (failing)
		a_evidence(c, f, "job %s: Failed reason=%s: %s", newest->meta.name, a_nz(nf->reason), a_nz(nf->message));
	a_event_evidence(c, f, "CronJob", cj->meta.ns, cj->meta.name, 0, 2, 0);
	a_command(c, f, "kubectl describe cronjob %s -n %s", cj->meta.name, a_nz(cj->meta.ns));
	a_command(c, f, "kubectl get jobs -n %s", a_nz(cj->meta.ns));
}

void a_analyze_jobs(a_ctx *c)
{
	for (size_t i = 0; i < c->m->jobs.n; i++)
		job(c, &c->m->jobs.v[i]);
	for (size_t i = 0; i < c->m->cronjobs.n; i++)
		cronjob(c, &c->m->cronjobs.v[i]);
}
