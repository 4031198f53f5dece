/* SPDX-License-Identifier: MIT */
/* k8sagentd metrics in the Prometheus text exposition format (version 0.0.4). A handful of
 * fixed series guarded by one mutex: the service does a few thousand updates a second at most,
 * far below where a lock-free registry would pay off. */
#include "k8sagentd.h"

#include <json-c/json.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_CODES 16  /* distinct status codes kept per route */
#define MAX_KUBE_CODES 16

typedef struct histogram {
	const double *bounds;
	size_t n;
	uint64_t counts[24]; /* per bucket (not cumulative); counts[n] is +Inf */
	double sum;
	uint64_t count;
} histogram;

static const double latency_bounds[] = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
					0.5, 1, 2.5, 5, 10, 30, 60, 120, 300};
static const double ttft_bounds[] = {0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300};
static const double tps_bounds[] = {1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 5000};
static const double snapshot_bounds[] = {0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30};

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static struct {
	int code[MAX_CODES];
	uint64_t count[MAX_CODES];
	size_t n;
} requests[KD_R_COUNT];
static histogram latency[KD_R_COUNT];
static histogram ttft, tps, snapshot;
static long inflight;
static struct {
	char code[24];
	uint64_t count;
} kube_errors[MAX_KUBE_CODES];
static size_t n_kube_errors;
static uint64_t cache_hits, cache_misses, truncated;

static void hist_init(histogram *h, const double *b, size_t n)
{
	memset(h, 0, sizeof *h);
	h->bounds = b;
	h->n = n;
}

static void hist_observe(histogram *h, double v)
{
	size_t i = 0;
	while (i < h->n && v > h->bounds[i])
		i++;
	h->counts[i]++;
	h->sum += v;
	h->count++;
}

void kd_metrics_init(void)
{
	for (int r = 0; r < KD_R_COUNT; r++)
		hist_init(&latency[r], latency_bounds, sizeof latency_bounds / sizeof *latency_bounds);
	hist_init(&ttft, ttft_bounds, sizeof ttft_bounds / sizeof *ttft_bounds);
	hist_init(&tps, tps_bounds, sizeof tps_bounds / sizeof *tps_bounds);
	hist_init(&snapshot, snapshot_bounds, sizeof snapshot_bounds / sizeof *snapshot_bounds);
}

void kd_metrics_request(kd_route r, int status, double seconds)
{
	pthread_mutex_lock(&mu);
	size_t i;
	for (i = 0; i < requests[r].n; i++)
		if (requests[r].code[i] == status)
			break;
	if (i == requests[r].n && i < MAX_CODES) {
		requests[r].code[i] = status;
		requests[r].n++;
	}
	if (i < MAX_CODES)
		requests[r].count[i]++;
	hist_observe(&latency[r], seconds);
	pthread_mutex_unlock(&mu);
}

void kd_metrics_inflight(int delta)
{
	pthread_mutex_lock(&mu);
	inflight += delta;
	pthread_mutex_unlock(&mu);
}

#define OBSERVE(h, v)                     \
	do {                              \
		pthread_mutex_lock(&mu);  \
		hist_observe(&(h), (v));  \
		pthread_mutex_unlock(&mu); \
	} while (0)

void kd_metrics_first_token(double s) { OBSERVE(ttft, s); }
void kd_metrics_tokens_per_second(double v) { OBSERVE(tps, v); }
void kd_metrics_snapshot(double s) { OBSERVE(snapshot, s); }

void kd_metrics_cache(int hit)
{
	pthread_mutex_lock(&mu);
	if (hit)
		cache_hits++;
	else
		cache_misses++;
	pthread_mutex_unlock(&mu);
}

void kd_metrics_truncated(void)
{
	pthread_mutex_lock(&mu);
	truncated++;
	pthread_mutex_unlock(&mu);
}

