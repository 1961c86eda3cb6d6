/* SPDX-License-Identifier: MIT */
/* `wgconf admin`: the admin API from a shell, with basic auth (--user and a
 * password file, or ~/.netrc). Its own file because it shares nothing with
 * the peer commands but the transport. Peers may be named by id or by a
 * unique name. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ipam.h"
#include "record.h"
#include "validate.h"
#include "wgconf.h"

struct admin {
	const char *server;
	struct fetch_tls tls;
	struct fetch_auth auth;
	char *password;
	size_t password_len;
	struct state st;
	struct json_object *peers;      /* GET /admin/peers, fetched once */

	/* subcommand options */
	bool json;
	const char *state_filter, *name, *address, *networks;
	const char *uses, *expires;
	const char *ipv4, *ipv6, *keepalive, *mtu, *dns, *signing_key;
	const char *out, *key;
	bool yes, all;
};

enum { ADMIN_OFFLINE = 1 };            /* needs no server: key files only */

struct admin_cmd {
	const char *name;
	int (*fn)(struct admin *a, int argc, char **argv);
	const char *own_opts;           /* option codes this subcommand takes */
	int nargs;                      /* positional arguments; -1: none or one */
	const char *usage;
	int flags;
};

static const struct admin_cmd *sub;

static int
admin_usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int
admin_usage_error(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s admin%s%s: ", progname, sub ? " " : "", sub ? sub->name : "");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry '%s admin%s%s --help'.\n", progname, sub ? " " : "",
	        sub ? sub->name : "");
	return EXIT_USAGE;
}

static const char common_usage[] =
"\n"
"Common options (before or after the subcommand):\n"
"  --server URL            the server (default: the one this host registered with)\n"
"  --user NAME             admin user name for basic auth\n"
"  --password-file FILE    first line of FILE is the password (else ~/.netrc)\n"
"  --netrc-file FILE       use FILE instead of ~/.netrc\n"
"  --cacert FILE           trust this CA file instead of the system CAs\n"
"  --pin sha256//BASE64    trust the server's public key with this hash\n"
"  --insecure-http         allow an http:// URL (loopback tests only)\n"
"  --state-dir DIR         where to find the registered server and TLS settings\n"
"\n"
"Peers are named by id or by name; an ambiguous name is an error.\n"
"Exit status: 0 done, 1 error, 2 usage.\n";

/* ---- requests ----------------------------------------------------------- */

static int
request(struct admin *a, const char *method, const char *path, struct json_object *body,
        struct fetch_response *resp)
{
	if (fetch_request(a->server, method, path, &a->tls, &a->auth, body, NULL, resp) != 0)
		return -1;
	if (resp->status == 401) {
		fetch_report(resp, "admin login failed");
		errmsg("give --user and --password-file, or a ~/.netrc line: machine "
		       "HOST login USER password PASSWORD");
		return -1;
	}
	return 0;
}

static int
load_peers(struct admin *a)
{
	struct fetch_response resp = { 0 };
	struct json_object *arr;

	if (a->peers)
		return 0;
	if (request(a, "GET", "/admin/peers", NULL, &resp) != 0)
		goto fail;
	if (resp.status != 200 || resp.json == NULL ||
	    !json_object_object_get_ex(resp.json, "peers", &arr) ||
	    !json_object_is_type(arr, json_type_array)) {
		fetch_report(&resp, "cannot list peers");
		goto fail;
	}
	a->peers = json_object_get(arr);
	fetch_response_free(&resp);
	return 0;
fail:
	fetch_response_free(&resp);
	return -1;
}

/* The peer object an id or a unique name refers to; borrowed from a->peers. */
static struct json_object *
find_peer(struct admin *a, const char *ref)
{
	struct json_object *hit = NULL;
	size_t n, matches = 0;
	char ids[200] = "";

	if (load_peers(a) != 0)
		return NULL;
	n = json_object_array_length(a->peers);
	for (size_t i = 0; i < n; i++) {
		struct json_object *p = json_object_array_get_idx(a->peers, i);
		const char *id = json_str(p, "id");
		if (id && strcmp(id, ref) == 0)
			return p;
	}
	for (size_t i = 0; i < n; i++) {
		struct json_object *p = json_object_array_get_idx(a->peers, i);
		const char *name = json_str(p, "name"), *id = json_str(p, "id");
		if (name && strcmp(name, ref) == 0) {
			hit = p;
			matches++;
			char ib[80];
			printable(id, ib, sizeof(ib));
			if (strlen(ids) + strlen(ib) + 3 < sizeof(ids))
				snprintf(ids + strlen(ids), sizeof(ids) - strlen(ids), "%s%s",
				         matches > 1 ? ", " : "", ib);
		}
	}
	if (matches == 1)
		return hit;
	if (matches > 1)
		errmsg("the name '%s' is ambiguous: %zu peers have it (ids %s); use the id",
		       ref, matches, ids);
	else
		errmsg("no peer with id or name '%s'", ref);
	return NULL;
}

/* The id of a referenced peer, checked to be URL-safe; borrowed. */
static const char *
peer_id(struct admin *a, const char *ref, const char **name)
{
	struct json_object *p = find_peer(a, ref);
	const char *id;

	if (p == NULL)
		return NULL;
	id = json_str(p, "id");
	if (id == NULL || !safe_token(id, 64)) {
		errmsg("the server lists peer '%s' with an unusable id", ref);
		return NULL;
	}
	if (name)
		*name = json_str(p, "name") ? json_str(p, "name") : id;
	return id;
}

/* Name of the peer with id, for showing pairs; "?" when unknown. */
static const char *
name_of(struct admin *a, const char *id)
{
	for (size_t i = 0; a->peers && i < json_object_array_length(a->peers); i++) {
		struct json_object *p = json_object_array_get_idx(a->peers, i);
		const char *pid = json_str(p, "id");
		if (pid && id && strcmp(pid, id) == 0 && json_str(p, "name"))
			return json_str(p, "name");
	}
	return id ? id : "?";
}

static int
print_json(struct json_object *obj)
{
	printf("%s\n", json_object_to_json_string_ext(obj, JSON_C_TO_STRING_PRETTY |
	                                                   JSON_C_TO_STRING_NOSLASHESCAPE));
	return EXIT_OK;
}

/* ---- peers -------------------------------------------------------------- */

