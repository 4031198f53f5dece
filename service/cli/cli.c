/* SPDX-License-Identifier: MIT */
/* k8sagent: main, global options, dispatch to the subcommands (cli_*.c). The logic lives in
 * the library; this file only parses arguments. */
#include "config.h"
#include "cli.h"

#include <errno.h>
#include <getopt.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: k8sagent [GLOBAL OPTIONS] COMMAND [OPTIONS]\n"
		"\n"
		"A read-only Kubernetes diagnosis agent.\n"
		"\n"
		"Commands:\n"
		"  snapshot -n NS [-o json|yaml|summary|wide]  what the agent sees in a namespace (-A: all)\n"
		"  analyze  -n NS [-o text|json|yaml|wide] [-w [--interval S]]\n"
		"                                     deterministic findings, root cause first (-A: all;\n"
		"                                     -w: analyze again and print what changed)\n"
		"  ask QUESTION|-                     ask the model (the answer streams; -: read stdin)\n"
		"  diagnose -n NS [QUESTION|-]        findings explained by the model (--print-prompt:\n"
		"                                     the exact messages, no model call)\n"
		"  completion bash|zsh|fish           print a shell completion script\n"
		"\n"
		"Global options:\n"
		"  --kubeconfig FILE       kubeconfig to use (default: in-cluster, $KUBECONFIG, ~/.kube/config)\n"
		"  --context NAME          kubeconfig context (default: current-context)\n"
		"  --scenario DIR          read a scenario directory instead of a cluster (offline)\n"
		"  --llm-url URL           LLM server (default: $OLLAMA_HOST or http://127.0.0.1:11434)\n"
		"  --backend ollama|openai LLM API flavour\n"
		"  --model NAME            model name\n"
		"  --context-tokens N      the model's context window in tokens\n"
		"  --timeout SECONDS       request timeout\n"
		"  --no-color              no colour (also when NO_COLOR is set or output is not a terminal)\n"
		"  -q, --quiet             no progress line, warnings or hints on stderr (errors still)\n"
		"  -h, --help              this help; `k8sagent COMMAND --help` for a command\n"
		"  -V, --version           print the version\n"
		"\n"
		"Exit status: 0 no problems, 1 problems found, 2 usage, configuration or API error,\n"
		"3 (ask, diagnose) no model answered: the findings were still printed.\n");
}

static int parse_long(const char *s, const char *flag, long *out)
{
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < 0) {
		fprintf(stderr, "k8sagent: %s: not a non-negative number: %s\n", flag, s);
		return -1;
	}
	*out = v;
	return 0;
}

