/* SPDX-License-Identifier: MIT */
/* Secret scrubbing: one hand-written pass over the text. The scanner stops at word starts
 * (an [A-Za-z0-9_] byte after a non-word byte) and at "-----BEGIN"; everything else is
 * copied in bulk, which keeps it at memcpy-like speed on ordinary logs. Every cut is at an
 * ASCII byte, so UTF-8 sequences are never split. */
#include "internal.h"
#include "tbuf.h"
#include <k8sagent/redact.h>

#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NKINDS 8

static const char *const kind_names[NKINDS] = {
	"password", "token", "jwt", "private-key", "aws-key", "api-key", "secret", "custom",
};

struct k8sa_redactor {
	unsigned long counts[NKINDS];
	char **keys; /* extra secret key words, lower case */
	size_t nkeys;
	char **lits;
	size_t nlits;
	regex_t *res;
	size_t nres;
};

K8SA_EXPORT int k8sa_redact_kind_count(void)
{
	return NKINDS;
}

K8SA_EXPORT const char *k8sa_redact_kind_name(k8sa_redact_kind kind)
{
	if ((unsigned)kind < NKINDS)
		return kind_names[kind];
	return "unknown";
}

/* ---- character classes (ASCII only: bytes >= 0x80 are never word bytes) ---- */

static inline int is_upper(unsigned char c) { return c >= 'A' && c <= 'Z'; }
static inline int is_lower(unsigned char c) { return c >= 'a' && c <= 'z'; }
static inline int is_digit(unsigned char c) { return c >= '0' && c <= '9'; }
static inline int is_alnum(unsigned char c) { return is_upper(c) || is_lower(c) || is_digit(c); }
/* Byte classes: 1 word [A-Za-z0-9_], 2 key (word - .), 4 base64url (word -), 8 base64
 * (word - + / =), 16 horizontal space. Generated; ASCII only. */
static const unsigned char ctab[256] = {
	 0,  0,  0,  0,  0,  0,  0,  0,  0, 16,  0,  0,  0,  0,  0,  0,
	 0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,
	16,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  8,  0, 14,  2,  8,
	15, 15, 15, 15, 15, 15, 15, 15, 15, 15,  0,  0,  0,  8,  0,  0,
	 0, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15,
	15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15,  0,  0,  0,  0, 15,
	 0, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15,
	15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15,  0,  0,  0,  0,  0,
	 0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,
	 0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,
	 0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,
	 0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,
	 0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,
	 0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,
	 0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,
	 0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,
};
static inline int is_word(unsigned char c) { return ctab[c] & 1; }
static inline int is_keych(unsigned char c) { return ctab[c] & 2; }
static inline int is_b64url(unsigned char c) { return ctab[c] & 4; }
static inline int is_b64(unsigned char c) { return ctab[c] & 8; }
static inline int is_hspace(unsigned char c) { return ctab[c] & 16; }
static inline int is_space(unsigned char c) { return is_hspace(c) || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }
static inline int is_backslash(unsigned char c) { return c == '\\'; }
static inline unsigned char lower(unsigned char c) { return is_upper(c) ? (unsigned char)(c + 32) : c; }

static int has_prefix(const char *s, size_t n, const char *pfx)
{
	size_t k = strlen(pfx);
	return n >= k && memcmp(s, pfx, k) == 0;
}

static int has_prefix_ci(const char *s, size_t n, const char *pfx)
{
	size_t k = strlen(pfx);
	if (n < k)
		return 0;
	for (size_t i = 0; i < k; i++)
		if (lower((unsigned char)s[i]) != (unsigned char)pfx[i])
			return 0;
	return 1;
}

static const char *find_bytes(const char *s, size_t n, const char *needle, size_t k)
{
	if (k == 0 || n < k)
		return NULL;
	const char *end = s + n - k;
	for (const char *p = s; p <= end; p++) {
		p = memchr(p, needle[0], (size_t)(end - p) + 1);
		if (!p)
			return NULL;
		if (memcmp(p, needle, k) == 0)
			return p;
	}
	return NULL;
}

/* ---- key classification ---- */

#define MAXWORDS 12
#define WORDLEN 40

typedef struct {
	char w[MAXWORDS][WORDLEN];
	int n;
} words;

/* Split a key like "aws_secret_access_key", "clientSecret", "X-Api-Key", "APIKey" into
 * lower-case words. Over-long words are cut (substring checks still see their start). */
static void split_words(const char *s, size_t n, words *out)
{
	out->n = 0;
	size_t len = 0;
	for (size_t i = 0; i <= n; i++) {
		unsigned char c = i < n ? (unsigned char)s[i] : 0;
		int brk = (i == n) || !is_alnum(c);
		/* camelCase: lower->Upper, or the last upper of "APIKey" before a lower */
		int camel = !brk && i > 0 && is_upper(c) &&
			    (is_lower((unsigned char)s[i - 1]) ||
			     (is_upper((unsigned char)s[i - 1]) && i + 1 < n && is_lower((unsigned char)s[i + 1])));
		if ((brk || camel) && len) {
			out->w[out->n][len < WORDLEN ? len : WORDLEN - 1] = '\0';
			if (out->n < MAXWORDS - 1)
				out->n++;
			len = 0;
		}
		if (!brk) {
			if (len < WORDLEN - 1)
				out->w[out->n][len] = (char)lower(c);
			len++;
		}
	}
}

