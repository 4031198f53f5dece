/* SPDX-License-Identifier: MIT */
/* Answer verification: made-up names, mutating kubectl commands, commands printing Secrets. */
#include "internal.h"
#include <k8sagent/k8sagent.h>

#include <check.h>

#include "lib/check_main.h"
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static json_object *check(const char *known, const char *answer)
{
	k8sa_verifier *v = NULL;
	ck_assert_int_eq(k8sa_verifier_new(&v, NULL), K8SA_OK);
	ck_assert_int_eq(k8sa_verifier_add_text(v, known, NULL), K8SA_OK);
	char *json = NULL;
	ck_assert_int_eq(k8sa_verifier_check(v, answer, &json, NULL), K8SA_OK);
	json_object *o = json_tokener_parse(json);
	ck_assert_ptr_nonnull(o);
	free(json);
	k8sa_verifier_free(v);
	return o;
}

static int has(json_object *o, const char *key, const char *value)
{
	json_object *a = NULL;
	ck_assert(json_object_object_get_ex(o, key, &a));
	for (size_t i = 0; i < json_object_array_length(a); i++)
		if (strcmp(json_object_get_string(json_object_array_get_idx(a, i)), value) == 0)
			return 1;
	return 0;
}

/* want != 0: every value of list (NULL-terminated) is in o's array key; want == 0: none is. */
static void has_each(json_object *o, const char *key, const char *const *list, int want)
{
	for (; *list; list++)
		ck_assert_msg(has(o, key, *list) == (want != 0), "%s: \"%s\" %s", key, *list, want ? "missing" : "listed");
}

#define HAS_ALL(o, key, ...) has_each((o), (key), (const char *const[]){__VA_ARGS__, NULL}, 1)
#define HAS_NONE(o, key, ...) has_each((o), (key), (const char *const[]){__VA_ARGS__, NULL}, 0)

static size_t count(json_object *o, const char *key)
{
	json_object *a = NULL;
	ck_assert(json_object_object_get_ex(o, key, &a));
	return json_object_array_length(a);
}

static const char *KNOWN = "pods: cart-7d9f8b6c5-x2x7q web-0 nodes: kind-worker deployment cart namespace shop "
			   "service cart-svc configmap cart-config container cart";

START_TEST(made_up_pod_and_delete_are_caught)
{
	json_object *o = check(KNOWN,
			       "The pod `cart-7d9f8b6c5-zzzzz` is crashing; the real one is cart-7d9f8b6c5-x2x7q.\n"
			       "```bash\nkubectl delete pod cart-7d9f8b6c5-zzzzz -n shop\n"
			       "kubectl logs cart-7d9f8b6c5-x2x7q -n shop --previous\n```\n");
	ck_assert(has(o, "unknown_names", "cart-7d9f8b6c5-zzzzz"));
	ck_assert_uint_eq(count(o, "unknown_names"), 1);
	ck_assert(has(o, "mutating_commands", "kubectl delete pod cart-7d9f8b6c5-zzzzz -n shop"));
	ck_assert_uint_eq(count(o, "mutating_commands"), 1);
	ck_assert_uint_eq(count(o, "secret_commands"), 0);
	json_object_put(o);
}
END_TEST

START_TEST(names_in_prose_and_commands)
{
	json_object *o = check(KNOWN,
			       "The deployment cart in namespace shop and the `cart-svc` service are fine. The pod is "
			       "healthy. But deployment checkout-api and the `payments` service do not exist; node "
			       "kind-worker9 neither. See `kubectl get deploy/ghost -n nowhere`, and "
			       "`kubectl describe pod web-0 -n shop`. The statefulset `web` owns web-0.");
	HAS_ALL(o, "unknown_names", "checkout-api", "payments", "kind-worker9", "ghost", "nowhere");
	ck_assert(!has(o, "unknown_names", "cart"));
	ck_assert(!has(o, "unknown_names", "web")); /* prefix of web-0 */
	HAS_NONE(o, "unknown_names", "healthy", "shop");
	ck_assert_uint_eq(count(o, "mutating_commands"), 0);
	json_object_put(o);
}
END_TEST

START_TEST(secret_commands)
{
	json_object *o = check("db shop",
			       "Do not run `kubectl get secret db -n shop -o yaml` or\n"
			       "    kubectl get secrets/db -n shop -o jsonpath='{.data.password}' | base64 -d\n"
			       "`kubectl get secret db -n shop` (a table) and `kubectl describe secret db -n shop` are "
			       "fine, `kubectl edit secret db -n shop` is not.");
	HAS_ALL(o, "secret_commands", "kubectl get secret db -n shop -o yaml",
		"kubectl get secrets/db -n shop -o jsonpath='{.data.password}' | base64 -d",
		"kubectl edit secret db -n shop");
	ck_assert_uint_eq(count(o, "secret_commands"), 3);
	ck_assert(has(o, "mutating_commands", "kubectl edit secret db -n shop"));
	ck_assert_uint_eq(count(o, "mutating_commands"), 1);
	json_object_put(o);
}
END_TEST

