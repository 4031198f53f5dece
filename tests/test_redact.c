/* SPDX-License-Identifier: MIT */
/* Redaction: the secret corpus (tests/data/redact/secrets.txt) planted in log lines, event
 * messages and JSON-escaped logs; evidence that must survive (keep.txt); the shared scenarios
 * (tests/scenarios/NAME/expect.json: `absent` never survives, `evidence` always does); the handle, env
 * helpers, NUL bytes, UTF-8, random input, and a throughput figure. */
#include "internal.h"
#include <k8sagent/k8sagent.h>

#include <check.h>

#include "lib/check_main.h"
#include <dirent.h>
#include <json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

/* The string results in the status form, asserted OK and returned (NULL stays NULL). */
static char *t_redact(const char *text, size_t len, size_t *olen)
{
	char *o = NULL;
	ck_assert_int_eq(k8sa_redact(text, len, &o, olen, NULL), K8SA_OK);
	return o;
}

static char *t_redact_str(const char *text)
{
	char *o = NULL;
	ck_assert_int_eq(k8sa_redact_str(text, &o, NULL), K8SA_OK);
	return o;
}

static char *t_redact_env_value(const char *name, const char *value)
{
	char *o = NULL;
	ck_assert_int_eq(k8sa_redact_env_value(name, value, &o, NULL), K8SA_OK);
	return o;
}

static char *t_redactor_apply(k8sa_redactor *r, const char *text, size_t len, size_t *olen)
{
	char *o = NULL;
	ck_assert_int_eq(k8sa_redactor_apply(r, text, len, &o, olen, NULL), K8SA_OK);
	return o;
}

static char *t_redactor_env_value(k8sa_redactor *r, const char *name, const char *value)
{
	char *o = NULL;
	ck_assert_int_eq(k8sa_redactor_env_value(r, name, value, &o, NULL), K8SA_OK);
	return o;
}

static char *t_redactor_counts_json(const k8sa_redactor *r)
{
	char *o = NULL;
	ck_assert_int_eq(k8sa_redactor_counts_json(r, &o, NULL), K8SA_OK);
	return o;
}

static char *path_in_srcdir(const char *rel)
{
	const char *top = getenv("top_srcdir");
	static char buf[4096];
	snprintf(buf, sizeof(buf), "%s/%s", top ? top : ".", rel);
	return buf;
}

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	long sz = ftell(f);
	fseek(f, 0, SEEK_SET);
	char *p = malloc((size_t)sz + 1);
	ck_assert_ptr_nonnull(p);
	size_t got = fread(p, 1, (size_t)sz, f);
	fclose(f);
	p[got] = '\0';
	if (len)
		*len = got;
	return p;
}

/* "\n" and "\t" escapes of the corpus files. */
static void unescape(char *s)
{
	char *w = s;
	for (char *r = s; *r; r++) {
		if (r[0] == '\\' && r[1] == 'n') {
			*w++ = '\n';
			r++;
		} else if (r[0] == '\\' && r[1] == 't') {
			*w++ = '\t';
			r++;
		} else {
			*w++ = *r;
		}
	}
	*w = '\0';
}

/* JSON string escaping, as container runtimes write log lines ({"log":"..."}). */
static char *json_escape(const char *s)
{
	char *out = malloc(strlen(s) * 2 + 1), *w = out;
	ck_assert_ptr_nonnull(out);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\') {
			*w++ = '\\';
			*w++ = *s;
		} else if (*s == '\n') {
			*w++ = '\\';
			*w++ = 'n';
		} else if (*s == '\t') {
			*w++ = '\\';
			*w++ = 't';
		} else {
			*w++ = *s;
		}
	}
	*w = '\0';
	return out;
}

