/* SPDX-License-Identifier: MIT */
/* The redactor's rules: which keys name secrets, the vendor token table, the shapes that
 * need a little code, the command-line flags that take passwords, and look-alike letters.
 * The vendor formats follow the public rule sets of gitleaks (config/gitleaks.toml),
 * detect-secrets (plugins/) and trufflehog (pkg/detectors/): prefix, alphabet and length.
 * The scanner that applies them is redact.c. */
#include "internal.h"
#include "redact_rules.h"
#include <k8sagent/redact.h>

#include <pthread.h>
#include <string.h>

/* Byte classes: 1 word [A-Za-z0-9_], 2 key (word - .), 4 base64url (word -), 8 base64
 * (word - + / =), 16 horizontal space, 32 hex digit. Generated; ASCII only. */
const unsigned char rr_ctab[256] = {
	 0,  0,  0,  0,  0,  0,  0,  0,  0, 16,  0,  0,  0,  0,  0,  0,
	 0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,
	16,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  8,  0, 14,  2,  8,
	47, 47, 47, 47, 47, 47, 47, 47, 47, 47,  0,  0,  0,  8,  0,  0,
	 0, 47, 47, 47, 47, 47, 47, 15, 15, 15, 15, 15, 15, 15, 15, 15,
	15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15,  0,  0,  0,  0, 15,
	 0, 47, 47, 47, 47, 47, 47, 15, 15, 15, 15, 15, 15, 15, 15, 15,
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

const char *rr_find(const char *s, size_t n, const char *needle, size_t k)
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

static int in_list(const char *w, const char *const *list)
{
	for (; *list; list++)
		if (strcmp(w, *list) == 0)
			return 1;
	return 0;
}

/* ==== keys ================================================================================ */

void rr_split_words(const char *s, size_t n, rr_words *out)
{
	out->n = 0;
	size_t len = 0;
	for (size_t i = 0; i <= n; i++) {
		unsigned char c = i < n ? (unsigned char)s[i] : 0;
		int brk = (i == n) || !rr_is_alnum(c);
		/* camelCase: lower->Upper, or the last upper of "APIKey" before a lower */
		int camel = !brk && i > 0 && rr_is_upper(c) &&
			    (rr_is_lower((unsigned char)s[i - 1]) ||
			     (rr_is_upper((unsigned char)s[i - 1]) && i + 1 < n && rr_is_lower((unsigned char)s[i + 1])));
		if ((brk || camel) && len) {
			out->w[out->n][len < RR_WORDLEN ? len : RR_WORDLEN - 1] = '\0';
			if (out->n < RR_MAXWORDS - 1)
				out->n++;
			len = 0;
		}
		if (!brk) {
			if (len < RR_WORDLEN - 1)
				out->w[out->n][len] = (char)rr_lower(c);
			len++;
		}
	}
}

enum { W_SECRET = 1, W_PW = 2, W_TOK = 4, W_API = 8, W_PRIV = 16, W_KEY = 32, W_AUTHZ = 64 };

/* Whole words that name a secret, with their flags. */
static const struct {
	const char *w;
	int f;
} whole_words[] = {
	{"pwd", W_SECRET | W_PW}, {"pass", W_SECRET | W_PW}, {"passphrase", W_SECRET | W_PW},
	{"pw", W_SECRET | W_PW}, {"storepass", W_SECRET | W_PW}, {"keypass", W_SECRET | W_PW},
	{"srcstorepass", W_SECRET | W_PW}, {"deststorepass", W_SECRET | W_PW}, {"srckeypass", W_SECRET | W_PW},
	{"destkeypass", W_SECRET | W_PW}, {"keystorepass", W_SECRET | W_PW}, {"truststorepass", W_SECRET | W_PW},
	{"auth", W_SECRET | W_TOK}, {"authorization", W_SECRET | W_TOK | W_AUTHZ}, {"creds", W_SECRET},
	{"cookie", W_SECRET | W_TOK}, {"sessionid", W_SECRET | W_TOK}, {"jsessionid", W_SECRET | W_TOK},
	{"phpsessid", W_SECRET | W_TOK}, {"sessid", W_SECRET | W_TOK}, {"sig", W_SECRET | W_TOK},
	{"signature", W_SECRET | W_TOK}, {"hmac", W_SECRET}, {"dsn", W_SECRET}, {"pat", W_SECRET | W_TOK},
	{"requirepass", W_SECRET | W_PW}, {"masterauth", W_SECRET | W_PW},
	{"key", W_KEY}, {"keys", W_KEY}, {NULL, 0},
};

/* Word flags: substrings anywhere in the word (password, passwd, secret, token, apikey,
 * accesskey, secretkey, privatekey, credential), then whole words. Runs for every key in the
 * text, so a switch rather than a strstr per candidate. */
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
	for (size_t i = 0; whole_words[i].w; i++)
		if (w[0] == whole_words[i].w[0] && !strcmp(w, whole_words[i].w))
			return f | whole_words[i].f;
	return f;
}

/* A bare "key" word is secret after one of these ("api key", "signing_key"). */
static const char *const key_qualifiers[] = {
	"api", "access", "secret", "private", "signing", "encryption", "master", "account", "storage",
	"client", "shared", "license", "subscription", "ssh", "gpg", "session", "app", "admin", "root",
	"service", "webhook", "hmac", "jwt", "deploy", "write", "ingest", "consumer", "oauth", "server",
	"merchant", "rest", "auth", "sas", "bot", "crypto", "cipher", "decryption", "aes", "rsa", "ed25519",
	"pgp", "sign", "mac", "enc", "priv", "integration", "live", "prod", NULL,
};
/* A key whose last word is one of these holds a reference or a setting, not a secret. */
static const char *const ref_last[] = {
	"name", "names", "ref", "file", "files", "path", "dir", "url", "uri", "host", "port", "endpoint",
	"type", "length", "len", "ttl", "expiry", "expires", "expiration", "seconds", "timeout", "enabled",
	"mode", "count", "size", "version", "format", "hint", "policy", "prefix", "header", "field",
	"location", "provider", "source", "namespace", "user", "username", "min", "max", "required",
	"volume", "mount", "env", "arn", "algorithm", "alg", "vault", "store", "manager", "rotation",
	"changed", "reset", "updated", "created", "strength", "complexity", "pattern", "regex", "tokens",
	"limit", "budget", "usage", "used", "remaining", "quota", NULL,
};

