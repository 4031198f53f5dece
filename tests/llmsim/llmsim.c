/* SPDX-License-Identifier: MIT */
/*
 * llmsim — a fake Ollama and OpenAI-compatible LLM server for tests.
 *
 *   llmsim --listen 127.0.0.1:PORT [--script FILE] [--record FILE] [--port-file FILE]
 *
 * Speaks the real wire formats (see /work/shared/wire/WIRE.md §1–2): Ollama NDJSON streams
 * with nanosecond metrics (omitempty), OpenAI SSE with a role chunk, content deltas, an
 * empty-delta finish chunk, an optional usage chunk and `data: [DONE]`; Go-style compact
 * JSON (`<>&` escaped as \u003c...); the real error bodies and status codes.
 *
 * One thread per connection (libmicrohttpd), so delays are plain sleeps and a thousand
 * concurrent streams only cost a thousand small threads.
 *
 * --record FILE appends one JSON object per request:
 *   {"method":"POST","path":"/api/chat","body":<the request body parsed as JSON, or the raw
 *    body as a JSON string when it is not JSON, or null when empty>}
 *
 * The script format is documented in tests/llmsim/README.md.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <json-c/json.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define DEFAULT_MIDSTREAM_MSG "an error was encountered while running the model"

struct rule {
	char *match;       /* substring of the last user message; NULL = default rule */
	char *reply;       /* NULL = the echo reply */
	char **chunks;     /* explicit chunk list (n_chunks), or NULL */
	int n_chunks;      /* explicit count when chunks == NULL (0 = one per word) */
	int delay_ms, chunk_delay_ms;
	int error_status;  /* 0 = none */
	char *error_message;
	char *error_body;  /* raw body, overrides error_message */
	int disconnect_after; /* -1 = never */
	int midstream_after;  /* -1 = never */
	char *midstream_message;
	int status_503_times;
	atomic_int calls_503;
	int garbage_after;    /* -1 = never */
	long prompt_tokens;   /* -1 = estimated */
	long load_ms;         /* 0 = omitted (omitempty) */
	int hold_open_ms;     /* keep the stream open this long after its last event */
	int endless;          /* stream the chunks again and again, never ending */
	char *match_last;     /* substring of the last message of any role (a tool result) */
	int want_tools;       /* -1 any, 0 only requests without "tools", 1 only with */
	json_object *tool_calls; /* [{"name","arguments":{...}}]: the reply calls these tools */
};

static struct rule *rules;
static size_t n_rules;
static char **models;
static size_t n_models;
static const char *flavor = "ollama"; /* OpenAI endpoint dialect: ollama | llamacpp | vllm */
static json_object *capabilities;     /* /api/show "capabilities" (script), default completion+tools */
static char *api_key;                 /* when set, /v1 requires Authorization: Bearer KEY */
static FILE *record_fp;
static pthread_mutex_t record_mu = PTHREAD_MUTEX_INITIALIZER;
static atomic_long request_ids;

/* ------------------------------------------------------------------------------------------ */
/* small helpers */

static void die(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("llmsim: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	exit(2);
}

static char *xstrdup(const char *s)
{
	char *d = strdup(s ? s : "");
	if (!d)
		die("out of memory");
	return d;
}

struct buf {
	char *d;
	size_t len, cap;
};

static void buf_add(struct buf *b, const char *s, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 512;
		while (cap < b->len + n + 1)
			cap *= 2;
		char *d = realloc(b->d, cap);
		if (!d)
			die("out of memory");
		b->d = d;
		b->cap = cap;
	}
	memcpy(b->d + b->len, s, n);
	b->len += n;
	b->d[b->len] = '\0';
}

static void buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void buf_printf(struct buf *b, const char *fmt, ...)
{
	char tmp[512];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n < sizeof(tmp)) {
		buf_add(b, tmp, (size_t)n);
		return;
	}
	char *big = malloc((size_t)n + 1);
	if (!big)
		die("out of memory");
	va_start(ap, fmt);
	vsnprintf(big, (size_t)n + 1, fmt, ap);
	va_end(ap);
	buf_add(b, big, (size_t)n);
	free(big);
}

/* Go's encoding/json: compact, and <, >, & escaped (they only occur inside strings). */
static void add_go_json(struct buf *b, json_object *o)
{
	const char *s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
	for (; *s; s++) {
		if (*s == '<')
			buf_add(b, "\\u003c", 6);
		else if (*s == '>')
			buf_add(b, "\\u003e", 6);
		else if (*s == '&')
			buf_add(b, "\\u0026", 6);
		else
			buf_add(b, s, 1);
	}
}

