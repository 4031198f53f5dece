/* SPDX-License-Identifier: MIT */
/* k8sagentd: private declarations shared by the service's sources (never installed).
 * The service is a thin HTTP front-end on libk8sagent's agent API: parsing, limits, streaming,
 * metrics and the UI live here; every diagnosis decision lives in the library. */
#ifndef K8SAGENTD_H
#define K8SAGENTD_H

#include "config.h"
#include <k8sagent/k8sagent.h>
#include <k8sagent/agent.h>
#include <k8sagent/investigate.h>
#include <json-c/json.h>
#include <microhttpd.h>
#include <stdatomic.h>
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "../common/options.h"

/* ---- configuration (k8sagentd.c) ---------------------------------------------------------- */
typedef struct kd_config {
	char *listen_addr;        /* "0.0.0.0" */
	unsigned short port;      /* 8000; 0: the kernel picks */
	char *port_file;          /* write the bound port here */
	svc_opts opts;            /* the options shared with k8sagent, applied to every agent */
	char *kubeconfig;         /* --kubeconfig */
	char *context;            /* --context */
	char *llm_url;            /* resolved, never NULL after start */
	char *backend;            /* "ollama" | "openai" */
	char *model;              /* NULL: library default */
	char *api_key;            /* K8SA_LLM_API_KEY */
	char *default_ns;         /* --namespace, else the kubeconfig's */
	double request_timeout;   /* seconds, queue wait + idle connection */
	int max_llm;              /* concurrent model calls */
	int queue;                /* waiting model calls beyond max_llm */
	size_t max_body;          /* bytes */
	size_t max_question;      /* bytes */
	unsigned int max_conns;   /* concurrent connections */
	int grace;                /* seconds for in-flight work on SIGTERM */
	int cache_ttl;            /* seconds; 0 disables */
	int cache_entries;
	int log_level;            /* KD_LOG_* */
	char **allow_ns;          /* K8SA_NAMESPACES, NULL-terminated, NULL: all allowed */
	int session_ttl;          /* seconds an idle investigation session is kept */
	int max_sessions;         /* investigation sessions kept at once */
	size_t session_memory;    /* estimated bytes the sessions may hold together */
	int max_steps;            /* largest "max_steps" a request may ask for */
	char **allowed_hosts;     /* --allowed-hosts, NULL-terminated, NULL: any Host */
	int header_timeout;       /* seconds from connect (or the last answer) to a whole request */
	unsigned max_conns_per_ip; /* concurrent connections from one address; 0: derived */
	size_t max_answer;        /* bytes of model answer kept; beyond: cut with a note */
	size_t cache_bytes;       /* byte budget of the answer cache */
	int max_snapshots;        /* concurrent snapshots; 0: derived from the memory limit */
	char *llm_proxy;          /* --llm-proxy URL, NULL: none (the environment is not followed) */
} kd_config;

extern kd_config kd_cfg;