int rr_classify(const rr_words *ws, int env, char *const *extra, size_t nextra, int *is_auth_header)
{
	int secret = 0, pw = 0, tok = 0, api = 0, priv = 0, aws = 0;
	if (is_auth_header)
		*is_auth_header = 0;
	if (ws->n == 0)
		return RR_NOT_SECRET;
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
		for (size_t k = 0; !(f & W_SECRET) && k < nextra; k++)
			if (!strcmp(w, extra[k]))
				f |= W_SECRET;
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
		return RR_NOT_SECRET;
	/* "secretName", "TOKEN_FILE", "password_min_length" point at or tune the secret. */
	if (ws->n > 1 && in_list(ws->w[ws->n - 1], ref_last))
		return RR_NOT_SECRET;
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

int rr_maybe_secret_key(const char *s, size_t n)
{
	if (n == 2)
		return rr_lower((unsigned char)s[0]) == 'p' && rr_lower((unsigned char)s[1]) == 'w';
	for (size_t j = 0; j + 3 <= n; j++) {
		char a = (char)rr_lower((unsigned char)s[j]), b = (char)rr_lower((unsigned char)s[j + 1]),
		     c = (char)rr_lower((unsigned char)s[j + 2]);
		switch (a) {
		case 'p':
			if ((b == 'a' && (c == 's' || c == 't')) || (b == 'w' && c == 'd') || (b == 'r' && c == 'i'))
				return 1;
			break;
		case 's':
			if ((b == 'e' && (c == 'c' || c == 's')) || (b == 'a' && c == 'l') || (b == 'i' && c == 'g'))
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
		case 'h':
			if (b == 'm' && c == 'a')
				return 1;
			break;
		case 'd':
			if (b == 's' && c == 'n')
				return 1;
			break;
		default:
			break;
		}
	}
	return 0;
}

int rr_prose_word(const char *s, size_t n)
{
	static const char *const prose[] = {
		"the", "a", "an", "is", "was", "not", "no", "none", "invalid", "expired", "missing", "failed",
		"failure", "error", "unable", "cannot", "could", "denied", "required", "empty", "unauthorized",
		"forbidden", "unknown", "bad", "wrong", "incorrect", "rejected", "timeout", "timed", "refused",
		"true", "false", "nil", "set", "unset", "ok", "found", "present", "provided", "mismatch", "did",
		"does", "must", "should", "will", "for", "of", "in", "to", "has", "have", "had", "mismatched",
		"revoked", "malformed", "too", "using", NULL,
	};
	size_t k = 0;
	char w[16];
	while (k < n && k < sizeof(w) - 1 && rr_is_lower((unsigned char)s[k])) {
		w[k] = s[k];
		k++;
	}
	if (k == 0 || k == sizeof(w) - 1 || (k < n && rr_is_word((unsigned char)s[k])))
		return 0;
	w[k] = '\0';
	return in_list(w, prose);
}

int rr_keyish_word(const char *w, size_t n)
{
	static const char *const keyish[] = {
		"key", "keys", "secret", "token", "password", "passwd", "pwd", "passphrase", "apikey", "hmac",
		"salt", "signature", "credential", "credentials", "auth", "pat",
		/* vendors whose keys are bare hex or UUIDs: the name is the only context */
		"heroku", "sumo", "sumologic", "datadog", "dd", "twilio", "mailgun", "atlassian",
		"confluence", "jira", "bitbucket", "newrelic", "pagerduty", "sendgrid", NULL,
	};
	char b[16];
	if (n == 0 || n >= sizeof(b))
		return 0;
	for (size_t i = 0; i < n; i++)
		b[i] = (char)rr_lower((unsigned char)w[i]);
	b[n] = '\0';
	return in_list(b, keyish);
}

/* ---- look-alike letters and invisible characters in keys ---- */

/* Code points mapped to the ASCII letter they imitate; 0 means invisible (skipped). */
static const struct {
	unsigned short cp;
	char ascii;
} lookalikes[] = {
	/* invisible: soft hyphen, combining grapheme joiner, Mongolian vowel separator,
	 * zero-width space/non-joiner/joiner, LRM/RLM, word joiner, invisible operators, BOM */
	{0x00ad, 0}, {0x034f, 0}, {0x180e, 0}, {0x200b, 0}, {0x200c, 0}, {0x200d, 0}, {0x200e, 0},
	{0x200f, 0}, {0x2060, 0}, {0x2061, 0}, {0x2062, 0}, {0x2063, 0}, {0x2064, 0}, {0xfeff, 0},
	/* Cyrillic */
	{0x0430, 'a'}, {0x0435, 'e'}, {0x043e, 'o'}, {0x0440, 'p'}, {0x0441, 'c'}, {0x0443, 'y'},
	{0x0445, 'x'}, {0x0455, 's'}, {0x0456, 'i'}, {0x0458, 'j'}, {0x0501, 'd'}, {0x04bb, 'h'},
	{0x051b, 'q'}, {0x051d, 'w'}, {0x0410, 'A'}, {0x0412, 'B'}, {0x0415, 'E'}, {0x041a, 'K'},
	{0x041c, 'M'}, {0x041d, 'H'}, {0x041e, 'O'}, {0x0420, 'P'}, {0x0421, 'C'}, {0x0422, 'T'},
	{0x0425, 'X'}, {0x0423, 'Y'}, {0x0405, 'S'}, {0x0406, 'I'}, {0x0408, 'J'},
	/* Greek */
	{0x03b1, 'a'}, {0x03b5, 'e'}, {0x03b9, 'i'}, {0x03ba, 'k'}, {0x03bd, 'v'}, {0x03bf, 'o'},
	{0x03c1, 'p'}, {0x03c4, 't'}, {0x03c5, 'u'}, {0x03c7, 'x'}, {0x0391, 'A'}, {0x0392, 'B'},
	{0x0395, 'E'}, {0x0396, 'Z'}, {0x0397, 'H'}, {0x0399, 'I'}, {0x039a, 'K'}, {0x039c, 'M'},
	{0x039d, 'N'}, {0x039f, 'O'}, {0x03a1, 'P'}, {0x03a4, 'T'}, {0x03a5, 'Y'}, {0x03a7, 'X'},
	{0, 0},
};

static int hexval(unsigned char c)
{
	return rr_is_digit(c) ? c - '0' : (c >= 'a' && c <= 'f') ? c - 'a' + 10 : (c >= 'A' && c <= 'F') ? c - 'A' + 10 : -1;
}

/* The code point at s[i]: UTF-8 (2 or 3 bytes) or a JSON escape "\uXXXX"; its length, or 0. */
static size_t code_point(const char *s, size_t n, size_t i, unsigned *cp)
{
	const unsigned char *u = (const unsigned char *)s + i;
	if (u[0] == '\\') { /* "\u0440", also escaped again inside a JSON string: "\\u0440" */
		size_t b = 0;
		while (b < 8 && i + b < n && u[b] == '\\')
			b++;
		if (i + b + 5 > n || u[b] != 'u')
			return 0;
		unsigned v = 0;
		for (size_t k = b + 1; k < b + 5; k++) {
			int h = hexval(u[k]);
			if (h < 0)
				return 0;
			v = v << 4 | (unsigned)h;
		}
		*cp = v;
		return b + 5;
	}
	if (u[0] >= 0xc2 && u[0] <= 0xdf && i + 2 <= n && (u[1] & 0xc0) == 0x80) {
		*cp = (unsigned)(u[0] & 0x1f) << 6 | (u[1] & 0x3f);
		return 2;
	}
	if (u[0] >= 0xe0 && u[0] <= 0xef && i + 3 <= n && (u[1] & 0xc0) == 0x80 && (u[2] & 0xc0) == 0x80) {
		*cp = (unsigned)(u[0] & 0x0f) << 12 | (unsigned)(u[1] & 0x3f) << 6 | (u[2] & 0x3f);
		return 3;
	}
	return 0;
}

/* Length of the look-alike at s[i] and its letter (0: invisible); 0 when none. */
static size_t lookalike_at(const char *s, size_t n, size_t i, char *ascii)
{
	unsigned cp;
	size_t l = code_point(s, n, i, &cp);
	if (!l)
		return 0;
	if (cp >= 0xff21 && cp <= 0xff3a) { /* fullwidth Latin */
		*ascii = (char)('A' + (cp - 0xff21));
		return l;
	}
	if (cp >= 0xff41 && cp <= 0xff5a) {
		*ascii = (char)('a' + (cp - 0xff41));
		return l;
	}
	for (size_t k = 0; lookalikes[k].cp; k++)
		if (lookalikes[k].cp == cp) {
			*ascii = lookalikes[k].ascii;
			return l;
		}
	return 0;
}

int rr_is_obfuscator(const char *s, size_t n, size_t i)
{
	char a;
	return lookalike_at(s, n, i, &a) > 0;
}

size_t rr_norm_key(const char *s, size_t n, size_t i, char *buf, size_t cap)
{
	size_t k = i, bl = 0;
	int mapped = 0;
	while (k < n && bl + 1 < cap) {
		unsigned char c = (unsigned char)s[k];
		char a;
		size_t l;
		if (rr_ctab[c] & C_KEY) {
			buf[bl++] = (char)c;
			k++;
		} else if ((l = lookalike_at(s, n, k, &a)) > 0) {
			if (a)
				buf[bl++] = a;
			mapped = 1;
			k += l;
		} else {
			break;
		}
	}
	buf[bl] = '\0';
	return mapped && bl ? k : i;
}

/* ==== token shapes ======================================================================== */

enum { B_ALNUM, B_B64URL, B_HEX, B_HEXLOW, B_B64, B_B64URLDOT, B_UPALNUM, B_ALPHA, B_DATABRICKS };

static int body_char(int body, unsigned char c)
{
	switch (body) {
	case B_ALNUM: return rr_is_alnum(c);
	case B_B64URL: return (rr_ctab[c] & C_B64URL) != 0;
	case B_HEX: return (rr_ctab[c] & C_HEX) != 0;
	case B_HEXLOW: return rr_is_digit(c) || (c >= 'a' && c <= 'f');
	case B_B64: return (rr_ctab[c] & C_B64) != 0;
	case B_B64URLDOT: return (rr_ctab[c] & C_B64URL) != 0 || c == '.' || c == '=';
	case B_UPALNUM: return rr_is_upper(c) || rr_is_digit(c);
	case B_ALPHA: return rr_is_upper(c) || rr_is_lower(c);
	case B_DATABRICKS: return rr_is_digit(c) || (c >= 'a' && c <= 'h');
	default: return 0;
	}
}

/* The vendor table: prefix, body alphabet, body length bounds (max 0: unbounded), kind.
 * Case-sensitive prefixes; a match also needs the body to end at a non-word byte. */
static const struct vendor {
	const char *pfx;
	unsigned char body;
	unsigned short min, max;
	unsigned char kind;
} vendors[] = {
	{"AIza", B_B64URL, 35, 35, K8SA_REDACT_API_KEY},                 /* Google API key */
	{"ya29.", B_B64URL, 30, 0, K8SA_REDACT_TOKEN},                   /* Google OAuth access token */
	{"GOCSPX-", B_B64URL, 24, 40, K8SA_REDACT_SECRET},               /* Google OAuth client secret */
	{"sk_live_", B_ALNUM, 10, 0, K8SA_REDACT_API_KEY},               /* Stripe */
	{"sk_test_", B_ALNUM, 10, 0, K8SA_REDACT_API_KEY},
	{"rk_live_", B_ALNUM, 10, 0, K8SA_REDACT_API_KEY},
	{"rk_test_", B_ALNUM, 10, 0, K8SA_REDACT_API_KEY},
	{"sk_prod_", B_ALNUM, 10, 0, K8SA_REDACT_API_KEY},
	{"rk_prod_", B_ALNUM, 10, 0, K8SA_REDACT_API_KEY},
	{"whsec_", B_ALNUM, 24, 0, K8SA_REDACT_SECRET},
	{"xapp-", B_B64URL, 20, 0, K8SA_REDACT_TOKEN},                   /* Slack app-level token */
	{"xoxe.xox", B_B64URL, 20, 0, K8SA_REDACT_TOKEN},                /* Slack refresh tokens */
	{"ghp_", B_ALNUM, 20, 0, K8SA_REDACT_TOKEN},                     /* GitHub */
	{"gho_", B_ALNUM, 20, 0, K8SA_REDACT_TOKEN},
	{"ghu_", B_ALNUM, 20, 0, K8SA_REDACT_TOKEN},
	{"ghs_", B_ALNUM, 20, 0, K8SA_REDACT_TOKEN},
	{"ghr_", B_ALNUM, 20, 0, K8SA_REDACT_TOKEN},
	{"github_pat_", B_B64URL, 20, 0, K8SA_REDACT_TOKEN},
	{"glpat-", B_B64URLDOT, 20, 0, K8SA_REDACT_TOKEN},               /* GitLab (also glpat-x.01.y) */
	{"gldt-", B_B64URL, 20, 0, K8SA_REDACT_TOKEN},
	{"glrt-", B_B64URL, 20, 0, K8SA_REDACT_TOKEN},
	{"glptt-", B_B64URL, 20, 0, K8SA_REDACT_TOKEN},
	{"glsoat-", B_B64URL, 20, 0, K8SA_REDACT_TOKEN},
	{"glcbt-", B_B64URL, 20, 0, K8SA_REDACT_TOKEN},
	{"glft-", B_B64URL, 20, 0, K8SA_REDACT_TOKEN},
	{"GR1348941", B_B64URL, 20, 0, K8SA_REDACT_TOKEN},
	{"npm_", B_ALNUM, 36, 36, K8SA_REDACT_TOKEN},                    /* npm */
	{"hvs.", B_B64URL, 24, 0, K8SA_REDACT_TOKEN},                    /* HashiCorp Vault */
	{"hvb.", B_B64URL, 24, 0, K8SA_REDACT_TOKEN},
	{"hvr.", B_B64URL, 24, 0, K8SA_REDACT_TOKEN},
	{"hf_", B_ALPHA, 30, 40, K8SA_REDACT_TOKEN},                     /* Hugging Face */
	{"api_org_", B_ALPHA, 30, 40, K8SA_REDACT_TOKEN},
	{"sk-ant-", B_B64URL, 32, 0, K8SA_REDACT_API_KEY},               /* Anthropic */
	{"shpat_", B_HEX, 32, 32, K8SA_REDACT_TOKEN},                    /* Shopify */
	{"shpss_", B_HEX, 32, 32, K8SA_REDACT_SECRET},
	{"shpca_", B_HEX, 32, 32, K8SA_REDACT_TOKEN},
	{"shppa_", B_HEX, 32, 32, K8SA_REDACT_TOKEN},
	{"pypi-AgE", B_B64URL, 50, 0, K8SA_REDACT_TOKEN},                /* PyPI */
	{"dop_v1_", B_HEX, 64, 64, K8SA_REDACT_TOKEN},                   /* DigitalOcean */
	{"doo_v1_", B_HEX, 64, 64, K8SA_REDACT_TOKEN},
	{"dor_v1_", B_HEX, 64, 64, K8SA_REDACT_TOKEN},
	{"dapi", B_DATABRICKS, 32, 32, K8SA_REDACT_TOKEN},               /* Databricks */
	{"ATATT3", B_B64URLDOT, 100, 0, K8SA_REDACT_TOKEN},              /* Atlassian */
	{"ATCTT3", B_B64URLDOT, 100, 0, K8SA_REDACT_TOKEN},
	{"key-", B_HEX, 32, 32, K8SA_REDACT_API_KEY},                    /* Mailgun */
	{"pubkey-", B_HEX, 32, 32, K8SA_REDACT_API_KEY},
	{"sq0atp-", B_B64URL, 22, 0, K8SA_REDACT_TOKEN},                 /* Square */
	{"sq0csp-", B_B64URL, 40, 0, K8SA_REDACT_SECRET},
	{"EAAA", B_B64, 60, 0, K8SA_REDACT_TOKEN},
	{"AGE-SECRET-KEY-1", B_UPALNUM, 50, 0, K8SA_REDACT_PRIVATE_KEY}, /* age */
	{"FwoGZXIvYXdzE", B_B64, 60, 0, K8SA_REDACT_AWS_KEY},            /* AWS session tokens */
	{"FQoGZXIvYXdzE", B_B64, 60, 0, K8SA_REDACT_AWS_KEY},
	{"IQoJb3JpZ2luX2Vj", B_B64, 60, 0, K8SA_REDACT_AWS_KEY},
	{"IQoJb3JpZ2lu", B_B64, 60, 0, K8SA_REDACT_AWS_KEY},
	{"b3BlbnNzaC1rZXktdjE", B_B64, 0, 0, K8SA_REDACT_PRIVATE_KEY},   /* OpenSSH key body */
	{"PuTTY-User-Key-File-", B_B64URLDOT, 1, 0, K8SA_REDACT_PRIVATE_KEY},
	{"dckr_pat_", B_B64URL, 20, 0, K8SA_REDACT_TOKEN},               /* Docker Hub */
	{"glc_", B_B64URL, 32, 0, K8SA_REDACT_TOKEN},                    /* Grafana */
	{"glsa_", B_B64URL, 32, 0, K8SA_REDACT_TOKEN},
	{"lin_api_", B_ALNUM, 32, 0, K8SA_REDACT_API_KEY},               /* Linear */
	{"PMAK-", B_B64URL, 40, 0, K8SA_REDACT_API_KEY},                 /* Postman */
	{"dp.pt.", B_ALNUM, 40, 0, K8SA_REDACT_TOKEN},                   /* Doppler */
	{"dp.st.", B_B64URLDOT, 40, 0, K8SA_REDACT_TOKEN},
	{"pscale_tkn_", B_B64URLDOT, 32, 0, K8SA_REDACT_TOKEN},          /* PlanetScale */
	{"pscale_pw_", B_B64URLDOT, 32, 0, K8SA_REDACT_PASSWORD},
	{"rubygems_", B_HEX, 48, 48, K8SA_REDACT_API_KEY},
	{"FLWSECK-", B_B64URL, 32, 0, K8SA_REDACT_SECRET},               /* Flutterwave */
	{"sntrys_", B_B64URLDOT, 40, 0, K8SA_REDACT_TOKEN},              /* Sentry */
	{"sntryu_", B_HEX, 64, 64, K8SA_REDACT_TOKEN},
	{"ntn_", B_ALNUM, 40, 0, K8SA_REDACT_TOKEN},                     /* Notion */
	{"secret_", B_ALNUM, 43, 43, K8SA_REDACT_SECRET},
	{"figd_", B_B64URL, 32, 0, K8SA_REDACT_TOKEN},                   /* Figma */
	{"nvapi-", B_B64URL, 40, 0, K8SA_REDACT_API_KEY},                /* NVIDIA */
	{"gsk_", B_ALNUM, 40, 0, K8SA_REDACT_API_KEY},                   /* Groq */
	{"r8_", B_ALNUM, 30, 0, K8SA_REDACT_API_KEY},                    /* Replicate */
	{"pcsk_", B_B64URL, 40, 0, K8SA_REDACT_API_KEY},                 /* Pinecone */
	{"xai-", B_ALNUM, 40, 0, K8SA_REDACT_API_KEY},                   /* xAI */
	{"tskey-", B_B64URL, 20, 0, K8SA_REDACT_API_KEY},                /* Tailscale */
	{"oy2", B_ALNUM, 43, 43, K8SA_REDACT_API_KEY},                   /* NuGet */
	{"LTAI", B_ALNUM, 12, 28, K8SA_REDACT_AWS_KEY},                  /* Alibaba access key id */
	{"GOOG1", B_UPALNUM, 30, 0, K8SA_REDACT_AWS_KEY},                /* GCS HMAC key id */
	{"AKLT", B_B64URL, 20, 0, K8SA_REDACT_AWS_KEY},                  /* Volcengine */
	{"rnd_", B_ALNUM, 28, 0, K8SA_REDACT_API_KEY},                   /* Render */
	{"pnu_", B_ALNUM, 36, 36, K8SA_REDACT_API_KEY},                  /* Prefect */
	{"bkua_", B_HEXLOW, 40, 40, K8SA_REDACT_TOKEN},                  /* Buildkite */
	{"sgp_", B_B64URL, 30, 0, K8SA_REDACT_TOKEN},                    /* Sourcegraph */
	{"cmVmdGtu", B_B64, 40, 0, K8SA_REDACT_TOKEN},                   /* JFrog reference token */
	{"AKCp", B_ALNUM, 60, 0, K8SA_REDACT_API_KEY},                   /* JFrog API key */
	{"ops_eyJ", B_B64URLDOT, 40, 0, K8SA_REDACT_TOKEN},              /* 1Password */
	{"fo1_", B_B64URL, 40, 0, K8SA_REDACT_TOKEN},                    /* Fly.io */
	{"duffel_live_", B_B64URL, 40, 0, K8SA_REDACT_TOKEN},
	{"EZAK", B_ALNUM, 50, 0, K8SA_REDACT_API_KEY},                   /* EasyPost */
	{"SK", B_HEX, 32, 32, K8SA_REDACT_API_KEY},                      /* Twilio API key SID */
	{"sl.", B_B64URL, 130, 0, K8SA_REDACT_TOKEN},                    /* Dropbox */
	{"SG.", B_B64URLDOT, 60, 0, K8SA_REDACT_API_KEY},                /* SendGrid SG.x.y */
	{"EAACEdEose0cBA", B_ALNUM, 20, 0, K8SA_REDACT_TOKEN},           /* Facebook */
	{"AccountKey=", B_B64, 40, 0, K8SA_REDACT_API_KEY},
	{NULL, 0, 0, 0, 0},
};

/* First bytes of every vendor prefix and code shape: most words leave at this check. */
static const unsigned char first_byte[256] = {
	['A'] = 1, ['y'] = 1, ['G'] = 1, ['s'] = 1, ['r'] = 1, ['w'] = 1, ['x'] = 1, ['g'] = 1,
	['n'] = 1, ['h'] = 1, ['a'] = 1, ['p'] = 1, ['d'] = 1, ['k'] = 1, ['E'] = 1, ['F'] = 1,
	['I'] = 1, ['b'] = 1, ['P'] = 1, ['l'] = 1, ['R'] = 1, ['L'] = 1, ['S'] = 1, ['c'] = 1,
	['o'] = 1, ['f'] = 1, ['t'] = 1, ['e'] = 1, ['M'] = 1, ['N'] = 1, ['O'] = 1, ['B'] = 1,
	['0'] = 1, ['1'] = 1, ['2'] = 1, ['3'] = 1, ['4'] = 1, ['5'] = 1, ['6'] = 1, ['7'] = 1,
	['8'] = 1, ['9'] = 1,
};

static size_t body_run(const char *s, size_t n, size_t i, int body)
{
	while (i < n && body_char(body, (unsigned char)s[i]))
		i++;
	return i;
}

#define NVENDORS (sizeof(vendors) / sizeof(vendors[0]) - 1)

/* The table's entries by first byte, built once: a word start looks at its few candidates
 * only. */
static unsigned char vendor_order[NVENDORS], vendor_plen[NVENDORS];
static unsigned char vendor_first[256], vendor_count[256];
static unsigned long long vendor_second[256][4]; /* second bytes present per first byte */
static pthread_once_t vendor_once = PTHREAD_ONCE_INIT;

static void vendor_index(void)
{
	size_t k = 0;
	for (unsigned c = 1; c < 256; c++) {
		vendor_first[c] = (unsigned char)k;
		for (size_t v = 0; v < NVENDORS; v++)
			if ((unsigned char)vendors[v].pfx[0] == c)
				vendor_order[k++] = (unsigned char)v;
		vendor_count[c] = (unsigned char)(k - vendor_first[c]);
	}
	for (size_t v = 0; v < NVENDORS; v++) {
		unsigned char a = (unsigned char)vendors[v].pfx[0], b = (unsigned char)vendors[v].pfx[1];
		vendor_plen[v] = (unsigned char)strlen(vendors[v].pfx);
		vendor_second[a][b >> 6] |= 1ull << (b & 63);
	}
}

static size_t vendor_token(const char *s, size_t n, int *kind)
{
	static int ready;
	unsigned char c0 = (unsigned char)s[0];
	if (!__atomic_load_n(&ready, __ATOMIC_ACQUIRE)) {
		pthread_once(&vendor_once, vendor_index);
		__atomic_store_n(&ready, 1, __ATOMIC_RELEASE);
	}
	unsigned char c1 = n > 1 ? (unsigned char)s[1] : 0;
	if (!(vendor_second[c0][c1 >> 6] & (1ull << (c1 & 63))))
		return 0;
	for (unsigned j = 0; j < vendor_count[c0]; j++) {
		unsigned vi = vendor_order[vendor_first[c0] + j];
		const struct vendor *v = &vendors[vi];
		size_t p = vendor_plen[vi];
		if (n < p || s[1] != v->pfx[1] || memcmp(s, v->pfx, p) != 0)
			continue;
		size_t e = body_run(s, n, p, v->body);
		/* a body followed by more word bytes is some other word */
		while (e > p && (s[e - 1] == '.' || s[e - 1] == '-') && v->body != B_B64URL)
			e--;
		size_t len = e - p;
		if (len < v->min || (v->max && len > v->max) || (e < n && rr_is_alnum((unsigned char)s[e])))
			continue;
		if (!v->min && !len)
			continue;
		*kind = v->kind;
		return e;
	}
	return 0;
}

/* JWT: header.payload[.signature], header and payload base64url JSON ("eyJ" = '{"'). */
static size_t jwt(const char *s, size_t n)
{
	size_t a = rr_run(s, n, 0, C_B64URL);
	if (a < 10 || a >= n || s[a] != '.')
		return 0;
	size_t b = rr_run(s, n, a + 1, C_B64URL);
	if (b - a - 1 < 4 || b >= n || s[b] != '.')
		return 0;
	return rr_run(s, n, b + 1, C_B64URL);
}

/* AWS access key id: 4-letter prefix + 16 upper-case alnum, exactly. */
static size_t aws_key_id(const char *s, size_t n)
{
	static const char *const pfx[] = {"AKIA", "ASIA", "AGPA", "AIDA", "AROA", "ANPA", "ANVA", "AIPA",
					  "ABIA", "ACCA", "A3T", NULL};
	if (n < 20)
		return 0;
	for (const char *const *p = pfx; *p; p++)
		if (memcmp(s, *p, strlen(*p)) == 0) {
			size_t k = strlen(*p);
			while (k < 20 && (rr_is_upper((unsigned char)s[k]) || rr_is_digit((unsigned char)s[k])))
				k++;
			if (k == 20 && (n == 20 || !rr_is_alnum((unsigned char)s[20])))
				return 20;
			return 0;
		}
	return 0;
}

/* Telegram bot token: 8-10 digits ':' 35 base64url starting with "AA". */
static size_t telegram(const char *s, size_t n)
{
	size_t d = 0;
	while (d < n && rr_is_digit((unsigned char)s[d]))
		d++;
	if (d < 8 || d > 10 || d + 3 >= n || s[d] != ':' || s[d + 1] != 'A' || s[d + 2] != 'A')
		return 0;
	size_t e = rr_run(s, n, d + 1, C_B64URL);
	return e - d - 1 >= 30 && e - d - 1 <= 40 ? e : 0;
}

/* Discord bot token: [MNO] + 23-27 base64url, '.', 6 base64url, '.', 27-40 base64url. */
static size_t discord(const char *s, size_t n)
{
	size_t a = rr_run(s, n, 0, C_B64URL);
	if (a < 24 || a > 28 || a >= n || s[a] != '.')
		return 0;
	size_t b = rr_run(s, n, a + 1, C_B64URL);
	if (b - a - 1 < 6 || b - a - 1 > 7 || b >= n || s[b] != '.')
		return 0;
	size_t c = rr_run(s, n, b + 1, C_B64URL);
	return c - b - 1 >= 27 && c - b - 1 <= 40 ? c : 0;
}

/* Azure AD client secret: 3 of [A-Za-z0-9_~.], a digit, "Q~", 31-34 of [A-Za-z0-9_~.-]. */
static size_t azure_secret(const char *s, size_t n)
{
	if (n < 37 || !rr_is_digit((unsigned char)s[3]) || s[4] != 'Q' || s[5] != '~')
		return 0;
	for (int k = 0; k < 3; k++)
		if (!rr_is_word((unsigned char)s[k]) && s[k] != '~' && s[k] != '.')
			return 0;
	size_t e = 6;
	while (e < n && (rr_is_word((unsigned char)s[e]) || s[e] == '~' || s[e] == '.' || s[e] == '-'))
		e++;
	return e - 6 >= 30 && e - 6 <= 36 ? e : 0;
}

/* Slack tokens xox[abposre]-... */
static size_t slack(const char *s, size_t n)
{
	if (n > 5 && s[0] == 'x' && s[1] == 'o' && s[2] == 'x' && strchr("abposre", s[3]) && s[4] == '-') {
		size_t e = rr_run(s, n, 5, C_B64URL);
		return e - 5 >= 10 ? e : 0;
	}
	return 0;
}

/* OpenAI-style sk-... (with a digit: "sk-learn" is a word). */
static size_t sk_dash(const char *s, size_t n)
{
	if (!rr_has_prefix(s, n, "sk-"))
		return 0;
	size_t e = rr_run(s, n, 3, C_B64URL);
	int digit = 0;
	for (size_t k = 3; k < e; k++)
		digit |= rr_is_digit((unsigned char)s[k]);
	return e - 3 >= 20 && digit ? e : 0;
}

static int b64v(unsigned char c);

/* A PEM private key, base64-encoded again (kubeconfig client-key-data, Secret data):
 * "LS0tLS1CRUdJTi" is "-----BEGIN"; a certificate is not a secret. */
static size_t b64_pem(const char *s, size_t n)
{
	if (!rr_has_prefix(s, n, "LS0tLS1CRUdJTi"))
		return 0;
	size_t e = rr_run(s, n, 0, C_B64);
	char head[64] = {0};
	size_t hl = 0;
	unsigned acc = 0;
	int bits = 0;
	for (size_t k = 0; k < e && k < 80 && hl < sizeof(head) - 1; k++) {
		int v = b64v((unsigned char)s[k]);
		if (v < 0)
			break;
		acc = (acc << 6) | (unsigned)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			head[hl++] = (char)(acc >> bits);
			acc &= (1u << bits) - 1;
		}
	}
	return rr_find(head, hl, "PRIVATE KEY", 11) ? e : 0;
}

