/* SPDX-License-Identifier: MIT */
/* Answer verification (verify.h): names checked against what the agent saw, kubectl
 * commands classified read-only / mutating / printing Secrets. A hand-written scanner: the
 * answer is Markdown prose with code, not a grammar. */
#include "internal.h"
#include "tbuf.h"

#include <k8sagent/verify.h>

#include <ctype.h>
#include <json-c/json.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- a string set ------------------------------------------------------------------------ */

struct k8sa_verifier {
	char **tab;
	size_t cap, n;
};

static uint64_t hash(const char *s, size_t n)
{
	uint64_t h = 1469598103934665603ULL;
	for (size_t i = 0; i < n; i++) {
		h ^= (unsigned char)s[i];
		h *= 1099511628211ULL;
	}
	return h;
}

static int set_has(const k8sa_verifier *v, const char *s, size_t n)
{
	if (!v->cap)
		return 0;
	for (size_t i = hash(s, n) & (v->cap - 1);; i = (i + 1) & (v->cap - 1)) {
		const char *e = v->tab[i];
		if (!e)
			return 0;
		if (strlen(e) == n && memcmp(e, s, n) == 0)
			return 1;
	}
}

static int set_add(k8sa_verifier *v, const char *s, size_t n)
{
	if (n == 0 || set_has(v, s, n))
		return 0;
	if ((v->n + 1) * 2 > v->cap) {
		size_t cap = v->cap ? v->cap * 2 : 256;
		char **tab = calloc(cap, sizeof(*tab));
		if (!tab)
			return -1;
		for (size_t i = 0; i < v->cap; i++) {
			if (!v->tab[i])
				continue;
			size_t j = hash(v->tab[i], strlen(v->tab[i])) & (cap - 1);
			while (tab[j])
				j = (j + 1) & (cap - 1);
			tab[j] = v->tab[i];
		}
		free(v->tab);
		v->tab = tab;
		v->cap = cap;
	}
	char *c = strndup(s, n);
	if (!c)
		return -1;
	size_t j = hash(s, n) & (v->cap - 1);
	while (v->tab[j])
		j = (j + 1) & (v->cap - 1);
	v->tab[j] = c;
	v->n++;
	return 0;
}

K8SA_EXPORT k8sa_status k8sa_verifier_new(k8sa_verifier **out, k8sa_error *err)
{
	if (!out)
		return k8sa_fail(err, K8SA_E_INVALID_ARG, "k8sa_verifier_new: out is NULL");
	k8sa_verifier *v = calloc(1, sizeof(*v));
	if (!v)
		return k8sa_fail(err, K8SA_E_NOMEM, "out of memory");
	*out = v;
	return K8SA_OK;
}

K8SA_EXPORT void k8sa_verifier_free(k8sa_verifier *v)
{
	if (!v)
		return;
	for (size_t i = 0; i < v->cap; i++)
		free(v->tab[i]);
	free(v->tab);
	free(v);
}

K8SA_EXPORT size_t k8sa_verifier_name_count(const k8sa_verifier *v)
{
	return v ? v->n : 0;
}

K8SA_EXPORT k8sa_status k8sa_verifier_add_name(k8sa_verifier *v, const char *name, k8sa_error *err)
{
	if (!v || !name)
		return k8sa_fail(err, K8SA_E_INVALID_ARG, "verifier or name is NULL");
	if (set_add(v, name, strlen(name)) != 0)
		return k8sa_fail(err, K8SA_E_NOMEM, "out of memory");
	return K8SA_OK;
}

static int name_char(int c)
{
	return isalnum(c) || c == '-' || c == '.' || c == '_';
}

K8SA_EXPORT k8sa_status k8sa_verifier_add_text(k8sa_verifier *v, const char *text, k8sa_error *err)
{
	if (!v || !text)
		return k8sa_fail(err, K8SA_E_INVALID_ARG, "verifier or text is NULL");
	const unsigned char *p = (const unsigned char *)text;
	while (*p) {
		if (!name_char(*p)) {
			p++;
			continue;
		}
		const unsigned char *s = p;
		while (*p && name_char(*p))
			p++;
		const unsigned char *e = p;
		while (s < e && !isalnum(*s))
			s++;
		while (e > s && !isalnum(e[-1]))
			e--;
		if (e - s < 2)
			continue;
		if (set_add(v, (const char *)s, (size_t)(e - s)) != 0)
			return k8sa_fail(err, K8SA_E_NOMEM, "out of memory");
		/* the first label of a dotted name (cart.shop.svc.cluster.local) */
		const unsigned char *dot = memchr(s, '.', (size_t)(e - s));
		if (dot && dot > s && set_add(v, (const char *)s, (size_t)(dot - s)) != 0)
			return k8sa_fail(err, K8SA_E_NOMEM, "out of memory");
	}
	return K8SA_OK;
}

