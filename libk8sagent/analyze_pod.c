/* SPDX-License-Identifier: MIT */
/* Pod analyzers: container states, scheduling, probes, mounts, eviction, termination. */
#include "internal.h"
#include "analyze_internal.h"
#include "analyze_util.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#define RECENT (3600) /* "recently": within an hour of the cluster time */

static int starts(const char *s, const char *prefix)
{
	return s && strncmp(s, prefix, strlen(prefix)) == 0;
}

static void state_evidence(a_ctx *c, a_finding *f, const char *label, const m_state *s)
{
	char t[32];
	switch (s->kind) {
	case M_STATE_WAITING:
		if (s->message)
			a_evidence(c, f, "%s.waiting: reason=%s message=%s", label, a_nz(s->reason), s->message);
		else
			a_evidence(c, f, "%s.waiting: reason=%s", label, a_nz(s->reason));
		break;
	case M_STATE_TERMINATED:
		m_format_time(s->finished, t);
		a_evidence(c, f, "%s.terminated: reason=%s exitCode=%lld%s%s%s%s", label, s->reason ? s->reason : "(none)",
			   (long long)s->exit_code, s->signal ? " signal=" : "", "", t[0] ? " finishedAt=" : "", t);
		if (s->message)
			a_evidence(c, f, "%s.terminated.message: %s", label, s->message);
		break;
	case M_STATE_RUNNING:
		m_format_time(s->started, t);
		a_evidence(c, f, "%s.running: startedAt=%s", label, t[0] ? t : "(unknown)");
		break;
	case M_STATE_NONE:
		break;
	}
}

static void resources_evidence(a_ctx *c, a_finding *f, const m_container *mc, int memory_only)
{
	if (!mc)
		return;
	if (memory_only) {
		a_evidence(c, f, "limits: memory %s", mc->lim_mem ? mc->lim_mem : "(none)");
		if (mc->req_mem)
			a_evidence(c, f, "requests: memory %s", mc->req_mem);
		return;
	}
	if (mc->req_cpu || mc->req_mem)
		a_evidence(c, f, "requests: %s%s%s%s%s", mc->req_cpu ? "cpu " : "", a_nz(mc->req_cpu),
			   mc->req_cpu && mc->req_mem ? ", " : "", mc->req_mem ? "memory " : "", a_nz(mc->req_mem));
	if (mc->lim_cpu || mc->lim_mem)
		a_evidence(c, f, "limits: %s%s%s%s%s", mc->lim_cpu ? "cpu " : "", a_nz(mc->lim_cpu),
			   mc->lim_cpu && mc->lim_mem ? ", " : "", mc->lim_mem ? "memory " : "", a_nz(mc->lim_mem));
}

static void pod_commands(a_ctx *c, a_finding *f, const m_pod *p, const char *container, int logs, int previous)
{
	const char *ns = a_nz(p->meta.ns), *n = p->meta.name;
	a_command(c, f, "kubectl describe pod %s -n %s", n, ns);
	if (logs && container)
		a_command(c, f, "kubectl logs %s -n %s -c %s%s", n, ns, container, previous ? " --previous" : "");
	a_command(c, f, "kubectl get events -n %s --field-selector involvedObject.name=%s", ns, n);
}

/* A pod finding, grouped with the same code/owner/container: *fresh says whether the caller
 * should fill evidence (first member) or the pod was only added as a member. */
static a_finding *pod_finding(a_ctx *c, fc_id code, k8sa_severity sev, const m_pod *p, const char *container,
			      int *fresh)
{
	a_finding *f = a_group_find(c, code, p, container);
	if (f) {
		a_member(c, f, p->meta.name);
		if (sev > f->sev)
			f->sev = sev;
		*fresh = 0;
		return f;
	}
	f = a_new_sev(c, code, sev, p->meta.ns, p->meta.name, container);
	if (!f) {
		*fresh = 0;
		return NULL;
	}
	a_group_add(c, f, code, p, container);
	f->pod = p;
	f->node = p->node;
	a_pod_owner(c, p, &f->owner_kind, &f->owner_name);
	*fresh = 1;
	return f;
}

/* ---- events about one container of a pod ---- */

typedef struct cev {
	const char *container;
	const char *reason;        /* NULL: any warning */
	const char *msg_prefix;    /* NULL: any message */
	int64_t since;
	const m_event *e[8];
	int n, max;
	int64_t total;             /* summed counts of matching events */
} cev;

static int container_matches(const m_event *e, const char *container)
{
	if (!container || !e->field_path)
		return 1;
	const char *b = strchr(e->field_path, '{');
	if (!b)
		return 1;
	size_t l = strlen(container);
	return strncmp(b + 1, container, l) == 0 && b[1 + l] == '}';
}