size_t rr_token(const char *s, size_t n, int *kind)
{
	size_t e;
	if (n > 6 && s[4] == 'Q' && s[5] == '~' && (e = azure_secret(s, n))) {
		*kind = K8SA_REDACT_SECRET;
		return e;
	}
	if (!first_byte[(unsigned char)s[0]])
		return 0;
	if (s[0] == 'e' && rr_has_prefix(s, n, "eyJ") && (e = jwt(s, n))) {
		*kind = K8SA_REDACT_JWT;
		return e;
	}
	if (s[0] == 'A' && (e = aws_key_id(s, n))) {
		*kind = K8SA_REDACT_AWS_KEY;
		return e;
	}
	if ((e = vendor_token(s, n, kind)))
		return e;
	if (s[0] == 'L' && (e = b64_pem(s, n))) {
		*kind = K8SA_REDACT_PRIVATE_KEY;
		return e;
	}
	if (s[0] == 'x' && (e = slack(s, n))) {
		*kind = K8SA_REDACT_TOKEN;
		return e;
	}
	if (s[0] == 's' && (e = sk_dash(s, n))) {
		*kind = K8SA_REDACT_API_KEY;
		return e;
	}
	if (rr_is_digit((unsigned char)s[0]) && n > 40 && rr_is_digit((unsigned char)s[7]) && (e = telegram(s, n))) {
		*kind = K8SA_REDACT_TOKEN;
		return e;
	}
	if ((s[0] == 'M' || s[0] == 'N' || s[0] == 'O') && (e = discord(s, n))) {
		*kind = K8SA_REDACT_TOKEN;
		return e;
	}
	return 0;
}

