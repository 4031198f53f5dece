/* SPDX-License-Identifier: MIT */
/* Status names, error filling, memory and version: the parts every layer uses. */
#include "internal.h"
#include <k8sagent/version.h>

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

static const char *const status_names[] = {
	[K8SA_OK] = "ok",
	[K8SA_E_INVALID_ARG] = "invalid argument",
	[K8SA_E_NOMEM] = "out of memory",
	[K8SA_E_CONFIG] = "configuration error",
	[K8SA_E_IO] = "I/O error",
	[K8SA_E_TRANSPORT] = "transport error",
	[K8SA_E_TLS] = "TLS error",
	[K8SA_E_TIMEOUT] = "timeout",
	[K8SA_E_BAD_REQUEST] = "bad request",
	[K8SA_E_UNAUTHORIZED] = "unauthorized",
	[K8SA_E_FORBIDDEN] = "forbidden",
	[K8SA_E_NOT_FOUND] = "not found",
	[K8SA_E_GONE] = "gone (expired)",
	[K8SA_E_TOO_MANY_REQUESTS] = "too many requests",
	[K8SA_E_SERVER] = "server error",
	[K8SA_E_HTTP] = "unexpected HTTP status",
	[K8SA_E_PROTOCOL] = "malformed response",
	[K8SA_E_READ_ONLY] = "refused: read-only",
	[K8SA_E_LLM] = "LLM error",
	[K8SA_E_MODEL_NOT_FOUND] = "model not found",
	[K8SA_E_CANCELLED] = "cancelled",
	[K8SA_E_LIMIT] = "limit exceeded",
	[K8SA_E_UNSUPPORTED] = "unsupported",
	[K8SA_E_INTERNAL] = "internal error",
};

K8SA_EXPORT const char *k8sa_strerror(k8sa_status code)
{
	if ((unsigned)code < sizeof(status_names) / sizeof(status_names[0]) && status_names[code])
		return status_names[code];
	return "unknown status";
}

static k8sa_status vfail(k8sa_error *err, k8sa_status code, int http, const char *fmt, va_list ap)
{
	if (err) {
		err->code = code;
		err->http_status = http;
		err->retry_after = 0;
		vsnprintf(err->message, sizeof(err->message), fmt, ap);
		if (!err->message[0])
			snprintf(err->message, sizeof(err->message), "%s", k8sa_strerror(code));
		/* Messages name URLs (the model server's, the API server's): never their password. */
		k8sa_mask_userinfo_buf(err->message, sizeof(err->message));
	}
	return code;
}

k8sa_status k8sa_fail(k8sa_error *err, k8sa_status code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vfail(err, code, 0, fmt, ap);
	va_end(ap);
	return code;
}

k8sa_status k8sa_fail_http(k8sa_error *err, k8sa_status code, int http_status, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vfail(err, code, http_status, fmt, ap);
	va_end(ap);
	return code;
}

void k8sa_error_prefix(k8sa_error *err, const char *fmt, ...)
{
	char prefix[K8SA_ERROR_MESSAGE_SIZE], old[K8SA_ERROR_MESSAGE_SIZE];
	va_list ap;

	if (!err)
		return;
	va_start(ap, fmt);
	vsnprintf(prefix, sizeof(prefix), fmt, ap);
	va_end(ap);
	memcpy(old, err->message, sizeof(old));
	old[sizeof(old) - 1] = '\0';
	/* Truncation is intended: the message is a fixed buffer. */
	size_t pl = strlen(prefix), ol = strlen(old), cap = sizeof(err->message) - 1;
	if (pl > cap)
		pl = cap;
	if (ol > cap - pl)
		ol = cap - pl;
	memcpy(err->message, prefix, pl);
	memcpy(err->message + pl, old, ol);
	err->message[pl + ol] = '\0';
	k8sa_mask_userinfo_buf(err->message, sizeof(err->message));
}

char *k8sa_strdup0(const char *s)
{
	return s ? strdup(s) : NULL;
}

K8SA_EXPORT void k8sa_free(void *ptr)
{
	free(ptr);
}

static int init_count;

K8SA_EXPORT k8sa_status k8sa_global_init(void)
{
	if (init_count++ > 0)
		return K8SA_OK;
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		init_count--;
		return K8SA_E_INTERNAL;
	}
	return K8SA_OK;
}

K8SA_EXPORT void k8sa_global_cleanup(void)
{
	if (init_count > 0 && --init_count == 0)
		curl_global_cleanup();
}

K8SA_EXPORT const char *k8sa_version(void)
{
	return K8SA_VERSION_STRING;
}

K8SA_EXPORT unsigned int k8sa_version_num(void)
{
	return K8SA_VERSION_NUM;
}

double k8sa_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

int k8sa_contains_ci(const char *hay, size_t len, const char *needle)
{
	size_t m = strlen(needle);
	for (size_t i = 0; hay && i + m <= len; i++)
		if (strncasecmp(hay + i, needle, m) == 0)
			return 1;
	return m == 0;
}
