/* SPDX-License-Identifier: MIT */
/* wgconf rotate, and the next key it keeps (see rotate.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "peer.h"
#include "rotate.h"
#include "state.h"

static char *
next_path(const char *dir, const char *file)
{
	char *p;

	if (asprintf(&p, "%s/%s", dir, file) < 0)
		return NULL;
	return p;
}

int
rotate_next_load(const char *dir, uint8_t sk[KEYS_LEN])
{
	char *path = next_path(dir, ROTATE_NEXT_FILE);
	int ret;

	if (path == NULL)
		return -1;
	if (access(path, F_OK) != 0 && errno == ENOENT)
		ret = 1;
	else
		ret = state_key_read_file(path, sk);
	free(path);
	return ret;
}

int
rotate_promote(const char *dir)
{
	char *from = next_path(dir, ROTATE_NEXT_FILE), *to = next_path(dir, "private.key");
	int ret = -1;

	if (from == NULL || to == NULL)
		warnx("out of memory");
	else if (rename(from, to) != 0)
		warn("cannot make %s the host's key %s", from, to);
	else
		ret = 0;
	free(from);
	free(to);
	return ret;
}

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
	char pkb64[KEYS_B64_LEN], skb64[KEYS_B64_LEN + 1], *path = NULL;
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
	r = rotate_next_load(st.dir, sk);
	if (r < 0)
		goto out;
	if (r == 1) {
		keys_generate(sk, pk);
		keys_b64_encode(skb64, KEYS_B64_LEN, sk, KEYS_LEN);
		strcat(skb64, "\n");
		if ((path = next_path(st.dir, ROTATE_NEXT_FILE)) == NULL ||
		    state_write_atomic(path, skb64, strlen(skb64), 0600) != 0)
			goto out;
	} else if (keys_public(pk, sk) != 0) {
		warnx("the next key in %s is not usable; remove %s/%s and run rotate again",
		      st.dir, st.dir, ROTATE_NEXT_FILE);
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
	keys_wipe(skb64, sizeof(skb64));
	if (body)
		json_object_put(body);
	fetch_response_free(&resp);
	state_free(&st);
	free(path);
	return ret;
}
