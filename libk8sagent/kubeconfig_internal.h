/* SPDX-License-Identifier: MIT */
/* The configuration object's fields, shared by the loader (kubeconfig.c) and the client
 * (kube.c). Private to the library. */
#ifndef K8SA_KUBECONFIG_INTERNAL_H
#define K8SA_KUBECONFIG_INTERNAL_H

#include <k8sagent/kubeconfig.h>
#include <stddef.h>

#include "kube_exec.h"

struct k8sa_kubeconfig {
	char *server;          /* https://host:port[/prefix] or http:// (kubectl proxy) */
	char *token;           /* static bearer token */
	char *token_file;      /* re-read bearer token (wins over token when both are set) */
	char *ca_file;
	char *ca_pem;          /* PEM text */
	char *cert_file, *key_file;
	char *cert_pem, *key_pem;
	char *tls_server_name;
	char *proxy_url;       /* NULL: direct */
	int insecure;
	char *ns;              /* NULL: "default" */
	char *context;
	char *source;          /* "explicit", "in-cluster", or the kubeconfig path(s) */
	k8sa_exec_config *exec; /* users[].user.exec: a credential plugin, or NULL */
};

/* Default directory of the service-account files. */
#define K8SA_SERVICEACCOUNT_DIR "/var/run/secrets/kubernetes.io/serviceaccount"

/* Read a bearer token file: contents with surrounding whitespace trimmed, non-empty.
 * K8SA_E_CONFIG naming the path on failure. */
k8sa_status k8sa_read_token_file(const char *path, char **out, k8sa_error *err);

#endif