static void sleep_ms(long ms)
{
	if (ms <= 0)
		return;
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

static int64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* RFC3339Nano in UTC as Go prints it: trailing zeros of the fraction dropped. */
static void rfc3339nano(char *out, size_t n)
{
	struct timespec ts;
	struct tm tm;
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	char frac[16] = "";
	if (ts.tv_nsec) {
		snprintf(frac, sizeof(frac), ".%09ld", ts.tv_nsec);
		size_t l = strlen(frac);
		while (frac[l - 1] == '0')
			frac[--l] = '\0';
	}
	snprintf(out, n, "%04d-%02d-%02dT%02d:%02d:%02d%sZ", tm.tm_year + 1900, tm.tm_mon + 1,
		 tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, frac);
}

/* "mistral" and "mistral:latest" are the same model. */
static int same_model(const char *a, const char *b)
{
	size_t la = strcspn(a, ":"), lb = strcspn(b, ":");
	const char *ta = a[la] ? a + la + 1 : "latest", *tb = b[lb] ? b + lb + 1 : "latest";
	return la == lb && strncmp(a, b, la) == 0 && strcmp(ta, tb) == 0;
}

static int model_known(const char *m)
{
	for (size_t i = 0; i < n_models; i++)
		if (same_model(m, models[i]))
			return 1;
	return 0;
}

static void full_name(char *out, size_t n, const char *m)
{
	snprintf(out, n, "%s%s", m, strchr(m, ':') ? "" : ":latest");
}

/* ------------------------------------------------------------------------------------------ */
/* script */

static int jint(json_object *o, const char *k, int def)
{
	json_object *v;
	return json_object_object_get_ex(o, k, &v) ? json_object_get_int(v) : def;
}

static char *jstr(json_object *o, const char *k)
{
	json_object *v;
	if (!json_object_object_get_ex(o, k, &v) || json_object_is_type(v, json_type_null))
		return NULL;
	return xstrdup(json_object_get_string(v));
}

static void load_rule(struct rule *r, json_object *o)
{
	json_object *v;
	memset(r, 0, sizeof(*r));
	r->match = jstr(o, "match");
	r->reply = jstr(o, "reply");
	if (json_object_object_get_ex(o, "chunks", &v)) {
		if (json_object_is_type(v, json_type_array)) {
			r->n_chunks = (int)json_object_array_length(v);
			r->chunks = calloc((size_t)r->n_chunks + 1, sizeof(char *));
			if (!r->chunks)
				die("out of memory");
			for (int i = 0; i < r->n_chunks; i++)
				r->chunks[i] = xstrdup(json_object_get_string(json_object_array_get_idx(v, (size_t)i)));
		} else {
			r->n_chunks = json_object_get_int(v);
		}
	}
	r->delay_ms = jint(o, "delay_ms", 0);
	r->chunk_delay_ms = jint(o, "chunk_delay_ms", 0);
	if (json_object_object_get_ex(o, "error", &v)) {
		r->error_status = jint(v, "status", 500);
		r->error_message = jstr(v, "message");
		json_object *b;
		if (json_object_object_get_ex(v, "body", &b))
			r->error_body = xstrdup(json_object_is_type(b, json_type_string)
							? json_object_get_string(b)
							: json_object_to_json_string_ext(b, JSON_C_TO_STRING_PLAIN));
		if (!r->error_message)
			r->error_message = xstrdup("internal error");
	}
	r->disconnect_after = jint(o, "disconnect_after_chunks", -1);
	r->midstream_after = -1;
	if (json_object_object_get_ex(o, "midstream_error", &v)) {
		if (json_object_is_type(v, json_type_object)) {
			r->midstream_after = jint(v, "after_chunks", 1);
			r->midstream_message = jstr(v, "message");
		} else {
			r->midstream_after = json_object_get_int(v);
		}
		if (!r->midstream_message)
			r->midstream_message = xstrdup(DEFAULT_MIDSTREAM_MSG);
	}
	r->status_503_times = jint(o, "status_503_times", 0);
	atomic_init(&r->calls_503, 0);
	r->garbage_after = -1;
	if (json_object_object_get_ex(o, "garbage", &v)) {
		if (json_object_is_type(v, json_type_boolean))
			r->garbage_after = json_object_get_boolean(v) ? 1 : -1;
		else
			r->garbage_after = json_object_get_int(v);
	}
	r->prompt_tokens = jint(o, "prompt_tokens", -1);
	r->load_ms = jint(o, "load_ms", 0);
	r->hold_open_ms = jint(o, "hold_open_ms", 0);
	r->endless = json_object_object_get_ex(o, "endless", &v) && json_object_get_boolean(v);
	r->match_last = jstr(o, "match_last");
	r->want_tools = -1;
	if (json_object_object_get_ex(o, "tools", &v))
		r->want_tools = json_object_get_boolean(v);
	if (json_object_object_get_ex(o, "tool_calls", &v) && json_object_is_type(v, json_type_array))
		r->tool_calls = json_object_get(v);
}

static void load_script(const char *path)
{
	json_object *root = json_object_from_file(path);
	if (!root)
		die("cannot read script %s: %s", path, json_util_get_last_err());
	json_object *list = root, *v;
	if (json_object_is_type(root, json_type_object)) {
		if (!json_object_object_get_ex(root, "rules", &list))
			list = NULL;
		if (json_object_object_get_ex(root, "models", &v) && json_object_is_type(v, json_type_array)) {
			n_models = json_object_array_length(v);
			models = calloc(n_models + 1, sizeof(char *));
			if (!models)
				die("out of memory");
			for (size_t i = 0; i < n_models; i++)
				models[i] = xstrdup(json_object_get_string(json_object_array_get_idx(v, i)));
		}
		char *f = jstr(root, "flavor");
		if (f)
			flavor = f;
		api_key = jstr(root, "api_key");
		if (json_object_object_get_ex(root, "capabilities", &v) && json_object_is_type(v, json_type_array))
			capabilities = json_object_get(v);
	}
	if (list) {
		if (!json_object_is_type(list, json_type_array))
			die("script %s: \"rules\" must be a list", path);
		n_rules = json_object_array_length(list);
		rules = calloc(n_rules + 1, sizeof(*rules));
		if (!rules)
			die("out of memory");
		for (size_t i = 0; i < n_rules; i++)
			load_rule(&rules[i], json_object_array_get_idx(list, i));
	}
	json_object_put(root);
}

static struct rule *find_rule(const char *last_user, const char *last_any, int has_tools)
{
	for (size_t i = 0; i < n_rules; i++) {
		struct rule *r = &rules[i];
		if (r->match && !(last_user && strstr(last_user, r->match)))
			continue;
		if (r->match_last && !(last_any && strstr(last_any, r->match_last)))
			continue;
		if (r->want_tools >= 0 && r->want_tools != has_tools)
			continue;
		return r;
	}
	return NULL;
}

/* ------------------------------------------------------------------------------------------ */
/* record */

/* The client's TCP port: the same port on two requests means one kept-alive connection. */
static int client_port(struct MHD_Connection *c)
{
	const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	if (!ci || !ci->client_addr)
		return 0;
	if (ci->client_addr->sa_family == AF_INET)
		return ntohs(((const struct sockaddr_in *)(const void *)ci->client_addr)->sin_port);
	if (ci->client_addr->sa_family == AF_INET6)
		return ntohs(((const struct sockaddr_in6 *)(const void *)ci->client_addr)->sin6_port);
	return 0;
}

static void record(struct MHD_Connection *c, const char *method, const char *path, const char *body, size_t len)
{
	if (!record_fp)
		return;
	json_object *o = json_object_new_object();
	json_object_object_add(o, "method", json_object_new_string(method));
	json_object_object_add(o, "path", json_object_new_string(path));
	json_object_object_add(o, "client_port", json_object_new_int(client_port(c)));
	json_object *b = NULL;
	if (len > 0) {
		json_tokener *tok = json_tokener_new();
		b = json_tokener_parse_ex(tok, body, (int)len);
		if (!b || json_tokener_get_parse_end(tok) < len) {
			json_object_put(b);
			b = json_object_new_string_len(body, (int)len);
		}
		json_tokener_free(tok);
	}
	json_object_object_add(o, "body", b);
	const char *s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
	pthread_mutex_lock(&record_mu);
	fprintf(record_fp, "%s\n", s);
	fflush(record_fp);
	pthread_mutex_unlock(&record_mu);
	json_object_put(o);
}

/* ------------------------------------------------------------------------------------------ */
/* responses */

static enum MHD_Result send_body(struct MHD_Connection *c, unsigned int status, const char *ctype,
				 const char *body)
{
	struct MHD_Response *r =
		MHD_create_response_from_buffer(strlen(body), (void *)body, MHD_RESPMEM_MUST_COPY);
	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, "Content-Type", ctype);
	enum MHD_Result ret = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result send_json(struct MHD_Connection *c, unsigned int status, json_object *o)
{
	struct buf b = {0};
	add_go_json(&b, o);
	buf_add(&b, "\n", 1);
	enum MHD_Result r = send_body(c, status, "application/json; charset=utf-8", b.d);
	free(b.d);
	json_object_put(o);
	return r;
}

/* An error in the endpoint family's shape. */
static enum MHD_Result send_error(struct MHD_Connection *c, int openai, unsigned int status, const char *msg)
{
	json_object *o = json_object_new_object();
	if (!openai) {
		json_object_object_add(o, "error", json_object_new_string(msg));
		return send_json(c, status, o);
	}
	json_object *e = json_object_new_object();
	const char *type = status == 400 ? "invalid_request_error"
			   : status == 401 ? "authentication_error"
			   : status == 404 ? "not_found_error"
			   : status == 503 ? "unavailable_error"
					   : "api_error";
	if (strcmp(flavor, "llamacpp") == 0) {
		json_object_object_add(e, "code", json_object_new_int((int)status));
		json_object_object_add(e, "message", json_object_new_string(msg));
		json_object_object_add(e, "type", json_object_new_string(type));
	} else {
		json_object_object_add(e, "message", json_object_new_string(msg));
		json_object_object_add(e, "type", json_object_new_string(type));
		json_object_object_add(e, "param", NULL);
		json_object_object_add(e, "code", NULL);
	}
	json_object_object_add(o, "error", e);
	return send_json(c, status, o);
}

/* The answer as chunks: explicit list, N pieces, or one per word (" sky" style). */
static char **split_reply(const struct rule *r, const char *reply, int *n_out)
{
	size_t len = strlen(reply);
	char **out;
	int n = 0;
	if (r && r->chunks) {
		out = calloc((size_t)r->n_chunks + 1, sizeof(char *));
		if (!out)
			die("out of memory");
		for (int i = 0; i < r->n_chunks; i++)
			out[n++] = xstrdup(r->chunks[i]);
		*n_out = n;
		return out;
	}
	out = calloc(len + 2, sizeof(char *));
	if (!out)
		die("out of memory");
	if (r && r->n_chunks > 0) {
		size_t parts = (size_t)r->n_chunks, pos = 0;
		for (size_t i = 0; i < parts && pos < len; i++) {
			size_t end = (i + 1 == parts) ? len : len * (i + 1) / parts;
			while (end < len && ((unsigned char)reply[end] & 0xC0) == 0x80)
				end++; /* do not cut a UTF-8 sequence */
			if (end <= pos)
				continue;
			out[n] = strndup(reply + pos, end - pos);
			if (!out[n++])
				die("out of memory");
			pos = end;
		}
	} else {
		size_t pos = 0;
		while (pos < len) {
			size_t end = pos;
			while (end < len && reply[end] == ' ')
				end++;
			while (end < len && reply[end] != ' ')
				end++;
			out[n] = strndup(reply + pos, end - pos);
			if (!out[n++])
				die("out of memory");
			pos = end;
		}
	}
	*n_out = n;
	return out;
}

enum api { API_OLLAMA_CHAT, API_OLLAMA_GENERATE, API_OPENAI };

struct stream {
	enum api api;
	const struct rule *rule;
	char *model;
	char **chunks;
	int n_chunks;
	int next_chunk;
	int phase; /* 0 start, 1 content, 2 final, 3 usage, 4 [DONE], 5 end */
	int include_usage;
	const char *done_reason;
	long prompt_tokens;
	long id;
	int64_t t0, t_first;
	struct buf out;
	size_t out_pos;
	int ended; /* 1 clean end, 2 abort */
	json_object *calls; /* the rule's tool calls (borrowed), NULL for none */
	int calls_sent;
};

static void free_stream(void *cls)
{
	struct stream *s = cls;
	for (int i = 0; i < s->n_chunks; i++)
		free(s->chunks[i]);
	free(s->chunks);
	free(s->model);
	free(s->out.d);
	free(s);
}

static json_object *openai_chunk(struct stream *s, json_object *choices)
{
	json_object *o = json_object_new_object();
	char id[64];
	snprintf(id, sizeof(id), "chatcmpl-%ld", s->id);
	json_object_object_add(o, "id", json_object_new_string(id));
	json_object_object_add(o, "object", json_object_new_string("chat.completion.chunk"));
	json_object_object_add(o, "created", json_object_new_int64((int64_t)time(NULL)));
	json_object_object_add(o, "model", json_object_new_string(s->model));
	if (strcmp(flavor, "vllm") != 0)
		json_object_object_add(o, "system_fingerprint", json_object_new_string("fp_llmsim"));
	json_object_object_add(o, "choices", choices);
	return o;
}

static json_object *openai_choice(json_object *delta, const char *finish)
{
	json_object *ch = json_object_new_object();
	json_object_object_add(ch, "index", json_object_new_int(0));
	json_object_object_add(ch, "delta", delta);
	if (strcmp(flavor, "vllm") == 0)
		json_object_object_add(ch, "logprobs", NULL);
	json_object_object_add(ch, "finish_reason", finish ? json_object_new_string(finish) : NULL);
	if (finish && strcmp(flavor, "vllm") == 0)
		json_object_object_add(ch, "stop_reason", NULL);
	json_object *arr = json_object_new_array();
	json_object_array_add(arr, ch);
	return arr;
}

static void add_sse(struct buf *b, json_object *o)
{
	buf_add(b, "data: ", 6);
	add_go_json(b, o);
	buf_add(b, "\n\n", 2);
	json_object_put(o);
}

static json_object *usage_json(const struct stream *s)
{
	json_object *u = json_object_new_object();
	json_object_object_add(u, "prompt_tokens", json_object_new_int64(s->prompt_tokens));
	json_object_object_add(u, "completion_tokens", json_object_new_int(s->n_chunks));
	json_object_object_add(u, "total_tokens", json_object_new_int64(s->prompt_tokens + s->n_chunks));
	return u;
}

static json_object *timings_json(const struct stream *s)
{
	double pm = 1.0 + (double)s->prompt_tokens * 0.01;
	double em = (double)(now_ns() - s->t_first) / 1e6;
	json_object *t = json_object_new_object();
	json_object_object_add(t, "prompt_n", json_object_new_int64(s->prompt_tokens));
	json_object_object_add(t, "prompt_ms", json_object_new_double(pm));
	json_object_object_add(t, "predicted_n", json_object_new_int(s->n_chunks));
	json_object_object_add(t, "predicted_ms", json_object_new_double(em));
	return t;
}

/* Ollama metrics, omitempty: a zero field is left out. */
static void add_metrics(json_object *o, const struct stream *s)
{
	int64_t now = now_ns();
	int64_t total = now - s->t0, load = s->rule ? (int64_t)s->rule->load_ms * 1000000 : 0;
	int64_t pe = 1000000 + s->prompt_tokens * 10000, ev = now - s->t_first;
	json_object_object_add(o, "total_duration", json_object_new_int64(total + load));
	if (load)
		json_object_object_add(o, "load_duration", json_object_new_int64(load));
	if (s->prompt_tokens > 0)
		json_object_object_add(o, "prompt_eval_count", json_object_new_int64(s->prompt_tokens));
	json_object_object_add(o, "prompt_eval_duration", json_object_new_int64(pe));
	if (s->n_chunks > 0)
		json_object_object_add(o, "eval_count", json_object_new_int(s->n_chunks));
	if (ev > 0)
		json_object_object_add(o, "eval_duration", json_object_new_int64(ev));
}

static json_object *ollama_line(struct stream *s, const char *content, int done)
{
	char ts[64];
	rfc3339nano(ts, sizeof(ts));
	json_object *o = json_object_new_object();
	json_object_object_add(o, "model", json_object_new_string(s->model));
	json_object_object_add(o, "created_at", json_object_new_string(ts));
	if (s->api == API_OLLAMA_GENERATE) {
		json_object_object_add(o, "response", json_object_new_string(content));
	} else {
		json_object *m = json_object_new_object();
		json_object_object_add(m, "role", json_object_new_string("assistant"));
		json_object_object_add(m, "content", json_object_new_string(content));
		json_object_object_add(o, "message", m);
	}
	json_object_object_add(o, "done", json_object_new_boolean(done));
	if (done) {
		json_object_object_add(o, "done_reason", json_object_new_string(s->done_reason));
		add_metrics(o, s);
	}
	return o;
}

/* Tool calls as the message (Ollama: arguments as an object; OpenAI: as a JSON string). */
static json_object *tool_calls_json(json_object *calls, int openai, long id)
{
	json_object *arr = json_object_new_array();
	for (size_t i = 0; i < json_object_array_length(calls); i++) {
		json_object *c = json_object_array_get_idx(calls, i), *name, *args = NULL;
		json_object_object_get_ex(c, "name", &name);
		json_object_object_get_ex(c, "arguments", &args);
		json_object *tc = json_object_new_object(), *f = json_object_new_object();
		char cid[64];
		snprintf(cid, sizeof(cid), "call_%ld_%zu", id, i);
		json_object_object_add(tc, "id", json_object_new_string(cid));
		if (openai) {
			json_object_object_add(tc, "index", json_object_new_int((int)i));
			json_object_object_add(tc, "type", json_object_new_string("function"));
		} else {
			json_object_object_add(f, "index", json_object_new_int((int)i));
		}
		json_object_object_add(f, "name", json_object_get(name));
		if (openai)
			json_object_object_add(f, "arguments", json_object_new_string(args ? json_object_to_json_string_ext(args, JSON_C_TO_STRING_PLAIN) : "{}"));
		else
			json_object_object_add(f, "arguments", args ? json_object_get(args) : json_object_new_object());
		json_object_object_add(tc, "function", f);
		json_object_array_add(arr, tc);
	}
	return arr;
}

/* Streamed tool calls: Ollama one line with every call; OpenAI per call either one whole delta
 * (flavor ollama) or a first delta with the name and "" then the arguments in pieces
 * (llama.cpp, vLLM). */
static void add_stream_calls(struct stream *s)
{
	int openai = s->api == API_OPENAI;
	json_object *arr = tool_calls_json(s->calls, openai, s->id);
	if (!openai) {
		json_object *o = ollama_line(s, "", 0);
		json_object *m;
		json_object_object_get_ex(o, "message", &m);
		json_object_object_add(m, "tool_calls", arr);
		add_go_json(&s->out, o);
		json_object_put(o);
		buf_add(&s->out, "\n", 1);
		return;
	}
	for (size_t i = 0; i < json_object_array_length(arr); i++) {
		json_object *tc = json_object_array_get_idx(arr, i), *f, *a;
		json_object_object_get_ex(tc, "function", &f);
		json_object_object_get_ex(f, "arguments", &a);
		if (strcmp(flavor, "ollama") == 0) {
			json_object *d = json_object_new_object(), *l = json_object_new_array();
			json_object_array_add(l, json_object_get(tc));
			json_object_object_add(d, "tool_calls", l);
			add_sse(&s->out, openai_chunk(s, openai_choice(d, NULL)));
			continue;
		}
		char *args = xstrdup(json_object_get_string(a));
		json_object_object_add(f, "arguments", json_object_new_string(""));
		json_object *d = json_object_new_object(), *l = json_object_new_array();
		json_object_array_add(l, json_object_get(tc));
		json_object_object_add(d, "tool_calls", l);
		add_sse(&s->out, openai_chunk(s, openai_choice(d, NULL)));
		size_t n = strlen(args), parts = 3;
		for (size_t p = 0; p < parts; p++) {
			size_t from = n * p / parts, to = n * (p + 1) / parts;
			if (to <= from)
				continue;
			json_object *frag = json_object_new_object(), *ff = json_object_new_object();
			json_object_object_add(frag, "index", json_object_new_int((int)i));
			json_object_object_add(ff, "arguments", json_object_new_string_len(args + from, (int)(to - from)));
			json_object_object_add(frag, "function", ff);
			json_object *dd = json_object_new_object(), *ll = json_object_new_array();
			json_object_array_add(ll, frag);
			json_object_object_add(dd, "tool_calls", ll);
			add_sse(&s->out, openai_chunk(s, openai_choice(dd, NULL)));
		}
		free(args);
	}
	json_object_put(arr);
}

/* Produce the next event of a stream into s->out. */
static void next_event(struct stream *s)
{
	const struct rule *r = s->rule;
	int sent = s->next_chunk;
	if (s->phase == 0) {
		if (r && r->delay_ms)
			sleep_ms(r->delay_ms);
		s->t_first = now_ns();
		s->phase = 1;
		if (s->api == API_OPENAI) {
			/* The role chunk; Ollama /v1 puts the first token in it, llama.cpp null. */
			json_object *d = json_object_new_object();
			json_object_object_add(d, "role", json_object_new_string("assistant"));
			json_object_object_add(d, "content", strcmp(flavor, "llamacpp") == 0
								    ? NULL : json_object_new_string(""));
			add_sse(&s->out, openai_chunk(s, openai_choice(d, NULL)));
			return;
		}
	}
	if (s->phase == 1) {
		if (r && r->disconnect_after >= 0 && sent >= r->disconnect_after) {
			s->ended = 2;
			return;
		}
		if (r && r->midstream_after >= 0 && sent >= r->midstream_after) {
			if (s->api == API_OPENAI) {
				buf_printf(&s->out, "data: {\"error\":{\"code\":500,\"message\":");
				json_object *m = json_object_new_string(r->midstream_message);
				add_go_json(&s->out, m);
				json_object_put(m);
				buf_printf(&s->out, ",\"type\":\"server_error\"}}\n\n");
			} else {
				json_object *o = json_object_new_object();
				json_object_object_add(o, "error", json_object_new_string(r->midstream_message));
				add_go_json(&s->out, o);
				json_object_put(o);
				buf_add(&s->out, "\n", 1);
			}
			s->ended = 1;
			return;
		}
		if (r && r->garbage_after >= 0 && sent >= r->garbage_after) {
			if (s->api == API_OPENAI)
				buf_printf(&s->out, "data: {\"choices\":[{\"delta\":{\"content\":\"oops\"\n\n");
			else
				buf_printf(&s->out, "{\"model\":\"%s\",\"message\":{\"content\":\"oo\n", s->model);
			s->ended = 1;
			return;
		}
		if (r && r->endless && s->n_chunks > 0 && sent >= s->n_chunks)
			s->next_chunk = sent = 0; /* a model that never stops (and ignores num_predict) */
		if (sent < s->n_chunks) {
			if (sent > 0 && r && r->chunk_delay_ms)
				sleep_ms(r->chunk_delay_ms);
			const char *text = s->chunks[s->next_chunk++];
			if (s->api == API_OPENAI) {
				json_object *d = json_object_new_object();
				json_object_object_add(d, "content", json_object_new_string(text));
				add_sse(&s->out, openai_chunk(s, openai_choice(d, NULL)));
			} else {
				json_object *o = ollama_line(s, text, 0);
				add_go_json(&s->out, o);
				json_object_put(o);
				buf_add(&s->out, "\n", 1);
			}
			return;
		}
		if (s->calls && !s->calls_sent) {
			s->calls_sent = 1;
			add_stream_calls(s);
			return;
		}
		s->phase = 2;
	}
	if (s->phase == 2) {
		if (s->api == API_OPENAI) {
			json_object *d = json_object_new_object();
			if (strcmp(flavor, "vllm") == 0)
				json_object_object_add(d, "content", json_object_new_string(""));
			json_object *o = openai_chunk(s, openai_choice(d, s->done_reason));
			if (!s->include_usage && strcmp(flavor, "llamacpp") == 0)
				json_object_object_add(o, "timings", timings_json(s));
			add_sse(&s->out, o);
			s->phase = s->include_usage ? 3 : 4;
		} else {
			json_object *o = ollama_line(s, "", 1);
			add_go_json(&s->out, o);
			json_object_put(o);
			buf_add(&s->out, "\n", 1);
			s->phase = 5;
		}
		return;
	}
	if (s->phase == 3) {
		json_object *o = openai_chunk(s, json_object_new_array());
		json_object_object_add(o, "usage", usage_json(s));
		if (strcmp(flavor, "llamacpp") == 0)
			json_object_object_add(o, "timings", timings_json(s));
		add_sse(&s->out, o);
		s->phase = 4;
		return;
	}
	if (s->phase == 4) {
		buf_add(&s->out, "data: [DONE]\n\n", 14);
		s->phase = 5;
		return;
	}
	if (r && r->hold_open_ms)
		sleep_ms(r->hold_open_ms); /* a proxy or server slow to close after the end */
	s->ended = 1;
}

static ssize_t stream_reader(void *cls, uint64_t pos, char *out, size_t max)
{
	struct stream *s = cls;
	(void)pos;
	if (s->out_pos >= s->out.len) {
		s->out.len = s->out_pos = 0;
		if (s->ended == 2)
			return MHD_CONTENT_READER_END_WITH_ERROR;
		if (s->ended == 1)
			return MHD_CONTENT_READER_END_OF_STREAM;
		next_event(s);
		if (s->out.len == 0)
			return s->ended == 2 ? MHD_CONTENT_READER_END_WITH_ERROR
					     : MHD_CONTENT_READER_END_OF_STREAM;
	}
	size_t n = s->out.len - s->out_pos;
	if (n > max)
		n = max;
	memcpy(out, s->out.d + s->out_pos, n);
	s->out_pos += n;
	return (ssize_t)n;
}

/* Rough token count of the prompt: 1 per 4 bytes plus 4 per message, as the real ones vary. */
static long estimate_prompt_tokens(json_object *messages, const char *prompt)
{
	long bytes = 0, n = 0;
	if (messages && json_object_is_type(messages, json_type_array)) {
		n = (long)json_object_array_length(messages);
		for (long i = 0; i < n; i++) {
			json_object *c;
			if (json_object_object_get_ex(json_object_array_get_idx(messages, (size_t)i), "content", &c))
				bytes += json_object_get_string_len(c);
		}
	}
	if (prompt)
		bytes += (long)strlen(prompt);
	return bytes / 4 + 4 * n + 1;
}

static const char *last_user(json_object *messages)
{
	if (!messages || !json_object_is_type(messages, json_type_array))
		return NULL;
	for (size_t i = json_object_array_length(messages); i-- > 0;) {
		json_object *m = json_object_array_get_idx(messages, i), *r, *c;
		if (json_object_object_get_ex(m, "role", &r) && strcmp(json_object_get_string(r), "user") == 0 &&
		    json_object_object_get_ex(m, "content", &c))
			return json_object_get_string(c);
	}
	return NULL;
}

static enum MHD_Result handle_chat(struct MHD_Connection *c, enum api api, const char *body, size_t len)
{
	int openai = api == API_OPENAI;
	if (openai && api_key) {
		const char *auth = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization");
		char want[512];
		snprintf(want, sizeof(want), "Bearer %s", api_key);
		if (!auth || strcmp(auth, want) != 0)
			return send_error(c, 1, 401, "Invalid API Key");
	}
	if (len == 0)
		return send_error(c, openai, 400, "missing request body");
	json_tokener *tok = json_tokener_new();
	json_object *req = json_tokener_parse_ex(tok, body, (int)len);
	int bad = !req || json_tokener_get_parse_end(tok) < len || !json_object_is_type(req, json_type_object);
	json_tokener_free(tok);
	if (bad) {
		json_object_put(req);
		return send_error(c, openai, 400, "invalid character looking for beginning of value");
	}
	json_object *v, *messages = NULL, *options = NULL;
	const char *model = json_object_object_get_ex(req, "model", &v) ? json_object_get_string(v) : NULL;
	if (!model || !*model) {
		json_object_put(req);
		return send_error(c, openai, 400, "model is required");
	}
	json_object_object_get_ex(req, "messages", &messages);
	json_object_object_get_ex(req, "options", &options);
	const char *prompt = NULL;
	if (api == API_OLLAMA_GENERATE && json_object_object_get_ex(req, "prompt", &v))
		prompt = json_object_get_string(v);
	const char *user = api == API_OLLAMA_GENERATE ? prompt : last_user(messages);
	const char *last_any = user;
	if (api != API_OLLAMA_GENERATE && messages && json_object_is_type(messages, json_type_array) &&
	    json_object_array_length(messages) > 0) {
		json_object *lm = json_object_array_get_idx(messages, json_object_array_length(messages) - 1), *lc;
		if (json_object_object_get_ex(lm, "content", &lc) && json_object_is_type(lc, json_type_string))
			last_any = json_object_get_string(lc);
	}
	json_object *tools_v = NULL;
	int has_tools = json_object_object_get_ex(req, "tools", &tools_v) && json_object_is_type(tools_v, json_type_array) &&
			json_object_array_length(tools_v) > 0;
	struct rule *r = find_rule(user, last_any, has_tools);

	if (r && r->error_status) {
		enum MHD_Result ret;
		if (r->error_body)
			ret = send_body(c, (unsigned)r->error_status, "application/json; charset=utf-8", r->error_body);
		else
			ret = send_error(c, openai, (unsigned)r->error_status, r->error_message);
		json_object_put(req);
		return ret;
	}
	if (!model_known(model)) {
		char msg[512];
		snprintf(msg, sizeof(msg), "model '%s' not found", model);
		json_object_put(req);
		return send_error(c, openai, 404, msg);
	}
	if (r && r->status_503_times > 0 && atomic_fetch_add(&r->calls_503, 1) < r->status_503_times) {
		json_object_put(req);
		return send_error(c, openai, 503, openai ? "Loading model" : "server busy, please try again.  maximum pending requests exceeded");
	}

	int stream = 1;
	if (json_object_object_get_ex(req, "stream", &v))
		stream = json_object_get_boolean(v);
	else if (openai)
		stream = 0; /* OpenAI's default is no streaming; Ollama's is streaming */
	long limit = 0;
	if (openai) {
		if (json_object_object_get_ex(req, "max_tokens", &v) ||
		    json_object_object_get_ex(req, "max_completion_tokens", &v))
			limit = json_object_get_int64(v);
	} else if (options && json_object_object_get_ex(options, "num_predict", &v)) {
		limit = json_object_get_int64(v);
	}

	struct stream *s = calloc(1, sizeof(*s));
	if (!s)
		die("out of memory");
	s->api = api;
	s->rule = r;
	s->model = xstrdup(model);
	s->id = atomic_fetch_add(&request_ids, 1) + 1;
	s->t0 = s->t_first = now_ns();
	s->done_reason = "stop";
	s->prompt_tokens = r && r->prompt_tokens >= 0 ? r->prompt_tokens : estimate_prompt_tokens(messages, prompt);
	if (openai && json_object_object_get_ex(req, "stream_options", &v) &&
	    json_object_object_get_ex(v, "include_usage", &v))
		s->include_usage = json_object_get_boolean(v);
	char echo[128];
	const char *reply = r && r->reply ? r->reply : NULL;
	if (r && r->tool_calls && api != API_OLLAMA_GENERATE) {
		s->calls = r->tool_calls;
		if (!reply)
			reply = "";
		if (openai)
			s->done_reason = "tool_calls";
	}
	if (!reply) {
		snprintf(echo, sizeof(echo), "llmsim: received %zu messages",
			 messages && json_object_is_type(messages, json_type_array) ? json_object_array_length(messages) : (size_t)0);
		reply = echo;
	}
	s->chunks = split_reply(r, reply, &s->n_chunks);
	if (limit > 0 && s->n_chunks > limit && !(r && r->endless)) {
		for (int i = (int)limit; i < s->n_chunks; i++)
			free(s->chunks[i]);
		s->n_chunks = (int)limit;
		s->done_reason = "length";
	}
	json_object_put(req);

	if (stream) {
		struct MHD_Response *resp = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 4096, stream_reader, s, free_stream);
		if (!resp) {
			free_stream(s);
			return MHD_NO;
		}
		MHD_add_response_header(resp, "Content-Type", openai ? "text/event-stream" : "application/x-ndjson");
		if (openai)
			MHD_add_response_header(resp, "Cache-Control", "no-cache");
		enum MHD_Result ret = MHD_queue_response(c, MHD_HTTP_OK, resp);
		MHD_destroy_response(resp);
		return ret;
	}

	/* One body. Scripted faults still apply: a disconnect sends nothing, a mid-stream error
	 * becomes a 500, garbage a truncated body. */
	if (r && r->delay_ms)
		sleep_ms(r->delay_ms);
	s->t_first = now_ns();
	if (r && r->disconnect_after >= 0) {
		free_stream(s);
		return MHD_NO;
	}
	if (r && r->midstream_after >= 0) {
		enum MHD_Result ret = send_error(c, openai, 500, r->midstream_message);
		free_stream(s);
		return ret;
	}
	if (r && r->garbage_after >= 0) {
		free_stream(s);
		return send_body(c, 200, "application/json; charset=utf-8", "{\"model\":\"x\",\"mess");
	}
	struct buf text = {0};
	for (int i = 0; i < s->n_chunks; i++)
		buf_add(&text, s->chunks[i], strlen(s->chunks[i]));
	if (!text.d)
		buf_add(&text, "", 0);
	json_object *o;
	if (!openai) {
		char ts[64];
		rfc3339nano(ts, sizeof(ts));
		o = json_object_new_object();
		json_object_object_add(o, "model", json_object_new_string(s->model));
		json_object_object_add(o, "created_at", json_object_new_string(ts));
		if (api == API_OLLAMA_GENERATE) {
			json_object_object_add(o, "response", json_object_new_string(text.d));
		} else {
			json_object *m = json_object_new_object();
			json_object_object_add(m, "role", json_object_new_string("assistant"));
			json_object_object_add(m, "content", json_object_new_string(text.d));
			if (s->calls)
				json_object_object_add(m, "tool_calls", tool_calls_json(s->calls, 0, s->id));
			json_object_object_add(o, "message", m);
		}
		json_object_object_add(o, "done_reason", json_object_new_string(s->done_reason));
		json_object_object_add(o, "done", json_object_new_boolean(1));
		add_metrics(o, s);
	} else {
		char id[64];
		snprintf(id, sizeof(id), "chatcmpl-%ld", s->id);
		o = json_object_new_object();
		json_object_object_add(o, "id", json_object_new_string(id));
		json_object_object_add(o, "object", json_object_new_string("chat.completion"));
		json_object_object_add(o, "created", json_object_new_int64((int64_t)time(NULL)));
		json_object_object_add(o, "model", json_object_new_string(s->model));
		json_object_object_add(o, "system_fingerprint", json_object_new_string("fp_llmsim"));
		json_object *m = json_object_new_object();
		json_object_object_add(m, "role", json_object_new_string("assistant"));
		json_object_object_add(m, "content", s->calls && !*text.d ? NULL : json_object_new_string(text.d));
		if (s->calls) {
			json_object *tc = tool_calls_json(s->calls, 1, s->id);
			for (size_t i = 0; i < json_object_array_length(tc); i++)
				json_object_object_del(json_object_array_get_idx(tc, i), "index");
			json_object_object_add(m, "tool_calls", tc);
		}
		json_object *ch = json_object_new_object();
		json_object_object_add(ch, "index", json_object_new_int(0));
		json_object_object_add(ch, "message", m);
		json_object_object_add(ch, "finish_reason", json_object_new_string(s->done_reason));
		json_object *arr = json_object_new_array();
		json_object_array_add(arr, ch);
		json_object_object_add(o, "choices", arr);
		json_object_object_add(o, "usage", usage_json(s));
		if (strcmp(flavor, "llamacpp") == 0)
			json_object_object_add(o, "timings", timings_json(s));
	}
	free(text.d);
	free_stream(s);
	return send_json(c, 200, o);
}

