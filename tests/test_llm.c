/* SPDX-License-Identifier: MIT */
/* LLM client: framing parsers on the wire samples (split anywhere), settings and messages,
 * and every request path against llmsim (both backends, streaming and not, every error). */
#include "internal.h"
#include "llm_internal.h"
#include <k8sagent/k8sagent.h>

#include "lib/sim.h"

#include <arpa/inet.h>
#include <check.h>

#include "lib/check_main.h"
#include "lib/text_check.h"
#include <json-c/json.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define SKY "The sky appears blue because of Rayleigh scattering."

/* ------------------------------------------------------------------------------------------ */
/* helpers */

static char *read_file(const char *rel, size_t *len)
{
	char path[1024];
	test_src_path(path, sizeof(path), rel);
	char *b = test_slurp(path, len);
	ck_assert_msg(b != NULL, "cannot open %s", path);
	return b;
}

struct collected {
	k8sa_tbuf text;
	int pieces;
};

static int collect_text(void *ud, const char *t, size_t n)
{
	struct collected *c = ud;
	c->pieces++;
	return k8sa_tbuf_put(&c->text, t, n);
}

/* Parse a sample split at the positions chosen by `mode`: 0 whole, 1 byte by byte,
 * >= 2 random splits seeded by mode. Returns the finish status; fills res and text. */
static k8sa_status parse_split(enum llm_framing fr, const char *data, size_t len, unsigned mode,
			       k8sa_llm_result *res, struct collected *col, struct llm_parser *pout)
{
	struct llm_parser p;
	llm_result_init(res);
	memset(col, 0, sizeof(*col));
	llm_parser_init(&p, fr, res, collect_text, col);
	size_t pos = 0;
	unsigned seed = mode;
	while (pos < len) {
		size_t step = mode == 0 ? len : mode == 1 ? 1 : 1 + (size_t)(rand_r(&seed) % 40);
		if (step > len - pos)
			step = len - pos;
		if (llm_parser_feed(&p, data + pos, step) != K8SA_OK)
			break;
		pos += step;
	}
	k8sa_status st = llm_parser_finish(&p);
	if (pout)
		*pout = p;
	else
		llm_parser_free(&p);
	return st;
}

static void check_sample(const char *rel, enum llm_framing fr, const char *text, long ptok, long atok)
{
	size_t len;
	char *data = read_file(rel, &len);
	for (unsigned mode = 0; mode < 40; mode++) {
		k8sa_llm_result res;
		struct collected col;
		k8sa_status st = parse_split(fr, data, len, mode, &res, &col, NULL);
		ck_assert_msg(st == K8SA_OK, "%s mode %u: status %d", rel, mode, st);
		ck_assert_str_eq(col.text.p, text);
		ck_assert_str_eq(res.text.p ? res.text.p : col.text.p, text);
		ck_assert_int_eq(res.complete, 1);
		ck_assert_str_eq(res.done_reason, "stop");
		ck_assert_int_eq(res.prompt_tokens, ptok);
		ck_assert_int_eq(res.answer_tokens, atok);
		k8sa_tbuf_release(&col.text);
		llm_result_clear(&res);
	}
	free(data);
}

/* A sample file (rel) parsed split by mode (see parse_split()), asserted OK; free the
 * result r and the text c with parsed_free(). */
static void parse_file(const char *rel, enum llm_framing fr, unsigned mode, k8sa_llm_result *r, struct collected *c)
{
	size_t len;
	char *d = read_file(rel, &len);
	ck_assert_int_eq(parse_split(fr, d, len, mode, r, c, NULL), K8SA_OK);
	free(d);
}

static void parsed_free(k8sa_llm_result *r, struct collected *c)
{
	k8sa_tbuf_release(&c->text);
	llm_result_clear(r);
}

/* ------------------------------------------------------------------------------------------ */
/* framing parsers */

START_TEST(ndjson_sample_any_split)
{
	check_sample("tests/data/llm/ollama/api-chat-stream.ndjson", LLM_FRAME_NDJSON, SKY, 26, 10);
	/* The metrics are nanoseconds on the wire, milliseconds here. */
	k8sa_llm_result r;
	struct collected c;
	parse_file("tests/data/llm/ollama/api-chat-stream.ndjson", LLM_FRAME_NDJSON, 1, &r, &c);
	ck_assert_double_eq_tol(r.total_ms, 174.560334, 1e-6);
	ck_assert_double_eq_tol(r.load_ms, 101.397084, 1e-6);
	ck_assert_double_eq_tol(r.prompt_eval_ms, 13.074791, 1e-6);
	ck_assert_double_eq_tol(r.eval_ms, 52.479709, 1e-6);
	ck_assert_str_eq(r.model, "llama3.2");
	ck_assert_int_eq(c.pieces, 9);
	parsed_free(&r, &c);
}
END_TEST

START_TEST(ndjson_length_and_generate)
{
	k8sa_llm_result r;
	struct collected c;
	parse_file("tests/data/llm/ollama/api-chat-stream-length.ndjson", LLM_FRAME_NDJSON, 7, &r, &c);
	ck_assert_str_eq(c.text.p, "The sky appears blue");
	ck_assert_str_eq(r.done_reason, "length");
	ck_assert_int_eq(r.answer_tokens, 4);
	parsed_free(&r, &c);
	/* /api/generate streams "response" instead of message.content */
	parse_file("tests/data/llm/ollama/api-generate-stream.ndjson", LLM_FRAME_NDJSON, 3, &r, &c);
	ck_assert_ptr_nonnull(c.text.p);
	ck_assert_int_gt((int)c.text.len, 10);
	parsed_free(&r, &c);
}
END_TEST

START_TEST(sse_samples_any_split)
{
	check_sample("tests/data/llm/ollama/v1-chat-stream-include_usage.sse", LLM_FRAME_SSE, SKY, 26, 10);
	check_sample("tests/data/llm/llamacpp/v1-chat-stream-include_usage.sse", LLM_FRAME_SSE, SKY, 26, 10);
	check_sample("tests/data/llm/vllm/v1-chat-stream-include_usage.sse", LLM_FRAME_SSE, SKY, 26, 10);
	/* llama.cpp: content null in the role chunk, timings on the last chunk */
	k8sa_llm_result r;
	struct collected c;
	parse_file("tests/data/llm/llamacpp/v1-chat-stream-include_usage.sse", LLM_FRAME_SSE, 1, &r, &c);
	ck_assert_double_eq_tol(r.prompt_eval_ms, 41.812, 1e-9);
	ck_assert_double_eq_tol(r.eval_ms, 188.064, 1e-9);
	ck_assert_str_eq(r.model, "Qwen2.5-7B-Instruct-Q4_K_M.gguf");
	parsed_free(&r, &c);
	/* without include_usage: text and stop reason, no counts */
	parse_file("tests/data/llm/llamacpp/v1-chat-stream.sse", LLM_FRAME_SSE, 5, &r, &c);
	ck_assert_str_eq(c.text.p, SKY);
	ck_assert_str_eq(r.done_reason, "stop");
	parsed_free(&r, &c);
}
END_TEST

START_TEST(sse_edge_cases)
{
	/* CRLF line ends, comments (keep-alive pings), a field without a space, an event split
	 * over two data lines is joined with \n (then is not JSON: rejected), [DONE] without the
	 * closing blank line. */
	const char *s = ": ping\r\n\r\n"
			"data:{\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":null},\"finish_reason\":null}]}\r\n\r\n"
			": another ping\n"
			"event: message\n"
			"data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"h\\u00e9\"},\"finish_reason\":null}]}\n\n"
			"data: {\"choices\":[{\"index\":1,\"delta\":{\"content\":\"IGNORED\"},\"finish_reason\":null}]}\n\n"
			"data: {\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"length\"}]}\n\n"
			"data: {\"choices\":[],\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":1}}\n\n"
			"data: [DONE]";
	for (unsigned mode = 0; mode < 30; mode++) {
		k8sa_llm_result r;
		struct collected c;
		ck_assert_int_eq(parse_split(LLM_FRAME_SSE, s, strlen(s), mode, &r, &c, NULL), K8SA_OK);
		ck_assert_str_eq(c.text.p, "h\xc3\xa9");
		ck_assert_str_eq(r.done_reason, "length");
		ck_assert_int_eq(r.prompt_tokens, 3);
		ck_assert_int_eq(r.answer_tokens, 1);
		parsed_free(&r, &c);
	}
}
END_TEST

