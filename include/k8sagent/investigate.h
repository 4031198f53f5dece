/* SPDX-License-Identifier: MIT */
/**
 * @file investigate.h
 * @brief Investigation: a bounded, read-only tool loop over a namespace, with follow-up
 *        questions and answers checked against the cluster.
 *
 * @defgroup investigate Investigation sessions
 * @{
 *
 * A ::k8sa_session starts from what `diagnose` builds (the namespace's snapshot and
 * deterministic findings, redacted and fenced) and lets the model call the read-only tools of
 * tools.h (list_objects, get_object, get_logs, get_events, analyze) until it answers:
 *
 *     k8sa_session *s;
 *     k8sa_session_new(&s, agent, "shop", &err);
 *     k8sa_session_ask(s, "Why do checkouts fail?", &err);
 *     const k8sa_event *ev;
 *     while (k8sa_session_next(s, &ev, &err) == K8SA_OK && ev) {
 *         switch (k8sa_event_type(ev)) {
 *         case K8SA_EVENT_TOKEN: fputs(k8sa_event_text(ev), stdout); break;      // answer text
 *         case K8SA_EVENT_STEP:  fprintf(stderr, "%s\n", k8sa_event_json(ev)); break; // a tool call
 *         case K8SA_EVENT_VERIFICATION: ...; break;
 *         case K8SA_EVENT_DONE:  ...; break;                                      // last event
 *         }
 *     }
 *     char *json;                                  // {"answer","steps","verification","stopped"}
 *     k8sa_session_result_to_json(s, &json, &err);
 *     k8sa_session_ask(s, "And how do I fix it?", &err);   // a follow-up: same snapshot
 *
 * **Bounds.** Each question gets at most max_steps tool calls (default 8; a repeated call
 * counts too), a wall-clock limit (default: the agent's timeout), a per-result token budget,
 * and a total token budget fitted to the model's window (the agent's context tokens less the
 * answer reserve and the tool definitions): when the conversation outgrows it, the oldest tool
 * results are replaced by a one-line summary first, then older answers; the system prompt and
 * the questions are never cut. When the steps are used up the model is told so (with the last
 * result) and called once more: an answer then is an answer; a model that still calls tools
 * is stopped with `"stopped": "max_steps"` and an answer that says the step limit was reached
 * and gives its best text so far (those calls are not run). When the time runs out the answer
 * is the best text so far and `"stopped": "timeout"`.
 *
 * **Protocols.** Native tool calls (Ollama `tools`/`message.tool_calls`, OpenAI
 * `tools`/`tool_calls`, streamed deltas assembled), or a JSON-action fallback for models
 * without tool support (the model replies `{"tool": "...", "arguments": {...}}` or
 * `{"answer": "..."}`). ::K8SA_PROTOCOL_AUTO (the default) asks Ollama's `/api/show` for the
 * model's "capabilities" and uses native calls when "tools" is listed (OpenAI-compatible
 * servers: native); a server that rejects `tools` with a 400 switches the session to the
 * fallback. A call repeated with the same arguments is answered from the session, not the API.
 *
 * **Follow-ups.** The session keeps the snapshot, the tool results and the transcript; a
 * later k8sa_session_ask() reuses them (no new snapshot unless k8sa_session_refresh()).
 *
 * **Verification.** Every final answer is checked (verify.h) against the snapshot, the tool
 * results and the questions: unknown object names, mutating `kubectl` commands, commands that
 * would print Secret values.
 *
 * Events and strings returned as `const char *` are borrowed from the session and valid until
 * the next k8sa_session_next(), k8sa_session_ask() or k8sa_session_free(); strings handed out
 * through `char **out` are freed with k8sa_free().
 *
 * Thread-safety: a session is used by one thread at a time, and borrows its agent: use the
 * agent for nothing else while the session runs. k8sa_session_cancel() may be called from any
 * thread.
 */
#ifndef K8SAGENT_INVESTIGATE_H
#define K8SAGENT_INVESTIGATE_H

