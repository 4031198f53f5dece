/* SPDX-License-Identifier: MIT */
/* The read-only client's state, shared by kube.c (transfers), kube_token.c (credentials)
 * and kube_get.c (conveniences). Private to the library. */
#ifndef K8SA_KUBE_CLIENT_H
#define K8SA_KUBE_CLIENT_H

#include "kube_exec.h"
#include "kube_internal.h"

#include <curl/curl.h>
#include <sys/stat.h>
#include <time.h>

struct k8sa_kube {
	char *base; /* server URL, no trailing '/'; host replaced by tls-server-name if set */
	struct curl_slist *connect_to;
	char *ca_file, *ca_pem, *cert_file, *key_file, *cert_pem, *key_pem;
	int insecure, warned_insecure;
	char *proxy; /* NULL: direct (the environment's proxies are never used) */
	char *ns;
	/* bearer token: fixed, or from a file re-read as it rotates */
	char *token;
	char *token_file;
	char *token_cached;
	unsigned int token_gen; /* bumped whenever the cached token changes */
	time_t token_read_at;
	struct stat token_st;
	int token_period;
	/* exec credential plugin: run when credentials are needed, cached until they expire or
	 * the server answers 401 */
	k8sa_exec_config *exec;
	k8sa_exec_cred exec_cred;
	int have_exec_cred;
	unsigned int exec_runs;
	long connect_ms, request_ms;
	unsigned int page_size, max_parallel;
	size_t max_page, max_log;
	CURLM *multi; /* made by the first run (not at _new: a multi handle initialises libcurl's
		       * TLS library, megabytes, before anything is fetched); kept across calls:
		       * its connection cache gives keep-alive */
	char user_agent[64];
};

/* The bearer token to send (NULL: none); `force` re-reads the file or re-runs the exec
 * plugin now (after a 401). Borrowed: valid until the next call. */
k8sa_status kube_current_token(k8sa_kube *kube, int force, const char **out, k8sa_error *err);

#endif
