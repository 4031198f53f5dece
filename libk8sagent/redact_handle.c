/* SPDX-License-Identifier: MIT */
/* The redactor handle: kinds and markers, the caller's key words, literals and patterns,
 * and the counters. The scanner is redact.c, its rules redact_rules.c. */
#include "internal.h"
#include "tbuf.h"
#include "redact_internal.h"
#include "redact_rules.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NKINDS K8SA_REDACT_NKINDS
#define kind_names k8sa_redact_kind_names

#define NOT_SECRET RR_NOT_SECRET

const char *const k8sa_redact_kind_names[K8SA_REDACT_NKINDS] = {
	"password", "token", "jwt", "private-key", "aws-key", "api-key", "secret", "custom",
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

const char *k8sa_redactor_marker(k8sa_redactor *r, int kind)
{
	static const char *const markers[NKINDS] = {
		"[REDACTED:password]", "[REDACTED:token]", "[REDACTED:jwt]", "[REDACTED:private-key]",
		"[REDACTED:aws-key]", "[REDACTED:api-key]", "[REDACTED:secret]", "[REDACTED:custom]",
	};
	if ((unsigned)kind >= NKINDS)
		kind = K8SA_REDACT_SECRET;
	if (r)
		r->counts[kind]++;
	return markers[kind];
}

static void emit_custom(k8sa_tbuf *out, unsigned long *counts)
{
	k8sa_tbuf_puts(out, "[REDACTED:custom]");
	if (counts)
		counts[K8SA_REDACT_CUSTOM]++;
}

/* ---- caller additions: literals and regexes, applied after the built-in pass ---- */

static int replace_literal(k8sa_tbuf *b, const char *lit, unsigned long *counts)
{
	size_t k = strlen(lit);
	const char *hit = rr_find(b->p, b->len, lit, k);
	if (!hit)
		return 0;
	k8sa_tbuf nb = {0};
	const char *s = b->p, *end = b->p + b->len;
	while (hit) {
		k8sa_tbuf_put(&nb, s, (size_t)(hit - s));
		emit_custom(&nb, counts);
		s = hit + k;
		hit = rr_find(s, (size_t)(end - s), lit, k);
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
		emit_custom(&nb, counts);
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

int k8sa_redactor_extras(k8sa_redactor *r, k8sa_tbuf *out)
{
	for (size_t k = 0; k < r->nlits; k++)
		if (replace_literal(out, r->lits[k], r->counts))
			return -1;
	for (size_t k = 0; k < r->nres; k++)
		if (replace_regex(out, &r->res[k], r->counts))
			return -1;
	return 0;
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
	if (!r || !word || !word[0] || strlen(word) >= RR_WORDLEN)
		return k8sa_fail(err, K8SA_E_INVALID_ARG, "redactor key word must be 1..%d characters", RR_WORDLEN - 1);
	for (const char *p = word; *p; p++)
		if (!rr_is_alnum((unsigned char)*p))
			return k8sa_fail(err, K8SA_E_INVALID_ARG,
					 "redactor key word \"%s\": only letters and digits (it is matched as one word of a key)",
					 word);
	char *w = k8sa_strdup0(word);
	if (!w)
		return k8sa_fail(err, K8SA_E_NOMEM, "out of memory");
	for (char *p = w; *p; p++)
		*p = (char)rr_lower((unsigned char)*p);
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
	*out = k8sa_tbuf_finish(&b, NULL);
	return *out ? K8SA_OK : k8sa_fail(err, K8SA_E_NOMEM, "out of memory");
}

K8SA_EXPORT void k8sa_redactor_reset_counts(k8sa_redactor *r)
{
	if (r)
		memset(r->counts, 0, sizeof(r->counts));
}
