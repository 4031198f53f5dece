/* SPDX-License-Identifier: MIT */
/* LLM client: settings, messages, request bodies, results, error mapping, model checks and
 * the blocking chat calls (built on the pull stream in llm_stream.c). */
#include "internal.h"
#include "defaults.h"
#include "llm_internal.h"

#include <ctype.h>
#include <pthread.h>
#include <stdatomic.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>


/* ------------------------------------------------------------------------------------------ */
/* Connection pool (see llm_internal.h) */

struct llm_pool {
	atomic_int refs;
	pthread_mutex_t mu;
	int n;
	CURLM *idle[K8SA_LLM_POOL_IDLE];
};

static struct llm_pool *pool_new(void)
{
	struct llm_pool *p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	atomic_init(&p->refs, 1);
	pthread_mutex_init(&p->mu, NULL);
	return p;
}

static void pool_unref(struct llm_pool *p)
{
	if (!p || atomic_fetch_sub(&p->refs, 1) != 1)
		return;
	for (int i = 0; i < p->n; i++)
		curl_multi_cleanup(p->idle[i]);
	pthread_mutex_destroy(&p->mu);
	free(p);
}

CURLM *llm_pool_take(struct llm_pool *p)
{
	CURLM *m = NULL;
	if (p) {
		pthread_mutex_lock(&p->mu);
		if (p->n > 0)
			m = p->idle[--p->n];
		pthread_mutex_unlock(&p->mu);
	}
	return m ? m : curl_multi_init();
}

void llm_pool_give(struct llm_pool *p, CURLM *m, int reusable)
{
	if (!m)
		return;
	if (p && reusable) {
		pthread_mutex_lock(&p->mu);
		int kept = p->n < K8SA_LLM_POOL_IDLE;
		if (kept)
			p->idle[p->n++] = m;
		pthread_mutex_unlock(&p->mu);
		if (kept)
			return;
	}
	curl_multi_cleanup(m);
}

/* ------------------------------------------------------------------------------------------ */

K8SA_EXPORT k8sa_status k8sa_llm_new(k8sa_llm **out, k8sa_error *err)
{
	if (!out)
		return k8sa_fail(err, K8SA_E_INVALID_ARG, "k8sa_llm_new: out is NULL");
	*out = NULL;
	k8sa_llm *l = calloc(1, sizeof(*l));
	if (!l)
		return k8sa_fail(err, K8SA_E_NOMEM, "out of memory");
	l->url = strdup(K8SA_LLM_DEFAULT_URL);
	l->model = strdup(K8SA_LLM_DEFAULT_MODEL);
	l->pool = pool_new();
	if (!l->url || !l->model || !l->pool) {
		k8sa_llm_free(l);
		return k8sa_fail(err, K8SA_E_NOMEM, "out of memory");
	}
	l->backend = K8SA_LLM_OLLAMA;
	l->temperature = -1;
	l->seed = -1;
	l->connect_ms = K8SA_LLM_CONNECT_MS;
	l->first_token_ms = K8SA_LLM_FIRST_TOKEN_MS;
	l->total_ms = K8SA_LLM_TOTAL_MS;
	l->retries = K8SA_LLM_RETRIES;
	l->backoff_ms = K8SA_LLM_BACKOFF_MS;
	l->streaming = 1;
	*out = l;
	return K8SA_OK;
}

K8SA_EXPORT void k8sa_llm_free(k8sa_llm *llm)
{
	if (!llm)
		return;
	free(llm->url);
	free(llm->model);
	free(llm->api_key);
	free(llm->keep_alive);
	free(llm->proxy);
	pool_unref(llm->pool);
	free(llm);
}

k8sa_llm *llm_clone(const k8sa_llm *llm)
{
	k8sa_llm *c = malloc(sizeof(*c));
	if (!c)
		return NULL;
	*c = *llm;
	if (c->pool)
		atomic_fetch_add(&c->pool->refs, 1);
	c->url = k8sa_strdup0(llm->url);
	c->model = k8sa_strdup0(llm->model);
	c->api_key = k8sa_strdup0(llm->api_key);
	c->keep_alive = k8sa_strdup0(llm->keep_alive);
	c->proxy = k8sa_strdup0(llm->proxy);
	if (!c->url || !c->model || (llm->api_key && !c->api_key) || (llm->keep_alive && !c->keep_alive) ||
	    (llm->proxy && !c->proxy)) {
		k8sa_llm_free(c);
		return NULL;
	}
	return c;
}

