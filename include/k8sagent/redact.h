/* SPDX-License-Identifier: MIT */
/**
 * @file redact.h
 * @brief Scrub secrets from text bound for the model.
 *
 * @defgroup redact Redaction
 * @{
 *
 * Everything the agent sends to a model (log lines, event messages, env values, annotations,
 * command lines, analyzer facts) passes through this layer; the prompt builder (prompt.h)
 * applies it to every section itself. Each secret is replaced by a marker naming its kind,
 * e.g. `[REDACTED:password]`, `[REDACTED:token]`, `[REDACTED:jwt]`,
 * `[REDACTED:private-key]`, `[REDACTED:aws-key]`.
 *
 * What is recognised (hand-written scanner, one pass, no regex; the rules live in a table,
 * the vendor formats after the public rule sets of gitleaks, detect-secrets and trufflehog):
 * - `Authorization:` / `Proxy-Authorization:` headers (a scheme and its credentials, or one
 *   token; "may require authorization: server message" is prose), `Bearer <token>` and
 *   `Basic <base64>` anywhere, and bare base64 blobs of `user:password`;
 * - JWTs (`eyJ...` `.` `...` `.` `...`);
 * - passwords in URLs: `scheme://user:pass@host` -> `scheme://user:[REDACTED:password]@host`
 *   (also with an empty user, and passwords holding `/`, `#`, `?`, `+` or `%` escapes), and
 *   the secret path of Slack, Discord and Teams webhook URLs;
 * - key/value pairs whose key looks secret, in text, logfmt, JSON (also JSON escaped inside a
 *   string), YAML (also block scalars `password: |`), XML elements (`<password>x</password>`)
 *   and command-line flags (`--password x`), case-insensitive: the key is split into words
 *   (`_ - .` and camelCase) and is secret when a word is password, passwd, pwd, pass,
 *   passphrase, secret, token, auth, authorization, credential(s), creds, cookie, sessionid,
 *   sig, signature, hmac, apikey, accesskey, secretkey, privatekey, or `key` qualified by api/
 *   access/secret/private/signing/encryption/master/account/client/app/... ; keys whose last
 *   word is a reference or a setting (name, ref, file, path, url, type, length, ttl, tokens,
 *   ...) are left alone (`secretName: db-creds` is evidence, not a secret); `FOO_KEY=x`
 *   assignments use the env-name rules; keys spelled with look-alike letters (Cyrillic,
 *   Greek, fullwidth) or invisible characters (zero-width, soft hyphen), raw or `\uXXXX`, are
 *   read as the ASCII key they imitate;
 * - Kubernetes env entries written as `name: DB_PASSWORD` followed by `value: x` (YAML or
 *   JSON), and config pairs `key="ClearTextPassword" value="x"`, using
 *   k8sa_env_name_is_secret(); every value under `data:`/`stringData:` of a `kind: Secret`;
 * - passwords on command lines that take them: `mysql -pPW`, `curl -u user:PW`,
 *   `docker login -p PW`, `sshpass -p PW`, `openssl -k PW` / `-passin pass:PW`,
 *   `redis-cli -a PW`, `ldapsearch -w PW`, `sqlcmd -P PW`, `skopeo --creds u:PW`...;
 *   `.netrc` lines, `IDENTIFIED BY 'PW'`, redis `requirepass`/`masterauth`;
 * - PEM private keys (also PGP blocks and base64-wrapped PEM), the whole BEGIN..END block even
 *   across lines (to the end of the text when the END line is missing); OpenSSH key bodies;
 *   crypt/htpasswd hashes (`$apr1$`, `$2y$`, `$6$`, `$argon2id$`, `{SSHA}`...);
 * - vendor tokens by prefix and shape: AWS key ids and session tokens, GitHub, GitLab, Slack,
 *   Google, Stripe, Twilio, npm, SendGrid, Vault, Hugging Face, OpenAI, Anthropic, Shopify,
 *   PyPI, DigitalOcean, Databricks, Atlassian, Mailgun, Square, age, Telegram and Discord
 *   bot tokens, Azure AD client secrets, and more (see libk8sagent/redact_rules.c);
 * - a bare value right after a word that names a secret ("signing key: <64 hex>", "auth
 *   token <hex>", "api key <uuid>");
 * - long high-entropy base64 runs (>= 40 chars mixing upper, lower and digits and changing
 *   character class often), which catches bare keys and the inside of split PEM blocks.
 *   Pure hex (sha256 digests, container ids), paths, lower-case names with hash suffixes
 *   (cart-7d9f8b6c5-x2x7q), UIDs in objects and ordinary words are not touched.
 *
 * Prose is kept: "invalid password for user", "token expired" have no value after a
 * separator and are not changed. The scanner only cuts at ASCII bytes, so multibyte UTF-8
 * sequences are never split; input may contain NUL bytes when its length is given.
 *
 * Thread safety: k8sa_redact(), k8sa_env_name_is_secret() and k8sa_redact_env_value() are
 * thread-safe. A ::k8sa_redactor is used by one thread at a time.
 */
