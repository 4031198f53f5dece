/* kubesim — a simulated Kubernetes API server for tests and the demo.
 *
 *   kubesim --scenario DIR --listen 127.0.0.1:PORT --write-kubeconfig FILE
 *           [--audit-log FILE] [--fault SPEC]... [options]
 *
 * Serves a scenario directory (SCENARIOS.md) over HTTPS with the real wire format
 * (WIRE.md section 3): a throw-away CA, bearer tokens, RBAC-style 403 Status bodies (secrets
 * are always forbidden, --forbid adds more), read-only verbs, lists with limit/continue,
 * field and label selectors, pod logs with the kubelet's error messages, discovery, fault
 * injection (--fault, grammar in faults.c and --help) and a JSON-lines audit log.
 *
 * HTTP is libmicrohttpd (GnuTLS) with a thread per connection, so latency faults and slow
 * clients do not hold up others; the scenario store is immutable and shared. */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "kubesim.h"

#define DEFAULT_USER "system:serviceaccount:k8sagent:k8sagent"

typedef struct server {
	ks_store *store;
	ks_faults *faults;
	char *token;            /* accepted token (unless token_file) */
	const char *token_file; /* re-read on every request */
	const char *user;       /* the identity named in 403 messages */
	char **forbid;          /* extra forbidden resources */
	size_t nforbid;
	long page_max;
	int verbose;
	FILE *audit;
	pthread_mutex_t audit_mu;
	char *api_json, *apis_json; /* discovery bodies, built once */
} server;

typedef struct request {
	char *uri; /* raw request target, from the URI log callback */
	int started;
} request;

typedef struct response {
	int status;
	char *body; /* malloc'ed */
	size_t len;
	const char *ctype;
	int retry_after;
} response;

static server srv;

/* ---- small helpers ---- */

static void set_body(response *r, int status, char *body, const char *ctype)
{
	r->status = status;
	r->body = body;
	r->len = body ? strlen(body) : 0;
	r->ctype = ctype;
}

static void set_status(response *r, int code, const char *reason, const char *msg,
		       const char *name, const char *group, const char *kind, int details_empty)
{
	set_body(r, code, ks_status_body(code, reason, msg, name, group, kind, details_empty, NULL),
		 "application/json");
}

static void not_found_path(response *r)
{
	set_status(r, 404, "NotFound", "the server could not find the requested resource", NULL,
		   NULL, NULL, 1);
}

static const char *reason_for(int code)
{
	switch (code) {
	case 400: return "BadRequest";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "NotFound";
	case 405: return "MethodNotAllowed";
	case 409: return "Conflict";
	case 410: return "Expired";
	case 429: return "TooManyRequests";
	case 500: return "InternalError";
	case 503: return "ServiceUnavailable";
	case 504: return "Timeout";
	default: return "Unknown";
	}
}

static const char *msg_for(int code)
{
	switch (code) {
	case 401: return "Unauthorized";
	case 429: return "Too many requests, please try again later.";
	case 500: return "Internal error occurred: kubesim injected fault";
	case 503: return "the server is currently unable to handle the request";
	case 504: return "the server was unable to return a response in the time allotted, but may still be processing the request";
	default: return "kubesim injected fault";
	}
}

static char *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	ks_buf b = {0};
	char chunk[65536];
	size_t n;
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
		if (ks_buf_add(&b, chunk, n) < 0)
			break;
	fclose(f);
	if (!b.data)
		b.data = strdup("");
	*len = b.data ? b.len : 0;
	return b.data;
}

static char *trim(char *s)
{
	while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')
		s++;
	size_t n = strlen(s);
	while (n && strchr(" \t\r\n", s[n - 1]))
		s[--n] = '\0';
	return s;
}

static const char *qarg(struct MHD_Connection *c, const char *k)
{
	return MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, k);
}

static int qtrue(struct MHD_Connection *c, const char *k)
{
	const char *v = qarg(c, k);
	return v && (!strcmp(v, "true") || !strcmp(v, "1"));
}

/* ---- discovery ---- */

static json_object *jstrarr(const char *csv)
{
	json_object *a = json_object_new_array();
	char buf[128];
	snprintf(buf, sizeof buf, "%s", csv);
	char *save = NULL;
	for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save))
		json_object_array_add(a, json_object_new_string(t));
	return a;
}

