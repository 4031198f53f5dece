/* SPDX-License-Identifier: MIT */
/**
 * @file text.h
 * @brief Making text safe to show: credentials in URLs, terminal control sequences.
 *
 * @defgroup text Safe output
 * @{
 *
 * The library shows text it did not write: URLs from the configuration, log lines, event
 * messages, image names, the model's answer. Two helpers make such text safe to print:
 * k8sa_url_mask_userinfo() hides the password of every `scheme://user:password@host` (the
 * library's own error messages already pass through it), and k8sa_text_escape_controls()
 * turns terminal control characters into visible escapes, so an ESC sequence in a log line
 * cannot move the cursor, retitle the terminal or hide text when a front-end prints it.
 *
 * Both are thread-safe and keep every other byte as it is.
 */
#ifndef K8SAGENT_TEXT_H
#define K8SAGENT_TEXT_H

#include <stddef.h>
#include <k8sagent/common.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * Copy of @p text with the password of every URL's userinfo replaced by `***`:
 * `http://user:pass@host:11434` -> `http://user:***@host:11434`, `redis://:pw@r` ->
 * `redis://:***@r`. A user name alone (`ssh://git@github.com`) is kept. The password may hold
 * `/`, `#`, `?` or `@` (the last `@` before the host ends it). @p text may be a URL or a
 * message holding URLs. Use it wherever a configured URL goes into a message, a log or JSON.
 * @param out  receives the new string, freed with k8sa_free() (NULL when @p text is NULL)
 * @return K8SA_OK; K8SA_E_INVALID_ARG when @p out is NULL; K8SA_E_NOMEM.
 */
k8sa_status k8sa_url_mask_userinfo(const char *text, char **out, k8sa_error *err);

/**
 * Escape terminal control characters in @p len bytes of @p text for printing to a terminal:
 * ESC becomes the four characters `\x1b`, every other C0 control (except newline and tab),
 * DEL (`\x7f`) and bytes that are not valid UTF-8 become `\xNN`; the C1 controls U+0080..U+009F
 * and the bidirectional overrides (U+202A..U+202E, U+2066..U+2069) become `\uNNNN`. Newline,
 * tab and valid printable UTF-8 are kept, so ordinary text is unchanged.
 * @param text     input, may contain NUL bytes; may be NULL when @p len is 0
 * @param len      its length in bytes
 * @param out      receives the new NUL-terminated string, freed with k8sa_free()
 * @param out_len  when not NULL, receives the output length
 * @return K8SA_OK; K8SA_E_INVALID_ARG when @p out is NULL; K8SA_E_NOMEM.
 */
k8sa_status k8sa_text_escape_controls(const char *text, size_t len, char **out, size_t *out_len, k8sa_error *err);

/** k8sa_text_escape_controls() of a NUL-terminated string (NULL in: `*out` NULL and K8SA_OK). */
k8sa_status k8sa_text_escape_controls_str(const char *text, char **out, k8sa_error *err);

/** @} */

#ifdef __cplusplus
}
#endif

#endif /* K8SAGENT_TEXT_H */
