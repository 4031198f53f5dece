/* SPDX-License-Identifier: MIT */
/* k8sagent command-line tool: global options and the subcommand entry points (private). */
#ifndef K8SA_CLI_H
#define K8SA_CLI_H

#include <k8sagent/k8sagent.h>
#include <stdio.h>

#include "../common/options.h"

/* Exit statuses: 0 nothing wrong, 1 problems found, 2 usage/config/API error. */
enum { CLI_OK = 0, CLI_PROBLEMS = 1, CLI_ERROR = 2 };
/* analyze: no problems seen, but the pods, workloads or services could not be read (RBAC,
 * API errors), so there is no verdict: never reported as a clean bill. */
enum { CLI_NOT_CHECKED = 5 };

typedef struct cli_globals {
	svc_opts opts;            /* the options shared with k8sagentd (service/common/options.h) */
	const char *scenario;     /* --scenario DIR: read a scenario directory instead of the API */
} cli_globals;

/* Subcommands: argv[0] is the subcommand name; options follow. */
int cli_snapshot(const cli_globals *g, int argc, char **argv);
int cli_analyze(const cli_globals *g, int argc, char **argv);
int cli_ask(const cli_globals *g, int argc, char **argv);
int cli_diagnose(const cli_globals *g, int argc, char **argv);
int cli_investigate(const cli_globals *g, int argc, char **argv);
int cli_chat(const cli_globals *g, int argc, char **argv);
int cli_mcp(const cli_globals *g, int argc, char **argv);

/* The remaining arguments joined into one question (so quoting is optional); free(). */
char *cli_join_args(int argc, char **argv);

/* What cli_make_agent() prepares beyond the LLM settings. */
enum {
	CLI_AGENT_CLUSTER = 1, /* load the kubeconfig now (--kubeconfig, --context) */
	CLI_AGENT_MODEL = 2    /* the model will be called: check the prompt directory */
};

/* An agent configured from the global options. A bad value is reported with the flag's name
 * and the library's message. Returns CLI_OK or CLI_ERROR. */
int cli_make_agent(const cli_globals *g, const char *prompt_dir, unsigned needs, k8sa_agent **out);

/* Shared by subcommands that read the cluster: the namespace is -n, -A (all) or the
 * kubeconfig context's; --scenario reads a directory instead. Print errors to stderr and
 * return CLI_OK or CLI_ERROR. */
int cli_take_snapshot(const cli_globals *g, const char *ns_flag, int all, k8sa_snapshot **out);
int cli_findings(const cli_globals *g, const char *ns_flag, int all, k8sa_findings **out);

/* Text for the terminal: ESC and other control characters from logs, events, image names
 * or the model's answer are printed as visible escapes (k8sa_text_escape_controls()), so
 * they cannot drive the terminal. Newlines and tabs are kept. */
void cli_put_text(FILE *f, const char *s, size_t len);
void cli_puts_text(FILE *f, const char *s);

#endif
