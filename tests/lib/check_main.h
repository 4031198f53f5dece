/* SPDX-License-Identifier: MIT */
#ifndef K8SA_TESTS_CHECK_MAIN_H
#define K8SA_TESTS_CHECK_MAIN_H
#include <check.h>
/* Each Check suite file defines this; tests/lib/check_main.c runs it. */
Suite *k8sa_test_suite(void);
/* A test case named name added to s, with up/down as its checked fixture (either may be NULL)
 * and a timeout in seconds (0: Check's default); add its tests with tcase_add_test(). */
TCase *test_add_case(Suite *s, const char *name, SFun up, SFun down, int timeout);
#endif