/* Replace *dst by a copy of s (NULL or "" clears when allow_clear). */
static k8sa_status set_string(char **dst, const char *s, int allow_clear, const char *what,
			      k8sa_error *err)
{
	if (!s || !*s) {
		if (!allow_clear)
			return k8sa_fail(err, K8SA_E_INVALID_ARG, "%s must not be empty", what);
		free(*dst);
		*dst = NULL;
		return K8SA_OK;
	}
	char *d = strdup(s);
	if (!d)
		return k8sa_fail(err, K8SA_E_NOMEM, "out of memory");
	free(*dst);
	*dst = d;
	return K8SA_OK;
}

K8SA_EXPORT k8sa_status k8sa_llm_set_url(k8sa_llm *llm, const char *url, k8sa_error *err)
{
	if (!llm || !url)
		return k8sa_fail(err, K8SA_E_INVALID_ARG, "LLM URL is NULL");
	while (isspace((unsigned char)*url))
		url++;
	size_t n = strlen(url);
	while (n > 0 && (isspace((unsigned char)url[n - 1]) || url[n - 1] == '/'))
		n--;
	if (n == 0)
		return k8sa_fail(err, K8SA_E_INVALID_ARG, "LLM URL is empty");
	const char *sep = strstr(url, "://");
	if (sep && sep < url + n) {
		size_t sl = (size_t)(sep - url);
		if (!((sl == 4 && strncasecmp(url, "http", 4) == 0) ||
		      (sl == 5 && strncasecmp(url, "https", 5) == 0)))
			return k8sa_fail(err, K8SA_E_INVALID_ARG,
					 "LLM URL %.*s: only http:// and https:// are supported", (int)n, url);
		if (url + n == sep + 3)
			return k8sa_fail(err, K8SA_E_INVALID_ARG, "LLM URL %.*s has no host", (int)n, url);
	}
	char *d = malloc(n + 8);
	if (!d)
		return k8sa_fail(err, K8SA_E_NOMEM, "out of memory");
	snprintf(d, n + 8, "%s%.*s", (sep && sep < url + n) ? "" : "http://", (int)n, url);
	free(llm->url);
	llm->url = d;
	return K8SA_OK;
}

K8SA_EXPORT k8sa_status k8sa_llm_set_url_from_env(k8sa_llm *llm, int *found, k8sa_error *err)
{
	if (found)
		*found = 0;
	if (!llm)
		return k8sa_fail(err, K8SA_E_INVALID_ARG, "llm is NULL");
	const char *v = getenv("K8SA_LLM_URL");
	if (v && *v) {
		k8sa_status st = k8sa_llm_set_url(llm, v, err);
		if (st != K8SA_OK) {
			k8sa_error_prefix(err, "K8SA_LLM_URL: ");
			return st;
		}
		if (found)
			*found = 1;
		return K8SA_OK;
	}
	v = getenv("OLLAMA_HOST");
	if (!v || !*v)
		return K8SA_OK;
	while (isspace((unsigned char)*v))
		v++;
	/* As the ollama CLI: no scheme means http and port 11434 unless one is given. */
	char buf[1024];
	if (!strstr(v, "://")) {
		size_t n = strcspn(v, "/");
		const char *host_end = v + n;
		const char *port = NULL;
		if (v[0] == '[') { /* [v6]:port */
			const char *rb = memchr(v, ']', n);
			if (rb && rb + 1 < host_end && rb[1] == ':')
				port = rb + 1;
		} else {
			port = memchr(v, ':', n);
		}
		snprintf(buf, sizeof(buf), "http://%.*s%s%s", (int)n, v, port ? "" : ":11434", host_end);
		v = buf;
	}
	k8sa_status st = k8sa_llm_set_url(llm, v, err);
	if (st != K8SA_OK) {
		k8sa_error_prefix(err, "OLLAMA_HOST: ");
		return st;
	}
	if (found)
		*found = 1;
	return K8SA_OK;
}

K8SA_EXPORT const char *k8sa_llm_url(const k8sa_llm *llm)
{
	return llm ? llm->url : NULL;
}

K8SA_EXPORT k8sa_status k8sa_llm_set_backend(k8sa_llm *llm, k8sa_backend backend, k8sa_error *err)
{
	if (!llm || (backend != K8SA_LLM_OLLAMA && backend != K8SA_LLM_OPENAI))
		return k8sa_fail(err, K8SA_E_INVALID_ARG, "unknown LLM backend %d", (int)backend);
	llm->backend = backend;
	return K8SA_OK;
}

K8SA_EXPORT k8sa_status k8sa_llm_set_backend_name(k8sa_llm *llm, const char *name, k8sa_error *err)
{
	if (!llm || !name)
		return k8sa_fail(err, K8SA_E_INVALID_ARG, "LLM backend name is NULL");
	if (strcasecmp(name, "ollama") == 0)
		llm->backend = K8SA_LLM_OLLAMA;
	else if (strcasecmp(name, "openai") == 0 || strcasecmp(name, "llamacpp") == 0 ||
		 strcasecmp(name, "llama.cpp") == 0 || strcasecmp(name, "vllm") == 0)
		llm->backend = K8SA_LLM_OPENAI;
	else
		return k8sa_fail(err, K8SA_E_INVALID_ARG,
				 "unknown LLM backend '%s' (use ollama or openai)", name);
	return K8SA_OK;
}

