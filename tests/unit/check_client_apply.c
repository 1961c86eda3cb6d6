/* SPDX-License-Identifier: MIT */
/* apply_config against a fake `ip` and `wg` put first on PATH: shell
 * scripts that append their arguments to a log and print canned `ip -j`
 * output. The exact calls are checked for a first apply, an unchanged
 * re-apply (only the reads and `wg syncconf`, which itself changes only
 * what differs) and a removed address and route (deleted, and nothing
 * else touched). The interface is lo, which exists and is up; with its own
 * MTU in the config nothing about the link changes, and the fake ip never
 * touches it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "unit.h"
#include "apply.h"
#include "state.h"

static char tmp[64], logpath[96], oldpath[4096];

static const char fake_ip[] =
	"#!/bin/sh\n"
	"echo \"ip $*\" >> \"$FAKE_DIR/log\"\n"
	"case \"$*\" in\n"
	"'-j address show dev lo') cat \"$FAKE_DIR/addresses\" ;;\n"
	"'-j -4 route show '*) cat \"$FAKE_DIR/routes4\" ;;\n"
	"'-j -6 route show '*) echo '[]' ;;\n"
	"esac\n";
static const char fake_wg[] =
	"#!/bin/sh\n"
	"echo \"wg $*\" >> \"$FAKE_DIR/log\"\n"
	"cat > \"$FAKE_DIR/wg-stdin\"\n";

static void
put(const char *name, const char *text, unsigned mode)
{
	char path[128];

	snprintf(path, sizeof(path), "%s/%s", tmp, name);
	ck_assert_int_eq(state_write_atomic(path, text, strlen(text), mode), 0);
}

static void
setup(void)
{
	char path[sizeof(oldpath) + 128];
	const char *old = getenv("PATH");

	snprintf(tmp, sizeof(tmp), "/tmp/check_client_apply.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmp));
	snprintf(logpath, sizeof(logpath), "%s/log", tmp);
	snprintf(oldpath, sizeof(oldpath), "%s", old ? old : "/usr/bin:/bin");
	snprintf(path, sizeof(path), "%s:%s", tmp, oldpath);
	setenv("PATH", path, 1);
	setenv("FAKE_DIR", tmp, 1);
	put("ip", fake_ip, 0700);
	put("wg", fake_wg, 0700);
	put("addresses", "[{\"ifname\": \"lo\", \"addr_info\": ["
	    "{\"local\": \"127.0.0.1\", \"prefixlen\": 8, \"scope\": \"host\"}]}]", 0600);
	put("routes4", "[]", 0600);
}

static void
teardown(void)
{
	char cmd[128];

	setenv("PATH", oldpath, 1);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmp);
	ck_assert_int_eq(system(cmd), 0);
}

/* The log since the last call, emptied. */
static char *
take_log(void)
{
	char *text = NULL;
	size_t len;

	if (state_read_file(logpath, 65536, &text, &len) != 0)
		return strdup("");
	unlink(logpath);
	return text;
}

static int
lo_mtu(void)
{
	FILE *f = fopen("/sys/class/net/lo/mtu", "re");
	int mtu = 0;

	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(fscanf(f, "%d", &mtu), 1);
	fclose(f);
	return mtu;
}

#define READS \
	"ip -j address show dev lo\n" \
	"ip -j -4 route show table main dev lo proto 87\n" \
	"ip -j -6 route show table main dev lo proto 87\n"

