/* SPDX-License-Identifier: MIT */
/* Analyzers: the shared scenarios (loaded from disk through the same reducers the client
 * path uses, checked against their expect.json), and edge cases built from inline JSON. */
#include "internal.h"
#include "analyze_internal.h"
#include <k8sagent/k8sagent.h>

#include <check.h>

#include "lib/check_main.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *srcdir(void)
{
	const char *top = getenv("top_srcdir");
	return top ? top : K8SA_TEST_SRCDIR;
}

/* ---- expect.json checker ------------------------------------------------------------------- */

static int name_matches(const k8sa_findings *f, size_t i, const char *name)
{
	if (strcmp(k8sa_finding_name(f, i), name) == 0)
		return 1;
	for (size_t j = 0; j < k8sa_finding_member_count(f, i); j++)
		if (strcmp(k8sa_finding_member(f, i, j), name) == 0)
			return 1;
	return 0;
}

static long find(const k8sa_findings *f, const char *code, const char *kind, const char *name)
{
	for (size_t i = 0; i < k8sa_findings_count(f); i++)
		if ((!code || strcmp(k8sa_finding_code(f, i), code) == 0) && strcmp(k8sa_finding_kind(f, i), kind) == 0 &&
		    name_matches(f, i, name))
			return (long)i;
	return -1;
}

/* The index of the finding (code, kind, name); the test fails when there is none. */
static size_t must_find(const k8sa_findings *f, const char *code, const char *kind, const char *name)
{
	long i = find(f, code, kind, name);
	ck_assert_msg(i >= 0, "no %s finding on %s %s", code ? code : "", kind, name);
	return i;
}

/* The only finding there is has this code. */
static void only_finding(const k8sa_findings *f, const char *code)
{
	ck_assert_uint_eq(k8sa_findings_count(f), 1);
	ck_assert_str_eq(k8sa_finding_code(f, 0), code);
}

static int listed(json_object *arr, const k8sa_findings *f, size_t i)
{
	for (size_t k = 0; arr && k < json_object_array_length(arr); k++) {
		json_object *e = json_object_array_get_idx(arr, k), *kind, *name;
		json_object_object_get_ex(e, "kind", &kind);
		json_object_object_get_ex(e, "name", &name);
		if (strcmp(k8sa_finding_kind(f, i), json_object_get_string(kind)) == 0 &&
		    name_matches(f, i, json_object_get_string(name)))
			return 1;
	}
	return 0;
}

