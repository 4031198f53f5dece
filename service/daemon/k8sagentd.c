/* SPDX-License-Identifier: MIT */
/* k8sagentd: the in-cluster HTTP service of libk8sagent. Flags and environment, start-up,
 * and graceful shutdown on SIGTERM; the routes live in k8sagentd_routes.c. */
#include "k8sagentd.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#if defined(__GLIBC__)
#include <malloc.h>
#endif
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
"The libk8sagent HTTP service: /ask, /diagnose, /investigate, a chat UI at /, health and metrics.\n"
"\n"
"Server:\n"
"  --listen ADDR:PORT      address to listen on (default 0.0.0.0:8000; port 0: any free port)\n"
"  --port-file FILE        write the bound port to FILE once listening\n"
"  --log-level LEVEL       error, warn, info (default; one access-log line per request), debug\n"
"                          (env K8SA_LOG_LEVEL)\n"
"  --grace SECONDS         on SIGTERM, time left to in-flight requests before they are\n"
"                          cancelled (default 10)\n"
"  --namespace NS          default namespace for /diagnose (env K8SA_NAMESPACE; default: the\n"
"                          context's, in-cluster the pod's own)\n"
"  --allowed-hosts LIST    comma-separated host[:port] names the Host header must carry\n"
"                          (default: any); stops DNS rebinding when the UI is reached through\n"
"                          a port-forward (e.g. localhost,127.0.0.1); /healthz, /health,\n"
"                          /readyz and /metrics answer any Host (probes use the pod IP)\n"
"Cluster and model (the same as k8sagent's global options; in-cluster the LLM server\n"
"defaults to http://ollama:11434):\n");
	svc_options_help(f, 1);
	fprintf(f,
"Limits:\n"
"  --max-llm N             model calls at once (default 4)\n"
"  --queue N               requests waiting for a model slot (default 16); beyond: 429\n"
"  --request-timeout SEC   longest wait in the queue, and idle connection timeout (default 60)\n"
"  --max-body BYTES        request body limit (default 65536); beyond: 413\n"
"  --max-question BYTES    question length limit (default 8192); beyond: 413\n"
"  --max-connections N     concurrent connections (default 2048)\n"
"  --max-connections-per-ip N\n"
"                          concurrent connections from one address (default: 7/8 of\n"
"                          --max-connections, so one client never takes the probes' room)\n"
"  --header-timeout SEC    a connection must send a request's headers within this long after\n"
"                          it opens or after its previous answer, else it is closed (default\n"
"                          10; slow-loris clients trickling headers)\n"
"  --max-answer BYTES      model answer kept per request (default 262144); a longer answer is\n"
"                          cut with a note and \"truncated\": true, and the model call stopped\n"
"  --max-snapshots N       cluster snapshots (/diagnose, /api/findings) at once (default:\n"
"                          from the container memory limit, cgroup memory.max: one per\n"
"                          32 MiB above the first 64 MiB, 1 to 16; 8 without a limit);\n"
"                          others wait --request-timeout, then 429\n"
"  --cache-ttl SECONDS     identical diagnoses answered from memory for this long\n"
"                          (default 60; 0 disables; a request may send \"no_cache\": true)\n"
"  --cache-entries N       answers kept (default 64)\n"
"  --cache-bytes BYTES     memory the cached answers may use (default 8388608); least\n"
"                          recently used answers are evicted first\n"
"Investigation (POST /investigate):\n"
"  --session-ttl SECONDS   an idle session is dropped after this long (default 900)\n"
"  --max-sessions N        sessions kept at once (default 64); the least recently used idle\n"
"                          one makes room, and when all are busy a new one gets 429\n"
"  --session-memory BYTES  estimated memory the sessions may hold together (default: an eighth\n"
"                          of the container's memory limit, else 268435456)\n"
"  --max-steps N           most tool calls a request may ask for per question (default 20;\n"
"                          a request without \"max_steps\" gets 8)\n"
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
"Routes: POST /ask, POST /diagnose, POST /investigate (JSON; \"stream\": true or Accept:\n"
"text/event-stream for Server-Sent Events), GET /api/findings?namespace=NS, /api/namespaces,\n"
"/models, /health, /healthz, /readyz, /metrics, /openapi.json, / (chat UI), POST /mcp (the\n"
"read-only tools over the Model Context Protocol, streamable HTTP, same token). See k8sagentd(8).\n");
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

/* The daemon's own numeric options: name, range, and where the value goes. */
typedef struct num_opt {
	const char *name;
	long min, max;
	int *i;        /* one of these three */
	size_t *z;
	unsigned *u;
} num_opt;

