/* SPDX-License-Identifier: MIT */
/* k8sagentd routes: request validation and the mapping of HTTP onto the agent API. Everything
 * a request names (namespace, question) is checked here before the library is asked to touch
 * the Kubernetes API or the model. */
#include "k8sagentd.h"
#include "k8sagentd_request.h"

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

static const struct {
	const char *path;
	kd_route route;
	const char *allow;
	int auth;  /* needs the bearer token when one is configured */
} routes[] = {
	{"/health", KD_R_HEALTH, "GET, HEAD", 0},
	{"/healthz", KD_R_HEALTHZ, "GET, HEAD", 0},
	{"/readyz", KD_R_READYZ, "GET, HEAD", 0},
	{"/metrics", KD_R_METRICS, "GET, HEAD", 0},
	{"/openapi.json", KD_R_OPENAPI, "GET, HEAD", 0},
	{"/models", KD_R_MODELS, "GET, HEAD", 1},
	{"/api/models", KD_R_MODELS, "GET, HEAD", 1},
	{"/api/namespaces", KD_R_NAMESPACES, "GET, HEAD", 1},
	{"/api/findings", KD_R_FINDINGS, "GET, HEAD", 1},
	{"/ask", KD_R_ASK, "POST", 1},
	{"/diagnose", KD_R_DIAGNOSE, "POST", 1},
	{"/api/ask", KD_R_ASK, "POST", 1},
	{"/api/diagnose", KD_R_DIAGNOSE, "POST", 1},
	{"/investigate", KD_R_INVESTIGATE, "POST", 1},
	{"/api/investigate", KD_R_INVESTIGATE, "POST", 1},
	{"/mcp", KD_R_MCP, "POST, GET, DELETE", 1},
};

const char *kd_route_label(kd_route r)
{
	static const char *const names[KD_R_COUNT] = {
		"ui", "/health", "/healthz", "/readyz", "/metrics", "/openapi.json", "/models",
		"/api/namespaces", "/api/findings", "/ask", "/diagnose", "/investigate", "/mcp", "other"};
	return (unsigned)r < KD_R_COUNT ? names[r] : "other";
}

static int route_auth(kd_route r)
{
	for (size_t i = 0; i < sizeof routes / sizeof *routes; i++)
		if (routes[i].route == r)
			return routes[i].auth;
	return 0;
}

const char *kd_route_allow(const char *path, kd_route *route)
{
	for (size_t i = 0; i < sizeof routes / sizeof *routes; i++)
		if (strcmp(path, routes[i].path) == 0) {
			*route = routes[i].route;
			return routes[i].allow;
		}
	if (strcmp(path, "/") == 0 || (kd_asset_find(path) && strcmp(path, "/openapi.json") != 0)) {
		*route = KD_R_UI;
		return "GET, HEAD";
	}
	*route = KD_R_OTHER;
	return NULL;
}

/* ---- helpers ------------------------------------------------------------------------------ */
static enum MHD_Result send_json_obj(struct MHD_Connection *c, kd_req *req, int status, json_object *o)
{
	size_t len = 0;
	const char *s = json_object_to_json_string_length(o, JSON_C_TO_STRING_PLAIN |
							   JSON_C_TO_STRING_NOSLASHESCAPE, &len);
	char *body = malloc(len + 2);
	enum MHD_Result ret = MHD_NO;
	if (body) {
		memcpy(body, s, len);
		body[len] = '\n';
		ret = kd_send(c, req, status, "application/json", body, len + 1);
		free(body);
	}
	json_object_put(o);
	return ret;
}

/* HTTP status for a failed agent call. */
static int status_for(k8sa_status st)
{
	switch (st) {
	case K8SA_E_INVALID_ARG: return 400;
	case K8SA_E_NOT_FOUND: return 404;
	case K8SA_E_LIMIT: return 413;
	case K8SA_E_CANCELLED: return 499;
	case K8SA_E_CONFIG:
	case K8SA_E_UNSUPPORTED: return 503;
	case K8SA_E_TIMEOUT: return 504;
	case K8SA_E_NOMEM:
	case K8SA_E_INTERNAL: return 500;
	default: return 502; /* the Kubernetes API or the model server failed us */
	}
}