static int in_list(const char *w, const char *const *list)
{
	for (; *list; list++)
		if (strcmp(w, *list) == 0)
			return 1;
	return 0;
}

enum {
	W_SECRET = 1, W_PW = 2, W_TOK = 4, W_API = 8, W_PRIV = 16, W_KEY = 32, W_AUTHZ = 64,
};

/* Word flags in one pass: substrings anywhere in the word (password, passwd, secret, token,
 * apikey, accesskey, secretkey, privatekey, credential), whole words (pwd, pass, passphrase,
 * auth, authorization, creds, cookie) and the bare key word. This runs for every key in the
 * text, so it avoids a strstr per candidate. */
static int word_flags(const char *w)
{
	int f = 0;
	for (const char *p = w; *p; p++) {
		switch (*p) {
		case 'p':
			if (!strncmp(p, "passw", 5))
				f |= W_SECRET | W_PW;
			else if (!strncmp(p, "privatekey", 10))
				f |= W_SECRET | W_PRIV;
			break;
		case 's':
			if (!strncmp(p, "secret", 6))
				f |= W_SECRET;
			break;
		case 't':
			if (!strncmp(p, "token", 5))
				f |= W_SECRET | W_TOK;
			break;
		case 'a':
			if (!strncmp(p, "apikey", 6) || !strncmp(p, "accesskey", 9))
				f |= W_SECRET | W_API;
			break;
		case 'c':
			if (!strncmp(p, "credential", 10))
				f |= W_SECRET;
			break;
		default:
			break;
		}
	}
	switch (w[0]) {
	case 'p':
		if (!strcmp(w, "pwd") || !strcmp(w, "pass") || !strcmp(w, "passphrase"))
			f |= W_SECRET | W_PW;
		break;
	case 'a':
		if (!strcmp(w, "auth"))
			f |= W_SECRET | W_TOK;
		else if (!strcmp(w, "authorization"))
			f |= W_SECRET | W_TOK | W_AUTHZ;
		break;
	case 'c':
		if (!strcmp(w, "creds"))
			f |= W_SECRET;
		else if (!strcmp(w, "cookie"))
			f |= W_SECRET | W_TOK;
		break;
	case 'k':
		if (!strcmp(w, "key") || !strcmp(w, "keys"))
			f |= W_KEY;
		break;
	default:
		break;
	}
	return f;
}

static const char *const key_qualifiers[] = {
	"api", "access", "secret", "private", "signing", "encryption", "master", "account",
	"storage", "client", "shared", "license", "subscription", "ssh", "gpg", "session", NULL,
};
/* A key whose last word is one of these holds a reference or a setting, not a secret. */
static const char *const ref_last[] = {
	"name", "names", "ref", "file", "files", "path", "dir", "url", "uri", "host", "port",
	"endpoint", "type", "length", "len", "ttl", "expiry", "expires", "expiration", "seconds",
	"timeout", "enabled", "mode", "count", "size", "version", "format", "hint", "policy",
	"prefix", "header", "field", "location", "provider", "source", "namespace", "user",
	"username", "min", "max", "required", "volume", "mount", NULL,
};

enum { NOT_SECRET = -1 };

/* Kind of secret a key names, or NOT_SECRET. env: rules for env var names (bare KEY counts). */
static int classify_words(const words *ws, int env, const k8sa_redactor *r, int *is_auth_header)
{
	int secret = 0, pw = 0, tok = 0, api = 0, priv = 0, aws = 0;
	if (is_auth_header)
		*is_auth_header = 0;
	if (ws->n == 0)
		return NOT_SECRET;
	for (int i = 0; i < ws->n; i++) {
		const char *w = ws->w[i];
		int f = word_flags(w);
		if (w[0] == 'a' && !strcmp(w, "aws"))
			aws = 1;
		if (f & W_KEY) {
			const char *prev = i > 0 ? ws->w[i - 1] : "";
			if (env || in_list(prev, key_qualifiers)) {
				f |= W_SECRET;
				if (!strcmp(prev, "private"))
					priv = 1;
				else if (!strcmp(prev, "api") || !strcmp(prev, "access"))
					api = 1;
			}
		}
		if (!(f & W_SECRET) && env && !strcmp(w, "salt"))
			f |= W_SECRET;
		if (!(f & W_SECRET) && r)
			for (size_t k = 0; k < r->nkeys; k++)
				if (!strcmp(w, r->keys[k])) {
					f |= W_SECRET;
					break;
				}
		if (!(f & W_SECRET))
			continue;
		secret = 1;
		pw |= !!(f & W_PW);
		tok |= !!(f & W_TOK);
		api |= !!(f & W_API);
		priv |= !!(f & W_PRIV);
		if ((f & W_AUTHZ) && is_auth_header)
			*is_auth_header = 1;
	}
	if (!secret)
		return NOT_SECRET;
	/* "secretName", "TOKEN_FILE", "password_min_length" point at or tune the secret. */
	if (ws->n > 1 && in_list(ws->w[ws->n - 1], ref_last))
		return NOT_SECRET;
	if (aws)
		return K8SA_REDACT_AWS_KEY;
	if (priv)
		return K8SA_REDACT_PRIVATE_KEY;
	if (pw)
		return K8SA_REDACT_PASSWORD;
	if (tok)
		return K8SA_REDACT_TOKEN;
	if (api)
		return K8SA_REDACT_API_KEY;
	return K8SA_REDACT_SECRET;
}