static const num_opt num_opts[] = {
	{"max-llm", 1, 100000, &kd_cfg.max_llm, NULL, NULL},
	{"queue", 0, 100000, &kd_cfg.queue, NULL, NULL},
	{"max-body", 64, 64L << 20, NULL, &kd_cfg.max_body, NULL},
	{"max-question", 1, 16L << 20, NULL, &kd_cfg.max_question, NULL},
	{"max-connections", 1, 1000000, NULL, NULL, &kd_cfg.max_conns},
	{"grace", 0, 3600, &kd_cfg.grace, NULL, NULL},
	{"cache-ttl", 0, 86400, &kd_cfg.cache_ttl, NULL, NULL},
	{"cache-entries", 1, 100000, &kd_cfg.cache_entries, NULL, NULL},
	{"cache-bytes", 0, 1L << 34, NULL, &kd_cfg.cache_bytes, NULL},
	{"header-timeout", 1, 3600, &kd_cfg.header_timeout, NULL, NULL},
	{"max-connections-per-ip", 1, 1000000, NULL, NULL, &kd_cfg.max_conns_per_ip},
	{"max-answer", 1024, 1L << 30, NULL, &kd_cfg.max_answer, NULL},
	{"max-snapshots", 1, 100000, &kd_cfg.max_snapshots, NULL, NULL},
	{"session-ttl", 1, 86400, &kd_cfg.session_ttl, NULL, NULL},
	{"max-sessions", 1, 100000, &kd_cfg.max_sessions, NULL, NULL},
	{"session-memory", 1L << 20, 1L << 40, NULL, &kd_cfg.session_memory, NULL},
	{"max-steps", 1, K8SA_SESSION_MAX_STEPS_LIMIT, &kd_cfg.max_steps, NULL, NULL},
};
#define N_NUM (sizeof(num_opts) / sizeof(num_opts[0]))

enum { O_NUM = 256, O_LISTEN = O_NUM + 64, O_PORT_FILE, O_NAMESPACE, O_REQ_TIMEOUT, O_LOG_LEVEL,
       O_ALLOWED_HOSTS, O_VERSION, O_HELP, O_WATCH };

static int take_num(const num_opt *o, const char *v)
{
	char flag[40];
	long n;
	snprintf(flag, sizeof flag, "--%s", o->name);
	if (parse_int(flag, v, o->min, o->max, &n))
		return -1;
	if (o->i)
		*o->i = (int)n;
	else if (o->z)
		*o->z = (size_t)n;
	else
		*o->u = (unsigned)n;
	return 0;
}

