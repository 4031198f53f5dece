/* SPDX-License-Identifier: MIT */
/* kubeconfig parsing, merging, errors; in-cluster configuration; base64. */
#include "internal.h"
#include "base64.h"
#include "kubeconfig_internal.h"
#include <k8sagent/k8sagent.h>

#include <check.h>

#include "lib/check_main.h"
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char data_dir[3072];
static char tmp_dir[256];

static const char *data(const char *name)
{
	static char buf[8][4096];
	static int slot;
	char *b = buf[slot++ % 8];
	snprintf(b, sizeof(buf[0]), "%s/%s", data_dir, name);
	return b;
}

static const char *tmp_write(const char *name, const char *content)
{
	static char buf[8][512];
	static int slot;
	char *b = buf[slot++ % 8];
	snprintf(b, sizeof(buf[0]), "%s/%s", tmp_dir, name);
	FILE *f = fopen(b, "w");
	ck_assert_ptr_nonnull(f);
	fputs(content, f);
	fclose(f);
	return b;
}

static void setup(void)
{
	const char *top = getenv("top_srcdir");
	snprintf(data_dir, sizeof(data_dir), "%.2900s/tests/data/kube", top ? top : K8SA_TEST_SRCDIR);
	snprintf(tmp_dir, sizeof(tmp_dir), "/tmp/k8sa-kc-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmp_dir));
	unsetenv("KUBECONFIG");
	unsetenv("KUBERNETES_SERVICE_HOST");
	unsetenv("KUBERNETES_SERVICE_PORT");
	unsetenv("POD_NAMESPACE");
	unsetenv("K8SA_SERVICEACCOUNT_DIR");
}

static void teardown(void)
{
	char cmd[400];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmp_dir);
	ck_assert_int_eq(system(cmd), 0);
}

/* Load and expect failure with `code` and a message containing every given fragment. */
static void expect_fail(const char *paths, const char *context, k8sa_status code, const char *frag1,
			const char *frag2)
{
	k8sa_kubeconfig *cfg = (k8sa_kubeconfig *)0x1;
	k8sa_error e;
	memset(&e, 0, sizeof(e));
	k8sa_status st = k8sa_kubeconfig_load_file(&cfg, paths, context, &e);
	ck_assert_msg(st == code, "status %s, want %s (%s)", k8sa_strerror(st), k8sa_strerror(code), e.message);
	ck_assert_int_eq(e.code, code);
	ck_assert_ptr_eq(cfg, (k8sa_kubeconfig *)0x1); /* untouched on failure */
	if (frag1)
		ck_assert_msg(strstr(e.message, frag1), "message \"%s\" lacks \"%s\"", e.message, frag1);
	if (frag2)
		ck_assert_msg(strstr(e.message, frag2), "message \"%s\" lacks \"%s\"", e.message, frag2);
}

START_TEST(token_kubeconfig)
{
	k8sa_kubeconfig *cfg = NULL;
	k8sa_error e;
	ck_assert_int_eq(k8sa_kubeconfig_load_file(&cfg, data("kubeconfig-token.yaml"), NULL, &e), K8SA_OK);
	ck_assert_str_eq(k8sa_kubeconfig_server(cfg), "https://127.0.0.1:6443");
	ck_assert_str_eq(k8sa_kubeconfig_context(cfg), "fake");
	ck_assert_str_eq(k8sa_kubeconfig_namespace(cfg), "default");
	ck_assert_str_eq(k8sa_kubeconfig_source(cfg), data("kubeconfig-token.yaml"));
	ck_assert_int_eq(k8sa_kubeconfig_insecure_skip_tls_verify(cfg), 0);
	ck_assert_ptr_nonnull(strstr(cfg->token, "eyJhbGciOiJSUzI1NiIs"));
	ck_assert_str_eq(cfg->ca_pem, "-----BEGIN CERTIFICATE-----\nMIIFAKE\n-----END CERTIFICATE-----\n");
	ck_assert_ptr_null(cfg->ca_file);
	ck_assert_ptr_null(cfg->cert_pem);
	k8sa_kubeconfig_free(cfg);
}
END_TEST

START_TEST(client_cert_data)
{
	k8sa_kubeconfig *cfg = NULL;
	k8sa_error e;
	ck_assert_int_eq(k8sa_kubeconfig_load_file(&cfg, data("kubeconfig-clientcert.yaml"), NULL, &e), K8SA_OK);
	ck_assert_str_eq(k8sa_kubeconfig_server(cfg), "https://127.0.0.1:40123");
	ck_assert_str_eq(cfg->cert_pem, "-----BEGIN CERTIFICATE-----\nMIICLIENT\n-----END CERTIFICATE-----\n");
	ck_assert_str_eq(cfg->key_pem, "-----BEGIN RSA PRIVATE KEY-----\nMIIKEY\n-----END RSA PRIVATE KEY-----\n");
	ck_assert_ptr_null(cfg->token);
	k8sa_kubeconfig_free(cfg);
}
END_TEST

START_TEST(ca_file_relative_and_token_file)
{
	k8sa_kubeconfig *cfg = NULL;
	k8sa_error e;
	ck_assert_int_eq(k8sa_kubeconfig_load_file(&cfg, data("kubeconfig-cafile.yaml"), NULL, &e), K8SA_OK);
	/* Relative paths resolve against the kubeconfig's own directory, not the cwd. */
	ck_assert_str_eq(cfg->ca_file, data("ca.pem"));
	ck_assert_str_eq(cfg->token_file, data("token.txt"));
	ck_assert_str_eq(cfg->tls_server_name, "kubernetes.default.svc");
	ck_assert_str_eq(k8sa_kubeconfig_namespace(cfg), "shop");
	char *tok = NULL;
	ck_assert_int_eq(k8sa_read_token_file(cfg->token_file, &tok, &e), K8SA_OK);
	ck_assert_str_eq(tok, "tok-from-file");
	free(tok);
	k8sa_kubeconfig_free(cfg);

	/* Named context: no namespace there, so "default". */
	ck_assert_int_eq(k8sa_kubeconfig_load_file(&cfg, data("kubeconfig-cafile.yaml"), "other", &e), K8SA_OK);
	ck_assert_str_eq(k8sa_kubeconfig_context(cfg), "other");
	ck_assert_str_eq(k8sa_kubeconfig_namespace(cfg), "default");
	k8sa_kubeconfig_free(cfg);

	/* A CA path that does not exist names the field and the file. */
	const char *p = tmp_write("missing-ca.yaml",
				  "clusters:\n- name: c\n  cluster:\n    server: https://h:1\n"
				  "    certificate-authority: nope/ca.crt\n"
				  "contexts:\n- name: c\n  context: {cluster: c}\ncurrent-context: c\n");
	expect_fail(p, NULL, K8SA_E_CONFIG, "clusters[0].cluster.certificate-authority", "nope/ca.crt: No such file");
}
END_TEST

