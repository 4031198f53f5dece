/* SPDX-License-Identifier: MIT */
/* k8sagentd streaming: answers as Server-Sent Events (context, findings, token..., done|error)
 * written as the model produces them, and a watcher that cancels a model call when its client
 * goes away. MHD only notices a closed client when a write fails, and a streaming thread spends
 * its time blocked in k8sa_answer_stream_next() waiting for a token that may take minutes; so
 * one watcher thread polls the sockets of running model calls for a hang-up (POLLRDHUP) and
 * cancels their streams, which frees the model at once. */
#include "k8sagentd.h"
#include "k8sagentd_request.h"

#include <json-c/json.h>
#include <poll.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- disconnect watcher ------------------------------------------------------------------- */
typedef struct watch {
	int fd;
	k8sa_answer_stream *stream;
	void (*cancel)(void *); /* instead of a stream: kd_hangup_watch() */
	void *arg;
	int fired;
	struct watch *next;
} watch;

struct kd_hangup {
	watch w;
};

/* Stop the watched work. w_mu held. */
static void watch_cancel(watch *w)
{
	if (w->stream)
		k8sa_answer_stream_cancel(w->stream);
	else if (w->cancel)
		w->cancel(w->arg);
}

static pthread_mutex_t w_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t w_cv = PTHREAD_COND_INITIALIZER;
static watch *watches;
static int w_stop;
static pthread_t w_thread;
static int w_started;

static void *watcher(void *arg)
{
	(void)arg;
	struct pollfd *pfds = NULL;
	size_t cap = 0;
	pthread_mutex_lock(&w_mu);
	while (!w_stop) {
		if (!watches) {
			pthread_cond_wait(&w_cv, &w_mu);
			continue;
		}
		size_t n = 0;
		for (watch *w = watches; w; w = w->next)
			n++;
		if (n > cap) {
			struct pollfd *np = realloc(pfds, n * sizeof *np);
			if (!np) {
				pthread_mutex_unlock(&w_mu);
				poll(NULL, 0, 200);
				pthread_mutex_lock(&w_mu);
				continue;
			}
			pfds = np;
			cap = n;
		}
		size_t i = 0;
		for (watch *w = watches; w; w = w->next, i++) {
			pfds[i].fd = w->fd;
			pfds[i].events = POLLRDHUP;
			pfds[i].revents = 0;
		}
		pthread_mutex_unlock(&w_mu);
		int r = poll(pfds, n, 200);
		pthread_mutex_lock(&w_mu);
		if (r <= 0)
			continue;
		/* The list may have changed while unlocked: match entries by fd. */
		for (i = 0; i < n; i++) {
			if (!(pfds[i].revents & (POLLRDHUP | POLLHUP | POLLERR)))
				continue;
			for (watch *w = watches; w; w = w->next)
				if (w->fd == pfds[i].fd && !w->fired) {
					w->fired = 1;
					kd_log(KD_LOG_DEBUG, "client went away: cancelling its model call");
					watch_cancel(w);
				}
		}
		/* Fired entries stay until their owner removes them; do not spin on them. */
		int live = 0;
		for (watch *w = watches; w; w = w->next)
			live |= !w->fired;
		if (!live && !w_stop)
			pthread_cond_wait(&w_cv, &w_mu);
	}
	pthread_mutex_unlock(&w_mu);
	free(pfds);
	return NULL;
}

void kd_sse_init(void)
{
	if (pthread_create(&w_thread, NULL, watcher, NULL) == 0)
		w_started = 1;
}

void kd_sse_shutdown(void)
{
	pthread_mutex_lock(&w_mu);
	w_stop = 1;
	pthread_cond_broadcast(&w_cv);
	pthread_mutex_unlock(&w_mu);
	if (w_started)
		pthread_join(w_thread, NULL);
	w_started = 0;
}

static int conn_fd(struct MHD_Connection *c)
{
	const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
	return ci ? ci->connect_fd : -1;
}

static void watch_add(watch *w, struct MHD_Connection *c, k8sa_answer_stream *s)
{
	w->fd = conn_fd(c);
	w->stream = s;
	w->cancel = NULL;
	w->arg = NULL;
	w->fired = 0;
	pthread_mutex_lock(&w_mu);
	w->next = watches;
	watches = w;
	pthread_cond_broadcast(&w_cv);
	pthread_mutex_unlock(&w_mu);
}