static void check_scenario(const char *name)
{
	char dir[4096], path[4200];
	snprintf(dir, sizeof(dir), "%.3000s/tests/scenarios/%s", srcdir(), name);
	snprintf(path, sizeof(path), "%s/expect.json", dir);
	json_object *exp = json_object_from_file(path);
	ck_assert_msg(exp != NULL, "cannot read %s", path);
	json_object *jns, *jf, *jallowed = NULL, *jroot = NULL, *jev = NULL, *jabs = NULL;
	ck_assert(json_object_object_get_ex(exp, "namespace", &jns));
	ck_assert(json_object_object_get_ex(exp, "findings", &jf));
	json_object_object_get_ex(exp, "allowed", &jallowed);
	json_object_object_get_ex(exp, "root_cause", &jroot);
	json_object_object_get_ex(exp, "evidence", &jev);
	json_object_object_get_ex(exp, "absent", &jabs);

	k8sa_snapshot *snap = NULL;
	k8sa_error err;
	ck_assert_int_eq(k8sa_snapshot_load_dir(dir, json_object_get_string(jns), NULL, &snap, &err), K8SA_OK);
	k8sa_findings *f = NULL;
	ck_assert_int_eq(k8sa_analyze(snap, &f, &err), K8SA_OK);
	char *json = NULL, *text = NULL;
	ck_assert_int_eq(k8sa_findings_to_json(f, &json, &err), K8SA_OK);
	ck_assert_int_eq(k8sa_findings_to_text(f, &text, &err), K8SA_OK);

	for (size_t k = 0; k < json_object_array_length(jf); k++) {
		json_object *e = json_object_array_get_idx(jf, k), *code, *kind, *nm;
		json_object_object_get_ex(e, "code", &code);
		json_object_object_get_ex(e, "kind", &kind);
		json_object_object_get_ex(e, "name", &nm);
		ck_assert_msg(find(f, json_object_get_string(code), json_object_get_string(kind), json_object_get_string(nm)) >= 0,
			      "%s: missing %s %s %s in\n%s", name, json_object_get_string(code),
			      json_object_get_string(kind), json_object_get_string(nm), text);
	}
	/* every finding is a row of the code table: its kind, and at most its severity */
	for (size_t i = 0; i < k8sa_findings_count(f); i++) {
		size_t r = 0;
		while (r < FC_COUNT && strcmp(fc_table[r].code, k8sa_finding_code(f, i)) != 0)
			r++;
		ck_assert_msg(r < FC_COUNT, "%s: code %s is not in finding_codes.def", name, k8sa_finding_code(f, i));
		ck_assert_str_eq(k8sa_finding_kind(f, i), fc_table[r].kind);
		ck_assert_int_le(k8sa_finding_severity(f, i), fc_table[r].severity);
	}
	/* noise: warning/critical findings on objects neither expected nor allowed */
	for (size_t i = 0; i < k8sa_findings_count(f); i++) {
		if (k8sa_finding_severity(f, i) == K8SA_SEV_INFO)
			continue;
		ck_assert_msg(listed(jf, f, i) || listed(jallowed, f, i), "%s: noise %s %s %s", name, k8sa_finding_code(f, i),
			      k8sa_finding_kind(f, i), k8sa_finding_name(f, i));
	}
	if (jroot && json_object_is_type(jroot, json_type_object)) {
		json_object *code, *kind, *nm;
		json_object_object_get_ex(jroot, "code", &code);
		json_object_object_get_ex(jroot, "kind", &kind);
		json_object_object_get_ex(jroot, "name", &nm);
		long i = find(f, json_object_get_string(code), json_object_get_string(kind), json_object_get_string(nm));
		ck_assert_msg(i >= 0 && k8sa_finding_root_cause(f, (size_t)i), "%s: root cause not marked", name);
		/* and it comes first */
		ck_assert_msg(i == 0, "%s: root cause is finding %ld, not the first", name, i);
	} else {
		for (size_t i = 0; i < k8sa_findings_count(f); i++)
			ck_assert(!k8sa_finding_root_cause(f, i));
		ck_assert_uint_eq(k8sa_findings_problem_count(f), 0);
		ck_assert(strstr(text, "No problems found") != NULL);
	}
	/* the decisive facts are in the findings (hence in what the prompt gets) */
	for (size_t k = 0; jev && k < json_object_array_length(jev); k++) {
		const char *s = json_object_get_string(json_object_array_get_idx(jev, k));
		ck_assert_msg(strstr(json, s) != NULL, "%s: evidence '%s' missing", name, s);
	}
	for (size_t k = 0; jabs && k < json_object_array_length(jabs); k++) {
		const char *s = json_object_get_string(json_object_array_get_idx(jabs, k));
		ck_assert_msg(strstr(json, s) == NULL, "%s: '%s' must not appear", name, s);
	}
	/* the JSON parses and has the documented shape */
	json_object *back = json_tokener_parse(json);
	ck_assert(back != NULL);
	json_object *bns, *bf;
	ck_assert(json_object_object_get_ex(back, "namespace", &bns));
	ck_assert_str_eq(json_object_get_string(bns), json_object_get_string(jns));
	ck_assert(json_object_object_get_ex(back, "findings", &bf));
	ck_assert_uint_eq(json_object_array_length(bf), k8sa_findings_count(f));
	for (size_t i = 0; i < json_object_array_length(bf); i++) {
		static const char *const keys[] = {"code", "severity", "kind", "namespace", "name", "members",
						   "container", "summary", "evidence", "commands", "root_cause"};
		for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++)
			ck_assert_msg(json_object_object_get_ex(json_object_array_get_idx(bf, i), keys[k], NULL), "no %s",
				      keys[k]);
	}
	json_object_put(back);
	k8sa_free(json);
	k8sa_free(text);
	k8sa_findings_free(f);
	k8sa_snapshot_free(snap);
	json_object_put(exp);
}

