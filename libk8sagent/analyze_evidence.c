/* SPDX-License-Identifier: MIT */
/* Evidence the analyzers share: events about an object, decisive lines of a log. */
#include "internal.h"
#include "analyze_internal.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

/* ---- evidence helpers ---------------------------------------------------------------------- */

void k8sa_age(int64_t secs, char buf[24])
{
	if (secs < 0)
		secs = 0;
	if (secs < 120)
		snprintf(buf, 24, "%llds", (long long)secs);
	else if (secs < 120 * 60)
		snprintf(buf, 24, "%lldm", (long long)(secs / 60));
	else if (secs < 48 * 3600)
		snprintf(buf, 24, "%lldh", (long long)(secs / 3600));
	else
		snprintf(buf, 24, "%lldd", (long long)(secs / 86400));
}

void k8sa_event_line(const m_event *ev, int64_t now, char *buf, size_t size)
{
	const char *msg = ev->message ? ev->message : "";
	int n;
	/* "Reason (xN): message" as before (searches and scripts match it), then its age as
	 * kubectl describe gives it: "[x14 over 40m, last 3m ago]" */
	if (ev->count > 1)
		n = snprintf(buf, size, "%s (x%lld): %s", ev->reason, (long long)ev->count, msg);
	else
		n = snprintf(buf, size, "%s: %s", ev->reason, msg);
	if (!now || !ev->last || n < 0 || (size_t)n >= size)
		return;
	char age[24], span[24];
	k8sa_age(now - ev->last, age);
	if (ev->count > 1 && ev->first && ev->first < ev->last) {
		k8sa_age(ev->last - ev->first, span);
		snprintf(buf + n, size - (size_t)n, " [x%lld over %s, last %s ago]", (long long)ev->count, span, age);
	} else {
		snprintf(buf + n, size - (size_t)n, " [%s ago]", age);
	}
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
		k8sa_event_line(p.e[i], c->now, buf, sizeof(buf));
		a_evidence(c, f, "event %s", buf);
	}
	return p.n;
}


static int decisive(const char *line, size_t len)
{
	static const char *const pats[] = {
		"panic", "fatal", "exception", "traceback", "error", "segmentation", "killed",
		"out of memory", "oom", "cannot ", "can't ", "could not", "failed", "refused",
		"denied", "not found", "no such", "unable to", "timeout", "timed out", "deadline",
	};
	for (size_t i = 0; i < sizeof(pats) / sizeof(pats[0]); i++)
		if (k8sa_contains_ci(line, len, pats[i]))
			return 1;
	return 0;
}

static int starts_trace(const char *line, size_t len)
{
	return k8sa_contains_ci(line, len, "panic") || k8sa_contains_ci(line, len, "traceback") ||
	       k8sa_contains_ci(line, len, "exception") || k8sa_contains_ci(line, len, "fatal");
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
