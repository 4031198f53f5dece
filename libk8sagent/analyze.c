/* SPDX-License-Identifier: MIT */
/* Findings: the list API, the helpers every analyzer uses, JSON and text output, and the
 * k8sa_analyze() driver. */
#include "internal.h"
#include "analyze_internal.h"
#include "redact_internal.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- building ---------------------------------------------------------------------------- */

static char *vfmt(const char *fmt, va_list ap)
{
	va_list ap2;
	va_copy(ap2, ap);
	int n = vsnprintf(NULL, 0, fmt, ap2);
	va_end(ap2);
	if (n < 0)
		return NULL;
	char *s = malloc((size_t)n + 1);
	if (s)
		vsnprintf(s, (size_t)n + 1, fmt, ap);
	return s;
}

/* Every string a finding carries (summary, evidence, commands) and the gaps are redacted
 * where they are made, so each consumer (JSON, text, the prompt, the bindings, the service)
 * gets the same scrubbed bytes and none can forget. Redacted before any cut to a length, so a
 * secret is never split into a shape the redactor no longer knows. */
static char *vfmt_redacted(const char *fmt, va_list ap)
{
	char *s = vfmt(fmt, ap);
	if (!s)
		return NULL;
	char *r = k8sa_redact(s, strlen(s), NULL);
	free(s);
	return r;
}

int a_strv_push(a_strv *v, char *s)
{
	if (!s)
		return -1;
	if (v->n == v->cap) {
		size_t nc = v->cap ? v->cap * 2 : 4;
		char **nv = realloc(v->v, nc * sizeof(*nv));
		if (!nv) {
			free(s);
			return -1;
		}
		v->v = nv;
		v->cap = nc;
	}
	v->v[v->n++] = s;
	return 0;
}

static void strv_free(a_strv *v)
{
	for (size_t i = 0; i < v->n; i++)
		free(v->v[i]);
	free(v->v);
}

static char *dup0(k8sa_findings *f, const char *s)
{
	char *d = strdup(s ? s : "");
	if (!d)
		f->nomem = 1;
	return d;
}

a_finding *a_new(a_ctx *c, const char *code, k8sa_severity sev, const char *kind, const char *ns,
		 const char *name, const char *container)
{
	k8sa_findings *f = c->f;
	if (f->n == f->cap) {
		size_t nc = f->cap ? f->cap * 2 : 16;
		a_finding *nv = realloc(f->v, nc * sizeof(*nv));
		if (!nv) {
			f->nomem = 1;
			return NULL;
		}
		f->v = nv;
		f->cap = nc;
	}
	a_finding *x = &f->v[f->n++];
	memset(x, 0, sizeof(*x));
	x->code = code;
	x->sev = sev;
	x->kind = dup0(f, kind);
	x->ns = dup0(f, ns);
	x->name = dup0(f, name);
	x->container = dup0(f, container);
	x->summary = dup0(f, "");
	x->rank = 50;
	/* every finding lists the objects it covers; grouped pod findings add more */
	a_member(c, x, name);
	return x;
}

void a_summary(a_ctx *c, a_finding *f, const char *fmt, ...)
{
	if (!f)
		return;
	va_list ap;
	va_start(ap, fmt);
	char *s = vfmt_redacted(fmt, ap);
	va_end(ap);
	if (!s) {
		c->f->nomem = 1;
		return;
	}
	free(f->summary);
	f->summary = s;
}

void a_evidence(a_ctx *c, a_finding *f, const char *fmt, ...)
{
	if (!f)
		return;
	va_list ap;
	va_start(ap, fmt);
	char *s = vfmt_redacted(fmt, ap);
	va_end(ap);
	/* evidence lines are single lines: fold newlines, cap the length */
	if (s) {
		for (char *p = s; *p; p++)
			if (*p == '\n' || *p == '\r')
				*p = ' ';
		if (strlen(s) > 500)
			strcpy(s + 497, "...");
	}
	for (size_t i = 0; s && i < f->evidence.n; i++)
		if (strcmp(f->evidence.v[i], s) == 0) {
			free(s);
			return;
		}
	if (a_strv_push(&f->evidence, s) < 0)
		c->f->nomem = 1;
}

