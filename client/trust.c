/* SPDX-License-Identifier: MIT */
/* wgconf trust-key: the admin's offline signing key this host trusts. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "peer.h"

static const char trust_key_usage[] =
"Usage: wgconf trust-key [--state-dir DIR] [PUBKEY|none]\n"
"\n"
"Shows, or sets, the admin's public signing key this host trusts. With a\n"
"key set, genconf and sync configure a peer only when its record (public\n"
"key and AllowedIPs) carries a valid Ed25519 signature by that key, made\n"
"offline with `wgconf admin sign`. An entry without one is left out (never\n"
"applied) and named on stderr, the other peers still apply, and the exit\n"
"status is 4. A server that is broken into can then not add a peer or\n"
"change a peer's key or routes on this host. 'none' stops the check.\n"
"\n"
"Take PUBKEY from the admin (`wgconf admin signing-key public`), not from\n"
"the server.\n"
"\n"
"Exit status: 0 done, 1 error, 2 usage.\n";

int
cmd_trust_key(int argc, char **argv)
{
	static const struct option opts[] = { CLI_STATE_OPTION, CLI_HELP_OPTION, { 0 } };
	const char *dir = NULL, *key = NULL;
	uint8_t pk[KEYS_LEN];
	struct state st = { 0 };
	char *copy = NULL;
	int c, ret = EXIT_ERR;

	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (c) {
		case 'S': dir = optarg; break;
		case 'h': return cli_help(trust_key_usage);
		default: return cli_bad_option(c, argv);
		}
	}
	if (optind + 1 < argc)
		return cli_usage_error("unexpected argument '%s'", argv[optind + 1]);
	if (optind < argc) {
		key = argv[optind];
		if (strcmp(key, "none") == 0)
			key = NULL;
		else if (keys_b64_decode_key(pk, key) != 0)
			return cli_usage_error("invalid key '%s' (the admin's public signing key: 44 "
			                   "base64 characters, or none)", key);
	}
	if (peer_load_state(&st, state_dir_choose(dir)) != 0)
		goto out;
	if (optind == argc) {
		printf("%s\n", st.trust_key ? st.trust_key : "none");
		ret = EXIT_OK;
		goto out;
	}
	if (key && (copy = strdup(key)) == NULL) {
		warnx("out of memory");
		goto out;
	}
	free(st.trust_key);
	st.trust_key = copy;
	if (state_save(&st) != 0)
		goto out;
	if (key)
		printf("peers must now carry a signature by %s; those without one are "
		       "left out from the next genconf or sync on (exit 4)\n", key);
	else
		printf("peer records are no longer checked for signatures\n");
	ret = EXIT_OK;
out:
	state_free(&st);
	return ret;
}
