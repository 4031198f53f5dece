/* SPDX-License-Identifier: MIT */
/* The agent loops end to end: kubesim (demo-shop) -> snapshot -> findings -> prompt ->
 * llmsim, and what reached the model (llmsim's record). */
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
#include <unistd.h>
#include <sys/stat.h>

#define REPLY "The root cause is OOMKilled: raise the memory limit.\n```bash\nkubectl set resources deployment/cart -n shop --limits=memory=256Mi\n```"

static struct test_sim kube, llm;

static void setup(void)
{
	ck_assert_int_eq(start_kubesim(&kube, "demo-shop", 1), 0);
	ck_assert_int_eq(start_llmsim(&llm, "[{\"reply\": \"" "The root cause is OOMKilled: raise the memory limit.\\n```bash\\n"
				  "kubectl set resources deployment/cart -n shop --limits=memory=256Mi\\n```\"}]"), 0);
}

static void teardown(void)
{
	test_sim_stop(&llm);
	test_sim_stop(&kube);
}

static k8sa_agent *agent(const char *llm_url)
{
	k8sa_agent *a = NULL;
	k8sa_error e = {0};
	ck_assert_int_eq(k8sa_agent_new(&a, &e), K8SA_OK);
	ck_assert_msg(k8sa_agent_load_kubeconfig(a, kube.kubeconfig, NULL, &e) == K8SA_OK, "%s", e.message);
	ck_assert_int_eq(k8sa_agent_set_llm_url(a, llm_url ? llm_url : llm.url, &e), K8SA_OK);
	ck_assert_int_eq(k8sa_agent_set_timeout(a, 20, &e), K8SA_OK);
	return a;
}

/* Every test's fixture: the simulators and an agent on them, ag (tests that need another
 * agent make their own). */
static k8sa_agent *ag;

static void setup_agent(void)
{
	setup();
	ag = agent(NULL);
}

static void teardown_agent(void)
{
	k8sa_agent_free(ag);
	ag = NULL;
	teardown();
}

/* Diagnose namespace shop (question may be NULL; use_llm 0: findings and prompt only),
 * asserted OK; the caller frees the answer. */
static k8sa_answer *diagnose_shop(k8sa_agent *a, const char *question, int use_llm)
{
	k8sa_answer *x = NULL;
	k8sa_error e = {0};
	ck_assert_msg(k8sa_agent_diagnose(a, "shop", question, use_llm, &x, &e) == K8SA_OK, "%s", e.message);
	ck_assert_ptr_nonnull(x);
	return x;
}

/* The last request llmsim received, parsed. */
static json_object *last_record(void)
{
	char *all = test_slurp(llm.record, NULL);
	ck_assert_ptr_nonnull(all);
	char *last = NULL;
	for (char *line = strtok(all, "\n"); line; line = strtok(NULL, "\n"))
		last = line;
	ck_assert_ptr_nonnull(last);
	json_object *o = json_tokener_parse(last);
	free(all);
	ck_assert_ptr_nonnull(o);
	return o;
}

