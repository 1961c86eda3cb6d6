/* SPDX-License-Identifier: MIT */
/*
 * Bulk reject: clearing a flood of junk registrations in one call, by id
 * list, by age, by name pattern (glob), or by age and pattern together.
 * Pending peers only; an accepted peer is never touched.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "api.h"
#include "db.h"
#include "text.h"

#define REJECT_IDS_MAX     1024
#define REJECT_AGE_MAX     (3650LL * 86400)
#define REJECT_PATTERN_MAX 64

/* A peer id as the server makes them: 16 lower-case hex digits. */
static int
is_peer_id(const char *s)
{
	return strlen(s) == PEER_ID_LEN - 1 && strspn(s, "0123456789abcdef") == PEER_ID_LEN - 1;
}

/* The ids array: 1..REJECT_IDS_MAX distinct ids, each a pending peer; into
 * out (a new array, caller owns). 0, or 400/404/409 in res. */
static int
ids_field(struct json_object *v, struct json_object **out, struct response *res)
{
	static const char sql[] = "SELECT state FROM peers WHERE id = ?1";
	size_t n;

	*out = NULL;
	if (!json_object_is_type(v, json_type_array) || (n = json_object_array_length(v)) == 0 ||
	    n > REJECT_IDS_MAX)
		return http_error(res, 400, "invalid_ids", "ids must be a list of 1 to %d peer ids",
		                  REJECT_IDS_MAX);
	*out = json_object_new_array();
	for (size_t i = 0; i < n; i++) {
		struct json_object *e = json_object_array_get_idx(v, i);
		const char *id = json_object_is_type(e, json_type_string) ?
		                 json_object_get_string(e) : NULL;
		sqlite3_stmt *st;
		int rc, pending = 0;

		if (id == NULL || !is_peer_id(id))
			return http_error(res, 400, "invalid_ids", "ids[%zu] is not a peer id", i);
		for (size_t j = 0; j < i; j++)
			if (strcmp(json_object_get_string(json_object_array_get_idx(v, j)), id) == 0)
				return http_error(res, 400, "invalid_ids", "peer %s is listed twice", id);
		if ((st = db_stmt(sql)) == NULL)
			return api_db_error(res);
		sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
		if ((rc = sqlite3_step(st)) == SQLITE_ROW)
			pending = strcmp((const char *)sqlite3_column_text(st, 0), "pending") == 0;
		sqlite3_reset(st);
		if (rc == SQLITE_DONE)
			return http_error(res, 404, "peer_not_found", "no peer %s", id);
		if (rc != SQLITE_ROW)
			return api_db_error(res);
		if (!pending)
			return http_error(res, 409, "not_pending",
			                  "peer %s is accepted: delete it instead", id);
		json_object_array_add(*out, json_object_new_string(id));
	}
	return 0;
}

/* The pending peers older than older_than seconds (-1: any age) whose name
 * matches pattern (NULL: any), oldest first, into out (caller owns). */
static int
select_pending(int64_t older_than, const char *pattern, struct json_object **out,
               struct response *res)
{
	static const char sql[] =
		"SELECT id FROM peers WHERE state = 'pending' AND created_at <= ?1"
		" AND name GLOB ?2 ORDER BY created_at, id";
	sqlite3_stmt *st;
	int rc;

	*out = json_object_new_array();
	if ((st = db_stmt(sql)) == NULL)
		return api_db_error(res);
	sqlite3_bind_int64(st, 1, older_than < 0 ? INT64_MAX : store_now() - older_than);
	sqlite3_bind_text(st, 2, pattern ? pattern : "*", -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		json_object_array_add(*out, json_object_new_string(
		                      (const char *)sqlite3_column_text(st, 0)));
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : api_db_error(res);
}

int
api_admin_peers_reject(const struct request *req, struct response *res)
{
	static const char del[] = "DELETE FROM peers WHERE id = ?1 AND state = 'pending'";
	struct json_object *v, *ids = NULL, *detail, *o;
	const char *pattern = NULL;
	int64_t older_than = -1;
	size_t n;
	int status = 0, by_ids;

	by_ids = json_object_object_get_ex(req->json, "ids", &v);
	if (by_ids && (json_object_object_get_ex(req->json, "older_than", NULL) ||
	               json_object_object_get_ex(req->json, "name_pattern", NULL)))
		return http_error(res, 400, "invalid_field", "give either ids, or older_than "
		                  "and/or name_pattern, not both");
	if (json_object_object_get_ex(req->json, "older_than", &v) &&
	    (!json_object_is_type(v, json_type_int) || (older_than = json_object_get_int64(v)) < 0 ||
	     older_than > REJECT_AGE_MAX))
		return http_error(res, 400, "invalid_older_than", "older_than must be a whole "
		                  "number of seconds from 0 to %lld", REJECT_AGE_MAX);
	if (json_object_object_get_ex(req->json, "name_pattern", &v)) {
		pattern = json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
		if (pattern == NULL || !text_in_class(pattern, 1, REJECT_PATTERN_MAX, ".-_*?[]^"))
			return http_error(res, 400, "invalid_name_pattern", "name_pattern must be a "
			                  "glob of 1 to %d name characters, '*', '?' and [...]",
			                  REJECT_PATTERN_MAX);
	}
	if (!by_ids && older_than < 0 && pattern == NULL)
		return http_error(res, 400, "missing_field",
		                  "say which: ids, older_than or name_pattern");

	if (by_ids) {
		json_object_object_get_ex(req->json, "ids", &v);
		status = ids_field(v, &ids, res);
	} else {
		status = select_pending(older_than, pattern, &ids, res);
	}
	n = ids != NULL ? json_object_array_length(ids) : 0;
	for (size_t i = 0; status == 0 && i < n; i++) {
		/* A pending peer has no pairs and no addresses: nobody's view
		 * changes, no revision to stamp. */
		sqlite3_stmt *st = db_stmt(del);
		if (st == NULL)
			status = api_db_error(res);
		else {
			sqlite3_bind_text(st, 1, json_object_get_string(json_object_array_get_idx(ids, i)),
			                  -1, SQLITE_TRANSIENT);
			if (db_exec_stmt(st) != DB_OK)
				status = api_db_error(res);
		}
	}
	if (status != 0) {
		json_object_put(ids);
		return status;
	}
	if (n > 0) {
		detail = json_object_new_object();
		json_object_object_add(detail, "count", json_object_new_int64((int64_t)n));
		if (older_than >= 0)
			json_object_object_add(detail, "older_than", json_object_new_int64(older_than));
		if (pattern != NULL)
			json_object_object_add(detail, "name_pattern", json_object_new_string(pattern));
		json_object_object_add(detail, "ids", json_object_get(ids));
		api_log(res, "peers.reject", NULL, detail, NULL);
	}
	o = json_object_new_object();
	json_object_object_add(o, "count", json_object_new_int64((int64_t)n));
	json_object_object_add(o, "rejected", ids);
	return http_json(res, 200, o);
}
