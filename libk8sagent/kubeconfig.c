/* SPDX-License-Identifier: MIT */
/* Kubernetes configuration: explicit settings, in-cluster service-account files, and
 * kubeconfig YAML (libyaml's document loader gives a node tree with line marks, which is
 * all the structure a kubeconfig needs). */
#include "internal.h"
#include "defaults.h"
#include "http_internal.h"
#include "kubeconfig_internal.h"
#include "base64.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>
#include <json-c/json.h>
#include <yaml.h>

/* ---------------------------------------------------------------- small helpers */

/* A file that could not be read is a configuration error ("kubeconfig /x: ..."), except for
 * memory. */
static k8sa_status config_file_error(k8sa_error *err, k8sa_status st, const char *prefix)
{
	k8sa_error_prefix(err, "%s", prefix);
	if (st == K8SA_E_NOMEM)
		return st;
	if (err)
		err->code = K8SA_E_CONFIG;
	return K8SA_E_CONFIG;
}

/* Trim surrounding whitespace in place; returns s. */
static char *trim(char *s)
{
	size_t n = strlen(s), i = 0;
	while (n > 0 && isspace((unsigned char)s[n - 1]))
		s[--n] = '\0';
	while (isspace((unsigned char)s[i]))
		i++;
	if (i)
		memmove(s, s + i, n - i + 1);
	return s;
}

k8sa_status k8sa_read_token_file(const char *path, char **out, k8sa_error *err)
{
	char *buf = NULL;
	k8sa_status st = k8sa_read_file(path, K8SA_KUBE_TOKEN_MAX_BYTES, &buf, NULL, err);
	if (st != K8SA_OK)
		return config_file_error(err, st, "token file ");
	trim(buf);
	if (!buf[0]) {
		free(buf);
		return k8sa_fail(err, K8SA_E_CONFIG, "token file %s: empty", path);
	}
	*out = buf;
	return K8SA_OK;
}

/* Copy src into *dst; non-zero when out of memory. */
static int dup_str_or_fail(char **dst, const char *src)
{
	free(*dst);
	*dst = strdup(src);
	return *dst == NULL;
}

/* ---------------------------------------------------------------- the value object */

K8SA_EXPORT k8sa_status k8sa_kubeconfig_new(k8sa_kubeconfig **out, k8sa_error *err)
{
	if (!out)
		return k8sa_fail(err, K8SA_E_INVALID_ARG, "k8sa_kubeconfig_new: out is NULL");
	if (!(*out = calloc(1, sizeof(k8sa_kubeconfig))))
		return k8sa_fail(err, K8SA_E_NOMEM, "out of memory");
	return K8SA_OK;
}

K8SA_EXPORT void k8sa_kubeconfig_free(k8sa_kubeconfig *cfg)
{
	if (!cfg)
		return;
	free(cfg->server);
	free(cfg->token);
	free(cfg->token_file);
	free(cfg->ca_file);
	free(cfg->ca_pem);
	free(cfg->cert_file);
	free(cfg->key_file);
	free(cfg->cert_pem);
	free(cfg->key_pem);
	free(cfg->tls_server_name);
	free(cfg->proxy_url);
	free(cfg->ns);
	free(cfg->context);
	free(cfg->source);
	k8sa_exec_config_free(cfg->exec);
	free(cfg);
}

/* Replace *slot with a copy of value (NULL clears). */
static k8sa_status set_str(char **slot, const char *value)
{
	char *copy = NULL;
	if (value && !(copy = strdup(value)))
		return K8SA_E_NOMEM;
	free(*slot);
	*slot = copy;
	return K8SA_OK;
}

#define SETTER(fn, field)                                                   \
	K8SA_EXPORT k8sa_status fn(k8sa_kubeconfig *cfg, const char *value) \
	{                                                                   \
		if (!cfg)                                                   \
			return K8SA_E_INVALID_ARG;                          \
		return set_str(&cfg->field, value);                         \
	}

SETTER(k8sa_kubeconfig_set_server, server)
SETTER(k8sa_kubeconfig_set_token, token)
SETTER(k8sa_kubeconfig_set_token_file, token_file)
SETTER(k8sa_kubeconfig_set_ca_file, ca_file)
SETTER(k8sa_kubeconfig_set_ca_pem, ca_pem)
SETTER(k8sa_kubeconfig_set_client_cert_file, cert_file)
SETTER(k8sa_kubeconfig_set_client_key_file, key_file)
SETTER(k8sa_kubeconfig_set_client_cert_pem, cert_pem)
SETTER(k8sa_kubeconfig_set_client_key_pem, key_pem)
SETTER(k8sa_kubeconfig_set_tls_server_name, tls_server_name)
SETTER(k8sa_kubeconfig_set_namespace, ns)

K8SA_EXPORT k8sa_status k8sa_kubeconfig_set_proxy_url(k8sa_kubeconfig *cfg, const char *url)
{
	if (!cfg || k8sa_http_check_proxy(url, "proxy-url", NULL) != K8SA_OK)
		return K8SA_E_INVALID_ARG;
	return set_str(&cfg->proxy_url, url && url[0] ? url : NULL);
}

K8SA_EXPORT const char *k8sa_kubeconfig_proxy_url(const k8sa_kubeconfig *cfg)
{
	return cfg ? cfg->proxy_url : NULL;
}

K8SA_EXPORT k8sa_status k8sa_kubeconfig_set_insecure_skip_tls_verify(k8sa_kubeconfig *cfg, int insecure)
{
	if (!cfg)
		return K8SA_E_INVALID_ARG;
	cfg->insecure = insecure != 0;
	return K8SA_OK;
}

