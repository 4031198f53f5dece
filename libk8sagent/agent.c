/* SPDX-License-Identifier: MIT */
/* The agent loops. ask: question -> prompt -> model. diagnose: snapshot -> findings ->
 * redacted, budgeted prompt -> model. Blocking calls are the streaming ones drained, so
 * there is one code path to test. */
#include "internal.h"
#include "agent_internal.h"
#include "defaults.h"
#include "tbuf.h"

#include <k8sagent/kube.h>
#include <k8sagent/llm.h>
#include <k8sagent/verify.h>

#include <json-c/json.h>
#include <sys/stat.h>
#include <stdlib.h>
#include <string.h>
#include <stdatomic.h>
#include <time.h>

struct k8sa_agent {
	k8sa_kube *kube;          /* made on first use, so an agent without a cluster can ask */
	k8sa_llm *llm;
	char *prompt_dir;
	int context_tokens, answer_tokens;
	double timeout_s;
	double kube_timeout_s;    /* 0: the client's defaults */
	k8sa_snapshot_opts *snap_opts;
	char *scenario_dir;       /* read snapshots from here instead of the API (offline) */
};

struct k8sa_answer {
	int diagnose;
	char *ns, *question;
	k8sa_tbuf text;
	int has_text;
	char *model;
	k8sa_status llm_status;
	char *llm_error;
	char *findings_json, *findings_text, *context, *messages_json, *prompt_text, *dropped_json, *gaps_json;
	char *prompt_version;
	char *request_json;       /* the exact body sent to the model server (cache keys) */
	char *timings_json;
	int problems;
	double snapshot_ms, analyze_ms, prompt_ms;
	size_t prompt_tokens_est, num_ctx;
	/* from the model */
	double first_token_ms, llm_total_ms;
	long prompt_tokens, answer_tokens;
	int llm_called;
	/* diagnose: names seen in the snapshot, to check the answer against */
	k8sa_verifier *verifier;
	char *verification_json;
};

struct k8sa_answer_stream {
	k8sa_answer *ans;
	k8sa_llm_stream *llm;         /* NULL when the model was never started */
	/* The request is prepared at once (its exact body is known: a cache can be checked)
	 * but sent on the first k8sa_answer_stream_next(), so a caller that answers from a cache
	 * and frees the stream never costs the model a request. */
	k8sa_agent *agent;
	k8sa_messages *pending;
	atomic_int cancel_req;        /* k8sa_answer_stream_cancel() from any thread */
	atomic_int launched;          /* llm is set: a canceller may use it */
	int over;
	k8sa_status end_status;
	k8sa_error end_err;
	double started_ms;
};

/* ---- agent ---------------------------------------------------------------------------- */

K8SA_EXPORT k8sa_status k8sa_agent_new(k8sa_agent **out, k8sa_error *err)
{
	k8sa_status st;
	if (!out)
		return k8sa_fail(err, K8SA_E_INVALID_ARG, "k8sa_agent_new: out is NULL");
	*out = NULL;
	k8sa_agent *a = calloc(1, sizeof(*a));
	if (!a)
		return k8sa_fail(err, K8SA_E_NOMEM, "out of memory");
	a->context_tokens = K8SA_DEFAULT_CONTEXT_TOKENS;
	a->answer_tokens = K8SA_DEFAULT_ANSWER_TOKENS;
	a->timeout_s = K8SA_DEFAULT_TIMEOUT_SECONDS;
	if ((st = k8sa_llm_new(&a->llm, err)) != K8SA_OK) {
		free(a);
		return st;
	}
	if ((st = k8sa_llm_set_url_from_env(a->llm, NULL, err)) != K8SA_OK) {
		k8sa_agent_free(a);
		return st;
	}
	if ((st = k8sa_snapshot_opts_new(&a->snap_opts, err)) != K8SA_OK) {
		k8sa_agent_free(a);
		return st;
	}
	*out = a;
	return K8SA_OK;
}

K8SA_EXPORT void k8sa_agent_free(k8sa_agent *a)
{
	if (!a)
		return;
	free(a->scenario_dir);
	k8sa_kube_free(a->kube);
	k8sa_llm_free(a->llm);
	k8sa_snapshot_opts_free(a->snap_opts);
	free(a->prompt_dir);
	free(a);
}

static void apply_kube_timeout(k8sa_agent *a)
{
	if (!a->kube || !(a->kube_timeout_s > 0))
		return;
	long ms = (long)(a->kube_timeout_s * 1000);
	if (ms < 1)
		ms = 1;
	k8sa_kube_set_timeout_ms(a->kube, ms < 5000 ? ms : 5000, ms);
}

K8SA_EXPORT k8sa_status k8sa_agent_set_kubeconfig(k8sa_agent *a, const k8sa_kubeconfig *cfg, k8sa_error *err)
{
	if (!a || !cfg)
		return k8sa_fail(err, K8SA_E_INVALID_ARG, "k8sa_agent_set_kubeconfig: agent or configuration is NULL");
	/* The client copies what it needs, including the default namespace. */
	k8sa_kube *kube = NULL;
	k8sa_status st = k8sa_kube_new(&kube, cfg, err);
	if (st != K8SA_OK)
		return st;
	k8sa_kube_free(a->kube);
	a->kube = kube;
	apply_kube_timeout(a);
	return K8SA_OK;
}