/* After this returns the watcher no longer touches w->stream: it may be freed. */
static void watch_remove(watch *w)
{
	pthread_mutex_lock(&w_mu);
	for (watch **p = &watches; *p; p = &(*p)->next)
		if (*p == w) {
			*p = w->next;
			break;
		}
	w->stream = NULL;
	w->cancel = NULL;
	pthread_mutex_unlock(&w_mu);
}

kd_hangup *kd_hangup_watch(struct MHD_Connection *c, void (*cancel)(void *), void *arg)
{
	kd_hangup *kw = calloc(1, sizeof *kw);
	if (!kw)
		return NULL;
	watch_add(&kw->w, c, NULL);
	pthread_mutex_lock(&w_mu);
	kw->w.cancel = cancel;
	kw->w.arg = arg;
	pthread_mutex_unlock(&w_mu);
	return kw;
}

void kd_hangup_unwatch(kd_hangup *kw)
{
	if (!kw)
		return;
	watch_remove(&kw->w);
	free(kw);
}

void kd_sse_cancel_all(void)
{
	pthread_mutex_lock(&w_mu);
	for (watch *w = watches; w; w = w->next)
		watch_cancel(w);
	pthread_mutex_unlock(&w_mu);
}

int kd_client_gone(struct MHD_Connection *c)
{
	struct pollfd p = {conn_fd(c), POLLRDHUP, 0};
	if (p.fd < 0)
		return 0;
	return poll(&p, 1, 0) > 0 && (p.revents & (POLLRDHUP | POLLHUP | POLLERR | POLLNVAL));
}

/* ---- answer size -------------------------------------------------------------------------- */
/* The longest prefix of s[0..len) of at most max bytes that does not split a UTF-8 sequence. */
static size_t utf8_prefix(const char *s, size_t len, size_t max)
{
	if (len <= max)
		return len;
	size_t n = max;
	while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
		n--;
	return n;
}

static void cut_note(char *buf, size_t len)
{
	snprintf(buf, len, "\n\n[answer cut at %zu bytes by k8sagentd --max-answer]", kd_cfg.max_answer);
}

void kd_answer_cut(json_object *o)
{
	json_object *t;
	if (!o || !json_object_object_get_ex(o, "answer", &t) || !json_object_is_type(t, json_type_string))
		return;
	const char *text = json_object_get_string(t);
	size_t len = (size_t)json_object_get_string_len(t);
	size_t n = utf8_prefix(text, len, (size_t)kd_cfg.max_answer);
	char note[128];
	cut_note(note, sizeof note);
	size_t nl = strlen(note);
	char *cut = malloc(n + nl + 1);
	if (!cut)
		return;
	memcpy(cut, text, n);
	memcpy(cut + n, note, nl + 1);
	json_object_object_add(o, "answer", json_object_new_string_len(cut, (int)(n + nl)));
	free(cut);
	json_object_object_add(o, "truncated", json_object_new_boolean(1));
	json_object_object_add(o, "llm_error", NULL);
	kd_metrics_truncated();
}

/* ---- pulling a stream --------------------------------------------------------------------- */
k8sa_status kd_stream_drain(struct MHD_Connection *c, k8sa_answer_stream *s, k8sa_error *err,
			    int *truncated)
{
	watch w;
	watch_add(&w, c, s);
	double t0 = kd_now();
	int first = 1;
	size_t total = 0;
	k8sa_status st;
	*truncated = 0;
	for (;;) {
		const char *chunk = NULL;
		size_t len = 0;
		st = k8sa_answer_stream_next(s, &chunk, &len, err);
		if (st != K8SA_OK || !chunk)
			break;
		if (first) {
			kd_metrics_first_token(kd_now() - t0);
			first = 0;
		}
		total += len;
		if (total > (size_t)kd_cfg.max_answer) {
			/* A model that does not stop (or a huge answer): stop it, keep what fits. */
			*truncated = 1;
			k8sa_answer_stream_cancel(s);
			break;
		}
	}
	watch_remove(&w);
	return st;
}

static int emit_raw(kd_sse *s, const char *event, const char *data, size_t dlen);

/* ---- SSE responses ------------------------------------------------------------------------ */
enum { PH_CONTEXT, PH_FINDINGS, PH_TOKENS, PH_DONE, PH_END };

