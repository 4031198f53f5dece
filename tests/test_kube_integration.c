/* SPDX-License-Identifier: MIT */
/* The client against kubesim: every scenario listed in full (in parallel, paged) and its logs
 * read, counts compared with the scenario files; RBAC 403, faults (410, 5xx, 429, truncated
 * bodies), TLS and transport failures, token rotation. Afterwards the audit log must show only
 * GETs and no request touching secrets. */
#include "internal.h"
#include "kube_internal.h"
#include "kubeconfig_internal.h"
#include <k8sagent/k8sagent.h>

#include <check.h>

#include "lib/check_main.h"
#include "lib/sim.h"
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static char top_src[2048], top_build[2048];

/* snprintf without GCC's truncation guesses: paths here are short, and truncation would
 * only make a test fail. */
static void fmt(char *buf, size_t size, const char *f, ...) K8SA_PRINTF(3, 4);
static void fmt(char *buf, size_t size, const char *f, ...)
{
	va_list ap;
	va_start(ap, f);
	vsnprintf(buf, size, f, ap);
	va_end(ap);
}

typedef struct kubesim {
	pid_t pid;
	char dir[64];
	char kubeconfig[128];
	char audit[128];
} kubesim;

static kubesim ks_all[4];
static int ks_n;

static int file_size(const char *p)
{
	struct stat st;
	return stat(p, &st) == 0 ? (int)st.st_size : -1;
}

static void dump_file(const char *p)
{
	FILE *f = fopen(p, "r");
	char line[512];
	while (f && fgets(line, sizeof(line), f))
		fprintf(stderr, "  %s", line);
	if (f)
		fclose(f);
}

