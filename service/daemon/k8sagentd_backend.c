/* SPDX-License-Identifier: MIT */
/* k8sagentd backend handles: a pool of agents (an agent runs one call at a time, so each
 * request borrows one; keeping them warm keeps their connections), plus one Kubernetes client
 * and one LLM settings handle for the health probes, the namespace list and the model list. */
#include "k8sagentd.h"

#include <k8sagent/kube.h>
#include <k8sagent/llm.h>
#include <k8sagent/mcp.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define POOL_MAX_IDLE 32

static k8sa_kubeconfig *kcfg;          /* NULL when none could be loaded */
static char kcfg_error[K8SA_ERROR_MESSAGE_SIZE];
static k8sa_llm *llm;                  /* probes and /models (thread-safe once configured) */

static pthread_mutex_t pool_mu = PTHREAD_MUTEX_INITIALIZER;
static k8sa_agent *pool[POOL_MAX_IDLE];
static int pool_n;

static pthread_mutex_t kube_mu = PTHREAD_MUTEX_INITIALIZER;
static k8sa_kube *kube;                /* one thread at a time: kube_mu */

typedef struct probe {
	pthread_mutex_t mu;
	double at;
	int ok;
	char why[256];
} probe;
static probe kube_probe = {PTHREAD_MUTEX_INITIALIZER, -1e9, 0, ""};
static probe llm_probe = {PTHREAD_MUTEX_INITIALIZER, -1e9, 0, ""};

/* libcurl's global init (k8sa_global_init()) initialises OpenSSL: about 2 MB of resident pages
 * that a service nobody has asked anything yet does not need. It runs once, before the first
 * request that talks to the Kubernetes API or the model server: every such path goes through
 * net_ready() first, so no thread uses libcurl before or during it (its contract). Start-up
 * only builds handles (no libcurl call needs the init there: the Kubernetes client makes its
 * connection pool on first use). */
static pthread_once_t net_once = PTHREAD_ONCE_INIT;
static int net_ok;

static void net_init(void)
{
	net_ok = k8sa_global_init() == K8SA_OK;
	if (!net_ok)
		kd_log(KD_LOG_ERROR, "libcurl initialisation failed");
}

static int net_ready(k8sa_error *err)
{
	pthread_once(&net_once, net_init);
	if (!net_ok && err) {
		err->code = K8SA_E_INTERNAL;
		snprintf(err->message, sizeof err->message, "libcurl initialisation failed");
	}
	return net_ok;
}

static k8sa_agent *agent_new(k8sa_error *err);

int kd_backend_init(void)
{
	k8sa_error err = {0};
	if (k8sa_kubeconfig_load_default(&kcfg, kd_cfg.kubeconfig, kd_cfg.context, &err) != K8SA_OK) {
		kcfg = NULL;
		snprintf(kcfg_error, sizeof kcfg_error, "%s", err.message);
		if (kd_cfg.kubeconfig || kd_cfg.context) {
			/* An explicit configuration that does not load is a start-up error: say which
			 * file and field (the library's message names both), never exit silently. */
			kd_log(KD_LOG_ERROR, "cannot start: %s%s%s", err.message,
			       kd_cfg.context && !strstr(err.message, kd_cfg.context) ? "; --context " : "",
			       kd_cfg.context && !strstr(err.message, kd_cfg.context) ? kd_cfg.context : "");
			return -1;
		}
		kd_log(KD_LOG_WARN, "no Kubernetes configuration: %s (diagnose is unavailable)", err.message);
	} else {
		kd_log(KD_LOG_INFO, "Kubernetes API %s (from %s, namespace %s)",
		       k8sa_kubeconfig_server(kcfg) ? k8sa_kubeconfig_server(kcfg) : "?",
		       k8sa_kubeconfig_source(kcfg), k8sa_kubeconfig_namespace(kcfg));
		if (k8sa_kube_new(&kube, kcfg, &err) != K8SA_OK) {
			kd_log(KD_LOG_ERROR, "cannot start: Kubernetes client: %s", err.message);
			return -1;
		}
		k8sa_kube_set_timeout_ms(kube, 2000, 5000);
	}

	if (k8sa_llm_new(&llm, &err) != K8SA_OK ||
	    k8sa_llm_set_url(llm, kd_cfg.llm_url, &err) != K8SA_OK ||
	    k8sa_llm_set_backend_name(llm, kd_cfg.backend, &err) != K8SA_OK ||
	    (kd_cfg.model && k8sa_llm_set_model(llm, kd_cfg.model, &err) != K8SA_OK) ||
	    (kd_cfg.api_key && k8sa_llm_set_api_key(llm, kd_cfg.api_key, &err) != K8SA_OK) ||
	    (kd_cfg.llm_proxy && k8sa_llm_set_proxy(llm, kd_cfg.llm_proxy, &err) != K8SA_OK)) {
		kd_log(KD_LOG_ERROR, "cannot start: LLM settings (--llm-url, --backend, --model, --llm-proxy): %s",
		       err.message);
		return -1;
	}
	k8sa_llm_set_timeouts_ms(llm, 2000, 5000, 5000);
	k8sa_llm_set_retries(llm, 0, 0);
	/* The normalised URL (a bare host:port gains http://) is what the agents get too. */
	free(kd_cfg.llm_url);
	kd_cfg.llm_url = strdup(k8sa_llm_url(llm));
	if (!kd_cfg.model)
		kd_cfg.model = strdup(k8sa_llm_model(llm));

	/* One agent now: a bad prompt directory or backend fails at start, not per request. */
	k8sa_agent *a = agent_new(&err);
	if (!a) {
		kd_log(KD_LOG_ERROR, "cannot start: %s", err.message);
		return -1;
	}
	kd_agent_release(a);
	return 0;
}