START_TEST(scenario_demo_shop) { check_scenario("demo-shop"); }
END_TEST
START_TEST(scenario_crashloop_panic) { check_scenario("crashloop-panic"); }
END_TEST
START_TEST(scenario_job_deadline) { check_scenario("job-deadline"); }
END_TEST
START_TEST(scenario_pending_cpu) { check_scenario("pending-insufficient-cpu"); }
END_TEST
START_TEST(scenario_pvc) { check_scenario("pvc-no-storageclass"); }
END_TEST
START_TEST(scenario_healthy) { check_scenario("healthy"); }
END_TEST

START_TEST(demo_shop_details)
{
	char dir[4096];
	snprintf(dir, sizeof(dir), "%.3000s/tests/scenarios/demo-shop", srcdir());
	k8sa_snapshot *snap;
	ck_assert_int_eq(k8sa_snapshot_load_dir(dir, "shop", NULL, &snap, NULL), K8SA_OK);
	/* logs only for the unhealthy container, previous instance only (it waits now) */
	ck_assert_uint_eq(k8sa_snapshot_log_count(snap), 1);
	ck_assert_uint_eq(k8sa_snapshot_count(snap, K8SA_RES_PODS), 6);
	ck_assert_uint_eq(k8sa_snapshot_count(snap, K8SA_RES_NODES), 3);
	ck_assert_uint_eq(k8sa_snapshot_count(snap, K8SA_RES_DEPLOYMENTS), 4);
	k8sa_findings *f;
	ck_assert_int_eq(k8sa_analyze(snap, &f, NULL), K8SA_OK);
	size_t i = must_find(f, "OOMKilled", "Pod", "cart-tjfjrxcqw9-7j69q");
	ck_assert_str_eq(k8sa_finding_container(f, i), "cart");
	ck_assert_int_eq(k8sa_finding_severity(f, i), K8SA_SEV_CRITICAL);
	int lim = 0, last = 0;
	for (size_t j = 0; j < k8sa_finding_evidence_count(f, i); j++) {
		lim |= strcmp(k8sa_finding_evidence(f, i, j), "limits: memory 64Mi") == 0;
		last |= strstr(k8sa_finding_evidence(f, i, j), "lastState.terminated: reason=OOMKilled exitCode=137") != NULL;
	}
	ck_assert(lim && last);
	ck_assert_str_eq(k8sa_finding_command(f, i, 1), "kubectl logs cart-tjfjrxcqw9-7j69q -n shop -c cart --previous");
	/* ImagePullBackOff is a root of its own group; the two Deployments are consequences */
	long p = find(f, "ImagePullBackOff", "Pod", "payment-k48qjvtqd6-rggbr");
	ck_assert(p >= 0 && k8sa_finding_root_cause(f, (size_t)p));
	long d = find(f, "DeploymentUnavailable", "Deployment", "cart");
	ck_assert(d >= 0 && !k8sa_finding_root_cause(f, (size_t)d));
	/* out-of-range getters are safe */
	ck_assert_ptr_null(k8sa_finding_code(f, 999));
	ck_assert_ptr_null(k8sa_finding_evidence(f, 0, 999));
	k8sa_findings_free(f);
	/* snapshot JSON carries no env values */
	char *js;
	ck_assert_int_eq(k8sa_snapshot_to_json(snap, &js, NULL), K8SA_OK);
	ck_assert(strstr(js, "REDIS_URL") != NULL);
	json_object *o = json_tokener_parse(js);
	ck_assert(o != NULL);
	json_object *pods;
	ck_assert(json_object_object_get_ex(o, "pods", &pods));
	ck_assert_uint_eq(json_object_array_length(pods), 6);
	json_object_put(o);
	k8sa_free(js);
	k8sa_snapshot_free(snap);
}
END_TEST

