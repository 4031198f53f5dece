/* SPDX-License-Identifier: MIT */
/* The read-only Kubernetes client on libcurl + json-c.
 *
 * Read-only by construction: every transfer is set up in one place (xfer_send) with
 * CURLOPT_HTTPGET and nothing else; URLs are built only from the resource table (kube_errors.c,
 * beside the path guard; plus pods/{name}/log and /version), and names that could change the
 * path are refused. libcurl is set up by the one HTTP layer (http.c). */
#include "internal.h"
#include "defaults.h"
#include "http_internal.h"
#include "kube_internal.h"
#include "kube_client.h"
#include "kubeconfig_internal.h"
#include "jv.h"
#include "tbuf.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>

/* ---------------------------------------------------------------- the client */


K8SA_EXPORT void k8sa_kube_free(k8sa_kube *kube)
{
	if (!kube)
		return;
	if (kube->multi)
		curl_multi_cleanup(kube->multi);
	curl_slist_free_all(kube->connect_to);
	free(kube->base);
	free(kube->ca_file);
	free(kube->ca_pem);
	free(kube->cert_file);
	free(kube->key_file);
	free(kube->cert_pem);
	free(kube->key_pem);
	free(kube->proxy);
	free(kube->ns);
	free(kube->token);
	free(kube->token_file);
	free(kube->token_cached);
	k8sa_exec_config_free(kube->exec);
	k8sa_exec_cred_clear(&kube->exec_cred);
	free(kube);
}

/* With tls-server-name, ask for that host name in the URL (so SNI and certificate
 * verification use it) and connect to the real address with CURLOPT_CONNECT_TO. */
static k8sa_status apply_tls_server_name(k8sa_kube *kube, const char *name, k8sa_error *err)
{
	CURLU *u = curl_url();
	char *host = NULL, *port = NULL, *url = NULL, *ct = NULL;
	k8sa_status st = K8SA_E_NOMEM;

	if (!u)
		goto out;
	if (curl_url_set(u, CURLUPART_URL, kube->base, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) != CURLUE_OK) {
		st = k8sa_fail(err, K8SA_E_CONFIG, "server URL \"%s\" cannot be parsed", kube->base);
		goto out;
	}
	if (k8sa_kube_check_name("tls-server-name", name, err) != K8SA_OK) {
		st = k8sa_fail(err, K8SA_E_CONFIG, "tls-server-name \"%s\" is not a host name", name);
		goto out;
	}
	if (curl_url_set(u, CURLUPART_HOST, name, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_URL, &url, 0) != CURLUE_OK) {
		st = k8sa_fail(err, K8SA_E_CONFIG, "tls-server-name \"%s\" is not a host name", name);
		goto out;
	}
	if (asprintf(&ct, "%s:%s:%s:%s", name, port, host, port) < 0) {
		ct = NULL;
		st = k8sa_fail(err, K8SA_E_NOMEM, "out of memory");
		goto out;
	}
	struct curl_slist *l = curl_slist_append(NULL, ct);
	if (!l) {
		st = k8sa_fail(err, K8SA_E_NOMEM, "out of memory");
		goto out;
	}
	kube->connect_to = l;
	size_t n = strlen(url);
	while (n > 0 && url[n - 1] == '/')
		url[--n] = '\0';
	char *base = strdup(url);
	if (!base) {
		st = k8sa_fail(err, K8SA_E_NOMEM, "out of memory");
		goto out;
	}
	free(kube->base);
	kube->base = base;
	st = K8SA_OK;
out:
	if (st == K8SA_E_NOMEM && err && err->code != K8SA_E_NOMEM)
		k8sa_fail(err, K8SA_E_NOMEM, "out of memory");
	curl_free(host);
	curl_free(port);
	curl_free(url);
	free(ct);
	curl_url_cleanup(u);
	return st;
}