static enum MHD_Result handle_tags(struct MHD_Connection *c, int openai)
{
	json_object *arr = json_object_new_array();
	for (size_t i = 0; i < n_models; i++) {
		char name[256];
		full_name(name, sizeof(name), models[i]);
		json_object *m = json_object_new_object();
		if (openai) {
			json_object_object_add(m, "id", json_object_new_string(name));
			json_object_object_add(m, "object", json_object_new_string("model"));
			json_object_object_add(m, "created", json_object_new_int64(1746405464));
			json_object_object_add(m, "owned_by", json_object_new_string("library"));
		} else {
			json_object_object_add(m, "name", json_object_new_string(name));
			json_object_object_add(m, "model", json_object_new_string(name));
			json_object_object_add(m, "modified_at", json_object_new_string("2025-05-04T17:37:44.706015396-07:00"));
			json_object_object_add(m, "size", json_object_new_int64(2019393189));
			json_object_object_add(m, "digest", json_object_new_string("a80c4f17acd55265feec403c7aef86be0c25983ab279d83f3bcd3abbcb5b8b72"));
			json_object *d = json_object_new_object();
			json_object_object_add(d, "parent_model", json_object_new_string(""));
			json_object_object_add(d, "format", json_object_new_string("gguf"));
			json_object_object_add(d, "family", json_object_new_string("llama"));
			json_object *fam = json_object_new_array();
			json_object_array_add(fam, json_object_new_string("llama"));
			json_object_object_add(d, "families", fam);
			json_object_object_add(d, "parameter_size", json_object_new_string("3.2B"));
			json_object_object_add(d, "quantization_level", json_object_new_string("Q4_K_M"));
			json_object_object_add(m, "details", d);
		}
		json_object_array_add(arr, m);
	}
	json_object *o = json_object_new_object();
	if (openai) {
		json_object_object_add(o, "object", json_object_new_string("list"));
		json_object_object_add(o, "data", arr);
	} else {
		json_object_object_add(o, "models", arr);
	}
	return send_json(c, 200, o);
}