K8SA_EXPORT k8sa_status k8sa_agent_load_kubeconfig(k8sa_agent *a, const char *path, const char *context,
						   k8sa_error *err)
{
	k8sa_kubeconfig *cfg = NULL;
	if (!a)
		return k8sa_fail(err, K8SA_E_INVALID_ARG, "k8sa_agent_load_kubeconfig: agent is NULL");
	k8sa_status st = k8sa_kubeconfig_load_default(&cfg, path, context, err);
	if (st == K8SA_OK)
		st = k8sa_agent_set_kubeconfig(a, cfg, err);
	k8sa_kubeconfig_free(cfg);
	return st;
}

K8SA_EXPORT k8sa_status k8sa_agent_set_llm_url(k8sa_agent *a, const char *url, k8sa_error *err)
{
	if (!a)
		return k8sa_fail(err, K8SA_E_INVALID_ARG, "k8sa_agent_set_llm_url: agent is NULL");
	return k8sa_llm_set_url(a->llm, url, err);
}

K8SA_EXPORT k8sa_status k8sa_agent_set_backend(k8sa_agent *a, const char *backend, k8sa_error *err)
{
	if (!a)
		return k8sa_fail(err, K8SA_E_INVALID_ARG, "k8sa_agent_set_backend: agent is NULL");
	return k8sa_llm_set_backend_name(a->llm, backend, err);
}

K8SA_EXPORT k8sa_status k8sa_agent_set_model(k8sa_agent *a, const char *model, k8sa_error *err)
{
	if (!a)
		return k8sa_fail(err, K8SA_E_INVALID_ARG, "k8sa_agent_set_model: agent is NULL");
	return k8sa_llm_set_model(a->llm, model, err);
}

K8SA_EXPORT k8sa_status k8sa_agent_set_api_key(k8sa_agent *a, const char *key, k8sa_error *err)
{
	if (!a)
		return k8sa_fail(err, K8SA_E_INVALID_ARG, "k8sa_agent_set_api_key: agent is NULL");
	return k8sa_llm_set_api_key(a->llm, key, err);
}

K8SA_EXPORT k8sa_status k8sa_agent_set_llm_proxy(k8sa_agent *a, const char *url, k8sa_error *err)
{
	if (!a)
		return k8sa_fail(err, K8SA_E_INVALID_ARG, "k8sa_agent_set_llm_proxy: agent is NULL");
	return k8sa_llm_set_proxy(a->llm, url, err);
}

K8SA_EXPORT k8sa_status k8sa_agent_set_context_tokens(k8sa_agent *a, int tokens, k8sa_error *err)
{
	if (!a)
		return k8sa_fail(err, K8SA_E_INVALID_ARG, "k8sa_agent_set_context_tokens: agent is NULL");
	if (tokens < K8SA_MIN_CONTEXT_TOKENS || tokens > K8SA_MAX_CONTEXT_TOKENS)
		return k8sa_fail(err, K8SA_E_INVALID_ARG, "context tokens must be from %d to %d, got %d",
				 K8SA_MIN_CONTEXT_TOKENS, K8SA_MAX_CONTEXT_TOKENS, tokens);
	a->context_tokens = tokens;
	return K8SA_OK;
}

K8SA_EXPORT k8sa_status k8sa_agent_set_answer_tokens(k8sa_agent *a, int tokens, k8sa_error *err)
{
	if (!a)
		return k8sa_fail(err, K8SA_E_INVALID_ARG, "k8sa_agent_set_answer_tokens: agent is NULL");
	if (tokens < K8SA_MIN_ANSWER_TOKENS)
		return k8sa_fail(err, K8SA_E_INVALID_ARG, "answer tokens must be at least %d, got %d",
				 K8SA_MIN_ANSWER_TOKENS, tokens);
	a->answer_tokens = tokens;
	return K8SA_OK;
}

K8SA_EXPORT k8sa_status k8sa_agent_set_timeout(k8sa_agent *a, double seconds, k8sa_error *err)
{
	if (!a)
		return k8sa_fail(err, K8SA_E_INVALID_ARG, "k8sa_agent_set_timeout: agent is NULL");
	if (!(seconds > 0) || seconds > K8SA_MAX_TIMEOUT_SECONDS)
		return k8sa_fail(err, K8SA_E_INVALID_ARG, "timeout must be more than 0 and at most %d seconds, got %g",
				 K8SA_MAX_TIMEOUT_SECONDS, seconds);
	a->timeout_s = seconds;
	return K8SA_OK;
}