/* Replace the one "%s" in template f by a (templates are data, not format strings). */
static char *fmt(const char *f, const char *a)
{
	const char *at = strstr(f, "%s");
	ck_assert_ptr_nonnull(at);
	size_t n = strlen(f) - 2 + strlen(a) + 1;
	char *p = malloc(n);
	ck_assert_ptr_nonnull(p);
	size_t pre = (size_t)(at - f);
	memcpy(p, f, pre);
	strcpy(p + pre, a);
	strcat(p, at + 2);
	return p;
}

static char *red(const char *s)
{
	char *r = t_redact_str(s);
	ck_assert_ptr_nonnull(r);
	return r;
}

/* Contexts a secret can reach the model in. %s is the text. */
static const char *const contexts[] = {
	"%s",
	"2024-05-01T12:00:00.123Z INFO  [main] %s",
	"Warning  Failed  12s (x3 over 1m)  kubelet  %s",
	"%s\nnext line: OOMKilled",
};

typedef struct {
	char *secret, *text;
} pair;

static pair *load_pairs(const char *rel, int *count)
{
	char *data = slurp(path_in_srcdir(rel), NULL);
	ck_assert_msg(data != NULL, "cannot read %s", rel);
	pair *v = NULL;
	int n = 0;
	for (char *line = strtok(data, "\n"); line; line = strtok(NULL, "\n")) {
		if (line[0] == '#' || !line[0])
			continue;
		char *tab = strchr(line, '\t');
		ck_assert_msg(tab != NULL, "corpus line without a tab: %s", line);
		*tab = '\0';
		v = realloc(v, sizeof(*v) * (size_t)(n + 1));
		v[n].secret = k8sa_strdup0(line);
		v[n].text = k8sa_strdup0(tab + 1);
		unescape(v[n].secret);
		unescape(v[n].text);
		ck_assert_msg(strstr(v[n].text, v[n].secret) != NULL, "corpus line %d: secret not in text", n);
		n++;
	}
	free(data);
	*count = n;
	return v;
}

static void free_pairs(pair *v, int n)
{
	for (int i = 0; i < n; i++) {
		free(v[i].secret);
		free(v[i].text);
	}
	free(v);
}

START_TEST(corpus_secrets_never_survive)
{
	int n = 0, checked = 0;
	pair *v = load_pairs("tests/data/redact/secrets.txt", &n);
	ck_assert_int_ge(n, 190);
	for (int i = 0; i < n; i++) {
		for (size_t c = 0; c < sizeof(contexts) / sizeof(contexts[0]); c++) {
			char *in = fmt(contexts[c], v[i].text);
			char *out = red(in);
			ck_assert_msg(strstr(out, v[i].secret) == NULL, "secret \"%s\" survived in\n  %s\n->%s",
				      v[i].secret, in, out);
			ck_assert_msg(strstr(out, "[REDACTED:") != NULL, "no marker for %s", in);
			/* Idempotent: redacting again changes nothing. */
			char *again = red(out);
			ck_assert_str_eq(again, out);
			free(again);
			free(out);
			free(in);
			checked++;
		}
		/* A container runtime's JSON log line: the text JSON-escaped in a string. */
		char *esc = json_escape(v[i].text), *esc_secret = json_escape(v[i].secret);
		char *in = fmt("{\"log\":\"%s\\n\",\"stream\":\"stdout\"}", esc);
		char *out = red(in);
		ck_assert_msg(strstr(out, esc_secret) == NULL, "secret \"%s\" survived JSON-escaped in\n  %s\n->%s",
			      v[i].secret, in, out);
		free(out);
		free(in);
		free(esc);
		free(esc_secret);
		checked++;
	}
	printf("redact corpus: %d secrets, %d placements checked\n", n, checked);
	free_pairs(v, n);
}
END_TEST

