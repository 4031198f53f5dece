/* SPDX-License-Identifier: MIT */
/**
 * @file kubeconfig.h
 * @brief Where the Kubernetes API is and how to authenticate: in-cluster, kubeconfig, or
 *        explicit settings.
 *
 * @defgroup kubeconfig Kubernetes configuration
 * @{
 *
 * Precedence of k8sa_kubeconfig_load_default():
 *  1. an explicit kubeconfig path (the `--kubeconfig` flag);
 *  2. in-cluster, when `KUBERNETES_SERVICE_HOST` and `KUBERNETES_SERVICE_PORT` are both set
 *     and no context was asked for;
 *  3. `$KUBECONFIG` (several files joined with ':'; the first occurrence of a key wins);
 *  4. `~/.kube/config`.
 * A context name (the `--context` flag) selects a context instead of `current-context`.
 *
 * kubeconfig support: `token`, `tokenFile` (re-read as it rotates), client certificates
 * (`client-certificate(-data)`, `client-key(-data)`), `certificate-authority(-data)`,
 * `insecure-skip-tls-verify`, `tls-server-name`, the context's `namespace`. Relative file
 * paths resolve against the kubeconfig's directory. In a ':'-joined list, missing files are
 * skipped (as kubectl does); a single missing file is an error. `auth-provider` and
 * username/password fail with K8SA_E_UNSUPPORTED.
 *
 * Exec credential plugins (`users[].user.exec`, client.authentication.k8s.io/v1 and v1beta1,
 * as EKS, GKE and AKS write them): **like kubectl, the client runs the command the kubeconfig
 * names** — with its `args` and `env`, no shell, `KUBERNETES_EXEC_INFO` set (`interactive`,
 * and `cluster` when `provideClusterInfo`) — when it first needs credentials, not at load
 * time. The ExecCredential's token or client certificate is cached until its
 * `expirationTimestamp` and the command runs again after a 401. `interactiveMode` Never,
 * IfAvailable (stdin passed on when a terminal) or Always (fails with K8SA_E_CONFIG without a
 * terminal); a run is bounded (60 s, 300 s interactive; 1 MiB of output); a missing command
 * fails with K8SA_E_CONFIG naming it and the kubeconfig's `installHint`. Load only
 * kubeconfigs you trust. In-cluster configuration runs nothing.
 * Errors name the file and the field (`users[0].user.client-key-data: invalid base64`) or
 * the line and column of a YAML syntax error.
 *
 * A ::k8sa_kubeconfig is a plain value object: not shared across threads while being
 * modified; the client copies what it needs, so it can be freed after k8sa_kube_new().
 */
#ifndef K8SAGENT_KUBECONFIG_H
#define K8SAGENT_KUBECONFIG_H

#include <k8sagent/common.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Opaque configuration. Create with one of the constructors, free with k8sa_kubeconfig_free(). */
typedef struct k8sa_kubeconfig k8sa_kubeconfig;

/** An empty configuration for explicit settings; free it with k8sa_kubeconfig_free(). */
k8sa_status k8sa_kubeconfig_new(k8sa_kubeconfig **out, k8sa_error *err);

/** Free a configuration. NULL is a no-op. */
void k8sa_kubeconfig_free(k8sa_kubeconfig *cfg);

/**
 * Load kubeconfig file(s).
 * @param out      receives a new configuration (caller frees) on success
 * @param paths    file path, or several joined with ':'; NULL means `$KUBECONFIG`, then
 *                 `~/.kube/config`
 * @param context  context name, or NULL for the file's `current-context`
 * @param err      optional error detail; names the file and the field on a bad config
 */
k8sa_status k8sa_kubeconfig_load_file(k8sa_kubeconfig **out, const char *paths,
				      const char *context, k8sa_error *err);

/**
 * In-cluster configuration from `KUBERNETES_SERVICE_HOST`/`PORT` and the service-account
 * files (`token`, `ca.crt`, `namespace`) under `/var/run/secrets/kubernetes.io/serviceaccount`
 * (or `$K8SA_SERVICEACCOUNT_DIR`, for tests). The token is read from its file, and re-read
 * by the client as it rotates.
 */
