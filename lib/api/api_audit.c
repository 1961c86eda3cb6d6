/* SPDX-License-Identifier: MIT */
/* The audit log, newest first, paged by id. */
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "text.h"

#define AUDIT_LIMIT_DEF 50
#define AUDIT_LIMIT_MAX 500

int
api_admin_audit(const struct request *req, struct response *res)
{
	const char *v;
	uint64_t limit = AUDIT_LIMIT_DEF, before = INT64_MAX;
	struct json_object *next = NULL;
	struct audit_list l;
	int status;

	if ((v = http_query(req, "limit")) != NULL && text_parse_u64(v, 1, AUDIT_LIMIT_MAX, &limit) != 0)
		return http_error(res, 400, "invalid_limit", "limit must be from 1 to %d", AUDIT_LIMIT_MAX);
	if ((v = http_query(req, "before")) != NULL && text_parse_u64(v, 1, INT64_MAX, &before) != 0)
		return http_error(res, 400, "invalid_before", "before must be an entry id");
	if (store_audit_page((int64_t)before, (size_t)limit, &l) != DB_OK)
		return api_db_error(res);
	/* A full page may have more behind it: the next one starts below its
	 * last id. */
	if (l.n == limit && l.v[l.n - 1].id > 1)
		next = json_object_new_int64(l.v[l.n - 1].id);
	status = http_json(res, 200, views_audit_list(&l, next));
	store_audit_list_free(&l);
	return status;
}
