/* SPDX-License-Identifier: MIT */
/* Exec credential plugins, as client-go runs them: the command from the kubeconfig with its
 * args and env (posix_spawn, no shell), KUBERNETES_EXEC_INFO in its environment, stdin
 * passed on only when interactive, stderr passed on (the plugin may print prompts or
 * warnings there), stdout read as an ExecCredential. Bounded in time and output size. */
#include "internal.h"
#include "kube_exec.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static void free_list(char **l)
{
	for (size_t i = 0; l && l[i]; i++)
		free(l[i]);
	free(l);
}

static char **dup_list(char **l, int *oom)
{
	size_t n = 0;
	if (!l)
		return NULL;
	while (l[n])
		n++;
	char **c = calloc(n + 1, sizeof(*c));
	if (!c) {
		*oom = 1;
		return NULL;
	}
	for (size_t i = 0; i < n; i++)
		if (!(c[i] = strdup(l[i]))) {
			free_list(c);
			*oom = 1;
			return NULL;
		}
	return c;
}

void k8sa_exec_config_free(k8sa_exec_config *c)
{
	if (!c)
		return;
	free(c->api_version);
	free(c->command);
	free(c->dir);
	free_list(c->args);
	free_list(c->env);
	free(c->install_hint);
	free(c->cluster_json);
	free(c->what);
	free(c);
}

static int dup_str(char **dst, const char *src)
{
	return src && !(*dst = strdup(src));
}

k8sa_exec_config *k8sa_exec_config_dup(const k8sa_exec_config *c)
{
	if (!c)
		return NULL;
	k8sa_exec_config *d = calloc(1, sizeof(*d));
	int oom = !d;
	if (oom)
		return NULL;
	d->provide_cluster_info = c->provide_cluster_info;
	d->interactive = c->interactive;
	d->timeout_s = c->timeout_s;
	oom |= dup_str(&d->api_version, c->api_version) | dup_str(&d->command, c->command) |
	       dup_str(&d->dir, c->dir) | dup_str(&d->install_hint, c->install_hint) |
	       dup_str(&d->cluster_json, c->cluster_json) | dup_str(&d->what, c->what);
	d->args = dup_list(c->args, &oom);
	d->env = dup_list(c->env, &oom);
	if (oom) {
		k8sa_exec_config_free(d);
		return NULL;
	}
	return d;
}

void k8sa_exec_cred_clear(k8sa_exec_cred *cred)
{
	if (!cred)
		return;
	/* Credentials: do not leave them in freed memory. */
	char *s[3] = {cred->token, cred->cert_pem, cred->key_pem};
	for (int i = 0; i < 3; i++)
		if (s[i]) {
			memset(s[i], 0, strlen(s[i]));
			free(s[i]);
		}
	memset(cred, 0, sizeof(*cred));
}

/* ---------------------------------------------------------------- ExecCredential */