static char *jdump(json_object *o)
{
	char *s = strdup(json_object_to_json_string_ext(
		o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
	return s;
}

static char *resource_list(const char *group, const char *version)
{
	size_t n;
	const ks_restype *rts = ks_restypes(&n);
	json_object *o = json_object_new_object(), *res = json_object_new_array();
	char gv[128];
	snprintf(gv, sizeof gv, "%s%s%s", group, *group ? "/" : "", version);
	json_object_object_add(o, "kind", json_object_new_string("APIResourceList"));
	json_object_object_add(o, "apiVersion", json_object_new_string("v1"));
	json_object_object_add(o, "groupVersion", json_object_new_string(gv));
	for (size_t i = 0; i < n; i++) {
		if (strcmp(rts[i].group, group) || strcmp(rts[i].version, version))
			continue;
		for (int sub = 0; sub < 2; sub++) {
			if (sub && strcmp(rts[i].name, "pods"))
				break;
			json_object *r = json_object_new_object();
			json_object_object_add(r, "name", json_object_new_string(sub ? "pods/log" : rts[i].name));
			json_object_object_add(r, "singularName", json_object_new_string(sub ? "" : rts[i].singular));
			json_object_object_add(r, "namespaced", json_object_new_boolean(rts[i].namespaced));
			json_object_object_add(r, "kind", json_object_new_string(rts[i].kind));
			json_object_object_add(r, "verbs", jstrarr(sub ? "get" : "get,list,watch"));
			if (!sub && rts[i].short_names)
				json_object_object_add(r, "shortNames", jstrarr(rts[i].short_names));
			if (!sub && rts[i].in_all)
				json_object_object_add(r, "categories", jstrarr("all"));
			json_object_array_add(res, r);
		}
	}
	json_object_object_add(o, "resources", res);
	return jdump(o);
}

static json_object *group_json(const ks_restype *rt)
{
	json_object *g = json_object_new_object(), *vs = json_object_new_array();
	json_object *v = json_object_new_object();
	json_object_object_add(v, "groupVersion", json_object_new_string(rt->api_version));
	json_object_object_add(v, "version", json_object_new_string(rt->version));
	json_object_object_add(g, "name", json_object_new_string(rt->group));
	json_object_array_add(vs, json_object_get(v));
	json_object_object_add(g, "versions", vs);
	json_object_object_add(g, "preferredVersion", v);
	return g;
}

static void build_discovery(server *s)
{
	json_object *api = json_object_new_object();
	json_object_object_add(api, "kind", json_object_new_string("APIVersions"));
	json_object_object_add(api, "versions", jstrarr("v1"));
	json_object *cidrs = json_object_new_array(), *c = json_object_new_object();
	json_object_object_add(c, "clientCIDR", json_object_new_string("0.0.0.0/0"));
	json_object_object_add(c, "serverAddress", json_object_new_string("127.0.0.1:6443"));
	json_object_array_add(cidrs, c);
	json_object_object_add(api, "serverAddressByClientCIDRs", cidrs);
	s->api_json = jdump(api);

	size_t n;
	const ks_restype *rts = ks_restypes(&n);
	json_object *apis = json_object_new_object(), *groups = json_object_new_array();
	json_object_object_add(apis, "kind", json_object_new_string("APIGroupList"));
	json_object_object_add(apis, "apiVersion", json_object_new_string("v1"));
	for (size_t i = 0; i < n; i++) {
		int seen = 0;
		for (size_t j = 0; j < i; j++)
			seen |= !strcmp(rts[i].group, rts[j].group);
		if (rts[i].group[0] && !seen)
			json_object_array_add(groups, group_json(&rts[i]));
	}
	json_object_object_add(apis, "groups", groups);
	s->apis_json = jdump(apis);
}

static const ks_restype *group_first(const char *group)
{
	size_t n;
	const ks_restype *rts = ks_restypes(&n);
	for (size_t i = 0; i < n; i++)
		if (!strcmp(rts[i].group, group))
			return &rts[i];
	return NULL;
}

/* ---- authorization ---- */

static int forbidden_resource(const ks_restype *rt, const char *sub)
{
	if (!strcmp(rt->name, "secrets"))
		return 1;
	char full[160], dotted[160];
	snprintf(full, sizeof full, "%s%s%s", rt->name, sub ? "/" : "", sub ? sub : "");
	snprintf(dotted, sizeof dotted, "%s.%s", rt->name, rt->group);
	for (size_t i = 0; i < srv.nforbid; i++)
		if (!strcmp(srv.forbid[i], full) ||
		    (!sub && (!strcmp(srv.forbid[i], rt->name) || !strcmp(srv.forbid[i], dotted))))
			return 1;
	return 0;
}

/* 403 in the apiserver's words (responsewriters/errors.go). */
static void forbid(response *r, const ks_restype *rt, const char *verb, const char *ns,
		   const char *name, const char *sub)
{
	char msg[1024], res[160], where[300];
	snprintf(res, sizeof res, "%s%s%s", rt->name, rt->group[0] ? "." : "", rt->group);
	if (ns)
		snprintf(where, sizeof where, "in the namespace \"%s\"", ns);
	else
		snprintf(where, sizeof where, "at the cluster scope");
	int off = name ? snprintf(msg, sizeof msg, "%s \"%s\" is forbidden: ", res, name)
		       : snprintf(msg, sizeof msg, "%s is forbidden: ", res);
	snprintf(msg + off, sizeof msg - (size_t)off,
		 "User \"%s\" cannot %s resource \"%s%s%s\" in API group \"%s\" %s", srv.user, verb,
		 rt->name, sub ? "/" : "", sub ? sub : "", rt->group, where);
	set_status(r, 403, "Forbidden", msg, name, rt->group, rt->name, 0);
}

static int token_ok(struct MHD_Connection *c)
{
	const char *h = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);
	if (!h || strncasecmp(h, "Bearer ", 7))
		return 0;
	const char *got = h + 7;
	while (*got == ' ')
		got++;
	if (srv.token_file) {
		size_t n;
		char *f = read_file(srv.token_file, &n);
		int ok = f && *trim(f) && !strcmp(trim(f), got);
		free(f);
		return ok;
	}
	return !strcmp(srv.token, got);
}

/* ---- pod logs ---- */

static json_object *jget(json_object *o, const char *k)
{
	json_object *v = NULL;
	return o && json_object_object_get_ex(o, k, &v) ? v : NULL;
}

static const char *jgets(json_object *o, const char *k)
{
	json_object *v = jget(o, k);
	return v && json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
}

/* Appends the container names of spec[key] as "a b"; returns how many. */
static int names_of(json_object *spec, const char *key, ks_buf *b, const char *want, int *found)
{
	json_object *arr = jget(spec, key);
	int n = 0;
	for (size_t i = 0; arr && i < json_object_array_length(arr); i++) {
		const char *nm = jgets(json_object_array_get_idx(arr, i), "name");
		if (!nm)
			continue;
		if (b) {
			if (n)
				ks_buf_adds(b, " ");
			ks_buf_adds(b, nm);
		}
		if (want && !strcmp(want, nm))
			*found = 1;
		n++;
	}
	return n;
}

static json_object *find_status(json_object *st, const char *container)
{
	static const char *const keys[] = {"containerStatuses", "initContainerStatuses",
					    "ephemeralContainerStatuses"};
	for (size_t k = 0; k < 3; k++) {
		json_object *arr = jget(st, keys[k]);
		for (size_t i = 0; arr && i < json_object_array_length(arr); i++) {
			json_object *cs = json_object_array_get_idx(arr, i);
			const char *nm = jgets(cs, "name");
			if (nm && !strcmp(nm, container))
				return cs;
		}
	}
	return NULL;
}

static int has_cid(json_object *term)
{
	const char *id = jgets(term, "containerID");
	return id && *id;
}

/* The kubelet's validateContainerLogStatus (kubelet_pods.go): which log to serve, or the
 * exact error. Returns 0 with *file = ".log"/".previous.log", or -1 with msg filled. */
static int pick_log(json_object *cs, const char *c, const char *p, int previous, const char **file,
		    const char **started, char *msg, size_t msglen)
{
	json_object *state = jget(cs, "state"), *last = jget(cs, "lastState");
	json_object *running = jget(state, "running"), *term = jget(state, "terminated");
	json_object *waiting = jget(state, "waiting"), *lterm = jget(last, "terminated");
	if (previous) {
		if (!lterm || !has_cid(lterm)) {
			snprintf(msg, msglen, "previous terminated container \"%s\" in pod \"%s\" not found",
				 c, p);
			return -1;
		}
		*file = ".previous.log";
		*started = jgets(lterm, "startedAt");
		return 0;
	}
	if (running) {
		*file = ".log";
		*started = jgets(running, "startedAt");
		return 0;
	}
	if (term) {
		if (has_cid(term)) {
			*file = ".log";
			*started = jgets(term, "startedAt");
			return 0;
		}
		if (lterm && has_cid(lterm)) {
			*file = ".previous.log";
			*started = jgets(lterm, "startedAt");
			return 0;
		}
		snprintf(msg, msglen, "container \"%s\" in pod \"%s\" is terminated", c, p);
		return -1;
	}
	if (lterm) {
		if (!has_cid(lterm)) {
			snprintf(msg, msglen, "container \"%s\" in pod \"%s\" is terminated", c, p);
			return -1;
		}
		/* a crash-looping container: the current log is the last instance's */
		*file = ".log|.previous.log";
		*started = jgets(lterm, "startedAt");
		return 0;
	}
	if (waiting) {
		const char *reason = jgets(waiting, "reason");
		if (reason && !strcmp(reason, "ErrImagePull"))
			snprintf(msg, msglen, "container \"%s\" in pod \"%s\" is waiting to start: image can't be pulled", c, p);
		else if (reason && !strcmp(reason, "ImagePullBackOff"))
			snprintf(msg, msglen, "container \"%s\" in pod \"%s\" is waiting to start: trying and failing to pull image", c, p);
		else
			snprintf(msg, msglen, "container \"%s\" in pod \"%s\" is waiting to start: %s", c, p,
				 reason ? reason : "");
		return -1;
	}
	snprintf(msg, msglen, "container \"%s\" in pod \"%s\" is waiting to start - no logs yet", c, p);
	return -1;
}

static int safe_name(const char *s)
{
	return *s && s[0] != '.' && !strchr(s, '/');
}

static void handle_log(struct MHD_Connection *c, response *r, const char *ns, const char *pod)
{
	const ks_restype *prt = ks_restype_find("", "v1", "pods");
	const ks_item *it = ks_list_find(ks_store_list(srv.store, prt, ns), ns, pod);
	char msg[1024];
	if (!it) {
		snprintf(msg, sizeof msg, "pods \"%s\" not found", pod);
		set_status(r, 404, "NotFound", msg, pod, NULL, "pods", 0);
		return;
	}
	json_object *o = json_tokener_parse(it->json);
	json_object *spec = jget(o, "spec");
	const char *container = qarg(c, "container");
	int found = 0;
	if (!container || !*container) {
		json_object *cs = jget(spec, "containers");
		if (cs && json_object_array_length(cs) == 1) {
			container = jgets(json_object_array_get_idx(cs, 0), "name");
		} else {
			ks_buf b = {0}, ib = {0}, eb = {0};
			names_of(spec, "containers", &b, NULL, &found);
			int ni = names_of(spec, "initContainers", &ib, NULL, &found);
			int ne = names_of(spec, "ephemeralContainers", &eb, NULL, &found);
			int off = snprintf(msg, sizeof msg,
					   "a container name must be specified for pod %s, choose one of: [%s]",
					   pod, b.data ? b.data : "");
			if (ni && off > 0 && (size_t)off < sizeof msg)
				off += snprintf(msg + off, sizeof msg - (size_t)off,
						" or one of the init containers: [%s]", ib.data);
			if (ne && off > 0 && (size_t)off < sizeof msg)
				snprintf(msg + off, sizeof msg - (size_t)off,
					 " or one of the ephemeral containers: [%s]", eb.data);
			free(b.data);
			free(ib.data);
			free(eb.data);
			set_status(r, 400, "BadRequest", msg, NULL, NULL, NULL, 0);
			goto out;
		}
	}
	found = 0;
	names_of(spec, "containers", NULL, container, &found);
	names_of(spec, "initContainers", NULL, container, &found);
	names_of(spec, "ephemeralContainers", NULL, container, &found);
	if (!found || !container) {
		snprintf(msg, sizeof msg, "container %s is not valid for pod %s", container ? container : "",
			 pod);
		set_status(r, 400, "BadRequest", msg, NULL, NULL, NULL, 0);
		goto out;
	}
	const char *node = jgets(spec, "nodeName");
	if (!node || !*node) { /* never scheduled: LogLocation returns nothing, 200 empty */
		set_body(r, 200, strdup(""), "text/plain");
		goto out;
	}
	json_object *cs = find_status(jget(o, "status"), container);
	if (!cs) {
		snprintf(msg, sizeof msg, "container \"%s\" in pod \"%s\" is not available", container, pod);
		set_status(r, 400, "BadRequest", msg, NULL, NULL, NULL, 0);
		goto out;
	}
	const char *which = NULL, *started = NULL;
	if (pick_log(cs, container, pod, qtrue(c, "previous"), &which, &started, msg, sizeof msg) < 0) {
		set_status(r, 400, "BadRequest", msg, NULL, NULL, NULL, 0);
		goto out;
	}
	char path[4096];
	size_t len = 0;
	char *data = NULL;
	if (safe_name(container) && safe_name(pod)) {
		snprintf(path, sizeof path, "%s/cluster/%s/logs/%s/%s%s", ks_store_dir(srv.store), ns, pod,
			 container, strncmp(which, ".log", 4) ? which : ".log");
		data = read_file(path, &len);
		if (!data && strchr(which, '|')) {
			snprintf(path, sizeof path, "%s/cluster/%s/logs/%s/%s.previous.log",
				 ks_store_dir(srv.store), ns, pod, container);
			data = read_file(path, &len);
		}
	}
	if (!data) { /* no log file: an empty log */
		data = strdup("");
		len = 0;
	}
	/* tailLines, then timestamps, then limitBytes, as the kubelet applies them */
	const char *tl = qarg(c, "tailLines");
	size_t from = 0;
	if (tl && *tl) {
		long want = strtol(tl, NULL, 10);
		if (want >= 0) {
			size_t end = len, lines = 0;
			if (end && data[end - 1] == '\n')
				end--;
			size_t i = end;
			while (i > 0 && lines < (size_t)want) {
				i--;
				if (data[i] == '\n')
					lines++;
			}
			from = (lines < (size_t)want || want == 0) ? (want == 0 ? len : 0) : i + 1;
			if (lines < (size_t)want)
				from = 0;
		}
	}
	ks_buf out = {0};
	if (qtrue(c, "timestamps")) {
		char ts[64];
		if (started && strlen(started) == 20 && started[19] == 'Z')
			snprintf(ts, sizeof ts, "%.19s.000000000Z ", started);
		else
			snprintf(ts, sizeof ts, "1970-01-01T00:00:00.000000000Z ");
		for (size_t i = from; i < len;) {
			const char *nl = memchr(data + i, '\n', len - i);
			size_t l = nl ? (size_t)(nl - (data + i)) + 1 : len - i;
			ks_buf_adds(&out, ts);
			ks_buf_add(&out, data + i, l);
			i += l;
		}
	} else {
		ks_buf_add(&out, data + from, len - from);
	}
	free(data);
	const char *lb = qarg(c, "limitBytes");
	if (lb && *lb) {
		long n = strtol(lb, NULL, 10);
		if (n >= 0 && (size_t)n < out.len) {
			out.len = (size_t)n;
			out.data[n] = '\0';
		}
	}
	if (!out.data)
		out.data = strdup("");
	r->status = 200;
	r->body = out.data;
	r->len = out.len;
	r->ctype = "text/plain";
out:
	json_object_put(o);
}

/* ---- routing ---- */

static const char *const verbs_by_method[][2] = {
	{"POST", "create"}, {"PUT", "update"}, {"PATCH", "patch"}, {"DELETE", "delete"},
};

static int is_discovery(const char *path)
{
	if (!strcmp(path, "/api") || !strcmp(path, "/apis") || !strcmp(path, "/api/v1") ||
	    !strcmp(path, "/version") || !strncmp(path, "/openapi", 8))
		return 1;
	if (!strncmp(path, "/apis/", 6)) {
		int slashes = 0;
		for (const char *p = path + 6; *p; p++)
			slashes += *p == '/';
		return slashes <= 1;
	}
	return 0;
}

static int split(char *path, char **seg, int max)
{
	int n = 0;
	char *save = NULL;
	for (char *t = strtok_r(path, "/", &save); t; t = strtok_r(NULL, "/", &save)) {
		if (n == max)
			return -1;
		seg[n++] = t;
	}
	return n;
}

static void handle_resource(struct MHD_Connection *c, response *r, const char *method,
			    const char *group, const char *version, char **seg, int n)
{
	const char *ns = NULL, *res, *name = NULL, *sub = NULL;
	if (n >= 3 && !strcmp(seg[0], "namespaces")) {
		ns = seg[1];
		res = seg[2];
		name = n >= 4 ? seg[3] : NULL;
		sub = n >= 5 ? seg[4] : NULL;
		if (n > 5)
			return not_found_path(r);
	} else {
		res = seg[0];
		name = n >= 2 ? seg[1] : NULL;
		sub = n >= 3 ? seg[2] : NULL;
		if (n > 3)
			return not_found_path(r);
	}
	const ks_restype *rt = ks_restype_find(group, version, res);
	if (!rt || (rt->namespaced && !ns && name) || (!rt->namespaced && ns))
		return not_found_path(r);
	if (sub && (strcmp(rt->name, "pods") || strcmp(sub, "log")) && strcmp(sub, "status"))
		return not_found_path(r);
	if (sub && !strcmp(sub, "status"))
		sub = NULL; /* the status subresource reads the same object */
	int get = !strcmp(method, "GET") || !strcmp(method, "HEAD");
	if (!get) {
		const char *verb = "create";
		for (size_t i = 0; i < sizeof verbs_by_method / sizeof verbs_by_method[0]; i++)
			if (!strcmp(method, verbs_by_method[i][0]))
				verb = verbs_by_method[i][1];
		if (!strcmp(verb, "delete") && !name)
			verb = "deletecollection";
		return forbid(r, rt, verb, ns, name, sub);
	}
	const char *verb = name ? "get" : qtrue(c, "watch") ? "watch" : "list";
	if (forbidden_resource(rt, sub))
		return forbid(r, rt, verb, ns, name, sub);
	if (sub) /* pods/NAME/log */
		return handle_log(c, r, ns, name);
	if (name) {
		const ks_item *it = ks_list_find(ks_store_list(srv.store, rt, ns), ns, name);
		if (!it) {
			char msg[600];
			snprintf(msg, sizeof msg, "%s%s%s \"%s\" not found", rt->name,
				 rt->group[0] ? "." : "", rt->group, name);
			return set_status(r, 404, "NotFound", msg, name, rt->group, rt->name, 0);
		}
		/* the stored item has no kind/apiVersion: a single object does */
		ks_buf b = {0};
		ks_buf_printf(&b, "{\"kind\":\"%s\",\"apiVersion\":\"%s\",", rt->kind, rt->api_version);
		ks_buf_add(&b, it->json + 1, it->json_len - 1);
		if (!b.data)
			return set_status(r, 500, "InternalError", "out of memory", NULL, NULL, NULL, 0);
		r->status = 200;
		r->body = b.data;
		r->len = b.len;
		r->ctype = "application/json";
		return;
	}
	ks_listreq lr = {
		.field_selector = qarg(c, "fieldSelector"),
		.label_selector = qarg(c, "labelSelector"),
		.limit = 0,
		.cont = qarg(c, "continue"),
	};
	const char *lim = qarg(c, "limit");
	if (lim && *lim)
		lr.limit = strtol(lim, NULL, 10);
	if (srv.page_max > 0 && (lr.limit <= 0 || lr.limit > srv.page_max))
		lr.limit = srv.page_max;
	r->status = ks_list_render(srv.store, rt, ns, &lr, &r->body, &r->len);
	r->ctype = "application/json";
}

static void route(struct MHD_Connection *c, response *r, const char *method, const char *path)
{
	char buf[2048];
	char *seg[16];
	snprintf(buf, sizeof buf, "%s", path);
	int n = split(buf, seg, 16);
	int get = !strcmp(method, "GET") || !strcmp(method, "HEAD");
	if (n < 0)
		return not_found_path(r);
	int api = n >= 2 && !strcmp(seg[0], "api") && !strcmp(seg[1], "v1");
	int apis = n >= 3 && !strcmp(seg[0], "apis");
	if (!get && !((api && n > 2) || (apis && n > 3)))
		return set_status(r, 405, "MethodNotAllowed",
				  "the server does not allow this method on the requested resource",
				  NULL, NULL, NULL, 1);
	if (n == 1 && !strcmp(seg[0], "version"))
		return set_body(r, 200, strdup(ks_store_version_json(srv.store)), "application/json");
	if (n == 1 && !strcmp(seg[0], "api"))
		return set_body(r, 200, strdup(srv.api_json), "application/json");
	if (n == 1 && !strcmp(seg[0], "apis"))
		return set_body(r, 200, strdup(srv.apis_json), "application/json");
	if (api && n == 2)
		return set_body(r, 200, resource_list("", "v1"), "application/json");
	if (n == 2 && !strcmp(seg[0], "apis")) {
		const ks_restype *rt = group_first(seg[1]);
		if (!rt || !rt->group[0])
			return not_found_path(r);
		json_object *g = group_json(rt);
		json_object *o = json_object_new_object();
		json_object_object_add(o, "kind", json_object_new_string("APIGroup"));
		json_object_object_add(o, "apiVersion", json_object_new_string("v1"));
		json_object_object_foreach(g, k, v) json_object_object_add(o, k, json_object_get(v));
		json_object_put(g);
		return set_body(r, 200, jdump(o), "application/json");
	}
	if (apis && n == 3) {
		const ks_restype *rt = group_first(seg[1]);
		if (!rt || !rt->group[0] || strcmp(rt->version, seg[2]))
			return not_found_path(r);
		return set_body(r, 200, resource_list(seg[1], seg[2]), "application/json");
	}
	if (api)
		return handle_resource(c, r, method, "", "v1", seg + 2, n - 2);
	if (apis) {
		const ks_restype *rt = group_first(seg[1]);
		if (!rt || !rt->group[0] || strcmp(rt->version, seg[2]))
			return not_found_path(r);
		return handle_resource(c, r, method, seg[1], seg[2], seg + 3, n - 3);
	}
	not_found_path(r);
}

/* ---- audit log ---- */

static void audit(const char *method, const char *uri, int status, struct MHD_Connection *c,
		  size_t bytes, const char *audit_id, const char *fault, double ms)
{
	if (!srv.audit)
		return;
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	struct tm tm;
	gmtime_r(&ts.tv_sec, &tm);
	char tbuf[64];
	size_t tl = strftime(tbuf, sizeof tbuf, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(tbuf + tl, sizeof tbuf - tl, ".%06ldZ", ts.tv_nsec / 1000);
	const char *q = strchr(uri, '?');
	char path[2048];
	snprintf(path, sizeof path, "%.*s", q ? (int)(q - uri) : (int)strlen(uri), uri);
	const char *ua = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_USER_AGENT);
	json_object *o = json_object_new_object();
	json_object_object_add(o, "ts", json_object_new_string(tbuf));
	json_object_object_add(o, "method", json_object_new_string(method));
	json_object_object_add(o, "path", json_object_new_string(path));
	json_object_object_add(o, "query", json_object_new_string(q ? q + 1 : ""));
	json_object_object_add(o, "status", json_object_new_int(status));
	json_object_object_add(o, "user_agent", json_object_new_string(ua ? ua : ""));
	json_object_object_add(o, "bytes", json_object_new_int64((int64_t)bytes));
	json_object_object_add(o, "audit_id", json_object_new_string(audit_id));
	json_object_object_add(o, "elapsed_ms", json_object_new_double(ms));
	if (fault && *fault)
		json_object_object_add(o, "fault", json_object_new_string(fault));
	pthread_mutex_lock(&srv.audit_mu);
	fputs(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE),
	      srv.audit);
	fputc('\n', srv.audit);
	fflush(srv.audit);
	pthread_mutex_unlock(&srv.audit_mu);
	json_object_put(o);
}