START_TEST(evidence_survives_untouched)
{
	char *data = slurp(path_in_srcdir("tests/data/redact/keep.txt"), NULL);
	ck_assert_ptr_nonnull(data);
	int n = 0;
	for (char *line = strtok(data, "\n"); line; line = strtok(NULL, "\n")) {
		if (line[0] == '#' || !line[0])
			continue;
		unescape(line);
		for (size_t c = 0; c < sizeof(contexts) / sizeof(contexts[0]); c++) {
			char *in = fmt(contexts[c], line);
			char *out = red(in);
			ck_assert_msg(strcmp(in, out) == 0, "evidence changed:\n  %s\n->%s", in, out);
			free(out);
			free(in);
		}
		n++;
	}
	ck_assert_int_ge(n, 50);
	free(data);
}
END_TEST

/* Exact outputs: the marker names the kind, and only the secret goes. */
START_TEST(exact_replacements)
{
	static const char *const cases[][2] = {
		{"connecting to redis://:hunter2@redis.shop:6379/0",
		 "connecting to redis://:[REDACTED:password]@redis.shop:6379/0"},
		{"postgres://app:pw@db:5432/x", "postgres://app:[REDACTED:password]@db:5432/x"},
		{"Authorization: Bearer abc.def.ghi123", "Authorization: [REDACTED:token]"},
		{"curl -H 'Authorization: Basic dXNlcjpw' http://x", "curl -H 'Authorization: [REDACTED:token]' http://x"},
		{"sent Bearer abc123xyz789", "sent Bearer [REDACTED:token]"},
		{"password=hunter2 user=bob", "password=[REDACTED:password] user=bob"},
		{"{\"password\":\"hunter2\",\"user\":\"bob\"}", "{\"password\":\"[REDACTED:password]\",\"user\":\"bob\"}"},
		{"- name: DB_PASSWORD\n  value: hunter2\n- name: PORT\n  value: \"8080\"",
		 "- name: DB_PASSWORD\n  value: [REDACTED:password]\n- name: PORT\n  value: \"8080\""},
		{"key AKIAIOSFODNN7EXAMPLE used", "key [REDACTED:aws-key] used"},
		{"aws_secret_access_key=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "aws_secret_access_key=[REDACTED:aws-key]"},
		{"a -----BEGIN RSA PRIVATE KEY-----\nMIIE\n-----END RSA PRIVATE KEY----- b", "a [REDACTED:private-key] b"},
		{"t=eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig-_x end", "t=[REDACTED:jwt] end"},
		{"api_key: abc", "api_key: [REDACTED:api-key]"},
		{"client_secret=abc&x=1", "client_secret=[REDACTED:secret]&x=1"},
		{"--password hunter2 --user bob", "--password [REDACTED:password] --user bob"},
		{"invalid password for user bob", "invalid password for user bob"},
		{"token: [REDACTED:token]", "token: [REDACTED:token]"},
		{"mysql -h db -u root -pHunter2x9 orders", "mysql -h db -u root -p[REDACTED:password] orders"},
		{"mysql -h db -u root -p orders", "mysql -h db -u root -p orders"},
		{"curl -u admin:S3cret https://x", "curl -u admin:[REDACTED:password] https://x"},
		{"redis://default:p/ss#w+rd@redis:6379/0", "redis://default:[REDACTED:password]@redis:6379/0"},
		{"http://host:8080/path/a@b", "http://host:8080/path/a@b"},
		{"key AIzaSyA1234567890abcdefghijklmnopqrstuv ok", "key [REDACTED:api-key] ok"},
		{"admin:$apr1$r31.....$HqJZimcKQFAMYayBlzkrA/", "admin:[REDACTED:password]"},
		{"p\xd0\xb0ssword=hunter2", "p\xd0\xb0ssword=[REDACTED:password]"},
		{"<password>hunter2</password>", "<password>[REDACTED:password]</password>"},
		{"signing key: 2597d12628e4ec0a850bd4981392ba9429e65bd03b8fb618ba0ef8fb626493ef",
		 "signing key: [REDACTED:secret]"},
		{"image@sha256:2597d12628e4ec0a850bd4981392ba9429e65bd03b8fb618ba0ef8fb626493ef",
		 "image@sha256:2597d12628e4ec0a850bd4981392ba9429e65bd03b8fb618ba0ef8fb626493ef"},
		{"may require authorization: server message: insufficient_scope",
		 "may require authorization: server message: insufficient_scope"},
		{"password=", "password="},
		{"", ""},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *out = red(cases[i][0]);
		ck_assert_msg(strcmp(out, cases[i][1]) == 0, "\n  in:  %s\n  got: %s\n  want:%s", cases[i][0], out,
			      cases[i][1]);
		free(out);
	}
}
END_TEST

START_TEST(env_names_and_values)
{
	static const char *const secret[] = {
		"DB_PASSWORD", "PASSWORD", "MYSQL_ROOT_PASSWORD", "REDIS_PASSWD", "PGPASSWORD", "API_TOKEN",
		"GITHUB_TOKEN", "AWS_SECRET_ACCESS_KEY", "STRIPE_KEY", "KEY", "SECRET_KEY_BASE", "APIKEY",
		"GOOGLE_APPLICATION_CREDENTIALS_JSON", "DB_CREDS", "SESSION_SECRET", "apiKey", "clientSecret",
		"JWT_SECRET", "ENCRYPTION_KEYS", "DB_PASS", "BASIC_AUTH", "PASSWORD_SALT", NULL,
	};
	static const char *const plain[] = {
		"REDIS_URL", "KEYCLOAK_URL", "MONKEY", "PATH", "HOME", "PASSWORD_FILE", "TOKEN_PATH",
		"SECRET_NAME", "DB_HOST", "DB_USER", "JAVA_OPTS", "KEYBOARD", "PORT", "TOKEN_TTL", "", NULL,
	};
	for (const char *const *p = secret; *p; p++)
		ck_assert_msg(k8sa_env_name_is_secret(*p) == 1, "%s should be secret", *p);
	for (const char *const *p = plain; *p; p++)
		ck_assert_msg(k8sa_env_name_is_secret(*p) == 0, "%s should not be secret", *p);
	ck_assert_int_eq(k8sa_env_name_is_secret(NULL), 0);

	char *v = t_redact_env_value("DB_PASSWORD", "hunter2");
	ck_assert_str_eq(v, "[REDACTED:password]");
	k8sa_free(v);
	v = t_redact_env_value("REDIS_URL", "redis://:hunter2@redis.shop:6379/0");
	ck_assert_str_eq(v, "redis://:[REDACTED:password]@redis.shop:6379/0");
	k8sa_free(v);
	v = t_redact_env_value("LOG_LEVEL", "debug");
	ck_assert_str_eq(v, "debug");
	k8sa_free(v);
	v = t_redact_env_value("API_TOKEN", "");
	ck_assert_str_eq(v, "");
	k8sa_free(v);
	ck_assert_ptr_null(t_redact_env_value("X", NULL));
	v = t_redact_env_value(NULL, "x");
	ck_assert_str_eq(v, "x");
	k8sa_free(v);
}
END_TEST

START_TEST(redactor_counts_and_additions)
{
	k8sa_redactor *r = NULL;
	ck_assert_int_eq(k8sa_redactor_new(&r, NULL), K8SA_OK);
	k8sa_error e;
	ck_assert_ptr_nonnull(r);
	const char *in = "password=a1 token=b2 redis://u:c3@h AKIAIOSFODNN7EXAMPLE sapcode=zz9 my-tenant-42 x";
	ck_assert_int_eq(k8sa_redactor_add_key(r, "sapcode", &e), K8SA_OK);
	ck_assert_int_eq(k8sa_redactor_add_literal(r, "tenant-42", &e), K8SA_OK);
	ck_assert_int_eq(k8sa_redactor_add_regex(r, "x$", &e), K8SA_OK);
	size_t olen = 0;
	char *out = t_redactor_apply(r, in, strlen(in), &olen);
	ck_assert_ptr_nonnull(out);
	ck_assert_uint_eq(olen, strlen(out));
	ck_assert_str_eq(out, "password=[REDACTED:password] token=[REDACTED:token] redis://u:[REDACTED:password]@h "
			      "[REDACTED:aws-key] sapcode=[REDACTED:secret] my-[REDACTED:custom] [REDACTED:custom]");
	ck_assert_uint_eq(k8sa_redactor_count(r, K8SA_REDACT_PASSWORD), 2);
	ck_assert_uint_eq(k8sa_redactor_count(r, K8SA_REDACT_TOKEN), 1);
	ck_assert_uint_eq(k8sa_redactor_count(r, K8SA_REDACT_AWS_KEY), 1);
	ck_assert_uint_eq(k8sa_redactor_count(r, K8SA_REDACT_SECRET), 1);
	ck_assert_uint_eq(k8sa_redactor_count(r, K8SA_REDACT_CUSTOM), 2);
	ck_assert_uint_eq(k8sa_redactor_total(r), 7);
	ck_assert_uint_eq(k8sa_redactor_count(r, (k8sa_redact_kind)99), 0);
	char *j = t_redactor_counts_json(r);
	ck_assert_str_eq(j, "{\"password\":2,\"token\":1,\"jwt\":0,\"private-key\":0,\"aws-key\":1,\"api-key\":0,"
			    "\"secret\":1,\"custom\":2,\"total\":7}");
	k8sa_free(j);
	k8sa_free(out);
	char *ev = t_redactor_env_value(r, "DB_PASSWORD", "pw");
	ck_assert_str_eq(ev, "[REDACTED:password]");
	k8sa_free(ev);
	ck_assert_uint_eq(k8sa_redactor_total(r), 8);
	k8sa_redactor_reset_counts(r);
	ck_assert_uint_eq(k8sa_redactor_total(r), 0);

	/* Bad additions are refused with a message. */
	ck_assert_int_eq(k8sa_redactor_add_regex(r, "(unclosed", &e), K8SA_E_INVALID_ARG);
	ck_assert_ptr_nonnull(strstr(e.message, "(unclosed"));
	ck_assert_int_eq(k8sa_redactor_add_regex(r, "a*", &e), K8SA_E_INVALID_ARG);
	ck_assert_int_eq(k8sa_redactor_add_literal(r, "ab", &e), K8SA_E_INVALID_ARG);
	ck_assert_int_eq(k8sa_redactor_add_key(r, "bad key", &e), K8SA_E_INVALID_ARG);
	ck_assert_int_eq(k8sa_redactor_add_key(NULL, "x", NULL), K8SA_E_INVALID_ARG);
	k8sa_redactor_free(r);
	k8sa_redactor_free(NULL);

	ck_assert_int_eq(k8sa_redact_kind_count(), 8);
	ck_assert_str_eq(k8sa_redact_kind_name(K8SA_REDACT_PRIVATE_KEY), "private-key");
	ck_assert_str_eq(k8sa_redact_kind_name((k8sa_redact_kind)-1), "unknown");
}
END_TEST

START_TEST(nul_bytes_and_lengths)
{
	/* The length rules, not strlen: NULs pass through, nothing is read past len. */
	const char in[] = "a\0password=hunter2\0b redis://:pw@h";
	size_t olen = 0;
	char *out = t_redact(in, sizeof(in) - 1, &olen);
	const char want[] = "a\0password=[REDACTED:password]\0b redis://:[REDACTED:password]@h";
	ck_assert_uint_eq(olen, sizeof(want) - 1);
	ck_assert_int_eq(memcmp(out, want, olen), 0);
	ck_assert_int_eq(out[olen], '\0');
	k8sa_free(out);

	/* A secret cut by len is cut from the input, not read beyond it. */
	char *exact = malloc(12);
	memcpy(exact, "password=abc", 12); /* no NUL: ASan catches any over-read */
	out = t_redact(exact, 12, &olen);
	ck_assert_str_eq(out, "password=[REDACTED:password]");
	k8sa_free(out);
	for (size_t cut = 0; cut <= 12; cut++) {
		out = t_redact(exact, cut, &olen);
		ck_assert_ptr_nonnull(out);
		ck_assert_uint_eq(olen, strlen(out));
		k8sa_free(out);
	}
	free(exact);

	out = t_redact(NULL, 0, &olen);
	ck_assert_str_eq(out, "");
	ck_assert_uint_eq(olen, 0);
	k8sa_free(out);
	ck_assert_ptr_null(t_redact_str(NULL));
}
END_TEST

static int valid_utf8(const unsigned char *s, size_t n)
{
	size_t i = 0;
	while (i < n) {
		unsigned char c = s[i];
		size_t k = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
		if (!k || i + k > n)
			return 0;
		for (size_t j = 1; j < k; j++)
			if ((s[i + j] & 0xC0) != 0x80)
				return 0;
		i += k;
	}
	return 1;
}

/* Random mixes of secret fragments, separators and multibyte text: no crash, no over-read
 * (run under ASan/valgrind), valid UTF-8 in -> valid UTF-8 out. */
START_TEST(random_input_is_safe)
{
	static const char *const frags[] = {
		"password", "=", ":", " ", "\"", "'", "\\\"", "\\", "hunter2", "é", "日本", "€", "://", "@",
		"redis", ":pw@", "Bearer ", "eyJhbGciOi", ".", "eyJzdWIi", "-----BEGIN RSA PRIVATE KEY-----",
		"-----END RSA PRIVATE KEY-----", "\n", "AKIA", "ABCDEFGHIJKLMNOP", "ghp_", "0123456789abcdefghij",
		"name: DB_PASSWORD", "value: ", "--token", "{", "}", "[REDACTED", "Q2hhbmdlTWUxMjM0NTY3", "xoxb-",
		"Authorization", "token", "-", "_", "aws_secret_access_key", "sk-", "-----BEGIN ", "PRIVATE KEY",
	};
	const size_t nf = sizeof(frags) / sizeof(frags[0]);
	unsigned seed = 12345;
	for (int iter = 0; iter < 3000; iter++) {
		char buf[512];
		size_t len = 0;
		int parts = (int)(rand_r(&seed) % 24);
		for (int p = 0; p < parts; p++) {
			const char *f = frags[(size_t)rand_r(&seed) % nf];
			size_t fl = strlen(f);
			if (len + fl >= sizeof(buf))
				break;
			memcpy(buf + len, f, fl);
			len += fl;
		}
		char *in = malloc(len ? len : 1); /* exact size for the sanitizers */
		memcpy(in, buf, len);
		size_t olen;
		char *out = t_redact(in, len, &olen);
		ck_assert_ptr_nonnull(out);
		ck_assert(valid_utf8((unsigned char *)out, olen));
		k8sa_free(out);
		/* Random raw bytes too. */
		for (size_t k = 0; k < len; k++)
			in[k] = (char)(rand_r(&seed) & 0xff);
		out = t_redact(in, len, &olen);
		ck_assert_ptr_nonnull(out);
		k8sa_free(out);
		free(in);
	}
}
END_TEST

/* ---- the shared scenarios, when present in the tree ---- */

static void add_file(char ***files, int *n, const char *path)
{
	*files = realloc(*files, sizeof(char *) * (size_t)(*n + 1));
	(*files)[(*n)++] = k8sa_strdup0(path);
}

static void walk(const char *dir, char ***files, int *n)
{
	DIR *d = opendir(dir);
	if (!d)
		return;
	struct dirent *de;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		char p[4096];
		struct stat st;
		snprintf(p, sizeof(p), "%s/%s", dir, de->d_name);
		if (stat(p, &st) != 0)
			continue;
		if (S_ISDIR(st.st_mode))
			walk(p, files, n);
		else if (strcmp(de->d_name, "expect.json") != 0 && strcmp(de->d_name, "README.md") != 0)
			add_file(files, n, p);
	}
	closedir(d);
}