START_TEST(diagnose_reaches_the_model_with_redacted_budgeted_evidence)
{
	k8sa_answer *x = diagnose_shop(ag, "why is cart down?", 1);
	ck_assert_int_eq(k8sa_answer_llm_status(x), K8SA_OK);
	ck_assert_str_eq(k8sa_answer_text(x), REPLY);
	ck_assert_int_ge(k8sa_answer_problem_count(x), 4);
	/* The decisive facts reach the context; the planted Redis password does not. */
	const char *ctx = k8sa_answer_context(x);
	TEXT_HAS(ctx, "OOMKilled", "64Mi", "not found");
	ck_assert_ptr_null(strstr(k8sa_answer_messages_json(x), "hunter2"));
	ck_assert_ptr_nonnull(strstr(k8sa_answer_messages_json(x), "[REDACTED:"));
	/* Root cause on top of the findings, and marked. */
	json_object *f = json_tokener_parse(k8sa_answer_findings_json(x)), *arr, *first, *v;
	ck_assert(json_object_object_get_ex(f, "findings", &arr));
	first = json_object_array_get_idx(arr, 0);
	ck_assert(json_object_object_get_ex(first, "root_cause", &v) && json_object_get_boolean(v));
	json_object_put(f);
	/* What llmsim received is exactly the answer's messages, with num_ctx set. */
	json_object *rec = last_record(), *body, *opts, *numctx, *msgs;
	ck_assert(json_object_object_get_ex(rec, "body", &body));
	ck_assert(json_object_object_get_ex(body, "options", &opts));
	ck_assert(json_object_object_get_ex(opts, "num_ctx", &numctx));
	ck_assert_int_ge(json_object_get_int(numctx), 1024);
	ck_assert(json_object_object_get_ex(body, "messages", &msgs));
	json_object *ours = json_tokener_parse(k8sa_answer_messages_json(x));
	ck_assert_int_eq(json_object_array_length(ours), json_object_array_length(msgs));
	for (size_t i = 0; i < json_object_array_length(ours); i++) {
		json_object *a1, *b1;
		json_object_object_get_ex(json_object_array_get_idx(ours, i), "content", &a1);
		json_object_object_get_ex(json_object_array_get_idx(msgs, i), "content", &b1);
		ck_assert_str_eq(json_object_get_string(a1), json_object_get_string(b1));
	}
	json_object_put(ours);
	/* The answer names the exact request body the model got (what a cache key must cover). */
	ck_assert_ptr_nonnull(k8sa_answer_request_json(x));
	json_object *req = json_tokener_parse(k8sa_answer_request_json(x));
	ck_assert_msg(json_object_equal(req, body), "request_json differs from what llmsim received:\n%s",
		      k8sa_answer_request_json(x));
	json_object_put(req);
	json_object_put(rec);
	/* Headings name each section once (never "## Likely root cause: Likely root cause: ..."). */
	const char *pt = k8sa_answer_prompt_text(x);
	TEXT_HAS(pt, "## Likely root cause: ", "## Facts: ");
	ck_assert_msg(strstr(pt, "Likely root cause: Likely root cause") == NULL, "doubled heading:\n%s", pt);
	ck_assert_msg(strstr(pt, "## Facts: Facts") == NULL, "doubled heading:\n%s", pt);
	/* The whole answer as JSON (the service's body). */
	char *js = NULL;
	ck_assert_int_eq(k8sa_answer_to_json(x, &js, NULL), K8SA_OK);
	json_object *o = json_tokener_parse(js), *ans;
	ck_assert(json_object_object_get_ex(o, "answer", &ans));
	ck_assert_str_eq(json_object_get_string(ans), REPLY);
	ck_assert(json_object_object_get_ex(o, "context", &v));
	ck_assert(json_object_object_get_ex(o, "timings", &v));
	ck_assert(!json_object_object_get_ex(o, "llm_error", &v));
	json_object_put(o);
	k8sa_free(js);
	k8sa_answer_free(x);
}
END_TEST

START_TEST(no_model_still_gives_findings)
{
	char url[64];
	snprintf(url, sizeof(url), "http://127.0.0.1:%d", test_free_port());
	k8sa_agent *a = agent(url);
	k8sa_answer *x = diagnose_shop(a, NULL, 1);
	ck_assert_ptr_null(k8sa_answer_text(x));
	ck_assert_int_eq(k8sa_answer_llm_status(x), K8SA_E_TRANSPORT);
	ck_assert_ptr_nonnull(strstr(k8sa_answer_llm_error(x), url));
	ck_assert_ptr_nonnull(strstr(k8sa_answer_findings_json(x), "OOMKilled"));
	ck_assert_ptr_nonnull(strstr(k8sa_answer_findings_text(x), "ROOT CAUSE"));
	char *js = NULL;
	ck_assert_int_eq(k8sa_answer_to_json(x, &js, NULL), K8SA_OK);
	json_object *o = json_tokener_parse(js), *v;
	ck_assert(json_object_object_get_ex(o, "answer", &v) && v == NULL);
	ck_assert(json_object_object_get_ex(o, "llm_error", &v));
	json_object_put(o);
	k8sa_free(js);
	k8sa_answer_free(x);
	/* ask has nothing to show without a model: the call fails with the cause. */
	k8sa_error e = {0};
	ck_assert_int_eq(k8sa_agent_ask(a, "what is a pod?", &x, &e), K8SA_E_TRANSPORT);
	ck_assert_ptr_null(x);
	k8sa_agent_free(a);
}
END_TEST