/* "a, b, c" of a JSON array of strings, or of peer names for pairs. */
static void
join_array(struct admin *a, struct json_object *obj, const char *key, bool names,
           char *out, size_t outsz)
{
	struct json_object *arr;
	size_t len = 0;

	snprintf(out, outsz, "-");
	if (!json_object_object_get_ex(obj, key, &arr) ||
	    !json_object_is_type(arr, json_type_array) || json_object_array_length(arr) == 0)
		return;
	out[0] = '\0';
	for (size_t i = 0; i < json_object_array_length(arr); i++) {
		const char *s = json_object_get_string(json_object_array_get_idx(arr, i));
		char buf[128];
		if (names)
			s = name_of(a, s);
		len += (size_t)snprintf(out + len, len < outsz ? outsz - len : 0, "%s%s",
		                        i ? "," : "", printable(s, buf, sizeof(buf)));
		if (len >= outsz)
			break;
	}
}

enum { COLS = 9 };

static int
admin_peers(struct admin *a, int argc, char **argv)
{
	static const char *head[COLS] = { "ID", "NAME", "STATE", "SIGNATURE", "ADDRESS",
	                                  "ENDPOINT", "NETWORKS", "PAIRED WITH",
	                                  "LAST SEEN" };
	struct fetch_response resp = { 0 };
	struct json_object *arr;
	char path[64], (*cells)[COLS][256] = NULL;
	size_t widths[COLS], n;
	int ret = EXIT_ERR;

	(void)argc;
	(void)argv;
	if (a->state_filter && strcmp(a->state_filter, "pending") != 0 &&
	    strcmp(a->state_filter, "accepted") != 0)
		return admin_usage_error("invalid --state '%s' (pending or accepted)",
		                         a->state_filter);
	snprintf(path, sizeof(path), "/admin/peers%s%s", a->state_filter ? "?state=" : "",
	         a->state_filter ? a->state_filter : "");
	if (request(a, "GET", path, NULL, &resp) != 0)
		goto out;
	if (resp.status != 200 || resp.json == NULL ||
	    !json_object_object_get_ex(resp.json, "peers", &arr) ||
	    !json_object_is_type(arr, json_type_array)) {
		fetch_report(&resp, "cannot list peers");
		goto out;
	}
	if (a->json) {
		ret = print_json(resp.json);
		goto out;
	}
	/* Pairs show as names: the full list is needed even when filtered. */
	if (a->state_filter == NULL)
		a->peers = json_object_get(arr);
	else if (load_peers(a) != 0)
		goto out;
	n = json_object_array_length(arr);
	cells = calloc(n + 1, sizeof(*cells));
	if (cells == NULL)
		goto out;
	for (size_t c = 0; c < COLS; c++)
		widths[c] = strlen(head[c]);
	for (size_t i = 0; i < n; i++) {
		struct json_object *p = json_object_array_get_idx(arr, i);
		const char *ep = json_str(p, "endpoint");

		printable(json_str(p, "id"), cells[i][0], 256);
		printable(json_str(p, "name"), cells[i][1], 256);
		printable(json_str(p, "state"), cells[i][2], 256);
		printable(json_str(p, "signature"), cells[i][3], 256);
		join_array(a, p, "addresses", false, cells[i][4], 256);
		if (ep)
			printable(ep, cells[i][5], 256);
		else
			snprintf(cells[i][5], 256, "nat");
		join_array(a, p, "networks", false, cells[i][6], 256);
		join_array(a, p, "pairs", true, cells[i][7], 256);
		printable(json_str(p, "last_seen"), cells[i][8], 256);
		for (size_t c = 0; c < COLS; c++)
			if (strlen(cells[i][c]) > widths[c])
				widths[c] = strlen(cells[i][c]);
	}
	for (size_t c = 0; c < COLS; c++)
		printf("%-*s%s", c + 1 < COLS ? (int)widths[c] : 0, head[c],
		       c + 1 < COLS ? "  " : "\n");
	for (size_t i = 0; i < n; i++)
		for (size_t c = 0; c < COLS; c++)
			printf("%-*s%s", c + 1 < COLS ? (int)widths[c] : 0, cells[i][c],
			       c + 1 < COLS ? "  " : "\n");
	ret = EXIT_OK;
out:
	free(cells);
	fetch_response_free(&resp);
	return ret;
}

/* ---- accept, reject, delete, config ------------------------------------- */

/* "a,b,c" -> JSON array after checking each with check; NULL and a usage
 * message when one is bad. "" or "none" gives an empty array. */
static struct json_object *
split_list(const char *s, const char *opt, int (*check)(const char *))
{
	struct json_object *arr = json_object_new_array();
	char *copy = strdup(s), *tok, *save = NULL;

	if (arr == NULL || copy == NULL)
		goto fail;
	if (strcmp(s, "none") == 0 || *s == '\0') {
		free(copy);
		return arr;
	}
	if (s[strlen(s) - 1] == ',' || s[0] == ',' || strstr(s, ",,")) {
		admin_usage_error("invalid %s '%s': an empty entry", opt, s);
		goto fail;
	}
	for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (check(tok) != 0) {
			admin_usage_error("invalid %s entry '%s'", opt, tok);
			goto fail;
		}
		json_object_array_add(arr, json_object_new_string(tok));
	}
	free(copy);
	return arr;
fail:
	free(copy);
	if (arr)
		json_object_put(arr);
	return NULL;
}

static int
check_network(const char *s)
{
	struct cidr c;

	return ipam_parse(&c, s, false, true);
}

static int
check_host_address(const char *s)
{
	struct cidr c;

	return ipam_parse(&c, s, true, false);
}

static int
check_dns(const char *s)
{
	struct cidr c;

	return ipam_parse(&c, s, true, false) == 0 && c.prefix == (c.family == 4 ? 32u : 128u)
	       ? 0 : -1;
}

static int
admin_accept(struct admin *a, int argc, char **argv)
{
	struct fetch_response resp = { 0 };
	struct json_object *body = json_object_new_object(), *nets;
	const char *id, *name;
	char path[128], addrs[256], buf[128];
	int ret = EXIT_ERR;

	(void)argc;
	if (a->name && !validate_name(a->name)) {
		ret = admin_usage_error("invalid --name '%s'", a->name);
		goto out;
	}
	if (a->address && check_host_address(a->address) != 0) {
		ret = admin_usage_error("invalid --address '%s'", a->address);
		goto out;
	}
	if (a->networks) {
		if ((nets = split_list(a->networks, "--networks", check_network)) == NULL) {
			ret = EXIT_USAGE;
			goto out;
		}
		json_object_object_add(body, "networks", nets);
	}
	if (a->name)
		json_object_object_add(body, "name", json_object_new_string(a->name));
	if (a->address)
		json_object_object_add(body, "address", json_object_new_string(a->address));
	if ((id = peer_id(a, argv[0], &name)) == NULL)
		goto out;
	snprintf(path, sizeof(path), "/admin/peers/%s/accept", id);
	if (request(a, "POST", path, body, &resp) != 0)
		goto out;
	if (resp.status != 200 && resp.status != 201) {
		fetch_report(&resp, "accept");
		goto out;
	}
	join_array(a, resp.json, "addresses", false, addrs, sizeof(addrs));
	printf("accepted %s (id %s), address %s\n",
	       printable(json_str(resp.json, "name") ? json_str(resp.json, "name") : name,
	                 buf, sizeof(buf)), id, addrs);
	ret = EXIT_OK;
out:
	json_object_put(body);
	fetch_response_free(&resp);
	return ret;
}