K8SA_EXPORT const char *k8sa_kubeconfig_server(const k8sa_kubeconfig *cfg)
{
	return cfg ? cfg->server : NULL;
}

K8SA_EXPORT const char *k8sa_kubeconfig_namespace(const k8sa_kubeconfig *cfg)
{
	return cfg && cfg->ns && cfg->ns[0] ? cfg->ns : "default";
}

K8SA_EXPORT const char *k8sa_kubeconfig_context(const k8sa_kubeconfig *cfg)
{
	return cfg ? cfg->context : NULL;
}

K8SA_EXPORT const char *k8sa_kubeconfig_source(const k8sa_kubeconfig *cfg)
{
	if (!cfg)
		return NULL;
	return cfg->source ? cfg->source : "explicit";
}

K8SA_EXPORT int k8sa_kubeconfig_insecure_skip_tls_verify(const k8sa_kubeconfig *cfg)
{
	return cfg ? cfg->insecure : 0;
}

/* ---------------------------------------------------------------- in-cluster */

K8SA_EXPORT k8sa_status k8sa_kubeconfig_load_in_cluster(k8sa_kubeconfig **out, k8sa_error *err)
{
	if (!out)
		return k8sa_fail(err, K8SA_E_INVALID_ARG, "in-cluster config: out is NULL");
	const char *host = getenv("KUBERNETES_SERVICE_HOST");
	const char *port = getenv("KUBERNETES_SERVICE_PORT");
	if (!host || !host[0] || !port || !port[0])
		return k8sa_fail(err, K8SA_E_CONFIG,
				 "in-cluster config: not running in a cluster: KUBERNETES_SERVICE_HOST and "
				 "KUBERNETES_SERVICE_PORT must both be set");
	for (const char *p = port; *p; p++)
		if (!isdigit((unsigned char)*p))
			return k8sa_fail(err, K8SA_E_CONFIG,
					 "in-cluster config: KUBERNETES_SERVICE_PORT \"%s\" is not a port number", port);
	const char *dir = getenv("K8SA_SERVICEACCOUNT_DIR");
	if (!dir || !dir[0])
		dir = K8SA_SERVICEACCOUNT_DIR;

	k8sa_kubeconfig *cfg = calloc(1, sizeof(*cfg));
	char *tok = NULL, *nsbuf = NULL;
	k8sa_status st = K8SA_E_NOMEM;
	if (!cfg)
		goto nomem;
	/* IPv6 literals need brackets (client-go uses JoinHostPort). */
	int v6 = strchr(host, ':') != NULL && host[0] != '[';
	if (asprintf(&cfg->server, "https://%s%s%s:%s", v6 ? "[" : "", host, v6 ? "]" : "", port) < 0) {
		cfg->server = NULL;
		goto nomem;
	}
	if (asprintf(&cfg->token_file, "%s/token", dir) < 0) {
		cfg->token_file = NULL;
		goto nomem;
	}
	if (asprintf(&cfg->ca_file, "%s/ca.crt", dir) < 0) {
		cfg->ca_file = NULL;
		goto nomem;
	}
	/* Fail now, with the file named, rather than at the first request. */
	st = k8sa_read_token_file(cfg->token_file, &tok, err);
	if (st != K8SA_OK) {
		k8sa_error_prefix(err, "in-cluster config: ");
		goto fail;
	}
	free(tok);
	if (access(cfg->ca_file, R_OK) != 0) {
		st = k8sa_fail(err, K8SA_E_CONFIG, "in-cluster config: CA file %s: %s", cfg->ca_file,
			       strerror(errno));
		goto fail;
	}
	const char *pod_ns = getenv("POD_NAMESPACE");
	if (pod_ns && pod_ns[0]) {
		if (!(cfg->ns = strdup(pod_ns)))
			goto nomem;
	} else {
		char *nspath = NULL;
		if (asprintf(&nspath, "%s/namespace", dir) < 0)
			goto nomem;
		if (k8sa_read_file(nspath, K8SA_SA_NAMESPACE_MAX_BYTES, &nsbuf, NULL, NULL) == K8SA_OK &&
		    trim(nsbuf)[0]) {
			cfg->ns = nsbuf;
			nsbuf = NULL;
		}
		free(nspath);
		free(nsbuf);
	}
	if (!(cfg->source = strdup("in-cluster")))
		goto nomem;
	*out = cfg;
	return K8SA_OK;
nomem:
	st = k8sa_fail(err, K8SA_E_NOMEM, "in-cluster config: out of memory");
fail:
	k8sa_kubeconfig_free(cfg);
	return st;
}

/* ---------------------------------------------------------------- kubeconfig YAML */

typedef struct kc_file {
	char *path;
	char *dir; /* relative paths inside resolve against it */
	yaml_document_t doc;
	int loaded;
	yaml_node_t *root; /* mapping */
} kc_file;

typedef struct kc_set {
	kc_file *files;
	size_t n;
	k8sa_error *err;
} kc_set;

static const char *node_type_name(const yaml_node_t *n)
{
	switch (n->type) {
	case YAML_SCALAR_NODE:
		return "a scalar";
	case YAML_SEQUENCE_NODE:
		return "a list";
	case YAML_MAPPING_NODE:
		return "a mapping";
	default:
		return "nothing";
	}
}

static k8sa_status type_error(kc_file *f, const yaml_node_t *n, const char *field, const char *want,
			      k8sa_error *err)
{
	return k8sa_fail(err, K8SA_E_CONFIG, "kubeconfig %s: %s: expected %s, got %s (line %zu column %zu)",
			 f->path, field, want, node_type_name(n), n->start_mark.line + 1,
			 n->start_mark.column + 1);
}

