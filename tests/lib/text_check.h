/* SPDX-License-Identifier: MIT */
/* Check assertions on a text (a prompt, a JSON body, an error message): every string of a
 * list occurs in it, or none does. The failure message names the string and shows the text.
 *
 *     TEXT_HAS(json, "\"stream\":true", "\"seed\":42");
 *     TEXT_LACKS(json, "num_ctx", "keep_alive");
 */
#ifndef K8SA_TEST_TEXT_CHECK_H
#define K8SA_TEST_TEXT_CHECK_H

#include <check.h>
#include <string.h>

/* want != 0: every string of list (NULL-terminated) occurs in text; want == 0: none does. */
static inline void text_check(const char *file, int line, const char *text, const char *const *list, int want)
{
	ck_assert_msg(text != NULL, "%s:%d: no text", file, line);
	for (; *list; list++)
		ck_assert_msg((strstr(text, *list) != NULL) == (want != 0), "%s:%d: \"%s\" %s in: %s", file, line,
			      *list, want ? "missing" : "present", text);
}

#define TEXT_HAS(text, ...) text_check(__FILE__, __LINE__, (text), (const char *const[]){__VA_ARGS__, NULL}, 1)
#define TEXT_LACKS(text, ...) text_check(__FILE__, __LINE__, (text), (const char *const[]){__VA_ARGS__, NULL}, 0)

#endif
