/* SPDX-License-Identifier: MIT */
/* k8sagentd POST /investigate: the library's investigation sessions (investigate.h) over
 * HTTP. A first question (no "session") opens a session on a namespace, takes its snapshot
 * and lets the model call the read-only tools; the answer names the session, and a request
 * that names it asks a follow-up on the same snapshot, tool results and transcript. Answers
 * are one JSON object, or Server-Sent Events mapped one to one from the session's events:
 *
 *     event: session       {"session","namespace","turn"}
 *     event: step          {"index","tool","arguments","result_chars","error","cached","ms","result"}
 *     event: token         {"text"}
 *     event: verification  {"unknown_names","mutating_commands","secret_commands"}
 *     event: done          {"session","answer","stopped","verification","timings",...}
 *     event: error         {"error","code","status","session",...}   (instead of done)
 *
 * Everything is checked before the Kubernetes API or the model is touched: the body, the
 * namespace, the session (404 unknown, 409 busy); then the model slot (429) as for /diagnose.
 * Sessions are kept by k8sagentd_sessions.c. */
#include "k8sagentd.h"
#include "k8sagentd_request.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- request fields beyond /diagnose's ------------------------------------------------------ */
/* "session" (a string, NULL when absent or null) and "max_steps" (1..--max-steps). 0 or 400. */
static int extra_fields(json_object *root, const char **session, size_t *session_len, int *max_steps,
			char *msg, size_t msglen)
{
	json_object *v;
	*session = NULL;
	*session_len = 0;
	*max_steps = K8SA_SESSION_DEFAULT_MAX_STEPS < kd_cfg.max_steps ? K8SA_SESSION_DEFAULT_MAX_STEPS
								       : kd_cfg.max_steps;
	if (json_object_object_get_ex(root, "session", &v) && !json_object_is_type(v, json_type_null)) {
		if (!json_object_is_type(v, json_type_string)) {
			snprintf(msg, msglen, "'session' must be a string (the \"session\" of an earlier answer)");
			return 400;
		}
		*session = json_object_get_string(v);
		*session_len = (size_t)json_object_get_string_len(v);
	}
	if (json_object_object_get_ex(root, "max_steps", &v) && !json_object_is_type(v, json_type_null)) {
		int64_t n = json_object_get_int64(v);
		if (!json_object_is_type(v, json_type_int) || n < 1 || n > kd_cfg.max_steps) {
			snprintf(msg, msglen, "'max_steps' must be a whole number from 1 to %d (--max-steps)",
				 kd_cfg.max_steps);
			return 400;
		}
		*max_steps = (int)n;
	}
	return 0;
}

/* ---- event and result JSON ------------------------------------------------------------------ */
static json_object *event_obj(const k8sa_event *ev)
{
	json_object *o = json_tokener_parse(k8sa_event_json(ev));
	if (!o || !json_object_is_type(o, json_type_object)) {
		json_object_put(o);
		return json_object_new_object();
	}
	json_object_object_del(o, "type");
	return o;
}

/* The session's result (k8sa_session_result_to_json()) with the session id; `steps` (taken)
 * replaces the library's step list (which leaves out the result texts), NULL drops it. */
static json_object *result_obj(const kd_session *ks, json_object *steps)
{
	char *js = NULL;
	k8sa_session_result_to_json(kd_session_handle(ks), &js, NULL);
	json_object *o = js ? json_tokener_parse(js) : NULL;
	k8sa_free(js);
	if (!o)
		o = json_object_new_object();
	json_object_object_add(o, "session", json_object_new_string(kd_session_id(ks)));
	json_object_object_add(o, "namespace", json_object_new_string(kd_session_ns(ks)));
	json_object_object_add(o, "truncated", json_object_new_boolean(0));
	if (steps)
		json_object_object_add(o, "steps", steps);
	else
		json_object_object_del(o, "steps");
	return o;
}

static void cancel_session(void *arg)
{
	k8sa_session_cancel(arg);
}