K8SA_EXPORT k8sa_status k8sa_agent_set_kube_timeout(k8sa_agent *a, double seconds, k8sa_error *err)
{
	if (!a)
		return k8sa_fail(err, K8SA_E_INVALID_ARG, "k8sa_agent_set_kube_timeout: agent is NULL");
	if (!(seconds > 0) || seconds > K8SA_MAX_TIMEOUT_SECONDS)
		return k8sa_fail(err, K8SA_E_INVALID_ARG,
				 "Kubernetes timeout must be more than 0 and at most %d seconds, got %g",
				 K8SA_MAX_TIMEOUT_SECONDS, seconds);
	a->kube_timeout_s = seconds;
	apply_kube_timeout(a);
	return K8SA_OK;
}

K8SA_EXPORT k8sa_status k8sa_agent_set_prompt_dir(k8sa_agent *a, const char *dir, k8sa_error *err)
{
	if (!a)
		return k8sa_fail(err, K8SA_E_INVALID_ARG, "k8sa_agent_set_prompt_dir: agent is NULL");
	if (dir) {
		/* Check now, so a bad mount is reported at start-up and not on the first question. */
		k8sa_prompt *p = NULL;
		k8sa_status st = k8sa_prompt_new(&p, K8SA_PROMPT_DIAGNOSE, err);
		if (st != K8SA_OK)
			return st;
		st = k8sa_prompt_load_dir(p, dir, err);
		k8sa_prompt_free(p);
		if (st != K8SA_OK)
			return st;
	}
	char *copy = k8sa_strdup0(dir);
	if (dir && !copy)
		return k8sa_fail(err, K8SA_E_NOMEM, "out of memory");
	free(a->prompt_dir);
	a->prompt_dir = copy;
	return K8SA_OK;
}

K8SA_EXPORT const char *k8sa_agent_namespace(const k8sa_agent *a)
{
	if (!a)
		return "default";
	return a->kube ? k8sa_kube_namespace(a->kube) : "default";
}

K8SA_EXPORT int k8sa_namespace_is_valid(const char *ns)
{
	/* DNS-1123 label: 1-63 of [a-z0-9-], starting and ending alphanumeric. */
	if (!ns || !*ns)
		return 0;
	size_t n = strlen(ns);
	if (n > 63)
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = ns[i];
		int alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
		if (!alnum && !(c == '-' && i > 0 && i < n - 1))
			return 0;
	}
	return 1;
}

/* ---- answers -------------------------------------------------------------------------- */

K8SA_EXPORT void k8sa_answer_free(k8sa_answer *x)
{
	if (!x)
		return;
	free(x->ns);
	free(x->question);
	k8sa_tbuf_release(&x->text);
	free(x->model);
	free(x->llm_error);
	free(x->findings_json);
	free(x->findings_text);
	free(x->context);
	free(x->messages_json);
	free(x->prompt_text);
	free(x->dropped_json);
	free(x->gaps_json);
	free(x->prompt_version);
	free(x->request_json);
	free(x->timings_json);
	k8sa_verifier_free(x->verifier);
	free(x->verification_json);
	free(x);
}

static k8sa_status answer_append(k8sa_answer *x, const char *s, size_t n)
{
	k8sa_tbuf_put(&x->text, s, n);
	if (x->text.oom)
		return K8SA_E_NOMEM;
	x->has_text = 1;
	return K8SA_OK;
}

K8SA_EXPORT const char *k8sa_answer_text(const k8sa_answer *x)
{
	return x && x->has_text ? (x->text.p ? x->text.p : "") : NULL;
}

K8SA_EXPORT const char *k8sa_answer_model(const k8sa_answer *x) { return x ? x->model : NULL; }
K8SA_EXPORT k8sa_status k8sa_answer_llm_status(const k8sa_answer *x) { return x ? x->llm_status : K8SA_E_INVALID_ARG; }
K8SA_EXPORT const char *k8sa_answer_llm_error(const k8sa_answer *x) { return x ? x->llm_error : NULL; }
K8SA_EXPORT const char *k8sa_answer_findings_json(const k8sa_answer *x) { return x ? x->findings_json : NULL; }
K8SA_EXPORT const char *k8sa_answer_findings_text(const k8sa_answer *x) { return x ? x->findings_text : NULL; }
K8SA_EXPORT const char *k8sa_answer_context(const k8sa_answer *x) { return x ? x->context : NULL; }
K8SA_EXPORT const char *k8sa_answer_messages_json(const k8sa_answer *x) { return x ? x->messages_json : NULL; }
K8SA_EXPORT const char *k8sa_answer_request_json(const k8sa_answer *x) { return x ? x->request_json : NULL; }
K8SA_EXPORT const char *k8sa_answer_prompt_text(const k8sa_answer *x) { return x ? x->prompt_text : NULL; }
K8SA_EXPORT const char *k8sa_answer_dropped_json(const k8sa_answer *x) { return x ? x->dropped_json : NULL; }
K8SA_EXPORT const char *k8sa_answer_gaps_json(const k8sa_answer *x) { return x ? x->gaps_json : NULL; }
K8SA_EXPORT int k8sa_answer_problem_count(const k8sa_answer *x) { return x ? x->problems : 0; }
K8SA_EXPORT const char *k8sa_answer_verification_json(const k8sa_answer *x) { return x ? x->verification_json : NULL; }

static json_object *parse_or_null(const char *s)
{
	return s ? json_tokener_parse(s) : NULL;
}

