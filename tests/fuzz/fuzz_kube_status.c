/* SPDX-License-Identifier: MIT */
/* Fuzz: the mapping of a non-2xx API response (status code, status line, Retry-After, body:
 * a Kubernetes Status or anything else) to an error, and the name check guarding URL paths.
 * Input: 2 bytes of HTTP status, then three lines (status line, Retry-After value, a
 * namespace to check), then the body. */
#include "internal.h"
#include "kube_internal.h"
#include "fuzz.h"

#include <string.h>

static const char *take_line(const char **p, const char *end, char *buf, size_t size)
{
	size_t n = 0;
	while (*p < end && **p != '\n') {
		if (n + 1 < size)
			buf[n++] = **p;
		(*p)++;
	}
	if (*p < end)
		(*p)++;
	buf[n] = '\0';
	return buf;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 2)
		return 0;
	int http = 100 + (data[0] << 8 | data[1]) % 500;
	const char *p = (const char *)data + 2, *end = (const char *)data + size;
	char line[512], retry[64], name[512];
	take_line(&p, end, line, sizeof(line));
	take_line(&p, end, retry, sizeof(retry));
	take_line(&p, end, name, sizeof(name));

	k8sa_error e;
	memset(&e, 0, sizeof(e));
	k8sa_status st = k8sa_kube_map_error(http, p, (size_t)(end - p), line, retry, "list pods in namespace shop", &e);
	FUZZ_ASSERT(st != K8SA_OK);
	FUZZ_ASSERT(e.code == st && e.http_status == http);
	FUZZ_ASSERT(e.message[0] != '\0' && memchr(e.message, '\0', sizeof(e.message)) != NULL);
	FUZZ_ASSERT(e.retry_after >= 0);
	/* without a "what" and without an error struct */
	k8sa_kube_map_error(http, p, (size_t)(end - p), NULL, NULL, NULL, NULL);

	if (k8sa_kube_check_name("namespace", name, &e) == K8SA_OK) {
		/* anything accepted must be safe in a URL path segment */
		FUZZ_ASSERT(strchr(name, '/') == NULL && strchr(name, '?') == NULL && strchr(name, '%') == NULL);
		FUZZ_ASSERT(strstr(name, "..") == NULL && name[0] != '\0');
	}
	return 0;
}
