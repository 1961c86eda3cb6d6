/* SPDX-License-Identifier: MIT */
/* The audit log: who did what, appended in the write it records. */

#include "audit.h"
#include "quota.h"
#include "sql.h"

int
store_audit(const char *actor, const char *action, const char *target,
            struct json_object *detail)
{
	static const char sql[] =
		"INSERT INTO audit (at, actor, action, target, detail) VALUES (?1, ?2, ?3, ?4, ?5)";
	const char *text = detail != NULL ?
		json_object_to_json_string_ext(detail, JSON_C_TO_STRING_PLAIN) : NULL;
	int64_t now = store_now();
	struct quota q;
	sqlite3_stmt *st;
	int rc;

	/* A repeat of an event within the window counts on its row: a flood
	 * of identical events is one row, not one each. */
	if (quota_get(&q) != DB_OK)
		return DB_ERROR;
	if ((rc = quota_audit_repeat(&q, actor, action, target, text, now)) != DB_NOTFOUND)
		return rc == DB_OK ? DB_OK : DB_ERROR;
	if ((st = db_stmt(sql)) == NULL)
		return DB_ERROR;
	sqlite3_bind_int64(st, 1, now);
	sqlite3_bind_text(st, 2, actor, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, action, -1, SQLITE_STATIC);
	if (target != NULL)
		sqlite3_bind_text(st, 4, target, -1, SQLITE_STATIC);
	if (text != NULL)
		sqlite3_bind_text(st, 5, text, -1, SQLITE_TRANSIENT);
	if (db_exec_stmt(st) != DB_OK)
		return DB_ERROR;
	/* Pruned as it grows: its size never waits for a periodic job. */
	return quota_prune_audit(&q, now) == DB_OK ? DB_OK : DB_ERROR;
}