/* The agent's LLM proxy: a dead one fails ask; cleared, the model is reached directly. */
START_TEST(llm_proxy_setting)
{
	char dead[64];
	test_dead_url(dead, sizeof(dead));
	k8sa_agent *a = agent(NULL);
	k8sa_answer *x = NULL;
	k8sa_error e = {0};
	ck_assert_int_eq(k8sa_agent_set_llm_proxy(a, "gopher://p:70", &e), K8SA_E_INVALID_ARG);
	ck_assert_int_eq(k8sa_agent_set_llm_proxy(a, dead, &e), K8SA_OK);
	ck_assert_int_eq(k8sa_agent_ask(a, "what is a pod?", &x, &e), K8SA_E_TRANSPORT);
	ck_assert_ptr_nonnull(strstr(e.message, dead));
	ck_assert_int_eq(k8sa_agent_set_llm_proxy(a, NULL, &e), K8SA_OK);
	ck_assert_msg(k8sa_agent_ask(a, "what is a pod?", &x, &e) == K8SA_OK, "%s", e.message);
	k8sa_answer_free(x);
	ck_assert_int_eq(k8sa_agent_set_llm_proxy(NULL, NULL, NULL), K8SA_E_INVALID_ARG);
	k8sa_agent_free(a);
}
END_TEST

START_TEST(streams_after_the_context_is_known)
{
	k8sa_answer_stream *s = NULL;
	k8sa_error e = {0};
	ck_assert_int_eq(k8sa_agent_diagnose_start(ag, "shop", "why?", &s, &e), K8SA_OK);
	const k8sa_answer *x = k8sa_answer_stream_answer(s);
	ck_assert_ptr_nonnull(strstr(k8sa_answer_context(x), "64Mi")); /* before any token */
	ck_assert_ptr_null(k8sa_answer_text(x));
	char got[1024] = "";
	const char *c;
	size_t n;
	int chunks = 0;
	while (k8sa_answer_stream_next(s, &c, &n, &e) == K8SA_OK && c) {
		ck_assert_uint_lt(strlen(got) + n, sizeof(got));
		strncat(got, c, n);
		chunks++;
	}
	ck_assert_int_gt(chunks, 3);
	ck_assert_str_eq(got, REPLY);
	ck_assert_str_eq(k8sa_answer_text(x), REPLY);
	/* Once over, next keeps saying so. */
	ck_assert_int_eq(k8sa_answer_stream_next(s, &c, &n, &e), K8SA_OK);
	ck_assert_ptr_null(c);
	k8sa_answer_stream_free(s);

	ck_assert_int_eq(k8sa_agent_ask_start(ag, "what is a StatefulSet?", &s, &e), K8SA_OK);
	while (k8sa_answer_stream_next(s, &c, &n, &e) == K8SA_OK && c)
		;
	ck_assert_str_eq(k8sa_answer_text(k8sa_answer_stream_answer(s)), REPLY);
	ck_assert_ptr_null(k8sa_answer_context(k8sa_answer_stream_answer(s)));
	k8sa_answer_stream_free(s);
}
END_TEST

/* Chat requests llmsim has recorded so far. */
static int model_requests(void)
{
	char *all = test_slurp(llm.record, NULL);
	int n = 0;
	for (char *p = all; p && (p = strstr(p, "/api/chat")); p++)
		n++;
	free(all);
	return n;
}

START_TEST(model_is_asked_only_when_the_stream_is_read)
{
	/* A cache can answer from the request body: freeing the stream unread costs no request,
	 * and a cancel before the first read sends none either. */
	k8sa_answer_stream *s = NULL;
	k8sa_error e = {0};
	const char *c;
	size_t n;
	ck_assert_int_eq(k8sa_agent_diagnose_start(ag, "shop", "why?", &s, &e), K8SA_OK);
	ck_assert_ptr_nonnull(k8sa_answer_request_json(k8sa_answer_stream_answer(s)));
	k8sa_answer_stream_free(s);
	ck_assert_int_eq(k8sa_agent_diagnose_start(ag, "shop", "why?", &s, &e), K8SA_OK);
	k8sa_answer_stream_cancel(s);
	ck_assert_int_eq(k8sa_answer_stream_next(s, &c, &n, &e), K8SA_E_CANCELLED);
	k8sa_answer_stream_free(s);
	usleep(200 * 1000);
	ck_assert_int_eq(model_requests(), 0);
	ck_assert_int_eq(k8sa_agent_diagnose_start(ag, "shop", "why?", &s, &e), K8SA_OK);
	while (k8sa_answer_stream_next(s, &c, &n, &e) == K8SA_OK && c)
		;
	ck_assert_str_eq(k8sa_answer_text(k8sa_answer_stream_answer(s)), REPLY);
	k8sa_answer_stream_free(s);
	ck_assert_int_eq(model_requests(), 1);
}
END_TEST

