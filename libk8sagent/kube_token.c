/* SPDX-License-Identifier: MIT */
/* The read-only client's credentials (kube.c): a bearer token, fixed or read from a file as
 * the kubelet rotates it, or from an exec credential plugin (kube_exec.c), cached until it
 * expires or the server answers 401. */
#include "internal.h"
#include "defaults.h"
#include "http_internal.h"
#include "kube_internal.h"
#include "kube_client.h"
#include "kubeconfig_internal.h"
#include "jv.h"
#include "tbuf.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>

static int str_differs(const char *a, const char *b)
{
	return (a == NULL) != (b == NULL) || (a && strcmp(a, b));
}

/* Credentials of the exec plugin: run it when none are cached, when they expire (10 s of
 * slack), or when `force` (after a 401). token_gen moves when they change. */
static k8sa_status exec_credentials(k8sa_kube *kube, int force, k8sa_error *err)
{
	time_t now = time(NULL);
	if (kube->have_exec_cred && !force && (!kube->exec_cred.expires || now + 10 < kube->exec_cred.expires))
		return K8SA_OK;
	k8sa_exec_cred cred = {0};
	k8sa_status st = k8sa_exec_run(kube->exec, &cred, err);
	kube->exec_runs++;
	if (st != K8SA_OK)
		return st;
	if (!kube->have_exec_cred || str_differs(cred.token, kube->exec_cred.token) ||
	    str_differs(cred.cert_pem, kube->exec_cred.cert_pem) || str_differs(cred.key_pem, kube->exec_cred.key_pem))
		kube->token_gen++;
	k8sa_exec_cred_clear(&kube->exec_cred);
	kube->exec_cred = cred;
	kube->have_exec_cred = 1;
	return K8SA_OK;
}

unsigned int k8sa_kube_exec_runs(const k8sa_kube *kube)
{
	return kube ? kube->exec_runs : 0;
}

/* Current token (borrowed; NULL: none). A token file is re-read when its period has passed
 * and the file changed, or at once when `force` (after a 401), as client-go does. A file
 * that cannot be read keeps the last good token. */
k8sa_status kube_current_token(k8sa_kube *kube, int force, const char **out, k8sa_error *err)
{
	*out = NULL;
	if (kube->exec) {
		k8sa_status es = exec_credentials(kube, force, err);
		if (es != K8SA_OK)
			return es;
		if (!kube->token && !kube->token_file) {
			/* A static token in the same user wins, as in client-go. */
			*out = kube->exec_cred.token;
			return K8SA_OK;
		}
		force = 0;
	}
	if (!kube->token_file) {
		*out = kube->token;
		return K8SA_OK;
	}
	time_t now = (time_t)(k8sa_now_ms() / 1000);
	if (kube->token_cached && !force && now - kube->token_read_at < kube->token_period) {
		*out = kube->token_cached;
		return K8SA_OK;
	}
	struct stat st;
	int have_st = stat(kube->token_file, &st) == 0;
	if (kube->token_cached && !force && have_st && st.st_ino == kube->token_st.st_ino &&
	    st.st_size == kube->token_st.st_size && st.st_mtim.tv_sec == kube->token_st.st_mtim.tv_sec &&
	    st.st_mtim.tv_nsec == kube->token_st.st_mtim.tv_nsec) {
		kube->token_read_at = now;
		*out = kube->token_cached;
		return K8SA_OK;
	}
	char *tok = NULL;
	k8sa_status s = k8sa_read_token_file(kube->token_file, &tok, err);
	if (s != K8SA_OK) {
		if (kube->token_cached) {
			*out = kube->token_cached;
			return K8SA_OK;
		}
		return s;
	}
	if (!kube->token_cached || strcmp(tok, kube->token_cached)) {
		free(kube->token_cached);
		kube->token_cached = tok;
		kube->token_gen++;
	} else {
		free(tok);
	}
	if (have_st)
		kube->token_st = st;
	kube->token_read_at = now;
	*out = kube->token_cached;
	return K8SA_OK;
}