K8SA_EXPORT k8sa_status k8sa_kube_new(k8sa_kube **out, const k8sa_kubeconfig *cfg, k8sa_error *err)
{
	if (!out || !cfg)
		return k8sa_fail(err, K8SA_E_INVALID_ARG, "kube client: out and cfg must not be NULL");
	if (!cfg->server || !cfg->server[0])
		return k8sa_fail(err, K8SA_E_CONFIG, "kube client: the configuration (%s) has no server",
				 k8sa_kubeconfig_source(cfg));
	if (strncmp(cfg->server, "https://", 8) && strncmp(cfg->server, "http://", 7))
		return k8sa_fail(err, K8SA_E_CONFIG, "kube client: server \"%s\" is not an http(s):// URL", cfg->server);
	if (strpbrk(cfg->server, "?# \t\r\n"))
		return k8sa_fail(err, K8SA_E_CONFIG, "kube client: server \"%s\" must not hold a query or fragment",
				 cfg->server);

	k8sa_kube *k = calloc(1, sizeof(*k));
	if (!k)
		return k8sa_fail(err, K8SA_E_NOMEM, "out of memory");
	k->insecure = cfg->insecure;
	k->connect_ms = K8SA_KUBE_CONNECT_MS;
	k->request_ms = K8SA_KUBE_REQUEST_MS;
	k->page_size = K8SA_KUBE_PAGE_SIZE;
	k->max_parallel = K8SA_KUBE_MAX_PARALLEL;
	k->max_page = K8SA_KUBE_MAX_PAGE_BYTES;
	k->max_log = K8SA_KUBE_MAX_LOG_BYTES;
	k->token_period = K8SA_KUBE_TOKEN_REFRESH_S;
	snprintf(k->user_agent, sizeof(k->user_agent), "libk8sagent/%s", k8sa_version());
	int oom = !(k->base = strdup(cfg->server)) ||
		  (cfg->ca_file && !(k->ca_file = strdup(cfg->ca_file))) ||
		  (cfg->ca_pem && !(k->ca_pem = strdup(cfg->ca_pem))) ||
		  (cfg->cert_file && !(k->cert_file = strdup(cfg->cert_file))) ||
		  (cfg->key_file && !(k->key_file = strdup(cfg->key_file))) ||
		  (cfg->cert_pem && !(k->cert_pem = strdup(cfg->cert_pem))) ||
		  (cfg->key_pem && !(k->key_pem = strdup(cfg->key_pem))) ||
		  (cfg->proxy_url && cfg->proxy_url[0] && !(k->proxy = strdup(cfg->proxy_url))) ||
		  !(k->ns = strdup(k8sa_kubeconfig_namespace(cfg))) ||
		  (cfg->token && !(k->token = strdup(cfg->token))) ||
		  (cfg->token_file && !(k->token_file = strdup(cfg->token_file))) ||
		  (cfg->exec && !(k->exec = k8sa_exec_config_dup(cfg->exec)));
	if (oom) {
		k8sa_kube_free(k);
		return k8sa_fail(err, K8SA_E_NOMEM, "out of memory");
	}
	size_t n = strlen(k->base);
	while (n > 0 && k->base[n - 1] == '/')
		k->base[--n] = '\0';
	if (cfg->tls_server_name && cfg->tls_server_name[0]) {
		k8sa_status st = apply_tls_server_name(k, cfg->tls_server_name, err);
		if (st != K8SA_OK) {
			k8sa_kube_free(k);
			return st;
		}
	}
	*out = k;
	return K8SA_OK;
}

K8SA_EXPORT void k8sa_kube_set_timeout_ms(k8sa_kube *kube, long connect_ms, long request_ms)
{
	if (!kube)
		return;
	kube->connect_ms = connect_ms > 0 ? connect_ms : K8SA_KUBE_CONNECT_MS;
	kube->request_ms = request_ms > 0 ? request_ms : K8SA_KUBE_REQUEST_MS;
}

K8SA_EXPORT void k8sa_kube_set_page_size(k8sa_kube *kube, unsigned int limit)
{
	if (kube)
		kube->page_size = limit;
}

K8SA_EXPORT void k8sa_kube_set_max_parallel(k8sa_kube *kube, unsigned int n)
{
	if (!kube)
		return;
	kube->max_parallel = n ? n : 1;
	if (kube->multi) {
		curl_multi_setopt(kube->multi, CURLMOPT_MAX_TOTAL_CONNECTIONS, (long)kube->max_parallel);
		curl_multi_setopt(kube->multi, CURLMOPT_MAXCONNECTS, (long)kube->max_parallel);
	}
}

K8SA_EXPORT const char *k8sa_kube_namespace(const k8sa_kube *kube)
{
	return kube ? kube->ns : NULL;
}

void k8sa_kube_set_body_limits(k8sa_kube *kube, size_t page_bytes, size_t log_bytes)
{
	if (!kube)
		return;
	if (page_bytes)
		kube->max_page = page_bytes;
	if (log_bytes)
		kube->max_log = log_bytes;
}

void k8sa_kube_set_token_refresh(k8sa_kube *kube, int seconds)
{
	if (kube)
		kube->token_period = seconds > 0 ? seconds : 0;
}

/* ---------------------------------------------------------------- transfers */

typedef struct xfer {
	k8sa_kube_req *req;
	CURL *easy;
	struct curl_slist *headers;
	k8sa_tbuf body;
	size_t max;
	int over_limit;
	char *cont; /* continue token of the next page */
	int restarted, retries, auth_retried;
	unsigned int token_gen;
	long long not_before; /* ms, monotonic: a retry waits until then */
	int waiting, running, finished;
	char status_line[160];
	char retry_after[32];
	char errbuf[CURL_ERROR_SIZE];
	char what[320]; /* "list pods in namespace shop" */
	jv_doc *doc;    /* the batch's reusable tape (on_jitem lists) */
} xfer;

static size_t on_body(char *data, size_t size, size_t nmemb, void *ud)
{
	xfer *x = ud;
	size_t n = size * nmemb;
	if (n > x->max - x->body.len) {
		x->over_limit = 1;
		return 0; /* curl stops with CURLE_WRITE_ERROR */
	}
	return k8sa_tbuf_put(&x->body, data, n) ? 0 : n;
}

