/* SPDX-License-Identifier: MIT */
/**
 * @file llm.h
 * @brief The LLM client: Ollama (`/api/chat`) and OpenAI-compatible servers
 *        (`/v1/chat/completions`: Ollama `/v1`, llama.cpp `llama-server`, vLLM).
 *
 * @defgroup llm LLM client
 * @{
 *
 * Three objects:
 * - ::k8sa_llm — the settings (server URL, backend, model, sampling options, timeouts,
 *   retries). Built once, then used for any number of requests.
 * - ::k8sa_messages — the conversation to send (role + content, in order).
 * - ::k8sa_llm_result — one answer: its text, why it stopped, token counts and timings.
 *
 * Requests stream by default. The pull API (k8sa_llm_chat_start(), k8sa_llm_stream_next())
 * hands out text as it arrives; k8sa_llm_chat() and k8sa_llm_chat_stream() are built on it.
 *
 * Errors (k8sa_error::message always names the server URL and keeps the server's own text):
 * - K8SA_E_TRANSPORT — cannot connect (the message suggests OLLAMA_HOST / `--llm-url`), or the
 *   connection failed;
 * - K8SA_E_TLS — the TLS handshake or the server's certificate failed (https URLs), as for
 *   the Kubernetes client: both map libcurl's errors in one place;
 * - K8SA_E_TIMEOUT — the connect, first-token or total timeout passed (the message says which);
 * - K8SA_E_MODEL_NOT_FOUND — 404 for the model (with a hint: `run: ollama pull <model>`);
 * - K8SA_E_NOT_FOUND — 404 for the endpoint itself (wrong backend or URL);
 * - K8SA_E_BAD_REQUEST (400), K8SA_E_UNAUTHORIZED (401), K8SA_E_FORBIDDEN (403),
 *   K8SA_E_GONE (410), K8SA_E_TOO_MANY_REQUESTS (429), K8SA_E_LLM (5xx with an error body; 503
 *   after the retries),
 *   K8SA_E_HTTP (other statuses) — k8sa_error::http_status holds the status;
 * - K8SA_E_LLM — an error reported in the middle of a stream (HTTP 200, then an error line);
 * - K8SA_E_PROTOCOL — the stream ended before the model finished, or the body is not the
 *   expected framing/JSON;
 * - K8SA_E_CANCELLED — k8sa_llm_stream_cancel(), or a chunk callback asked to stop.
 * After a failure the text received so far is kept in the result, marked as cut
 * (k8sa_llm_result_complete() returns 0).
 *
 * Retries: connection refused and HTTP 503 (model loading, server busy) are retried with
 * exponential backoff, but only before the first token arrives: a request whose answer has
 * begun is never sent again.
 *
 * Connections: a ::k8sa_llm keeps up to 8 idle connections to the model server after calls
 * that ended cleanly, so the next call skips the TCP (and TLS) handshake. A connection serves
 * one call at a time; one left mid-answer (cancelled, failed, freed early) is closed.
 * k8sa_llm_free() closes them once no stream started from the handle is left.
 *
 * Thread-safety: setters on a ::k8sa_llm must not run concurrently with anything else on that
 * handle. Once configured, a ::k8sa_llm may be used by many threads at once for requests
 * (every function taking a `const k8sa_llm *`): each request copies what it needs. A
 * ::k8sa_messages, ::k8sa_llm_result or ::k8sa_llm_stream is used by one thread at a time,
 * except k8sa_llm_stream_cancel(), which any thread may call.
 */
#ifndef K8SAGENT_LLM_H
#define K8SAGENT_LLM_H

#include <k8sagent/common.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Default server URL (Ollama's default address). */
#define K8SA_LLM_DEFAULT_URL "http://localhost:11434"
/** Default model name. */
#define K8SA_LLM_DEFAULT_MODEL "mistral"

/** Opaque LLM settings handle. */
typedef struct k8sa_llm k8sa_llm;
/** Opaque list of chat messages. */
typedef struct k8sa_messages k8sa_messages;
/** Opaque answer: text, stop reason, counts, timings. */
typedef struct k8sa_llm_result k8sa_llm_result;
/** Opaque streaming request to the model (the raw LLM stream; the agent's answer stream is
 *  ::k8sa_answer_stream in agent.h). */