/* reject, delete: one peer, no body, 204. */
static int
simple_peer_action(struct admin *a, const char *ref, const char *method,
                   const char *suffix, const char *done)
{
	struct fetch_response resp = { 0 };
	const char *id, *name;
	char path[128], buf[128];
	int ret = EXIT_ERR;

	if ((id = peer_id(a, ref, &name)) == NULL)
		goto out;
	snprintf(path, sizeof(path), "/admin/peers/%s%s", id, suffix);
	if (request(a, method, path, NULL, &resp) != 0)
		goto out;
	if (resp.status != 204 && resp.status != 200) {
		fetch_report(&resp, done);
		goto out;
	}
	printf("%s %s (id %s)\n", done, printable(name, buf, sizeof(buf)), id);
	ret = EXIT_OK;
out:
	fetch_response_free(&resp);
	return ret;
}

static int
admin_reject(struct admin *a, int argc, char **argv)
{
	(void)argc;
	return simple_peer_action(a, argv[0], "POST", "/reject", "rejected");
}

static int
admin_delete(struct admin *a, int argc, char **argv)
{
	(void)argc;
	return simple_peer_action(a, argv[0], "DELETE", "", "deleted");
}

static int
admin_config(struct admin *a, int argc, char **argv)
{
	struct fetch_response resp = { 0 };
	const char *id;
	char path[128];
	int ret = EXIT_ERR;

	(void)argc;
	if ((id = peer_id(a, argv[0], NULL)) == NULL)
		goto out;
	snprintf(path, sizeof(path), "/admin/peers/%s/config", id);
	if (request(a, "GET", path, NULL, &resp) != 0)
		goto out;
	if (resp.status != 200 || resp.json == NULL) {
		fetch_report(&resp, "config");
		goto out;
	}
	ret = print_json(resp.json);
out:
	fetch_response_free(&resp);
	return ret;
}

/* ---- pair, unpair ------------------------------------------------------- */

static int
pair_action(struct admin *a, char **argv, bool pair)
{
	struct fetch_response resp = { 0 };
	const char *ida, *idb, *na, *nb;
	char path[200], ba[128], bb[128];
	int ret = EXIT_ERR;

	if ((ida = peer_id(a, argv[0], &na)) == NULL || (idb = peer_id(a, argv[1], &nb)) == NULL)
		goto out;
	if (strcmp(ida, idb) == 0) {
		ret = admin_usage_error("a peer cannot be paired with itself");
		goto out;
	}
	snprintf(path, sizeof(path), "/admin/pairs/%s/%s", ida, idb);
	if (request(a, pair ? "PUT" : "DELETE", path, NULL, &resp) != 0)
		goto out;
	printable(na, ba, sizeof(ba));
	printable(nb, bb, sizeof(bb));
	if (pair && (resp.status == 200 || resp.status == 201)) {
		printf(resp.status == 201 ? "paired %s and %s\n"
		                          : "%s and %s were already paired\n", ba, bb);
	} else if (!pair && (resp.status == 204 || resp.status == 200)) {
		printf("unpaired %s and %s\n", ba, bb);
	} else {
		fetch_report(&resp, pair ? "pair" : "unpair");
		goto out;
	}
	ret = EXIT_OK;
out:
	fetch_response_free(&resp);
	return ret;
}

static int
admin_pair(struct admin *a, int argc, char **argv)
{
	(void)argc;
	return pair_action(a, argv, true);
}

static int
admin_unpair(struct admin *a, int argc, char **argv)
{
	(void)argc;
	return pair_action(a, argv, false);
}

/* ---- invite ------------------------------------------------------------- */

/* "90", "90s", "15m", "24h", "7d", "2w" -> seconds (1 s to 366 days). */
static int
parse_duration(const char *s, unsigned long *out)
{
	static const struct { char unit; unsigned long mul; } units[] = {
		{ 's', 1 }, { 'm', 60 }, { 'h', 3600 }, { 'd', 86400 }, { 'w', 604800 },
	};
	char num[16];
	size_t len = strlen(s);
	unsigned long mul = 1, v;

	if (len == 0 || len >= sizeof(num))
		return -1;
	memcpy(num, s, len + 1);
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (num[len - 1] == units[i].unit) {
			mul = units[i].mul;
			num[len - 1] = '\0';
			break;
		}
	if (parse_uint(num, 1, 366UL * 86400, &v) != 0 || v > 366UL * 86400 / mul)
		return -1;
	*out = v * mul;
	return 0;
}

static int
admin_invite(struct admin *a, int argc, char **argv)
{
	struct fetch_response resp = { 0 };
	struct json_object *body = json_object_new_object(), *v;
	unsigned long uses = 1, secs = 86400;
	const char *code;
	char buf[128], ebuf[64];
	int ret = EXIT_ERR;

	(void)argc;
	(void)argv;
	if (a->uses && parse_uint(a->uses, 1, 1000000, &uses) != 0) {
		ret = admin_usage_error("invalid --uses '%s' (a number from 1)", a->uses);
		goto out;
	}
	if (a->expires && parse_duration(a->expires, &secs) != 0) {
		ret = admin_usage_error("invalid --expires '%s' (like 3600, 30m, 24h, 7d; "
		                        "at most 366d)", a->expires);
		goto out;
	}
	json_object_object_add(body, "uses", json_object_new_int64((int64_t)uses));
	json_object_object_add(body, "expires_in", json_object_new_int64((int64_t)secs));
	if (request(a, "POST", "/admin/invites", body, &resp) != 0)
		goto out;
	if (resp.status != 201 && resp.status != 200) {
		fetch_report(&resp, "invite");
		goto out;
	}
	if (a->json) {
		ret = print_json(resp.json);
		goto out;
	}
	code = json_str(resp.json, "code");
	if (code == NULL || !safe_token(code, 256)) {
		errmsg("the server's answer has no valid invite code");
		goto out;
	}
	printf("%s\n", code);
	fprintf(stderr, "invite %s: %lu use%s, expires %s; shown once. On the new "
	        "host: wgconf register --server URL --invite CODE ENDPOINT|nat\n",
	        printable(json_str(resp.json, "id"), buf, sizeof(buf)), uses,
	        uses == 1 ? "" : "s",
	        json_object_object_get_ex(resp.json, "expires_at", &v) ?
	        printable(json_object_get_string(v), ebuf, sizeof(ebuf)) : "?");
	ret = EXIT_OK;
out:
	json_object_put(body);
	fetch_response_free(&resp);
	return ret;
}

