/* SPDX-License-Identifier: MIT */
/* k8sagentd HTTP server glue on libmicrohttpd: one thread per connection (a streamed answer
 * blocks its thread while it waits for the model's next token), poll() instead of select() so
 * more than FD_SETSIZE clients may be connected, request bodies bounded as they arrive, and
 * per-request bookkeeping (access log, metrics, in-flight count) in the completion callback. */
#include "k8sagentd.h"
#include "../common/clock.h"
#include "k8sagentd_request.h"

#include <arpa/inet.h>
#include <errno.h>
#include <strings.h>
#include <sys/socket.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static atomic_long in_flight;

double kd_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

long kd_httpd_in_flight(void)
{
	return atomic_load(&in_flight);
}

static enum MHD_Result queue(struct MHD_Connection *c, kd_req *req, int status, const char *ctype,
			     const char *body, size_t len, const char *const *headers)
{
	/* No URL password reaches a client: --llm-url's userinfo in /models, /readyz, errors. */
	size_t mlen = 0;
	char *masked = kd_mask_userinfo(body, len, &mlen);
	if (masked) {
		body = masked;
		len = mlen;
	}
	struct MHD_Response *r = MHD_create_response_from_buffer(len, (void *)(uintptr_t)body,
								 MHD_RESPMEM_MUST_COPY);
	free(masked);
	if (!r)
		return MHD_NO;
	if (ctype)
		MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, ctype);
	MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	for (size_t i = 0; headers && headers[i]; i += 2)
		MHD_add_response_header(r, headers[i], headers[i + 1]);
	enum MHD_Result ret = MHD_queue_response(c, (unsigned int)status, r);
	MHD_destroy_response(r);
	if (ret == MHD_YES) {
		req->status = status;
		req->bytes = len;
	}
	return ret;
}

enum MHD_Result kd_send(struct MHD_Connection *c, kd_req *req, int status, const char *ctype,
			const char *body, size_t len)
{
	return queue(c, req, status, ctype, body, len, NULL);
}

enum MHD_Result kd_send_error_h(struct MHD_Connection *c, kd_req *req, int status,
				const char *const *headers, const char *msg)
{
	char *q = kd_json_quote(msg);
	char *body = NULL;
	int n = q ? asprintf(&body, "{\"error\":%s,\"code\":%d}\n", q, status) : -1;
	free(q);
	if (n < 0)
		return MHD_NO;
	enum MHD_Result ret = queue(c, req, status, "application/json", body, (size_t)n, headers);
	free(body);
	return ret;
}

enum MHD_Result kd_send_error(struct MHD_Connection *c, kd_req *req, int status, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	return kd_send_error_h(c, req, status, NULL, msg);
}

static void remote_addr(struct MHD_Connection *c, char *buf, size_t len)
{
	const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	buf[0] = 0;
	if (!ci || !ci->client_addr)
		return;
	const struct sockaddr *sa = ci->client_addr;
	if (sa->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, buf, (socklen_t)len);
	else if (sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, buf, (socklen_t)len);
}

/* ---- header deadline ----------------------------------------------------------------------
 * libmicrohttpd's connection timeout is an idle timeout: a client sending one header byte every
 * few seconds (slow loris) keeps its connection, and its thread, for ever; 2,048 of them fill
 * --max-connections and the kubelet's probes fail. So every connection gets a deadline for a
 * request's headers and body: --header-timeout from the moment it opens, or from its previous
 * answer (an idle keep-alive connection is the same pattern). A reaper thread shuts down the
 * socket of a connection past its deadline; libmicrohttpd then closes it as a client that left.
 * The list entry is removed (under conn_mu) before libmicrohttpd closes the descriptor, so the
 * reaper never touches a descriptor reused by another connection. */
typedef struct kd_conn {
	int fd;
	double deadline;            /* 0: disarmed (a request is being handled) */
	struct kd_conn *prev, *next;
} kd_conn;

static pthread_mutex_t conn_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t conn_cv = PTHREAD_COND_INITIALIZER;
static kd_conn *conns;
static int reaper_stop, reaper_started;
static pthread_t reaper_thread;
static atomic_long reaped;

