/* SPDX-License-Identifier: MIT */
/* Bounds on what open registration and peers can add to the database. */
#include <arpa/inet.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "db.h"
#include "quota.h"
#include "store.h"

#define DAY 86400

static const char *const modes[] = { "open", "invite-only", "closed" };

/* Each integer setting: its key, where it lives in struct quota, its range. */
static const struct {
	const char *key;
	size_t off;
	int64_t lo, hi;
	const char *unit;
} ints[] = {
	{ "pending_expire_after", offsetof(struct quota, pending_expire_after), 60,
	  365 * DAY, "seconds" },
	{ "pending_max", offsetof(struct quota, pending_max), 0, 100000, "peers" },
	{ "endpoint_min_interval", offsetof(struct quota, endpoint_min_interval), 0, DAY,
	  "seconds" },
	{ "audit_max_age", offsetof(struct quota, audit_max_age), 3600, 3650 * (int64_t)DAY,
	  "seconds" },
	{ "audit_max_rows", offsetof(struct quota, audit_max_rows), 100, 10000000, "rows" },
	{ "audit_coalesce_window", offsetof(struct quota, audit_coalesce_window), 0, DAY,
	  "seconds" },
	{ "pending_max_per_prefix", offsetof(struct quota, pending_max_per_prefix), 0, 100000,
	  "peers" },
};

#define NINTS (sizeof(ints) / sizeof(ints[0]))

static int64_t *
field(struct quota *q, size_t i)
{
	return (int64_t *)(void *)((char *)q + ints[i].off);
}

static int64_t
value(const struct quota *q, size_t i)
{
	return *(const int64_t *)(const void *)((const char *)q + ints[i].off);
}

const char *
quota_registration_name(enum quota_registration r)
{
	return (unsigned)r < sizeof(modes) / sizeof(modes[0]) ? modes[r] : "open";
}

int
quota_get(struct quota *q)
{
	static const char sql[] =
		"SELECT registration, pending_expire_after, pending_max, endpoint_min_interval,"
		" audit_max_age, audit_max_rows, audit_coalesce_window, pending_max_per_prefix"
		" FROM network WHERE id = 1";
	sqlite3_stmt *st = db_stmt(sql);
	const char *mode;
	int rc;

	memset(q, 0, sizeof(*q));
	if (st == NULL)
		return DB_ERROR;
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		mode = (const char *)sqlite3_column_text(st, 0);
		q->registration = QUOTA_OPEN;
		for (size_t i = 0; mode != NULL && i < sizeof(modes) / sizeof(modes[0]); i++)
			if (strcmp(mode, modes[i]) == 0)
				q->registration = (enum quota_registration)i;
		for (size_t i = 0; i < NINTS; i++)
			*field(q, i) = sqlite3_column_int64(st, (int)i + 1);
	}
	sqlite3_reset(st);
	return rc == SQLITE_ROW ? DB_OK : DB_ERROR;
}

int
quota_put(const struct quota *q)
{
	static const char sql[] =
		"UPDATE network SET registration = ?1, pending_expire_after = ?2, pending_max = ?3,"
		" endpoint_min_interval = ?4, audit_max_age = ?5, audit_max_rows = ?6,"
		" audit_coalesce_window = ?7, pending_max_per_prefix = ?8 WHERE id = 1";
	sqlite3_stmt *st = db_stmt(sql);

	if (st == NULL)
		return DB_ERROR;
	sqlite3_bind_text(st, 1, quota_registration_name(q->registration), -1, SQLITE_STATIC);
	for (size_t i = 0; i < NINTS; i++)
		sqlite3_bind_int64(st, (int)i + 2, value(q, i));
	return db_exec_stmt(st) == DB_OK ? DB_OK : DB_ERROR;
}

void
quota_to_json(const struct quota *q, struct json_object *obj)
{
	json_object_object_add(obj, "registration",
	                       json_object_new_string(quota_registration_name(q->registration)));
	for (size_t i = 0; i < NINTS; i++)
		json_object_object_add(obj, ints[i].key,
		                       json_object_new_int64(value(q, i)));
}