/* ---- edge cases on small inputs (tests/data/analyze/) ---------------------------------------------------------------- */

/* Build a snapshot from {"pods": [...], "events": [...], ...} (keys = plural resource names). */
static k8sa_snapshot *build(const char *json)
{
	json_object *doc = json_tokener_parse(json);
	ck_assert_msg(doc != NULL, "bad test JSON: %s", json);
	k8sa_snapshot *s = k8sa_snap_new("t", &k8sa_snap_default_opts);
	ck_assert(s != NULL);
	json_object_object_foreach(doc, key, arr) {
		k8sa_resource res = K8SA_RES_COUNT;
		for (int r = 0; r < K8SA_RES_COUNT; r++)
			if (strcmp(k8sa_snap_resource_name((k8sa_resource)r), key) == 0)
				res = (k8sa_resource)r;
		ck_assert_msg(res != K8SA_RES_COUNT, "unknown resource %s", key);
		for (size_t i = 0; i < json_object_array_length(arr); i++)
			ck_assert_int_eq(m_model_add(&s->m, res, json_object_array_get_idx(arr, i)), K8SA_OK);
	}
	json_object_put(doc);
	ck_assert_int_eq(m_model_finish(&s->m), K8SA_OK);
	return s;
}

static k8sa_findings *run(const char *json, k8sa_snapshot **keep)
{
	k8sa_snapshot *s = build(json);
	k8sa_findings *f = NULL;
	ck_assert_int_eq(k8sa_analyze(s, &f, NULL), K8SA_OK);
	if (keep)
		*keep = s;
	else
		k8sa_snapshot_free(s);
	return f;
}

/* run() on the input tests/data/analyze/NAME.json. */
static k8sa_findings *run_data(const char *name, k8sa_snapshot **keep)
{
	char path[4096], *text = NULL;
	snprintf(path, sizeof(path), "%.3000s/tests/data/analyze/%s.json", srcdir(), name);
	ck_assert_int_eq(k8sa_read_file(path, 1 << 20, &text, NULL, NULL), K8SA_OK);
	k8sa_findings *f = run(text, keep);
	free(text);
	return f;
}

static int has_evidence(const k8sa_findings *f, size_t i, const char *sub)
{
	for (size_t j = 0; j < k8sa_finding_evidence_count(f, i); j++)
		if (strstr(k8sa_finding_evidence(f, i, j), sub))
			return 1;
	return 0;
}

/* Small inputs and what the analyzers must make of them, one line each:
 *   "CODE KIND NAME"          that finding is there ("CODE KIND NAME: TEXT": with that evidence)
 *   "no CODE KIND NAME"       it is not ("no * KIND NAME": no finding at all on the object)
 *   "only CODE [CONTAINER]"   it is the only finding (on that container)
 *   "quiet"                   no warning or critical finding */
static const struct small_case {
	const char *input; /* tests/data/analyze/INPUT.json */
	const char *expect[3];
} small_cases[] = {
	/* no crash on missing fields; a Deployment with no status and 1 replica by default is unavailable */
	{"missing-fields", {"DeploymentUnavailable Deployment d"}},
	{"unknown-reasons", {"quiet"}},
	/* events.k8s.io/v1 shape: regarding, note, series, eventTime */
	{"new-event-shape",
	 {"Unschedulable Pod p: FailedScheduling (x7): 0/3 nodes are available: 3 Insufficient cpu.",
	  "Unschedulable Pod p: requests: cpu 64"}},
	{"job-failed-then-completed", {"no JobFailed Job j", "JobFailed Job k: backoffLimit: 2"}},
	/* an HPA idle at minReplicas is fine; one without metrics is not */
	{"hpa-min-and-broken",
	 {"no * HorizontalPodAutoscaler idle", "HPAUnableToScale HorizontalPodAutoscaler blind: FailedGetResourceMetric"}},
	{"evicted-not-a-crash", {"only Evicted", "Evicted Pod e: low on resource: memory"}},
	{"failing-sidecar", {"only CrashLoopBackOff proxy"}},
	{"init-container-failing", {"only InitContainerFailing migrate", "InitContainerFailing Pod i: exitCode=3"}},
	/* a pod Ready now, with BackOff/Unhealthy events from before it became ready */
	{"stale-events-ignored", {"quiet"}},
};

