/* kubesim — a simulated Kubernetes API server for tests (private header).
 *
 * Parts: tlsgen.c (throw-away CA and server certificate), store.c (the scenario loaded
 * into memory, pre-serialized per item, with list/selector/pagination logic), faults.c
 * (the --fault grammar) and kubesim.c (HTTP front-end on libmicrohttpd).
 * Nothing here is shared with the library: kubesim is a test double. */
#ifndef KUBESIM_H
#define KUBESIM_H

#include <stddef.h>
#include <json-c/json.h>

/* ---- growable byte buffer (data is NUL-terminated; free with free()) ---- */
typedef struct ks_buf {
	char *data;
	size_t len, cap;
} ks_buf;
int ks_buf_add(ks_buf *b, const void *p, size_t n);
int ks_buf_adds(ks_buf *b, const char *s);
int ks_buf_printf(ks_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Appends s as a JSON string literal (quoted, escaped). */
int ks_buf_add_jstr(ks_buf *b, const char *s);

/* ---- TLS material (tlsgen.c) ---- */
typedef struct ks_tls {
	char *ca_pem;   /* CA certificate, PEM */
	char *cert_pem; /* server certificate, PEM */
	char *key_pem;  /* server private key, PEM (PKCS#8) */
} ks_tls;
/* Generates an EC P-256 CA and a server cert for 127.0.0.1/localhost signed by it.
 * Returns 0 on success; fills err on failure. ks_tls_free() frees the strings. */
int ks_tls_generate(ks_tls *t, char *err, size_t errlen);
void ks_tls_free(ks_tls *t);

/* ---- resource types ---- */
typedef struct ks_field {
	const char *label; /* field selector label, e.g. "involvedObject.name" */
	const char *path;  /* dotted JSON path in the object, e.g. "involvedObject.name" */
} ks_field;

typedef struct ks_restype {
	const char *name;     /* plural, e.g. "pods" */
	const char *singular; /* "pod" */
	const char *kind;     /* "Pod" */
	const char *group;    /* "" for core */
	const char *version;  /* "v1" */
	const char *api_version; /* "v1" or "apps/v1" */
	int namespaced;
	const char *short_names; /* comma-separated, or NULL */
	int in_all;              /* member of the "all" category */
	const char *file;        /* scenario file name, or NULL (never served: secrets) */
	const ks_field *fields;  /* extra field selector labels, NULL-terminated, or NULL */
} ks_restype;

/* The table of served resource types; *n receives its length. */
const ks_restype *ks_restypes(size_t *n);
const ks_restype *ks_restype_find(const char *group, const char *version, const char *name);

/* ---- the scenario store (store.c): immutable after load, shared by all threads ---- */
typedef struct ks_item {
	char *ns;            /* namespace, "" for cluster-scoped objects */
	char *name;
	char *json;          /* compact JSON of the object without kind/apiVersion */
	size_t json_len;
	json_object *labels; /* metadata.labels (owned), or NULL */
	json_object *fields; /* field label -> string value (owned) */
} ks_item;

typedef struct ks_list {
	const ks_restype *rt;
	char *ns;         /* namespace; NULL for cluster-scoped or all-namespaces lists */
	char *rv;         /* metadata.resourceVersion */
	size_t n;
	ks_item **items;  /* sorted by key; owned only when owns_items */
	char **keys;      /* sort/continue key of each item (owned) */
	int owns_items;
} ks_list;

typedef struct ks_store ks_store;

/* Loads scenario DIR (DIR/cluster/...). NULL on error, with err naming the file. */
ks_store *ks_store_load(const char *dir, char *err, size_t errlen);
void ks_store_free(ks_store *s);
/* The list of rt in ns (NULL ns: all namespaces, or cluster-scoped). NULL when the
 * scenario has no such data (serve an empty list). */
const ks_list *ks_store_list(const ks_store *s, const ks_restype *rt, const char *ns);
const ks_item *ks_list_find(const ks_list *l, const char *ns, const char *name);
const char *ks_store_rv(const ks_store *s);
const char *ks_store_version_json(const ks_store *s);
const char *ks_store_default_ns(const ks_store *s);
const char *ks_store_dir(const ks_store *s);

/* A list request's parameters. */
typedef struct ks_listreq {
	const char *field_selector; /* URL-decoded, or NULL */
	const char *label_selector;
	long limit;                 /* <= 0: no limit */
	const char *cont;           /* continue token, or NULL */
} ks_listreq;

/* Builds the list body for rt/ns. Returns the HTTP status (200, or 400 with *body a
 * Status); *body is malloc'ed. */
int ks_list_render(const ks_store *s, const ks_restype *rt, const char *ns,
		   const ks_listreq *req, char **body, size_t *len);

/* Status bodies: malloc'ed compact JSON. details_* may be NULL. */
char *ks_status_body(int code, const char *reason, const char *message,
		     const char *details_name, const char *details_group,
		     const char *details_kind, int details_empty, const char *meta_continue);

/* base64url without padding (continue tokens). Returns malloc'ed string. */
char *ks_b64url_encode(const unsigned char *p, size_t n);
/* Decodes base64url or base64 (padding optional); NULL on bad input. */
unsigned char *ks_b64_decode(const char *s, size_t *outlen);
/* The continue token for a key: {"v":"meta.k8s.io/v1","rv":RV,"start":"KEY\u0000"}. */
char *ks_continue_token(const char *rv, const char *key);

/* ---- faults (faults.c) ---- */
enum ks_fault_action { KS_FAULT_NONE, KS_FAULT_STATUS, KS_FAULT_DROP, KS_FAULT_TRUNCATE,
	KS_FAULT_EXPIRE_CONTINUE };

typedef struct ks_fault_hit {
	long latency_ms;
	enum ks_fault_action action;
	int status;
	int retry_after; /* seconds, -1 for none */
	char desc[128];  /* what fired, for the audit log */
} ks_fault_hit;

typedef struct ks_faults ks_faults;
/* Parses one --fault argument and appends its rules. Returns 0, or -1 with err set. */
int ks_faults_add(ks_faults **f, const char *spec, char *err, size_t errlen);
void ks_faults_free(ks_faults *f);
/* Decides which faults fire for a request (thread-safe; counts matches). query is the
 * raw query string ("" when none). */
void ks_faults_match(ks_faults *f, const char *method, const char *path, const char *query,
		     int is_discovery, int has_continue, ks_fault_hit *hit);
/* The grammar, for --help. */
extern const char ks_faults_help[];

#endif
