/* SPDX-License-Identifier: MIT */
/* The investigation session's state, shared by investigate.c (the loop) and
 * investigate_result.c (events, results, transcript). Private to the library. */
#ifndef K8SA_INVESTIGATE_INTERNAL_H
#define K8SA_INVESTIGATE_INTERNAL_H

#include "llm_tools.h"
#include "tbuf.h"

#include <k8sagent/investigate.h>
#include <k8sagent/kube.h>
#include <k8sagent/tools.h>
#include <k8sagent/verify.h>

#include <json-c/json.h>
#include <pthread.h>
#include <stdatomic.h>

typedef enum { M_SYSTEM, M_CONTEXT, M_QUESTION, M_ASSISTANT, M_TOOL } mkind;

typedef struct {
	llm_tmsg m;
	mkind kind;
	int turn;
	int summarised;
	char *call_args; /* M_TOOL: the call's arguments, for the summary */
} tmsg;

typedef struct {
	char *key; /* name + "\n" + canonical arguments */
	char *result;
	k8sa_status status;
} cached;

typedef enum { Q_NONE, Q_CALL_MODEL, Q_STREAM, Q_TOOLS, Q_VERIFY, Q_DONE, Q_OVER } qstate;

struct k8sa_event {
	k8sa_event_kind type;
	char *text;
	char *json;
};

struct k8sa_session {
	k8sa_agent *agent;
	k8sa_kube *kube;
	k8sa_llm *llm; /* a copy: the session sets context and timeouts per call */
	char *ns;
	k8sa_tools *tools;
	k8sa_verifier *verifier;
	int max_steps, result_tokens;
	double time_limit_s;
	k8sa_tool_protocol protocol_setting, protocol;
	int need_snapshot, snapshots;
	char *context, *findings_text;
	/* transcript */
	tmsg *msgs;
	size_t nmsgs, capmsgs;
	cached *cache;
	size_t ncache, capcache;
	/* the current question */
	int turn;
	char *question;
	qstate state;
	int final_call;    /* the last call, after the step limit: tool calls then stop the question */
	int fallback_retry;
	int steps_used;
	int model_calls;
	json_object *steps;
	llm_tool_acc acc;
	k8sa_llm_stream *stream;
	k8sa_tbuf turn_text;
	k8sa_tbuf answer;
	char *last_text; /* the best answer so far (last non-empty model text of this question) */
	size_t pending_from; /* Q_TOOLS: index in msgs of the assistant message with the calls */
	size_t pending_next;
	k8sa_stop_reason stopped;
	char *verification;
	char *error;
	double t_start, deadline, snapshot_ms, tools_ms, llm_ms, t_end;
	atomic_int cancelled;
	pthread_mutex_t stream_mu; /* guards `stream` against k8sa_session_cancel() from another thread */
	k8sa_event ev;
};

static inline const char *session_answer_text(const k8sa_session *s)
{
	return s->answer.p ? s->answer.p : "";
}

static inline const char *session_protocol_name(k8sa_tool_protocol p)
{
	return p == K8SA_PROTOCOL_NATIVE ? "native" : p == K8SA_PROTOCOL_JSON ? "json" : "auto";
}

/* The result text k8sa_session_run() returns and the result JSON's "answer" side. */
char *investigate_result_text(const k8sa_session *s);

#endif
