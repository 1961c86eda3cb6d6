/* SPDX-License-Identifier: MIT */
/* wgconf register: makes the host's key pair (the private key never leaves
 * the host) and registers its public half with the server. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "fetch.h"
#include "keys.h"
#include "state.h"
#include "text.h"
#include "validate.h"
#include "wgquick.h"

#define PEER_TOKEN_MAX 128

static const char register_usage[] =
"Usage: wgconf register --server URL [OPTIONS] ENDPOINT|nat\n"
"       wgconf register --adopt --server URL --invite CODE --private-key-file FILE\n"
"\n"
"Makes this host's WireGuard key pair (the private key never leaves the host)\n"
"and registers it with the server. ENDPOINT is HOST:PORT or [IPv6]:PORT, the\n"
"address other peers use to reach this host; 'nat' for a host without one.\n"
"\n"
"  --server URL             the server, https://HOST[:PORT][/PATH]\n"
"  --name NAME              peer name (default: this host's name)\n"
"  --listen-port PORT       WireGuard port (default: the endpoint's port)\n"
"  --invite CODE            an invite code: joins at once, no admin needed\n"
"  --cacert FILE            trust this CA file instead of the system CAs\n"
"  --pin sha256//BASE64     trust the server's public key with this hash\n"
"  --insecure-http          allow an unencrypted http:// URL (for loopback tests)\n"
"  --private-key-file FILE  use this key (wg genkey format) instead of a new one\n"
"  --adopt                  take over the peer an admin imported for this host\n"
"                           (`wgconf admin import`): FILE (a key, or the host's\n"
"                           wg-quick file, e.g. /etc/wireguard/wg0.conf) must\n"
"                           hold the private key of the imported public key, and\n"
"                           an --invite made for that peer (`wgconf admin invite\n"
"                           --for NAME`) is needed. The server seals the token to\n"
"                           that key; name, addresses and endpoint stay as\n"
"                           imported. No ENDPOINT argument. Then run `wgconf sync\n"
"                           --apply --force` once to replace the hand-made file.\n"
"  --trust-key PUBKEY       build the config only from statements signed by\n"
"                           this admin key (see `wgconf trust-key --help`)\n"
"  --force                  replace an existing registration's state (a key\n"
"                           trusted before stays trusted)\n"
"  --state-dir DIR          state folder (default $WGCONF_STATE_DIR or\n"
"                           /var/lib/wgconf)\n"
"\n"
"Exit status: 0 registered (accepted or pending), 1 error, 2 usage.\n";

struct register_opts {
	const char *server, *name, *invite, *cacert, *pin, *keyfile, *dir, *trust;
	const char *endpoint;           /* NULL: behind NAT */
	bool insecure, force, adopt;
	uint16_t listen_port;
	char hostname[256];             /* the default name */
	char *cacert_abs;               /* owned: realpath of cacert */
};

/* The peer name: --name, else this host's name (its first label when the
 * whole is not a valid peer name). 0 or a usage error. */
static int
choose_name(struct register_opts *o)
{
	if (o->name != NULL) {
		if (!validate_name(o->name))
			return cli_usage_error("invalid --name '%s' (1-63 letters, digits, "
			                       "'.', '-', '_')", o->name);
		return 0;
	}
	if (gethostname(o->hostname, sizeof(o->hostname)) != 0)
		o->hostname[0] = '\0';
	o->hostname[sizeof(o->hostname) - 1] = '\0';
	if (!validate_name(o->hostname))
		o->hostname[strcspn(o->hostname, ".")] = '\0';
	if (!validate_name(o->hostname))
		return cli_usage_error("this host's name '%s' is not a valid peer name; "
		                       "give --name", o->hostname);
	o->name = o->hostname;
	return 0;
}

/* What both ways to register check: the trusted key, the server and how
 * to reach it, the invite code. 0, or an exit status. */
static int
check_server_opts(const struct register_opts *o)
{
	uint8_t tpk[KEYS_LEN];

	if (o->trust && keys_b64_decode_key(tpk, o->trust) != 0)
		return cli_usage_error("invalid --trust-key '%s' (the admin's public signing "
		                       "key: 44 base64 characters)", o->trust);
	if (o->server == NULL)
		return cli_usage_error("--server URL is required");
	if (fetch_check_url(o->server, o->insecure) != 0)
		return EXIT_USAGE;
	if (o->pin && fetch_check_pin(o->pin) != 0)
		return cli_usage_error("invalid --pin '%s' (want sha256// and the base64 of a "
		                       "SHA-256 hash)", o->pin);
	if (o->invite && !text_safe_token(o->invite, 256))
		return cli_usage_error("invalid --invite code '%s'", o->invite);
	return 0;
}