START_TEST(merge_order_first_wins)
{
	char paths[8300];
	k8sa_kubeconfig *cfg = NULL;
	k8sa_error e;
	snprintf(paths, sizeof(paths), "%s:%s", data("kubeconfig-merge1.yaml"), data("kubeconfig-merge2.yaml"));
	setenv("KUBECONFIG", paths, 1);
	ck_assert_int_eq(k8sa_kubeconfig_load_file(&cfg, NULL, NULL, &e), K8SA_OK);
	/* current-context, context "first", cluster "shared" and user "u" all come from file 1. */
	ck_assert_str_eq(k8sa_kubeconfig_context(cfg), "first");
	ck_assert_str_eq(k8sa_kubeconfig_server(cfg), "https://first.example:6443");
	ck_assert_str_eq(k8sa_kubeconfig_namespace(cfg), "ns-first");
	ck_assert_str_eq(cfg->token, "token-first");
	ck_assert_int_eq(k8sa_kubeconfig_insecure_skip_tls_verify(cfg), 1);
	k8sa_kubeconfig_free(cfg);

	/* A context only in file 2, with a cluster only in file 2 and a user from file 1. */
	ck_assert_int_eq(k8sa_kubeconfig_load_file(&cfg, NULL, "second", &e), K8SA_OK);
	ck_assert_str_eq(k8sa_kubeconfig_server(cfg), "https://only-second.example:6443");
	ck_assert_str_eq(k8sa_kubeconfig_namespace(cfg), "ns-second");
	ck_assert_str_eq(cfg->token, "token-first");
	ck_assert_int_eq(k8sa_kubeconfig_insecure_skip_tls_verify(cfg), 0);
	k8sa_kubeconfig_free(cfg);

	/* Reversed order: file 2 wins. */
	snprintf(paths, sizeof(paths), "%s:%s", data("kubeconfig-merge2.yaml"), data("kubeconfig-merge1.yaml"));
	ck_assert_int_eq(k8sa_kubeconfig_load_file(&cfg, paths, NULL, &e), K8SA_OK);
	ck_assert_str_eq(k8sa_kubeconfig_context(cfg), "second");
	ck_assert_str_eq(cfg->token, "token-second");
	k8sa_kubeconfig_free(cfg);
	ck_assert_int_eq(k8sa_kubeconfig_load_file(&cfg, paths, "first", &e), K8SA_OK);
	ck_assert_str_eq(k8sa_kubeconfig_namespace(cfg), "ns-ignored");
	ck_assert_str_eq(k8sa_kubeconfig_server(cfg), "https://only-second.example:6443");
	k8sa_kubeconfig_free(cfg);

	/* A missing file inside a list is skipped, like kubectl. */
	snprintf(paths, sizeof(paths), "%s/nope.yaml:%s", tmp_dir, data("kubeconfig-merge2.yaml"));
	ck_assert_int_eq(k8sa_kubeconfig_load_file(&cfg, paths, NULL, &e), K8SA_OK);
	ck_assert_str_eq(k8sa_kubeconfig_context(cfg), "second");
	k8sa_kubeconfig_free(cfg);
}
END_TEST

START_TEST(home_kube_config)
{
	char dir[600];
	k8sa_kubeconfig *cfg = NULL;
	k8sa_error e;
	snprintf(dir, sizeof(dir), "%s/.kube", tmp_dir);
	ck_assert_int_eq(mkdir(dir, 0700), 0);
	tmp_write(".kube/config", "clusters:\n- name: c\n  cluster: {server: 'http://127.0.0.1:8001'}\n"
				  "contexts:\n- name: proxy\n  context: {cluster: c, namespace: home}\n"
				  "current-context: proxy\n");
	setenv("HOME", tmp_dir, 1);
	ck_assert_int_eq(k8sa_kubeconfig_load_default(&cfg, NULL, NULL, &e), K8SA_OK);
	ck_assert_str_eq(k8sa_kubeconfig_server(cfg), "http://127.0.0.1:8001");
	ck_assert_str_eq(k8sa_kubeconfig_namespace(cfg), "home");
	ck_assert_ptr_null(cfg->token); /* no user: anonymous (kubectl proxy) */
	k8sa_kubeconfig_free(cfg);
	/* An explicit path beats HOME. */
	ck_assert_int_eq(k8sa_kubeconfig_load_default(&cfg, data("kubeconfig-token.yaml"), NULL, &e), K8SA_OK);
	ck_assert_str_eq(k8sa_kubeconfig_context(cfg), "fake");
	k8sa_kubeconfig_free(cfg);
}
END_TEST