size_t rr_crypt_hash(const char *s, size_t n)
{
	static const char *const ids[] = {
		"$apr1$", "$1$", "$2a$", "$2b$", "$2x$", "$2y$", "$5$", "$6$", "$7$", "$y$", "$gy$",
		"$argon2i$", "$argon2d$", "$argon2id$", "$scrypt$", "$pbkdf2", "$sha1$", "$md5", "$P$", "$H$",
		"{SSHA}", "{SHA}", "{SSHA256}", "{SSHA512}", "{SHA256}", "{SHA512}", "{CRYPT}", "{PBKDF2", "{MD5}",
		"{SMD5}", NULL,
	};
	for (const char *const *id = ids; *id; id++) {
		if (!rr_has_prefix(s, n, *id))
			continue;
		size_t e = strlen(*id);
		while (e < n && (rr_is_alnum((unsigned char)s[e]) || strchr("./$=+,-_}", s[e])))
			e++;
		return e >= 20 ? e : 0;
	}
	return 0;
}

static int b64v(unsigned char c)
{
	if (rr_is_upper(c))
		return c - 'A';
	if (rr_is_lower(c))
		return c - 'a' + 26;
	if (rr_is_digit(c))
		return c - '0' + 52;
	return c == '+' ? 62 : c == '/' ? 63 : -1;
}

