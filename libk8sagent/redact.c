/* SPDX-License-Identifier: MIT */
/* Secret scrubbing, the scanner: one pass over the text. It stops at candidate starts (a
 * word start, "-----BEGIN", a " -flag", a '$' or '{' of a password hash, a look-alike
 * letter) and asks the rules (redact_rules.c) whether a secret starts there; everything else
 * is copied in bulk, which keeps it near memcpy speed on ordinary logs. Every cut is at an
 * ASCII byte, so UTF-8 sequences are never split. */
#include "internal.h"
#include "tbuf.h"
#include "redact_internal.h"
#include "redact_rules.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NOT_SECRET RR_NOT_SECRET
#define NKINDS K8SA_REDACT_NKINDS
#define kind_names k8sa_redact_kind_names

/* ---- keys ---- */

static int classify_key(const k8sa_redactor *r, const char *key, size_t n, int env, int *auth_hdr)
{
	rr_words ws;
	rr_split_words(key, n, &ws);
	return rr_classify(&ws, env, r ? r->keys : NULL, r ? r->nkeys : 0, auth_hdr);
}

static int env_kind(const k8sa_redactor *r, const char *name, size_t n)
{
	return classify_key(r, name, n, 1, NULL);
}

int k8sa_redact_env_kind(const k8sa_redactor *r, const char *name, size_t n)
{
	return name ? env_kind(r, name, n) : NOT_SECRET;
}

int k8sa_redact_key_kind(const k8sa_redactor *r, const char *key, size_t n)
{
	return key ? classify_key(r, key, n, 0, NULL) : NOT_SECRET;
}

K8SA_EXPORT int k8sa_env_name_is_secret(const char *name)
{
	if (!name)
		return 0;
	return env_kind(NULL, name, strlen(name)) != NOT_SECRET;
}

/* ---- the scanner ---- */

typedef rr_match match;

typedef struct {
	const char *s;
	size_t n;
	const k8sa_redactor *r;
	size_t env_pending_until; /* a "name: DB_PASSWORD" was seen: redact the next "value" */
	int env_pending_kind;
	size_t secret_until;      /* inside a Secret's data: every value up to here is secret */
} scanner;

static int quoted_at(const char *s, size_t n, size_t v, size_t *vs, size_t *ve);

static int is_backslash(unsigned char c)
{
	return c == '\\';
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
	if (!rr_has_prefix(s + i, n - i, "-----BEGIN "))
		return 0;
	size_t lim = i + 11 + 64 < n ? i + 11 + 64 : n;
	const char *dash = rr_find(s + i + 11, lim - (i + 11), "-----", 5);
	if (!dash || !rr_find(s + i + 11, (size_t)(dash - (s + i + 11)), "PRIVATE KEY", 11))
		return 0;
	size_t body = (size_t)(dash - s) + 5;
	const char *end = rr_find(s + body, n - body, "-----END ", 9);
	if (!end)
		return n; /* truncated: the rest is key material */
	size_t e = (size_t)(end - s) + 9;
	const char *close = rr_find(s + e, (n - e) < 80 ? n - e : 80, "-----", 5);
	return close ? (size_t)(close - s) + 5 : rr_run(s, n, e, C_KEY);
}

static int is_stop_eq(unsigned char c)
{
	return rr_is_space(c) || c == '&' || c == ',' || c == ';' || c == '"' || c == '\'' || c == ')' || c == '}' ||
	       c == ']' || c == '<' || c == '>' || c == '\\' || c == '\0';
}

