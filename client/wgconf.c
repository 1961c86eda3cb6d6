/* SPDX-License-Identifier: MIT */
/* wgconf: the client a WireGuard host runs (from cron) to join a mesh that
 * wgconfsrv describes. This file holds the command table and the peer
 * commands; admin.c holds `wgconf admin`. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ipam.h"
#include "validate.h"
#include "wgconf.h"

const char *progname = "wgconf";

void
warnx_(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", progname);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

int
parse_uint(const char *s, unsigned long min, unsigned long max, unsigned long *out)
{
	unsigned long v;
	char *end;

	if (s == NULL || *s < '0' || *s > '9' || strlen(s) > 10)
		return -1;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

bool
valid_ifname(const char *s)
{
	size_t n = s ? strlen(s) : 0;

	if (n == 0 || n > WGCONF_IFNAME_MAX || strcmp(s, ".") == 0 || strcmp(s, "..") == 0)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.'))
			return false;
	}
	return true;
}

struct json_object *
parse_json(const char *text, size_t len)
{
	struct json_tokener *tok = json_tokener_new_ex(32);
	struct json_object *obj;
	size_t end;

	if (tok == NULL || len > INT_MAX) {
		if (tok)
			json_tokener_free(tok);
		return NULL;
	}
	obj = json_tokener_parse_ex(tok, text, (int)len);
	if (obj == NULL || json_tokener_get_error(tok) != json_tokener_success) {
		if (obj)
			json_object_put(obj);
		json_tokener_free(tok);
		return NULL;
	}
	for (end = json_tokener_get_parse_end(tok); end < len; end++)
		if (strchr(" \t\r\n", text[end]) == NULL) {
			json_object_put(obj);
			obj = NULL;
			break;
		}
	json_tokener_free(tok);
	return obj;
}

/* ---- command plumbing --------------------------------------------------- */

struct command {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *usage;
};

static const struct command *current;

static int
usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int
usage_error(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s %s: ", progname, current ? current->name : "");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry '%s %s --help'.\n", progname, current ? current->name : "");
	return EXIT_USAGE;
}

static int
show_help(void)
{
	fputs(current->usage, stdout);
	return EXIT_OK;
}

/* getopt_long's '?' and ':' into a message that names the bad argument. */
static int
bad_option(int c, char **argv)
{
	if (c == ':')
		return usage_error("option '%s' needs a value", argv[optind - 1]);
	return usage_error("unknown option '%s'", argv[optind - 1]);
}

#define STATE_OPTION { "state-dir", required_argument, NULL, 'S' }
#define HELP_OPTION { "help", no_argument, NULL, 'h' }

/* Loads state, or explains what to do when there is none. */
static int
load_state(struct state *st, const char *dir)
{
	int r = state_load(st, dir);

	if (r == 1)
		errmsg("not registered (no state in %s): run `%s register` first", dir, progname);
	return r == 0 ? 0 : -1;
}

static void
tls_from_state(struct fetch_tls *tls, const struct state *st)
{
	tls->cacert = st->cacert;
	tls->pin = st->pin;
	tls->insecure_http = st->insecure_http;
}

/* One request as the registered peer. */
static int
peer_request(const struct state *st, const char *method, const char *path,
             struct json_object *body, const char *inm, struct fetch_response *resp)
{
	struct fetch_tls tls = { 0 };
	struct fetch_auth auth = { 0 };

	tls_from_state(&tls, st);
	auth.bearer = st->token;
	return fetch_request(st->server, method, path, &tls, &auth, body, inm, resp);
}

/* The answers every peer command treats the same way. */
static int
peer_failure(const struct fetch_response *resp, const char *what, const struct state *st)
{
	if (resp->status == 409 && strcmp(fetch_error_code(resp), "peer_pending") == 0) {
		errmsg("%s: this host (id %s) is registered but not yet accepted; an "
		       "admin runs `wgconf admin accept %s`", what, st->id, st->id);
		return EXIT_PENDING;
	}
	if (resp->status == 401) {
		fetch_report(resp, what);
		errmsg("the server does not know this host's token any more (deleted or "
		       "rejected?); `%s register --force` registers it again", progname);
		return EXIT_ERR;
	}
	fetch_report(resp, what);
	return EXIT_ERR;
}

const char *
json_str(struct json_object *obj, const char *key)
{
	struct json_object *v;

	if (obj && json_object_object_get_ex(obj, key, &v) &&
	    json_object_is_type(v, json_type_string))
		return json_object_get_string(v);
	return NULL;
}

/* A token goes into an HTTP header and an id into URLs: printable and
 * without separators, or refused. */
bool
safe_token(const char *s, size_t max)
{
	size_t n = s ? strlen(s) : 0;

	if (n == 0 || n > max)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.' || c == '~'))
			return false;
	}
	return true;
}

/* ---- register ----------------------------------------------------------- */

