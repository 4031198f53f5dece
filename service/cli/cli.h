/* SPDX-License-Identifier: MIT */
/* k8sagent command-line tool: global options and the subcommand entry points (private). */
#ifndef K8SA_CLI_H
#define K8SA_CLI_H

#include <k8sagent/k8sagent.h>
#include <stdio.h>

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
	int no_color;             /* --no-color */
	int quiet;                /* -q/--quiet: no progress, warnings or hints on stderr */
} cli_globals;

/* The subcommands and their flags as data (cli_table.c): completion scripts come from it. */
typedef struct cli_flag {
	const char *lng;    /* long name, without "--" */
	int shrt;           /* short letter, or 0 */
	int arg;            /* 1: takes a value */
	const char *values; /* completion: space-separated words, "@file", "@dir", "@namespace",
			     * "@context", or NULL */
	const char *help;
} cli_flag;

typedef struct cli_command {
	const char *name;
	const char *summary;
	const cli_flag *flags; /* NULL-terminated by lng == NULL; may be NULL */
	const char *args;      /* completion words for the first argument, or NULL */
} cli_command;

/* The global flags: the options shared with k8sagentd (service/common/options.c), then the
 * tool's own; ends with lng == NULL. */
const cli_flag *cli_global_flags(void);
extern const cli_command cli_commands[]; /* ends with name == NULL */
const cli_command *cli_command_find(const char *name);

int cli_completion(const cli_globals *g, int argc, char **argv);

/* Output helpers (cli_output.c). */
/* Colour on `f`: a terminal, no --no-color, NO_COLOR unset or empty, TERM not "dumb". */
int cli_use_color(const cli_globals *g, FILE *f);
/* The findings text with severities, root causes and commands coloured when `color`. */
void cli_print_findings_text(const char *text, int color, FILE *out);
/* A findings JSON document ({"namespace","findings"}) as a table, one line per finding. */
int cli_print_findings_wide(const char *json, int color, FILE *out);
/* A snapshot JSON document as a table of pods. */
int cli_print_snapshot_wide(const char *json, FILE *out);
/* Any JSON document as YAML (libyaml's emitter). Returns 0, or -1 with a message printed. */
int cli_print_yaml(const char *json, FILE *out);
/* "-o FMT" check: 0 when FMT is one of the space-separated `allowed`, else prints
 * "k8sagent: CMD: -o FMT: unknown output format (use a, b or c)" and returns -1. */
int cli_check_format(const char *cmd, const char *fmt, const char *allowed);
/* A progress line on stderr while something slow runs (only on a terminal, not with -q):
 * appears after a short delay, cleared by cli_progress_stop(). */
void cli_progress_start(const cli_globals *g, const char *what);
void cli_progress_stop(void);
/* The question from stdin ("ask -"): at most 64 KiB, trimmed, non-empty. NULL with a
 * message printed otherwise. Caller free()s. */
char *cli_read_question_stdin(const char *cmd);
/* `s` with terminal control characters escaped (cli_put_text's rule), in one of 16 static
 * slots reused in turn: valid until 16 more calls. "" for NULL. */
const char *cli_safe(const char *s);
/* A warning or hint on stderr unless -q. */
void cli_warn(const cli_globals *g, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

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
