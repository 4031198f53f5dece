/* SPDX-License-Identifier: MIT */
/* Start/stop simulator processes for tests (see sim.h). */
#define _GNU_SOURCE
#include "sim.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void tree_path(char *out, size_t n, const char *env, const char *rel)
{
	const char *top = getenv(env);
	snprintf(out, n, "%s/%s", top && *top ? top : ".", rel);
}

void test_build_path(char *out, size_t n, const char *rel)
{
	tree_path(out, n, "top_builddir", rel);
}

void test_src_path(char *out, size_t n, const char *rel)
{
	tree_path(out, n, "top_srcdir", rel);
}

int test_sim_mkdir(struct test_sim *s)
{
	if (s->dir[0])
		return 0;
	const char *tmp = getenv("TMPDIR");
	snprintf(s->dir, sizeof(s->dir), "%s/k8sa-sim-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(s->dir)) {
		fprintf(stderr, "sim: mkdtemp %s: %s\n", s->dir, strerror(errno));
		s->dir[0] = '\0';
		return -1;
	}
	return 0;
}

int test_write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	if (!f)
		return -1;
	int bad = fputs(text, f) < 0;
	return fclose(f) == 0 && !bad ? 0 : -1;
}

int test_sim_write_file(struct test_sim *s, const char *name, const char *text, char *out, size_t n)
{
	if (test_sim_mkdir(s) != 0)
		return -1;
	snprintf(out, n, "%s/%s", s->dir, name);
	return test_write_text(out, text);
}

static void *drain(void *arg)
{
	int fd = (int)(long)arg;
	char b[4096];
	ssize_t r;
	while ((r = read(fd, b, sizeof(b))) > 0 || (r < 0 && errno == EINTR))
		if (r > 0 && write(2, b, (size_t)r) < 0)
			break;
	return NULL;
}

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

