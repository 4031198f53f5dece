/* SPDX-License-Identifier: MIT */
/**
 * @file tools.h
 * @brief The read-only cluster tools a model may call: list_objects, get_object, get_logs,
 *        get_events, analyze. Used by the investigation loop (investigate.h) and the MCP
 *        server; each call is a typed query through the GET-only client (kube.h).
 *
 * @defgroup tools Read-only tools
 * @{
 *
 * Names and arguments are fixed (the JSON Schema of each is in k8sa_tools_definitions_json()):
 *
 * | tool | arguments | result |
 * | --- | --- | --- |
 * | `list_objects` | `kind`, `namespace`?, `label_selector`?, `field_selector`? | a compact table, one object a line |
 * | `get_object` | `kind`, `namespace`?, `name` | the object's spec and status as JSON; env values, ConfigMap values, managedFields and last-applied annotations dropped |
 * | `get_logs` | `namespace`, `pod`, `container`?, `previous`?, `tail_lines`? (default 100, at most 1000), `grep`? (case-insensitive substring) | log lines, newest last |
 * | `get_events` | `namespace`, `kind`?, `name`? | a table of events, newest last |
 * | `analyze` | `namespace` | the deterministic findings as text (root cause first) |
 *
 * `kind` is a plural resource name (`pods`, `deployments`, `networkpolicies`...), also
 * accepted in the singular, as a short name (`po`, `deploy`, `svc`, `cm`...) or as the
 * Kind (`Pod`). `secrets` (in any spelling) is refused with the tool error "Secrets are
 * never read" and never becomes a request; so is any kind the client has no table entry for.
 * `namespace` defaults to the tools' default namespace (k8sa_tools_set_namespace()).
 *
 * Every result is redacted (redact.h), fenced as untrusted data (a preamble line and a
 * ```text fence whose backticks cannot be closed from inside), and cut to the per-result
 * token budget with a note of what was cut ("[120 earlier log lines cut to fit 2000 tokens]").
 *
 * Errors: k8sa_tools_call() returns K8SA_OK whenever it produced a result for the model,
 * including a tool error: then `*tool_status` is not K8SA_OK and the text says why
 * (K8SA_E_READ_ONLY for Secrets, K8SA_E_INVALID_ARG for bad or missing arguments or an
 * unknown kind, K8SA_E_NOT_FOUND, K8SA_E_FORBIDDEN... from the cluster). Its own return is
 * an error only for a programming error (NULL arguments) or out of memory. An MCP server
 * maps a non-OK `*tool_status` to `isError: true`, and an unknown tool name
 * (k8sa_tools_exists() 0) to a JSON-RPC error.
 *
 * Thread-safety: a ::k8sa_tools is used by one thread at a time (as its client).
 */
#ifndef K8SAGENT_TOOLS_H
#define K8SAGENT_TOOLS_H

#include <stddef.h>
#include <k8sagent/common.h>
#include <k8sagent/kube.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Opaque tool context: a client, a default namespace, a result budget. */
typedef struct k8sa_tools k8sa_tools;

/** Default per-result budget in tokens (k8sa_estimate_tokens() counts). */
#define K8SA_TOOLS_DEFAULT_RESULT_TOKENS 2000
/** Smallest per-result budget k8sa_tools_set_result_tokens() takes. */
#define K8SA_TOOLS_MIN_RESULT_TOKENS 64

/**
 * New tool context on a client. @p kube is borrowed: it must outlive the context.
 * @param out receives the context, freed with k8sa_tools_free().
 */
k8sa_status k8sa_tools_new(k8sa_tools **out, k8sa_kube *kube, k8sa_error *err);

/** Free a tool context. NULL is a no-op. */
void k8sa_tools_free(k8sa_tools *t);

/** Namespace used when a call gives none (copied; NULL: the client's default). */
k8sa_status k8sa_tools_set_namespace(k8sa_tools *t, const char *ns, k8sa_error *err);

/** Per-result budget in tokens (default ::K8SA_TOOLS_DEFAULT_RESULT_TOKENS; at least
 *  ::K8SA_TOOLS_MIN_RESULT_TOKENS). */
k8sa_status k8sa_tools_set_result_tokens(k8sa_tools *t, size_t tokens, k8sa_error *err);

/**
 * The tool definitions as a JSON array, `[{"name", "description", "parameters": <JSON
 * Schema>}, ...]` (the `function` objects of Ollama/OpenAI `tools`; MCP's `inputSchema` is
 * `parameters`). Static storage; never NULL.
 */
const char *k8sa_tools_definitions_json(void);

/** 1 when @p name is one of the five tools, else 0. */
int k8sa_tools_exists(const char *name);

/**
 * Run a tool.
 * @param name           tool name
 * @param arguments_json a JSON object of arguments (NULL or "" means `{}`)
 * @param tool_status    optional: K8SA_OK when the tool succeeded, else why it failed
 * @param out            receives the text for the model (redacted, fenced, cut), or the
 *                       tool error's message; freed with k8sa_free()
 * @return K8SA_OK when @p out was set; K8SA_E_INVALID_ARG for NULL arguments, K8SA_E_NOMEM.
 */
k8sa_status k8sa_tools_call(k8sa_tools *t, const char *name, const char *arguments_json,
			    k8sa_status *tool_status, char **out, k8sa_error *err);

/** @} */

#ifdef __cplusplus
}
#endif

#endif /* K8SAGENT_TOOLS_H */
