/* SPDX-License-Identifier: MIT */
/*
 * Devices: phones and laptops that join by an invite link. The admin makes
 * a device invite (which gateway routes for the device, which tags it gets,
 * what its config sends into the tunnel); the join page (www/join.html)
 * makes the device's key pair in the browser and sends the public key
 * here. The answer carries what the page needs to write the config: the
 * device's addresses, the gateway as its one peer, and the pair's
 * preshared key in a box only the device's private key opens
 * (keys_box()). The private key never reaches the server.
 */
#include <stdio.h>
#include <string.h>

#include "api.h"
#include "device_views.h"

#define DEVICE_USES_MAX     100
#define DEVICE_EXPIRY_MIN   60
#define DEVICE_EXPIRY_MAX   (30 * 86400)
#define DEVICE_EXPIRY_DEF   86400
#define DEVICE_ROUTES_MAX   16

/* ---- fields ---- */

/* An optional string field of obj: 0 (*out NULL when absent), or 400. */
static int
string_field(struct json_object *obj, const char *key, const char **out, struct response *res)
{
	struct json_object *v;

	*out = NULL;
	if (obj == NULL || !json_object_object_get_ex(obj, key, &v) || v == NULL)
		return 0;
	if (!json_object_is_type(v, json_type_string))
		return http_error(res, 400, "invalid_field", "\"%s\" must be a string", key);
	*out = json_object_get_string(v);
	return 0;
}

/* One route: "mesh" (the network's pools), "all" (every address) or a
 * CIDR (canonical). 0 with out filled, or 400. */
static int
route_one(struct json_object *v, char out[IPAM_STRLEN], struct response *res)
{
	const char *s = json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
	struct cidr c;

	if (s != NULL && (strcmp(s, "mesh") == 0 || strcmp(s, "all") == 0)) {
		snprintf(out, IPAM_STRLEN, "%s", s);
		return 0;
	}
	if (s == NULL || strlen(s) >= IPAM_STRLEN || ipam_parse(&c, s, false, true) != 0)
		return http_error(res, 400, "invalid_routes", "each route is \"mesh\", \"all\" "
		                  "or a network in CIDR form with its host bits zero");
	ipam_format(out, &c, true);
	return 0;
}

/* "routes": 1 to DEVICE_ROUTES_MAX routes, ["mesh"] when absent, into out
 * as JSON text. 0 or 400. */
static int
routes_field(struct json_object *obj, char out[DEVICE_JSON_MAX], struct response *res)
{
	struct json_object *v = NULL, *arr;
	char r[IPAM_STRLEN];
	size_t n;
	int status = 0;

	if (obj != NULL)
		json_object_object_get_ex(obj, "routes", &v);
	if (v == NULL) {
		snprintf(out, DEVICE_JSON_MAX, "[\"mesh\"]");
		return 0;
	}
	if (!json_object_is_type(v, json_type_array) || (n = json_object_array_length(v)) < 1 ||
	    n > DEVICE_ROUTES_MAX)
		return http_error(res, 400, "invalid_routes", "routes must be a list of 1 to %d "
		                  "routes", DEVICE_ROUTES_MAX);
	arr = json_object_new_array();
	for (size_t i = 0; i < n && status == 0; i++)
		if ((status = route_one(json_object_array_get_idx(v, i), r, res)) == 0)
			json_object_array_add(arr, json_object_new_string(r));
	if (status == 0)
		snprintf(out, DEVICE_JSON_MAX, "%s",
		         json_object_to_json_string_ext(arr, JSON_C_TO_STRING_PLAIN));
	json_object_put(arr);
	return status;
}

/* "tags" the device gets (its rules pair it): [] when absent. 0 or 400. */
static int
tags_field(struct json_object *obj, char out[DEVICE_JSON_MAX], struct response *res)
{
	struct json_object *v = NULL, *arr;
	struct strlist tags = { 0 };
	int status = 0;

	if (obj != NULL)
		json_object_object_get_ex(obj, "tags", &v);
	if (v != NULL && (status = api_tags_parse(v, &tags, res)) == 0) {
		arr = views_strlist(&tags);
		snprintf(out, DEVICE_JSON_MAX, "%s",
		         json_object_to_json_string_ext(arr, JSON_C_TO_STRING_PLAIN));
		json_object_put(arr);
	} else if (v == NULL) {
		snprintf(out, DEVICE_JSON_MAX, "[]");
	}
	rows_strlist_free(&tags);
	return status;
}

/* The gateway: an accepted host with an endpoint, which devices reach.
 * 0 with its name, 400, 404 or 409. */