static void update_timings(k8sa_answer *x)
{
	json_object *t = json_object_new_object(), *l = json_object_new_object();
	if (!t || !l) {
		json_object_put(t);
		json_object_put(l);
		return;
	}
	if (x->diagnose) {
		json_object_object_add(t, "snapshot_ms", json_object_new_double(x->snapshot_ms));
		json_object_object_add(t, "analyze_ms", json_object_new_double(x->analyze_ms));
	}
	json_object_object_add(t, "prompt_ms", json_object_new_double(x->prompt_ms));
	json_object_object_add(t, "prompt_tokens_estimate", json_object_new_int64((int64_t)x->prompt_tokens_est));
	json_object_object_add(t, "num_ctx", json_object_new_int64((int64_t)x->num_ctx));
	if (x->llm_called) {
		json_object_object_add(l, "first_token_ms", json_object_new_double(x->first_token_ms));
		json_object_object_add(l, "total_ms", json_object_new_double(x->llm_total_ms));
		json_object_object_add(l, "prompt_tokens", json_object_new_int64(x->prompt_tokens));
		json_object_object_add(l, "answer_tokens", json_object_new_int64(x->answer_tokens));
		double gen_ms = x->llm_total_ms - x->first_token_ms;
		double tps = (x->answer_tokens > 0 && gen_ms > 0) ? x->answer_tokens / (gen_ms / 1e3) : 0;
		json_object_object_add(l, "tokens_per_second", json_object_new_double(tps));
		json_object_object_add(t, "llm", l);
	} else {
		json_object_put(l);
	}
	char *s = k8sa_strdup0(json_object_to_json_string_ext(t, JSON_C_TO_STRING_PLAIN));
	json_object_put(t);
	if (s) {
		free(x->timings_json);
		x->timings_json = s;
	}
}

K8SA_EXPORT const char *k8sa_answer_timings_json(const k8sa_answer *x)
{
	return x ? x->timings_json : NULL;
}

K8SA_EXPORT k8sa_status k8sa_answer_to_json(const k8sa_answer *x, char **out, k8sa_error *err)
{
	if (!out)
		return k8sa_fail(err, K8SA_E_INVALID_ARG, "k8sa_answer_to_json: out is NULL");
	*out = NULL;
	if (!x)
		return k8sa_fail(err, K8SA_E_INVALID_ARG, "k8sa_answer_to_json: answer is NULL");
	json_object *o = json_object_new_object();
	if (!o)
		return k8sa_fail(err, K8SA_E_NOMEM, "out of memory");
	json_object_object_add(o, "mode", json_object_new_string(x->diagnose ? "diagnose" : "ask"));
	if (x->ns)
		json_object_object_add(o, "namespace", json_object_new_string(x->ns));
	json_object_object_add(o, "question", x->question ? json_object_new_string(x->question) : NULL);
	json_object_object_add(o, "answer", x->has_text ? json_object_new_string_len(x->text.p ? x->text.p : "", (int)x->text.len) : NULL);
	json_object_object_add(o, "model", x->model ? json_object_new_string(x->model) : NULL);
	if (x->llm_status != K8SA_OK) {
		json_object_object_add(o, "llm_error", json_object_new_string(x->llm_error ? x->llm_error : k8sa_strerror(x->llm_status)));
		json_object_object_add(o, "llm_status", json_object_new_string(k8sa_strerror(x->llm_status)));
	}
	if (x->diagnose) {
		json_object *f = parse_or_null(x->findings_json), *arr = NULL, *complete = NULL;
		if (f && json_object_object_get_ex(f, "findings", &arr))
			json_object_object_add(o, "findings", json_object_get(arr));
		else
			json_object_object_add(o, "findings", json_object_new_array());
		/* false: the core lists could not be read, so no findings is not a clean bill */
		json_object_object_add(o, "complete", json_object_object_get_ex(f, "complete", &complete)
							      ? json_object_get(complete)
							      : json_object_new_boolean(1));
		json_object_put(f);
		json_object_object_add(o, "problems", json_object_new_int(x->problems));
		json_object_object_add(o, "context", json_object_new_string(x->context ? x->context : ""));
		json_object *g = parse_or_null(x->gaps_json);
		json_object_object_add(o, "gaps", g ? g : json_object_new_array());
		if (x->verification_json)
			json_object_object_add(o, "verification", parse_or_null(x->verification_json));
	}
	json_object *d = parse_or_null(x->dropped_json);
	json_object_object_add(o, "dropped", d ? d : json_object_new_array());
	if (x->prompt_version)
		json_object_object_add(o, "prompt_version", json_object_new_string(x->prompt_version));
	json_object *t = parse_or_null(x->timings_json);
	json_object_object_add(o, "timings", t ? t : json_object_new_object());
	*out = k8sa_strdup0(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
	return *out ? K8SA_OK : k8sa_fail(err, K8SA_E_NOMEM, "out of memory");
}

/* ---- preparing a call ------------------------------------------------------------------- */

static k8sa_status ensure_kube(k8sa_agent *a, k8sa_error *err)
{
	if (a->kube || a->scenario_dir)
		return K8SA_OK;
	return k8sa_agent_load_kubeconfig(a, NULL, NULL, err);
}

/* The cluster, and the namespace a call is about: NULL/"" the default, "*" all (*all set). */
static k8sa_status resolve_ns(k8sa_agent *a, const char **ns, int *all, k8sa_error *err)
{
	k8sa_status st;
	*all = 0;
	if ((st = ensure_kube(a, err)) != K8SA_OK)
		return st;
	if (!*ns || !**ns)
		*ns = k8sa_agent_namespace(a);
	if (strcmp(*ns, "*") == 0)
		*all = 1;
	else if (!k8sa_namespace_is_valid(*ns))
		return k8sa_fail(err, K8SA_E_INVALID_ARG,
				 "invalid namespace name '%.64s' (must be a DNS-1123 label: lowercase letters, digits and '-', at most 63)",
				 *ns);
	return K8SA_OK;
}

/* One snapshot: from the API, or from the scenario directory when one is set. */
static k8sa_status take_snapshot(k8sa_agent *a, const char *ns, int all, k8sa_snapshot **out, k8sa_error *err)
{
	if (a->scenario_dir)
		return k8sa_snapshot_load_dir(a->scenario_dir, all ? NULL : ns, a->snap_opts, out, err);
	return k8sa_snapshot_take(a->kube, all ? NULL : ns, a->snap_opts, out, err);
}

K8SA_EXPORT k8sa_status k8sa_agent_set_scenario_dir(k8sa_agent *a, const char *dir, k8sa_error *err)
{
	if (!a)
		return k8sa_fail(err, K8SA_E_INVALID_ARG, "k8sa_agent_set_scenario_dir: agent is NULL");
	struct stat st;
	if (dir && (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)))
		return k8sa_fail(err, K8SA_E_CONFIG, "scenario %s: not a directory", dir);
	char *copy = NULL;
	if (dir && !(copy = strdup(dir)))
		return k8sa_fail(err, K8SA_E_NOMEM, "out of memory");
	free(a->scenario_dir);
	a->scenario_dir = copy;
	return K8SA_OK;
}

