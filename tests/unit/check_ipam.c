/* SPDX-License-Identifier: MIT */
/* ipam: CIDR parsing and formatting, overlap, and lowest-free allocation. */
#include <stdio.h>
#include <string.h>

#include "ipam.h"
#include "unit.h"

static struct cidr
P(const char *s)
{
	struct cidr c;

	ck_assert_msg(ipam_parse(&c, s, true, false) == 0, "cannot parse \"%s\"", s);
	return c;
}

static const char *
F(char buf[IPAM_STRLEN], const struct cidr *c, bool with_prefix)
{
	ipam_format(buf, c, with_prefix);
	return buf;
}

START_TEST(parse_good)
{
	static const struct { const char *in, *out; int family; unsigned prefix; } cases[] = {
		{ "10.77.0.0/24", "10.77.0.0/24", 4, 24 },
		{ "0.0.0.0/0", "0.0.0.0/0", 4, 0 },
		{ "192.168.5.7/32", "192.168.5.7/32", 4, 32 },
		{ "fd77::/64", "fd77::/64", 6, 64 },
		{ "FD77:0:0::/48", "fd77::/48", 6, 48 },
		{ "::/0", "::/0", 6, 0 },
		{ "2001:db8::1/128", "2001:db8::1/128", 6, 128 },
	};
	char buf[IPAM_STRLEN];
	struct cidr c;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ck_assert_msg(ipam_parse(&c, cases[i].in, false, true) == 0, "refused %s", cases[i].in);
		ck_assert_int_eq(c.family, cases[i].family);
		ck_assert_uint_eq(c.prefix, cases[i].prefix);
		ck_assert_str_eq(F(buf, &c, true), cases[i].out);
	}
}
END_TEST

START_TEST(parse_bad)
{
	static const char *const bad[] = { "", "/", "/24", "10.77.0.0/", "10.77.0.0/33",
		"10.77.0.0/024", "10.77.0.0/00", "10.77.0.0/-1", "10.77.0.0/+8", "10.77.0.0/ 8",
		"10.77.0.0/8 ", " 10.77.0.0/8", "10.77.0.0/8/8", "10.77.0/24", "10.77.0.256/32",
		"10.77.0.0/1000", "fd77::/129", "fd77::/0128", "fd77:::/64", "fd77::g/64",
		"example.com/24", "10.77.0.0/2x", "10.77.0.0\n/24", "[fd77::]/64",
		"fe80::1%eth0/64", "10.77.0.0/4294967320",
		"0000:0000:0000:0000:0000:0000:0000:0000:0000/64", NULL };
	struct cidr c;

	for (size_t i = 0; bad[i] != NULL; i++) {
		ck_assert_msg(ipam_parse(&c, bad[i], false, false) == -1, "accepted \"%s\"", bad[i]);
		ck_assert_msg(ipam_parse(&c, bad[i], true, false) == -1, "accepted bare \"%s\"", bad[i]);
	}
	ck_assert_int_eq(ipam_parse(&c, NULL, true, false), -1);
}
END_TEST

