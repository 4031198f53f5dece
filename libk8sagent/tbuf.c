/* SPDX-License-Identifier: MIT */
/* Growable text buffer with a sticky out-of-memory flag. */
#include "internal.h"
#include "tbuf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int k8sa_tbuf_reserve(k8sa_tbuf *b, size_t n)
{
	if (b->oom)
		return -1;
	if (n >= (size_t)-1 - b->len - 1) { /* overflow */
		b->oom = 1;
		return -1;
	}
	size_t need = b->len + n + 1;
	if (need <= b->cap)
		return 0;
	size_t cap = b->cap ? b->cap : 64;
	while (cap < need) {
		if (cap > ((size_t)-1) / 2) {
			cap = need;
			break;
		}
		cap *= 2;
	}
	char *np = realloc(b->p, cap);
	if (!np) {
		b->oom = 1;
		return -1;
	}
	b->p = np;
	b->cap = cap;
	return 0;
}

int k8sa_tbuf_put(k8sa_tbuf *b, const void *s, size_t n)
{
	if (k8sa_tbuf_reserve(b, n))
		return -1;
	if (n)
		memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
	return 0;
}

void k8sa_tbuf_puts(k8sa_tbuf *b, const char *s)
{
	k8sa_tbuf_put(b, s, strlen(s));
}

void k8sa_tbuf_putc(k8sa_tbuf *b, char c)
{
	k8sa_tbuf_put(b, &c, 1);
}

void k8sa_tbuf_vprintf(k8sa_tbuf *b, const char *fmt, va_list ap)
{
	va_list ap2;
	char small[256];
	va_copy(ap2, ap);
	int n = vsnprintf(small, sizeof(small), fmt, ap2);
	va_end(ap2);
	if (n < 0) {
		b->oom = 1;
		return;
	}
	if ((size_t)n < sizeof(small)) {
		k8sa_tbuf_put(b, small, (size_t)n);
		return;
	}
	if (k8sa_tbuf_reserve(b, (size_t)n))
		return;
	vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
}

void k8sa_tbuf_printf(k8sa_tbuf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	k8sa_tbuf_vprintf(b, fmt, ap);
	va_end(ap);
}

char *k8sa_tbuf_finish(k8sa_tbuf *b, size_t *len)
{
	if (!b->oom && k8sa_tbuf_reserve(b, 0) == 0) {
		char *p = b->p;
		p[b->len] = '\0';
		if (len)
			*len = b->len;
		b->p = NULL;
		b->len = b->cap = 0;
		return p;
	}
	k8sa_tbuf_release(b);
	return NULL;
}

void k8sa_tbuf_release(k8sa_tbuf *b)
{
	free(b->p);
	b->p = NULL;
	b->len = b->cap = 0;
	b->oom = 0;
}

void k8sa_tbuf_reset(k8sa_tbuf *b)
{
	b->len = 0;
	b->oom = 0;
	if (b->p)
		b->p[0] = '\0';
}

const char *k8sa_tbuf_str(const k8sa_tbuf *b)
{
	return b->p ? b->p : "";
}
