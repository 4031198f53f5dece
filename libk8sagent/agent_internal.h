/* SPDX-License-Identifier: MIT */
/* The agent's insides (private): answers are filled by agent.c and by the context builder. */
#ifndef K8SA_AGENT_INTERNAL_H
#define K8SA_AGENT_INTERNAL_H

#include <k8sagent/agent.h>
#include <k8sagent/analyze.h>
#include <k8sagent/prompt.h>
#include <k8sagent/snapshot.h>

/* Add the diagnose context to a prompt: findings (root causes first), facts about unhealthy
 * pods and workloads, gaps, warning events, and log tails. Every byte passes the prompt's
 * redaction; logs, events and evidence are fenced as untrusted data. */
k8sa_status k8sa_agent_add_context(k8sa_prompt *p, const k8sa_snapshot *snap, const k8sa_findings *f,
				   k8sa_error *err);

#endif