/* ---- network ------------------------------------------------------------ */

static int
admin_network(struct admin *a, int argc, char **argv)
{
	struct fetch_response resp = { 0 };
	struct json_object *body = json_object_new_object(), *arr, *v;
	unsigned long n;
	struct cidr c;
	bool put = false;
	char buf[256];
	int ret = EXIT_ERR;

	(void)argc;
	(void)argv;
	if (a->ipv4) {
		if (ipam_parse(&c, a->ipv4, false, true) != 0 || c.family != 4 || c.prefix > 30) {
			ret = admin_usage_error("invalid --ipv4 '%s' (an IPv4 network such as "
			                        "10.77.0.0/24)", a->ipv4);
			goto out;
		}
		json_object_object_add(body, "ipv4_pool", json_object_new_string(a->ipv4));
		put = true;
	}
	if (a->ipv6) {
		if (strcmp(a->ipv6, "none") == 0) {
			json_object_object_add(body, "ipv6_pool", NULL);
		} else if (ipam_parse(&c, a->ipv6, false, true) != 0 || c.family != 6 ||
		           c.prefix > 126) {
			ret = admin_usage_error("invalid --ipv6 '%s' (an IPv6 network such as "
			                        "fd77::/64, or none)", a->ipv6);
			goto out;
		} else {
			json_object_object_add(body, "ipv6_pool", json_object_new_string(a->ipv6));
		}
		put = true;
	}
	if (a->keepalive) {
		if (parse_uint(a->keepalive, 0, 65535, &n) != 0) {
			ret = admin_usage_error("invalid --keepalive '%s' (seconds, 0-65535)",
			                        a->keepalive);
			goto out;
		}
		json_object_object_add(body, "keepalive", json_object_new_int((int)n));
		put = true;
	}
	if (a->mtu) {
		if (strcmp(a->mtu, "none") == 0) {
			json_object_object_add(body, "mtu", NULL);
		} else if (parse_uint(a->mtu, 1280, 9000, &n) != 0) {
			ret = admin_usage_error("invalid --mtu '%s' (1280-9000, or none)", a->mtu);
			goto out;
		} else {
			json_object_object_add(body, "mtu", json_object_new_int((int)n));
		}
		put = true;
	}
	if (a->dns) {
		if ((arr = split_list(a->dns, "--dns", check_dns)) == NULL) {
			ret = EXIT_USAGE;
			goto out;
		}
		json_object_object_add(body, "dns", arr);
		put = true;
	}
	if (a->signing_key) {
		uint8_t pk[KEYS_LEN];

		if (strcmp(a->signing_key, "none") == 0) {
			json_object_object_add(body, "signing_key", NULL);
		} else if (keys_b64_decode_key(pk, a->signing_key) != 0) {
			ret = admin_usage_error("invalid --signing-key '%s' (a public key from "
			                        "`wgconf admin signing-key`, or none)",
			                        a->signing_key);
			goto out;
		} else {
			json_object_object_add(body, "signing_key",
			                       json_object_new_string(a->signing_key));
		}
		put = true;
	}
	if (request(a, put ? "PUT" : "GET", "/admin/network", put ? body : NULL, &resp) != 0)
		goto out;
	if (resp.status != 200 || resp.json == NULL) {
		fetch_report(&resp, "network");
		goto out;
	}
	if (a->json) {
		ret = print_json(resp.json);
		goto out;
	}
	printf("%-12s%s\n", "ipv4", printable(json_str(resp.json, "ipv4_pool"), buf, sizeof(buf)));
	printf("%-12s%s\n", "ipv6", printable(json_str(resp.json, "ipv6_pool"), buf, sizeof(buf)));
	printf("%-12s%s\n", "mtu", json_object_object_get_ex(resp.json, "mtu", &v) && v ?
	       printable(json_object_get_string(v), buf, sizeof(buf)) : "-");
	printf("%-12s%s\n", "keepalive",
	       json_object_object_get_ex(resp.json, "keepalive", &v) && v ?
	       printable(json_object_get_string(v), buf, sizeof(buf)) : "-");
	join_array(a, resp.json, "dns", false, buf, sizeof(buf));
	printf("%-12s%s\n", "dns", buf);
	printf("%-12s%s\n", "signing key",
	       printable(json_str(resp.json, "signing_key"), buf, sizeof(buf)));
	if (a->signing_key && strcmp(a->signing_key, "none") != 0)
		fprintf(stderr, "peers signed with another key now show as invalid; sign "
		        "them with `wgconf admin sign --all --key FILE`\n");
	ret = EXIT_OK;
out:
	json_object_put(body);
	fetch_response_free(&resp);
	return ret;
}

/* ---- signing-key, sign -------------------------------------------------- */

#define SIGNING_KEY_HEADER "# wgconf signing key (Ed25519 secret key): keep it offline\n"
#define SIGNING_KEY_B64_LEN 89         /* base64 of the 64-byte secret key, NUL */

/* Reads a key file that `signing-key generate` wrote: comment lines, then
 * the base64 of the 64-byte secret key. The key is checked by signing and
 * verifying a test text, so a damaged file cannot sign garbage. 0 or -1
 * with a message; sk is wiped on failure. */