#include <stddef.h>
#include <k8sagent/common.h>
#include <k8sagent/agent.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Opaque investigation session. */
typedef struct k8sa_session k8sa_session;
/** Opaque event, borrowed from its session. */
typedef struct k8sa_event k8sa_event;

/** How tool calls travel (append-only). */
typedef enum k8sa_tool_protocol {
	K8SA_PROTOCOL_AUTO = 0,   /**< native when the model supports tools, else JSON actions */
	K8SA_PROTOCOL_NATIVE = 1, /**< Ollama / OpenAI `tools` and `tool_calls` */
	K8SA_PROTOCOL_JSON = 2    /**< JSON actions in plain text (models without tool support) */
} k8sa_tool_protocol;

/** Event types (append-only). */
typedef enum k8sa_event_kind {
	K8SA_EVENT_TOKEN = 0,        /**< a piece of the model's text: k8sa_event_text(). Native
				      *   protocol: streamed as it comes, so a turn that ends in tool
				      *   calls may say something first ("Let me read the log."); the
				      *   answer (DONE, k8sa_session_answer()) is the last turn only */
	K8SA_EVENT_STEP = 1,         /**< a tool call ran: k8sa_event_json() is
				      *   `{"type":"step","index","tool","arguments","result_chars","error","cached","ms",
				      *   "result"}`; "result" is the exact text the model gets for the call
				      *   (redacted, fenced, cut to the per-result budget; with the step-limit
				      *   note when it is the last allowed call) */
	K8SA_EVENT_VERIFICATION = 2, /**< the final answer was checked: `{"type":"verification",
				      *   "unknown_names","mutating_commands","secret_commands"}` */
	K8SA_EVENT_DONE = 3          /**< the question is over: `{"type":"done","stopped","answer"}`;
				      *   the next k8sa_session_next() gives NULL */
} k8sa_event_kind;

/** Why a question ended (append-only). */
typedef enum k8sa_stop_reason {
	K8SA_STOP_NONE = 0,      /**< still running, or never asked */
	K8SA_STOP_ANSWER = 1,    /**< the model answered */
	K8SA_STOP_MAX_STEPS = 2, /**< the step limit was reached */
	K8SA_STOP_TIMEOUT = 3,   /**< the wall-clock limit was reached */
	K8SA_STOP_ERROR = 4      /**< the model or the cluster failed (see k8sa_session_next()'s error) */
} k8sa_stop_reason;

/** Default most tool calls per question. */
#define K8SA_SESSION_DEFAULT_MAX_STEPS 8
/** Largest step limit k8sa_session_set_max_steps() takes. */
#define K8SA_SESSION_MAX_STEPS_LIMIT 100
/** Smallest per-result budget k8sa_session_set_result_tokens() takes. */
#define K8SA_SESSION_MIN_RESULT_TOKENS 64

/**
 * New session on a namespace. @p agent is borrowed (its cluster, model and budget settings
 * are used) and must outlive the session. @p ns NULL or "" means the agent's default
 * namespace. Nothing is fetched yet: the snapshot is taken by the first k8sa_session_ask().
 * @param out freed with k8sa_session_free().
 */
k8sa_status k8sa_session_new(k8sa_session **out, k8sa_agent *agent, const char *ns, k8sa_error *err);

/** Free a session. NULL is a no-op. */
void k8sa_session_free(k8sa_session *s);

/** @name Settings (before or between questions) */
/**@{*/
/** Most tool calls per question, 1..::K8SA_SESSION_MAX_STEPS_LIMIT (default
 *  ::K8SA_SESSION_DEFAULT_MAX_STEPS). */
k8sa_status k8sa_session_set_max_steps(k8sa_session *s, int steps, k8sa_error *err);
/** Wall-clock limit per question in seconds, > 0 (default: the agent's timeout). */
k8sa_status k8sa_session_set_time_limit(k8sa_session *s, double seconds, k8sa_error *err);
/** Per-result token budget, at least ::K8SA_SESSION_MIN_RESULT_TOKENS (default: an eighth of
 *  the model's window, at least 256, at most 4000). */
