/* SPDX-License-Identifier: MIT */
/* wgconf status and wgconf genconf: this host as the server sees it, and
 * its config printed in one of the formats. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "forward.h"
#include "guardenv.h"
#include "hosttrust.h"
#include "peer.h"
#include "render.h"
#include "nextkey.h"
#include "text.h"

static const char status_usage[] =
"Usage: wgconf status [--state-dir DIR]\n"
"\n"
"Shows the server, this host's id and name, its state (pending or accepted;\n"
"\"disabled by an admin\" when paused, \"disabled by itself at TIME\" when an\n"
"expiry will pause it), its tunnel address, how many peers it is paired\n"
"with, the signing key it trusts and the mesh it pinned, the routes `wgconf\n"
"allow-route` lets through, a new key `wgconf rotate` is waiting with, the\n"
"interfaces with changes held for review, whether this host is a\n"
"relay (and allows it: `wgconf allow-relay`), and which partners it reaches\n"
"through which relay (\"relayed  host-b via host-r\").\n"
"\n"
"Exit status: 0 accepted, 1 error, 2 usage, 3 not yet accepted.\n";

/* The rest of the state line: a pause (issue 20) or an expiry to come. */
static void
print_pause(struct json_object *peer)
{
	struct json_object *d;
	const char *exp = text_json_str(peer, "expires_at");
	char buf[64];

	if (json_object_object_get_ex(peer, "disabled", &d) && json_object_get_boolean(d))
		printf(", disabled by an admin: in no config, no peers");
	else if (exp != NULL)
		printf(", disabled by itself at %s", text_printable(exp, buf, sizeof(buf)));
	printf("\n");
}

static void
print_strarray(const char *label, struct json_object *obj, const char *key)
{
	struct json_object *arr;
	size_t n;

	printf("%-10s", label);
	if (!json_object_object_get_ex(obj, key, &arr) ||
	    !json_object_is_type(arr, json_type_array) ||
	    (n = json_object_array_length(arr)) == 0) {
		printf("-\n");
		return;
	}
	for (size_t i = 0; i < n; i++) {
		char buf[128];
		const char *s = json_object_get_string(json_object_array_get_idx(arr, i));
		printf("%s%s", i ? ", " : "", text_printable(s, buf, sizeof(buf)));
	}
	printf("\n");
}

/* Whether this host relays, and which partners it reaches through which
 * relay, from its config (docs/relays.md). Quiet when none of it applies. */
static void
print_relays(const struct state *st)
{
	struct fetch_response resp = { 0 };
	struct json_object *iface, *peers, *rel, *v;
	char a[128], b[128];
	int n = 0;

	if (peer_request(st, "GET", "/peer/config", NULL, NULL, &resp) != 0 || resp.status != 200 ||
	    resp.json == NULL)
		goto out;
	if (json_object_object_get_ex(resp.json, "interface", &iface) &&
	    json_object_object_get_ex(iface, "relay", &v) && json_object_get_boolean(v))
		printf("%-10s%s\n", "relay", forward_allowed(st->dir) == 1 ?
		       "yes: forwards between its peers (allow-relay)" :
		       "asked, but refused: no `wgconf allow-relay` here, nothing is forwarded");
	if (!json_object_object_get_ex(resp.json, "peers", &peers) ||
	    !json_object_is_type(peers, json_type_array))
		goto out;
	for (size_t i = 0; i < json_object_array_length(peers); i++) {
		struct json_object *p = json_object_array_get_idx(peers, i);
		if (!json_object_object_get_ex(p, "relayed", &rel) ||
		    !json_object_is_type(rel, json_type_array))
			continue;
		text_printable(text_json_str(p, "name") ? text_json_str(p, "name") : "?", b, sizeof(b));
		for (size_t k = 0; k < json_object_array_length(rel); k++) {
			const char *name = text_json_str(json_object_array_get_idx(rel, k), "name");
			text_printable(name ? name : "?", a, sizeof(a));
			printf("%-10s%s via %s\n", n++ ? "" : "relayed", a, b);
		}
	}
out:
	fetch_response_free(&resp);
}

