/* SPDX-License-Identifier: MIT */
/* wgconf allow-route: the operator's exceptions to the route-safety checks
 * (guard.h), kept in the state folder. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "forward.h"
#include "guardenv.h"
#include "state.h"

static const char allow_route_usage[] =
"Usage: wgconf allow-route [--remove] [--state-dir DIR] [CIDR...]\n"
"\n"
"Whatever the server says, sync never writes nor applies a config that\n"
"routes into the tunnel the server's own address, a default gateway of this\n"
"host, or a network on one of its other interfaces, nor gives the tunnel\n"
"an address with a prefix shorter than /8 (IPv4) or /16 (IPv6): such a\n"
"config is held (exit status 4) with one line per route saying why.\n"
"\n"
"allow-route CIDR lets the routes inside CIDR through all the same (a\n"
"host that does reach its LAN or the server through the mesh, on purpose).\n"
"Without CIDR it lists what is allowed; --remove takes CIDRs off the list.\n"
"The list is the file allowed-routes in the state folder.\n"
"\n"
"  --remove           remove the CIDRs from the list\n"
"  --state-dir DIR    state folder (default $WGCONF_STATE_DIR or\n"
"                     /var/lib/wgconf)\n"
"\n"
"Exit status: 0 done, 1 error, 2 usage.\n";

int
cmd_allow_route(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "remove", no_argument, NULL, 'r' }, CLI_STATE_OPTION, CLI_HELP_OPTION, { 0 }
	};
	const char *dir = NULL;
	bool remove = false;
	char **list = NULL;
	size_t n = 0;
	int c, ret = EXIT_ERR;

	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (c) {
		case 'r': remove = true; break;
		case 'S': dir = optarg; break;
		case 'h': return cli_help(allow_route_usage);
		default: return cli_bad_option(c, argv);
		}
	}
	/* Every argument checked before the list changes at all. */
	for (int i = optind; i < argc; i++) {
		struct cidr x;

		if (ipam_parse(&x, argv[i], false, true) != 0)
			return cli_usage_error("invalid CIDR '%s' (want ADDRESS/PREFIX with the "
			                       "host bits zero, e.g. 192.168.1.0/24)", argv[i]);
	}
	if (remove && optind == argc)
		return cli_usage_error("--remove needs the CIDRs to remove");
	dir = state_dir_choose(dir);
	if (optind == argc) {
		if (guardenv_allow_read(dir, &list, &n) != 0)
			goto out;
		for (size_t i = 0; i < n; i++)
			printf("%s\n", list[i]);
		ret = EXIT_OK;
		goto out;
	}
	for (int i = optind; i < argc; i++) {
		struct cidr x;
		char canon[IPAM_STRLEN];
		int r;

		(void)ipam_parse(&x, argv[i], false, true);
		ipam_format(canon, &x, true);
		if ((r = guardenv_allow_change(dir, canon, !remove)) < 0)
			goto out;
		if (remove)
			printf(r ? "%s was not allowed\n" : "%s is no longer allowed\n", canon);
		else
			printf(r ? "%s was allowed already\n" : "allowed routes inside %s\n", canon);
	}
	ret = EXIT_OK;
out:
	guard_free_lines(list, n);
	return ret;
}

static const char allow_relay_usage[] =
"Usage: wgconf allow-relay [--remove | --status] [--state-dir DIR]\n"
"\n"
"Lets this host forward traffic between its tunnel peers when the server\n"
"makes it a relay (two hosts that cannot reach each other directly then\n"
"talk through it). Without this, whatever the server says, `sync --apply`\n"
"never turns this host into a router: it says so, tells the server, and\n"
"forwards nothing.\n"
"\n"
"When allowed and asked to relay, `sync --apply` switches forwarding on for\n"
"the WireGuard interface only (net.ipv4.conf.IFACE.forwarding and its IPv6\n"
"twin, never ip_forward) and, when an nftables (or iptables) forward chain\n"
"drops by default, adds one rule letting IFACE-to-IFACE traffic through,\n"
"commented \"wgconf relay IFACE\". Both are undone when the host stops being\n"
"a relay, or after --remove at the next `sync --apply`. The consent is the\n"
"file allow-relay in the state folder.\n"
"\n"
"  --remove           take the consent back\n"
"  --status           say whether relaying is allowed\n"
"  --state-dir DIR    state folder (default $WGCONF_STATE_DIR or\n"
"                     /var/lib/wgconf)\n"
"\n"
"Exit status: 0 done, 1 error, 2 usage.\n";

int
cmd_allow_relay(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "remove", no_argument, NULL, 'r' }, { "status", no_argument, NULL, 's' },
		CLI_STATE_OPTION, CLI_HELP_OPTION, { 0 }
	};
	const char *dir = NULL;
	int c, mode = 0, r;

	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (c) {
		case 'r': mode = mode ? -2 : 'r'; break;
		case 's': mode = mode ? -2 : 's'; break;
		case 'S': dir = optarg; break;
		case 'h': return cli_help(allow_relay_usage);
		default: return cli_bad_option(c, argv);
		}
	}
	if (optind != argc)
		return cli_usage_error("unexpected argument '%s'", argv[optind]);
	if (mode == -2)
		return cli_usage_error("--remove and --status exclude each other");
	dir = state_dir_choose(dir);
	if (mode == 's') {
		if ((r = forward_allowed(dir)) < 0)
			return EXIT_ERR;
		printf(r ? "relaying is allowed\n" : "relaying is not allowed\n");
		return EXIT_OK;
	}
	if (forward_allow_set(dir, mode != 'r') != 0)
		return EXIT_ERR;
	printf(mode == 'r' ? "relaying is no longer allowed (undone at the next sync --apply)\n"
	                   : "relaying is allowed\n");
	return EXIT_OK;
}