void kd_metrics_kube_error(const char *code)
{
	pthread_mutex_lock(&mu);
	size_t i;
	for (i = 0; i < n_kube_errors; i++)
		if (strcmp(kube_errors[i].code, code) == 0)
			break;
	if (i == n_kube_errors && i < MAX_KUBE_CODES) {
		snprintf(kube_errors[i].code, sizeof kube_errors[i].code, "%s", code);
		n_kube_errors++;
	}
	if (i < MAX_KUBE_CODES)
		kube_errors[i].count++;
	pthread_mutex_unlock(&mu);
}

static double num(json_object *o, const char *k)
{
	json_object *v;
	if (o && json_object_object_get_ex(o, k, &v) &&
	    (json_object_is_type(v, json_type_double) || json_object_is_type(v, json_type_int)))
		return json_object_get_double(v);
	return -1;
}

/* Gaps read "nodes: forbidden: ..."; the word after the resource is the library's status name. */
static void count_gaps(const char *gaps_json)
{
	json_object *g = gaps_json ? json_tokener_parse(gaps_json) : NULL;
	if (g && json_object_is_type(g, json_type_array)) {
		for (size_t i = 0; i < json_object_array_length(g); i++) {
			const char *s = json_object_get_string(json_object_array_get_idx(g, i));
			const char *p = s ? strstr(s, ": ") : NULL;
			char code[24] = "unknown";
			if (p) {
				p += 2;
				size_t n = strcspn(p, ":");
				if (n > 0 && n < sizeof code) {
					memcpy(code, p, n);
					code[n] = 0;
				}
			}
			for (char *c = code; *c; c++)
				if (!((*c >= 'a' && *c <= 'z') || *c == '_' || (*c >= '0' && *c <= '9')))
					*c = '_';
			kd_metrics_kube_error(code);
		}
	}
	json_object_put(g);
}

void kd_metrics_answer(const k8sa_answer *a)
{
	if (!a)
		return;
	json_object *t = k8sa_answer_timings_json(a) ? json_tokener_parse(k8sa_answer_timings_json(a)) : NULL;
	double snap = num(t, "snapshot_ms");
	if (snap >= 0)
		kd_metrics_snapshot(snap / 1000.0);
	json_object *llm = NULL;
	if (t && json_object_object_get_ex(t, "llm", &llm)) {
		double v = num(llm, "tokens_per_second");
		if (v >= 0)
			kd_metrics_tokens_per_second(v);
	}
	json_object_put(t);
	count_gaps(k8sa_answer_gaps_json(a));
}

void kd_metrics_gaps(const char *gaps_json)
{
	count_gaps(gaps_json);
}

/* ---- rendering ---------------------------------------------------------------------------- */
typedef struct sbuf {
	char *p;
	size_t len, cap;
} sbuf;

