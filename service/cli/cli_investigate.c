/* SPDX-License-Identifier: MIT */
/* k8sagent investigate / chat: thin front-ends on the session API
 * (include/k8sagent/investigate.h). Tool calls go to stderr as they happen, the answer to
 * stdout, then the verification. */
#include "config.h"
#include "cli.h"

#include <errno.h>
#include <getopt.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CLI_NO_MODEL 3
#define CLI_LIMIT 4

static const struct option inv_opts[] = {
	{"namespace", required_argument, NULL, 'n'},
	{"max-steps", required_argument, NULL, 'm'},
	{"output", required_argument, NULL, 'o'},
	{"protocol", required_argument, NULL, 'p'},
	{"help", no_argument, NULL, 'h'},
	{NULL, 0, NULL, 0},
};

static void investigate_usage(FILE *f)
{
	fprintf(f,
		"usage: k8sagent [global options] investigate [-n NS] [--max-steps N] [-o text|json]\n"
		"                [--protocol auto|native|json] QUESTION\n"
		"\n"
		"The model starts from the namespace's findings and calls read-only tools (list_objects,\n"
		"get_object, get_logs, get_events, analyze) until it can answer. Tool calls are shown on\n"
		"stderr as they happen, the answer on stdout, then its verification (names not found in the\n"
		"cluster, mutating commands, commands that would print Secrets).\n"
		"\n"
		"  -n, --namespace NS   namespace (default: the kubeconfig context's)\n"
		"  --max-steps N        most tool calls (default 8)\n"
		"  -o, --output FMT     text (default) or json: {\"answer\", \"steps\", \"verification\", \"stopped\"}\n"
		"  --protocol P         tool calls: auto (default: native when the model supports tools),\n"
		"                       native, or json (JSON actions in plain text)\n"
		"\n"
		"Exit status: 0 answered, 2 usage/config/API error, 3 no model answered, 4 the step limit or\n"
		"the time limit ran out (the best answer so far was printed).\n");
}

static void chat_usage(FILE *f)
{
	fprintf(f,
		"usage: k8sagent [global options] chat [-n NS] [--max-steps N] [--protocol P]\n"
		"\n"
		"An investigation session with follow-ups: one question per line on stdin. The snapshot is\n"
		"taken once and reused; the line /refresh takes a new one, /quit (or end of input) ends.\n");
}

typedef struct {
	const char *ns;
	int max_steps;
	k8sa_tool_protocol protocol;
	int json;
} inv_opts_t;

/* Options shared by investigate and chat; returns -1 on a usage error, 1 for --help. */
static int parse_opts(int argc, char **argv, inv_opts_t *o, void (*usage)(FILE *))
{
	int c;
	char *end;
	while ((c = getopt_long(argc, argv, "+hn:o:", inv_opts, NULL)) != -1) {
		switch (c) {
		case 'n': o->ns = optarg; break;
		case 'm':
			errno = 0;
			o->max_steps = (int)strtol(optarg, &end, 10);
			if (errno || *end || o->max_steps < 1 || o->max_steps > 100) {
				fprintf(stderr, "k8sagent: --max-steps %s: a number from 1 to 100\n", optarg);
				return -1;
			}
			break;
		case 'o':
			if (strcmp(optarg, "json") == 0)
				o->json = 1;
			else if (strcmp(optarg, "text") != 0) {
				fprintf(stderr, "k8sagent: -o %s: use text or json\n", optarg);
				return -1;
			}
			break;
		case 'p':
			if (strcmp(optarg, "auto") == 0)
				o->protocol = K8SA_PROTOCOL_AUTO;
			else if (strcmp(optarg, "native") == 0)
				o->protocol = K8SA_PROTOCOL_NATIVE;
			else if (strcmp(optarg, "json") == 0)
				o->protocol = K8SA_PROTOCOL_JSON;
			else {
				fprintf(stderr, "k8sagent: --protocol %s: use auto, native or json\n", optarg);
				return -1;
			}
			break;
		case 'h': usage(stdout); return 1;
		default: usage(stderr); return -1;
		}
	}
	if (o->ns && !k8sa_namespace_is_valid(o->ns)) {
		fprintf(stderr, "k8sagent: -n %s: not a valid namespace name (DNS-1123 label)\n", o->ns);
		return -1;
	}
	return 0;
}

