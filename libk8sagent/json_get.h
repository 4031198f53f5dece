/* SPDX-License-Identifier: MIT */
/* Reading members of parsed JSON (private), shared by the model's wire formats
 * (llm_parse.c), the tool-call protocol (llm_tools.c) and the tools (tools.c). Each takes any
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

#endif
