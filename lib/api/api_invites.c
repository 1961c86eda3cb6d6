/* SPDX-License-Identifier: MIT */
/* Invite codes: made by an admin, shown once, stored only as a hash. */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "api.h"
#include "text.h"

#define INVITE_USES_MAX     1000
#define INVITE_EXPIRY_MIN   60
#define INVITE_EXPIRY_MAX   (366 * 86400)
#define INVITE_EXPIRY_DEF   86400

/*
 * A label is 1..INVITE_LABEL_MAX characters of printable text: the body is
 * valid UTF-8 already (lib/api/http.c), so what is left to refuse is a NUL from
 * a \u0000 escape and the C0 and C1 controls and DEL, which would reach an
 * admin's terminal through `wgconf admin invites`.
 */
static bool
label_valid(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t chars = 0;

	if (len == 0 || strlen(s) != len)
		return false;
	for (size_t i = 0; i < len; i++) {
		if (p[i] < 0x20 || p[i] == 0x7f)
			return false;
		/* U+0080..U+009F are C2 80..C2 9F. */
		if (p[i] == 0xc2 && i + 1 < len && p[i + 1] < 0xa0)
			return false;
		if ((p[i] & 0xc0) != 0x80)
			chars++;
	}
	return chars <= INVITE_LABEL_MAX;
}

int
api_admin_invites_list(const struct request *req, struct response *res)
{
	struct invite_list l;
	int status;

	(void)req;
	if (store_invite_list(&l) != DB_OK)
		return api_db_error(res);
	status = http_json(res, 200, views_invite_list(&l, store_now()));
	store_invite_list_free(&l);
	return status;
}

static api_secret_handler create_invite;

/* The code lives in a frame that wipes it on every way out; the answer
 * carrying it is marked for wiping too. */
int
api_admin_invite_create(const struct request *req, struct response *res)
{
	return api_with_secret(req, res, create_invite);
}

/* 400 naming the label as JSON (escapes show a control character), cut at
 * a character boundary when long. */
static int
bad_label(struct json_object *v, struct response *res)
{
	const char *js = json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN);
	size_t len = strlen(js), n = len;

	if (n > 100) {
		n = 100;
		while (n > 0 && ((unsigned char)js[n] & 0xc0) == 0x80)
			n--;
	}
	return http_error(res, 400, "invalid_label", "label %.*s%s is not 1 to %d printable characters",
	                  (int)n, js, n < len ? "..." : "", INVITE_LABEL_MAX);
}

/* The imported peer a new invite is for (an id; NULL: any new host) and
 * whether it works while registration is closed, which only an invite for
 * one imported peer may. 0, or 400, 404, 409 in res. */
static int
invite_target(struct json_object *body, const char **for_peer, int *when_closed,
              struct response *res)
{
	struct json_object *v;
	int rc;

	*for_peer = NULL;
	*when_closed = 0;
	if (body != NULL && json_object_object_get_ex(body, "for_peer", &v) && v != NULL) {
		if (!json_object_is_type(v, json_type_string) ||
		    !text_safe_token(json_object_get_string(v), PEER_ID_LEN - 1))
			return http_error(res, 400, "invalid_field", "\"for_peer\" must be a peer id");
		*for_peer = json_object_get_string(v);
	}
	if (body != NULL && json_object_object_get_ex(body, "when_closed", &v) && v != NULL) {
		if (!json_object_is_type(v, json_type_boolean))
			return http_error(res, 400, "invalid_field",
			                  "\"when_closed\" must be true or false");
		*when_closed = json_object_get_boolean(v);
	}
	if (*when_closed && *for_peer == NULL)
		return http_error(res, 400, "invalid_field", "\"when_closed\" goes with "
		                  "\"for_peer\": only adopting an imported peer can work while "
		                  "registration is closed");
	if (*for_peer == NULL)
		return 0;
	rc = store_peer_adoptable(*for_peer);
	if (rc == DB_NOTFOUND)
		return http_error(res, 404, "peer_not_found", "no peer with id \"%s\"", *for_peer);
	if (rc == DB_CONFLICT)
		return http_error(res, 409, "not_adoptable", "peer %s is not an imported peer "
		                  "waiting for its host to adopt it", *for_peer);
	return rc == DB_OK ? 0 : api_db_error(res);
}

static int
create_invite(const struct request *req, struct response *res, char code[KEYS_TOKEN_LEN])
{
	struct invite inv = { .uses = 0 };
	uint8_t h[KEYS_LEN];
	int uses = 1, uses_set = 0, expires = INVITE_EXPIRY_DEF, exp_set = 0, status;
	int64_t now = store_now();
	struct json_object *detail, *v;
	const char *label = NULL, *for_peer;
	int when_closed;

	if (req->json != NULL &&
	    ((status = api_int_field(req->json, "uses", 1, INVITE_USES_MAX, &uses, &uses_set, res)) != 0 ||
	     (status = api_int_field(req->json, "expires_in", INVITE_EXPIRY_MIN, INVITE_EXPIRY_MAX,
	                             &expires, &exp_set, res)) != 0))
		return status;
	if ((uses_set && uses < 0) || (exp_set && expires < 0))
		return http_error(res, 400, "invalid_field", "uses and expires_in cannot be null");
	if (req->json != NULL && json_object_object_get_ex(req->json, "label", &v) && v != NULL) {
		if (!json_object_is_type(v, json_type_string) ||
		    !label_valid(json_object_get_string(v), (size_t)json_object_get_string_len(v)))
			return bad_label(v, res);
		label = json_object_get_string(v);
	}
	if ((status = invite_target(req->json, &for_peer, &when_closed, res)) != 0)
		return status;
	keys_random_hex(inv.id, (PEER_ID_LEN - 1) / 2);
	inv.uses = uses;
	inv.expires_at = now + expires;
	inv.created_at = now;
	snprintf(inv.created_by, sizeof(inv.created_by), "%s", req->actor);
	snprintf(inv.label, sizeof(inv.label), "%s", label ? label : "");
	snprintf(inv.for_peer, sizeof(inv.for_peer), "%s", for_peer ? for_peer : "");
	inv.when_closed = when_closed;
	keys_random_secret(code);
	keys_hash(h, code, strlen(code));
	detail = json_object_new_object();
	json_object_object_add(detail, "uses", json_object_new_int(uses));
	json_object_object_add(detail, "expires_in", json_object_new_int(expires));
	if (label != NULL)
		json_object_object_add(detail, "label", json_object_new_string(label));
	if (for_peer != NULL)
		json_object_object_add(detail, "for_peer", json_object_new_string(for_peer));
	if (when_closed)
		json_object_object_add(detail, "when_closed", json_object_new_boolean(1));
	if (store_invite_add(&inv, h) != DB_OK) {
		json_object_put(detail);
		return api_db_error(res);
	}
	api_log(res, "invite.create", inv.id, detail, NULL);
	res->secret = 1;
	return http_json(res, 201, views_invite_created(&inv, code));
}

int
api_admin_invite_delete(const struct request *req, struct response *res)
{
	const char *id = req->params[0];
	int rc = store_invite_delete(id);

	if (rc != DB_OK && rc != DB_NOTFOUND)
		return api_db_error(res);
	if (rc == DB_NOTFOUND)
		return http_error(res, 404, "invite_not_found", "no invite with id \"%.32s\"", id);
	api_log(res, "invite.delete", id, NULL, NULL);
	res->status = 204;
	return 204;
}
