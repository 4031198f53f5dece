/* SPDX-License-Identifier: MIT */
/* Shared by the fuzz harnesses that build prompts (fuzz_model.c, fuzz_prompt.c): the built
 * messages serialise to JSON that parses back. */
#ifndef K8SA_FUZZ_JSON_H
#define K8SA_FUZZ_JSON_H

#include "fuzz.h"

#include <k8sagent/prompt.h>
#include <json-c/json.h>

static inline void fuzz_assert_messages_json(const k8sa_prompt *p)
{
	char *mj = NULL;
	FUZZ_ASSERT(k8sa_prompt_messages_json(p, &mj, NULL) == K8SA_OK);
	json_object *back = json_tokener_parse(mj);
	FUZZ_ASSERT(back != NULL);
	json_object_put(back);
	k8sa_free(mj);
}

#endif
