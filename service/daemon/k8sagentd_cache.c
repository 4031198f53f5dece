/* SPDX-License-Identifier: MIT */
/* k8sagentd answer cache: the same diagnosis (same model, same prompt, same cluster evidence)
 * asked again within a short TTL is answered from memory instead of occupying the model for
 * minutes. The key covers the exact messages sent, so any change in the cluster (a new event,
 * a restart count) or in the prompt makes a new key. Small and linear: a few dozen entries. */
#include "k8sagentd.h"

#include <nettle/sha2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct entry {
	char key[65];
	char *json;
	double expires;
	double used;
} entry;

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static entry *entries;
static int n_entries;

void kd_cache_init(void)
{
	n_entries = kd_cfg.cache_ttl > 0 ? kd_cfg.cache_entries : 0;
	if (n_entries > 0)
		entries = calloc((size_t)n_entries, sizeof *entries);
	if (!entries)
		n_entries = 0;
}

/* nettle's SHA-256, like the auth token's (see k8sagentd_auth.c for why not OpenSSL's). */
void kd_cache_key(const char *messages_json, char key[65])
{
	uint8_t md[SHA256_DIGEST_SIZE];
	struct sha256_ctx ctx;
	const char *parts[] = {kd_cfg.backend, kd_cfg.llm_url, kd_cfg.model ? kd_cfg.model : "",
			       messages_json ? messages_json : ""};
	sha256_init(&ctx);
	for (size_t i = 0; i < sizeof parts / sizeof *parts; i++) /* NUL separates the fields */
		sha256_update(&ctx, strlen(parts[i]) + 1, (const uint8_t *)parts[i]);
	sha256_digest(&ctx, sizeof md, md);
	for (unsigned int i = 0; i < sizeof md; i++)
		snprintf(key + 2 * i, 3, "%02x", md[i]);
	key[64] = 0;
}

char *kd_cache_get(const char key[65])
{
	char *out = NULL;
	double now = kd_now();
	pthread_mutex_lock(&mu);
	for (int i = 0; i < n_entries; i++) {
		entry *e = &entries[i];
		if (e->json && strcmp(e->key, key) == 0) {
			if (e->expires > now) {
				e->used = now;
				out = strdup(e->json);
			} else {
				free(e->json);
				e->json = NULL;
			}
			break;
		}
	}
	pthread_mutex_unlock(&mu);
	if (n_entries > 0)
		kd_metrics_cache(out != NULL);
	return out;
}

void kd_cache_put(const char key[65], const char *answer_json)
{
	if (n_entries <= 0)
		return;
	char *copy = strdup(answer_json);
	if (!copy)
		return;
	double now = kd_now();
	pthread_mutex_lock(&mu);
	int victim = 0;
	for (int i = 0; i < n_entries; i++) {
		entry *e = &entries[i];
		if (e->json && strcmp(e->key, key) == 0) {
			victim = i;
			break;
		}
		if (!e->json || e->expires <= now) {
			victim = i;
			if (!e->json)
				break;
		} else if (entries[victim].json && entries[victim].expires > now &&
			   e->used < entries[victim].used) {
			victim = i; /* least recently used among live entries */
		}
	}
	entry *e = &entries[victim];
	free(e->json);
	memcpy(e->key, key, 65);
	e->json = copy;
	e->expires = now + kd_cfg.cache_ttl;
	e->used = now;
	pthread_mutex_unlock(&mu);
}
