/* SPDX-License-Identifier: MIT */
/* What a diagnosis shows the model, in order of value: the root-cause findings, the other
 * findings, compact facts about what is unhealthy, what could not be read, warning events,
 * and log tails. The prompt builder shortens from the end of that list under its budget. */
#include "internal.h"
#include "agent_internal.h"
#include "snapshot_internal.h"
#include "tbuf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* All namespaces: findings alike (code, severity, root-ness, kind, container) are shown
 * once, the first with "and N alike in M namespaces" and examples, so a thousand identical
 * crash loops cost one finding's tokens. */
static int alike(const k8sa_findings *f, size_t i, size_t j)
{
	const char *ci = k8sa_finding_container(f, i), *cj = k8sa_finding_container(f, j);
	return !strcmp(k8sa_finding_code(f, i), k8sa_finding_code(f, j)) &&
	       k8sa_finding_severity(f, i) == k8sa_finding_severity(f, j) &&
	       !!k8sa_finding_root_cause(f, i) == !!k8sa_finding_root_cause(f, j) &&
	       !strcmp(k8sa_finding_kind(f, i), k8sa_finding_kind(f, j)) && !strcmp(ci ? ci : "", cj ? cj : "");
}

/* rep[i]: the first finding alike to i (i itself when it is the first); NULL on ENOMEM. */
static size_t *alike_groups(const k8sa_findings *f, size_t n)
{
	size_t *rep = malloc((n ? n : 1) * sizeof(*rep)), *heads = malloc((n ? n : 1) * sizeof(*heads));
	size_t nheads = 0;
	if (!rep || !heads) {
		free(rep);
		free(heads);
		return NULL;
	}
	for (size_t i = 0; i < n; i++) {
		size_t h = 0;
		while (h < nheads && !alike(f, heads[h], i))
			h++;
		if (h == nheads)
			heads[nheads++] = i;
		rep[i] = heads[h];
	}
	free(heads);
	return rep;
}

/* Items are built in one reused buffer: reset, print, add. `all`: every namespace (fold
 * alike findings, and only the first root-cause group is the root-cause section; the other
 * roots are findings the budget may shorten). */
static k8sa_status add_findings(k8sa_prompt *p, const k8sa_findings *f, int roots, int all, k8sa_error *err)
{
	k8sa_tbuf t = {0};
	k8sa_status st = K8SA_OK;
	size_t n = k8sa_findings_count(f);
	size_t *rep = NULL;
	int first_root = 1;

	if (all && n && !(rep = alike_groups(f, n)))
		return k8sa_fail(err, K8SA_E_NOMEM, "out of memory building the findings context");
	for (size_t i = 0; i < n && st == K8SA_OK; i++) {
		if (!!k8sa_finding_root_cause(f, i) != roots)
			continue;
		if (!roots && k8sa_finding_severity(f, i) < K8SA_SEV_WARNING)
			continue;
		if (rep && rep[i] != i)
			continue; /* told with the first of its kind */
		size_t nalike = 0, nns = 0;
		const char *last_ns = NULL;
		for (size_t j = i; rep && j < n; j++)
			if (rep[j] == i) {
				const char *jns = k8sa_finding_namespace(f, j);
				nalike++;
				if (!last_ns || strcmp(last_ns, jns ? jns : ""))
					nns++;
				last_ns = jns ? jns : "";
			}
		const char *ns = k8sa_finding_namespace(f, i), *c = k8sa_finding_container(f, i);
		size_t members = k8sa_finding_member_count(f, i);
		k8sa_tbuf_reset(&t);
		k8sa_tbuf_printf(&t, "%s [%s] %s %s%s%s", k8sa_finding_code(f, i),
			  k8sa_severity_name(k8sa_finding_severity(f, i)),
			  k8sa_finding_kind(f, i), ns && *ns ? ns : "", ns && *ns ? "/" : "",
			  k8sa_finding_name(f, i));
		if (c && *c)
			k8sa_tbuf_printf(&t, " (container %s)", c);
		if (members > 1)
			k8sa_tbuf_printf(&t, " and %zu similar", members - 1);
		if (nalike > 1)
			k8sa_tbuf_printf(&t, "; the same in %zu more object%s (%zu namespace%s)", nalike - 1,
					 nalike == 2 ? "" : "s", nns, nns == 1 ? "" : "s");
		if (t.oom)
			break;
		/* The summary and evidence quote cluster text (messages, log lines): fenced. */
		k8sa_section_kind kind = roots && (!all || first_root) ? K8SA_SECTION_ROOT_CAUSE : K8SA_SECTION_FINDING;
		if (roots)
			first_root = 0;
		st = k8sa_prompt_add_section(p, kind, k8sa_tbuf_str(&t), NULL, 1, err);
		if (st == K8SA_OK)
			st = k8sa_prompt_add_item(p, k8sa_finding_summary(f, i), err);
		if (nalike > 1 && st == K8SA_OK) {
			k8sa_tbuf_reset(&t);
			k8sa_tbuf_printf(&t, "alike:");
			size_t shown = 0;
			for (size_t j = i + 1; j < n && shown < 10; j++)
				if (rep[j] == i) {
					const char *jns = k8sa_finding_namespace(f, j);
					k8sa_tbuf_printf(&t, " %s%s%s", jns && *jns ? jns : "", jns && *jns ? "/" : "",
							 k8sa_finding_name(f, j));
					shown++;
				}
			if (nalike - 1 > shown)
				k8sa_tbuf_printf(&t, " (+%zu more)", nalike - 1 - shown);
			st = t.oom ? K8SA_E_NOMEM : k8sa_prompt_add_item(p, k8sa_tbuf_str(&t), err);
		}
		for (size_t j = 0; st == K8SA_OK && j < k8sa_finding_evidence_count(f, i); j++) {
			k8sa_tbuf_reset(&t);
			k8sa_tbuf_printf(&t, "evidence: %s", k8sa_finding_evidence(f, i, j));
			st = t.oom ? K8SA_E_NOMEM : k8sa_prompt_add_item(p, k8sa_tbuf_str(&t), err);
		}
		if (members > 1 && st == K8SA_OK) {
			k8sa_tbuf_reset(&t);
			k8sa_tbuf_printf(&t, "members:");
			for (size_t j = 0; j < members && j < 10; j++)
				k8sa_tbuf_printf(&t, " %s", k8sa_finding_member(f, i, j));
			if (members > 10)
				k8sa_tbuf_printf(&t, " (+%zu more)", members - 10);
			st = t.oom ? K8SA_E_NOMEM : k8sa_prompt_add_item(p, k8sa_tbuf_str(&t), err);
		}
		for (size_t j = 0; st == K8SA_OK && j < k8sa_finding_command_count(f, i); j++) {
			k8sa_tbuf_reset(&t);
			k8sa_tbuf_printf(&t, "command: %s", k8sa_finding_command(f, i, j));
			st = t.oom ? K8SA_E_NOMEM : k8sa_prompt_add_item(p, k8sa_tbuf_str(&t), err);
		}
	}
	if (t.oom && st == K8SA_OK)
		st = k8sa_fail(err, K8SA_E_NOMEM, "out of memory building the findings context");
	k8sa_tbuf_release(&t);
	free(rep);
	return st;
}

