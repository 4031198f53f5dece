/* SPDX-License-Identifier: MIT */
/* Private helpers shared by the library's sources. Never installed. */
#ifndef K8SA_INTERNAL_H
#define K8SA_INTERNAL_H

#include "config.h"
#include <k8sagent/common.h>
#include <stdarg.h>

/* Only symbols marked K8SA_EXPORT leave the shared object (-fvisibility=hidden + version
 * script); the public headers stay free of attributes so SWIG reads them unchanged. */
#define K8SA_EXPORT __attribute__((visibility("default")))

#if defined(__GNUC__)
#define K8SA_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define K8SA_PRINTF(f, a)
#endif

/* Fill err (may be NULL) and return code: `return k8sa_fail(err, K8SA_E_IO, "open %s: %s", ...)`. */
k8sa_status k8sa_fail(k8sa_error *err, k8sa_status code, const char *fmt, ...) K8SA_PRINTF(3, 4);
k8sa_status k8sa_fail_http(k8sa_error *err, k8sa_status code, int http_status, const char *fmt, ...)
	K8SA_PRINTF(4, 5);
/* Prefix an already-filled error with context ("kubeconfig /x: " + old message). */
void k8sa_error_prefix(k8sa_error *err, const char *fmt, ...) K8SA_PRINTF(2, 3);

/* Milliseconds on the monotonic clock: timeouts, retry delays and timings. */
double k8sa_now_ms(void);

/* Read a whole file of at most `max` bytes into a malloc()ed NUL-terminated buffer (*out,
 * caller frees; *out_len optional). The library's one file reader. On failure err holds
 * "PATH: why" and the status is K8SA_E_NOT_FOUND (no such file), K8SA_E_LIMIT (larger than
 * max), K8SA_E_NOMEM, or K8SA_E_IO (anything else, a directory included). */
k8sa_status k8sa_read_file(const char *path, size_t max, char **out, size_t *out_len, k8sa_error *err);

/* 1 when hay[0..len) contains needle, ignoring ASCII case (hay may be NULL when len is 0;
 * an empty needle is always found). */
int k8sa_contains_ci(const char *hay, size_t len, const char *needle);

/* strdup that tolerates NULL (returns NULL). */
char *k8sa_strdup0(const char *s);

/* Redact into a new string (k8sa_redactor_apply() without the status form; NULL r: built-in
 * rules, no counting). NULL only when out of memory. */
struct k8sa_redactor;
char *k8sa_redact_dup(struct k8sa_redactor *r, const char *text, size_t len, size_t *out_len);

/* Mask the password of every URL in a fixed buffer, in place (text.c; k8sa_fail() applies it
 * to every error message). */
void k8sa_mask_userinfo_buf(char *buf, size_t cap);

#endif
