/* SPDX-License-Identifier: MIT */
/* wgconf admin: options (before or after the subcommand), the server and
 * the credentials (basic auth: --user and a password file, or ~/.netrc),
 * the subcommand table, and what the subcommands share: requests, finding
 * a peer by id or name, lists in and out. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "admin.h"
#include "cli.h"
#include "ipam.h"
#include "text.h"

static const char common_usage[] =
"\n"
"Common options (before or after the subcommand):\n"
"  --server URL            the server (default: the one this host registered with)\n"
"  --user NAME             admin user name for basic auth\n"
"  --password-file FILE    first line of FILE is the password (else ~/.netrc)\n"
"  --netrc-file FILE       use FILE instead of ~/.netrc\n"
"  --cacert FILE           trust this CA file instead of the system CAs\n"
"  --pin sha256//BASE64    trust the server's public key with this hash\n"
"  --insecure-http         allow an unencrypted http:// URL (for loopback tests)\n"
"  --state-dir DIR         where to find the registered server and TLS settings\n"
"\n"
"Peers are named by id or by name; an ambiguous name is an error.\n"
"Exit status: 0 done, 1 error, 2 usage.\n";


int
admin_request(struct admin *a, const char *method, const char *path, struct json_object *body,
        struct fetch_response *resp)
{
	if (fetch_request(a->server, method, path, &a->tls, &a->auth, body, NULL, resp) != 0)
		return -1;
	if (resp->status == 401) {
		fetch_report(resp, "admin login failed");
		warnx("give --user and --password-file, or a ~/.netrc line: machine "
		       "HOST login USER password PASSWORD");
		return -1;
	}
	return 0;
}

struct json_object *
admin_array(const struct fetch_response *resp, const char *key, const char *what)
{
	struct json_object *arr;

	if (resp->status != 200 || resp->json == NULL ||
	    !json_object_object_get_ex(resp->json, key, &arr) ||
	    !json_object_is_type(arr, json_type_array)) {
		fetch_report(resp, what);
		return NULL;
	}
	return arr;
}

/* Peers a page: a member of a full mesh of 1,000 lists 999 pair ids (some
 * 20 KB), so 200 of them stay well under the 8 MiB answer cap (1,000, the
 * server's largest page, did not). */
#define ADMIN_PAGE 200

int
admin_get_all(struct admin *a, const char *path, const char *key, const char *what,
              struct json_object **all)
{
	struct json_object *rows = json_object_new_array(), *arr, *next;
	char *cursor = NULL, page[1024];
	int ret = -1;

	*all = NULL;
	for (;;) {
		struct fetch_response resp = { 0 };
		int n;
		n = snprintf(page, sizeof(page), "%s%slimit=%d%s%s", path,
		             strchr(path, '?') ? "&" : "?", ADMIN_PAGE,
		             cursor ? "&cursor=" : "", cursor ? cursor : "");
		if (n < 0 || (size_t)n >= sizeof(page)) {
			warnx("%s: the request path is too long", what);
			break;
		}
		if (admin_request(a, "GET", page, NULL, &resp) != 0 ||
		    (arr = admin_array(&resp, key, what)) == NULL) {
			fetch_response_free(&resp);
			break;
		}
		for (size_t i = 0; i < json_object_array_length(arr); i++)
			json_object_array_add(rows, json_object_get(json_object_array_get_idx(arr, i)));
		free(cursor);
		cursor = NULL;
		/* A cursor goes back into a URL: only what the server gives out
		 * (ids, digits, '.') is taken. */
		if (json_object_object_get_ex(resp.json, "next_cursor", &next) && next != NULL &&
		    (!json_object_is_type(next, json_type_string) ||
		     !text_safe_token(json_object_get_string(next), 128) ||
		     (cursor = strdup(json_object_get_string(next))) == NULL)) {
			warnx("%s: the server sent a bad next_cursor", what);
			fetch_response_free(&resp);
			break;
		}
		fetch_response_free(&resp);
		if (cursor == NULL) {
			*all = rows;
			rows = NULL;
			ret = 0;
			break;
		}
	}
	free(cursor);
	json_object_put(rows);
	return ret;
}

int
admin_load_peers(struct admin *a)
{
	if (a->peers)
		return 0;
	/* Devices too: they are paired, tagged and signed by name like hosts. */
	return admin_get_all(a, "/admin/peers?kind=all", "peers", "cannot list peers", &a->peers);
}

/* Each column as wide as its widest cell. */
static void
print_table(const char *const head[], size_t ncols, char (*cells)[ADMIN_CELL], size_t nrows)
{
	size_t widths[ADMIN_COLS_MAX];

	for (size_t c = 0; c < ncols; c++) {
		widths[c] = strlen(head[c]);
		for (size_t r = 0; r < nrows; r++)
			if (strlen(cells[r * ncols + c]) > widths[c])
				widths[c] = strlen(cells[r * ncols + c]);
	}
	for (size_t r = 0; r <= nrows; r++)
		for (size_t c = 0; c < ncols; c++)
			printf("%-*s%s", c + 1 < ncols ? (int)widths[c] : 0,
			       r == 0 ? head[c] : cells[(r - 1) * ncols + c],
			       c + 1 < ncols ? "  " : "\n");
}

