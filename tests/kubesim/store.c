/* The scenario in memory. Every list file is parsed once at start; each item is kept as
 * compact JSON (kind/apiVersion stripped, as the real server sends list items) plus the
 * few values selectors need, so serving a page is a run of memcpy calls and a 10,000-pod
 * list costs little more than the TLS encryption. The store is read-only after load and
 * shared by all connection threads. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "kubesim.h"

/* ---- resource types ---- */

static const ks_field pod_fields[] = {
	{"spec.nodeName", "spec.nodeName"},
	{"spec.restartPolicy", "spec.restartPolicy"},
	{"spec.schedulerName", "spec.schedulerName"},
	{"spec.serviceAccountName", "spec.serviceAccountName"},
	{"spec.hostNetwork", "spec.hostNetwork"},
	{"status.phase", "status.phase"},
	{"status.podIP", "status.podIP"},
	{"status.nominatedNodeName", "status.nominatedNodeName"},
	{NULL, NULL},
};
#define EVENT_COMMON_FIELDS                                                             \
	{"involvedObject.kind", "involvedObject.kind"},                                 \
	{"involvedObject.namespace", "involvedObject.namespace"},                       \
	{"involvedObject.name", "involvedObject.name"},                                 \
	{"involvedObject.uid", "involvedObject.uid"},                                   \
	{"involvedObject.apiVersion", "involvedObject.apiVersion"},                     \
	{"involvedObject.resourceVersion", "involvedObject.resourceVersion"},           \
	{"involvedObject.fieldPath", "involvedObject.fieldPath"},                       \
	{"reason", "reason"}, {"type", "type"}
static const ks_field event_fields[] = {
	EVENT_COMMON_FIELDS,
	{"source", "source.component"},
	{"reportingComponent", "reportingComponent"},
	{NULL, NULL},
};
/* events.k8s.io maps regarding.* onto involvedObject.* (events/v1 conversion.go); the
 * values are taken from the core/v1 object the new shape is converted from. */
static const ks_field eventv1_fields[] = {
	EVENT_COMMON_FIELDS,
	{"regarding.kind", "involvedObject.kind"},
	{"regarding.namespace", "involvedObject.namespace"},
	{"regarding.name", "involvedObject.name"},
	{"regarding.uid", "involvedObject.uid"},
	{"regarding.apiVersion", "involvedObject.apiVersion"},
	{"regarding.resourceVersion", "involvedObject.resourceVersion"},
	{"regarding.fieldPath", "involvedObject.fieldPath"},
	{"reportingController", "reportingComponent"},
	{"deprecatedSource", "source.component"},
	{NULL, NULL},
};
static const ks_field node_fields[] = {{"spec.unschedulable", "spec.unschedulable"}, {NULL, NULL}};
static const ks_field ns_fields[] = {{"status.phase", "status.phase"}, {NULL, NULL}};
static const ks_field rs_fields[] = {{"status.replicas", "status.replicas"}, {NULL, NULL}};
static const ks_field job_fields[] = {{"status.successful", "status.successful"}, {NULL, NULL}};
static const ks_field secret_fields[] = {{"type", "type"}, {NULL, NULL}};

static const ks_restype restypes[] = {
	/* name, singular, kind, group, version, apiVersion, namespaced, shortNames, all, file, fields */
	{"pods", "pod", "Pod", "", "v1", "v1", 1, "po", 1, "pods.json", pod_fields},
	{"events", "event", "Event", "", "v1", "v1", 1, "ev", 0, "events.json", event_fields},
	{"services", "service", "Service", "", "v1", "v1", 1, "svc", 1, "services.json", NULL},
	{"endpoints", "endpoints", "Endpoints", "", "v1", "v1", 1, "ep", 0, "endpoints.json", NULL},
	{"persistentvolumeclaims", "persistentvolumeclaim", "PersistentVolumeClaim", "", "v1", "v1",
	 1, "pvc", 0, "persistentvolumeclaims.json", NULL},
	{"configmaps", "configmap", "ConfigMap", "", "v1", "v1", 1, "cm", 0, "configmaps.json", NULL},
	{"resourcequotas", "resourcequota", "ResourceQuota", "", "v1", "v1", 1, "quota", 0,
	 "resourcequotas.json", NULL},
	{"secrets", "secret", "Secret", "", "v1", "v1", 1, NULL, 0, NULL, secret_fields},
	{"nodes", "node", "Node", "", "v1", "v1", 0, "no", 0, "nodes.json", node_fields},
	{"namespaces", "namespace", "Namespace", "", "v1", "v1", 0, "ns", 0, "namespaces.json",
	 ns_fields},
	{"persistentvolumes", "persistentvolume", "PersistentVolume", "", "v1", "v1", 0, "pv", 0,
	 "persistentvolumes.json", NULL},
	{"deployments", "deployment", "Deployment", "apps", "v1", "apps/v1", 1, "deploy", 1,
	 "deployments.json", NULL},
	{"replicasets", "replicaset", "ReplicaSet", "apps", "v1", "apps/v1", 1, "rs", 1,
	 "replicasets.json", rs_fields},
	{"statefulsets", "statefulset", "StatefulSet", "apps", "v1", "apps/v1", 1, "sts", 1,
	 "statefulsets.json", NULL},
	{"daemonsets", "daemonset", "DaemonSet", "apps", "v1", "apps/v1", 1, "ds", 1,
	 "daemonsets.json", NULL},
	{"jobs", "job", "Job", "batch", "v1", "batch/v1", 1, NULL, 1, "jobs.json", job_fields},
	{"cronjobs", "cronjob", "CronJob", "batch", "v1", "batch/v1", 1, "cj", 1, "cronjobs.json",
	 NULL},
	{"ingresses", "ingress", "Ingress", "networking.k8s.io", "v1", "networking.k8s.io/v1", 1,
	 "ing", 0, "ingresses.json", NULL},
	{"horizontalpodautoscalers", "horizontalpodautoscaler", "HorizontalPodAutoscaler",
	 "autoscaling", "v2", "autoscaling/v2", 1, "hpa", 1, "horizontalpodautoscalers.json", NULL},
	{"events", "event", "Event", "events.k8s.io", "v1", "events.k8s.io/v1", 1, "ev", 0,
	 "events.json", eventv1_fields},
	{"networkpolicies", "networkpolicy", "NetworkPolicy", "networking.k8s.io", "v1",
	 "networking.k8s.io/v1", 1, "netpol", 0, "networkpolicies.json", NULL},
	{"ingressclasses", "ingressclass", "IngressClass", "networking.k8s.io", "v1",
	 "networking.k8s.io/v1", 0, NULL, 0, "ingressclasses.json", NULL},
	{"storageclasses", "storageclass", "StorageClass", "storage.k8s.io", "v1", "storage.k8s.io/v1",
	 0, "sc", 0, "storageclasses.json", NULL},
	{"serviceaccounts", "serviceaccount", "ServiceAccount", "", "v1", "v1", 1, "sa", 0,
	 "serviceaccounts.json", NULL},
	{"poddisruptionbudgets", "poddisruptionbudget", "PodDisruptionBudget", "policy", "v1",
	 "policy/v1", 1, "pdb", 0, "poddisruptionbudgets.json", NULL},
};
#define N_RESTYPES (sizeof restypes / sizeof restypes[0])

