/* SPDX-License-Identifier: MIT */
/* The read-only client against a loopback HTTP server (libmicrohttpd in a thread) that serves
 * canned pages and records every request; plus the Status mapping and the path guard. */
#include "internal.h"
#include "kube_internal.h"
#include <k8sagent/k8sagent.h>

#include <arpa/inet.h>
#include <check.h>

#include "lib/check_main.h"
#include "lib/text_check.h"
#include "lib/sim.h"
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* ---------------------------------------------------------------- test server */

typedef struct rec {
	char method[16];
	char path[256];
	char cont[128];
	char limit[16];
	char auth[128];
	char agent[64];
	char accept[64];
	char query[512];
} rec;

static struct {
	struct MHD_Daemon *d;
	int port;
	pthread_mutex_t mu;
	rec recs[512];
	int nrec;
	/* behaviour knobs */
	char required_token[64]; /* "" accepts anything */
	int expire_left;         /* 410 on this many continue pages */
	int busy_left;           /* 429 on this many events lists */
	int unavailable_left;    /* 503 (plain text) on this many deployments lists */
} srv;

static char data_dir[3072];

static char *slurp(const char *name)
{
	char p[3200];
	snprintf(p, sizeof(p), "%s/%s", data_dir, name);
	FILE *f = fopen(p, "r");
	ck_assert_msg(f != NULL, "open %s", p);
	char *buf = calloc(1, 65536);
	size_t n = fread(buf, 1, 65535, f);
	buf[n] = 0;
	fclose(f);
	return buf;
}

static enum MHD_Result add_query(void *cls, enum MHD_ValueKind kind, const char *k, const char *v)
{
	rec *r = cls;
	(void)kind;
	size_t n = strlen(r->query);
	snprintf(r->query + n, sizeof(r->query) - n, "%s%s=%s", n ? "&" : "", k, v ? v : "");
	return MHD_YES;
}

static enum MHD_Result reply(struct MHD_Connection *c, unsigned int status, const char *ctype, const char *body,
			     const char *retry_after)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(strlen(body), (void *)body, MHD_RESPMEM_MUST_COPY);
	MHD_add_response_header(r, "Content-Type", ctype);
	if (retry_after)
		MHD_add_response_header(r, "Retry-After", retry_after);
	enum MHD_Result ret = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ret;
}

static ssize_t truncated_reader(void *cls, uint64_t pos, char *buf, size_t max)
{
	(void)cls;
	if (pos > 0)
		return MHD_CONTENT_READER_END_WITH_ERROR; /* close before Content-Length is reached */
	const char *part = "{\"kind\":\"EndpointsList\",\"items\":[";
	size_t n = strlen(part) < max ? strlen(part) : max;
	memcpy(buf, part, n);
	return (ssize_t)n;
}

static const char *arg(struct MHD_Connection *c, const char *k)
{
	return MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, k);
}

/* A 5-pod list in pages of `limit`, continue tokens "p<offset>". */
static enum MHD_Result pods_page(struct MHD_Connection *c)
{
	const char *cont = arg(c, "continue"), *lim = arg(c, "limit");
	int start = cont ? atoi(cont + 1) : 0, limit = lim ? atoi(lim) : 0, total = 5;
	if (cont && srv.expire_left > 0) {
		srv.expire_left--;
		char *b = slurp("status/410-expired-continue.json");
		enum MHD_Result r = reply(c, 410, "application/json", b, NULL);
		free(b);
		return r;
	}
	if (limit <= 0)
		limit = total;
	char body[4096];
	size_t n = (size_t)snprintf(body, sizeof(body), "{\"kind\":\"PodList\",\"apiVersion\":\"v1\",\"metadata\":{\"resourceVersion\":\"7\"");
	if (start + limit < total)
		n += (size_t)snprintf(body + n, sizeof(body) - n, ",\"continue\":\"p%d\"", start + limit);
	n += (size_t)snprintf(body + n, sizeof(body) - n, "},\"items\":[");
	for (int i = start; i < start + limit && i < total; i++)
		n += (size_t)snprintf(body + n, sizeof(body) - n, "%s{\"metadata\":{\"name\":\"pod-%d\",\"namespace\":\"shop\"}}",
				      i > start ? "," : "", i);
	snprintf(body + n, sizeof(body) - n, "]}");
	return reply(c, 200, "application/json", body, NULL);
}