static int
gateway_check(const char *id, char name[VALIDATE_NAME_MAX + 1], struct response *res)
{
	struct peer g;
	int status, rc;

	if (id == NULL)
		return http_error(res, 400, "missing_field", "\"gateway\" is required: the id of "
		                  "the host that routes for the device");
	if ((status = api_load_peer(&g, id, res)) == 0) {
		if ((rc = store_device_is(id)) != DB_NOTFOUND)
			status = rc == DB_OK ? http_error(res, 409, "gateway_invalid", "%s is a "
			                                  "device: a gateway is a host", g.name) :
			         api_db_error(res);
		else if (!g.accepted || g.endpoint[0] == '\0')
			status = http_error(res, 409, "gateway_invalid", "%s cannot be a gateway: it "
			                    "must be accepted and have an endpoint devices reach",
			                    g.name);
		snprintf(name, VALIDATE_NAME_MAX + 1, "%s", g.name);
	}
	rows_peer_free(&g);
	return status;
}

/* ---- invites ---- */

/* Stores inv with a fresh code and answers 201 with it and the join
 * page's path (the code is in the fragment: never sent to a server). */
static int
invite_store(const struct request *req, struct device_invite *inv, char code[KEYS_TOKEN_LEN],
             struct response *res)
{
	struct json_object *detail = json_object_new_object();
	uint8_t h[KEYS_LEN];
	int64_t now = store_now();

	keys_random_hex(inv->id, (PEER_ID_LEN - 1) / 2);
	inv->created_at = now;
	inv->uses_left = inv->uses;
	snprintf(inv->created_by, sizeof(inv->created_by), "%s", req->actor);
	keys_random_secret(code);
	keys_hash(h, code, strlen(code));
	if (store_device_invite_add(inv, h) != DB_OK) {
		json_object_put(detail);
		return api_db_error(res);
	}
	json_object_object_add(detail, "gateway", json_object_new_string(inv->gateway));
	json_object_object_add(detail, "uses", json_object_new_int(inv->uses));
	if (inv->replaces[0] != '\0')
		json_object_object_add(detail, "replaces", json_object_new_string(inv->replaces));
	api_log(res, "device_invite.create", inv->id, detail, NULL);
	res->secret = 1;
	return http_json(res, 201, views_device_invite_created(inv, code, now));
}

static int
create_invite(const struct request *req, struct response *res, char code[KEYS_TOKEN_LEN])
{
	struct device_invite inv;
	const char *label, *name, *gw;
	int expires = DEVICE_EXPIRY_DEF, set, status;

	memset(&inv, 0, sizeof(inv));
	inv.uses = 1;
	if ((status = api_int_field(req->json, "uses", 1, DEVICE_USES_MAX, &inv.uses, &set, res)) ||
	    (status = api_int_field(req->json, "expires_in", DEVICE_EXPIRY_MIN, DEVICE_EXPIRY_MAX,
	                            &expires, &set, res)) ||
	    (status = api_label_field(req->json, &label, res)) ||
	    (status = string_field(req->json, "name", &name, res)) ||
	    (status = string_field(req->json, "gateway", &gw, res)) ||
	    (status = routes_field(req->json, inv.routes, res)) ||
	    (status = tags_field(req->json, inv.tags, res)))
		return status;
	if (inv.uses < 0 || expires < 0)
		return http_error(res, 400, "invalid_field", "uses and expires_in cannot be null");
	if (name != NULL && !validate_name(name))
		return http_error(res, 400, "invalid_name", "name \"%.64s\" must be 1-63 letters, "
		                  "digits, '.', '-' or '_'", name);
	if ((status = gateway_check(gw, inv.gateway_name, res)) != 0)
		return status;
	snprintf(inv.gateway, sizeof(inv.gateway), "%s", gw);
	snprintf(inv.label, sizeof(inv.label), "%s", label ? label : "");
	snprintf(inv.name, sizeof(inv.name), "%s", name ? name : "");
	inv.expires_at = store_now() + expires;
	return invite_store(req, &inv, code, res);
}

int
api_admin_device_invite_create(const struct request *req, struct response *res)
{
	return api_with_secret(req, res, create_invite);
}

int
api_admin_device_invites_list(const struct request *req, struct response *res)
{
	struct device_invite_list l;
	int status;

	(void)req;
	if (store_device_invite_list(&l) != DB_OK)
		return api_db_error(res);
	status = http_json(res, 200, views_device_invite_list(&l, store_now()));
	store_device_invite_list_free(&l);
	return status;
}

int
api_admin_device_invite_delete(const struct request *req, struct response *res)
{
	const char *id = req->params[0];
	int rc = store_device_invite_delete(id);

	if (rc == DB_NOTFOUND)
		return http_error(res, 404, "invite_not_found", "no device invite with id \"%.32s\"", id);
	if (rc != DB_OK)
		return api_db_error(res);
	api_log(res, "device_invite.delete", id, NULL, NULL);
	res->status = 204;
	return 204;
}