static int env_kind(const k8sa_redactor *r, const char *name, size_t n)
{
	words ws;
	split_words(name, n, &ws);
	return classify_words(&ws, 1, r, NULL);
}

K8SA_EXPORT int k8sa_env_name_is_secret(const char *name)
{
	if (!name)
		return 0;
	return env_kind(NULL, name, strlen(name)) != NOT_SECRET;
}

/* ---- the scanner ---- */

typedef struct {
	size_t start, end; /* bytes [start, end) are replaced by the marker */
	int kind;
} match;

typedef struct {
	const char *s;
	size_t n;
	const k8sa_redactor *r;
	size_t env_pending_until; /* a "name: DB_PASSWORD" was seen: redact the next "value" */
	int env_pending_kind;
} scanner;

enum { C_WORD = 1, C_KEY = 2, C_B64URL = 4, C_B64 = 8, C_HSPACE = 16 };

static inline size_t run_cls(const char *s, size_t n, size_t i, unsigned mask)
{
	while (i < n && (ctab[(unsigned char)s[i]] & mask))
		i++;
	return i;
}

static size_t run(const char *s, size_t n, size_t i, int (*cls)(unsigned char))
{
	while (i < n && cls((unsigned char)s[i]))
		i++;
	return i;
}

/* End of a PEM private key block starting at i ("-----BEGIN "), or 0 when it is not one. */
static size_t pem_end(const scanner *sc, size_t i)
{
	const char *s = sc->s;
	size_t n = sc->n;
	if (!has_prefix(s + i, n - i, "-----BEGIN "))
		return 0;
	size_t lim = i + 11 + 64 < n ? i + 11 + 64 : n;
	const char *dash = find_bytes(s + i + 11, lim - (i + 11), "-----", 5);
	if (!dash || !find_bytes(s + i + 11, (size_t)(dash - (s + i + 11)), "PRIVATE KEY", 11))
		return 0;
	size_t body = (size_t)(dash - s) + 5;
	const char *end = find_bytes(s + body, n - body, "-----END ", 9);
	if (!end)
		return n; /* truncated: the rest is key material */
	size_t e = (size_t)(end - s) + 9;
	const char *close = find_bytes(s + e, (n - e) < 80 ? n - e : 80, "-----", 5);
	return close ? (size_t)(close - s) + 5 : run_cls(s, n, e, C_KEY);
}

static int token_has_signal(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (is_digit(c) || c == '.' || c == '_' || c == '~' || c == '+' || c == '/' || c == '=')
			return 1;
	}
	return len >= 24;
}

static int is_tokch(unsigned char c)
{
	return is_b64(c) || c == '.' || c == '~';
}

/* Well-known token shapes starting at a word start. */
static int try_token(const scanner *sc, size_t i, match *m)
{
	const char *s = sc->s + i;
	size_t n = sc->n - i, e;

	/* Every shape below starts with one of these bytes: most words leave here. */
	switch (s[0]) {
	case 'e': case 'A': case 'g': case 'x': case 's': case 'b': case 'B':
		break;
	default:
		return 0;
	}

	/* JWT: header.payload.signature, header and payload base64url JSON ("eyJ" = '{"'). */
	if (has_prefix(s, n, "eyJ")) {
		size_t a = run_cls(s, n, 0, C_B64URL);
		if (a >= 10 && a < n && s[a] == '.') {
			size_t b = run_cls(s, n, a + 1, C_B64URL);
			if (b - a - 1 >= 4 && b < n && s[b] == '.') {
				e = run_cls(s, n, b + 1, C_B64URL);
				*m = (match){i, i + e, K8SA_REDACT_JWT};
				return 1;
			}
		}
	}
	/* AWS access key id: 4-letter prefix + 16 upper-case alnum, exactly. */
	if (n >= 20 && s[0] == 'A') {
		static const char *const pfx[] = {"AKIA", "ASIA", "AGPA", "AIDA", "AROA", "ANPA", "ANVA", "AIPA", NULL};
		for (const char *const *p = pfx; *p; p++)
			if (memcmp(s, *p, 4) == 0) {
				size_t k = 4;
				while (k < 20 && (is_upper((unsigned char)s[k]) || is_digit((unsigned char)s[k])))
					k++;
				if (k == 20 && (n == 20 || !is_alnum((unsigned char)s[20]))) {
					*m = (match){i, i + 20, K8SA_REDACT_AWS_KEY};
					return 1;
				}
				break;
			}
	}
	/* GitHub, GitLab, Slack, OpenAI-style tokens. */
	if (n > 4 && s[0] == 'g' && s[1] == 'h' && strchr("pousr", s[2]) && s[3] == '_') {
		e = run(s, n, 4, is_alnum);
		if (e - 4 >= 20) {
			*m = (match){i, i + e, K8SA_REDACT_TOKEN};
			return 1;
		}
	}
	if (has_prefix(s, n, "github_pat_") || has_prefix(s, n, "glpat-")) {
		size_t p = s[1] == 'i' ? 11 : 6;
		e = run_cls(s, n, p, C_B64URL);
		if (e - p >= 20) {
			*m = (match){i, i + e, K8SA_REDACT_TOKEN};
			return 1;
		}
	}
	if (n > 5 && has_prefix(s, n, "xox") && strchr("abposr", s[3]) && s[4] == '-') {
		e = run_cls(s, n, 5, C_B64URL);
		if (e - 5 >= 10) {
			*m = (match){i, i + e, K8SA_REDACT_TOKEN};
			return 1;
		}
	}
	if (has_prefix(s, n, "sk-")) {
		e = run_cls(s, n, 3, C_B64URL);
		int digit = 0;
		for (size_t k = 3; k < e; k++)
			digit |= is_digit((unsigned char)s[k]);
		if (e - 3 >= 20 && digit) {
			*m = (match){i, i + e, K8SA_REDACT_API_KEY};
			return 1;
		}
	}
	/* "Bearer <token>" anywhere (headers are also caught by the Authorization key). */
	if (has_prefix_ci(s, n, "bearer") && n > 7 && is_hspace((unsigned char)s[6])) {
		size_t a = run_cls(s, n, 6, C_HSPACE);
		e = run(s, n, a, is_tokch);
		if (e - a >= 8 && token_has_signal(s + a, e - a) && !has_prefix(s + a, n - a, "[REDACTED")) {
			*m = (match){i + a, i + e, K8SA_REDACT_TOKEN};
			return 1;
		}
	}
	return 0;
}