static const char register_usage[] =
"Usage: wgconf register --server URL [OPTIONS] ENDPOINT|nat\n"
"\n"
"Makes this host's WireGuard key pair (the private key never leaves the host)\n"
"and registers it with the server. ENDPOINT is HOST:PORT or [IPv6]:PORT, the\n"
"address other peers use to reach this host; 'nat' for a host without one.\n"
"\n"
"  --server URL             the server, https://HOST[:PORT]\n"
"  --name NAME              peer name (default: this host's name)\n"
"  --listen-port PORT       WireGuard port (default: the endpoint's port)\n"
"  --invite CODE            an invite code: joins at once, no admin needed\n"
"  --cacert FILE            trust this CA file instead of the system CAs\n"
"  --pin sha256//BASE64     trust the server's public key with this hash\n"
"  --insecure-http          allow an http:// URL (loopback tests only)\n"
"  --private-key-file FILE  use this key (wg genkey format) instead of a new one\n"
"  --trust-key PUBKEY       require every peer record to carry a signature by\n"
"                           this admin key (see `wgconf trust-key --help`)\n"
"  --force                  replace an existing registration's state (a key\n"
"                           trusted before stays trusted)\n"
"  --state-dir DIR          state folder (default $WGCONF_STATE_DIR or\n"
"                           /var/lib/wgconf)\n"
"\n"
"Exit status: 0 registered (accepted or pending), 1 error, 2 usage.\n";

static int
cmd_register(int argc, char **argv)
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
		STATE_OPTION, HELP_OPTION, { 0 }
	};
	const char *server = NULL, *name = NULL, *invite = NULL, *cacert = NULL;
	const char *pin = NULL, *keyfile = NULL, *dir = NULL, *endpoint, *v;
	const char *trust = NULL;
	bool insecure = false, force = false;
	char host[VALIDATE_HOST_MAX + 1], hostname[256], pkb64[KEYS_B64_LEN];
	char *cacert_abs = NULL;
	uint16_t port = 0, listen_port = 0;
	uint8_t sk[KEYS_LEN], pk[KEYS_LEN], tpk[KEYS_LEN];
	struct state old = { 0 }, st = { 0 };
	struct fetch_response resp = { 0 };
	struct fetch_tls tls = { 0 };
	struct fetch_auth auth = { 0 };
	struct json_object *body = NULL;
	int c, r, ret = EXIT_ERR;

	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (c) {
		case 's': server = optarg; break;
		case 'n': name = optarg; break;
		case 'l':
			if (validate_port(optarg, &listen_port) != 0)
				return usage_error("invalid --listen-port '%s' (1-65535)", optarg);
			break;
		case 'i': invite = optarg; break;
		case 'c': cacert = optarg; break;
		case 'p': pin = optarg; break;
		case 'I': insecure = true; break;
		case 'k': keyfile = optarg; break;
		case 'f': force = true; break;
		case 't': trust = optarg; break;
		case 'S': dir = optarg; break;
		case 'h': return show_help();
		default: return bad_option(c, argv);
		}
	}
	if (optind == argc)
		return usage_error("give the endpoint (HOST:PORT or nat)");
	if (optind != argc - 1)
		return usage_error("unexpected argument '%s'", argv[optind + 1]);
	endpoint = argv[optind];
	if (trust && keys_b64_decode_key(tpk, trust) != 0)
		return usage_error("invalid --trust-key '%s' (the admin's public signing key: "
		                   "44 base64 characters)", trust);
	if (server == NULL)
		return usage_error("--server URL is required");
	if (fetch_check_url(server, insecure) != 0)
		return EXIT_USAGE;
	if (pin && fetch_check_pin(pin) != 0)
		return usage_error("invalid --pin '%s' (want sha256// and the base64 of a "
		                   "SHA-256 hash)", pin);
	if (invite && (!safe_token(invite, 256)))
		return usage_error("invalid --invite code '%s'", invite);
	if (validate_is_nat(endpoint)) {
		endpoint = NULL;
	} else if (validate_endpoint(endpoint, host, sizeof(host), &port) != 0) {
		return usage_error("invalid endpoint '%s' (want HOST:PORT, [IPv6]:PORT or nat)",
		                   endpoint);
	}
	if (listen_port == 0)
		listen_port = port;
	if (name == NULL) {
		if (gethostname(hostname, sizeof(hostname)) != 0)
			hostname[0] = '\0';
		hostname[sizeof(hostname) - 1] = '\0';
		if (!validate_name(hostname))
			hostname[strcspn(hostname, ".")] = '\0';
		if (!validate_name(hostname))
			return usage_error("this host's name '%s' is not a valid peer name; "
			                   "give --name", hostname);
		name = hostname;
	} else if (!validate_name(name)) {
		return usage_error("invalid --name '%s' (1-63 letters, digits, '.', '-', '_')",
		                   name);
	}
	if (cacert) {
		cacert_abs = realpath(cacert, NULL);
		if (cacert_abs == NULL || access(cacert_abs, R_OK) != 0) {
			errmsg("cannot read --cacert '%s': %s", cacert, strerror(errno));
			goto out;
		}
	}

	dir = state_dir_choose(dir);
	r = state_load(&old, dir);
	if (r < 0)
		goto out;
	if (r == 0 && !force) {
		errmsg("already registered as %s (id %s) with %s; `--force` registers "
		       "again with a new key (then remove the old peer: `wgconf admin "
		       "delete %s`), or `wgconf deregister` leaves first",
		       old.name ? old.name : "?", old.id, old.server, old.id);
		goto out;
	}
	/* Fail before the server hears of us, not after. */
	if (state_dir_prepare(dir) != 0)
		goto out;

	if (keyfile) {
		if (state_key_read_file(keyfile, sk) != 0)
			goto out;
		if (keys_public(pk, sk) != 0) {
			errmsg("%s is not a usable private key", keyfile);
			goto out;
		}
	} else {
		keys_generate(sk, pk);
	}
	keys_b64_encode(pkb64, sizeof(pkb64), pk, sizeof(pk));

	body = json_object_new_object();
	json_object_object_add(body, "name", json_object_new_string(name));
	json_object_object_add(body, "public_key", json_object_new_string(pkb64));
	json_object_object_add(body, "endpoint", endpoint ? json_object_new_string(endpoint) : NULL);
	if (listen_port)
		json_object_object_add(body, "listen_port", json_object_new_int(listen_port));
	if (invite)
		json_object_object_add(body, "invite", json_object_new_string(invite));

	tls.cacert = cacert_abs;
	tls.pin = pin;
	tls.insecure_http = insecure;
	if (fetch_request(server, "POST", "/register", &tls, &auth, body, NULL, &resp) != 0)
		goto out;
	if (resp.status != 201 && resp.status != 200) {
		fetch_report(&resp, "registration refused");
		if (strcmp(fetch_error_code(&resp), "public_key_taken") == 0)
			errmsg("this key is registered already; without --private-key-file "
			       "a new key is made");
		goto out;
	}
	st.dir = strdup(dir);
	st.server = strdup(server);
	st.name = strdup(name);
	if ((v = json_str(resp.json, "id")) == NULL || !safe_token(v, 64) ||
	    (st.id = strdup(v)) == NULL ||
	    (v = json_str(resp.json, "token")) == NULL || !safe_token(v, 512) ||
	    (st.token = strdup(v)) == NULL) {
		errmsg("the server's answer has no valid id or token");
		goto out;
	}
	st.cacert = cacert_abs ? strdup(cacert_abs) : NULL;
	st.pin = pin ? strdup(pin) : NULL;
	st.insecure_http = insecure;
	/* Registering again must not quietly stop checking signatures. */
	if (trust == NULL)
		trust = old.trust_key;
	if (trust && (st.trust_key = strdup(trust)) == NULL) {
		errmsg("out of memory");
		goto out;
	}
	/* The key first: state without a key is useless, a key without state
	 * only means registering again. */
	if (state_key_save(dir, sk) != 0 || state_save(&st) != 0 ||
	    state_remove_records(dir) != 0) {
		errmsg("registered as id %s, but the state could not be saved; ask "
		       "an admin to delete that peer, then register again", st.id);
		goto out;
	}
	v = json_str(resp.json, "state");
	if (v && strcmp(v, "accepted") == 0) {
		printf("registered %s as id %s: accepted\n", name, st.id);
	} else {
		printf("registered %s as id %s: pending until an admin accepts it "
		       "(`wgconf admin accept %s`)\n", name, st.id, st.id);
	}
	printf("public key %s\n", pkb64);
	if (st.trust_key)
		printf("trusting peer records signed by %s\n", st.trust_key);
	ret = EXIT_OK;