K8SA_EXPORT k8sa_status k8sa_verifier_add_snapshot(k8sa_verifier *v, const k8sa_snapshot *snap, k8sa_error *err)
{
	if (!v || !snap)
		return k8sa_fail(err, K8SA_E_INVALID_ARG, "verifier or snapshot is NULL");
	char *json = NULL;
	k8sa_status st = k8sa_snapshot_to_json(snap, &json, err);
	if (st != K8SA_OK)
		return st;
	st = k8sa_verifier_add_text(v, json, err);
	free(json);
	return st;
}

/* ---- kubectl command lines ----------------------------------------------------------------- */

#define MAX_ARGS 64

typedef struct {
	char *buf;            /* the words, NUL-separated */
	char *argv[MAX_ARGS]; /* after "kubectl" */
	int argc;
} cmdline;

/* Split the kubectl part of a command (up to an unquoted | ; & > or the end) into words. */
static int split_cmd(const char *s, size_t n, cmdline *c)
{
	c->argc = 0;
	c->buf = malloc(n + 1);
	if (!c->buf)
		return -1;
	char *o = c->buf;
	size_t i = 0;
	char q = 0;
	int in_word = 0;
	while (i < n) {
		char ch = s[i];
		if (!q && (ch == '|' || ch == ';' || ch == '&' || ch == '>' || ch == '<'))
			break;
		if (!q && (ch == '\'' || ch == '"')) {
			q = ch;
			if (!in_word && c->argc < MAX_ARGS) {
				c->argv[c->argc++] = o;
				in_word = 1;
			}
			i++;
			continue;
		}
		if (q && ch == q) {
			q = 0;
			i++;
			continue;
		}
		if (!q && (ch == '\\') && i + 1 < n && (s[i + 1] == '\n' || s[i + 1] == '\r')) {
			i += 2;
			continue;
		}
		if (!q && isspace((unsigned char)ch)) {
			if (in_word) {
				*o++ = '\0';
				in_word = 0;
			}
			i++;
			continue;
		}
		if (!in_word) {
			if (c->argc == MAX_ARGS)
				break;
			c->argv[c->argc++] = o;
			in_word = 1;
		}
		*o++ = ch;
		i++;
	}
	*o = '\0';
	/* drop "kubectl" itself (the caller starts the text at it) */
	if (c->argc && (strcmp(c->argv[0], "kubectl") == 0 || strcmp(c->argv[0], "oc") == 0)) {
		memmove(c->argv, c->argv + 1, (size_t)(c->argc - 1) * sizeof(char *));
		c->argc--;
	}
	return 0;
}

static const char *const value_flags[] = {
	"-n", "--namespace", "--context", "--kubeconfig", "--cluster", "--user", "-s", "--server", "--token",
	"--as", "--as-group", "--request-timeout", "-o", "--output", "-l", "--selector", "-c", "--container",
	"-f", "--filename", "--field-selector", "--tail", "--since", "--since-time", "--sort-by", "--type",
	"--template", "--limit-bytes", "--timeout", "--replicas", "--image", "--grace-period", "--for",
	"--to-revision", "--limits", "--requests", "--from", "-k", "--kustomize", "--patch", "--overwrite-if", NULL};

static int takes_value(const char *flag, const char *verb)
{
	if (strchr(flag, '='))
		return 0;
	if (strcmp(flag, "-p") == 0)
		return verb && strcmp(verb, "patch") == 0; /* logs -p is --previous */
	for (int i = 0; value_flags[i]; i++)
		if (strcmp(flag, value_flags[i]) == 0)
			return 1;
	return 0;
}

static const char *const read_verbs[] = {
	"get", "describe", "logs", "log", "top", "events", "explain", "api-resources", "api-versions", "version",
	"cluster-info", "diff", "wait", "config", "completion", "plugin", "kustomize", "proxy", "options", "help",
	"port-forward", NULL};