/* --cacert as an absolute path, checked readable. 0, or an exit status. */
static int
find_cacert(struct register_opts *o)
{
	if (o->cacert) {
		o->cacert_abs = realpath(o->cacert, NULL);
		if (o->cacert_abs == NULL || access(o->cacert_abs, R_OK) != 0) {
			warn("cannot read --cacert '%s'", o->cacert);
			return EXIT_ERR;
		}
	}
	return 0;
}

/* Everything a user can get wrong, checked before anything is written or
 * sent. 0, or an exit status. */
static int
check_opts(struct register_opts *o)
{
	char host[VALIDATE_HOST_MAX + 1];
	uint16_t port = 0;
	int r;

	if ((r = check_server_opts(o)) != 0)
		return r;
	if (validate_is_nat(o->endpoint))
		o->endpoint = NULL;
	else if (validate_endpoint(o->endpoint, host, sizeof(host), &port) != 0)
		return cli_usage_error("invalid endpoint '%s' (want HOST:PORT, [IPv6]:PORT "
		                       "or nat)", o->endpoint);
	if (o->listen_port == 0)
		o->listen_port = port;
	if (choose_name(o) != 0)
		return EXIT_USAGE;
	return find_cacert(o);
}

/* --adopt: the imported peer keeps its name, endpoint and port. */
static int
check_adopt_opts(struct register_opts *o, int argc, char **argv)
{
	int r;

	if (optind != argc)
		return cli_usage_error("unexpected argument '%s': --adopt keeps the imported "
		                       "endpoint (change it later with `wgconf endpoint`)",
		                       argv[optind]);
	if (o->name || o->listen_port)
		return cli_usage_error("--adopt keeps the imported name and port: no --name or "
		                       "--listen-port");
	if (o->invite == NULL || o->keyfile == NULL)
		return cli_usage_error("--adopt needs --invite CODE and --private-key-file FILE");
	if ((r = check_server_opts(o)) != 0)
		return r;
	return find_cacert(o);
}

static int
parse_opts(struct register_opts *o, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "server", required_argument, NULL, 's' },
		{ "name", required_argument, NULL, 'n' },
		{ "listen-port", required_argument, NULL, 'l' },
		{ "invite", required_argument, NULL, 'i' },
		{ "cacert", required_argument, NULL, 'c' },
		{ "pin", required_argument, NULL, 'p' },
		{ "insecure-http", no_argument, NULL, 'I' },
		{ "private-key-file", required_argument, NULL, 'k' },
		{ "force", no_argument, NULL, 'f' },
		{ "trust-key", required_argument, NULL, 't' },
		{ "adopt", no_argument, NULL, 'a' },
		CLI_STATE_OPTION, CLI_HELP_OPTION, { 0 }
	};
	int c;

	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (c) {
		case 's': o->server = optarg; break;
		case 'n': o->name = optarg; break;
		case 'l':
			if (validate_port(optarg, &o->listen_port) != 0)
				return cli_usage_error("invalid --listen-port '%s' (1-65535)",
				                       optarg);
			break;
		case 'i': o->invite = optarg; break;
		case 'c': o->cacert = optarg; break;
		case 'p': o->pin = optarg; break;
		case 'I': o->insecure = true; break;
		case 'k': o->keyfile = optarg; break;
		case 'f': o->force = true; break;
		case 't': o->trust = optarg; break;
		case 'a': o->adopt = true; break;
		case 'S': o->dir = optarg; break;
		case 'h': cli_help(register_usage); return -1;
		default: return cli_bad_option(c, argv);
		}
	}
	if (o->adopt)
		return check_adopt_opts(o, argc, argv);
	if (optind == argc)
		return cli_usage_error("give the endpoint (HOST:PORT or nat)");
	if (optind != argc - 1)
		return cli_usage_error("unexpected argument '%s'", argv[optind + 1]);
	o->endpoint = argv[optind];
	return check_opts(o);
}