/* ---- logging (k8sagentd_log.c) ------------------------------------------------------------- */
enum { KD_LOG_ERROR = 0, KD_LOG_WARN = 1, KD_LOG_INFO = 2, KD_LOG_DEBUG = 3 };
int kd_log_level_parse(const char *s);
void kd_log(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* One JSON access-log line; `question` is only logged at debug level. */
void kd_access_log(const char *method, const char *path, int status, double ms, uint64_t bytes,
		   const char *remote, const char *question);
/* JSON string literal for s (with quotes) appended to a malloc'd buffer: helper for logs. */
char *kd_json_quote(const char *s);

/* ---- routes and requests (k8sagentd_http.c, k8sagentd_routes.c) ----------------------------- */
typedef enum kd_route {
	KD_R_UI = 0, KD_R_HEALTH, KD_R_HEALTHZ, KD_R_READYZ, KD_R_METRICS, KD_R_OPENAPI,
	KD_R_MODELS, KD_R_NAMESPACES, KD_R_FINDINGS, KD_R_ASK, KD_R_DIAGNOSE, KD_R_INVESTIGATE, KD_R_MCP,
	KD_R_OTHER,
	KD_R_COUNT
} kd_route;

const char *kd_route_label(kd_route r);

typedef struct kd_sse kd_sse;
typedef struct kd_inv kd_inv;

/* One HTTP request, from the first access-handler call to the completion callback. */
typedef struct kd_req {
	kd_route route;
	double t0;                /* monotonic seconds */
	char *method, *path;
	char *query;              /* raw query string after '?', NULL: none */
	int started;              /* the access handler has seen this request */
	char remote[64];
	char *body;               /* request body, NUL-terminated */
	size_t body_len;
	int too_large;            /* body beyond max_body: answer 413 */
	int bad_uri;              /* an encoded NUL or control character in the path: 400 */
	int status;               /* status of the queued response */
	uint64_t bytes;           /* body bytes of a non-streamed response */
	kd_sse *sse;              /* streamed response state (shared with the response) */
	char *log_question;       /* debug-level access log only */
	int holds_slot;           /* a model slot is held until completion */
	kd_inv *inv;              /* a streamed investigation (k8sagentd_investigate.c) */
} kd_req;

/* Queue a response and record its status/size on the request. Takes ownership of nothing. */
enum MHD_Result kd_send(struct MHD_Connection *c, kd_req *req, int status, const char *ctype,
			const char *body, size_t len);
/* A JSON error body {"error": msg, "code": status}. */
enum MHD_Result kd_send_error(struct MHD_Connection *c, kd_req *req, int status, const char *fmt,
			      ...) __attribute__((format(printf, 4, 5)));
/* Same with extra headers (name, value pairs, NULL-terminated). */
enum MHD_Result kd_send_error_h(struct MHD_Connection *c, kd_req *req, int status,
				const char *const *headers, const char *msg);
/* Route one complete request (body read). */
enum MHD_Result kd_dispatch(struct MHD_Connection *c, kd_req *req);
/* Which methods a known path allows ("GET, HEAD"), NULL for an unknown path. */
const char *kd_route_allow(const char *path, kd_route *route);
/* POST /mcp: one MCP JSON-RPC message (k8sagentd_mcp.c). */
enum MHD_Result kd_route_mcp(struct MHD_Connection *c, kd_req *req);

/* ---- the server (k8sagentd_http.c) ----------------------------------------------------------- */
struct MHD_Daemon *kd_httpd_start(unsigned short *bound_port);
/* Requests being handled right now (for graceful shutdown). */
long kd_httpd_in_flight(void);
/* Stop the header-deadline reaper (after MHD_stop_daemon()). */
void kd_httpd_shutdown(void);
/* Connections closed for missing the header deadline so far. */
long kd_httpd_reaped(void);
double kd_now(void);

/* ---- metrics (k8sagentd_metrics.c) --------------------------------------------------------- */
void kd_metrics_init(void);
void kd_metrics_request(kd_route r, int status, double seconds);
void kd_metrics_inflight(int delta);
void kd_metrics_first_token(double seconds);
void kd_metrics_tokens_per_second(double tps);
void kd_metrics_snapshot(double seconds);
void kd_metrics_kube_error(const char *code);
void kd_metrics_cache(int hit);
void kd_metrics_truncated(void);
/* Feed the timings/gaps JSON of an answer into the histograms and error counters. */
void kd_metrics_answer(const k8sa_answer *a);
/* Count a snapshot's gaps (a JSON array of "resource: reason: message") as Kubernetes errors. */
void kd_metrics_gaps(const char *gaps_json);
/* Prometheus text exposition; caller frees. */
char *kd_metrics_render(size_t *len);

/* ---- limits and auth (k8sagentd_limits.c) --------------------------------------------------- */
void kd_limits_init(void);
/* Take a model slot, waiting in the queue up to the request timeout.
 * 0: taken; -1: slots and queue full (429); -2: waited too long (429); -3: shutting down (503). */
int kd_slot_acquire(void);
void kd_slot_release(void);
int kd_slots_in_use(void);
int kd_queue_length(void);
void kd_limits_shutdown(void);
/* A snapshot permit (--max-snapshots), waiting up to the request timeout while the client `c`
 * (may be NULL) is still connected. 0: taken; -2: waited too long (429); -3: shutting down
 * (503); -4: the client left (drop the request). */
int kd_snapshot_acquire(struct MHD_Connection *c);
void kd_snapshot_release(void);
void kd_snapshots(int *in_use, int *max);
/* The cgroup (v2, else v1) memory limit in bytes, 0 when none. */
long long kd_memory_limit(void);
/* (k8sagentd_auth.c) 1 when the Authorization header carries the configured token (or no
 * token is configured). */
int kd_auth_ok(const char *authorization);
/* Require the bearer token in `file` (K8SA_AUTH_TOKEN_FILE), re-read when the file changes;
 * -1 (message on stderr) when it cannot be read or is empty. */
int kd_auth_init(const char *file);
int kd_auth_enabled(void);
void kd_auth_cleanup(void);
/* 1 when the namespace is in K8SA_NAMESPACES (or no allowlist is set). */
int kd_namespace_allowed(const char *ns);

/* ---- answer cache (k8sagentd_cache.c) ------------------------------------------------------ */
void kd_cache_init(void);
/* Key of an answer: SHA-256 over the namespace and question asked, the exact request sent to
 * the model (k8sa_answer_request_json(): model, messages, options), backend, URL and the
 * daemon's options as given. Hex into key[65]. */
void kd_cache_key(const char *ns, const char *question, const char *request_json, char key[65]);
/* Bytes the cached answers use now (within --cache-bytes). */
size_t kd_cache_bytes(void);
/* The cached answer JSON (caller frees), NULL on a miss or an expired entry. */
char *kd_cache_get(const char key[65]);
void kd_cache_put(const char key[65], const char *answer_json);

/* ---- backend handles (k8sagentd_backend.c) ------------------------------------------------- */
int kd_backend_init(void);
void kd_backend_cleanup(void);
/* An agent configured from kd_cfg, from a pool (one request uses it at a time). */
k8sa_agent *kd_agent_acquire(k8sa_error *err);
void kd_agent_release(k8sa_agent *agent);
/* Default namespace: --namespace, else the kubeconfig's (in-cluster: the pod's own). */
const char *kd_default_namespace(void);
/* Cached (1 s) probes: 1 reachable, 0 not; `why` gets the reason when not (may be NULL). */
int kd_probe_kube(char *why, size_t whylen);
int kd_probe_llm(char *why, size_t whylen);
/* The last probe's result without probing: 1, 0, or -1 when none ran yet. */
int kd_probe_last(int llm);
/* JSON array of namespace names (caller frees), or NULL with err filled. */
char *kd_namespaces_json(k8sa_error *err);
/* JSON array of model names from the LLM server (caller frees), or NULL with err filled. */
char *kd_models_json(k8sa_error *err);
/* 1 when a Kubernetes configuration was loaded at start. */
int kd_have_kubeconfig(const char **why);
/* Answer one MCP message with the read-only tools; *resp NULL for a notification. */
k8sa_status kd_mcp_handle(const char *msg, size_t len, char **resp, k8sa_error *err);

/* ---- streaming (k8sagentd_sse.c) ----------------------------------------------------------- */
/* The bytes of an SSE response not yet handed to libmicrohttpd: events are appended by the
 * producer, the content reader drains them. Used under the response's own lock. */
typedef struct kd_sse_buf {
	char *buf;
	size_t len, off, cap;
	atomic_ullong bytes; /* handed out so far (the access log's size) */
} kd_sse_buf;
/* Append "event: E\ndata: D\n\n". 0, or -1 when out of memory. */
int kd_sse_buf_event(kd_sse_buf *b, const char *event, const char *data, size_t dlen);
/* Copy pending bytes to out (at most max): their count, or 0 when none is left (the buffer
 * is then emptied for the next event). */
size_t kd_sse_buf_take(kd_sse_buf *b, char *out, size_t max);
void kd_sse_init(void);
void kd_sse_shutdown(void);
/* Cancel every running model stream (graceful shutdown after the grace period). */
void kd_sse_cancel_all(void);
/* Run a started stream as an SSE response. Takes ownership of `stream`, `agent` and the
 * request's model slot. `cache_key` (may be NULL) stores a complete answer in the cache. */
enum MHD_Result kd_sse_respond(struct MHD_Connection *c, kd_req *req, k8sa_answer_stream *stream,
			       k8sa_agent *agent, int diagnose, const char *cache_key);
/* Answer a cached answer JSON as an SSE response (context, findings, one token, done). */
enum MHD_Result kd_sse_respond_cached(struct MHD_Connection *c, kd_req *req, const char *answer_json);
/* Pull a started stream to its end in this thread (blocking routes), cancellable by a client
 * disconnect like a streamed one. Records first-token time. Stops the model once the answer
 * passes --max-answer (*truncated set). Returns the stream's status. */
k8sa_status kd_stream_drain(struct MHD_Connection *c, k8sa_answer_stream *stream, k8sa_error *err,
			    int *truncated);
/* Cut an answer object's "answer" at --max-answer (UTF-8 boundary) with a note; sets
 * "truncated": true and clears "llm_error" (the service stopped the model on purpose). */
void kd_answer_cut(json_object *answer);
/* 1 when the client of `c` has closed its side (or the socket failed). */
int kd_client_gone(struct MHD_Connection *c);
/* The request finished (completion callback): cancel a stream still running, drop references. */
void kd_sse_request_done(kd_req *req);
uint64_t kd_sse_bytes(const kd_sse *sse);

/* Call cancel(arg) (from the watcher thread) when the client of `c` hangs up; for work that
 * is not a model stream (an investigation). NULL when out of memory (then nothing watches). */
typedef struct kd_hangup kd_hangup;
kd_hangup *kd_hangup_watch(struct MHD_Connection *c, void (*cancel)(void *), void *arg);
/* After this returns cancel() is not called any more. NULL is a no-op. */
void kd_hangup_unwatch(kd_hangup *w);

/* ---- helpers of k8sagentd_routes.c for the other routes ------------------------------------ */
/* Send a JSON object (consumed) as the response. */
enum MHD_Result kd_send_json(struct MHD_Connection *c, kd_req *req, int status, json_object *o);
/* HTTP status for a failed library call. */
int kd_status_for(k8sa_status st);
/* Error response for a failed library call (counted as a Kubernetes API error when kube). */
enum MHD_Result kd_send_agent_error(struct MHD_Connection *c, kd_req *req, k8sa_status st,
				    const k8sa_error *err, int kube);
/* The namespace checks before the API is touched: *ok 1, or the error response is queued. */
enum MHD_Result kd_check_namespace(struct MHD_Connection *c, kd_req *req, const char *ns,
				   size_t len, int *ok);
/* 429/503 for a failed kd_slot_acquire(). */
enum MHD_Result kd_send_slot_error(struct MHD_Connection *c, kd_req *req, int rc);
/* 1 when the client asked for Server-Sent Events (Accept: text/event-stream). */
int kd_wants_sse(struct MHD_Connection *c);
/* 429/503 for a failed kd_snapshot_acquire(), MHD_NO for a client that left. */
enum MHD_Result kd_send_snapshot_error(struct MHD_Connection *c, kd_req *req, int rc);

/* ---- investigation (k8sagentd_investigate.c, k8sagentd_sessions.c) ------------------------ */
/* POST /investigate. */
enum MHD_Result kd_investigate(struct MHD_Connection *c, kd_req *req);
/* The request ended (completion callback): a streamed investigation still running is
 * cancelled and its session released. */
void kd_investigate_request_done(kd_req *req);
uint64_t kd_investigate_bytes(const kd_inv *inv);

#define KD_SESSION_ID_LEN 32           /* 128 random bits, lowercase hex */
/* The fixed part of a session's memory: mostly its own agent's Kubernetes client once it has
 * connected (TLS state), measured with bench/service-sessions; the transcript is added per
 * session. */
#define KD_SESSION_BASE_BYTES (320 * 1024)
typedef struct kd_session kd_session;
/* 1 when id (len bytes) has the shape of a session id. */
int kd_session_id_valid(const char *id, size_t len);
/* A new session on ns, busy for the caller, evicting expired then least recently used idle
 * sessions to make room. 0, or 429 (every kept session busy) / 500 with msg. */
int kd_session_reserve(const char *ns, kd_session **out, char *msg, size_t msglen);
/* Give a reserved session its agent (owned from now on) and library session. */
void kd_session_attach(kd_session *ks, k8sa_agent *agent, k8sa_session *s);
/* Take an existing session for one request: 0, 404 (unknown, expired, evicted) or 409 (busy). */
int kd_session_claim(const char *id, kd_session **out, char *msg, size_t msglen);
/* The request is over: the session becomes idle (its memory re-estimated, the budget
 * enforced), or is freed when discard. NULL is a no-op. */
void kd_session_put(kd_session *ks, int discard);
k8sa_session *kd_session_handle(const kd_session *ks);
const char *kd_session_id(const kd_session *ks);
const char *kd_session_ns(const kd_session *ks);
size_t kd_session_bytes(const kd_session *ks);
/* The memory budget: --session-memory, else an eighth of the container's memory limit, else
 * 256 MiB. */
void kd_sessions_init(void);
/* Drop expired sessions now. */
void kd_sessions_sweep(void);
/* Free every session (shutdown, after the server stopped). */
void kd_sessions_cleanup(void);
/* Prometheus text for the sessions (caller frees), NULL when out of memory. */
char *kd_sessions_metrics(void);

/* ---- watch: periodic analysis, metrics, webhook (k8sagentd_watch.c) ------------------------- */
/* A --watch-namespaces, --interval, --webhook-url or --webhook-max-per-hour option (name
 * without "--"); 0, or -1 with a message on stderr. */
int kd_watch_option(const char *name, const char *value);
/* Start the watch thread when --watch-namespaces was given (0: started or not asked). */
int kd_watch_start(void);
/* Stop it (waits for the namespace being read) and free its state. */
void kd_watch_stop(void);
/* Its Prometheus metrics (caller frees), NULL when not watching. */
char *kd_watch_metrics(void);

/* ---- embedded assets (generated: k8sagentd_assets.c) --------------------------------------- */
typedef struct kd_asset {
	const char *path;         /* "/index.html" */
	const char *content_type;
	const unsigned char *data;
	size_t len;
} kd_asset;
extern const kd_asset kd_assets[];
extern const size_t kd_assets_count;
const kd_asset *kd_asset_find(const char *path);

#endif
