/* SPDX-License-Identifier: MIT */
/*
 * The whole agent loop in one page: snapshot -> findings -> redacted prompt -> local model,
 * with the answer streamed as it arrives.
 *
 *   diagnose [-k KUBECONFIG] [-u LLM_URL] [-m MODEL] NAMESPACE [QUESTION]
 *
 * Build: cc diagnose.c $(pkg-config --cflags --libs k8sagent)
 */
#define _POSIX_C_SOURCE 200809L /* getopt */
#include <k8sagent/k8sagent.h>
#include <stdio.h>
#include <unistd.h>

static int fail(const char *what, const k8sa_error *err)
{
	fprintf(stderr, "diagnose: %s: %s\n", what, err->message);
	return 2;
}

int main(int argc, char **argv)
{
	const char *kubeconfig = NULL, *url = NULL, *model = NULL;
	k8sa_agent *agent = NULL;
	k8sa_answer_stream *s = NULL;
	k8sa_error err = {0};
	const char *chunk;
	size_t len;
	int c, rc;

	while ((c = getopt(argc, argv, "k:u:m:")) != -1) {
		if (c == 'k') kubeconfig = optarg;
		else if (c == 'u') url = optarg;
		else if (c == 'm') model = optarg;
		else return 2;
	}
	if (optind >= argc) {
		fprintf(stderr, "usage: diagnose [-k KUBECONFIG] [-u LLM_URL] [-m MODEL] NAMESPACE [QUESTION]\n");
		return 2;
	}
	k8sa_global_init();
	if (k8sa_agent_new(&agent, &err) != K8SA_OK)
		return fail("agent", &err);
	if (url && k8sa_agent_set_llm_url(agent, url, &err) != K8SA_OK)
		return fail("-u", &err);
	if (model && k8sa_agent_set_model(agent, model, &err) != K8SA_OK)
		return fail("-m", &err);
	if (k8sa_agent_load_kubeconfig(agent, kubeconfig, NULL, &err) != K8SA_OK)
		return fail("kubeconfig", &err);
	/* Findings and context are ready when the stream starts; the model's text follows. */
	if (k8sa_agent_diagnose_start(agent, argv[optind], argv[optind + 1], &s, &err) != K8SA_OK)
		return fail(argv[optind], &err);
	printf("%s\n", k8sa_answer_findings_json(k8sa_answer_stream_answer(s)));
	while ((rc = k8sa_answer_stream_next(s, &chunk, &len, &err)) == K8SA_OK && chunk)
		fwrite(chunk, 1, len, stdout);
	const k8sa_answer *a = k8sa_answer_stream_answer(s);
	if (k8sa_answer_llm_status(a) != K8SA_OK)
		printf("(no model answer: %s)", k8sa_answer_llm_error(a));
	printf("\n");
	rc = k8sa_answer_problem_count(a) > 0 ? 1 : 0;
	k8sa_answer_stream_free(s);
	k8sa_agent_free(agent);
	k8sa_global_cleanup();
	return rc;
}
