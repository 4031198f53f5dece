/* SPDX-License-Identifier: MIT */
/* Reading members of parsed JSON (private), shared by the model's wire formats
 * (llm_parse.c), the tool-call protocol (llm_tools.c), the tools (tools.c) and MCP (mcp.c). Each takes any
 * object, also NULL or a non-object, and returns NULL when the member is not there. */
#ifndef K8SA_JSON_GET_H
#define K8SA_JSON_GET_H

#include <json-c/json.h>

/* o's member k (borrowed from o), or NULL. */
static inline json_object *jget(json_object *o, const char *k)
{
	json_object *v = NULL;
	if (o && json_object_is_type(o, json_type_object) && json_object_object_get_ex(o, k, &v))
		return v;
	return NULL;
}

/* o's member k when it is a string (valid while o lives), or NULL. */
static inline const char *jstr(json_object *o, const char *k)
{
	json_object *v = jget(o, k);
	return v && json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
}

/* o.a.b when it is a string, or NULL. */
static inline const char *jpath(json_object *o, const char *a, const char *b)
{
	return jstr(jget(o, a), b);
}

/* o's member k when it is a number, else def. */
static inline long jint(json_object *o, const char *k, long def)
{
	json_object *v = jget(o, k);
	return v && (json_object_is_type(v, json_type_int) || json_object_is_type(v, json_type_double))
		       ? (long)json_object_get_int64(v) : def;
}

/* The length of an array, 0 for anything else. */
static inline size_t jlen(json_object *o)
{
	return o && json_object_is_type(o, json_type_array) ? json_object_array_length(o) : 0;
}

/* 1 when the tree holds no NaN or infinite number: json-c parses NaN and Infinity even in
 * strict mode, and JSON has neither. Deeper than 64 levels counts as not finite. Shared with
 * k8sagentd's request parsing. */
static inline int json_numbers_finite(json_object *o, int depth)
{
	if (depth > 64)
		return 0;
	switch (json_object_get_type(o)) {
	case json_type_double: {
		double d = json_object_get_double(o);
		return d == d && d - d == 0;
	}
	case json_type_array:
		for (size_t i = 0; i < json_object_array_length(o); i++)
			if (!json_numbers_finite(json_object_array_get_idx(o, i), depth + 1))
				return 0;
		return 1;
	case json_type_object: {
		json_object_object_foreach(o, k, v) {
			(void)k;
			if (!json_numbers_finite(v, depth + 1))
				return 0;
		}
		return 1;
	}
	default:
		return 1;
	}
}

#endif