START_TEST(proxy_url)
{
	k8sa_kubeconfig *cfg = NULL;
	k8sa_error e;
	const char *p = tmp_write("proxy.yaml", "clusters:\n- name: c\n  cluster: {server: 'https://h:1', "
						"proxy-url: 'socks5://127.0.0.1:1080'}\n"
						"contexts:\n- name: a\n  context: {cluster: c}\ncurrent-context: a\n");
	ck_assert_msg(k8sa_kubeconfig_load_file(&cfg, p, NULL, &e) == K8SA_OK, "%s", e.message);
	ck_assert_str_eq(k8sa_kubeconfig_proxy_url(cfg), "socks5://127.0.0.1:1080");
	/* The explicit setter: another scheme is refused, "" and NULL mean direct. */
	ck_assert_int_eq(k8sa_kubeconfig_set_proxy_url(cfg, "ftp://p:21"), K8SA_E_INVALID_ARG);
	ck_assert_str_eq(k8sa_kubeconfig_proxy_url(cfg), "socks5://127.0.0.1:1080");
	ck_assert_int_eq(k8sa_kubeconfig_set_proxy_url(cfg, "http://p:3128"), K8SA_OK);
	ck_assert_str_eq(k8sa_kubeconfig_proxy_url(cfg), "http://p:3128");
	ck_assert_int_eq(k8sa_kubeconfig_set_proxy_url(cfg, ""), K8SA_OK);
	ck_assert_ptr_null(k8sa_kubeconfig_proxy_url(cfg));
	ck_assert_int_eq(k8sa_kubeconfig_set_proxy_url(NULL, NULL), K8SA_E_INVALID_ARG);
	k8sa_kubeconfig_free(cfg);
	p = tmp_write("noproxy.yaml", "clusters:\n- name: c\n  cluster: {server: 'https://h:1'}\n"
				      "contexts:\n- name: a\n  context: {cluster: c}\ncurrent-context: a\n");
	ck_assert_int_eq(k8sa_kubeconfig_load_file(&cfg, p, NULL, &e), K8SA_OK);
	ck_assert_ptr_null(k8sa_kubeconfig_proxy_url(cfg));
	k8sa_kubeconfig_free(cfg);
	p = tmp_write("badproxy.yaml", "clusters:\n- name: c\n  cluster: {server: 'https://h:1', proxy-url: 'p:3128'}\n"
				       "contexts:\n- name: a\n  context: {cluster: c}\ncurrent-context: a\n");
	expect_fail(p, NULL, K8SA_E_CONFIG, "clusters[0].cluster.proxy-url: \"p:3128\"", "badproxy.yaml");
}
END_TEST

START_TEST(context_not_found_lists_contexts)
{
	expect_fail(data("kubeconfig-cafile.yaml"), "foo", K8SA_E_CONFIG, "context \"foo\" not found (contexts: local, other)",
		    "kubeconfig-cafile.yaml");
	const char *p = tmp_write("nocur.yaml", "clusters:\n- name: c\n  cluster: {server: 'https://h:1'}\n"
						"contexts:\n- name: a\n  context: {cluster: c}\n");
	expect_fail(p, NULL, K8SA_E_CONFIG, "no current-context set", "(contexts: a)");
	p = tmp_write("nocluster.yaml", "contexts:\n- name: a\n  context: {cluster: gone, user: u}\ncurrent-context: a\n");
	expect_fail(p, NULL, K8SA_E_CONFIG, "context \"a\": cluster \"gone\" not found", "(clusters: none)");
	p = tmp_write("nouser.yaml", "clusters:\n- name: c\n  cluster: {server: 'https://h:1'}\n"
				     "contexts:\n- name: a\n  context: {cluster: c, user: ghost}\ncurrent-context: a\n");
	expect_fail(p, NULL, K8SA_E_CONFIG, "user \"ghost\" not found", NULL);
}
END_TEST

START_TEST(malformed_yaml_has_line_and_column)
{
	expect_fail(data("kubeconfig-malformed.yaml"), NULL, K8SA_E_CONFIG, "kubeconfig-malformed.yaml: line 4 column ",
		    "mapping values are not allowed");
	const char *p = tmp_write("tab.yaml", "clusters:\n\t- name: x\n");
	expect_fail(p, NULL, K8SA_E_CONFIG, "line 2 column 1", NULL);
}
END_TEST

START_TEST(missing_and_empty_files)
{
	char path[600];
	snprintf(path, sizeof(path), "%s/does-not-exist", tmp_dir);
	expect_fail(path, NULL, K8SA_E_CONFIG, path, "No such file or directory");
	expect_fail(data("kubeconfig-empty.yaml"), NULL, K8SA_E_CONFIG, "kubeconfig-empty.yaml: file is empty", NULL);
	const char *p = tmp_write("comments.yaml", "# only a comment\n");
	expect_fail(p, NULL, K8SA_E_CONFIG, "file is empty", NULL);
	expect_fail(tmp_dir, NULL, K8SA_E_CONFIG, "Is a directory", NULL);
	/* Every file of a list missing: the first is named. */
	snprintf(path, sizeof(path), "%s/a:%s/b", tmp_dir, tmp_dir);
	expect_fail(path, NULL, K8SA_E_CONFIG, "/a: No such file", NULL);
	setenv("HOME", tmp_dir, 1);
	expect_fail(NULL, NULL, K8SA_E_CONFIG, ".kube/config: No such file", NULL);
}
END_TEST

START_TEST(wrong_types)
{
	expect_fail(data("kubeconfig-wrongtype.yaml"), NULL, K8SA_E_CONFIG, "clusters: expected a list, got a mapping",
		    "line 3");
	const char *p = tmp_write("list.yaml", "- a\n- b\n");
	expect_fail(p, NULL, K8SA_E_CONFIG, "top level: expected a mapping, got a list", NULL);
	p = tmp_write("entry.yaml", "clusters:\n- just-a-string\n");
	expect_fail(p, NULL, K8SA_E_CONFIG, "clusters[0]: expected a mapping, got a scalar", NULL);
	p = tmp_write("server.yaml", "clusters:\n- name: c\n  cluster: {server: [a, b]}\n"
				     "contexts:\n- name: c\n  context: {cluster: c}\ncurrent-context: c\n");
	expect_fail(p, NULL, K8SA_E_CONFIG, "clusters[0].cluster.server: expected a string, got a list", NULL);
	p = tmp_write("noname.yaml", "users:\n- user: {token: x}\n");
	expect_fail(p, NULL, K8SA_E_CONFIG, "users[0].name: missing", NULL);
	p = tmp_write("bool.yaml", "clusters:\n- name: c\n  cluster: {server: 'https://h:1', insecure-skip-tls-verify: maybe}\n"
				   "contexts:\n- name: c\n  context: {cluster: c}\ncurrent-context: c\n");
	expect_fail(p, NULL, K8SA_E_CONFIG, "insecure-skip-tls-verify: expected true or false, got \"maybe\"", NULL);
	expect_fail(data("kubeconfig-noserver.yaml"), NULL, K8SA_E_CONFIG, "clusters[0].cluster.server: missing", NULL);
	p = tmp_write("scheme.yaml", "clusters:\n- name: c\n  cluster: {server: 'ftp://h:1'}\n"
				     "contexts:\n- name: c\n  context: {cluster: c}\ncurrent-context: c\n");
	expect_fail(p, NULL, K8SA_E_CONFIG, "is not an http(s):// URL", NULL);
}
END_TEST

