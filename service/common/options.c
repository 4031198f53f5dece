/* SPDX-License-Identifier: MIT */
/* The options k8sagent and k8sagentd share: one table (see options.h). Values are checked by
 * the library's setters, so both programs print the library's message after the flag's name. */
#include "config.h"
#include "options.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* A number for a setter: the library checks the range, this only the syntax. */
static k8sa_status parse_number(const char *value, double *out, k8sa_error *err)
{
	char *end;
	errno = 0;
	double d = strtod(value, &end);
	if (errno || end == value || *end) {
		if (err) {
			memset(err, 0, sizeof(*err));
			err->code = K8SA_E_INVALID_ARG;
			snprintf(err->message, sizeof(err->message), "not a number: '%.64s'", value);
		}
		return K8SA_E_INVALID_ARG;
	}
	*out = d;
	return K8SA_OK;
}

static k8sa_status set_context_tokens(k8sa_agent *a, const char *value, k8sa_error *err)
{
	char *end;
	errno = 0;
	long n = strtol(value, &end, 10);
	if (end == value || *end) {
		if (err) {
			memset(err, 0, sizeof(*err));
			err->code = K8SA_E_INVALID_ARG;
			snprintf(err->message, sizeof(err->message), "not a whole number: '%.64s'", value);
		}
		return K8SA_E_INVALID_ARG;
	}
	/* Beyond int: let the library say what the range is. */
	if (errno == ERANGE || n > K8SA_MAX_CONTEXT_TOKENS)
		n = n < 0 ? -1 : K8SA_MAX_CONTEXT_TOKENS + 1L;
	else if (n < 0)
		n = -1;
	return k8sa_agent_set_context_tokens(a, (int)n, err);
}

static k8sa_status set_timeout(k8sa_agent *a, const char *value, k8sa_error *err)
{
	double d;
	k8sa_status st = parse_number(value, &d, err);
	if (st == K8SA_OK)
		st = k8sa_agent_set_timeout(a, d, err);
	if (st == K8SA_OK)
		st = k8sa_agent_set_kube_timeout(a, d, err);
	return st;
}

static k8sa_status set_prompt_dir(k8sa_agent *a, const char *value, k8sa_error *err)
{
	return k8sa_agent_set_prompt_dir(a, *value ? value : NULL, err);
}

#define OPT(NAME) NAME, "--" NAME

const svc_option svc_options[SVC_OPT_COUNT] = {
	[SVC_OPT_KUBECONFIG] = {OPT("kubeconfig"), "FILE", NULL,
				"kubeconfig file (default: in-cluster when KUBERNETES_SERVICE_HOST is\n"
				"set, else $KUBECONFIG, else ~/.kube/config)", NULL},
	[SVC_OPT_CONTEXT] = {OPT("context"), "NAME", NULL, "kubeconfig context (default: its current-context)", NULL},
	[SVC_OPT_LLM_URL] = {OPT("llm-url"), "URL", NULL,
			     "LLM server (default: $K8SA_LLM_URL, then $OLLAMA_HOST, then\n"
			     "http://localhost:11434)", k8sa_agent_set_llm_url},
	[SVC_OPT_BACKEND] = {OPT("backend"), "NAME", "K8SA_BACKEND",
			     "ollama (default) or openai (any OpenAI-compatible server)", k8sa_agent_set_backend},
	[SVC_OPT_MODEL] = {OPT("model"), "NAME", "K8SA_MODEL", "model name (default " K8SA_LLM_DEFAULT_MODEL ")",
			   k8sa_agent_set_model},
	[SVC_OPT_CONTEXT_TOKENS] = {OPT("context-tokens"), "N", "K8SA_CONTEXT_TOKENS",
				    "the model's context window in tokens; the prompt is fitted to it\n"
				    "less the answer's reserve (default 8192, at least 512)",
				    set_context_tokens},
	[SVC_OPT_TIMEOUT] = {OPT("timeout"), "SECONDS", NULL,
			     "time limit of the model's whole answer (default 300) and of each\n"
			     "Kubernetes request (default 30)", set_timeout},
	[SVC_OPT_PROMPT_DIR] = {OPT("prompt-dir"), "DIR", "K8SA_PROMPT_DIR",
				"prompt overrides ask.md, diagnose.md (default: built-in prompts)", set_prompt_dir},
	[SVC_OPT_LLM_PROXY] = {OPT("llm-proxy"), "URL", "K8SA_LLM_PROXY",
			       "HTTP proxy for the model server (default none: http_proxy and\n"
			       "https_proxy in the environment are not followed)", k8sa_agent_set_llm_proxy},
};

int svc_options_getopt(struct option *opts)
{
	for (int i = 0; i < SVC_OPT_COUNT; i++) {
		opts[i].name = svc_options[i].name;
		opts[i].has_arg = required_argument;
		opts[i].flag = NULL;
		opts[i].val = SVC_OPT_VAL + i;
	}
	return SVC_OPT_COUNT;
}

int svc_options_take(svc_opts *o, int c, const char *optarg)
{
	if (c < SVC_OPT_VAL || c >= SVC_OPT_VAL + SVC_OPT_COUNT)
		return 0;
	o->value[c - SVC_OPT_VAL] = optarg;
	o->source[c - SVC_OPT_VAL] = NULL; /* the flag */
	return 1;
}

void svc_options_from_env(svc_opts *o)
{
	for (int i = 0; i < SVC_OPT_COUNT; i++) {
		const char *env = svc_options[i].env, *v;
		if (env && (v = getenv(env)) && *v) {
			o->value[i] = v;
			o->source[i] = env;
		}
	}
}

void svc_options_help(FILE *f, int with_env)
{
	for (int i = 0; i < SVC_OPT_COUNT; i++) {
		const svc_option *opt = &svc_options[i];
		char head[64];
		snprintf(head, sizeof(head), "--%s %s", opt->name, opt->arg);
		int col = fprintf(f, "  %-22s  ", head);
		for (const char *p = opt->help; *p; p++) {
			fputc(*p, f);
			col++;
			if (*p == '\n')
				col = fprintf(f, "  %-22s  ", "");
		}
		if (with_env && opt->env) {
			if (col + 7 + (int)strlen(opt->env) > 94)
				fprintf(f, "\n  %-22s  (env %s)", "", opt->env);
			else
				fprintf(f, " (env %s)", opt->env);
		}
		fputc('\n', f);
	}
}

k8sa_status svc_options_apply(const svc_opts *o, k8sa_agent *agent, const char **what, k8sa_error *err)
{
	for (int i = 0; i < SVC_OPT_COUNT; i++) {
		if (!o->value[i] || !svc_options[i].set)
			continue;
		k8sa_status st = svc_options[i].set(agent, o->value[i], err);
		if (st != K8SA_OK) {
			if (what)
				*what = o->source[i] ? o->source[i] : svc_options[i].flag;
			return st;
		}
	}
	return K8SA_OK;
}

int svc_options_check(const svc_opts *o, const char *prog)
{
	k8sa_error err;
	memset(&err, 0, sizeof(err));
	k8sa_agent *a = NULL;
	const char *what = NULL;
	k8sa_status st = k8sa_agent_new(&a, &err);
	if (st == K8SA_OK)
		st = svc_options_apply(o, a, &what, &err);
	k8sa_agent_free(a);
	if (st == K8SA_OK)
		return 0;
	fprintf(stderr, "%s: %s%s%s\n", prog, what ? what : "", what ? ": " : "",
		err.message[0] ? err.message : k8sa_strerror(st));
	return -1;
}
