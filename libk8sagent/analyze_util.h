/* SPDX-License-Identifier: MIT */
/* Tiny string helpers shared by the analyzers (private). */
#ifndef K8SA_ANALYZE_UTIL_H
#define K8SA_ANALYZE_UTIL_H

#include <string.h>

static inline int a_eq(const char *a, const char *b)
{
	return a && b && strcmp(a, b) == 0;
}

static inline const char *a_nz(const char *s)
{
	return s ? s : "";
}

#endif