START_TEST(scenarios_absent_gone_evidence_kept)
{
	char root[4096];
	snprintf(root, sizeof(root), "%s", path_in_srcdir("tests/scenarios"));
	DIR *d = opendir(root);
	if (!d) {
		printf("redact: no %s in this tree; scenario check skipped\n", root);
		return;
	}
	struct dirent *de;
	int scenarios = 0;
	while ((de = readdir(d))) {
		char sd[4096 + 256], ex[4096 + 300];
		if (de->d_name[0] == '.')
			continue;
		snprintf(sd, sizeof(sd), "%s/%s", root, de->d_name);
		snprintf(ex, sizeof(ex), "%s/expect.json", sd);
		json_object *expect = json_object_from_file(ex);
		if (!expect)
			continue;
		scenarios++;
		json_object *absent = NULL, *evidence = NULL;
		json_object_object_get_ex(expect, "absent", &absent);
		json_object_object_get_ex(expect, "evidence", &evidence);
		char **files = NULL;
		int nfiles = 0;
		walk(sd, &files, &nfiles);
		for (int f = 0; f < nfiles; f++) {
			size_t len;
			char *raw = slurp(files[f], &len);
			char *out = t_redact(raw, len, NULL);
			ck_assert_ptr_nonnull(out);
			for (size_t k = 0; absent && k < json_object_array_length(absent); k++) {
				const char *a = json_object_get_string(json_object_array_get_idx(absent, k));
				ck_assert_msg(strstr(out, a) == NULL, "%s: \"%s\" survived redaction", files[f], a);
			}
			for (size_t k = 0; evidence && k < json_object_array_length(evidence); k++) {
				const char *ev = json_object_get_string(json_object_array_get_idx(evidence, k));
				if (strstr(raw, ev))
					ck_assert_msg(strstr(out, ev) != NULL, "%s: evidence \"%s\" lost", files[f], ev);
			}
			k8sa_free(out);
			free(raw);
			free(files[f]);
		}
		free(files);
		json_object_put(expect);
	}
	closedir(d);
	printf("redact: %d shared scenarios checked\n", scenarios);
}
END_TEST