/* A scalar that means "no value": empty or YAML null. */
static int scalar_is_null(const yaml_node_t *n)
{
	if (n->type != YAML_SCALAR_NODE)
		return 0;
	if (n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return 0;
	const char *v = (const char *)n->data.scalar.value;
	return !v[0] || !strcmp(v, "~") || !strcmp(v, "null") || !strcmp(v, "Null") || !strcmp(v, "NULL");
}

/* Value for `key` in mapping `map`, or NULL (also when the value is null). */
static yaml_node_t *map_get(kc_file *f, yaml_node_t *map, const char *key)
{
	for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top; p++) {
		yaml_node_t *k = yaml_document_get_node(&f->doc, p->key);
		if (!k || k->type != YAML_SCALAR_NODE || strcmp((const char *)k->data.scalar.value, key))
			continue;
		yaml_node_t *v = yaml_document_get_node(&f->doc, p->value);
		if (!v || scalar_is_null(v))
			return NULL;
		return v;
	}
	return NULL;
}

/* String field: *out borrowed from the document, NULL when absent. */
static k8sa_status get_str(kc_file *f, yaml_node_t *map, const char *key, const char *field,
			   const char **out, k8sa_error *err)
{
	*out = NULL;
	yaml_node_t *v = map_get(f, map, key);
	if (!v)
		return K8SA_OK;
	if (v->type != YAML_SCALAR_NODE) {
		char path[256];
		snprintf(path, sizeof(path), "%s%s%s", field, field[0] ? "." : "", key);
		return type_error(f, v, path, "a string", err);
	}
	*out = (const char *)v->data.scalar.value;
	return K8SA_OK;
}

static k8sa_status get_bool(kc_file *f, yaml_node_t *map, const char *key, const char *field, int *out,
			    k8sa_error *err)
{
	const char *s;
	k8sa_status st = get_str(f, map, key, field, &s, err);
	if (st != K8SA_OK || !s)
		return st;
	/* YAML 1.1 booleans, as sigs.k8s.io/yaml (yaml.v2) reads them. */
	static const char *const yes[] = {"true", "yes", "on", "y"}, *const no[] = {"false", "no", "off", "n"};
	for (size_t i = 0; i < 4; i++) {
		if (!strcasecmp(s, yes[i])) {
			*out = 1;
			return K8SA_OK;
		}
		if (!strcasecmp(s, no[i])) {
			*out = 0;
			return K8SA_OK;
		}
	}
	return k8sa_fail(err, K8SA_E_CONFIG, "kubeconfig %s: %s.%s: expected true or false, got \"%s\"", f->path,
			 field, key, s);
}

static void kc_file_clear(kc_file *f)
{
	if (f->loaded)
		yaml_document_delete(&f->doc);
	free(f->path);
	free(f->dir);
	memset(f, 0, sizeof(*f));
}

static k8sa_status kc_file_load(kc_file *f, const char *path, k8sa_error *err)
{
	char *text = NULL;
	size_t len = 0;
	k8sa_status st = K8SA_OK;

	if (!(f->path = strdup(path)))
		return k8sa_fail(err, K8SA_E_NOMEM, "kubeconfig %s: out of memory", path);
	const char *slash = strrchr(path, '/');
	f->dir = slash ? strndup(path, slash == path ? 1 : (size_t)(slash - path)) : strdup(".");
	if (!f->dir)
		return k8sa_fail(err, K8SA_E_NOMEM, "kubeconfig %s: out of memory", path);
	if ((st = k8sa_read_file(path, K8SA_KUBECONFIG_MAX_BYTES, &text, &len, err)) != K8SA_OK)
		return config_file_error(err, st, "kubeconfig ");

	yaml_parser_t parser;
	if (!yaml_parser_initialize(&parser)) {
		free(text);
		return k8sa_fail(err, K8SA_E_NOMEM, "kubeconfig %s: out of memory", path);
	}
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
	if (!yaml_parser_load(&parser, &f->doc)) {
		if (parser.error == YAML_MEMORY_ERROR)
			st = k8sa_fail(err, K8SA_E_NOMEM, "kubeconfig %s: out of memory", path);
		else if (parser.context)
			st = k8sa_fail(err, K8SA_E_CONFIG, "kubeconfig %s: line %zu column %zu: %s %s", path,
				       parser.problem_mark.line + 1, parser.problem_mark.column + 1,
				       parser.problem ? parser.problem : "syntax error", parser.context);
		else
			st = k8sa_fail(err, K8SA_E_CONFIG, "kubeconfig %s: line %zu column %zu: %s", path,
				       parser.problem_mark.line + 1, parser.problem_mark.column + 1,
				       parser.problem ? parser.problem : "syntax error");
		yaml_parser_delete(&parser);
		free(text);
		return st;
	}
	f->loaded = 1;
	yaml_parser_delete(&parser);
	free(text);

	f->root = yaml_document_get_root_node(&f->doc);
	if (!f->root || scalar_is_null(f->root))
		return k8sa_fail(err, K8SA_E_CONFIG, "kubeconfig %s: file is empty", path);
	if (f->root->type != YAML_MAPPING_NODE)
		return type_error(f, f->root, "top level", "a mapping", err);

	/* Shape checks for the three named lists, so later lookups can trust them. */
	static const char *const lists[] = {"clusters", "users", "contexts"};
	static const char *const inner[] = {"cluster", "user", "context"};
	for (size_t l = 0; l < 3; l++) {
		yaml_node_t *seq = map_get(f, f->root, lists[l]);
		if (!seq)
			continue;
		if (seq->type != YAML_SEQUENCE_NODE)
			return type_error(f, seq, lists[l], "a list", err);
		size_t i = 0;
		for (yaml_node_item_t *it = seq->data.sequence.items.start; it < seq->data.sequence.items.top;
		     it++, i++) {
			char field[64];
			yaml_node_t *ent = yaml_document_get_node(&f->doc, *it);
			snprintf(field, sizeof(field), "%s[%zu]", lists[l], i);
			if (!ent || ent->type != YAML_MAPPING_NODE)
				return type_error(f, ent, field, "a mapping", err);
			const char *name;
			if ((st = get_str(f, ent, "name", field, &name, err)) != K8SA_OK)
				return st;
			if (!name)
				return k8sa_fail(err, K8SA_E_CONFIG, "kubeconfig %s: %s.name: missing", path, field);
			yaml_node_t *body = map_get(f, ent, inner[l]);
			if (body && body->type != YAML_MAPPING_NODE) {
				char bf[80];
				snprintf(bf, sizeof(bf), "%s.%s", field, inner[l]);
				return type_error(f, body, bf, "a mapping", err);
			}
		}
	}
	const char *cc;
	return get_str(f, f->root, "current-context", "", &cc, err);
}

