/* SPDX-License-Identifier: MIT */
/* k8sagentd: the in-cluster HTTP service of libk8sagent. Flags and environment, start-up,
 * and graceful shutdown on SIGTERM; the routes live in k8sagentd_routes.c. */
#include "k8sagentd.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

kd_config kd_cfg;

static void usage(FILE *f)
{
	fprintf(f,
"Usage: k8sagentd [OPTIONS]\n"
"The libk8sagent HTTP service: /ask, /diagnose, a chat UI at /, health and metrics.\n"
"\n"
"Server:\n"
"  --listen ADDR:PORT      address to listen on (default 0.0.0.0:8000; port 0: any free port)\n"
"  --port-file FILE        write the bound port to FILE once listening\n"
"  --log-level LEVEL       error, warn, info (default; one access-log line per request), debug\n"
"                          (env K8SA_LOG_LEVEL)\n"
"  --grace SECONDS         on SIGTERM, time left to in-flight requests before they are\n"
"                          cancelled (default 10)\n"
"Kubernetes:\n"
"  --kubeconfig FILE       kubeconfig file (default: in-cluster when KUBERNETES_SERVICE_HOST\n"
"                          is set, else $KUBECONFIG, else ~/.kube/config)\n"
"  --context NAME          kubeconfig context\n"
"  --namespace NS          default namespace for /diagnose (env K8SA_NAMESPACE; default: the\n"
"                          context's, in-cluster the pod's own)\n"
"Model:\n"
"  --llm-url URL           LLM server (env K8SA_LLM_URL, then OLLAMA_HOST; default\n"
"                          http://ollama:11434 in-cluster, http://localhost:11434 outside)\n"
"  --backend NAME          ollama (default) or openai (any OpenAI-compatible server)\n"
"                          (env K8SA_BACKEND)\n"
"  --model NAME            model name (env K8SA_MODEL; default mistral)\n"
"  --context-tokens N      the model's context window; the prompt is fitted to it\n"
"                          (env K8SA_CONTEXT_TOKENS)\n"
"  --prompt-dir DIR        prompt overrides ask.md, diagnose.md (env K8SA_PROMPT_DIR)\n"
"  --timeout SECONDS       whole model answer (default 300)\n"
"Limits:\n"
"  --max-llm N             model calls at once (default 4)\n"
"  --queue N               requests waiting for a model slot (default 16); beyond: 429\n"
"  --request-timeout SEC   longest wait in the queue, and idle connection timeout (default 60)\n"
"  --max-body BYTES        request body limit (default 65536); beyond: 413\n"
"  --max-question BYTES    question length limit (default 8192); beyond: 413\n"
"  --max-connections N     concurrent connections (default 2048)\n"
"  --cache-ttl SECONDS     identical diagnoses answered from memory for this long\n"
"                          (default 60; 0 disables; a request may send \"no_cache\": true)\n"
"  --cache-entries N       answers kept (default 64)\n"
"Alerting without a question (no model involved):\n"
"  --watch-namespaces NS[,NS...]  analyze these namespaces periodically, one at a time;\n"
"                          /metrics exports k8sagent_findings{namespace,code,severity,root_cause}\n"
"  --interval DURATION     time between rounds (default 60s; 90, 90s, 5m, 1h)\n"
"  --webhook-url URL       POST new root causes there, redacted, as {\"text\": ...} (Slack-compatible;\n"
"                          env K8SA_WEBHOOK_URL keeps the URL out of the command line)\n"
"  --webhook-max-per-hour N  at most N posts an hour (default 20); more are counted, not sent\n"
"  --version, --help\n"
"\n"
"Environment:\n"
"  K8SA_NAMESPACES         comma-separated namespaces that may be diagnosed (others: 403)\n"
"  K8SA_AUTH_TOKEN_FILE    file holding a bearer token the API requires (Authorization:\n"
"                          Bearer TOKEN); /, /health*, /readyz, /metrics stay open; re-read\n"
"                          within a second when the file changes (Secret rotation)\n"
"  K8SA_LLM_API_KEY        API key for an OpenAI-compatible server\n"
"\n"
"Routes: POST /ask, POST /diagnose (JSON; \"stream\": true or Accept: text/event-stream for\n"
"Server-Sent Events), GET /api/findings?namespace=NS, /api/namespaces, /models, /health,\n"
"/healthz, /readyz, /metrics, /openapi.json, / (chat UI). See k8sagentd(8).\n");
}

