/* SPDX-License-Identifier: MIT */
/* The snapshot through the real client against kubesim: counts, logs fetched only for
 * unhealthy containers (read back from kubesim's audit log), a forbidden resource becomes
 * a gap, total failure fails, and the JSON parses. */
#include "internal.h"
#include "snapshot_internal.h"
#include "lib/sim.h"
#include <k8sagent/k8sagent.h>

#include <check.h>

#include "lib/check_main.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct ksim {
	struct test_sim sim;
	char kubeconfig[400], audit[400];
} ksim;

static void start(ksim *k, const char *scenario, const char *extra1, const char *extra2)
{
	memset(k, 0, sizeof(*k));
	ck_assert_int_eq(test_sim_mkdir(&k->sim), 0);
	char bin[1024], scen[1024];
	test_build_path(bin, sizeof(bin), "tests/kubesim/kubesim");
	char rel[256];
	snprintf(rel, sizeof(rel), "tests/scenarios/%s", scenario);
	test_src_path(scen, sizeof(scen), rel);
	snprintf(k->kubeconfig, sizeof(k->kubeconfig), "%s/kubeconfig", k->sim.dir);
	snprintf(k->audit, sizeof(k->audit), "%s/audit.jsonl", k->sim.dir);
	char *argv[] = {bin, "--scenario", scen, "--listen", "127.0.0.1:0", "--write-kubeconfig", k->kubeconfig,
			"--audit-log", k->audit, (char *)extra1, (char *)extra2, NULL};
	ck_assert_int_eq(test_sim_start(&k->sim, argv, 10000), 0);
	/* the kubeconfig is written once listening; wait for it to appear */
	for (int i = 0; i < 100 && access(k->kubeconfig, R_OK) != 0; i++)
		usleep(20000);
}

static k8sa_kube *client(ksim *k)
{
	k8sa_kubeconfig *cfg = NULL;
	k8sa_error err;
	ck_assert_msg(k8sa_kubeconfig_load_file(&cfg, k->kubeconfig, NULL, &err) == K8SA_OK, "%s", err.message);
	k8sa_kube *kube = NULL;
	ck_assert_msg(k8sa_kube_new(&kube, cfg, &err) == K8SA_OK, "%s", err.message);
	k8sa_kubeconfig_free(cfg);
	return kube;
}

/* Log requests in the audit log: count, and whether one matched `needle`. */
static int audit_logs(const char *path, const char *needle, int *found)
{
	FILE *f = fopen(path, "r");
	ck_assert_ptr_nonnull(f);
	char line[4096];
	int n = 0;
	*found = 0;
	while (fgets(line, sizeof(line), f)) {
		if (!strstr(line, "/log"))
			continue;
		n++;
		if (needle && strstr(line, needle))
			*found = 1;
	}
	fclose(f);
	return n;
}