static int pick_cev(void *ud, const m_event *e)
{
	cev *q = ud;
	if (q->reason ? !a_eq(e->reason, q->reason) : !a_eq(e->type, "Warning"))
		return 0;
	if (q->msg_prefix && !starts(e->message, q->msg_prefix) && !(e->message && strstr(e->message, q->msg_prefix)))
		return 0;
	if (!container_matches(e, q->container))
		return 0;
	if (q->since && e->last && e->last < q->since)
		return 0;
	q->total += e->count;
	if (q->n < q->max)
		q->e[q->n++] = e;
	return 0;
}

static int find_cev(a_ctx *c, const m_pod *p, cev *q)
{
	if (!q->max)
		q->max = 3;
	m_events_for(c->m, "Pod", p->meta.ns, p->meta.name, pick_cev, q);
	return q->n;
}

static void cev_evidence(a_ctx *c, a_finding *f, const cev *q)
{
	for (int i = 0; i < q->n; i++) {
		char buf[1024];
		k8sa_event_line(q->e[i], c->now, buf, sizeof(buf));
		a_evidence(c, f, "event %s", buf);
	}
}

/* Warning events of a container (any reason), newest first, since a time. */
static void container_events(a_ctx *c, a_finding *f, const m_pod *p, const char *container, int64_t since, int max)
{
	cev q = {.container = container, .since = since, .max = max};
	find_cev(c, p, &q);
	cev_evidence(c, f, &q);
}

/* ---- individual checks ---- */

static int has_bad_init(const m_pod *p)
{
	const m_cond *ini = m_cond_find(p->conds, p->nconds, "Initialized");
	return ini && a_eq(ini->status, "False");
}

/* What the scheduler matched the pod against: its constraints, and per node label key they
 * test the values the nodes carry; the nodes' taints when the message cites one. */
static void sched_evidence(a_ctx *c, a_finding *f, const m_pod *p, const char *msg)
{
	for (unsigned i = 0; i < p->nsched; i++)
		a_evidence(c, f, "pod spec %s", p->sched[i]);
	for (unsigned k = 0; k < p->nnode_keys; k++) {
		const char *key = p->node_keys[k];
		char buf[512];
		size_t off = 0;
		const char *seen[8];
		unsigned nseen = 0;
		buf[0] = 0;
		/* group the nodes by their value of the key */
		for (size_t i = 0; i < c->m->nodes.n && nseen < 8; i++) {
			const char *v = m_label(&c->m->nodes.v[i].meta, key);
			unsigned j = 0;
			while (j < nseen && !(seen[j] == v || (seen[j] && v && strcmp(seen[j], v) == 0)))
				j++;
			if (j < nseen)
				continue;
			seen[nseen++] = v;
			off += (size_t)snprintf(buf + off, off < sizeof(buf) ? sizeof(buf) - off : 0, "%s%s (", off ? "; " : "",
						v ? v : "(no label)");
			int n = 0;
			for (size_t x = 0; x < c->m->nodes.n && off < sizeof(buf); x++) {
				const char *w = m_label(&c->m->nodes.v[x].meta, key);
				if (w == v || (w && v && strcmp(w, v) == 0))
					off += (size_t)snprintf(buf + off, sizeof(buf) - off, "%s%s", n++ ? ", " : "",
								c->m->nodes.v[x].meta.name);
			}
			if (off < sizeof(buf))
				off += (size_t)snprintf(buf + off, sizeof(buf) - off, ")");
		}
		if (c->m->nodes.n)
			a_evidence(c, f, "nodes by label %s: %s", key, buf);
	}
	if (msg && strstr(msg, "Insufficient")) {
		char buf[512];
		size_t off = 0;
		buf[0] = 0;
		for (size_t i = 0; i < c->m->nodes.n && i < 6 && off < sizeof(buf); i++) {
			const m_node *n = &c->m->nodes.v[i];
			off += (size_t)snprintf(buf + off, sizeof(buf) - off, "%s%s cpu %s memory %s pods %s", off ? "; " : "",
						n->meta.name, a_nz(n->alloc_cpu), a_nz(n->alloc_mem), a_nz(n->alloc_pods));
		}
		if (off)
			a_evidence(c, f, "nodes allocatable: %s", buf);
	}
	if (msg && strstr(msg, "taint")) {
		char buf[512];
		size_t off = 0;
		buf[0] = 0;
		for (size_t i = 0; i < c->m->nodes.n && i < 8 && off < sizeof(buf); i++) {
			const m_node *n = &c->m->nodes.v[i];
			for (unsigned t = 0; t < n->ntaints && off < sizeof(buf); t++)
				off += (size_t)snprintf(buf + off, sizeof(buf) - off, "%s%s %s%s%s:%s", off ? "; " : "",
							n->meta.name, a_nz(n->taints[t].key), n->taints[t].value ? "=" : "",
							a_nz(n->taints[t].value), a_nz(n->taints[t].effect));
		}
		if (off)
			a_evidence(c, f, "node taints: %s", buf);
		int tol = 0;
		for (unsigned i = 0; i < p->nsched; i++)
			tol |= strncmp(p->sched[i], "tolerations:", 12) == 0;
		if (!tol)
			a_evidence(c, f, "pod spec: no tolerations beyond the defaults");
	}
}

