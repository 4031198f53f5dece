/* SPDX-License-Identifier: MIT */
/*
 * An investigation in one page: the model starts from a namespace's findings and calls
 * read-only tools (list_objects, get_object, get_logs, get_events, analyze) until it can
 * answer; every answer is checked against the cluster. Each line of stdin after the first
 * question is a follow-up on the same session (same snapshot).
 *
 *   investigate [-k KUBECONFIG] [-u LLM_URL] [-m MODEL] [-s MAX_STEPS] NAMESPACE QUESTION
 *
 * Build: cc investigate.c $(pkg-config --cflags --libs k8sagent)
 */
#define _POSIX_C_SOURCE 200809L /* getopt, getline */
#include <k8sagent/k8sagent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Pull the events of one question: tool calls to stderr, the answer to stdout. */
static int run(k8sa_session *s, const char *question)
{
	k8sa_error err = {0};
	const k8sa_event *ev;
	if (k8sa_session_ask(s, question, &err) != K8SA_OK) {
		fprintf(stderr, "investigate: %s\n", err.message);
		return 2;
	}
	k8sa_status st;
	while ((st = k8sa_session_next(s, &ev, &err)) == K8SA_OK && ev) {
		switch (k8sa_event_type(ev)) {
		case K8SA_EVENT_TOKEN: /* a piece of the answer */
			fputs(k8sa_event_text(ev), stdout);
			fflush(stdout);
			break;
		case K8SA_EVENT_STEP: /* {"tool","arguments","result_chars","error",...} */
			fprintf(stderr, "step: %s\n", k8sa_event_json(ev));
			break;
		case K8SA_EVENT_VERIFICATION: /* unknown names, mutating and Secret commands */
			printf("\nverification: %s\n", k8sa_event_json(ev));
			break;
		case K8SA_EVENT_DONE:
			printf("stopped: %s\n", k8sa_stop_reason_name(k8sa_session_stopped(s)));
			break;
		}
	}
	if (st != K8SA_OK) {
		fprintf(stderr, "investigate: no answer: %s\n", err.message);
		return 3;
	}
	return k8sa_session_stopped(s) == K8SA_STOP_ANSWER ? 0 : 4;
}

int main(int argc, char **argv)
{
	const char *kubeconfig = NULL, *url = NULL, *model = NULL;
	int c, steps = 0, rc;
	k8sa_agent *agent = NULL;
	k8sa_session *s = NULL;
	k8sa_error err = {0};

	while ((c = getopt(argc, argv, "k:u:m:s:")) != -1) {
		if (c == 'k') kubeconfig = optarg;
		else if (c == 'u') url = optarg;
		else if (c == 'm') model = optarg;
		else if (c == 's') steps = atoi(optarg);
		else return 2;
	}
	if (optind + 2 > argc) {
		fprintf(stderr, "usage: investigate [-k KUBECONFIG] [-u LLM_URL] [-m MODEL] [-s MAX_STEPS] NAMESPACE QUESTION\n");
		return 2;
	}
	k8sa_global_init();
	if (k8sa_agent_new(&agent, &err) != K8SA_OK ||
	    k8sa_agent_load_kubeconfig(agent, kubeconfig, NULL, &err) != K8SA_OK) {
		fprintf(stderr, "investigate: %s\n", err.message);
		return 2;
	}
	if ((url && k8sa_agent_set_llm_url(agent, url, &err) != K8SA_OK) ||
	    (model && k8sa_agent_set_model(agent, model, &err) != K8SA_OK)) {
		fprintf(stderr, "investigate: %s\n", err.message);
		return 2;
	}
	/* The session borrows the agent: free it first. */
	if (k8sa_session_new(&s, agent, argv[optind], &err) != K8SA_OK ||
	    (steps > 0 && k8sa_session_set_max_steps(s, steps, &err) != K8SA_OK)) {
		fprintf(stderr, "investigate: %s\n", err.message);
		return 2;
	}
	rc = run(s, argv[optind + 1]);

	/* Follow-ups: one per line of stdin, on the same snapshot and transcript. */
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	while (!isatty(STDIN_FILENO) && (n = getline(&line, &cap, stdin)) > 0) {
		line[strcspn(line, "\n")] = '\0';
		if (*line)
			rc = run(s, line);
	}
	free(line);
	k8sa_session_free(s);
	k8sa_agent_free(agent);
	k8sa_global_cleanup();
	return rc;
}