void a_command(a_ctx *c, a_finding *f, const char *fmt, ...)
{
	if (!f)
		return;
	va_list ap;
	va_start(ap, fmt);
	char *s = vfmt_redacted(fmt, ap);
	va_end(ap);
	if (a_strv_push(&f->commands, s) < 0)
		c->f->nomem = 1;
}

void a_member(a_ctx *c, a_finding *f, const char *name)
{
	if (!f)
		return;
	if (a_strv_push(&f->members, strdup(name ? name : "")) < 0)
		c->f->nomem = 1;
}

/* ---- grouping ---------------------------------------------------------------------------- */

void a_pod_owner(a_ctx *c, const m_pod *p, const char **kind, const char **name)
{
	const m_owner *o = m_controller(&p->meta);
	if (!o || !o->kind || !o->name) {
		*kind = "Pod";
		*name = p->meta.name;
		return;
	}
	*kind = o->kind;
	*name = o->name;
	if (strcmp(o->kind, "ReplicaSet") == 0) {
		const m_workload *rs = m_find_workload(c->m, M_WL_REPLICASET, p->meta.ns, o->name);
		const m_owner *up = rs ? m_controller(&rs->meta) : NULL;
		if (up && up->kind && up->name) {
			*kind = up->kind;
			*name = up->name;
		}
	} else if (strcmp(o->kind, "Job") == 0) {
		const m_job *j = m_find_job(c->m, p->meta.ns, o->name);
		const m_owner *up = j ? m_controller(&j->meta) : NULL;
		/* a Job's pods group under the Job: the CronJob is one more hop (rootcause.c) */
		(void)up;
	}
}

static char *group_key(a_ctx *c, const char *code, const m_pod *p, const char *container)
{
	const char *ok, *on;
	a_pod_owner(c, p, &ok, &on);
	size_t n = strlen(code) + strlen(p->meta.ns ? p->meta.ns : "") + strlen(ok) + strlen(on ? on : "") +
		   strlen(container ? container : "") + 8;
	char *k = malloc(n);
	if (k)
		snprintf(k, n, "%s|%s|%s|%s|%s", code, p->meta.ns ? p->meta.ns : "", ok, on ? on : "",
			 container ? container : "");
	return k;
}

static size_t hstr(const char *s)
{
	size_t h = 5381;
	while (*s)
		h = h * 33 + (unsigned char)*s++;
	return h;
}

a_finding *a_group_find(a_ctx *c, const char *code, const m_pod *p, const char *container)
{
	k8sa_findings *f = c->f;
	if (!f->gcap)
		return NULL;
	/* bare pods are their own group */
	const m_owner *o = m_controller(&p->meta);
	if (!o)
		return NULL;
	char *k = group_key(c, code, p, container);
	if (!k) {
		f->nomem = 1;
		return NULL;
	}
	size_t j = hstr(k) & (f->gcap - 1);
	a_finding *r = NULL;
	while (f->gkeys[j]) {
		if (strcmp(f->gkeys[j], k) == 0) {
			r = &f->v[f->gidx[j] - 1];
			break;
		}
		j = (j + 1) & (f->gcap - 1);
	}
	free(k);
	return r;
}

void a_group_add(a_ctx *c, a_finding *x, const char *code, const m_pod *p, const char *container)
{
	k8sa_findings *f = c->f;
	if (!x || !m_controller(&p->meta))
		return;
	if ((f->gn + 1) * 2 > f->gcap) {
		size_t nc = f->gcap ? f->gcap * 2 : 64;
		char **nk = calloc(nc, sizeof(*nk));
		size_t *ni = calloc(nc, sizeof(*ni));
		if (!nk || !ni) {
			free(nk);
			free(ni);
			f->nomem = 1;
			return;
		}
		for (size_t i = 0; i < f->gcap; i++) {
			if (!f->gkeys[i])
				continue;
			size_t j = hstr(f->gkeys[i]) & (nc - 1);
			while (nk[j])
				j = (j + 1) & (nc - 1);
			nk[j] = f->gkeys[i];
			ni[j] = f->gidx[i];
		}
		free(f->gkeys);
		free(f->gidx);
		f->gkeys = nk;
		f->gidx = ni;
		f->gcap = nc;
	}
	char *k = group_key(c, code, p, container);
	if (!k) {
		f->nomem = 1;
		return;
	}
	size_t j = hstr(k) & (f->gcap - 1);
	while (f->gkeys[j])
		j = (j + 1) & (f->gcap - 1);
	f->gkeys[j] = k;
	f->gidx[j] = (size_t)(x - f->v) + 1;
	f->gn++;
}