static void check_unschedulable(a_ctx *c, const m_pod *p, const m_cond *sched)
{
	int fresh;
	a_finding *f = pod_finding(c, FC_Unschedulable, K8SA_SEV_CRITICAL, p, NULL, &fresh);
	if (!f || !fresh)
		return;
	a_summary(c, f, "Pod %s cannot be scheduled: %s", p->meta.name,
		  sched && sched->message ? sched->message : "no node fits it");
	if (sched)
		a_evidence(c, f, "condition PodScheduled=False reason=%s: %s", a_nz(sched->reason), a_nz(sched->message));
	cev q = {.reason = "FailedScheduling", .max = 2};
	find_cev(c, p, &q);
	cev_evidence(c, f, &q);
	sched_evidence(c, f, p, sched && sched->message ? sched->message : q.n ? q.e[0]->message : NULL);
	for (unsigned i = 0; i < p->ncontainers; i++) {
		const m_container *mc = &p->containers[i];
		if (mc->req_cpu || mc->req_mem)
			a_evidence(c, f, "container %s requests: cpu %s, memory %s", a_nz(mc->name),
				   mc->req_cpu ? mc->req_cpu : "(none)", mc->req_mem ? mc->req_mem : "(none)");
	}
	for (unsigned i = 0; i < p->nvolumes; i++)
		if (a_eq(p->volumes[i].kind, "PersistentVolumeClaim") && p->volumes[i].ref) {
			const m_pvc *pvc = m_find_pvc(c->m, p->meta.ns, p->volumes[i].ref);
			a_evidence(c, f, "volume %s: PersistentVolumeClaim %s (%s)", a_nz(p->volumes[i].name),
				   p->volumes[i].ref, pvc ? a_nz(pvc->phase) : "not found");
			if (pvc && !a_eq(pvc->phase, "Bound") && !f->ref_kind) {
				f->ref_kind = "PersistentVolumeClaim";
				f->ref_name = p->volumes[i].ref;
			}
		}
	pod_commands(c, f, p, NULL, 0, 0);
	a_command(c, f, "kubectl describe nodes");
}

static void check_config_refs(a_ctx *c, a_finding *f, const m_pod *p, const m_container *mc)
{
	if (!mc)
		return;
	for (unsigned i = 0; i < mc->nrefs; i++) {
		const m_envref *r = &mc->refs[i];
		if (a_eq(r->kind, "ConfigMap") && c->m->seen[K8SA_RES_CONFIGMAPS] + c->m->configmaps.n > 0) {
			const m_configmap *cm = m_find_configmap(c->m, p->meta.ns, r->name);
			if (!cm) {
				a_evidence(c, f, "%s%s%s references ConfigMap %s, which does not exist%s", r->env ? "env " : "envFrom",
					   r->env ? r->env : "", r->env ? "" : "", a_nz(r->name), r->optional ? " (optional)" : "");
				continue;
			}
			if (r->key) {
				int found = 0;
				for (unsigned k = 0; k < cm->nkeys; k++)
					found |= a_eq(cm->keys[k], r->key);
				if (!found)
					a_evidence(c, f, "env %s references key %s of ConfigMap %s, which has no such key",
						   a_nz(r->env), r->key, a_nz(r->name));
			}
		} else if (a_eq(r->kind, "Secret")) {
			/* Secrets are never read: name the reference, nothing more */
			if (r->env)
				a_evidence(c, f, "env %s references Secret %s key %s", r->env, a_nz(r->name), a_nz(r->key));
			else
				a_evidence(c, f, "envFrom references Secret %s", a_nz(r->name));
		}
	}
}

/* ---- the spec behind a message ---- */


/* Does the container's own account (termination message, state, last log lines) say it? */
static int container_says(const m_pod *p, const m_cstatus *cs, const char *const *pats)
{
	const char *texts[4] = {cs->last.message, cs->state.message, NULL, NULL};
	const m_log *l[2] = {m_pod_log(p, cs->name, 1), m_pod_log(p, cs->name, 0)};
	for (int k = 0; k < 2; k++)
		if (l[k] && l[k]->text) {
			/* the end of the log: where the fatal line is */
			size_t len = l[k]->len, from = len > 4096 ? len - 4096 : 0;
			for (const char *const *pp = pats; *pp; pp++)
				if (k8sa_contains_ci(l[k]->text + from, len - from, *pp))
					return 1;
		}
	for (int k = 0; k < 2; k++)
		for (const char *const *pp = pats; texts[k] && *pp; pp++)
			if (k8sa_contains_ci(texts[k], strlen(texts[k]), *pp))
				return 1;
	return 0;
}

