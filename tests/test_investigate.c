/* SPDX-License-Identifier: MIT */
/* The investigation loop end to end: kubesim (log-only-fault: every pod healthy, the fault only
 * in the payments pod's log) -> session -> llmsim scripted to call tools, over Ollama native
 * tool calls, OpenAI tool calls (whole and streamed in fragments) and the JSON-action
 * fallback; plus the tools themselves, the Secret refusal, the step limit, follow-ups,
 * verification, the time limit, and kubesim's audit log (GET only, no second snapshot). */
#include "internal.h"
#include <k8sagent/k8sagent.h>

#include "lib/sim.h"

#include <check.h>

#include "lib/check_main.h"
#include "lib/text_check.h"
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define POD "payments-9rq9jkchhs-wsplt"
#define QUESTION "Why do checkouts fail in pay?"
#define ANSWER "The payments pod " POD " cannot charge: the TLS certificate of fraud-check.pay.svc has expired " \
	"(x509 errors in its log).\\n```bash\\nkubectl logs " POD " -n pay\\n```"
#define GET_LOGS "{\"name\":\"get_logs\",\"arguments\":{\"namespace\":\"pay\",\"pod\":\"" POD "\"}}"
/* The JSON-action protocol (for llmsim rules): the rule answering once the log was read, and
 * the get_logs action as the text of a reply. */
#define JSON_ANSWER_RULE "{\"match\":\"certificate has expired\",\"reply\":\"{\\\"answer\\\": \\\"" ANSWER "\\\"}\"}"
#define JSON_LOGS_ACTION \
	"{\\\"tool\\\": \\\"get_logs\\\", \\\"arguments\\\": {\\\"namespace\\\": \\\"pay\\\", \\\"pod\\\": \\\"" POD "\\\"}}"

static struct test_sim kube, llm;

static void setup(void)
{
	ck_assert_int_eq(start_kubesim(&kube, "log-only-fault", 1), 0);
}

static void teardown(void)
{
	test_sim_stop(&llm);
	test_sim_stop(&kube);
}

static k8sa_agent *agent(const char *backend)
{
	k8sa_agent *a = NULL;
	k8sa_error e = {0};
	ck_assert_int_eq(k8sa_agent_new(&a, &e), K8SA_OK);
	ck_assert_msg(k8sa_agent_load_kubeconfig(a, kube.kubeconfig, NULL, &e) == K8SA_OK, "%s", e.message);
	ck_assert_int_eq(k8sa_agent_set_llm_url(a, llm.url, NULL), K8SA_OK);
	ck_assert_int_eq(k8sa_agent_set_backend(a, backend, NULL), K8SA_OK);
	k8sa_agent_set_timeout(a, 20, NULL);
	return a;
}

/* Run one question; returns the result JSON parsed. */
static json_object *run(k8sa_session *s, const char *q, k8sa_status want)
{
	char *json = NULL;
	k8sa_error e = {0};
	k8sa_status st = k8sa_session_run(s, q, &json, &e);
	ck_assert_msg(st == want, "run: %s (%s)", k8sa_strerror(st), e.message);
	ck_assert_ptr_nonnull(json);
	json_object *o = json_tokener_parse(json);
	ck_assert_msg(o != NULL, "%s", json);
	free(json);
	return o;
}

static const char *jstr(json_object *o, const char *k)
{
	json_object *v = NULL;
	ck_assert_msg(json_object_object_get_ex(o, k, &v), "no %s", k);
	return json_object_get_string(v);
}

static json_object *jget(json_object *o, const char *k)
{
	json_object *v = NULL;
	ck_assert_msg(json_object_object_get_ex(o, k, &v), "no %s", k);
	return v;
}

/* Lines of llmsim's record, parsed. */
static json_object *records(void)
{
	json_object *arr = json_object_new_array();
	char *all = test_slurp(llm.record, NULL);
	ck_assert_ptr_nonnull(all);
	for (char *line = strtok(all, "\n"); line; line = strtok(NULL, "\n")) {
		json_object *o = json_tokener_parse(line), *path;
		if (o && json_object_object_get_ex(o, "path", &path) &&
		    strstr(json_object_get_string(path), "chat"))
			json_object_array_add(arr, o);
		else
			json_object_put(o);
	}
	free(all);
	return arr;
}

/* Audit log: every request a GET; count those whose path contains `needle` (and query `q`). */
static int audit_count(const char *needle, const char *q)
{
	char *all = test_slurp(kube.audit, NULL);
	ck_assert_ptr_nonnull(all);
	int n = 0;
	for (char *line = strtok(all, "\n"); line; line = strtok(NULL, "\n")) {
		json_object *o = json_tokener_parse(line), *m, *p, *qq = NULL;
		ck_assert_ptr_nonnull(o);
		ck_assert(json_object_object_get_ex(o, "method", &m));
		ck_assert(json_object_object_get_ex(o, "path", &p));
		ck_assert_str_eq(json_object_get_string(m), "GET");
		ck_assert_ptr_null(strstr(json_object_get_string(p), "secret"));
		json_object_object_get_ex(o, "query", &qq);
		const char *query = qq ? json_object_get_string(qq) : "";
		if (strstr(json_object_get_string(p), needle) && (!q || (query && strstr(query, q))))
			n++;
		json_object_put(o);
	}
	free(all);
	return n;
}

