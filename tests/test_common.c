/* SPDX-License-Identifier: MIT */
/* Status names, error filling, versions. */
#include "internal.h"
#include <k8sagent/k8sagent.h>

#include <check.h>

#include "lib/check_main.h"
#include <stdlib.h>
#include <string.h>

START_TEST(every_status_has_a_distinct_name)
{
	/* Walk every code in the enum: names exist, are distinct, and unknown codes are labelled. */
	for (int i = K8SA_OK; i <= K8SA_E_INTERNAL; i++) {
		const char *n = k8sa_strerror((k8sa_status)i);
		ck_assert_ptr_nonnull(n);
		ck_assert_str_ne(n, "unknown status");
		for (int j = K8SA_OK; j < i; j++)
			ck_assert_str_ne(n, k8sa_strerror((k8sa_status)j));
	}
	ck_assert_str_eq(k8sa_strerror((k8sa_status)9999), "unknown status");
	ck_assert_str_eq(k8sa_strerror((k8sa_status)-1), "unknown status");
}
END_TEST

START_TEST(fail_fills_error_and_prefix_keeps_message)
{
	k8sa_error e;
	memset(&e, 0, sizeof(e));
	ck_assert_int_eq(k8sa_fail_http(&e, K8SA_E_FORBIDDEN, 403, "pods is %s", "forbidden"),
			 K8SA_E_FORBIDDEN);
	ck_assert_int_eq(e.code, K8SA_E_FORBIDDEN);
	ck_assert_int_eq(e.http_status, 403);
	ck_assert_str_eq(e.message, "pods is forbidden");
	k8sa_error_prefix(&e, "list %s: ", "pods");
	ck_assert_str_eq(e.message, "list pods: pods is forbidden");
	/* An empty format still leaves a message. */
	k8sa_fail(&e, K8SA_E_IO, "%s", "");
	ck_assert_str_eq(e.message, "I/O error");
	/* NULL error is allowed everywhere. */
	ck_assert_int_eq(k8sa_fail(NULL, K8SA_E_CONFIG, "x"), K8SA_E_CONFIG);
	k8sa_error_prefix(NULL, "x");
	/* Long messages are truncated, not overflowed. */
	char big[2000];
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = 0;
	k8sa_fail(&e, K8SA_E_IO, "%s", big);
	ck_assert_uint_eq(strlen(e.message), K8SA_ERROR_MESSAGE_SIZE - 1);
}
END_TEST

START_TEST(versions_agree)
{
	ck_assert_str_eq(k8sa_version(), K8SA_VERSION_STRING);
	ck_assert_uint_eq(k8sa_version_num(), K8SA_VERSION_NUM);
	ck_assert_str_eq(K8SA_VERSION_STRING, PACKAGE_VERSION);
}
END_TEST

/* URL userinfo: the password is masked, in the helper and in every library error message. */
START_TEST(url_userinfo_is_masked)
{
	static const char *const cases[][2] = {
		{"http://user:pass@host:11434", "http://user:***@host:11434"},
		{"redis://:pw@r:6379/0", "redis://:***@r:6379/0"},
		{"cannot reach http://bob:s3/cr#et@llm.local/v1: refused", "cannot reach http://bob:***@llm.local/v1: refused"},
		{"postgres://app:p%40ss+w@db:5432/x?sslmode=disable", "postgres://app:***@db:5432/x?sslmode=disable"},
		{"mongodb+srv://admin:a@b@cluster0.example.net/test", "mongodb+srv://admin:***@cluster0.example.net/test"},
		{"two: http://a:1@x and https://b:2@y/z", "two: http://a:***@x and https://b:***@y/z"},
		{"ssh://git@github.com/org/repo.git", "ssh://git@github.com/org/repo.git"},
		{"http://10.0.0.1:11434/api/chat", "http://10.0.0.1:11434/api/chat"},
		{"http://host/path?q=a@b", "http://host/path?q=a@b"},
		{"http://user:***@host", "http://user:***@host"},
		{"no url here: a:b@c", "no url here: a:b@c"},
		{"", ""},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *m = NULL;
		ck_assert_int_eq(k8sa_url_mask_userinfo(cases[i][0], &m, NULL), K8SA_OK);
		ck_assert_ptr_nonnull(m);
		ck_assert_msg(strcmp(m, cases[i][1]) == 0, "\n  in:  %s\n  got: %s\n  want:%s", cases[i][0], m, cases[i][1]);
		k8sa_free(m);
	}
	char *none = (char *)"x";
	ck_assert_int_eq(k8sa_url_mask_userinfo(NULL, &none, NULL), K8SA_OK);
	ck_assert_ptr_null(none);
	k8sa_error e = {0};
	ck_assert_int_eq(k8sa_url_mask_userinfo("x", NULL, &e), K8SA_E_INVALID_ARG);
	k8sa_fail(&e, K8SA_E_TRANSPORT, "LLM server at %s: connection refused", "http://u:hunter2@127.0.0.1:9");
	ck_assert_str_eq(e.message, "LLM server at http://u:***@127.0.0.1:9: connection refused");
	k8sa_error_prefix(&e, "ask via %s: ", "https://v:hunter3@proxy");
	ck_assert_ptr_null(strstr(e.message, "hunter3"));
	/* A real failure of the LLM client against a closed port names the URL, masked. */
	k8sa_llm *llm = NULL;
	ck_assert_int_eq(k8sa_llm_new(&llm, &e), K8SA_OK);
	ck_assert_int_eq(k8sa_llm_set_url(llm, "http://user:hunter2@127.0.0.1:9", &e), K8SA_OK);
	char *models = NULL;
	ck_assert_int_ne(k8sa_llm_list_models(llm, &models, &e), K8SA_OK);
	ck_assert_msg(strstr(e.message, "hunter2") == NULL, "password in: %s", e.message);
	k8sa_llm_free(llm);
}
END_TEST

