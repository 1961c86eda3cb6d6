/* SPDX-License-Identifier: MIT */
/* Signed statements and revocations (docs/trust.md). */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "revisions.h"
#include "sql.h"
#include "statement.h"
#include "trust.h"

int
store_peer_set_statement(const char *id, int64_t version, const char *text,
                         const uint8_t sig[KEYS_SIG_LEN])
{
	static const char sql[] =
		"UPDATE peers SET signed_version = ?2, statement = ?3, statement_sig = ?4"
		" WHERE id = ?1";
	sqlite3_stmt *st = db_stmt(sql);

	if (st == NULL)
		return DB_ERROR;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, version);
	sqlite3_bind_text(st, 3, text, -1, SQLITE_STATIC);
	sqlite3_bind_blob(st, 4, sig, KEYS_SIG_LEN, SQLITE_STATIC);
	if (db_exec_stmt(st) != DB_OK)
		return DB_ERROR;
	if (db_changes() == 0)
		return DB_NOTFOUND;
	/* Its config and every partner's carry the statement. */
	return store_revisions_touch_partners(id);
}

#define REVOCATION_COLUMNS \
	"SELECT id, key, peer_id, peer_name, text, signature, created_at FROM revocations"

static void
read_revocation_row(struct revocation *r, sqlite3_stmt *st)
{
	memset(r, 0, sizeof(*r));
	sql_copy_col(r->id, sizeof(r->id), st, 0);
	sql_copy_col(r->key, sizeof(r->key), st, 1);
	sql_copy_col(r->peer_id, sizeof(r->peer_id), st, 2);
	sql_copy_col(r->peer_name, sizeof(r->peer_name), st, 3);
	sql_copy_col(r->text, sizeof(r->text), st, 4);
	if (sqlite3_column_bytes(st, 5) == KEYS_SIG_LEN) {
		memcpy(r->sig, sqlite3_column_blob(st, 5), KEYS_SIG_LEN);
		r->has_sig = 1;
	}
	r->created_at = sqlite3_column_int64(st, 6);
}

int
store_revocation_list(struct revocation_list *out, int signed_only)
{
	static const char sql[] = REVOCATION_COLUMNS
		" WHERE ?1 = 0 OR signature IS NOT NULL ORDER BY created_at, id";
	sqlite3_stmt *st = db_stmt(sql);
	size_t cap = 0;
	int rc;

	memset(out, 0, sizeof(*out));
	if (st == NULL)
		return DB_ERROR;
	sqlite3_bind_int(st, 1, signed_only != 0);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (out->n == cap) {
			struct revocation *nv = realloc(out->v, (cap ? cap * 2 : 8) * sizeof(*nv));
			if (nv == NULL)
				break;
			out->v = nv;
			cap = cap ? cap * 2 : 8;
		}
		read_revocation_row(&out->v[out->n++], st);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		rows_revocation_list_free(out);
		return DB_ERROR;
	}
	return DB_OK;
}

int
store_revocation_get(struct revocation *r, const char *id)
{
	static const char sql[] = REVOCATION_COLUMNS " WHERE id = ?1";
	sqlite3_stmt *st = db_stmt(sql);
	int rc;

	memset(r, 0, sizeof(*r));
	if (st == NULL)
		return DB_ERROR;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		read_revocation_row(r, st);
	sqlite3_reset(st);
	return rc == SQLITE_ROW ? DB_OK : rc == SQLITE_DONE ? DB_NOTFOUND : DB_ERROR;
}

int
store_key_revoked(const char *key)
{
	static const char sql[] = "SELECT 1 FROM revocations WHERE key IN (?1, ?2)";
	sqlite3_stmt *st = db_stmt(sql);
	char twin[KEYS_B64_LEN];
	int rc;

	if (st == NULL)
		return DB_ERROR;
	/* A revocation kept from before the one-spelling rule may name the
	 * key with bit 255 set: the same key to X25519 (docs/trust.md). */
	if (keys_public_twin(twin, key) != 0)
		snprintf(twin, sizeof(twin), "%s", key);
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, twin, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	return rc == SQLITE_ROW ? DB_OK : rc == SQLITE_DONE ? DB_NOTFOUND : DB_ERROR;
}

int
store_revocation_add(const struct network *net, const char *key, const char *peer_id,
                     const char *peer_name, char id[PEER_ID_LEN])
{
	static const char sql[] =
		"INSERT INTO revocations (id, key, peer_id, peer_name, text, created_at)"
		" VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (key) DO NOTHING";
	struct statement_revocation r;
	char text[STATEMENT_REVOKE_MAX];
	sqlite3_stmt *st;

	id[0] = '\0';
	snprintf(r.mesh, sizeof(r.mesh), "%s", net->mesh_id);
	snprintf(r.key, sizeof(r.key), "%s", key);
	if (statement_revocation_format(&r, text, sizeof(text)) < 0 ||
	    (st = db_stmt(sql)) == NULL)
		return DB_ERROR;
	keys_random_hex(id, (PEER_ID_LEN - 1) / 2);
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, key, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, peer_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, peer_name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, text, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 6, store_now());
	if (db_exec_stmt(st) != DB_OK)
		return DB_ERROR;
	if (db_changes() == 0)
		id[0] = '\0';
	return DB_OK;
}

int
store_revocation_sign(const char *id, const uint8_t sig[KEYS_SIG_LEN])
{
	static const char sql[] =
		"UPDATE revocations SET signature = ?2, signed_at = ?3 WHERE id = ?1";
	sqlite3_stmt *st = db_stmt(sql);

	if (st == NULL)
		return DB_ERROR;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_blob(st, 2, sig, KEYS_SIG_LEN, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, store_now());
	if (db_exec_stmt(st) != DB_OK)
		return DB_ERROR;
	if (db_changes() == 0)
		return DB_NOTFOUND;
	/* Every host keeps every signed revocation: every config changes. */
	return store_revisions_touch_accepted();
}