/* Find the first entry named `name` in list `list` over the files in order (first
 * occurrence wins, as when kubectl merges KUBECONFIG). Sets *file, *index and *body (the
 * inner mapping, NULL when absent). Returns 0 when not found. */
static int kc_find(kc_set *set, const char *list, const char *inner, const char *name, kc_file **file,
		   size_t *index, yaml_node_t **body)
{
	for (size_t fi = 0; fi < set->n; fi++) {
		kc_file *f = &set->files[fi];
		yaml_node_t *seq = map_get(f, f->root, list);
		if (!seq)
			continue;
		size_t i = 0;
		for (yaml_node_item_t *it = seq->data.sequence.items.start; it < seq->data.sequence.items.top;
		     it++, i++) {
			yaml_node_t *ent = yaml_document_get_node(&f->doc, *it);
			yaml_node_t *n = map_get(f, ent, "name");
			if (!n || strcmp((const char *)n->data.scalar.value, name))
				continue;
			*file = f;
			*index = i;
			*body = map_get(f, ent, inner);
			return 1;
		}
	}
	return 0;
}

/* "a, b, c" of every name in `list` (truncated), for "not found" messages. */
static void kc_names(kc_set *set, const char *list, char *buf, size_t size)
{
	size_t used = 0;
	buf[0] = '\0';
	for (size_t fi = 0; fi < set->n; fi++) {
		kc_file *f = &set->files[fi];
		yaml_node_t *seq = map_get(f, f->root, list);
		if (!seq)
			continue;
		for (yaml_node_item_t *it = seq->data.sequence.items.start; it < seq->data.sequence.items.top; it++) {
			yaml_node_t *n = map_get(f, yaml_document_get_node(&f->doc, *it), "name");
			if (!n)
				continue;
			int w = snprintf(buf + used, size - used, "%s%s", used ? ", " : "",
					 (const char *)n->data.scalar.value);
			if (w < 0 || (size_t)w >= size - used) {
				buf[size - 1] = '\0';
				return;
			}
			used += (size_t)w;
		}
	}
	if (!used)
		snprintf(buf, size, "none");
}

/* A path from the file: absolute, or relative to the file's directory. */
static k8sa_status kc_path(kc_file *f, const char *p, char **out, k8sa_error *err)
{
	if (p[0] == '/' ? !(*out = strdup(p)) : asprintf(out, "%s/%s", f->dir, p) < 0)
		return k8sa_fail(err, K8SA_E_NOMEM, "kubeconfig %s: out of memory", f->path);
	return K8SA_OK;
}

/* A readable file field: resolved and checked now so the error names the field. */
static k8sa_status kc_file_field(kc_file *f, const char *value, const char *field, char **out, k8sa_error *err)
{
	char *p = NULL;
	k8sa_status st = kc_path(f, value, &p, err);
	if (st != K8SA_OK)
		return st;
	if (access(p, R_OK) != 0) {
		st = k8sa_fail(err, K8SA_E_CONFIG, "kubeconfig %s: %s: %s: %s", f->path, field, p, strerror(errno));
		free(p);
		return st;
	}
	free(*out);
	*out = p;
	return K8SA_OK;
}

/* A base64 PEM field. */
static k8sa_status kc_data_field(kc_file *f, const char *value, const char *field, char **out, k8sa_error *err)
{
	char *pem = NULL;
	size_t len = 0;
	int r = k8sa_base64_decode(value, strlen(value), &pem, &len);
	if (r == -2)
		return k8sa_fail(err, K8SA_E_NOMEM, "kubeconfig %s: out of memory", f->path);
	if (r != 0 || len == 0)
		return k8sa_fail(err, K8SA_E_CONFIG, "kubeconfig %s: %s: invalid base64", f->path, field);
	if (strlen(pem) != len) {
		free(pem);
		return k8sa_fail(err, K8SA_E_CONFIG, "kubeconfig %s: %s: not PEM text (binary data)", f->path, field);
	}
	free(*out);
	*out = pem;
	return K8SA_OK;
}