K8SA_EXPORT k8sa_backend k8sa_llm_backend(const k8sa_llm *llm)
{
	return llm ? llm->backend : K8SA_LLM_OLLAMA;
}

K8SA_EXPORT const char *k8sa_backend_name(k8sa_backend backend)
{
	switch (backend) {
	case K8SA_LLM_OLLAMA:
		return "ollama";
	case K8SA_LLM_OPENAI:
		return "openai";
	}
	return "unknown";
}

K8SA_EXPORT k8sa_status k8sa_llm_set_model(k8sa_llm *llm, const char *model, k8sa_error *err)
{
	if (!llm)
		return k8sa_fail(err, K8SA_E_INVALID_ARG, "llm is NULL");
	return set_string(&llm->model, model, 0, "model name", err);
}

K8SA_EXPORT const char *k8sa_llm_model(const k8sa_llm *llm)
{
	return llm ? llm->model : NULL;
}

K8SA_EXPORT k8sa_status k8sa_llm_set_api_key(k8sa_llm *llm, const char *key, k8sa_error *err)
{
	if (!llm)
		return k8sa_fail(err, K8SA_E_INVALID_ARG, "llm is NULL");
	return set_string(&llm->api_key, key, 1, "API key", err);
}

K8SA_EXPORT k8sa_status k8sa_llm_set_proxy(k8sa_llm *llm, const char *url, k8sa_error *err)
{
	if (!llm)
		return k8sa_fail(err, K8SA_E_INVALID_ARG, "llm is NULL");
	k8sa_status st = k8sa_http_check_proxy(url, "LLM proxy", err);
	return st != K8SA_OK ? st : set_string(&llm->proxy, url, 1, "LLM proxy", err);
}

K8SA_EXPORT const char *k8sa_llm_get_proxy(const k8sa_llm *llm)
{
	return llm ? llm->proxy : NULL;
}

K8SA_EXPORT void k8sa_llm_set_temperature(k8sa_llm *llm, double temperature)
{
	if (llm)
		llm->temperature = temperature < 0 ? -1 : temperature;
}

K8SA_EXPORT void k8sa_llm_set_context_tokens(k8sa_llm *llm, long tokens)
{
	if (llm)
		llm->num_ctx = tokens > 0 ? tokens : 0;
}

K8SA_EXPORT void k8sa_llm_set_max_tokens(k8sa_llm *llm, long tokens)
{
	if (llm)
		llm->max_tokens = tokens > 0 ? tokens : 0;
}

K8SA_EXPORT void k8sa_llm_set_seed(k8sa_llm *llm, long seed)
{
	if (llm)
		llm->seed = seed < 0 ? -1 : seed;
}

K8SA_EXPORT k8sa_status k8sa_llm_set_keep_alive(k8sa_llm *llm, const char *keep_alive, k8sa_error *err)
{
	if (!llm)
		return k8sa_fail(err, K8SA_E_INVALID_ARG, "llm is NULL");
	return set_string(&llm->keep_alive, keep_alive, 1, "keep_alive", err);
}

K8SA_EXPORT void k8sa_llm_set_timeouts_ms(k8sa_llm *llm, long connect_ms, long first_token_ms,
					  long total_ms)
{
	if (!llm)
		return;
	if (connect_ms >= 0)
		llm->connect_ms = connect_ms;
	if (first_token_ms >= 0)
		llm->first_token_ms = first_token_ms;
	if (total_ms >= 0)
		llm->total_ms = total_ms;
}

K8SA_EXPORT void k8sa_llm_set_retries(k8sa_llm *llm, unsigned int count, long backoff_ms)
{
	if (!llm)
		return;
	llm->retries = count;
	llm->backoff_ms = backoff_ms > 0 ? backoff_ms : 0;
}

K8SA_EXPORT void k8sa_llm_set_streaming(k8sa_llm *llm, int on)
{
	if (llm)
		llm->streaming = on ? 1 : 0;
}

/* ------------------------------------------------------------------------------------------ */
/* Messages */

K8SA_EXPORT k8sa_status k8sa_messages_new(k8sa_messages **out, k8sa_error *err)
{
	if (!out)
		return k8sa_fail(err, K8SA_E_INVALID_ARG, "k8sa_messages_new: out is NULL");
	*out = calloc(1, sizeof(**out));
	return *out ? K8SA_OK : k8sa_fail(err, K8SA_E_NOMEM, "out of memory");
}

