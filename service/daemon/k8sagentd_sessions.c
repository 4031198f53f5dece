/* SPDX-License-Identifier: MIT */
/* k8sagentd investigation sessions: the conversations of POST /investigate, kept between
 * requests so a follow-up question reuses the snapshot, the tool results and the transcript.
 *
 * Each session owns an agent (a k8sa_session borrows its agent for life) and is used by one
 * request at a time (a second one gets 409). The store is bounded three ways: an idle TTL
 * (--session-ttl), a count (--max-sessions) and a memory budget (--session-memory); a new
 * session first evicts expired ones, then the least recently used idle ones, and is refused
 * (429) when only busy sessions are left to evict. A session's memory is estimated after each
 * question from what it holds: the transcript as the model gets it (starting evidence, tool
 * results, answers) counted twice, as the session also keeps the tool results of the current
 * snapshot to answer repeated calls, and a fixed part for its agent and handles, measured
 * (docs/service.md).
 *
 * Session ids are 128 random bits (getrandom), hex; compared in constant time. */
#include "k8sagentd.h"

#include <k8sagent/investigate.h>
#include <nettle/memops.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

struct kd_session {
	char id[KD_SESSION_ID_LEN + 1];
	char ns[64];
	k8sa_agent *agent;
	k8sa_session *s;
	int busy;
	double last_used;  /* kd_now() when the last request on it ended */
	size_t bytes;      /* estimated memory */
	struct kd_session *prev, *next; /* most recently used first */
};

enum { EV_TTL, EV_COUNT, EV_MEMORY, EV_N };
static const char *const ev_names[EV_N] = {"ttl", "count", "memory"};

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static kd_session *head, *tail;
static int count, busy_count;
static size_t total_bytes;
static unsigned long long created, evicted[EV_N], refused;

/* ---- list (mu held) ------------------------------------------------------------------------ */
static void unlink_s(kd_session *ks)
{
	if (ks->prev)
		ks->prev->next = ks->next;
	else
		head = ks->next;
	if (ks->next)
		ks->next->prev = ks->prev;
	else
		tail = ks->prev;
	ks->prev = ks->next = NULL;
}

static void push_front(kd_session *ks)
{
	ks->prev = NULL;
	ks->next = head;
	if (head)
		head->prev = ks;
	head = ks;
	if (!tail)
		tail = ks;
}

/* Take an idle session out of the store; it is freed later, outside the lock. */
static void drop(kd_session *ks, kd_session **freed)
{
	unlink_s(ks);
	count--;
	total_bytes -= ks->bytes;
	ks->next = *freed;
	*freed = ks;
}

static void free_list(kd_session *l)
{
	while (l) {
		kd_session *n = l->next;
		k8sa_session_free(l->s);
		kd_agent_release(l->agent);
		free(l);
		l = n;
	}
}

static int expired(const kd_session *ks, double now)
{
	return !ks->busy && now - ks->last_used > kd_cfg.session_ttl;
}

static void sweep(double now, kd_session **freed)
{
	for (kd_session *ks = tail, *p; ks; ks = p) {
		p = ks->prev;
		if (expired(ks, now)) {
			drop(ks, freed);
			evicted[EV_TTL]++;
		}
	}
}

/* The least recently used idle session, other than `keep`. */
static kd_session *lru_idle(const kd_session *keep)
{
	for (kd_session *ks = tail; ks; ks = ks->prev)
		if (!ks->busy && ks != keep)
			return ks;
	return NULL;
}

/* Evict idle sessions until the store is under its memory budget (keeping `keep`). */
static void fit_memory(const kd_session *keep, kd_session **freed)
{
	while (total_bytes > kd_cfg.session_memory) {
		kd_session *v = lru_idle(keep);
		if (!v)
			break;
		drop(v, freed);
		evicted[EV_MEMORY]++;
	}
}

/* ---- API ------------------------------------------------------------------------------------ */
int kd_session_id_valid(const char *id, size_t len)
{
	if (!id || len != KD_SESSION_ID_LEN)
		return 0;
	for (size_t i = 0; i < len; i++)
		if (!((id[i] >= '0' && id[i] <= '9') || (id[i] >= 'a' && id[i] <= 'f')))
			return 0;
	return 1;
}