static size_t on_header(char *data, size_t size, size_t nmemb, void *ud)
{
	xfer *x = ud;
	size_t n = size * nmemb;
	if (n >= 5 && !strncmp(data, "HTTP/", 5)) {
		/* A new response (after 100 Continue, or a retry): forget the old one's headers. */
		size_t c = n < sizeof(x->status_line) ? n : sizeof(x->status_line) - 1;
		memcpy(x->status_line, data, c);
		x->status_line[c] = '\0';
		x->retry_after[0] = '\0';
	} else if (n > 12 && !strncasecmp(data, "Retry-After:", 12)) {
		size_t c = n - 12 < sizeof(x->retry_after) ? n - 12 : sizeof(x->retry_after) - 1;
		memcpy(x->retry_after, data + 12, c);
		x->retry_after[c] = '\0';
	}
	return n;
}

/* Append `s` URL-escaped (a failure is the buffer's sticky one). */
static void put_escaped(k8sa_tbuf *b, CURL *easy, const char *s)
{
	char *e = curl_easy_escape(easy, s, 0);
	if (!e)
		b->oom = 1;
	else
		k8sa_tbuf_puts(b, e);
	curl_free(e);
}

/* The request URL of the transfer's next attempt, only from the table and checked names. */
static k8sa_status build_url(k8sa_kube *kube, xfer *x, char **out, k8sa_error *err)
{
	k8sa_kube_req *r = x->req;
	k8sa_tbuf u = {0};

	k8sa_tbuf_puts(&u, kube->base);
	switch (r->type) {
	case K8SA_REQ_LIST:
		k8sa_tbuf_puts(&u, k8sa_resource_api_prefix(r->resource));
		if (k8sa_resource_namespaced(r->resource) && r->ns) {
			k8sa_tbuf_puts(&u, "/namespaces/");
			put_escaped(&u, x->easy, r->ns);
		}
		k8sa_tbuf_printf(&u, "/%s", k8sa_resource_name(r->resource));
		char sep = '?';
		if (kube->page_size) {
			k8sa_tbuf_printf(&u, "%climit=%u", sep, kube->page_size);
			sep = '&';
		}
		if (r->field_selector && r->field_selector[0]) {
			k8sa_tbuf_printf(&u, "%cfieldSelector=", sep);
			put_escaped(&u, x->easy, r->field_selector);
			sep = '&';
		}
		if (r->label_selector && r->label_selector[0]) {
			k8sa_tbuf_printf(&u, "%clabelSelector=", sep);
			put_escaped(&u, x->easy, r->label_selector);
			sep = '&';
		}
		if (x->cont) {
			k8sa_tbuf_printf(&u, "%ccontinue=", sep);
			put_escaped(&u, x->easy, x->cont);
		}
		break;
	case K8SA_REQ_LOG:
		k8sa_tbuf_puts(&u, "/api/v1/namespaces/");
		put_escaped(&u, x->easy, r->ns);
		k8sa_tbuf_puts(&u, "/pods/");
		put_escaped(&u, x->easy, r->pod);
		k8sa_tbuf_puts(&u, "/log");
		char lsep = '?';
		if (r->container && r->container[0]) {
			k8sa_tbuf_puts(&u, "?container=");
			put_escaped(&u, x->easy, r->container);
			lsep = '&';
		}
		if (r->previous) {
			k8sa_tbuf_printf(&u, "%cprevious=true", lsep);
			lsep = '&';
		}
		if (r->tail_lines > 0) {
			k8sa_tbuf_printf(&u, "%ctailLines=%ld", lsep, r->tail_lines);
			lsep = '&';
		}
		if (r->limit_bytes > 0)
			k8sa_tbuf_printf(&u, "%climitBytes=%ld", lsep, r->limit_bytes);
		break;
	case K8SA_REQ_VERSION:
		k8sa_tbuf_puts(&u, "/version");
		break;
	case K8SA_REQ_GET:
		k8sa_tbuf_puts(&u, k8sa_resource_api_prefix(r->resource));
		if (k8sa_resource_namespaced(r->resource)) {
			k8sa_tbuf_puts(&u, "/namespaces/");
			put_escaped(&u, x->easy, r->ns);
		}
		k8sa_tbuf_printf(&u, "/%s/", k8sa_resource_name(r->resource));
		put_escaped(&u, x->easy, r->name);
		break;
	}
	if (!(*out = k8sa_tbuf_finish(&u, NULL)))
		return k8sa_fail(err, K8SA_E_NOMEM, "%s: cannot build the URL", x->what);
	return K8SA_OK;
}