static int is_kube_failure(k8sa_status st)
{
	return st == K8SA_E_TRANSPORT || st == K8SA_E_TLS || st == K8SA_E_TIMEOUT ||
	       st == K8SA_E_UNAUTHORIZED || st == K8SA_E_FORBIDDEN || st == K8SA_E_NOT_FOUND ||
	       st == K8SA_E_SERVER || st == K8SA_E_HTTP || st == K8SA_E_PROTOCOL ||
	       st == K8SA_E_TOO_MANY_REQUESTS || st == K8SA_E_GONE || st == K8SA_E_BAD_REQUEST;
}

static enum MHD_Result send_agent_error(struct MHD_Connection *c, kd_req *req, k8sa_status st,
					const k8sa_error *err, int kube)
{
	if (kube && is_kube_failure(st)) {
		char code[16];
		snprintf(code, sizeof code, "%d", err->http_status);
		kd_metrics_kube_error(err->http_status ? code : k8sa_strerror(st));
	}
	return kd_send_error(c, req, status_for(st), "%s: %s", k8sa_strerror(st),
			     err->message[0] ? err->message : "failed");
}

/* The namespace checks every route runs before the library touches the API: a valid
 * DNS-1123 label (no "../secrets", "a/b", NUL or 10 KB names), then the allowlist. */
static enum MHD_Result check_namespace(struct MHD_Connection *c, kd_req *req, const char *ns,
				       size_t len, int *ok)
{
	char msg[256];
	*ok = 0;
	int rc = kd_namespace_check(ns, len, msg, sizeof msg);
	if (rc)
		return kd_send_error(c, req, rc, "%s", msg);
	if (!kd_namespace_allowed(ns))
		return kd_send_error(c, req, 403, "namespace %s is not in the allowed list (K8SA_NAMESPACES)", ns);
	if (!kd_have_kubeconfig(NULL)) {
		const char *why;
		kd_have_kubeconfig(&why);
		return kd_send_error(c, req, 503, "no Kubernetes configuration: %s", why);
	}
	*ok = 1;
	return MHD_YES;
}

/* ---- simple routes ------------------------------------------------------------------------ */
static enum MHD_Result r_health(struct MHD_Connection *c, kd_req *req)
{
	json_object *o = json_object_new_object();
	json_object_object_add(o, "status", json_object_new_string("ok"));
	json_object_object_add(o, "k8s_api_available", json_object_new_boolean(kd_probe_kube(NULL, 0)));
	json_object_object_add(o, "version", json_object_new_string(k8sa_version()));
	return send_json_obj(c, req, 200, o);
}

static enum MHD_Result r_healthz(struct MHD_Connection *c, kd_req *req)
{
	static const char body[] = "{\"status\":\"ok\"}\n";
	return kd_send(c, req, 200, "application/json", body, sizeof body - 1);
}

/* Ready = the Kubernetes API answers: findings need no model, and a model still loading (Ollama
 * pulling it) must not take the Service's endpoints away. The model's state is in the body
 * and in k8sagentd_model_up. */
static enum MHD_Result r_readyz(struct MHD_Connection *c, kd_req *req)
{
	char kwhy[256], lwhy[256];
	int k = kd_probe_kube(kwhy, sizeof kwhy), l = kd_probe_llm(lwhy, sizeof lwhy);
	json_object *o = json_object_new_object();
	json_object_object_add(o, "status", json_object_new_string(k ? "ready" : "not ready"));
	json_object_object_add(o, "kubernetes", json_object_new_string(k ? "ok" : kwhy));
	json_object_object_add(o, "llm", json_object_new_string(l ? "ok" : lwhy));
	json_object_object_add(o, "model_ready", json_object_new_boolean(l));
	json_object_object_add(o, "model", json_object_new_string(kd_cfg.model ? kd_cfg.model : ""));
	if (!k) {
		char msg[600];
		snprintf(msg, sizeof msg, "Kubernetes API unreachable: %s", kwhy);
		json_object_object_add(o, "error", json_object_new_string(msg));
		json_object_object_add(o, "code", json_object_new_int(503));
	}
	return send_json_obj(c, req, k ? 200 : 503, o);
}