out:
	keys_wipe(sk, sizeof(sk));
	if (body)
		json_object_put(body);
	fetch_response_free(&resp);
	state_free(&old);
	state_free(&st);
	free(cacert_abs);
	return ret;
}

/* ---- status ------------------------------------------------------------- */

static const char status_usage[] =
"Usage: wgconf status [--state-dir DIR]\n"
"\n"
"Shows the server, this host's id and name, its state (pending or accepted),\n"
"its tunnel address, how many peers it is paired with, and the signing key\n"
"it trusts.\n"
"\n"
"Exit status: 0 accepted, 1 error, 2 usage, 3 not yet accepted.\n";

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
		printf("%s%s", i ? ", " : "", printable(s, buf, sizeof(buf)));
	}
	printf("\n");
}

/* Text from the server shown on a terminal: printable ASCII only. */
const char *
printable(const char *s, char *buf, size_t bufsz)
{
	size_t i;

	if (s == NULL)
		return "-";
	for (i = 0; s[i] != '\0' && i + 1 < bufsz; i++)
		buf[i] = (s[i] >= 0x20 && s[i] < 0x7f) ? s[i] : '?';
	buf[i] = '\0';
	return buf;
}

static int
cmd_status(int argc, char **argv)
{
	static const struct option opts[] = { STATE_OPTION, HELP_OPTION, { 0 } };
	const char *dir = NULL, *state;
	struct state st = { 0 };
	struct fetch_response resp = { 0 };
	struct json_object *v;
	char buf[300];
	int c, ret = EXIT_ERR;

	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (c) {
		case 'S': dir = optarg; break;
		case 'h': return show_help();
		default: return bad_option(c, argv);
		}
	}
	if (optind != argc)
		return usage_error("unexpected argument '%s'", argv[optind]);
	if (load_state(&st, state_dir_choose(dir)) != 0)
		goto out;
	if (peer_request(&st, "GET", "/peer", NULL, NULL, &resp) != 0)
		goto out;
	if (resp.status != 200 || resp.json == NULL) {
		ret = peer_failure(&resp, "status", &st);
		goto out;
	}
	state = json_str(resp.json, "state");
	printf("%-10s%s\n", "server", st.server);
	printf("%-10s%s\n", "id", st.id);
	printf("%-10s%s\n", "name", printable(json_str(resp.json, "name"), buf, sizeof(buf)));
	printf("%-10s%s\n", "state", printable(state, buf, sizeof(buf)));
	print_strarray("address", resp.json, "addresses");
	print_strarray("networks", resp.json, "networks");
	printf("%-10s%s\n", "endpoint",
	       json_str(resp.json, "endpoint") ?
	       printable(json_str(resp.json, "endpoint"), buf, sizeof(buf)) : "nat");
	if (json_object_object_get_ex(resp.json, "pairs", &v) &&
	    json_object_is_type(v, json_type_array))
		printf("%-10s%zu\n", "peers", json_object_array_length(v));
	printf("%-10s%s\n", "last seen",
	       printable(json_str(resp.json, "last_seen"), buf, sizeof(buf)));
	printf("%-10s%s\n", "trust key", st.trust_key ? st.trust_key :
	       "none (peer records are not checked)");
	if (state_held_list(st.dir, buf, sizeof(buf)) > 0)
		printf("%-10s%s (see `wgconf sync --review --verbose`)\n", "held", buf);
	ret = state && strcmp(state, "accepted") == 0 ? EXIT_OK : EXIT_PENDING;
