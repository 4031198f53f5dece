/* SPDX-License-Identifier: MIT */
/**
 * @file common.h
 * @brief Status codes, the error struct, memory and version functions shared by every
 *        part of libk8sagent.
 *
 * @defgroup common Common: status codes, errors, memory
 * @{
 *
 * Conventions (see docs/conventions.md):
 * - Every fallible call returns a ::k8sa_status (K8SA_OK == 0) and, when the caller passes a
 *   non-NULL ::k8sa_error, fills it with the code, a human message and the HTTP status when
 *   there is one. The error struct is caller-owned (stack is fine); nothing to free.
 * - New strings are handed out through a `char **out` parameter: owned by the caller and freed
 *   with k8sa_free(). A `const char *` result is borrowed (its header says for how long).
 * - Handles are opaque; `k8sa_x_free(NULL)` is a no-op.
 * - No global state beyond k8sa_global_init(); a handle is used by one thread at a time unless
 *   its header says otherwise.
 */
#ifndef K8SAGENT_COMMON_H
#define K8SAGENT_COMMON_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * Status codes. Append-only: a code is never renumbered or reused, new codes go at the end
 * (before nothing: there is no "last" sentinel in the ABI). k8sa_strerror() names each.
 */
typedef enum k8sa_status {
	K8SA_OK = 0,                  /**< success */
	K8SA_E_INVALID_ARG = 1,       /**< a NULL or out-of-range argument */
	K8SA_E_NOMEM = 2,             /**< out of memory */
	K8SA_E_CONFIG = 3,            /**< bad or missing configuration (kubeconfig, in-cluster files, flags) */
	K8SA_E_IO = 4,                /**< a local file could not be read or written */
	K8SA_E_TRANSPORT = 5,         /**< connection refused/reset, DNS, or other transport failure */
	K8SA_E_TLS = 6,               /**< TLS handshake or certificate verification failed */
	K8SA_E_TIMEOUT = 7,           /**< an operation took longer than its timeout */
	K8SA_E_BAD_REQUEST = 8,       /**< the server answered 400 (e.g. no previous container for logs) */
	K8SA_E_UNAUTHORIZED = 9,      /**< 401: token missing, expired or rotated */
	K8SA_E_FORBIDDEN = 10,        /**< 403: RBAC denied the request (the server's message is kept) */
	K8SA_E_NOT_FOUND = 11,        /**< 404 */
	K8SA_E_GONE = 12,             /**< 410: a list continue token expired */
	K8SA_E_TOO_MANY_REQUESTS = 13,/**< 429: flow control; see k8sa_error.retry_after */
	K8SA_E_SERVER = 14,           /**< 5xx from the server */
	K8SA_E_HTTP = 15,             /**< another unexpected HTTP status */
	K8SA_E_PROTOCOL = 16,         /**< a malformed or truncated response body */
	K8SA_E_READ_ONLY = 17,        /**< refused: the request would not be a read (or would read Secrets) */
	K8SA_E_LLM = 18,              /**< the LLM server reported an error */
	K8SA_E_MODEL_NOT_FOUND = 19,  /**< the LLM server does not have the requested model */
	K8SA_E_CANCELLED = 20,        /**< cancelled by the caller */
	K8SA_E_LIMIT = 21,            /**< a configured bound was exceeded */
	K8SA_E_UNSUPPORTED = 22,      /**< not supported by this build or server */
	K8SA_E_INTERNAL = 23          /**< a bug: please report it */
} k8sa_status;

/** Size of k8sa_error::message, including the terminating NUL. */
#define K8SA_ERROR_MESSAGE_SIZE 512

/**
 * Error detail, filled by a failing call when the caller passes a non-NULL pointer.
 * Caller-owned, no allocation inside: declare it on the stack. Zero-initialise or let the
 * library overwrite it; on success the library leaves it untouched.
 */
typedef struct k8sa_error {
	k8sa_status code;       /**< same as the return value */
	int http_status;        /**< HTTP status of the failed response, 0 when none */
	int retry_after;        /**< seconds from a Retry-After header, 0 when none */
	char message[K8SA_ERROR_MESSAGE_SIZE]; /**< human message, NUL-terminated, never empty on error */
} k8sa_error;

/**
 * Name of a status code ("forbidden", "timeout"...). Never NULL; static storage.
 * Thread-safe.
 */
const char *k8sa_strerror(k8sa_status code);

/** Free memory returned by the library (strings, buffers). NULL is a no-op. */
void k8sa_free(void *ptr);

/**
 * Initialise global state (libcurl's). Call once before any thread uses the library;
 * calling it again is harmless (reference counted). Not thread-safe.
 */
k8sa_status k8sa_global_init(void);

/** Release what k8sa_global_init() took, once per successful init call. Not thread-safe. */
void k8sa_global_cleanup(void);

/** Run-time library version, e.g. "0.1.0". Static storage. */
const char *k8sa_version(void);

/** Run-time version as 0xMMmmpp, to compare with K8SA_VERSION_NUM. */
unsigned int k8sa_version_num(void);

/** @} */

#ifdef __cplusplus
}
#endif

#endif /* K8SAGENT_COMMON_H */