static void start_llm(const char *script)
{
	ck_assert_int_eq(start_llmsim(&llm, script), 0);
}

/* A session on namespace pay of a new agent (backend, on llmsim); the agent in *a. */
static k8sa_session *pay_session(const char *backend, k8sa_agent **a)
{
	k8sa_session *s = NULL;
	*a = agent(backend);
	ck_assert_int_eq(k8sa_session_new(&s, *a, "pay", NULL), K8SA_OK);
	return s;
}

/* Put the last result o, free the session, then its agent. */
static void close_session(k8sa_session *s, k8sa_agent *a, json_object *o)
{
	json_object_put(o);
	k8sa_session_free(s);
	k8sa_agent_free(a);
}

/* The scripted model: asked the question it reads the payments log; given the log it answers. */
static const char *script_native(const char *flavor)
{
	static char buf[4096];
	snprintf(buf, sizeof(buf),
		 "{\"flavor\":\"%s\",\"rules\":["
		 "{\"match_last\":\"certificate has expired\",\"reply\":\"" ANSWER "\"},"
		 "{\"match\":\"checkouts\",\"tool_calls\":[" GET_LOGS "]}]}",
		 flavor);
	return buf;
}

static void check_log_fault_solved(json_object *o, const char *protocol)
{
	ck_assert_str_eq(jstr(o, "stopped"), "answer");
	ck_assert_str_eq(jstr(o, "protocol"), protocol);
	ck_assert_ptr_nonnull(strstr(jstr(o, "answer"), "certificate of fraud-check.pay.svc has expired"));
	json_object *steps = jget(o, "steps");
	ck_assert_uint_eq(json_object_array_length(steps), 1);
	json_object *st = json_object_array_get_idx(steps, 0);
	ck_assert_str_eq(jstr(st, "tool"), "get_logs");
	ck_assert_str_eq(jstr(jget(st, "arguments"), "pod"), POD);
	ck_assert(json_object_get_int(jget(st, "result_chars")) > 100);
	ck_assert(json_object_is_type(jget(st, "error"), json_type_null));
	json_object *v = jget(o, "verification");
	ck_assert_uint_eq(json_object_array_length(jget(v, "unknown_names")), 0);
	ck_assert_uint_eq(json_object_array_length(jget(v, "mutating_commands")), 0);
	ck_assert_uint_eq(json_object_array_length(jget(v, "secret_commands")), 0);
	/* the log was read once, through the client; everything was a GET */
	ck_assert_int_eq(audit_count("/pods/" POD "/log", NULL), 1);
}

/* llmsim on script, a session of a backend agent asks QUESTION, and the answer (returned, with
 * the session in *s and the agent in *a for close_session()) solves the log-only fault over
 * protocol. */
static json_object *solved(const char *script, const char *backend, const char *protocol, k8sa_session **s,
			   k8sa_agent **a)
{
	start_llm(script);
	*s = pay_session(backend, a);
	json_object *o = run(*s, QUESTION, K8SA_OK);
	check_log_fault_solved(o, protocol);
	return o;
}

START_TEST(ollama_native_tool_calls_find_the_log_only_fault)
{
	k8sa_agent *a;
	k8sa_session *s;
	json_object *o = solved(script_native("ollama"), "ollama", "native", &s, &a);
	/* wire: the second request carries tools, the assistant's call (arguments an object) and
	 * the tool result with tool_name, fenced */
	json_object *rec = records();
	ck_assert_uint_eq(json_object_array_length(rec), 2);
	json_object *body = jget(json_object_array_get_idx(rec, 1), "body");
	ck_assert_uint_eq(json_object_array_length(jget(body, "tools")), 5);
	json_object *msgs = jget(body, "messages");
	size_t n = json_object_array_length(msgs);
	json_object *call = json_object_array_get_idx(msgs, n - 2), *res = json_object_array_get_idx(msgs, n - 1);
	ck_assert_str_eq(jstr(call, "role"), "assistant");
	json_object *fn = jget(json_object_array_get_idx(jget(call, "tool_calls"), 0), "function");
	ck_assert(json_object_is_type(jget(fn, "arguments"), json_type_object));
	ck_assert_str_eq(jstr(res, "role"), "tool");
	ck_assert_str_eq(jstr(res, "tool_name"), "get_logs");
	ck_assert_ptr_nonnull(strstr(jstr(res, "content"), "untrusted data"));
	ck_assert_ptr_nonnull(strstr(jstr(res, "content"), "x509: certificate has expired"));
	json_object_put(rec);
	close_session(s, a, o);
}
END_TEST