/* ---- evidence helpers ---------------------------------------------------------------------- */

void k8sa_event_line(const m_event *ev, char *buf, size_t size)
{
	if (ev->count > 1)
		snprintf(buf, size, "%s (x%lld): %s", ev->reason, (long long)ev->count, ev->message ? ev->message : "");
	else
		snprintf(buf, size, "%s: %s", ev->reason, ev->message ? ev->message : "");
}

typedef struct ev_pick {
	const m_event *e[16];
	int n, max, normal_too;
	int64_t since;
} ev_pick;

static int pick_event(void *ud, const m_event *e)
{
	ev_pick *p = ud;
	int warn = e->type && strcmp(e->type, "Warning") == 0;
	if (!warn && !p->normal_too)
		return 0;
	if (p->since && e->last && e->last < p->since)
		return 0;
	if (p->n < p->max)
		p->e[p->n++] = e;
	return p->n >= p->max;
}

int a_event_evidence(a_ctx *c, a_finding *f, const char *kind, const char *ns, const char *name, int64_t since,
		     int max, int normal_too)
{
	ev_pick p = {.max = max > 16 ? 16 : max, .normal_too = normal_too, .since = since};
	/* events come newest first per object */
	m_events_for(c->m, kind, ns, name, pick_event, &p);
	for (int i = 0; i < p.n; i++) {
		char buf[1024];
		k8sa_event_line(p.e[i], buf, sizeof(buf));
		a_evidence(c, f, "event %s", buf);
	}
	return p.n;
}

static int ci_contains(const char *hay, size_t hlen, const char *needle)
{
	size_t nl = strlen(needle);
	for (size_t i = 0; i + nl <= hlen; i++) {
		size_t k = 0;
		while (k < nl && tolower((unsigned char)hay[i + k]) == needle[k])
			k++;
		if (k == nl)
			return 1;
	}
	return 0;
}

static int decisive(const char *line, size_t len)
{
	static const char *const pats[] = {
		"panic", "fatal", "exception", "traceback", "error", "segmentation", "killed",
		"out of memory", "oom", "cannot ", "can't ", "could not", "failed", "refused",
		"denied", "not found", "no such", "unable to", "timeout", "timed out", "deadline",
	};
	for (size_t i = 0; i < sizeof(pats) / sizeof(pats[0]); i++)
		if (ci_contains(line, len, pats[i]))
			return 1;
	return 0;
}

static int starts_trace(const char *line, size_t len)
{
	return ci_contains(line, len, "panic") || ci_contains(line, len, "traceback") ||
	       ci_contains(line, len, "exception") || ci_contains(line, len, "fatal");
}

void a_log_evidence(a_ctx *c, a_finding *f, const m_log *log, const char *label)
{
	if (!log || !log->text || !log->len)
		return;
	const char *t = log->text, *end = t + log->len;
	int added = 0, follow = 0, last_shown = 0;
	const char *last = NULL;
	size_t last_len = 0;
	/* the first decisive line, the stack frames after it, and the last line */
	for (const char *p = t; p < end && added < 10;) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
		const char *s = p;
		size_t l = len;
		while (l && isspace((unsigned char)s[l - 1]))
			l--;
		size_t lead = 0;
		while (lead < l && isspace((unsigned char)s[lead]))
			lead++;
		if (l > lead) {
			last = s + lead;
			last_len = l - lead;
			last_shown = 0;
			if (follow > 0) {
				a_evidence(c, f, "%s: %.*s", label, (int)(l - lead > 300 ? 300 : l - lead), s + lead);
				added++;
				follow--;
				last_shown = 1;
			} else if (decisive(s, l) && added < 4) {
				a_evidence(c, f, "%s: %.*s", label, (int)(l - lead > 300 ? 300 : l - lead), s + lead);
				added++;
				last_shown = 1;
				if (starts_trace(s, l))
					follow = 5;
			}
		}
		p = nl ? nl + 1 : end;
	}
	if (last && !last_shown)
		a_evidence(c, f, "%s (last line): %.*s", label, (int)(last_len > 300 ? 300 : last_len), last);
}

/* ---- the list API -------------------------------------------------------------------------- */

