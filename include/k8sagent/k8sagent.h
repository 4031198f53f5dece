/* SPDX-License-Identifier: MIT */
/**
 * @file k8sagent.h
 * @brief libk8sagent: everything in one include.
 */
#ifndef K8SAGENT_H
#define K8SAGENT_H

/* Only includes: each header carries its own extern "C" guard (wrapping the includes here
 * would put <stddef.h> under C linkage). tests/cxx-headers.sh compiles this as C++. */

#include <k8sagent/version.h>
#include <k8sagent/common.h>
#include <k8sagent/kubeconfig.h>
#include <k8sagent/kube.h>
#include <k8sagent/redact.h>
#include <k8sagent/llm.h>
#include <k8sagent/snapshot.h>
#include <k8sagent/analyze.h>
#include <k8sagent/prompt.h>
#include <k8sagent/agent.h>
#include <k8sagent/tools.h>
#include <k8sagent/verify.h>
#include <k8sagent/investigate.h>
#include <k8sagent/mcp.h>
#include <k8sagent/text.h>

#endif /* K8SAGENT_H */
