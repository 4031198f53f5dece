/* SPDX-License-Identifier: MIT */
/* Exec credential plugins (users[].user.exec in a kubeconfig, as EKS, GKE and AKS write
 * them): the kubeconfig loader fills a k8sa_exec_config, the client runs the command when it
 * needs credentials and caches the ExecCredential until it expires or the server answers
 * 401. Like kubectl, this runs a command named in the kubeconfig. Private to the library. */
#ifndef K8SA_KUBE_EXEC_H
#define K8SA_KUBE_EXEC_H

#include <k8sagent/common.h>
#include <stddef.h>
#include <time.h>

typedef enum {
	K8SA_EXEC_IF_AVAILABLE = 0, /* interactive when stdin is a terminal (v1beta1's default) */
	K8SA_EXEC_NEVER,
	K8SA_EXEC_ALWAYS /* needs a terminal: fails clearly without one */
} k8sa_exec_interactive;

typedef struct k8sa_exec_config {
	char *api_version;  /* client.authentication.k8s.io/v1 or /v1beta1 */
	char *command;      /* as written; resolved against PATH or the kubeconfig's directory */
	char *dir;          /* the kubeconfig's directory (relative commands with a '/') */
	char **args;        /* NULL-terminated, may be NULL */
	char **env;         /* "NAME=VALUE", NULL-terminated, may be NULL */
	char *install_hint; /* printed when the command is missing; may be NULL */
	int provide_cluster_info;
	k8sa_exec_interactive interactive;
	char *cluster_json; /* spec.cluster for KUBERNETES_EXEC_INFO when provide_cluster_info */
	char *what;         /* "kubeconfig FILE: user \"NAME\"": prefix of messages */
	int timeout_s;      /* 0: K8SA_EXEC_TIMEOUT_S (or the interactive one); tests lower it */
} k8sa_exec_config;

/* Bounds on one run of the plugin. */
#define K8SA_EXEC_TIMEOUT_S 60              /* non-interactive runs */
#define K8SA_EXEC_INTERACTIVE_TIMEOUT_S 300 /* a person may be typing a code */
#define K8SA_EXEC_MAX_OUTPUT (1024u * 1024) /* the ExecCredential on stdout */

typedef struct k8sa_exec_cred {
	char *token;             /* may be NULL when a client certificate is given */
	char *cert_pem, *key_pem; /* both or neither */
	time_t expires;          /* wall clock; 0: does not expire */
} k8sa_exec_cred;

void k8sa_exec_config_free(k8sa_exec_config *c);
/* Deep copy; NULL when out of memory (or when c is NULL). */
k8sa_exec_config *k8sa_exec_config_dup(const k8sa_exec_config *c);

void k8sa_exec_cred_clear(k8sa_exec_cred *cred);

/* Run the plugin once and parse its ExecCredential into *out (cleared first). Errors:
 * K8SA_E_CONFIG (command missing: names it and the install hint; Always without a terminal;
 * bad output), K8SA_E_TIMEOUT, K8SA_E_LIMIT (output too large), K8SA_E_NOMEM. */
k8sa_status k8sa_exec_run(const k8sa_exec_config *c, k8sa_exec_cred *out, k8sa_error *err);

/* Parse an ExecCredential JSON document (exposed for tests). `api_version` is the one the
 * plugin was asked for; the document must carry the same. */
k8sa_status k8sa_exec_parse(const char *json, size_t len, const char *api_version, k8sa_exec_cred *out,
			    k8sa_error *err);

/* Parse an RFC 3339 time ("2026-12-06T03:00:00Z", fractions and offsets allowed). Returns
 * 0 and sets *out, or -1. */
int k8sa_parse_rfc3339(const char *s, time_t *out);

#endif
