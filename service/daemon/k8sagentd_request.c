/* SPDX-License-Identifier: MIT */
/* k8sagentd request parsing (see k8sagentd_request.h): what a client sent, checked before the
 * library is asked to touch the Kubernetes API or the model. */
#include "config.h"
#include "k8sagentd_request.h"
#include "json_get.h" /* libk8sagent's private JSON readers: header-only */

#include <k8sagent/agent.h>
#include <k8sagent/text.h>
#include <microhttpd.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int fail(int status, char *msg, size_t msglen, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int fail(int status, char *msg, size_t msglen, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, msglen, fmt, ap);
	va_end(ap);
	return status;
}

static int is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

void kd_body_clear(kd_body *b)
{
	json_object_put(b->root);
	memset(b, 0, sizeof *b);
}

/* A string field: 0 and *out set (NULL when absent or null), else 400. */
static int string_field(json_object *root, const char *name, const char **out, size_t *len,
			char *msg, size_t msglen)
{
	json_object *v;
	*out = NULL;
	*len = 0;
	if (!json_object_object_get_ex(root, name, &v) || json_object_is_type(v, json_type_null))
		return 0;
	if (!json_object_is_type(v, json_type_string))
		return fail(400, msg, msglen, "'%s' must be a string", name);
	*out = json_object_get_string(v);
	*len = (size_t)json_object_get_string_len(v);
	return 0;
}

/* Strict UTF-8 (RFC 3629): no overlong forms, no encoded surrogates (CESU-8), nothing beyond
 * U+10FFFF. json-c's JSON_TOKENER_VALIDATE_UTF8 lets the first two through. 1 when valid. */
int kd_utf8_valid(const unsigned char *p, size_t len)
{
	size_t i = 0;
	while (i < len) {
		unsigned char c = p[i];
		if (c < 0x80) {
			i++;
			continue;
		}
		size_t n;
		uint32_t cp, min;
		if (c >= 0xc2 && c <= 0xdf)
			n = 1, cp = c & 0x1f, min = 0x80;
		else if (c >= 0xe0 && c <= 0xef)
			n = 2, cp = c & 0x0f, min = 0x800;
		else if (c >= 0xf0 && c <= 0xf4)
			n = 3, cp = c & 0x07, min = 0x10000;
		else
			return 0; /* continuation byte, C0/C1 (overlong) or F5..FF */
		if (len - i <= n)
			return 0;
		for (size_t k = 1; k <= n; k++) {
			if ((p[i + k] & 0xc0) != 0x80)
				return 0;
			cp = cp << 6 | (p[i + k] & 0x3f);
		}
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return 0;
		i += n + 1;
	}
	return 1;
}

static int hex4(const char *s, size_t len, size_t at, unsigned *out)
{
	if (len - at < 4)
		return 0;
	unsigned v = 0;
	for (size_t k = 0; k < 4; k++) {
		char c = s[at + k];
		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v |= (unsigned)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			v |= (unsigned)(c - 'A' + 10);
		else
			return 0;
	}
	*out = v;
	return 1;
}

/* \u escapes: a surrogate must be a high one followed at once by a low one (json-c turns a
 * lone one into U+FFFD or bytes that are not UTF-8). Backslashes only occur inside strings in
 * valid JSON, so the raw text is scanned as is. 1 when fine. */
static int escapes_valid(const char *s, size_t len)
{
	for (size_t i = 0; i + 1 < len; i++) {
		if (s[i] != '\\')
			continue;
		if (s[i + 1] != 'u') {
			i++; /* \\, \", \n...: skip the escaped character */
			continue;
		}
		unsigned u, lo;
		if (!hex4(s, len, i + 2, &u))
			return 1; /* the parser refuses it */
		i += 5;
		if (u >= 0xdc00 && u <= 0xdfff)
			return 0;
		if (u >= 0xd800 && u <= 0xdbff) {
			if (len - i < 7 || s[i + 1] != '\\' || s[i + 2] != 'u' || !hex4(s, len, i + 3, &lo) ||
			    lo < 0xdc00 || lo > 0xdfff)
				return 0;
			i += 6;
		}
	}
	return 1;
}