int kd_session_reserve(const char *ns, kd_session **out, char *msg, size_t msglen)
{
	*out = NULL;
	unsigned char rnd[KD_SESSION_ID_LEN / 2];
	if (getrandom(rnd, sizeof rnd, 0) != (ssize_t)sizeof rnd) {
		snprintf(msg, msglen, "no randomness for a session id");
		return 500;
	}
	kd_session *ks = calloc(1, sizeof *ks);
	if (!ks) {
		snprintf(msg, msglen, "out of memory");
		return 500;
	}
	for (size_t i = 0; i < sizeof rnd; i++)
		snprintf(ks->id + 2 * i, 3, "%02x", rnd[i]);
	snprintf(ks->ns, sizeof ks->ns, "%s", ns);
	ks->busy = 1;
	ks->bytes = KD_SESSION_BASE_BYTES;
	kd_session *freed = NULL;
	int rc = 0;
	pthread_mutex_lock(&mu);
	double now = kd_now();
	sweep(now, &freed);
	while (count >= kd_cfg.max_sessions) {
		kd_session *v = lru_idle(NULL);
		if (!v)
			break;
		drop(v, &freed);
		evicted[EV_COUNT]++;
	}
	while (total_bytes + ks->bytes > kd_cfg.session_memory) {
		kd_session *v = lru_idle(NULL);
		if (!v)
			break;
		drop(v, &freed);
		evicted[EV_MEMORY]++;
	}
	if (count >= kd_cfg.max_sessions) {
		snprintf(msg, msglen, "too many investigation sessions: all %d are answering a question "
			 "(--max-sessions)", count);
		rc = 429;
	} else if (count > 0 && total_bytes + ks->bytes > kd_cfg.session_memory) {
		snprintf(msg, msglen, "investigation sessions are at their memory budget of %zu bytes "
			 "and all are answering a question (--session-memory)", kd_cfg.session_memory);
		rc = 429;
	} else {
		ks->last_used = now;
		push_front(ks);
		count++;
		busy_count++;
		total_bytes += ks->bytes;
		created++;
	}
	if (rc)
		refused++;
	pthread_mutex_unlock(&mu);
	free_list(freed);
	if (rc) {
		free(ks);
		return rc;
	}
	*out = ks;
	return 0;
}

void kd_session_attach(kd_session *ks, k8sa_agent *agent, k8sa_session *s)
{
	ks->agent = agent;
	ks->s = s;
}

int kd_session_claim(const char *id, kd_session **out, char *msg, size_t msglen)
{
	*out = NULL;
	kd_session *freed = NULL, *found = NULL;
	int rc;
	pthread_mutex_lock(&mu);
	double now = kd_now();
	sweep(now, &freed);
	/* Every entry is compared, in constant time: the id is the capability. */
	for (kd_session *ks = head; ks; ks = ks->next)
		if (memeql_sec(ks->id, id, KD_SESSION_ID_LEN))
			found = ks;
	if (!found || !found->s) {
		snprintf(msg, msglen, "no such investigation session (it may have expired after %d s idle, "
			 "or been evicted): start a new one without \"session\"", kd_cfg.session_ttl);
		rc = 404;
	} else if (found->busy) {
		snprintf(msg, msglen, "session %s is answering another question: one request at a time", found->id);
		rc = 409;
	} else {
		found->busy = 1;
		busy_count++;
		unlink_s(found);
		push_front(found);
		*out = found;
		rc = 0;
	}
	pthread_mutex_unlock(&mu);
	free_list(freed);
	return rc;
}

/* What a session holds now: the transcript (the evidence, the tool results as the model gets
 * them, the answers) and the cache of tool results (at most the transcript again), the last
 * result, and the fixed part. */
static size_t estimate(const kd_session *ks)
{
	size_t n = KD_SESSION_BASE_BYTES;
	char *t = NULL;
	if (ks->s && k8sa_session_transcript_to_json(ks->s, &t, NULL) == K8SA_OK && t)
		n += 2 * strlen(t);
	k8sa_free(t);
	t = NULL;
	if (ks->s && k8sa_session_result_to_json(ks->s, &t, NULL) == K8SA_OK && t)
		n += strlen(t);
	k8sa_free(t);
	return n;
}