#ifndef K8SAGENT_REDACT_H
#define K8SAGENT_REDACT_H

#include <stddef.h>
#include <k8sagent/common.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Kinds of redacted secrets (append-only; also the marker text, see k8sa_redact_kind_name()). */
typedef enum k8sa_redact_kind {
	K8SA_REDACT_PASSWORD = 0,    /**< "password": passwords, URL passwords */
	K8SA_REDACT_TOKEN = 1,       /**< "token": bearer tokens, auth headers, API tokens */
	K8SA_REDACT_JWT = 2,         /**< "jwt" */
	K8SA_REDACT_PRIVATE_KEY = 3, /**< "private-key": PEM blocks, private_key values */
	K8SA_REDACT_AWS_KEY = 4,     /**< "aws-key": AWS access key ids and secret keys */
	K8SA_REDACT_API_KEY = 5,     /**< "api-key": api_key / access_key values */
	K8SA_REDACT_SECRET = 6,      /**< "secret": other secret-looking values, high-entropy runs */
	K8SA_REDACT_CUSTOM = 7       /**< "custom": the caller's literals and patterns */
} k8sa_redact_kind;

/** Number of kinds in this build (kinds are 0 .. count-1). */
int k8sa_redact_kind_count(void);

/** Name of a kind as used in markers ("password"...); "unknown" when out of range. Static. */
const char *k8sa_redact_kind_name(k8sa_redact_kind kind);

/**
 * Redact @p len bytes of @p text with the built-in rules.
 * @param text     input, may contain NUL bytes; may be NULL when @p len is 0
 * @param len      its length in bytes
 * @param out      receives a new NUL-terminated string, freed with k8sa_free()
 * @param out_len  when not NULL, receives the output length (without the terminating NUL)
 * @return K8SA_OK; K8SA_E_NOMEM when out of memory; K8SA_E_INVALID_ARG when @p out is NULL.
 */
k8sa_status k8sa_redact(const char *text, size_t len, char **out, size_t *out_len, k8sa_error *err);

/** k8sa_redact() of a NUL-terminated string (NULL in: `*out` NULL and K8SA_OK). */
k8sa_status k8sa_redact_str(const char *text, char **out, k8sa_error *err);

/**
 * Whether an environment variable's name says its value is secret: a word (split on `_ - .`
 * and camelCase) is PASSWORD, PASSWD, PWD, PASS, PASSPHRASE, SECRET, TOKEN, KEY, KEYS,
 * APIKEY, CREDENTIAL(S), CREDS, AUTH, COOKIE, SALT, or the name contains PASSWORD, SECRET,
 * TOKEN, APIKEY or CREDENTIAL anywhere. Unlike text keys, a bare KEY word counts (safety
 * first), but not inside another word: KEYCLOAK_URL and MONKEY are not secret. Names whose
 * last word names a reference or a setting (…_FILE, …_PATH, …_DIR, …_NAME, …_REF, …_URL,
 * …_HOST, …_PORT, …_TYPE, …_LENGTH, …_TTL, …_TIMEOUT, …_ENABLED...) are not secret: their
 * values point at the secret or tune it. URLs and other secrets in any value are still
 * scrubbed by k8sa_redact_env_value().
 * @return 1 when secret, 0 otherwise (also for NULL).
 */
int k8sa_env_name_is_secret(const char *name);