START_TEST(bad_base64_names_the_field)
{
	expect_fail(data("kubeconfig-badbase64.yaml"), NULL, K8SA_E_CONFIG, "users[0].user.client-key-data: invalid base64",
		    "kubeconfig-badbase64.yaml");
	const char *p = tmp_write("certonly.yaml", "clusters:\n- name: c\n  cluster: {server: 'https://h:1'}\n"
						   "users:\n- name: u\n  user: {client-certificate-data: QUJD}\n"
						   "contexts:\n- name: c\n  context: {cluster: c, user: u}\ncurrent-context: c\n");
	expect_fail(p, NULL, K8SA_E_CONFIG, "client-certificate without client-key", NULL);
}
END_TEST

START_TEST(insecure_flag)
{
	k8sa_kubeconfig *cfg = NULL;
	k8sa_error e;
	char paths[8300];
	snprintf(paths, sizeof(paths), "%s", data("kubeconfig-merge1.yaml"));
	ck_assert_int_eq(k8sa_kubeconfig_load_file(&cfg, paths, NULL, &e), K8SA_OK);
	ck_assert_int_eq(k8sa_kubeconfig_insecure_skip_tls_verify(cfg), 1);
	k8sa_kubeconfig_free(cfg);
}
END_TEST

START_TEST(basic_auth_and_auth_provider_unsupported)
{
	expect_fail(data("kubeconfig-basicauth.yaml"), NULL, K8SA_E_UNSUPPORTED, "user \"admin\"", "username/password");
	const char *p = tmp_write("ap.yaml", "clusters: [{name: c, cluster: {server: 'https://x'}}]\n"
					     "users: [{name: u, user: {auth-provider: {name: gcp}}}]\n"
					     "contexts: [{name: x, context: {cluster: c, user: u}}]\ncurrent-context: x\n");
	expect_fail(p, NULL, K8SA_E_UNSUPPORTED, "users[0].user.auth-provider", "gke-gcloud-auth-plugin");
}
END_TEST

START_TEST(exec_kubeconfig_parses)
{
	k8sa_kubeconfig *cfg = NULL;
	k8sa_error e;
	ck_assert_msg(k8sa_kubeconfig_load_file(&cfg, data("kubeconfig-exec.yaml"), NULL, &e) == K8SA_OK, "%s",
		      e.message);
	k8sa_exec_config *x = cfg->exec;
	ck_assert_ptr_nonnull(x);
	ck_assert_str_eq(x->api_version, "client.authentication.k8s.io/v1");
	ck_assert_str_eq(x->command, "aws");
	ck_assert_str_eq(x->args[0], "eks");
	ck_assert_str_eq(x->args[5], "json");
	ck_assert_ptr_null(x->args[6]);
	ck_assert_str_eq(x->env[0], "AWS_PROFILE=prod");
	ck_assert_ptr_null(x->env[1]);
	ck_assert_int_eq(x->interactive, K8SA_EXEC_NEVER);
	ck_assert_int_eq(x->provide_cluster_info, 0);
	ck_assert_ptr_null(x->cluster_json);
	ck_assert_ptr_null(cfg->token);
	ck_assert_str_eq(k8sa_kubeconfig_namespace(cfg), "payments");
	k8sa_kubeconfig_free(cfg);
}
END_TEST

/* A kubeconfig whose user runs `exec` (YAML flow mapping text). */
static const char *exec_kubeconfig(const char *name, const char *exec)
{
	char text[2048];
	snprintf(text, sizeof(text),
		 "clusters: [{name: c, cluster: {server: 'https://127.0.0.1:1', certificate-authority-data: "
		 "LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCk1JSUZBS0UKLS0tLS1FTkQgQ0VSVElGSUNBVEUtLS0tLQo=}}]\n"
		 "users: [{name: u, user: {exec: %s}}]\n"
		 "contexts: [{name: x, context: {cluster: c, user: u}}]\ncurrent-context: x\n",
		 exec);
	return tmp_write(name, text);
}

START_TEST(exec_kubeconfig_errors)
{
	expect_fail(exec_kubeconfig("a.yaml", "{apiVersion: client.authentication.k8s.io/v1, command: x}"), NULL,
		    K8SA_E_CONFIG, "users[0].user.exec.interactiveMode: missing", NULL);
	expect_fail(exec_kubeconfig("b.yaml", "{apiVersion: client.authentication.k8s.io/v1alpha1, command: x}"), NULL,
		    K8SA_E_UNSUPPORTED, "v1alpha1", "not supported");
	expect_fail(exec_kubeconfig("c.yaml", "{apiVersion: client.authentication.k8s.io/v1beta1}"), NULL,
		    K8SA_E_CONFIG, "exec.command: missing", NULL);
	expect_fail(exec_kubeconfig("d.yaml", "{apiVersion: client.authentication.k8s.io/v1beta1, command: x, "
					      "interactiveMode: Sometimes}"),
		    NULL, K8SA_E_CONFIG, "\"Sometimes\" is not Never, IfAvailable or Always", NULL);
	expect_fail(exec_kubeconfig("e.yaml", "{apiVersion: client.authentication.k8s.io/v1beta1, command: x, "
					      "env: [{value: y}]}"),
		    NULL, K8SA_E_CONFIG, "exec.env[0].name", NULL);
	expect_fail(exec_kubeconfig("f.yaml", "{apiVersion: client.authentication.k8s.io/v1beta1, command: x, args: y}"),
		    NULL, K8SA_E_CONFIG, "exec.args: expected a list", NULL);
	/* v1beta1 defaults to IfAvailable; provideClusterInfo carries the cluster. */
	k8sa_kubeconfig *cfg = NULL;
	k8sa_error e;
	const char *p = exec_kubeconfig("g.yaml", "{apiVersion: client.authentication.k8s.io/v1beta1, command: x, "
						  "provideClusterInfo: true}");
	ck_assert_msg(k8sa_kubeconfig_load_file(&cfg, p, NULL, &e) == K8SA_OK, "%s", e.message);
	ck_assert_int_eq(cfg->exec->interactive, K8SA_EXEC_IF_AVAILABLE);
	ck_assert_ptr_nonnull(cfg->exec->cluster_json);
	ck_assert_msg(strstr(cfg->exec->cluster_json, "\"server\":\"https://127.0.0.1:1\"") &&
			      strstr(cfg->exec->cluster_json,
				     "\"certificate-authority-data\":\"LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCk1JSUZBS0UK"),
		      "%s", cfg->exec->cluster_json);
	k8sa_kubeconfig_free(cfg);
	/* The cluster's proxy-url travels too, as client-go's spec.cluster carries it. */
	p = tmp_write("h.yaml", "clusters: [{name: c, cluster: {server: 'https://k:6443', proxy-url: 'http://proxy:3128'}}]\n"
				"users: [{name: u, user: {exec: {apiVersion: client.authentication.k8s.io/v1beta1, "
				"command: x, provideClusterInfo: true}}}]\n"
				"contexts: [{name: x, context: {cluster: c, user: u}}]\ncurrent-context: x\n");
	ck_assert_msg(k8sa_kubeconfig_load_file(&cfg, p, NULL, &e) == K8SA_OK, "%s", e.message);
	ck_assert_str_eq(cfg->exec->cluster_json, "{\"server\":\"https://k:6443\",\"proxy-url\":\"http://proxy:3128\"}");
	k8sa_kubeconfig_free(cfg);
}
END_TEST