static int
signing_key_read(const char *path, uint8_t sk[KEYS_SIGN_SK_LEN], char pkb64[KEYS_B64_LEN])
{
	static const char probe[] = "wgconf signing key check\n";
	uint8_t sig[KEYS_SIG_LEN];
	char *text = NULL, *line, *save = NULL, *b64 = NULL;
	size_t len = 0, sklen = 0;
	int r, ret = -1;

	r = state_read_file(path, 4096, &text, &len);
	if (r != 0) {
		errmsg("cannot read the signing key %s: %s", path,
		       r == 1 ? "no such file" : strerror(errno));
		return -1;
	}
	for (line = strtok_r(text, "\r\n", &save); line; line = strtok_r(NULL, "\r\n", &save)) {
		if (line[0] == '#' || line[0] == '\0')
			continue;
		if (b64 != NULL) {
			b64 = NULL;
			break;
		}
		b64 = line;
	}
	if (b64 == NULL || keys_b64_decode(sk, KEYS_SIGN_SK_LEN, &sklen, b64) != 0 ||
	    sklen != KEYS_SIGN_SK_LEN) {
		errmsg("%s is not a signing key (as `wgconf admin signing-key generate` "
		       "writes it)", path);
		goto out;
	}
	keys_sign(sig, probe, strlen(probe), sk);
	if (keys_verify(sig, probe, strlen(probe), sk + KEYS_SIGN_SK_LEN - KEYS_LEN) != 0) {
		errmsg("%s is damaged: its secret and public halves do not match", path);
		goto out;
	}
	keys_b64_encode(pkb64, KEYS_B64_LEN, sk + KEYS_SIGN_SK_LEN - KEYS_LEN, KEYS_LEN);
	ret = 0;
out:
	if (ret != 0)
		keys_wipe(sk, KEYS_SIGN_SK_LEN);
	keys_wipe(text, len);
	free(text);
	return ret;
}

/* Writes a new key file, 0600; an existing file is never replaced (it may
 * be the only copy of the key every peer trusts). 0 or -1 with a message. */
static int
signing_key_write(const char *path, const uint8_t sk[KEYS_SIGN_SK_LEN])
{
	char b64[SIGNING_KEY_B64_LEN];
	char text[sizeof(SIGNING_KEY_HEADER) + sizeof(b64) + 1];
	size_t len, off = 0;
	int fd, ok, ret = -1;

	keys_b64_encode(b64, sizeof(b64), sk, KEYS_SIGN_SK_LEN);
	len = (size_t)snprintf(text, sizeof(text), "%s%s\n", SIGNING_KEY_HEADER, b64);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0) {
		errmsg(errno == EEXIST ? "%s exists: not replacing a signing key (pick "
		       "another --out, or remove it yourself)" : "cannot create %s: %s",
		       path, strerror(errno));
		goto out;
	}
	while (off < len) {
		ssize_t w = write(fd, text + off, len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			break;
		off += (size_t)w;
	}
	ok = off == len && fsync(fd) == 0;
	if (close(fd) != 0)
		ok = 0;
	if (!ok) {
		errmsg("cannot write %s: %s", path, strerror(errno));
		unlink(path);
		goto out;
	}
	ret = 0;
out:
	keys_wipe(b64, sizeof(b64));
	keys_wipe(text, sizeof(text));
	return ret;
}

static int
admin_signing_key(struct admin *a, int argc, char **argv)
{
	uint8_t pk[KEYS_LEN], sk[KEYS_SIGN_SK_LEN];
	char pkb64[KEYS_B64_LEN];
	int ret = EXIT_ERR;

	(void)argc;
	if (strcmp(argv[0], "generate") == 0) {
		if (a->out == NULL || a->key != NULL)
			return admin_usage_error("generate writes the new key to --out FILE");
		keys_sign_keypair(pk, sk);
		if (signing_key_write(a->out, sk) != 0)
			goto out;
		keys_b64_encode(pkb64, sizeof(pkb64), pk, sizeof(pk));
		printf("%s\n", pkb64);
		fprintf(stderr, "signing key written to %s; its public key is above. Keep "
		        "the file offline. Next: `wgconf admin network --signing-key %s`, "
		        "`wgconf trust-key %s` on every host, then `wgconf admin sign`.\n",
		        a->out, pkb64, pkb64);
	} else if (strcmp(argv[0], "public") == 0) {
		if (a->key == NULL || a->out != NULL)
			return admin_usage_error("public reads the key from --key FILE");
		if (signing_key_read(a->key, sk, pkb64) != 0)
			goto out;
		printf("%s\n", pkb64);
	} else {
		return admin_usage_error("unknown action '%s' (generate or public)", argv[0]);
	}
	ret = EXIT_OK;
out:
	keys_wipe(sk, sizeof(sk));
	return ret;
}

/* The AllowedIPs other peers configure for peer p, as the server builds
 * them (meshconf_allowed_ips): tunnel addresses as /32 and /128, IPv4
 * first, then the routed networks in order, all canonical. Caller owns it;
 * NULL with a message when the server's entry is bad. */
static struct json_object *
allowed_ips_of(struct json_object *p, const char *name)
{
	struct json_object *out = json_object_new_array(), *addrs, *nets;
	char buf[IPAM_STRLEN], nb[128];
	struct cidr c;

	if (out == NULL ||
	    !json_object_object_get_ex(p, "addresses", &addrs) ||
	    !json_object_is_type(addrs, json_type_array) ||
	    !json_object_object_get_ex(p, "networks", &nets) ||
	    !json_object_is_type(nets, json_type_array))
		goto bad;
	for (int family = 4; family <= 6; family += 2)
		for (size_t i = 0; i < json_object_array_length(addrs); i++) {
			const char *s = json_object_get_string(json_object_array_get_idx(addrs, i));
			if (s == NULL || ipam_parse(&c, s, true, false) != 0 ||
			    c.prefix != (c.family == 4 ? 32u : 128u))
				goto bad;
			if (c.family != family)
				continue;
			ipam_format(buf, &c, true);
			json_object_array_add(out, json_object_new_string(buf));
		}
	for (size_t i = 0; i < json_object_array_length(nets); i++) {
		const char *s = json_object_get_string(json_object_array_get_idx(nets, i));
		if (s == NULL || ipam_parse(&c, s, false, true) != 0)
			goto bad;
		ipam_format(buf, &c, true);
		json_object_array_add(out, json_object_new_string(buf));
	}
	return out;
bad:
	errmsg("the server lists peer %s with invalid addresses or networks",
	       printable(name, nb, sizeof(nb)));
	json_object_put(out);
	return NULL;
}

/* Asks on the terminal; true for y or yes. */
static bool
confirm(const char *question)
{
	char line[16];

	fprintf(stderr, "%s [y/N] ", question);
	fflush(stderr);
	if (fgets(line, sizeof(line), stdin) == NULL)
		return false;
	line[strcspn(line, "\r\n")] = '\0';
	return strcmp(line, "y") == 0 || strcmp(line, "Y") == 0 || strcmp(line, "yes") == 0;
}

/* Shows peer p's record, asks (unless --yes), signs it here and sends only
 * the signature. 0 signed, 1 declined, -1 error. */
