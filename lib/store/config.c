/* SPDX-License-Identifier: MIT */
/* Configs kept per peer and revision: built once, sent as they are. */

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "sql.h"

/*
 * Kept bodies go in and out through SQLite's incremental blob I/O: a plain
 * column read assembles a 3.5 MB body in a buffer of SQLite's before it is
 * copied, and a plain insert copies it into a record first. Either way the
 * responder held twice the body; this way it holds it once.
 */
int
store_config_cached(const char *id, int64_t revision, int format, char **body, size_t *len)
{
	static const char sql[] =
		"SELECT rowid, length(body) FROM config_cache"
		" WHERE peer_id = ?1 AND revision = ?2 AND format = ?3";
	sqlite3_stmt *st = db_stmt(sql);
	sqlite3_blob *blob = NULL;
	sqlite3_int64 rowid = 0;
	size_t n = 0;
	int rc, ret = DB_ERROR;

	*body = NULL;
	*len = 0;
	if (st == NULL)
		return DB_ERROR;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, revision);
	sqlite3_bind_int(st, 3, format);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		rowid = sqlite3_column_int64(st, 0);
		n = (size_t)sqlite3_column_int64(st, 1);
	}
	sqlite3_reset(st);
	if (rc == SQLITE_DONE)
		return DB_NOTFOUND;
	if (rc != SQLITE_ROW || n > INT_MAX)
		return DB_ERROR;
	if ((*body = malloc(n + 1)) == NULL)
		return DB_ERROR;
	if (sqlite3_blob_open(db_handle(), "main", "config_cache", "body", rowid, 0, &blob) ==
	    SQLITE_OK && (size_t)sqlite3_blob_bytes(blob) == n &&
	    (n == 0 || sqlite3_blob_read(blob, *body, (int)n, 0) == SQLITE_OK)) {
		(*body)[n] = '\0';
		*len = n;
		ret = DB_OK;
	}
	sqlite3_blob_close(blob);
	if (ret != DB_OK) {
		free(*body);
		*body = NULL;
	}
	return ret;
}

int
store_config_keep(const char *id, int64_t revision, int format, const char *body, size_t len)
{
	/* The guard on the peer's current revision: a responder that built
	 * from an older snapshot must not overwrite a newer body. The new row
	 * is made with room for the body (a zeroblob, which SQLite writes
	 * without making it in memory: an upsert would), then filled. */
	static const char cur[] = "SELECT revision FROM peers WHERE id = ?1";
	static const char del[] = "DELETE FROM config_cache WHERE peer_id = ?1";
	static const char ins[] =
		"INSERT INTO config_cache (peer_id, revision, format, body) VALUES (?1, ?2, ?3, ?4)";
	sqlite3_stmt *st = db_stmt(cur);
	sqlite3_blob *blob = NULL;
	int rc;

	if (st == NULL || len > INT_MAX)
		return DB_ERROR;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW && sqlite3_column_int64(st, 0) != revision)
		rc = SQLITE_DONE;
	sqlite3_reset(st);
	if (rc == SQLITE_DONE)
		return DB_OK;           /* the peer moved on (or is gone) */
	if (rc != SQLITE_ROW || (st = db_stmt(del)) == NULL)
		return DB_ERROR;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	if (db_exec_stmt(st) != DB_OK || (st = db_stmt(ins)) == NULL)
		return DB_ERROR;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, revision);
	sqlite3_bind_int(st, 3, format);
	sqlite3_bind_zeroblob64(st, 4, (sqlite3_uint64)len);
	if (db_exec_stmt(st) != DB_OK)
		return DB_ERROR;
	rc = sqlite3_blob_open(db_handle(), "main", "config_cache", "body",
	                       sqlite3_last_insert_rowid(db_handle()), 1, &blob);
	if (rc == SQLITE_OK && len > 0)
		rc = sqlite3_blob_write(blob, body, (int)len, 0);
	sqlite3_blob_close(blob);
	return rc == SQLITE_OK ? DB_OK : DB_ERROR;
}