static void *reaper(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&conn_mu);
	while (!reaper_stop) {
		struct timespec ts = svc_after_ms(CLOCK_REALTIME, 200);
		pthread_cond_timedwait(&conn_cv, &conn_mu, &ts);
		double now = kd_now();
		long n = 0;
		for (kd_conn *k = conns; k; k = k->next)
			if (k->deadline > 0 && k->deadline < now && k->fd >= 0) {
				shutdown(k->fd, SHUT_RDWR);
				k->deadline = 0;
				n++;
			}
		if (n) {
			atomic_fetch_add(&reaped, n);
			kd_log(KD_LOG_DEBUG, "closed %ld connection(s) past the header deadline", n);
		}
	}
	pthread_mutex_unlock(&conn_mu);
	return NULL;
}

long kd_httpd_reaped(void)
{
	return atomic_load(&reaped);
}

static void on_connection(void *cls, struct MHD_Connection *c, void **socket_context,
			  enum MHD_ConnectionNotificationCode code)
{
	(void)cls;
	if (code == MHD_CONNECTION_NOTIFY_STARTED) {
		kd_conn *k = calloc(1, sizeof *k);
		if (!k)
			return;
		const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
		k->fd = ci ? ci->connect_fd : -1;
		k->deadline = kd_now() + kd_cfg.header_timeout;
		pthread_mutex_lock(&conn_mu);
		k->next = conns;
		if (conns)
			conns->prev = k;
		conns = k;
		pthread_mutex_unlock(&conn_mu);
		*socket_context = k;
	} else if (code == MHD_CONNECTION_NOTIFY_CLOSED) {
		kd_conn *k = *socket_context;
		if (!k)
			return;
		pthread_mutex_lock(&conn_mu);
		if (k->prev)
			k->prev->next = k->next;
		else
			conns = k->next;
		if (k->next)
			k->next->prev = k->prev;
		pthread_mutex_unlock(&conn_mu);
		free(k);
		*socket_context = NULL;
	}
}

/* Arm (the connection waits for a request) or disarm (a request is being answered). */
static void conn_deadline(struct MHD_Connection *c, int arm)
{
	const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	kd_conn *k = ci ? ci->socket_context : NULL;
	if (!k)
		return;
	pthread_mutex_lock(&conn_mu);
	k->deadline = arm ? kd_now() + kd_cfg.header_timeout : 0;
	pthread_mutex_unlock(&conn_mu);
}

/* ---- framing checks ---------------------------------------------------------------------- */
typedef struct framing {
	int n_cl, bad_cl, n_te;
	const char *cl, *te;
} framing;

static enum MHD_Result scan_header(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
	framing *f = cls;
	(void)kind;
	if (!key)
		return MHD_YES;
	if (strcasecmp(key, MHD_HTTP_HEADER_CONTENT_LENGTH) == 0) {
		if (!value || !*value || strspn(value, "0123456789") != strlen(value) ||
		    (f->cl && strcmp(f->cl, value) != 0))
			f->bad_cl = 1;
		f->cl = value;
		f->n_cl++;
	} else if (strcasecmp(key, MHD_HTTP_HEADER_TRANSFER_ENCODING) == 0) {
		f->te = value ? value : "";
		f->n_te++;
	}
	return MHD_YES;
}

/* Request smuggling: libmicrohttpd takes the first of two different Content-Length headers and
 * reads a body of unknown Transfer-Encoding until the connection closes; a proxy in front may
 * have framed the same bytes otherwise. 0 when the framing is unambiguous, else the status. */
static int framing_status(struct MHD_Connection *c, const char **why)
{
	framing f = {0};
	MHD_get_connection_values(c, MHD_HEADER_KIND, scan_header, &f);
	if (f.bad_cl) {
		*why = "conflicting or malformed Content-Length headers";
		return 400;
	}
	if (f.n_te) {
		if (f.n_te > 1 || strcasecmp(f.te, "chunked") != 0) {
			*why = "Transfer-Encoding not implemented (only chunked)";
			return 501;
		}
		if (f.n_cl) {
			*why = "both Transfer-Encoding and Content-Length";
			return 400;
		}
	}
	return 0;
}

