/* SPDX-License-Identifier: MIT */
/* jv: a fast, read-only JSON reader for big API list pages (private).
 *
 * Why: json-c builds a tree of malloc'd objects, each with its own hash table, for every
 * page; at 100,000 pods that is ~10^8 allocations and most of the CPU time of a cluster-wide
 * snapshot. jv parses a page in place (strings are unescaped and NUL-terminated inside the
 * page's own buffer) into one flat array of nodes ("tape") that is reused page after page:
 * no allocation per value, and skipping a subtree is one addition.
 *
 * Semantics follow json-c's, which the reducers were written against (and which the tests
 * pin): a page jv cannot read (json-c's non-strict extensions, unusual escapes, errors) is
 * handed to json-c, which either reports the same error as before or parses it; json-c's
 * tree is then written out as strict JSON and read by jv. Numbers other than plain
 * integers are converted by json-c itself (jv_jsonc()). Duplicate keys: lookups see the last
 * value, iteration yields each key once, at its first position, with the last value (as a
 * json-c object built from the same text). */
#ifndef K8SA_JV_H
#define K8SA_JV_H

#include <json-c/json.h>
#include <stddef.h>
#include <stdint.h>

typedef enum { JV_NULL = 0, JV_FALSE, JV_TRUE, JV_NUM, JV_STR, JV_ARR, JV_OBJ } jv_type;

typedef struct jv {
	const char *s;  /* JV_STR: the text, NUL-terminated; JV_NUM: the token (not terminated) */
	uint32_t len;   /* JV_STR: bytes (may hold NULs); JV_NUM: token length */
	uint32_t skip;  /* nodes in this subtree, itself included: the next sibling is this + skip */
	uint32_t n;     /* JV_ARR: elements; JV_OBJ: members (key node then value node each) */
	uint8_t type;   /* jv_type */
	uint8_t is_int; /* JV_NUM: a plain integer that fits int64_t, value in i */
	int64_t i;
} jv;

/* A reusable parser: its tape grows to the largest page seen. */
typedef struct jv_doc {
	jv *v;
	size_t n, cap;
	unsigned max_depth; /* deepest nesting of the last parse */
	char err[64];       /* why the last parse failed (for messages) */
} jv_doc;

/* Parse buf[0..len) in place (buf is modified: strings are unescaped and terminated). On
 * success the root is doc->v (jv_root()) and *used is the offset after the value (what
 * follows is not looked at). 0 on success, -1 when jv cannot read it (see jv_parse_page()
 * for the json-c fallback), -2 out of memory. */
int jv_parse(jv_doc *doc, char *buf, size_t len, unsigned max_depth, size_t *used);

/* json-c's tree as a jv document: written out as strict JSON into *text (malloc'd, the
 * caller frees it after the last use of the document) and parsed. 0, -1, -2 as jv_parse. */
int jv_from_jsonc(jv_doc *doc, json_object *o, char **text);

void jv_doc_free(jv_doc *doc);

static inline jv *jv_root(jv_doc *doc)
{
	return doc->n ? doc->v : NULL;
}

/* ---- navigation (NULL-safe) ---------------------------------------------------------- */

static inline int jv_is(const jv *v, jv_type t)
{
	return v && v->type == t;
}

/* First element of an array / next sibling element (NULL after the last). */
static inline jv *jv_first(jv *arr)
{
	return arr && arr->type == JV_ARR && arr->n ? arr + 1 : NULL;
}

static inline jv *jv_next(jv *arr, jv *el)
{
	jv *nx = el + el->skip;
	return nx < arr + arr->skip ? nx : NULL;
}

/* Element i of an array (walks: use jv_first/jv_next in loops), NULL when out of range. */
jv *jv_at(jv *arr, size_t i);

/* Member k of an object (the last one when repeated); a JSON null value counts as absent
 * only for the callers that say so (jv_get returns it). NULL when absent or not an object. */
jv *jv_get(jv *obj, const char *k, size_t klen);

/* Iteration over an object's distinct keys, first position, last value. Use:
 *   for (jv_iter it = jv_iter_start(obj); jv_iter_next(&it);) { it.key, it.klen, it.val }
 * Cost O(members x keys yielded). */
typedef struct jv_iter {
	jv *obj, *pos;
	const char *key;
	size_t klen;
	jv *val;
	unsigned yielded;
} jv_iter;

static inline jv_iter jv_iter_start(jv *obj)
{
	jv_iter it = {obj && obj->type == JV_OBJ && obj->n ? obj : NULL, obj ? obj + 1 : NULL, NULL, 0, NULL, 0};
	return it;
}
int jv_iter_next(jv_iter *it);

/* The json-c object json-c itself would have made of v (numbers through json-c's own
 * parser, so doubles keep their text and huge integers clamp as there). New reference
 * (json_object_put it); NULL for JSON null or on failure. For the rare paths only. */
json_object *jv_jsonc(const jv *v);

#endif