static void expect_line(const k8sa_findings *f, const char *input, const char *e)
{
	char code[64], kind[64], name[128];
	const char *text = strstr(e, ": ");
	int n;
	if (strcmp(e, "quiet") == 0) {
		ck_assert_msg(k8sa_findings_problem_count(f) == 0, "%s: problems found", input);
	} else if ((n = sscanf(e, "only %63s %127s", code, name)) >= 1) {
		only_finding(f, code);
		if (n == 2)
			ck_assert_str_eq(k8sa_finding_container(f, 0), name);
	} else if (sscanf(e, "no %63s %63s %127s", code, kind, name) == 3) {
		ck_assert_msg(find(f, strcmp(code, "*") ? code : NULL, kind, name) < 0, "%s: unexpected %s", input, e);
	} else {
		ck_assert_int_eq(sscanf(e, "%63s %63s %127[^:]", code, kind, name), 3);
		size_t i = must_find(f, code, kind, name);
		ck_assert_msg(!text || has_evidence(f, i, text + 2), "%s: no evidence '%s'", input, text + 2);
	}
}

START_TEST(small_inputs)
{
	const struct small_case *c = &small_cases[_i];
	k8sa_findings *f = run_data(c->input, NULL);
	for (size_t k = 0; k < sizeof(c->expect) / sizeof(c->expect[0]) && c->expect[k]; k++)
		expect_line(f, c->input, c->expect[k]);
	k8sa_findings_free(f);
}
END_TEST

START_TEST(huge_restart_counts)
{
	k8sa_snapshot *s;
	k8sa_findings *f = run_data("huge-restart-counts", &s);
	size_t i = must_find(f, "HighRestartCount", "Pod", "p");
	ck_assert(has_evidence(f, i, "restartCount: 2147483647"));
	ck_assert_str_eq(k8sa_finding_container(f, i), "a");
	const m_pod *p = &s->m.pods.v[0];
	ck_assert(p->statuses[1].restarts == INT64_MAX);
	ck_assert(p->statuses[2].restarts == 0);
	k8sa_findings_free(f);
	k8sa_snapshot_free(s);
}
END_TEST

START_TEST(pod_and_service_same_name)
{
	k8sa_findings *f = run_data("pod-and-service-same-name", NULL);
	size_t p = must_find(f, "CrashLoopBackOff", "Pod", "web");
	size_t s = must_find(f, "ServiceNoEndpoints", "Service", "web");
	ck_assert(has_evidence(f, p, "pod-only"));
	ck_assert(!has_evidence(f, p, "service-only"));
	ck_assert(!has_evidence(f, p, "other-namespace"));
	ck_assert(!has_evidence(f, s, "pod-only"));
	/* the service is a consequence of the crashing pod */
	ck_assert(k8sa_finding_root_cause(f, p));
	ck_assert(!k8sa_finding_root_cause(f, s));
	k8sa_findings_free(f);
}
END_TEST