static void openai_case(const char *flavor)
{
	k8sa_agent *a;
	k8sa_session *s;
	json_object *o = solved(script_native(flavor), "openai", "native", &s, &a);
	json_object *rec = records();
	json_object *body = jget(json_object_array_get_idx(rec, 1), "body");
	json_object *msgs = jget(body, "messages");
	size_t n = json_object_array_length(msgs);
	json_object *call = json_object_array_get_idx(msgs, n - 2), *res = json_object_array_get_idx(msgs, n - 1);
	json_object *tc = json_object_array_get_idx(jget(call, "tool_calls"), 0);
	ck_assert(json_object_is_type(jget(jget(tc, "function"), "arguments"), json_type_string));
	ck_assert_str_eq(jstr(res, "role"), "tool");
	ck_assert_str_eq(jstr(res, "tool_call_id"), jstr(tc, "id"));
	json_object_put(rec);
	close_session(s, a, o);
}

START_TEST(openai_tool_calls_streamed_in_fragments)
{
	openai_case("llamacpp"); /* arguments in pieces, joined per index */
}
END_TEST

START_TEST(openai_tool_calls_whole)
{
	openai_case("ollama"); /* Ollama /v1: each call whole in one delta */
}
END_TEST

START_TEST(json_fallback_for_models_without_tools)
{
	k8sa_agent *a;
	k8sa_session *s;
	json_object *o = solved("{\"capabilities\":[\"completion\"],\"rules\":[" JSON_ANSWER_RULE ","
				"{\"match\":\"checkouts\",\"reply\":\"I will read the log.\\n" JSON_LOGS_ACTION "\"}]}",
				"ollama", "json", &s, &a);
	ck_assert_ptr_null(strstr(jstr(o, "answer"), "{"));
	json_object *rec = records();
	for (size_t i = 0; i < json_object_array_length(rec); i++) {
		json_object *b = jget(json_object_array_get_idx(rec, i), "body"), *t = NULL;
		ck_assert(!json_object_object_get_ex(b, "tools", &t));
	}
	json_object_put(rec);
	close_session(s, a, o);
}
END_TEST

START_TEST(server_rejecting_tools_switches_to_json)
{
	k8sa_agent *a;
	k8sa_session *s;
	json_object *o = solved("{\"rules\":[{\"tools\":true,\"error\":{\"status\":400,\"message\":"
				"\"registry.ollama.ai/library/mistral:latest does not support tools\"}}," JSON_ANSWER_RULE ","
				"{\"match\":\"checkouts\",\"reply\":\"" JSON_LOGS_ACTION "\"}]}",
				"ollama", "json", &s, &a);
	close_session(s, a, o);
}
END_TEST

START_TEST(secrets_are_refused_as_a_tool_error)
{
	start_llm("{\"rules\":["
		  "{\"match_last\":\"Secrets are never read\",\"reply\":\"I cannot read Secrets; the payments pod "
		  "refers to them by name only.\"},"
		  "{\"match\":\"password\",\"tool_calls\":[{\"name\":\"get_object\",\"arguments\":{\"kind\":\"secrets\","
		  "\"namespace\":\"pay\",\"name\":\"payments-db\"}}]}]}");
	k8sa_agent *a;
	k8sa_session *s = pay_session("ollama", &a);
	json_object *o = run(s, "What is the database password?", K8SA_OK);
	ck_assert_str_eq(jstr(o, "stopped"), "answer");
	json_object *st = json_object_array_get_idx(jget(o, "steps"), 0);
	ck_assert_str_eq(jstr(st, "tool"), "get_object");
	ck_assert_ptr_nonnull(strstr(jstr(st, "error"), "Secrets are never read"));
	ck_assert_int_eq(audit_count("secret", NULL), 0); /* audit_count also asserts it */
	close_session(s, a, o);
}
END_TEST

START_TEST(looping_model_stops_at_max_steps)
{
	/* always calls a tool, even when told to answer */
	start_llm("{\"rules\":[{\"tool_calls\":[" GET_LOGS "],\"reply\":\"Still looking at " POD ".\"}]}");
	k8sa_agent *a;
	k8sa_session *s = pay_session("ollama", &a);
	ck_assert_int_eq(k8sa_session_set_max_steps(s, 3, NULL), K8SA_OK);
	json_object *o = run(s, QUESTION, K8SA_OK);
	ck_assert_str_eq(jstr(o, "stopped"), "max_steps");
	ck_assert_int_eq(k8sa_session_stopped(s), K8SA_STOP_MAX_STEPS);
	ck_assert_ptr_nonnull(strstr(jstr(o, "answer"), "Step limit reached"));
	ck_assert_msg(strstr(jstr(o, "answer"), "Still looking") != NULL, "%s", jstr(o, "answer"));
	json_object *steps = jget(o, "steps");
	ck_assert_uint_eq(json_object_array_length(steps), 3);
	/* the same call again is answered from the session, not the API */
	ck_assert(!json_object_get_boolean(jget(json_object_array_get_idx(steps, 0), "cached")));
	ck_assert(json_object_get_boolean(jget(json_object_array_get_idx(steps, 1), "cached")));
	ck_assert(json_object_get_boolean(jget(json_object_array_get_idx(steps, 2), "cached")));
	ck_assert_int_eq(audit_count("/log", NULL), 1);
	ck_assert_int_eq(json_object_get_int(jget(o, "model_calls")), 4); /* 3 steps + the last, told to stop */
	close_session(s, a, o);
}
END_TEST

