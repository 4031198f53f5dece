/* SPDX-License-Identifier: MIT */
#ifndef K8SA_TESTS_CHECK_MAIN_H
#define K8SA_TESTS_CHECK_MAIN_H
#include <check.h>
/* Each Check suite file defines this; tests/lib/check_main.c runs it. */
Suite *k8sa_test_suite(void);
#endif