/* Start kubesim on a scenario (path) with extra options (NULL-terminated). */
static kubesim *kubesim_start(const char *scenario, ...)
{
	ck_assert_int_lt(ks_n, 4);
	kubesim *ks = &ks_all[ks_n++];
	char bin[2200], out[128], errf[128];
	const char *argv[40];
	int argc = 0;
	va_list ap;

	fmt(bin, sizeof(bin), "%s/tests/kubesim/kubesim", top_build);
	fmt(ks->dir, sizeof(ks->dir), "/tmp/k8sa-ks-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(ks->dir));
	fmt(ks->kubeconfig, sizeof(ks->kubeconfig), "%s/kubeconfig", ks->dir);
	fmt(ks->audit, sizeof(ks->audit), "%s/audit.jsonl", ks->dir);
	fmt(out, sizeof(out), "%s/stdout", ks->dir);
	fmt(errf, sizeof(errf), "%s/stderr", ks->dir);
	argv[argc++] = bin;
	argv[argc++] = "--scenario";
	argv[argc++] = scenario;
	argv[argc++] = "--listen";
	argv[argc++] = "127.0.0.1:0";
	argv[argc++] = "--write-kubeconfig";
	argv[argc++] = ks->kubeconfig;
	argv[argc++] = "--audit-log";
	argv[argc++] = ks->audit;
	va_start(ap, scenario);
	for (const char *a; (a = va_arg(ap, const char *)) && argc < 38;)
		argv[argc++] = a;
	va_end(ap);
	argv[argc] = NULL;

	ks->pid = fork();
	ck_assert_int_ge(ks->pid, 0);
	if (ks->pid == 0) {
		if (!freopen(out, "w", stdout) || !freopen(errf, "w", stderr))
			_exit(126);
		execv(bin, (char *const *)argv);
		_exit(127);
	}
	for (int i = 0; i < 400 && file_size(ks->kubeconfig) <= 0; i++) {
		int status;
		if (waitpid(ks->pid, &status, WNOHANG) == ks->pid) {
			fprintf(stderr, "kubesim failed to start (status %d):\n", status);
			dump_file(errf);
			ks->pid = 0;
			ck_abort_msg("kubesim did not start for %s", scenario);
		}
		usleep(25000);
	}
	ck_assert_msg(file_size(ks->kubeconfig) > 0, "kubesim wrote no kubeconfig");
	return ks;
}

static void stop_kubesim(kubesim *ks)
{
	if (ks->pid > 0) {
		kill(ks->pid, SIGTERM);
		waitpid(ks->pid, NULL, 0);
		ks->pid = 0;
	}
}

/* Every request in the audit log was a GET and none touched secrets; returns the count. */
static int assert_audit_read_only(kubesim *ks)
{
	FILE *f = fopen(ks->audit, "r");
	ck_assert_msg(f != NULL, "no audit log %s", ks->audit);
	char line[8192];
	int n = 0;
	while (fgets(line, sizeof(line), f)) {
		json_object *o = json_tokener_parse(line), *m, *p;
		ck_assert_msg(o != NULL, "audit line is not JSON: %s", line);
		ck_assert(json_object_object_get_ex(o, "method", &m));
		ck_assert(json_object_object_get_ex(o, "path", &p));
		ck_assert_msg(!strcmp(json_object_get_string(m), "GET"), "non-GET request: %s", line);
		ck_assert_msg(!strstr(json_object_get_string(p), "secret"), "secrets requested: %s", line);
		json_object_put(o);
		n++;
	}
	fclose(f);
	return n;
}

static void setup(void)
{
	const char *s = getenv("top_srcdir"), *b = getenv("top_builddir");
	fmt(top_src, sizeof(top_src), "%s", s ? s : K8SA_TEST_SRCDIR);
	fmt(top_build, sizeof(top_build), "%s", b ? b : K8SA_TEST_BUILDDIR);
	ks_n = 0;
	signal(SIGPIPE, SIG_IGN);
	ck_assert_int_eq(k8sa_global_init(), K8SA_OK);
}

static void teardown(void)
{
	for (int i = 0; i < ks_n; i++) {
		stop_kubesim(&ks_all[i]);
		char cmd[128];
		fmt(cmd, sizeof(cmd), "rm -rf '%s'", ks_all[i].dir);
		if (system(cmd) != 0)
			fprintf(stderr, "could not remove %s\n", ks_all[i].dir);
	}
	k8sa_global_cleanup();
}

static k8sa_kube *client_from(kubesim *ks, k8sa_kubeconfig **keep_cfg)
{
	k8sa_kubeconfig *cfg = NULL;
	k8sa_kube *kube = NULL;
	k8sa_error e;
	ck_assert_msg(k8sa_kubeconfig_load_file(&cfg, ks->kubeconfig, NULL, &e) == K8SA_OK, "%s", e.message);
	ck_assert_str_eq(k8sa_kubeconfig_context(cfg), "kubesim");
	ck_assert_ptr_nonnull(cfg->ca_pem);
	ck_assert_msg(k8sa_kube_new(&kube, cfg, &e) == K8SA_OK, "%s", e.message);
	if (keep_cfg)
		*keep_cfg = cfg;
	else
		k8sa_kubeconfig_free(cfg);
	k8sa_kube_set_timeout_ms(kube, 3000, 10000);
	return kube;
}

static size_t count_items(const char *path)
{
	if (file_size(path) < 0)
		return 0; /* absent: kubesim serves an empty list */
	json_object *o = json_object_from_file(path), *items;
	ck_assert_msg(o != NULL, "cannot parse %s", path);
	size_t n = json_object_object_get_ex(o, "items", &items) ? json_object_array_length(items) : 0;
	json_object_put(o);
	return n;
}

static k8sa_status count_cb(void *ud, json_object *item)
{
	(void)item;
	(*(size_t *)ud)++;
	return K8SA_OK;
}

static void zero_cb(void *ud)
{
	*(size_t *)ud = 0;
}

/* Run reqs (n of them) on kube; assert the run and every request succeeded. */
static void run_ok(k8sa_kube *kube, k8sa_kube_req *reqs, size_t n)
{
	k8sa_error e;
	ck_assert_msg(k8sa_kube_run(kube, reqs, n, &e) == K8SA_OK, "%s", e.message);
	for (size_t i = 0; i < n; i++)
		ck_assert_msg(reqs[i].status == K8SA_OK, "request %zu: %s", i, reqs[i].err.message);
}

static char *slurp(const char *path, size_t *len)
{
	char *b = test_slurp(path, len);
	ck_assert_msg(b != NULL, "open %s", path);
	return b;
}

#define MAX_NS 16
#define MAX_REQS (MAX_NS * K8SA_RES_COUNT + 8)

/* List everything and read every log of one scenario; compare with its files. */
static void check_scenario(const char *scen)
{
	char cluster[2300], p[2600];
	char nss[MAX_NS][128];
	int nns = 0;

	fmt(cluster, sizeof(cluster), "%s/cluster", scen);
	DIR *d = opendir(cluster);
	ck_assert_msg(d != NULL, "no %s", cluster);
	for (struct dirent *de; (de = readdir(d));) {
		struct stat st;
		fmt(p, sizeof(p), "%s/%s", cluster, de->d_name);
		if (de->d_name[0] != '.' && stat(p, &st) == 0 && S_ISDIR(st.st_mode) && nns < MAX_NS)
			fmt(nss[nns++], sizeof(nss[0]), "%s", de->d_name);
	}
	closedir(d);

	kubesim *ks = kubesim_start(scen, NULL);
	k8sa_kube *kube = client_from(ks, NULL);
	k8sa_kube_set_page_size(kube, 2); /* exercise continue on every list longer than 2 */
	k8sa_kube_set_max_parallel(kube, 4);

	static k8sa_kube_req reqs[MAX_REQS];
	static size_t got[MAX_REQS], want[MAX_REQS];
	size_t n = 0, pods_all = 0;
	memset(reqs, 0, sizeof(reqs));
	memset(got, 0, sizeof(got));
	for (int r = 0; r < K8SA_RES_COUNT; r++) {
		k8sa_resource res = (k8sa_resource)r;
		if (!k8sa_resource_namespaced(res)) {
			fmt(p, sizeof(p), "%s/%s.json", cluster, k8sa_resource_name(res));
			want[n] = count_items(p);
			reqs[n] = (k8sa_kube_req){.type = K8SA_REQ_LIST, .resource = res, .on_item = count_cb,
						  .on_restart = zero_cb, .ud = &got[n]};
			n++;
			continue;
		}
		for (int i = 0; i < nns; i++) {
			fmt(p, sizeof(p), "%s/%s/%s.json", cluster, nss[i], k8sa_resource_name(res));
			want[n] = count_items(p);
			if (res == K8SA_RES_PODS)
				pods_all += want[n];
			reqs[n] = (k8sa_kube_req){.type = K8SA_REQ_LIST, .resource = res, .ns = nss[i], .on_item = count_cb,
						  .on_restart = zero_cb, .ud = &got[n]};
			n++;
		}
	}
	/* Pods of all namespaces at once. */
	want[n] = pods_all;
	reqs[n] = (k8sa_kube_req){.type = K8SA_REQ_LIST, .resource = K8SA_RES_PODS, .on_item = count_cb, .ud = &got[n]};
	n++;
	reqs[n++] = (k8sa_kube_req){.type = K8SA_REQ_VERSION};

	k8sa_error e;
	ck_assert_int_eq(k8sa_kube_run(kube, reqs, n, &e), K8SA_OK);
	for (size_t i = 0; i < n; i++) {
		k8sa_kube_req *r = &reqs[i];
		ck_assert_msg(r->status == K8SA_OK, "%s: %s", scen, r->err.message);
		if (r->type == K8SA_REQ_LIST) {
			ck_assert_msg(got[i] == want[i] && r->items == want[i], "%s: %s in %s: got %zu items, want %zu", scen,
				      k8sa_resource_name(r->resource), r->ns ? r->ns : "(all)", got[i], want[i]);
			ck_assert_uint_eq(r->pages, want[i] > 2 ? (want[i] + 1) / 2 : 1);
		} else {
			ck_assert_ptr_nonnull(strstr(r->body, "gitVersion"));
			free(r->body);
		}
	}

	/* Logs: logs/<pod>/<container>[.previous].log, each compared byte for byte. */
	int logs = 0;
	for (int i = 0; i < nns; i++) {
		char ldir[2800];
		fmt(ldir, sizeof(ldir), "%s/%s/logs", cluster, nss[i]);
		DIR *pd = opendir(ldir);
		if (!pd)
			continue;
		for (struct dirent *pe; (pe = readdir(pd));) {
			if (pe->d_name[0] == '.')
				continue;
			char cdir[3100];
			fmt(cdir, sizeof(cdir), "%s/%s", ldir, pe->d_name);
			DIR *cd = opendir(cdir);
			if (!cd)
				continue;
			for (struct dirent *ce; (ce = readdir(cd));) {
				size_t len = strlen(ce->d_name);
				if (len < 5 || strcmp(ce->d_name + len - 4, ".log"))
					continue;
				char container[256], file[3400];
				int previous = len > 13 && !strcmp(ce->d_name + len - 13, ".previous.log");
				fmt(container, sizeof(container), "%.*s", (int)(len - (previous ? 13 : 4)), ce->d_name);
				fmt(file, sizeof(file), "%s/%s", cdir, ce->d_name);
				size_t flen, blen = 0;
				char *expect = slurp(file, &flen), *body = NULL;
				ck_assert_msg(k8sa_kube_pod_log(kube, nss[i], pe->d_name, container, previous, 0, 0, &body,
								&blen, &e) == K8SA_OK,
					      "%s: %s", scen, e.message);
				ck_assert_msg(blen == flen && !memcmp(body, expect, flen), "%s: log %s differs", scen, file);
				k8sa_free(body);
				/* tailLines=1: the last line only. */
				ck_assert_int_eq(k8sa_kube_pod_log(kube, nss[i], pe->d_name, container, previous, 1, 0, &body,
								   &blen, &e),
						 K8SA_OK);
				ck_assert_msg(blen <= flen && !memcmp(body, expect + flen - blen, blen), "%s: tail of %s", scen,
					      file);
				ck_assert_int_le(strchr(body, '\n') ? (int)(strchr(body, '\n') - body) : 0, (int)blen);
				k8sa_free(body);
				free(expect);
				logs++;
			}
			closedir(cd);
		}
		closedir(pd);
	}
	k8sa_kube_free(kube);
	stop_kubesim(ks);
	int audited = assert_audit_read_only(ks);
	ck_assert_int_ge(audited, (int)n + logs * 2);
	fprintf(stderr, "%s: %d namespaces, %zu requests, %d logs, %d audited requests: ok\n", scen, nns, n, logs,
		audited);
}

/* Scenarios from the shared directory may be mid-edit by someone else: only test those
 * whose JSON files all parse. Returns 0 and names the bad file otherwise. */
static int scenario_parses(const char *dir)
{
	DIR *d = opendir(dir);
	int ok = 1;
	if (!d)
		return 0;
	for (struct dirent *de; ok && (de = readdir(d));) {
		char p[PATH_MAX];
		struct stat st;
		size_t len = strlen(de->d_name);
		if (de->d_name[0] == '.')
			continue;
		fmt(p, sizeof(p), "%s/%s", dir, de->d_name);
		if (stat(p, &st) != 0)
			continue;
		if (S_ISDIR(st.st_mode)) {
			ok = scenario_parses(p);
		} else if (len > 5 && !strcmp(de->d_name + len - 5, ".json")) {
			json_object *o = json_object_from_file(p);
			if (!o) {
				fprintf(stderr, "skipping a scenario: %s does not parse\n", p);
				ok = 0;
			}
			json_object_put(o);
		}
	}
	closedir(d);
	return ok;
}

static int seen_scenario(char seen[][PATH_MAX], int nseen, const char *path)
{
	char real[PATH_MAX];
	if (!realpath(path, real))
		return 1;
	for (int i = 0; i < nseen; i++)
		if (!strcmp(seen[i], real))
			return 1;
	fmt(seen[nseen], PATH_MAX, "%s", real);
	return 0;
}

START_TEST(every_scenario_lists_and_logs)
{
	char roots[2][2300];
	static char seen[64][PATH_MAX];
	int nseen = 0, tested = 0;
	fmt(roots[0], sizeof(roots[0]), "%s/tests/scenarios", top_src);
	fmt(roots[1], sizeof(roots[1]), "%s/../shared/scenarios", top_src);
	for (int r = 0; r < 2; r++) {
		DIR *d = opendir(roots[r]);
		if (!d)
			continue;
		for (struct dirent *de; (de = readdir(d));) {
			char scen[2600], cl[2700];
			struct stat st;
			fmt(scen, sizeof(scen), "%s/%s", roots[r], de->d_name);
			fmt(cl, sizeof(cl), "%s/cluster", scen);
			if (de->d_name[0] == '.' || stat(cl, &st) != 0 || !S_ISDIR(st.st_mode) || nseen >= 64 ||
			    seen_scenario(seen, nseen, scen))
				continue;
			nseen++;
			if (r == 1 && !scenario_parses(cl))
				continue;
			check_scenario(scen);
			/* Each scenario gets its own kubesim; release the slot. */
			teardown();
			setup();
			tested++;
		}
		closedir(d);
	}
	ck_assert_int_ge(tested, 1);
}
END_TEST

static const char *demo(void)
{
	static char p[2300];
	fmt(p, sizeof(p), "%s/tests/scenarios/demo-shop", top_src);
	return p;
}

/* A client of kubesim serving demo-shop with one --fault; the simulator in *ks. */
static k8sa_kube *fault_client(const char *fault, kubesim **ks)
{
	*ks = kubesim_start(demo(), "--fault", fault, NULL);
	return client_from(*ks, NULL);
}

/* Free the client, then assert the simulator saw only reads. */
static void free_read_only(k8sa_kube *kube, kubesim *ks)
{
	k8sa_kube_free(kube);
	assert_audit_read_only(ks);
}

START_TEST(forbidden_nodes)
{
	kubesim *ks = kubesim_start(demo(), "--forbid", "nodes", NULL);
	k8sa_kube *kube = client_from(ks, NULL);
	char *json = NULL;
	k8sa_error e;
	ck_assert_int_eq(k8sa_kube_list_json(kube, K8SA_RES_NODES, NULL, NULL, &json, &e), K8SA_E_FORBIDDEN);
	ck_assert_int_eq(e.http_status, 403);
	ck_assert_msg(strstr(e.message, "nodes is forbidden: User \"system:serviceaccount:k8sagent:k8sagent\" cannot list "
					"resource \"nodes\""),
		      "%s", e.message);
	ck_assert_ptr_null(json);
	/* Pods still work. */
	ck_assert_int_eq(k8sa_kube_list_json(kube, K8SA_RES_PODS, "shop", NULL, &json, &e), K8SA_OK);
	k8sa_free(json);
	free_read_only(kube, ks);
}
END_TEST

START_TEST(expired_continue_restarts)
{
	kubesim *ks;
	k8sa_kube *kube = fault_client("expire-continue", &ks);
	k8sa_kube_set_page_size(kube, 1);
	char p[2400];
	fmt(p, sizeof(p), "%s/cluster/shop/pods.json", demo());
	size_t want = count_items(p), got = 0;
	ck_assert_uint_ge(want, 2);
	k8sa_kube_req req = {.type = K8SA_REQ_LIST, .resource = K8SA_RES_PODS, .ns = "shop", .on_item = count_cb,
			     .on_restart = zero_cb, .ud = &got};
	run_ok(kube, &req, 1);
	ck_assert_uint_eq(req.restarts, 1);
	ck_assert_uint_eq(got, want);
	ck_assert_uint_eq(req.items, want);
	ck_assert_uint_eq(req.pages, want + 1); /* page 1, then all pages again */
	free_read_only(kube, ks);
}
END_TEST

START_TEST(server_errors_and_retries)
{
	kubesim *ks;
	k8sa_kube *kube = fault_client("status=500,path=/deployments;status=503,path=/pods,count=2;"
				       "status=429,retry-after=1,path=/events,count=1",
				       &ks);
	char *json = NULL;
	k8sa_error e;
	ck_assert_int_eq(k8sa_kube_list_json(kube, K8SA_RES_DEPLOYMENTS, "shop", NULL, &json, &e), K8SA_E_SERVER);
	ck_assert_int_eq(e.http_status, 500);
	k8sa_kube_req reqs[2] = {
		{.type = K8SA_REQ_LIST, .resource = K8SA_RES_PODS, .ns = "shop", .on_item = count_cb, .ud = &(size_t){0}},
		{.type = K8SA_REQ_LIST, .resource = K8SA_RES_EVENTS, .ns = "shop", .on_item = count_cb, .ud = &(size_t){0}},
	};
	run_ok(kube, reqs, 2);
	ck_assert_uint_eq(reqs[0].attempts, 3); /* two 503s, then the list */
	ck_assert_uint_eq(reqs[1].attempts, 2);
	free_read_only(kube, ks);
}
END_TEST

START_TEST(truncated_body_is_protocol_error)
{
	kubesim *ks;
	k8sa_kube *kube = fault_client("truncate,path=/pods", &ks);
	char *json = NULL;
	k8sa_error e;
	ck_assert_int_eq(k8sa_kube_list_json(kube, K8SA_RES_PODS, "shop", NULL, &json, &e), K8SA_E_PROTOCOL);
	ck_assert_ptr_nonnull(strstr(e.message, "list pods in namespace shop"));
	k8sa_kube_free(kube);
}
END_TEST

START_TEST(tls_and_transport_failures)
{
	kubesim *ks = kubesim_start(demo(), NULL);
	k8sa_kubeconfig *cfg = NULL;
	k8sa_kube *kube = client_from(ks, &cfg);
	char *ver = NULL;
	k8sa_error e;
	ck_assert_int_eq(k8sa_kube_server_version(kube, &ver, &e), K8SA_OK);
	k8sa_free(ver);
	k8sa_kube_free(kube);

	/* tls-server-name: a name in kubesim's certificate, reached through 127.0.0.1. */
	k8sa_kubeconfig_set_tls_server_name(cfg, "kubernetes.default.svc");
	ck_assert_int_eq(k8sa_kube_new(&kube, cfg, &e), K8SA_OK);
	ck_assert_msg(k8sa_kube_server_version(kube, &ver, &e) == K8SA_OK, "%s", e.message);
	k8sa_free(ver);
	k8sa_kube_free(kube);
	/* ... and a name it does not carry fails verification. */
	k8sa_kubeconfig_set_tls_server_name(cfg, "evil.example");
	ck_assert_int_eq(k8sa_kube_new(&kube, cfg, &e), K8SA_OK);
	ck_assert_int_eq(k8sa_kube_server_version(kube, &ver, &e), K8SA_E_TLS);
	k8sa_kube_free(kube);
	k8sa_kubeconfig_set_tls_server_name(cfg, NULL);

	/* Wrong CA: the system bundle does not know kubesim's CA. */
	k8sa_kubeconfig_set_ca_pem(cfg, NULL);
	k8sa_kubeconfig_set_ca_file(cfg, "/etc/ssl/certs/ca-certificates.crt");
	ck_assert_int_eq(k8sa_kube_new(&kube, cfg, &e), K8SA_OK);
	ck_assert_int_eq(k8sa_kube_server_version(kube, &ver, &e), K8SA_E_TLS);
	ck_assert_ptr_nonnull(strstr(e.message, "server version: "));
	k8sa_kube_free(kube);
	/* insecure-skip-tls-verify is honoured (with a warning). */
	k8sa_kubeconfig_set_insecure_skip_tls_verify(cfg, 1);
	ck_assert_int_eq(k8sa_kube_new(&kube, cfg, &e), K8SA_OK);
	ck_assert_int_eq(k8sa_kube_server_version(kube, &ver, &e), K8SA_OK);
	k8sa_free(ver);
	k8sa_kube_free(kube);
	k8sa_kubeconfig_set_insecure_skip_tls_verify(cfg, 0);

	/* A wrong token: 401. */
	k8sa_kubeconfig_free(cfg);
	kube = client_from(ks, &cfg);
	k8sa_kube_free(kube);
	k8sa_kubeconfig_set_token(cfg, "wrong");
	ck_assert_int_eq(k8sa_kube_new(&kube, cfg, &e), K8SA_OK);
	char *json = NULL;
	ck_assert_int_eq(k8sa_kube_list_json(kube, K8SA_RES_PODS, "shop", NULL, &json, &e), K8SA_E_UNAUTHORIZED);
	ck_assert_int_eq(e.http_status, 401);
	k8sa_kube_free(kube);

	/* kubesim gone: connection refused. */
	k8sa_kubeconfig_free(cfg);
	kube = client_from(ks, &cfg);
	stop_kubesim(ks);
	ck_assert_int_eq(k8sa_kube_server_version(kube, &ver, &e), K8SA_E_TRANSPORT);
	k8sa_kube_free(kube);
	k8sa_kubeconfig_free(cfg);
	assert_audit_read_only(ks);
}
END_TEST

START_TEST(token_rotation_with_token_file)
{
	char tok[64];
	fmt(tok, sizeof(tok), "/tmp/k8sa-tok-%d", (int)getpid());
	FILE *f = fopen(tok, "w");
	fputs("first-token\n", f);
	fclose(f);
	kubesim *ks = kubesim_start(demo(), "--token-file", tok, NULL);
	k8sa_kubeconfig *cfg = NULL;
	k8sa_kube *kube = client_from(ks, &cfg);
	k8sa_kube_free(kube);
	k8sa_kubeconfig_set_token(cfg, NULL);
	k8sa_kubeconfig_set_token_file(cfg, tok);
	k8sa_error e;
	ck_assert_int_eq(k8sa_kube_new(&kube, cfg, &e), K8SA_OK);
	k8sa_kubeconfig_free(cfg);

	char *json = NULL;
	ck_assert_msg(k8sa_kube_list_json(kube, K8SA_RES_PODS, "shop", NULL, &json, &e) == K8SA_OK, "%s", e.message);
	k8sa_free(json);
	/* Rotate: kubesim now accepts only the new token; the client's cached one is stale. */
	f = fopen(tok, "w");
	fputs("second-token\n", f);
	fclose(f);
	k8sa_kube_req req = {.type = K8SA_REQ_LIST, .resource = K8SA_RES_PODS, .ns = "shop", .on_item = count_cb,
			     .ud = &(size_t){0}};
	run_ok(kube, &req, 1);
	ck_assert_uint_eq(req.attempts, 2); /* 401, re-read, retried once */
	k8sa_kube_free(kube);
	unlink(tok);
	assert_audit_read_only(ks);
}
END_TEST

/* ---------------------------------------------------------------- exec credential plugins */

/* A fake plugin in the kubesim temp dir: prints the token in DIR/plugin-token with the
 * expiry in DIR/plugin-exp (may be empty), optionally the client certificate in
 * DIR/plugin-cert.json, and appends a line to DIR/plugin-runs each time it runs. Returns a
 * client whose credentials come only from it. */
static k8sa_kube *exec_client(kubesim *ks)
{
	char path[256], script[2048];
	fmt(script, sizeof(script),
	    "#!/bin/sh\n"
	    "d=%s\n"
	    "echo run >> \"$d/plugin-runs\"\n"
	    "exp=$(cat \"$d/plugin-exp\" 2>/dev/null)\n"
	    "cert=$(cat \"$d/plugin-cert.json\" 2>/dev/null)\n"
	    "printf '{\"apiVersion\":\"client.authentication.k8s.io/v1beta1\",\"kind\":\"ExecCredential\",'\n"
	    "printf '\"status\":{%%s\"token\":\"%%s\"%%s}}\\n' \"$cert\" \"$(cat \"$d/plugin-token\")\" \\\n"
	    "  \"${exp:+,\\\"expirationTimestamp\\\":\\\"$exp\\\"}\"\n",
	    ks->dir);
	fmt(path, sizeof(path), "%s/plugin.sh", ks->dir);
	ck_assert_int_eq(test_write_text(path, script), 0);
	ck_assert_int_eq(chmod(path, 0755), 0);

	k8sa_kubeconfig *cfg = NULL;
	k8sa_kube *kube = NULL;
	k8sa_error e;
	ck_assert_msg(k8sa_kubeconfig_load_file(&cfg, ks->kubeconfig, NULL, &e) == K8SA_OK, "%s", e.message);
	k8sa_kubeconfig_set_token(cfg, NULL);
	k8sa_exec_config *x = calloc(1, sizeof(*x));
	ck_assert_ptr_nonnull(x);
	x->api_version = strdup("client.authentication.k8s.io/v1beta1");
	x->command = strdup(path);
	x->interactive = K8SA_EXEC_NEVER;
	cfg->exec = x;
	ck_assert_msg(k8sa_kube_new(&kube, cfg, &e) == K8SA_OK, "%s", e.message);
	k8sa_kubeconfig_free(cfg);
	return kube;
}

static int plugin_runs(kubesim *ks)
{
	char path[256], line[64];
	fmt(path, sizeof(path), "%s/plugin-runs", ks->dir);
	FILE *f = fopen(path, "r");
	int n = 0;
	while (f && fgets(line, sizeof(line), f))
		n++;
	if (f)
		fclose(f);
	return n;
}

static void plugin_set(kubesim *ks, const char *file, const char *text)
{
	char path[256];
	fmt(path, sizeof(path), "%s/%s", ks->dir, file);
	ck_assert_int_eq(test_write_text(path, text), 0);
}

static k8sa_status list_pods(k8sa_kube *kube, k8sa_kube_req *req)
{
	size_t n = 0;
	k8sa_error e;
	*req = (k8sa_kube_req){.type = K8SA_REQ_LIST, .resource = K8SA_RES_PODS, .ns = "shop", .on_item = count_cb,
			       .ud = &n};
	ck_assert_int_eq(k8sa_kube_run(kube, req, 1, &e), K8SA_OK);
	req->ud = NULL;
	return req->status;
}

/* list_pods() times in a row, each asserted OK. */
static void list_pods_ok(k8sa_kube *kube, k8sa_kube_req *req, int times)
{
	while (times--)
		ck_assert_msg(list_pods(kube, req) == K8SA_OK, "%s", req->err.message);
}

/* An exec-plugin test: kubesim on demo-shop accepting only the token in a new token file
 * (tok), and a client (kube) whose exec plugin hands out that token. */
struct exec_fx {
	char tok[128];
	kubesim *ks;
	k8sa_kube *kube;
	k8sa_kube_req req;
};

static void exec_start(struct exec_fx *x, const char *name, const char *token)
{
	char line[128];
	fmt(x->tok, sizeof(x->tok), "/tmp/k8sa-%s-%d", name, (int)getpid());
	fmt(line, sizeof(line), "%s\n", token);
	ck_assert_int_eq(test_write_text(x->tok, line), 0);
	x->ks = kubesim_start(demo(), "--token-file", x->tok, NULL);
	plugin_set(x->ks, "plugin-token", token);
	x->kube = exec_client(x->ks);
}

/* With the plugin's token expiring at exp: how often a new client's two pod lists (each
 * asserted OK, the last in *req) ran the plugin. */
static int runs_for_two_lists(kubesim *ks, const char *exp, k8sa_kube_req *req)
{
	plugin_set(ks, "plugin-exp", exp);
	plugin_set(ks, "plugin-runs", "");
	k8sa_kube *kube = exec_client(ks);
	list_pods_ok(kube, req, 2);
	k8sa_kube_free(kube);
	return plugin_runs(ks);
}

START_TEST(exec_plugin_token_cached_until_expiry)
{
	struct exec_fx x;
	exec_start(&x, "exectok", "plugin-token-1");

	/* No expiry: one run serves every request. */
	list_pods_ok(x.kube, &x.req, 2);
	ck_assert_int_eq(plugin_runs(x.ks), 1);
	ck_assert_uint_eq(k8sa_kube_exec_runs(x.kube), 1);
	k8sa_kube_free(x.kube);

	/* Expiring in an hour: cached. Already expired: run before each request. */
	unlink(x.tok);
	ck_assert_int_eq(test_write_text(x.tok, "plugin-token-1\n"), 0);
	char exp[64];
	time_t later = time(NULL) + 3600;
	strftime(exp, sizeof(exp), "%Y-%m-%dT%H:%M:%SZ", gmtime(&later));
	ck_assert_int_eq(runs_for_two_lists(x.ks, exp, &x.req), 1);
	ck_assert_int_eq(runs_for_two_lists(x.ks, "2020-01-01T00:00:00Z", &x.req), 2);
	ck_assert_uint_eq(x.req.attempts, 1);
	unlink(x.tok);
	assert_audit_read_only(x.ks);
}
END_TEST

START_TEST(exec_plugin_rerun_after_401)
{
	struct exec_fx x;
	exec_start(&x, "exectok2", "first");
	list_pods_ok(x.kube, &x.req, 1);
	ck_assert_int_eq(plugin_runs(x.ks), 1);

	/* The server revokes the token; the plugin now hands out the new one. */
	ck_assert_int_eq(test_write_text(x.tok, "second\n"), 0);
	plugin_set(x.ks, "plugin-token", "second");
	list_pods_ok(x.kube, &x.req, 1);
	ck_assert_uint_eq(x.req.attempts, 2); /* 401, plugin run again, retried once */
	ck_assert_int_eq(plugin_runs(x.ks), 2);

	/* The plugin keeps returning a rejected token: one re-run, then the 401 stands. */
	ck_assert_int_eq(test_write_text(x.tok, "third\n"), 0);
	ck_assert_int_eq(list_pods(x.kube, &x.req), K8SA_E_UNAUTHORIZED);
	ck_assert_uint_eq(x.req.attempts, 1);
	ck_assert_int_eq(plugin_runs(x.ks), 3);
	k8sa_kube_free(x.kube);
	unlink(x.tok);
	assert_audit_read_only(x.ks);
}
END_TEST

START_TEST(exec_plugin_client_certificate_and_missing_command)
{
	kubesim *ks = kubesim_start(demo(), NULL);
	/* The token kubesim wrote into its kubeconfig. */
	k8sa_kubeconfig *kc = NULL;
	k8sa_error e;
	ck_assert_int_eq(k8sa_kubeconfig_load_file(&kc, ks->kubeconfig, NULL, &e), K8SA_OK);
	plugin_set(ks, "plugin-token", kc->token);
	k8sa_kubeconfig_free(kc);

	/* A client certificate that is not PEM: the TLS layer refuses it, so it was used. */
	plugin_set(ks, "plugin-cert.json", "\"clientCertificateData\":\"not a certificate\",\"clientKeyData\":\"no\",");
	k8sa_kube *kube = exec_client(ks);
	k8sa_kube_req req;
	ck_assert_int_eq(list_pods(kube, &req), K8SA_E_TLS);
	k8sa_kube_free(kube);

	/* A real one (kubesim does not ask for it, but it must load). */
	char cmd[1024];
	fmt(cmd, sizeof(cmd),
	    "cd %s && openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout k.pem -out c.pem "
	    "-days 1 -subj /CN=exec-user >/dev/null 2>&1 && "
	    "printf '\"clientCertificateData\":\"%%s\",\"clientKeyData\":\"%%s\",' "
	    "\"$(awk '{printf \"%%s\\\\n\", $0}' c.pem)\" \"$(awk '{printf \"%%s\\\\n\", $0}' k.pem)\" > plugin-cert.json",
	    ks->dir);
	if (system(cmd) == 0) {
		kube = exec_client(ks);
		list_pods_ok(kube, &req, 1);
		k8sa_kube_free(kube);
	} else {
		fprintf(stderr, "exec_plugin_client_certificate: no openssl, real certificate part skipped\n");
	}

	/* A missing command fails the request with the command named. */
	kc = NULL;
	ck_assert_int_eq(k8sa_kubeconfig_load_file(&kc, ks->kubeconfig, NULL, &e), K8SA_OK);
	k8sa_kubeconfig_set_token(kc, NULL);
	kc->exec = calloc(1, sizeof(*kc->exec));
	kc->exec->api_version = strdup("client.authentication.k8s.io/v1");
	kc->exec->command = strdup("gke-gcloud-auth-plugin-k8sa-missing");
	kc->exec->install_hint = strdup("Install gke-gcloud-auth-plugin for use with kubectl");
	kc->exec->interactive = K8SA_EXEC_NEVER;
	ck_assert_int_eq(k8sa_kube_new(&kube, kc, &e), K8SA_OK);
	k8sa_kubeconfig_free(kc);
	ck_assert_int_eq(list_pods(kube, &req), K8SA_E_CONFIG);
	ck_assert_msg(strstr(req.err.message, "\"gke-gcloud-auth-plugin-k8sa-missing\" not found") &&
			      strstr(req.err.message, "Install gke-gcloud-auth-plugin"),
		      "%s", req.err.message);
	ck_assert_uint_eq(req.attempts, 0);
	k8sa_kube_free(kube);
	assert_audit_read_only(ks);
}
END_TEST

Suite *k8sa_test_suite(void)
{
	Suite *s = suite_create("kube-integration");
	TCase *tc = tcase_create("kubesim");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, every_scenario_lists_and_logs);
	tcase_add_test(tc, forbidden_nodes);
	tcase_add_test(tc, expired_continue_restarts);
	tcase_add_test(tc, server_errors_and_retries);
	tcase_add_test(tc, truncated_body_is_protocol_error);
	tcase_add_test(tc, tls_and_transport_failures);
	tcase_add_test(tc, token_rotation_with_token_file);
	tcase_add_test(tc, exec_plugin_token_cached_until_expiry);
	tcase_add_test(tc, exec_plugin_rerun_after_401);
	tcase_add_test(tc, exec_plugin_client_certificate_and_missing_command);
	suite_add_tcase(s, tc);
	return s;
}