size_t rr_basic_blob(const char *s, size_t n)
{
	size_t e = 0;
	while (e < n && b64v((unsigned char)s[e]) >= 0)
		e++;
	size_t data = e;
	while (e < n && e - data < 2 && s[e] == '=')
		e++;
	if (data < 12 || data > 240 || (e < n && (rr_is_word((unsigned char)s[e]) || s[e] == '-')) ||
	    (e > data && e % 4) || data % 4 == 1)
		return 0;
	unsigned char out[184];
	size_t ol = 0;
	unsigned acc = 0;
	int bits = 0;
	for (size_t k = 0; k < data; k++) {
		acc = (acc << 6) | (unsigned)b64v((unsigned char)s[k]);
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[ol++] = (unsigned char)(acc >> bits);
			acc &= (1u << bits) - 1;
		}
	}
	size_t colon = 0;
	for (size_t k = 0; k < ol; k++) {
		if (out[k] < 0x21 || out[k] > 0x7e)
			return 0;
		if (out[k] == ':' && !colon)
			colon = k;
	}
	if (colon < 1 || ol - colon - 1 < 3)
		return 0;
	for (size_t k = 0; k < colon; k++) /* a user name: no punctuation soup */
		if (!rr_is_alnum(out[k]) && !strchr("._@-+", out[k]))
			return 0;
	return e;
}

