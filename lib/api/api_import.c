/* SPDX-License-Identifier: MIT */
/*
 * The whole network out and in. Export: every peer and pair without a
 * secret and without ids or times, keys and arrays sorted, so that two
 * exports of the same mesh are the same text and a change is a small diff.
 * Peers carry their tags, and the rules come along: "pairs" lists only the
 * explicit pairs, since the tags and rules say which others there are (an
 * import makes them as the rules do).
 * Import: peers and pairs of an existing mesh (`wgconf admin import` reads
 * them from its wg-quick files), all in one transaction or nothing. Imported
 * peers have no token: their hosts adopt them (register --adopt).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "text.h"

#define IMPORT_PEERS_MAX  256
#define IMPORT_PAIRS_MAX  (IMPORT_PEERS_MAX * 16)

int
api_admin_export(const struct request *req, struct response *res)
{
	struct strlist rules = { 0 }, ends = { 0 };
	struct peer_list l = { 0 };
	struct json_object *o = NULL;
	struct network net;
	int status;

	(void)req;
	if (store_peer_list(&l, NULL) != DB_OK || store_network_get(&net) != DB_OK ||
	    store_rule_tags(&rules) != DB_OK || store_pair_explicit_ends(&ends) != DB_OK)
		status = api_db_error(res);
	else if ((o = views_export(&l, &net, &rules, &ends)) == NULL)
		status = http_error(res, 500, "internal", "out of memory");
	else
		status = http_json(res, 200, o);
	rows_strlist_free(&rules);
	rows_strlist_free(&ends);
	rows_peer_list_free(&l);
	return status;
}

/* One peer of an import, checked for form (not yet against the database). */
struct import_peer {
	const char *name, *public_key;
	struct json_object *addresses, *networks;       /* borrowed; may be NULL */
	char endpoint[VALIDATE_ENDPOINT_MAX + 1];
	int listen_port, keepalive, accepted;
	char id[PEER_ID_LEN];
	struct strlist tags;                            /* owned */
};

static int
string_member(struct json_object *o, const char *key, size_t i, const char **out,
              struct response *res)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
		return http_error(res, 400, "invalid_import", "peers[%zu].%s must be a string", i, key);
	*out = json_object_get_string(v);
	return 0;
}

static int
parse_peer(struct json_object *o, size_t i, struct import_peer *p, struct response *res)
{
	static const char *const keys[] = { "name", "public_key", "addresses", "networks",
		"endpoint", "listen_port", "keepalive", "state", "tags", NULL };
	struct json_object *v = NULL;
	uint8_t pk[KEYS_LEN];
	char field[40];
	const char *state = "accepted";
	int set, status;

	memset(p, 0, sizeof(*p));
	if (!json_object_is_type(o, json_type_object))
		return http_error(res, 400, "invalid_import", "peers[%zu] must be an object", i);
	if ((status = http_allow_keys(o, keys, res)) != 0 ||
	    (status = string_member(o, "name", i, &p->name, res)) != 0 ||
	    (status = string_member(o, "public_key", i, &p->public_key, res)) != 0)
		return status;
	if (!validate_name(p->name))
		return http_error(res, 400, "invalid_name", "peers[%zu].name \"%.64s\" must be 1-63 "
		                  "letters, digits, '.', '-' or '_'", i, p->name);
	snprintf(field, sizeof(field), "peers[%zu].public_key", i);
	if ((status = api_public_key(field, p->public_key, pk, res)) != 0)
		return status;
	if (json_object_object_get_ex(o, "state", &v) && v != NULL) {
		if (!json_object_is_type(v, json_type_string) ||
		    (strcmp(json_object_get_string(v), "accepted") != 0 &&
		     strcmp(json_object_get_string(v), "pending") != 0))
			return http_error(res, 400, "invalid_import", "peers[%zu].state must be "
			                  "\"accepted\" or \"pending\"", i);
		state = json_object_get_string(v);
	}
	p->accepted = strcmp(state, "accepted") == 0;
	v = NULL;
	json_object_object_get_ex(o, "addresses", &v);
	if (v != NULL && (!json_object_is_type(v, json_type_array) ||
	                  json_object_array_length(v) > 2))
		return http_error(res, 400, "invalid_import", "peers[%zu].addresses must be a list "
		                  "of at most two addresses", i);
	for (size_t k = 0; v != NULL && k < json_object_array_length(v); k++)
		if (!json_object_is_type(json_object_array_get_idx(v, k), json_type_string))
			return http_error(res, 400, "invalid_address", "peers[%zu].addresses[%zu] "
			                  "must be a string", i, k);
	if (v != NULL && json_object_array_length(v) > 0 && !p->accepted)
		return http_error(res, 400, "invalid_import", "peers[%zu] is pending: it has no "
		                  "addresses yet", i);
	p->addresses = v;
	v = NULL;
	json_object_object_get_ex(o, "networks", &v);
	p->networks = v;
	v = NULL;
	json_object_object_get_ex(o, "endpoint", &v);
	if ((status = api_parse_endpoint(v, p->endpoint, sizeof(p->endpoint), res)) != 0 ||
	    (status = api_int_field(o, "listen_port", 1, 65535, &p->listen_port, &set, res)) != 0)
		return status;
	if (p->listen_port < 0)
		p->listen_port = 0;
	p->keepalive = -1;
	if ((status = api_int_field(o, "keepalive", 0, 65535, &p->keepalive, &set, res)) != 0)
		return status;
	if (!set)
		p->keepalive = -1;
	if (json_object_object_get_ex(o, "tags", &v) &&
	    (status = api_tags_parse(v, &p->tags, res)) != 0)
		return status;
	return 0;
}