/* Validate a request and name it for messages. */
static k8sa_status xfer_prepare(xfer *x, k8sa_error *err)
{
	k8sa_kube_req *r = x->req;
	k8sa_status st;
	switch (r->type) {
	case K8SA_REQ_LIST:
		if ((unsigned)r->resource >= K8SA_RES_COUNT)
			return k8sa_fail(err, K8SA_E_READ_ONLY, "refusing to list an unknown resource (%d)",
					 (int)r->resource);
		if (!r->on_item && !r->on_jitem)
			return k8sa_fail(err, K8SA_E_INVALID_ARG, "list %s: no item callback",
					 k8sa_resource_name(r->resource));
		if (k8sa_resource_namespaced(r->resource) && r->ns) {
			if ((st = k8sa_kube_check_name("namespace", r->ns, err)) != K8SA_OK)
				return st;
			snprintf(x->what, sizeof(x->what), "list %s in namespace %s", k8sa_resource_name(r->resource), r->ns);
		} else {
			snprintf(x->what, sizeof(x->what), "list %s", k8sa_resource_name(r->resource));
		}
		if (r->field_selector) {
			for (const char *p = r->field_selector; *p; p++)
				if ((unsigned char)*p < ' ' || *p == 0x7f)
					return k8sa_fail(err, K8SA_E_READ_ONLY,
							 "%s: refusing a field selector with control characters", x->what);
		}
		if (r->label_selector) {
			for (const char *p = r->label_selector; *p; p++)
				if ((unsigned char)*p < ' ' || *p == 0x7f)
					return k8sa_fail(err, K8SA_E_READ_ONLY,
							 "%s: refusing a label selector with control characters", x->what);
		}
		return K8SA_OK;
	case K8SA_REQ_LOG:
		if ((st = k8sa_kube_check_name("namespace", r->ns, err)) != K8SA_OK ||
		    (st = k8sa_kube_check_name("pod name", r->pod, err)) != K8SA_OK ||
		    (r->container && r->container[0] &&
		     (st = k8sa_kube_check_name("container name", r->container, err)) != K8SA_OK))
			return st;
		snprintf(x->what, sizeof(x->what), "%slog of pod %s%s%s in namespace %s", r->previous ? "previous " : "",
			 r->pod, r->container && r->container[0] ? " container " : "",
			 r->container && r->container[0] ? r->container : "", r->ns);
		return K8SA_OK;
	case K8SA_REQ_VERSION:
		snprintf(x->what, sizeof(x->what), "server version");
		return K8SA_OK;
	case K8SA_REQ_GET:
		/* only the resources of the table: Secrets are not in it */
		if ((unsigned)r->resource >= K8SA_RES_COUNT)
			return k8sa_fail(err, K8SA_E_READ_ONLY, "refusing to get an unknown resource (%d)",
					 (int)r->resource);
		if ((k8sa_resource_namespaced(r->resource) && (st = k8sa_kube_check_name("namespace", r->ns, err)) != K8SA_OK) ||
		    (st = k8sa_kube_check_name("name", r->name, err)) != K8SA_OK)
			return st;
		if (k8sa_resource_namespaced(r->resource))
			snprintf(x->what, sizeof(x->what), "get %s %s in namespace %s", k8sa_resource_name(r->resource),
				 r->name, r->ns);
		else
			snprintf(x->what, sizeof(x->what), "get %s %s", k8sa_resource_name(r->resource), r->name);
		return K8SA_OK;
	}
	return k8sa_fail(err, K8SA_E_INVALID_ARG, "unknown request type %d", (int)r->type);
}

/* Set up and add one GET. The only place a request is configured. */
static k8sa_status xfer_send(k8sa_kube *kube, xfer *x)
{
	k8sa_kube_req *r = x->req;
	k8sa_error *err = &r->err;
	char *url = NULL, *auth = NULL;
	const char *token;
	k8sa_status st;

	if (!x->easy) {
		k8sa_http_conf conf = {
			.user_agent = kube->user_agent,
			.connect_ms = kube->connect_ms,
			.total_ms = kube->request_ms,
			.accept_encoding = 1,
			.proxy = kube->proxy,
			.ca_file = kube->ca_file,
			.ca_pem = kube->ca_pem,
			.cert_file = kube->cert_file,
			.cert_pem = kube->cert_pem,
			.key_file = kube->key_file,
			.key_pem = kube->key_pem,
			.insecure = kube->insecure,
			.connect_to = kube->connect_to,
			.errbuf = x->errbuf,
		};
		if (!(x->easy = k8sa_http_easy(&conf)))
			return k8sa_fail(err, K8SA_E_NOMEM, "%s: out of memory", x->what);
		curl_easy_setopt(x->easy, CURLOPT_HTTPGET, 1L);
		/* Keep API connections (and their TLS sessions) for the next call of a long-lived
		 * client (the daemon): a reused connection costs no handshake. TCP keep-alive keeps
		 * them open through idle NAT/conntrack timeouts; a connection the server closed is
		 * noticed by libcurl and replaced. */
		curl_easy_setopt(x->easy, CURLOPT_MAXAGE_CONN, (long)K8SA_KUBE_CONN_IDLE_S);
		curl_easy_setopt(x->easy, CURLOPT_TCP_KEEPALIVE, 1L);
		curl_easy_setopt(x->easy, CURLOPT_WRITEFUNCTION, on_body);
		curl_easy_setopt(x->easy, CURLOPT_WRITEDATA, x);
		curl_easy_setopt(x->easy, CURLOPT_HEADERFUNCTION, on_header);
		curl_easy_setopt(x->easy, CURLOPT_HEADERDATA, x);
		curl_easy_setopt(x->easy, CURLOPT_PRIVATE, x);
	}
	if ((st = kube_current_token(kube, 0, &token, err)) != K8SA_OK) {
		k8sa_error_prefix(err, "%s: ", x->what);
		return st;
	}
	x->token_gen = kube->token_gen;
	if (kube->exec && kube->exec_cred.cert_pem) {
		/* The plugin's client certificate: set on every send, as it may have been renewed. */
		k8sa_http_set_client_pem(x->easy, kube->exec_cred.cert_pem, kube->exec_cred.key_pem);
	}
	curl_slist_free_all(x->headers);
	x->headers = NULL;
	struct curl_slist *h = curl_slist_append(NULL, r->type == K8SA_REQ_LOG ? "Accept: */*" : "Accept: application/json");
	if (h && token) {
		if (asprintf(&auth, "Authorization: Bearer %s", token) < 0) {
			auth = NULL;
		} else {
			struct curl_slist *h2 = curl_slist_append(h, auth);
			if (!h2) {
				curl_slist_free_all(h);
				h = NULL;
			}
		}
		if (!auth) {
			curl_slist_free_all(h);
			h = NULL;
		}
	}
	free(auth);
	if (!h)
		return k8sa_fail(err, K8SA_E_NOMEM, "%s: out of memory", x->what);
	x->headers = h;
	if ((st = build_url(kube, x, &url, err)) != K8SA_OK)
		return st;
	curl_easy_setopt(x->easy, CURLOPT_URL, url);
	free(url);
	curl_easy_setopt(x->easy, CURLOPT_HTTPHEADER, x->headers);
	k8sa_tbuf_reset(&x->body);
	x->over_limit = 0;
	x->status_line[0] = '\0';
	x->retry_after[0] = '\0';
	x->errbuf[0] = '\0';
	x->max = r->type == K8SA_REQ_LOG ? kube->max_log : kube->max_page;
	if (kube->insecure && !kube->warned_insecure) {
		kube->warned_insecure = 1;
		fprintf(stderr, "libk8sagent: warning: TLS verification is off (insecure-skip-tls-verify) for %s\n",
			kube->base);
	}
	if (curl_multi_add_handle(kube->multi, x->easy) != CURLM_OK)
		return k8sa_fail(err, K8SA_E_INTERNAL, "%s: curl_multi_add_handle failed", x->what);
	r->attempts++;
	x->running = 1;
	return K8SA_OK;
}