int kd_body_parse(const char *s, size_t len, int need_question, size_t max_question, kd_body *b,
		  char *msg, size_t msglen)
{
	memset(b, 0, sizeof *b);
	msg[0] = '\0';
	if (!s)
		len = 0;
	size_t i = 0;
	while (i < len && is_blank(s[i]))
		i++;
	if (i == len && !need_question) {
		b->root = json_object_new_object(); /* `curl -X POST /diagnose`: all defaults */
		return b->root ? 0 : fail(500, msg, msglen, "out of memory");
	}
	if (len > (size_t)INT32_MAX)
		return fail(413, msg, msglen, "request body too large");
	if (!kd_utf8_valid((const unsigned char *)s, len))
		return fail(400, msg, msglen, "invalid JSON: not valid UTF-8 (overlong forms and encoded surrogates are refused)");
	if (!escapes_valid(s, len))
		return fail(400, msg, msglen, "invalid JSON: a \\u escape names a lone surrogate");
	json_tokener *tok = json_tokener_new_ex(32); /* depth: a body nested deeper is refused */
	if (!tok)
		return fail(500, msg, msglen, "out of memory");
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
	json_object *root = json_tokener_parse_ex(tok, len ? s : "", (int)len);
	enum json_tokener_error jerr = json_tokener_get_error(tok);
	size_t used = json_tokener_get_parse_end(tok);
	json_tokener_free(tok);
	if (!root || jerr != json_tokener_success) {
		json_object_put(root);
		return fail(400, msg, msglen, "invalid JSON: %s",
			    jerr == json_tokener_continue ? "unexpected end of input"
							  : json_tokener_error_desc(jerr));
	}
	b->root = root;
	while (used < len && is_blank(s[used]))
		used++;
	if (used != len)
		return fail(400, msg, msglen, "invalid JSON: trailing data after the object");
	if (!json_object_is_type(root, json_type_object))
		return fail(400, msg, msglen, "the request body must be a JSON object");
	if (!json_numbers_finite(root, 0))
		return fail(400, msg, msglen, "invalid JSON: NaN and Infinity are not JSON numbers");

	size_t qlen;
	int rc = string_field(root, "question", &b->question, &qlen, msg, msglen);
	if (rc)
		return rc;
	if (b->question) {
		if (strlen(b->question) != qlen)
			return fail(400, msg, msglen, "'question' must not contain NUL characters");
		if (qlen > max_question)
			return fail(413, msg, msglen, "'question' is longer than %zu bytes", max_question);
		const char *q = b->question;
		while (is_blank(*q))
			q++;
		if (!*q)
			b->question = NULL;
	}
	if (need_question && !b->question)
		return fail(400, msg, msglen, "'question' is required (a non-empty string)");
	rc = string_field(root, "namespace", &b->ns, &b->ns_len, msg, msglen);
	if (rc)
		return rc;
	static const char *const bools[] = {"stream", "no_cache", "scan_logs"};
	b->scan_logs = -1;
	for (int k = 0; k < 3; k++) {
		json_object *v;
		if (!json_object_object_get_ex(root, bools[k], &v) || json_object_is_type(v, json_type_null))
			continue;
		if (!json_object_is_type(v, json_type_boolean))
			return fail(400, msg, msglen, "'%s' must be true or false", bools[k]);
		*(k == 0 ? &b->stream : k == 1 ? &b->no_cache : &b->scan_logs) = json_object_get_boolean(v);
	}
	return 0;
}

/* Decode [p, p+n) into a malloc'd string as libmicrohttpd decodes an argument. */
static char *decode(const char *p, size_t n, size_t *outlen)
{
	char *s = malloc(n + 1);
	if (!s)
		return NULL;
	for (size_t i = 0; i < n; i++)
		s[i] = p[i] == '+' ? ' ' : p[i];
	s[n] = '\0';
	/* MHD_http_unescape stops at the first NUL: none can be here, the input is a C string. */
	*outlen = MHD_http_unescape(s);
	return s;
}

int kd_query_arg(const char *query, const char *key, char **value, size_t *len, char *msg,
		 size_t msglen)
{
	*value = NULL;
	*len = 0;
	msg[0] = '\0';
	size_t keylen = strlen(key);
	for (const char *p = query; p && *p;) {
		size_t n = strcspn(p, "&");
		size_t kn = strcspn(p, "=&");
		size_t dk;
		char *k = decode(p, kn, &dk);
		if (!k) {
			free(*value);
			*value = NULL;
			return fail(500, msg, msglen, "out of memory");
		}
		int match = dk == keylen && memcmp(k, key, keylen) == 0;
		free(k);
		if (match) {
			if (*value) {
				free(*value);
				*value = NULL;
				*len = 0;
				return fail(400, msg, msglen, "query argument '%s' given more than once", key);
			}
			const char *v = kn < n ? p + kn + 1 : p + n;
			*value = decode(v, (size_t)(p + n - v), len);
			if (!*value)
				return fail(500, msg, msglen, "out of memory");
		}
		p += n;
		if (*p == '&')
			p++;
	}
	return *value ? 0 : 1;
}

int kd_namespace_check(const char *ns, size_t len, char *msg, size_t msglen)
{
	msg[0] = '\0';
	/* strlen first: a NUL inside would hide the rest of the name from the label check. */
	if (!ns || strlen(ns) != len || !k8sa_namespace_is_valid(ns))
		return fail(400, msg, msglen, "invalid namespace: must be a DNS-1123 label "
			    "(lower-case letters, digits and '-', at most 63 characters)");
	return 0;
}

int kd_method_allowed(const char *allow, const char *method)
{
	size_t n = strlen(method);
	for (const char *p = allow; *p;) {
		size_t m = strcspn(p, ",");
		if (m == n && strncmp(p, method, n) == 0)
			return 1;
		p += m;
		while (*p == ',' || *p == ' ')
			p++;
	}
	return 0;
}

/* ---- URL userinfo ------------------------------------------------------------------------- */
char *kd_mask_userinfo(const char *s, size_t len, size_t *out_len)
{
	/* Fast path: most bodies hold no URL at all. */
	int any = 0;
	for (size_t i = 0; i + 3 <= len && !any; i++)
		any = s[i] == ':' && s[i + 1] == '/' && s[i + 2] == '/';
	if (!any)
		return NULL;
	/* The library's masking (text.h), on a NUL-terminated copy; a NUL inside the bytes (not in
	 * JSON or a log line) ends what is masked, so such input is masked up to it and cut. */
	char *copy = malloc(len + 1);
	if (!copy)
		return NULL;
	memcpy(copy, s, len);
	copy[len] = '\0';
	char *masked = NULL;
	k8sa_status st = k8sa_url_mask_userinfo(copy, &masked, NULL);
	free(copy);
	if (st != K8SA_OK || !masked)
		return NULL;
	size_t n = strlen(masked);
	char *out = malloc(n + 1); /* plain malloc/free for the callers */
	if (out) {
		memcpy(out, masked, n + 1);
		if (out_len)
			*out_len = n;
	}
	k8sa_free(masked);
	return out;
}
