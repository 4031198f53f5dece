/* Fault injection rules for kubesim (--fault). Grammar in ks_faults_help below. */
#include "config.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "kubesim.h"

const char ks_faults_help[] =
	"Fault grammar (--fault SPEC, repeatable):\n"
	"  SPEC   := RULE [';' RULE]...\n"
	"  RULE   := TERM [',' TERM]...        (terms of one rule apply together)\n"
	"  action terms (at most one of status/drop/truncate/expire-continue per rule):\n"
	"    latency=DUR        wait DUR before answering (DUR: N, Nms or Ns; N alone is ms)\n"
	"    status=CODE        answer CODE with a Kubernetes Status body (500, 503, 429, 401, ...)\n"
	"    drop               close the connection without answering\n"
	"    truncate           send half the body (Content-Length still says the whole), then close\n"
	"    expire-continue    answer a request carrying continue= with 410 Expired (count defaults to 1)\n"
	"  modifiers:\n"
	"    path=SUBSTR        only requests whose path contains SUBSTR (also needed to hit discovery)\n"
	"    query=SUBSTR       only requests whose raw query string contains SUBSTR\n"
	"                       (e.g. query=continue= for continued pages, query=limit=)\n"
	"    method=M           only requests with this method\n"
	"    count=N            only the first N matching requests (default: all)\n"
	"    after=N            skip the first N matching requests\n"
	"    retry-after=SECS   with status=: add a Retry-After header\n"
	"  Discovery (/api, /apis, /api/v1, /apis/G/V, /version, /openapi) is never faulted unless\n"
	"  the rule has path=. Examples:\n"
	"    --fault latency=200ms   --fault status=503,path=/pods,count=2\n"
	"    --fault status=429,retry-after=2,count=1   --fault expire-continue   --fault drop,after=3,count=1\n";

typedef struct rule {
	enum ks_fault_action action;
	long latency_ms;
	int status;
	int retry_after;
	char *path;
	char *method;
	char *query;
	long count; /* -1: unlimited */
	long after;
	long seen;
	char text[96];
} rule;

struct ks_faults {
	pthread_mutex_t mu;
	rule *r;
	size_t n;
};

static int parse_long(const char *s, long *out)
{
	char *end;
	long v = strtol(s, &end, 10);
	if (!*s || *end || v < 0)
		return -1;
	*out = v;
	return 0;
}

static int parse_dur(const char *s, long *ms)
{
	char *end;
	double v = strtod(s, &end);
	if (end == s || v < 0)
		return -1;
	if (!*end || !strcmp(end, "ms"))
		*ms = (long)v;
	else if (!strcmp(end, "s"))
		*ms = (long)(v * 1000);
	else
		return -1;
	return 0;
}