static const char *const mutating_verbs[] = {
	"apply", "create", "delete", "edit", "patch", "replace", "scale", "autoscale", "set", "label", "annotate",
	"cordon", "uncordon", "drain", "taint", "exec", "cp", "run", "expose", "attach", "debug", NULL};

static int in_list(const char *w, const char *const *list)
{
	for (int i = 0; list[i]; i++)
		if (strcmp(w, list[i]) == 0)
			return 1;
	return 0;
}

static const char *const kind_words[] = {
	"pod", "pods", "po", "deployment", "deployments", "deploy", "service", "services", "svc", "node", "nodes", "no",
	"namespace", "namespaces", "ns", "configmap", "configmaps", "cm", "statefulset", "statefulsets", "sts",
	"daemonset", "daemonsets", "ds", "replicaset", "replicasets", "rs", "job", "jobs", "cronjob", "cronjobs", "cj",
	"persistentvolumeclaim", "persistentvolumeclaims", "pvc", "pvcs", "persistentvolume", "persistentvolumes", "pv",
	"ingress", "ingresses", "ing", "endpoints", "endpoint", "ep", "hpa", "horizontalpodautoscaler",
	"horizontalpodautoscalers", "resourcequota", "resourcequotas", "quota", "event", "events", "ev", "secret",
	"secrets", "networkpolicy", "networkpolicies", "netpol", "serviceaccount", "serviceaccounts", "sa", "all",
	"container", "containers", "workload", "workloads", NULL};

static int is_kind_word(const char *w, size_t n)
{
	char k[48];
	if (n == 0 || n >= sizeof(k))
		return 0;
	for (size_t i = 0; i < n; i++)
		k[i] = (char)tolower((unsigned char)w[i]);
	k[n] = '\0';
	char *dot = strchr(k, '.'); /* deployments.apps */
	if (dot)
		*dot = '\0';
	return in_list(k, kind_words);
}

