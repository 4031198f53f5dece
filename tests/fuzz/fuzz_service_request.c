/* SPDX-License-Identifier: MIT */
/* Fuzz: what a client sends k8sagentd, through the same functions the server runs
 * (service/daemon/k8sagentd_request.c): the raw query string of /api/findings and the namespace it
 * names, the JSON body of /ask and /diagnose, the method check, and the masking of URL
 * passwords that every response body and log line goes through.
 * Input: 1 byte of flags (bit 0: the question is required as for /ask; bit 1: a 16-byte
 * question limit), a query line, a method line, then the body. */
#include "k8sagentd_request.h"
#include "fuzz.h"

#include <string.h>

/* What may reach the Kubernetes API as a namespace: a DNS-1123 label. */
static int is_label(const char *s, size_t len)
{
	if (len == 0 || len > 63 || strlen(s) != len || s[0] == '-' || s[len - 1] == '-')
		return 0;
	for (size_t i = 0; i < len; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '-'))
			return 0;
	return 1;
}

/* A malloc'd C string of the line at *p (up to '\n'); *p moves past it. */
static char *take_line(const char **p, const char *end)
{
	const char *nl = memchr(*p, '\n', (size_t)(end - *p));
	size_t n = (size_t)((nl ? nl : end) - *p);
	char *s = malloc(n + 1);
	if (!s)
		abort();
	memcpy(s, *p, n);
	s[n] = '\0';
	*p = nl ? nl + 1 : end;
	return s;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	int flags = data[0];
	const char *p = (const char *)data + 1, *end = (const char *)data + size;
	char *query = take_line(&p, end);
	char *method = take_line(&p, end);
	char msg[256];

	/* The query: the namespace argument decoded, then checked as the route checks it. */
	char *ns = NULL;
	size_t len = 0;
	int rc = kd_query_arg(query, "namespace", &ns, &len, msg, sizeof msg);
	FUZZ_ASSERT(rc == 0 || rc == 1 || rc == 400);
	FUZZ_ASSERT((rc == 0) == (ns != NULL));
	if (rc == 400)
		FUZZ_ASSERT(msg[0] != '\0');
	if (ns) {
		FUZZ_ASSERT(ns[len] == '\0' && strlen(ns) <= len);
		if (kd_namespace_check(ns, len, msg, sizeof msg) == 0)
			FUZZ_ASSERT(is_label(ns, len));
		else
			FUZZ_ASSERT(msg[0] != '\0');
		free(ns);
	}
	/* Any other key, including one that is a prefix of another. */
	if (kd_query_arg(query, "name", &ns, &len, msg, sizeof msg) == 0)
		free(ns);

	/* The body. */
	size_t max_question = (flags & 2) ? 16 : 4096;
	kd_body b;
	rc = kd_body_parse(p, (size_t)(end - p), flags & 1, max_question, &b, msg, sizeof msg);
	if (rc == 0) {
		FUZZ_ASSERT(b.root && json_object_is_type(b.root, json_type_object));
		if (b.question) {
			size_t q = strlen(b.question);
			FUZZ_ASSERT(q > 0 && q <= max_question);
			FUZZ_ASSERT(strspn(b.question, " \t\r\n") < q);
		}
		FUZZ_ASSERT(!(flags & 1) || b.question);
		if (b.ns && kd_namespace_check(b.ns, b.ns_len, msg, sizeof msg) == 0)
			FUZZ_ASSERT(is_label(b.ns, b.ns_len));
		/* Strict UTF-8 all the way: no overlong form or surrogate got through. */
		if (b.question)
			FUZZ_ASSERT(kd_utf8_valid((const unsigned char *)b.question, strlen(b.question)));
	} else {
		FUZZ_ASSERT(rc == 400 || rc == 413);
		FUZZ_ASSERT(msg[0] != '\0');
	}
	kd_body_clear(&b);

	/* The method against each allow list a route has. */
	int get = kd_method_allowed("GET, HEAD", method), post = kd_method_allowed("POST", method);
	FUZZ_ASSERT(get == (!strcmp(method, "GET") || !strcmp(method, "HEAD")));
	FUZZ_ASSERT(post == !strcmp(method, "POST"));

	/* URL userinfo masking: bounded growth, NUL-terminated, idempotent. */
	size_t mlen = 0, m2len = 0;
	char *m = kd_mask_userinfo((const char *)data, size, &mlen);
	if (m) {
		FUZZ_ASSERT(mlen <= 2 * size + 16 && m[mlen] == '\0');
		char *m2 = kd_mask_userinfo(m, mlen, &m2len);
		/* No second copy when the masked text has no URL left (a NUL cut it short). */
		FUZZ_ASSERT(m2 ? m2len == mlen && memcmp(m, m2, mlen) == 0 : !strstr(m, "://"));
		free(m2);
		free(m);
	}

	free(query);
	free(method);
	return 0;
}
