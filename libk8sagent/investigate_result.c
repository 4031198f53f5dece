/* SPDX-License-Identifier: MIT */
/* The investigation's events, results and transcript (investigate.h): what a finished or
 * running session tells its caller. */
#include "internal.h"
#include "investigate_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- events and results ---------------------------------------------------------------- */

K8SA_EXPORT k8sa_event_kind k8sa_event_type(const k8sa_event *ev)
{
	return ev ? ev->type : K8SA_EVENT_DONE;
}

K8SA_EXPORT const char *k8sa_event_text(const k8sa_event *ev)
{
	return ev && ev->text ? ev->text : "";
}

K8SA_EXPORT const char *k8sa_event_json(const k8sa_event *ev)
{
	return ev && ev->json ? ev->json : "{}";
}

K8SA_EXPORT const char *k8sa_session_answer(const k8sa_session *s)
{
	return s && s->question ? session_answer_text(s) : NULL;
}

K8SA_EXPORT k8sa_stop_reason k8sa_session_stopped(const k8sa_session *s)
{
	return s ? s->stopped : K8SA_STOP_NONE;
}

K8SA_EXPORT const char *k8sa_stop_reason_name(k8sa_stop_reason r)
{
	switch (r) {
	case K8SA_STOP_ANSWER:
		return "answer";
	case K8SA_STOP_MAX_STEPS:
		return "max_steps";
	case K8SA_STOP_TIMEOUT:
		return "timeout";
	case K8SA_STOP_ERROR:
		return "error";
	case K8SA_STOP_NONE:
		break;
	}
	return "none";
}

K8SA_EXPORT const char *k8sa_session_verification_json(const k8sa_session *s)
{
	return s ? s->verification : NULL;
}

K8SA_EXPORT k8sa_tool_protocol k8sa_session_protocol(const k8sa_session *s)
{
	return s ? s->protocol : K8SA_PROTOCOL_AUTO;
}

K8SA_EXPORT int k8sa_session_snapshot_count(const k8sa_session *s)
{
	return s ? s->snapshots : 0;
}

char *investigate_result_text(const k8sa_session *s)
{
	json_object *o = json_object_new_object();
	if (!o)
		return NULL;
	json_object_object_add(o, "answer", json_object_new_string(session_answer_text(s)));
	json_object_object_add(o, "steps", s->steps ? json_object_get(s->steps) : json_object_new_array());
	json_object *v = s->verification ? json_tokener_parse(s->verification) : NULL;
	if (!v) {
		v = json_object_new_object();
		json_object_object_add(v, "unknown_names", json_object_new_array());
		json_object_object_add(v, "mutating_commands", json_object_new_array());
		json_object_object_add(v, "secret_commands", json_object_new_array());
	}
	json_object_object_add(o, "verification", v);
	json_object_object_add(o, "stopped", json_object_new_string(k8sa_stop_reason_name(s->stopped)));
	json_object_object_add(o, "question", s->question ? json_object_new_string(s->question) : NULL);
	json_object_object_add(o, "namespace", json_object_new_string(s->ns));
	json_object_object_add(o, "protocol", json_object_new_string(session_protocol_name(s->protocol)));
	json_object_object_add(o, "turn", json_object_new_int(s->turn));
	json_object_object_add(o, "model_calls", json_object_new_int(s->model_calls));
	json_object_object_add(o, "snapshots", json_object_new_int(s->snapshots));
	json_object *t = json_object_new_object();
	double end = s->stopped != K8SA_STOP_NONE ? s->t_end : k8sa_now_ms();
	double total = s->question ? end - s->t_start : 0;
	double loop = total - s->snapshot_ms - s->tools_ms - s->llm_ms;
	json_object_object_add(t, "snapshot_ms", json_object_new_double(s->snapshot_ms));
	json_object_object_add(t, "tools_ms", json_object_new_double(s->tools_ms));
	json_object_object_add(t, "llm_ms", json_object_new_double(s->llm_ms));
	json_object_object_add(t, "loop_ms", json_object_new_double(loop > 0 ? loop : 0));
	json_object_object_add(t, "total_ms", json_object_new_double(total));
	json_object_object_add(o, "timings", t);
	if (s->error)
		json_object_object_add(o, "error", json_object_new_string(s->error));
	char *r = k8sa_strdup0(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
	return r;
}

K8SA_EXPORT k8sa_status k8sa_session_result_to_json(const k8sa_session *s, char **out, k8sa_error *err)
{
	if (out)
		*out = NULL;
	if (!s || !out)
		return k8sa_fail(err, K8SA_E_INVALID_ARG, "session or out is NULL");
	*out = investigate_result_text(s);
	return *out ? K8SA_OK : k8sa_fail(err, K8SA_E_NOMEM, "out of memory");
}

static char *transcript_json(const k8sa_session *s)
{
	llm_tmsg *wire = malloc((s->nmsgs ? s->nmsgs : 1) * sizeof(*wire));
	if (!wire)
		return NULL;
	for (size_t i = 0; i < s->nmsgs; i++)
		wire[i] = s->msgs[i].m;
	char *body = llm_tools_request(s->llm, wire, s->nmsgs, s->protocol == K8SA_PROTOCOL_NATIVE, 0, NULL);
	free(wire);
	json_object *o = body ? json_tokener_parse(body) : NULL;
	free(body);
	json_object *m = NULL;
	char *r = NULL;
	if (o && json_object_object_get_ex(o, "messages", &m))
		r = k8sa_strdup0(json_object_to_json_string_ext(m, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
	return r;
}

K8SA_EXPORT k8sa_status k8sa_session_transcript_to_json(const k8sa_session *s, char **out, k8sa_error *err)
{
	if (out)
		*out = NULL;
	if (!s || !out)
		return k8sa_fail(err, K8SA_E_INVALID_ARG, "session or out is NULL");
	*out = transcript_json(s);
	return *out ? K8SA_OK : k8sa_fail(err, K8SA_E_NOMEM, "out of memory");
}
