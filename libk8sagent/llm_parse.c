/* SPDX-License-Identifier: MIT */
/* Incremental parsers for LLM answers: Ollama NDJSON, OpenAI SSE and the one-body forms.
 * Bytes arrive split anywhere (a read may end inside a line, an event, or a UTF-8
 * sequence), so everything is buffered up to a line end before it is looked at. */
#include "internal.h"
#include "json_get.h"
#include "defaults.h"
#include "llm_internal.h"

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


static k8sa_status pfail(struct llm_parser *p, k8sa_status code, const char *fmt, ...)
	K8SA_PRINTF(3, 4);
static k8sa_status pfail(struct llm_parser *p, k8sa_status code, const char *fmt, ...)
{
	if (p->status != K8SA_OK)
		return p->status;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(p->message, sizeof(p->message), fmt, ap);
	va_end(ap);
	p->status = code;
	return code;
}

/* A short printable excerpt of bad input for error messages. */
static void snippet(char *out, size_t outsz, const char *s, size_t n)
{
	size_t j = 0;
	for (size_t i = 0; i < n && j + 4 < outsz; i++) {
		unsigned char c = (unsigned char)s[i];
		out[j++] = (c >= 0x20 && c < 0x7f) ? (char)c : '?';
	}
	if (n > 0 && j + 4 >= outsz) {
		out[j++] = '.';
		out[j++] = '.';
		out[j++] = '.';
	}
	out[j] = '\0';
}

/* Parse exactly one JSON value from s[0..n) (surrounding whitespace allowed). */
static json_object *parse_json(const char *s, size_t n)
{
	json_tokener *tok = json_tokener_new();
	if (!tok)
		return NULL;
	json_object *obj = json_tokener_parse_ex(tok, s, (int)n);
	if (!obj && json_tokener_get_error(tok) == json_tokener_continue)
		obj = json_tokener_parse_ex(tok, "", 1); /* a bare number ends at the NUL */
	if (obj) {
		size_t end = json_tokener_get_parse_end(tok);
		for (; end < n; end++) {
			if (s[end] != ' ' && s[end] != '\t' && s[end] != '\r' && s[end] != '\n') {
				json_object_put(obj);
				obj = NULL;
				break;
			}
		}
	}
	json_tokener_free(tok);
	return obj;
}

static int get_num(json_object *o, const char *key, double *out)
{
	json_object *v = jget(o, key);
	if (v && (json_object_is_type(v, json_type_int) || json_object_is_type(v, json_type_double))) {
		*out = json_object_get_double(v);
		return 1;
	}
	return 0;
}

/* The message of an "error" member, whatever its shape; NULL when there is none. */
static const char *error_text(json_object *o)
{
	json_object *e = jget(o, "error");
	if (e) {
		if (json_object_is_type(e, json_type_string))
			return json_object_get_string(e);
		const char *m = jstr(e, "message");
		if (m)
			return m;
		return json_object_to_json_string_ext(e, JSON_C_TO_STRING_PLAIN);
	}
	const char *obj = jstr(o, "object"); /* vLLM legacy flat error */
	if (obj && strcmp(obj, "error") == 0) {
		const char *m = jstr(o, "message");
		return m ? m : "unknown error";
	}
	return NULL;
}

static void set_str(char **dst, const char *s)
{
	if (!s)
		return;
	char *d = strdup(s);
	if (d) {
		free(*dst);
		*dst = d;
	}
}

static k8sa_status emit(struct llm_parser *p, json_object *content)
{
	if (!content || !json_object_is_type(content, json_type_string))
		return K8SA_OK; /* null content (llama.cpp role chunk) or missing */
	int n = json_object_get_string_len(content);
	if (n <= 0)
		return K8SA_OK;
	if (p->on_text(p->ud, json_object_get_string(content), (size_t)n) != 0)
		return pfail(p, K8SA_E_NOMEM, "out of memory");
	return K8SA_OK;
}