static int parse_int(const char *opt, const char *v, long min, long max, long *out)
{
	char *end;
	errno = 0;
	long n = strtol(v, &end, 10);
	if (errno || end == v || *end || n < min || n > max) {
		fprintf(stderr, "k8sagentd: %s: expected a number from %ld to %ld, got '%s'\n", opt, min, max, v);
		return -1;
	}
	*out = n;
	return 0;
}

static int parse_seconds(const char *opt, const char *v, double *out)
{
	char *end;
	errno = 0;
	double d = strtod(v, &end);
	if (errno || end == v || *end || d < 0 || d > 86400) {
		fprintf(stderr, "k8sagentd: %s: expected seconds, got '%s'\n", opt, v);
		return -1;
	}
	*out = d;
	return 0;
}

/* "ADDR:PORT", "[V6]:PORT" or ":PORT". */
static int parse_listen(const char *v)
{
	const char *colon;
	char addr[64];
	if (v[0] == '[') {
		const char *rb = strchr(v, ']');
		if (!rb || rb[1] != ':')
			return -1;
		size_t n = (size_t)(rb - v - 1);
		if (n >= sizeof addr)
			return -1;
		memcpy(addr, v + 1, n);
		addr[n] = 0;
		colon = rb + 1;
	} else {
		colon = strrchr(v, ':');
		if (!colon)
			return -1;
		size_t n = (size_t)(colon - v);
		if (n >= sizeof addr)
			return -1;
		memcpy(addr, v, n);
		addr[n] = 0;
		if (!addr[0])
			strcpy(addr, "0.0.0.0");
	}
	long port;
	if (parse_int("--listen", colon + 1, 0, 65535, &port))
		return -1;
	free(kd_cfg.listen_addr);
	kd_cfg.listen_addr = strdup(addr);
	kd_cfg.port = (unsigned short)port;
	return 0;
}

static void set_str(char **dst, const char *v)
{
	free(*dst);
	*dst = v && *v ? strdup(v) : NULL;
}

static char **split_list(const char *v)
{
	size_t n = 1;
	for (const char *p = v; *p; p++)
		n += *p == ',';
	char **out = calloc(n + 1, sizeof *out);
	char *copy = strdup(v);
	if (!out || !copy) {
		free(out);
		free(copy);
		return NULL;
	}
	size_t i = 0;
	for (char *save = NULL, *tok = strtok_r(copy, ", \t", &save); tok; tok = strtok_r(NULL, ", \t", &save))
		out[i++] = strdup(tok);
	free(copy);
	return out;
}

static void free_list(char **l)
{
	for (char **p = l; p && *p; p++)
		free(*p);
	free(l);
}

static int write_port_file(const char *path, unsigned short port)
{
	char tmp[PATH_MAX];
	snprintf(tmp, sizeof tmp, "%s.tmp%ld", path, (long)getpid());
	FILE *f = fopen(tmp, "w");
	if (!f || fprintf(f, "%u\n", port) < 0 || fclose(f) != 0 || rename(tmp, path) != 0) {
		fprintf(stderr, "k8sagentd: --port-file %s: %s\n", path, strerror(errno));
		return -1;
	}
	return 0;
}

enum {
	O_LISTEN = 256, O_PORT_FILE, O_KUBECONFIG, O_CONTEXT, O_LLM_URL, O_BACKEND, O_MODEL,
	O_CTX_TOKENS, O_PROMPT_DIR, O_NAMESPACE, O_TIMEOUT, O_REQ_TIMEOUT, O_MAX_LLM, O_QUEUE,
	O_MAX_BODY, O_MAX_QUESTION, O_MAX_CONNS, O_GRACE, O_CACHE_TTL, O_CACHE_ENTRIES, O_LOG_LEVEL,
	O_VERSION, O_HELP, O_WATCH
};