/* Terminal control characters become visible escapes; text and UTF-8 are kept. */
START_TEST(controls_are_escaped_for_terminals)
{
	static const char *const cases[][2] = {
		{"plain text\n\tindented", "plain text\n\tindented"},
		{"\x1b[2J\x1b]0;pwned\x07title", "\\x1b[2J\\x1b]0;pwned\\x07title"},
		{"cr\rover", "cr\\x0dover"},
		{"del\x7f", "del\\x7f"},
		{"c1 \xc2\x9b" "31m csi", "c1 \\u009b31m csi"},
		{"raw \x9b byte", "raw \\x9b byte"},
		{"bidi \xe2\x80\xae evil", "bidi \\u202e evil"},
		{"ünïcödé 接続 ✓", "ünïcödé 接続 ✓"},
		{"truncated \xe6\x8e", "truncated \\xe6\\x8e"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *m = NULL;
		ck_assert_int_eq(k8sa_text_escape_controls_str(cases[i][0], &m, NULL), K8SA_OK);
		ck_assert_ptr_nonnull(m);
		ck_assert_msg(strcmp(m, cases[i][1]) == 0, "\n  in:  %s\n  got: %s\n  want:%s", cases[i][0], m, cases[i][1]);
		k8sa_free(m);
	}
	size_t n = 0;
	char *z = NULL;
	ck_assert_int_eq(k8sa_text_escape_controls("a\0b", 3, &z, &n, NULL), K8SA_OK);
	ck_assert_str_eq(z, "a\\x00b");
	ck_assert_uint_eq(n, 6);
	k8sa_free(z);
	/* Every byte value: the output holds no control byte but newline and tab. */
	char all[256];
	for (int i = 0; i < 256; i++)
		all[i] = (char)i;
	char *o = NULL;
	ck_assert_int_eq(k8sa_text_escape_controls(all, sizeof(all), &o, &n, NULL), K8SA_OK);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)o[i];
		ck_assert_msg(c == '\n' || c == '\t' || (c >= 0x20 && c < 0x7f), "byte 0x%02x left at %zu", c, i);
	}
	k8sa_free(o);
}
END_TEST

START_TEST(global_init_is_reference_counted)
{
	ck_assert_int_eq(k8sa_global_init(), K8SA_OK);
	ck_assert_int_eq(k8sa_global_init(), K8SA_OK);
	k8sa_global_cleanup();
	k8sa_global_cleanup();
	k8sa_global_cleanup(); /* one too many: harmless */
	k8sa_free(NULL);
}
END_TEST

Suite *k8sa_test_suite(void)
{
	Suite *s = suite_create("common");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, every_status_has_a_distinct_name);
	tcase_add_test(tc, fail_fills_error_and_prefix_keeps_message);
	tcase_add_test(tc, versions_agree);
	tcase_add_test(tc, global_init_is_reference_counted);
	tcase_add_test(tc, url_userinfo_is_masked);
	tcase_add_test(tc, controls_are_escaped_for_terminals);
	suite_add_tcase(s, tc);
	return s;
}
