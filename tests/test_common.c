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
	suite_add_tcase(s, tc);
	return s;
}
