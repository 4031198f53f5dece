/* SPDX-License-Identifier: MIT */
/*
 * Deterministic findings of a namespace as JSON, no model involved: the lower layers
 * (kubeconfig -> read-only client -> snapshot -> analyzers) used directly.
 *
 *   findings-json [-k KUBECONFIG] [-c CONTEXT] [NAMESPACE]   (default: the context's)
 *
 * Exit status: 0 nothing wrong, 1 problems found, 2 error.
 * Build: cc findings-json.c $(pkg-config --cflags --libs k8sagent)
 */
#define _POSIX_C_SOURCE 200809L /* getopt */
#include <k8sagent/k8sagent.h>
#include <stdio.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	const char *path = NULL, *context = NULL, *ns;
	k8sa_kubeconfig *cfg = NULL;
	k8sa_kube *kube = NULL;
	k8sa_snapshot *snap = NULL;
	k8sa_findings *findings = NULL;
	char *json = NULL;
	k8sa_error err = {0};
	int c, rc = 2;

	while ((c = getopt(argc, argv, "k:c:")) != -1) {
		if (c == 'k') path = optarg;
		else if (c == 'c') context = optarg;
		else return 2;
	}
	k8sa_global_init();
	if (k8sa_kubeconfig_load_default(&cfg, path, context, &err) != K8SA_OK ||
	    k8sa_kube_new(&kube, cfg, &err) != K8SA_OK)
		goto out;
	ns = optind < argc ? argv[optind] : k8sa_kube_namespace(kube);
	if (k8sa_snapshot_take(kube, ns, NULL, &snap, &err) != K8SA_OK ||
	    k8sa_analyze(snap, &findings, &err) != K8SA_OK ||
	    k8sa_findings_to_json(findings, &json, &err) != K8SA_OK)
		goto out;
	printf("%s\n", json);
	rc = k8sa_findings_problem_count(findings) > 0 ? 1 : 0;
out:
	if (rc == 2)
		fprintf(stderr, "findings-json: %s (%s)\n", err.message, k8sa_strerror(err.code));
	k8sa_free(json);
	k8sa_findings_free(findings);
	k8sa_snapshot_free(snap);
	k8sa_kube_free(kube);
	k8sa_kubeconfig_free(cfg);
	k8sa_global_cleanup();
	return rc;
}
