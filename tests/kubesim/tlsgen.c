/* Throw-away TLS material for kubesim: an EC P-256 CA and a server certificate for
 * 127.0.0.1 / localhost signed by it. EC keys take a millisecond to generate, RSA-2048 can
 * take a few hundred; Go (kubectl), OpenSSL (curl, Python) and GnuTLS all accept P-256. */
#include "config.h"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kubesim.h"

static void set_err(char *err, size_t errlen, const char *what)
{
	unsigned long e = ERR_get_error();
	char buf[256] = "";
	if (e)
		ERR_error_string_n(e, buf, sizeof buf);
	snprintf(err, errlen, "TLS: %s%s%s", what, e ? ": " : "", buf);
}

static char *bio_to_string(BIO *bio)
{
	char *p = NULL;
	long n = BIO_get_mem_data(bio, &p);
	char *s = malloc((size_t)n + 1);
	if (!s)
		return NULL;
	memcpy(s, p, (size_t)n);
	s[n] = '\0';
	return s;
}

static int add_ext(X509 *cert, X509 *issuer, int nid, const char *value)
{
	X509V3_CTX ctx;
	X509V3_set_ctx_nodb(&ctx);
	X509V3_set_ctx(&ctx, issuer, cert, NULL, NULL, 0);
	X509_EXTENSION *ex = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
	if (!ex)
		return -1;
	int ok = X509_add_ext(cert, ex, -1);
	X509_EXTENSION_free(ex);
	return ok ? 0 : -1;
}

/* Makes a certificate for key, signed by issuer_key (self-signed when issuer is NULL). */
static X509 *make_cert(EVP_PKEY *key, const char *cn, X509 *issuer, EVP_PKEY *issuer_key,
		       int is_ca)
{
	X509 *c = X509_new();
	if (!c)
		return NULL;
	unsigned char serial[16];
	BIGNUM *bn = NULL;
	int ok = X509_set_version(c, 2) && RAND_bytes(serial, sizeof serial) == 1;
	serial[0] &= 0x7f; /* positive */
	if (ok && (bn = BN_bin2bn(serial, sizeof serial, NULL)) != NULL)
		ok = BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(c)) != NULL;
	else
		ok = 0;
	BN_free(bn);
	ok = ok && X509_gmtime_adj(X509_getm_notBefore(c), -3600) &&
	     X509_gmtime_adj(X509_getm_notAfter(c), 365L * 24 * 3600) && X509_set_pubkey(c, key);
	X509_NAME *name = X509_get_subject_name(c);
	ok = ok && X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC,
					      (const unsigned char *)"kubesim", -1, -1, 0) &&
	     X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1,
					-1, 0);
	X509 *iss = issuer ? issuer : c;
	ok = ok && X509_set_issuer_name(c, X509_get_subject_name(iss));
	if (ok && is_ca) {
		ok = add_ext(c, iss, NID_basic_constraints, "critical,CA:TRUE") == 0 &&
		     add_ext(c, iss, NID_key_usage, "critical,keyCertSign,cRLSign,digitalSignature") == 0 &&
		     add_ext(c, iss, NID_subject_key_identifier, "hash") == 0;
	} else if (ok) {
		ok = add_ext(c, iss, NID_basic_constraints, "critical,CA:FALSE") == 0 &&
		     add_ext(c, iss, NID_key_usage, "critical,digitalSignature,keyEncipherment") == 0 &&
		     add_ext(c, iss, NID_ext_key_usage, "serverAuth") == 0 &&
		     add_ext(c, iss, NID_subject_key_identifier, "hash") == 0 &&
		     add_ext(c, iss, NID_authority_key_identifier, "keyid:always") == 0 &&
		     add_ext(c, iss, NID_subject_alt_name,
			     "IP:127.0.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,"
			     "DNS:kubernetes.default.svc") == 0;
	}
	ok = ok && X509_sign(c, issuer_key ? issuer_key : key, EVP_sha256()) > 0;
	if (!ok) {
		X509_free(c);
		return NULL;
	}
	return c;
}

int ks_tls_generate(ks_tls *t, char *err, size_t errlen)
{
	memset(t, 0, sizeof *t);
	EVP_PKEY *ca_key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	EVP_PKEY *srv_key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	X509 *ca = NULL, *srv = NULL;
	BIO *b1 = BIO_new(BIO_s_mem()), *b2 = BIO_new(BIO_s_mem()), *b3 = BIO_new(BIO_s_mem());
	int rc = -1;
	if (!ca_key || !srv_key || !b1 || !b2 || !b3) {
		set_err(err, errlen, "key generation failed");
		goto out;
	}
	ca = make_cert(ca_key, "kubesim-ca", NULL, NULL, 1);
	srv = ca ? make_cert(srv_key, "kube-apiserver", ca, ca_key, 0) : NULL;
	if (!ca || !srv) {
		set_err(err, errlen, "certificate creation failed");
		goto out;
	}
	if (!PEM_write_bio_X509(b1, ca) || !PEM_write_bio_X509(b2, srv) ||
	    !PEM_write_bio_PrivateKey(b3, srv_key, NULL, NULL, 0, NULL, NULL)) {
		set_err(err, errlen, "PEM encoding failed");
		goto out;
	}
	t->ca_pem = bio_to_string(b1);
	t->cert_pem = bio_to_string(b2);
	t->key_pem = bio_to_string(b3);
	if (!t->ca_pem || !t->cert_pem || !t->key_pem) {
		ks_tls_free(t);
		snprintf(err, errlen, "TLS: out of memory");
		goto out;
	}
	rc = 0;
out:
	X509_free(ca);
	X509_free(srv);
	EVP_PKEY_free(ca_key);
	EVP_PKEY_free(srv_key);
	BIO_free(b1);
	BIO_free(b2);
	BIO_free(b3);
	return rc;
}

void ks_tls_free(ks_tls *t)
{
	if (!t)
		return;
	free(t->ca_pem);
	if (t->key_pem) /* private key: do not leave it in freed memory */
		OPENSSL_cleanse(t->key_pem, strlen(t->key_pem));
	free(t->key_pem);
	free(t->cert_pem);
	t->ca_pem = t->cert_pem = t->key_pem = NULL;
}
