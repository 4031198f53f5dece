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
	if (ep) {
		a_evidence(c, f, "endpoints: %lld ready, %lld not ready", (long long)ep->ready, (long long)ep->not_ready);
		for (unsigned i = 0; i < ep->nnot_ready_pods; i++)
			a_evidence(c, f, "not ready endpoint: pod %s", ep->not_ready_pods[i]);
	}
	a_command(c, f, "kubectl describe service %s -n %s", s->meta.name, a_nz(s->meta.ns));
	a_command(c, f, "kubectl get endpoints %s -n %s", s->meta.name, a_nz(s->meta.ns));
	a_command(c, f, "kubectl get pods -n %s -l %s", a_nz(s->meta.ns), sel);
}

static void ingress(a_ctx *c, const m_ingress *g)
{
	a_finding *f = NULL;
	size_t fi = 0;
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

void a_analyze_services(a_ctx *c)
{
	for (size_t i = 0; i < c->m->services.n; i++)
		service(c, &c->m->services.v[i]);
	for (size_t i = 0; i < c->m->ingresses.n; i++)
		ingress(c, &c->m->ingresses.v[i]);
}
