/* SPDX-License-Identifier: MIT */
/* k8sagent output habits: colour (on a terminal only, never with NO_COLOR or --no-color),
 * -o yaml (libyaml's emitter over the JSON the library already produces), -o wide tables, a
 * progress line on stderr while a slow cluster is read, the question from stdin. */
#include "config.h"
#include "cli.h"
#include "../common/clock.h"

#include <ctype.h>
#include <json-c/json.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>
#include <yaml.h>

#define C_RESET "\033[0m"
#define C_BOLD "\033[1m"
#define C_RED "\033[31m"
#define C_YELLOW "\033[33m"
#define C_CYAN "\033[36m"
#define C_GREEN "\033[32m"
#define C_DIM "\033[2m"

int cli_use_color(const cli_globals *g, FILE *f)
{
	const char *nc = getenv("NO_COLOR"), *term = getenv("TERM");
	if (g->no_color || (nc && nc[0]) || (term && !strcmp(term, "dumb")))
		return 0;
	return isatty(fileno(f));
}

void cli_warn(const cli_globals *g, const char *fmt, ...)
{
	if (g->quiet)
		return;
	va_list ap;
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
}

static const char *severity_color(const char *sev)
{
	if (!strcmp(sev, "critical"))
		return C_RED C_BOLD;
	if (!strcmp(sev, "warning"))
		return C_YELLOW;
	return C_CYAN;
}

void cli_print_findings_text(const char *text, int color, FILE *out)
{
	if (!color) {
		cli_puts_text(out, text);
		return;
	}
	/* Escape what the cluster wrote first; the colours added below are ours. */
	char *safe = NULL;
	if (k8sa_text_escape_controls_str(text, &safe, NULL) != K8SA_OK || !safe) {
		cli_puts_text(out, text);
		return;
	}
	text = safe;
	/* Colour by line: "ROOT CAUSE [sev] Code: ...", "[sev] Code: ...", "    $ kubectl ...". */
	for (const char *p = text; *p;) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);
		const char *line = p, *lb = memchr(line, '[', n);
		const char *rb = lb ? memchr(lb, ']', n - (size_t)(lb - line)) : NULL;
		size_t lead = 0;
		while (lead < n && line[lead] == ' ')
			lead++;
		if (lb && rb && (lb == line || !strncmp(line, "ROOT CAUSE [", 12))) {
			char sev[32];
			size_t sl = (size_t)(rb - lb - 1) < sizeof(sev) - 1 ? (size_t)(rb - lb - 1) : sizeof(sev) - 1;
			memcpy(sev, lb + 1, sl);
			sev[sl] = '\0';
			if (lb != line)
				fprintf(out, C_BOLD C_RED "%.*s" C_RESET, (int)(lb - line), line);
			fprintf(out, "%s[%s]" C_RESET C_BOLD, severity_color(sev), sev);
			fprintf(out, "%.*s" C_RESET, (int)(n - (size_t)(rb + 1 - line)), rb + 1);
		} else if (lead + 1 < n && line[lead] == '$' && line[lead + 1] == ' ') {
			fprintf(out, "%.*s" C_GREEN "%.*s" C_RESET, (int)lead, line, (int)(n - lead), line + lead);
		} else {
			fwrite(line, 1, n, out);
		}
		if (!nl)
			break;
		fputc('\n', out);
		p = nl + 1;
	}
	k8sa_free(safe);
}

const char *cli_safe(const char *s)
{
	static char *ring[16];
	static unsigned next;
	char *e = NULL;
	if (!s || !s[0])
		return "";
	if (k8sa_text_escape_controls_str(s, &e, NULL) != K8SA_OK || !e)
		return "?";
	unsigned i = next++ % 16;
	k8sa_free(ring[i]);
	ring[i] = e;
	return e;
}

/* A string field, escaped for the terminal (findings quote logs, events, image names). */
static const char *jstr(json_object *o, const char *key)
{
	json_object *v;
	if (!json_object_object_get_ex(o, key, &v) || json_object_is_type(v, json_type_null))
		return "";
	return cli_safe(json_object_get_string(v));
}

static int jbool(json_object *o, const char *key)
{
	json_object *v;
	return json_object_object_get_ex(o, key, &v) && json_object_get_boolean(v);
}