int
admin_print_list(struct json_object *arr, const char *const head[], size_t ncols,
                 admin_row_fn *row, void *ctx)
{
	size_t n = json_object_array_length(arr);
	char (*cells)[ADMIN_CELL];

	if (ncols > ADMIN_COLS_MAX || (cells = calloc(n * ncols + 1, sizeof(*cells))) == NULL) {
		warnx("out of memory");
		return EXIT_ERR;
	}
	for (size_t i = 0; i < n; i++)
		row(ctx, json_object_array_get_idx(arr, i), cells + i * ncols);
	print_table(head, ncols, cells, n);
	free(cells);
	return EXIT_OK;
}

/* The peer object an id or a unique name refers to; borrowed from a->peers. */
struct json_object *
admin_find_peer(struct admin *a, const char *ref)
{
	struct json_object *hit = NULL;
	size_t n, matches = 0;
	char ids[200] = "";

	if (admin_load_peers(a) != 0)
		return NULL;
	n = json_object_array_length(a->peers);
	for (size_t i = 0; i < n; i++) {
		struct json_object *p = json_object_array_get_idx(a->peers, i);
		const char *id = text_json_str(p, "id");
		if (id && strcmp(id, ref) == 0)
			return p;
	}
	for (size_t i = 0; i < n; i++) {
		struct json_object *p = json_object_array_get_idx(a->peers, i);
		const char *name = text_json_str(p, "name"), *id = text_json_str(p, "id");
		if (name && strcmp(name, ref) == 0) {
			hit = p;
			matches++;
			char ib[80];
			text_printable(id, ib, sizeof(ib));
			if (strlen(ids) + strlen(ib) + 3 < sizeof(ids))
				snprintf(ids + strlen(ids), sizeof(ids) - strlen(ids), "%s%s",
				         matches > 1 ? ", " : "", ib);
		}
	}
	if (matches == 1)
		return hit;
	if (matches > 1)
		warnx("the name '%s' is ambiguous: %zu peers have it (ids %s); use the id",
		       ref, matches, ids);
	else
		warnx("no peer with id or name '%s'", ref);
	return NULL;
}

/* The id of a referenced peer, checked to be URL-safe; borrowed. */
const char *
admin_peer_id(struct admin *a, const char *ref, const char **name)
{
	struct json_object *p = admin_find_peer(a, ref);
	const char *id;

	if (p == NULL)
		return NULL;
	id = text_json_str(p, "id");
	if (id == NULL || !text_safe_token(id, 64)) {
		warnx("the server lists peer '%s' with an unusable id", ref);
		return NULL;
	}
	if (name)
		*name = text_json_str(p, "name") ? text_json_str(p, "name") : id;
	return id;
}

/* Name of the peer with id, for showing pairs; "?" when unknown. */
const char *
admin_name_of(struct admin *a, const char *id)
{
	for (size_t i = 0; a->peers && i < json_object_array_length(a->peers); i++) {
		struct json_object *p = json_object_array_get_idx(a->peers, i);
		const char *pid = text_json_str(p, "id");
		if (pid && id && strcmp(pid, id) == 0 && text_json_str(p, "name"))
			return text_json_str(p, "name");
	}
	return id ? id : "?";
}

int
admin_print_json(struct json_object *obj)
{
	printf("%s\n", json_object_to_json_string_ext(obj, JSON_C_TO_STRING_PRETTY |
	                                                   JSON_C_TO_STRING_NOSLASHESCAPE));
	return EXIT_OK;
}

/* "a, b, c" of a JSON array of strings, or of peer names for pairs. */
void
admin_join_array(struct admin *a, struct json_object *obj, const char *key, bool names,
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
			s = admin_name_of(a, s);
		len += (size_t)snprintf(out + len, len < outsz ? outsz - len : 0, "%s%s",
		                        i ? "," : "", text_printable(s, buf, sizeof(buf)));
		if (len >= outsz)
			break;
	}
}

/* "a,b,c" -> JSON array after checking each with check; NULL and a usage
 * message when one is bad. "" or "none" gives an empty array. */