/* A comma list of kinds ("pods,secrets") mentions secrets. */
static int mentions_secret(const char *w)
{
	char k[128];
	snprintf(k, sizeof(k), "%s", w);
	for (char *p = k; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	for (char *t = strtok(k, ",/"); t; t = strtok(NULL, ",/")) {
		char *dot = strchr(t, '.');
		if (dot)
			*dot = '\0';
		if (strcmp(t, "secret") == 0 || strcmp(t, "secrets") == 0)
			return 1;
	}
	return 0;
}

static int shows_data(const char *fmt)
{
	if (!fmt || !*fmt)
		return 0;
	return strcmp(fmt, "name") != 0 && strcmp(fmt, "wide") != 0;
}

typedef void (*name_fn)(void *ud, const char *name);

/* Classify parsed args; report names the command refers to through on_name (may be NULL). */
static int classify_args(cmdline *c, name_fn on_name, void *ud)
{
	const char *verb = NULL, *sub = NULL, *output = NULL;
	int template = 0, pos = 0, i;
	const char *first_pos = NULL;
	int secret_kind = 0;
	/* verb: the first word that is not a flag (or a global flag's value) */
	for (i = 0; i < c->argc; i++) {
		const char *a = c->argv[i];
		if (a[0] == '-') {
			if (takes_value(a, NULL) && i + 1 < c->argc) {
				if ((strcmp(a, "-n") == 0 || strcmp(a, "--namespace") == 0) && on_name)
					on_name(ud, c->argv[i + 1]);
				i++;
			} else if (strncmp(a, "--namespace=", 12) == 0 && on_name) {
				on_name(ud, a + 12);
			}
			continue;
		}
		verb = a;
		break;
	}
	if (!verb)
		return 0;
	int names = !(in_list(verb, (const char *const[]){"create", "run", "expose", "auth", "config", "explain",
							 "api-resources", "api-versions", "version", "cluster-info",
							 "completion", "plugin", "apply", "kustomize", "certificate", NULL}));
	int has_sub = strcmp(verb, "rollout") == 0 || strcmp(verb, "set") == 0 || strcmp(verb, "auth") == 0 ||
		      strcmp(verb, "certificate") == 0 || strcmp(verb, "config") == 0 || strcmp(verb, "create") == 0;
	int pod_first = strcmp(verb, "logs") == 0 || strcmp(verb, "log") == 0 || strcmp(verb, "exec") == 0 ||
			strcmp(verb, "attach") == 0 || strcmp(verb, "port-forward") == 0 || strcmp(verb, "cp") == 0;
	int node_first = strcmp(verb, "cordon") == 0 || strcmp(verb, "uncordon") == 0 || strcmp(verb, "drain") == 0 ||
			 strcmp(verb, "taint") == 0;
	for (i++; i < c->argc; i++) {
		const char *a = c->argv[i];
		if (strcmp(a, "--") == 0)
			break; /* exec: the command run in the container */
		if (a[0] == '-' && a[1]) {
			const char *val = NULL;
			const char *eq = strchr(a, '=');
			char flag[48];
			size_t fl = eq ? (size_t)(eq - a) : strlen(a);
			snprintf(flag, sizeof(flag), "%.*s", (int)(fl < sizeof(flag) ? fl : sizeof(flag) - 1), a);
			if (eq)
				val = eq + 1;
			else if (takes_value(a, verb) && i + 1 < c->argc)
				val = c->argv[++i];
			if (strcmp(flag, "-o") == 0 || strcmp(flag, "--output") == 0)
				output = val;
			else if (strncmp(a, "-o", 2) == 0 && a[2] && !eq)
				output = a + 2; /* -oyaml */
			if (strcmp(flag, "--template") == 0)
				template = 1;
			if ((strcmp(flag, "-n") == 0 || strcmp(flag, "--namespace") == 0) && val && on_name)
				on_name(ud, val);
			if ((strcmp(flag, "-c") == 0 || strcmp(flag, "--container") == 0) && val && on_name && names)
				on_name(ud, val);
			continue;
		}
		if (has_sub && !sub) {
			sub = a;
			continue;
		}
		pos++;
		if (pos == 1)
			first_pos = a;
		if (mentions_secret(a))
			secret_kind = 1;
		if (!names || !on_name)
			continue;
		const char *slash = strchr(a, '/');
		if (slash) {
			if (slash[1] && !strchr(slash + 1, '/'))
				on_name(ud, slash + 1);
			continue;
		}
		if (strchr(a, '=') || strchr(a, ':') || strchr(a, ','))
			continue;
		if (is_kind_word(a, strlen(a)))
			continue;
		if (pos == 1 && !pod_first && !node_first && strcmp(verb, "top") != 0)
			continue; /* a resource type we do not know */
		on_name(ud, a);
	}
	(void)first_pos;
	int cls = 0;
	if (strcmp(verb, "rollout") == 0) {
		if (sub && in_list(sub, (const char *const[]){"restart", "undo", "pause", "resume", NULL}))
			cls |= K8SA_KUBECTL_MUTATING;
	} else if (strcmp(verb, "auth") == 0) {
		if (sub && strcmp(sub, "reconcile") == 0)
			cls |= K8SA_KUBECTL_MUTATING;
	} else if (strcmp(verb, "certificate") == 0) {
		cls |= K8SA_KUBECTL_MUTATING;
	} else if (in_list(verb, mutating_verbs)) {
		cls |= K8SA_KUBECTL_MUTATING;
	} else if (!in_list(verb, read_verbs)) {
		if (strcmp(verb, "view-secret") == 0)
			cls |= K8SA_KUBECTL_SECRET;
		else
			cls |= K8SA_KUBECTL_MUTATING; /* unknown verbs and plugins: assume the worst */
	}
	if (secret_kind && (strcmp(verb, "get") == 0 || strcmp(verb, "edit") == 0) &&
	    (strcmp(verb, "edit") == 0 || template || shows_data(output)))
		cls |= K8SA_KUBECTL_SECRET;
	return cls;
}

K8SA_EXPORT int k8sa_kubectl_classify(const char *command)
{
	if (!command)
		return -1;
	const char *p = command;
	while (*p == ' ' || *p == '\t' || *p == '$' || *p == '`')
		p++;
	if (strncmp(p, "kubectl", 7) != 0 || (p[7] && !isspace((unsigned char)p[7])))
		return -1;
	cmdline c;
	if (split_cmd(p, strlen(p), &c) != 0)
		return K8SA_KUBECTL_MUTATING; /* out of memory: be safe */
	int cls = classify_args(&c, NULL, NULL);
	free(c.buf);
	return cls;
}

/* ---- checking an answer ------------------------------------------------------------------ */

typedef struct {
	const k8sa_verifier *known;
	k8sa_verifier seen_unknown; /* dedupe */
	json_object *unknown, *mutating, *secret;
	k8sa_verifier seen_cmd;
	int oom;
} check_state;

static int dns_name(const char *s, size_t n)
{
	if (n == 0 || n > 253 || !isalnum((unsigned char)s[0]) || !isalnum((unsigned char)s[n - 1]))
		return 0;
	int alpha = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (!(islower(c) || isdigit(c) || c == '-' || c == '.'))
			return 0;
		if (!isdigit(c))
			alpha = 1;
	}
	return alpha; /* "3" is a count, not a name */
}