int cli_print_findings_wide(const char *json, int color, FILE *out)
{
	json_object *root = json_tokener_parse(json), *list;
	if (!root || !json_object_object_get_ex(root, "findings", &list) || !json_object_is_type(list, json_type_array)) {
		json_object_put(root);
		fprintf(stderr, "k8sagent: the findings are not the expected JSON\n");
		return -1;
	}
	size_t n = json_object_array_length(list);
	int wsev = 8, wcode = 4, wobj = 6;
	char obj[600];
	for (size_t i = 0; i < n; i++) {
		json_object *f = json_object_array_get_idx(list, i);
		int l = (int)strlen(jstr(f, "code"));
		wcode = l > wcode ? l : wcode;
		l = snprintf(obj, sizeof(obj), "%s/%s/%s", jstr(f, "kind"), jstr(f, "namespace"), jstr(f, "name"));
		wobj = l > wobj ? l : wobj;
	}
	if (wobj > 70)
		wobj = 70;
	fprintf(out, "%-*s  %-4s  %-*s  %-*s  %-12s  %s\n", wsev, "SEVERITY", "ROOT", wcode, "CODE", wobj, "OBJECT",
		"CONTAINER", "SUMMARY");
	for (size_t i = 0; i < n; i++) {
		json_object *f = json_object_array_get_idx(list, i);
		const char *sev = jstr(f, "severity"), *container = jstr(f, "container");
		snprintf(obj, sizeof(obj), "%s/%s/%s", jstr(f, "kind"), jstr(f, "namespace"), jstr(f, "name"));
		fprintf(out, "%s%-*s%s  %-4s  %-*s  %-*s  %-12s  %s\n", color ? severity_color(sev) : "", wsev, sev,
			color ? C_RESET : "", jbool(f, "root_cause") ? "yes" : "-", wcode, jstr(f, "code"), wobj, obj,
			container[0] ? container : "-", jstr(f, "summary"));
	}
	json_object_put(root);
	return 0;
}

int cli_print_snapshot_wide(const char *json, FILE *out)
{
	json_object *root = json_tokener_parse(json), *pods;
	if (!root || !json_object_object_get_ex(root, "pods", &pods) || !json_object_is_type(pods, json_type_array)) {
		json_object_put(root);
		fprintf(stderr, "k8sagent: the snapshot is not the expected JSON\n");
		return -1;
	}
	size_t n = json_object_array_length(pods);
	int wns = 9, wname = 4;
	for (size_t i = 0; i < n; i++) {
		json_object *p = json_object_array_get_idx(pods, i);
		int l = (int)strlen(jstr(p, "namespace"));
		wns = l > wns ? l : wns;
		l = (int)strlen(jstr(p, "name"));
		wname = l > wname ? l : wname;
	}
	fprintf(out, "%-*s  %-*s  %-9s  %-5s  %-8s  %-20s  %s\n", wns, "NAMESPACE", wname, "NAME", "PHASE", "READY",
		"RESTARTS", "NODE", "WAITING/TERMINATED");
	for (size_t i = 0; i < n; i++) {
		json_object *p = json_object_array_get_idx(pods, i), *cs;
		int total = 0, ready = 0;
		long restarts = 0;
		char why[256] = "";
		if (json_object_object_get_ex(p, "containers", &cs) && json_object_is_type(cs, json_type_array)) {
			for (size_t j = 0; j < json_object_array_length(cs); j++) {
				json_object *c = json_object_array_get_idx(cs, j), *status, *v, *st;
				total++;
				if (!json_object_object_get_ex(c, "status", &status) ||
				    !json_object_is_type(status, json_type_object))
					continue;
				ready += jbool(status, "ready");
				if (json_object_object_get_ex(status, "restarts", &v))
					restarts += json_object_get_int64(v);
				/* The first waiting or terminated reason, as kubectl's STATUS column. */
				if (!why[0] && json_object_object_get_ex(status, "state", &st) &&
				    json_object_is_type(st, json_type_object) && jstr(st, "reason")[0] &&
				    strcmp(jstr(st, "kind"), "running"))
					snprintf(why, sizeof(why), "%s", jstr(st, "reason"));
			}
		}
		char rd[32];
		snprintf(rd, sizeof(rd), "%d/%d", ready, total);
		const char *node = jstr(p, "node");
		fprintf(out, "%-*s  %-*s  %-9s  %-5s  %-8ld  %-20s  %s\n", wns, jstr(p, "namespace"), wname, jstr(p, "name"),
			jstr(p, "phase"), rd, restarts, node[0] ? node : "-", why[0] ? why : "-");
	}
	json_object_put(root);
	return 0;
}

