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

/* The agent's parts for the investigation loop (investigate.c). Borrowed: they live as long
 * as the agent. agent_kube() loads the default kubeconfig on first use, as diagnose does. */
struct k8sa_kube;
struct k8sa_llm;
k8sa_status agent_kube(k8sa_agent *a, struct k8sa_kube **out, k8sa_error *err);
struct k8sa_llm *agent_llm(k8sa_agent *a);
const k8sa_snapshot_opts *agent_snapshot_opts(const k8sa_agent *a);
int agent_context_tokens(const k8sa_agent *a);
int agent_answer_tokens(const k8sa_agent *a);
double agent_timeout_s(const k8sa_agent *a);

#endif