struct json_object *
admin_split_list(const char *s, const char *opt, int (*check)(const char *))
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
		cli_usage_error("invalid %s '%s': an empty entry", opt, s);
		goto fail;
	}
	for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (check(tok) != 0) {
			cli_usage_error("invalid %s entry '%s'", opt, tok);
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

int
admin_check_network(const char *s)
{
	struct cidr c;

	return ipam_parse(&c, s, false, true);
}

int
admin_check_host_address(const char *s)
{
	struct cidr c;

	return ipam_parse(&c, s, true, false);
}

int
admin_check_dns(const char *s)
{
	struct cidr c;

	return ipam_parse(&c, s, true, false) == 0 && c.prefix == (c.family == 4 ? 32u : 128u)
	       ? 0 : -1;
}

enum {
	ADMIN_OFFLINE = 1,              /* needs no server: key files only */
	ADMIN_FILE_ARGS = 2,            /* the arguments are files, not peers */
};
enum { TAGS_ARGS_MAX = 17 };           /* a peer and 16 tags */

static const struct admin_cmd {
	const char *name;
	int (*fn)(struct admin *a, int argc, char **argv);
	const char *own_opts;           /* option codes this subcommand takes */
	int min_args, max_args;         /* positional arguments */
	const char *synopsis;           /* for the generated list */
	const char *description;
	const char *usage;
	int flags;
} admin_cmds[] = {
	{ "peers", admin_peers, "jT", 0, 0, "peers",
	  "list peers (--json for scripts)",
	  "Usage: wgconf admin peers [--state pending|accepted|disabled] [--json]\n"
	  "\nLists every peer: id, name, state (\"new key\" when it asked for one),\n"
	  "what is signed (none; vN, its signed version; \"vN changed\" when it has\n"
	  "changes to sign; invalid when the stored signature is not by the\n"
	  "network's signing key),\n"
	  "address, endpoint, routed networks, tags, the peers it is paired with,\n"
	  "and when it last fetched its config.\n", 0 },
	{ "accept", admin_accept, "nANg", 1, 1, "accept PEER",
	  "accept a pending peer",
	  "Usage: wgconf admin accept PEER [--name NAME] [--address ADDR]\n"
	  "                           [--networks CIDR,...] [--tags TAG,...]\n"
	  "\nAccepts a pending peer. Without --address it gets the lowest free\n"
	  "address of the pool; --networks are routed through it; --tags gives it\n"
	  "tags, and the rules on them pair it at once.\n", 0 },
	{ "edit", admin_edit, "nANEkjge", 1, 1, "edit PEER",
	  "change a peer's name, address, networks or endpoint",
	  "Usage: wgconf admin edit PEER [--name NAME] [--address ADDR]\n"
	  "                         [--networks CIDR,...|none] [--endpoint HOST:PORT|nat]\n"
	  "                         [--keepalive SECONDS|default] [--tags TAG,...|none]\n"
	  "                         [--expires DURATION|never] [--json]\n"
	  "\nChanges only the given fields of a peer (address and networks only of\n"
	  "an accepted one). --networks replaces the routed networks; --keepalive 0\n"
	  "turns keepalives off, default goes back to the network's; --tags\n"
	  "replaces the peer's tags (see tag and untag); --expires (24h, 7d; at\n"
	  "most 366d) disables the peer that long from now (see disable), never\n"
	  "takes the expiry away. Peers pick the change up at their next sync;\n"
	  "under a signing key, sign the peer again after changing its address\n"
	  "or networks. --json prints the peer as the server answered.\n", 0 },
	{ "reject", admin_reject, "Onj", 0, ADMIN_ARGS_MAX, "reject PEER...|--older-than AGE",
	  "drop pending peers",
	  "Usage: wgconf admin reject PEER...\n"
	  "       wgconf admin reject [--older-than AGE] [--name PATTERN] [--json]\n"
	  "\nDrops pending peers (an accepted one is never touched): the ones named\n"
	  "(all or none: an unknown or accepted one refuses the lot), or every one\n"
	  "registered at least AGE ago (1d, 12h, 3600; 0 for any age) and/or whose\n"
	  "name matches PATTERN ('junk*': '*', '?' and [...] as in a shell). Prints\n"
	  "the ids it rejected. To clear a flood of registrations; see also\n"
	  "`wgconf admin network --registration invite-only`.\n", 0 },
	{ "delete", admin_delete, "", 1, 1, "delete PEER",
	  "remove a peer",
	  "Usage: wgconf admin delete PEER\n\nRemoves a peer and its pairs.\n", 0 },
	{ "disable", admin_disable, "", 1, 1, "disable PEER",
	  "pause a peer: out of every config, nothing deleted",
	  "Usage: wgconf admin disable PEER\n"
	  "\nTakes an accepted peer out of every config: its partners drop it at\n"
	  "their next sync, and its own config lists no peers (with a warning\n"
	  "saying so). Its key, pairs, addresses and tags stay; `enable` puts\n"
	  "every pair back. Under a signing key nothing needs signing: a host\n"
	  "drops a peer whatever the statements say (docs/trust.md).\n", 0 },
	{ "enable", admin_enable, "e", 1, 1, "enable PEER",
	  "end a pause (optionally with --expires)",
	  "Usage: wgconf admin enable PEER [--expires DURATION]\n"
	  "\nPuts a disabled peer back into its partners' configs, with the pairs\n"
	  "it had. --expires (3600, 30m, 24h, 7d; at most 366d) disables it again\n"
	  "that long from now, by itself; without it the peer has no expiry (an\n"
	  "old one is dropped). On a peer that is not disabled, sets or drops its\n"
	  "expiry only.\n", 0 },
	{ "pair", admin_pair, "", 2, 2, "pair PEER PEER",
	  "link two peers",
	  "Usage: wgconf admin pair PEER PEER\n"
	  "\nPairs two peers (makes their preshared key); both configure the link\n"
	  "at their next sync.\n", 0 },
	{ "unpair", admin_unpair, "", 2, 2, "unpair PEER PEER",
	  "unlink two peers",
	  "Usage: wgconf admin unpair PEER PEER\n\nRemoves the link between two peers.\n"
	  "A pair that a rule also makes stays, as the rule's (it goes with the\n"
	  "rule or a tag); one only rules make cannot be unpaired by hand.\n", 0 },
	{ "relay", admin_relay, "", 2, 2, "relay PEER on|off",
	  "let a peer relay for pairs with no direct path",
	  "Usage: wgconf admin relay PEER on|off\n"
	  "\nLets a peer with a public endpoint relay (or stops it): every pair whose\n"
	  "two ends cannot reach each other (both behind NAT, or a link both ends\n"
	  "report down) then goes through a relay, chosen by the server, paired\n"
	  "with both ends if it was not. The relay's host must allow it too\n"
	  "(`wgconf allow-relay` there). A relay decrypts and re-encrypts what it\n"
	  "carries: see docs/relays.md. `admin links` shows each pair's path.\n", 0 },
	{ "tag", admin_tag, "j", 2, TAGS_ARGS_MAX, "tag PEER TAG...",
	  "give a peer tags (rules pair by tag)",
	  "Usage: wgconf admin tag PEER TAG... [--json]\n"
	  "\nAdds tags to a peer (1-32 of a-z, 0-9, '_' and '-'; at most 16 on a\n"
	  "peer). The peer is then paired by every rule on those tags, with a fresh\n"
	  "preshared key per pair. The edit names the peer's revision (If-Match):\n"
	  "a concurrent change is read again, not undone. --json prints the peer\n"
	  "as the server answered.\n", 0 },
	{ "untag", admin_untag, "j", 2, TAGS_ARGS_MAX, "untag PEER TAG...",
	  "take tags off a peer",
	  "Usage: wgconf admin untag PEER TAG... [--json]\n"
	  "\nTakes tags off a peer; the pairs that only rules on those tags made\n"
	  "go (explicit pairs stay). A tag the peer does not have is said and\n"
	  "skipped. --json prints the peer as the server answered.\n", 0 },
	{ "rules", admin_rules, "j", 0, 3, "rules [add A B|delete ID]",
	  "pair peers by tag",
	  "Usage: wgconf admin rules [list] [--json]\n"
	  "       wgconf admin rules add TAG_A TAG_B [--json]\n"
	  "       wgconf admin rules delete ID\n"
	  "\nA rule pairs every accepted peer tagged TAG_A with every accepted peer\n"
	  "tagged TAG_B; with TAG_A = TAG_B, the peers of that tag form a full\n"
	  "mesh. Peers tagged or accepted later are paired at once. list shows\n"
	  "each rule with the number of pairs it makes now and its JOB; add\n"
	  "makes the pairs (more than 2000: in the background, while the server\n"
	  "keeps answering; JOB shows how far, and hosts take their pairs as\n"
	  "they are made); delete removes the pairs only that rule made (pairs\n"
	  "made with `admin pair` stay). Under a signing key, sign the policy\n"
	  "after a rule change (`wgconf admin sign --policy`): one signature.\n", 0 },
	{ "invite", admin_invite, "ueljFZ", 0, 0, "invite",
	  "make an invite code",
	  "Usage: wgconf admin invite [--uses N] [--expires DURATION] [--label TEXT]\n"
	  "                           [--for PEER [--when-closed]] [--json]\n"
	  "\nMakes an invite code (printed once, on stdout) that lets a host join\n"
	  "without waiting for an admin. --uses defaults to 1, --expires to 24h\n"
	  "(seconds, or a number with s, m, h, d or w). --label is what you want to\n"
	  "remember it by (1 to 64 printable characters), shown by `admin invites`.\n"
	  "--for PEER (a name or id) makes it for the host of that imported peer to\n"
	  "adopt it (`wgconf register --adopt`), and for nothing else: adopting\n"
	  "takes such an invite. --when-closed lets it work while registration is\n"
	  "closed.\n", 0 },
	{ "invites", admin_invites, "j", 0, 2, "invites [list|delete ID]",
	  "list invite codes, or delete one",
	  "Usage: wgconf admin invites [list] [--json]\n"
	  "       wgconf admin invites delete ID\n"
	  "\nLists the invite codes (id, uses left, expiry, who made them, label;\n"
	  "never the code itself), or deletes one by its id so that it can no\n"
	  "longer be used.\n", 0 },
	{ "device-invite", admin_device_invite, "JnlHguej", 0, 0, "device-invite",
	  "make a link for a phone or laptop to join with",
	  "Usage: wgconf admin device-invite --gateway PEER [--name NAME] [--label TEXT]\n"
	  "                                  [--routes mesh|all|mesh,CIDR,...] [--tags T,...]\n"
	  "                                  [--uses N] [--expires DURATION] [--json]\n"
	  "\nMakes a device link (printed once, on stdout): opened on a phone or a\n"
	  "laptop, its browser makes the device's key, joins, and offers the\n"
	  "WireGuard config as a QR code and a file; the private key never leaves\n"
	  "that browser. --gateway is the host (with a public endpoint) that routes\n"
	  "for the device; --routes what the device sends into the tunnel: the\n"
	  "mesh's pools (the default), networks too (mesh,192.168.5.0/24), or all.\n"
	  "--name names the device (else its owner does), --tags give it tags its\n"
	  "rules pair by. --uses defaults to 1, --expires to 24h (at most 30d).\n", 0 },
	{ "devices", admin_devices, "je", 0, 2, "devices [list|delete ID|reissue ID]",
	  "list devices, delete one, or make a new link for its owner",
	  "Usage: wgconf admin devices [list] [--json]\n"
	  "       wgconf admin devices delete ID\n"
	  "       wgconf admin devices reissue ID [--expires DURATION]\n"
	  "\nLists the devices (phones, laptops) with their gateway and the last\n"
	  "handshake the gateway reported. delete removes one and revokes its key\n"
	  "for good. reissue makes a new link for the same owner: when it is used,\n"
	  "the new device replaces the old one, whose key is revoked.\n", 0 },
	{ "network", admin_network, "46kmdGjrxXiQwCV", 0, 0, "network",
	  "show or change the network settings",
	  "Usage: wgconf admin network [--ipv4 CIDR] [--ipv6 CIDR|none]\n"
	  "                            [--keepalive SECONDS] [--mtu N|none]\n"
	  "                            [--dns IP,...|none] [--signing-key PUBKEY|none]\n"
	  "                            [--registration open|invite-only|closed]\n"
	  "                            [--pending-max N] [--pending-max-per-prefix N]\n"
	  "                            [--pending-expire AGE] [--endpoint-interval AGE]\n"
	  "                            [--audit-max-age AGE] [--audit-max-rows N]\n"
	  "                            [--audit-coalesce AGE]\n"
	  "                            [--json]\n"
	  "\nShows the network settings; with options, changes them first.\n"
	  "--signing-key is the public half of the admin's offline key (`wgconf\n"
	  "admin signing-key`): the server then takes only signatures by it.\n"
	  "\nThe limits on what anyone can add (see docs/operations.md; AGE is\n"
	  "seconds, or a number with s, m, h, d or w):\n"
	  "  --registration      open: anyone registers and waits as pending;\n"
	  "                      invite-only: only with an invite code; closed: nobody\n"
	  "  --pending-max       peers waiting at most (an invite always gets in)\n"
	  "  --pending-max-per-prefix  of those, at most this many registered from\n"
	  "                      one network (/24 for IPv4, /48 for IPv6)\n"
	  "  --pending-expire    a pending peer not decided on by then is deleted\n"
	  "  --endpoint-interval between two endpoint changes a peer makes (0: any)\n"
	  "  --audit-max-age     audit entries older than this are pruned\n"
	  "  --audit-max-rows    the newest entries kept (an admin's only age out)\n"
	  "  --audit-coalesce    the same event again within this counts on its\n"
	  "                      entry instead of adding one (0: never)\n", 0 },
	{ "audit", admin_audit, "WLj", 0, 0, "audit",
	  "show the audit log, newest first",
	  "Usage: wgconf admin audit [--since TIME] [--limit N] [--json]\n"
	  "\nShows the audit log, newest first: when, who, what, on what, and the\n"
	  "details (never a secret). --limit N (1-10000, default 50) entries at\n"
	  "most; --since TIME only those at or after TIME: an ISO 8601 UTC time\n"
	  "(2026-11-25T19:06:05Z or 2026-11-25) or an age (90s, 15m, 24h, 7d, 2w).\n"
	  "--json prints {\"entries\": [...]} with the entries as the server sent them.\n", 0 },
	{ "links", admin_links, "j", 0, 0, "links",
	  "show which pairs are up",
	  "Usage: wgconf admin links [--json]\n"
	  "\nShows every pair with its link status, as the two hosts report it after\n"
	  "each sync (from `wg show dump`): up (a side saw a handshake within the\n"
	  "last 180 s, or the server's WGCONFSRV_LINK_STALE_SECONDS), stale (longer\n"
	  "ago: paired, but silent), never (no handshake reported yet), when the\n"
	  "latest handshake was, and the bytes each side received and sent; then\n"
	  "each pair without a direct path: \"A - B: relayed via RELAY\" (its status\n"
	  "is the relay's links'), or \"A - B: down: WHY\" (see `admin relay`).\n"
	  "--json prints {\"links\": [...], \"stale_after\": N} as the server sent it.\n", 0 },
	{ "export", admin_export, "", 0, 0, "export",
	  "print the whole network as JSON",
	  "Usage: wgconf admin export\n"
	  "\nPrints the network settings, every peer (name, public key, state,\n"
	  "addresses, routed networks, endpoint, ports) and every pair as JSON,\n"
	  "without a secret, an id or a time, keys and lists sorted: two exports of\n"
	  "the same mesh are the same text, a change is a small diff. `wgconf admin\n"
	  "import` takes it back (on a server without those peers).\n", 0 },
	{ "import", admin_import, "j", 1, ADMIN_ARGS_MAX, "import [NAME=]FILE...",
	  "take over a hand-made mesh (wg-quick files) or an export",
	  "Usage: wgconf admin import [NAME=]FILE... [--json]\n"
	  "       wgconf admin import EXPORT.json\n"
	  "\nCreates the peers and pairs a hand-made mesh describes, from each host's\n"
	  "wg-quick file (wg0.conf), in one step: all or nothing. A host is named\n"
	  "NAME, or after its file (web1.conf: web1). Its public key is derived here\n"
	  "from [Interface] PrivateKey, which is never sent; its addresses are its\n"
	  "Address lines (within the server's pools: set them first with `wgconf\n"
	  "admin network`), its port its ListenPort; its endpoint and routed\n"
	  "networks are what the other files' [Peer] sections say (Endpoint,\n"
	  "AllowedIPs beyond its address). Two hosts are paired when either lists\n"
	  "the other. What is not taken over is listed on stderr: preshared keys\n"
	  "(fresh ones reach both hosts at their next sync), DNS, MTU, scripts.\n"
	  "A JSON file from `wgconf admin export` is imported with its network\n"
	  "settings. Each imported host then takes its peer over with `wgconf\n"
	  "register --adopt` and an invite made for it (`admin invite --for NAME`).\n",
	  ADMIN_FILE_ARGS },
	{ "config", admin_config, "", 1, 1, "config PEER",
	  "preview a peer's config",
	  "Usage: wgconf admin config PEER\n"
	  "\nShows (as JSON) the config that peer gets at its next sync.\n", 0 },
	{ "signing-key", admin_signing_key, "oK", 1, 1, "signing-key generate|public",
	  "make or show the offline signing key",
	  "Usage: wgconf admin signing-key generate --out FILE\n"
	  "       wgconf admin signing-key public --key FILE\n"
	  "\nThe admin's Ed25519 key that signs peer records, on this machine only\n"
	  "(no server is asked). generate writes a new secret key to FILE (mode\n"
	  "0600; an existing file is never replaced) and prints its public key;\n"
	  "public prints the public key of FILE. Keep FILE offline. Then:\n"
	  "  wgconf admin network --signing-key PUBKEY   the server checks signatures\n"
	  "  wgconf trust-key PUBKEY                     on every host: peers must be\n"
	  "                                              signed to be configured\n"
	  "  wgconf admin sign PEER --key FILE           sign each peer\n", ADMIN_OFFLINE },
	{ "sign", admin_sign, "KyaY", 0, 1000, "sign PEER...|--all|--policy",
	  "sign peer statements, the policy and key revocations",
	  "Usage: wgconf admin sign PEER... [--policy] --key FILE [--yes]\n"
	  "       wgconf admin sign --all --key FILE [--yes]\n"
	  "       wgconf admin sign --policy --key FILE [--yes]\n"
	  "\nSigns each peer's statement (its key, its tunnel addresses with their\n"
	  "prefix, its routed networks, the network's MTU and DNS, its tags, the\n"
	  "peers an admin paired it with, and a version that only grows;\n"
	  "docs/trust.md) with the signing key in FILE, and with --policy the\n"
	  "policy: every rule (tag a pairs with tag b) in one document, so a rule\n"
	  "is one signature however many pairs it makes. What changed since the\n"
	  "last text signed with this key is shown first (- and + lines: keys,\n"
	  "addresses, networks, mtu, dns, tags, pairs, rules), worked out here\n"
	  "from the text to be signed, and on a\n"
	  "terminal confirmed: compare a new key with the host's own (`wg pubkey <\n"
	  "/var/lib/wgconf/private.key` there). Pending revocations (a deleted peer,\n"
	  "a replaced key) are shown and signed the same way: with --all every one,\n"
	  "with PEERs those of these peers. The signatures are made here; only they\n"
	  "are sent. Hosts that trust the key (`wgconf trust-key`) configure only\n"
	  "what is signed, and a pair only when both sides' statements name it or\n"
	  "a rule of the signed policy pairs their signed tags.\n"
	  "\n"
	  "  --key FILE  the secret key from `wgconf admin signing-key generate`\n"
	  "  --all       every accepted peer with unsigned changes, the policy\n"
	  "              when its rules changed, and every pending revocation\n"
	  "  --policy    the policy (the rules)\n"
	  "  --yes       do not ask (needed without a terminal); with --all this\n"
	  "              signs whatever the server holds now: check `admin peers`\n"
	  "              first\n", 0 },
	{ "accept-key", admin_accept_key, "", 1, 1, "accept-key PEER",
	  "accept a peer's new key (wgconf rotate)",
	  "Usage: wgconf admin accept-key PEER\n"
	  "\nSwaps in the key a host asked for with `wgconf rotate`: every pair of it\n"
	  "gets a fresh preshared key, every partner takes the new key at its next\n"
	  "sync. Under a signing key, `wgconf admin sign PEER` then signs its new\n"
	  "statement and the revocation of the old key.\n", 0 },
};

#define N_ADMIN_CMDS (sizeof(admin_cmds) / sizeof(admin_cmds[0]))

/* Generated from the table, as wg(8) does. */
static void
show_admin_usage(void)
{
	printf("Usage: wgconf admin [OPTIONS] SUBCOMMAND [ARGS]\n\nSubcommands:\n");
	for (size_t i = 0; i < N_ADMIN_CMDS; i++)
		printf("  %-28s %s\n", admin_cmds[i].synopsis, admin_cmds[i].description);
}

static int
read_password(struct admin *a, const char *file)
{
	char *text = NULL;
	size_t len = 0;
	int r;

	r = state_read_file(file, 4096, &text, &len);
	if (r != 0) {
		warnx("cannot read --password-file '%s': %s", file,
		       r == 1 ? "no such file" : strerror(errno));
		return -1;
	}
	/* The whole file is wiped at the end, not only the first line. */
	a->password = text;
	a->password_len = len;
	text[strcspn(text, "\r\n")] = '\0';
	if (text[0] == '\0') {
		warnx("--password-file '%s' is empty", file);
		return -1;
	}
	return 0;
}


static const struct option admin_opts[] = {
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
	{ "tags", required_argument, NULL, 'g' },
	{ "endpoint", required_argument, NULL, 'E' },
	{ "uses", required_argument, NULL, 'u' },
	{ "expires", required_argument, NULL, 'e' },
	{ "label", required_argument, NULL, 'l' },
	{ "for", required_argument, NULL, 'F' },
	{ "when-closed", no_argument, NULL, 'Z' },
	{ "gateway", required_argument, NULL, 'J' },
	{ "routes", required_argument, NULL, 'H' },
	{ "since", required_argument, NULL, 'W' },
	{ "limit", required_argument, NULL, 'L' },
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
	{ "policy", no_argument, NULL, 'Y' },
	{ "registration", required_argument, NULL, 'r' },
	{ "pending-max", required_argument, NULL, 'x' },
	{ "pending-max-per-prefix", required_argument, NULL, 'V' },
	{ "pending-expire", required_argument, NULL, 'X' },
	{ "endpoint-interval", required_argument, NULL, 'i' },
	{ "audit-max-age", required_argument, NULL, 'Q' },
	{ "audit-max-rows", required_argument, NULL, 'w' },
	{ "audit-coalesce", required_argument, NULL, 'C' },
	{ "older-than", required_argument, NULL, 'O' },
	{ "help", no_argument, NULL, 'h' },
	{ 0 }
};

/* The command line, before anything is checked against the subcommand. */
struct admin_args {
	const struct admin_cmd *sub;
	char *pos[ADMIN_ARGS_MAX];      /* positional arguments after it */
	int npos;
	char seen[64];                  /* subcommand option codes given */
	bool help, insecure;
	const char *server, *cacert, *pin, *pwfile, *dir;
};

/* "admin" or "admin SUB", for usage errors. */
static void
set_command(const struct admin_cmd *sub)
{
	static char name[64];

	snprintf(name, sizeof(name), "admin%s%s", sub ? " " : "", sub ? sub->name : "");
	cli_command = name;
}

/* A positional argument: the subcommand first, then its arguments. 0 or
 * a usage error. */
static int
take_positional(struct admin_args *g, char *arg)
{
	if (g->sub == NULL) {
		for (size_t i = 0; i < N_ADMIN_CMDS; i++)
			if (strcmp(admin_cmds[i].name, arg) == 0)
				g->sub = &admin_cmds[i];
		if (g->sub == NULL)
			return cli_usage_error("unknown subcommand '%s'", arg);
		set_command(g->sub);
		return 0;
	}
	if (g->npos >= g->sub->max_args)
		return cli_usage_error("unexpected argument '%s'", arg);
	g->pos[g->npos++] = arg;
	return 0;
}

/* One option into a (subcommand options) or g (common ones). */
static void
take_option(struct admin *a, struct admin_args *g, int c)
{
	static const char common[] = "sUPRcpIS";

	if (strchr(common, c) == NULL && strchr(g->seen, c) == NULL &&
	    strlen(g->seen) + 1 < sizeof(g->seen))
		g->seen[strlen(g->seen)] = (char)c;
	switch (c) {
	case 's': g->server = optarg; break;
	case 'U': a->auth.user = optarg; break;
	case 'P': g->pwfile = optarg; break;
	case 'R': a->auth.netrc_file = optarg; break;
	case 'c': g->cacert = optarg; break;
	case 'p': g->pin = optarg; break;
	case 'I': g->insecure = true; break;
	case 'S': g->dir = optarg; break;
	case 'j': a->json = true; break;
	case 'g': a->tags = optarg; break;
	case 'T': a->state_filter = optarg; break;
	case 'n': a->name = optarg; break;
	case 'A': a->address = optarg; break;
	case 'N': a->networks = optarg; break;
	case 'E': a->endpoint = optarg; break;
	case 'u': a->uses = optarg; break;
	case 'e': a->expires = optarg; break;
	case 'l': a->label = optarg; break;
	case 'F': a->for_peer = optarg; break;
	case 'Z': a->when_closed = true; break;
	case 'J': a->gateway = optarg; break;
	case 'H': a->routes = optarg; break;
	case 'W': a->since = optarg; break;
	case 'L': a->limit = optarg; break;
	case '4': a->ipv4 = optarg; break;
	case '6': a->ipv6 = optarg; break;
	case 'k': a->keepalive = optarg; break;
	case 'm': a->mtu = optarg; break;
	case 'd': a->dns = optarg; break;
	case 'G': a->signing_key = optarg; break;
	case 'o': a->out = optarg; break;
	case 'K': a->key = optarg; break;
	case 'y': a->yes = true; break;
	case 'a': a->all = true; break;
	case 'Y': a->policy = true; break;
	case 'r': a->registration = optarg; break;
	case 'x': a->pending_max = optarg; break;
	case 'V': a->pending_max_prefix = optarg; break;
	case 'X': a->pending_expire = optarg; break;
	case 'i': a->endpoint_interval = optarg; break;
	case 'Q': a->audit_max_age = optarg; break;
	case 'w': a->audit_max_rows = optarg; break;
	case 'C': a->audit_coalesce = optarg; break;
	case 'O': a->older_than = optarg; break;
	}
}

/* Options may come anywhere, so positionals are collected by hand. Then
 * what the subcommand takes is checked. 0, -1 for --help (printed), or a
 * usage error. */
static int
parse_args(struct admin *a, struct admin_args *g, int argc, char **argv)
{
	int c;

	set_command(NULL);
	optind = 1;
	while (optind < argc && (c = getopt_long(argc, argv, "-:h", admin_opts, NULL)) != -1) {
		if (c == 1 && take_positional(g, optarg) != 0)
			return EXIT_USAGE;
		else if (c == '?' || c == ':')
			return cli_bad_option(c, argv);
		else if (c == 'h')
			g->help = true;
		else if (c != 1)
			take_option(a, g, c);
	}
	if (g->help) {
		if (g->sub)
			fputs(g->sub->usage, stdout);
		else
			show_admin_usage();
		fputs(common_usage, stdout);
		return -1;
	}
	if (g->sub == NULL)
		return cli_usage_error("give a subcommand (see `wgconf admin --help`)");
	for (size_t i = 0; g->seen[i]; i++)
		if (strchr(g->sub->own_opts, g->seen[i]) == NULL)
			for (size_t o = 0; admin_opts[o].name; o++)
				if (admin_opts[o].val == g->seen[i])
					return cli_usage_error("option '--%s' does not apply to '%s'",
					                       admin_opts[o].name, g->sub->name);
	if (g->npos < g->sub->min_args)
		return cli_usage_error("takes %d argument%s, got %d", g->sub->min_args,
		                       g->sub->min_args == 1 ? "" : "s", g->npos);
	if (g->pin && fetch_check_pin(g->pin) != 0)
		return cli_usage_error("invalid --pin '%s' (want sha256// and the base64 "
		                       "of a SHA-256 hash)", g->pin);
	for (int i = 0; i < g->npos && !(g->sub->flags & ADMIN_FILE_ARGS); i++)
		if (!text_safe_token(g->pos[i], 64))
			return cli_usage_error("invalid peer '%s' (an id or a name)", g->pos[i]);
	return 0;
}

/* The server and TLS trust: options first, then what register kept; the
 * password. 0, or an exit status. *cacert_abs is the caller's to free. */
static int
connect_setup(struct admin *a, const struct admin_args *g, char **cacert_abs)
{
	const char *server = g->server;

	if (state_load(&a->st, state_dir_choose(g->dir)) < 0 && server == NULL)
		return EXIT_ERR;
	if (server == NULL && a->st.server != NULL) {
		server = a->st.server;
		a->tls.cacert = a->st.cacert;
		a->tls.pin = a->st.pin;
		a->tls.insecure_http = a->st.insecure_http;
	}
	if (server == NULL)
		return cli_usage_error("give --server URL (this host is not registered, so "
		                       "there is no server to default to)");
	if (g->cacert) {
		if ((*cacert_abs = realpath(g->cacert, NULL)) == NULL) {
			warn("cannot read --cacert '%s'", g->cacert);
			return EXIT_ERR;
		}
		a->tls.cacert = *cacert_abs;
	}
	if (g->pin)
		a->tls.pin = g->pin;
	if (g->insecure)
		a->tls.insecure_http = true;
	if (fetch_check_url(server, a->tls.insecure_http) != 0)
		return EXIT_USAGE;
	a->server = server;
	if (g->pwfile) {
		if (a->auth.user == NULL)
			return cli_usage_error("--password-file needs --user");
		if (read_password(a, g->pwfile) != 0)
			return EXIT_ERR;
		a->auth.password = a->password;
	}
	a->auth.netrc = true;
	return 0;
}

int
cmd_admin(int argc, char **argv)
{
	struct admin a = { 0 };
	struct admin_args g = { 0 };
	char *cacert_abs = NULL;
	int ret;

	if ((ret = parse_args(&a, &g, argc, argv)) != 0)
		return ret < 0 ? EXIT_OK : ret;
	/* Key files only: no server, no credentials, nothing on the network. */
	if (g.sub->flags & ADMIN_OFFLINE)
		return g.sub->fn(&a, g.npos, g.pos);
	ret = connect_setup(&a, &g, &cacert_abs);
	if (ret == 0)
		ret = g.sub->fn(&a, g.npos, g.pos);
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
