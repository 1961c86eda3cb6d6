/* SPDX-License-Identifier: MIT */
/* The links of a config: the other ends of a peer's pairs, as it sees them. */

#include <stdlib.h>
#include <string.h>

#include "links.h"
#include "sql.h"

/*
 * Two statements whatever the peer count: the other ends with their
 * addresses and the box sealed to id, then all their routed networks,
 * both ordered by the other end's id and merged here. Per-peer lookups
 * cost a B-tree descent (and, outside one transaction, a lock) each: at
 * 1,000 pairs that was 4,000 statements for one config.
 */
/*
 * The other ends of id's pairs with their addresses and the box sealed to
 * id; and their routed networks. Both ordered by the other end's id, which
 * the indexes give as they are walked (the pairs' key (a, b) and (b, a)):
 * a merge of two ordered halves, no sort, so a hub's 10,000 links are
 * never held in a sorter.
 */
#define LINK_HALF(other, self, box) \
	"SELECT l." other ", p.name, p.state, p.public_key, p.endpoint, p.listen_port," \
	" p.keepalive, p.revision, p.created_at, p.last_seen, p.pending_key, a4.address," \
	" a6.address, p.signed_version, p.statement, p.statement_sig, " SQL_PEER_RELAY "," \
	" p.relay_refused, p.disabled_at, p.expires_at, l." box \
	" FROM pairs l JOIN peers p ON p.id = l." other \
	" LEFT JOIN addresses a4 ON a4.peer_id = p.id AND a4.family = 4" \
	" LEFT JOIN addresses a6 ON a6.peer_id = p.id AND a6.family = 6" \
	" WHERE l." self " = ?1 AND p.state = 'accepted' AND p.disabled_at IS NULL" \
	" AND l.via IS NULL" \
	" AND NOT EXISTS (SELECT 1 FROM devices d WHERE d.peer_id = p.id AND d.gateway IS NOT ?1)"
static const char links_sql[] =
	LINK_HALF("b", "a", "psk_box_a") " UNION ALL " LINK_HALF("a", "b", "psk_box_b")
	" ORDER BY 1";
#define NETS_HALF(other, self) \
	"SELECT l." other ", n.cidr, n.position FROM pairs l" \
	" JOIN networks n ON n.peer_id = l." other " WHERE l." self " = ?1 AND l.via IS NULL"
static const char links_nets_sql[] =
	NETS_HALF("b", "a") " UNION ALL " NETS_HALF("a", "b") " ORDER BY 1, 3";

#define LINK_BOX_COL 20    /* after the SQL_PEER_COLUMNS ones */

/* The current row of links_sql into l. -1 out of memory. */
static int
read_link_row(struct link *l, sqlite3_stmt *st)
{
	memset(l, 0, sizeof(*l));
	if (sql_read_peer(&l->other, st) != 0)
		return -1;
	l->boxlen = sqlite3_column_bytes(st, LINK_BOX_COL);
	if (l->boxlen == KEYS_SEALED_LEN || l->boxlen == KEYS_BOX_LEN)
		memcpy(l->box, sqlite3_column_blob(st, LINK_BOX_COL), (size_t)l->boxlen);
	else
		l->boxlen = 0;
	return 0;
}

/*
 * The partners id reaches through a relay (pairs.via), each with its
 * networks, ordered by the relay's id, then theirs: few (only pairs with no
 * direct path), so loaded whole and handed to the relay's link.
 */
#define RELAYED_HALF(other, self) \
	"SELECT p.id, p.name, p.state, p.public_key, p.endpoint, p.listen_port," \
	" p.keepalive, p.revision, p.created_at, p.last_seen, p.pending_key," \
	" (SELECT address FROM addresses WHERE peer_id = p.id AND family = 4)," \
	" (SELECT address FROM addresses WHERE peer_id = p.id AND family = 6)," \
	" p.signed_version, p.statement, p.statement_sig, " SQL_PEER_RELAY ", p.relay_refused," \
	" p.disabled_at, p.expires_at, l.via" \
	" FROM pairs l JOIN peers p ON p.id = l." other \
	" WHERE l." self " = ?1 AND l.via IS NOT NULL AND p.state = 'accepted'" \
	" AND p.disabled_at IS NULL"
