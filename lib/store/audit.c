/* SPDX-License-Identifier: MIT */
/* The audit log: who did what, appended in the write it records. */

#include <stdlib.h>
#include <string.h>

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

void
store_audit_list_free(struct audit_list *l)
{
	if (l == NULL)
		return;
	for (size_t i = 0; i < l->n; i++) {
		free(l->v[i].actor);
		free(l->v[i].action);
		free(l->v[i].target);
		free(l->v[i].detail);
	}
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

/* Column col as a new string, NULL for NULL; *oom set when out of memory. */
static char *
dup_col(sqlite3_stmt *st, int col, int *oom)
{
	const unsigned char *t = sqlite3_column_text(st, col);
	char *s;

	if (t == NULL)
		return NULL;
	if ((s = strdup((const char *)t)) == NULL)
		*oom = 1;
	return s;
}

int
store_audit_page(int64_t before, size_t limit, struct audit_list *out)
{
	static const char sql[] =
		"SELECT id, at, actor, action, target, detail, count, last_at FROM audit"
		" WHERE id < ?1 ORDER BY id DESC LIMIT ?2";
	sqlite3_stmt *st = db_stmt(sql);
	int rc = SQLITE_ERROR, oom = 0;

	memset(out, 0, sizeof(*out));
	if (st == NULL || (out->v = calloc(limit ? limit : 1, sizeof(*out->v))) == NULL)
		return DB_ERROR;
	sqlite3_bind_int64(st, 1, before);
	sqlite3_bind_int64(st, 2, (int64_t)limit);
	while (!oom && out->n < limit && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct audit_entry *e = &out->v[out->n++];
		e->id = sqlite3_column_int64(st, 0);
		e->at = sqlite3_column_int64(st, 1);
		e->actor = dup_col(st, 2, &oom);
		e->action = dup_col(st, 3, &oom);
		e->target = dup_col(st, 4, &oom);
		e->detail = dup_col(st, 5, &oom);
		e->count = sqlite3_column_int64(st, 6);
		e->last_at = sqlite3_column_int64(st, 7);
	}
	if (!oom && rc == SQLITE_ROW)
		rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (!oom && rc == SQLITE_DONE)
		return DB_OK;
	store_audit_list_free(out);
	return DB_ERROR;
}
