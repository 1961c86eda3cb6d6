/* SPDX-License-Identifier: MIT */
/* The audit log: who did what, appended in the write it records. */

#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "sql.h"

/* Counts a repeat of an event: when the same actor did the same action on
 * the same target with the same detail (text or NULL) less than the
 * coalescing window ago, that row's count goes up and its last_at becomes
 * now: DB_OK. DB_NOTFOUND when there is no such row (the caller inserts
 * one). */
static int
repeat(const struct audit_limits *lim, const char *actor, const char *action,
       const char *target, const char *detail, int64_t now)
{
	static const char find[] =
		"SELECT id FROM audit WHERE actor = ?1 AND action = ?2 AND at >= ?3"
		" AND target IS ?4 AND detail IS ?5 ORDER BY id DESC LIMIT 1";
	static const char bump[] =
		"UPDATE audit SET count = count + 1, last_at = ?2 WHERE id = ?1";
	sqlite3_stmt *st;
	int64_t id = 0;
	int rc;

	if (lim->coalesce_window <= 0)
		return DB_NOTFOUND;
	if ((st = db_stmt(find)) == NULL)
		return DB_ERROR;
	sqlite3_bind_text(st, 1, actor, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, action, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, now - lim->coalesce_window);
	if (target != NULL)
		sqlite3_bind_text(st, 4, target, -1, SQLITE_STATIC);
	if (detail != NULL)
		sqlite3_bind_text(st, 5, detail, -1, SQLITE_STATIC);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW)
		id = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	if (rc == SQLITE_DONE)
		return DB_NOTFOUND;
	if (rc != SQLITE_ROW || (st = db_stmt(bump)) == NULL)
		return DB_ERROR;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, now);
	return db_exec_stmt(st) == DB_OK ? DB_OK : DB_ERROR;
}

/* Like repeat(), for an event whose detail is the latest value of something
 * (the key a peer asks to rotate to): a row of the same actor, action and
 * target within the window counts it whatever its detail, and takes detail
 * as its own. DB_OK, DB_NOTFOUND, DB_ERROR. */
static int
latest(const struct audit_limits *lim, const char *actor, const char *action,
       const char *target, const char *detail, int64_t now)
{
	static const char find[] =
		"SELECT id FROM audit WHERE actor = ?1 AND action = ?2 AND at >= ?3"
		" AND target IS ?4 ORDER BY id DESC LIMIT 1";
	static const char bump[] =
		"UPDATE audit SET count = count + 1, last_at = ?2, detail = ?3 WHERE id = ?1";
	sqlite3_stmt *st;
	int64_t id = 0;
	int rc;

	if (lim->coalesce_window <= 0)
		return DB_NOTFOUND;
	if ((st = db_stmt(find)) == NULL)
		return DB_ERROR;
	sqlite3_bind_text(st, 1, actor, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, action, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, now - lim->coalesce_window);
	if (target != NULL)
		sqlite3_bind_text(st, 4, target, -1, SQLITE_STATIC);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW)
		id = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	if (rc == SQLITE_DONE)
		return DB_NOTFOUND;
	if (rc != SQLITE_ROW || (st = db_stmt(bump)) == NULL)
		return DB_ERROR;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, now);
	if (detail != NULL)
		sqlite3_bind_text(st, 3, detail, -1, SQLITE_TRANSIENT);
	return db_exec_stmt(st) == DB_OK ? DB_OK : DB_ERROR;
}

int
store_audit_prune(const struct audit_limits *lim, int64_t now)
{
	/* Ids only grow (AUTOINCREMENT): all but the newest N rows are those
	 * at least N below the largest id, a range of the table's own b-tree.
	 * An admin's entries are not pruned for room, only by age: no flood of
	 * registrations can push the record of what admins did out of the log
	 * (and admins are few, so what stays below the range is small). */
	static const char by_rows[] =
		"DELETE FROM audit WHERE id <= (SELECT max(id) FROM audit) - ?1"
		" AND substr(actor, 1, 6) <> 'admin:'";
	static const char by_age[] = "DELETE FROM audit WHERE at < ?1";
	sqlite3_stmt *st;

	if ((st = db_stmt(by_rows)) == NULL)
		return DB_ERROR;
	sqlite3_bind_int64(st, 1, lim->max_rows);
	if (db_exec_stmt(st) != DB_OK || (st = db_stmt(by_age)) == NULL)
		return DB_ERROR;
	sqlite3_bind_int64(st, 1, now - lim->max_age);
	return db_exec_stmt(st) == DB_OK ? DB_OK : DB_ERROR;
}

int
store_audit(const struct audit_limits *lim, const char *actor, const char *action,
            const char *target, struct json_object *detail)
{
	static const char sql[] =
		"INSERT INTO audit (at, actor, action, target, detail) VALUES (?1, ?2, ?3, ?4, ?5)";
	const char *text = detail != NULL ?
		json_object_to_json_string_ext(detail, JSON_C_TO_STRING_PLAIN) : NULL;
	int64_t now = store_now();
	sqlite3_stmt *st;
	int rc;

	/* A repeat of an event within the window counts on its row: a flood
	 * of identical events is one row, not one each. A peer asking for
	 * one new key after another is one row too, naming the latest. */
	rc = strcmp(action, "peer.key_request") == 0 ?
	     latest(lim, actor, action, target, text, now) :
	     repeat(lim, actor, action, target, text, now);
	if (rc != DB_NOTFOUND)
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
	return store_audit_prune(lim, now) == DB_OK ? DB_OK : DB_ERROR;
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