START_TEST(follow_ups_reuse_the_session)
{
	start_llm(script_native("ollama"));
	k8sa_agent *a;
	k8sa_session *s = pay_session("ollama", &a);
	json_object *o = run(s, QUESTION, K8SA_OK);
	json_object_put(o);
	int pod_lists = audit_count("/namespaces/pay/pods", "limit");
	ck_assert_int_ge(pod_lists, 1);
	o = run(s, "And what about the frontend? Are checkouts still failing?", K8SA_OK);
	ck_assert_str_eq(jstr(o, "stopped"), "answer");
	ck_assert_int_eq(json_object_get_int(jget(o, "turn")), 2);
	ck_assert_int_eq(k8sa_session_snapshot_count(s), 1);
	/* no second snapshot: the pod list was not fetched again, and the repeated get_logs came
	 * from the session */
	ck_assert_int_eq(audit_count("/namespaces/pay/pods", "limit"), pod_lists);
	ck_assert_int_eq(audit_count("/log", NULL), 1);
	/* the model saw the first question, its tool result and answer */
	json_object *rec = records();
	json_object *last = jget(json_object_array_get_idx(rec, json_object_array_length(rec) - 1), "body");
	const char *all = json_object_to_json_string(jget(last, "messages"));
	TEXT_HAS(all, "Why do checkouts fail", "frontend?", "fraud-check.pay.svc has expired");
	json_object_put(rec);
	json_object_put(o);
	/* refresh: a new snapshot at the next question */
	k8sa_session_refresh(s);
	o = run(s, "Once more: why do checkouts fail?", K8SA_OK);
	ck_assert_int_eq(k8sa_session_snapshot_count(s), 2);
	close_session(s, a, o);
}
END_TEST

START_TEST(oldest_tool_results_make_room_in_a_small_window)
{
	start_llm("{\"rules\":["
		  "{\"match_last\":\"pods in namespace pay\",\"reply\":\"" ANSWER "\"},"
		  "{\"match_last\":\"\\\"kind\\\": \\\"Deployment\\\"\",\"tool_calls\":[{\"name\":\"list_objects\","
		  "\"arguments\":{\"kind\":\"pods\"}}]},"
		  "{\"match_last\":\"x509\",\"tool_calls\":[{\"name\":\"get_object\",\"arguments\":{\"kind\":"
		  "\"deployments\",\"name\":\"payments\"}}]},"
		  "{\"match\":\"checkouts\",\"tool_calls\":[" GET_LOGS "]}]}");
	k8sa_agent *a = agent("ollama");
	ck_assert_int_eq(k8sa_agent_set_context_tokens(a, 3072, NULL), K8SA_OK);
	ck_assert_int_eq(k8sa_agent_set_answer_tokens(a, 1024, NULL), K8SA_OK);
	k8sa_session *s = NULL;
	ck_assert_int_eq(k8sa_session_new(&s, a, "pay", NULL), K8SA_OK);
	json_object *o = run(s, QUESTION, K8SA_OK);
	ck_assert_str_eq(jstr(o, "stopped"), "answer");
	ck_assert_uint_eq(json_object_array_length(jget(o, "steps")), 3);
	json_object *rec = records();
	json_object *body = jget(json_object_array_get_idx(rec, json_object_array_length(rec) - 1), "body");
	json_object *msgs = jget(body, "messages");
	size_t tokens = 0;
	int dropped = 0, question = 0;
	for (size_t i = 0; i < json_object_array_length(msgs); i++) {
		const char *c = jstr(json_object_array_get_idx(msgs, i), "content");
		tokens += (strlen(c) + 2) / 3 + 8;
		dropped += strncmp(c, "[result of get_logs", 19) == 0;
		question += strstr(c, "Why do checkouts fail") != NULL;
	}
	ck_assert_str_eq(jstr(json_object_array_get_idx(msgs, 0), "role"), "system");
	ck_assert_int_eq(dropped, 1); /* the oldest result, summarised */
	ck_assert_int_eq(question, 1);
	/* the newest results are whole */
	ck_assert_ptr_nonnull(strstr(json_object_to_json_string(msgs), "pods in namespace pay"));
	size_t defs = (strlen(k8sa_tools_definitions_json()) + 2) / 3;
	ck_assert_msg(tokens + defs <= 3072 - 1024, "%zu + %zu tokens", tokens, defs);
	json_object_put(rec);
	close_session(s, a, o);
}
END_TEST