static enum MHD_Result r_metrics(struct MHD_Connection *c, kd_req *req)
{
	size_t len = 0;
	char *text = kd_metrics_render(&len);
	if (!text)
		return kd_send_error(c, req, 500, "out of memory");
	enum MHD_Result ret = kd_send(c, req, 200, "text/plain; version=0.0.4; charset=utf-8", text, len);
	free(text);
	return ret;
}

static enum MHD_Result r_asset(struct MHD_Connection *c, kd_req *req, const char *path)
{
	const kd_asset *a = kd_asset_find(strcmp(path, "/") == 0 ? "/index.html" : path);
	if (!a)
		return kd_send_error(c, req, 404, "not found");
	struct MHD_Response *r = MHD_create_response_from_buffer(a->len, (void *)(uintptr_t)a->data,
								 MHD_RESPMEM_PERSISTENT);
	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, a->content_type);
	MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(r, "Cache-Control", "no-cache");
	/* The answer text is untrusted (model output quoting cluster data): no inline script, no
	 * outside origin, nothing framed. */
	MHD_add_response_header(r, "Content-Security-Policy",
				"default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
				"connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'");
	MHD_add_response_header(r, "Referrer-Policy", "no-referrer");
	enum MHD_Result ret = MHD_queue_response(c, 200, r);
	MHD_destroy_response(r);
	if (ret == MHD_YES) {
		req->status = 200;
		req->bytes = a->len;
	}
	return ret;
}

static enum MHD_Result r_models(struct MHD_Connection *c, kd_req *req)
{
	k8sa_error err = {0};
	char *models = kd_models_json(&err);
	if (!models)
		return send_agent_error(c, req, err.code ? err.code : K8SA_E_LLM, &err, 0);
	json_object *o = json_object_new_object(), *arr = json_tokener_parse(models);
	free(models);
	json_object_object_add(o, "models", arr ? arr : json_object_new_array());
	json_object_object_add(o, "model", json_object_new_string(kd_cfg.model));
	json_object_object_add(o, "backend", json_object_new_string(kd_cfg.backend));
	json_object_object_add(o, "llm_url", json_object_new_string(kd_cfg.llm_url));
	return send_json_obj(c, req, 200, o);
}

static enum MHD_Result r_namespaces(struct MHD_Connection *c, kd_req *req)
{
	k8sa_error err = {0};
	if (!kd_have_kubeconfig(NULL)) {
		const char *why;
		kd_have_kubeconfig(&why);
		return kd_send_error(c, req, 503, "no Kubernetes configuration: %s", why);
	}
	char *names = kd_namespaces_json(&err);
	json_object *all = names ? json_tokener_parse(names) : NULL;
	free(names);
	json_object *o = json_object_new_object(), *arr = json_object_new_array();
	if (all) {
		for (size_t i = 0; i < json_object_array_length(all); i++) {
			json_object *n = json_object_array_get_idx(all, i);
			if (kd_namespace_allowed(json_object_get_string(n)))
				json_object_array_add(arr, json_object_get(n));
		}
	} else if (kd_cfg.allow_ns) {
		/* Listing namespaces may be forbidden by RBAC: the allowlist still names them. */
		for (char **p = kd_cfg.allow_ns; *p; p++)
			json_object_array_add(arr, json_object_new_string(*p));
	} else {
		json_object_put(o);
		json_object_put(arr);
		return send_agent_error(c, req, err.code ? err.code : K8SA_E_INTERNAL, &err, 1);
	}
	json_object_put(all);
	json_object_object_add(o, "namespaces", arr);
	json_object_object_add(o, "default", json_object_new_string(kd_default_namespace()));
	return send_json_obj(c, req, 200, o);
}

static json_object *parse_or_null(const char *s)
{
	return s ? json_tokener_parse(s) : NULL;
}