K8SA_EXPORT void k8sa_messages_free(k8sa_messages *msgs)
{
	if (!msgs)
		return;
	for (size_t i = 0; i < msgs->n; i++) {
		free(msgs->role[i]);
		free(msgs->content[i]);
	}
	free(msgs->role);
	free(msgs->content);
	free(msgs);
}

K8SA_EXPORT k8sa_status k8sa_messages_add(k8sa_messages *msgs, const char *role, const char *content,
					  k8sa_error *err)
{
	static const char *const roles[] = {"system", "user", "assistant", "tool"};
	if (!msgs || !role || !content)
		return k8sa_fail(err, K8SA_E_INVALID_ARG, "k8sa_messages_add: NULL argument");
	size_t r;
	for (r = 0; r < sizeof(roles) / sizeof(roles[0]); r++)
		if (strcmp(role, roles[r]) == 0)
			break;
	if (r == sizeof(roles) / sizeof(roles[0]))
		return k8sa_fail(err, K8SA_E_INVALID_ARG,
				 "unknown message role '%s' (use system, user, assistant or tool)", role);
	if (msgs->n == msgs->cap) {
		size_t cap = msgs->cap ? msgs->cap * 2 : 8;
		char **nr = realloc(msgs->role, cap * sizeof(*nr));
		if (!nr)
			return k8sa_fail(err, K8SA_E_NOMEM, "out of memory");
		msgs->role = nr;
		char **nc = realloc(msgs->content, cap * sizeof(*nc));
		if (!nc)
			return k8sa_fail(err, K8SA_E_NOMEM, "out of memory");
		msgs->content = nc;
		msgs->cap = cap;
	}
	char *rd = strdup(roles[r]), *cd = strdup(content);
	if (!rd || !cd) {
		free(rd);
		free(cd);
		return k8sa_fail(err, K8SA_E_NOMEM, "out of memory");
	}
	msgs->role[msgs->n] = rd;
	msgs->content[msgs->n] = cd;
	msgs->n++;
	return K8SA_OK;
}

K8SA_EXPORT size_t k8sa_messages_count(const k8sa_messages *msgs)
{
	return msgs ? msgs->n : 0;
}

K8SA_EXPORT const char *k8sa_messages_role(const k8sa_messages *msgs, size_t i)
{
	return msgs && i < msgs->n ? msgs->role[i] : NULL;
}

K8SA_EXPORT const char *k8sa_messages_content(const k8sa_messages *msgs, size_t i)
{
	return msgs && i < msgs->n ? msgs->content[i] : NULL;
}

static json_object *messages_json(const k8sa_messages *msgs)
{
	json_object *arr = json_object_new_array();
	for (size_t i = 0; arr && msgs && i < msgs->n; i++) {
		json_object *m = json_object_new_object();
		if (!m || json_object_array_add(arr, m) != 0) {
			json_object_put(m);
			json_object_put(arr);
			return NULL;
		}
		json_object_object_add(m, "role", json_object_new_string(msgs->role[i]));
		json_object_object_add(m, "content", json_object_new_string(msgs->content[i]));
	}
	return arr;
}

static char *json_dump(json_object *o)
{
	if (!o)
		return NULL;
	const char *s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
	return s ? strdup(s) : NULL;
}

K8SA_EXPORT k8sa_status k8sa_messages_to_json(const k8sa_messages *msgs, char **json, k8sa_error *err)
{
	if (!msgs || !json)
		return k8sa_fail(err, K8SA_E_INVALID_ARG, "k8sa_messages_to_json: NULL argument");
	json_object *arr = messages_json(msgs);
	*json = json_dump(arr);
	json_object_put(arr);
	return *json ? K8SA_OK : k8sa_fail(err, K8SA_E_NOMEM, "out of memory");
}

/* A double as JSON with the shortest text that reads back ("0.2", not 0.20000000000000001). */
static json_object *new_short_double(double v)
{
	char b[32];
	snprintf(b, sizeof(b), "%.15g", v);
	return json_object_new_double_s(v, b);
}