/* The model's text of this question passed --max-answer: the session was cancelled. The
 * result names what was written since the last tool call, cut with a note, as
 * "stopped": "max_answer" and "truncated": true. */
static json_object *cut_result(const kd_session *ks, json_object *steps, const char *text, size_t len)
{
	json_object *o = result_obj(ks, steps);
	json_object_object_add(o, "answer", json_object_new_string_len(text ? text : "", (int)len));
	kd_answer_cut(o);
	json_object_object_add(o, "stopped", json_object_new_string("max_answer"));
	json_object_object_del(o, "error");
	json_object_object_del(o, "llm_error");
	return o;
}

/* Text of the current turn (since the last tool call), kept up to --max-answer. */
typedef struct turn_text {
	char *p;
	size_t len, total; /* total: every token byte of the question */
} turn_text;

/* Add a token; 1 when the question's text passed --max-answer (cancel it). */
static int turn_add(turn_text *t, const char *s, size_t n)
{
	t->total += n;
	size_t room = kd_cfg.max_answer > t->len ? kd_cfg.max_answer - t->len : 0;
	size_t take = n < room ? n : room;
	if (take) {
		char *np = realloc(t->p, t->len + take + 1);
		if (np) {
			memcpy(np + t->len, s, take);
			t->len += take;
			np[t->len] = 0;
			t->p = np;
		}
	}
	return t->total > kd_cfg.max_answer;
}

/* ---- Server-Sent Events --------------------------------------------------------------------- */
enum { PH_SESSION, PH_EVENTS, PH_END };

struct kd_inv {
	atomic_int refs;
	pthread_mutex_t mu;
	kd_session *ks;        /* NULL once released */
	k8sa_session *s;
	int holds_slot;
	kd_hangup *w;
	int phase;
	int producing;         /* the reader is in produce(), unlocked */
	int abandoned;         /* the request ended meanwhile: finish when produce() returns */
	kd_sse_buf out;
	double t_model;
	int got_token;
	turn_text text;
	int cut;               /* stopped at --max-answer */
};

uint64_t kd_investigate_bytes(const kd_inv *v)
{
	return atomic_load(&((kd_inv *)(uintptr_t)v)->out.bytes);
}

static void inv_unref(kd_inv *v)
{
	if (!v || atomic_fetch_sub(&v->refs, 1) != 1)
		return;
	pthread_mutex_destroy(&v->mu);
	free(v->out.buf);
	free(v->text.p);
	free(v);
}

/* Release the watch, the model slot and the session. Idempotent; v->mu held. */
static void inv_finish(kd_inv *v)
{
	kd_hangup_unwatch(v->w);
	v->w = NULL;
	if (v->holds_slot) {
		kd_slot_release();
		v->holds_slot = 0;
	}
	kd_session_put(v->ks, 0);
	v->ks = NULL;
}

static int emit(kd_inv *v, const char *event, json_object *o)
{
	size_t dlen = 0;
	const char *data = json_object_to_json_string_length(o, JSON_C_TO_STRING_PLAIN |
							      JSON_C_TO_STRING_NOSLASHESCAPE, &dlen);
	int r = kd_sse_buf_event(&v->out, event, data, dlen);
	json_object_put(o);
	return r;
}

/* The next piece of the stream into v->out (unlocked: only the reader touches the buffer and
 * the session). 0, or -1 to end the response with an error (the client left). */