int k8sa_parse_rfc3339(const char *s, time_t *out)
{
	struct tm tm = {0};
	int n = 0;
	if (!s || sscanf(s, "%4d-%2d-%2d%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &n) != 3 || n != 10)
		return -1;
	s += n;
	if (*s != 'T' && *s != 't' && *s != ' ')
		return -1;
	s++;
	if (sscanf(s, "%2d:%2d:%2d%n", &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &n) != 3 || n != 8)
		return -1;
	s += n;
	if (*s == '.')
		for (s++; isdigit((unsigned char)*s); s++)
			;
	long off = 0;
	if (*s == 'Z' || *s == 'z') {
		s++;
	} else if (*s == '+' || *s == '-') {
		int hh, mm;
		if (sscanf(s + 1, "%2d:%2d%n", &hh, &mm, &n) != 2 || n != 5)
			return -1;
		off = (hh * 3600L + mm * 60L) * (*s == '-' ? -1 : 1);
		s += 1 + n;
	} else {
		return -1;
	}
	if (*s || tm.tm_mon < 1 || tm.tm_mon > 12 || tm.tm_mday < 1 || tm.tm_mday > 31 || tm.tm_hour > 23 ||
	    tm.tm_min > 59 || tm.tm_sec > 60)
		return -1;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	time_t t = timegm(&tm);
	if (t == (time_t)-1)
		return -1;
	*out = t - off;
	return 0;
}

static const char *str_field(json_object *o, const char *key)
{
	json_object *v;
	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

k8sa_status k8sa_exec_parse(const char *json, size_t len, const char *api_version, k8sa_exec_cred *out,
			    k8sa_error *err)
{
	k8sa_exec_cred_clear(out);
	json_tokener *tok = json_tokener_new();
	if (!tok)
		return k8sa_fail(err, K8SA_E_NOMEM, "out of memory");
	json_object *o = len <= 0x7fffffff ? json_tokener_parse_ex(tok, json, (int)len) : NULL;
	int ok = o && json_tokener_get_error(tok) == json_tokener_success;
	json_tokener_free(tok);
	k8sa_status st = K8SA_OK;
	if (!ok || !json_object_is_type(o, json_type_object)) {
		st = k8sa_fail(err, K8SA_E_CONFIG, "the plugin's output is not an ExecCredential JSON object");
		goto out;
	}
	const char *kind = str_field(o, "kind"), *av = str_field(o, "apiVersion");
	if (!kind || strcmp(kind, "ExecCredential")) {
		st = k8sa_fail(err, K8SA_E_CONFIG, "the plugin's output has kind \"%s\", not ExecCredential",
			       kind ? kind : "");
		goto out;
	}
	if (!av || strcmp(av, api_version)) {
		st = k8sa_fail(err, K8SA_E_CONFIG, "the plugin is configured to use API version %s, but returned %s",
			       api_version, av ? av : "none");
		goto out;
	}
	json_object *status;
	if (!json_object_object_get_ex(o, "status", &status) || !json_object_is_type(status, json_type_object)) {
		st = k8sa_fail(err, K8SA_E_CONFIG, "the plugin's ExecCredential has no status");
		goto out;
	}
	const char *token = str_field(status, "token"), *cert = str_field(status, "clientCertificateData"),
		   *key = str_field(status, "clientKeyData"), *exp = str_field(status, "expirationTimestamp");
	if (token && !token[0])
		token = NULL;
	if (cert && !cert[0])
		cert = NULL;
	if (key && !key[0])
		key = NULL;
	if (!!cert != !!key) {
		st = k8sa_fail(err, K8SA_E_CONFIG, "the plugin returned %s without %s",
			       cert ? "clientCertificateData" : "clientKeyData",
			       cert ? "clientKeyData" : "clientCertificateData");
		goto out;
	}
	if (!token && !cert) {
		st = k8sa_fail(err, K8SA_E_CONFIG, "the plugin returned neither a token nor a client certificate and key");
		goto out;
	}
	if (exp && exp[0] && k8sa_parse_rfc3339(exp, &out->expires) != 0) {
		st = k8sa_fail(err, K8SA_E_CONFIG, "the plugin's expirationTimestamp \"%s\" is not an RFC 3339 time", exp);
		goto out;
	}
	if (dup_str(&out->token, token) | dup_str(&out->cert_pem, cert) | dup_str(&out->key_pem, key))
		st = k8sa_fail(err, K8SA_E_NOMEM, "out of memory");
out:
	json_object_put(o);
	if (st != K8SA_OK)
		k8sa_exec_cred_clear(out);
	return st;
}

/* ---------------------------------------------------------------- running the plugin */

/* The executable: a name without '/' is looked up in PATH (as exec.LookPath does); a
 * relative path with a '/' resolves against the kubeconfig's directory, as kubectl does. */
static char *resolve_command(const k8sa_exec_config *c, int *oom)
{
	char *p = NULL;
	struct stat st;
	if (strchr(c->command, '/')) {
		if (c->command[0] == '/' || !c->dir)
			p = strdup(c->command);
		else if (asprintf(&p, "%s/%s", c->dir, c->command) < 0)
			p = NULL;
		if (!p) {
			*oom = 1;
			return NULL;
		}
		if (stat(p, &st) == 0 && S_ISREG(st.st_mode) && access(p, X_OK) == 0)
			return p;
		free(p);
		return NULL;
	}
	const char *path = getenv("PATH");
	if (!path || !path[0])
		path = "/usr/local/bin:/usr/bin:/bin";
	for (const char *s = path;;) {
		const char *e = strchr(s, ':');
		size_t n = e ? (size_t)(e - s) : strlen(s);
		if (asprintf(&p, "%.*s/%s", (int)n, n ? s : ".", c->command) < 0) {
			*oom = 1;
			return NULL;
		}
		if (stat(p, &st) == 0 && S_ISREG(st.st_mode) && access(p, X_OK) == 0)
			return p;
		free(p);
		p = NULL;
		if (!e)
			return NULL;
		s = e + 1;
	}
}

/* KUBERNETES_EXEC_INFO=... */
static char *exec_info(const k8sa_exec_config *c, int interactive)
{
	json_object *o = json_object_new_object(), *spec = json_object_new_object(), *cluster = NULL;
	char *s = NULL;
	if (!o || !spec)
		goto out;
	if (c->provide_cluster_info && c->cluster_json) {
		cluster = json_tokener_parse(c->cluster_json);
		if (!cluster)
			goto out;
	}
	json_object_object_add(o, "kind", json_object_new_string("ExecCredential"));
	json_object_object_add(o, "apiVersion", json_object_new_string(c->api_version));
	json_object_object_add(spec, "interactive", json_object_new_boolean(interactive));
	if (cluster) {
		json_object_object_add(spec, "cluster", cluster);
		cluster = NULL;
	}
	json_object_object_add(o, "spec", spec);
	spec = NULL;
	const char *js = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
	if (js && asprintf(&s, "KUBERNETES_EXEC_INFO=%s", js) < 0)
		s = NULL;
out:
	json_object_put(cluster);
	json_object_put(spec);
	json_object_put(o);
	return s;
}

static int env_name_eq(const char *a, const char *b)
{
	size_t la = strcspn(a, "="), lb = strcspn(b, "=");
	return la == lb && !strncmp(a, b, la);
}

/* The child's environment: ours, then the kubeconfig's env, then KUBERNETES_EXEC_INFO; a
 * later entry replaces an earlier one of the same name. Pointers are borrowed except info. */
static char **build_env(const k8sa_exec_config *c, char *info)
{
	size_t n = 0, m = 0;
	while (environ && environ[n])
		n++;
	while (c->env && c->env[m])
		m++;
	char **envp = calloc(n + m + 2, sizeof(*envp));
	const char **later = calloc(m + 1, sizeof(*later));
	if (!envp || !later) {
		free(envp);
		free(later);
		return NULL;
	}
	size_t k = 0;
	for (size_t i = 0; i < m; i++)
		later[i] = c->env[i];
	later[m] = info;
	for (size_t i = 0; i < n; i++) {
		int replaced = 0;
		for (size_t j = 0; j <= m && !replaced; j++)
			replaced = env_name_eq(environ[i], later[j]);
		if (!replaced)
			envp[k++] = environ[i];
	}
	for (size_t j = 0; j < m; j++) {
		int replaced = 0;
		for (size_t l = j + 1; l <= m && !replaced; l++)
			replaced = env_name_eq(c->env[j], later[l]);
		if (!replaced)
			envp[k++] = c->env[j];
	}
	envp[k++] = info;
	envp[k] = NULL;
	free(later);
	return envp;
}

k8sa_status k8sa_exec_run(const k8sa_exec_config *c, k8sa_exec_cred *out, k8sa_error *err)
{
	if (!c || !c->command || !c->api_version || !out)
		return k8sa_fail(err, K8SA_E_INVALID_ARG, "exec plugin: no configuration");
	const char *what = c->what ? c->what : "exec plugin";
	int tty = isatty(STDIN_FILENO);
	int interactive = c->interactive == K8SA_EXEC_ALWAYS || (c->interactive == K8SA_EXEC_IF_AVAILABLE && tty);
	if (c->interactive == K8SA_EXEC_ALWAYS && !tty)
		return k8sa_fail(err, K8SA_E_CONFIG,
				 "%s: exec plugin \"%s\" has interactiveMode Always, but standard input is not a "
				 "terminal: run it once in a terminal, or use a kubeconfig whose plugin can run "
				 "without one",
				 what, c->command);
	int oom = 0;
	char *path = resolve_command(c, &oom);
	if (!path) {
		if (oom)
			return k8sa_fail(err, K8SA_E_NOMEM, "%s: out of memory", what);
		return k8sa_fail(err, K8SA_E_CONFIG, "%s: exec plugin command \"%s\" not found%s%s%s", what, c->command,
				 strchr(c->command, '/') ? "" : " in PATH",
				 c->install_hint && c->install_hint[0] ? ": " : " (the kubeconfig runs it to get credentials)",
				 c->install_hint ? c->install_hint : "");
	}

	k8sa_status st = K8SA_OK;
	char *info = exec_info(c, interactive);
	char **envp = info ? build_env(c, info) : NULL;
	size_t nargs = 0;
	while (c->args && c->args[nargs])
		nargs++;
	char **argv = calloc(nargs + 2, sizeof(*argv));
	int pfd[2] = {-1, -1};
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	int fa_ok = 0, attr_ok = 0;
	pid_t pid = -1;
	char *buf = NULL;
	size_t len = 0, cap = 0;

	if (!info || !envp || !argv) {
		st = k8sa_fail(err, K8SA_E_NOMEM, "%s: out of memory", what);
		goto out;
	}
	argv[0] = c->command;
	for (size_t i = 0; i < nargs; i++)
		argv[i + 1] = c->args[i];
	if (pipe2(pfd, O_CLOEXEC) != 0 || posix_spawn_file_actions_init(&fa) != 0) {
		st = k8sa_fail(err, K8SA_E_IO, "%s: exec plugin \"%s\": pipe: %s", what, c->command, strerror(errno));
		goto out;
	}
	fa_ok = 1;
	if (!interactive)
		posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, pfd[1], STDOUT_FILENO);
	if (posix_spawnattr_init(&attr) == 0) {
		attr_ok = 1;
		/* Its own process group (so a time-out ends its children too), except when it
		 * talks to the terminal: it must stay in the foreground group to read from it. */
		if (!interactive) {
			posix_spawnattr_setpgroup(&attr, 0);
			posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);
		}
	}
	int e = posix_spawn(&pid, path, &fa, attr_ok ? &attr : NULL, argv, envp);
	close(pfd[1]);
	pfd[1] = -1;
	if (e != 0) {
		pid = -1;
		st = k8sa_fail(err, K8SA_E_CONFIG, "%s: exec plugin \"%s\" (%s) could not be started: %s", what,
			       c->command, path, strerror(e));
		goto out;
	}

	int limit_s = c->timeout_s > 0 ? c->timeout_s : interactive ? K8SA_EXEC_INTERACTIVE_TIMEOUT_S : K8SA_EXEC_TIMEOUT_S;
	double deadline = k8sa_now_ms() + limit_s * 1000.0;
	for (;;) {
		double left = deadline - k8sa_now_ms();
		if (left <= 0) {
			st = k8sa_fail(err, K8SA_E_TIMEOUT, "%s: exec plugin \"%s\" did not finish within %d s", what,
				       c->command, limit_s);
			break;
		}
		struct pollfd p = {.fd = pfd[0], .events = POLLIN};
		int r = poll(&p, 1, (int)(left > 1000 ? 1000 : left + 1));
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			st = k8sa_fail(err, K8SA_E_IO, "%s: exec plugin \"%s\": poll: %s", what, c->command, strerror(errno));
			break;
		}
		if (r == 0)
			continue;
		if (len + 4096 + 1 > cap) {
			size_t ncap = cap ? cap * 2 : 8192;
			char *nb = realloc(buf, ncap);
			if (!nb) {
				st = k8sa_fail(err, K8SA_E_NOMEM, "%s: out of memory", what);
				break;
			}
			buf = nb;
			cap = ncap;
		}
		ssize_t got = read(pfd[0], buf + len, cap - len - 1);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			st = k8sa_fail(err, K8SA_E_IO, "%s: exec plugin \"%s\": read: %s", what, c->command, strerror(errno));
			break;
		}
		if (got == 0)
			break;
		len += (size_t)got;
		if (len > K8SA_EXEC_MAX_OUTPUT) {
			st = k8sa_fail(err, K8SA_E_LIMIT, "%s: exec plugin \"%s\" wrote more than %u bytes", what,
				       c->command, K8SA_EXEC_MAX_OUTPUT);
			break;
		}
	}
	if (st != K8SA_OK)
		kill(interactive ? pid : -pid, SIGKILL);
	int status = 0;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	pid = -1;
	if (st != K8SA_OK)
		goto out;
	if (WIFSIGNALED(status)) {
		st = k8sa_fail(err, K8SA_E_CONFIG, "%s: exec plugin \"%s\" was killed by signal %d", what, c->command,
			       WTERMSIG(status));
		goto out;
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		st = k8sa_fail(err, K8SA_E_CONFIG, "%s: exec plugin \"%s\" failed with exit code %d (its messages are "
			       "on standard error)", what, c->command, WEXITSTATUS(status));
		goto out;
	}
	st = k8sa_exec_parse(buf ? buf : "", len, c->api_version, out, err);
	if (st != K8SA_OK)
		k8sa_error_prefix(err, "%s: exec plugin \"%s\": ", what, c->command);
out:
	if (pid > 0) {
		kill(-pid, SIGKILL);
		waitpid(pid, NULL, 0);
	}
	if (buf) {
		memset(buf, 0, len);
		free(buf);
	}
	if (pfd[0] >= 0)
		close(pfd[0]);
	if (pfd[1] >= 0)
		close(pfd[1]);
	if (fa_ok)
		posix_spawn_file_actions_destroy(&fa);
	if (attr_ok)
		posix_spawnattr_destroy(&attr);
	free(argv);
	free(envp);
	free(info);
	free(path);
	return st;
}
