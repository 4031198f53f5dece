/* SPDX-License-Identifier: MIT */
/* Findings: building them (the analyzers' helpers), grouping pod findings per owner, the
 * list API, and JSON and text output. */
#include "internal.h"
#include "analyze_internal.h"
#include "tbuf.h"
#include "redact_internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- building ---------------------------------------------------------------------------- */

/* Every string a finding carries (summary, evidence, commands) is redacted where it is made,
 * so each consumer (JSON, text, the prompt, the bindings, the service) gets the same
 * scrubbed bytes and none can forget; before any cut to a length, so a secret is never split
 * into a shape the redactor no longer knows. */
static char *vfmt(const char *fmt, va_list ap)
{
	k8sa_tbuf b = {0};
	k8sa_tbuf_vprintf(&b, fmt, ap);
	size_t len = 0;
	char *s = k8sa_tbuf_finish(&b, &len);
	char *r = s ? k8sa_redact_dup(NULL, s, len, NULL) : NULL;
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

a_finding *a_new_sev(a_ctx *c, fc_id code, k8sa_severity sev, const char *ns, const char *name,
		     const char *container)
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
	x->kind = dup0(f, fc_table[code].kind);
	x->ns = dup0(f, ns);
	x->name = dup0(f, name);
	x->container = dup0(f, container);
	x->summary = dup0(f, "");
	x->rank = fc_table[code].rank;
	/* every finding lists the objects it covers; grouped pod findings add more */
	a_member(c, x, name);
	return x;
}

a_finding *a_new(a_ctx *c, fc_id code, const char *ns, const char *name, const char *container)
{
	return a_new_sev(c, code, fc_table[code].severity, ns, name, container);
}

a_finding *a_new_owner(a_ctx *c, fc_id code, k8sa_severity sev, const m_meta *meta)
{
	a_finding *f = a_new_sev(c, code, sev, meta->ns, meta->name, NULL);
	if (f) {
		f->owner_kind = fc_table[code].kind;
		f->owner_name = meta->name;
	}
	return f;
}

enum { SUMMARY, EVIDENCE, COMMAND };

static void add_text(a_ctx *c, a_finding *f, int what, const char *fmt, va_list ap)
{
	if (!f)
		return;
	char *s = vfmt(fmt, ap);
	if (what == SUMMARY && s) {
		free(f->summary);
		f->summary = s;
		return;
	}
	/* evidence lines are single lines: fold newlines, cap the length; no line twice */
	if (what == EVIDENCE && s) {
		for (char *p = s; *p; p++)
			if (*p == '\n' || *p == '\r')
				*p = ' ';
		if (strlen(s) > 500)
			strcpy(s + 497, "...");
		for (size_t i = 0; i < f->evidence.n; i++)
			if (strcmp(f->evidence.v[i], s) == 0) {
				free(s);
				return;
			}
	}
	if (what == SUMMARY || a_strv_push(what == EVIDENCE ? &f->evidence : &f->commands, s) < 0)
		c->f->nomem = 1;
}

void a_summary(a_ctx *c, a_finding *f, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	add_text(c, f, SUMMARY, fmt, ap);
	va_end(ap);
}

void a_evidence(a_ctx *c, a_finding *f, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	add_text(c, f, EVIDENCE, fmt, ap);
	va_end(ap);
}

