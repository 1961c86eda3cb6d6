/* SPDX-License-Identifier: MIT */
/* Invite codes: made by an admin, shown once, stored only as a hash. */
#include <stdio.h>
#include <string.h>

#include "api.h"
#include "db.h"

#define INVITE_USES_MAX     1000
#define INVITE_EXPIRY_MIN   60
#define INVITE_EXPIRY_MAX   (366 * 86400)
#define INVITE_EXPIRY_DEF   86400

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
	json_object_object_add(o, "expired", json_object_new_boolean(
		sqlite3_column_int64(st, 3) <= store_now() || sqlite3_column_int(st, 2) == 0));
	return o;
}

int
api_admin_invites_list(const struct request *req, struct response *res)
{
	static const char sql[] =
		"SELECT id, uses, uses_left, expires_at, created_at, created_by FROM invites"
		" ORDER BY created_at DESC, id";

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

static int
create_invite(const struct request *req, struct response *res, char code[KEYS_TOKEN_LEN])
{
	static const char ins[] =
		"INSERT INTO invites (id, code_hash, uses_left, uses, expires_at, created_at, created_by)"
		" VALUES (?1, ?2, ?3, ?3, ?4, ?5, ?6)";
	char id[PEER_ID_LEN];
	uint8_t h[KEYS_LEN];
	int uses = 1, uses_set = 0, expires = INVITE_EXPIRY_DEF, exp_set = 0, status;
	int64_t now = store_now();
	struct json_object *o, *detail;
	sqlite3_stmt *st;

	if (req->json != NULL &&
	    ((status = api_int_field(req->json, "uses", 1, INVITE_USES_MAX, &uses, &uses_set, res)) != 0 ||
	     (status = api_int_field(req->json, "expires_in", INVITE_EXPIRY_MIN, INVITE_EXPIRY_MAX,
	                             &expires, &exp_set, res)) != 0))
		return status;
	if ((uses_set && uses < 0) || (exp_set && expires < 0))
		return http_error(res, 400, "invalid_field", "uses and expires_in cannot be null");
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
	detail = json_object_new_object();
	json_object_object_add(detail, "uses", json_object_new_int(uses));
	json_object_object_add(detail, "expires_in", json_object_new_int(expires));
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