/* scheme://user:password@host: the password. */
static int try_url(const scanner *sc, size_t i, match *m)
{
	const char *s = sc->s;
	size_t n = sc->n;
	size_t j = i;
	if (!is_upper((unsigned char)s[j]) && !is_lower((unsigned char)s[j]))
		return 0;
	while (j < n && j - i < 32 && (is_alnum((unsigned char)s[j]) || s[j] == '+' || s[j] == '.' || s[j] == '-'))
		j++;
	if (!has_prefix(s + j, n - j, "://"))
		return 0;
	size_t a = j + 3, k = a, at = 0, colon = 0;
	for (; k < n; k++) {
		unsigned char c = (unsigned char)s[k];
		if (c == '/' || c == '?' || c == '#' || is_space(c) || c == '"' || c == '\'' || c == '<' ||
		    c == '>' || c == '`' || c == '\\' || c == '\0')
			break;
		if (c == '@')
			at = k;
	}
	if (!at)
		return 0;
	k = a;
	if (has_prefix(s + a, at - a, "[REDACTED:")) { /* already redacted user part */
		while (k < at && s[k] != ']')
			k++;
	}
	for (; k < at; k++)
		if (s[k] == ':') {
			colon = k;
			break;
		}
	if (!colon || colon + 1 >= at || has_prefix(s + colon + 1, at - colon - 1, "[REDACTED"))
		return 0;
	*m = (match){colon + 1, at, K8SA_REDACT_PASSWORD};
	return 1;
}

/* Long base64-looking runs mixing cases and digits: bare keys, PEM bodies. */
static int try_entropy(const scanner *sc, size_t i, match *m)
{
	const char *s = sc->s;
	size_t e = run_cls(s, sc->n, i, C_B64);
	size_t len = e - i;
	if (len < 40)
		return 0;
	int up = 0, lo = 0, dg = 0;
	size_t trans = 0;
	int prev = -1;
	for (size_t k = i; k < e; k++) {
		unsigned char c = (unsigned char)s[k];
		int cls = is_upper(c) ? 0 : is_lower(c) ? 1 : is_digit(c) ? 2 : 3;
		up |= cls == 0;
		lo |= cls == 1;
		dg |= cls == 2;
		if (prev >= 0 && cls != prev)
			trans++;
		prev = cls;
	}
	/* Random base64 changes class at ~64% of positions, words and paths far less often.
	 * 40 chars is the AWS secret key shape: accept a little less mixing there. */
	if (!(up && lo && dg) || trans * 100 < len * (len == 40 ? 35 : 45))
		return 0;
	*m = (match){i, e, K8SA_REDACT_SECRET};
	return 1;
}

/* Values that are English, not secrets: an unquoted value starting with one of these words
 * is prose ("token: expired", "password: incorrect") and stays. */
static int prose_word(const char *s, size_t n)
{
	static const char *const prose[] = {
		"the", "a", "an", "is", "was", "not", "no", "none", "invalid", "expired", "missing",
		"failed", "failure", "error", "unable", "cannot", "could", "denied", "required", "empty",
		"unauthorized", "forbidden", "unknown", "bad", "wrong", "incorrect", "rejected", "timeout",
		"timed", "refused", "true", "false", "nil", "set", "unset", "ok", "found", "present",
		"provided", "mismatch", "did", "does", "must", "should", "will", "for", "of", "in", "to",
		"has", "have", "had", "mismatched", "revoked", "malformed", "too", "using", NULL,
	};
	size_t k = 0;
	char w[16];
	while (k < n && k < sizeof(w) - 1 && is_lower((unsigned char)s[k])) {
		w[k] = s[k];
		k++;
	}
	if (k == 0 || k == sizeof(w) - 1 || (k < n && is_word((unsigned char)s[k])))
		return 0;
	w[k] = '\0';
	return in_list(w, prose);
}