/* Inserts p as a new peer waiting for adoption: its token hash is of a
 * random secret nobody knows. */
static int
insert_peer(struct import_peer *p, int64_t now, struct response *res)
{
	char secret[KEYS_TOKEN_LEN];
	uint8_t th[KEYS_LEN];
	struct peer row = { .accepted = p->accepted, .listen_port = p->listen_port,
	                    .keepalive = p->keepalive };
	int rc;

	keys_random_hex(p->id, (PEER_ID_LEN - 1) / 2);
	keys_random_secret(secret);
	keys_hash(th, secret, strlen(secret));
	keys_wipe(secret, sizeof(secret));
	snprintf(row.id, sizeof(row.id), "%s", p->id);
	snprintf(row.name, sizeof(row.name), "%s", p->name);
	snprintf(row.public_key, sizeof(row.public_key), "%s", p->public_key);
	snprintf(row.endpoint, sizeof(row.endpoint), "%s", p->endpoint);
	rc = store_peer_insert(&row, th, now);
	if (rc == DB_CONFLICT)
		return http_error(res, 409, "public_key_taken", "peer %.64s: public key %s is "
		                  "registered already", p->name, p->public_key);
	if (rc != DB_OK || store_adoptable_add(p->id) != DB_OK ||
	    store_tags_set(p->id, &p->tags) != DB_OK)
		return api_db_error(res);
	return 0;
}

/* The rules of an import ([[a, b], ...]; one the server has already is
 * kept once), then the pairs they imply for each imported peer. */
static int
import_rules(struct json_object *rules, struct import_peer *v, size_t n,
             struct response *res)
{
	int64_t count;
	int status = 0;

	if (rules != NULL && !json_object_is_type(rules, json_type_array))
		return http_error(res, 400, "invalid_import", "\"rules\" must be a list");
	for (size_t i = 0; rules != NULL && i < json_object_array_length(rules); i++) {
		struct json_object *r = json_object_array_get_idx(rules, i);
		const char *a, *b;
		if (!json_object_is_type(r, json_type_array) || json_object_array_length(r) != 2 ||
		    !json_object_is_type(json_object_array_get_idx(r, 0), json_type_string) ||
		    !json_object_is_type(json_object_array_get_idx(r, 1), json_type_string))
			return http_error(res, 400, "invalid_import", "rules[%zu] must be two tags", i);
		a = json_object_get_string(json_object_array_get_idx(r, 0));
		b = json_object_get_string(json_object_array_get_idx(r, 1));
		if (!rows_tag_valid(a) || !rows_tag_valid(b))
			return http_error(res, 400, "invalid_tag", "rules[%zu]: \"%.40s\" is not a tag",
			                  i, rows_tag_valid(a) ? b : a);
		if (store_rule_import(strcmp(a, b) <= 0 ? a : b, strcmp(a, b) <= 0 ? b : a,
		                      store_now()) != DB_OK)
			return api_db_error(res);
	}
	if (store_rule_count(&count) != DB_OK)
		status = api_db_error(res);
	else if (count > RULES_MAX)
		status = http_error(res, 409, "too_many_rules", "the server keeps at most %d rules",
		                    RULES_MAX);
	for (size_t i = 0; status == 0 && i < n; i++)
		status = api_rules_sync_peer(v[i].id, NULL, res);
	return status;
}