const ks_restype *ks_restypes(size_t *n)
{
	*n = N_RESTYPES;
	return restypes;
}

const ks_restype *ks_restype_find(const char *group, const char *version, const char *name)
{
	for (size_t i = 0; i < N_RESTYPES; i++)
		if (!strcmp(restypes[i].group, group) && !strcmp(restypes[i].version, version) &&
		    !strcmp(restypes[i].name, name))
			return &restypes[i];
	return NULL;
}

static int is_eventv1(const ks_restype *rt)
{
	return !strcmp(rt->group, "events.k8s.io");
}

/* ---- store ---- */

struct ks_store {
	char *dir;
	ks_list **lists;
	size_t nlists, cap;
	char *rv;
	char *version_json;
	char *default_ns;
	long long max_rv;
};

static void item_free(ks_item *it)
{
	if (!it)
		return;
	free(it->ns);
	free(it->name);
	free(it->json);
	json_object_put(it->labels);
	json_object_put(it->fields);
	free(it);
}

static void list_free(ks_list *l)
{
	if (!l)
		return;
	for (size_t i = 0; i < l->n; i++) {
		if (l->owns_items)
			item_free(l->items[i]);
		free(l->keys[i]);
	}
	free(l->items);
	free(l->keys);
	free(l->ns);
	free(l->rv);
	free(l);
}

void ks_store_free(ks_store *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->nlists; i++)
		list_free(s->lists[i]);
	free(s->lists);
	free(s->dir);
	free(s->rv);
	free(s->version_json);
	free(s->default_ns);
	free(s);
}

static int store_add_list(ks_store *s, ks_list *l)
{
	if (s->nlists == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 32;
		ks_list **p = realloc(s->lists, cap * sizeof *p);
		if (!p)
			return -1;
		s->lists = p;
		s->cap = cap;
	}
	s->lists[s->nlists++] = l;
	return 0;
}

/* Reads and parses a JSON file; NULL with a message naming the file on error. */
static json_object *load_json(const char *path, char *err, size_t errlen)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	ks_buf b = {0};
	char chunk[65536];
	size_t n;
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
		if (ks_buf_add(&b, chunk, n) < 0) {
			fclose(f);
			free(b.data);
			snprintf(err, errlen, "%s: out of memory", path);
			return NULL;
		}
	int rerr = ferror(f);
	fclose(f);
	if (rerr) {
		free(b.data);
		snprintf(err, errlen, "%s: read error", path);
		return NULL;
	}
	json_tokener *tok = json_tokener_new_ex(64);
	if (tok) /* trailing commas and the like are scenario bugs: be strict */
		json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	json_object *o = NULL;
	if (tok && b.data) {
		o = json_tokener_parse_ex(tok, b.data, (int)b.len);
		enum json_tokener_error je = json_tokener_get_error(tok);
		size_t off = json_tokener_get_parse_end(tok);
		if (je == json_tokener_success) {
			/* only whitespace may follow the value */
			for (size_t i = off; i < b.len; i++)
				if (!strchr(" \t\r\n", b.data[i])) {
					snprintf(err, errlen,
						 "%s: malformed JSON: trailing data at offset %zu",
						 path, i);
					json_object_put(o);
					o = NULL;
					break;
				}
		} else {
			json_object_put(o);
			o = NULL;
			snprintf(err, errlen, "%s: malformed JSON: %s at offset %zu", path,
				 je == json_tokener_continue ? "unexpected end of file"
							     : json_tokener_error_desc(je),
				 off);
		}
	} else {
		snprintf(err, errlen, "%s: %s", path, b.data ? "out of memory" : "empty file");
	}
	json_tokener_free(tok);
	free(b.data);
	return o;
}