/**
 * The value of env var @p name as it may be shown to the model: "[REDACTED:<kind>]" when the
 * name is secret (and the value not empty), otherwise k8sa_redact() of the value (a
 * `REDIS_URL=redis://:pw@host` keeps the URL without the password).
 * `*out` is a new string freed with k8sa_free(), or NULL when @p value is NULL.
 */
k8sa_status k8sa_redact_env_value(const char *name, const char *value, char **out, k8sa_error *err);

/** A redactor: built-in rules plus the caller's additions, and counters per kind. */
typedef struct k8sa_redactor k8sa_redactor;

/** New redactor with the built-in rules and zero counters; free with k8sa_redactor_free(). */
k8sa_status k8sa_redactor_new(k8sa_redactor **out, k8sa_error *err);

/** Free a redactor. NULL is a no-op. */
void k8sa_redactor_free(k8sa_redactor *r);

/**
 * Treat @p word (letters, digits, `_`) as one more secret key word, matched like the
 * built-in ones (case-insensitive, as a whole word of a key): values of `<word>=...` are
 * redacted as "secret". K8SA_E_INVALID_ARG when empty or not a word.
 */
k8sa_status k8sa_redactor_add_key(k8sa_redactor *r, const char *word, k8sa_error *err);

/**
 * Redact every occurrence of the exact string @p value (at least 4 bytes), as "custom".
 * Use it for secrets the caller knows (e.g. the LLM API key). K8SA_E_INVALID_ARG when shorter.
 */
k8sa_status k8sa_redactor_add_literal(k8sa_redactor *r, const char *value, k8sa_error *err);

/**
 * Redact every match of the POSIX extended regular expression @p pattern, as "custom".
 * K8SA_E_INVALID_ARG with the regcomp() message when the pattern does not compile, or when it
 * matches the empty string.
 */
k8sa_status k8sa_redactor_add_regex(k8sa_redactor *r, const char *pattern, k8sa_error *err);

/**
 * Redact with this redactor's rules and add to its counters. As k8sa_redact() otherwise.
 * A NULL @p r means the built-in rules without counting. `*out` is freed with k8sa_free().
 */
k8sa_status k8sa_redactor_apply(k8sa_redactor *r, const char *text, size_t len, char **out, size_t *out_len,
				k8sa_error *err);

/** As k8sa_redact_env_value(), with this redactor's rules and counters (NULL r allowed). */
k8sa_status k8sa_redactor_env_value(k8sa_redactor *r, const char *name, const char *value, char **out,
				    k8sa_error *err);

/** How many secrets of @p kind this redactor replaced since creation or the last reset. */
unsigned long k8sa_redactor_count(const k8sa_redactor *r, k8sa_redact_kind kind);

/** Total replacements of every kind. */
unsigned long k8sa_redactor_total(const k8sa_redactor *r);

/**
 * The counters as a JSON object, e.g. `{"password":2,"token":1,...,"total":3}` (every kind
 * present), freed with k8sa_free(). K8SA_E_INVALID_ARG when @p r is NULL.
 */
k8sa_status k8sa_redactor_counts_json(const k8sa_redactor *r, char **out, k8sa_error *err);

/** Set every counter back to zero. */
void k8sa_redactor_reset_counts(k8sa_redactor *r);

/**
 * Redact a JSON document by its structure: every string value as by k8sa_redactor_apply();
 * the value of a key that names a secret (`"password": ...`, `"clientSecret": ...`) and of
 * an env entry whose name is secret (`{"name": "DB_PASSWORD", "value": ...}`) replaced by
 * its marker; the `data`/`stringData` values of a `"kind": "Secret"` object replaced whole.
 * Keys, numbers and the shape are kept, and the output is always valid JSON (compact).
 * The library already applies this to the snapshot and findings JSON it produces; use it for
 * JSON from elsewhere that is about to be shown.
 * @param r    redactor (rules and counters), or NULL for the built-in rules
 * @param json NUL-terminated JSON text
 * @param out  receives the redacted JSON, freed with k8sa_free()
 * @return K8SA_OK; K8SA_E_INVALID_ARG when @p json does not parse; K8SA_E_NOMEM.
 */
k8sa_status k8sa_redact_json(k8sa_redactor *r, const char *json, char **out, k8sa_error *err);

/** @} */

#ifdef __cplusplus
}
#endif

#endif /* K8SAGENT_REDACT_H */
