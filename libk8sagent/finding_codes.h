/* SPDX-License-Identifier: MIT */
/* The finding codes as one table (private): finding_codes.def holds the rows. */
#ifndef K8SA_FINDING_CODES_H
#define K8SA_FINDING_CODES_H

#include <k8sagent/analyze.h>

/* FC_CrashLoopBackOff, FC_OOMKilled, ...: an index into fc_table. */
typedef enum fc_id {
#define FINDING_CODE(code, kind, severity, rank, when) FC_##code,
#include "finding_codes.def"
#undef FINDING_CODE
	FC_COUNT
} fc_id;

typedef struct fc_info {
	const char *code;              /* "CrashLoopBackOff" */
	const char *kind;              /* "Pod" */
	k8sa_severity severity;        /* the highest it is reported with */
	int rank;                      /* root-cause preference: lower = more upstream */
	const char *when;              /* what triggers it */
} fc_info;

extern const fc_info fc_table[FC_COUNT];

#endif