START_TEST(parse_strict_and_bare)
{
	char buf[IPAM_STRLEN];
	struct cidr c;

	/* Host bits set: fine for an interface address, not for a network. */
	ck_assert_int_eq(ipam_parse(&c, "10.77.0.5/24", false, false), 0);
	ck_assert_str_eq(F(buf, &c, true), "10.77.0.5/24");
	ck_assert_int_eq(ipam_parse(&c, "10.77.0.5/24", false, true), -1);
	ck_assert_int_eq(ipam_parse(&c, "10.77.1.0/23", false, true), -1);
	ck_assert_int_eq(ipam_parse(&c, "10.77.0.0/15", false, true), -1);
	ck_assert_int_eq(ipam_parse(&c, "10.76.0.0/15", false, true), 0);
	ck_assert_int_eq(ipam_parse(&c, "fd77::1/64", false, true), -1);
	ck_assert_int_eq(ipam_parse(&c, "fd77::1/64", false, false), 0);
	ck_assert_int_eq(ipam_parse(&c, "1.2.3.4/0", false, true), -1);

	/* A bare address is a host route only when asked for. */
	ck_assert_int_eq(ipam_parse(&c, "10.77.0.5", false, false), -1);
	ck_assert_int_eq(ipam_parse(&c, "10.77.0.5", false, true), -1);
	ck_assert_int_eq(ipam_parse(&c, "10.77.0.5", true, true), 0);
	ck_assert_uint_eq(c.prefix, 32);
	ck_assert_str_eq(F(buf, &c, false), "10.77.0.5");
	ck_assert_str_eq(F(buf, &c, true), "10.77.0.5/32");
	ck_assert_int_eq(ipam_parse(&c, "FD77::0005", true, false), 0);
	ck_assert_int_eq(c.family, 6);
	ck_assert_uint_eq(c.prefix, 128);
	ck_assert_str_eq(F(buf, &c, false), "fd77::5");
}
END_TEST

START_TEST(format_longest)
{
	char buf[IPAM_STRLEN];
	struct cidr c = P("ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255/128");

	ck_assert_str_eq(F(buf, &c, true), "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128");
	c = P("::ffff:255.255.255.255/128");
	ck_assert_str_eq(F(buf, &c, true), "::ffff:255.255.255.255/128");
}
END_TEST

START_TEST(overlap_and_contains)
{
	struct cidr a = P("10.0.0.0/8"), b = P("10.77.0.0/24"), c = P("10.78.0.0/24"),
		h = P("10.77.0.9"), v6 = P("fd77::/64"), all4 = P("0.0.0.0/0"), all6 = P("::/0"),
		h6 = P("fd77::9"), m4 = P("::ffff:10.77.0.9");

	ck_assert(ipam_overlap(&a, &b));
	ck_assert(ipam_overlap(&b, &a));
	ck_assert(!ipam_overlap(&b, &c));
	ck_assert(ipam_overlap(&b, &b));
	ck_assert(ipam_overlap(&b, &h));
	ck_assert(!ipam_overlap(&c, &h));
	ck_assert(ipam_overlap(&all4, &c));
	ck_assert(!ipam_overlap(&all4, &v6));   /* families never overlap */
	ck_assert(!ipam_overlap(&all6, &a));
	ck_assert(ipam_overlap(&all6, &v6));
	ck_assert(!ipam_overlap(&b, &m4));      /* a v4-mapped address is IPv6 */

	ck_assert(ipam_contains(&b, &h));
	ck_assert(ipam_contains(&a, &h));
	ck_assert(!ipam_contains(&c, &h));
	ck_assert(ipam_contains(&a, &b));
	ck_assert(!ipam_contains(&b, &a));      /* a wider prefix is not inside */
	ck_assert(ipam_contains(&v6, &h6));
	ck_assert(!ipam_contains(&v6, &h));
	ck_assert(!ipam_contains(&b, &h6));
	ck_assert(!ipam_contains(&b, &m4));
}
END_TEST

START_TEST(reserved)
{
	struct cidr p24 = P("10.77.0.0/24"), p31 = P("10.77.0.0/31"), p32 = P("10.77.0.7/32"),
		p30 = P("10.77.0.4/30"), p6 = P("fd77::/64"), p127 = P("fd77::/127");
	struct cidr a;

	a = P("10.77.0.0");
	ck_assert(ipam_reserved(&p24, &a));
	a = P("10.77.0.255");
	ck_assert(ipam_reserved(&p24, &a));
	a = P("10.77.0.1");
	ck_assert(!ipam_reserved(&p24, &a));
	a = P("10.77.0.254");
	ck_assert(!ipam_reserved(&p24, &a));
	a = P("10.77.0.4");
	ck_assert(ipam_reserved(&p30, &a));
	a = P("10.77.0.7");
	ck_assert(ipam_reserved(&p30, &a));
	a = P("10.77.0.5");
	ck_assert(!ipam_reserved(&p30, &a));
	/* RFC 3021: both addresses of a /31 are hosts; a /32 is its own host. */
	a = P("10.77.0.0");
	ck_assert(!ipam_reserved(&p31, &a));
	a = P("10.77.0.1");
	ck_assert(!ipam_reserved(&p31, &a));
	a = P("10.77.0.7");
	ck_assert(!ipam_reserved(&p32, &a));
	/* IPv6 has no broadcast; the subnet-router anycast address is kept back. */
	a = P("fd77::");
	ck_assert(ipam_reserved(&p6, &a));
	a = P("fd77::ffff:ffff:ffff:ffff");
	ck_assert(!ipam_reserved(&p6, &a));
	a = P("fd77::");
	ck_assert(!ipam_reserved(&p127, &a));
}
END_TEST

