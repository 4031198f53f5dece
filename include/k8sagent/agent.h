/* SPDX-License-Identifier: MIT */
/**
 * @file agent.h
 * @brief The agent loops: ask (the LLM alone) and diagnose (snapshot -> findings -> redacted,
 *        budgeted prompt -> model), blocking or streaming, with the exact context used.
 *
 * @defgroup agent Agent
 * @{
 *
 * A ::k8sa_agent bundles a Kubernetes client, an LLM client and prompt settings. Front-ends
 * (the CLI, k8sagentd, the bindings) only call these functions; no diagnosis logic lives in
 * them.
 *
 * A diagnosis always yields the deterministic findings, even when no model answers: then
 * k8sa_answer_text() is NULL and k8sa_answer_llm_status() says why.
 *
 * Thread-safety: an agent runs one call at a time; use one agent per thread (they are cheap),
 * except k8sa_answer_stream_cancel(), which may be called from any thread.
 */
#ifndef K8SAGENT_AGENT_H
#define K8SAGENT_AGENT_H

#include <k8sagent/common.h>
#include <k8sagent/kubeconfig.h>
#include <k8sagent/snapshot.h>
#include <k8sagent/analyze.h>
#include <k8sagent/prompt.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct k8sa_agent k8sa_agent;                 /**< opaque agent */
typedef struct k8sa_answer k8sa_answer;               /**< opaque result of ask/diagnose */
typedef struct k8sa_answer_stream k8sa_answer_stream; /**< opaque streaming call */

/** @name Limits and defaults of the agent's settings
 * A setter given a value outside its limits fails with K8SA_E_INVALID_ARG and a message
 * naming the setting, the value and the limit (front-ends print it as is). */
/**@{*/
#define K8SA_MIN_CONTEXT_TOKENS 512         /**< smallest model context window accepted */
#define K8SA_MAX_CONTEXT_TOKENS 16777216    /**< largest model context window accepted */
#define K8SA_MIN_ANSWER_TOKENS 16           /**< smallest answer reserve accepted */
#define K8SA_MAX_TIMEOUT_SECONDS 86400      /**< longest timeout accepted (it must be > 0) */
#define K8SA_DEFAULT_CONTEXT_TOKENS K8SA_PROMPT_DEFAULT_CONTEXT /**< context window of a new agent */
#define K8SA_DEFAULT_ANSWER_TOKENS K8SA_PROMPT_DEFAULT_ANSWER   /**< answer reserve of a new agent */
#define K8SA_DEFAULT_TIMEOUT_SECONDS 300    /**< LLM answer timeout of a new agent */
/**@}*/

/** A new agent with defaults: LLM from `$K8SA_LLM_URL`/`$OLLAMA_HOST` or
 *  http://localhost:11434, backend Ollama, model "mistral", ::K8SA_DEFAULT_CONTEXT_TOKENS
 *  context tokens, built-in prompts, no Kubernetes configuration yet (loaded by the
 *  documented precedence on the first call that needs the cluster). Caller frees with
 *  k8sa_agent_free(). */
k8sa_status k8sa_agent_new(k8sa_agent **out, k8sa_error *err);

/** Free an agent. NULL is a no-op. */
void k8sa_agent_free(k8sa_agent *agent);

/** @name Configuration
 * Every setter copies its string arguments and reports a bad value through @p err
 * (K8SA_E_INVALID_ARG unless said otherwise); the agent keeps its previous setting then. */
/**@{*/
/** Use this Kubernetes configuration (copied). */
k8sa_status k8sa_agent_set_kubeconfig(k8sa_agent *agent, const k8sa_kubeconfig *cfg, k8sa_error *err);
/** Load one by the documented precedence (k8sa_kubeconfig_load_default()); both may be NULL. */
k8sa_status k8sa_agent_load_kubeconfig(k8sa_agent *agent, const char *path, const char *context,
				       k8sa_error *err);
/** LLM server base URL, e.g. http://127.0.0.1:11434 (as k8sa_llm_set_url()). */
k8sa_status k8sa_agent_set_llm_url(k8sa_agent *agent, const char *url, k8sa_error *err);
/** "ollama" or "openai" (any OpenAI-compatible server; as k8sa_llm_set_backend_name()). */
k8sa_status k8sa_agent_set_backend(k8sa_agent *agent, const char *backend, k8sa_error *err);
/** Model name, e.g. "mistral"; not empty. */
k8sa_status k8sa_agent_set_model(k8sa_agent *agent, const char *model, k8sa_error *err);
/** Bearer key for OpenAI-compatible servers (NULL or "": none). */
k8sa_status k8sa_agent_set_api_key(k8sa_agent *agent, const char *key, k8sa_error *err);
/** Proxy to the LLM server (copied; NULL or "": direct), as k8sa_llm_set_proxy(). */
k8sa_status k8sa_agent_set_llm_proxy(k8sa_agent *agent, const char *url, k8sa_error *err);
/** The model's context window in tokens, ::K8SA_MIN_CONTEXT_TOKENS to
 *  ::K8SA_MAX_CONTEXT_TOKENS; the prompt is fitted to it less the answer reserve. */