/* ---- MHD glue ---- */

typedef struct trunc_body {
	char *body;
	size_t len, sent_max;
} trunc_body;

static ssize_t trunc_reader(void *cls, uint64_t pos, char *buf, size_t max)
{
	trunc_body *t = cls;
	if (pos >= t->sent_max)
		return MHD_CONTENT_READER_END_WITH_ERROR;
	size_t n = t->sent_max - (size_t)pos;
	if (n > max)
		n = max;
	memcpy(buf, t->body + pos, n);
	return (ssize_t)n;
}

static void trunc_free(void *cls)
{
	trunc_body *t = cls;
	free(t->body);
	free(t);
}

static void *uri_logger(void *cls, const char *uri, struct MHD_Connection *c)
{
	request *rq = calloc(1, sizeof *rq);
	if (rq)
		rq->uri = strdup(uri);
	return rq;
}

static void completed(void *cls, struct MHD_Connection *c, void **req_cls,
		      enum MHD_RequestTerminationCode toe)
{
	request *rq = *req_cls;
	if (rq) {
		free(rq->uri);
		free(rq);
	}
	*req_cls = NULL;
}

static void new_audit_id(char out[37])
{
	unsigned char b[16];
	if (RAND_bytes(b, sizeof b) != 1)
		memset(b, 0x42, sizeof b);
	b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);
	b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
	snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
		 b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12],
		 b[13], b[14], b[15]);
}