/* ---------------------------------------------------------------- YAML */

/* A string YAML would read as something else (a bool, null, number, date) must be quoted. */
static int needs_quotes(const char *s)
{
	static const char *const words[] = {"y", "n", "yes", "no", "on", "off", "true", "false", "null", "~"};
	if (!s[0])
		return 1;
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (!strcasecmp(s, words[i]))
			return 1;
	return isdigit((unsigned char)s[0]) || strchr("+-.", s[0]) != NULL;
}

static int emit_scalar(yaml_emitter_t *em, const char *s, int is_string)
{
	yaml_event_t ev;
	yaml_scalar_style_t style = is_string && needs_quotes(s) ? YAML_DOUBLE_QUOTED_SCALAR_STYLE : YAML_ANY_SCALAR_STYLE;
	if (is_string && strchr(s, '\n'))
		style = YAML_LITERAL_SCALAR_STYLE;
	yaml_scalar_event_initialize(&ev, NULL, NULL, (yaml_char_t *)s, (int)strlen(s), 1, 1, style);
	return yaml_emitter_emit(em, &ev);
}

static int emit_node(yaml_emitter_t *em, json_object *o)
{
	yaml_event_t ev;
	switch (json_object_get_type(o)) {
	case json_type_object: {
		int empty = json_object_object_length(o) == 0;
		yaml_mapping_start_event_initialize(&ev, NULL, NULL, 1,
						    empty ? YAML_FLOW_MAPPING_STYLE : YAML_BLOCK_MAPPING_STYLE);
		if (!yaml_emitter_emit(em, &ev))
			return 0;
		json_object_object_foreach(o, k, v)
		{
			if (!emit_scalar(em, k, 1) || !emit_node(em, v))
				return 0;
		}
		yaml_mapping_end_event_initialize(&ev);
		return yaml_emitter_emit(em, &ev);
	}
	case json_type_array: {
		size_t n = json_object_array_length(o);
		yaml_sequence_start_event_initialize(&ev, NULL, NULL, 1,
						     n ? YAML_BLOCK_SEQUENCE_STYLE : YAML_FLOW_SEQUENCE_STYLE);
		if (!yaml_emitter_emit(em, &ev))
			return 0;
		for (size_t i = 0; i < n; i++)
			if (!emit_node(em, json_object_array_get_idx(o, i)))
				return 0;
		yaml_sequence_end_event_initialize(&ev);
		return yaml_emitter_emit(em, &ev);
	}
	case json_type_string:
		return emit_scalar(em, json_object_get_string(o), 1);
	case json_type_null:
		return emit_scalar(em, "null", 0);
	default: /* numbers and booleans: their JSON text is valid YAML */
		return emit_scalar(em, json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN), 0);
	}
}

static int yaml_write(void *data, unsigned char *buf, size_t size)
{
	return fwrite(buf, 1, size, data) == size;
}

int cli_print_yaml(const char *json, FILE *out)
{
	json_object *root = json_tokener_parse(json);
	if (!root) {
		fprintf(stderr, "k8sagent: cannot convert to YAML: not JSON\n");
		return -1;
	}
	yaml_emitter_t em;
	yaml_event_t ev;
	int ok = yaml_emitter_initialize(&em);
	if (ok) {
		yaml_emitter_set_output(&em, yaml_write, out);
		yaml_emitter_set_unicode(&em, 1);
		yaml_emitter_set_width(&em, -1);
		yaml_emitter_set_indent(&em, 2);
		yaml_stream_start_event_initialize(&ev, YAML_UTF8_ENCODING);
		ok = yaml_emitter_emit(&em, &ev);
		yaml_document_start_event_initialize(&ev, NULL, NULL, NULL, 1);
		ok = ok && yaml_emitter_emit(&em, &ev) && emit_node(&em, root);
		yaml_document_end_event_initialize(&ev, 1);
		ok = ok && yaml_emitter_emit(&em, &ev);
		yaml_stream_end_event_initialize(&ev);
		ok = ok && yaml_emitter_emit(&em, &ev);
		if (!ok)
			fprintf(stderr, "k8sagent: YAML output failed: %s\n", em.problem ? em.problem : "write error");
		yaml_emitter_delete(&em);
	}
	json_object_put(root);
	return ok ? 0 : -1;
}