int
cmd_status(int argc, char **argv)
{
	static const struct option opts[] = { CLI_STATE_OPTION, CLI_HELP_OPTION, { 0 } };
	const char *dir = NULL, *state;
	struct state st = { 0 };
	struct fetch_response resp = { 0 };
	struct json_object *v;
	struct hosttrust_store store = { 0 };
	uint8_t next_sk[KEYS_LEN], next_pk[KEYS_LEN];
	char buf[300], **allowed = NULL;
	size_t nallowed = 0;
	int c, ret = EXIT_ERR;

	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (c) {
		case 'S': dir = optarg; break;
		case 'h': return cli_help(status_usage);
		default: return cli_bad_option(c, argv);
		}
	}
	if (optind != argc)
		return cli_usage_error("unexpected argument '%s'", argv[optind]);
	if (peer_load_state(&st, state_dir_choose(dir)) != 0)
		goto out;
	if (peer_request(&st, "GET", "/peer", NULL, NULL, &resp) != 0)
		goto out;
	if (resp.status != 200 || resp.json == NULL) {
		ret = peer_failure(&resp, "status", &st);
		goto out;
	}
	state = text_json_str(resp.json, "state");
	printf("%-10s%s\n", "server", st.server);
	printf("%-10s%s\n", "id", st.id);
	printf("%-10s%s\n", "name", text_printable(text_json_str(resp.json, "name"), buf, sizeof(buf)));
	printf("%-10s%s", "state", text_printable(state, buf, sizeof(buf)));
	print_pause(resp.json);
	print_strarray("address", resp.json, "addresses");
	print_strarray("networks", resp.json, "networks");
	printf("%-10s%s\n", "endpoint",
	       text_json_str(resp.json, "endpoint") ?
	       text_printable(text_json_str(resp.json, "endpoint"), buf, sizeof(buf)) : "nat");
	if (json_object_object_get_ex(resp.json, "pairs", &v) &&
	    json_object_is_type(v, json_type_array))
		printf("%-10s%zu\n", "peers", json_object_array_length(v));
	printf("%-10s%s\n", "last seen",
	       text_printable(text_json_str(resp.json, "last_seen"), buf, sizeof(buf)));
	printf("%-10s%s\n", "trust key", st.trust_key ? st.trust_key :
	       "none (peer records are not checked)");
	if (st.trust_key && hosttrust_store_load(&store, st.dir) == 0 && store.mesh[0])
		printf("%-10s%s\n", "mesh", store.mesh);
	if (guardenv_allow_read(st.dir, &allowed, &nallowed) == 0)
		for (size_t i = 0; i < nallowed; i++)
			printf("%-10s%s\n", i ? "" : "allowed", allowed[i]);
	if (nextkey_load(st.dir, next_sk) == 0 && keys_public(next_pk, next_sk) == 0) {
		keys_b64_encode(buf, KEYS_B64_LEN, next_pk, KEYS_LEN);
		printf("%-10s%s (wgconf rotate: until an admin accepts it)\n", "next key", buf);
	}
	keys_wipe(next_sk, sizeof(next_sk));
	if (state_held_list(st.dir, buf, sizeof(buf)) > 0)
		printf("%-10s%s (see `wgconf sync --review --verbose`)\n", "held", buf);
	ret = state && strcmp(state, "accepted") == 0 ? EXIT_OK : EXIT_PENDING;
	if (ret == EXIT_OK)
		print_relays(&st);
out:
	guard_free_lines(allowed, nallowed);
	hosttrust_store_free(&store);
	fetch_response_free(&resp);
	state_free(&st);
	return ret;
}

static const char genconf_usage[] =
"Usage: wgconf genconf [--format wg-quick|wg|vyos] [--interface NAME]\n"
"                      [--state-dir DIR]\n"
"\n"
"Prints this host's WireGuard config: wg-quick (default; for\n"
"/etc/wireguard/NAME.conf), wg (only what `wg setconf` takes) or vyos (VyOS\n"
"1.4 configuration commands for interface NAME, default wg0). The output\n"
"holds the private key and the preshared keys.\n"
"\n"
"When this host trusts a signing key (`wgconf trust-key`), the config is\n"
"built only from signed statements: a peer refused by them is left out,\n"
"named on stderr with the reason, and the exit status is 4; the rest of the\n"
"config is printed. When this host's own statement is unusable, nothing is\n"
"printed (exit 4). genconf installs nothing, so it does not hold routes as\n"
"sync does.\n"
"\n"
"Exit status: 0 done, 1 error, 2 usage, 3 not yet accepted, 4 peers left\n"
"out (or the whole config held) by the signing checks.\n";

int
cmd_genconf(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "interface", required_argument, NULL, 'i' },
		CLI_STATE_OPTION, CLI_HELP_OPTION, { 0 }
	};
	const char *dir = NULL, *iface = NULL;
	enum render_format fmt = RENDER_WG_QUICK;
	struct state st = { 0 };
	struct fetch_response resp = { 0 };
	struct mesh_config cfg = { 0 };
	char skb64[KEYS_B64_LEN] = "", *text = NULL, **refused = NULL;
	size_t len = 0, nrefused = 0;
	int c, r, ret = EXIT_ERR;

	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (c) {
		case 'f':
			if (render_parse_format(optarg, &fmt) != 0)
				return cli_usage_error("invalid --format '%s' (wg-quick, wg or vyos)",
				                   optarg);
			break;
		case 'i': iface = optarg; break;
		case 'S': dir = optarg; break;
		case 'h': return cli_help(genconf_usage);
		default: return cli_bad_option(c, argv);
		}
	}
	if (optind != argc)
		return cli_usage_error("unexpected argument '%s'", argv[optind]);
	if (iface == NULL)
		iface = "wg0";
	if (!cli_valid_ifname(iface))
		return cli_usage_error("invalid --interface '%s'", iface);
	if (fmt == RENDER_VYOS && (strncmp(iface, "wg", 2) != 0 ||
	    iface[2] == '\0' || strspn(iface + 2, "0123456789") != strlen(iface + 2)))
		return cli_usage_error("invalid --interface '%s': VyOS names WireGuard "
		                   "interfaces wgN", iface);
	if (peer_load_state(&st, state_dir_choose(dir)) != 0)
		goto out;
	if (peer_request(&st, "GET", "/peer/config", NULL, NULL, &resp) != 0)
		goto out;
	if (resp.status != 200) {
		ret = peer_failure(&resp, "genconf", &st);
		goto out;
	}
	r = peer_prepare_config(&st, resp.json, &cfg, skb64, &refused, &nrefused, NULL);
	peer_print_refused(refused, nrefused);
	if (r != 0) {
		ret = r > 0 ? EXIT_REVIEW : EXIT_ERR;
		goto out;
	}
	peer_print_warnings(&cfg);
	text = render_config(&cfg, fmt, iface, skb64, false, &len);
	if (text == NULL) {
		warnx("out of memory");
		goto out;
	}
	if (fwrite(text, 1, len, stdout) != len || fflush(stdout) != 0) {
		warnx("cannot write the config: %s", strerror(errno));
		goto out;
	}
	ret = nrefused > 0 ? EXIT_REVIEW : EXIT_OK;
out:
	model_free_lines(refused, nrefused);
	render_free(text, len);
	keys_wipe(skb64, sizeof(skb64));
	model_free(&cfg);
	fetch_response_free(&resp);
	state_free(&st);
	return ret;
}
