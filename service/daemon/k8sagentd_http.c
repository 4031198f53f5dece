/* SPDX-License-Identifier: MIT */
/* k8sagentd HTTP server glue on libmicrohttpd: one thread per connection (a streamed answer
 * blocks its thread while it waits for the model's next token), poll() instead of select() so
 * more than FD_SETSIZE clients may be connected, request bodies bounded as they arrive, and
 * per-request bookkeeping (access log, metrics, in-flight count) in the completion callback. */
#include "k8sagentd.h"

#include <arpa/inet.h>
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
	struct MHD_Response *r = MHD_create_response_from_buffer(len, (void *)(uintptr_t)body,
								 MHD_RESPMEM_MUST_COPY);
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
		/* A declared body beyond the limit is refused before it is read. */
		const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
		if (cl && strtoull(cl, NULL, 10) > kd_cfg.max_body) {
			req->too_large = 1;
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
	struct MHD_Daemon *d = MHD_start_daemon(
		flags, kd_cfg.port, NULL, NULL, on_request, NULL,
		MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
		MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL,
		MHD_OPTION_URI_LOG_CALLBACK, on_uri, NULL,
		MHD_OPTION_CONNECTION_LIMIT, kd_cfg.max_conns,
		MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)(kd_cfg.request_timeout + 0.5),
		MHD_OPTION_THREAD_STACK_SIZE, (size_t)512 * 1024,
		MHD_OPTION_LISTEN_BACKLOG_SIZE, 1024U,
		MHD_OPTION_EXTERNAL_LOGGER, mhd_logger, NULL,
		MHD_OPTION_END);
	if (!d)
		return NULL;
	const union MHD_DaemonInfo *di = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
	*bound_port = di ? di->port : kd_cfg.port;
	return d;
}
