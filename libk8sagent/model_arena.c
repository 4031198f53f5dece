/* SPDX-License-Identifier: MIT */
/* The compact model's arena and string interning. */
#include "model_internal.h"

#include <stdlib.h>
#include <string.h>

/* ---- arena ---------------------------------------------------------------------------- */

struct m_arena_chunk {
	m_arena_chunk *next;
	size_t size, used;
	max_align_t data[];
};

#define M_CHUNK (64 * 1024)

void *m_alloc(m_arena *a, size_t n)
{
	n = (n + sizeof(max_align_t) - 1) / sizeof(max_align_t) * sizeof(max_align_t);
	if (n == 0)
		n = sizeof(max_align_t);
	m_arena_chunk *c = a->head;
	if (!c || c->size - c->used < n) {
		size_t size = n > M_CHUNK / 4 ? n : M_CHUNK;
		c = malloc(sizeof(*c) + size);
		if (!c)
			return NULL;
		c->size = size;
		c->used = 0;
		if (n > M_CHUNK / 4 && a->head) {
			/* a big block gets its own chunk behind the current one, so the current
			 * chunk's free space is not wasted */
			c->next = a->head->next;
			a->head->next = c;
		} else {
			c->next = a->head;
			a->head = c;
		}
	}
	void *p = (char *)c->data + c->used;
	c->used += n;
	a->used_total += n;
	memset(p, 0, n);
	return p;
}

void m_arena_reset(m_arena *a)
{
	m_arena_chunk *c = a->head;
	if (!c)
		return;
	m_arena_chunk *n = c->next;
	while (n) {
		m_arena_chunk *nx = n->next;
		free(n);
		n = nx;
	}
	c->next = NULL;
	c->used = 0;
	a->used_total = 0;
}

static uint64_t hash_bytes(const char *s, size_t n)
{
	uint64_t h = 1469598103934665603ULL; /* FNV-1a */
	for (size_t i = 0; i < n; i++) {
		h ^= (unsigned char)s[i];
		h *= 1099511628211ULL;
	}
	return h;
}

static int intern_grow(m_arena *a)
{
	size_t cap = a->tab_cap ? a->tab_cap * 2 : 1024;
	const char **tab = calloc(cap, sizeof(*tab));
	if (!tab)
		return -1;
	for (size_t i = 0; i < a->tab_cap; i++) {
		const char *s = a->tab[i];
		if (!s)
			continue;
		size_t j = hash_bytes(s, strlen(s)) & (cap - 1);
		while (tab[j])
			j = (j + 1) & (cap - 1);
		tab[j] = s;
	}
	free(a->tab);
	a->tab = tab;
	a->tab_cap = cap;
	return 0;
}

const char *m_intern_n(m_arena *a, const char *s, size_t n)
{
	if (!s)
		return NULL;
	/* long strings (messages) are rarely repeated: copy without the table */
	if (n > 256) {
		char *p = m_alloc(a, n + 1);
		if (!p)
			return NULL;
		memcpy(p, s, n);
		p[n] = 0;
		return p;
	}
	if ((a->tab_n + 1) * 2 > a->tab_cap && intern_grow(a) < 0)
		return NULL;
	size_t j = hash_bytes(s, n) & (a->tab_cap - 1);
	while (a->tab[j]) {
		if (strncmp(a->tab[j], s, n) == 0 && a->tab[j][n] == 0)
			return a->tab[j];
		j = (j + 1) & (a->tab_cap - 1);
	}
	char *p = m_alloc(a, n + 1);
	if (!p)
		return NULL;
	memcpy(p, s, n);
	p[n] = 0;
	a->tab[j] = p;
	a->tab_n++;
	return p;
}

const char *m_intern(m_arena *a, const char *s)
{
	return s ? m_intern_n(a, s, strlen(s)) : NULL;
}

void m_arena_free(m_arena *a)
{
	m_arena_chunk *c = a->head;
	while (c) {
		m_arena_chunk *n = c->next;
		free(c);
		c = n;
	}
	free(a->tab);
	memset(a, 0, sizeof(*a));
}

void m_model_size_of(const m_model *m, m_model_size *out)
{
	memset(out, 0, sizeof(*out));
	for (const m_arena_chunk *c = m->arena.head; c; c = c->next)
		out->arena += sizeof(*c) + c->size;
	out->arena_used = m->arena.used_total;
	out->intern = m->arena.tab_cap * sizeof(*m->arena.tab);
#define VEC_BYTES(vec) ((vec).cap * sizeof(*(vec).v))
	out->vectors = VEC_BYTES(m->pods) + VEC_BYTES(m->events) + VEC_BYTES(m->workloads) + VEC_BYTES(m->jobs) +
		       VEC_BYTES(m->cronjobs) + VEC_BYTES(m->services) + VEC_BYTES(m->endpoints) + VEC_BYTES(m->pvcs) +
		       VEC_BYTES(m->pvs) + VEC_BYTES(m->configmaps) + VEC_BYTES(m->ingresses) + VEC_BYTES(m->hpas) +
		       VEC_BYTES(m->quotas) + VEC_BYTES(m->nodes) + VEC_BYTES(m->namespaces);
#undef VEC_BYTES
}