static int parse_args(int argc, char **argv)
{
	struct option opts[SVC_OPT_COUNT + N_NUM + 14];
	int n_opts = svc_options_getopt(opts);
	for (size_t i = 0; i < N_NUM; i++)
		opts[n_opts++] = (struct option){num_opts[i].name, required_argument, NULL, O_NUM + (int)i};
	opts[n_opts++] = (struct option){"listen", required_argument, NULL, O_LISTEN};
	opts[n_opts++] = (struct option){"port-file", required_argument, NULL, O_PORT_FILE};
	opts[n_opts++] = (struct option){"namespace", required_argument, NULL, O_NAMESPACE};
	opts[n_opts++] = (struct option){"request-timeout", required_argument, NULL, O_REQ_TIMEOUT};
	opts[n_opts++] = (struct option){"log-level", required_argument, NULL, O_LOG_LEVEL};
	opts[n_opts++] = (struct option){"allowed-hosts", required_argument, NULL, O_ALLOWED_HOSTS};
	opts[n_opts++] = (struct option){"version", no_argument, NULL, O_VERSION};
	opts[n_opts++] = (struct option){"help", no_argument, NULL, O_HELP};
	/* k8sagentd_watch.c parses these four */
	opts[n_opts++] = (struct option){"watch-namespaces", required_argument, NULL, O_WATCH};
	opts[n_opts++] = (struct option){"interval", required_argument, NULL, O_WATCH};
	opts[n_opts++] = (struct option){"webhook-url", required_argument, NULL, O_WATCH};
	opts[n_opts++] = (struct option){"webhook-max-per-hour", required_argument, NULL, O_WATCH};
	opts[n_opts] = (struct option){NULL, 0, NULL, 0};
	/* Defaults, then the environment, then flags. */
	kd_cfg = (kd_config){
		.listen_addr = strdup("0.0.0.0"),
		.port = 8000,
		.request_timeout = 60,
		.max_llm = 4,
		.queue = 16,
		.max_body = 65536,
		.max_question = 8192,
		.max_conns = 2048,
		.grace = 10,
		.cache_ttl = 60,
		.cache_entries = 64,
		.session_ttl = 900,
		.max_sessions = 64,
		.max_steps = 20,
		.log_level = KD_LOG_INFO,
		.header_timeout = 10,
		.max_answer = 256 * 1024,
		.cache_bytes = 8L << 20,
	};
	const char *e;
	svc_options_from_env(&kd_cfg.opts);
	set_str(&kd_cfg.default_ns, getenv("K8SA_NAMESPACE"));
	set_str(&kd_cfg.api_key, getenv("K8SA_LLM_API_KEY"));
	if ((e = getenv("K8SA_LOG_LEVEL")) && *e) {
		if ((kd_cfg.log_level = kd_log_level_parse(e)) < 0) {
			fprintf(stderr, "k8sagentd: K8SA_LOG_LEVEL: unknown level '%s'\n", e);
			return -1;
		}
	}

	int c, idx = -1;
	while ((c = getopt_long(argc, argv, "h", opts, &idx)) != -1) {
		if (svc_options_take(&kd_cfg.opts, c, optarg))
			continue; /* checked by the library below */
		if (c >= O_NUM && c < O_NUM + (int)N_NUM) {
			if (take_num(&num_opts[c - O_NUM], optarg))
				return -1;
			continue;
		}
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
		case O_NAMESPACE: set_str(&kd_cfg.default_ns, optarg); break;
		case O_ALLOWED_HOSTS:
			free_list(kd_cfg.allowed_hosts);
			kd_cfg.allowed_hosts = *optarg ? split_list(optarg) : NULL;
			if (*optarg && (!kd_cfg.allowed_hosts || !kd_cfg.allowed_hosts[0])) {
				fprintf(stderr, "k8sagentd: --allowed-hosts: expected host[:port],... got '%s'\n", optarg);
				return -1;
			}
			break;
		case O_REQ_TIMEOUT:
			if (parse_seconds("--request-timeout", optarg, &kd_cfg.request_timeout))
				return -1;
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
	/* The shared options: the library checks them now, so a bad value stops the start with
	 * its message; every agent gets them (k8sagentd_backend.c). */
	if (svc_options_check(&kd_cfg.opts, "k8sagentd"))
		return -1;
	const svc_opts *so = &kd_cfg.opts;
	set_str(&kd_cfg.kubeconfig, so->value[SVC_OPT_KUBECONFIG]);
	set_str(&kd_cfg.context, so->value[SVC_OPT_CONTEXT]);
	set_str(&kd_cfg.llm_url, so->value[SVC_OPT_LLM_URL]);
	set_str(&kd_cfg.backend, so->value[SVC_OPT_BACKEND] ? so->value[SVC_OPT_BACKEND] : "ollama");
	set_str(&kd_cfg.model, so->value[SVC_OPT_MODEL]);
	set_str(&kd_cfg.llm_proxy, so->value[SVC_OPT_LLM_PROXY]);
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
	free(kd_cfg.default_ns);
	kd_auth_cleanup();
	free_list(kd_cfg.allow_ns);
	free_list(kd_cfg.allowed_hosts);
	free(kd_cfg.llm_proxy);
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
#if defined(__GLIBC__) && defined(M_ARENA_MAX)
	/* glibc gives up to 8 malloc arenas per core and keeps each one's peak: snapshots run on
	 * ever different connection threads, so 40 /api/findings of a 400-pod namespace, one at a
	 * time, peaked at 215 MB RSS with the default and 61 MB with two arenas (four at a time:
	 * 380 vs 117 MB). Without this the --max-snapshots bound would not bound memory.
	 * MALLOC_ARENA_MAX in the environment still wins. */
	if (!getenv("MALLOC_ARENA_MAX"))
		mallopt(M_ARENA_MAX, 2);
#endif
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
	kd_sessions_init();
	kd_cache_init();
	if (kd_backend_init()) {
		kd_backend_cleanup();
		free_config();
		return 1;
	}
	kd_sse_init();
	unsigned short port = 0;
	struct MHD_Daemon *d = kd_httpd_start(&port);
	if (!d) {
		kd_log(KD_LOG_ERROR, "cannot listen on %s:%u: %s", kd_cfg.listen_addr, kd_cfg.port,
		       strerror(errno));
		kd_httpd_shutdown();
		kd_sse_shutdown();
		kd_backend_cleanup();
		free_config();
		return 1;
	}
	if (kd_cfg.port_file && write_port_file(kd_cfg.port_file, port)) {
		MHD_stop_daemon(d);
		kd_httpd_shutdown();
		kd_sse_shutdown();
		kd_backend_cleanup();
		free_config();
		return 1;
	}
	kd_log(KD_LOG_INFO, "k8sagentd %s listening on %s:%u (LLM %s%s%s, backend %s, model %s%s)",
	       PACKAGE_VERSION, kd_cfg.listen_addr, port, kd_cfg.llm_url,
	       kd_cfg.llm_proxy ? " through proxy " : "", kd_cfg.llm_proxy ? kd_cfg.llm_proxy : "",
	       kd_cfg.backend, kd_cfg.model, kd_auth_enabled() ? ", bearer auth on" : "");
	if (kd_watch_start()) { /* --watch-namespaces */
		MHD_stop_daemon(d);
		kd_httpd_shutdown();
		kd_sse_shutdown();
		kd_backend_cleanup();
		free_config();
		return 1;
	}

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
	kd_httpd_shutdown();
	kd_watch_stop();
	kd_sse_shutdown();
	kd_sessions_cleanup();
	kd_backend_cleanup();
	kd_log(KD_LOG_INFO, "stopped");
	free_config();
	return 0;
}
