/* SPDX-License-Identifier: MIT */
/* k8sagent analyze: deterministic findings, no model; -w watches and prints what changed. */
#include "config.h"
#include "cli.h"

#include <errno.h>
#include <getopt.h>
#include <json-c/json.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static void usage(FILE *out)
{
	fprintf(out, "Usage: k8sagent analyze [-n NAMESPACE | -A] [-o text|json|yaml|wide]\n"
		     "                        [-w [--interval SECONDS] [--rounds N]]\n"
		     "\n"
		     "Find what is wrong in a namespace without a model: findings with evidence and the\n"
		     "next kubectl commands, grouped by owner, root cause first.\n"
		     "  -n, --namespace NS   namespace (default: the kubeconfig context's)\n"
		     "  -A, --all-namespaces every namespace (JSON \"namespace\" is then \"*\")\n"
		     "  -o, --output FORMAT  text (default), json, yaml or wide (one line per finding)\n"
		     "  -w, --watch          analyze again every interval; after the first round print\n"
		     "                       only what changed: new and resolved findings (json/yaml: one\n"
		     "                       {\"time\",\"new\",\"resolved\"} document per change)\n"
		     "  --interval SECONDS   time between rounds with --watch (default 30, at least 1)\n"
		     "  --rounds N           stop after N rounds with --watch (default: until interrupted)\n"
		     "  -h, --help           this help\n"
		     "\n"
		     "Exit status: 0 no problems, 1 warning or critical findings, 2 error, 5 could not\n"
		     "check (pods, workloads or services unreadable); with --watch: the last round's.\n");
}

/* One round: snapshot, findings (JSON and the printed form). *problems gets the exit status
 * the findings call for: CLI_PROBLEMS, CLI_OK, or CLI_NOT_CHECKED when nothing could be checked. */
static int analyze_once(const cli_globals *g, const char *ns, int all, const char *output, int print,
			json_object **findings_out, int *problems)
{
	k8sa_findings *f = NULL;
	int rc = cli_findings(g, ns, all, &f);
	if (rc)
		return rc;
	k8sa_error err;
	char *json = NULL, *text = NULL;
	if (k8sa_findings_to_json(f, &json, &err) ||
	    (print && !strcmp(output, "text") && k8sa_findings_to_text(f, &text, &err))) {
		fprintf(stderr, "k8sagent: %s\n", err.message);
		k8sa_findings_free(f);
		k8sa_free(json);
		return CLI_ERROR;
	}
	/* "Could not check" (pods, workloads or services unreadable) is not a clean bill */
	*problems = k8sa_findings_problem_count(f) ? CLI_PROBLEMS : k8sa_findings_complete(f) ? CLI_OK : CLI_NOT_CHECKED;
	if (print) {
		int color = cli_use_color(g, stdout);
		if (text)
			cli_print_findings_text(text, color, stdout);
		else if (!strcmp(output, "wide"))
			rc = cli_print_findings_wide(json, color, stdout) ? CLI_ERROR : CLI_OK;
		else if (!strcmp(output, "yaml"))
			rc = cli_print_yaml(json, stdout) ? CLI_ERROR : CLI_OK;
		else
			printf("%s\n", json);
	}
	if (findings_out && !(*findings_out = json_tokener_parse(json))) {
		fprintf(stderr, "k8sagent: out of memory\n");
		rc = CLI_ERROR;
	}
	k8sa_free(text);
	k8sa_free(json);
	k8sa_findings_free(f);
	return rc;
}

/* ---------------------------------------------------------------- watch */

static volatile sig_atomic_t stop_watch;

static void on_signal(int sig)
{
	(void)sig;
	stop_watch = 1;
}

static const char *js(json_object *o, const char *key)
{
	json_object *v;
	if (!json_object_object_get_ex(o, key, &v) || json_object_is_type(v, json_type_null))
		return "";
	return json_object_get_string(v);
}

/* The same, escaped for the terminal. */
static const char *jsafe(json_object *o, const char *key)
{
	return cli_safe(js(o, key));
}

/* Identity of a finding across rounds: what is wrong with which object. */
static void finding_key(json_object *f, char *buf, size_t size)
{
	snprintf(buf, size, "%s|%s|%s|%s|%s", js(f, "code"), js(f, "kind"), js(f, "namespace"), js(f, "name"),
		 js(f, "container"));
}

static json_object *finding_list(json_object *doc)
{
	json_object *l;
	if (!doc || !json_object_object_get_ex(doc, "findings", &l) || !json_object_is_type(l, json_type_array))
		return NULL;
	return l;
}

/* Findings of `a` whose key is not in `b`, as a new array (references shared). */
static json_object *missing_from(json_object *a, json_object *b)
{
	json_object *out = json_object_new_array(), *la = finding_list(a), *lb = finding_list(b);
	char ka[1024], kb[1024];
	for (size_t i = 0; out && la && i < json_object_array_length(la); i++) {
		json_object *f = json_object_array_get_idx(la, i);
		int found = 0;
		finding_key(f, ka, sizeof(ka));
		for (size_t j = 0; lb && j < json_object_array_length(lb) && !found; j++) {
			finding_key(json_object_array_get_idx(lb, j), kb, sizeof(kb));
			found = !strcmp(ka, kb);
		}
		if (!found)
			json_object_array_add(out, json_object_get(f));
	}
	return out;
}