static void describe_state(k8sa_tbuf *t, const char *label, const m_state *s)
{
	switch (s->kind) {
	case M_STATE_WAITING:
		k8sa_tbuf_printf(t, ", %s waiting %s", label, s->reason ? s->reason : "");
		break;
	case M_STATE_TERMINATED:
		k8sa_tbuf_printf(t, ", %s terminated %s exit %lld", label, s->reason ? s->reason : "",
			  (long long)s->exit_code);
		break;
	case M_STATE_RUNNING:
		k8sa_tbuf_printf(t, ", %s running", label);
		break;
	default:
		break;
	}
}

static void describe_container(k8sa_tbuf *t, const m_pod *p, const m_cstatus *cs, int init)
{
	int dummy;
	const m_container *spec = m_pod_container(p, cs->name, &dummy);
	k8sa_tbuf_printf(t, "%scontainer %s: ready=%s restarts=%lld", init ? "init " : "", cs->name,
		  cs->ready ? "true" : "false", (long long)cs->restarts);
	describe_state(t, "now", &cs->state);
	describe_state(t, "last", &cs->last);
	if (spec) {
		if (spec->lim_mem || spec->lim_cpu)
			k8sa_tbuf_printf(t, ", limits: memory %s cpu %s", spec->lim_mem ? spec->lim_mem : "-",
				  spec->lim_cpu ? spec->lim_cpu : "-");
		if (spec->req_mem || spec->req_cpu)
			k8sa_tbuf_printf(t, ", requests: memory %s cpu %s", spec->req_mem ? spec->req_mem : "-",
				  spec->req_cpu ? spec->req_cpu : "-");
		if (spec->image)
			k8sa_tbuf_printf(t, ", image %s", spec->image);
	}
}

/* Add one fact, opening the facts section on the first one (no section without facts). */
static k8sa_status add_fact(k8sa_prompt *p, int *opened, const char *text, k8sa_error *err)
{
	if (!*opened) {
		k8sa_status st = k8sa_prompt_add_section(p, K8SA_SECTION_FACTS, "unhealthy objects",
							 NULL, 0, err);
		if (st != K8SA_OK)
			return st;
		*opened = 1;
	}
	return k8sa_prompt_add_item(p, text, err);
}