out:
	fetch_response_free(&resp);
	state_free(&st);
	return ret;
}

/* ---- genconf and sync --------------------------------------------------- */

/* With a trusted signing key, leaves out of cfg the peers whose records it
 * did not sign; they are listed in *refused (NULL for none; caller frees
 * with model_free_lines). Without one, nothing is checked. 0 or -1. */
static int
check_signatures(const struct state *st, struct mesh_config *cfg, char ***refused,
                 size_t *nrefused)
{
	uint8_t pk[KEYS_LEN];

	*refused = NULL;
	*nrefused = 0;
	if (st->trust_key == NULL)
		return 0;
	if (keys_b64_decode_key(pk, st->trust_key) != 0) {
		errmsg("the trusted signing key in %s is not a key", st->dir);
		return -1;
	}
	if (model_check_signatures(cfg, pk, refused, nrefused) < 0) {
		model_free_lines(*refused, *nrefused);
		*refused = NULL;
		*nrefused = 0;
		errmsg("out of memory");
		return -1;
	}
	return 0;
}

static void
print_refused(char **refused, size_t n)
{
	for (size_t i = 0; i < n; i++)
		errmsg("left out %s", refused[i]);
	if (n > 0)
		errmsg("held for review: %s not configured until an admin signs %s "
		       "(`wgconf admin sign PEER --key FILE`)", n == 1 ? "it is" : "they are",
		       n == 1 ? "it" : "them");
}

/* The model of a config JSON with the PSKs opened, ready to render; the
 * private key in base64 goes to skb64. Peers left out for want of a valid
 * signature are listed in *refused (see check_signatures): before the PSKs
 * are opened, so a forged entry cannot fail the whole config either. */
static int
prepare_config(const struct state *st, struct json_object *json, struct mesh_config *cfg,
               char skb64[KEYS_B64_LEN], char ***refused, size_t *nrefused)
{
	uint8_t sk[KEYS_LEN], pk[KEYS_LEN];
	char err[256];
	int ret = -1;

	*refused = NULL;
	*nrefused = 0;
	if (model_from_json(cfg, json, err, sizeof(err)) != 0) {
		errmsg("the server sent an invalid config: %s", err);
		goto out;
	}
	if (check_signatures(st, cfg, refused, nrefused) != 0)
		goto out;
	if (state_key_load(st->dir, sk) != 0)
		goto out;
	if (keys_public(pk, sk) != 0) {
		errmsg("the private key in %s is not usable", st->dir);
		goto out;
	}
	if (model_open_psks(cfg, pk, sk, err, sizeof(err)) != 0) {
		errmsg("%s", err);
		goto out;
	}
	keys_b64_encode(skb64, KEYS_B64_LEN, sk, sizeof(sk));
	ret = 0;
out:
	keys_wipe(sk, sizeof(sk));
	return ret;
}

