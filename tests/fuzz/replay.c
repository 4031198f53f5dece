/* SPDX-License-Identifier: MIT */
/* Standalone driver for a fuzz harness (no libFuzzer): runs LLVMFuzzerTestOneInput() over
 * every file of the given files/directories, or, with no arguments, over
 * $top_srcdir/tests/fuzz/corpus/<name> and $top_srcdir/tests/regress/<name> (<name> is
 * FUZZ_NAME, set by the build). Built by the normal build and run by `make check`, so the
 * harnesses and their corpora never rot and every crash once found is replayed forever.
 * Exit 0 when every input ran (a crash aborts the program), 1 when no input was found. */
#define _POSIX_C_SOURCE 200809L
#include "fuzz.h"

#include <dirent.h>
#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#ifndef FUZZ_NAME
#error "FUZZ_NAME must name the harness"
#endif

static unsigned long inputs;

static int run_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		return -1;
	}
	size_t cap = 4096, n = 0;
	uint8_t *buf = malloc(cap);
	size_t got;
	while (buf && (got = fread(buf + n, 1, cap - n, f)) > 0) {
		n += got;
		if (n == cap) {
			uint8_t *nb = realloc(buf, cap * 2);
			if (!nb) {
				free(buf);
				buf = NULL;
				break;
			}
			buf = nb;
			cap *= 2;
		}
	}
	fclose(f);
	if (!buf) {
		fprintf(stderr, "replay: %s: out of memory\n", path);
		return -1;
	}
	/* An exact-size copy, so ASan sees a read past the input's end as it would in libFuzzer. */
	uint8_t *exact = malloc(n ? n : 1);
	if (!exact) {
		free(buf);
		return -1;
	}
	memcpy(exact, buf, n);
	free(buf);
	if (getenv("FUZZ_VERBOSE"))
		fprintf(stderr, "replay: %s (%zu bytes)\n", path, n);
	LLVMFuzzerTestOneInput(exact, n);
	free(exact);
	inputs++;
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int run_path(const char *path, int must_exist)
{
	struct stat st;
	if (stat(path, &st) != 0) {
		if (must_exist)
			fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		return must_exist ? -1 : 0;
	}
	if (!S_ISDIR(st.st_mode))
		return run_file(path);
	DIR *d = opendir(path);
	if (!d)
		return -1;
	char **names = NULL;
	size_t nn = 0, cap = 0;
	struct dirent *de;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.' || !strcmp(de->d_name, "README.md"))
			continue;
		if (nn == cap) {
			cap = cap ? cap * 2 : 64;
			char **nv = realloc(names, cap * sizeof(*names));
			if (!nv)
				break;
			names = nv;
		}
		names[nn++] = strdup(de->d_name);
	}
	closedir(d);
	if (nn)
		qsort(names, nn, sizeof(*names), cmp_str); /* same order every run */
	int rc = 0;
	for (size_t i = 0; i < nn; i++) {
		if (!names[i])
			continue;
		size_t len = strlen(path) + strlen(names[i]) + 2;
		char *full = malloc(len);
		if (full) {
			snprintf(full, len, "%s/%s", path, names[i]);
			if (run_path(full, 1) != 0)
				rc = -1;
			free(full);
		}
		free(names[i]);
	}
	free(names);
	return rc;
}

int main(int argc, char **argv)
{
	int rc = 0;
	if (argc > 1) {
		for (int i = 1; i < argc; i++)
			if (run_path(argv[i], 1) != 0)
				rc = 1;
	} else {
		const char *src = getenv("top_srcdir");
		char path[4096];
		snprintf(path, sizeof(path), "%s/tests/fuzz/corpus/%s", src ? src : ".", FUZZ_NAME);
		if (run_path(path, 1) != 0)
			rc = 1;
		snprintf(path, sizeof(path), "%s/tests/regress/%s", src ? src : ".", FUZZ_NAME);
		if (run_path(path, 0) != 0)
			rc = 1;
	}
	printf("replay %s: %lu inputs, no crash\n", FUZZ_NAME, inputs);
	return rc || inputs == 0 ? 1 : 0;
}