static enum MHD_Result handler(void *cls, struct MHD_Connection *c, const char *url, const char *method,
			       const char *version, const char *upload, size_t *upload_size, void **state)
{
	(void)cls, (void)version, (void)upload, (void)upload_size;
	if (!*state) { /* first call: headers only */
		*state = (void *)1;
		return MHD_YES;
	}
	rec r;
	memset(&r, 0, sizeof(r));
	const char *v;
	snprintf(r.method, sizeof(r.method), "%s", method);
	snprintf(r.path, sizeof(r.path), "%s", url);
	if ((v = arg(c, "continue")))
		snprintf(r.cont, sizeof(r.cont), "%s", v);
	if ((v = arg(c, "limit")))
		snprintf(r.limit, sizeof(r.limit), "%s", v);
	if ((v = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization")))
		snprintf(r.auth, sizeof(r.auth), "%s", v);
	if ((v = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "User-Agent")))
		snprintf(r.agent, sizeof(r.agent), "%s", v);
	if ((v = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Accept")))
		snprintf(r.accept, sizeof(r.accept), "%s", v);
	MHD_get_connection_values(c, MHD_GET_ARGUMENT_KIND, add_query, &r);

	pthread_mutex_lock(&srv.mu);
	if (srv.nrec < (int)(sizeof(srv.recs) / sizeof(srv.recs[0])))
		srv.recs[srv.nrec++] = r;
	enum MHD_Result ret;
	char want[128];
	snprintf(want, sizeof(want), "Bearer %s", srv.required_token);
	if (srv.required_token[0] && strcmp(r.auth, want)) {
		char *b = slurp("status/401-unauthorized.json");
		ret = reply(c, 401, "application/json", b, NULL);
		free(b);
	} else if (!strcmp(url, "/api/v1/namespaces/shop/pods")) {
		ret = pods_page(c);
	} else if (!strcmp(url, "/api/v1/nodes")) {
		char *b = slurp("status/403-list-nodes-cluster-scope.json");
		ret = reply(c, 403, "application/json", b, NULL);
		free(b);
	} else if (!strcmp(url, "/api/v1/namespaces/shop/configmaps")) {
		ret = reply(c, 200, "application/json",
			    "{\"kind\":\"ConfigMapList\",\"metadata\":{\"continue\":\"\"},\"items\":[{\"metadata\":{\"name\":"
			    "\"cfg\"},\"data\":{\"DB_PASSWORD\":\"hunter2\",\"mode\":\"prod\"},\"binaryData\":{\"blob\":"
			    "\"aHVudGVyMg==\"}}]}",
			    NULL);
	} else if (!strcmp(url, "/api/v1/namespaces/shop/events")) {
		if (srv.busy_left > 0) {
			srv.busy_left--;
			ret = reply(c, 429, "application/json",
				    "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"status\":\"Failure\",\"message\":"
				    "\"Too many requests, please try again later.\",\"reason\":\"TooManyRequests\","
				    "\"code\":429}",
				    "1");
		} else {
			ret = reply(c, 200, "application/json", "{\"kind\":\"EventList\",\"items\":[{\"metadata\":{}}]}", NULL);
		}
	} else if (!strcmp(url, "/apis/apps/v1/namespaces/shop/deployments")) {
		if (srv.unavailable_left > 0) {
			srv.unavailable_left--;
			ret = reply(c, 503, "text/plain", "upstream connect error", NULL);
		} else {
			ret = reply(c, 200, "application/json", "{\"kind\":\"DeploymentList\",\"items\":[]}", NULL);
		}
	} else if (!strcmp(url, "/api/v1/namespaces/shop/services")) {
		ret = reply(c, 200, "application/json", "{\"kind\":\"ServiceList\",\"items\":[{\"metadata\":", NULL);
	} else if (!strcmp(url, "/api/v1/namespaces/shop/endpoints")) {
		struct MHD_Response *resp = MHD_create_response_from_callback(4096, 1024, truncated_reader, NULL, NULL);
		MHD_add_response_header(resp, "Content-Type", "application/json");
		ret = MHD_queue_response(c, 200, resp);
		MHD_destroy_response(resp);
	} else if (!strcmp(url, "/apis/batch/v1/namespaces/shop/jobs")) {
		pthread_mutex_unlock(&srv.mu);
		usleep(1500 * 1000); /* slower than the test's request timeout */
		pthread_mutex_lock(&srv.mu);
		ret = reply(c, 200, "application/json", "{\"items\":[]}", NULL);
	} else if (!strcmp(url, "/api/v1/namespaces/shop/pods/web/log")) {
		char body[600];
		snprintf(body, sizeof(body), "log line 1\nquery: %s\n", r.query);
		ret = reply(c, 200, "text/plain", body, NULL);
	} else if (!strcmp(url, "/api/v1/namespaces/shop/pods/big/log")) {
		char *b = malloc(5001);
		memset(b, 'x', 5000);
		b[5000] = 0;
		ret = reply(c, 200, "text/plain", b, NULL);
		free(b);
	} else if (!strcmp(url, "/api/v1/namespaces/shop/pods/web-prev/log")) {
		char *b = slurp("status/400-log-previous-not-found.json");
		ret = reply(c, 400, "application/json", b, NULL);
		free(b);
	} else if (!strcmp(url, "/version")) {
		ret = reply(c, 200, "application/json", "{\"major\":\"1\",\"minor\":\"31\",\"gitVersion\":\"v1.31.0\"}", NULL);
	} else if (!strncmp(url, "/api/v1/namespaces/", 19)) {
		/* Any other namespaced core list: empty. */
		ret = reply(c, 200, "application/json", "{\"kind\":\"List\",\"metadata\":{},\"items\":[]}", NULL);
	} else {
		char *b = slurp("status/404-unknown-path.json");
		ret = reply(c, 404, "application/json", b, NULL);
		free(b);
	}
	pthread_mutex_unlock(&srv.mu);
	return ret;
}

static void setup(void)
{
	const char *top = getenv("top_srcdir");
	snprintf(data_dir, sizeof(data_dir), "%.2900s/tests/data/kube", top ? top : K8SA_TEST_SRCDIR);
	memset(&srv, 0, sizeof(srv));
	pthread_mutex_init(&srv.mu, NULL);
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = 0};
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	srv.d = MHD_start_daemon(MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD, 0, NULL, NULL,
				 handler, NULL, MHD_OPTION_SOCK_ADDR, &sa, MHD_OPTION_END);
	ck_assert_ptr_nonnull(srv.d);
	const union MHD_DaemonInfo *info = MHD_get_daemon_info(srv.d, MHD_DAEMON_INFO_BIND_PORT);
	srv.port = info->port;
	ck_assert_int_gt(srv.port, 0);
	ck_assert_int_eq(k8sa_global_init(), K8SA_OK);
}

static void teardown(void)
{
	MHD_stop_daemon(srv.d);
	k8sa_global_cleanup();
}

/* An empty configuration, asserted made; k8sa_kubeconfig_free() it. */
static k8sa_kubeconfig *new_config(void)
{
	k8sa_kubeconfig *cfg = NULL;
	ck_assert_int_eq(k8sa_kubeconfig_new(&cfg, NULL), K8SA_OK);
	ck_assert_ptr_nonnull(cfg);
	return cfg;
}

static k8sa_kube *client_for(const char *scheme, int port, const char *token)
{
	char url[128];
	k8sa_kubeconfig *cfg = new_config();
	k8sa_kube *kube = NULL;
	k8sa_error e;
	snprintf(url, sizeof(url), "%s://127.0.0.1:%d/", scheme, port);
	ck_assert_int_eq(k8sa_kubeconfig_set_server(cfg, url), K8SA_OK);
	ck_assert_int_eq(k8sa_kubeconfig_set_namespace(cfg, "shop"), K8SA_OK);
	if (token)
		ck_assert_int_eq(k8sa_kubeconfig_set_token(cfg, token), K8SA_OK);
	ck_assert_msg(k8sa_kube_new(&kube, cfg, &e) == K8SA_OK, "%s", e.message);
	k8sa_kubeconfig_free(cfg);
	k8sa_kube_set_timeout_ms(kube, 2000, 5000);
	return kube;
}

static k8sa_kube *client(void)
{
	return client_for("http", srv.port, "secret-token");
}

/* The "client" cases: the stand-in server and a client of it, kc. */
static k8sa_kube *kc;

static void setup_client(void)
{
	setup();
	kc = client();
}

/* kc lists res in namespace shop, no selector, asserting the status want: the JSON it gives
 * (k8sa_free()), detail in *e. */
static char *list_shop(k8sa_resource res, k8sa_status want, k8sa_error *e)
{
	char *json = NULL;
	k8sa_status st = k8sa_kube_list_json(kc, res, "shop", NULL, &json, e);
	ck_assert_msg(st == want, "list %s: %s, want %s: %s", k8sa_resource_name(res), k8sa_strerror(st),
		      k8sa_strerror(want), e->message);
	return json;
}

/* json (freed here) is an array of n items. */
static void assert_items(char *json, size_t n)
{
	json_object *arr = json_tokener_parse(json);
	ck_assert_msg(json_object_is_type(arr, json_type_array), "not an array: %s", json);
	ck_assert_uint_eq(json_object_array_length(arr), n);
	json_object_put(arr);
	k8sa_free(json);
}

static void teardown_client(void)
{
	k8sa_kube_free(kc);
	kc = NULL;
	teardown();
}

/* Every request the server saw was a GET and none touched secrets. */
static void assert_read_only(void)
{
	pthread_mutex_lock(&srv.mu);
	for (int i = 0; i < srv.nrec; i++) {
		ck_assert_str_eq(srv.recs[i].method, "GET");
		ck_assert_ptr_null(strstr(srv.recs[i].path, "secret"));
	}
	pthread_mutex_unlock(&srv.mu);
}

typedef struct collected {
	char names[64][64];
	int n;
	int restarts;
} collected;

static k8sa_status collect(void *ud, json_object *item)
{
	collected *c = ud;
	json_object *meta, *name;
	if (c->n < 64 && json_object_object_get_ex(item, "metadata", &meta) &&
	    json_object_object_get_ex(meta, "name", &name))
		snprintf(c->names[c->n], sizeof(c->names[0]), "%s", json_object_get_string(name));
	c->n++;
	return K8SA_OK;
}

static void restarted(void *ud)
{
	collected *c = ud;
	c->n = 0;
	c->restarts++;
}

/* ---------------------------------------------------------------- tests */

START_TEST(resource_table_has_no_secrets)
{
	for (int r = 0; r < K8SA_RES_COUNT; r++) {
		const char *n = k8sa_resource_name((k8sa_resource)r), *p = k8sa_resource_api_prefix((k8sa_resource)r);
		ck_assert_ptr_nonnull(n);
		ck_assert_ptr_nonnull(p);
		ck_assert_ptr_null(strstr(n, "secret"));
		ck_assert_ptr_null(strchr(n, '/'));
		ck_assert_msg(!strncmp(p, "/api/v1", 7) || !strncmp(p, "/apis/", 6), "%s", p);
	}
	ck_assert_ptr_null(k8sa_resource_name((k8sa_resource)K8SA_RES_COUNT));
	ck_assert_ptr_null(k8sa_resource_name((k8sa_resource)-1));
	ck_assert_str_eq(k8sa_resource_name(K8SA_RES_PVCS), "persistentvolumeclaims");
	ck_assert_str_eq(k8sa_resource_name(K8SA_RES_HPAS), "horizontalpodautoscalers");
	ck_assert_int_eq(k8sa_resource_namespaced(K8SA_RES_NODES), 0);
	ck_assert_int_eq(k8sa_resource_namespaced(K8SA_RES_PODS), 1);
}
END_TEST

START_TEST(path_guard_refuses_tricks)
{
	static const char *const bad[] = {"../secrets", "a/b", "x?y", "x#y", "%2e%2e", "a\\b", "..", "ctl\x01", "sp ace",
					  "", "x\x7f"};
	k8sa_error e;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(k8sa_kube_check_name("namespace", bad[i], &e) == K8SA_E_READ_ONLY, "accepted \"%s\"", bad[i]);
	ck_assert_int_eq(k8sa_kube_check_name("namespace", NULL, &e), K8SA_E_READ_ONLY);
	ck_assert_int_eq(k8sa_kube_check_name("namespace", "kube-system", &e), K8SA_OK);
	ck_assert_int_eq(k8sa_kube_check_name("pod", "web-7d9f8b6c5-x2x7q.v1", &e), K8SA_OK);

	/* Through the client: refused before any request is sent. */
	k8sa_kube *kube = client();
	char *out = NULL;
	ck_assert_int_eq(k8sa_kube_list_json(kube, K8SA_RES_PODS, "../secrets", NULL, &out, &e), K8SA_E_READ_ONLY);
	ck_assert_ptr_nonnull(strstr(e.message, "refusing namespace \"../secrets\""));
	ck_assert_int_eq(k8sa_kube_pod_log(kube, "shop", "../../secrets/x", NULL, 0, 0, 0, &out, NULL, &e),
			 K8SA_E_READ_ONLY);
	ck_assert_int_eq(k8sa_kube_pod_log(kube, "shop", "web", "c/../../x", 0, 0, 0, &out, NULL, &e), K8SA_E_READ_ONLY);
	ck_assert_int_eq(k8sa_kube_pod_log(kube, NULL, "web", NULL, 0, 0, 0, &out, NULL, &e), K8SA_E_READ_ONLY);
	ck_assert_int_eq(k8sa_kube_list_json(kube, (k8sa_resource)99, "shop", NULL, &out, &e), K8SA_E_READ_ONLY);
	ck_assert_int_eq(k8sa_kube_list_json(kube, K8SA_RES_PODS, "shop", "a=b\n", &out, &e), K8SA_E_READ_ONLY);
	ck_assert_ptr_null(out);
	ck_assert_int_eq(srv.nrec, 0);
	k8sa_kube_free(kube);
}
END_TEST

START_TEST(pagination_follows_continue)
{
	k8sa_kube_set_page_size(kc, 2);
	collected col = {0};
	k8sa_kube_req req = {.type = K8SA_REQ_LIST, .resource = K8SA_RES_PODS, .ns = "shop", .on_item = collect, .ud = &col};
	k8sa_error e;
	ck_assert_int_eq(k8sa_kube_run(kc, &req, 1, &e), K8SA_OK);
	ck_assert_msg(req.status == K8SA_OK, "%s", req.err.message);
	ck_assert_int_eq(col.n, 5);
	ck_assert_uint_eq(req.items, 5);
	ck_assert_uint_eq(req.pages, 3);
	ck_assert_str_eq(col.names[4], "pod-4");
	ck_assert_int_eq(srv.nrec, 3);
	ck_assert_str_eq(srv.recs[0].limit, "2");
	ck_assert_str_eq(srv.recs[0].cont, "");
	ck_assert_str_eq(srv.recs[1].cont, "p2");
	ck_assert_str_eq(srv.recs[2].cont, "p4");
	ck_assert_str_eq(srv.recs[0].auth, "Bearer secret-token");
	ck_assert_str_eq(srv.recs[0].accept, "application/json");
	ck_assert_int_eq(strncmp(srv.recs[0].agent, "libk8sagent/", 12), 0);
	/* Page size 0: no limit parameter, one page. */
	k8sa_kube_set_page_size(kc, 0);
	char *json = list_shop(K8SA_RES_PODS, K8SA_OK, &e);
	assert_items(json, 5);
	ck_assert_str_eq(srv.recs[3].limit, "");
	assert_read_only();
}
END_TEST

START_TEST(expired_continue_restarts_once)
{
	k8sa_kube_set_page_size(kc, 2);
	collected col = {0};
	k8sa_kube_req req = {.type = K8SA_REQ_LIST, .resource = K8SA_RES_PODS, .ns = "shop", .on_item = collect,
			     .on_restart = restarted, .ud = &col};
	k8sa_error e;
	srv.expire_left = 1;
	ck_assert_int_eq(k8sa_kube_run(kc, &req, 1, &e), K8SA_OK);
	ck_assert_msg(req.status == K8SA_OK, "%s", req.err.message);
	ck_assert_int_eq(col.restarts, 1);
	ck_assert_uint_eq(req.restarts, 1);
	ck_assert_int_eq(col.n, 5); /* no duplicates: the consumer dropped the first page */
	ck_assert_uint_eq(req.items, 5);
	/* page 1, 410 on page 2, then pages 1..3 again */
	ck_assert_int_eq(srv.nrec, 5);
	ck_assert_str_eq(srv.recs[2].cont, "");

	/* list_json drops the partial result itself. */
	srv.expire_left = 1;
	char *json = list_shop(K8SA_RES_PODS, K8SA_OK, &e);
	assert_items(json, 5);

	/* Expiring again after the restart: K8SA_E_GONE with the server's message. */
	srv.expire_left = 2;
	json = list_shop(K8SA_RES_PODS, K8SA_E_GONE, &e);
	ck_assert_int_eq(e.http_status, 410);
	TEXT_HAS(e.message, "continue parameter is too old", "list pods in namespace shop");
	assert_read_only();
}
END_TEST

START_TEST(forbidden_keeps_rbac_message)
{
	char *json = NULL;
	k8sa_error e;
	ck_assert_int_eq(k8sa_kube_list_json(kc, K8SA_RES_NODES, NULL, NULL, &json, &e), K8SA_E_FORBIDDEN);
	ck_assert_int_eq(e.code, K8SA_E_FORBIDDEN);
	ck_assert_int_eq(e.http_status, 403);
	TEXT_HAS(e.message, "list nodes: nodes is forbidden: User \"system:serviceaccount:k8s-doctor",
		"at the cluster scope");
	ck_assert_ptr_null(json);
	ck_assert_int_eq(srv.nrec, 1); /* 403 is not retried */
	/* Unknown path: 404 with the server's text. */
	json = list_shop(K8SA_RES_INGRESSES, K8SA_E_NOT_FOUND, &e);
	ck_assert_ptr_nonnull(strstr(e.message, "the server could not find the requested resource"));
}
END_TEST

START_TEST(retry_after_429_then_success)
{
	k8sa_error e;
	srv.busy_left = 1;
	char *json = list_shop(K8SA_RES_EVENTS, K8SA_OK, &e);
	ck_assert_str_eq(json, "[{\"metadata\":{}}]");
	k8sa_free(json);
	ck_assert_int_eq(srv.nrec, 2);
	/* Three 429s: two retries, then the error with Retry-After. */
	srv.busy_left = 3;
	json = NULL;
	json = list_shop(K8SA_RES_EVENTS, K8SA_E_TOO_MANY_REQUESTS, &e);
	ck_assert_int_eq(e.retry_after, 1);
	ck_assert_int_eq(e.http_status, 429);
	ck_assert_ptr_nonnull(strstr(e.message, "Too many requests"));
	ck_assert_int_eq(srv.nrec, 5);
}
END_TEST

START_TEST(server_error_plain_text_uses_status_line)
{
	k8sa_error e;
	srv.unavailable_left = 5;
	char *json = list_shop(K8SA_RES_DEPLOYMENTS, K8SA_E_SERVER, &e);
	ck_assert_int_eq(e.http_status, 503);
	ck_assert_str_eq(e.message, "list deployments in namespace shop: HTTP 503 Service Unavailable");
	ck_assert_int_eq(srv.nrec, 3); /* first try + 2 retries */
	/* 503 once, then fine. */
	srv.unavailable_left = 1;
	json = list_shop(K8SA_RES_DEPLOYMENTS, K8SA_OK, &e);
	ck_assert_str_eq(json, "[]");
	k8sa_free(json);
}
END_TEST

START_TEST(malformed_and_truncated_bodies)
{
	k8sa_error e;
	char *json = list_shop(K8SA_RES_SERVICES, K8SA_E_PROTOCOL, &e);
	ck_assert_ptr_nonnull(strstr(e.message, "list services in namespace shop: malformed JSON"));
	json = list_shop(K8SA_RES_ENDPOINTS, K8SA_E_PROTOCOL, &e);
	ck_assert_ptr_nonnull(strstr(e.message, "list endpoints in namespace shop"));
	ck_assert_ptr_null(json);
	/* Body cap. */
	k8sa_kube_set_body_limits(kc, 0, 1000);
	char *log = NULL;
	ck_assert_int_eq(k8sa_kube_pod_log(kc, "shop", "big", NULL, 0, 0, 0, &log, NULL, &e), K8SA_E_LIMIT);
	ck_assert_ptr_nonnull(strstr(e.message, "larger than 1000 bytes"));
	ck_assert_ptr_null(log);
}
END_TEST

START_TEST(configmap_values_are_stripped)
{
	k8sa_error e;
	char *json = list_shop(K8SA_RES_CONFIGMAPS, K8SA_OK, &e);
	TEXT_LACKS(json, "hunter2", "aHVudGVyMg", "prod\"");
	TEXT_HAS(json, "\"data\":{\"DB_PASSWORD\":null,\"mode\":null}", "\"binaryData\":{\"blob\":null}");
	k8sa_free(json);
}
END_TEST

START_TEST(logs_and_version)
{
	char *log = NULL, *ver = NULL;
	size_t len = 0;
	k8sa_error e;
	ck_assert_int_eq(k8sa_kube_pod_log(kc, "shop", "web", "app", 1, 100, 4096, &log, &len, &e), K8SA_OK);
	ck_assert_str_eq(log, "log line 1\nquery: container=app&previous=true&tailLines=100&limitBytes=4096\n");
	ck_assert_uint_eq(len, strlen(log));
	k8sa_free(log);
	ck_assert_int_eq(k8sa_kube_pod_log(kc, "shop", "web", NULL, 0, 0, 0, &log, NULL, &e), K8SA_OK);
	ck_assert_str_eq(log, "log line 1\nquery: \n");
	k8sa_free(log);
	log = NULL;
	ck_assert_int_eq(k8sa_kube_pod_log(kc, "shop", "web-prev", "app", 1, 0, 0, &log, NULL, &e), K8SA_E_BAD_REQUEST);
	ck_assert_ptr_nonnull(strstr(e.message, "previous terminated container \"app\" in pod"));
	ck_assert_ptr_null(log);
	ck_assert_int_eq(k8sa_kube_server_version(kc, &ver, &e), K8SA_OK);
	ck_assert_ptr_nonnull(strstr(ver, "\"gitVersion\":\"v1.31.0\""));
	k8sa_free(ver);
	assert_read_only();
}
END_TEST

START_TEST(parallel_batch)
{
	k8sa_kube_set_page_size(kc, 2);
	k8sa_kube_set_max_parallel(kc, 3);
	collected cols[K8SA_RES_COUNT];
	k8sa_kube_req reqs[K8SA_RES_COUNT + 2];
	memset(cols, 0, sizeof(cols));
	memset(reqs, 0, sizeof(reqs));
	size_t n = 0;
	for (int r = 0; r < K8SA_RES_COUNT; r++) {
		if (r == K8SA_RES_JOBS)
			continue; /* the slow one has its own test */
		reqs[n] = (k8sa_kube_req){.type = K8SA_REQ_LIST, .resource = (k8sa_resource)r, .ns = "shop",
					 .on_item = collect, .ud = &cols[r]};
		n++;
	}
	reqs[n++] = (k8sa_kube_req){.type = K8SA_REQ_LOG, .ns = "shop", .pod = "web", .tail_lines = 5};
	reqs[n++] = (k8sa_kube_req){.type = K8SA_REQ_VERSION};
	k8sa_error e;
	ck_assert_int_eq(k8sa_kube_run(kc, reqs, n, &e), K8SA_OK);
	for (size_t i = 0; i < n; i++) {
		k8sa_kube_req *r = &reqs[i];
		if (r->type == K8SA_REQ_LIST && r->resource == K8SA_RES_PODS) {
			ck_assert_int_eq(r->status, K8SA_OK);
			ck_assert_uint_eq(r->items, 5);
		} else if (r->type == K8SA_REQ_LIST && r->resource == K8SA_RES_NODES) {
			ck_assert_int_eq(r->status, K8SA_E_FORBIDDEN);
		} else if (r->type != K8SA_REQ_LIST) {
			ck_assert_int_eq(r->status, K8SA_OK);
			ck_assert_ptr_nonnull(r->body);
			free(r->body);
		}
	}
	assert_read_only();
}
END_TEST

START_TEST(token_file_rotation_after_401)
{
	char dir[] = "/tmp/k8sa-tok-XXXXXX", path[64];
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/token", dir);
	FILE *f = fopen(path, "w");
	fputs("old-token\n", f);
	fclose(f);

	char url[64];
	snprintf(url, sizeof(url), "http://127.0.0.1:%d", srv.port);
	k8sa_kubeconfig *cfg = new_config();
	k8sa_kubeconfig_set_server(cfg, url);
	k8sa_kubeconfig_set_token(cfg, "static-ignored"); /* the file wins */
	k8sa_kubeconfig_set_token_file(cfg, path);
	k8sa_kube *kube = NULL;
	k8sa_error e;
	ck_assert_int_eq(k8sa_kube_new(&kube, cfg, &e), K8SA_OK);
	k8sa_kubeconfig_free(cfg);

	snprintf(srv.required_token, sizeof(srv.required_token), "old-token");
	char *ver = NULL;
	ck_assert_int_eq(k8sa_kube_server_version(kube, &ver, &e), K8SA_OK);
	k8sa_free(ver);

	/* The kubelet rotates the file; the server now only takes the new token. The cached
	 * token is still fresh (re-read at most once a minute), so the next request gets a 401,
	 * the client re-reads the file at once and retries once with the new token. */
	f = fopen(path, "w");
	fputs("new-token\n", f);
	fclose(f);
	snprintf(srv.required_token, sizeof(srv.required_token), "new-token");
	k8sa_kube_req req = {.type = K8SA_REQ_VERSION};
	ck_assert_int_eq(k8sa_kube_run(kube, &req, 1, &e), K8SA_OK);
	ck_assert_msg(req.status == K8SA_OK, "%s", req.err.message);
	ck_assert_uint_eq(req.attempts, 2);
	free(req.body);
	ck_assert_int_eq(srv.nrec, 3);
	ck_assert_str_eq(srv.recs[0].auth, "Bearer old-token");
	ck_assert_str_eq(srv.recs[1].auth, "Bearer old-token");
	ck_assert_str_eq(srv.recs[2].auth, "Bearer new-token");

	/* A 401 with an unchanged file is not retried. */
	snprintf(srv.required_token, sizeof(srv.required_token), "third-token");
	ck_assert_int_eq(k8sa_kube_server_version(kube, &ver, &e), K8SA_E_UNAUTHORIZED);
	ck_assert_int_eq(e.http_status, 401);
	ck_assert_str_eq(e.message, "server version: Unauthorized");
	ck_assert_int_eq(srv.nrec, 4);

	/* With a zero refresh period the file is checked before each request: no 401 at all. */
	k8sa_kube_set_token_refresh(kube, 0);
	f = fopen(path, "w");
	fputs("third-token", f);
	fclose(f);
	ck_assert_int_eq(k8sa_kube_server_version(kube, &ver, &e), K8SA_OK);
	k8sa_free(ver);
	ck_assert_int_eq(srv.nrec, 5);
	ck_assert_str_eq(srv.recs[4].auth, "Bearer third-token");
	k8sa_kube_free(kube);
	unlink(path);
	rmdir(dir);
}
END_TEST

START_TEST(transport_errors)
{
	/* A port nobody listens on. */
	int s = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = 0};
	socklen_t sl = sizeof(sa);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(bind(s, (struct sockaddr *)&sa, sizeof(sa)), 0);
	ck_assert_int_eq(getsockname(s, (struct sockaddr *)&sa, &sl), 0);
	int dead = ntohs(sa.sin_port);
	close(s);
	k8sa_kube *kube = client_for("http", dead, NULL);
	char *ver = NULL;
	k8sa_error e;
	ck_assert_int_eq(k8sa_kube_server_version(kube, &ver, &e), K8SA_E_TRANSPORT);
	ck_assert_ptr_nonnull(strstr(e.message, "server version: "));
	ck_assert_int_eq(e.http_status, 0);
	k8sa_kube_free(kube);

	/* TLS to a plain-HTTP server: the handshake fails. The LLM client maps the same failure
	 * the same way (test_llm.c, tls_failure_is_tls_error): both go through http.c. */
	kube = client_for("https", srv.port, NULL);
	ck_assert_int_eq(k8sa_kube_server_version(kube, &ver, &e), K8SA_E_TLS);
	k8sa_kube_free(kube);

	/* A server slower than the request timeout. */
	kube = client();
	k8sa_kube_set_timeout_ms(kube, 1000, 300);
	char *json = NULL;
	ck_assert_int_eq(k8sa_kube_list_json(kube, K8SA_RES_JOBS, "shop", NULL, &json, &e), K8SA_E_TIMEOUT);
	ck_assert_ptr_nonnull(strstr(e.message, "list jobs in namespace shop"));
	k8sa_kube_free(kube);
}
END_TEST

/* http_proxy and friends pointing at a dead port change nothing: the server is reached
 * directly. */
START_TEST(environment_proxies_are_ignored)
{
	test_set_dead_proxies();
	k8sa_kube *kube = client();
	char *ver = NULL;
	k8sa_error e;
	k8sa_status st = k8sa_kube_server_version(kube, &ver, &e);
	test_set_env_proxies(NULL);
	ck_assert_msg(st == K8SA_OK, "%s", e.message);
	free(ver);
	k8sa_kube_free(kube);
}
END_TEST

/* A client of cfg with its server and proxy-url set to these. */
static k8sa_kube *client_via_proxy(k8sa_kubeconfig *cfg, const char *server, const char *proxy)
{
	k8sa_kube *kube = NULL;
	k8sa_error e;
	ck_assert_int_eq(k8sa_kubeconfig_set_server(cfg, server), K8SA_OK);
	ck_assert_int_eq(k8sa_kubeconfig_set_proxy_url(cfg, proxy), K8SA_OK);
	ck_assert_msg(k8sa_kube_new(&kube, cfg, &e) == K8SA_OK, "%s", e.message);
	return kube;
}

/* kubeconfig proxy-url: every request goes to the proxy; a dead proxy is a transport error. */
START_TEST(configured_proxy_is_used)
{
	struct test_proxy px;
	char dead[64], line[512], server[64];
	k8sa_kubeconfig *cfg = new_config();
	k8sa_error e;
	ck_assert_int_eq(test_proxy_start(&px, "{\"major\":\"1\",\"minor\":\"30\"}"), 0);
	k8sa_kube *kube = client_via_proxy(cfg, "http://kube.invalid:6443", px.url);
	char *ver = NULL;
	ck_assert_msg(k8sa_kube_server_version(kube, &ver, &e) == K8SA_OK, "%s", e.message);
	ck_assert_str_eq(ver, "{\"major\":\"1\",\"minor\":\"30\"}");
	free(ver);
	k8sa_kube_free(kube);
	ck_assert_int_eq(test_proxy_stop(&px, line, sizeof(line)), 1);
	ck_assert_str_eq(line, "GET http://kube.invalid:6443/version HTTP/1.1");

	test_dead_url(dead, sizeof(dead));
	snprintf(server, sizeof(server), "http://127.0.0.1:%d", srv.port);
	kube = client_via_proxy(cfg, server, dead);
	k8sa_kube_set_timeout_ms(kube, 2000, 5000);
	ck_assert_int_eq(k8sa_kube_server_version(kube, &ver, &e), K8SA_E_TRANSPORT);
	k8sa_kube_free(kube);
	k8sa_kubeconfig_free(cfg);
}
END_TEST

START_TEST(client_config_checks)
{
	k8sa_kubeconfig *cfg = new_config();
	k8sa_kube *kube = NULL;
	k8sa_error e;
	static const char *const refused[] = {"ftp://127.0.0.1:1", "https://127.0.0.1:1/?x=y"};
	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		k8sa_kubeconfig_set_server(cfg, refused[i]);
		ck_assert_msg(k8sa_kube_new(&kube, cfg, &e) == K8SA_E_CONFIG, "%s accepted", refused[i]);
	}
	k8sa_kubeconfig_set_server(cfg, "https://127.0.0.1:6443");
	k8sa_kubeconfig_set_tls_server_name(cfg, "kubernetes.default.svc");
	ck_assert_int_eq(k8sa_kube_new(&kube, cfg, &e), K8SA_OK);
	ck_assert_str_eq(k8sa_kube_namespace(kube), "default");
	k8sa_kube_free(kube);
	k8sa_kube_free(NULL);
	ck_assert_int_eq(k8sa_kube_new(NULL, cfg, &e), K8SA_E_INVALID_ARG);
	k8sa_kubeconfig_free(cfg);
}
END_TEST

