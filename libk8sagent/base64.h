/* SPDX-License-Identifier: MIT */
/* Base64 decoding (and encoding, for the exec plugin's cluster info) for kubeconfig `*-data` fields (standard alphabet, padding optional,
 * whitespace ignored as in PEM-wrapped values). Private to the library. */
#ifndef K8SA_BASE64_H
#define K8SA_BASE64_H

#include <stddef.h>

/* Decode `len` bytes of `in`. On success returns 0 and sets *out to a malloc()ed,
 * NUL-terminated buffer (caller free()s) and *out_len to the decoded length (without the
 * NUL). Returns -1 on invalid input, -2 when out of memory; *out is then untouched. */
int k8sa_base64_decode(const char *in, size_t len, char **out, size_t *out_len);

/* Encode `len` bytes (padded, no line breaks): a malloc()ed string, NULL when out of memory. */
char *k8sa_base64_encode(const char *in, size_t len);

#endif