static void sb_printf(sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sb_printf(sbuf *b, const char *fmt, ...)
{
	for (;;) {
		va_list ap;
		va_start(ap, fmt);
		int n = vsnprintf(b->p ? b->p + b->len : NULL, b->p ? b->cap - b->len : 0, fmt, ap);
		va_end(ap);
		if (n < 0)
			return;
		if (b->p && b->len + (size_t)n < b->cap) {
			b->len += (size_t)n;
			return;
		}
		size_t cap = (b->cap ? b->cap * 2 : 8192) + (size_t)n;
		char *np = realloc(b->p, cap);
		if (!np)
			return;
		b->p = np;
		b->cap = cap;
	}
}

static void fmt_bound(char *buf, size_t len, double v)
{
	snprintf(buf, len, "%g", v);
}

static void hist_render(sbuf *b, const char *name, const char *labels, const histogram *h)
{
	uint64_t cum = 0;
	char le[32];
	const char *sep = labels[0] ? "," : "";
	for (size_t i = 0; i < h->n; i++) {
		cum += h->counts[i];
		fmt_bound(le, sizeof le, h->bounds[i]);
		sb_printf(b, "%s_bucket{%s%sle=\"%s\"} %llu\n", name, labels, sep, le,
			  (unsigned long long)cum);
	}
	cum += h->counts[h->n];
	sb_printf(b, "%s_bucket{%s%sle=\"+Inf\"} %llu\n", name, labels, sep, (unsigned long long)cum);
	if (labels[0]) {
		sb_printf(b, "%s_sum{%s} %.9g\n", name, labels, h->sum);
		sb_printf(b, "%s_count{%s} %llu\n", name, labels, (unsigned long long)h->count);
	} else {
		sb_printf(b, "%s_sum %.9g\n", name, h->sum);
		sb_printf(b, "%s_count %llu\n", name, (unsigned long long)h->count);
	}
}

char *kd_metrics_render(size_t *len)
{
	sbuf b = {0};
	char labels[64];
	int slots = kd_slots_in_use(), queued = kd_queue_length(), snaps = 0, snaps_max = 0;
	kd_snapshots(&snaps, &snaps_max);
	size_t cache_bytes = kd_cache_bytes();
	/* Up/down from the readiness probes (the kubelet asks /readyz every few seconds); a
	 * scrape before any probe runs them once (cached 1 s). */
	int kube_up = kd_probe_last(0), model_up = kd_probe_last(1);
	if (kube_up < 0)
		kube_up = kd_probe_kube(NULL, 0);
	if (model_up < 0)
		model_up = kd_probe_llm(NULL, 0);

	pthread_mutex_lock(&mu);
	sb_printf(&b, "# HELP k8sagentd_http_requests_total HTTP requests answered, by route and status code.\n"
		      "# TYPE k8sagentd_http_requests_total counter\n");
	for (int r = 0; r < KD_R_COUNT; r++)
		for (size_t i = 0; i < requests[r].n; i++)
			sb_printf(&b, "k8sagentd_http_requests_total{route=\"%s\",code=\"%d\"} %llu\n",
				  kd_route_label((kd_route)r), requests[r].code[i],
				  (unsigned long long)requests[r].count[i]);
	sb_printf(&b, "# HELP k8sagentd_http_request_duration_seconds Time from request to the last byte of the response, by route.\n"
		      "# TYPE k8sagentd_http_request_duration_seconds histogram\n");
	for (int r = 0; r < KD_R_COUNT; r++) {
		if (!latency[r].count)
			continue;
		snprintf(labels, sizeof labels, "route=\"%s\"", kd_route_label((kd_route)r));
		hist_render(&b, "k8sagentd_http_request_duration_seconds", labels, &latency[r]);
	}
	sb_printf(&b, "# HELP k8sagentd_http_requests_in_flight Requests being handled now.\n"
		      "# TYPE k8sagentd_http_requests_in_flight gauge\n"
		      "k8sagentd_http_requests_in_flight %ld\n", inflight);
	sb_printf(&b, "# HELP k8sagentd_llm_slots_in_use Model calls running now.\n"
		      "# TYPE k8sagentd_llm_slots_in_use gauge\n"
		      "k8sagentd_llm_slots_in_use %d\n", slots);
	sb_printf(&b, "# HELP k8sagentd_llm_slots Model calls allowed at once (--max-llm).\n"
		      "# TYPE k8sagentd_llm_slots gauge\n"
		      "k8sagentd_llm_slots %d\n", kd_cfg.max_llm);
	sb_printf(&b, "# HELP k8sagentd_llm_queue_length Requests waiting for a model slot.\n"
		      "# TYPE k8sagentd_llm_queue_length gauge\n"
		      "k8sagentd_llm_queue_length %d\n", queued);
	sb_printf(&b, "# HELP k8sagentd_kube_api_up 1 when the last probe of the Kubernetes API succeeded (readiness).\n"
		      "# TYPE k8sagentd_kube_api_up gauge\n"
		      "k8sagentd_kube_api_up %d\n", kube_up);
	sb_printf(&b, "# HELP k8sagentd_model_up 1 when the last probe of the model server found the model (not part of readiness).\n"
		      "# TYPE k8sagentd_model_up gauge\n"
		      "k8sagentd_model_up %d\n", model_up);
	sb_printf(&b, "# HELP k8sagentd_snapshots_in_flight Cluster snapshots being read now.\n"
		      "# TYPE k8sagentd_snapshots_in_flight gauge\n"
		      "k8sagentd_snapshots_in_flight %d\n", snaps);
	sb_printf(&b, "# HELP k8sagentd_snapshots_max Cluster snapshots allowed at once (--max-snapshots or the memory limit).\n"
		      "# TYPE k8sagentd_snapshots_max gauge\n"
		      "k8sagentd_snapshots_max %d\n", snaps_max);
	sb_printf(&b, "# HELP k8sagentd_cache_bytes Memory used by cached answers.\n"
		      "# TYPE k8sagentd_cache_bytes gauge\n"
		      "k8sagentd_cache_bytes %zu\n", cache_bytes);
	sb_printf(&b, "# HELP k8sagentd_cache_budget_bytes Memory cached answers may use (--cache-bytes).\n"
		      "# TYPE k8sagentd_cache_budget_bytes gauge\n"
		      "k8sagentd_cache_budget_bytes %zu\n", kd_cfg.cache_bytes);
	sb_printf(&b, "# HELP k8sagentd_answers_truncated_total Model answers cut at --max-answer.\n"
		      "# TYPE k8sagentd_answers_truncated_total counter\n"
		      "k8sagentd_answers_truncated_total %llu\n", (unsigned long long)truncated);
	sb_printf(&b, "# HELP k8sagentd_llm_first_token_seconds Time from the start of a model call to its first token.\n"
		      "# TYPE k8sagentd_llm_first_token_seconds histogram\n");
	hist_render(&b, "k8sagentd_llm_first_token_seconds", "", &ttft);
	sb_printf(&b, "# HELP k8sagentd_llm_tokens_per_second Answer generation speed of model calls.\n"
		      "# TYPE k8sagentd_llm_tokens_per_second histogram\n");
	hist_render(&b, "k8sagentd_llm_tokens_per_second", "", &tps);
	sb_printf(&b, "# HELP k8sagentd_snapshot_duration_seconds Time to read a namespace from the Kubernetes API.\n"
		      "# TYPE k8sagentd_snapshot_duration_seconds histogram\n");
	hist_render(&b, "k8sagentd_snapshot_duration_seconds", "", &snapshot);
	sb_printf(&b, "# HELP k8sagentd_kube_api_errors_total Kubernetes API errors met while reading the cluster, by code.\n"
		      "# TYPE k8sagentd_kube_api_errors_total counter\n");
	for (size_t i = 0; i < n_kube_errors; i++)
		sb_printf(&b, "k8sagentd_kube_api_errors_total{code=\"%s\"} %llu\n", kube_errors[i].code,
			  (unsigned long long)kube_errors[i].count);
	sb_printf(&b, "# HELP k8sagentd_cache_requests_total Diagnosis answer cache lookups, by result.\n"
		      "# TYPE k8sagentd_cache_requests_total counter\n"
		      "k8sagentd_cache_requests_total{result=\"hit\"} %llu\n"
		      "k8sagentd_cache_requests_total{result=\"miss\"} %llu\n",
		  (unsigned long long)cache_hits, (unsigned long long)cache_misses);
	pthread_mutex_unlock(&mu);
	char *sessions = kd_sessions_metrics();
	if (sessions)
		sb_printf(&b, "%s", sessions);
	free(sessions);
	char *watch = kd_watch_metrics(); /* --watch-namespaces: k8sagent_findings and friends */
	if (watch)
		sb_printf(&b, "%s", watch);
	free(watch);
	*len = b.len;
	return b.p;
}
