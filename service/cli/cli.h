/* SPDX-License-Identifier: MIT */
/* k8sagent command-line tool: global options and the subcommand entry points (private). */
#ifndef K8SA_CLI_H
#define K8SA_CLI_H

#include <k8sagent/k8sagent.h>
#include <stdio.h>

/* Exit statuses: 0 nothing wrong, 1 problems found, 2 usage/config/API error. */
enum { CLI_OK = 0, CLI_PROBLEMS = 1, CLI_ERROR = 2 };

typedef struct cli_globals {
	const char *kubeconfig;   /* --kubeconfig FILE */
	const char *context;      /* --context NAME */
	const char *scenario;     /* --scenario DIR: read a scenario directory instead of the API */
	const char *llm_url;      /* --llm-url URL */
	const char *backend;      /* --backend ollama|openai */
	const char *model;        /* --model NAME */
	long context_tokens;      /* --context-tokens N (0: default) */
	long timeout;             /* --timeout SECONDS (0: default) */
} cli_globals;

/* Subcommands: argv[0] is the subcommand name; options follow. */
int cli_snapshot(const cli_globals *g, int argc, char **argv);
int cli_analyze(const cli_globals *g, int argc, char **argv);
int cli_ask(const cli_globals *g, int argc, char **argv);
int cli_diagnose(const cli_globals *g, int argc, char **argv);

/* Shared by subcommands that read the cluster: resolve the namespace (-n, -A, or the
 * kubeconfig context's) and take a snapshot (or load --scenario). Prints errors to stderr.
 * *ns_out is NULL for all namespaces. Returns CLI_OK or CLI_ERROR. */
int cli_take_snapshot(const cli_globals *g, const char *ns_flag, int all, k8sa_snapshot **out);

/* Text for the terminal: ESC and other control characters from logs, events, image names
 * or the model's answer are printed as visible escapes (k8sa_text_escape_controls()), so
 * they cannot drive the terminal. Newlines and tabs are kept. */
void cli_put_text(FILE *f, const char *s, size_t len);
void cli_puts_text(FILE *f, const char *s);

#endif