/* Names every imported public key the server has already, in one 409; a
 * revoked key is a 409 too. */
static int
check_known_keys(const struct import_peer *v, size_t n, struct response *res)
{
	char msg[200] = "", holder[VALIDATE_NAME_MAX + 1];
	size_t len = 0, hits = 0;
	int rc;

	for (size_t i = 0; i < n; i++) {
		rc = store_peer_key_holder(v[i].public_key, holder);
		if (rc == DB_OK && len < sizeof(msg))
			len += (size_t)snprintf(msg + len, sizeof(msg) - len, "%s%s (%s)",
			                        hits ? ", " : "", v[i].name, holder);
		hits += rc == DB_OK;
		if (rc != DB_OK && rc != DB_NOTFOUND)
			return api_db_error(res);
	}
	if (hits)
		return http_error(res, 409, "import_conflict", "%zu public key%s registered already: "
		                  "%s", hits, hits == 1 ? " is" : "s are", msg);
	/* A revoked key never comes back (docs/trust.md), imported or not. */
	for (size_t i = 0; i < n; i++) {
		rc = store_key_revoked(v[i].public_key);
		if (rc == DB_OK)
			return http_error(res, 409, "key_revoked", "peer %s: public key %s was "
			                  "revoked: it cannot come back", v[i].name, v[i].public_key);
		if (rc != DB_NOTFOUND)
			return api_db_error(res);
	}
	return 0;
}

/* Index of the import peer with public key k, or n. */
static size_t
find_key(const struct import_peer *v, size_t n, const char *k)
{
	size_t i;

	for (i = 0; i < n && strcmp(v[i].public_key, k) != 0; i++)
		;
	return i;
}

static int
import_pairs(struct json_object *pairs, struct import_peer *v, size_t n, int64_t now,
             struct response *res)
{
	unsigned char *seen = NULL;     /* n x n: which pairs were taken already */
	size_t np;
	int status = 0;

	if (pairs == NULL)
		return 0;
	if (!json_object_is_type(pairs, json_type_array))
		return http_error(res, 400, "invalid_import", "\"pairs\" must be a list");
	if ((np = json_object_array_length(pairs)) > IMPORT_PAIRS_MAX)
		return http_error(res, 400, "invalid_import", "at most %d pairs", IMPORT_PAIRS_MAX);
	if ((seen = calloc(n * n, 1)) == NULL)
		return api_db_error(res);
	for (size_t i = 0; i < np && status == 0; i++) {
		struct json_object *pr = json_object_array_get_idx(pairs, i), *x, *y;
		struct peer a = { 0 }, b = { 0 };
		size_t ia, ib;

		if (!json_object_is_type(pr, json_type_array) || json_object_array_length(pr) != 2 ||
		    !json_object_is_type((x = json_object_array_get_idx(pr, 0)), json_type_string) ||
		    !json_object_is_type((y = json_object_array_get_idx(pr, 1)), json_type_string)) {
			status = http_error(res, 400, "invalid_import", "pairs[%zu] must be two public "
			                    "keys", i);
			break;
		}
		ia = find_key(v, n, json_object_get_string(x));
		ib = find_key(v, n, json_object_get_string(y));
		if (ia == n || ib == n)
			status = http_error(res, 400, "invalid_import", "pairs[%zu] names a public key "
			                    "that is not among the imported peers: %.64s", i,
			                    json_object_get_string(ia == n ? x : y));
		else if (ia == ib)
			status = http_error(res, 400, "pair_self", "pairs[%zu]: a peer cannot be "
			                    "paired with itself", i);
		else if (!v[ia].accepted || !v[ib].accepted)
			status = http_error(res, 400, "invalid_import", "pairs[%zu]: peer %s is "
			                    "pending", i, v[ia].accepted ? v[ib].name : v[ia].name);
		if (status != 0)
			break;
		/* Stored a < b by id, as every pair is. */
		if (strcmp(v[ia].id, v[ib].id) > 0) {
			size_t t = ia;
			ia = ib;
			ib = t;
		}
		if (seen[ia * n + ib]) {
			status = http_error(res, 400, "invalid_import", "pairs[%zu] repeats an "
			                    "earlier pair", i);
			break;
		}
		seen[ia * n + ib] = 1;
		snprintf(a.id, sizeof(a.id), "%s", v[ia].id);
		snprintf(a.public_key, sizeof(a.public_key), "%s", v[ia].public_key);
		snprintf(b.id, sizeof(b.id), "%s", v[ib].id);
		snprintf(b.public_key, sizeof(b.public_key), "%s", v[ib].public_key);
		status = api_pair_make(&a, &b, now, res);
	}
	free(seen);
	return status;
}

