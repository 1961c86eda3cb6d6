/* SPDX-License-Identifier: MIT */
/* wgconf trust-key: the admin's offline signing key this host trusts. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "hosttrust.h"
#include "peer.h"
#include "validate.h"

static const char trust_key_usage[] =
"Usage: wgconf trust-key [--mesh ID] [--listen-port PORT] [--state-dir DIR]\n"
"                        [PUBKEY|none]\n"
"\n"
"Shows, or sets, the admin's public signing key this host trusts. With a\n"
"key set, genconf and sync build the config only from statements signed by\n"
"it (`wgconf admin sign`): this host's own addresses, MTU and DNS from its\n"
"own statement, and a peer only when its statement verifies, is for this\n"
"host's mesh, is not older than one seen before, names a key that was not\n"
"revoked, and both statements name the pair; its AllowedIPs are what its\n"
"statement says. Every peer refused is named on stderr with the reason\n"
"(unsigned, bad signature, other mesh, rollback, revoked, not paired,\n"
"overlap), the others still apply, and the exit status is 4; when this\n"
"host's own statement is unusable nothing is written. What was seen is\n"
"kept in trust.json in the state folder. A server that is broken into can\n"
"then not add a peer, change a key or a route, bring back an older\n"
"statement or a revoked key, nor change this host's addresses; it can still\n"
"leave peers out, move endpoints and withhold updates. 'none' stops it.\n"
"\n"
"  --mesh ID   the mesh id (32 hex digits, `wgconf admin network`) to pin;\n"
"              without it the first statement of this host's own that\n"
"              verifies pins it\n"
"  --listen-port PORT  the UDP port this host listens on; without it the\n"
"              port of the first config with a usable own statement is\n"
"              pinned (a statement does not carry it: the server's port is\n"
"              never taken after that)\n"
"\n"
"Take PUBKEY from the admin (`wgconf admin signing-key public`), not from\n"
"the server. A new key forgets the versions seen (the revoked keys stay).\n"
"\n"
"Exit status: 0 done, 1 error, 2 usage.\n";

/* The store for key (NULL: none) after old, pinned to mesh if given.
 * Versions are a signer's count: another key starts its own. */
static void
store_for_key(struct hosttrust_store *store, const char *old, const char *key,
              const char *mesh)
{
	if (key && (old == NULL || strcmp(old, key) != 0)) {
		free(store->versions);
		store->versions = NULL;
		store->n_versions = 0;
		store->mesh[0] = '\0';
		store->changed = true;
	}
	if (mesh && strcmp(store->mesh, mesh) != 0) {
		memcpy(store->mesh, mesh, sizeof(store->mesh));
		store->changed = true;
	}
}

struct trust_opts {
	const char *dir, *key, *mesh;
	uint16_t port;
	bool set;                       /* a key (or none) was given */
};

/* 0, or an exit status (-1 after --help). */
static int
parse_trust_opts(struct trust_opts *o, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "mesh", required_argument, NULL, 'm' },
		{ "listen-port", required_argument, NULL, 'l' },
		CLI_STATE_OPTION, CLI_HELP_OPTION, { 0 }
	};
	uint8_t pk[KEYS_LEN];
	int c;

	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (c) {
		case 'm':
			if (!statement_mesh_valid(optarg))
				return cli_usage_error("invalid --mesh '%s' (32 lowercase hex "
				                       "digits)", optarg);
			o->mesh = optarg;
			break;
		case 'l':
			if (validate_port(optarg, &o->port) != 0)
				return cli_usage_error("invalid --listen-port '%s' (1-65535)", optarg);
			break;
		case 'S': o->dir = optarg; break;
		case 'h': cli_help(trust_key_usage); return -1;
		default: return cli_bad_option(c, argv);
		}
	}
	if (optind + 1 < argc)
		return cli_usage_error("unexpected argument '%s'", argv[optind + 1]);
	if (optind < argc) {
		o->set = true;
		o->key = argv[optind];
		if (strcmp(o->key, "none") == 0)
			o->key = NULL;
		else if (keys_b64_decode_key(pk, o->key) != 0)
			return cli_usage_error("invalid key '%s' (the admin's public signing key: 44 "
			                   "base64 characters, or none)", o->key);
	}
	if ((o->mesh || o->port) && o->key == NULL)
		return cli_usage_error("--%s goes with the key it is for",
		                       o->mesh ? "mesh" : "listen-port");
	return 0;
}

int
cmd_trust_key(int argc, char **argv)
{
	struct trust_opts o = { 0 };
	struct state st = { 0 };
	struct hosttrust_store store = { 0 };
	const char *key, *mesh, *dir;
	uint16_t port;
	char *copy = NULL;
	int ret = EXIT_ERR;

	if ((ret = parse_trust_opts(&o, argc, argv)) != 0)
		return ret < 0 ? EXIT_OK : ret;
	ret = EXIT_ERR;
	key = o.key;
	mesh = o.mesh;
	dir = o.dir;
	port = o.port;
	if (peer_load_state(&st, state_dir_choose(dir)) != 0)
		goto out;
	if (hosttrust_store_load(&store, st.dir) != 0)
		goto out;
	if (!o.set) {
		printf("%s\n", st.trust_key ? st.trust_key : "none");
		if (st.trust_key && store.mesh[0])
			printf("mesh %s\n", store.mesh);
		if (st.trust_key && store.listen_port)
			printf("listen port %d\n", store.listen_port);
		ret = EXIT_OK;
		goto out;
	}
	store_for_key(&store, st.trust_key, key, mesh);
	if (port && store.listen_port != port) {
		store.listen_port = port;
		store.changed = true;
	}
	if (store.changed && hosttrust_store_save(&store, st.dir) != 0)
		goto out;
	if (key && (copy = strdup(key)) == NULL) {
		warnx("out of memory");
		goto out;
	}
	free(st.trust_key);
	st.trust_key = copy;
	if (state_save(&st) != 0)
		goto out;
	if (key)
		printf("the config now comes only from statements signed by %s%s%s, from "
		       "the next genconf or sync on (refusals: exit 4)\n", key,
		       store.mesh[0] ? " for mesh " : "", store.mesh);
	else
		printf("statements are no longer checked\n");
	ret = EXIT_OK;
out:
	hosttrust_store_free(&store);
	state_free(&st);
	return ret;
}
