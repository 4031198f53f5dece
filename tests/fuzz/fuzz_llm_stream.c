/* SPDX-License-Identifier: MIT */
/* Fuzz: the model server's stream framing (Ollama NDJSON, OpenAI SSE, and the two whole-body
 * forms) through the incremental parser, and error bodies.
 * Input: byte 0 picks the framing (mod 4), byte 1 seeds the split points, the rest is the
 * body. The body is fed twice: whole, and in pieces split at pseudo-random points; both
 * runs must end with the same status, the same answer text and the same completeness
 * (the network may cut a stream anywhere). */
#include "internal.h"
#include "llm_internal.h"
#include "fuzz.h"

#include <string.h>

struct acc {
	k8sa_tbuf text;
};

static int on_text(void *ud, const char *t, size_t n)
{
	struct acc *a = ud;
	return k8sa_tbuf_put(&a->text, t, n);
}

static k8sa_status run(enum llm_framing fr, const char *body, size_t n, unsigned seed, struct acc *a,
		       int *complete)
{
	k8sa_llm_result res;
	llm_result_init(&res);
	struct llm_parser p;
	llm_parser_init(&p, fr, &res, on_text, a);
	size_t off = 0;
	while (off < n) {
		size_t piece = n - off;
		if (seed) {
			seed = seed * 1103515245u + 12345u;
			piece = 1 + (seed >> 16) % 17;
			if (piece > n - off)
				piece = n - off;
		}
		llm_parser_feed(&p, body + off, piece);
		off += piece;
	}
	k8sa_status st = llm_parser_finish(&p);
	FUZZ_ASSERT(st == K8SA_OK || p.message[0] != '\0');
	*complete = res.complete;
	llm_parser_free(&p);
	llm_result_clear(&res);
	return st;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 2)
		return 0;
	enum llm_framing fr = (enum llm_framing)(data[0] % 4);
	unsigned seed = data[1] | 1u;
	const char *body = (const char *)data + 2;
	size_t n = size - 2;

	struct acc whole = {{0}}, split = {{0}};
	int c1 = 0, c2 = 0;
	k8sa_status s1 = run(fr, body, n, 0, &whole, &c1);
	k8sa_status s2 = run(fr, body, n, seed, &split, &c2);
	FUZZ_ASSERT(s1 == s2);
	FUZZ_ASSERT(c1 == c2);
	FUZZ_ASSERT(whole.text.len == split.text.len);
	FUZZ_ASSERT(whole.text.len == 0 || memcmp(whole.text.p, split.text.p, whole.text.len) == 0);
	k8sa_tbuf_release(&whole.text);
	k8sa_tbuf_release(&split.text);

	char *m = llm_error_body_message(body, n);
	free(m);
	return 0;
}
