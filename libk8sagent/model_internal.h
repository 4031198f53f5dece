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
#include "jv.h"

#include <errno.h>
#include <string.h>

/* ---- small JSON helpers (on jv nodes: jv.h; json-c's semantics) ------------------------- */

/* Member k of object o; NULL when absent, JSON null, or o is not an object. */
static inline jv *jo(jv *o, const char *k)
{
	jv *v = jv_get(o, k, strlen(k));
	return v && v->type != JV_NULL ? v : NULL;
}

/* The text of a string value (NULL for anything else), not interned. */
static inline const char *jsv(jv *v)
{
	return v && v->type == JV_STR ? v->s : NULL;
}

static inline const char *js(jv *o, const char *k)
{
	jv *v = jo(o, k);
	return v && v->type == JV_STR ? v->s : NULL;
}

/* jint's rare cases (strings, doubles, huge integers) through json-c itself. */
int64_t m_jint_slow(jv *v, int64_t def);

/* Integers may come as int, huge int, double or string: clamp into int64, never negative
 * beyond what the field allows (callers clamp further). */
static inline int64_t jint(jv *o, const char *k, int64_t def)
{
	jv *v = jo(o, k);
	if (!v)
		return def;
	switch ((jv_type)v->type) {
	case JV_NUM: return v->is_int ? v->i : m_jint_slow(v, def);
	case JV_STR: return m_jint_slow(v, def);
	case JV_TRUE: return 1;
	case JV_FALSE: return 0;
	default: return def;
	}
}

/* json_object_get_boolean() of a number that is not a plain integer. */
int m_jbool_slow(jv *v);

static inline int jbool(jv *o, const char *k)
{
	jv *v = jo(o, k);
	if (!v)
		return 0;
	switch ((jv_type)v->type) {
	case JV_STR: return strcmp(v->s, "true") == 0;
	case JV_TRUE: return 1;
	case JV_NUM: return v->is_int ? v->i != 0 : m_jbool_slow(v);
	default: return 0;
	}
}

static inline size_t jlen(jv *arr)
{
	return arr && arr->type == JV_ARR ? arr->n : 0;
}

/* Element i of an array (walks from the first: fine for the bounded per-object arrays;
 * iterate with jv_first/jv_next over unbounded ones). */
static inline jv *jat(jv *arr, size_t i)
{
	return jv_at(arr, i);
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
const char *m_jscalar(m_model *m, jv *o, const char *k);

/* json_object_get_string() of a value (an element of a string array), interned: the string,
 * NULL for null, the JSON text of anything else. */
const char *m_jstr(m_model *m, jv *v);

/* The JSON text json-c writes for a value (JSON_C_TO_STRING_PLAIN), interned. */
const char *m_jtext(m_model *m, jv *v);

/* Intern the string members of o named in `keys` (space-separated) into the const char **
 * arguments that follow, in order (NULL when absent or not a string). */
void m_strings(m_model *m, jv *o, const char *keys, ...);

/* Join a JSON array of strings with spaces into buf (cut with "..." when it does not fit);
 * returns the length. */
size_t m_join(jv *arr, char *buf, size_t size);

/* Append a zeroed element to a growable array; NULL on ENOMEM. */
void *m_vec_push(void **v, size_t *n, size_t *cap, size_t elem);
#define VPUSH(vec) m_vec_push((void **)&(vec).v, &(vec).n, &(vec).cap, sizeof(*(vec).v))

/* Room in the arena for the first `max` elements of a JSON array: *n of them, zeroed (NULL
 * when there are none, or on ENOMEM). RED_ARRAY sets ptr and n, and says K8SA_E_NOMEM. */
void *m_red_array(m_model *m, jv *arr, size_t elem, unsigned max, unsigned *n);
#define RED_ARRAY(m, arr, max, ptr, n)                                                           \
	(((ptr) = m_red_array(m, arr, sizeof(*(ptr)), max, &(n))) || !(n) ? K8SA_OK : K8SA_E_NOMEM)

/* The common parts, reduced into the arena (K8SA_E_NOMEM on allocation failure). */
k8sa_status m_red_kv(m_model *m, jv *obj, m_kv **out, unsigned *n, unsigned max);
k8sa_status m_red_meta(m_model *m, jv *item, m_meta *meta);
k8sa_status m_red_conds(m_model *m, jv *arr, m_cond **out, unsigned *nout);
k8sa_status m_red_containers(m_model *m, jv *arr, m_container **out, unsigned *nout);
k8sa_status m_red_statuses(m_model *m, jv *arr, m_cstatus **out, unsigned *nout);

/* A pod's scheduling constraints into p (model_sched.c). */
k8sa_status m_red_sched(m_model *m, jv *spec, m_pod *p);

#endif
