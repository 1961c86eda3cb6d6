/* SPDX-License-Identifier: MIT */
/*
 * The join page's routes (www/join.html), open to anyone but useless
 * without a valid device invite code: what the invite is for, and the
 * device joining with the public key its browser made. Limited in nginx
 * like /register.
 */
#include <stdio.h>
#include <string.h>

#include "api.h"
#include "device_views.h"

#define JOIN_CODE_MAX 128

static int
invite_invalid(struct response *res)
{
	return http_error(res, 403, "invite_invalid",
	                  "this invite link is unknown, used up or expired: ask for a new one");
}

/* The invite the body's "invite" code names, valid now: 0, 400 or 403. */
static int
find_invite(const struct request *req, struct device_invite *inv, struct response *res)
{
	struct json_object *v;
	const char *code;
	uint8_t h[KEYS_LEN];
	int rc;

	if (!json_object_object_get_ex(req->json, "invite", &v) || v == NULL ||
	    !json_object_is_type(v, json_type_string))
		return http_error(res, 400, "missing_field", "\"invite\" is required");
	code = json_object_get_string(v);
	if (strlen(code) == 0 || strlen(code) > JOIN_CODE_MAX)
		return invite_invalid(res);
	keys_hash(h, code, strlen(code));
	rc = store_device_invite_find(h, store_now(), inv);
	if (rc == DB_NOTFOUND)
		return invite_invalid(res);
	return rc == DB_OK ? 0 : api_db_error(res);
}

int
api_join_info(const struct request *req, struct response *res)
{
	struct device_invite inv;
	struct json_object *o;
	int status;

	if ((status = find_invite(req, &inv, res)) != 0)
		return status;
	o = json_object_new_object();
	json_object_object_add(o, "label", inv.label[0] ? json_object_new_string(inv.label) : NULL);
	json_object_object_add(o, "name", inv.name[0] ? json_object_new_string(inv.name) : NULL);
	json_object_object_add(o, "gateway", json_object_new_string(inv.gateway_name));
	json_object_object_add(o, "expires_at", views_time(inv.expires_at));
	return http_json(res, 200, o);
}

/* The device's name: the invite's, else the one the page sent. 0 or 400. */
static int
pick_name(const struct request *req, const struct device_invite *inv,
          char name[VALIDATE_NAME_MAX + 1], struct response *res)
{
	struct json_object *v;
	const char *s = inv->name;

	if (s[0] == '\0' && json_object_object_get_ex(req->json, "name", &v) && v != NULL &&
	    json_object_is_type(v, json_type_string))
		s = json_object_get_string(v);
	if (!validate_name(s))
		return http_error(res, 400, "invalid_name", "name \"%.64s\" must be 1-63 letters, "
		                  "digits, '.', '-' or '_'", s);
	snprintf(name, VALIDATE_NAME_MAX + 1, "%s", s);
	return 0;
}

/* The public key: a WireGuard key nobody has and nobody had. 0, 400, 409. */
static int
key_field(const struct request *req, char out[KEYS_B64_LEN], uint8_t pk[KEYS_LEN],
          struct response *res)
{
	struct json_object *v;
	const char *s;
	int rc;

	if (!json_object_object_get_ex(req->json, "public_key", &v) || v == NULL ||
	    !json_object_is_type(v, json_type_string) ||
	    keys_b64_decode_key(pk, s = json_object_get_string(v)) != 0 || keys_check_public(pk) != 0)
		return http_error(res, 400, "invalid_public_key",
		                  "public_key must be a WireGuard key: 32 bytes in base64");
	if ((rc = store_peer_key_taken(s, NULL)) != DB_NOTFOUND)
		return rc == DB_OK ? http_error(res, 409, "public_key_taken", "this key is in use") :
		       api_db_error(res);
	if ((rc = store_key_revoked(s)) != DB_NOTFOUND)
		return rc == DB_OK ? http_error(res, 409, "key_revoked", "this key was revoked: it "
		                                "cannot come back (reload the page for a new one)") :
		       api_db_error(res);
	snprintf(out, KEYS_B64_LEN, "%s", s);
	return 0;
}

/* A re-issued invite's old device goes, its key revoked for good. */
static int
replace_old(const char *id, struct json_object *detail, struct response *res)
{
	struct network net;
	struct peer old;
	char rid[PEER_ID_LEN];
	int rc = store_device_is(id), status = 0;

	memset(&old, 0, sizeof(old));
	if (rc == DB_NOTFOUND)
		return 0;
	if (rc != DB_OK || (rc = store_peer_row(&old, id)) != DB_OK ||
	    store_network_get(&net) != DB_OK ||
	    store_revocation_add(&net, old.public_key, old.id, old.name, rid) != DB_OK ||
	    store_peer_delete(id) != DB_OK)
		status = api_db_error(res);
	else
		json_object_object_add(detail, "replaced", json_object_new_string(id));
	rows_peer_free(&old);
	return status;
}

