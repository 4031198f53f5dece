/* SPDX-License-Identifier: MIT */
/* Private parts of the tools (tools.c) shared with the investigation loop. */
#ifndef K8SA_TOOLS_INTERNAL_H
#define K8SA_TOOLS_INTERNAL_H

#include "internal.h"
#include <k8sagent/tools.h>

/* Seed analyze(ns) with findings text the caller already has (the session's snapshot), so
 * the tool answers from it instead of taking a new snapshot. Copied. */
k8sa_status tools_set_analysis(k8sa_tools *t, const char *ns, const char *findings_text);

/* Snapshot bounds for analyze() (borrowed; NULL: defaults). */
void tools_set_snapshot_opts(k8sa_tools *t, const void *opts);

/* Fence text as untrusted data (preamble + ```text fence, backticks made harmless).
 * Returns a new string, NULL on ENOMEM. */
char *tools_fence(const char *text, size_t len);

/* Canonical form of a JSON arguments text (keys sorted, compact), for the session's cache
 * of repeated calls. NULL when not a JSON object (or ENOMEM). */
char *tools_canonical_args(const char *arguments_json);

/* One list_objects line for an object of resource `res` (tools_table.c). */
struct k8sa_tbuf;
struct json_object;
void tools_table_row(struct k8sa_tbuf *b, int res, struct json_object *o, int all_ns);
/* qsort() order of events (json_object **), oldest first. */
int tools_cmp_event(const void *a, const void *b);

#endif
