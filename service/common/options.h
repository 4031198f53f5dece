/* SPDX-License-Identifier: MIT */
/* The options k8sagent and k8sagentd share (cluster and model), defined once: one table of
 * name, argument, help and setter, so the two --help texts and parsers agree. Private to the
 * programs in service/. */
#ifndef K8SA_SVC_OPTIONS_H
#define K8SA_SVC_OPTIONS_H

#include <k8sagent/k8sagent.h>

#include <getopt.h>
#include <stdio.h>

/* The shared options, in --help order. */
enum {
	SVC_OPT_KUBECONFIG,
	SVC_OPT_CONTEXT,
	SVC_OPT_LLM_URL,
	SVC_OPT_BACKEND,
	SVC_OPT_MODEL,
	SVC_OPT_CONTEXT_TOKENS,
	SVC_OPT_TIMEOUT,
	SVC_OPT_PROMPT_DIR,
	SVC_OPT_LLM_PROXY,
	SVC_OPT_COUNT
};

/* getopt_long() returns SVC_OPT_VAL + index for a shared option. */
#define SVC_OPT_VAL 1000

typedef struct svc_option {
	const char *name; /* long option without "--" */
	const char *flag; /* the same with "--", for messages */
	const char *arg;  /* its argument in --help ("FILE") */
	const char *env;  /* variable k8sagentd also reads (svc_options_from_env()), or NULL */
	const char *help; /* help text; '\n' starts an indented continuation line */
	/* Apply the value to an agent; the library checks it and writes the message. NULL for
	 * the options the programs use themselves (the kubeconfig is loaded by each program). */
	k8sa_status (*set)(k8sa_agent *agent, const char *value, k8sa_error *err);
} svc_option;

extern const svc_option svc_options[SVC_OPT_COUNT];

/* The values given, as strings (borrowed from argv or the environment), NULL when absent. */
typedef struct svc_opts {
	const char *value[SVC_OPT_COUNT];
	const char *source[SVC_OPT_COUNT]; /* "--model" or "K8SA_MODEL": what an error names */
} svc_opts;

/* Append the shared options to a getopt_long() table at `opts` (room for SVC_OPT_COUNT);
 * returns the number added. */
int svc_options_getopt(struct option *opts);

/* getopt_long() returned `c` with `optarg`: store it and return 1 when `c` is a shared option,
 * else 0. */
int svc_options_take(svc_opts *o, int c, const char *optarg);

/* Fill the values from the environment variables of the table (k8sagentd: flags parsed
 * afterwards override them). */
void svc_options_from_env(svc_opts *o);

/* Print the shared options' help lines (with "(env X)" when `with_env`). */
void svc_options_help(FILE *f, int with_env);

/* Apply every given value that has a setter to `agent`, in table order. On failure, *what
 * (may be NULL) names the option or variable and err holds the library's message. */
k8sa_status svc_options_apply(const svc_opts *o, k8sa_agent *agent, const char **what, k8sa_error *err);

/* Check the values now (on a scratch agent) and print "PROG: --flag: message" to stderr on
 * the first bad one. Returns 0 when all are good, -1 otherwise. */
int svc_options_check(const svc_opts *o, const char *prog);

#endif