static void finding_free(a_finding *x)
{
	free(x->kind);
	free(x->ns);
	free(x->name);
	free(x->container);
	free(x->summary);
	strv_free(&x->evidence);
	strv_free(&x->commands);
	strv_free(&x->members);
}

K8SA_EXPORT void k8sa_findings_free(k8sa_findings *f)
{
	if (!f)
		return;
	for (size_t i = 0; i < f->n; i++)
		finding_free(&f->v[i]);
	free(f->v);
	for (size_t i = 0; i < f->gcap; i++)
		free(f->gkeys[i]);
	free(f->gkeys);
	free(f->gidx);
	strv_free(&f->gaps);
	free(f->ns);
	free(f);
}

K8SA_EXPORT const char *k8sa_severity_name(k8sa_severity sev)
{
	switch (sev) {
	case K8SA_SEV_INFO: return "info";
	case K8SA_SEV_WARNING: return "warning";
	case K8SA_SEV_CRITICAL: return "critical";
	}
	return "unknown";
}

K8SA_EXPORT size_t k8sa_findings_count(const k8sa_findings *f)
{
	return f ? f->n : 0;
}

K8SA_EXPORT int k8sa_findings_complete(const k8sa_findings *f)
{
	return f && !f->incomplete;
}

K8SA_EXPORT size_t k8sa_findings_problem_count(const k8sa_findings *f)
{
	size_t n = 0;
	for (size_t i = 0; f && i < f->n; i++)
		n += f->v[i].sev >= K8SA_SEV_WARNING;
	return n;
}

#define AT(f, i) ((f) && (i) < (f)->n ? &(f)->v[i] : NULL)

K8SA_EXPORT const char *k8sa_finding_code(const k8sa_findings *f, size_t i)
{
	const a_finding *x = AT(f, i);
	return x ? x->code : NULL;
}

K8SA_EXPORT k8sa_severity k8sa_finding_severity(const k8sa_findings *f, size_t i)
{
	const a_finding *x = AT(f, i);
	return x ? x->sev : K8SA_SEV_INFO;
}

K8SA_EXPORT const char *k8sa_finding_kind(const k8sa_findings *f, size_t i)
{
	const a_finding *x = AT(f, i);
	return x ? x->kind : NULL;
}

K8SA_EXPORT const char *k8sa_finding_namespace(const k8sa_findings *f, size_t i)
{
	const a_finding *x = AT(f, i);
	return x ? x->ns : NULL;
}

K8SA_EXPORT const char *k8sa_finding_name(const k8sa_findings *f, size_t i)
{
	const a_finding *x = AT(f, i);
	return x ? x->name : NULL;
}

K8SA_EXPORT const char *k8sa_finding_container(const k8sa_findings *f, size_t i)
{
	const a_finding *x = AT(f, i);
	return x ? x->container : NULL;
}

K8SA_EXPORT const char *k8sa_finding_summary(const k8sa_findings *f, size_t i)
{
	const a_finding *x = AT(f, i);
	return x ? x->summary : NULL;
}

K8SA_EXPORT int k8sa_finding_root_cause(const k8sa_findings *f, size_t i)
{
	const a_finding *x = AT(f, i);
	return x ? x->root : 0;
}

K8SA_EXPORT size_t k8sa_finding_evidence_count(const k8sa_findings *f, size_t i)
{
	const a_finding *x = AT(f, i);
	return x ? x->evidence.n : 0;
}

K8SA_EXPORT const char *k8sa_finding_evidence(const k8sa_findings *f, size_t i, size_t j)
{
	const a_finding *x = AT(f, i);
	return x && j < x->evidence.n ? x->evidence.v[j] : NULL;
}

K8SA_EXPORT size_t k8sa_finding_command_count(const k8sa_findings *f, size_t i)
{
	const a_finding *x = AT(f, i);
	return x ? x->commands.n : 0;
}

K8SA_EXPORT const char *k8sa_finding_command(const k8sa_findings *f, size_t i, size_t j)
{
	const a_finding *x = AT(f, i);
	return x && j < x->commands.n ? x->commands.v[j] : NULL;
}

K8SA_EXPORT size_t k8sa_finding_member_count(const k8sa_findings *f, size_t i)
{
	const a_finding *x = AT(f, i);
	return x ? x->members.n : 0;
}