static enum MHD_Result handler(void *cls, struct MHD_Connection *c, const char *url,
			       const char *method, const char *version, const char *upload_data,
			       size_t *upload_data_size, void **req_cls)
{
	request *rq = *req_cls;
	if (!rq || !rq->uri)
		return MHD_NO;
	if (!rq->started) {
		rq->started = 1;
		return MHD_YES;
	}
	if (*upload_data_size) { /* read and ignore request bodies: nothing is ever written */
		*upload_data_size = 0;
		return MHD_YES;
	}
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	char audit_id[37];
	new_audit_id(audit_id);
	response r = {.status = 0, .retry_after = -1};
	ks_fault_hit hit;
	int health = !strcmp(url, "/healthz") || !strcmp(url, "/livez") || !strcmp(url, "/readyz");
	const char *rawq = strchr(rq->uri, '?');
	ks_faults_match(srv.faults, method, url, rawq ? rawq + 1 : "", is_discovery(url) || health,
			qarg(c, "continue") != NULL, &hit);
	if (hit.latency_ms > 0) {
		struct timespec d = {hit.latency_ms / 1000, (hit.latency_ms % 1000) * 1000000L};
		while (nanosleep(&d, &d) < 0 && errno == EINTR)
			;
	}
	if (hit.action == KS_FAULT_DROP) {
		audit(method, rq->uri, 0, c, 0, audit_id, hit.desc, 0);
		return MHD_NO; /* MHD closes the connection without a response */
	}
	if (hit.action == KS_FAULT_STATUS) {
		set_status(&r, hit.status, reason_for(hit.status), msg_for(hit.status), NULL, NULL,
			   NULL, 0);
		r.retry_after = hit.retry_after;
	} else if (health) {
		set_body(&r, 200, strdup("ok"), "text/plain");
	} else if (!token_ok(c)) {
		set_status(&r, 401, "Unauthorized", "Unauthorized", NULL, NULL, NULL, 0);
	} else if (hit.action == KS_FAULT_EXPIRE_CONTINUE) {
		/* etcd compacted: 410 with a fresh token that resumes from the same key */
		char *tok = NULL;
		const char *cont = qarg(c, "continue");
		size_t n;
		unsigned char *raw = cont ? ks_b64_decode(cont, &n) : NULL;
		if (raw) {
			json_tokener *jt = json_tokener_new();
			json_object *o = json_tokener_parse_ex(jt, (const char *)raw, (int)n);
			json_object *st = NULL;
			if (o && json_object_object_get_ex(o, "start", &st)) {
				int sl = json_object_get_string_len(st);
				const char *sv = json_object_get_string(st);
				char *key = strndup(sv, (size_t)(sl > 0 && sv[sl - 1] == '\0' ? sl - 1 : sl));
				tok = key ? ks_continue_token("-1", key) : NULL;
				free(key);
			}
			json_object_put(o);
			json_tokener_free(jt);
			free(raw);
		}
		set_body(&r, 410,
			 ks_status_body(410, "Expired",
					tok ? "The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list."
					    : "The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter.",
					NULL, NULL, NULL, 0, tok),
			 "application/json");
		free(tok);
	} else {
		route(c, &r, method, url);
	}
	if (!r.body) {
		set_status(&r, 500, "InternalError", "kubesim: out of memory", NULL, NULL, NULL, 0);
		if (!r.body)
			return MHD_NO;
	}
	struct MHD_Response *resp;
	if (hit.action == KS_FAULT_TRUNCATE) {
		trunc_body *t = malloc(sizeof *t);
		if (!t) {
			free(r.body);
			return MHD_NO;
		}
		t->body = r.body;
		t->len = r.len;
		t->sent_max = r.len / 2;
		resp = MHD_create_response_from_callback(r.len, 64 * 1024, trunc_reader, t, trunc_free);
		if (!resp)
			trunc_free(t);
	} else {
		resp = MHD_create_response_from_buffer_with_free_callback(r.len, r.body, free);
		if (!resp)
			free(r.body);
	}
	if (!resp)
		return MHD_NO;
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, r.ctype);
	MHD_add_response_header(resp, "Audit-Id", audit_id);
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-cache, private");
	if (!strcmp(r.ctype, "application/json"))
		MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
	if (r.retry_after >= 0) {
		char ra[16];
		snprintf(ra, sizeof ra, "%d", r.retry_after);
		MHD_add_response_header(resp, MHD_HTTP_HEADER_RETRY_AFTER, ra);
	}
	enum MHD_Result ok = MHD_queue_response(c, (unsigned)r.status, resp);
	MHD_destroy_response(resp);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
	audit(method, rq->uri, r.status, c, hit.action == KS_FAULT_TRUNCATE ? r.len / 2 : r.len,
	      audit_id, hit.desc, ms);
	if (srv.verbose)
		fprintf(stderr, "kubesim: %s %s -> %d (%zu bytes, %.2f ms)\n", method, rq->uri, r.status,
			r.len, ms);
	return ok;
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	if (srv.verbose) {
		fputs("kubesim: mhd: ", stderr);
		vfprintf(stderr, fmt, ap);
	}
}