static int
sign_peer(struct admin *a, struct json_object *p, const uint8_t sk[KEYS_SIGN_SK_LEN])
{
	struct fetch_response resp = { 0 };
	struct json_object *allowed = NULL, *body = NULL;
	const char *id = json_str(p, "id"), *name = json_str(p, "name");
	const char *pub = json_str(p, "public_key"), *state = json_str(p, "state");
	uint8_t key[KEYS_LEN], sig[KEYS_SIG_LEN];
	char nb[128], text[4096], sigb64[KEYS_SIG_B64_LEN], path[128];
	int n, ret = -1;

	printable(name, nb, sizeof(nb));
	if (id == NULL || !safe_token(id, 64)) {
		errmsg("the server lists peer %s with an unusable id", nb);
		goto out;
	}
	if (state == NULL || strcmp(state, "accepted") != 0) {
		errmsg("peer %s (id %s) is not accepted: accept it before signing it", nb, id);
		goto out;
	}
	if (pub == NULL || keys_b64_decode_key(key, pub) != 0) {
		errmsg("the server lists peer %s (id %s) with an invalid public key", nb, id);
		goto out;
	}
	if ((allowed = allowed_ips_of(p, name)) == NULL)
		goto out;
	n = record_signed_text(text, sizeof(text), pub, allowed);
	if (n < 0) {
		errmsg("peer %s (id %s) has too many routes to sign", nb, id);
		goto out;
	}
	printf("peer %s (id %s)\n  public key   %s\n  allowed IPs  ", nb, id, pub);
	for (size_t i = 0; i < json_object_array_length(allowed); i++)
		printf("%s%s", i ? ", " : "",
		       json_object_get_string(json_object_array_get_idx(allowed, i)));
	printf("%s\n", json_object_array_length(allowed) ? "" : "-");
	fflush(stdout);
	if (!a->yes && !confirm("Is that the host's public key (`wg pubkey < "
	                        "private.key` on it)? Sign this record?")) {
		printf("not signed %s (id %s)\n", nb, id);
		ret = 1;
		goto out;
	}
	keys_sign(sig, text, (size_t)n, sk);
	keys_b64_encode(sigb64, sizeof(sigb64), sig, sizeof(sig));
	body = json_object_new_object();
	json_object_object_add(body, "signature", json_object_new_string(sigb64));
	snprintf(path, sizeof(path), "/admin/peers/%s/signature", id);
	if (request(a, "PUT", path, body, &resp) != 0)
		goto out;
	if (resp.status != 200) {
		fetch_report(&resp, "sign");
		goto out;
	}
	if (json_str(resp.json, "signature") == NULL ||
	    strcmp(json_str(resp.json, "signature"), "valid") != 0) {
		errmsg("the server took the signature of %s (id %s) but does not list it "
		       "as valid", nb, id);
		goto out;
	}
	printf("signed %s (id %s)\n", nb, id);
	ret = 0;
out:
	if (allowed)
		json_object_put(allowed);
	if (body)
		json_object_put(body);
	fetch_response_free(&resp);
	return ret;
}

/* Signing with a key the server does not hold would only earn a 400 per
 * peer: say what is wrong once, before anything is shown or asked. */
static int
check_network_key(struct admin *a, const char *pkb64)
{
	struct fetch_response resp = { 0 };
	const char *have;
	char buf[128];
	int ret = -1;

	if (request(a, "GET", "/admin/network", NULL, &resp) != 0)
		goto out;
	if (resp.status != 200 || resp.json == NULL) {
		fetch_report(&resp, "network");
		goto out;
	}
	have = json_str(resp.json, "signing_key");
	if (have == NULL) {
		errmsg("the network has no signing key yet: `wgconf admin network "
		       "--signing-key %s` first", pkb64);
		goto out;
	}
	if (strcmp(have, pkb64) != 0) {
		errmsg("this key (public key %s) is not the network's signing key (%s); "
		       "if nobody changed it on purpose, the server is not to be trusted",
		       pkb64, printable(have, buf, sizeof(buf)));
		goto out;
	}
	ret = 0;
out:
	fetch_response_free(&resp);
	return ret;
}

static int
admin_sign(struct admin *a, int argc, char **argv)
{
	uint8_t sk[KEYS_SIGN_SK_LEN];
	char pkb64[KEYS_B64_LEN];
	size_t signed_n = 0, declined = 0, failed = 0;
	struct json_object *p;
	int r, ret = EXIT_ERR;

	if (a->key == NULL)
		return admin_usage_error("--key FILE (the signing key) is required");
	if (a->all == (argc == 1))
		return admin_usage_error("give the PEER to sign, or --all");
	/* Nothing is asked of the server before the key is known to be good. */
	if (signing_key_read(a->key, sk, pkb64) != 0)
		goto out;
	if (!a->yes && !isatty(STDIN_FILENO)) {
		errmsg("not signing without a confirmation: run on a terminal, or give "
		       "--yes");
		goto out;
	}
	if (check_network_key(a, pkb64) != 0 || load_peers(a) != 0)
		goto out;
	if (!a->all) {
		if ((p = find_peer(a, argv[0])) == NULL)
			goto out;
		r = sign_peer(a, p, sk);
		ret = r == 0 ? EXIT_OK : EXIT_ERR;
		goto out;
	}
	for (size_t i = 0; i < json_object_array_length(a->peers); i++) {
		const char *state, *sig;

		p = json_object_array_get_idx(a->peers, i);
		state = json_str(p, "state");
		sig = json_str(p, "signature");
		if (state == NULL || strcmp(state, "accepted") != 0 ||
		    (sig != NULL && strcmp(sig, "valid") == 0))
			continue;
		r = sign_peer(a, p, sk);
		if (r == 0)
			signed_n++;
		else if (r > 0)
			declined++;
		else
			failed++;
	}
	if (signed_n + declined + failed == 0)
		printf("nothing to sign: every accepted peer carries a valid signature\n");
	else
		printf("signed %zu peer%s%s", signed_n, signed_n == 1 ? "" : "s",
		       declined || failed ? "" : "\n");
	if (declined || failed)
		printf(", %zu declined, %zu failed\n", declined, failed);
	ret = failed ? EXIT_ERR : EXIT_OK;
out:
	keys_wipe(sk, sizeof(sk));
	return ret;
}

/* ---- table and main ----------------------------------------------------- */