START_TEST(demo_shop_through_kubesim)
{
	ksim k;
	start(&k, "demo-shop", NULL, NULL);
	k8sa_kube *kube = client(&k);
	k8sa_snapshot *snap = NULL;
	k8sa_error err;
	ck_assert_msg(k8sa_snapshot_take(kube, "shop", NULL, &snap, &err) == K8SA_OK, "%s", err.message);
	ck_assert_str_eq(k8sa_snapshot_namespace(snap), "shop");
	ck_assert_uint_eq(k8sa_snapshot_count(snap, K8SA_RES_PODS), 6);
	ck_assert_uint_eq(k8sa_snapshot_count(snap, K8SA_RES_NODES), 3);
	ck_assert_uint_eq(k8sa_snapshot_count(snap, K8SA_RES_DEPLOYMENTS), 4);
	ck_assert_uint_eq(k8sa_snapshot_count(snap, K8SA_RES_REPLICASETS), 4);
	ck_assert_uint_eq(k8sa_snapshot_count(snap, K8SA_RES_SERVICES), 4);
	ck_assert_uint_eq(k8sa_snapshot_count(snap, K8SA_RES_ENDPOINTS), 4);
	ck_assert_uint_eq(k8sa_snapshot_count(snap, K8SA_RES_EVENTS), 20);
	ck_assert_uint_eq(k8sa_snapshot_gap_count(snap), 0);
	/* one log: cart's previous instance; never the healthy pods, never the image-pull one */
	ck_assert_uint_eq(k8sa_snapshot_log_count(snap), 1);
	const m_pod *cart = m_find_pod((m_model *)k8sa_snapshot_model(snap), "shop", "cart-tjfjrxcqw9-7j69q");
	ck_assert_ptr_nonnull(cart);
	const m_log *l = m_pod_log(cart, "cart", 1);
	ck_assert_ptr_nonnull(l);
	ck_assert(strstr(l->text, "loading 250000 carts") != NULL);
	int found;
	ck_assert_int_eq(audit_logs(k.audit, "cart-tjfjrxcqw9-7j69q", &found), 1);
	ck_assert(found);
	audit_logs(k.audit, "catalog", &found);
	ck_assert(!found);
	audit_logs(k.audit, "payment", &found);
	ck_assert(!found);

	/* the same findings as from disk */
	k8sa_findings *f = NULL;
	ck_assert_int_eq(k8sa_analyze(snap, &f, &err), K8SA_OK);
	ck_assert_str_eq(k8sa_finding_code(f, 0), "OOMKilled");
	ck_assert(k8sa_finding_root_cause(f, 0));
	k8sa_findings_free(f);

	char *js = NULL;
	ck_assert_int_eq(k8sa_snapshot_to_json(snap, &js, &err), K8SA_OK);
	json_object *o = json_tokener_parse(js);
	ck_assert_ptr_nonnull(o);
	json_object *pods, *counts, *gaps;
	ck_assert(json_object_object_get_ex(o, "pods", &pods));
	ck_assert_uint_eq(json_object_array_length(pods), 6);
	ck_assert(json_object_object_get_ex(o, "counts", &counts));
	ck_assert(json_object_object_get_ex(o, "gaps", &gaps));
	ck_assert_uint_eq(json_object_array_length(gaps), 0);
	json_object_put(o);
	k8sa_free(js);
	k8sa_snapshot_free(snap);
	k8sa_kube_free(kube);
	test_sim_stop(&k.sim);
}
END_TEST

START_TEST(forbidden_is_a_gap)
{
	ksim k;
	start(&k, "demo-shop", "--forbid", "nodes,pods/log");
	k8sa_kube *kube = client(&k);
	k8sa_snapshot *snap = NULL;
	k8sa_error err;
	ck_assert_msg(k8sa_snapshot_take(kube, "shop", NULL, &snap, &err) == K8SA_OK, "%s", err.message);
	ck_assert_uint_eq(k8sa_snapshot_count(snap, K8SA_RES_NODES), 0);
	ck_assert_uint_eq(k8sa_snapshot_count(snap, K8SA_RES_PODS), 6);
	ck_assert_uint_eq(k8sa_snapshot_log_count(snap), 0);
	char *gaps = NULL;
	ck_assert_int_eq(k8sa_snapshot_gaps_json(snap, &gaps, &err), K8SA_OK);
	ck_assert_msg(strstr(gaps, "nodes: forbidden: ") != NULL, "%s", gaps);
	ck_assert_msg(strstr(gaps, "pods/log: forbidden") != NULL, "%s", gaps);
	k8sa_free(gaps);
	/* the analysis still works on what was read */
	k8sa_findings *f = NULL;
	ck_assert_int_eq(k8sa_analyze(snap, &f, &err), K8SA_OK);
	ck_assert_str_eq(k8sa_finding_code(f, 0), "OOMKilled");
	/* and its reports say what was not checked */
	char *out = NULL;
	ck_assert_int_eq(k8sa_findings_to_json(f, &out, &err), K8SA_OK);
	json_object *o = json_tokener_parse(out), *g;
	ck_assert(o && json_object_object_get_ex(o, "gaps", &g) && json_object_array_length(g) == 2);
	ck_assert_msg(strstr(json_object_get_string(json_object_array_get_idx(g, 0)), "forbidden") != NULL, "%s", out);
	json_object_put(o);
	k8sa_free(out);
	ck_assert_int_eq(k8sa_findings_to_text(f, &out, &err), K8SA_OK);
	ck_assert_msg(strstr(out, "Not checked: 2 resources could not be read") != NULL, "%s", out);
	ck_assert_msg(strstr(out, "  - nodes: forbidden: ") != NULL, "%s", out);
	k8sa_free(out);
	k8sa_findings_free(f);
	k8sa_snapshot_free(snap);
	k8sa_kube_free(kube);
	test_sim_stop(&k.sim);
}
END_TEST

