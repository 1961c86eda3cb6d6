/* SPDX-License-Identifier: MIT */
/* Tunnel addresses and routed networks. */
#include <stdlib.h>
#include <string.h>

#include "addresses.h"
#include "revisions.h"
#include "sql.h"

int
store_addresses_taken(int family, const char *id, struct cidr **out, size_t *n)
{
	static const char sql[] =
		"SELECT address FROM addresses WHERE family = ?1 AND peer_id != ?2";
	sqlite3_stmt *st = db_stmt(sql);
	size_t cap = 0;
	int rc;

	*out = NULL;
	*n = 0;
	if (st == NULL)
		return DB_ERROR;
	sqlite3_bind_int(st, 1, family);
	sqlite3_bind_text(st, 2, id, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (*n == cap) {
			struct cidr *nv = realloc(*out, (cap ? cap * 2 : 64) * sizeof(**out));
			if (nv == NULL)
				break;
			*out = nv;
			cap = cap ? cap * 2 : 64;
		}
		if (ipam_parse(&(*out)[*n], (const char *)sqlite3_column_text(st, 0), true, false) == 0)
			(*n)++;
	}
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? DB_OK : DB_ERROR;
}

#define ADDRESS_PROBES 64       /* taken addresses after the hint looked at, at most */

/* The hint of pool: DB_OK with *low, DB_NOTFOUND when none is for it. */
static int
hint_get(const struct cidr *pool, struct cidr *low)
{
	static const char sql[] = "SELECT low FROM address_hints WHERE family = ?1 AND pool = ?2";
	sqlite3_stmt *st = db_stmt(sql);
	char text[IPAM_STRLEN];
	int rc;

	if (st == NULL)
		return DB_ERROR;
	ipam_format(text, pool, true);
	sqlite3_bind_int(st, 1, pool->family);
	sqlite3_bind_text(st, 2, text, -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW &&
	    ipam_parse(low, (const char *)sqlite3_column_text(st, 0), true, false) != 0)
		rc = SQLITE_DONE;       /* not an address: no hint */
	sqlite3_reset(st);
	return rc == SQLITE_ROW ? DB_OK : rc == SQLITE_DONE ? DB_NOTFOUND : DB_ERROR;
}

/* DB_OK when a holds no peer's address, DB_CONFLICT when one holds it. */
static int
address_free(const struct cidr *a)
{
	static const char sql[] = "SELECT 1 FROM addresses WHERE address = ?1";
	sqlite3_stmt *st = db_stmt(sql);
	char text[IPAM_STRLEN];
	int rc;

	if (st == NULL)
		return DB_ERROR;
	ipam_format(text, a, false);
	sqlite3_bind_text(st, 1, text, -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? DB_OK : rc == SQLITE_ROW ? DB_CONFLICT : DB_ERROR;
}

int
store_address_next(const struct cidr *pool, struct cidr *out)
{
	struct cidr c;
	int rc, probes = 0;

	if ((rc = hint_get(pool, &c)) != DB_OK)
		return rc;
	while (ipam_contains(pool, &c) && probes < ADDRESS_PROBES) {
		if (!ipam_reserved(pool, &c)) {
			if ((rc = address_free(&c)) == DB_OK) {
				*out = c;
				return DB_OK;
			}
			if (rc != DB_CONFLICT)
				return DB_ERROR;
			probes++;
		}
		if (!ipam_increment(&c))
			break;
	}
	return DB_NOTFOUND;
}

int
store_address_hint(const struct cidr *pool, const struct cidr *got)
{
	static const char sql[] =
		"INSERT OR REPLACE INTO address_hints (family, pool, low) VALUES (?1, ?2, ?3)";
	sqlite3_stmt *st = db_stmt(sql);
	char ptext[IPAM_STRLEN], ltext[IPAM_STRLEN];
	struct cidr low = *got;

	if (st == NULL)
		return DB_ERROR;
	/* Past the family's last address: the pool is full, no hint. */
	if (!ipam_increment(&low))
		return DB_OK;
	ipam_format(ptext, pool, true);
	ipam_format(ltext, &low, false);
	sqlite3_bind_int(st, 1, pool->family);
	sqlite3_bind_text(st, 2, ptext, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 3, ltext, -1, SQLITE_TRANSIENT);
	return db_exec_stmt(st);
}

int
store_address_set(const char *id, const struct cidr *a)
{
	/* An upsert on the peer's own row only: OR REPLACE would also resolve a
	 * clash on the UNIQUE address by deleting the other peer's row. */
	static const char sql[] =
		"INSERT INTO addresses (peer_id, family, address) VALUES (?1, ?2, ?3)"
		" ON CONFLICT (peer_id, family) DO UPDATE SET address = excluded.address";
	sqlite3_stmt *st = db_stmt(sql);
	char buf[IPAM_STRLEN];
	int rc;

	if (st == NULL)
		return DB_ERROR;
	ipam_format(buf, a, false);
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 2, a->family);
	sqlite3_bind_text(st, 3, buf, -1, SQLITE_TRANSIENT);
	if ((rc = db_exec_stmt(st)) != DB_OK)
		return rc;
	return store_revisions_touch_partners(id);
}