/* The key pair: from --private-key-file, or new. 0 or -1. */
static int
make_key(const struct register_opts *o, uint8_t sk[KEYS_LEN], uint8_t pk[KEYS_LEN])
{
	if (o->keyfile == NULL) {
		keys_generate(sk, pk);
		return 0;
	}
	if (o->adopt) {
		char *text = NULL, err[200];
		size_t len = 0;
		int r = state_read_file(o->keyfile, 1024 * 1024, &text, &len);
		if (r != 0) {
			warnx("cannot read the private key %s: %s", o->keyfile,
			      r == 1 ? "no such file" : strerror(errno));
			return -1;
		}
		/* A wg-quick file, or a key alone. */
		r = len > 0 && memchr(text, '[', len) != NULL
		    ? wgquick_private_key(text, len, sk, err, sizeof(err)) : 1;
		keys_wipe(text, len);
		free(text);
		if (r < 0) {
			warnx("%s: %s", o->keyfile, err);
			return -1;
		}
		if (r > 0 && state_key_read_file(o->keyfile, sk) != 0)
			return -1;
	} else if (state_key_read_file(o->keyfile, sk) != 0) {
		return -1;
	}
	if (keys_public(pk, sk) != 0) {
		warnx("%s is not a usable private key", o->keyfile);
		return -1;
	}
	return 0;
}

/* POST /register; 0 with resp holding the 200/201 answer, or -1. */
static int
send_registration(const struct register_opts *o, const char *pkb64,
                  struct fetch_response *resp)
{
	struct fetch_tls tls = { .cacert = o->cacert_abs, .pin = o->pin,
	                         .insecure_http = o->insecure };
	struct fetch_auth auth = { 0 };
	struct json_object *body = json_object_new_object();
	int ret = -1;

	if (body == NULL)
		return -1;
	json_object_object_add(body, "name", json_object_new_string(o->name));
	json_object_object_add(body, "public_key", json_object_new_string(pkb64));
	json_object_object_add(body, "endpoint",
	                       o->endpoint ? json_object_new_string(o->endpoint) : NULL);
	if (o->listen_port)
		json_object_object_add(body, "listen_port", json_object_new_int(o->listen_port));
	if (o->invite)
		json_object_object_add(body, "invite", json_object_new_string(o->invite));
	if (fetch_request(o->server, "POST", "/register", &tls, &auth, body, NULL, resp) != 0)
		goto out;
	if (resp->status != 201 && resp->status != 200) {
		fetch_report(resp, "registration refused");
		if (strcmp(fetch_error_code(resp), "public_key_taken") == 0)
			warnx("this key is registered already; without --private-key-file "
			      "a new key is made");
		goto out;
	}
	ret = 0;
out:
	json_object_put(body);
	return ret;
}

/* POST /adopt; on 200, resp's answer gets "token" (opened from
 * token_sealed with the host's key) and o->name the imported name. 0 or -1. */
static int
send_adoption(struct register_opts *o, const char *pkb64, const uint8_t sk[KEYS_LEN],
              const uint8_t pk[KEYS_LEN], struct fetch_response *resp)
{
	struct fetch_tls tls = { .cacert = o->cacert_abs, .pin = o->pin,
	                         .insecure_http = o->insecure };
	struct fetch_auth auth = { 0 };
	struct json_object *body = json_object_new_object();
	const char *id, *name, *sealed;
	uint8_t box[KEYS_SEALED_LEN + 8], raw[KEYS_LEN];
	char secret[KEYS_TOKEN_LEN], token[PEER_TOKEN_MAX];
	size_t boxlen = 0;
	int ret = -1;

	if (body == NULL)
		return -1;
	json_object_object_add(body, "public_key", json_object_new_string(pkb64));
	json_object_object_add(body, "invite", json_object_new_string(o->invite));
	if (fetch_request(o->server, "POST", "/adopt", &tls, &auth, body, NULL, resp) != 0)
		goto out;
	if (resp->status != 200) {
		fetch_report(resp, "adoption refused");
		goto out;
	}
	id = text_json_str(resp->json, "id");
	name = text_json_str(resp->json, "name");
	sealed = text_json_str(resp->json, "token_sealed");
	if (id == NULL || !text_safe_token(id, 64) || name == NULL || !validate_name(name) ||
	    sealed == NULL || keys_b64_decode(box, sizeof(box), &boxlen, sealed) != 0 ||
	    keys_open(raw, box, boxlen, pk, sk) != 0) {
		warnx("the server's answer has no token sealed to this host's key");
		goto out;
	}
	keys_secret_encode(secret, raw);
	keys_wipe(raw, sizeof(raw));
	snprintf(token, sizeof(token), "%s.%s", id, secret);
	keys_wipe(secret, sizeof(secret));
	json_object_object_add(resp->json, "token", json_object_new_string(token));
	keys_wipe(token, sizeof(token));
	snprintf(o->hostname, sizeof(o->hostname), "%s", name);
	o->name = o->hostname;
	ret = 0;
out:
	json_object_put(body);
	return ret;
}

