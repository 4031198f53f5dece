/* kubesim helpers: byte buffer, base64, Status bodies, continue tokens. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kubesim.h"

int ks_buf_add(ks_buf *b, const void *p, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 256;
		while (cap < b->len + n + 1)
			cap *= 2;
		char *d = realloc(b->data, cap);
		if (!d)
			return -1;
		b->data = d;
		b->cap = cap;
	}
	if (n && p)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
	return 0;
}

int ks_buf_adds(ks_buf *b, const char *s)
{
	return ks_buf_add(b, s, strlen(s));
}

int ks_buf_printf(ks_buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return -1;
	if (ks_buf_add(b, NULL, (size_t)n) < 0) /* reserve; the bytes are written below */
		return -1;
	va_start(ap, fmt);
	vsnprintf(b->data + b->len - (size_t)n, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return 0;
}

int ks_buf_add_jstr(ks_buf *b, const char *s)
{
	json_object *o = json_object_new_string(s);
	if (!o)
		return -1;
	int rc = ks_buf_adds(b, json_object_to_json_string_ext(
					o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
	return rc;
}

static const char b64url[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

char *ks_b64url_encode(const unsigned char *p, size_t n)
{
	char *out = malloc(n / 3 * 4 + 5);
	if (!out)
		return NULL;
	size_t o = 0, i = 0;
	for (; i + 2 < n; i += 3) {
		unsigned v = (unsigned)p[i] << 16 | (unsigned)p[i + 1] << 8 | p[i + 2];
		out[o++] = b64url[v >> 18 & 63];
		out[o++] = b64url[v >> 12 & 63];
		out[o++] = b64url[v >> 6 & 63];
		out[o++] = b64url[v & 63];
	}
	if (n - i == 1) {
		unsigned v = (unsigned)p[i] << 16;
		out[o++] = b64url[v >> 18 & 63];
		out[o++] = b64url[v >> 12 & 63];
	} else if (n - i == 2) {
		unsigned v = (unsigned)p[i] << 16 | (unsigned)p[i + 1] << 8;
		out[o++] = b64url[v >> 18 & 63];
		out[o++] = b64url[v >> 12 & 63];
		out[o++] = b64url[v >> 6 & 63];
	}
	out[o] = '\0';
	return out;
}

/* Either alphabet: continue tokens are URL-safe, bearer tokens standard. */
static int b64val(int c)
{
	static const char std[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	const char *p = c ? strchr(std, c) : NULL;
	return p ? (int)(p - std) : c == '-' ? 62 : c == '_' ? 63 : -1;
}

unsigned char *ks_b64_decode(const char *s, size_t *outlen)
{
	size_t n = strlen(s);
	while (n && s[n - 1] == '=')
		n--;
	if (n % 4 == 1)
		return NULL;
	unsigned char *out = malloc(n / 4 * 3 + 3);
	if (!out)
		return NULL;
	size_t o = 0;
	unsigned acc = 0;
	int bits = 0;
	for (size_t i = 0; i < n; i++) {
		int v = b64val((unsigned char)s[i]);
		if (v < 0) {
			free(out);
			return NULL;
		}
		acc = (acc << 6 | (unsigned)v) & 0xffffff;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[o++] = (unsigned char)(acc >> bits & 0xff);
		}
	}
	*outlen = o;
	return out;
}

char *ks_continue_token(const char *rv, const char *key)
{
	ks_buf b = {0};
	/* the real token's "start" is the last key plus a NUL byte, JSON-escaped */
	ks_buf_printf(&b, "{\"v\":\"meta.k8s.io/v1\",\"rv\":%s,\"start\":", rv);
	ks_buf_add_jstr(&b, key);
	if (!b.data || b.len < 1) {
		free(b.data);
		return NULL;
	}
	b.len--; /* drop the closing quote */
	ks_buf_adds(&b, "\\u0000\"}");
	char *tok = ks_b64url_encode((const unsigned char *)b.data, b.len);
	free(b.data);
	return tok;
}

char *ks_status_body(int code, const char *reason, const char *message,
		     const char *details_name, const char *details_group,
		     const char *details_kind, int details_empty, const char *meta_continue)
{
	json_object *o = json_object_new_object();
	json_object *meta = json_object_new_object();
	json_object_object_add(o, "kind", json_object_new_string("Status"));
	json_object_object_add(o, "apiVersion", json_object_new_string("v1"));
	if (meta_continue)
		json_object_object_add(meta, "continue", json_object_new_string(meta_continue));
	json_object_object_add(o, "metadata", meta);
	json_object_object_add(o, "status", json_object_new_string("Failure"));
	json_object_object_add(o, "message", json_object_new_string(message));
	json_object_object_add(o, "reason", json_object_new_string(reason));
	if (details_name || details_group || details_kind || details_empty) {
		json_object *d = json_object_new_object();
		if (details_name)
			json_object_object_add(d, "name", json_object_new_string(details_name));
		if (details_group && *details_group)
			json_object_object_add(d, "group", json_object_new_string(details_group));
		if (details_kind)
			json_object_object_add(d, "kind", json_object_new_string(details_kind));
		json_object_object_add(o, "details", d);
	}
	json_object_object_add(o, "code", json_object_new_int(code));
	char *s = strdup(json_object_to_json_string_ext(
		o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
	return s;
}
