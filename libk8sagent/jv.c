/* SPDX-License-Identifier: MIT */
/* jv: the fast in-place JSON reader (see jv.h for why and for the json-c semantics kept). */
#include "internal.h"
#include "jv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct parser {
	jv_doc *d;
	char *b;
	size_t len, pos;
	unsigned depth, max_depth;
} parser;

#define FAIL(p, why)                                                                             \
	do {                                                                                     \
		snprintf((p)->d->err, sizeof((p)->d->err), "%s at offset %zu", why, (p)->pos);   \
		return -1;                                                                       \
	} while (0)

static inline void ws(parser *p)
{
	while (p->pos < p->len) {
		char c = p->b[p->pos];
		if (c != ' ' && c != '\n' && c != '\r' && c != '\t')
			break;
		p->pos++;
	}
}

/* Index of a new node, or (size_t)-1 when out of memory. */
static size_t node(parser *p, jv_type t)
{
	jv_doc *d = p->d;
	if (d->n == d->cap) {
		size_t nc = d->cap ? d->cap * 2 : 4096;
		jv *nv = realloc(d->v, nc * sizeof(*nv));
		if (!nv)
			return (size_t)-1;
		d->v = nv;
		d->cap = nc;
	}
	jv *v = &d->v[d->n];
	v->s = NULL;
	v->len = 0;
	v->skip = 1;
	v->n = 0;
	v->type = (uint8_t)t;
	v->is_int = 0;
	v->i = 0;
	return d->n++;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* A string at p->pos (the opening quote), unescaped in place and NUL-terminated. Escapes jv
 * does not mirror exactly (surrogates, unknown ones) fail, so json-c handles the page. */
static int string(parser *p, int key)
{
	size_t start = p->pos + 1;
	char *b = p->b;
	const char *q = memchr(b + start, '"', p->len - start);
	if (!q)
		FAIL(p, "unterminated string");
	size_t end = (size_t)(q - b);
	const char *bs = memchr(b + start, '\\', end - start);
	size_t idx = node(p, JV_STR);
	if (idx == (size_t)-1)
		return -2;
	if (!bs) {
		b[end] = 0;
		p->d->v[idx].s = b + start;
		p->d->v[idx].len = (uint32_t)(end - start);
		p->pos = end + 1;
		return 0;
	}
	size_t w = (size_t)(bs - b), r = w;
	for (;;) {
		if (r >= p->len)
			FAIL(p, "unterminated string");
		char c = b[r];
		if (c == '"')
			break;
		if (c != '\\') {
			b[w++] = b[r++];
			continue;
		}
		if (r + 1 >= p->len)
			FAIL(p, "unterminated string");
		char e = b[r + 1];
		r += 2;
		switch (e) {
		case '"': b[w++] = '"'; break;
		case '\\': b[w++] = '\\'; break;
		case '/': b[w++] = '/'; break;
		case 'b': b[w++] = '\b'; break;
		case 'f': b[w++] = '\f'; break;
		case 'n': b[w++] = '\n'; break;
		case 'r': b[w++] = '\r'; break;
		case 't': b[w++] = '\t'; break;
		case 'u': {
			if (r + 4 > p->len)
				FAIL(p, "short \\u escape");
			int h0 = hexval(b[r]), h1 = hexval(b[r + 1]), h2 = hexval(b[r + 2]), h3 = hexval(b[r + 3]);
			if (h0 < 0 || h1 < 0 || h2 < 0 || h3 < 0)
				FAIL(p, "bad \\u escape");
			unsigned cp = (unsigned)(h0 << 12 | h1 << 8 | h2 << 4 | h3);
			r += 4;
			if (cp >= 0xD800 && cp <= 0xDFFF)
				FAIL(p, "surrogate escape"); /* json-c's own rules apply */
			if (cp < 0x80) {
				b[w++] = (char)cp;
			} else if (cp < 0x800) {
				b[w++] = (char)(0xC0 | cp >> 6);
				b[w++] = (char)(0x80 | (cp & 0x3F));
			} else {
				b[w++] = (char)(0xE0 | cp >> 12);
				b[w++] = (char)(0x80 | ((cp >> 6) & 0x3F));
				b[w++] = (char)(0x80 | (cp & 0x3F));
			}
			break;
		}
		default:
			FAIL(p, "unknown escape");
		}
	}
	b[w] = 0;
	p->d->v[idx].s = b + start;
	/* keys are C strings in json-c (cut at a NUL); values keep every byte */
	p->d->v[idx].len = (uint32_t)(key ? strlen(b + start) : w - start);
	p->pos = r + 1;
	return 0;
}

static int is_delim(parser *p)
{
	if (p->pos >= p->len)
		return 1;
	char c = p->b[p->pos];
	return c == ',' || c == ']' || c == '}' || c == ' ' || c == '\n' || c == '\r' || c == '\t';
}

/* Does json-c read this number token as one value? (non-plain numbers only: rare) */
static int jsonc_number_ok(const char *s, size_t n)
{
	char buf[72];
	if (n > sizeof(buf) - 3)
		return 0;
	buf[0] = '[';
	memcpy(buf + 1, s, n);
	buf[n + 1] = ']';
	buf[n + 2] = 0;
	json_tokener *t = json_tokener_new();
	if (!t)
		return 0;
	json_object *o = json_tokener_parse_ex(t, buf, (int)(n + 2));
	int ok = o && json_tokener_get_error(t) == json_tokener_success && json_tokener_get_parse_end(t) == n + 2 &&
		 json_object_array_length(o) == 1;
	json_object_put(o);
	json_tokener_free(t);
	return ok;
}

static int number(parser *p)
{
	size_t start = p->pos, i = start;
	const char *b = p->b;
	while (i < p->len) {
		char c = b[i];
		if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '.' || c == '+' ||
		    c == '-')
			i++;
		else
			break;
	}
	size_t n = i - start;
	size_t idx = node(p, JV_NUM);
	if (idx == (size_t)-1)
		return -2;
	jv *v = &p->d->v[idx];
	v->s = b + start;
	v->len = (uint32_t)n;
	/* plain integer: -?(0|[1-9][0-9]*), not "-0", fits int64 */
	size_t k = start;
	int neg = b[k] == '-';
	if (neg)
		k++;
	int plain = k < i && (b[k] != '0' || k + 1 == i) && i - k <= 19 && !(neg && b[k] == '0');
	uint64_t acc = 0;
	for (size_t j = k; plain && j < i; j++) {
		if (b[j] < '0' || b[j] > '9')
			plain = 0;
		else
			acc = acc * 10 + (uint64_t)(b[j] - '0');
	}
	if (plain && acc <= (uint64_t)INT64_MAX + (uint64_t)neg) {
		v->is_int = 1;
		v->i = neg ? (int64_t)(0 - acc) : (int64_t)acc;
	} else if (!jsonc_number_ok(b + start, n)) {
		FAIL(p, "number");
	}
	p->pos = i;
	return 0;
}