/* ==== command-line flags ================================================================== */

/* Commands whose flag takes a password. A: glued to the flag only ("mysql -pPW": "-p PW"
 * would be a database name), S: separate or glued, U: the value is "user:password". */
enum { F_ATTACHED = 1, F_SEPARATE = 2, F_USERPASS = 4 };
static const struct flag_rule {
	const char *cmd, *flag;
	int how;
} flag_rules[] = {
	{"mysql", "-p", F_ATTACHED}, {"mysqldump", "-p", F_ATTACHED}, {"mysqladmin", "-p", F_ATTACHED},
	{"mariadb", "-p", F_ATTACHED}, {"mysqlsh", "-p", F_ATTACHED}, {"mysqlimport", "-p", F_ATTACHED},
	{"mysqlcheck", "-p", F_ATTACHED}, {"7z", "-p", F_ATTACHED}, {"rar", "-p", F_ATTACHED},
	{"login", "-p", F_SEPARATE}, {"sshpass", "-p", F_SEPARATE | F_ATTACHED}, {"twine", "-p", F_SEPARATE},
	{"mongo", "-p", F_SEPARATE}, {"mongosh", "-p", F_SEPARATE}, {"mongodump", "-p", F_SEPARATE},
	{"mongorestore", "-p", F_SEPARATE}, {"mongoexport", "-p", F_SEPARATE}, {"mongoimport", "-p", F_SEPARATE},
	{"openssl", "-k", F_SEPARATE}, {"openssl", "-pass", F_SEPARATE | F_USERPASS},
	{"openssl", "-passin", F_SEPARATE | F_USERPASS}, {"openssl", "-passout", F_SEPARATE | F_USERPASS},
	{"curl", "-u", F_SEPARATE | F_ATTACHED | F_USERPASS}, {"curl", "--user", F_SEPARATE | F_USERPASS},
	{"curl", "-U", F_SEPARATE | F_USERPASS}, {"curl", "--proxy-user", F_SEPARATE | F_USERPASS},
	{"curl", "--oauth2-bearer", F_SEPARATE}, {"redis-cli", "-a", F_SEPARATE}, {"ldapsearch", "-w", F_SEPARATE},
	{"ldapmodify", "-w", F_SEPARATE}, {"ldapadd", "-w", F_SEPARATE}, {"ldapdelete", "-w", F_SEPARATE},
	{"ldapwhoami", "-w", F_SEPARATE}, {"ldappasswd", "-w", F_SEPARATE}, {"sqlcmd", "-P", F_SEPARATE},
	{"bcp", "-P", F_SEPARATE}, {"smbclient", "-U", F_SEPARATE | F_USERPASS}, {"lftp", "-u", F_SEPARATE | F_USERPASS},
	{"zip", "-P", F_SEPARATE}, {"unzip", "-P", F_SEPARATE}, {"ssh-keygen", "-N", F_SEPARATE},
	{"ssh-keygen", "-P", F_SEPARATE}, {"skopeo", "--creds", F_SEPARATE | F_USERPASS},
	{"skopeo", "--src-creds", F_SEPARATE | F_USERPASS}, {"skopeo", "--dest-creds", F_SEPARATE | F_USERPASS},
	{"az", "-p", F_SEPARATE}, {"wget", "--password", F_SEPARATE}, {"htpasswd", "-b", 0},
	{"vault", "login", 0}, {"psql", "-W", 0}, {"hdbsql", "-p", F_SEPARATE},
	{NULL, NULL, 0},
};