static void
print_warnings(const struct mesh_config *cfg)
{
	for (size_t i = 0; i < cfg->n_warnings; i++)
		errmsg("warning: %s", cfg->warnings[i]);
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
"When this host trusts a signing key (`wgconf trust-key`), a peer whose\n"
"record does not carry a valid signature by it is left out, named on\n"
"stderr, and the exit status is 4; the rest of the config is printed.\n"
"\n"
"Exit status: 0 done, 1 error, 2 usage, 3 not yet accepted, 4 peers left\n"
"out for want of a valid signature.\n";

static int
cmd_genconf(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "interface", required_argument, NULL, 'i' },
		STATE_OPTION, HELP_OPTION, { 0 }
	};
	const char *dir = NULL, *iface = NULL;
	enum render_format fmt = RENDER_WG_QUICK;
	struct state st = { 0 };
	struct fetch_response resp = { 0 };
	struct mesh_config cfg = { 0 };
	char skb64[KEYS_B64_LEN] = "", *text = NULL, **refused = NULL;
	size_t len = 0, nrefused = 0;
	int c, ret = EXIT_ERR;

	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (c) {
		case 'f':
			if (render_parse_format(optarg, &fmt) != 0)
				return usage_error("invalid --format '%s' (wg-quick, wg or vyos)",
				                   optarg);
			break;
		case 'i': iface = optarg; break;
		case 'S': dir = optarg; break;
		case 'h': return show_help();
		default: return bad_option(c, argv);
		}
	}
	if (optind != argc)
		return usage_error("unexpected argument '%s'", argv[optind]);
	if (iface == NULL)
		iface = "wg0";
	if (!valid_ifname(iface))
		return usage_error("invalid --interface '%s'", iface);
	if (fmt == RENDER_VYOS && (strncmp(iface, "wg", 2) != 0 ||
	    iface[2] == '\0' || strspn(iface + 2, "0123456789") != strlen(iface + 2)))
		return usage_error("invalid --interface '%s': VyOS names WireGuard "
		                   "interfaces wgN", iface);
	if (load_state(&st, state_dir_choose(dir)) != 0)
		goto out;
	if (peer_request(&st, "GET", "/peer/config", NULL, NULL, &resp) != 0)
		goto out;
	if (resp.status != 200) {
		ret = peer_failure(&resp, "genconf", &st);
		goto out;
	}
	if (prepare_config(&st, resp.json, &cfg, skb64, &refused, &nrefused) != 0)
		goto out;
	print_refused(refused, nrefused);
	print_warnings(&cfg);
	text = render_config(&cfg, fmt, iface, skb64, false, &len);
	if (text == NULL) {
		errmsg("out of memory");
		goto out;
	}
	if (fwrite(text, 1, len, stdout) != len || fflush(stdout) != 0) {
		errmsg("cannot write the config: %s", strerror(errno));
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

static const char sync_usage[] =
"Usage: wgconf sync [--interface NAME] [--config-dir DIR] [--apply] [--force]\n"
"                   [--review | --approve] [--verbose] [--state-dir DIR]\n"
"\n"
"Fetches this host's config when it changed and writes DIR/NAME.conf\n"
"(default /etc/wireguard/wg0.conf) atomically, mode 0600, in wg-quick format.\n"
"Made for cron: prints nothing when nothing changed.\n"
"\n"
"  --interface NAME   WireGuard interface (default wg0)\n"
"  --config-dir DIR   where the config goes (default /etc/wireguard)\n"
"  --apply            also bring the live interface to the config: `wg\n"
"                     syncconf` (sessions stay up), addresses, MTU, link up,\n"
"                     routes for AllowedIPs outside the tunnel subnet\n"
"  --force            overwrite a config file that wgconf did not write\n"
"  --review           hold changes that add a peer, change a public key,\n"
"                     AllowedIPs or the interface addresses: print them and\n"
"                     exit 4 instead of writing (quiet while they wait)\n"
"  --approve          write (and --apply) the changes held by --review\n"
"  --verbose          show the commands --apply runs and held changes again\n"
"\n"
"When this host trusts a signing key (`wgconf trust-key`), a peer whose\n"
"record does not carry a valid signature by it is left out of the config\n"
"(never applied) and named on stderr, and the exit status is 4; the other\n"
"peers are written and applied. Said again when the config changes, or\n"
"with --verbose.\n"
"\n"
"Exit status: 0 done, 1 error, 2 usage, 3 not yet accepted, 4 changes held\n"
"for review or peers left out for want of a valid signature.\n";

static bool
starts_with_header(const char *text)
{
	return strncmp(text, WGCONF_HEADER, strlen(WGCONF_HEADER)) == 0;
}

/* sync --review: holds json when it changes keys or routes against the
 * config last written (cached). 1 when held (printed, with the peers left
 * out for want of a signature, unless it was already held and not
 * verbose), 0 when nothing needs review, -1 on error. */
static int
hold_for_review(const struct state *st, const char *iface, const char *target,
                struct json_object *cached, struct json_object *json,
                const struct mesh_config *cfg, const char *etag, bool verbose,
                char **refused, size_t nrefused)
{
	struct mesh_config base = { 0 };
	struct json_object *held = NULL;
	char **lines = NULL, *hetag = NULL, *hpath = NULL, err[256], **left = NULL;
	size_t n = 0, nleft = 0;
	bool have_base, same;
	int ret = -1;

	have_base = cached && model_from_json(&base, cached, err, sizeof(err)) == 0;
	/* Compared with what was written: a peer left out then for want of a
	 * signature is new now that it carries one. */
	if (have_base && check_signatures(st, &base, &left, &nleft) != 0)
		goto out;
	if (model_diff_sensitive(have_base ? &base : NULL, cfg, &lines, &n) != 0) {
		errmsg("out of memory");
		goto out;
	}
	if (n == 0) {
		ret = state_held_remove(st->dir, iface) == 0 ? 0 : -1;
		goto out;
	}
	same = state_held_load(st->dir, iface, &hetag, &hpath, &held) == 0 && held &&
	       json_object_equal(held, json);
	if (!same && state_held_save(st->dir, iface, etag, target, json) != 0)
		goto out;
	if (!same || verbose) {
		printf("%s: changes for %s held for review (revision %lld):\n", progname,
		       iface, cfg->revision);
		for (size_t i = 0; i < n; i++)
			printf("  %s\n", lines[i]);
		printf("%s: apply them with `%s sync --approve --interface %s` (and the "
		       "same --config-dir and --apply)\n", progname, progname, iface);
		print_refused(refused, nrefused);
	}
	ret = 1;
out:
	model_free_lines(lines, n);
	model_free_lines(left, nleft);
	model_free(&base);
	if (held)
		json_object_put(held);
	free(hetag);
	free(hpath);
	return ret;
}

static int
cmd_sync(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "interface", required_argument, NULL, 'i' },
		{ "config-dir", required_argument, NULL, 'd' },
		{ "apply", no_argument, NULL, 'a' },
		{ "force", no_argument, NULL, 'f' },
		{ "review", no_argument, NULL, 'r' },
		{ "approve", no_argument, NULL, 'A' },
		{ "verbose", no_argument, NULL, 'v' },
		STATE_OPTION, HELP_OPTION, { 0 }
	};
	const char *dir = NULL, *iface = "wg0", *confdir = WGCONF_DEFAULT_CONFIG_DIR;
	bool apply = false, force = false, verbose = false, changed = false;
	bool review = false, approve = false, have_old;
	struct state st = { 0 };
	struct fetch_response resp = { 0 };
	struct mesh_config cfg = { 0 };
	struct json_object *cached = NULL, *held = NULL, *json;
	char skb64[KEYS_B64_LEN] = "", *etag = NULL, *recpath = NULL, *target = NULL;
	char *hetag = NULL, *hpath = NULL, **refused = NULL;
	char *text = NULL, *wgtext = NULL, *old = NULL;
	size_t len = 0, wglen = 0, oldlen = 0, nrefused = 0;
	const char *inm = NULL, *new_etag = NULL;
	struct stat sb;
	int c, r, lockfd = -1, ret = EXIT_ERR;

	while ((c = getopt_long(argc, argv, ":hv", opts, NULL)) != -1) {
		switch (c) {
		case 'i': iface = optarg; break;
		case 'd': confdir = optarg; break;
		case 'a': apply = true; break;
		case 'f': force = true; break;
		case 'r': review = true; break;
		case 'A': approve = true; break;
		case 'v': verbose = true; break;
		case 'S': dir = optarg; break;
		case 'h': return show_help();
		default: return bad_option(c, argv);
		}
	}
	if (optind != argc)
		return usage_error("unexpected argument '%s'", argv[optind]);
	if (!valid_ifname(iface))
		return usage_error("invalid --interface '%s' (1-15 letters, digits, "
		                   "'-', '_', '.')", iface);
	if (*confdir == '\0')
		return usage_error("invalid --config-dir ''");
	if (review && approve)
		return usage_error("--review and --approve exclude each other");
	if (load_state(&st, state_dir_choose(dir)) != 0)
		goto out;
	if (asprintf(&target, "%s/%s.conf", confdir, iface) < 0) {
		target = NULL;
		goto out;
	}
	/* Overlapping cron runs take turns. */
	if ((lockfd = state_lock(st.dir)) < 0)
		goto out;

	/* What is on disk now, and whether it is ours to replace. */
	r = state_read_file(target, 1024 * 1024, &old, &oldlen);
	if (r < 0) {
		errmsg("cannot read %s: %s", target, strerror(errno));
		goto out;
	}
	have_old = r == 0;
	if (have_old && !starts_with_header(old) && !force) {
		errmsg("refusing to overwrite %s: wgconf did not write it (no \"%s\" "
		       "line on top); move it away or use --force", target, WGCONF_HEADER);
		goto out;
	}

	/* The cached config lets a 304 still repair a damaged or deleted file,
	 * and is what --review compares with. */
	if (state_sync_load(st.dir, iface, &etag, &recpath, &cached) == 0 && cached &&
	    etag && recpath && strcmp(recpath, target) == 0)
		inm = etag;
	if (approve) {
		if (state_held_load(st.dir, iface, &hetag, &hpath, &held) != 0 || held == NULL) {
			errmsg("no changes are held for review for %s", iface);
			goto out;
		}
		/* What was reviewed is a change to one file: approve it there. */
		if (hpath == NULL || strcmp(hpath, target) != 0) {
			errmsg("the changes held for %s were for %s, not %s: approve with the "
			       "--config-dir used for --review", iface, hpath ? hpath : "(unknown)",
			       target);
			goto out;
		}
		json = held;
		new_etag = hetag;
	} else {
		if (peer_request(&st, "GET", "/peer/config", NULL, inm, &resp) != 0)
			goto out;
		if (resp.status == 304 && inm) {
			json = cached;
		} else if (resp.status == 200 && resp.json) {
			json = resp.json;
			new_etag = resp.etag;
		} else {
			ret = peer_failure(&resp, "sync", &st);
			goto out;
		}
	}
	if (prepare_config(&st, json, &cfg, skb64, &refused, &nrefused) != 0)
		goto out;
	if (review && json != cached) {
		r = hold_for_review(&st, iface, target, cached, json, &cfg, new_etag, verbose,
		                    refused, nrefused);
		if (r < 0)
			goto out;
		if (r > 0) {
			ret = EXIT_REVIEW;
			goto out;
		}
	}
	text = render_config(&cfg, RENDER_WG_QUICK, iface, skb64, true, &len);
	if (text == NULL)
		goto out;
	if (!have_old || oldlen != len || memcmp(old, text, len) != 0) {
		if (stat(confdir, &sb) != 0 && errno == ENOENT && mkdir(confdir, 0700) != 0) {
			errmsg("cannot create %s: %s", confdir, strerror(errno));
			goto out;
		}
		if (state_write_atomic(target, text, len, 0600) != 0)
			goto out;
		changed = true;
	}
	if (json != cached &&
	    state_sync_save(st.dir, iface, new_etag, target, json) != 0)
		goto out;
	/* Applied without review, or the server is back at what was last
	 * written (304): whatever waited is superseded. */
	if ((!review || json == cached) && state_held_remove(st.dir, iface) != 0)
		goto out;
	if (changed) {
		printf("%s: wrote %s (revision %lld, %zu peer%s)\n", progname, target,
		       cfg.revision, cfg.n_peers, cfg.n_peers == 1 ? "" : "s");
		print_warnings(&cfg);
	}
	/* Like --review: said when something changed, quiet while it waits. */
	if (changed || json != cached || verbose)
		print_refused(refused, nrefused);
	if (apply) {
		wgtext = render_config(&cfg, RENDER_WG, iface, skb64, false, &wglen);
		if (wgtext == NULL || apply_config(iface, &cfg, wgtext, wglen, verbose) != 0)
			goto out;
		if (changed)
			printf("%s: applied to %s\n", progname, iface);
	}
	ret = nrefused > 0 ? EXIT_REVIEW : EXIT_OK;