static k8sa_status bad_json(struct llm_parser *p, const char *s, size_t n)
{
	char snip[80];
	snippet(snip, sizeof(snip), s, n);
	return pfail(p, K8SA_E_PROTOCOL, "the model server sent invalid JSON: \"%s\"", snip);
}

/* The start every model object shares: parse s (n bytes) as a JSON object, fail on an error
 * object ("the model failed mid-answer"), hand it to on_object. Returns the object (the
 * caller puts it), or NULL with *st set to the parser's failure. */
static json_object *open_object(struct llm_parser *p, const char *s, size_t n, int whole, k8sa_status *st)
{
	json_object *o = parse_json(s, n);
	if (!o || !json_object_is_type(o, json_type_object)) {
		json_object_put(o);
		*st = bad_json(p, s, n);
		return NULL;
	}
	const char *etext = error_text(o);
	if (etext) {
		*st = pfail(p, K8SA_E_LLM, "the model failed mid-answer: %s", etext);
		json_object_put(o);
		return NULL;
	}
	if (p->on_object && p->on_object(p->oud, o, whole) != 0) {
		json_object_put(o);
		*st = pfail(p, K8SA_E_NOMEM, "out of memory");
		return NULL;
	}
	return o;
}

/* One Ollama object: a stream line or the whole stream:false body. */
static k8sa_status ollama_object(struct llm_parser *p, const char *s, size_t n)
{
	k8sa_status st;
	json_object *o = open_object(p, s, n, p->framing == LLM_FRAME_OLLAMA_WHOLE, &st);
	if (!o)
		return st;
	k8sa_llm_result *r = p->res;
	set_str(&r->model, jstr(o, "model"));
	st = emit(p, jget(jget(o, "message"), "content"));
	if (st == K8SA_OK)
		st = emit(p, jget(o, "response")); /* /api/generate */
	json_object *done = jget(o, "done");
	if (st == K8SA_OK && done && json_object_get_boolean(done)) {
		double v;
		p->done = 1;
		set_str(&r->done_reason, jstr(o, "done_reason"));
		/* Metrics are omitempty: absent means 0 on the server, unknown here. */
		if (get_num(o, "total_duration", &v))
			r->total_ms = v / 1e6;
		if (get_num(o, "load_duration", &v))
			r->load_ms = v / 1e6;
		if (get_num(o, "prompt_eval_duration", &v))
			r->prompt_eval_ms = v / 1e6;
		if (get_num(o, "eval_duration", &v))
			r->eval_ms = v / 1e6;
		if (get_num(o, "prompt_eval_count", &v))
			r->prompt_tokens = (long)v;
		if (get_num(o, "eval_count", &v))
			r->answer_tokens = (long)v;
	}
	json_object_put(o);
	return st;
}

/* One OpenAI object: an SSE event's data or the whole stream:false body. */
static k8sa_status openai_object(struct llm_parser *p, const char *s, size_t n, int whole)
{
	if (!whole && n == 6 && memcmp(s, "[DONE]", 6) == 0) {
		p->done = 1;
		return K8SA_OK;
	}
	k8sa_status st;
	json_object *o = open_object(p, s, n, whole, &st);
	if (!o)
		return st;
	k8sa_llm_result *r = p->res;
	double v;
	st = K8SA_OK;
	set_str(&r->model, jstr(o, "model"));
	json_object *choices = jget(o, "choices");
	if (choices && json_object_is_type(choices, json_type_array)) {
		size_t nc = json_object_array_length(choices);
		for (size_t i = 0; i < nc && st == K8SA_OK; i++) {
			json_object *c = json_object_array_get_idx(choices, i);
			json_object *idx = jget(c, "index");
			if (idx && json_object_get_int(idx) != 0)
				continue; /* only the first choice is ours */
			st = emit(p, jget(jget(c, whole ? "message" : "delta"), "content"));
			const char *fr = jstr(c, "finish_reason");
			if (fr) {
				p->finish_seen = 1;
				set_str(&r->done_reason, fr);
			}
		}
		if (whole && nc > 0)
			p->done = 1;
	}
	json_object *usage = jget(o, "usage");
	if (usage && json_object_is_type(usage, json_type_object)) {
		if (get_num(usage, "prompt_tokens", &v))
			r->prompt_tokens = (long)v;
		if (get_num(usage, "completion_tokens", &v))
			r->answer_tokens = (long)v;
	}
	json_object *t = jget(o, "timings"); /* llama.cpp */
	if (t) {
		double pm = -1, em = -1;
		if (get_num(t, "prompt_ms", &v))
			r->prompt_eval_ms = pm = v;
		if (get_num(t, "predicted_ms", &v))
			r->eval_ms = em = v;
		if (pm >= 0 && em >= 0)
			r->total_ms = pm + em;
	}
	json_object_put(o);
	return st;
}