static const char relayed_sql[] =
	RELAYED_HALF("b", "a") " UNION ALL " RELAYED_HALF("a", "b") " ORDER BY 21, 1";
#define RELAYED_VIA_COL 20

struct relayed {
	struct peer_list peers;
	struct strlist via;             /* via.v[i] is peers.v[i]'s relay */
};

static void
relayed_free(struct relayed *r)
{
	rows_peer_list_free(&r->peers);
	rows_strlist_free(&r->via);
}

static int
relayed_load(const char *id, struct relayed *r)
{
	static const char nets[] = "SELECT cidr FROM networks WHERE peer_id = ?1 ORDER BY position";
	sqlite3_stmt *st = db_stmt(relayed_sql);
	struct peer *v;
	int rc = SQLITE_ERROR;

	memset(r, 0, sizeof(*r));
	if (st == NULL)
		return DB_ERROR;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if ((v = realloc(r->peers.v, (r->peers.n + 1) * sizeof(*v))) == NULL)
			break;
		r->peers.v = v;
		if (sql_read_peer(&v[r->peers.n], st) != 0)
			break;
		r->peers.n++;
		if (rows_strlist_add(&r->via, (const char *)sqlite3_column_text(st, RELAYED_VIA_COL)) != 0)
			break;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return DB_ERROR;
	for (size_t i = 0; i < r->peers.n; i++)
		if (sql_strings(nets, r->peers.v[i].id, &r->peers.v[i].networks) != DB_OK)
			return DB_ERROR;
	return DB_OK;
}

/* The partners of r reached through relay, into l. */
static void
relayed_for(const struct relayed *r, const char *relay, struct link *l)
{
	size_t i = 0;

	l->relayed = NULL;
	l->n_relayed = 0;
	while (i < r->via.n && strcmp(r->via.v[i], relay) != 0)
		i++;
	if (i == r->via.n)
		return;
	l->relayed = &r->peers.v[i];
	while (i + l->n_relayed < r->via.n && strcmp(r->via.v[i + l->n_relayed], relay) == 0)
		l->n_relayed++;
}

int
store_links_each(const char *id, store_link_fn *fn, void *ctx)
{
	sqlite3_stmt *st = db_stmt(links_sql), *nt = db_stmt(links_nets_sql);
	struct relayed rel;
	struct link l;
	int rc = SQLITE_ERROR, nrc = SQLITE_ERROR, ret = DB_ERROR;

	memset(&l, 0, sizeof(l));
	if (relayed_load(id, &rel) != DB_OK)
		goto out;
	if (st == NULL || nt == NULL)
		goto out;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_text(nt, 1, id, -1, SQLITE_STATIC);
	nrc = sqlite3_step(nt);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (read_link_row(&l, st) != 0)
			goto out;
		/* The networks statement runs one row ahead: its rows of peers
		 * left out (pending) are passed over. */
		for (; nrc == SQLITE_ROW; nrc = sqlite3_step(nt)) {
			const char *peer = (const char *)sqlite3_column_text(nt, 0);
			int cmp = strcmp(peer ? peer : "", l.other.id);
			if (cmp > 0)
				break;
			if (cmp == 0 && rows_strlist_add(&l.other.networks,
			                                  (const char *)sqlite3_column_text(nt, 1)) != 0)
				goto out;
		}
		if (nrc != SQLITE_ROW && nrc != SQLITE_DONE)
			goto out;
		relayed_for(&rel, l.other.id, &l);
		if (fn(&l, ctx) != 0)
			goto out;
		rows_peer_free(&l.other);
	}
	if (rc == SQLITE_DONE)
		ret = DB_OK;
