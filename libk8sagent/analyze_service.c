/* SPDX-License-Identifier: MIT */
/* Service and Ingress analyzers. */
#include "internal.h"
#include "analyze_internal.h"
#include "analyze_util.h"

#include <stdio.h>
#include <stdlib.h>

static void selector_text(const m_kv *sel, unsigned n, char *buf, size_t size)
{
	size_t off = 0;
	buf[0] = 0;
	for (unsigned i = 0; i < n && off < size; i++)
		off += (size_t)snprintf(buf + off, size - off, "%s%s=%s", i ? "," : "", sel[i].k, sel[i].v);
}

static int pod_ready(const m_pod *p)
{
	const m_cond *r = m_cond_find(p->conds, p->nconds, "Ready");
	return r && a_eq(r->status, "True");
}

/* Per selector key: how many of the namespace's pods carry the selected value, and which
 * values they carry instead ("version=v2: no pod; pods carry version=v1 (2)"). */
static void selector_values(a_ctx *c, a_finding *f, const m_service *s)
{
	for (unsigned k = 0; k < s->nselector; k++) {
		const char *key = s->selector[k].k, *want = s->selector[k].v;
		const char *vals[5];
		size_t counts[5] = {0}, nvals = 0, have = 0, without = 0;
		for (size_t i = 0; i < c->m->pods.n; i++) {
			const m_pod *p = &c->m->pods.v[i];
			if (!a_eq(p->meta.ns, s->meta.ns) || p->meta.deleted || a_eq(p->phase, "Succeeded") ||
			    a_eq(p->phase, "Failed"))
				continue;
			const char *v = m_label(&p->meta, key);
			if (!v) {
				without++;
				continue;
			}
			if (a_eq(v, want)) {
				have++;
				continue;
			}
			size_t j = 0;
			while (j < nvals && !a_eq(vals[j], v))
				j++;
			if (j == nvals && nvals < 5)
				vals[nvals++] = v;
			if (j < nvals)
				counts[j]++;
		}
		if (have) {
			a_evidence(c, f, "selector %s=%s: %zu pod(s) carry it", key, want, have);
			continue;
		}
		char buf[512];
		size_t off = 0;
		buf[0] = 0;
		for (size_t j = 0; j < nvals && off < sizeof(buf); j++)
			off += (size_t)snprintf(buf + off, sizeof(buf) - off, "%s%s=%s (%zu)", j ? ", " : "", key, vals[j],
						counts[j]);
		if (nvals)
			a_evidence(c, f, "selector %s=%s: no pod carries it; pods carry %s", key, want, buf);
		else
			a_evidence(c, f, "selector %s=%s: no pod carries it; %zu pod(s) have no %s label", key, want, without,
				   key);
	}
}

static void service(a_ctx *c, const m_service *s)
{
	if (!s->nselector || a_eq(s->type, "ExternalName"))
		return; /* no selector: endpoints are managed by hand */
	size_t matched = 0, ready = 0;
	const char *first = NULL;
	for (size_t i = 0; i < c->m->pods.n; i++) {
		const m_pod *p = &c->m->pods.v[i];
		if (!a_eq(p->meta.ns, s->meta.ns) || p->meta.deleted || !m_selector_matches(s->selector, s->nselector, &p->meta))
			continue;
		if (a_eq(p->phase, "Succeeded") || a_eq(p->phase, "Failed"))
			continue;
		matched++;
		ready += pod_ready(p);
		if (!first)
			first = p->meta.name;
	}
	const m_endpoints *ep = m_find_endpoints(c->m, s->meta.ns, s->meta.name);
	if (ready > 0 || (ep && ep->ready > 0))
		return;
	/* pods over the snapshot bound are healthy ones: a cut list proves nothing */
	if (c->m->pods_omitted)
		return;
	a_finding *f = a_new(c, FC_ServiceNoEndpoints, s->meta.ns, s->meta.name, NULL);
	if (!f)
		return;
	char sel[512];
	selector_text(s->selector, s->nselector, sel, sizeof(sel));
	if (!matched)
		a_summary(c, f, "Service %s selects no pods (selector %s)", s->meta.name, sel);
	else
		a_summary(c, f, "Service %s has no ready endpoints: %zu pod%s match%s its selector, none ready",
			  s->meta.name, matched, matched == 1 ? "" : "s", matched == 1 ? "es" : "");
	a_evidence(c, f, "selector %s matches %zu pod(s), %zu ready", sel, matched, ready);
	if (!matched)
		selector_values(c, f, s);
	if (ep) {
		a_evidence(c, f, "endpoints: %lld ready, %lld not ready", (long long)ep->ready, (long long)ep->not_ready);
		for (unsigned i = 0; i < ep->nnot_ready_pods; i++)
			a_evidence(c, f, "not ready endpoint: pod %s", ep->not_ready_pods[i]);
	}
	a_command(c, f, "kubectl describe service %s -n %s", s->meta.name, a_nz(s->meta.ns));
	a_command(c, f, "kubectl get endpoints %s -n %s", s->meta.name, a_nz(s->meta.ns));
	a_command(c, f, "kubectl get pods -n %s -l %s", a_nz(s->meta.ns), sel);
}