struct kd_sse {
	atomic_int refs;
	pthread_mutex_t mu;
	k8sa_answer_stream *stream; /* NULL once finished */
	k8sa_agent *agent;
	int holds_slot;
	int diagnose;
	char key[65];
	char *cached;               /* a cached answer JSON being replayed, else NULL */
	int phase;
	kd_sse_buf out;
	double t_model;
	int got_token;
	int finish_now;             /* set by sse_step: release the model call under mu */
	size_t answer_bytes;        /* token bytes sent so far (bounded by --max-answer) */
	watch w;
};

uint64_t kd_sse_bytes(const kd_sse *s)
{
	return atomic_load(&((kd_sse *)(uintptr_t)s)->out.bytes);
}

static void sse_unref(kd_sse *s)
{
	if (!s || atomic_fetch_sub(&s->refs, 1) != 1)
		return;
	pthread_mutex_destroy(&s->mu);
	free(s->out.buf);
	free(s->cached);
	free(s);
}

/* Release the model call: stream, agent, slot. Idempotent; caller holds s->mu. */
static void sse_finish(kd_sse *s, int cancel)
{
	if (!s->stream && !s->agent && !s->holds_slot)
		return;
	if (s->stream) {
		watch_remove(&s->w);
		if (cancel)
			k8sa_answer_stream_cancel(s->stream);
		k8sa_answer_stream_free(s->stream);
		s->stream = NULL;
	}
	kd_agent_release(s->agent);
	s->agent = NULL;
	if (s->holds_slot) {
		kd_slot_release();
		s->holds_slot = 0;
	}
}

static int emit(kd_sse *s, const char *event, const char *data, size_t dlen)
{
	/* No URL password reaches a client (an llm_error naming --llm-url). */
	size_t mlen = 0;
	char *masked = kd_mask_userinfo(data, dlen, &mlen);
	if (masked) {
		data = masked;
		dlen = mlen;
	}
	int r = emit_raw(s, event, data, dlen);
	free(masked);
	return r;
}

static int emit_raw(kd_sse *s, const char *event, const char *data, size_t dlen)
{
	return kd_sse_buf_event(&s->out, event, data, dlen);
}

int kd_sse_buf_event(kd_sse_buf *b, const char *event, const char *data, size_t dlen)
{
	size_t need = strlen(event) + dlen + 32;
	if (b->len + need > b->cap) {
		size_t cap = b->len + need + 1024;
		char *nb = realloc(b->buf, cap);
		if (!nb)
			return -1;
		b->buf = nb;
		b->cap = cap;
	}
	b->len += (size_t)snprintf(b->buf + b->len, b->cap - b->len, "event: %s\ndata: ", event);
	memcpy(b->buf + b->len, data, dlen);
	b->len += dlen;
	memcpy(b->buf + b->len, "\n\n", 2);
	b->len += 2;
	return 0;
}

size_t kd_sse_buf_take(kd_sse_buf *b, char *out, size_t max)
{
	if (b->off >= b->len) {
		b->len = b->off = 0;
		return 0;
	}
	size_t n = b->len - b->off < max ? b->len - b->off : max;
	memcpy(out, b->buf + b->off, n);
	b->off += n;
	atomic_fetch_add(&b->bytes, n);
	return n;
}

static int emit_obj(kd_sse *s, const char *event, json_object *o)
{
	size_t len = 0;
	const char *js = json_object_to_json_string_length(o, JSON_C_TO_STRING_PLAIN |
							    JSON_C_TO_STRING_NOSLASHESCAPE, &len);
	int r = emit(s, event, js, len);
	json_object_put(o);
	return r;
}

static json_object *parse_or(const char *js, json_object *(*dflt)(void))
{
	json_object *o = js ? json_tokener_parse(js) : NULL;
	return o ? o : dflt();
}

static json_object *get_copy(json_object *from, const char *key)
{
	json_object *v = NULL;
	if (from && json_object_object_get_ex(from, key, &v))
		return json_object_get(v);
	return NULL;
}

/* event: context — the exact context the model read, what the budget dropped, what could
 * not be read. */
