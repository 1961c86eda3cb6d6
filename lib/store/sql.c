/* SPDX-License-Identifier: MIT */
/*
 * What the store's files share and nothing else sees: reading a peer's row,
 * copying a text column, collecting a column of strings.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sql.h"

void
sql_copy_col(char *dst, size_t dstsz, sqlite3_stmt *st, int col)
{
	const unsigned char *t = sqlite3_column_text(st, col);

	snprintf(dst, dstsz, "%s", t ? (const char *)t : "");
}

/* The current row of a SQL_PEER_COLUMNS statement into p (lists left empty).
 * -1 out of memory. */
int
sql_read_peer(struct peer *p, sqlite3_stmt *st)
{
	const unsigned char *state = sqlite3_column_text(st, 2);

	memset(p, 0, sizeof(*p));
	sql_copy_col(p->id, sizeof(p->id), st, 0);
	sql_copy_col(p->name, sizeof(p->name), st, 1);
	p->accepted = state != NULL && strcmp((const char *)state, "accepted") == 0;
	sql_copy_col(p->public_key, sizeof(p->public_key), st, 3);
	sql_copy_col(p->endpoint, sizeof(p->endpoint), st, 4);
	p->listen_port = sqlite3_column_int(st, 5);
	p->keepalive = sqlite3_column_type(st, 6) == SQLITE_NULL ? -1 : sqlite3_column_int(st, 6);
	p->revision = sqlite3_column_int64(st, 7);
	p->created_at = sqlite3_column_int64(st, 8);
	p->last_seen = sqlite3_column_int64(st, 9);
	sql_copy_col(p->pending_key, sizeof(p->pending_key), st, 10);
	sql_copy_col(p->addr4, sizeof(p->addr4), st, 11);
	sql_copy_col(p->addr6, sizeof(p->addr6), st, 12);
	p->signed_version = sqlite3_column_int64(st, 13);
	/* A statement without its signature (or the other way round) is no
	 * signed statement: the peer reads as never signed. */
	if (sqlite3_column_type(st, 14) == SQLITE_TEXT &&
	    sqlite3_column_bytes(st, 15) == KEYS_SIG_LEN) {
		if ((p->statement = strdup((const char *)sqlite3_column_text(st, 14))) == NULL)
			return -1;
		memcpy(p->statement_sig, sqlite3_column_blob(st, 15), KEYS_SIG_LEN);
	}
	return 0;
}

/* The first column of every row of sql, ?1 bound to bind unless NULL. */
int
sql_strings(const char *sql, const char *bind, struct strlist *out)
{
	sqlite3_stmt *st = db_stmt(sql);
	int rc, ret = DB_ERROR;

	if (st == NULL)
		return DB_ERROR;
	if (bind != NULL)
		sqlite3_bind_text(st, 1, bind, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		if (rows_strlist_add(out, (const char *)sqlite3_column_text(st, 0)) != 0)
			goto out;
	if (rc == SQLITE_DONE)
		ret = DB_OK;
out:
	sqlite3_reset(st);
	return ret;
}
