/* SPDX-License-Identifier: MIT */
/* Invite codes. */
#include <stdlib.h>
#include <string.h>

#include "invites.h"
#include "sql.h"

void
store_invite_list_free(struct invite_list *l)
{
	if (l == NULL)
		return;
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

int
store_invite_list(struct invite_list *out)
{
	static const char sql[] =
		"SELECT id, uses, uses_left, expires_at, created_at, created_by, label, for_peer,"
		" when_closed FROM invites ORDER BY created_at DESC, id";
	sqlite3_stmt *st = db_stmt(sql);
	size_t cap = 0;
	int rc = SQLITE_ERROR;

	memset(out, 0, sizeof(*out));
	if (st == NULL)
		return DB_ERROR;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct invite *inv;
		if (out->n == cap) {
			struct invite *nv = realloc(out->v, (cap ? cap * 2 : 16) * sizeof(*nv));
			if (nv == NULL)
				break;
			out->v = nv;
			cap = cap ? cap * 2 : 16;
		}
		inv = &out->v[out->n++];
		memset(inv, 0, sizeof(*inv));
		sql_copy_col(inv->id, sizeof(inv->id), st, 0);
		inv->uses = sqlite3_column_int(st, 1);
		inv->uses_left = sqlite3_column_int(st, 2);
		inv->expires_at = sqlite3_column_int64(st, 3);
		inv->created_at = sqlite3_column_int64(st, 4);
		sql_copy_col(inv->created_by, sizeof(inv->created_by), st, 5);
		sql_copy_col(inv->label, sizeof(inv->label), st, 6);
		sql_copy_col(inv->for_peer, sizeof(inv->for_peer), st, 7);
		inv->when_closed = sqlite3_column_int(st, 8);
	}
	sqlite3_reset(st);
	if (rc == SQLITE_DONE)
		return DB_OK;
	store_invite_list_free(out);
	return DB_ERROR;
}

int
store_invite_add(const struct invite *inv, const uint8_t code_hash[KEYS_LEN])
{
	static const char ins[] =
		"INSERT INTO invites (id, code_hash, uses_left, uses, expires_at, created_at, created_by,"
		" label, for_peer, when_closed) VALUES (?1, ?2, ?3, ?3, ?4, ?5, ?6, ?7, ?8, ?9)";
	sqlite3_stmt *st = db_stmt(ins);

	if (st == NULL)
		return DB_ERROR;
	sqlite3_bind_text(st, 1, inv->id, -1, SQLITE_STATIC);
	sqlite3_bind_blob(st, 2, code_hash, KEYS_LEN, SQLITE_STATIC);
	sqlite3_bind_int(st, 3, inv->uses);
	sqlite3_bind_int64(st, 4, inv->expires_at);
	sqlite3_bind_int64(st, 5, inv->created_at);
	sqlite3_bind_text(st, 6, inv->created_by, -1, SQLITE_STATIC);
	if (inv->label[0] != '\0')
		sqlite3_bind_text(st, 7, inv->label, -1, SQLITE_STATIC);
	if (inv->for_peer[0] != '\0')
		sqlite3_bind_text(st, 8, inv->for_peer, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 9, inv->when_closed);
	return db_exec_stmt(st) == DB_OK ? DB_OK : DB_ERROR;
}

int
store_invite_delete(const char *id)
{
	static const char sql[] = "DELETE FROM invites WHERE id = ?1";
	sqlite3_stmt *st = db_stmt(sql);

	if (st == NULL)
		return DB_ERROR;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	if (db_exec_stmt(st) != DB_OK)
		return DB_ERROR;
	return db_changes() > 0 ? DB_OK : DB_NOTFOUND;
}

int
store_invite_use(const uint8_t code_hash[KEYS_LEN], int64_t now, struct invite_use *use)
{
	static const char find[] =
		"SELECT id, for_peer, when_closed FROM invites"
		" WHERE code_hash = ?1 AND uses_left > 0 AND expires_at > ?2";
	static const char take[] = "UPDATE invites SET uses_left = uses_left - 1 WHERE id = ?1";
	sqlite3_stmt *st = db_stmt(find);
	int rc;

	memset(use, 0, sizeof(*use));
	if (st == NULL)
		return DB_ERROR;
	sqlite3_bind_blob(st, 1, code_hash, KEYS_LEN, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, now);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		sql_copy_col(use->id, sizeof(use->id), st, 0);
		sql_copy_col(use->for_peer, sizeof(use->for_peer), st, 1);
		use->when_closed = sqlite3_column_int(st, 2);
	}
	sqlite3_reset(st);
	if (rc == SQLITE_DONE)
		return DB_NOTFOUND;
	if (rc != SQLITE_ROW || (st = db_stmt(take)) == NULL)
		return DB_ERROR;
	sqlite3_bind_text(st, 1, use->id, -1, SQLITE_STATIC);
	return db_exec_stmt(st) == DB_OK ? DB_OK : DB_ERROR;
}