static int produce(kd_inv *v)
{
	if (v->phase == PH_SESSION) {
		json_object *o = json_object_new_object();
		json_object_object_add(o, "session", json_object_new_string(kd_session_id(v->ks)));
		json_object_object_add(o, "namespace", json_object_new_string(kd_session_ns(v->ks)));
		char *js = NULL;
		k8sa_session_result_to_json(v->s, &js, NULL);
		json_object *r = js ? json_tokener_parse(js) : NULL, *t;
		k8sa_free(js);
		if (r && json_object_object_get_ex(r, "turn", &t))
			json_object_object_add(o, "turn", json_object_get(t));
		json_object_put(r);
		v->phase = PH_EVENTS;
		v->t_model = kd_now();
		return emit(v, "session", o);
	}
	const k8sa_event *ev = NULL;
	k8sa_error err = {0};
	k8sa_status st = k8sa_session_next(v->s, &ev, &err);
	if (st == K8SA_E_CANCELLED && v->cut) {
		json_object *t = json_object_new_object();
		char note[160];
		snprintf(note, sizeof note, "\n\n[answer cut at %zu bytes by k8sagentd --max-answer]", kd_cfg.max_answer);
		json_object_object_add(t, "text", json_object_new_string(note));
		if (emit(v, "token", t))
			return -1;
		v->phase = PH_END;
		return emit(v, "done", cut_result(v->ks, NULL, v->text.p, v->text.len));
	}
	if (st == K8SA_E_CANCELLED)
		return -1; /* the client left (or shutdown): nobody to tell */
	if (st != K8SA_OK) {
		json_object *o = result_obj(v->ks, NULL);
		json_object_object_add(o, "error", json_object_new_string(err.message[0] ? err.message : k8sa_strerror(st)));
		json_object_object_add(o, "code", json_object_new_int(kd_status_for(st)));
		json_object_object_add(o, "status", json_object_new_string(k8sa_strerror(st)));
		v->phase = PH_END;
		return emit(v, "error", o);
	}
	if (!ev) {
		v->phase = PH_END;
		return 0;
	}
	switch (k8sa_event_type(ev)) {
	case K8SA_EVENT_TOKEN: {
		if (!v->got_token) {
			v->got_token = 1;
			kd_metrics_first_token(kd_now() - v->t_model);
		}
		const char *text = k8sa_event_text(ev);
		size_t len = strlen(text), before = v->text.total;
		if (turn_add(&v->text, text, len)) {
			/* A model that does not stop: keep what fits, stop it now. */
			v->cut = 1;
			k8sa_session_cancel(v->s);
			len = before < kd_cfg.max_answer ? kd_cfg.max_answer - before : 0;
			while (len > 0 && len < strlen(text) && ((unsigned char)text[len] & 0xc0) == 0x80)
				len--;
			if (!len)
				return 0;
		}
		json_object *o = json_object_new_object();
		json_object_object_add(o, "text", json_object_new_string_len(text, (int)len));
		return emit(v, "token", o);
	}
	case K8SA_EVENT_STEP:
		v->text.len = 0; /* what the model said before a tool call is not the answer */
		return emit(v, "step", event_obj(ev));
	case K8SA_EVENT_VERIFICATION: return emit(v, "verification", event_obj(ev));
	case K8SA_EVENT_DONE:
		v->phase = PH_END;
		return emit(v, "done", result_obj(v->ks, NULL));
	}
	return 0;
}

static ssize_t inv_read(void *cls, uint64_t pos, char *out, size_t max)
{
	(void)pos;
	kd_inv *v = cls;
	pthread_mutex_lock(&v->mu);
	for (;;) {
		size_t n = kd_sse_buf_take(&v->out, out, max);
		if (n) {
			pthread_mutex_unlock(&v->mu);
			return (ssize_t)n;
		}
		if (v->phase == PH_END || !v->ks) {
			inv_finish(v);
			pthread_mutex_unlock(&v->mu);
			return MHD_CONTENT_READER_END_OF_STREAM;
		}
		v->producing = 1;
		pthread_mutex_unlock(&v->mu);
		int r = produce(v);
		pthread_mutex_lock(&v->mu);
		v->producing = 0;
		if (r < 0 || v->abandoned) {
			inv_finish(v);
			pthread_mutex_unlock(&v->mu);
			return MHD_CONTENT_READER_END_WITH_ERROR;
		}
	}
}

static void inv_free_cb(void *cls)
{
	inv_unref(cls);
}