static k8sa_status curl_error(xfer *x, CURLcode rc, k8sa_error *err)
{
	if (rc == CURLE_WRITE_ERROR && x->over_limit)
		return k8sa_fail(err, K8SA_E_LIMIT, "%s: response body larger than %zu bytes", x->what, x->max);
	if (rc == CURLE_WRITE_ERROR)
		return k8sa_fail(err, K8SA_E_NOMEM, "%s: out of memory for the response body", x->what);
	return k8sa_http_curl_fail(err, rc, x->errbuf, "%s", x->what);
}

/* ConfigMap values may hold secrets: keep only the keys (values become null). */
static k8sa_status strip_configmap(json_object *item)
{
	static const char *const fields[] = {"data", "binaryData"};
	for (int i = 0; i < 2; i++) {
		json_object *d;
		if (!json_object_object_get_ex(item, fields[i], &d))
			continue;
		if (!json_object_is_type(d, json_type_object)) {
			json_object_object_del(item, fields[i]);
			continue;
		}
		json_object *keys = json_object_new_object();
		if (!keys)
			return K8SA_E_NOMEM;
		json_object_object_foreach(d, k, v)
		{
			(void)v;
			if (json_object_object_add(keys, k, NULL) != 0) {
				json_object_put(keys);
				return K8SA_E_NOMEM;
			}
		}
		if (json_object_object_add(item, fields[i], keys) != 0) {
			json_object_put(keys);
			return K8SA_E_NOMEM;
		}
	}
	return K8SA_OK;
}

/* Parse a complete 200 list page with json-c: the page object (a JSON object), or NULL with
 * the request's error set. */
static json_object *parse_page_jsonc(xfer *x)
{
	k8sa_kube_req *r = x->req;
	k8sa_error *err = &r->err;
	json_tokener *tok = json_tokener_new_ex(256);
	json_object *page = NULL;

	if (!tok) {
		k8sa_fail(err, K8SA_E_NOMEM, "%s: out of memory", x->what);
		return NULL;
	}
	const char *buf = x->body.p ? x->body.p : "";
	size_t len = x->body.len;
	if (len > 0x7fffffff) {
		json_tokener_free(tok);
		k8sa_fail(err, K8SA_E_LIMIT, "%s: page of %zu bytes is too large to parse", x->what, len);
		return NULL;
	}
	page = json_tokener_parse_ex(tok, buf, (int)len);
	enum json_tokener_error jerr = json_tokener_get_error(tok);
	size_t used = json_tokener_get_parse_end(tok);
	json_tokener_free(tok);
	if (jerr != json_tokener_success || !page) {
		json_object_put(page);
		k8sa_fail(err, K8SA_E_PROTOCOL, "%s: malformed JSON in the response (%s, %zu bytes)", x->what,
			  jerr == json_tokener_continue ? "truncated" : json_tokener_error_desc(jerr), len);
		return NULL;
	}
	for (size_t i = used; i < len; i++)
		if (buf[i] != ' ' && buf[i] != '\n' && buf[i] != '\r' && buf[i] != '\t') {
			json_object_put(page);
			k8sa_fail(err, K8SA_E_PROTOCOL, "%s: trailing data after the JSON body", x->what);
			return NULL;
		}
	if (!json_object_is_type(page, json_type_object)) {
		json_object_put(page);
		k8sa_fail(err, K8SA_E_PROTOCOL, "%s: the response is not a JSON object", x->what);
		return NULL;
	}
	return page;
}