START_TEST(allocate_lowest_free)
{
	struct cidr pool = P("10.77.0.0/24"), got, taken[4];
	char buf[IPAM_STRLEN];

	ck_assert_int_eq(ipam_allocate(&got, &pool, NULL, 0), 0);
	ck_assert_str_eq(F(buf, &got, true), "10.77.0.1/32");

	/* Taken addresses in any order are skipped; the first hole is used. */
	taken[0] = P("10.77.0.3");
	taken[1] = P("10.77.0.1");
	taken[2] = P("10.77.0.2");
	taken[3] = P("10.77.0.5");
	ck_assert_int_eq(ipam_allocate(&got, &pool, taken, 4), 0);
	ck_assert_str_eq(F(buf, &got, false), "10.77.0.4");
	taken[3] = P("10.77.0.4");
	ck_assert_int_eq(ipam_allocate(&got, &pool, taken, 4), 0);
	ck_assert_str_eq(F(buf, &got, false), "10.77.0.5");

	/* Addresses outside the pool or of the other family do not get in the way. */
	taken[0] = P("10.78.0.1");
	taken[1] = P("fd77::1");
	taken[2] = P("10.76.255.255");
	ck_assert_int_eq(ipam_allocate(&got, &pool, taken, 3), 0);
	ck_assert_str_eq(F(buf, &got, false), "10.77.0.1");

	/* A pool given with host bits set still starts at its network. */
	pool = P("10.77.0.200/24");
	ck_assert_int_eq(ipam_allocate(&got, &pool, NULL, 0), 0);
	ck_assert_str_eq(F(buf, &got, false), "10.77.0.1");
}
END_TEST

START_TEST(allocate_until_full)
{
	struct cidr pool = P("10.77.0.0/24"), taken[256], got;
	char buf[IPAM_STRLEN], want[32];
	size_t n = 0;

	for (;;) {
		if (ipam_allocate(&got, &pool, taken, n) != 0)
			break;
		snprintf(want, sizeof(want), "10.77.0.%zu", n + 1);
		ck_assert_str_eq(F(buf, &got, false), want);
		ck_assert(!ipam_reserved(&pool, &got));
		for (size_t i = 0; i < n; i++)
			ck_assert(memcmp(taken[i].addr, got.addr, 16) != 0);
		ck_assert_uint_lt(n, 256);
		taken[n++] = got;
	}
	ck_assert_uint_eq(n, 254);
	ck_assert_int_eq(ipam_allocate(&got, &pool, taken, n), -1);
}
END_TEST

