/* SPDX-License-Identifier: MIT */
/* Safe output: URL userinfo masking and terminal control escaping (text.h). */
#include "internal.h"
#include "tbuf.h"
#include <k8sagent/text.h>

#include <string.h>

static int is_scheme_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '+' ||
	       c == '.' || c == '-';
}

/* Bytes that end a URL's authority in running text (the password may hold / # ? @). */
static int ends_url(unsigned char c)
{
	return c <= ' ' || c == '"' || c == '\'' || c == '<' || c == '>' || c == '`' || c == '\\' || c == 0x7f;
}

/* Append s[0..n) to out with each URL's password replaced by ***. */
static void mask_into(k8sa_tbuf *out, const char *s, size_t n)
{
	size_t copied = 0;
	for (size_t i = 0; i + 3 <= n; i++) {
		if (s[i] != ':' || s[i + 1] != '/' || s[i + 2] != '/')
			continue;
		size_t b = i; /* the scheme must be there: letters before "://" */
		while (b > 0 && is_scheme_char((unsigned char)s[b - 1]))
			b--;
		if (b == i)
			continue;
		size_t a = i + 3, e = a, at = 0;
		while (e < n && !ends_url((unsigned char)s[e]))
			e++;
		/* The userinfo ends at the last '@' before the path; a password holding '/', '?'
		 * or '#' (written unencoded) pushes the '@' past them: then the last '@' of the
		 * URL ends it (masking too much rather than too little). */
		size_t d = a;
		while (d < e && s[d] != '/' && s[d] != '?' && s[d] != '#')
			d++;
		for (size_t k = a; k < d; k++)
			if (s[k] == '@')
				at = k;
		if (!at)
			for (size_t k = d; k < e; k++)
				if (s[k] == '@')
					at = k;
		size_t colon = 0;
		for (size_t k = a; k < at; k++)
			if (s[k] == ':') {
				colon = k;
				break;
			}
		if (colon && colon + 1 < at && !(at - colon - 1 == 3 && memcmp(s + colon + 1, "***", 3) == 0)) {
			k8sa_tbuf_put(out, s + copied, colon + 1 - copied);
			k8sa_tbuf_puts(out, "***");
			copied = at;
		}
		i = e - 1;
	}
	k8sa_tbuf_put(out, s + copied, n - copied);
}

K8SA_EXPORT k8sa_status k8sa_url_mask_userinfo(const char *text, char **out, k8sa_error *err)
{
	if (!out)
		return k8sa_fail(err, K8SA_E_INVALID_ARG, "k8sa_url_mask_userinfo: out is NULL");
	*out = NULL;
	if (!text)
		return K8SA_OK;
	k8sa_tbuf b = {0};
	size_t n = strlen(text);
	if (k8sa_tbuf_reserve(&b, n + 8) == 0)
		mask_into(&b, text, n);
	*out = k8sa_tbuf_finish(&b, NULL);
	return *out ? K8SA_OK : k8sa_fail(err, K8SA_E_NOMEM, "out of memory");
}

/* In place on a fixed buffer (error messages): the result is cut to cap - 1 bytes. */
void k8sa_mask_userinfo_buf(char *buf, size_t cap)
{
	if (!buf || !cap || !strstr(buf, "://"))
		return;
	k8sa_tbuf out = {0};
	mask_into(&out, buf, strlen(buf));
	if (!out.oom && out.p) {
		size_t l = out.len < cap - 1 ? out.len : cap - 1;
		memcpy(buf, out.p, l);
		buf[l] = '\0';
	}
	k8sa_tbuf_release(&out);
}

/* Length of the valid UTF-8 sequence at s (1..4), 0 when invalid; *cp receives the code point. */
static size_t utf8_seq(const unsigned char *s, size_t n, unsigned *cp)
{
	unsigned c = s[0];
	size_t k;
	unsigned min;
	if (c < 0x80) {
		*cp = c;
		return 1;
	} else if (c >= 0xc2 && c <= 0xdf) {
		k = 2, min = 0x80, *cp = c & 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		k = 3, min = 0x800, *cp = c & 0x0f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		k = 4, min = 0x10000, *cp = c & 0x07;
	} else {
		return 0;
	}
	if (n < k)
		return 0;
	for (size_t j = 1; j < k; j++) {
		if ((s[j] & 0xc0) != 0x80)
			return 0;
		*cp = (*cp << 6) | (s[j] & 0x3f);
	}
	if (*cp < min || *cp > 0x10ffff || (*cp >= 0xd800 && *cp <= 0xdfff))
		return 0;
	return k;
}

/* The escaped copy, NULL when out of memory. */
static char *escape_controls(const char *text, size_t len, size_t *out_len)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *s = (const unsigned char *)(text ? text : "");
	if (!text)
		len = 0;
	k8sa_tbuf out = {0};
	if (k8sa_tbuf_reserve(&out, len + 16))
		return NULL;
	size_t copied = 0, i = 0;
	while (i < len) {
		unsigned c = s[i], cp = 0;
		if (c >= 0x20 && c < 0x7f) {
			i++;
			continue;
		}
		if (c == '\n' || c == '\t') {
			i++;
			continue;
		}
		size_t k = c >= 0x80 ? utf8_seq(s + i, len - i, &cp) : 1;
		if (k > 1 && !(cp >= 0x80 && cp <= 0x9f) && !(cp >= 0x202a && cp <= 0x202e) &&
		    !(cp >= 0x2066 && cp <= 0x2069)) {
			i += k;
			continue;
		}
		k8sa_tbuf_put(&out, (const char *)s + copied, i - copied);
		if (k > 1) {
			k8sa_tbuf_printf(&out, "\\u%04x", cp);
			i += k;
		} else {
			char e[4] = {'\\', 'x', hex[c >> 4], hex[c & 15]};
			k8sa_tbuf_put(&out, e, 4);
			i++;
		}
		copied = i;
	}
	k8sa_tbuf_put(&out, (const char *)s + copied, len - copied);
	return k8sa_tbuf_finish(&out, out_len);
}

K8SA_EXPORT k8sa_status k8sa_text_escape_controls(const char *text, size_t len, char **out, size_t *out_len,
						 k8sa_error *err)
{
	if (!out)
		return k8sa_fail(err, K8SA_E_INVALID_ARG, "k8sa_text_escape_controls: out is NULL");
	*out = escape_controls(text, len, out_len);
	return *out ? K8SA_OK : k8sa_fail(err, K8SA_E_NOMEM, "out of memory");
}

K8SA_EXPORT k8sa_status k8sa_text_escape_controls_str(const char *text, char **out, k8sa_error *err)
{
	if (!out)
		return k8sa_fail(err, K8SA_E_INVALID_ARG, "k8sa_text_escape_controls_str: out is NULL");
	*out = NULL;
	return text ? k8sa_text_escape_controls(text, strlen(text), out, NULL, err) : K8SA_OK;
}