static int make_session(const cli_globals *g, const inv_opts_t *o, k8sa_agent **a, k8sa_session **s)
{
	if (g->scenario) {
		fprintf(stderr, "k8sagent: investigate needs a cluster (--scenario is not supported)\n");
		return CLI_ERROR;
	}
	int rc = cli_make_agent(g, NULL, CLI_AGENT_CLUSTER | CLI_AGENT_MODEL, a);
	if (rc != CLI_OK)
		return rc;
	k8sa_error e = {0};
	if (k8sa_session_new(s, *a, o->ns, &e) != K8SA_OK) {
		fprintf(stderr, "k8sagent: %s\n", e.message);
		k8sa_agent_free(*a);
		*a = NULL;
		return CLI_ERROR;
	}
	if ((o->max_steps && k8sa_session_set_max_steps(*s, o->max_steps, &e) != K8SA_OK) ||
	    k8sa_session_set_protocol(*s, o->protocol, &e) != K8SA_OK) {
		fprintf(stderr, "k8sagent: %s\n", e.message);
		k8sa_session_free(*s);
		k8sa_agent_free(*a);
		*s = NULL;
		*a = NULL;
		return CLI_ERROR;
	}
	return CLI_OK;
}

static void print_step(const k8sa_event *ev)
{
	json_object *j = json_tokener_parse(k8sa_event_json(ev)), *v;
	if (!j)
		return;
	const char *tool = json_object_object_get_ex(j, "tool", &v) ? json_object_get_string(v) : "?";
	const char *args = json_object_object_get_ex(j, "arguments", &v)
				   ? json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)
				   : "{}";
	int idx = json_object_object_get_ex(j, "index", &v) ? json_object_get_int(v) : 0;
	int cached = json_object_object_get_ex(j, "cached", &v) && json_object_get_boolean(v);
	/* the tool name and arguments come from the model: escaped for the terminal */
	fprintf(stderr, "[step %d] ", idx);
	cli_puts_text(stderr, tool);
	fputc(' ', stderr);
	cli_puts_text(stderr, args);
	if (json_object_object_get_ex(j, "error", &v) && !json_object_is_type(v, json_type_null)) {
		const char *err = json_object_get_string(v);
		fputs(" -> error: ", stderr);
		cli_put_text(stderr, err, strcspn(err, "\n"));
		fputc('\n', stderr);
	} else {
		int chars = json_object_object_get_ex(j, "result_chars", &v) ? json_object_get_int(v) : 0;
		fprintf(stderr, " -> %d chars%s\n", chars, cached ? " (from the session)" : "");
	}
	json_object_put(j);
}

static void print_list(const char *title, json_object *arr)
{
	printf("%s:\n", title);
	for (size_t i = 0; i < json_object_array_length(arr); i++) {
		fputs("  - ", stdout);
		cli_puts_text(stdout, json_object_get_string(json_object_array_get_idx(arr, i)));
		fputc('\n', stdout);
	}
}

static void print_verification(const char *json)
{
	json_object *v = json ? json_tokener_parse(json) : NULL, *u = NULL, *m = NULL, *s = NULL;
	if (!v)
		return;
	json_object_object_get_ex(v, "unknown_names", &u);
	json_object_object_get_ex(v, "mutating_commands", &m);
	json_object_object_get_ex(v, "secret_commands", &s);
	size_t nu = json_object_array_length(u), nm = json_object_array_length(m), ns = json_object_array_length(s);
	printf("\n--- verification ---\n");
	if (!nu && !nm && !ns)
		printf("ok: every object name was seen in the cluster data; no mutating or Secret-printing commands\n");
	if (nu)
		print_list("names not found in the cluster data (check them)", u);
	if (nm)
		print_list("commands that change the cluster (review before running)", m);
	if (ns)
		print_list("commands that would print Secret values (do not run)", s);
	json_object_put(v);
}