static k8sa_status sse_dispatch(struct llm_parser *p)
{
	if (!p->have_data)
		return K8SA_OK;
	p->have_data = 0;
	k8sa_status st = openai_object(p, k8sa_tbuf_str(&p->data), p->data.len, 0);
	p->data.len = 0;
	return st;
}

static k8sa_status sse_line(struct llm_parser *p, const char *s, size_t n)
{
	if (n == 0)
		return sse_dispatch(p);
	if (s[0] == ':')
		return K8SA_OK; /* comment: keep-alive ping */
	const char *colon = memchr(s, ':', n);
	size_t flen = colon ? (size_t)(colon - s) : n;
	const char *val = colon ? colon + 1 : s + n;
	size_t vlen = (size_t)(s + n - val);
	if (vlen > 0 && val[0] == ' ') {
		val++;
		vlen--;
	}
	if (flen == 4 && memcmp(s, "data", 4) == 0) {
		if ((p->have_data && k8sa_tbuf_put(&p->data, "\n", 1) != 0) ||
		    k8sa_tbuf_put(&p->data, val, vlen) != 0)
			return pfail(p, K8SA_E_NOMEM, "out of memory");
		p->have_data = 1;
		return K8SA_OK;
	}
	if (flen == 5 && memcmp(s, "error", 5) == 0) {
		/* Older llama.cpp: a non-standard "error: {json}" line. */
		char *m = llm_error_body_message(val, vlen);
		pfail(p, K8SA_E_LLM, "the model failed mid-answer: %s", m ? m : "unknown error");
		free(m);
		return p->status;
	}
	return K8SA_OK; /* event:, id:, retry: and unknown fields */
}

static k8sa_status one_line(struct llm_parser *p, const char *s, size_t n)
{
	if (n > 0 && s[n - 1] == '\r')
		n--;
	if (p->framing == LLM_FRAME_SSE)
		return sse_line(p, s, n);
	/* NDJSON */
	size_t i = 0;
	while (i < n && (s[i] == ' ' || s[i] == '\t'))
		i++;
	if (i == n || p->done)
		return K8SA_OK; /* blank line, or anything after the final chunk */
	return ollama_object(p, s, n);
}

void llm_parser_init(struct llm_parser *p, enum llm_framing framing, k8sa_llm_result *res,
		     llm_text_fn on_text, void *ud)
{
	memset(p, 0, sizeof(*p));
	p->framing = framing;
	p->res = res;
	p->on_text = on_text;
	p->ud = ud;
}

