/* SPDX-License-Identifier: MIT */
/* k8sagent analyze: deterministic findings, no model. */
#include "config.h"
#include "cli.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

static void usage(FILE *out)
{
	fprintf(out, "Usage: k8sagent analyze [-n NAMESPACE | -A] [-o text|json]\n"
		     "\n"
		     "Find what is wrong in a namespace without a model: findings with evidence and the\n"
		     "next kubectl commands, grouped by owner, root cause first.\n"
		     "  -n, --namespace NS   namespace (default: the kubeconfig context's)\n"
		     "  -A, --all-namespaces every namespace (JSON \"namespace\" is then \"*\")\n"
		     "  -o, --output FORMAT  text (default) or json\n"
		     "  -h, --help           this help\n"
		     "\n"
		     "Exit status: 0 no problems, 1 warning or critical findings, 2 error.\n");
}

int cli_analyze(const cli_globals *g, int argc, char **argv)
{
	static const struct option opts[] = {
		{"namespace", required_argument, NULL, 'n'},
		{"all-namespaces", no_argument, NULL, 'A'},
		{"output", required_argument, NULL, 'o'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *ns = NULL, *output = "text";
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
	int json = strcmp(output, "json") == 0;
	if (optind < argc || (!json && strcmp(output, "text") != 0)) {
		usage(stderr);
		return CLI_ERROR;
	}
	k8sa_findings *f = NULL;
	int rc = cli_findings(g, ns, all, &f);
	if (rc)
		return rc;
	k8sa_error err;
	char *out = NULL;
	if (json ? k8sa_findings_to_json(f, &out, &err) : k8sa_findings_to_text(f, &out, &err)) {
		fprintf(stderr, "k8sagent: %s\n", err.message);
		k8sa_findings_free(f);
		return CLI_ERROR;
	}
	if (json) {
		fputs(out, stdout);
		fputc('\n', stdout);
	} else {
		cli_puts_text(stdout, out);
	}
	/* "Could not check" (pods, workloads or services unreadable) is not a clean bill */
	rc = k8sa_findings_problem_count(f) ? CLI_PROBLEMS : k8sa_findings_complete(f) ? CLI_OK : CLI_NOT_CHECKED;
	k8sa_free(out);
	k8sa_findings_free(f);
	return rc;
}