static int is_stop_eq(unsigned char c)
{
	return is_space(c) || c == '&' || c == ',' || c == ';' || c == '"' || c == '\'' || c == ')' ||
	       c == '}' || c == ']' || c == '<' || c == '>' || c == '\\' || c == '\0';
}

static int is_stop_colon(unsigned char c)
{
	return c == '\n' || c == '\r' || c == ',' || c == ';' || c == '}' || c == ']' || c == '"' ||
	       c == '\'' || c == '\0';
}

/* Extent of a value starting at p: quoted, escaped-quoted (JSON inside a string), or bare.
 * to_eol: the value is a whole header ("Authorization: Basic xyz"). Returns 0 when empty. */
static int value_extent(const scanner *sc, size_t p, int colon, int to_eol, size_t *vs, size_t *ve)
{
	const char *s = sc->s;
	size_t n = sc->n;
	if (p >= n)
		return 0;
	unsigned char c = (unsigned char)s[p];
	if ((c == '"' || c == '\'') && has_prefix(s + p + 1, n - p - 1, "-----BEGIN ") && pem_end(sc, p + 1)) {
		*vs = p + 1;
		*ve = pem_end(sc, p + 1);
	} else if (c == '"' || c == '\'') {
		size_t k = p + 1;
		while (k < n && (unsigned char)s[k] != c && s[k] != '\n') {
			if (s[k] == '\\' && k + 1 < n)
				k++;
			k++;
		}
		if (k > n)
			k = n;
		*vs = p + 1;
		*ve = k;
	} else if (c == '\\' && run(s, n, p, is_backslash) < n && s[run(s, n, p, is_backslash)] == '"') {
		/* escaped quote(s): the value ends at the next backslash-escaped quote */
		size_t k = run(s, n, p, is_backslash) + 1;
		*vs = k;
		const char *q = find_bytes(s + k, n - k, "\\\"", 2);
		size_t e = q ? (size_t)(q - s) : n;
		while (e > k && s[e - 1] == '\\')
			e--;
		*ve = e;
	} else if (has_prefix(s + p, n - p, "-----BEGIN ") && pem_end(sc, p)) {
		*vs = p;
		*ve = pem_end(sc, p);
	} else {
		size_t k = p;
		if (!to_eol && colon && (c == '{' || c == '['))
			return 0; /* a structure: its own keys get scanned */
		if (has_prefix(s + p, n - p, "<set to the key"))
			return 0; /* kubectl describe: a reference, and evidence */
		if (prose_word(s + p, n - p))
			return 0; /* "failed to fetch token: the server could not..." */
		for (; k < n; k++) {
			unsigned char d = (unsigned char)s[k];
			if (to_eol) {
				if (d == '\n' || d == '\r' || d == '"' || d == '\'' || d == '\0')
					break;
			} else if (colon ? is_stop_colon(d) : is_stop_eq(d)) {
				break;
			}
			if (d == '\\' && k + 1 < n && strchr("nrt\"", s[k + 1]))
				break;
		}
		while (k > p && is_hspace((unsigned char)s[k - 1]))
			k--;
		*vs = p;
		*ve = k;
	}
	if (*ve <= *vs || has_prefix(s + *vs, *ve - *vs, "[REDACTED"))
		return 0;
	size_t vlen = *ve - *vs;
	if ((vlen == 4 && memcmp(s + *vs, "null", 4) == 0) || (vlen == 2 && memcmp(s + *vs, "\"\"", 2) == 0))
		return 0;
	return 1;
}

/* Cheap pre-check before splitting a key into words: every secret word has one of these
 * three-letter pieces. */
static int maybe_secret_key(const char *s, size_t n)
{
	for (size_t j = 0; j + 3 <= n; j++) {
		char a = (char)lower((unsigned char)s[j]), b = (char)lower((unsigned char)s[j + 1]),
		     c = (char)lower((unsigned char)s[j + 2]);
		switch (a) {
		case 'p':
			if ((b == 'a' && c == 's') || (b == 'w' && c == 'd') || (b == 'r' && c == 'i'))
				return 1;
			break;
		case 's':
			if ((b == 'e' && c == 'c') || (b == 'a' && c == 'l'))
				return 1;
			break;
		case 't':
			if (b == 'o' && c == 'k')
				return 1;
			break;
		case 'k':
			if (b == 'e' && c == 'y')
				return 1;
			break;
		case 'a':
			if ((b == 'u' && c == 't') || (b == 'p' && c == 'i') || (b == 'c' && c == 'c'))
				return 1;
			break;
		case 'c':
			if ((b == 'r' && c == 'e') || (b == 'o' && c == 'o'))
				return 1;
			break;
		default:
			break;
		}
	}
	return 0;
}

