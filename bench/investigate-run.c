/* SPDX-License-Identifier: MIT */
/* One measured investigation for bench/investigate: runs QUESTION on NAMESPACE, prints one
 * JSON line with the session's timings and its heap: bytes in use before the session, at
 * its peak (sampled after every event) and after it is freed (glibc mallinfo2()).
 *
 *   bench/investigate-run KUBECONFIG LLM_URL NAMESPACE MAX_STEPS QUESTION [FOLLOW-UPS]
 */
#include "config.h"
#include <k8sagent/k8sagent.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static size_t heap(void)
{
	struct mallinfo2 mi = mallinfo2();
	return mi.uordblks + mi.hblkhd;
}

int main(int argc, char **argv)
{
	if (argc < 6) {
		fprintf(stderr, "usage: investigate-run KUBECONFIG LLM_URL NAMESPACE MAX_STEPS QUESTION [FOLLOW-UPS]\n");
		return 2;
	}
	int followups = argc > 6 ? atoi(argv[6]) : 0;
	k8sa_global_init();
	k8sa_error e = {0};
	k8sa_agent *a = NULL;
	if (k8sa_agent_new(&a, &e) || k8sa_agent_load_kubeconfig(a, argv[1], NULL, &e) ||
	    k8sa_agent_set_llm_url(a, argv[2], &e) || k8sa_agent_set_timeout(a, 60, &e)) {
		fprintf(stderr, "investigate-run: %s\n", e.message);
		return 2;
	}
	size_t before = heap(), peak = before;
	k8sa_session *s = NULL;
	if (k8sa_session_new(&s, a, argv[3], &e) || k8sa_session_set_max_steps(s, atoi(argv[4]), &e)) {
		fprintf(stderr, "investigate-run: %s\n", e.message);
		return 2;
	}
	char *result = NULL;
	for (int q = 0; q <= followups; q++) {
		if (k8sa_session_ask(s, argv[5], &e) != K8SA_OK) {
			fprintf(stderr, "investigate-run: %s\n", e.message);
			return 2;
		}
		const k8sa_event *ev;
		k8sa_status st;
		while ((st = k8sa_session_next(s, &ev, &e)) == K8SA_OK && ev) {
			size_t h = heap();
			if (h > peak)
				peak = h;
		}
		if (st != K8SA_OK) {
			fprintf(stderr, "investigate-run: %s\n", e.message);
			return 3;
		}
	}
	k8sa_session_result_to_json(s, &result, NULL);
	k8sa_session_free(s);
	size_t after = heap();
	printf("{\"heap_before\":%zu,\"heap_peak\":%zu,\"heap_after_free\":%zu,\"result\":%s}\n", before, peak, after,
	       result ? result : "null");
	k8sa_free(result);
	k8sa_agent_free(a);
	k8sa_global_cleanup();
	return 0;
}