START_TEST(grouping_by_owner)
{
	char *json = malloc(200000);
	size_t off = (size_t)sprintf(json, "{\"replicasets\":[{\"metadata\":{\"name\":\"web-1\",\"namespace\":\"t\",\"ownerReferences\":"
					   "[{\"kind\":\"Deployment\",\"name\":\"web\",\"controller\":true}]},\"spec\":{\"replicas\":30}}],"
					   "\"deployments\":[{\"metadata\":{\"name\":\"web\",\"namespace\":\"t\"},\"spec\":{\"replicas\":30},\"status\":{\"availableReplicas\":0}}],"
					   "\"pods\":[");
	for (int i = 0; i < 30; i++)
		off += (size_t)sprintf(json + off,
				       "%s{\"metadata\":{\"name\":\"web-1-%02d\",\"namespace\":\"t\",\"ownerReferences\":[{\"kind\":\"ReplicaSet\",\"name\":\"web-1\",\"controller\":true}]},"
				       "\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":\"x:nope\"}]},\"status\":{\"phase\":\"Pending\",\"containerStatuses\":[{\"name\":\"c\","
				       "\"state\":{\"waiting\":{\"reason\":\"ImagePullBackOff\"}}}]}}",
				       i ? "," : "", i);
	strcpy(json + off, "]}");
	k8sa_findings *f = run(json, NULL);
	free(json);
	ck_assert_uint_eq(k8sa_findings_count(f), 2);
	long i = find(f, "ImagePullBackOff", "Pod", "web-1-17");
	ck_assert_int_eq(i, 0);
	ck_assert_uint_eq(k8sa_finding_member_count(f, 0), 30);
	ck_assert_str_eq(k8sa_finding_name(f, 0), "web-1-00");
	ck_assert(k8sa_finding_root_cause(f, 0));
	ck_assert_str_eq(k8sa_finding_code(f, 1), "DeploymentUnavailable");
	k8sa_findings_free(f);
}
END_TEST

START_TEST(nodes_allowlist)
{
	k8sa_findings *f = run_data("nodes-allowlist", NULL);
	ck_assert_int_lt(find(f, NULL, "Node", "a"), 0);
	must_find(f, "NodeNotReady", "Node", "b");
	must_find(f, "NodePressure", "Node", "c");
	must_find(f, "NodeUnschedulable", "Node", "c");
	ck_assert_uint_eq(k8sa_findings_count(f), 3);
	ck_assert_str_eq(k8sa_finding_namespace(f, 0), "");
	k8sa_findings_free(f);
}
END_TEST

START_TEST(quota_root_of_failed_create)
{
	k8sa_findings *f = run_data("quota-root-of-failed-create", NULL);
	size_t q = must_find(f, "QuotaExceeded", "ResourceQuota", "compute");
	size_t r = must_find(f, "ReplicaSetCreateFailed", "ReplicaSet", "api-1");
	size_t d = must_find(f, "DeploymentUnavailable", "Deployment", "api");
	ck_assert_int_eq(q, 0);
	ck_assert(k8sa_finding_root_cause(f, q));
	ck_assert(!k8sa_finding_root_cause(f, r));
	ck_assert(!k8sa_finding_root_cause(f, d));
	ck_assert(has_evidence(f, q, "pods: used 4 / hard 4"));
	ck_assert(!has_evidence(f, q, "requests.cpu: used"));
	k8sa_findings_free(f);
}
END_TEST

START_TEST(ingress_and_config)
{
	k8sa_findings *f = run_data("ingress-and-config", NULL);
	ck_assert_int_lt(find(f, NULL, "Ingress", "ok"), 0);
	size_t g = must_find(f, "IngressBackendMissing", "Ingress", "bad");
	ck_assert(has_evidence(f, g, "gone (port 80) does not exist"));
	ck_assert(has_evidence(f, g, "web has no port grpc"));
	size_t c = must_find(f, "CreateContainerConfigError", "Pod", "p");
	ck_assert(has_evidence(f, c, "key b of ConfigMap cfg, which has no such key"));
	ck_assert(has_evidence(f, c, "ConfigMap missing, which does not exist"));
	ck_assert(has_evidence(f, c, "Secret db key password"));
	char *js;
	ck_assert_int_eq(k8sa_findings_to_json(f, &js, NULL), K8SA_OK);
	ck_assert(strstr(js, "literal-value") == NULL && strstr(js, "secret-ish-value") == NULL);
	k8sa_free(js);
	k8sa_findings_free(f);
}
END_TEST

