/* SPDX-License-Identifier: MIT */
/* A pod's scheduling constraints (nodeSelector, node and pod affinity, topology spread,
 * tolerations), reduced to one line each for the evidence next to the scheduler's message. */
#include "model_internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct sbuf {
	char b[384];
	size_t off;
} sbuf;

static void sb_add(sbuf *s, const char *fmt, ...) K8SA_PRINTF(2, 3);
static void sb_add(sbuf *s, const char *fmt, ...)
{
	if (s->off >= sizeof(s->b) - 1)
		return;
	va_list ap;
	va_start(ap, fmt);
	int w = vsnprintf(s->b + s->off, sizeof(s->b) - s->off, fmt, ap);
	va_end(ap);
	if (w > 0)
		s->off += (size_t)w;
	if (s->off >= sizeof(s->b))
		s->off = sizeof(s->b) - 1;
}

/* One selector expression, "key Operator [v1,v2]", after sep. */
static void sb_expression(sbuf *s, const char *sep, jv *e)
{
	char vals[128];
	m_join(jo(e, "values"), vals, sizeof(vals));
	sb_add(s, "%s%s %s [%s]", sep, js(e, "key") ? js(e, "key") : "?", js(e, "operator") ? js(e, "operator") : "?",
	       vals);
}

static void sb_labels(sbuf *s, jv *sel)
{
	int first = 1;
	jv *ml = jo(sel, "matchLabels");
	for (jv_iter it = jv_iter_start(ml); jv_iter_next(&it);) {
		sb_add(s, "%s%s=%s", first ? "" : ",", it.key, jsv(it.val) ? jsv(it.val) : "?");
		first = 0;
	}
	jv *ex = jo(sel, "matchExpressions");
	for (size_t i = 0; i < jlen(ex); i++, first = 0)
		sb_expression(s, first ? "" : ",", jat(ex, i));
	if (first)
		sb_add(s, "(all pods)");
}

static void sb_terms(sbuf *s, jv *terms)
{
	for (size_t i = 0; i < jlen(terms); i++) {
		jv *t = jat(terms, i);
		sb_add(s, "%s", i ? "; or " : "");
		jv *ex = jo(t, "matchExpressions");
		for (size_t j = 0; j < jlen(ex); j++)
			sb_expression(s, j ? " and " : "", jat(ex, j));
	}
}

static int default_toleration(jv *t)
{
	const char *k = js(t, "key");
	return k && (strcmp(k, "node.kubernetes.io/not-ready") == 0 || strcmp(k, "node.kubernetes.io/unreachable") == 0 ||
		     strcmp(k, "node.kubernetes.io/memory-pressure") == 0 ||
		     strcmp(k, "node.kubernetes.io/disk-pressure") == 0 || strcmp(k, "node.kubernetes.io/pid-pressure") == 0 ||
		     strcmp(k, "node.kubernetes.io/unschedulable") == 0 ||
		     strcmp(k, "node.kubernetes.io/network-unavailable") == 0);
}

static void add_key(m_model *m, const char **keys, unsigned *n, const char *k)
{
	if (!k || *n >= 4)
		return;
	for (unsigned i = 0; i < *n; i++)
		if (strcmp(keys[i], k) == 0)
			return;
	const char *in = IN(m, k);
	if (in)
		keys[(*n)++] = in;
}

k8sa_status m_red_sched(m_model *m, jv *spec, m_pod *p)
{
	const char *lines[8], *keys[4];
	unsigned n = 0, nk = 0;
	sbuf s;
	jv *x, *aff = jo(spec, "affinity");
	if ((x = jo(spec, "nodeSelector")) && x->type == JV_OBJ && x->n) {
		s.off = 0;
		sb_add(&s, "nodeSelector: ");
		int first = 1;
		for (jv_iter it = jv_iter_start(x); jv_iter_next(&it);) {
			sb_add(&s, "%s%s=%s", first ? "" : ", ", it.key, jsv(it.val) ? jsv(it.val) : "?");
			add_key(m, keys, &nk, it.key);
			first = 0;
		}
		lines[n++] = IN(m, s.b);
	}
	if ((x = jo(jo(jo(aff, "nodeAffinity"), "requiredDuringSchedulingIgnoredDuringExecution"), "nodeSelectorTerms"))) {
		s.off = 0;
		sb_add(&s, "required nodeAffinity: ");
		sb_terms(&s, x);
		lines[n++] = IN(m, s.b);
		for (size_t i = 0; i < jlen(x); i++) {
			jv *ex = jo(jat(x, i), "matchExpressions");
			for (size_t j = 0; j < jlen(ex); j++)
				add_key(m, keys, &nk, js(jat(ex, j), "key"));
		}
	}
	static const char *const pa[2] = {"podAntiAffinity", "podAffinity"};
	for (int k = 0; k < 2; k++) {
		jv *req = jo(jo(aff, pa[k]), "requiredDuringSchedulingIgnoredDuringExecution");
		for (size_t i = 0; i < jlen(req) && n < 6; i++) {
			jv *t = jat(req, i);
			s.off = 0;
			sb_add(&s, "required %s: pods ", pa[k]);
			sb_labels(&s, jo(t, "labelSelector"));
			sb_add(&s, ", topologyKey %s", js(t, "topologyKey") ? js(t, "topologyKey") : "?");
			lines[n++] = IN(m, s.b);
		}
	}
	jv *tsc = jo(spec, "topologySpreadConstraints");
	for (size_t i = 0; i < jlen(tsc) && n < 7; i++) {
		jv *t = jat(tsc, i);
		s.off = 0;
		sb_add(&s, "topologySpreadConstraint: maxSkew %lld, topologyKey %s, whenUnsatisfiable %s, pods ",
		       (long long)jint(t, "maxSkew", 1), js(t, "topologyKey") ? js(t, "topologyKey") : "?",
		       js(t, "whenUnsatisfiable") ? js(t, "whenUnsatisfiable") : "DoNotSchedule");
		sb_labels(&s, jo(t, "labelSelector"));
		lines[n++] = IN(m, s.b);
	}
	jv *tol = jo(spec, "tolerations");
	s.off = 0;
	for (size_t i = 0; i < jlen(tol); i++) {
		jv *t = jat(tol, i);
		if (default_toleration(t))
			continue;
		const char *k = js(t, "key"), *v = js(t, "value"), *e = js(t, "effect"), *op = js(t, "operator");
		sb_add(&s, "%s%s%s%s%s%s", s.off ? ", " : "tolerations: ", k ? k : "(any key)",
		       op && strcmp(op, "Exists") == 0 ? " Exists" : "=", op && strcmp(op, "Exists") == 0 ? "" : (v ? v : ""),
		       e ? ":" : "", e ? e : "");
	}
	if (s.off)
		lines[n++] = IN(m, s.b);
	if (nk) {
		p->node_keys = m_alloc(&m->arena, nk * sizeof(*p->node_keys));
		NOMEM_IF(!p->node_keys);
		memcpy(p->node_keys, keys, nk * sizeof(*keys));
		p->nnode_keys = nk;
	}
	if (!n)
		return K8SA_OK;
	for (unsigned i = 0; i < n; i++)
		NOMEM_IF(!lines[i]);
	p->sched = m_alloc(&m->arena, n * sizeof(*p->sched));
	NOMEM_IF(!p->sched);
	memcpy(p->sched, lines, n * sizeof(*lines));
	p->nsched = n;
	return K8SA_OK;
}