/* ---------------------------------------------------------------- running a fake plugin */

/* Write an executable shell script into the temp dir. */
static const char *tmp_script(const char *name, const char *body)
{
	const char *p = tmp_write(name, body);
	ck_assert_int_eq(chmod(p, 0755), 0);
	return p;
}

static k8sa_exec_config *fake_exec(const char *command, k8sa_exec_interactive mode)
{
	k8sa_exec_config *x = calloc(1, sizeof(*x));
	ck_assert_ptr_nonnull(x);
	x->api_version = strdup("client.authentication.k8s.io/v1");
	x->command = strdup(command);
	x->dir = strdup(tmp_dir);
	x->interactive = mode;
	x->what = strdup("kubeconfig test: user \"u\"");
	return x;
}

START_TEST(exec_plugin_token_args_env_info)
{
	char script[2048];
	snprintf(script, sizeof(script),
		 "#!/bin/sh\n"
		 "printf '%%s\\n' \"$@\" > %s/args\n"
		 "printf '%%s\\n' \"$FAKE_VAR\" > %s/env\n"
		 "printf '%%s\\n' \"$KUBERNETES_EXEC_INFO\" > %s/info\n"
		 "[ -t 0 ] && echo tty > %s/stdin\n"
		 "echo 'plugin message' >&2\n"
		 "echo '{\"apiVersion\":\"client.authentication.k8s.io/v1\",\"kind\":\"ExecCredential\",'\n"
		 "echo ' \"status\":{\"token\":\"tok-123\",\"expirationTimestamp\":\"2030-01-02T03:04:05Z\"}}'\n",
		 tmp_dir, tmp_dir, tmp_dir, tmp_dir);
	tmp_script("plugin.sh", script);
	k8sa_exec_config *x = fake_exec("./plugin.sh", K8SA_EXEC_NEVER); /* relative: from the kubeconfig's dir */
	char *args[] = {strdup("get-token"), strdup("--cluster name"), NULL};
	char *env[] = {strdup("FAKE_VAR=from kubeconfig"), NULL};
	x->args = calloc(3, sizeof(char *));
	x->env = calloc(2, sizeof(char *));
	memcpy(x->args, args, sizeof(args));
	memcpy(x->env, env, sizeof(env));
	x->provide_cluster_info = 1;
	x->cluster_json = strdup("{\"server\":\"https://k:6443\"}");
	setenv("FAKE_VAR", "from parent", 1);

	k8sa_exec_cred cred = {0};
	k8sa_error e;
	ck_assert_msg(k8sa_exec_run(x, &cred, &e) == K8SA_OK, "%s", e.message);
	ck_assert_str_eq(cred.token, "tok-123");
	ck_assert_ptr_null(cred.cert_pem);
	ck_assert_int_eq((long long)cred.expires, 1893553445LL);

	char *text = NULL;
	char path[512];
	snprintf(path, sizeof(path), "%s/args", tmp_dir);
	ck_assert_int_eq(k8sa_read_file(path, 4096, &text, NULL, NULL), K8SA_OK);
	ck_assert_str_eq(text, "get-token\n--cluster name\n"); /* no shell: one argument each */
	free(text);
	snprintf(path, sizeof(path), "%s/env", tmp_dir);
	ck_assert_int_eq(k8sa_read_file(path, 4096, &text, NULL, NULL), K8SA_OK);
	ck_assert_str_eq(text, "from kubeconfig\n");
	free(text);
	snprintf(path, sizeof(path), "%s/info", tmp_dir);
	ck_assert_int_eq(k8sa_read_file(path, 4096, &text, NULL, NULL), K8SA_OK);
	ck_assert_str_eq(text, "{\"kind\":\"ExecCredential\",\"apiVersion\":\"client.authentication.k8s.io/v1\","
			       "\"spec\":{\"interactive\":false,\"cluster\":{\"server\":\"https://k:6443\"}}}\n");
	free(text);
	snprintf(path, sizeof(path), "%s/stdin", tmp_dir);
	ck_assert_int_ne(access(path, F_OK), 0); /* Never: stdin is not passed on */
	k8sa_exec_cred_clear(&cred);
	k8sa_exec_config_free(x);
}
END_TEST

START_TEST(exec_plugin_client_certificate)
{
	tmp_script("cert.sh", "#!/bin/sh\n"
			      "echo '{\"apiVersion\":\"client.authentication.k8s.io/v1\",\"kind\":\"ExecCredential\",'\n"
			      "echo '\"status\":{\"clientCertificateData\":\"-----BEGIN CERTIFICATE-----\\nA\\n\",'\n"
			      "echo '\"clientKeyData\":\"-----BEGIN PRIVATE KEY-----\\nB\\n\"}}'\n");
	k8sa_exec_config *x = fake_exec("./cert.sh", K8SA_EXEC_IF_AVAILABLE);
	k8sa_exec_cred cred = {0};
	k8sa_error e;
	ck_assert_msg(k8sa_exec_run(x, &cred, &e) == K8SA_OK, "%s", e.message);
	ck_assert_ptr_null(cred.token);
	ck_assert_str_eq(cred.cert_pem, "-----BEGIN CERTIFICATE-----\nA\n");
	ck_assert_str_eq(cred.key_pem, "-----BEGIN PRIVATE KEY-----\nB\n");
	ck_assert_int_eq((long long)cred.expires, 0);
	k8sa_exec_cred_clear(&cred);
	k8sa_exec_config_free(x);
}
END_TEST

