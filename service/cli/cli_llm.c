/* SPDX-License-Identifier: MIT */
/* k8sagent ask / diagnose: thin front-ends on the agent API (include/k8sagent/agent.h). */
#include "config.h"
#include "cli.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Exit status when the model gave no (complete) answer; the findings were still printed. */
#define CLI_NO_MODEL 3

int cli_make_agent(const cli_globals *g, const char *prompt_dir, unsigned needs, k8sa_agent **out)
{
	k8sa_error e = {0};
	k8sa_agent *a = NULL;
	const char *what = NULL; /* the option a failure is about: the library's message follows */
	svc_opts o = g->opts;
	/* The prompt directory matters only when the model is called; -D overrides --prompt-dir. */
	if (!(needs & CLI_AGENT_MODEL))
		o.value[SVC_OPT_PROMPT_DIR] = NULL;
	else if (prompt_dir)
		o.value[SVC_OPT_PROMPT_DIR] = prompt_dir, o.source[SVC_OPT_PROMPT_DIR] = "--prompt-dir";
	k8sa_status st = k8sa_agent_new(&a, &e);
	if (st == K8SA_OK)
		st = svc_options_apply(&o, a, &what, &e);
	if (st == K8SA_OK && (needs & CLI_AGENT_CLUSTER) && g->scenario)
		st = k8sa_agent_set_scenario_dir(a, g->scenario, &e), what = st ? "--scenario" : NULL;
	else if (st == K8SA_OK && (needs & CLI_AGENT_CLUSTER))
		st = k8sa_agent_load_kubeconfig(a, o.value[SVC_OPT_KUBECONFIG], o.value[SVC_OPT_CONTEXT], &e);
	if (st != K8SA_OK) {
		fprintf(stderr, "k8sagent: %s%s%s\n", what ? what : "", what ? ": " : "",
			e.message[0] ? e.message : k8sa_strerror(st));
		k8sa_agent_free(a);
		return CLI_ERROR;
	}
	*out = a;
	return CLI_OK;
}

/* Print the answer as it arrives. Returns the stream's final status. */
static k8sa_status stream_to_stdout(k8sa_answer_stream *s, k8sa_error *e)
{
	const char *chunk;
	size_t len;
	k8sa_status st;
	int wrote = 0, last_nl = 1;
	while ((st = k8sa_answer_stream_next(s, &chunk, &len, e)) == K8SA_OK && chunk) {
		cli_put_text(stdout, chunk, len);
		fflush(stdout);
		wrote = 1;
		last_nl = len && chunk[len - 1] == '\n';
	}
	if (wrote && !last_nl)
		fputc('\n', stdout);
	return st;
}

static void no_model_message(const cli_globals *g, const k8sa_answer *x)
{
	fputs("k8sagent: no model answered: ", stderr);
	cli_puts_text(stderr, k8sa_answer_llm_error(x) ? k8sa_answer_llm_error(x) : k8sa_strerror(k8sa_answer_llm_status(x)));
	fputc('\n', stderr);
	cli_warn(g, "k8sagent: the findings above come from the deterministic analyzers alone; point --llm-url "
		    "(or OLLAMA_HOST / K8SA_LLM_URL) at an Ollama or OpenAI-compatible server\n");
}

/* "k8sagent: <what>: <message>" with the message escaped (servers write part of it). */
static void print_error(const char *what, const char *message)
{
	fprintf(stderr, "k8sagent: %s: ", what);
	cli_puts_text(stderr, message);
	fputc('\n', stderr);
}

/* The question: the arguments joined, or standard input for a lone "-". */
static char *question_from(const char *cmd, int argc, char **argv)
{
	if (argc == 1 && !strcmp(argv[0], "-"))
		return cli_read_question_stdin(cmd);
	return cli_join_args(argc, argv);
}

