/* SPDX-License-Identifier: MIT */
/* Route safety: what a host refuses from a config (routes onto the server's
 * address, a default gateway or a connected network; short interface
 * prefixes), what `wgconf allow-route` lets through, and that every refusal
 * names the peer, the route and the reason. */
#include <stdio.h>
#include <string.h>

#include "unit.h"
#include "../../client/guard.h"
#include "../../client/model.h"

static struct guard_env env;

static void
setup(void)
{
	memset(&env, 0, sizeof(env));
	ck_assert_int_eq(guard_env_protect(&env, GUARD_SERVER, "198.18.0.2", NULL), 0);
	ck_assert_int_eq(guard_env_protect(&env, GUARD_GATEWAY, "198.18.1.1", "eth0"), 0);
	ck_assert_int_eq(guard_env_protect(&env, GUARD_GATEWAY, "fe80::1", "eth0"), 0);
	ck_assert_int_eq(guard_env_protect(&env, GUARD_CONNECTED, "198.18.1.2/24", "eth0"), 0);
	ck_assert_int_eq(guard_env_protect(&env, GUARD_CONNECTED, "2001:db8:1::2/64", "eth0"), 0);
}

static void
teardown(void)
{
	guard_env_free(&env);
}

/* The refusal lines of one route, joined; "" when it is fine. */
static int
route(const char *cidr, char *out, size_t outsz)
{
	char **lines = NULL;
	size_t n = 0;
	int r = guard_check_route(&env, "peer web1 (id p1)", cidr, &lines, &n);

	out[0] = '\0';
	ck_assert_int_ge(r, 0);
	ck_assert_uint_eq(n, (size_t)r);
	if (n)
		snprintf(out, outsz, "%s", lines[0]);
	guard_free_lines(lines, n);
	return r;
}

START_TEST(routes_refused)
{
	char l[512];

	ck_assert_int_eq(route("198.18.0.2/32", l, sizeof(l)), 1);
	ck_assert_str_eq(l, "peer web1 (id p1): route 198.18.0.2/32 covers the server's "
	                 "address 198.18.0.2 (allow it with `wgconf allow-route 198.18.0.2/32`)");
	ck_assert_int_eq(route("128.0.0.0/1", l, sizeof(l)), 1);
	ck_assert_ptr_nonnull(strstr(l, "covers the server's address 198.18.0.2"));
	ck_assert_int_eq(route("0.0.0.0/0", l, sizeof(l)), 1);
	ck_assert_int_eq(route("198.18.0.0/23", l, sizeof(l)), 1);
	/* The server comes first: it is what an operator loses. */
	ck_assert_ptr_nonnull(strstr(l, "server's address"));
	ck_assert_int_eq(route("198.18.1.1/32", l, sizeof(l)), 1);
	ck_assert_str_eq(l, "peer web1 (id p1): route 198.18.1.1/32 covers the default "
	                 "gateway 198.18.1.1 on eth0 (allow it with `wgconf allow-route "
	                 "198.18.1.1/32`)");
	/* Part of the LAN, or all of it: either way it takes the neighbours. */
	ck_assert_int_eq(route("198.18.1.128/25", l, sizeof(l)), 1);
	ck_assert_ptr_nonnull(strstr(l, "overlaps the directly connected network "
	                             "198.18.1.0/24 on eth0"));
	ck_assert_int_eq(route("198.18.1.9/32", l, sizeof(l)), 1);
	ck_assert_int_eq(route("2001:db8:1::/48", l, sizeof(l)), 1);
	ck_assert_ptr_nonnull(strstr(l, "2001:db8:1::/64"));
	ck_assert_int_eq(route("::/0", l, sizeof(l)), 1);
	ck_assert_ptr_nonnull(strstr(l, "fe80::1"));
	ck_assert_int_eq(route("not-a-cidr", l, sizeof(l)), 1);
}
END_TEST

START_TEST(routes_fine)
{
	char l[512];

	ck_assert_int_eq(route("10.77.0.3/32", l, sizeof(l)), 0);
	ck_assert_int_eq(route("192.168.50.0/24", l, sizeof(l)), 0);
	ck_assert_int_eq(route("198.18.2.0/24", l, sizeof(l)), 0);
	ck_assert_int_eq(route("198.18.0.3/32", l, sizeof(l)), 0);
	ck_assert_int_eq(route("fd77::4/128", l, sizeof(l)), 0);
	ck_assert_int_eq(route("2001:db8:2::/48", l, sizeof(l)), 0);
}
END_TEST

