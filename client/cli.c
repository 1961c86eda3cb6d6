/* SPDX-License-Identifier: MIT */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "text.h"

const char *cli_command = "";

int
cli_usage_error(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s %s: ", program_invocation_short_name, cli_command);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry '%s %s --help'.\n", program_invocation_short_name, cli_command);
	return EXIT_USAGE;
}

int
cli_help(const char *usage)
{
	fputs(usage, stdout);
	return EXIT_OK;
}

int
cli_bad_option(int c, char **argv)
{
	if (c == ':')
		return cli_usage_error("option '%s' needs a value", argv[optind - 1]);
	return cli_usage_error("unknown option '%s'", argv[optind - 1]);
}

bool
cli_valid_ifname(const char *s)
{
	return text_in_class(s, 1, WGCONF_IFNAME_MAX, "-_.") && strcmp(s, ".") != 0 &&
	       strcmp(s, "..") != 0;
}