/* The new state from the server's answer; a trust key set before stays
 * (registering again must not quietly stop checking signatures). Then the
 * key and the state are saved, the key first: state without a key is
 * useless, a key without state only means registering again. 0 or -1. */
static int
save_registration(const struct register_opts *o, const char *dir, const struct state *old,
                  struct json_object *answer, const uint8_t sk[KEYS_LEN], struct state *st)
{
	const char *id = text_json_str(answer, "id"), *token = text_json_str(answer, "token");
	const char *trust = o->trust ? o->trust : old->trust_key;

	if (id == NULL || !text_safe_token(id, 64) || token == NULL ||
	    !text_safe_token(token, 512)) {
		warnx("the server's answer has no valid id or token");
		return -1;
	}
	st->dir = strdup(dir);
	st->server = strdup(o->server);
	st->name = strdup(o->name);
	st->id = strdup(id);
	st->token = strdup(token);
	st->cacert = o->cacert_abs ? strdup(o->cacert_abs) : NULL;
	st->pin = o->pin ? strdup(o->pin) : NULL;
	st->insecure_http = o->insecure;
	st->trust_key = trust ? strdup(trust) : NULL;
	if (!st->dir || !st->server || !st->name || !st->id || !st->token ||
	    (o->cacert_abs && !st->cacert) || (o->pin && !st->pin) || (trust && !st->trust_key)) {
		warnx("out of memory");
		return -1;
	}
	if (state_key_save(dir, sk) != 0 || state_save(st) != 0 ||
	    state_remove_records(dir) != 0) {
		warnx("registered as id %s, but the state could not be saved; ask "
		      "an admin to delete that peer, then register again", st->id);
		return -1;
	}
	return 0;
}

int
cmd_register(int argc, char **argv)
{
	struct register_opts o = { 0 };
	char pkb64[KEYS_B64_LEN];
	uint8_t sk[KEYS_LEN], pk[KEYS_LEN];
	struct state old = { 0 }, st = { 0 };
	struct fetch_response resp = { 0 };
	const char *dir, *v;
	int r, ret = EXIT_ERR;

	if ((r = parse_opts(&o, argc, argv)) != 0) {
		ret = r < 0 ? EXIT_OK : r;
		goto out;
	}
	dir = state_dir_choose(o.dir);
	r = state_load(&old, dir);
	if (r < 0)
		goto out;
	if (r == 0 && !o.force) {
		warnx("already registered as %s (id %s) with %s; `--force` registers "
		      "again with a new key (then remove the old peer: `wgconf admin "
		      "delete %s`), or `wgconf deregister` leaves first",
		      old.name ? old.name : "?", old.id, old.server, old.id);
		goto out;
	}
	/* Fail before the server hears of us, not after. */
	if (state_dir_prepare(dir) != 0 || make_key(&o, sk, pk) != 0)
		goto out;
	keys_b64_encode(pkb64, sizeof(pkb64), pk, sizeof(pk));
	if ((o.adopt ? send_adoption(&o, pkb64, sk, pk, &resp)
	             : send_registration(&o, pkb64, &resp)) != 0 ||
	    save_registration(&o, dir, &old, resp.json, sk, &st) != 0)
		goto out;
	if (o.adopt) {
		printf("adopted %s (id %s): this host syncs as that peer now\n", o.name, st.id);
		printf("public key %s\n", pkb64);
		ret = EXIT_OK;
		goto out;
	}
	v = text_json_str(resp.json, "state");
	if (v && strcmp(v, "accepted") == 0)
		printf("registered %s as id %s: accepted\n", o.name, st.id);
	else
		printf("registered %s as id %s: pending until an admin accepts it "
		       "(`wgconf admin accept %s`)\n", o.name, st.id, st.id);
	printf("public key %s\n", pkb64);
	if (st.trust_key)
		printf("trusting peer records signed by %s\n", st.trust_key);
	ret = EXIT_OK;
out:
	keys_wipe(sk, sizeof(sk));
	fetch_response_free(&resp);
	state_free(&old);
	state_free(&st);
	free(o.cacert_abs);
	return ret;
}