static int known_name(const k8sa_verifier *v, const char *s, size_t n)
{
	static const char *const builtin[] = {"default", "kube-system", "kube-public", "kube-node-lease", NULL};
	for (int i = 0; builtin[i]; i++)
		if (strlen(builtin[i]) == n && memcmp(builtin[i], s, n) == 0)
			return 1;
	if (set_has(v, s, n))
		return 1;
	/* a prefix of a seen name before '-': the Deployment of its pods, the StatefulSet of web-0 */
	for (size_t i = 0; i < v->cap; i++) {
		const char *e = v->tab[i];
		if (e && strncmp(e, s, n) == 0 && e[n] == '-')
			return 1;
	}
	return 0;
}

static void candidate(check_state *cs, const char *s, size_t n)
{
	while (n && (s[n - 1] == '.' || s[n - 1] == ',' || s[n - 1] == ':'))
		n--;
	if (!dns_name(s, n) || is_kind_word(s, n) || known_name(cs->known, s, n) ||
	    set_has(&cs->seen_unknown, s, n))
		return;
	if (set_add(&cs->seen_unknown, s, n) != 0) {
		cs->oom = 1;
		return;
	}
	if (json_object_array_add(cs->unknown, json_object_new_string_len(s, (int)n)) != 0)
		cs->oom = 1;
}

static void on_cmd_name(void *ud, const char *name)
{
	candidate(ud, name, strlen(name));
}

static void add_command(check_state *cs, const char *s, size_t n)
{
	while (n && isspace((unsigned char)s[n - 1]))
		n--;
	cmdline c;
	if (split_cmd(s, n, &c) != 0) {
		cs->oom = 1;
		return;
	}
	int cls = classify_args(&c, on_cmd_name, cs);
	free(c.buf);
	if (!cls || set_has(&cs->seen_cmd, s, n))
		return;
	if (set_add(&cs->seen_cmd, s, n) != 0) {
		cs->oom = 1;
		return;
	}
	/* show the command on one line */
	char *one = strndup(s, n);
	if (!one) {
		cs->oom = 1;
		return;
	}
	for (char *p = one; *p; p++)
		if (*p == '\n' || *p == '\r' || *p == '\t')
			*p = ' ';
	if (cls & K8SA_KUBECTL_MUTATING)
		json_object_array_add(cs->mutating, json_object_new_string(one));
	if (cls & K8SA_KUBECTL_SECRET)
		json_object_array_add(cs->secret, json_object_new_string(one));
	free(one);
}

/* Find kubectl commands: "kubectl" at a word start, to the end of the line (or the closing
 * backtick of inline code), following "\" continuations. */
static void scan_commands(check_state *cs, const char *a)
{
	for (const char *p = a; (p = strstr(p, "kubectl")) != NULL; p += 7) {
		if (p > a && (isalnum((unsigned char)p[-1]) || p[-1] == '-' || p[-1] == '_' || p[-1] == '/'))
			continue;
		if (p[7] && !isspace((unsigned char)p[7]))
			continue;
		int inline_code = p > a && p[-1] == '`';
		const char *e = p;
		while (*e) {
			if (*e == '`' && inline_code)
				break;
			if (*e == '\n') {
				const char *b = e;
				while (b > p && (b[-1] == ' ' || b[-1] == '\r'))
					b--;
				if (b > p && b[-1] == '\\') {
					e++;
					continue;
				}
				break;
			}
			e++;
		}
		/* prose: "run kubectl get pods." ends at a sentence end outside code */
		add_command(cs, p, (size_t)(e - p));
	}
}

