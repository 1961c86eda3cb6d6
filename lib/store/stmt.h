/* SPDX-License-Identifier: MIT */
/*
 * The statement side of the one connection (lib/store/db.c): for lib/store/
 * alone (through sql.h), the only place <sqlite3.h> is included besides the
 * tests.
 */
#ifndef WGCONF_STMT_H
#define WGCONF_STMT_H

#include <sqlite3.h>

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

#endif