START_TEST(event_dedupe_and_bounds)
{
	k8sa_snapshot_opts *o = NULL;
	ck_assert_int_eq(k8sa_snapshot_opts_new(&o, NULL), K8SA_OK);
	k8sa_snapshot_opts_set_max_events(o, 3);
	k8sa_snapshot_opts_set_max_pods(o, 2);
	k8sa_snapshot *s = k8sa_snap_new("t", o);
	char buf[512];
	for (int i = 0; i < 10; i++) {
		/* 10 copies of one event (counts summed) and 10 distinct ones */
		snprintf(buf, sizeof(buf), "{\"involvedObject\":{\"kind\":\"Pod\",\"namespace\":\"t\",\"name\":\"p\"},\"reason\":\"R\","
			 "\"type\":\"Warning\",\"message\":\"same\",\"count\":2,\"lastTimestamp\":\"2026-01-01T10:%02d:00Z\"}", i);
		json_object *e = json_tokener_parse(buf);
		ck_assert_int_eq(m_model_add(&s->m, K8SA_RES_EVENTS, e), K8SA_OK);
		json_object_put(e);
		snprintf(buf, sizeof(buf), "{\"involvedObject\":{\"kind\":\"Pod\",\"namespace\":\"t\",\"name\":\"p\"},\"reason\":\"R\","
			 "\"type\":\"Warning\",\"message\":\"m%d\",\"lastTimestamp\":\"2026-01-01T09:%02d:00Z\"}", i, i);
		e = json_tokener_parse(buf);
		ck_assert_int_eq(m_model_add(&s->m, K8SA_RES_EVENTS, e), K8SA_OK);
		json_object_put(e);
	}
	/* pods: 2 healthy then 1 unhealthy; the unhealthy one displaces a healthy one */
	for (int i = 0; i < 3; i++) {
		snprintf(buf, sizeof(buf), "{\"metadata\":{\"name\":\"p%d\",\"namespace\":\"t\"},\"status\":{\"phase\":\"%s\","
			 "\"containerStatuses\":[{\"name\":\"c\",\"ready\":%s,\"restartCount\":0}]}}", i, i < 2 ? "Running" : "Pending",
			 i < 2 ? "true" : "false");
		json_object *p = json_tokener_parse(buf);
		ck_assert_int_eq(m_model_add(&s->m, K8SA_RES_PODS, p), K8SA_OK);
		json_object_put(p);
	}
	ck_assert_int_eq(m_model_finish(&s->m), K8SA_OK);
	ck_assert_uint_eq(k8sa_snapshot_count(s, K8SA_RES_EVENTS), 3);
	ck_assert_uint_eq(k8sa_snapshot_count(s, K8SA_RES_PODS), 2);
	ck_assert_ptr_nonnull(m_find_pod(&s->m, "t", "p2"));
	/* the merged event is the newest and has count 20 */
	ck_assert_str_eq(s->m.events.v[0].message, "same");
	ck_assert_int_eq(s->m.events.v[0].count, 20);
	char *js;
	ck_assert_int_eq(k8sa_snapshot_to_json(s, &js, NULL), K8SA_OK);
	ck_assert(strstr(js, "events: 8 more omitted") != NULL);
	ck_assert(strstr(js, "pods: 1 more omitted") != NULL);
	k8sa_free(js);
	k8sa_snapshot_free(s);
	k8sa_snapshot_opts_free(o);
}
END_TEST

