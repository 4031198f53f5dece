/* SPDX-License-Identifier: MIT */
/* k8sagentd answer cache: the same diagnosis (same model, same prompt, same cluster evidence)
 * asked again within a short TTL is answered from memory instead of occupying the model for
 * minutes. The key covers the namespace and question, and the exact request sent to the model
 * (messages and options), so any change in the cluster (a new event, a restart count), the
 * prompt or the options makes a new key. Small and linear: a few dozen entries, within a byte
 * budget (--cache-bytes), least recently used evicted first. */
#include "k8sagentd.h"

#include <nettle/sha2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct entry {
	char key[65];
	char *json;
	size_t bytes;             /* what the entry costs: the JSON and its bookkeeping */
	double expires;
	double used;
} entry;

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static entry *entries;
static int n_entries;
static size_t total_bytes;

void kd_cache_init(void)
{
	n_entries = kd_cfg.cache_ttl > 0 ? kd_cfg.cache_entries : 0;
	if (n_entries > 0)
		entries = calloc((size_t)n_entries, sizeof *entries);
	if (!entries)
		n_entries = 0;
}

size_t kd_cache_bytes(void)
{
	pthread_mutex_lock(&mu);
	size_t n = total_bytes;
	pthread_mutex_unlock(&mu);
	return n;
}

/* nettle's SHA-256, like the auth token's (see k8sagentd_auth.c for why not OpenSSL's).
 * Everything that changes the answer is in the key: the namespace and the question as asked
 * (two namespaces with no findings get the very same prompt text), the exact request body
 * (model, messages, num_ctx, temperature, seed, max tokens), the backend, the server and the
 * options as given. */
void kd_cache_key(const char *ns, const char *question, const char *request_json, char key[65])
{
	uint8_t md[SHA256_DIGEST_SIZE];
	struct sha256_ctx ctx;
	char opts[96];
	snprintf(opts, sizeof opts, "v2 max_answer=%zu", kd_cfg.max_answer);
	sha256_init(&ctx);
	/* Length-prefixed fields, then every shared option as given (--context, --context-tokens,
	 * --prompt-dir, --timeout...). */
	const char *parts[] = {opts, kd_cfg.backend, kd_cfg.llm_url, kd_cfg.model ? kd_cfg.model : "",
			       ns ? ns : "", question ? question : "", request_json ? request_json : ""};
	size_t n_parts = sizeof parts / sizeof *parts;
	for (size_t i = 0; i < n_parts + SVC_OPT_COUNT; i++) {
		const char *v = i < n_parts ? parts[i] : kd_cfg.opts.value[i - n_parts];
		char len[24];
		int n = v ? snprintf(len, sizeof len, "%zu:", strlen(v)) : snprintf(len, sizeof len, "-:");
		sha256_update(&ctx, (size_t)n, (const uint8_t *)len);
		if (v)
			sha256_update(&ctx, strlen(v), (const uint8_t *)v);
	}
	sha256_digest(&ctx, sizeof md, md);
	for (unsigned int i = 0; i < sizeof md; i++)
		snprintf(key + 2 * i, 3, "%02x", md[i]);
	key[64] = 0;
}

static void drop(entry *e)
{
	free(e->json);
	e->json = NULL;
	total_bytes -= e->bytes;
	e->bytes = 0;
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
				drop(e);
			}
			break;
		}
	}
	pthread_mutex_unlock(&mu);
	if (n_entries > 0)
		kd_metrics_cache(out != NULL);
	return out;
}

/* The least recently used live entry other than `keep`, or -1. Expired ones go first. */
static int lru(double now, int keep)
{
	int v = -1;
	for (int i = 0; i < n_entries; i++) {
		entry *e = &entries[i];
		if (!e->json || i == keep)
			continue;
		if (e->expires <= now)
			return i;
		if (v < 0 || e->used < entries[v].used)
			v = i;
	}
	return v;
}

void kd_cache_put(const char key[65], const char *answer_json)
{
	if (n_entries <= 0)
		return;
	size_t bytes = strlen(answer_json) + 1 + sizeof(entry);
	double now = kd_now();
	pthread_mutex_lock(&mu);
	int slot = -1;
	for (int i = 0; i < n_entries; i++)
		if (entries[i].json && strcmp(entries[i].key, key) == 0) {
			slot = i;
			drop(&entries[i]);
			break;
		}
	if (bytes > kd_cfg.cache_bytes) { /* larger than the whole budget: not kept */
		pthread_mutex_unlock(&mu);
		return;
	}
	if (slot < 0)
		for (int i = 0; i < n_entries && slot < 0; i++)
			if (!entries[i].json)
				slot = i;
	if (slot < 0)
		slot = lru(now, -1);
	if (entries[slot].json)
		drop(&entries[slot]);
	/* Then the byte budget: least recently used first. */
	while (total_bytes + bytes > kd_cfg.cache_bytes) {
		int v = lru(now, slot);
		if (v < 0)
			break;
		drop(&entries[v]);
	}
	char *copy = strdup(answer_json);
	if (copy) {
		entry *e = &entries[slot];
		memcpy(e->key, key, 65);
		e->json = copy;
		e->bytes = bytes;
		e->expires = now + kd_cfg.cache_ttl;
		e->used = now;
		total_bytes += bytes;
	}
	pthread_mutex_unlock(&mu);
}
