/* SPDX-License-Identifier: MIT */
/* The pull stream: one chat request driven by curl multi from k8sa_llm_stream_next(), so the
 * caller's thread does the waiting and curl_multi_poll() with a timeout enforces the
 * first-token and total deadlines; k8sa_llm_stream_cancel() wakes it from another thread.
 * Connection refused and 503 are retried with backoff, only before the first token. */
#include "internal.h"
#include "defaults.h"
#include "llm_internal.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum stream_state { S_IDLE, S_RUNNING, S_WAIT_RETRY, S_DONE, S_FAILED };

struct k8sa_llm_stream {
	k8sa_llm *cfg;
	char *url;
	char *body;
	struct curl_slist *hdr;
	CURLM *multi;
	CURL *easy;
	enum llm_framing framing;
	struct llm_parser parser;
	k8sa_llm_result res;
	k8sa_tbuf q; /* chunks waiting for next(), each NUL-terminated */
	size_t qpos;
	k8sa_tbuf ebody; /* body of a non-2xx answer */
	long http_status;
	enum stream_state state;
	k8sa_status final;
	k8sa_error ferr;
	unsigned int attempt;
	double t0, retry_at;
	char errbuf[CURL_ERROR_SIZE];
	atomic_int cancelled;
	llm_object_fn on_object; /* optional hook (llm_stream_start_body) */
	void *oud;
};

static const char *who(const struct k8sa_llm_stream *s)
{
	return s->cfg->backend == K8SA_LLM_OLLAMA ? "Ollama" : "OpenAI-compatible server";
}

static int on_text(void *ud, const char *text, size_t len)
{
	struct k8sa_llm_stream *s = ud;
	if (s->res.first_token_ms < 0)
		s->res.first_token_ms = k8sa_now_ms() - s->t0;
	if (k8sa_tbuf_put(&s->res.text, text, len) != 0 || k8sa_tbuf_put(&s->q, text, len) != 0 ||
	    k8sa_tbuf_put(&s->q, "", 1) != 0)
		return -1;
	return 0;
}

static size_t on_write(char *ptr, size_t sz, size_t nm, void *ud)
{
	struct k8sa_llm_stream *s = ud;
	size_t n = sz * nm;
	if (s->state == S_DONE)
		return n; /* the answer is complete: what follows is only drained (see drain()) */
	if (s->http_status == 0)
		curl_easy_getinfo(s->easy, CURLINFO_RESPONSE_CODE, &s->http_status);
	if (s->http_status < 200 || s->http_status >= 300) {
		if (s->ebody.len < K8SA_LLM_MAX_ERROR_BODY && k8sa_tbuf_put(&s->ebody, ptr, n) != 0)
			return 0;
		return n;
	}
	if (llm_parser_feed(&s->parser, ptr, n) != K8SA_OK)
		return 0; /* abort the transfer: the parser holds the reason */
	return n;
}

static void drop_easy(struct k8sa_llm_stream *s)
{
	if (!s->easy)
		return;
	curl_multi_remove_handle(s->multi, s->easy);
	curl_easy_cleanup(s->easy);
	s->easy = NULL;
}

static void finish(struct k8sa_llm_stream *s, enum stream_state st)
{
	drop_easy(s);
	s->state = st;
	s->res.elapsed_ms = k8sa_now_ms() - s->t0;
}

static void sfail(struct k8sa_llm_stream *s, k8sa_status code, int http, const char *fmt, ...)
	K8SA_PRINTF(4, 5);
static void sfail(struct k8sa_llm_stream *s, k8sa_status code, int http, const char *fmt, ...)
{
	va_list ap;
	char msg[K8SA_ERROR_MESSAGE_SIZE];
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	k8sa_fail_http(&s->ferr, code, http, "%s", msg);
	s->final = code;
	s->res.complete = 0;
	finish(s, S_FAILED);
}

/* Keep an error already formatted into s->ferr. */
static void sfail_err(struct k8sa_llm_stream *s)
{
	s->final = s->ferr.code;
	s->res.complete = 0;
	finish(s, S_FAILED);
}

