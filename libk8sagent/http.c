/* SPDX-License-Identifier: MIT */
/* The one place libcurl is configured and its failures are mapped (see http_internal.h). */
#if defined(K8SA_HIDE_CURL_7_85)
/* Testing the fallback for libcurl 7.77 to 7.84 on a newer libcurl: CURLOPT_PROTOCOLS is
 * deprecated there, which -Werror would refuse. */
#define CURL_DISABLE_DEPRECATION 1
#endif
#include "internal.h"
#include "http_internal.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

/* CURLOPT_PROTOCOLS_STR came with libcurl 7.85.0; configure accepts 7.77. */
#if LIBCURL_VERSION_NUM >= 0x075500 && !defined(K8SA_HIDE_CURL_7_85)
#define K8SA_HAVE_PROTOCOLS_STR 1
#else
#define K8SA_HAVE_PROTOCOLS_STR 0
#endif

int k8sa_http_uses_protocols_str(void)
{
	return K8SA_HAVE_PROTOCOLS_STR;
}

static void set_blob(CURL *e, CURLoption opt, const char *pem)
{
	struct curl_blob blob = {(void *)pem, strlen(pem), CURL_BLOB_COPY};
	curl_easy_setopt(e, opt, &blob);
}

CURL *k8sa_http_easy(const k8sa_http_conf *c)
{
	CURL *e = curl_easy_init();
	if (!e)
		return NULL;
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
#if K8SA_HAVE_PROTOCOLS_STR
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
#else
	curl_easy_setopt(e, CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
	curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
	if (c->user_agent)
		curl_easy_setopt(e, CURLOPT_USERAGENT, c->user_agent);
	if (c->accept_encoding)
		curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "");
	if (c->connect_ms > 0)
		curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, c->connect_ms);
	if (c->total_ms > 0)
		curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, c->total_ms);
	if (c->errbuf) {
		c->errbuf[0] = '\0';
		curl_easy_setopt(e, CURLOPT_ERRORBUFFER, c->errbuf);
	}
	/* "" is libcurl's "no proxy, whatever the environment says"; an empty NOPROXY list
	 * likewise keeps NO_PROXY from bypassing a configured proxy. */
	curl_easy_setopt(e, CURLOPT_PROXY, c->proxy ? c->proxy : "");
	curl_easy_setopt(e, CURLOPT_NOPROXY, "");
	if (c->connect_to)
		curl_easy_setopt(e, CURLOPT_CONNECT_TO, c->connect_to);
	if (c->insecure) {
		curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 0L);
		curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 0L);
	} else if (c->ca_pem) {
		set_blob(e, CURLOPT_CAINFO_BLOB, c->ca_pem);
		curl_easy_setopt(e, CURLOPT_CAPATH, NULL);
	} else if (c->ca_file) {
		curl_easy_setopt(e, CURLOPT_CAINFO, c->ca_file);
		curl_easy_setopt(e, CURLOPT_CAPATH, NULL);
	}
	if (c->cert_pem || c->key_pem) {
		k8sa_http_set_client_pem(e, c->cert_pem, c->key_pem);
	} else {
		if (c->cert_file)
			curl_easy_setopt(e, CURLOPT_SSLCERT, c->cert_file);
		if (c->key_file)
			curl_easy_setopt(e, CURLOPT_SSLKEY, c->key_file);
	}
	return e;
}

k8sa_status k8sa_http_curl_status(CURLcode rc)
{
	switch (rc) {
	case CURLE_OK:
		return K8SA_OK;
	case CURLE_OPERATION_TIMEDOUT:
		return K8SA_E_TIMEOUT;
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CIPHER:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_ENGINE_NOTFOUND:
	case CURLE_SSL_ENGINE_SETFAILED:
	case CURLE_SSL_ENGINE_INITFAILED:
	case CURLE_SSL_SHUTDOWN_FAILED:
	case CURLE_SSL_CRL_BADFILE:
	case CURLE_SSL_ISSUER_ERROR:
	case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
	case CURLE_SSL_INVALIDCERTSTATUS:
	case CURLE_SSL_CLIENTCERT:
	case CURLE_USE_SSL_FAILED:
		return K8SA_E_TLS;
	case CURLE_PARTIAL_FILE:
	case CURLE_BAD_CONTENT_ENCODING:
	case CURLE_WEIRD_SERVER_REPLY:
	case CURLE_HTTP2:
	case CURLE_HTTP2_STREAM:
		return K8SA_E_PROTOCOL;
	case CURLE_OUT_OF_MEMORY:
		return K8SA_E_NOMEM;
	case CURLE_URL_MALFORMAT:
	case CURLE_UNSUPPORTED_PROTOCOL:
		return K8SA_E_CONFIG;
	default:
		return K8SA_E_TRANSPORT;
	}
}

k8sa_status k8sa_http_curl_fail(k8sa_error *err, CURLcode rc, const char *errbuf, const char *fmt, ...)
{
	char prefix[K8SA_ERROR_MESSAGE_SIZE];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(prefix, sizeof(prefix), fmt, ap);
	va_end(ap);
	return k8sa_fail(err, k8sa_http_curl_status(rc), "%s: %s", prefix,
			 errbuf && errbuf[0] ? errbuf : curl_easy_strerror(rc));
}

k8sa_status k8sa_http_status(long http)
{
	switch (http) {
	case 400:
		return K8SA_E_BAD_REQUEST;
	case 401:
		return K8SA_E_UNAUTHORIZED;
	case 403:
		return K8SA_E_FORBIDDEN;
	case 404:
		return K8SA_E_NOT_FOUND;
	case 410:
		return K8SA_E_GONE;
	case 429:
		return K8SA_E_TOO_MANY_REQUESTS;
	default:
		return http >= 500 && http <= 599 ? K8SA_E_SERVER : K8SA_E_HTTP;
	}
}

k8sa_status k8sa_http_check_proxy(const char *url, const char *what, k8sa_error *err)
{
	static const char *const schemes[] = {"http://", "https://", "socks5://", "socks5h://"};
	if (!url || !url[0])
		return K8SA_OK;
	for (size_t i = 0; i < sizeof(schemes) / sizeof(schemes[0]); i++)
		if (!strncasecmp(url, schemes[i], strlen(schemes[i])) && url[strlen(schemes[i])])
			return K8SA_OK;
	return k8sa_fail(err, K8SA_E_INVALID_ARG,
			 "%s \"%s\": not an http://, https://, socks5:// or socks5h:// URL with a host", what, url);
}

void k8sa_http_set_client_pem(CURL *e, const char *cert_pem, const char *key_pem)
{
	if (cert_pem) {
		set_blob(e, CURLOPT_SSLCERT_BLOB, cert_pem);
		curl_easy_setopt(e, CURLOPT_SSLCERTTYPE, "PEM");
	}
	if (key_pem) {
		set_blob(e, CURLOPT_SSLKEY_BLOB, key_pem);
		curl_easy_setopt(e, CURLOPT_SSLKEYTYPE, "PEM");
	}
}
