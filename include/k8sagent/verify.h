/* SPDX-License-Identifier: MIT */
/**
 * @file verify.h
 * @brief Check a model's answer against the cluster: object names it made up, `kubectl`
 *        commands that would change the cluster, commands that would print Secret values.
 *
 * @defgroup verify Answer verification
 * @{
 *
 * A ::k8sa_verifier holds the names the agent has seen (a snapshot's objects, tool results,
 * the question). k8sa_verifier_check() reads an answer and returns
 *
 *     {"unknown_names": ["cart-5c4f9d7b8-zzzzz"],
 *      "mutating_commands": ["kubectl delete pod cart-5c4f9d7b8-zzzzz -n shop"],
 *      "secret_commands": ["kubectl get secret db -n shop -o yaml"]}
 *
 * Names: an answer names an object in `kubectl` commands (`kubectl logs POD`, `get pod NAME`,
 * `deployment/NAME`, `-n NAMESPACE`), as `kind/name`, after a kind word ("pod `x`",
 * "deployment cart-api", "the `web` service"; a bare word after a kind counts only when it is
 * quoted or has a digit or '-', so "the pod is" is not a name), and as generated pod names
 * (`cart-7d9f8b6c5-x2x7q`) anywhere. A name is known when the verifier has seen it, or it is
 * the prefix of a seen name before a '-' (the Deployment `cart` of pod `cart-7d9f8b6c5-x2x7q`).
 * `default`, `kube-system`, `kube-public` and `kube-node-lease` are always known.
 *
 * Commands: every `kubectl` command line in the answer (code blocks, inline code or prose;
 * `$ ` prompts, `\` continuations, text after `|`, `;`, `&&` or `>` is not part of it).
 * k8sa_kubectl_classify() decides: read-only verbs (get, describe, logs, top, events,
 * explain, api-resources, version, cluster-info, auth can-i, rollout status|history, diff,
 * wait, config...) versus mutating ones (apply, create, delete, edit, patch, replace, scale,
 * autoscale, rollout restart|undo|pause|resume, set, label, annotate, cordon, uncordon,
 * drain, taint, exec, cp, run, expose, attach, debug, certificate approve|deny, and any verb
 * it does not know). Secret printing: `get`/`edit` of secrets with an output format that
 * shows data (`-o yaml|json|jsonpath=...|go-template=...|custom-columns=...`, `--template`),
 * and the `view-secret` plugin. `kubectl describe secret` prints only key names and sizes and
 * is not flagged; `kubectl get secrets` (a table of names) neither.
 *
 * Thread-safety: a verifier is used by one thread at a time; k8sa_kubectl_classify() is
 * thread-safe.
 */
#ifndef K8SAGENT_VERIFY_H
#define K8SAGENT_VERIFY_H

#include <stddef.h>
#include <k8sagent/common.h>
#include <k8sagent/snapshot.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Opaque set of known names. */
typedef struct k8sa_verifier k8sa_verifier;

/** Classification bits of a `kubectl` command (k8sa_kubectl_classify()). */
#define K8SA_KUBECTL_MUTATING 1 /**< the command changes the cluster (or runs code in it) */
#define K8SA_KUBECTL_SECRET 2   /**< the command prints Secret values */

/** New empty verifier. @param out freed with k8sa_verifier_free(). */
k8sa_status k8sa_verifier_new(k8sa_verifier **out, k8sa_error *err);

/** Free a verifier. NULL is a no-op. */
void k8sa_verifier_free(k8sa_verifier *v);

/** Add one known name (copied). */
k8sa_status k8sa_verifier_add_name(k8sa_verifier *v, const char *name, k8sa_error *err);

/** Add every name-shaped word of a text (a tool result, the question): what the model was shown. */
k8sa_status k8sa_verifier_add_text(k8sa_verifier *v, const char *text, k8sa_error *err);

/** Add every name in a snapshot (objects, namespaces, nodes, containers, owners...). */
k8sa_status k8sa_verifier_add_snapshot(k8sa_verifier *v, const k8sa_snapshot *snap, k8sa_error *err);

/** Number of distinct known names. */
size_t k8sa_verifier_name_count(const k8sa_verifier *v);

/**
 * Check an answer. @param json receives the object shown above (arrays in order of first
 * appearance, without duplicates), freed with k8sa_free().
 */
k8sa_status k8sa_verifier_check(const k8sa_verifier *v, const char *answer, char **json, k8sa_error *err);

/**
 * Classify one command line. @return -1 when it is not a `kubectl` command, else a
 * combination of ::K8SA_KUBECTL_MUTATING and ::K8SA_KUBECTL_SECRET (0: read-only).
 */
int k8sa_kubectl_classify(const char *command);

/** @} */

#ifdef __cplusplus
}
#endif

#endif /* K8SAGENT_VERIFY_H */