int
quota_from_json(struct json_object *obj, struct quota *q, struct response *res)
{
	struct json_object *v;
	size_t i;

	if (json_object_object_get_ex(obj, "registration", &v)) {
		const char *s = json_object_is_type(v, json_type_string) ?
		                json_object_get_string(v) : NULL;
		for (i = 0; s != NULL && i < sizeof(modes) / sizeof(modes[0]); i++)
			if (strcmp(s, modes[i]) == 0)
				break;
		if (s == NULL || i == sizeof(modes) / sizeof(modes[0]))
			return http_error(res, 400, "invalid_registration", "registration \"%.32s\" "
			                  "must be \"open\", \"invite-only\" or \"closed\"",
			                  s ? s : "(not a string)");
		q->registration = (enum quota_registration)i;
	}
	for (i = 0; i < NINTS; i++) {
		int64_t n;
		if (!json_object_object_get_ex(obj, ints[i].key, &v))
			continue;
		/* json-c saturates big numbers; the range check below catches it. */
		if (!json_object_is_type(v, json_type_int) ||
		    (n = json_object_get_int64(v)) < ints[i].lo || n > ints[i].hi)
			return http_error(res, 400, "invalid_field", "\"%s\" must be a whole number "
			                  "of %s from %lld to %lld", ints[i].key, ints[i].unit,
			                  (long long)ints[i].lo, (long long)ints[i].hi);
		*field(q, i) = n;
	}
	return 0;
}

int
quota_pending_count(int64_t *n)
{
	static const char sql[] = "SELECT count(*) FROM peers WHERE state = 'pending'";
	sqlite3_stmt *st = db_stmt(sql);
	int rc;

	*n = 0;
	if (st == NULL)
		return DB_ERROR;
	if ((rc = sqlite3_step(st)) == SQLITE_ROW)
		*n = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return rc == SQLITE_ROW ? DB_OK : DB_ERROR;
}

int
quota_client_prefix(char out[IPAM_STRLEN], const char *addr)
{
	static const uint8_t mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
	uint8_t a[16];

	if (addr == NULL)
		return -1;
	if (inet_pton(AF_INET, addr, a) == 1) {
		snprintf(out, IPAM_STRLEN, "%u.%u.%u.0/24", a[0], a[1], a[2]);
		return 0;
	}
	if (inet_pton(AF_INET6, addr, a) != 1)
		return -1;
	if (memcmp(a, mapped, sizeof(mapped)) == 0) {
		snprintf(out, IPAM_STRLEN, "%u.%u.%u.0/24", a[12], a[13], a[14]);
		return 0;
	}
	memset(a + 6, 0, 10);
	if (inet_ntop(AF_INET6, a, out, IPAM_STRLEN - 4) == NULL)
		return -1;
	strcat(out, "/48");
	return 0;
}

int
quota_pending_count_from(const char *prefix, int64_t *n)
{
	static const char sql[] =
		"SELECT count(*) FROM peers WHERE state = 'pending' AND registered_from = ?1";
	sqlite3_stmt *st = db_stmt(sql);
	int rc;

	*n = 0;
	if (st == NULL)
		return DB_ERROR;
	sqlite3_bind_text(st, 1, prefix, -1, SQLITE_STATIC);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW)
		*n = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return rc == SQLITE_ROW ? DB_OK : DB_ERROR;
}

int
quota_pending_from_set(const char *id, const char *prefix)
{
	static const char sql[] = "UPDATE peers SET registered_from = ?2 WHERE id = ?1";
	sqlite3_stmt *st = db_stmt(sql);

	if (st == NULL)
		return DB_ERROR;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, prefix, -1, SQLITE_STATIC);
	return db_exec_stmt(st) == DB_OK ? DB_OK : DB_ERROR;
}

int
quota_expire_pending(const struct quota *q, int64_t now, int *n)
{
	static const char sql[] =
		"DELETE FROM peers WHERE state = 'pending' AND created_at < ?1";
	struct json_object *detail;
	sqlite3_stmt *st = db_stmt(sql);
	int gone, rc;

	if (n != NULL)
		*n = 0;
	if (st == NULL)
		return DB_ERROR;
	/* A pending peer has no pairs and no addresses: nobody's view changes. */
	sqlite3_bind_int64(st, 1, now - q->pending_expire_after);
	if (db_exec_stmt(st) != DB_OK)
		return DB_ERROR;
	if ((gone = db_changes()) == 0)
		return DB_OK;
	if (n != NULL)
		*n = gone;
	detail = json_object_new_object();
	json_object_object_add(detail, "count", json_object_new_int(gone));
	json_object_object_add(detail, "older_than", json_object_new_int64(q->pending_expire_after));
	rc = store_audit("system", "peer.expire", NULL, detail);
	json_object_put(detail);
	return rc == DB_OK ? DB_OK : DB_ERROR;
}