int test_sim_start(struct test_sim *s, char *const argv[], int timeout_ms)
{
	int p[2];
	s->pid = 0;
	s->url[0] = '\0';
	s->out_fd = -1;
	if (test_sim_mkdir(s) != 0 || pipe2(p, O_CLOEXEC) != 0)
		return -1;
	pid_t parent = getpid();
	pid_t pid = fork();
	if (pid < 0) {
		close(p[0]);
		close(p[1]);
		return -1;
	}
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		if (getppid() != parent)
			_exit(127);
		dup2(p[1], 1);
		execv(argv[0], argv);
		fprintf(stderr, "sim: exec %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	close(p[1]);
	s->pid = pid;
	s->out_fd = p[0];

	/* Read stdout line by line until the "listening on" line. */
	char line[1024];
	size_t len = 0;
	double deadline = now_ms() + timeout_ms;
	for (;;) {
		int left = (int)(deadline - now_ms());
		if (left <= 0) {
			fprintf(stderr, "sim: %s did not say \"listening on\" within %d ms\n", argv[0], timeout_ms);
			test_sim_stop(s);
			return -1;
		}
		struct pollfd pfd = {s->out_fd, POLLIN, 0};
		if (poll(&pfd, 1, left) <= 0)
			continue;
		ssize_t r = read(s->out_fd, line + len, sizeof(line) - 1 - len);
		if (r <= 0) {
			fprintf(stderr, "sim: %s exited before it was ready\n", argv[0]);
			test_sim_stop(s);
			return -1;
		}
		len += (size_t)r;
		line[len] = '\0';
		char *at = strstr(line, "listening on ");
		char *nl = at ? strchr(at, '\n') : NULL;
		if (at && nl) {
			*nl = '\0';
			snprintf(s->url, sizeof(s->url), "%s", at + strlen("listening on "));
			size_t ul = strlen(s->url);
			while (ul > 0 && (s->url[ul - 1] == '\r' || s->url[ul - 1] == ' '))
				s->url[--ul] = '\0';
			break;
		}
		if (len >= sizeof(line) - 1) { /* a long line without the marker: keep the tail */
			memmove(line, line + len / 2, len - len / 2);
			len -= len / 2;
		}
	}
	pthread_t t;
	if (pthread_create(&t, NULL, drain, (void *)(long)s->out_fd) == 0)
		s->drain_thread = (unsigned long)t;
	return 0;
}

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

void test_sim_stop(struct test_sim *s)
{
	if (s->pid > 0) {
		kill(s->pid, SIGTERM);
		int st;
		double deadline = now_ms() + 2000;
		while (waitpid(s->pid, &st, WNOHANG) == 0) {
			if (now_ms() > deadline) {
				kill(s->pid, SIGKILL);
				waitpid(s->pid, &st, 0);
				break;
			}
			usleep(5000);
		}
		s->pid = 0;
	}
	if (s->drain_thread) {
		pthread_join((pthread_t)s->drain_thread, NULL); /* EOF once the child is gone */
		s->drain_thread = 0;
	}
	if (s->out_fd >= 0) {
		close(s->out_fd);
		s->out_fd = -1;
	}
	if (s->dir[0] && !getenv("K8SA_KEEP_SIM_DIR"))
		nftw(s->dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	s->dir[0] = '\0';
}

int start_llmsim_port(struct test_sim *s, const char *script_json, int port)
{
	char prog[512], listen[64], script[400];
	if (test_sim_mkdir(s) != 0)
		return -1;
	test_build_path(prog, sizeof(prog), "tests/llmsim/llmsim");
	snprintf(listen, sizeof(listen), "127.0.0.1:%d", port);
	snprintf(s->record, sizeof(s->record), "%s/record.jsonl", s->dir);
	char *argv[10];
	int n = 0;
	argv[n++] = prog;
	argv[n++] = "--listen";
	argv[n++] = listen;
	argv[n++] = "--record";
	argv[n++] = s->record;
	if (script_json) {
		if (test_sim_write_file(s, "script.json", script_json, script, sizeof(script)) != 0)
			return -1;
		argv[n++] = "--script";
		argv[n++] = script;
	}
	argv[n] = NULL;
	return test_sim_start(s, argv, 10000);
}

int start_llmsim(struct test_sim *s, const char *script_json)
{
	return start_llmsim_port(s, script_json, 0);
}

int start_kubesim(struct test_sim *s, const char *scenario, int audit)
{
	char prog[512], scen[512], rel[300];
	if (test_sim_mkdir(s) != 0)
		return -1;
	test_build_path(prog, sizeof(prog), "tests/kubesim/kubesim");
	snprintf(rel, sizeof(rel), "tests/scenarios/%s", scenario);
	test_src_path(scen, sizeof(scen), rel);
	snprintf(s->kubeconfig, sizeof(s->kubeconfig), "%s/kubeconfig", s->dir);
	snprintf(s->audit, sizeof(s->audit), "%s/audit.jsonl", s->dir);
	char *argv[] = {prog, "--scenario", scen, "--listen", "127.0.0.1:0", "--write-kubeconfig", s->kubeconfig,
			audit ? "--audit-log" : NULL, s->audit, NULL};
	return test_sim_start(s, argv, 10000);
}

char *test_slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	char *buf = NULL;
	size_t n = 0, cap = 0, r;
	char tmp[4096];
	while ((r = fread(tmp, 1, sizeof(tmp), f)) > 0) {
		if (n + r + 1 > cap) {
			cap = (n + r + 1) * 2;
			char *nb = realloc(buf, cap);
			if (!nb) {
				free(buf);
				fclose(f);
				return NULL;
			}
			buf = nb;
		}
		memcpy(buf + n, tmp, r);
		n += r;
	}
	fclose(f);
	if (!buf)
		buf = calloc(1, 1);
	if (!buf)
		return NULL;
	buf[n] = '\0';
	if (len)
		*len = n;
	return buf;
}

int test_listen_loopback(int backlog, int *port)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = 0};
	socklen_t l = sizeof(a);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) != 0 || (backlog >= 0 && listen(fd, backlog) != 0) ||
	    getsockname(fd, (struct sockaddr *)&a, &l) != 0) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	*port = ntohs(a.sin_port);
	return fd;
}

