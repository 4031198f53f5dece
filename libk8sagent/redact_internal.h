/* SPDX-License-Identifier: MIT */
/* Redaction helpers shared inside the library (private). */
#ifndef K8SA_REDACT_INTERNAL_H
#define K8SA_REDACT_INTERNAL_H

#include <k8sagent/redact.h>
#include <json.h>
#include <regex.h>
#include <stddef.h>
#include "tbuf.h"

#define K8SA_REDACT_NKINDS 8

/* Marker names by kind ("password", ...). */
extern const char *const k8sa_redact_kind_names[K8SA_REDACT_NKINDS];

struct k8sa_redactor {
	unsigned long counts[K8SA_REDACT_NKINDS];
	char **keys; /* extra secret key words, lower case */
	size_t nkeys;
	char **lits;
	size_t nlits;
	regex_t *res;
	size_t nres;
};

/* Apply the caller's literals and patterns to a redacted text, in place (redact_handle.c).
 * 0, or -1 when out of memory. */
int k8sa_redactor_extras(k8sa_redactor *r, k8sa_tbuf *out);

/* Kind of secret a key of a key/value pair names ("password", "clientSecret"; text rules:
 * a bare "key" is not secret), or -1 when the key is not secret. */
int k8sa_redact_key_kind(const k8sa_redactor *r, const char *key, size_t n);

/* Kind of secret an env var name says its value is (k8sa_env_name_is_secret() rules), or -1. */
int k8sa_redact_env_kind(const k8sa_redactor *r, const char *name, size_t n);

/* "[REDACTED:<kind>]" (static), counted in r when r is not NULL. */
const char *k8sa_redactor_marker(k8sa_redactor *r, int kind);

/* Redact a JSON tree in place: every string value (k8sa_redactor_apply()), values of secret
 * keys and of env entries ({"name": "DB_PASSWORD", "value": ...}) and the data of
 * Secret objects replaced whole. Keys are kept. Returns 0, or -1 when out of memory (the
 * tree is then partly redacted and must not be shown). */
int k8sa_redact_json_object(k8sa_redactor *r, json_object *root);

#endif
