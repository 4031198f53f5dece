/* SPDX-License-Identifier: MIT */
/* The finding-code table, built from finding_codes.def. */
#include "finding_codes.h"

const fc_info fc_table[FC_COUNT] = {
#define FINDING_CODE(code_, kind_, severity_, rank_, when_)                                      \
	[FC_##code_] = {.code = #code_, .kind = #kind_, .severity = K8SA_SEV_##severity_, .rank = rank_, .when = when_},
#include "finding_codes.def"
#undef FINDING_CODE
};