/* A snapshot permit could not be had: answer, or drop the connection of a client that left. */
static enum MHD_Result send_snapshot_error(struct MHD_Connection *c, kd_req *req, int rc)
{
	if (rc == -4) {
		kd_log(KD_LOG_DEBUG, "client left before its snapshot: not reading the cluster");
		return MHD_NO;
	}
	if (rc == -3)
		return kd_send_error(c, req, 503, "shutting down");
	static const char *const h[] = {MHD_HTTP_HEADER_RETRY_AFTER, "2", NULL};
	return kd_send_error_h(c, req, 429, h, "too many requests: waited too long for a snapshot slot (--max-snapshots)");
}

static double mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* The analyzers' findings for a checked namespace (no model): the agent's snapshot, then the
 * analyzers, timed apart for the metrics and the response. */
static enum MHD_Result findings_answer(struct MHD_Connection *c, kd_req *req, const char *ns, int scan_logs)
{
	k8sa_error err = {0};
	int rc = kd_snapshot_acquire(c);
	if (rc)
		return send_snapshot_error(c, req, rc);
	k8sa_agent *agent = kd_agent_acquire(&err);
	if (!agent) {
		kd_snapshot_release();
		return send_agent_error(c, req, K8SA_E_INTERNAL, &err, 0);
	}
	k8sa_snapshot *snap = NULL;
	k8sa_findings *f = NULL;
	char *json = NULL, *gaps = NULL;
	double t0 = mono_ms();
	/* the request's scan_logs, for this call only (the agent goes back to the pool as it was) */
	int scan_was = k8sa_agent_scan_logs(agent);
	if (scan_logs >= 0)
		k8sa_agent_set_scan_logs(agent, scan_logs, NULL);
	k8sa_status st = k8sa_agent_snapshot(agent, ns, &snap, &err);
	k8sa_agent_set_scan_logs(agent, scan_was, NULL);
	kd_agent_release(agent);
	if (st == K8SA_OK && kd_client_gone(c)) {
		/* Nobody to tell: skip the analyzers too. */
		k8sa_snapshot_free(snap);
		kd_snapshot_release();
		return MHD_NO;
	}
	if (st != K8SA_OK) {
		kd_snapshot_release();
		return send_agent_error(c, req, st, &err, 1);
	}
	double t1 = mono_ms();
	st = k8sa_analyze(snap, &f, &err);
	double t2 = mono_ms();
	if (st == K8SA_OK)
		st = k8sa_findings_to_json(f, &json, &err);
	if (st == K8SA_OK)
		st = k8sa_snapshot_gaps_json(snap, &gaps, &err);
	k8sa_findings_free(f);
	k8sa_snapshot_free(snap);
	kd_snapshot_release(); /* the snapshot's memory is gone only now */
	if (st != K8SA_OK) {
		k8sa_free(json);
		return send_agent_error(c, req, st, &err, 0);
	}
	kd_metrics_snapshot((t1 - t0) / 1000.0);
	kd_metrics_gaps(gaps);
	k8sa_free(gaps);
	/* The findings JSON carries the snapshot's gaps itself. */
	json_object *o = parse_or_null(json);
	k8sa_free(json);
	if (!o || !json_object_is_type(o, json_type_object)) {
		json_object_put(o);
		snprintf(err.message, sizeof err.message, "the findings are not a JSON object");
		return send_agent_error(c, req, K8SA_E_INTERNAL, &err, 0);
	}
	json_object *t = json_object_new_object();
	if (t) {
		json_object_object_add(t, "snapshot_ms", json_object_new_double(t1 - t0));
		json_object_object_add(t, "analyze_ms", json_object_new_double(t2 - t1));
		json_object_object_add(o, "timings", t);
	}
	return send_json_obj(c, req, 200, o);
}