static int generated_pod_name(const char *s, size_t n)
{
	/* name-<hash>-<5> (Deployment pods) or name-<5> (DaemonSet, Job pods) */
	if (n < 7 || !dns_name(s, n))
		return 0;
	const char *last = s + n;
	const char *d = last;
	while (d > s && d[-1] != '-')
		d--;
	if (d == s || last - d != 5)
		return 0;
	int digit = 0, alpha = 0;
	for (const char *q = d; q < last; q++) {
		if (isdigit((unsigned char)*q))
			digit = 1;
		else if (islower((unsigned char)*q))
			alpha = 1;
		else
			return 0;
	}
	const char *e2 = d - 1, *d2 = e2;
	while (d2 > s && d2[-1] != '-')
		d2--;
	int hash_seg = 0;
	if (d2 > s && e2 - d2 >= 6 && e2 - d2 <= 10) {
		int dg = 0;
		for (const char *q = d2; q < e2; q++)
			if (isdigit((unsigned char)*q))
				dg = 1;
		hash_seg = dg;
	}
	return hash_seg || (digit && alpha);
}

typedef struct {
	const char *s;
	size_t n;
	int quoted; /* inside backticks or quotes */
} word;

/* Prose: kind words followed (or preceded, when quoted) by a name; kind/name; generated pod names. */
static void scan_prose(check_state *cs, const char *a)
{
	word prev = {0}, prev2 = {0};
	const char *p = a;
	while (*p) {
		if (!(isalnum((unsigned char)*p) || *p == '-' || *p == '.' || *p == '_' || *p == '/')) {
			p++;
			continue;
		}
		const char *s = p;
		while (*p && (isalnum((unsigned char)*p) || *p == '-' || *p == '.' || *p == '_' || *p == '/'))
			p++;
		size_t n = (size_t)(p - s);
		while (n && (s[n - 1] == '.' || s[n - 1] == '/' || s[n - 1] == '-'))
			n--;
		word w = {s, n, s > a && (s[-1] == '`' || s[-1] == '"' || s[-1] == '\'' || s[-1] == '*')};
		if (!n)
			continue;
		const char *slash = memchr(s, '/', n);
		if (slash) {
			if (is_kind_word(s, (size_t)(slash - s)) && !memchr(slash + 1, '/', n - (size_t)(slash - s) - 1))
				candidate(cs, slash + 1, n - (size_t)(slash - s) - 1);
			prev2 = prev;
			prev = w;
			continue;
		}
		if (generated_pod_name(s, n))
			candidate(cs, s, n);
		int digit_or_dash = memchr(s, '-', n) != NULL;
		for (size_t i = 0; i < n && !digit_or_dash; i++)
			digit_or_dash = isdigit((unsigned char)s[i]);
		if (prev.n && is_kind_word(prev.s, prev.n) && (w.quoted || digit_or_dash))
			candidate(cs, s, n);
		/* "the `web` service" */
		if (prev.n && prev.quoted && is_kind_word(s, n))
			candidate(cs, prev.s, prev.n);
		(void)prev2;
		prev2 = prev;
		prev = w;
	}
}

K8SA_EXPORT k8sa_status k8sa_verifier_check(const k8sa_verifier *v, const char *answer, char **json, k8sa_error *err)
{
	if (!v || !answer || !json)
		return k8sa_fail(err, K8SA_E_INVALID_ARG, "k8sa_verifier_check: NULL argument");
	*json = NULL;
	check_state cs = {.known = v};
	cs.unknown = json_object_new_array();
	cs.mutating = json_object_new_array();
	cs.secret = json_object_new_array();
	json_object *o = json_object_new_object();
	if (!cs.unknown || !cs.mutating || !cs.secret || !o)
		cs.oom = 1;
	if (!cs.oom) {
		scan_commands(&cs, answer);
		scan_prose(&cs, answer);
	}
	if (o) {
		json_object_object_add(o, "unknown_names", cs.unknown);
		json_object_object_add(o, "mutating_commands", cs.mutating);
		json_object_object_add(o, "secret_commands", cs.secret);
	} else {
		json_object_put(cs.unknown);
		json_object_put(cs.mutating);
		json_object_put(cs.secret);
	}
	if (!cs.oom)
		*json = k8sa_strdup0(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
	for (size_t i = 0; i < cs.seen_unknown.cap; i++)
		free(cs.seen_unknown.tab[i]);
	free(cs.seen_unknown.tab);
	for (size_t i = 0; i < cs.seen_cmd.cap; i++)
		free(cs.seen_cmd.tab[i]);
	free(cs.seen_cmd.tab);
	if (!*json)
		return k8sa_fail(err, K8SA_E_NOMEM, "out of memory");
	return K8SA_OK;
}