int
quota_audit_repeat(const struct quota *q, const char *actor, const char *action,
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

	if (q->audit_coalesce_window <= 0)
		return DB_NOTFOUND;
	if ((st = db_stmt(find)) == NULL)
		return DB_ERROR;
	sqlite3_bind_text(st, 1, actor, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, action, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, now - q->audit_coalesce_window);
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

int
quota_audit_latest(const struct quota *q, const char *actor, const char *action,
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

	if (q->audit_coalesce_window <= 0)
		return DB_NOTFOUND;
	if ((st = db_stmt(find)) == NULL)
		return DB_ERROR;
	sqlite3_bind_text(st, 1, actor, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, action, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, now - q->audit_coalesce_window);
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
quota_prune_audit(const struct quota *q, int64_t now)
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
	sqlite3_bind_int64(st, 1, q->audit_max_rows);
	if (db_exec_stmt(st) != DB_OK || (st = db_stmt(by_age)) == NULL)
		return DB_ERROR;
	sqlite3_bind_int64(st, 1, now - q->audit_max_age);
	return db_exec_stmt(st) == DB_OK ? DB_OK : DB_ERROR;
}

int
quota_endpoint_allowed(const struct quota *q, const char *id, int64_t now,
                       int64_t *retry_after)
{
	static const char sql[] = "SELECT endpoint_at FROM peers WHERE id = ?1";
	sqlite3_stmt *st = db_stmt(sql);
	int64_t at = 0;
	int rc, isnull = 1;

	*retry_after = 0;
	if (st == NULL)
		return DB_ERROR;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		isnull = sqlite3_column_type(st, 0) == SQLITE_NULL;
		at = sqlite3_column_int64(st, 0);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_ROW)
		return rc == SQLITE_DONE ? DB_NOTFOUND : DB_ERROR;
	/* A clock set back must not lock a peer out: at in the future is "now". */
	if (isnull || q->endpoint_min_interval <= 0 || now - at >= q->endpoint_min_interval ||
	    at > now + q->endpoint_min_interval)
		return DB_OK;
	*retry_after = q->endpoint_min_interval - (now - at);
	return DB_CONFLICT;
}

int
quota_endpoint_set(const char *id, const char *endpoint, int64_t now)
{
	static const char sql[] =
		"UPDATE peers SET endpoint = ?2, endpoint_at = ?3 WHERE id = ?1";
	sqlite3_stmt *st = db_stmt(sql);

	if (st == NULL)
		return DB_ERROR;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	if (endpoint != NULL && endpoint[0] != '\0')
		sqlite3_bind_text(st, 2, endpoint, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, now);
	return db_exec_stmt(st) == DB_OK ? DB_OK : DB_ERROR;
}

/* Is anything due? Reads only: two index seeks and a max(). */
static int
housekeeping_due(const struct quota *q, int64_t now)
{
	static const char sql[] =
		"SELECT EXISTS (SELECT 1 FROM peers WHERE state = 'pending' AND created_at < ?1)"
		" OR EXISTS (SELECT 1 FROM audit WHERE at < ?2)"
		" OR EXISTS (SELECT 1 FROM audit WHERE id <= (SELECT max(id) FROM audit) - ?3"
		"  AND substr(actor, 1, 6) <> 'admin:')";
	sqlite3_stmt *st = db_stmt(sql);
	int due = -1;

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, now - q->pending_expire_after);
	sqlite3_bind_int64(st, 2, now - q->audit_max_age);
	sqlite3_bind_int64(st, 3, q->audit_max_rows);
	if (sqlite3_step(st) == SQLITE_ROW)
		due = sqlite3_column_int(st, 0) != 0;
	sqlite3_reset(st);
	return due;
}

int
quota_housekeep(int64_t now)
{
	struct quota q;
	int due, ret = DB_ERROR;

	if (quota_get(&q) != DB_OK || (due = housekeeping_due(&q, now)) < 0)
		goto out;
	if (due == 0) {
		ret = DB_OK;
		goto out;
	}
	if (db_begin() != 0)
		goto out;
	/* Read again under the write lock: an admin may have changed them. */
	if (quota_get(&q) != DB_OK || quota_expire_pending(&q, now, NULL) != DB_OK ||
	    quota_prune_audit(&q, now) != DB_OK || db_commit() != 0)
		goto out;
	ret = DB_OK;
out:
	db_reset_all();
	db_rollback();
	return ret;
}
