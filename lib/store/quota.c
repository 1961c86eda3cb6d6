/* SPDX-License-Identifier: MIT */
/* Bounds on what open registration and peers can add to the database. */
#include <arpa/inet.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "audit.h"
#include "quota.h"
#include "revisions.h"
#include "sql.h"

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

int
quota_int(const struct quota *q, size_t i, const char **key, int64_t *v)
{
	if (i >= NINTS)
		return -1;
	*key = ints[i].key;
	*v = value(q, i);
	return 0;
}

int
quota_from_json(struct json_object *obj, struct quota *q, struct quota_error *err)
{
	struct json_object *v;
	size_t i;

	if (json_object_object_get_ex(obj, "registration", &v)) {
		const char *s = json_object_is_type(v, json_type_string) ?
		                json_object_get_string(v) : NULL;
		for (i = 0; s != NULL && i < sizeof(modes) / sizeof(modes[0]); i++)
			if (strcmp(s, modes[i]) == 0)
				break;
		if (s == NULL || i == sizeof(modes) / sizeof(modes[0])) {
			err->code = "invalid_registration";
			snprintf(err->message, sizeof(err->message), "registration \"%.32s\" must be "
			         "\"open\", \"invite-only\" or \"closed\"", s ? s : "(not a string)");
			return -1;
		}
		q->registration = (enum quota_registration)i;
	}
	for (i = 0; i < NINTS; i++) {
		int64_t n;
		if (!json_object_object_get_ex(obj, ints[i].key, &v))
			continue;
		/* json-c saturates big numbers; the range check below catches it. */
		if (!json_object_is_type(v, json_type_int) ||
		    (n = json_object_get_int64(v)) < ints[i].lo || n > ints[i].hi) {
			err->code = "invalid_field";
			snprintf(err->message, sizeof(err->message), "\"%s\" must be a whole number "
			         "of %s from %lld to %lld", ints[i].key, ints[i].unit,
			         (long long)ints[i].lo, (long long)ints[i].hi);
			return -1;
		}
		*field(q, i) = n;
	}
	return 0;
}

void
quota_audit_limits(const struct quota *q, struct audit_limits *lim)
{
	lim->max_age = q->audit_max_age;
	lim->max_rows = q->audit_max_rows;
	lim->coalesce_window = q->audit_coalesce_window;
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
	struct audit_limits lim;
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
	quota_audit_limits(q, &lim);
	rc = store_audit(&lim, "system", "peer.expire", NULL, detail);
	json_object_put(detail);
	return rc == DB_OK ? DB_OK : DB_ERROR;
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
	if (db_exec_stmt(st) != DB_OK)
		return DB_ERROR;
	/* Its endpoint is in every partner's config. */
	return store_revisions_touch_partners(id);
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
	struct audit_limits lim;
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
	if (quota_get(&q) != DB_OK || quota_expire_pending(&q, now, NULL) != DB_OK)
		goto out;
	quota_audit_limits(&q, &lim);
	if (store_audit_prune(&lim, now) != DB_OK || db_commit() != 0)
		goto out;
	ret = DB_OK;
out:
	db_reset_all();
	db_rollback();
	return ret;
}