int test_free_port(void)
{
	int port, fd = test_listen_loopback(-1, &port);
	if (fd < 0)
		return -1;
	close(fd);
	return port;
}

/* ---------------------------------------------------------------- stand-in proxy */

static pthread_mutex_t proxy_mu = PTHREAD_MUTEX_INITIALIZER;

static void proxy_answer(struct test_proxy *p, int c)
{
	char req[4096];
	size_t n = 0;
	while (n + 1 < sizeof(req)) {
		struct pollfd pf = {.fd = c, .events = POLLIN};
		if (poll(&pf, 1, 2000) <= 0)
			break;
		ssize_t r = read(c, req + n, sizeof(req) - 1 - n);
		if (r <= 0)
			break;
		n += (size_t)r;
		req[n] = '\0';
		if (strstr(req, "\r\n\r\n"))
			break;
	}
	req[n] = '\0';
	pthread_mutex_lock(&proxy_mu);
	snprintf(p->request_line, sizeof(p->request_line), "%.*s", (int)strcspn(req, "\r\n"), req);
	p->hits++;
	pthread_mutex_unlock(&proxy_mu);
	char head[256];
	int hl = snprintf(head, sizeof(head),
			  "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %zu\r\n"
			  "Connection: close\r\n\r\n",
			  strlen(p->body));
	if (write(c, head, (size_t)hl) < 0 || write(c, p->body, strlen(p->body)) < 0)
		perror("test proxy: write");
	close(c);
}

static void *proxy_loop(void *arg)
{
	struct test_proxy *p = arg;
	for (;;) {
		pthread_mutex_lock(&proxy_mu);
		int stop = p->stop;
		pthread_mutex_unlock(&proxy_mu);
		if (stop)
			return NULL;
		struct pollfd pf = {.fd = p->fd, .events = POLLIN};
		if (poll(&pf, 1, 50) <= 0)
			continue;
		int c = accept(p->fd, NULL, NULL);
		if (c >= 0)
			proxy_answer(p, c);
	}
}

int test_proxy_start(struct test_proxy *p, const char *body)
{
	memset(p, 0, sizeof(*p));
	p->body = body;
	p->fd = test_listen_loopback(8, &p->port);
	if (p->fd < 0) {
		perror("test proxy");
		return -1;
	}
	snprintf(p->url, sizeof(p->url), "http://127.0.0.1:%d", p->port);
	pthread_t t;
	if (pthread_create(&t, NULL, proxy_loop, p) != 0)
		return -1;
	p->thread = (unsigned long)t;
	return 0;
}

int test_proxy_stop(struct test_proxy *p, char *line, size_t n)
{
	if (p->thread) {
		pthread_mutex_lock(&proxy_mu);
		p->stop = 1;
		pthread_mutex_unlock(&proxy_mu);
		pthread_join((pthread_t)p->thread, NULL);
		close(p->fd);
		p->thread = 0;
	}
	snprintf(line, n, "%s", p->request_line);
	return p->hits;
}

void test_dead_url(char *out, size_t n)
{
	snprintf(out, n, "http://127.0.0.1:%d", test_free_port());
}

void test_set_env_proxies(const char *url)
{
	static const char *const names[] = {"http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY",
					    "all_proxy",  "ALL_PROXY"};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (url)
			setenv(names[i], url, 1);
		else
			unsetenv(names[i]);
	}
}

void test_set_dead_proxies(void)
{
	char dead[64];
	test_dead_url(dead, sizeof(dead));
	test_set_env_proxies(dead);
}