static k8sa_status start_attempt(struct k8sa_llm_stream *s)
{
	drop_easy(s);
	llm_parser_free(&s->parser);
	llm_parser_init(&s->parser, s->framing, &s->res, on_text, s);
	s->parser.on_object = s->on_object;
	s->parser.oud = s->oud;
	s->ebody.len = 0;
	s->http_status = 0;
	CURL *c = llm_easy(s->cfg, 0, s->errbuf);
	if (!c) {
		sfail(s, K8SA_E_NOMEM, 0, "out of memory");
		return s->final;
	}
	s->easy = c;
	curl_easy_setopt(c, CURLOPT_URL, s->url);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, s->body);
	curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)strlen(s->body));
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, s->hdr);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_write);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, s);
	if (curl_multi_add_handle(s->multi, c) != CURLM_OK) {
		sfail(s, K8SA_E_INTERNAL, 0, "curl_multi_add_handle failed");
		return s->final;
	}
	s->attempt++;
	s->res.attempts = (int)s->attempt;
	s->state = S_RUNNING;
	return K8SA_OK;
}

static int can_retry(const struct k8sa_llm_stream *s)
{
	return s->res.first_token_ms < 0 && s->attempt <= s->cfg->retries &&
	       !atomic_load(&s->cancelled);
}

static void schedule_retry(struct k8sa_llm_stream *s)
{
	drop_easy(s);
	/* backoff_ms doubled per retry, as a shift: libm (a third of a MB of resident pages in
	 * every process) is not worth one pow(). */
	unsigned int doublings = s->attempt > 1 ? s->attempt - 1 : 0;
	double wait = (double)s->cfg->backoff_ms * (double)(1ULL << (doublings < 40 ? doublings : 40));
	s->retry_at = k8sa_now_ms() + wait;
	s->state = S_WAIT_RETRY;
}

/* The transfer ended with curl code rc: decide done, retry or failure. */
/* Let curl move the transfer on without waiting. 1 when s's transfer has ended, its result in
 * *rc; the caller then owns the next step (the easy handle is still attached). */
static int transfer_step(struct k8sa_llm_stream *s, CURLcode *rc)
{
	int running = 0, left = 0;
	CURLMsg *m;
	curl_multi_perform(s->multi, &running);
	while ((m = curl_multi_info_read(s->multi, &left)) != NULL)
		if (m->msg == CURLMSG_DONE && m->easy_handle == s->easy) {
			*rc = m->data.result;
			return 1;
		}
	return 0;
}