static int value(parser *p)
{
	if (p->pos >= p->len)
		FAIL(p, "unexpected end");
	char c = p->b[p->pos];
	switch (c) {
	case '"':
		return string(p, 0);
	case '{':
	case '[': {
		int obj = c == '{';
		if (++p->depth > p->max_depth)
			FAIL(p, "nesting too deep");
		if (p->depth > p->d->max_depth)
			p->d->max_depth = p->depth;
		size_t idx = node(p, obj ? JV_OBJ : JV_ARR);
		if (idx == (size_t)-1)
			return -2;
		uint32_t count = 0;
		p->pos++;
		ws(p);
		if (p->pos < p->len && p->b[p->pos] == (obj ? '}' : ']')) {
			p->pos++;
		} else {
			for (;;) {
				int rc;
				if (obj) {
					if (p->pos >= p->len || p->b[p->pos] != '"')
						FAIL(p, "key expected");
					if ((rc = string(p, 1)))
						return rc;
					ws(p);
					if (p->pos >= p->len || p->b[p->pos] != ':')
						FAIL(p, "':' expected");
					p->pos++;
					ws(p);
				}
				if ((rc = value(p)))
					return rc;
				count++;
				ws(p);
				if (p->pos >= p->len)
					FAIL(p, "unexpected end");
				char d = p->b[p->pos++];
				if (d == ',') {
					ws(p);
					continue;
				}
				if (d == (obj ? '}' : ']'))
					break;
				p->pos--;
				FAIL(p, "',' expected");
			}
		}
		p->depth--;
		p->d->v[idx].n = count;
		p->d->v[idx].skip = (uint32_t)(p->d->n - idx);
		return 0;
	}
	case 't':
	case 'f':
	case 'n': {
		const char *lit = c == 't' ? "true" : c == 'f' ? "false" : "null";
		size_t n = strlen(lit);
		if (p->len - p->pos < n || memcmp(p->b + p->pos, lit, n) != 0)
			FAIL(p, "bad literal");
		p->pos += n;
		if (!is_delim(p))
			FAIL(p, "bad literal");
		return node(p, c == 't' ? JV_TRUE : c == 'f' ? JV_FALSE : JV_NULL) == (size_t)-1 ? -2 : 0;
	}
	default:
		if (c == '-' || (c >= '0' && c <= '9') || c == 'N' || c == 'I')
			return number(p);
		FAIL(p, "unexpected character");
	}
}

