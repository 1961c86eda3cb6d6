/* SPDX-License-Identifier: MIT */
/* What every Check suite shares: one main that runs a suite and says how it went. */
#ifndef WGCONF_UNIT_H
#define WGCONF_UNIT_H

#include <stdlib.h>
#include <check.h>

#define UNIT_MAIN(make_suite)                                           \
	int                                                             \
	main(void)                                                      \
	{                                                               \
		SRunner *sr = srunner_create(make_suite());             \
		int failed;                                             \
                                                                        \
		srunner_run_all(sr, CK_NORMAL);                         \
		failed = srunner_ntests_failed(sr);                     \
		srunner_free(sr);                                       \
		return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;       \
	}

#endif
