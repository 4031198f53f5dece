/* SPDX-License-Identifier: MIT */
/* k8sagent: main, global options, dispatch to the subcommands (cli_*.c). The logic lives in
 * the library; this file only parses arguments. */
#include "config.h"
#include "cli.h"

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
		"  investigate [-n NS] [--max-steps N] [-o text|json] QUESTION\n"
		"                                     the model investigates with read-only tools\n"
		"  chat -n NS                         an investigation with follow-ups, questions from stdin\n"
		"  mcp [-n NS]                        serve the read-only tools over MCP on stdio\n"
		"  completion bash|zsh|fish           print a shell completion script\n"
		"\n"
		"Global options (cluster and model, the same as k8sagentd's; before or after the command,\n"
		"as kubectl takes them; \"--\" ends them):\n");
	svc_options_help(out, 1);
	fprintf(out,
		"  --scenario DIR          read a scenario directory instead of a cluster (offline)\n"
		"  --no-color              no colour (also when NO_COLOR is set or output is not a terminal)\n"
		"  -q, --quiet             no progress line, warnings or hints on stderr (errors still)\n"
		"  -h, --help              this help; `k8sagent COMMAND --help` for a command\n"
		"  -V, --version           print the version\n"
		"\n"
		"Exit status: 0 no problems, 1 problems found, 2 usage, configuration or API error,\n"
		"3 (ask, diagnose, investigate) no model answered: the findings were still printed,\n"
		"4 (investigate) the step or time limit ran out before a final answer,\n"
		"5 (analyze) could not check: no problems seen, but the pods, workloads or services\n"
		"could not be read (RBAC, API errors), so no verdict.\n");
}

enum { CLI_OPT_SCENARIO = 256, CLI_OPT_NO_COLOR };

/* The global switches taken anywhere, like the global options with a value. */
static int is_global_switch(const struct option *o)
{
	return o->has_arg == no_argument && (o->val == CLI_OPT_NO_COLOR || o->val == 'q');
}

/* kubectl takes its global flags anywhere (`k8sagent analyze -n shop --kubeconfig F`): take
 * the global long options out of the subcommand's arguments (up to a "--") before it parses
 * them. Returns the new argument count, or -1 after printing an error. */
static int eq_given(const char *arg)
{
	return strchr(arg, '=') != NULL;
}

static int take_globals(cli_globals *g, const struct option *opts, int argc, char **argv)
{
	int out = 1;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0) {
			while (i < argc)
				argv[out++] = argv[i++];
			break;
		}
		const struct option *o = NULL;
		const char *val = NULL;
		if (strncmp(argv[i], "--", 2) == 0) {
			const char *name = argv[i] + 2, *eq = strchr(name, '=');
			size_t n = eq ? (size_t)(eq - name) : strlen(name);
			for (const struct option *p = opts; p->name; p++)
				if ((p->has_arg == required_argument || is_global_switch(p)) && strlen(p->name) == n &&
				    strncmp(p->name, name, n) == 0)
					o = p;
			if (o && eq)
				val = eq + 1;
		}
		if (!o) {
			argv[out++] = argv[i];
			continue;
		}
		if (is_global_switch(o)) {
			if (eq_given(argv[i])) {
				fprintf(stderr, "k8sagent: --%s takes no value\n", o->name);
				return -1;
			}
			if (o->val == 'q')
				g->quiet = 1;
			else
				g->no_color = 1;
			continue;
		}
		if (!val && i + 1 >= argc) {
			fprintf(stderr, "k8sagent: --%s needs a value\n", o->name);
			return -1;
		}
		if (!val)
			val = argv[++i];
		if (!svc_options_take(&g->opts, o->val, val) && o->val == CLI_OPT_SCENARIO)
			g->scenario = val;
	}
	argv[out] = NULL;
	return out;
}