static enum MHD_Result handle_show(struct MHD_Connection *c, const char *body, size_t len)
{
	if (len == 0)
		return send_error(c, 0, 400, "missing request body");
	json_object *req = json_tokener_parse(body), *v;
	const char *model = NULL;
	if (req && (json_object_object_get_ex(req, "model", &v) || json_object_object_get_ex(req, "name", &v)))
		model = json_object_get_string(v);
	if (!model) {
		json_object_put(req);
		return send_error(c, 0, 400, "model is required");
	}
	if (!model_known(model)) {
		char msg[512];
		snprintf(msg, sizeof(msg), "model '%s' not found", model);
		json_object_put(req);
		return send_error(c, 0, 404, msg);
	}
	json_object_put(req);
	json_object *o = json_tokener_parse(
		"{\"parameters\":\"stop \\\"<|eot_id|>\\\"\",\"template\":\"<|start_header_id|>system<|end_header_id|>\","
		"\"details\":{\"parent_model\":\"\",\"format\":\"gguf\",\"family\":\"llama\",\"families\":[\"llama\"],"
		"\"parameter_size\":\"3.2B\",\"quantization_level\":\"Q4_K_M\"},"
		"\"model_info\":{\"general.architecture\":\"llama\",\"llama.context_length\":131072},"
		"\"capabilities\":[\"completion\",\"tools\"],\"modified_at\":\"2025-05-04T17:37:44.706015396-07:00\"}");
	if (capabilities)
		json_object_object_add(o, "capabilities", json_object_get(capabilities));
	return send_json(c, 200, o);
}