START_TEST(bad_namespaces_never_reach_the_api)
{
	static const char *const bad[] = {"../secrets", "a/b", "shop%2Fsecrets", "Shop", "-x", "x-", "",
					  "a..b", "\xc3\xa9t\xc3\xa9",
					  "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"};
	k8sa_error e = {0};
	char *before = test_slurp(kube.audit, NULL);
	size_t before_len = before ? strlen(before) : 0;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_msg(!k8sa_namespace_is_valid(bad[i]), "%s accepted", bad[i]);
		if (!*bad[i])
			continue; /* "" means the default namespace to diagnose */
		k8sa_answer *x = NULL;
		ck_assert_int_eq(k8sa_agent_diagnose(ag, bad[i], NULL, 0, &x, &e), K8SA_E_INVALID_ARG);
		ck_assert_ptr_null(x);
	}
	ck_assert(k8sa_namespace_is_valid("shop"));
	ck_assert(k8sa_namespace_is_valid("a-1"));
	char *after = test_slurp(kube.audit, NULL);
	ck_assert_uint_eq(after ? strlen(after) : 0, before_len); /* not one request */
	free(before);
	free(after);
}
END_TEST

START_TEST(small_budget_cuts_but_keeps_root_cause)
{
	k8sa_error e = {0};
	ck_assert_int_eq(k8sa_agent_set_context_tokens(ag, 2048, &e), K8SA_OK);
	ck_assert_int_eq(k8sa_agent_set_answer_tokens(ag, 512, &e), K8SA_OK);
	k8sa_answer *x = diagnose_shop(ag, NULL, 0);
	TEXT_HAS(k8sa_answer_context(x), "OOMKilled", "64Mi");
	json_object *d = json_tokener_parse(k8sa_answer_dropped_json(x));
	ck_assert_int_gt(json_object_array_length(d), 0);
	json_object_put(d);
	json_object *t = json_tokener_parse(k8sa_answer_timings_json(x)), *v;
	ck_assert(json_object_object_get_ex(t, "prompt_tokens_estimate", &v));
	ck_assert_int_le(json_object_get_int(v), 2048 - 512);
	json_object_put(t);
	k8sa_answer_free(x);
}
END_TEST

START_TEST(prompt_dir_overrides_the_system_prompt)
{
	k8sa_error e = {0};
	char path[512];
	ck_assert_int_eq(test_sim_write_file(&llm, "diagnose.md", "You are the shop's SRE bot.", path, sizeof(path)), 0);
	ck_assert_int_eq(k8sa_agent_set_prompt_dir(ag, llm.dir, &e), K8SA_OK);
	k8sa_answer *x = diagnose_shop(ag, NULL, 0);
	ck_assert_ptr_nonnull(strstr(k8sa_answer_messages_json(x), "shop's SRE bot"));
	k8sa_answer_free(x);
	ck_assert_int_eq(k8sa_agent_set_prompt_dir(ag, "/nonexistent/prompts", &e), K8SA_E_CONFIG);
	ck_assert_ptr_nonnull(strstr(e.message, "/nonexistent/prompts"));
}
END_TEST

START_TEST(audit_log_shows_only_reads)
{
	k8sa_agent *a = agent(NULL);
	k8sa_answer *x = diagnose_shop(a, NULL, 1);
	k8sa_answer_free(x);
	k8sa_agent_free(a);
	char *all = test_slurp(kube.audit, NULL);
	ck_assert_ptr_nonnull(all);
	int lines = 0;
	for (char *line = strtok(all, "\n"); line; line = strtok(NULL, "\n")) {
		json_object *o = json_tokener_parse(line), *m, *p;
		ck_assert_ptr_nonnull(o);
		ck_assert(json_object_object_get_ex(o, "method", &m));
		ck_assert(json_object_object_get_ex(o, "path", &p));
		ck_assert_str_eq(json_object_get_string(m), "GET");
		ck_assert_ptr_null(strstr(json_object_get_string(p), "secret"));
		json_object_put(o);
		lines++;
	}
	ck_assert_int_gt(lines, 15); /* every list and the logs of the crashed container */
	free(all);
}
END_TEST