/* ---- startup ---- */

static char *b64(const char *s)
{
	size_t n = strlen(s);
	char *out = malloc(4 * ((n + 2) / 3) + 1);
	if (out)
		EVP_EncodeBlock((unsigned char *)out, (const unsigned char *)s, (int)n);
	return out;
}

static void yaml_quote(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fputc('\\', f);
		fputc(*s, f);
	}
	fputc('"', f);
}

/* Written to FILE.tmp and renamed, so a reader that waits for FILE sees it whole. */
static int write_kubeconfig(const char *path, int port, const char *ca_pem, const char *token,
			    const char *ns)
{
	char tmp[4096];
	snprintf(tmp, sizeof tmp, "%s.tmp", path);
	FILE *f = fopen(tmp, "w");
	char *ca = b64(ca_pem);
	if (!f || !ca) {
		if (f)
			fclose(f);
		free(ca);
		return -1;
	}
	fprintf(f,
		"apiVersion: v1\n"
		"kind: Config\n"
		"clusters:\n"
		"- name: kubesim\n"
		"  cluster:\n"
		"    server: https://127.0.0.1:%d\n"
		"    certificate-authority-data: %s\n"
		"users:\n"
		"- name: kubesim\n"
		"  user:\n"
		"    token: ",
		port, ca);
	yaml_quote(f, token);
	fprintf(f,
		"\n"
		"contexts:\n"
		"- name: kubesim\n"
		"  context:\n"
		"    cluster: kubesim\n"
		"    user: kubesim\n"
		"    namespace: ");
	yaml_quote(f, ns);
	fprintf(f, "\ncurrent-context: kubesim\npreferences: {}\n");
	free(ca);
	int bad = ferror(f);
	if (fclose(f) != 0 || bad || rename(tmp, path) != 0) {
		unlink(tmp);
		return -1;
	}
	return 0;
}

