/* SPDX-License-Identifier: MIT */
/* The audit log, newest first, paged by id. */
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "db.h"
#include "text.h"

#define AUDIT_LIMIT_DEF 50
#define AUDIT_LIMIT_MAX 500

int
api_admin_audit(const struct request *req, struct response *res)
{
	static const char sql[] =
		"SELECT id, at, actor, action, target, detail FROM audit"
		" WHERE id < ?1 ORDER BY id DESC LIMIT ?2";
	const char *v;
	uint64_t limit = AUDIT_LIMIT_DEF, before = INT64_MAX;
	int64_t last = 0;
	struct json_object *arr, *o;
	sqlite3_stmt *st;
	int rc, n = 0;

	if ((v = http_query(req, "limit")) != NULL && text_parse_u64(v, 1, AUDIT_LIMIT_MAX, &limit) != 0)
		return http_error(res, 400, "invalid_limit", "limit must be from 1 to %d", AUDIT_LIMIT_MAX);
	if ((v = http_query(req, "before")) != NULL && text_parse_u64(v, 1, INT64_MAX, &before) != 0)
		return http_error(res, 400, "invalid_before", "before must be an entry id");
	if ((st = db_stmt(sql)) == NULL)
		return api_db_error(res);
	sqlite3_bind_int64(st, 1, (int64_t)before);
	sqlite3_bind_int64(st, 2, (int64_t)limit);
	arr = json_object_new_array();
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *detail = (const char *)sqlite3_column_text(st, 5);
		struct json_object *e = json_object_new_object();
		last = sqlite3_column_int64(st, 0);
		json_object_object_add(e, "id", json_object_new_int64(last));
		json_object_object_add(e, "at", views_time(sqlite3_column_int64(st, 1)));
		json_object_object_add(e, "actor", json_object_new_string((const char *)sqlite3_column_text(st, 2)));
		json_object_object_add(e, "action", json_object_new_string((const char *)sqlite3_column_text(st, 3)));
		json_object_object_add(e, "target", sqlite3_column_type(st, 4) == SQLITE_NULL ? NULL :
		                       json_object_new_string((const char *)sqlite3_column_text(st, 4)));
		json_object_object_add(e, "detail", detail ? json_tokener_parse(detail) : NULL);
		json_object_array_add(arr, e);
		n++;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		json_object_put(arr);
		return api_db_error(res);
	}
	o = json_object_new_object();
	json_object_object_add(o, "entries", arr);
	json_object_object_add(o, "next", (uint64_t)n == limit && last > 1 ? json_object_new_int64(last) : NULL);
	return http_json(res, 200, o);
}