void kd_investigate_request_done(kd_req *req)
{
	kd_inv *v = req->inv;
	if (!v)
		return;
	req->inv = NULL;
	pthread_mutex_lock(&v->mu);
	if (v->ks) {
		/* The client left mid-answer: stop the model and the tools. */
		k8sa_session_cancel(v->s);
		if (v->producing)
			v->abandoned = 1;
		else
			inv_finish(v);
	}
	pthread_mutex_unlock(&v->mu);
	inv_unref(v);
}

/* Stream the question just asked. Takes the session, the slot and the watch. */
static enum MHD_Result respond_sse(struct MHD_Connection *c, kd_req *req, kd_session *ks, kd_hangup *w)
{
	kd_inv *v = calloc(1, sizeof *v);
	if (!v) {
		kd_hangup_unwatch(w);
		kd_slot_release();
		kd_session_put(ks, 0);
		return MHD_NO;
	}
	atomic_init(&v->refs, 2); /* the request and the response */
	atomic_init(&v->out.bytes, 0);
	pthread_mutex_init(&v->mu, NULL);
	v->ks = ks;
	v->s = kd_session_handle(ks);
	v->holds_slot = 1;
	v->w = w;
	req->inv = v;
	struct MHD_Response *r = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 16 * 1024, inv_read,
								   v, inv_free_cb);
	if (!r) {
		inv_unref(v); /* the request's reference stays: completion releases the session */
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "text/event-stream; charset=utf-8");
	MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-cache");
	MHD_add_response_header(r, "X-Accel-Buffering", "no");
	MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	enum MHD_Result ret = MHD_queue_response(c, 200, r);
	MHD_destroy_response(r);
	if (ret == MHD_YES)
		req->status = 200;
	return ret;
}

/* ---- one JSON answer ------------------------------------------------------------------------ */
static enum MHD_Result respond_json(struct MHD_Connection *c, kd_req *req, kd_session *ks, kd_hangup *w)
{
	k8sa_session *s = kd_session_handle(ks);
	json_object *steps = json_object_new_array();
	const k8sa_event *ev;
	k8sa_error err = {0};
	k8sa_status st;
	double t0 = kd_now();
	int first = 1, cut = 0;
	turn_text text = {0};
	while ((st = k8sa_session_next(s, &ev, &err)) == K8SA_OK && ev) {
		if (k8sa_event_type(ev) == K8SA_EVENT_STEP) {
			json_object_array_add(steps, event_obj(ev));
			text.len = 0;
		} else if (k8sa_event_type(ev) == K8SA_EVENT_TOKEN) {
			if (first) {
				first = 0;
				kd_metrics_first_token(kd_now() - t0);
			}
			const char *t = k8sa_event_text(ev);
			if (!cut && turn_add(&text, t, strlen(t))) {
				cut = 1; /* a model that does not stop: keep what fits, stop it now */
				k8sa_session_cancel(s);
			}
		}
	}
	kd_hangup_unwatch(w);
	kd_slot_release();
	json_object *o;
	int status = 200;
	if (cut && st == K8SA_E_CANCELLED) {
		o = cut_result(ks, steps, text.p, text.len);
		st = K8SA_OK;
	} else {
		o = result_obj(ks, steps);
	}
	free(text.p);
	if (st != K8SA_OK) {
		status = kd_status_for(st);
		json_object_object_add(o, "error", json_object_new_string(err.message[0] ? err.message : k8sa_strerror(st)));
		json_object_object_add(o, "code", json_object_new_int(status));
	}
	kd_session_put(ks, 0);
	return kd_send_json(c, req, status, o);
}

/* ---- the route ------------------------------------------------------------------------------ */
enum MHD_Result kd_investigate(struct MHD_Connection *c, kd_req *req)
{
	char msg[512];
	kd_body b;
	enum MHD_Result ret;
	int rc = kd_body_parse(req->body, req->body_len, 1, kd_cfg.max_question, &b, msg, sizeof msg);
	if (rc) {
		kd_body_clear(&b);
		return kd_send_error(c, req, rc, "%s", msg);
	}
	req->log_question = strdup(b.question);
	const char *sid;
	size_t sid_len;
	int max_steps;
	rc = extra_fields(b.root, &sid, &sid_len, &max_steps, msg, sizeof msg);
	if (rc) {
		ret = kd_send_error(c, req, rc, "%s", msg);
		goto out;
	}
	int stream = b.stream || kd_wants_sse(c);