/* ingressClassName that names no IngressClass: no controller serves the Ingress. Only judged
 * when the snapshot holds IngressClasses (none listed says nothing). */
static void ingress_class(a_ctx *c, const m_ingress *g)
{
	if (!g->class_name || !c->m->ingressclasses.n || m_find_ingressclass(c->m, g->class_name))
		return;
	a_finding *f = a_new(c, FC_IngressClassMissing, g->meta.ns, g->meta.name, NULL);
	if (!f)
		return;
	char names[256];
	size_t off = 0;
	names[0] = 0;
	for (size_t i = 0; i < c->m->ingressclasses.n && off < sizeof(names); i++) {
		const m_named *ic = &c->m->ingressclasses.v[i];
		off += (size_t)snprintf(names + off, sizeof(names) - off, "%s%s%s", i ? ", " : "", ic->meta.name,
					ic->is_default ? " (default)" : "");
	}
	a_summary(c, f, "Ingress %s asks for ingressClassName %s, which no IngressClass provides: no controller serves it",
		  g->meta.name, g->class_name);
	a_evidence(c, f, "spec ingressClassName %s: no such IngressClass", g->class_name);
	a_evidence(c, f, "IngressClasses: %s", names);
	a_command(c, f, "kubectl get ingressclass");
	a_command(c, f, "kubectl describe ingress %s -n %s", g->meta.name, a_nz(g->meta.ns));
}

static void ingress(a_ctx *c, const m_ingress *g)
{
	a_finding *f = NULL;
	size_t fi = 0;
	ingress_class(c, g);
	for (unsigned i = 0; i < g->nbackends; i++) {
		const m_backend *b = &g->backends[i];
		if (!b->service)
			continue;
		const m_service *s = m_find_service(c->m, g->meta.ns, b->service);
		char port[64];
		if (b->port_name)
			snprintf(port, sizeof(port), "%s", b->port_name);
		else
			snprintf(port, sizeof(port), "%lld", (long long)b->port);
		char problem[512] = "";
		if (!s) {
			snprintf(problem, sizeof(problem), "backend service %s (port %s) does not exist", b->service, port);
		} else if (b->port || b->port_name) {
			int ok = 0;
			for (unsigned k = 0; k < s->nports; k++)
				ok |= b->port_name ? a_eq(s->ports[k].name, b->port_name) : s->ports[k].port == b->port;
			if (!ok)
				snprintf(problem, sizeof(problem), "backend service %s has no port %s", b->service, port);
		}
		if (!problem[0])
			continue;
		if (!f) {
			f = a_new(c, FC_IngressBackendMissing, g->meta.ns, g->meta.name, NULL);
			if (!f)
				return;
			fi = (size_t)(f - c->f->v);
			f->ref_kind = "Service";
			f->ref_name = b->service;
			a_summary(c, f, "Ingress %s routes to a missing backend: %s", g->meta.name, problem);
			a_command(c, f, "kubectl describe ingress %s -n %s", g->meta.name, a_nz(g->meta.ns));
			a_command(c, f, "kubectl get services -n %s", a_nz(g->meta.ns));
		}
		f = &c->f->v[fi];
		a_evidence(c, f, "rule %s%s -> %s", b->host ? b->host : "*", b->path ? b->path : "", problem);
	}
}

