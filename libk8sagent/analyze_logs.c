/* SPDX-License-Identifier: MIT */
/* The opt-in log scan: a pod that runs and is Ready, and whose current log is full of errors
 * (tracebacks, panics, FATAL/ERROR lines, repeated 5xx answers). Only logs the scan sampled
 * (k8sa_snapshot_opts_set_scan_logs()) are judged, so the same cluster always gives the same
 * findings; ordinary INFO/WARN chatter, "errors=0" and the like stay silent. */
#include "internal.h"
#include "analyze_internal.h"
#include "analyze_util.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#define BURST_MIN 2        /* error lines, at least */
#define BURST_SHARE 5      /* ... and one line in this many, or BURST_MANY of them */
#define BURST_MANY 10

static int has(const char *s, size_t n, const char *needle)
{
	size_t l = strlen(needle);
	for (size_t i = 0; i + l <= n; i++)
		if (memcmp(s + i, needle, l) == 0)
			return 1;
	return 0;
}

static int has_ci(const char *s, size_t n, const char *needle)
{
	size_t l = strlen(needle);
	for (size_t i = 0; i + l <= n; i++) {
		size_t k = 0;
		while (k < l && tolower((unsigned char)s[i + k]) == needle[k])
			k++;
		if (k == l)
			return 1;
	}
	return 0;
}

/* An upper-case level word on its own: "ERROR", "[FATAL]", "CRITICAL:" (not "errors=0"). */
static int level_word(const char *s, size_t n)
{
	static const char *const words[] = {"ERROR", "FATAL", "CRITICAL", "PANIC", "SEVERE", "EMERG", "ALERT"};
	for (size_t w = 0; w < sizeof(words) / sizeof(words[0]); w++) {
		size_t l = strlen(words[w]);
		for (size_t i = 0; i + l <= n; i++) {
			if (memcmp(s + i, words[w], l) != 0)
				continue;
			int before = i == 0 || !isalnum((unsigned char)s[i - 1]);
			int after = i + l == n || !isalnum((unsigned char)s[i + l]);
			if (before && after)
				return 1;
		}
	}
	return 0;
}

/* "psycopg2.OperationalError: ...", "java.lang.IllegalStateException: ..." at the line start. */
static int exception_line(const char *s, size_t n)
{
	size_t i = 0;
	while (i < n && (isalnum((unsigned char)s[i]) || s[i] == '.' || s[i] == '_' || s[i] == '$'))
		i++;
	if (i < 5 || i + 1 >= n || s[i] != ':')
		return 0;
	return (i >= 5 && memcmp(s + i - 5, "Error", 5) == 0) || (i >= 9 && memcmp(s + i - 9, "Exception", 9) == 0);
}

/* An HTTP 5xx answer in an access log line. */
static int http_5xx(const char *s, size_t n)
{
	static const char *const pre[] = {"\" 5", "status=5", "status\":5", "status_code=5", "\"status\": 5", "code=5"};
	for (size_t p = 0; p < sizeof(pre) / sizeof(pre[0]); p++) {
		size_t l = strlen(pre[p]);
		for (size_t i = 0; i + l + 2 <= n; i++)
			if (memcmp(s + i, pre[p], l) == 0 && isdigit((unsigned char)s[i + l]) &&
			    isdigit((unsigned char)s[i + l + 1]) && (i + l + 2 == n || !isdigit((unsigned char)s[i + l + 2])))
				return 1;
	}
	return 0;
}

/* 0: not an error; 1: an error line; 2: it starts a stack trace. */
static int error_line(const char *s, size_t n, int *is_5xx)
{
	*is_5xx = 0;
	if (has(s, n, "Traceback (most recent call last)") || has(s, n, "panic: ") || has(s, n, "fatal error: ") ||
	    has(s, n, "Exception in thread"))
		return 2;
	if (level_word(s, n) || has_ci(s, n, "level=error") || has_ci(s, n, "level=fatal") ||
	    has_ci(s, n, "\"level\":\"error\"") || has_ci(s, n, "\"level\":\"fatal\"") ||
	    has_ci(s, n, "\"severity\":\"error\"") || exception_line(s, n))
		return 1;
	/* klog: "E1124 14:58:01.123456 ..." */
	if (n > 6 && (s[0] == 'E' || s[0] == 'F') && isdigit((unsigned char)s[1]) && isdigit((unsigned char)s[4]) &&
	    s[5] == ' ')
		return 1;
	if (http_5xx(s, n)) {
		*is_5xx = 1;
		return 1;
	}
	return 0;
}

