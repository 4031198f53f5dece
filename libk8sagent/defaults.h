/* SPDX-License-Identifier: MIT */
/* The library's defaults and bounds, named once. Private; never installed. Public defaults
 * a caller may need (K8SA_LLM_DEFAULT_URL, K8SA_PROMPT_DEFAULT_CONTEXT...) stay in the public
 * headers. */
#ifndef K8SA_DEFAULTS_H
#define K8SA_DEFAULTS_H

/* ---- both clients */
#define K8SA_POLL_MAX_MS 1000           /* longest single wait of a transfer loop */

/* ---- Kubernetes client (kube.c) */
#define K8SA_KUBE_CONNECT_MS 5000       /* connect timeout */
#define K8SA_KUBE_REQUEST_MS 30000      /* whole-request timeout */
#define K8SA_KUBE_PAGE_SIZE 500         /* list ?limit= */
#define K8SA_KUBE_MAX_PARALLEL 8        /* requests (and connections) at once */
#define K8SA_KUBE_TOKEN_REFRESH_S 60    /* token file re-read period, as client-go */
#define K8SA_KUBE_CONN_IDLE_S 3600    /* an idle API connection is kept this long (curl: 118 s) */
#define K8SA_KUBE_RETRIES 2             /* after 429 and 503 (see kube_internal.h) */
#define K8SA_KUBE_MAX_RETRY_AFTER 5     /* seconds: a longer Retry-After is cut to this */
#define K8SA_KUBE_MAX_PAGE_BYTES (256u * 1024 * 1024) /* a list page's body */
#define K8SA_KUBE_MAX_LOG_BYTES (16u * 1024 * 1024)   /* a log body */
#define K8SA_KUBE_TOKEN_MAX_BYTES (64u * 1024) /* a bearer token file */

/* ---- kubeconfig and service-account files (kubeconfig.c) */
#define K8SA_KUBECONFIG_MAX_BYTES (4u * 1024 * 1024)
#define K8SA_SA_NAMESPACE_MAX_BYTES 4096u

/* ---- LLM client (llm*.c) */
#define K8SA_LLM_CONNECT_MS 5000        /* connect timeout */
#define K8SA_LLM_FIRST_TOKEN_MS 300000  /* first token (a cold model loads first) */
#define K8SA_LLM_TOTAL_MS 900000        /* whole answer */
#define K8SA_LLM_RETRIES 2              /* connection refused and 503, before the first token */
#define K8SA_LLM_BACKOFF_MS 500         /* first retry's wait, doubled per retry */
#define K8SA_LLM_POOL_IDLE 8            /* idle connections kept per client */
#define K8SA_LLM_DRAIN_MS 100           /* wait for the response's end after the last message */
#define K8SA_LLM_GET_MAX_MS 60000       /* model list and check: at most this long */
#define K8SA_LLM_MAX_BODY (16u * 1024u * 1024u)  /* model list body; one stream line or event */
#define K8SA_LLM_MAX_ERROR_BODY (64u * 1024u)    /* error body kept for the message */

/* ---- prompt (prompt.c) */
#define K8SA_PROMPT_MAX_FILE (64 * 1024) /* a system prompt file from the prompt directory */

/* ---- agent (agent.c) */
/* The setters' limits and the defaults of a new agent are public: K8SA_MIN_CONTEXT_TOKENS,
 * K8SA_DEFAULT_TIMEOUT_SECONDS... in agent.h. */
#define K8SA_AGENT_CONNECT_MAX_MS 10000 /* the model server's connect timeout, at most */

/* ---- snapshot (snapshot.c) */
#define K8SA_SNAP_MAX_PODS 20000
#define K8SA_SNAP_MAX_EVENTS 2000
#define K8SA_SNAP_LOG_LINES 50          /* tail per container */
#define K8SA_SNAP_LOG_BYTES 8192        /* per log */
#define K8SA_SNAP_TOTAL_LOG_BYTES (256 * 1024)
#define K8SA_SNAP_LOGS_PER_OWNER 2
#define K8SA_SNAP_LOG_BYTES_UNSET 65536 /* per log when log_bytes is not positive */
#define K8SA_SNAP_MAX_LOG_FILE (1u << 30) /* a log file of a scenario directory */

#endif