K8SA_EXPORT k8sa_status k8sa_agent_snapshot(k8sa_agent *a, const char *ns, k8sa_snapshot **out, k8sa_error *err)
{
	int all;
	if (!out)
		return k8sa_fail(err, K8SA_E_INVALID_ARG, "k8sa_agent_snapshot: out is NULL");
	*out = NULL;
	if (!a)
		return k8sa_fail(err, K8SA_E_INVALID_ARG, "k8sa_agent_snapshot: agent is NULL");
	k8sa_status st = resolve_ns(a, &ns, &all, err);
	if (st != K8SA_OK)
		return st;
	return take_snapshot(a, ns, all, out, err);
}

K8SA_EXPORT k8sa_status k8sa_agent_analyze(k8sa_agent *a, const char *ns, k8sa_findings **out, k8sa_error *err)
{
	k8sa_snapshot *snap = NULL;
	if (!out)
		return k8sa_fail(err, K8SA_E_INVALID_ARG, "k8sa_agent_analyze: out is NULL");
	*out = NULL;
	k8sa_status st = k8sa_agent_snapshot(a, ns, &snap, err);
	if (st == K8SA_OK)
		st = k8sa_analyze(snap, out, err);
	k8sa_snapshot_free(snap);
	return st;
}

static k8sa_status fill_from_prompt(k8sa_answer *x, k8sa_prompt *p, k8sa_error *err)
{
	k8sa_status st;
	if ((st = k8sa_prompt_messages_json(p, &x->messages_json, err)) != K8SA_OK ||
	    (st = k8sa_prompt_text(p, &x->prompt_text, err)) != K8SA_OK ||
	    (st = k8sa_prompt_dropped_json(p, &x->dropped_json, err)) != K8SA_OK ||
	    (x->diagnose && (st = k8sa_prompt_context_text(p, &x->context, err)) != K8SA_OK))
		return st;
	x->prompt_version = k8sa_strdup0(k8sa_prompt_version(p));
	if (!x->prompt_version)
		return k8sa_fail(err, K8SA_E_NOMEM, "out of memory");
	x->prompt_tokens_est = k8sa_prompt_tokens(p);
	x->num_ctx = k8sa_prompt_num_ctx(p);
	return K8SA_OK;
}

static k8sa_status new_prompt(k8sa_agent *a, k8sa_prompt_mode mode, const char *question, k8sa_prompt **out,
			      k8sa_error *err)
{
	k8sa_prompt *p = NULL;
	k8sa_status st = k8sa_prompt_new(&p, mode, err);
	if (st != K8SA_OK)
		return st;
	if ((a->prompt_dir && (st = k8sa_prompt_load_dir(p, a->prompt_dir, err)) != K8SA_OK) ||
	    (st = k8sa_prompt_set_question(p, question, err)) != K8SA_OK ||
	    (st = k8sa_prompt_set_budget(p, (size_t)a->context_tokens, (size_t)a->answer_tokens, err)) != K8SA_OK) {
		k8sa_prompt_free(p);
		return st;
	}
	*out = p;
	return K8SA_OK;
}

