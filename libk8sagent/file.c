/* SPDX-License-Identifier: MIT */
/* The library's one file reader (kubeconfig, token and service-account files, prompt files,
 * snapshot directories). */
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static k8sa_status read_fail(k8sa_error *err, const char *path, int e)
{
	k8sa_status code = e == ENOENT ? K8SA_E_NOT_FOUND : e == ENOMEM ? K8SA_E_NOMEM : K8SA_E_IO;
	return k8sa_fail(err, code, "%s: %s", path, strerror(e));
}

k8sa_status k8sa_read_file(const char *path, size_t max, char **out, size_t *out_len, k8sa_error *err)
{
	*out = NULL;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return read_fail(err, path, errno);
	struct stat st;
	int e = fstat(fd, &st) != 0 ? errno : S_ISDIR(st.st_mode) ? EISDIR : 0;
	size_t cap = 4096, len = 0;
	char *buf = e ? NULL : malloc(cap);
	if (!e && !buf)
		e = ENOMEM;
	while (!e) {
		if (len + 1 >= cap) {
			if (cap > max + 1) {
				e = EFBIG;
				break;
			}
			char *nb = realloc(buf, cap * 2);
			if (!nb) {
				e = ENOMEM;
				break;
			}
			buf = nb;
			cap *= 2;
		}
		ssize_t r = read(fd, buf + len, cap - len - 1);
		if (r < 0 && errno != EINTR)
			e = errno;
		else if (r == 0)
			break;
		else if (r > 0)
			len += (size_t)r;
	}
	close(fd);
	if (!e && len > max)
		e = EFBIG;
	if (e) {
		free(buf);
		if (e == EFBIG)
			return k8sa_fail(err, K8SA_E_LIMIT, "%s: larger than %zu bytes", path, max);
		return read_fail(err, path, e);
	}
	buf[len] = '\0';
	*out = buf;
	if (out_len)
		*out_len = len;
	return K8SA_OK;
}