static int parse_args(int argc, char **argv)
{
	static const struct option opts[] = {
		{"listen", required_argument, NULL, O_LISTEN},
		{"port-file", required_argument, NULL, O_PORT_FILE},
		{"kubeconfig", required_argument, NULL, O_KUBECONFIG},
		{"context", required_argument, NULL, O_CONTEXT},
		{"llm-url", required_argument, NULL, O_LLM_URL},
		{"backend", required_argument, NULL, O_BACKEND},
		{"model", required_argument, NULL, O_MODEL},
		{"context-tokens", required_argument, NULL, O_CTX_TOKENS},
		{"prompt-dir", required_argument, NULL, O_PROMPT_DIR},
		{"namespace", required_argument, NULL, O_NAMESPACE},
		{"timeout", required_argument, NULL, O_TIMEOUT},
		{"request-timeout", required_argument, NULL, O_REQ_TIMEOUT},
		{"max-llm", required_argument, NULL, O_MAX_LLM},
		{"queue", required_argument, NULL, O_QUEUE},
		{"max-body", required_argument, NULL, O_MAX_BODY},
		{"max-question", required_argument, NULL, O_MAX_QUESTION},
		{"max-connections", required_argument, NULL, O_MAX_CONNS},
		{"grace", required_argument, NULL, O_GRACE},
		{"cache-ttl", required_argument, NULL, O_CACHE_TTL},
		{"cache-entries", required_argument, NULL, O_CACHE_ENTRIES},
		{"log-level", required_argument, NULL, O_LOG_LEVEL},
		{"version", no_argument, NULL, O_VERSION},
		{"help", no_argument, NULL, O_HELP},
		/* k8sagentd_watch.c parses these four */
		{"watch-namespaces", required_argument, NULL, O_WATCH},
		{"interval", required_argument, NULL, O_WATCH},
		{"webhook-url", required_argument, NULL, O_WATCH},
		{"webhook-max-per-hour", required_argument, NULL, O_WATCH},
		{NULL, 0, NULL, 0},
	};
	/* Defaults, then the environment, then flags. */
	kd_cfg.listen_addr = strdup("0.0.0.0");
	kd_cfg.port = 8000;
	kd_cfg.backend = strdup("ollama");
	kd_cfg.llm_timeout = 300;
	kd_cfg.request_timeout = 60;
	kd_cfg.max_llm = 4;
	kd_cfg.queue = 16;
	kd_cfg.max_body = 65536;
	kd_cfg.max_question = 8192;
	kd_cfg.max_conns = 2048;
	kd_cfg.grace = 10;
	kd_cfg.cache_ttl = 60;
	kd_cfg.cache_entries = 64;
	kd_cfg.log_level = KD_LOG_INFO;
	const char *e;
	if ((e = getenv("K8SA_BACKEND")) && *e)
		set_str(&kd_cfg.backend, e);
	set_str(&kd_cfg.model, getenv("K8SA_MODEL"));
	set_str(&kd_cfg.prompt_dir, getenv("K8SA_PROMPT_DIR"));
	set_str(&kd_cfg.default_ns, getenv("K8SA_NAMESPACE"));
	set_str(&kd_cfg.api_key, getenv("K8SA_LLM_API_KEY"));
	long n;
	if ((e = getenv("K8SA_CONTEXT_TOKENS")) && *e) {
		if (parse_int("K8SA_CONTEXT_TOKENS", e, 256, 10000000, &n))
			return -1;
		kd_cfg.context_tokens = (int)n;
	}
	if ((e = getenv("K8SA_LOG_LEVEL")) && *e) {
		if ((kd_cfg.log_level = kd_log_level_parse(e)) < 0) {
			fprintf(stderr, "k8sagentd: K8SA_LOG_LEVEL: unknown level '%s'\n", e);
			return -1;
		}
	}

	int c, idx = -1;
	while ((c = getopt_long(argc, argv, "h", opts, &idx)) != -1) {
		switch (c) {
		case O_WATCH:
			if (kd_watch_option(opts[idx].name, optarg))
				return -1;
			break;
		case O_LISTEN:
			if (parse_listen(optarg)) {
				fprintf(stderr, "k8sagentd: --listen: expected ADDR:PORT, got '%s'\n", optarg);
				return -1;
			}
			break;
		case O_PORT_FILE: set_str(&kd_cfg.port_file, optarg); break;
		case O_KUBECONFIG: set_str(&kd_cfg.kubeconfig, optarg); break;
		case O_CONTEXT: set_str(&kd_cfg.context, optarg); break;
		case O_LLM_URL: set_str(&kd_cfg.llm_url, optarg); break;
		case O_BACKEND: set_str(&kd_cfg.backend, optarg); break;
		case O_MODEL: set_str(&kd_cfg.model, optarg); break;
		case O_PROMPT_DIR: set_str(&kd_cfg.prompt_dir, optarg); break;
		case O_NAMESPACE: set_str(&kd_cfg.default_ns, optarg); break;
		case O_CTX_TOKENS:
			if (parse_int("--context-tokens", optarg, 256, 10000000, &n))
				return -1;
			kd_cfg.context_tokens = (int)n;
			break;
		case O_TIMEOUT:
			if (parse_seconds("--timeout", optarg, &kd_cfg.llm_timeout))
				return -1;
			break;
		case O_REQ_TIMEOUT:
			if (parse_seconds("--request-timeout", optarg, &kd_cfg.request_timeout))
				return -1;
			break;
		case O_MAX_LLM:
			if (parse_int("--max-llm", optarg, 1, 100000, &n))
				return -1;
			kd_cfg.max_llm = (int)n;
			break;
		case O_QUEUE:
			if (parse_int("--queue", optarg, 0, 100000, &n))
				return -1;
			kd_cfg.queue = (int)n;
			break;
		case O_MAX_BODY:
			if (parse_int("--max-body", optarg, 64, 64L << 20, &n))
				return -1;
			kd_cfg.max_body = (size_t)n;
			break;
		case O_MAX_QUESTION:
			if (parse_int("--max-question", optarg, 1, 16L << 20, &n))
				return -1;
			kd_cfg.max_question = (size_t)n;
			break;
		case O_MAX_CONNS:
			if (parse_int("--max-connections", optarg, 1, 1000000, &n))
				return -1;
			kd_cfg.max_conns = (unsigned int)n;
			break;
		case O_GRACE:
			if (parse_int("--grace", optarg, 0, 3600, &n))
				return -1;
			kd_cfg.grace = (int)n;
			break;
		case O_CACHE_TTL:
			if (parse_int("--cache-ttl", optarg, 0, 86400, &n))
				return -1;
			kd_cfg.cache_ttl = (int)n;
			break;
		case O_CACHE_ENTRIES:
			if (parse_int("--cache-entries", optarg, 1, 100000, &n))
				return -1;
			kd_cfg.cache_entries = (int)n;
			break;
		case O_LOG_LEVEL:
			if ((kd_cfg.log_level = kd_log_level_parse(optarg)) < 0) {
				fprintf(stderr, "k8sagentd: --log-level: unknown level '%s'\n", optarg);
				return -1;
			}
			break;
		case O_VERSION:
			printf("k8sagentd %s (libk8sagent %s)\n", PACKAGE_VERSION, k8sa_version());
			exit(0);
		case 'h':
		case O_HELP:
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			return -1;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "k8sagentd: unexpected argument '%s'\n", argv[optind]);
		return -1;
	}
	if (kd_cfg.default_ns && !k8sa_namespace_is_valid(kd_cfg.default_ns)) {
		fprintf(stderr, "k8sagentd: --namespace: not a valid namespace name: '%s'\n", kd_cfg.default_ns);
		return -1;
	}
	if ((e = getenv("K8SA_NAMESPACES")) && *e) {
		kd_cfg.allow_ns = split_list(e);
		for (char **p = kd_cfg.allow_ns; p && *p; p++)
			if (!k8sa_namespace_is_valid(*p)) {
				fprintf(stderr, "k8sagentd: K8SA_NAMESPACES: not a valid namespace name: '%s'\n", *p);
				return -1;
			}
	}
	if ((e = getenv("K8SA_AUTH_TOKEN_FILE")) && *e && kd_auth_init(e))
		return -1;
	/* The LLM URL: flag, K8SA_LLM_URL, OLLAMA_HOST (a bare host:port is fine), default. */
	if (!kd_cfg.llm_url && (e = getenv("K8SA_LLM_URL")) && *e)
		set_str(&kd_cfg.llm_url, e);
	if (!kd_cfg.llm_url && (e = getenv("OLLAMA_HOST")) && *e) {
		if (strstr(e, "://")) {
			set_str(&kd_cfg.llm_url, e);
		} else {
			char buf[512];
			/* Ollama's own rule: a host without a port means 11434. */
			const char *colon = strrchr(e, ':');
			snprintf(buf, sizeof buf, "http://%s%s", e, colon && !strchr(colon, ']') ? "" : ":11434");
			set_str(&kd_cfg.llm_url, buf);
		}
	}
	if (!kd_cfg.llm_url)
		set_str(&kd_cfg.llm_url, getenv("KUBERNETES_SERVICE_HOST") && !kd_cfg.kubeconfig
						 ? "http://ollama:11434" : "http://localhost:11434");
	return 0;
}