static void warm_join(void);

void kd_backend_cleanup(void)
{
	warm_join();
	for (int i = 0; i < pool_n; i++)
		k8sa_agent_free(pool[i]);
	pool_n = 0;
	k8sa_kube_free(kube);
	kube = NULL;
	k8sa_llm_free(llm);
	llm = NULL;
	k8sa_kubeconfig_free(kcfg);
	kcfg = NULL;
	if (net_ok)
		k8sa_global_cleanup();
	net_ok = 0;
}

int kd_have_kubeconfig(const char **why)
{
	if (why)
		*why = kcfg_error;
	return kcfg != NULL;
}

const char *kd_default_namespace(void)
{
	if (kd_cfg.default_ns)
		return kd_cfg.default_ns;
	return kcfg ? k8sa_kubeconfig_namespace(kcfg) : "default";
}

static k8sa_agent *agent_new(k8sa_error *err)
{
	k8sa_agent *a = NULL;
	if (k8sa_agent_new(&a, err) != K8SA_OK)
		return NULL;
	/* The shared options (checked at start), then what the daemon resolved itself: the LLM URL
	 * (with the in-cluster default) and the API key from the environment. */
	if ((kcfg && k8sa_agent_set_kubeconfig(a, kcfg, err) != K8SA_OK) ||
	    svc_options_apply(&kd_cfg.opts, a, NULL, err) != K8SA_OK ||
	    k8sa_agent_set_llm_url(a, kd_cfg.llm_url, err) != K8SA_OK ||
	    (kd_cfg.api_key && k8sa_agent_set_api_key(a, kd_cfg.api_key, err) != K8SA_OK)) {
		k8sa_agent_free(a);
		return NULL;
	}
	return a;
}

k8sa_agent *kd_agent_acquire(k8sa_error *err)
{
	if (!net_ready(err))
		return NULL;
	pthread_mutex_lock(&pool_mu);
	k8sa_agent *a = pool_n > 0 ? pool[--pool_n] : NULL;
	pthread_mutex_unlock(&pool_mu);
	return a ? a : agent_new(err);
}

void kd_agent_release(k8sa_agent *a)
{
	if (!a)
		return;
	pthread_mutex_lock(&pool_mu);
	if (pool_n < POOL_MAX_IDLE) {
		pool[pool_n++] = a;
		a = NULL;
	}
	pthread_mutex_unlock(&pool_mu);
	k8sa_agent_free(a);
}

/* Probes are cached for a second: a burst of /readyz must not turn into a burst of requests
 * against the API server and the model server. */
static int run_probe(probe *p, int (*fn)(char *, size_t), char *why, size_t whylen)
{
	pthread_mutex_lock(&p->mu);
	double now = kd_now();
	if (now - p->at > 1.0) {
		p->ok = fn(p->why, sizeof p->why);
		p->at = kd_now();
	}
	int ok = p->ok;
	if (why && whylen)
		snprintf(why, whylen, "%s", p->ok ? "" : p->why);
	pthread_mutex_unlock(&p->mu);
	return ok;
}

/* Label Kubernetes API errors by HTTP status when there was one, else by the failure kind. */
static void kube_error_metric(k8sa_status st, const k8sa_error *err)
{
	char code[16];
	snprintf(code, sizeof code, "%d", err->http_status);
	kd_metrics_kube_error(err->http_status ? code : k8sa_strerror(st));
}

/* Once the API answers (the first good /readyz), one pooled agent takes a snapshot of the
 * default namespace in the background: its connections to the API server (TLS handshakes
 * included) and the library's first-use set-up are then paid before the first /diagnose or
 * /api/findings, which finds them warm. Skipped when the allowlist excludes that namespace. */
static pthread_once_t warm_once = PTHREAD_ONCE_INIT;

static void *warm_agent(void *unused)
{
	(void)unused;
	const char *ns = kd_default_namespace();
	if (!kd_namespace_allowed(ns))
		return NULL;
	k8sa_error err = {0};
	double t0 = kd_now();
	k8sa_agent *a = kd_agent_acquire(&err);
	if (!a)
		return NULL;
	k8sa_snapshot *snap = NULL;
	k8sa_status st = k8sa_agent_snapshot(a, ns, &snap, &err);
	k8sa_snapshot_free(snap);
	kd_agent_release(a);
	kd_log(KD_LOG_DEBUG, "warm-up snapshot of namespace %s: %s in %.0f ms", ns, st == K8SA_OK ? "ok" : err.message,
	       (kd_now() - t0) * 1000.0);
	return NULL;
}