/* key=value, key: value, "key": "value", --key value. ks/ke: the key's bytes. */
static int try_kv(scanner *sc, size_t ks, size_t ke, match *m)
{
	const char *s = sc->s;
	size_t n = sc->n, p = ke;
	/* trim a trailing '.'/'-' that belongs to the sentence, not the key */
	while (ke > ks && (s[ke - 1] == '.' || s[ke - 1] == '-'))
		ke--;
	p = ke;
	int quoted = 0;
	if (p < n && (s[p] == '"' || s[p] == '\'')) {
		p++;
		quoted = 1;
	} else if (p < n && s[p] == '\\') {
		/* JSON escaped once or more inside a string: \"key\": or \\\"key\\\": */
		size_t b = run(s, n, p, is_backslash);
		if (b < n && s[b] == '"') {
			p = b + 1;
			quoted = 1;
		}
	}
	size_t q = p;
	if (!quoted)
		q = run_cls(s, n, p, C_HSPACE);
	int colon = 0, flag = 0;
	if (q < n && s[q] == ':' && !has_prefix(s + q, n - q, "://") && !has_prefix(s + q, n - q, "::")) {
		if (q != p && !(q + 1 < n && s[q + 1] == '='))
			return 0; /* "volume "x" : msg" is prose, not a key ("x := y" is code) */
		colon = 1;
		q++;
		if (q < n && s[q] == '=')
			q++, colon = 0;
	} else if (q < n && s[q] == '=' && !has_prefix(s + q, n - q, "==")) {
		q++;
		if (q < n && s[q] == '>')
			q++;
	} else if (!quoted && q == p + 1 && s[p] == ' ' && ks >= 1 && s[ks - 1] == '-' &&
		   (ks == 1 || s[ks - 2] == '-' || is_space((unsigned char)s[ks - 2])) && q < n &&
		   s[q] != '-' && !is_space((unsigned char)s[q])) {
		flag = 1; /* --password hunter2 */
	} else {
		return 0;
	}
	if (!flag)
		q = run_cls(s, n, q, C_HSPACE);

	if (!sc->r || !sc->r->nkeys) {
		size_t kl = ke - ks;
		int special = (kl == 4 && has_prefix_ci(s + ks, kl, "name")) || (kl == 5 && has_prefix_ci(s + ks, kl, "value"));
		if (!special && !maybe_secret_key(s + ks, kl))
			return 0;
	}
	words ws;
	split_words(s + ks, ke - ks, &ws);
	int auth_hdr = 0;
	int kind = classify_words(&ws, 0, sc->r, &auth_hdr);
	size_t vs, ve;
	if (ws.n == 1 && strcmp(ws.w[0], "name") == 0) {
		/* Kubernetes env entry: name: DB_PASSWORD, then value: ... */
		if (value_extent(sc, q, colon, 0, &vs, &ve)) {
			int ek = env_kind(sc->r, s + vs, ve - vs);
			sc->env_pending_until = ek == NOT_SECRET ? 0 : ve + 256;
			sc->env_pending_kind = ek;
		}
		return 0;
	}
	if (kind == NOT_SECRET && ws.n == 1 && strcmp(ws.w[0], "value") == 0 && sc->env_pending_until > ks) {
		kind = sc->env_pending_kind;
		sc->env_pending_until = 0;
	}
	if (kind == NOT_SECRET)
		return 0;
	if (!value_extent(sc, q, colon, auth_hdr, &vs, &ve))
		return 0;
	*m = (match){vs, ve, kind};
	return 1;
}

static void emit_marker(k8sa_tbuf *out, unsigned long *counts, int kind)
{
	k8sa_tbuf_puts(out, "[REDACTED:");
	k8sa_tbuf_puts(out, kind_names[kind]);
	k8sa_tbuf_putc(out, ']');
	if (counts)
		counts[kind]++;
}

static void scan_text(const k8sa_redactor *r, const char *s, size_t n, k8sa_tbuf *out, unsigned long *counts)
{
	scanner sc = {.s = s, .n = n, .r = r};
	size_t i = 0, copied = 0;
	match m;
	while (i < n) {
		unsigned char c = (unsigned char)s[i];
		int hit = 0;
		if (is_word(c) && (i == 0 || !is_word((unsigned char)s[i - 1]))) {
			size_t ke = run_cls(s, n, i, C_KEY);
			hit = try_token(&sc, i, &m) ||
			      (ke < n && (s[ke] == ':' || s[ke] == '+') && try_url(&sc, i, &m)) ||
			      try_kv(&sc, i, ke, &m) || try_entropy(&sc, i, &m);
			if (!hit) {
				i = run_cls(s, n, i, C_WORD);
				continue;
			}
		} else if (c == '-' && s[i + 0] == '-' && n - i > 11 && s[i + 5] == 'B') {
			size_t e = pem_end(&sc, i);
			if (e) {
				m = (match){i, e, K8SA_REDACT_PRIVATE_KEY};
				hit = 1;
			}
		}
		if (!hit) {
			i++;
			continue;
		}
		k8sa_tbuf_put(out, s + copied, m.start - copied);
		emit_marker(out, counts, m.kind);
		i = copied = m.end;
	}
	k8sa_tbuf_put(out, s + copied, n - copied);
}

/* ---- caller additions: literals and regexes, applied after the built-in pass ---- */

static int replace_literal(k8sa_tbuf *b, const char *lit, unsigned long *counts)
{
	size_t k = strlen(lit);
	const char *hit = find_bytes(b->p, b->len, lit, k);
	if (!hit)
		return 0;
	k8sa_tbuf nb = {0};
	const char *s = b->p, *end = b->p + b->len;
	while (hit) {
		k8sa_tbuf_put(&nb, s, (size_t)(hit - s));
		emit_marker(&nb, counts, K8SA_REDACT_CUSTOM);
		s = hit + k;
		hit = find_bytes(s, (size_t)(end - s), lit, k);
	}
	k8sa_tbuf_put(&nb, s, (size_t)(end - s));
	if (nb.oom) {
		k8sa_tbuf_release(&nb);
		return -1;
	}
	k8sa_tbuf_release(b);
	*b = nb;
	return 0;
}