START_TEST(log_tail)
{
	char t[] = "a\nb\nc\nd\n";
	int cut;
	size_t n = k8sa_log_tail(t, strlen(t), 2, 0, &cut);
	ck_assert_str_eq(t, "c\nd\n");
	ck_assert(cut && n == 4);
	char u[] = "0123456789";
	n = k8sa_log_tail(u, strlen(u), 50, 4, &cut);
	ck_assert_str_eq(u, "6789");
	char v[] = "short";
	n = k8sa_log_tail(v, strlen(v), 50, 100, &cut);
	ck_assert(!cut && n == 5);
	ck_assert_int_eq(m_parse_time("2026-11-24T14:59:00Z") - m_parse_time("2026-11-24T14:58:00.123456Z"), 60);
	ck_assert_int_eq(m_parse_time("2026-11-24T16:59:00+02:00"), m_parse_time("2026-11-24T14:59:00Z"));
	ck_assert_int_eq(m_parse_time(NULL), 0);
	ck_assert_int_eq(m_parse_time("garbage"), 0);
	int ok;
	ck_assert(m_parse_quantity("64Mi", &ok) == 64.0 * 1048576 && ok);
	ck_assert(m_parse_quantity("1500m", &ok) == 1.5 && ok);
	m_parse_quantity("12zz", &ok);
	ck_assert(!ok);
}
END_TEST

START_TEST(all_namespaces_and_text)
{
	char dir[4096];
	snprintf(dir, sizeof(dir), "%.3000s/tests/scenarios/demo-shop", srcdir());
	k8sa_snapshot *snap;
	ck_assert_int_eq(k8sa_snapshot_load_dir(dir, NULL, NULL, &snap, NULL), K8SA_OK);
	ck_assert_ptr_null(k8sa_snapshot_namespace(snap));
	k8sa_findings *f;
	ck_assert_int_eq(k8sa_analyze(snap, &f, NULL), K8SA_OK);
	char *js, *txt;
	ck_assert_int_eq(k8sa_findings_to_json(f, &js, NULL), K8SA_OK);
	ck_assert(strncmp(js, "{\"namespace\":\"*\"", 16) == 0);
	ck_assert_int_eq(k8sa_findings_to_text(f, &txt, NULL), K8SA_OK);
	ck_assert(strstr(txt, "ROOT CAUSE [critical] OOMKilled: Pod shop/cart-tjfjrxcqw9-7j69q (container cart)") != NULL);
	ck_assert(strstr(txt, "all namespaces") != NULL);
	k8sa_free(js);
	k8sa_free(txt);
	k8sa_findings_free(f);
	k8sa_snapshot_free(snap);
	/* errors */
	k8sa_error err;
	ck_assert_int_eq(k8sa_snapshot_load_dir("/nonexistent/x", NULL, NULL, &snap, &err), K8SA_E_IO);
	ck_assert_int_eq(k8sa_analyze(NULL, &f, &err), K8SA_E_INVALID_ARG);
	k8sa_findings_free(NULL);
	k8sa_snapshot_free(NULL);
	k8sa_snapshot_opts_free(NULL);
}
END_TEST

Suite *k8sa_test_suite(void)
{
	Suite *s = suite_create("analyze");
	TCase *sc = tcase_create("scenarios");
	tcase_add_test(sc, scenario_demo_shop);
	tcase_add_test(sc, scenario_crashloop_panic);
	tcase_add_test(sc, scenario_job_deadline);
	tcase_add_test(sc, scenario_pending_cpu);
	tcase_add_test(sc, scenario_pvc);
	tcase_add_test(sc, scenario_healthy);
	tcase_add_test(sc, demo_shop_details);
	tcase_add_test(sc, all_namespaces_and_text);
	suite_add_tcase(s, sc);
	TCase *ec = tcase_create("edge");
	tcase_add_loop_test(ec, small_inputs, 0, (int)(sizeof(small_cases) / sizeof(small_cases[0])));
	tcase_add_test(ec, huge_restart_counts);
	tcase_add_test(ec, pod_and_service_same_name);
	tcase_add_test(ec, grouping_by_owner);
	tcase_add_test(ec, nodes_allowlist);
	tcase_add_test(ec, quota_root_of_failed_create);
	tcase_add_test(ec, ingress_and_config);
	tcase_add_test(ec, event_dedupe_and_bounds);
	tcase_add_test(ec, log_tail);
	suite_add_tcase(s, ec);
	return s;
}