/* ---- devices ---- */

/* Device id, or 404. */
static int
load_device(struct device *d, const char *id, struct response *res)
{
	struct device_list l;
	int rc = store_device_list(&l, id);

	if (rc == DB_NOTFOUND)
		return http_error(res, 404, "device_not_found", "no device with id \"%.32s\"", id);
	if (rc != DB_OK)
		return api_db_error(res);
	*d = l.v[0];
	store_device_list_free(&l);
	return 0;
}

int
api_admin_devices_list(const struct request *req, struct response *res)
{
	struct device_list l;
	int status;

	(void)req;
	if (store_device_list(&l, NULL) != DB_OK)
		return api_db_error(res);
	status = http_json(res, 200, views_device_list(&l));
	store_device_list_free(&l);
	return status;
}

/* Deletes device p and revokes its key whether or not it was signed: a
 * device's key lives in a browser's download folder and a phone's
 * WireGuard app, so it must never come back. 0 or 500. */
static int
device_remove(const struct peer *p, struct json_object *detail, struct response *res)
{
	struct network net;
	char rid[PEER_ID_LEN];

	if (store_network_get(&net) != DB_OK ||
	    store_revocation_add(&net, p->public_key, p->id, p->name, rid) != DB_OK ||
	    store_peer_delete(p->id) != DB_OK)
		return api_db_error(res);
	if (detail != NULL && rid[0] != '\0')
		json_object_object_add(detail, "revocation", json_object_new_string(rid));
	return 0;
}

int
api_admin_device_delete(const struct request *req, struct response *res)
{
	struct json_object *detail = NULL;
	struct device d;
	struct peer p;
	int status;

	memset(&p, 0, sizeof(p));
	if ((status = load_device(&d, req->params[0], res)) != 0 ||
	    (status = api_load_peer(&p, d.id, res)) != 0)
		goto out;
	detail = json_object_new_object();
	json_object_object_add(detail, "name", json_object_new_string(p.name));
	json_object_object_add(detail, "public_key", json_object_new_string(p.public_key));
	if ((status = device_remove(&p, detail, res)) != 0)
		goto out;
	api_log(res, "device.delete", d.id, detail, NULL);
	detail = NULL;
	res->status = status = 204;
out:
	json_object_put(detail);
	rows_peer_free(&p);
	return status;
}

/* A new invite for the person device id belongs to: same gateway, routes,
 * tags and name; when it is used, the old device goes and its key is
 * revoked (a lost phone: delete it instead, at once). */
static int
reissue(const struct request *req, struct response *res, char code[KEYS_TOKEN_LEN])
{
	struct device_invite inv;
	struct json_object *tags;
	struct device d;
	struct peer p;
	int expires = DEVICE_EXPIRY_DEF, set, status;

	memset(&inv, 0, sizeof(inv));
	memset(&p, 0, sizeof(p));
	if ((status = api_int_field(req->json, "expires_in", DEVICE_EXPIRY_MIN, DEVICE_EXPIRY_MAX,
	                            &expires, &set, res)) != 0 ||
	    (status = load_device(&d, req->params[0], res)) != 0 ||
	    (status = api_load_peer(&p, d.id, res)) != 0)
		goto out;
	if (d.gateway[0] == '\0' || expires < 0) {
		status = http_error(res, 409, "gateway_gone", "the gateway of %s is gone: make a "
		                    "new device invite instead", d.name);
		goto out;
	}
	tags = views_strlist(&p.tags);
	snprintf(inv.tags, sizeof(inv.tags), "%s",
	         json_object_to_json_string_ext(tags, JSON_C_TO_STRING_PLAIN));
	json_object_put(tags);
	inv.uses = 1;
	inv.expires_at = store_now() + expires;
	snprintf(inv.gateway, sizeof(inv.gateway), "%s", d.gateway);
	snprintf(inv.gateway_name, sizeof(inv.gateway_name), "%s", d.gateway_name);
	snprintf(inv.routes, sizeof(inv.routes), "%s", d.routes);
	snprintf(inv.label, sizeof(inv.label), "%s", d.label);
	snprintf(inv.name, sizeof(inv.name), "%s", d.name);
	snprintf(inv.replaces, sizeof(inv.replaces), "%s", d.id);
	status = invite_store(req, &inv, code, res);
out:
	rows_peer_free(&p);
	return status;
}

int
api_admin_device_reissue(const struct request *req, struct response *res)
{
	return api_with_secret(req, res, reissue);
}