static int file_exists(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

static json_object *jpath(json_object *o, const char *path)
{
	char buf[128];
	snprintf(buf, sizeof buf, "%s", path);
	char *save = NULL;
	for (char *p = strtok_r(buf, ".", &save); p && o; p = strtok_r(NULL, ".", &save))
		if (!json_object_is_type(o, json_type_object) || !json_object_object_get_ex(o, p, &o))
			return NULL;
	return o;
}

static const char *jstr(json_object *o, const char *path)
{
	json_object *v = jpath(o, path);
	return v && json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
}

static json_object *item_fields(const ks_restype *rt, json_object *obj, const char *ns,
				const char *name)
{
	json_object *f = json_object_new_object();
	json_object_object_add(f, "metadata.name", json_object_new_string(name));
	json_object_object_add(f, "metadata.namespace", json_object_new_string(ns));
	for (const ks_field *fl = rt->fields; fl && fl->label; fl++) {
		json_object *v = jpath(obj, fl->path);
		const char *s = "";
		if (v && !json_object_is_type(v, json_type_object) &&
		    !json_object_is_type(v, json_type_array) && !json_object_is_type(v, json_type_null))
			s = json_object_get_string(v);
		json_object_object_add(f, fl->label, json_object_new_string(s));
	}
	return f;
}

/* core/v1 Event -> events.k8s.io/v1 Event (field order as the real server sends it). */
static json_object *event_to_v1(json_object *ev)
{
	static const struct {
		const char *from, *to;
	} map[] = {
		{"metadata", "metadata"},
		{"eventTime", "eventTime"},
		{"series", "series"},
		{"reportingComponent", "reportingController"},
		{"reportingInstance", "reportingInstance"},
		{"action", "action"},
		{"reason", "reason"},
		{"involvedObject", "regarding"},
		{"related", "related"},
		{"message", "note"},
		{"type", "type"},
		{"source", "deprecatedSource"},
		{"firstTimestamp", "deprecatedFirstTimestamp"},
		{"lastTimestamp", "deprecatedLastTimestamp"},
		{"count", "deprecatedCount"},
	};
	json_object *o = json_object_new_object();
	for (size_t i = 0; i < sizeof map / sizeof map[0]; i++) {
		json_object *v = NULL;
		int has = json_object_object_get_ex(ev, map[i].from, &v);
		if (!strcmp(map[i].to, "eventTime")) {
			json_object_object_add(o, "eventTime", has ? json_object_get(v) : NULL);
			continue;
		}
		if (!has || (!v && strncmp(map[i].to, "deprecated", 10) == 0))
			continue;
		if (!strcmp(map[i].to, "deprecatedSource") && json_object_is_type(v, json_type_object) &&
		    json_object_object_length(v) == 0)
			continue;
		json_object_object_add(o, map[i].to, json_object_get(v));
	}
	return o;
}

static char *serialize(json_object *o, size_t *len)
{
	size_t n = 0;
	const char *s = json_object_to_json_string_length(
		o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &n);
	char *d = malloc(n + 1);
	if (d) {
		memcpy(d, s, n + 1);
		*len = n;
	}
	return d;
}

static ks_item *make_item(const ks_restype *rt, json_object *obj, json_object *fields,
			  const char *ns, const char *name)
{
	ks_item *it = calloc(1, sizeof *it);
	if (!it)
		return NULL;
	it->ns = strdup(ns);
	it->name = strdup(name);
	json_object *labels = jpath(obj, "metadata.labels");
	if (labels && json_object_is_type(labels, json_type_object))
		it->labels = json_object_get(labels);
	it->fields = json_object_get(fields);
	it->json = serialize(obj, &it->json_len);
	if (!it->ns || !it->name || !it->json) {
		item_free(it);
		return NULL;
	}
	(void)rt;
	return it;
}

typedef struct {
	char *key;
	ks_item *item;
} keyed;

static int cmp_keyed(const void *a, const void *b)
{
	return strcmp(((const keyed *)a)->key, ((const keyed *)b)->key);
}

/* Sorts l by key; fails on duplicate keys (two objects with one name). */
static int list_sort(ks_list *l, char *dup, size_t duplen)
{
	keyed *k = malloc((l->n ? l->n : 1) * sizeof *k);
	if (!k)
		return -1;
	for (size_t i = 0; i < l->n; i++) {
		k[i].key = l->keys[i];
		k[i].item = l->items[i];
	}
	qsort(k, l->n, sizeof *k, cmp_keyed);
	int rc = 0;
	for (size_t i = 0; i < l->n; i++) {
		l->keys[i] = k[i].key;
		l->items[i] = k[i].item;
		if (i && !strcmp(k[i].key, k[i - 1].key)) {
			snprintf(dup, duplen, "%s", k[i].key);
			rc = -1;
		}
	}
	free(k);
	return rc;
}

static ks_list *list_new(const ks_restype *rt, const char *ns, size_t cap)
{
	ks_list *l = calloc(1, sizeof *l);
	if (!l)
		return NULL;
	l->rt = rt;
	l->ns = ns ? strdup(ns) : NULL;
	l->items = calloc(cap ? cap : 1, sizeof *l->items);
	l->keys = calloc(cap ? cap : 1, sizeof *l->keys);
	l->owns_items = 1;
	if ((ns && !l->ns) || !l->items || !l->keys) {
		list_free(l);
		return NULL;
	}
	return l;
}

static void note_rv(ks_store *s, const char *rv)
{
	if (!rv || !*rv)
		return;
	char *end;
	long long v = strtoll(rv, &end, 10);
	if (!*end && v > s->max_rv)
		s->max_rv = v;
}

/* Loads one list file for rt (and, for core events, the events.k8s.io twin).
 * ns: the directory's namespace, or NULL for cluster-scoped files. */
static int load_list(ks_store *s, const ks_restype *rt, const char *ns, const char *path,
		     char *err, size_t errlen)
{
	json_object *root = load_json(path, err, errlen);
	if (!root)
		return -1;
	int rc = -1;
	ks_list *l = NULL, *l1 = NULL;
	const ks_restype *rt1 = NULL;
	json_object *items = NULL;
	if (!json_object_is_type(root, json_type_object) ||
	    !json_object_object_get_ex(root, "items", &items) ||
	    !(json_object_is_type(items, json_type_array) || items == NULL)) {
		snprintf(err, errlen, "%s: not a %sList: expected an object with an \"items\" array",
			 path, rt->kind);
		goto out;
	}
	const char *kind = jstr(root, "kind");
	if (kind && strcmp(kind, "List") && (strncmp(kind, rt->kind, strlen(rt->kind)) ||
					     strcmp(kind + strlen(rt->kind), "List"))) {
		snprintf(err, errlen, "%s: kind is \"%s\", expected \"%sList\" (or \"List\")", path,
			 kind, rt->kind);
		goto out;
	}
	size_t n = items ? json_object_array_length(items) : 0;
	if (!(l = list_new(rt, ns, n)))
		goto oom;
	const char *rv = jstr(root, "metadata.resourceVersion");
	note_rv(s, rv);
	if (rv && *rv && !(l->rv = strdup(rv)))
		goto oom;
	if (!strcmp(rt->name, "events") && !rt->group[0]) {
		rt1 = ks_restype_find("events.k8s.io", "v1", "events");
		if (!(l1 = list_new(rt1, ns, n)) || (l->rv && !(l1->rv = strdup(l->rv))))
			goto oom;
	}
	for (size_t i = 0; i < n; i++) {
		json_object *obj = json_object_array_get_idx(items, i);
		const char *name = jstr(obj, "metadata.name");
		if (!obj || !json_object_is_type(obj, json_type_object) || !name || !*name) {
			snprintf(err, errlen, "%s: items[%zu] has no metadata.name", path, i);
			goto out;
		}
		const char *ins = jstr(obj, "metadata.namespace");
		if (ns && ins && strcmp(ins, ns)) {
			snprintf(err, errlen,
				 "%s: items[%zu] (%s) is in namespace \"%s\" but the file is under "
				 "namespace directory \"%s\"",
				 path, i, name, ins, ns);
			goto out;
		}
		if (ns && !ins) {
			json_object *meta = jpath(obj, "metadata");
			json_object_object_add(meta, "namespace", json_object_new_string(ns));
		}
		note_rv(s, jstr(obj, "metadata.resourceVersion"));
		/* items of a served list carry no kind/apiVersion (kubectl -o json adds them) */
		json_object_object_del(obj, "kind");
		json_object_object_del(obj, "apiVersion");
		json_object *fields = item_fields(rt, obj, ns ? ns : "", name);
		l->items[i] = make_item(rt, obj, fields, ns ? ns : "", name);
		l->keys[i] = strdup(name);
		l->n = i + 1;
		if (l1) {
			json_object *f1 = item_fields(rt1, obj, ns ? ns : "", name);
			json_object *v1 = event_to_v1(obj);
			l1->items[i] = make_item(rt1, v1, f1, ns ? ns : "", name);
			l1->keys[i] = strdup(name);
			l1->n = i + 1;
			json_object_put(v1);
			json_object_put(f1);
			if (!l1->items[i] || !l1->keys[i]) {
				json_object_put(fields);
				goto oom;
			}
		}
		json_object_put(fields);
		if (!l->items[i] || !l->keys[i])
			goto oom;
	}
	char dup[300];
	if (list_sort(l, dup, sizeof dup) < 0 || (l1 && list_sort(l1, dup, sizeof dup) < 0)) {
		snprintf(err, errlen, "%s: two items are named \"%s\"", path, dup);
		goto out;
	}
	if (store_add_list(s, l) < 0)
		goto oom;
	l = NULL;
	if (l1 && store_add_list(s, l1) < 0)
		goto oom;
	l1 = NULL;
	rc = 0;
	goto out;
oom:
	snprintf(err, errlen, "%s: out of memory", path);
out:
	list_free(l);
	list_free(l1);
	json_object_put(root);
	return rc;
}

static int is_system_ns(const char *ns)
{
	return !strcmp(ns, "default") || !strcmp(ns, "kube-system") || !strcmp(ns, "kube-public") ||
	       !strcmp(ns, "kube-node-lease");
}

/* Namespaces when the scenario has no namespaces.json: default plus every directory. */
static int synth_namespaces(ks_store *s, char **dirs, size_t ndirs)
{
	const ks_restype *rt = ks_restype_find("", "v1", "namespaces");
	ks_list *l = list_new(rt, NULL, ndirs + 1);
	if (!l)
		return -1;
	for (size_t i = 0; i <= ndirs; i++) {
		const char *name = i < ndirs ? dirs[i] : "default";
		if (i == ndirs && ks_list_find(l, NULL, "default"))
			break;
		json_object *o = json_object_new_object();
		json_object *m = json_object_new_object();
		json_object_object_add(m, "name", json_object_new_string(name));
		json_object_object_add(o, "metadata", m);
		json_object *spec = json_object_new_object(), *fin = json_object_new_array();
		json_object_array_add(fin, json_object_new_string("kubernetes"));
		json_object_object_add(spec, "finalizers", fin);
		json_object_object_add(o, "spec", spec);
		json_object *st = json_object_new_object();
		json_object_object_add(st, "phase", json_object_new_string("Active"));
		json_object_object_add(o, "status", st);
		json_object *f = item_fields(rt, o, "", name);
		l->items[l->n] = make_item(rt, o, f, "", name);
		l->keys[l->n] = strdup(name);
		json_object_put(o);
		json_object_put(f);
		if (!l->items[l->n] || !l->keys[l->n]) {
			list_free(l);
			return -1;
		}
		l->n++;
		char dup[8];
		list_sort(l, dup, sizeof dup);
	}
	return store_add_list(s, l);
}

/* The all-namespaces view of a namespaced type: keys are "ns/name", so the order is by
 * namespace then name, as etcd returns it. */
static int build_all_ns(ks_store *s, const ks_restype *rt)
{
	size_t total = 0, nl = s->nlists;
	for (size_t i = 0; i < nl; i++)
		if (s->lists[i]->rt == rt && s->lists[i]->ns)
			total += s->lists[i]->n;
	if (!total)
		return 0;
	ks_list *all = list_new(rt, NULL, total);
	if (!all)
		return -1;
	all->owns_items = 0;
	for (size_t i = 0; i < nl; i++) {
		ks_list *l = s->lists[i];
		if (l->rt != rt || !l->ns)
			continue;
		for (size_t j = 0; j < l->n; j++) {
			size_t klen = strlen(l->ns) + strlen(l->items[j]->name) + 2;
			char *k = malloc(klen);
			if (!k) {
				list_free(all);
				return -1;
			}
			snprintf(k, klen, "%s/%s", l->ns, l->items[j]->name);
			all->items[all->n] = l->items[j];
			all->keys[all->n++] = k;
		}
	}
	char dup[8];
	list_sort(all, dup, sizeof dup);
	return store_add_list(s, all);
}

/* snprintf for paths; a path too long for the buffer is an error, not a silent cut. */
static int pathf(char *out, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int pathf(char *out, size_t n, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int w = vsnprintf(out, n, fmt, ap);
	va_end(ap);
	return w < 0 || (size_t)w >= n ? -1 : 0;
}

static int dir_filter(const struct dirent *d)
{
	return d->d_name[0] != '.';
}

ks_store *ks_store_load(const char *dir, char *err, size_t errlen)
{
	ks_store *s = calloc(1, sizeof *s);
	struct dirent **ents = NULL;
	char **nsdirs = NULL;
	size_t nns = 0;
	int nents = -1;
	char path[4096], cdir[4096];
	if (!s || !(s->dir = strdup(dir)))
		goto oom;
	pathf(cdir, sizeof cdir, "%s/cluster", dir);
	struct stat st;
	if (stat(cdir, &st) != 0 || !S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "%s: not a scenario directory (no cluster/ directory)", dir);
		goto fail;
	}
	size_t nrt;
	const ks_restype *rts = ks_restypes(&nrt);
	/* cluster-scoped files */
	for (size_t i = 0; i < nrt; i++) {
		if (rts[i].namespaced || !rts[i].file)
			continue;
		pathf(path, sizeof path, "%s/%s", cdir, rts[i].file);
		if (file_exists(path) && load_list(s, &rts[i], NULL, path, err, errlen) < 0)
			goto fail;
	}
	/* one directory per namespace */
	nents = scandir(cdir, &ents, dir_filter, alphasort);
	if (nents < 0) {
		snprintf(err, errlen, "%s: %s", cdir, strerror(errno));
		goto fail;
	}
	nsdirs = calloc((size_t)nents + 1, sizeof *nsdirs);
	if (!nsdirs)
		goto oom;
	for (int e = 0; e < nents; e++) {
		pathf(path, sizeof path, "%s/%s", cdir, ents[e]->d_name);
		if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode))
			continue;
		const char *ns = ents[e]->d_name;
		nsdirs[nns++] = ents[e]->d_name;
		for (size_t i = 0; i < nrt; i++) {
			if (!rts[i].namespaced || !rts[i].file || is_eventv1(&rts[i]))
				continue;
			pathf(path, sizeof path, "%s/%s/%s", cdir, ns, rts[i].file);
			if (file_exists(path) && load_list(s, &rts[i], ns, path, err, errlen) < 0)
				goto fail;
		}
	}
	if (!ks_store_list(s, ks_restype_find("", "v1", "namespaces"), NULL) &&
	    synth_namespaces(s, nsdirs, nns) < 0)
		goto oom;
	for (size_t i = 0; i < nrt; i++)
		if (rts[i].namespaced && build_all_ns(s, &rts[i]) < 0)
			goto oom;
	/* resourceVersion of lists that do not carry one */
	char rvbuf[32];
	snprintf(rvbuf, sizeof rvbuf, "%lld", s->max_rv > 0 ? s->max_rv : 1000LL);
	if (!(s->rv = strdup(rvbuf)))
		goto oom;
	/* /version */
	pathf(path, sizeof path, "%s/version.json", cdir);
	if (file_exists(path)) {
		json_object *v = load_json(path, err, errlen);
		if (!v)
			goto fail;
		size_t len;
		s->version_json = serialize(v, &len);
		json_object_put(v);
	} else {
		s->version_json = strdup(
			"{\"major\":\"1\",\"minor\":\"31\",\"gitVersion\":\"v1.31.2\","
			"\"gitCommit\":\"5864a4677267e6adeae276ad85882a8714d69d9d\",\"gitTreeState\":"
			"\"clean\",\"buildDate\":\"2024-10-22T20:28:14Z\",\"goVersion\":\"go1.22.8\","
			"\"compiler\":\"gc\",\"platform\":\"linux/amd64\"}");
	}
	if (!s->version_json)
		goto oom;
	/* the kubeconfig's namespace: expect.json's, else the first non-system namespace */
	pathf(path, sizeof path, "%s/expect.json", dir);
	if (file_exists(path)) {
		json_object *e = load_json(path, err, errlen);
		if (!e)
			goto fail;
		const char *ns = jstr(e, "namespace");
		if (ns && *ns)
			s->default_ns = strdup(ns);
		json_object_put(e);
	}
	for (size_t i = 0; i < nns && !s->default_ns; i++)
		if (!is_system_ns(nsdirs[i]))
			s->default_ns = strdup(nsdirs[i]);
	if (!s->default_ns && !(s->default_ns = strdup("default")))
		goto oom;
	free(nsdirs);
	for (int e = 0; e < nents; e++)
		free(ents[e]);
	free(ents);
	return s;
