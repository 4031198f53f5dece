/* SPDX-License-Identifier: MIT */
/**
 * @file mcp.h
 * @brief A Model Context Protocol server for the read-only tools, independent of transport.
 *
 * @defgroup mcp MCP server
 * @{
 *
 * ::k8sa_mcp answers MCP's JSON-RPC 2.0 messages one at a time: the caller owns the
 * transport (`k8sagent mcp` reads newline-delimited messages on stdin and writes the answers
 * to stdout; k8sagentd serves them over streamable HTTP at `/mcp`). It offers:
 *
 * - `initialize` with version negotiation: the client's `protocolVersion` is echoed when it
 *   is one of ::k8sa_mcp_protocol_versions(), otherwise the newest one is offered;
 * - `ping`, `notifications/initialized` (and any other notification: no answer);
 * - `tools/list`, `tools/call`: exactly the tools of tools.h (`list_objects`, `get_object`,
 *   `get_logs`, `get_events`, `analyze`), sharing their code: results are redacted, fenced
 *   and cut as for the investigation loop. A tool failure (Secrets, unknown kind, invalid
 *   name, API error) is a result with `isError: true` and a message the model can act on,
 *   and makes no API request where the arguments are refused; an unknown tool is a JSON-RPC
 *   error -32602;
 * - `prompts/list`, `prompts/get`: `diagnose` (arguments `namespace`, `question`) returns the
 *   exact messages `k8sagent diagnose --print-prompt` builds (MCP prompt messages have only
 *   the roles user and assistant, so the system message is sent as the first user message).
 *
 * Malformed input gets the JSON-RPC error it deserves: -32700 (not JSON), -32600 (not a
 * request object; a batch array: MCP 2025-06-18 removed batching), -32601 (unknown
 * method), -32602 (bad params). Requests before `initialize` are answered all the same
 * (a lenient server; clients never depend on the refusal).
 *
 * Thread-safety: one ::k8sa_mcp per thread at a time (it uses its agent's client).
 */
#ifndef K8SAGENT_MCP_H
#define K8SAGENT_MCP_H

#include <stddef.h>
#include <k8sagent/agent.h>
#include <k8sagent/common.h>
#include <k8sagent/tools.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Opaque MCP server state. */
typedef struct k8sa_mcp k8sa_mcp;

/**
 * New server on an agent: the tools use the agent's Kubernetes client (its kubeconfig is
 * loaded now if it was not yet), the `diagnose` prompt the agent itself.
 * @param out   receives the server, freed with k8sa_mcp_free()
 * @param agent borrowed: it must outlive the server and not be used elsewhere meanwhile
 * @param ns    namespace a tool call uses when it names none (copied); NULL: the agent's
 *              default namespace
 */
k8sa_status k8sa_mcp_new(k8sa_mcp **out, k8sa_agent *agent, const char *ns, k8sa_error *err);

/** Free a server (not its agent). NULL is a no-op. */
void k8sa_mcp_free(k8sa_mcp *m);

/**
 * Answer one message.
 * @param msg      one JSON-RPC message (need not be NUL-terminated)
 * @param len      its length in bytes
 * @param response receives the answer as one line of JSON without a newline, freed with
 *                 k8sa_free(); NULL when the message needs no answer (a notification or a
 *                 response from the client)
 * @return K8SA_OK whenever the message was handled, including with a JSON-RPC error in
 *         @p response; K8SA_E_INVALID_ARG for NULL arguments, K8SA_E_NOMEM.
 */
k8sa_status k8sa_mcp_handle(k8sa_mcp *m, const char *msg, size_t len, char **response, k8sa_error *err);

/**
 * The protocol revisions this server speaks, newest first, NULL-terminated (static).
 */
const char *const *k8sa_mcp_protocol_versions(void);

/** @} */

#ifdef __cplusplus
}
#endif

#endif /* K8SAGENT_MCP_H */