static void free_config(void)
{
	free(kd_cfg.listen_addr);
	free(kd_cfg.port_file);
	free(kd_cfg.kubeconfig);
	free(kd_cfg.context);
	free(kd_cfg.llm_url);
	free(kd_cfg.backend);
	free(kd_cfg.model);
	free(kd_cfg.api_key);
	free(kd_cfg.prompt_dir);
	free(kd_cfg.default_ns);
	kd_auth_cleanup();
	free_list(kd_cfg.allow_ns);
	memset(&kd_cfg, 0, sizeof kd_cfg);
}

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

/* Wait until no request is in flight, for at most `seconds`. 1 when drained. */
static int drain(double seconds)
{
	double end = kd_now() + seconds;
	while (kd_httpd_in_flight() > 0 && kd_now() < end)
		sleep_ms(20);
	return kd_httpd_in_flight() == 0;
}

int main(int argc, char **argv)
{
	if (parse_args(argc, argv)) {
		free_config();
		return 2;
	}
	/* Signals are taken by sigwait() in this thread; every other thread inherits the mask. */
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	/* One thread and socket per streaming client: allow as many files as we may. */
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}

	/* k8sa_global_init() (libcurl, OpenSSL) waits for the first request that needs it:
	 * see net_ready() in k8sagentd_backend.c. */
	kd_metrics_init();
	kd_limits_init();
	kd_cache_init();
	if (kd_backend_init()) {
		kd_backend_cleanup();
		free_config();
		return 1;
	}
	kd_sse_init();
	if (kd_watch_start()) {
		kd_sse_shutdown();
		kd_backend_cleanup();
		free_config();
		return 1;
	}
	unsigned short port = 0;
	struct MHD_Daemon *d = kd_httpd_start(&port);
	if (!d) {
		kd_log(KD_LOG_ERROR, "cannot listen on %s:%u: %s", kd_cfg.listen_addr, kd_cfg.port,
		       strerror(errno));
		kd_sse_shutdown();
		kd_backend_cleanup();
		free_config();
		return 1;
	}
	if (kd_cfg.port_file && write_port_file(kd_cfg.port_file, port)) {
		MHD_stop_daemon(d);
		kd_sse_shutdown();
		kd_backend_cleanup();
		free_config();
		return 1;
	}
	kd_log(KD_LOG_INFO, "k8sagentd %s listening on %s:%u (LLM %s, backend %s, model %s%s)",
	       PACKAGE_VERSION, kd_cfg.listen_addr, port, kd_cfg.llm_url, kd_cfg.backend, kd_cfg.model,
	       kd_auth_enabled() ? ", bearer auth on" : "");

	int sig = 0;
	sigwait(&set, &sig);
	kd_log(KD_LOG_INFO, "signal %d: stop accepting, %d s for %ld request(s) in flight", sig,
	       kd_cfg.grace, kd_httpd_in_flight());
	MHD_socket lfd = MHD_quiesce_daemon(d);
	if (lfd != MHD_INVALID_SOCKET)
		close(lfd);
	int clean = drain(kd_cfg.grace);
	if (!clean) {
		kd_log(KD_LOG_WARN, "grace period over: cancelling %ld request(s)", kd_httpd_in_flight());
		kd_limits_shutdown();
		kd_sse_cancel_all();
		clean = drain(5);
	}
	if (!clean) {
		/* A request stuck outside any cancellable call: do not hang the pod's termination. */
		kd_log(KD_LOG_WARN, "%ld request(s) still running; exiting anyway", kd_httpd_in_flight());
		fflush(NULL);
		_exit(0);
	}
	MHD_stop_daemon(d);
	kd_watch_stop();
	kd_sse_shutdown();
	kd_backend_cleanup();
	kd_log(KD_LOG_INFO, "stopped");
	free_config();
	return 0;
}
