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
	" a6.address, p.signed_version, p.statement, p.statement_sig, l." box \
	" FROM pairs l JOIN peers p ON p.id = l." other \
	" LEFT JOIN addresses a4 ON a4.peer_id = p.id AND a4.family = 4" \
	" LEFT JOIN addresses a6 ON a6.peer_id = p.id AND a6.family = 6" \
	" WHERE l." self " = ?1 AND p.state = 'accepted'"
static const char links_sql[] =
	LINK_HALF("b", "a", "psk_box_a") " UNION ALL " LINK_HALF("a", "b", "psk_box_b")
	" ORDER BY 1";
#define NETS_HALF(other, self) \
	"SELECT l." other ", n.cidr, n.position FROM pairs l" \
	" JOIN networks n ON n.peer_id = l." other " WHERE l." self " = ?1"
static const char links_nets_sql[] =
	NETS_HALF("b", "a") " UNION ALL " NETS_HALF("a", "b") " ORDER BY 1, 3";

#define LINK_BOX_COL 16    /* after the SQL_PEER_COLUMNS ones */

/* The current row of links_sql into l. -1 out of memory. */
static int
read_link_row(struct link *l, sqlite3_stmt *st)
{
	memset(l, 0, sizeof(*l));
	if (sql_read_peer(&l->other, st) != 0)
		return -1;
	l->boxlen = sqlite3_column_bytes(st, LINK_BOX_COL);
	if (l->boxlen == KEYS_SEALED_LEN)
		memcpy(l->box, sqlite3_column_blob(st, LINK_BOX_COL), KEYS_SEALED_LEN);
	else
		l->boxlen = 0;
	return 0;
}

int
store_links_each(const char *id, store_link_fn *fn, void *ctx)
{
	sqlite3_stmt *st = db_stmt(links_sql), *nt = db_stmt(links_nets_sql);
	struct link l;
	int rc = SQLITE_ERROR, nrc = SQLITE_ERROR, ret = DB_ERROR;

	memset(&l, 0, sizeof(l));
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
		if (fn(&l, ctx) != 0)
			goto out;
		rows_peer_free(&l.other);
	}
	if (rc == SQLITE_DONE)
		ret = DB_OK;
out:
	rows_peer_free(&l.other);
	if (st != NULL)
		sqlite3_reset(st);
	if (nt != NULL)
		sqlite3_reset(nt);
	return ret;
}
