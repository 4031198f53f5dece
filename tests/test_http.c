/* SPDX-License-Identifier: MIT */
/* The one HTTP layer (libk8sagent/http.c): libcurl's failures and HTTP statuses mapped once,
 * the proxy URL check, and the protocol restriction. Built twice: tests/test_http against the
 * library as configured, and tests/test_http_curl777 with K8SA_HIDE_CURL_7_85, which compiles
 * http.c into the test itself with CURLOPT_PROTOCOLS_STR hidden, as on libcurl 7.77 to 7.84
 * (configure's minimum): the fallback must build (-Werror) and still refuse every protocol
 * but http and https. */
#ifdef K8SA_HIDE_CURL_7_85
#include "libk8sagent/http.c" /* first: it sets up the libcurl headers for the fallback */
#else
#include "internal.h"
#include "http_internal.h"
#endif
#include <k8sagent/k8sagent.h>

#include <check.h>
#include <string.h>

#include "lib/check_main.h"
#include "lib/sim.h"

static void setup(void)
{
	ck_assert_int_eq(k8sa_global_init(), K8SA_OK);
}

static void teardown(void)
{
	k8sa_global_cleanup();
}

START_TEST(protocol_option_guard)
{
#if defined(K8SA_HIDE_CURL_7_85) || LIBCURL_VERSION_NUM < 0x075500
	ck_assert_int_eq(k8sa_http_uses_protocols_str(), 0);
#else
	ck_assert_int_eq(k8sa_http_uses_protocols_str(), 1);
#endif
}
END_TEST

/* Perform one transfer on a handle from k8sa_http_easy(); the mapped status. */
static k8sa_status fetch(const char *url, k8sa_error *e)
{
	char errbuf[CURL_ERROR_SIZE];
	k8sa_http_conf conf = {.connect_ms = 2000, .total_ms = 5000, .errbuf = errbuf};
	CURL *c = k8sa_http_easy(&conf);
	ck_assert_ptr_nonnull(c);
	curl_easy_setopt(c, CURLOPT_URL, url);
	CURLcode rc = curl_easy_perform(c);
	curl_easy_cleanup(c);
	return rc == CURLE_OK ? K8SA_OK : k8sa_http_curl_fail(e, rc, errbuf, "GET %s", url);
}

START_TEST(only_http_and_https)
{
	k8sa_error e;
	char url[64];
	ck_assert_int_eq(fetch("file:///etc/hostname", &e), K8SA_E_CONFIG);
	ck_assert_int_eq(strncmp(e.message, "GET file:///etc/hostname: ", 26), 0);
	ck_assert_int_eq(fetch("dict://127.0.0.1:1/x", &e), K8SA_E_CONFIG);
	ck_assert_int_eq(fetch("gopher://127.0.0.1:1/", &e), K8SA_E_CONFIG);
	/* http itself is allowed: a refused connection, not a refused protocol. */
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/", test_free_port());
	ck_assert_int_eq(fetch(url, &e), K8SA_E_TRANSPORT);
	snprintf(url, sizeof(url), "https://127.0.0.1:%d/", test_free_port());
	ck_assert_int_eq(fetch(url, &e), K8SA_E_TRANSPORT);
}
END_TEST