int jv_parse(jv_doc *doc, char *buf, size_t len, unsigned max_depth, size_t *used)
{
	parser p = {doc, buf, len, 0, 0, max_depth ? max_depth : 256};
	doc->n = 0;
	doc->max_depth = 0;
	doc->err[0] = 0;
	if (len >= UINT32_MAX) {
		snprintf(doc->err, sizeof(doc->err), "too large");
		return -1;
	}
	ws(&p);
	int rc = value(&p);
	if (rc) {
		doc->n = 0;
		return rc;
	}
	if (used)
		*used = p.pos;
	return 0;
}

int jv_from_jsonc(jv_doc *doc, json_object *o, char **text)
{
	*text = NULL;
	const char *s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
	if (!s || !(*text = strdup(s)))
		return -2;
	return jv_parse(doc, *text, strlen(*text), 0, NULL);
}

void jv_doc_free(jv_doc *doc)
{
	free(doc->v);
	memset(doc, 0, sizeof(*doc));
}

jv *jv_at(jv *arr, size_t i)
{
	jv *e = jv_first(arr);
	while (e && i--)
		e = jv_next(arr, e);
	return e;
}

jv *jv_get(jv *obj, const char *k, size_t klen)
{
	if (!obj || obj->type != JV_OBJ)
		return NULL;
	jv *found = NULL, *end = obj + obj->skip;
	for (jv *key = obj + 1; key < end; key = key + 1 + key[1].skip)
		if (key->len == klen && key->s[0] == k[0] && memcmp(key->s, k, klen) == 0)
			found = key + 1;
	return found;
}

int jv_iter_next(jv_iter *it)
{
	if (!it->obj)
		return 0;
	jv *end = it->obj + it->obj->skip;
	while (it->pos < end) {
		jv *key = it->pos;
		it->pos = key + 1 + key[1].skip;
		int seen = 0;
		for (jv *k = it->obj + 1; k < key && !seen; k = k + 1 + k[1].skip)
			seen = k->len == key->len && memcmp(k->s, key->s, key->len) == 0;
		if (seen)
			continue;
		/* the last value of this key */
		jv *val = key + 1;
		for (jv *k = it->pos; k < end; k = k + 1 + k[1].skip)
			if (k->len == key->len && memcmp(k->s, key->s, key->len) == 0)
				val = k + 1;
		it->key = key->s;
		it->klen = key->len;
		it->val = val;
		it->yielded++;
		return 1;
	}
	it->obj = NULL;
	return 0;
}

json_object *jv_jsonc(const jv *v)
{
	if (!v)
		return NULL;
	switch ((jv_type)v->type) {
	case JV_NULL: return NULL;
	case JV_FALSE: return json_object_new_boolean(0);
	case JV_TRUE: return json_object_new_boolean(1);
	case JV_STR: return json_object_new_string_len(v->s, (int)v->len);
	case JV_NUM: {
		if (v->is_int)
			return json_object_new_int64(v->i);
		char buf[72];
		if (v->len > sizeof(buf) - 3)
			return NULL;
		buf[0] = '[';
		memcpy(buf + 1, v->s, v->len);
		buf[v->len + 1] = ']';
		buf[v->len + 2] = 0;
		json_object *a = json_tokener_parse(buf);
		json_object *e = a && json_object_is_type(a, json_type_array) ? json_object_array_get_idx(a, 0) : NULL;
		json_object_get(e);
		json_object_put(a);
		return e;
	}
	case JV_ARR: {
		json_object *a = json_object_new_array();
		jv *arr = (jv *)v;
		for (jv *e = jv_first(arr); a && e; e = jv_next(arr, e))
			json_object_array_add(a, jv_jsonc(e));
		return a;
	}
	case JV_OBJ: {
		json_object *o = json_object_new_object();
		const jv *end = v + v->skip;
		for (const jv *key = v + 1; o && key < end; key = key + 1 + key[1].skip)
			json_object_object_add(o, key->s, jv_jsonc(key + 1));
		return o;
	}
	}
	return NULL;
}