static void scan(a_ctx *c, const m_pod *p, const m_log *l)
{
	const char *t = l->text, *end = t + l->len;
	size_t lines = 0, errs = 0, fivexx = 0;
	const char *first = NULL, *last = NULL;
	size_t first_len = 0, last_len = 0;
	int trace = 0;
	for (const char *s = t; s < end;) {
		const char *nl = memchr(s, '\n', (size_t)(end - s));
		size_t n = nl ? (size_t)(nl - s) : (size_t)(end - s);
		if (n) {
			lines++;
			int x5, e = error_line(s, n, &x5);
			if (e) {
				errs++;
				fivexx += (size_t)x5;
				/* show from the first stack trace, else from the first error */
				if (!first || (e == 2 && !trace)) {
					first = s;
					first_len = n;
					trace = e == 2;
				}
				last = s;
				last_len = n;
			}
		}
		s = nl ? nl + 1 : end;
	}
	if (errs < BURST_MIN || (errs * BURST_SHARE < lines && errs < BURST_MANY))
		return;
	const m_cstatus *cs = NULL;
	for (unsigned k = 0; k < p->nstatuses; k++)
		if (a_eq(p->statuses[k].name, l->container))
			cs = &p->statuses[k];
	a_finding *f = a_group_find(c, FC_LogErrors, p, l->container);
	if (f) {
		a_member(c, f, p->meta.name);
		return;
	}
	f = a_new(c, FC_LogErrors, p->meta.ns, p->meta.name, l->container);
	if (!f)
		return;
	a_group_add(c, f, FC_LogErrors, p, l->container);
	f->pod = p;
	f->node = p->node;
	a_pod_owner(c, p, &f->owner_kind, &f->owner_name);
	a_summary(c, f, "Container %s of pod %s runs%s, but %zu of the last %zu log lines are errors", l->container,
		  p->meta.name, cs && cs->ready ? " and is Ready" : "", errs, lines);
	a_evidence(c, f, "log scan: %zu error lines of the last %zu", errs, lines);
	if (fivexx)
		a_evidence(c, f, "HTTP 5xx answers in the log: %zu", fivexx);
	/* the first error with what follows it (a traceback's frames and its exception line) */
	int shown = 0, most = trace ? 6 : 1;
	for (const char *s = first; s && s < end && shown < most;) {
		const char *nl = memchr(s, '\n', (size_t)(end - s));
		size_t n = nl ? (size_t)(nl - s) : (size_t)(end - s);
		if (n) {
			a_evidence(c, f, "log: %.*s", (int)(n > 300 ? 300 : n), s);
			shown++;
		}
		s = nl ? nl + 1 : end;
	}
	if (last && last > first + first_len)
		a_evidence(c, f, "log (last error): %.*s", (int)(last_len > 300 ? 300 : last_len), last);
	if (cs)
		a_evidence(c, f, "state: running, ready %s, restartCount %lld", cs->ready ? "true" : "false",
			   (long long)cs->restarts);
	a_command(c, f, "kubectl logs %s -n %s -c %s --tail=200", p->meta.name, a_nz(p->meta.ns), l->container);
	a_command(c, f, "kubectl describe pod %s -n %s", p->meta.name, a_nz(p->meta.ns));
}

void a_analyze_logs(a_ctx *c)
{
	for (size_t i = 0; i < c->m->pods.n; i++) {
		const m_pod *p = &c->m->pods.v[i];
		for (const m_log *l = p->logs; l; l = l->next)
			if (l->origin == M_LOG_SCAN && !l->previous && l->len)
				scan(c, p, l);
	}
}