START_TEST(exact_calls)
{
	static char addr[] = "10.77.0.2/24", tunnel[] = "10.77.0.3/32", net[] = "192.168.5.0/24";
	static char key[] = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", id[] = "p1", name[] = "b";
	char *addrs[] = { addr }, *ips[] = { tunnel, net }, *log;
	struct mesh_peer peer = { .id = id, .name = name, .public_key = key,
	                          .allowed_ips = ips, .n_allowed_ips = 2 };
	struct mesh_config cfg = { .addresses = addrs, .n_addresses = 1, .mtu = lo_mtu(),
	                           .peers = &peer, .n_peers = 1 };
	const char wg_text[] = "[Interface]\nPrivateKey = x\n";

	/* First apply: the address and the route outside the subnet added;
	 * the tunnel address inside it needs no route. */
	ck_assert_int_eq(apply_config("lo", &cfg, wg_text, strlen(wg_text), false), 0);
	log = take_log();
	ck_assert_str_eq(log,
	    "wg syncconf lo /dev/stdin\n"
	    "ip -j address show dev lo\n"
	    "ip address replace 10.77.0.2/24 dev lo\n"
	    "ip -j -4 route show table main dev lo proto 87\n"
	    "ip -j -6 route show table main dev lo proto 87\n"
	    "ip route replace 192.168.5.0/24 dev lo proto 87\n");
	free(log);
	{
		char path[128], *in = NULL;
		size_t len;

		snprintf(path, sizeof(path), "%s/wg-stdin", tmp);
		ck_assert_int_eq(state_read_file(path, 4096, &in, &len), 0);
		ck_assert_str_eq(in, wg_text);          /* the config, on stdin only */
		free(in);
	}

	/* The kernel now has them: nothing but the reads. */
	put("addresses", "[{\"ifname\": \"lo\", \"addr_info\": ["
	    "{\"local\": \"127.0.0.1\", \"prefixlen\": 8, \"scope\": \"host\"},"
	    "{\"local\": \"10.77.0.2\", \"prefixlen\": 24, \"scope\": \"global\"}]}]", 0600);
	put("routes4", "[{\"dst\": \"192.168.5.0/24\", \"dev\": \"lo\", \"protocol\": \"87\"}]",
	    0600);
	ck_assert_int_eq(apply_config("lo", &cfg, wg_text, strlen(wg_text), false), 0);
	log = take_log();
	ck_assert_str_eq(log, "wg syncconf lo /dev/stdin\n" READS);
	free(log);

	/* Renumbered, and the network no longer routed through the peer: the
	 * new address first, then the old one and the stale route deleted. */
	snprintf(addr, sizeof(addr), "10.77.0.5/24");
	peer.n_allowed_ips = 1;
	ck_assert_int_eq(apply_config("lo", &cfg, wg_text, strlen(wg_text), false), 0);
	log = take_log();
	ck_assert_str_eq(log,
	    "wg syncconf lo /dev/stdin\n"
	    "ip -j address show dev lo\n"
	    "ip address replace 10.77.0.5/24 dev lo\n"
	    "ip address del 10.77.0.2/24 dev lo\n"
	    "ip -j -4 route show table main dev lo proto 87\n"
	    "ip -j -6 route show table main dev lo proto 87\n"
	    "ip route del 192.168.5.0/24 dev lo proto 87\n");
	free(log);
}
END_TEST

START_TEST(failures_stop)
{
	static char addr[] = "10.77.0.2/24";
	char *addrs[] = { addr }, *log;
	struct mesh_config cfg = { .addresses = addrs, .n_addresses = 1, .mtu = lo_mtu() };

	/* Output that is not ip's JSON: an error, and nothing is changed. */
	put("addresses", "not json", 0600);
	ck_assert_int_eq(apply_config("lo", &cfg, "", 0, false), -1);
	log = take_log();
	ck_assert_str_eq(log, "wg syncconf lo /dev/stdin\nip -j address show dev lo\n");
	free(log);
	/* wg failing stops everything after it. */
	put("wg", "#!/bin/sh\necho \"wg $*\" >> \"$FAKE_DIR/log\"\nexit 1\n", 0700);
	ck_assert_int_eq(apply_config("lo", &cfg, "", 0, false), -1);
	log = take_log();
	ck_assert_str_eq(log, "wg syncconf lo /dev/stdin\n");
	free(log);
}
END_TEST

START_TEST(run_no_shell)
{
	const char *argv[] = { "printf", "%s|", "a b", "$(id)", ";x", NULL };
	char *out = NULL;

	ck_assert_int_eq(apply_run(argv, NULL, 0, &out), 0);
	ck_assert_str_eq(out, "a b|$(id)|;x|");
	free(out);
	{
		const char *cat[] = { "cat", NULL };
		ck_assert_int_eq(apply_run(cat, "in\n", 3, &out), 0);
		ck_assert_str_eq(out, "in\n");
		free(out);
	}
	{
		const char *none[] = { "wgconf-no-such-program", NULL };
		ck_assert_int_eq(apply_run(none, NULL, 0, NULL), -1);
	}
}
END_TEST

static Suite *
apply_suite(void)
{
	Suite *s = suite_create("client-apply");
	TCase *tc = tcase_create("apply");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, exact_calls);
	tcase_add_test(tc, failures_stop);
	tcase_add_test(tc, run_no_shell);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(apply_suite)