static void on_transfer_done(struct k8sa_llm_stream *s, CURLcode rc)
{
	const char *cerr = s->errbuf[0] ? s->errbuf : curl_easy_strerror(rc);
	int ok_status = s->http_status >= 200 && s->http_status < 300;

	if (s->parser.status != K8SA_OK) {
		const char *tail = s->parser.status == K8SA_E_LLM && s->res.text.len > 0
					   ? " (partial answer kept)" : "";
		sfail(s, s->parser.status, ok_status ? 0 : (int)s->http_status, "%s at %s: %s%s", who(s),
		      s->cfg->url, s->parser.message, tail);
		return;
	}
	if (rc == CURLE_COULDNT_CONNECT || rc == CURLE_COULDNT_RESOLVE_HOST) {
		if (rc == CURLE_COULDNT_CONNECT && can_retry(s)) {
			schedule_retry(s);
			return;
		}
		llm_connect_error(s->cfg, cerr, &s->ferr);
		if (s->attempt > 1)
			k8sa_error_prefix(&s->ferr, "after %u attempts: ", s->attempt);
		sfail_err(s);
		return;
	}
	if (rc == CURLE_OPERATION_TIMEDOUT) {
		sfail(s, K8SA_E_TIMEOUT, 0,
		      "%s at %s: connect timeout: no connection within %ld ms (%s) — check OLLAMA_HOST, "
		      "K8SA_LLM_URL or --llm-url",
		      who(s), s->cfg->url, s->cfg->connect_ms, cerr);
		return;
	}
	if (s->http_status != 0 && !ok_status) {
		if (rc == CURLE_OK && s->http_status == 503 && can_retry(s)) {
			schedule_retry(s);
			return;
		}
		llm_http_error(s->cfg, s->http_status, k8sa_tbuf_str(&s->ebody), s->ebody.len,
			       &s->ferr);
		if (s->http_status == 503 && s->attempt > 1)
			k8sa_error_prefix(&s->ferr, "after %u attempts: ", s->attempt);
		sfail_err(s);
		return;
	}
	if (rc == CURLE_OK || (ok_status && (rc == CURLE_PARTIAL_FILE || rc == CURLE_RECV_ERROR))) {
		/* A clean end, or the connection dropped: complete only if the model said so. */
		if (llm_parser_finish(&s->parser) == K8SA_OK) {
			finish(s, S_DONE);
			return;
		}
		if (rc != CURLE_OK && s->parser.status == K8SA_E_PROTOCOL)
			sfail(s, K8SA_E_PROTOCOL, 0, "%s at %s: %s (%s)", who(s), s->cfg->url,
			      s->parser.message, cerr);
		else
			sfail(s, s->parser.status, 0, "%s at %s: %s", who(s), s->cfg->url, s->parser.message);
		return;
	}
	if (rc == CURLE_GOT_NOTHING) {
		sfail(s, K8SA_E_TRANSPORT, 0, "%s at %s: the server closed the connection without an answer",
		      who(s), s->cfg->url);
		return;
	}
	k8sa_http_curl_fail(&s->ferr, rc, s->errbuf, "%s at %s", who(s), s->cfg->url);
	sfail_err(s);
}

K8SA_EXPORT k8sa_status k8sa_llm_chat_start(const k8sa_llm *llm, const k8sa_messages *msgs,
					      k8sa_llm_stream **stream, k8sa_error *err)
{
	if (stream)
		*stream = NULL;
	if (!llm || !msgs || !stream)
		return k8sa_fail(err, K8SA_E_INVALID_ARG, "k8sa_llm_chat_start: NULL argument");
	if (msgs->n == 0)
		return k8sa_fail(err, K8SA_E_INVALID_ARG, "no messages to send");
	char *body = llm_build_request(llm, msgs);
	if (!body)
		return k8sa_fail(err, K8SA_E_NOMEM, "out of memory");
	return llm_stream_start_body(llm, NULL, body, NULL, NULL, stream, err);
}