out:
	model_free_lines(refused, nrefused);
	render_free(text, len);
	render_free(wgtext, wglen);
	if (old) {
		keys_wipe(old, oldlen);
		free(old);
	}
	keys_wipe(skb64, sizeof(skb64));
	model_free(&cfg);
	if (cached)
		json_object_put(cached);
	if (held)
		json_object_put(held);
	free(etag);
	free(recpath);
	free(hetag);
	free(hpath);
	free(target);
	if (lockfd >= 0)
		close(lockfd);
	fetch_response_free(&resp);
	state_free(&st);
	return ret;
}

/* ---- endpoint, deregister ----------------------------------------------- */

static const char endpoint_usage[] =
"Usage: wgconf endpoint [--state-dir DIR] HOST:PORT|nat\n"
"\n"
"Tells the server this host's new public endpoint (or that it is now behind\n"
"NAT). The other peers pick it up at their next sync.\n";

static int
cmd_endpoint(int argc, char **argv)
{
	static const struct option opts[] = { STATE_OPTION, HELP_OPTION, { 0 } };
	const char *dir = NULL, *endpoint;
	char host[VALIDATE_HOST_MAX + 1];
	uint16_t port;
	struct state st = { 0 };
	struct fetch_response resp = { 0 };
	struct json_object *body = NULL;
	int c, ret = EXIT_ERR;

	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (c) {
		case 'S': dir = optarg; break;
		case 'h': return show_help();
		default: return bad_option(c, argv);
		}
	}
	if (optind == argc)
		return usage_error("give the endpoint (HOST:PORT or nat)");
	if (optind != argc - 1)
		return usage_error("unexpected argument '%s'", argv[optind + 1]);
	endpoint = argv[optind];
	if (validate_is_nat(endpoint))
		endpoint = NULL;
	else if (validate_endpoint(endpoint, host, sizeof(host), &port) != 0)
		return usage_error("invalid endpoint '%s' (want HOST:PORT, [IPv6]:PORT or nat)",
		                   endpoint);
	if (load_state(&st, state_dir_choose(dir)) != 0)
		goto out;
	body = json_object_new_object();
	json_object_object_add(body, "endpoint", endpoint ? json_object_new_string(endpoint) : NULL);
	if (peer_request(&st, "PUT", "/peer/endpoint", body, NULL, &resp) != 0)
		goto out;
	if (resp.status != 200) {
		ret = peer_failure(&resp, "endpoint", &st);
		goto out;
	}
	printf("endpoint of %s is now %s\n", st.id, endpoint ? endpoint : "nat (none)");
	ret = EXIT_OK;