static void expect_exec_fail(k8sa_exec_config *x, k8sa_status code, const char *frag1, const char *frag2)
{
	k8sa_exec_cred cred = {0};
	k8sa_error e;
	memset(&e, 0, sizeof(e));
	k8sa_status st = k8sa_exec_run(x, &cred, &e);
	ck_assert_msg(st == code, "status %s, want %s (%s)", k8sa_strerror(st), k8sa_strerror(code), e.message);
	ck_assert_ptr_null(cred.token);
	if (frag1)
		ck_assert_msg(strstr(e.message, frag1), "message \"%s\" lacks \"%s\"", e.message, frag1);
	if (frag2)
		ck_assert_msg(strstr(e.message, frag2), "message \"%s\" lacks \"%s\"", e.message, frag2);
	k8sa_exec_config_free(x);
}

START_TEST(exec_plugin_failures)
{
	/* Missing command: named, with the kubeconfig's install hint. */
	k8sa_exec_config *x = fake_exec("k8sa-no-such-plugin", K8SA_EXEC_NEVER);
	x->install_hint = strdup("Install it with: apt-get install k8sa-no-such-plugin");
	expect_exec_fail(x, K8SA_E_CONFIG, "command \"k8sa-no-such-plugin\" not found in PATH",
			 "Install it with: apt-get install k8sa-no-such-plugin");
	expect_exec_fail(fake_exec("./missing.sh", K8SA_EXEC_NEVER), K8SA_E_CONFIG, "\"./missing.sh\" not found",
			 "runs it to get credentials");
	/* Always needs a terminal; the test's stdin is /dev/null. */
	ck_assert_ptr_nonnull(freopen("/dev/null", "r", stdin));
	tmp_script("ok.sh", "#!/bin/sh\necho never-run > \"$0.ran\"\n");
	expect_exec_fail(fake_exec("./ok.sh", K8SA_EXEC_ALWAYS), K8SA_E_CONFIG, "interactiveMode Always",
			 "standard input is not a terminal");
	char ran[512];
	snprintf(ran, sizeof(ran), "%s/ok.sh.ran", tmp_dir);
	ck_assert_int_ne(access(ran, F_OK), 0);
	tmp_script("fail.sh", "#!/bin/sh\necho 'token expired, run aws sso login' >&2\nexit 3\n");
	expect_exec_fail(fake_exec("./fail.sh", K8SA_EXEC_NEVER), K8SA_E_CONFIG, "failed with exit code 3", NULL);
	tmp_script("big.sh", "#!/bin/sh\nhead -c 3000000 /dev/zero\n");
	expect_exec_fail(fake_exec("./big.sh", K8SA_EXEC_NEVER), K8SA_E_LIMIT, "wrote more than", NULL);
	/* A plugin that hangs is stopped at its time limit, its children with it. */
	tmp_script("hang.sh", "#!/bin/sh\nsleep 30 &\necho $! > \"$0.child\"\nwait\n");
	k8sa_exec_config *hx = fake_exec("./hang.sh", K8SA_EXEC_NEVER);
	hx->timeout_s = 1;
	double t0 = k8sa_now_ms();
	expect_exec_fail(hx, K8SA_E_TIMEOUT, "did not finish within 1 s", NULL);
	ck_assert_msg(k8sa_now_ms() - t0 < 5000, "the time limit was not applied");
	char childf[512], *pid = NULL;
	snprintf(childf, sizeof(childf), "%s/hang.sh.child", tmp_dir);
	ck_assert_int_eq(k8sa_read_file(childf, 64, &pid, NULL, NULL), K8SA_OK);
	/* Gone, or a zombie waiting for init to reap it (killed either way). */
	char statf[64], *stat = NULL;
	int alive = 1;
	for (int i = 0; i < 50 && alive; i++) {
		snprintf(statf, sizeof(statf), "/proc/%ld/stat", atol(pid));
		alive = k8sa_read_file(statf, 4096, &stat, NULL, NULL) == K8SA_OK && strchr(stat, ')') &&
			strchr(stat, ')')[2] != 'Z';
		free(stat);
		stat = NULL;
		if (alive)
			usleep(20000);
	}
	ck_assert_msg(!alive, "the plugin's child %ld still runs", atol(pid));
	free(pid);
	tmp_script("text.sh", "#!/bin/sh\necho hello\n");
	expect_exec_fail(fake_exec("./text.sh", K8SA_EXEC_NEVER), K8SA_E_CONFIG, "not an ExecCredential", NULL);
	tmp_script("old.sh", "#!/bin/sh\necho '{\"apiVersion\":\"client.authentication.k8s.io/v1beta1\","
			     "\"kind\":\"ExecCredential\",\"status\":{\"token\":\"t\"}}'\n");
	expect_exec_fail(fake_exec("./old.sh", K8SA_EXEC_NEVER), K8SA_E_CONFIG, "returned client.authentication.k8s.io/v1beta1",
			 NULL);
	tmp_script("empty.sh", "#!/bin/sh\necho '{\"apiVersion\":\"client.authentication.k8s.io/v1\","
			       "\"kind\":\"ExecCredential\",\"status\":{}}'\n");
	expect_exec_fail(fake_exec("./empty.sh", K8SA_EXEC_NEVER), K8SA_E_CONFIG, "neither a token nor", NULL);
}
END_TEST

START_TEST(rfc3339_times)
{
	time_t t;
	ck_assert_int_eq(k8sa_parse_rfc3339("1970-01-01T00:00:00Z", &t), 0);
	ck_assert_int_eq((long long)t, 0);
	ck_assert_int_eq(k8sa_parse_rfc3339("2030-01-02T03:04:05.123456789Z", &t), 0);
	ck_assert_int_eq((long long)t, 1893553445LL);
	ck_assert_int_eq(k8sa_parse_rfc3339("2030-01-02T05:04:05+02:00", &t), 0);
	ck_assert_int_eq((long long)t, 1893553445LL);
	ck_assert_int_eq(k8sa_parse_rfc3339("2030-01-02 03:04:05", &t), -1);
	ck_assert_int_eq(k8sa_parse_rfc3339("tomorrow", &t), -1);
}
END_TEST