static const char *const disk_pats[] = {"no space left on device", "read-only file system", "permission denied",
					"disk quota exceeded", "input/output error", "operation not permitted", NULL};
static const char *const exec_pats[] = {"exec format error", "executable file not found", "no such file or directory",
					": not found", "permission denied", NULL};

/* The container's mounts, each with its volume and, for a claim, its size, capacity and class. */
static void mounts_evidence(a_ctx *c, a_finding *f, const m_pod *p, const m_container *mc)
{
	for (unsigned i = 0; mc && i < mc->nmounts; i++) {
		const m_mount *mm = &mc->mounts[i];
		const m_volume *v = NULL;
		for (unsigned k = 0; k < p->nvolumes && !v; k++)
			if (a_eq(p->volumes[k].name, mm->volume))
				v = &p->volumes[k];
		char what[384] = "";
		if (v && a_eq(v->kind, "PersistentVolumeClaim") && v->ref) {
			const m_pvc *pvc = m_find_pvc(c->m, p->meta.ns, v->ref);
			if (pvc)
				snprintf(what, sizeof(what), "PersistentVolumeClaim %s (%s, requested %s, capacity %s, storageClass %s)",
					 v->ref, a_nz(pvc->phase), pvc->request ? pvc->request : "?",
					 pvc->capacity ? pvc->capacity : "?", pvc->storage_class ? pvc->storage_class : "(none)");
			else
				snprintf(what, sizeof(what), "PersistentVolumeClaim %s (not found)", v->ref);
		} else if (v) {
			snprintf(what, sizeof(what), "%s%s%s", a_nz(v->kind), v->ref ? " " : "", v->ref ? v->ref : "");
		}
		a_evidence(c, f, "mount %s%s <- volume %s%s%s", a_nz(mm->path), mm->read_only ? " (readOnly)" : "",
			   a_nz(mm->volume), what[0] ? ": " : "", what);
	}
}

static void command_evidence(a_ctx *c, a_finding *f, const m_container *mc)
{
	if (!mc)
		return;
	a_evidence(c, f, "command: %s", mc->cmdline ? mc->cmdline : mc->command ? mc->command : "(image ENTRYPOINT)");
	a_evidence(c, f, "args: %s", mc->args ? mc->args : "(image CMD)");
	a_evidence(c, f, "image: %s", a_nz(mc->image));
}

static void ports_evidence(a_ctx *c, a_finding *f, const m_container *mc)
{
	if (mc)
		a_evidence(c, f, "container ports: %s", mc->ports ? mc->ports : "(none declared)");
}

/* The port a probe summary names ("httpGet HTTP:8080/ready", "tcpSocket :9201", "grpc :9090"). */
static int probe_port(const char *summary, char *buf, size_t size)
{
	const char *s = summary ? strchr(summary, ':') : NULL;
	if (!s || strncmp(summary, "exec", 4) == 0)
		return 0;
	s++;
	size_t n = 0;
	while (s[n] && s[n] != '/' && s[n] != ' ' && n + 1 < size)
		n++;
	memcpy(buf, s, n);
	buf[n] = 0;
	return n > 0 && strcmp(buf, "0") != 0;
}

/* A probe aimed at a port the container does not declare: the usual misconfiguration. Only
 * said when the container declares ports (declaring them is optional). */
static void probe_port_evidence(a_ctx *c, a_finding *f, const m_container *mc, const m_probe *pr, const char *which)
{
	char port[64], pat[80];
	if (!mc || !mc->ports || !pr->present || !probe_port(pr->summary, port, sizeof(port)))
		return;
	if (isdigit((unsigned char)port[0]))
		snprintf(pat, sizeof(pat), "%s/", port);
	else
		snprintf(pat, sizeof(pat), "(%s)", port);
	/* "9200/..." must start the list or follow ", " */
	const char *hit = strstr(mc->ports, pat);
	int ok = hit && (!isdigit((unsigned char)port[0]) || hit == mc->ports || (hit >= mc->ports + 2 && hit[-1] == ' '));
	if (!ok)
		a_evidence(c, f, "%s probes port %s, which the container does not declare (declared: %s)", which, port,
			   mc->ports);
}