char *llm_build_request(const k8sa_llm *llm, const k8sa_messages *msgs)
{
	json_object *o = json_object_new_object();
	if (!o)
		return NULL;
	json_object_object_add(o, "model", json_object_new_string(llm->model));
	json_object_object_add(o, "messages", messages_json(msgs));
	json_object_object_add(o, "stream", json_object_new_boolean(llm->streaming));
	if (llm->backend == K8SA_LLM_OLLAMA) {
		json_object *opt = json_object_new_object();
		if (llm->temperature >= 0)
			json_object_object_add(opt, "temperature", new_short_double(llm->temperature));
		if (llm->num_ctx > 0)
			json_object_object_add(opt, "num_ctx", json_object_new_int64(llm->num_ctx));
		if (llm->max_tokens > 0)
			json_object_object_add(opt, "num_predict", json_object_new_int64(llm->max_tokens));
		if (llm->seed >= 0)
			json_object_object_add(opt, "seed", json_object_new_int64(llm->seed));
		if (json_object_object_length(opt) > 0)
			json_object_object_add(o, "options", opt);
		else
			json_object_put(opt);
		if (llm->keep_alive) {
			/* A number of seconds goes as a number, a duration ("5m") as a string. */
			char *end;
			long long secs = strtoll(llm->keep_alive, &end, 10);
			json_object_object_add(o, "keep_alive", *end == '\0'
								   ? json_object_new_int64(secs)
								   : json_object_new_string(llm->keep_alive));
		}
	} else {
		if (llm->streaming) {
			json_object *so = json_object_new_object();
			json_object_object_add(so, "include_usage", json_object_new_boolean(1));
			json_object_object_add(o, "stream_options", so);
		}
		if (llm->max_tokens > 0)
			json_object_object_add(o, "max_tokens", json_object_new_int64(llm->max_tokens));
		if (llm->temperature >= 0)
			json_object_object_add(o, "temperature", new_short_double(llm->temperature));
		if (llm->seed >= 0)
			json_object_object_add(o, "seed", json_object_new_int64(llm->seed));
	}
	char *s = json_dump(o);
	json_object_put(o);
	return s;
}

K8SA_EXPORT k8sa_status k8sa_llm_request_json(const k8sa_llm *llm, const k8sa_messages *msgs,
					      char **json, k8sa_error *err)
{
	if (!llm || !msgs || !json)
		return k8sa_fail(err, K8SA_E_INVALID_ARG, "k8sa_llm_request_json: NULL argument");
	*json = llm_build_request(llm, msgs);
	return *json ? K8SA_OK : k8sa_fail(err, K8SA_E_NOMEM, "out of memory");
}

char *llm_endpoint(const k8sa_llm *llm, const char *path)
{
	const char *base = llm->url;
	size_t bl = strlen(base);
	/* OpenAI-style base URLs often end in /v1 already. */
	if (llm->backend == K8SA_LLM_OPENAI && bl >= 3 && strcmp(base + bl - 3, "/v1") == 0 &&
	    strncmp(path, "/v1/", 4) == 0)
		path += 3;
	size_t n = bl + strlen(path) + 1;
	char *u = malloc(n);
	if (u)
		snprintf(u, n, "%s%s", base, path);
	return u;
}

/* ------------------------------------------------------------------------------------------ */
/* Transfers and errors */

CURL *llm_easy(const k8sa_llm *llm, long max_ms, char *errbuf)
{
	long total = llm->total_ms > 0 && llm->total_ms < max_ms ? llm->total_ms : max_ms;
	k8sa_http_conf conf = {
		.connect_ms = llm->connect_ms,
		.total_ms = max_ms > 0 ? total : 0,
		.proxy = llm->proxy,
		.errbuf = errbuf,
	};
	return k8sa_http_easy(&conf);
}

static const char *who(const k8sa_llm *llm)
{
	return llm->backend == K8SA_LLM_OLLAMA ? "Ollama" : "OpenAI-compatible server";
}

k8sa_status llm_connect_error(const k8sa_llm *llm, const char *why, k8sa_error *err)
{
	if (llm->proxy)
		return k8sa_fail(err, K8SA_E_TRANSPORT,
				 "cannot reach the model server (%s) at %s through the proxy %s: %s — check the "
				 "proxy setting",
				 who(llm), llm->url, llm->proxy, why);
	return k8sa_fail(err, K8SA_E_TRANSPORT,
			 "cannot reach the model server (%s) at %s: %s — is it running? Point to it with "
			 "OLLAMA_HOST, K8SA_LLM_URL or --llm-url",
			 who(llm), llm->url, why);
}