/* ---------------------------------------------------------------- Status mapping */

static void map_file(const char *name, int http, k8sa_status want, const char *frag)
{
	char *b = slurp(name);
	k8sa_error e;
	memset(&e, 0, sizeof(e));
	k8sa_status st = k8sa_kube_map_error(http, b, strlen(b), NULL, NULL, "list x", &e);
	ck_assert_msg(st == want, "%s: %s", name, k8sa_strerror(st));
	ck_assert_int_eq(e.code, want);
	ck_assert_int_eq(e.http_status, http);
	ck_assert_msg(strstr(e.message, frag), "%s: \"%s\" lacks \"%s\"", name, e.message, frag);
	ck_assert_int_eq(strncmp(e.message, "list x: ", 8), 0);
	free(b);
}

START_TEST(status_bodies_map_to_codes)
{
	map_file("status/400-field-selector-unsupported.json", 400, K8SA_E_BAD_REQUEST, "field label not supported");
	map_file("status/400-log-container-required.json", 400, K8SA_E_BAD_REQUEST, "a container name must be specified");
	map_file("status/400-log-waiting-imagepullbackoff.json", 400, K8SA_E_BAD_REQUEST, "is waiting to start");
	map_file("status/401-unauthorized.json", 401, K8SA_E_UNAUTHORIZED, "Unauthorized");
	map_file("status/403-list-pods-namespace.json", 403, K8SA_E_FORBIDDEN, "cannot list resource \"pods\"");
	map_file("status/403-list-deployments-apps.json", 403, K8SA_E_FORBIDDEN, "deployments.apps is forbidden");
	map_file("status/403-get-pods-log.json", 403, K8SA_E_FORBIDDEN, "pods/log");
	map_file("status/404-pod-not-found.json", 404, K8SA_E_NOT_FOUND, "not found");
	map_file("status/404-deployment-not-found.json", 404, K8SA_E_NOT_FOUND, "deployments.apps");
	map_file("status/410-expired-continue.json", 410, K8SA_E_GONE, "too old");
	map_file("status/410-expired-continue-no-token.json", 410, K8SA_E_GONE, "without the continue parameter.");

	k8sa_error e;
	/* No body, with and without a reason phrase; Retry-After parsed, dates ignored. */
	ck_assert_int_eq(k8sa_kube_map_error(429, NULL, 0, "HTTP/1.1 429 Too Many Requests\r\n", " 3\r\n", NULL, &e),
			 K8SA_E_TOO_MANY_REQUESTS);
	ck_assert_str_eq(e.message, "HTTP 429 Too Many Requests");
	ck_assert_int_eq(e.retry_after, 3);
	ck_assert_int_eq(k8sa_kube_map_error(429, "", 0, "HTTP/2 429 \r\n", "Wed, 21 Oct 2015 07:28:00 GMT", NULL, &e),
			 K8SA_E_TOO_MANY_REQUESTS);
	ck_assert_str_eq(e.message, "HTTP 429");
	ck_assert_int_eq(e.retry_after, 0);
	ck_assert_int_eq(k8sa_kube_map_error(500, "<html>oops</html>", 17, "HTTP/1.1 500 Internal Server Error", NULL,
					     "x", &e),
			 K8SA_E_SERVER);
	ck_assert_str_eq(e.message, "x: HTTP 500 Internal Server Error");
	ck_assert_int_eq(k8sa_kube_map_error(502, "{\"message\":\"bad gateway\"}", 25, NULL, NULL, NULL, &e), K8SA_E_SERVER);
	ck_assert_str_eq(e.message, "bad gateway");
	ck_assert_int_eq(k8sa_kube_map_error(302, NULL, 0, NULL, NULL, NULL, &e), K8SA_E_HTTP);
	ck_assert_int_eq(k8sa_kube_map_error(418, "{\"message\":", 11, NULL, NULL, NULL, &e), K8SA_E_HTTP);
	ck_assert_str_eq(e.message, "HTTP 418");
	ck_assert_int_eq(k8sa_kube_map_error(404, "[1]", 3, NULL, NULL, NULL, NULL), K8SA_E_NOT_FOUND);
}
END_TEST