START_TEST(explicit_settings)
{
	k8sa_kubeconfig *cfg = NULL;
	ck_assert_int_eq(k8sa_kubeconfig_new(&cfg, NULL), K8SA_OK);
	ck_assert_ptr_nonnull(cfg);
	ck_assert_str_eq(k8sa_kubeconfig_source(cfg), "explicit");
	ck_assert_str_eq(k8sa_kubeconfig_namespace(cfg), "default");
	ck_assert_ptr_null(k8sa_kubeconfig_server(cfg));
	ck_assert_int_eq(k8sa_kubeconfig_set_server(cfg, "https://x:1"), K8SA_OK);
	ck_assert_int_eq(k8sa_kubeconfig_set_namespace(cfg, "shop"), K8SA_OK);
	ck_assert_int_eq(k8sa_kubeconfig_set_insecure_skip_tls_verify(cfg, 7), K8SA_OK);
	ck_assert_str_eq(k8sa_kubeconfig_server(cfg), "https://x:1");
	ck_assert_str_eq(k8sa_kubeconfig_namespace(cfg), "shop");
	ck_assert_int_eq(k8sa_kubeconfig_insecure_skip_tls_verify(cfg), 1);
	ck_assert_int_eq(k8sa_kubeconfig_set_server(cfg, NULL), K8SA_OK);
	ck_assert_ptr_null(k8sa_kubeconfig_server(cfg));
	ck_assert_int_eq(k8sa_kubeconfig_set_token(NULL, "x"), K8SA_E_INVALID_ARG);
	/* A client cannot be made without a server. */
	k8sa_kube *kube = NULL;
	k8sa_error e;
	ck_assert_int_eq(k8sa_kube_new(&kube, cfg, &e), K8SA_E_CONFIG);
	ck_assert_ptr_nonnull(strstr(e.message, "has no server"));
	k8sa_kubeconfig_free(cfg);
	k8sa_kubeconfig_free(NULL);
}
END_TEST

/* ---------------------------------------------------------------- in-cluster */

static void sa_dir(const char *token, const char *ns)
{
	setenv("K8SA_SERVICEACCOUNT_DIR", tmp_dir, 1);
	if (token)
		tmp_write("token", token);
	tmp_write("ca.crt", "-----BEGIN CERTIFICATE-----\nX\n-----END CERTIFICATE-----\n");
	if (ns)
		tmp_write("namespace", ns);
}

START_TEST(in_cluster_basic)
{
	k8sa_kubeconfig *cfg = NULL;
	k8sa_error e;
	sa_dir("tok\n", "  shop\n");
	setenv("KUBERNETES_SERVICE_HOST", "10.96.0.1", 1);
	setenv("KUBERNETES_SERVICE_PORT", "443", 1);
	ck_assert_int_eq(k8sa_kubeconfig_load_in_cluster(&cfg, &e), K8SA_OK);
	ck_assert_str_eq(k8sa_kubeconfig_server(cfg), "https://10.96.0.1:443");
	ck_assert_str_eq(k8sa_kubeconfig_namespace(cfg), "shop"); /* trimmed */
	ck_assert_str_eq(k8sa_kubeconfig_source(cfg), "in-cluster");
	ck_assert_ptr_null(k8sa_kubeconfig_context(cfg));
	char want[600];
	snprintf(want, sizeof(want), "%s/token", tmp_dir);
	ck_assert_str_eq(cfg->token_file, want);
	snprintf(want, sizeof(want), "%s/ca.crt", tmp_dir);
	ck_assert_str_eq(cfg->ca_file, want);
	k8sa_kubeconfig_free(cfg);

	/* load_default picks in-cluster when both variables are set and no context is asked for. */
	ck_assert_int_eq(k8sa_kubeconfig_load_default(&cfg, NULL, NULL, &e), K8SA_OK);
	ck_assert_str_eq(k8sa_kubeconfig_source(cfg), "in-cluster");
	k8sa_kubeconfig_free(cfg);
	/* ... but a context means a kubeconfig. */
	setenv("KUBECONFIG", data("kubeconfig-cafile.yaml"), 1);
	ck_assert_int_eq(k8sa_kubeconfig_load_default(&cfg, NULL, "other", &e), K8SA_OK);
	ck_assert_str_eq(k8sa_kubeconfig_context(cfg), "other");
	k8sa_kubeconfig_free(cfg);
}
END_TEST

START_TEST(in_cluster_ipv6_and_pod_namespace)
{
	k8sa_kubeconfig *cfg = NULL;
	k8sa_error e;
	sa_dir("tok", "from-file");
	setenv("KUBERNETES_SERVICE_HOST", "fd00:10:96::1", 1);
	setenv("KUBERNETES_SERVICE_PORT", "6443", 1);
	setenv("POD_NAMESPACE", "from-env", 1);
	ck_assert_int_eq(k8sa_kubeconfig_load_in_cluster(&cfg, &e), K8SA_OK);
	ck_assert_str_eq(k8sa_kubeconfig_server(cfg), "https://[fd00:10:96::1]:6443");
	ck_assert_str_eq(k8sa_kubeconfig_namespace(cfg), "from-env");
	k8sa_kubeconfig_free(cfg);
	/* No namespace file and no POD_NAMESPACE: "default". */
	unsetenv("POD_NAMESPACE");
	char p[600];
	snprintf(p, sizeof(p), "%s/namespace", tmp_dir);
	ck_assert_int_eq(unlink(p), 0);
	ck_assert_int_eq(k8sa_kubeconfig_load_in_cluster(&cfg, &e), K8SA_OK);
	ck_assert_str_eq(k8sa_kubeconfig_namespace(cfg), "default");
	k8sa_kubeconfig_free(cfg);
}
END_TEST