k8sa_status llm_http_error(const k8sa_llm *llm, long status, const char *body, size_t len,
			   k8sa_error *err)
{
	char *msg = llm_error_body_message(body, len);
	const char *m = msg ? msg : "no error message";
	k8sa_status code;
	int is_json = 0;
	for (size_t i = 0; i < len; i++) {
		if (body[i] == ' ' || body[i] == '\n' || body[i] == '\r' || body[i] == '\t')
			continue;
		is_json = body[i] == '{';
		break;
	}

	if (status == 404 && is_json && strstr(m, "model") && !strstr(m, "page not found")) {
		if (llm->backend == K8SA_LLM_OLLAMA)
			code = k8sa_fail_http(err, K8SA_E_MODEL_NOT_FOUND, (int)status,
					      "%s at %s: %s — run: ollama pull %s", who(llm), llm->url, m,
					      llm->model);
		else
			code = k8sa_fail_http(err, K8SA_E_MODEL_NOT_FOUND, (int)status,
					      "%s at %s: %s — check --model (GET %s/v1/models lists the "
					      "server's models)",
					      who(llm), llm->url, m, llm->url);
		free(msg);
		return code;
	}
	/* The statuses every client shares (http.c); a 5xx from a model server is the model's
	 * failure (K8SA_E_LLM), as llm.h documents. */
	code = k8sa_http_status(status);
	if (code == K8SA_E_SERVER)
		code = K8SA_E_LLM;
	if (code == K8SA_E_NOT_FOUND)
		k8sa_fail_http(err, code, (int)status,
			       "%s at %s: HTTP 404 %s — is this a%s server? Check --backend and --llm-url",
			       who(llm), llm->url, m,
			       llm->backend == K8SA_LLM_OLLAMA ? "n Ollama" : "n OpenAI-compatible");
	else if (status == 503)
		k8sa_fail_http(err, code, (int)status,
			       "%s at %s: HTTP 503 (model loading or server busy): %s", who(llm), llm->url, m);
	else
		k8sa_fail_http(err, code, (int)status, "%s at %s: HTTP %ld: %s", who(llm), llm->url,
			       status, m);
	free(msg);
	return code;
}

/* ------------------------------------------------------------------------------------------ */
/* Results */

void llm_result_init(k8sa_llm_result *r)
{
	memset(r, 0, sizeof(*r));
	r->prompt_tokens = r->answer_tokens = -1;
	r->total_ms = r->load_ms = r->prompt_eval_ms = r->eval_ms = -1;
	r->first_token_ms = -1;
	r->elapsed_ms = 0;
}

void llm_result_clear(k8sa_llm_result *r)
{
	k8sa_tbuf_release(&r->text);
	free(r->model);
	free(r->done_reason);
	llm_result_init(r);
}

K8SA_EXPORT void k8sa_llm_result_free(k8sa_llm_result *result)
{
	if (!result)
		return;
	llm_result_clear(result);
	free(result);
}

K8SA_EXPORT const char *k8sa_llm_result_text(const k8sa_llm_result *r)
{
	return r ? k8sa_tbuf_str(&r->text) : "";
}

K8SA_EXPORT size_t k8sa_llm_result_text_len(const k8sa_llm_result *r)
{
	return r ? r->text.len : 0;
}

/* The result's fields, each read through a NULL-safe getter that returns the value given last
 * when r is NULL. */
#define RESULT_FIELD(type, field, none) \
	K8SA_EXPORT type k8sa_llm_result_##field(const k8sa_llm_result *r) \
	{ \
		return r ? r->field : none; \
	}
RESULT_FIELD(const char *, model, NULL)
RESULT_FIELD(const char *, done_reason, NULL)
RESULT_FIELD(int, complete, 0)
RESULT_FIELD(long, prompt_tokens, -1)
RESULT_FIELD(long, answer_tokens, -1)
RESULT_FIELD(double, total_ms, -1)
RESULT_FIELD(double, load_ms, -1)
RESULT_FIELD(double, prompt_eval_ms, -1)
RESULT_FIELD(double, eval_ms, -1)
RESULT_FIELD(double, first_token_ms, -1)
RESULT_FIELD(double, elapsed_ms, 0)
RESULT_FIELD(int, attempts, 0)
#undef RESULT_FIELD

static json_object *num_or_null(double v, int is_int)
{
	if (v < 0)
		return NULL;
	if (is_int)
		return json_object_new_int64((int64_t)v);
	char b[32];
	snprintf(b, sizeof(b), "%.3f", v);
	return json_object_new_double_s(v, b);
}

K8SA_EXPORT k8sa_status k8sa_llm_result_to_json(const k8sa_llm_result *r, char **json, k8sa_error *err)
{
	if (!r || !json)
		return k8sa_fail(err, K8SA_E_INVALID_ARG, "k8sa_llm_result_to_json: NULL argument");
	json_object *o = json_object_new_object();
	if (!o)
		return k8sa_fail(err, K8SA_E_NOMEM, "out of memory");
	json_object_object_add(o, "model", r->model ? json_object_new_string(r->model) : NULL);
	json_object_object_add(o, "text", json_object_new_string_len(k8sa_llm_result_text(r),
								    (int)r->text.len));
	json_object_object_add(o, "complete", json_object_new_boolean(r->complete));
	json_object_object_add(o, "done_reason",
			       r->done_reason ? json_object_new_string(r->done_reason) : NULL);
	json_object_object_add(o, "prompt_tokens", num_or_null((double)r->prompt_tokens, 1));
	json_object_object_add(o, "answer_tokens", num_or_null((double)r->answer_tokens, 1));
	json_object_object_add(o, "total_ms", num_or_null(r->total_ms, 0));
	json_object_object_add(o, "load_ms", num_or_null(r->load_ms, 0));
	json_object_object_add(o, "prompt_eval_ms", num_or_null(r->prompt_eval_ms, 0));
	json_object_object_add(o, "eval_ms", num_or_null(r->eval_ms, 0));
	json_object_object_add(o, "first_token_ms", num_or_null(r->first_token_ms, 0));
	json_object_object_add(o, "elapsed_ms", num_or_null(r->elapsed_ms, 0));
	json_object_object_add(o, "attempts", json_object_new_int(r->attempts));
	*json = json_dump(o);
	json_object_put(o);
	return *json ? K8SA_OK : k8sa_fail(err, K8SA_E_NOMEM, "out of memory");
}