static k8sa_answer *answer_new(int diagnose, const char *ns, const char *question, const k8sa_agent *a)
{
	k8sa_answer *x = calloc(1, sizeof(*x));
	if (!x)
		return NULL;
	x->diagnose = diagnose;
	x->ns = k8sa_strdup0(ns);
	x->question = k8sa_strdup0(question);
	x->model = k8sa_strdup0(k8sa_llm_model(a->llm));
	if ((ns && !x->ns) || (question && !x->question)) {
		k8sa_answer_free(x);
		return NULL;
	}
	return x;
}

static k8sa_status prepare_ask(k8sa_agent *a, const char *question, k8sa_answer **out, k8sa_prompt **pout,
			       k8sa_error *err)
{
	k8sa_prompt *p = NULL;
	k8sa_status st;
	double t0 = k8sa_now_ms();

	if (!a || !question || !*question)
		return k8sa_fail(err, K8SA_E_INVALID_ARG, "a question is required");
	k8sa_answer *x = answer_new(0, NULL, question, a);
	if (!x)
		return k8sa_fail(err, K8SA_E_NOMEM, "out of memory");
	if ((st = new_prompt(a, K8SA_PROMPT_ASK, question, &p, err)) != K8SA_OK ||
	    (st = k8sa_prompt_build(p, err)) != K8SA_OK || (st = fill_from_prompt(x, p, err)) != K8SA_OK) {
		k8sa_prompt_free(p);
		k8sa_answer_free(x);
		return st;
	}
	x->prompt_ms = k8sa_now_ms() - t0;
	update_timings(x);
	*out = x;
	*pout = p;
	return K8SA_OK;
}

static const char *default_question(void)
{
	return "What is wrong in this namespace, what is the root cause, and how do I fix it?";
}

static k8sa_status prepare_diagnose(k8sa_agent *a, const char *ns, const char *question, k8sa_answer **out,
				    k8sa_prompt **pout, k8sa_error *err)
{
	k8sa_snapshot *snap = NULL;
	k8sa_findings *f = NULL;
	k8sa_prompt *p = NULL;
	k8sa_status st;
	int all;

	if (!a)
		return k8sa_fail(err, K8SA_E_INVALID_ARG, "agent is NULL");
	if ((st = resolve_ns(a, &ns, &all, err)) != K8SA_OK)
		return st;
	if (!question || !*question)
		question = default_question();
	k8sa_answer *x = answer_new(1, ns, question, a);
	if (!x)
		return k8sa_fail(err, K8SA_E_NOMEM, "out of memory");

	double t0 = k8sa_now_ms();
	st = take_snapshot(a, ns, all, &snap, err);
	double t1 = k8sa_now_ms();
	if (st == K8SA_OK)
		st = k8sa_analyze(snap, &f, err);
	double t2 = k8sa_now_ms();
	if (st == K8SA_OK)
		st = k8sa_findings_to_json(f, &x->findings_json, err);
	if (st == K8SA_OK)
		st = k8sa_findings_to_text(f, &x->findings_text, err);
	if (st == K8SA_OK)
		st = k8sa_snapshot_gaps_json(snap, &x->gaps_json, err);
	if (st == K8SA_OK && (st = k8sa_verifier_new(&x->verifier, err)) == K8SA_OK &&
	    (st = k8sa_verifier_add_snapshot(x->verifier, snap, err)) == K8SA_OK)
		st = k8sa_verifier_add_text(x->verifier, question, err);
	if (st == K8SA_OK)
		st = new_prompt(a, K8SA_PROMPT_DIAGNOSE, question, &p, err);
	if (st == K8SA_OK)
		st = k8sa_agent_add_context(p, snap, f, err);
	if (st == K8SA_OK)
		st = k8sa_prompt_build(p, err);
	if (st == K8SA_OK)
		st = fill_from_prompt(x, p, err);
	if (st == K8SA_OK) {
		x->problems = (int)k8sa_findings_problem_count(f);
		x->snapshot_ms = t1 - t0;
		x->analyze_ms = t2 - t1;
		x->prompt_ms = k8sa_now_ms() - t2;
		update_timings(x);
	}
	k8sa_findings_free(f);
	k8sa_snapshot_free(snap);
	if (st != K8SA_OK) {
		k8sa_prompt_free(p);
		k8sa_answer_free(x);
		return st;
	}
	*out = x;
	*pout = p;
	return K8SA_OK;
}

/* ---- the model ------------------------------------------------------------------------ */