k8sa_status llm_parser_feed(struct llm_parser *p, const char *data, size_t len)
{
	if (p->status != K8SA_OK)
		return p->status;
	if (len == 0)
		return K8SA_OK;
	if (p->line.len + len > K8SA_LLM_MAX_BODY)
		return pfail(p, K8SA_E_PROTOCOL, "the model server sent more than %u bytes without a line end",
			     K8SA_LLM_MAX_BODY);
	if (k8sa_tbuf_put(&p->line, data, len) != 0)
		return pfail(p, K8SA_E_NOMEM, "out of memory");
	if (p->framing == LLM_FRAME_OLLAMA_WHOLE || p->framing == LLM_FRAME_OPENAI_WHOLE)
		return K8SA_OK; /* parsed at the end */
	/* Only the new bytes can hold a line end. */
	size_t start = 0, scan = p->line.len - len;
	char *b = p->line.p;
	while (p->status == K8SA_OK) {
		char *nl = memchr(b + scan, '\n', p->line.len - scan);
		if (!nl)
			break;
		size_t end = (size_t)(nl - b);
		one_line(p, b + start, end - start);
		start = scan = end + 1;
	}
	if (start > 0) {
		memmove(b, b + start, p->line.len - start);
		p->line.len -= start;
		b[p->line.len] = '\0';
	}
	return p->status;
}

k8sa_status llm_parser_finish(struct llm_parser *p)
{
	if (p->status != K8SA_OK)
		return p->status;
	if (p->done && p->framing != LLM_FRAME_OLLAMA_WHOLE && p->framing != LLM_FRAME_OPENAI_WHOLE) {
		p->res->complete = 1; /* whatever follows the final chunk or [DONE] is not ours */
		return K8SA_OK;
	}
	switch (p->framing) {
	case LLM_FRAME_OLLAMA_WHOLE:
	case LLM_FRAME_OPENAI_WHOLE:
		if (p->line.len == 0)
			return pfail(p, K8SA_E_PROTOCOL, "the model server sent an empty body");
		if (p->framing == LLM_FRAME_OLLAMA_WHOLE)
			ollama_object(p, p->line.p, p->line.len);
		else
			openai_object(p, p->line.p, p->line.len, 1);
		p->line.len = 0;
		break;
	case LLM_FRAME_NDJSON:
	case LLM_FRAME_SSE:
		/* Be lenient with a last line that lacks its newline, unless it was cut short. */
		if (p->line.len > 0) {
			const char *s = p->line.p;
			size_t n = p->line.len;
			if (p->framing == LLM_FRAME_SSE && n > 5 && memcmp(s, "data:", 5) == 0) {
				s += 5;
				n -= 5;
			}
			json_object *o = NULL;
			int cut = 0;
			if (n >= 6 && memmem(s, n, "[DONE]", 6) == NULL && (o = parse_json(s, n)) == NULL) {
				size_t i = 0;
				while (i < n && (s[i] == ' ' || s[i] == '\t'))
					i++;
				cut = i < n && s[i] == '{'; /* JSON that stops in the middle */
			}
			json_object_put(o);
			if (cut)
				return pfail(p, K8SA_E_PROTOCOL,
					     "stream ended before the model finished (partial answer kept)");
			one_line(p, p->line.p, p->line.len);
			p->line.len = 0;
		}
		if (p->framing == LLM_FRAME_SSE && p->status == K8SA_OK)
			sse_dispatch(p);
		break;
	}
	if (p->status != K8SA_OK)
		return p->status;
	if (p->done || p->finish_seen) {
		p->res->complete = 1;
		return K8SA_OK;
	}
	return pfail(p, K8SA_E_PROTOCOL, "stream ended before the model finished (partial answer kept)");
}

void llm_parser_free(struct llm_parser *p)
{
	k8sa_tbuf_release(&p->line);
	k8sa_tbuf_release(&p->data);
}

char *llm_error_body_message(const char *body, size_t len)
{
	while (len > 0 && (body[len - 1] == '\n' || body[len - 1] == '\r' || body[len - 1] == ' '))
		len--;
	while (len > 0 && (*body == ' ' || *body == '\n' || *body == '\r')) {
		body++;
		len--;
	}
	if (len == 0)
		return NULL;
	json_object *o = parse_json(body, len);
	if (o) {
		const char *m = error_text(o);
		char *out = m ? strdup(m) : NULL;
		json_object_put(o);
		if (out)
			return out;
	}
	char snip[200];
	snippet(snip, sizeof(snip), body, len);
	return strdup(snip);
}