START_TEST(in_cluster_errors)
{
	k8sa_kubeconfig *cfg = NULL;
	k8sa_error e;
	sa_dir(NULL, "ns");
	setenv("KUBERNETES_SERVICE_HOST", "10.0.0.1", 1);
	ck_assert_int_eq(k8sa_kubeconfig_load_in_cluster(&cfg, &e), K8SA_E_CONFIG);
	ck_assert_ptr_nonnull(strstr(e.message, "KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT must both be set"));
	setenv("KUBERNETES_SERVICE_PORT", "https", 1);
	ck_assert_int_eq(k8sa_kubeconfig_load_in_cluster(&cfg, &e), K8SA_E_CONFIG);
	ck_assert_ptr_nonnull(strstr(e.message, "not a port number"));
	setenv("KUBERNETES_SERVICE_PORT", "443", 1);
	ck_assert_int_eq(k8sa_kubeconfig_load_in_cluster(&cfg, &e), K8SA_E_CONFIG);
	ck_assert_ptr_nonnull(strstr(e.message, "/token: No such file"));
	tmp_write("token", " \n");
	ck_assert_int_eq(k8sa_kubeconfig_load_in_cluster(&cfg, &e), K8SA_E_CONFIG);
	ck_assert_ptr_nonnull(strstr(e.message, "/token: empty"));
	tmp_write("token", "t");
	char p[600];
	snprintf(p, sizeof(p), "%s/ca.crt", tmp_dir);
	ck_assert_int_eq(unlink(p), 0);
	ck_assert_int_eq(k8sa_kubeconfig_load_in_cluster(&cfg, &e), K8SA_E_CONFIG);
	ck_assert_ptr_nonnull(strstr(e.message, "CA file"));
	unsetenv("KUBERNETES_SERVICE_HOST");
	ck_assert_int_eq(k8sa_kubeconfig_load_in_cluster(NULL, &e), K8SA_E_INVALID_ARG);
}
END_TEST

START_TEST(base64_decoder)
{
	char *out = NULL;
	size_t n = 0;
	ck_assert_int_eq(k8sa_base64_decode("aGVsbG8=", 8, &out, &n), 0);
	ck_assert_str_eq(out, "hello");
	ck_assert_uint_eq(n, 5);
	free(out);
	ck_assert_int_eq(k8sa_base64_decode("aGVs\nbG8", 8, &out, &n), 0); /* no padding, wrapped */
	ck_assert_str_eq(out, "hello");
	free(out);
	ck_assert_int_eq(k8sa_base64_decode("", 0, &out, &n), 0);
	ck_assert_uint_eq(n, 0);
	free(out);
	out = NULL;
	ck_assert_int_eq(k8sa_base64_decode("a", 1, &out, &n), -1);
	ck_assert_int_eq(k8sa_base64_decode("aGVsbG8=x", 9, &out, &n), -1);
	ck_assert_int_eq(k8sa_base64_decode("aGV*", 4, &out, &n), -1);
	ck_assert_int_eq(k8sa_base64_decode("aGVsbA===", 9, &out, &n), -1);
	ck_assert_ptr_null(out);
}
END_TEST

START_TEST(every_truncation_fails_cleanly)
{
	/* Cut a valid kubeconfig at every byte: each prefix loads or fails with a config error,
	 * never crashes or leaks (run under valgrind/ASan). */
	static const char *const sources[] = {"kubeconfig-clientcert.yaml", "kubeconfig-cafile.yaml",
					      "kubeconfig-exec.yaml"};
	for (size_t s = 0; s < sizeof(sources) / sizeof(sources[0]); s++) {
		FILE *f = fopen(data(sources[s]), "r");
		ck_assert_ptr_nonnull(f);
		char text[8192];
		size_t n = fread(text, 1, sizeof(text) - 1, f);
		fclose(f);
		/* Relative file references must still resolve from the temp dir. */
		tmp_write("ca.pem", "-----BEGIN CERTIFICATE-----\nX\n-----END CERTIFICATE-----\n");
		tmp_write("token.txt", "t");
		int ok = 0;
		for (size_t cut = 0; cut <= n; cut++) {
			text[cut] = '\0';
			const char *p = tmp_write("cut.yaml", text);
			k8sa_kubeconfig *cfg = NULL;
			k8sa_error e;
			memset(&e, 0, sizeof(e));
			k8sa_status st = k8sa_kubeconfig_load_file(&cfg, p, NULL, &e);
			ck_assert_msg(st == K8SA_OK || st == K8SA_E_CONFIG || st == K8SA_E_UNSUPPORTED,
				      "%s cut at %zu: %s", sources[s], cut, k8sa_strerror(st));
			if (st == K8SA_OK) {
				ok++;
				ck_assert_ptr_nonnull(k8sa_kubeconfig_server(cfg));
				k8sa_kubeconfig_free(cfg);
			} else {
				ck_assert_ptr_null(cfg);
				ck_assert_msg(e.message[0] && strstr(e.message, "cut.yaml"), "%s", e.message);
			}
			/* restore for the next, longer prefix */
			f = fopen(data(sources[s]), "r");
			ck_assert_uint_eq(fread(text, 1, n, f), n);
			fclose(f);
		}
		if (s < 2) /* the whole file is valid */
			ck_assert_int_ge(ok, 1);
	}
}
END_TEST

Suite *k8sa_test_suite(void)
{
	Suite *s = suite_create("kubeconfig");
	TCase *tc = tcase_create("kubeconfig");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, token_kubeconfig);
	tcase_add_test(tc, client_cert_data);
	tcase_add_test(tc, ca_file_relative_and_token_file);
	tcase_add_test(tc, merge_order_first_wins);
	tcase_add_test(tc, home_kube_config);
	tcase_add_test(tc, context_not_found_lists_contexts);
	tcase_add_test(tc, proxy_url);
	tcase_add_test(tc, malformed_yaml_has_line_and_column);
	tcase_add_test(tc, missing_and_empty_files);
	tcase_add_test(tc, wrong_types);
	tcase_add_test(tc, bad_base64_names_the_field);
	tcase_add_test(tc, insecure_flag);
	tcase_add_test(tc, basic_auth_and_auth_provider_unsupported);
	tcase_add_test(tc, exec_kubeconfig_parses);
	tcase_add_test(tc, exec_kubeconfig_errors);
	tcase_add_test(tc, exec_plugin_token_args_env_info);
	tcase_add_test(tc, exec_plugin_client_certificate);
	tcase_add_test(tc, exec_plugin_failures);
	tcase_add_test(tc, rfc3339_times);
	tcase_add_test(tc, explicit_settings);
	tcase_add_test(tc, every_truncation_fails_cleanly);
	suite_add_tcase(s, tc);
	TCase *ic = tcase_create("in-cluster");
	tcase_add_checked_fixture(ic, setup, teardown);
	tcase_add_test(ic, in_cluster_basic);
	tcase_add_test(ic, in_cluster_ipv6_and_pod_namespace);
	tcase_add_test(ic, in_cluster_errors);
	tcase_add_test(ic, base64_decoder);
	suite_add_tcase(s, ic);
	return s;
}
