/* SPDX-License-Identifier: MIT */
/* What every wgconf command shares: exit statuses, usage errors that name
 * the bad value, the common options. Messages go through err.h's warnx(3),
 * so they start with the program's name. */
#ifndef WGCONF_CLI_H
#define WGCONF_CLI_H

#include <err.h>
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>

/* Exit status, as docs/design.md fixes it. */
enum {
	EXIT_OK = 0,
	EXIT_ERR = 1,           /* also: sync --apply put the previous config back */
	EXIT_USAGE = 2,
	EXIT_PENDING = 3,       /* registered, not yet accepted by an admin */
	EXIT_REVIEW = 4,        /* changes held for a human to review */
};

#define WGCONF_IFNAME_MAX 15

#define CLI_STATE_OPTION { "state-dir", required_argument, NULL, 'S' }
#define CLI_HELP_OPTION { "help", no_argument, NULL, 'h' }

/* The command being run ("sync", "admin accept"), for usage errors; main
 * and the admin dispatcher set it. */
extern const char *cli_command;

/* "wgconf CMD: MESSAGE" and a hint to --help on stderr; EXIT_USAGE. */
int cli_usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Prints usage on stdout; EXIT_OK. */
int cli_help(const char *usage);

/* getopt_long's '?' and ':' as a usage error naming the bad argument. */
int cli_bad_option(int c, char **argv);

/* A valid interface name (1-15 of letters, digits, '.', '-', '_'). */
bool cli_valid_ifname(const char *s);

/* The commands, one file each (or per group); each takes its own name as
 * argv[0] and returns an exit status. */
int cmd_register(int argc, char **argv);
int cmd_status(int argc, char **argv);
int cmd_genconf(int argc, char **argv);
int cmd_sync(int argc, char **argv);
int cmd_endpoint(int argc, char **argv);
int cmd_deregister(int argc, char **argv);
int cmd_trust_key(int argc, char **argv);
int cmd_allow_route(int argc, char **argv);
int cmd_rotate(int argc, char **argv);
int cmd_admin(int argc, char **argv);

#endif