/* ------------------------------------------------------------------------------------------ */
/* dispatch */

struct req {
	struct buf body;
};

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url, const char *method,
				  const char *version, const char *upload, size_t *upload_size, void **con_cls)
{
	(void)cls;
	(void)version;
	struct req *rq = *con_cls;
	if (!rq) {
		rq = calloc(1, sizeof(*rq));
		if (!rq)
			return MHD_NO;
		*con_cls = rq;
		return MHD_YES;
	}
	if (*upload_size) {
		if (rq->body.len + *upload_size > 64u * 1024u * 1024u)
			return MHD_NO;
		buf_add(&rq->body, upload, *upload_size);
		*upload_size = 0;
		return MHD_YES;
	}
	const char *body = rq->body.d ? rq->body.d : "";
	size_t len = rq->body.len;
	record(c, method, url, body, len);

	int get = strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0;
	int post = strcmp(method, "POST") == 0;
	if (strcmp(url, "/") == 0 && get)
		return send_body(c, 200, "text/plain; charset=utf-8", "Ollama is running");
	if (strcmp(url, "/api/version") == 0 && get)
		return send_body(c, 200, "application/json; charset=utf-8", "{\"version\":\"0.12.6\"}\n");
	if (strcmp(url, "/api/tags") == 0 && get)
		return handle_tags(c, 0);
	if (strcmp(url, "/v1/models") == 0 && get)
		return handle_tags(c, 1);
	if (strcmp(url, "/api/show") == 0 && post)
		return handle_show(c, body, len);
	if (strcmp(url, "/api/chat") == 0 && post)
		return handle_chat(c, API_OLLAMA_CHAT, body, len);
	if (strcmp(url, "/api/generate") == 0 && post)
		return handle_chat(c, API_OLLAMA_GENERATE, body, len);
	if (strcmp(url, "/v1/chat/completions") == 0 && post)
		return handle_chat(c, API_OPENAI, body, len);
	if (strcmp(url, "/health") == 0 && get)
		return send_body(c, 200, "application/json; charset=utf-8", "{\"status\":\"ok\"}\n");
	static const char *const known[] = {"/", "/api/version", "/api/tags", "/v1/models", "/api/show",
					    "/api/chat", "/api/generate", "/v1/chat/completions", "/health"};
	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (strcmp(url, known[i]) == 0)
			return send_body(c, 405, "text/plain; charset=utf-8", "405 method not allowed");
	return send_body(c, 404, "text/plain; charset=utf-8", "404 page not found");
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls, enum MHD_RequestTerminationCode t)
{
	(void)cls;
	(void)c;
	(void)t;
	struct req *rq = *con_cls;
	if (rq) {
		free(rq->body.d);
		free(rq);
		*con_cls = NULL;
	}
}