void kd_session_put(kd_session *ks, int discard)
{
	if (!ks)
		return;
	size_t bytes = discard ? 0 : estimate(ks); /* the session is still ours: no lock needed */
	kd_session *freed = NULL;
	pthread_mutex_lock(&mu);
	ks->busy = 0;
	busy_count--;
	ks->last_used = kd_now();
	total_bytes = total_bytes - ks->bytes + bytes;
	ks->bytes = bytes;
	if (discard)
		drop(ks, &freed);
	else
		fit_memory(ks, &freed);
	pthread_mutex_unlock(&mu);
	free_list(freed);
}

k8sa_session *kd_session_handle(const kd_session *ks) { return ks->s; }
const char *kd_session_id(const kd_session *ks) { return ks->id; }
const char *kd_session_ns(const kd_session *ks) { return ks->ns; }

size_t kd_session_bytes(const kd_session *ks)
{
	pthread_mutex_lock(&mu);
	size_t n = ks->bytes;
	pthread_mutex_unlock(&mu);
	return n;
}

void kd_sessions_init(void)
{
	long long limit = kd_memory_limit();
	if (kd_cfg.session_memory) {
		kd_log(KD_LOG_INFO, "investigation sessions: at most %d, %zu bytes (--session-memory)",
		       kd_cfg.max_sessions, kd_cfg.session_memory);
		return;
	}
	kd_cfg.session_memory = limit > 0 ? (size_t)(limit / 8) : (size_t)256 << 20;
	if (kd_cfg.session_memory < (size_t)1 << 20)
		kd_cfg.session_memory = (size_t)1 << 20;
	kd_log(KD_LOG_INFO, "investigation sessions: at most %d, %zu MiB (%s)", kd_cfg.max_sessions,
	       kd_cfg.session_memory >> 20, limit > 0 ? "an eighth of the memory limit" : "no container memory limit found");
}

void kd_sessions_sweep(void)
{
	kd_session *freed = NULL;
	pthread_mutex_lock(&mu);
	sweep(kd_now(), &freed);
	pthread_mutex_unlock(&mu);
	free_list(freed);
}

void kd_sessions_cleanup(void)
{
	pthread_mutex_lock(&mu);
	kd_session *all = head;
	head = tail = NULL;
	count = busy_count = 0;
	total_bytes = 0;
	pthread_mutex_unlock(&mu);
	for (kd_session *ks = all; ks; ks = ks->next)
		ks->prev = NULL;
	free_list(all);
}

char *kd_sessions_metrics(void)
{
	kd_sessions_sweep();
	char *out = NULL;
	pthread_mutex_lock(&mu);
	int n = asprintf(&out,
		"# HELP k8sagentd_investigate_sessions Investigation sessions kept, by state.\n"
		"# TYPE k8sagentd_investigate_sessions gauge\n"
		"k8sagentd_investigate_sessions{state=\"idle\"} %d\n"
		"k8sagentd_investigate_sessions{state=\"busy\"} %d\n"
		"# HELP k8sagentd_investigate_session_bytes Estimated memory of the investigation sessions kept.\n"
		"# TYPE k8sagentd_investigate_session_bytes gauge\n"
		"k8sagentd_investigate_session_bytes %zu\n"
		"# HELP k8sagentd_investigate_sessions_created_total Investigation sessions started.\n"
		"# TYPE k8sagentd_investigate_sessions_created_total counter\n"
		"k8sagentd_investigate_sessions_created_total %llu\n"
		"# HELP k8sagentd_investigate_sessions_refused_total New sessions refused because every kept session was busy.\n"
		"# TYPE k8sagentd_investigate_sessions_refused_total counter\n"
		"k8sagentd_investigate_sessions_refused_total %llu\n"
		"# HELP k8sagentd_investigate_sessions_evicted_total Investigation sessions dropped, by reason.\n"
		"# TYPE k8sagentd_investigate_sessions_evicted_total counter\n"
		"k8sagentd_investigate_sessions_evicted_total{reason=\"%s\"} %llu\n"
		"k8sagentd_investigate_sessions_evicted_total{reason=\"%s\"} %llu\n"
		"k8sagentd_investigate_sessions_evicted_total{reason=\"%s\"} %llu\n",
		count - busy_count, busy_count, total_bytes, created, refused,
		ev_names[EV_TTL], evicted[EV_TTL], ev_names[EV_COUNT], evicted[EV_COUNT],
		ev_names[EV_MEMORY], evicted[EV_MEMORY]);
	pthread_mutex_unlock(&mu);
	return n < 0 ? NULL : out;
}