/* Facts: one item per unhealthy pod, one per workload short of replicas. */
static k8sa_status add_facts(k8sa_prompt *p, const m_model *m, k8sa_error *err)
{
	k8sa_tbuf t = {0};
	k8sa_status st = K8SA_OK;
	int opened = 0;

	for (size_t i = 0; i < m->pods.n && st == K8SA_OK; i++) {
		const m_pod *pod = &m->pods.v[i];
		if (pod->healthy)
			continue;
		k8sa_tbuf_reset(&t);
		k8sa_tbuf_printf(&t, "pod %s/%s: phase %s", pod->meta.ns ? pod->meta.ns : "", pod->meta.name,
			  pod->phase ? pod->phase : "unknown");
		if (pod->reason)
			k8sa_tbuf_printf(&t, " reason %s", pod->reason);
		if (pod->node)
			k8sa_tbuf_printf(&t, " node %s", pod->node);
		for (unsigned c = 0; c < pod->nconds; c++)
			if (pod->conds[c].status && strcmp(pod->conds[c].status, "True") != 0)
				k8sa_tbuf_printf(&t, "; %s=%s%s%s", pod->conds[c].type, pod->conds[c].status,
					  pod->conds[c].reason ? " " : "",
					  pod->conds[c].reason ? pod->conds[c].reason : "");
		for (unsigned c = 0; c < pod->ninit_statuses; c++) {
			k8sa_tbuf_printf(&t, "; ");
			describe_container(&t, pod, &pod->init_statuses[c], 1);
		}
		for (unsigned c = 0; c < pod->nstatuses; c++) {
			k8sa_tbuf_printf(&t, "; ");
			describe_container(&t, pod, &pod->statuses[c], 0);
		}
		if (!pod->nstatuses)
			for (unsigned c = 0; c < pod->ncontainers; c++) {
				const m_container *k = &pod->containers[c];
				k8sa_tbuf_printf(&t, "; container %s requests: cpu %s memory %s", k->name,
					  k->req_cpu ? k->req_cpu : "-", k->req_mem ? k->req_mem : "-");
			}
		if (t.oom)
			break;
		st = add_fact(p, &opened, k8sa_tbuf_str(&t), err);
	}
	static const char *const wl_kind[] = {"Deployment", "ReplicaSet", "StatefulSet", "DaemonSet"};
	for (size_t i = 0; i < m->workloads.n && st == K8SA_OK; i++) {
		const m_workload *w = &m->workloads.v[i];
		if (w->wkind == M_WL_REPLICASET && w->desired == 0)
			continue;
		if (w->ready >= w->desired && w->unavailable == 0)
			continue;
		k8sa_tbuf_reset(&t);
		k8sa_tbuf_printf(&t, "%s %s/%s: desired %lld ready %lld available %lld", wl_kind[w->wkind],
			  w->meta.ns ? w->meta.ns : "", w->meta.name, (long long)w->desired,
			  (long long)w->ready, (long long)w->available);
		for (unsigned c = 0; c < w->nconds; c++)
			if (w->conds[c].status && strcmp(w->conds[c].status, "True") != 0)
				k8sa_tbuf_printf(&t, "; %s=%s %s", w->conds[c].type, w->conds[c].status,
					  w->conds[c].reason ? w->conds[c].reason : "");
		if (t.oom)
			break;
		st = add_fact(p, &opened, k8sa_tbuf_str(&t), err);
	}
	if (t.oom && st == K8SA_OK)
		st = k8sa_fail(err, K8SA_E_NOMEM, "out of memory building the facts context");
	k8sa_tbuf_release(&t);
	return st;
}

static k8sa_status add_gaps(k8sa_prompt *p, const k8sa_snapshot *snap, const m_model *m, k8sa_error *err)
{
	k8sa_status st = K8SA_OK;
	char line[256];

	if (!snap->ngaps && !m->pods_omitted && !m->events_omitted && !snap->logs_skipped)
		return K8SA_OK;
	st = k8sa_prompt_add_section(p, K8SA_SECTION_GAPS, "Not visible to the agent", NULL, 0, err);
	for (size_t i = 0; st == K8SA_OK && i < snap->ngaps; i++)
		st = k8sa_prompt_add_item(p, snap->gaps[i], err);
	if (st == K8SA_OK && m->pods_omitted) {
		snprintf(line, sizeof(line), "%zu healthy pods not included (pod bound)", m->pods_omitted);
		st = k8sa_prompt_add_item(p, line, err);
	}
	if (st == K8SA_OK && m->events_omitted) {
		snprintf(line, sizeof(line), "%zu older events not included (event bound)", m->events_omitted);
		st = k8sa_prompt_add_item(p, line, err);
	}
	if (st == K8SA_OK && snap->logs_skipped) {
		snprintf(line, sizeof(line), "logs of %zu more unhealthy containers not fetched (log bound)",
			 snap->logs_skipped);
		st = k8sa_prompt_add_item(p, line, err);
	}
	return st;
}