static int write_text(const char *path, const char *text)
{
	char tmp[4096];
	snprintf(tmp, sizeof tmp, "%s.tmp", path);
	FILE *f = fopen(tmp, "w");
	if (!f)
		return -1;
	fputs(text, f);
	if (fclose(f) != 0 || rename(tmp, path) != 0) {
		unlink(tmp);
		return -1;
	}
	return 0;
}

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: kubesim --scenario DIR --listen 127.0.0.1:PORT --write-kubeconfig FILE\n"
		"               [--audit-log FILE] [--fault SPEC]... [options]\n"
		"\n"
		"A simulated Kubernetes API server (HTTPS, bearer token) serving a scenario directory.\n"
		"Prints 'kubesim: listening on https://127.0.0.1:PORT' when ready; the kubeconfig is\n"
		"written (atomically) only once listening. SIGTERM/SIGINT stop it cleanly.\n"
		"\n"
		"Options:\n"
		"  --scenario DIR          scenario directory (DIR/cluster/...)\n"
		"  --listen ADDR:PORT      loopback address to listen on; port 0 picks a free port\n"
		"  --write-kubeconfig FILE kubeconfig with server, CA data, token, context 'kubesim'\n"
		"                          (namespace: expect.json's, else first non-system namespace)\n"
		"  --write-ca FILE         also write the CA certificate (PEM), e.g. for curl --cacert\n"
		"  --audit-log FILE        one JSON line per request (ts, method, path, query, status,\n"
		"                          user_agent, bytes, audit_id, elapsed_ms, fault)\n"
		"  --token TOKEN           accepted bearer token (default: random)\n"
		"  --token-file FILE       accept the token in FILE, re-read on every request (rotation)\n"
		"  --user NAME             identity named in 403 messages\n"
		"                          (default " DEFAULT_USER ")\n"
		"  --forbid RES[,RES]      answer 403 for these resources too (e.g. nodes,deployments,\n"
		"                          pods/log, deployments.apps); secrets are always forbidden\n"
		"  --page-size-max N       cap every list page at N items (even without limit=)\n"
		"  --fault SPEC            inject faults (grammar below)\n"
		"  --ready-file FILE       write the server URL to FILE when ready\n"
		"  --pid-file FILE         write the process id to FILE\n"
		"  -v, --verbose           log requests and TLS errors to stderr\n"
		"  -h, --help              this help\n"
		"\n%s",
		ks_faults_help);
}