static void usage(FILE *f)
{
	fputs("usage: llmsim --listen 127.0.0.1:PORT [--script FILE] [--record FILE] [--port-file FILE]\n"
	      "\n"
	      "A fake Ollama / OpenAI-compatible LLM server for tests.\n"
	      "  --listen ADDR:PORT  IPv4 address and port (port 0 picks a free one)\n"
	      "  --script FILE       JSON script of scripted replies and faults (tests/llmsim/README.md)\n"
	      "  --record FILE       append every request as {\"method\",\"path\",\"body\"} JSON lines\n"
	      "  --port-file FILE    write the bound port to FILE\n"
	      "Prints \"llmsim: listening on http://ADDR:PORT\" when ready. Stops on SIGTERM/SIGINT.\n"
	      "Endpoints: GET / /api/version /api/tags /v1/models /health; POST /api/show /api/chat\n"
	      "/api/generate /v1/chat/completions.\n",
	      f);
}

int main(int argc, char **argv)
{
	const char *listen_addr = "127.0.0.1:0", *script = NULL, *rec = NULL, *port_file = NULL;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			usage(stdout);
			return 0;
		}
		if (i + 1 >= argc)
			die("%s needs a value (see --help)", a);
		if (strcmp(a, "--listen") == 0)
			listen_addr = argv[++i];
		else if (strcmp(a, "--script") == 0)
			script = argv[++i];
		else if (strcmp(a, "--record") == 0)
			rec = argv[++i];
		else if (strcmp(a, "--port-file") == 0)
			port_file = argv[++i];
		else
			die("unknown option %s (see --help)", a);
	}
	if (script)
		load_script(script);
	if (!models) {
		static char *defaults[] = {"mistral", "llama3.2"};
		models = defaults;
		n_models = 2;
	}
	if (rec && !(record_fp = fopen(rec, "a")))
		die("cannot open record file %s: %s", rec, strerror(errno));

	char host[64];
	const char *colon = strrchr(listen_addr, ':');
	if (!colon || (size_t)(colon - listen_addr) >= sizeof(host))
		die("--listen wants ADDR:PORT, got %s", listen_addr);
	memcpy(host, listen_addr, (size_t)(colon - listen_addr));
	host[colon - listen_addr] = '\0';
	struct sockaddr_in sa;
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)atoi(colon + 1));
	if (inet_pton(AF_INET, host, &sa.sin_addr) != 1)
		die("--listen: %s is not an IPv4 address", host);

	/* Many concurrent streams need many descriptors. */
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	pthread_sigmask(SIG_BLOCK, &set, NULL); /* threads inherit the mask; main waits below */
	signal(SIGPIPE, SIG_IGN);

	struct MHD_Daemon *d = MHD_start_daemon(
		MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL,
		0, NULL, NULL, on_request, NULL,
		MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
		MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL,
		MHD_OPTION_CONNECTION_LIMIT, (unsigned int)20000,
		MHD_OPTION_LISTEN_BACKLOG_SIZE, (unsigned int)4096,
		MHD_OPTION_THREAD_STACK_SIZE, (size_t)(256 * 1024),
		MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)600,
		MHD_OPTION_END);
	if (!d)
		die("cannot listen on %s: %s", listen_addr, strerror(errno));
	const union MHD_DaemonInfo *info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
	unsigned port = info ? info->port : ntohs(sa.sin_port);
	if (port_file) {
		FILE *f = fopen(port_file, "w");
		if (!f)
			die("cannot write %s: %s", port_file, strerror(errno));
		fprintf(f, "%u\n", port);
		fclose(f);
	}
	printf("llmsim: listening on http://%s:%u\n", host, port);
	fflush(stdout);

	int sig = 0;
	sigwait(&set, &sig);
	/* Streams may be sleeping in scripted delays: do not wait for them. */
	if (record_fp)
		fflush(record_fp);
	_exit(0);
}