int
api_admin_import(const struct request *req, struct response *res)
{
	struct json_object *peers = NULL, *pairs = NULL, *rules = NULL, *nets, *detail, *ids;
	struct import_peer *v = NULL;
	int64_t now = store_now();
	size_t n;
	int status;

	if (!json_object_object_get_ex(req->json, "peers", &peers) ||
	    !json_object_is_type(peers, json_type_array))
		return http_error(res, 400, "invalid_import", "\"peers\" must be a list");
	json_object_object_get_ex(req->json, "pairs", &pairs);
	json_object_object_get_ex(req->json, "rules", &rules);
	n = json_object_array_length(peers);
	if (n == 0 || n > IMPORT_PEERS_MAX)
		return http_error(res, 400, "invalid_import", "import 1 to %d peers at a time",
		                  IMPORT_PEERS_MAX);
	if ((v = calloc(n, sizeof(*v))) == NULL)
		return api_db_error(res);
	for (size_t i = 0; i < n; i++) {
		if ((status = parse_peer(json_object_array_get_idx(peers, i), i, &v[i], res)) != 0)
			goto out;
		if (find_key(v, i, v[i].public_key) != i) {
			status = http_error(res, 400, "invalid_import", "peers[%zu]: public key %s is "
			                    "listed twice", i, v[i].public_key);
			goto out;
		}
	}
	if ((status = check_known_keys(v, n, res)) != 0)
		goto out;
	/* Peers first, then addresses and networks: a network is checked
	 * against every other peer's, the imported ones included. */
	for (size_t i = 0; i < n; i++)
		if ((status = insert_peer(&v[i], now, res)) != 0)
			goto out;
	for (size_t i = 0; i < n; i++) {
		size_t na = v[i].addresses ? json_object_array_length(v[i].addresses) : 0;
		for (size_t k = 0; k < na; k++)
			if ((status = api_assign_address_exact(v[i].id, json_object_get_string(
			             json_object_array_get_idx(v[i].addresses, k)), res)) != 0)
				goto out;
		if (v[i].accepted && na == 0 &&
		    (status = api_assign_addresses(v[i].id, NULL, res)) != 0)
			goto out;
		if ((status = api_check_networks(v[i].networks, v[i].id, &nets, res)) != 0)
			goto out;
		status = api_store_networks(v[i].id, nets, res);
		json_object_put(nets);
		if (status != 0)
			goto out;
	}
	if ((status = import_pairs(pairs, v, n, now, res)) != 0 ||
	    (status = import_rules(rules, v, n, res)) != 0)
		goto out;

	ids = json_object_new_array();
	for (size_t i = 0; i < n; i++)
		json_object_array_add(ids, views_imported_peer(v[i].id, v[i].name, v[i].public_key));
	detail = json_object_new_object();
	json_object_object_add(detail, "peers", json_object_new_int64((int64_t)n));
	json_object_object_add(detail, "pairs",
	                       json_object_new_int64(pairs ? (int64_t)json_object_array_length(pairs) : 0));
	api_log(res, "network.import", NULL, detail, NULL);
	status = http_json(res, 201, views_imported(ids, pairs ? json_object_array_length(pairs) : 0));
out:
	for (size_t i = 0; v != NULL && i < n; i++)
		rows_strlist_free(&v[i].tags);
	free(v);
	return status;
}

/* The imported peer with public key pubkey that nobody has adopted yet: its
 * id, name and state; 0, or the error status put in res. */
static int
find_adoptable(const char *pubkey, char id[PEER_ID_LEN], char name[VALIDATE_NAME_MAX + 1],
               char state[16], struct response *res)
{
	struct peer p;
	int rc, adoptable;

	rc = store_adoptable_find(pubkey, &p, &adoptable);
	snprintf(id, PEER_ID_LEN, "%s", p.id);
	snprintf(name, VALIDATE_NAME_MAX + 1, "%s", p.name);
	snprintf(state, 16, "%s", p.accepted ? "accepted" : "pending");
	rows_peer_free(&p);
	if (rc == DB_NOTFOUND)
		return http_error(res, 404, "not_imported", "no imported peer has this public key");
	if (rc != DB_OK)
		return api_db_error(res);
	if (!adoptable)
		return http_error(res, 409, "already_adopted", "peer %s has been adopted already "
		                  "(or registered itself)", name);
	return 0;
}