START_TEST(total_failure_fails)
{
	ksim k;
	start(&k, "healthy", NULL, NULL);
	/* a client with a wrong token: every request is 401 */
	k8sa_kubeconfig *cfg = NULL;
	ck_assert_int_eq(k8sa_kubeconfig_load_file(&cfg, k.kubeconfig, NULL, NULL), K8SA_OK);
	ck_assert_int_eq(k8sa_kubeconfig_set_token(cfg, "wrong-token"), K8SA_OK);
	k8sa_kube *kube = NULL;
	ck_assert_int_eq(k8sa_kube_new(&kube, cfg, NULL), K8SA_OK);
	k8sa_kubeconfig_free(cfg);
	k8sa_snapshot *snap = NULL;
	k8sa_error err;
	memset(&err, 0, sizeof(err));
	ck_assert_int_eq(k8sa_snapshot_take(kube, "docs", NULL, &snap, &err), K8SA_E_UNAUTHORIZED);
	ck_assert_ptr_null(snap);
	ck_assert_msg(strstr(err.message, "every request failed") != NULL, "%s", err.message);
	k8sa_kube_free(kube);
	test_sim_stop(&k.sim);
}
END_TEST

/* A typo is not a clean bill: a namespace that does not exist is NOT_FOUND, an invalid name
 * is refused before any request, a refused GET of the namespace is a gap. */
START_TEST(missing_namespace_is_an_error)
{
	ksim k;
	start(&k, "demo-shop", NULL, NULL);
	k8sa_kube *kube = client(&k);
	k8sa_snapshot *snap = NULL;
	k8sa_error err;
	memset(&err, 0, sizeof(err));
	ck_assert_int_eq(k8sa_snapshot_take(kube, "shpo", NULL, &snap, &err), K8SA_E_NOT_FOUND);
	ck_assert_ptr_null(snap);
	ck_assert_str_eq(err.message, "namespace shpo not found");
	/* the check is a GET of the namespace object, nothing else */
	char *audit = NULL;
	{
		FILE *f = fopen(k.audit, "r");
		ck_assert_ptr_nonnull(f);
		static char buf[1 << 16];
		size_t n = fread(buf, 1, sizeof(buf) - 1, f);
		buf[n] = 0;
		fclose(f);
		audit = buf;
	}
	ck_assert_msg(strstr(audit, "\"/api/v1/namespaces/shpo\"") != NULL, "%s", audit);
	ck_assert_msg(strstr(audit, "\"GET\"") != NULL && strstr(audit, "secrets") == NULL, "%s", audit);
	size_t before = strlen(audit);
	static const char *const bad[] = {"Shop", "../x", "a/b", "sh op", "-x", ""};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_int_eq(k8sa_snapshot_take(kube, bad[i], NULL, &snap, &err), K8SA_E_INVALID_ARG);
		ck_assert_ptr_null(snap);
	}
	FILE *f = fopen(k.audit, "r");
	fseek(f, 0, SEEK_END);
	ck_assert_uint_eq((size_t)ftell(f), before); /* not one request */
	fclose(f);
	/* the existing namespace still works, and the object can be read by itself */
	ck_assert_int_eq(k8sa_snapshot_take(kube, "shop", NULL, &snap, &err), K8SA_OK);
	ck_assert_uint_eq(k8sa_snapshot_gap_count(snap), 0);
	k8sa_snapshot_free(snap);
	char *obj = NULL;
	ck_assert_int_eq(k8sa_kube_get_json(kube, K8SA_RES_NAMESPACES, NULL, "shop", &obj, &err), K8SA_OK);
	ck_assert_ptr_nonnull(strstr(obj, "\"Namespace\""));
	k8sa_free(obj);
	ck_assert_int_eq(k8sa_kube_get_json(kube, K8SA_RES_DEPLOYMENTS, "shop", "cart", &obj, &err), K8SA_OK);
	ck_assert_ptr_nonnull(strstr(obj, "\"Deployment\""));
	k8sa_free(obj);
	ck_assert_int_eq(k8sa_kube_get_json(kube, K8SA_RES_DEPLOYMENTS, "shop", "../secrets", &obj, &err),
			 K8SA_E_READ_ONLY);
	k8sa_kube_free(kube);
	test_sim_stop(&k.sim);

	/* RBAC refuses the GET of namespaces: a gap, and the lists go on */
	start(&k, "demo-shop", "--forbid", "namespaces");
	kube = client(&k);
	ck_assert_msg(k8sa_snapshot_take(kube, "shop", NULL, &snap, &err) == K8SA_OK, "%s", err.message);
	char *gaps = NULL;
	ck_assert_int_eq(k8sa_snapshot_gaps_json(snap, &gaps, &err), K8SA_OK);
	ck_assert_msg(strstr(gaps, "namespace: forbidden: ") != NULL, "%s", gaps);
	k8sa_free(gaps);
	ck_assert_uint_eq(k8sa_snapshot_count(snap, K8SA_RES_PODS), 6);
	k8sa_snapshot_free(snap);
	k8sa_kube_free(kube);
	test_sim_stop(&k.sim);
}
END_TEST

