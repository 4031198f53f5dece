/* SPDX-License-Identifier: MIT */
/* k8sagentd bearer-token auth. The token lives in K8SA_AUTH_TOKEN_FILE and is re-read when the
 * file changes, so a rotated Kubernetes Secret takes effect without a restart: the kubelet
 * rotates a Secret volume by swapping the mount's ..data symlink, so the path (not an open
 * descriptor) is stat'ed, at most once a second, and a new inode, size or mtime means a new
 * token. A file that turns unreadable or empty keeps the last good token (one warning, not one
 * per request). Only the token's SHA-256 is kept: requests are compared digest to digest, which
 * takes the same time whatever the token's length or the number of matching leading bytes.
 * SHA-256 is nettle's (already in the process through libmicrohttpd's GnuTLS): OpenSSL's would
 * initialise its provider machinery, a couple of MB, just to hash a header. */
#include "k8sagentd.h"

#include <errno.h>
#include <nettle/memops.h>
#include <nettle/sha2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#define TOKEN_MAX 4096 /* longer files are cut here (a bearer token is a few hundred bytes) */

typedef struct file_id {
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtime, ctime;
} file_id;

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static char *path;                          /* NULL: auth off */
static uint8_t digest[SHA256_DIGEST_SIZE]; /* of the token in use */
static file_id loaded;                      /* the file that token came from */
static double checked;                      /* kd_now() of the last stat */
static int warned;                          /* a warning since the last good read */

static void sha256(const char *s, size_t n, uint8_t out[SHA256_DIGEST_SIZE])
{
	struct sha256_ctx c;
	sha256_init(&c);
	sha256_update(&c, n, (const uint8_t *)s);
	sha256_digest(&c, SHA256_DIGEST_SIZE, out);
}

static void id_of(const struct stat *st, file_id *id)
{
	memset(id, 0, sizeof *id);
	id->dev = st->st_dev;
	id->ino = st->st_ino;
	id->size = st->st_size;
	id->mtime = st->st_mtim;
	id->ctime = st->st_ctim;
}

static int same_id(const file_id *a, const file_id *b)
{
	return a->dev == b->dev && a->ino == b->ino && a->size == b->size &&
	       a->mtime.tv_sec == b->mtime.tv_sec && a->mtime.tv_nsec == b->mtime.tv_nsec &&
	       a->ctime.tv_sec == b->ctime.tv_sec && a->ctime.tv_nsec == b->ctime.tv_nsec;
}

/* Read the token file: surrounding blanks and line ends are not part of the token.
 * 0 with the digest and the file's identity, else -1 with `why` set. */
static int read_token(const char *file, uint8_t out[SHA256_DIGEST_SIZE], file_id *id, char *why,
		      size_t whylen)
{
	FILE *f = fopen(file, "r");
	if (!f) {
		snprintf(why, whylen, "%s", strerror(errno));
		return -1;
	}
	struct stat st;
	if (fstat(fileno(f), &st) != 0) {
		snprintf(why, whylen, "%s", strerror(errno));
		fclose(f);
		return -1;
	}
	char buf[TOKEN_MAX + 1];
	size_t n = fread(buf, 1, TOKEN_MAX, f);
	int bad = ferror(f);
	fclose(f);
	if (bad) {
		snprintf(why, whylen, "read error");
		return -1;
	}
	buf[n] = 0;
	while (n && (buf[n - 1] == '\n' || buf[n - 1] == '\r' || buf[n - 1] == ' ' || buf[n - 1] == '\t'))
		buf[--n] = 0;
	char *p = buf;
	while (*p == ' ' || *p == '\t')
		p++;
	if (!*p) {
		snprintf(why, whylen, "empty");
		return -1;
	}
	sha256(p, strlen(p), out);
	explicit_bzero(buf, sizeof buf);
	id_of(&st, id);
	return 0;
}

int kd_auth_init(const char *file)
{
	char why[256];
	uint8_t d[SHA256_DIGEST_SIZE];
	file_id id;
	if (read_token(file, d, &id, why, sizeof why) != 0) {
		fprintf(stderr, "k8sagentd: K8SA_AUTH_TOKEN_FILE %s: %s\n", file, why);
		return -1;
	}
	char *copy = strdup(file);
	if (!copy)
		return -1;
	pthread_mutex_lock(&mu);
	free(path);
	path = copy;
	memcpy(digest, d, sizeof digest);
	loaded = id;
	checked = kd_now();
	warned = 0;
	pthread_mutex_unlock(&mu);
	return 0;
}

int kd_auth_enabled(void)
{
	pthread_mutex_lock(&mu);
	int on = path != NULL;
	pthread_mutex_unlock(&mu);
	return on;
}

void kd_auth_cleanup(void)
{
	pthread_mutex_lock(&mu);
	free(path);
	path = NULL;
	explicit_bzero(digest, sizeof digest);
	pthread_mutex_unlock(&mu);
}

/* With mu held: pick up a changed token file. The stat follows the symlinks, so a swapped
 * Secret mount shows as a new inode. */
static void refresh_locked(void)
{
	struct stat st;
	file_id id;
	char why[256];
	if (stat(path, &st) != 0) {
		snprintf(why, sizeof why, "%s", strerror(errno));
	} else {
		id_of(&st, &id);
		if (same_id(&id, &loaded))
			return;
		uint8_t d[SHA256_DIGEST_SIZE];
		if (read_token(path, d, &id, why, sizeof why) == 0) {
			/* A file rewritten in place with the same token is not news. */
			int changed = memcmp(d, digest, sizeof d) != 0;
			memcpy(digest, d, sizeof digest);
			loaded = id;
			warned = 0;
			if (changed)
				kd_log(KD_LOG_INFO, "K8SA_AUTH_TOKEN_FILE changed: the new token is in use");
			return;
		}
	}
	/* Not updating `loaded`: the next check reads again (a writer may be half way). */
	if (!warned)
		kd_log(KD_LOG_WARN, "K8SA_AUTH_TOKEN_FILE %s: %s; keeping the previous token", path, why);
	warned = 1;
}

int kd_auth_ok(const char *authorization)
{
	uint8_t want[SHA256_DIGEST_SIZE], got[SHA256_DIGEST_SIZE];
	pthread_mutex_lock(&mu);
	if (!path) {
		pthread_mutex_unlock(&mu);
		return 1;
	}
	double now = kd_now();
	if (now - checked >= 1.0 || now < checked) {
		checked = now;
		refresh_locked();
	}
	memcpy(want, digest, sizeof want);
	pthread_mutex_unlock(&mu);

	if (!authorization || strncasecmp(authorization, "Bearer ", 7) != 0)
		return 0;
	const char *given = authorization + 7;
	while (*given == ' ')
		given++;
	sha256(given, strlen(given), got);
	return memeql_sec(got, want, sizeof got) != 0;
}