START_TEST(setters_report_bad_values)
{
	k8sa_agent *a = NULL;
	k8sa_error e = {0};
	ck_assert_int_eq(k8sa_agent_new(&a, &e), K8SA_OK);
	ck_assert_int_eq(k8sa_agent_set_context_tokens(a, K8SA_MIN_CONTEXT_TOKENS - 1, &e), K8SA_E_INVALID_ARG);
	ck_assert_msg(strstr(e.message, "context tokens") && strstr(e.message, "512"), "%s", e.message);
	ck_assert_int_eq(k8sa_agent_set_context_tokens(a, K8SA_MIN_CONTEXT_TOKENS, &e), K8SA_OK);
	ck_assert_int_eq(k8sa_agent_set_answer_tokens(a, K8SA_MIN_ANSWER_TOKENS - 1, &e), K8SA_E_INVALID_ARG);
	ck_assert_msg(strstr(e.message, "answer tokens"), "%s", e.message);
	ck_assert_int_eq(k8sa_agent_set_timeout(a, 0, &e), K8SA_E_INVALID_ARG);
	ck_assert_msg(strstr(e.message, "timeout"), "%s", e.message);
	ck_assert_int_eq(k8sa_agent_set_timeout(a, K8SA_MAX_TIMEOUT_SECONDS + 1, &e), K8SA_E_INVALID_ARG);
	ck_assert_int_eq(k8sa_agent_set_kube_timeout(a, -1, &e), K8SA_E_INVALID_ARG);
	ck_assert_int_eq(k8sa_agent_set_llm_url(a, "ftp://x", &e), K8SA_E_INVALID_ARG);
	ck_assert_msg(strstr(e.message, "ftp"), "%s", e.message);
	ck_assert_int_eq(k8sa_agent_set_model(a, "", &e), K8SA_E_INVALID_ARG);
	ck_assert_msg(strstr(e.message, "model"), "%s", e.message);
	ck_assert_int_eq(k8sa_agent_set_backend(a, "bard", &e), K8SA_E_INVALID_ARG);
	ck_assert_msg(strstr(e.message, "bard"), "%s", e.message);
	ck_assert_int_eq(k8sa_agent_set_api_key(NULL, "k", &e), K8SA_E_INVALID_ARG);
	/* no error struct: the status alone */
	ck_assert_int_eq(k8sa_agent_set_context_tokens(a, 1, NULL), K8SA_E_INVALID_ARG);
	k8sa_agent_free(a);
}
END_TEST

START_TEST(snapshot_and_analyze_use_the_configured_cluster)
{
	k8sa_error e = {0};
	k8sa_snapshot *snap = NULL;
	k8sa_findings *f = NULL;
	ck_assert_msg(k8sa_agent_snapshot(ag, "shop", &snap, &e) == K8SA_OK, "%s", e.message);
	ck_assert_str_eq(k8sa_snapshot_namespace(snap), "shop");
	ck_assert_uint_gt(k8sa_snapshot_count(snap, K8SA_RES_PODS), 0);
	k8sa_snapshot_free(snap);
	ck_assert_msg(k8sa_agent_snapshot(ag, "*", &snap, &e) == K8SA_OK, "%s", e.message);
	ck_assert_ptr_null(k8sa_snapshot_namespace(snap));
	k8sa_snapshot_free(snap);
	ck_assert_msg(k8sa_agent_analyze(ag, "shop", &f, &e) == K8SA_OK, "%s", e.message);
	ck_assert_uint_gt(k8sa_findings_problem_count(f), 0);
	k8sa_findings_free(f);
	ck_assert_int_eq(k8sa_agent_analyze(ag, "../secrets", &f, &e), K8SA_E_INVALID_ARG);
	ck_assert_ptr_null(f);
	ck_assert_ptr_nonnull(strstr(e.message, "invalid namespace"));
	ck_assert_int_eq(k8sa_agent_set_kube_timeout(ag, 10, &e), K8SA_OK);
	ck_assert_int_eq(k8sa_agent_snapshot(ag, NULL, NULL, &e), K8SA_E_INVALID_ARG);
}
END_TEST

Suite *k8sa_test_suite(void)
{
	Suite *s = suite_create("agent");
	TCase *tc = tcase_create("loops");
	tcase_add_checked_fixture(tc, setup_agent, teardown_agent);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, diagnose_reaches_the_model_with_redacted_budgeted_evidence);
	tcase_add_test(tc, no_model_still_gives_findings);
	tcase_add_test(tc, llm_proxy_setting);
	tcase_add_test(tc, streams_after_the_context_is_known);
	tcase_add_test(tc, model_is_asked_only_when_the_stream_is_read);
	tcase_add_test(tc, bad_namespaces_never_reach_the_api);
	tcase_add_test(tc, small_budget_cuts_but_keeps_root_cause);
	tcase_add_test(tc, prompt_dir_overrides_the_system_prompt);
	tcase_add_test(tc, audit_log_shows_only_reads);
	tcase_add_test(tc, setters_report_bad_values);
	tcase_add_test(tc, snapshot_and_analyze_use_the_configured_cluster);
	suite_add_tcase(s, tc);
	return s;
}