START_TEST(curl_codes_map_once)
{
	static const struct {
		CURLcode rc;
		k8sa_status want;
	} cases[] = {
		{CURLE_OK, K8SA_OK},
		{CURLE_OPERATION_TIMEDOUT, K8SA_E_TIMEOUT},
		{CURLE_SSL_CONNECT_ERROR, K8SA_E_TLS},
		{CURLE_PEER_FAILED_VERIFICATION, K8SA_E_TLS},
		{CURLE_SSL_CERTPROBLEM, K8SA_E_TLS},
		{CURLE_SSL_CACERT_BADFILE, K8SA_E_TLS},
		{CURLE_SSL_CLIENTCERT, K8SA_E_TLS},
		{CURLE_SSL_PINNEDPUBKEYNOTMATCH, K8SA_E_TLS},
		{CURLE_PARTIAL_FILE, K8SA_E_PROTOCOL},
		{CURLE_WEIRD_SERVER_REPLY, K8SA_E_PROTOCOL},
		{CURLE_HTTP2_STREAM, K8SA_E_PROTOCOL},
		{CURLE_OUT_OF_MEMORY, K8SA_E_NOMEM},
		{CURLE_URL_MALFORMAT, K8SA_E_CONFIG},
		{CURLE_UNSUPPORTED_PROTOCOL, K8SA_E_CONFIG},
		{CURLE_COULDNT_CONNECT, K8SA_E_TRANSPORT},
		{CURLE_COULDNT_RESOLVE_HOST, K8SA_E_TRANSPORT},
		{CURLE_COULDNT_RESOLVE_PROXY, K8SA_E_TRANSPORT},
		{CURLE_GOT_NOTHING, K8SA_E_TRANSPORT},
		{CURLE_RECV_ERROR, K8SA_E_TRANSPORT},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		ck_assert_msg(k8sa_http_curl_status(cases[i].rc) == cases[i].want, "CURLcode %d: %s, want %s",
			      (int)cases[i].rc, k8sa_strerror(k8sa_http_curl_status(cases[i].rc)),
			      k8sa_strerror(cases[i].want));
	k8sa_error e;
	ck_assert_int_eq(k8sa_http_curl_fail(&e, CURLE_PEER_FAILED_VERIFICATION, "", "list pods"), K8SA_E_TLS);
	ck_assert_int_eq(e.code, K8SA_E_TLS);
	ck_assert_int_eq(strncmp(e.message, "list pods: ", 11), 0);
	ck_assert_int_gt((int)strlen(e.message), 11); /* libcurl's description when errbuf is empty */
	ck_assert_int_eq(k8sa_http_curl_fail(&e, CURLE_COULDNT_CONNECT, "refused here", "x %d", 1), K8SA_E_TRANSPORT);
	ck_assert_str_eq(e.message, "x 1: refused here");
}
END_TEST

START_TEST(http_statuses_map_once)
{
	static const struct {
		long http;
		k8sa_status want;
	} cases[] = {
		{400, K8SA_E_BAD_REQUEST}, {401, K8SA_E_UNAUTHORIZED}, {403, K8SA_E_FORBIDDEN},
		{404, K8SA_E_NOT_FOUND},   {410, K8SA_E_GONE},         {429, K8SA_E_TOO_MANY_REQUESTS},
		{500, K8SA_E_SERVER},      {503, K8SA_E_SERVER},       {599, K8SA_E_SERVER},
		{302, K8SA_E_HTTP},        {418, K8SA_E_HTTP},         {600, K8SA_E_HTTP},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		ck_assert_msg(k8sa_http_status(cases[i].http) == cases[i].want, "HTTP %ld", cases[i].http);
}
END_TEST

START_TEST(proxy_urls)
{
	k8sa_error e;
	ck_assert_int_eq(k8sa_http_check_proxy(NULL, "p", &e), K8SA_OK);
	ck_assert_int_eq(k8sa_http_check_proxy("", "p", &e), K8SA_OK);
	ck_assert_int_eq(k8sa_http_check_proxy("http://p:3128", "p", &e), K8SA_OK);
	ck_assert_int_eq(k8sa_http_check_proxy("HTTPS://p", "p", &e), K8SA_OK);
	ck_assert_int_eq(k8sa_http_check_proxy("socks5://p:1080", "p", &e), K8SA_OK);
	ck_assert_int_eq(k8sa_http_check_proxy("socks5h://p:1080", "p", &e), K8SA_OK);
	ck_assert_int_eq(k8sa_http_check_proxy("p:3128", "LLM proxy", &e), K8SA_E_INVALID_ARG);
	ck_assert_int_eq(strncmp(e.message, "LLM proxy \"p:3128\": ", 20), 0);
	ck_assert_int_eq(k8sa_http_check_proxy("http://", "p", &e), K8SA_E_INVALID_ARG);
	ck_assert_int_eq(k8sa_http_check_proxy("ftp://p", "p", NULL), K8SA_E_INVALID_ARG);
}
END_TEST

Suite *k8sa_test_suite(void)
{
	Suite *s = suite_create("http");
	TCase *t = tcase_create("http");
	tcase_add_checked_fixture(t, setup, teardown);
	tcase_add_test(t, protocol_option_guard);
	tcase_add_test(t, only_http_and_https);
	tcase_add_test(t, curl_codes_map_once);
	tcase_add_test(t, http_statuses_map_once);
	tcase_add_test(t, proxy_urls);
	suite_add_tcase(s, t);
	return s;
}