static void waiting_finding(a_ctx *c, const m_pod *p, const m_cstatus *cs, const m_container *mc, int init)
{
	const char *r = cs->state.reason;
	fc_id code;
	if (a_eq(r, "ImagePullBackOff") || a_eq(r, "ErrImagePull") || a_eq(r, "ErrImageNeverPull") ||
	    a_eq(r, "RegistryUnavailable") || a_eq(r, "SignatureValidationFailed"))
		code = FC_ImagePullBackOff;
	else if (a_eq(r, "InvalidImageName"))
		code = FC_InvalidImageName;
	else if (a_eq(r, "CreateContainerConfigError"))
		code = FC_CreateContainerConfigError;
	else if (a_eq(r, "CreateContainerError") || a_eq(r, "RunContainerError") || a_eq(r, "StartError") ||
		 a_eq(r, "ContainerCannotRun"))
		code = FC_CreateContainerError;
	else
		return;
	/* an init container that cannot be created is reported as such, ranked as a create error */
	int rank = fc_table[code].rank;
	if (init && code == FC_CreateContainerError)
		code = FC_InitContainerFailing;
	int fresh;
	a_finding *f = pod_finding(c, code, fc_table[code].severity, p, cs->name, &fresh);
	if (!f || !fresh)
		return;
	f->rank = rank;
	const char *what = init ? "Init container" : "Container";
	if (code == FC_ImagePullBackOff) {
		a_summary(c, f, "%s %s of pod %s cannot pull image %s", what, a_nz(cs->name), p->meta.name,
			  a_nz(mc && mc->image ? mc->image : cs->image));
		a_evidence(c, f, "image: %s", a_nz(mc && mc->image ? mc->image : cs->image));
		state_evidence(c, f, "state", &cs->state);
		/* the pull error itself ("not found", "unauthorized", "no such host") */
		cev q = {.container = cs->name, .reason = "Failed", .max = 3};
		find_cev(c, p, &q);
		cev_evidence(c, f, &q);
		a_evidence(c, f, "imagePullSecrets: %s", p->pull_secrets ? p->pull_secrets : "(none)");
		container_events(c, f, p, cs->name, 0, 2);
	} else if (code == FC_InvalidImageName) {
		a_summary(c, f, "%s %s of pod %s has an invalid image reference %s", what, a_nz(cs->name), p->meta.name,
			  a_nz(mc && mc->image ? mc->image : cs->image));
		a_evidence(c, f, "image: %s", a_nz(mc && mc->image ? mc->image : cs->image));
		state_evidence(c, f, "state", &cs->state);
		container_events(c, f, p, cs->name, 0, 2);
	} else if (code == FC_CreateContainerConfigError) {
		a_summary(c, f, "%s %s of pod %s cannot start: %s", what, a_nz(cs->name), p->meta.name,
			  cs->state.message ? cs->state.message : "a referenced ConfigMap or Secret is missing");
		state_evidence(c, f, "state", &cs->state);
		check_config_refs(c, f, p, mc);
		container_events(c, f, p, cs->name, 0, 3);
	} else {
		a_summary(c, f, "%s %s of pod %s cannot be created or started: %s", what, a_nz(cs->name), p->meta.name,
			  cs->state.message ? cs->state.message : a_nz(r));
		state_evidence(c, f, "state", &cs->state);
		if (mc)
			command_evidence(c, f, mc);
		else
			a_evidence(c, f, "image: %s", a_nz(cs->image));
		container_events(c, f, p, cs->name, 0, 3);
	}
	pod_commands(c, f, p, cs->name, 0, 0);
}

/* A crash: CrashLoopBackOff, OOMKilled or a liveness kill; evidence from the last
 * termination, limits, events and the previous log. */
static void crash_finding(a_ctx *c, const m_pod *p, const m_cstatus *cs, const m_container *mc, fc_id code,
			  k8sa_severity sev, int init)
{
	int fresh;
	a_finding *f = pod_finding(c, code, sev, p, cs->name, &fresh);
	if (!f || !fresh)
		return;
	const m_state *term = cs->last.kind == M_STATE_TERMINATED ? &cs->last
			      : cs->state.kind == M_STATE_TERMINATED ? &cs->state
								       : NULL;
	const char *what = init ? "Init container" : "Container";
	char ec[64] = "";
	if (term && term->exit_code)
		snprintf(ec, sizeof(ec), " (exit code %lld)", (long long)term->exit_code);
	if (code == FC_OOMKilled)
		a_summary(c, f, "%s %s of pod %s is killed for running out of memory (limit %s)%s", what, a_nz(cs->name),
			  p->meta.name, mc && mc->lim_mem ? mc->lim_mem : "none",
			  a_eq(cs->state.reason, "CrashLoopBackOff") ? " and restarts in a loop" : "");
	else if (code == FC_LivenessProbeFailing)
		a_summary(c, f, "%s %s of pod %s is restarted because its liveness probe fails", what, a_nz(cs->name),
			  p->meta.name);
	else if (init)
		a_summary(c, f, "Init container %s of pod %s %s%s, so the pod never starts", a_nz(cs->name), p->meta.name,
			  term ? "fails" : "does not finish", ec);
	else
		a_summary(c, f, "%s %s of pod %s crashes%s and restarts in a loop", what, a_nz(cs->name), p->meta.name, ec);
	state_evidence(c, f, "state", &cs->state);
	if (cs->last.kind == M_STATE_TERMINATED)
		state_evidence(c, f, "lastState", &cs->last);
	a_evidence(c, f, "restartCount: %lld", (long long)cs->restarts);
	resources_evidence(c, f, mc, code == FC_OOMKilled);
	if (mc && code == FC_LivenessProbeFailing && mc->liveness.present)
		a_evidence(c, f, "livenessProbe: %s", mc->liveness.summary);
	container_events(c, f, p, cs->name, 0, 3);
	const m_log *prev = m_pod_log(p, cs->name, 1), *cur = m_pod_log(p, cs->name, 0);
	a_log_evidence(c, f, prev, "log (previous instance)");
	if (!prev)
		a_log_evidence(c, f, cur, "log");
	if (mc && code == FC_LivenessProbeFailing) {
		ports_evidence(c, f, mc);
		probe_port_evidence(c, f, mc, &mc->liveness, "livenessProbe");
	}
	if (mc && init && code == FC_InitContainerFailing)
		command_evidence(c, f, mc); /* what it waits for or runs ("until nslookup db; ...") */
	else
	if (term && (term->exit_code == 126 || term->exit_code == 127 || container_says(p, cs, exec_pats)))
		command_evidence(c, f, mc);
	if (container_says(p, cs, disk_pats))
		mounts_evidence(c, f, p, mc);
	pod_commands(c, f, p, cs->name, 1, cs->last.kind == M_STATE_TERMINATED);
}

