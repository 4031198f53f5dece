/* SPDX-License-Identifier: MIT */
/* Redaction of JSON documents by structure: each string value goes through the text
 * redactor, and the structure supplies what text alone cannot (the key a value belongs to,
 * the name of an env entry, a Secret's data). Serialising afterwards cannot break the JSON,
 * which redacting the serialised text could (a truncated PEM block runs to the end). */
#include "internal.h"
#include "redact_internal.h"

#include <stdlib.h>
#include <string.h>

static int is_marker(const char *s)
{
	return strncmp(s, "[REDACTED:", 10) == 0;
}

/* Replace the string value @p v with the marker of @p kind (when it is not empty). */
static int set_marker(k8sa_redactor *r, json_object *v, int kind)
{
	const char *s = json_object_get_string(v);
	if (!s || !s[0] || is_marker(s))
		return 0;
	return json_object_set_string(v, k8sa_redactor_marker(r, kind)) ? 0 : -1;
}

static int redact_string(k8sa_redactor *r, json_object *v)
{
	int len = json_object_get_string_len(v);
	const char *s = json_object_get_string(v);
	if (!s || len <= 0)
		return 0;
	size_t olen = 0;
	char *out = k8sa_redact_dup(r, s, (size_t)len, &olen);
	if (!out)
		return -1;
	int rc = 0;
	if (olen != (size_t)len || memcmp(out, s, olen) != 0)
		rc = json_object_set_string_len(v, out, (int)olen) ? 0 : -1;
	free(out);
	return rc;
}

static int walk(k8sa_redactor *r, json_object *o, int depth, int secret_data);

/* A Kubernetes Secret ("kind": "Secret"): its data and stringData values are all secret. */
static int is_secret_object(json_object *o)
{
	json_object *k;
	return json_object_object_get_ex(o, "kind", &k) && json_object_is_type(k, json_type_string) &&
	       strcmp(json_object_get_string(k), "Secret") == 0;
}

static int walk_object(k8sa_redactor *r, json_object *o, int depth, int secret_data)
{
	int is_secret = is_secret_object(o);
	/* An env entry: {"name": "DB_PASSWORD", "value": "..."}. */
	int env_kind = -1;
	json_object *name, *value;
	if (json_object_object_get_ex(o, "name", &name) && json_object_is_type(name, json_type_string) &&
	    json_object_object_get_ex(o, "value", &value) && json_object_is_type(value, json_type_string))
		env_kind = k8sa_redact_env_kind(r, json_object_get_string(name),
						(size_t)json_object_get_string_len(name));
	json_object_object_foreach(o, key, v)
	{
		if (!v)
			continue;
		if (json_object_is_type(v, json_type_string)) {
			int kind = secret_data ? K8SA_REDACT_SECRET
				   : env_kind >= 0 && strcmp(key, "value") == 0 ? env_kind
									       : k8sa_redact_key_kind(r, key, strlen(key));
			if ((kind >= 0 ? set_marker(r, v, kind) : redact_string(r, v)) < 0)
				return -1;
		} else if (walk(r, v, depth + 1,
				secret_data || (is_secret && (!strcmp(key, "data") || !strcmp(key, "stringData")))) < 0) {
			return -1;
		}
	}
	return 0;
}

static int walk(k8sa_redactor *r, json_object *o, int depth, int secret_data)
{
	if (!o || depth > 200)
		return 0;
	switch (json_object_get_type(o)) {
	case json_type_object:
		return walk_object(r, o, depth, secret_data);
	case json_type_array: {
		size_t n = json_object_array_length(o);
		for (size_t i = 0; i < n; i++) {
			json_object *v = json_object_array_get_idx(o, i);
			int rc = json_object_is_type(v, json_type_string)
					 ? (secret_data ? set_marker(r, v, K8SA_REDACT_SECRET) : redact_string(r, v))
					 : walk(r, v, depth + 1, secret_data);
			if (rc < 0)
				return -1;
		}
		return 0;
	}
	case json_type_string:
		return secret_data ? set_marker(r, o, K8SA_REDACT_SECRET) : redact_string(r, o);
	default:
		return 0;
	}
}

int k8sa_redact_json_object(k8sa_redactor *r, json_object *root)
{
	return walk(r, root, 0, 0);
}

K8SA_EXPORT k8sa_status k8sa_redact_json(k8sa_redactor *r, const char *json, char **out, k8sa_error *err)
{
	if (!json || !out)
		return k8sa_fail(err, K8SA_E_INVALID_ARG, "json and out are required");
	*out = NULL;
	json_tokener *tok = json_tokener_new_ex(JSON_TOKENER_DEFAULT_DEPTH);
	if (!tok)
		return k8sa_fail(err, K8SA_E_NOMEM, "out of memory");
	json_object *root = json_tokener_parse_ex(tok, json, (int)strlen(json));
	enum json_tokener_error jerr = json_tokener_get_error(tok);
	json_tokener_free(tok);
	if (jerr != json_tokener_success) {
		json_object_put(root);
		return k8sa_fail(err, K8SA_E_INVALID_ARG, "not a JSON document: %s", json_tokener_error_desc(jerr));
	}
	if (k8sa_redact_json_object(r, root) < 0) {
		json_object_put(root);
		return k8sa_fail(err, K8SA_E_NOMEM, "out of memory");
	}
	const char *s = json_object_to_json_string_ext(root, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
	*out = s ? strdup(s) : NULL;
	json_object_put(root);
	return *out ? K8SA_OK : k8sa_fail(err, K8SA_E_NOMEM, "out of memory");
}