static void print_change_line(const cli_globals *g, const char *stamp, const char *what, json_object *f)
{
	int color = cli_use_color(g, stdout), resolved = !strcmp(what, "resolved");
	const char *sev = jsafe(f, "severity"), *container = jsafe(f, "container");
	const char *on = !color ? "" : resolved ? "\033[32m" : !strcmp(sev, "critical") ? "\033[1;31m" : "\033[33m";
	printf("%s %s%-8s [%s] %s%s %s %s/%s%s%s%s: %s\n", stamp, on, what, sev, jsafe(f, "code"), color ? "\033[0m" : "",
	       jsafe(f, "kind"), jsafe(f, "namespace"), jsafe(f, "name"), container[0] ? " (container " : "", container,
	       container[0] ? ")" : "", jsafe(f, "summary"));
}

static int watch(const cli_globals *g, const char *ns, int all, const char *output, long interval, long rounds)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	json_object *prev = NULL;
	int problems = 0, rc = CLI_OK;
	for (long round = 1; !stop_watch && (rounds <= 0 || round <= rounds); round++) {
		if (round > 1) {
			/* Sleep in small steps so an interrupt ends the watch at once. */
			for (long ms = 0; ms < interval * 1000 && !stop_watch; ms += 100)
				nanosleep(&(struct timespec){0, 100 * 1000000L}, NULL);
			if (stop_watch)
				break;
		}
		json_object *cur = NULL;
		int p = 0;
		rc = analyze_once(g, ns, all, output, round == 1, &cur, &p);
		if (rc != CLI_OK) {
			if (round == 1)
				break;
			/* The API may be down for a while: keep watching. */
			cli_warn(g, "k8sagent: analyze --watch: round %ld failed; trying again in %ld s\n", round, interval);
			rc = CLI_OK;
			continue;
		}
		problems = p;
		if (round > 1) {
			json_object *added = missing_from(cur, prev), *gone = missing_from(prev, cur);
			size_t na = added ? json_object_array_length(added) : 0, ng = gone ? json_object_array_length(gone) : 0;
			if (na || ng) {
				char stamp[32];
				time_t t = time(NULL);
				struct tm tm;
				gmtime_r(&t, &tm);
				int structured = !strcmp(output, "json") || !strcmp(output, "yaml");
				strftime(stamp, sizeof(stamp), structured ? "%Y-%m-%dT%H:%M:%SZ" : "%H:%M:%S", &tm);
				if (structured) {
					json_object *doc = json_object_new_object();
					json_object_object_add(doc, "time", json_object_new_string(stamp));
					json_object_object_add(doc, "new", json_object_get(added));
					json_object_object_add(doc, "resolved", json_object_get(gone));
					const char *s = json_object_to_json_string_ext(doc, JSON_C_TO_STRING_PLAIN |
											    JSON_C_TO_STRING_NOSLASHESCAPE);
					if (!strcmp(output, "json"))
						printf("%s\n", s);
					else
						cli_print_yaml(s, stdout);
					json_object_put(doc);
				} else {
					for (size_t i = 0; i < na; i++)
						print_change_line(g, stamp, "new", json_object_array_get_idx(added, i));
					for (size_t i = 0; i < ng; i++)
						print_change_line(g, stamp, "resolved", json_object_array_get_idx(gone, i));
				}
			}
			json_object_put(added);
			json_object_put(gone);
		}
		fflush(stdout);
		json_object_put(prev);
		prev = cur;
	}
	json_object_put(prev);
	if (rc != CLI_OK)
		return rc;
	return problems; /* CLI_PROBLEMS, CLI_OK, or CLI_NOT_CHECKED */
}

static int parse_positive(const char *s, const char *flag, long *out)
{
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < 1) {
		fprintf(stderr, "k8sagent: analyze: %s %s: not a positive number\n", flag, s);
		return -1;
	}
	*out = v;
	return 0;
}

int cli_analyze(const cli_globals *g, int argc, char **argv)
{
	enum { O_INTERVAL = 256, O_ROUNDS };
	static const struct option opts[] = {
		{"namespace", required_argument, NULL, 'n'},
		{"all-namespaces", no_argument, NULL, 'A'},
		{"output", required_argument, NULL, 'o'},
		{"watch", no_argument, NULL, 'w'},
		{"interval", required_argument, NULL, O_INTERVAL},
		{"rounds", required_argument, NULL, O_ROUNDS},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *ns = NULL, *output = "text";
	int all = 0, watching = 0, c;
	long interval = 30, rounds = 0;
	while ((c = getopt_long(argc, argv, "n:Ao:wh", opts, NULL)) != -1) {
		switch (c) {
		case 'n': ns = optarg; break;
		case 'A': all = 1; break;
		case 'o': output = optarg; break;
		case 'w': watching = 1; break;
		case O_INTERVAL:
			if (parse_positive(optarg, "--interval", &interval))
				return CLI_ERROR;
			break;
		case O_ROUNDS:
			if (parse_positive(optarg, "--rounds", &rounds))
				return CLI_ERROR;
			break;
		case 'h': usage(stdout); return CLI_OK;
		default: usage(stderr); return CLI_ERROR;
		}
	}
	if (optind < argc) {
		usage(stderr);
		return CLI_ERROR;
	}
	if (cli_check_format("analyze", output, "text json yaml wide"))
		return CLI_ERROR;
	if (watching)
		return watch(g, ns, all, output, interval, rounds);
	int problems = 0;
	int rc = analyze_once(g, ns, all, output, 1, NULL, &problems);
	if (rc)
		return rc;
	return problems; /* CLI_PROBLEMS, CLI_OK, or CLI_NOT_CHECKED */
}