static void ask_usage(FILE *f)
{
	fprintf(f, "usage: k8sagent [global options] ask [--prompt-dir DIR] QUESTION|-\n"
		   "\n"
		   "Ask the model a Kubernetes question (no cluster access). The answer streams to stdout.\n"
		   "A lone - reads the question from standard input (at most 64 KiB).\n"
		   "  --prompt-dir DIR     system prompt overrides (ask.md); env K8SA_PROMPT_DIR\n"
		   "  -h, --help           this help\n"
		   "Exit status: 0 answered, 2 usage error, 3 no model answered (the reason is on stderr).\n");
}

static const struct option llm_opts[] = {
	{"namespace", required_argument, NULL, 'n'},
	{"all-namespaces", no_argument, NULL, 'A'},
	{"print-prompt", no_argument, NULL, 'P'},
	{"prompt-dir", required_argument, NULL, 'D'},
	{"output", required_argument, NULL, 'o'},
	{"help", no_argument, NULL, 'h'},
	{NULL, 0, NULL, 0},
};

/* Join the remaining arguments into one question (so quoting is optional). */
char *cli_join_args(int argc, char **argv)
{
	size_t n = 1;
	for (int i = 0; i < argc; i++)
		n += strlen(argv[i]) + 1;
	char *q = calloc(1, n);
	if (!q)
		return NULL;
	for (int i = 0; i < argc; i++) {
		if (i)
			strcat(q, " ");
		strcat(q, argv[i]);
	}
	return q;
}

int cli_ask(const cli_globals *g, int argc, char **argv)
{
	const char *prompt_dir = NULL;
	int c;
	while ((c = getopt_long(argc, argv, "+hD:", llm_opts, NULL)) != -1) {
		switch (c) {
		case 'D': prompt_dir = optarg; break;
		case 'h': ask_usage(stdout); return CLI_OK;
		default: ask_usage(stderr); return CLI_ERROR;
		}
	}
	if (optind >= argc) {
		fprintf(stderr, "k8sagent: ask: a QUESTION is required\n");
		ask_usage(stderr);
		return CLI_ERROR;
	}
	char *q = question_from("ask", argc - optind, argv + optind);
	k8sa_agent *a = NULL;
	int rc = q ? cli_make_agent(g, prompt_dir, CLI_AGENT_MODEL, &a) : CLI_ERROR;
	if (rc != CLI_OK) {
		free(q);
		return rc;
	}
	k8sa_error e = {0};
	k8sa_answer_stream *s = NULL;
	k8sa_status st = k8sa_agent_ask_start(a, q, &s, &e);
	if (st != K8SA_OK) {
		print_error("ask", e.message);
		rc = CLI_ERROR;
	} else {
		st = stream_to_stdout(s, &e);
		if (st != K8SA_OK) {
			no_model_message(g, k8sa_answer_stream_answer(s));
			rc = CLI_NO_MODEL;
		}
	}
	k8sa_answer_stream_free(s);
	k8sa_agent_free(a);
	free(q);
	return rc;
}

static void diagnose_usage(FILE *f)
{
	fprintf(f,
		"usage: k8sagent [global options] diagnose [-n NS | -A] [--print-prompt] [-o text|json]\n"
		"                [--prompt-dir DIR] [QUESTION|-]\n"
		"\n"
		"Read the namespace (GET only), run the analyzers, and have the model explain the findings\n"
		"with exact kubectl commands. The findings print first, then the answer streams.\n"
		"A lone - reads the question from standard input (at most 64 KiB).\n"
		"\n"
		"  -n, --namespace NS   namespace (default: the kubeconfig context's)\n"
		"  -A, --all-namespaces every namespace\n"
		"  --print-prompt       print the exact messages that would be sent (after redaction and\n"
		"                       budgeting) and call no model\n"
		"  -o, --output FMT     text (default, streamed) or json (the whole answer as one object)\n"
		"  --prompt-dir DIR     system prompt overrides (diagnose.md); env K8SA_PROMPT_DIR\n"
		"  -h, --help           this help\n"
		"\n"
		"Exit status: 0 no problems, 1 problems found (and explained), 2 usage/config/API error,\n"
		"3 no model answered (the findings were printed; the reason is on stderr).\n");
}