static int emit_context(kd_sse *s, json_object *answer)
{
	json_object *o = json_object_new_object();
	json_object_object_add(o, "context", get_copy(answer, "context"));
	json_object_object_add(o, "dropped", get_copy(answer, "dropped"));
	json_object_object_add(o, "gaps", get_copy(answer, "gaps"));
	return emit_obj(s, "context", o);
}

/* event: done — the answer's final fields, without the bulky ones already sent. */
static int emit_done(kd_sse *s, json_object *answer, int cached)
{
	static const char *const drop[] = {"context", "findings", "dropped", "gaps", "messages", "prompt"};
	for (size_t i = 0; i < sizeof drop / sizeof *drop; i++)
		json_object_object_del(answer, drop[i]);
	json_object_object_add(answer, "cached", json_object_new_boolean(cached));
	return emit_obj(s, "done", answer);
}

static json_object *answer_obj(const k8sa_answer *a)
{
	char *js = NULL;
	k8sa_answer_to_json(a, &js, NULL);
	json_object *o = js ? json_tokener_parse(js) : NULL;
	k8sa_free(js);
	return o ? o : json_object_new_object();
}

/* Produce the next piece of output into s->out. Returns 0, or -1 to end the response. */
static int sse_step(kd_sse *s)
{
	const k8sa_answer *a = s->stream ? k8sa_answer_stream_answer(s->stream) : NULL;
	switch (s->phase) {
	case PH_CONTEXT:
		s->phase = PH_FINDINGS;
		if (s->diagnose) {
			json_object *ao = a ? answer_obj(a) : parse_or(s->cached, json_object_new_object);
			int r = emit_context(s, ao);
			json_object_put(ao);
			return r;
		}
		return 0;
	case PH_FINDINGS:
		s->phase = PH_TOKENS;
		s->t_model = kd_now();
		if (!s->diagnose)
			return 0;
		if (a)
			return emit_obj(s, "findings", parse_or(k8sa_answer_findings_json(a), json_object_new_object));
		{
			json_object *ao = parse_or(s->cached, json_object_new_object);
			json_object *f = get_copy(ao, "findings");
			json_object_put(ao);
			return emit_obj(s, "findings", f ? f : json_object_new_array());
		}
	case PH_TOKENS: {
		if (s->cached) {
			json_object *ao = parse_or(s->cached, json_object_new_object);
			json_object *t;
			if (json_object_object_get_ex(ao, "answer", &t) && json_object_is_type(t, json_type_string)) {
				json_object *o = json_object_new_object();
				json_object_object_add(o, "text", json_object_get(t));
				emit_obj(s, "token", o);
			}
			s->phase = PH_END;
			return emit_done(s, ao, 1);
		}
		const char *chunk = NULL;
		size_t len = 0;
		k8sa_error err = {0};
		k8sa_status st = k8sa_answer_stream_next(s->stream, &chunk, &len, &err);
		if (st == K8SA_OK && chunk) {
			if (!s->got_token) {
				s->got_token = 1;
				kd_metrics_first_token(kd_now() - s->t_model);
			}
			size_t room = (size_t)kd_cfg.max_answer - s->answer_bytes;
			int cut = len > room;
			if (cut) {
				len = utf8_prefix(chunk, len, room);
				k8sa_answer_stream_cancel(s->stream); /* stop the model now */
			}
			s->answer_bytes += len;
			json_object *o = json_object_new_object();
			json_object_object_add(o, "text", json_object_new_string_len(chunk, (int)len));
			int r = emit_obj(s, "token", o);
			if (!cut || r)
				return r;
			/* The answer passed --max-answer: the note as a last token, then done. */
			char note[128];
			cut_note(note, sizeof note);
			o = json_object_new_object();
			json_object_object_add(o, "text", json_object_new_string(note));
			if (emit_obj(s, "token", o))
				return -1;
			kd_metrics_answer(a);
			json_object *ao = answer_obj(a);
			kd_answer_cut(ao);
			s->phase = PH_END;
			s->finish_now = 1;
			return emit_done(s, ao, 0);
		}
		kd_metrics_answer(a);
		if (st == K8SA_E_CANCELLED)
			return -1; /* the client left (or shutdown): nobody to tell */
		/* A diagnosis ends with its findings even when the model failed: `done` carries the
		 * (partial or null) answer and llm_error, as the blocking form does. */
		if (st != K8SA_OK && !s->diagnose) {
			json_object *o = json_object_new_object();
			json_object_object_add(o, "error", json_object_new_string(err.message[0] ? err.message : k8sa_strerror(st)));
			json_object_object_add(o, "code", json_object_new_int(502));
			json_object_object_add(o, "status", json_object_new_string(k8sa_strerror(st)));
			s->phase = PH_END;
			s->finish_now = 1;
			return emit_obj(s, "error", o);
		}
		/* The end of the answer. */
		char *js = NULL;
		k8sa_answer_to_json(a, &js, NULL);
		if (js && s->key[0] && k8sa_answer_llm_status(a) == K8SA_OK && k8sa_answer_text(a))
			kd_cache_put(s->key, js);
		json_object *ao = js ? json_tokener_parse(js) : NULL;
		k8sa_free(js);
		s->phase = PH_END;
		s->finish_now = 1;
		return emit_done(s, ao ? ao : json_object_new_object(), 0);
	}
	default:
		return -1;
	}
}

