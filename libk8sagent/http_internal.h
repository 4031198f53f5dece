/* SPDX-License-Identifier: MIT */
/* The one HTTP layer under the Kubernetes client (kube.c) and the LLM client (llm*.c): how
 * a libcurl easy handle is set up (protocols, TLS verification, CA and client certificates,
 * timeouts, proxy policy) and how libcurl's failures and HTTP error statuses become library
 * statuses. Private to the library. */
#ifndef K8SA_HTTP_INTERNAL_H
#define K8SA_HTTP_INTERNAL_H

#include "internal.h"
#include <curl/curl.h>

/* What a client asks of its transfers. Strings are borrowed for the k8sa_http_easy() call
 * only (libcurl copies them); errbuf and connect_to must outlive the handle. */
typedef struct k8sa_http_conf {
	const char *user_agent;        /* NULL: no User-Agent header */
	long connect_ms;               /* <= 0: libcurl's default */
	long total_ms;                 /* <= 0: no limit (the caller keeps its own deadlines) */
	int accept_encoding;           /* offer every encoding libcurl can decode */
	/* Proxy policy: NULL or "" connects directly. The environment (http_proxy, HTTPS_PROXY,
	 * ALL_PROXY, NO_PROXY) is never consulted: a proxy is used only when configured. */
	const char *proxy;
	/* TLS: the system's CAs unless ca_pem or ca_file is set (ca_pem wins); insecure turns
	 * verification off (the caller warns). Client certificate and key: PEM text wins over
	 * the file. */
	const char *ca_file, *ca_pem;
	const char *cert_file, *cert_pem, *key_file, *key_pem;
	int insecure;
	struct curl_slist *connect_to; /* CURLOPT_CONNECT_TO (tls-server-name), or NULL */
	char *errbuf;                  /* CURL_ERROR_SIZE bytes for libcurl's detail, or NULL */
} k8sa_http_conf;

/* A new easy handle set up from conf: http and https only, no redirects, no signals. The
 * caller adds the URL, method, headers and callbacks. NULL when out of memory. */
CURL *k8sa_http_easy(const k8sa_http_conf *conf);

/* Non-zero when k8sa_http_easy() restricts protocols with CURLOPT_PROTOCOLS_STR (libcurl
 * 7.85 and later), zero when it falls back to the CURLOPT_PROTOCOLS bitmask (7.77 to 7.84,
 * or a build with K8SA_HIDE_CURL_7_85 defined, which tests that fallback). */
int k8sa_http_uses_protocols_str(void);

/* A client certificate and key given as PEM text (copied by libcurl), e.g. an exec
 * plugin's, renewed between transfers. */
void k8sa_http_set_client_pem(CURL *e, const char *cert_pem, const char *key_pem);

/* The library status of a failed transfer, the same for every client: TLS failures
 * K8SA_E_TLS, timeouts K8SA_E_TIMEOUT, cut or garbled responses K8SA_E_PROTOCOL, a bad or
 * refused URL K8SA_E_CONFIG, libcurl's ENOMEM K8SA_E_NOMEM, the rest K8SA_E_TRANSPORT.
 * CURLE_OK gives K8SA_OK. */
k8sa_status k8sa_http_curl_status(CURLcode rc);

/* Fill err with "<prefix>: <detail>" (detail: errbuf when it holds text, else libcurl's
 * description of rc) and return k8sa_http_curl_status(rc). */
k8sa_status k8sa_http_curl_fail(k8sa_error *err, CURLcode rc, const char *errbuf, const char *fmt, ...)
	K8SA_PRINTF(4, 5);

/* The library status of an HTTP error status: 400 K8SA_E_BAD_REQUEST, 401
 * K8SA_E_UNAUTHORIZED, 403 K8SA_E_FORBIDDEN, 404 K8SA_E_NOT_FOUND, 410 K8SA_E_GONE, 429
 * K8SA_E_TOO_MANY_REQUESTS, 5xx K8SA_E_SERVER, anything else K8SA_E_HTTP. */
k8sa_status k8sa_http_status(long http);

/* K8SA_OK when a proxy URL's scheme is one libcurl and client-go both speak (http, https,
 * socks5, socks5h), or the URL is NULL or "" (no proxy); otherwise K8SA_E_INVALID_ARG with
 * err naming the setting (`what`). */
k8sa_status k8sa_http_check_proxy(const char *url, const char *what, k8sa_error *err);

#endif