/* Build the request the model will get and record its exact body; sent by launch_model(). */
static k8sa_status prepare_model(k8sa_agent *a, k8sa_answer_stream *s, k8sa_prompt *p, k8sa_error *err)
{
	k8sa_messages *msgs = NULL;
	k8sa_status st = k8sa_messages_new(&msgs, err);
	for (int i = 0; st == K8SA_OK && i < k8sa_prompt_message_count(p); i++)
		st = k8sa_messages_add(msgs, k8sa_prompt_message_role(p, i), k8sa_prompt_message_content(p, i), err);
	if (st == K8SA_OK) {
		/* The server must not silently truncate the system prompt: ask for the window the
		 * prompt plus the answer needs. */
		k8sa_llm_set_context_tokens(a->llm, (long)k8sa_prompt_num_ctx(p));
		k8sa_llm_set_max_tokens(a->llm, a->answer_tokens);
		long total = (long)(a->timeout_s * 1000);
		long connect = total < K8SA_AGENT_CONNECT_MAX_MS ? total : K8SA_AGENT_CONNECT_MAX_MS;
		k8sa_llm_set_timeouts_ms(a->llm, connect, total, total);
		free(s->ans->request_json);
		s->ans->request_json = NULL;
		st = k8sa_llm_request_json(a->llm, msgs, &s->ans->request_json, err);
	}
	if (st != K8SA_OK) {
		k8sa_messages_free(msgs);
		return st;
	}
	s->agent = a;
	s->pending = msgs;
	return K8SA_OK;
}

static k8sa_status launch_model(k8sa_answer_stream *s, k8sa_error *err)
{
	k8sa_status st = atomic_load(&s->cancel_req) ? k8sa_fail(err, K8SA_E_CANCELLED, "cancelled")
						    : k8sa_llm_chat_start(s->agent->llm, s->pending, &s->llm, err);
	k8sa_messages_free(s->pending);
	s->pending = NULL;
	if (st == K8SA_OK) {
		atomic_store(&s->launched, 1);
		if (atomic_load(&s->cancel_req)) /* cancelled while it started */
			k8sa_llm_stream_cancel(s->llm);
	}
	return st;
}

static void finish_llm(k8sa_answer_stream *s, k8sa_status st, const k8sa_error *e)
{
	k8sa_answer *x = s->ans;
	s->over = 1;
	s->end_status = st;
	if (e)
		s->end_err = *e;
	x->llm_called = 1;
	x->llm_status = st;
	if (st != K8SA_OK) {
		free(x->llm_error);
		x->llm_error = k8sa_strdup0(e && e->message[0] ? e->message : k8sa_strerror(st));
	}
	const k8sa_llm_result *r = s->llm ? k8sa_llm_stream_result(s->llm) : NULL;
	if (r) {
		const char *model = k8sa_llm_result_model(r);
		if (model && *model) {
			free(x->model);
			x->model = k8sa_strdup0(model);
		}
		x->first_token_ms = k8sa_llm_result_first_token_ms(r);
		x->llm_total_ms = k8sa_llm_result_elapsed_ms(r);
		x->prompt_tokens = k8sa_llm_result_prompt_tokens(r);
		x->answer_tokens = k8sa_llm_result_answer_tokens(r);
	} else {
		x->llm_total_ms = k8sa_now_ms() - s->started_ms;
	}
	if (x->verifier && x->has_text) {
		free(x->verification_json);
		x->verification_json = NULL;
		k8sa_verifier_check(x->verifier, x->text.p ? x->text.p : "", &x->verification_json, NULL);
	}
	update_timings(x);
}

static k8sa_status stream_new(k8sa_agent *a, k8sa_answer *x, k8sa_prompt *p, k8sa_answer_stream **out,
			      k8sa_error *err)
{
	k8sa_answer_stream *s = calloc(1, sizeof(*s));
	if (!s) {
		k8sa_answer_free(x);
		return k8sa_fail(err, K8SA_E_NOMEM, "out of memory");
	}
	s->ans = x;
	s->started_ms = k8sa_now_ms();
	k8sa_error e = {0};
	k8sa_status st = prepare_model(a, s, p, &e);
	if (st != K8SA_OK)
		finish_llm(s, st, &e);
	*out = s;
	return K8SA_OK;
}

K8SA_EXPORT k8sa_status k8sa_answer_stream_next(k8sa_answer_stream *s, const char **chunk, size_t *len,
						k8sa_error *err)
{
	const char *c = NULL;
	size_t n = 0;
	if (chunk)
		*chunk = NULL;
	if (len)
		*len = 0;
	if (!s || !chunk)
		return k8sa_fail(err, K8SA_E_INVALID_ARG, "stream or chunk is NULL");
	if (s->over) {
		if (s->end_status != K8SA_OK && err)
			*err = s->end_err;
		return s->end_status;
	}
	k8sa_error e = {0};
	k8sa_status st = s->pending ? launch_model(s, &e) : K8SA_OK;
	if (st == K8SA_OK)
		st = k8sa_llm_stream_next(s->llm, &c, &n, &e);
	if (st == K8SA_OK && c) {
		if (answer_append(s->ans, c, n) != K8SA_OK) {
			k8sa_fail(&e, K8SA_E_NOMEM, "out of memory");
			finish_llm(s, K8SA_E_NOMEM, &e);
			if (err)
				*err = e;
			return K8SA_E_NOMEM;
		}
		*chunk = c;
		if (len)
			*len = n;
		return K8SA_OK;
	}
	finish_llm(s, st, &e);
	if (st != K8SA_OK && err)
		*err = e;
	return st;
}