typedef struct k8sa_llm_stream k8sa_llm_stream;

/** Wire protocol spoken by the server. Append-only. */
typedef enum k8sa_backend {
	K8SA_LLM_OLLAMA = 0, /**< Ollama native API: `/api/chat`, NDJSON streaming, `options.num_ctx` */
	K8SA_LLM_OPENAI = 1  /**< OpenAI-compatible: `/v1/chat/completions`, SSE streaming */
} k8sa_backend;

/* ------------------------------------------------------------------------------------------ */
/** @name Settings
 * @{ */

/**
 * Create settings with the defaults: backend Ollama, URL ::K8SA_LLM_DEFAULT_URL, model
 * ::K8SA_LLM_DEFAULT_MODEL, server-default sampling, streaming on, timeouts connect 5 s /
 * first token 300 s / total 900 s, 2 retries with a 500 ms base backoff. The environment is
 * not read (see k8sa_llm_set_url_from_env()).
 * @param out receives the handle; free it with k8sa_llm_free().
 */
k8sa_status k8sa_llm_new(k8sa_llm **out, k8sa_error *err);

/** Free settings. NULL is a no-op. Streams started from it stay valid (they hold copies). */
void k8sa_llm_free(k8sa_llm *llm);

/**
 * Server base URL, e.g. `http://localhost:11434` or `http://host:8080` (copied). A trailing
 * `/` is dropped; for the OpenAI backend a trailing `/v1` is accepted too (`http://h:8080/v1`).
 * A bare `host:port` gets `http://`. Fails with K8SA_E_INVALID_ARG for NULL or empty, or a
 * scheme other than http/https.
 */
k8sa_status k8sa_llm_set_url(k8sa_llm *llm, const char *url, k8sa_error *err);

/**
 * Set the URL from the environment: `K8SA_LLM_URL` first, then `OLLAMA_HOST` (which may be a
 * bare host, `host:port` or a URL, as the ollama CLI accepts; a missing port means 11434).
 * Leaves the URL unchanged when neither is set.
 * @param found optional: set to 1 when a variable was used, else 0.
 */
k8sa_status k8sa_llm_set_url_from_env(k8sa_llm *llm, int *found, k8sa_error *err);

/** The base URL in use (borrowed, valid until the next set_url on this handle). */
const char *k8sa_llm_url(const k8sa_llm *llm);

/** Choose the wire protocol. K8SA_E_INVALID_ARG for an unknown value. */
k8sa_status k8sa_llm_set_backend(k8sa_llm *llm, k8sa_backend backend, k8sa_error *err);

/**
 * Choose the wire protocol by name: "ollama", or "openai" (aliases "llamacpp", "llama.cpp",
 * "vllm"). K8SA_E_INVALID_ARG for other names.
 */
k8sa_status k8sa_llm_set_backend_name(k8sa_llm *llm, const char *name, k8sa_error *err);

/** The backend in use. */
k8sa_backend k8sa_llm_backend(const k8sa_llm *llm);

/** Backend name ("ollama", "openai"); static storage; "unknown" for other values. */
const char *k8sa_backend_name(k8sa_backend backend);

/** Model name (copied), e.g. "mistral" or "llama3.2:3b". K8SA_E_INVALID_ARG for NULL/empty. */
k8sa_status k8sa_llm_set_model(k8sa_llm *llm, const char *model, k8sa_error *err);

/** The model name in use (borrowed, valid until the next set_model on this handle). */
const char *k8sa_llm_model(const k8sa_llm *llm);

/**
 * API key, sent as `Authorization: Bearer KEY` (OpenAI backend only; Ollama ignores keys).
 * Copied; NULL or "" removes it.
 */
k8sa_status k8sa_llm_set_api_key(k8sa_llm *llm, const char *key, k8sa_error *err);

/**
 * Reach the model server through this proxy (copied): `http://host:port`, `https://...`,
 * `socks5://...` or `socks5h://...`. NULL or "" connects directly, the default. The
 * environment (`http_proxy`, `HTTPS_PROXY`, `ALL_PROXY`, `NO_PROXY`) is never consulted: a
 * model server is usually in the cluster or on the host, and a proxy meant for the internet
 * must not see prompts. Fails with K8SA_E_INVALID_ARG for another scheme.
 */