int main(int argc, char **argv)
{
	/* A snapshot parses tens of MB of JSON into millions of small json-c nodes and frees them
	 * page by page; with glibc's fastbins every large allocation after that consolidates them
	 * (a quarter of the CPU time at 10,000 pods). A short-lived tool does better without. */
	mallopt(M_MXFAST, 0);
	struct option opts[SVC_OPT_COUNT + 6];
	int n = svc_options_getopt(opts);
	opts[n++] = (struct option){"scenario", required_argument, NULL, CLI_OPT_SCENARIO};
	opts[n++] = (struct option){"no-color", no_argument, NULL, CLI_OPT_NO_COLOR};
	opts[n++] = (struct option){"quiet", no_argument, NULL, 'q'};
	opts[n++] = (struct option){"help", no_argument, NULL, 'h'};
	opts[n++] = (struct option){"version", no_argument, NULL, 'V'};
	opts[n] = (struct option){NULL, 0, NULL, 0};
	cli_globals g;
	memset(&g, 0, sizeof(g));
	svc_options_from_env(&g.opts); /* flags override the environment */
	int c;
	/* "+": stop at the first non-option (the subcommand); its options are its own */
	while ((c = getopt_long(argc, argv, "+hVq", opts, NULL)) != -1) {
		if (svc_options_take(&g.opts, c, optarg))
			continue; /* checked by the library when the agent is made */
		switch (c) {
		case CLI_OPT_SCENARIO: g.scenario = optarg; break;
		case CLI_OPT_NO_COLOR: g.no_color = 1; break;
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
	char **sub_argv = argv + optind;
	int sub_argc = take_globals(&g, opts, argc - optind, sub_argv);
	if (sub_argc < 0)
		return CLI_ERROR;
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
	} else if (strcmp(cmd, "investigate") == 0) {
		rc = cli_investigate(&g, sub_argc, sub_argv);
	} else if (strcmp(cmd, "chat") == 0) {
		rc = cli_chat(&g, sub_argc, sub_argv);
	} else if (strcmp(cmd, "mcp") == 0) {
		rc = cli_mcp(&g, sub_argc, sub_argv);
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

/* The namespace argument of the agent's calls: "*" for -A, NULL for the default. */
static const char *agent_ns(const char *ns_flag, int all)
{
	return all ? "*" : ns_flag;
}

int cli_take_snapshot(const cli_globals *g, const char *ns_flag, int all, k8sa_snapshot **out)
{
	k8sa_error err;
	memset(&err, 0, sizeof(err));
	*out = NULL;
	if (g->scenario && !all && !ns_flag) {
		fprintf(stderr, "k8sagent: with --scenario, give -n NAMESPACE or -A\n");
		return CLI_ERROR;
	}
	k8sa_agent *a = NULL;
	int rc = cli_make_agent(g, NULL, CLI_AGENT_CLUSTER, &a);
	if (rc)
		return rc;
	char what[300];
	snprintf(what, sizeof(what), "reading %s%s", all ? "all namespaces" : ns_flag ? "namespace " : "the namespace",
		 all ? "" : ns_flag ? ns_flag : "");
	cli_progress_start(g, what);
	k8sa_status st = k8sa_agent_snapshot(a, agent_ns(ns_flag, all), out, &err);
	cli_progress_stop();
	k8sa_agent_free(a);
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

int cli_findings(const cli_globals *g, const char *ns_flag, int all, k8sa_findings **out)
{
	/* The agent's snapshot (cli_take_snapshot() names the gaps on stderr), then the analyzers:
	 * the same as k8sa_agent_analyze(), which keeps the snapshot to itself. */
	k8sa_error err;
	memset(&err, 0, sizeof(err));
	*out = NULL;
	k8sa_snapshot *snap = NULL;
	int rc = cli_take_snapshot(g, ns_flag, all, &snap);
	if (rc)
		return rc;
	k8sa_status st = k8sa_analyze(snap, out, &err);
	k8sa_snapshot_free(snap);
	if (st) {
		fprintf(stderr, "k8sagent: %s\n", err.message);
		return CLI_ERROR;
	}
	return CLI_OK;
}

void cli_put_text(FILE *f, const char *s, size_t len)
{
	size_t n = 0;
	char *e = NULL;
	if (k8sa_text_escape_controls(s, len, &e, &n, NULL) == K8SA_OK)
		fwrite(e, 1, n, f);
	k8sa_free(e);
}

void cli_puts_text(FILE *f, const char *s)
{
	if (s)
		cli_put_text(f, s, strlen(s));
}