	/* The session: an existing one (404, 409), or room for a new one on a checked namespace. */
	kd_session *ks = NULL;
	int fresh = !sid;
	const char *ns;
	if (sid) {
		if (kd_session_id_valid(sid, sid_len)) {
			rc = kd_session_claim(sid, &ks, msg, sizeof msg);
		} else {
			rc = 404;
			snprintf(msg, sizeof msg, "no such investigation session: start a new one without \"session\"");
		}
		if (rc) {
			ret = kd_send_error(c, req, rc, "%s", msg);
			goto out;
		}
		ns = kd_session_ns(ks);
		if (b.ns && (b.ns_len != strlen(ns) || memcmp(b.ns, ns, b.ns_len) != 0)) {
			kd_session_put(ks, 0);
			ret = kd_send_error(c, req, 400, "session %s investigates namespace %s: leave out "
					    "\"namespace\" or start a new session", sid, ns);
			goto out;
		}
	} else {
		ns = b.ns ? b.ns : kd_default_namespace();
		int ok;
		ret = kd_check_namespace(c, req, ns, b.ns ? b.ns_len : strlen(ns), &ok);
		if (!ok)
			goto out;
		rc = kd_session_reserve(ns, &ks, msg, sizeof msg);
		if (rc) {
			static const char *const h[] = {MHD_HTTP_HEADER_RETRY_AFTER, "5", NULL};
			ret = kd_send_error_h(c, req, rc, rc == 429 ? h : NULL, msg);
			goto out;
		}
	}

	/* A model slot, as for /diagnose, held for the whole question. */
	rc = kd_slot_acquire();
	if (rc) {
		kd_session_put(ks, fresh);
		ret = kd_send_slot_error(c, req, rc);
		goto out;
	}
	k8sa_error err = {0};
	k8sa_status st = K8SA_OK;
	if (fresh) {
		k8sa_agent *agent = kd_agent_acquire(&err);
		k8sa_session *s = NULL;
		if (!agent)
			st = err.code ? err.code : K8SA_E_INTERNAL;
		else if ((st = k8sa_session_new(&s, agent, ns, &err)) != K8SA_OK)
			kd_agent_release(agent);
		else
			kd_session_attach(ks, agent, s);
	}
	k8sa_session *s = kd_session_handle(ks);
	if (st == K8SA_OK)
		st = k8sa_session_set_max_steps(s, max_steps, &err);
	if (st == K8SA_OK && fresh) {
		/* The first question takes the snapshot: bounded like /diagnose's (--max-snapshots),
		 * and skipped for a client that left. */
		rc = kd_snapshot_acquire(c);
		if (rc) {
			kd_slot_release();
			kd_session_put(ks, 1);
			ret = kd_send_snapshot_error(c, req, rc);
			goto out;
		}
	}
	if (st == K8SA_OK) {
		int snaps = k8sa_session_snapshot_count(s);
		double t0 = kd_now();
		st = k8sa_session_ask(s, b.question, &err);
		if (k8sa_session_snapshot_count(s) > snaps)
			kd_metrics_snapshot(kd_now() - t0);
		if (fresh)
			kd_snapshot_release(); /* the snapshot itself is freed: the session keeps its text */
	}
	if (st != K8SA_OK) {
		kd_slot_release();
		kd_session_put(ks, fresh); /* a session that never got its snapshot is of no use */
		ret = kd_send_agent_error(c, req, st, &err, 1);
		goto out;
	}
	kd_hangup *w = kd_hangup_watch(c, cancel_session, s);
	ret = stream ? respond_sse(c, req, ks, w) : respond_json(c, req, ks, w);
out:
	kd_body_clear(&b);
	return ret;
}