k8sa_status k8sa_session_set_result_tokens(k8sa_session *s, int tokens, k8sa_error *err);
/** Tool-call protocol (default ::K8SA_PROTOCOL_AUTO). */
k8sa_status k8sa_session_set_protocol(k8sa_session *s, k8sa_tool_protocol protocol, k8sa_error *err);
/** Take a new snapshot at the next question (the old tool results stay in the transcript,
 *  the cache of repeated calls is emptied). NULL is a no-op. */
void k8sa_session_refresh(k8sa_session *s);
/**@}*/

/** @name Asking */
/**@{*/
/**
 * Start a question (the first one, or a follow-up). The first question takes the snapshot
 * here (K8SA_E_* from the cluster when nothing can be read). Events are then pulled with
 * k8sa_session_next(). A question still running is abandoned.
 */
k8sa_status k8sa_session_ask(k8sa_session *s, const char *question, k8sa_error *err);
/**
 * The next event. On K8SA_OK `*event` is the event (borrowed until the next call) or NULL
 * after ::K8SA_EVENT_DONE. An error (the model unreachable, cancelled...) ends the question
 * with ::K8SA_STOP_ERROR: that call returns the error, later calls K8SA_OK with NULL.
 * Tool failures are not errors here: the model sees them as tool results.
 */
k8sa_status k8sa_session_next(k8sa_session *s, const k8sa_event **event, k8sa_error *err);
/**
 * Blocking form: ask and pull every event. @param result_json optional: receives
 * k8sa_session_result_to_json() (freed with k8sa_free()), also after a failed model call.
 */
k8sa_status k8sa_session_run(k8sa_session *s, const char *question, char **result_json, k8sa_error *err);
/** Abort a running question (next() returns K8SA_E_CANCELLED). Thread-safe. */
void k8sa_session_cancel(k8sa_session *s);
/**@}*/

/** @name Events */
/**@{*/
/** The event's type. */
k8sa_event_kind k8sa_event_type(const k8sa_event *ev);
/** TOKEN: the text piece; DONE: the whole answer; STEP: the tool name; VERIFICATION: "". */
const char *k8sa_event_text(const k8sa_event *ev);
/** The event as a JSON object (shapes above; TOKEN: `{"type":"token","text"}`). */
const char *k8sa_event_json(const k8sa_event *ev);
/**@}*/

/** @name Results of the last question (borrowed; NULL before the first question) */
/**@{*/
/** The answer text ("" when the model gave none). */
const char *k8sa_session_answer(const k8sa_session *s);
/** Why the last question ended. */
k8sa_stop_reason k8sa_session_stopped(const k8sa_session *s);
/** "answer", "max_steps", "timeout", "error" or "none". Static. */
const char *k8sa_stop_reason_name(k8sa_stop_reason r);
/** Verification of the answer, `{"unknown_names","mutating_commands","secret_commands"}`. */
const char *k8sa_session_verification_json(const k8sa_session *s);
/**
 * The last question as one JSON object (what `k8sagent investigate -o json` prints):
 * `{"answer", "steps": [{"tool","arguments","result_chars","error","cached"}],
 *   "verification": {...}, "stopped", "question", "namespace", "protocol", "turn",
 *   "model_calls", "snapshots", "timings": {"snapshot_ms","tools_ms","llm_ms","loop_ms",
 *   "total_ms"}, "error"?}`. @param out freed with k8sa_free().
 */
k8sa_status k8sa_session_result_to_json(const k8sa_session *s, char **out, k8sa_error *err);
/** The whole conversation as sent to the model (a JSON array of messages in the protocol's
 *  shape). @param out freed with k8sa_free(). */
k8sa_status k8sa_session_transcript_to_json(const k8sa_session *s, char **out, k8sa_error *err);
/** The protocol in use (AUTO until the first question resolves it). */
k8sa_tool_protocol k8sa_session_protocol(const k8sa_session *s);
/** Snapshots taken by this session so far (1 after any number of follow-ups). */
int k8sa_session_snapshot_count(const k8sa_session *s);
/**@}*/

/** @} */

#ifdef __cplusplus
}
#endif

#endif /* K8SAGENT_INVESTIGATE_H */