static int is_stop_colon(unsigned char c)
{
	return c == '\n' || c == '\r' || c == ',' || c == ';' || c == '}' || c == ']' || c == '"' || c == '\'' ||
	       c == '\0';
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
	if ((c == '"' || c == '\'') && rr_has_prefix(s + p + 1, n - p - 1, "-----BEGIN ") && pem_end(sc, p + 1)) {
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
		const char *q = rr_find(s + k, n - k, "\\\"", 2);
		size_t e = q ? (size_t)(q - s) : n;
		while (e > k && s[e - 1] == '\\')
			e--;
		*ve = e;
	} else if (rr_has_prefix(s + p, n - p, "-----BEGIN ") && pem_end(sc, p)) {
		*vs = p;
		*ve = pem_end(sc, p);
	} else {
		size_t k = p;
		if (!to_eol && colon && (c == '{' || c == '['))
			return 0; /* a structure: its own keys get scanned */
		if (rr_has_prefix(s + p, n - p, "<set to the key"))
			return 0; /* kubectl describe: a reference, and evidence */
		if (rr_prose_word(s + p, n - p))
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
		while (k > p && rr_is_hspace((unsigned char)s[k - 1]))
			k--;
		*vs = p;
		*ve = k;
	}
	if (*ve <= *vs || rr_has_prefix(s + *vs, *ve - *vs, "[REDACTED"))
		return 0;
	size_t vlen = *ve - *vs;
	if ((vlen == 4 && memcmp(s + *vs, "null", 4) == 0) || (vlen == 2 && memcmp(s + *vs, "\"\"", 2) == 0))
		return 0;
	return 1;
}

/* Start of the line holding i ('\n' or a JSON-escaped "\n" ends the previous one). */
static size_t line_start(const char *s, size_t i, size_t max)
{
	size_t lim = i > max ? i - max : 0;
	while (i > lim && s[i - 1] != '\n' && !(s[i - 1] == 'n' && i >= 2 && s[i - 2] == '\\'))
		i--;
	return i;
}

/* After the line holding i: the next line's start, or n. */
static size_t next_line(const char *s, size_t n, size_t i)
{
	while (i < n && s[i] != '\n' && !(s[i] == '\\' && i + 1 < n && s[i + 1] == 'n'))
		i++;
	return i >= n ? n : s[i] == '\n' ? i + 1 : i + 2;
}

/* Whether "kind: Secret" (YAML or JSON, maybe escaped) is near p: the data there is secret. */
static int in_secret_doc(const scanner *sc, size_t p)
{
	size_t a = p > 8192 ? p - 8192 : 0, b = p + 8192 < sc->n ? p + 8192 : sc->n;
	const char *s = sc->s, *q = s + a;
	while ((q = rr_find(q, (size_t)(s + b - q), "Secret", 6))) {
		size_t k = (size_t)(q - s);
		q += 6;
		if (k + 6 < sc->n && rr_is_word((unsigned char)s[k + 6]))
			continue;
		while (k > a && strchr(" \t:\"'\\", s[k - 1]))
			k--;
		if (k >= a + 4 && memcmp(s + k - 4, "kind", 4) == 0)
			return 1;
	}
	return 0;
}

/* A Secret's data/stringData value starting at q: where its block ends (YAML: the lines
 * indented deeper than the key's; JSON: the matching '}'), or 0. */
static size_t secret_data_end(const scanner *sc, size_t ks, size_t q)
{
	const char *s = sc->s;
	size_t n = sc->n;
	if (q < n && s[q] == '{') {
		int depth = 0, str = 0;
		for (size_t k = q; k < n; k++) {
			if (str) {
				if (s[k] == '\\')
					k++;
				else if (s[k] == '"')
					str = 0;
			} else if (s[k] == '"') {
				str = 1;
			} else if (s[k] == '{') {
				depth++;
			} else if (s[k] == '}' && --depth == 0) {
				return k;
			}
		}
		return n;
	}
	size_t indent = ks - line_start(s, ks, 256), l = next_line(s, n, q), end = l;
	while (l < n) {
		size_t k = l;
		while (k < n && s[k] == ' ')
			k++;
		if (k - l <= indent && next_line(s, n, l) - l > k - l + 1)
			break; /* a line not indented deeper, and not blank */
		end = l = next_line(s, n, l);
	}
	return end;
}