static int liveness_kills(a_ctx *c, const m_pod *p, const m_cstatus *cs)
{
	int64_t since = cs->last.kind == M_STATE_TERMINATED && cs->last.started ? cs->last.started : 0;
	cev q = {.container = cs->name, .reason = "Unhealthy", .msg_prefix = "Liveness probe failed", .since = since};
	cev k = {.container = cs->name, .reason = "Killing", .msg_prefix = "failed liveness probe", .since = since};
	find_cev(c, p, &q);
	find_cev(c, p, &k);
	return q.n > 0 || k.n > 0;
}

static void check_container(a_ctx *c, const m_pod *p, const m_cstatus *cs, int init)
{
	int is_init;
	const m_container *mc = m_pod_container(p, cs->name, &is_init);
	int recent_term = cs->last.kind == M_STATE_TERMINATED &&
			  (!cs->last.finished || !c->now || c->now - cs->last.finished <= RECENT);

	if (cs->state.kind == M_STATE_WAITING) {
		const char *r = cs->state.reason;
		if (a_eq(r, "CrashLoopBackOff")) {
			if (a_eq(cs->last.reason, "OOMKilled"))
				crash_finding(c, p, cs, mc, FC_OOMKilled, K8SA_SEV_CRITICAL, init);
			else if (init)
				crash_finding(c, p, cs, mc, FC_InitContainerFailing, K8SA_SEV_CRITICAL, init);
			else if (liveness_kills(c, p, cs))
				crash_finding(c, p, cs, mc, FC_LivenessProbeFailing, K8SA_SEV_CRITICAL, init);
			else
				crash_finding(c, p, cs, mc, FC_CrashLoopBackOff, K8SA_SEV_CRITICAL, init);
			return;
		}
		waiting_finding(c, p, cs, mc, init);
		if (a_eq(r, "ContainerCreating") || a_eq(r, "PodInitializing"))
			return; /* FailedMount is checked per pod */
		return;
	}
	if (cs->state.kind == M_STATE_TERMINATED) {
		if (a_eq(cs->state.reason, "OOMKilled")) {
			crash_finding(c, p, cs, mc, FC_OOMKilled, K8SA_SEV_CRITICAL, init);
			return;
		}
		if (init && cs->state.exit_code != 0) {
			crash_finding(c, p, cs, mc, FC_InitContainerFailing, K8SA_SEV_CRITICAL, init);
			return;
		}
		return; /* Job pods: judged by the Job; completed containers are fine */
	}
	if (cs->state.kind != M_STATE_RUNNING)
		return;
	if (init) {
		/* an init container still running long after the pod started never finishes */
		if (has_bad_init(p) && cs->state.started && c->now && c->now - cs->state.started > 600)
			crash_finding(c, p, cs, mc, FC_InitContainerFailing, K8SA_SEV_WARNING, init);
		return;
	}
	/* running: recent OOM kills, liveness restarts, readiness, restart counts */
	if (cs->restarts > 0 && recent_term && a_eq(cs->last.reason, "OOMKilled")) {
		crash_finding(c, p, cs, mc, FC_OOMKilled, K8SA_SEV_WARNING, init);
		return;
	}
	if (cs->restarts > 0 && recent_term && liveness_kills(c, p, cs)) {
		crash_finding(c, p, cs, mc, FC_LivenessProbeFailing, K8SA_SEV_WARNING, init);
		return;
	}
	if (!cs->ready) {
		/* only probe failures of the current instance count (older BackOff/Unhealthy
		 * events from before it started say nothing about now) */
		cev q = {.container = cs->name, .reason = "Unhealthy", .msg_prefix = "Readiness probe failed",
			 .since = cs->state.started};
		find_cev(c, p, &q);
		int long_unready = mc && mc->readiness.present && cs->state.started && c->now &&
				   c->now - cs->state.started > 300;
		if (q.n || long_unready) {
			int fresh;
			a_finding *f = pod_finding(c, FC_ReadinessProbeFailing, K8SA_SEV_WARNING, p, cs->name, &fresh);
			if (f && fresh) {
				a_summary(c, f, "Container %s of pod %s runs but is not ready: its readiness probe fails",
					  a_nz(cs->name), p->meta.name);
				state_evidence(c, f, "state", &cs->state);
				a_evidence(c, f, "ready: false");
				if (mc && mc->readiness.present)
					a_evidence(c, f, "readinessProbe: %s", mc->readiness.summary);
				ports_evidence(c, f, mc);
				if (mc)
					probe_port_evidence(c, f, mc, &mc->readiness, "readinessProbe");
				cev_evidence(c, f, &q);
				const m_log *cur = m_pod_log(p, cs->name, 0);
				a_log_evidence(c, f, cur, "log");
				pod_commands(c, f, p, cs->name, 1, 0);
			}
			return;
		}
	}
	if (cs->restarts >= 5 && cs->last.kind == M_STATE_TERMINATED && cs->last.finished && c->now &&
	    c->now - cs->last.finished <= RECENT) {
		int fresh;
		a_finding *f = pod_finding(c, FC_HighRestartCount, K8SA_SEV_WARNING, p, cs->name, &fresh);
		if (f && fresh) {
			a_summary(c, f, "Container %s of pod %s runs now but has restarted %lld times, the last time recently",
				  a_nz(cs->name), p->meta.name, (long long)cs->restarts);
			a_evidence(c, f, "restartCount: %lld", (long long)cs->restarts);
			state_evidence(c, f, "lastState", &cs->last);
			resources_evidence(c, f, mc, 0);
			const m_log *prev = m_pod_log(p, cs->name, 1);
			a_log_evidence(c, f, prev, "log (previous instance)");
			pod_commands(c, f, p, cs->name, 1, 1);
		}
	}
}

