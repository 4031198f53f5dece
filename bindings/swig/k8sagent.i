/* SPDX-License-Identifier: MIT */
/*
 * Language-neutral SWIG interface to libk8sagent: which headers are wrapped, who owns what.
 * A per-language file (bindings/python/k8sagent_python.i) sets %module, defines the typemaps
 * this file relies on (status -> exception, k8sa_error out-parameter, char ** outputs freed
 * with k8sa_free(), handle out-parameters), then includes this file.
 *
 * Wrapped: common.h, kubeconfig.h, kube.h, redact.h, snapshot.h, analyze.h, agent.h, tools.h,
 * verify.h, investigate.h (a session's events come out as (type, text, json) tuples).
 * Not wrapped: llm.h and prompt.h (the agent drives them; their callback forms do not bind
 * cleanly), k8sa_global_init/cleanup (the module calls k8sa_global_init() once on import).
 */

%{
#include <k8sagent/k8sagent.h>
#include <k8sagent/agent.h>
%}

/* Opaque handles become classes whose destructor is the library's free function, so the
 * garbage collector frees what the caller did not; an explicit free disowns the object. */
%define K8SA_HANDLE(TYPE, FREE)
%nodefaultctor TYPE;
struct TYPE {};
%extend TYPE { ~TYPE() { FREE($self); } }
%delobject FREE;
%enddef

K8SA_HANDLE(k8sa_kubeconfig, k8sa_kubeconfig_free)
K8SA_HANDLE(k8sa_kube, k8sa_kube_free)
K8SA_HANDLE(k8sa_redactor, k8sa_redactor_free)
K8SA_HANDLE(k8sa_snapshot_opts, k8sa_snapshot_opts_free)
K8SA_HANDLE(k8sa_snapshot, k8sa_snapshot_free)
K8SA_HANDLE(k8sa_findings, k8sa_findings_free)
K8SA_HANDLE(k8sa_agent, k8sa_agent_free)
K8SA_HANDLE(k8sa_answer, k8sa_answer_free)
K8SA_HANDLE(k8sa_answer_stream, k8sa_answer_stream_free)
K8SA_HANDLE(k8sa_tools, k8sa_tools_free)
K8SA_HANDLE(k8sa_verifier, k8sa_verifier_free)
K8SA_HANDLE(k8sa_session, k8sa_session_free)

/* Every constructor fills a `TYPE **out` and every new string a `char **out` (the library's
 * one form for each: docs/conventions.md, "Names"), so no function needs %newobject. */

/* Handle out-parameters: the new object is owned by the target language. */
K8SA_OUT_HANDLE(k8sa_kubeconfig)
K8SA_OUT_HANDLE(k8sa_kube)
K8SA_OUT_HANDLE(k8sa_redactor)
K8SA_OUT_HANDLE(k8sa_snapshot_opts)
K8SA_OUT_HANDLE(k8sa_snapshot)
K8SA_OUT_HANDLE(k8sa_findings)
K8SA_OUT_HANDLE(k8sa_agent)
K8SA_OUT_HANDLE(k8sa_answer)
K8SA_OUT_HANDLE(k8sa_answer_stream)
K8SA_OUT_HANDLE(k8sa_tools)
K8SA_OUT_HANDLE(k8sa_verifier)
K8SA_OUT_HANDLE(k8sa_session)

/* k8sa_answer_llm_status() reports a status as data, it does not fail. */
K8SA_STATUS_AS_VALUE(k8sa_answer_llm_status)

/* Process-wide setup happens once when the module loads; the memory free is implicit. */
%ignore k8sa_global_init;
%ignore k8sa_global_cleanup;
%ignore k8sa_free;
/* The error struct is only ever an out-parameter turned into an exception. */
%ignore k8sa_error;

%include <k8sagent/common.h>
%include <k8sagent/version.h>
%include <k8sagent/kubeconfig.h>
%include <k8sagent/kube.h>
%include <k8sagent/redact.h>
%include <k8sagent/snapshot.h>
%include <k8sagent/analyze.h>
%include <k8sagent/agent.h>
%include <k8sagent/tools.h>
%include <k8sagent/verify.h>
%include <k8sagent/investigate.h>
%include <k8sagent/text.h>