/* Core lists unreadable: "could not check", never "no problems found". */
START_TEST(unreadable_core_lists_are_not_a_clean_bill)
{
	ksim k;
	start(&k, "healthy", "--forbid", "pods,services");
	k8sa_kube *kube = client(&k);
	k8sa_snapshot *snap = NULL;
	k8sa_error err;
	ck_assert_msg(k8sa_snapshot_take(kube, "docs", NULL, &snap, &err) == K8SA_OK, "%s", err.message);
	k8sa_findings *f = NULL;
	ck_assert_int_eq(k8sa_analyze(snap, &f, &err), K8SA_OK);
	ck_assert_uint_eq(k8sa_findings_problem_count(f), 0);
	ck_assert_int_eq(k8sa_findings_complete(f), 0);
	char *out = NULL;
	ck_assert_int_eq(k8sa_findings_to_text(f, &out, &err), K8SA_OK);
	ck_assert_msg(strstr(out, "No problems found") == NULL, "%s", out);
	ck_assert_msg(strncmp(out, "Could not check namespace docs", 30) == 0, "%s", out);
	k8sa_free(out);
	ck_assert_int_eq(k8sa_findings_to_json(f, &out, &err), K8SA_OK);
	ck_assert_msg(strstr(out, "\"complete\":false") != NULL, "%s", out);
	k8sa_free(out);
	k8sa_findings_free(f);
	k8sa_snapshot_free(snap);
	k8sa_kube_free(kube);
	test_sim_stop(&k.sim);
	/* the same namespace, readable: complete, and a clean bill */
	start(&k, "healthy", NULL, NULL);
	kube = client(&k);
	ck_assert_int_eq(k8sa_snapshot_take(kube, "docs", NULL, &snap, &err), K8SA_OK);
	ck_assert_int_eq(k8sa_analyze(snap, &f, &err), K8SA_OK);
	ck_assert_int_eq(k8sa_findings_complete(f), 1);
	ck_assert_int_eq(k8sa_findings_to_text(f, &out, &err), K8SA_OK);
	ck_assert_msg(strncmp(out, "No problems found in namespace docs", 35) == 0, "%s", out);
	k8sa_free(out);
	k8sa_findings_free(f);
	k8sa_snapshot_free(snap);
	k8sa_kube_free(kube);
	test_sim_stop(&k.sim);
}
END_TEST

Suite *k8sa_test_suite(void)
{
	Suite *s = suite_create("snapshot");
	TCase *tc = tcase_create("kubesim");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, demo_shop_through_kubesim);
	tcase_add_test(tc, forbidden_is_a_gap);
	tcase_add_test(tc, total_failure_fails);
	tcase_add_test(tc, missing_namespace_is_an_error);
	tcase_add_test(tc, unreadable_core_lists_are_not_a_clean_bill);
	suite_add_tcase(s, tc);
	return s;
}
