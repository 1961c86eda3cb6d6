/* SPDX-License-Identifier: MIT */
/* Pairs: which peers link to which, each with a preshared key sealed to both. */
#include <stdio.h>
#include <string.h>

#include "api.h"
#include "db.h"

int
api_admin_pairs_list(const struct request *req, struct response *res)
{
	static const char sql[] = "SELECT a, b, created_at FROM pairs ORDER BY a, b";
	struct json_object *arr, *o;
	sqlite3_stmt *st;
	int rc;

	(void)req;
	if ((st = db_stmt(sql)) == NULL)
		return api_db_error(res);
	arr = json_object_new_array();
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		o = json_object_new_object();
		json_object_object_add(o, "a", json_object_new_string((const char *)sqlite3_column_text(st, 0)));
		json_object_object_add(o, "b", json_object_new_string((const char *)sqlite3_column_text(st, 1)));
		json_object_object_add(o, "created_at", store_time_json(sqlite3_column_int64(st, 2)));
		json_object_array_add(arr, o);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		json_object_put(arr);
		return api_db_error(res);
	}
	o = json_object_new_object();
	json_object_object_add(o, "pairs", arr);
	return http_json(res, 200, o);
}

static struct json_object *
pair_json(const char *a, const char *b, int64_t created)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "a", json_object_new_string(a));
	json_object_object_add(o, "b", json_object_new_string(b));
	json_object_object_add(o, "created_at", store_time_json(created));
	return o;
}

/* Loads both ends, ordered a < b as stored: 0, or 400/404/409 in res. */
static int
load_ends(const struct request *req, struct peer *a, struct peer *b, int need_accepted,
          struct response *res)
{
	const char *x = req->params[0], *y = req->params[1];
	int status;

	if (strcmp(x, y) == 0)
		return http_error(res, 400, "pair_self", "a peer cannot be paired with itself");
	if (strcmp(x, y) > 0) {
		const char *t = x;
		x = y;
		y = t;
	}
	if ((status = api_load_peer(a, x, res)) != 0 || (status = api_load_peer(b, y, res)) != 0)
		return status;
	if (need_accepted && (!a->accepted || !b->accepted))
		return http_error(res, 409, "peer_pending", "peer %s is pending: accept it first",
		                  a->accepted ? b->id : a->id);
	return 0;
}

int
api_admin_pair_put(const struct request *req, struct response *res)
{
	static const char find[] = "SELECT created_at FROM pairs WHERE a = ?1 AND b = ?2";
	static const char ins[] =
		"INSERT INTO pairs (a, b, psk_box_a, psk_box_b, created_at) VALUES (?1, ?2, ?3, ?4, ?5)";
	uint8_t psk[KEYS_LEN], pka[KEYS_LEN], pkb[KEYS_LEN];
	uint8_t boxa[KEYS_SEALED_LEN], boxb[KEYS_SEALED_LEN];
	struct json_object *detail;
	struct peer a, b;
	sqlite3_stmt *st;
	int64_t now = store_now(), created;
	int status, rc;

	if (req->json != NULL && json_object_object_length(req->json) != 0)
		return http_error(res, 400, "unknown_field", "pairing takes no fields");
	if (db_begin() != 0)
		return api_db_error(res);
	if ((status = load_ends(req, &a, &b, 1, res)) != 0)
		return status;
	if ((st = db_stmt(find)) == NULL)
		return api_db_error(res);
	sqlite3_bind_text(st, 1, a.id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, b.id, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	created = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	sqlite3_reset(st);
	if (rc == SQLITE_ROW) {
		db_rollback();
		return http_json(res, 200, pair_json(a.id, b.id, created));
	}
	if (rc != SQLITE_DONE)
		return api_db_error(res);

	/* The key exists in the clear only here, for the two seals. */
	if (keys_b64_decode_key(pka, a.public_key) != 0 ||
	    keys_b64_decode_key(pkb, b.public_key) != 0)
		return api_db_error(res);
	keys_random(psk, sizeof(psk));
	rc = keys_seal(boxa, psk, pka) != 0 || keys_seal(boxb, psk, pkb) != 0;
	keys_wipe(psk, sizeof(psk));
	if (rc)
		return http_error(res, 500, "seal_failed", "the preshared key could not be sealed");
	if ((st = db_stmt(ins)) == NULL)
		return api_db_error(res);
	sqlite3_bind_text(st, 1, a.id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, b.id, -1, SQLITE_STATIC);
	sqlite3_bind_blob(st, 3, boxa, sizeof(boxa), SQLITE_STATIC);
	sqlite3_bind_blob(st, 4, boxb, sizeof(boxb), SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, now);
	detail = json_object_new_object();
	json_object_object_add(detail, "with", json_object_new_string(b.id));
	rc = db_exec_stmt(st) != DB_OK || store_bump(a.id) != DB_OK || store_bump(b.id) != DB_OK ||
	     store_audit(req->actor, "pair.create", a.id, detail) != DB_OK;
	json_object_put(detail);
	if (rc || db_commit() != 0)
		return api_db_error(res);
	return http_json(res, 201, pair_json(a.id, b.id, now));
}

int
api_admin_pair_delete(const struct request *req, struct response *res)
{
	static const char del[] = "DELETE FROM pairs WHERE a = ?1 AND b = ?2";
	struct json_object *detail;
	struct peer a, b;
	sqlite3_stmt *st;
	int status, rc;

	if (req->json != NULL && json_object_object_length(req->json) != 0)
		return http_error(res, 400, "unknown_field", "unpairing takes no fields");
	if (db_begin() != 0)
		return api_db_error(res);
	if ((status = load_ends(req, &a, &b, 0, res)) != 0)
		return status;
	/* Stamp both while the pair still links them. */
	if (store_bump(a.id) != DB_OK || store_bump(b.id) != DB_OK || (st = db_stmt(del)) == NULL)
		return api_db_error(res);
	sqlite3_bind_text(st, 1, a.id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, b.id, -1, SQLITE_STATIC);
	if (db_exec_stmt(st) != DB_OK)
		return api_db_error(res);
	if (db_changes() == 0)
		return http_error(res, 404, "not_paired", "peers %s and %s are not paired", a.id, b.id);
	detail = json_object_new_object();
	json_object_object_add(detail, "with", json_object_new_string(b.id));
	rc = store_audit(req->actor, "pair.delete", a.id, detail) != DB_OK;
	json_object_put(detail);
	if (rc || db_commit() != 0)
		return api_db_error(res);
	res->status = 204;
	return 204;
}