START_TEST(verification_catches_made_up_pod_and_delete)
{
	start_llm("{\"rules\":[{\"reply\":\"Pod payments-9rq9jkchhs-zzzzz is stuck. Fix:\\n```\\nkubectl delete pod "
		  "payments-9rq9jkchhs-zzzzz -n pay\\nkubectl get secret payments-db -n pay -o yaml\\n```\"}]}");
	k8sa_agent *a;
	k8sa_session *s = pay_session("ollama", &a);
	ck_assert_int_eq(k8sa_session_ask(s, QUESTION, NULL), K8SA_OK);
	const k8sa_event *ev;
	int tokens = 0, verif = 0, done = 0;
	while (k8sa_session_next(s, &ev, NULL) == K8SA_OK && ev) {
		switch (k8sa_event_type(ev)) {
		case K8SA_EVENT_TOKEN:
			tokens++;
			break;
		case K8SA_EVENT_VERIFICATION: {
			verif++;
			json_object *v = json_tokener_parse(k8sa_event_json(ev));
			ck_assert_str_eq(json_object_get_string(json_object_array_get_idx(jget(v, "unknown_names"), 0)),
					 "payments-9rq9jkchhs-zzzzz");
			ck_assert_str_eq(json_object_get_string(json_object_array_get_idx(jget(v, "mutating_commands"), 0)),
					 "kubectl delete pod payments-9rq9jkchhs-zzzzz -n pay");
			ck_assert_str_eq(json_object_get_string(json_object_array_get_idx(jget(v, "secret_commands"), 0)),
					 "kubectl get secret payments-db -n pay -o yaml");
			json_object_put(v);
			break;
		}
		case K8SA_EVENT_DONE:
			done++;
			ck_assert_ptr_nonnull(strstr(k8sa_event_text(ev), "stuck"));
			break;
		default:
			ck_abort_msg("unexpected step");
		}
	}
	ck_assert_int_gt(tokens, 3);
	ck_assert_int_eq(verif, 1);
	ck_assert_int_eq(done, 1);
	ck_assert_ptr_nonnull(strstr(k8sa_session_verification_json(s), "zzzzz"));
	k8sa_session_free(s);
	k8sa_agent_free(a);
}
END_TEST

START_TEST(time_limit_gives_the_best_answer_so_far)
{
	start_llm("{\"rules\":[{\"match_last\":\"certificate\",\"reply\":\"too late\",\"delay_ms\":9000},"
		  "{\"tool_calls\":[" GET_LOGS "],\"reply\":\"Reading the payments log first.\"}]}");
	k8sa_agent *a;
	k8sa_session *s = pay_session("ollama", &a);
	ck_assert_int_eq(k8sa_session_set_time_limit(s, 3.0, NULL), K8SA_OK);
	json_object *o = run(s, QUESTION, K8SA_OK);
	ck_assert_str_eq(jstr(o, "stopped"), "timeout");
	ck_assert_ptr_nonnull(strstr(jstr(o, "answer"), "Time limit reached"));
	ck_assert_ptr_nonnull(strstr(jstr(o, "answer"), "Reading the payments log"));
	close_session(s, a, o);
}
END_TEST

START_TEST(no_model_is_an_error_with_the_steps_so_far)
{
	char url[64];
	snprintf(url, sizeof(url), "http://127.0.0.1:%d", test_free_port());
	k8sa_agent *a = NULL;
	ck_assert_int_eq(k8sa_agent_new(&a, NULL), K8SA_OK);
	ck_assert_int_eq(k8sa_agent_load_kubeconfig(a, kube.kubeconfig, NULL, NULL), K8SA_OK);
	ck_assert_int_eq(k8sa_agent_set_llm_url(a, url, NULL), K8SA_OK);
	k8sa_session *s = NULL;
	ck_assert_int_eq(k8sa_session_new(&s, a, "pay", NULL), K8SA_OK);
	char *json = NULL;
	k8sa_error e = {0};
	ck_assert_int_eq(k8sa_session_run(s, QUESTION, &json, &e), K8SA_E_TRANSPORT);
	ck_assert_ptr_nonnull(strstr(e.message, "cannot reach the model server"));
	ck_assert_ptr_nonnull(strstr(json, "\"stopped\":\"error\""));
	free(json);
	const k8sa_event *ev = (const k8sa_event *)1;
	ck_assert_int_eq(k8sa_session_next(s, &ev, NULL), K8SA_OK);
	ck_assert_ptr_null(ev);
	k8sa_session_free(s);
	k8sa_agent_free(a);
}
END_TEST