static int replace_regex(k8sa_tbuf *b, const regex_t *re, unsigned long *counts)
{
	k8sa_tbuf nb = {0};
	size_t pos = 0;
	int any = 0;
	while (pos <= b->len) {
		regmatch_t rm[1];
		rm[0].rm_so = (regoff_t)pos;
		rm[0].rm_eo = (regoff_t)b->len;
		if (regexec(re, b->p, 1, rm, REG_STARTEND | (pos ? REG_NOTBOL : 0)) != 0)
			break;
		size_t so = (size_t)rm[0].rm_so, eo = (size_t)rm[0].rm_eo;
		if (eo <= so) /* empty matches were refused at add time; be safe anyway */
			break;
		k8sa_tbuf_put(&nb, b->p + pos, so - pos);
		emit_marker(&nb, counts, K8SA_REDACT_CUSTOM);
		pos = eo;
		any = 1;
	}
	if (!any) {
		k8sa_tbuf_release(&nb);
		return 0;
	}
	k8sa_tbuf_put(&nb, b->p + pos, b->len - pos);
	if (nb.oom) {
		k8sa_tbuf_release(&nb);
		return -1;
	}
	k8sa_tbuf_release(b);
	*b = nb;
	return 0;
}

char *k8sa_redact_dup(k8sa_redactor *r, const char *text, size_t len, size_t *out_len)
{
	k8sa_tbuf out = {0};
	if (!text)
		len = 0;
	/* Output is rarely longer than input: one allocation for the common case. */
	if (k8sa_tbuf_reserve(&out, len + 64))
		return NULL;
	scan_text(r, text ? text : "", len, &out, r ? r->counts : NULL);
	if (out.oom || k8sa_tbuf_reserve(&out, 0)) {
		k8sa_tbuf_release(&out);
		return NULL;
	}
	out.p[out.len] = '\0';
	if (r) {
		for (size_t k = 0; k < r->nlits; k++)
			if (replace_literal(&out, r->lits[k], r->counts)) {
				k8sa_tbuf_release(&out);
				return NULL;
			}
		for (size_t k = 0; k < r->nres; k++)
			if (replace_regex(&out, &r->res[k], r->counts)) {
				k8sa_tbuf_release(&out);
				return NULL;
			}
	}
	return k8sa_tbuf_finish(&out, out_len);
}

/* The public forms: a status, the string through `out`. */
static k8sa_status str_result(char *s, char **out, k8sa_error *err)
{
	*out = s;
	return s ? K8SA_OK : k8sa_fail(err, K8SA_E_NOMEM, "out of memory");
}

K8SA_EXPORT k8sa_status k8sa_redactor_apply(k8sa_redactor *r, const char *text, size_t len, char **out,
					    size_t *out_len, k8sa_error *err)
{
	if (!out)
		return k8sa_fail(err, K8SA_E_INVALID_ARG, "k8sa_redactor_apply: out is NULL");
	return str_result(k8sa_redact_dup(r, text, len, out_len), out, err);
}

K8SA_EXPORT k8sa_status k8sa_redact(const char *text, size_t len, char **out, size_t *out_len, k8sa_error *err)
{
	return k8sa_redactor_apply(NULL, text, len, out, out_len, err);
}

K8SA_EXPORT k8sa_status k8sa_redact_str(const char *text, char **out, k8sa_error *err)
{
	if (!out)
		return k8sa_fail(err, K8SA_E_INVALID_ARG, "k8sa_redact_str: out is NULL");
	*out = NULL;
	if (!text)
		return K8SA_OK;
	return k8sa_redact(text, strlen(text), out, NULL, err);
}

K8SA_EXPORT k8sa_status k8sa_redactor_env_value(k8sa_redactor *r, const char *name, const char *value, char **out,
						k8sa_error *err)
{
	if (!out)
		return k8sa_fail(err, K8SA_E_INVALID_ARG, "k8sa_redactor_env_value: out is NULL");
	*out = NULL;
	if (!value)
		return K8SA_OK;
	int kind = name ? env_kind(r, name, strlen(name)) : NOT_SECRET;
	if (kind != NOT_SECRET && value[0]) {
		char buf[32];
		snprintf(buf, sizeof(buf), "[REDACTED:%s]", kind_names[kind]);
		if (r)
			r->counts[kind]++;
		return str_result(k8sa_strdup0(buf), out, err);
	}
	return str_result(k8sa_redact_dup(r, value, strlen(value), NULL), out, err);
}

K8SA_EXPORT k8sa_status k8sa_redact_env_value(const char *name, const char *value, char **out, k8sa_error *err)
{
	return k8sa_redactor_env_value(NULL, name, value, out, err);
}

/* ---- the handle ---- */

K8SA_EXPORT k8sa_status k8sa_redactor_new(k8sa_redactor **out, k8sa_error *err)
{
	if (!out)
		return k8sa_fail(err, K8SA_E_INVALID_ARG, "k8sa_redactor_new: out is NULL");
	if (!(*out = calloc(1, sizeof(k8sa_redactor))))
		return k8sa_fail(err, K8SA_E_NOMEM, "out of memory");
	return K8SA_OK;
}