k8sa_status k8sa_agent_set_context_tokens(k8sa_agent *agent, int tokens, k8sa_error *err);
/** Tokens reserved for the answer, at least ::K8SA_MIN_ANSWER_TOKENS (default
 *  ::K8SA_DEFAULT_ANSWER_TOKENS). It must stay below the context window: a call whose
 *  budget leaves no room for the prompt fails with K8SA_E_INVALID_ARG. */
k8sa_status k8sa_agent_set_answer_tokens(k8sa_agent *agent, int tokens, k8sa_error *err);
/** Timeout of a whole LLM answer in seconds (connect and first token get shares of it),
 *  > 0 and at most ::K8SA_MAX_TIMEOUT_SECONDS (default ::K8SA_DEFAULT_TIMEOUT_SECONDS). */
k8sa_status k8sa_agent_set_timeout(k8sa_agent *agent, double seconds, k8sa_error *err);
/** Timeout of each Kubernetes request in seconds (connect: at most 5 of them), > 0 and at
 *  most ::K8SA_MAX_TIMEOUT_SECONDS. Default: the client's (k8sa_kube_set_timeout_ms()). */
k8sa_status k8sa_agent_set_kube_timeout(k8sa_agent *agent, double seconds, k8sa_error *err);
/**
 * Read snapshots from a scenario directory (the layout of tests/scenarios: `cluster/<ns>/pods.json`...,
 * as `kubectl get -o json` prints them) instead of the Kubernetes API: offline diagnosis of a
 * saved cluster and tests. @p dir is copied; NULL goes back to the API. The namespace must then
 * be given to each call (there is no kubeconfig context to default to).
 */
k8sa_status k8sa_agent_set_scenario_dir(k8sa_agent *agent, const char *dir, k8sa_error *err);
/** Directory holding prompt overrides (ask.md, diagnose.md); NULL: built-in prompts.
 *  Checked now: K8SA_E_CONFIG / K8SA_E_IO / K8SA_E_LIMIT as k8sa_prompt_load_dir(). */
k8sa_status k8sa_agent_set_prompt_dir(k8sa_agent *agent, const char *dir, k8sa_error *err);
/** Default namespace (the kubeconfig context's, or the pod's own in-cluster; "default"
 *  before a configuration is loaded). Borrowed, valid until the configuration changes. */
const char *k8sa_agent_namespace(const k8sa_agent *agent);
/**@}*/

/** Non-zero when `ns` is a valid DNS-1123 label (what a namespace name must be). Checked by
 *  the agent before any API call; front-ends use it to answer 400 early. */
int k8sa_namespace_is_valid(const char *ns);

/** @name The cluster alone (no model)
 * The agent's configured cluster (k8sa_agent_set_kubeconfig(), k8sa_agent_load_kubeconfig(),
 * or the default precedence on first use) and its timeout. @p ns: a namespace, NULL or ""
 * for the agent's default namespace (k8sa_agent_namespace()), "*" for all namespaces;
 * anything else must be a valid name (k8sa_namespace_is_valid()). */
/**@{*/
/** Take a snapshot (as k8sa_snapshot_take(), with the agent's bounds). Caller frees `*out`
 *  with k8sa_snapshot_free(). */
k8sa_status k8sa_agent_snapshot(k8sa_agent *agent, const char *ns, k8sa_snapshot **out, k8sa_error *err);
/** Snapshot and analyze: the findings (with the snapshot's gaps; k8sa_findings_to_json()).
 *  Caller frees `*out` with k8sa_findings_free(). */
k8sa_status k8sa_agent_analyze(k8sa_agent *agent, const char *ns, k8sa_findings **out, k8sa_error *err);
/**@}*/

/** @name Blocking calls (each returns an answer the caller frees with k8sa_answer_free()) */
/**@{*/
/** Ask the model a question, with the Kubernetes-specialist system prompt. When the model
 *  fails the call fails with its status (K8SA_E_TRANSPORT, K8SA_E_MODEL_NOT_FOUND...) and
 *  `*out` is NULL; use k8sa_agent_ask_start() to keep a partial answer. */
k8sa_status k8sa_agent_ask(k8sa_agent *agent, const char *question, k8sa_answer **out, k8sa_error *err);
/**
 * Diagnose a namespace: snapshot, analyzers, prompt, model. Returns K8SA_OK with findings
 * whenever the cluster could be read, even if the model failed (see k8sa_answer_llm_status()).
 * @param call_model 0 to stop after the prompt (no model call: `--print-prompt`, findings only)
 */
