/* SPDX-License-Identifier: MIT */
/* Fuzz: pod log text (any bytes, NUL included) through redaction: the built-in rules, a
 * redactor with the caller's literal, key and pattern, env values, and the log tail bound.
 * Invariants: the output is NUL-terminated at its length, the known literal never survives,
 * and a planted AWS key never survives. */
#include "internal.h"
#include "snapshot_internal.h"
#include <k8sagent/redact.h>
#include <k8sagent/text.h>
#include "fuzz.h"

#include <string.h>

static k8sa_redactor *red;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;
	size_t out_len = 0;
	char *out = NULL;
	FUZZ_ASSERT(k8sa_redact(text, size, &out, &out_len, NULL) == K8SA_OK);
	FUZZ_ASSERT(out != NULL);
	FUZZ_ASSERT(out[out_len] == '\0');
	k8sa_free(out);

	if (!red) {
		FUZZ_ASSERT(k8sa_redactor_new(&red, NULL) == K8SA_OK);
		FUZZ_ASSERT(k8sa_redactor_add_literal(red, "hunter2-literal", NULL) == K8SA_OK);
		FUZZ_ASSERT(k8sa_redactor_add_key(red, "pin", NULL) == K8SA_OK);
		FUZZ_ASSERT(k8sa_redactor_add_regex(red, "tok_[0-9]{6}", NULL) == K8SA_OK);
	}
	/* the input with a known secret planted in the middle of it */
	static const char plant[] = " hunter2-literal AKIAIOSFODNN7EXAMPLE glpat-abcdefghij0123456789 ";
	size_t half = size / 2, n = size + sizeof(plant) - 1;
	char *buf = malloc(n + 1);
	FUZZ_ASSERT(buf != NULL);
	memcpy(buf, text, half);
	memcpy(buf + half, plant, sizeof(plant) - 1);
	memcpy(buf + half + sizeof(plant) - 1, text + half, size - half);
	buf[n] = '\0';
	FUZZ_ASSERT(k8sa_redactor_apply(red, buf, n, &out, &out_len, NULL) == K8SA_OK);
	FUZZ_ASSERT(out != NULL);
	FUZZ_ASSERT(out[out_len] == '\0');
	FUZZ_ASSERT(memmem(out, out_len, "hunter2-literal", 15) == NULL);
	/* (only the planted key is checked: inside a longer word a key id is not one) */
	if (!memmem(text, size, "AKIA", 4))
		FUZZ_ASSERT(memmem(out, out_len, "AKIAIOSFODNN7EXAMPLE", 20) == NULL);
	if (!memmem(text, size, "glpat", 5))
		FUZZ_ASSERT(memmem(out, out_len, "glpat-abcdefghij0123456789", 26) == NULL);
	k8sa_free(out);

	/* the same bytes as JSON (when they parse) and escaped for a terminal */
	char *js = NULL;
	if (k8sa_redact_json(NULL, buf, &js, NULL) == K8SA_OK)
		FUZZ_ASSERT(js != NULL);
	k8sa_free(js);
	size_t el = 0;
	char *esc = NULL;
	FUZZ_ASSERT(k8sa_text_escape_controls(buf, n, &esc, &el, NULL) == K8SA_OK);
	FUZZ_ASSERT(esc != NULL && esc[el] == '\0');
	for (size_t k = 0; k < el; k++)
		FUZZ_ASSERT((unsigned char)esc[k] >= 0x20 || esc[k] == '\n' || esc[k] == '\t');
	FUZZ_ASSERT(memchr(esc, 0x1b, el) == NULL && memchr(esc, 0x7f, el) == NULL);
	k8sa_free(esc);

	/* env: the first line is the name, the rest the value */
	char *nl = memchr(buf, '\n', n);
	if (nl) {
		*nl = '\0';
		char *v = NULL;
		FUZZ_ASSERT(k8sa_redactor_env_value(red, buf, nl + 1, &v, NULL) == K8SA_OK);
		k8sa_free(v);
		(void)k8sa_env_name_is_secret(buf);
		*nl = '\n';
	}
	/* the snapshot's log tail bound on the same bytes */
	int cut = 0;
	size_t kept = k8sa_log_tail(buf, n, size % 7, (long)(size % 300), &cut);
	FUZZ_ASSERT(kept <= n);
	free(buf);
	char *cj = NULL;
	FUZZ_ASSERT(k8sa_redactor_counts_json(red, &cj, NULL) == K8SA_OK);
	k8sa_free(cj);
	return 0;
}
