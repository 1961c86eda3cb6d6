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
		int rc, accepted = 0;

		if (id == NULL || !is_peer_id(id))
			return http_error(res, 400, "invalid_ids", "ids[%zu] is not a peer id", i);
		for (size_t j = 0; j < i; j++)
			if (strcmp(json_object_get_string(json_object_array_get_idx(v, j)), id) == 0)
				return http_error(res, 400, "invalid_ids", "peer %s is listed twice", id);
		rc = store_peer_state(id, &accepted);
		if (rc == DB_NOTFOUND)
			return http_error(res, 404, "peer_not_found", "no peer %s", id);
		if (rc != DB_OK)
			return api_db_error(res);
		if (accepted)
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
	struct strlist ids;

	*out = json_object_new_array();
	if (store_pending_ids(older_than < 0 ? INT64_MAX : store_now() - older_than, pattern,
	                      &ids) != DB_OK)
		return api_db_error(res);
	for (size_t i = 0; i < ids.n; i++)
		json_object_array_add(*out, json_object_new_string(ids.v[i]));
	rows_strlist_free(&ids);
	return 0;
}

int
api_admin_peers_reject(const struct request *req, struct response *res)
{
	struct json_object *v, *ids = NULL, *detail;
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
		if (store_pending_delete(json_object_get_string(json_object_array_get_idx(ids, i)))
		    == DB_ERROR)
			status = api_db_error(res);
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
	return http_json(res, 200, views_rejected(ids));
}