k8sa_status k8sa_llm_set_proxy(k8sa_llm *llm, const char *url, k8sa_error *err);

/** The proxy in use, or NULL for direct connections (borrowed, valid until the next set_proxy). */
const char *k8sa_llm_get_proxy(const k8sa_llm *llm);

/** Sampling temperature (e.g. 0.2). A negative value means the server's default (the default). */
void k8sa_llm_set_temperature(k8sa_llm *llm, double temperature);

/**
 * The model's context window in tokens. Sent as `options.num_ctx` to Ollama on every
 * request, so the server does not silently cut the prompt to its own default. The
 * OpenAI-compatible servers fix their context at start-up; there it is not sent. 0 (the
 * default) sends nothing.
 */
void k8sa_llm_set_context_tokens(k8sa_llm *llm, long tokens);

/** Most tokens in the answer (`options.num_predict` / `max_tokens`). 0 (default) = server default. */
void k8sa_llm_set_max_tokens(k8sa_llm *llm, long tokens);

/** Sampling seed, for repeatable answers. A negative value (the default) sends none. */
void k8sa_llm_set_seed(k8sa_llm *llm, long seed);

/**
 * Ollama `keep_alive` (how long the model stays loaded): a duration string such as "5m",
 * "24h", "0" (unload at once) or "-1" (forever). Numbers are sent as JSON numbers. Copied;
 * NULL or "" sends nothing (server default). Ignored by the OpenAI backend.
 */
k8sa_status k8sa_llm_set_keep_alive(k8sa_llm *llm, const char *keep_alive, k8sa_error *err);

/**
 * Timeouts in milliseconds; 0 disables one, a negative value keeps the current one.
 * @param connect_ms     establishing the TCP connection (default 5000)
 * @param first_token_ms from the start of the request to the first text (default 300000:
 *                       a large model may need minutes to load)
 * @param total_ms       the whole answer (default 900000)
 * With streaming off (k8sa_llm_set_streaming()) the first text is the whole answer, so the
 * first-token timeout bounds it too.
 */
void k8sa_llm_set_timeouts_ms(k8sa_llm *llm, long connect_ms, long first_token_ms, long total_ms);

/**
 * Retries on connection refused and HTTP 503, before the first token only.
 * @param count      retries after the first attempt (default 2; 0 disables)
 * @param backoff_ms wait before the first retry, doubled for each next one (default 500)
 */
void k8sa_llm_set_retries(k8sa_llm *llm, unsigned int count, long backoff_ms);

/**
 * Whether requests use the streaming wire form (default 1). With 0 the server is asked for
 * one JSON body (`"stream":false`); the pull API then yields the whole text as one chunk.
 */
void k8sa_llm_set_streaming(k8sa_llm *llm, int on);

/** @} */

/* ------------------------------------------------------------------------------------------ */
/** @name Messages
 * @{ */

/** Create an empty conversation. @param out free with k8sa_messages_free(). */
k8sa_status k8sa_messages_new(k8sa_messages **out, k8sa_error *err);

/** Free a conversation. NULL is a no-op. */
void k8sa_messages_free(k8sa_messages *msgs);

/**
 * Append a message (both strings copied). `role` is "system", "user", "assistant" or "tool";
 * other roles fail with K8SA_E_INVALID_ARG. `content` may be empty, not NULL.
 */
k8sa_status k8sa_messages_add(k8sa_messages *msgs, const char *role, const char *content,
			      k8sa_error *err);

/** Number of messages. */
size_t k8sa_messages_count(const k8sa_messages *msgs);

/** Role of message `i` (borrowed, lives as long as `msgs`), NULL when out of range. */
const char *k8sa_messages_role(const k8sa_messages *msgs, size_t i);

/** Content of message `i` (borrowed, lives as long as `msgs`), NULL when out of range. */
const char *k8sa_messages_content(const k8sa_messages *msgs, size_t i);

/**
 * The messages as the JSON array sent to the server: `[{"role":"system","content":"…"},…]`.
 * @param json receives a string freed with k8sa_free().
 */
