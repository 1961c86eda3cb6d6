/* SPDX-License-Identifier: MIT */
/* The peers a transaction changed, and the one place their revisions move. */
#include <stdlib.h>
#include <string.h>

#include "revisions.h"
#include "sql.h"

static int
touch(const char *sql, const char *id)
{
	sqlite3_stmt *st = db_stmt(sql);

	if (st == NULL)
		return DB_ERROR;
	if (id != NULL)
		sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	return db_exec_stmt(st) == DB_OK ? DB_OK : DB_ERROR;
}

int
store_revisions_touch(const char *id)
{
	return touch(REVISIONS_TOUCH "VALUES (?1)", id);
}

int
store_revisions_touch_partners(const char *id)
{
	return touch(REVISIONS_TOUCH "SELECT ?1 UNION SELECT b FROM pairs WHERE a = ?1"
	             " UNION SELECT a FROM pairs WHERE b = ?1", id);
}

int
store_revisions_touch_accepted(void)
{
	return touch(REVISIONS_TOUCH "SELECT id FROM peers WHERE state = 'accepted'", NULL);
}

int
store_revisions_touch_sql(const char *sql)
{
	return touch(sql, NULL);
}

void
store_revisions_free(struct store_revisions *r)
{
	if (r == NULL)
		return;
	free(r->v);
	r->v = NULL;
	r->n = 0;
}

static int
add(struct store_revisions *out, const char *id, int64_t revision)
{
	struct store_revision *nv;

	if ((out->n & (out->n - 1)) == 0) {     /* 0, 1, 2, 4, ...: grow */
		nv = realloc(out->v, (out->n ? out->n * 2 : 1) * sizeof(*nv));
		if (nv == NULL)
			return -1;
		out->v = nv;
	}
	memset(&out->v[out->n], 0, sizeof(out->v[out->n]));
	strncpy(out->v[out->n].id, id, PEER_ID_LEN - 1);
	out->v[out->n++].revision = revision;
	return 0;
}

/* The stamp itself: the network's counter once, then each touched peer
 * that still exists takes its value. */
static int
stamp(struct store_revisions *out)
{
	static const char inc[] =
		"UPDATE network SET revision = revision + 1 WHERE id = 1"
		" AND EXISTS (SELECT 1 FROM temp.touched)";
	static const char set[] =
		"UPDATE peers SET revision = (SELECT revision FROM network WHERE id = 1)"
		" WHERE id IN (SELECT peer_id FROM temp.touched) RETURNING id, revision";
	sqlite3_stmt *st;
	int rc;

	if (db_exec_stmt(db_stmt(inc)) != DB_OK || (st = db_stmt(set)) == NULL)
		return DB_ERROR;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		if (out != NULL &&
		    add(out, (const char *)sqlite3_column_text(st, 0), sqlite3_column_int64(st, 1)) != 0)
			break;
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? DB_OK : DB_ERROR;
}

static int
by_id(const void *x, const void *y)
{
	return strcmp(((const struct store_revision *)x)->id, ((const struct store_revision *)y)->id);
}

int
store_revisions_commit(struct store_revisions *out)
{
	int rc = stamp(out);

	if (rc == DB_OK)
		rc = touch("DELETE FROM temp.touched", NULL);
	if (rc != DB_OK) {
		store_revisions_free(out);
		return DB_ERROR;
	}
	if (out != NULL && out->n > 1)
		qsort(out->v, out->n, sizeof(*out->v), by_id);
	return DB_OK;
}