START_TEST(one_shot_diagnose_is_verified_too)
{
	start_llm("{\"rules\":[{\"reply\":\"Restart payments-9rq9jkchhs-qqqqq: `kubectl delete pod "
		  "payments-9rq9jkchhs-qqqqq -n pay`\"}]}");
	k8sa_agent *a = agent("ollama");
	k8sa_answer *x = NULL;
	ck_assert_int_eq(k8sa_agent_diagnose(a, "pay", NULL, 1, &x, NULL), K8SA_OK);
	json_object *v = json_tokener_parse(k8sa_answer_verification_json(x));
	ck_assert_ptr_nonnull(v);
	ck_assert_str_eq(json_object_get_string(json_object_array_get_idx(jget(v, "unknown_names"), 0)),
			 "payments-9rq9jkchhs-qqqqq");
	ck_assert_uint_eq(json_object_array_length(jget(v, "mutating_commands")), 1);
	json_object_put(v);
	char *j = NULL;
	ck_assert_int_eq(k8sa_answer_to_json(x, &j, NULL), K8SA_OK);
	ck_assert_ptr_nonnull(strstr(j, "\"verification\":{\"unknown_names\":[\"payments-9rq9jkchhs-qqqqq\"]"));
	k8sa_free(j);
	k8sa_answer_free(x);
	k8sa_agent_free(a);
}
END_TEST

/* ---- the tools alone --------------------------------------------------------------------- */

static k8sa_kube *client(void)
{
	k8sa_kubeconfig *cfg = NULL;
	k8sa_kube *k = NULL;
	ck_assert_int_eq(k8sa_kubeconfig_load_default(&cfg, kube.kubeconfig, NULL, NULL), K8SA_OK);
	ck_assert_int_eq(k8sa_kube_new(&k, cfg, NULL), K8SA_OK);
	k8sa_kubeconfig_free(cfg);
	return k;
}

static char *call(k8sa_tools *t, const char *name, const char *args, k8sa_status want)
{
	char *r = NULL;
	k8sa_status ts = K8SA_OK;
	ck_assert_int_eq(k8sa_tools_call(t, name, args, &ts, &r, NULL), K8SA_OK);
	ck_assert_msg(ts == want, "%s %s: %s: %s", name, args, k8sa_strerror(ts), r);
	return r;
}

/* A tool call, its status, what its result must hold (up to two strings) and must not. */
struct tool_case {
	const char *tool, *args;
	k8sa_status want;
	const char *has[2], *lacks;
};

static void call_each(k8sa_tools *t, const struct tool_case *c, size_t n)
{
	for (; n--; c++) {
		char *r = call(t, c->tool, c->args, c->want);
		for (int h = 0; h < 2; h++)
			ck_assert_msg(!c->has[h] || strstr(r, c->has[h]), "%s %s: no \"%s\" in %s", c->tool, c->args,
				      c->has[h], r);
		ck_assert_msg(!c->lacks || !strstr(r, c->lacks), "%s %s: \"%s\" in %s", c->tool, c->args, c->lacks, r);
		free(r);
	}
}

START_TEST(tools_answer_typed_queries)
{
	k8sa_kube *k = client();
	k8sa_tools *t = NULL;
	ck_assert_int_eq(k8sa_tools_new(&t, k, NULL), K8SA_OK);
	ck_assert_int_eq(k8sa_tools_set_namespace(t, "pay", NULL), K8SA_OK);
	json_object *defs = json_tokener_parse(k8sa_tools_definitions_json());
	ck_assert_uint_eq(json_object_array_length(defs), 5);
	json_object_put(defs);
	ck_assert(k8sa_tools_exists("get_logs") && !k8sa_tools_exists("get_secret"));

	static const struct tool_case queries[] = {
		{"list_objects", "{\"kind\":\"pods\"}", K8SA_OK,
		 {"untrusted data", POD " ready=1/1 status=Running restarts=0"}, NULL},
		{"list_objects", "{\"kind\":\"po\",\"label_selector\":\"app=frontend\"}", K8SA_OK,
		 {"pods in namespace pay: 2"}, POD},
		{"list_objects", "{\"kind\":\"Service\"}", K8SA_OK, {"payments type=ClusterIP"}, NULL},
		{"list_objects", "{\"kind\":\"nodes\"}", K8SA_OK, {"Ready=True"}, NULL},
		{"get_object", "{\"kind\":\"deployments\",\"name\":\"payments\"}", K8SA_OK,
		 {"\"kind\": \"Deployment\"", "ghcr.io/example/payments:3.8.1"}, NULL},
		{"get_object", "{\"kind\":\"pods\",\"name\":\"nosuch\"}", K8SA_E_NOT_FOUND, {"not found"}, NULL},
		{"get_logs", "{\"namespace\":\"pay\",\"pod\":\"" POD "\",\"grep\":\"X509\",\"tail_lines\":1}", K8SA_OK,
		 {"order=88413"}, "order=88412 failed"},
		{"get_events", "{\"namespace\":\"pay\",\"kind\":\"pods\",\"name\":\"" POD "\"}", K8SA_OK,
		 {"events in namespace pay"}, NULL},
		{"analyze", "{\"namespace\":\"pay\"}", K8SA_OK, {"findings in namespace pay"}, NULL},
	}, refusals[] = {
		{"get_object", "{\"kind\":\"Secret\",\"name\":\"x\"}", K8SA_E_READ_ONLY, {"Secrets are never read"}, NULL},
		{"list_objects", "{\"kind\":\"secrets.v1\"}", K8SA_E_READ_ONLY, {NULL}, NULL},
		{"list_objects", "{\"kind\":\"clusterroles\"}", K8SA_E_INVALID_ARG, {"unknown kind"}, NULL},
		{"get_logs", "{\"namespace\":\"pay\"}", K8SA_E_INVALID_ARG, {"missing argument \"pod\""}, NULL},
		{"get_logs", "{\"namespace\":\"pay\",\"pod\":\"../../secrets\"}", K8SA_E_READ_ONLY, {NULL}, NULL},
		{"get_object", "[1]", K8SA_E_INVALID_ARG, {NULL}, NULL},
		{"delete_pod", "{}", K8SA_E_INVALID_ARG, {NULL}, NULL},
	};
	call_each(t, queries, sizeof(queries) / sizeof(queries[0]));
	int before = audit_count("/", NULL); /* refusals: never a request */
	call_each(t, refusals, sizeof(refusals) / sizeof(refusals[0]));
	ck_assert_int_eq(audit_count("/", NULL), before);
	/* the per-result budget cuts with a note */
	ck_assert_int_eq(k8sa_tools_set_result_tokens(t, 100, NULL), K8SA_OK);
	char *r = call(t, "get_logs", "{\"namespace\":\"pay\",\"pod\":\"" POD "\"}", K8SA_OK);
	ck_assert_ptr_nonnull(strstr(r, "earlier log lines cut to fit 100 tokens"));
	ck_assert_uint_le(k8sa_estimate_tokens(r), 110);
	free(r);
	k8sa_tools_free(t);
	k8sa_kube_free(k);
}
END_TEST