out:
	rows_peer_free(&l.other);
	relayed_free(&rel);
	if (st != NULL)
		sqlite3_reset(st);
	if (nt != NULL)
		sqlite3_reset(nt);
	return ret;
}

int
store_link_paired(const char *a, const char *b)
{
	static const char paired[] =
		"SELECT 1 FROM pairs WHERE (a = ?1 AND b = ?2) OR (a = ?2 AND b = ?1)";
	sqlite3_stmt *st = db_stmt(paired);
	int rc;

	if (st == NULL)
		return DB_ERROR;
	sqlite3_bind_text(st, 1, a, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, b, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	return rc == SQLITE_ROW ? DB_OK : rc == SQLITE_DONE ? DB_NOTFOUND : DB_ERROR;
}

int
store_link_report(const char *reporter, const char *partner, int64_t latest_handshake,
                  int64_t rx, int64_t tx, int64_t now)
{
	static const char upsert[] =
		"INSERT INTO link_reports (reporter, partner, latest_handshake, rx, tx, reported_at)"
		" VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (reporter, partner) DO UPDATE SET"
		" latest_handshake = excluded.latest_handshake, rx = excluded.rx,"
		" tx = excluded.tx, reported_at = excluded.reported_at";
	sqlite3_stmt *st = db_stmt(upsert);

	if (st == NULL)
		return DB_ERROR;
	sqlite3_bind_text(st, 1, reporter, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, partner, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, latest_handshake);
	sqlite3_bind_int64(st, 4, rx);
	sqlite3_bind_int64(st, 5, tx);
	sqlite3_bind_int64(st, 6, now);
	return db_exec_stmt(st) == DB_OK ? DB_OK : DB_ERROR;
}

/* Columns col.. of the status statement's row: id, name, then the report. */
static void
read_side(struct link_side *s, sqlite3_stmt *st, int col)
{
	memset(s, 0, sizeof(*s));
	sql_copy_col(s->id, sizeof(s->id), st, col);
	sql_copy_col(s->name, sizeof(s->name), st, col + 1);
	s->reported = sqlite3_column_type(st, col + 5) != SQLITE_NULL;
	if (!s->reported)
		return;
	s->latest_handshake = sqlite3_column_int64(st, col + 2);
	s->rx = sqlite3_column_int64(st, col + 3);
	s->tx = sqlite3_column_int64(st, col + 4);
	s->reported_at = sqlite3_column_int64(st, col + 5);
}

int
store_link_status_each(store_link_status_fn *fn, void *ctx)
{
	static const char sql[] =
		"SELECT p.a, pa.name, ra.latest_handshake, ra.rx, ra.tx, ra.reported_at,"
		" p.b, pb.name, rb.latest_handshake, rb.rx, rb.tx, rb.reported_at,"
		" pa.disabled_at IS NOT NULL, pb.disabled_at IS NOT NULL"
		" FROM pairs p JOIN peers pa ON pa.id = p.a JOIN peers pb ON pb.id = p.b"
		" LEFT JOIN link_reports ra ON ra.reporter = p.a AND ra.partner = p.b"
		" LEFT JOIN link_reports rb ON rb.reporter = p.b AND rb.partner = p.a"
		" ORDER BY min(pa.name, pb.name), max(pa.name, pb.name), p.a, p.b";
	sqlite3_stmt *st = db_stmt(sql);
	struct link_side a, b;
	int rc;

	if (st == NULL)
		return DB_ERROR;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		read_side(&a, st, 0);
		read_side(&b, st, 6);
		a.disabled = sqlite3_column_int(st, 12);
		b.disabled = sqlite3_column_int(st, 13);
		if (fn(&a, &b, ctx) != 0) {
			rc = SQLITE_ABORT;
			break;
		}
	}
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? DB_OK : DB_ERROR;
}
