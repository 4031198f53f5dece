/* SPDX-License-Identifier: MIT */
/* The one main() of every Check suite: each tests/test_*.c defines k8sa_test_suite() and
 * links this file (registered once in tests/Makemodule.am). Library init is done here so
 * a suite's fixtures need not; k8sa_global_init() is reference counted. */
#include <k8sagent/k8sagent.h>

#include <check.h>
#include <stdlib.h>

#include "lib/check_main.h"

TCase *test_add_case(Suite *s, const char *name, SFun up, SFun down, int timeout)
{
	TCase *tc = tcase_create(name);
	if (up || down)
		tcase_add_checked_fixture(tc, up, down);
	if (timeout)
		tcase_set_timeout(tc, timeout);
	suite_add_tcase(s, tc);
	return tc;
}

int main(void)
{
	if (k8sa_global_init() != K8SA_OK)
		return EXIT_FAILURE;
	SRunner *sr = srunner_create(k8sa_test_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	k8sa_global_cleanup();
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
