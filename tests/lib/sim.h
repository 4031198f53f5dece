/* SPDX-License-Identifier: MIT */
/* Test harness for the simulators (llmsim, kubesim, or any server that prints
 * "listening on URL" on stdout when ready): start in a private temp dir, wait for the URL,
 * stop and clean up. Shared by every C test suite. */
#ifndef K8SA_TEST_SIM_H
#define K8SA_TEST_SIM_H

#include <stddef.h>
#include <sys/types.h>

struct test_sim {
	pid_t pid;          /* 0 when not running */
	char url[256];      /* e.g. http://127.0.0.1:40123 (from the "listening on" line) */
	char dir[256];      /* private temp dir, removed by test_sim_stop() */
	char record[320];   /* start_llmsim(): dir/record.jsonl */
	char kubeconfig[320]; /* start_kubesim(): dir/kubeconfig */
	char audit[320];    /* start_kubesim(..., 1): dir/audit.jsonl */
	int out_fd;         /* read end of the child's stdout, drained by a thread */
	unsigned long drain_thread;
};

/* Path of a program or file in the build tree ($top_builddir/rel, else ./rel). */
void test_build_path(char *out, size_t n, const char *rel);
/* Path of a file in the source tree ($top_srcdir/rel, else ./rel). */
void test_src_path(char *out, size_t n, const char *rel);

/* Make s->dir (a fresh temp dir) if not made yet. 0 on success. */
int test_sim_mkdir(struct test_sim *s);

/* Start argv[0] with argv (NULL-terminated) and wait up to timeout_ms for a stdout line
 * containing "listening on URL"; the URL lands in s->url. The child dies with the thread
 * that started it (PR_SET_PDEATHSIG): start simulators from the main test thread. Later stdout lines are copied to stderr. 0 on success,
 * -1 (with a message on stderr) on failure. Call test_sim_mkdir() first to put files in
 * s->dir before starting; otherwise it is made here. */
int test_sim_start(struct test_sim *s, char *const argv[], int timeout_ms);

/* SIGTERM (then SIGKILL after 2 s), reap, remove s->dir. Safe to call twice. */
void test_sim_stop(struct test_sim *s);

/* Write `text` to the file at path (made or truncated). 0 on success. */
int test_write_text(const char *path, const char *text);

/* Write `text` to s->dir/name and put the full path in out. 0 on success. */
int test_sim_write_file(struct test_sim *s, const char *name, const char *text, char *out, size_t n);

/* Start tests/llmsim/llmsim on 127.0.0.1:0 with the script text (JSON, or NULL for none)
 * and --record s->record. 0 on success. */
int start_llmsim(struct test_sim *s, const char *script_json);

/* Same on a given port (for tests that need a server to appear at a known address). */
int start_llmsim_port(struct test_sim *s, const char *script_json, int port);

/* Start tests/kubesim/kubesim on 127.0.0.1:0 serving tests/scenarios/<scenario>, its
 * kubeconfig written to s->kubeconfig and, when audit is nonzero, its audit log to s->audit.
 * 0 on success. */
int start_kubesim(struct test_sim *s, const char *scenario, int audit);

/* The whole file at path, NUL-terminated (its size in *len when len is not NULL), or NULL
 * when it cannot be read. The caller frees it. */
char *test_slurp(const char *path, size_t *len);

/* A TCP socket bound to 127.0.0.1 on a free port (its number in *port), listening with
 * backlog when backlog >= 0. The fd (close-on-exec), or -1. */
int test_listen_loopback(int backlog, int *port);

/* A TCP port on 127.0.0.1 that was free a moment ago (nothing listens there now). */
int test_free_port(void);

/* A stand-in HTTP proxy on 127.0.0.1:0, served by a thread: each connection's request line
 * is recorded and answered "200 OK" with `body` (JSON), then closed. Proves a client went
 * through the proxy it was given, and only that one. */
struct test_proxy {
	int fd, port;
	char url[64];            /* http://127.0.0.1:PORT */
	const char *body;
	unsigned long thread;
	int stop;
	int hits;                /* connections answered */
	char request_line[512];  /* the last one, e.g. "GET http://host:1/version HTTP/1.1" */
};
/* 0 on success. */
int test_proxy_start(struct test_proxy *p, const char *body);
/* Stop the proxy; copy the last request line into line and return how many it answered. */
int test_proxy_stop(struct test_proxy *p, char *line, size_t n);

/* "http://127.0.0.1:PORT" on a port where nothing listens. */
void test_dead_url(char *out, size_t n);

/* Point every proxy variable libcurl reads (http_proxy, HTTPS_PROXY, ALL_PROXY, in both
 * cases) at url, or unset them all (url NULL). */
void test_set_env_proxies(const char *url);

/* The same with a URL where nothing listens (test_dead_url()); undo: test_set_env_proxies(NULL). */
void test_set_dead_proxies(void);

#endif
