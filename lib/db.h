/* SPDX-License-Identifier: MIT */
#ifndef WGCONF_DB_H
#define WGCONF_DB_H

#include <sqlite3.h>

#define DB_OK        0
#define DB_ERROR    -1
#define DB_NOTFOUND -2
#define DB_CONFLICT -3          /* a UNIQUE or CHECK constraint said no */

#define DB_SCHEMA_VERSION 8

/* Opens (creating and migrating as needed) the process-wide database: WAL,
 * busy timeout, foreign keys. 0 or -1; the reason goes to stderr. */
int db_open(const char *path);

/* Finalizes every cached statement and closes; safe to call twice. */
void db_close(void);

/* A prepared statement for a static SQL string, cached for the life of the
 * process and handed out reset with cleared bindings. The cache owns it: do
 * not finalize. NULL on a prepare error (logged). */
sqlite3_stmt *db_stmt(const char *sql);

/* The schema version the open database is at. */
int db_version(void);

/* BEGIN IMMEDIATE: the write lock is taken up front, so two responders never
 * deadlock upgrading a read lock. 0 or -1. */
int db_begin(void);
/* BEGIN (deferred): the first read takes a snapshot that every later read
 * of the transaction sees, whatever other processes commit meanwhile. */
int db_begin_read(void);
int db_commit(void);
/* True while a transaction is open. */
int db_in_transaction(void);
/* Rolls back if a transaction is open; a no-op otherwise. */
void db_rollback(void);

/* Resets every statement still stepping, so no read transaction outlives the
 * request that started it (it would pin the WAL and block checkpoints). */
void db_reset_all(void);

/* 0 when a trivial read works (for /health). */
int db_ping(void);

/* Runs one statement to completion (for writes, which need an open
 * transaction: DB_ERROR without one). DB_OK, DB_CONFLICT, DB_ERROR. */
int db_exec_stmt(sqlite3_stmt *st);

/* Rows changed by the last statement. */
int db_changes(void);

/* The underlying handle (tests use it to poke at rows). */
sqlite3 *db_handle(void);

#endif
