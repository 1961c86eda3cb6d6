/* SPDX-License-Identifier: MIT */
/*
 * The store's own helpers (lib/store/sql.c): only lib/store/ includes this,
 * and with it <sqlite3.h>.
 */
#ifndef WGCONF_SQL_H
#define WGCONF_SQL_H

#include <stddef.h>
#include <sqlite3.h>

#include "db.h"
#include "rows.h"

/* The statement side of lib/store/db.c. */

/* A prepared statement for a static SQL string, cached for the life of the
 * process and handed out reset with cleared bindings. The cache owns it: do
 * not finalize. NULL on a prepare error (logged). */
sqlite3_stmt *db_stmt(const char *sql);

/* Runs one statement to completion (for writes, which need an open
 * transaction: DB_ERROR without one). DB_OK, DB_CONFLICT, DB_ERROR. */
int db_exec_stmt(sqlite3_stmt *st);

/* Rows changed by the last statement. */
int db_changes(void);

/* The SQL that migrates a database from version to - 1 to version to (2 to
 * DB_SCHEMA_VERSION), or NULL: the schema's history, for tests. */
const char *db_migration(int to);

/* The connection itself: for the blob I/O of kept configs, and for tests
 * that look at rows. */
sqlite3 *db_handle(void);

/* The columns sql_read_peer() reads, from peers p (addresses joined). */
#define SQL_PEER_COLUMNS \
	"SELECT id, name, state, public_key, endpoint, listen_port, keepalive," \
	" revision, created_at, last_seen, pending_key," \
	" (SELECT address FROM addresses WHERE peer_id = p.id AND family = 4)," \
	" (SELECT address FROM addresses WHERE peer_id = p.id AND family = 6)," \
	" signed_version, statement, statement_sig, disabled_at, expires_at" \
	" FROM peers p"

/* Column col of st's current row as text into dst ("" for NULL). */
void sql_copy_col(char *dst, size_t dstsz, sqlite3_stmt *st, int col);

/* The current row of a SQL_PEER_COLUMNS statement into p (lists left
 * empty). -1 out of memory. */
int sql_read_peer(struct peer *p, sqlite3_stmt *st);

/* The first column of every row of sql, ?1 bound to bind unless NULL,
 * appended to out. DB_OK or DB_ERROR. */
int sql_strings(const char *sql, const char *bind, struct strlist *out);

#endif