static char *random_token(void)
{
	unsigned char b[24];
	if (RAND_bytes(b, sizeof b) != 1)
		return NULL;
	char *t = malloc(sizeof b * 2 + 10);
	if (!t)
		return NULL;
	strcpy(t, "kubesim-");
	for (size_t i = 0; i < sizeof b; i++)
		sprintf(t + 8 + 2 * i, "%02x", b[i]);
	return t;
}

int main(int argc, char **argv)
{
	enum { O_SCEN = 256, O_LISTEN, O_KCFG, O_AUDIT, O_FAULT, O_TOKEN, O_TOKFILE, O_USER,
	       O_FORBID, O_PAGEMAX, O_READY, O_PID, O_CA };
	static const struct option opts[] = {
		{"scenario", required_argument, NULL, O_SCEN},
		{"listen", required_argument, NULL, O_LISTEN},
		{"write-kubeconfig", required_argument, NULL, O_KCFG},
		{"write-ca", required_argument, NULL, O_CA},
		{"audit-log", required_argument, NULL, O_AUDIT},
		{"fault", required_argument, NULL, O_FAULT},
		{"token", required_argument, NULL, O_TOKEN},
		{"token-file", required_argument, NULL, O_TOKFILE},
		{"user", required_argument, NULL, O_USER},
		{"forbid", required_argument, NULL, O_FORBID},
		{"page-size-max", required_argument, NULL, O_PAGEMAX},
		{"ready-file", required_argument, NULL, O_READY},
		{"pid-file", required_argument, NULL, O_PID},
		{"verbose", no_argument, NULL, 'v'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *scenario = NULL, *listen_s = NULL, *kcfg = NULL, *audit_path = NULL;
	const char *ready = NULL, *pidf = NULL, *ca_out = NULL;
	char err[1024];
	int rc = 1, opt;
	struct MHD_Daemon *d = NULL;
	ks_tls tls = {0};
	srv.user = DEFAULT_USER;
	pthread_mutex_init(&srv.audit_mu, NULL);
	while ((opt = getopt_long(argc, argv, "vh", opts, NULL)) != -1) {
		switch (opt) {
		case O_SCEN: scenario = optarg; break;
		case O_LISTEN: listen_s = optarg; break;
		case O_KCFG: kcfg = optarg; break;
		case O_CA: ca_out = optarg; break;
		case O_AUDIT: audit_path = optarg; break;
		case O_FAULT:
			if (ks_faults_add(&srv.faults, optarg, err, sizeof err) < 0) {
				fprintf(stderr, "kubesim: %s\n", err);
				goto out;
			}
			break;
		case O_TOKEN:
			free(srv.token);
			srv.token = strdup(optarg);
			break;
		case O_TOKFILE: srv.token_file = optarg; break;
		case O_USER: srv.user = optarg; break;
		case O_FORBID: {
			char *copy = strdup(optarg), *save = NULL;
			for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
				char **p = realloc(srv.forbid, (srv.nforbid + 1) * sizeof *p);
				if (!p)
					break;
				srv.forbid = p;
				srv.forbid[srv.nforbid++] = strdup(trim(t));
			}
			free(copy);
			break;
		}
		case O_PAGEMAX: srv.page_max = strtol(optarg, NULL, 10); break;
		case O_READY: ready = optarg; break;
		case O_PID: pidf = optarg; break;
		case 'v': srv.verbose = 1; break;
		case 'h': usage(stdout); rc = 0; goto out;
		default: usage(stderr); rc = 2; goto out;
		}
	}
	if (!scenario || !listen_s || !kcfg || optind < argc) {
		fprintf(stderr, "kubesim: --scenario, --listen and --write-kubeconfig are required "
				"(see --help)\n");
		rc = 2;
		goto out;
	}
	/* listen address: loopback IPv4 literal (or localhost) and a port */
	const char *colon = strrchr(listen_s, ':');
	struct sockaddr_in sa = {.sin_family = AF_INET};
	char host[64];
	char *end;
	long port = colon ? strtol(colon + 1, &end, 10) : -1;
	snprintf(host, sizeof host, "%.*s", colon ? (int)(colon - listen_s) : 0, listen_s);
	if (!colon || *end || port < 0 || port > 65535 ||
	    inet_pton(AF_INET, strcmp(host, "localhost") ? host : "127.0.0.1", &sa.sin_addr) != 1) {
		fprintf(stderr, "kubesim: --listen '%s': expected IPV4:PORT, e.g. 127.0.0.1:0\n", listen_s);
		rc = 2;
		goto out;
	}
	sa.sin_port = htons((uint16_t)port);
	if (!(srv.store = ks_store_load(scenario, err, sizeof err))) {
		fprintf(stderr, "kubesim: scenario: %s\n", err);
		goto out;
	}
	if (!srv.token && !srv.token_file && !(srv.token = random_token())) {
		fprintf(stderr, "kubesim: cannot make a token\n");
		goto out;
	}
	if (audit_path && !(srv.audit = fopen(audit_path, "a"))) {
		fprintf(stderr, "kubesim: --audit-log %s: %s\n", audit_path, strerror(errno));
		goto out;
	}
	if (ks_tls_generate(&tls, err, sizeof err) < 0) {
		fprintf(stderr, "kubesim: %s\n", err);
		goto out;
	}
	build_discovery(&srv);
	if (!MHD_is_feature_supported(MHD_FEATURE_TLS)) {
		fprintf(stderr, "kubesim: libmicrohttpd was built without TLS support\n");
		goto out;
	}
	/* signals are taken by sigwait in main; every MHD thread inherits the mask */
	sigset_t sigs;
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	signal(SIGPIPE, SIG_IGN);
	d = MHD_start_daemon(MHD_USE_AUTO | MHD_USE_INTERNAL_POLLING_THREAD |
				     MHD_USE_THREAD_PER_CONNECTION | MHD_USE_TLS | MHD_USE_ERROR_LOG,
			     0, NULL, NULL, handler, NULL,
			     MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
			     MHD_OPTION_HTTPS_MEM_KEY, tls.key_pem,
			     MHD_OPTION_HTTPS_MEM_CERT, tls.cert_pem,
			     MHD_OPTION_URI_LOG_CALLBACK, uri_logger, NULL,
			     MHD_OPTION_NOTIFY_COMPLETED, completed, NULL,
			     MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL,
			     MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)60,
			     MHD_OPTION_END);
	if (!d) {
		fprintf(stderr, "kubesim: cannot listen on %s: %s\n", listen_s,
			errno ? strerror(errno) : "MHD_start_daemon failed");
		goto out;
	}
	const union MHD_DaemonInfo *di = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
	int real_port = di ? di->port : (int)port;
	char url[64];
	snprintf(url, sizeof url, "https://127.0.0.1:%d", real_port);
	char *tok = NULL;
	if (srv.token_file) {
		size_t n;
		char *f = read_file(srv.token_file, &n);
		tok = f ? strdup(trim(f)) : NULL;
		free(f);
		if (!tok) {
			fprintf(stderr, "kubesim: --token-file %s: cannot read\n", srv.token_file);
			goto out;
		}
	}
	if (ca_out && write_text(ca_out, tls.ca_pem) < 0) {
		fprintf(stderr, "kubesim: --write-ca %s: %s\n", ca_out, strerror(errno));
		free(tok);
		goto out;
	}
	if (pidf) {
		char pb[32];
		snprintf(pb, sizeof pb, "%ld\n", (long)getpid());
		write_text(pidf, pb);
	}
	int kerr = write_kubeconfig(kcfg, real_port, tls.ca_pem, tok ? tok : srv.token,
				    ks_store_default_ns(srv.store));
	free(tok);
	if (kerr < 0) {
		fprintf(stderr, "kubesim: --write-kubeconfig %s: %s\n", kcfg, strerror(errno));
		goto out;
	}
	if (ready) {
		char rb[80];
		snprintf(rb, sizeof rb, "%s\n", url);
		write_text(ready, rb);
	}
	printf("kubesim: listening on %s\n", url);
	fflush(stdout);
	int sig = 0;
	sigwait(&sigs, &sig);
	if (srv.verbose)
		fprintf(stderr, "kubesim: signal %d, stopping\n", sig);
	rc = 0;
out:
	if (d)
		MHD_stop_daemon(d);
	ks_tls_free(&tls);
	ks_store_free(srv.store);
	ks_faults_free(srv.faults);
	if (srv.audit)
		fclose(srv.audit);
	free(srv.token);
	for (size_t i = 0; i < srv.nforbid; i++)
		free(srv.forbid[i]);
	free(srv.forbid);
	free(srv.api_json);
	free(srv.apis_json);
	pthread_mutex_destroy(&srv.audit_mu);
	return rc;
}