k8sa_status llm_stream_start_body(const k8sa_llm *llm, const char *path, char *body, llm_object_fn on_object,
				  void *oud, k8sa_llm_stream **stream, k8sa_error *err)
{
	if (stream)
		*stream = NULL;
	if (!llm || !body || !stream) {
		free(body);
		return k8sa_fail(err, K8SA_E_INVALID_ARG, "llm_stream_start_body: NULL argument");
	}
	struct k8sa_llm_stream *s = calloc(1, sizeof(*s));
	if (!s) {
		free(body);
		return k8sa_fail(err, K8SA_E_NOMEM, "out of memory");
	}
	llm_result_init(&s->res);
	atomic_init(&s->cancelled, 0);
	s->body = body;
	s->on_object = on_object;
	s->oud = oud;
	s->cfg = llm_clone(llm);
	int oll = llm->backend == K8SA_LLM_OLLAMA;
	if (s->cfg) {
		s->url = llm_endpoint(s->cfg, path ? path : oll ? "/api/chat" : "/v1/chat/completions");
		s->res.model = strdup(s->cfg->model);
	}
	s->multi = llm_pool_take(s->cfg ? s->cfg->pool : NULL);
	if (!s->cfg || !s->url || !s->body || !s->res.model || !s->multi) {
		k8sa_llm_stream_free(s);
		return k8sa_fail(err, K8SA_E_NOMEM, "out of memory");
	}
	if (llm->streaming)
		s->framing = oll ? LLM_FRAME_NDJSON : LLM_FRAME_SSE;
	else
		s->framing = oll ? LLM_FRAME_OLLAMA_WHOLE : LLM_FRAME_OPENAI_WHOLE;
	llm_parser_init(&s->parser, s->framing, &s->res, on_text, s);
	s->parser.on_object = on_object;
	s->parser.oud = oud;

	struct curl_slist *h = curl_slist_append(NULL, "Content-Type: application/json");
	const char *accept = !llm->streaming ? "Accept: application/json"
			     : oll           ? "Accept: application/x-ndjson"
					     : "Accept: text/event-stream";
	/* No "Expect: 100-continue" round trip for large prompts. */
	struct curl_slist *t;
	if (h && (t = curl_slist_append(h, accept)) && (t = curl_slist_append(h, "Expect:")))
		s->hdr = h;
	else
		curl_slist_free_all(h);
	if (s->hdr && !oll && s->cfg->api_key) {
		size_t n = strlen(s->cfg->api_key) + 32;
		char *a = malloc(n);
		if (a) {
			snprintf(a, n, "Authorization: Bearer %s", s->cfg->api_key);
			t = curl_slist_append(s->hdr, a);
			free(a);
		}
		if (!a || !t) {
			curl_slist_free_all(s->hdr);
			s->hdr = NULL;
		}
	}
	if (!s->hdr) {
		k8sa_llm_stream_free(s);
		return k8sa_fail(err, K8SA_E_NOMEM, "out of memory");
	}
	s->state = S_IDLE;
	*stream = s;
	return K8SA_OK;
}

static int pop_chunk(struct k8sa_llm_stream *s, const char **chunk, size_t *len)
{
	if (s->qpos >= s->q.len)
		return 0;
	const char *c = s->q.p + s->qpos;
	size_t n = strlen(c);
	*chunk = c;
	if (len)
		*len = n;
	s->qpos += n + 1;
	return 1;
}

static k8sa_status report(struct k8sa_llm_stream *s, k8sa_error *err)
{
	if (err)
		*err = s->ferr;
	return s->final;
}

K8SA_EXPORT k8sa_status k8sa_llm_stream_next(k8sa_llm_stream *s, const char **chunk, size_t *len, k8sa_error *err)
{
	if (chunk)
		*chunk = NULL;
	if (len)
		*len = 0;
	if (!s || !chunk)
		return k8sa_fail(err, K8SA_E_INVALID_ARG, "k8sa_llm_stream_next: NULL argument");
	if (s->qpos >= s->q.len)
		s->q.len = s->qpos = 0; /* everything handed out: the buffer can be reused */

	for (;;) {
		if (atomic_load(&s->cancelled) && s->state != S_DONE && s->state != S_FAILED) {
			sfail(s, K8SA_E_CANCELLED, 0, "%s at %s: cancelled%s", who(s), s->cfg->url,
			      s->res.text.len ? " (partial answer kept)" : "");
			s->q.len = s->qpos = 0;
		}
		if (pop_chunk(s, chunk, len))
			return K8SA_OK;
		if (s->state == S_DONE)
			return K8SA_OK;
		if (s->state == S_FAILED)
			return report(s, err);
		if (s->state == S_IDLE) {
			s->t0 = k8sa_now_ms();
			if (start_attempt(s) != K8SA_OK)
				continue;
		}

		double now = k8sa_now_ms();
		const k8sa_llm *c = s->cfg;
		double wait = K8SA_POLL_MAX_MS;
		if (c->first_token_ms > 0 && s->res.first_token_ms < 0) {
			double left = s->t0 + (double)c->first_token_ms - now;
			if (left <= 0) {
				sfail(s, K8SA_E_TIMEOUT, 0,
				      "%s at %s: first-token timeout: no answer from model '%s' within %ld ms",
				      who(s), c->url, c->model, c->first_token_ms);
				continue;
			}
			if (left < wait)
				wait = left;
		}
		if (c->total_ms > 0) {
			double left = s->t0 + (double)c->total_ms - now;
			if (left <= 0) {
				sfail(s, K8SA_E_TIMEOUT, 0,
				      "%s at %s: total timeout: the answer took longer than %ld ms%s", who(s),
				      c->url, c->total_ms, s->res.text.len ? " (partial answer kept)" : "");
				continue;
			}
			if (left < wait)
				wait = left;
		}
		if (s->state == S_WAIT_RETRY) {
			if (now >= s->retry_at) {
				start_attempt(s);
				continue;
			}
			if (s->retry_at - now < wait)
				wait = s->retry_at - now;
		} else {
			CURLcode rc;
			if (transfer_step(s, &rc))
				on_transfer_done(s, rc);
			/* The server said the answer is complete: do not wait for it to close. The
			 * transfer is left running for k8sa_llm_stream_free() to drain, so that the
			 * connection can serve the next call. */
			if (s->state == S_RUNNING && s->parser.done && s->parser.status == K8SA_OK &&
			    llm_parser_finish(&s->parser) == K8SA_OK) {
				s->state = S_DONE;
				s->res.elapsed_ms = k8sa_now_ms() - s->t0;
			}
			if (s->state != S_RUNNING || s->qpos < s->q.len)
				continue;
		}
		int wait_ms = (int)wait; /* 0 < wait <= K8SA_POLL_MAX_MS: round up by hand (no libm) */
		curl_multi_poll(s->multi, NULL, 0, wait_ms + ((double)wait_ms < wait), NULL);
	}
}