/*
 * May the holder of invite adopt the imported peer with pubkey? The invite
 * first (without one, nobody learns which keys were imported); it must be
 * made for that very peer (a public key is visible in every partner's
 * config, so any invite and the key would let anyone adopt first), and
 * while registration is closed it must say it works then too. 0 with the
 * peer's id, name and state, or the error status in res.
 */
static int
adopt_allowed(const char *invite, const char *pubkey, struct invite_use *use,
              char id[PEER_ID_LEN], char name[VALIDATE_NAME_MAX + 1], char state[16],
              struct response *res)
{
	struct quota q;
	int status;

	if ((status = api_use_invite(invite, res, use)) != 0)
		return status;
	if (use->for_peer[0] == '\0')
		return http_error(res, 403, "invite_not_for_peer", "adopting an imported peer "
		                  "takes an invite made for it (wgconf admin invite --for NAME)");
	if ((status = find_adoptable(pubkey, id, name, state, res)) != 0)
		return status;
	if (strcmp(use->for_peer, id) != 0)
		return http_error(res, 403, "invite_not_for_peer",
		                  "this invite was made for another peer");
	if (quota_get(&q) != DB_OK)
		return api_db_error(res);
	if (q.registration == QUOTA_CLOSED && !use->when_closed)
		return http_error(res, 403, "registration_closed", "registration is closed on "
		                  "this server, and this invite was not made to work then (wgconf "
		                  "admin invite --for NAME --when-closed)");
	return 0;
}

/*
 * POST /adopt {public_key, invite}: the host of an imported peer takes it
 * over. An admin's invite made for that peer says it may (adopt_allowed);
 * the token comes back sealed to the peer's own WireGuard key, so only the
 * host holding the private key can read it (the public key alone is no
 * credential). Once adopted, a peer is like any other: its host syncs with
 * the token.
 */
int
api_adopt(const struct request *req, struct response *res)
{
	struct json_object *v, *detail;
	const char *pubkey, *invite;
	char id[PEER_ID_LEN], name[VALIDATE_NAME_MAX + 1], state[16];
	struct invite_use use;
	char secret[KEYS_TOKEN_LEN];
	char sealed[KEYS_SEALED_B64_LEN * 2];
	uint8_t pk[KEYS_LEN], th[KEYS_LEN], raw[KEYS_LEN], box[KEYS_SEALED_LEN];
	int rc, status;

	pubkey = json_object_object_get_ex(req->json, "public_key", &v) &&
	         json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
	if ((status = api_public_key("public_key", pubkey, pk, res)) != 0)
		return status;
	if (!json_object_object_get_ex(req->json, "invite", &v) ||
	    !json_object_is_type(v, json_type_string))
		return http_error(res, 400, "missing_field", "\"invite\" is required: adopting an "
		                  "imported peer takes an admin's invite code");
	invite = json_object_get_string(v);
	if (strlen(invite) == 0 || strlen(invite) > 128)
		return http_error(res, 403, "invite_invalid",
		                  "the invite code is unknown, used up or expired");
	if ((status = adopt_allowed(invite, pubkey, &use, id, name, state, res)) != 0)
		return status;

	/* The secret is made from raw bytes so that exactly those can be sealed. */
	keys_random(raw, sizeof(raw));
	keys_secret_encode(secret, raw);
	keys_hash(th, secret, strlen(secret));
	rc = keys_seal(box, raw, pk);
	keys_wipe(raw, sizeof(raw));
	keys_wipe(secret, sizeof(secret));
	if (rc != 0)
		return http_error(res, 500, "seal_failed", "the token could not be sealed");
	if (store_adoptable_take(id, th) != DB_OK)
		return api_db_error(res);
	keys_b64_encode(sealed, sizeof(sealed), box, sizeof(box));
	detail = json_object_new_object();
	json_object_object_add(detail, "invite", json_object_new_string(use.id));
	api_log(res, "peer.adopt", id, detail, NULL);
	return http_json(res, 200, views_adopted(id, name, state, sealed));
}
