/* SPDX-License-Identifier: MIT */
/* Job and CronJob analyzers. */
#include "internal.h"
#include "analyze_internal.h"
#include "analyze_util.h"

#include <stdio.h>
#include <string.h>
#include <ctype.h>
#include <stdlib.h>

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

/* The CronJob in the snapshot that owns a Job, if any: its failed runs are reported once, as
 * the CronJob's finding, with the runs as members. */
static const m_cronjob *cron_of(a_ctx *c, const m_job *j)
{
	const m_owner *o = m_controller(&j->meta);
	if (!o || !a_eq(o->kind, "CronJob"))
		return NULL;
	for (size_t i = 0; i < c->m->cronjobs.n; i++)
		if (a_eq(c->m->cronjobs.v[i].meta.name, o->name) && a_eq(c->m->cronjobs.v[i].meta.ns, j->meta.ns))
			return &c->m->cronjobs.v[i];
	return NULL;
}

static void job(a_ctx *c, const m_job *j)
{
	if (cron_of(c, j))
		return;
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

static int by_start(const void *a, const void *b)
{
	const m_job *x = *(const m_job *const *)a, *y = *(const m_job *const *)b;
	int64_t tx = x->start_time ? x->start_time : x->meta.created, ty = y->start_time ? y->start_time : y->meta.created;
	return tx < ty ? -1 : tx > ty;
}

static void dur(int64_t s, char *buf, size_t size)
{
	if (s >= 3600)
		snprintf(buf, size, "%lldh%02lldm", (long long)(s / 3600), (long long)(s % 3600 / 60));
	else
		snprintf(buf, size, "%lldm%02llds", (long long)(s / 60), (long long)(s % 60));
}

/* The recent runs, oldest first: each one's outcome and duration, against the Job's
 * activeDeadlineSeconds (runs creeping up to the deadline until they hit it). */
static void run_trend(a_ctx *c, a_finding *f, const m_job **runs, unsigned n)
{
	qsort(runs, n, sizeof(*runs), by_start);
	char line[512];
	size_t off = 0;
	int64_t deadline = 0;
	unsigned first = n > 6 ? n - 6 : 0;
	line[0] = 0;
	for (unsigned i = first; i < n && off < sizeof(line); i++) {
		const m_job *j = runs[i];
		const m_cond *fc = m_cond_find(j->conds, j->nconds, "Failed");
		int bad = fc && a_eq(fc->status, "True");
		int64_t start = j->start_time ? j->start_time : j->meta.created;
		int64_t end = j->completion_time ? j->completion_time : bad ? fc->last_transition : 0;
		char d[32] = "?";
		if (start && end >= start)
			dur(end - start, d, sizeof(d));
		off += (size_t)snprintf(line + off, sizeof(line) - off, "%s%s %s", i > first ? ", " : "", d,
					bad ? (fc->reason ? fc->reason : "Failed") : "ok");
		if (j->active_deadline)
			deadline = j->active_deadline;
		if (bad)
			a_member(c, f, j->meta.name);
	}
	if (n)
		a_evidence(c, f, "recent runs, oldest first: %s%s", line, deadline ? "" : " (no activeDeadlineSeconds)");
	if (deadline) {
		char d[32];
		dur(deadline, d, sizeof(d));
		a_evidence(c, f, "job activeDeadlineSeconds %lld (%s): runs killed at the deadline fail with DeadlineExceeded",
			   (long long)deadline, d);
	}
}

/* ---- schedules ---- */

static int cron_value(const char *s, size_t n, int field, int *v)
{
	static const char *const months[] = {"jan", "feb", "mar", "apr", "may", "jun",
					     "jul", "aug", "sep", "oct", "nov", "dec"};
	static const char *const days[] = {"sun", "mon", "tue", "wed", "thu", "fri", "sat"};
	static const int lo[5] = {0, 0, 1, 1, 0}, hi[5] = {59, 23, 31, 12, 7};
	if (!n)
		return 0;
	if (isdigit((unsigned char)s[0])) {
		int x = 0;
		for (size_t i = 0; i < n; i++) {
			if (!isdigit((unsigned char)s[i]) || x > 1000)
				return 0;
			x = x * 10 + (s[i] - '0');
		}
		*v = x;
		return x >= lo[field] && x <= hi[field];
	}
	if (n != 3 || (field != 3 && field != 4))
		return 0;
	const char *const *names = field == 3 ? months : days;
	int count = field == 3 ? 12 : 7;
	for (int i = 0; i < count; i++)
		if (tolower((unsigned char)s[0]) == names[i][0] && tolower((unsigned char)s[1]) == names[i][1] &&
		    tolower((unsigned char)s[2]) == names[i][2]) {
			*v = field == 3 ? i + 1 : i;
			return 1;
		}
	return 0;
}

/* One field of a cron expression: "*", "?", "a", "a-b", each with an optional "/step",
 * separated by commas. */
static int cron_field(const char *s, size_t n, int field)
{
	size_t i = 0;
	while (i < n) {
		size_t e = i;
		while (e < n && s[e] != ',')
			e++;
		const char *t = s + i;
		size_t tl = e - i, slash = tl;
		for (size_t k = 0; k < tl; k++)
			if (t[k] == '/') {
				slash = k;
				break;
			}
		if (slash < tl) { /* the step: a positive number */
			int step;
			if (slash + 1 >= tl || !isdigit((unsigned char)t[slash + 1]))
				return 0;
			for (size_t k = slash + 1; k < tl; k++)
				if (!isdigit((unsigned char)t[k]))
					return 0;
			step = atoi(t + slash + 1);
			if (step <= 0)
				return 0;
		}
		int a, b;
		if (slash == 1 && (t[0] == '*' || t[0] == '?')) {
		} else if (slash == 0) {
			return 0;
		} else {
			size_t dash = slash;
			for (size_t k = 1; k < slash; k++)
				if (t[k] == '-') {
					dash = k;
					break;
				}
			if (!cron_value(t, dash, field, &a))
				return 0;
			if (dash < slash && (!cron_value(t + dash + 1, slash - dash - 1, field, &b) || b < a))
				return 0;
		}
		if (e < n && e + 1 == n)
			return 0; /* a trailing comma */
		i = e + 1;
	}
	return n > 0;
}

/* Is a CronJob schedule valid (5 fields or a macro, optionally after CRON_TZ=/TZ=)? */
static int cron_valid(const char *s)
{
	if (!s)
		return 0;
	while (*s == ' ')
		s++;
	if (!strncmp(s, "CRON_TZ=", 8) || !strncmp(s, "TZ=", 3)) {
		s = strchr(s, ' ');
		if (!s)
			return 0;
		while (*s == ' ')
			s++;
	}
	if (*s == '@') {
		static const char *const macros[] = {"@yearly", "@annually", "@monthly", "@weekly",
						     "@daily", "@midnight", "@hourly"};
		for (size_t i = 0; i < sizeof(macros) / sizeof(macros[0]); i++)
			if (strcmp(s, macros[i]) == 0)
				return 1;
		return strncmp(s, "@every ", 7) == 0 && s[7];
	}
	int fields = 0;
	while (*s) {
		while (*s == ' ' || *s == '\t')
			s++;
		if (!*s)
			break;
		const char *e = s;
		while (*e && *e != ' ' && *e != '\t')
			e++;
		if (fields >= 5 || !cron_field(s, (size_t)(e - s), fields))
			return 0;
		fields++;
		s = e;
	}
	return fields == 5;
}

static void cronjob(a_ctx *c, const m_cronjob *cj)
{
	/* the newest Job of this CronJob decides */
	const m_job *newest = NULL;
	const m_job *runs[16];
	unsigned failed = 0, total = 0, nruns = 0;
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
		if (nruns < 16)
			runs[nruns++] = j;
		if (!newest || j->meta.created > newest->meta.created)
			newest = j;
	}
	if (cj->schedule && !cron_valid(cj->schedule)) {
		/* never scheduled at all */
		a_finding *f = a_new_owner(c, FC_CronJobFailing, K8SA_SEV_WARNING, &cj->meta);
		if (!f)
			return;
		a_summary(c, f, "CronJob %s has an invalid schedule \"%s\": no Job is ever created", cj->meta.name,
			  cj->schedule);
		a_evidence(c, f, "spec schedule \"%s\": not a cron expression (5 fields: minute hour day-of-month month day-of-week, or @hourly/@daily/...)",
			   cj->schedule);
		a_command(c, f, "kubectl get cronjob %s -n %s -o jsonpath='{.spec.schedule}'", cj->meta.name,
			  a_nz(cj->meta.ns));
		return;
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
	if (failing)
		run_trend(c, f, runs, nruns);
	a_event_evidence(c, f, "CronJob", cj->meta.ns, cj->meta.name, 0, 2, 0);
	if (failing) {
		a_event_evidence(c, f, "Job", newest->meta.ns, newest->meta.name, 0, 2, 0);
		job_pod_evidence(c, f, newest);
	}
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
