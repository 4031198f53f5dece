/* SPDX-License-Identifier: MIT */
/* Private parts of the LLM client shared by llm.c (settings, messages, results, models),
 * llm_stream.c (the transfer) and llm_parse.c (framing parsers, error bodies). */
#ifndef K8SA_LLM_INTERNAL_H
#define K8SA_LLM_INTERNAL_H

#include "internal.h"
#include "tbuf.h"
#include <k8sagent/llm.h>

#include "http_internal.h"

/* Idle curl multi handles of a k8sa_llm and its clones (refcounted). Each keeps its open
 * connection to the model server, so the next call skips the TCP (and TLS) handshake. A
 * handle serves one stream at a time: curl does not support one connection cache used by
 * concurrent threads, so connections are never shared, only handed on. */
struct llm_pool;
/* An idle multi handle, or a new one; NULL: no memory. p may be NULL (no pool). */
CURLM *llm_pool_take(struct llm_pool *p);
/* Hand m back; a handle whose transfer did not end cleanly (reusable 0), or one beyond the
 * pool's size, is closed. */
void llm_pool_give(struct llm_pool *p, CURLM *m, int reusable);

struct k8sa_llm {
	struct llm_pool *pool; /* shared with clones */
	char *url; /* no trailing '/' */
	k8sa_backend backend;
	char *model;
	char *api_key;
	char *keep_alive;
	char *proxy; /* NULL: direct (the environment's proxies are never used) */
	double temperature; /* < 0: unset */
	long num_ctx;       /* 0: unset */
	long max_tokens;    /* 0: unset */
	long seed;          /* < 0: unset */
	long connect_ms, first_token_ms, total_ms;
	unsigned int retries;
	long backoff_ms;
	int streaming;
};

struct k8sa_messages {
	size_t n, cap;
	char **role;
	char **content;
};

struct k8sa_llm_result {
	k8sa_tbuf text;
	char *model;
	char *done_reason;
	int complete;
	long prompt_tokens, answer_tokens;
	double total_ms, load_ms, prompt_eval_ms, eval_ms;
	double first_token_ms, elapsed_ms;
	int attempts;
};

void llm_result_init(k8sa_llm_result *r);
void llm_result_clear(k8sa_llm_result *r);

/* ---- framing parsers (llm_parse.c) ---- */

enum llm_framing {
	LLM_FRAME_NDJSON,       /* Ollama stream: one JSON per line */
	LLM_FRAME_SSE,          /* OpenAI stream: data: events */
	LLM_FRAME_OLLAMA_WHOLE, /* Ollama stream:false: one JSON body */
	LLM_FRAME_OPENAI_WHOLE  /* OpenAI stream:false: one JSON body */
};

/* Called for each non-empty piece of answer text; return 0 on success, -1 on ENOMEM. */
typedef int (*llm_text_fn)(void *ud, const char *text, size_t len);

/* Optional: called with every parsed JSON object of the answer (an NDJSON line, an SSE
 * event's data, or the whole stream:false body: `whole` 1), before its text is emitted; the
 * tool-call layer (llm_tools.c) reads tool_calls from it. `o` is borrowed for the call.
 * Return 0 on success, -1 on ENOMEM. */
struct json_object;
typedef int (*llm_object_fn)(void *ud, struct json_object *o, int whole);

struct llm_parser {
	enum llm_framing framing;
	k8sa_tbuf line;       /* partial line (streams) or the whole body */
	k8sa_tbuf data;       /* SSE: data of the event being read */
	int have_data;        /* SSE: a data: field was seen for the current event */
	int done;             /* the server said the answer is complete */
	int finish_seen;      /* SSE: a finish_reason arrived */
	k8sa_status status;   /* K8SA_OK, or the first failure (then feeding stops) */
	char message[K8SA_ERROR_MESSAGE_SIZE];
	k8sa_llm_result *res; /* metrics, model and stop reason land here */
	llm_text_fn on_text;
	void *ud;
	llm_object_fn on_object; /* optional, see llm_object_fn */
	void *oud;
};

void llm_parser_init(struct llm_parser *p, enum llm_framing framing, k8sa_llm_result *res,
		     llm_text_fn on_text, void *ud);
/* Feed bytes as they come, split anywhere. Returns p->status. */
k8sa_status llm_parser_feed(struct llm_parser *p, const char *data, size_t len);
/* End of body: parses what is buffered and checks the answer was complete. Returns
 * K8SA_OK when complete, else p->status (K8SA_E_PROTOCOL for a cut stream). */
k8sa_status llm_parser_finish(struct llm_parser *p);
void llm_parser_free(struct llm_parser *p);

/* The message of an error body (Ollama {"error":"..."}, OpenAI/llama.cpp/vLLM
 * {"error":{"message":...}}, vLLM legacy {"object":"error","message":...}), or the trimmed
 * body text when it is not JSON. NULL for an empty body. Caller frees. */
char *llm_error_body_message(const char *body, size_t len);

/* ---- shared by llm.c and llm_stream.c ---- */

k8sa_llm *llm_clone(const k8sa_llm *llm);
/* Full URL of an endpoint ("/api/chat", "/v1/models"...) for this backend. Caller frees. */
char *llm_endpoint(const k8sa_llm *llm, const char *path);
/* Request body for a chat. Caller frees. */
char *llm_build_request(const k8sa_llm *llm, const k8sa_messages *msgs);
/* A libcurl handle for this client (its proxy and connect timeout); max_ms > 0 caps the whole
 * transfer at the smaller of it and the client's total timeout, 0 leaves deadlines to the
 * caller. errbuf: CURL_ERROR_SIZE bytes. NULL when out of memory. */
CURL *llm_easy(const k8sa_llm *llm, long max_ms, char *errbuf);
/* Fill err for an HTTP error status with the server's body, mapped as llm.h says. */
k8sa_status llm_http_error(const k8sa_llm *llm, long status, const char *body, size_t len,
			   k8sa_error *err);
/* Fill err for a connection failure (names the URL, suggests OLLAMA_HOST / --llm-url). */
k8sa_status llm_connect_error(const k8sa_llm *llm, const char *why, k8sa_error *err);

/* k8sa_llm_stream_start() with a request body built by the caller (taken over: freed by the
 * stream, also on failure) and an optional hook that sees every parsed answer object.
 * `path` is the endpoint ("/api/show"), NULL for the backend's chat endpoint. */
k8sa_status llm_stream_start_body(const k8sa_llm *llm, const char *path, char *body, llm_object_fn on_object,
				  void *oud, k8sa_llm_stream **stream, k8sa_error *err);

/* Move the stream's result out (the stream keeps an empty one). NULL on ENOMEM. */
k8sa_llm_result *llm_stream_take_result(k8sa_llm_stream *s);

#endif
