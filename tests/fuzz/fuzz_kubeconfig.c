/* SPDX-License-Identifier: MIT */
/* Fuzz: kubeconfig YAML through the real loader (k8sa_kubeconfig_load_file on a temp file:
 * the library has no parse-from-buffer entry point). Input: the file's bytes. The temp dir
 * also holds "token" and "ca.crt" files, so relative tokenFile/certificate paths resolve. */
#include "internal.h"
#include <k8sagent/kubeconfig.h>
#include "fuzz.h"

#include <string.h>
#include <unistd.h>

static char dir[64], path[128];

static void setup(void)
{
	if (dir[0])
		return;
	strcpy(dir, "/tmp/k8sa-fuzz-kc.XXXXXX");
	if (!mkdtemp(dir))
		abort();
	snprintf(path, sizeof(path), "%s/config", dir);
	char aux[128];
	snprintf(aux, sizeof(aux), "%s/token", dir);
	FILE *f = fopen(aux, "w");
	if (f) {
		fputs("tok-123\n", f);
		fclose(f);
	}
	snprintf(aux, sizeof(aux), "%s/ca.crt", dir);
	if ((f = fopen(aux, "w"))) {
		fputs("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n", f);
		fclose(f);
	}
}

static void cleanup(void)
{
	char aux[128];
	const char *names[] = {"config", "token", "ca.crt"};
	for (size_t i = 0; i < 3; i++) {
		snprintf(aux, sizeof(aux), "%s/%s", dir, names[i]);
		unlink(aux);
	}
	rmdir(dir);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!dir[0]) {
		setup();
		atexit(cleanup);
	}
	FILE *f = fopen(path, "wb");
	if (!f)
		abort();
	if (size && fwrite(data, 1, size, f) != size)
		abort();
	fclose(f);

	/* the file's current context, then a named one (the first line's text, if short) */
	for (int pass = 0; pass < 2; pass++) {
		char ctx[64] = "";
		if (pass == 1) {
			size_t n = 0;
			while (n < size && n + 1 < sizeof(ctx) && data[n] != '\n' && data[n] != '\0')
				n++;
			memcpy(ctx, data, n);
			ctx[n] = '\0';
		}
		k8sa_kubeconfig *cfg = NULL;
		k8sa_error e;
		memset(&e, 0, sizeof(e));
		k8sa_status st = k8sa_kubeconfig_load_file(&cfg, path, pass ? ctx : NULL, &e);
		if (st == K8SA_OK) {
			FUZZ_ASSERT(cfg != NULL);
			FUZZ_ASSERT(k8sa_kubeconfig_namespace(cfg) != NULL);
			(void)k8sa_kubeconfig_server(cfg);
			(void)k8sa_kubeconfig_context(cfg);
			(void)k8sa_kubeconfig_source(cfg);
		} else {
			FUZZ_ASSERT(cfg == NULL);
			FUZZ_ASSERT(e.code == st && e.message[0] != '\0');
		}
		k8sa_kubeconfig_free(cfg);
	}
	return 0;
}