int cli_check_format(const char *cmd, const char *fmt, const char *allowed)
{
	size_t n = strlen(fmt);
	for (const char *p = allowed; *p;) {
		size_t w = strcspn(p, " ");
		if (w == n && !strncmp(p, fmt, n))
			return 0;
		p += w;
		while (*p == ' ')
			p++;
	}
	/* "json, yaml or wide" */
	char list[256] = "";
	size_t used = 0, words = 0, total = 0;
	for (const char *p = allowed; *p; p++)
		total += *p == ' ';
	total++;
	for (const char *p = allowed; *p && used < sizeof(list) - 32;) {
		size_t w = strcspn(p, " ");
		words++;
		used += (size_t)snprintf(list + used, sizeof(list) - used, "%s%.*s",
					 words == 1 ? "" : words == total ? " or " : ", ", (int)w, p);
		p += w;
		while (*p == ' ')
			p++;
	}
	fprintf(stderr, "k8sagent: %s: -o %s: unknown output format (use %s)\n", cmd, fmt, list);
	return -1;
}

/* ---------------------------------------------------------------- progress */

static struct {
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	int running, stop, shown;
	char what[200];
} progress = {.lock = PTHREAD_MUTEX_INITIALIZER, .cond = PTHREAD_COND_INITIALIZER};

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void *progress_main(void *arg)
{
	(void)arg;
	static const char spin[] = "|/-\\";
	double start = now_s();
	unsigned int tick = 0;
	pthread_mutex_lock(&progress.lock);
	while (!progress.stop) {
		struct timespec until = svc_after_ms(CLOCK_REALTIME, 150);
		pthread_cond_timedwait(&progress.cond, &progress.lock, &until);
		double t = now_s() - start;
		if (progress.stop || t < 0.5) /* quick reads show nothing */
			continue;
		fprintf(stderr, "\r%c %s... %.1fs\033[K", spin[tick++ % 4], progress.what, t);
		fflush(stderr);
		progress.shown = 1;
	}
	if (progress.shown) {
		fputs("\r\033[K", stderr);
		fflush(stderr);
	}
	pthread_mutex_unlock(&progress.lock);
	return NULL;
}

void cli_progress_start(const cli_globals *g, const char *what)
{
	if (g->quiet || progress.running || !isatty(STDERR_FILENO))
		return;
	const char *term = getenv("TERM");
	if (term && !strcmp(term, "dumb"))
		return;
	snprintf(progress.what, sizeof(progress.what), "%s", what);
	progress.stop = 0;
	progress.shown = 0;
	if (pthread_create(&progress.thread, NULL, progress_main, NULL) == 0)
		progress.running = 1;
}

void cli_progress_stop(void)
{
	if (!progress.running)
		return;
	pthread_mutex_lock(&progress.lock);
	progress.stop = 1;
	pthread_cond_signal(&progress.cond);
	pthread_mutex_unlock(&progress.lock);
	pthread_join(progress.thread, NULL);
	progress.running = 0;
}

/* ---------------------------------------------------------------- stdin */

#define CLI_MAX_QUESTION (64 * 1024)

char *cli_read_question_stdin(const char *cmd)
{
	char *buf = malloc(CLI_MAX_QUESTION + 1);
	size_t len = 0;
	if (!buf) {
		fprintf(stderr, "k8sagent: %s: out of memory\n", cmd);
		return NULL;
	}
	while (len <= CLI_MAX_QUESTION) {
		size_t r = fread(buf + len, 1, CLI_MAX_QUESTION + 1 - len, stdin);
		if (r == 0)
			break;
		len += r;
	}
	if (len > CLI_MAX_QUESTION) {
		fprintf(stderr, "k8sagent: %s: the question on standard input is longer than %d bytes\n", cmd,
			CLI_MAX_QUESTION);
		free(buf);
		return NULL;
	}
	if (ferror(stdin)) {
		fprintf(stderr, "k8sagent: %s: cannot read standard input\n", cmd);
		free(buf);
		return NULL;
	}
	buf[len] = '\0';
	while (len && isspace((unsigned char)buf[len - 1]))
		buf[--len] = '\0';
	size_t lead = strspn(buf, " \t\r\n");
	memmove(buf, buf + lead, len - lead + 1);
	if (!buf[0] || memchr(buf, '\0', len - lead)) {
		fprintf(stderr, "k8sagent: %s: %s\n", cmd,
			buf[0] ? "the question on standard input holds a NUL byte" : "no question on standard input");
		free(buf);
		return NULL;
	}
	return buf;
}