/* The page's continue token (malloc'd into *next, NULL on the last page). */
static k8sa_status next_token(xfer *x, const char *cont, char **next)
{
	*next = NULL;
	if (!cont || !cont[0])
		return K8SA_OK;
	if (x->cont && !strcmp(x->cont, cont))
		return k8sa_fail(&x->req->err, K8SA_E_PROTOCOL, "%s: the server returned the same continue token twice",
				 x->what);
	if (!(*next = strdup(cont)))
		return k8sa_fail(&x->req->err, K8SA_E_NOMEM, "%s: out of memory", x->what);
	return K8SA_OK;
}

/* A page for an on_jitem list: read in place by jv; what jv cannot read goes through json-c
 * (same errors as the json-c path; json-c's tree is then read back by jv). */
static k8sa_status deliver_page_jv(xfer *x)
{
	k8sa_kube_req *r = x->req;
	k8sa_error *err = &r->err;
	char *text = NULL;
	size_t used = 0, len = x->body.len;
	int rc = x->body.p ? jv_parse(x->doc, x->body.p, len, 256, &used) : -1;
	if (rc == -2)
		return k8sa_fail(err, K8SA_E_NOMEM, "%s: out of memory", x->what);
	if (rc == 0) {
		for (size_t i = used; i < len; i++) {
			char c = x->body.p[i];
			if (c != ' ' && c != '\n' && c != '\r' && c != '\t') {
				rc = -1; /* json-c words the error */
				break;
			}
		}
	}
	if (rc == 0 && !jv_is(jv_root(x->doc), JV_OBJ))
		rc = -1;
	if (rc == -1) {
		json_object *page = parse_page_jsonc(x);
		if (!page)
			return err->code ? err->code : K8SA_E_PROTOCOL;
		rc = jv_from_jsonc(x->doc, page, &text);
		json_object_put(page);
		if (rc) {
			free(text);
			return rc == -2 ? k8sa_fail(err, K8SA_E_NOMEM, "%s: out of memory", x->what)
					: k8sa_fail(err, K8SA_E_PROTOCOL, "%s: malformed JSON in the response", x->what);
		}
	}
	k8sa_status st = K8SA_OK;
	jv *page = jv_root(x->doc);
	jv *items = jv_get(page, "items", 5);
	if (!items || !(items->type == JV_ARR || items->type == JV_NULL)) {
		free(text);
		return k8sa_fail(err, K8SA_E_PROTOCOL, "%s: the response has no \"items\" list", x->what);
	}
	jv *cont = jv_get(jv_get(page, "metadata", 8), "continue", 8);
	char *next = NULL;
	if ((st = next_token(x, jv_is(cont, JV_STR) && cont->len ? cont->s : NULL, &next))) {
		free(text);
		return st;
	}
	r->pages++;
	size_t i = 0;
	for (jv *it = jv_first(items); it && st == K8SA_OK; it = jv_next(items, it), i++) {
		if (it->type != JV_OBJ) {
			st = k8sa_fail(err, K8SA_E_PROTOCOL, "%s: item %zu is not an object", x->what, i);
			break;
		}
		st = r->on_jitem(r->ud, it);
		if (st != K8SA_OK)
			k8sa_fail(err, st, "%s: stopped by the consumer (%s)", x->what, k8sa_strerror(st));
		else
			r->items++;
	}
	free(text);
	free(x->cont);
	x->cont = st == K8SA_OK ? next : NULL;
	if (st != K8SA_OK)
		free(next);
	return st;
}

/* Parse a complete 200 list page, deliver its items, remember the continue token.
 * Returns K8SA_OK with x->cont set (NULL on the last page). */
