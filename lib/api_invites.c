/* SPDX-License-Identifier: MIT */
/* Invite codes: made by an admin, shown once, stored only as a hash. */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "api.h"
#include "db.h"
#include "text.h"

#define INVITE_USES_MAX     1000
#define INVITE_EXPIRY_MIN   60
#define INVITE_EXPIRY_MAX   (366 * 86400)
#define INVITE_EXPIRY_DEF   86400
#define INVITE_LABEL_MAX    64          /* characters */

/*
 * A label is 1..INVITE_LABEL_MAX characters of printable text: the body is
 * valid UTF-8 already (lib/http.c), so what is left to refuse is a NUL from
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

static struct json_object *
invite_json(sqlite3_stmt *st)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "id", json_object_new_string((const char *)sqlite3_column_text(st, 0)));
	json_object_object_add(o, "uses", json_object_new_int(sqlite3_column_int(st, 1)));
	json_object_object_add(o, "uses_left", json_object_new_int(sqlite3_column_int(st, 2)));
	json_object_object_add(o, "expires_at", views_time(sqlite3_column_int64(st, 3)));
	json_object_object_add(o, "created_at", views_time(sqlite3_column_int64(st, 4)));
	json_object_object_add(o, "created_by", json_object_new_string((const char *)sqlite3_column_text(st, 5)));
	json_object_object_add(o, "label", sqlite3_column_type(st, 6) == SQLITE_NULL ? NULL :
	                       json_object_new_string((const char *)sqlite3_column_text(st, 6)));
	json_object_object_add(o, "expired", json_object_new_boolean(
		sqlite3_column_int64(st, 3) <= store_now() || sqlite3_column_int(st, 2) == 0));
	json_object_object_add(o, "for_peer", sqlite3_column_type(st, 7) == SQLITE_NULL ? NULL :
	                       json_object_new_string((const char *)sqlite3_column_text(st, 7)));
	json_object_object_add(o, "when_closed", json_object_new_boolean(sqlite3_column_int(st, 8)));
	return o;
}

int
api_admin_invites_list(const struct request *req, struct response *res)
{
	static const char sql[] =
		"SELECT id, uses, uses_left, expires_at, created_at, created_by, label, for_peer,"
		" when_closed FROM invites ORDER BY created_at DESC, id";

	(void)req;
	return api_answer_rows(db_stmt(sql), "invites", invite_json, res);
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
	static const char ins[] =
		"INSERT INTO invites (id, code_hash, uses_left, uses, expires_at, created_at, created_by,"
		" label, for_peer, when_closed) VALUES (?1, ?2, ?3, ?3, ?4, ?5, ?6, ?7, ?8, ?9)";
	char id[PEER_ID_LEN];
	uint8_t h[KEYS_LEN];
	int uses = 1, uses_set = 0, expires = INVITE_EXPIRY_DEF, exp_set = 0, status;
	int64_t now = store_now();
	struct json_object *o, *detail, *v;
	const char *label = NULL, *for_peer;
	int when_closed;
	sqlite3_stmt *st;

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
	keys_random_hex(id, (PEER_ID_LEN - 1) / 2);
	keys_random_secret(code);
	keys_hash(h, code, strlen(code));
	if ((st = db_stmt(ins)) == NULL)
		return api_db_error(res);
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_blob(st, 2, h, sizeof(h), SQLITE_STATIC);
	sqlite3_bind_int(st, 3, uses);
	sqlite3_bind_int64(st, 4, now + expires);
	sqlite3_bind_int64(st, 5, now);
	sqlite3_bind_text(st, 6, req->actor, -1, SQLITE_STATIC);
	if (label != NULL)
		sqlite3_bind_text(st, 7, label, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, 7);
	if (for_peer != NULL)
		sqlite3_bind_text(st, 8, for_peer, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, 8);
	sqlite3_bind_int(st, 9, when_closed);
	detail = json_object_new_object();
	json_object_object_add(detail, "uses", json_object_new_int(uses));
	json_object_object_add(detail, "expires_in", json_object_new_int(expires));
	if (label != NULL)
		json_object_object_add(detail, "label", json_object_new_string(label));
	if (for_peer != NULL)
		json_object_object_add(detail, "for_peer", json_object_new_string(for_peer));
	if (when_closed)
		json_object_object_add(detail, "when_closed", json_object_new_boolean(1));
	if (db_exec_stmt(st) != DB_OK) {
		json_object_put(detail);
		return api_db_error(res);
	}
	api_log(res, "invite.create", id, detail, NULL);
	o = json_object_new_object();
	json_object_object_add(o, "id", json_object_new_string(id));
	json_object_object_add(o, "code", json_object_new_string(code));
	json_object_object_add(o, "uses", json_object_new_int(uses));
	json_object_object_add(o, "expires_at", views_time(now + expires));
	json_object_object_add(o, "label", label != NULL ? json_object_new_string(label) : NULL);
	json_object_object_add(o, "for_peer", for_peer != NULL ? json_object_new_string(for_peer) : NULL);
	json_object_object_add(o, "when_closed", json_object_new_boolean(when_closed));
	res->secret = 1;
	return http_json(res, 201, o);
}

int
api_admin_invite_delete(const struct request *req, struct response *res)
{
	static const char sql[] = "DELETE FROM invites WHERE id = ?1";
	const char *id = req->params[0];
	sqlite3_stmt *st;

	if ((st = db_stmt(sql)) == NULL)
		return api_db_error(res);
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	if (db_exec_stmt(st) != DB_OK)
		return api_db_error(res);
	if (db_changes() == 0)
		return http_error(res, 404, "invite_not_found", "no invite with id \"%.32s\"", id);
	api_log(res, "invite.delete", id, NULL, NULL);
	res->status = 204;
	return 204;
}
