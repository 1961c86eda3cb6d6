/* SPDX-License-Identifier: MIT */
#ifndef WGCONF_DB_H
#define WGCONF_DB_H

#include "result.h"

#define DB_SCHEMA_VERSION 13

/* Opens (creating and migrating as needed) the process-wide database: WAL,
 * busy timeout, foreign keys. 0 or -1; the reason goes to stderr. */
int db_open(const char *path);

/* Finalizes every cached statement and closes; safe to call twice. */
void db_close(void);

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


#endif