Suite *k8sa_test_suite(void)
{
	Suite *s = suite_create("kube");
	TCase *unit = test_add_case(s, "unit", setup, teardown, 0);
	tcase_add_test(unit, resource_table_has_no_secrets);
	tcase_add_test(unit, path_guard_refuses_tricks);
	tcase_add_test(unit, status_bodies_map_to_codes);
	tcase_add_test(unit, client_config_checks);
	TCase *cl = test_add_case(s, "client", setup_client, teardown_client, 30);
	tcase_add_test(cl, pagination_follows_continue);
	tcase_add_test(cl, expired_continue_restarts_once);
	tcase_add_test(cl, forbidden_keeps_rbac_message);
	tcase_add_test(cl, retry_after_429_then_success);
	tcase_add_test(cl, server_error_plain_text_uses_status_line);
	tcase_add_test(cl, malformed_and_truncated_bodies);
	tcase_add_test(cl, configmap_values_are_stripped);
	tcase_add_test(cl, logs_and_version);
	tcase_add_test(cl, parallel_batch);
	TCase *http = test_add_case(s, "http", setup, teardown, 30);
	tcase_add_test(http, token_file_rotation_after_401);
	tcase_add_test(http, transport_errors);
	tcase_add_test(http, environment_proxies_are_ignored);
	tcase_add_test(http, configured_proxy_is_used);
	return s;
}