static int pick_mount(void *ud, const m_event *e)
{
	const m_event **out = ud;
	if ((a_eq(e->reason, "FailedMount") || a_eq(e->reason, "FailedAttachVolume")) && !*out)
		*out = e;
	return 0;
}

static void check_mounts(a_ctx *c, const m_pod *p)
{
	/* only while the pod cannot start: mount events of a pod now ready are history */
	const m_cond *ready = m_cond_find(p->conds, p->nconds, "Ready");
	if (ready && a_eq(ready->status, "True"))
		return;
	if (!p->node)
		return;
	const m_event *e = NULL;
	m_events_for(c->m, "Pod", p->meta.ns, p->meta.name, pick_mount, &e);
	if (!e)
		return;
	int fresh;
	a_finding *f = pod_finding(c, FC_FailedMount, K8SA_SEV_CRITICAL, p, NULL, &fresh);
	if (!f || !fresh)
		return;
	a_summary(c, f, "Pod %s cannot mount its volumes: %s", p->meta.name, a_nz(e->message));
	cev q = {.reason = "FailedMount", .max = 3};
	find_cev(c, p, &q);
	cev_evidence(c, f, &q);
	cev q2 = {.reason = "FailedAttachVolume", .max = 2};
	find_cev(c, p, &q2);
	cev_evidence(c, f, &q2);
	for (unsigned i = 0; i < p->nvolumes; i++) {
		const m_volume *v = &p->volumes[i];
		if (!v->ref)
			continue;
		if (a_eq(v->kind, "PersistentVolumeClaim")) {
			const m_pvc *pvc = m_find_pvc(c->m, p->meta.ns, v->ref);
			a_evidence(c, f, "volume %s: PersistentVolumeClaim %s (%s)", a_nz(v->name), v->ref,
				   pvc ? a_nz(pvc->phase) : "not found");
			if (pvc && !a_eq(pvc->phase, "Bound") && !f->ref_kind) {
				f->ref_kind = "PersistentVolumeClaim";
				f->ref_name = v->ref;
			}
		} else if (a_eq(v->kind, "ConfigMap")) {
			const m_configmap *cm = m_find_configmap(c->m, p->meta.ns, v->ref);
			a_evidence(c, f, "volume %s: ConfigMap %s%s", a_nz(v->name), v->ref,
				   cm ? "" : (c->m->configmaps.n ? " (does not exist)" : ""));
		} else {
			a_evidence(c, f, "volume %s: %s %s", a_nz(v->name), a_nz(v->kind), v->ref);
		}
	}
	pod_commands(c, f, p, NULL, 0, 0);
}

