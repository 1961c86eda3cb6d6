/* SPDX-License-Identifier: MIT */
/* wgconf rotate (the next key it keeps: nextkey.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "peer.h"
#include "nextkey.h"
#include "state.h"

static const char rotate_usage[] =
"Usage: wgconf rotate [--state-dir DIR]\n"
"\n"
"Makes a new WireGuard key pair for this host and asks the server to\n"
"register it as a pending key change (the private key never leaves the\n"
"host). Nothing changes until an admin accepts it (`wgconf admin\n"
"accept-key PEER`, and signs it when the mesh is signed). Then every pair\n"
"gets fresh preshared keys sealed to the new key, every partner switches\n"
"at its next sync, and this host switches at the sync whose config is for\n"
"the new key; the old key is then revoked. Running it again before that\n"
"sends the same new key again.\n"
"\n"
"Exit status: 0 requested, 1 error, 2 usage, 3 not yet accepted.\n";

int
cmd_rotate(int argc, char **argv)
{
	static const struct option opts[] = { CLI_STATE_OPTION, CLI_HELP_OPTION, { 0 } };
	const char *dir = NULL;
	uint8_t sk[KEYS_LEN], pk[KEYS_LEN];
	char pkb64[KEYS_B64_LEN];
	struct state st = { 0 };
	struct fetch_response resp = { 0 };
	struct json_object *body = NULL;
	int c, r, ret = EXIT_ERR;

	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (c) {
		case 'S': dir = optarg; break;
		case 'h': return cli_help(rotate_usage);
		default: return cli_bad_option(c, argv);
		}
	}
	if (optind != argc)
		return cli_usage_error("unexpected argument '%s'", argv[optind]);
	if (peer_load_state(&st, state_dir_choose(dir)) != 0)
		goto out;
	/* One next key until it is taken: a lost answer is retried with the
	 * same key, never with a third one the server does not know. */
	r = nextkey_load(st.dir, sk);
	if (r < 0)
		goto out;
	if (r == 1) {
		keys_generate(sk, pk);
		if (nextkey_save(st.dir, sk) != 0)
			goto out;
	} else if (keys_public(pk, sk) != 0) {
		warnx("the next key in %s is not usable; remove %s/%s and run rotate again",
		      st.dir, st.dir, NEXTKEY_FILE);
		goto out;
	}
	keys_b64_encode(pkb64, sizeof(pkb64), pk, KEYS_LEN);
	if ((body = json_object_new_object()) == NULL ||
	    json_object_object_add(body, "public_key", json_object_new_string(pkb64)) != 0) {
		warnx("out of memory");
		goto out;
	}
	if (peer_request(&st, "POST", "/peer/key", body, NULL, &resp) != 0)
		goto out;
	if (resp.status < 200 || resp.status > 299) {
		ret = peer_failure(&resp, "rotate", &st);
		goto out;
	}
	printf("new public key %s is pending: an admin accepts it with `wgconf admin "
	       "accept-key %s`; this host switches at the sync after that\n", pkb64, st.id);
	ret = EXIT_OK;
out:
	keys_wipe(sk, sizeof(sk));
	if (body)
		json_object_put(body);
	fetch_response_free(&resp);
	state_free(&st);
	return ret;
}