static const struct admin_cmd admin_cmds[] = {
	{ "peers", admin_peers, "jT", 0,
	  "Usage: wgconf admin peers [--state pending|accepted] [--json]\n"
	  "\nLists every peer: id, name, state, signature (none, valid, or invalid:\n"
	  "the key or routes changed since it was signed, or the signing key did),\n"
	  "address, endpoint, routed networks, the peers it is paired with, and\n"
	  "when it last fetched its config.\n", 0 },
	{ "accept", admin_accept, "nAN", 1,
	  "Usage: wgconf admin accept PEER [--name NAME] [--address ADDR]\n"
	  "                           [--networks CIDR,...]\n"
	  "\nAccepts a pending peer. Without --address it gets the lowest free\n"
	  "address of the pool; --networks are routed through it.\n", 0 },
	{ "reject", admin_reject, "", 1,
	  "Usage: wgconf admin reject PEER\n\nDrops a pending peer.\n", 0 },
	{ "delete", admin_delete, "", 1,
	  "Usage: wgconf admin delete PEER\n\nRemoves a peer and its pairs.\n", 0 },
	{ "pair", admin_pair, "", 2,
	  "Usage: wgconf admin pair PEER PEER\n"
	  "\nPairs two peers (makes their preshared key); both configure the link\n"
	  "at their next sync.\n", 0 },
	{ "unpair", admin_unpair, "", 2,
	  "Usage: wgconf admin unpair PEER PEER\n\nRemoves the link between two peers.\n", 0 },
	{ "invite", admin_invite, "uej", 0,
	  "Usage: wgconf admin invite [--uses N] [--expires DURATION] [--json]\n"
	  "\nMakes an invite code (printed once, on stdout) that lets a host join\n"
	  "without waiting for an admin. --uses defaults to 1, --expires to 24h\n"
	  "(seconds, or a number with s, m, h, d or w).\n", 0 },
	{ "network", admin_network, "46kmdGj", 0,
	  "Usage: wgconf admin network [--ipv4 CIDR] [--ipv6 CIDR|none]\n"
	  "                            [--keepalive SECONDS] [--mtu N|none]\n"
	  "                            [--dns IP,...|none] [--signing-key PUBKEY|none]\n"
	  "                            [--json]\n"
	  "\nShows the network settings; with options, changes them first.\n"
	  "--signing-key is the public half of the admin's offline key (`wgconf\n"
	  "admin signing-key`): the server then takes only signatures by it.\n", 0 },
	{ "config", admin_config, "", 1,
	  "Usage: wgconf admin config PEER\n"
	  "\nShows (as JSON) the config that peer gets at its next sync.\n", 0 },
	{ "signing-key", admin_signing_key, "oK", 1,
	  "Usage: wgconf admin signing-key generate --out FILE\n"
	  "       wgconf admin signing-key public --key FILE\n"
	  "\nThe admin's Ed25519 key that signs peer records, on this machine only\n"
	  "(no server is asked). generate writes a new secret key to FILE (mode\n"
	  "0600; an existing file is never replaced) and prints its public key;\n"
	  "public prints the public key of FILE. Keep FILE offline. Then:\n"
	  "  wgconf admin network --signing-key PUBKEY   the server checks signatures\n"
	  "  wgconf trust-key PUBKEY                     on every host: peers must be\n"
	  "                                              signed to be configured\n"
	  "  wgconf admin sign PEER --key FILE           sign each peer\n",
	  ADMIN_OFFLINE },
	{ "sign", admin_sign, "Kya", -1,
	  "Usage: wgconf admin sign PEER --key FILE [--yes]\n"
	  "       wgconf admin sign --all --key FILE [--yes]\n"
	  "\nSigns a peer's record (its public key and the AllowedIPs other peers\n"
	  "route to it) with the signing key in FILE. The record is shown and, on\n"
	  "a terminal, confirmed first: compare the public key with the host's own\n"
	  "(`wg pubkey < /var/lib/wgconf/private.key` there). The signature is made\n"
	  "here; only the signature is sent. Hosts that trust the key (`wgconf\n"
	  "trust-key`) configure a peer only with a valid signature, so sign again\n"
	  "after changing a peer's address or networks.\n"
	  "\n"
	  "  --key FILE  the secret key from `wgconf admin signing-key generate`\n"
	  "  --all       every accepted peer whose signature is missing or invalid\n"
	  "  --yes       do not ask (needed without a terminal); with --all this\n"
	  "              signs whatever the server holds now: check `admin peers`\n"
	  "              first\n", 0 },
	{ NULL, NULL, NULL, 0, NULL, 0 }
};

static const char admin_usage[] =
"Usage: wgconf admin [OPTIONS] SUBCOMMAND [ARGS]\n"
"\n"
"Subcommands:\n"
"  peers                        list peers (--json for scripts)\n"
"  accept PEER                  accept a pending peer\n"
"  reject PEER                  drop a pending peer\n"
"  delete PEER                  remove a peer\n"
"  pair PEER PEER               link two peers\n"
"  unpair PEER PEER             unlink two peers\n"
"  invite                       make an invite code\n"
"  network                      show or change the network settings\n"
"  config PEER                  preview a peer's config\n"
"  signing-key generate|public  make or show the offline signing key\n"
"  sign PEER|--all --key FILE   sign peer records with it\n";

static int
read_password(struct admin *a, const char *file)
{
	char *text = NULL;
	size_t len = 0;
	int r;

	r = state_read_file(file, 4096, &text, &len);
	if (r != 0) {
		errmsg("cannot read --password-file '%s': %s", file,
		       r == 1 ? "no such file" : strerror(errno));
		return -1;
	}
	/* The whole file is wiped at the end, not only the first line. */
	a->password = text;
	a->password_len = len;
	text[strcspn(text, "\r\n")] = '\0';
	if (text[0] == '\0') {
		errmsg("--password-file '%s' is empty", file);
		return -1;
	}
	return 0;
}