int cli_diagnose(const cli_globals *g, int argc, char **argv)
{
	const char *ns = NULL, *prompt_dir = NULL, *output = "text";
	int all = 0, print_prompt = 0, c;
	while ((c = getopt_long(argc, argv, "+hn:Ao:D:", llm_opts, NULL)) != -1) {
		switch (c) {
		case 'n': ns = optarg; break;
		case 'A': all = 1; break;
		case 'P': print_prompt = 1; break;
		case 'D': prompt_dir = optarg; break;
		case 'o': output = optarg; break;
		case 'h': diagnose_usage(stdout); return CLI_OK;
		default: diagnose_usage(stderr); return CLI_ERROR;
		}
	}
	if (cli_check_format("diagnose", output, "text json"))
		return CLI_ERROR;
	if (ns && all) {
		fprintf(stderr, "k8sagent: diagnose: -n and -A exclude each other\n");
		return CLI_ERROR;
	}
	if (ns && !k8sa_namespace_is_valid(ns)) {
		fprintf(stderr, "k8sagent: diagnose: -n %s: not a valid namespace name (DNS-1123 label)\n", ns);
		return CLI_ERROR;
	}
	if (g->scenario && !ns && !all) {
		fprintf(stderr, "k8sagent: diagnose: with --scenario, give -n NAMESPACE or -A\n");
		return CLI_ERROR;
	}
	char *q = NULL;
	if (optind < argc && !(q = question_from("diagnose", argc - optind, argv + optind)))
		return CLI_ERROR;
	k8sa_agent *a = NULL;
	int rc = cli_make_agent(g, prompt_dir, CLI_AGENT_CLUSTER | CLI_AGENT_MODEL, &a);
	if (rc != CLI_OK) {
		free(q);
		return rc;
	}
	if (all)
		ns = "*";
	k8sa_error e = {0};
	k8sa_status st;
	if (print_prompt || strcmp(output, "json") == 0) {
		k8sa_answer *x = NULL;
		cli_progress_start(g, print_prompt ? "reading the cluster" : "reading the cluster and asking the model");
		st = k8sa_agent_diagnose(a, ns, q, !print_prompt, &x, &e);
		cli_progress_stop();
		if (st != K8SA_OK) {
			fprintf(stderr, "k8sagent: diagnose: %s\n", e.message);
			rc = CLI_ERROR;
		} else if (print_prompt) {
			cli_puts_text(stdout, k8sa_answer_prompt_text(x));
			rc = CLI_OK;
		} else {
			char *json = NULL;
			k8sa_answer_to_json(x, &json, NULL);
			puts(json ? json : "{}");
			k8sa_free(json);
			rc = k8sa_answer_llm_status(x) != K8SA_OK ? CLI_NO_MODEL
			     : k8sa_answer_problem_count(x) ? CLI_PROBLEMS : CLI_OK;
			if (rc == CLI_NO_MODEL)
				no_model_message(g, x);
		}
		k8sa_answer_free(x);
	} else {
		k8sa_answer_stream *s = NULL;
		cli_progress_start(g, "reading the cluster");
		st = k8sa_agent_diagnose_start(a, ns, q, &s, &e);
		cli_progress_stop();
		if (st != K8SA_OK) {
			fprintf(stderr, "k8sagent: diagnose: %s\n", e.message);
			rc = CLI_ERROR;
		} else {
			const k8sa_answer *x = k8sa_answer_stream_answer(s);
			const char *text = k8sa_answer_findings_text(x);
			cli_print_findings_text(text ? text : "", cli_use_color(g, stdout), stdout);
			fputs("\n", stdout);
			fflush(stdout);
			st = stream_to_stdout(s, &e);
			if (st != K8SA_OK) {
				no_model_message(g, x);
				rc = CLI_NO_MODEL;
			} else {
				rc = k8sa_answer_problem_count(x) ? CLI_PROBLEMS : CLI_OK;
			}
		}
		k8sa_answer_stream_free(s);
	}
	k8sa_agent_free(a);
	free(q);
	return rc;
}