static k8sa_status deliver_page(xfer *x)
{
	k8sa_kube_req *r = x->req;
	k8sa_error *err = &r->err;
	json_object *items = NULL, *meta = NULL, *cont = NULL;
	k8sa_status st = K8SA_OK;

	if (r->on_jitem)
		return deliver_page_jv(x);
	json_object *page = parse_page_jsonc(x);
	if (!page)
		return err->code ? err->code : K8SA_E_PROTOCOL;
	if (!json_object_object_get_ex(page, "items", &items) ||
	    !(json_object_is_type(items, json_type_array) || json_object_is_type(items, json_type_null))) {
		json_object_put(page);
		return k8sa_fail(err, K8SA_E_PROTOCOL, "%s: the response has no \"items\" list", x->what);
	}
	char *next = NULL;
	json_object_object_get_ex(page, "metadata", &meta);
	json_object_object_get_ex(meta, "continue", &cont);
	if ((st = next_token(x, json_object_is_type(cont, json_type_string) ? json_object_get_string(cont) : NULL,
			     &next))) {
		json_object_put(page);
		return st;
	}
	r->pages++;
	size_t n = items && json_object_is_type(items, json_type_array) ? json_object_array_length(items) : 0;
	for (size_t i = 0; i < n && st == K8SA_OK; i++) {
		json_object *it = json_object_array_get_idx(items, i);
		if (!json_object_is_type(it, json_type_object)) {
			st = k8sa_fail(err, K8SA_E_PROTOCOL, "%s: item %zu is not an object", x->what, i);
			break;
		}
		if (r->resource == K8SA_RES_CONFIGMAPS && strip_configmap(it) != K8SA_OK) {
			st = k8sa_fail(err, K8SA_E_NOMEM, "%s: out of memory", x->what);
			break;
		}
		st = r->on_item(r->ud, it);
		if (st != K8SA_OK)
			k8sa_fail(err, st, "%s: stopped by the consumer (%s)", x->what, k8sa_strerror(st));
		else
			r->items++;
	}
	json_object_put(page);
	free(x->cont);
	x->cont = st == K8SA_OK ? next : NULL;
	if (st != K8SA_OK)
		free(next);
	return st;
}

/* Hand a finished body to the request (LOG, VERSION, GET). */
static k8sa_status take_body(xfer *x)
{
	k8sa_kube_req *r = x->req;
	if (r->type == K8SA_REQ_VERSION || r->type == K8SA_REQ_GET) {
		json_object *v = x->body.p ? json_tokener_parse(x->body.p) : NULL;
		int ok = v && json_object_is_type(v, json_type_object);
		if (ok && r->type == K8SA_REQ_GET && r->resource == K8SA_RES_CONFIGMAPS) {
			/* as in lists: a ConfigMap's values never leave the client */
			const char *s = strip_configmap(v) == K8SA_OK
						? json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)
						: NULL;
			x->body.len = 0;
			if (s)
				k8sa_tbuf_puts(&x->body, s);
			if (!s || x->body.oom) {
				json_object_put(v);
				return k8sa_fail(&r->err, K8SA_E_NOMEM, "%s: out of memory", x->what);
			}
		}
		json_object_put(v);
		if (!ok)
			return k8sa_fail(&r->err, K8SA_E_PROTOCOL, "%s: the response is not a JSON object", x->what);
	}
	if (!(r->body = k8sa_tbuf_finish(&x->body, &r->body_len)))
		return k8sa_fail(&r->err, K8SA_E_NOMEM, "%s: out of memory", x->what);
	return K8SA_OK;
}

typedef enum { NEXT_DONE, NEXT_SEND, NEXT_WAIT } next_step;

/* Decide what a completed attempt leads to. Fills r->status on NEXT_DONE. */
static next_step xfer_complete(k8sa_kube *kube, xfer *x, CURLcode rc)
{
	k8sa_kube_req *r = x->req;
	long http = 0;

	if (rc != CURLE_OK) {
		r->status = curl_error(x, rc, &r->err);
		return NEXT_DONE;
	}
	curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &http);
	if (http >= 200 && http < 300) {
		if (r->type != K8SA_REQ_LIST) {
			r->status = take_body(x);
			return NEXT_DONE;
		}
		r->status = deliver_page(x);
		if (r->status == K8SA_OK && x->cont)
			return NEXT_SEND;
		return NEXT_DONE;
	}
	k8sa_status code = k8sa_kube_map_error((int)http, x->body.p, x->body.len, x->status_line, x->retry_after, x->what,
					       &r->err);
	if (http == 401 && (kube->token_file || kube->exec) && !x->auth_retried) {
		/* The token may have rotated under us (or the plugin's credentials were revoked):
		 * re-read the file or run the plugin again now, and retry once if it changed. A
		 * request that used older credentials than the current ones just retries. */
		const char *tok;
		k8sa_error ignored;
		x->auth_retried = 1;
		if (kube->token_gen != x->token_gen)
			return NEXT_SEND;
		if (kube_current_token(kube, 1, &tok, &ignored) == K8SA_OK && kube->token_gen != x->token_gen)
			return NEXT_SEND;
	}
	if (http == 410 && r->type == K8SA_REQ_LIST && x->cont && !x->restarted) {
		/* The continue token expired: start the list again from the first page. */
		x->restarted = 1;
		r->restarts++;
		free(x->cont);
		x->cont = NULL;
		r->items = 0;
		if (r->on_restart)
			r->on_restart(r->ud);
		return NEXT_SEND;
	}
	if ((http == 429 || http == 503) && x->retries < K8SA_KUBE_RETRIES) {
		int delay = r->err.retry_after > 0 ? r->err.retry_after : 1;
		if (delay > K8SA_KUBE_MAX_RETRY_AFTER)
			delay = K8SA_KUBE_MAX_RETRY_AFTER;
		x->retries++;
		x->not_before = (long long)k8sa_now_ms() + delay * 1000LL;
		return NEXT_WAIT;
	}
	r->status = code;
	return NEXT_DONE;
}

static void xfer_finish(xfer *x)
{
	x->finished = 1;
	x->running = 0;
	x->waiting = 0;
}