START_TEST(midstream_errors_keep_text)
{
	size_t len;
	char *d = read_file("tests/data/llm/ollama/api-midstream-error.ndjson", &len);
	for (unsigned mode = 0; mode < 20; mode++) {
		k8sa_llm_result r;
		struct collected c;
		struct llm_parser p;
		ck_assert_int_eq(parse_split(LLM_FRAME_NDJSON, d, len, mode, &r, &c, &p), K8SA_E_LLM);
		ck_assert_str_eq(c.text.p, " Yes.");
		ck_assert_ptr_nonnull(strstr(p.message, "an error was encountered while running the model"));
		ck_assert_int_eq(r.complete, 0);
		llm_parser_free(&p);
		parsed_free(&r, &c);
	}
	free(d);
	d = read_file("tests/data/llm/llamacpp/midstream-error.sse", &len);
	for (unsigned mode = 0; mode < 20; mode++) {
		k8sa_llm_result r;
		struct collected c;
		struct llm_parser p;
		ck_assert_int_eq(parse_split(LLM_FRAME_SSE, d, len, mode, &r, &c, &p), K8SA_E_LLM);
		ck_assert_str_eq(c.text.p, "The");
		ck_assert_ptr_nonnull(strstr(p.message, "Input prompt is too big"));
		llm_parser_free(&p);
		parsed_free(&r, &c);
	}
	free(d);
	/* older llama.cpp: a bare "error:" line */
	const char *old = "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"x\"}}]}\n\nerror: {\"code\":500,\"message\":\"KV full\"}\n\n";
	k8sa_llm_result r;
	struct collected c;
	struct llm_parser p;
	ck_assert_int_eq(parse_split(LLM_FRAME_SSE, old, strlen(old), 1, &r, &c, &p), K8SA_E_LLM);
	ck_assert_ptr_nonnull(strstr(p.message, "KV full"));
	llm_parser_free(&p);
	parsed_free(&r, &c);
}
END_TEST

START_TEST(truncated_and_garbage_streams)
{
	size_t len;
	char *d = read_file("tests/data/llm/ollama/api-chat-stream.ndjson", &len);
	/* cut before the final line: the text stays, the answer is not complete */
	const char *last = strstr(d, "{\"model\":\"llama3.2\",\"created_at\":\"2025-10-26T17:15:24.200863Z\"");
	ck_assert_ptr_nonnull(last);
	k8sa_llm_result r;
	struct collected c;
	struct llm_parser p;
	ck_assert_int_eq(parse_split(LLM_FRAME_NDJSON, d, (size_t)(last - d) + 30, 4, &r, &c, &p), K8SA_E_PROTOCOL);
	ck_assert_str_eq(c.text.p, SKY);
	ck_assert_ptr_nonnull(strstr(p.message, "stream ended before the model finished"));
	ck_assert_int_eq(r.complete, 0);
	llm_parser_free(&p);
	parsed_free(&r, &c);
	free(d);
	/* SSE without [DONE] or finish_reason */
	const char *sse = "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"half\"}}]}\n\n";
	ck_assert_int_eq(parse_split(LLM_FRAME_SSE, sse, strlen(sse), 0, &r, &c, NULL), K8SA_E_PROTOCOL);
	parsed_free(&r, &c);
	/* garbage */
	const char *g = "{\"model\":\"m\",\"message\":{\"content\":\"ok\"},\"done\":false}\nthis is not json\n";
	ck_assert_int_eq(parse_split(LLM_FRAME_NDJSON, g, strlen(g), 1, &r, &c, &p), K8SA_E_PROTOCOL);
	ck_assert_ptr_nonnull(strstr(p.message, "invalid JSON"));
	ck_assert_str_eq(c.text.p, "ok");
	llm_parser_free(&p);
	parsed_free(&r, &c);
	const char *g2 = "data: {\"choices\":[{\"delta\":{\"content\":\"x\"\n\n";
	ck_assert_int_eq(parse_split(LLM_FRAME_SSE, g2, strlen(g2), 0, &r, &c, NULL), K8SA_E_PROTOCOL);
	parsed_free(&r, &c);
}
END_TEST

START_TEST(whole_bodies)
{
	static const struct {
		const char *file;
		enum llm_framing fr;
		long ptok;
	} cases[] = {
		{"tests/data/llm/ollama/api-chat-nonstream.json", LLM_FRAME_OLLAMA_WHOLE, 26},
		{"tests/data/llm/ollama/v1-chat-nonstream.json", LLM_FRAME_OPENAI_WHOLE, 26},
		{"tests/data/llm/llamacpp/v1-chat-nonstream.json", LLM_FRAME_OPENAI_WHOLE, 26},
		{"tests/data/llm/vllm/v1-chat-nonstream.json", LLM_FRAME_OPENAI_WHOLE, -2},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t len;
		char *d = read_file(cases[i].file, &len);
		k8sa_llm_result r;
		struct collected c;
		ck_assert_msg(parse_split(cases[i].fr, d, len, 3, &r, &c, NULL) == K8SA_OK, "%s", cases[i].file);
		ck_assert_int_gt((int)c.text.len, 0);
		ck_assert_int_eq(c.pieces, 1);
		ck_assert_int_eq(r.complete, 1);
		ck_assert_ptr_nonnull(r.done_reason);
		if (cases[i].ptok != -2)
			ck_assert_int_eq(r.prompt_tokens, cases[i].ptok);
		else
			ck_assert_int_gt(r.prompt_tokens, 0);
		parsed_free(&r, &c);
		free(d);
	}
}
END_TEST