static enum MHD_Result r_findings(struct MHD_Connection *c, kd_req *req)
{
	char msg[256], *arg = NULL;
	size_t len = 0;
	int rc = kd_query_arg(req->query, "namespace", &arg, &len, msg, sizeof msg);
	if (rc > 1)
		return kd_send_error(c, req, rc, "%s", msg);
	const char *ns = arg ? arg : kd_default_namespace();
	char *scan = NULL;
	size_t slen = 0;
	int scan_logs = -1;
	rc = kd_query_arg(req->query, "scan_logs", &scan, &slen, msg, sizeof msg);
	if (rc > 1) {
		free(arg);
		return kd_send_error(c, req, rc, "%s", msg);
	}
	if (scan) {
		scan_logs = !strcmp(scan, "true") || !strcmp(scan, "1") ? 1 : !strcmp(scan, "false") || !strcmp(scan, "0") ? 0 : -2;
		free(scan);
		if (scan_logs == -2) {
			free(arg);
			return kd_send_error(c, req, 400, "'scan_logs' must be true or false");
		}
	}
	int ok;
	enum MHD_Result ret;
	if (arg && len == 1 && arg[0] == '*') {
		/* every namespace: only when no allowlist limits what may be read */
		if (kd_cfg.allow_ns) {
			free(arg);
			return kd_send_error(c, req, 403, "namespace=* (every namespace) is refused while "
					     "K8SA_NAMESPACES limits the namespaces");
		}
		ret = check_namespace(c, req, "default", strlen("default"), &ok);
	} else {
		ret = check_namespace(c, req, ns, arg ? len : strlen(ns), &ok);
	}
	if (!ok) {
		free(arg);
		return ret;
	}
	ret = findings_answer(c, req, ns, scan_logs);
	free(arg);
	return ret;
}

/* ---- /ask and /diagnose ------------------------------------------------------------------- */
static int wants_sse(struct MHD_Connection *c)
{
	const char *accept = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_ACCEPT);
	return accept && strstr(accept, "text/event-stream") != NULL;
}

static enum MHD_Result send_slot_error(struct MHD_Connection *c, kd_req *req, int rc)
{
	if (rc == -3)
		return kd_send_error(c, req, 503, "shutting down");
	static const char *const h[] = {MHD_HTTP_HEADER_RETRY_AFTER, "2", NULL};
	return kd_send_error_h(c, req, 429, h,
			       rc == -1 ? "too many requests: all model slots and the queue are busy"
					: "too many requests: waited too long for a model slot");
}

/* Answer JSON with "cached" set (the body of a blocking /diagnose). */
static enum MHD_Result send_answer_json(struct MHD_Connection *c, kd_req *req, int status,
					const char *answer_json, int cached)
{
	json_object *o = parse_or_null(answer_json);
	if (!o)
		return kd_send_error(c, req, 500, "internal error: unreadable answer");
	json_object_object_add(o, "cached", json_object_new_boolean(cached));
	if (!json_object_object_get_ex(o, "truncated", NULL))
		json_object_object_add(o, "truncated", json_object_new_boolean(0));
	/* The original API always had "context" (null for ask): clients index it. */
	if (!json_object_object_get_ex(o, "context", NULL))
		json_object_object_add(o, "context", NULL);
	return send_json_obj(c, req, status, o);
}

static enum MHD_Result r_model_call(struct MHD_Connection *c, kd_req *req, int diagnose)
{
	char msg[256];
	kd_body b;
	int rc = kd_body_parse(req->body, req->body_len, !diagnose, kd_cfg.max_question, &b, msg, sizeof msg);
	if (rc) {
		kd_body_clear(&b);
		return kd_send_error(c, req, rc, "%s", msg);
	}
	if (b.question)
		req->log_question = strdup(b.question);