START_TEST(allow_list)
{
	char l[512];

	ck_assert_int_eq(guard_env_allow(&env, "198.18.1.128/25"), 0);
	ck_assert_int_eq(route("198.18.1.128/25", l, sizeof(l)), 0);
	ck_assert_int_eq(route("198.18.1.200/32", l, sizeof(l)), 0);
	/* An allowance covers what lies inside it, never a wider route. */
	ck_assert_int_eq(route("198.18.1.0/24", l, sizeof(l)), 1);
	ck_assert_int_eq(route("198.18.1.0/25", l, sizeof(l)), 1);
	ck_assert_int_eq(guard_env_allow(&env, "0.0.0.0/0"), 0);
	ck_assert_int_eq(route("0.0.0.0/0", l, sizeof(l)), 0);
	ck_assert_int_eq(route("::/0", l, sizeof(l)), 1);
	ck_assert_int_eq(guard_env_allow(&env, "10.0.0.1/8"), -1);   /* host bits */
	ck_assert_int_eq(guard_env_allow(&env, "10.0.0.0"), -1);
}
END_TEST

static int
address(const char *a, char *out, size_t outsz)
{
	char **lines = NULL;
	size_t n = 0;
	int r = guard_check_address(&env, a, &lines, &n);

	out[0] = '\0';
	ck_assert_int_ge(r, 0);
	if (n)
		snprintf(out, outsz, "%s", lines[0]);
	guard_free_lines(lines, n);
	return r;
}

START_TEST(interface_prefix)
{
	char l[512];

	ck_assert_int_eq(address("10.77.0.2/24", l, sizeof(l)), 0);
	ck_assert_int_eq(address("10.77.0.2/8", l, sizeof(l)), 0);
	ck_assert_int_eq(address("fd77::2/64", l, sizeof(l)), 0);
	ck_assert_int_eq(address("fd77::2/16", l, sizeof(l)), 0);
	ck_assert_int_eq(address("200.1.2.3/1", l, sizeof(l)), 1);
	ck_assert_str_eq(l, "interface address 200.1.2.3/1: prefix /1 is shorter than /8 "
	                 "and would route 128.0.0.0/1 into the tunnel (allow it with "
	                 "`wgconf allow-route 128.0.0.0/1`)");
	ck_assert_int_eq(address("10.1.2.3/7", l, sizeof(l)), 1);
	ck_assert_int_eq(address("2001:db8::1/3", l, sizeof(l)), 1);
	ck_assert_ptr_nonnull(strstr(l, "prefix /3 is shorter than /16"));
	ck_assert_int_eq(address("fd00::1/15", l, sizeof(l)), 1);
	/* A long enough prefix on the LAN's network is still refused. */
	ck_assert_int_eq(address("198.18.1.50/24", l, sizeof(l)), 1);
	ck_assert_ptr_nonnull(strstr(l, "interface address 198.18.1.50/24: route "
	                             "198.18.1.0/24 covers the default gateway"));
	ck_assert_int_eq(address("198.18.1.150/25", l, sizeof(l)), 1);
	ck_assert_ptr_nonnull(strstr(l, "interface address 198.18.1.150/25: route "
	                             "198.18.1.128/25 overlaps the directly connected"));
	ck_assert_int_eq(address("198.18.0.9/16", l, sizeof(l)), 1);
	ck_assert_ptr_nonnull(strstr(l, "server's address"));
	/* Allowed locally. */
	ck_assert_int_eq(guard_env_allow(&env, "10.0.0.0/7"), 0);
	ck_assert_int_eq(address("10.1.2.3/7", l, sizeof(l)), 0);
}
END_TEST

START_TEST(whole_config)
{
	char *addrs[] = { (char[]){ "10.77.0.2/24" }, (char[]){ "1.2.3.4/2" } };
	char *ips1[] = { (char[]){ "10.77.0.3/32" }, (char[]){ "192.168.5.0/24" } };
	char *ips2[] = { (char[]){ "10.77.0.4/32" }, (char[]){ "198.18.0.0/16" }, (char[]){ "0.0.0.0/0" } };
	struct mesh_peer peers[2] = {
		{ .id = (char[]){ "p1" }, .name = (char[]){ "web1" }, .allowed_ips = ips1, .n_allowed_ips = 2 },
		{ .id = (char[]){ "p2" }, .name = (char[]){ "evil" }, .allowed_ips = ips2, .n_allowed_ips = 3 },
	};
	struct mesh_config cfg = { .addresses = addrs, .n_addresses = 2, .peers = peers,
	                           .n_peers = 2 };
	char **lines = NULL;
	size_t n = 0;

	ck_assert_int_eq(guard_check_config(&env, &cfg, &lines, &n), 3);
	ck_assert_uint_eq(n, 3);
	ck_assert_ptr_nonnull(strstr(lines[0], "interface address 1.2.3.4/2: prefix /2"));
	ck_assert_ptr_nonnull(strstr(lines[1], "peer evil (id p2): route 198.18.0.0/16 covers "
	                             "the server's address"));
	ck_assert_ptr_nonnull(strstr(lines[2], "peer evil (id p2): route 0.0.0.0/0"));
	guard_free_lines(lines, n);
}
END_TEST

static Suite *
guard_suite(void)
{
	Suite *s = suite_create("client_guard");
	TCase *tc = tcase_create("guard");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, routes_refused);
	tcase_add_test(tc, routes_fine);
	tcase_add_test(tc, allow_list);
	tcase_add_test(tc, interface_prefix);
	tcase_add_test(tc, whole_config);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(guard_suite)
