/* SPDX-License-Identifier: MIT */
/* prom: the Prometheus text format writer, byte for byte. */
#include <stdlib.h>
#include <string.h>

#include "prom.h"
#include "unit.h"

START_TEST(families_and_samples)
{
	struct prom p;
	char *text;

	ck_assert_int_eq(prom_open(&p), 0);
	prom_family(&p, "wgconf_peers", "gauge", "Peers by state.");
	prom_sample(&p, "wgconf_peers", (const char *const[]){ "state", "pending", NULL }, 2);
	prom_sample(&p, "wgconf_peers", (const char *const[]){ "state", "accepted", "x", "y", NULL },
	            -3);
	prom_family(&p, "wgconf_pairs", "counter", "a \\ back\nslash");
	prom_sample(&p, "wgconf_pairs", NULL, 9007199254740993LL);
	ck_assert_ptr_nonnull(text = prom_close(&p));
	ck_assert_str_eq(text,
		"# HELP wgconf_peers Peers by state.\n"
		"# TYPE wgconf_peers gauge\n"
		"wgconf_peers{state=\"pending\"} 2\n"
		"wgconf_peers{state=\"accepted\",x=\"y\"} -3\n"
		"# HELP wgconf_pairs a \\\\ back\\nslash\n"
		"# TYPE wgconf_pairs counter\n"
		"wgconf_pairs 9007199254740993\n");
	free(text);
}
END_TEST

START_TEST(escaping)
{
	char out[32];
	struct prom p;
	char *text;

	ck_assert_int_eq(prom_escape_label("a\"b\\c\nd", out, sizeof(out)), 0);
	ck_assert_str_eq(out, "a\\\"b\\\\c\\nd");
	ck_assert_int_eq(prom_escape_label("0123456789", out, 10), -1);
	ck_assert_int_eq(prom_escape_label("012345678", out, 10), 0);

	ck_assert_int_eq(prom_open(&p), 0);
	prom_sample(&p, "m", (const char *const[]){ "name", "x\"} 1\nevil 2", NULL }, 1);
	ck_assert_ptr_nonnull(text = prom_close(&p));
	ck_assert_str_eq(text, "m{name=\"x\\\"} 1\\nevil 2\"} 1\n");
	free(text);
}
END_TEST

START_TEST(bad_names_fail_the_text)
{
	static const char *const bad[] = { "", "1abc", "a-b", "a b", "é", NULL };
	struct prom p;

	for (size_t i = 0; bad[i] != NULL; i++) {
		ck_assert_int_eq(prom_open(&p), 0);
		prom_sample(&p, bad[i], NULL, 1);
		ck_assert_ptr_null(prom_close(&p));
		ck_assert_int_eq(prom_open(&p), 0);
		prom_sample(&p, "ok", (const char *const[]){ bad[i], "v", NULL }, 1);
		ck_assert_ptr_null(prom_close(&p));
	}
	ck_assert_int_eq(prom_open(&p), 0);
	prom_sample(&p, "ok", (const char *const[]){ "__name__", "v", NULL }, 1);
	ck_assert_ptr_null(prom_close(&p));
	ck_assert_int_eq(prom_open(&p), 0);
	prom_family(&p, "ok", "histogram", "not written here");
	ck_assert_ptr_null(prom_close(&p));
}
END_TEST

static Suite *
prom_suite(void)
{
	Suite *s = suite_create("prom");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, families_and_samples);
	tcase_add_test(tc, escaping);
	tcase_add_test(tc, bad_names_fail_the_text);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(prom_suite)