/* The device's row, addresses, gateway and tags; its token is of a secret
 * nobody knows: a device never syncs. 0 or an error status. */
static int
make_device(struct peer *d, const struct device_invite *inv, struct response *res)
{
	struct json_object *tags = json_tokener_parse(inv->tags);
	struct strlist tl = { 0 };
	char secret[KEYS_TOKEN_LEN];
	uint8_t th[KEYS_LEN];
	int status = 0;

	keys_random_hex(d->id, (PEER_ID_LEN - 1) / 2);
	d->accepted = 1;
	d->keepalive = -1;
	keys_random_secret(secret);
	keys_hash(th, secret, strlen(secret));
	keys_wipe(secret, sizeof(secret));
	if (store_peer_insert(d, th, store_now()) != DB_OK ||
	    store_device_add(d->id, inv->gateway, inv->routes, inv->label) != DB_OK)
		status = api_db_error(res);
	else if ((status = api_assign_addresses(d->id, NULL, res)) == 0 && tags != NULL &&
	         json_object_array_length(tags) > 0 &&
	         (status = api_tags_parse(tags, &tl, res)) == 0)
		status = store_tags_set(d->id, &tl) == DB_OK ? 0 : api_db_error(res);
	json_object_put(tags);
	rows_strlist_free(&tl);
	return status;
}

/* Pairs device d with its gateway g; the pair's preshared key goes into
 * box, which only d's private key opens. 0 or 500. */
static int
pair_gateway(const struct peer *d, const struct peer *g, uint8_t box[KEYS_BOX_LEN],
             struct response *res)
{
	uint8_t psk[KEYS_LEN], pk[KEYS_LEN];
	const struct peer *a = strcmp(d->id, g->id) < 0 ? d : g, *b = a == d ? g : d;
	int rc;

	keys_random(psk, sizeof(psk));
	rc = keys_b64_decode_key(pk, d->public_key) != 0 ||
	     store_pair_insert_psk(a->id, a->public_key, b->id, b->public_key, 1, store_now(),
	                           psk) != DB_OK ||
	     keys_box(box, psk, pk) != 0;
	keys_wipe(psk, sizeof(psk));
	return rc ? api_db_error(res) : 0;
}

/* What the join page writes the config from. */
static int
answer_join(const char *id, const struct peer *g, const struct device_invite *inv,
            const uint8_t box[KEYS_BOX_LEN], struct response *res)
{
	struct json_object *o;
	struct network net;
	struct peer d;

	memset(&d, 0, sizeof(d));
	if (store_network_get(&net) != DB_OK || store_peer_row(&d, id) != DB_OK) {
		rows_peer_free(&d);
		return api_db_error(res);
	}
	o = views_device_joined(&d, g, &net, inv->routes, box);
	rows_peer_free(&d);
	return http_json(res, 201, o);
}

/* The join: checks, then writes, each a call, in one transaction; any
 * error status rolls all of it back (the invite stays unused). */
int
api_join(const struct request *req, struct response *res)
{
	struct device_invite inv;
	struct json_object *detail = json_object_new_object();
	struct peer d, g;
	uint8_t pk[KEYS_LEN], box[KEYS_BOX_LEN];
	char actor[PEER_ID_LEN + 8];
	int status;

	memset(&d, 0, sizeof(d));
	memset(&g, 0, sizeof(g));
	if ((status = find_invite(req, &inv, res)) != 0 ||
	    (status = pick_name(req, &inv, d.name, res)) != 0 ||
	    (status = key_field(req, d.public_key, pk, res)) != 0 ||
	    (status = api_load_peer(&g, inv.gateway, res)) != 0)
		goto out;
	if ((status = store_device_invite_use(inv.id)) != DB_OK) {
		status = status == DB_NOTFOUND ? invite_invalid(res) : api_db_error(res);
		goto out;
	}
	if ((inv.replaces[0] != '\0' && (status = replace_old(inv.replaces, detail, res)) != 0) ||
	    (status = make_device(&d, &inv, res)) != 0 ||
	    (status = pair_gateway(&d, &g, box, res)) != 0 ||
	    (status = api_rules_sync_peer(d.id, NULL, res)) != 0)
		goto out;
	json_object_object_add(detail, "name", json_object_new_string(d.name));
	json_object_object_add(detail, "public_key", json_object_new_string(d.public_key));
	json_object_object_add(detail, "invite", json_object_new_string(inv.id));
	json_object_object_add(detail, "gateway", json_object_new_string(g.id));
	snprintf(actor, sizeof(actor), "peer:%s", d.id);
	api_log(res, "device.join", d.id, detail, actor);
	detail = NULL;
	status = answer_join(d.id, &g, &inv, box, res);
out:
	json_object_put(detail);
	rows_peer_free(&g);
	return status;
}