/* Every planted secret of secrets-everywhere stays out of every tool result. */
START_TEST(tool_results_never_carry_secrets)
{
	struct test_sim ks = {0};
	char exp[600];
	ck_assert_int_eq(start_kubesim(&ks, "secrets-everywhere", 0), 0);
	test_src_path(exp, sizeof(exp), "tests/scenarios/secrets-everywhere/expect.json");
	json_object *expect = json_object_from_file(exp), *absent = jget(expect, "absent");
	ck_assert_uint_gt(json_object_array_length(absent), 10);
	k8sa_kubeconfig *cfg = NULL;
	k8sa_kube *k = NULL;
	k8sa_tools *t = NULL;
	ck_assert_int_eq(k8sa_kubeconfig_load_default(&cfg, ks.kubeconfig, NULL, NULL), K8SA_OK);
	ck_assert_int_eq(k8sa_kube_new(&k, cfg, NULL), K8SA_OK);
	ck_assert_int_eq(k8sa_tools_new(&t, k, NULL), K8SA_OK);
	ck_assert_int_eq(k8sa_tools_set_namespace(t, "inventory", NULL), K8SA_OK);
	ck_assert_int_eq(k8sa_tools_set_result_tokens(t, 100000, NULL), K8SA_OK);
	/* every object of every kind, whole; every log; the events; the findings */
	const char *kinds[] = {"pods", "deployments", "replicasets", "configmaps", "events", "services"};
	int calls = 0, planted = 0;
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		char args[256], *r = NULL;
		k8sa_status ts;
		snprintf(args, sizeof(args), "{\"kind\":\"%s\"}", kinds[i]);
		ck_assert_int_eq(k8sa_tools_call(t, "list_objects", args, &ts, &r, NULL), K8SA_OK);
		json_object *items = NULL;
		char *raw = NULL;
		k8sa_resource res = K8SA_RES_PODS;
		for (int j = 0; j < K8SA_RES_COUNT; j++)
			if (strcmp(k8sa_resource_name((k8sa_resource)j), kinds[i]) == 0)
				res = (k8sa_resource)j;
		ck_assert_int_eq(k8sa_kube_list_json(k, res, "inventory", NULL, &raw, NULL), K8SA_OK);
		for (size_t a = 0; a < json_object_array_length(absent); a++)
			planted += strstr(raw, json_object_get_string(json_object_array_get_idx(absent, a))) != NULL;
		items = json_tokener_parse(raw);
		k8sa_free(raw);
		char *all = r;
		for (size_t j = 0; j < json_object_array_length(items); j++) {
			json_object *it = json_object_array_get_idx(items, j);
			const char *name = jstr(jget(it, "metadata"), "name");
			char *g = NULL;
			snprintf(args, sizeof(args), "{\"kind\":\"%s\",\"name\":\"%s\"}", kinds[i], name);
			ck_assert_int_eq(k8sa_tools_call(t, "get_object", args, &ts, &g, NULL), K8SA_OK);
			ck_assert_msg(ts == K8SA_OK, "%s", g);
			size_t n = strlen(all) + strlen(g) + 2;
			char *both = malloc(n);
			snprintf(both, n, "%s\n%s", all, g);
			free(all);
			free(g);
			all = both;
			calls++;
			if (res != K8SA_RES_PODS)
				continue;
			json_object *cs = jget(jget(it, "spec"), "containers");
			for (size_t c = 0; c < json_object_array_length(cs); c++)
				for (int prev = 0; prev < 2; prev++) {
					snprintf(args, sizeof(args),
						 "{\"namespace\":\"inventory\",\"pod\":\"%s\",\"container\":\"%s\",\"previous\":%s}",
						 name, jstr(json_object_array_get_idx(cs, c), "name"), prev ? "true" : "false");
					ck_assert_int_eq(k8sa_tools_call(t, "get_logs", args, &ts, &g, NULL), K8SA_OK);
					n = strlen(all) + strlen(g) + 2;
					both = malloc(n);
					snprintf(both, n, "%s\n%s", all, g);
					free(all);
					free(g);
					all = both;
					calls++;
				}
		}
		for (size_t a = 0; a < json_object_array_length(absent); a++) {
			const char *secret = json_object_get_string(json_object_array_get_idx(absent, a));
			ck_assert_msg(strstr(all, secret) == NULL, "%s leaked through %s", secret, kinds[i]);
		}
		free(all);
		json_object_put(items);
	}
	ck_assert_int_gt(calls, 5);
	ck_assert_int_gt(planted, 3); /* the raw objects do hold secrets: the tools removed them */
	json_object_put(expect);
	k8sa_tools_free(t);
	k8sa_kube_free(k);
	k8sa_kubeconfig_free(cfg);
	test_sim_stop(&ks);
}
END_TEST