oom:
	snprintf(err, errlen, "%s: out of memory", dir);
fail:
	free(nsdirs);
	for (int e = 0; e < nents; e++)
		free(ents[e]);
	free(ents);
	ks_store_free(s);
	return NULL;
}

const ks_list *ks_store_list(const ks_store *s, const ks_restype *rt, const char *ns)
{
	if (!rt->namespaced)
		ns = NULL;
	for (size_t i = 0; i < s->nlists; i++) {
		const ks_list *l = s->lists[i];
		if (l->rt == rt && ((!ns && !l->ns) || (ns && l->ns && !strcmp(ns, l->ns))))
			return l;
	}
	return NULL;
}

/* Index of the first key > after (keys sorted). */
static size_t upper_bound(const ks_list *l, const char *after)
{
	size_t lo = 0, hi = l->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (strcmp(l->keys[mid], after) <= 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

const ks_item *ks_list_find(const ks_list *l, const char *ns, const char *name)
{
	if (!l)
		return NULL;
	for (size_t lo = 0, hi = l->n; lo < hi;) {
		size_t mid = lo + (hi - lo) / 2;
		const ks_item *it = l->items[mid];
		int c = l->ns || !l->rt->namespaced || !ns ? strcmp(l->keys[mid], name) : 0;
		if (!l->ns && l->rt->namespaced && ns) {
			c = strcmp(it->ns, ns);
			if (!c)
				c = strcmp(it->name, name);
		}
		if (!c)
			return it;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

const char *ks_store_rv(const ks_store *s)
{
	return s->rv;
}
const char *ks_store_version_json(const ks_store *s)
{
	return s->version_json;
}
const char *ks_store_default_ns(const ks_store *s)
{
	return s->default_ns;
}
const char *ks_store_dir(const ks_store *s)
{
	return s->dir;
}

/* ---- selectors ---- */

enum sel_op { OP_EQ, OP_NE, OP_EXISTS, OP_NOTEXISTS, OP_IN, OP_NOTIN };

typedef struct {
	char *key;
	enum sel_op op;
	char **vals;
	size_t nvals;
} sel_req;

typedef struct {
	sel_req *r;
	size_t n;
} selector;

static void sel_free(selector *s)
{
	for (size_t i = 0; i < s->n; i++) {
		free(s->r[i].key);
		for (size_t j = 0; j < s->r[i].nvals; j++)
			free(s->r[i].vals[j]);
		free(s->r[i].vals);
	}
	free(s->r);
	s->r = NULL;
	s->n = 0;
}

static char *trimdup(const char *p, size_t n)
{
	while (n && (*p == ' ' || *p == '\t'))
		p++, n--;
	while (n && (p[n - 1] == ' ' || p[n - 1] == '\t'))
		n--;
	char *d = malloc(n + 1);
	if (d) {
		memcpy(d, p, n);
		d[n] = '\0';
	}
	return d;
}

static int sel_push(selector *s, char *key, enum sel_op op)
{
	sel_req *r = realloc(s->r, (s->n + 1) * sizeof *r);
	if (!r) {
		free(key);
		return -1;
	}
	s->r = r;
	s->r[s->n].key = key;
	s->r[s->n].op = op;
	s->r[s->n].vals = NULL;
	s->r[s->n].nvals = 0;
	s->n++;
	return 0;
}

static int sel_addval(sel_req *r, char *v)
{
	char **p = realloc(r->vals, (r->nvals + 1) * sizeof *p);
	if (!v || !p) {
		free(v);
		if (p)
			r->vals = p;
		return -1;
	}
	r->vals = p;
	r->vals[r->nvals++] = v;
	return 0;
}

/* Parses one requirement; labels allows the set-based forms (in, notin, exists). */
static int parse_req(selector *s, const char *p, size_t n, int labels)
{
	char *t = trimdup(p, n);
	if (!t || !*t) {
		free(t);
		return -1;
	}
	char *op;
	int rc = -1;
	if ((op = strstr(t, "!=")) || (op = strstr(t, "==")) || (op = strchr(t, '='))) {
		int two = op[0] == '!' || op[1] == '=';
		enum sel_op o = op[0] == '!' ? OP_NE : OP_EQ;
		char *key = trimdup(t, (size_t)(op - t));
		if (!key || !*key || sel_push(s, key, o) < 0) {
			if (key && !*key)
				free(key);
			goto out;
		}
		const char *v = op + (two ? 2 : 1);
		rc = sel_addval(&s->r[s->n - 1], trimdup(v, strlen(v)));
	} else if (labels) {
		char *sp = strpbrk(t, " \t(");
		if (t[0] == '!') {
			rc = sel_push(s, trimdup(t + 1, strlen(t + 1)), OP_NOTEXISTS);
		} else if (!sp) {
			rc = sel_push(s, trimdup(t, strlen(t)), OP_EXISTS);
		} else {
			char *key = trimdup(t, (size_t)(sp - t));
			char *rest = sp;
			while (*rest == ' ' || *rest == '\t')
				rest++;
			enum sel_op o;
			if (!strncmp(rest, "notin", 5))
				o = OP_NOTIN, rest += 5;
			else if (!strncmp(rest, "in", 2))
				o = OP_IN, rest += 2;
			else {
				free(key);
				goto out;
			}
			while (*rest == ' ' || *rest == '\t')
				rest++;
			size_t rl = strlen(rest);
			if (!key || *rest != '(' || rl < 2 || rest[rl - 1] != ')' ||
			    sel_push(s, key, o) < 0)
				goto out;
			rest[rl - 1] = '\0';
			rest++;
			for (char *save = NULL, *v = strtok_r(rest, ",", &save); v;
			     v = strtok_r(NULL, ",", &save))
				if (sel_addval(&s->r[s->n - 1], trimdup(v, strlen(v))) < 0)
					goto out;
			rc = 0;
		}
	}
out:
	free(t);
	return rc;
}

/* Splits at commas outside parentheses. Returns 0, or -1 with the bad part in bad. */
static int sel_parse(selector *s, const char *str, int labels, char *bad, size_t badlen)
{
	int depth = 0;
	const char *start = str;
	for (const char *p = str;; p++) {
		if (*p == '(')
			depth++;
		else if (*p == ')')
			depth--;
		if ((*p == ',' && depth == 0) || !*p) {
			if (parse_req(s, start, (size_t)(p - start), labels) < 0) {
				snprintf(bad, badlen, "%.*s", (int)(p - start), start);
				return -1;
			}
			if (!*p)
				break;
			start = p + 1;
		}
	}
	return 0;
}

static int req_match(const sel_req *r, const char *val)
{
	switch (r->op) {
	case OP_EQ:
		return val && !strcmp(val, r->vals[0]);
	case OP_NE:
		return !val || strcmp(val, r->vals[0]);
	case OP_EXISTS:
		return val != NULL;
	case OP_NOTEXISTS:
		return val == NULL;
	case OP_IN:
	case OP_NOTIN:
		for (size_t i = 0; val && i < r->nvals; i++)
			if (!strcmp(val, r->vals[i]))
				return r->op == OP_IN;
		return r->op == OP_NOTIN;
	}
	return 0;
}

static int item_match(const ks_item *it, const selector *fs, const selector *ls)
{
	for (size_t i = 0; i < fs->n; i++) {
		json_object *v = NULL;
		json_object_object_get_ex(it->fields, fs->r[i].key, &v);
		if (!req_match(&fs->r[i], v ? json_object_get_string(v) : ""))
			return 0;
	}
	for (size_t i = 0; i < ls->n; i++) {
		json_object *v = NULL;
		const char *val = NULL;
		if (it->labels && json_object_object_get_ex(it->labels, ls->r[i].key, &v))
			val = json_object_get_string(v);
		if (!req_match(&ls->r[i], val))
			return 0;
	}
	return 1;
}

static int field_supported(const ks_restype *rt, const char *label)
{
	if (!strcmp(label, "metadata.name") || !strcmp(label, "metadata.namespace"))
		return 1;
	for (const ks_field *f = rt->fields; f && f->label; f++)
		if (!strcmp(f->label, label))
			return 1;
	return 0;
}

static int bad_request(char **body, size_t *len, const char *msg)
{
	*body = ks_status_body(400, "BadRequest", msg, NULL, NULL, NULL, 0, NULL);
	*len = *body ? strlen(*body) : 0;
	return 400;
}

/* Decodes a continue token into its start key (without the trailing NUL). */
static char *decode_continue(const char *tok)
{
	size_t n;
	unsigned char *raw = ks_b64_decode(tok, &n);
	if (!raw)
		return NULL;
	json_tokener *jt = json_tokener_new();
	json_object *o = jt ? json_tokener_parse_ex(jt, (const char *)raw, (int)n) : NULL;
	json_tokener_free(jt);
	free(raw);
	json_object *start = NULL;
	char *key = NULL;
	if (o && json_object_object_get_ex(o, "start", &start) &&
	    json_object_is_type(start, json_type_string)) {
		int len = json_object_get_string_len(start);
		const char *sv = json_object_get_string(start);
		if (len > 0 && sv[len - 1] == '\0')
			len--;
		key = malloc((size_t)len + 1);
		if (key) {
			memcpy(key, sv, (size_t)len);
			key[len] = '\0';
		}
	}
	json_object_put(o);
	return key;
}

int ks_list_render(const ks_store *s, const ks_restype *rt, const char *ns,
		   const ks_listreq *req, char **body, size_t *len)
{
	const ks_list *l = ks_store_list(s, rt, ns);
	selector fs = {0}, ls = {0};
	char bad[512], msg[700];
	char *after = NULL;
	int code = 200;
	*body = NULL;
	if (req->field_selector && *req->field_selector) {
		if (sel_parse(&fs, req->field_selector, 0, bad, sizeof bad) < 0) {
			snprintf(msg, sizeof msg, "invalid selector: '%s'; can't understand '%s'",
				 req->field_selector, bad);
			code = bad_request(body, len, msg);
			goto out;
		}
		for (size_t i = 0; i < fs.n; i++)
			if (!field_supported(rt, fs.r[i].key)) {
				snprintf(msg, sizeof msg, "field label not supported: %s", fs.r[i].key);
				code = bad_request(body, len, msg);
				goto out;
			}
	}
	if (req->label_selector && *req->label_selector &&
	    sel_parse(&ls, req->label_selector, 1, bad, sizeof bad) < 0) {
		snprintf(msg, sizeof msg, "unable to parse requirement: %s", bad);
		code = bad_request(body, len, msg);
		goto out;
	}
	size_t start = 0;
	if (req->cont && *req->cont) {
		if (!(after = decode_continue(req->cont))) {
			code = bad_request(body, len,
					   "continue key is not valid: incorrect encoded start "
					   "resourceVersion (version meta.k8s.io/v1)");
			goto out;
		}
		start = l ? upper_bound(l, after) : 0;
	}
	const char *rv = l && l->rv ? l->rv : s->rv;
	ks_buf b = {0};
	size_t est = 0;
	size_t n = l ? l->n : 0;
	if (l && req->limit <= 0)
		for (size_t i = start; i < n; i++)
			est += l->items[i]->json_len + 1;
	else if (l && n > start)
		est = (l->items[start]->json_len + 1) * (size_t)(req->limit + 1);
	b.cap = est + 256;
	if (!(b.data = malloc(b.cap)))
		goto oom;
	ks_buf_printf(&b, "{\"kind\":\"%sList\",\"apiVersion\":\"%s\",\"metadata\":{\"resourceVersion\":\"%s\"",
		      rt->kind, rt->api_version, rv);
	size_t meta_end = b.len; /* continue/remainingItemCount go here, after the items are known */
	ks_buf_adds(&b, "},\"items\":[");
	long count = 0;
	size_t last = 0, i;
	int more = 0;
	for (i = start; i < n; i++) {
		const ks_item *it = l->items[i];
		if (!item_match(it, &fs, &ls))
			continue;
		if (req->limit > 0 && count == req->limit) {
			more = 1;
			break;
		}
		if (count)
			ks_buf_add(&b, ",", 1);
		ks_buf_add(&b, it->json, it->json_len);
		count++;
		last = i;
	}
	if (ks_buf_adds(&b, "]}") < 0)
		goto oom_b;
	if (more) {
		char *tok = ks_continue_token(rv, l->keys[last]);
		ks_buf meta = {0};
		ks_buf_printf(&meta, ",\"continue\":\"%s\"", tok ? tok : "");
		if (!fs.n && !ls.n)
			ks_buf_printf(&meta, ",\"remainingItemCount\":%zu", n - last - 1);
		free(tok);
		if (!meta.data || ks_buf_add(&b, NULL, meta.len) < 0) {
			free(meta.data);
			goto oom_b;
		}
		memmove(b.data + meta_end + meta.len, b.data + meta_end, b.len - meta.len - meta_end);
		memcpy(b.data + meta_end, meta.data, meta.len);
		b.data[b.len] = '\0';
		free(meta.data);
	}
	*body = b.data;
	*len = b.len;
	goto out;
oom_b:
	free(b.data);
oom:
	code = 500;
	*body = ks_status_body(500, "InternalError", "kubesim: out of memory", NULL, NULL, NULL, 0,
			       NULL);
	*len = *body ? strlen(*body) : 0;
out:
	free(after);
	sel_free(&fs);
	sel_free(&ls);
	return code;
}