/* Is (kind, name) an object a finding is about (the object itself or a member pod)? */
static int has_finding(const k8sa_findings *f, const char *kind, const char *name)
{
	if (!kind || !name)
		return 0;
	for (size_t i = 0; i < k8sa_findings_count(f); i++) {
		if (k8sa_finding_severity(f, i) < K8SA_SEV_WARNING)
			continue;
		int pod = strcmp(k8sa_finding_kind(f, i), "Pod") == 0;
		if (strcmp(k8sa_finding_kind(f, i), kind) == 0 && strcmp(k8sa_finding_name(f, i), name) == 0)
			return 1;
		for (size_t j = 0; pod && strcmp(kind, "Pod") == 0 && j < k8sa_finding_member_count(f, i); j++)
			if (strcmp(k8sa_finding_member(f, i, j), name) == 0)
				return 1;
	}
	return 0;
}

/* Warning events first (newest first: the budget drops the oldest), then Normal events about
 * objects with findings ("Killing: failed liveness probe, will be restarted" is Normal). */
static k8sa_status add_events(k8sa_prompt *p, const m_model *m, const k8sa_findings *f, k8sa_error *err)
{
	k8sa_status st = K8SA_OK;
	int opened = 0;
	char line[2048], ev[1536];

	for (int pass = 0; pass < 2 && st == K8SA_OK; pass++) {
		for (size_t i = 0; i < m->events.n && st == K8SA_OK; i++) {
			const m_event *e = &m->events.v[i];
			int warning = !e->type || strcmp(e->type, "Normal") != 0;
			if (pass == 0 ? !warning : (warning || !has_finding(f, e->kind, e->name)))
				continue;
			if (!opened) {
				st = k8sa_prompt_add_section(p, K8SA_SECTION_EVENTS, "Events (warnings first, newest first)",
							     NULL, 1, err);
				opened = 1;
				if (st != K8SA_OK)
					break;
			}
			k8sa_event_line(e, ev, sizeof(ev));
			snprintf(line, sizeof(line), "%s%s/%s: %s", warning ? "" : "(Normal) ", e->kind ? e->kind : "?",
				 e->name ? e->name : "?", ev);
			st = k8sa_prompt_add_item(p, line, err);
		}
	}
	return st;
}

static k8sa_status add_logs(k8sa_prompt *p, const m_model *m, k8sa_error *err)
{
	k8sa_status st = K8SA_OK;
	char title[512];

	for (size_t i = 0; i < m->pods.n && st == K8SA_OK; i++) {
		const m_pod *pod = &m->pods.v[i];
		for (const m_log *l = pod->logs; l && st == K8SA_OK; l = l->next) {
			if (!l->len)
				continue;
			snprintf(title, sizeof(title), "Log tail of pod %s/%s container %s%s%s",
				 pod->meta.ns ? pod->meta.ns : "", pod->meta.name, l->container,
				 l->previous ? " (previous, crashed instance)" : "",
				 l->truncated ? " (cut to the last lines)" : "");
			st = k8sa_prompt_add_section(p, K8SA_SECTION_LOGS, title, NULL, 1, err);
			/* One item per line so the budget can drop the oldest lines first. */
			const char *s = l->text, *end = l->text + l->len;
			while (st == K8SA_OK && s < end) {
				const char *nl = memchr(s, '\n', (size_t)(end - s));
				size_t n = nl ? (size_t)(nl - s) : (size_t)(end - s);
				if (n) {
					char *item = strndup(s, n);
					if (!item)
						return k8sa_fail(err, K8SA_E_NOMEM, "out of memory");
					st = k8sa_prompt_add_item(p, item, err);
					free(item);
				}
				s += n + 1;
			}
		}
	}
	return st;
}

k8sa_status k8sa_agent_add_context(k8sa_prompt *p, const k8sa_snapshot *snap, const k8sa_findings *f,
				   k8sa_error *err)
{
	const m_model *m = k8sa_snapshot_model(snap);
	k8sa_status st;

	int all = k8sa_snapshot_namespace(snap) == NULL;
	if ((st = add_findings(p, f, 1, all, err)) != K8SA_OK)
		return st;
	if ((st = add_findings(p, f, 0, all, err)) != K8SA_OK)
		return st;
	if ((st = add_facts(p, m, err)) != K8SA_OK)
		return st;
	if ((st = add_gaps(p, snap, m, err)) != K8SA_OK)
		return st;
	if ((st = add_events(p, m, f, err)) != K8SA_OK)
		return st;
	return add_logs(p, m, err);
}