k8sa_status k8sa_messages_to_json(const k8sa_messages *msgs, char **json, k8sa_error *err);

/**
 * The exact request body k8sa_llm_chat() would send for these messages (model, messages,
 * options, stream flag), for `--print-prompt` and logs. Thread-safe on a configured `llm`.
 * @param json receives a string freed with k8sa_free().
 */
k8sa_status k8sa_llm_request_json(const k8sa_llm *llm, const k8sa_messages *msgs, char **json,
				  k8sa_error *err);

/** @} */

/* ------------------------------------------------------------------------------------------ */
/** @name Requests
 * @{ */

/**
 * Send the conversation and wait for the whole answer.
 * @param result receives the answer, freed with k8sa_llm_result_free(). It is also set on
 *               failure when part of an answer arrived (the partial text, marked as cut);
 *               otherwise it is set to NULL. Always free a non-NULL result.
 * Thread-safe on a configured `llm` (see the file comment).
 */
k8sa_status k8sa_llm_chat(const k8sa_llm *llm, const k8sa_messages *msgs,
			  k8sa_llm_result **result, k8sa_error *err);

/**
 * Chunk callback for k8sa_llm_chat_stream(). `text` is NUL-terminated, `len` bytes long
 * (without the NUL), and borrowed for the duration of the call. Return 0 to go on, non-zero
 * to stop (the call then returns K8SA_E_CANCELLED with the partial result).
 */
typedef int (*k8sa_llm_chunk_cb)(void *userdata, const char *text, size_t len);

/**
 * Send the conversation and call `on_chunk` for every piece of text as it arrives, in the
 * calling thread. `result` as in k8sa_llm_chat() (may be NULL if the caller does not want it).
 */
k8sa_status k8sa_llm_chat_stream(const k8sa_llm *llm, const k8sa_messages *msgs,
				 k8sa_llm_chunk_cb on_chunk, void *userdata,
				 k8sa_llm_result **result, k8sa_error *err);

/**
 * Start a streaming request. Nothing blocks here beyond building the request: connection,
 * HTTP errors and retries happen in k8sa_llm_stream_next(), which reports them.
 * The settings and messages are copied: both may be freed at once.
 * @param stream receives the stream, freed with k8sa_llm_stream_free().
 */
k8sa_status k8sa_llm_chat_start(const k8sa_llm *llm, const k8sa_messages *msgs,
				k8sa_llm_stream **stream, k8sa_error *err);

/**
 * Wait for the next piece of text.
 * - K8SA_OK with `*chunk` non-NULL: a non-empty piece of text, NUL-terminated, `*len` bytes
 *   (may be NULL); borrowed, valid until the next call on this stream or its free.
 * - K8SA_OK with `*chunk` NULL: the answer is complete (the model said it was done); every
 *   later call returns the same.
 * - an error: `*chunk` is NULL; the stream is over and every later call returns the same
 *   error. The text received so far stays in k8sa_llm_stream_result().
 * Blocks at most until the next chunk, a timeout or k8sa_llm_stream_cancel().
 */
k8sa_status k8sa_llm_stream_next(k8sa_llm_stream *stream, const char **chunk, size_t *len,
				 k8sa_error *err);

/**
 * The answer so far: all text received (returned by k8sa_llm_stream_next() or queued for it),
 * and, once the stream is over, the stop reason, counts and timings. Borrowed: lives until k8sa_llm_stream_free().
 * Never NULL for a non-NULL stream.
 */
const k8sa_llm_result *k8sa_llm_stream_result(const k8sa_llm_stream *stream);

/**
 * Ask the stream to stop. Thread-safe (not async-signal-safe): any thread may call it while
 * another is blocked in k8sa_llm_stream_next(), which then returns K8SA_E_CANCELLED promptly.
 * Calling it after the stream is over changes nothing. Must not race with k8sa_llm_stream_free().
 */
void k8sa_llm_stream_cancel(k8sa_llm_stream *stream);

/** Free a stream (closes its connection). NULL is a no-op. */
void k8sa_llm_stream_free(k8sa_llm_stream *stream);

/** @} */

