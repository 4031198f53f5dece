/* SPDX-License-Identifier: MIT */
/* k8sagentd request parsing: pure functions over the bytes a client sent (the raw query
 * string, the JSON body of /ask and /diagnose, the namespace it names, the method). They take
 * no libmicrohttpd connection and read no global configuration, so the fuzz harness
 * tests/fuzz/fuzz_service_request.c drives exactly the code the server runs.
 * Every function that fails returns an HTTP status and writes a message for the client into
 * msg (always NUL-terminated). */
#ifndef K8SAGENTD_REQUEST_H
#define K8SAGENTD_REQUEST_H

#include <json-c/json.h>
#include <stddef.h>

/* The fields of an /ask or /diagnose body. */
typedef struct kd_body {
	const char *question;  /* borrowed from root; NULL: absent, null or blank */
	const char *ns;        /* borrowed from root; NULL: absent or null */
	size_t ns_len;         /* JSON length of ns ("\u0000" makes strlen(ns) shorter) */
	int stream, no_cache;  /* booleans; 0 when absent */
	json_object *root;     /* owned; release with kd_body_clear() */
} kd_body;

/* Parse a request body of len bytes (s need not be NUL-terminated). An empty or all-blank
 * body is an empty object when !need_question. Strict JSON, valid UTF-8, one object, no
 * trailing data; wrong-typed fields are refused by name.
 * 0 on success; else 400, 413 (question longer than max_question) or 500 (no memory).
 * Call kd_body_clear() in both cases. */
int kd_body_parse(const char *s, size_t len, int need_question, size_t max_question, kd_body *b,
		  char *msg, size_t msglen);
void kd_body_clear(kd_body *b);

/* The value of key in a raw query string ("a=1&namespace=x%2Fy", without the '?'), decoded
 * as libmicrohttpd decodes arguments ('+' is a space, %XX a byte). *value gets a malloc'd
 * NUL-terminated copy (caller frees) and *len its decoded length: a "%00" makes
 * strlen(*value) < *len. A key without '=' has the empty value.
 * 0: found; 1: absent (*value NULL); 400: the key is given more than once (which value a
 * proxy in front saw is unknowable); 500: no memory. query may be NULL (no query). */
int kd_query_arg(const char *query, const char *key, char **value, size_t *len, char *msg,
		 size_t msglen);

/* 0 when ns (len bytes, possibly with a NUL inside) is a DNS-1123 label, the only shape that
 * may reach the Kubernetes API; else 400. */
int kd_namespace_check(const char *ns, size_t len, char *msg, size_t msglen);

/* 1 when the len bytes at p are strict UTF-8 (no overlong forms, no encoded surrogates, nothing
 * beyond U+10FFFF). */
int kd_utf8_valid(const unsigned char *p, size_t len);

/* A copy of the len bytes at s with the password of every "scheme://user:password@host" masked
 * ("user:***@"), by the library's k8sa_url_mask_userinfo(); NUL-terminated, its length in
 * *out_len, freed with free(). NULL when s holds no "://" (nothing to mask) or no memory. */
char *kd_mask_userinfo(const char *s, size_t len, size_t *out_len);

/* 1 when method is one of the comma-separated allow list ("GET, HEAD"). */
int kd_method_allowed(const char *allow, const char *method);

#endif