/* Run one question, text or JSON. Returns the exit status. */
static int run_question(k8sa_session *s, const char *q, int json)
{
	k8sa_error e = {0};
	if (k8sa_session_ask(s, q, &e) != K8SA_OK) {
		fprintf(stderr, "k8sagent: investigate: %s\n", e.message);
		return CLI_ERROR;
	}
	const k8sa_event *ev;
	k8sa_status st;
	int last_nl = 1, wrote = 0;
	while ((st = k8sa_session_next(s, &ev, &e)) == K8SA_OK && ev) {
		switch (k8sa_event_type(ev)) {
		case K8SA_EVENT_TOKEN:
			if (!json) {
				const char *t = k8sa_event_text(ev);
				size_t n = strlen(t);
				cli_put_text(stdout, t, n);
				fflush(stdout);
				wrote = 1;
				if (n)
					last_nl = t[n - 1] == '\n';
			}
			break;
		case K8SA_EVENT_STEP:
			if (!json)
				print_step(ev);
			break;
		case K8SA_EVENT_VERIFICATION:
			if (!json) {
				if (wrote && !last_nl)
					fputc('\n', stdout);
				print_verification(k8sa_session_verification_json(s));
			}
			break;
		case K8SA_EVENT_DONE:
			break;
		}
	}
	if (json) {
		char *r = NULL;
		k8sa_session_result_to_json(s, &r, NULL);
		puts(r ? r : "{}");
		k8sa_free(r);
	}
	fflush(stdout);
	if (st != K8SA_OK) {
		fprintf(stderr, "k8sagent: investigate: no answer: %s\n", e.message);
		return st == K8SA_E_TRANSPORT || st == K8SA_E_MODEL_NOT_FOUND || st == K8SA_E_TIMEOUT ||
				       st == K8SA_E_LLM || st == K8SA_E_PROTOCOL
			       ? CLI_NO_MODEL
			       : CLI_ERROR;
	}
	switch (k8sa_session_stopped(s)) {
	case K8SA_STOP_ANSWER:
		return CLI_OK;
	case K8SA_STOP_MAX_STEPS:
	case K8SA_STOP_TIMEOUT:
		fprintf(stderr, "k8sagent: investigate: stopped: %s\n", k8sa_stop_reason_name(k8sa_session_stopped(s)));
		return CLI_LIMIT;
	default:
		return CLI_ERROR;
	}
}

int cli_investigate(const cli_globals *g, int argc, char **argv)
{
	inv_opts_t o = {0};
	int r = parse_opts(argc, argv, &o, investigate_usage);
	if (r)
		return r > 0 ? CLI_OK : CLI_ERROR;
	if (optind >= argc) {
		fprintf(stderr, "k8sagent: investigate: a QUESTION is required\n");
		investigate_usage(stderr);
		return CLI_ERROR;
	}
	char *q = cli_join_args(argc - optind, argv + optind);
	k8sa_agent *a = NULL;
	k8sa_session *s = NULL;
	int rc = q ? make_session(g, &o, &a, &s) : CLI_ERROR;
	if (rc == CLI_OK)
		rc = run_question(s, q, o.json);
	k8sa_session_free(s);
	k8sa_agent_free(a);
	free(q);
	return rc;
}

int cli_chat(const cli_globals *g, int argc, char **argv)
{
	inv_opts_t o = {0};
	int r = parse_opts(argc, argv, &o, chat_usage);
	if (r)
		return r > 0 ? CLI_OK : CLI_ERROR;
	k8sa_agent *a = NULL;
	k8sa_session *s = NULL;
	int rc = make_session(g, &o, &a, &s);
	if (rc != CLI_OK)
		return rc;
	int tty = isatty(STDIN_FILENO);
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	for (;;) {
		if (tty) {
			fputs("> ", stderr);
			fflush(stderr);
		}
		if ((n = getline(&line, &cap, stdin)) < 0)
			break;
		while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r' || line[n - 1] == ' '))
			line[--n] = '\0';
		char *q = line;
		while (*q == ' ' || *q == '\t')
			q++;
		if (!*q)
			continue;
		if (strcmp(q, "/quit") == 0 || strcmp(q, "/exit") == 0)
			break;
		if (strcmp(q, "/refresh") == 0) {
			k8sa_session_refresh(s);
			fprintf(stderr, "(a new snapshot will be taken for the next question)\n");
			continue;
		}
		int qrc = run_question(s, q, o.json);
		if (qrc == CLI_ERROR || qrc == CLI_NO_MODEL)
			rc = qrc; /* keep going: the next question may work */
		if (!o.json)
			printf("\n");
		fflush(stdout);
	}
	free(line);
	k8sa_session_free(s);
	k8sa_agent_free(a);
	return rc;
}
