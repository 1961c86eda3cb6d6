/* SPDX-License-Identifier: MIT */
/* The network's settings: one row. */

#include <string.h>

#include "network.h"
#include "sql.h"

int
store_network_get(struct network *n)
{
	static const char sql[] =
		"SELECT ipv4_pool, ipv6_pool, mtu, keepalive, dns, signing_key, mesh_id"
		" FROM network WHERE id = 1";
	sqlite3_stmt *st = db_stmt(sql);
	int rc;

	memset(n, 0, sizeof(*n));
	if (st == NULL)
		return DB_ERROR;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		sql_copy_col(n->ipv4_pool, sizeof(n->ipv4_pool), st, 0);
		sql_copy_col(n->ipv6_pool, sizeof(n->ipv6_pool), st, 1);
		n->mtu = sqlite3_column_int(st, 2);
		n->keepalive = sqlite3_column_int(st, 3);
		sql_copy_col(n->dns, sizeof(n->dns), st, 4);
		sql_copy_col(n->signing_key, sizeof(n->signing_key), st, 5);
		sql_copy_col(n->mesh_id, sizeof(n->mesh_id), st, 6);
	}
	sqlite3_reset(st);
	return rc == SQLITE_ROW ? DB_OK : DB_ERROR;
}
