/* SPDX-License-Identifier: MIT */
/* The signed policy (docs/trust.md): one row, and the rules it lists. */
#include <stdlib.h>
#include <string.h>

#include "signed_policy.h"
#include "revisions.h"
#include "sql.h"

int
store_policy_get(struct policy_row *out)
{
	static const char sql[] = "SELECT signed_version, text, signature FROM policy WHERE id = 1";
	sqlite3_stmt *st = db_stmt(sql);
	int rc;

	memset(out, 0, sizeof(*out));
	if (st == NULL)
		return DB_ERROR;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		out->signed_version = sqlite3_column_int64(st, 0);
		if (sqlite3_column_type(st, 1) == SQLITE_TEXT &&
		    sqlite3_column_bytes(st, 2) == KEYS_SIG_LEN) {
			out->text = strdup((const char *)sqlite3_column_text(st, 1));
			memcpy(out->sig, sqlite3_column_blob(st, 2), KEYS_SIG_LEN);
			if (out->text == NULL)
				rc = SQLITE_NOMEM;
		}
	}
	sqlite3_reset(st);
	if (rc != SQLITE_ROW) {
		rows_policy_free(out);
		return DB_ERROR;        /* the migration made the row: it is never absent */
	}
	return DB_OK;
}

int
store_policy_rules(struct strlist *out)
{
	static const char sql[] = "SELECT a || ' ' || b FROM rules ORDER BY a, b";

	return sql_strings(sql, NULL, out);
}

int
store_policy_sign(int64_t version, const char *text, const uint8_t sig[KEYS_SIG_LEN])
{
	static const char sql[] =
		"UPDATE policy SET signed_version = ?1, text = ?2, signature = ?3, signed_at = ?4"
		" WHERE id = 1";
	sqlite3_stmt *st = db_stmt(sql);

	if (st == NULL)
		return DB_ERROR;
	sqlite3_bind_int64(st, 1, version);
	sqlite3_bind_text(st, 2, text, -1, SQLITE_STATIC);
	sqlite3_bind_blob(st, 3, sig, KEYS_SIG_LEN, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, store_now());
	if (db_exec_stmt(st) != DB_OK)
		return DB_ERROR;
	if (db_changes() != 1)
		return DB_ERROR;
	return store_revisions_touch_accepted();
}