k8sa_status k8sa_kubeconfig_load_in_cluster(k8sa_kubeconfig **out, k8sa_error *err);

/** Load by the precedence above. `path`/`context` may be NULL. */
k8sa_status k8sa_kubeconfig_load_default(k8sa_kubeconfig **out, const char *path,
					 const char *context, k8sa_error *err);

/** @name Explicit settings (each copies its string; NULL clears the setting) */
/**@{*/
/** API server URL, e.g. https://10.0.0.1:6443. */
k8sa_status k8sa_kubeconfig_set_server(k8sa_kubeconfig *cfg, const char *url);
/** Bearer token. */
k8sa_status k8sa_kubeconfig_set_token(k8sa_kubeconfig *cfg, const char *token);
/** A token file, re-read as it changes (projected tokens rotate). */
k8sa_status k8sa_kubeconfig_set_token_file(k8sa_kubeconfig *cfg, const char *path);
/** CA bundle file (PEM) that verifies the server. */
k8sa_status k8sa_kubeconfig_set_ca_file(k8sa_kubeconfig *cfg, const char *path);
/** PEM text of the CA bundle (not base64). */
k8sa_status k8sa_kubeconfig_set_ca_pem(k8sa_kubeconfig *cfg, const char *pem);
/** Client certificate file (PEM) for mutual TLS. */
k8sa_status k8sa_kubeconfig_set_client_cert_file(k8sa_kubeconfig *cfg, const char *path);
/** Client private key file (PEM) for mutual TLS. */
k8sa_status k8sa_kubeconfig_set_client_key_file(k8sa_kubeconfig *cfg, const char *path);
/** Client certificate as PEM text. */
k8sa_status k8sa_kubeconfig_set_client_cert_pem(k8sa_kubeconfig *cfg, const char *pem);
/** Client private key as PEM text. */
k8sa_status k8sa_kubeconfig_set_client_key_pem(k8sa_kubeconfig *cfg, const char *pem);
/** Name to verify in the server certificate instead of the URL's host. */
k8sa_status k8sa_kubeconfig_set_tls_server_name(k8sa_kubeconfig *cfg, const char *name);
/** Skip TLS verification. Honoured, but the client warns on stderr each time it connects. */
k8sa_status k8sa_kubeconfig_set_insecure_skip_tls_verify(k8sa_kubeconfig *cfg, int insecure);
/**
 * Proxy for the API server (kubeconfig `clusters[].cluster.proxy-url`): `http://`,
 * `https://`, `socks5://` or `socks5h://`. NULL or "" connects directly, the default. The
 * environment's proxy variables are never used. K8SA_E_INVALID_ARG for another scheme.
 */
k8sa_status k8sa_kubeconfig_set_proxy_url(k8sa_kubeconfig *cfg, const char *url);
/** Default namespace. */
k8sa_status k8sa_kubeconfig_set_namespace(k8sa_kubeconfig *cfg, const char *ns);
/**@}*/

/** @name Read back (borrowed strings, valid until the next change or free; may be NULL) */
/**@{*/
/** API server URL, or NULL when none is set. */
const char *k8sa_kubeconfig_server(const k8sa_kubeconfig *cfg);
/** Default namespace: the context's, the in-cluster pod's, or "default". Never NULL. */
const char *k8sa_kubeconfig_namespace(const k8sa_kubeconfig *cfg);
/** Name of the context used, or NULL (in-cluster, explicit). */
const char *k8sa_kubeconfig_context(const k8sa_kubeconfig *cfg);
/** Where the configuration came from: "in-cluster", "explicit" or the kubeconfig path. */
const char *k8sa_kubeconfig_source(const k8sa_kubeconfig *cfg);
/** Proxy URL for the API server, or NULL when connecting directly. */
const char *k8sa_kubeconfig_proxy_url(const k8sa_kubeconfig *cfg);
/** Non-zero when TLS verification is disabled. */
int k8sa_kubeconfig_insecure_skip_tls_verify(const k8sa_kubeconfig *cfg);
/**@}*/

/** @} */

#ifdef __cplusplus
}
#endif

#endif