START_TEST(error_bodies_all_shapes)
{
	static const struct {
		const char *file;
		const char *want;
	} cases[] = {
		{"tests/data/llm/ollama/api-chat-404-model-not-found.json", "model 'llama9' not found"},
		{"tests/data/llm/ollama/api-chat-400-missing-body.json", "missing request body"},
		{"tests/data/llm/ollama/v1-error-404.json", "model 'llama9' not found"},
		{"tests/data/llm/openai/error-model-not-found.json", "The model `gpt-9` does not exist"},
		{"tests/data/llm/vllm/error-404-model-flat-legacy.json", "The model `llama9` does not exist."},
		{"tests/data/llm/vllm/error-404-model-nested.json", "The model `llama9` does not exist."},
		{"tests/data/llm/llamacpp/error-400-exceed-context.json", "exceeds the available context size"},
		{"tests/data/llm/llamacpp/health-loading-503.json", "Loading model"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t len;
		char *d = read_file(cases[i].file, &len);
		char *m = llm_error_body_message(d, len);
		ck_assert_ptr_nonnull(m);
		ck_assert_msg(strstr(m, cases[i].want) != NULL, "%s: got '%s'", cases[i].file, m);
		free(m);
		free(d);
	}
	char *m = llm_error_body_message("404 page not found\n", 19);
	ck_assert_str_eq(m, "404 page not found");
	free(m);
	ck_assert_ptr_null(llm_error_body_message("  \n", 3));
}
END_TEST

/* ------------------------------------------------------------------------------------------ */
/* settings and messages */

START_TEST(settings_and_env)
{
	k8sa_llm *l = NULL;
	k8sa_error e;
	ck_assert_int_eq(k8sa_llm_new(&l, &e), K8SA_OK);
	ck_assert_str_eq(k8sa_llm_url(l), "http://localhost:11434");
	ck_assert_str_eq(k8sa_llm_model(l), "mistral");
	ck_assert_int_eq(k8sa_llm_backend(l), K8SA_LLM_OLLAMA);
	ck_assert_int_eq(k8sa_llm_set_url(l, "host:8080/", &e), K8SA_OK);
	ck_assert_str_eq(k8sa_llm_url(l), "http://host:8080");
	ck_assert_int_eq(k8sa_llm_set_url(l, "ftp://x", &e), K8SA_E_INVALID_ARG);
	ck_assert_int_eq(k8sa_llm_set_url(l, "", &e), K8SA_E_INVALID_ARG);
	ck_assert_int_eq(k8sa_llm_set_backend_name(l, "vllm", &e), K8SA_OK);
	ck_assert_int_eq(k8sa_llm_backend(l), K8SA_LLM_OPENAI);
	ck_assert_int_eq(k8sa_llm_set_backend_name(l, "gpt", &e), K8SA_E_INVALID_ARG);
	ck_assert_ptr_nonnull(strstr(e.message, "ollama or openai"));
	ck_assert_str_eq(k8sa_backend_name(K8SA_LLM_OPENAI), "openai");
	ck_assert_int_eq(k8sa_llm_set_model(l, "", &e), K8SA_E_INVALID_ARG);

	/* /v1 in the base URL is not doubled */
	ck_assert_int_eq(k8sa_llm_set_url(l, "http://h:8080/v1", &e), K8SA_OK);
	char *u = llm_endpoint(l, "/v1/chat/completions");
	ck_assert_str_eq(u, "http://h:8080/v1/chat/completions");
	free(u);

	int found = -1;
	unsetenv("K8SA_LLM_URL");
	setenv("OLLAMA_HOST", "gpu-box", 1);
	ck_assert_int_eq(k8sa_llm_set_url_from_env(l, &found, &e), K8SA_OK);
	ck_assert_int_eq(found, 1);
	ck_assert_str_eq(k8sa_llm_url(l), "http://gpu-box:11434");
	setenv("OLLAMA_HOST", "10.0.0.5:9999", 1);
	k8sa_llm_set_url_from_env(l, NULL, &e);
	ck_assert_str_eq(k8sa_llm_url(l), "http://10.0.0.5:9999");
	setenv("OLLAMA_HOST", "https://ollama.example", 1);
	k8sa_llm_set_url_from_env(l, NULL, &e);
	ck_assert_str_eq(k8sa_llm_url(l), "https://ollama.example");
	setenv("K8SA_LLM_URL", "http://llama:8080", 1);
	k8sa_llm_set_url_from_env(l, NULL, &e);
	ck_assert_str_eq(k8sa_llm_url(l), "http://llama:8080");
	unsetenv("K8SA_LLM_URL");
	unsetenv("OLLAMA_HOST");
	ck_assert_int_eq(k8sa_llm_set_url_from_env(l, &found, &e), K8SA_OK);
	ck_assert_int_eq(found, 0);
	ck_assert_str_eq(k8sa_llm_url(l), "http://llama:8080");
	k8sa_llm_free(l);
	k8sa_llm_free(NULL);
}
END_TEST

START_TEST(messages_and_request_json)
{
	k8sa_messages *m = NULL;
	k8sa_error e;
	ck_assert_int_eq(k8sa_messages_new(&m, &e), K8SA_OK);
	ck_assert_int_eq(k8sa_messages_add(m, "system", "You are <k8s> & \"kind\".", &e), K8SA_OK);
	ck_assert_int_eq(k8sa_messages_add(m, "user", "why?\n", &e), K8SA_OK);
	ck_assert_int_eq(k8sa_messages_add(m, "wizard", "x", &e), K8SA_E_INVALID_ARG);
	ck_assert_uint_eq(k8sa_messages_count(m), 2);
	ck_assert_str_eq(k8sa_messages_role(m, 1), "user");
	ck_assert_ptr_null(k8sa_messages_content(m, 2));
	char *j = NULL;
	ck_assert_int_eq(k8sa_messages_to_json(m, &j, &e), K8SA_OK);
	ck_assert_str_eq(j, "[{\"role\":\"system\",\"content\":\"You are <k8s> & \\\"kind\\\".\"},"
			    "{\"role\":\"user\",\"content\":\"why?\\n\"}]");
	k8sa_free(j);

	k8sa_llm *l;
	k8sa_llm_new(&l, NULL);
	k8sa_llm_set_context_tokens(l, 8192);
	k8sa_llm_set_max_tokens(l, 512);
	k8sa_llm_set_temperature(l, 0.2);
	k8sa_llm_set_seed(l, 42);
	k8sa_llm_set_keep_alive(l, "10m", NULL);
	ck_assert_int_eq(k8sa_llm_request_json(l, m, &j, &e), K8SA_OK);
	TEXT_HAS(j, "\"options\":{\"temperature\":0.2,\"num_ctx\":8192,\"num_predict\":512,\"seed\":42}",
		"\"keep_alive\":\"10m\"", "\"stream\":true");
	k8sa_free(j);
	k8sa_llm_set_keep_alive(l, "-1", NULL);
	k8sa_llm_set_backend(l, K8SA_LLM_OPENAI, NULL);
	ck_assert_int_eq(k8sa_llm_request_json(l, m, &j, &e), K8SA_OK);
	TEXT_LACKS(j, "num_ctx", "keep_alive");
	ck_assert_ptr_nonnull(strstr(j, "\"stream_options\":{\"include_usage\":true},\"max_tokens\":512,\"temperature\":0.2,\"seed\":42"));
	k8sa_free(j);
	k8sa_llm_free(l);
	k8sa_messages_free(m);
}
END_TEST

/* ------------------------------------------------------------------------------------------ */
/* against llmsim */

static struct test_sim sim;

static const char *script =
	"{\"models\":[\"mistral\",\"llama3.2\"],\"rules\":["
	"{\"match\":\"hello\",\"reply\":\"Hello from the sim\",\"prompt_tokens\":26,\"load_ms\":5},"
	"{\"match\":\"slowfirst\",\"reply\":\"late\",\"delay_ms\":3000},"
	"{\"match\":\"slowchunks\",\"reply\":\"a b c d e f g h i j\",\"chunk_delay_ms\":150},"
	"{\"match\":\"boom500\",\"error\":{\"status\":500,\"message\":\"boom\"}},"
	"{\"match\":\"bad400\",\"error\":{\"status\":400,\"message\":\"bad thing\"}},"
	"{\"match\":\"midstream\",\"reply\":\"one two three four\",\"midstream_error\":{\"after_chunks\":2,\"message\":\"CUDA out of memory\"}},"
	"{\"match\":\"disconnect\",\"reply\":\"one two three four\",\"disconnect_after_chunks\":2},"
	"{\"match\":\"garbage\",\"reply\":\"one two\",\"garbage\":1},"
	"{\"match\":\"loadingA\",\"reply\":\"ready now\",\"status_503_times\":2},"
	"{\"match\":\"loadingB\",\"reply\":\"ready now\",\"status_503_times\":2},"
	"{\"match\":\"loadingforever\",\"reply\":\"never\",\"status_503_times\":1000},"
	"{\"match\":\"cancelme\",\"reply\":\"too late\",\"delay_ms\":5000},"
	"{\"match\":\"chunky\",\"reply\":\"abcdefghij\",\"chunks\":[\"ab\",\"cde\",\"f\",\"ghij\"]},"
	"{\"match\":\"lingering\",\"reply\":\"done here\",\"hold_open_ms\":3000},"
	"{\"match\":\"long\",\"reply\":\"w1 w2 w3 w4 w5 w6 w7 w8\"}"
	"]}";

static void sim_up(void)
{
	k8sa_global_init();
	memset(&sim, 0, sizeof(sim));
	if (start_llmsim(&sim, script) != 0)
		ck_abort_msg("cannot start llmsim");
}

static void sim_down(void)
{
	test_sim_stop(&sim);
	k8sa_global_cleanup();
}

static k8sa_llm *mk_llm(k8sa_backend b)
{
	k8sa_llm *l;
	ck_assert_int_eq(k8sa_llm_new(&l, NULL), K8SA_OK);
	ck_assert_int_eq(k8sa_llm_set_url(l, sim.url, NULL), K8SA_OK);
	ck_assert_int_eq(k8sa_llm_set_backend(l, b, NULL), K8SA_OK);
	k8sa_llm_set_timeouts_ms(l, 2000, 5000, 10000);
	k8sa_llm_set_retries(l, 0, 50);
	return l;
}

/* A client of url (defaults otherwise) that makes up to retries more attempts, backoff_ms
 * apart at first. */
static k8sa_llm *llm_for(const char *url, unsigned int retries, long backoff_ms)
{
	k8sa_llm *l = NULL;
	ck_assert_int_eq(k8sa_llm_new(&l, NULL), K8SA_OK);
	ck_assert_int_eq(k8sa_llm_set_url(l, url, NULL), K8SA_OK);
	k8sa_llm_set_retries(l, retries, backoff_ms);
	return l;
}

static k8sa_messages *mk_msgs(const char *user)
{
	k8sa_messages *m;
	ck_assert_int_eq(k8sa_messages_new(&m, NULL), K8SA_OK);
	ck_assert_int_eq(k8sa_messages_add(m, "system", "You are a Kubernetes expert.", NULL), K8SA_OK);
	ck_assert_int_eq(k8sa_messages_add(m, "user", user, NULL), K8SA_OK);
	return m;
}

/* l's answer to the one user message `user` (k8sa_llm_chat()). */
static k8sa_status chat_on(k8sa_llm *l, const char *user, k8sa_llm_result **r, k8sa_error *e)
{
	k8sa_messages *m = mk_msgs(user);
	k8sa_status st = k8sa_llm_chat(l, m, r, e);
	k8sa_messages_free(m);
	return st;
}

static k8sa_status chat(k8sa_backend b, int streaming, const char *user, k8sa_llm_result **r,
			k8sa_error *e)
{
	k8sa_llm *l = mk_llm(b);
	k8sa_llm_set_streaming(l, streaming);
	memset(e, 0, sizeof(*e));
	k8sa_status st = chat_on(l, user, r, e);
	k8sa_llm_free(l);
	return st;
}

/* llmsim's record of the last request whose line contains `needle` (new reference). */
static json_object *recorded_request(const char *needle)
{
	FILE *f = fopen(sim.record, "r");
	ck_assert_ptr_nonnull(f);
	char *line = NULL, *found = NULL;
	size_t cap = 0;
	while (getline(&line, &cap, f) > 0)
		if (strstr(line, needle)) {
			free(found);
			found = strdup(line);
		}
	free(line);
	fclose(f);
	ck_assert_msg(found != NULL, "no recorded request with %s", needle);
	json_object *o = json_tokener_parse(found);
	free(found);
	ck_assert_ptr_nonnull(o);
	return o;
}

/* The recorded body of that request (new reference). */
static json_object *recorded(const char *needle)
{
	json_object *o = recorded_request(needle), *b = NULL;
	ck_assert(json_object_object_get_ex(o, "body", &b));
	json_object_get(b);
	json_object_put(o);
	return b;
}

START_TEST(chat_both_backends_stream_and_not)
{
	for (int b = 0; b < 2; b++)
		for (int streaming = 0; streaming < 2; streaming++) {
			k8sa_llm_result *r = NULL;
			k8sa_error e;
			k8sa_status st = chat((k8sa_backend)b, streaming, "hello there", &r, &e);
			ck_assert_msg(st == K8SA_OK, "backend %d stream %d: %s", b, streaming, e.message);
			ck_assert_str_eq(k8sa_llm_result_text(r), "Hello from the sim");
			ck_assert_uint_eq(k8sa_llm_result_text_len(r), 18);
			ck_assert_str_eq(k8sa_llm_result_model(r), "mistral");
			ck_assert_str_eq(k8sa_llm_result_done_reason(r), "stop");
			ck_assert_int_eq(k8sa_llm_result_complete(r), 1);
			ck_assert_int_eq(k8sa_llm_result_prompt_tokens(r), 26);
			ck_assert_int_eq(k8sa_llm_result_answer_tokens(r), 4);
			ck_assert_int_eq(k8sa_llm_result_attempts(r), 1);
			ck_assert(k8sa_llm_result_first_token_ms(r) >= 0);
			ck_assert(k8sa_llm_result_elapsed_ms(r) >= k8sa_llm_result_first_token_ms(r));
			if (b == K8SA_LLM_OLLAMA) {
				/* ns on the wire -> ms; load_ms 5 from the script */
				ck_assert_double_eq_tol(k8sa_llm_result_load_ms(r), 5.0, 1e-9);
				ck_assert(k8sa_llm_result_total_ms(r) >= 5.0);
				ck_assert(k8sa_llm_result_prompt_eval_ms(r) > 0);
			} else {
				ck_assert(k8sa_llm_result_load_ms(r) < 0);
			}
			char *j = NULL;
			ck_assert_int_eq(k8sa_llm_result_to_json(r, &j, NULL), K8SA_OK);
			json_object *o = json_tokener_parse(j);
			ck_assert_ptr_nonnull(o);
			json_object *v;
			ck_assert(json_object_object_get_ex(o, "text", &v));
			ck_assert_str_eq(json_object_get_string(v), "Hello from the sim");
			ck_assert(json_object_object_get_ex(o, "answer_tokens", &v));
			ck_assert_int_eq(json_object_get_int(v), 4);
			json_object_put(o);
			k8sa_free(j);
			k8sa_llm_result_free(r);
		}
}
END_TEST

START_TEST(pull_stream_chunk_boundaries)
{
	for (int b = 0; b < 2; b++) {
		k8sa_llm *l = mk_llm((k8sa_backend)b);
		k8sa_messages *m = mk_msgs("chunky");
		k8sa_llm_stream *s = NULL;
		k8sa_error e;
		ck_assert_int_eq(k8sa_llm_chat_start(l, m, &s, &e), K8SA_OK);
		/* settings and messages were copied */
		k8sa_llm_free(l);
		k8sa_messages_free(m);
		const char *want[] = {"ab", "cde", "f", "ghij"};
		for (int i = 0; i < 4; i++) {
			const char *c = NULL;
			size_t n = 0;
			ck_assert_int_eq(k8sa_llm_stream_next(s, &c, &n, &e), K8SA_OK);
			ck_assert_ptr_nonnull(c);
			ck_assert_str_eq(c, want[i]);
			ck_assert_uint_eq(n, strlen(want[i]));
		}
		const char *c = (const char *)1;
		ck_assert_int_eq(k8sa_llm_stream_next(s, &c, NULL, &e), K8SA_OK);
		ck_assert_ptr_null(c);
		ck_assert_int_eq(k8sa_llm_stream_next(s, &c, NULL, &e), K8SA_OK); /* stays done */
		ck_assert_ptr_null(c);
		const k8sa_llm_result *r = k8sa_llm_stream_result(s);
		ck_assert_str_eq(k8sa_llm_result_text(r), "abcdefghij");
		ck_assert_int_eq(k8sa_llm_result_answer_tokens(r), 4);
		ck_assert_int_eq(k8sa_llm_result_complete(r), 1);
		k8sa_llm_stream_cancel(s); /* after the end: no effect */
		ck_assert_int_eq(k8sa_llm_stream_next(s, &c, NULL, &e), K8SA_OK);
		k8sa_llm_stream_free(s);
	}
}
END_TEST

START_TEST(recorded_request_has_messages_and_options)
{
	k8sa_llm *l = mk_llm(K8SA_LLM_OLLAMA);
	k8sa_llm_set_context_tokens(l, 16384);
	k8sa_llm_set_max_tokens(l, 700);
	k8sa_llm_set_temperature(l, 0.1);
	k8sa_messages *m = mk_msgs("record-me-ollama <&>");
	k8sa_llm_result *r = NULL;
	k8sa_error e;
	ck_assert_int_eq(k8sa_llm_chat(l, m, &r, &e), K8SA_OK);
	k8sa_llm_result_free(r);
	json_object *b = recorded("record-me-ollama"), *v, *opt;
	ck_assert(json_object_object_get_ex(b, "options", &opt));
	ck_assert(json_object_object_get_ex(opt, "num_ctx", &v));
	ck_assert_int_eq(json_object_get_int(v), 16384);
	ck_assert(json_object_object_get_ex(opt, "num_predict", &v));
	ck_assert_int_eq(json_object_get_int(v), 700);
	ck_assert(json_object_object_get_ex(b, "messages", &v));
	ck_assert_int_eq((int)json_object_array_length(v), 2);
	json_object *u = json_object_array_get_idx(v, 1), *c;
	ck_assert(json_object_object_get_ex(u, "content", &c));
	ck_assert_str_eq(json_object_get_string(c), "record-me-ollama <&>");
	/* k8sa_llm_request_json prints exactly what was sent */
	char *j;
	ck_assert_int_eq(k8sa_llm_request_json(l, m, &j, NULL), K8SA_OK);
	json_object *printed = json_tokener_parse(j);
	ck_assert(json_object_equal(printed, b));
	json_object_put(printed);
	k8sa_free(j);
	json_object_put(b);
	k8sa_messages_free(m);
	k8sa_llm_free(l);

	l = mk_llm(K8SA_LLM_OPENAI);
	k8sa_llm_set_context_tokens(l, 16384);
	k8sa_llm_set_max_tokens(l, 300);
	m = mk_msgs("record-me-openai");
	ck_assert_int_eq(k8sa_llm_chat(l, m, &r, &e), K8SA_OK);
	k8sa_llm_result_free(r);
	b = recorded("record-me-openai");
	ck_assert(json_object_object_get_ex(b, "max_tokens", &v));
	ck_assert_int_eq(json_object_get_int(v), 300);
	ck_assert(!json_object_object_get_ex(b, "options", &v));
	ck_assert(json_object_object_get_ex(b, "stream_options", &v));
	json_object_put(b);
	k8sa_messages_free(m);
	k8sa_llm_free(l);
}
END_TEST

START_TEST(max_tokens_stops_with_length)
{
	for (int b = 0; b < 2; b++) {
		k8sa_llm *l = mk_llm((k8sa_backend)b);
		k8sa_llm_set_max_tokens(l, 3);
		k8sa_messages *m = mk_msgs("long answer please");
		k8sa_llm_result *r = NULL;
		ck_assert_int_eq(k8sa_llm_chat(l, m, &r, NULL), K8SA_OK);
		ck_assert_str_eq(k8sa_llm_result_text(r), "w1 w2 w3");
		ck_assert_str_eq(k8sa_llm_result_done_reason(r), "length");
		ck_assert_int_eq(k8sa_llm_result_complete(r), 1);
		k8sa_llm_result_free(r);
		k8sa_messages_free(m);
		k8sa_llm_free(l);
	}
}
END_TEST

START_TEST(model_not_found_with_hint)
{
	for (int b = 0; b < 2; b++) {
		k8sa_llm *l = mk_llm((k8sa_backend)b);
		k8sa_llm_set_model(l, "nosuchmodel", NULL);
		k8sa_llm_result *r = (k8sa_llm_result *)1;
		k8sa_error e;
		ck_assert_int_eq(chat_on(l, "hello", &r, &e), K8SA_E_MODEL_NOT_FOUND);
		ck_assert_ptr_null(r);
		ck_assert_int_eq(e.http_status, 404);
		TEXT_HAS(e.message, "model 'nosuchmodel' not found", sim.url);
		if (b == K8SA_LLM_OLLAMA)
			ck_assert_ptr_nonnull(strstr(e.message, "run: ollama pull nosuchmodel"));
		/* check_model says the same before any chat */
		ck_assert_int_eq(k8sa_llm_check_model(l, &e), K8SA_E_MODEL_NOT_FOUND);
		if (b == K8SA_LLM_OLLAMA)
			ck_assert_ptr_nonnull(strstr(e.message, "ollama pull nosuchmodel"));
		else
			ck_assert_ptr_nonnull(strstr(e.message, "mistral:latest"));
		k8sa_llm_set_model(l, "mistral", NULL);
		ck_assert_int_eq(k8sa_llm_check_model(l, &e), K8SA_OK);
		k8sa_llm_set_model(l, "llama3.2:latest", NULL);
		ck_assert_int_eq(k8sa_llm_check_model(l, &e), K8SA_OK);
		char *j = NULL;
		ck_assert_int_eq(k8sa_llm_list_models(l, &j, &e), K8SA_OK);
		ck_assert_str_eq(j, "[\"mistral:latest\",\"llama3.2:latest\"]");
		k8sa_free(j);
		k8sa_llm_free(l);
	}
}
END_TEST

START_TEST(http_errors_keep_server_message)
{
	static const struct {
		int streaming;
		const char *user;
		k8sa_status want;
		int http_status;
		const char *says;
	} errs[] = {{1, "bad400", K8SA_E_BAD_REQUEST, 400, "bad thing"}, {0, "boom500", K8SA_E_LLM, 500, "boom"}};
	for (int b = 0; b < 2; b++)
		for (size_t i = 0; i < sizeof(errs) / sizeof(errs[0]); i++) {
			k8sa_llm_result *r = NULL;
			k8sa_error e;
			ck_assert_int_eq(chat((k8sa_backend)b, errs[i].streaming, errs[i].user, &r, &e), errs[i].want);
			ck_assert_int_eq(e.http_status, errs[i].http_status);
			ck_assert_ptr_nonnull(strstr(e.message, errs[i].says));
			ck_assert_ptr_null(r);
		}
	/* wrong backend for the server path: a 404 that is not about the model */
	k8sa_llm *l = mk_llm(K8SA_LLM_OLLAMA);
	char url[300];
	snprintf(url, sizeof(url), "%s/some/prefix", sim.url);
	k8sa_llm_set_url(l, url, NULL);
	k8sa_llm_result *r = NULL;
	k8sa_error e;
	ck_assert_int_eq(chat_on(l, "hello", &r, &e), K8SA_E_NOT_FOUND);
	ck_assert_ptr_nonnull(strstr(e.message, "--backend"));
	char *j = NULL;
	ck_assert_int_eq(k8sa_llm_list_models(l, &j, &e), K8SA_E_NOT_FOUND);
	ck_assert_ptr_null(j);
	k8sa_llm_free(l);
}
END_TEST

START_TEST(midstream_error_keeps_partial)
{
	for (int b = 0; b < 2; b++) {
		k8sa_llm_result *r = NULL;
		k8sa_error e;
		ck_assert_int_eq(chat((k8sa_backend)b, 1, "midstream", &r, &e), K8SA_E_LLM);
		TEXT_HAS(e.message, "CUDA out of memory", "partial answer kept");
		ck_assert_ptr_nonnull(r);
		ck_assert_str_eq(k8sa_llm_result_text(r), "one two");
		ck_assert_int_eq(k8sa_llm_result_complete(r), 0);
		ck_assert_ptr_null(k8sa_llm_result_done_reason(r));
		k8sa_llm_result_free(r);
	}
}
END_TEST

START_TEST(disconnect_keeps_partial_and_no_retry)
{
	for (int b = 0; b < 2; b++) {
		k8sa_llm *l = mk_llm((k8sa_backend)b);
		k8sa_llm_set_retries(l, 3, 10); /* must not be used after the first token */
		k8sa_llm_result *r = NULL;
		k8sa_error e;
		ck_assert_int_eq(chat_on(l, "disconnect", &r, &e), K8SA_E_PROTOCOL);
		ck_assert_ptr_nonnull(strstr(e.message, "stream ended before the model finished (partial answer kept)"));
		ck_assert_ptr_nonnull(r);
		ck_assert_str_eq(k8sa_llm_result_text(r), "one two");
		ck_assert_int_eq(k8sa_llm_result_complete(r), 0);
		ck_assert_int_eq(k8sa_llm_result_attempts(r), 1);
		k8sa_llm_result_free(r);
		k8sa_llm_free(l);
	}
}
END_TEST

START_TEST(garbage_framing_is_protocol_error)
{
	for (int b = 0; b < 2; b++)
		for (int streaming = 0; streaming < 2; streaming++) {
			k8sa_llm_result *r = NULL;
			k8sa_error e;
			ck_assert_int_eq(chat((k8sa_backend)b, streaming, "garbage", &r, &e), K8SA_E_PROTOCOL);
			ck_assert_ptr_nonnull(strstr(e.message, sim.url));
			k8sa_llm_result_free(r);
		}
}
END_TEST

START_TEST(connection_refused_names_url)
{
	char url[64];
	test_dead_url(url, sizeof(url));
	k8sa_llm *l = llm_for(url, 2, 20);
	k8sa_llm_result *r = NULL;
	k8sa_error e;
	double t0 = k8sa_now_ms();
	ck_assert_int_eq(chat_on(l, "hello", &r, &e), K8SA_E_TRANSPORT);
	double took = k8sa_now_ms() - t0;
	ck_assert(took >= 60 - 5); /* 20 + 40 ms of backoff */
	ck_assert_ptr_null(r);
	TEXT_HAS(e.message, url, "OLLAMA_HOST", "--llm-url", "after 3 attempts");
	ck_assert_int_eq(k8sa_llm_check_model(l, &e), K8SA_E_TRANSPORT);
	ck_assert_ptr_nonnull(strstr(e.message, url));
	k8sa_llm_free(l);
}
END_TEST

/* The same TLS failure as the kube client's (test_kube.c, transport_errors): https to a
 * plain-HTTP server. Both clients map it in one place (http.c) to K8SA_E_TLS. */
START_TEST(tls_failure_is_tls_error)
{
	char url[300];
	snprintf(url, sizeof(url), "https://%s", strstr(sim.url, "://") + 3);
	k8sa_llm *l = mk_llm(K8SA_LLM_OLLAMA);
	ck_assert_int_eq(k8sa_llm_set_url(l, url, NULL), K8SA_OK);
	k8sa_llm_result *r = NULL;
	k8sa_error e;
	ck_assert_int_eq(chat_on(l, "hello", &r, &e), K8SA_E_TLS);
	ck_assert_int_eq(e.code, K8SA_E_TLS);
	ck_assert_ptr_nonnull(strstr(e.message, url));
	char *json = NULL;
	ck_assert_int_eq(k8sa_llm_list_models(l, &json, &e), K8SA_E_TLS);
	ck_assert_ptr_nonnull(strstr(e.message, "GET /api/tags"));
	k8sa_llm_free(l);
}
END_TEST

/* http_proxy and friends pointing at a dead port change nothing: llmsim is reached directly. */
START_TEST(environment_proxies_are_ignored)
{
	test_set_dead_proxies();
	k8sa_llm *l = mk_llm(K8SA_LLM_OLLAMA);
	k8sa_llm_result *r = NULL;
	k8sa_error e;
	k8sa_status st = chat_on(l, "hello", &r, &e);
	char *json = NULL;
	k8sa_status st2 = k8sa_llm_list_models(l, &json, &e);
	test_set_env_proxies(NULL);
	ck_assert_msg(st == K8SA_OK, "%s", e.message);
	ck_assert_str_eq(k8sa_llm_result_text(r), "Hello from the sim");
	ck_assert_int_eq(st2, K8SA_OK);
	k8sa_free(json);
	k8sa_llm_result_free(r);
	k8sa_llm_free(l);
}
END_TEST

/* A configured proxy carries every request; a dead one fails the call (no direct fallback). */
START_TEST(configured_proxy_is_used)
{
	struct test_proxy px;
	char purl[64], line[512];
	k8sa_error e;
	k8sa_llm *l = mk_llm(K8SA_LLM_OLLAMA);
	ck_assert_ptr_null(k8sa_llm_get_proxy(l));
	ck_assert_int_eq(test_proxy_start(&px, "{\"models\":[{\"name\":\"mistral:latest\"}]}"), 0);
	ck_assert_int_eq(k8sa_llm_set_url(l, "http://llm.invalid:11434", NULL), K8SA_OK);
	ck_assert_int_eq(k8sa_llm_set_proxy(l, px.url, &e), K8SA_OK);
	ck_assert_str_eq(k8sa_llm_get_proxy(l), px.url);
	char *json = NULL;
	ck_assert_msg(k8sa_llm_list_models(l, &json, &e) == K8SA_OK, "%s", e.message);
	ck_assert_str_eq(json, "[\"mistral:latest\"]");
	k8sa_free(json);
	ck_assert_int_eq(test_proxy_stop(&px, line, sizeof(line)), 1);
	ck_assert_str_eq(line, "GET http://llm.invalid:11434/api/tags HTTP/1.1");

	test_dead_url(purl, sizeof(purl));
	ck_assert_int_eq(k8sa_llm_set_url(l, sim.url, NULL), K8SA_OK);
	ck_assert_int_eq(k8sa_llm_set_proxy(l, purl, &e), K8SA_OK);
	k8sa_messages *m = mk_msgs("hello");
	k8sa_llm_result *r = NULL;
	ck_assert_int_eq(k8sa_llm_chat(l, m, &r, &e), K8SA_E_TRANSPORT);
	ck_assert_ptr_nonnull(strstr(e.message, purl));
	ck_assert_int_eq(k8sa_llm_check_model(l, &e), K8SA_E_TRANSPORT);

	ck_assert_int_eq(k8sa_llm_set_proxy(l, "ftp://127.0.0.1:21", &e), K8SA_E_INVALID_ARG);
	ck_assert_str_eq(k8sa_llm_get_proxy(l), purl);
	ck_assert_int_eq(k8sa_llm_set_proxy(l, NULL, &e), K8SA_OK);
	ck_assert_ptr_null(k8sa_llm_get_proxy(l));
	ck_assert_msg(k8sa_llm_chat(l, m, &r, &e) == K8SA_OK, "%s", e.message);
	k8sa_llm_result_free(r);
	k8sa_messages_free(m);
	k8sa_llm_free(l);
}
END_TEST

struct bg_chat {
	k8sa_llm *l;
	k8sa_messages *m;
	k8sa_llm_result *r;
	k8sa_error e;
	k8sa_status st;
};

static void *chat_in_background(void *arg)
{
	struct bg_chat *c = arg;
	c->st = k8sa_llm_chat(c->l, c->m, &c->r, &c->e);
	return NULL;
}

START_TEST(retry_refused_until_server_comes_up)
{
	/* The chat runs in a thread, refused at first; the server appears 300 ms later. (The
	 * server is started from this thread: a child dies with the thread that forked it.) */
	int port = test_free_port();
	char url[64];
	snprintf(url, sizeof(url), "http://127.0.0.1:%d", port);
	struct bg_chat c;
	memset(&c, 0, sizeof(c));
	c.l = llm_for(url, 8, 50); /* 50, 100, 200, 400... */
	c.m = mk_msgs("anyone there?");
	pthread_t t;
	pthread_create(&t, NULL, chat_in_background, &c);
	usleep(300 * 1000);
	struct test_sim late;
	memset(&late, 0, sizeof(late));
	int rc = start_llmsim_port(&late, NULL, port);
	pthread_join(t, NULL);
	ck_assert_int_eq(rc, 0);
	ck_assert_msg(c.st == K8SA_OK, "%s", c.e.message);
	ck_assert_str_eq(k8sa_llm_result_text(c.r), "llmsim: received 2 messages");
	ck_assert_int_gt(k8sa_llm_result_attempts(c.r), 1);
	k8sa_llm_result_free(c.r);
	k8sa_messages_free(c.m);
	k8sa_llm_free(c.l);
	test_sim_stop(&late);
}
END_TEST

START_TEST(retry_503_then_ok)
{
	const char *which[] = {"loadingA", "loadingB"};
	for (int b = 0; b < 2; b++) {
		k8sa_llm *l = mk_llm((k8sa_backend)b);
		k8sa_llm_set_retries(l, 3, 20);
		k8sa_messages *m = mk_msgs(which[b]);
		k8sa_llm_result *r = NULL;
		k8sa_error e;
		ck_assert_msg(k8sa_llm_chat(l, m, &r, &e) == K8SA_OK, "%s", e.message);
		ck_assert_str_eq(k8sa_llm_result_text(r), "ready now");
		ck_assert_int_eq(k8sa_llm_result_attempts(r), 3);
		k8sa_llm_result_free(r);
		k8sa_messages_free(m);
		k8sa_llm_free(l);
	}
	/* retries run out: the 503 is reported */
	k8sa_llm *l = mk_llm(K8SA_LLM_OLLAMA);
	k8sa_llm_set_retries(l, 1, 10);
	k8sa_messages *m = mk_msgs("loadingforever");
	k8sa_llm_result *r = NULL;
	k8sa_error e;
	ck_assert_int_eq(k8sa_llm_chat(l, m, &r, &e), K8SA_E_LLM);
	ck_assert_int_eq(e.http_status, 503);
	TEXT_HAS(e.message, "503", "after 2 attempts");
	k8sa_messages_free(m);
	k8sa_llm_free(l);
}
END_TEST

START_TEST(first_token_timeout)
{
	k8sa_llm *l = mk_llm(K8SA_LLM_OPENAI);
	k8sa_llm_set_timeouts_ms(l, -1, 300, -1);
	k8sa_llm_result *r = NULL;
	k8sa_error e;
	double t0 = k8sa_now_ms();
	ck_assert_int_eq(chat_on(l, "slowfirst", &r, &e), K8SA_E_TIMEOUT);
	double took = k8sa_now_ms() - t0;
	ck_assert_msg(took >= 290 && took < 1500, "took %.0f ms", took);
	ck_assert_ptr_nonnull(strstr(e.message, "first-token timeout"));
	ck_assert_ptr_null(r);
	k8sa_llm_free(l);
}
END_TEST

START_TEST(total_timeout_keeps_partial)
{
	k8sa_llm *l = mk_llm(K8SA_LLM_OLLAMA);
	k8sa_llm_set_timeouts_ms(l, -1, -1, 500);
	k8sa_llm_result *r = NULL;
	k8sa_error e;
	double t0 = k8sa_now_ms();
	ck_assert_int_eq(chat_on(l, "slowchunks", &r, &e), K8SA_E_TIMEOUT);
	double took = k8sa_now_ms() - t0;
	ck_assert_msg(took >= 490 && took < 1500, "took %.0f ms", took);
	ck_assert_ptr_nonnull(strstr(e.message, "total timeout"));
	ck_assert_ptr_nonnull(r);
	ck_assert_int_gt((int)k8sa_llm_result_text_len(r), 0);
	ck_assert_int_eq(k8sa_llm_result_complete(r), 0);
	k8sa_llm_result_free(r);
	k8sa_llm_free(l);
}
END_TEST

START_TEST(connect_timeout)
{
	/* A listener whose accept queue is full and never accepted: new SYNs are dropped, so
	 * connect() hangs until the connect timeout. */
	int port, lfd = test_listen_loopback(0, &port);
	ck_assert_int_ge(lfd, 0);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	int fill[8], nfill = 0;
	for (; nfill < 8; nfill++) {
		fill[nfill] = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
		connect(fill[nfill], (struct sockaddr *)&a, sizeof(a));
	}
	usleep(100 * 1000);
	char url[64];
	snprintf(url, sizeof(url), "http://127.0.0.1:%d", port);
	k8sa_llm *l = llm_for(url, 2, 10); /* a timeout is not retried */
	k8sa_llm_set_timeouts_ms(l, 300, 5000, 5000);
	k8sa_llm_result *r = NULL;
	k8sa_error e;
	double t0 = k8sa_now_ms();
	k8sa_status st = chat_on(l, "hello", &r, &e);
	double took = k8sa_now_ms() - t0;
	for (int i = 0; i < nfill; i++)
		close(fill[i]);
	close(lfd);
	ck_assert_msg(st == K8SA_E_TIMEOUT, "status %d: %s", st, e.message);
	ck_assert_ptr_nonnull(strstr(e.message, "connect timeout"));
	ck_assert_msg(took >= 290 && took < 1500, "took %.0f ms", took);
	k8sa_llm_free(l);
}
END_TEST

struct canceller {
	k8sa_llm_stream *s;
	int delay_ms;
};

static void *cancel_later(void *arg)
{
	struct canceller *c = arg;
	usleep((useconds_t)c->delay_ms * 1000);
	k8sa_llm_stream_cancel(c->s);
	return NULL;
}

START_TEST(cancel_from_another_thread)
{
	for (int b = 0; b < 2; b++) {
		k8sa_llm *l = mk_llm((k8sa_backend)b);
		k8sa_messages *m = mk_msgs("cancelme");
		k8sa_llm_stream *s;
		k8sa_error e;
		ck_assert_int_eq(k8sa_llm_chat_start(l, m, &s, &e), K8SA_OK);
		struct canceller c = {s, 200};
		pthread_t t;
		/* t0 before the thread starts: its 200 ms may begin before this thread runs again. */
		double t0 = k8sa_now_ms();
		pthread_create(&t, NULL, cancel_later, &c);
		const char *chunk = NULL;
		ck_assert_int_eq(k8sa_llm_stream_next(s, &chunk, NULL, &e), K8SA_E_CANCELLED);
		double took = k8sa_now_ms() - t0;
		pthread_join(t, NULL);
		ck_assert_msg(took >= 190 && took < 1000, "took %.0f ms", took);
		ck_assert_ptr_null(chunk);
		ck_assert_ptr_nonnull(strstr(e.message, "cancelled"));
		/* the stream stays over */
		ck_assert_int_eq(k8sa_llm_stream_next(s, &chunk, NULL, &e), K8SA_E_CANCELLED);
		ck_assert_int_eq(k8sa_llm_result_complete(k8sa_llm_stream_result(s)), 0);
		k8sa_llm_stream_free(s);
		k8sa_messages_free(m);
		k8sa_llm_free(l);
	}
}
END_TEST

START_TEST(cancel_during_retry_backoff)
{
	char url[64];
	test_dead_url(url, sizeof(url));
	k8sa_llm *l = llm_for(url, 3, 5000); /* long backoff: the cancel must cut it short */
	k8sa_messages *m = mk_msgs("hello");
	k8sa_llm_stream *s;
	k8sa_error e;
	ck_assert_int_eq(k8sa_llm_chat_start(l, m, &s, &e), K8SA_OK);
	struct canceller c = {s, 200};
	pthread_t t;
	pthread_create(&t, NULL, cancel_later, &c);
	const char *chunk;
	double t0 = k8sa_now_ms();
	ck_assert_int_eq(k8sa_llm_stream_next(s, &chunk, NULL, &e), K8SA_E_CANCELLED);
	double took = k8sa_now_ms() - t0;
	pthread_join(t, NULL);
	ck_assert_msg(took < 1000, "took %.0f ms", took);
	ck_assert_int_eq(k8sa_llm_result_attempts(k8sa_llm_stream_result(s)), 1);
	k8sa_llm_stream_free(s);
	k8sa_messages_free(m);
	k8sa_llm_free(l);
}
END_TEST

START_TEST(done_without_waiting_for_close)
{
	/* The final chunk / [DONE] ends the answer even if the server keeps the socket open. */
	for (int b = 0; b < 2; b++) {
		k8sa_llm *l = mk_llm((k8sa_backend)b);
		k8sa_llm_set_timeouts_ms(l, -1, -1, 1500);
		k8sa_llm_result *r = NULL;
		k8sa_error e;
		double t0 = k8sa_now_ms();
		ck_assert_msg(chat_on(l, "lingering", &r, &e) == K8SA_OK, "%s", e.message);
		ck_assert_msg(k8sa_now_ms() - t0 < 1000, "took %.0f ms", k8sa_now_ms() - t0);
		ck_assert_str_eq(k8sa_llm_result_text(r), "done here");
		ck_assert_int_eq(k8sa_llm_result_complete(r), 1);
		k8sa_llm_result_free(r);
		k8sa_llm_free(l);
	}
}
END_TEST

static int stop_after_first(void *ud, const char *text, size_t len)
{
	struct collected *c = ud;
	c->pieces++;
	k8sa_tbuf_put(&c->text, text, len);
	return 1;
}

START_TEST(callback_stream_and_stop)
{
	k8sa_llm *l = mk_llm(K8SA_LLM_OLLAMA);
	k8sa_messages *m = mk_msgs("chunky");
	struct collected c;
	memset(&c, 0, sizeof(c));
	k8sa_llm_result *r = NULL;
	k8sa_error e;
	ck_assert_int_eq(k8sa_llm_chat_stream(l, m, collect_text, &c, &r, &e), K8SA_OK);
	ck_assert_int_eq(c.pieces, 4);
	ck_assert_str_eq(c.text.p, "abcdefghij");
	ck_assert_str_eq(k8sa_llm_result_text(r), "abcdefghij");
	k8sa_llm_result_free(r);
	k8sa_tbuf_release(&c.text);
	memset(&c, 0, sizeof(c));
	ck_assert_int_eq(k8sa_llm_chat_stream(l, m, stop_after_first, &c, &r, &e), K8SA_E_CANCELLED);
	ck_assert_int_eq(c.pieces, 1);
	ck_assert_str_eq(c.text.p, "ab");
	ck_assert_ptr_nonnull(r); /* holds what arrived, maybe more than the callback saw */
	ck_assert_int_ge((int)k8sa_llm_result_text_len(r), 2);
	k8sa_llm_result_free(r);
	k8sa_tbuf_release(&c.text);
	k8sa_messages_free(m);
	k8sa_llm_free(l);
}
END_TEST

START_TEST(bad_arguments)
{
	k8sa_error e;
	k8sa_llm_stream *s = NULL;
	k8sa_llm *l = mk_llm(K8SA_LLM_OLLAMA);
	k8sa_messages *m;
	k8sa_messages_new(&m, NULL);
	ck_assert_int_eq(k8sa_llm_chat_start(l, m, &s, &e), K8SA_E_INVALID_ARG); /* no messages */
	ck_assert_int_eq(k8sa_llm_chat_start(NULL, m, &s, &e), K8SA_E_INVALID_ARG);
	ck_assert_int_eq(k8sa_llm_chat(l, m, NULL, &e), K8SA_E_INVALID_ARG);
	ck_assert_int_eq(k8sa_llm_stream_next(NULL, NULL, NULL, &e), K8SA_E_INVALID_ARG);
	k8sa_llm_stream_free(NULL);
	k8sa_llm_stream_cancel(NULL);
	k8sa_llm_result_free(NULL);
	k8sa_messages_free(NULL);
	ck_assert_str_eq(k8sa_llm_result_text(NULL), "");
	k8sa_messages_free(m);
	k8sa_llm_free(l);
}
END_TEST

/* ------------------------------------------------------------------------------------------ */
/* llama.cpp dialect with an API key */

static struct test_sim lsim;

static void lsim_up(void)
{
	k8sa_global_init();
	memset(&lsim, 0, sizeof(lsim));
	if (start_llmsim(&lsim, "{\"flavor\":\"llamacpp\",\"api_key\":\"s3cret\",\"models\":[\"qwen\"],"
				"\"rules\":[{\"reply\":\"fine\",\"prompt_tokens\":26}]}") != 0)
		ck_abort_msg("cannot start llmsim");
}

static void lsim_down(void)
{
	test_sim_stop(&lsim);
	k8sa_global_cleanup();
}

START_TEST(llamacpp_timings_and_api_key)
{
	k8sa_llm *l;
	k8sa_llm_new(&l, NULL);
	char url[300];
	snprintf(url, sizeof(url), "%s/v1/", lsim.url); /* a /v1 base URL works too */
	ck_assert_int_eq(k8sa_llm_set_url(l, url, NULL), K8SA_OK);
	k8sa_llm_set_backend_name(l, "llamacpp", NULL);
	k8sa_llm_set_model(l, "qwen", NULL);
	k8sa_llm_set_retries(l, 0, 0);
	k8sa_messages *m = mk_msgs("hi");
	k8sa_llm_result *r = NULL;
	k8sa_error e;
	/* no key: 401 from the server, in llama.cpp's error shape */
	ck_assert_int_eq(k8sa_llm_chat(l, m, &r, &e), K8SA_E_UNAUTHORIZED);
	ck_assert_int_eq(e.http_status, 401);
	ck_assert_ptr_nonnull(strstr(e.message, "Invalid API Key"));
	ck_assert_int_eq(k8sa_llm_check_model(l, &e), K8SA_OK); /* /v1/models is public, as in llama.cpp */
	k8sa_llm_set_api_key(l, "s3cret", NULL);
	for (int streaming = 0; streaming < 2; streaming++) {
		k8sa_llm_set_streaming(l, streaming);
		ck_assert_msg(k8sa_llm_chat(l, m, &r, &e) == K8SA_OK, "%s", e.message);
		ck_assert_str_eq(k8sa_llm_result_text(r), "fine");
		ck_assert_int_eq(k8sa_llm_result_prompt_tokens(r), 26);
		ck_assert_int_eq(k8sa_llm_result_answer_tokens(r), 1);
		/* llama.cpp timings: prompt_ms = 1 + 0.01 * prompt tokens in llmsim */
		ck_assert_double_eq_tol(k8sa_llm_result_prompt_eval_ms(r), 1.26, 1e-9);
		ck_assert(k8sa_llm_result_eval_ms(r) >= 0);
		k8sa_llm_result_free(r);
	}
	ck_assert_int_eq(k8sa_llm_check_model(l, &e), K8SA_OK);
	k8sa_messages_free(m);
	k8sa_llm_free(l);
}
END_TEST

/* ------------------------------------------------------------------------------------------ */
/* one settings handle, many threads */

struct worker {
	const k8sa_llm *l;
	int id;
	int ok;
};

static void *worker_run(void *arg)
{
	struct worker *w = arg;
	char q[64];
	snprintf(q, sizeof(q), "worker %d asks", w->id);
	k8sa_messages *m = NULL;
	k8sa_messages_new(&m, NULL);
	k8sa_messages_add(m, "user", q, NULL);
	w->ok = 1;
	for (int i = 0; i < 5; i++) {
		k8sa_llm_stream *s = NULL;
		if (k8sa_llm_chat_start(w->l, m, &s, NULL) != K8SA_OK) {
			w->ok = 0;
			break;
		}
		const char *c;
		k8sa_tbuf text = {0};
		k8sa_status st;
		while ((st = k8sa_llm_stream_next(s, &c, NULL, NULL)) == K8SA_OK && c)
			k8sa_tbuf_put(&text, c, strlen(c));
		if (st != K8SA_OK || !text.p || strcmp(text.p, "llmsim: received 1 messages") != 0)
			w->ok = 0;
		k8sa_tbuf_release(&text);
		k8sa_llm_stream_free(s);
	}
	k8sa_messages_free(m);
	return NULL;
}

START_TEST(one_handle_many_threads)
{
	k8sa_llm *l = mk_llm(K8SA_LLM_OLLAMA);
	struct worker w[16];
	pthread_t t[16];
	for (int i = 0; i < 16; i++) {
		w[i].l = l;
		w[i].id = i;
		pthread_create(&t[i], NULL, worker_run, &w[i]);
	}
	for (int i = 0; i < 16; i++) {
		pthread_join(t[i], NULL);
		ck_assert_msg(w[i].ok, "worker %d failed", i);
	}
	k8sa_llm_free(l);
}
END_TEST

/* The client port llmsim recorded for the last request containing `needle`. */
static int recorded_port(const char *needle)
{
	json_object *o = recorded_request(needle), *p;
	ck_assert(json_object_object_get_ex(o, "client_port", &p));
	int port = json_object_get_int(p);
	json_object_put(o);
	ck_assert_msg(port > 0, "no client port recorded for %s", needle);
	return port;
}

START_TEST(calls_reuse_the_connection)
{
	for (int b = 0; b < 2; b++) {
		k8sa_llm *l = mk_llm((k8sa_backend)b);
		char tag[64];
		int first = 0;
		for (int i = 0; i < 3; i++) {
			snprintf(tag, sizeof tag, "reuse-%d-%d", b, i);
			k8sa_messages *m = mk_msgs(tag);
			k8sa_llm_result *r = NULL;
			k8sa_error e;
			ck_assert_int_eq(k8sa_llm_chat(l, m, &r, &e), K8SA_OK);
			k8sa_llm_result_free(r);
			k8sa_messages_free(m);
			int port = recorded_port(tag);
			if (i == 0)
				first = port;
			ck_assert_msg(port == first, "backend %d call %d: new connection (port %d, first %d)", b, i, port, first);
		}
		/* A stream abandoned mid-answer leaves its connection mid-message: it is closed, and
		 * the next call opens a fresh one and still gets its whole answer. */
		snprintf(tag, sizeof tag, "abandon-%d slowchunks", b);
		k8sa_messages *m = mk_msgs(tag);
		k8sa_llm_stream *s = NULL;
		const char *c = NULL;
		ck_assert_int_eq(k8sa_llm_chat_start(l, m, &s, NULL), K8SA_OK);
		ck_assert_int_eq(k8sa_llm_stream_next(s, &c, NULL, NULL), K8SA_OK);
		k8sa_llm_stream_free(s);
		k8sa_messages_free(m);
		int abandoned = recorded_port(tag);
		snprintf(tag, sizeof tag, "after-abandon-%d", b);
		m = mk_msgs(tag);
		k8sa_llm_result *r = NULL;
		k8sa_error e;
		ck_assert_int_eq(k8sa_llm_chat(l, m, &r, &e), K8SA_OK);
		ck_assert_int_eq(k8sa_llm_result_complete(r), 1);
		k8sa_llm_result_free(r);
		k8sa_messages_free(m);
		ck_assert_int_ne(recorded_port(tag), abandoned);
		k8sa_llm_free(l);
	}
}
END_TEST

START_TEST(big_prompt_arrives_intact)
{
	/* 2 MB of prompt with every byte class JSON must escape arrives byte for byte. */
	size_t n = 2u << 20;
	char *big = malloc(n + 1);
	ck_assert_ptr_nonnull(big);
	for (size_t i = 0; i < n; i++)
		big[i] = "ab\"\\\n\t<&>{}\x01"[i % 12];
	big[n] = '\0';
	memcpy(big, "bigprompt ", 10);
	k8sa_llm *l = mk_llm(K8SA_LLM_OLLAMA);
	k8sa_llm_result *r = NULL;
	k8sa_error e;
	ck_assert_msg(chat_on(l, big, &r, &e) == K8SA_OK, "%s", e.message);
	k8sa_llm_result_free(r);
	json_object *b = recorded("bigprompt "), *msgs, *c;
	ck_assert(json_object_object_get_ex(b, "messages", &msgs));
	ck_assert(json_object_object_get_ex(json_object_array_get_idx(msgs, 1), "content", &c));
	ck_assert_str_eq(json_object_get_string(c), big);
	json_object_put(b);
	k8sa_llm_free(l);
	free(big);
}
END_TEST

Suite *k8sa_test_suite(void)
{
	Suite *s = suite_create("llm");
	TCase *t = tcase_create("parse");
	tcase_add_test(t, ndjson_sample_any_split);
	tcase_add_test(t, ndjson_length_and_generate);
	tcase_add_test(t, sse_samples_any_split);
	tcase_add_test(t, sse_edge_cases);
	tcase_add_test(t, midstream_errors_keep_text);
	tcase_add_test(t, truncated_and_garbage_streams);
	tcase_add_test(t, whole_bodies);
	tcase_add_test(t, error_bodies_all_shapes);
	tcase_add_test(t, settings_and_env);
	tcase_add_test(t, messages_and_request_json);
	suite_add_tcase(s, t);

	t = tcase_create("llmsim");
	tcase_add_unchecked_fixture(t, sim_up, sim_down);
	tcase_set_timeout(t, 30);
	tcase_add_test(t, chat_both_backends_stream_and_not);
	tcase_add_test(t, pull_stream_chunk_boundaries);
	tcase_add_test(t, recorded_request_has_messages_and_options);
	tcase_add_test(t, max_tokens_stops_with_length);
	tcase_add_test(t, model_not_found_with_hint);
	tcase_add_test(t, http_errors_keep_server_message);
	tcase_add_test(t, midstream_error_keeps_partial);
	tcase_add_test(t, disconnect_keeps_partial_and_no_retry);
	tcase_add_test(t, garbage_framing_is_protocol_error);
	tcase_add_test(t, connection_refused_names_url);
	tcase_add_test(t, tls_failure_is_tls_error);
	tcase_add_test(t, environment_proxies_are_ignored);
	tcase_add_test(t, configured_proxy_is_used);
	tcase_add_test(t, retry_refused_until_server_comes_up);
	tcase_add_test(t, retry_503_then_ok);
	tcase_add_test(t, first_token_timeout);
	tcase_add_test(t, total_timeout_keeps_partial);
	tcase_add_test(t, connect_timeout);
	tcase_add_test(t, cancel_from_another_thread);
	tcase_add_test(t, cancel_during_retry_backoff);
	tcase_add_test(t, done_without_waiting_for_close);
	tcase_add_test(t, callback_stream_and_stop);
	tcase_add_test(t, bad_arguments);
	tcase_add_test(t, one_handle_many_threads);
	tcase_add_test(t, calls_reuse_the_connection);
	tcase_add_test(t, big_prompt_arrives_intact);
	suite_add_tcase(s, t);

	t = tcase_create("llamacpp");
	tcase_add_unchecked_fixture(t, lsim_up, lsim_down);
	tcase_add_test(t, llamacpp_timings_and_api_key);
	suite_add_tcase(s, t);
	return s;
}