int
store_addresses_outside(const struct cidr *pool, int family, char what[IPAM_STRLEN],
                        char who[VALIDATE_NAME_MAX + 1])
{
	static const char sql[] =
		"SELECT a.address, p.name FROM addresses a JOIN peers p ON p.id = a.peer_id"
		" WHERE a.family = ?1";
	sqlite3_stmt *st = db_stmt(sql);
	struct cidr c;
	int rc, found = 0;

	if (st == NULL)
		return DB_ERROR;
	sqlite3_bind_int(st, 1, family);
	while (!found && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *a = (const char *)sqlite3_column_text(st, 0);
		if (ipam_parse(&c, a, true, false) == 0 &&
		    (!ipam_contains(pool, &c) || ipam_reserved(pool, &c))) {
			sql_copy_col(what, IPAM_STRLEN, st, 0);
			sql_copy_col(who, VALIDATE_NAME_MAX + 1, st, 1);
			found = 1;
		}
	}
	sqlite3_reset(st);
	if (found)
		return DB_CONFLICT;
	return rc == SQLITE_DONE ? DB_OK : DB_ERROR;
}

int
store_networks_overlap(const struct cidr *nets, size_t n, const char *id, size_t *which,
                       char what[IPAM_STRLEN], char who[VALIDATE_NAME_MAX + 1])
{
	static const char sql[] =
		"SELECT n.cidr, p.name FROM networks n JOIN peers p ON p.id = n.peer_id"
		" WHERE ?1 IS NULL OR n.peer_id != ?1";
	sqlite3_stmt *st = db_stmt(sql);
	int rc, found = 0;

	if (st == NULL)
		return DB_ERROR;
	if (id != NULL)
		sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	while (!found && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct cidr other;
		if (ipam_parse(&other, (const char *)sqlite3_column_text(st, 0), false, false) != 0)
			continue;
		for (size_t i = 0; !found && i < n; i++) {
			if (ipam_overlap(&nets[i], &other)) {
				*which = i;
				sql_copy_col(what, IPAM_STRLEN, st, 0);
				sql_copy_col(who, VALIDATE_NAME_MAX + 1, st, 1);
				found = 1;
			}
		}
	}
	sqlite3_reset(st);
	if (found)
		return DB_CONFLICT;
	return rc == SQLITE_DONE ? DB_OK : DB_ERROR;
}

int
store_networks_set(const char *id, const struct strlist *nets)
{
	static const char del[] = "DELETE FROM networks WHERE peer_id = ?1";
	static const char ins[] =
		"INSERT INTO networks (peer_id, cidr, position) VALUES (?1, ?2, ?3)";
	sqlite3_stmt *st;

	if ((st = db_stmt(del)) == NULL)
		return DB_ERROR;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	if (db_exec_stmt(st) != DB_OK)
		return DB_ERROR;
	for (size_t i = 0; i < nets->n; i++) {
		if ((st = db_stmt(ins)) == NULL)
			return DB_ERROR;
		sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, nets->v[i], -1, SQLITE_STATIC);
		sqlite3_bind_int(st, 3, (int)i);
		if (db_exec_stmt(st) != DB_OK)
			return DB_ERROR;
	}
	return store_revisions_touch_partners(id);
}