/* JSON by structure: string values scrubbed, secret keys, env entries and Secret data
 * replaced whole, and the result always parses (a truncated PEM cannot eat the rest). */
START_TEST(json_documents)
{
	static const char *const cases[][2] = {
		{"{\"name\":\"DB_PASSWORD\",\"value\":\"hunter2\"}", "{\"name\":\"DB_PASSWORD\",\"value\":\"[REDACTED:password]\"}"},
		{"{\"name\":\"PORT\",\"value\":\"8080\"}", "{\"name\":\"PORT\",\"value\":\"8080\"}"},
		{"{\"kind\":\"Secret\",\"data\":{\"x\":\"aHVudGVyMg==\"}}", "{\"kind\":\"Secret\",\"data\":{\"x\":\"[REDACTED:secret]\"}}"},
		{"{\"log\":\"password=hunter2 ok\"}", "{\"log\":\"password=[REDACTED:password] ok\"}"},
		{"{\"annotations\":{\"clientSecret\":\"abc\",\"secretName\":\"db\"}}",
		 "{\"annotations\":{\"clientSecret\":\"[REDACTED:secret]\",\"secretName\":\"db\"}}"},
		{"{\"n\":1,\"a\":[\"sent Bearer abc123xyz789\",true,null]}", "{\"n\":1,\"a\":[\"sent Bearer [REDACTED:token]\",true,null]}"},
		{"{\"log\":\"-----BEGIN RSA PRIVATE KEY-----\\nMIIE\",\"next\":\"OOMKilled\"}",
		 "{\"log\":\"[REDACTED:private-key]\",\"next\":\"OOMKilled\"}"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *out = NULL;
		k8sa_error err = {0};
		ck_assert_int_eq(k8sa_redact_json(NULL, cases[i][0], &out, &err), K8SA_OK);
		ck_assert_msg(strcmp(out, cases[i][1]) == 0, "\n  in:  %s\n  got: %s\n  want:%s", cases[i][0], out,
			      cases[i][1]);
		k8sa_free(out);
	}
	char *out = NULL;
	k8sa_error err = {0};
	ck_assert_int_eq(k8sa_redact_json(NULL, "{\"a\":", &out, &err), K8SA_E_INVALID_ARG);
	ck_assert_ptr_null(out);
	k8sa_redactor *r = NULL;
	ck_assert_int_eq(k8sa_redactor_new(&r, NULL), K8SA_OK);
	ck_assert_int_eq(k8sa_redact_json(r, "[\"password=x\",{\"token\":\"y\"}]", &out, &err), K8SA_OK);
	ck_assert_uint_eq(k8sa_redactor_total(r), 2);
	k8sa_free(out);
	k8sa_redactor_free(r);
}
END_TEST

/* Throughput on a 1 MB log of realistic lines with a few secrets: printed, not asserted
 * (beyond a generous sanity bound so a quadratic regression fails). */
START_TEST(throughput)
{
	static const char *const lines[] = {
		"2024-05-01T12:00:00.123Z INFO  cart-7d9f8b6c5-x2x7q handled GET /api/cart/123 in 12ms status=200\n",
		"2024-05-01T12:00:00.124Z WARN  retrying connection to redis.shop:6379 (attempt 3)\n",
		"2024-05-01T12:00:00.125Z ERROR java.lang.OutOfMemoryError: Java heap space at com.example.Cart.load(Cart.java:88)\n",
		"{\"level\":\"info\",\"ts\":1714564800.123,\"msg\":\"request\",\"user\":\"u-9f8e\",\"latency\":0.012}\n",
		"2024-05-01T12:00:00.126Z DEBUG connecting to redis://:hunter2@redis.shop:6379/0\n",
	};
	size_t cap = 1 << 20, len = 0;
	char *buf = malloc(cap);
	for (int i = 0; len < cap; i++) {
		const char *l = lines[i % 5];
		size_t k = strlen(l);
		if (len + k > cap)
			k = cap - len;
		memcpy(buf + len, l, k);
		len += k;
	}
	struct timespec a, b;
	int reps = 5;
	size_t olen = 0;
	clock_gettime(CLOCK_MONOTONIC, &a);
	for (int r = 0; r < reps; r++) {
		char *out = t_redact(buf, len, &olen);
		ck_assert_ptr_nonnull(out);
		ck_assert(strstr(out, "hunter2") == NULL);
		k8sa_free(out);
	}
	clock_gettime(CLOCK_MONOTONIC, &b);
	double secs = (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9;
	double mbs = (double)len * reps / (1024.0 * 1024.0) / secs;
	printf("redact throughput: %.1f MB/s (%.2f ms per 1 MB log)\n", mbs, secs * 1000.0 / reps);
	ck_assert_msg(secs / reps < 2.0, "1 MB took %.2f s", secs / reps);
	free(buf);
}
END_TEST

Suite *k8sa_test_suite(void)
{
	Suite *s = suite_create("redact");
	TCase *tc = tcase_create("core");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, corpus_secrets_never_survive);
	tcase_add_test(tc, evidence_survives_untouched);
	tcase_add_test(tc, exact_replacements);
	tcase_add_test(tc, env_names_and_values);
	tcase_add_test(tc, redactor_counts_and_additions);
	tcase_add_test(tc, nul_bytes_and_lengths);
	tcase_add_test(tc, random_input_is_safe);
	tcase_add_test(tc, scenarios_absent_gone_evidence_kept);
	tcase_add_test(tc, json_documents);
	tcase_add_test(tc, throughput);
	suite_add_tcase(s, tc);
	return s;
}
