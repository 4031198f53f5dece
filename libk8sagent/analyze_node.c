/* SPDX-License-Identifier: MIT */
/* Node analyzer: an allowlist of bad conditions, cordons. */
#include "internal.h"
#include "analyze_internal.h"
#include "analyze_util.h"

static void cond_line(a_ctx *c, a_finding *f, const m_cond *k)
{
	char t[32];
	m_format_time(k->last_transition, t);
	a_evidence(c, f, "condition %s=%s reason=%s since %s: %s", a_nz(k->type), a_nz(k->status), a_nz(k->reason),
		   t[0] ? t : "?", a_nz(k->message));
}

static void node(a_ctx *c, const m_node *n)
{
	const m_cond *ready = m_cond_find(n->conds, n->nconds, "Ready");
	const m_cond *net = m_cond_find(n->conds, n->nconds, "NetworkUnavailable");
	int not_ready = (ready && !a_eq(ready->status, "True")) || (net && a_eq(net->status, "True"));
	if (not_ready) {
		a_finding *f = a_new(c, FC_NodeNotReady, NULL, n->meta.name, NULL);
		if (!f)
			return;
		f->node = n->meta.name;
		if (ready && !a_eq(ready->status, "True"))
			a_summary(c, f, "Node %s is not ready (Ready=%s): %s", n->meta.name, a_nz(ready->status),
				  a_nz(ready->message));
		else
			a_summary(c, f, "Node %s has no working network: %s", n->meta.name, a_nz(net->message));
		if (ready)
			cond_line(c, f, ready);
		if (net && a_eq(net->status, "True"))
			cond_line(c, f, net);
		a_event_evidence(c, f, "Node", NULL, n->meta.name, 0, 3, 1);
		a_command(c, f, "kubectl describe node %s", n->meta.name);
		a_command(c, f, "kubectl get pods -A -o wide --field-selector spec.nodeName=%s", n->meta.name);
	}
	static const char *const pressures[] = {"MemoryPressure", "DiskPressure", "PIDPressure"};
	size_t fi = (size_t)-1;
	for (int k = 0; k < 3; k++) {
		const m_cond *pc = m_cond_find(n->conds, n->nconds, pressures[k]);
		if (!pc || !a_eq(pc->status, "True"))
			continue;
		a_finding *f;
		if (fi == (size_t)-1) {
			f = a_new(c, FC_NodePressure, NULL, n->meta.name, NULL);
			if (!f)
				return;
			fi = (size_t)(f - c->f->v);
			f->node = n->meta.name;
			a_summary(c, f, "Node %s is under %s: the kubelet may evict pods", n->meta.name, pressures[k]);
			a_command(c, f, "kubectl describe node %s", n->meta.name);
			a_command(c, f, "kubectl top node %s", n->meta.name);
		}
		f = &c->f->v[fi];
		cond_line(c, f, pc);
	}
	if (fi != (size_t)-1)
		a_event_evidence(c, &c->f->v[fi], "Node", NULL, n->meta.name, 0, 2, 0);
	if (n->unschedulable) {
		a_finding *f = a_new(c, FC_NodeUnschedulable, NULL, n->meta.name, NULL);
		if (!f)
			return;
		f->node = n->meta.name;
		a_summary(c, f, "Node %s is cordoned (spec.unschedulable): no new pods are placed on it", n->meta.name);
		a_evidence(c, f, "spec.unschedulable: true");
		for (unsigned i = 0; i < n->ntaints; i++)
			a_evidence(c, f, "taint %s%s%s:%s", a_nz(n->taints[i].key), n->taints[i].value ? "=" : "",
				   a_nz(n->taints[i].value), a_nz(n->taints[i].effect));
		a_command(c, f, "kubectl describe node %s", n->meta.name);
		a_command(c, f, "kubectl uncordon %s   # when maintenance is over", n->meta.name);
	}
}

void a_analyze_nodes(a_ctx *c)
{
	for (size_t i = 0; i < c->m->nodes.n; i++)
		node(c, &c->m->nodes.v[i]);
}