K8SA_EXPORT void k8sa_redactor_free(k8sa_redactor *r)
{
	if (!r)
		return;
	for (size_t k = 0; k < r->nkeys; k++)
		free(r->keys[k]);
	for (size_t k = 0; k < r->nlits; k++)
		free(r->lits[k]);
	for (size_t k = 0; k < r->nres; k++)
		regfree(&r->res[k]);
	free(r->keys);
	free(r->lits);
	free(r->res);
	free(r);
}

static k8sa_status push_str(char ***arr, size_t *n, char *s, k8sa_error *err)
{
	char **na = realloc(*arr, (*n + 1) * sizeof(*na));
	if (!na) {
		free(s);
		return k8sa_fail(err, K8SA_E_NOMEM, "out of memory");
	}
	na[(*n)++] = s;
	*arr = na;
	return K8SA_OK;
}

K8SA_EXPORT k8sa_status k8sa_redactor_add_key(k8sa_redactor *r, const char *word, k8sa_error *err)
{
	if (!r || !word || !word[0] || strlen(word) >= WORDLEN)
		return k8sa_fail(err, K8SA_E_INVALID_ARG, "redactor key word must be 1..%d characters", WORDLEN - 1);
	for (const char *p = word; *p; p++)
		if (!is_alnum((unsigned char)*p))
			return k8sa_fail(err, K8SA_E_INVALID_ARG,
					 "redactor key word \"%s\": only letters and digits (it is matched as one word of a key)",
					 word);
	char *w = k8sa_strdup0(word);
	if (!w)
		return k8sa_fail(err, K8SA_E_NOMEM, "out of memory");
	for (char *p = w; *p; p++)
		*p = (char)lower((unsigned char)*p);
	return push_str(&r->keys, &r->nkeys, w, err);
}

K8SA_EXPORT k8sa_status k8sa_redactor_add_literal(k8sa_redactor *r, const char *value, k8sa_error *err)
{
	if (!r || !value || strlen(value) < 4)
		return k8sa_fail(err, K8SA_E_INVALID_ARG, "redactor literal must be at least 4 bytes");
	char *v = k8sa_strdup0(value);
	if (!v)
		return k8sa_fail(err, K8SA_E_NOMEM, "out of memory");
	return push_str(&r->lits, &r->nlits, v, err);
}

K8SA_EXPORT k8sa_status k8sa_redactor_add_regex(k8sa_redactor *r, const char *pattern, k8sa_error *err)
{
	if (!r || !pattern || !pattern[0])
		return k8sa_fail(err, K8SA_E_INVALID_ARG, "empty redactor pattern");
	regex_t re;
	int rc = regcomp(&re, pattern, REG_EXTENDED);
	if (rc != 0) {
		char msg[200];
		regerror(rc, &re, msg, sizeof(msg));
		return k8sa_fail(err, K8SA_E_INVALID_ARG, "redactor pattern \"%s\": %s", pattern, msg);
	}
	regmatch_t rm[1];
	if (regexec(&re, "", 1, rm, 0) == 0) {
		regfree(&re);
		return k8sa_fail(err, K8SA_E_INVALID_ARG, "redactor pattern \"%s\" matches the empty string", pattern);
	}
	regex_t *na = realloc(r->res, (r->nres + 1) * sizeof(*na));
	if (!na) {
		regfree(&re);
		return k8sa_fail(err, K8SA_E_NOMEM, "out of memory");
	}
	na[r->nres++] = re;
	r->res = na;
	return K8SA_OK;
}

K8SA_EXPORT unsigned long k8sa_redactor_count(const k8sa_redactor *r, k8sa_redact_kind kind)
{
	if (!r || (unsigned)kind >= NKINDS)
		return 0;
	return r->counts[kind];
}

K8SA_EXPORT unsigned long k8sa_redactor_total(const k8sa_redactor *r)
{
	unsigned long t = 0;
	if (r)
		for (int k = 0; k < NKINDS; k++)
			t += r->counts[k];
	return t;
}

K8SA_EXPORT k8sa_status k8sa_redactor_counts_json(const k8sa_redactor *r, char **out, k8sa_error *err)
{
	if (!out)
		return k8sa_fail(err, K8SA_E_INVALID_ARG, "k8sa_redactor_counts_json: out is NULL");
	*out = NULL;
	if (!r)
		return k8sa_fail(err, K8SA_E_INVALID_ARG, "k8sa_redactor_counts_json: redactor is NULL");
	k8sa_tbuf b = {0};
	k8sa_tbuf_putc(&b, '{');
	for (int k = 0; k < NKINDS; k++)
		k8sa_tbuf_printf(&b, "\"%s\":%lu,", kind_names[k], r->counts[k]);
	k8sa_tbuf_printf(&b, "\"total\":%lu}", k8sa_redactor_total(r));
	return str_result(k8sa_tbuf_finish(&b, NULL), out, err);
}

K8SA_EXPORT void k8sa_redactor_reset_counts(k8sa_redactor *r)
{
	if (r)
		memset(r->counts, 0, sizeof(r->counts));
}