	int stream = b.stream || wants_sse(c);
	const char *ns = b.ns ? b.ns : kd_default_namespace();
	enum MHD_Result ret;
	if (diagnose) {
		int ok;
		ret = check_namespace(c, req, ns, b.ns ? b.ns_len : strlen(ns), &ok);
		if (!ok)
			goto out;
	}
	rc = kd_slot_acquire();
	if (rc) {
		ret = send_slot_error(c, req, rc);
		goto out;
	}
	k8sa_error err = {0};
	k8sa_agent *agent = kd_agent_acquire(&err);
	if (!agent) {
		kd_slot_release();
		ret = send_agent_error(c, req, K8SA_E_INTERNAL, &err, 0);
		goto out;
	}
	k8sa_answer_stream *s = NULL;
	k8sa_status st;
	if (diagnose) {
		/* The snapshot is bounded like /api/findings', and skipped for a client that left. */
		rc = kd_snapshot_acquire(c);
		if (rc) {
			kd_agent_release(agent);
			kd_slot_release();
			ret = send_snapshot_error(c, req, rc);
			goto out;
		}
		/* the request's scan_logs for this call only (the agent goes back to the pool as it was) */
		int scan_was = k8sa_agent_scan_logs(agent);
		if (b.scan_logs >= 0)
			k8sa_agent_set_scan_logs(agent, b.scan_logs, NULL);
		st = k8sa_agent_diagnose_start(agent, ns, b.question, &s, &err);
		k8sa_agent_set_scan_logs(agent, scan_was, NULL); /* the snapshot is taken by now */
		kd_snapshot_release();
	} else {
		st = k8sa_agent_ask_start(agent, b.question, &s, &err);
	}
	if (st != K8SA_OK) {
		kd_agent_release(agent);
		kd_slot_release();
		ret = send_agent_error(c, req, st, &err, diagnose);
		goto out;
	}
	const k8sa_answer *a = k8sa_answer_stream_answer(s);
	char key[65] = "";
	if (diagnose && kd_cfg.cache_ttl > 0 && !b.no_cache) {
		/* The exact request body (model, messages, num_ctx, temperature, seed, max tokens)
		 * when the model was called, else the messages. */
		const char *sent = k8sa_answer_request_json(a);
		kd_cache_key(ns, b.question, sent ? sent : k8sa_answer_messages_json(a), key);
		char *hit = kd_cache_get(key);
		if (hit) {
			kd_metrics_answer(a); /* the snapshot did run */
			k8sa_answer_stream_free(s);
			kd_agent_release(agent);
			kd_slot_release();
			ret = stream ? kd_sse_respond_cached(c, req, hit) : send_answer_json(c, req, 200, hit, 1);
			free(hit);
			goto out;
		}
	}
	if (stream) {
		ret = kd_sse_respond(c, req, s, agent, diagnose, key[0] ? key : NULL);
		goto out;
	}
	int truncated = 0;
	kd_stream_drain(c, s, &err, &truncated);
	kd_metrics_answer(a);
	char *json = NULL;
	k8sa_answer_to_json(a, &json, NULL);
	int status = 200;
	if (!diagnose && !k8sa_answer_text(a))
		status = status_for(k8sa_answer_llm_status(a) ? k8sa_answer_llm_status(a) : K8SA_E_LLM);
	if (json && key[0] && !truncated && k8sa_answer_llm_status(a) == K8SA_OK && k8sa_answer_text(a))
		kd_cache_put(key, json);
	if (json && truncated) {
		/* Cut at --max-answer, with a note; never cached. */
		json_object *o = parse_or_null(json);
		k8sa_free(json);
		json = NULL;
		if (o) {
			kd_answer_cut(o);
			json = strdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
								     JSON_C_TO_STRING_NOSLASHESCAPE));
			json_object_put(o);
		}
		status = 200;
	}
	k8sa_answer_stream_free(s);
	kd_agent_release(agent);
	kd_slot_release();
	if (!json) {
		ret = kd_send_error(c, req, 500, "out of memory");
		goto out;
	}
	if (status != 200) {
		/* /ask with no answer: an error body that still carries the answer's fields. */
		json_object *o = parse_or_null(json);
		if (o) {
			json_object *e;
			const char *m = json_object_object_get_ex(o, "llm_error", &e) ? json_object_get_string(e) : NULL;
			json_object_object_add(o, "error", json_object_new_string(m ? m : "the model gave no answer"));
			json_object_object_add(o, "code", json_object_new_int(status));
			ret = send_json_obj(c, req, status, o);
		} else {
			ret = kd_send_error(c, req, status, "the model gave no answer");
		}
	} else {
		ret = send_answer_json(c, req, 200, json, 0);
	}
	if (truncated)
		free(json);
	else
		k8sa_free(json);