out:
	if (body)
		json_object_put(body);
	fetch_response_free(&resp);
	state_free(&st);
	return ret;
}

static const char deregister_usage[] =
"Usage: wgconf deregister [--force] [--state-dir DIR]\n"
"\n"
"Removes this host from the mesh on the server and deletes the local state\n"
"(token and private key). Config files written by sync stay; take the\n"
"interface down yourself. --force removes the local state even when the\n"
"server no longer knows this host.\n";

static int
cmd_deregister(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "force", no_argument, NULL, 'f' }, STATE_OPTION, HELP_OPTION, { 0 }
	};
	const char *dir = NULL;
	bool force = false;
	struct state st = { 0 };
	struct fetch_response resp = { 0 };
	int c, ret = EXIT_ERR;

	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (c) {
		case 'f': force = true; break;
		case 'S': dir = optarg; break;
		case 'h': return show_help();
		default: return bad_option(c, argv);
		}
	}
	if (optind != argc)
		return usage_error("unexpected argument '%s'", argv[optind]);
	if (load_state(&st, state_dir_choose(dir)) != 0)
		goto out;
	if (peer_request(&st, "DELETE", "/peer", NULL, NULL, &resp) != 0) {
		if (!force)
			goto out;
	} else if (resp.status != 204 && resp.status != 200) {
		if (!force || (resp.status != 401 && resp.status != 404)) {
			fetch_report(&resp, "deregister");
			goto out;
		}
		errmsg("the server does not know this host; removing the local state");
	}
	if (state_remove_all(st.dir) != 0)
		goto out;
	printf("deregistered %s from %s\n", st.id, st.server);
	ret = EXIT_OK;