static k8sa_status kc_cluster(kc_set *set, k8sa_kubeconfig *cfg, const char *ctxname, const char *name,
			      k8sa_error *err)
{
	kc_file *f;
	size_t i;
	yaml_node_t *c;
	char field[96], sub[160], names[256];
	const char *s;
	k8sa_status st;

	if (!kc_find(set, "clusters", "cluster", name, &f, &i, &c)) {
		kc_names(set, "clusters", names, sizeof(names));
		return k8sa_fail(err, K8SA_E_CONFIG, "kubeconfig %s: context \"%s\": cluster \"%s\" not found (clusters: %s)",
				 set->files[0].path, ctxname, name, names);
	}
	snprintf(field, sizeof(field), "clusters[%zu].cluster", i);
	if (!c)
		return k8sa_fail(err, K8SA_E_CONFIG, "kubeconfig %s: %s: missing", f->path, field);
	if ((st = get_str(f, c, "server", field, &s, err)) != K8SA_OK)
		return st;
	if (!s)
		return k8sa_fail(err, K8SA_E_CONFIG, "kubeconfig %s: %s.server: missing (cluster \"%s\")", f->path,
				 field, name);
	if (strncmp(s, "https://", 8) && strncmp(s, "http://", 7))
		return k8sa_fail(err, K8SA_E_CONFIG, "kubeconfig %s: %s.server: \"%s\" is not an http(s):// URL",
				 f->path, field, s);
	if (set_str(&cfg->server, s) != K8SA_OK)
		return k8sa_fail(err, K8SA_E_NOMEM, "out of memory");
	if ((st = get_str(f, c, "certificate-authority-data", field, &s, err)) != K8SA_OK)
		return st;
	if (s) {
		snprintf(sub, sizeof(sub), "%s.certificate-authority-data", field);
		if ((st = kc_data_field(f, s, sub, &cfg->ca_pem, err)) != K8SA_OK)
			return st;
	} else {
		/* -data wins over the file, as in client-go. */
		if ((st = get_str(f, c, "certificate-authority", field, &s, err)) != K8SA_OK)
			return st;
		snprintf(sub, sizeof(sub), "%s.certificate-authority", field);
		if (s && (st = kc_file_field(f, s, sub, &cfg->ca_file, err)) != K8SA_OK)
			return st;
	}
	if ((st = get_bool(f, c, "insecure-skip-tls-verify", field, &cfg->insecure, err)) != K8SA_OK)
		return st;
	if ((st = get_str(f, c, "tls-server-name", field, &s, err)) != K8SA_OK)
		return st;
	if (s && set_str(&cfg->tls_server_name, s) != K8SA_OK)
		return k8sa_fail(err, K8SA_E_NOMEM, "out of memory");
	if ((st = get_str(f, c, "proxy-url", field, &s, err)) != K8SA_OK)
		return st;
	if (s && s[0]) {
		if (k8sa_http_check_proxy(s, "proxy-url", NULL) != K8SA_OK)
			return k8sa_fail(err, K8SA_E_CONFIG,
					 "kubeconfig %s: %s.proxy-url: \"%s\" is not an http, https, socks5 or socks5h URL",
					 f->path, field, s);
		if (set_str(&cfg->proxy_url, s) != K8SA_OK)
			return k8sa_fail(err, K8SA_E_NOMEM, "out of memory");
	}
	return K8SA_OK;
}

/* A list of strings (exec.args). */
static k8sa_status kc_str_list(kc_file *f, yaml_node_t *seq, const char *field, char ***out, k8sa_error *err)
{
	if (seq->type != YAML_SEQUENCE_NODE)
		return type_error(f, seq, field, "a list", err);
	size_t n = (size_t)(seq->data.sequence.items.top - seq->data.sequence.items.start), i = 0;
	char **l = calloc(n + 1, sizeof(*l));
	if (!l)
		return k8sa_fail(err, K8SA_E_NOMEM, "out of memory");
	*out = l;
	for (yaml_node_item_t *it = seq->data.sequence.items.start; it < seq->data.sequence.items.top; it++, i++) {
		yaml_node_t *v = yaml_document_get_node(&f->doc, *it);
		if (!v || v->type != YAML_SCALAR_NODE) {
			char sub[256];
			snprintf(sub, sizeof(sub), "%.200s[%zu]", field, i);
			return type_error(f, v, sub, "a string", err);
		}
		if (!(l[i] = strdup((const char *)v->data.scalar.value)))
			return k8sa_fail(err, K8SA_E_NOMEM, "out of memory");
	}
	return K8SA_OK;
}

