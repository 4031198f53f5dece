/* SPDX-License-Identifier: MIT */
/* k8sagentd --watch-namespaces: alerting without a question. One thread analyzes the listed
 * namespaces in turn (one snapshot at a time, no model), every --interval; /metrics exports
 * the last findings as k8sagent_findings{namespace,code,severity,root_cause} (a count per
 * label set), and new root causes are POSTed, redacted, to --webhook-url as Slack-compatible
 * JSON {"text": ...}, at most --webhook-max-per-hour times an hour. */
#include "k8sagentd.h"

#include <curl/curl.h>
#include <errno.h>
#include <json-c/json.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define KW_MAX_LINES 10     /* root causes listed in one message; the rest are counted */
#define KW_MAX_TEXT 3500    /* characters of a message (Slack truncates near 4000) */

typedef struct kw_count {
	char *code, *severity;
	int root_cause;
	unsigned long n;
} kw_count;

typedef struct kw_ns {
	char *name;
	kw_count *counts;
	size_t ncounts;
	char **roots;       /* keys of the root causes of the last good round */
	size_t nroots;
	int up;             /* last round succeeded */
	double last_ok;     /* wall-clock seconds of the last good round */
	unsigned long long errors;
} kw_ns;

static struct {
	char **names;
	kw_ns *ns;
	size_t nns;
	double interval;
	char *webhook;
	int max_per_hour;
	pthread_t thread;
	int running, stop;
	pthread_mutex_t mu;  /* guards ns[], the counters and stop */
	pthread_cond_t cond;
	unsigned long long rounds, posts_ok, posts_failed, posts_limited;
	double post_times[3600]; /* wall-clock times of the posts in the last hour (ring) */
	size_t post_head, post_n;
} kw = {.interval = 60, .max_per_hour = 20, .mu = PTHREAD_MUTEX_INITIALIZER, .cond = PTHREAD_COND_INITIALIZER};

/* ---- options ---------------------------------------------------------------------------- */

static int parse_duration(const char *v, double *out)
{
	char *end;
	errno = 0;
	double d = strtod(v, &end);
	if (errno || end == v || d <= 0)
		return -1;
	if (!strcmp(end, "") || !strcmp(end, "s"))
		;
	else if (!strcmp(end, "ms"))
		d /= 1000;
	else if (!strcmp(end, "m"))
		d *= 60;
	else if (!strcmp(end, "h"))
		d *= 3600;
	else
		return -1;
	if (d < 1 || d > 86400)
		return -1;
	*out = d;
	return 0;
}

int kd_watch_option(const char *name, const char *value)
{
	if (!strcmp(name, "watch-namespaces")) {
		size_t n = 1;
		for (const char *p = value; *p; p++)
			n += *p == ',';
		char **l = calloc(n + 1, sizeof *l), *copy = strdup(value);
		if (!l || !copy) {
			free(l);
			free(copy);
			return -1;
		}
		size_t i = 0;
		for (char *save = NULL, *t = strtok_r(copy, ", \t", &save); t; t = strtok_r(NULL, ", \t", &save)) {
			if (!k8sa_namespace_is_valid(t)) {
				fprintf(stderr, "k8sagentd: --watch-namespaces: not a valid namespace name: '%s'\n", t);
				for (size_t j = 0; j < i; j++)
					free(l[j]);
				free(l);
				free(copy);
				return -1;
			}
			l[i++] = strdup(t);
		}
		free(copy);
		if (!i) {
			free(l);
			fprintf(stderr, "k8sagentd: --watch-namespaces: no namespace given\n");
			return -1;
		}
		for (char **p = kw.names; p && *p; p++)
			free(*p);
		free(kw.names);
		kw.names = l;
		return 0;
	}
	if (!strcmp(name, "interval")) {
		if (parse_duration(value, &kw.interval)) {
			fprintf(stderr, "k8sagentd: --interval: expected a duration from 1s to 24h (60, 60s, 5m, 1h), got '%s'\n",
				value);
			return -1;
		}
		return 0;
	}
	if (!strcmp(name, "webhook-url")) {
		if (strncmp(value, "http://", 7) && strncmp(value, "https://", 8)) {
			fprintf(stderr, "k8sagentd: --webhook-url: not an http(s):// URL\n");
			return -1;
		}
		free(kw.webhook);
		kw.webhook = strdup(value);
		return 0;
	}
	if (!strcmp(name, "webhook-max-per-hour")) {
		char *end;
		long n = strtol(value, &end, 10);
		if (*end || end == value || n < 1 || n > 3600) {
			fprintf(stderr, "k8sagentd: --webhook-max-per-hour: expected 1 to 3600, got '%s'\n", value);
			return -1;
		}
		kw.max_per_hour = (int)n;
		return 0;
	}
	return -1;
}