static void check_pod(a_ctx *c, const m_pod *p)
{
	const char *ns = a_nz(p->meta.ns), *name = p->meta.name;
	int fresh;
	if (a_eq(p->reason, "Evicted")) {
		/* the kubelet killed it (exit 137): not a crash, not an OOM of the app */
		a_finding *f = pod_finding(c, FC_Evicted, K8SA_SEV_WARNING, p, NULL, &fresh);
		if (f && fresh) {
			a_summary(c, f, "Pod %s was evicted by the kubelet: %s", name, a_nz(p->message));
			a_evidence(c, f, "status.phase: %s, status.reason: Evicted", a_nz(p->phase));
			if (p->message)
				a_evidence(c, f, "status.message: %s", p->message);
			if (p->node)
				a_evidence(c, f, "node: %s", p->node);
			a_event_evidence(c, f, "Pod", p->meta.ns, name, 0, 2, 0);
			a_command(c, f, "kubectl describe pod %s -n %s", name, ns);
			if (p->node)
				a_command(c, f, "kubectl describe node %s", p->node);
			a_command(c, f, "kubectl get pods -n %s --field-selector status.phase=Failed", ns);
		}
		return;
	}
	if (p->meta.deleted) {
		int64_t grace = p->meta.deletion_grace >= 0 ? p->meta.deletion_grace : p->grace >= 0 ? p->grace : 30;
		if (c->now && c->now - p->meta.deleted > grace + 300) {
			a_finding *f = pod_finding(c, FC_PodStuckTerminating, K8SA_SEV_WARNING, p, NULL, &fresh);
			if (f && fresh) {
				char t[32];
				m_format_time(p->meta.deleted, t);
				a_summary(c, f, "Pod %s has been terminating for %lld minutes", name,
					  (long long)((c->now - p->meta.deleted) / 60));
				a_evidence(c, f, "metadata.deletionTimestamp: %s", t);
				a_evidence(c, f, "terminationGracePeriodSeconds: %lld", (long long)grace);
				for (unsigned i = 0; i < p->meta.nfinalizers; i++)
					a_evidence(c, f, "metadata.finalizers: %s (deletion waits until its controller removes it)",
						   p->meta.finalizers[i]);
				if (p->node) {
					const m_node *n = m_find_node(c->m, p->node);
					const m_cond *r = n ? m_cond_find(n->conds, n->nconds, "Ready") : NULL;
					a_evidence(c, f, "node %s: Ready=%s", p->node, r ? a_nz(r->status) : "unknown");
				}
				a_command(c, f, "kubectl describe pod %s -n %s", name, ns);
				a_command(c, f, "kubectl get pod %s -n %s -o jsonpath='{.metadata.finalizers}'", name, ns);
			}
		}
		return;
	}
	if (a_eq(p->phase, "Succeeded"))
		return;
	const m_cond *sched = m_cond_find(p->conds, p->nconds, "PodScheduled");
	if ((sched && a_eq(sched->status, "False")) || (a_eq(p->phase, "Pending") && !p->node && !p->nstatuses)) {
		if ((sched && a_eq(sched->status, "False")) || c->now - p->meta.created > 60 || !c->now) {
			check_unschedulable(c, p, sched);
			return;
		}
	}
	/* init containers first: while one fails, the app containers only wait */
	int init_bad = 0;
	for (unsigned i = 0; i < p->ninit_statuses; i++) {
		size_t before = c->f->n;
		const m_cstatus *cs = &p->init_statuses[i];
		if (cs->state.kind == M_STATE_TERMINATED && cs->state.exit_code == 0)
			continue;
		check_container(c, p, cs, 1);
		if (c->f->n != before || (cs->state.kind == M_STATE_WAITING && cs->state.reason &&
					  !a_eq(cs->state.reason, "PodInitializing") && !a_eq(cs->state.reason, "ContainerCreating")))
			init_bad = 1;
	}
	/* a failed init container that is not retried (restartPolicy Never) */
	if (!init_bad && has_bad_init(p) && a_eq(p->phase, "Failed")) {
		for (unsigned i = 0; i < p->ninit_statuses; i++) {
			const m_cstatus *cs = &p->init_statuses[i];
			if (cs->state.kind == M_STATE_TERMINATED && cs->state.exit_code != 0)
				crash_finding(c, p, cs, m_pod_container(p, cs->name, NULL), FC_InitContainerFailing,
					      K8SA_SEV_CRITICAL, 1);
		}
	}
	if (!init_bad)
		for (unsigned i = 0; i < p->nstatuses; i++)
			check_container(c, p, &p->statuses[i], 0);
	check_mounts(c, p);
}

void a_analyze_pods(a_ctx *c)
{
	for (size_t i = 0; i < c->m->pods.n; i++) {
		const m_pod *p = &c->m->pods.v[i];
		if (p->healthy)
			continue;
		check_pod(c, p);
	}
}