/* spec.cluster of KUBERNETES_EXEC_INFO, from the cluster already resolved into cfg. */
static k8sa_status kc_exec_cluster(kc_file *f, const k8sa_kubeconfig *cfg, char **out, k8sa_error *err)
{
	json_object *c = json_object_new_object();
	char *pem = NULL, *b64 = NULL;
	k8sa_status st = K8SA_OK;
	if (!c)
		return k8sa_fail(err, K8SA_E_NOMEM, "out of memory");
	json_object_object_add(c, "server", json_object_new_string(cfg->server));
	if (cfg->tls_server_name)
		json_object_object_add(c, "tls-server-name", json_object_new_string(cfg->tls_server_name));
	if (cfg->insecure)
		json_object_object_add(c, "insecure-skip-tls-verify", json_object_new_boolean(1));
	if (cfg->proxy_url)
		json_object_object_add(c, "proxy-url", json_object_new_string(cfg->proxy_url));
	if (cfg->ca_pem) {
		b64 = k8sa_base64_encode(cfg->ca_pem, strlen(cfg->ca_pem));
	} else if (cfg->ca_file) {
		size_t len = 0;
		if ((st = k8sa_read_file(cfg->ca_file, K8SA_KUBECONFIG_MAX_BYTES, &pem, &len, err)) != K8SA_OK) {
			k8sa_error_prefix(err, "kubeconfig %s: certificate-authority: ", f->path);
			goto out;
		}
		b64 = k8sa_base64_encode(pem, len);
	}
	if ((cfg->ca_pem || cfg->ca_file) && !b64) {
		st = k8sa_fail(err, K8SA_E_NOMEM, "out of memory");
		goto out;
	}
	if (b64)
		json_object_object_add(c, "certificate-authority-data", json_object_new_string(b64));
	const char *s = json_object_to_json_string_ext(c, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
	if (!s || !(*out = strdup(s)))
		st = k8sa_fail(err, K8SA_E_NOMEM, "out of memory");
out:
	free(pem);
	free(b64);
	json_object_put(c);
	return st;
}

/* users[].user.exec: an exec credential plugin (client.authentication.k8s.io v1 or
 * v1beta1), kept for the client to run when it needs credentials. */
static k8sa_status kc_exec(kc_file *f, k8sa_kubeconfig *cfg, yaml_node_t *ex, const char *name,
			   const char *ufield, k8sa_error *err)
{
	char field[128], sub[200];
	const char *s;
	k8sa_status st;
	snprintf(field, sizeof(field), "%s.exec", ufield);
	if (ex->type != YAML_MAPPING_NODE)
		return type_error(f, ex, field, "a mapping", err);
	k8sa_exec_config *x = calloc(1, sizeof(*x));
	if (!x)
		return k8sa_fail(err, K8SA_E_NOMEM, "out of memory");
	k8sa_exec_config_free(cfg->exec);
	cfg->exec = x;
	if (asprintf(&x->what, "kubeconfig %s: user \"%s\"", f->path, name) < 0) {
		x->what = NULL;
		return k8sa_fail(err, K8SA_E_NOMEM, "out of memory");
	}
	if ((st = get_str(f, ex, "apiVersion", field, &s, err)) != K8SA_OK)
		return st;
	if (!s)
		return k8sa_fail(err, K8SA_E_CONFIG, "kubeconfig %s: %s.apiVersion: missing", f->path, field);
	if (strcmp(s, "client.authentication.k8s.io/v1") && strcmp(s, "client.authentication.k8s.io/v1beta1"))
		return k8sa_fail(err, K8SA_E_UNSUPPORTED,
				 "kubeconfig %s: %s.apiVersion: \"%s\" is not supported (client.authentication.k8s.io/v1 "
				 "or v1beta1; v1alpha1 was removed from kubectl in 1.24)",
				 f->path, field, s);
	int v1 = !strcmp(s, "client.authentication.k8s.io/v1");
	if (dup_str_or_fail(&x->api_version, s))
		return k8sa_fail(err, K8SA_E_NOMEM, "out of memory");
	if ((st = get_str(f, ex, "command", field, &s, err)) != K8SA_OK)
		return st;
	if (!s || !s[0])
		return k8sa_fail(err, K8SA_E_CONFIG, "kubeconfig %s: %s.command: missing", f->path, field);
	if (dup_str_or_fail(&x->command, s) || dup_str_or_fail(&x->dir, f->dir))
		return k8sa_fail(err, K8SA_E_NOMEM, "out of memory");
	yaml_node_t *v = map_get(f, ex, "args");
	snprintf(sub, sizeof(sub), "%s.args", field);
	if (v && (st = kc_str_list(f, v, sub, &x->args, err)) != K8SA_OK)
		return st;
	v = map_get(f, ex, "env");
	if (v) {
		snprintf(sub, sizeof(sub), "%s.env", field);
		if (v->type != YAML_SEQUENCE_NODE)
			return type_error(f, v, sub, "a list", err);
		size_t n = (size_t)(v->data.sequence.items.top - v->data.sequence.items.start), i = 0;
		if (!(x->env = calloc(n + 1, sizeof(*x->env))))
			return k8sa_fail(err, K8SA_E_NOMEM, "out of memory");
		for (yaml_node_item_t *it = v->data.sequence.items.start; it < v->data.sequence.items.top; it++, i++) {
			yaml_node_t *ent = yaml_document_get_node(&f->doc, *it);
			const char *en, *ev;
			snprintf(sub, sizeof(sub), "%s.env[%zu]", field, i);
			if (!ent || ent->type != YAML_MAPPING_NODE)
				return type_error(f, ent, sub, "a mapping", err);
			if ((st = get_str(f, ent, "name", sub, &en, err)) != K8SA_OK ||
			    (st = get_str(f, ent, "value", sub, &ev, err)) != K8SA_OK)
				return st;
			if (!en || !en[0] || strchr(en, '='))
				return k8sa_fail(err, K8SA_E_CONFIG, "kubeconfig %s: %s.name: missing or not a variable name",
						 f->path, sub);
			if (asprintf(&x->env[i], "%s=%s", en, ev ? ev : "") < 0) {
				x->env[i] = NULL;
				return k8sa_fail(err, K8SA_E_NOMEM, "out of memory");
			}
		}
	}
	if ((st = get_str(f, ex, "installHint", field, &s, err)) != K8SA_OK)
		return st;
	if (s && dup_str_or_fail(&x->install_hint, s))
		return k8sa_fail(err, K8SA_E_NOMEM, "out of memory");
	if ((st = get_bool(f, ex, "provideClusterInfo", field, &x->provide_cluster_info, err)) != K8SA_OK)
		return st;
	if ((st = get_str(f, ex, "interactiveMode", field, &s, err)) != K8SA_OK)
		return st;
	if (!s && v1)
		return k8sa_fail(err, K8SA_E_CONFIG,
				 "kubeconfig %s: %s.interactiveMode: missing (client.authentication.k8s.io/v1 requires "
				 "Never, IfAvailable or Always)",
				 f->path, field);
	if (!s || !strcmp(s, "IfAvailable"))
		x->interactive = K8SA_EXEC_IF_AVAILABLE;
	else if (!strcmp(s, "Never"))
		x->interactive = K8SA_EXEC_NEVER;
	else if (!strcmp(s, "Always"))
		x->interactive = K8SA_EXEC_ALWAYS;
	else
		return k8sa_fail(err, K8SA_E_CONFIG,
				 "kubeconfig %s: %s.interactiveMode: \"%s\" is not Never, IfAvailable or Always", f->path,
				 field, s);
	if (x->provide_cluster_info && (st = kc_exec_cluster(f, cfg, &x->cluster_json, err)) != K8SA_OK)
		return st;
	return K8SA_OK;
}

static k8sa_status kc_user(kc_set *set, k8sa_kubeconfig *cfg, const char *ctxname, const char *name,
			   k8sa_error *err)
{
	kc_file *f;
	size_t i;
	yaml_node_t *u;
	char field[96], sub[160], names[256];
	const char *s;
	k8sa_status st;

	if (!kc_find(set, "users", "user", name, &f, &i, &u)) {
		kc_names(set, "users", names, sizeof(names));
		return k8sa_fail(err, K8SA_E_CONFIG, "kubeconfig %s: context \"%s\": user \"%s\" not found (users: %s)",
				 set->files[0].path, ctxname, name, names);
	}
	if (!u)
		return K8SA_OK; /* a user with no credentials: anonymous */
	snprintf(field, sizeof(field), "users[%zu].user", i);

	/* Credentials this client will not use: say so instead of connecting anonymously. */
	static const struct {
		const char *key, *why;
	} unsupported[] = {
		{"auth-provider", "auth-provider plugins were removed from kubectl (1.26); use the cloud's exec "
				  "credential plugin (gke-gcloud-auth-plugin, kubelogin, aws eks get-token), as "
				  "kubectl does: users[].user.exec"},
		{"username", "basic authentication (username/password) is not supported; use a token"},
		{"password", "basic authentication (username/password) is not supported; use a token"},
	};
	for (size_t k = 0; k < sizeof(unsupported) / sizeof(unsupported[0]); k++)
		if (map_get(f, u, unsupported[k].key))
			return k8sa_fail(err, K8SA_E_UNSUPPORTED, "kubeconfig %s: user \"%s\" (%s.%s): %s", f->path,
					 name, field, unsupported[k].key, unsupported[k].why);
	yaml_node_t *ex = map_get(f, u, "exec");
	if (ex && (st = kc_exec(f, cfg, ex, name, field, err)) != K8SA_OK)
		return st;

	if ((st = get_str(f, u, "token", field, &s, err)) != K8SA_OK)
		return st;
	if (s && set_str(&cfg->token, s) != K8SA_OK)
		return k8sa_fail(err, K8SA_E_NOMEM, "out of memory");
	if ((st = get_str(f, u, "tokenFile", field, &s, err)) != K8SA_OK)
		return st;
	snprintf(sub, sizeof(sub), "%s.tokenFile", field);
	if (s && (st = kc_file_field(f, s, sub, &cfg->token_file, err)) != K8SA_OK)
		return st;

	static const char *const keys[2][2] = {{"client-certificate-data", "client-certificate"},
					       {"client-key-data", "client-key"}};
	char **pems[2] = {&cfg->cert_pem, &cfg->key_pem}, **files[2] = {&cfg->cert_file, &cfg->key_file};
	for (int k = 0; k < 2; k++) {
		if ((st = get_str(f, u, keys[k][0], field, &s, err)) != K8SA_OK)
			return st;
		snprintf(sub, sizeof(sub), "%s.%s", field, keys[k][0]);
		if (s) {
			if ((st = kc_data_field(f, s, sub, pems[k], err)) != K8SA_OK)
				return st;
			continue;
		}
		if ((st = get_str(f, u, keys[k][1], field, &s, err)) != K8SA_OK)
			return st;
		snprintf(sub, sizeof(sub), "%s.%s", field, keys[k][1]);
		if (s && (st = kc_file_field(f, s, sub, files[k], err)) != K8SA_OK)
			return st;
	}
	int has_cert = cfg->cert_pem || cfg->cert_file, has_key = cfg->key_pem || cfg->key_file;
	if (has_cert != has_key)
		return k8sa_fail(err, K8SA_E_CONFIG, "kubeconfig %s: %s: %s without %s", f->path, field,
				 has_cert ? "client-certificate" : "client-key",
				 has_cert ? "client-key" : "client-certificate");
	return K8SA_OK;
}

static k8sa_status kc_resolve(kc_set *set, const char *context, k8sa_kubeconfig *cfg, k8sa_error *err)
{
	char names[256], field[96];
	const char *ctxname = context, *s;
	k8sa_status st;

	if (!ctxname || !ctxname[0]) {
		ctxname = NULL;
		for (size_t fi = 0; fi < set->n && !ctxname; fi++) {
			yaml_node_t *cc = map_get(&set->files[fi], set->files[fi].root, "current-context");
			if (cc)
				ctxname = (const char *)cc->data.scalar.value;
		}
		if (!ctxname) {
			kc_names(set, "contexts", names, sizeof(names));
			return k8sa_fail(err, K8SA_E_CONFIG,
					 "kubeconfig %s: no current-context set and no context given (contexts: %s)",
					 set->files[0].path, names);
		}
	}
	kc_file *f;
	size_t i;
	yaml_node_t *c;
	if (!kc_find(set, "contexts", "context", ctxname, &f, &i, &c)) {
		kc_names(set, "contexts", names, sizeof(names));
		return k8sa_fail(err, K8SA_E_CONFIG, "kubeconfig %s: context \"%s\" not found (contexts: %s)",
				 set->files[0].path, ctxname, names);
	}
	if (set_str(&cfg->context, ctxname) != K8SA_OK)
		return k8sa_fail(err, K8SA_E_NOMEM, "out of memory");
	snprintf(field, sizeof(field), "contexts[%zu].context", i);
	if (!c)
		return k8sa_fail(err, K8SA_E_CONFIG, "kubeconfig %s: %s: missing (context \"%s\")", f->path, field,
				 ctxname);
	if ((st = get_str(f, c, "namespace", field, &s, err)) != K8SA_OK)
		return st;
	if (s && set_str(&cfg->ns, s) != K8SA_OK)
		return k8sa_fail(err, K8SA_E_NOMEM, "out of memory");
	const char *cluster, *user;
	if ((st = get_str(f, c, "cluster", field, &cluster, err)) != K8SA_OK ||
	    (st = get_str(f, c, "user", field, &user, err)) != K8SA_OK)
		return st;
	if (!cluster)
		return k8sa_fail(err, K8SA_E_CONFIG, "kubeconfig %s: %s.cluster: missing (context \"%s\")", f->path,
				 field, ctxname);
	/* Copy the names: the lookups below must not depend on f staying the same file. */
	if ((st = kc_cluster(set, cfg, ctxname, cluster, err)) != K8SA_OK)
		return st;
	if (user && (st = kc_user(set, cfg, ctxname, user, err)) != K8SA_OK)
		return st;
	return K8SA_OK;
}

K8SA_EXPORT k8sa_status k8sa_kubeconfig_load_file(k8sa_kubeconfig **out, const char *paths, const char *context,
						   k8sa_error *err)
{
	char *list = NULL, *home_path = NULL;
	kc_set set = {0};
	k8sa_kubeconfig *cfg = NULL;
	k8sa_status st;

	if (!out)
		return k8sa_fail(err, K8SA_E_INVALID_ARG, "kubeconfig: out is NULL");
	if (!paths || !paths[0]) {
		paths = getenv("KUBECONFIG");
		if (!paths || !paths[0]) {
			const char *home = getenv("HOME");
			if (!home || !home[0])
				return k8sa_fail(err, K8SA_E_CONFIG,
						 "kubeconfig: no file given, KUBECONFIG is not set and HOME is not set");
			if (asprintf(&home_path, "%s/.kube/config", home) < 0)
				return k8sa_fail(err, K8SA_E_NOMEM, "kubeconfig: out of memory");
			paths = home_path;
		}
	}
	if (!(list = strdup(paths)) || !(cfg = calloc(1, sizeof(*cfg)))) {
		st = k8sa_fail(err, K8SA_E_NOMEM, "kubeconfig: out of memory");
		goto out;
	}
	size_t count = 1;
	for (const char *p = list; *p; p++)
		count += *p == ':';
	if (!(set.files = calloc(count, sizeof(kc_file)))) {
		st = k8sa_fail(err, K8SA_E_NOMEM, "kubeconfig: out of memory");
		goto out;
	}
	set.err = err;
	size_t listed = 0;
	char *save = NULL;
	const char *first_missing = NULL;
	for (char *p = strtok_r(list, ":", &save); p; p = strtok_r(NULL, ":", &save)) {
		listed++;
		/* In a list, missing files are skipped (as kubectl does); alone, a missing file is an error. */
		if (count > 1 && access(p, F_OK) != 0 && errno == ENOENT) {
			if (!first_missing)
				first_missing = p;
			continue;
		}
		st = kc_file_load(&set.files[set.n], p, err);
		set.n++;
		if (st != K8SA_OK)
			goto out;
	}
	if (set.n == 0) {
		st = k8sa_fail(err, K8SA_E_CONFIG, "kubeconfig %s: %s", first_missing ? first_missing : paths,
			       listed ? strerror(ENOENT) : "no file given");
		goto out;
	}
	if ((st = kc_resolve(&set, context, cfg, err)) != K8SA_OK)
		goto out;
	if (!(cfg->source = strdup(set.files[0].path))) {
		st = k8sa_fail(err, K8SA_E_NOMEM, "kubeconfig: out of memory");
		goto out;
	}
	*out = cfg;
	cfg = NULL;
out:
	for (size_t i = 0; i < set.n; i++)
		kc_file_clear(&set.files[i]);
	free(set.files);
	free(list);
	free(home_path);
	k8sa_kubeconfig_free(cfg);
	return st;
}

K8SA_EXPORT k8sa_status k8sa_kubeconfig_load_default(k8sa_kubeconfig **out, const char *path, const char *context,
						      k8sa_error *err)
{
	if (path && path[0])
		return k8sa_kubeconfig_load_file(out, path, context, err);
	const char *h = getenv("KUBERNETES_SERVICE_HOST"), *p = getenv("KUBERNETES_SERVICE_PORT");
	if ((!context || !context[0]) && h && h[0] && p && p[0])
		return k8sa_kubeconfig_load_in_cluster(out, err);
	return k8sa_kubeconfig_load_file(out, NULL, context, err);
}
