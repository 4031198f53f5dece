/* SPDX-License-Identifier: MIT */
/* The tool-call wire protocol (private): requests carrying `tools` and tool messages in the
 * Ollama and OpenAI shapes, tool calls assembled from the answer's objects (whole or
 * streamed deltas), the JSON-action fallback, and the model's capabilities. */
#ifndef K8SA_LLM_TOOLS_H
#define K8SA_LLM_TOOLS_H

#include "llm_internal.h"
#include <json-c/json.h>

typedef struct llm_tool_call {
	char *id;        /* the model's id, or one made up ("call_3") */
	char *name;
	char *arguments; /* JSON object text ("{}" when the model sent none or garbage) */
} llm_tool_call;

/* A conversation message in a neutral shape; rendered per protocol by llm_tools_request(). */
typedef struct llm_tmsg {
	const char *role;        /* "system", "user", "assistant", "tool" (static strings) */
	char *content;           /* may be "" */
	llm_tool_call *calls;    /* assistant: the tool calls it made */
	size_t ncalls;
	char *call_id, *tool_name; /* tool: which call this answers */
} llm_tmsg;

/* Collects the tool calls of one answer: the llm_object_fn hook for llm_stream_start_body(). */
typedef struct llm_tool_acc {
	k8sa_backend backend;
	llm_tool_call *calls;
	size_t n, cap;
	int next_id;
	k8sa_tbuf *frag;      /* OpenAI streams: arguments fragments per index */
	size_t nfrag;
} llm_tool_acc;

int llm_tools_on_object(void *ud, struct json_object *o, int whole);
/* After the stream ended: turn fragments into calls. 0 ok, -1 ENOMEM. */
int llm_tool_acc_finish(llm_tool_acc *a);
void llm_tool_acc_free(llm_tool_acc *a);
void llm_tool_call_clear(llm_tool_call *c);

/* The request body for this conversation. native: send `tools` (the definitions array of
 * tools.h) and tool messages in the backend's shape; otherwise (JSON actions, or the final
 * call without tools) tool calls and results are plain text. Caller frees. */
char *llm_tools_request(const k8sa_llm *llm, const llm_tmsg *msgs, size_t n, int native, int offer_tools,
			const char *definitions_json);

/* A JSON action in a model's text: 1 a tool call (name, arguments set, caller frees),
 * 2 an answer (*answer set, caller frees), 0 neither (the text is the answer). */
int llm_tools_parse_action(const char *text, char **name, char **arguments, char **answer);

/* Ollama /api/show: 1 when "tools" is among the model's capabilities, 0 when not, -1 when
 * it could not be asked (OpenAI backend, old server, error). */
int llm_tools_model_supports(const k8sa_llm *llm, long timeout_ms);

#endif