/* Whether an Authorization value with a space starts with an auth scheme ("Bearer x"). */
static int auth_scheme(const char *s, size_t n)
{
	static const char *const schemes[] = {
		"bearer ", "basic ", "token ", "digest ", "negotiate ", "ntlm ", "aws4-hmac-sha256 ", "hmac ",
		"apikey ", "api-key ", "key ", "sharedkey ", "sso-key ", "splunk ", "otp ", "dpop ", "oauth ",
		"signature ", "gsslogin ", "mac ", "hoba ", "mutual ", "scram-sha-256 ", "vapid ", "sharedaccesssignature ",
		NULL,
	};
	for (const char *const *k = schemes; *k; k++)
		if (rr_has_prefix_ci(s, n, *k))
			return 1;
	return 0;
}

/* Whether the quoted key starting at ks is a call's first argument: ("key" or (\"key\". */
static int call_arg(const char *s, size_t ks)
{
	size_t k = ks;
	if (k < 1 || (s[k - 1] != '"' && s[k - 1] != '\''))
		return 0;
	k--;
	while (k > 0 && s[k - 1] == '\\')
		k--;
	if (k > 0 && s[k - 1] == ' ')
		k--;
	return k > 0 && s[k - 1] == '(';
}

/* key=value, key: value, "key": "value", --key value. [ks, ke): the key's bytes in the text;
 * key/klen: the key as classified (the same bytes, or the ASCII a look-alike key imitates). */