/* ------------------------------------------------------------------------------------------ */
/** @name Results
 * Getters on a result. Strings are borrowed: they live as long as the result. Counts are -1
 * and durations -1.0 when the server did not report them.
 * @{ */

/** Free a result. NULL is a no-op. Do not free the one from k8sa_llm_stream_result(). */
void k8sa_llm_result_free(k8sa_llm_result *result);

/** The answer text ("" when none), NUL-terminated. */
const char *k8sa_llm_result_text(const k8sa_llm_result *result);

/** Length in bytes of the answer text. */
size_t k8sa_llm_result_text_len(const k8sa_llm_result *result);

/** Model name reported by the server (or the one requested when the server said none). */
const char *k8sa_llm_result_model(const k8sa_llm_result *result);

/**
 * Why the model stopped: "stop", "length" (hit max tokens), "tool_calls", ...; NULL when not
 * reported (e.g. cut off by an error).
 */
const char *k8sa_llm_result_done_reason(const k8sa_llm_result *result);

/** 1 when the model finished the answer; 0 when it was cut (error, timeout, cancel, EOF). */
int k8sa_llm_result_complete(const k8sa_llm_result *result);

/** Prompt tokens (Ollama `prompt_eval_count`, OpenAI `usage.prompt_tokens`), or -1. */
long k8sa_llm_result_prompt_tokens(const k8sa_llm_result *result);

/** Answer tokens (Ollama `eval_count`, OpenAI `usage.completion_tokens`), or -1. */
long k8sa_llm_result_answer_tokens(const k8sa_llm_result *result);

/** Server-side total duration in ms (Ollama `total_duration`), or -1. */
double k8sa_llm_result_total_ms(const k8sa_llm_result *result);

/** Model load time in ms (Ollama `load_duration`), or -1. */
double k8sa_llm_result_load_ms(const k8sa_llm_result *result);

/** Prompt evaluation time in ms (Ollama `prompt_eval_duration`, llama.cpp `timings.prompt_ms`), or -1. */
double k8sa_llm_result_prompt_eval_ms(const k8sa_llm_result *result);

/** Answer generation time in ms (Ollama `eval_duration`, llama.cpp `timings.predicted_ms`), or -1. */
double k8sa_llm_result_eval_ms(const k8sa_llm_result *result);

/** Time to the first text, measured here from the start of the request, or -1 if none came. */
double k8sa_llm_result_first_token_ms(const k8sa_llm_result *result);

/** Wall time of the whole request measured here (includes retries). */
double k8sa_llm_result_elapsed_ms(const k8sa_llm_result *result);

/** Attempts made (1 + retries used). */
int k8sa_llm_result_attempts(const k8sa_llm_result *result);

/**
 * The result as JSON: `{"model","text","complete","done_reason","prompt_tokens",
 * "answer_tokens","total_ms","load_ms","prompt_eval_ms","eval_ms","first_token_ms",
 * "elapsed_ms","attempts"}`; unknown values are null.
 * @param json receives a string freed with k8sa_free().
 */
k8sa_status k8sa_llm_result_to_json(const k8sa_llm_result *result, char **json, k8sa_error *err);

/** @} */

/* ------------------------------------------------------------------------------------------ */
/** @name Models
 * @{ */

/**
 * Models the server has (Ollama `GET /api/tags`, OpenAI `GET /v1/models`), as a JSON array of
 * names: `["llama3.2:latest","mistral:latest"]`. Uses the connect and total timeouts; no
 * retries. Thread-safe on a configured `llm`.
 * @param json receives a string freed with k8sa_free().
 */
k8sa_status k8sa_llm_list_models(const k8sa_llm *llm, char **json, k8sa_error *err);

/**
 * Check that the server is reachable and has the configured model ("mistral" matches
 * "mistral:latest"). K8SA_E_MODEL_NOT_FOUND when it does not, with a hint
 * (`run: ollama pull mistral`, or the models the server has). Thread-safe on a configured `llm`.
 */
k8sa_status k8sa_llm_check_model(const k8sa_llm *llm, k8sa_error *err);

/** @} */

/** @} */

#ifdef __cplusplus
}
#endif

#endif /* K8SAGENT_LLM_H */
