/* SPDX-License-Identifier: MIT */
/*
 * push: what a committed write records for the publisher (lib/push.h),
 * through api_handle() on a fresh SQLite file per test: exactly the peers
 * whose revision it moved, at the revision their config now carries;
 * "all" past PUSH_PEERS_MAX; what the admin page should reload; nothing
 * for a refused write, nothing at all with push off.
 */
#include <stdio.h>
#include <string.h>

#include "api.h"
#include "api_harness.h"
#include "push.h"
#include "unit.h"

/* The revision p's config carries now. */
static int64_t
revision_of(const struct tpeer *p)
{
	OK(config(p), 200);
	return jint(R.body, "revision");
}

/* Where id is in the last answer's note, or -1. */
static int
noted(const struct push_note *n, const char *id)
{
	for (size_t i = 0; i < n->n; i++)
		if (strcmp(n->peer[i], id) == 0)
			return (int)i;
	return -1;
}

START_TEST(off_records_nothing)
{
	struct tpeer a, b;

	push_enable(0);
	member(&a, "a", "192.0.2.1:51820");
	member(&b, "b", "192.0.2.2:51820");
	pair(&a, &b);
	ck_assert_uint_eq(R.push.n, 0);
	ck_assert_int_eq(R.push.all, 0);
	ck_assert_uint_eq(R.push.admin, 0);
}
END_TEST

START_TEST(pair_names_its_two_ends)
{
	struct tpeer a, b, c;
	struct push_note n;
	int ia, ib;

	push_enable(1);
	member(&a, "a", "192.0.2.1:51820");
	member(&b, "b", "192.0.2.2:51820");
	member(&c, "c", "192.0.2.3:51820");
	pair(&a, &b);
	n = R.push;
	ck_assert_uint_eq(n.n, 2);
	ck_assert_int_eq(n.all, 0);
	ia = noted(&n, a.id);
	ib = noted(&n, b.id);
	ck_assert_int_ge(ia, 0);
	ck_assert_int_ge(ib, 0);
	ck_assert_int_eq(noted(&n, c.id), -1);
	/* The revision told is the one the host will fetch. */
	ck_assert_int_eq(n.revision[ia], revision_of(&a));
	ck_assert_int_eq(n.revision[ib], revision_of(&b));
	ck_assert_uint_eq(n.admin, PUSH_ADMIN_PEERS);
	push_enable(0);
}
END_TEST

START_TEST(registration_and_links_for_the_admin)
{
	struct tpeer a, b, p;
	char body[256];

	push_enable(1);
	member(&a, "a", "192.0.2.1:51820");
	member(&b, "b", "192.0.2.2:51820");
	pair(&a, &b);
	reg(&p, "waiting", NULL);
	/* No host but the new one (whose first revision this is) is told. */
	ck_assert(R.push.n == 0 || (R.push.n == 1 && strcmp(R.push.peer[0], p.id) == 0));
	ck_assert_uint_eq(R.push.admin, PUSH_ADMIN_PENDING | PUSH_ADMIN_PEERS);
	snprintf(body, sizeof(body), "{\"links\":[{\"peer\":\"%s\",\"latest_handshake\":0,"
	         "\"rx\":0,\"tx\":0}]}", b.id);
	OK(call(NULL, a.token, "PUT", path("/peer/links"), body), 204);
	ck_assert_uint_eq(R.push.n, 0);
	ck_assert_uint_eq(R.push.admin, PUSH_ADMIN_LINKS);
	push_enable(0);
}
END_TEST

START_TEST(many_become_all)
{
	struct tpeer p[PUSH_PEERS_MAX + 3];

	for (size_t i = 0; i < sizeof(p) / sizeof(p[0]); i++) {
		char name[16];
		snprintf(name, sizeof(name), "h%zu", i);
		member(&p[i], name, NULL);
		/* The harness keeps 64 secrets: the first peers' are enough. */
		if (i >= 4)
			forget_secrets(4);
	}
	push_enable(1);
	OK(admin("PUT", path("/admin/network"), "{\"mtu\":1380}"), 200);
	ck_assert_int_eq(R.push.all, 1);
	ck_assert_int_eq(R.push.all_revision, revision_of(&p[0]));
	push_enable(0);
}
END_TEST

START_TEST(refused_write_records_nothing)
{
	struct tpeer a;

	push_enable(1);
	member(&a, "a", "192.0.2.1:51820");
	ADMIN_FAILS(400, "pair_self", "PUT", path("/admin/pairs/%s/%s", a.id, a.id), NULL);
	ck_assert_uint_eq(R.push.n, 0);
	ck_assert_uint_eq(R.push.admin, 0);
	push_enable(0);
}
END_TEST

static Suite *
push_suite(void)
{
	Suite *s = suite_create("push");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 300);
	tcase_add_checked_fixture(tc, harness_setup, harness_teardown);
	tcase_add_test(tc, off_records_nothing);
	tcase_add_test(tc, pair_names_its_two_ends);
	tcase_add_test(tc, registration_and_links_for_the_admin);
	tcase_add_test(tc, many_become_all);
	tcase_add_test(tc, refused_write_records_nothing);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(push_suite)