START_TEST(classify_table)
{
	static const struct {
		const char *cmd;
		int cls;
	} t[] = {
		{"kubectl get pods -n shop", 0},
		{"kubectl -n shop get pods -o wide", 0},
		{"kubectl describe pod x", 0},
		{"kubectl logs x -p", 0},
		{"kubectl logs deploy/cart --previous -c cart", 0},
		{"kubectl top pods", 0},
		{"kubectl get events --field-selector involvedObject.name=x", 0},
		{"kubectl rollout status deployment/cart", 0},
		{"kubectl rollout history deployment/cart", 0},
		{"kubectl auth can-i list pods", 0},
		{"kubectl explain pod.spec", 0},
		{"kubectl apply -f fix.yaml", K8SA_KUBECTL_MUTATING},
		{"kubectl create deployment x --image=y", K8SA_KUBECTL_MUTATING},
		{"kubectl delete pod x", K8SA_KUBECTL_MUTATING},
		{"kubectl --context prod delete pod x", K8SA_KUBECTL_MUTATING},
		{"kubectl edit deploy x", K8SA_KUBECTL_MUTATING},
		{"kubectl patch deploy x -p '{\"spec\":{}}'", K8SA_KUBECTL_MUTATING},
		{"kubectl replace -f x.yaml", K8SA_KUBECTL_MUTATING},
		{"kubectl scale deploy x --replicas=3", K8SA_KUBECTL_MUTATING},
		{"kubectl rollout restart deployment/cart", K8SA_KUBECTL_MUTATING},
		{"kubectl rollout undo deployment/cart", K8SA_KUBECTL_MUTATING},
		{"kubectl set image deployment/cart cart=img:2", K8SA_KUBECTL_MUTATING},
		{"kubectl set resources deployment/cart --limits=memory=256Mi", K8SA_KUBECTL_MUTATING},
		{"kubectl label pod x a=b", K8SA_KUBECTL_MUTATING},
		{"kubectl annotate pod x a=b", K8SA_KUBECTL_MUTATING},
		{"kubectl cordon node1", K8SA_KUBECTL_MUTATING},
		{"kubectl drain node1 --ignore-daemonsets", K8SA_KUBECTL_MUTATING},
		{"kubectl taint nodes node1 k=v:NoSchedule", K8SA_KUBECTL_MUTATING},
		{"kubectl exec -it x -- sh", K8SA_KUBECTL_MUTATING},
		{"kubectl cp x:/tmp/a b", K8SA_KUBECTL_MUTATING},
		{"kubectl frobnicate x", K8SA_KUBECTL_MUTATING},
		{"kubectl get secret db -o yaml", K8SA_KUBECTL_SECRET},
		{"kubectl get secret db -oyaml", K8SA_KUBECTL_SECRET},
		{"kubectl get secrets db --output=json", K8SA_KUBECTL_SECRET},
		{"kubectl get pods,secrets -o yaml", K8SA_KUBECTL_SECRET},
		{"kubectl get secret db --template={{.data.password}}", K8SA_KUBECTL_SECRET},
		{"kubectl get secret db -o name", 0},
		{"kubectl get secrets", 0},
		{"kubectl describe secret db", 0},
		{"kubectl edit secret db", K8SA_KUBECTL_SECRET | K8SA_KUBECTL_MUTATING},
		{"kubectl view-secret db password", K8SA_KUBECTL_SECRET},
		{"kubectl create secret generic x --from-literal=a=b", K8SA_KUBECTL_MUTATING},
		{"helm install x", -1},
		{"kubectlfoo get pods", -1},
	};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		ck_assert_msg(k8sa_kubectl_classify(t[i].cmd) == t[i].cls, "%s: %d, want %d", t[i].cmd,
			      k8sa_kubectl_classify(t[i].cmd), t[i].cls);
}
END_TEST

START_TEST(snapshot_names_are_known)
{
	char dir[1024];
	snprintf(dir, sizeof(dir), "%s/tests/scenarios/demo-shop", K8SA_TEST_SRCDIR);
	k8sa_snapshot *snap = NULL;
	k8sa_error e = {0};
	ck_assert_msg(k8sa_snapshot_load_dir(dir, "shop", NULL, &snap, &e) == K8SA_OK, "%s", e.message);
	k8sa_verifier *v = NULL;
	ck_assert_int_eq(k8sa_verifier_new(&v, NULL), K8SA_OK);
	ck_assert_int_eq(k8sa_verifier_add_snapshot(v, snap, NULL), K8SA_OK);
	ck_assert_uint_gt(k8sa_verifier_name_count(v), 20);
	char *json = NULL;
	ck_assert_int_eq(k8sa_verifier_check(v, "The deployment cart in shop is short of memory; pod "
					     "`cart-0000000000-qqqqq` is made up.", &json, NULL), K8SA_OK);
	json_object *o = json_tokener_parse(json);
	ck_assert(has(o, "unknown_names", "cart-0000000000-qqqqq"));
	ck_assert_uint_eq(count(o, "unknown_names"), 1);
	json_object_put(o);
	free(json);
	k8sa_verifier_free(v);
	k8sa_snapshot_free(snap);
}
END_TEST

START_TEST(null_arguments)
{
	char *json = NULL;
	ck_assert_int_eq(k8sa_verifier_check(NULL, "x", &json, NULL), K8SA_E_INVALID_ARG);
	ck_assert_int_eq(k8sa_verifier_new(NULL, NULL), K8SA_E_INVALID_ARG);
	k8sa_verifier_free(NULL);
	ck_assert_int_eq(k8sa_kubectl_classify(NULL), -1);
}
END_TEST

Suite *k8sa_test_suite(void)
{
	Suite *s = suite_create("verify");
	TCase *tc = tcase_create("verify");
	tcase_add_test(tc, made_up_pod_and_delete_are_caught);
	tcase_add_test(tc, names_in_prose_and_commands);
	tcase_add_test(tc, secret_commands);
	tcase_add_test(tc, classify_table);
	tcase_add_test(tc, snapshot_names_are_known);
	tcase_add_test(tc, null_arguments);
	suite_add_tcase(s, tc);
	return s;
}
