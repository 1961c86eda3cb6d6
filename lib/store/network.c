/* SPDX-License-Identifier: MIT */
/* The network's settings: one row. */

#include <string.h>

#include "network.h"
#include "revisions.h"
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

/* Who sees a change from old to n: the interface settings are in every
 * config, the signing key in every accepted peer's signature state (a
 * pending one has none to judge), the default keepalive in the links of
 * the peers behind NAT that set none. */
static int
touch_changed(const struct network *old, const struct network *n)
{
	/* The default keepalive: in the links of a peer behind NAT that sets
	 * none of its own. */
	static const char nat_default[] = REVISIONS_TOUCH
		"SELECT id FROM peers WHERE endpoint IS NULL AND keepalive IS NULL"
		" AND id IN (SELECT a FROM pairs UNION SELECT b FROM pairs)";

	if (strcmp(old->signing_key, n->signing_key) != 0 ||
	    strcmp(old->ipv4_pool, n->ipv4_pool) != 0 ||
	    strcmp(old->ipv6_pool, n->ipv6_pool) != 0 ||
	    old->mtu != n->mtu || strcmp(old->dns, n->dns) != 0)
		return store_revisions_touch_accepted();
	if (old->keepalive != n->keepalive)
		return store_revisions_touch_sql(nat_default);
	return DB_OK;
}

int
store_network_put(const struct network *old, const struct network *n)
{
	static const char upd[] =
		"UPDATE network SET ipv4_pool = ?1, ipv6_pool = ?2, mtu = ?3, keepalive = ?4, dns = ?5,"
		" signing_key = ?6 WHERE id = 1";
	/* Dropping the IPv6 pool takes the IPv6 addresses with it. */
	static const char drop6[] = "DELETE FROM addresses WHERE family = 6";
	sqlite3_stmt *st;

	if (n->ipv6_pool[0] == '\0' && old->ipv6_pool[0] != '\0' &&
	    db_exec_stmt(db_stmt(drop6)) != DB_OK)
		return DB_ERROR;
	if ((st = db_stmt(upd)) == NULL)
		return DB_ERROR;
	sqlite3_bind_text(st, 1, n->ipv4_pool, -1, SQLITE_STATIC);
	if (n->ipv6_pool[0] != '\0')
		sqlite3_bind_text(st, 2, n->ipv6_pool, -1, SQLITE_STATIC);
	if (n->mtu > 0)
		sqlite3_bind_int(st, 3, n->mtu);
	sqlite3_bind_int(st, 4, n->keepalive);
	sqlite3_bind_text(st, 5, n->dns, -1, SQLITE_STATIC);
	if (n->signing_key[0] != '\0')
		sqlite3_bind_text(st, 6, n->signing_key, -1, SQLITE_STATIC);
	if (db_exec_stmt(st) != DB_OK)
		return DB_ERROR;
	return touch_changed(old, n);
}