K8SA_EXPORT const char *k8sa_finding_member(const k8sa_findings *f, size_t i, size_t j)
{
	const a_finding *x = AT(f, i);
	return x && j < x->members.n ? x->members.v[j] : NULL;
}

/* ---- output -------------------------------------------------------------------------------- */

static json_object *strv_json(const a_strv *v, int *bad)
{
	json_object *a = json_object_new_array();
	if (!a)
		*bad = 1;
	for (size_t i = 0; a && i < v->n; i++) {
		json_object *s = json_object_new_string(v->v[i]);
		if (!s || json_object_array_add(a, s)) {
			json_object_put(s);
			*bad = 1;
		}
	}
	return a;
}

K8SA_EXPORT k8sa_status k8sa_findings_to_json(const k8sa_findings *f, char **out, k8sa_error *err)
{
	if (!f || !out)
		return k8sa_fail(err, K8SA_E_INVALID_ARG, "findings and out are required");
	*out = NULL;
	int bad = 0;
	json_object *root = json_object_new_object(), *arr = json_object_new_array();
	if (!root || !arr) {
		json_object_put(root);
		json_object_put(arr);
		return k8sa_fail(err, K8SA_E_NOMEM, "out of memory");
	}
	json_object_object_add(root, "namespace", json_object_new_string(f->ns));
	for (size_t i = 0; i < f->n; i++) {
		const a_finding *x = &f->v[i];
		json_object *o = json_object_new_object();
		if (!o) {
			bad = 1;
			break;
		}
		json_object_object_add(o, "code", json_object_new_string(x->code));
		json_object_object_add(o, "severity", json_object_new_string(k8sa_severity_name(x->sev)));
		json_object_object_add(o, "kind", json_object_new_string(x->kind));
		json_object_object_add(o, "namespace", json_object_new_string(x->ns));
		json_object_object_add(o, "name", json_object_new_string(x->name));
		json_object_object_add(o, "members", strv_json(&x->members, &bad));
		json_object_object_add(o, "container", json_object_new_string(x->container));
		json_object_object_add(o, "summary", json_object_new_string(x->summary));
		json_object_object_add(o, "evidence", strv_json(&x->evidence, &bad));
		json_object_object_add(o, "commands", strv_json(&x->commands, &bad));
		json_object_object_add(o, "root_cause", json_object_new_boolean(x->root));
		json_object_array_add(arr, o);
	}
	json_object_object_add(root, "findings", arr);
	json_object_object_add(root, "gaps", strv_json(&f->gaps, &bad));
	json_object_object_add(root, "complete", json_object_new_boolean(!f->incomplete));
	/* The strings were redacted when made; this pass guards whatever a finding copies. */
	if (!bad && k8sa_redact_json_object(NULL, root) < 0)
		bad = 1;
	if (!bad) {
		const char *s = json_object_to_json_string_ext(root, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
		*out = s ? strdup(s) : NULL;
	}
	json_object_put(root);
	return *out ? K8SA_OK : k8sa_fail(err, K8SA_E_NOMEM, "out of memory");
}

typedef struct sbuf {
	char *s;
	size_t n, cap;
	int bad;
} sbuf;

static void sb_printf(sbuf *b, const char *fmt, ...) K8SA_PRINTF(2, 3);
static void sb_printf(sbuf *b, const char *fmt, ...)
{
	if (b->bad)
		return;
	va_list ap;
	va_start(ap, fmt);
	char *s = vfmt(fmt, ap);
	va_end(ap);
	if (!s) {
		b->bad = 1;
		return;
	}
	size_t l = strlen(s);
	if (b->n + l + 1 > b->cap) {
		size_t nc = (b->cap ? b->cap : 1024);
		while (nc < b->n + l + 1)
			nc *= 2;
		char *ns = realloc(b->s, nc);
		if (!ns) {
			free(s);
			b->bad = 1;
			return;
		}
		b->s = ns;
		b->cap = nc;
	}
	memcpy(b->s + b->n, s, l + 1);
	b->n += l;
	free(s);
}

K8SA_EXPORT k8sa_status k8sa_findings_to_text(const k8sa_findings *f, char **out, k8sa_error *err)
{
	if (!f || !out)
		return k8sa_fail(err, K8SA_E_INVALID_ARG, "findings and out are required");
	*out = NULL;
	sbuf b = {0};
	int all = strcmp(f->ns, "*") == 0;
	size_t problems = k8sa_findings_problem_count(f);
	if (!problems && f->incomplete)
		sb_printf(&b, "Could not check %s%s: the pods, workloads or services could not be read.\n",
			  all ? "all namespaces" : "namespace ", all ? "" : f->ns);
	else if (!problems)
		sb_printf(&b, "No problems found in %s%s.\n", all ? "all namespaces" : "namespace ", all ? "" : f->ns);
	else
		sb_printf(&b, "%zu problem%s found in %s%s (root causes first).\n", problems, problems == 1 ? "" : "s",
			  all ? "all namespaces" : "namespace ", all ? "" : f->ns);
	if (f->gaps.n) {
		sb_printf(&b, "Not checked: %zu resource%s could not be read, so problems there may be missing:\n",
			  f->gaps.n, f->gaps.n == 1 ? "" : "s");
		for (size_t i = 0; i < f->gaps.n; i++)
			sb_printf(&b, "  - %s\n", f->gaps.v[i]);
	}
	for (size_t i = 0; i < f->n; i++) {
		const a_finding *x = &f->v[i];
		sb_printf(&b, "\n%s[%s] %s: %s %s%s%s", x->root ? "ROOT CAUSE " : "", k8sa_severity_name(x->sev), x->code,
			  x->kind, x->ns[0] ? x->ns : "", x->ns[0] ? "/" : "", x->name);
		if (x->container[0])
			sb_printf(&b, " (container %s)", x->container);
		sb_printf(&b, "\n  %s\n", x->summary);
		if (x->members.n > 1) {
			sb_printf(&b, "  affects %zu pods:", x->members.n);
			for (size_t j = 0; j < x->members.n && j < 10; j++)
				sb_printf(&b, " %s", x->members.v[j]);
			if (x->members.n > 10)
				sb_printf(&b, " ... (%zu more)", x->members.n - 10);
			sb_printf(&b, "\n");
		}
		if (x->evidence.n)
			sb_printf(&b, "  evidence:\n");
		for (size_t j = 0; j < x->evidence.n; j++)
			sb_printf(&b, "    - %s\n", x->evidence.v[j]);
		if (x->commands.n)
			sb_printf(&b, "  next:\n");
		for (size_t j = 0; j < x->commands.n; j++)
			sb_printf(&b, "    $ %s\n", x->commands.v[j]);
	}
	if (b.bad || !b.s) {
		free(b.s);
		return k8sa_fail(err, K8SA_E_NOMEM, "out of memory");
	}
	*out = b.s;
	return K8SA_OK;
}

/* ---- driver -------------------------------------------------------------------------------- */

K8SA_EXPORT k8sa_status k8sa_analyze(const k8sa_snapshot *snap, k8sa_findings **out, k8sa_error *err)
{
	if (!snap || !out)
		return k8sa_fail(err, K8SA_E_INVALID_ARG, "snapshot and out are required");
	*out = NULL;
	k8sa_findings *f = calloc(1, sizeof(*f));
	if (!f)
		return k8sa_fail(err, K8SA_E_NOMEM, "out of memory");
	f->ns = strdup(snap->ns ? snap->ns : "*");
	if (!f->ns) {
		free(f);
		return k8sa_fail(err, K8SA_E_NOMEM, "out of memory");
	}
	f->incomplete = snap->core_gaps > 0;
	for (size_t i = 0; i < snap->ngaps && !f->nomem; i++)
		f->nomem = a_strv_push(&f->gaps, k8sa_redact_str(snap->gaps[i])) < 0;
	a_ctx c = {.snap = snap, .m = (m_model *)&snap->m, .f = f, .now = snap->m.ref_time};
	/* order matters only for the tie-breaks: upstream objects first */
	a_analyze_nodes(&c);
	a_analyze_quotas(&c);
	a_analyze_storage(&c);
	a_analyze_pods(&c);
	a_analyze_workloads(&c);
	a_analyze_jobs(&c);
	a_analyze_services(&c);
	a_analyze_hpas(&c);
	if (!f->nomem)
		a_root_causes(&c);
	if (f->nomem) {
		k8sa_findings_free(f);
		return k8sa_fail(err, K8SA_E_NOMEM, "out of memory while analyzing");
	}
	*out = f;
	return K8SA_OK;
}
