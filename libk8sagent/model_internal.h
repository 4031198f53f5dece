/* SPDX-License-Identifier: MIT */
/* Shared by the model's files (private): the small JSON readers, interning and vector
 * helpers, and the reducers of the parts every object has (metadata, conditions,
 * containers, container statuses). model_arena.c: arena and interning; model_parts.c: the
 * common parts; model_reduce.c: one reducer per resource and the model's life cycle;
 * model_query.c: times, quantities and the lookups the analyzers share. */
#ifndef K8SA_MODEL_INTERNAL_H
#define K8SA_MODEL_INTERNAL_H

#include "internal.h"
#include "model.h"

#include <errno.h>
#include <string.h>

/* ---- small JSON helpers ----------------------------------------------------------------- */

static inline json_object *jo(json_object *o, const char *k)
{
	json_object *v = NULL;
	if (o && json_object_is_type(o, json_type_object) && json_object_object_get_ex(o, k, &v) &&
	    !json_object_is_type(v, json_type_null))
		return v;
	return NULL;
}

static inline const char *js(json_object *o, const char *k)
{
	json_object *v = jo(o, k);
	return v && json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
}

/* Integers may come as int, huge int, double or string: clamp into int64, never negative
 * beyond what the field allows (callers clamp further). */
static inline int64_t jint(json_object *o, const char *k, int64_t def)
{
	json_object *v = jo(o, k);
	if (!v)
		return def;
	switch (json_object_get_type(v)) {
	case json_type_int:
	case json_type_double:
	case json_type_string: {
		errno = 0;
		int64_t r = json_object_get_int64(v);
		if (json_object_is_type(v, json_type_string) && errno != 0)
			return def;
		return r;
	}
	case json_type_boolean:
		return json_object_get_boolean(v);
	default:
		return def;
	}
}

static inline int jbool(json_object *o, const char *k)
{
	json_object *v = jo(o, k);
	if (!v)
		return 0;
	if (json_object_is_type(v, json_type_string))
		return strcmp(json_object_get_string(v), "true") == 0;
	return json_object_get_boolean(v);
}

static inline size_t jlen(json_object *arr)
{
	return arr && json_object_is_type(arr, json_type_array) ? json_object_array_length(arr) : 0;
}

#define IN(m, s) m_intern(&(m)->arena, (s))

static inline void see_time(m_model *m, int64_t t)
{
	if (t > m->ref_time)
		m->ref_time = t;
}

static inline int cmpstr(const char *a, const char *b)
{
	return strcmp(a ? a : "", b ? b : "");
}

static inline int cmp_meta(const m_meta *a, const m_meta *b)
{
	int c = cmpstr(a->ns, b->ns);
	return c ? c : cmpstr(a->name, b->name);
}

#define NOMEM_IF(c)                                                                              \
	do {                                                                                     \
		if (c)                                                                           \
			return K8SA_E_NOMEM;                                                     \
	} while (0)

/* Text of a scalar (targetPort may be int or string), interned. */
const char *m_jscalar(m_model *m, json_object *o, const char *k);

/* Intern the string members of o named in `keys` (space-separated) into the const char **
 * arguments that follow, in order (NULL when absent or not a string). */
void m_strings(m_model *m, json_object *o, const char *keys, ...);

/* Append a zeroed element to a growable array; NULL on ENOMEM. */
void *m_vec_push(void **v, size_t *n, size_t *cap, size_t elem);
#define VPUSH(vec) m_vec_push((void **)&(vec).v, &(vec).n, &(vec).cap, sizeof(*(vec).v))

/* Room in the arena for the first `max` elements of a JSON array: *n of them, zeroed (NULL
 * when there are none, or on ENOMEM). RED_ARRAY sets ptr and n, and says K8SA_E_NOMEM. */
void *m_red_array(m_model *m, json_object *arr, size_t elem, unsigned max, unsigned *n);
#define RED_ARRAY(m, arr, max, ptr, n)                                                           \
	(((ptr) = m_red_array(m, arr, sizeof(*(ptr)), max, &(n))) || !(n) ? K8SA_OK : K8SA_E_NOMEM)

/* The common parts, reduced into the arena (K8SA_E_NOMEM on allocation failure). */
k8sa_status m_red_kv(m_model *m, json_object *obj, m_kv **out, unsigned *n, unsigned max);
k8sa_status m_red_meta(m_model *m, json_object *item, m_meta *meta);
k8sa_status m_red_conds(m_model *m, json_object *arr, m_cond **out, unsigned *nout);
k8sa_status m_red_containers(m_model *m, json_object *arr, m_container **out, unsigned *nout);
k8sa_status m_red_statuses(m_model *m, json_object *arr, m_cstatus **out, unsigned *nout);

#endif