static pthread_t warm_thread;
static int warm_started;

static void warm_start(void)
{
	if (pthread_create(&warm_thread, NULL, warm_agent, NULL) == 0)
		warm_started = 1;
	else
		kd_log(KD_LOG_DEBUG, "warm-up thread not started");
}

static void warm_join(void)
{
	/* under the probe's lock: warm_start() runs there, so this sees it whole */
	pthread_mutex_lock(&kube_probe.mu);
	if (warm_started)
		pthread_join(warm_thread, NULL);
	warm_started = 0;
	pthread_mutex_unlock(&kube_probe.mu);
}

static int kube_check(char *why, size_t whylen)
{
	if (!kcfg) {
		snprintf(why, whylen, "no Kubernetes configuration: %.400s", kcfg_error);
		return 0;
	}
	k8sa_error err = {0};
	char *v = NULL;
	if (!net_ready(&err)) {
		snprintf(why, whylen, "%s", err.message);
		return 0;
	}
	pthread_mutex_lock(&kube_mu);
	k8sa_status st = k8sa_kube_server_version(kube, &v, &err);
	pthread_mutex_unlock(&kube_mu);
	k8sa_free(v);
	if (st != K8SA_OK) {
		snprintf(why, whylen, "%s", err.message);
		kube_error_metric(st, &err);
		return 0;
	}
	pthread_once(&warm_once, warm_start);
	return 1;
}

static int llm_check(char *why, size_t whylen)
{
	k8sa_error err = {0};
	if (!net_ready(&err) || k8sa_llm_check_model(llm, &err) != K8SA_OK) {
		snprintf(why, whylen, "%s", err.message);
		return 0;
	}
	return 1;
}

int kd_probe_last(int is_llm)
{
	probe *p = is_llm ? &llm_probe : &kube_probe;
	pthread_mutex_lock(&p->mu);
	int v = p->at < 0 ? -1 : p->ok;
	pthread_mutex_unlock(&p->mu);
	return v;
}

int kd_probe_kube(char *why, size_t whylen) { return run_probe(&kube_probe, kube_check, why, whylen); }
int kd_probe_llm(char *why, size_t whylen) { return run_probe(&llm_probe, llm_check, why, whylen); }

char *kd_namespaces_json(k8sa_error *err)
{
	if (!kcfg) {
		snprintf(err->message, sizeof err->message, "no Kubernetes configuration: %.400s", kcfg_error);
		err->code = K8SA_E_CONFIG;
		return NULL;
	}
	char *items = NULL;
	if (!net_ready(err))
		return NULL;
	pthread_mutex_lock(&kube_mu);
	k8sa_status st = k8sa_kube_list_json(kube, K8SA_RES_NAMESPACES, NULL, NULL, &items, err);
	pthread_mutex_unlock(&kube_mu);
	if (st != K8SA_OK) {
		kube_error_metric(st, err);
		return NULL;
	}
	json_object *arr = json_tokener_parse(items);
	k8sa_free(items);
	json_object *names = json_object_new_array();
	for (size_t i = 0; arr && i < json_object_array_length(arr); i++) {
		json_object *it = json_object_array_get_idx(arr, i), *md, *nm;
		if (json_object_object_get_ex(it, "metadata", &md) &&
		    json_object_object_get_ex(md, "name", &nm) && json_object_is_type(nm, json_type_string))
			json_object_array_add(names, json_object_get(nm));
	}
	json_object_put(arr);
	char *out = strdup(json_object_to_json_string_ext(names, JSON_C_TO_STRING_PLAIN));
	json_object_put(names);
	return out;
}

char *kd_models_json(k8sa_error *err)
{
	char *json = NULL;
	if (!net_ready(err) || k8sa_llm_list_models(llm, &json, err) != K8SA_OK)
		return NULL;
	char *out = strdup(json);
	k8sa_free(json);
	return out;
}

/* One MCP message on a pooled agent (its client and connections stay warm between calls). */
k8sa_status kd_mcp_handle(const char *msg, size_t len, char **resp, k8sa_error *err)
{
	*resp = NULL;
	if (!kcfg) {
		snprintf(err->message, sizeof err->message, "no Kubernetes configuration: %.400s", kcfg_error);
		return err->code = K8SA_E_CONFIG;
	}
	k8sa_agent *a = kd_agent_acquire(err);
	if (!a)
		return err->code ? err->code : K8SA_E_CONFIG;
	k8sa_mcp *m = NULL;
	k8sa_status st = k8sa_mcp_new(&m, a, kd_default_namespace(), err);
	if (st == K8SA_OK)
		st = k8sa_mcp_handle(m, msg, len, resp, err);
	k8sa_mcp_free(m);
	kd_agent_release(a);
	return st;
}
