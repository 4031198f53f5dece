/* SPDX-License-Identifier: MIT */
/* Fuzz: Kubernetes list JSON -> compact model -> analyzers -> snapshot JSON -> diagnose
 * prompt. Everything the API server (or a scenario on disk) sends passes through here.
 *
 * Input: records, each one selector byte then one JSON value:
 *   selector: (byte - 'a') mod K8SA_RES_COUNT picks the resource ('c' pods, 'd' events...);
 *             '#' makes the rest of the input the log text of every container the planner
 *             picks (the bounded tail reaches the model and the prompt);
 *   value:    a List object (its "items" are reduced one by one, as the client does) or a
 *             single object (reduced as one item).
 * Each value json-c accepts is also read by jv (the client's fast reader): when jv accepts it
 * too, both must make the same JSON of it.
 * Seeds: one per scenario (tests/fuzz/make-seeds.py). */
#include "internal.h"
#include "snapshot_internal.h"
#include "agent_internal.h"
#include "fuzz_json.h"
#include "jv.h"

#include <string.h>

static void add_value(k8sa_snapshot *s, k8sa_resource res, json_object *v)
{
	json_object *items = NULL;
	if (json_object_is_type(v, json_type_object) && json_object_object_get_ex(v, "items", &items) &&
	    json_object_is_type(items, json_type_array)) {
		size_t n = json_object_array_length(items);
		for (size_t i = 0; i < n; i++) {
			json_object *it = json_object_array_get_idx(items, i);
			/* the client refuses a page with a non-object item before reducing */
			if (json_object_is_type(it, json_type_object))
				FUZZ_ASSERT(m_model_add(&s->m, res, it) == K8SA_OK);
		}
	} else if (json_object_is_type(v, json_type_object)) {
		FUZZ_ASSERT(m_model_add(&s->m, res, v) == K8SA_OK);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	k8sa_snapshot_opts o = k8sa_snap_default_opts;
	o.max_pods = 50; /* small bounds so the fuzzer reaches the eviction paths */
	o.max_events = 20;
	o.log_lines = 20;
	o.log_bytes = 2048;
	k8sa_snapshot *s = k8sa_snap_new(NULL, &o);
	if (!s)
		return 0;
	const char *p = (const char *)data, *end = p + size, *log = "", *log_end = log;
	while (p < end) {
		unsigned char sel = (unsigned char)*p++;
		if (sel == '#') {
			log = p;
			log_end = end;
			break;
		}
		json_tokener *tok = json_tokener_new_ex(256); /* the client's depth */
		if (!tok)
			break;
		size_t left = (size_t)(end - p);
		json_object *v = json_tokener_parse_ex(tok, p, (int)(left > 0x7fffffff ? 0x7fffffff : left));
		enum json_tokener_error jerr = json_tokener_get_error(tok);
		size_t used = json_tokener_get_parse_end(tok);
		json_tokener_free(tok);
		if (jerr != json_tokener_success || used == 0) {
			json_object_put(v);
			break;
		}
		/* jv (the client's reader) must read what it accepts exactly as json-c does */
		char *copy = malloc(used ? used : 1);
		if (copy) {
			jv_doc d = {0};
			memcpy(copy, p, used);
			size_t jused = 0;
			if (jv_parse(&d, copy, used, 256, &jused) == 0) {
				json_object *mine = jv_jsonc(jv_root(&d));
				char *a = strdup(json_object_to_json_string_ext(mine, JSON_C_TO_STRING_PLAIN));
				const char *b = json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN);
				FUZZ_ASSERT(a && strcmp(a, b) == 0);
				free(a);
				json_object_put(mine);
			}
			jv_doc_free(&d);
			free(copy);
		}
		add_value(s, (k8sa_resource)((unsigned char)(sel - 'a') % K8SA_RES_COUNT), v);
		json_object_put(v);
		p += used;
		while (p < end && (*p == '\n' || *p == ' ' || *p == '\r' || *p == '\t'))
			p++;
	}
	if (m_model_finish(&s->m) != K8SA_OK)
		goto out;
	log_job *jobs = NULL;
	size_t njobs = 0;
	if (k8sa_snap_plan_logs(s, &o, &jobs, &njobs) == K8SA_OK) {
		for (size_t i = 0; i < njobs; i++) {
			size_t len = (size_t)(log_end - log);
			char *text = malloc(len + 1);
			if (!text)
				break;
			memcpy(text, log, len);
			text[len] = '\0';
			k8sa_snap_keep_log(s, &o, &jobs[i], text, len);
			free(text);
		}
		free(jobs);
	}
	k8sa_error e;
	memset(&e, 0, sizeof(e));
	k8sa_error gap = {.code = K8SA_E_FORBIDDEN, .http_status = 403, .message = "nodes is forbidden"};
	k8sa_snap_add_gap(s, "nodes", &gap);

	char *json = NULL;
	if (k8sa_snapshot_to_json(s, &json, &e) == K8SA_OK) {
		json_object *back = json_tokener_parse(json);
		FUZZ_ASSERT(back != NULL); /* the snapshot JSON is always valid JSON */
		json_object_put(back);
	}
	k8sa_free(json);

	k8sa_findings *f = NULL;
	if (k8sa_analyze(s, &f, &e) == K8SA_OK) {
		k8sa_prompt *pr = NULL;
		k8sa_prompt_new(&pr, K8SA_PROMPT_DIAGNOSE, NULL);
		if (pr && k8sa_agent_add_context(pr, s, f, &e) == K8SA_OK &&
		    k8sa_prompt_set_question(pr, "What is wrong?", &e) == K8SA_OK &&
		    k8sa_prompt_build(pr, &e) == K8SA_OK) {
			fuzz_assert_messages_json(pr);
		}
		k8sa_prompt_free(pr);
		k8sa_findings_free(f);
	}
out:
	k8sa_snapshot_free(s);
	return 0;
}
