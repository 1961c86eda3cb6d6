/* SPDX-License-Identifier: MIT */
/* wgconf: the client a WireGuard host runs (from cron) to join a mesh that
 * wgconfsrv describes. This file holds the command table, main and the
 * global options; each command lives in its own file (see cli.h). */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "fetch.h"
#include "keys.h"

static const struct {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *description;
} commands[] = {
	{ "register", cmd_register, "make a key pair and register with the server" },
	{ "status", cmd_status, "show this host's state on the server" },
	{ "genconf", cmd_genconf, "print this host's WireGuard config" },
	{ "sync", cmd_sync, "write (and --apply) the config; quiet unless it changed" },
	{ "endpoint", cmd_endpoint, "change this host's public endpoint" },
	{ "deregister", cmd_deregister, "leave the mesh" },
	{ "trust-key", cmd_trust_key, "require peers to be signed by the admin's offline key" },
	{ "allow-route", cmd_allow_route, "let a route through that guards would hold" },
	{ "allow-relay", cmd_allow_relay, "let this host forward between its peers as a relay" },
	{ "rotate", cmd_rotate, "make a new key pair and ask the server to take it" },
	{ "admin", cmd_admin, "manage peers, pairs, invites and the network (admins)" },
};

/* Generated from the table, as wg(8) does. */
static void
show_usage(FILE *f)
{
	fprintf(f, "Usage: %s COMMAND [OPTIONS] [ARGS]\n\n"
	        "Joins this host to a WireGuard mesh run by wgconfsrv.\n\n"
	        "Commands:\n", program_invocation_short_name);
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %-11s %s\n", commands[i].name, commands[i].description);
	fprintf(f, "\n`%s COMMAND --help` describes each. Exit status: 0 done, 1 error,\n"
	        "2 usage, 3 not yet accepted, 4 changes held (for review, for a route\n"
	        "that would cut this host off, or peers refused by the signing checks).\n",
	        program_invocation_short_name);
}

int
main(int argc, char **argv)
{
	int ret;

	/* A child that exits early must not kill us through a pipe. */
	signal(SIGPIPE, SIG_IGN);
	umask(077);
	if (argc < 2) {
		show_usage(stderr);
		return EXIT_USAGE;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		show_usage(stdout);
		return EXIT_OK;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (strcmp(commands[i].name, argv[1]) != 0)
			continue;
		if (keys_init() != 0) {
			warnx("libsodium cannot start");
			return EXIT_ERR;
		}
		cli_command = commands[i].name;
		fetch_global_init();
		opterr = 0;
		optind = 1;
		ret = commands[i].fn(argc - 1, argv + 1);
		fetch_global_cleanup();
		return ret;
	}
	warnx("unknown command '%s'", argv[1]);
	show_usage(stderr);
	return EXIT_USAGE;
}
