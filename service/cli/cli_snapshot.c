/* SPDX-License-Identifier: MIT */
/* k8sagent snapshot: what the agent sees, as JSON or a one-screen summary. */
#include "config.h"
#include "cli.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

static void usage(FILE *out)
{
	fprintf(out, "Usage: k8sagent snapshot [-n NAMESPACE | -A] [-o json|yaml|summary|wide]\n"
		     "\n"
		     "Read everything a diagnosis needs from a namespace (pods, events, workloads,\n"
		     "services, storage, nodes, logs of unhealthy containers) and print it.\n"
		     "  -n, --namespace NS   namespace (default: the kubeconfig context's)\n"
		     "  -A, --all-namespaces every namespace\n"
		     "  -o, --output FORMAT  json (default), yaml, summary (counts) or wide (a table of pods)\n"
		     "  -h, --help           this help\n");
}

int cli_snapshot(const cli_globals *g, int argc, char **argv)
{
	static const struct option opts[] = {
		{"namespace", required_argument, NULL, 'n'},
		{"all-namespaces", no_argument, NULL, 'A'},
		{"output", required_argument, NULL, 'o'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *ns = NULL, *output = "json";
	int all = 0, c;
	while ((c = getopt_long(argc, argv, "n:Ao:h", opts, NULL)) != -1) {
		switch (c) {
		case 'n': ns = optarg; break;
		case 'A': all = 1; break;
		case 'o': output = optarg; break;
		case 'h': usage(stdout); return CLI_OK;
		default: usage(stderr); return CLI_ERROR;
		}
	}
	if (optind < argc) {
		usage(stderr);
		return CLI_ERROR;
	}
	if (cli_check_format("snapshot", output, "json yaml summary wide"))
		return CLI_ERROR;
	k8sa_snapshot *snap;
	int rc = cli_take_snapshot(g, ns, all, &snap);
	if (rc)
		return rc;
	if (strcmp(output, "summary") != 0) {
		char *json = NULL;
		k8sa_error err;
		if (k8sa_snapshot_to_json(snap, &json, &err)) {
			fprintf(stderr, "k8sagent: %s\n", err.message);
			k8sa_snapshot_free(snap);
			return CLI_ERROR;
		}
		if (!strcmp(output, "yaml"))
			rc = cli_print_yaml(json, stdout) ? CLI_ERROR : CLI_OK;
		else if (!strcmp(output, "wide"))
			rc = cli_print_snapshot_wide(json, stdout) ? CLI_ERROR : CLI_OK;
		else
			puts(json);
		k8sa_free(json);
	} else {
		static const k8sa_resource res[] = {
			K8SA_RES_NODES, K8SA_RES_PODS, K8SA_RES_EVENTS, K8SA_RES_DEPLOYMENTS,
			K8SA_RES_REPLICASETS, K8SA_RES_STATEFULSETS, K8SA_RES_DAEMONSETS, K8SA_RES_JOBS,
			K8SA_RES_CRONJOBS, K8SA_RES_SERVICES, K8SA_RES_ENDPOINTS, K8SA_RES_PVCS,
			K8SA_RES_CONFIGMAPS, K8SA_RES_INGRESSES, K8SA_RES_HPAS, K8SA_RES_RESOURCEQUOTAS,
			K8SA_RES_PERSISTENTVOLUMES,
		};
		const char *sns = k8sa_snapshot_namespace(snap);
		printf("namespace: %s\n", sns ? sns : "(all)");
		for (size_t i = 0; i < sizeof(res) / sizeof(res[0]); i++)
			printf("%-26s %zu\n", k8sa_resource_name(res[i]), k8sa_snapshot_count(snap, res[i]));
		printf("%-26s %zu\n", "logs", k8sa_snapshot_log_count(snap));
		char *gaps = NULL;
		if (k8sa_snapshot_gaps_json(snap, &gaps, NULL) == K8SA_OK)
		{
			fputs("gaps: ", stdout);
			cli_puts_text(stdout, gaps);
			fputc('\n', stdout);
		}
		k8sa_free(gaps);
	}
	k8sa_snapshot_free(snap);
	return rc;
}