/* ------------------------------------------------------------------------------------------ */
/* Blocking chat on the pull stream */

K8SA_EXPORT k8sa_status k8sa_llm_chat_stream(const k8sa_llm *llm, const k8sa_messages *msgs,
					     k8sa_llm_chunk_cb on_chunk, void *userdata,
					     k8sa_llm_result **result, k8sa_error *err)
{
	if (result)
		*result = NULL;
	k8sa_llm_stream *s = NULL;
	k8sa_status st = k8sa_llm_chat_start(llm, msgs, &s, err);
	if (st != K8SA_OK)
		return st;
	for (;;) {
		const char *chunk = NULL;
		size_t len = 0;
		st = k8sa_llm_stream_next(s, &chunk, &len, err);
		if (st != K8SA_OK || !chunk)
			break;
		if (on_chunk && on_chunk(userdata, chunk, len) != 0) {
			k8sa_llm_stream_cancel(s);
			st = k8sa_fail(err, K8SA_E_CANCELLED,
				       "stopped by the chunk callback (partial answer kept)");
			break;
		}
	}
	if (result) {
		const k8sa_llm_result *r = k8sa_llm_stream_result(s);
		if (st == K8SA_OK || r->text.len > 0) {
			*result = llm_stream_take_result(s);
			if (!*result && st == K8SA_OK)
				st = k8sa_fail(err, K8SA_E_NOMEM, "out of memory");
		}
	}
	k8sa_llm_stream_free(s);
	return st;
}

K8SA_EXPORT k8sa_status k8sa_llm_chat(const k8sa_llm *llm, const k8sa_messages *msgs,
				      k8sa_llm_result **result, k8sa_error *err)
{
	if (!result)
		return k8sa_fail(err, K8SA_E_INVALID_ARG, "k8sa_llm_chat: result is NULL");
	return k8sa_llm_chat_stream(llm, msgs, NULL, NULL, result, err);
}

/* ------------------------------------------------------------------------------------------ */
/* Models */

static size_t collect(char *ptr, size_t sz, size_t nm, void *ud)
{
	k8sa_tbuf *b = ud;
	size_t n = sz * nm;
	if (b->len + n > K8SA_LLM_MAX_BODY || k8sa_tbuf_put(b, ptr, n) != 0)
		return 0;
	return n;
}

/* GET an endpoint; on success *body holds the 200 response. */
static k8sa_status llm_get(const k8sa_llm *llm, const char *path, k8sa_tbuf *body, k8sa_error *err)
{
	char *url = llm_endpoint(llm, path);
	struct curl_slist *hdr = NULL;
	char errbuf[CURL_ERROR_SIZE] = "";
	CURL *c = llm_easy(llm, K8SA_LLM_GET_MAX_MS, errbuf);
	k8sa_status st = K8SA_OK;
	if (!url || !c) {
		st = k8sa_fail(err, K8SA_E_NOMEM, "out of memory");
		goto out;
	}
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, body);
	if (llm->backend == K8SA_LLM_OPENAI && llm->api_key) {
		char h[1024];
		snprintf(h, sizeof(h), "Authorization: Bearer %s", llm->api_key);
		hdr = curl_slist_append(NULL, h);
		curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdr);
	}
	CURLcode rc = curl_easy_perform(c);
	long status = 0;
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	if (rc == CURLE_COULDNT_CONNECT || rc == CURLE_COULDNT_RESOLVE_HOST) {
		st = llm_connect_error(llm, errbuf[0] ? errbuf : curl_easy_strerror(rc), err);
	} else if (rc == CURLE_OPERATION_TIMEDOUT) {
		st = k8sa_fail(err, K8SA_E_TIMEOUT, "%s at %s: GET %s timed out: %s", who(llm), llm->url,
			       path, errbuf[0] ? errbuf : curl_easy_strerror(rc));
	} else if (rc != CURLE_OK) {
		st = k8sa_http_curl_fail(err, rc, errbuf, "%s at %s: GET %s", who(llm), llm->url, path);
	} else if (status != 200) {
		st = llm_http_error(llm, status, k8sa_tbuf_str(body), body->len, err);
		if (st == K8SA_E_MODEL_NOT_FOUND) /* a 404 here is the endpoint, not a model */
			st = k8sa_fail_http(err, K8SA_E_NOT_FOUND, (int)status,
					    "%s at %s: GET %s: HTTP 404 — check --backend and --llm-url",
					    who(llm), llm->url, path);
	}