/* ---- one round ------------------------------------------------------------------------- */

static const char *jstr(json_object *o, const char *key)
{
	json_object *v;
	if (!json_object_object_get_ex(o, key, &v) || json_object_is_type(v, json_type_null))
		return "";
	return json_object_get_string(v);
}

static int jroot(json_object *f)
{
	json_object *v;
	return json_object_object_get_ex(f, "root_cause", &v) && json_object_get_boolean(v);
}

static void free_counts(kw_count *c, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(c[i].code);
		free(c[i].severity);
	}
	free(c);
}

static void free_strs(char **s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(s[i]);
	free(s);
}

static char *finding_key(json_object *f)
{
	char *k = NULL;
	if (asprintf(&k, "%s|%s|%s|%s|%s", jstr(f, "code"), jstr(f, "kind"), jstr(f, "namespace"), jstr(f, "name"),
		     jstr(f, "container")) < 0)
		return NULL;
	return k;
}

/* A Slack-style text buffer that stops growing at KW_MAX_TEXT. */
typedef struct tbuf {
	char p[KW_MAX_TEXT + 64];
	size_t len;
} tbuf;

static void tb_add(tbuf *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void tb_add(tbuf *t, const char *fmt, ...)
{
	if (t->len >= KW_MAX_TEXT)
		return;
	va_list ap;
	va_start(ap, fmt);
	int w = vsnprintf(t->p + t->len, KW_MAX_TEXT - t->len, fmt, ap);
	va_end(ap);
	if (w > 0)
		t->len += (size_t)w < KW_MAX_TEXT - t->len ? (size_t)w : KW_MAX_TEXT - t->len - 1;
}

static size_t discard(char *ptr, size_t size, size_t nmemb, void *ud)
{
	(void)ptr;
	(void)ud;
	return size * nmemb;
}

/* Rate limit: 1 when a post is allowed now (and records it). Called with kw.mu held. */
static int post_allowed(double now)
{
	while (kw.post_n && now - kw.post_times[kw.post_head] >= 3600) {
		kw.post_head = (kw.post_head + 1) % (sizeof kw.post_times / sizeof kw.post_times[0]);
		kw.post_n--;
	}
	if ((int)kw.post_n >= kw.max_per_hour)
		return 0;
	size_t cap = sizeof kw.post_times / sizeof kw.post_times[0];
	kw.post_times[(kw.post_head + kw.post_n) % cap] = now;
	kw.post_n++;
	return 1;
}

static void webhook_post(const char *text)
{
	char *red = NULL; /* findings quote logs and events: scrub before leaving */
	k8sa_redact_str(text, &red, NULL);
	json_object *o = json_object_new_object();
	if (!red || !o) {
		k8sa_free(red);
		json_object_put(o);
		return;
	}
	json_object_object_add(o, "text", json_object_new_string(red));
	k8sa_free(red);
	const char *body = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
	CURL *e = curl_easy_init();
	struct curl_slist *h = curl_slist_append(NULL, "Content-Type: application/json");
	long code = 0;
	CURLcode rc = CURLE_OUT_OF_MEMORY;
	if (e && h) {
		curl_easy_setopt(e, CURLOPT_URL, kw.webhook);
		curl_easy_setopt(e, CURLOPT_HTTPHEADER, h);
		curl_easy_setopt(e, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
		curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
		curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, 5000L);
		curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, 10000L);
		curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, discard);
#if LIBCURL_VERSION_NUM >= 0x075500
		curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
#else
		curl_easy_setopt(e, CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
		rc = curl_easy_perform(e);
		curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &code);
	}
	int ok = rc == CURLE_OK && code >= 200 && code < 300;
	pthread_mutex_lock(&kw.mu);
	if (ok)
		kw.posts_ok++;
	else
		kw.posts_failed++;
	pthread_mutex_unlock(&kw.mu);
	if (!ok)
		kd_log(KD_LOG_WARN, "webhook: POST failed: %s", rc != CURLE_OK ? curl_easy_strerror(rc) : "HTTP error");
	else
		kd_log(KD_LOG_INFO, "webhook: posted new root causes (HTTP %ld)", code);
	curl_slist_free_all(h);
	if (e)
		curl_easy_cleanup(e);
	json_object_put(o);
}

