/* SPDX-License-Identifier: MIT */
/* Route safety: what a host refuses from a config (routes onto the server's
 * address, a default gateway or a connected network; short interface
 * prefixes), what `wgconf allow-route` lets through, and that every refusal
 * names the peer, the route and the reason. */
#include <stdio.h>
#include <string.h>

#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "unit.h"
#include "../../client/guard.h"
#include "../../client/guardenv.h"
#include "../../client/model.h"
#include "../../client/state.h"

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


/* guardenv against a fake `ip` first on PATH: canned `ip -j` output with a
 * multipath IPv4 default, an IPv6 default, addresses on the tunnel itself
 * (left out), on lo (host scope, left out) and on two other interfaces. */
static const char fake_ip[] =
	"#!/bin/sh\n"
	"case \"$*\" in\n"
	"'-j -4 route show default table all') echo '[{\"dst\":\"default\",\"nexthops\":"
	"[{\"gateway\":\"192.0.2.1\",\"dev\":\"eth0\"},{\"gateway\":\"198.51.100.1\","
	"\"dev\":\"eth1\"}]}]' ;;\n"
	"'-j -6 route show default table all') echo '[{\"dst\":\"default\","
	"\"gateway\":\"fe80::1\",\"dev\":\"eth0\"}]' ;;\n"
	"'-j address show') echo '[{\"ifname\":\"lo\",\"addr_info\":[{\"local\":"
	"\"127.0.0.1\",\"prefixlen\":8,\"scope\":\"host\"}]},{\"ifname\":\"eth0\","
	"\"addr_info\":[{\"local\":\"192.0.2.10\",\"prefixlen\":24,\"scope\":\"global\"},"
	"{\"local\":\"2001:db8:5::10\",\"prefixlen\":64,\"scope\":\"global\"}]},"
	"{\"ifname\":\"eth1\",\"addr_info\":[{\"local\":\"198.51.100.7\",\"prefixlen\":25}]},"
	"{\"ifname\":\"wg0\",\"addr_info\":[{\"local\":\"10.77.0.2\",\"prefixlen\":24}]}]' ;;\n"
	"*) exit 1 ;;\n"
	"esac\n";

START_TEST(host_view)
{
	char tmp[] = "/tmp/check_client_guard.XXXXXX", path[128], newpath[4200], cmd[128];
	const char *oldpath = getenv("PATH");
	char *saved = strdup(oldpath ? oldpath : "/usr/bin:/bin");
	struct guard_env e = { 0 };
	char **lines = NULL;
	size_t n = 0;

	ck_assert_ptr_nonnull(mkdtemp(tmp));
	snprintf(path, sizeof(path), "%s/ip", tmp);
	ck_assert_int_eq(state_write_atomic(path, fake_ip, strlen(fake_ip), 0700), 0);
	snprintf(newpath, sizeof(newpath), "%s:%s", tmp, saved);
	setenv("PATH", newpath, 1);
	ck_assert_int_eq(guardenv_gather(&e, "wg0", "203.0.113.9"), 0);
	setenv("PATH", saved, 1);
	/* server, two gateways and one IPv6, three connected networks */
	ck_assert_uint_eq(e.n_items, 7);
#define REFUSED(c) (guard_check_route(&e, "p", (c), &lines, &n) == 1)
	ck_assert(REFUSED("203.0.113.0/24"));
	ck_assert(REFUSED("192.0.2.1/32"));
	ck_assert(REFUSED("198.51.100.0/24"));
	ck_assert(REFUSED("2001:db8:5::/48"));
	ck_assert(REFUSED("fe80::/10"));
	/* Neither the tunnel's own subnet nor loopback is protected. */
	ck_assert(!REFUSED("10.77.0.0/24"));
	ck_assert(!REFUSED("127.0.0.0/8"));
#undef REFUSED
	guard_free_lines(lines, n);
	guard_env_free(&e);

	/* The allow-list: added, listed, removed; a damaged file is an error. */
	ck_assert_int_eq(guardenv_allow_change(tmp, "10.0.0.0/8", true), 0);
	ck_assert_int_eq(guardenv_allow_change(tmp, "10.0.0.0/8", true), 1);
	ck_assert_int_eq(guardenv_allow_change(tmp, "fd00::/8", true), 0);
	ck_assert_int_eq(guardenv_allow_read(tmp, &lines, &n), 0);
	ck_assert_uint_eq(n, 2);
	ck_assert_str_eq(lines[0], "10.0.0.0/8");
	ck_assert_str_eq(lines[1], "fd00::/8");
	guard_free_lines(lines, n);
	ck_assert_int_eq(guardenv_allow_change(tmp, "10.0.0.0/8", false), 0);
	ck_assert_int_eq(guardenv_allow_change(tmp, "10.0.0.0/8", false), 1);
	ck_assert_int_eq(guardenv_allow_load(&e, tmp), 0);
	ck_assert_uint_eq(e.n_allowed, 1);
	guard_env_free(&e);
	snprintf(path, sizeof(path), "%s/%s", tmp, GUARDENV_ALLOW_FILE);
	{
		struct stat sb;

		ck_assert_int_eq(stat(path, &sb), 0);
		ck_assert_int_eq(sb.st_mode & 0777, 0600);
	}
	ck_assert_int_eq(state_write_atomic(path, "10.0.0.1/8\n", 11, 0600), 0);
	ck_assert_int_eq(guardenv_allow_read(tmp, &lines, &n), -1);
	ck_assert_uint_eq(n, 0);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmp);
	ck_assert_int_eq(system(cmd), 0);
	free(saved);
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
	tcase_add_test(tc, host_view);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(guard_suite)