out:
	curl_slist_free_all(hdr);
	if (c)
		curl_easy_cleanup(c);
	free(url);
	return st;
}

/* Names of the server's models as a JSON array (new reference). */
static k8sa_status model_names(const k8sa_llm *llm, json_object **names, k8sa_error *err)
{
	k8sa_tbuf body = {0};
	const char *path = llm->backend == K8SA_LLM_OLLAMA ? "/api/tags" : "/v1/models";
	k8sa_status st = llm_get(llm, path, &body, err);
	*names = NULL;
	if (st != K8SA_OK) {
		k8sa_tbuf_release(&body);
		return st;
	}
	json_object *o = json_tokener_parse(k8sa_tbuf_str(&body));
	json_object *list = NULL, *arr = json_object_new_array();
	const char *key = llm->backend == K8SA_LLM_OLLAMA ? "models" : "data";
	const char *field = llm->backend == K8SA_LLM_OLLAMA ? "name" : "id";
	if (!o || !json_object_object_get_ex(o, key, &list) || !json_object_is_type(list, json_type_array)) {
		st = k8sa_fail(err, K8SA_E_PROTOCOL, "%s at %s: GET %s: no \"%s\" list in the answer",
			       who(llm), llm->url, path, key);
	} else {
		size_t n = json_object_array_length(list);
		for (size_t i = 0; i < n; i++) {
			json_object *m = json_object_array_get_idx(list, i), *v = NULL;
			if (!json_object_object_get_ex(m, field, &v) &&
			    !json_object_object_get_ex(m, "model", &v))
				continue;
			if (json_object_is_type(v, json_type_string))
				json_object_array_add(arr, json_object_get(v));
		}
	}
	json_object_put(o);
	k8sa_tbuf_release(&body);
	if (st != K8SA_OK) {
		json_object_put(arr);
		return st;
	}
	*names = arr;
	return K8SA_OK;
}

K8SA_EXPORT k8sa_status k8sa_llm_list_models(const k8sa_llm *llm, char **json, k8sa_error *err)
{
	if (!llm || !json)
		return k8sa_fail(err, K8SA_E_INVALID_ARG, "k8sa_llm_list_models: NULL argument");
	*json = NULL;
	json_object *arr;
	k8sa_status st = model_names(llm, &arr, err);
	if (st != K8SA_OK)
		return st;
	*json = json_dump(arr);
	json_object_put(arr);
	return *json ? K8SA_OK : k8sa_fail(err, K8SA_E_NOMEM, "out of memory");
}

/* "mistral" and "mistral:latest" name the same Ollama model. */
static int same_model(const char *a, const char *b)
{
	size_t la = strcspn(a, ":"), lb = strcspn(b, ":");
	const char *ta = a[la] ? a + la + 1 : "latest", *tb = b[lb] ? b + lb + 1 : "latest";
	return la == lb && strncmp(a, b, la) == 0 && strcmp(ta, tb) == 0;
}

K8SA_EXPORT k8sa_status k8sa_llm_check_model(const k8sa_llm *llm, k8sa_error *err)
{
	if (!llm)
		return k8sa_fail(err, K8SA_E_INVALID_ARG, "llm is NULL");
	json_object *arr;
	k8sa_status st = model_names(llm, &arr, err);
	if (st != K8SA_OK)
		return st;
	size_t n = json_object_array_length(arr);
	for (size_t i = 0; i < n; i++) {
		if (same_model(llm->model, json_object_get_string(json_object_array_get_idx(arr, i)))) {
			json_object_put(arr);
			return K8SA_OK;
		}
	}
	if (llm->backend == K8SA_LLM_OLLAMA) {
		st = k8sa_fail(err, K8SA_E_MODEL_NOT_FOUND,
			       "Ollama at %s has no model '%s' — run: ollama pull %s", llm->url,
			       llm->model, llm->model);
	} else {
		st = k8sa_fail(err, K8SA_E_MODEL_NOT_FOUND,
			       "OpenAI-compatible server at %s has no model '%s' — it has: %s", llm->url,
			       llm->model, n ? json_object_to_json_string_ext(arr, JSON_C_TO_STRING_PLAIN) : "none");
	}
	json_object_put(arr);
	return st;
}