START_TEST(allocate_small_pools)
{
	struct cidr pool, got, taken[4];
	char buf[IPAM_STRLEN];

	/* /30: network and broadcast are kept back, two hosts remain. */
	pool = P("10.77.0.4/30");
	ck_assert_int_eq(ipam_allocate(&got, &pool, NULL, 0), 0);
	ck_assert_str_eq(F(buf, &got, false), "10.77.0.5");
	taken[0] = got;
	ck_assert_int_eq(ipam_allocate(&got, &pool, taken, 1), 0);
	ck_assert_str_eq(F(buf, &got, false), "10.77.0.6");
	taken[1] = got;
	ck_assert_int_eq(ipam_allocate(&got, &pool, taken, 2), -1);

	/* /31: both addresses. */
	pool = P("10.77.0.4/31");
	ck_assert_int_eq(ipam_allocate(&got, &pool, NULL, 0), 0);
	ck_assert_str_eq(F(buf, &got, false), "10.77.0.4");
	taken[0] = got;
	ck_assert_int_eq(ipam_allocate(&got, &pool, taken, 1), 0);
	ck_assert_str_eq(F(buf, &got, false), "10.77.0.5");
	taken[1] = got;
	ck_assert_int_eq(ipam_allocate(&got, &pool, taken, 2), -1);

	/* /32: exactly one. */
	pool = P("10.77.0.9/32");
	ck_assert_int_eq(ipam_allocate(&got, &pool, NULL, 0), 0);
	ck_assert_str_eq(F(buf, &got, false), "10.77.0.9");
	taken[0] = got;
	ck_assert_int_eq(ipam_allocate(&got, &pool, taken, 1), -1);

	/* The top of the address space does not wrap around to 0.0.0.0. */
	pool = P("255.255.255.252/30");
	taken[0] = P("255.255.255.253");
	taken[1] = P("255.255.255.254");
	ck_assert_int_eq(ipam_allocate(&got, &pool, taken, 2), -1);
	pool = P("255.255.255.254/31");
	taken[0] = P("255.255.255.254");
	taken[1] = P("255.255.255.255");
	ck_assert_int_eq(ipam_allocate(&got, &pool, taken, 2), -1);
	pool = P("ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe/127");
	taken[0] = P("ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe");
	taken[1] = P("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff");
	ck_assert_int_eq(ipam_allocate(&got, &pool, taken, 2), -1);
}
END_TEST

START_TEST(allocate_ipv6)
{
	struct cidr pool = P("fd77::/64"), got, taken[3];
	char buf[IPAM_STRLEN];

	ck_assert_int_eq(ipam_allocate(&got, &pool, NULL, 0), 0);
	ck_assert_int_eq(got.family, 6);
	ck_assert_uint_eq(got.prefix, 128);
	ck_assert_str_eq(F(buf, &got, true), "fd77::1/128");
	taken[0] = P("fd77::1");
	taken[1] = P("fd77::2");
	taken[2] = P("10.77.0.3");
	ck_assert_int_eq(ipam_allocate(&got, &pool, taken, 3), 0);
	ck_assert_str_eq(F(buf, &got, false), "fd77::3");

	/* A carry across bytes. */
	pool = P("fd77::ff00/120");
	taken[0] = P("fd77::ff01");
	ck_assert_int_eq(ipam_allocate(&got, &pool, taken, 1), 0);
	ck_assert_str_eq(F(buf, &got, false), "fd77::ff02");

	/* /126: the anycast address is kept back, the top one is not. */
	pool = P("fd77::/126");
	taken[0] = P("fd77::1");
	taken[1] = P("fd77::2");
	ck_assert_int_eq(ipam_allocate(&got, &pool, taken, 2), 0);
	ck_assert_str_eq(F(buf, &got, false), "fd77::3");
	taken[2] = got;
	ck_assert_int_eq(ipam_allocate(&got, &pool, taken, 3), -1);
}
END_TEST

static Suite *
ipam_suite(void)
{
	Suite *s = suite_create("ipam");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, parse_good);
	tcase_add_test(tc, parse_bad);
	tcase_add_test(tc, parse_strict_and_bare);
	tcase_add_test(tc, format_longest);
	tcase_add_test(tc, overlap_and_contains);
	tcase_add_test(tc, reserved);
	tcase_add_test(tc, allocate_lowest_free);
	tcase_add_test(tc, allocate_until_full);
	tcase_add_test(tc, allocate_small_pools);
	tcase_add_test(tc, allocate_ipv6);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(ipam_suite)
