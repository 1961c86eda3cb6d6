/* SPDX-License-Identifier: MIT */
/* The audit log, newest first, paged by id. */
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "db.h"
#include "text.h"

#define AUDIT_LIMIT_DEF 100
#define AUDIT_LIMIT_MAX 1000
#define AUDIT_Q_MAX 64          /* bytes of a search */

static struct json_object *
entry_row(sqlite3_stmt *st)
{
	const char *detail = (const char *)sqlite3_column_text(st, 5);
	struct json_object *e = json_object_new_object();

	json_object_object_add(e, "id", json_object_new_int64(sqlite3_column_int64(st, 0)));
	json_object_object_add(e, "at", views_time(sqlite3_column_int64(st, 1)));
	json_object_object_add(e, "actor", json_object_new_string((const char *)sqlite3_column_text(st, 2)));
	json_object_object_add(e, "action", json_object_new_string((const char *)sqlite3_column_text(st, 3)));
	json_object_object_add(e, "target", sqlite3_column_type(st, 4) == SQLITE_NULL ? NULL :
	                       json_object_new_string((const char *)sqlite3_column_text(st, 4)));
	json_object_object_add(e, "detail", detail ? json_tokener_parse(detail) : NULL);
	/* Repeats within the coalescing window: how many, the last when. */
	json_object_object_add(e, "count", json_object_new_int64(sqlite3_column_int64(st, 6)));
	json_object_object_add(e, "last_at", views_time(sqlite3_column_int64(st, 7)));
	return e;
}

int
api_admin_audit(const struct request *req, struct response *res)
{
	static const char sql[] =
		"SELECT id, at, actor, action, target, detail, count, last_at FROM audit"
		" WHERE id < ?1 AND (?3 IS NULL"
		"  OR instr(lower(actor || ' ' || action || ' ' || coalesce(target, '') || ' ' ||"
		"               coalesce(detail, '')), lower(?3)) > 0"
		"  OR target IN (SELECT id FROM peers WHERE instr(lower(name), lower(?3)) > 0))"
		" ORDER BY id DESC LIMIT ?2";
	const char *v, *q;
	uint64_t limit = AUDIT_LIMIT_DEF, before = INT64_MAX;
	struct json_object *entries, *next = NULL;
	sqlite3_stmt *st;
	size_t n;
	int status;

	if ((v = http_query(req, "limit")) != NULL && text_parse_u64(v, 1, AUDIT_LIMIT_MAX, &limit) != 0)
		return http_error(res, 400, "invalid_limit", "limit must be from 1 to %d", AUDIT_LIMIT_MAX);
	if ((v = http_query(req, "before")) != NULL && text_parse_u64(v, 1, INT64_MAX, &before) != 0)
		return http_error(res, 400, "invalid_before", "before must be an entry id");
	/* ?q=: entries whose actor, action, target, detail or target's name
	 * holds it, ignoring ASCII case. */
	if ((q = http_query(req, "q")) != NULL && (q[0] == '\0' || strlen(q) > AUDIT_Q_MAX))
		return http_error(res, 400, "invalid_q", "q must be 1 to %d bytes", AUDIT_Q_MAX);
	if ((st = db_stmt(sql)) != NULL) {
		sqlite3_bind_int64(st, 1, (int64_t)before);
		sqlite3_bind_int64(st, 2, (int64_t)limit);
		sqlite3_bind_text(st, 3, q, -1, SQLITE_TRANSIENT);
	}
	if ((status = api_answer_rows(st, "entries", entry_row, res)) != 200)
		return status;
	/* A full page may have more behind it: the next one starts below its
	 * last id. */
	json_object_object_get_ex(res->body, "entries", &entries);
	n = json_object_array_length(entries);
	if (n == limit) {
		int64_t last = json_object_get_int64(json_object_object_get(
			json_object_array_get_idx(entries, n - 1), "id"));
		if (last > 1)
			next = json_object_new_int64(last);
	}
	json_object_object_add(res->body, "next", next);
	return status;
}
