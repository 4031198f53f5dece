/* SPDX-License-Identifier: MIT */
/* The redactor's rules (redact_rules.c), used by its scanner (redact.c). Private.
 *
 * The scanner walks the text and stops at candidate starts; the rules say whether a secret
 * starts there and where it ends: which keys name a secret (words, qualifiers, references),
 * which token shapes vendors use (a table of prefixes and bodies, after the public rule sets
 * of gitleaks, detect-secrets and trufflehog), which command-line flags take a password,
 * and a few shapes that need code (JWTs, crypt hashes, Basic-auth blobs...). */
#ifndef K8SA_REDACT_RULES_H
#define K8SA_REDACT_RULES_H

#include <stddef.h>
#include <string.h>

#define RR_NOT_SECRET (-1)

/* ---- byte classes (ASCII only: bytes >= 0x80 are never word bytes) ---- */
enum { C_WORD = 1, C_KEY = 2, C_B64URL = 4, C_B64 = 8, C_HSPACE = 16, C_HEX = 32 };
extern const unsigned char rr_ctab[256];

static inline int rr_is_upper(unsigned char c) { return c >= 'A' && c <= 'Z'; }
static inline int rr_is_lower(unsigned char c) { return c >= 'a' && c <= 'z'; }
static inline int rr_is_digit(unsigned char c) { return c >= '0' && c <= '9'; }
static inline int rr_is_alnum(unsigned char c) { return rr_is_upper(c) || rr_is_lower(c) || rr_is_digit(c); }
static inline int rr_is_word(unsigned char c) { return rr_ctab[c] & C_WORD; }
static inline int rr_is_hspace(unsigned char c) { return rr_ctab[c] & C_HSPACE; }
static inline int rr_is_space(unsigned char c)
{
	return rr_is_hspace(c) || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}
static inline unsigned char rr_lower(unsigned char c) { return rr_is_upper(c) ? (unsigned char)(c + 32) : c; }

static inline size_t rr_run(const char *s, size_t n, size_t i, unsigned mask)
{
	while (i < n && (rr_ctab[(unsigned char)s[i]] & mask))
		i++;
	return i;
}

static inline int rr_has_prefix(const char *s, size_t n, const char *pfx)
{
	size_t k = __builtin_strlen(pfx);
	return n >= k && __builtin_memcmp(s, pfx, k) == 0;
}

static inline int rr_has_prefix_ci(const char *s, size_t n, const char *pfx)
{
	size_t k = __builtin_strlen(pfx);
	if (n < k)
		return 0;
	for (size_t i = 0; i < k; i++)
		if (rr_lower((unsigned char)s[i]) != (unsigned char)pfx[i])
			return 0;
	return 1;
}
const char *rr_find(const char *s, size_t n, const char *needle, size_t k);

/* ---- keys ---- */
#define RR_MAXWORDS 12
#define RR_WORDLEN 40

typedef struct rr_words {
	char w[RR_MAXWORDS][RR_WORDLEN];
	int n;
} rr_words;

/* Split a key ("aws_secret_access_key", "clientSecret", "X-Api-Key") into lower-case words. */
void rr_split_words(const char *s, size_t n, rr_words *out);

/* Kind of secret the key names, or RR_NOT_SECRET. env: env-var rules (a bare KEY counts).
 * extra: the caller's key words (lower case). *is_auth_header: an Authorization header. */
int rr_classify(const rr_words *ws, int env, char *const *extra, size_t nextra, int *is_auth_header);

/* Cheap pre-check: can this key be secret at all (every secret word holds one of a few
 * three-letter pieces)? */
int rr_maybe_secret_key(const char *s, size_t n);

/* An unquoted value starting with an English word ("expired", "the") is prose, not a secret. */
int rr_prose_word(const char *s, size_t n);

/* Whether the word (lower case) right before a bare value makes it a secret: "key",
 * "secret", "token", "password"... ("signing key 4f3a...", "auth token 5117..."). */
int rr_keyish_word(const char *w, size_t n);

/* A key holding look-alike letters or invisible characters ("pass\u200bword", Cyrillic
 * "раssword"): the ASCII key it imitates, into buf (NUL-terminated). Reads from s[i] while
 * bytes are key bytes, zero-width/soft-hyphen characters (skipped) or Cyrillic/Greek
 * letters that look Latin (mapped). Returns the end of the key in s, or i when there was
 * nothing to map (a plain ASCII key needs no help). */
size_t rr_norm_key(const char *s, size_t n, size_t i, char *buf, size_t cap);

/* Whether s[i] starts a look-alike or invisible character (see rr_norm_key()). */
int rr_is_obfuscator(const char *s, size_t n, size_t i);

/* ---- token shapes at a word start ---- */

/* A vendor token, JWT, AWS key id, Telegram/Discord bot token, Azure client secret, age key,
 * OpenSSH body, AWS session token... starting at s[0] (a word start). Returns its length
 * and sets *kind, or 0. */
size_t rr_token(const char *s, size_t n, int *kind);

/* A crypt(3)/htpasswd hash starting at s[0] == '$' ($apr1$, $2y$, $6$, $argon2id$...), or a
 * {SSHA}/{SHA} LDAP hash at '{'. Returns its length, or 0. */
size_t rr_crypt_hash(const char *s, size_t n);

/* A base64 blob of "user:password" (bare Basic auth) starting at s[0]: its length, or 0. */
size_t rr_basic_blob(const char *s, size_t n);

/* ---- shapes found by position (redact_shapes.c) ---- */

typedef struct rr_text {
	const char *s;
	size_t n;
} rr_text;

typedef struct rr_match {
	size_t start, end; /* bytes [start, end) are replaced by the marker */
	int kind;
} rr_match;

/* Each looks at the word starting at i and fills *m (returning 1) when a secret is there. */
int rr_scheme_token(const rr_text *t, size_t i, rr_match *m); /* Bearer x, Basic x */
int rr_url(const rr_text *t, size_t i, rr_match *m);          /* URL password, webhook path */
int rr_keyish_value(const rr_text *t, size_t i, rr_match *m); /* "signing key: <hex>" */
int rr_entropy(const rr_text *t, size_t i, rr_match *m);      /* long mixed base64 runs */

/* ---- command-line flags ---- */

/* Whether flag (e.g. "-p", "-u", "--user") takes a password on this command line (the text
 * of the line before the flag). Sets *attached when the value may be glued to the flag
 * ("-pPW"), *userpass when the value is "user:password" (only the part after ':' or '%' is
 * secret). */
int rr_flag_takes_secret(const char *line, size_t linelen, const char *flag, size_t flaglen, int *attached,
			 int *userpass);

#endif