/* Analyze one namespace; update its metrics and add its new root causes to `msg`. Returns
 * the number of new root causes. */
static int analyze_ns(kw_ns *ns, tbuf *msg, int *listed)
{
	k8sa_error err = {0};
	k8sa_agent *agent = kd_agent_acquire(&err);
	k8sa_answer *a = NULL;
	k8sa_status st = agent ? k8sa_agent_diagnose(agent, ns->name, NULL, 0, &a, &err) : K8SA_E_INTERNAL;
	kd_agent_release(agent);
	json_object *doc = st == K8SA_OK ? json_tokener_parse(k8sa_answer_findings_json(a)) : NULL, *list = NULL;
	k8sa_answer_free(a);
	if (!doc || !json_object_object_get_ex(doc, "findings", &list) || !json_object_is_type(list, json_type_array)) {
		kd_log(KD_LOG_WARN, "watch: namespace %s: %s", ns->name, st != K8SA_OK ? err.message : "no findings");
		json_object_put(doc);
		pthread_mutex_lock(&kw.mu);
		ns->up = 0;
		ns->errors++;
		pthread_mutex_unlock(&kw.mu);
		return 0;
	}
	size_t n = json_object_array_length(list);
	kw_count *counts = calloc(n ? n : 1, sizeof *counts);
	char **roots = calloc(n ? n : 1, sizeof *roots);
	size_t nc = 0, nr = 0;
	int fresh = 0;
	for (size_t i = 0; counts && roots && i < n; i++) {
		json_object *f = json_object_array_get_idx(list, i);
		const char *code = jstr(f, "code"), *sev = jstr(f, "severity");
		int root = jroot(f);
		size_t j = 0;
		while (j < nc && (strcmp(counts[j].code, code) || strcmp(counts[j].severity, sev) ||
				  counts[j].root_cause != root))
			j++;
		if (j == nc) {
			counts[nc].code = strdup(code);
			counts[nc].severity = strdup(sev);
			counts[nc].root_cause = root;
			nc++;
		}
		counts[j].n++;
		if (!root)
			continue;
		char *key = finding_key(f);
		if (!key)
			continue;
		roots[nr++] = key;
		int seen = 0;
		for (size_t k = 0; k < ns->nroots && !seen; k++)
			seen = !strcmp(ns->roots[k], key);
		if (seen)
			continue;
		fresh++;
		if ((*listed)++ < KW_MAX_LINES) {
			const char *container = jstr(f, "container");
			tb_add(msg, "\n• [%s] %s: %s %s/%s%s%s%s — %s", sev, code, jstr(f, "kind"), jstr(f, "namespace"),
			       jstr(f, "name"), container[0] ? " (container " : "", container, container[0] ? ")" : "",
			       jstr(f, "summary"));
		}
	}
	json_object_put(doc);
	pthread_mutex_lock(&kw.mu);
	free_counts(ns->counts, ns->ncounts);
	free_strs(ns->roots, ns->nroots);
	ns->counts = counts;
	ns->ncounts = counts ? nc : 0;
	ns->roots = roots;
	ns->nroots = roots ? nr : 0;
	ns->up = 1;
	ns->last_ok = (double)time(NULL);
	pthread_mutex_unlock(&kw.mu);
	return fresh;
}