out:
	kd_body_clear(&b);
	return ret;
}

/* ---- cross-site requests and DNS rebinding ------------------------------------------------ */
/* Routes anyone may reach under any Host: the kubelet's probes and Prometheus use the pod IP. */
static int host_exempt(kd_route r)
{
	return r == KD_R_HEALTH || r == KD_R_HEALTHZ || r == KD_R_READYZ || r == KD_R_METRICS;
}

/* Length of the host part of "host[:port]" / "[v6]:port", and where the port starts (or NULL). */
static size_t split_host(const char *hp, const char **port)
{
	*port = NULL;
	if (hp[0] == '[') {
		const char *rb = strchr(hp, ']');
		if (!rb)
			return strlen(hp);
		if (rb[1] == ':')
			*port = rb + 2;
		return (size_t)(rb - hp + 1);
	}
	const char *colon = strrchr(hp, ':');
	if (colon)
		*port = colon + 1;
	return colon ? (size_t)(colon - hp) : strlen(hp);
}

/* 1 when the Host header is in --allowed-hosts: an entry "name" allows any port, "name:port"
 * only that one; compared without case. No list: any Host. */
static int kd_host_allowed(const char *host)
{
	if (!kd_cfg.allowed_hosts)
		return 1;
	if (!host || !*host)
		return 0;
	const char *hport, *eport;
	size_t hl = split_host(host, &hport);
	for (char **p = kd_cfg.allowed_hosts; *p; p++) {
		size_t el = split_host(*p, &eport);
		if (el != hl || strncasecmp(*p, host, hl) != 0)
			continue;
		if (!eport || (hport && strcmp(eport, hport) == 0))
			return 1;
	}
	return 0;
}

/* A browser names the page that sent a request in Origin (every cross-origin request, every
 * POST) and Sec-Fetch-Site. Same origin = Origin's host[:port] equals Host. */
static int same_origin(const char *origin, const char *host)
{
	const char *sep = origin ? strstr(origin, "://") : NULL;
	if (!sep || !host)
		return 0;
	const char *o = sep + 3;
	size_t ol = strlen(o), hl = strlen(host);
	/* Default ports: "http://h" is "h:80" as a Host. */
	int https = strncasecmp(origin, "https://", 8) == 0;
	const char *dflt = https ? ":443" : ":80";
	if (hl > strlen(dflt) && strcmp(host + hl - strlen(dflt), dflt) == 0 && !strchr(o, ':'))
		hl -= strlen(dflt);
	return ol == hl && strncasecmp(o, host, hl) == 0;
}

/* Content-Type application/json (parameters such as charset allowed). An HTML form can only
 * send text/plain, urlencoded or multipart, and fetch() without CORS the same: requiring JSON
 * makes a cross-site POST preflighted, which this service never approves. */
static int is_json_type(const char *ct)
{
	if (!ct)
		return 0;
	while (*ct == ' ' || *ct == '\t')
		ct++;
	size_t n = strlen("application/json");
	if (strncasecmp(ct, "application/json", n) != 0)
		return 0;
	ct += n;
	while (*ct == ' ' || *ct == '\t')
		ct++;
	return *ct == '\0' || *ct == ';';
}

/* 0 when the request may go on, else the status queued (403/415). */
static int cross_site_check(struct MHD_Connection *c, kd_req *req, kd_route r, enum MHD_Result *ret)
{
	const char *host = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_HOST);
	if (!host_exempt(r) && !kd_host_allowed(host)) {
		*ret = kd_send_error(c, req, 403, "Host %.200s is not allowed (--allowed-hosts)", host ? host : "(none)");
		return 403;
	}
	if (!route_auth(r))
		return 0; /* the UI's files and the open routes */
	const char *origin = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Origin");
	const char *site = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Sec-Fetch-Site");
	if ((origin && !same_origin(origin, host)) || (site && strcasecmp(site, "cross-site") == 0)) {
		*ret = kd_send_error(c, req, 403, "cross-origin request refused (Origin %.200s, Host %.200s)",
				     origin ? origin : "(none)", host ? host : "(none)");
		return 403;
	}
	if (strcmp(req->method, "POST") == 0 &&
	    !is_json_type(MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE))) {
		*ret = kd_send_error(c, req, 415, "Content-Type must be application/json");
		return 415;
	}
	return 0;
}