K8SA_EXPORT const k8sa_llm_result *k8sa_llm_stream_result(const k8sa_llm_stream *s)
{
	return s ? &s->res : NULL;
}

K8SA_EXPORT void k8sa_llm_stream_cancel(k8sa_llm_stream *s)
{
	if (!s)
		return;
	atomic_store(&s->cancelled, 1);
	curl_multi_wakeup(s->multi);
}

/* After the answer's last message, let the HTTP response end (its last chunk usually follows
 * at once) for at most K8SA_LLM_DRAIN_MS. 1 when the transfer ended cleanly: the connection is at a
 * message boundary and may serve the next call. A server that holds the response open after
 * its final message costs that much once, at free, and its connection is closed. */
static int drain(struct k8sa_llm_stream *s)
{
	if (!s->easy)
		return 1; /* ended with the transfer */
	double until = k8sa_now_ms() + K8SA_LLM_DRAIN_MS;
	for (;;) {
		CURLcode rc;
		if (transfer_step(s, &rc))
			return rc == CURLE_OK;
		double now = k8sa_now_ms();
		if (now >= until || atomic_load(&s->cancelled))
			return 0;
		curl_multi_poll(s->multi, NULL, 0, (int)(until - now) + 1, NULL);
	}
}

K8SA_EXPORT void k8sa_llm_stream_free(k8sa_llm_stream *s)
{
	if (!s)
		return;
	/* Only after a clean end is the connection known to be at a message boundary. */
	int reusable = s->state == S_DONE && drain(s);
	drop_easy(s);
	llm_pool_give(s->cfg ? s->cfg->pool : NULL, s->multi, reusable);
	curl_slist_free_all(s->hdr);
	llm_parser_free(&s->parser);
	llm_result_clear(&s->res);
	k8sa_tbuf_release(&s->q);
	k8sa_tbuf_release(&s->ebody);
	free(s->url);
	free(s->body);
	k8sa_llm_free(s->cfg);
	free(s);
}

k8sa_llm_result *llm_stream_take_result(k8sa_llm_stream *s)
{
	k8sa_llm_result *r = malloc(sizeof(*r));
	if (!r)
		return NULL;
	if (s->state != S_DONE && s->state != S_FAILED)
		s->res.elapsed_ms = k8sa_now_ms() - s->t0;
	*r = s->res;
	llm_result_init(&s->res);
	return r;
}