K8SA_EXPORT const k8sa_answer *k8sa_answer_stream_answer(const k8sa_answer_stream *s)
{
	return s ? s->ans : NULL;
}

K8SA_EXPORT void k8sa_answer_stream_cancel(k8sa_answer_stream *s)
{
	if (!s)
		return;
	atomic_store(&s->cancel_req, 1);
	if (atomic_load(&s->launched))
		k8sa_llm_stream_cancel(s->llm);
}

K8SA_EXPORT void k8sa_answer_stream_free(k8sa_answer_stream *s)
{
	if (!s)
		return;
	k8sa_llm_stream_free(s->llm);
	k8sa_messages_free(s->pending);
	k8sa_answer_free(s->ans);
	free(s);
}

/* Take the answer out of a finished stream. */
static k8sa_answer *stream_take(k8sa_answer_stream *s)
{
	k8sa_answer *x = s->ans;
	s->ans = NULL;
	k8sa_answer_stream_free(s);
	return x;
}

K8SA_EXPORT k8sa_status k8sa_agent_ask_start(k8sa_agent *a, const char *question, k8sa_answer_stream **out,
					     k8sa_error *err)
{
	k8sa_answer *x = NULL;
	k8sa_prompt *p = NULL;
	if (!out)
		return k8sa_fail(err, K8SA_E_INVALID_ARG, "out is NULL");
	*out = NULL;
	k8sa_status st = prepare_ask(a, question, &x, &p, err);
	if (st == K8SA_OK)
		st = stream_new(a, x, p, out, err);
	k8sa_prompt_free(p);
	return st;
}

K8SA_EXPORT k8sa_status k8sa_agent_diagnose_start(k8sa_agent *a, const char *ns, const char *question,
						  k8sa_answer_stream **out, k8sa_error *err)
{
	k8sa_answer *x = NULL;
	k8sa_prompt *p = NULL;
	if (!out)
		return k8sa_fail(err, K8SA_E_INVALID_ARG, "out is NULL");
	*out = NULL;
	k8sa_status st = prepare_diagnose(a, ns, question, &x, &p, err);
	if (st == K8SA_OK)
		st = stream_new(a, x, p, out, err);
	k8sa_prompt_free(p);
	return st;
}

static k8sa_status drain(k8sa_answer_stream *s, k8sa_answer **out)
{
	const char *c;
	size_t n;
	while (k8sa_answer_stream_next(s, &c, &n, NULL) == K8SA_OK && c)
		;
	*out = stream_take(s);
	return K8SA_OK;
}

K8SA_EXPORT k8sa_status k8sa_agent_ask(k8sa_agent *a, const char *question, k8sa_answer **out, k8sa_error *err)
{
	k8sa_answer_stream *s = NULL;
	if (!out)
		return k8sa_fail(err, K8SA_E_INVALID_ARG, "out is NULL");
	*out = NULL;
	k8sa_status st = k8sa_agent_ask_start(a, question, &s, err);
	if (st != K8SA_OK)
		return st;
	drain(s, out);
	/* ask has nothing to show without a model: its failure is the call's failure. */
	if ((*out)->llm_status != K8SA_OK) {
		st = k8sa_fail(err, (*out)->llm_status, "%s", (*out)->llm_error ? (*out)->llm_error : "");
		k8sa_answer_free(*out);
		*out = NULL;
	}
	return st;
}

K8SA_EXPORT k8sa_status k8sa_agent_diagnose(k8sa_agent *a, const char *ns, const char *question, int call_model,
					    k8sa_answer **out, k8sa_error *err)
{
	k8sa_answer *x = NULL;
	k8sa_prompt *p = NULL;
	if (!out)
		return k8sa_fail(err, K8SA_E_INVALID_ARG, "out is NULL");
	*out = NULL;
	k8sa_status st = prepare_diagnose(a, ns, question, &x, &p, err);
	if (st != K8SA_OK)
		return st;
	if (!call_model) {
		k8sa_prompt_free(p);
		*out = x;
		return K8SA_OK;
	}
	k8sa_answer_stream *s = NULL;
	st = stream_new(a, x, p, &s, err);
	k8sa_prompt_free(p);
	if (st != K8SA_OK)
		return st;
	return drain(s, out);
}

/* ---- parts for the investigation loop (agent_internal.h) ------------------------------- */

k8sa_status agent_kube(k8sa_agent *a, k8sa_kube **out, k8sa_error *err)
{
	k8sa_status st = ensure_kube(a, err);
	*out = st == K8SA_OK ? a->kube : NULL;
	return st;
}

k8sa_llm *agent_llm(k8sa_agent *a) { return a->llm; }
const k8sa_snapshot_opts *agent_snapshot_opts(const k8sa_agent *a) { return a->snap_opts; }
int agent_context_tokens(const k8sa_agent *a) { return a->context_tokens; }
int agent_answer_tokens(const k8sa_agent *a) { return a->answer_tokens; }
double agent_timeout_s(const k8sa_agent *a) { return a->timeout_s; }