enum MHD_Result kd_dispatch(struct MHD_Connection *c, kd_req *req)
{
	kd_route r;
	const char *allow = kd_route_allow(req->path, &r);
	req->route = r;
	if (!allow)
		return kd_send_error(c, req, 404, "no such route: %s (see /openapi.json)", req->path);
	if (!kd_method_allowed(allow, req->method)) {
		const char *h[] = {MHD_HTTP_HEADER_ALLOW, allow, NULL};
		char msg[128];
		snprintf(msg, sizeof msg, "method not allowed; use %s", allow);
		return kd_send_error_h(c, req, 405, h, msg);
	}
	enum MHD_Result xret;
	if (cross_site_check(c, req, r, &xret))
		return xret;
	if (route_auth(r) &&
	    !kd_auth_ok(MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION))) {
		static const char *const h[] = {MHD_HTTP_HEADER_WWW_AUTHENTICATE, "Bearer realm=\"k8sagentd\"", NULL};
		return kd_send_error_h(c, req, 401, h, "unauthorized: send Authorization: Bearer <token>");
	}
	switch (r) {
	case KD_R_UI: return r_asset(c, req, req->path);
	case KD_R_OPENAPI: return r_asset(c, req, "/openapi.json");
	case KD_R_HEALTH: return r_health(c, req);
	case KD_R_HEALTHZ: return r_healthz(c, req);
	case KD_R_READYZ: return r_readyz(c, req);
	case KD_R_METRICS: return r_metrics(c, req);
	case KD_R_MODELS: return r_models(c, req);
	case KD_R_NAMESPACES: return r_namespaces(c, req);
	case KD_R_FINDINGS: return r_findings(c, req);
	case KD_R_ASK: return r_model_call(c, req, 0);
	case KD_R_DIAGNOSE: return r_model_call(c, req, 1);
	case KD_R_INVESTIGATE: return kd_investigate(c, req);
	case KD_R_MCP: {
		/* An MCP tool call may read the cluster (analyze is a snapshot): bounded with the
		 * snapshots, and dropped when its client has left. */
		if (strcmp(req->method, "POST") != 0)
			return kd_route_mcp(c, req);
		int rc = kd_snapshot_acquire(c);
		if (rc)
			return send_snapshot_error(c, req, rc);
		enum MHD_Result ret = kd_route_mcp(c, req);
		kd_snapshot_release();
		return ret;
	}
	default: return kd_send_error(c, req, 404, "not found");
	}
}

/* ---- the helpers other routes share (k8sagentd_investigate.c) ------------------------------ */
enum MHD_Result kd_send_json(struct MHD_Connection *c, kd_req *req, int status, json_object *o)
{
	return send_json_obj(c, req, status, o);
}

int kd_status_for(k8sa_status st)
{
	return status_for(st);
}

enum MHD_Result kd_send_agent_error(struct MHD_Connection *c, kd_req *req, k8sa_status st,
				    const k8sa_error *err, int kube)
{
	return send_agent_error(c, req, st, err, kube);
}

enum MHD_Result kd_check_namespace(struct MHD_Connection *c, kd_req *req, const char *ns,
				   size_t len, int *ok)
{
	return check_namespace(c, req, ns, len, ok);
}

enum MHD_Result kd_send_slot_error(struct MHD_Connection *c, kd_req *req, int rc)
{
	return send_slot_error(c, req, rc);
}

int kd_wants_sse(struct MHD_Connection *c)
{
	return wants_sse(c);
}

enum MHD_Result kd_send_snapshot_error(struct MHD_Connection *c, kd_req *req, int rc)
{
	return send_snapshot_error(c, req, rc);
}