static void xfer_cleanup(k8sa_kube *kube, xfer *x)
{
	if (x->easy) {
		if (x->running)
			curl_multi_remove_handle(kube->multi, x->easy);
		curl_easy_cleanup(x->easy);
	}
	curl_slist_free_all(x->headers);
	k8sa_tbuf_release(&x->body);
	free(x->cont);
}

k8sa_status k8sa_kube_run(k8sa_kube *kube, k8sa_kube_req *reqs, size_t n, k8sa_error *err)
{
	if (!kube || (!reqs && n))
		return k8sa_fail(err, K8SA_E_INVALID_ARG, "kube run: NULL client or requests");
	if (n == 0)
		return K8SA_OK;
	if (!kube->multi) {
		if (!(kube->multi = curl_multi_init()))
			return k8sa_fail(err, K8SA_E_NOMEM, "kube run: out of memory");
		curl_multi_setopt(kube->multi, CURLMOPT_MAX_TOTAL_CONNECTIONS, (long)kube->max_parallel);
		/* keep every connection between runs (libcurl's default cache is sized by the
		 * handles added, so an idle client kept few, and the next run queued on them) */
		curl_multi_setopt(kube->multi, CURLMOPT_MAXCONNECTS, (long)kube->max_parallel);
	}
	xfer *xs = calloc(n, sizeof(*xs));
	if (!xs)
		return k8sa_fail(err, K8SA_E_NOMEM, "kube run: out of memory");
	jv_doc doc = {0}; /* one tape for the batch: pages are read one at a time */
	for (size_t i = 0; i < n; i++) {
		k8sa_kube_req *r = &reqs[i];
		r->status = K8SA_OK;
		memset(&r->err, 0, sizeof(r->err));
		r->body = NULL;
		r->body_len = 0;
		r->items = 0;
		r->pages = 0;
		r->restarts = 0;
		r->attempts = 0;
		xs[i].req = r;
		xs[i].doc = &doc;
	}

	size_t next = 0, finished = 0, active = 0;
	unsigned int max_active = kube->max_parallel ? kube->max_parallel : 1;
	k8sa_status ret = K8SA_OK;
	while (finished < n) {
		/* Start new requests up to the parallel limit. */
		while (next < n && active < max_active) {
			xfer *x = &xs[next++];
			x->req->status = xfer_prepare(x, &x->req->err);
			if (x->req->status == K8SA_OK)
				x->req->status = xfer_send(kube, x);
			if (x->req->status != K8SA_OK) {
				xfer_finish(x);
				finished++;
			} else {
				active++;
			}
		}
		/* Retries whose wait is over. */
		long long now = (long long)k8sa_now_ms(), wait_ms = K8SA_POLL_MAX_MS;
		for (size_t i = 0; i < n; i++) {
			xfer *x = &xs[i];
			if (!x->waiting)
				continue;
			if (x->not_before <= now) {
				x->waiting = 0;
				x->req->status = xfer_send(kube, x);
				if (x->req->status != K8SA_OK) {
					xfer_finish(x);
					finished++;
					active--;
				}
			} else if (x->not_before - now < wait_ms) {
				wait_ms = x->not_before - now;
			}
		}
		if (finished == n)
			break;
		int still = 0;
		CURLMcode mc = curl_multi_perform(kube->multi, &still);
		if (mc != CURLM_OK) {
			ret = k8sa_fail(err, K8SA_E_INTERNAL, "kube run: curl_multi_perform: %s", curl_multi_strerror(mc));
			break;
		}
		CURLMsg *msg;
		int left, progressed = 0;
		while ((msg = curl_multi_info_read(kube->multi, &left))) {
			if (msg->msg != CURLMSG_DONE)
				continue;
			xfer *x = NULL;
			CURLcode rc = msg->data.result;
			curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&x);
			curl_multi_remove_handle(kube->multi, msg->easy_handle);
			x->running = 0;
			progressed = 1;
			switch (xfer_complete(kube, x, rc)) {
			case NEXT_SEND:
				x->req->status = xfer_send(kube, x);
				if (x->req->status == K8SA_OK)
					break;
				/* fallthrough */
			case NEXT_DONE:
				xfer_finish(x);
				finished++;
				active--;
				/* Free the easy handle's buffers now: a long batch should not hold them. */
				k8sa_tbuf_release(&x->body);
				break;
			case NEXT_WAIT:
				x->waiting = 1;
				break;
			}
		}
		if (progressed || finished == n)
			continue;
		mc = curl_multi_poll(kube->multi, NULL, 0, (int)(wait_ms > 0 ? wait_ms : 1), NULL);
		if (mc != CURLM_OK) {
			ret = k8sa_fail(err, K8SA_E_INTERNAL, "kube run: curl_multi_poll: %s", curl_multi_strerror(mc));
			break;
		}
	}
	for (size_t i = 0; i < n; i++) {
		if (ret != K8SA_OK && !xs[i].finished) {
			xs[i].req->status = ret;
			xs[i].req->err = err ? *err : xs[i].req->err;
		}
		xfer_cleanup(kube, &xs[i]);
	}
	free(xs);
	jv_doc_free(&doc);
	return ret;
}
