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
#include "stmt.h"

/* The columns sql_read_peer() reads, from peers p (addresses joined). */
#define SQL_PEER_COLUMNS \
	"SELECT id, name, state, public_key, endpoint, listen_port, keepalive," \
	" revision, created_at, last_seen, pending_key," \
	" (SELECT address FROM addresses WHERE peer_id = p.id AND family = 4)," \
	" (SELECT address FROM addresses WHERE peer_id = p.id AND family = 6)," \
	" signed_version, statement, statement_sig" \
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