k8sa_status k8sa_agent_diagnose(k8sa_agent *agent, const char *ns, const char *question,
				int call_model, k8sa_answer **out, k8sa_error *err);
/**@}*/

/** @name Streaming calls */
/**@{*/
/** Start an ask; tokens are pulled with k8sa_answer_stream_next(). */
k8sa_status k8sa_agent_ask_start(k8sa_agent *agent, const char *question, k8sa_answer_stream **out,
				 k8sa_error *err);
/** Snapshot, analyze and build the prompt now (the context and findings are readable from
 *  k8sa_answer_stream_answer() at once), then start the model's stream. If the model cannot be
 *  reached the stream still succeeds: next() ends at once and the answer carries the error. */
k8sa_status k8sa_agent_diagnose_start(k8sa_agent *agent, const char *ns, const char *question,
				      k8sa_answer_stream **out, k8sa_error *err);
/**
 * Next chunk of the answer. On K8SA_OK, `*chunk` points at `*len` bytes (borrowed, valid
 * until the next call) or is NULL at the end of the answer. An error ends the stream; the
 * partial answer stays in k8sa_answer_stream_answer().
 */
k8sa_status k8sa_answer_stream_next(k8sa_answer_stream *s, const char **chunk, size_t *len,
				    k8sa_error *err);
/** The answer so far (borrowed from the stream): findings and context are there from the
 *  start, the text grows as chunks arrive. */
const k8sa_answer *k8sa_answer_stream_answer(const k8sa_answer_stream *s);
/** Abort a blocked or future next() (it returns K8SA_E_CANCELLED). Thread-safe. */
void k8sa_answer_stream_cancel(k8sa_answer_stream *s);
/** Free a stream (cancels it if still running). NULL is a no-op. */
void k8sa_answer_stream_free(k8sa_answer_stream *s);
/**@}*/

/** @name Answers (borrowed strings live as long as the answer; NULL when absent) */
/**@{*/
/** Free an answer and every string borrowed from it. NULL is a no-op. */
void k8sa_answer_free(k8sa_answer *a);
/** The model's answer text; NULL when no model answered. */
const char *k8sa_answer_text(const k8sa_answer *a);
/** Model name the server reported (or the configured one). */
const char *k8sa_answer_model(const k8sa_answer *a);
/** K8SA_OK, or why the model gave no (complete) answer. */
k8sa_status k8sa_answer_llm_status(const k8sa_answer *a);
/** Human message for a failed LLM call, e.g. "no model reachable at http://...". */
const char *k8sa_answer_llm_error(const k8sa_answer *a);
/** Findings as `{"namespace":..., "findings":[...]}` (diagnose only). */
const char *k8sa_answer_findings_json(const k8sa_answer *a);
/** The findings as the short text report (root cause first) that `k8sagent analyze` prints
 *  (diagnose only). */
const char *k8sa_answer_findings_text(const k8sa_answer *a);
/** The exact context text the model saw (diagnose only). */
const char *k8sa_answer_context(const k8sa_answer *a);
/** The exact messages sent, as a JSON array of {role, content}. */
const char *k8sa_answer_messages_json(const k8sa_answer *a);
/**
 * The exact request body sent to the model server for this answer (model, messages, and the
 * options that change the answer: num_ctx, temperature, seed, max tokens), as the LLM client
 * serialised it; NULL when no model was called. This is what an answer cache key must cover
 * (with the backend and the server URL): two calls with equal request bodies asked the model
 * the same thing. Valid while @p a lives.
 */
const char *k8sa_answer_request_json(const k8sa_answer *a);
/** The messages as text for people (`k8sagent diagnose --print-prompt`). */
const char *k8sa_answer_prompt_text(const k8sa_answer *a);
/** What the token budget cut, as a JSON array. */
const char *k8sa_answer_dropped_json(const k8sa_answer *a);
/** Resources that could not be read ("nodes: forbidden: ..."), as a JSON array of strings. */
const char *k8sa_answer_gaps_json(const k8sa_answer *a);
/** Timings and token counts as a JSON object (snapshot_ms, analyze_ms, llm: first_token_ms,
 *  total_ms, prompt_tokens, answer_tokens, tokens_per_second). */
const char *k8sa_answer_timings_json(const k8sa_answer *a);
/** The answer checked against the snapshot (diagnose, once the model answered), as
 *  `{"unknown_names","mutating_commands","secret_commands"}` (see verify.h); NULL before. */
const char *k8sa_answer_verification_json(const k8sa_answer *a);
/** Number of warning/critical findings (diagnose), for exit statuses. */
int k8sa_answer_problem_count(const k8sa_answer *a);
/** The whole answer as one JSON object (the service's /diagnose body). Caller frees `*out`
 *  with k8sa_free(). */
k8sa_status k8sa_answer_to_json(const k8sa_answer *a, char **out, k8sa_error *err);
/**@}*/

/** @} */

#ifdef __cplusplus
}
#endif

#endif