out:
	fetch_response_free(&resp);
	state_free(&st);
	return ret;
}

/* ---- trust-key ----------------------------------------------------------- */

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

static int
cmd_trust_key(int argc, char **argv)
{
	static const struct option opts[] = { STATE_OPTION, HELP_OPTION, { 0 } };
	const char *dir = NULL, *key = NULL;
	uint8_t pk[KEYS_LEN];
	struct state st = { 0 };
	char *copy = NULL;
	int c, ret = EXIT_ERR;

	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (c) {
		case 'S': dir = optarg; break;
		case 'h': return show_help();
		default: return bad_option(c, argv);
		}
	}
	if (optind + 1 < argc)
		return usage_error("unexpected argument '%s'", argv[optind + 1]);
	if (optind < argc) {
		key = argv[optind];
		if (strcmp(key, "none") == 0)
			key = NULL;
		else if (keys_b64_decode_key(pk, key) != 0)
			return usage_error("invalid key '%s' (the admin's public signing key: 44 "
			                   "base64 characters, or none)", key);
	}
	if (load_state(&st, state_dir_choose(dir)) != 0)
		goto out;
	if (optind == argc) {
		printf("%s\n", st.trust_key ? st.trust_key : "none");
		ret = EXIT_OK;
		goto out;
	}
	if (key && (copy = strdup(key)) == NULL) {
		errmsg("out of memory");
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

/* ---- main --------------------------------------------------------------- */

static const char main_usage[] =
"Usage: wgconf COMMAND [OPTIONS] [ARGS]\n"
"\n"
"Joins this host to a WireGuard mesh run by wgconfsrv.\n"
"\n"
"Commands:\n"
"  register    make a key pair and register with the server\n"
"  status      show this host's state on the server\n"
"  genconf     print this host's WireGuard config\n"
"  sync        write (and --apply) the config; quiet unless it changed\n"
"  endpoint    change this host's public endpoint\n"
"  deregister  leave the mesh\n"
"  trust-key   require peers to be signed by the admin's offline key\n"
"  admin       manage peers, pairs, invites and the network (admins)\n"
"\n"
"`wgconf COMMAND --help` describes each. Exit status: 0 done, 1 error,\n"
"2 usage, 3 not yet accepted, 4 changes held for review (or peers left out\n"
"for want of a valid signature).\n";

static int cmd_admin(int argc, char **argv) { return admin_main(argc, argv); }

static const struct command commands[] = {
	{ "register", cmd_register, register_usage },
	{ "status", cmd_status, status_usage },
	{ "genconf", cmd_genconf, genconf_usage },
	{ "sync", cmd_sync, sync_usage },
	{ "endpoint", cmd_endpoint, endpoint_usage },
	{ "deregister", cmd_deregister, deregister_usage },
	{ "trust-key", cmd_trust_key, trust_key_usage },
	{ "admin", cmd_admin, NULL },
	{ NULL, NULL, NULL }
};

int
main(int argc, char **argv)
{
	int ret;

	/* A child that exits early must not kill us through a pipe. */
	signal(SIGPIPE, SIG_IGN);
	umask(077);
	if (argc < 2) {
		fputs(main_usage, stderr);
		return EXIT_USAGE;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		fputs(main_usage, stdout);
		return EXIT_OK;
	}
	for (current = commands; current->name; current++)
		if (strcmp(current->name, argv[1]) == 0)
			break;
	if (current->name == NULL) {
		fprintf(stderr, "%s: unknown command '%s'\n", progname, argv[1]);
		fputs(main_usage, stderr);
		return EXIT_USAGE;
	}
	if (keys_init() != 0) {
		errmsg("libsodium cannot start");
		return EXIT_ERR;
	}
	fetch_global_init();
	opterr = 0;
	optind = 1;
	ret = current->fn(argc - 1, argv + 1);
	fetch_global_cleanup();
	return ret;
}