/* Answer and close the connection: what follows on it cannot be framed reliably. */
static enum MHD_Result refuse(struct MHD_Connection *c, kd_req *req, int status, const char *msg)
{
	static const char *const h[] = {MHD_HTTP_HEADER_CONNECTION, "close", NULL};
	conn_deadline(c, 0);
	return kd_send_error_h(c, req, status, h, msg);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
				  const char *method, const char *version, const char *upload,
				  size_t *upload_size, void **con_cls)
{
	kd_req *req = *con_cls;
	if (!req || !req->started) {
		if (!req && !(req = calloc(1, sizeof *req)))
			return MHD_NO;
		req->started = 1;
		req->t0 = kd_now();
		req->method = strdup(method);
		req->path = strdup(url);
		remote_addr(c, req->remote, sizeof req->remote);
		req->route = KD_R_OTHER;
		*con_cls = req;
		atomic_fetch_add(&in_flight, 1);
		kd_metrics_inflight(1);
		if (!req->method || !req->path)
			return MHD_NO;
		if (req->bad_uri)
			return refuse(c, req, 400, "the path holds an encoded NUL or control character");
		const char *why = NULL;
		int fs = framing_status(c, &why);
		if (fs)
			return refuse(c, req, fs, why);
		/* A declared body beyond the limit is refused before it is read. */
		const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
		if (cl && strtoull(cl, NULL, 10) > kd_cfg.max_body) {
			req->too_large = 1;
			conn_deadline(c, 0);
			return kd_send_error(c, req, 413, "request body larger than %zu bytes", kd_cfg.max_body);
		}
		return MHD_YES;
	}
	if (*upload_size) {
		size_t n = *upload_size;
		*upload_size = 0;
		if (req->status || req->too_large)
			return MHD_YES; /* answered already: discard the rest */
		if (req->body_len + n > kd_cfg.max_body) {
			req->too_large = 1;
			free(req->body);
			req->body = NULL;
			req->body_len = 0;
			return MHD_YES;
		}
		char *nb = realloc(req->body, req->body_len + n + 1);
		if (!nb)
			return MHD_NO;
		memcpy(nb + req->body_len, upload, n);
		req->body = nb;
		req->body_len += n;
		req->body[req->body_len] = 0;
		return MHD_YES;
	}
	if (req->status)
		return MHD_YES;
	conn_deadline(c, 0); /* the request is in: answering may take as long as the model does */
	if (req->too_large)
		return kd_send_error(c, req, 413, "request body larger than %zu bytes", kd_cfg.max_body);
	return kd_dispatch(c, req);
}

static void free_req(kd_req *req)
{
	free(req->method);
	free(req->path);
	free(req->query);
	free(req->body);
	free(req->log_question);
	free(req);
}

/* Called with the URI as received, before libmicrohttpd parses it: the raw query string is
 * kept for k8sagentd_request.c, which decodes it (and refuses a repeated argument). */
static void *on_uri(void *cls, const char *uri, struct MHD_Connection *c)
{
	(void)cls;
	(void)c;
	kd_req *req = calloc(1, sizeof *req);
	const char *q = uri ? strchr(uri, '?') : NULL;
	/* "/diagnose%00.css" would be decoded to "/diagnose" (libmicrohttpd stops at the NUL):
	 * no route has an encoded control character, so such a path is refused (400). */
	for (const char *p = uri; req && p && *p && p != q; p++) {
		unsigned char ch = (unsigned char)*p;
		if (ch < 0x20 || ch == 0x7f ||
		    (ch == '%' && (p[1] == '0' || p[1] == '1') && p[2] && strchr("0123456789abcdefABCDEF", p[2])) ||
		    (ch == '%' && p[1] == '7' && (p[2] == 'f' || p[2] == 'F')))
			req->bad_uri = 1;
	}
	if (req && q && !(req->query = strdup(q + 1))) {
		free(req);
		return NULL; /* the access handler allocates again and fails cleanly */
	}
	return req;
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
			 enum MHD_RequestTerminationCode toe)
{
	kd_req *req = *con_cls;
	if (!req)
		return;
	*con_cls = NULL;
	if (!req->started) { /* refused by libmicrohttpd before our handler saw it */
		free_req(req);
		return;
	}
	conn_deadline(c, 1); /* the next request on this connection gets its own deadline */
	uint64_t bytes = req->sse ? kd_sse_bytes(req->sse) : req->inv ? kd_investigate_bytes(req->inv) : req->bytes;
	kd_sse_request_done(req);
	kd_investigate_request_done(req);
	/* A client gone before any response is logged as 499, as nginx does. */
	int status = req->status ? req->status : 499;
	double dt = kd_now() - req->t0;
	kd_metrics_request(req->route, status, dt);
	kd_access_log(req->method, req->path, status, dt * 1000.0, bytes, req->remote, req->log_question);
	if (toe != MHD_REQUEST_TERMINATED_COMPLETED_OK)
		kd_log(KD_LOG_DEBUG, "%s %s ended early (%d)", req->method, req->path, (int)toe);
	kd_metrics_inflight(-1);
	free_req(req);
	atomic_fetch_sub(&in_flight, 1);
}