int
admin_main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "server", required_argument, NULL, 's' },
		{ "user", required_argument, NULL, 'U' },
		{ "password-file", required_argument, NULL, 'P' },
		{ "netrc-file", required_argument, NULL, 'R' },
		{ "cacert", required_argument, NULL, 'c' },
		{ "pin", required_argument, NULL, 'p' },
		{ "insecure-http", no_argument, NULL, 'I' },
		{ "state-dir", required_argument, NULL, 'S' },
		{ "json", no_argument, NULL, 'j' },
		{ "state", required_argument, NULL, 'T' },
		{ "name", required_argument, NULL, 'n' },
		{ "address", required_argument, NULL, 'A' },
		{ "networks", required_argument, NULL, 'N' },
		{ "uses", required_argument, NULL, 'u' },
		{ "expires", required_argument, NULL, 'e' },
		{ "ipv4", required_argument, NULL, '4' },
		{ "ipv6", required_argument, NULL, '6' },
		{ "keepalive", required_argument, NULL, 'k' },
		{ "mtu", required_argument, NULL, 'm' },
		{ "dns", required_argument, NULL, 'd' },
		{ "signing-key", required_argument, NULL, 'G' },
		{ "out", required_argument, NULL, 'o' },
		{ "key", required_argument, NULL, 'K' },
		{ "yes", no_argument, NULL, 'y' },
		{ "all", no_argument, NULL, 'a' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	static const char common[] = "sUPRcpIS";
	struct admin a = { 0 };
	const char *server = NULL, *cacert = NULL, *pin = NULL, *pwfile = NULL, *dir = NULL;
	char *cacert_abs = NULL;
	bool insecure = false, help = false;
	char *pos[3], seen[64] = "";
	int npos = 0, c, idx, ret = EXIT_ERR;

	sub = NULL;
	/* Positionals are collected by hand, so options may come anywhere. */
	optind = 1;
	while (optind < argc) {
		idx = -1;
		c = getopt_long(argc, argv, "-:h", opts, &idx);
		if (c == -1)
			break;
		if (c == 1) {
			if (npos == 0) {
				for (sub = admin_cmds; sub->name; sub++)
					if (strcmp(sub->name, optarg) == 0)
						break;
				if (sub->name == NULL) {
					sub = NULL;
					return admin_usage_error("unknown subcommand '%s'", optarg);
				}
				npos++;
			} else {
				if (npos > (sub->nargs < 0 ? 1 : sub->nargs))
					return admin_usage_error("unexpected argument '%s'", optarg);
				pos[npos++ - 1] = optarg;
			}
			continue;
		}
		if (c == '?' || c == ':') {
			if (c == ':')
				return admin_usage_error("option '%s' needs a value", argv[optind - 1]);
			return admin_usage_error("unknown option '%s'", argv[optind - 1]);
		}
		if (c == 'h') {
			help = true;
			continue;
		}
		if (strchr(common, c) == NULL && strchr(seen, c) == NULL &&
		    strlen(seen) + 1 < sizeof(seen))
			seen[strlen(seen)] = (char)c;
		switch (c) {
		case 's': server = optarg; break;
		case 'U': a.auth.user = optarg; break;
		case 'P': pwfile = optarg; break;
		case 'R': a.auth.netrc_file = optarg; break;
		case 'c': cacert = optarg; break;
		case 'p': pin = optarg; break;
		case 'I': insecure = true; break;
		case 'S': dir = optarg; break;
		case 'j': a.json = true; break;
		case 'T': a.state_filter = optarg; break;
		case 'n': a.name = optarg; break;
		case 'A': a.address = optarg; break;
		case 'N': a.networks = optarg; break;
		case 'u': a.uses = optarg; break;
		case 'e': a.expires = optarg; break;
		case '4': a.ipv4 = optarg; break;
		case '6': a.ipv6 = optarg; break;
		case 'k': a.keepalive = optarg; break;
		case 'm': a.mtu = optarg; break;
		case 'd': a.dns = optarg; break;
		case 'G': a.signing_key = optarg; break;
		case 'o': a.out = optarg; break;
		case 'K': a.key = optarg; break;
		case 'y': a.yes = true; break;
		case 'a': a.all = true; break;
		}
	}
	if (help) {
		fputs(sub ? sub->usage : admin_usage, stdout);
		fputs(common_usage, stdout);
		return EXIT_OK;
	}
	if (sub == NULL)
		return admin_usage_error("give a subcommand (peers, accept, reject, delete, "
		                         "pair, unpair, invite, network, config, "
		                         "signing-key, sign)");
	for (size_t i = 0; seen[i]; i++)
		if (strchr(sub->own_opts, seen[i]) == NULL)
			for (size_t o = 0; opts[o].name; o++)
				if (opts[o].val == seen[i])
					return admin_usage_error("option '--%s' does not apply to "
					                         "'%s'", opts[o].name, sub->name);
	if (sub->nargs >= 0 && npos - 1 != sub->nargs)
		return admin_usage_error("takes %d argument%s, got %d", sub->nargs,
		                         sub->nargs == 1 ? "" : "s", npos - 1);
	if (pin && fetch_check_pin(pin) != 0)
		return admin_usage_error("invalid --pin '%s' (want sha256// and the base64 "
		                         "of a SHA-256 hash)", pin);
	for (int i = 0; i < npos - 1; i++)
		if (!safe_token(pos[i], 64))
			return admin_usage_error("invalid peer '%s' (an id or a name)", pos[i]);
	/* Key files only: no server, no credentials, nothing on the network. */
	if (sub->flags & ADMIN_OFFLINE)
		return sub->fn(&a, npos - 1, pos);

	/* The server and TLS trust: options first, then what register kept. */
	if (state_load(&a.st, state_dir_choose(dir)) < 0 && server == NULL)
		goto out;
	if (server == NULL && a.st.server != NULL) {
		server = a.st.server;
		a.tls.cacert = a.st.cacert;
		a.tls.pin = a.st.pin;
		a.tls.insecure_http = a.st.insecure_http;
	}
	if (server == NULL) {
		ret = admin_usage_error("give --server URL (this host is not registered, so "
		                        "there is no server to default to)");
		goto out;
	}
	if (cacert) {
		if ((cacert_abs = realpath(cacert, NULL)) == NULL) {
			errmsg("cannot read --cacert '%s': %s", cacert, strerror(errno));
			goto out;
		}
		a.tls.cacert = cacert_abs;
	}
	if (pin)
		a.tls.pin = pin;
	if (insecure)
		a.tls.insecure_http = true;
	if (fetch_check_url(server, a.tls.insecure_http) != 0) {
		ret = EXIT_USAGE;
		goto out;
	}
	a.server = server;
	if (pwfile) {
		if (a.auth.user == NULL) {
			ret = admin_usage_error("--password-file needs --user");
			goto out;
		}
		if (read_password(&a, pwfile) != 0)
			goto out;
		a.auth.password = a.password;
	}
	a.auth.netrc = true;
	ret = sub->fn(&a, npos - 1, pos);
out:
	if (a.password) {
		keys_wipe(a.password, a.password_len);
		free(a.password);
	}
	if (a.peers)
		json_object_put(a.peers);
	state_free(&a.st);
	free(cacert_abs);
	return ret;
}