static int parse_rule(rule *r, char *text, char *err, size_t errlen)
{
	memset(r, 0, sizeof *r);
	r->count = -1;
	r->retry_after = -1;
	snprintf(r->text, sizeof r->text, "%s", text);
	int count_set = 0;
	char *save = NULL;
	for (char *t = strtok_r(text, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		while (*t == ' ')
			t++;
		char *v = strchr(t, '=');
		if (v)
			*v++ = '\0';
		enum ks_fault_action a = KS_FAULT_NONE;
		if (!strcmp(t, "latency") && v) {
			if (parse_dur(v, &r->latency_ms) < 0)
				goto bad;
		} else if (!strcmp(t, "status") && v) {
			long c;
			if (parse_long(v, &c) < 0 || c < 100 || c > 599)
				goto bad;
			r->status = (int)c;
			a = KS_FAULT_STATUS;
		} else if (!strcmp(t, "drop") && !v) {
			a = KS_FAULT_DROP;
		} else if (!strcmp(t, "truncate") && !v) {
			a = KS_FAULT_TRUNCATE;
		} else if (!strcmp(t, "expire-continue") && !v) {
			a = KS_FAULT_EXPIRE_CONTINUE;
		} else if (!strcmp(t, "path") && v && *v) {
			free(r->path);
			if (!(r->path = strdup(v)))
				goto bad;
		} else if (!strcmp(t, "query") && v && *v) {
			free(r->query);
			if (!(r->query = strdup(v)))
				goto bad;
		} else if (!strcmp(t, "method") && v && *v) {
			free(r->method);
			if (!(r->method = strdup(v)))
				goto bad;
		} else if (!strcmp(t, "count") && v) {
			if (parse_long(v, &r->count) < 0)
				goto bad;
			count_set = 1;
		} else if (!strcmp(t, "after") && v) {
			if (parse_long(v, &r->after) < 0)
				goto bad;
		} else if (!strcmp(t, "retry-after") && v) {
			long s;
			if (parse_long(v, &s) < 0)
				goto bad;
			r->retry_after = (int)s;
		} else {
			goto bad;
		}
		if (a != KS_FAULT_NONE) {
			if (r->action != KS_FAULT_NONE) {
				snprintf(err, errlen, "--fault '%s': more than one action in one rule",
					 r->text);
				return -1;
			}
			r->action = a;
		}
		continue;
bad:
		snprintf(err, errlen, "--fault '%s': bad term '%s%s%s' (see --help)", r->text, t,
			 v ? "=" : "", v ? v : "");
		return -1;
	}
	if (r->action == KS_FAULT_NONE && !r->latency_ms) {
		snprintf(err, errlen, "--fault '%s': no action (latency=, status=, drop, truncate, "
				      "expire-continue)", r->text);
		return -1;
	}
	if (r->action == KS_FAULT_EXPIRE_CONTINUE && !count_set)
		r->count = 1;
	return 0;
}

static void rule_free(rule *r)
{
	free(r->path);
	free(r->method);
	free(r->query);
}

int ks_faults_add(ks_faults **fp, const char *spec, char *err, size_t errlen)
{
	if (!*fp) {
		ks_faults *f = calloc(1, sizeof *f);
		if (!f) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
		pthread_mutex_init(&f->mu, NULL);
		*fp = f;
	}
	ks_faults *f = *fp;
	char *copy = strdup(spec);
	if (!copy) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	int rc = 0;
	char *save = NULL;
	for (char *t = strtok_r(copy, ";", &save); t; t = strtok_r(NULL, ";", &save)) {
		rule r;
		if (parse_rule(&r, t, err, errlen) < 0) {
			rule_free(&r);
			rc = -1;
			break;
		}
		rule *p = realloc(f->r, (f->n + 1) * sizeof *p);
		if (!p) {
			rule_free(&r);
			snprintf(err, errlen, "out of memory");
			rc = -1;
			break;
		}
		f->r = p;
		f->r[f->n++] = r;
	}
	free(copy);
	return rc;
}

void ks_faults_free(ks_faults *f)
{
	if (!f)
		return;
	for (size_t i = 0; i < f->n; i++)
		rule_free(&f->r[i]);
	free(f->r);
	pthread_mutex_destroy(&f->mu);
	free(f);
}

void ks_faults_match(ks_faults *f, const char *method, const char *path, const char *query,
		     int is_discovery, int has_continue, ks_fault_hit *hit)
{
	memset(hit, 0, sizeof *hit);
	hit->retry_after = -1;
	if (!f)
		return;
	size_t dl = 0;
	pthread_mutex_lock(&f->mu);
	for (size_t i = 0; i < f->n; i++) {
		rule *r = &f->r[i];
		if (r->path ? !strstr(path, r->path) : is_discovery)
			continue;
		if (r->query && !strstr(query, r->query))
			continue;
		if (r->method && strcasecmp(r->method, method))
			continue;
		if (r->action == KS_FAULT_EXPIRE_CONTINUE && !has_continue)
			continue;
		long k = ++r->seen;
		if (k <= r->after || (r->count >= 0 && k > r->after + r->count))
			continue;
		hit->latency_ms += r->latency_ms;
		if (r->action != KS_FAULT_NONE && hit->action == KS_FAULT_NONE) {
			hit->action = r->action;
			hit->status = r->status;
			hit->retry_after = r->retry_after;
		}
		int w = snprintf(hit->desc + dl, sizeof hit->desc - dl, "%s%s", dl ? ";" : "", r->text);
		if (w > 0 && (size_t)w < sizeof hit->desc - dl)
			dl += (size_t)w;
	}
	pthread_mutex_unlock(&f->mu);
}