static int try_kv(scanner *sc, size_t ks, size_t ke, const char *key, size_t klen, match *m)
{
	const char *s = sc->s;
	size_t n = sc->n, p;
	/* trim a trailing '.'/'-' that belongs to the sentence, not the key */
	while (key == s + ks && ke > ks && (s[ke - 1] == '.' || s[ke - 1] == '-'))
		ke--, klen--;
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
		q = rr_run(s, n, p, C_HSPACE);
	int colon = 0, flag = 0, eq = 0;
	if (q < n && s[q] == ':' && !rr_has_prefix(s + q, n - q, "://") && !rr_has_prefix(s + q, n - q, "::")) {
		if (q != p && !(q + 1 < n && s[q + 1] == '='))
			return 0; /* "volume "x" : msg" is prose, not a key ("x := y" is code) */
		colon = 1;
		q++;
		if (q < n && s[q] == '=')
			q++, colon = 0;
	} else if (q < n && s[q] == '=' && !rr_has_prefix(s + q, n - q, "==")) {
		eq = q == ke;
		q++;
		if (q < n && s[q] == '>')
			q++;
	} else if (quoted && q < n && s[q] == ',' && call_arg(s, ks)) {
		/* a call's key and value: define('DB_PASSWORD', 'p'), setProperty("password", "p") */
		int kind = classify_key(sc->r, key, klen, 1, NULL);
		size_t vs, ve, v = rr_run(s, n, q + 1, C_HSPACE), b = v;
		while (b < n && s[b] == '\\')
			b++;
		if (b > v && b < n && s[b] == '"') { /* \"value\" inside a JSON string */
			const char *e = rr_find(s + b + 1, n - b - 1, "\\\"", 2);
			vs = b + 1;
			ve = e ? (size_t)(e - s) : vs;
			while (ve > vs && s[ve - 1] == '\\')
				ve--;
		} else if (!quoted_at(s, n, v, &vs, &ve)) {
			return 0;
		}
		if (kind == NOT_SECRET || ve <= vs || rr_has_prefix(s + vs, ve - vs, "[REDACTED"))
			return 0;
		*m = (match){vs, ve, kind};
		return 1;
	} else if (!quoted && q == ke && q < n && s[q] == '>' && ks >= 1 && s[ks - 1] == '<') {
		/* <password>value</password> (Maven settings, Jenkins, NuGet) */
		int kind = classify_key(sc->r, key, klen, 0, NULL);
		size_t e = q + 1;
		while (e < n && s[e] != '<' && s[e] != '\n' && e - q < 4096)
			e++;
		if (kind == NOT_SECRET || e >= n || s[e] != '<' || e == q + 1 || rr_has_prefix(s + q + 1, e - q - 1, "[REDACTED"))
			return 0;
		*m = (match){q + 1, e, kind};
		return 1;
	} else if (!quoted && q == p + 1 && s[p] == ' ' && ks >= 1 && s[ks - 1] == '-' &&
		   (ks == 1 || s[ks - 2] == '-' || rr_is_space((unsigned char)s[ks - 2])) && q < n && s[q] != '-' &&
		   !rr_is_space((unsigned char)s[q])) {
		flag = 1; /* --password hunter2 */
	} else {
		return 0;
	}
	if (!flag)
		q = rr_run(s, n, q, C_HSPACE);

	size_t vs, ve;
	if (sc->secret_until > ks) {
		/* inside a Secret's data: every value is secret */
		if (!value_extent(sc, q, colon, 0, &vs, &ve))
			return 0;
		*m = (match){vs, ve, K8SA_REDACT_SECRET};
		return 1;
	}
	if ((klen == 4 && memcmp(key, "data", 4) == 0) || (klen == 10 && memcmp(key, "stringData", 10) == 0)) {
		if (colon && in_secret_doc(sc, ks)) {
			size_t v = q;
			while (v < n && s[v] == '\\' && v + 1 < n && s[v + 1] == '"')
				v += 2;
			sc->secret_until = secret_data_end(sc, ks, v);
		}
		return 0;
	}
	if (!sc->r || !sc->r->nkeys) {
		if (rr_is_digit((unsigned char)key[0]))
			return 0; /* "12:00:00", "2024-05-01T12:00" */
		int named = (klen == 3 && rr_has_prefix_ci(key, klen, "key")) ||
			      (klen == 4 && rr_has_prefix_ci(key, klen, "name")) ||
			      (klen == 5 && rr_has_prefix_ci(key, klen, "value"));
		if (!named && !rr_maybe_secret_key(key, klen))
			return 0;
	}
	rr_words ws;
	rr_split_words(key, klen, &ws);
	int auth_hdr = 0;
	/* FOO_API_KEY=...: an env assignment, judged by the env rules (a bare KEY counts) */
	int env = eq && klen > 3 && memchr(key, '_', klen);
	for (size_t k = 0; env && k < klen; k++)
		env = rr_is_upper((unsigned char)key[k]) || rr_is_digit((unsigned char)key[k]) || key[k] == '_';
	int kind = rr_classify(&ws, env, sc->r ? sc->r->keys : NULL, sc->r ? sc->r->nkeys : 0, &auth_hdr);
	if (ws.n == 1 && (strcmp(ws.w[0], "name") == 0 || strcmp(ws.w[0], "key") == 0)) {
		/* Kubernetes env entry (name: DB_PASSWORD, then value: ...) or an XML/config
		 * pair (<add key="ClearTextPassword" value="..."/>) */
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
	if (auth_hdr && memchr(s + vs, ' ', ve - vs) && !auth_scheme(s + vs, ve - vs))
		return 0; /* "may require authorization: server message: ..." is prose */
	if (colon && ve - vs <= 2 && (s[vs] == '|' || s[vs] == '>') && (ve - vs == 1 || strchr("-+", s[vs + 1]))) {
		/* a YAML block scalar: the value is the lines indented below the key */
		size_t indent = ks - line_start(s, ks, 256), l = next_line(s, n, ve), end = l;
		while (l < n) {
			size_t k = l;
			while (k < n && s[k] == ' ')
				k++;
			if (k - l <= indent)
				break;
			end = l = next_line(s, n, l);
		}
		while (end > ve && (s[end - 1] == '\n' || s[end - 1] == '\r'))
			end--;
		if (end <= ve + 1)
			return 0;
		vs = next_line(s, n, ve);
		ve = end;
	}
	*m = (match){vs, ve, kind};
	return 1;
}

/* " -p secret", "-pSECRET", "-u user:secret" on the command lines that take passwords there
 * (rules in redact_rules.c). i: the '-'. */
static int try_flag(const scanner *sc, size_t i, match *m)
{
	const char *s = sc->s;
	size_t n = sc->n, e = i;
	while (e < n && (rr_is_alnum((unsigned char)s[e]) || s[e] == '-' || s[e] == '_'))
		e++;
	size_t ls = line_start(s, i, 1024);
	int attached, userpass;
	size_t vs = 0, ve = 0;
	if (rr_flag_takes_secret(s + ls, i - ls, s + i, e - i, &attached, &userpass) && attached != 1) {
		size_t p = e;
		if (p < n && s[p] == '=')
			p++;
		else if (p < n && rr_is_hspace((unsigned char)s[p]))
			p = rr_run(s, n, p, C_HSPACE);
		else
			return 0;
		if (p >= n || s[p] == '-')
			return 0;
		vs = p;
		size_t b = p;
		while (b < n && s[b] == '\\')
			b++;
		if (b > p && b < n && s[b] == '"') { /* \"value\" inside a JSON string */
			const char *q = rr_find(s + b + 1, n - b - 1, "\\\"", 2);
			vs = b + 1;
			ve = q ? (size_t)(q - s) : n;
			while (ve > vs && s[ve - 1] == '\\')
				ve--;
		} else if (s[p] == '"' || s[p] == '\'') {
			const char *q = memchr(s + p + 1, s[p], n - p - 1);
			vs = p + 1;
			ve = q ? (size_t)(q - s) : n;
		} else {
			ve = p;
			while (ve < n && !rr_is_space((unsigned char)s[ve]) && s[ve] != '"' && s[ve] != '\'' && s[ve] != '\\')
				ve++;
		}
	} else if (e - i > 2 && s[i + 1] != '-' &&
		   rr_flag_takes_secret(s + ls, i - ls, s + i, 2, &attached, &userpass) && attached) {
		vs = i + 2; /* glued: -pSECRET */
		ve = vs;
		while (ve < n && !rr_is_space((unsigned char)s[ve]) && s[ve] != '"' && s[ve] != '\'' && s[ve] != '\\')
			ve++;
	} else {
		return 0;
	}
	if (userpass) {
		size_t k = vs;
		while (k < ve && s[k] != ':' && s[k] != '%' && s[k] != ',')
			k++;
		if (k >= ve)
			return 0; /* a user alone: the password is prompted for */
		vs = k + 1;
	}
	if (ve <= vs || rr_has_prefix(s + vs, ve - vs, "[REDACTED") || s[vs] == '$')
		return 0;
	*m = (match){vs, ve, K8SA_REDACT_PASSWORD};
	return 1;
}

/* A quoted string at v ('...' or "..."): its inside [*vs, *ve), 0 when none or empty. */
static int quoted_at(const char *s, size_t n, size_t v, size_t *vs, size_t *ve)
{
	if (v >= n || (s[v] != '\'' && s[v] != '"'))
		return 0;
	const char *q = memchr(s + v + 1, s[v], n - v - 1 < 4096 ? n - v - 1 : 4096);
	if (!q || (size_t)(q - s) == v + 1)
		return 0;
	*vs = v + 1;
	*ve = (size_t)(q - s);
	return 1;
}

/* Passwords after a space, where the format says so: .netrc ("machine h login u password
 * p"), SQL ("IDENTIFIED [WITH plugin] BY 'p'", "WITH PASSWORD 'p'"), redis ("requirepass p",
 * "masterauth p", "AUTH p"), prose ("login with password S3cret!", "password 'p'"),
 * Dockerfile and csh ("ENV DB_PASSWORD p", "setenv API_TOKEN p"). */
static int try_spaced_password(const scanner *sc, size_t i, size_t ke, match *m)
{
	const char *s = sc->s;
	size_t n = sc->n, v, vs, ve, w = ke - i;
	if (w == 2 && rr_has_prefix_ci(s + i, n - i, "by") && ke < n && rr_is_hspace((unsigned char)s[ke])) {
		size_t ls = line_start(s, i, 256);
		if (!rr_find(s + ls, i - ls, "IDENTIFIED", 10) && !rr_find(s + ls, i - ls, "identified", 10))
			return 0;
		if (!quoted_at(s, n, rr_run(s, n, ke, C_HSPACE), &vs, &ve))
			return 0;
		*m = (match){vs, ve, K8SA_REDACT_PASSWORD};
		return 1;
	}
	if (((w == 3 && !memcmp(s + i, "ENV", 3)) || (w == 6 && !memcmp(s + i, "setenv", 6))) && ke < n && s[ke] == ' ') {
		size_t k0 = ke + 1, k1 = rr_run(s, n, k0, C_KEY);
		if (k1 == k0 || k1 >= n || s[k1] != ' ' || env_kind(sc->r, s + k0, k1 - k0) == NOT_SECRET)
			return 0;
		v = k1 + 1;
		if (!quoted_at(s, n, v, &vs, &ve)) {
			vs = v;
			ve = v;
			while (ve < n && !rr_is_space((unsigned char)s[ve]))
				ve++;
		}
		if (ve <= vs || rr_has_prefix(s + vs, ve - vs, "[REDACTED"))
			return 0;
		*m = (match){vs, ve, env_kind(sc->r, s + k0, k1 - k0)};
		return 1;
	}
	int redis = (w == 11 && rr_has_prefix_ci(s + i, n - i, "requirepass")) ||
		    (w == 10 && rr_has_prefix_ci(s + i, n - i, "masterauth")) || (w == 4 && !memcmp(s + i, "AUTH", 4));
	int pw = (w == 8 && rr_has_prefix_ci(s + i, n - i, "password")) ||
		 (w == 6 && rr_has_prefix_ci(s + i, n - i, "passwd")) ||
		 (w == 10 && rr_has_prefix_ci(s + i, n - i, "passphrase"));
	if ((!redis && !pw) || ke + 1 >= n || s[ke] != ' ' || s[ke + 1] == '-')
		return 0;
	v = ke + 1;
	if (quoted_at(s, n, v, &vs, &ve)) { /* password 'p', WITH PASSWORD 'p' */
		*m = (match){vs, ve, K8SA_REDACT_PASSWORD};
		return 1;
	}
	ve = v;
	while (ve < n && !rr_is_space((unsigned char)s[ve]) && s[ve] != '"' && s[ve] != '\\' && s[ve] != ',' && s[ve] != ';')
		ve++;
	while (ve > v && (s[ve - 1] == '.' || s[ve - 1] == ')'))
		ve--;
	if (ve == v || s[ve - 1] == ':' || rr_prose_word(s + v, ve - v) || rr_has_prefix(s + v, ve - v, "[REDACTED"))
		return 0; /* "AUTH failed: ...", "password for user" */
	size_t ls = line_start(s, i, 512);
	if (!redis && !rr_find(s + ls, i - ls, "machine ", 8) && !rr_find(s + ls, i - ls, "login ", 6)) {
		/* prose: only a value that cannot be a word ("password hunter2", not "password
		 * reset" or "password authentication failed") */
		int dg = 0, sym = 0;
		for (size_t k = v; k < ve; k++) {
			unsigned char c = (unsigned char)s[k];
			dg |= rr_is_digit(c);
			sym |= !rr_is_alnum(c) && c != '-' && c != '_' && c < 0x80;
		}
		if (ve - v < 4 || !(dg || sym) || rr_prose_word(s + v, ve - v))
			return 0;
	}
	*m = (match){v, ve, K8SA_REDACT_PASSWORD};
	return 1;
}

/* Whether a key/value pair can start at [i, ke): a separator follows the key (maybe after
 * a quote or spaces), or it is a flag. Most words in logs leave here. */
static int kv_possible(const char *s, size_t n, size_t i, size_t ke)
{
	if (ke > i && (s[ke - 1] == '.' || s[ke - 1] == '-'))
		return 1;
	if (ke >= n)
		return 0;
	unsigned char c = (unsigned char)s[ke];
	if (c == ' ' || c == '\t') {
		if (i > 0 && s[i - 1] == '-')
			return 1; /* --password hunter2 */
		size_t q = rr_run(s, n, ke, C_HSPACE);
		return q < n && (s[q] == ':' || s[q] == '=');
	}
	return c == ':' || c == '=' || c == '"' || c == '\'' || c == '\\' || c == '>';
}

/* Candidates at a word start, in order: token shapes, URLs, key/value pairs, values after a
 * secret-naming word, Basic-auth blobs, then high-entropy runs. */
static int at_word(scanner *sc, size_t i, size_t ke, match *m)
{
	const char *s = sc->s;
	size_t n = sc->n, e;
	const rr_text tx = {s, n};
	int kind;
	if ((e = rr_token(s + i, n - i, &kind))) {
		*m = (match){i, i + e, kind};
		return 1;
	}
	unsigned char l0 = rr_lower((unsigned char)s[i]);
	if ((l0 == 'p' || l0 == 'b' || l0 == 'r' || l0 == 'm' || l0 == 'a' || l0 == 'e' || l0 == 's') &&
	    try_spaced_password(sc, i, ke, m))
		return 1;
	if (((s[i] | 0x20) == 'b' && rr_scheme_token(&tx, i, m)) ||
	    (ke + 2 < n && ((s[ke] == ':' && s[ke + 1] == '/' && s[ke + 2] == '/') || s[ke] == '+') &&
	     (rr_is_upper((unsigned char)s[i]) || rr_is_lower((unsigned char)s[i])) && rr_url(&tx, i, m)) ||
	    (kv_possible(s, n, i, ke) && try_kv(sc, i, ke, s + i, ke - i, m)))
		return 1;
	/* the rest needs a long run: most words are short and leave here (a base64 run is no
	 * longer than the key run unless it goes on with '+', '/' or '=') */
	if (ke - i < 12 && !(ke < n && (s[ke] == '+' || s[ke] == '/' || s[ke] == '=')))
		return 0;
	size_t len = rr_run(s, n, i, C_B64) - i;
	if (len < 12)
		return 0;
	if (len >= 14 && rr_is_alnum((unsigned char)s[i]) && rr_keyish_value(&tx, i, m))
		return 1;
	if ((e = rr_basic_blob(s + i, n - i))) {
		*m = (match){i, i + e, K8SA_REDACT_TOKEN};
		return 1;
	}
	return len >= 40 && rr_entropy(&tx, i, m);
}

/* Lead bytes of the look-alike letters and invisible characters rr_norm_key() knows. */
static int obf_lead(unsigned char c)
{
	return c == '\\' || c == 0xc2 || c == 0xcd || c == 0xce || c == 0xcf || c == 0xd0 || c == 0xd1 || c == 0xd2 ||
	       c == 0xd4 || c == 0xe1 || c == 0xe2 || c == 0xef;
}

/* A key written with look-alike letters or invisible characters, starting at i. */
static int at_obfuscated_key(scanner *sc, size_t i, match *m)
{
	char key[128];
	size_t ke = rr_norm_key(sc->s, sc->n, i, key, sizeof(key));
	return ke > i && try_kv(sc, i, ke, key, strlen(key), m);
}

static void emit_marker(k8sa_tbuf *out, unsigned long *counts, int kind)
{
	k8sa_tbuf_puts(out, "[REDACTED:");
	k8sa_tbuf_puts(out, kind_names[kind]);
	k8sa_tbuf_putc(out, ']');
	if (counts)
		counts[kind]++;
}

/* Non-word bytes where a candidate may start: flags, PEM blocks, password hashes, JSON
 * escapes and the lead bytes of look-alike letters. Every other non-word byte is copied. */
static const unsigned char special[256] = {
	['-'] = 1, ['$'] = 1, ['{'] = 1, ['~'] = 1, ['.'] = 1, ['\\'] = 1, [0xc2] = 1, [0xcd] = 1, [0xce] = 1, [0xcf] = 1,
	[0xd0] = 1, [0xd1] = 1, [0xd2] = 1, [0xd4] = 1, [0xe1] = 1, [0xe2] = 1, [0xef] = 1,
};

static int at_special(scanner *sc, size_t i, match *m)
{
	const char *s = sc->s;
	size_t n = sc->n, e;
	unsigned char c = (unsigned char)s[i];
	if (c == '-') {
		if (n - i > 11 && s[i + 1] == '-' && s[i + 5] == 'B' && (e = pem_end(sc, i))) {
			*m = (match){i, e, K8SA_REDACT_PRIVATE_KEY};
			return 1;
		}
		return i + 1 < n && (i == 0 || rr_is_space((unsigned char)s[i - 1]) || s[i - 1] == '"') &&
		       (rr_is_alnum((unsigned char)s[i + 1]) || s[i + 1] == '-') && try_flag(sc, i, m);
	}
	if (c == '~' || c == '.') {
		/* an Azure AD client secret may start with '~' or '.' (xxx\dQ~...) */
		int kind;
		if (n - i > 6 && s[i + 4] == 'Q' && s[i + 5] == '~' &&
		    (i == 0 || !(rr_is_word((unsigned char)s[i - 1]) || s[i - 1] == '~' || s[i - 1] == '.')) &&
		    (e = rr_token(s + i, n - i, &kind))) {
			*m = (match){i, i + e, kind};
			return 1;
		}
		return 0;
	}
	if (c == '$' || c == '{') {
		if (i + 1 < n && rr_is_alnum((unsigned char)s[i + 1]) && (e = rr_crypt_hash(s + i, n - i))) {
			*m = (match){i, i + e, K8SA_REDACT_PASSWORD};
			return 1;
		}
		return 0;
	}
	if (c == '\\' && !(i + 1 < n && (s[i + 1] == 'u' || s[i + 1] == '\\')))
		return 0;
	return (i == 0 || !(rr_ctab[(unsigned char)s[i - 1]] & C_KEY)) && at_obfuscated_key(sc, i, m);
}

static void scan_text(const k8sa_redactor *r, const char *s, size_t n, k8sa_tbuf *out, unsigned long *counts)
{
	scanner sc = {.s = s, .n = n, .r = r};
	size_t i = 0, copied = 0;
	match m;
	while (i < n) {
		unsigned char c = (unsigned char)s[i];
		int hit = 0;
		if (!rr_is_word(c)) {
			if (!special[c] || !at_special(&sc, i, &m)) {
				i++;
				continue;
			}
		} else if (i > 0 && rr_is_word((unsigned char)s[i - 1])) {
			i = rr_run(s, n, i, C_WORD); /* inside a word (after a match's end) */
			continue;
		} else {
			if (c == 'R' && i > 0 && s[i - 1] == '[' && rr_has_prefix(s + i, n - i, "REDACTED:")) {
				/* a marker of an earlier pass: nothing inside it is a key */
				const char *close = memchr(s + i, ']', n - i < 32 ? n - i : 32);
				i = close ? (size_t)(close - s) + 1 : i + 9;
				continue;
			}
			/* "\npassword=": after a JSON escape the word starts past its letter */
			if ((c == 'n' || c == 't' || c == 'r') && i > 0 && s[i - 1] == '\\' && i + 1 < n &&
			    rr_is_word((unsigned char)s[i + 1]) && (i < 2 || s[i - 2] != '\\'))
				i++;
			size_t ke = rr_run(s, n, i, C_KEY);
			if (ke < n && obf_lead((unsigned char)s[ke]) && at_obfuscated_key(&sc, i, &m))
				hit = 1;
			else
				hit = at_word(&sc, i, ke, &m);
			if (!hit) {
				i = rr_run(s, n, i, C_WORD);
				continue;
			}
		}
		k8sa_tbuf_put(out, s + copied, m.start - copied);
		emit_marker(out, counts, m.kind);
		i = copied = m.end;
	}
	k8sa_tbuf_put(out, s + copied, n - copied);
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
	if (r && k8sa_redactor_extras(r, &out)) {
		k8sa_tbuf_release(&out);
		return NULL;
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