static ssize_t sse_read(void *cls, uint64_t pos, char *out, size_t max)
{
	kd_sse *s = cls;
	pthread_mutex_lock(&s->mu);
	for (;;) {
		size_t n = kd_sse_buf_take(&s->out, out, max);
		if (n) {
			pthread_mutex_unlock(&s->mu);
			return (ssize_t)n;
		}
		if (s->phase == PH_END) {
			sse_finish(s, 0);
			pthread_mutex_unlock(&s->mu);
			return MHD_CONTENT_READER_END_OF_STREAM;
		}
		/* Unlock while the model is awaited; kd_sse_request_done() then only cancels. */
		pthread_mutex_unlock(&s->mu);
		int r = sse_step(s);
		pthread_mutex_lock(&s->mu);
		if (s->finish_now) {
			s->finish_now = 0;
			sse_finish(s, 0);
		}
		if (r < 0) {
			sse_finish(s, 1);
			pthread_mutex_unlock(&s->mu);
			return MHD_CONTENT_READER_END_WITH_ERROR;
		}
	}
}

static void sse_free_cb(void *cls)
{
	sse_unref(cls);
}

static enum MHD_Result start(struct MHD_Connection *c, kd_req *req, kd_sse *s)
{
	atomic_init(&s->refs, 2); /* the request and the response */
	atomic_init(&s->out.bytes, 0);
	pthread_mutex_init(&s->mu, NULL);
	req->sse = s;
	struct MHD_Response *r = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 16 * 1024, sse_read,
								   s, sse_free_cb);
	if (!r) {
		sse_unref(s);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "text/event-stream; charset=utf-8");
	MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-cache");
	MHD_add_response_header(r, "X-Accel-Buffering", "no"); /* nginx: do not buffer the stream */
	MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	enum MHD_Result ret = MHD_queue_response(c, 200, r);
	MHD_destroy_response(r);
	if (ret == MHD_YES)
		req->status = 200;
	return ret;
}

enum MHD_Result kd_sse_respond(struct MHD_Connection *c, kd_req *req, k8sa_answer_stream *stream,
			       k8sa_agent *agent, int diagnose, const char *cache_key)
{
	kd_sse *s = calloc(1, sizeof *s);
	if (!s) {
		k8sa_answer_stream_free(stream);
		kd_agent_release(agent);
		kd_slot_release();
		return MHD_NO;
	}
	s->stream = stream;
	s->agent = agent;
	s->holds_slot = 1;
	s->diagnose = diagnose;
	if (cache_key)
		memcpy(s->key, cache_key, 65);
	watch_add(&s->w, c, stream);
	return start(c, req, s);
}

enum MHD_Result kd_sse_respond_cached(struct MHD_Connection *c, kd_req *req, const char *answer_json)
{
	kd_sse *s = calloc(1, sizeof *s);
	if (!s)
		return MHD_NO;
	s->diagnose = 1;
	s->cached = strdup(answer_json);
	return start(c, req, s);
}

void kd_sse_request_done(kd_req *req)
{
	kd_sse *s = req->sse;
	if (!s)
		return;
	req->sse = NULL;
	/* A stream still running here means the client left mid-answer: stop the model. */
	pthread_mutex_lock(&s->mu);
	if (s->stream)
		k8sa_answer_stream_cancel(s->stream);
	sse_finish(s, 1);
	pthread_mutex_unlock(&s->mu);
	sse_unref(s);
}
