/* SPDX-License-Identifier: MIT */
/* The library's one growable text buffer (redaction, prompts, findings,
 * HTTP bodies, LLM streams).
 * Private; never installed. Always NUL-terminated once anything was added. Errors are
 * sticky: after an allocation failure every call is a no-op and finish returns NULL, so
 * callers check once at the end. */
#ifndef K8SA_TBUF_H
#define K8SA_TBUF_H

#include <stdarg.h>
#include <stddef.h>
#include "internal.h"

typedef struct k8sa_tbuf {
	char *p;
	size_t len, cap;
	int oom;
} k8sa_tbuf;

/* Make room for n more bytes (plus a NUL); 0 on success. */
int k8sa_tbuf_reserve(k8sa_tbuf *b, size_t n);
/* Append n bytes; 0 on success, -1 after an allocation failure (now or earlier). */
int k8sa_tbuf_put(k8sa_tbuf *b, const void *s, size_t n);
void k8sa_tbuf_puts(k8sa_tbuf *b, const char *s);
void k8sa_tbuf_putc(k8sa_tbuf *b, char c);
void k8sa_tbuf_printf(k8sa_tbuf *b, const char *fmt, ...) K8SA_PRINTF(2, 3);
void k8sa_tbuf_vprintf(k8sa_tbuf *b, const char *fmt, va_list ap) K8SA_PRINTF(2, 0);
/* Hand the NUL-terminated text to the caller (freed with free()/k8sa_free()); the buffer is
 * left empty. NULL after an allocation failure (the buffer is released then). */
char *k8sa_tbuf_finish(k8sa_tbuf *b, size_t *len);
void k8sa_tbuf_release(k8sa_tbuf *b);
/* Empty the buffer but keep its memory for reuse; clears an allocation failure. */
void k8sa_tbuf_reset(k8sa_tbuf *b);
/* The text so far (borrowed until the next change): "" when nothing was added. */
const char *k8sa_tbuf_str(const k8sa_tbuf *b);

#endif