/* A step event carries the exact text the model gets for the call: the tool message of the
 * transcript, with the step-limit note when it was the last allowed call. */
START_TEST(step_events_carry_the_exact_result)
{
	start_llm("{\"rules\":[{\"tool_calls\":[" GET_LOGS "],\"reply\":\"Still looking.\"}]}");
	k8sa_agent *a = agent("ollama");
	k8sa_session *s = NULL;
	ck_assert_int_eq(k8sa_session_new(&s, a, "pay", NULL), K8SA_OK);
	ck_assert_int_eq(k8sa_session_set_max_steps(s, 1, NULL), K8SA_OK);
	ck_assert_int_eq(k8sa_session_ask(s, QUESTION, NULL), K8SA_OK);
	const k8sa_event *ev;
	char *result = NULL;
	while (k8sa_session_next(s, &ev, NULL) == K8SA_OK && ev) {
		if (k8sa_event_type(ev) != K8SA_EVENT_STEP)
			continue;
		json_object *o = json_tokener_parse(k8sa_event_json(ev));
		ck_assert_ptr_null(result);
		result = strdup(jstr(o, "result"));
		ck_assert(json_object_get_int(jget(o, "result_chars")) > 100);
		json_object_put(o);
		/* the same text as the transcript's last message, now */
		char *tj = NULL;
		ck_assert_int_eq(k8sa_session_transcript_to_json(s, &tj, NULL), K8SA_OK);
		json_object *t = json_tokener_parse(tj);
		k8sa_free(tj);
		json_object *last = json_object_array_get_idx(t, json_object_array_length(t) - 1);
		ck_assert_str_eq(jstr(last, "role"), "tool");
		ck_assert_str_eq(jstr(last, "content"), result);
		json_object_put(t);
	}
	ck_assert_ptr_nonnull(result);
	ck_assert_ptr_nonnull(strstr(result, "certificate has expired"));
	ck_assert_ptr_nonnull(strstr(result, "```text"));
	ck_assert_ptr_nonnull(strstr(result, "The step limit is reached"));
	free(result);
	k8sa_session_free(s);
	k8sa_agent_free(a);
}
END_TEST

Suite *k8sa_test_suite(void)
{
	Suite *s = suite_create("investigate");
	TCase *tc = tcase_create("loop");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, ollama_native_tool_calls_find_the_log_only_fault);
	tcase_add_test(tc, openai_tool_calls_streamed_in_fragments);
	tcase_add_test(tc, openai_tool_calls_whole);
	tcase_add_test(tc, json_fallback_for_models_without_tools);
	tcase_add_test(tc, server_rejecting_tools_switches_to_json);
	tcase_add_test(tc, secrets_are_refused_as_a_tool_error);
	tcase_add_test(tc, looping_model_stops_at_max_steps);
	tcase_add_test(tc, step_events_carry_the_exact_result);
	tcase_add_test(tc, follow_ups_reuse_the_session);
	tcase_add_test(tc, oldest_tool_results_make_room_in_a_small_window);
	tcase_add_test(tc, verification_catches_made_up_pod_and_delete);
	tcase_add_test(tc, time_limit_gives_the_best_answer_so_far);
	tcase_add_test(tc, no_model_is_an_error_with_the_steps_so_far);
	tcase_add_test(tc, one_shot_diagnose_is_verified_too);
	tcase_add_test(tc, tools_answer_typed_queries);
	tcase_add_test(tc, tool_results_never_carry_secrets);
	suite_add_tcase(s, tc);
	return s;
}