/* Does a NetworkPolicy select the pod? (matchExpressions are not evaluated: unknown) */
static int netpol_selects(const m_netpol *np, const m_pod *p)
{
	return a_eq(np->meta.ns, p->meta.ns) && !np->selector_exprs &&
	       (!np->nselector || m_selector_matches(np->selector, np->nselector, &p->meta));
}

/* A Service whose ready pods are all isolated for ingress by policies that admit nothing:
 * the endpoints look fine, every connection times out. Any policy with an ingress rule
 * that selects the pods may admit something: then nothing is claimed. */
static void netpol_service(a_ctx *c, const m_service *s)
{
	if (!c->m->netpols.n || !s->nselector || a_eq(s->type, "ExternalName"))
		return;
	size_t ready = 0, blocked = 0;
	const m_pod *first = NULL;
	for (size_t i = 0; i < c->m->pods.n; i++) {
		const m_pod *p = &c->m->pods.v[i];
		if (!a_eq(p->meta.ns, s->meta.ns) || p->meta.deleted || !pod_ready(p) ||
		    !m_selector_matches(s->selector, s->nselector, &p->meta))
			continue;
		ready++;
		int isolated = 0, admitted = 0;
		for (size_t k = 0; k < c->m->netpols.n; k++) {
			const m_netpol *np = &c->m->netpols.v[k];
			if (a_eq(np->meta.ns, p->meta.ns) && np->selector_exprs && np->ingress)
				admitted = 1; /* cannot tell: stay silent */
			if (!np->ingress || !netpol_selects(np, p))
				continue;
			isolated = 1;
			admitted |= np->ningress_rules > 0;
		}
		if (isolated && !admitted) {
			blocked++;
			if (!first)
				first = p;
		}
	}
	if (!ready || blocked < ready)
		return;
	a_finding *f = a_new(c, FC_NetworkPolicyBlocksService, s->meta.ns, s->meta.name, NULL);
	if (!f)
		return;
	a_summary(c, f, "Service %s has %zu ready pod(s), but NetworkPolicies isolate them for ingress and admit no traffic",
		  s->meta.name, ready);
	for (size_t k = 0; k < c->m->netpols.n; k++) {
		const m_netpol *np = &c->m->netpols.v[k];
		if (!np->ingress || !netpol_selects(np, first))
			continue;
		char sel[256];
		selector_text(np->selector, np->nselector, sel, sizeof(sel));
		a_evidence(c, f, "NetworkPolicy %s selects pod %s (podSelector %s), policyTypes Ingress, %u ingress rules: admits nothing",
			   np->meta.name, first->meta.name, sel[0] ? sel : "{} (all pods)", np->ningress_rules);
	}
	char sel[512];
	selector_text(s->selector, s->nselector, sel, sizeof(sel));
	a_evidence(c, f, "selector %s: %zu ready pod(s), all isolated", sel, ready);
	a_command(c, f, "kubectl get networkpolicy -n %s", a_nz(s->meta.ns));
	a_command(c, f, "kubectl describe networkpolicy -n %s", a_nz(s->meta.ns));
}

void a_analyze_services(a_ctx *c)
{
	for (size_t i = 0; i < c->m->services.n; i++)
		netpol_service(c, &c->m->services.v[i]);
	for (size_t i = 0; i < c->m->services.n; i++)
		service(c, &c->m->services.v[i]);
	for (size_t i = 0; i < c->m->ingresses.n; i++)
		ingress(c, &c->m->ingresses.v[i]);
}