void a_command(a_ctx *c, a_finding *f, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	add_text(c, f, COMMAND, fmt, ap);
	va_end(ap);
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

static char *group_key(a_ctx *c, fc_id id, const m_pod *p, const char *container)
{
	const char *ok, *on, *code = fc_table[id].code;
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

a_finding *a_group_find(a_ctx *c, fc_id code, const m_pod *p, const char *container)
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

void a_group_add(a_ctx *c, a_finding *x, fc_id code, const m_pod *p, const char *container)
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

void a_group_reset(k8sa_findings *f)
{
	for (size_t i = 0; i < f->gcap; i++)
		free(f->gkeys[i]);
	free(f->gkeys);
	free(f->gidx);
	f->gkeys = NULL;
	f->gidx = NULL;
	f->gcap = f->gn = 0;
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
	a_group_reset(f);
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

/* One accessor per field: the finding at i (NULL/none when out of range). */
#define FIELD(fn, type, none, expr)                                                              \
	K8SA_EXPORT type fn(const k8sa_findings *f, size_t i)                                    \
	{                                                                                        \
		const a_finding *x = AT(f, i);                                                   \
		return x ? (expr) : (none);                                                      \
	}
FIELD(k8sa_finding_code, const char *, NULL, fc_table[x->code].code)
FIELD(k8sa_finding_severity, k8sa_severity, K8SA_SEV_INFO, x->sev)
FIELD(k8sa_finding_kind, const char *, NULL, x->kind)
FIELD(k8sa_finding_namespace, const char *, NULL, x->ns)
FIELD(k8sa_finding_name, const char *, NULL, x->name)
FIELD(k8sa_finding_container, const char *, NULL, x->container)
FIELD(k8sa_finding_summary, const char *, NULL, x->summary)
FIELD(k8sa_finding_root_cause, int, 0, x->root)

/* A list field: its length, and its j-th string (NULL out of range). */
#define LIST_FIELD(fn, field)                                                                    \
	FIELD(fn##_count, size_t, 0, x->field.n)                                                 \
	K8SA_EXPORT const char *fn(const k8sa_findings *f, size_t i, size_t j)                   \
	{                                                                                        \
		const a_finding *x = AT(f, i);                                                   \
		return x && j < x->field.n ? x->field.v[j] : NULL;                               \
	}
LIST_FIELD(k8sa_finding_evidence, evidence)
LIST_FIELD(k8sa_finding_command, commands)
LIST_FIELD(k8sa_finding_member, members)

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
		json_object_object_add(o, "code", json_object_new_string(fc_table[x->code].code));
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

/* One finding's block of the text report. */
static void put_finding(k8sa_tbuf *b, const a_finding *x)
{
	k8sa_tbuf_printf(b, "\n%s[%s] %s: %s %s%s%s", x->root ? "ROOT CAUSE " : "", k8sa_severity_name(x->sev),
			 fc_table[x->code].code, x->kind, x->ns[0] ? x->ns : "", x->ns[0] ? "/" : "", x->name);
	if (x->container[0])
		k8sa_tbuf_printf(b, " (container %s)", x->container);
	k8sa_tbuf_printf(b, "\n  %s\n", x->summary);
	if (x->members.n > 1) {
		k8sa_tbuf_printf(b, "  affects %zu pods:", x->members.n);
		for (size_t j = 0; j < x->members.n && j < 10; j++)
			k8sa_tbuf_printf(b, " %s", x->members.v[j]);
		if (x->members.n > 10)
			k8sa_tbuf_printf(b, " ... (%zu more)", x->members.n - 10);
		k8sa_tbuf_printf(b, "\n");
	}
	if (x->evidence.n)
		k8sa_tbuf_printf(b, "  evidence:\n");
	for (size_t j = 0; j < x->evidence.n; j++)
		k8sa_tbuf_printf(b, "    - %s\n", x->evidence.v[j]);
	if (x->commands.n)
		k8sa_tbuf_printf(b, "  next:\n");
	for (size_t j = 0; j < x->commands.n; j++)
		k8sa_tbuf_printf(b, "    $ %s\n", x->commands.v[j]);
}

/* ---- the all-namespaces report: identical findings folded, the rest by namespace -------- */

/* Findings alike enough to be told once: same code, severity, root-ness, kind, container. */
static int alike_cmp(const a_finding *x, const a_finding *y)
{
	if (x->code != y->code)
		return (int)x->code - (int)y->code;
	if (x->sev != y->sev)
		return (int)x->sev - (int)y->sev;
	if (x->root != y->root)
		return x->root - y->root;
	int c = strcmp(x->kind, y->kind);
	return c ? c : strcmp(x->container, y->container);
}

/* qsort_r context: the findings, and for by_run the sorted indices and run starts */
typedef struct sort_ctx {
	const a_finding *v;
	const size_t *idx, *first;
} sort_ctx;

static int by_alike(const void *a, const void *b, void *ud)
{
	const a_finding *sort_base = ((const sort_ctx *)ud)->v;
	size_t i = *(const size_t *)a, j = *(const size_t *)b;
	int c = alike_cmp(&sort_base[i], &sort_base[j]);
	return c ? c : (i < j ? -1 : i > j);
}

static int by_ns_then_order(const void *a, const void *b, void *ud)
{
	const a_finding *sort_base = ((const sort_ctx *)ud)->v;
	size_t i = *(const size_t *)a, j = *(const size_t *)b;
	int c = strcmp(sort_base[i].ns, sort_base[j].ns);
	return c ? c : (i < j ? -1 : i > j);
}

static int by_run(const void *a, const void *b, void *ud)
{
	const sort_ctx *c = ud;
	const a_finding *sort_base = c->v;
	const size_t *run_idx = c->idx, *run_first = c->first;
	size_t p = run_idx[run_first[*(const size_t *)a]], q = run_idx[run_first[*(const size_t *)b]];
	int pc = sort_base[p].ns[0] != 0, qc = sort_base[q].ns[0] != 0;
	if (pc != qc)
		return pc - qc;
	return p < q ? -1 : p > q;
}

#define FOLD_AT 4       /* this many alike findings or more are told once */
#define FOLD_EXAMPLES 5 /* objects named as examples of a folded group */

/* Folded groups first (in report order), then every other finding under its namespace
 * (namespaces in the order of their most important finding; cluster-scoped first). */
static void put_all_namespaces(k8sa_tbuf *b, const a_finding *v, size_t n)
{
	size_t *idx = malloc((n ? n : 1) * sizeof(*idx));
	size_t *group = malloc((n ? n : 1) * sizeof(*group)); /* finding -> first of its run in idx */
	size_t *gsize = calloc(n ? n : 1, sizeof(*gsize));
	if (!idx || !group || !gsize) {
		b->oom = 1;
		goto out;
	}
	for (size_t i = 0; i < n; i++)
		idx[i] = i;
	sort_ctx ctx = {v, NULL, NULL};
	qsort_r(idx, n, sizeof(*idx), by_alike, &ctx);
	for (size_t i = 0; i < n;) {
		size_t j = i;
		while (j < n && alike_cmp(&v[idx[i]], &v[idx[j]]) == 0)
			j++;
		for (size_t k = i; k < j; k++)
			group[idx[k]] = idx[i]; /* the run's first is its earliest finding */
		gsize[idx[i]] = j - i;
		i = j;
	}
	/* folded groups, in the order of their first finding */
	for (size_t i = 0; i < n; i++) {
		if (group[i] != i || gsize[i] < FOLD_AT)
			continue;
		const a_finding *x = &v[i];
		size_t nns = 0, pods = 0;
		const char *last_ns = NULL;
		for (size_t k = i; k < n; k++) {
			if (group[k] != i)
				continue;
			pods += v[k].members.n ? v[k].members.n : 1;
			if (!last_ns || strcmp(last_ns, v[k].ns)) /* namespaces come sorted within a code */
				nns++;
			last_ns = v[k].ns;
		}
		k8sa_tbuf_printf(b, "\n%s[%s] %s x%zu: %s%s%s%s in %zu namespace%s", x->root ? "ROOT CAUSE " : "",
				 k8sa_severity_name(x->sev), fc_table[x->code].code, gsize[i], x->kind,
				 x->container[0] ? " (container " : "", x->container, x->container[0] ? ")" : "", nns,
				 nns == 1 ? "" : "s");
		if (!strcmp(x->kind, "Pod") && pods != gsize[i])
			k8sa_tbuf_printf(b, ", %zu pods", pods);
		k8sa_tbuf_printf(b, "\n  e.g.");
		size_t shown = 0;
		for (size_t k = i; k < n && shown < FOLD_EXAMPLES; k++)
			if (group[k] == i) {
				k8sa_tbuf_printf(b, "%s %s%s%s", shown ? "," : "", v[k].ns, v[k].ns[0] ? "/" : "", v[k].name);
				shown++;
			}
		if (gsize[i] > shown)
			k8sa_tbuf_printf(b, " (%zu more)", gsize[i] - shown);
		k8sa_tbuf_printf(b, "\n  first: %s\n", x->summary);
		if (x->evidence.n)
			k8sa_tbuf_printf(b, "  evidence (first):\n");
		for (size_t j = 0; j < x->evidence.n; j++)
			k8sa_tbuf_printf(b, "    - %s\n", x->evidence.v[j]);
		if (x->commands.n)
			k8sa_tbuf_printf(b, "  next (first):\n");
		for (size_t j = 0; j < x->commands.n; j++)
			k8sa_tbuf_printf(b, "    $ %s\n", x->commands.v[j]);
		k8sa_tbuf_printf(b, "  all of them: k8sagent analyze -A -o json\n");
	}
	/* the rest, by namespace */
	size_t m = 0;
	for (size_t i = 0; i < n; i++)
		if (gsize[group[i]] < FOLD_AT)
			idx[m++] = i;
	/* namespaces ordered by their first finding: rank each namespace by its earliest index */
	qsort_r(idx, m, sizeof(*idx), by_ns_then_order, &ctx);
	size_t *first = group; /* reuse: namespace run start -> earliest finding index */
	size_t nruns = 0;
	for (size_t i = 0; i < m;) {
		size_t j = i;
		while (j < m && !strcmp(v[idx[j]].ns, v[idx[i]].ns))
			j++;
		first[nruns++] = i;
		i = j;
	}
	/* runs in the order of their most important finding; cluster-scoped ("") first */
	ctx.idx = idx;
	ctx.first = first;
	size_t *order = malloc((nruns ? nruns : 1) * sizeof(*order));
	if (!order) {
		b->oom = 1;
		goto out;
	}
	for (size_t r = 0; r < nruns; r++)
		order[r] = r;
	qsort_r(order, nruns, sizeof(*order), by_run, &ctx);
	for (size_t r = 0; r < nruns; r++) {
		size_t q = order[r];
		size_t s0 = first[q], e0 = q + 1 < nruns ? first[q + 1] : m;
		const char *ns = v[idx[s0]].ns;
		k8sa_tbuf_printf(b, "\n== %s%s (%zu finding%s) ==\n", ns[0] ? "namespace " : "cluster", ns, e0 - s0,
				 e0 - s0 == 1 ? "" : "s");
		for (size_t k = s0; k < e0; k++)
			put_finding(b, &v[idx[k]]);
	}
	free(order);
out:
	free(idx);
	free(group);
	free(gsize);
}

K8SA_EXPORT k8sa_status k8sa_findings_to_text(const k8sa_findings *f, char **out, k8sa_error *err)
{
	if (!f || !out)
		return k8sa_fail(err, K8SA_E_INVALID_ARG, "findings and out are required");
	*out = NULL;
	k8sa_tbuf b = {0};
	int all = strcmp(f->ns, "*") == 0;
	size_t problems = k8sa_findings_problem_count(f);
	if (!problems && f->incomplete)
		k8sa_tbuf_printf(&b, "Could not check %s%s: the pods, workloads or services could not be read.\n",
				 all ? "all namespaces" : "namespace ", all ? "" : f->ns);
	else if (!problems)
		k8sa_tbuf_printf(&b, "No problems found in %s%s.\n", all ? "all namespaces" : "namespace ", all ? "" : f->ns);
	else
		k8sa_tbuf_printf(&b, "%zu problem%s found in %s%s (root causes first).\n", problems, problems == 1 ? "" : "s",
			  all ? "all namespaces" : "namespace ", all ? "" : f->ns);
	if (f->gaps.n) {
		k8sa_tbuf_printf(&b, "Not checked: %zu resource%s could not be read, so problems there may be missing:\n",
			  f->gaps.n, f->gaps.n == 1 ? "" : "s");
		for (size_t i = 0; i < f->gaps.n; i++)
			k8sa_tbuf_printf(&b, "  - %s\n", f->gaps.v[i]);
	}
	if (all)
		put_all_namespaces(&b, f->v, f->n);
	else
		for (size_t i = 0; i < f->n; i++)
			put_finding(&b, &f->v[i]);
	*out = k8sa_tbuf_finish(&b, NULL);
	return *out ? K8SA_OK : k8sa_fail(err, K8SA_E_NOMEM, "out of memory");
}
