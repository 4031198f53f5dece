/* SPDX-License-Identifier: MIT */
/* k8sagentd logging: one JSON object per line on stderr (what log collectors expect from a
 * container). The access log never carries the question text above debug level: questions may
 * name customers or paste secrets. */
#include "k8sagentd.h"
#include "k8sagentd_request.h"

#include <json-c/json.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

static const char *const level_names[] = {"error", "warn", "info", "debug"};

int kd_log_level_parse(const char *s)
{
	for (int i = 0; i < 4; i++)
		if (strcasecmp(s, level_names[i]) == 0)
			return i;
	if (strcasecmp(s, "warning") == 0)
		return KD_LOG_WARN;
	return -1;
}

static void timestamp(char *buf, size_t len)
{
	struct timespec ts;
	struct tm tm;
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	size_t n = strftime(buf, len, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf + n, len - n, ".%03ldZ", ts.tv_nsec / 1000000);
}

char *kd_json_quote(const char *s)
{
	json_object *o = json_object_new_string(s ? s : "");
	char *out = strdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
							    JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
	return out;
}

/* Write a whole line with one fwrite so concurrent threads never interleave. */
static void emit(const char *line, size_t len)
{
	fwrite(line, 1, len, stderr);
	fflush(stderr);
}

void kd_log(int level, const char *fmt, ...)
{
	if (level > kd_cfg.log_level)
		return;
	char msg[1024], ts[40];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	timestamp(ts, sizeof ts);
	/* URLs in messages (--llm-url, the library's errors) never show a password. */
	char *masked = kd_mask_userinfo(msg, strlen(msg), NULL);
	char *q = kd_json_quote(masked ? masked : msg);
	free(masked);
	char line[1400];
	int n = snprintf(line, sizeof line, "{\"ts\":\"%s\",\"level\":\"%s\",\"msg\":%s}\n", ts,
			 level_names[level], q ? q : "\"\"");
	free(q);
	if (n > 0)
		emit(line, (size_t)n < sizeof line ? (size_t)n : sizeof line - 1);
}

void kd_access_log(const char *method, const char *path, int status, double ms, uint64_t bytes,
		   const char *remote, const char *question)
{
	if (kd_cfg.log_level < KD_LOG_INFO)
		return;
	char ts[40];
	timestamp(ts, sizeof ts);
	char *m = kd_json_quote(method), *p = kd_json_quote(path), *r = kd_json_quote(remote);
	char *q = (kd_cfg.log_level >= KD_LOG_DEBUG && question) ? kd_json_quote(question) : NULL;
	size_t cap = 256 + (m ? strlen(m) : 0) + (p ? strlen(p) : 0) + (r ? strlen(r) : 0) +
		     (q ? strlen(q) : 0);
	char *line = malloc(cap);
	if (line) {
		int n = snprintf(line, cap,
				 "{\"ts\":\"%s\",\"level\":\"info\",\"msg\":\"access\",\"method\":%s,"
				 "\"path\":%s,\"status\":%d,\"ms\":%.3f,\"bytes\":%llu,\"remote\":%s%s%s}\n",
				 ts, m ? m : "\"\"", p ? p : "\"\"", status, ms,
				 (unsigned long long)bytes, r ? r : "\"\"", q ? ",\"question\":" : "",
				 q ? q : "");
		if (n > 0 && (size_t)n < cap)
			emit(line, (size_t)n);
		free(line);
	}
	free(m);
	free(p);
	free(r);
	free(q);
}