static void mhd_logger(void *cls, const char *fmt, va_list ap)
{
	char msg[512];
	vsnprintf(msg, sizeof msg, fmt, ap);
	size_t n = strlen(msg);
	while (n && (msg[n - 1] == '\n' || msg[n - 1] == '\r'))
		msg[--n] = 0;
	kd_log(KD_LOG_DEBUG, "httpd: %s", msg);
}

struct MHD_Daemon *kd_httpd_start(unsigned short *bound_port)
{
	struct sockaddr_storage ss;
	memset(&ss, 0, sizeof ss);
	unsigned int flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION |
			     MHD_USE_POLL | MHD_USE_ITC | MHD_USE_ERROR_LOG;
	struct sockaddr_in *s4 = (struct sockaddr_in *)(void *)&ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)(void *)&ss;
	if (inet_pton(AF_INET, kd_cfg.listen_addr, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons(kd_cfg.port);
	} else if (inet_pton(AF_INET6, kd_cfg.listen_addr, &s6->sin6_addr) == 1) {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(kd_cfg.port);
		flags |= MHD_USE_IPv6;
	} else {
		kd_log(KD_LOG_ERROR, "--listen: not an IP address: %s", kd_cfg.listen_addr);
		return NULL;
	}
	/* One address may hold 7/8 of the connections: the rest stays for others, such as the
	 * kubelet's probes, while one client (or one attacker) is at its limit. */
	unsigned int per_ip = kd_cfg.max_conns_per_ip > 0 ? kd_cfg.max_conns_per_ip
		: kd_cfg.max_conns - (kd_cfg.max_conns / 8 ? kd_cfg.max_conns / 8 : 1);
	if (per_ip < 1)
		per_ip = 1;
	if (!reaper_started && pthread_create(&reaper_thread, NULL, reaper, NULL) == 0)
		reaper_started = 1;
	struct MHD_Daemon *d = MHD_start_daemon(
		flags, kd_cfg.port, NULL, NULL, on_request, NULL,
		MHD_OPTION_EXTERNAL_LOGGER, mhd_logger, NULL,
		MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
		MHD_OPTION_NOTIFY_CONNECTION, on_connection, NULL,
		MHD_OPTION_PER_IP_CONNECTION_LIMIT, per_ip,
		MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL,
		MHD_OPTION_URI_LOG_CALLBACK, on_uri, NULL,
		MHD_OPTION_CONNECTION_LIMIT, kd_cfg.max_conns,
		MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)(kd_cfg.request_timeout + 0.5),
		MHD_OPTION_THREAD_STACK_SIZE, (size_t)512 * 1024,
		MHD_OPTION_LISTEN_BACKLOG_SIZE, 1024U,
		MHD_OPTION_END);
	if (!d)
		return NULL;
	const union MHD_DaemonInfo *di = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
	*bound_port = di ? di->port : kd_cfg.port;
	return d;
}

void kd_httpd_shutdown(void)
{
	pthread_mutex_lock(&conn_mu);
	reaper_stop = 1;
	pthread_cond_broadcast(&conn_cv);
	pthread_mutex_unlock(&conn_mu);
	if (reaper_started)
		pthread_join(reaper_thread, NULL);
	reaper_started = 0;
}
