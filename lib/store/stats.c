/* SPDX-License-Identifier: MIT */
/* Counts of what the mesh holds, read in the caller's snapshot. */
#include "sql.h"
#include "stats.h"

/* The single integer a query answers; -1 on error. */
static int64_t
scalar(const char *sql)
{
	sqlite3_stmt *st = db_stmt(sql);
	int64_t v = -1;

	if (st != NULL && sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	if (st != NULL)
		sqlite3_reset(st);
	return v;
}

int
store_stats(struct store_stats *s)
{
	s->pending = scalar("SELECT count(*) FROM peers WHERE state = 'pending'");
	s->accepted = scalar("SELECT count(*) FROM peers WHERE state = 'accepted'");
	s->adoptable = scalar("SELECT count(*) FROM adoptable");
	s->pairs = scalar("SELECT count(*) FROM pairs");
	s->db_bytes = scalar("PRAGMA page_count") * scalar("PRAGMA page_size");
	if (s->pending < 0 || s->accepted < 0 || s->adoptable < 0 || s->pairs < 0 ||
	    s->db_bytes < 0)
		return DB_ERROR;
	return DB_OK;
}

int
store_stats_last_seen_each(store_seen_fn *fn, void *ctx)
{
	static const char sql[] =
		"SELECT id, name, last_seen FROM peers WHERE state = 'accepted'"
		" AND last_seen IS NOT NULL ORDER BY id";
	sqlite3_stmt *st = db_stmt(sql);
	int rc;

	if (st == NULL)
		return DB_ERROR;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		if (fn((const char *)sqlite3_column_text(st, 0),
		       (const char *)sqlite3_column_text(st, 1), sqlite3_column_int64(st, 2), ctx) != 0)
			break;
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? DB_OK : DB_ERROR;
}
