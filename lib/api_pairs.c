/* SPDX-License-Identifier: MIT */
/* Pairs: which peers link to which, each with a preshared key sealed to both. */
#include <stdio.h>
#include <string.h>

#include "api.h"
#include "db.h"

static struct json_object *
pair_json(const char *a, const char *b, int64_t created)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "a", json_object_new_string(a));
	json_object_object_add(o, "b", json_object_new_string(b));
	json_object_object_add(o, "created_at", views_time(created));
	return o;
}

static struct json_object *
pair_row(sqlite3_stmt *st)
{
	return pair_json((const char *)sqlite3_column_text(st, 0),
	                 (const char *)sqlite3_column_text(st, 1), sqlite3_column_int64(st, 2));
}

int
api_admin_pairs_list(const struct request *req, struct response *res)
{
	static const char sql[] = "SELECT a, b, created_at FROM pairs ORDER BY a, b";

	(void)req;
	return api_answer_rows(db_stmt(sql), "pairs", pair_row, res);
}

/* Loads both ends, ordered a < b as stored: 0, or 400/404/409 in res. The
 * caller frees a and b in every case. */
static int
load_ends(const struct request *req, struct peer *a, struct peer *b, int need_accepted,
          struct response *res)
{
	const char *x = req->params[0], *y = req->params[1];
	int status;

	memset(a, 0, sizeof(*a));
	memset(b, 0, sizeof(*b));
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
api_insert_pair(const struct peer *a, const struct peer *b, int64_t now, struct response *res)
{
	static const char ins[] =
		"INSERT INTO pairs (a, b, psk_box_a, psk_box_b, created_at) VALUES (?1, ?2, ?3, ?4, ?5)";
	uint8_t psk[KEYS_LEN], pka[KEYS_LEN], pkb[KEYS_LEN];
	uint8_t boxa[KEYS_SEALED_LEN], boxb[KEYS_SEALED_LEN];
	sqlite3_stmt *st;
	int rc;

	/* The key exists in the clear only here, for the two seals. */
	if (keys_b64_decode_key(pka, a->public_key) != 0 ||
	    keys_b64_decode_key(pkb, b->public_key) != 0)
		return api_db_error(res);
	keys_random(psk, sizeof(psk));
	rc = keys_seal(boxa, psk, pka) != 0 || keys_seal(boxb, psk, pkb) != 0;
	keys_wipe(psk, sizeof(psk));
	if (rc)
		return http_error(res, 500, "seal_failed", "the preshared key could not be sealed");
	if ((st = db_stmt(ins)) == NULL)
		return api_db_error(res);
	sqlite3_bind_text(st, 1, a->id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, b->id, -1, SQLITE_STATIC);
	sqlite3_bind_blob(st, 3, boxa, sizeof(boxa), SQLITE_STATIC);
	sqlite3_bind_blob(st, 4, boxb, sizeof(boxb), SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, now);
	return db_exec_stmt(st) == DB_OK ? 0 : api_db_error(res);
}

int
api_admin_pair_put(const struct request *req, struct response *res)
{
	static const char find[] = "SELECT created_at FROM pairs WHERE a = ?1 AND b = ?2";
	struct json_object *detail;
	struct peer a, b;
	sqlite3_stmt *st;
	int64_t now = store_now(), created;
	int status, rc;

	if ((status = load_ends(req, &a, &b, 1, res)) != 0)
		goto out;
	if ((st = db_stmt(find)) == NULL) {
		status = api_db_error(res);
		goto out;
	}
	sqlite3_bind_text(st, 1, a.id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, b.id, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	created = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	sqlite3_reset(st);
	if (rc == SQLITE_ROW) {
		/* Already paired: nothing changes, nothing is logged. */
		status = http_json(res, 200, pair_json(a.id, b.id, created));
		goto out;
	}
	if (rc != SQLITE_DONE) {
		status = api_db_error(res);
		goto out;
	}
	if ((status = api_insert_pair(&a, &b, now, res)) != 0)
		goto out;
	detail = json_object_new_object();
	json_object_object_add(detail, "with", json_object_new_string(b.id));
	api_bump(res, a.id);
	api_bump(res, b.id);
	api_log(res, "pair.create", a.id, detail, NULL);
	status = http_json(res, 201, pair_json(a.id, b.id, now));
out:
	model_peer_free(&a);
	model_peer_free(&b);
	return status;
}

int
api_admin_pair_delete(const struct request *req, struct response *res)
{
	static const char del[] = "DELETE FROM pairs WHERE a = ?1 AND b = ?2";
	struct json_object *detail;
	struct peer a, b;
	sqlite3_stmt *st;
	int status;

	if ((status = load_ends(req, &a, &b, 0, res)) != 0)
		goto out;
	if ((st = db_stmt(del)) == NULL) {
		status = api_db_error(res);
		goto out;
	}
	sqlite3_bind_text(st, 1, a.id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, b.id, -1, SQLITE_STATIC);
	if (db_exec_stmt(st) != DB_OK) {
		status = api_db_error(res);
		goto out;
	}
	if (db_changes() == 0) {
		status = http_error(res, 404, "not_paired", "peers %s and %s are not paired",
		                    a.id, b.id);
		goto out;
	}
	detail = json_object_new_object();
	json_object_object_add(detail, "with", json_object_new_string(b.id));
	api_bump(res, a.id);
	api_bump(res, b.id);
	api_log(res, "pair.delete", a.id, detail, NULL);
	res->status = status = 204;
out:
	model_peer_free(&a);
	model_peer_free(&b);
	return status;
}