static void *watch_main(void *arg)
{
	(void)arg;
	for (;;) {
		tbuf msg = {.len = 0};
		int fresh = 0, listed = 0;
		for (size_t i = 0; i < kw.nns; i++) {
			pthread_mutex_lock(&kw.mu);
			int stop = kw.stop;
			pthread_mutex_unlock(&kw.mu);
			if (stop)
				return NULL;
			fresh += analyze_ns(&kw.ns[i], &msg, &listed);
		}
		pthread_mutex_lock(&kw.mu);
		kw.rounds++;
		int allowed = fresh && kw.webhook && post_allowed((double)time(NULL));
		if (fresh && kw.webhook && !allowed)
			kw.posts_limited++;
		pthread_mutex_unlock(&kw.mu);
		if (fresh && kw.webhook && !allowed)
			kd_log(KD_LOG_WARN, "webhook: %d new root cause(s) not posted: more than %d posts this hour", fresh,
			       kw.max_per_hour);
		if (allowed) {
			char head[160];
			snprintf(head, sizeof head, "k8sagent: %d new root cause%s", fresh, fresh == 1 ? "" : "s");
			tbuf text = {.len = 0};
			tb_add(&text, "%s%s", head, msg.p);
			if (listed > KW_MAX_LINES)
				tb_add(&text, "\n… and %d more", listed - KW_MAX_LINES);
			webhook_post(text.p);
		}
		/* Sleep until the next round, or until asked to stop. */
		struct timespec until;
		clock_gettime(CLOCK_REALTIME, &until);
		long long ns_total = (long long)until.tv_nsec + (long long)((kw.interval - (long long)kw.interval) * 1e9);
		until.tv_sec += (time_t)kw.interval + (time_t)(ns_total / 1000000000LL);
		until.tv_nsec = (long)(ns_total % 1000000000LL);
		pthread_mutex_lock(&kw.mu);
		while (!kw.stop && pthread_cond_timedwait(&kw.cond, &kw.mu, &until) == 0)
			;
		int stop = kw.stop;
		pthread_mutex_unlock(&kw.mu);
		if (stop)
			return NULL;
	}
}

int kd_watch_start(void)
{
	if (!kw.names)
		return 0;
	/* The webhook URL is a credential (Slack's carries its token): the environment keeps it
	 * out of the command line and the pod's args. */
	const char *env = getenv("K8SA_WEBHOOK_URL");
	if (!kw.webhook && env && *env && kd_watch_option("webhook-url", env)) {
		fprintf(stderr, "k8sagentd: (from K8SA_WEBHOOK_URL)\n");
		return -1;
	}
	size_t n = 0;
	while (kw.names[n])
		n++;
	if (!(kw.ns = calloc(n, sizeof *kw.ns)))
		return -1;
	kw.nns = n;
	for (size_t i = 0; i < n; i++)
		kw.ns[i].name = kw.names[i];
	pthread_mutex_lock(&kw.mu); /* /metrics may be asked already */
	int started = pthread_create(&kw.thread, NULL, watch_main, NULL) == 0;
	kw.running = started;
	pthread_mutex_unlock(&kw.mu);
	if (!started) {
		kd_log(KD_LOG_ERROR, "watch: cannot start its thread");
		return -1;
	}
	kd_log(KD_LOG_INFO, "watching %zu namespace(s) every %g s%s", n, kw.interval,
	       kw.webhook ? ", new root causes to the webhook" : "");
	return 0;
}

void kd_watch_stop(void)
{
	pthread_mutex_lock(&kw.mu);
	int running = kw.running;
	kw.stop = 1;
	kw.running = 0;
	pthread_cond_signal(&kw.cond);
	pthread_mutex_unlock(&kw.mu);
	if (running)
		pthread_join(kw.thread, NULL);
	for (size_t i = 0; i < kw.nns; i++) {
		free_counts(kw.ns[i].counts, kw.ns[i].ncounts);
		free_strs(kw.ns[i].roots, kw.ns[i].nroots);
	}
	free(kw.ns);
	kw.ns = NULL;
	kw.nns = 0;
	for (char **p = kw.names; p && *p; p++)
		free(*p);
	free(kw.names);
	kw.names = NULL;
	free(kw.webhook);
	kw.webhook = NULL;
}

/* ---- metrics ---------------------------------------------------------------------------- */

typedef struct mbuf {
	char *p;
	size_t len, cap;
	int oom;
} mbuf;