int main(int argc, char **argv)
{
	/* A snapshot parses tens of MB of JSON into millions of small json-c nodes and frees them
	 * page by page; with glibc's fastbins every large allocation after that consolidates them
	 * (a quarter of the CPU time at 10,000 pods). A short-lived tool does better without. */
	mallopt(M_MXFAST, 0);
	enum { O_KUBECONFIG = 256, O_CONTEXT, O_SCENARIO, O_LLM_URL, O_BACKEND, O_MODEL, O_CTX_TOKENS, O_TIMEOUT,
	       O_NO_COLOR };
	static const struct option opts[] = {
		{"kubeconfig", required_argument, NULL, O_KUBECONFIG},
		{"context", required_argument, NULL, O_CONTEXT},
		{"scenario", required_argument, NULL, O_SCENARIO},
		{"llm-url", required_argument, NULL, O_LLM_URL},
		{"backend", required_argument, NULL, O_BACKEND},
		{"model", required_argument, NULL, O_MODEL},
		{"context-tokens", required_argument, NULL, O_CTX_TOKENS},
		{"timeout", required_argument, NULL, O_TIMEOUT},
		{"no-color", no_argument, NULL, O_NO_COLOR},
		{"quiet", no_argument, NULL, 'q'},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		{NULL, 0, NULL, 0},
	};
	cli_globals g;
	memset(&g, 0, sizeof(g));
	int c;
	/* "+": stop at the first non-option (the subcommand); its options are its own */
	while ((c = getopt_long(argc, argv, "+hVq", opts, NULL)) != -1) {
		switch (c) {
		case O_KUBECONFIG: g.kubeconfig = optarg; break;
		case O_CONTEXT: g.context = optarg; break;
		case O_SCENARIO: g.scenario = optarg; break;
		case O_LLM_URL: g.llm_url = optarg; break;
		case O_BACKEND:
			if (strcmp(optarg, "ollama") != 0 && strcmp(optarg, "openai") != 0) {
				fprintf(stderr, "k8sagent: --backend must be ollama or openai\n");
				return CLI_ERROR;
			}
			g.backend = optarg;
			break;
		case O_MODEL: g.model = optarg; break;
		case O_CTX_TOKENS:
			if (parse_long(optarg, "--context-tokens", &g.context_tokens))
				return CLI_ERROR;
			break;
		case O_TIMEOUT:
			if (parse_long(optarg, "--timeout", &g.timeout))
				return CLI_ERROR;
			break;
		case O_NO_COLOR: g.no_color = 1; break;
		case 'q': g.quiet = 1; break;
		case 'h': usage(stdout); return CLI_OK;
		case 'V': printf("k8sagent %s\n", k8sa_version()); return CLI_OK;
		default: usage(stderr); return CLI_ERROR;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return CLI_ERROR;
	}
	const char *cmd = argv[optind];
	int sub_argc = argc - optind;
	char **sub_argv = argv + optind;
	optind = 0; /* reset getopt for the subcommand (0: full re-initialisation in glibc) */
	if (k8sa_global_init() != K8SA_OK) {
		fprintf(stderr, "k8sagent: cannot initialise the library\n");
		return CLI_ERROR;
	}
	int rc;
	if (strcmp(cmd, "snapshot") == 0) {
		rc = cli_snapshot(&g, sub_argc, sub_argv);
	} else if (strcmp(cmd, "analyze") == 0) {
		rc = cli_analyze(&g, sub_argc, sub_argv);
	} else if (strcmp(cmd, "ask") == 0) {
		rc = cli_ask(&g, sub_argc, sub_argv);
	} else if (strcmp(cmd, "diagnose") == 0) {
		rc = cli_diagnose(&g, sub_argc, sub_argv);
	} else if (strcmp(cmd, "completion") == 0) {
		rc = cli_completion(&g, sub_argc, sub_argv);
	} else if (strcmp(cmd, "help") == 0) {
		usage(stdout);
		rc = CLI_OK;
	} else {
		fprintf(stderr, "k8sagent: unknown command '%s' (see k8sagent --help)\n", cmd);
		rc = CLI_ERROR;
	}
	k8sa_global_cleanup();
	return rc;
}

int cli_take_snapshot(const cli_globals *g, const char *ns_flag, int all, k8sa_snapshot **out)
{
	k8sa_error err;
	memset(&err, 0, sizeof(err));
	*out = NULL;
	if (g->scenario) {
		if (!all && !ns_flag) {
			fprintf(stderr, "k8sagent: with --scenario, give -n NAMESPACE or -A\n");
			return CLI_ERROR;
		}
		if (k8sa_snapshot_load_dir(g->scenario, all ? NULL : ns_flag, NULL, out, &err)) {
			fprintf(stderr, "k8sagent: %s\n", err.message);
			return CLI_ERROR;
		}
		return CLI_OK;
	}
	k8sa_kubeconfig *cfg = NULL;
	if (k8sa_kubeconfig_load_default(&cfg, g->kubeconfig, g->context, &err)) {
		fprintf(stderr, "k8sagent: configuration: %s\n", err.message);
		return CLI_ERROR;
	}
	k8sa_kube *kube = NULL;
	if (k8sa_kube_new(&kube, cfg, &err)) {
		fprintf(stderr, "k8sagent: %s\n", err.message);
		k8sa_kubeconfig_free(cfg);
		return CLI_ERROR;
	}
	if (g->timeout > 0)
		k8sa_kube_set_timeout_ms(kube, 5000, g->timeout * 1000);
	const char *ns = all ? NULL : ns_flag ? ns_flag : k8sa_kubeconfig_namespace(cfg);
	char what[300];
	snprintf(what, sizeof(what), "reading %s%s from %s", ns ? "namespace " : "all namespaces", ns ? ns : "",
		 k8sa_kubeconfig_server(cfg));
	cli_progress_start(g, what);
	k8sa_status st = k8sa_snapshot_take(kube, ns, NULL, out, &err);
	cli_progress_stop();
	k8sa_kube_free(kube);
	k8sa_kubeconfig_free(cfg);
	if (st) {
		fprintf(stderr, "k8sagent: %s\n", err.message);
		return CLI_ERROR;
	}
	/* gaps are not fatal: say what could not be read */
	size_t ngaps = k8sa_snapshot_gap_count(*out);
	if (ngaps) {
		char *gaps = NULL;
		if (k8sa_snapshot_gaps_json(*out, &gaps, NULL) == K8SA_OK)
			cli_warn(g, "k8sagent: warning: %zu resource(s) could not be read: %s\n", ngaps, gaps);
		k8sa_free(gaps);
	}
	return CLI_OK;
}