/* Whether cmd appears as a word in line (after a start, space, '/', quote or '='). */
static int has_command(const char *line, size_t len, const char *cmd)
{
	size_t k = strlen(cmd);
	const char *p = line, *end = line + len;
	while ((p = rr_find(p, (size_t)(end - p), cmd, k))) {
		int before = p == line || rr_is_space((unsigned char)p[-1]) || p[-1] == '/' || p[-1] == '"' ||
			     p[-1] == '\'' || p[-1] == '=' || p[-1] == '`' || p[-1] == '(';
		int after = p + k == end || rr_is_space((unsigned char)p[k]) || p[k] == '"' || p[k] == '\'';
		if (before && after)
			return 1;
		p += k;
	}
	return 0;
}

int rr_flag_takes_secret(const char *line, size_t linelen, const char *flag, size_t flaglen, int *attached,
			 int *userpass)
{
	int found = 0;
	*attached = 0;
	*userpass = 0;
	for (const struct flag_rule *r = flag_rules; r->cmd; r++) {
		if (!r->how || strlen(r->flag) != flaglen || memcmp(r->flag, flag, flaglen) != 0)
			continue;
		/* docker/podman/helm/nerdctl "login -p": the word login suffices */
		if (!has_command(line, linelen, r->cmd))
			continue;
		found |= r->how;
	}
	if (!found)
		return 0;
	*attached = (found & F_ATTACHED) ? ((found & F_SEPARATE) ? 2 : 1) : 0; /* 1: glued only */
	*userpass = !!(found & F_USERPASS);
	return 1;
}