static void mb_add(mbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void mb_add(mbuf *b, const char *fmt, ...)
{
	va_list ap;
	for (int pass = 0; pass < 2 && !b->oom; pass++) {
		va_start(ap, fmt);
		int w = vsnprintf(b->p ? b->p + b->len : NULL, b->p ? b->cap - b->len : 0, fmt, ap);
		va_end(ap);
		if (w < 0) {
			b->oom = 1;
			return;
		}
		if (b->p && (size_t)w < b->cap - b->len) {
			b->len += (size_t)w;
			return;
		}
		size_t cap = b->cap ? b->cap : 1024;
		while (cap - b->len <= (size_t)w)
			cap *= 2;
		char *np = realloc(b->p, cap);
		if (!np) {
			b->oom = 1;
			return;
		}
		b->p = np;
		b->cap = cap;
	}
}

/* A label value with \, " and newline escaped, as the exposition format wants. */
static void mb_label(mbuf *b, const char *s)
{
	for (; *s; s++) {
		if (*s == '\\' || *s == '"')
			mb_add(b, "\\%c", *s);
		else if (*s == '\n')
			mb_add(b, "\\n");
		else
			mb_add(b, "%c", *s);
	}
}

char *kd_watch_metrics(void)
{
	mbuf b = {0};
	pthread_mutex_lock(&kw.mu);
	if (!kw.running) {
		pthread_mutex_unlock(&kw.mu);
		return NULL;
	}
	mb_add(&b, "# HELP k8sagent_findings Findings of the last good analysis of each watched namespace, by code, "
		   "severity and whether they are a root cause.\n"
		   "# TYPE k8sagent_findings gauge\n");
	for (size_t i = 0; i < kw.nns; i++)
		for (size_t j = 0; j < kw.ns[i].ncounts; j++) {
			kw_count *c = &kw.ns[i].counts[j];
			mb_add(&b, "k8sagent_findings{namespace=\"");
			mb_label(&b, kw.ns[i].name);
			mb_add(&b, "\",code=\"");
			mb_label(&b, c->code);
			mb_add(&b, "\",severity=\"");
			mb_label(&b, c->severity);
			mb_add(&b, "\",root_cause=\"%s\"} %lu\n", c->root_cause ? "true" : "false", c->n);
		}
	/* One sample per watched namespace for each of these families. */
	static const struct {
		const char *name, *type, *help;
	} per_ns[] = {
		{"k8sagent_watch_up", "gauge", "Whether the last analysis of a watched namespace succeeded."},
		{"k8sagent_watch_last_success_timestamp_seconds", "gauge", "When a watched namespace was last analyzed."},
		{"k8sagent_watch_errors_total", "counter", "Analyses of a watched namespace that failed."},
	};
	for (size_t f = 0; f < sizeof per_ns / sizeof *per_ns; f++) {
		mb_add(&b, "# HELP %s %s\n# TYPE %s %s\n", per_ns[f].name, per_ns[f].help, per_ns[f].name, per_ns[f].type);
		for (size_t i = 0; i < kw.nns; i++) {
			double v = f == 0 ? kw.ns[i].up : f == 1 ? kw.ns[i].last_ok : (double)kw.ns[i].errors;
			mb_add(&b, "%s{namespace=\"", per_ns[f].name);
			mb_label(&b, kw.ns[i].name);
			mb_add(&b, "\"} %.0f\n", v);
		}
	}
	mb_add(&b, "# HELP k8sagent_watch_rounds_total Rounds over every watched namespace.\n"
		   "# TYPE k8sagent_watch_rounds_total counter\n"
		   "k8sagent_watch_rounds_total %llu\n", kw.rounds);
	if (kw.webhook)
		mb_add(&b, "# HELP k8sagent_webhook_posts_total Webhook messages about new root causes, by result.\n"
			   "# TYPE k8sagent_webhook_posts_total counter\n"
			   "k8sagent_webhook_posts_total{result=\"ok\"} %llu\n"
			   "k8sagent_webhook_posts_total{result=\"failed\"} %llu\n"
			   "k8sagent_webhook_posts_total{result=\"rate_limited\"} %llu\n",
		       kw.posts_ok, kw.posts_failed, kw.posts_limited);
	pthread_mutex_unlock(&kw.mu);
	if (b.oom) {
		free(b.p);
		return NULL;
	}
	return b.p;
}
